#pragma once
// Stage histories for funnel analytics: leads' journeys through a funnel, per-lead breakdown keys and periods.
// Histories are read from and written to CSV files by leadscore/io/history_csv.hpp.

#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead_attributes.hpp"
#include "leadscore/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

namespace detail::archive {
/// How a type is archived (leadscore/io/detail/archive_fields.hpp). The accumulators befriend their description so
/// their state can be saved and rebuilt (leadscore/io/serialize_funnel.hpp) without a public setter.
template <class T>
struct description;
} // namespace detail::archive

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
    /// funnel lacks, a deal value that is negative or infinite, and for columns of different lengths or codes
    /// outside their dictionaries; and naming the lead and its two entries for a lead won and lost at the same
    /// time (a won entry and a lost, rejected or nurture entry with one time: which came first is unknowable).
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
    [[nodiscard]] std::span<const std::uint32_t> offsets() const noexcept { return {offsets_.data(), offsets_.size()}; }
    /// History entry index at each position.
    [[nodiscard]] std::span<const std::uint32_t> order() const noexcept { return {order_.data(), order_.size()}; }
    /// Funnel stage index at each position.
    [[nodiscard]] std::span<const std::uint16_t> stage_at() const noexcept { return {position_stage_.data(), position_stage_.size()}; }
    /// Entry time (seconds, or missing_time) at each position.
    [[nodiscard]] std::span<const std::int64_t> time_at() const noexcept;
    /// True when the history was already grouped by lead and sorted (positions are entry indices).
    [[nodiscard]] bool in_history_order() const noexcept { return identity_; }

private:
    /// Fills order_, position_stage_ and position_time_ for a history not in journey order.
    void sort_positions();

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
enum class period : std::uint8_t {
    month,   ///< calendar month
    quarter, ///< calendar quarter (Q1 = January to March)
    year     ///< calendar year
};

/// The period holding a time, as a count since 1970 (month 0 = 1970-01, quarter 0 = 1970-Q1, year 0 = 1970).
/// Undefined for missing_time (check first).
[[nodiscard]] std::int32_t period_index(std::int64_t seconds, period p) noexcept;
/// "2026-03", "2026-Q1" or "2026".
[[nodiscard]] std::string period_label(std::int32_t index, period p);
/// The first second of a period.
[[nodiscard]] std::int64_t period_start(std::int32_t index, period p) noexcept;
/// "month", "quarter" or "year".
[[nodiscard]] std::string_view to_string(period p) noexcept;
/// The period named by one of the words to_string gives (matched exactly), or nullopt.
[[nodiscard]] std::optional<period> parse_period(std::string_view s) noexcept;

// ---------------------------------------------------------------------------------------------------------------
// Breakdown keys (per-lead attributes: leadscore/core/lead_attributes.hpp)

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

} // namespace leadscore
