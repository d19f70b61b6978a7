// Qualification: lifecycle classes mapped onto funnels, the default policy's rules and its "never backwards without an
// explicit reason" property, and crossings between two evaluations. Expected values are derived by hand in comments.

#include "leadscore/core/funnel.hpp"
#include "leadscore/qualification/crossings.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/qualification/policy.hpp"
#include "leadscore/qualification/stage_map.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace test_qualification {

using namespace leadscore;

namespace {

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr auto cold = temperature::cold, warm = temperature::warm, hot = temperature::hot,
               unknown = temperature::unknown;
const timestamp as_of = *parse_timestamp("2026-06-01");
using rc = default_qualification_policy::reason_code;

timestamp days_before(double d, std::int64_t plus_seconds = 0) {
    return as_of - std::chrono::seconds(std::llround(d * 86400)) + std::chrono::seconds(plus_seconds);
}

// Standard funnel indices.
constexpr std::int32_t suspect_s = 0, lead_s = 1, mql_s = 2, sql_s = 3, opportunity_s = 4, won_s = 5, lost_s = 6,
                       rejected_s = 7, nurture_s = 8;

schema crm_schema() {
    const field attributes[] = {{"current_vendor", field_type::categorical, field_role::none},
                                {"intent", field_type::categorical, field_role::none}};
    return schema::for_leads(attributes);
}

struct lead_case {
    temperature t = cold;
    double score = 0;
    std::string stage;
    std::vector<engagement_event> events;
    purchase_timeframe timeframe;
    std::optional<timestamp> created;
    std::string vendor, intent;
    qualification expected;
};

lead make(const lead_case& c, std::size_t i) {
    lead l;
    l.id = "L" + std::to_string(i);
    l.stage = c.stage;
    l.events = c.events;
    l.timeframe = c.timeframe;
    l.created = c.created;
    if (!c.vendor.empty()) l.attributes["current_vendor"] = c.vendor;
    if (!c.intent.empty()) l.attributes["intent"] = c.intent;
    return l;
}

qualification_rules crm_rules() {
    qualification_rules r;
    r.mql_score = 50;
    r.bought_competitor = condition::equals("current_vendor", std::string("competitor inc"));
    r.no_intent = condition::equals("intent", std::string("none"));
    return r;
}

engagement_event ev(timestamp t, const char* type) { return {t, type, ""}; }

qualification q(std::int32_t stage, lifecycle c, std::uint16_t reason) { return {stage, c, reason}; }

} // namespace

TEST_CASE("lifecycle names") {
    CHECK(to_string(lifecycle::mql) == "mql");
    CHECK(to_string(lifecycle::beyond) == "beyond");
    CHECK(parse_lifecycle("SQL") == lifecycle::sql);
    CHECK(parse_lifecycle("Nurture") == lifecycle::nurture);
    CHECK(parse_lifecycle("opportunity") == std::nullopt);
    CHECK(is_open_class(lifecycle::sql));
    CHECK_FALSE(is_open_class(lifecycle::rejected));
}

TEST_CASE("stage map: the standard funnel by kind and order") {
    const auto m = stage_map::by_kind_and_order(funnel::standard());
    CHECK(m.stage_of(lifecycle::suspect) == 0);
    CHECK(m.stage_of(lifecycle::lead) == 1);
    CHECK(m.stage_of(lifecycle::mql) == 2);
    CHECK(m.stage_of(lifecycle::sql) == 3);
    CHECK(m.stage_of(lifecycle::rejected) == 7);
    CHECK(m.stage_of(lifecycle::nurture) == 8);
    CHECK_THROWS_AS((void)m.stage_of(lifecycle::beyond), definition_error);
    const std::vector<lifecycle> expected{lifecycle::suspect, lifecycle::lead,   lifecycle::mql,
                                          lifecycle::sql,     lifecycle::beyond, lifecycle::beyond,
                                          lifecycle::beyond,  lifecycle::rejected, lifecycle::nurture};
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(m.class_of(i) == expected[i]);
    CHECK_THROWS_AS((void)m.class_of(9), std::out_of_range);

    SUBCASE("funnels that cannot be mapped by kind and order") {
        const funnel two({{"New", stage_kind::open}, {"Qualified", stage_kind::open}, {"Won", stage_kind::won},
                          {"Lost", stage_kind::lost}});
        CHECK_THROWS_WITH_AS((void)stage_map::by_kind_and_order(two),
                             "stage map: cannot map the lifecycle onto the funnel [New (open), Qualified (open), Won "
                             "(won), Lost (lost)] by kind and order: it has 2 open stage(s) and 4 are needed (suspect, "
                             "lead, mql, sql); give the stages by name",
                             definition_error);
        const funnel no_nurture({{"a", stage_kind::open}, {"b", stage_kind::open}, {"c", stage_kind::open},
                                 {"d", stage_kind::open}, {"won", stage_kind::won}, {"junk", stage_kind::rejected}});
        CHECK_THROWS_WITH_AS((void)stage_map::by_kind_and_order(no_nurture),
                             "stage map: cannot map the lifecycle onto the funnel [a (open), b (open), c (open), d "
                             "(open), won (won), junk (rejected)] by kind and order: it has no stage of kind nurture; "
                             "give the stages by name",
                             definition_error);
    }
}

namespace {

funnel crm_funnel() {
    return funnel({{"New", stage_kind::open},
                   {"Working", stage_kind::open},
                   {"Qualified", stage_kind::open},
                   {"Proposal", stage_kind::open},
                   {"Won", stage_kind::won},
                   {"Lost", stage_kind::lost},
                   {"Disqualified", stage_kind::rejected}});
}

stage_map crm_map() {
    return stage_map(crm_funnel(), {{lifecycle::suspect, "New"},
                                    {lifecycle::lead, "new"},
                                    {lifecycle::mql, "Working"},
                                    {lifecycle::sql, "Qualified"},
                                    {lifecycle::rejected, "Disqualified"},
                                    {lifecycle::nurture, "Lost"}});
}

} // namespace

TEST_CASE("stage map: a CRM's own funnel by name") {
    const auto m = crm_map();
    CHECK(m.stage_of(lifecycle::suspect) == 0);
    CHECK(m.stage_of(lifecycle::lead) == 0);
    CHECK(m.stage_of(lifecycle::nurture) == 5);
    // New is shared by suspect and lead: it counts as lead. Proposal (after sql's stage) and Won are beyond.
    const std::vector<lifecycle> expected{lifecycle::lead,   lifecycle::mql,     lifecycle::sql,     lifecycle::beyond,
                                          lifecycle::beyond, lifecycle::nurture, lifecycle::rejected};
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(m.class_of(i) == expected[i]);
    CHECK(m == crm_map());
    CHECK_FALSE(m == stage_map::by_kind_and_order(funnel::standard()));

    SUBCASE("unmapped open stages take the class of the mapped stage before them") {
        const funnel f({{"A", stage_kind::open}, {"B", stage_kind::open}, {"C", stage_kind::open},
                        {"D", stage_kind::open}, {"E", stage_kind::open}, {"F", stage_kind::open},
                        {"W", stage_kind::won}, {"R", stage_kind::rejected}, {"N", stage_kind::nurture}});
        const stage_map g(f, {{lifecycle::suspect, "B"}, {lifecycle::lead, "B"}, {lifecycle::mql, "D"},
                              {lifecycle::sql, "E"}, {lifecycle::rejected, "R"}, {lifecycle::nurture, "N"}});
        // A: before suspect's stage -> suspect; B: lead (shared); C: lead; D: mql; E: sql; F: beyond.
        const std::vector<lifecycle> e{lifecycle::suspect, lifecycle::lead,   lifecycle::lead,
                                       lifecycle::mql,     lifecycle::sql,    lifecycle::beyond,
                                       lifecycle::beyond,  lifecycle::rejected, lifecycle::nurture};
        for (std::size_t i = 0; i < e.size(); ++i) CHECK(g.class_of(i) == e[i]);
    }
    SUBCASE("refused mappings") {
        using entries = std::vector<std::pair<lifecycle, std::string>>;
        const entries good{{lifecycle::suspect, "New"},      {lifecycle::lead, "New"},
                           {lifecycle::mql, "Working"},      {lifecycle::sql, "Qualified"},
                           {lifecycle::rejected, "Disqualified"}, {lifecycle::nurture, "Lost"}};
        auto e = good;
        e.pop_back();
        CHECK_THROWS_WITH_AS(stage_map(crm_funnel(), e),
                             "stage map: class 'nurture' is not mapped (every class from suspect to nurture needs a "
                             "stage)",
                             definition_error);
        e = good;
        e.push_back({lifecycle::mql, "Working"});
        CHECK_THROWS_WITH_AS(stage_map(crm_funnel(), e), "stage map: class 'mql' is mapped twice", definition_error);
        e = good;
        e[2].second = "Demo";
        CHECK_THROWS_WITH_AS(stage_map(crm_funnel(), e),
                             "stage map: class 'mql' maps to 'Demo', which is not a stage of the funnel [New (open), "
                             "Working (open), Qualified (open), Proposal (open), Won (won), Lost (lost), Disqualified "
                             "(rejected)]",
                             definition_error);
        e = good;
        e[3].second = "Won";
        CHECK_THROWS_WITH_AS(stage_map(crm_funnel(), e),
                             "stage map: class 'sql' maps to 'Won', a stage of kind won (suspect, lead, mql and sql "
                             "need open stages)",
                             definition_error);
        e = good;
        e[1].second = "Qualified"; // lead after mql's Working
        CHECK_THROWS_WITH_AS(stage_map(crm_funnel(), e),
                             "stage map: class 'mql' maps to 'Working', which comes before 'Qualified' of class 'lead' "
                             "in the funnel (the classes follow its order)",
                             definition_error);
        e = good;
        e[4].second = "Proposal";
        CHECK_THROWS_WITH_AS(stage_map(crm_funnel(), e),
                             "stage map: class 'rejected' maps to 'Proposal', a stage of kind open (rejected and "
                             "nurture need a stage of kind rejected, nurture or lost)",
                             definition_error);
        e = good;
        e[5].second = "Won";
        CHECK_THROWS_AS(stage_map(crm_funnel(), e), definition_error);
        e = good;
        e.push_back({lifecycle::beyond, "Proposal"});
        CHECK_THROWS_AS(stage_map(crm_funnel(), e), definition_error);
    }
}

TEST_CASE("default qualification: each rule, and the move from the current stage") {
    // As of 2026-06-01, mql_score 50, reject after 30 days, nurture after 90 days.
    const std::vector<lead_case> cases{
        /* 0*/ {hot, 0, "", {}, {}, {}, "", "", q(sql_s, lifecycle::sql, rc::buys_now)},
        /* 1*/ {warm, 0, "", {}, {}, {}, "", "", q(mql_s, lifecycle::mql, rc::warm_interest)},
        // A score equal to mql_score qualifies.
        /* 2*/ {cold, 50, "", {}, {}, {}, "", "", q(mql_s, lifecycle::mql, rc::score_interest)},
        // An inquiry exactly 30 days old without intent: rejected.
        /* 3*/ {cold, 49.9, "", {ev(days_before(30), "form_submitted")}, {}, {}, "", "",
                q(rejected_s, lifecycle::rejected, rc::inquiry_only)},
        // One second younger: not yet; it shows interest.
        /* 4*/ {cold, 10, "", {ev(days_before(30, 1), "Form Submitted")}, {}, {}, "", "",
                q(lead_s, lifecycle::lead, rc::interest)},
        // Interest exactly 90 days ago, cold since: nurture. One second younger: a lead.
        /* 5*/ {cold, 0, "", {ev(days_before(90), "page_visited")}, {}, {}, "", "",
                q(nurture_s, lifecycle::nurture, rc::cold_for_long)},
        /* 6*/ {cold, 0, "", {ev(days_before(90, 1), "page_visited")}, {}, {}, "", "", q(lead_s, lifecycle::lead, rc::interest)},
        // Nothing at all: a suspect, however old.
        /* 7*/ {cold, 0, "", {}, {}, days_before(200), "", "", q(suspect_s, lifecycle::suspect, rc::no_interest)},
        // Explicit: bought a competitor's product beats hot; no intent beats warm.
        /* 8*/ {hot, 90, "", {}, {}, {}, "Competitor Inc", "", q(nurture_s, lifecycle::nurture, rc::competitor)},
        /* 9*/ {warm, 0, "", {}, {}, {}, "", "none", q(rejected_s, lifecycle::rejected, rc::no_intent)},
        // Unsubscribing shows no interest.
        /*10*/ {cold, 0, "", {ev(days_before(100), "unsubscribed")}, {}, {}, "", "",
                q(suspect_s, lifecycle::suspect, rc::no_interest)},
        // An unknown temperature is not cold: no nurture.
        /*11*/ {unknown, 0, "", {ev(days_before(100), "page_visited")}, {}, {}, "", "", q(lead_s, lifecycle::lead, rc::interest)},
        // Events after the as-of time do not exist.
        /*12*/ {cold, 0, "", {ev(days_before(-1), "form_submitted")}, {}, {}, "", "",
                q(suspect_s, lifecycle::suspect, rc::no_interest)},
        // A stated timeframe is interest; created 100 days ago with nothing since: cold for long.
        /*13*/ {cold, 0, "", {}, purchase_timeframe::within(180), days_before(100), "", "",
                q(nurture_s, lifecycle::nurture, rc::cold_for_long)},
        // ---- from a current stage
        // sql, now only a lead's signals: kept, no step back.
        /*14*/ {cold, 0, "sql", {ev(days_before(5), "page_visited")}, {}, {}, "", "", q(sql_s, lifecycle::sql, rc::no_step_back)},
        /*15*/ {hot, 0, "MQL", {}, {}, {}, "", "", q(sql_s, lifecycle::sql, rc::buys_now)},
        // Past qualification: kept.
        /*16*/ {cold, 0, "opportunity", {}, {}, {}, "", "", q(opportunity_s, lifecycle::beyond, rc::past)},
        /*17*/ {hot, 0, "won", {}, {}, {}, "", "", q(won_s, lifecycle::beyond, rc::past)},
        // Nurture, warm again: recycled to mql. Nurture, cold with recent interest: parked.
        /*18*/ {warm, 0, "nurture", {}, {}, {}, "", "", q(mql_s, lifecycle::mql, rc::warm_interest)},
        /*19*/ {cold, 0, "nurture", {ev(days_before(5), "page_visited")}, {}, {}, "", "",
                q(nurture_s, lifecycle::nurture, rc::parked)},
        // Rejected, then it turns out it bought a competitor's product: nurture (explicit).
        /*20*/ {cold, 0, "rejected", {}, {}, {}, "competitor inc", "", q(nurture_s, lifecycle::nurture, rc::competitor)},
        // sql, cold for 100 days: nurture (an explicit reason to leave the open path).
        /*21*/ {cold, 0, "sql", {ev(days_before(100), "page_visited")}, {}, {}, "", "",
                q(nurture_s, lifecycle::nurture, rc::cold_for_long)},
        // mql with a 40-day-old inquiry: past `lead`, so not rejected; 40 < 90 days: a lead's signals; kept.
        /*22*/ {cold, 0, "mql", {ev(days_before(40), "form_submitted")}, {}, {}, "", "",
                q(mql_s, lifecycle::mql, rc::no_step_back)},
        // lead with a 40-day-old inquiry: rejected.
        /*23*/ {cold, 0, "lead", {ev(days_before(40), "form_submitted")}, {}, {}, "", "",
                q(rejected_s, lifecycle::rejected, rc::inquiry_only)},
        // mql, warm: confirmed, with the proposal's reason.
        /*24*/ {warm, 0, "mql", {}, {}, {}, "", "", q(mql_s, lifecycle::mql, rc::warm_interest)},
        /*25*/ {hot, 0, "Lost", {}, {}, {}, "", "", q(lost_s, lifecycle::beyond, rc::past)},
        // nurture, cold for long again: confirmed.
        /*26*/ {cold, 0, "nurture", {ev(days_before(100), "page_visited")}, {}, {}, "", "",
                q(nurture_s, lifecycle::nurture, rc::cold_for_long)},
        // suspect who opened an e-mail: forward to lead.
        /*27*/ {cold, 0, "suspect", {ev(days_before(1), "email_opened")}, {}, {}, "", "", q(lead_s, lifecycle::lead, rc::interest)},
        // A NaN score does not reach mql_score.
        /*28*/ {cold, qnan, "", {}, {}, {}, "", "", q(suspect_s, lifecycle::suspect, rc::no_interest)},
        // Rejected and warm: recycled to mql.
        /*29*/ {warm, 0, "rejected", {}, {}, {}, "", "", q(mql_s, lifecycle::mql, rc::warm_interest)},
        // Rejected, cold, recent interest: parked.
        /*30*/ {cold, 0, "rejected", {ev(days_before(1), "page_visited")}, {}, {}, "", "",
                q(rejected_s, lifecycle::rejected, rc::parked)},
    };
    std::vector<lead> leads;
    std::vector<double> scores;
    std::vector<rating> temps;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        leads.push_back(make(cases[i], i));
        scores.push_back(cases[i].score);
        temps.push_back({cases[i].t, 0, 0});
    }
    const auto table = lead_table::from_leads(leads, crm_schema());
    const default_qualification_policy p(crm_rules());
    const qualification_input in{table.view(), scores, temps};
    const batch_options o{.as_of = as_of, .threads = 1};
    const auto got = qualify_batch(p, in, o);
    const auto qualifier = p.bind(in, o);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        CAPTURE(i);
        CHECK(got[i] == cases[i].expected);
        CHECK(qualifier.qualify(i) == cases[i].expected);
    }
    CHECK(p.reasons()[rc::competitor] == "bought a competitor's product (current_vendor = 'competitor inc')");
    CHECK(p.reasons()[rc::inquiry_only] == "inquiry without intent for 30 days");
    CHECK(p.reasons()[rc::cold_for_long] == "cold for 90 days");
    CHECK(p.reasons()[rc::score_interest] == "interested: score at or above 50");

    const auto lc = count_lifecycle(got);
    CHECK(std::accumulate(lc.begin(), lc.end(), std::size_t{0}) == cases.size());
    const auto sc = count_stages(got, funnel::standard().size());
    CHECK(sc.size() == 10);
    CHECK(sc[9] == 0);
    CHECK(sc[sql_s] == 3);     // rows 0, 14, 15
    CHECK(sc[nurture_s] == 7); // rows 5, 8, 13, 19, 20, 21, 26
    CHECK(lc[static_cast<std::size_t>(lifecycle::beyond)] == 3); // rows 16, 17, 25
}

TEST_CASE("default qualification: rules switched off, other funnels, bad data") {
    const auto table = lead_table::from_leads(
        std::vector<lead>{make({cold, 0, "", {ev(days_before(40), "form_submitted")}, {}, {}, "", "", {}}, 0),
                          make({cold, 0, "", {ev(days_before(120), "page_visited")}, {}, {}, "", "", {}}, 1),
                          make({hot, 0, "", {}, {}, {}, "", "", {}}, 2), make({cold, 0, "", {}, {}, {}, "", "", {}}, 3),
                          make({hot, 0, "Proposal", {}, {}, {}, "", "", {}}, 4),
                          make({hot, 0, "lost", {}, {}, {}, "", "", {}}, 5)},
        crm_schema());
    const std::vector<rating> temps{{cold, 0, 0}, {cold, 0, 0}, {hot, 0, 0}, {cold, 0, 0}, {hot, 0, 0}, {hot, 0, 0}};
    const batch_options o{.as_of = as_of, .threads = 1};

    SUBCASE("no inferred rejection, no nurture by age") {
        qualification_rules r;
        r.reject_after_days.reset();
        r.nurture_after_days.reset();
        const auto v = table.view();
        const auto rows = v.rows_between(0, 4);
        const auto got = qualify_batch(default_qualification_policy(r),
                                       qualification_input{rows, {}, std::span(temps).first(4)}, o);
        CHECK(got[0] == q(lead_s, lifecycle::lead, rc::interest));
        CHECK(got[1] == q(lead_s, lifecycle::lead, rc::interest));
        CHECK(default_qualification_policy(r).reasons()[rc::inquiry_only] == "inquiry without intent for (never)");
    }
    SUBCASE("a CRM's own funnel") {
        const default_qualification_policy p(qualification_rules{}, crm_map());
        // Row 4 sits at Proposal: beyond. Row 5 sits at Lost, which is nurture's stage: hot recycles it to Qualified.
        // Row 3 has nothing: suspect's stage is New, which counts as lead (shared).
        const auto got = qualify_batch(p, qualification_input{table.view(), {}, temps}, o);
        CHECK(got[0] == q(6, lifecycle::rejected, rc::inquiry_only));
        CHECK(got[1] == q(5, lifecycle::nurture, rc::cold_for_long));
        CHECK(got[2] == q(2, lifecycle::sql, rc::buys_now));
        CHECK(got[3] == q(0, lifecycle::lead, rc::no_interest));
        CHECK(got[4] == q(3, lifecycle::beyond, rc::past));
        CHECK(got[5] == q(2, lifecycle::sql, rc::buys_now));
        // The standard funnel does not know "Proposal".
        CHECK_THROWS_WITH_AS((void)qualify_batch(default_qualification_policy(), qualification_input{table.view(), {}, temps}, o),
                             "field 'stage': row 4: stage 'Proposal' is not a stage of the funnel (stages: suspect, "
                             "lead, mql, sql, opportunity, won, lost, rejected, nurture)",
                             input_error);
    }
    SUBCASE("missing inputs and bad values") {
        const default_qualification_policy p;
        CHECK_THROWS_WITH_AS((void)qualify_batch(p, qualification_input{table.view(), {}, {}}, o),
                             "qualification: the default policy needs the leads' temperatures (rate them first)",
                             definition_error);
        qualification_rules r;
        r.mql_score = 10;
        CHECK_THROWS_WITH_AS((void)qualify_batch(default_qualification_policy(r, crm_map()),
                                           qualification_input{table.view(), {}, temps}, o),
                             "qualification: mql_score is set, so the default policy needs the leads' scores",
                             definition_error);
        const std::vector<rating> three(3);
        CHECK_THROWS_WITH_AS((void)qualify_batch(p, qualification_input{table.view(), {}, three}, o),
                             "qualification: 3 temperatures for 6 rows (give one per row, or none)", definition_error);
        auto bad = temps;
        bad[1].level = static_cast<temperature>(9);
        CHECK_THROWS_WITH_AS((void)qualify_batch(default_qualification_policy(qualification_rules{}, crm_map()),
                                           qualification_input{table.view(), {}, bad}, o),
                             "field 'temperature': row 1: level code 9 is not a temperature", input_error);
        auto negative = table;
        const auto col = *negative.table_schema().find(field_role::purchase_timeframe);
        std::get<numeric_column>(negative.column(col)).values[2] = -3;
        CHECK_THROWS_WITH_AS((void)qualify_batch(default_qualification_policy(qualification_rules{}, crm_map()),
                                           qualification_input{negative.view(), {}, temps}, o),
                             "field 'purchase_timeframe': row 2: purchase timeframe of -3 days (a timeframe is 0 or "
                             "more days)",
                             input_error);
        std::vector<qualification> out(5);
        CHECK_THROWS_AS(qualify_batch(p, qualification_input{table.view(), {}, temps}, out, o), definition_error);
        // An empty batch needs nothing, not even a schema.
        CHECK(qualify_batch(p, qualification_input{}, o).empty());
    }
    SUBCASE("definitions") {
        qualification_rules r;
        r.mql_score = std::numeric_limits<double>::infinity();
        CHECK_THROWS_WITH_AS(default_qualification_policy{r}, "qualification: mql_score inf is not a finite number",
                             definition_error);
        r = {};
        r.reject_after_days = -1;
        CHECK_THROWS_WITH_AS(default_qualification_policy{r},
                             "qualification: reject_after_days of -1 days (needs 0..36500)", definition_error);
        r = {};
        r.nurture_after_days = 36501;
        CHECK_THROWS_AS(default_qualification_policy{r}, definition_error);
        r = {};
        r.inquiry_events.push_back(" ");
        CHECK_THROWS_WITH_AS(default_qualification_policy{r},
                             "qualification: inquiry_events entry 5 is an empty event type", definition_error);
        r = {};
        r.no_intent = condition::equals("", std::string("x"));
        CHECK_THROWS_AS(default_qualification_policy{r}, definition_error);
        r = {};
        r.no_intent = condition::equals("no_such_field", std::string("x"));
        const default_qualification_policy p(r); // valid until bound to a table without the field
        CHECK_THROWS_AS((void)qualify_batch(p, qualification_input{table.view(), {}, temps}, o), definition_error);
    }
}

namespace {

const generated_crm& crm(int follow_up = 30) {
    static std::map<int, generated_crm> cache;
    auto it = cache.find(follow_up);
    if (it == cache.end()) {
        generator_options o;
        o.leads = 3000;
        o.seed = 9;
        o.follow_up_days = follow_up;
        it = cache.emplace(follow_up, generate_crm(o)).first;
    }
    return it->second;
}

points_policy demo_points() {
    points_rules rules;
    rules.groups = {{"fit", {}, {}, {}}, {"engagement", decay_rule::half_life(30), {}, {}}};
    rules.fit = {{"", condition::at_least("employees", 200.0), 10, "fit"}};
    engagement_rule page, form, meeting;
    page.event_type = "page_visited", page.points = 4;
    form.event_type = "form_submitted", form.points = 15;
    meeting.event_type = "meeting_booked", meeting.points = 25;
    rules.engagement = {page, form, meeting};
    return points_policy(rules);
}

temperature_policy demo_temperature() {
    return hottest_of({{"timeframe", purchase_timeframe_policy()},
                       {"score", score_band_policy(score_bands{score_scale::points, 20, 45})}});
}

} // namespace

TEST_CASE("default qualification: never backwards without an explicit reason, on a generated CRM") {
    const auto& c = crm();
    const auto view = c.leads.view();
    const batch_options o{.as_of = c.horizon, .threads = 2};
    const auto scores = score_batch(demo_points(), view, o);
    const auto temps = rate_batch(demo_temperature(), rating_input{view, scores, score_scale::points}, o);
    qualification_rules r;
    r.mql_score = 30;
    const default_qualification_policy p(r);
    const auto got = qualify_batch(p, qualification_input{view, scores, temps}, o);
    const auto& m = p.stages();
    const auto& f = funnel::standard();
    const auto stage_col = *view.table_schema().find(field_role::stage);
    std::size_t moved = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        const auto before = f.at(view.dict(stage_col)[view.codes(stage_col)[i]]);
        const auto cb = m.class_of(before);
        const auto& g = got[i];
        CHECK(g.category == m.class_of(static_cast<std::size_t>(g.stage)));
        if (static_cast<std::size_t>(g.stage) == before) continue;
        ++moved;
        CHECK(cb != lifecycle::beyond); // past qualification is never touched
        if (is_open_class(cb) && is_open_class(g.category)) {
            CHECK(g.category > cb); // forward only
        } else if (is_open_class(cb)) {
            CHECK(default_qualification_policy::is_explicit(g.reason)); // leaving the open path needs a reason
        } else {
            // From rejected or nurture: intent again, or an explicit condition.
            const bool intent = g.reason == rc::buys_now || g.reason == rc::warm_interest || g.reason == rc::score_interest;
            CHECK((intent || g.reason == rc::competitor || g.reason == rc::no_intent));
        }
    }
    CHECK(moved > 100);
    const auto counts = count_lifecycle(got);
    for (const auto cls : {lifecycle::lead, lifecycle::mql, lifecycle::sql, lifecycle::nurture, lifecycle::beyond})
        CHECK(counts[static_cast<std::size_t>(cls)] > 0);
    // Same for any thread count and block size.
    for (unsigned threads : {1U, 3U})
        for (std::size_t block : {std::size_t{1}, std::size_t{500}})
            CHECK(qualify_batch(p, qualification_input{view, scores, temps},
                                batch_options{.as_of = c.horizon, .threads = threads, .block_rows = block}) == got);
}

TEST_CASE("crossings: score thresholds, temperatures and stages, once each") {
    // Five leads L1..L5 with owners; thresholds 50 and 70.
    std::vector<lead> leads(5);
    for (std::size_t i = 0; i < 5; ++i) {
        leads[i].id = "L" + std::to_string(i + 1);
        leads[i].owner = i % 2 == 0 ? "ann" : "bob";
    }
    leads[3].owner.clear();
    const auto table = lead_table::from_leads(leads);
    const std::vector<double> s0{40, 80, qnan, 60, 10}, s1{75, 70, 55, 60, 95};
    const std::vector<rating> t0{{cold, 0, 0}, {hot, 0, 0}, {unknown, 0, 0}, {warm, 0, 0}, {cold, 0, 0}};
    const std::vector<rating> t1{{warm, 0, 0}, {hot, 0, 0}, {warm, 0, 0}, {warm, 0, 0}, {hot, 0, 0}};
    const std::vector<qualification> q0{q(suspect_s, lifecycle::suspect, 0), q(sql_s, lifecycle::sql, 0), q(-1, lifecycle::suspect, 0),
                                        q(mql_s, lifecycle::mql, 0), q(lead_s, lifecycle::lead, 0)};
    const std::vector<qualification> q1{q(mql_s, lifecycle::mql, 0), q(sql_s, lifecycle::sql, 0), q(lead_s, lifecycle::lead, 0),
                                        q(mql_s, lifecycle::mql, 0), q(sql_s, lifecycle::sql, 0)};
    const timestamp t_before = as_of, t_after = as_of + std::chrono::days(7);
    const evaluation e0{t_before, s0, t0, q0}, e1{t_after, s1, t1, q1};
    crossing_rules rules;
    rules.score_thresholds = {50, 70};
    const auto got = find_crossings(table.view(), e0, e1, rules);
    // L1: 40 -> 75 passes 50 and 70; cold -> warm; suspect -> mql.               4
    // L2: 80 -> 70 stays at 70 (equal is at it); hot, sql unchanged.             0
    // L3: none -> 55 passes 50 (new); none -> warm; none -> lead.                3
    // L4: unchanged.                                                             0
    // L5: 10 -> 95 passes 50 and 70; cold -> hot; lead -> sql.                   4
    using K = crossing_kind;
    const std::vector<std::tuple<std::size_t, K, double>> expected{
        {0, K::score, 50}, {0, K::score, 70}, {0, K::temperature, qnan}, {0, K::stage, qnan},
        {2, K::score, 50}, {2, K::temperature, qnan}, {2, K::stage, qnan},
        {4, K::score, 50}, {4, K::score, 70}, {4, K::temperature, qnan}, {4, K::stage, qnan}};
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        const auto& [row, kind, threshold] = expected[i];
        CHECK(got[i].row == row);
        CHECK(got[i].kind == kind);
        if (kind == K::score) CHECK(got[i].threshold == threshold);
        else CHECK(std::isnan(got[i].threshold));
        CHECK(got[i].lead_id == leads[row].id);
        CHECK(got[i].owner == leads[row].owner);
        CHECK(got[i].time == t_after);
        CHECK(got[i].upward());
        CHECK(got[i].to_temperature == t1[row].level);
        CHECK(got[i].to_stage == q1[row].stage);
    }
    CHECK(got[0].from_score == 40);
    CHECK(got[0].to_score == 75);
    CHECK(got[2].from_temperature == cold);
    CHECK(got[2].to_temperature == warm);
    CHECK(got[3].from_stage == suspect_s);
    CHECK(got[3].to_category == lifecycle::mql);
    CHECK(got[5].from_temperature == unknown); // L3 had none
    CHECK(got[6].from_stage == -1);

    SUBCASE("new leads left out") {
        rules.new_leads = false;
        CHECK(find_crossings(table.view(), e0, e1, rules).size() == 8);
    }
    SUBCASE("downward") {
        const std::vector<double> s2{75, 69.99, 55, 60, 95};
        const std::vector<rating> t2{{warm, 0, 0}, {warm, 0, 0}, {warm, 0, 0}, {warm, 0, 0}, {hot, 0, 0}};
        const auto down = find_crossings(table.view(), e1, evaluation{t_after, s2, t2, q1}, rules);
        REQUIRE(down.size() == 2);
        CHECK(down[0].kind == K::score);
        CHECK(down[0].threshold == 70);
        CHECK_FALSE(down[0].upward());
        CHECK(down[1].kind == K::temperature);
        CHECK_FALSE(down[1].upward());
    }
    SUBCASE("no change, no crossing") { CHECK(find_crossings(table.view(), e1, e1, rules).empty()); }
    SUBCASE("an empty batch") {
        CHECK(find_crossings(table_view(), evaluation{}, evaluation{}, rules).empty());
        CHECK(find_crossings(table.view().rows_between(0, 0), evaluation{}, evaluation{}, rules, {},
                             batch_options{.threads = 2})
                  .empty());
    }
    SUBCASE("errors") {
        crossing_rules bad = rules;
        bad.score_thresholds = {70, 50};
        CHECK_THROWS_WITH_AS((void)find_crossings(table.view(), e0, e1, bad),
                             "crossings: score thresholds 70 and 50 are not strictly ascending", definition_error);
        bad.score_thresholds = {qnan};
        CHECK_THROWS_AS((void)find_crossings(table.view(), e0, e1, bad), definition_error);
        evaluation no_stages = e1;
        no_stages.stages = {};
        CHECK_THROWS_WITH_AS((void)find_crossings(table.view(), e0, no_stages, rules),
                             "crossings: the new evaluation has 0 stages for 5 rows", definition_error);
        crossing_rules temps_only;
        temps_only.stages = false;
        CHECK(find_crossings(table.view(), e0, no_stages, temps_only).size() == 3); // L1, L3, L5
        const std::vector<std::int64_t> prev{0, 1, 2, 3, 5};
        CHECK_THROWS_AS((void)find_crossings(table.view(), e0, e1, rules, prev), definition_error);
        auto wrong = t1;
        wrong[4].level = static_cast<temperature>(8);
        CHECK_THROWS_AS((void)find_crossings(table.view(), e0, evaluation{t_after, s1, wrong, q1}, rules), input_error);
    }
}

TEST_CASE("crossings: matching leads across tables, and each crossing exactly once along a chain of runs") {
    std::vector<lead> before(3), after(4);
    for (std::size_t i = 0; i < 3; ++i) before[i].id = std::string(1, static_cast<char>('A' + i));
    after[0].id = "C", after[1].id = "D", after[2].id = "A", after[3].id = "";
    const auto tb = lead_table::from_leads(before), ta = lead_table::from_leads(after);
    CHECK(match_rows(tb.view(), ta.view()) == std::vector<std::int64_t>{2, -1, 0, -1});
    before[2].id = "A";
    CHECK_THROWS_WITH_AS((void)match_rows(lead_table::from_leads(before).view(), ta.view()),
                         "field 'id': row 2: id 'A' also at row 0", input_error);
    const schema no_id({{"x", field_type::numeric, field_role::none}});
    const table_view v(no_id, 1);
    CHECK_THROWS_AS((void)match_rows(tb.view(), v), definition_error);
    CHECK(match_rows(table_view(), ta.view()) == std::vector<std::int64_t>(4, -1));
    // Last run's ratings lined up with this run's rows; new leads are rated afresh (unknown).
    const std::vector<rating> last{{cold, 0, 2}, {warm, 1, 4}, {hot, 0, 0}};
    CHECK(previous_ratings(last, match_rows(tb.view(), ta.view())) ==
          std::vector<rating>{{hot, 0, 0}, {}, {cold, 0, 2}, {}});
    CHECK_THROWS_AS((void)previous_ratings(last, std::vector<std::int64_t>{3}), definition_error);

    // Through previous_row: after row 0 (C) was before row 2, row 2 (A) was row 0; D and the lead without id are new.
    const std::vector<double> sb{10, 20, 60}, sa{65, 80, 5, 55};
    const std::vector<rating> rb{{cold, 0, 0}, {cold, 0, 0}, {warm, 0, 0}}, ra{{warm, 0, 0}, {hot, 0, 0}, {cold, 0, 0}, {warm, 0, 0}};
    crossing_rules rules;
    rules.score_thresholds = {50};
    rules.stages = false;
    rules.new_leads = false;
    const auto got = find_crossings(ta.view(), evaluation{as_of, sb, rb, {}}, evaluation{as_of, sa, ra, {}}, rules,
                                    match_rows(tb.view(), ta.view()));
    // C: 60 -> 65, warm -> warm: nothing. A: 10 -> 5, cold -> cold: nothing. D and "" are new: left out.
    CHECK(got.empty());
    rules.new_leads = true;
    const auto with_new = find_crossings(ta.view(), evaluation{as_of, sb, rb, {}}, evaluation{as_of, sa, ra, {}}, rules,
                                         match_rows(tb.view(), ta.view()));
    // D: none -> 80 passes 50, none -> hot; "": none -> 55 passes 50, none -> warm.
    REQUIRE(with_new.size() == 4);
    CHECK(with_new[0].lead_id == "D");
    CHECK(with_new[3].lead_id.empty());

    // A chain of runs with rising scores: the thresholds a lead passes from run 0 to run 2 are listed once, split
    // between the two steps; temperature changes are listed at the step where they happen.
    const std::size_t n = 4000;
    std::vector<lead> many(n);
    for (std::size_t i = 0; i < n; ++i) many[i].id = "L" + std::to_string(i);
    const auto table = lead_table::from_leads(many);
    std::vector<std::vector<double>> s(3, std::vector<double>(n));
    std::vector<std::vector<rating>> t(3, std::vector<rating>(n));
    for (std::size_t i = 0; i < n; ++i) {
        double x = static_cast<double>((i * 37) % 100);
        for (std::size_t k = 0; k < 3; ++k) {
            s[k][i] = x;
            t[k][i] = {x >= 70 ? hot : x >= 40 ? warm : cold, 0, 0};
            x += static_cast<double>((i * 13 + k * 7) % 30);
        }
    }
    crossing_rules chain;
    chain.score_thresholds = {25, 50, 75, 100};
    chain.stages = false;
    const auto eval = [&](std::size_t k) { return evaluation{as_of + std::chrono::days(7 * k), s[k], t[k], {}}; };
    std::multiset<std::tuple<std::size_t, double>> passed_steps, passed_direct;
    std::size_t temperature_steps = 0;
    for (std::size_t k = 0; k < 2; ++k)
        for (const auto& c : find_crossings(table.view(), eval(k), eval(k + 1), chain, {},
                                            batch_options{.threads = 2, .block_rows = 333})) {
            if (c.kind == crossing_kind::score) passed_steps.insert({c.row, c.threshold});
            else ++temperature_steps;
        }
    for (const auto& c : find_crossings(table.view(), eval(0), eval(2), chain))
        if (c.kind == crossing_kind::score) passed_direct.insert({c.row, c.threshold});
    CHECK(passed_steps == passed_direct);
    CHECK(passed_steps.size() > 1000);
    std::size_t changes = 0;
    for (std::size_t k = 0; k < 2; ++k)
        for (std::size_t i = 0; i < n; ++i) changes += t[k][i].level != t[k + 1][i].level ? 1 : 0;
    CHECK(temperature_steps == changes);
    // The same list for any thread count.
    CHECK(find_crossings(table.view(), eval(0), eval(1), chain, {}, batch_options{.threads = 1}) ==
          find_crossings(table.view(), eval(0), eval(1), chain, {}, batch_options{.threads = 3, .block_rows = 7}));
}

TEST_CASE("a week later: score, rate with hysteresis, qualify, list the crossings (the demo's calls)") {
    // Two snapshots of the same CRM a week apart: more events, moved stages, the same lead ids.
    const auto& first = crm(30);
    const auto& second = crm(37);
    const auto points = demo_points();
    const hysteresis_policy temperature(demo_temperature(), hysteresis_rule{3.0, 2});
    const default_qualification_policy qualification;

    const batch_options o1{.as_of = first.horizon, .threads = 2}, o2{.as_of = second.horizon, .threads = 2};
    const auto v1 = first.leads.view(), v2 = second.leads.view();
    const auto s1 = score_batch(points, v1, o1);
    const auto r1 = rate_batch(temperature, rating_input{v1, s1, points.scale()}, o1);
    const auto q1 = qualify_batch(qualification, qualification_input{v1, s1, r1}, o1);

    const auto match = match_rows(v1, v2);
    const auto s2 = score_batch(points, v2, o2);
    const auto previous = previous_ratings(r1, match);
    const auto r2 = rate_batch(temperature, rating_input{v2, s2, points.scale(), previous}, o2);
    const auto q2 = qualify_batch(qualification, qualification_input{v2, s2, r2}, o2);

    crossing_rules rules;
    rules.score_thresholds = {20, 45};
    const auto crossings = find_crossings(v2, evaluation{first.horizon, s1, r1, q1},
                                          evaluation{second.horizon, s2, r2, q2}, rules, match, o2);
    CHECK_FALSE(crossings.empty());
    std::size_t to_hot = 0, to_sql = 0;
    for (const auto& c : crossings) {
        const auto p = static_cast<std::size_t>(match[c.row]);
        CHECK(c.to_temperature == r2[c.row].level);
        CHECK(c.from_temperature == r1[p].level);
        CHECK(c.to_stage == q2[c.row].stage);
        CHECK(c.from_stage == q1[p].stage);
        CHECK(c.lead_id == std::string(v2.dict(0)[v2.codes(0)[c.row]]));
        if (c.kind == crossing_kind::temperature && c.to_temperature == hot) ++to_hot;
        if (c.kind == crossing_kind::stage && c.to_category == lifecycle::sql) ++to_sql;
    }
    // Each hand-off to sales is a lead whose qualification reached sql's stage this week, listed once.
    std::size_t expected_sql = 0;
    for (std::size_t i = 0; i < q2.size(); ++i)
        expected_sql += q2[i].stage == sql_s && q1[static_cast<std::size_t>(match[i])].stage != sql_s ? 1 : 0;
    CHECK(to_sql == expected_sql);
    const auto c2 = count_temperatures(r2);
    CHECK(c2[0] + c2[1] + c2[2] + c2[3] == v2.rows());
    (void)to_hot;
}

} // namespace test_qualification
