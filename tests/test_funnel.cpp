// Funnel analytics: journeys, history and snapshot import, stage conversion, time in stage and sales cycle
// (Kaplan–Meier), KPIs, cohorts, and exact merges of every accumulator. Expected numbers are derived by hand in the
// comments from the small histories written out in each case.

#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/timing.hpp"
#include "leadscore/io/history_csv.hpp"
#include "leadscore/sim/generator.hpp"

#include "history_helpers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace test_funnel {

using namespace leadscore;

namespace {

using namespace history_helpers;
const double nan = no_value;

std::int64_t at(const char* text) {
    const auto t = parse_timestamp(text);
    REQUIRE(t.has_value());
    return to_seconds(*t);
}

/// Lead A–E of the hand-worked example (standard funnel), days after 2026-01-01:
///   A: suspect 0, lead 2, mql 5, won 10 (value 1000)
///   B: suspect 1, lead 3, lost 4
///   C: suspect 0, mql 6                  (open: skipped "lead")
///   D: lead 1, sql 3, mql 7              (open: moved back from sql to mql)
///   E: suspect 2, rejected 2
stage_history five_leads() {
    return make_history({{"A", "suspect", 0, nan, "webinar"},
                         {"B", "suspect", 1, nan, "referral"},
                         {"C", "suspect", 0, nan, "webinar"},
                         {"A", "lead", 2},
                         {"D", "lead", 1, nan, "referral"},
                         {"B", "lead", 3},
                         {"E", "suspect", 2},
                         {"E", "rejected", 2},
                         {"A", "mql", 5},
                         {"C", "mql", 6},
                         {"D", "sql", 3},
                         {"B", "lost", 4},
                         {"D", "mql", 7},
                         {"A", "won", 10, 1000}});
}

kpi_options by_period(period p, std::string opportunity_stage = "", unsigned threads = 0) {
    kpi_options o;
    o.by = p;
    o.opportunity_stage = std::move(opportunity_stage);
    o.threads = threads;
    return o;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("funnel journeys: grouped by lead, sorted by time, ties in input order") {
    const auto h = five_leads();
    const funnel& f = funnel::standard();
    const journeys j(h, f);
    REQUIRE(j.leads() == 5);
    CHECK(j.size() == h.size());
    CHECK_FALSE(j.in_history_order());
    const auto stages_of = [&](const char* id) {
        std::vector<std::string> s;
        for (const auto e : j.entries_of(static_cast<std::size_t>(*h.lead_ids.find(id)))) s.push_back(f[j.stage_of(e)].name);
        return s;
    };
    CHECK(stages_of("A") == std::vector<std::string>{"suspect", "lead", "mql", "won"});
    CHECK(stages_of("D") == std::vector<std::string>{"lead", "sql", "mql"});
    // E's two entries share a time: input order decides.
    CHECK(stages_of("E") == std::vector<std::string>{"suspect", "rejected"});
    CHECK(j.offsets().size() == 6);
    CHECK(j.offsets().back() == h.size());
    // The flat views agree with entries_of.
    for (std::size_t p = 0; p < j.size(); ++p) {
        CHECK(j.stage_at()[p] == j.stage_of(j.order()[p]));
        CHECK(j.time_at()[p] == h.entered[j.order()[p]]);
    }
    CHECK_THROWS_AS((void)j.entries_of(5), std::out_of_range);

    SUBCASE("a history already in order is used as is") {
        const auto g = make_history({{"x", "suspect", 0}, {"x", "lead", 1}, {"y", "suspect", 0}});
        const journeys k(g, f);
        CHECK(k.in_history_order());
        CHECK(k.entries_of(1).size() == 1);
        CHECK(k.time_at().data() == g.entered.data());
    }
    SUBCASE("a lead split by another lead is not in order") {
        const auto g = make_history({{"x", "suspect", 0}, {"y", "suspect", 0}, {"x", "lead", 1}});
        const journeys k(g, f);
        CHECK_FALSE(k.in_history_order());
        CHECK(std::vector<std::uint32_t>(k.entries_of(0).begin(), k.entries_of(0).end()) == std::vector<std::uint32_t>{0, 2});
    }
    SUBCASE("undated entries keep their place after the entry before them") {
        // x: won (dated day 5), then an undated lost, then suspect at day 1: sorted keys 5, 5, 1 → suspect first.
        const auto g = make_history({{"x", "won", 5}, {"x", "lost", missing_time}, {"x", "suspect", 1}});
        const journeys k(g, f);
        const auto e = k.entries_of(0);
        CHECK(std::vector<std::uint32_t>(e.begin(), e.end()) == std::vector<std::uint32_t>{2, 0, 1});
    }
    SUBCASE("an unknown stage names the entry") {
        const auto g = make_history({{"x", "suspect", 0}, {"y", "demo", 1}});
        const auto m = message_of<definition_error>([&] { journeys k(g, f); });
        CHECK(m.find("entry 1 (lead 'y')") != std::string::npos);
        CHECK(m.find("stage 'demo' is not in the funnel") != std::string::npos);
    }
    SUBCASE("broken columns are refused") {
        auto g = make_history({{"x", "suspect", 0}});
        g.lead[0] = 7;
        CHECK_THROWS_AS(journeys(g, f), definition_error);
        g.lead[0] = 0;
        g.value.pop_back();
        CHECK_THROWS_AS(journeys(g, f), definition_error);
    }
}

TEST_CASE("funnel journeys: negative deal values and leads won and lost at once are refused, naming the lead") {
    const funnel& f = funnel::standard();
    SUBCASE("a negative or infinite value names the entry and its lead") {
        const auto g = make_history({{"x", "suspect", 0}, {"x", "won", 3, -5}});
        const auto m = message_of<definition_error>([&] { journeys k(g, f); });
        CHECK(m.find("entry 1 (lead 'x') has the deal value -5") != std::string::npos);
        const auto inf = make_history({{"y", "won", 3, std::numeric_limits<double>::infinity()}});
        CHECK(message_of<definition_error>([&] { journeys k(inf, f); }).find("entry 0 (lead 'y')") != std::string::npos);
        // 0 is a value (a free deal), NaN none.
        const auto zero = make_history({{"z", "won", 3, 0.0}, {"w", "won", 3}});
        CHECK(journeys(zero, f).leads() == 2);
    }
    SUBCASE("won and lost at the same time") {
        // Day 3 = 2026-01-04. In history order (the history's own order is used) and not (another lead in between).
        for (const auto& g : {make_history({{"x", "suspect", 0}, {"x", "won", 3}, {"x", "lost", 3}}),
                              make_history({{"x", "suspect", 0}, {"x", "won", 3}, {"y", "lead", 1}, {"x", "lost", 3}})}) {
            const auto m = message_of<definition_error>([&] { journeys k(g, f); });
            CHECK(m.find("lead 'x' is won (stage 'won') and lost (stage 'lost') at the same time, 2026-01-04") !=
                  std::string::npos);
        }
        // Rejected and nurture close without a sale too; an undated entry between the two does not part them.
        const auto rejected = make_history({{"r", "rejected", 2}, {"r", "lead", missing_time}, {"r", "won", 2}});
        CHECK(message_of<definition_error>([&] { journeys k(rejected, f); })
                  .find("lead 'r' is won (stage 'won') and lost (stage 'rejected')") != std::string::npos);
        const auto nurture = make_history({{"n", "won", 2}, {"n", "nurture", 2}});
        CHECK_THROWS_AS(journeys(nurture, f), definition_error);
    }
    SUBCASE("what stays allowed") {
        // Lost, then won later (a reactivated lead); two leads closing at one time; lost and rejected at once.
        const auto g = make_history({{"a", "lost", 1}, {"a", "won", 2}, {"b", "won", 2}, {"c", "lost", 2},
                                     {"d", "lost", 2}, {"d", "rejected", 2}, {"e", "won", 2}, {"e", "won", missing_time}});
        CHECK(journeys(g, f).leads() == 5);
    }
}

TEST_CASE("funnel import: a negative value and a lead won and lost at once are refused rows, with their place") {
    // Columns counted from the texts: "x,won,2026-01-05," is 17 bytes, so the value starts at column 18.
    const std::string log = "lead_id,stage,entered_at,value\n" // 1
                            "x,suspect,2026-01-01,\n"            // 2 taken
                            "x,won,2026-01-05,-250\n"            // 3 negative value, column 18
                            "y,won,2026-01-05,100\n"             // 4 taken
                            "y,lost,2026-01-05,\n"               // 5 won and lost at once, stage at column 3
                            "y,lost,2026-01-06,\n";              // 6 taken: a day later
    const auto m = message_of<input_error>([&] { (void)read_history(log, funnel::standard(), {}, "t.csv"); });
    CHECK(m.starts_with("t.csv:3:18 (field 'value'): a negative deal value: '-250'"));
    history_options o;
    o.errors = error_mode::collect;
    const auto r = read_history(log, funnel::standard(), o, "t.csv");
    REQUIRE(r.rejected.size() == 2);
    CHECK(r.rejected[1].where.line == 5);
    CHECK(r.rejected[1].where.column == 3);
    CHECK(r.rejected[1].where.field == "stage");
    CHECK(r.rejected[1].reason == "lead 'y' is both won and lost at 2026-01-05: stage 'won' on line 4, stage 'lost' here");
    CHECK(r.history.size() == 3);
    // The other way round (lost first) too.
    const auto m2 = message_of<input_error>([&] {
        (void)read_history("lead_id,stage,entered_at\nz,lost,2026-01-05\nz,won,2026-01-05\n", funnel::standard(), {},
                           "u.csv");
    });
    CHECK(m2.starts_with("u.csv:3:3 (field 'stage'): lead 'z' is both won and lost"));

    // A snapshot's value: "d1,won,2026-01-01,2026-01-05," is 29 bytes.
    const std::string snap = "opportunity_id,deal_stage,engage_date,close_date,close_value\n"
                             "d1,won,2026-01-01,2026-01-05,-10\n";
    CHECK(message_of<input_error>([&] { (void)read_deal_snapshot(snap, snapshot_funnel(), {}, "s.csv"); })
              .starts_with("s.csv:2:30 (field 'close_value'): a negative deal value: '-10'"));
}

TEST_CASE("funnel periods: index, label and start") {
    // 2026-03-15: (2026 − 1970)·12 + 2 = 674 months; quarter ⌊674/3⌋ = 224 (2026-Q1); year 56.
    const auto t = at("2026-03-15T12:00:00");
    CHECK(period_index(t, period::month) == 674);
    CHECK(period_index(t, period::quarter) == 224);
    CHECK(period_index(t, period::year) == 56);
    CHECK(period_label(674, period::month) == "2026-03");
    CHECK(period_label(224, period::quarter) == "2026-Q1");
    CHECK(period_label(56, period::year) == "2026");
    CHECK(period_start(674, period::month) == at("2026-03-01"));
    CHECK(period_start(225, period::quarter) == at("2026-04-01"));
    // Before 1970: 1969-12-31 is month −1, quarter −1 (1969-Q4).
    const auto old = at("1969-12-31T23:59:59");
    CHECK(period_index(old, period::month) == -1);
    CHECK(period_index(old, period::quarter) == -1);
    CHECK(period_label(-1, period::month) == "1969-12");
    CHECK(period_label(-1, period::quarter) == "1969-Q4");
    CHECK(period_start(-1, period::month) == at("1969-12-01"));
    CHECK(parse_period("quarter") == period::quarter);
    CHECK_FALSE(parse_period("week").has_value());
}

TEST_CASE("funnel import: an event log with attributes") {
    const std::string text = "lead_id,Stage,entered_at,value,source,team\n"
                             "a,suspect,2026-01-01,,webinar,north\n"
                             "b,Suspect,2026-01-02,,referral,south\n"
                             "a,lead,2026-01-03T10:00:00,,webinar,\n"
                             "\n"
                             "a,won,2026-01-10,\"1200.5\",webinar,north\n";
    const auto r = read_history(text, funnel::standard());
    CHECK(r.rows_read == 4);
    CHECK(r.rejected.empty());
    const auto& h = r.history;
    REQUIRE(h.size() == 4);
    CHECK(h[1].stage == "suspect"); // stored under the funnel's name
    CHECK(h[2].entered == from_seconds(at("2026-01-03T10:00:00")));
    CHECK(h[3].value == 1200.5);
    CHECK(h[3].source == "webinar");
    CHECK_FALSE(h[0].value.has_value());
    const auto* team = r.attributes.find("Team");
    REQUIRE(team != nullptr);
    REQUIRE(team->codes.size() == 2);
    CHECK(team->values[team->codes[0]] == "north");
    CHECK(team->values[team->codes[1]] == "south");
    const journeys j(h, funnel::standard());
    const auto k = make_key(j, r.attributes, "team");
    CHECK(k.labels == std::vector<std::string>{"north", "south"});
    CHECK(make_key(j, r.attributes, "source").labels == std::vector<std::string>{"webinar", "referral"});
    const auto m = message_of<definition_error>([&] { (void)make_key(j, r.attributes, "owner"); });
    CHECK(m.find("no key 'owner'") != std::string::npos);
    CHECK(m.find("team") != std::string::npos);
}

TEST_CASE("funnel import: bad rows are refused with their place, or collected") {
    // Columns are 1-based byte columns of the bad cell, counted from the text below.
    const std::string text = "lead_id,stage,entered_at,value,source,team\n" // 1
                             "a,suspect,2026-01-05,,web,north\n"           // 2 taken
                             "b,demo,2026-01-01,,,\n"                      // 3 unknown stage, column 3
                             "a,lead,2026-01-04,,web,\n"                   // 4 time runs backwards, column 8
                             "a,suspect,2026-01-05,,web,\n"                // 5 duplicate of line 2, column 3
                             "a,lead,2026-01-06,,web,south\n"              // 6 team differs from line 2, column 24
                             "c,lead,2026-13-01,,,\n"                      // 7 not a time, column 8
                             "c,lead,2026-01-01,12x,,\n"                   // 8 not a number, column 19
                             ",lead,2026-01-01,,,\n"                       // 9 missing lead id, column 1
                             "c,lead,2026-01-01\n"                         // 10 three fields, last cell at 8
                             "c,mql,2026-01-02,,,\n";                      // 11 taken
    SUBCASE("fail fast stops at the first") {
        const auto m = message_of<input_error>([&] { (void)read_history(text, funnel::standard(), {}, "t.csv"); });
        CHECK(m.starts_with("t.csv:3:3 (field 'stage'): stage 'demo' is not in the funnel"));
    }
    SUBCASE("collect lists every one") {
        history_options o;
        o.errors = error_mode::collect;
        const auto r = read_history(text, funnel::standard(), o, "t.csv");
        CHECK(r.rows_read == 10);
        CHECK(r.history.size() == 2);
        REQUIRE(r.rejected.size() == 8);
        const std::vector<std::pair<std::size_t, std::size_t>> places{{3, 3},  {4, 8},  {5, 3}, {6, 24},
                                                                      {7, 8},  {8, 19}, {9, 1}, {10, 8}};
        for (std::size_t i = 0; i < places.size(); ++i) {
            CAPTURE(i);
            CHECK(r.rejected[i].where.file == "t.csv");
            CHECK(r.rejected[i].where.line == places[i].first);
            CHECK(r.rejected[i].where.column == places[i].second);
        }
        CHECK(r.rejected[1].reason.find("time runs backwards") != std::string::npos);
        CHECK(r.rejected[1].reason.find("line 2") != std::string::npos);
        CHECK(r.rejected[2].reason.find("duplicate of line 2") != std::string::npos);
        CHECK(r.rejected[3].where.field == "team");
        CHECK(r.rejected[3].reason.find("'north' on line 2 but 'south' here") != std::string::npos);
        CHECK(r.rejected[7].reason == "3 fields, but the header has 6");
        // The lead of rejected rows only ("b") is not in the history.
        CHECK_FALSE(r.history.lead_ids.find("b").has_value());
        CHECK(r.attributes.columns.at(0).codes.size() == r.history.lead_ids.size());
    }
    SUBCASE("whole-file problems") {
        const auto f = funnel::standard();
        CHECK(message_of<input_error>([&] { (void)read_history("", f); }).find("empty") != std::string::npos);
        CHECK(message_of<input_error>([&] { (void)read_history("lead_id,stage\n", f); })
                  .find("no column 'entered_at'") != std::string::npos);
        CHECK(message_of<input_error>([&] { (void)read_history("lead_id,stage,Stage,entered_at\n", f); })
                  .find(":1:15: column 'Stage' appears twice") != std::string::npos);
        CHECK(message_of<input_error>([&] {
                  (void)read_history("lead_id,stage,entered_at\nx,\"suspect,2026-01-01\n", f, {}, "q.csv");
              }).starts_with("q.csv:2:3: a quoted cell is not closed"));
        CHECK(message_of<input_error>([&] {
                  (void)read_history("lead_id,stage,entered_at\nx\xff,suspect,2026-01-01\n", f, {}, "u.csv");
              }).starts_with("u.csv:2:1: invalid UTF-8"));
        CHECK(message_of<input_error>([&] {
                  (void)read_history("lead_id,stage,entered_at\n\"x\"y,suspect,2026-01-01\n", f, {}, "s.csv");
              }).starts_with("s.csv:2:4: text after the closing quote"));
        // A lone CR after a closing quote is not a line end.
        CHECK(message_of<input_error>([&] {
                  (void)read_history("lead_id,stage,entered_at\n\"x\"\r,suspect,2026-01-01\n", f, {}, "r.csv");
              }).starts_with("r.csv:2:4: text after the closing quote"));
    }
    SUBCASE("semicolons, CRLF, a byte order mark and quoted line breaks") {
        const auto r = read_history("\xEF\xBB\xBFlead_id;stage;entered_at;note\r\n"
                                    "x;suspect;2026-01-01;\"two\r\nlines\"\r\n"
                                    "x;lead;2026-01-02;\"two\r\nlines\"\r\n",
                                    funnel::standard());
        CHECK(r.history.size() == 2);
        CHECK(r.attributes.columns.at(0).values[0] == "two\r\nlines");
    }
}

TEST_CASE("funnel import: times that run backwards are clamped and counted when asked") {
    const std::string log = "lead_id,stage,entered_at\n"
                            "a,suspect,2026-01-05\n"
                            "a,lead,2026-01-03\n"  // 2 days back: taken at 2026-01-05
                            "a,mql,2026-01-06\n"
                            "b,suspect,2026-01-10\n"
                            "b,won,2026-01-11\n"
                            "b,lost,2026-01-02\n"; // clamped to 01-11, the time of b's won entry: still refused
    history_options o;
    o.errors = error_mode::collect;
    const auto rejected = read_history(log, funnel::standard(), o);
    CHECK(rejected.rejected.size() == 2); // the default refuses both
    CHECK(rejected.clamped == 0);
    o.on_backwards = backwards_time::clamp;
    const auto r = read_history(log, funnel::standard(), o);
    REQUIRE(r.rejected.size() == 1);
    CHECK(r.rejected[0].where.line == 7);
    CHECK(r.rejected[0].reason.find("both won and lost") != std::string::npos);
    CHECK(r.clamped == 1); // the refused row is not counted
    CHECK(r.max_clamp_seconds == 2 * day);
    REQUIRE(r.history.size() == 5);
    CHECK(r.history.entered[1] == jan1 + 4 * day); // a's lead entry, at its suspect entry's time
    CHECK(r.history.entered[2] == jan1 + 5 * day);

    const std::string deals = "opportunity_id,deal_stage,engage_date,close_date,close_value\n"
                              "d1,Won,2017-01-10,2017-01-07,100\n" // won 3 days before its first contact
                              "d2,Lost,2017-01-10,2017-01-20,0\n"
                              "d3,Won,2017-02-01,2017-01-01,5\n";  // 31 days back
    snapshot_options so;
    so.csv.errors = error_mode::collect;
    CHECK(read_deal_snapshot(deals, snapshot_funnel(), so).rejected.size() == 2);
    so.csv.on_backwards = backwards_time::clamp;
    const auto s = read_deal_snapshot(deals, snapshot_funnel(), so);
    CHECK(s.rejected.empty());
    CHECK(s.clamped == 2);
    CHECK(s.max_clamp_seconds == 31 * day);
    // d1 closes at its start: a cycle of 0 days.
    const journeys j(s.history, snapshot_funnel());
    const auto t = compute_timing(j, *latest_entry(s.history));
    auto closed = t.to_close().closed;
    std::sort(closed.begin(), closed.end());
    CHECK(closed == std::vector<std::int64_t>{0, 0, 10 * day});
}

TEST_CASE("funnel import: a deal snapshot becomes a history with undated entries") {
    const std::string text = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
                             "d1,Ann,GTX,Acme,Won,2017-01-02,2017-02-01,1000\n"
                             "d2,Ann,MG,,Lost,2017-01-05,2017-01-20,0\n"
                             "d3,Bob,GTX,Acme,Engaging,2017-01-10,,\n"
                             "d4,Bob,MG,,Prospecting,,,\n"
                             "d5,Bob,GTX,Beta,Won,,2017-03-01,500\n";
    const funnel& f = snapshot_funnel();
    const auto r = read_deal_snapshot(text, f);
    CHECK(r.rows_read == 5);
    CHECK(r.rejected.empty());
    // Paths: d1 prospecting·engaging·won, d2 prospecting·engaging·lost, d3 prospecting·engaging, d4 prospecting,
    // d5 prospecting·engaging·won: 3 + 3 + 2 + 1 + 3 = 12 entries. Undated: every prospecting entry (5) and d5's
    // engaging entry (no engage date).
    REQUIRE(r.history.size() == 12);
    CHECK(r.undated == std::vector<std::size_t>{5, 1, 0, 0});
    CHECK(r.history[0].entered == from_seconds(missing_time));
    CHECK(r.history[1].entered == from_seconds(at("2017-01-02")));
    CHECK(r.history[2].stage == "won");
    CHECK(r.history[2].value == 1000.0);
    CHECK_FALSE(r.history[1].value.has_value());
    CHECK(r.attributes.columns.size() == 3); // sales_agent, product, account

    const journeys j(r.history, f);
    const auto seller = make_key(j, r.attributes, "sales_agent");
    const auto conv = compute_conversion(j, &seller);
    const auto all = conv.total();
    // prospecting: 5 entered, 4 reached engaging (d1, d2, d3, d5), d4 stays.
    CHECK(all.stages[0] == stage_counts{5, 4, 0, 0, 1, 2});
    // engaging: 4 entered; d1, d5 won (converted), d2 lost (dropped), d3 stays.
    CHECK(all.stages[1] == stage_counts{4, 2, 0, 1, 1, 2});
    CHECK(conv.groups().at("Ann").won_leads == 1);
    CHECK(conv.groups().at("Ann").leads == 2);
    CHECK(conv.groups().at("Bob").won_leads == 1);
    CHECK(conv.groups().at("Bob").leads == 3);

    // Cycles: d1 2017-01-02 → 02-01 = 30 days, d2 01-05 → 01-20 = 15 days; d3 open from 01-10, censored at
    // as_of 2017-04-01 (= 81 days); d4 has no date at all and d5 closes at its first date: both unknown.
    const auto t = compute_timing(j, from_seconds(at("2017-04-01")));
    CHECK(t.to_close().closed.size() == 2);
    CHECK(t.to_close().summary().mean == doctest::Approx(22.5 * day));
    CHECK(t.to_close().censored == std::vector<std::int64_t>{81 * day});
    CHECK(t.to_close().unknown == 2);

    SUBCASE("inconsistent rows are refused") {
        const std::string bad = text + "d6,Bob,MG,,Prospecting,2017-01-01,,\n"  // 7: start date before engaging, col 24
                                       "d7,Bob,MG,,Engaging,2017-01-01,2017-02-01,\n" // 8: close date on an open deal, col 32
                                       "d8,Bob,MG,,Lost,2017-02-01,2017-01-01,0\n"    // 9: closes before it starts, col 28
                                       "d1,Bob,MG,,Lost,,,\n"                        // 10: d1 again, col 1
                                       "d9,Bob,MG,,Demo,,,\n";                       // 11: unknown stage, col 12
        snapshot_options o;
        o.csv.errors = error_mode::collect;
        const auto s = read_deal_snapshot(bad, f, o, "p.csv");
        REQUIRE(s.rejected.size() == 5);
        const std::vector<std::pair<std::size_t, std::size_t>> places{{7, 24}, {8, 32}, {9, 28}, {10, 1}, {11, 12}};
        for (std::size_t i = 0; i < places.size(); ++i) {
            CAPTURE(i);
            CHECK(s.rejected[i].where.line == places[i].first);
            CHECK(s.rejected[i].where.column == places[i].second);
        }
        CHECK(s.rejected[3].reason.find("first on line 2") != std::string::npos);
        CHECK(s.history.size() == 12);
        CHECK(message_of<input_error>([&] { (void)read_deal_snapshot(bad, f, {}, "p.csv"); }).starts_with("p.csv:7:24"));
    }
    SUBCASE("definitions") {
        snapshot_options o;
        o.start_stage = "won";
        CHECK_THROWS_AS((void)read_deal_snapshot(text, f, o), definition_error);
        o.start_stage = "nowhere";
        CHECK_THROWS_AS((void)read_deal_snapshot(text, f, o), definition_error);
        snapshot_options p;
        p.close_column = "closed_on";
        CHECK(message_of<input_error>([&] { (void)read_deal_snapshot(text, f, p); }).find("no column 'closed_on'") !=
              std::string::npos);
    }
}

TEST_CASE("funnel import: a funnel file") {
    const auto f = read_funnel("stage,kind\nNew,open\nQualified,open\nWon,won\nLost,lost\n");
    REQUIRE(f.size() == 4);
    CHECK(f[1] == stage{"Qualified", stage_kind::open});
    CHECK(f[2].kind == stage_kind::won);
    CHECK(read_funnel("a,open\nb,won\n").size() == 2); // the header is optional
    CHECK(message_of<input_error>([] { (void)read_funnel("a,open\nb,winner\n", "f.csv"); })
              .starts_with("f.csv:2:3 (field 'kind'): unknown stage kind 'winner'"));
    CHECK(message_of<definition_error>([] { (void)read_funnel("a,open\nb,lost\n", "f.csv"); })
              .find("no won stage") != std::string::npos);
    CHECK_THROWS_AS((void)read_funnel(""), input_error);
}

TEST_CASE("funnel import: the CSV rules every reader of the library shares") {
    const auto f = funnel::standard();
    SUBCASE("a quote inside an unquoted cell is text") {
        const auto r = read_history("lead_id,stage,entered_at,owner\nx,suspect,2026-01-01,O\"Brien\n", f);
        REQUIRE(r.rejected.empty());
        REQUIRE(r.attributes.columns.size() == 1);
        CHECK(r.attributes.columns[0].values[0] == "O\"Brien");
    }
    SUBCASE("columns on line 1 count after a byte order mark") {
        // "lead_id,stage," is 14 bytes: the second stage column starts at byte 15 after the mark.
        CHECK(message_of<input_error>([&] { (void)read_history("\xEF\xBB\xBFlead_id,stage,Stage,entered_at\n", f); })
                  .find(":1:15: column 'Stage' appears twice") != std::string::npos);
        CHECK(message_of<input_error>([] { (void)read_funnel("\xEF\xBB\xBF" "a,open,x\n", "f.csv"); })
                  .starts_with("f.csv:1:8: 3 fields"));
    }
    SUBCASE("the delimiter is detected on the first line that is not blank") {
        history_options o;
        o.errors = error_mode::collect;
        const auto r = read_history("\n\r\nlead_id;stage;entered_at\nx;suspect;2026-01-01\ny;demo;2026-01-02\n", f, o);
        CHECK(r.history.size() == 1);
        REQUIRE(r.rejected.size() == 1);
        CHECK(r.rejected[0].where.line == 5); // two blank lines, the header, the first row
        CHECK(r.rejected[0].where.column == 3);
        CHECK(read_funnel("\nstage;kind\na;open\nb;won\n").size() == 2);
    }
    SUBCASE("a wrong field count names the line of the cell it points at") {
        // Line 3 is `y",suspect`: the row's last cell starts at byte 4 of it.
        history_options o;
        o.errors = error_mode::collect;
        const auto r = read_history("lead_id,stage,entered_at,note\n\"x\ny\",suspect\n", f, o);
        REQUIRE(r.rejected.size() == 1);
        CHECK(r.rejected[0].where.line == 3);
        CHECK(r.rejected[0].where.column == 4);
        CHECK(r.rejected[0].reason == "2 fields, but the header has 4");
        CHECK(message_of<input_error>([] { (void)read_funnel("\"a\nb\",winner\n", "f.csv"); })
                  .starts_with("f.csv:2:4 (field 'kind'): unknown stage kind 'winner'"));
    }
    SUBCASE("the first faulty cell is reported; in one cell, a misplaced quote before invalid UTF-8") {
        CHECK(message_of<input_error>([&] {
                  (void)read_history("lead_id,stage,entered_at\nx\xff,\"suspect\"z,2026-01-01\n", f, {}, "u.csv");
              }).starts_with("u.csv:2:1: invalid UTF-8"));
        CHECK(message_of<input_error>([&] {
                  (void)read_history("lead_id,stage,entered_at\n\"x\xff\"z,suspect,2026-01-01\n", f, {}, "s.csv");
              }).starts_with("s.csv:2:5: text after the closing quote"));
    }
    SUBCASE("missing files are named") {
        const auto m = message_of<input_error>([&] { (void)read_history_file("no/such/history.csv", f); });
        CHECK(m.starts_with("no/such/history.csv"));
        CHECK(m.find("cannot open the file") != std::string::npos);
        CHECK(message_of<input_error>([] { (void)read_funnel_file("no/such/funnel.csv"); })
                  .starts_with("no/such/funnel.csv"));
        CHECK(message_of<input_error>([] { (void)read_deal_snapshot_file("no/such/deals.csv", snapshot_funnel()); })
                  .starts_with("no/such/deals.csv"));
    }
}

TEST_CASE("funnel import: write_history writes what read_history reads back") {
    const auto h = make_history({{"a", "suspect", 0, no_value, "web"},
                                 {"b \"the\" lead", "lead", 1},
                                 {"a", "won", 4, 1200.5, "web, paid"}});
    // Lead a's won entry at 10:00 (make_history dates entries at midnight).
    stage_history timed = h;
    timed.entered[2] += 10 * 3600;
    lead_attributes attributes;
    attributes.columns.push_back({"team", {}, {}});
    auto& team = attributes.columns[0];
    team.codes = {team.values.intern("north"), missing_code}; // a, then b
    const std::string expected = "lead_id,stage,entered_at,value,source,team\n"
                                 "a,suspect,2026-01-01,,web,north\n"
                                 "\"b \"\"the\"\" lead\",lead,2026-01-02,,,\n"
                                 "a,won,2026-01-05T10:00:00Z,1200.5,\"web, paid\",north\n";
    std::ostringstream out;
    write_history(out, timed, attributes);
    CHECK(out.str() == expected);

    const auto back = read_history(out.str(), funnel::standard());
    CHECK(back.rejected.empty());
    CHECK(back.history == timed);
    REQUIRE(back.attributes.columns.size() == 1);
    const auto& t = back.attributes.columns[0];
    CHECK(t.name == "team");
    REQUIRE(t.codes.size() == 2);
    CHECK(t.values[t.codes[*back.history.lead_ids.find("a")]] == "north");
    CHECK(t.codes[*back.history.lead_ids.find("b \"the\" lead")] == missing_code);

    std::ostringstream semi;
    write_history(semi, timed, attributes, ';');
    CHECK(semi.str().find("a;won;2026-01-05T10:00:00Z;1200.5;web, paid;north\n") != std::string::npos);
    CHECK(read_history(semi.str(), funnel::standard()).history == timed);

    // A name with more semicolons than the header has commas would sway the delimiter detection: it is quoted.
    lead_attributes odd = attributes;
    odd.columns[0].name = "a;b;c;d;e;f;g";
    std::ostringstream quoted;
    write_history(quoted, timed, odd);
    CHECK(quoted.str().starts_with("lead_id,stage,entered_at,value,source,\"a;b;c;d;e;f;g\"\n"));
    CHECK(read_history(quoted.str(), funnel::standard()).attributes.columns.at(0).name == "a;b;c;d;e;f;g");

    std::ostringstream sink;
    CHECK_THROWS_AS(write_history(sink, timed, {}, '|'), definition_error);
    lead_attributes short_codes = attributes;
    short_codes.columns[0].codes.pop_back();
    CHECK_THROWS_AS(write_history(sink, timed, short_codes), definition_error);
    lead_attributes clash = attributes;
    clash.columns[0].name = "Stage";
    CHECK_THROWS_AS(write_history(sink, timed, clash), definition_error);
}

TEST_CASE("funnel conversion: the hand-worked example") {
    const auto h = five_leads();
    const journeys j(h, funnel::standard());
    conversion_options o;
    o.window = std::chrono::days{3};
    const auto conv = compute_conversion(j, nullptr, o);
    const auto all = conv.total();
    CHECK(all.leads == 5);
    CHECK(all.won_leads == 1);
    // {entered, converted, converted within 3 days, dropped, stayed, won}
    // suspect: A, B, C, E entered; A→lead (2 d), B→lead (2 d), C→mql (6 d) converted; E rejected: dropped.
    CHECK(all.stages[0] == stage_counts{4, 3, 2, 1, 0, 1});
    // lead: A, B, D; A→mql (3 d), D→sql (2 d); B lost: dropped.
    CHECK(all.stages[1] == stage_counts{3, 2, 2, 1, 0, 1});
    // mql: A→won (5 d, outside the window); C and D end there: stayed.
    CHECK(all.stages[2] == stage_counts{3, 1, 0, 0, 2, 1});
    // sql: D moved back to mql: dropped, not converted.
    CHECK(all.stages[3] == stage_counts{1, 0, 0, 1, 0, 0});
    CHECK(all.stages[4] == stage_counts{});
    CHECK(all.stages[5] == stage_counts{1, 0, 0, 0, 1, 1}); // won
    CHECK(all.stages[6] == stage_counts{1, 0, 0, 0, 1, 0}); // lost
    CHECK(all.stages[7] == stage_counts{1, 0, 0, 0, 1, 0}); // rejected
    CHECK(all.stages[0].conversion_rate() == doctest::Approx(0.75));
    CHECK(all.stages[0].window_conversion_rate() == doctest::Approx(0.5));
    CHECK(all.stages[1].drop_off_rate() == doctest::Approx(1.0 / 3));
    CHECK(all.stages[2].closed_conversion_rate() == doctest::Approx(1.0)); // 1 / (1 + 0)
    CHECK(all.stages[2].win_rate() == doctest::Approx(1.0 / 3));
    CHECK(all.overall_conversion() == doctest::Approx(0.2));
    CHECK(all.reached(2, 0) == doctest::Approx(0.75)); // 3 of 4 suspects' count reached mql
    CHECK(std::isnan(all.stages[4].conversion_rate()));

    SUBCASE("by first source") {
        // First sources: A webinar, B referral, C webinar, D referral, E none.
        const auto key = key_by_source(j);
        const auto by = compute_conversion(j, &key);
        REQUIRE(by.groups().size() == 3);
        CHECK(by.groups().at("webinar").leads == 2);
        CHECK(by.groups().at("webinar").won_leads == 1);
        CHECK(by.groups().at("referral").leads == 2);
        CHECK(by.groups().at(std::string(no_label)).leads == 1);
        CHECK(by.groups().at("referral").stages[1] == stage_counts{2, 1, 0, 1, 0, 0}); // B dropped, D converted
        auto sum = by.total();
        for (auto& s : sum.stages) s.converted_in_window = 0; // no window in the breakdown
        auto whole = conv.total();
        for (auto& s : whole.stages) s.converted_in_window = 0;
        CHECK(sum == whole);
    }
    SUBCASE("misuse") {
        CHECK_THROWS_AS(conversion_accumulator(funnel::standard(), {std::chrono::seconds{-1}}), definition_error);
        conversion_accumulator acc(snapshot_funnel());
        CHECK_THROWS_AS(acc.add(j), definition_error);
        lead_key short_key{"k", {"x"}, {0}};
        conversion_accumulator acc2(funnel::standard());
        CHECK_THROWS_AS(acc2.add(j, &short_key), definition_error);
        conversion_accumulator windowed(funnel::standard(), o);
        CHECK_THROWS_AS(acc2.merge(windowed), definition_error);
    }
}

TEST_CASE("funnel timing: Kaplan–Meier against a hand computation") {
    // Durations 2, 3, 3, 5, 8 ended; 3, 4, 6 still running (censored).
    // t=2: 8 at risk, 1 ends → S = 7/8.
    // t=3: 7 at risk (3, 3, 5, 8 and 3, 4, 6: censored at 3 is still at risk), 2 end → S = 7/8 · 5/7 = 5/8.
    // t=5: 3 at risk (5, 8 and 6), 1 ends → S = 5/8 · 2/3 = 5/12.
    // t=8: 1 at risk, 1 ends → S = 0.
    const std::vector<std::int64_t> ended{8, 3, 2, 5, 3}, running{6, 3, 4};
    const auto km = kaplan_meier(ended, running);
    REQUIRE(km.steps.size() == 4);
    CHECK(km.steps[0] == survival_step{2, 8, 1, 7.0 / 8});
    CHECK(km.steps[1].at_risk == 7);
    CHECK(km.steps[1].events == 2);
    CHECK(km.steps[1].survival == doctest::Approx(5.0 / 8).epsilon(1e-15));
    CHECK(km.steps[2].at_risk == 3);
    CHECK(km.steps[2].survival == doctest::Approx(5.0 / 12).epsilon(1e-15));
    CHECK(km.steps[3].survival == 0.0);
    CHECK(km.events == 5);
    CHECK(km.censored == 3);
    // Median: the first time S ≤ 1/2 is 5 (S(3) = 5/8 > 1/2). The naive median of the ended durations is 3.
    CHECK(km.median() == 5);
    CHECK(summarize(ended).median == 3.0);
    CHECK(km.quantile(0.25) == 3); // S(3) = 5/8 ≤ 3/4
    CHECK(km.survival_at(1) == 1.0);
    CHECK(km.survival_at(4) == doctest::Approx(5.0 / 8));
    CHECK_FALSE(kaplan_meier(std::vector<std::int64_t>{1}, std::vector<std::int64_t>{5, 6}).median().has_value());
    CHECK_THROWS_AS((void)kaplan_meier(std::vector<std::int64_t>{-1}, {}), definition_error);
}

TEST_CASE("funnel timing: summary statistics") {
    // Sorted 1, 2, 4, 7, 10 (n = 5): percentile q sits at h = 4q. p10: h = 0.4 → 1 + 0.4·1 = 1.4; p25: h = 1 → 2;
    // median h = 2 → 4; p75: h = 3 → 7; p90: h = 3.6 → 7 + 0.6·3 = 8.8. Mean 24 / 5 = 4.8.
    const std::vector<std::int64_t> d{10, 4, 1, 7, 2};
    const auto s = summarize(d);
    CHECK(s.count == 5);
    CHECK(s.mean == doctest::Approx(4.8));
    CHECK(s.p10 == doctest::Approx(1.4));
    CHECK(s.p25 == 2.0);
    CHECK(s.median == 4.0);
    CHECK(s.p75 == 7.0);
    CHECK(s.p90 == doctest::Approx(8.8));
    CHECK(s.min == 1.0);
    CHECK(s.max == 10.0);
    CHECK(std::isnan(summarize({}).mean));
    CHECK(summarize(std::vector<std::int64_t>{4, 6}).median == 5.0);
}

TEST_CASE("funnel timing: time in stage and sales cycle of the hand-worked example") {
    const auto h = five_leads();
    const journeys j(h, funnel::standard());
    const auto t = compute_timing(j, from_seconds(jan1 + 20 * day));
    const auto days = [](std::vector<std::int64_t> v) {
        std::sort(v.begin(), v.end());
        for (auto& x : v) x /= day;
        return v;
    };
    // suspect: A 0→2, B 1→3, C 0→6, E 2→2 (rejected at once).
    CHECK(days(t.in_stage(0).closed) == std::vector<std::int64_t>{0, 2, 2, 6});
    // lead: A 2→5, B 3→4, D 1→3.
    CHECK(days(t.in_stage(1).closed) == std::vector<std::int64_t>{1, 2, 3});
    // mql: A 5→10; C (since 6) and D (since 7) are still there at day 20: censored at 14 and 13.
    CHECK(days(t.in_stage(2).closed) == std::vector<std::int64_t>{5});
    CHECK(days(t.in_stage(2).censored) == std::vector<std::int64_t>{13, 14});
    CHECK(days(t.in_stage(3).closed) == std::vector<std::int64_t>{4}); // D 3→7
    CHECK(t.in_stage(5).closed.empty());                                 // won ends a journey
    CHECK(t.in_stage(5).censored.empty());
    // Cycle to close: A 0→10, B 1→4, E 2→2 closed; C (from 0) and D (from 1) open: censored at 20 and 19.
    CHECK(days(t.to_close().closed) == std::vector<std::int64_t>{0, 3, 10});
    CHECK(days(t.to_close().censored) == std::vector<std::int64_t>{19, 20});
    CHECK(days(t.to_won().closed) == std::vector<std::int64_t>{10});
    // Kaplan–Meier of the cycle: S(0) = 4/5, S(3) = 4/5 · 3/4 = 3/5, S(10) = 3/5 · 2/3 = 2/5 → median 10 days,
    // where the naive median of the closed cycles (0, 3, 10) is 3 days.
    const auto km = t.to_close().survival();
    CHECK(km.median() == 10 * day);
    CHECK(km.survival_at(5 * day) == doctest::Approx(0.6));
    CHECK(t.to_close().summary().median == 3.0 * day);

    CHECK_THROWS_AS((void)compute_timing(j, from_seconds(jan1 + 9 * day)), definition_error); // A won on day 10
    CHECK(message_of<definition_error>([&] { (void)compute_timing(j, from_seconds(jan1 + 9 * day)); })
              .find("lead 'A', stage 'won'") != std::string::npos);
    CHECK(latest_entry(h) == from_seconds(jan1 + 10 * day));
}

TEST_CASE("funnel kpi: volume, win rate, deal size, cycle, open opportunities, velocity, retention") {
    // A: suspect 01-05, mql 01-20, won 02-04 (1000)                      deal: 30 days
    // B: suspect 01-10, lost 03-01
    // F: suspect 01-25, opportunity 02-10, won 03-05 (2500.50)            deal: 39 days
    //    opportunity 03-20, won 04-02 (499.99)                            repeat deal: 13 days
    // G: suspect 02-15, sql 03-10                                         open
    stage_history h;
    const auto add = [&](const char* lead, const char* stage, const char* when, std::optional<double> v = {},
                         const char* source = "") {
        h.append({lead, stage, from_seconds(at(when)), v, source});
    };
    add("A", "suspect", "2026-01-05", {}, "webinar");
    add("A", "mql", "2026-01-20");
    add("A", "won", "2026-02-04", 1000);
    add("B", "suspect", "2026-01-10", {}, "webinar");
    add("B", "lost", "2026-03-01");
    add("F", "suspect", "2026-01-25", {}, "referral");
    add("F", "opportunity", "2026-02-10");
    add("F", "won", "2026-03-05", 2500.50);
    add("F", "opportunity", "2026-03-20");
    add("F", "won", "2026-04-02", 499.99);
    add("G", "suspect", "2026-02-15");
    add("G", "sql", "2026-03-10");
    const journeys j(h, funnel::standard());
    const auto as_of = from_seconds(at("2026-04-10"));
    const auto key = key_by_source(j);
    kpi_accumulator k(funnel::standard(), as_of);
    k.add(j, &key);

    const auto months = k.by_period();
    REQUIRE(months.size() == 4);
    const auto jan = 672, feb = 673, mar = 674, apr = 675; // months since 1970-01
    CHECK(months[0].first == jan);
    CHECK(k.period_name(jan) == "2026-01");
    // January: A, B, F are new (A and F win later); open at the month's end: A (mql), B and F (suspect).
    CHECK(months[0].second == kpi_counts{3, 2, 0, 0, 0, 0, 0, 0, 3});
    // February: G new; A won 1000 after 30 days; open at the end: B, F, G.
    CHECK(months[1].first == feb);
    CHECK(months[1].second == kpi_counts{1, 0, 1, 0, 100000, 1, 30 * day, 1, 3});
    // March: F won 2500.50 after 39 days, B lost; open at the end: G (sql) and F's second deal.
    CHECK(months[2].first == mar);
    CHECK(months[2].second == kpi_counts{0, 0, 1, 1, 250050, 1, 39 * day, 1, 2});
    // April (to as_of): F won 499.99 after 13 days; open at as_of: G.
    CHECK(months[3].first == apr);
    CHECK(months[3].second == kpi_counts{0, 0, 1, 0, 49999, 1, 13 * day, 1, 1});

    const auto all = k.total();
    CHECK(all == kpi_counts{4, 2, 3, 1, 400049, 3, 82 * day, 3, 1});
    CHECK(all.revenue() == doctest::Approx(4000.49));
    CHECK(all.average_deal() == doctest::Approx(4000.49 / 3));
    CHECK(all.win_rate() == doctest::Approx(0.75));
    CHECK(all.lead_conversion() == doctest::Approx(0.5));
    CHECK(all.cycle_days() == doctest::Approx(82.0 / 3));
    CHECK(all.velocity() == doctest::Approx(1 * (4000.49 / 3) * 0.75 / (82.0 / 3)));

    // By first source: webinar A, B; referral F; G has none. Open at as_of: G only.
    const auto by = k.by_label();
    REQUIRE(by.size() == 3);
    CHECK(by[0].first == std::string(no_label));
    CHECK(by[0].second == kpi_counts{1, 0, 0, 0, 0, 0, 0, 0, 1});
    CHECK(by[1].first == "referral");
    CHECK(by[1].second == kpi_counts{1, 1, 2, 0, 300049, 2, 52 * day, 2, 0});
    CHECK(by[2].first == "webinar");
    CHECK(by[2].second == kpi_counts{2, 1, 1, 1, 100000, 1, 30 * day, 1, 0});

    // Retention: A won once, F twice → 2 customers, 1 repeat.
    CHECK(k.customer_retention() == retention{2, 1});
    CHECK(k.customer_retention().rate() == doctest::Approx(0.5));

    SUBCASE("quarters") {
        kpi_accumulator q(funnel::standard(), as_of, by_period(period::quarter));
        q.add(j);
        const auto quarters = q.by_period();
        REQUIRE(quarters.size() == 2);
        CHECK(q.period_name(quarters[0].first) == "2026-Q1");
        // Q1: 4 new, A and F's first deal won, B lost; open at 03-31: G and F's second deal.
        CHECK(quarters[0].second == kpi_counts{4, 2, 2, 1, 350050, 2, 69 * day, 2, 2});
        CHECK(quarters[1].second == kpi_counts{0, 0, 1, 0, 49999, 1, 13 * day, 1, 1});
    }
    SUBCASE("opportunities from a stage on") {
        // From sql on: only G (sql since 03-10) and F's deals while at opportunity.
        // Jan end: none. Feb end: F (opportunity since 02-10). Mar end: G and F's second deal. As of 04-10: G.
        kpi_accumulator q(funnel::standard(), as_of, by_period(period::month, "sql"));
        q.add(j);
        const auto m = q.by_period();
        CHECK(m[0].second.open_opportunities == 0);
        CHECK(m[1].second.open_opportunities == 1);
        CHECK(m[2].second.open_opportunities == 2);
        CHECK(m[3].second.open_opportunities == 1);
        CHECK_THROWS_AS(kpi_accumulator(funnel::standard(), as_of, by_period(period::month, "won")), definition_error);
    }
    SUBCASE("customers by account") {
        // A and F are the same account: three wins for one customer; G has no account (its own customer).
        lead_key account{"account", {"acme"}, {0, missing_code, 0, missing_code}};
        kpi_accumulator q(funnel::standard(), as_of);
        q.add(j, nullptr, &account);
        CHECK(q.customer_retention() == retention{1, 1});
        CHECK(q.wins_by_customer().at("acme") == 3);
    }
    SUBCASE("as_of before an entry") {
        kpi_accumulator q(funnel::standard(), from_seconds(at("2026-03-31")));
        CHECK_THROWS_AS(q.add(j), definition_error);
    }
}

TEST_CASE("funnel cohorts: entry month × age") {
    // Same leads as the KPI case: January cohort A, B, F (A wins in February: age 1; F in March: age 2);
    // February cohort G (no win). Observed at 2026-04-10: January is 3 months old, February 2.
    stage_history h;
    for (const auto& [lead, stage, when] : std::vector<std::tuple<const char*, const char*, const char*>>{
             {"A", "suspect", "2026-01-05"}, {"A", "won", "2026-02-04"}, {"B", "suspect", "2026-01-10"},
             {"B", "lost", "2026-03-01"},    {"F", "suspect", "2026-01-25"}, {"F", "won", "2026-03-05"},
             {"F", "won", "2026-04-02"},     {"G", "suspect", "2026-02-15"}})
        h.append({lead, stage, from_seconds(at(when)), {}, ""});
    h.append({"U", "suspect", from_seconds(missing_time), {}, ""}); // undated: in no cohort
    const journeys j(h, funnel::standard());
    cohort_accumulator c(period::month, from_seconds(at("2026-04-10")));
    c.add(j);
    REQUIRE(c.cohorts().size() == 2);
    const auto& jan = c.cohorts().at(672);
    CHECK(jan.leads == 3);
    CHECK(jan.won_at_age == std::vector<std::uint64_t>{0, 1, 1});
    CHECK(jan.converted_by(0) == 0.0);
    CHECK(jan.converted_by(1) == doctest::Approx(1.0 / 3));
    CHECK(jan.converted_by(5) == doctest::Approx(2.0 / 3));
    CHECK(c.cohorts().at(673).leads == 1);
    CHECK(c.cohorts().at(673).won_at_age.empty());
    CHECK(c.observed_age(672) == 3);
    CHECK(c.observed_age(673) == 2);
    CHECK(c.undated_leads() == 1);
    // Conversion broken down by cohort uses the same entry periods.
    const auto key = key_by_entry_period(j, period::month);
    CHECK(key.labels == std::vector<std::string>{"2026-01", "2026-02"});
    CHECK(key.code.back() == missing_code);
}

TEST_CASE("funnel merge: every accumulator over two lead partitions equals the whole") {
    generator_options g;
    g.leads = 3000;
    g.seed = 11;
    g.events = false;
    const auto crm = generate_crm(g);
    const auto& whole = crm.history;
    const auto [a, b] = split_by_lead(whole);
    REQUIRE(a.size() + b.size() == whole.size());
    REQUIRE(a.size() > 0);
    REQUIRE(b.size() > 0);
    const funnel& f = funnel::standard();
    const journeys jw(whole, f), ja(a, f), jb(b, f);
    const auto as_of = crm.horizon;
    const auto kw = key_by_source(jw), ka = key_by_source(ja), kb = key_by_source(jb);

    SUBCASE("conversion") {
        conversion_options o;
        o.window = std::chrono::days{30};
        const auto whole_acc = compute_conversion(jw, &kw, o);
        const auto merged = merge(compute_conversion(ja, &ka, o), compute_conversion(jb, &kb, o));
        CHECK(merged == whole_acc);
        CHECK(whole_acc.total().leads == whole.lead_ids.size());
        CHECK(whole_acc.groups().size() > 10);
        // The same on one thread and on two, and over lead ranges of one journeys object.
        o.threads = 1;
        const auto one = compute_conversion(jw, &kw, o);
        CHECK(one == whole_acc);
        conversion_accumulator ranges(f, o);
        ranges.add(jw, &kw, 0, 1000);
        ranges.add(jw, &kw, 1000, jw.leads());
        CHECK(ranges == whole_acc);
    }
    SUBCASE("timing") {
        const auto whole_acc = compute_timing(jw, as_of);
        const auto merged = merge(compute_timing(ja, as_of), compute_timing(jb, as_of));
        CHECK(merged == whole_acc);
        CHECK(merged.to_close().summary().median == whole_acc.to_close().summary().median);
        CHECK(merged.to_close().survival().steps == whole_acc.to_close().survival().steps);
        CHECK(whole_acc.to_close().censored.size() > 0);
        CHECK(compute_timing(jw, as_of, {1}) == whole_acc);
        CHECK_THROWS_AS((void)merge(compute_timing(ja, as_of), compute_timing(jb, as_of + std::chrono::seconds{1})),
                        definition_error);
    }
    SUBCASE("kpi") {
        for (const auto p : {period::month, period::quarter}) {
            kpi_accumulator w(f, as_of, by_period(p)), x(f, as_of, by_period(p)), y(f, as_of, by_period(p));
            w.add(jw, &kw);
            x.add(ja, &ka);
            y.add(jb, &kb);
            CHECK(merge(x, y) == w);
            CHECK(w.total().won > 0);
            CHECK(w.total().open_opportunities > 0);
            kpi_accumulator one(f, as_of, by_period(p, "", 1));
            one.add(jw, &kw);
            CHECK(one == w);
        }
    }
    SUBCASE("cohorts") {
        cohort_accumulator w(period::month, as_of), x(period::month, as_of), y(period::month, as_of);
        w.add(jw);
        x.add(ja);
        y.add(jb);
        CHECK(merge(x, y) == w);
        CHECK(w.cohorts().size() == 12); // leads are captured over 365 days from 2026-01-01
    }
}

TEST_CASE("funnel timing: the naive cycle estimate against Kaplan–Meier on generated data") {
    // The same seed observed at the end of capture (many leads still open) and 20 years later (every lead closed,
    // so the closed cycles are the truth). The generator draws a lead's cycle whatever the horizon.
    generator_options g;
    g.leads = 4000;
    g.seed = 5;
    g.events = false;
    const auto early = generate_crm(g);
    g.follow_up_days = 7300;
    const auto late = generate_crm(g);
    const funnel& f = funnel::standard();
    const journeys je(early.history, f), jl(late.history, f);
    const auto te = compute_timing(je, early.horizon);
    const auto tl = compute_timing(jl, late.horizon);
    REQUIRE(tl.to_close().censored.empty());
    REQUIRE(te.to_close().censored.size() > 500);
    const double truth = tl.to_close().summary().median;
    const double naive = te.to_close().summary().median;
    const auto km = te.to_close().survival().median();
    REQUIRE(km.has_value());
    // Open leads are the slow ones, so dropping them biases the naive median low; Kaplan–Meier counts them.
    CHECK(naive < 0.95 * truth);
    CHECK(std::abs(static_cast<double>(*km) - truth) < 0.1 * truth);
    CHECK(std::abs(static_cast<double>(*km) - truth) < std::abs(naive - truth) / 2);
    MESSAGE("cycle median (days): truth " << truth / day << ", naive " << naive / day << ", Kaplan-Meier "
                                          << static_cast<double>(*km) / day);
}

TEST_CASE("funnel threads: the same results on one thread and on two") {
    // Large enough (about 190 k entries) that every accumulator splits the leads between two threads.
    generator_options g;
    g.leads = 40000;
    g.seed = 21;
    g.events = false;
    const auto crm = generate_crm(g);
    const funnel& f = funnel::standard();
    const journeys j(crm.history, f);
    const auto key = key_by_source(j);
    conversion_options c1, c2;
    c1.threads = 1;
    c2.threads = 2;
    c1.window = c2.window = std::chrono::days{14};
    CHECK(compute_conversion(j, &key, c1) == compute_conversion(j, &key, c2));
    const auto t1 = compute_timing(j, crm.horizon, {1}), t2 = compute_timing(j, crm.horizon, {2});
    CHECK(t1 == t2);
    CHECK(t1.to_close().closed == t2.to_close().closed); // blocks are concatenated in lead order
    kpi_accumulator k1(f, crm.horizon, by_period(period::month, "", 1)), k2(f, crm.horizon, by_period(period::month, "", 2));
    k1.add(j, &key);
    k2.add(j, &key);
    CHECK(k1 == k2);
    cohort_accumulator h1(period::quarter, crm.horizon, 1), h2(period::quarter, crm.horizon, 2);
    h1.add(j);
    h2.add(j);
    CHECK(h1 == h2);

    SUBCASE("asked for two threads inside the caller's own parallel region") {
        // A nested region gets a team of one unless the caller enables nesting, so the work asked of two threads
        // is done by one: every lead must still be counted.
        std::optional<decltype(compute_conversion(j, &key, c2))> conversion;
        std::optional<decltype(compute_timing(j, crm.horizon, {2}))> timing;
        kpi_accumulator k(f, crm.horizon, by_period(period::month, "", 2));
        cohort_accumulator h(period::quarter, crm.horizon, 2);
#pragma omp parallel num_threads(2)
        {
#pragma omp single
            {
                conversion = compute_conversion(j, &key, c2);
                timing = compute_timing(j, crm.horizon, {2});
                k.add(j, &key);
                h.add(j);
            }
        }
        CHECK(*conversion == compute_conversion(j, &key, c1));
        CHECK(*timing == t1);
        CHECK(k == k1);
        CHECK(h == h1);
    }
}

TEST_CASE("funnel import: damaged files give input errors or rejected rows, never a crash") {
    // Every prefix of a valid file, and the file with each byte replaced by a troublesome one, read in both modes.
    const std::string good = "lead_id,stage,entered_at,value,source,team\n"
                             "a,suspect,2026-01-01,,\"web, paid\",north\n"
                             "a,won,2026-01-05T10:00:00Z,12.5,web,north\n"
                             "b,suspect,2026-01-02,,,\n";
    const std::string snapshot = "opportunity_id,deal_stage,engage_date,close_date,close_value,owner\n"
                                 "d1,Won,2017-01-02,2017-02-01,10,x\n"
                                 "d2,Prospecting,,,,y\n";
    std::size_t refused = 0;
    const auto attempt = [&](const std::string& text, bool is_snapshot) {
        for (const auto mode : {error_mode::fail_fast, error_mode::collect}) {
            try {
                if (is_snapshot) {
                    snapshot_options o;
                    o.csv.errors = mode;
                    const auto r = read_deal_snapshot(text, snapshot_funnel(), o);
                    CHECK(r.history.size() >= r.history.lead_ids.size());
                    const journeys j(r.history, snapshot_funnel());
                    (void)compute_conversion(j);
                } else {
                    history_options o;
                    o.errors = mode;
                    const auto r = read_history(text, funnel::standard(), o);
                    const journeys j(r.history, funnel::standard());
                    (void)compute_conversion(j);
                    for (const auto& a : r.attributes.columns) CHECK(a.codes.size() == j.leads());
                }
            } catch (const input_error&) {
                ++refused;
            }
        }
    };
    for (const auto* base : {&good, &snapshot}) {
        for (std::size_t n = 0; n <= base->size(); ++n) attempt(base->substr(0, n), base == &snapshot);
        for (std::size_t i = 0; i < base->size(); ++i)
            for (const char c : {'"', ',', '\n', '\r', '\xff', ';', '\0'}) {
                std::string t = *base;
                t[i] = c;
                attempt(t, base == &snapshot);
            }
    }
    CHECK(refused > 0);
}

} // namespace test_funnel
