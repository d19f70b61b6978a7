#include "leadscore/temperature/trend.hpp"
#include "../core/numbers.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/scoring/condition.hpp"
#include "leadscore/scoring/engine.hpp"

#include <array>
#include <cmath>
#include <string>

namespace leadscore {

std::string_view to_string(trend t) noexcept {
    switch (t) {
    case trend::declining: return "declining";
    case trend::steady: return "steady";
    case trend::improving: return "improving";
    case trend::unknown: return "unknown";
    }
    return "?";
}

trend_policy::trend_policy(trend_rule rule) : rule_(rule) {
    if (!(std::isfinite(rule_.min_change) && rule_.min_change > 0))
        throw definition_error("trend: min_change " + detail::format_shortest(rule_.min_change) +
                               " (needs a finite number > 0)");
    if (!(std::isfinite(rule_.per_days) && rule_.per_days > 0))
        throw definition_error("trend: per_days " + detail::format_shortest(rule_.per_days) +
                               " (needs a finite number > 0)");
    if (rule_.window == 1) throw definition_error("trend: a window of 1 run (a trend needs at least 2; 0 = all runs)");
}

namespace {

using detail::seconds_per_day;

void check_times(std::span<const std::int64_t> times) {
    for (std::size_t i = 1; i < times.size(); ++i)
        if (times[i] <= times[i - 1])
            throw definition_error("trend: run " + std::to_string(i + 1) + " is not later than run " +
                                   std::to_string(i) + " (runs go oldest first, at increasing times)");
}

/// The least-squares change over per_days days of scores[i] at times[i] (already windowed and checked).
std::optional<double> fitted_change(const std::int64_t* times, const double* scores, std::size_t n, double per_days) {
    std::size_t count = 0;
    std::int64_t t0 = 0;
    double mean_t = 0, mean_s = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(scores[i])) continue;
        if (std::isinf(scores[i])) return std::nullopt;
        if (count == 0) t0 = times[i];
        ++count;
        mean_t += static_cast<double>(times[i] - t0) / seconds_per_day;
        mean_s += scores[i];
    }
    if (count < 2) return std::nullopt;
    mean_t /= static_cast<double>(count);
    mean_s /= static_cast<double>(count);
    double sts = 0, stt = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(scores[i])) continue;
        const double dt = static_cast<double>(times[i] - t0) / seconds_per_day - mean_t;
        sts += dt * (scores[i] - mean_s);
        stt += dt * dt;
    }
    // Multiplying before dividing keeps hand-checkable cases exact (two runs 30 days apart: a change of 5 is 5).
    return sts * per_days / stt;
}

} // namespace

trend trend_policy::classify(std::optional<double> change) const noexcept {
    if (!change || !std::isfinite(*change)) return trend::unknown;
    if (*change >= rule_.min_change) return trend::improving;
    if (*change <= -rule_.min_change) return trend::declining;
    return trend::steady;
}

std::optional<double> trend_policy::change(std::span<const std::int64_t> times, std::span<const double> scores) const {
    if (times.size() != scores.size())
        throw definition_error("trend: " + std::to_string(times.size()) + " times for " +
                               std::to_string(scores.size()) + " scores");
    check_times(times);
    const std::size_t n = times.size();
    const std::size_t from = rule_.window != 0 && n > rule_.window ? n - rule_.window : 0;
    return fitted_change(times.data() + from, scores.data() + from, n - from, rule_.per_days);
}

trend trend_policy::of(std::span<const std::int64_t> times, std::span<const double> scores) const {
    return classify(change(times, scores));
}

void trend_policy::batch(std::span<const score_run> runs, std::span<trend> out, const batch_options& options) const {
    std::vector<std::int64_t> times;
    for (std::size_t k = 0; k < runs.size(); ++k) {
        if (runs[k].scores.size() != out.size())
            throw definition_error("trend: run " + std::to_string(k + 1) + " has " +
                                   std::to_string(runs[k].scores.size()) + " scores for " +
                                   std::to_string(out.size()) + " leads");
        times.push_back(to_seconds(runs[k].at));
    }
    check_times(times);
    const std::size_t from = rule_.window != 0 && runs.size() > rule_.window ? runs.size() - rule_.window : 0;
    const auto used = runs.subspan(from);
    const std::int64_t* t = times.data() + from;
    detail::for_each_block(out.size(), options, [&](std::size_t begin, std::size_t end) {
        std::vector<double> s(used.size());
        for (std::size_t r = begin; r < end; ++r) {
            for (std::size_t k = 0; k < used.size(); ++k) s[k] = used[k].scores[r];
            out[r] = classify(fitted_change(t, s.data(), s.size(), rule_.per_days));
        }
    });
}

std::vector<trend> trend_policy::batch(std::span<const score_run> runs, const batch_options& options) const {
    std::vector<trend> out(runs.empty() ? 0 : runs.front().scores.size());
    batch(runs, out, options);
    return out;
}

std::array<std::size_t, 4> count_trends(std::span<const trend> trends) noexcept {
    std::array<std::size_t, 4> c{};
    for (const auto t : trends) ++c[std::min<std::size_t>(static_cast<std::size_t>(t), 3)];
    return c;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const trend_rule&, const trend_rule&) = default;

} // namespace leadscore
