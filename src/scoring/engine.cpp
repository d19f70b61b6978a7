#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/engine.hpp"

#include <algorithm>

namespace leadscore {

std::string_view to_string(score_scale s) noexcept {
    switch (s) {
    case score_scale::points: return "points";
    case score_scale::probability: return "probability";
    }
    return "?";
}

double explanation::sum() const noexcept {
    double s = 0;
    for (const auto& f : factors) s += f.contribution;
    return s;
}

void order_factors(std::vector<factor>& factors) {
    const auto rank = [](double c) { return c > 0 ? 0 : c < 0 ? 1 : 2; };
    std::stable_sort(factors.begin(), factors.end(), [&](const factor& a, const factor& b) {
        const int ra = rank(a.contribution), rb = rank(b.contribution);
        if (ra != rb) return ra < rb;
        if (ra == 0) return a.contribution > b.contribution;
        if (ra == 1) return a.contribution < b.contribution;
        return false;
    });
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(ScoringPolicy<scoring_policy>);
static_assert(std::is_nothrow_copy_constructible_v<scoring_policy>);
} // namespace leadscore
