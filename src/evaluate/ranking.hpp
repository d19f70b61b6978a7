#pragma once
// Scores ranked once for every ranking metric: the positives' and the negatives' scores, each sorted ascending as
// order-preserving 64-bit keys by an LSD radix sort. Walking both arrays in step gives the groups of equal scores
// with their positive and negative counts, from either end, with no per-group storage. Internal.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace leadscore::detail {

/// An unsigned key that orders like the double (−0 is taken as +0, so equal scores get equal keys). No NaN.
[[nodiscard]] inline std::uint64_t score_key(double d) noexcept {
    if (d == 0.0) d = 0.0;
    const auto b = std::bit_cast<std::uint64_t>(d);
    return (b >> 63) != 0 ? ~b : b | (std::uint64_t{1} << 63);
}
[[nodiscard]] inline double key_score(std::uint64_t k) noexcept {
    return std::bit_cast<double>((k >> 63) != 0 ? k & ~(std::uint64_t{1} << 63) : ~k);
}

/// Sorts keys ascending (LSD radix, 11-bit digits; a digit that every key shares costs no pass).
void radix_sort(std::vector<std::uint64_t>& keys);

struct ranking {
    std::vector<std::uint64_t> positives, negatives; ///< ascending keys

    /// From labelled rows (labels 1 / 0; others skipped). Scores must not be NaN at labelled rows.
    static ranking of(std::span<const double> scores, std::span<const std::int8_t> labels);

    /// f(score, positives, negatives) for each distinct score, lowest first.
    template <class F>
    void ascending(F&& f) const {
        std::size_t i = 0, j = 0;
        const std::size_t p = positives.size(), n = negatives.size();
        while (i < p || j < n) {
            const std::uint64_t k = i == p ? negatives[j] : j == n ? positives[i] : std::min(positives[i], negatives[j]);
            std::size_t a = 0, b = 0;
            while (i < p && positives[i] == k) ++i, ++a;
            while (j < n && negatives[j] == k) ++j, ++b;
            f(key_score(k), a, b);
        }
    }

    /// f(score, positives, negatives) for each distinct score, highest first.
    template <class F>
    void descending(F&& f) const {
        std::size_t i = positives.size(), j = negatives.size();
        while (i > 0 || j > 0) {
            const std::uint64_t k = i == 0 ? negatives[j - 1] : j == 0 ? positives[i - 1]
                                                                        : std::max(positives[i - 1], negatives[j - 1]);
            std::size_t a = 0, b = 0;
            while (i > 0 && positives[i - 1] == k) --i, ++a;
            while (j > 0 && negatives[j - 1] == k) --j, ++b;
            f(key_score(k), a, b);
        }
    }
};

} // namespace leadscore::detail
