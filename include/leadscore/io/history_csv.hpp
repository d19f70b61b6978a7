#pragma once
// Stage histories as CSV files: an event log (one row per stage entry), a one-row-per-deal snapshot, and the small
// funnel definition file; read with the library's CSV tokenizer (RFC 4180 quoting, LF or CRLF, a UTF-8 byte order
// mark skipped, the delimiter detected as read_csv does), with errors that name file:line:column and the field.
// Depends on core only: the analytics over what is read are in leadscore/funnel/.

#include "leadscore/core/error.hpp"
#include "leadscore/core/file_path.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead_attributes.hpp"
#include "leadscore/io/csv.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// What a history reader does with a time that runs backwards: an event-log row earlier than an earlier row of the
/// same lead, or a snapshot deal that closes before it starts (a deal won before its recorded first contact).
enum class backwards_time : std::uint8_t {
    reject, ///< refuse the row (an error in fail_fast mode, a rejected_row in collect mode)
    clamp   ///< take the row with the time moved up to the earlier time, and count it in history_import::clamped
};

/// How history files are read. The defaults read what write_history (and `leadscore generate --history`) writes.
struct history_options {
    /// ',', ';' or a tab; '\0' detects it from the header line, as csv_options does.
    char delimiter = '\0';
    /// Cell texts that mean "missing" (optional columns only; a required cell that is missing is an error).
    std::vector<std::string> missing_tokens{"", "NA"};
    /// fail_fast throws input_error at the first bad row; collect lists bad rows in `rejected` and goes on.
    error_mode errors = error_mode::fail_fast;
    csv_limits limits; ///< line, column and cell sizes that stop the reader (see csv_limits)
    /// Times that run backwards: refused (the default), or clamped to the earlier time and counted. A clamped row is
    /// then checked like any other (a clamped lost entry at the time of a won one is still refused: won and lost).
    backwards_time on_backwards = backwards_time::reject;
};

/// A history read from a file, with its per-lead attributes and the rows not taken.
struct history_import {
    stage_history history;              ///< the entries taken; its stage codes are the funnel's stage indices
    lead_attributes attributes;         ///< the columns beyond the history's own, per lead of `history`
    std::vector<rejected_row> rejected; ///< empty in fail_fast mode
    std::size_t rows_read = 0;          ///< data rows seen: rows taken + rejected.size()
    /// Snapshots only: per funnel stage, entries whose time the snapshot does not give (see read_deal_snapshot).
    std::vector<std::size_t> undated;
    /// Entries taken with their time clamped (history_options::on_backwards = clamp); 0 otherwise.
    std::size_t clamped = 0;
    /// The largest clamp, in seconds (how far back the furthest clamped time ran); 0 when none.
    std::int64_t max_clamp_seconds = 0;
};

/// Reads an event log `lead_id,stage,entered_at[,value][,source][,more…]`: header names matched after
/// normalize_name, in any order; value is a number, source a text; every other column is a per-lead attribute.
/// A row is refused (input_error naming file:line:column and field in fail_fast mode, a rejected_row in collect
/// mode) for: a malformed record (a quote that never closes, text after a closing quote, invalid UTF-8, a field
/// count other than the header's); a missing lead id, stage or time; a time that does not parse; a value that is
/// not a finite number, or is negative; a stage the funnel lacks; a time earlier than an earlier row of the same
/// lead (time runs backwards; history_options::on_backwards = clamp takes it at the earlier time); the same lead, stage and time as an earlier row (a duplicate); a won stage at the
/// same time as a lost, rejected or nurture stage of the same lead, or the other way round (won and lost at once);
/// an attribute whose value differs from the lead's earlier rows. The file as a whole is refused when empty, without
/// header, or lacking lead_id, stage or entered_at. Throws definition_error for a delimiter other than ',', ';', a
/// tab or '\0'.
[[nodiscard]] history_import read_history(std::string_view text, const funnel& f, const history_options& options = {},
                                          std::string_view name = "<memory>");
/// Reads a file; input_error names it when it cannot be opened.
[[nodiscard]] history_import read_history_file(const file_path& path, const funnel& f,
                                               const history_options& options = {});

/// Writes an event log that read_history reads back: the header `lead_id,stage,entered_at,value,source`, then the
/// attributes' names, and one line per entry in history order, each lead's attribute values repeated on its lines.
/// Cells holding the delimiter, a quote, CR or LF are quoted; a missing value, source, attribute or time is an empty
/// cell (an undated entry does not read back: the event log requires times, and a text equal to a missing token
/// such as "NA" reads back as missing); values are written so they read back exactly; times as by
/// format_timestamp. Throws definition_error for a delimiter other than ',', ';' or a tab, history columns of
/// different lengths, an attribute whose codes do not cover the history's leads, or an attribute name that is
/// empty or equal to another column's (compared after normalize_name).
void write_history(std::ostream& out, const stage_history& h, const lead_attributes& attributes = {},
                   char delimiter = ',');
/// Writes a file; leadscore::error names it when it cannot be written.
void write_history_file(const file_path& path, const stage_history& h,
                        const lead_attributes& attributes = {}, char delimiter = ',');

/// Column names and the stage the start date belongs to, for a one-row-per-deal snapshot. The defaults fit the
/// shape of a CRM pipeline export such as `opportunity_id,sales_agent,product,account,deal_stage,engage_date,
/// close_date,close_value`.
struct snapshot_options {
    std::string id_column = "opportunity_id"; ///< one deal per row: becomes the lead id
    std::string stage_column = "deal_stage";  ///< the deal's current stage
    std::string start_column = "engage_date"; ///< time the deal entered `start_stage`
    std::string close_column = "close_date";  ///< time the deal entered its closed (non-open) stage
    std::string value_column = "close_value"; ///< deal value; empty name = none
    std::string source_column;                ///< a column to store as the entries' source; empty = none
    /// The open stage entered at the start date; empty = the funnel's first open stage.
    std::string start_stage = "engaging";
    history_options csv; ///< delimiter, missing tokens and error mode
};

/// The shared snapshot funnel: prospecting → engaging (open), won, lost.
[[nodiscard]] const funnel& snapshot_funnel();

/// Converts a one-row-per-deal snapshot into a history: one lead per deal, entering every open stage of the
/// funnel up to its current stage (an open stage) or up to start_stage and then its closed stage (won, lost, …).
/// The start stage is entered at the start date, the closed stage at the close date, and the value goes on the
/// deal's last entry. Every other entry, and a start or close entry whose date
/// cell is missing, is *undated* (time missing_time) and counted per stage in `undated`: undated entries count in
/// stage conversion (a deal in the first stage entered the funnel) but not in time statistics. Every other
/// column becomes a per-lead attribute. Rows are refused like read_history's, and also for: a start date on a
/// deal that has not reached start_stage, a close date on an open deal, a close date before the start date (with
/// snapshot_options::csv.on_backwards = clamp: closed at the start date, and counted), a repeated deal id.
[[nodiscard]] history_import read_deal_snapshot(std::string_view text, const funnel& f,
                                                const snapshot_options& options = {},
                                                std::string_view name = "<memory>");
/// Reads a snapshot file; input_error names it when it cannot be opened.
[[nodiscard]] history_import read_deal_snapshot_file(const file_path& path, const funnel& f,
                                                     const snapshot_options& options = {});

/// The funnel of a small CSV `stage,kind` (kinds as by parse_stage_kind), in order, with an optional header line
/// `stage,kind`. Throws input_error naming file:line:column for a malformed record or a bad line, and
/// definition_error when the stages do not make a funnel.
[[nodiscard]] funnel read_funnel(std::string_view text, std::string_view name = "<memory>");
/// Reads a funnel file; input_error names it when it cannot be opened.
[[nodiscard]] funnel read_funnel_file(const file_path& path);

} // namespace leadscore
