// Metrics on 10 M scores (probabilities with 28 % positives, a hundredth of the rows unlabelled), each next to
//   - a baseline that streams the same scores and labels once, adding them up (what reading them costs), and
//   - std::sort of the positives' and negatives' scores (what ranking them the usual way costs: the ranking
//     metrics use a radix sort instead).
// Calibration fits run on the first 1 M rows. The scores are made once per process.
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"
#include "leadscore/train/calibration.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace {
namespace bench_metrics {

using namespace leadscore;

constexpr std::size_t rows = 10'000'000;

struct scored {
    std::vector<double> scores;
    std::vector<std::int8_t> labels;
    std::vector<std::int32_t> bands;
    scored() : scores(rows), labels(rows), bands(rows) {
        std::uint64_t s = 99;
        const auto uniform = [&] {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<double>(s >> 11) * 0x1.0p-53;
        };
        for (std::size_t i = 0; i < rows; ++i) {
            const double z = -1.2 + 2.0 * (uniform() - 0.5) + 1.5 * (uniform() - 0.5);
            const double p = 1 / (1 + std::exp(-z));
            scores[i] = std::round(p * 1e6) / 1e6; // six decimals, as a CRM stores them: ties exist
            labels[i] = i % 100 == 0 ? std::int8_t{-1} : uniform() < p ? std::int8_t{1} : std::int8_t{0};
            bands[i] = scores[i] >= 0.5 ? 2 : scores[i] >= 0.25 ? 1 : 0;
        }
    }
};

const scored& data() {
    static const auto d = std::make_unique<scored>();
    return *d;
}

template <class F>
void run(benchmark::State& state, std::size_t n, F&& f) {
    const auto& d = data();
    const std::span<const double> s(d.scores.data(), n);
    const std::span<const std::int8_t> l(d.labels.data(), n);
    for (auto _ : state) benchmark::DoNotOptimize(f(s, l));
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

void BM_metric_baseline_stream(benchmark::State& state) {
    run(state, rows, [](auto s, auto l) {
        double sum = 0;
        std::int64_t c = 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            sum += s[i];
            c += l[i];
        }
        return sum + static_cast<double>(c);
    });
}
void BM_metric_baseline_std_sort(benchmark::State& state) {
    run(state, rows, [](auto s, auto l) {
        std::vector<double> pos, neg;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (l[i] == 1) pos.push_back(s[i]);
            else if (l[i] == 0) neg.push_back(s[i]);
        std::sort(pos.begin(), pos.end());
        std::sort(neg.begin(), neg.end());
        return pos.front() + neg.front();
    });
}
void BM_roc_auc(benchmark::State& state) { run(state, rows, [](auto s, auto l) { return roc_auc(s, l); }); }
void BM_average_precision(benchmark::State& state) {
    run(state, rows, [](auto s, auto l) { return average_precision(s, l); });
}
void BM_log_loss(benchmark::State& state) { run(state, rows, [](auto s, auto l) { return log_loss(s, l); }); }
void BM_brier_score(benchmark::State& state) { run(state, rows, [](auto s, auto l) { return brier_score(s, l); }); }
void BM_gains_table(benchmark::State& state) {
    run(state, rows, [](auto s, auto l) { return gains_table(s, l, 10).front().lift; });
}
void BM_confusion_at(benchmark::State& state) {
    run(state, rows, [](auto s, auto l) { return confusion_at(s, l, 0.5).true_positives; });
}
void BM_reliability_uniform(benchmark::State& state) {
    run(state, rows, [](auto s, auto l) { return reliability(s, l, 10).expected_calibration_error; });
}
void BM_reliability_quantile(benchmark::State& state) {
    run(state, rows,
        [](auto s, auto l) { return reliability(s, l, 10, binning::quantile).expected_calibration_error; });
}
void BM_conversion_by_band(benchmark::State& state) {
    const std::vector<std::string> names{"cold", "warm", "hot"};
    run(state, rows, [&](auto, auto l) { return conversion_by_band(data().bands, l, names).bands[2].rate; });
}
void BM_evaluate(benchmark::State& state) {
    run(state, rows, [](auto s, auto l) { return evaluate(s, l).roc_auc; });
}
void BM_train_test_split(benchmark::State& state) {
    run(state, rows, [](auto, auto l) { return train_test_split(l, 0.3, 42).test.size(); });
}
void BM_k_fold(benchmark::State& state) {
    run(state, rows, [](auto, auto l) { return k_fold(l, 5, 42).front().test.size(); });
}
void BM_fit_platt(benchmark::State& state) {
    run(state, 1'000'000, [](auto s, auto l) { return fit_platt(s, l).map.b(); });
}
void BM_fit_isotonic(benchmark::State& state) {
    run(state, 1'000'000, [](auto s, auto l) { return fit_isotonic(s, l).map.knots_x().size(); });
}

BENCHMARK(BM_metric_baseline_stream)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_metric_baseline_std_sort)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_roc_auc)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_average_precision)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_log_loss)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_brier_score)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gains_table)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_confusion_at)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_reliability_uniform)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_reliability_quantile)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_conversion_by_band)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_evaluate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_train_test_split)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_k_fold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fit_platt)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fit_isotonic)->Unit(benchmark::kMillisecond);

} // namespace bench_metrics
} // namespace
