#pragma once
// The temperature contract: a lead and its score give cold, warm or hot, with a reason.
//
// A temperature policy is a value (a rule). Rating a batch happens in two steps, as scoring does:
//   1. `policy.bind(input, options)` resolves fields once per batch and computes what depends on the batch as a
//      whole (the score quantiles of relative bands); it returns a *rater* that borrows the input's columns;
//   2. `rater.rate(row, score)` rates one lead at a given score (the one-lead form, which every policy has), and the
//      optional `rater.rate_batch(first, scores, out)` rates rows [first, first + out.size()) at the given scores
//      (the batch form, which the engine uses when present).
// The score is an argument rather than read from the input, so that a wrapper can ask what a lead would be at another
// score (hysteresis asks "at the score minus the margin"). A rater's const members are called from several threads
// at once. Reasons are codes into the policy's reason table (`policy.reasons()`), which depends on the policy alone,
// so a CRM can store a lead's code and show its text later.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/scoring/policy.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// How ready a lead is to buy, coldest first. `unknown`: the policy cannot say (for example the score is NaN);
/// combinators skip it, hysteresis keeps the previous temperature instead.
enum class temperature : std::uint8_t { cold = 0, warm = 1, hot = 2, unknown = 3 };
/// "cold", "warm", "hot", "unknown".
[[nodiscard]] std::string_view to_string(temperature t) noexcept;
/// The inverse of to_string, compared after normalize_name ("Hot" finds hot); nullopt for anything else.
[[nodiscard]] std::optional<temperature> parse_temperature(std::string_view s) noexcept;
/// Whether t is cold, warm or hot.
[[nodiscard]] constexpr bool is_defined(temperature t) noexcept { return t <= temperature::hot; }

/// One lead's rating. Four bytes, so that a CRM can keep last run's ratings of millions of leads for the next one.
struct rating {
    temperature level = temperature::unknown; ///< the lead's temperature
    /// Hysteresis only (0 from every other policy): how many evaluations in a row the wrapped policy has pointed
    /// hotter (> 0) or colder (< 0) than `level` without the lead changing band.
    std::int8_t streak = 0;
    /// Index into the rating policy's reasons().
    std::uint16_t reason = 0;
    /// Equal when every field is equal.
    friend bool operator==(const rating&, const rating&) = default;
};

/// What a temperature policy rates: leads, their scores, and optionally their previous ratings.
struct rating_input {
    /// The leads. A policy that reads no field (score bands) accepts a view with an empty schema:
    /// `table_view(schema_without_fields, scores.size())`; the schema must outlive the view. An input of 0 rows
    /// binds nothing, so a default table_view will do.
    table_view rows{};
    /// One score per row (NaN = not computable).
    std::span<const double> scores{};
    /// The scores' scale when known; score bands refuse scores of another scale than theirs.
    std::optional<score_scale> scale{};
    /// The leads' ratings from the previous run of the same policy, one per row, or empty for none (every lead is
    /// then rated afresh). Only hysteresis reads them.
    std::span<const rating> previous{};
};

/// A bound rater's one-lead form: the rating of a row of the bound input at a given score.
/// `row` must be below the input's row count.
template <class R>
concept TemperatureRater = requires(const R& r, std::size_t row, double score) {
    { r.rate(row, score) } -> std::same_as<rating>;
};

/// The optional batch form: rates rows [first, first + out.size()) at scores[i] (scores.size() == out.size()).
template <class R>
concept BatchTemperatureRater =
    TemperatureRater<R> && requires(const R& r, std::size_t first, std::span<const double> scores, std::span<rating> out) {
        r.rate_batch(first, scores, out);
    };

/// A temperature policy: a copyable value with a reason table and a bind step. The reason table is the same for every
/// batch: a rating's `reason` indexes it.
template <class P>
concept TemperaturePolicy =
    std::copy_constructible<P> && requires(const P& p, const rating_input& in, const batch_options& o) {
        { p.reasons() } -> std::convertible_to<std::vector<std::string>>;
        { p.bind(in, o) } -> TemperatureRater;
    };

/// The rater a policy returns from bind.
template <TemperaturePolicy P>
using rater_t = decltype(std::declval<const P&>().bind(std::declval<const rating_input&>(),
                                                       std::declval<const batch_options&>()));

} // namespace leadscore
