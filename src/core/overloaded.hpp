#pragma once
// std::visit over a set of lambdas: std::visit(overloaded{[](const A&) {…}, [](const B&) {…}}, v). Internal.

namespace leadscore::detail {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>; // clang 14 has no deduction for aggregates

} // namespace leadscore::detail
