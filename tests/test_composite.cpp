// Composite policies and calibration maps, over small policies whose scores are known by construction.

#include "leadscore/scoring/composite.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

namespace test_composite {

using namespace leadscore;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

// The value of a numeric column, as points or as a probability.
struct column_policy {
    std::size_t col = 0;
    score_scale sc = score_scale::points;
    score_scale scale() const { return sc; }
    struct scorer {
        std::span<const double> x;
        double score(std::size_t r) const { return x[r]; }
    };
    scorer bind(const table_view& v, timestamp) const { return {v.numeric(col)}; }
};

struct two_columns {
    schema s{std::vector<field>{{"fit", field_type::numeric}, {"engagement", field_type::numeric}}};
    std::vector<double> fit, engagement;
    table_view view;
    two_columns(std::vector<double> f, std::vector<double> e) : fit(std::move(f)), engagement(std::move(e)) {
        view = table_view(s, fit.size());
        view.set_numeric(0, fit);
        view.set_numeric(1, engagement);
    }
};

scoring_policy col(std::size_t c, score_scale sc = score_scale::points) { return column_policy{c, sc}; }

batch_options opts(unsigned threads, std::size_t block) {
    batch_options o;
    o.threads = threads;
    o.block_rows = block;
    return o;
}

} // namespace

TEST_CASE("composite: weighted sum is bias + Σ weight·score, additive in its explanation") {
    two_columns t({10, 20, 30}, {1, 2, nan_v});
    const weighted_sum_policy p({{"fit", col(0), 0.5}, {"engagement", col(1), 4.0}}, 2.0);
    CHECK(p.scale() == score_scale::points);
    const auto out = score_batch(p, t.view, opts(2, 1));
    CHECK(out[0] == 2.0 + 0.5 * 10 + 4.0 * 1); // 11
    CHECK(out[1] == 2.0 + 0.5 * 20 + 4.0 * 2); // 20
    CHECK(std::isnan(out[2]));                 // a part that is not computable makes the sum not computable
    const auto e = explain(p, t.view, 1, timestamp{});
    CHECK(e.additive);
    CHECK(e.sum() == doctest::Approx(20.0));
    REQUIRE(e.factors.size() == 3);
    CHECK(e.factors[0].name == "fit"); // 10, then engagement 8, then bias 2
    CHECK(e.factors[1].name == "engagement");
    CHECK(e.factors[2].name == "bias");
}

TEST_CASE("composite: a weighted sum of probabilities with weights summing to one is a probability") {
    const weighted_sum_policy p({{"a", col(0, score_scale::probability), 0.25},
                                 {"b", col(1, score_scale::probability), 0.75}});
    CHECK(p.scale() == score_scale::probability);
    const weighted_sum_policy q({{"a", col(0, score_scale::probability), 0.5},
                                 {"b", col(1, score_scale::probability), 0.75}});
    CHECK(q.scale() == score_scale::points);
}

TEST_CASE("composite: maximum skips parts that are not computable; the first part wins ties") {
    two_columns t({1, 5, nan_v, nan_v, 3}, {2, 5, 4, nan_v, 1});
    const max_policy p({{"fit", col(0), 1.0}, {"engagement", col(1), 1.0}});
    for (unsigned threads : {1u, 2u}) {
        const auto out = score_batch(p, t.view, opts(threads, 2));
        CHECK(out[0] == 2);
        CHECK(out[1] == 5);
        CHECK(out[2] == 4);
        CHECK(std::isnan(out[3]));
        CHECK(out[4] == 3);
    }
    CHECK(explain(p, t.view, 1, timestamp{}).factors.at(0).name == "fit");
    CHECK(explain(p, t.view, 0, timestamp{}).factors.at(0).name == "engagement");
    CHECK(explain(p, t.view, 3, timestamp{}).factors.empty());
}

TEST_CASE("composite: fit × engagement grid") {
    // Fit thresholds 40, 60, 80 → D < 40 ≤ C < 60 ≤ B < 80 ≤ A; engagement 10, 20, 30 → 4 < 10 ≤ 3 < 20 ≤ 2 < 30 ≤ 1.
    two_columns t({85, 80, 79.9, 10, 50, nan_v}, {35, 30, 29, 0, 10, 5});
    const grid_policy g({"fit", col(0), {40, 60, 80}, grid_policy::default_fit_labels()},
                        {"engagement", col(1), {10, 20, 30}, grid_policy::default_engagement_labels()});
    const auto s = g.bind(t.view, timestamp{});
    CHECK(s.cell(0) == "A1");
    CHECK(s.cell(1) == "A1"); // equality at a threshold is the upper band
    CHECK(s.cell(2) == "B2");
    CHECK(s.cell(3) == "D4");
    CHECK(s.cell(4) == "C3");
    CHECK(s.cell(5).empty());
    // Default values: fit band · 4 + engagement band; A1 = 3·4 + 3 = 15, B2 = 2·4 + 2 = 10, D4 = 0, C3 = 1·4 + 1 = 5.
    const auto out = score_batch(g, t.view, opts(2, 4));
    CHECK(out[0] == 15);
    CHECK(out[1] == 15);
    CHECK(out[2] == 10);
    CHECK(out[3] == 0);
    CHECK(out[4] == 5);
    CHECK(std::isnan(out[5]));

    SUBCASE("given cell values") {
        std::vector<double> values(16);
        for (std::size_t i = 0; i < 16; ++i) values[i] = 100.0 + static_cast<double>(i);
        const grid_policy h({"fit", col(0), {40, 60, 80}, grid_policy::default_fit_labels()},
                            {"engagement", col(1), {10, 20, 30}, grid_policy::default_engagement_labels()}, values);
        CHECK(score_batch(h, t.view, opts(1, 16))[2] == 110.0);
    }
    SUBCASE("bad grids") {
        CHECK_THROWS_WITH_AS(grid_policy({"fit", col(0), {60, 40}, {"C", "B", "A"}}, {"e", col(1), {}, {"x"}}),
                             doctest::Contains("not strictly ascending"), definition_error);
        CHECK_THROWS_WITH_AS(grid_policy({"fit", col(0), {40}, {"C", "B", "A"}}, {"e", col(1), {}, {"x"}}),
                             doctest::Contains("1 thresholds need 2 labels"), definition_error);
        CHECK_THROWS_WITH_AS(grid_policy({"fit", col(0), {40}, {"A", "A"}}, {"e", col(1), {}, {"x"}}),
                             doctest::Contains("repeated"), definition_error);
        CHECK_THROWS_WITH_AS(grid_policy({"fit", col(0), {40}, {"B", "A"}}, {"e", col(1), {}, {"x"}}, {1, 2, 3}),
                             doctest::Contains("need 2 values"), definition_error);
        CHECK_THROWS_AS(grid_policy({"fit", scoring_policy{}, {}, {"A"}}, {"e", col(1), {}, {"x"}}), definition_error);
    }
}

TEST_CASE("composite: calibration maps") {
    SUBCASE("piecewise linear interpolates and is flat outside its knots") {
        const auto m = calibration_map::piecewise_linear({0, 10, 30}, {0.1, 0.3, 0.9});
        CHECK(m(-5) == 0.1);
        CHECK(m(0) == 0.1);
        CHECK(m(5) == doctest::Approx(0.2));  // halfway between 0.1 and 0.3
        CHECK(m(20) == doctest::Approx(0.6)); // halfway between 0.3 and 0.9
        CHECK(m(30) == 0.9);
        CHECK(m(99) == 0.9);
        CHECK(std::isnan(m(nan_v)));
    }
    SUBCASE("logistic: a + b·x = ln 3 gives 0.75") {
        const auto m = calibration_map::logistic(-1.0, (std::log(3.0) + 1.0) / 10.0);
        CHECK(m(10) == doctest::Approx(0.75));
        CHECK(m(-1e6) == doctest::Approx(0.0));
    }
    SUBCASE("identity by default") {
        const calibration_map m;
        CHECK(m(0.37) == doctest::Approx(0.37));
    }
    SUBCASE("bad maps") {
        CHECK_THROWS_WITH_AS((void)calibration_map::piecewise_linear({0, 0}, {0, 1}), doctest::Contains("ascending at knot 1"),
                             definition_error);
        CHECK_THROWS_WITH_AS((void)calibration_map::piecewise_linear({0, 1}, {0.5, 0.4}), doctest::Contains("decreases"),
                             definition_error);
        CHECK_THROWS_WITH_AS((void)calibration_map::piecewise_linear({0, 1}, {0, 1.5}), doctest::Contains("outside [0, 1]"),
                             definition_error);
        CHECK_THROWS_AS((void)calibration_map::piecewise_linear({}, {}), definition_error);
        CHECK_THROWS_AS((void)calibration_map::logistic(nan_v, 1), definition_error);
    }
}

TEST_CASE("composite: points through a calibration map give a probability") {
    two_columns t({0, 5, 20}, {0, 0, 0});
    const calibrated_policy p(col(0), calibration_map::piecewise_linear({0, 10}, {0.2, 0.4}));
    CHECK(p.scale() == score_scale::probability);
    const auto out = score_batch(p, t.view, opts(2, 1));
    CHECK(out[0] == doctest::Approx(0.2));
    CHECK(out[1] == doctest::Approx(0.3));
    CHECK(out[2] == doctest::Approx(0.4));
    const auto e = explain(p, t.view, 1, timestamp{});
    CHECK(e.score == doctest::Approx(0.3));
    CHECK(e.total == 5.0); // the raw points
    CHECK_THROWS_AS(calibrated_policy(scoring_policy{}, calibration_map{}), definition_error);
}

TEST_CASE("composite: bad parts are named") {
    CHECK_THROWS_WITH_AS(weighted_sum_policy({}), doctest::Contains("at least one part"), definition_error);
    CHECK_THROWS_WITH_AS(weighted_sum_policy({{"a", col(0), 1}, {"a", col(1), 1}}), doctest::Contains("'a'"),
                         definition_error);
    CHECK_THROWS_WITH_AS(weighted_sum_policy({{"a", col(0), nan_v}}), doctest::Contains("weight is not finite"),
                         definition_error);
    CHECK_THROWS_WITH_AS(max_policy({{"", col(0), 1}}), doctest::Contains("no name"), definition_error);
    CHECK_THROWS_WITH_AS(max_policy({{"p", scoring_policy{}, 1}}), doctest::Contains("no policy"), definition_error);
}

TEST_CASE("composite: composites nest") {
    two_columns t({1, 2}, {10, 20});
    const weighted_sum_policy inner({{"fit", col(0), 2.0}, {"engagement", col(1), 1.0}});
    const max_policy outer({{"sum", inner, 1.0}, {"engagement", col(1), 1.5}});
    const auto out = score_batch(outer, t.view, opts(1, 1));
    CHECK(out[0] == 15.0); // max(2·1 + 10, 1.5·10)
    CHECK(out[1] == 30.0); // max(2·2 + 20, 1.5·20)
}

} // namespace test_composite
