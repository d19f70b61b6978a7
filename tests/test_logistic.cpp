// The feature encoder and the logistic-regression policy: hand-derived encodings and probabilities, the rules for
// unknown and missing values, events as of a time, the exp approximation's error bound, batch == one-lead form,
// determinism over thread counts, and configuration errors.
#include "leadscore/leadscore.hpp"
#include "leadscore/scoring/encoder.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/logistic.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace test_logistic {

using namespace leadscore;

namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr std::int64_t start = 1767225600; // 2026-01-01T00:00:00Z

timestamp day(double n) { return from_seconds(start + static_cast<std::int64_t>(n * 86400)); }

schema fields() {
    return schema::for_leads(std::vector<field>{{"age", field_type::numeric, field_role::none},
                                                {"country", field_type::categorical, field_role::none},
                                                {"newsletter", field_type::boolean, field_role::none}});
}

struct row_spec {
    std::optional<double> age{};
    std::optional<std::string> country{};
    std::optional<bool> newsletter{};
    std::vector<std::pair<double, std::string>> events{}; // (day, type)
};

lead_table make_table(const std::vector<row_spec>& rows) {
    std::vector<lead> leads;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        lead l;
        l.id = "L";
        l.id += std::to_string(i); // not "L" + to_string: GCC 12 -Wrestrict false positive at -O3
        if (rows[i].age) l.attributes["age"] = *rows[i].age;
        if (rows[i].country) l.attributes["country"] = *rows[i].country;
        if (rows[i].newsletter) l.attributes["newsletter"] = *rows[i].newsletter;
        for (const auto& [d, type] : rows[i].events) l.events.push_back({day(d), type, ""});
        leads.push_back(std::move(l));
    }
    return lead_table::from_leads(leads, fields());
}

std::vector<double> encode(const feature_encoder& e, const table_view& v, std::size_t row, timestamp as_of) {
    std::vector<double> x(e.width());
    e.bind(v, as_of).encode(row, x);
    return x;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::vector<double> vec(std::initializer_list<double> w) { return std::vector<double>(w); }

} // namespace

TEST_CASE("encoder: feature names, width and offsets") {
    const feature_encoder e({
        numeric_feature{.field = "age", .center = 30, .scale = 10, .impute = 30, .missing_indicator = true},
        binned_feature{.field = "age", .cuts = {18, 65.5}},
        categorical_feature{.field = "country", .vocabulary = {"DE", "FR"}, .unknown = unknown_category::other,
                            .missing_feature = true},
        boolean_feature{.field = "newsletter", .missing_indicator = true},
        recency_feature{.event_types = {"page_visited"}, .cap_days = 90, .none_indicator = true},
        recency_feature{.event_types = {}, .cap_days = 90, .none_indicator = true},
        frequency_feature{.event_types = {"email_opened", "email_clicked"}, .window_days = 7.5, .log1p = true},
        frequency_feature{.event_types = {}, .window_days = 30},
    });
    const std::vector<std::string> expected{"age",
                                            "age missing",
                                            "age < 18",
                                            "age in [18, 65.5)",
                                            "age >= 65.5",
                                            "country=DE",
                                            "country=FR",
                                            "country other",
                                            "country missing",
                                            "newsletter",
                                            "newsletter missing",
                                            "days since page_visited",
                                            "no page_visited",
                                            "days since any event",
                                            "no event",
                                            "log1p(email_opened or email_clicked in 7.5 days)",
                                            "events in 30 days"};
    CHECK(e.names() == expected);
    CHECK(e.width() == expected.size());
    // 2 + 3 + 4 + 2 + 2 + 2 + 1 + 1 features: spec i starts after the widths before it.
    CHECK(e.offset(0) == 0);
    CHECK(e.offset(1) == 2);
    CHECK(e.offset(2) == 5);
    CHECK(e.offset(3) == 9);
    CHECK(e.offset(6) == 15);
    CHECK(e.offset(8) == 17);
    CHECK(spec_name(e.specs()[4]) == "days since page_visited");
    CHECK(feature_encoder(e.specs()) == e);
    CHECK(parse_unknown_category(to_string(unknown_category::error)) == unknown_category::error);
    CHECK_FALSE(parse_unknown_category("Other").has_value());
}

TEST_CASE("encoder: numeric standardization, imputation and missing indicator") {
    const auto t = make_table({{.age = 40}, {}, {.age = 25}});
    const feature_encoder e(
        {numeric_feature{.field = "age", .center = 30, .scale = 10, .impute = 35, .missing_indicator = true}});
    // (40 − 30)/10 = 1; missing → (35 − 30)/10 = 0.5 with the indicator; (25 − 30)/10 = −0.5.
    CHECK(encode(e, t.view(), 0, day(0)) == std::vector<double>{1.0, 0.0});
    CHECK(encode(e, t.view(), 1, day(0)) == std::vector<double>{0.5, 1.0});
    CHECK(encode(e, t.view(), 2, day(0)) == std::vector<double>{-0.5, 0.0});
}

TEST_CASE("encoder: bins at their boundaries") {
    const auto t = make_table({{.age = 17.999}, {.age = 18}, {.age = 64.9}, {.age = 65}, {.age = 1e9}, {}});
    SUBCASE("with a missing indicator") {
        const feature_encoder e({binned_feature{.field = "age", .cuts = {18, 65}, .missing_indicator = true}});
        // Bin k holds cuts[k−1] <= x < cuts[k]: a value equal to a cut point belongs to the bin above it.
        CHECK(encode(e, t.view(), 0, day(0)) == std::vector<double>{1, 0, 0, 0});
        CHECK(encode(e, t.view(), 1, day(0)) == std::vector<double>{0, 1, 0, 0});
        CHECK(encode(e, t.view(), 2, day(0)) == std::vector<double>{0, 1, 0, 0});
        CHECK(encode(e, t.view(), 3, day(0)) == std::vector<double>{0, 0, 1, 0});
        CHECK(encode(e, t.view(), 4, day(0)) == std::vector<double>{0, 0, 1, 0});
        CHECK(encode(e, t.view(), 5, day(0)) == std::vector<double>{0, 0, 0, 1});
    }
    SUBCASE("without one, a missing value sets no bin") {
        const feature_encoder e({binned_feature{.field = "age", .cuts = {18, 65}}});
        CHECK(encode(e, t.view(), 5, day(0)) == std::vector<double>{0, 0, 0});
    }
}

TEST_CASE("encoder: categorical vocabulary, unknown and missing rules") {
    // Dictionary order is first seen: DE, US, FR; row 3 is missing.
    const auto t = make_table({{.country = "DE"}, {.country = "US"}, {.country = "FR"}, {}});
    const auto spec = [](unknown_category u, bool missing) {
        return feature_encoder({categorical_feature{
            .field = "country", .vocabulary = {"FR", "DE", "de"}, .unknown = u, .missing_feature = missing}});
    };
    SUBCASE("zeros, no missing feature") {
        const auto e = spec(unknown_category::zeros, false);
        CHECK(encode(e, t.view(), 0, day(0)) == std::vector<double>{0, 1, 0}); // exact compare: "de" != "DE"
        CHECK(encode(e, t.view(), 1, day(0)) == std::vector<double>{0, 0, 0});
        CHECK(encode(e, t.view(), 2, day(0)) == std::vector<double>{1, 0, 0});
        CHECK(encode(e, t.view(), 3, day(0)) == std::vector<double>{0, 0, 0});
    }
    SUBCASE("other, with a missing feature") {
        const auto e = spec(unknown_category::other, true);
        CHECK(e.names() == std::vector<std::string>{"country=FR", "country=DE", "country=de", "country other",
                                                    "country missing"});
        CHECK(encode(e, t.view(), 1, day(0)) == std::vector<double>{0, 0, 0, 1, 0});
        CHECK(encode(e, t.view(), 3, day(0)) == std::vector<double>{0, 0, 0, 0, 1});
    }
    SUBCASE("error names the row and the field; missing is not unknown") {
        const auto e = spec(unknown_category::error, true);
        CHECK(encode(e, t.view(), 3, day(0)) == std::vector<double>{0, 0, 0, 1});
        CHECK_THROWS_WITH_AS(encode(e, t.view(), 1, day(0)),
                             doctest::Contains("field 'country': row 1: 'US' is not in the feature's vocabulary"),
                             input_error);
    }
}

TEST_CASE("encoder: booleans with an imputed value and indicator") {
    const auto t = make_table({{.newsletter = true}, {.newsletter = false}, {}});
    const feature_encoder e({boolean_feature{.field = "newsletter", .impute = 0.25, .missing_indicator = true}});
    CHECK(encode(e, t.view(), 0, day(0)) == std::vector<double>{1, 0});
    CHECK(encode(e, t.view(), 1, day(0)) == std::vector<double>{0, 0});
    CHECK(encode(e, t.view(), 2, day(0)) == std::vector<double>{0.25, 1});
}

TEST_CASE("encoder: recency and frequency as of two dates") {
    // Lead 0: page_visited on days 0 and 20, email_opened on day 10. Lead 1: no events.
    const auto t = make_table(
        {{.events = {{0, "page_visited"}, {10, "email_opened"}, {20, "page_visited"}}}, {}});
    const feature_encoder e({
        recency_feature{.event_types = {"Page Visited"}, .cap_days = 100, .none_indicator = true},
        frequency_feature{.event_types = {"page_visited"}, .window_days = 30},
        frequency_feature{.event_types = {}, .window_days = 10, .log1p = true},
        recency_feature{.event_types = {}, .cap_days = 100, .center = 50, .scale = 25},
    });
    SUBCASE("as of day 15: the day-20 visit does not exist yet") {
        // Last page visit on day 0: 15 days. Page visits within 30 days: 1 (day 0).
        // Any event at most 10 days old: day 10 (5 days) → log1p(1). Any event: day 10 → (5 − 50)/25 = −1.8.
        CHECK(encode(e, t.view(), 0, day(15)) == std::vector<double>{15, 0, 1, std::log1p(1.0), -1.8});
    }
    SUBCASE("as of day 30.5: fractional days, windows inclusive") {
        // Last page visit day 20: 10.5 days. Visits within 30 days: day 20 and day 0? 30.5 > 30, so only day 20.
        // Events at most 10 days old: none (day 20 is 10.5 days old) → log1p(0) = 0. Any event: (10.5 − 50)/25.
        CHECK(encode(e, t.view(), 0, day(30.5)) == std::vector<double>{10.5, 0, 1, 0, (10.5 - 50) / 25});
    }
    SUBCASE("an event exactly window days old counts") {
        // As of day 30: the day-0 visit is exactly 30 days old, the day-20 one 10 days (and so is exactly 10).
        CHECK(encode(e, t.view(), 0, day(30)) == std::vector<double>{10, 0, 2, std::log1p(1.0), (10.0 - 50) / 25});
    }
    SUBCASE("capped, and no event at all") {
        CHECK(encode(e, t.view(), 0, day(500))[0] == 100); // 480 days, capped at 100
        // Lead 1: cap 100 with the indicator; counts 0; (100 − 50)/25 = 2.
        CHECK(encode(e, t.view(), 1, day(15)) == std::vector<double>{100, 1, 0, 0, 2});
        // As of before every event, lead 0 has none either.
        CHECK(encode(e, t.view(), 0, day(-1)) == std::vector<double>{100, 1, 0, 0, 2});
    }
}

TEST_CASE("encoder: a block into a column-major matrix equals row by row") {
    const auto t = make_table({{.age = 40, .country = "DE", .newsletter = true, .events = {{1, "email_opened"}}},
                               {.country = "FR"},
                               {.age = 20, .newsletter = false, .events = {{2, "page_visited"}}}});
    const feature_encoder e({numeric_feature{.field = "age", .center = 30, .scale = 5, .missing_indicator = true},
                             categorical_feature{.field = "country", .vocabulary = {"DE"}},
                             boolean_feature{.field = "newsletter"},
                             recency_feature{.cap_days = 30, .none_indicator = true}});
    const auto b = e.bind(t.view(), day(10));
    const std::vector<double> x = b.encode_rows(1, 2);
    REQUIRE(x.size() == 12);
    const auto at = [&](std::size_t r, std::size_t c) { return x[c * 2 + r]; }; // column-major, 2 rows
    for (std::size_t r = 0; r < 2; ++r) {
        std::vector<double> row(6);
        b.encode(r + 1, row);
        for (std::size_t c = 0; c < 6; ++c) CHECK(at(r, c) == row[c]);
    }
    // Row 2: (20 − 30)/5 = −2, present; no DE; false; day 2 event 8 days before day 10.
    const std::vector<double> want{-2, 0, 0, 0, 8, 0};
    for (std::size_t c = 0; c < 6; ++c) CHECK(at(1, c) == want[c]);
    CHECK_THROWS_WITH_AS((void)b.encode_rows(2, 2), doctest::Contains("rows [2, 4) of a view of 3 rows"), definition_error);
    std::vector<double> eleven(11);
    CHECK_THROWS_WITH_AS(b.encode_rows(1, 2, eleven), doctest::Contains("11 elements for 2 rows of 6 features"),
                         definition_error);
    std::vector<double> short_row(5);
    CHECK_THROWS_WITH_AS(b.encode(0, short_row), doctest::Contains("5 elements for 6 features"), definition_error);
}

TEST_CASE("encoder: bad specifications are refused, naming the spec and the rule") {
    const auto refused = [](feature_spec s, const char* what) {
        CHECK_THROWS_WITH_AS(feature_encoder({std::move(s)}), doctest::Contains(what), definition_error);
    };
    refused(numeric_feature{.field = "age", .scale = 0}, "feature spec 0 ('age'): scale must be finite and not 0");
    refused(numeric_feature{.field = "age", .scale = quiet_nan}, "scale must be finite and not 0 (got nan)");
    refused(numeric_feature{.field = "age", .center = infinity}, "center must be finite");
    refused(numeric_feature{.field = "age", .impute = quiet_nan}, "the imputed value must be finite");
    refused(numeric_feature{.field = ""}, "the field name is empty");
    refused(binned_feature{.field = "age", .cuts = {}}, "at least one cut point");
    refused(binned_feature{.field = "age", .cuts = {10, 5}}, "strictly ascending (10 then 5)");
    refused(binned_feature{.field = "age", .cuts = {10, 10}}, "strictly ascending");
    refused(binned_feature{.field = "age", .cuts = {1, quiet_nan}}, "cut point 1 is not finite");
    refused(categorical_feature{.field = "country", .vocabulary = {"DE", "FR", "DE"}},
            "('country'): vocabulary entry 'DE' is repeated");
    refused(categorical_feature{.field = "country"}, "the vocabulary is empty");
    refused(boolean_feature{.field = "newsletter", .impute = quiet_nan}, "imputed value must be finite");
    refused(recency_feature{.event_types = {"page_visited"}, .cap_days = 0},
            "('days since page_visited'): the cap must be finite and above 0 days");
    refused(recency_feature{.event_types = {"page_visited", "Page Visited"}},
            "event type 'Page Visited' is listed twice");
    refused(recency_feature{.event_types = {" "}}, "an event type name is empty");
    refused(frequency_feature{.window_days = -1}, "the window must be finite and above 0 days");
    refused(frequency_feature{.scale = 0}, "scale must be finite and not 0");
    CHECK_THROWS_WITH_AS(feature_encoder({numeric_feature{.field = "age"}, numeric_feature{.field = "age"}}),
                         doctest::Contains("feature spec 1 ('age'): feature name 'age' is already used"),
                         definition_error);
}

TEST_CASE("encoder: binding checks fields, types and events") {
    const auto t = make_table({{.age = 1}});
    const auto fails = [&](feature_spec s, const table_view& v, const char* what) {
        CHECK_THROWS_WITH_AS((void)feature_encoder({std::move(s)}).bind(v, day(0)), doctest::Contains(what),
                             definition_error);
    };
    fails(numeric_feature{.field = "agee"}, t.view(), "feature spec 0 ('agee'): no field 'agee' in the table");
    fails(numeric_feature{.field = "country"}, t.view(),
          "field 'country' is categorical, a numeric feature needs a numeric field");
    fails(categorical_feature{.field = "age", .vocabulary = {"x"}}, t.view(), "field 'age' is numeric");
    fails(boolean_feature{.field = "age"}, t.view(), "a boolean feature needs a boolean field");
    fails(binned_feature{.field = "newsletter", .cuts = {1}}, t.view(), "a binned feature needs a numeric field");
    // A CRM's own arrays without events bound.
    const schema s({{"age", field_type::numeric, field_role::none}});
    const std::vector<double> age{1.0};
    table_view v(s, 1);
    v.set_numeric(0, age);
    fails(frequency_feature{.event_types = {"page_visited"}}, v,
          "('page_visited in 30 days'): the table carries no engagement events");
}

TEST_CASE("logistic: hand-computed probabilities") {
    const auto t = make_table({{.age = 40, .country = "DE"},
                               {.age = 30, .country = "FR"},
                               {.country = "DE"},
                               {.age = 20, .country = "US", .newsletter = true}});
    // Features: age standardized (center 30, scale 10, missing imputed as 30) with a missing indicator, country
    // one-hot over DE, FR.
    const feature_encoder e({numeric_feature{.field = "age", .center = 30, .scale = 10, .impute = 30,
                                             .missing_indicator = true},
                             categorical_feature{.field = "country", .vocabulary = {"DE", "FR"}}});
    const double ln3 = std::log(3.0);
    const logistic_policy p(logistic_model{e, vec({1.0, ln3 - 1.0, ln3, 0.0}), -1.0});
    CHECK(p.scale() == score_scale::probability);
    const auto s = score_batch(p, t.view(), batch_options{.as_of = day(0), .threads = 1});
    // Row 0: z = −1 + 1·(40 − 30)/10 + ln 3 = ln 3 → p = 1/(1 + 1/3) = 0.75.
    CHECK(s[0] == doctest::Approx(0.75).epsilon(1e-15));
    // Row 1: z = −1 + 0 + 0 (weight of FR is 0) → p = 1/(1 + e).
    CHECK(s[1] == doctest::Approx(1.0 / (1.0 + std::exp(1.0))).epsilon(1e-15));
    // Row 2: age missing → imputed 30 → 0, indicator ln 3 − 1, DE ln 3: z = −1 + ln 3 − 1 + ln 3 = 2 ln 3 − 2.
    CHECK(s[2] == doctest::Approx(1.0 / (1.0 + std::exp(2.0 - 2 * ln3))).epsilon(1e-15));
    // Row 3: (20 − 30)/10 = −1, US unknown → zeros: z = −2 → p = 1/(1 + e²).
    CHECK(s[3] == doctest::Approx(1.0 / (1.0 + std::exp(2.0))).epsilon(1e-15));

    SUBCASE("the one-lead form and score_lead agree") {
        const auto scorer = p.bind(t.view(), day(0));
        CHECK(scorer.log_odds(0) == doctest::Approx(ln3).epsilon(1e-15));
        lead l;
        l.attributes = {{"age", 40.0}, {"country", std::string("DE")}};
        CHECK(score_lead(p, l, fields(), day(0)) == doctest::Approx(0.75).epsilon(1e-15));
    }
}

TEST_CASE("logistic: the explanation is additive in log-odds") {
    const auto t = make_table({{.age = 40, .country = "DE", .newsletter = false},
                               {.country = "FR", .newsletter = true, .events = {{1, "page_visited"}}}});
    const feature_encoder e({numeric_feature{.field = "age", .center = 30, .scale = 10, .impute = 30,
                                             .missing_indicator = true},
                             categorical_feature{.field = "country", .vocabulary = {"DE", "FR"}},
                             boolean_feature{.field = "newsletter"},
                             recency_feature{.event_types = {"page_visited"}, .cap_days = 30, .none_indicator = true}});
    const logistic_policy p(logistic_model{e, vec({0.5, -0.25, 1.0, -2.0, 0.75, -0.01, -1.5}), 0.125});

    SUBCASE("row 0: present age, DE, newsletter false, no visit") {
        const auto x = explain(p, t.view(), 0, day(5));
        CHECK(x.unit == "log-odds");
        CHECK(x.additive);
        // age: 0.5·1 = 0.5; DE: 1; newsletter false: 0 (left out); days since: cap 30 · −0.01 = −0.3;
        // no page_visited: −1.5; intercept 0.125. Order: positive largest first, then most negative first.
        const std::vector<factor> expected{{"country=DE", 1.0},
                                           {"age", 0.5},
                                           {"intercept", 0.125},
                                           {"no page_visited", -1.5},
                                           {"days since page_visited", -0.3}};
        REQUIRE(x.factors.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            CHECK(x.factors[i].name == expected[i].name);
            CHECK(x.factors[i].contribution == doctest::Approx(expected[i].contribution).epsilon(1e-15));
        }
        // z = 0.125 + 0.5 + 1 − 0.3 − 1.5 = −0.175.
        CHECK(x.total == doctest::Approx(-0.175).epsilon(1e-14));
        CHECK(x.sum() == doctest::Approx(x.total).epsilon(1e-15));
        CHECK(x.score == doctest::Approx(1.0 / (1.0 + std::exp(0.175))).epsilon(1e-15));
    }
    SUBCASE("row 1: missing age sets its indicator, the imputed age contributes 0") {
        const auto x = explain(p, t.view(), 1, day(5));
        // age missing −0.25; FR −2; newsletter 0.75; 4 days since the visit · −0.01 = −0.04; intercept 0.125.
        CHECK(x.factors.size() == 5);
        CHECK(x.factors.front().name == "newsletter");
        CHECK(x.factors[2].name == "country=FR"); // negatives: most negative first
        CHECK(x.factors.back().name == "days since page_visited");
        CHECK(x.total == doctest::Approx(0.125 - 0.25 - 2 + 0.75 - 0.04).epsilon(1e-14));
        const auto scorer = p.bind(t.view(), day(5));
        CHECK(x.total == doctest::Approx(scorer.log_odds(1)).epsilon(1e-14));
        CHECK(x.score == scorer.score(1));
    }
}

namespace {

/// A table of every field kind with random values, missing values and events, built column by column.
lead_table random_table(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const schema s({{"x1", field_type::numeric, field_role::none},
                    {"x2", field_type::numeric, field_role::none},
                    {"x3", field_type::numeric, field_role::none},
                    {"c1", field_type::categorical, field_role::none},
                    {"c2", field_type::categorical, field_role::none},
                    {"flag", field_type::boolean, field_role::none}});
    lead_table t(s);
    auto& x1 = std::get<numeric_column>(t.column(0)).values;
    auto& x2 = std::get<numeric_column>(t.column(1)).values;
    auto& x3 = std::get<numeric_column>(t.column(2)).values;
    auto& c1 = std::get<categorical_column>(t.column(3));
    auto& c2 = std::get<categorical_column>(t.column(4));
    auto& flag = std::get<boolean_column>(t.column(5)).values;
    for (const char* v : {"a", "b", "c", "d", "e", "f"}) c1.dict.intern(v);
    for (const char* v : {"north", "south", "east", "west"}) c2.dict.intern(v);
    const char* types[] = {"email_opened", "page_visited", "form_submitted", "webinar_attended"};
    for (const char* ty : types) t.event_types().intern(ty);
    for (std::size_t i = 0; i < n; ++i) {
        x1.push_back(u(rng) < 0.1 ? quiet_nan : 100 * u(rng) - 20);
        x2.push_back(u(rng) < 0.05 ? quiet_nan : std::exp(10 * u(rng)));
        x3.push_back(u(rng) < 0.02 ? quiet_nan : u(rng) < 0.01 ? (u(rng) < 0.5 ? infinity : -infinity) : u(rng));
        c1.codes.push_back(u(rng) < 0.1 ? missing_code : static_cast<std::int32_t>(u(rng) * 6));
        c2.codes.push_back(u(rng) < 0.1 ? missing_code : static_cast<std::int32_t>(u(rng) * 4));
        flag.push_back(static_cast<std::int8_t>(static_cast<int>(u(rng) * 3) - 1));
        const auto events = static_cast<int>(u(rng) * 6);
        std::int64_t time = start + static_cast<std::int64_t>(u(rng) * 60 * 86400);
        for (int k = 0; k < events; ++k) {
            time += static_cast<std::int64_t>(u(rng) * 20 * 86400);
            t.events().push_back({time, static_cast<std::int32_t>(u(rng) * 4), missing_code});
        }
        t.event_offsets().push_back(t.events().size());
    }
    t.finish_rows();
    return t;
}

logistic_policy random_policy(std::uint64_t seed) {
    const feature_encoder e({
        numeric_feature{.field = "x1", .center = 30, .scale = 25, .impute = 30, .missing_indicator = true},
        categorical_feature{.field = "c1", .vocabulary = {"a", "c", "e", "zz"}, .unknown = unknown_category::other,
                            .missing_feature = true},
        numeric_feature{.field = "x2", .center = 1000, .scale = 3000, .impute = 10},
        binned_feature{.field = "x2", .cuts = {10, 100, 1000}, .missing_indicator = true},
        numeric_feature{.field = "x3", .center = 0.5, .scale = 0.3},
        categorical_feature{.field = "c2", .vocabulary = {"north", "east"}},
        boolean_feature{.field = "flag", .impute = 0.5, .missing_indicator = true},
        recency_feature{.event_types = {"page_visited", "form_submitted"}, .cap_days = 90, .none_indicator = true,
                        .center = 20, .scale = 15},
        frequency_feature{.event_types = {"email_opened"}, .window_days = 30, .log1p = true},
        frequency_feature{.window_days = 14},
    });
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<double> w(e.width());
    for (std::size_t j = 0; j < w.size(); ++j) w[j] = g(rng);
    w[3] = 0.0; // a zero weight: that term is left out of scores and explanations
    return logistic_policy(logistic_model{e, w, -0.4});
}

} // namespace

TEST_CASE("logistic: the batch form equals the one-lead form, for any thread count") {
    const auto t = random_table(5000, 11);
    const auto p = random_policy(12);
    const auto as_of = day(200);
    const auto scorer = p.bind(t.view(), as_of);
    const auto one = [&] {
        std::vector<double> s(t.rows());
        for (std::size_t r = 0; r < t.rows(); ++r) s[r] = scorer.score(r);
        return s;
    }();
    // The same operations in the same order (docs/scoring.md: the one-lead form and the batch form agree exactly).
    std::size_t mismatches = 0, nans = 0;
    for (const unsigned threads : {1u, 2u, 3u}) {
        for (const std::size_t block : {std::size_t{7}, std::size_t{1000}, std::size_t{4096}}) {
            const auto batch = score_batch(p, t.view(), batch_options{.as_of = as_of, .threads = threads,
                                                                      .block_rows = block});
            for (std::size_t r = 0; r < t.rows(); ++r) mismatches += same(batch[r], one[r]) ? 0 : 1;
        }
    }
    CHECK(mismatches == 0);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        if (std::isnan(one[r])) {
            ++nans;
            continue;
        }
        CHECK((one[r] >= 0.0 && one[r] <= 1.0));
    }
    CHECK(nans < t.rows() / 50); // only ∞ − ∞ in x3 (about 0.01 % of rows) can make the log-odds NaN

    SUBCASE("and both equal the textbook formula over the encoded features") {
        const auto enc = p.encoder().bind(t.view(), as_of);
        std::vector<double> x(p.encoder().width());
        double worst = 0;
        for (std::size_t r = 0; r < t.rows(); ++r) {
            enc.encode(r, x);
            double z = p.intercept();
            for (std::size_t j = 0; j < x.size(); ++j) {
                const double w = p.weights()[j];
                if (w != 0.0) z += w * x[j];
            }
            if (!std::isfinite(z)) continue;
            const double ref = 1.0 / (1.0 + std::exp(-z));
            worst = std::max(worst, std::fabs(one[r] - ref) / ref);
            const auto e = scorer.explain(r);
            CHECK(e.total == doctest::Approx(z).epsilon(1e-12));
            CHECK(e.sum() == doctest::Approx(e.total).epsilon(1e-12));
        }
        // Folding standardization into the weights reorders a few roundings: far below 1e-12 in practice.
        CHECK(worst < 1e-12);
    }
    SUBCASE("through the type-erased policy") {
        const scoring_policy any = p;
        const auto a = score_batch(any, t.view(), batch_options{.as_of = as_of, .threads = 2, .block_rows = 333});
        std::size_t differ = 0;
        for (std::size_t r = 0; r < t.rows(); ++r) differ += same(a[r], one[r]) ? 0 : 1;
        CHECK(differ == 0);
    }
}

TEST_CASE("logistic: many features of one kind, split over several passes, still equal the one-lead form") {
    // 11 numeric and 10 categorical columns: more than one batch pass adds at a time, so the runs are split.
    constexpr std::size_t rows = 1500, nums = 11, cats = 10;
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    schema s;
    for (std::size_t j = 0; j < nums; ++j) s.add({"x" + std::to_string(j), field_type::numeric, field_role::none});
    for (std::size_t j = 0; j < cats; ++j) s.add({"c" + std::to_string(j), field_type::categorical, field_role::none});
    lead_table t(s);
    std::vector<feature_spec> specs;
    for (std::size_t j = 0; j < nums; ++j) {
        auto& x = std::get<numeric_column>(t.column(j)).values;
        for (std::size_t r = 0; r < rows; ++r) x.push_back(u(rng) < 0.05 ? quiet_nan : 10 * u(rng));
        specs.push_back(numeric_feature{.field = "x" + std::to_string(j), .center = 5, .scale = 3,
                                        .missing_indicator = j % 2 == 0});
    }
    for (std::size_t j = 0; j < cats; ++j) {
        auto& c = std::get<categorical_column>(t.column(nums + j));
        for (const char* v : {"p", "q", "r", "s", "t"}) c.dict.intern(v);
        for (std::size_t r = 0; r < rows; ++r)
            c.codes.push_back(u(rng) < 0.05 ? missing_code : static_cast<std::int32_t>(u(rng) * 5));
        specs.push_back(categorical_feature{.field = "c" + std::to_string(j), .vocabulary = {"p", "r", "t"},
                                            .missing_feature = j % 3 == 0});
    }
    t.finish_rows();
    const feature_encoder e(std::move(specs));
    std::vector<double> w(e.width());
    for (std::size_t k = 0; k < w.size(); ++k) w[k] = std::sin(static_cast<double>(k) * 1.7);
    const logistic_policy p(logistic_model{e, w, 0.3});
    const auto batch = score_batch(p, t.view(), batch_options{.as_of = day(0), .threads = 2, .block_rows = 600});
    const auto scorer = p.bind(t.view(), day(0));
    std::size_t differ = 0;
    for (std::size_t r = 0; r < rows; ++r) differ += batch[r] == scorer.score(r) ? 0 : 1;
    CHECK(differ == 0);
    // Spot check against the explanation, which sums weight × feature in feature order.
    for (const std::size_t r : {std::size_t{0}, std::size_t{777}, rows - 1})
        CHECK(scorer.explain(r).total == doctest::Approx(scorer.log_odds(r)).epsilon(1e-13));
}

TEST_CASE("logistic: the sigmoid is within its stated error bound") {
    // One feature, weight 1, no intercept: the score of a row is sigmoid(x) for its value x.
    std::vector<double> z;
    for (double v = -745; v <= 745; v += 0.0371) z.push_back(v);
    for (double v = -40; v <= 40; v += 1.0 / 1024) z.push_back(v);
    for (double v : {0.0, -0.0, 1e-300, -1e-300, 5e-324, 708.0, -708.0, 708.25, -708.25, 709.8, -709.8, 1e308,
                     -1e308, std::log(2.0) / 2, -std::log(2.0) / 2})
        z.push_back(v);
    const schema s({{"z", field_type::numeric, field_role::none}});
    table_view v(s, z.size());
    v.set_numeric(0, z);
    const logistic_policy p(logistic_model{feature_encoder({numeric_feature{.field = "z"}}), vec({1.0}), 0.0});
    const auto out = score_batch(p, v, batch_options{.as_of = day(0), .threads = 1});
    double worst = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
        // Reference in long double (64-bit mantissa), exact to about 1e-19 relative.
        const long double ref = 1.0L / (1.0L + std::exp(-static_cast<long double>(z[i])));
        if (z[i] < -708) {
            CHECK(out[i] == 0.0); // the true value is below 3.4e-308
            continue;
        }
        const double err = static_cast<double>(std::fabs((static_cast<long double>(out[i]) - ref) / ref));
        worst = std::max(worst, err);
    }
    CHECK(worst < 1e-15); // the bound logistic.hpp states
    MESSAGE("sigmoid: largest relative error " << worst);

    SUBCASE("infinite and NaN log-odds") {
        const std::vector<double> special{infinity, -infinity, quiet_nan};
        table_view w(s, 3);
        w.set_numeric(0, special);
        // NaN is missing, imputed to 0: p = 1/2.
        CHECK(score_batch(p, w, batch_options{.as_of = day(0), .threads = 1}) == std::vector<double>{1.0, 0.0, 0.5});
        // ∞ − ∞ is NaN: two columns over the same values, with weights of opposite signs.
        const schema s2({{"z", field_type::numeric, field_role::none}, {"y", field_type::numeric, field_role::none}});
        table_view w2(s2, 3);
        w2.set_numeric(0, special);
        w2.set_numeric(1, special);
        const logistic_policy r(logistic_model{
            feature_encoder({numeric_feature{.field = "z"}, numeric_feature{.field = "y"}}), vec({1.0, -1.0}), 0.0});
        const auto o = score_batch(r, w2, batch_options{.as_of = day(0), .threads = 1});
        CHECK(std::isnan(o[0]));
        CHECK(std::isnan(o[1]));
        CHECK(o[2] == 0.5);
        CHECK(std::isnan(r.bind(w2, day(0)).score(0)));
    }
}

TEST_CASE("logistic: events after as_of do not exist") {
    const auto t = make_table({{.events = {{10, "demo_requested"}}}});
    const feature_encoder e({frequency_feature{.event_types = {"demo_requested"}, .window_days = 365}});
    const logistic_policy p(logistic_model{e, vec({std::log(3.0)}), 0.0});
    // Before day 10 there is no request: z = 0 → 1/2. From day 10 on: z = ln 3 → 3/4.
    CHECK(score_batch(p, t.view(), batch_options{.as_of = day(9.99), .threads = 1})[0] == doctest::Approx(0.5));
    CHECK(score_batch(p, t.view(), batch_options{.as_of = day(10), .threads = 1})[0] ==
          doctest::Approx(0.75).epsilon(1e-15));
}

TEST_CASE("logistic: scoring errors name the row and the field") {
    SUBCASE("a category outside the vocabulary under the error rule") {
        std::vector<row_spec> rows(300, row_spec{.country = "DE"});
        rows[257].country = "Atlantis";
        const auto t = make_table(rows);
        const feature_encoder e(
            {categorical_feature{.field = "country", .vocabulary = {"DE"}, .unknown = unknown_category::error}});
        const logistic_policy p(logistic_model{e, vec({0.5}), 0.0});
        const batch_options two_threads{.as_of = day(0), .threads = 2, .block_rows = 16};
        CHECK_THROWS_WITH_AS(
            (void)score_batch(p, t.view(), two_threads),
            doctest::Contains("field 'country': row 257: 'Atlantis' is not in the feature's vocabulary"), input_error);
        CHECK_THROWS_AS((void)p.bind(t.view(), day(0)).score(257), input_error);
        CHECK_THROWS_AS((void)explain(p, t.view(), 257, day(0)), input_error);
        CHECK(p.bind(t.view(), day(0)).score(256) == doctest::Approx(1.0 / (1.0 + std::exp(-0.5))));
    }
    SUBCASE("codes and flags a CRM's arrays got wrong") {
        const schema s({{"country", field_type::categorical, field_role::none},
                        {"newsletter", field_type::boolean, field_role::none}});
        dictionary d;
        d.intern("DE");
        const std::vector<std::int32_t> codes{0, -1, 1};
        const std::vector<std::int8_t> flags{1, 2, 0};
        table_view v(s, 3);
        v.set_categorical(0, codes, d);
        v.set_boolean(1, flags);
        const logistic_policy c(logistic_model{
            feature_encoder({categorical_feature{.field = "country", .vocabulary = {"DE"}}}), vec({1.0}), 0.0});
        CHECK_THROWS_WITH_AS((void)score_batch(c, v, batch_options{.as_of = day(0), .threads = 1}),
                             doctest::Contains("field 'country': row 2: code 1 is outside the field's dictionary of 1"),
                             input_error);
        const logistic_policy b(
            logistic_model{feature_encoder({boolean_feature{.field = "newsletter"}}), vec({1.0}), 0.0});
        CHECK_THROWS_WITH_AS((void)score_batch(b, v, batch_options{.as_of = day(0), .threads = 1}),
                             doctest::Contains("field 'newsletter': row 1: boolean value 2 is not 0, 1 or missing"),
                             input_error);
    }
}

TEST_CASE("logistic: bad models are refused, naming the feature") {
    const feature_encoder e({numeric_feature{.field = "age"}, categorical_feature{.field = "country",
                                                                                  .vocabulary = {"DE", "FR"}}});
    CHECK_THROWS_WITH_AS(logistic_policy(logistic_model{e, vec({1, 2}), 0}),
                         doctest::Contains("2 weights for 3 features"), definition_error);
    CHECK_THROWS_WITH_AS(logistic_policy(logistic_model{e, vec({1, quiet_nan, 2}), 0}),
                         doctest::Contains("weight of feature 1 ('country=DE') is not finite"), definition_error);
    CHECK_THROWS_WITH_AS(logistic_policy(logistic_model{e, vec({1, 2, -infinity}), 0}),
                         doctest::Contains("'country=FR'"), definition_error);
    CHECK_THROWS_WITH_AS(logistic_policy(logistic_model{e, vec({1, 2, 3}), infinity}),
                         doctest::Contains("intercept is not finite"), definition_error);
    const auto t = make_table({{.age = 1}});
    const logistic_policy p(logistic_model{e, vec({1, 2, 3}), 0});
    CHECK_THROWS_WITH_AS((void)p.bind(t.view(), day(0)).score(1), doctest::Contains("row 1 of a view of 1 rows"),
                         definition_error);
}

TEST_CASE("logistic: a policy is a value") {
    const auto p = random_policy(3);
    const auto q = p; // NOLINT(performance-unnecessary-copy-initialization): copying is what is tested
    CHECK(q == p);
    CHECK(logistic_policy(p.model()) == p);
    auto m = p.model();
    m.weights[0] += 1e-9;
    CHECK_FALSE(logistic_policy(m) == p);
    m = p.model();
    m.intercept = 0;
    CHECK_FALSE(logistic_policy(m) == p);
    const logistic_policy empty(logistic_model{feature_encoder(), std::vector<double>(), std::log(3.0)});
    const auto t = make_table({{}, {}});
    // No features: the intercept alone, ln 3 → 3/4 for every lead.
    const auto s = score_batch(empty, t.view(), batch_options{.as_of = day(0), .threads = 2});
    CHECK(s[0] == doctest::Approx(0.75).epsilon(1e-15));
    CHECK(s[1] == s[0]);
}

} // namespace test_logistic
