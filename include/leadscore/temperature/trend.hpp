#pragma once
// Trend: whether a lead's score is improving, steady or declining, from its score history — the scores of several
// runs over the same leads, each at its own time.
//
// Semantics a user must know:
// - The trend is the least-squares slope of score against time (in days) over the lead's scores in the last `window`
//   runs (0 = all), NaN scores left out; change = slope × per_days, the fitted change over per_days days.
//   change >= min_change: improving; change <= −min_change: declining; otherwise steady. A change exactly at
//   ±min_change counts as the trend.
// - Fewer than two scores (after leaving out NaN): unknown. Infinite scores give an unknown trend too.
// - Runs must be given oldest first, at strictly increasing times, all with the same number of leads (row i of every
//   run is the same lead); otherwise definition_error.

#include "leadscore/core/time.hpp"
#include "leadscore/scoring/policy.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace leadscore {

/// Which way a lead's score is going (see the header comment).
enum class trend : std::uint8_t {
    declining = 0, ///< change <= −min_change
    steady = 1,    ///< |change| below min_change
    improving = 2, ///< change >= min_change
    unknown = 3    ///< fewer than two scores, or an infinite one
};
/// "declining", "steady", "improving", "unknown".
[[nodiscard]] std::string_view to_string(trend t) noexcept;

/// The scores of one run over a batch of leads, and when the run happened.
struct score_run {
    timestamp at{};                   ///< when the run happened
    std::span<const double> scores{}; ///< one per lead (NaN = not computable); row i is the same lead in every run
};

/// How large a change counts as a trend.
struct trend_rule {
    double min_change = 5;   ///< in the score's unit over per_days days (finite, > 0)
    double per_days = 30;    ///< the period min_change refers to (finite, > 0)
    std::size_t window = 0;  ///< use the last `window` runs (>= 2), or 0 for all of them
    /// Equal when every field is equal.
    friend bool operator==(const trend_rule&, const trend_rule&);
};

/// Trends of score histories by a trend_rule (see the header comment).
class trend_policy {
public:
    /// Throws definition_error for a min_change or per_days that is not finite and positive, or a window of 1.
    explicit trend_policy(trend_rule rule = {});

    /// The rule, as validated.
    [[nodiscard]] const trend_rule& rule() const noexcept { return rule_; }

    /// The fitted change over per_days days of one lead's scores at the given times (seconds, strictly increasing,
    /// one per score), within the window; nullopt when fewer than two scores count or a score is infinite.
    /// Throws definition_error when the sizes differ or the times do not increase.
    [[nodiscard]] std::optional<double> change(std::span<const std::int64_t> times, std::span<const double> scores) const;
    /// The trend of one lead's scores (see change).
    [[nodiscard]] trend of(std::span<const std::int64_t> times, std::span<const double> scores) const;

    /// The trend of every lead over the runs, into out (one per lead), in parallel blocks.
    void batch(std::span<const score_run> runs, std::span<trend> out, const batch_options& options = {}) const;
    /// The same, into a new vector of one trend per lead.
    [[nodiscard]] std::vector<trend> batch(std::span<const score_run> runs, const batch_options& options = {}) const;

    /// Equal when the rules are equal.
    friend bool operator==(const trend_policy& a, const trend_policy& b) { return a.rule_ == b.rule_; }

private:
    [[nodiscard]] trend classify(std::optional<double> change) const noexcept;
    trend_rule rule_;
};

/// How many trends are declining, steady, improving and unknown (indexed by trend).
[[nodiscard]] std::array<std::size_t, 4> count_trends(std::span<const trend> trends) noexcept;

} // namespace leadscore
