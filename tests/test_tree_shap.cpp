// TreeSHAP for tree ensembles: against Shapley values by brute force (every subset of the inputs, with the
// path-dependent value function EXPVALUE of Lundberg et al. 2018) on small random trees, hand-derived cases,
// additivity on a 300-tree model, the explanation, mean |SHAP| importance and bad calls.
#include "leadscore/scoring/trees.hpp"

#include <doctest/doctest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace test_tree_shap {

using namespace leadscore;

namespace {

constexpr float missing = std::numeric_limits<float>::quiet_NaN();
constexpr std::array<const char*, 5> category_texts = {"a", "b", "c", "d", "e"};

// ---- random models -------------------------------------------------------------------------------------------------

struct model_shape {
    std::size_t inputs = 4;        // every third input (1, 4, 7, …) is categorical
    std::size_t trees = 3;
    std::size_t depth = 4;         // the deepest a leaf may be
    double early_leaf = 0.2;       // the chance that a split below the root is a leaf instead
    double zero_cover = 0;         // the chance that a split sends no training row to one side
    double odd_cover = 0;          // the chance that a child's cover is not its share of its parent's
};

bool is_categorical(std::size_t input) { return input % 3 == 1; }

struct tree_builder {
    const model_shape& shape;
    std::mt19937_64& rng;
    decision_tree tree{};

    double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng); }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng() % n); }

    void grow(std::size_t n, std::size_t depth) {
        if (depth == shape.depth || (depth > 0 && uniform() < shape.early_leaf)) {
            tree.nodes[n].value = static_cast<float>(uniform() * 2 - 1);
            return;
        }
        tree_node split;
        split.cover = tree.nodes[n].cover;
        split.input = static_cast<std::int32_t>(below(shape.inputs));
        split.default_left = below(2) == 0;
        split.gain = static_cast<float>(uniform());
        if (is_categorical(static_cast<std::size_t>(split.input))) {
            split.categorical = true;
            split.categories = static_cast<std::uint32_t>(tree.category_bits.size());
            tree.category_bits.push_back(1);
            tree.category_bits.push_back(static_cast<std::uint32_t>(1 + below(30))); // some of the 5 categories
        } else {
            static constexpr std::array<float, 6> thresholds = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f};
            split.value = thresholds[below(thresholds.size())];
        }
        const auto left = static_cast<std::uint32_t>(tree.nodes.size());
        split.left = left;
        double share = 0.05 + 0.9 * uniform();
        if (uniform() < shape.zero_cover) share = below(2) == 0 ? 0.0 : 1.0;
        float left_cover = static_cast<float>(split.cover * share);
        float right_cover = split.cover - left_cover;
        if (uniform() < shape.odd_cover) left_cover *= 1.5f;
        if (uniform() < shape.odd_cover) right_cover *= 0.5f;
        tree.nodes[n] = split;
        tree.nodes.push_back(tree_node{.cover = left_cover});
        tree.nodes.push_back(tree_node{.cover = right_cover});
        grow(left, depth + 1);
        grow(left + 1, depth + 1);
    }
};

tree_ensemble random_model(const model_shape& shape, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    tree_ensemble m;
    for (std::size_t i = 0; i < shape.inputs; ++i) {
        tree_input in;
        if (is_categorical(i)) {
            in.type = tree_input::kind::categorical;
            in.field = "c" + std::to_string(i);
            for (const char* c : category_texts) in.categories.emplace_back(c);
        } else {
            in.field = "n" + std::to_string(i);
        }
        m.inputs.push_back(in);
    }
    m.base_score = static_cast<float>(std::uniform_real_distribution<double>(-1, 1)(rng));
    for (std::size_t t = 0; t < shape.trees; ++t) {
        tree_builder b{shape, rng};
        b.tree.nodes.push_back(tree_node{.cover = static_cast<float>(1 + b.below(100))});
        b.grow(0, 0);
        m.trees.push_back(std::move(b.tree));
    }
    validate(m);
    return m;
}

// Input values: numbers on a grid that meets the thresholds (ties go right), categories, and some missing.
std::vector<float> random_values(const tree_ensemble& m, std::size_t rows, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    static constexpr std::array<float, 7> grid = {-1.0f, 0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f};
    std::vector<float> x(rows * m.inputs.size());
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < m.inputs.size(); ++j) {
            float& v = x[r * m.inputs.size() + j];
            if (rng() % 5 == 0)
                v = missing;
            else if (is_categorical(j))
                v = static_cast<float>(rng() % category_texts.size());
            else
                v = grid[rng() % grid.size()];
        }
    return x;
}

// A view holding given input values: numeric inputs as numeric fields, categorical ones as codes into a dictionary
// whose codes are not the category positions (and which holds a text the model does not know).
class value_table {
public:
    value_table(const tree_ensemble& m, const std::vector<float>& x) : rows_(x.size() / m.inputs.size()) {
        const std::size_t k = m.inputs.size();
        dict_.intern("unknown");
        for (std::size_t c = category_texts.size(); c-- > 0;) dict_.intern(category_texts[c]);
        std::vector<field> fields;
        for (const auto& in : m.inputs)
            fields.push_back({in.field, in.type == tree_input::kind::categorical ? field_type::categorical
                                                                                  : field_type::numeric});
        schema_ = schema(fields);
        numbers_.resize(k);
        codes_.resize(k);
        view_ = table_view(schema_, rows_);
        for (std::size_t j = 0; j < k; ++j) {
            if (m.inputs[j].type == tree_input::kind::categorical) {
                for (std::size_t r = 0; r < rows_; ++r) {
                    const float v = x[r * k + j];
                    codes_[j].push_back(v != v ? (r % 2 ? missing_code : 0) // missing, or a text the model lacks
                                               : *dict_.find(category_texts[static_cast<std::size_t>(v)]));
                }
                view_.set_categorical(j, codes_[j], dict_);
            } else {
                for (std::size_t r = 0; r < rows_; ++r) numbers_[j].push_back(x[r * k + j]);
                view_.set_numeric(j, numbers_[j]);
            }
        }
    }
    value_table(const value_table&) = delete;
    value_table& operator=(const value_table&) = delete;
    [[nodiscard]] const table_view& view() const { return view_; }

private:
    std::size_t rows_;
    dictionary dict_;
    schema schema_;
    std::vector<std::vector<double>> numbers_;
    std::vector<std::vector<std::int32_t>> codes_;
    table_view view_;
};

// ---- brute force ---------------------------------------------------------------------------------------------------

// EXPVALUE(x, S, tree) from node n: an input in S follows the lead's branch; otherwise both children, weighted by
// cover(child) / cover(split), or 1/2 each under a split of cover 0.
double expvalue(const decision_tree& t, std::size_t n, std::span<const float> x, unsigned s) {
    const auto& node = t.nodes[n];
    if (node.input == tree_node::leaf) return node.value;
    if ((s >> node.input) & 1u)
        return expvalue(t, goes_left(t, node, x[static_cast<std::size_t>(node.input)]) ? node.left : node.left + 1, x,
                        s);
    const double c = node.cover;
    const double wl = c > 0 ? t.nodes[node.left].cover / c : 0.5;
    const double wr = c > 0 ? t.nodes[node.left + 1].cover / c : 0.5;
    return wl * expvalue(t, node.left, x, s) + wr * expvalue(t, node.left + 1, x, s);
}

// φ_j = Σ_{S ∌ j} |S|! (M − |S| − 1)! / M! (v(S ∪ {j}) − v(S)), then v(∅); v summed over the trees plus base_score.
std::vector<double> brute_force(const tree_ensemble& m, std::span<const float> x) {
    const std::size_t k = m.inputs.size();
    const unsigned sets = 1u << k;
    std::vector<double> v(sets, m.base_score);
    for (unsigned s = 0; s < sets; ++s)
        for (const auto& t : m.trees) v[s] += expvalue(t, 0, x, s);
    std::vector<double> fact(k + 1, 1.0);
    for (std::size_t i = 1; i <= k; ++i) fact[i] = fact[i - 1] * static_cast<double>(i);
    std::vector<double> phi(k + 1, 0.0);
    for (std::size_t j = 0; j < k; ++j)
        for (unsigned s = 0; s < sets; ++s) {
            if ((s >> j) & 1u) continue;
            const auto size = static_cast<std::size_t>(std::popcount(s));
            phi[j] += fact[size] * fact[k - size - 1] / fact[k] * (v[s | (1u << j)] - v[s]);
        }
    phi[k] = v[0];
    return phi;
}

// Both ways to the contributions (the reference walk and a bound scorer's tables) against the brute force.
void check_against_brute_force(const tree_ensemble& m, std::uint64_t seed, std::size_t rows) {
    const auto x = random_values(m, rows, seed + 1000);
    const value_table table(m, x);
    const auto scorer = tree_ensemble_policy(m).bind(table.view(), from_seconds(0));
    const std::size_t k = m.inputs.size();
    std::vector<float> read(k);
    std::vector<double> walked(k + 1), looked_up(k + 1);
    for (std::size_t r = 0; r < rows; ++r) {
        scorer.values(r, 1, read);
        for (std::size_t j = 0; j < k; ++j) {
            const float want = x[r * k + j];
            REQUIRE((want != want ? read[j] != read[j] : read[j] == want)); // the view holds what was generated
        }
        const auto expected = brute_force(m, read);
        predict_contributions(m, read, walked);
        scorer.contributions(r, looked_up);
        for (std::size_t j = 0; j <= k; ++j) {
            INFO("seed " << seed << ", row " << r << ", entry " << j);
            CHECK(std::abs(walked[j] - expected[j]) <= 1e-12);
            CHECK(std::abs(looked_up[j] - expected[j]) <= 1e-12);
        }
    }
}

void check_against_brute_force(const model_shape& shape, std::uint64_t seed, std::size_t rows) {
    check_against_brute_force(random_model(shape, seed), seed, rows);
}

// The decision path of a lead through a tree: the sum of |leaf| for the additivity bound.
double sum_abs_leaves(const tree_ensemble& m, std::span<const float> x) {
    double s = std::abs(double{m.base_score});
    for (const auto& t : m.trees) s += std::abs(double{t.nodes[leaf_index(t, x)].value});
    return s;
}

tree_ensemble one_split(float root_cover, float left_cover, float right_cover) {
    tree_ensemble m;
    m.inputs = {tree_input{.field = "age"}, tree_input{.field = "score"}};
    m.base_score = 0.2f;
    decision_tree t;
    t.nodes = {tree_node{.input = 0, .left = 1, .value = 1.0f, .cover = root_cover},
               tree_node{.value = 0.5f, .cover = left_cover}, tree_node{.value = -1.0f, .cover = right_cover}};
    m.trees.push_back(t);
    return m;
}

} // namespace

TEST_CASE("trees: shap equals brute-force Shapley values on small random trees") {
    SUBCASE("numeric and categorical splits, missing values, repeated inputs on a path") {
        for (std::uint64_t seed = 1; seed <= 12; ++seed)
            check_against_brute_force({.inputs = 2 + seed % 7, .trees = 3, .depth = 1 + seed % 6}, seed, 12);
    }
    SUBCASE("few inputs, deep trees: every path meets its inputs again") {
        for (std::uint64_t seed = 20; seed <= 25; ++seed)
            check_against_brute_force({.inputs = 2, .trees = 2, .depth = 6, .early_leaf = 0.1}, seed, 12);
    }
    SUBCASE("splits no training row reached (cover 0) and covers that are not their parent's share") {
        for (std::uint64_t seed = 40; seed <= 49; ++seed)
            check_against_brute_force(
                {.inputs = 3 + seed % 6, .trees = 3, .depth = 5, .zero_cover = 0.3, .odd_cover = 0.2}, seed, 12);
    }
    SUBCASE("paths through 12 distinct inputs (more than a table holds)") {
        // Chains: split i reads input i; its left child is a leaf, its right child the next split.
        auto m = random_model({.inputs = 12, .trees = 1, .depth = 2}, 60);
        std::mt19937_64 rng(61);
        for (int t = 0; t < 2; ++t) {
            decision_tree chain;
            for (std::uint32_t i = 0; i < 12; ++i) {
                const auto n = static_cast<std::uint32_t>(chain.nodes.size());
                tree_node split{.input = static_cast<std::int32_t>(t == 0 ? i : 11 - i), .left = n + 1,
                                .value = 0.5f * static_cast<float>(rng() % 5),
                                .cover = static_cast<float>(4096 >> i), .default_left = rng() % 2 == 0};
                if (is_categorical(static_cast<std::size_t>(split.input))) {
                    split.categorical = true;
                    split.categories = static_cast<std::uint32_t>(chain.category_bits.size());
                    chain.category_bits.push_back(1);
                    chain.category_bits.push_back(static_cast<std::uint32_t>(1 + rng() % 30));
                }
                chain.nodes.push_back(split);
                chain.nodes.push_back(tree_node{.value = static_cast<float>(rng() % 7) - 3.0f,
                                                .cover = static_cast<float>(2048 >> i)});
            }
            chain.nodes.push_back(tree_node{.value = 1.5f, .cover = 1});
            m.trees.push_back(chain);
        }
        validate(m);
        check_against_brute_force(m, 62, 12);
    }
    SUBCASE("8 inputs, depth 6") {
        check_against_brute_force({.inputs = 8, .trees = 2, .depth = 6, .early_leaf = 0.05}, 77, 10);
    }
}

TEST_CASE("trees: shap of one split is the leaf minus the cover-weighted mean") {
    // Covers 3 and 1 under 4: E = (3·0.5 + 1·(−1)) / 4 = 0.125; the bias is 0.2 + 0.125.
    const auto m = one_split(4, 3, 1);
    std::vector<double> phi(3);
    predict_contributions(m, std::vector<float>{0.0f, 7.0f}, phi); // 0 < 1: left
    CHECK(phi[0] == doctest::Approx(0.5 - 0.125).epsilon(1e-15));
    CHECK(phi[1] == 0.0);
    CHECK(phi[2] == doctest::Approx(double{0.2f} + 0.125).epsilon(1e-15));
    predict_contributions(m, std::vector<float>{1.0f, 7.0f}, phi); // 1 is not < 1: right
    CHECK(phi[0] == doctest::Approx(-1.0 - 0.125).epsilon(1e-15));
    predict_contributions(m, std::vector<float>{missing, 7.0f}, phi); // default_left is false
    CHECK(phi[0] == doctest::Approx(-1.0 - 0.125).epsilon(1e-15));

    SUBCASE("a split of cover 0 weighs its children 1/2 each") {
        // E = (0.5 − 1) / 2 = −0.25 (XGBoost gives NaN here).
        const auto z = one_split(0, 0, 0);
        predict_contributions(z, std::vector<float>{0.0f, 0.0f}, phi);
        CHECK(phi[0] == doctest::Approx(0.5 + 0.25).epsilon(1e-15));
        CHECK(phi[2] == doctest::Approx(double{0.2f} - 0.25).epsilon(1e-15));
    }
    SUBCASE("a child of cover 0 weighs 0") {
        const auto z = one_split(4, 4, 0); // E = 0.5
        predict_contributions(z, std::vector<float>{5.0f, 0.0f}, phi);
        CHECK(phi[0] == doctest::Approx(-1.0 - 0.5).epsilon(1e-15));
        CHECK(phi[2] == doctest::Approx(double{0.2f} + 0.5).epsilon(1e-15));
        predict_contributions(z, std::vector<float>{0.0f, 0.0f}, phi);
        CHECK(phi[0] == 0.0);
    }
}

TEST_CASE("trees: shap of two inputs on one path splits the interaction evenly") {
    // age < 1 then score < 1 leads to 1, every other leaf is 0; covers halve at each split, so E = 1/4.
    // For a lead in that leaf: v({}) = 1/4, v({age}) = v({score}) = 1/2, v({age, score}) = 1, so
    // φ_age = ½(v({age}) − v({})) + ½(v({age, score}) − v({score})) = ½·¼ + ½·½ = 3/8, and φ_score = 3/8.
    tree_ensemble m;
    m.inputs = {tree_input{.field = "age"}, tree_input{.field = "score"}};
    decision_tree t;
    t.nodes = {tree_node{.input = 0, .left = 1, .value = 1.0f, .cover = 4},
               tree_node{.input = 1, .left = 3, .value = 1.0f, .cover = 2},
               tree_node{.value = 0.0f, .cover = 2},
               tree_node{.value = 1.0f, .cover = 1},
               tree_node{.value = 0.0f, .cover = 1}};
    m.trees.push_back(t);
    std::vector<double> phi(3);
    predict_contributions(m, std::vector<float>{0.0f, 0.0f}, phi);
    CHECK(phi[0] == doctest::Approx(0.375).epsilon(1e-15));
    CHECK(phi[1] == doctest::Approx(0.375).epsilon(1e-15));
    CHECK(phi[2] == doctest::Approx(0.25).epsilon(1e-15));
    // A lead that turns right at the root but would go left at the second split: v({}) = 1/4, v({age}) = 0,
    // v({score}) = ½·1 + ½·0 = 1/2, v({age, score}) = 0, so φ_age = ½(0 − ¼) + ½(0 − ½) = −3/8 and
    // φ_score = ½(½ − ¼) + ½(0 − 0) = 1/8.
    predict_contributions(m, std::vector<float>{2.0f, 0.0f}, phi);
    CHECK(phi[0] == doctest::Approx(-0.375).epsilon(1e-15));
    CHECK(phi[1] == doctest::Approx(0.125).epsilon(1e-15));
}

TEST_CASE("trees: shap is additive on every row of a 300-tree model of depth 6") {
    const auto m = random_model({.inputs = 16, .trees = 300, .depth = 6, .early_leaf = 0.1}, 2026);
    constexpr std::size_t rows = 40;
    const auto x = random_values(m, rows, 7);
    const value_table table(m, x);
    const auto scorer = tree_ensemble_policy(m).bind(table.view(), from_seconds(0));
    const std::size_t k = m.inputs.size();
    std::vector<float> read(k);
    std::vector<double> phi(k + 1), walked(k + 1);
    for (std::size_t r = 0; r < rows; ++r) {
        INFO("row " << r);
        scorer.values(r, 1, read);
        scorer.contributions(r, phi);
        double sum = 0, exact = m.base_score;
        for (double p : phi) sum += p;
        for (const auto& t : m.trees) exact += t.nodes[leaf_index(t, read)].value;
        // Against the margin summed in double: only double rounding.
        CHECK(std::abs(sum - exact) <= 1e-12);
        // Against the float margin the scorer gives: the documented bound on float rounding.
        const double margin = scorer.margin(r);
        CHECK(margin == double{predict_margin(m, read)});
        CHECK(std::abs(sum - margin) <= 300 * 0x1p-24 * sum_abs_leaves(m, read));
        if (r % 8 == 0) { // the walk, slower in a debug build, on some rows
            predict_contributions(m, read, walked);
            for (std::size_t j = 0; j <= k; ++j) CHECK(std::abs(walked[j] - phi[j]) <= 1e-12);
        }
        const auto e = scorer.explain(r); // the explanation: additive, total = the margin
        CHECK(e.additive);
        CHECK(e.unit == "log-odds");
        CHECK(e.total == margin);
        CHECK(std::abs(e.sum() - e.total) <= 1e-12);
    }
}

TEST_CASE("trees: shap batch form equals the one-lead form bit for bit") {
    // 150 rows: chunks of 64 and a partial one; trees with a child of cover 0 are walked, the others tabled.
    const auto m = random_model({.inputs = 7, .trees = 12, .depth = 6, .zero_cover = 0.1}, 314);
    constexpr std::size_t rows = 150;
    const auto x = random_values(m, rows, 17);
    const value_table table(m, x);
    const auto scorer = tree_ensemble_policy(m).bind(table.view(), from_seconds(0));
    std::vector<double> batch((rows - 3) * 8), one(8);
    scorer.contributions_batch(3, batch);
    std::vector<float> read(7);
    std::vector<double> walked(8);
    for (std::size_t r = 3; r < rows; ++r) {
        scorer.contributions(r, one);
        for (std::size_t j = 0; j < 8; ++j) CHECK(batch[(r - 3) * 8 + j] == one[j]);
        scorer.values(r, 1, read);
        predict_contributions(m, read, walked);
        for (std::size_t j = 0; j < 8; ++j) CHECK(std::abs(walked[j] - one[j]) <= 1e-12);
    }
    std::vector<double> ragged(9), too_many(rows * 8);
    CHECK_THROWS_AS(scorer.contributions_batch(0, ragged), definition_error);
    CHECK_THROWS_AS(scorer.contributions_batch(1, too_many), definition_error);
    scorer.contributions_batch(rows, std::span<double>()); // no rows
}

TEST_CASE("trees: shap from several threads on a fresh scorer") {
    // The first calls race to build the weights; each row's result must not depend on which thread won.
    const auto m = random_model({.inputs = 6, .trees = 40, .depth = 6}, 8);
    constexpr std::size_t rows = 48;
    const auto x = random_values(m, rows, 9);
    const value_table table(m, x);
    const tree_ensemble_policy policy(m);
    const auto serial = policy.bind(table.view(), from_seconds(0));
    const auto fresh = policy.bind(table.view(), from_seconds(0));
    std::vector<double> parallel(rows * 7);
#pragma omp parallel for num_threads(3) schedule(static, 1)
    for (std::size_t r = 0; r < rows; ++r) fresh.contributions(r, std::span<double>(parallel.data() + r * 7, 7));
    std::vector<double> one(7);
    for (std::size_t r = 0; r < rows; ++r) {
        serial.contributions(r, one);
        for (std::size_t j = 0; j < 7; ++j) CHECK(parallel[r * 7 + j] == one[j]);
    }
}

TEST_CASE("trees: shap bias is the expected value, the same for every row") {
    auto m = random_model({.inputs = 5, .trees = 20, .depth = 5}, 99);
    decision_tree lone_leaf; // a tree of one leaf adds its value to the bias and nothing to an input
    lone_leaf.nodes = {tree_node{.value = 0.25f, .cover = 3}};
    m.trees.insert(m.trees.begin() + 7, lone_leaf);
    const auto x = random_values(m, 8, 3);
    const value_table table(m, x);
    const auto scorer = tree_ensemble_policy(m).bind(table.view(), from_seconds(0));
    // The cover-weighted mean over the leaves, by the product of cover ratios down each path.
    double expected = m.base_score;
    for (const auto& t : m.trees) {
        std::vector<double> weight(t.nodes.size(), 0.0);
        weight[0] = 1;
        for (std::size_t n = 0; n < t.nodes.size(); ++n) {
            const auto& node = t.nodes[n];
            if (node.input == tree_node::leaf) {
                expected += weight[n] * node.value;
                continue;
            }
            weight[node.left] = weight[n] * t.nodes[node.left].cover / node.cover;
            weight[node.left + 1] = weight[n] * t.nodes[node.left + 1].cover / node.cover;
        }
    }
    std::vector<double> phi(6);
    for (std::size_t r = 0; r < 8; ++r) {
        scorer.contributions(r, phi);
        CHECK(phi[5] == doctest::Approx(expected).epsilon(1e-14));
    }
    const auto e = scorer.explain(0);
    CHECK(e.factors.size() >= 1);
}

TEST_CASE("trees: shap mean absolute contributions") {
    const auto m = random_model({.inputs = 6, .trees = 30, .depth = 5}, 5);
    constexpr std::size_t rows = 300;
    const auto x = random_values(m, rows, 11);
    const value_table table(m, x);
    const auto scorer = tree_ensemble_policy(m).bind(table.view(), from_seconds(0));
    std::vector<std::size_t> picked;
    for (std::size_t r = 0; r < rows; r += 2) picked.push_back(r);
    picked.push_back(1);

    std::vector<double> want(7, 0.0), phi(7);
    for (std::size_t r : picked) {
        scorer.contributions(r, phi);
        for (std::size_t j = 0; j < 7; ++j) want[j] += std::abs(phi[j]);
    }
    const auto one = mean_abs_contributions(scorer, picked, {.threads = 1});
    REQUIRE(one.size() == 7);
    for (std::size_t j = 0; j < 7; ++j)
        CHECK(one[j] == doctest::Approx(want[j] / static_cast<double>(picked.size())).epsilon(1e-12));
    for (unsigned threads : {2u, 3u})
        CHECK(mean_abs_contributions(scorer, picked, {.threads = threads, .block_rows = 7}) == one);

    CHECK(mean_abs_contributions(scorer, {}) == std::vector<double>(7, 0.0));
    const std::vector<std::size_t> past = {0, rows};
    CHECK_THROWS_AS((void)mean_abs_contributions(scorer, past), definition_error);
}

TEST_CASE("trees: shap bad calls are clear errors") {
    const auto m = one_split(4, 3, 1);
    std::vector<double> phi(3), short_out(2);
    CHECK_THROWS_AS(predict_contributions(m, std::vector<float>{1.0f}, phi), definition_error);
    CHECK_THROWS_AS(predict_contributions(m, std::vector<float>{1.0f, 2.0f}, short_out), definition_error);
    const std::vector<float> x = {0.0f, 1.0f};
    const value_table table(m, x);
    const auto scorer = tree_ensemble_policy(m).bind(table.view(), from_seconds(0));
    CHECK_THROWS_AS(scorer.contributions(1, phi), definition_error);
    CHECK_THROWS_AS(scorer.contributions(0, short_out), definition_error);
    scorer.contributions(0, phi);
    CHECK(phi[0] == doctest::Approx(0.375).epsilon(1e-15));
}

} // namespace test_tree_shap
