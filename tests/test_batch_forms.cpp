// The batch functions' two forms: into the caller's output, or a new vector. A braced list names the options, never
// the output: `score_batch(policy, view, {})` compiles (it was ambiguous between the output span and the options) and
// means the form that returns a vector. Each such call compiling is half of the check; the other half is that its
// result equals the explicit form's.

#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/qualification/policy.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/engine.hpp"

#include <doctest/doctest.h>

#include <array>
#include <concepts>
#include <span>
#include <string>
#include <vector>

namespace test_batch_forms {

using namespace leadscore;

namespace {

const timestamp as_of = from_seconds(1780000000);

// What the output parameter accepts: writable contiguous memory of the right element type that outlives the call.
static_assert(OutputRange<std::vector<double>&, double>);
static_assert(OutputRange<std::span<double>, double>);
static_assert(OutputRange<std::array<double, 3>&, double>);
static_assert(OutputRange<double (&)[3], double>);
static_assert(!OutputRange<const std::vector<double>&, double>); // read-only
static_assert(!OutputRange<std::vector<double>, double>);        // a temporary: the results would be lost
static_assert(!OutputRange<std::vector<float>&, double>);
static_assert(!OutputRange<batch_options, double>);
static_assert(!OutputRange<routing_options, assignment>);

/// 6 leads with employees 10, 250, 1200, missing, 500, 5000.
lead_table sized_leads() {
    const double staff[] = {10, 250, 1200, -1, 500, 5000};
    std::vector<lead> ls;
    for (std::size_t i = 0; i < std::size(staff); ++i) {
        lead l;
        l.id = "L" + std::to_string(i);
        if (staff[i] >= 0) l.attributes["employees"] = staff[i];
        ls.push_back(std::move(l));
    }
    const field attributes[] = {{"employees", field_type::numeric, field_role::none}};
    return lead_table::from_leads(ls, schema::for_leads(attributes));
}

points_policy size_points() {
    points_rules rules;
    rules.fit = {{"200+", condition::at_least("employees", 200.0), 30}, {"1000+", condition::at_least("employees", 1000.0), 20}};
    return points_policy(rules);
}

} // namespace

TEST_CASE("batch forms: score_batch(p, v, {}) and (p, v, {.threads = 1}) mean the options and return the scores") {
    const auto table = sized_leads();
    const auto view = table.view();
    const auto points = size_points();
    static_assert(std::same_as<decltype(score_batch(points, view, {})), std::vector<double>>);
    static_assert(std::same_as<decltype(score_batch(points, view, {.threads = 1})), std::vector<double>>);

    // 200+ gives 30 and 1000+ another 20: 10 → 0, 250 → 30, 1200 → 50, missing → 0, 500 → 30, 5000 → 50.
    const std::vector<double> expected{0, 30, 50, 0, 30, 50};
    CHECK(score_batch(points, view, {}) == expected);
    CHECK(score_batch(points, view, {.threads = 1, .block_rows = 2}) == expected);
    CHECK(score_batch(points, view, batch_options{}) == expected);

    // The output forms, with and without options: a vector, a span, a C array.
    std::vector<double> out(view.rows(), -1.0);
    score_batch(points, view, out);
    CHECK(out == expected);
    std::fill(out.begin(), out.end(), -1.0);
    score_batch(points, view, std::span<double>(out), {.threads = 2, .block_rows = 1});
    CHECK(out == expected);
    double raw[6] = {};
    score_batch(points, view, raw, {});
    CHECK(std::vector<double>(raw, raw + 6) == expected);
    // The type-erased policy goes through the same overloads.
    const scoring_policy erased(points);
    CHECK(score_batch(erased, view, {}) == expected);
}

TEST_CASE("batch forms: rate_batch, qualify_batch and route_batch take {} and designated options the same way") {
    const auto table = sized_leads();
    const auto view = table.view();
    const std::vector<double> scores{0, 30, 50, 0, 30, 50};
    const score_band_policy bands(score_bands{score_scale::points, 30, 50});
    const rating_input in{view, scores, score_scale::points, {}};
    static_assert(std::same_as<decltype(rate_batch(bands, in, {})), std::vector<rating>>);

    // warm from 30, hot from 50.
    std::vector<temperature> expected_levels{temperature::cold, temperature::warm, temperature::hot,
                                             temperature::cold, temperature::warm, temperature::hot};
    const auto levels = [](const std::vector<rating>& rs) {
        std::vector<temperature> l;
        for (const auto& r : rs) l.push_back(r.level);
        return l;
    };
    const std::vector<rating> ratings = rate_batch(bands, in, {});
    CHECK(levels(ratings) == expected_levels);
    CHECK(rate_batch(bands, in, {.threads = 1}) == ratings);
    std::vector<rating> rated(view.rows());
    rate_batch(bands, in, rated, {.block_rows = 1});
    CHECK(rated == ratings);

    const default_qualification_policy qualifier;
    const qualification_input qin{view, scores, ratings};
    static_assert(std::same_as<decltype(qualify_batch(qualifier, qin, {})), std::vector<qualification>>);
    const auto places = qualify_batch(qualifier, qin, {.as_of = as_of});
    // No stage field: hot leads are SQL, warm ones MQL, cold ones without any sign of interest stay suspects.
    const std::vector<lifecycle> expected_classes{lifecycle::suspect, lifecycle::mql, lifecycle::sql,
                                                  lifecycle::suspect, lifecycle::mql, lifecycle::sql};
    for (std::size_t r = 0; r < places.size(); ++r) CHECK(places[r].category == expected_classes[r]);
    CHECK(qualify_batch(qualifier, qin, {}) == places); // as_of only matters for ageing rules, unset here
    std::vector<qualification> placed(view.rows());
    qualify_batch(qualifier, qin, placed, {.threads = 1, .block_rows = 2});
    CHECK(placed == places);

    routing_state state;
    state.add_rep({.name = "ann"});
    state.add_rep({.name = "bob"});
    const round_robin_policy rr;
    static_assert(std::same_as<decltype(route_batch(rr, view, state, {})), std::vector<assignment>>);
    routing_state first = state, second = state;
    const auto routed = route_batch(rr, view, first, {.as_of = as_of});
    // A strict rotation from the first rep: ann, bob, ann, bob, ...
    for (std::size_t r = 0; r < routed.size(); ++r) CHECK(routed[r].rep == static_cast<std::int32_t>(r % 2));
    std::vector<assignment> into(view.rows());
    route_batch(rr, view, second, into, {.as_of = as_of});
    CHECK(into == routed);
    CHECK(route_batch(rr, view, state, {}).size() == view.rows());
}

} // namespace test_batch_forms
