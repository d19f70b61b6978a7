// Properties every scoring policy must have, checked for each built-in policy, the composites and the user-written
// policy of examples/, over one generated CRM: the batch form equals the one-lead form bit for bit, any thread count
// and block size gives the same scores, the type-erased wrapper gives what the policy gives, an additive
// explanation adds up to its total, and the one-lead entry point (score_lead) agrees with the table.

#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/scoring/trees.hpp"
#include "leadscore/sim/generator.hpp"

#include "../examples/value_at_stake.hpp"
#include "tree_helpers.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace test_policies {

using namespace leadscore;

namespace {

const generated_crm& crm() {
    static const generated_crm c = [] {
        generator_options o;
        o.leads = 3000;
        o.seed = 11;
        o.follow_up_days = 60;
        return generate_crm(o);
    }();
    return c;
}

timestamp as_of() { return crm().horizon; }

points_policy make_points() {
    points_rules r;
    r.groups = {{"fit", {}, 40.0, {}}, {"engagement", decay_rule::half_life(30), 60.0, -20.0}};
    r.fit = {{"", condition::equals("industry", std::string("software")), 15, "fit"},
             {"", condition::at_least("employees", 200.0), 10, "fit"},
             {"", condition::is_missing("country"), -5, "fit"}};
    const auto rule = [](std::string type, double points) {
        engagement_rule e;
        e.event_type = std::move(type);
        e.points = points;
        return e;
    };
    r.engagement = {rule("email_clicked", 3), rule("webinar_attended", 12), rule("pricing_page_visited", 8),
                    rule("unsubscribed", -25)};
    r.engagement[0].cap = 15.0;
    r.engagement[1].counts = occurrence::first_only;
    r.total_cap = 90.0;
    return points_policy(std::move(r));
}

grade_policy make_grade() {
    grade_profile p;
    p.name = "ideal customer";
    p.criteria = {{"", condition::one_of("industry", {std::string("software"), std::string("finance")}), 3},
                  {"", condition::between("employees", 50.0, 5000.0), 2},
                  {"", condition::equals("newsletter", true), 1},
                  {"", condition::below("employees", 5.0), -4}};
    return grade_policy(std::move(p));
}

logistic_policy make_logistic() {
    feature_encoder e({numeric_feature{.field = "employees", .center = 300, .scale = 900, .missing_indicator = true},
                       categorical_feature{.field = "industry", .vocabulary = {"software", "finance", "retail"},
                                           .unknown = unknown_category::other},
                       boolean_feature{.field = "newsletter"},
                       recency_feature{.event_types = {"email_clicked", "meeting_booked"}, .cap_days = 180,
                                       .none_indicator = true, .center = 60, .scale = 45},
                       frequency_feature{.event_types = {}, .window_days = 30, .log1p = true}});
    std::vector<double> w(e.width());
    for (std::size_t j = 0; j < w.size(); ++j) w[j] = 0.35 * static_cast<double>((j * 7) % 5) - 0.6;
    return logistic_policy(logistic_model{std::move(e), std::move(w), -0.8});
}

frequency_policy make_frequency() {
    frequency_definition d;
    d.stages = frequency_stages(funnel::standard());
    d.variables = {{"source"}, {"industry"}, {"country", true}};
    d.lost_stage_field = "lost_stage";
    return frequency_policy(frequency_tables::build(d, crm().leads.view()));
}

weighted_sum_policy make_weighted() {
    return weighted_sum_policy({{"points", make_points(), 1.0}, {"grade", make_grade(), 10.0}}, 2.5);
}

max_policy make_max() { return max_policy({{"points", make_points(), 1.0}, {"grade", make_grade(), 20.0}}); }

grid_policy make_grid() {
    return grid_policy({"fit", make_grade(), {1.5, 2.5, 3.5}, grid_policy::default_fit_labels()},
                       {"engagement", make_points(), {10, 25, 45}, grid_policy::default_engagement_labels()});
}

calibrated_policy make_calibrated() { return calibrated_policy(make_points(), calibration_map::logistic(-2.0, 0.08)); }

struct points_case {
    static points_policy make() { return make_points(); }
};
struct grade_case {
    static grade_policy make() { return make_grade(); }
};
struct logistic_case {
    static logistic_policy make() { return make_logistic(); }
};
struct frequency_case {
    static frequency_policy make() { return make_frequency(); }
};
struct trees_case {
    static tree_ensemble_policy make() { return leadscore_test::crm_trees(crm().leads.view(), 21); }
};
struct weighted_case {
    static weighted_sum_policy make() { return make_weighted(); }
};
struct max_case {
    static max_policy make() { return make_max(); }
};
struct grid_case {
    static grid_policy make() { return make_grid(); }
};
struct calibrated_case {
    static calibrated_policy make() { return make_calibrated(); }
};
struct user_case { // the user-written policy of examples/custom_policy.cpp
    static leadscore_example::value_at_stake make() { return {}; }
};
struct erased_case { // a scoring_policy holding a composite that itself holds erased parts
    static scoring_policy make() { return scoring_policy(make_weighted()); }
};

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

template <class V>
void check_same(const V& a, const V& b) {
    REQUIRE(a.size() == b.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) differ += same_bits(a[i], b[i]) ? 0 : 1;
    CHECK(differ == 0);
}

} // namespace

TEST_CASE_TEMPLATE("every policy: batch equals one lead at a time, for any threads and block size", C, points_case,
                   grade_case, logistic_case, frequency_case, trees_case, weighted_case, max_case, grid_case, calibrated_case,
                   user_case, erased_case) {
    const auto policy = C::make();
    const auto view = crm().leads.view();
    const auto scorer = policy.bind(view, as_of());
    std::vector<double> one(view.rows());
    for (std::size_t r = 0; r < view.rows(); ++r) one[r] = static_cast<double>(scorer.score(r));

    // The scores are not all alike (a policy that ignored its input would pass the equalities below).
    std::size_t distinct_from_first = 0;
    for (double s : one) distinct_from_first += same_bits(s, one[0]) ? 0 : 1;
    CHECK(distinct_from_first > view.rows() / 20);

    for (unsigned threads : {1U, 2U, 3U}) {
        for (std::size_t block : {std::size_t{1}, std::size_t{97}, std::size_t{4096}}) {
            CAPTURE(threads);
            CAPTURE(block);
            batch_options o{.as_of = as_of(), .threads = threads, .block_rows = block};
            check_same(score_batch(policy, view, o), one);
        }
    }

    // A slice of the table scores as the same rows of the whole.
    const auto slice = view.rows_between(1000, 1500);
    const auto part = score_batch(policy, slice, batch_options{.as_of = as_of(), .threads = 2});
    check_same(part, std::vector<double>(one.begin() + 1000, one.begin() + 1500));

    // Held in the type-erased wrapper, it scores the same.
    const scoring_policy erased(policy);
    CHECK(erased.scale() == policy.scale());
    check_same(score_batch(erased, view, batch_options{.as_of = as_of(), .threads = 2}), one);
    const auto erased_scorer = erased.bind(view, as_of());
    for (std::size_t r = 0; r < view.rows(); r += 37) CHECK(same_bits(erased_scorer.score(r), one[r]));
}

TEST_CASE_TEMPLATE("every policy: explanations agree with the score", C, points_case, grade_case, logistic_case,
                   frequency_case, trees_case, weighted_case, max_case, grid_case, calibrated_case, user_case, erased_case) {
    const auto policy = C::make();
    const auto view = crm().leads.view();
    const auto scorer = policy.bind(view, as_of());
    for (std::size_t r = 0; r < view.rows(); r += 53) {
        CAPTURE(r);
        const auto e = explain(policy, view, r, as_of());
        const double s = static_cast<double>(scorer.score(r));
        if (std::isnan(s)) {
            CHECK(std::isnan(e.score));
            continue;
        }
        CHECK(e.score == doctest::Approx(s).epsilon(1e-12));
        if (e.additive) CHECK(e.sum() == doctest::Approx(e.total).epsilon(1e-9).scale(1.0));
        if (policy.scale() == score_scale::probability) {
            CHECK(s >= 0.0);
            CHECK(s <= 1.0);
        }
    }
}

TEST_CASE_TEMPLATE("every policy: a lead object scores as its row in a table", C, points_case, grade_case,
                   logistic_case, frequency_case, trees_case, weighted_case, calibrated_case, user_case) {
    const auto policy = C::make();
    const auto& table = crm().leads;
    const auto scorer = policy.bind(table.view(), as_of());
    for (std::size_t r : {std::size_t{0}, std::size_t{17}, std::size_t{1234}, std::size_t{2999}}) {
        CAPTURE(r);
        const lead l = table.lead_at(r);
        const double expected = static_cast<double>(scorer.score(r));
        const double got = score_lead(policy, l, table.table_schema(), as_of());
        if (std::isnan(expected))
            CHECK(std::isnan(got));
        else
            CHECK(got == doctest::Approx(expected).epsilon(1e-12));
    }
}

} // namespace test_policies
