#pragma once
// Time in the funnel: time in each stage and the sales cycle, as plain statistics of closed durations and as
// Kaplan–Meier estimates that count open leads as censored at the observation time.

#include "leadscore/funnel/history.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace leadscore {

/// Statistics of closed durations, in seconds (NaN when there are none). Percentiles interpolate linearly
/// between order statistics (the "type 7" rule of R and NumPy's default): p = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])
/// with h = (n − 1)·q over the sorted values; the median is the 0.5 percentile.
struct duration_summary {
    std::uint64_t count = 0; ///< durations summarized
    /// The value of every statistic over no durations.
    static constexpr double none = std::numeric_limits<double>::quiet_NaN();
    double mean = none;   ///< arithmetic mean
    double min = none;    ///< shortest
    double p10 = none;    ///< 10th percentile
    double p25 = none;    ///< 25th percentile (lower quartile)
    double median = none; ///< 50th percentile
    double p75 = none;    ///< 75th percentile (upper quartile)
    double p90 = none;    ///< 90th percentile
    double max = none;    ///< longest
};

/// One step of a Kaplan–Meier curve: at `time` (seconds), `events` of the `at_risk` durations ended, and the
/// estimated survival S(time) = P(duration > time) became `survival`.
struct survival_step {
    std::int64_t time = 0;      ///< the event time, seconds
    std::uint64_t at_risk = 0;  ///< durations at risk at `time`
    std::uint64_t events = 0;   ///< durations that ended at `time`
    double survival = 1;        ///< S(time), after this step
    /// Equal when every field is equal.
    friend bool operator==(const survival_step&, const survival_step&) = default;
};

/// A Kaplan–Meier estimate: S(t) = Π over event times tᵢ ≤ t of (1 − dᵢ / nᵢ), where dᵢ durations ended at tᵢ
/// and nᵢ durations were at risk (ended or censored at or after tᵢ: a duration censored at tᵢ counts as at risk).
struct survival_curve {
    std::vector<survival_step> steps; ///< one per distinct event time, ascending
    std::uint64_t events = 0;         ///< durations that ended
    std::uint64_t censored = 0;       ///< durations still running

    /// S(t): 1 before the first event, a step function after.
    [[nodiscard]] double survival_at(std::int64_t t) const noexcept;
    /// The smallest event time with S ≤ 1 − q (q in (0, 1)); nullopt when the curve never gets that low (too few
    /// closed durations to tell).
    [[nodiscard]] std::optional<std::int64_t> quantile(double q) const noexcept;
    /// quantile(0.5).
    [[nodiscard]] std::optional<std::int64_t> median() const noexcept { return quantile(0.5); }
};

/// The Kaplan–Meier estimate of durations that ended (`events`) and durations still running (`censored`), in any
/// order. Throws definition_error for a negative duration.
[[nodiscard]] survival_curve kaplan_meier(std::span<const std::int64_t> events, std::span<const std::int64_t> censored);
/// Statistics of durations in any order (see duration_summary).
[[nodiscard]] duration_summary summarize(std::span<const std::int64_t> durations);

/// Durations of one kind, kept exactly (seconds) so statistics and merges are exact.
struct duration_sample {
    std::vector<std::int64_t> closed;   ///< both ends known
    std::vector<std::int64_t> censored; ///< still running at as_of: as_of − start
    std::uint64_t unknown = 0;          ///< an end is undated, so the duration is not known

    /// The naive estimate: statistics of the closed durations only.
    [[nodiscard]] duration_summary summary() const { return summarize(closed); }
    /// The Kaplan–Meier estimate with the censored durations.
    [[nodiscard]] survival_curve survival() const { return kaplan_meier(closed, censored); }
    /// Appends another sample's durations and adds its unknown count.
    void merge(const duration_sample& o);
    /// Same durations as multisets (order does not matter) and the same unknown count.
    friend bool operator==(const duration_sample& a, const duration_sample& b);
};

/// How timing_accumulator runs.
struct timing_options {
    /// Threads for add(); 0 = every hardware thread. Results do not depend on it.
    unsigned threads = 0;
};

/// Time in stage and sales cycle of many leads, observed at `as_of`.
///
/// * Time in stage: each entry lasts until the lead's next entry (a closed duration). A lead's last entry in an
///   open stage is still running: censored at as_of − entry time. A last entry in another stage (won, lost,
///   rejected, nurture) is an end, not a stay. Loops count each visit.
/// * Sales cycle starts at the lead's first dated entry (first touch). to_close ends at the lead's last entry when
///   that entry's stage is not open (won, lost, rejected or nurture: the lead is closed); open leads are censored
///   at as_of. to_won ends at the lead's first won entry (closed durations only: open leads have no censored
///   value here, because a lost lead never wins, which Kaplan–Meier cannot express). A lead whose closing entry
///   is its first dated entry after undated ones has an unknown cycle (a snapshot deal closed without a start
///   date); a lead whose very first entry closes it has a cycle of 0.
class timing_accumulator {
public:
    /// Throws definition_error when as_of is missing_time.
    timing_accumulator(const funnel& f, timestamp as_of, timing_options options = {});

    /// Adds every lead of j (same funnel). Throws definition_error naming an entry dated after as_of.
    void add(const journeys& j);
    /// Adds leads [begin, end) of j only.
    void add(const journeys& j, std::size_t begin, std::size_t end);
    /// Adds another accumulator's durations (same funnel and as_of, else definition_error).
    void merge(const timing_accumulator& other);

    /// Time in stage s (funnel index).
    [[nodiscard]] const duration_sample& in_stage(std::size_t s) const { return in_stage_.at(s); }
    /// First touch → close (won or lost), open leads censored.
    [[nodiscard]] const duration_sample& to_close() const noexcept { return to_close_; }
    /// First touch → first win.
    [[nodiscard]] const duration_sample& to_won() const noexcept { return to_won_; }
    /// The observation time: durations still running are censored at it.
    [[nodiscard]] timestamp as_of() const noexcept { return as_of_; }
    /// The funnel counted (the accumulator's copy).
    [[nodiscard]] const leadscore::funnel& stages() const noexcept { return funnel_; }

    /// Same funnel, as_of and durations as multisets (threads ignored).
    friend bool operator==(const timing_accumulator& a, const timing_accumulator& b);

private:
    friend struct detail::archive::description<timing_accumulator>; // archives (io/serialize_funnel.hpp)
    leadscore::funnel funnel_;
    timestamp as_of_;
    timing_options options_;
    std::vector<duration_sample> in_stage_;
    duration_sample to_close_, to_won_;
};

/// a merged with b.
[[nodiscard]] timing_accumulator merge(timing_accumulator a, const timing_accumulator& b);

/// Convenience: the timing of a whole history.
[[nodiscard]] timing_accumulator compute_timing(const journeys& j, timestamp as_of, timing_options options = {});

/// The latest dated entry of a history (a natural as_of), or nullopt when it has none.
[[nodiscard]] std::optional<timestamp> latest_entry(const stage_history& h) noexcept;

} // namespace leadscore
