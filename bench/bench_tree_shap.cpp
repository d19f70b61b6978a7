// TreeSHAP for tree ensembles: leads explained per second on a seeded random model of 300 full trees of depth 6 over
// 16 inputs (8 numeric with 2 % missing, 8 categorical of 4 to 50 values with 3 % missing; 64 leaves a tree), one lead
// at a time (contributions), 64 at a time (contributions_batch) and as mean |SHAP| on 1 and 2 threads, against
//   - the reference walk (Algorithm 2 of Lundberg et al. 2018, predict_contributions) over the same rows, reading the
//     values as the scorer does: what the scorer's precomputed per-leaf weights save;
//   - scoring the same rows one by one (margin): what explaining a lead costs next to scoring it;
//   - the scorer's first call, which builds the per-leaf weights (items = models).
// XGBoost 1.7's pred_contribs is compared in one run by bench/xgboost_trees_reference.py (see docs/scoring.md).
#include "leadscore/scoring/trees.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace {
namespace bench_tree_shap {

using namespace leadscore;

constexpr std::size_t numerics = 8, categoricals = 8, trees = 300, depth = 6;
constexpr std::array<std::uint32_t, categoricals> cardinality{4, 6, 8, 12, 16, 24, 32, 50};

std::string name(char prefix, std::size_t j) { // appended: GCC 12 warns falsely about "n" + std::to_string(j)
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

// Numeric input j takes values in [0, 100 (j + 1)); categorical input j is categorical field c<j>.
tree_ensemble make_model() {
    tree_ensemble m;
    for (std::size_t j = 0; j < numerics; ++j) m.inputs.push_back({.field = name('n', j)});
    for (std::size_t j = 0; j < categoricals; ++j) {
        tree_input in{.type = tree_input::kind::categorical, .field = name('c', j)};
        for (std::uint32_t v = 0; v < cardinality[j]; ++v) in.categories.push_back(name('v', v));
        m.inputs.push_back(std::move(in));
    }
    m.base_score = -1.2f;
    std::uint64_t seed = 1;
    for (std::size_t t = 0; t < trees; ++t) {
        decision_tree tree;
        tree.nodes.resize((std::size_t{2} << depth) - 1);
        tree.nodes[0].cover = 1000;
        // Breadth first: the children of node n are 2n + 1 and 2n + 2.
        for (std::size_t n = 0; n < tree.nodes.size(); ++n) {
            auto& node = tree.nodes[n];
            const std::uint64_t h = mix(seed++);
            if (2 * n + 1 >= tree.nodes.size()) {
                node.value = static_cast<float>(unit(h) * 0.2 - 0.1);
                continue;
            }
            const std::size_t input = h % (numerics + categoricals);
            node.input = static_cast<std::int32_t>(input);
            node.left = static_cast<std::uint32_t>(2 * n + 1);
            node.default_left = (h >> 8) & 1;
            node.gain = 1;
            if (input < numerics) {
                node.value = static_cast<float>(unit(mix(h)) * 100.0 * static_cast<double>(input + 1));
            } else {
                node.categorical = true;
                node.categories = static_cast<std::uint32_t>(tree.category_bits.size());
                const std::uint32_t words = (cardinality[input - numerics] + 31) / 32;
                tree.category_bits.push_back(words);
                for (std::uint32_t w = 0; w < words; ++w) tree.category_bits.push_back(static_cast<std::uint32_t>(mix(h + w)));
            }
            const double share = 0.1 + 0.8 * unit(mix(h ^ 0x5555));
            tree.nodes[2 * n + 1].cover = static_cast<float>(node.cover * share);
            tree.nodes[2 * n + 2].cover = node.cover - tree.nodes[2 * n + 1].cover;
        }
        m.trees.push_back(std::move(tree));
    }
    return m;
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
            for (std::uint32_t v = 0; v < cardinality[j]; ++v) dicts[j].intern(name('v', v));
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j < numerics; ++j) {
                const std::uint64_t h = mix(i * 64 + j + 1000000);
                numbers[j][i] = h % 50 == 0 ? std::numeric_limits<double>::quiet_NaN()
                                            : unit(h) * 100.0 * static_cast<double>(j + 1);
            }
            for (std::size_t j = 0; j < categoricals; ++j) {
                const std::uint64_t h = mix(i * 64 + 32 + j + 1000000);
                codes[j][i] = h % 100 < 3 ? missing_code : static_cast<std::int32_t>((h >> 8) % cardinality[j]);
            }
        }
        view = table_view(fields, n);
        for (std::size_t j = 0; j < numerics; ++j) view.set_numeric(j, numbers[j]);
        for (std::size_t j = 0; j < categoricals; ++j) view.set_categorical(numerics + j, codes[j], dicts[j]);
    }
};

constexpr std::size_t data_rows = 2000;

const tree_ensemble_policy& policy() {
    static const tree_ensemble_policy p(make_model());
    return p;
}

const dataset& data() {
    static const dataset d(data_rows);
    return d;
}

const tree_ensemble_policy::scorer& bound() { // built once, its weights too
    static const auto s = [] {
        auto b = policy().bind(data().view, from_seconds(0));
        std::vector<double> phi(numerics + categoricals + 1);
        b.contributions(0, phi);
        return b;
    }();
    return s;
}

void BM_trees_contributions(benchmark::State& state) {
    const auto& s = bound();
    const auto rows = static_cast<std::size_t>(state.range(0));
    std::vector<double> phi(numerics + categoricals + 1);
    for (auto _ : state) {
        for (std::size_t r = 0; r < rows; ++r) {
            s.contributions(r, phi);
            benchmark::DoNotOptimize(phi.data());
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_trees_contributions)->Arg(data_rows)->ArgName("leads")->Unit(benchmark::kMillisecond);

// The batch form: 64 rows at a time, tree by tree.
void BM_trees_contributions_batch(benchmark::State& state) {
    const auto& s = bound();
    const auto rows = static_cast<std::size_t>(state.range(0));
    std::vector<double> phi(rows * (numerics + categoricals + 1));
    for (auto _ : state) {
        s.contributions_batch(0, phi);
        benchmark::DoNotOptimize(phi.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_trees_contributions_batch)->Arg(data_rows)->ArgName("leads")->Unit(benchmark::kMillisecond);

// Baseline: the same rows through the reference walk, with the values read as the scorer reads them.
void BM_trees_contributions_walk(benchmark::State& state) {
    const auto& s = bound();
    const auto rows = static_cast<std::size_t>(state.range(0));
    std::vector<double> phi(numerics + categoricals + 1);
    std::vector<float> x(numerics + categoricals);
    for (auto _ : state) {
        for (std::size_t r = 0; r < rows; ++r) {
            s.values(r, 1, x);
            predict_contributions(policy().model(), x, phi);
            benchmark::DoNotOptimize(phi.data());
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_trees_contributions_walk)->Arg(data_rows / 4)->ArgName("leads")->Unit(benchmark::kMillisecond);

// Baseline: scoring the same rows one by one.
void BM_trees_contributions_margin(benchmark::State& state) {
    const auto& s = bound();
    const auto rows = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        for (std::size_t r = 0; r < rows; ++r) benchmark::DoNotOptimize(s.margin(r));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_trees_contributions_margin)->Arg(data_rows)->ArgName("leads")->Unit(benchmark::kMillisecond);

// Mean |SHAP| over the rows on 1 and 2 threads.
void BM_trees_mean_abs_contributions(benchmark::State& state) {
    const auto& s = bound();
    std::vector<std::size_t> rows(data_rows);
    for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = r;
    const batch_options options{.threads = static_cast<unsigned>(state.range(0))};
    for (auto _ : state) benchmark::DoNotOptimize(mean_abs_contributions(s, rows, options));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows.size()));
}
BENCHMARK(BM_trees_mean_abs_contributions)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

// The first contributions call on a fresh binding: the per-leaf weights of 300 trees, built once per scorer.
void BM_trees_contributions_first_call(benchmark::State& state) {
    std::vector<double> phi(numerics + categoricals + 1);
    for (auto _ : state) {
        const auto s = policy().bind(data().view, from_seconds(0));
        s.contributions(0, phi);
        benchmark::DoNotOptimize(phi.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_trees_contributions_first_call)->Unit(benchmark::kMillisecond);

} // namespace bench_tree_shap
} // namespace
