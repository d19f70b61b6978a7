// CSV import and export speed, read against an in-binary baseline that only scans the same bytes.

#include "leadscore/io/csv.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

namespace {
namespace bench_csv {

/// splitmix64: a fixed, platform-independent stream, so every run parses the same bytes.
struct splitmix {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
};

constexpr std::size_t csv_rows = 500'000; // about 50 MB

/// Lead-like rows: an integer id, five categoricals with small vocabularies (some values need quotes), six
/// numerics (integers, decimals, a column with missing values) and a yes/no outcome.
const std::string& mixed_csv() {
    static const std::string text = [] {
        static constexpr std::array<const char*, 10> sources{
            "referral", "webinar", "trade show", "\"email, campaign\"", "linkedin",
            "live chat", "purchased list", "\"inbound \"\"content\"\"\"", "partner", "social media"};
        static constexpr std::array<const char*, 6> stages{"suspect", "lead", "mql", "sql", "opportunity", "won"};
        static constexpr std::array<const char*, 8> teams{"north", "south", "east", "west",
                                                          "enterprise", "smb", "public sector", "partners"};
        static constexpr std::array<const char*, 12> countries{"DE", "FR", "US", "UK", "ES", "IT",
                                                               "NL", "SE", "PL", "BR", "JP", "IN"};
        static constexpr std::array<const char*, 5> industries{"software", "retail", "manufacturing", "finance",
                                                               "health care"};
        splitmix rng{42};
        std::string s = "id,source,stage,team,country,industry,score,expected_value,visits,age_days,"
                        "engagement_rate,timeframe_days,won\n";
        s.reserve(csv_rows * 110);
        for (std::size_t r = 0; r < csv_rows; ++r) {
            s += std::to_string(100000 + r);
            s += ',', s += sources[rng.below(sources.size())];
            s += ',', s += stages[rng.below(stages.size())];
            s += ',', s += teams[rng.below(teams.size())];
            s += ',', s += countries[rng.below(countries.size())];
            s += ',', s += industries[rng.below(industries.size())];
            s += ',', s += std::to_string(rng.below(100)), s += '.', s += std::to_string(rng.below(10));
            s += ',', s += std::to_string(rng.below(200000)), s += '.', s += std::to_string(10 + rng.below(90));
            s += ',', s += std::to_string(rng.below(60));
            s += ',', s += std::to_string(rng.below(1500));
            s += ",0.", s += std::to_string(1000 + rng.below(9000));
            s += ',';
            if (rng.below(4) == 0) s += "NA";
            else s += std::to_string(rng.below(365));
            s += ',', s += rng.below(5) == 0 ? "yes" : "no";
            s += '\n';
        }
        return s;
    }();
    return text;
}

void BM_csv_scan_baseline(benchmark::State& state) {
    const std::string& text = mixed_csv();
    for (auto _ : state) {
        std::size_t delimiters = 0, lines = 0;
        for (const char c : text) {
            delimiters += c == ',';
            lines += c == '\n';
        }
        benchmark::DoNotOptimize(delimiters);
        benchmark::DoNotOptimize(lines);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * csv_rows));
}
BENCHMARK(BM_csv_scan_baseline)->Unit(benchmark::kMillisecond);

void BM_csv_import(benchmark::State& state) {
    const std::string& text = mixed_csv();
    for (auto _ : state) {
        auto result = leadscore::read_csv(text);
        benchmark::DoNotOptimize(result.table.rows());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * csv_rows));
}
BENCHMARK(BM_csv_import)->Unit(benchmark::kMillisecond);

void BM_csv_import_schema(benchmark::State& state) {
    const std::string& text = mixed_csv();
    leadscore::csv_options options;
    options.fields = leadscore::read_csv(text).table.table_schema();
    for (auto _ : state) {
        auto result = leadscore::read_csv(text, options);
        benchmark::DoNotOptimize(result.table.rows());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * csv_rows));
}
BENCHMARK(BM_csv_import_schema)->Unit(benchmark::kMillisecond);

/// Copies what is written into one reused block (a stand-in for a file's page cache) and counts it, so export is
/// timed without the cost of a growing string.
class sink_buffer : public std::streambuf {
public:
    std::size_t bytes = 0;

protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        for (std::streamsize done = 0; done < n;) {
            const auto part = std::min<std::streamsize>(n - done, static_cast<std::streamsize>(block_.size()));
            std::memcpy(block_.data(), s + done, static_cast<std::size_t>(part));
            done += part;
        }
        bytes += static_cast<std::size_t>(n);
        return n;
    }
    int_type overflow(int_type c) override {
        block_[0] = static_cast<char>(c);
        ++bytes;
        return traits_type::not_eof(c);
    }

private:
    std::vector<char> block_ = std::vector<char>(std::size_t{1} << 20);
};

/// Writes the generated text itself in 1 MB chunks: the cost of moving the bytes without formatting them.
void BM_csv_export_baseline(benchmark::State& state) {
    const std::string& text = mixed_csv();
    constexpr std::size_t chunk = std::size_t{1} << 20;
    for (auto _ : state) {
        sink_buffer sink;
        std::ostream out(&sink);
        for (std::size_t at = 0; at < text.size(); at += chunk)
            out.write(text.data() + at, static_cast<std::streamsize>(std::min(chunk, text.size() - at)));
        benchmark::DoNotOptimize(sink.bytes);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * csv_rows));
}
BENCHMARK(BM_csv_export_baseline)->Unit(benchmark::kMillisecond);

void BM_csv_export(benchmark::State& state) {
    const auto table = leadscore::read_csv(mixed_csv()).table;
    std::size_t bytes = 0;
    for (auto _ : state) {
        sink_buffer sink;
        std::ostream out(&sink);
        leadscore::write_csv(out, table.view());
        bytes = sink.bytes;
        benchmark::DoNotOptimize(bytes);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * table.rows()));
}
BENCHMARK(BM_csv_export)->Unit(benchmark::kMillisecond);

} // namespace bench_csv
} // namespace
