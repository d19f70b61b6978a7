// Archives: saving and loading a generated CRM's lead table in text, XML and binary, as bytes per second of the
// table's column data, next to the baseline of writing (reading) the same column bytes to (from) a memory stream;
// and saving and loading a logistic model. (A frequency-table model is not measured yet: tables built from the
// generated CRM need a definition of its lost stages, which frequency_tables::build refused as written.)
//
// The table has 1 M leads by default (a 10 M-lead table takes minutes per text or XML iteration and several GB
// on a 2-core VM); LEADSCORE_BENCH_ARCHIVE_LEADS=10000000 runs the 10 M-lead table:
//   LEADSCORE_BENCH_ARCHIVE_LEADS=10000000 leadscore_bench --benchmark_filter=archive_table --benchmark_min_time=1x
// Streams are memory buffers reserved once, so the figures are the archive code's, not a file system's.
#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/sim/generator.hpp"

#include <benchmark/benchmark.h>

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

using namespace leadscore;

namespace {

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
    memory_buf buf(raw * 8);
    std::ostream out(&buf);
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
    memory_buf buf(raw * 8);
    {
        std::ostream out(&buf);
        save_archive(out, table, format);
    }
    lead_table back(schema{});
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
        Eigen::VectorXd w(static_cast<Eigen::Index>(e.width()));
        for (Eigen::Index k = 0; k < w.size(); ++k)
            w[k] = (static_cast<double>(mix(static_cast<std::uint64_t>(k)) >> 11) * 0x1.0p-53 - 0.5) * 0.4;
        return logistic_policy(logistic_model{std::move(e), std::move(w), -1.5});
    }();
    return p;
}

template <class P>
void model_save(benchmark::State& state, const P& policy) {
    const auto format = static_cast<archive_format>(state.range(0));
    memory_buf buf(1 << 20);
    std::ostream out(&buf);
    for (auto _ : state) {
        buf.clear_for_write();
        save_archive(out, policy, format);
        benchmark::ClobberMemory();
    }
    state.SetLabel(std::string(to_string(format)));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
    state.counters["archive_bytes"] = static_cast<double>(buf.size());
}

template <class P>
void model_load(benchmark::State& state, const P& policy, P back) {
    const auto format = static_cast<archive_format>(state.range(0));
    memory_buf buf(1 << 20);
    {
        std::ostream out(&buf);
        save_archive(out, policy, format);
    }
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

void BM_archive_logistic_save(benchmark::State& state) { model_save(state, logistic()); }
void BM_archive_logistic_load(benchmark::State& state) {
    model_load(state, logistic(), logistic_policy(logistic_model{}));
}

#define LEADSCORE_ARCHIVE_FORMATS(b)                                                                                   \
    BENCHMARK(b)                                                                                                       \
        ->ArgName("format")                                                                                            \
        ->Arg(static_cast<int>(archive_format::text))                                                                  \
        ->Arg(static_cast<int>(archive_format::xml))                                                                   \
        ->Arg(static_cast<int>(archive_format::binary))                                                                \
        ->Unit(benchmark::kMicrosecond)
LEADSCORE_ARCHIVE_FORMATS(BM_archive_logistic_save);
LEADSCORE_ARCHIVE_FORMATS(BM_archive_logistic_load);
#undef LEADSCORE_ARCHIVE_FORMATS

} // namespace
