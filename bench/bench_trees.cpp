// The gradient-boosted trees policy: leads per second for 300 trees of depth 6 over 16 inputs (8 numeric with 10 %
// missing values, 8 categorical of 20 values with 3 % missing; every split has a random default direction; 70 % of
// the splits on a categorical input are category-set splits), against
//   - the reference: predict_margin row by row over the same input values (the per-row traversal the scorer had),
//   - Eigen's dense matrix-vector product over an n × 16 matrix of the same values (reading the data once: the floor
//     any scorer pays),
//   - reading the input values alone (scorer::values, the first step of every block).
// Also: the block size of the traversal (BM_trees_block, which chose detail::tree_score_rows) and binding (which
// lays the model out). Lead i depends on i alone; the data are built once per process (1 Mi leads, or 10 M when asked).
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/trees.hpp"

#include "scoring/tree_scorer.hpp" // the block kernel, to measure block sizes

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace {
namespace bench_trees {

using namespace leadscore;

constexpr std::size_t numerics = 8, categoricals = 8, categories = 20, trees = 300, depth = 6;
const timestamp as_of = from_seconds(1798761600); // 2027-01-01

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

double unit(std::uint64_t h) noexcept { return static_cast<double>(h >> 11) * 0x1.0p-53; } // [0, 1)

struct dataset {
    schema fields;
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
        : fields(make_schema()), numbers(numerics, std::vector<double>(n)),
          codes(categoricals, std::vector<std::int32_t>(n)), dicts(categoricals) {
        for (std::size_t j = 0; j < categoricals; ++j)
            for (std::size_t v = 0; v < categories; ++v) dicts[j].intern(name('v', v));
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j < numerics; ++j) {
                const std::uint64_t h = mix(i * 64 + j);
                numbers[j][i] = h % 10 == 0 ? std::numeric_limits<double>::quiet_NaN() : unit(h) * 100.0;
            }
            for (std::size_t j = 0; j < categoricals; ++j) {
                const std::uint64_t h = mix(i * 64 + 32 + j);
                codes[j][i] = h % 100 < 3 ? missing_code : static_cast<std::int32_t>((h >> 8) % categories);
            }
        }
        view = table_view(fields, n);
        for (std::size_t j = 0; j < numerics; ++j) view.set_numeric(j, numbers[j]);
        for (std::size_t j = 0; j < categoricals; ++j) view.set_categorical(numerics + j, codes[j], dicts[j]);
    }
};

constexpr std::size_t small_rows = std::size_t{1} << 20;

table_view data(std::size_t n) {
    static std::unique_ptr<dataset> small, large;
    auto& d = n <= small_rows ? small : large;
    if (!d) d = std::make_unique<dataset>(n <= small_rows ? small_rows : std::size_t{10'000'000});
    return d->view.rows_between(0, n);
}

/// Complete trees of depth 6; thresholds spread over the values so that every path is taken.
tree_ensemble make_model() {
    tree_ensemble m;
    for (std::size_t j = 0; j < numerics; ++j) {
        tree_input in;
        in.field = name('n', j);
        m.inputs.push_back(in);
    }
    for (std::size_t j = 0; j < categoricals; ++j) {
        tree_input in;
        in.type = tree_input::kind::categorical;
        in.field = name('c', j);
        for (std::size_t v = categories; v-- > 0;) in.categories.push_back(name('v', v)); // positions ≠ codes
        m.inputs.push_back(in);
    }
    m.base_score = -1.25f;
    std::uint64_t seed = 1;
    const auto next = [&] { return mix(seed++); };
    for (std::size_t t = 0; t < trees; ++t) {
        decision_tree tree;
        tree.nodes.emplace_back();
        std::deque<std::pair<std::uint32_t, std::size_t>> open{{0u, 0}};
        while (!open.empty()) {
            const auto [n, level] = open.front();
            open.pop_front();
            tree_node node;
            node.cover = static_cast<float>(1 + unit(next()) * 100);
            if (level == depth) {
                node.value = static_cast<float>((unit(next()) - 0.5) * 0.2);
                tree.nodes[n] = node;
                continue;
            }
            const std::size_t i = next() % (numerics + categoricals);
            node.input = static_cast<std::int32_t>(i);
            node.default_left = next() % 2 == 0;
            node.gain = static_cast<float>(unit(next()));
            if (i >= numerics && next() % 10 < 7) {
                node.categorical = true;
                node.categories = static_cast<std::uint32_t>(tree.category_bits.size());
                tree.category_bits.push_back(1);
                tree.category_bits.push_back(static_cast<std::uint32_t>(next() & ((1u << categories) - 1)));
            } else {
                node.value = static_cast<float>(unit(next()) * (i < numerics ? 100.0 : double(categories)));
            }
            node.left = static_cast<std::uint32_t>(tree.nodes.size());
            tree.nodes.resize(tree.nodes.size() + 2);
            tree.nodes[n] = node;
            open.emplace_back(node.left, level + 1);
            open.emplace_back(node.left + 1, level + 1);
        }
        m.trees.push_back(std::move(tree));
    }
    return m;
}

const tree_ensemble_policy& policy() {
    static const tree_ensemble_policy p(make_model());
    return p;
}

void report(benchmark::State& state, std::size_t n) {
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
    state.counters["trees"] = static_cast<double>(trees);
}

void BM_trees_score_batch(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    std::vector<double> out(n);
    const batch_options o{.as_of = as_of, .threads = static_cast<unsigned>(state.range(1))};
    for (auto _ : state) {
        score_batch(policy(), v, out, o);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    report(state, n);
}

/// The reference: each row's values, then predict_margin and the sigmoid, row by row on one thread.
void BM_trees_reference(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    const auto s = policy().bind(v, as_of);
    std::vector<double> out(n);
    std::vector<float> x(numerics + categoricals);
    for (auto _ : state) {
        for (std::size_t r = 0; r < n; ++r) {
            s.values(r, 1, x);
            out[r] = 1 / (1 + std::exp(-static_cast<double>(predict_margin(policy().model(), x))));
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    report(state, n);
}

/// The one-lead form row by row (binding once).
void BM_trees_one_lead(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    const auto s = policy().bind(v, as_of);
    std::vector<double> out(n);
    for (auto _ : state) {
        for (std::size_t r = 0; r < n; ++r) out[r] = s.score(r);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    report(state, n);
}

/// Eigen baseline: X·w over a dense n × 16 matrix of the same values (codes as doubles).
void BM_trees_eigen_dense16(benchmark::State& state) {
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
}

/// Reading the input values alone, block by block, on one thread.
void BM_trees_values(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = data(n);
    const auto s = policy().bind(v, as_of);
    constexpr std::size_t block = detail::tree_score_rows, k = numerics + categoricals;
    std::vector<float> x(block * k);
    for (auto _ : state) {
        for (std::size_t first = 0; first < n; first += block) s.values(first, std::min(block, n - first), std::span<float>(x.data(), std::min(block, n - first) * k));
        benchmark::DoNotOptimize(x.data());
        benchmark::ClobberMemory();
    }
    report(state, n);
}

/// A kernel alone over blocks of range(1) rows, on one thread: the values are read once, outside the timing, and
/// kernel(flat, x, rows, margins) computes the margins of `rows` rows whose values start at x.
template <class Kernel>
void time_blocks(benchmark::State& state, const Kernel& kernel) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto block = static_cast<std::size_t>(state.range(1));
    const auto v = data(n);
    const auto s = policy().bind(v, as_of);
    constexpr std::size_t k = numerics + categoricals;
    std::vector<float> x(n * k);
    s.values(0, n, x);
    const auto flat = detail::flatten(policy().model());
    std::vector<float> m(n);
    for (auto _ : state) {
        for (std::size_t first = 0; first < n; first += block)
            kernel(flat, x.data() + first * k, std::min(block, n - first), m.data() + first);
        benchmark::DoNotOptimize(m.data());
        benchmark::ClobberMemory();
    }
    report(state, n);
}

/// The level-by-level kernel.
void BM_trees_block(benchmark::State& state) {
    std::vector<std::uint64_t> bits(static_cast<std::size_t>(state.range(1)) * (numerics + categoricals));
    time_blocks(state, [&](const detail::flat_forest& flat, const float* x, std::size_t rows, float* m) {
        detail::block_margins(flat, policy().model(), x, rows, bits.data(), m);
    });
}

/// The bit-sliced kernel (AVX-512).
void BM_trees_block_sliced(benchmark::State& state) {
    if (!detail::sliced_kernel_available()) {
        state.SkipWithError("no AVX-512 on this processor");
        return;
    }
    detail::sliced_scratch scratch(numerics + categoricals);
    time_blocks(state, [&](const detail::flat_forest& flat, const float* x, std::size_t rows, float* m) {
        detail::block_margins_sliced(flat, policy().model(), x, rows, scratch, m);
    });
}

/// The same layout walked row by row (each row down the whole tree before the next; the core overlaps rows only as
/// far as its out-of-order window reaches): the alternative loop order to detail::block_margins' level by level.
void margins_row_by_row(const detail::flat_forest& flat, const tree_ensemble& model, const float* values,
                        std::size_t rows, std::uint64_t* bits, float* margin) {
    const std::size_t k = model.inputs.size();
    for (std::size_t r = 0; r < rows; ++r) {
        margin[r] = model.base_score;
        for (std::size_t j = 0; j < k; ++j) {
            const float x = values[r * k + j];
            bits[r * k + j] = x != x ? std::uint64_t{1} << 63
                                     : (flat.small_categorical[j] ? std::uint64_t{1} << static_cast<unsigned>(x) : 0);
        }
    }
    for (const auto& ft : flat.trees) {
        const float* th = flat.threshold.data() + ft.first_split;
        const std::uint32_t* in = flat.input.data() + ft.first_split;
        const std::uint64_t* mk = flat.mask.data() + ft.first_split;
        const float* lv = flat.leaf.data() + ft.first_leaf - ((std::size_t{1} << ft.depth) - 1);
        for (std::size_t r = 0; r < rows; ++r) {
            std::uint32_t i = 0;
            const float* x = values + r * k;
            const std::uint64_t* b = bits + r * k;
            for (std::uint32_t l = 0; l < ft.depth; ++l)
                i = 2 * i + 1 + static_cast<std::uint32_t>((x[in[i]] >= th[i]) | ((b[in[i]] & mk[i]) != 0));
            margin[r] += lv[i];
        }
    }
}

/// BM_trees_block's traversal in the other loop order (every tree of this model is padded).
void BM_trees_block_row_by_row(benchmark::State& state) {
    std::vector<std::uint64_t> bits(static_cast<std::size_t>(state.range(1)) * (numerics + categoricals));
    time_blocks(state, [&](const detail::flat_forest& flat, const float* x, std::size_t rows, float* m) {
        margins_row_by_row(flat, policy().model(), x, rows, bits.data(), m);
    });
}

/// Binding: resolving the fields and laying out the 300 trees.
void BM_trees_bind(benchmark::State& state) {
    const auto v = data(1 << 10);
    for (auto _ : state) {
        auto s = policy().bind(v, as_of);
        benchmark::DoNotOptimize(&s);
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_trees_score_batch)
    ->ArgNames({"leads", "threads"})
    ->ArgsProduct({{1 << 14, 1 << 20, 10'000'000}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_trees_reference)->ArgName("leads")->Arg(1 << 14)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_trees_one_lead)->ArgName("leads")->Arg(1 << 14)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_trees_eigen_dense16)->ArgName("leads")->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_trees_values)->ArgName("leads")->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_trees_block)
    ->ArgNames({"leads", "block"})
    ->ArgsProduct({{1 << 16}, {32, 64, 128, 256}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_trees_block_sliced)
    ->ArgNames({"leads", "block"})
    ->ArgsProduct({{1 << 16}, {64, 128, 256}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_trees_block_row_by_row)
    ->ArgNames({"leads", "block"})
    ->ArgsProduct({{1 << 16}, {64, 128, 256}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_trees_bind)->Unit(benchmark::kMicrosecond);

} // namespace bench_trees
} // namespace
