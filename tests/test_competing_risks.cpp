// Competing risks: the Aalen–Johansen cumulative incidence of won and of lost, against a case derived by hand and
// against R's cmprsk::cuminc and survival::survfit (fixtures written by tests/data/competing_risks/make_fixtures.R;
// the tests only read them).

#include "history_helpers.hpp"

#include "leadscore/funnel/competing_risks.hpp"
#include "leadscore/funnel/timing.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace leadscore;
using namespace history_helpers;

namespace {

/// One lead of the fixture: its group, whole days to close (or to as_of), and 0 open, 1 won, 2 lost.
struct cr_fixture_lead {
    std::string group;
    std::int64_t days = 0;
    int status = 0;
};

std::vector<std::vector<std::string>> cr_read_csv(const std::string& name) {
    std::ifstream in(std::string(LEADSCORE_TEST_DATA) + "/competing_risks/" + name);
    REQUIRE_MESSAGE(in.good(), "cannot open fixture " << name);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        rows.push_back(std::move(cells));
    }
    return rows;
}

std::vector<cr_fixture_lead> cr_fixture_leads() {
    std::vector<cr_fixture_lead> leads;
    for (const auto& r : cr_read_csv("leads.csv")) leads.push_back({r.at(0), std::stoll(r.at(1)), std::stoi(r.at(2))});
    return leads;
}

/// The fixture's times of one group, in days (as the estimator sees them: any unit will do).
competing_sample cr_group_sample(const std::vector<cr_fixture_lead>& leads, const std::string& group,
                                 std::int64_t unit) {
    competing_sample s;
    for (const auto& l : leads)
        if (l.group == group) (l.status == 0 ? s.censored : l.status == 1 ? s.won : s.lost).push_back(l.days * unit);
    return s;
}

/// The fixture as a stage history of the standard funnel: first touch in stage "lead", the close in "won", or in
/// "lost" (every third lost lead in "rejected", which closes as lost too); open leads entered as_of − days ago.
/// Leads closed on day 0 are a single closing entry (a cycle of 0).
stage_history cr_fixture_history(const std::vector<cr_fixture_lead>& leads, std::int64_t as_of_day, lead_key& key) {
    std::vector<row> rows;
    key = {"group", {}, {}};
    std::map<std::string, std::int32_t> codes;
    int lost = 0;
    for (std::size_t i = 0; i < leads.size(); ++i) {
        const auto& l = leads[i];
        const std::string id = "L" + std::to_string(i);
        if (l.status == 0) {
            rows.push_back({id, "lead", as_of_day - l.days});
        } else {
            const char* close = l.status == 1 ? "won" : (++lost % 3 == 0 ? "rejected" : "lost");
            if (l.days != 0) rows.push_back({id, "lead", 10});
            rows.push_back({id, close, 10 + l.days});
        }
        const auto [it, added] = codes.emplace(l.group, static_cast<std::int32_t>(key.labels.size()));
        if (added) key.labels.push_back(l.group);
        key.code.push_back(it->second);
    }
    return make_history(rows);
}

void cr_check_against_cuminc(const incidence_curve& c, const std::string& group, std::int64_t unit) {
    std::size_t checked = 0;
    for (const auto& r : cr_read_csv("cuminc.csv")) {
        if (r.at(0) != group) continue;
        const auto p = c.at(std::stoll(r.at(2)) * unit);
        const double f = r.at(1) == "1" ? p.won_incidence : p.lost_incidence;
        const double v = r.at(1) == "1" ? p.won_variance : p.lost_variance;
        CHECK(std::abs(f - std::stod(r.at(3))) <= 1e-12);
        CHECK(std::abs(v - std::stod(r.at(4))) <= 1e-12);
        ++checked;
    }
    CHECK(checked > 0);
}

} // namespace

TEST_CASE("aalen_johansen: a case derived by hand") {
    // Ten leads (days to close; W won, L lost, C still open):
    //   1 W, 1 C, 2 L, 3 W, 3 L, 3 C, 5 C, 8 L, 8 W, 9 W
    // A lead censored at t is at risk at t. S = P(open), F = cumulative incidence, S₋ = S before the step:
    //   t=1: n=10, 1 W:      F_won = 1/10 = 0.1,              S = 9/10 = 0.9
    //   t=2: n=8,  1 L:      F_lost = 0.9·1/8 = 0.1125,       S = 0.9·7/8 = 0.7875
    //   t=3: n=7,  1 W, 1 L: F_won = 0.1 + 0.7875/7 = 0.2125, F_lost = 0.1125 + 0.1125 = 0.225, S = 0.7875·5/7 = 0.5625
    //   t=5: censoring only, no step
    //   t=8: n=3,  1 W, 1 L: F_won = 0.2125 + 0.5625/3 = 0.4,   F_lost = 0.225 + 0.1875 = 0.4125, S = 0.1875
    //   t=9: n=1,  1 W:      F_won = 0.4 + 0.1875 = 0.5875,   S = 0
    // F_won + F_lost + S = 1 at each step. 1 − KM with losses censored would give P(won by 9) = 1, not 0.5875.
    // Variance of F_won at t=3 (cmprsk's formula, see incidence_step), terms w·(…)² with w = S₋² c d / n²:
    //   t=1 (won):  w = 1/100,          (1 + (0.1 − 0.2125)/0.9)² = 0.875² = 0.765625   → 0.00765625
    //   t=2 (lost): w = 0.81/64,        ((0.1 − 0.2125)/0.7875)² = 1/49                  → 0.01265625/49
    //   t=3 (won):  w = 0.7875²/49,     (1 + 0)² = 1                                     → 0.01265625
    //   t=3 (lost): same w,             (0/0.5625)² = 0                                  → 0
    //   V_won(3) = 0.00765625 + 0.01265625/49 + 0.01265625 = 0.0205707908163265…
    // and V_won(1) = 1/100 · (1 + 0)² = 0.01.
    const std::vector<std::int64_t> won{1, 3, 8, 9}, lost{2, 3, 8}, open{1, 3, 5};
    const auto c = aalen_johansen(won, lost, open);
    REQUIRE(c.steps.size() == 5);
    CHECK(c.won == 4);
    CHECK(c.lost == 3);
    CHECK(c.censored == 3);
    CHECK(c.follow_up == 9);
    const auto longer = aalen_johansen(won, lost, std::vector<std::int64_t>{1, 3, 12});
    CHECK(longer.follow_up == 12);
    CHECK(longer.observed_at(12));
    CHECK_FALSE(longer.observed_at(13));          // the lead censored at 12 may close later
    CHECK(c.observed_at(1000));                   // every lead closed by 9: S = 0 for ever
    CHECK_FALSE(aalen_johansen({}, {}, open).observed_at(6));
    const std::int64_t times[] = {1, 2, 3, 8, 9};
    const std::uint64_t at_risk[] = {10, 8, 7, 3, 1};
    const double fw[] = {0.1, 0.1, 0.2125, 0.4, 0.5875};
    const double fl[] = {0, 0.1125, 0.225, 0.4125, 0.4125};
    const double s[] = {0.9, 0.7875, 0.5625, 0.1875, 0};
    for (std::size_t i = 0; i < 5; ++i) {
        CAPTURE(i);
        CHECK(c.steps[i].time == times[i]);
        CHECK(c.steps[i].at_risk == at_risk[i]);
        CHECK(c.steps[i].won_incidence == doctest::Approx(fw[i]).epsilon(1e-14));
        CHECK(c.steps[i].lost_incidence == doctest::Approx(fl[i]).epsilon(1e-14));
        CHECK(c.steps[i].survival == doctest::Approx(s[i]).epsilon(1e-14));
        CHECK(std::abs(c.steps[i].won_incidence + c.steps[i].lost_incidence + c.steps[i].survival - 1) < 1e-15);
    }
    CHECK(c.steps[0].won_variance == doctest::Approx(0.01).epsilon(1e-14));
    CHECK(c.steps[2].won_variance == doctest::Approx(0.00765625 + 0.01265625 / 49 + 0.01265625).epsilon(1e-14));
    // Between steps and before the first: the last step's values; S = 1 and F = 0 before any close.
    CHECK(c.at(0).survival == 1);
    CHECK(c.at(0).won_incidence == 0);
    CHECK(c.at(5).won_incidence == doctest::Approx(0.2125));
    CHECK(c.at(100).won_incidence == doctest::Approx(0.5875));
    // The Kaplan–Meier of the time to close is that of timing's estimator with both causes as events.
    std::vector<std::int64_t> closed{1, 3, 8, 9, 2, 3, 8};
    CHECK(c.time_to_close().steps == kaplan_meier(closed, open).steps);
    CHECK_THROWS_AS((void)aalen_johansen(std::vector<std::int64_t>{-1}, {}, {}), definition_error);
    // No closes: no steps, S stays 1.
    CHECK(aalen_johansen({}, {}, open).steps.empty());
}

TEST_CASE("aalen_johansen matches R's cmprsk::cuminc and survival::survfit") {
    // cuminc's estimates and variances, and survfit's multi-state probabilities, are printed with 17 significant
    // digits; the sums differ from R's only in rounding, far below 1e-12.
    const auto leads = cr_fixture_leads();
    for (const std::string group : {"a", "b", "c", "d"}) {
        CAPTURE(group);
        const auto c = cr_group_sample(leads, group, 1).incidence();
        cr_check_against_cuminc(c, group, 1);
        std::size_t checked = 0;
        for (const auto& r : cr_read_csv("survfit.csv")) {
            if (r.at(0) != group) continue;
            const auto p = c.at(std::stoll(r.at(1)));
            CHECK(std::abs(p.survival - std::stod(r.at(2))) <= 1e-12);
            CHECK(std::abs(p.won_incidence - std::stod(r.at(3))) <= 1e-12);
            CHECK(std::abs(p.lost_incidence - std::stod(r.at(4))) <= 1e-12);
            ++checked;
        }
        // survfit lists every time with a close: one step each.
        CHECK(checked == c.steps.size());
    }
}

TEST_CASE("competing_risks_accumulator: by group from a history, mergeable, any thread count") {
    const auto leads = cr_fixture_leads();
    lead_key key;
    const std::int64_t as_of_day = 100;
    const auto h = cr_fixture_history(leads, as_of_day, key);
    const journeys j(h, funnel::standard());
    const auto as_of = from_seconds(jan1 + as_of_day * day);
    const auto acc = compute_competing_risks(j, as_of, &key, {.threads = 1});
    REQUIRE(acc.groups().size() == 4);
    for (const std::string group : {"a", "b", "c", "d"}) {
        CAPTURE(group);
        const auto& g = acc.groups().find(group)->second;
        CHECK(g == cr_group_sample(leads, group, day));
        cr_check_against_cuminc(g.incidence(), group, day);
    }
    // The Kaplan–Meier of all leads' time to close is timing's.
    CHECK(acc.total().incidence().time_to_close().steps == compute_timing(j, as_of).to_close().survival().steps);
    // Threads and partitions do not change the result.
    CHECK(compute_competing_risks(j, as_of, &key, {.threads = 4}) == acc);
    competing_risks_accumulator first(funnel::standard(), as_of), second(funnel::standard(), as_of);
    first.add(j, &key, 0, 50);
    second.add(j, &key, 50, j.leads());
    CHECK(merge(first, second) == acc);
    // Without a key: one group "".
    const auto all = compute_competing_risks(j, as_of);
    REQUIRE(all.groups().size() == 1);
    CHECK(all.groups().begin()->first.empty());
    CHECK(all.total() == acc.total());
    // Refusals name the fault.
    CHECK_THROWS_AS(competing_risks_accumulator(funnel::standard(), from_seconds(missing_time)), definition_error);
    CHECK(message_of<definition_error>([&] { (void)compute_competing_risks(j, from_seconds(jan1)); })
              .find("is after as_of") != std::string::npos);
    competing_risks_accumulator other(funnel::standard(), from_seconds(jan1 + 200 * day));
    CHECK_THROWS_AS(other.merge(acc), definition_error);
    lead_key short_key{"group", {"x"}, {0}};
    CHECK_THROWS_AS((void)compute_competing_risks(j, as_of, &short_key), definition_error);
}

TEST_CASE("competing risks: undated closes are unknown, a missing key is (none)") {
    const auto h = make_history({{"a", "lead", 0},
                                 {"a", "won", missing_time},
                                 {"b", "lost", 5},
                                 {"c", "lead", 1},
                                 {"c", "won", 4}});
    const journeys j(h, funnel::standard());
    lead_key key{"team", {"east"}, {0, missing_code, 0}};
    const auto acc = compute_competing_risks(j, from_seconds(jan1 + 10 * day), &key);
    const auto& east = acc.groups().at("east");
    CHECK(east.unknown == 1);
    CHECK(east.won == std::vector<std::int64_t>{3 * day});
    const auto& none = acc.groups().at(std::string(no_label));
    CHECK(none.lost == std::vector<std::int64_t>{0}); // a first entry that closes: a cycle of 0
}

TEST_CASE("incidence_confidence: the log(-log) interval") {
    // F = 0.4, V = 0.01: k = 1.96·0.1 / (0.4 ln 0.4) = −0.534778…; bounds 0.4^exp(±k).
    const double k = 1.959963984540054 * 0.1 / (0.4 * std::log(0.4));
    const auto ci = incidence_confidence(0.4, 0.01);
    CHECK(ci.low == doctest::Approx(std::pow(0.4, std::exp(-k))));
    CHECK(ci.high == doctest::Approx(std::pow(0.4, std::exp(k))));
    CHECK(ci.low < 0.4);
    CHECK(ci.high > 0.4);
    CHECK(ci.low > 0);
    CHECK(ci.high < 1);
    CHECK(incidence_confidence(0, 0.1).high == 0);
    CHECK(incidence_confidence(1, 0.1).low == 1);
    CHECK(std::isnan(incidence_confidence(std::nan(""), 0).low));
}
