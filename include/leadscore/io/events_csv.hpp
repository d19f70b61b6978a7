#pragma once
// Engagement events as a CSV file `lead_id,time,type[,detail]` (what `leadscore generate --events` writes), read
// with the library's CSV tokenizer (RFC 4180 quoting, LF or CRLF, a UTF-8 byte order mark skipped, the delimiter
// detected as read_csv does), and attached to a lead_table by lead id so that event rules and event features see
// them. Errors name file:line:column and the field.
//
//   csv_result leads = read_csv_file("leads.csv", {.text_columns = {"id"}});
//   event_log log = read_events_file("events.csv");
//   events_attached a = attach_events(leads.table, "id", log);   // a.unknown: events of leads the file lacks

#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/file_path.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/io/csv.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// How an events file is read.
struct events_options {
    /// ',', ';' or a tab; '\0' detects it from the header line, as csv_options does.
    char delimiter = '\0';
    /// Detail texts that mean "no detail" (a missing lead id, time or type is an error whatever the tokens).
    std::vector<std::string> missing_tokens{"", "NA"};
    csv_limits limits; ///< line, column and cell sizes that stop the reader (see csv_limits)
};

/// Events as read, one entry per row in the source's order, before they are attached to leads.
struct event_log {
    std::string source;                ///< the file (or database object) read, for messages
    dictionary lead_ids;               ///< the distinct lead id texts, exactly as read
    std::vector<std::int32_t> lead;    ///< per row: its lead, a code of lead_ids
    dictionary types;                  ///< the distinct event types
    dictionary details;                ///< the distinct details
    /// Per row: time in seconds, a code of `types` and a code of `details` (missing_code when none).
    std::vector<event_record> events;
    /// Per row: the line of the file its record starts on (a database reader gives the row of the result, from 1).
    std::vector<std::size_t> lines;
    /// Whether `lines` are rows of a query result rather than lines of a file (what messages call them).
    bool lines_are_rows = false;
    /// Number of rows.
    [[nodiscard]] std::size_t size() const noexcept { return events.size(); }
};

/// Reads an events file `lead_id,time,type[,detail]`: header names matched after normalize_name, in any order;
/// other columns are ignored. lead_id is kept as exact text (quotes removed, nothing trimmed: it must equal the
/// leads' id byte for byte); time is parsed as read_csv parses a timestamp cell (parse_timestamp, blanks around it
/// removed, UTC); type is a text, trimmed of blanks; detail a text, or missing (a missing token, or no detail
/// column). Rows may come in any order; repeated rows are kept (each is an event). Throws input_error naming
/// file:line:column and field for: an empty file or no header; a header without lead_id, time or type; a malformed
/// record (a quote that never closes, text after a closing quote, invalid UTF-8, a field count other than the
/// header's); an empty lead id or type; a time that is missing or does not parse; a size beyond options.limits.
/// Throws definition_error for a delimiter other than ',', ';', a tab or '\0'.
[[nodiscard]] event_log read_events(std::string_view text, const events_options& options = {},
                                    std::string_view name = "<memory>");
/// Reads a file; input_error names it when it cannot be opened.
[[nodiscard]] event_log read_events_file(const file_path& path, const events_options& options = {});

/// What attach_events did.
struct events_attached {
    std::size_t attached = 0; ///< events given to a lead (an event of a lead on two rows counts once per row)
    std::size_t leads = 0;    ///< rows that got at least one event
    /// Events whose lead id no row of the table holds: left out, and counted here.
    std::size_t unknown = 0;
    std::string first_unknown;      ///< the first such lead id, in the log's order; empty when none
    std::size_t first_unknown_line = 0; ///< its line (or row, see event_log::lines_are_rows)
};

/// Replaces the table's events with the log's: each event goes to every row whose `id_field` holds its lead id
/// (compared as exact text), each row's events sorted by time (events at the same time keep the log's order), types
/// and details interned into the table's dictionaries. Events of a lead id no row holds are left out and counted;
/// rows whose id is missing get none. Throws definition_error when `id_field` is not a categorical field of the
/// table (read the id column as text: csv_options::text_columns).
events_attached attach_events(lead_table& table, std::string_view id_field, const event_log& log);

} // namespace leadscore
