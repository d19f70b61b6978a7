// lead_table: lossless round trips with lead objects, zero-copy views, append, select, column-wise building.
#include "leadscore/leadscore.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

namespace test_table {

using namespace leadscore;

namespace {

timestamp day(int n) { return from_seconds(20454LL * 86400 + n * 86400LL); }

std::vector<lead> sample_leads() {
    lead a;
    a.id = "L1";
    a.party = party_kind::organization;
    a.contact = {"Ada Lovelace", "ada@example.com", "+44 20 7946 0000", "Analytical Ltd", "CTO"};
    a.source = "trade_show";
    a.stage = "mql";
    a.timeframe = purchase_timeframe::within(45);
    a.team = "EMEA";
    a.owner = "grace";
    a.created = day(0);
    a.expected_value = 12500.5;
    a.attributes = {{"employees", 250.0}, {"industry", std::string("software")}, {"newsletter", true},
                    {"last_visit", day(3)}};
    // Out of time order on purpose: the table sorts each lead's events by time, stably.
    a.events = {{day(2), "email_opened", "spring-campaign"},
                {day(1), "page_visited", "/pricing"},
                {day(2), "email_clicked", ""}};

    lead b;
    b.id = "L2";
    b.source = "referral";
    b.stage = "lead";
    b.timeframe = purchase_timeframe::now();
    b.attributes = {{"industry", std::string("")}}; // an empty text is a value, not a missing one

    lead c; // almost nothing known
    c.id = "L3";
    c.attributes = {{"employees", 12.0}};
    return {a, b, c};
}

lead sorted_events(lead l) {
    std::stable_sort(l.events.begin(), l.events.end(), [](const auto& x, const auto& y) { return x.time < y.time; });
    return l;
}

} // namespace

TEST_CASE("leads to a table and back, losslessly") {
    const auto leads = sample_leads();
    const auto t = lead_table::from_leads(leads);
    REQUIRE(t.rows() == 3);
    CHECK(t.table_schema().size() == 14 + 4); // role fields + employees, industry, last_visit, newsletter

    const auto& s = t.table_schema();
    CHECK(s[s.at("employees")].type == field_type::numeric);
    CHECK(s[s.at("industry")].type == field_type::categorical);
    CHECK(s[s.at("newsletter")].type == field_type::boolean);
    CHECK(s[s.at("last_visit")].type == field_type::timestamp);

    SUBCASE("columns hold what the leads say, missing where they say nothing") {
        const auto emp = t.numeric(s.at("employees"));
        CHECK(emp[0] == 250.0);
        CHECK(std::isnan(emp[1]));
        CHECK(emp[2] == 12.0);
        const auto tf = t.numeric(s.at("purchase_timeframe"));
        CHECK(tf[0] == 45.0);
        CHECK(tf[1] == 0.0);
        CHECK(std::isnan(tf[2]));
        const auto src = t.codes(s.at("source"));
        CHECK(t.dict(s.at("source"))[src[0]] == "trade_show");
        CHECK(src[2] == missing_code);
        CHECK(t.booleans(s.at("newsletter"))[0] == 1);
        CHECK(t.booleans(s.at("newsletter"))[1] == missing_flag);
        CHECK(t.timestamps(s.at("created"))[0] == to_seconds(day(0)));
        CHECK(t.timestamps(s.at("created"))[1] == missing_time);
        CHECK(t.codes(s.at("industry"))[1] != missing_code);
    }
    SUBCASE("events: one flat array, each lead's run sorted by time") {
        const auto ev = t.events_of(0);
        REQUIRE(ev.size() == 3);
        CHECK(t.event_types()[ev[0].type] == "page_visited");
        CHECK(t.event_types()[ev[1].type] == "email_opened"); // stable among equal times
        CHECK(t.event_types()[ev[2].type] == "email_clicked");
        CHECK(ev[2].detail == missing_code);
        CHECK(t.events_of(1).empty());
    }
    SUBCASE("round trip") {
        const auto back = t.to_leads();
        REQUIRE(back.size() == 3);
        for (std::size_t i = 0; i < 3; ++i) CHECK(back[i] == sorted_events(leads[i]));
    }
    SUBCASE("type-checked access") {
        CHECK_THROWS_WITH_AS((void)t.numeric(s.at("industry")), doctest::Contains("'industry' is categorical"),
                             definition_error);
        CHECK_THROWS_AS((void)t.lead_at(3), std::out_of_range);
    }
}

TEST_CASE("attributes of one name must agree on their type") {
    auto leads = sample_leads();
    leads[2].attributes["employees"] = std::string("many");
    CHECK_THROWS_WITH_AS((void)lead_table::from_leads(leads), doctest::Contains("'employees'"), definition_error);
}

TEST_CASE("append refuses a lead the schema cannot hold, and leaves the table as it was") {
    auto t = lead_table::from_leads(sample_leads());
    lead odd;
    odd.id = "L9";
    odd.attributes["shoe_size"] = 44.0;
    CHECK_THROWS_WITH_AS(t.append(odd), doctest::Contains("'shoe_size'"), definition_error);
    lead wrong;
    wrong.attributes["employees"] = true;
    CHECK_THROWS_AS(t.append(wrong), definition_error);
    CHECK(t.rows() == 3);
    CHECK(t == lead_table::from_leads(sample_leads()));
}

TEST_CASE("values a lead cannot hold are reported with row and field") {
    lead_table t(schema::for_leads());
    auto& party = std::get<categorical_column>(t.column(t.table_schema().at("party")));
    for (std::size_t c = 0; c < t.table_schema().size(); ++c)
        std::visit([](auto& k) {
            if constexpr (requires { k.codes; }) k.codes.push_back(missing_code);
            else if constexpr (std::is_same_v<std::decay_t<decltype(k.values[0])>, double>) k.values.push_back(std::nan(""));
            else if constexpr (std::is_same_v<std::decay_t<decltype(k.values[0])>, std::int8_t>) k.values.push_back(missing_flag);
            else k.values.push_back(missing_time);
        }, t.column(c));
    party.codes.back() = party.dict.intern("robot");
    t.finish_rows();
    CHECK_THROWS_WITH_AS((void)t.lead_at(0), doctest::Contains("field 'party': row 0: party kind 'robot'"), input_error);
    party.codes.back() = missing_code;
    std::get<numeric_column>(t.column(t.table_schema().at("purchase_timeframe"))).values.back() = 2.5;
    CHECK_THROWS_WITH_AS((void)t.lead_at(0), doctest::Contains("field 'purchase_timeframe'"), input_error);
    std::get<numeric_column>(t.column(t.table_schema().at("purchase_timeframe"))).values.back() = -3;
    CHECK_THROWS_AS((void)t.lead_at(0), input_error);
}

TEST_CASE("append a table: categorical codes are re-encoded") {
    const auto leads = sample_leads();
    auto first = lead_table::from_leads(std::span(leads).first(2), lead_table::from_leads(leads).table_schema());
    // The second table sees its values in another order, so its codes differ from the first's.
    std::vector<lead> rest{leads[2], leads[1], leads[0]};
    const auto second = lead_table::from_leads(rest, first.table_schema());
    first.append(second);
    REQUIRE(first.rows() == 5);
    const auto back = first.to_leads();
    CHECK(back[0] == sorted_events(leads[0]));
    CHECK(back[2] == sorted_events(leads[2]));
    CHECK(back[3] == sorted_events(leads[1]));
    CHECK(back[4] == sorted_events(leads[0]));
    CHECK(first.events_of(4).size() == 3);

    first.append(first); // appending to itself doubles it
    CHECK(first.rows() == 10);
    CHECK(first.lead_at(9) == sorted_events(leads[0]));

    lead_table other(schema({{"x", field_type::numeric, field_role::none}}));
    CHECK_THROWS_AS(first.append(other), definition_error);
}

TEST_CASE("select rows, in any order, with repeats") {
    const auto leads = sample_leads();
    const auto t = lead_table::from_leads(leads);
    const std::size_t rows[] = {2, 0, 0};
    const auto s = t.select(rows);
    REQUIRE(s.rows() == 3);
    CHECK(s.lead_at(0) == sorted_events(leads[2]));
    CHECK(s.lead_at(1) == sorted_events(leads[0]));
    CHECK(s.lead_at(2) == sorted_events(leads[0]));
    CHECK(s.events_of(2).size() == 3);
    const std::size_t bad[] = {3};
    CHECK_THROWS_AS((void)t.select(bad), std::out_of_range);
    CHECK(t.select(std::span<const std::size_t>{}).rows() == 0);
}

TEST_CASE("a view of a lead_table borrows its columns") {
    const auto t = lead_table::from_leads(sample_leads());
    const auto v = t.view();
    const auto& s = t.table_schema();
    CHECK(v.rows() == 3);
    CHECK(v.numeric(s.at("employees")).data() == t.numeric(s.at("employees")).data());
    CHECK(&v.dict(s.at("industry")) == &t.dict(s.at("industry")));
    CHECK(v.events_of(0).data() == t.events_of(0).data());

    const auto tail = v.rows_between(1, 3);
    CHECK(tail.rows() == 2);
    CHECK(tail.numeric(s.at("employees"))[1] == 12.0);
    CHECK(tail.events_of(0).empty());
    const auto head = v.rows_between(0, 1);
    CHECK(head.events_of(0).size() == 3);
    CHECK_THROWS_AS((void)v.rows_between(2, 4), std::out_of_range);
    CHECK_THROWS_AS((void)v.events_of(3), std::out_of_range);
}

TEST_CASE("a view over a CRM's own arrays, without a copy") {
    // The CRM keeps its data in plain arrays; leadscore reads them where they are.
    std::vector<double> score_inputs{1.5, std::numeric_limits<double>::quiet_NaN(), -2.0};
    std::vector<std::int32_t> region_codes{1, 0, missing_code};
    dictionary regions;
    regions.intern("north");
    regions.intern("south");
    std::vector<std::int8_t> opted_in{1, 0, missing_flag};
    std::vector<std::int64_t> created{0, 86400, missing_time};
    std::vector<event_record> events{{10, 0, missing_code}, {20, 0, missing_code}, {5, 0, missing_code}};
    std::vector<std::uint64_t> offsets{0, 2, 2, 3};
    dictionary types, details;
    types.intern("page_visited");

    const schema s({{"x", field_type::numeric, field_role::none},
                    {"region", field_type::categorical, field_role::none},
                    {"opted_in", field_type::boolean, field_role::none},
                    {"created", field_type::timestamp, field_role::created}});
    table_view v(s, 3);
    v.set_numeric(0, score_inputs);
    v.set_categorical(1, region_codes, regions);
    v.set_boolean(2, opted_in);
    v.set_timestamp(3, created);
    v.set_events(events, offsets, types, details);

    CHECK(v.numeric(0).data() == score_inputs.data());
    CHECK(v.codes(1).data() == region_codes.data());
    CHECK(v.dict(1)[v.codes(1)[0]] == "south");
    CHECK(v.booleans(2).data() == opted_in.data());
    CHECK(v.timestamps(3)[1] == 86400);
    CHECK(v.events_of(0).size() == 2);
    CHECK(v.events_of(2)[0].time == 5);
    score_inputs[0] = 7.0; // a change in the CRM's array shows through the view
    CHECK(v.numeric(0)[0] == 7.0);

    SUBCASE("binding checks type and length") {
        table_view w(s, 3);
        std::vector<double> short_column{1.0};
        CHECK_THROWS_WITH_AS(w.set_numeric(0, short_column), doctest::Contains("'x' has 1 values for 3 rows"),
                             definition_error);
        CHECK_THROWS_WITH_AS(w.set_numeric(1, score_inputs), doctest::Contains("'region' is categorical"),
                             definition_error);
        CHECK_THROWS_WITH_AS((void)w.numeric(0), doctest::Contains("not bound"), definition_error);
        CHECK_THROWS_AS((void)w.numeric(9), definition_error);
        std::vector<std::uint64_t> bad_offsets{0, 2, 1, 3};
        CHECK_THROWS_AS(w.set_events(events, bad_offsets, types, details), definition_error);
        std::vector<std::uint64_t> too_far{0, 1, 2, 4};
        CHECK_THROWS_AS(w.set_events(events, too_far, types, details), definition_error);
        CHECK_FALSE(w.has_events());
        CHECK(w.events_of(0).empty());
    }
}

TEST_CASE("column-wise building is checked by finish_rows") {
    const schema s({{"x", field_type::numeric, field_role::none}, {"c", field_type::categorical, field_role::none}});
    lead_table t(s);
    std::get<numeric_column>(t.column(0)).values = {1, 2, 3};
    auto& c = std::get<categorical_column>(t.column(1));
    c.codes = {c.dict.intern("a"), missing_code};
    CHECK_THROWS_WITH_AS(t.finish_rows(), doctest::Contains("column 'c' has 2 values"), definition_error);
    c.codes.push_back(5);
    CHECK_THROWS_WITH_AS(t.finish_rows(), doctest::Contains("outside its dictionary"), definition_error);
    c.codes.back() = 0;
    t.finish_rows();
    CHECK(t.rows() == 3);
    CHECK(t.events_of(2).empty());

    SUBCASE("events must be sorted per lead") {
        t.event_types().intern("page_visited");
        t.events() = {{20, 0, missing_code}, {10, 0, missing_code}};
        t.event_offsets() = {0, 2, 2, 2};
        CHECK_THROWS_WITH_AS(t.finish_rows(), doctest::Contains("not sorted"), definition_error);
        t.event_offsets() = {0, 1, 2, 2}; // one event each for the first two rows: sorted within each run
        t.finish_rows();
        CHECK(t.events_of(1)[0].time == 10);
    }
    SUBCASE("event codes must be in their dictionaries") {
        t.event_types().intern("page_visited");
        t.event_details().intern("/pricing");
        t.event_offsets() = {0, 1, 1, 1};
        for (const auto& [type, detail] : std::vector<std::pair<std::int32_t, std::int32_t>>{{1, missing_code}, {-1, 0}, {0, 1}, {0, -2}}) {
            t.events() = {{10, type, detail}};
            CHECK_THROWS_WITH_AS(t.finish_rows(), doctest::Contains("outside its dictionary"), definition_error);
        }
        t.events() = {{10, 0, 0}};
        t.finish_rows();
        CHECK(t.events_of(0)[0].detail == 0);
    }
    SUBCASE("a code below missing_code is refused") {
        c.codes.back() = -2;
        CHECK_THROWS_WITH_AS(t.finish_rows(), doctest::Contains("holds code -2"), definition_error);
    }
}

TEST_CASE("memory stays near the raw column bytes") {
    std::vector<lead> leads;
    for (int i = 0; i < 20000; ++i) {
        lead l;
        l.id = "lead-" + std::to_string(i);
        l.source = i % 3 == 0 ? "webinar" : "referral";
        l.attributes = {{"employees", double(i % 500)}};
        l.events = {{day(i % 30), "email_opened", ""}};
        leads.push_back(std::move(l));
    }
    auto t = lead_table::from_leads(leads);
    t.shrink_to_fit();
    // Numbers are 8 bytes, codes 4, events 16 plus an 8-byte offset; dictionaries are text plus 4 bytes an entry.
    std::size_t id_text = 0;
    for (int i = 0; i < 20000; ++i) id_text += 5 + std::to_string(i).size();
    const std::size_t columns = 20000 * (8 * 3 /*timeframe, expected value, employees*/ + 8 /*created*/ + 4 * 11);
    const std::size_t dictionaries = id_text + 4 * 20000 + std::string("individual").size() + 4 +
                                     std::string("webinarreferral").size() + 8 + std::string("email_opened").size() + 4;
    const std::size_t events = 20000 * (16 + 8);
    CHECK(t.raw_bytes() == columns + dictionaries + events);
    CHECK(t.memory_bytes() <= t.raw_bytes() * 5 / 4);
}

} // namespace test_table
