#pragma once
// The qualification contract: a lead, its score and its temperature place it in its lifecycle, answered as a stage of
// the lead's funnel. As for scoring and temperature, `policy.bind(input, options)` resolves fields once per batch and
// returns a *qualifier*; `qualifier.qualify(row)` places one lead (the one-lead form), and the optional
// `qualifier.qualify_batch(first, out)` places rows [first, first + out.size()). The batch engine runs it in parallel
// blocks; the output is the same for any number of threads.

#include "leadscore/core/batch.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/output_range.hpp"
#include "leadscore/qualification/stage_map.hpp"
#include "leadscore/scoring/policy.hpp"
#include "leadscore/temperature/policy.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// One lead's place: a stage of the policy's funnel, its lifecycle class, and why. Eight bytes.
struct qualification {
    std::int32_t stage = -1;               ///< index into the policy's funnel (stage_map::lead_funnel()); -1 = none
    lifecycle category = lifecycle::suspect; ///< the class of `stage` (beyond for stages past qualification)
    std::uint16_t reason = 0;              ///< index into the policy's reasons()
    /// Equal when every field is equal.
    friend bool operator==(const qualification&, const qualification&) = default;
};

/// What a qualification policy looks at. Spans have one entry per row, or are empty when not given (a policy says
/// which it needs).
struct qualification_input {
    table_view rows{};                      ///< the leads: their current stage, timeframe, events, …
    std::span<const double> scores{};       ///< their scores (NaN = not computable)
    std::span<const rating> temperatures{}; ///< their temperatures
};

/// A bound qualifier's one-lead form. `row` must be below the input's row count.
template <class Q>
concept Qualifier = requires(const Q& q, std::size_t row) {
    { q.qualify(row) } -> std::same_as<qualification>;
};

/// The optional batch form: places rows [first, first + out.size()).
template <class Q>
concept BatchQualifier = Qualifier<Q> && requires(const Q& q, std::size_t first, std::span<qualification> out) {
    q.qualify_batch(first, out);
};

/// A qualification policy: a copyable value that speaks in the stages of one funnel (its stage_map), with a reason
/// table, and binds to an input as of a time (options.as_of).
template <class P>
concept QualificationPolicy =
    std::copy_constructible<P> && requires(const P& p, const qualification_input& in, const batch_options& o) {
        { p.stages() } -> std::convertible_to<const stage_map&>;
        { p.reasons() } -> std::convertible_to<std::vector<std::string>>;
        { p.bind(in, o) } -> Qualifier;
    };

/// The qualifier a policy returns from bind.
template <QualificationPolicy P>
using qualifier_t = decltype(std::declval<const P&>().bind(std::declval<const qualification_input&>(),
                                                           std::declval<const batch_options&>()));

namespace detail {
/// Throws definition_error unless scores and temperatures are empty or have one entry per row.
void check_qualification_input(const qualification_input& in);
} // namespace detail

/// Places every row of the input into out (a span or vector of qualification, see OutputRange; one entry per row,
/// else definition_error), in parallel blocks. A policy that takes over whole batches itself (a member
/// qualify_batch(input, out, options), as the type-erased qualification_policy has) gets the batch in one call.
template <QualificationPolicy P, OutputRange<qualification> Out>
void qualify_batch(const P& policy, const qualification_input& in, Out&& out, const batch_options& options = {}) {
    const std::span<qualification> o(out);
    if constexpr (requires { policy.qualify_batch(in, o, options); }) {
        policy.qualify_batch(in, o, options);
        return;
    }
    detail::check_qualification_input(in);
    detail::check_output_size("qualify_batch", in.rows.rows(), o.size());
    const auto q = policy.bind(in, options);
    detail::for_each_block(o.size(), options, [&](std::size_t begin, std::size_t end) {
        if constexpr (BatchQualifier<qualifier_t<P>>) {
            q.qualify_batch(begin, o.subspan(begin, end - begin));
        } else {
            for (std::size_t r = begin; r < end; ++r) o[r] = q.qualify(r);
        }
    });
}

/// Convenience: every row's place as a new vector. `qualify_batch(policy, input, {})` calls this one.
template <QualificationPolicy P>
[[nodiscard]] std::vector<qualification> qualify_batch(const P& policy, const qualification_input& in,
                                                       const batch_options& options = {}) {
    std::vector<qualification> out(in.rows.rows());
    qualify_batch(policy, in, out, options);
    return out;
}

/// How many qualifications fall in each lifecycle class (indexed by lifecycle; a code outside the enum is not counted).
[[nodiscard]] std::array<std::size_t, lifecycle_count> count_lifecycle(std::span<const qualification> q) noexcept;
/// How many qualifications are at each stage of a funnel of `stages` stages; the last slot counts stage -1 and
/// indices outside the funnel.
[[nodiscard]] std::vector<std::size_t> count_stages(std::span<const qualification> q, std::size_t stages);

} // namespace leadscore
