// Temperature of scored leads: leads per second for each built-in policy over a CRM's own arrays (a score per lead
// and a purchase-timeframe column), against baselines that stream the same bytes through the same engine.
//
// Data: scores are points-like (whole numbers 0..120 with many ties, 1 % NaN); timeframes are 0, 30, 60, 90 or 180
// days, or none (25 %); last week's ratings (for hysteresis) are the score bands' at a score up to 10 points away.
// Lead i depends on i alone. The inputs, the previous ratings and the output buffer are built
// once and shared by every case, so all cases touch the same addresses.
#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace {
namespace bench_temperature {

using namespace leadscore;

std::uint64_t mix(std::uint64_t x) noexcept { // splitmix64's finalizer
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

constexpr std::size_t max_rows = 10'000'000;

struct dataset {
    schema fields{{{"purchase_timeframe", field_type::numeric, field_role::purchase_timeframe}}};
    std::vector<double> scores, timeframe;
    std::vector<rating> previous;
    mutable std::vector<rating> out;

    dataset() : scores(max_rows), timeframe(max_rows), previous(max_rows), out(max_rows) {
        constexpr double days[] = {0, 30, 60, 90, 180};
        for (std::size_t i = 0; i < max_rows; ++i) {
            const auto h = mix(i);
            scores[i] = h % 100 == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>((h >> 8) % 121);
            const auto t = (h >> 20) % 8;
            timeframe[i] = t < 2 ? std::numeric_limits<double>::quiet_NaN() : days[(h >> 24) % 5];
            // Last week's ratings under the bands below (40, 90), at a score up to 10 points away: most leads keep
            // their band, a few sit just across a threshold.
            const double last = scores[i] + static_cast<double>((h >> 32) % 21) - 10.0;
            previous[i] = {std::isnan(last) ? temperature::unknown
                           : last >= 90     ? temperature::hot
                           : last >= 40     ? temperature::warm
                                            : temperature::cold,
                           0, 0};
        }
    }
    [[nodiscard]] table_view view(std::size_t n) const {
        table_view v(fields, n);
        v.set_numeric(0, std::span<const double>(timeframe).first(n));
        return v;
    }
    [[nodiscard]] rating_input input(std::size_t n, bool with_previous = false) const {
        return {view(n), std::span<const double>(scores).first(n), score_scale::points,
                with_previous ? std::span<const rating>(previous).first(n) : std::span<const rating>()};
    }
};

const dataset& data() {
    static const dataset d;
    return d;
}

batch_options options(benchmark::State& state) {
    return {.as_of = from_seconds(1'780'000'000), .threads = static_cast<unsigned>(state.range(1)), .block_rows = 4096};
}

template <class P>
void run_policy(benchmark::State& state, const P& policy, bool with_previous = false) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& d = data();
    const auto in = d.input(n, with_previous);
    const std::span<rating> out(d.out.data(), n);
    const auto o = options(state);
    for (auto _ : state) {
        rate_batch(policy, in, out, o);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    const auto c = count_temperatures(out);
    state.counters["hot_share"] = static_cast<double>(c[2]) / static_cast<double>(n);
}

const score_band_policy& bands() {
    static const score_band_policy p(score_bands{score_scale::points, 40, 90});
    return p;
}

void BM_temperature_timeframe(benchmark::State& state) { run_policy(state, purchase_timeframe_policy()); }
void BM_temperature_bands(benchmark::State& state) { run_policy(state, bands()); }
/// The sales rule and the score together, as a CRM configures it: hottest of the two, parts behind
/// temperature_policy.
void BM_temperature_hottest(benchmark::State& state) {
    static const temperature_policy p = hottest_of({{"timeframe", purchase_timeframe_policy()}, {"score", bands()}});
    run_policy(state, p);
}
void BM_temperature_hysteresis(benchmark::State& state) {
    static const hysteresis_policy p(bands(), hysteresis_rule{5.0, 3});
    run_policy(state, p, true);
}
/// Quantile bands: finding the cuts over the whole batch, then rating it.
void BM_temperature_relative(benchmark::State& state) {
    static const relative_band_policy p(relative_bands{0.1, 0.3, tie_rule::by_row});
    run_policy(state, p);
}
void BM_temperature_relative_shared(benchmark::State& state) {
    static const relative_band_policy p(relative_bands{0.1, 0.3, tie_rule::shared});
    run_policy(state, p);
}

/// The floor: the same engine reads the same bytes (score and timeframe) and writes a 4-byte rating per lead.
struct streaming_rater {
    const double* days;
    [[nodiscard]] rating rate(std::size_t row, double score) const {
        return {static_cast<temperature>(score > days[row]), 0, 0};
    }
    void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const {
        const double* d = days + first;
        const double* s = scores.data();
        for (std::size_t i = 0; i < out.size(); ++i) {
            const std::uint32_t v = s[i] > d[i] ? 1U : 0U;
            std::memcpy(static_cast<void*>(out.data() + i), &v, 4);
        }
    }
};
void BM_temperature_baseline_stream(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& d = data();
    const streaming_rater r{d.timeframe.data()};
    const std::span<rating> out(d.out.data(), n);
    const auto o = options(state);
    for (auto _ : state) {
        run_rater(r, std::span<const double>(d.scores).first(n), out, o);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

/// The quantile's textbook route, for scale: copy the scores, std::nth_element twice (one thread), rate in one pass.
/// Its ties at the cut are not broken by row, so its bands may differ from relative_band_policy's.
void BM_temperature_relative_nth_element(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& d = data();
    const std::span<rating> out(d.out.data(), n);
    std::vector<double> copy;
    for (auto _ : state) {
        copy.clear();
        for (std::size_t i = 0; i < n; ++i)
            if (!std::isnan(d.scores[i])) copy.push_back(d.scores[i]);
        const std::size_t m = copy.size(), k_hot = (m + 5) / 10, k_warm = (4 * m + 5) / 10;
        std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(k_warm - 1), copy.end(),
                         std::greater<>());
        const double t_warm = copy[k_warm - 1];
        std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(k_hot - 1),
                         copy.begin() + static_cast<std::ptrdiff_t>(k_warm), std::greater<>());
        const double t_hot = copy[k_hot - 1];
        for (std::size_t i = 0; i < n; ++i) {
            const double s = d.scores[i];
            const std::uint32_t v = s >= t_hot ? 2U : s >= t_warm ? 1U : s == s ? 0U : 3U;
            std::memcpy(static_cast<void*>(out.data() + i), &v, 4);
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void sizes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"leads", "threads"});
    for (const std::int64_t n : {1 << 14, 1 << 20, 10'000'000})
        for (const std::int64_t t : {1, 2}) b->Args({n, t});
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_temperature_baseline_stream)->Apply(sizes);
BENCHMARK(BM_temperature_timeframe)->Apply(sizes);
BENCHMARK(BM_temperature_bands)->Apply(sizes);
BENCHMARK(BM_temperature_hottest)->Apply(sizes);
BENCHMARK(BM_temperature_hysteresis)->Apply(sizes);
BENCHMARK(BM_temperature_relative)->Apply(sizes);
BENCHMARK(BM_temperature_relative_shared)->Apply(sizes);
BENCHMARK(BM_temperature_relative_nth_element)->ArgNames({"leads", "threads"})->Args({1 << 20, 1})->Args({10'000'000, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace bench_temperature
} // namespace
