#pragma once
// Stage histories for funnel analytics: leads' journeys through a funnel, per-lead breakdown keys, periods,
// and the import of histories from CSV (an event log, or a one-row-per-deal snapshot).

#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/io/csv.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// A stage history grouped by lead: each lead's entries sorted by time (ties keep input order), stages
/// resolved to indices of a funnel. Borrows the history and the funnel (they must outlive it).
///
/// Lead indices are the codes of `history().lead_ids` (0 .. leads() - 1). An entry's time may be
/// `missing_time`: an *undated* entry (a deal snapshot knows that a deal passed a stage, not when). An undated
/// entry is ordered as if it had the time of the lead's previous entry in input order (before every dated
/// entry when none precedes it), so a lead's path keeps its order; durations that start or end at an undated
/// entry are unknown, and the analytics leave them out and count them.
class journeys {
public:
    /// Groups and sorts. Throws definition_error naming the entry (index, lead id, stage) for a stage the
    /// funnel lacks, and for columns of different lengths or codes outside their dictionaries.
    journeys(const stage_history& h, const funnel& f);

    /// Number of leads (= h.lead_ids.size(); a lead without entries has an empty journey).
    [[nodiscard]] std::size_t leads() const noexcept { return offsets_.size() - 1; }
    /// Number of entries (= h.size()).
    [[nodiscard]] std::size_t size() const noexcept { return order_.size(); }
    /// Entry indices into the history of one lead, in journey order. Throws std::out_of_range past the end.
    [[nodiscard]] std::span<const std::uint32_t> entries_of(std::size_t lead) const;
    /// Funnel index of an entry (an index into the history). Throws std::out_of_range past the end.
    [[nodiscard]] std::size_t stage_of(std::size_t entry) const { return entry_stage_.at(entry); }
    /// The history grouped.
    [[nodiscard]] const stage_history& history() const noexcept { return *history_; }
    /// The funnel the stages resolve to.
    [[nodiscard]] const leadscore::funnel& stages() const noexcept { return *funnel_; }

    // Flat, position-ordered views for batch work. Position p (0 .. size() - 1) is the p-th entry in journey
    // order; lead l owns positions [offsets()[l], offsets()[l + 1]).

    /// leads() + 1 offsets into the positions.
    [[nodiscard]] std::span<const std::uint32_t> offsets() const noexcept { return offsets_; }
    /// History entry index at each position.
    [[nodiscard]] std::span<const std::uint32_t> order() const noexcept { return order_; }
    /// Funnel stage index at each position.
    [[nodiscard]] std::span<const std::uint16_t> stage_at() const noexcept { return position_stage_; }
    /// Entry time (seconds, or missing_time) at each position.
    [[nodiscard]] std::span<const std::int64_t> time_at() const noexcept;
    /// True when the history was already grouped by lead and sorted (positions are entry indices).
    [[nodiscard]] bool in_history_order() const noexcept { return identity_; }

private:
    const stage_history* history_;
    const leadscore::funnel* funnel_;
    std::vector<std::uint32_t> offsets_;
    std::vector<std::uint32_t> order_;
    std::vector<std::uint16_t> entry_stage_;    // by entry index
    std::vector<std::uint16_t> position_stage_; // by position
    std::vector<std::int64_t> position_time_;   // by position; empty when identity_
    bool identity_ = false;
};

// ---------------------------------------------------------------------------------------------------------------
// Periods

/// Calendar periods for KPIs and cohorts (UTC).
enum class period : std::uint8_t { month, quarter, year };

/// The period holding a time, as a count since 1970 (month 0 = 1970-01, quarter 0 = 1970-Q1, year 0 = 1970).
/// Undefined for missing_time (check first).
[[nodiscard]] std::int32_t period_index(std::int64_t seconds, period p) noexcept;
/// "2026-03", "2026-Q1" or "2026".
[[nodiscard]] std::string period_label(std::int32_t index, period p);
/// The first second of a period.
[[nodiscard]] std::int64_t period_start(std::int32_t index, period p) noexcept;
/// "month", "quarter", "year"; parse_period accepts those words.
[[nodiscard]] std::string_view to_string(period p) noexcept;
[[nodiscard]] std::optional<period> parse_period(std::string_view s) noexcept;

// ---------------------------------------------------------------------------------------------------------------
// Per-lead attributes and breakdown keys

/// One categorical attribute per lead (team, owner, product, account, …), from the extra columns of a history
/// file. codes[l] is the value of lead l in `values`, or missing_code.
struct lead_attribute {
    std::string name;                ///< the column name as in the file's header
    dictionary values;               ///< distinct values
    std::vector<std::int32_t> codes; ///< per lead: a code of `values`, or missing_code
};

/// The per-lead attributes of a history; codes are indexed by the history's lead codes.
struct lead_attributes {
    std::vector<lead_attribute> columns; ///< in file order
    /// The attribute of that name (compared after normalize_name), or nullptr.
    [[nodiscard]] const lead_attribute* find(std::string_view name) const noexcept;
};

/// A breakdown key: a label per lead. code[l] indexes labels, or is missing_code (the lead is counted under
/// the label "(none)" by the breakdowns). Accumulators keep labels, not codes, so keys of different partitions
/// merge by label.
struct lead_key {
    std::string name;                ///< "source", "team", "cohort", …
    std::vector<std::string> labels; ///< distinct labels
    std::vector<std::int32_t> code;  ///< one per lead
};

/// The label breakdowns use for a lead whose key is missing.
inline constexpr std::string_view no_label = "(none)";

/// Each lead's first source (first touch: the source of its first entry in journey order that has one).
[[nodiscard]] lead_key key_by_source(const journeys& j);
/// Each lead's last source (last touch).
[[nodiscard]] lead_key key_by_last_source(const journeys& j);
/// An attribute as a key. Throws definition_error naming the attribute and the known ones when absent, or when
/// its codes do not cover `leads` leads.
[[nodiscard]] lead_key key_by_attribute(const lead_attributes& a, std::string_view name, std::size_t leads);
/// Each lead's cohort: the period of its first dated entry (labels like "2026-03"; missing when undated).
[[nodiscard]] lead_key key_by_entry_period(const journeys& j, period p);
/// A key by name: "source", "last_source", "cohort" / "month" / "quarter" / "year" (entry period), or an
/// attribute name. Throws definition_error listing the choices for anything else.
[[nodiscard]] lead_key make_key(const journeys& j, const lead_attributes& a, std::string_view name);

// ---------------------------------------------------------------------------------------------------------------
// Import

/// How history files are read. The defaults read what `leadscore generate --history` writes.
struct history_options {
    /// ',', ';' or a tab; '\0' detects it from the header line, as csv_options does.
    char delimiter = '\0';
    /// Cell texts that mean "missing" (optional columns only; a required cell that is missing is an error).
    std::vector<std::string> missing_tokens{"", "NA"};
    /// fail_fast throws input_error at the first bad row; collect lists bad rows in `rejected` and goes on.
    error_mode errors = error_mode::fail_fast;
};

/// A history read from a file, with its per-lead attributes and the rows not taken.
struct history_import {
    stage_history history;
    lead_attributes attributes;
    std::vector<rejected_row> rejected; ///< empty in fail_fast mode
    std::size_t rows_read = 0;          ///< data rows seen: rows taken + rejected.size()
    /// Snapshots only: per funnel stage, entries whose time the snapshot does not give (see read_deal_snapshot).
    std::vector<std::size_t> undated;
};

/// Reads an event log `lead_id,stage,entered_at[,value][,source][,more…]`: header names matched after
/// normalize_name, in any order; value is a number, source a text; every other column is a per-lead attribute.
/// A row is refused (input_error naming file:line:column and field in fail_fast mode, a rejected_row in collect
/// mode) for: a missing lead id, stage or time; a time that does not parse; a value that is not a finite number;
/// a stage the funnel lacks; a time earlier than an earlier row of the same lead (time runs backwards); the same
/// lead, stage and time as an earlier row (a duplicate); an attribute whose value differs from the lead's earlier
/// rows. The file as a whole is refused when empty, without header, or lacking lead_id, stage or entered_at.
[[nodiscard]] history_import read_history(std::string_view text, const funnel& f, const history_options& options = {},
                                          std::string_view name = "<memory>");
/// Reads a file; input_error names it when it cannot be opened.
[[nodiscard]] history_import read_history_file(const std::filesystem::path& path, const funnel& f,
                                               const history_options& options = {});

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
/// deal that has not reached start_stage, a close date on an open deal, a close date before the start date, a
/// repeated deal id.
[[nodiscard]] history_import read_deal_snapshot(std::string_view text, const funnel& f,
                                                const snapshot_options& options = {},
                                                std::string_view name = "<memory>");
/// Reads a snapshot file; input_error names it when it cannot be opened.
[[nodiscard]] history_import read_deal_snapshot_file(const std::filesystem::path& path, const funnel& f,
                                                     const snapshot_options& options = {});

/// The funnel of a small CSV `stage,kind` (kinds as by parse_stage_kind), in order. Throws input_error naming
/// file:line for a bad row and definition_error when the stages do not make a funnel.
[[nodiscard]] funnel read_funnel(std::string_view text, std::string_view name = "<memory>");
/// Reads a funnel file; input_error names it when it cannot be opened.
[[nodiscard]] funnel read_funnel_file(const std::filesystem::path& path);

} // namespace leadscore
