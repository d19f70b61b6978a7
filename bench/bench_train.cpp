// Training: fitting logistic regression on generated leads with 16 fields (bench/train_data.hpp: 8 categorical,
// 3 numeric with missing values, 5 event counts; every lead closed, about 28 % won), next to
//   - a baseline that streams the same 16 columns once (what reading the data costs),
//   - the parts of the fit: learning the encoder, building the compact design matrix;
// gradient-boosted trees (50 trees of depth 6: reading and binning the values, then the trees), and counting
// frequency tables through the same interface.
// The table is made once per process (1 Mi leads); smaller cases fit a prefix of its rows.
#include "leadscore/scoring/engine.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/train/frequency.hpp"
#include "leadscore/train/gbt.hpp"
#include "leadscore/train/logistic.hpp"

#include "train/design.hpp"
#include "train_data.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

namespace {
namespace bench_train {

using namespace leadscore;

constexpr std::size_t table_rows = std::size_t{1} << 20;

struct train_data {
    lead_table table = bench::training_table(table_rows);
    std::vector<std::int8_t> labels = target_labels(table.view(), {.field = "won", .positive = {"yes"}});
    std::vector<std::size_t> all = [this] {
        std::vector<std::size_t> r(table.rows());
        std::iota(r.begin(), r.end(), std::size_t{0});
        return r;
    }();
    training_set first(std::size_t n) const {
        return {table.view(), labels, std::span<const std::size_t>(all).first(n), {}, "won"};
    }
};

const train_data& data() {
    static const auto d = std::make_unique<train_data>();
    return *d;
}

void BM_fit_logistic(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    logistic_trainer t;
    t.solver.threads = static_cast<unsigned>(state.range(1));
    const auto set = data().first(n);
    std::size_t iterations = 0;
    for (auto _ : state) {
        auto r = t.fit(set);
        iterations = r.report.iterations;
        benchmark::DoNotOptimize(r.policy.intercept());
    }
    state.counters["newton_iterations"] = static_cast<double>(iterations);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_fit_logistic)
    ->ArgNames({"leads", "threads"})
    ->ArgsProduct({{65536, table_rows}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_fit_gbt(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    gbt_trainer t;
    t.options.trees = 50;
    t.options.threads = static_cast<unsigned>(state.range(1));
    const auto set = data().first(n);
    std::size_t leaves = 0;
    for (auto _ : state) {
        auto r = t.fit(set);
        leaves = r.report.parameters - 1;
        benchmark::DoNotOptimize(r.policy.model().base_score);
    }
    state.counters["leaves"] = static_cast<double>(leaves);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_fit_gbt)
    ->ArgNames({"leads", "threads"})
    ->ArgsProduct({{65536, table_rows}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// Baseline: one pass over the same 16 columns and the labels (codes, numbers), adding them up.
void BM_fit_baseline_stream(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data().table.view();
    const auto& s = v.table_schema();
    for (auto _ : state) {
        double sum = 0;
        std::int64_t codes = 0;
        for (std::size_t c = 0; c + 1 < s.size(); ++c) {
            if (s[c].type == field_type::numeric) {
                const auto x = v.numeric(c);
                for (std::size_t i = 0; i < n; ++i) sum += std::isnan(x[i]) ? 0.0 : x[i];
            } else {
                const auto x = v.codes(c);
                for (std::size_t i = 0; i < n; ++i) codes += x[i];
            }
        }
        for (std::size_t i = 0; i < n; ++i) codes += data().labels[i];
        benchmark::DoNotOptimize(sum);
        benchmark::DoNotOptimize(codes);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_fit_baseline_stream)->ArgName("leads")->Arg(65536)->Arg(table_rows)->Unit(benchmark::kMillisecond);

void BM_learn_encoder(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto set = data().first(n);
    for (auto _ : state) {
        auto e = learn_encoder(set.view, set.rows, {}, {}, "won");
        benchmark::DoNotOptimize(e.encoder.width());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_learn_encoder)->ArgName("leads")->Arg(table_rows)->Unit(benchmark::kMillisecond);

void BM_fit_design(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto set = data().first(n);
    const auto e = learn_encoder(set.view, set.rows, {}, {}, "won").encoder;
    const auto bound = e.bind(set.view, {});
    for (auto _ : state) {
        auto d = detail::build_design(bound, set.rows, static_cast<unsigned>(state.range(1)));
        benchmark::DoNotOptimize(d.values.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_fit_design)
    ->ArgNames({"leads", "threads"})
    ->ArgsProduct({{table_rows}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// Frequency tables through the trainer interface, on a generated CRM with stages (1 Mi leads, the closed ones).
void BM_fit_frequency(benchmark::State& state) {
    static const auto crm = generate_crm({.leads = table_rows, .seed = 7, .history = false});
    frequency_definition d;
    d.stages = frequency_stages(funnel::standard());
    d.variables = {{"source"}, {"industry"}, {"country"}, {"newsletter"}, {"job_title"}, {"party"}};
    d.lost_stage_field = "lost_stage";
    const frequency_trainer trainer{d};
    const auto view = crm.leads.view();
    const auto labels = target_labels(view, {.field = "outcome", .positive = {"won"}, .negative = {"lost"}});
    const auto rows = labelled_rows(labels);
    for (auto _ : state) {
        auto r = trainer.fit({view, labels, rows, crm.horizon, "outcome"});
        benchmark::DoNotOptimize(r.report.parameters);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(view.rows()));
}
BENCHMARK(BM_fit_frequency)->Unit(benchmark::kMillisecond);

} // namespace bench_train
} // namespace
