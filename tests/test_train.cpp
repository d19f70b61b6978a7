// Training: targets, learned encoders, logistic regression (hand-derived optima, L1, class weights, separable data,
// determinism across threads, recovery of the generator's true coefficients), frequency tables through the same
// interface, calibration fits and cross-validation.
#include "leadscore/evaluate/cross_validation.hpp"
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/train/calibration.hpp"
#include "leadscore/train/encoder.hpp"
#include "leadscore/train/fit.hpp"
#include "leadscore/train/frequency.hpp"
#include "leadscore/train/logistic.hpp"
#include "leadscore/train/gbt.hpp"
#include "leadscore/core/names.hpp"
#include "leadscore/core/progress.hpp"
#include "leadscore/io/csv.hpp"

#include <doctest/doctest.h>

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace test_train {

using namespace leadscore;

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
using texts = std::vector<std::optional<std::string>>;
using flags = std::vector<std::int8_t>;
using numbers = std::vector<double>;

struct column {
    std::string name;
    std::variant<numbers, texts, flags> data;
};

/// A table from named columns: numbers (NaN = missing), texts (nullopt = missing), booleans (-1 = missing).
lead_table make_table(const std::vector<column>& columns) {
    schema s;
    for (const auto& c : columns)
        s.add({c.name,
               std::holds_alternative<numbers>(c.data) ? field_type::numeric
               : std::holds_alternative<texts>(c.data) ? field_type::categorical
                                                       : field_type::boolean,
               field_role::none});
    lead_table t(s);
    for (std::size_t k = 0; k < columns.size(); ++k) {
        const auto& d = columns[k].data;
        if (const auto* n = std::get_if<numbers>(&d)) t.column(k) = numeric_column{*n};
        else if (const auto* f = std::get_if<flags>(&d)) t.column(k) = boolean_column{*f};
        else {
            categorical_column c;
            for (const auto& v : std::get<texts>(d)) c.codes.push_back(v ? c.dict.intern(*v) : missing_code);
            t.column(k) = std::move(c);
        }
    }
    t.finish_rows();
    return t;
}

/// n copies of a value.
template <class T>
void append(std::vector<T>& v, std::size_t n, const T& x) {
    v.insert(v.end(), n, x);
}

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

/// The root of a decreasing-to-increasing f on [lo, hi] by bisection (f(lo) < 0 < f(hi)).
template <class F>
double bisect(F f, double lo, double hi) {
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (f(mid) < 0 ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

/// The symmetric data set of the hand derivations: x = +1 has 2 positives and 1 negative, x = −1 has 1 positive and
/// 2 negatives. By symmetry the intercept is 0 at every optimum below, and the weight's gradient of the summed
/// loss at (b = 0, w) is 2(σ(w) − 1) + σ(w) [x = +1] + σ(w) − 2(1 − σ(w)) [x = −1] = 6σ(w) − 4.
lead_table symmetric_table() {
    numbers x;
    texts y;
    append(x, 3, 1.0);
    append(x, 3, -1.0);
    for (const char* v : {"yes", "yes", "no", "yes", "no", "no"}) y.emplace_back(v);
    return make_table({{"x", x}, {"y", y}});
}

const binary_target yes_target{.field = "y", .positive = {"yes"}};

logistic_trainer fixed_x(double l2, double l1 = 0) {
    logistic_trainer t;
    t.encoder = feature_encoder({numeric_feature{.field = "x"}}); // center 0, scale 1: the raw value
    t.solver.l2 = l2;
    t.solver.l1 = l1;
    t.solver.tolerance = 1e-12;
    return t;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("train: target labels from categorical and boolean fields") {
    const auto t = make_table({{"outcome", texts{"won", "lost", "open", std::nullopt, "won"}},
                               {"flag", flags{1, 0, -1, 1, 0}},
                               {"n", numbers{1, 2, 3, 4, 5}}});
    const auto v = t.view();
    SUBCASE("positive and negative lists: other texts and missing are unlabelled") {
        const auto l = target_labels(v, {.field = "outcome", .positive = {"won"}, .negative = {"lost"}});
        CHECK(l == std::vector<std::int8_t>{1, 0, -1, -1, 1});
        CHECK(labelled_rows(l) == std::vector<std::size_t>{0, 1, 4});
    }
    SUBCASE("without negatives every other present text is 0; texts compare exactly") {
        CHECK(target_labels(v, {.field = "outcome", .positive = {"won"}}) == std::vector<std::int8_t>{1, 0, 0, -1, 1});
        CHECK(target_labels(v, {.field = "outcome", .positive = {"Won"}}) == std::vector<std::int8_t>{0, 0, 0, -1, 0});
    }
    SUBCASE("boolean") { CHECK(target_labels(v, {.field = "flag"}) == std::vector<std::int8_t>{1, 0, -1, 1, 0}); }
    SUBCASE("refused definitions name the field") {
        CHECK_THROWS_WITH_AS((void)target_labels(v, {.field = "nope", .positive = {"x"}}),
                             doctest::Contains("target 'nope': no such field"), definition_error);
        CHECK_THROWS_WITH_AS((void)target_labels(v, {.field = "n", .positive = {"x"}}),
                             doctest::Contains("target 'n': the field is numeric"), definition_error);
        CHECK_THROWS_WITH_AS((void)target_labels(v, {.field = "outcome"}), doctest::Contains("no positive text"),
                             definition_error);
        CHECK_THROWS_WITH_AS((void)target_labels(v, {.field = "flag", .positive = {"true"}}),
                             doctest::Contains("boolean target takes no positive"), definition_error);
        CHECK_THROWS_WITH_AS((void)target_labels(v, {.field = "outcome", .positive = {"won"}, .negative = {"won"}}),
                             doctest::Contains("'won' is listed as positive and as negative"), definition_error);
    }
}

TEST_CASE("train: a training set is checked") {
    const auto t = symmetric_table();
    const auto labels = target_labels(t.view(), yes_target);
    const std::vector<std::size_t> repeated{0, 1, 1}, past{0, 6};
    const std::vector<std::int8_t> short_labels{1, 0};
    CHECK_THROWS_WITH_AS(check_training_set({t.view(), labels, repeated}), doctest::Contains("row 1 is listed twice"),
                         definition_error);
    CHECK_THROWS_WITH_AS(check_training_set({t.view(), labels, past}), doctest::Contains("row 6 is past the end"),
                         definition_error);
    CHECK_THROWS_WITH_AS(check_training_set({t.view(), short_labels, {}}), doctest::Contains("2 labels for a view of 6"),
                         definition_error);
    std::vector<std::int8_t> unlabelled_first = labels;
    unlabelled_first[0] = unlabelled;
    const std::vector<std::size_t> first{0};
    CHECK_THROWS_WITH_AS(check_training_set({t.view(), unlabelled_first, first}),
                         doctest::Contains("row 0 has no label"), definition_error);
}

// ---------------------------------------------------------------------------------------------------------------
// Learned encoders
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("train: learn_encoder standardizes, builds vocabularies, pools rare texts and marks missing values") {
    const auto t = make_table({
        {"age", numbers{10, 20, not_a_number, 30, 40}},
        {"color", texts{"red", "blue", "red", std::nullopt, "green"}},
        {"vip", flags{1, 0, 1, -1, 1}},
        {"full", numbers{1, 1, 1, 1, 1}},
        {"y", texts{"yes", "no", "no", "yes", "no"}},
    });
    const std::vector<std::size_t> all{0, 1, 2, 3, 4};
    SUBCASE("defaults: every field but the target") {
        const auto e = learn_encoder(t.view(), all, {}, {}, "y");
        // age: present 10, 20, 30, 40 → mean 25, population sd √125; one missing → indicator.
        // color: red 2, blue 1, green 1 → by count, then text; one missing → feature; nothing pooled → zeros.
        // vip: 3 of 4 present are true → impute 0.75, indicator. full: constant → sd 0 taken as 1.
        REQUIRE(e.encoder.specs().size() == 4);
        const auto& age = std::get<numeric_feature>(e.encoder.specs()[0]);
        CHECK(age.center == 25);
        CHECK(age.scale == doctest::Approx(std::sqrt(125.0)).epsilon(1e-15));
        CHECK(age.impute == 25);
        CHECK(age.missing_indicator);
        const auto& color = std::get<categorical_feature>(e.encoder.specs()[1]);
        CHECK(color.vocabulary == std::vector<std::string>{"red", "blue", "green"});
        CHECK(color.unknown == unknown_category::zeros);
        CHECK(color.missing_feature);
        const auto& vip = std::get<boolean_feature>(e.encoder.specs()[2]);
        CHECK(vip.impute == 0.75);
        CHECK(vip.missing_indicator);
        const auto& full = std::get<numeric_feature>(e.encoder.specs()[3]);
        CHECK(full.center == 1);
        CHECK(full.scale == 1);
        CHECK_FALSE(full.missing_indicator);
        CHECK(e.notes.empty());
    }
    SUBCASE("only the given rows are read: a minimum count pools rare texts into 'other'") {
        const std::vector<std::size_t> rows{0, 1, 2, 4}; // row 3 (missing color, missing vip) left out
        encoder_options o;
        o.fields = {"color", "vip"};
        o.min_category_count = 2;
        const auto e = learn_encoder(t.view(), rows, o, {});
        const auto& color = std::get<categorical_feature>(e.encoder.specs()[0]);
        CHECK(color.vocabulary == std::vector<std::string>{"red"});
        CHECK(color.unknown == unknown_category::other);
        CHECK_FALSE(color.missing_feature);                              // no missing color among the rows
        CHECK_FALSE(std::get<boolean_feature>(e.encoder.specs()[1]).missing_indicator);
        CHECK(e.encoder.names() == std::vector<std::string>{"color=red", "color other", "vip"});
        REQUIRE(e.notes.size() == 1);
        CHECK(e.notes[0].find("2 texts seen in fewer than 2 rows pooled as 'other'") != std::string::npos);
    }
    SUBCASE("a field with nothing to learn from is left out, with a note") {
        const std::vector<std::size_t> rows{2};
        encoder_options o;
        o.fields = {"age", "color"};
        const auto e = learn_encoder(t.view(), rows, o, {});
        CHECK(e.encoder.names() == std::vector<std::string>{"color=red"});
        REQUIRE(e.notes.size() == 1);
        CHECK(e.notes[0] == "field 'age' left out: no present value in the training rows");
    }
    SUBCASE("errors name the field or option") {
        encoder_options o;
        o.fields = {"y"};
        CHECK_THROWS_WITH_AS((void)learn_encoder(t.view(), all, o, {}, "y"), doctest::Contains("'y' is the target"),
                             definition_error);
        o.fields = {"nope"};
        CHECK_THROWS_WITH_AS((void)learn_encoder(t.view(), all, o, {}), doctest::Contains("field 'nope' is not in the table"),
                             definition_error);
        encoder_options b;
        b.bins = 1;
        CHECK_THROWS_WITH_AS((void)learn_encoder(t.view(), all, b, {}), doctest::Contains("bins must be at least 2"),
                             definition_error);
        encoder_options m;
        m.min_category_count = 0;
        CHECK_THROWS_AS((void)learn_encoder(t.view(), all, m, {}), definition_error);
        encoder_options u;
        u.unknown = unknown_category::error;
        u.min_category_count = 3;
        CHECK_THROWS_WITH_AS((void)learn_encoder(t.view(), all, u, {}), doctest::Contains("pooled texts"), definition_error);
        encoder_options ev;
        ev.event_counts = {"page_visited"};
        table_view no_events(t.table_schema(), t.rows()); // a CRM's arrays, events not bound
        no_events.set_numeric(0, t.numeric(0));
        ev.fields = {"age"};
        CHECK_THROWS_WITH_AS((void)learn_encoder(no_events, all, ev, {}), doctest::Contains("no engagement events"),
                             definition_error);
    }
}

TEST_CASE("train: quantile bins and the default field list") {
    numbers x;
    for (int i = 1; i <= 10; ++i) x.push_back(i);
    x.push_back(not_a_number);
    const auto t = make_table({{"x", x}, {"y", texts(11, std::string("no"))}});
    std::vector<std::size_t> all(11);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    encoder_options o;
    o.numeric = numeric_encoding::bins;
    o.bins = 4;
    // Present values 1 … 10 (n = 10): cuts at sorted positions ⌊10k/4⌋ = 2, 5, 7 → values 3, 6, 8.
    const auto e = learn_encoder(t.view(), all, o, {}, "y");
    const auto& b = std::get<binned_feature>(e.encoder.specs()[0]);
    CHECK(b.cuts == std::vector<double>{3, 6, 8});
    CHECK(b.missing_indicator);
    // Both: a standardized feature with the indicator, bins without (one "x missing" feature only).
    o.numeric = numeric_encoding::standardize_and_bins;
    const auto both = learn_encoder(t.view(), all, o, {}, "y");
    CHECK(both.encoder.names() ==
          std::vector<std::string>{"x", "x missing", "x < 3", "x in [3, 6)", "x in [6, 8)", "x >= 8"});
    // Repeated values collapse cuts; a cut at the minimum would leave bin 0 empty and is dropped.
    const auto r = make_table({{"x", numbers{1, 1, 1, 1, 1, 1, 2, 2}}});
    const std::vector<std::size_t> rows{0, 1, 2, 3, 4, 5, 6, 7};
    o.numeric = numeric_encoding::bins;
    CHECK(std::get<binned_feature>(learn_encoder(r.view(), rows, o, {}).encoder.specs()[0]).cuts ==
          std::vector<double>{2});

    // Default fields skip identifiers, stage and outcome roles and timestamps.
    const auto crm = generate_crm({.leads = 50, .seed = 3});
    const auto d = learn_encoder(crm.leads.view(), labelled_rows(std::vector<std::int8_t>(50, 1)), {}, crm.horizon);
    std::vector<std::string> fields;
    for (const auto& s : d.encoder.specs()) fields.push_back(spec_name(s));
    CHECK(fields == std::vector<std::string>{"party", "job_title", "source", "purchase_timeframe", "team", "owner",
                                             "expected_value", "country", "employees", "industry", "newsletter",
                                             "lost_stage"});
}

// ---------------------------------------------------------------------------------------------------------------
// Logistic regression: optima derived by hand
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("train: logistic optimum of a saturated model is the log-odds of each group") {
    // One boolean feature. x = 0: 3 positives, 5 negatives; x = 1: 6 positives, 2 negatives. Unpenalized, the model
    // fits each group's rate exactly: b = log(3/5), b + w = log(6/2).
    flags x;
    texts y;
    append(x, 8, std::int8_t{0});
    append(x, 8, std::int8_t{1});
    for (int i = 0; i < 16; ++i) y.emplace_back((i < 3 || (i >= 8 && i < 14)) ? "yes" : "no");
    const auto t = make_table({{"x", x}, {"y", y}});
    logistic_trainer tr;
    tr.encoder = feature_encoder({boolean_feature{.field = "x"}});
    tr.solver.l2 = 0;
    tr.solver.tolerance = 1e-13;
    const auto r = fit(tr, t.view(), yes_target, {});
    CHECK(r.report.converged);
    CHECK(r.report.rows == 16);
    CHECK(r.report.positives == 9);
    CHECK(r.report.parameters == 2);
    CHECK(r.policy.intercept() == doctest::Approx(std::log(3.0 / 5)).epsilon(1e-10));
    CHECK(r.policy.weights()[0] == doctest::Approx(std::log(3.0) - std::log(3.0 / 5)).epsilon(1e-10));
    // The objective is the summed log loss: −Σ log of each row's fitted probability.
    const double expected = -(3 * std::log(3.0 / 8) + 5 * std::log(5.0 / 8) + 6 * std::log(6.0 / 8) + 2 * std::log(2.0 / 8));
    CHECK(r.report.objective == doctest::Approx(expected).epsilon(1e-12));
    CHECK(r.report.gradient_norm <= 1e-13);

    SUBCASE("class weights count a positive row as that many rows") {
        // positive_weight 2: x = 0 behaves as 6 positives, 5 negatives; x = 1 as 12 and 2.
        tr.solver.positive_weight = 2;
        const auto w = fit(tr, t.view(), yes_target, {});
        CHECK(w.policy.intercept() == doctest::Approx(std::log(6.0 / 5)).epsilon(1e-10));
        CHECK(w.policy.intercept() + w.policy.weights()[0] == doctest::Approx(std::log(6.0)).epsilon(1e-10));
        // balanced: 16 / (2·9) per positive, 16 / (2·7) per negative, so each class weighs 8.
        tr.solver.balanced = true;
        const auto b = fit(tr, t.view(), yes_target, {});
        const double cp = 16.0 / 18, cn = 16.0 / 14;
        CHECK(b.policy.intercept() == doctest::Approx(std::log(3 * cp / (5 * cn))).epsilon(1e-10));
        CHECK(b.policy.intercept() + b.policy.weights()[0] == doctest::Approx(std::log(6 * cp / (2 * cn))).epsilon(1e-10));
    }
}

TEST_CASE("train: logistic optimum with L2 and with L1 on the symmetric data") {
    const auto t = symmetric_table();
    SUBCASE("no penalty: 6σ(w) = 4, so w = log 2") {
        const auto r = fit(fixed_x(0), t.view(), yes_target, {});
        CHECK(r.report.converged);
        CHECK(r.policy.weights()[0] == doctest::Approx(std::log(2.0)).epsilon(1e-10));
        CHECK(std::abs(r.policy.intercept()) < 1e-12);
    }
    SUBCASE("L2 = 1: 6σ(w) − 4 + w = 0") {
        const double w = bisect([](double v) { return 6 * logistic(v) - 4 + v; }, 0, 1);
        const auto r = fit(fixed_x(1), t.view(), yes_target, {});
        CHECK(r.report.converged);
        CHECK(r.policy.weights()[0] == doctest::Approx(w).epsilon(1e-10));
        CHECK(w == doctest::Approx(0.4032).epsilon(1e-3)); // by hand: f(0.403) ≈ −0.0006, f(0.4033) ≈ +0.0002
        // objective = Σ loss + ½w²: rows at p = σ(±w), 2 + 2 rows right, 1 + 1 wrong.
        const double p = logistic(w);
        CHECK(r.report.objective == doctest::Approx(-4 * std::log(p) - 2 * std::log(1 - p) + 0.5 * w * w).epsilon(1e-12));
    }
    SUBCASE("L1 = 0.5 < |gradient at 0| = 1: 6σ(w) − 4 + 0.5 = 0, so σ(w) = 7/12 and w = log(7/5)") {
        const auto r = fit(fixed_x(0, 0.5), t.view(), yes_target, {});
        CHECK(r.report.converged);
        CHECK(r.policy.weights()[0] == doctest::Approx(std::log(7.0 / 5)).epsilon(1e-9));
    }
    SUBCASE("L1 = 1.5 ≥ |gradient at 0|: the weight is exactly 0") {
        const auto r = fit(fixed_x(0, 1.5), t.view(), yes_target, {});
        CHECK(r.report.converged);
        CHECK(r.policy.weights()[0] == 0.0);
        CHECK(std::abs(r.policy.intercept()) < 1e-12);
    }
    SUBCASE("elastic net L1 = 0.5, L2 = 1: 6σ(w) − 3.5 + w = 0") {
        const double w = bisect([](double v) { return 6 * logistic(v) - 3.5 + v; }, 0, 1);
        const auto r = fit(fixed_x(1, 0.5), t.view(), yes_target, {});
        CHECK(r.policy.weights()[0] == doctest::Approx(w).epsilon(1e-9));
    }
}

TEST_CASE("train: separable classes without a penalty end not converged, as a value") {
    const auto t = make_table({{"x", numbers{-2, -1, 1, 2}}, {"y", texts{"no", "no", "yes", "yes"}}});
    auto tr = fixed_x(0);
    tr.solver.max_iterations = 30;
    const auto r = fit(tr, t.view(), yes_target, {});
    CHECK_FALSE(r.report.converged);
    CHECK(r.report.iterations == 30);
    CHECK(r.report.message.find("separable") != std::string::npos);
    CHECK(std::isfinite(r.policy.weights()[0]));
    CHECK(r.policy.weights()[0] > 10); // still growing
    // The policy is usable: it ranks the rows perfectly.
    const auto s = score_batch(r.policy, t.view(), batch_options{.threads = 1});
    CHECK(s[0] < s[1]);
    CHECK(s[1] < 0.5);
    CHECK(s[2] > 0.5);
    // With L2 the same data has an optimum.
    const auto p = fit(fixed_x(1), t.view(), yes_target, {});
    CHECK(p.report.converged);
}

TEST_CASE("train: collinear features without a penalty are damped, not a crash") {
    // x2 = x1: the Hessian is singular. The fit still descends and scores like the one-feature model.
    const auto t = make_table({{"a", numbers{1, 2, 3, 4, 5, 6}}, {"b", numbers{1, 2, 3, 4, 5, 6}},
                               {"y", texts{"no", "yes", "no", "yes", "yes", "no"}}});
    logistic_trainer tr;
    tr.encoder = feature_encoder({numeric_feature{.field = "a"}, numeric_feature{.field = "b"}});
    tr.solver.l2 = 0;
    const auto r = fit(tr, t.view(), yes_target, {});
    CHECK(std::all_of(r.policy.weights().begin(), r.policy.weights().end(), [](double w) { return std::isfinite(w); }));
    logistic_trainer one;
    one.encoder = feature_encoder({numeric_feature{.field = "a"}});
    one.solver.l2 = 0;
    const auto o = fit(one, t.view(), yes_target, {});
    CHECK(r.policy.weights()[0] + r.policy.weights()[1] == doctest::Approx(o.policy.weights()[0]).epsilon(1e-6));
    CHECK(r.report.objective == doctest::Approx(o.report.objective).epsilon(1e-9));
}

TEST_CASE("train: refused fits") {
    const auto t = symmetric_table();
    const auto one_class = make_table({{"x", numbers{1, 2}}, {"y", texts{"yes", "yes"}}});
    CHECK_THROWS_WITH_AS((void)fit(logistic_trainer{}, one_class.view(), yes_target, {}),
                         doctest::Contains("hold no negative label"), definition_error);
    const auto bad = [&](logistic_options o, const char* what) {
        logistic_trainer tr;
        tr.solver = o;
        CHECK_THROWS_WITH_AS((void)fit(tr, t.view(), yes_target, {}), doctest::Contains(what), definition_error);
    };
    bad({.l2 = -1}, "l2 must be finite and at least 0");
    bad({.l1 = not_a_number}, "l1 must be finite");
    bad({.positive_weight = 0}, "positive_weight must be finite and above 0");
    bad({.tolerance = 0}, "tolerance must be finite and above 0");
    // Too wide: the message names the widest field.
    const auto wide = make_table({{"x", numbers{1, 2, 3, 4}}, {"k", texts{"a", "b", "c", "d"}},
                                  {"y", texts{"yes", "no", "yes", "no"}}});
    logistic_trainer narrow;
    narrow.solver.max_features = 4;
    CHECK_THROWS_WITH_AS((void)fit(narrow, wide.view(), yes_target, {}),
                         doctest::Contains("5 features, more than max_features (4); the widest is 'k' with 4"),
                         definition_error);
    // No feature at all: every field left out (here, a field without a present value, which the note names).
    const auto nothing = make_table({{"x", numbers{not_a_number, not_a_number}}, {"y", texts{"yes", "no"}}});
    CHECK_THROWS_WITH_AS((void)fit(logistic_trainer{}, nothing.view(), yes_target, {}),
                         doctest::Contains("no feature to learn from (every field was left out; field 'x' left out: "
                                           "no present value"),
                         definition_error);
    logistic_trainer none;
    none.encoding.exclude = {"x"};
    CHECK_THROWS_WITH_AS((void)fit(none, t.view(), yes_target, {}), doctest::Contains("no feature to learn from"),
                         definition_error);
    // An infinite value: refused while learning the encoder, and while building the design with a fixed one.
    const auto inf_table = make_table({{"x", numbers{1, std::numeric_limits<double>::infinity(), 3, 4}},
                                       {"y", texts{"yes", "no", "yes", "no"}}});
    CHECK_THROWS_WITH_AS((void)fit(logistic_trainer{}, inf_table.view(), yes_target, {}),
                         doctest::Contains("field 'x': row 1: the value is infinite"), input_error);
    CHECK_THROWS_WITH_AS((void)fit(fixed_x(1), inf_table.view(), yes_target, {}),
                         doctest::Contains("field 'x': row 1: the feature is not finite"), input_error);
}

// ---------------------------------------------------------------------------------------------------------------
// Logistic regression on generated data
// ---------------------------------------------------------------------------------------------------------------

namespace {

/// The generated CRM with one more column, employees_log10 (0 when missing, as the truth defines it), over the same
/// columns and events without a copy.
struct crm_with_log {
    generated_crm crm;
    schema fields;
    std::vector<double> log10_employees;
    table_view view;
    std::vector<std::int8_t> labels;
    std::vector<std::size_t> rows;

    explicit crm_with_log(std::size_t leads) : crm(generate_crm({.leads = leads, .seed = 11})) {
        const auto& t = crm.leads;
        std::vector<field> all(t.table_schema().fields().begin(), t.table_schema().fields().end());
        all.push_back({"employees_log10", field_type::numeric, field_role::none});
        fields = schema(all);
        for (const double e : t.numeric(t.table_schema().at("employees")))
            log10_employees.push_back(std::isnan(e) ? 0.0 : std::log10(e));
        view = table_view(fields, t.rows());
        const auto src = t.view();
        for (std::size_t c = 0; c < t.table_schema().size(); ++c) {
            switch (fields[c].type) {
            case field_type::numeric: view.set_numeric(c, src.numeric(c)); break;
            case field_type::categorical: view.set_categorical(c, src.codes(c), src.dict(c)); break;
            case field_type::boolean: view.set_boolean(c, src.booleans(c)); break;
            case field_type::timestamp: view.set_timestamp(c, src.timestamps(c)); break;
            }
        }
        view.set_numeric(fields.size() - 1, log10_employees);
        view.set_events(src.all_events(), src.event_offsets(), src.event_types(), src.event_details());
        labels = target_labels(view, {.field = "outcome", .positive = {"won"}, .negative = {"lost"}});
        rows = labelled_rows(labels);
    }

    /// An encoder whose features are exactly the truth's: reference levels left out of the vocabularies.
    feature_encoder truth_encoder() const {
        std::vector<std::string> sources, industries, events;
        for (const auto& [name, w] : crm.truth.coefficients) {
            if (name.starts_with("source=") && name != "source=advertising") sources.push_back(name.substr(7));
            if (name.starts_with("industry=") && name != "industry=manufacturing") industries.push_back(name.substr(9));
            if (name.ends_with("_count")) events.push_back(name.substr(0, name.size() - 6));
        }
        std::vector<feature_spec> specs{
            categorical_feature{.field = "source", .vocabulary = sources},
            categorical_feature{.field = "party", .vocabulary = {"organization"}},
            categorical_feature{.field = "industry", .vocabulary = industries},
            numeric_feature{.field = "employees_log10"},
            binned_feature{.field = "purchase_timeframe", .cuts = {1, 61}}, // now, 1 to 60, over 60; missing: none
            boolean_feature{.field = "newsletter"},
        };
        for (const auto& e : events) specs.push_back(frequency_feature{.event_types = {e}, .window_days = 36500});
        return feature_encoder(std::move(specs));
    }

    /// The truth's coefficient of an encoder feature.
    double truth_of(const std::string& feature) const {
        std::string key = feature;
        if (feature == "purchase_timeframe < 1") key = "purchase_timeframe_now";
        else if (feature == "purchase_timeframe in [1, 61)") key = "purchase_timeframe_1_60";
        else if (feature == "purchase_timeframe >= 61") key = "purchase_timeframe_over_60";
        else if (crm.truth.coefficients.count(feature + "_count")) key = feature + "_count"; // an event count
        const auto it = crm.truth.coefficients.find(key);
        REQUIRE_MESSAGE(it != crm.truth.coefficients.end(), "no true coefficient for " << feature);
        return it->second;
    }
};

} // namespace

TEST_CASE("train: the fit recovers the generator's true coefficients within 4 standard errors") {
    // 120 000 leads, about 98 000 closed. With the truth's own features and no penalty the fit is the maximum
    // likelihood estimate, whose error is about N(0, (XᵀWX)⁻¹): each coefficient must lie within 4 of its standard
    // errors, computed here independently from the dense design matrix (Eigen), of the truth. A wrong sign, scale,
    // feature order or event count would miss by tens of standard errors.
    const crm_with_log data(120'000);
    logistic_trainer tr;
    tr.encoder = data.truth_encoder();
    tr.solver.l2 = 0;
    const auto r = tr.fit({data.view, data.labels, data.rows, data.crm.horizon, "outcome"});
    REQUIRE(r.report.converged);
    CHECK(r.report.rows == data.rows.size());

    const auto bound = r.policy.encoder().bind(data.view, data.crm.horizon);
    const auto d = static_cast<Eigen::Index>(r.policy.encoder().width());
    Eigen::MatrixXd x(static_cast<Eigen::Index>(data.rows.size()), d + 1);
    std::vector<double> row(static_cast<std::size_t>(d));
    for (std::size_t i = 0; i < data.rows.size(); ++i) {
        bound.encode(data.rows[i], row);
        for (Eigen::Index j = 0; j < d; ++j) x(static_cast<Eigen::Index>(i), j) = row[static_cast<std::size_t>(j)];
        x(static_cast<Eigen::Index>(i), d) = 1.0;
    }
    Eigen::VectorXd theta(d + 1);
    theta.head(d) = Eigen::Map<const Eigen::VectorXd>(r.policy.weights().data(), d);
    theta[d] = r.policy.intercept();
    const Eigen::ArrayXd prob = 1.0 / (1.0 + (-(x * theta).array()).exp());
    const Eigen::MatrixXd info = x.transpose() * (prob * (1 - prob)).matrix().asDiagonal() * x;
    const Eigen::MatrixXd cov = info.ldlt().solve(Eigen::MatrixXd::Identity(d + 1, d + 1));

    double worst = 0;
    for (Eigen::Index j = 0; j < d; ++j) {
        const auto& name = r.policy.encoder().names()[static_cast<std::size_t>(j)];
        const double se = std::sqrt(cov(j, j));
        const double z = (r.policy.weights()[static_cast<std::size_t>(j)] - data.truth_of(name)) / se;
        CAPTURE(name);
        CAPTURE(r.policy.weights()[static_cast<std::size_t>(j)]);
        CAPTURE(se);
        CHECK(std::abs(z) < 4.0);
        worst = std::max(worst, std::abs(z));
    }
    const double z0 = (r.policy.intercept() - data.crm.truth.intercept) / std::sqrt(cov(d, d));
    CHECK(std::abs(z0) < 4.0);
    MESSAGE("largest |error| / standard error over " << d << " coefficients: " << worst);

    // The fitted model ranks held-in leads about as well as the true probabilities do.
    const auto s = score_batch(r.policy, data.view, batch_options{.as_of = data.crm.horizon, .threads = 1});
    const double fitted_auc = roc_auc(s, data.labels), true_auc = roc_auc(data.crm.won_probability, data.labels);
    CHECK(fitted_auc == doctest::Approx(true_auc).epsilon(0.005));
}

TEST_CASE("train: logistic fits are identical for any thread count, and quantile bins catch a U shape") {
    // y depends on |x| (a U shape a single linear term cannot express) plus a categorical effect.
    constexpr std::size_t n = 30'000;
    numbers x(n);
    texts c(n), y(n);
    std::uint64_t state = 12345;
    const auto uniform = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(state >> 11) * 0x1.0p-53;
    };
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = uniform() * 4 - 2;
        c[i].emplace(1, static_cast<char>('a' + i % 3)); // "a", "b", "c" (emplace: no GCC 12 -Wrestrict false alarm)
        if (i % 97 == 0) x[i] = not_a_number;
        const double eta = -1 + 1.5 * (std::isnan(x[i]) ? 0 : std::abs(x[i])) + (i % 3 == 0 ? 0.5 : 0);
        y[i].emplace(uniform() < logistic(eta) ? "yes" : "no");
    }
    const auto t = make_table({{"x", x}, {"c", c}, {"y", y}});
    logistic_trainer linear;
    linear.solver.threads = 1;
    logistic_trainer binned = linear;
    binned.encoding.numeric = numeric_encoding::bins;
    const auto l1 = fit(linear, t.view(), yes_target, {});
    const auto b1 = fit(binned, t.view(), yes_target, {});
    binned.solver.threads = 2;
    const auto b2 = fit(binned, t.view(), yes_target, {});
    CHECK(b1.policy == b2.policy); // bit for bit
    CHECK(b1.report.objective == b2.report.objective);
    CHECK(b1.report.iterations == b2.report.iterations);
    CHECK(b1.policy.encoder().names().size() == 10 + 1 + 3); // 10 bins, "x missing", c = a, b, c

    const auto labels = target_labels(t.view(), yes_target);
    const auto auc = [&](const logistic_policy& p) {
        return roc_auc(score_batch(p, t.view(), batch_options{.threads = 1}), labels);
    };
    CHECK(auc(b1.policy) > auc(l1.policy) + 0.1);
}

TEST_CASE("train: elastic net sets weak weights exactly to 0") {
    const crm_with_log data(20'000);
    logistic_trainer tr;
    tr.encoding.fields = {"source", "industry", "country", "team", "owner", "newsletter"};
    const auto dense = tr.fit({data.view, data.labels, data.rows, data.crm.horizon, "outcome"});
    tr.solver.l1 = 30;
    const auto sparse = tr.fit({data.view, data.labels, data.rows, data.crm.horizon, "outcome"});
    CHECK(dense.report.converged);
    CHECK(sparse.report.converged);
    const auto zeros = [](const std::vector<double>& w) { return std::count(w.begin(), w.end(), 0.0); };
    CHECK(zeros(dense.policy.weights()) == 0);
    CHECK(zeros(sparse.policy.weights()) > 10);
    // The optimality conditions hold: for a zero weight the loss gradient is within ±l1 (checked by the solver's
    // reported minimum-norm subgradient being small).
    CHECK(sparse.report.gradient_norm <= 1e-8);
}

TEST_CASE("train: unknown and pooled categories at scoring time") {
    // Trained on a, a, a, b, b, c (c is rare); scored on a, c, d (d never seen).
    const auto train = make_table({{"k", texts{"a", "a", "a", "b", "b", "c"}}, {"y", texts{"yes", "no", "yes", "no", "no", "yes"}}});
    const auto score = make_table({{"k", texts{"a", "c", "d", std::nullopt}}});
    logistic_trainer tr;
    tr.encoding.min_category_count = 2;
    const auto r = fit(tr, train.view(), yes_target, {});
    CHECK(r.policy.encoder().names() == std::vector<std::string>{"k=a", "k=b", "k other"});
    const auto s = score_batch(r.policy, score.view(), batch_options{.threads = 1});
    CHECK(s[1] == s[2]); // the rare text and the unseen one share "other"
    CHECK(s[3] == doctest::Approx(logistic(r.policy.intercept())).epsilon(1e-15)); // missing: no feature
    tr.encoding.unknown = unknown_category::error;
    tr.encoding.min_category_count = 1;
    const auto strict = fit(tr, train.view(), yes_target, {});
    CHECK_THROWS_WITH_AS((void)score_batch(strict.policy, score.view(), batch_options{.threads = 1}),
                         doctest::Contains("'d' is not in the feature's vocabulary"), input_error);
}

// ---------------------------------------------------------------------------------------------------------------
// Frequency tables through the same interface
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("train: frequency_trainer counts exactly the training rows, as frequency_tables::build does") {
    const auto crm = generate_crm({.leads = 3000, .seed = 5});
    frequency_definition d;
    d.stages = frequency_stages(funnel::standard());
    d.variables = {{"source"}, {"industry"}, {"country"}, {"newsletter"}};
    d.lost_stage_field = "lost_stage";
    const frequency_trainer trainer{d};
    const binary_target target{.field = "outcome", .positive = {"won"}, .negative = {"lost"}};
    const auto view = crm.leads.view();

    const auto all = fit(trainer, view, target, crm.horizon);
    CHECK(all.report.converged);
    CHECK(all.report.iterations == 0);
    CHECK(all.policy.tables() == frequency_tables::build(d, view)); // the outcome field says the same as the labels
    CHECK(all.report.parameters == all.policy.tables().size());

    // A fold: only its rows count — the same as building from a table of those rows alone.
    const auto labels = target_labels(view, target);
    const auto folds = k_fold(labels, 3, 9);
    const auto part = trainer.fit({view, labels, folds[0].train, crm.horizon, "outcome"});
    CHECK(part.policy.tables() == frequency_tables::build(d, crm.leads.select(folds[0].train).view()));
    CHECK(part.report.rows == folds[0].train.size());

    // A boolean target works too: positives are won leads.
    std::vector<std::int8_t> flags(view.rows());
    for (std::size_t r = 0; r < flags.size(); ++r) flags[r] = labels[r];
    const auto by_flags = trainer.fit({view, flags, labelled_rows(flags), crm.horizon, ""});
    CHECK(by_flags.policy.tables() == all.policy.tables());
}

TEST_CASE("train: frequency_counter merges the counts of parts into the counts of the whole") {
    SUBCASE("derived by hand: one won lead in one part, one lost lead in the other") {
        const auto t = make_table({{"stage", texts{"open", "open"}}, {"k", texts{"a", "a"}},
                                   {"y", texts{"yes", "no"}}});
        frequency_definition d;
        d.stages = frequency_stages(std::vector<std::string>{"open"}, std::vector<std::string>{"won"});
        d.stage_field = "stage";
        d.variables = {{"k"}};
        const auto labels = target_labels(t.view(), yes_target);
        const std::vector<std::size_t> first{0}, second{1};
        frequency_counter a(d), b(d);
        a.add({t.view(), labels, first, {}, "y"});
        b.add({t.view(), labels, second, {}, "y"});
        a.merge(b);
        // Each row was created once at the smoothing (100 thousandths), then got one won and one lost lead.
        CHECK(a.tables().value_counts(no_team, "k", "a") == frequency_counts{1100, 1100});
        CHECK(a.tables().stage_counts(no_team, "open") == frequency_counts{1100, 1100});
        CHECK(a.rows() == 2);
        CHECK(a.positives() == 1);
        CHECK(a.tables().rows()[0].leads == 2);
    }
    SUBCASE("uneven parts of a generated CRM, merged in any order, equal one fit") {
        const auto crm = generate_crm({.leads = 2000, .seed = 8});
        frequency_definition d;
        d.stages = frequency_stages(funnel::standard());
        d.variables = {{"source"}, {"industry"}, {"country"}, {"newsletter"}};
        d.lost_stage_field = "lost_stage";
        const frequency_trainer trainer{d};
        const binary_target target{.field = "outcome", .positive = {"won"}, .negative = {"lost"}};
        const auto view = crm.leads.view();
        const auto labels = target_labels(view, target);
        const auto rows = labelled_rows(labels);
        const auto whole = trainer.fit({view, labels, rows, crm.horizon, "outcome"});

        const std::vector<std::size_t> cuts{0, 7, rows.size() / 2, rows.size() / 2 + 3, rows.size()};
        std::vector<frequency_counter> parts;
        for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
            const std::span<const std::size_t> some(rows.data() + cuts[i], cuts[i + 1] - cuts[i]);
            parts.emplace_back(d).add({view, labels, some, crm.horizon, "outcome"});
        }
        frequency_counter forward(d), backward(d);
        for (const auto& p : parts) forward.merge(p);
        for (auto p = parts.rbegin(); p != parts.rend(); ++p) backward.merge(*p);
        const auto merged = trainer.fit(forward);
        CHECK(forward == backward);
        CHECK(merged.policy == whole.policy);
        CHECK(merged.policy.tables().rows() == whole.policy.tables().rows()); // counts and lead counts, in order
        CHECK(merged.report.rows == whole.report.rows);
        CHECK(merged.report.positives == whole.report.positives);
        CHECK(merged.report.message == whole.report.message);
        // A counter rebuilt from its tables (as an archive brings it back) merges the same.
        const frequency_counter again(parts[0].tables(), parts[0].rows(), parts[0].positives());
        CHECK(again == parts[0]);
    }
    SUBCASE("what cannot be merged or was not counted") {
        frequency_definition d;
        d.stages = frequency_stages(std::vector<std::string>{"open"}, std::vector<std::string>{"won"});
        d.variables = {{"k"}};
        auto other = d;
        other.smoothing = 1;
        frequency_counter a(d);
        CHECK_THROWS_WITH_AS(a.merge(frequency_counter(other)), doctest::Contains("another definition"), definition_error);
        CHECK_THROWS_WITH_AS((void)frequency_trainer{other}.fit(a), doctest::Contains("another definition"),
                             definition_error);
        frequency_tables by_hand(d);
        by_hand.set_value_counts(no_team, "k", "a", frequency_counts::of(2.5, 1));
        CHECK_THROWS_WITH_AS(frequency_counter(by_hand, 3, 1), doctest::Contains("no counting makes"), definition_error);
        CHECK_THROWS_WITH_AS(frequency_counter(frequency_tables(d), 1, 2), doctest::Contains("2 positives of 1 rows"),
                             definition_error);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Calibration
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("train: Platt scaling, derived by hand on two score values") {
    // Score 0: 1 positive of 4; score 1: 3 positives of 4. Two distinct scores make the model saturated: each
    // group's fitted probability equals its (target) mean.
    const std::vector<double> s{0, 0, 0, 0, 1, 1, 1, 1, 5};
    const std::vector<std::int8_t> l{1, 0, 0, 0, 1, 1, 1, 0, -1}; // the last row is unlabelled: left out
    SUBCASE("plain maximum likelihood: σ(a) = 1/4, σ(a + b) = 3/4") {
        const auto c = fit_platt(s, l, {.prior_correction = false});
        CHECK(c.report.converged);
        CHECK(c.map.type() == calibration_map::kind::logistic);
        CHECK(c.map.a() == doctest::Approx(std::log(1.0 / 3)).epsilon(1e-9));
        CHECK(c.map.b() == doctest::Approx(2 * std::log(3.0)).epsilon(1e-9));
        CHECK(c.report.rows == 8);
    }
    SUBCASE("Platt's targets 5/6 and 1/6: group means 1/3 and 2/3") {
        const auto c = fit_platt(s, l);
        CHECK(c.map.a() == doctest::Approx(std::log(0.5)).epsilon(1e-9));
        CHECK(c.map.b() == doctest::Approx(2 * std::log(2.0)).epsilon(1e-9));
        CHECK(c.map(1.0) == doctest::Approx(2.0 / 3).epsilon(1e-9));
    }
    SUBCASE("equal scores: slope 0, the base rate") {
        const std::vector<double> same{7, 7, 7, 7};
        const std::vector<std::int8_t> ls{1, 0, 0, 0};
        const auto c = fit_platt(same, ls, {.prior_correction = false});
        CHECK(c.map.b() == 0);
        CHECK(c.map(7) == doctest::Approx(0.25).epsilon(1e-9));
    }
    SUBCASE("points scale: large raw scores converge the same (internally standardized)") {
        std::vector<double> big(s);
        for (auto& v : big) v = 300 + 100 * v;
        const auto c = fit_platt(big, l, {.prior_correction = false});
        CHECK(c.map(300) == doctest::Approx(0.25).epsilon(1e-9));
        CHECK(c.map(400) == doctest::Approx(0.75).epsilon(1e-9));
    }
    SUBCASE("errors") {
        const std::vector<double> with_nan{0, not_a_number};
        const std::vector<std::int8_t> two{1, 0};
        CHECK_THROWS_WITH_AS((void)fit_platt(with_nan, two), doctest::Contains("row 1: the score is NaN"), input_error);
        const std::vector<std::int8_t> none{-1, -1};
        const std::vector<double> ok{0, 1};
        CHECK_THROWS_WITH_AS((void)fit_platt(ok, none), doctest::Contains("no labelled row"), definition_error);
        CHECK_THROWS_AS((void)fit_platt(ok, std::vector<std::int8_t>{1}), definition_error);
    }
}

TEST_CASE("train: isotonic regression pools adjacent violators") {
    SUBCASE("0, 1, 0, 1: the middle pair pools to 1/2") {
        const std::vector<double> s{1, 2, 3, 4};
        const std::vector<std::int8_t> l{0, 1, 0, 1};
        const auto c = fit_isotonic(s, l);
        CHECK(c.map.knots_x() == std::vector<double>{1, 2, 3, 4});
        CHECK(c.map.knots_y() == std::vector<double>{0, 0.5, 0.5, 1});
        CHECK(c.map(2.5) == 0.5);
        CHECK(c.map(0) == 0);   // flat outside
        CHECK(c.map(9) == 1);
        CHECK(c.map(3.5) == 0.75); // linear between blocks
    }
    SUBCASE("equal scores are one point, weighted by their rows") {
        // Score 1: 1 of 2 positive; score 2: 0 of 1; score 3: 1 of 1. Means 1/2, 0, 1 → pool the first two:
        // (1 + 0) / 3 = 1/3 over scores 1 … 2, then 1.
        const std::vector<double> s{1, 1, 2, 3};
        const std::vector<std::int8_t> l{1, 0, 0, 1};
        const auto c = fit_isotonic(s, l);
        CHECK(c.map.knots_x() == std::vector<double>{1, 2, 3});
        CHECK(c.map.knots_y()[0] == doctest::Approx(1.0 / 3));
        CHECK(c.map.knots_y()[1] == doctest::Approx(1.0 / 3));
        CHECK(c.map.knots_y()[2] == 1);
        CHECK(c.report.parameters == 3);
    }
    SUBCASE("decreasing labels pool into one block") {
        const std::vector<double> s{1, 2, 3};
        const std::vector<std::int8_t> l{1, 1, 0};
        const auto c = fit_isotonic(s, l);
        CHECK(c.map.knots_x() == std::vector<double>{1, 3});
        CHECK(c.map.knots_y()[0] == doctest::Approx(2.0 / 3));
        CHECK(c.map.knots_y()[1] == doctest::Approx(2.0 / 3));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-validation
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("train: cross-validation of a logistic trainer, and calibration on its out-of-fold scores") {
    const crm_with_log data(12'000);
    const binary_target target{.field = "outcome", .positive = {"won"}, .negative = {"lost"}};
    logistic_trainer tr;
    tr.encoding.fields = {"source", "party", "industry", "employees", "purchase_timeframe", "newsletter"};
    tr.encoding.event_counts = {"meeting_booked", "demo_requested", "unsubscribed"};
    const auto folds = k_fold(data.labels, 4, 2);
    const auto cv = cross_validate(tr, data.view, target, folds, data.crm.horizon);
    REQUIRE(cv.folds.size() == 4);
    std::size_t tested = 0;
    for (const auto& f : cv.folds) {
        CHECK(f.report.converged);
        tested += f.metrics.rows;
        CHECK(f.metrics.roc_auc > 0.65);
    }
    CHECK(tested == data.rows.size());
    CHECK(cv.sd_roc_auc < 0.05);
    for (std::size_t r = 0; r < data.labels.size(); ++r) CHECK((data.labels[r] == unlabelled) == std::isnan(cv.out_of_fold[r]));
    // The mean of the folds is what the folds say.
    double mean = 0;
    for (const auto& f : cv.folds) mean += f.metrics.roc_auc / 4;
    CHECK(cv.mean_roc_auc == doctest::Approx(mean).epsilon(1e-15));

    // Out-of-fold scores: Platt on them (plain maximum likelihood) keeps the ranking, and its intercept condition
    // Σ p = Σ y makes the mean calibrated probability the base rate.
    const std::vector<std::int8_t>& l = data.labels;
    const auto platt = fit_platt(cv.out_of_fold, l, {.prior_correction = false});
    CHECK(platt.report.converged);
    CHECK(platt.map.b() > 0);
    std::vector<double> calibrated(cv.out_of_fold.size()), oof = cv.out_of_fold;
    double sum_p = 0;
    for (std::size_t r = 0; r < l.size(); ++r) {
        calibrated[r] = l[r] == unlabelled ? 0.5 : platt.map(oof[r]);
        if (l[r] == unlabelled) oof[r] = 0.5;
        else sum_p += calibrated[r];
    }
    CHECK(roc_auc(calibrated, l) == doctest::Approx(roc_auc(oof, l)).epsilon(1e-12));
    std::size_t positives = 0;
    for (const auto v : l) positives += v == 1 ? 1 : 0;
    CHECK(sum_p / static_cast<double>(data.rows.size()) ==
          doctest::Approx(static_cast<double>(positives) / static_cast<double>(data.rows.size())).epsilon(1e-6));
    // The calibrated model is a policy like any other.
    const auto model = tr.fit({data.view, data.labels, data.rows, data.crm.horizon, "outcome"}).policy;
    const calibrated_policy cp(model, platt.map);
    CHECK(score_batch(cp, data.view, batch_options{.as_of = data.crm.horizon, .threads = 1}).size() == data.labels.size());
}

namespace {

/// A user's own model kind: the base rate of the training rows, as a constant probability.
struct base_rate_trainer {
    struct policy {
        double p = 0;
        [[nodiscard]] score_scale scale() const { return score_scale::probability; }
        struct scorer {
            double p;
            [[nodiscard]] double score(std::size_t) const { return p; }
        };
        [[nodiscard]] scorer bind(const table_view&, timestamp) const { return {p}; }
    };
    [[nodiscard]] fit_result<policy> fit(const training_set& data) const {
        check_training_set(data);
        fit_report r;
        for (const auto row : data.rows) r.positives += data.labels[row] == 1 ? 1 : 0;
        r.rows = data.rows.size();
        r.converged = true;
        return {{static_cast<double>(r.positives) / static_cast<double>(r.rows)}, r};
    }
};
static_assert(Trainer<base_rate_trainer>);
static_assert(!Trainer<int>);
static_assert(!Trainer<logistic_policy>); // a policy is not a trainer

} // namespace

TEST_CASE("train: a user's own Trainer cross-validates like the built-ins") {
    // 10 rows, 4 positive; 2 folds of 5. Each fold's model is a constant: every test row ties, so AUC = ½ exactly,
    // and the out-of-fold score of a row is the positive share of the other fold.
    const auto t = make_table({{"y", texts{"yes", "no", "yes", "no", "no", "yes", "no", "no", "yes", "no"}}});
    const auto labels = target_labels(t.view(), yes_target);
    const auto folds = k_fold(labels, 2, 1);
    const auto cv = cross_validate(base_rate_trainer{}, t.view(), yes_target, folds, {});
    REQUIRE(cv.folds.size() == 2);
    for (std::size_t f = 0; f < 2; ++f) {
        CHECK(cv.folds[f].metrics.roc_auc == 0.5);
        const auto& other = folds[1 - f].test;
        double share = 0;
        for (const auto r : other) share += labels[r];
        share /= static_cast<double>(other.size());
        for (const auto r : folds[f].test) CHECK(cv.out_of_fold[r] == share);
    }
    CHECK(cv.mean_roc_auc == 0.5);
    CHECK(cv.sd_roc_auc == 0.0);
}

// ---- progress and cancel ---------------------------------------------------------------------------------------

/// Records every call of a progress callback and cancels at the call numbered `cancel_at` (0: never).
struct progress_log {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
    std::size_t cancel_at = 0;
    progress_callback callback() {
        return [this](std::uint64_t done, std::uint64_t total) {
            calls.emplace_back(done, total);
            return calls.size() == cancel_at ? progress_action::cancel : progress_action::proceed;
        };
    }
    /// Each call's done / total is in [0, 1], never below the one before, and the last is 1.
    void check_fractions() const {
        REQUIRE(!calls.empty());
        double last = 0;
        for (const auto& [done, total] : calls) {
            REQUIRE(total > 0);
            const double f = static_cast<double>(done) / static_cast<double>(total);
            CHECK(f >= last);
            CHECK(f <= 1.0);
            last = f;
        }
        CHECK(last == 1.0);
    }
};

/// 400 rows: y is yes for most rows with a large x, noisy enough that logistic needs several Newton steps.
lead_table progress_table() {
    numbers x;
    texts y;
    for (int i = 0; i < 400; ++i) {
        x.push_back(i % 20);
        y.emplace_back((i % 20 > 9) != (i % 7 == 0) ? "yes" : "no");
    }
    return make_table({{"x", x}, {"y", y}});
}

TEST_CASE("progress: a logistic fit reports each Newton iteration and ends at 1; cancel throws cancelled_error") {
    const auto t = progress_table();
    progress_log log;
    const auto r = fit(logistic_trainer{}, t.view(), yes_target, {}, log.callback());
    REQUIRE(r.report.iterations >= 2);
    // One call before each Newton step (iterations + 1 passes, the last one finding convergence) and one at the end.
    CHECK(log.calls.size() == r.report.iterations + 2);
    CHECK(log.calls.front() == std::pair<std::uint64_t, std::uint64_t>{0, 100});
    log.check_fractions();

    progress_log stop;
    stop.cancel_at = 2; // during the fit, after the first Newton step
    CHECK_THROWS_WITH_AS((void)fit(logistic_trainer{}, t.view(), yes_target, {}, stop.callback()),
                         "logistic fit: cancelled", cancelled_error);
    CHECK(stop.calls.size() == 2);
}

TEST_CASE("progress: a gbt fit reports each tree; cancel stops at the tree asked") {
    const auto t = progress_table();
    gbt_trainer trees;
    trees.options.trees = 12;
    trees.options.threads = 2;
    progress_log log;
    (void)fit(trees, t.view(), yes_target, {}, log.callback());
    REQUIRE(log.calls.size() == 13); // before each of the 12 trees, and once at the end
    for (std::uint64_t k = 0; k < 12; ++k) CHECK(log.calls[k] == std::pair<std::uint64_t, std::uint64_t>{k, 12});
    log.check_fractions();

    progress_log stop;
    stop.cancel_at = 5;
    CHECK_THROWS_WITH_AS((void)fit(trees, t.view(), yes_target, {}, stop.callback()), "gbt fit: cancelled",
                         cancelled_error);
    CHECK(stop.calls.size() == 5); // no call after the cancel
}

TEST_CASE("progress: cross-validation moves through the folds in order; cancel in a fold stops it") {
    const auto t = progress_table();
    const auto labels = target_labels(t.view(), yes_target);
    const auto folds = k_fold(labels, 4, 7);
    cross_validation_options o;
    progress_log log;
    o.progress = log.callback();
    (void)cross_validate(logistic_trainer{}, t.view(), yes_target, folds, {}, o);
    log.check_fractions();
    // Each fold ends at (i + 1) / 4 of the work: its fit's last call and the fold's own.
    std::size_t quarters = 0;
    for (const auto& [done, total] : log.calls) quarters += done * 4 % total == 0 && done > 0 ? 1 : 0;
    CHECK(quarters >= 4);

    progress_log stop;
    stop.cancel_at = log.calls.size() / 2;
    o.progress = stop.callback();
    CHECK_THROWS_AS((void)cross_validate(logistic_trainer{}, t.view(), yes_target, folds, {}, o), cancelled_error);
}

TEST_CASE("progress: batch scoring reports blocks on the calling thread for any thread count; cancel throws") {
    const auto t = progress_table();
    const auto r = fit(logistic_trainer{}, t.view(), yes_target, {});
    std::vector<double> reference(t.rows());
    score_batch(r.policy, t.view(), reference);
    for (const unsigned threads : {1u, 3u}) {
        CAPTURE(threads);
        progress_log log;
        batch_options o;
        o.threads = threads;
        o.block_rows = 16; // 25 blocks of 400 rows
        o.progress = log.callback();
        std::vector<double> out(t.rows());
        score_batch(r.policy, t.view(), out, o);
        CHECK(out == reference);
        log.check_fractions();
        for (const auto& [done, total] : log.calls) CHECK(total == 400);
        if (threads == 1) CHECK(log.calls.size() == 25);

        progress_log stop;
        stop.cancel_at = 1;
        o.progress = stop.callback();
        CHECK_THROWS_WITH_AS(score_batch(r.policy, t.view(), out, o), "batch: cancelled", cancelled_error);
    }
}

TEST_CASE("progress: the CSV reader reports bytes every 4096 rows and at the end; cancel throws") {
    std::string text = "x,y\n";
    for (int i = 0; i < 10000; ++i) text += std::to_string(i) + ",a\n";
    csv_options o;
    progress_log log;
    o.progress = log.callback();
    const auto r = read_csv(text, o, "big.csv");
    CHECK(r.rows_read == 10000);
    REQUIRE(log.calls.size() == 3); // rows 4096 and 8192, and the end
    for (const auto& [done, total] : log.calls) CHECK(total == text.size());
    log.check_fractions();

    progress_log stop;
    stop.cancel_at = 1;
    o.progress = stop.callback();
    CHECK_THROWS_WITH_AS((void)read_csv(text, o, "big.csv"), "csv: reading big.csv: cancelled", cancelled_error);
}

TEST_CASE("progress_part maps a part's work into its share of the whole") {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
    const progress_callback whole = [&](std::uint64_t d, std::uint64_t t) {
        seen.emplace_back(d, t);
        return progress_action::proceed;
    };
    const auto third = detail::progress_part(whole, 2, 4); // the share [1/2, 3/4]
    (void)third(0, 10);
    (void)third(5, 10);
    (void)third(10, 10);
    REQUIRE(seen.size() == 3);
    const auto f = [&](std::size_t i) { return static_cast<double>(seen[i].first) / static_cast<double>(seen[i].second); };
    CHECK(f(0) == 0.5);
    CHECK(f(1) == 0.625);
    CHECK(f(2) == 0.75);
    CHECK(!detail::progress_part(progress_callback{}, 0, 2)); // nothing to report to
}

TEST_CASE("closest_name: the nearest name within a third of its length, letters compared without case") {
    const std::vector<std::string> columns{"outcome", "industry", "employees", "won"};
    CHECK(closest_name("outcom", columns) == "outcome");    // one deletion
    CHECK(closest_name("Industry", columns) == "industry"); // case only
    CHECK(closest_name("indsutry", columns) == "industry"); // a swap of neighbours counts once
    CHECK(closest_name("Won", columns) == "won");
    CHECK(closest_name("wan", columns) == "won");            // 1 edit, allowed for 3 letters
    CHECK(closest_name("xyz", columns).empty());             // 3 edits from "won"
    CHECK(closest_name("employes_count", columns).empty());  // 6 edits, more than 14 / 3
    CHECK(closest_name("won", columns).empty());             // the name itself is no suggestion
    const std::vector<std::string> letters{"x", "y"};
    CHECK(closest_name("z", letters).empty()); // one edit, but every letter of a one-letter name
    CHECK(closest_name("X", letters) == "x");
    CHECK(did_you_mean("outcom", columns) == " (did you mean 'outcome'?)");
    CHECK(did_you_mean("zzzzzz", columns).empty());
}

} // namespace test_train
