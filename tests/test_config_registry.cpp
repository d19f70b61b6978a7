// Policy types of a user's own named in the TOML configuration through the registry archives use: the scoring policy
// of examples/value_at_stake.hpp and a temperature policy, alone and inside composites, a qualification and a routing
// policy; the errors a registered reader's keys give, with their line and key path, as the built-in keys do; one key
// for one type across archives and configuration; and an archive round trip of a configured policy.

#include "leadscore/io/archive.hpp"
#include "leadscore/io/config.hpp"
#include "leadscore/io/serialize_routing.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/io/serialize_temperature.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"

#include "../examples/value_at_stake.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace leadscore_example {
// Archives of the example's policy: its one setting.
template <class Ar>
void serialize(Ar& ar, value_at_stake& p, unsigned /*version*/) {
    ar& boost::serialization::make_nvp("half_life_days", p.half_life_days);
}
} // namespace leadscore_example

namespace test_config_registry {

using namespace leadscore;
using leadscore_example::value_at_stake;

namespace acme {

/// A user's temperature policy (as examples/custom_temperature.cpp writes one): hot when the lead did something in
/// the last hot_days days and scores at least hot_score, warm when active within warm_days, cold otherwise, unknown
/// without any activity.
struct recent_activity {
    std::int64_t hot_days = 3, warm_days = 14;
    double hot_score = 15;

    [[nodiscard]] std::vector<std::string> reasons() const {
        return {"no activity yet", "recently active, high score", "active lately", "inactive"};
    }
    struct rater {
        table_view rows;
        std::int64_t as_of, hot_after, warm_after;
        double hot_score;
        [[nodiscard]] rating rate(std::size_t row, double score) const {
            std::int64_t last = std::numeric_limits<std::int64_t>::min();
            for (const auto& e : rows.events_of(row))
                if (e.time <= as_of) last = e.time;
            if (last == std::numeric_limits<std::int64_t>::min()) return {temperature::unknown, 0, 0};
            if (last >= hot_after && score >= hot_score) return {temperature::hot, 0, 1};
            if (last >= warm_after) return {temperature::warm, 0, 2};
            return {temperature::cold, 0, 3};
        }
    };
    [[nodiscard]] rater bind(const rating_input& in, const batch_options& o) const {
        const std::int64_t now = to_seconds(o.as_of);
        return {in.rows, now, now - hot_days * 86400, now - warm_days * 86400, hot_score};
    }
    friend bool operator==(const recent_activity&, const recent_activity&) = default;
};
static_assert(TemperaturePolicy<recent_activity>);

/// A qualification policy of a user's own: hot leads are sales-qualified, every other lead a lead. Its stage map is
/// given by value.
struct hot_is_sql {
    std::string label = "hot";
    [[nodiscard]] stage_map stages() const { return stage_map::by_kind_and_order(funnel::standard()); }
    [[nodiscard]] std::vector<std::string> reasons() const { return {label, "other"}; }
    struct qualifier {
        std::span<const rating> temperatures;
        std::int32_t sql, lead;
        [[nodiscard]] qualification qualify(std::size_t row) const {
            if (temperatures[row].level == temperature::hot) return {sql, lifecycle::sql, 0};
            return {lead, lifecycle::lead, 1};
        }
    };
    [[nodiscard]] qualifier bind(const qualification_input& in, const batch_options&) const {
        const auto map = stages();
        return {in.temperatures, static_cast<std::int32_t>(map.stage_of(lifecycle::sql)),
                static_cast<std::int32_t>(map.stage_of(lifecycle::lead))};
    }
};
static_assert(QualificationPolicy<hot_is_sql>);

/// A routing policy of a user's own: every lead to the rep at `index`.
struct pinned {
    std::int32_t index = 0;
    struct router {
        std::int32_t index;
        [[nodiscard]] assignment route(std::size_t) const {
            assignment a;
            a.rep = index;
            a.reason = route_reason::rule_rep;
            return a;
        }
    };
    [[nodiscard]] router bind(const table_view&, routing_state&, timestamp) const { return {index}; }
};
static_assert(RoutingPolicy<pinned>);

template <class Ar>
void serialize(Ar& ar, recent_activity& p, unsigned /*version*/) {
    ar& boost::serialization::make_nvp("hot_days", p.hot_days);
    ar& boost::serialization::make_nvp("warm_days", p.warm_days);
    ar& boost::serialization::make_nvp("hot_score", p.hot_score);
}
template <class Ar>
void serialize(Ar& ar, hot_is_sql& p, unsigned /*version*/) {
    ar& boost::serialization::make_nvp("label", p.label);
}

/// Types of their own, each registered below under one key at most.
struct other_scoring : value_at_stake {};
struct other_temperature : recent_activity {};
struct third_temperature : recent_activity {};
struct other_qualification : hot_is_sql {};
template <class Ar>
void serialize(Ar& ar, other_temperature& p, unsigned version) {
    serialize(ar, static_cast<recent_activity&>(p), version);
}
template <class Ar>
void serialize(Ar& ar, other_qualification& p, unsigned version) {
    serialize(ar, static_cast<hot_is_sql&>(p), version);
}

} // namespace acme

namespace {

// ---- the readers: what a user writes next to a policy to make it configurable --------------------------------------

value_at_stake read_value_at_stake(const config_section& s) {
    value_at_stake p;
    p.half_life_days = s.number_or("half_life_days", p.half_life_days);
    if (!(p.half_life_days > 0)) throw definition_error("value_at_stake: the half-life must be above 0 days");
    return p;
}

acme::recent_activity read_recent_activity(const config_section& s) {
    acme::recent_activity p;
    p.hot_days = s.integer_or("hot_days", 0, 3650, p.hot_days);
    p.warm_days = s.integer_or("warm_days", 0, 3650, p.warm_days);
    p.hot_score = s.number_or("hot_score", p.hot_score);
    if (p.hot_days > p.warm_days) s.fail("hot_days", "must not be above warm_days");
    return p;
}

acme::hot_is_sql read_hot_is_sql(const config_section& s) { return {s.text_or("label", "hot")}; }

acme::pinned read_pinned(const config_section& s) {
    return {static_cast<std::int32_t>(s.integer_or("index", 0, 1000, 0))};
}

void register_user_policies() {
    // Archives and configuration under the same key; registering again changes nothing.
    register_scoring_policy<value_at_stake>("acme.value_at_stake", read_value_at_stake);
    register_temperature_policy<acme::recent_activity>("acme.recent_activity");
    register_temperature_config<acme::recent_activity>("acme.recent_activity", read_recent_activity);
    register_qualification_config<acme::hot_is_sql>("acme.hot_is_sql", read_hot_is_sql);
    register_routing_config<acme::pinned>("acme.pinned_rep", read_pinned);
    register_temperature_policy<acme::other_temperature>("acme.archived_only"); // archives only
}

const generated_crm& crm() {
    static const generated_crm c = generate_crm({.leads = 2000, .seed = 21});
    return c;
}

config_error error_of(const std::string& text) {
    try {
        (void)load_config(text, "t.toml");
    } catch (const config_error& e) {
        return e;
    }
    FAIL("loaded, but an error was expected:\n" << text);
    return config_error({}, "", "");
}

void check_error(const std::string& text, std::size_t line, const std::string& key, const std::string& words) {
    CAPTURE(text);
    const auto e = error_of(text);
    CHECK(e.where().line == line);
    CHECK(e.key() == key);
    CHECK_MESSAGE(std::string(e.what()).find(words) != std::string::npos, e.what());
    const std::string head = "t.toml:" + std::to_string(line) + ": " + key + ": ";
    CHECK_MESSAGE(std::string(e.what()).rfind(head, 0) == 0, e.what());
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
    return true;
}

} // namespace

TEST_CASE("registered policies: a user's scoring policy is configured from TOML alone, and inside a composite") {
    register_user_policies();
    const auto view = crm().leads.view();
    const batch_options o{.as_of = crm().horizon, .threads = 2};

    const auto alone = load_config("[scoring]\nkind = \"acme.value_at_stake\"\nhalf_life_days = 7.5\n");
    const auto* p = alone.scoring.target<value_at_stake>();
    REQUIRE(p != nullptr);
    CHECK(p->half_life_days == 7.5);
    const auto expected = score_batch(value_at_stake{7.5}, view, o);
    CHECK(same_bits(score_batch(alone.scoring, view, o), expected));
    std::size_t positive = 0;
    for (const double s : expected) positive += s > 0 ? 1 : 0;
    CHECK(positive > 10); // the comparison above is not between two columns of zeros

    // Without its key, the struct's default.
    CHECK(load_config("[scoring]\nkind = \"acme.value_at_stake\"\n").scoring.target<value_at_stake>()->half_life_days ==
          14);

    // A part of a weighted sum (with its own name and weight), and a grid axis.
    const auto composite = load_config(R"(
[scoring]
kind = "weighted_sum"
[[scoring.parts]]
name = "stake"
weight = 0.5
kind = "acme.value_at_stake"
half_life_days = 30
[[scoring.parts]]
name = "fit"
kind = "points"
[[scoring.parts.fit]]
field = "industry"
equals = "software"
points = 10
)");
    const auto* sum = composite.scoring.target<weighted_sum_policy>();
    REQUIRE(sum != nullptr);
    REQUIRE(sum->parts().size() == 2);
    CHECK(sum->parts()[0].name == "stake");
    CHECK(sum->parts()[0].weight == 0.5);
    REQUIRE(sum->parts()[0].policy.target<value_at_stake>() != nullptr);
    CHECK(sum->parts()[0].policy.target<value_at_stake>()->half_life_days == 30);
    points_rules fit;
    fit.fit = {{"", condition::equals("industry", std::string("software")), 10, "fit"}};
    const weighted_sum_policy in_code({{"stake", value_at_stake{30}, 0.5}, {"fit", points_policy(fit), 1.0}});
    CHECK(same_bits(score_batch(composite.scoring, view, o), score_batch(in_code, view, o)));

    const auto grid = load_config(R"(
[scoring]
kind = "grid"
values = [1, 2, 3, 4]
[scoring.fit]
kind = "acme.value_at_stake"
half_life_days = 3
thresholds = [100]
labels = ["small", "large"]
[scoring.engagement]
kind = "acme.value_at_stake"
thresholds = [1000]
labels = ["small", "large"]
)");
    const auto* g = grid.scoring.target<grid_policy>();
    REQUIRE(g != nullptr);
    CHECK(g->fit().policy.target<value_at_stake>()->half_life_days == 3);
    CHECK(g->engagement().policy.target<value_at_stake>()->half_life_days == 14);
}

TEST_CASE("registered policies: a user's temperature policy alone, in a combination, under hysteresis") {
    register_user_policies();
    const auto alone = load_config("[temperature]\nkind = \"acme.recent_activity\"\nhot_days = 1\nhot_score = 2.5\n");
    REQUIRE(alone.temperature.target<acme::recent_activity>() != nullptr);
    CHECK(*alone.temperature.target<acme::recent_activity>() == acme::recent_activity{1, 14, 2.5});

    const auto combined = load_config(R"(
[temperature]
kind = "hottest"
[[temperature.parts]]
name = "timeframe"
kind = "timeframe"
[[temperature.parts]]
name = "activity"
kind = "acme.recent_activity"
warm_days = 30
[temperature.hysteresis]
evaluations = 2
)");
    const auto* h = combined.temperature.target<hysteresis_policy>();
    REQUIRE(h != nullptr);
    const auto* comb = h->inner().target<combined_temperature_policy>();
    REQUIRE(comb != nullptr);
    REQUIRE(comb->parts().size() == 2);
    CHECK(comb->parts()[1].name == "activity");
    REQUIRE(comb->parts()[1].policy.target<acme::recent_activity>() != nullptr);
    CHECK(*comb->parts()[1].policy.target<acme::recent_activity>() == acme::recent_activity{3, 30, 15});

    // It rates a batch as the same policy built in code.
    const auto view = crm().leads.view();
    const batch_options o{.as_of = crm().horizon, .threads = 2};
    const std::vector<double> scores(view.rows(), 20.0);
    const rating_input in{view, scores, score_scale::points};
    const hysteresis_policy in_code(hottest_of({{"timeframe", purchase_timeframe_policy()},
                                                {"activity", acme::recent_activity{3, 30, 15}}}),
                                    hysteresis_rule{std::nullopt, 2});
    const auto got = rate_batch(combined.temperature, in, o);
    CHECK(got == rate_batch(in_code, in, o));
    const auto counts = count_temperatures(got);
    CHECK(counts[0] + counts[1] + counts[2] > 0);

    // Hysteresis wraps a registered kind too; its keys stay the loader's.
    const auto wrapped = load_config("[temperature]\nkind = \"acme.recent_activity\"\n[temperature.hysteresis]\n"
                                     "margin = 2\n");
    REQUIRE(wrapped.temperature.target<hysteresis_policy>() != nullptr);
    CHECK(wrapped.temperature.target<hysteresis_policy>()->inner().target<acme::recent_activity>() != nullptr);
}

TEST_CASE("registered policies: qualification and routing kinds") {
    register_user_policies();
    const auto c = load_config("[qualification]\nkind = \"acme.hot_is_sql\"\nlabel = \"buys now\"\n"
                               "[routing]\nkind = \"acme.pinned_rep\"\nindex = 3\n");
    REQUIRE(c.qualification.target<acme::hot_is_sql>() != nullptr);
    CHECK(c.qualification.target<acme::hot_is_sql>()->label == "buys now");
    CHECK(c.qualification.reasons() == std::vector<std::string>{"buys now", "other"});
    REQUIRE(c.routing.target<acme::pinned>() != nullptr);
    CHECK(c.routing.target<acme::pinned>()->index == 3);

    // kind = "default", or no kind, is the default policy with its keys.
    for (const std::string head : {"[qualification]\n", "[qualification]\nkind = \"default\"\n"}) {
        const auto d = load_config(head + "mql_score = 12\n");
        REQUIRE(d.qualification.target<default_qualification_policy>() != nullptr);
        CHECK(d.qualification.target<default_qualification_policy>()->rules().mql_score == 12.0);
    }
    check_error("[qualification]\nkind = \"acme.hot_is_sql\"\nmql_score = 12\n", 3, "qualification.mql_score",
                "unknown key (known here: kind, label)");
}

TEST_CASE("registered policies: errors name the line and the key, as for the built-in keys") {
    register_user_policies();
    // An unknown kind names the built-in words and the registered kinds.
    const auto unknown = error_of("[scoring]\nkind = \"acme.value_at_risk\"\n");
    CHECK(unknown.where().line == 2);
    CHECK(unknown.key() == "scoring.kind");
    CHECK(std::string(unknown.what()).find("\"points\", \"grade\"") != std::string::npos);
    CHECK(std::string(unknown.what()).find("or a registered kind (") != std::string::npos);
    CHECK(std::string(unknown.what()).find("\"acme.value_at_stake\"") != std::string::npos);
    CHECK(std::string(unknown.what()).find("not \"acme.value_at_risk\"") != std::string::npos);
    const auto temperature = error_of("[temperature]\nkind = 3\n");
    CHECK(std::string(temperature.what()).find("\"acme.recent_activity\"") != std::string::npos);
    CHECK(std::string(temperature.what()).find("not an integer") != std::string::npos);

    // A key of the wrong type, an integer out of bounds, a key nothing read: at the key's line.
    check_error("[scoring]\nkind = \"acme.value_at_stake\"\n\nhalf_life_days = \"two weeks\"\n", 4,
                "scoring.half_life_days", "must be a number, not a string");
    check_error("[temperature]\nkind = \"acme.recent_activity\"\nwarm_days = 4000\n", 3, "temperature.warm_days",
                "must be between 0 and 3650, not 4000");
    check_error("[scoring]\nkind = \"acme.value_at_stake\"\nhalf_life = 3\n", 3, "scoring.half_life",
                "unknown key (known here: half_life_days, kind)");
    // In a part, the path names the part; the composite's own keys are not the reader's to refuse.
    check_error("[scoring]\nkind = \"max\"\n[[scoring.parts]]\nname = \"a\"\nweight = 2\nkind = \"acme.value_at_stake\"\n"
                "half_life_days = 1\ncolour = \"red\"\n",
                8, "scoring.parts[0].colour", "unknown key");

    // The reader's definition_error: a config_error at the section's line, with the reader's words.
    check_error("[scoring]\nkind = \"acme.value_at_stake\"\nhalf_life_days = -1\n", 1, "scoring",
                "value_at_stake: the half-life must be above 0 days");
    check_error("[scoring]\nkind = \"weighted_sum\"\n[[scoring.parts]]\nname = \"s\"\nkind = \"acme.value_at_stake\"\n"
                "half_life_days = 0\n",
                3, "scoring.parts[0]", "the half-life must be above 0 days");
    // The reader's own refusal through config_section::fail: at the key's line.
    check_error("[temperature]\nkind = \"acme.recent_activity\"\nwarm_days = 2\n\nhot_days = 5\n", 5,
                "temperature.hot_days", "must not be above warm_days");
    // A kind registered for archives only.
    check_error("[temperature]\nkind = \"acme.archived_only\"\n", 2, "temperature.kind",
                "\"acme.archived_only\" is registered for archives only (register_temperature_config");
}

TEST_CASE("registered policies: a reader's nested sections are checked like its own keys") {
    struct nested {
        double weight = 0;
        std::vector<std::string> names;
        std::vector<double> cuts;
        bool strict = false;
        [[nodiscard]] score_scale scale() const { return score_scale::points; }
        struct scorer {
            double w;
            [[nodiscard]] double score(std::size_t) const { return w; }
        };
        [[nodiscard]] scorer bind(const table_view&, timestamp) const { return {weight}; }
    };
    register_scoring_config<nested>("acme.nested", [](const config_section& s) {
        nested n;
        if (const auto inner = s.section("inner")) n.weight = inner->number_or("weight", 1);
        if (const auto list = s.sections("items"))
            for (const auto& item : *list) n.names.push_back(item.text_or("name", "?"));
        n.cuts = s.numbers("cuts").value_or(std::vector<double>{});
        n.strict = s.flag_or("strict", false);
        CHECK(s.path() == "scoring");
        CHECK(s.key_path("inner") == "scoring.inner");
        return n;
    });
    const auto c = load_config("[scoring]\nkind = \"acme.nested\"\ncuts = [1, 2.5]\nstrict = true\n"
                               "[scoring.inner]\nweight = 4\n[[scoring.items]]\nname = \"x\"\n[[scoring.items]]\n");
    const auto* n = c.scoring.target<nested>();
    REQUIRE(n != nullptr);
    CHECK(n->weight == 4);
    CHECK(n->names == std::vector<std::string>{"x", "?"});
    CHECK(n->cuts == std::vector<double>{1, 2.5});
    CHECK(n->strict);
    check_error("[scoring]\nkind = \"acme.nested\"\n[scoring.inner]\nweight = 4\nheight = 3\n", 5,
                "scoring.inner.height", "unknown key (known here: weight)");
    check_error("[scoring]\nkind = \"acme.nested\"\n[[scoring.items]]\nname = \"x\"\n[[scoring.items]]\nnom = \"y\"\n",
                6, "scoring.items[1].nom", "unknown key");
    check_error("[scoring]\nkind = \"acme.nested\"\ncuts = [1, \"two\"]\n", 3, "scoring.cuts[1]",
                "must be a number, not a string");
    check_error("[scoring]\nkind = \"acme.nested\"\nstrict = 1\n", 3, "scoring.strict", "must be true or false");
    check_error("[scoring]\nkind = \"acme.nested\"\ninner = 1\n", 3, "scoring.inner", "must be a table, not an integer");
}

TEST_CASE("registered policies: one key names one type, for archives and configuration alike") {
    register_user_policies();
    // A configuration reader for a key an archive registration gave to another type, and the reverse.
    CHECK_THROWS_WITH_AS(register_temperature_config<acme::third_temperature>(
                             "acme.archived_only", [](const config_section&) { return acme::third_temperature{}; }),
                         doctest::Contains("register_temperature_config: the export key 'acme.archived_only' is taken"),
                         definition_error);
    CHECK_THROWS_WITH_AS(register_qualification_policy<acme::other_qualification>("acme.hot_is_sql"),
                         doctest::Contains("register_qualification_policy: the export key 'acme.hot_is_sql' is taken"),
                         definition_error);
    CHECK_THROWS_WITH_AS(register_scoring_config<acme::other_scoring>(
                             "acme.value_at_stake", [](const config_section&) { return acme::other_scoring{}; }),
                         doctest::Contains("'acme.value_at_stake' is taken"), definition_error);
    // A type under a second key, whichever use registers it.
    CHECK_THROWS_WITH_AS(register_temperature_policy<acme::recent_activity>("acme.activity"),
                         doctest::Contains("registered under the key 'acme.recent_activity'"), definition_error);
    CHECK_THROWS_WITH_AS(register_scoring_config<value_at_stake>("acme.stake", read_value_at_stake),
                         doctest::Contains("registered under the key 'acme.value_at_stake'"), definition_error);
    CHECK_THROWS_WITH_AS(register_scoring_config<points_policy>(
                             "acme.points", [](const config_section&) -> points_policy { throw definition_error("x"); }),
                         doctest::Contains("registered under the key 'leadscore.points'"), definition_error);
    // The built-in words are not keys of user types, and a reader is needed.
    CHECK_THROWS_WITH_AS(register_scoring_config<acme::other_scoring>(
                             "points", [](const config_section&) { return acme::other_scoring{}; }),
                         doctest::Contains("'points' names a built-in policy in [scoring]"), definition_error);
    CHECK_THROWS_WITH_AS(register_routing_config<acme::pinned>("acme.pinned_rep", nullptr),
                         doctest::Contains("no function was given"), definition_error);
    // The archive key of a configured type is the configuration's key.
    CHECK(export_key(scoring_policy(value_at_stake{})) == "acme.value_at_stake");
    CHECK(export_key(qualification_policy(acme::hot_is_sql{})) == "acme.hot_is_sql");
}

TEST_CASE("registered policies: a configured policy round-trips through an archive") {
    register_user_policies();
    const auto c = load_config(R"(
[scoring]
kind = "max"
[[scoring.parts]]
name = "stake"
kind = "acme.value_at_stake"
half_life_days = 9.25
[[scoring.parts]]
name = "fit"
kind = "grade"
[[scoring.parts.criteria]]
field = "employees"
at_least = 200
thirds = 2
)");
    const auto view = crm().leads.view();
    const batch_options o{.as_of = crm().horizon, .threads = 2};
    for (const auto f : {archive_format::text, archive_format::xml, archive_format::binary}) {
        CAPTURE(to_string(f));
        std::stringstream bytes(std::ios::in | std::ios::out | std::ios::binary);
        save_archive(bytes, c.scoring, f);
        scoring_policy back;
        load_archive(bytes, back, f, "configured.archive");
        const auto* m = back.target<max_policy>();
        REQUIRE(m != nullptr);
        REQUIRE(m->parts().size() == 2);
        REQUIRE(m->parts()[0].policy.target<value_at_stake>() != nullptr);
        CHECK(m->parts()[0].policy.target<value_at_stake>()->half_life_days == 9.25);
        CHECK(same_bits(score_batch(back, view, o), score_batch(c.scoring, view, o)));
    }
    // A type registered for configuration only cannot be archived, and says where to register it.
    std::ostringstream out;
    CHECK_THROWS_WITH_AS(save_archive(out, routing_policy(acme::pinned{2}), archive_format::text),
                         doctest::Contains("has no export key (see register_routing_policy)"), definition_error);
}

} // namespace test_config_registry
