// Funnel models: the absorbing Markov chain (vector F1), the weighted pipeline (F3) and the Monte Carlo forecast,
// and multi-touch attribution (F2), with exact merges of every accumulator. Expected numbers are derived in the
// comments: by hand, in exact fractions, or from distributions known in closed form.

#include "leadscore/funnel/attribution.hpp"
#include "leadscore/funnel/forecast.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/sim/generator.hpp"

#include "history_helpers.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace test_markov {

using namespace leadscore;

namespace {

using namespace history_helpers;

/// F1's funnel: open Lead, MQL, SQL; absorbing Won, Lost.
const funnel& f1_funnel() {
    static const funnel f({{"Lead", stage_kind::open},
                           {"MQL", stage_kind::open},
                           {"SQL", stage_kind::open},
                           {"Won", stage_kind::won},
                           {"Lost", stage_kind::lost}});
    return f;
}

/// F1's transition matrix (rows Lead, MQL, SQL, Won, Lost).
dense_matrix f1_matrix() {
    dense_matrix p = dense_matrix(5, 5);
    p(0, 0) = 0.2, p(0, 1) = 0.5, p(0, 4) = 0.3;
    p(1, 1) = 0.1, p(1, 2) = 0.6, p(1, 4) = 0.3;
    p(2, 2) = 0.2, p(2, 3) = 0.5, p(2, 4) = 0.3;
    return p;
}

/// A funnel with one open stage.
const funnel& one_stage_funnel() {
    static const funnel f({{"open", stage_kind::open}, {"won", stage_kind::won}, {"lost", stage_kind::lost}});
    return f;
}

generated_crm generated(std::size_t leads, std::uint64_t seed) {
    generator_options o;
    o.leads = leads;
    o.seed = seed;
    o.events = false;
    return generate_crm(o);
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Markov chain

TEST_CASE("markov: F1 from its transition matrix") {
    const markov_chain chain(f1_funnel(), f1_matrix(), {10.0 * day, 20.0 * day, 30.0 * day, no_value, no_value});
    const auto a = chain.analyze();
    REQUIRE(a.ok());
    CHECK(a.transient == std::vector<std::size_t>{0, 1, 2});
    CHECK(a.absorbing == std::vector<std::size_t>{3, 4});

    // N = (I − Q)⁻¹ as published in F1.
    const double n[3][3] = {{5.0 / 4, 25.0 / 36, 25.0 / 48}, {0, 10.0 / 9, 5.0 / 6}, {0, 0, 5.0 / 4}};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) CHECK(a.fundamental(i, j) == doctest::Approx(n[i][j]).epsilon(1e-12));
    CHECK(std::abs(a.win_probability(f1_funnel(), 0) - 25.0 / 96) < 1e-12);
    CHECK(std::abs(a.win_probability(f1_funnel(), 1) - 5.0 / 12) < 1e-12);
    CHECK(std::abs(a.win_probability(f1_funnel(), 2) - 5.0 / 8) < 1e-12);
    CHECK(std::abs(a.absorption_probability(0, 4) - 71.0 / 96) < 1e-12); // lost = 1 − won
    CHECK(std::abs(a.steps_from(0) - 355.0 / 144) < 1e-12);
    CHECK(std::abs(a.steps_from(1) - 35.0 / 18) < 1e-12);
    CHECK(std::abs(a.steps_from(2) - 5.0 / 4) < 1e-12);
    // Expected time N·d with d = 10, 20, 30 days, in exact fractions: Lead 5/4·10 + 25/36·20 + 25/48·30 = 3025/72,
    // MQL 10/9·20 + 5/6·30 = 425/9, SQL 5/4·30 = 75/2 days.
    CHECK(std::abs(a.seconds_from(0) / day - 3025.0 / 72) < 1e-10);
    CHECK(std::abs(a.seconds_from(1) / day - 425.0 / 9) < 1e-10);
    CHECK(std::abs(a.seconds_from(2) / day - 75.0 / 2) < 1e-10);
    // Absorbing stages.
    CHECK(a.win_probability(f1_funnel(), 3) == 1.0);
    CHECK(a.win_probability(f1_funnel(), 4) == 0.0);
    CHECK(a.steps_from(3) == 0.0);

    const auto rows = outlook(chain, a);
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].name == "MQL");
    CHECK(std::abs(rows[1].win_probability - 5.0 / 12) < 1e-12);
    CHECK(rows[2].mean_stay_days == doctest::Approx(30));

    SUBCASE("without stays the expected time is unknown, not made up") {
        const markov_chain bare(f1_funnel(), f1_matrix());
        const auto b = bare.analyze();
        CHECK(b.ok());
        CHECK(std::isnan(b.seconds_from(0)));
        CHECK(std::abs(b.steps_from(0) - 355.0 / 144) < 1e-12);
    }
}

TEST_CASE("markov: F1 estimated from journeys whose counts are F1's") {
    // One two-entry lead per observed transition: Lead → Lead 2, → MQL 5, → Lost 3; MQL → MQL 1, → SQL 6, → Lost 3;
    // SQL → SQL 2, → Won 5, → Lost 3. The ratios are F1's probabilities; stays are 10, 20, 30 days by stage.
    std::vector<row> rows;
    int id = 0;
    const auto add = [&](const char* from, const char* to, int times, std::int64_t stay) {
        for (int k = 0; k < times; ++k) {
            std::string lead = "L";
            lead += std::to_string(id++);
            rows.push_back({lead, from, 0});
            rows.push_back({lead, to, stay});
        }
    };
    add("Lead", "Lead", 2, 10), add("Lead", "MQL", 5, 10), add("Lead", "Lost", 3, 10);
    add("MQL", "MQL", 1, 20), add("MQL", "SQL", 6, 20), add("MQL", "Lost", 3, 20);
    add("SQL", "SQL", 2, 30), add("SQL", "Won", 5, 30), add("SQL", "Lost", 3, 30);
    const auto h = make_history(rows);
    const journeys j(h, f1_funnel());
    const auto counts = compute_markov(j);
    CHECK(counts.transitions(0, 1) == 5);
    CHECK(counts.exits(1) == 10);
    CHECK(counts.leads() == 30);
    // Leads ending in an open stage: Lead → Lead 2, Lead → MQL 5, MQL → MQL 1, MQL → SQL 6, SQL → SQL 2.
    CHECK(counts.open_at_end(0) == 2);
    CHECK(counts.open_at_end(1) == 6);
    CHECK(counts.open_at_end(2) == 8);
    CHECK(counts.mean_stay(2) == 30.0 * day);

    const markov_chain chain(counts);
    const auto a = chain.analyze();
    REQUIRE(a.ok());
    CHECK(std::abs(a.win_probability(f1_funnel(), 0) - 25.0 / 96) < 1e-12);
    CHECK(std::abs(a.win_probability(f1_funnel(), 1) - 5.0 / 12) < 1e-12);
    CHECK(std::abs(a.win_probability(f1_funnel(), 2) - 5.0 / 8) < 1e-12);
    CHECK(std::abs(a.steps_from(0) - 355.0 / 144) < 1e-12);
    CHECK(std::abs(a.fundamental(0, 2) - 25.0 / 48) < 1e-12);
    CHECK(std::abs(a.seconds_from(0) / day - 3025.0 / 72) < 1e-10);
    CHECK(chain.has_stays());
    CHECK(chain.stays(2, 3).size() == 5);
}

TEST_CASE("markov: counting rules on a hand-made history") {
    const funnel f({{"lead", stage_kind::open},
                    {"mql", stage_kind::open},
                    {"sql", stage_kind::open},
                    {"won", stage_kind::won},
                    {"lost", stage_kind::lost}});
    const auto h = make_history({
        {"a", "lead", 0}, {"a", "mql", 5}, {"a", "mql", 7}, {"a", "sql", 10}, {"a", "won", 20}, // mql re-entered
        {"b", "lead", 0}, {"b", "lost", 3}, {"b", "lead", 40}, {"b", "mql", 50},              // reactivated, open
        {"c", "mql", missing_time}, {"c", "sql", 12}, {"c", "lost", 15},                      // mql undated
    });
    const journeys j(h, f);
    const auto m = compute_markov(j);
    // lead → mql: a, b; mql → mql: a; mql → sql: a, c; sql → won: a; lead → lost: b; sql → lost: c.
    CHECK(m.transitions(0, 1) == 2);
    CHECK(m.transitions(1, 1) == 1);
    CHECK(m.transitions(1, 2) == 2);
    CHECK(m.transitions(2, 3) == 1);
    CHECK(m.transitions(0, 4) == 1);
    CHECK(m.transitions(2, 4) == 1);
    CHECK(m.transitions(4, 0) == 1); // out of an absorbing stage: counted, not used by the chain
    CHECK(m.starts(0) == 2);
    CHECK(m.starts(1) == 1);
    CHECK(m.open_at_end(1) == 1);    // b is still in mql
    CHECK(m.undated_exits(1) == 1);  // c's mql → sql has no start time
    // Stays: lead 5, 10 (b's second visit: day 40 → 50), 3 days; mql 2, 3; sql 10, 3.
    CHECK(m.stay_count(0) == 3);
    CHECK(m.mean_stay(0) == 6.0 * day);
    CHECK(m.mean_stay(1) == 2.5 * day);
    CHECK(m.mean_stay(2) == 6.5 * day);
    CHECK(m.stays(0, 1).size() == 2);

    const markov_chain chain(m);
    const auto a = chain.analyze();
    REQUIRE(a.ok());
    // P: lead → mql 2/3, lost 1/3; mql → mql 1/3, sql 2/3; sql → won 1/2, lost 1/2.
    // P(win): sql 1/2; mql 1/2 (every exit but the self-loop goes to sql); lead 2/3 · 1/2 = 1/3.
    CHECK(std::abs(a.win_probability(f, 2) - 0.5) < 1e-12);
    CHECK(std::abs(a.win_probability(f, 1) - 0.5) < 1e-12);
    CHECK(std::abs(a.win_probability(f, 0) - 1.0 / 3) < 1e-12);
    // Steps: sql 1; mql N_mm = 1/(1 − 1/3) = 3/2 visits, then 3/2 · 2/3 = 1 visit of sql: 5/2; lead 1 + 2/3 · 5/2 = 8/3.
    CHECK(std::abs(a.steps_from(1) - 2.5) < 1e-12);
    CHECK(std::abs(a.steps_from(0) - 8.0 / 3) < 1e-12);
    // Time: sql 6.5 d; mql 3/2 · 2.5 + 1 · 6.5 = 10.25 d; lead 6 + 2/3 · 10.25 = 12.8333… d.
    CHECK(std::abs(a.seconds_from(2) / day - 6.5) < 1e-12);
    CHECK(std::abs(a.seconds_from(1) / day - 10.25) < 1e-12);
    CHECK(std::abs(a.seconds_from(0) / day - (6 + 2.0 / 3 * 10.25)) < 1e-12);
}

TEST_CASE("markov: numerical trouble is a status, not UB") {
    // A → D 0.5, won 0.5 (D has no data); B → won; C → C forever; E → C 0.5, won 0.5.
    const funnel f({{"A", stage_kind::open},
                    {"B", stage_kind::open},
                    {"C", stage_kind::open},
                    {"D", stage_kind::open},
                    {"E", stage_kind::open},
                    {"won", stage_kind::won}});
    dense_matrix p = dense_matrix(6, 6);
    p(0, 3) = 0.5, p(0, 5) = 0.5;
    p(1, 5) = 1;
    p(2, 2) = 1;
    p(4, 2) = 0.5, p(4, 5) = 0.5;
    const auto a = markov_chain(f, p).analyze();
    CHECK_FALSE(a.ok());
    CHECK(a.status_of(0) == markov_status::no_data);
    CHECK(a.status_of(1) == markov_status::ok);
    CHECK(a.status_of(2) == markov_status::never_absorbed);
    CHECK(a.status_of(3) == markov_status::no_data);
    CHECK(a.status_of(4) == markov_status::never_absorbed);
    CHECK(a.status_of(5) == markov_status::ok);
    CHECK(a.win_probability(f, 1) == 1.0);
    CHECK(a.steps_from(1) == 1.0);
    CHECK(std::isnan(a.win_probability(f, 0)));
    CHECK(std::isnan(a.steps_from(2)));
    CHECK(to_string(markov_status::never_absorbed) == "never_absorbed");

    SUBCASE("a nearly closed loop is ill-conditioned") {
        // X ⇄ Y with probability 1 − 1e-14 each way: I − Q has eigenvalues 1e-14 and 2 − 1e-14, condition ~2e14.
        const funnel g({{"X", stage_kind::open}, {"Y", stage_kind::open}, {"won", stage_kind::won}});
        dense_matrix q = dense_matrix(3, 3);
        q(0, 1) = 1 - 1e-14, q(0, 2) = 1e-14;
        q(1, 0) = 1 - 1e-14, q(1, 2) = 1e-14;
        const auto b = markov_chain(g, q).analyze();
        CHECK(b.status_of(0) == markov_status::ill_conditioned);
        CHECK(std::isnan(b.win_probability(g, 0)));
    }
    SUBCASE("an empty history gives no_data everywhere") {
        const stage_history h;
        const journeys j(h, f1_funnel());
        const auto c = markov_chain(compute_markov(j)).analyze();
        for (const auto s : c.status) CHECK(s == markov_status::no_data);
    }
}

TEST_CASE("markov: a bad matrix is refused with the stage named") {
    auto p = f1_matrix();
    p(1, 2) = 0.5; // MQL's row sums to 0.9
    CHECK(message_of<definition_error>([&] { markov_chain c(f1_funnel(), p); }).find("stage 'MQL'") != std::string::npos);
    p = f1_matrix();
    p(0, 0) = -0.2, p(0, 1) = 0.9;
    CHECK(message_of<definition_error>([&] { markov_chain c(f1_funnel(), p); }).find("'Lead'") != std::string::npos);
    CHECK(message_of<definition_error>([&] { markov_chain c(f1_funnel(), dense_matrix(4, 4)); })
              .find("4 × 4") != std::string::npos);
    CHECK(message_of<definition_error>([&] { markov_chain c(f1_funnel(), f1_matrix(), {1.0, -2.0, 3.0, 0, 0}); })
              .find("'MQL'") != std::string::npos);
    // Times at the ends of the 64-bit range: the stay overflows, and the error names the lead.
    stage_history extreme;
    for (const auto t : {std::numeric_limits<std::int64_t>::min() + 1, std::numeric_limits<std::int64_t>::max()})
        extreme.append({"far", "Lead", from_seconds(t), std::nullopt, ""});
    const journeys far(extreme, f1_funnel());
    CHECK(message_of<definition_error>([&] { (void)compute_markov(far); }).find("'far'") != std::string::npos);
    // A deal that entered at the start of time is older than every stay: it starts a fresh one.
    dense_matrix p1 = dense_matrix(3, 3);
    p1(0, 1) = 1;
    const markov_chain sure(one_stage_funnel(), p1, {1.0, no_value, no_value});
    forecast_options o;
    o.dwell = dwell_model::exponential;
    o.paths = 10;
    const std::vector<open_deal> ancient{{0, std::numeric_limits<std::int64_t>::min() + 1, 1, 1}};
    CHECK(forecast(sure, ancient, from_seconds(std::numeric_limits<std::int64_t>::max()), o).won.p50 == 1);
    // Another funnel's journeys.
    const auto h = make_history({{"a", "lead", 0}});
    const journeys j(h, funnel::standard());
    markov_accumulator m(f1_funnel());
    CHECK_THROWS_AS(m.add(j), definition_error);
}

TEST_CASE("markov: open leads, and counting old ones as lost") {
    // Ten leads enter "open" on day 0, 10, …, 90; lead 0 wins on day 5, the other nine are still open at day 100
    // and no loss is recorded. The chain sees one exit (to won): P(win | open) = 1/1 = 100 %, though 1 in 10 won.
    std::vector<row> rows;
    for (int i = 0; i < 10; ++i) rows.push_back({"l" + std::to_string(i), "open", 10 * i});
    rows.push_back({"l0", "won", 5});
    const auto h = make_history(rows);
    const journeys j(h, one_stage_funnel());
    const auto plain = compute_markov(j);
    CHECK(plain.open_at_end(0) == 9);
    CHECK(plain.imputed_losses(0) == 0);
    CHECK(markov_chain(plain).analyze().win_probability(one_stage_funnel(), 0) == 1.0);

    // Leads older than 45 days at day 100 (first touch before day 55: l1 … l5, ages 90 … 50) count as lost:
    // exits 1 won + 5 lost, P(win) = 1/6. l6 … l9 (ages 40 … 10) stay open. l0 is closed whatever its age.
    markov_options o;
    o.open_as_lost_after = std::chrono::days{45};
    o.as_of = from_seconds(jan1 + 100 * day);
    const auto old = compute_markov(j, o);
    CHECK(old.imputed_losses(0) == 5);
    CHECK(old.open_at_end(0) == 4);
    CHECK(old.transitions(0, 2) == 5);
    CHECK(old.exits(0) == 6);
    CHECK(old.stay_count(0) == 1); // imputed losses carry no stay
    CHECK(old.undated_exits(0) == 0);
    CHECK(std::abs(markov_chain(old).analyze().win_probability(one_stage_funnel(), 0) - 1.0 / 6) < 1e-15);
    // An age of exactly the limit is not older than it: 50 days counts l1 … l4 (ages 90, 80, 70, 60) only.
    o.open_as_lost_after = std::chrono::days{50};
    CHECK(compute_markov(j, o).imputed_losses(0) == 4);
    // Partitions merge; options must match.
    const auto [h1, h2] = split_by_lead(h);
    const journeys j1(h1, one_stage_funnel()), j2(h2, one_stage_funnel());
    CHECK(merge(compute_markov(j1, o), compute_markov(j2, o)) == compute_markov(j, o));
    markov_accumulator other(one_stage_funnel());
    CHECK_THROWS_AS(other.merge(compute_markov(j, o)), definition_error);
    // Refusals: no as_of, a negative age, a funnel without a lost stage.
    markov_options no_as_of;
    no_as_of.open_as_lost_after = std::chrono::days{1};
    CHECK(message_of<definition_error>([&] { markov_accumulator m(one_stage_funnel(), no_as_of); }).find("as_of") !=
          std::string::npos);
    o.open_as_lost_after = std::chrono::seconds{-1};
    CHECK_THROWS_AS(markov_accumulator(one_stage_funnel(), o), definition_error);
    o.open_as_lost_after = std::chrono::days{1};
    const funnel no_lost({{"open", stage_kind::open}, {"won", stage_kind::won}});
    CHECK(message_of<definition_error>([&] { markov_accumulator m(no_lost, o); }).find("lost") != std::string::npos);
}

TEST_CASE("markov: a rounded matrix is normalised within a tolerance, with a note") {
    // F1 as published with two decimals and a rounding slip: Lead 0.2 + 0.5 + 0.31 = 1.01, MQL 0.1 + 0.6 + 0.29
    // = 0.99. Divided by their sums: Lead 0.2/1.01, 0.5/1.01, 0.31/1.01; MQL 0.1/0.99, 0.6/0.99, 0.29/0.99.
    auto p = f1_matrix();
    p(0, 4) = 0.31;
    p(1, 4) = 0.29;
    CHECK(message_of<definition_error>([&] { markov_chain c(f1_funnel(), p); }).find("stage 'Lead'") !=
          std::string::npos);
    markov_matrix_options o;
    o.row_sum_tolerance = 0.02;
    const markov_chain c(f1_funnel(), p, {}, o);
    REQUIRE(c.normalized_rows().size() == 2);
    CHECK(c.normalized_rows()[0].stage == 0);
    CHECK(c.normalized_rows()[0].sum == doctest::Approx(1.01).epsilon(1e-15));
    CHECK(c.normalized_rows()[1].stage == 1);
    CHECK(c.normalized_rows()[1].sum == doctest::Approx(0.99).epsilon(1e-15));
    CHECK(c.transitions()(0, 1) == doctest::Approx(0.5 / 1.01).epsilon(1e-15));
    CHECK(c.transitions()(1, 2) == doctest::Approx(0.6 / 0.99).epsilon(1e-15));
    CHECK(c.transitions()(2, 3) == 0.5); // SQL summed to 1: untouched
    // P(win | SQL) = 0.5 / 0.8 as before; P(win | MQL) = (0.6/0.99)/(1 − 0.1/0.99) · 5/8 = 0.6/0.89 · 5/8.
    const auto a = c.analyze();
    CHECK(std::abs(a.win_probability(f1_funnel(), 2) - 5.0 / 8) < 1e-12);
    CHECK(std::abs(a.win_probability(f1_funnel(), 1) - 0.6 / 0.89 * 5.0 / 8) < 1e-12);
    // Off by more than the tolerance: still refused, the message says so.
    p(0, 4) = 0.35; // sums to 1.05
    const auto m = message_of<definition_error>([&] { markov_chain b(f1_funnel(), p, {}, o); });
    CHECK(m.find("stage 'Lead'") != std::string::npos);
    CHECK(m.find("tolerance") != std::string::npos);
    // A matrix that sums to 1 needs no note; a bad tolerance is refused.
    CHECK(markov_chain(f1_funnel(), f1_matrix(), {}, o).normalized_rows().empty());
    o.row_sum_tolerance = 0.5;
    CHECK_THROWS_AS(markov_chain(f1_funnel(), f1_matrix(), {}, o), definition_error);
    o.row_sum_tolerance = std::nan("");
    CHECK_THROWS_AS(markov_chain(f1_funnel(), f1_matrix(), {}, o), definition_error);
}

TEST_CASE("markov: merging partitions by lead equals the whole, for any thread count") {
    const auto crm = generated(20000, 5);
    const journeys whole_j(crm.history, funnel::standard());
    markov_options one;
    one.threads = 1;
    const auto whole = compute_markov(whole_j, one);
    markov_options two;
    two.threads = 2;
    const auto parallel = compute_markov(whole_j, two);
    CHECK(parallel == whole);
    // Same order of stays too: threads take contiguous lead ranges, merged in order.
    CHECK(std::equal(parallel.stays(0, 1).begin(), parallel.stays(0, 1).end(), whole.stays(0, 1).begin(),
                     whole.stays(0, 1).end()));

    const auto [h1, h2] = split_by_lead(crm.history);
    const journeys j1(h1, funnel::standard()), j2(h2, funnel::standard());
    const auto merged = merge(compute_markov(j1), compute_markov(j2));
    CHECK(merged == whole);
    CHECK(merged.leads() == crm.leads.rows());
    const markov_chain cw(whole), cm(merged);
    CHECK(cw == cm);
    const auto aw = cw.analyze(), am = cm.analyze();
    CHECK(aw.ok());
    // Bit-identical: the chain sorts its stays and counts are integers.
    CHECK(aw.fundamental == am.fundamental);
    CHECK(aw.expected_seconds == am.expected_seconds);

    // Ranges of leads add up as well.
    markov_accumulator ranges(funnel::standard());
    ranges.add(whole_j, 0, 7000);
    ranges.add(whole_j, 7000, whole_j.leads());
    CHECK(ranges == whole);

    // The generator's stages run suspect → … → opportunity → won, with exits to lost after sql and opportunity,
    // rejected after lead, nurture after mql (docs/data.md, "Synthetic data"): no other transitions are possible.
    const auto& f = funnel::standard();
    CHECK(whole.transitions(f.at("suspect"), f.at("mql")) == 0);
    CHECK(whole.transitions(f.at("lead"), f.at("lost")) == 0);
    CHECK(whole.transitions(f.at("opportunity"), f.at("won")) > 0);
    CHECK(whole.transitions(f.at("won"), f.at("lead")) == 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Weighted pipeline (F3)

TEST_CASE("forecast: weighted pipeline by hand (F3)") {
    // round(value × p / 100, 2): 10000 at 25 % = 2500.00; 333.33 at 33 % = 109.9989 → 110.00; 0.145 at 100 % =
    // 0.145 → 0.15 (a decimal tie, rounded up); 19.99 at 12.5 % = 2.49875 → 2.50; 1234.56 at 0 % = 0; 80 at 37.5 % =
    // 30.00. Sum 2642.65.
    CHECK(prorated_cents(10000, 25) == 250000);
    CHECK(prorated_cents(333.33, 33) == 11000);
    CHECK(prorated_cents(0.145, 100) == 15);
    CHECK(prorated_cents(19.99, 12.5) == 250);
    CHECK(prorated_cents(1234.56, 0) == 0);
    weighted_pipeline w;
    for (const auto& [v, p] : std::vector<std::pair<double, double>>{
             {10000, 25}, {333.33, 33}, {0.145, 100}, {19.99, 12.5}, {1234.56, 0}, {80, 37.5}})
        w.add(v, p);
    CHECK(w.cents == 264265);
    CHECK(w.value() == doctest::Approx(2642.65));
    CHECK(w.deals == 6);

    w.add(no_value, 50);
    w.add(100, no_value);
    CHECK(w.without_value == 1);
    CHECK(w.without_probability == 1);
    CHECK(w.cents == 264265);

    CHECK(message_of<definition_error>([&] { w.add(100, 120); }).find("120") != std::string::npos);
    CHECK(message_of<definition_error>([&] { w.add(-5, 10); }).find("-5") != std::string::npos);
    CHECK_THROWS_AS(w.add(std::numeric_limits<double>::infinity(), 10), definition_error);

    // Merging is adding integers.
    weighted_pipeline a, b;
    a.add(10000, 25), a.add(333.33, 33), a.add(0.145, 100);
    b.add(19.99, 12.5), b.add(1234.56, 0), b.add(80, 37.5);
    a.merge(b);
    CHECK(a.cents == 264265);
    CHECK(a.deals == 6);
}

TEST_CASE("forecast: weighted pipeline at the chain's win probabilities") {
    const markov_chain chain(f1_funnel(), f1_matrix());
    // 1000 in Lead at 100 · 25/96 % = 260.4166… → 260.42; 600 in MQL at 100 · 5/12 % = 250.00 (the double product
    // 24999.999999999996 cents is 25000 at 15 digits); 80 in SQL at 62.5 % = 50.00; one SQL deal without value.
    const std::vector<open_deal> deals{{0, jan1, 1000, 1}, {1, jan1, 600, 2}, {2, jan1, 80, 3}, {2, jan1, no_value, 4}};
    weighted_pipeline w;
    w.add(deals, chain);
    CHECK(w.cents == 26042 + 25000 + 5000);
    CHECK(w.without_value == 1);
    const std::vector<open_deal> bad{{0, jan1, 1, 1}, {3, jan1, 1, 2}};
    CHECK(message_of<definition_error>([&] { w.add(bad, chain); }).find("deal 1") != std::string::npos);
    CHECK(w.cents == 56042); // unchanged by the refused batch
}

// ---------------------------------------------------------------------------------------------------------------
// Monte Carlo forecast

TEST_CASE("forecast: one stage won with probability p is binomial") {
    // open → won 0.3, lost 0.7; exponential stays with a mean of 1 day. With a horizon of 10,000 days every deal
    // closes, so each path's won count is Binomial(100, 0.3): mean 30, and over 20,000 paths the mean of the paths
    // has a standard deviation of sqrt(100 · 0.21 / 20000) = 0.0324 — the check allows 4 of them (0.13).
    // Quantiles from the exact binomial CDF: F(23) = 0.0755, F(24) = 0.1136, F(29) = 0.4623, F(30) = 0.5491,
    // F(35) = 0.8839, F(36) = 0.9201, so P10 = 24, P50 = 30, P90 = 36; the empirical CDF of 20,000 paths is within
    // 0.0035 (one sd) of F, and every F above is at least 3.9 sd away from the quantile's level.
    dense_matrix p = dense_matrix(3, 3);
    p(0, 1) = 0.3, p(0, 2) = 0.7;
    const markov_chain chain(one_stage_funnel(), p, {double(day), no_value, no_value});
    std::vector<open_deal> deals;
    for (std::uint64_t k = 0; k < 100; ++k) deals.push_back({0, jan1, 250.0, k + 1});
    forecast_options o;
    o.dwell = dwell_model::exponential;
    o.paths = 20000;
    o.seed = 11;
    o.horizon = std::chrono::seconds(10000 * day);
    const auto as_of = from_seconds(jan1);
    // Simulated once for all the subcases below (doctest runs the case's body once for each of them).
    static const auto r = forecast(chain, deals, as_of, o);
    CHECK(r.ok());
    CHECK(r.deals == 100);
    CHECK(std::abs(r.won.mean - 30) < 4 * 0.0324);
    CHECK(r.won.p10 == 24);
    CHECK(r.won.p50 == 30);
    CHECK(r.won.p90 == 36);
    // Every deal is worth 250, so revenue is 250 × won in every path.
    CHECK(r.revenue.p50 == 250 * 30);
    CHECK(r.revenue.mean == doctest::Approx(250 * r.won.mean).epsilon(1e-12));

    SUBCASE("within one mean stay, P(won) = p (1 − e^−1)") {
        // 0.3 · (1 − 1/e) = 0.189636; sd of the mean over 20,000 paths: sqrt(100 · 0.1896 · 0.8104 / 20000) = 0.0277.
        o.horizon = std::chrono::seconds(day);
        const auto s = forecast(chain, deals, as_of, o);
        CHECK(std::abs(s.won.mean - 18.9636) < 4 * 0.0277);
    }
    SUBCASE("a horizon of 0 wins nothing") {
        o.horizon = std::chrono::seconds(0);
        const auto s = forecast(chain, deals, as_of, o);
        CHECK(s.won.p90 == 0);
        CHECK(s.won.mean == 0);
        CHECK(s.revenue.mean == 0);
    }
}

TEST_CASE("forecast: stays add up through the stages") {
    // A → B → won, exponential stays with mean m each: the time to won is Gamma(2, m), and
    // P(won within m) = 1 − e^−1 (1 + 1) = 1 − 2/e = 0.264241. 200 deals, 5,000 paths: sd of the mean
    // sqrt(200 · 0.2642 · 0.7358 / 5000) = 0.0882.
    const funnel f({{"A", stage_kind::open}, {"B", stage_kind::open}, {"won", stage_kind::won}});
    dense_matrix p = dense_matrix(3, 3);
    p(0, 1) = 1, p(1, 2) = 1;
    const markov_chain chain(f, p, {3.0 * day, 3.0 * day, no_value});
    std::vector<open_deal> deals;
    for (std::uint64_t k = 0; k < 200; ++k) deals.push_back({0, missing_time, no_value, 1000 + k});
    forecast_options o;
    o.dwell = dwell_model::exponential;
    o.paths = 5000;
    o.horizon = std::chrono::seconds(3 * day);
    const auto r = forecast(chain, deals, from_seconds(jan1), o);
    CHECK(std::abs(r.won.mean - 200 * 0.264241) < 4 * 0.0882);
    CHECK(r.without_value == 200);
    CHECK(r.revenue.p90 == 0);
}

TEST_CASE("forecast: the empirical model resamples stays and conditions on a deal's age") {
    // 30 leads went open → won after 10 days, 70 went open → lost after 5 days: P(won) = 0.3.
    std::vector<row> rows;
    for (int k = 0; k < 100; ++k) {
        std::string id = "h";
        id += std::to_string(k);
        rows.push_back({id, "open", 0});
        rows.push_back({id, k < 30 ? "won" : "lost", k < 30 ? 10 : 5});
    }
    const auto h = make_history(rows);
    const journeys j(h, one_stage_funnel());
    const markov_chain chain(compute_markov(j));
    const std::int64_t now = jan1 + 100 * day;
    const auto deals_aged = [&](std::int64_t age_days) {
        std::vector<open_deal> d;
        for (std::uint64_t k = 0; k < 50; ++k)
            d.push_back({0, age_days < 0 ? missing_time : now - age_days * day, 100.0, k});
        return d;
    };
    forecast_options o;
    o.paths = 4000;
    const auto run = [&](std::int64_t age_days, std::int64_t horizon_days) {
        o.horizon = std::chrono::seconds(horizon_days * day);
        return forecast(chain, deals_aged(age_days), from_seconds(now), o);
    };
    // New deals: a win takes 10 days, so nothing is won within 7 days (a loss takes 5).
    CHECK(run(0, 7).won.p90 == 0);
    // Within 10 days each of 50 deals is won with probability 0.3: mean 15, sd of the mean over 4,000 paths
    // sqrt(50 · 0.21 / 4000) = 0.0512.
    CHECK(std::abs(run(0, 10).won.mean - 15) < 4 * 0.0512);
    // Deals 6 days in the stage: only the 10-day stays are longer, so every deal is won 4 days later.
    const auto aged = run(6, 4);
    CHECK(aged.won.p10 == 50);
    CHECK(aged.won.p90 == 50);
    CHECK(aged.revenue.mean == 5000);
    CHECK(run(6, 3).won.p90 == 0);
    // Older than every observed stay, or of unknown age: a fresh stay from as_of.
    CHECK(run(12, 7).won.p90 == 0);
    CHECK(std::abs(run(12, 10).won.mean - 15) < 4 * 0.0512);
    CHECK(std::abs(run(-1, 10).won.mean - 15) < 4 * 0.0512);
}

TEST_CASE("forecast: deterministic for a seed and any thread count; partitions merge exactly") {
    const auto crm = generated(6000, 3);
    const journeys j(crm.history, funnel::standard());
    const markov_chain chain(compute_markov(j));
    const auto deals = open_deals(j, crm.horizon);
    REQUIRE(deals.size() > 500);
    // The generator puts values on won entries only, so open deals carry none.
    CHECK(std::isnan(deals.front().value));

    forecast_options o;
    o.paths = 400;
    o.seed = 99;
    o.threads = 1;
    forecast_accumulator one(chain, crm.horizon, o);
    one.add(deals);
    o.threads = 2;
    forecast_accumulator two(chain, crm.horizon, o);
    two.add(deals);
    CHECK(one == two);
    CHECK(one.result().won.mean > 0);

    // Deals split in two, each half forecast alone, merged: the same per-path totals.
    const std::size_t half = deals.size() / 2;
    forecast_accumulator a(chain, crm.horizon, o), b(chain, crm.horizon, o);
    a.add(std::span(deals).first(half));
    b.add(std::span(deals).subspan(half));
    CHECK(merge(a, b) == one);

    // The history split by lead: the open deals of each part carry the same keys.
    const auto [h1, h2] = split_by_lead(crm.history);
    const journeys j1(h1, funnel::standard()), j2(h2, funnel::standard());
    forecast_accumulator p1(chain, crm.horizon, o), p2(chain, crm.horizon, o);
    p1.add(open_deals(j1, crm.horizon));
    p2.add(open_deals(j2, crm.horizon));
    CHECK(merge(p1, p2) == one);

    // Another seed, other futures.
    o.seed = 100;
    forecast_accumulator other(chain, crm.horizon, o);
    other.add(deals);
    CHECK_FALSE(other == one);
}

TEST_CASE("forecast: trouble is counted, bad input refused") {
    // Stage "stuck" has no observed exits.
    const funnel f({{"start", stage_kind::open}, {"stuck", stage_kind::open}, {"won", stage_kind::won}});
    dense_matrix p = dense_matrix(3, 3);
    p(0, 1) = 0.5, p(0, 2) = 0.5;
    const markov_chain chain(f, p, {double(day), no_value, no_value});
    forecast_options o;
    o.dwell = dwell_model::exponential;
    o.paths = 100;
    const std::vector<open_deal> deals{{1, jan1, 10, 1}};
    const auto r = forecast(chain, deals, from_seconds(jan1), o);
    CHECK(r.stuck == 100);
    CHECK_FALSE(r.ok());

    // No mean stay for "start": stays taken as 0 and counted.
    const markov_chain no_stays(f, p);
    const std::vector<open_deal> at_start{{0, jan1, 10, 1}};
    const auto s = forecast(no_stays, at_start, from_seconds(jan1), o);
    CHECK(s.unknown_stays == 100);

    const std::vector<open_deal> closed{{0, jan1, 1, 1}, {2, jan1, 1, 2}};
    CHECK(message_of<definition_error>([&] { (void)forecast(chain, closed, from_seconds(jan1), o); })
              .find("deal 1") != std::string::npos);
    const std::vector<open_deal> future{{0, jan1 + day, 1, 1}};
    CHECK(message_of<definition_error>([&] { (void)forecast(chain, future, from_seconds(jan1), o); })
              .find("after as_of") != std::string::npos);
    const std::vector<open_deal> negative{{0, jan1, -1, 1}};
    CHECK_THROWS_AS((void)forecast(chain, negative, from_seconds(jan1), o), definition_error);
    o.dwell = dwell_model::empirical;
    CHECK(message_of<definition_error>([&] { forecast_accumulator a(chain, from_seconds(jan1), o); })
              .find("keep_stays") != std::string::npos);
    o.dwell = dwell_model::exponential;
    o.paths = 0;
    CHECK_THROWS_AS(forecast_accumulator(chain, from_seconds(jan1), o), definition_error);

    // open_deals refuses a history that runs past as_of.
    const auto h = make_history({{"x", "start", 5}});
    const journeys j(h, f);
    CHECK(message_of<definition_error>([&] { (void)open_deals(j, from_seconds(jan1)); }).find("'x'") !=
          std::string::npos);
    const auto d = open_deals(j, from_seconds(jan1 + 10 * day));
    REQUIRE(d.size() == 1);
    CHECK(d[0].key == deal_key("x"));
    CHECK(d[0].entered == jan1 + 5 * day);
}

// ---------------------------------------------------------------------------------------------------------------
// Attribution

TEST_CASE("attribution: F2 removal effects in closed form") {
    touch_paths p;
    p.append("A>B>A>B>B>A", true);
    p.append("A>B>B>A>A", true);
    p.append("A>A", true);
    const auto r = attribute(p);
    REQUIRE(r.channels.size() == 2);
    REQUIRE(r.status == markov_status::ok);
    const auto& a = r.channels[0];
    const auto& b = r.channels[1];
    CHECK(a.channel == "A");
    CHECK(std::abs(a.removal_effect - 1.0) < 1e-12);
    CHECK(std::abs(b.removal_effect - 0.5) < 1e-12);
    CHECK(std::abs(a.markov - 2.0) < 1e-12);
    CHECK(std::abs(b.markov - 1.0) < 1e-12);
    CHECK(std::abs(r.conversion_probability - 1.0) < 1e-12);
    // First and last touch: every path starts and ends with A. Linear: A 3/6 + 3/5 + 2/2 = 2.1, B 3/6 + 2/5 = 0.9.
    CHECK(a.first_touch == 3);
    CHECK(b.first_touch == 0);
    CHECK(a.last_touch == 3);
    CHECK(std::abs(a.linear - 2.1) < 1e-12);
    CHECK(std::abs(b.linear - 0.9) < 1e-12);
    CHECK(a.touches == 8);
    CHECK(b.touches == 5);
}

TEST_CASE("attribution: conversions, nulls and revenue by hand") {
    // "A>B" converts (100), "A" does not, "B" converts (50). Chain: start → A 2/3, B 1/3; A → B 1/2, null 1/2;
    // B → conversion 1. P(conv) = 2/3 · 1/2 + 1/3 = 2/3 = 2 conversions / 3 paths.
    // Without A: only start → B converts: 1/3, removal effect 1 − (1/3)/(2/3) = 1/2. Without B: nothing converts,
    // removal effect 1. Markov: A = 2 · 0.5/1.5 = 2/3, B = 4/3; revenue 150 · 1/3 = 50 and 100.
    touch_paths p;
    p.append("A>B", true, 100);
    p.append("A", false);
    p.append("B", true, 50);
    p.append("", true, 7); // converted without any touch: counted, never attributed
    const auto r = attribute(p);
    REQUIRE(r.channels.size() == 2);
    const auto& a = r.channels[0];
    const auto& b = r.channels[1];
    CHECK(r.paths == 3);
    CHECK(r.conversions == 2);
    CHECK(r.revenue == 150);
    CHECK(r.conversions_without_touch == 1);
    CHECK(r.revenue_without_touch == 7);
    CHECK(std::abs(r.conversion_probability - 2.0 / 3) < 1e-12);
    CHECK(std::abs(a.removal_effect - 0.5) < 1e-12);
    CHECK(std::abs(b.removal_effect - 1.0) < 1e-12);
    CHECK(std::abs(a.markov - 2.0 / 3) < 1e-12);
    CHECK(std::abs(b.markov - 4.0 / 3) < 1e-12);
    CHECK(std::abs(a.markov_revenue - 50) < 1e-9);
    CHECK(std::abs(b.markov_revenue - 100) < 1e-9);
    // First touch: A gets "A>B" (100), B gets "B" (50). Last touch: B gets both (150). Linear: A 1/2 (50),
    // B 1/2 + 1 (50 + 50).
    CHECK(a.first_touch == 1);
    CHECK(a.first_touch_revenue == 100);
    CHECK(b.last_touch == 2);
    CHECK(b.last_touch_revenue == 150);
    CHECK(a.linear == 0.5);
    CHECK(b.linear == 1.5);
    CHECK(a.linear_revenue == 50);
    CHECK(b.linear_revenue == 100);
    CHECK(a.touches == 2);
    CHECK(a.converting_touches == 1);
}

TEST_CASE("attribution: touch paths of a history") {
    const funnel& f = funnel::standard();
    const auto h = make_history({
        {"a", "lead", 0, no_value, "webinar"}, {"a", "mql", 2, no_value, "webinar"}, {"a", "sql", 3, no_value, "referral"},
        {"a", "won", 9, 1200, "referral"}, {"a", "lead", 20, no_value, "chatbot"}, // after the win: not a touch of it
        {"b", "lead", 0, no_value, ""}, {"b", "mql", 1, no_value, "chatbot"}, {"b", "lost", 4, no_value, "chatbot"},
        {"c", "lead", 0},
    });
    const journeys j(h, f);
    const auto p = touch_paths_of(j);
    REQUIRE(p.size() == 3);
    const auto names = [&](std::size_t i) {
        std::string s;
        for (const auto c : p.touches_of(i)) {
            if (!s.empty()) s += '>';
            s += p.channels[c];
        }
        return s;
    };
    CHECK(names(0) == "webinar>referral");
    CHECK(p.converted[0] == 1);
    CHECK(p.value[0] == 1200);
    CHECK(names(1) == "chatbot");
    CHECK(p.converted[1] == 0);
    CHECK(names(2).empty());
    const auto r = attribute(p);
    CHECK(r.paths == 2);
    CHECK(r.paths_without_touch == 1);
    CHECK(r.conversions == 1);
}

TEST_CASE("attribution: merging partitions equals the whole") {
    const auto crm = generated(8000, 21);
    const journeys j(crm.history, funnel::standard());
    attribution_accumulator whole;
    whole.add(touch_paths_of(j));
    const auto [h1, h2] = split_by_lead(crm.history);
    const journeys j1(h1, funnel::standard()), j2(h2, funnel::standard());
    attribution_accumulator a, b;
    a.add(touch_paths_of(j1));
    b.add(touch_paths_of(j2));
    // b sees the channels in another first-seen order than the whole.
    const auto merged = merge(b, a);
    CHECK(merged == whole);
    const auto rw = whole.result(), rm = merged.result();
    REQUIRE(rw.channels.size() == rm.channels.size());
    CHECK(rw.conversions == rm.conversions);
    for (std::size_t i = 0; i < rw.channels.size(); ++i) {
        CHECK(rw.channels[i].channel == rm.channels[i].channel);
        CHECK(rw.channels[i].markov == rm.channels[i].markov);
        CHECK(rw.channels[i].linear == rm.channels[i].linear);
        CHECK(rw.channels[i].markov_revenue == rm.channels[i].markov_revenue);
    }

    // Every rule distributes all conversions and all revenue; the chain's P(conversion) is conversions / paths.
    double markov = 0, linear = 0, first = 0, revenue = 0;
    for (const auto& c : rw.channels) {
        markov += c.markov;
        linear += c.linear;
        first += c.first_touch;
        revenue += c.markov_revenue;
    }
    const auto conversions = static_cast<double>(rw.conversions);
    CHECK(markov == doctest::Approx(conversions).epsilon(1e-12));
    CHECK(linear == doctest::Approx(conversions).epsilon(1e-12));
    CHECK(first == conversions);
    CHECK(revenue == doctest::Approx(rw.revenue).epsilon(1e-12));
    CHECK(rw.conversion_probability == doctest::Approx(conversions / static_cast<double>(rw.paths)).epsilon(1e-12));
    // A generated lead keeps one source, so each path is a single touch: the removal effect of c is then
    // P(start → c) · P(convert | c) / P(convert), and the Markov credit equals the first-touch count.
    for (const auto& c : rw.channels) CHECK(c.markov == doctest::Approx(c.first_touch).epsilon(1e-9));
}

TEST_CASE("attribution: bad input is refused with the path named") {
    touch_paths p;
    const std::vector<std::string_view> empty_name{"A", ""};
    CHECK(message_of<definition_error>([&] { p.append(empty_name, true); }).find("path 0, touch 2") !=
          std::string::npos);
    CHECK(message_of<definition_error>([&] { p.append("A", true, -3); }).find("path 0") != std::string::npos);
    CHECK(p.size() == 0);
    p.append("A", true, 10);
    p.value[0] = std::numeric_limits<double>::infinity(); // columns edited by hand
    attribution_accumulator a;
    CHECK(message_of<definition_error>([&] { a.add(p); }).find("path 0") != std::string::npos);
    CHECK(a == attribution_accumulator{}); // nothing half-added

    // No conversion at all: removal effects are undefined, and the status says so.
    touch_paths none;
    none.append("A>B", false);
    const auto r = attribute(none);
    CHECK(r.status == markov_status::no_data);
    CHECK(r.channels[0].markov == 0);
}

} // namespace test_markov
