#pragma once
// The scoring contract: what a scoring policy provides, what the batch engine finds by itself, and the
// explanation every built-in gives.
//
// A policy is a value (rules, a fitted model). Scoring a table happens in two steps:
//   1. `policy.bind(view, as_of)` resolves field names to columns and category texts to codes once per
//      batch and returns a *scorer* that borrows the view's columns;
//   2. `scorer.score(row)` scores one lead (the one-lead form, which every policy has), and the optional
//      `scorer.score_batch(first, out)` scores rows [first, first + out.size()) in one go (the batch form,
//      which the engine uses when present).
// A scorer's const members are called from several threads at once, so they must not modify shared state.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/time.hpp"

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// points: unbounded, higher is better. probability: in [0, 1]; NaN means "not computable for this lead".
enum class score_scale : std::uint8_t { points, probability };
[[nodiscard]] std::string_view to_string(score_scale s) noexcept;

/// One factor behind a score and how far it moved the score, in the explanation's unit.
struct factor {
    std::string name;
    double contribution = 0;
    friend bool operator==(const factor&, const factor&) = default;
};

/// Why a lead got its score.
struct explanation {
    double score = 0;            ///< the policy's output for the lead
    std::string unit;            ///< what contributions are counted in: "points", "log-odds", "grade", …
    bool additive = false;       ///< true when the contributions sum to `total`
    double total = 0;            ///< the sum the factors add up to, in `unit` (= score for points)
    std::vector<factor> factors; ///< ordered by order_factors

    [[nodiscard]] double sum() const noexcept;
};

/// Positive contributions first, largest first; then negative ones, most negative first; zeros last.
/// Ties keep their relative order (stable), so the order is deterministic.
void order_factors(std::vector<factor>& factors);

/// A bound scorer's one-lead form: the score of a row of the view it was bound to.
template <class S>
concept RowScorer = requires(const S& s, std::size_t row) {
    { s.score(row) } -> std::convertible_to<double>;
};

/// The optional batch form: scores rows [first, first + out.size()) into out.
template <class S>
concept BatchScorer = RowScorer<S> && requires(const S& s, std::size_t first, std::span<double> out) {
    s.score_batch(first, out);
};

/// The optional explanation of a row's score.
template <class S>
concept ExplainingScorer = RowScorer<S> && requires(const S& s, std::size_t row) {
    { s.explain(row) } -> std::same_as<explanation>;
};

/// A scoring policy: a copyable value that declares its scale and binds to a table view as of a time.
/// Events after `as_of` do not exist for the policy, so a backtest scores exactly what a CRM showed then.
template <class P>
concept ScoringPolicy = std::copy_constructible<P> && requires(const P& p, const table_view& v, timestamp as_of) {
    { p.scale() } -> std::same_as<score_scale>;
    { p.bind(v, as_of) } -> RowScorer;
};

/// The scorer a policy returns from bind.
template <ScoringPolicy P>
using scorer_t = decltype(std::declval<const P&>().bind(std::declval<const table_view&>(), timestamp{}));

/// How the batch engine runs.
struct batch_options {
    /// The time scores are computed as of. Defaults to the moment the options are made.
    timestamp as_of = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    /// Threads to use; 0 = every hardware thread. The output is the same for any number.
    unsigned threads = 0;
    /// Rows per block: blocks are the unit of parallel work and should fit in cache.
    std::size_t block_rows = 4096;
};

} // namespace leadscore
