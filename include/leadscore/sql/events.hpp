#pragma once
// Engagement events from a database: a query (or a table) whose rows are events, read as read_events reads an events
// file (leadscore/io/events_csv.hpp), so that event rules and event features run on a CRM's own tables. Part of the
// optional target leadscore::sql.
//
//   auto db = sql::open_database("sqlite:crm.db");
//   event_log log = sql::read_events(*db, {.query = "SELECT lead_id, time, type, detail FROM events"});
//   attach_events(leads, "id", log);

#include "leadscore/io/events_csv.hpp"
#include "leadscore/sql/database.hpp"

namespace leadscore::sql {

/// Reads the events of `what` as read_events reads a file, with the same checks and the same result on the same
/// values: the columns lead_id, time and type (named exactly so; `AS` renames), optionally detail; other columns
/// are ignored.
///
/// - time is read as a timestamp as database::read reads one (timestamptz, timestamp and date in PostgreSQL;
///   ISO-8601 text or integer seconds in SQLite; UTC).
/// - lead_id, type and detail are read as exact text (an integer as its digits); type is trimmed of blanks as in a
///   file. A NULL detail, or one of events_options::missing_tokens, is no detail.
/// - Rows may come in any order; event_log::lines holds each row's place in the result (1 = the first row) and
///   event_log::lines_are_rows is set.
///
/// Throws input_error, its place the database and the object (database::name(), source::describe()) and the column
/// and its reason starting "row N: ", for a NULL or empty lead id or type, or a NULL time; and for a result lacking
/// lead_id, time or type. Throws error for a query the database refuses. events_options::delimiter and limits are
/// not used.
[[nodiscard]] event_log read_events(database& db, const source& what, const events_options& options = {});

} // namespace leadscore::sql
