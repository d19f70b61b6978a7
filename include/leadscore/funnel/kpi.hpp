#pragma once
// Sales KPIs by period and by a per-lead key (sales volume, win rate, average deal size, sales cycle, open
// opportunities and sales velocity), customer retention, and conversion cohorts (entry period × age).
// Every figure comes from integer counts (money in cents, durations in seconds), so merges are exact.

#include "leadscore/funnel/history.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace leadscore {

/// The period index of deals and leads whose time is not known (undated entries); labelled "(undated)".
inline constexpr std::int32_t undated_period = std::numeric_limits<std::int32_t>::min();

/// KPI counts of one cell: a period, a label, or a roll-up.
///
/// A lead's journey is cut into *deals*: a deal is a run of open entries ended by a closing entry (a stage that
/// is not open). A won stage closes a won deal, any other closing stage (lost, rejected, nurture) a lost one;
/// the entries after a close start the next deal (a repeat purchase). A closing entry right after another
/// closing entry closes no deal (a move between closed states). A deal starts at its first dated entry; the
/// first deal of a lead therefore starts at the lead's first touch.
struct kpi_counts {
    std::uint64_t new_leads = 0;     ///< leads whose first dated entry falls in the cell
    std::uint64_t new_leads_won = 0; ///< … of which won at least once by as_of
    std::uint64_t won = 0;           ///< won deals closed in the cell
    std::uint64_t lost = 0;          ///< lost deals closed in the cell (lost, rejected, nurture)
    std::int64_t revenue_cents = 0;  ///< sum of the won deals' values (the won entry's value), rounded to cents
    std::uint64_t won_with_value = 0; ///< won deals that carry a value
    std::int64_t cycle_seconds = 0;  ///< sum of the won deals' cycles (deal start → won entry)
    std::uint64_t cycle_count = 0;   ///< won deals whose cycle is known
    /// Open deals at the end of the period (at as_of for the current period and for roll-ups by label), counting
    /// only deals at or past kpi_options::opportunity_stage.
    std::uint64_t open_opportunities = 0;

    /// revenue_cents / 100.
    [[nodiscard]] double revenue() const noexcept;
    /// revenue / won_with_value (NaN when no won deal has a value).
    [[nodiscard]] double average_deal() const noexcept;
    /// won / (won + lost): the win rate of deals closed in the cell.
    [[nodiscard]] double win_rate() const noexcept;
    /// new_leads_won / new_leads: the lead conversion rate of the cell's new leads.
    [[nodiscard]] double lead_conversion() const noexcept;
    /// Mean sales cycle of won deals, in days.
    [[nodiscard]] double cycle_days() const noexcept;
    /// Sales velocity, money per day: open_opportunities × average_deal × win_rate ÷ cycle_days
    /// (NaN when a factor is unknown or the cycle is 0).
    [[nodiscard]] double velocity() const noexcept;

    /// Adds another cell's counts (a part of the same cell, or a cell rolled up into this one).
    kpi_counts& operator+=(const kpi_counts& o) noexcept;
    /// Equal when every count is equal.
    friend bool operator==(const kpi_counts&, const kpi_counts&) = default;
};

/// How KPIs are cut into cells and counted.
struct kpi_options {
    period by = period::month; ///< the period of the cells
    /// Open deals count as opportunities only at or past this open stage; empty = every open stage.
    std::string opportunity_stage;
    /// Threads for add(); 0 = every hardware thread. Results do not depend on it.
    unsigned threads = 0;
};

/// Customer retention as repeat purchase: a customer is a label of the customer key (an account attribute, or
/// the lead itself), retained when it has more than one won deal.
struct retention {
    std::uint64_t customers = 0; ///< customers with at least one won deal
    std::uint64_t repeat = 0;    ///< … with two or more
    /// repeat / customers (NaN when nobody won).
    [[nodiscard]] double rate() const noexcept;
    /// Equal when every count is equal.
    friend bool operator==(const retention&, const retention&);
};

/// KPIs of many leads by (period, label) cells, with roll-ups by period, by label and in total.
class kpi_accumulator {
public:
    /// Throws definition_error for a missing as_of, or an opportunity_stage the funnel lacks or that is not open.
    kpi_accumulator(const funnel& f, timestamp as_of, kpi_options options = {});

    /// Adds every lead of j (same funnel), labelled by `key` (nullptr: one label ""), customers by `customer`
    /// (nullptr: each lead is its own customer; so is a lead whose customer key is missing). Keys need one code per lead. Throws
    /// definition_error for a mismatch or an entry dated after as_of, or a value beyond ±9e13.
    void add(const journeys& j, const lead_key* key = nullptr, const lead_key* customer = nullptr);
    /// Adds leads [begin, end) of j only.
    void add(const journeys& j, const lead_key* key, const lead_key* customer, std::size_t begin, std::size_t end);
    /// Adds another accumulator's counts (same funnel, as_of, period and opportunity stage).
    void merge(const kpi_accumulator& other);

    /// The cells: (period index, label) → counts. Periods are period_index values, or undated_period.
    [[nodiscard]] const std::map<std::pair<std::int32_t, std::string>, kpi_counts>& cells() const noexcept { return cells_; }
    /// Sums over labels, by period in ascending order (undated first).
    [[nodiscard]] std::vector<std::pair<std::int32_t, kpi_counts>> by_period() const;
    /// Sums over periods, by label in ascending order; open_opportunities are those open at as_of.
    [[nodiscard]] std::vector<std::pair<std::string, kpi_counts>> by_label() const;
    /// The sum of everything; open_opportunities are those open at as_of.
    [[nodiscard]] kpi_counts total() const;
    /// Repeat-purchase retention over every customer.
    [[nodiscard]] retention customer_retention() const;
    /// Won deals per customer label (customers with at least one). Leads that are their own customers (no customer
    /// key, or a missing one) are counted in customer_retention() but not listed here.
    [[nodiscard]] const std::map<std::string, std::uint64_t, std::less<>>& wins_by_customer() const noexcept {
        return wins_;
    }
    /// "2026-03" for a period index, "(undated)" for undated_period.
    [[nodiscard]] std::string period_name(std::int32_t index) const;
    /// The observation time: no entry may be dated after it; roll-ups count the deals open then.
    [[nodiscard]] timestamp as_of() const noexcept { return as_of_; }
    /// The options given at construction.
    [[nodiscard]] const kpi_options& options() const noexcept { return options_; }

    /// Same funnel, as_of, period, opportunity stage and counts (threads ignored).
    friend bool operator==(const kpi_accumulator& a, const kpi_accumulator& b);

private:
    friend struct detail::archive::description<kpi_accumulator>; // archives (io/serialize_funnel.hpp)
    leadscore::funnel funnel_;
    timestamp as_of_;
    kpi_options options_;
    std::size_t min_rank_ = 0;
    std::map<std::pair<std::int32_t, std::string>, kpi_counts> cells_;
    std::map<std::string, std::uint64_t, std::less<>> wins_;
    retention own_; // leads that are their own customers
};

/// a merged with b.
[[nodiscard]] kpi_accumulator merge(kpi_accumulator a, const kpi_accumulator& b);

// ---------------------------------------------------------------------------------------------------------------
// Cohorts

/// One cohort: the leads whose first dated entry falls in one period.
struct cohort_counts {
    std::uint64_t leads = 0; ///< leads in the cohort
    /// won_at_age[a]: leads whose first won entry is a periods after the cohort's period (age 0 = same period).
    std::vector<std::uint64_t> won_at_age;
    std::uint64_t won_undated = 0; ///< leads that won, at an unknown time

    /// Share of the cohort won by age a (cumulative), NaN for an empty cohort.
    [[nodiscard]] double converted_by(std::size_t age) const noexcept;
    /// Adds another part's counts of the same cohort (won_at_age grows to the longer of the two).
    cohort_counts& operator+=(const cohort_counts& o);
    /// Equal when every field is equal.
    friend bool operator==(const cohort_counts&, const cohort_counts&);
};

/// Conversion cohorts: entry period × age (periods since entry), observed at as_of.
class cohort_accumulator {
public:
    /// Cohorts of period `p`. `threads` for add(): 0 = every hardware thread; results do not depend on it.
    /// Throws definition_error for a missing as_of.
    cohort_accumulator(period p, timestamp as_of, unsigned threads = 0);

    /// Adds every lead of j. Throws definition_error for an entry dated after as_of.
    void add(const journeys& j);
    /// Adds leads [begin, end) of j only (definition_error for a range beyond j's leads).
    void add(const journeys& j, std::size_t begin, std::size_t end);
    /// Adds another accumulator's counts (same period and as_of, else definition_error).
    void merge(const cohort_accumulator& other);

    /// Cohorts by period index, ascending.
    [[nodiscard]] const std::map<std::int32_t, cohort_counts>& cohorts() const noexcept { return cohorts_; }
    /// Leads without a dated entry: in no cohort.
    [[nodiscard]] std::uint64_t undated_leads() const noexcept { return undated_; }
    /// The oldest age observed for a cohort: period(as_of) − cohort. Ages beyond it have not happened yet.
    [[nodiscard]] std::int64_t observed_age(std::int32_t cohort) const noexcept;
    /// The period of the cohorts and of the ages.
    [[nodiscard]] period by() const noexcept { return period_; }

    /// Same period, as_of and counts (threads ignored).
    friend bool operator==(const cohort_accumulator& a, const cohort_accumulator& b);

private:
    friend struct detail::archive::description<cohort_accumulator>; // archives (io/serialize_funnel.hpp)
    period period_;
    timestamp as_of_;
    unsigned threads_;
    std::map<std::int32_t, cohort_counts> cohorts_;
    std::uint64_t undated_ = 0;
};

/// a merged with b.
[[nodiscard]] cohort_accumulator merge(cohort_accumulator a, const cohort_accumulator& b);

} // namespace leadscore
