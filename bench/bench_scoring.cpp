// The batch engine's own cost: a light policy (two numeric columns, an affine score) run directly, behind the
// type-erased scoring_policy, and with its row form only — against a baseline that streams the same bytes.
// The policy is deliberately cheap so any overhead of the engine or of type erasure shows.
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/engine.hpp"

#include <benchmark/benchmark.h>

#include <vector>

namespace {
namespace bench_scoring {

using namespace leadscore;

// The input columns and one output buffer shared by every case, so all of them touch the same addresses: a
// buffer allocated per case lands at another offset from the inputs, which alone moved results by 5 % here.
struct columns {
    schema s{std::vector<field>{{"a", field_type::numeric}, {"b", field_type::numeric}}};
    std::vector<double> a, b;
    mutable std::vector<double> out;
    explicit columns(std::size_t n) : a(n), b(n), out(n) {
        for (std::size_t i = 0; i < n; ++i) {
            a[i] = static_cast<double>(i % 1000) * 0.5;
            b[i] = static_cast<double>(i % 37);
        }
    }
    [[nodiscard]] table_view view(std::size_t n) const {
        table_view v(s, n);
        v.set_numeric(0, std::span<const double>(a).first(n));
        v.set_numeric(1, std::span<const double>(b).first(n));
        return v;
    }
};

const columns& data() {
    static const columns c(10'000'000);
    return c;
}

// score = 2a + 3b + 1, with a column-wise batch form.
struct affine_batch {
    score_scale scale() const { return score_scale::points; }
    struct scorer {
        const double* a;
        const double* b;
        double score(std::size_t r) const { return 2 * a[r] + 3 * b[r] + 1; }
        void score_batch(std::size_t first, std::span<double> out) const {
            const double* x = a + first;
            const double* y = b + first;
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = 2 * x[i] + 3 * y[i] + 1;
        }
    };
    scorer bind(const table_view& v, timestamp) const { return {v.numeric(0).data(), v.numeric(1).data()}; }
};

// The same score, row form only: the engine loops over rows itself.
struct affine_rows {
    score_scale scale() const { return score_scale::points; }
    struct scorer {
        const double* a;
        const double* b;
        double score(std::size_t r) const { return 2 * a[r] + 3 * b[r] + 1; }
    };
    scorer bind(const table_view& v, timestamp) const { return {v.numeric(0).data(), v.numeric(1).data()}; }
};

batch_options options(const benchmark::State& state) {
    batch_options o;
    o.as_of = timestamp{};
    o.threads = static_cast<unsigned>(state.range(1));
    return o;
}

template <class P>
void run(benchmark::State& state, const P& policy) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto view = data().view(n);
    const std::span<double> out = std::span<double>(data().out).first(n);
    const auto o = options(state);
    for (auto _ : state) {
        score_batch(policy, view, out, o);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * state.range(0) * 3 * static_cast<std::int64_t>(sizeof(double)));
}

void BM_engine_direct(benchmark::State& state) { run(state, affine_batch{}); }
void BM_engine_type_erased(benchmark::State& state) { run(state, scoring_policy(affine_batch{})); }
void BM_engine_row_form(benchmark::State& state) { run(state, affine_rows{}); }

// Baseline: the same bytes (read a, read b, write out) in a plain loop on the same threads and blocks, with
// no policy and no engine — what the hardware allows.
void BM_engine_baseline_stream(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const double* a = data().a.data();
    const double* b = data().b.data();
    const std::span<double> out = std::span<double>(data().out).first(n);
    double* o = out.data();
    const auto opts = options(state);
    for (auto _ : state) {
        detail::for_each_block(n, opts, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) o[i] = a[i] + b[i];
        });
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * state.range(0) * 3 * static_cast<std::int64_t>(sizeof(double)));
}

void sizes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"leads", "threads"});
    for (std::int64_t n : {1 << 10, 1 << 14, 1 << 20, 10'000'000})
        for (std::int64_t t : {1, 2}) b->Args({n, t});
    b->UseRealTime();
}

BENCHMARK(BM_engine_baseline_stream)->Apply(sizes);
BENCHMARK(BM_engine_direct)->Apply(sizes);
BENCHMARK(BM_engine_type_erased)->Apply(sizes);
BENCHMARK(BM_engine_row_form)->Apply(sizes);

} // namespace bench_scoring
} // namespace
