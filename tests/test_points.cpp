// Field conditions, points rules and the fit grade. Expected numbers are derived by hand in the comments.
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/condition.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/sim/generator.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace test_points {

using namespace leadscore;

namespace {

const timestamp as_of = *parse_timestamp("2026-06-01");
constexpr std::int64_t day_s = 86400;

/// `days` days (and `extra` seconds) before the as-of time; negative days are after it.
timestamp ago(double days, std::int64_t extra = 0) {
    return as_of - std::chrono::seconds(std::llround(days * day_s) + extra);
}

schema test_schema() {
    const field attributes[] = {
        {"employees", field_type::numeric, field_role::none},
        {"industry", field_type::categorical, field_role::none},
        {"newsletter", field_type::boolean, field_role::none},
        {"signed_up", field_type::timestamp, field_role::none},
    };
    return schema::for_leads(attributes);
}

struct profile {
    double employees = std::numeric_limits<double>::quiet_NaN();
    std::string industry;
    int newsletter = -1; // -1 = unknown
    std::optional<timestamp> signed_up;
    std::string job_title;
    std::vector<engagement_event> events;
};

lead make_lead(const profile& p, std::size_t i) {
    lead l;
    l.id = "L" + std::to_string(i);
    l.contact.job_title = p.job_title;
    if (!std::isnan(p.employees)) l.attributes["employees"] = p.employees;
    if (!p.industry.empty()) l.attributes["industry"] = p.industry;
    if (p.newsletter >= 0) l.attributes["newsletter"] = p.newsletter == 1;
    if (p.signed_up) l.attributes["signed_up"] = *p.signed_up;
    l.events = p.events;
    return l;
}

lead_table make_table(const std::vector<profile>& profiles) {
    std::vector<lead> leads;
    for (std::size_t i = 0; i < profiles.size(); ++i) leads.push_back(make_lead(profiles[i], i));
    return lead_table::from_leads(leads, test_schema());
}

/// A table of leads that differ only by their events.
lead_table events_table(const std::vector<std::vector<engagement_event>>& per_lead) {
    std::vector<profile> p(per_lead.size());
    for (std::size_t i = 0; i < per_lead.size(); ++i) p[i].events = per_lead[i];
    return make_table(p);
}

engagement_event ev(timestamp t, std::string type, std::string detail = "") {
    return {t, std::move(type), std::move(detail)};
}

points_group group(std::string name, decay_rule d = {}, std::optional<double> cap = {},
                   std::optional<double> floor = {}) {
    return {std::move(name), d, cap, floor};
}

engagement_rule on(std::string type, double points, occurrence o = occurrence::repeatable,
                   std::optional<double> cap = {}, std::string group = "engagement") {
    engagement_rule r;
    r.event_type = std::move(type);
    r.points = points;
    r.counts = o;
    r.cap = cap;
    r.group = std::move(group);
    return r;
}

fit_rule when(condition c, double points, std::string group = "fit") {
    fit_rule r;
    r.when = std::move(c);
    r.points = points;
    r.group = std::move(group);
    return r;
}

std::vector<double> scores(const points_policy& p, const lead_table& t, timestamp at = as_of) {
    return score_batch(p, t.view(), batch_options{.as_of = at, .threads = 1});
}

// The conditions' rows: 0..4.
std::vector<profile> condition_profiles() {
    return {
        {50, "Software", 1, ago(10), "VP Sales", {}},
        {1000, "retail", 0, ago(40), "Intern", {}},
        {std::numeric_limits<double>::quiet_NaN(), "", -1, std::nullopt, "", {}},
        {49.999, "software", 1, ago(30), "vp of marketing", {}},
        {1000.5, "Finance", 0, ago(31), "CTO", {}},
    };
}

/// Checks matches(row), match_block and add_where against the expected rows, also from an offset.
void check_rows(const condition& c, const table_view& v, std::vector<int> expected) {
    INFO(to_string(c));
    const bound_condition b(c, v);
    std::vector<std::uint8_t> block(v.rows());
    b.match_block(0, block);
    std::vector<double> added(v.rows(), 1.0);
    b.add_where(0, 2.5, added);
    std::vector<std::uint8_t> tail(v.rows() - 1);
    b.match_block(1, tail);
    for (std::size_t r = 0; r < v.rows(); ++r) {
        INFO("row " << r);
        CHECK(b.matches(r) == (expected[r] != 0));
        CHECK(block[r] == expected[r]);
        CHECK(added[r] == (expected[r] ? 3.5 : 1.0));
        if (r > 0) CHECK(tail[r - 1] == expected[r]);
    }
}

} // namespace

// ---- conditions -----------------------------------------------------------------------------------

TEST_CASE("condition: every test on every field type, missing values and negation") {
    const auto t = make_table(condition_profiles());
    const auto v = t.view();
    // employees: 50, 1000, missing, 49.999, 1000.5
    SUBCASE("numeric") {
        check_rows(condition::between("employees", 50.0, 1000.0), v, {1, 1, 0, 0, 0}); // both bounds inclusive
        check_rows(condition::above("employees", 50.0), v, {0, 1, 0, 0, 1});           // 50 itself is out
        check_rows(condition::below("employees", 1000.0), v, {1, 0, 0, 1, 0});         // 1000 itself is out
        check_rows(condition::at_most("employees", 1000.0), v, {1, 1, 0, 1, 0});
        // Negation flips present values only: the missing row 2 stays out.
        check_rows(!condition::between("employees", 50.0, 1000.0), v, {0, 0, 0, 1, 1});
        check_rows(condition::equals("employees", 1000.0), v, {0, 1, 0, 0, 0});
        check_rows(condition::one_of("employees", {50.0, 1000.5}), v, {1, 0, 0, 0, 1});
        check_rows(!condition::one_of("employees", {50.0, 1000.5}), v, {0, 1, 0, 1, 0});
        check_rows(condition::is_missing("employees"), v, {0, 0, 1, 0, 0});
        check_rows(!condition::is_missing("employees"), v, {1, 1, 0, 1, 1});
        condition open_range = condition::between("employees", 50.0, 1000.0);
        open_range.low_inclusive = false;
        open_range.high_inclusive = false;
        check_rows(open_range, v, {0, 0, 0, 0, 0});
        check_rows(condition::above("employees", std::numeric_limits<double>::infinity()), v, {0, 0, 0, 0, 0});
    }
    // industry: "Software", "retail", missing, "software", "Finance"
    SUBCASE("categorical") {
        check_rows(condition::equals("industry", std::string("software")), v, {1, 0, 0, 1, 0}); // ASCII case ignored
        condition exact = condition::equals("industry", std::string("software"));
        exact.case_sensitive = true;
        check_rows(exact, v, {0, 0, 0, 1, 0});
        check_rows(condition::one_of("industry", {std::string("RETAIL"), std::string("finance")}), v, {0, 1, 0, 0, 1});
        check_rows(!condition::equals("industry", std::string("software")), v, {0, 1, 0, 0, 1});
        check_rows(condition::is_missing("industry"), v, {0, 0, 1, 0, 0});
        check_rows(!condition::is_missing("industry"), v, {1, 1, 0, 1, 1});
        // job_title: "VP Sales", "Intern", missing, "vp of marketing", "CTO"
        check_rows(condition::contains("job_title", "vp"), v, {1, 0, 0, 1, 0});
        check_rows(!condition::contains("job_title", "vp"), v, {0, 1, 0, 0, 1});
        condition exact_contains = condition::contains("job_title", "VP");
        exact_contains.case_sensitive = true;
        check_rows(exact_contains, v, {1, 0, 0, 0, 0});
        check_rows(condition::equals("industry", std::string("manufacturing")), v, {0, 0, 0, 0, 0}); // not in dict
    }
    // newsletter: true, false, missing, true, false
    SUBCASE("boolean") {
        check_rows(condition::equals("newsletter", true), v, {1, 0, 0, 1, 0});
        check_rows(!condition::equals("newsletter", true), v, {0, 1, 0, 0, 1});
        check_rows(condition::equals("newsletter", false), v, {0, 1, 0, 0, 1});
        check_rows(condition::one_of("newsletter", {true, false}), v, {1, 1, 0, 1, 1});
        check_rows(condition::is_missing("newsletter"), v, {0, 0, 1, 0, 0});
    }
    // signed_up: 10, 40, missing, 30, 31 days before as_of
    SUBCASE("timestamp") {
        check_rows(condition::at_least("signed_up", ago(30)), v, {1, 0, 0, 1, 0}); // exactly 30 days ago is in
        check_rows(condition::above("signed_up", ago(30)), v, {1, 0, 0, 0, 0});
        check_rows(condition::between("signed_up", ago(40), ago(30)), v, {0, 1, 0, 1, 1});
        check_rows(condition::below("signed_up", ago(40)), v, {0, 0, 0, 0, 0});
        check_rows(!condition::below("signed_up", ago(40)), v, {1, 1, 0, 1, 1});
        check_rows(condition::equals("signed_up", ago(31)), v, {0, 0, 0, 0, 1});
        check_rows(condition::is_missing("signed_up"), v, {0, 0, 1, 0, 0});
    }
}

TEST_CASE("condition: a test that does not fit the field is refused at bind, naming field and condition") {
    const auto t = make_table(condition_profiles());
    const auto v = t.view();
    CHECK_THROWS_WITH_AS(bound_condition(condition::contains("employees", "5"), v),
                         doctest::Contains("condition on field 'employees' (employees contains '5'): contains does "
                                           "not apply to the numeric field 'employees'"),
                         definition_error);
    CHECK_THROWS_WITH_AS(bound_condition(condition::between("industry", 1.0, 2.0), v),
                         doctest::Contains("range does not apply to the categorical field 'industry'"),
                         definition_error);
    CHECK_THROWS_WITH_AS(bound_condition(condition::at_least("newsletter", 1.0), v),
                         doctest::Contains("range does not apply to the boolean field 'newsletter'"), definition_error);
    CHECK_THROWS_WITH_AS(bound_condition(condition::equals("employees", std::string("50")), v),
                         doctest::Contains("a categorical value for the numeric field 'employees'"), definition_error);
    CHECK_THROWS_WITH_AS(bound_condition(condition::at_least("signed_up", 3.0), v),
                         doctest::Contains("a numeric bound for the timestamp field 'signed_up'"), definition_error);
    CHECK_THROWS_WITH_AS(bound_condition(condition::equals("revenue", 1.0), v),
                         doctest::Contains("no field 'revenue' in the table"), definition_error);
}

TEST_CASE("condition: definitions that cannot work are refused before any table") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(validate(condition::equals("", 1.0)), doctest::Contains("no field name"), definition_error);
    CHECK_THROWS_WITH_AS(validate(condition::equals("x", nan)), doctest::Contains("NaN"), definition_error);
    CHECK_THROWS_WITH_AS(validate(condition::one_of("x", {})), doctest::Contains("at least one value"),
                         definition_error);
    CHECK_THROWS_WITH_AS(validate(condition::one_of("x", {1.0, std::string("a")})), doctest::Contains("one type"),
                         definition_error);
    CHECK_THROWS_WITH_AS(validate(condition::contains("x", "")), doctest::Contains("non-empty text"),
                         definition_error);
    CHECK_THROWS_WITH_AS(validate(condition::between("x", 5.0, 1.0)), doctest::Contains("low bound is above"),
                         definition_error);
    CHECK_THROWS_WITH_AS(validate(condition::between("x", 1.0, nan)), doctest::Contains("NaN"), definition_error);
    CHECK_THROWS_WITH_AS(validate(condition::between("x", 1.0, as_of)), doctest::Contains("one type"),
                         definition_error);
    CHECK_THROWS_WITH_AS(validate(condition::between("x", std::string("a"), std::string("b"))),
                         doctest::Contains("numbers or timestamps"), definition_error);
    condition empty = condition::between("x", 2.0, 2.0);
    empty.high_inclusive = false;
    CHECK_THROWS_WITH_AS(validate(empty), doctest::Contains("the range is empty"), definition_error);
    condition stray = condition::equals("x", 1.0);
    stray.low = 0.0;
    CHECK_THROWS_WITH_AS(validate(stray), doctest::Contains("bounds belong to a range"), definition_error);
    condition no_bounds;
    no_bounds.field = "x";
    no_bounds.test = condition_test::range;
    CHECK_THROWS_WITH_AS(validate(no_bounds), doctest::Contains("a low or a high bound"), definition_error);
    CHECK_NOTHROW(validate(condition::between("x", 2.0, 2.0))); // [2, 2] holds exactly 2
}

TEST_CASE("condition: readable text and test names") {
    CHECK(to_string(condition::between("employees", 50.0, 1000.0)) == "employees in [50, 1000]");
    CHECK(to_string(condition::below("score", 0.5)) == "score < 0.5");
    CHECK(to_string(!condition::equals("industry", std::string("retail"))) == "not (industry = 'retail')");
    CHECK(to_string(condition::one_of("tier", {1.0, 2.0})) == "tier in {1, 2}");
    CHECK(to_string(condition::is_missing("phone")) == "phone is missing");
    CHECK(to_string(condition::at_least("created", *parse_timestamp("2026-01-01"))) == "created >= 2026-01-01");
    for (auto t : {condition_test::equals, condition_test::one_of, condition_test::range, condition_test::contains,
                   condition_test::is_missing})
        CHECK(parse_condition_test(to_string(t)) == t);
    CHECK_FALSE(parse_condition_test("between"));
}

TEST_CASE("condition: values outside a dictionary or a flag's range are reported, never read") {
    const schema s({{"industry", field_type::categorical, field_role::none},
                    {"newsletter", field_type::boolean, field_role::none}});
    dictionary d;
    d.intern("software");
    const std::vector<std::int32_t> codes{0, 5, -1, -7};
    const std::vector<std::int8_t> flags{1, 0, 2, -1};
    table_view v(s, 4);
    v.set_categorical(0, codes, d);
    v.set_boolean(1, flags);
    const bound_condition industry(condition::equals("industry", std::string("software")), v);
    CHECK(industry.matches(0));
    CHECK_FALSE(industry.matches(2));
    CHECK_THROWS_WITH_AS((void)industry.matches(1), doctest::Contains("field 'industry': row 1 holds code 5"),
                         definition_error);
    std::vector<std::uint8_t> out(4);
    CHECK_THROWS_WITH_AS(industry.match_block(0, out), doctest::Contains("row 1 holds code 5"), definition_error);
    CHECK_THROWS_WITH_AS(industry.match_block(2, std::span(out).first(2)), doctest::Contains("row 3 holds code -7"),
                         definition_error);
    const bound_condition newsletter(condition::equals("newsletter", true), v);
    CHECK_THROWS_WITH_AS(newsletter.match_block(0, out), doctest::Contains("field 'newsletter': row 2 holds the flag 2"),
                         definition_error);
    CHECK_THROWS_AS(industry.match_block(3, out), std::out_of_range);
}

// ---- points ---------------------------------------------------------------------------------------

TEST_CASE("points: fit rules with negative points") {
    const auto t = make_table(condition_profiles());
    points_rules r;
    r.fit = {when(condition::equals("industry", std::string("software")), 20),
             when(condition::at_least("employees", 1000.0), 15),
             when(condition::contains("job_title", "intern"), -10),
             when(condition::is_missing("industry"), -5)};
    const points_policy p(r);
    // row 0: software 20; row 1: 1000 employees 15, intern -10 = 5; row 2: industry missing -5;
    // row 3: software 20; row 4: 1000.5 employees 15.
    CHECK(scores(p, t) == std::vector<double>{20, 5, -5, 20, 15});
    CHECK(p.scale() == score_scale::points);
}

TEST_CASE("points: half-life decay by hand") {
    const auto t = events_table({
        {ev(ago(60), "webinar_attended")},                                   // 10 · 2^(-60/30) = 2.5
        {ev(ago(0), "webinar_attended"), ev(ago(30), "webinar_attended")},   // 10 · 2^0 + 10 · 2^-1 = 15
        {ev(ago(15), "webinar_attended")},                                   // 10 · 2^(-1/2) = 7.0710678118654755
        {ev(ago(-1), "webinar_attended")},                                   // a day after as_of: not yet there, 0
        {},                                                                  // nothing: 0
    });
    points_rules r;
    r.groups = {group("engagement", decay_rule::half_life(30))};
    r.engagement = {on("webinar_attended", 10)};
    const auto s = scores(points_policy(r), t);
    CHECK(s[0] == doctest::Approx(2.5).epsilon(1e-12));
    CHECK(s[1] == doctest::Approx(15.0).epsilon(1e-12));
    CHECK(s[2] == doctest::Approx(10.0 / std::sqrt(2.0)).epsilon(1e-12));
    CHECK(s[3] == 0.0);
    CHECK(s[4] == 0.0);
    CHECK(decay_rule::half_life(30).weight(60 * day_s) == doctest::Approx(0.25).epsilon(1e-15));
}

TEST_CASE("points: a percentage per whole period elapsed") {
    // 10 % per 7 days on 10 points: weight 0.9^floor(age / 7 days).
    const auto t = events_table({
        {ev(ago(7, -1), "form_submitted")}, // 6 d 23:59:59: no whole period yet → 10
        {ev(ago(7), "form_submitted")},     // exactly 7 days: one step → 9
        {ev(ago(13), "form_submitted")},    // 13 days: still one step → 9
        {ev(ago(14), "form_submitted")},    // two steps → 8.1
        {ev(ago(21), "form_submitted")},    // three steps → 7.29
    });
    points_rules r;
    r.groups = {group("engagement", decay_rule::percent_per_period(10, 7))};
    r.engagement = {on("form_submitted", 10)};
    const auto s = scores(points_policy(r), t);
    CHECK(s[0] == 10.0);
    CHECK(s[1] == doctest::Approx(9.0).epsilon(1e-12));
    CHECK(s[2] == doctest::Approx(9.0).epsilon(1e-12));
    CHECK(s[3] == doctest::Approx(8.1).epsilon(1e-12));
    CHECK(s[4] == doctest::Approx(7.29).epsilon(1e-12));
}

TEST_CASE("points: window boundary (an event exactly N days old is in)") {
    const auto t = events_table({
        {ev(ago(30), "pricing_page_visited")},     // exactly 30 days: in → 10
        {ev(ago(30, 1), "pricing_page_visited")},  // 30 days and 1 s: out → 0
        {ev(ago(0), "pricing_page_visited")},      // at as_of: in → 10
        {ev(ago(0, -1), "pricing_page_visited")},  // 1 s after as_of: not yet there → 0
    });
    points_rules r;
    r.groups = {group("engagement", decay_rule::window(30))};
    r.engagement = {on("pricing_page_visited", 10)};
    const points_policy p(r);
    CHECK(scores(p, t) == std::vector<double>{10, 0, 10, 0});
    // The rule matched row 1 but its points expired: the factor is there, with 0 points.
    const auto e = explain(p, t.view(), 1, as_of);
    REQUIRE(e.factors.size() == 1);
    CHECK(e.factors[0].name == "pricing_page_visited");
    CHECK(e.factors[0].contribution == 0.0);
    // The row 3 event is counted once the as-of time reaches it.
    CHECK(scores(p, t, as_of + std::chrono::seconds(1))[3] == 10.0);
}

TEST_CASE("points: caps on rules, groups and the total, with negative points and a floor") {
    profile x;
    x.industry = "software";
    x.employees = 2000;
    x.events = {ev(ago(1), "webinar_attended"), ev(ago(2), "webinar_attended"), ev(ago(3), "pricing_page_visited"),
                ev(ago(4), "pricing_page_visited"), ev(ago(5), "pricing_page_visited"),
                ev(ago(6), "pricing_page_visited")};
    profile y;
    y.industry = "retail";
    y.job_title = "Intern";
    y.events = {ev(ago(1), "unsubscribed")};
    profile z; // only one rule-capped, negative rule and no caps elsewhere clipping
    z.events = {ev(ago(1), "pricing_page_visited"), ev(ago(2), "pricing_page_visited"),
                ev(ago(3), "pricing_page_visited"), ev(ago(3), "unsubscribed")};
    const auto t = make_table({x, y, z});

    points_rules r;
    r.groups = {group("fit"), group("engagement", {}, 25.0)};
    r.total_cap = 40;
    r.total_floor = 0;
    r.fit = {when(condition::equals("industry", std::string("software")), 20),
             when(condition::at_least("employees", 1000.0), 15),
             when(condition::contains("job_title", "intern"), -10)};
    r.engagement = {on("webinar_attended", 10), on("pricing_page_visited", 5, occurrence::repeatable, 12.0),
                    on("unsubscribed", -30, occurrence::repeatable, 20.0)};
    r.engagement[1].name = "pricing visits";
    const points_policy p(r);
    // x: fit 20 + 15 = 35; engagement 2·10 + min(4·5, 12) = 32 → group cap 25; total 60 → total cap 40.
    // y: fit -10; engagement max(-30, -20) = -20; total -30 → total floor 0.
    // z: fit 0; engagement min(15, 12) + max(-30, -20) = -8; total -8 → floor 0.
    CHECK(scores(p, t) == std::vector<double>{40, 0, 0});

    std::vector<double> g(2);
    p.bind(t.view(), as_of).group_scores(0, g);
    CHECK(g == std::vector<double>{35, 25});
    p.bind(t.view(), as_of).group_scores(2, g);
    CHECK(g == std::vector<double>{0, -8});

    SUBCASE("explanation: rules after decay and cap, then what the caps clipped") {
        const auto e = explain(p, t.view(), 0, as_of);
        CHECK(e.additive);
        CHECK(e.unit == "points");
        CHECK(e.score == 40.0);
        CHECK(e.total == 40.0);
        // 20 + 15 + 20 + 12 - 7 - 20 = 40
        const std::vector<factor> expected{{"industry = 'software'", 20},
                                           {"webinar_attended", 20},
                                           {"employees >= 1000", 15},
                                           {"pricing visits", 12},
                                           {"total cap (40)", -20},
                                           {"cap of group 'engagement' (25)", -7}};
        CHECK(e.factors == expected);
        CHECK(e.sum() == doctest::Approx(e.score).epsilon(1e-12));

        const auto ey = explain(p, t.view(), 1, as_of);
        // -10 - 20 + 30 = 0
        const std::vector<factor> expected_y{
            {"total floor (0)", 30}, {"unsubscribed", -20}, {"job_title contains 'intern'", -10}};
        CHECK(ey.factors == expected_y);
    }
    SUBCASE("a floor on a group") {
        points_rules f = r;
        f.groups[1].floor = -5.0;
        f.total_floor.reset();
        // z: engagement -8 → group floor -5; total -5.
        CHECK(scores(points_policy(f), t)[2] == -5.0);
        const auto e = explain(points_policy(f), t.view(), 2, as_of);
        CHECK(e.sum() == doctest::Approx(-5.0).epsilon(1e-12));
        // 12 (pricing, capped) + 3 (the floor lifts -8 to -5) - 20 (unsubscribed, capped) = -5
        const std::vector<factor> expected{
            {"pricing visits", 12}, {"floor of group 'engagement' (-5)", 3}, {"unsubscribed", -20}};
        CHECK(e.factors == expected);
    }
}

TEST_CASE("points: first-only against repeatable") {
    // Two webinars, 60 days and 0 days old, half-life 30 days, 10 points each.
    const auto t = events_table({{ev(ago(60), "webinar_attended"), ev(ago(0), "webinar_attended")}});
    points_rules r;
    r.groups = {group("engagement", decay_rule::half_life(30))};
    r.engagement = {on("webinar_attended", 10, occurrence::repeatable)};
    // repeatable: 10 · 0.25 + 10 · 1 = 12.5
    CHECK(scores(points_policy(r), t)[0] == doctest::Approx(12.5).epsilon(1e-12));
    // first only: the earliest event alone, decayed from its own time: 10 · 0.25 = 2.5
    r.engagement[0].counts = occurrence::first_only;
    CHECK(scores(points_policy(r), t)[0] == doctest::Approx(2.5).epsilon(1e-12));
    // As of 30 days earlier only the first webinar exists, 30 days old: 10 · 0.5 = 5.
    CHECK(scores(points_policy(r), t, as_of - std::chrono::days(30))[0] == doctest::Approx(5.0).epsilon(1e-12));
}

TEST_CASE("points: scoring as of two dates") {
    // A form 10 days before as_of (8 points), a demo request 5 days after it (20 points).
    const auto t = events_table({{ev(ago(10), "form_submitted"), ev(ago(-5), "demo_requested")}});
    points_rules r;
    r.engagement = {on("form_submitted", 8), on("demo_requested", 20)};
    const points_policy plain(r);
    CHECK(scores(plain, t, as_of)[0] == 8.0);                                // the demo has not happened yet
    CHECK(scores(plain, t, as_of + std::chrono::days(5))[0] == 28.0);        // it has, exactly then
    CHECK(scores(plain, t, as_of - std::chrono::days(20))[0] == 0.0);        // nothing yet
    r.groups[1].decay = decay_rule::half_life(10);
    const points_policy decayed(r);
    CHECK(scores(decayed, t, as_of)[0] == doctest::Approx(4.0).epsilon(1e-12)); // 8 · 2^-1
    // 10 days later: form 20 days old, 8 · 2^-2 = 2; demo 5 days old, 20 · 2^-0.5 = 14.142135623730951.
    CHECK(scores(decayed, t, as_of + std::chrono::days(10))[0] ==
          doctest::Approx(2.0 + 20.0 / std::sqrt(2.0)).epsilon(1e-12));
}

TEST_CASE("points: several groups, group scores per row and for a batch") {
    profile a;
    a.industry = "software";
    a.events = {ev(ago(30), "webinar_attended"), ev(ago(3), "pricing_page_visited"),
                ev(ago(20), "pricing_page_visited"), ev(ago(5), "demo_requested"), ev(ago(1), "demo_requested")};
    profile b;
    b.events = {ev(ago(10), "pricing_page_visited"), ev(ago(11), "pricing_page_visited"),
                ev(ago(12), "pricing_page_visited"), ev(ago(13), "pricing_page_visited")};
    const auto t = make_table({a, b});
    points_rules r;
    r.groups = {group("fit"), group("engagement", decay_rule::half_life(30)),
                group("product_interest", decay_rule::window(14), 30.0)};
    r.fit = {when(condition::equals("industry", std::string("software")), 10)};
    r.engagement = {on("webinar_attended", 12), on("pricing_page_visited", 10, occurrence::repeatable, {}, "product_interest"),
                    on("demo_requested", 25, occurrence::first_only, {}, "product_interest")};
    const points_policy p(r);
    // a: fit 10; engagement 12 · 2^-1 = 6; product_interest: pricing 3 d in (10), 20 d out (0); the first demo
    //    (5 d) 25 → 35 → cap 30. Total 10 + 6 + 30 = 46.
    // b: product_interest: 4 pricing visits 10..13 days old, all inside 14 days: 40 → cap 30. Total 30.
    const auto table = score_groups(p, t.view(), {.as_of = as_of, .threads = 2, .block_rows = 1});
    CHECK(table.groups == std::vector<std::string>{"fit", "engagement", "product_interest"});
    REQUIRE(table.rows == 2);
    CHECK(table.at(0, 0) == 10.0);
    CHECK(table.at(0, 1) == doctest::Approx(6.0).epsilon(1e-12));
    CHECK(table.at(0, 2) == 30.0);
    CHECK(table.row(1)[2] == 30.0);
    CHECK(table.at(1, 0) == 0.0);
    const auto s = scores(p, t);
    CHECK(s[0] == doctest::Approx(46.0).epsilon(1e-12));
    CHECK(s[1] == 30.0);
    std::vector<double> g(3);
    const auto bound = p.bind(t.view(), as_of);
    for (std::size_t row = 0; row < 2; ++row) {
        bound.group_scores(row, g);
        CHECK(std::vector<double>(table.row(row).begin(), table.row(row).end()) == g);
    }
    CHECK(bound.group_count() == 3);
    CHECK(p.group_index("product_interest") == 2u);
    CHECK_FALSE(p.group_index("nope"));
    CHECK_THROWS_AS(bound.group_scores(0, std::span(g).first(2)), definition_error);
}

TEST_CASE("points: event types compared normalized, detail filters, types the table lacks") {
    const auto t = events_table({
        {ev(ago(1), "page_visited", "/Pricing/enterprise"), ev(ago(2), "page_visited", "/docs"),
         ev(ago(3), "page_visited"), ev(ago(4), "content_downloaded", "Buyers_Guide.pdf")},
    });
    points_rules r;
    engagement_rule pricing = on("Page Visited", 3); // normalized: page_visited
    pricing.detail_filter = detail_test::contains;
    pricing.detail_text = "pricing";
    engagement_rule docs = on("page_visited", 100);
    docs.detail_filter = detail_test::equals;
    docs.detail_text = "/Docs";
    docs.detail_case_sensitive = true; // "/docs" does not pass
    engagement_rule guide = on("content-downloaded", 7);
    guide.detail_filter = detail_test::equals;
    guide.detail_text = "buyers_guide.pdf";
    engagement_rule any_page = on("page_visited", 1); // all three visits, the one without detail too
    r.engagement = {pricing, docs, guide, any_page, on("trade_show_visited", 50)};
    // 3 (pricing) + 0 + 7 (guide, case ignored) + 3 · 1 + 0 (no such type in the table) = 13
    CHECK(scores(points_policy(r), t)[0] == 13.0);
}

TEST_CASE("points: bad configuration is refused, naming the rule, group or value") {
    points_rules ok;
    ok.fit = {when(condition::equals("industry", std::string("software")), 10)};
    ok.engagement = {on("webinar_attended", 5)};
    CHECK_NOTHROW(points_policy{ok});
    const auto refused = [](points_rules r, const char* text) {
        CHECK_THROWS_WITH_AS(points_policy{r}, doctest::Contains(text), definition_error);
    };
    refused(points_rules{}, "the rule set is empty");
    {
        auto r = ok;
        r.engagement[0].cap = -1.0;
        refused(r, "engagement rule #1 cap -1");
    }
    {
        auto r = ok;
        r.groups[1].cap = -5.0;
        refused(r, "group 'engagement' cap -5");
    }
    {
        auto r = ok;
        r.total_cap = std::numeric_limits<double>::quiet_NaN();
        refused(r, "total cap nan");
    }
    {
        auto r = ok;
        r.fit[0].points = std::numeric_limits<double>::quiet_NaN();
        r.fit[0].name = "software";
        refused(r, "fit rule 'software' gives nan points");
    }
    {
        auto r = ok;
        r.groups[1].decay = decay_rule::half_life(0);
        refused(r, "group 'engagement' decay half_life: 0 days");
    }
    {
        auto r = ok;
        r.groups[1].decay = decay_rule::percent_per_period(100, 7);
        refused(r, "100 percent per period");
    }
    {
        auto r = ok;
        r.groups[1].decay = decay_rule::window(-3);
        refused(r, "decay window: -3 days");
    }
    {
        auto r = ok;
        r.engagement[0].group = "hot";
        refused(r, "engagement rule #1 names the undeclared group 'hot'");
    }
    {
        auto r = ok;
        r.engagement[0].event_type = " _ ";
        refused(r, "engagement rule #1 has an empty event type name");
    }
    {
        auto r = ok;
        r.groups.push_back(group("fit"));
        refused(r, "group 'fit' is declared twice");
    }
    {
        auto r = ok;
        r.groups[0].cap = 10.0;
        r.groups[0].floor = 20.0;
        refused(r, "group 'fit' floor 20 is above its cap 10");
    }
    {
        auto r = ok;
        r.engagement[0].detail_filter = detail_test::contains;
        refused(r, "filters on the detail (contains) without a text");
    }
    {
        auto r = ok;
        r.fit[0].when = condition::between("employees", 10.0, 1.0);
        refused(r, "fit rule #1: condition on field 'employees'");
    }
}

TEST_CASE("points: a rule set whose score could overflow is refused, at the edge of half the double range") {
    // The bound: the largest totals of a group's rules (a fit or first-only rule once, a repeatable one 2^64 times,
    // at most its cap), added by sign, stay within ±M = ±DBL_MAX / 2, and so do the group scores' extremes. M / 2 and
    // M / 2^64 are exact (powers of two apart), so the edges below are exact too.
    const double M = std::numeric_limits<double>::max() / 2;
    const double above = std::nextafter(M / 2, std::numeric_limits<double>::infinity());
    const auto both = make_table({{1000, "software", -1, std::nullopt, "", {}}});
    const auto refused = [](const points_rules& r) -> std::string {
        try {
            points_policy p(r);
        } catch (const definition_error& e) {
            return e.what();
        }
        return "";
    };
    SUBCASE("fit rules of one group") {
        points_rules r;
        r.fit = {when(condition::equals("industry", std::string("software")), M / 2),
                 when(condition::at_least("employees", 1000.0), M / 2)};
        // At the edge the lead matching both scores exactly M: finite.
        CHECK(scores(points_policy(r), both)[0] == M);
        r.fit[0].points = r.fit[1].points = -M / 2;
        CHECK(scores(points_policy(r), both)[0] == -M);
        // One step past it: M / 2 + nextafter(M / 2) rounds above M. (Before this check the score was inf with
        // larger points, and inf - inf = NaN with both signs.)
        r.fit[1].points = -above;
        CHECK(refused(r).find("fit rule #2 lets group 'fit' reach -") != std::string::npos);
    }
    SUBCASE("engagement rules count 2^64 events unless capped or first only") {
        points_rules r;
        r.engagement = {on("webinar_attended", M / 0x1p64)};
        CHECK_NOTHROW(points_policy{r});
        r.engagement[0].points = std::nextafter(M / 0x1p64, std::numeric_limits<double>::infinity());
        CHECK(refused(r).find("engagement rule #1 (counting up to 2^64 events: a cap or first_only bounds it) lets") !=
              std::string::npos);
        r.engagement[0].cap = M; // a cap bounds the rule's total
        CHECK_NOTHROW(points_policy{r});
        r.engagement[0] = on("webinar_attended", M, occurrence::first_only);
        CHECK_NOTHROW(points_policy{r});
        r.engagement[0].points = std::nextafter(M, std::numeric_limits<double>::max()); // 2^1023: finite, above M
        CHECK_FALSE(refused(r).empty());
    }
    SUBCASE("groups add up, each clipped by its floor and cap") {
        points_rules r;
        r.fit = {when(condition::equals("industry", std::string("software")), M / 2)};
        r.engagement = {on("webinar_attended", M / 2, occurrence::first_only)};
        CHECK_NOTHROW(points_policy{r}); // M / 2 + M / 2 = M
        r.engagement[0].points = above;
        CHECK(refused(r).find("the group scores can add up to") != std::string::npos);
        r.groups[1].cap = M / 4; // the engagement group's score is at most M / 4 (and at least 0: no negative rule)
        CHECK_NOTHROW(points_policy{r});
        // A floor lifts a group's smallest score: a floor of M / 2 + ε in an otherwise small group passes M too.
        r.groups[1] = group("engagement", {}, std::nullopt, above);
        r.engagement[0].points = 1;
        CHECK(refused(r).find("the group scores can add up to") != std::string::npos);
    }
}

TEST_CASE("points: bind errors name the rule and field") {
    const auto t = make_table(condition_profiles());
    points_rules r;
    r.fit = {when(condition::equals("revenue", 1.0), 10)};
    r.fit[0].name = "big";
    CHECK_THROWS_WITH_AS((void)points_policy(r).bind(t.view(), as_of),
                         doctest::Contains("points: fit rule 'big': condition on field 'revenue'"), definition_error);
    r.fit = {when(condition::contains("employees", "1"), 10)};
    CHECK_THROWS_WITH_AS((void)points_policy(r).bind(t.view(), as_of),
                         doctest::Contains("contains does not apply to the numeric field 'employees'"),
                         definition_error);
    // A CRM's own arrays without events cannot feed engagement rules.
    const schema s({{"employees", field_type::numeric, field_role::none}});
    const std::vector<double> employees{1, 2};
    table_view v(s, 2);
    v.set_numeric(0, employees);
    points_rules e;
    e.engagement = {on("webinar_attended", 5)};
    CHECK_THROWS_WITH_AS((void)points_policy(e).bind(v, as_of),
                         doctest::Contains("engagement rule #1 needs events, and the view carries none"),
                         definition_error);
    // An event type code outside the dictionary is reported with its row.
    dictionary types, details;
    types.intern("webinar_attended");
    const std::vector<event_record> events{{to_seconds(as_of) - 10, 0, missing_code}, {to_seconds(as_of) - 5, 9, missing_code}};
    const std::vector<std::uint64_t> offsets{0, 1, 2};
    v.set_events(events, offsets, types, details);
    const auto bound = points_policy(e).bind(v, as_of);
    CHECK(bound.score(0) == 5.0);
    CHECK_THROWS_WITH_AS((void)bound.score(1), doctest::Contains("row 1 holds an event whose type code 9"),
                         definition_error);
    std::vector<double> out(2);
    CHECK_THROWS_AS(bound.score_batch(0, out), definition_error);
}

namespace {

/// A realistic rule set over the generator's fields and events.
points_rules crm_rules() {
    points_rules r;
    r.groups = {group("fit", {}, 60.0), group("engagement", decay_rule::half_life(21), 80.0, -40.0),
                group("intent", decay_rule::window(30)), group("email", decay_rule::percent_per_period(25, 14))};
    r.total_cap = 120;
    r.total_floor = -20;
    r.fit = {when(condition::one_of("industry", {std::string("software"), std::string("finance")}), 15),
             when(condition::between("employees", 200.0, 5000.0), 10),
             when(condition::above("employees", 5000.0), 20),
             when(condition::equals("newsletter", true), 5),
             when(condition::at_most("purchase_timeframe", 30.0), 25),
             when(condition::is_missing("purchase_timeframe"), -5),
             when(condition::equals("country", std::string("US")), 3),
             when(!condition::one_of("source", {std::string("purchased_list"), std::string("chatbot")}), 4),
             when(condition::contains("job_title", "chief"), 12),
             when(condition::equals("party", std::string("individual")), -8)};
    r.engagement = {on("email_opened", 1, occurrence::repeatable, 10.0, "email"),
                    on("email_clicked", 3, occurrence::repeatable, 15.0, "email"),
                    on("page_visited", 1, occurrence::repeatable, 20.0),
                    on("pricing_page_visited", 8, occurrence::repeatable, {}, "intent"),
                    on("form_submitted", 10, occurrence::first_only),
                    on("webinar_attended", 12),
                    on("demo_requested", 30, occurrence::first_only, {}, "intent"),
                    on("meeting_booked", 25, occurrence::repeatable, 40.0, "intent"),
                    on("unsubscribed", -40, occurrence::first_only),
                    on("content_downloaded", 6)};
    r.engagement[9].detail_filter = detail_test::contains;
    r.engagement[9].detail_text = ".PDF";
    return r;
}

} // namespace

TEST_CASE("points: batch equals one lead, for any thread count, and explanations add up") {
    const auto crm = generate_crm({.leads = 3000, .seed = 11});
    const auto v = crm.leads.view();
    const timestamp at = crm.horizon - std::chrono::days(60); // some events lie after it
    auto rules = crm_rules();
    SUBCASE("groups decaying differently") {}
    SUBCASE("every engagement group decaying alike (weights computed once per event)") {
        for (auto& g : rules.groups) g.decay = decay_rule::half_life(21);
    }
    const points_policy p(rules);
    const auto bound = p.bind(v, at);

    std::vector<double> one(v.rows());
    for (std::size_t r = 0; r < v.rows(); ++r) one[r] = bound.score(r);
    for (unsigned threads : {1u, 2u, 3u}) {
        INFO("threads " << threads);
        const auto batch = score_batch(p, v, {.as_of = at, .threads = threads, .block_rows = 37});
        CHECK(batch == one);
    }
    // The type-erased wrapper runs the same loop.
    const scoring_policy erased = p;
    CHECK(score_batch(erased, v, {.as_of = at, .threads = 2, .block_rows = 500}) == one);

    const auto g1 = score_groups(p, v, {.as_of = at, .threads = 1});
    const auto g3 = score_groups(p, v, {.as_of = at, .threads = 3, .block_rows = 41});
    CHECK(g1.values == g3.values);

    std::size_t clipped = 0, nonzero = 0;
    std::vector<double> g(p.groups().size());
    for (std::size_t r = 0; r < v.rows(); ++r) {
        const auto e = bound.explain(r);
        REQUIRE(e.score == one[r]);
        REQUIRE(std::abs(e.sum() - e.score) <= 1e-9);
        for (const auto& f : e.factors) clipped += f.name.find("cap") != std::string::npos ||
                                                   f.name.find("floor") != std::string::npos;
        nonzero += one[r] != 0;
        bound.group_scores(r, g);
        double sum = 0;
        for (const double x : g) sum += x;
        REQUIRE(std::min(std::max(sum, -20.0), 120.0) == one[r]); // the total bound over the group scores
    }
    CHECK(clipped > 0);       // the data exercises the caps
    CHECK(nonzero > 2000);    // and most leads score
}

TEST_CASE("points: a policy is a value") {
    const points_policy a(crm_rules());
    const points_policy b = a;
    CHECK(a == b);
    auto r = crm_rules();
    r.fit[0].points = 16;
    CHECK_FALSE(a == points_policy(r));
    CHECK(a.rules().engagement.size() == 10);
    for (auto k : {decay_kind::none, decay_kind::half_life, decay_kind::percent_per_period, decay_kind::window})
        CHECK(parse_decay_kind(to_string(k)) == k);
    for (auto d : {detail_test::any, detail_test::equals, detail_test::contains}) CHECK(parse_detail_test(to_string(d)) == d);
    for (auto o : {occurrence::repeatable, occurrence::first_only}) CHECK(parse_occurrence(to_string(o)) == o);
    CHECK_FALSE(parse_decay_kind("linear"));
}

// ---- fit grade ------------------------------------------------------------------------------------

TEST_CASE("grade: letters, parsing and the grade-point scale") {
    const char* letters[] = {"F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+"};
    for (int i = 0; i < 13; ++i) {
        const auto g = static_cast<letter_grade>(i);
        CHECK(to_string(g) == letters[i]);
        CHECK(parse_letter_grade(letters[i]) == g);
        if (i > 0) CHECK(grade_points(g) > grade_points(static_cast<letter_grade>(i - 1)));
    }
    CHECK(parse_letter_grade("b+") == letter_grade::b_plus);
    CHECK_FALSE(parse_letter_grade("E"));
    CHECK_FALSE(parse_letter_grade("A++"));
    CHECK_FALSE(parse_letter_grade(""));
    // The 4.0 scale: B = 3.0, B- = 3.0 - 0.3, A+ = 4.3, F = 0.
    CHECK(grade_points(letter_grade::b) == 3.0);
    CHECK(grade_points(letter_grade::b_minus) == 2.7);
    CHECK(grade_points(letter_grade::a_plus) == 4.3);
    CHECK(grade_points(letter_grade::f) == 0.0);
}

TEST_CASE("grade: arithmetic in thirds, clamped after every step") {
    std::vector<profile> leads(3);
    leads[0].industry = "software";
    leads[0].employees = 2000;
    leads[0].newsletter = 1;
    leads[1].industry = "retail";
    leads[1].job_title = "Intern";
    leads[2].industry = "software";
    grade_profile g;
    g.name = "enterprise";
    g.criteria = {{"", condition::equals("industry", std::string("software")), 3},
                  {"large", condition::at_least("employees", 1000.0), 2},
                  {"", condition::contains("job_title", "intern"), -4},
                  {"", condition::equals("newsletter", true), 1}};
    const grade_policy p(g);
    const auto t = make_table(leads);
    const auto bound = p.bind(t.view(), as_of);
    // Lead 0: D (2) +3 → C (5), +2 → B- (7), +1 → B (8): 3.0.
    CHECK(bound.grade(0) == letter_grade::b);
    CHECK(bound.score(0) == 3.0);
    // Lead 1: D (2) -4 → -2, clamped to F (0): 0.0.
    CHECK(bound.grade(1) == letter_grade::f);
    // Lead 2: D +3 → C: 2.0.
    CHECK(bound.score(2) == 2.0);
    CHECK(score_batch(p, t.view(), {.as_of = as_of, .threads = 1}) == std::vector<double>{3.0, 0.0, 2.0});

    SUBCASE("explanation: the start grade and each step") {
        const auto e = bound.explain(0);
        CHECK(e.additive);
        CHECK(e.unit == "grade points");
        CHECK(e.score == 3.0);
        // 1.0 (D) + 1.0 (D → C) + 0.7 (C → B-) + 0.3 (B- → B) = 3.0
        REQUIRE(e.factors.size() == 4);
        CHECK(e.factors[0].name == "start grade D");
        CHECK(e.factors[1].name == "industry = 'software' (+1 letter): D → C");
        CHECK(e.factors[1].contribution == doctest::Approx(1.0));
        CHECK(e.factors[2].name == "large (+2/3): C → B-");
        CHECK(e.factors[2].contribution == doctest::Approx(0.7));
        CHECK(e.factors[3].name == "newsletter = true (+1/3): B- → B");
        CHECK(e.sum() == doctest::Approx(3.0).epsilon(1e-12));
        const auto f = bound.explain(1);
        // 1.0 (D) - 1.0 (D → F: the clamp swallows the rest of the -1 1/3) = 0
        REQUIRE(f.factors.size() == 2);
        CHECK(f.factors[1].name == "job_title contains 'intern' (-1 1/3): D → F");
        CHECK(f.factors[1].contribution == -1.0);
        CHECK(f.sum() == 0.0);
    }
    SUBCASE("clamping is sequential: past A+ is lost") {
        grade_profile top;
        top.start = letter_grade::a;
        top.criteria = {{"", condition::equals("industry", std::string("software")), 2},
                        {"", condition::equals("newsletter", true), -1}};
        // Lead 0: A (11) +2 → 13, clamped to A+ (12); -1 → A (11): 4.0, where summing first would give A+.
        const auto b = grade_policy(top).bind(t.view(), as_of);
        CHECK(b.grade(0) == letter_grade::a);
        const auto e = b.explain(0);
        // 4.0 (A) + 0.3 (A → A+) - 0.3 (A+ → A) = 4.0
        CHECK(e.sum() == doctest::Approx(4.0).epsilon(1e-12));
        CHECK(e.factors.size() == 3);
        // Lead 2: A +2 → A+ (clamped), no newsletter: 4.3.
        CHECK(b.score(2) == 4.3);
    }
}

TEST_CASE("grade: bad profiles are refused, naming the criterion") {
    grade_profile g;
    g.name = "smb";
    CHECK_THROWS_WITH_AS(grade_policy{g}, doctest::Contains("grade profile 'smb' has no criteria"), definition_error);
    g.criteria = {{"size", condition::at_least("employees", 10.0), 13}};
    CHECK_THROWS_WITH_AS(grade_policy{g}, doctest::Contains("criterion 'size' moves the grade by 13 thirds"),
                         definition_error);
    g.criteria = {{"", condition::contains("industry", ""), 1}};
    CHECK_THROWS_WITH_AS(grade_policy{g}, doctest::Contains("criterion #1: condition on field 'industry'"),
                         definition_error);
    g.start = static_cast<letter_grade>(13);
    g.criteria = {{"", condition::equals("industry", std::string("x")), 1}};
    CHECK_THROWS_WITH_AS(grade_policy{g}, doctest::Contains("start grade 13 is not a grade"), definition_error);
    g.start = letter_grade::c;
    g.criteria = {{"", condition::equals("revenue", 1.0), 1}};
    const auto t = make_table(condition_profiles());
    CHECK_THROWS_WITH_AS((void)grade_policy(g).bind(t.view(), as_of),
                         doctest::Contains("criterion #1: condition on field 'revenue'"), definition_error);
}

TEST_CASE("grade: batch equals one lead, for any thread count") {
    const auto crm = generate_crm({.leads = 2500, .seed = 5, .events = false, .history = false});
    const auto v = crm.leads.view();
    grade_profile g;
    g.criteria = {{"", condition::one_of("industry", {std::string("software"), std::string("finance")}), 3},
                  {"", condition::at_least("employees", 500.0), 2},
                  {"", condition::at_least("employees", 5000.0), 2},
                  {"", condition::equals("party", std::string("individual")), -3},
                  {"", condition::contains("job_title", "chief"), 4},
                  {"", condition::equals("country", std::string("US")), 1},
                  {"", condition::is_missing("phone"), -2}};
    const grade_policy p(g);
    const auto bound = p.bind(v, crm.horizon);
    std::vector<double> one(v.rows());
    std::vector<letter_grade> letters(v.rows());
    for (std::size_t r = 0; r < v.rows(); ++r) {
        letters[r] = bound.grade(r);
        one[r] = bound.score(r);
        REQUIRE(std::abs(bound.explain(r).sum() - one[r]) <= 1e-9);
    }
    for (unsigned threads : {1u, 2u, 3u}) {
        INFO("threads " << threads);
        CHECK(score_batch(p, v, {.as_of = crm.horizon, .threads = threads, .block_rows = 29}) == one);
        CHECK(grade_batch(p, v, {.as_of = crm.horizon, .threads = threads, .block_rows = 29}) == letters);
    }
    // Grades spread over the scale (the profile is not degenerate on this data).
    std::size_t distinct = 0;
    for (int i = 0; i < 13; ++i)
        distinct += std::find(letters.begin(), letters.end(), static_cast<letter_grade>(i)) != letters.end();
    CHECK(distinct >= 6);
}

} // namespace test_points
