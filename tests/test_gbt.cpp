// gbt_trainer: a single split derived by hand (threshold, gain, leaves, base score), the learned direction of missing
// values, a categorical partition from the G/(H + λ) order, pooled categories, monotone constraints on a grid, the
// training margins being the policy's own, determinism over thread counts, early stopping, seeded subsampling, and
// errors.
#include "leadscore/core/error.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/scoring/trees.hpp"
#include "../src/train/gbt_booster.hpp" // log_loss_gradients and its exponential
#include "../src/train/gbt_grain.hpp" // the grain, shrunk so small data runs the parallel paths
#include "leadscore/train/gbt.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace test_gbt {

using namespace leadscore;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// A table of numeric columns and at most one categorical column, held by the test, seen through a view.
struct data {
    schema fields;
    std::vector<std::vector<double>> numbers;
    std::vector<std::int32_t> codes;
    dictionary dict;
    std::vector<std::int8_t> labels;
    std::vector<std::size_t> rows;

    data(std::vector<std::string> numeric, std::vector<std::vector<double>> values, std::vector<std::int8_t> y,
         std::string categorical = {}, std::vector<std::string> texts = {})
        : numbers(std::move(values)), labels(std::move(y)) {
        std::vector<field> f;
        for (const auto& n : numeric) f.push_back({n, field_type::numeric, field_role::none});
        if (!categorical.empty()) {
            f.push_back({categorical, field_type::categorical, field_role::none});
            for (const auto& t : texts) codes.push_back(t.empty() ? missing_code : dict.intern(t));
        }
        fields = schema(std::move(f));
        for (std::size_t r = 0; r < labels.size(); ++r) rows.push_back(r);
    }

    [[nodiscard]] table_view view() const {
        table_view v(fields, labels.size());
        for (std::size_t c = 0; c < numbers.size(); ++c) v.set_numeric(c, numbers[c]);
        if (!codes.empty()) v.set_categorical(numbers.size(), codes, dict);
        return v;
    }

    [[nodiscard]] fit_result<tree_ensemble_policy> fit(const gbt_trainer& t) const {
        return t.fit(training_set{view(), labels, rows, {}, ""});
    }
};

gbt_trainer one_split(double eta, double lambda) {
    gbt_trainer t;
    t.options.trees = 1;
    t.options.max_depth = 1;
    t.options.learning_rate = eta;
    t.options.l2 = lambda;
    t.options.min_child_hessian = 0;
    t.inputs.min_category_count = 1;
    return t;
}

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

/// ½·[G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ)] for rows at one probability p (gradients p − y, Hessians
/// p(1 − p)), left = the rows where `left` holds.
struct split_sums {
    double gl = 0, hl = 0, gr = 0, hr = 0;
};
split_sums sums(const std::vector<std::int8_t>& y, double p, const std::vector<bool>& left) {
    split_sums s;
    for (std::size_t i = 0; i < y.size(); ++i) (left[i] ? s.gl : s.gr) += p - y[i];
    for (std::size_t i = 0; i < y.size(); ++i) (left[i] ? s.hl : s.hr) += p * (1 - p);
    return s;
}
double gain_of(const split_sums& s, double lambda) {
    const double g = s.gl + s.gr, h = s.hl + s.hr;
    return s.gl * s.gl / (s.hl + lambda) + s.gr * s.gr / (s.hr + lambda) - g * g / (h + lambda);
}

/// Random data: x0 numeric with missing values, x1 numeric, a categorical field of 6 texts; labels from a
/// non-linear rule plus noise.
data random_data(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<double> x0(n), x1(n);
    std::vector<std::string> c(n);
    std::vector<std::int8_t> y(n);
    const char* texts[] = {"red", "green", "blue", "cyan", "magenta", "yellow"};
    for (std::size_t i = 0; i < n; ++i) {
        x0[i] = u(rng) < 0.1 ? nan : std::round(u(rng) * 1000) / 100;
        x1[i] = u(rng) * 4 - 2;
        const auto k = static_cast<std::size_t>(u(rng) * 6);
        c[i] = u(rng) < 0.05 ? std::string() : texts[k];
        const double z = (std::isnan(x0[i]) ? 0.5 : std::sin(x0[i])) + x1[i] * x1[i] / 2 - 1 + 0.3 * static_cast<double>(k % 3);
        y[i] = u(rng) < sigmoid(z) ? 1 : 0;
    }
    return data({"x0", "x1"}, {x0, x1}, y, "colour", c);
}

std::vector<float> margins(const tree_ensemble_policy& p, const table_view& v) {
    const auto s = p.bind(v, {});
    std::vector<float> m(v.rows());
    for (std::size_t r = 0; r < v.rows(); ++r) m[r] = static_cast<float>(s.margin(r));
    return m;
}

} // namespace

TEST_CASE("gbt: a single split derived by hand") {
    // x = 1 … 10, y = 0 0 0 1 0 0 1 1 1 1: 5 positives of 10, so the base score is log(0.5 / 0.5) = 0 and every row
    // has p = 0.5, g = 0.5 − y, h = 0.25. Cut after x = 6: G_L = 6·0.5 − 1 = 2, H_L = 1.5; G_R = 4·0.5 − 4 = −2,
    // H_R = 1; G = 0. With λ = 1: gain = 4/2.5 + 4/2 − 0 = 3.6 (XGBoost's loss_chg), the largest of the nine cuts
    // (after x = 3: 2.25/1.75 + 2.25/1.75 = 2.5714; after 5: 2; after 7: 2.1039; the others less). η = 0.3: left leaf
    // −0.3·2/2.5 = −0.24, right leaf −0.3·(−2)/2 = 0.3.
    std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const data d({"x"}, {x}, {0, 0, 0, 1, 0, 0, 1, 1, 1, 1});
    const auto r = d.fit(one_split(0.3, 1.0));
    const auto& m = r.policy.model();
    CHECK(m.base_score == 0.0f);
    REQUIRE(m.trees.size() == 1);
    const auto& t = m.trees[0];
    REQUIRE(t.nodes.size() == 3);
    CHECK(t.nodes[0].input == 0);
    CHECK_FALSE(t.nodes[0].categorical);
    CHECK(t.nodes[0].value == 7.0f); // x < 7 goes left
    CHECK(t.nodes[0].gain == doctest::Approx(3.6).epsilon(1e-6));
    CHECK(t.nodes[0].cover == doctest::Approx(2.5).epsilon(1e-6));
    CHECK(t.nodes[1].value == doctest::Approx(-0.24).epsilon(1e-6));
    CHECK(t.nodes[2].value == doctest::Approx(0.3).epsilon(1e-6));
    CHECK(t.nodes[1].cover == doctest::Approx(1.5).epsilon(1e-6));
    CHECK(t.nodes[2].cover == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(r.report.rows == 10);
    CHECK(r.report.positives == 5);
    CHECK(r.report.parameters == 3); // two leaves and the base score

    SUBCASE("unbalanced: the base score is the positives' log-odds, the best cut by brute force") {
        // 3 positives of 10: base = log(3/7); every row has p = sigmoid(base).
        const std::vector<std::int8_t> y{0, 1, 0, 0, 0, 0, 1, 0, 1, 0};
        const data u({"x"}, {x}, y);
        const double lambda = 2.0, eta = 0.5;
        const auto fit = u.fit(one_split(eta, lambda));
        const auto& model = fit.policy.model();
        CHECK(model.base_score == static_cast<float>(std::log(3.0 / 7.0)));
        const double p = sigmoid(static_cast<double>(model.base_score));
        double best = -1;
        std::size_t best_cut = 0;
        split_sums best_sums;
        for (std::size_t cut = 1; cut < x.size(); ++cut) { // rows [0, cut) left
            std::vector<bool> left(x.size());
            for (std::size_t i = 0; i < x.size(); ++i) left[i] = i < cut;
            const auto s = sums(y, p, left);
            if (gain_of(s, lambda) > best + 1e-12) {
                best = gain_of(s, lambda);
                best_cut = cut;
                best_sums = s;
            }
        }
        const auto& root = model.trees[0].nodes[0];
        CHECK(root.value == static_cast<float>(x[best_cut]));
        CHECK(root.gain == doctest::Approx(best).epsilon(1e-6));
        CHECK(model.trees[0].nodes[1].value ==
              doctest::Approx(-eta * best_sums.gl / (best_sums.hl + lambda)).epsilon(1e-6));
        CHECK(model.trees[0].nodes[2].value ==
              doctest::Approx(-eta * best_sums.gr / (best_sums.hr + lambda)).epsilon(1e-6));
    }
    SUBCASE("min_split_gain is XGBoost's gamma: compared with the whole gain") {
        auto t2 = one_split(0.3, 1.0);
        t2.options.min_split_gain = 3.5; // below 3.6: the split stays
        CHECK(d.fit(t2).policy.model().trees[0].nodes.size() == 3);
        t2.options.min_split_gain = 3.7; // above: no split
        CHECK(d.fit(t2).policy.model().trees[0].nodes.size() == 1);
    }
}

TEST_CASE("gbt: a bin filled in from the node's sums (each field's commonest) holds no rows where the node has none") {
    // Histograms add each row's bins except each field's commonest over all rows, which is the node's sums minus the
    // field's other bins. Here a = 0 on rows 0-27 and 1 on rows 28-39; b = 5 where a = 0 and 6, 7 in turn where a = 1:
    // a's commonest bin is 0 and b's is 5, and in the node a = 1 both are rounding noise of a subtraction. y = 1 on
    // row 5 and where b = 6: 7 of 40, so one tree has every row at p = 7/40, g = p − y, h = p (1 − p). The root splits
    // rows 0-27 from 28-39 (a, or b < 6: the same rows; gain 8.58 with λ = 1, against 0.78 for b < 7); the node of rows
    // 28-39 then splits b < 7 — 6 rows at y = 1 from 6 at y = 0 — with gain 4.95²/(6h + 1) + 1.05²/(6h + 1) −
    // 3.9²/(12h + 1), never on a's or b's noise; the other node has nothing to split on.
    std::vector<double> a(40), b(40);
    std::vector<std::int8_t> y(40);
    for (std::size_t i = 0; i < 40; ++i) {
        a[i] = i < 28 ? 0 : 1;
        b[i] = i < 28 ? 5 : (i % 2 == 0 ? 6 : 7);
        y[i] = static_cast<std::int8_t>(i == 5 || b[i] == 6);
    }
    const data d({"a", "b"}, {a, b}, y);
    auto t = one_split(1.0, 1.0);
    t.options.max_depth = 2;
    const auto fit = d.fit(t);
    const auto& nodes = fit.policy.model().trees[0].nodes;
    REQUIRE(nodes.size() == 5);
    CHECK(((nodes[0].input == 0 && nodes[0].value == 1.0f) || (nodes[0].input == 1 && nodes[0].value == 6.0f)));
    const auto& low = nodes[nodes[0].left];
    const auto& high = nodes[nodes[0].left + 1]; // rows 28-39
    CHECK(low.input == tree_node::leaf);
    REQUIRE(high.input == 1);
    CHECK(high.value == 7.0f);
    const double p = 7.0 / 40.0, h = p * (1 - p);
    const double gain = 4.95 * 4.95 / (6 * h + 1) + 1.05 * 1.05 / (6 * h + 1) - 3.9 * 3.9 / (12 * h + 1);
    CHECK(high.gain == doctest::Approx(gain).epsilon(1e-6));
    CHECK(high.cover == doctest::Approx(12 * h).epsilon(1e-6));
    CHECK(nodes[0].gain == doctest::Approx(8.582692130613484).epsilon(1e-6)); // the same formula, rows 0-27 | 28-39
}

TEST_CASE("gbt: splits by brute force when rows hold different numbers of rare bins") {
    // 12 inputs, each 0 (its commonest bin) in about half the rows and 1 … 9 otherwise: rows hold 1 to 12 rare bins,
    // more than the slots a row gets (8) in about 7 % of the rows, whose last rare bins the histograms add from the
    // overflow. One tree of depth 2: every
    // row has p = sigmoid(base), g = p − y, h = p(1 − p); the root's gain and each child's are the best G_L²/(H_L + λ)
    // + G_R²/(H_R + λ) − G²/(H + λ) over every input and cut of the node's rows, found here by trying them all.
    constexpr std::size_t n = 600, k = 12;
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<std::vector<double>> x(k, std::vector<double>(n));
    std::vector<std::int8_t> y(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < k; ++j) x[j][i] = u(rng) < 0.5 ? 0 : std::floor(1 + 9 * u(rng));
        // The labels follow the last inputs, the ones a row with many rare bins keeps past its slots.
        y[i] = u(rng) < sigmoid(0.5 * (x[11][i] - 3) - 0.3 * (x[10][i] - 3)) ? 1 : 0;
    }
    std::vector<std::string> names;
    for (std::size_t j = 0; j < k; ++j) names.push_back("x" + std::to_string(j));
    const data d(names, x, y);
    const double lambda = 1.0;
    // The best gain over the rows where `in` holds, and its split (input, threshold: x < t goes left).
    struct best_split {
        double gain = 0;
        std::size_t input = 0;
        double threshold = 0;
    };
    const auto brute = [&](double p, const std::vector<bool>& in) {
        best_split best;
        for (std::size_t j = 0; j < k; ++j)
            for (double t = 1; t <= 9; ++t) {
                std::vector<bool> left(n);
                std::vector<std::int8_t> yy;
                std::vector<bool> ll;
                for (std::size_t i = 0; i < n; ++i)
                    if (in[i]) {
                        yy.push_back(y[i]);
                        ll.push_back(x[j][i] < t);
                    }
                const auto s = sums(yy, p, ll);
                if (s.hl == 0 || s.hr == 0) continue;
                if (gain_of(s, lambda) > best.gain + 1e-9) best = {gain_of(s, lambda), j, t};
            }
        return best;
    };
    for (const std::size_t min_rows : {1, 2}) { // 2: the histograms count rows too
        CAPTURE(min_rows);
        auto t = one_split(0.3, lambda);
        t.options.max_depth = 2;
        t.options.min_rows_per_leaf = min_rows;
        const auto fit = d.fit(t);
        const auto& model = fit.policy.model();
        const double p = sigmoid(static_cast<double>(model.base_score));
        const auto& nodes = model.trees[0].nodes;
        const auto root = brute(p, std::vector<bool>(n, true));
        REQUIRE(nodes[0].input >= 0);
        CHECK(nodes[0].gain == doctest::Approx(root.gain).epsilon(1e-6));
        for (const int side : {0, 1}) {
            CAPTURE(side);
            std::vector<bool> in(n);
            for (std::size_t i = 0; i < n; ++i) in[i] = (x[root.input][i] < root.threshold) == (side == 0);
            const auto child = brute(p, in);
            const auto& c = nodes[nodes[0].left + static_cast<std::uint32_t>(side)];
            REQUIRE(c.input >= 0);
            CHECK(c.gain == doctest::Approx(child.gain).epsilon(1e-6));
        }
    }
}

TEST_CASE("gbt: a missing value takes the learned default branch") {
    // Low x are negatives, high x positives; the missing rows are positives (like the high side) or negatives.
    for (const bool missing_positive : {true, false}) {
        CAPTURE(missing_positive);
        std::vector<double> x;
        std::vector<std::int8_t> y;
        for (int i = 0; i < 8; ++i) {
            x.push_back(i);
            y.push_back(i >= 4 ? 1 : 0);
        }
        for (int i = 0; i < 4; ++i) {
            x.push_back(nan);
            y.push_back(missing_positive ? 1 : 0);
        }
        const data d({"x"}, {x}, y);
        const auto r = d.fit(one_split(0.3, 1.0));
        const auto& root = r.policy.model().trees[0].nodes[0];
        CHECK(root.value == 4.0f);
        CHECK(root.default_left == !missing_positive);
        const auto m = margins(r.policy, d.view());
        CHECK(m[8] == (missing_positive ? m[7] : m[0])); // a missing row scores like the side it behaves like
    }
}

TEST_CASE("gbt: a categorical partition follows the G/(H + λ) order") {
    // 10 rows each of A (6 positives), B (1) and C (9): 16 of 30, p = sigmoid(log(16/14)) for every row. With
    // λ = 1 the ratios G/(H + λ) are C −1.05, A −0.19, B 1.24 (G = 10p − positives, H = 10p(1 − p)), so the cuts
    // are {C} | {A, B} (gain 3.853 + 2.249 − G²/(H + λ)) and {C, A} | {B} (3.141 + 5.382 − …): the second.
    // The category set (the right side) is {B}.
    std::vector<std::string> c;
    std::vector<std::int8_t> y;
    const auto add = [&](const char* text, int positives) {
        for (int i = 0; i < 10; ++i) {
            c.push_back(text);
            y.push_back(i < positives ? 1 : 0);
        }
    };
    add("A", 6);
    add("B", 1);
    add("C", 9);
    const data d({}, {}, y, "letter", c);
    const auto r = d.fit(one_split(0.3, 1.0));
    const auto& m = r.policy.model();
    REQUIRE(m.inputs.size() == 1);
    const auto& cats = m.inputs[0].categories;
    const auto pos = [&](const char* t) {
        return static_cast<std::uint32_t>(std::find(cats.begin(), cats.end(), t) - cats.begin());
    };
    const auto& tree = m.trees[0];
    const auto& root = tree.nodes[0];
    REQUIRE(root.categorical);
    const auto in_set = [&](std::uint32_t p) { return !goes_left(tree, root, static_cast<float>(p)); };
    CHECK(in_set(pos("B")));
    CHECK_FALSE(in_set(pos("A")));
    CHECK_FALSE(in_set(pos("C")));
    const double p = sigmoid(static_cast<double>(m.base_score));
    std::vector<bool> left(30);
    for (std::size_t i = 0; i < 30; ++i) left[i] = c[i] != "B";
    CHECK(root.gain == doctest::Approx(gain_of(sums(y, p, left), 1.0)).epsilon(1e-6));
    CHECK(gain_of(sums(y, p, left), 1.0) == doctest::Approx(3.141 + 5.382).epsilon(2e-3));
}

TEST_CASE("gbt: rare categories are pooled and split together; unseen ones read missing") {
    // A and B common; D and E rare (pooled into one bin, both positive); F in the dictionary but in no training row.
    std::vector<std::string> c;
    std::vector<std::int8_t> y;
    for (int i = 0; i < 20; ++i) {
        c.push_back(i % 2 ? "A" : "B");
        y.push_back(i % 4 == 0 ? 1 : 0);
    }
    for (const char* t : {"D", "D", "E"}) {
        c.push_back(t);
        y.push_back(1);
    }
    c.push_back("F");
    y.push_back(0);
    data d({}, {}, y, "letter", c);
    d.rows.pop_back(); // F's row is not trained on
    auto t = one_split(0.3, 1.0);
    t.inputs.min_category_count = 3;
    t.options.trees = 3;
    t.options.max_depth = 2;
    const auto r = d.fit(t);
    const auto& m = r.policy.model();
    const auto& cats = m.inputs[0].categories;
    CHECK(cats == std::vector<std::string>{"B", "A", "D", "E"}); // kept ones in the data's order, then pooled ones
    bool pooled_split = false;
    for (const auto& tree : m.trees)
        for (const auto& node : tree.nodes)
            if (node.categorical) {
                CHECK(goes_left(tree, node, 2.0f) == goes_left(tree, node, 3.0f));
                pooled_split |= goes_left(tree, node, 2.0f) != goes_left(tree, node, 0.0f);
            }
    CHECK(pooled_split);
    const auto s = r.policy.bind(d.view(), {});
    std::vector<float> v(1);
    s.values(23, 1, v);
    CHECK(std::isnan(v[0])); // F reads missing
    bool noted = false;
    for (const auto& n : r.report.notes) noted |= n.find("2 categories seen in fewer than 3 rows pooled") != std::string::npos;
    CHECK(noted);
}

TEST_CASE("gbt: category sets stay small however many rare categories are pooled") {
    // 3 common categories (mostly positive) and 3,000 rare ones (one row each, pooled, mostly negative): the pooled
    // bin sorts last, after the cut, on the side that is the set unless the split is mirrored. Mirrored, no set lists
    // the 3,000 pooled positions: each takes one word (the kept three).
    std::vector<std::string> c;
    std::vector<std::int8_t> y;
    for (int i = 0; i < 300; ++i) {
        c.push_back(std::string(1, static_cast<char>('A' + i % 3)));
        y.push_back(i % 5 == 0 ? 0 : 1);
    }
    for (int i = 0; i < 3000; ++i) {
        c.push_back("rare " + std::to_string(i));
        y.push_back(i % 4 == 0 ? 1 : 0);
    }
    data d({}, {}, y, "company", c);
    gbt_trainer t;
    t.options.trees = 5;
    t.options.max_depth = 2;
    t.inputs.min_category_count = 2;
    const auto r = d.fit(t);
    const auto& m = r.policy.model();
    REQUIRE(m.inputs[0].categories.size() == 3003);
    std::size_t splits = 0;
    for (const auto& tree : m.trees)
        for (const auto& node : tree.nodes)
            if (node.categorical) {
                ++splits;
                CHECK(tree.category_bits[node.categories] == 1); // one word
                // Every pooled position goes the same way, away from at least one common category.
                const bool pooled = goes_left(tree, node, 3.0f);
                CHECK(goes_left(tree, node, 3002.0f) == pooled);
                CHECK(goes_left(tree, node, 1500.0f) == pooled);
            }
    CHECK(splits > 0);
    // The margins are the policy's: each rare row scores as the pooled bin, whichever side the set is on.
    const auto s = r.policy.bind(d.view(), {});
    CHECK(s.margin(300) == s.margin(3299));
}

TEST_CASE("gbt: monotone constraints hold on a grid over the constrained field") {
    // y rises with sin(3·x0) (up and down over [0, 3]) and with x1: unconstrained trees are not monotone in x0.
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    const std::size_t n = 600;
    std::vector<double> x0(n), x1(n);
    std::vector<std::int8_t> y(n);
    for (std::size_t i = 0; i < n; ++i) {
        x0[i] = 3 * u(rng);
        x1[i] = u(rng);
        y[i] = u(rng) < sigmoid(2 * std::sin(3 * x0[i]) + 2 * x1[i] - 1) ? 1 : 0;
    }
    const data d({"x0", "x1"}, {x0, x1}, y);
    gbt_trainer t;
    t.options.trees = 20;
    t.options.max_depth = 3;
    t.options.learning_rate = 0.3;
    t.inputs.max_bins = 32;
    const auto monotone_in_x0 = [](const tree_ensemble& m, int direction) {
        for (double b = 0; b <= 1; b += 0.125) {
            float last = 0;
            for (int k = 0; k <= 60; ++k) {
                const std::vector<float> v{static_cast<float>(k * 0.05), static_cast<float>(b)};
                const float margin = predict_margin(m, v);
                if (k > 0 && (direction > 0 ? margin < last : margin > last)) return false;
                last = margin;
            }
        }
        return true;
    };
    const auto free_fit = d.fit(t);
    CHECK_FALSE(monotone_in_x0(free_fit.policy.model(), +1));
    CHECK_FALSE(monotone_in_x0(free_fit.policy.model(), -1));
    for (const int direction : {+1, -1}) {
        CAPTURE(direction);
        auto c = t;
        c.options.monotone = {{"x0", direction}};
        const auto fit = d.fit(c);
        CHECK(monotone_in_x0(fit.policy.model(), direction));
        bool splits_on_x0 = false;
        for (const auto& tree : fit.policy.model().trees)
            for (const auto& node : tree.nodes) splits_on_x0 |= node.input == 0;
        CHECK(splits_on_x0);
    }
}

TEST_CASE("gbt: the fitted margins are the policy's (the report's objective recomputed from its scores)") {
    const auto d = random_data(800, 3);
    for (const double subsample : {1.0, 0.7}) { // margins by each leaf's rows, or by a walk down the tree
        CAPTURE(subsample);
        gbt_trainer t;
        t.options.trees = 8;
        t.options.max_depth = 4;
        t.options.learning_rate = 0.3;
        t.options.row_subsample = subsample;
        t.options.column_subsample = subsample;
        t.inputs.min_category_count = 5;
        t.inputs.max_bins = 16; // x0 has more distinct values: quantile cuts
        const auto r = d.fit(t);
        const auto m = margins(r.policy, d.view());
        double loss = 0;
        for (std::size_t i = 0; i < m.size(); ++i) {
            const double z = m[i];
            loss += std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))) - d.labels[i] * z;
        }
        double penalty = 0;
        for (const auto& tree : r.policy.model().trees)
            for (const auto& node : tree.nodes)
                if (node.input == tree_node::leaf) penalty += 0.5 * t.options.l2 * node.value * node.value;
        CHECK(r.report.objective == doctest::Approx(loss + penalty).epsilon(1e-12));
    }
}

TEST_CASE("gbt: every leaf has min_rows_per_leaf rows and min_child_hessian") {
    const auto d = random_data(500, 4);
    gbt_trainer t;
    t.options.trees = 5;
    t.options.max_depth = 6;
    t.options.learning_rate = 0.5;
    t.options.min_child_hessian = 2;
    for (const std::size_t min_rows : {1u, 25u}) {
        CAPTURE(min_rows);
        t.options.min_rows_per_leaf = min_rows;
        const auto r = d.fit(t);
        const auto& m = r.policy.model();
        const auto s = r.policy.bind(d.view(), {});
        std::vector<float> v(m.inputs.size());
        std::size_t smallest = d.rows.size();
        bool split_below_limit = false;
        for (const auto& tree : m.trees) {
            std::vector<std::size_t> rows(tree.nodes.size(), 0);
            for (const auto row : d.rows) {
                s.values(row, 1, v);
                ++rows[leaf_index(tree, v)];
            }
            for (std::size_t n = 0; n < tree.nodes.size(); ++n)
                if (tree.nodes[n].input == tree_node::leaf) {
                    smallest = std::min(smallest, rows[n]);
                    CHECK(tree.nodes[n].cover >= 2.0f);
                    split_below_limit |= rows[n] < 25;
                }
        }
        CHECK(smallest >= min_rows);
        if (min_rows == 1) CHECK(split_below_limit); // the limit of 25 binds: the test can tell
    }
}

TEST_CASE("gbt: the gradients' exponential is within one ulp of std::exp, and the gradients are log loss's") {
    using gbt_fitting::gradient_exp;
    const auto within_ulp = [](double got, double want) {
        return got == want || got == std::nextafter(want, 0.0) || got == std::nextafter(want, 2.0 * want);
    };
    CHECK(gradient_exp(0.0) == 1.0);
    CHECK(within_ulp(gradient_exp(-708.0), std::exp(-708.0))); // the floor: below it, e^-708 (3e-308, 0 to a gradient)
    CHECK(gradient_exp(-1000.0) == gradient_exp(-708.0));
    CHECK(gradient_exp(-std::numeric_limits<double>::infinity()) == gradient_exp(-708.0));
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> wide(-708.0, 0.0), near(-2.0, 0.0);
    for (int k = 0; k < 200000; ++k) {
        const double x = k % 2 ? wide(rng) : near(rng);
        if (!within_ulp(gradient_exp(x), std::exp(x))) { // glibc's exp is correctly rounded in practice
            CAPTURE(x);
            CHECK(gradient_exp(x) == std::exp(x));
            break;
        }
    }
    // Gradient g = c (p − y), Hessian c p (1 − p) with p = 1 / (1 + e^−z), from the definition in long double.
    const std::vector<float> z{0.0f, 2.5f, -2.5f, 40.0f, -40.0f, 1e30f, -1e30f, 0.125f, -7.0f};
    std::vector<std::uint8_t> y(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) y[i] = static_cast<std::uint8_t>(i % 2);
    std::vector<gbt_fitting::gpair> gp(z.size());
    gbt_fitting::log_loss_gradients(z.data(), y.data(), 3.0, 0.5, gp.data(), 0, z.size());
    for (std::size_t i = 0; i < z.size(); ++i) {
        CAPTURE(z[i]);
        const long double p = 1.0L / (1.0L + std::exp(-static_cast<long double>(z[i])));
        const long double e = std::exp(-std::abs(static_cast<long double>(z[i]))); // p (1 − p) without cancellation
        const long double c = y[i] ? 3.0L : 0.5L;
        const auto g = static_cast<double>(c * (p - y[i])), h = static_cast<double>(c * e / ((1.0L + e) * (1.0L + e)));
        CHECK(gp[i].g == doctest::Approx(g).epsilon(1e-14));
        if (std::abs(z[i]) < 700) {
            CHECK(gp[i].h == doctest::Approx(h).epsilon(1e-14).scale(0)); // relative also for tiny Hessians
        } else {
            CHECK(gp[i].h < 1e-300); // beyond the floor: e^-708 where the definition gives 0
        }
    }
}

TEST_CASE("gbt: the same model for 1, 2 and 3 threads") {
    // A small grain, so that this small data runs every parallel path (histogram chunks, passes over rows).
    auto& grain = detail::gbt_grain_setting();
    const auto saved = grain;
    grain = {.chunk_rows = 200, .parallel_updates = 0, .parallel_rows = 0};
    const auto d = random_data(3000, 11);
    gbt_trainer t;
    t.options.trees = 4;
    t.options.max_depth = 4;
    t.options.early_stopping_rounds = 2;
    t.options.threads = 1;
    for (const double subsample : {1.0, 0.8}) {
        CAPTURE(subsample);
        t.options.row_subsample = subsample;
        t.options.threads = 1;
        const auto one = d.fit(t);
        for (const unsigned threads : {2u, 3u}) {
            t.options.threads = threads;
            CHECK(d.fit(t).policy == one.policy);
        }
    }
    grain = saved;
}

TEST_CASE("gbt: early stopping stops, keeps the best trees and says so") {
    const auto d = random_data(400, 5);
    gbt_trainer t;
    t.options.trees = 200;
    t.options.max_depth = 5;
    t.options.learning_rate = 0.8; // overfits fast
    t.options.min_child_hessian = 0;
    t.options.early_stopping_rounds = 4;
    const auto r = d.fit(t);
    const std::size_t kept = r.policy.model().trees.size();
    CHECK(kept < 50);
    CHECK(r.report.converged);
    CHECK(r.report.iterations == kept + 4);
    CHECK(r.report.message.rfind("stopped early at tree " + std::to_string(kept + 4) + " (best validation log loss ", 0) == 0);
    CHECK(r.report.message.find("at tree " + std::to_string(kept) + ")") != std::string::npos);
    CHECK(r.report.rows == 360); // 10 % held back
    bool noted = false;
    for (const auto& n : r.report.notes) noted |= n.rfind("validation: 40 of the 400 training rows held back", 0) == 0;
    CHECK(noted);

    SUBCASE("with validation rows given") {
        auto g = t;
        for (std::size_t r2 = 300; r2 < 400; ++r2) g.validation_rows.push_back(r2);
        data part = d;
        part.rows.resize(300);
        const auto f = part.fit(g);
        CHECK(f.report.rows == 300);
        CHECK(f.report.message.rfind("stopped early at tree ", 0) == 0);
        // The kept trees are the best prefix: the validation log loss of every shorter prefix, computed here from the
        // policy's margins, is no lower.
        const auto loss_of = [&](std::size_t trees) {
            tree_ensemble m = f.policy.model();
            m.trees.resize(trees);
            const auto scorer = tree_ensemble_policy(m).bind(d.view(), {});
            double loss = 0;
            for (const auto row : g.validation_rows) {
                const double z = scorer.margin(row);
                loss += d.labels[row] ? std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
            }
            return loss / static_cast<double>(g.validation_rows.size());
        };
        const std::size_t best = f.policy.model().trees.size();
        const double best_loss = loss_of(best);
        for (std::size_t k = 0; k < best; ++k) CHECK(loss_of(k) >= best_loss - 1e-12);
        g.validation_rows.push_back(10);
        CHECK_THROWS_WITH_AS((void)part.fit(g), doctest::Contains("validation row 10 is also a training row"), definition_error);
    }
    SUBCASE("the tree budget runs out within the patience: the best trees are kept all the same") {
        auto b = t;
        b.options.trees = kept + 2; // 2 trees past the best, fewer than the patience of 4
        const auto f = d.fit(b);
        CHECK(f.policy.model().trees.size() == kept);
        CHECK(f.report.iterations == kept + 2);
        CHECK(f.report.message.rfind("grew " + std::to_string(kept + 2) + " trees, kept the best " +
                                         std::to_string(kept) + " (best validation log loss ",
                                     0) == 0);
    }
}

TEST_CASE("gbt: row and column subsampling are seeded") {
    const auto d = random_data(500, 9);
    gbt_trainer t;
    t.options.trees = 5;
    t.options.max_depth = 3;
    for (const bool rows : {true, false}) {
        CAPTURE(rows);
        auto s = t;
        (rows ? s.options.row_subsample : s.options.column_subsample) = 0.5;
        s.options.seed = 1;
        const auto a = d.fit(s), b = d.fit(s);
        CHECK(a.policy == b.policy);
        s.options.seed = 2;
        CHECK_FALSE(d.fit(s).policy == a.policy);
    }
}

TEST_CASE("gbt: bad options and data are errors naming the cause") {
    const auto d = random_data(60, 1);
    const auto bad = [&](auto change, const char* what) {
        gbt_trainer t;
        change(t);
        CHECK_THROWS_WITH_AS((void)d.fit(t), doctest::Contains(what), definition_error);
    };
    bad([](gbt_trainer& t) { t.options.trees = 0; }, "trees must be at least 1");
    bad([](gbt_trainer& t) { t.options.learning_rate = 0; }, "learning_rate");
    bad([](gbt_trainer& t) { t.options.learning_rate = nan; }, "learning_rate");
    bad([](gbt_trainer& t) { t.options.max_depth = 0; }, "max_depth");
    bad([](gbt_trainer& t) { t.options.max_depth = 65; }, "max_depth");
    bad([](gbt_trainer& t) { t.options.max_leaves = 1; }, "max_leaves");
    bad([](gbt_trainer& t) { t.options.min_child_hessian = -1; }, "min_child_hessian");
    bad([](gbt_trainer& t) { t.options.min_rows_per_leaf = 0; }, "min_rows_per_leaf");
    bad([](gbt_trainer& t) { t.options.l2 = -0.5; }, "l2");
    bad([](gbt_trainer& t) { t.options.min_split_gain = std::numeric_limits<double>::infinity(); }, "min_split_gain");
    bad([](gbt_trainer& t) { t.options.row_subsample = 1.5; }, "row_subsample");
    bad([](gbt_trainer& t) { t.options.column_subsample = 0; }, "column_subsample");
    bad([](gbt_trainer& t) { t.options.positive_weight = 0; }, "positive_weight");
    bad([](gbt_trainer& t) { t.options.negative_weight = -1; }, "negative_weight");
    bad([](gbt_trainer& t) { t.options.validation_share = 1; }, "validation_share");
    bad([](gbt_trainer& t) { t.options.monotone = {{"x0", 2}}; }, "monotone: the constraint on 'x0'");
    bad([](gbt_trainer& t) { t.options.monotone = {{"nope", 1}}; }, "monotone: no input 'nope'");
    bad([](gbt_trainer& t) { t.options.monotone = {{"colour", 1}}; }, "input 'colour' is categorical");
    bad([](gbt_trainer& t) { t.inputs.min_category_count = 0; }, "min_category_count");
    bad([](gbt_trainer& t) { t.inputs.max_bins = 1; }, "max_bins");
    bad([](gbt_trainer& t) { t.inputs.max_bins = 256; }, "max_bins");
    bad([](gbt_trainer& t) { t.inputs.event_window_days = 0; }, "event_window_days");
    bad([](gbt_trainer& t) { t.inputs.event_counts = {"page_visited"}; }, "no engagement events");
    bad([](gbt_trainer& t) { t.inputs.fields = {"x0", "x0"}; }, "field 'x0' is listed twice");
    bad([](gbt_trainer& t) { t.inputs.exclude = {"nope"}; }, "excluded field 'nope'");

    for (const std::int8_t label : {std::int8_t{0}, std::int8_t{1}}) {
        data one = d;
        std::fill(one.labels.begin(), one.labels.end(), label);
        CHECK_THROWS_WITH_AS((void)one.fit(gbt_trainer{}),
                             doctest::Contains(label == 0 ? "hold no positive label" : "hold no negative label"),
                             definition_error);
    }
    data few = d;
    std::fill(few.labels.begin(), few.labels.end(), std::int8_t{0});
    few.labels[0] = 1;
    gbt_trainer stopping;
    stopping.options.early_stopping_rounds = 3;
    CHECK_THROWS_WITH_AS((void)few.fit(stopping), doctest::Contains("at least 2 positive training rows"), definition_error);

    const data constant({"x"}, {std::vector<double>(10, 1.0)}, {0, 1, 0, 1, 0, 1, 0, 1, 0, 1});
    CHECK_THROWS_WITH_AS((void)constant.fit(gbt_trainer{}), doctest::Contains("field 'x' left out: a single value"),
                         definition_error);
}

} // namespace test_gbt
