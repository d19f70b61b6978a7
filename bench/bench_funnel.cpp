// Funnel analytics over about 10 M stage events: conversion, timing, KPIs and cohorts over prepared journeys,
// journeys construction, and history CSV import, each read against an in-binary baseline that streams the same
// bytes (so results read as ratios).

#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/timing.hpp"
#include "leadscore/core/batch.hpp"
#include "leadscore/io/history_csv.hpp"
#include "leadscore/sim/generator.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace {
namespace bench_funnel {

using namespace leadscore;

/// About 10 M stage entries: 2.12 M generated leads at about 4.72 entries a lead.
constexpr std::size_t bench_leads = 2'120'000;

struct data_set {
    stage_history history;  ///< by lead, then time (as generated)
    stage_history by_time;  ///< the same entries ordered by time across leads, as an event log arrives
    timestamp horizon{};
    std::unique_ptr<journeys> j;
    lead_key source;
};

const data_set& data() {
    static const data_set d = [] {
        data_set s;
        generator_options o;
        o.leads = bench_leads;
        o.seed = 3;
        o.events = false;
        auto crm = generate_crm(o);
        s.history = std::move(crm.history);
        s.history.shrink_to_fit();
        s.horizon = crm.horizon;
        std::vector<std::uint32_t> order(s.history.size());
        std::iota(order.begin(), order.end(), 0u);
        std::stable_sort(order.begin(), order.end(),
                         [&](auto a, auto b) { return s.history.entered[a] < s.history.entered[b]; });
        // Same dictionaries (lead codes stay first-seen in the generated order), columns permuted.
        s.by_time.lead_ids = s.history.lead_ids;
        s.by_time.stages = s.history.stages;
        s.by_time.sources = s.history.sources;
        s.by_time.reserve(order.size());
        for (const auto i : order) {
            s.by_time.lead.push_back(s.history.lead[i]);
            s.by_time.stage.push_back(s.history.stage[i]);
            s.by_time.source.push_back(s.history.source[i]);
            s.by_time.entered.push_back(s.history.entered[i]);
            s.by_time.value.push_back(s.history.value[i]);
        }
        s.j = std::make_unique<journeys>(s.history, funnel::standard());
        s.source = key_by_source(*s.j);
        return s;
    }();
    return d;
}

void set_counters(benchmark::State& state, std::size_t events) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(events));
    state.counters["events"] = static_cast<double>(events);
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion

void BM_funnel_conversion(benchmark::State& state) {
    const auto& d = data();
    conversion_options o;
    o.threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state) {
        auto acc = compute_conversion(*d.j, nullptr, o);
        benchmark::DoNotOptimize(acc.total().leads);
    }
    set_counters(state, d.j->size());
}
BENCHMARK(BM_funnel_conversion)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

/// With a 30-day window (reads entry times) and broken down by first source (reads a code per lead).
void BM_funnel_conversion_window_by_source(benchmark::State& state) {
    const auto& d = data();
    conversion_options o;
    o.threads = static_cast<unsigned>(state.range(0));
    o.window = std::chrono::days{30};
    for (auto _ : state) {
        auto acc = compute_conversion(*d.j, &d.source, o);
        benchmark::DoNotOptimize(acc.groups().size());
    }
    set_counters(state, d.j->size());
}
BENCHMARK(BM_funnel_conversion_window_by_source)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

/// Baseline: the bytes conversion reads (lead offsets and stage per position), summed on the same number of
/// threads, split the same way (one contiguous range of leads per thread).
void run_baseline(benchmark::State& state, bool with_times) {
    const auto& d = data();
    const auto off = d.j->offsets();
    const auto st = d.j->stage_at();
    const auto tm = d.j->time_at();
    const auto key = std::span<const std::int32_t>(d.source.code);
    const auto threads = static_cast<unsigned>(state.range(0));
    const std::size_t leads = d.j->leads();
    batch_options b;
    b.threads = threads;
    b.block_rows = (leads + threads - 1) / threads;
    std::vector<std::uint64_t> sums(threads + 1);
    for (auto _ : state) {
        detail::for_each_block(leads, b, [&](std::size_t begin, std::size_t end) {
            std::uint64_t s = 0;
            for (std::size_t l = begin; l < end; ++l) s += off[l];
            for (std::size_t p = off[begin]; p < off[end]; ++p) s += st[p];
            if (with_times) {
                for (std::size_t p = off[begin]; p < off[end]; ++p) s += static_cast<std::uint64_t>(tm[p]);
                for (std::size_t l = begin; l < end; ++l) s += static_cast<std::uint64_t>(key[l]);
            }
            sums[begin / b.block_rows] = s;
        });
        benchmark::DoNotOptimize(sums.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, d.j->size());
}
void BM_funnel_baseline_stream(benchmark::State& state) { run_baseline(state, false); }
void BM_funnel_baseline_stream_with_times(benchmark::State& state) { run_baseline(state, true); }
BENCHMARK(BM_funnel_baseline_stream)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_funnel_baseline_stream_with_times)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

// ---------------------------------------------------------------------------------------------------------------
// Timing, KPIs, cohorts (their baseline is BM_funnel_baseline_stream_with_times)

void BM_funnel_timing(benchmark::State& state) {
    const auto& d = data();
    for (auto _ : state) {
        auto acc = compute_timing(*d.j, d.horizon, {static_cast<unsigned>(state.range(0))});
        benchmark::DoNotOptimize(acc.to_close().closed.size());
    }
    set_counters(state, d.j->size());
}
BENCHMARK(BM_funnel_timing)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

/// Time in stage and cycle medians and Kaplan–Meier curves from the kept durations (sorting them).
void BM_funnel_timing_statistics(benchmark::State& state) {
    const auto& d = data();
    const auto acc = compute_timing(*d.j, d.horizon);
    for (auto _ : state) {
        for (std::size_t s = 0; s < funnel::standard().size(); ++s) {
            benchmark::DoNotOptimize(acc.in_stage(s).summary().median);
            benchmark::DoNotOptimize(acc.in_stage(s).survival().median());
        }
        benchmark::DoNotOptimize(acc.to_close().survival().median());
    }
    set_counters(state, d.j->size());
}
BENCHMARK(BM_funnel_timing_statistics)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_funnel_kpi_by_source(benchmark::State& state) {
    const auto& d = data();
    kpi_options o;
    o.threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state) {
        kpi_accumulator acc(funnel::standard(), d.horizon, o);
        acc.add(*d.j, &d.source);
        benchmark::DoNotOptimize(acc.cells().size());
    }
    set_counters(state, d.j->size());
}
BENCHMARK(BM_funnel_kpi_by_source)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_funnel_cohorts(benchmark::State& state) {
    const auto& d = data();
    for (auto _ : state) {
        cohort_accumulator acc(period::month, d.horizon, static_cast<unsigned>(state.range(0)));
        acc.add(*d.j);
        benchmark::DoNotOptimize(acc.cohorts().size());
    }
    set_counters(state, d.j->size());
}
BENCHMARK(BM_funnel_cohorts)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

// ---------------------------------------------------------------------------------------------------------------
// Journeys: grouping by lead and sorting by time

void BM_funnel_journeys_in_order(benchmark::State& state) {
    const auto& d = data();
    for (auto _ : state) {
        journeys j(d.history, funnel::standard());
        benchmark::DoNotOptimize(j.offsets().data());
    }
    set_counters(state, d.history.size());
}
BENCHMARK(BM_funnel_journeys_in_order)->Unit(benchmark::kMillisecond)->UseRealTime();

/// From an event log ordered by time across leads: a counting sort by lead, then per-lead order checks.
void BM_funnel_journeys_by_time(benchmark::State& state) {
    const auto& d = data();
    for (auto _ : state) {
        journeys j(d.by_time, funnel::standard());
        benchmark::DoNotOptimize(j.offsets().data());
    }
    set_counters(state, d.by_time.size());
}
BENCHMARK(BM_funnel_journeys_by_time)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Baseline: copying the columns journeys reads and writes (lead and stage codes, times) once.
void BM_funnel_baseline_copy_columns(benchmark::State& state) {
    const auto& d = data();
    const std::size_t n = d.by_time.size();
    for (auto _ : state) {
        std::vector<std::int32_t> lead(n), stage(n);
        std::vector<std::int64_t> times(n);
        std::memcpy(lead.data(), d.by_time.lead.data(), n * sizeof(std::int32_t));
        std::memcpy(stage.data(), d.by_time.stage.data(), n * sizeof(std::int32_t));
        std::memcpy(times.data(), d.by_time.entered.data(), n * sizeof(std::int64_t));
        benchmark::DoNotOptimize(lead.data());
        benchmark::DoNotOptimize(stage.data());
        benchmark::DoNotOptimize(times.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, n);
}
BENCHMARK(BM_funnel_baseline_copy_columns)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---------------------------------------------------------------------------------------------------------------
// History CSV import

const std::string& history_csv() {
    static const std::string text = [] {
        const auto& h = data().history;
        const std::size_t rows = 1'000'000; // the first million entries, about 52 MB
        std::string s = "lead_id,stage,entered_at,value,source\n";
        s.reserve(rows * 64);
        for (std::size_t i = 0; i < rows && i < h.size(); ++i) {
            const auto e = h[i];
            s += e.lead_id;
            s += ',';
            s += e.stage;
            s += ',';
            s += format_timestamp(e.entered);
            s += ',';
            if (e.value) s += std::to_string(static_cast<long long>(*e.value));
            s += ',';
            s += e.source;
            s += '\n';
        }
        return s;
    }();
    return text;
}

void BM_funnel_read_history(benchmark::State& state) {
    const auto& text = history_csv();
    std::size_t rows = 0;
    for (auto _ : state) {
        auto r = read_history(text, funnel::standard());
        rows = r.history.size();
        benchmark::DoNotOptimize(r.history.lead.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(rows));
}
BENCHMARK(BM_funnel_read_history)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Baseline: finding every line and cell boundary of the same bytes.
void BM_funnel_baseline_scan_csv(benchmark::State& state) {
    const auto& text = history_csv();
    for (auto _ : state) {
        std::size_t cells = 0;
        for (const char c : text) cells += c == ',' || c == '\n';
        benchmark::DoNotOptimize(cells);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_funnel_baseline_scan_csv)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace bench_funnel
} // namespace
