#pragma once
// Stage histories from a database: a query (or a table) whose rows are stage entries, read as read_history reads an
// event log file, or whose rows are deals, read as read_deal_snapshot reads a snapshot file
// (leadscore/io/history_csv.hpp), so that `leadscore funnel` runs on a CRM's own tables. Part of the optional target
// leadscore::sql.
//
//   auto db = sql::open_database("sqlite:crm.db");
//   history_import h = sql::read_stage_history(
//       *db, {.query = "SELECT … AS lead_id, … AS stage, … AS entered_at … ORDER BY lead_id, entered_at"},
//       funnel::standard());

#include "leadscore/core/funnel.hpp"
#include "leadscore/io/history_csv.hpp"
#include "leadscore/sql/database.hpp"

namespace leadscore::sql {

/// Reads the stage entries of `what` as read_history reads an event log, with the same checks and the same result
/// on the same values: the columns lead_id, stage and entered_at (named exactly so; `AS` renames), optionally value
/// and source, and every other column a per-lead attribute.
///
/// - entered_at is read as a timestamp as database::read reads one (timestamptz, timestamp and date in PostgreSQL;
///   ISO-8601 text or integer seconds in SQLite; UTC); a value that is not a time is an input_error naming the row
///   and the column, in either error mode.
/// - Every other column is read as exact text (an integer as its digits, a double as the shortest text that reads
///   back to it, a timestamp as format_timestamp writes it, a boolean as true/false) and then checked as the event
///   log's cell of that text would be: value a finite number, 0 or more; a stage of `f`; a lead's rows in time order.
///   NULL is missing, and so are the texts of history_options::missing_tokens ("" and "NA" by default), as in a file.
/// - Rows are taken in the result's order: order the query by lead and time (`ORDER BY lead_id, entered_at`), as an
///   event log file is written.
///
/// A bad row is refused as read_history refuses it (input_error in fail_fast mode, a rejected_row in collect mode),
/// its place the database and the object (database::name(), source::describe()) and the column, its reason starting
/// "row N: " (N = 1 for the first row of the result); rows named inside a reason are rows of the result too.
/// history_options::delimiter is not used. Throws input_error naming the object and the column when lead_id, stage
/// or entered_at is not a column of the result, and error for a query the database refuses.
[[nodiscard]] history_import read_stage_history(database& db, const source& what, const funnel& f,
                                                const history_options& options = {});

/// Reads the deals of `what`, one a row, as read_deal_snapshot reads a snapshot file, with the same checks and the
/// same result on the same values: the columns of `options` (id, stage, start and close dates, the value and source
/// columns when named; named exactly so), every other column a per-lead attribute.
///
/// - The start and close columns are read as timestamps as database::read reads one (date, timestamp and timestamptz
///   in PostgreSQL; ISO-8601 text or integer seconds in SQLite; times stored without a zone in the database's zone,
///   UTC by default): a date gives the time a file's YYYY-MM-DD cell gives. NULL and the texts of
///   options.csv.missing_tokens are missing (an undated entry); any other value that is not a time is an input_error
///   naming the row and the column, in either error mode.
/// - Every other column is read as exact text and checked as the snapshot's cell of that text would be, as
///   read_stage_history does; rows are taken in the result's order.
///
/// Refused rows, places and reasons as read_stage_history's ("row N: ", rows of the result). Throws input_error
/// naming the object and the column when a column of `options` is not a column of the result, and error for a query
/// the database refuses.
[[nodiscard]] history_import read_deal_snapshot(database& db, const source& what, const funnel& f,
                                                const snapshot_options& options = {});

} // namespace leadscore::sql
