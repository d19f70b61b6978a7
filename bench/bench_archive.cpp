// Archives: saving and loading a generated CRM's lead table in text, XML and binary, as bytes per second of the
// table's column data, next to the baseline of writing (reading) the same column bytes to (from) a memory stream;
// and saving and loading each kind of model (points, grade, logistic, frequency tables, calibrated, grid, a
// temperature policy, a routing policy) through its type-erased wrapper, as archive bytes per second.
//
// The table has 1 M leads by default (a 10 M-lead table takes minutes per text or XML iteration and several GB
// on a 2-core VM); LEADSCORE_BENCH_ARCHIVE_LEADS=10000000 runs the 10 M-lead table:
//   LEADSCORE_BENCH_ARCHIVE_LEADS=10000000 leadscore_bench --benchmark_filter=archive_table --benchmark_min_time=0
// Streams are memory buffers, written (or read) once before timing, so the figures are the archive code's, not a file
// system's nor first-touch page faults'.
#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_routing.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/io/serialize_temperature.hpp"
#include "leadscore/sim/generator.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <memory>
#include <ostream>
#include <span>
#include <streambuf>
#include <string>
#include <vector>

namespace {
namespace bench_archive {

using namespace leadscore;

/// A stream buffer over a byte vector reserved once: writes append, reads consume, nothing is copied in between.
class memory_buf : public std::streambuf {
public:
    explicit memory_buf(std::size_t reserve) { bytes_.reserve(reserve); }
    void clear_for_write() { bytes_.clear(); }
    void rewind_for_read() { setg(bytes_.data(), bytes_.data(), bytes_.data() + bytes_.size()); }
    [[nodiscard]] std::size_t size() const noexcept { return bytes_.size(); }

protected:
    int_type overflow(int_type c) override {
        if (c != traits_type::eof()) bytes_.push_back(static_cast<char>(c));
        return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        bytes_.insert(bytes_.end(), s, s + n);
        return n;
    }

private:
    std::vector<char> bytes_;
};

std::size_t bench_leads() {
    if (const char* v = std::getenv("LEADSCORE_BENCH_ARCHIVE_LEADS"); v != nullptr && *v != '\0')
        return static_cast<std::size_t>(std::strtoull(v, nullptr, 10));
    return 1'000'000;
}

/// The generated CRM, once per run.
const generated_crm& crm() {
    static const generated_crm c = [] {
        generator_options o;
        o.leads = bench_leads();
        o.seed = 42;
        o.history = false;
        return generate_crm(o);
    }();
    return c;
}

/// The byte ranges of the table's columns, dictionaries' texts and events: what an archive carries.
std::vector<std::span<const char>> column_bytes(const lead_table& t) {
    std::vector<std::span<const char>> out;
    const auto add = [&](const auto& v) {
        out.emplace_back(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
    };
    for (std::size_t c = 0; c < t.table_schema().size(); ++c) {
        std::visit(
            [&](const auto& col) {
                using C = std::decay_t<decltype(col)>;
                if constexpr (std::is_same_v<C, categorical_column>) {
                    add(col.codes);
                    for (std::size_t k = 0; k < col.dict.size(); ++k) {
                        const auto s = col.dict[static_cast<std::int32_t>(k)];
                        out.emplace_back(s.data(), s.size());
                    }
                } else {
                    add(col.values);
                }
            },
            t.column(c));
    }
    add(t.view().all_events());
    add(t.view().event_offsets());
    return out;
}

std::size_t total_bytes(const std::vector<std::span<const char>>& ranges) {
    std::size_t n = 0;
    for (const auto& r : ranges) n += r.size();
    return n;
}

void BM_archive_table_save(benchmark::State& state) {
    const auto format = static_cast<archive_format>(state.range(0));
    const auto& table = crm().leads;
    const std::size_t raw = total_bytes(column_bytes(table));
    memory_buf buf(raw * 4); // XML takes about 3.3 bytes a column byte: reserved once, never reallocated
    std::ostream out(&buf);
    save_archive(out, table, format); // untimed: the buffer's pages are touched once, as in a long-running process
    for (auto _ : state) {
        buf.clear_for_write();
        save_archive(out, table, format);
        benchmark::ClobberMemory();
    }
    state.SetLabel(std::string(to_string(format)));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * table.rows()));
    state.counters["archive_bytes_per_lead"] = static_cast<double>(buf.size()) / static_cast<double>(table.rows());
    state.counters["column_bytes_per_lead"] = static_cast<double>(raw) / static_cast<double>(table.rows());
}
BENCHMARK(BM_archive_table_save)
    ->ArgName("format")
    ->Arg(static_cast<int>(archive_format::text))
    ->Arg(static_cast<int>(archive_format::xml))
    ->Arg(static_cast<int>(archive_format::binary))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_archive_table_load(benchmark::State& state) {
    const auto format = static_cast<archive_format>(state.range(0));
    const auto& table = crm().leads;
    const std::size_t raw = total_bytes(column_bytes(table));
    memory_buf buf(raw * 4); // XML takes about 3.3 bytes a column byte: reserved once, never reallocated
    {
        std::ostream out(&buf);
        save_archive(out, table, format);
    }
    lead_table back(schema{});
    { // untimed: one load first, so the timed ones reuse freed heap pages instead of touching fresh ones
        buf.rewind_for_read();
        std::istream in(&buf);
        load_archive(in, back, format, "bench");
    }
    for (auto _ : state) {
        buf.rewind_for_read();
        std::istream in(&buf);
        load_archive(in, back, format, "bench");
        benchmark::DoNotOptimize(back);
    }
    if (!(back == table)) state.SkipWithError("the loaded table differs");
    state.SetLabel(std::string(to_string(format)));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * table.rows()));
}
BENCHMARK(BM_archive_table_load)
    ->ArgName("format")
    ->Arg(static_cast<int>(archive_format::text))
    ->Arg(static_cast<int>(archive_format::xml))
    ->Arg(static_cast<int>(archive_format::binary))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// Baseline: the same column bytes written to the same kind of memory stream with ostream::write.
void BM_archive_table_baseline_write(benchmark::State& state) {
    const auto ranges = column_bytes(crm().leads);
    const std::size_t raw = total_bytes(ranges);
    memory_buf buf(raw + 4096);
    std::ostream out(&buf);
    for (const auto& r : ranges) out.write(r.data(), static_cast<std::streamsize>(r.size())); // untimed, as above
    for (auto _ : state) {
        buf.clear_for_write();
        for (const auto& r : ranges) out.write(r.data(), static_cast<std::streamsize>(r.size()));
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * crm().leads.rows()));
}
BENCHMARK(BM_archive_table_baseline_write)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Baseline: the same column bytes read back from a memory stream into vectors of their sizes.
void BM_archive_table_baseline_read(benchmark::State& state) {
    const auto ranges = column_bytes(crm().leads);
    const std::size_t raw = total_bytes(ranges);
    memory_buf buf(raw + 4096);
    {
        std::ostream out(&buf);
        for (const auto& r : ranges) out.write(r.data(), static_cast<std::streamsize>(r.size()));
    }
    std::vector<std::vector<char>> back(ranges.size());
    for (std::size_t i = 0; i < ranges.size(); ++i) back[i].resize(ranges[i].size()); // untimed, as above
    for (auto _ : state) {
        buf.rewind_for_read();
        std::istream in(&buf);
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            back[i].resize(ranges[i].size());
            in.read(back[i].data(), static_cast<std::streamsize>(ranges[i].size()));
        }
        benchmark::DoNotOptimize(back);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * crm().leads.rows()));
}
BENCHMARK(BM_archive_table_baseline_read)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- models -------------------------------------------------------------------------------------------------------

std::uint64_t mix(std::uint64_t x) { // splitmix64
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/// A logistic model of 40 numeric features and 10 categorical ones with 50 levels each: 581 weights.
const logistic_policy& logistic() {
    static const logistic_policy p = [] {
        std::vector<feature_spec> specs;
        for (int j = 0; j < 40; ++j)
            specs.push_back(numeric_feature{.field = "n" + std::to_string(j), .center = 50.0 * (j + 1),
                                            .scale = 29.0 * (j + 1), .impute = 50.0, .missing_indicator = true});
        for (int j = 0; j < 10; ++j) {
            categorical_feature c{.field = "c" + std::to_string(j), .missing_feature = true};
            for (int v = 0; v < 50; ++v) c.vocabulary.push_back("level_" + std::to_string(v));
            specs.push_back(std::move(c));
        }
        feature_encoder e(std::move(specs));
        std::vector<double> w(e.width());
        for (std::size_t k = 0; k < w.size(); ++k)
            w[k] = (static_cast<double>(mix(static_cast<std::uint64_t>(k)) >> 11) * 0x1.0p-53 - 0.5) * 0.4;
        return logistic_policy(logistic_model{std::move(e), std::move(w), -1.5});
    }();
    return p;
}

/// 20 fit rules (texts, number ranges, missing tests) and 10 engagement rules in two groups, engagement decayed.
scoring_policy points() {
    points_rules r;
    r.groups = {{"fit", {}, 100.0, {}}, {"engagement", decay_rule::half_life(30), 100.0, -50.0}};
    for (int k = 0; k < 20; ++k) {
        const std::string field = "f" + std::to_string(k % 7);
        condition c = k % 3 == 0   ? condition::one_of(field, {attribute_value(std::string("value_") + std::to_string(k)),
                                                              attribute_value(std::string("other_") + std::to_string(k))})
                      : k % 3 == 1 ? condition::between(field, 10.0 * k, 10.0 * k + 99.5)
                                   : condition::is_missing(field);
        r.fit.push_back({"fit rule " + std::to_string(k), std::move(c), static_cast<double>(k % 9) - 3, "fit"});
    }
    for (int k = 0; k < 10; ++k) {
        engagement_rule e;
        e.event_type = "event_" + std::to_string(k);
        e.points = 1.0 + k;
        e.cap = 10.0 * (k + 1);
        r.engagement.push_back(std::move(e));
    }
    return points_policy(std::move(r));
}

/// A Pardot-style profile of 10 criteria.
scoring_policy grade() {
    grade_profile p;
    p.name = "b2b";
    for (int k = 0; k < 10; ++k)
        p.criteria.push_back({"", condition::at_least("g" + std::to_string(k), 100.0 * k), k % 2 == 0 ? 3 : -2});
    return grade_policy(std::move(p));
}

/// Frequency tables built from the generated CRM's closed leads: 8 teams, the standard funnel, 6 variables.
scoring_policy frequency() {
    frequency_definition d;
    d.stages = frequency_stages(funnel::standard());
    d.variables = {{"source"}, {"industry"}, {"country"}, {"newsletter"}, {"job_title"}, {"party"}};
    d.lost_stage_field = "lost_stage";
    return frequency_policy(frequency_tables::build(std::move(d), crm().leads.view()));
}

/// The logistic model above with an isotonic-style map of 200 knots.
scoring_policy calibrated() {
    std::vector<double> x, y;
    for (int k = 0; k < 200; ++k) {
        x.push_back(k / 199.0);
        y.push_back(std::pow(k / 199.0, 1.5));
    }
    return calibrated_policy(logistic(), calibration_map::piecewise_linear(std::move(x), std::move(y)));
}

/// A fit × engagement grid over the grade and points policies.
scoring_policy grid() {
    return grid_policy(grid_axis{"fit", grade(), {1.5, 2.5, 3.5}, {"D", "C", "B", "A"}},
                       grid_axis{"engagement", points(), {5, 15, 30}, {"4", "3", "2", "1"}});
}

/// Hysteresis around the hottest of the purchase timeframe and score bands.
temperature_policy temperature() {
    return hysteresis_policy(hottest_of({{"timeframe", purchase_timeframe_policy()},
                                         {"score", score_band_policy(score_bands{score_scale::points, 40, 70})}}),
                             hysteresis_rule{5.0, 3});
}

/// 50 territory rules (a country list and a score threshold each) over a capacity-weighted rotation.
routing_policy routing() {
    routing_rules r;
    for (int k = 0; k < 50; ++k) {
        std::vector<attribute_value> countries;
        for (int c = 0; c < 4; ++c) countries.emplace_back("C" + std::to_string(4 * k + c));
        r.rules.push_back({"territory " + std::to_string(k),
                           {condition::one_of("country", std::move(countries)), condition::at_least("p_won", 0.01 * k)},
                           route_target::team("team_" + std::to_string(k % 8))});
    }
    r.fallback = route_target::queue("inbox");
    weighted_options w;
    w.probability_field = "p_won";
    return rule_policy<weighted_policy>(std::move(r), weighted_policy(w));
}

/// Saves `make()` (built once, outside the timing) to a memory stream: archive bytes per second.
template <class T>
void model_save(benchmark::State& state, T (*make)(), archive_format format) {
    const T model = make();
    memory_buf buf(1 << 20);
    std::ostream out(&buf);
    for (auto _ : state) {
        buf.clear_for_write();
        save_archive(out, model, format);
        benchmark::ClobberMemory();
    }
    state.SetLabel(std::string(to_string(format)));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
    state.counters["archive_bytes"] = static_cast<double>(buf.size());
}

/// Loads what model_save writes, into a value of the type-erased kind: archive bytes per second.
template <class T>
void model_load(benchmark::State& state, T (*make)(), archive_format format) {
    memory_buf buf(1 << 20);
    {
        std::ostream out(&buf);
        save_archive(out, make(), format);
    }
    T back;
    for (auto _ : state) {
        buf.rewind_for_read();
        std::istream in(&buf);
        load_archive(in, back, format, "bench");
        benchmark::DoNotOptimize(back);
    }
    state.SetLabel(std::string(to_string(format)));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
    state.counters["archive_bytes"] = static_cast<double>(buf.size());
}

/// BM_archive_model_save/<model>/<format> and BM_archive_model_load/<model>/<format> for every model.
template <class T>
void register_model(const std::string& name, T (*make)()) {
    for (const auto format : {archive_format::text, archive_format::xml, archive_format::binary}) {
        const std::string suffix = "/" + name + "/" + std::string(to_string(format));
        benchmark::RegisterBenchmark(("BM_archive_model_save" + suffix).c_str(),
                                     [=](benchmark::State& s) { model_save(s, make, format); })
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(("BM_archive_model_load" + suffix).c_str(),
                                     [=](benchmark::State& s) { model_load(s, make, format); })
            ->Unit(benchmark::kMicrosecond);
    }
}

scoring_policy logistic_model_policy() { return logistic(); }

const bool models_registered = [] {
    register_model("points", points);
    register_model("grade", grade);
    register_model("logistic", logistic_model_policy);
    register_model("frequency", frequency);
    register_model("calibrated", calibrated);
    register_model("grid", grid);
    register_model("temperature", temperature);
    register_model("routing", routing);
    return true;
}();

} // namespace bench_archive
} // namespace
