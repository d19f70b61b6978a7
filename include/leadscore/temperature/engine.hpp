#pragma once
// Rating batches: any TemperaturePolicy over a rating_input, in the core batch runner's cache-sized parallel blocks,
// into the caller's span. Each row's rating depends on that row and on what bind computed for the whole batch, so the
// output is the same for any number of threads and any block size.

#include "leadscore/core/batch.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/extended_view.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/output_range.hpp"
#include "leadscore/temperature/policy.hpp"

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

namespace detail {
/// Throws definition_error unless scores and out have one entry per row and previous is empty or has one per row.
void check_rating_input(const rating_input& in, std::size_t out);
/// Throws definition_error unless the input's sizes agree (scores one per row, previous empty or one per row).
void check_rating_input(const rating_input& in);
} // namespace detail

/// Rates every row of a bound rater's input at scores[row] into out (scores.size() == out.size()).
template <TemperatureRater R>
void run_rater(const R& rater, std::span<const double> scores, std::span<rating> out, const batch_options& options = {}) {
    if (scores.size() != out.size())
        throw definition_error("rate_batch: " + std::to_string(scores.size()) + " scores for " +
                               std::to_string(out.size()) + " outputs");
    detail::for_each_block(out.size(), options, [&](std::size_t begin, std::size_t end) {
        if constexpr (BatchTemperatureRater<R>) {
            rater.rate_batch(begin, scores.subspan(begin, end - begin), out.subspan(begin, end - begin));
        } else {
            for (std::size_t r = begin; r < end; ++r) out[r] = rater.rate(r, scores[r]);
        }
    });
}

/// Rates every row of the input into out (a span or vector of rating, see OutputRange), which must have one entry per
/// row (as must in.scores; in.previous is empty or has one per row — else definition_error). A policy that takes
/// whole batches itself (a member rate_batch(input, out, options), as the type-erased temperature_policy has) gets
/// the batch in one call; any other is bound once and run block by block on options.threads threads.
template <TemperaturePolicy P, OutputRange<rating> Out>
void rate_batch(const P& policy, const rating_input& in, Out&& out, const batch_options& options = {}) {
    const std::span<rating> o(out);
    detail::check_rating_input(in, o.size());
    if constexpr (requires { policy.rate_batch(in, o, options); }) {
        policy.rate_batch(in, o, options);
    } else {
        const auto rater = policy.bind(in, options);
        run_rater(rater, in.scores, o, options);
    }
}

/// Convenience: the ratings of every row as a new vector. `rate_batch(policy, input, {})` calls this one.
template <TemperaturePolicy P>
[[nodiscard]] std::vector<rating> rate_batch(const P& policy, const rating_input& in, const batch_options& options = {}) {
    std::vector<rating> out(in.scores.size());
    rate_batch(policy, in, out, options);
    return out;
}

/// The rating of one row of the input at its own score (bind, then the one-lead form). Throws definition_error for a
/// row past the end. A policy that looks at the whole batch (relative bands) sees the whole input.
template <TemperaturePolicy P>
[[nodiscard]] rating rate_row(const P& policy, const rating_input& in, std::size_t row, const batch_options& options = {}) {
    detail::check_rating_input(in);
    if (row >= in.scores.size())
        throw definition_error("rate_row: row " + std::to_string(row) + " of an input of " +
                               std::to_string(in.scores.size()) + " rows");
    return policy.bind(in, options).rate(row, in.scores[row]);
}

/// One lead object with its score, rated through a one-row table of the CRM's schema (see lead_table::from_leads).
/// A relative band policy sees a batch of one.
template <TemperaturePolicy P>
[[nodiscard]] rating rate_lead(const P& policy, const lead& l, double score, const schema& fields,
                               const batch_options& options = {}, std::optional<score_scale> scale = {}) {
    const auto table = lead_table::from_leads(std::span<const lead>(&l, 1), fields);
    const double scores[1] = {score};
    return rate_row(policy, rating_input{table.view(), scores, scale, {}}, 0, options);
}

/// The text of a rating's reason in the policy's table; empty when the code is outside it.
template <TemperaturePolicy P>
[[nodiscard]] std::string reason_text(const P& policy, const rating& r) {
    const std::vector<std::string> reasons = policy.reasons();
    return r.reason < reasons.size() ? reasons[r.reason] : std::string();
}

/// How many ratings are cold, warm, hot and unknown (indexed by temperature). A level outside the enum counts as
/// unknown.
[[nodiscard]] std::array<std::size_t, 4> count_temperatures(std::span<const rating> ratings) noexcept;

/// Ratings as a categorical column for an extended_view, so that rule conditions and routing read a lead's
/// temperature by name (`condition::one_of("temperature", {"hot", "warm"})`). The column's dictionary is "cold",
/// "warm", "hot" (codes 0, 1, 2, always all three, in that order); unknown, and a level outside the enum, is missing.
/// The column owns its codes: the ratings may go once it is made.
[[nodiscard]] added_column temperature_column(std::span<const rating> ratings, std::string name = "temperature");

/// How many ratings carry each reason code: result[code], for codes below reason_count (others are not counted).
[[nodiscard]] std::vector<std::size_t> count_reasons(std::span<const rating> ratings, std::size_t reason_count);

} // namespace leadscore
