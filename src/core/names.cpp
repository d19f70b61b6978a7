#include "leadscore/core/names.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <vector>

namespace leadscore {

namespace {

char fold_case_for_names(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring), case-folded.
std::size_t name_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::size_t> before(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const bool same = fold_case_for_names(a[i - 1]) == fold_case_for_names(b[j - 1]);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
            if (i > 1 && j > 1 && fold_case_for_names(a[i - 1]) == fold_case_for_names(b[j - 2]) &&
                fold_case_for_names(a[i - 2]) == fold_case_for_names(b[j - 1]))
                cur[j] = std::min(cur[j], before[j - 2] + 1);
        }
        before.swap(prev);
        prev.swap(cur);
    }
    return prev[m];
}

} // namespace

std::string closest_name(std::string_view name, std::span<const std::string> candidates) {
    // Long names cost their product of lengths: names in messages are short, so longer ones are not compared.
    constexpr std::size_t longest_compared = 256;
    if (name.size() > longest_compared) return {};
    std::size_t best = std::numeric_limits<std::size_t>::max();
    const std::string* found = nullptr;
    for (const auto& c : candidates) {
        if (c == name || c.size() > longest_compared) continue;
        const std::size_t allowed = std::max<std::size_t>(1, std::max(c.size(), name.size()) / 3);
        const std::size_t d = name_distance(name, c);
        // Fewer edits than the shorter name has letters: 'x' is not a misspelling of 'y'.
        if (d <= allowed && d < std::min(c.size(), name.size()) && d < best) {
            best = d;
            found = &c;
        }
    }
    return found ? *found : std::string();
}

std::string did_you_mean(std::string_view name, std::span<const std::string> candidates) {
    const std::string c = closest_name(name, candidates);
    return c.empty() ? std::string() : " (did you mean '" + c + "'?)";
}

} // namespace leadscore
