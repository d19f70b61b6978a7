// The synthetic CRM generator: leads per second, against a baseline that only draws as many random numbers.
#include "leadscore/sim/generator.hpp"

#include "core/random.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <vector>

namespace {
namespace bench_generator {

using namespace leadscore;

// The generator draws about 43 64-bit numbers per lead (profile, events, stage path), counted on seed 1.
constexpr std::size_t draws_per_lead = 43;

void run_generate(benchmark::State& state, bool events_and_history) {
    generator_options o;
    o.leads = static_cast<std::size_t>(state.range(0));
    o.seed = 1;
    o.events = events_and_history;
    o.history = events_and_history;
    o.threads = static_cast<unsigned>(state.range(1));
    double bytes = 0;
    for (auto _ : state) {
        auto crm = generate_crm(o);
        benchmark::DoNotOptimize(crm.leads.rows());
        bytes = static_cast<double>(crm.leads.memory_bytes() + crm.history.memory_bytes() +
                                    crm.won_probability.capacity() * sizeof(double));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.counters["bytes_per_lead"] = bytes / static_cast<double>(state.range(0));
}

void BM_generate(benchmark::State& state) { run_generate(state, true); }
void BM_generate_without_events_and_history(benchmark::State& state) { run_generate(state, false); }

/// The floor: as many random numbers as the generator draws, written to a freshly allocated vector.
void BM_generate_baseline_rng(benchmark::State& state) {
    const auto leads = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        std::vector<std::uint64_t> out(leads * draws_per_lead);
        detail::xoshiro256ss r(1); // the generator's random numbers, without anything built from them
        for (auto& x : out) x = r.next();
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

// Leads × threads; wall-clock time, as the work is spread over threads.
BENCHMARK(BM_generate)
    ->ArgsProduct({{1 << 12, 1 << 15, 1 << 18, 1 << 21}, {1, 2}})
    ->ArgNames({"leads", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_generate_without_events_and_history)
    ->ArgsProduct({{1 << 12, 1 << 15, 1 << 18, 1 << 21}, {1, 2}})
    ->ArgNames({"leads", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_generate_baseline_rng)->RangeMultiplier(8)->Range(1 << 12, 1 << 21)->Unit(benchmark::kMillisecond);

} // namespace bench_generator
} // namespace
