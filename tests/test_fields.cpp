// The fields a policy reads: each built-in's list, derived here by hand from its definition; composites' unions;
// the type-erased wrapper; and the model schema built from them.

#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/points.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace test_fields {

using namespace leadscore;

namespace {

/// Fit on industry and employees (industry twice), engagement on webinars.
points_policy points_with_events() {
    points_rules r;
    r.fit = {{"software", condition::equals("industry", std::string("software")), 10},
             {"big", condition::at_least("employees", 500.0), 5},
             {"not retail", !condition::equals("industry", std::string("retail")), 2}};
    r.engagement = {{.name = "webinar", .event_type = "webinar_attended", .points = 15}};
    return points_policy(r);
}

points_policy points_without_events() {
    points_rules r;
    r.fit = {{"", condition::is_missing("phone"), -5}, {"", condition::equals("country", std::string("DE")), 3}};
    return points_policy(r);
}

grade_policy grade_on_country_and_industry() {
    grade_profile p;
    p.criteria = {{"", condition::equals("country", std::string("DE")), 2},
                  {"", condition::equals("industry", std::string("software")), 1},
                  {"", condition::is_missing("country"), -1}};
    return grade_policy(p);
}

logistic_policy logistic_over(std::vector<feature_spec> specs) {
    feature_encoder e(std::move(specs));
    return logistic_policy(logistic_model{e, std::vector<double>(e.width(), 0.5), -1.0});
}

frequency_policy frequency_with(std::string stage_field, std::string team_field, std::string outcome_field,
                                std::string id_field) {
    frequency_definition d;
    d.stages = frequency_stages({"new", "qualified"}, {"won"});
    d.variables = {{"country"}, {"source"}, {"email_quality", true}};
    d.stage_field = std::move(stage_field);
    d.team_field = std::move(team_field);
    d.outcome_field = std::move(outcome_field);
    d.id_field = std::move(id_field);
    return frequency_policy(frequency_tables(d), frequency_options{.variables = std::vector<std::string>{"source"}});
}

/// A user's policy without fields_read: what it reads is unknown.
struct silent_policy {
    score_scale scale() const { return score_scale::points; }
    struct scorer {
        double score(std::size_t) const { return 1.0; }
    };
    scorer bind(const table_view&, timestamp) const { return {}; }
};

/// A user's policy that declares its fields.
struct declaring_policy {
    score_scale scale() const { return score_scale::points; }
    policy_fields fields_read() const { return {{"budget"}, {}, false}; }
    struct scorer {
        double score(std::size_t) const { return 2.0; }
    };
    scorer bind(const table_view&, timestamp) const { return {}; }
};

policy_fields names(std::vector<std::string> n, bool events = false) { return {std::move(n), {}, events}; }

} // namespace

TEST_CASE("fields read: points lists its fit rules' fields once each, in rule order, and events for engagement") {
    CHECK(points_with_events().fields_read() == names({"industry", "employees"}, true));
    CHECK(points_without_events().fields_read() == names({"phone", "country"}, false));
    CHECK(fields_read(points_with_events()) == std::optional(names({"industry", "employees"}, true)));
}

TEST_CASE("fields read: grade lists its criteria's fields, no events") {
    CHECK(grade_on_country_and_industry().fields_read() == names({"country", "industry"}));
}

TEST_CASE("fields read: logistic lists the encoder's field features, and events for event features") {
    const auto p = logistic_over({numeric_feature{.field = "age"}, binned_feature{.field = "age", .cuts = {30}},
                                  categorical_feature{.field = "country", .vocabulary = {"DE"}},
                                  boolean_feature{.field = "vip"}, recency_feature{}});
    CHECK(p.fields_read() == names({"age", "country", "vip"}, true));
    CHECK(logistic_over({frequency_feature{.event_types = {"page_visited"}}}).fields_read() == names({}, true));
    CHECK(logistic_over({boolean_feature{.field = "vip"}}).fields_read() == names({"vip"}, false));
}

TEST_CASE("fields read: frequency lists stage, team and outcome (by name, or by role when unnamed), then every "
          "variable") {
    // Every variable of the definition, scored or not: bind resolves them all. The id field is not read.
    const auto by_role = frequency_with("", "", "", "lead_ref").fields_read();
    CHECK(by_role.names == std::vector<std::string>{"country", "source", "email_quality"});
    CHECK(by_role.roles == std::vector<field_role>{field_role::stage, field_role::team, field_role::outcome});
    CHECK_FALSE(by_role.events);
    const auto named = frequency_with("pipeline_stage", "owner_team", "", "").fields_read();
    CHECK(named.names == std::vector<std::string>{"pipeline_stage", "owner_team", "country", "source", "email_quality"});
    CHECK(named.roles == std::vector<field_role>{field_role::outcome});
}

TEST_CASE("fields read: composites take the union of their parts in part order; an unknown part makes it unknown") {
    const auto pts = points_with_events();    // industry, employees; events
    const auto grade = grade_on_country_and_industry(); // country, industry
    const weighted_sum_policy sum({{"points", pts, 1.0}, {"grade", grade, 2.0}});
    CHECK(sum.fields_read() == std::optional(names({"industry", "employees", "country"}, true)));
    const max_policy max({{"grade", grade, 1.0}, {"points", pts, 1.0}});
    CHECK(max.fields_read() == std::optional(names({"country", "industry", "employees"}, true)));
    const grid_policy grid({"fit", grade, {2.0}, {"B", "A"}}, {"engagement", points_without_events(), {5.0}, {"2", "1"}});
    CHECK(grid.fields_read() == std::optional(names({"country", "industry", "phone"}, false)));
    const calibrated_policy calibrated(pts, calibration_map());
    CHECK(calibrated.fields_read() == std::optional(names({"industry", "employees"}, true)));

    const weighted_sum_policy with_unknown({{"points", pts, 1.0}, {"user", silent_policy{}, 1.0}});
    CHECK_FALSE(with_unknown.fields_read().has_value());
    const weighted_sum_policy with_user({{"user", declaring_policy{}, 1.0}, {"grade", grade, 1.0}});
    CHECK(with_user.fields_read() == std::optional(names({"budget", "country", "industry"})));

    // Frequency roles are merged too, after the names of earlier parts.
    const max_policy mixed({{"grade", grade, 1.0}, {"nb", frequency_with("", "team", "", ""), 1.0}});
    const auto m = mixed.fields_read();
    REQUIRE(m.has_value());
    CHECK(m->names == std::vector<std::string>{"country", "industry", "team", "source", "email_quality"});
    CHECK(m->roles == std::vector<field_role>{field_role::stage, field_role::outcome});
}

TEST_CASE("fields read: the type-erased policy forwards, and says unknown for a policy that does not declare") {
    CHECK(scoring_policy(points_with_events()).fields_read() == std::optional(names({"industry", "employees"}, true)));
    CHECK(fields_read(scoring_policy(grade_on_country_and_industry())) == std::optional(names({"country", "industry"})));
    CHECK_FALSE(scoring_policy(silent_policy{}).fields_read().has_value());
    CHECK_FALSE(fields_read(silent_policy{}).has_value());
    CHECK(fields_read(declaring_policy{}) == std::optional(names({"budget"})));
    CHECK_THROWS_AS((void)scoring_policy().fields_read(), definition_error);
}

TEST_CASE("policy_fields: add and merge keep first mentions, in order, each once") {
    policy_fields f;
    f.add("b");
    f.add("a");
    f.add("b");
    f.add(field_role::none);
    f.add(field_role::team);
    f.merge({{"c", "a", "d"}, {field_role::stage, field_role::team}, true});
    CHECK(f.names == std::vector<std::string>{"b", "a", "c", "d"});
    CHECK(f.roles == std::vector<field_role>{field_role::team, field_role::stage});
    CHECK(f.events);
}

TEST_CASE("model fields: the table's fields the policy reads, by name or role, in the table's order") {
    const schema table({{"id", field_type::categorical, field_role::id},
                        {"source", field_type::categorical, field_role::none},
                        {"employees", field_type::numeric, field_role::none},
                        {"stage", field_type::categorical, field_role::stage},
                        {"country", field_type::categorical, field_role::none},
                        {"email_quality", field_type::categorical, field_role::email},
                        {"won", field_type::categorical, field_role::outcome}});
    // Stage and outcome by role, no team field in the table; the variables by name.
    const schema want({{"source", field_type::categorical, field_role::none},
                       {"stage", field_type::categorical, field_role::stage},
                       {"country", field_type::categorical, field_role::none},
                       {"email_quality", field_type::categorical, field_role::email},
                       {"won", field_type::categorical, field_role::outcome}});
    CHECK(model_fields(table, frequency_with("", "", "", "id")) == want);
    // A name the table lacks is left out (phone); the order is the table's, not the rules'.
    CHECK(model_fields(table, points_without_events()) == schema({{"country", field_type::categorical, field_role::none}}));
    CHECK(model_fields(table, scoring_policy(points_with_events())) ==
          schema({{"employees", field_type::numeric, field_role::none}}));
    CHECK_THROWS_WITH_AS((void)model_fields(table, silent_policy{}), doctest::Contains("does not say which fields"),
                         definition_error);
}

TEST_CASE("model fields: a table cut down to them still binds and scores the same") {
    std::vector<lead> leads(6);
    for (int i = 0; i < 6; ++i) {
        auto& a = leads[static_cast<std::size_t>(i)].attributes;
        a["noise"] = 1.0 * i;
        a["age"] = 20.0 + 7 * i;
        a["country"] = std::string(i % 2 ? "DE" : "FR");
        a["other"] = std::string("x");
        a["vip"] = i % 3 == 0;
    }
    const auto full = lead_table::from_leads(leads, schema({{"noise", field_type::numeric, field_role::none},
                                                            {"age", field_type::numeric, field_role::none},
                                                            {"country", field_type::categorical, field_role::none},
                                                            {"other", field_type::categorical, field_role::none},
                                                            {"vip", field_type::boolean, field_role::none}}));
    const auto p = logistic_over({numeric_feature{.field = "age", .center = 40, .scale = 10},
                                  categorical_feature{.field = "country", .vocabulary = {"DE"}},
                                  boolean_feature{.field = "vip"}});
    const schema kept = model_fields(full.table_schema(), p);
    REQUIRE(kept.size() == 3);
    table_view cut(kept, full.rows());
    for (std::size_t c = 0; c < kept.size(); ++c) {
        const auto from = full.table_schema().at(kept[c].name);
        if (kept[c].type == field_type::numeric) cut.set_numeric(c, full.numeric(from));
        else if (kept[c].type == field_type::categorical) cut.set_categorical(c, full.codes(from), full.dict(from));
        else cut.set_boolean(c, full.booleans(from));
    }
    const batch_options o{.as_of = timestamp{}, .threads = 1};
    CHECK(score_batch(p, cut, o) == score_batch(p, full.view(), o));
}

} // namespace test_fields
