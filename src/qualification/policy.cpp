#include "leadscore/qualification/any_policy.hpp"
#include "leadscore/qualification/policy.hpp"

#include "leadscore/core/error.hpp"

#include <string>

namespace leadscore {

namespace detail {

void check_qualification_input(const qualification_input& in) {
    const auto n = in.rows.rows();
    if (!in.scores.empty() && in.scores.size() != n)
        throw definition_error("qualification: " + std::to_string(in.scores.size()) + " scores for " +
                               std::to_string(n) + " rows (give one per row, or none)");
    if (!in.temperatures.empty() && in.temperatures.size() != n)
        throw definition_error("qualification: " + std::to_string(in.temperatures.size()) + " temperatures for " +
                               std::to_string(n) + " rows (give one per row, or none)");
}

} // namespace detail

std::array<std::size_t, lifecycle_count> count_lifecycle(std::span<const qualification> q) noexcept {
    std::array<std::size_t, lifecycle_count> c{};
    for (const auto& x : q)
        if (static_cast<std::size_t>(x.category) < lifecycle_count) ++c[static_cast<std::size_t>(x.category)];
    return c;
}

std::vector<std::size_t> count_stages(std::span<const qualification> q, std::size_t stages) {
    std::vector<std::size_t> c(stages + 1);
    for (const auto& x : q)
        ++c[x.stage >= 0 && static_cast<std::size_t>(x.stage) < stages ? static_cast<std::size_t>(x.stage) : stages];
    return c;
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(QualificationPolicy<qualification_policy>);
static_assert(std::is_nothrow_copy_constructible_v<qualification_policy>);
} // namespace leadscore
