// Funnel models: Markov estimation over 10 M stage entries (events per second) against a baseline that streams the
// same journey columns, and the Monte Carlo forecast (deal-paths per second) against a baseline that only seeds
// the per-deal streams and draws as many random numbers.
#include "leadscore/funnel/forecast.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/sim/generator.hpp"

#include "core/random.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

namespace {
namespace bench_markov {

using namespace leadscore;

/// A generated CRM with its journeys, built once per size.
struct fixture {
    generated_crm crm;
    std::unique_ptr<journeys> j;

    explicit fixture(std::size_t leads) : crm(generate(leads)), j(std::make_unique<journeys>(crm.history, funnel::standard())) {}

    static generated_crm generate(std::size_t leads) {
        generator_options o;
        o.leads = leads;
        o.seed = 7;
        o.events = false;
        return generate_crm(o);
    }
};

/// 2.1 M leads give about 10 M stage entries (4.8 a lead).
const fixture& big() {
    static const fixture f(2'100'000);
    return f;
}

/// A smaller CRM for the chain and the open deals of the forecast.
const fixture& small() {
    static const fixture f(100'000);
    return f;
}

void run_estimate(benchmark::State& state, bool keep_stays) {
    const auto& f = big();
    markov_options o;
    o.keep_stays = keep_stays;
    o.threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state) {
        auto m = compute_markov(*f.j, o);
        benchmark::DoNotOptimize(m.leads());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.j->size()));
    state.counters["events"] = static_cast<double>(f.j->size());
}

/// Transition counts, stays kept (what the empirical forecast needs).
void BM_markov_estimate(benchmark::State& state) { run_estimate(state, true); }
/// Transition counts with per-stage stay sums only.
void BM_markov_estimate_counts_only(benchmark::State& state) { run_estimate(state, false); }

/// The floor: read the same columns the estimation reads (offsets, stage and time at each position) and fold
/// them into a sum, one thread.
void BM_markov_baseline_stream(benchmark::State& state) {
    const auto& f = big();
    const auto offsets = f.j->offsets();
    const auto stage = f.j->stage_at();
    const auto time = f.j->time_at();
    for (auto _ : state) {
        std::uint64_t sum = 0;
        for (std::size_t l = 0; l + 1 < offsets.size(); ++l)
            for (std::size_t p = offsets[l]; p < offsets[l + 1]; ++p)
                sum += stage[p] + static_cast<std::uint64_t>(time[p]);
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.j->size()));
}

constexpr std::size_t forecast_deals = 100;
constexpr std::size_t forecast_paths = 100'000;

struct forecast_input {
    markov_chain chain;
    std::vector<open_deal> deals;
    double steps = 0; // mean expected transitions per deal

    forecast_input() : chain(compute_markov(*small().j)) {
        auto all = open_deals(*small().j, small().crm.horizon);
        all.resize(std::min(all.size(), forecast_deals));
        deals = std::move(all);
        const auto a = chain.analyze();
        for (const auto& d : deals) steps += a.steps_from(d.stage);
        steps /= static_cast<double>(deals.size());
    }
};

const forecast_input& forecast_data() {
    static const forecast_input f;
    return f;
}

/// 100 open deals of the generated CRM over 100 k paths, empirical stays, a horizon of 90 days.
void BM_forecast_monte_carlo(benchmark::State& state) {
    const auto& in = forecast_data();
    forecast_options o;
    o.paths = forecast_paths;
    o.threads = static_cast<unsigned>(state.range(0));
    o.dwell = state.range(1) == 0 ? dwell_model::empirical : dwell_model::exponential;
    for (auto _ : state) {
        auto r = forecast(in.chain, in.deals, small().crm.horizon, o);
        benchmark::DoNotOptimize(r.won.mean);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(forecast_paths * in.deals.size()));
    state.counters["steps_per_deal"] = in.steps;
}

/// The floor of the forecast, one thread: seed each deal's stream in each path and draw two numbers per expected
/// transition (next stage and stay).
void BM_forecast_baseline_rng(benchmark::State& state) {
    const auto& in = forecast_data();
    const auto draws = static_cast<int>(std::lround(2 * in.steps));
    for (auto _ : state) {
        std::uint64_t sum = 0;
        for (std::size_t path = 0; path < forecast_paths; ++path)
            for (const auto& d : in.deals) {
                // seeded per (path, deal) as the forecast seeds it, without anything built from the numbers
                detail::xoshiro256ss r(detail::mix64(detail::mix64(detail::mix64(1) + path * detail::golden_gamma) + d.key));
                for (int k = 0; k < draws; ++k) sum += r.next();
            }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(forecast_paths * in.deals.size()));
}

BENCHMARK(BM_markov_estimate)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_markov_estimate_counts_only)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_markov_baseline_stream)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_forecast_monte_carlo)
    ->ArgNames({"threads", "exponential"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_forecast_baseline_rng)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace bench_markov
} // namespace
