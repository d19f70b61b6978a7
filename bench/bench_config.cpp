// Loading a configuration: the commented example file (examples/leadscore.toml, about 7 KB: a weighted sum of a
// 7-rule points set and a grade, a combined temperature policy with hysteresis, the qualification options), parsed
// and built into policies, against a baseline that reads the same bytes once (counting lines, as any parser must at
// least look at every byte). Configurations are loaded once per run of a CRM job, so the goal is only that loading
// never matters: well under a millisecond.
#include "leadscore/io/config.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

namespace {
namespace bench_config {

const std::string& example_text() {
    static const std::string text = [] {
        std::ifstream in(LEADSCORE_EXAMPLES_DIR "/leadscore.toml", std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }();
    return text;
}

void BM_config_load_example(benchmark::State& state) {
    const auto& text = example_text();
    for (auto _ : state) {
        auto c = leadscore::load_config(text, "leadscore.toml");
        benchmark::DoNotOptimize(c);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations())); // configurations
}
BENCHMARK(BM_config_load_example);

void BM_config_baseline_count_lines(benchmark::State& state) {
    const auto& text = example_text();
    for (auto _ : state) {
        benchmark::DoNotOptimize(text.data());
        auto n = std::count(text.begin(), text.end(), '\n');
        benchmark::DoNotOptimize(n);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_config_baseline_count_lines);

} // namespace bench_config
} // namespace
