// lead_table building: from lead objects, and column-wise from a CRM's arrays, against a plain copy of the bytes.
#include "leadscore/leadscore.hpp"

#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

namespace {
namespace bench_table {

using namespace leadscore;

const char* const sources[] = {"referral", "webinar", "trade_show", "email_campaign", "linkedin", "live_chat"};
const char* const stages[] = {"suspect", "lead", "mql", "sql", "opportunity", "won", "lost"};
const char* const teams[] = {"EMEA", "AMER", "APAC"};
const char* const types[] = {"email_opened", "page_visited", "form_submitted"};

std::vector<lead> make_leads(std::size_t n) {
    std::vector<lead> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        lead& l = out[i];
        l.id = "L" + std::to_string(i);
        l.source = sources[i % 6];
        l.stage = stages[i % 7];
        l.team = teams[i % 3];
        l.owner = "rep" + std::to_string(i % 40);
        l.created = from_seconds(1767225600 + static_cast<std::int64_t>(i) * 60);
        l.expected_value = 1000.0 + static_cast<double>(i % 977);
        l.timeframe = i % 4 == 0 ? purchase_timeframe::none() : purchase_timeframe::within(static_cast<int>(i % 90));
        l.attributes = {{"employees", static_cast<double>(i % 5000)}, {"industry", std::string(i % 2 ? "retail" : "software")}};
        for (int e = 0; e < 3; ++e)
            l.events.push_back({from_seconds(1767225600 + static_cast<std::int64_t>(i) * 60 + e * 3600), types[e], ""});
    }
    return out;
}

void BM_table_from_leads(benchmark::State& state) {
    const auto leads = make_leads(static_cast<std::size_t>(state.range(0)));
    double bytes_per_lead = 0, overhead = 0;
    for (auto _ : state) {
        auto t = lead_table::from_leads(leads);
        t.shrink_to_fit();
        bytes_per_lead = static_cast<double>(t.memory_bytes()) / static_cast<double>(t.rows());
        overhead = static_cast<double>(t.memory_bytes()) / static_cast<double>(t.raw_bytes());
        benchmark::DoNotOptimize(t);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.counters["bytes_per_lead"] = bytes_per_lead;
    state.counters["memory_over_raw"] = overhead;
}
BENCHMARK(BM_table_from_leads)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// A CRM that holds columns already: 3 numeric, 4 categorical codes, 1 timestamp per lead, built column-wise.
struct crm_arrays {
    std::vector<double> employees, value, timeframe;
    std::vector<std::int32_t> source, stage, team, owner;
    std::vector<std::int64_t> created;
    explicit crm_arrays(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            employees.push_back(static_cast<double>(i % 5000));
            value.push_back(1000.0 + static_cast<double>(i % 977));
            timeframe.push_back(static_cast<double>(i % 90));
            source.push_back(static_cast<std::int32_t>(i % 6));
            stage.push_back(static_cast<std::int32_t>(i % 7));
            team.push_back(static_cast<std::int32_t>(i % 3));
            owner.push_back(static_cast<std::int32_t>(i % 40));
            created.push_back(1767225600 + static_cast<std::int64_t>(i) * 60);
        }
    }
};

const schema& crm_schema() {
    static const schema s({{"employees", field_type::numeric, field_role::none},
                           {"expected_value", field_type::numeric, field_role::expected_value},
                           {"purchase_timeframe", field_type::numeric, field_role::purchase_timeframe},
                           {"source", field_type::categorical, field_role::source},
                           {"stage", field_type::categorical, field_role::stage},
                           {"team", field_type::categorical, field_role::team},
                           {"owner", field_type::categorical, field_role::owner},
                           {"created", field_type::timestamp, field_role::created}});
    return s;
}

void BM_table_build_columns(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const crm_arrays a(n);
    double bytes_per_lead = 0;
    for (auto _ : state) {
        lead_table t(crm_schema());
        std::get<numeric_column>(t.column(0)).values = a.employees;
        std::get<numeric_column>(t.column(1)).values = a.value;
        std::get<numeric_column>(t.column(2)).values = a.timeframe;
        const std::vector<std::int32_t>* codes[] = {&a.source, &a.stage, &a.team, &a.owner};
        const std::size_t cardinality[] = {6, 7, 3, 40};
        for (std::size_t c = 0; c < 4; ++c) {
            auto& k = std::get<categorical_column>(t.column(3 + c));
            for (std::size_t v = 0; v < cardinality[c]; ++v) k.dict.intern("value" + std::to_string(v));
            k.codes = *codes[c];
        }
        std::get<timestamp_column>(t.column(7)).values = a.created;
        t.finish_rows();
        bytes_per_lead = static_cast<double>(t.memory_bytes()) / static_cast<double>(t.rows());
        benchmark::DoNotOptimize(t);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * state.range(0) * (3 * 8 + 4 * 4 + 8));
    state.counters["bytes_per_lead"] = bytes_per_lead;
}
BENCHMARK(BM_table_build_columns)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);

// Baseline: copying the same column bytes into fresh vectors, nothing else.
void BM_table_build_baseline_copy(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const crm_arrays a(n);
    for (auto _ : state) {
        std::vector<double> e = a.employees, v = a.value, f = a.timeframe;
        std::vector<std::int32_t> s = a.source, g = a.stage, t = a.team, o = a.owner;
        std::vector<std::int64_t> c = a.created;
        benchmark::DoNotOptimize(e.data());
        benchmark::DoNotOptimize(v.data());
        benchmark::DoNotOptimize(f.data());
        benchmark::DoNotOptimize(s.data());
        benchmark::DoNotOptimize(g.data());
        benchmark::DoNotOptimize(t.data());
        benchmark::DoNotOptimize(o.data());
        benchmark::DoNotOptimize(c.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * state.range(0) * (3 * 8 + 4 * 4 + 8));
}
BENCHMARK(BM_table_build_baseline_copy)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);

// A zero-copy view over the same arrays: binding costs nothing per lead.
void BM_table_view_wrap(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const crm_arrays a(n);
    dictionary d;
    for (auto _ : state) {
        table_view v(crm_schema(), n);
        v.set_numeric(0, a.employees);
        v.set_numeric(1, a.value);
        v.set_numeric(2, a.timeframe);
        v.set_categorical(3, a.source, d);
        v.set_categorical(4, a.stage, d);
        v.set_categorical(5, a.team, d);
        v.set_categorical(6, a.owner, d);
        v.set_timestamp(7, a.created);
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_table_view_wrap)->Arg(10'000'000);

} // namespace bench_table
} // namespace
