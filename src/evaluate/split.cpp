#include "leadscore/evaluate/split.hpp"

#include "../core/random.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace leadscore {

namespace {

constexpr std::uint64_t split_stream = 0x5b11'7000'0000'0001ULL;

void check_fraction(double f, const char* who) {
    if (!(f >= 0.0 && f <= 1.0)) throw definition_error(std::string(who) + ": the test fraction must be in [0, 1]");
}

/// The labelled rows of each class (stratified) or all together, ascending.
std::vector<std::vector<std::size_t>> classes_of(std::span<const std::int8_t> labels, bool stratified) {
    std::vector<std::vector<std::size_t>> classes(stratified ? 2 : 1);
    for (std::size_t r = 0; r < labels.size(); ++r) {
        if (labels[r] != 0 && labels[r] != 1) continue;
        classes[stratified ? static_cast<std::size_t>(labels[r]) : 0].push_back(r);
    }
    return classes;
}

/// Deals the rows of one list, in order, into parts of the given sizes (summing to the list's size): each row goes
/// to part p with probability (room left in p) / (rows left), which makes every assignment with these sizes equally
/// likely (sequential selection sampling, Knuth's Algorithm S generalized) — in one pass, without a shuffle.
void deal(const std::vector<std::size_t>& rows, std::vector<std::size_t> room, detail::xoshiro256ss& rng,
          std::vector<std::uint32_t>& part_of) {
    std::size_t left = rows.size();
    for (const auto r : rows) {
        std::uint64_t u = rng.below(left--);
        std::size_t p = 0;
        while (u >= room[p]) u -= room[p++];
        --room[p];
        part_of[r] = static_cast<std::uint32_t>(p);
    }
}

std::size_t rounded(double f, std::size_t n) {
    return std::min(n, static_cast<std::size_t>(std::floor(f * static_cast<double>(n) + 0.5)));
}

void check_times(std::span<const std::int8_t> labels, std::span<const std::int64_t> times, const char* who) {
    if (labels.size() != times.size())
        throw definition_error(std::string(who) + ": " + std::to_string(times.size()) + " times for " +
                               std::to_string(labels.size()) + " labels");
}

/// Labelled rows with a time, sorted by (time, row); rows without a time counted.
std::vector<std::pair<std::int64_t, std::size_t>> by_time(std::span<const std::int8_t> labels,
                                                           std::span<const std::int64_t> times, std::size_t& missing) {
    std::vector<std::pair<std::int64_t, std::size_t>> v;
    missing = 0;
    for (std::size_t r = 0; r < labels.size(); ++r) {
        if (labels[r] != 0 && labels[r] != 1) continue;
        if (times[r] == missing_time) ++missing;
        else v.emplace_back(times[r], r);
    }
    std::sort(v.begin(), v.end());
    return v;
}

} // namespace

split train_test_split(std::span<const std::int8_t> labels, double test_fraction, std::uint64_t seed,
                       bool stratified) {
    check_fraction(test_fraction, "train_test_split");
    detail::xoshiro256ss rng(detail::mix64(seed ^ split_stream));
    constexpr std::uint32_t none = 2;
    std::vector<std::uint32_t> part_of(labels.size(), none); // 0 train, 1 test
    for (const auto& c : classes_of(labels, stratified)) {
        const std::size_t t = rounded(test_fraction, c.size());
        deal(c, {c.size() - t, t}, rng, part_of);
    }
    split s;
    for (std::size_t r = 0; r < labels.size(); ++r)
        if (part_of[r] != none) (part_of[r] == 1 ? s.test : s.train).push_back(r);
    return s;
}

std::vector<split> k_fold(std::span<const std::int8_t> labels, std::size_t k, std::uint64_t seed, bool stratified) {
    if (k < 2) throw definition_error("k_fold: k must be at least 2 (got " + std::to_string(k) + ")");
    detail::xoshiro256ss rng(detail::mix64(seed ^ split_stream));
    const auto none = static_cast<std::uint32_t>(k);
    std::vector<std::uint32_t> fold_of(labels.size(), none);
    // Fold sizes as a round-robin deal continued across the classes, so the folds' totals also differ by at most one.
    std::size_t next = 0;
    for (const auto& c : classes_of(labels, stratified)) {
        std::vector<std::size_t> room(k);
        for (std::size_t f = 0; f < k; ++f) room[f] = c.size() / k + (((f + k - next % k) % k) < c.size() % k ? 1 : 0);
        deal(c, room, rng, fold_of);
        next += c.size();
    }
    std::vector<split> folds(k);
    for (auto& f : folds) f.test.reserve(labels.size() / k + 1);
    for (std::size_t r = 0; r < labels.size(); ++r) {
        if (fold_of[r] == none) continue;
        for (std::size_t f = 0; f < k; ++f) (f == fold_of[r] ? folds[f].test : folds[f].train).push_back(r);
    }
    return folds;
}

split time_split(std::span<const std::int8_t> labels, std::span<const std::int64_t> times, timestamp cutoff) {
    check_times(labels, times, "time_split");
    const std::int64_t c = to_seconds(cutoff);
    split s;
    for (std::size_t r = 0; r < labels.size(); ++r) {
        if (labels[r] != 0 && labels[r] != 1) continue;
        if (times[r] == missing_time) ++s.left_out;
        else (times[r] < c ? s.train : s.test).push_back(r);
    }
    return s;
}

split time_split(std::span<const std::int8_t> labels, std::span<const std::int64_t> times, double test_fraction) {
    check_times(labels, times, "time_split");
    if (!(test_fraction > 0.0 && test_fraction <= 1.0))
        throw definition_error("time_split: the test fraction must be in (0, 1]");
    std::size_t missing = 0;
    const auto v = by_time(labels, times, missing);
    if (v.empty()) {
        split s;
        s.left_out = missing;
        return s;
    }
    const auto n = static_cast<double>(v.size());
    const auto at = std::min(v.size() - 1, static_cast<std::size_t>(std::ceil((1.0 - test_fraction) * n)));
    split s = time_split(labels, times, from_seconds(v[at].first));
    return s;
}

std::vector<split> time_folds(std::span<const std::int8_t> labels, std::span<const std::int64_t> times,
                              std::size_t k) {
    check_times(labels, times, "time_folds");
    if (k < 1) throw definition_error("time_folds: k must be at least 1");
    std::size_t missing = 0;
    const auto v = by_time(labels, times, missing);
    // Run boundaries at ⌊j·n/(k+1)⌋, moved forward past equal times.
    std::vector<std::size_t> bounds{0};
    for (std::size_t j = 1; j <= k; ++j) {
        std::size_t b = std::max(bounds.back(), j * v.size() / (k + 1));
        while (b > 0 && b < v.size() && v[b].first == v[b - 1].first) ++b;
        bounds.push_back(b);
    }
    bounds.push_back(v.size());
    std::vector<split> folds;
    for (std::size_t i = 0; i < k; ++i) {
        split s;
        s.left_out = missing;
        for (std::size_t p = 0; p < bounds[i + 1]; ++p) s.train.push_back(v[p].second);
        for (std::size_t p = bounds[i + 1]; p < bounds[i + 2]; ++p) s.test.push_back(v[p].second);
        if (s.test.empty() || s.train.empty()) continue;
        std::sort(s.train.begin(), s.train.end());
        std::sort(s.test.begin(), s.test.end());
        folds.push_back(std::move(s));
    }
    return folds;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const split&, const split&) = default;

} // namespace leadscore
