// Human-editable configuration (TOML): every key, the defaults, every kind of error with its line and key, the
// example file, hostile input, and determinism against the same policies built in code.
#include "leadscore/io/config.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/qualification/policy.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/weighted.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace test_config {

using namespace leadscore;

namespace {

const std::string example_path = std::string(LEADSCORE_TEST_DATA) + "/../../examples/leadscore.toml";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The error a text gives; fails the test when it loads.
config_error error_of(const std::string& text, const config_options& options = {}) {
    try {
        (void)load_config(text, "t.toml", options);
    } catch (const config_error& e) {
        return e;
    }
    FAIL("loaded, but an error was expected:\n" << text);
    return config_error({}, "", "");
}

void check_error(const std::string& text, std::size_t line, const std::string& key, const std::string& words) {
    CAPTURE(text);
    const auto e = error_of(text);
    CHECK(e.where().file == "t.toml");
    CHECK(e.where().line == line);
    CHECK(e.key() == key);
    CHECK_MESSAGE(std::string(e.what()).find(words) != std::string::npos, e.what());
    // The message starts with the place: "t.toml:<line>: <key>: …".
    const std::string head = "t.toml:" + std::to_string(line) + ":";
    CHECK_MESSAGE(std::string(e.what()).rfind(head, 0) == 0, e.what());
    if (!key.empty()) CHECK_MESSAGE(std::string(e.what()).find(": " + key + ": ") != std::string::npos, e.what());
}

// The configuration's qualification policy, which without a kind is the default one.
const default_qualification_policy& qualification_of(const configuration& c) {
    const auto* p = c.qualification.target<default_qualification_policy>();
    REQUIRE(p != nullptr);
    return *p;
}

const points_policy& points_of(const configuration& c) {
    const auto* p = c.scoring.target<points_policy>();
    REQUIRE(p != nullptr);
    return *p;
}

condition range(std::string field, std::optional<attribute_value> low, bool low_in, std::optional<attribute_value> high,
                bool high_in) {
    condition c;
    c.field = std::move(field);
    c.test = condition_test::range;
    c.low = std::move(low);
    c.high = std::move(high);
    c.low_inclusive = low_in;
    c.high_inclusive = high_in;
    return c;
}

engagement_rule eng(std::string name, std::string type, double points, std::string group = "engagement") {
    engagement_rule e;
    e.name = std::move(name);
    e.event_type = std::move(type);
    e.points = points;
    e.group = std::move(group);
    return e;
}

// The policies of examples/leadscore.toml, built in code from the values written in the file.
struct example_in_code {
    scoring_policy scoring;
    temperature_policy temperature;
    default_qualification_policy qualification;
};

example_in_code example_policies() {
    points_rules r;
    r.total_cap = 150;
    r.total_floor = -50;
    r.groups = {{"fit", {}, 60.0, {}}, {"engagement", decay_rule::half_life(30), 100.0, {}}};
    r.fit = {{"software company", condition::equals("industry", std::string("software")), 20, "fit"},
             {"mid-sized", range("employees", 50.0, true, 5000.0, false), 15, "fit"},
             {"no newsletter", condition::equals("newsletter", false), -5, "fit"}};
    auto webinar = eng("attended a webinar", "webinar_attended", 15);
    webinar.cap = 45;
    auto pricing = eng("looked at pricing", "page_visited", 10);
    pricing.detail_filter = detail_test::contains;
    pricing.detail_text = "/pricing";
    pricing.cap = 30;
    auto demo = eng("asked for a demo", "demo_requested", 40);
    demo.counts = occurrence::first_only;
    const auto unsubscribed = eng("unsubscribed", "unsubscribed", -30);
    r.engagement = {webinar, pricing, demo, unsubscribed};

    grade_profile g;
    g.name = "grade"; // a grade part's name names its profile too
    g.start = letter_grade::d;
    g.criteria = {{"target industry", condition::one_of("industry", {std::string("software"), std::string("finance")}), 3},
                  {"large enough", range("employees", 200.0, true, std::nullopt, true), 2}};

    example_in_code out;
    out.scoring = weighted_sum_policy({{"rules", points_policy(r), 1.0}, {"grade", grade_policy(g), 10.0}}, 0.0);
    timeframe_rule tf;
    tf.horizon_days = 60;
    tf.beyond = temperature::cold;
    tf.when_none = temperature::unknown;
    out.temperature = hysteresis_policy(
        explicit_overrides({"timeframe", purchase_timeframe_policy(tf)},
                           {"score", score_band_policy({score_scale::points, 40, 80})}),
        hysteresis_rule{5.0, 3});
    qualification_rules q;
    q.mql_score = 60;
    out.qualification = default_qualification_policy(q);
    return out;
}

} // namespace

TEST_CASE("config: an empty file gives the defaults") {
    for (const std::string text : {"", "# only a comment\n", "\n\n"}) {
        const auto c = load_config(text);
        CHECK_FALSE(c.scoring);
        const auto* t = c.temperature.target<purchase_timeframe_policy>();
        REQUIRE(t != nullptr);
        CHECK(t->rule() == timeframe_rule{});
        CHECK(qualification_of(c) == default_qualification_policy{});
        CHECK(c.models.empty());
    }
    // Sections with only their kind take each struct's defaults.
    const auto c = load_config("[temperature]\nkind = \"relative_bands\"\n[qualification]\n");
    CHECK(c.temperature.target<relative_band_policy>()->bands() == relative_bands{});
    CHECK(qualification_of(c).rules() == qualification_rules{});
}

TEST_CASE("config: every points key") {
    const auto c = load_config(R"(
[scoring]
kind = "points"
total_cap = 200
total_floor = -20.5
[[scoring.groups]]
name = "fit"
cap = 50
floor = -10
[[scoring.groups]]
name = "web"
decay = "percent_per_period"
percent = 25
days = 7
[[scoring.groups]]
name = "events"
decay = "window"
days = 90
[[scoring.groups]]
name = "mail"
decay = "half_life"
days = 14
[[scoring.fit]]
name = "software"
field = "industry"
equals = "Software"
case_sensitive = true
points = 10
[[scoring.fit]]
field = "industry"
one_of = ["retail", "finance"]
negate = true
points = -3
group = "fit"
[[scoring.fit]]
field = "job_title"
contains = "vp"
points = 7
[[scoring.fit]]
field = "phone"
is_missing = true
points = -2
[[scoring.fit]]
field = "employees"
above = 10
at_most = 1000
points = 4
[[scoring.fit]]
field = "signed_up"
at_least = 2026-01-15
below = 2026-03-01T12:00:00Z
points = 1
[[scoring.fit]]
field = "newsletter"
equals = true
points = 0.25
[[scoring.engagement]]
name = "pricing"
event = "Page Visited"
detail_equals = "/Pricing"
detail_case_sensitive = true
points = 5
counts = "first_only"
cap = 20
group = "web"
[[scoring.engagement]]
event = "webinar_attended"
detail_contains = "launch"
points = 15
group = "events"
[[scoring.engagement]]
event = "email_clicked"
points = 2
group = "mail"
)");
    points_rules r;
    r.total_cap = 200;
    r.total_floor = -20.5;
    r.groups = {{"fit", {}, 50.0, -10.0},
                {"web", decay_rule::percent_per_period(25, 7), {}, {}},
                {"events", decay_rule::window(90), {}, {}},
                {"mail", decay_rule::half_life(14), {}, {}}};
    auto software = condition::equals("industry", std::string("Software"));
    software.case_sensitive = true;
    // 2026-01-15 = 1768435200 s; 2026-03-01T12:00:00Z = 1772323200 + 43200 s (date -u -d … +%s).
    r.fit = {{"software", software, 10, "fit"},
             {"", !condition::one_of("industry", {std::string("retail"), std::string("finance")}), -3, "fit"},
             {"", condition::contains("job_title", "vp"), 7, "fit"},
             {"", condition::is_missing("phone"), -2, "fit"},
             {"", range("employees", 10.0, false, 1000.0, true), 4, "fit"},
             {"", range("signed_up", from_seconds(1768435200), true, from_seconds(1772323200 + 43200), false), 1, "fit"},
             {"", condition::equals("newsletter", true), 0.25, "fit"}};
    auto pricing = eng("pricing", "Page Visited", 5, "web");
    pricing.detail_filter = detail_test::equals;
    pricing.detail_text = "/Pricing";
    pricing.detail_case_sensitive = true;
    pricing.counts = occurrence::first_only;
    pricing.cap = 20.0;
    auto webinar = eng("", "webinar_attended", 15, "events");
    webinar.detail_filter = detail_test::contains;
    webinar.detail_text = "launch";
    const auto mail = eng("", "email_clicked", 2, "mail");
    r.engagement = {pricing, webinar, mail};
    CHECK(points_of(c).rules() == r);
}

TEST_CASE("config: grade, weighted sum, max and model parts") {
    SUBCASE("grade") {
        const auto c = load_config(R"(
[scoring]
kind = "grade"
name = "fit profile"
start = "b+"
[[scoring.criteria]]
name = "big"
field = "employees"
at_least = 1000
thirds = -12
[[scoring.criteria]]
field = "industry"
equals = "software"
thirds = 12
)");
        const auto* g = c.scoring.target<grade_policy>();
        REQUIRE(g != nullptr);
        grade_profile p{"fit profile", letter_grade::b_plus,
                        {{"big", range("employees", 1000.0, true, std::nullopt, true), -12},
                         {"", condition::equals("industry", std::string("software")), 12}}};
        CHECK(g->profile() == p);
    }
    SUBCASE("max, with a model part") {
        std::vector<model_reference> seen;
        config_options o;
        o.load_model = [&](const model_reference& m) -> scoring_policy {
            seen.push_back(m);
            return grade_policy(grade_profile{"m", letter_grade::c, {{"", condition::is_missing("x"), 1}}});
        };
        const auto c = load_config(R"(
[scoring]
kind = "max"
[[scoring.parts]]
name = "model"
weight = 0.5
kind = "model"
file = "models/m.xml"
[[scoring.parts]]
name = "rules"
kind = "points"
[[scoring.parts.fit]]
field = "x"
is_missing = true
points = 1
)",
                                   "conf/leadscore.toml", o);
        const auto* m = c.scoring.target<max_policy>();
        REQUIRE(m != nullptr);
        REQUIRE(m->parts().size() == 2);
        CHECK(m->parts()[0].name == "model");
        CHECK(m->parts()[0].weight == 0.5);
        CHECK(m->parts()[0].policy.target<grade_policy>() != nullptr);
        CHECK(m->parts()[1].weight == 1.0); // the default weight
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].file == std::filesystem::path("models/m.xml"));
        CHECK(seen[0].resolved == std::filesystem::path("conf/models/m.xml"));
        CHECK(seen[0].line == 8);
        CHECK(seen[0].key == "scoring.parts[0]");
        REQUIRE(c.models.size() == 1);
        CHECK(c.models[0].resolved == seen[0].resolved);
    }
    SUBCASE("weighted sum with a bias, nested") {
        const auto c = load_config(R"(
[scoring]
kind = "weighted_sum"
bias = -1.5
[[scoring.parts]]
name = "inner"
weight = 2
kind = "max"
[[scoring.parts.parts]]
name = "g"
kind = "grade"
[[scoring.parts.parts.criteria]]
field = "x"
is_missing = true
thirds = 1
)");
        const auto* w = c.scoring.target<weighted_sum_policy>();
        REQUIRE(w != nullptr);
        CHECK(w->bias() == -1.5);
        CHECK(w->parts().at(0).weight == 2.0);
        CHECK(w->parts().at(0).policy.target<max_policy>() != nullptr);
    }
}

TEST_CASE("config: grid and calibrated parts") {
    SUBCASE("grid over a grade and a points part, with cell values") {
        const auto c = load_config(R"(
[scoring]
kind = "grid"
values = [1, 2, 3, 4, 5, 6]
[scoring.fit]
name = "fit"
thresholds = [2.5]
labels = ["B", "A"]
kind = "grade"
[[scoring.fit.criteria]]
field = "employees"
at_least = 200
thirds = 3
[scoring.engagement]
thresholds = [5, 15]
labels = ["3", "2", "1"]
kind = "points"
[[scoring.engagement.engagement]]
event = "email_clicked"
points = 4
)");
        const auto* g = c.scoring.target<grid_policy>();
        REQUIRE(g != nullptr);
        CHECK(g->fit().name == "fit");
        CHECK(g->fit().thresholds == std::vector<double>{2.5});
        CHECK(g->fit().labels == std::vector<std::string>{"B", "A"});
        REQUIRE(g->fit().policy.target<grade_policy>() != nullptr);
        CHECK(g->fit().policy.target<grade_policy>()->profile().criteria ==
              std::vector<grade_criterion>{{"", range("employees", 200.0, true, std::nullopt, true), 3}});
        CHECK(g->engagement().name == "engagement"); // the key names an axis without a name
        CHECK(g->engagement().thresholds == std::vector<double>{5, 15});
        REQUIRE(g->engagement().policy.target<points_policy>() != nullptr);
        CHECK(g->engagement().policy.target<points_policy>()->rules().engagement.size() == 1);
        CHECK(g->values() == std::vector<double>{1, 2, 3, 4, 5, 6});
    }
    SUBCASE("calibrated, logistic and piecewise linear") {
        const auto c = load_config(R"(
[scoring]
kind = "calibrated"
[scoring.raw]
kind = "grade"
[[scoring.raw.criteria]]
field = "industry"
equals = "software"
thirds = 3
[scoring.calibration]
kind = "logistic"
a = -4
b = 0.5
)");
        const auto* p = c.scoring.target<calibrated_policy>();
        REQUIRE(p != nullptr);
        CHECK(p->map() == calibration_map::logistic(-4, 0.5));
        CHECK(p->raw().target<grade_policy>() != nullptr);
        const auto pl = load_config("[scoring]\nkind = \"calibrated\"\n[scoring.raw]\nkind = \"grade\"\n"
                                    "criteria = [{ field = \"x\", is_missing = true, thirds = 1 }]\n"
                                    "[scoring.calibration]\nkind = \"piecewise_linear\"\nx = [0, 1.5]\ny = [0.25, 0.75]\n");
        REQUIRE(pl.scoring.target<calibrated_policy>() != nullptr);
        CHECK(pl.scoring.target<calibrated_policy>()->map() == calibration_map::piecewise_linear({0, 1.5}, {0.25, 0.75}));
    }
    SUBCASE("errors name the line and the key") {
        check_error("[scoring]\nkind = \"grid\"\n[scoring.fit]\nkind = \"grade\"\nlabels = [\"a\"]\n", 3,
                    "scoring.fit.thresholds", "missing");
        check_error("[scoring]\nkind = \"grid\"\n[scoring.fit]\nkind = \"grade\"\nthresholds = [1, \"x\"]\n"
                    "labels = [\"a\", \"b\"]\n",
                    5, "scoring.fit.thresholds[1]", "must be a number");
        // Thresholds not ascending: grid_policy's refusal, at the grid's line.
        check_error("[scoring]\nkind = \"grid\"\n[scoring.fit]\nkind = \"grade\"\nthresholds = [2, 1]\n"
                    "labels = [\"a\", \"b\", \"c\"]\ncriteria = [{ field = \"x\", is_missing = true, thirds = 1 }]\n"
                    "[scoring.engagement]\nkind = \"grade\"\nthresholds = [1]\nlabels = [\"x\", \"y\"]\n"
                    "criteria = [{ field = \"x\", is_missing = true, thirds = 1 }]\n",
                    1, "scoring", "ascending");
        const std::string raw = "[scoring]\nkind = \"calibrated\"\n[scoring.raw]\nkind = \"grade\"\n"
                                "criteria = [{ field = \"x\", is_missing = true, thirds = 1 }]\n"; // lines 1-5
        check_error(raw + "[scoring.calibration]\nkind = \"isotonic\"\n", 7, "scoring.calibration.kind", "must be one of \"logistic\", \"piecewise_linear\"");
        check_error(raw + "[scoring.calibration]\nkind = \"logistic\"\na = 1\n", 6, "scoring.calibration.b", "missing");
        check_error(raw, 1, "scoring.calibration", "missing");
    }
}

TEST_CASE("config: routing — round robin, weighted, and rules over either") {
    SUBCASE("round robin") {
        const auto c = load_config("[routing]\nkind = \"round_robin\"\nteam = \"dach\"\nlanguage_field = \"lang\"\n");
        const auto* p = c.routing.target<round_robin_policy>();
        REQUIRE(p != nullptr);
        CHECK(*p == round_robin_policy(rotation_options{"dach", "lang", ""}));
    }
    SUBCASE("weighted") {
        const auto c = load_config("[routing]\nkind = \"weighted\"\nprobability_field = \"p_won\"\nseed = 42\n"
                                   "region_field = \"country\"\n");
        const auto* p = c.routing.target<weighted_policy>();
        REQUIRE(p != nullptr);
        CHECK(*p == weighted_policy(weighted_options{rotation_options{"", "", "country"}, "p_won", 42}));
    }
    SUBCASE("rules with a weighted rotation and a default") {
        const auto c = load_config(R"(
[routing]
kind = "rules"
rotation = "weighted"
probability_field = "p_won"
fallback = "queue:inbox"

[[routing.rules]]
name = "big deals"
target = "rep:dee"
[[routing.rules.when]]
field = "expected_value"
at_least = 50000

[[routing.rules]]
name = "dach"
target = "team:dach"
[[routing.rules.when]]
field = "country"
one_of = ["DE", "AT"]
[[routing.rules.when]]
field = "temperature"
one_of = ["warm", "hot"]

[[routing.rules]]
target = "team:everyone"
)");
        const auto* p = c.routing.target<rule_policy<weighted_policy>>();
        REQUIRE(p != nullptr);
        routing_rules r;
        r.rules.push_back({"big deals", {range("expected_value", 50000.0, true, std::nullopt, true)},
                           route_target::rep("dee")});
        r.rules.push_back({"dach",
                           {condition::one_of("country", {std::string("DE"), std::string("AT")}),
                            condition::one_of("temperature", {std::string("warm"), std::string("hot")})},
                           route_target::team("dach")});
        r.rules.push_back({"", {}, route_target::team("everyone")});
        r.fallback = route_target::queue("inbox");
        weighted_options w;
        w.probability_field = "p_won";
        CHECK(*p == rule_policy<weighted_policy>(r, weighted_policy(w)));
        // Round robin is the default rotation.
        const auto rr = load_config("[routing]\nkind = \"rules\"\n[[routing.rules]]\ntarget = \"team:a\"\n");
        CHECK(rr.routing.target<rule_policy<round_robin_policy>>() != nullptr);
    }
    SUBCASE("no [routing]: empty") { CHECK_FALSE(load_config("").routing); }
    SUBCASE("errors name the line and the key") {
        check_error("[routing]\nkind = \"rules\"\n[[routing.rules]]\ntarget = \"dach\"\n", 4, "routing.rules[0].target",
                    "\"team:NAME\"");
        check_error("[routing]\nkind = \"rules\"\n[[routing.rules]]\ntarget = \"team:\"\n", 4, "routing.rules[0].target",
                    "not \"team:\"");
        check_error("[routing]\nkind = \"rules\"\n[[routing.rules]]\nname = \"x\"\n", 3, "routing.rules[0].target",
                    "missing");
        check_error("[routing]\nkind = \"rules\"\n[[routing.rules]]\ntarget = \"rep:a\"\n[[routing.rules.when]]\n"
                    "field = \"x\"\n",
                    5, "routing.rules[0].when[0]", "no test");
        check_error("[routing]\nkind = \"weighted\"\nseed = -1\n", 3, "routing.seed", "between 0 and");
        check_error("[routing]\nkind = \"round_robin\"\nprobability_field = \"p\"\n", 3, "routing.probability_field",
                    "unknown key");
        check_error("[routing]\nkind = \"rules\"\nrotation = \"random\"\n", 3, "routing.rotation", "must be one of");
        // Inside rules the rules pick the team: `team` is not a key there.
        check_error("[routing]\nkind = \"rules\"\nteam = \"dach\"\n[[routing.rules]]\ntarget = \"team:a\"\n", 3,
                    "routing.team", "unknown key");
        check_error("[routing]\nkind = \"fair\"\n", 2, "routing.kind", "must be one of");
    }
}

TEST_CASE("config: every temperature and qualification key") {
    SUBCASE("timeframe") {
        const auto c = load_config("[temperature]\nkind = \"timeframe\"\nhorizon_days = 0\nbeyond = \"unknown\"\n"
                                   "when_none = \"unknown\"\nfield = \"decides_in\"\n");
        CHECK(c.temperature.target<purchase_timeframe_policy>()->rule() ==
              timeframe_rule{0, temperature::unknown, temperature::unknown, "decides_in"});
    }
    SUBCASE("score bands") {
        const auto c = load_config("[temperature]\nkind = \"score_bands\"\nscale = \"probability\"\nwarm = 0.25\nhot = 1\n");
        CHECK(c.temperature.target<score_band_policy>()->bands() == score_bands{score_scale::probability, 0.25, 1.0});
    }
    SUBCASE("relative bands") {
        const auto c = load_config("[temperature]\nkind = \"relative_bands\"\nhot_share = 0.05\nwarm_share = 0.95\n"
                                   "ties = \"shared\"\n");
        CHECK(c.temperature.target<relative_band_policy>()->bands() == relative_bands{0.05, 0.95, tie_rule::shared});
    }
    SUBCASE("rating field, combinators, hysteresis") {
        const auto c = load_config(R"(
[temperature]
kind = "coldest"
[[temperature.parts]]
name = "rep"
kind = "rating_field"
field = "rating"
hot = ["Hot", "A"]
warm = ["Warm"]
cold = []
[[temperature.parts]]
name = "inner"
kind = "hottest"
[[temperature.parts.parts]]
name = "tf"
kind = "timeframe"
[[temperature.parts.parts]]
name = "fd"
kind = "first_defined"
[[temperature.parts.parts.parts]]
name = "tf2"
kind = "timeframe"
[temperature.hysteresis]
evaluations = 100
)");
        const auto* h = c.temperature.target<hysteresis_policy>();
        REQUIRE(h != nullptr);
        CHECK(h->rule() == hysteresis_rule{std::nullopt, 100});
        const auto* comb = h->inner().target<combined_temperature_policy>();
        REQUIRE(comb != nullptr);
        CHECK(comb->rule() == combine_rule::coldest);
        REQUIRE(comb->parts().size() == 2);
        CHECK(comb->parts()[0].policy.target<rating_field_policy>()->rule() ==
              rating_field_rule{"rating", {"Hot", "A"}, {"Warm"}, {}});
        const auto* inner = comb->parts()[1].policy.target<combined_temperature_policy>();
        REQUIRE(inner != nullptr);
        CHECK(inner->rule() == combine_rule::hottest);
        CHECK(inner->parts()[1].policy.target<combined_temperature_policy>()->rule() == combine_rule::first_defined);
    }
    SUBCASE("qualification") {
        const auto c = load_config(R"(
[qualification]
inquiry_events = ["form_submitted"]
not_interest_events = []
mql_score = 42.5
reject_after_days = "never"
nurture_after_days = 0
no_intent = { field = "intent", equals = "none" }
bought_competitor = { field = "lost_reason", contains = "competitor", case_sensitive = true }
)");
        qualification_rules r;
        r.inquiry_events = {"form_submitted"};
        r.not_interest_events = {};
        r.mql_score = 42.5;
        r.reject_after_days = std::nullopt;
        r.nurture_after_days = 0;
        r.no_intent = condition::equals("intent", std::string("none"));
        auto comp = condition::contains("lost_reason", "competitor");
        comp.case_sensitive = true;
        r.bought_competitor = comp;
        CHECK(qualification_of(c).rules() == r);
    }
}

TEST_CASE("config: errors name the line and the key") {
    // Syntax: toml++'s description, with line and column.
    SUBCASE("syntax") {
        const auto e = error_of("[scoring]\nkind = \"points\n");
        CHECK(e.where().line == 2);
        CHECK(e.where().column > 0);
        CHECK(e.key().empty());
        CHECK(std::string(e.what()).find("not valid TOML") != std::string::npos);
        check_error("a = 1\na = 2\n", 2, "", "not valid TOML");
    }
    SUBCASE("unknown keys") {
        check_error("\n\n[scorng]\nkind = \"points\"\n", 3, "scorng", "unknown key");
        check_error("[temperature]\nkind = \"timeframe\"\nhorizon = 30\n", 3, "temperature.horizon", "horizon_days");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nis_missing = true\npionts = 1\n"
                    "points = 2\n",
                    6, "scoring.fit[0].pionts", "unknown key");
        check_error("[temperature]\nkind = \"timeframe\"\n[temperature.hysteresis]\nmargin = 1\nevaluation = 3\n", 5,
                    "temperature.hysteresis.evaluation", "unknown key");
        check_error("[qualification]\nno_intent = { field = \"a\", equals = 1, negated = true }\n", 2,
                    "qualification.no_intent.negated", "unknown key");
    }
    SUBCASE("missing and mistyped values") {
        check_error("[scoring]\ntotal_cap = 1\n", 1, "scoring.kind", "missing");
        check_error("[scoring]\nkind = \"points\"\n\n[[scoring.fit]]\nfield = \"x\"\nis_missing = true\n", 4,
                    "scoring.fit[0].points", "missing");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nis_missing = true\npoints = \"ten\"\n",
                    6, "scoring.fit[0].points", "must be a number, not a string");
        check_error("scoring = 3\n", 1, "scoring", "must be a table");
        check_error("[scoring]\nkind = \"points\"\nfit = 1\n", 3, "scoring.fit", "array of tables");
        check_error("[temperature]\nkind = \"timeframe\"\nhorizon_days = 1.5\n", 3, "temperature.horizon_days",
                    "whole number");
        check_error("[temperature]\nkind = \"rating_field\"\nfield = \"r\"\nhot = [\"a\", 2]\n", 4,
                    "temperature.hot[1]", "must be a string");
        check_error("[qualification]\nreject_after_days = \"soon\"\n", 2, "qualification.reject_after_days", "never");
        check_error("[scoring]\nkind = \"grade\"\n[[scoring.criteria]]\nfield = \"x\"\nequals = 12:30:00\nthirds = 1\n",
                    5, "scoring.criteria[0].equals", "a time");
    }
    SUBCASE("numbers must be finite, integers in range") {
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nis_missing = true\npoints = nan\n", 6,
                    "scoring.fit[0].points", "must be finite");
        check_error("[temperature]\nkind = \"score_bands\"\nwarm = 1\nhot = inf\n", 4, "temperature.hot",
                    "must be finite");
        check_error("[temperature]\nkind = \"timeframe\"\nhorizon_days = 36501\n", 3, "temperature.horizon_days",
                    "between 0 and 36500");
        check_error("[temperature]\nkind = \"timeframe\"\nhorizon_days = -9223372036854775808\n", 3,
                    "temperature.horizon_days", "between 0 and 36500");
        check_error("[scoring]\nkind = \"grade\"\n[[scoring.criteria]]\nfield = \"x\"\nis_missing = true\nthirds = 13\n",
                    6, "scoring.criteria[0].thirds", "between -12 and 12");
        check_error("[temperature]\nkind = \"timeframe\"\n[temperature.hysteresis]\nevaluations = 101\n", 4,
                    "temperature.hysteresis.evaluations", "between 0 and 100");
    }
    SUBCASE("words") {
        check_error("[scoring]\nkind = \"pts\"\n", 2, "scoring.kind", "\"points\", \"grade\"");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.groups]]\nname = \"g\"\ndecay = \"halflife\"\n", 5,
                    "scoring.groups[0].decay", "\"half_life\"");
        check_error("[temperature]\nkind = \"timeframe\"\nbeyond = \"tepid\"\n", 3, "temperature.beyond", "\"unknown\"");
        check_error("[scoring]\nkind = \"grade\"\nstart = \"E\"\n", 3, "scoring.start", "letter grade");
    }
    SUBCASE("conditions") {
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\npoints = 1\n", 3, "scoring.fit[0]",
                    "no test");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nequals = 1\ncontains = \"a\"\n"
                    "points = 1\n",
                    5, "scoring.fit[0]", "more than one test");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nat_least = 1\nabove = 2\npoints = 1\n",
                    6, "scoring.fit[0].above", "exclude each other");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\none_of = []\npoints = 1\n", 3,
                    "scoring.fit[0]", "one_of");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nat_least = 5\nat_most = 1\npoints = 1\n",
                    3, "scoring.fit[0]", "x");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nis_missing = false\npoints = 1\n", 5,
                    "scoring.fit[0].is_missing", "must be true");
        // toml++ refuses an impossible date itself.
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nequals = 2026-02-30\npoints = 1\n", 5,
                    "", "not valid TOML");
    }
    SUBCASE("definition errors of the policies' constructors") {
        // A rule naming an undeclared group: the rule's own line.
        check_error("[scoring]\nkind = \"points\"\n[[scoring.fit]]\nfield = \"x\"\nis_missing = true\npoints = 1\n"
                    "[[scoring.fit]]\nfield = \"y\"\nis_missing = true\npoints = 1\ngroup = \"nope\"\n",
                    7, "scoring.fit[1]", "nope");
        // A negative group cap, a repeated group name.
        check_error("[scoring]\nkind = \"points\"\n[[scoring.groups]]\nname = \"fit\"\ncap = -1\n", 3,
                    "scoring.groups[0]", "cap");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.groups]]\nname = \"fit\"\n[[scoring.groups]]\nname = \"fit\"\n"
                    "[[scoring.fit]]\nfield = \"x\"\nis_missing = true\npoints = 1\n",
                    5, "scoring.groups[1].name", "declared twice");
        // No rules at all.
        check_error("[scoring]\nkind = \"points\"\n", 1, "scoring", "");
        // A decay of zero days, a percentage of 100.
        check_error("[scoring]\nkind = \"points\"\n[[scoring.groups]]\nname = \"e\"\ndecay = \"window\"\ndays = 0\n", 3,
                    "scoring.groups[0]", "");
        check_error("[scoring]\nkind = \"points\"\n[[scoring.groups]]\nname = \"e\"\ndecay = \"half_life\"\n", 3,
                    "scoring.groups[0].days", "missing");
        // Bands: warm not below hot; shares adding up to more than 1.
        check_error("[temperature]\nkind = \"score_bands\"\nwarm = 5\nhot = 5\n", 1, "temperature", "warm");
        check_error("[temperature]\nkind = \"relative_bands\"\nhot_share = 0.6\nwarm_share = 0.6\n", 1, "temperature",
                    "");
        // Timeframe: a warm `beyond`. Hysteresis with neither margin nor evaluations, a negative margin.
        check_error("[temperature]\nkind = \"timeframe\"\nbeyond = \"warm\"\n", 1, "temperature", "");
        check_error("[temperature]\nkind = \"timeframe\"\n\n[temperature.hysteresis]\nevaluations = 0\n", 4,
                    "temperature.hysteresis", "");
        check_error("[temperature]\nkind = \"timeframe\"\n[temperature.hysteresis]\nmargin = -1\n", 3,
                    "temperature.hysteresis", "margin");
        // Combinators: explicit_overrides needs two parts; parts need distinct names.
        check_error("[temperature]\nkind = \"explicit_overrides\"\n[[temperature.parts]]\nname = \"a\"\n"
                    "kind = \"timeframe\"\n",
                    1, "temperature.parts", "two parts");
        check_error("[temperature]\nkind = \"hottest\"\n[[temperature.parts]]\nname = \"a\"\nkind = \"timeframe\"\n"
                    "[[temperature.parts]]\nname = \"a\"\nkind = \"timeframe\"\n",
                    1, "temperature", "a");
        // Grade: no criteria. Composite: a non-finite weight cannot even be written, a repeated part name can.
        check_error("[scoring]\nkind = \"grade\"\n", 1, "scoring", "");
        check_error("[scoring]\nkind = \"max\"\n[[scoring.parts]]\nname = \"a\"\nkind = \"grade\"\n"
                    "[[scoring.parts.criteria]]\nfield = \"x\"\nis_missing = true\nthirds = 1\n"
                    "[[scoring.parts]]\nname = \"a\"\nkind = \"grade\"\n"
                    "[[scoring.parts.criteria]]\nfield = \"x\"\nis_missing = true\nthirds = 1\n",
                    1, "scoring", "a");
        // Qualification: an empty event type.
        check_error("\n[qualification]\ninquiry_events = [\"\"]\n", 2, "qualification", "");
    }
    SUBCASE("models") {
        const std::string text = "[scoring]\nkind = \"model\"\nfile = \"m.xml\"\n";
        check_error(text, 3, "scoring.file", "no model loader");
        config_options o;
        o.load_model = [](const model_reference&) -> scoring_policy { throw input_error({"m.xml", 0, 0, {}}, "bad archive"); };
        const auto e = error_of(text, o);
        CHECK(e.where().line == 3);
        CHECK(e.key() == "scoring.file");
        CHECK(std::string(e.what()).find("bad archive") != std::string::npos);
        o.load_model = [](const model_reference&) { return scoring_policy{}; };
        CHECK(std::string(error_of(text, o).what()).find("gave no policy") != std::string::npos);
    }
    SUBCASE("limits") {
        std::string deep = "[scoring]\nkind = \"max\"\n";
        std::string prefix = "scoring";
        for (int i = 0; i < 9; ++i) {
            prefix += ".parts";
            deep += "[[" + prefix + "]]\nname = \"p\"\nkind = \"max\"\n";
        }
        const auto e = error_of(deep);
        CHECK(std::string(e.what()).find("nested deeper than 8") != std::string::npos);
        config_options small;
        small.limits.max_bytes = 10;
        CHECK(std::string(error_of("# twelve bytes", small).what()).find("larger than 10 bytes") != std::string::npos);
        const auto f = std::filesystem::temp_directory_path() / "leadscore_test_config_big.toml";
        {
            std::ofstream out(f);
            out << std::string(100, '#');
        }
        CHECK_THROWS_AS((void)load_config_file(f, small), config_error);
        std::filesystem::remove(f);
        CHECK_THROWS_WITH_AS((void)load_config_file("/nonexistent/leadscore.toml"),
                             "/nonexistent/leadscore.toml: cannot open the file", config_error);
    }
}

TEST_CASE("config: unknown event types and points that could overflow are refused, naming the key") {
    const std::string rule = "[scoring]\nkind = \"points\"\n[[scoring.engagement]]\npoints = 5\nevent = ";
    SUBCASE("an engagement rule's event must be in the catalogue") {
        // Before, a typo loaded and the rule silently scored 0 for every lead.
        check_error(rule + "\"webinar_atended\"\n", 5, "scoring.engagement[0].event",
                    "unknown event type \"webinar_atended\" (the event catalogue has email_opened, ");
        CHECK_NOTHROW((void)load_config(rule + "\"Webinar Attended\"\n")); // compared normalized
        // A CRM's own catalogue: its types load, and the built-in ones it lacks are unknown.
        event_catalogue own = event_catalogue::none();
        own.add({"demo_watched", engagement_category::sales, "Demo watched"});
        config_options o;
        o.events = &own;
        CHECK_NOTHROW((void)load_config(rule + "\"demo_watched\"\n", "t.toml", o));
        const auto e = error_of(rule + "\"webinar_attended\"\n", o);
        CHECK(e.key() == "scoring.engagement[0].event");
        CHECK(std::string(e.what()).find("(the event catalogue has demo_watched)") != std::string::npos);
        CHECK(std::string(error_of(rule + "\"demo_watched\"\n").what()).find("unknown event type") != std::string::npos);
        // A large catalogue is listed in part: its first 30 names.
        for (int i = 1; i < 40; ++i) own.add({"type_" + std::to_string(i), engagement_category::web, ""});
        const std::string many = error_of(rule + "\"nope\"\n", o).what();
        CHECK(many.find("(the event catalogue has demo_watched, type_1, ") != std::string::npos);
        CHECK(many.find(", type_29, …)") != std::string::npos);
        CHECK(many.find("type_30") == std::string::npos);
    }
    SUBCASE("so must qualification's event lists") {
        check_error("[qualification]\ninquiry_events = [\"form_submitted\", \"form_sent\"]\n", 2,
                    "qualification.inquiry_events", "unknown event type \"form_sent\"");
        check_error("[qualification]\n\nnot_interest_events = [\"bounced\"]\n", 3, "qualification.not_interest_events",
                    "unknown event type \"bounced\"");
    }
    SUBCASE("points whose sum could overflow") {
        // M = DBL_MAX / 2; two fit rules of M / 2 (4.4942328371557893e307: these 17 digits read as it exactly) reach M,
        // and a third rule of 1e292 (more than half of M's ulp, 2^970) passes it: refused at the points section.
        const std::string fit = "[[scoring.fit]]\nfield = \"x\"\nis_missing = true\npoints = ";
        const std::string two = "[scoring]\nkind = \"points\"\n" + fit + "4.4942328371557893e307\n" + fit +
                                "4.4942328371557893e307\n";
        CHECK_NOTHROW((void)load_config(two));
        check_error(two + fit + "1e292\n", 1, "scoring", "fit rule #3 lets group 'fit' reach ");
        // A repeatable engagement rule counts 2^64 events: alone, its own key path is named.
        check_error("[scoring]\nkind = \"points\"\n[[scoring.engagement]]\nevent = \"webinar_attended\"\npoints = 1e300\n", 3,
                    "scoring.engagement[0]", "counting up to 2^64 events");
    }
}

TEST_CASE("config: the example file loads, and scores as the same policies built in code") {
    const auto c = load_config_file(example_path);
    const auto code = example_policies();
    const auto* w = c.scoring.target<weighted_sum_policy>();
    REQUIRE(w != nullptr);
    const auto* w_code = code.scoring.target<weighted_sum_policy>();
    REQUIRE(w->parts().size() == 2);
    CHECK(*w->parts()[0].policy.target<points_policy>() == *w_code->parts()[0].policy.target<points_policy>());
    CHECK(*w->parts()[1].policy.target<grade_policy>() == *w_code->parts()[1].policy.target<grade_policy>());
    CHECK(w->parts()[1].weight == 10.0);
    CHECK(qualification_of(c) == code.qualification);
    // Routing: two rules over a weighted rotation matching languages, a queue for the rest.
    routing_rules rules;
    rules.rules.push_back({"key accounts", {range("expected_value", 50000.0, true, std::nullopt, true)},
                           route_target::rep("amelie")});
    rules.rules.push_back({"dach",
                           {condition::one_of("country", {std::string("DE"), std::string("AT"), std::string("CH")})},
                           route_target::team("dach")});
    rules.fallback = route_target::queue("inbox");
    weighted_options wo;
    wo.probability_field = "p_won";
    wo.rotation.language_field = "language";
    REQUIRE(c.routing.target<rule_policy<weighted_policy>>() != nullptr);
    CHECK(*c.routing.target<rule_policy<weighted_policy>>() == rule_policy<weighted_policy>(rules, weighted_policy(wo)));

    generator_options g;
    g.leads = 3000;
    g.seed = 7;
    const auto crm = generate_crm(g);
    const auto view = crm.leads.view();
    for (const unsigned threads : {1u, 2u}) {
        CAPTURE(threads);
        batch_options o;
        o.as_of = crm.horizon;
        o.threads = threads;
        o.block_rows = 256;
        const auto scores = score_batch(c.scoring, view, o);
        const auto expected = score_batch(code.scoring, view, o);
        REQUIRE(scores.size() == expected.size());
        CHECK(std::memcmp(scores.data(), expected.data(), scores.size() * sizeof(double)) == 0);
        // The rules must do something on this batch, or the comparison proves little.
        CHECK(std::count_if(scores.begin(), scores.end(), [&](double s) { return s != scores[0]; }) > 100);

        rating_input in;
        in.rows = view;
        in.scores = scores;
        in.scale = c.scoring.scale();
        const auto ratings = rate_batch(c.temperature, in, o);
        CHECK(ratings == rate_batch(code.temperature, in, o));
        CHECK(std::count_if(ratings.begin(), ratings.end(), [](const rating& r) { return r.level == temperature::hot; }) > 0);

        qualification_input q;
        q.rows = view;
        q.scores = scores;
        q.temperatures = ratings;
        CHECK(qualify_batch(c.qualification, q, o) == qualify_batch(code.qualification, q, o));
    }
}

TEST_CASE("config: hostile input gives config_error, never anything else") {
    const std::string example = read_file(example_path);
    REQUIRE(example.size() > 1000);
    auto survives = [](const std::string& text) {
        try {
            (void)load_config(text, "h.toml");
        } catch (const config_error&) {
        }
    };
    // Truncated at many places (every 13th byte: a few hundred parses).
    for (std::size_t n = 0; n < example.size(); n += 13) CHECK_NOTHROW(survives(example.substr(0, n)));
    // Corrupted: random bytes overwritten, deterministic seed.
    std::mt19937 rng(12345);
    for (int trial = 0; trial < 300; ++trial) {
        std::string t = example;
        for (int k = 0; k < 4; ++k) t[rng() % t.size()] = static_cast<char>(rng() % 256);
        CHECK_NOTHROW(survives(t));
    }
    // A table header that starts no key: toml++ 3.3.0 asserts on it (found by the fuzzer); it must be refused.
    // And a non-ASCII character where toml++ 3.3.0 tests for Unicode whitespace (U+02CF, U+00E9: its test reached an
    // "unreachable" point, undefined behaviour).
    for (const std::string t : {"[=]\n", "[\x01coring\nkind = \"points", "[[#]]\n", "[ .a]\n", "[[scoring\xcb\x8f]]\n",
                                "a = 1 \xc3\xa9\n", "[a \xc3\xa9]\n"}) {
        CAPTURE(t);
        CHECK_THROWS_AS((void)load_config(t), config_error);
    }
    // Wrong files: binary, an archive, deep nesting (toml++ refuses nesting past 256 levels).
    CHECK_NOTHROW(survives(std::string("\0\x01\xff\xfe", 4)));
    CHECK_NOTHROW(survives("<?xml version=\"1.0\"?><boost_serialization/>"));
    CHECK_NOTHROW(survives("a = " + std::string(100000, '[')));
    CHECK_NOTHROW(survives("a = { " + std::string(5000, '{')));
    CHECK_THROWS_AS((void)load_config(std::string(100000, '['), "h.toml"), config_error);
}

TEST_CASE("config: checks stay linear in the number of rules" * doctest::timeout(20)) {
    // Near the 1 MiB limit: 12,000 groups and 12,000 rules each. Checking each rule against the rules before it
    // would take ~10^8 rule validations here; one at a time it takes ~10^4 (a fraction of a second).
    std::string groups = "[scoring]\nkind = \"points\"\n";
    std::string rules = groups;
    for (int i = 0; i < 12000; ++i) {
        groups += "[[scoring.groups]]\nname = \"g" + std::to_string(i) + "\"\n";
        rules += "[[scoring.fit]]\nfield = \"x\"\nequals = " + std::to_string(i) + "\npoints = 1\n";
    }
    groups += "[[scoring.fit]]\nfield = \"x\"\nis_missing = true\npoints = 1\ngroup = \"g11999\"\n";
    REQUIRE(groups.size() < (1u << 20));
    REQUIRE(rules.size() < (1u << 20));
    CHECK(points_of(load_config(groups)).rules().groups.size() == 12000);
    CHECK(points_of(load_config(rules)).rules().fit.size() == 12000);
}

} // namespace test_config
