// The logistic-regression policy: leads per second over a CRM's own arrays (a zero-copy table_view), against
//   - a baseline that streams the same 16 columns through the same batch engine and sums them,
//   - Eigen's dense matrix-vector product over the one-hot-expanded rows (what scoring through a design matrix
//     costs), and over a dense matrix of the same 16 values a lead,
//   - the one-lead form called row by row.
//
// Data: 8 numeric columns (2 % missing) and 8 categorical ones of 4 to 50 values (3 % missing); the model has a
// standardized feature with a missing indicator per numeric, and per categorical a vocabulary of all but one value
// (the last is unknown and encodes to zeros) plus a missing feature: 168 features. Lead i depends on i alone, so a
// smaller case scores a prefix of the same data, built once per process (1 Mi leads, or 10 M when asked for).
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/logistic.hpp"

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace {
namespace bench_logistic {

using namespace leadscore;

constexpr std::size_t numerics = 8, categoricals = 8;
constexpr std::array<std::int32_t, categoricals> cardinality{4, 6, 8, 12, 16, 24, 32, 50};
const timestamp as_of = from_seconds(1798761600); // 2027-01-01

/// "n3", "v12": built by appending (GCC 12 warns falsely about "n" + std::to_string(j) at -O3).
std::string name(char prefix, std::size_t j) {
    std::string s(1, prefix);
    s += std::to_string(j);
    return s;
}

std::uint64_t mix(std::uint64_t x) noexcept { // splitmix64's finalizer
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

struct dataset {
    schema fields;
    std::size_t rows;
    std::vector<std::vector<double>> numbers;
    std::vector<std::vector<std::int32_t>> codes;
    std::vector<dictionary> dicts;
    table_view view;

    static schema make_schema() {
        schema s;
        for (std::size_t j = 0; j < numerics; ++j) s.add({name('n', j), field_type::numeric, field_role::none});
        for (std::size_t j = 0; j < categoricals; ++j)
            s.add({name('c', j), field_type::categorical, field_role::none});
        return s;
    }

    explicit dataset(std::size_t n)
        : fields(make_schema()), rows(n), numbers(numerics, std::vector<double>(n)),
          codes(categoricals, std::vector<std::int32_t>(n)), dicts(categoricals) {
        for (std::size_t j = 0; j < categoricals; ++j)
            for (std::int32_t v = 0; v < cardinality[j]; ++v) dicts[j].intern(name('v', static_cast<std::size_t>(v)));
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j < numerics; ++j) {
                const std::uint64_t h = mix(i * 64 + j);
                const double unit = static_cast<double>(h >> 11) * 0x1.0p-53; // [0, 1)
                numbers[j][i] = h % 50 == 0 ? std::numeric_limits<double>::quiet_NaN()
                                            : unit * 100.0 * static_cast<double>(j + 1);
            }
            for (std::size_t j = 0; j < categoricals; ++j) {
                const std::uint64_t h = mix(i * 64 + 32 + j);
                const auto values = static_cast<std::uint64_t>(cardinality[j]);
                codes[j][i] = h % 100 < 3 ? missing_code : static_cast<std::int32_t>((h >> 8) % values);
            }
        }
        view = table_view(fields, n);
        for (std::size_t j = 0; j < numerics; ++j) view.set_numeric(j, numbers[j]);
        for (std::size_t j = 0; j < categoricals; ++j) view.set_categorical(numerics + j, codes[j], dicts[j]);
    }
};

constexpr std::size_t small_rows = std::size_t{1} << 20;

/// The data for n leads: a prefix of the 1 Mi-lead set, or of a 10 M-lead set made on first use.
table_view data(std::size_t n) {
    static std::unique_ptr<dataset> small, large;
    auto& d = n <= small_rows ? small : large;
    if (!d) d = std::make_unique<dataset>(n <= small_rows ? small_rows : std::size_t{10'000'000});
    return d->view.rows_between(0, n);
}

logistic_policy model() {
    std::vector<feature_spec> specs;
    for (std::size_t j = 0; j < numerics; ++j) {
        const double k = static_cast<double>(j + 1); // column j is uniform on [0, 100 k): mean 50 k, sd 29 k
        specs.push_back(numeric_feature{.field = name('n', j), .center = 50.0 * k, .scale = 29.0 * k,
                                        .impute = 50.0 * k, .missing_indicator = true});
    }
    for (std::size_t j = 0; j < categoricals; ++j) {
        categorical_feature c{.field = name('c', j), .missing_feature = true};
        for (std::int32_t v = 0; v + 1 < cardinality[j]; ++v)
            c.vocabulary.push_back(name('v', static_cast<std::size_t>(v)));
        specs.push_back(std::move(c));
    }
    feature_encoder e(std::move(specs));
    std::vector<double> w(e.width());
    for (std::size_t k = 0; k < w.size(); ++k)
        w[k] = (static_cast<double>(mix(static_cast<std::uint64_t>(k) + 7777) >> 11) * 0x1.0p-53 - 0.5) * 0.4;
    return logistic_policy(logistic_model{std::move(e), std::move(w), -1.5});
}

const logistic_policy& policy() {
    static const logistic_policy p = model();
    return p;
}

batch_options options(const benchmark::State& state) {
    return batch_options{.as_of = as_of, .threads = static_cast<unsigned>(state.range(1))};
}

void report(benchmark::State& state, std::size_t n) {
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(n * (numerics * 8 + categoricals * 4)));
}

void BM_logistic_score(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    std::vector<double> out(n);
    for (auto _ : state) {
        score_batch(policy(), v, out, options(state));
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    report(state, n);
    state.counters["features"] = static_cast<double>(policy().encoder().width());
}

/// Baseline: a policy whose batch form sums the same 16 columns into the output, column by column.
struct stream_sum {
    score_scale scale() const { return score_scale::points; }
    struct scorer {
        std::array<const double*, numerics> x;
        std::array<const std::int32_t*, categoricals> c;
        double score(std::size_t r) const {
            double s = 0;
            for (const auto* col : x) s += col[r];
            for (const auto* col : c) s += col[r];
            return s;
        }
        void score_batch(std::size_t first, std::span<double> out) const {
            double* o = out.data();
            const std::size_t n = out.size();
            for (std::size_t i = 0; i < n; ++i) o[i] = 0;
            for (const auto* col : x)
                for (std::size_t i = 0; i < n; ++i) o[i] += col[first + i];
            for (const auto* col : c)
                for (std::size_t i = 0; i < n; ++i) o[i] += col[first + i];
        }
    };
    scorer bind(const table_view& v, timestamp) const {
        scorer s{};
        for (std::size_t j = 0; j < numerics; ++j) s.x[j] = v.numeric(j).data();
        for (std::size_t j = 0; j < categoricals; ++j) s.c[j] = v.codes(numerics + j).data();
        return s;
    }
};
static_assert(ScoringPolicy<stream_sum> && BatchScorer<scorer_t<stream_sum>>);

void BM_logistic_baseline_stream(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    std::vector<double> out(n);
    for (auto _ : state) {
        score_batch(stream_sum{}, v, out, options(state));
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    report(state, n);
}

/// Eigen baseline: X·w over the one-hot-expanded rows (168 doubles a lead, built outside the timing).
void BM_logistic_eigen_onehot(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    const std::vector<double> rows = policy().encoder().bind(v, as_of).encode_rows(0, n);
    const auto width = static_cast<Eigen::Index>(policy().encoder().width());
    const Eigen::Map<const Eigen::MatrixXd> x(rows.data(), static_cast<Eigen::Index>(n), width);
    const Eigen::Map<const Eigen::VectorXd> w(policy().weights().data(), width);
    Eigen::VectorXd z(static_cast<Eigen::Index>(n));
    for (auto _ : state) {
        z.noalias() = x * w;
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(n * static_cast<std::size_t>(x.cols()) * 8));
}

/// Eigen baseline: X·w over a dense n × 16 matrix of the same values (codes as doubles).
void BM_logistic_eigen_dense16(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    Eigen::MatrixXd x(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(numerics + categoricals));
    for (std::size_t j = 0; j < numerics; ++j)
        for (std::size_t i = 0; i < n; ++i)
            x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v.numeric(j)[i];
    for (std::size_t j = 0; j < categoricals; ++j)
        for (std::size_t i = 0; i < n; ++i)
            x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(numerics + j)) = v.codes(numerics + j)[i];
    const Eigen::VectorXd w = Eigen::VectorXd::Constant(x.cols(), 0.01);
    Eigen::VectorXd z(static_cast<Eigen::Index>(n));
    for (auto _ : state) {
        z.noalias() = x * w;
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(n * 16 * 8));
}

/// The one-lead form, row by row on one thread, to show what the batch form saves.
void BM_logistic_one_lead(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    std::vector<double> out(n);
    for (auto _ : state) {
        const auto s = policy().bind(v, as_of);
        for (std::size_t r = 0; r < n; ++r) out[r] = s.score(r);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    report(state, n);
}

/// Binding alone (resolving fields, building the per-code tables), which every batch pays once.
void BM_logistic_bind(benchmark::State& state) {
    const auto v = data(1 << 10);
    for (auto _ : state) {
        auto s = policy().bind(v, as_of);
        benchmark::DoNotOptimize(&s);
    }
    state.SetItemsProcessed(state.iterations());
}

/// The encoder building a design matrix, as training does.
void BM_encoder_encode_rows(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    const auto b = policy().encoder().bind(v, as_of);
    std::vector<double> x(n * b.width());
    for (auto _ : state) {
        b.encode_rows(0, n, x);
        benchmark::DoNotOptimize(x.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

void sizes_and_threads(benchmark::internal::Benchmark* b) {
    b->ArgNames({"leads", "threads"})
        ->ArgsProduct({{1 << 10, 1 << 14, 1 << 20, 10'000'000}, {1, 2}})
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_logistic_score)->Apply(sizes_and_threads);
BENCHMARK(BM_logistic_baseline_stream)->Apply(sizes_and_threads);
BENCHMARK(BM_logistic_eigen_onehot)->ArgName("leads")->Arg(1 << 10)->Arg(1 << 14)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_logistic_eigen_dense16)
    ->ArgName("leads")
    ->Arg(1 << 10)
    ->Arg(1 << 14)
    ->Arg(1 << 20)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_logistic_one_lead)->ArgName("leads")->Arg(1 << 14)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_logistic_bind)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encoder_encode_rows)->ArgName("leads")->Arg(1 << 14)->Unit(benchmark::kMicrosecond);

} // namespace bench_logistic
} // namespace
