#pragma once
// What the batch functions write into: the caller's contiguous memory.

#include <concepts>
#include <span>

namespace leadscore {

/// Something a `std::span<T>` can be made of for writing: a std::span<T>, an lvalue std::vector<T> or std::array,
/// a C array. The batch functions (score_batch, rate_batch, qualify_batch, route_batch) take their output as a
/// parameter constrained by this concept rather than as a plain std::span<T>, so that a braced list can never be
/// taken for the output: `score_batch(policy, view, {})` and `score_batch(policy, view, {.threads = 1})` mean the
/// options (the overload that returns a new vector). A temporary vector is refused, as its results would be lost.
template <class R, class T>
concept OutputRange = std::convertible_to<R, std::span<T>>;

} // namespace leadscore
