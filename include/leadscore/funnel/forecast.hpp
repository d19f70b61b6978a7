#pragma once
// Forecasts of the open pipeline: the weighted pipeline (expected revenue of open deals at their win
// probabilities, in exact cents) and a seeded Monte Carlo forecast of deals won and revenue within a horizon,
// simulating each open deal through an absorbing Markov chain with stays. Both are mergeable accumulators.

#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/markov.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

namespace leadscore {

/// An open deal as the forecasts see it: a lead sitting in an open stage.
struct open_deal {
    std::size_t stage = 0;                                  ///< funnel index of an open stage
    std::int64_t entered = missing_time;                    ///< when it entered that stage (seconds; missing = unknown)
    double value = std::numeric_limits<double>::quiet_NaN(); ///< expected deal value, money (NaN = unknown)
    /// Names the deal's random numbers in the Monte Carlo forecast: a deal draws the same numbers in every path
    /// whatever else is forecast with it, which makes forecasts of partitions mergeable. Give each deal its own.
    std::uint64_t key = 0;
    /// Equal when every field is equal, two NaN values counting as equal.
    friend bool operator==(const open_deal& a, const open_deal& b) {
        return a.stage == b.stage && a.entered == b.entered && a.key == b.key &&
               (a.value == b.value || (a.value != a.value && b.value != b.value));
    }
};

/// A stable 64-bit key for a deal id (FNV-1a of its bytes): the same on every machine and in every partition.
[[nodiscard]] std::uint64_t deal_key(std::string_view id) noexcept;

/// The open deals of a history: every lead whose last entry (journey order) is in an open stage, with that
/// entry's stage and time, the latest value among the lead's entries (NaN when none has one) and
/// deal_key(lead id). Leads in lead-code order. Throws definition_error naming the lead when one of its entries is
/// dated after as_of.
[[nodiscard]] std::vector<open_deal> open_deals(const journeys& j, timestamp as_of);

// ---------------------------------------------------------------------------------------------------------------
// Weighted pipeline

/// The prorated value of one open deal in cents: round(value × probability / 100, 2) × 100, rounding half away
/// from zero. The product is first taken to 15 significant digits, as a spreadsheet shows it, so that decimal
/// ties round as written (0.145 at 100 % gives 0.15, although the double nearest 0.145 is slightly below it).
/// Throws definition_error for a value that is negative or not finite, a probability outside 0..100 or NaN, or a
/// result beyond ±2^62 cents.
[[nodiscard]] std::int64_t prorated_cents(double value, double probability_percent);

/// The weighted pipeline: the sum over open deals of prorated_cents(value, probability). Integer cents, so
/// merges are exact.
struct weighted_pipeline {
    std::int64_t cents = 0;                ///< the weighted value, in cents
    std::uint64_t deals = 0;               ///< deals summed
    std::uint64_t without_value = 0;       ///< deals skipped because their value is unknown (NaN)
    std::uint64_t without_probability = 0; ///< deals skipped because their probability is unknown (NaN)

    /// Adds one deal: a NaN value or probability is counted as such and adds nothing; other faults throw (see
    /// prorated_cents).
    void add(double value, double probability_percent);
    /// Adds open deals at the chain's win probability of their stage (100 × P(won | stage)); a deal in a stage
    /// whose status is not ok has an unknown probability. Throws definition_error naming the deal (its position in
    /// `deals`) for a stage that is not an open stage of the chain's funnel or a bad value.
    void add(std::span<const open_deal> deals, const markov_chain& chain);
    /// Adds another pipeline's sums (definition_error on overflow).
    void merge(const weighted_pipeline& other);
    /// cents / 100.
    [[nodiscard]] double value() const noexcept { return static_cast<double>(cents) / 100.0; }
    /// Equal when every field is equal.
    friend bool operator==(const weighted_pipeline&, const weighted_pipeline&);
};

// ---------------------------------------------------------------------------------------------------------------
// Monte Carlo forecast

/// How long a simulated deal stays in a stage.
enum class dwell_model : std::uint8_t {
    /// Resampled observed stays (the chain must hold them: estimated with keep_stays). The next stage is drawn from
    /// the transition probabilities, then the stay uniformly from the observed stays of that (stage, next stage)
    /// pair — of any pair from the stage when that one has none. A deal's first step is conditioned on its age a
    /// (seconds in the stage at as_of): next stage and stay are drawn together, uniformly from the stage's
    /// observed exits whose stay is longer than a, and the deal moves stay − a after as_of. When no observed stay
    /// is that long, or the age is unknown, the first step is drawn as a fresh one starting at as_of.
    empirical,
    /// Exponential stays with the stage's mean stay (all destinations); memoryless, so the age plays no part.
    exponential
};
/// "empirical" or "exponential".
[[nodiscard]] std::string_view to_string(dwell_model m) noexcept;

/// How the Monte Carlo forecast simulates.
struct forecast_options {
    /// Deals won in the window (as_of, as_of + horizon] count; a horizon of 0 wins nothing.
    std::chrono::seconds horizon{90 * 86400};
    std::size_t paths = 10000;   ///< simulated futures of the whole pipeline (at least 1)
    std::uint64_t seed = 1;      ///< with the path and the deal's key, seeds each deal's draws in a path
    dwell_model dwell = dwell_model::empirical; ///< how long a simulated deal stays in a stage
    /// Transitions simulated per deal and path at most (a guard against chains that loop with stays of 0).
    std::uint32_t max_steps = 1000;
    /// Threads for add(); 0 = every hardware thread. Results do not depend on it.
    unsigned threads = 0;
    /// Equal when every field is equal, threads too (forecast_accumulator's equality ignores them).
    friend bool operator==(const forecast_options&, const forecast_options&);
};

/// Mean and percentiles of a per-path quantity. Percentiles interpolate linearly between order statistics (type 7,
/// as duration_summary does): x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) with h = (paths − 1)·q.
struct forecast_quantiles {
    double mean = 0; ///< mean over paths
    double p10 = 0;  ///< 10th percentile
    double p50 = 0;  ///< median
    double p90 = 0;  ///< 90th percentile
};

/// A forecast's figures.
struct forecast_result {
    std::size_t paths = 0;            ///< futures simulated (forecast_options::paths)
    std::uint64_t deals = 0;          ///< open deals simulated
    forecast_quantiles won;           ///< deals won within the horizon
    forecast_quantiles revenue;       ///< money won within the horizon (the deals' values)
    std::uint64_t without_value = 0;  ///< deals without a value: their wins count, their revenue is 0
    /// Deal-paths that reached an open stage without observed exits (status no_data): they stay there.
    std::uint64_t stuck = 0;
    /// Stays drawn where neither observed stays nor a mean stay is known for the stage: taken as 0 seconds.
    std::uint64_t unknown_stays = 0;
    std::uint64_t step_limit = 0;     ///< deal-paths cut at max_steps
    /// No deal-path was stuck, took an unknown stay or hit the step limit.
    [[nodiscard]] bool ok() const noexcept { return stuck == 0 && unknown_stays == 0 && step_limit == 0; }
};

/// Per-path totals of a Monte Carlo forecast. Path k of deal d draws from its own stream, seeded from
/// (seed, k, d.key): results are the same for any thread count, and the forecast of a pipeline split into parts
/// (each deal in one part), merged, equals the forecast of the whole.
class forecast_accumulator {
public:
    /// Borrows the chain (it must outlive the accumulator). Throws definition_error for 0 paths, a negative
    /// horizon, a missing as_of, or the empirical model on a chain without stays.
    forecast_accumulator(const markov_chain& chain, timestamp as_of, forecast_options options = {});

    /// Simulates the deals in every path. Throws definition_error naming the deal (its position in `deals`) for a
    /// stage that is not open, a time after as_of, a negative or infinite value, or revenue beyond 2^62 cents.
    void add(std::span<const open_deal> deals);
    /// Adds another forecast's per-path totals (same chain, as_of and options but threads, else
    /// definition_error).
    void merge(const forecast_accumulator& other);

    /// Deals won within the horizon, per path.
    [[nodiscard]] std::span<const std::uint64_t> won() const noexcept { return {won_.data(), won_.size()}; }
    /// Revenue won within the horizon, per path, in cents.
    [[nodiscard]] std::span<const std::int64_t> revenue_cents() const noexcept { return {revenue_.data(), revenue_.size()}; }
    /// Mean and percentiles of the per-path totals, with the counters. O(paths · log paths).
    [[nodiscard]] forecast_result result() const;
    /// The options given at construction.
    [[nodiscard]] const forecast_options& options() const noexcept { return options_; }
    /// The time the simulation starts from; the horizon counts from it.
    [[nodiscard]] timestamp as_of() const noexcept { return as_of_; }

    /// Same configuration and the same per-path totals and counters.
    friend bool operator==(const forecast_accumulator& a, const forecast_accumulator& b);

private:
    const markov_chain* chain_;
    timestamp as_of_;
    forecast_options options_;
    std::vector<std::uint64_t> won_;
    std::vector<std::int64_t> revenue_;
    std::uint64_t deals_ = 0, without_value_ = 0, stuck_ = 0, unknown_stays_ = 0, step_limit_ = 0;
};

/// a merged with b.
[[nodiscard]] forecast_accumulator merge(forecast_accumulator a, const forecast_accumulator& b);

/// Convenience: the forecast of one set of open deals.
[[nodiscard]] forecast_result forecast(const markov_chain& chain, std::span<const open_deal> deals, timestamp as_of,
                                       forecast_options options = {});

} // namespace leadscore
