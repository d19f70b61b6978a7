// extended_view: a view's fields plus added columns (scores read in place, temperatures as a categorical column) under
// one schema the object owns, so that rules, routing and priorities read them by name. Expected values are derived in
// comments from the inputs.

#include "leadscore/core/extended_view.hpp"
#include "leadscore/routing/policy.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/temperature/engine.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace test_extended_view {

using namespace leadscore;

namespace {

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
const timestamp now = from_seconds(1780000000);

/// Leads L1..Ln with a country each (n = countries.size()).
lead_table country_leads(const std::vector<std::string>& countries) {
    std::vector<lead> ls;
    for (std::size_t i = 0; i < countries.size(); ++i) {
        lead l;
        l.id = "L" + std::to_string(i + 1);
        l.attributes["country"] = countries[i];
        l.events.push_back({from_seconds(1700000000 + static_cast<std::int64_t>(i)), "page_visited", {}});
        ls.push_back(std::move(l));
    }
    const field attributes[] = {{"country", field_type::categorical, field_role::none}};
    return lead_table::from_leads(ls, schema::for_leads(attributes));
}

rating rated(temperature t) { return rating{t, 0, 0}; }

// The view of a temporary would dangle: it is not offered.
template <class T>
concept OffersView = requires(T&& t) { std::forward<T>(t).view(); };
static_assert(OffersView<const extended_view&>);
static_assert(!OffersView<extended_view>);
static_assert(std::is_convertible_v<const extended_view&, const table_view&>);
static_assert(!std::is_convertible_v<extended_view, const table_view&>);
static_assert(!std::is_copy_constructible_v<extended_view>);
static_assert(std::is_nothrow_move_constructible_v<extended_view>);

} // namespace

TEST_CASE("extended_view: the base's fields then the added ones; numeric columns read the caller's memory") {
    const auto table = country_leads({"DE", "FR", "AT"});
    const auto base = table.view();
    const std::vector<double> scores{12.5, qnan, 40};
    std::vector<std::int32_t> codes{1, 0, missing_code};
    dictionary tiers;
    tiers.intern("gold");
    tiers.intern("silver");
    extended_view ext(base, {added_column::numeric("score", scores),
                             added_column::categorical("tier", std::move(codes), std::move(tiers))});
    const table_view& v = ext.view();
    const auto& s = ext.table_schema();
    REQUIRE(s.size() == base.table_schema().size() + 2);
    for (std::size_t c = 0; c < base.table_schema().size(); ++c) CHECK(s[c] == base.table_schema()[c]);
    CHECK(s[s.size() - 2] == field{"score", field_type::numeric, field_role::none});
    CHECK(s[s.size() - 1] == field{"tier", field_type::categorical, field_role::none});
    CHECK(ext.rows() == 3);

    // No copy: the score column is the caller's vector, the base's columns and events are the table's.
    CHECK(v.numeric(s.at("score")).data() == scores.data());
    const auto country = s.at("country");
    CHECK(v.codes(country).data() == base.codes(country).data());
    CHECK(&v.dict(country) == &base.dict(country));
    CHECK(v.all_events().data() == base.all_events().data());
    CHECK(v.events_of(2).size() == 1);
    // The owned categorical column: row 0 has code 1 = "silver", row 2 is missing.
    const auto tier = s.at("tier");
    CHECK(v.dict(tier)[v.codes(tier)[0]] == "silver");
    CHECK(v.dict(tier)[v.codes(tier)[1]] == "gold");
    CHECK(v.codes(tier)[2] == missing_code);

    // A moved extended_view keeps the views it gave: the parts do not move.
    const table_view kept = ext.view();
    extended_view moved = std::move(ext);
    CHECK(&moved.table_schema() == &kept.table_schema());
    CHECK(moved.view().numeric(s.at("score")).data() == scores.data());
    CHECK(kept.dict(tier)[kept.codes(tier)[0]] == "silver");
    CHECK_THROWS_AS((void)ext.view(), definition_error); // NOLINT(bugprone-use-after-move): it has no view
}

TEST_CASE("extended_view: a name already taken, a wrong length or a code outside the dictionary is refused") {
    const auto table = country_leads({"DE", "FR"});
    const auto base = table.view();
    const std::vector<double> two{1, 2}, three{1, 2, 3};
    CHECK_THROWS_WITH_AS(extended_view(base, {added_column::numeric("country", two)}),
                         "extended_view: the name 'country' is already a field of the view", definition_error);
    CHECK_THROWS_WITH_AS(extended_view(base, {added_column::numeric("score", two), added_column::numeric("score", two)}),
                         "extended_view: the name 'score' is already a field added", definition_error);
    CHECK_THROWS_WITH_AS(extended_view(base, {added_column::numeric("score", three)}),
                         "extended_view: column 'score' has 3 values for 2 rows", definition_error);
    CHECK_THROWS_WITH_AS(extended_view(base, {added_column::categorical("tier", {missing_code}, dictionary())}),
                         "extended_view: column 'tier' has 1 values for 2 rows", definition_error);
    dictionary one;
    one.intern("gold");
    CHECK_THROWS_WITH_AS(extended_view(base, {added_column::categorical("tier", {0, 1}, one)}),
                         "extended_view: column 'tier', row 1: code 1 is not in the column's dictionary of 1 entries",
                         definition_error);
    CHECK_THROWS_AS(extended_view(base, {added_column::numeric("", two)}), definition_error);
    // The temperature column of too few ratings.
    const rating r[] = {rated(temperature::hot)};
    CHECK_THROWS_WITH_AS(extended_view(base, {temperature_column(r)}),
                         "extended_view: column 'temperature' has 1 values for 2 rows", definition_error);
}

TEST_CASE("extended_view: an unbound column of the base stays unbound; an empty default view takes empty columns") {
    const schema fields({{"a", field_type::numeric, field_role::none}, {"b", field_type::numeric, field_role::none}});
    const std::vector<double> a{1, 2};
    table_view partial(fields, 2);
    partial.set_numeric(0, a);
    const std::vector<double> score{5, 6};
    const extended_view ext(partial, {added_column::numeric("score", score)});
    CHECK(ext.view().numeric(0).data() == a.data());
    CHECK_THROWS_AS((void)ext.view().numeric(1), definition_error);
    CHECK(ext.view().numeric(2)[1] == 6);

    const extended_view empty(table_view{}, {added_column::numeric("score", {})});
    CHECK(empty.rows() == 0);
    CHECK(empty.table_schema().size() == 1);
}

TEST_CASE("temperature_column: cold, warm, hot are codes 0, 1, 2 of a fixed dictionary; unknown is missing") {
    const rating in[] = {rated(temperature::hot), rated(temperature::cold), rated(temperature::unknown),
                         rated(temperature::warm), rating{static_cast<temperature>(9), 0, 0}};
    const added_column c = temperature_column(in);
    CHECK(c.definition() == field{"temperature", field_type::categorical, field_role::none});
    CHECK(c.size() == 5);
    CHECK(temperature_column(in, "temp").definition().name == "temp");

    const auto table = country_leads({"DE", "FR", "AT", "US", "GB"});
    const extended_view ext(table.view(), {temperature_column(in)});
    const auto col = ext.table_schema().at("temperature");
    const auto& d = ext.view().dict(col);
    REQUIRE(d.size() == 3);
    CHECK(d[0] == "cold");
    CHECK(d[1] == "warm");
    CHECK(d[2] == "hot");
    CHECK(std::vector<std::int32_t>(ext.view().codes(col).begin(), ext.view().codes(col).end()) ==
          std::vector<std::int32_t>{2, 0, missing_code, 1, missing_code});
}

TEST_CASE("extended_view: routing reads scores and temperatures by name (rule on temperature, priority by score)") {
    // Five leads; L2 and L4 are cold, the others hot or warm with scores 10, 30, 20.
    const auto table = country_leads({"DE", "DE", "FR", "AT", "FR"});
    const std::vector<double> scores{10, 99, 30, 98, 20};
    const rating levels[] = {rated(temperature::warm), rated(temperature::cold), rated(temperature::hot),
                             rated(temperature::cold), rated(temperature::warm)};
    const extended_view ext(table.view(), {added_column::numeric("score", scores), temperature_column(levels)});

    routing_state state;
    state.add_rep({.name = "ann", .team = "sales"});
    state.add_rep({.name = "bob", .team = "sales"});
    routing_rules rules;
    rules.rules = {{"ready", {temperature_at_least("temperature", "warm")}, route_target::team("sales")}};
    const rule_policy<> router(rules);
    const auto out = route_batch(router, ext, state, {.as_of = now, .priority_field = "score"});

    // Routed in descending score among the hot and warm leads: L3 (30) → ann, L5 (20) → bob, L1 (10) → ann.
    CHECK(rep_name(out[2], state) == "ann");
    CHECK(rep_name(out[4], state) == "bob");
    CHECK(rep_name(out[0], state) == "ann");
    for (const std::size_t cold : {1u, 3u}) {
        CHECK_FALSE(out[cold].assigned());
        CHECK(out[cold].reason == route_reason::no_rule_matched);
        CHECK(rep_name(out[cold], state).empty());
        CHECK(team_name(out[cold], state).empty());
    }
    CHECK(team_name(out[0], state) == "sales");

    // A scoring rule on the added score column, through the same view.
    points_rules pr;
    pr.fit = {{"25+", condition::at_least("score", 25.0), 1}};
    CHECK(score_batch(points_policy(pr), ext, {.as_of = now}) == std::vector<double>{0, 1, 1, 1, 0});
}

} // namespace test_extended_view
