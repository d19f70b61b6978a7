// Frequency-table naive Bayes: the published vectors V1–V7 (shared spec "frequency-scoring vectors", restating
// Odoo CRM's predictive lead scoring), incremental learning against rebuilds, and the policy contract.
#include "leadscore/leadscore.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace test_frequency {

using namespace leadscore;

namespace {

using cell = std::optional<std::string>;
constexpr std::nullopt_t na = std::nullopt;

field_role role_of(const std::string& name) {
    if (name == "id") return field_role::id;
    if (name == "team") return field_role::team;
    if (name == "stage") return field_role::stage;
    if (name == "outcome") return field_role::outcome;
    return field_role::none;
}

/// A table of categorical fields; roles by name (id, team, stage, outcome).
lead_table table_of(const std::vector<std::string>& names, const std::vector<std::vector<cell>>& rows) {
    std::vector<field> fields;
    for (const auto& n : names) fields.push_back({n, field_type::categorical, role_of(n)});
    lead_table t{schema(fields)};
    for (std::size_t c = 0; c < names.size(); ++c) {
        auto& col = std::get<categorical_column>(t.column(c));
        for (const auto& r : rows) col.codes.push_back(r.at(c) ? col.dict.intern(*r.at(c)) : missing_code);
    }
    t.finish_rows();
    return t;
}

/// Overwrites one categorical cell of a finished table (the CRM changed the lead).
void set_cell(lead_table& t, const std::string& field, std::size_t row, cell value) {
    auto& col = std::get<categorical_column>(t.column(t.table_schema().at(field)));
    col.codes.at(row) = value ? col.dict.intern(*value) : missing_code;
}

/// "L" followed by the number (built by append: GCC 12 warns falsely on lead_id(i)).
std::string lead_id(std::size_t i, const char* prefix = "L") {
    std::string s(prefix);
    s.append(std::to_string(i));
    return s;
}

/// Counts in thousandths of a lead: counts(1.1, 2.1) in the spec is {1100, 2100}.
frequency_counts counts(std::int64_t won_thousandths, std::int64_t lost_thousandths) {
    return {won_thousandths, lost_thousandths};
}

/// The spec's configuration: stages New, Qualified, Proposition (open, sequences 1–3) and Won; variables country,
/// state, email and phone quality (unset is a value), source and tags (comma-separated).
frequency_definition spec_definition() {
    frequency_definition d;
    d.stages = frequency_stages({"New", "Qualified", "Proposition"}, {"Won"});
    d.variables = {{"country"},
                   {"state"},
                   {"email_quality", true},
                   {"phone_quality", true},
                   {"source"},
                   {"tags", false, ','}};
    return d;
}

const std::vector<std::string> v1_fields = {"id",     "team",    "country",       "state",         "source",
                                            "stage",  "outcome", "email_quality", "phone_quality", "tags"};

std::vector<std::vector<cell>> v1_rows() {
    // lead, team, country, state, source, stage, outcome; email and phone quality unset, no tags.
    const char* rows[14][7] = {
        {"L0", "T1", "C0", "S0", "R0", "New", "lost"},         {"L1", "T1", "C1", "S1", "R1", "Qualified", "lost"},
        {"L2", "T1", "C2", "S2", "R2", "Won", "won"},          {"L3", "T1", "C0", "S1", "R2", "Qualified", "open"},
        {"L4", "T1", "C1", "S1", "R1", "New", "open"},         {"L5", "T2", "C0", "S1", "R1", "Proposition", "lost"},
        {"L6", "T2", "C0", "S1", "R2", "Qualified", "lost"},   {"L7", "T2", "C0", "S2", "R2", "Won", "won"},
        {"L8", "T2", "C0", "S1", "R2", "Qualified", "open"},   {"L9", "T2", "C1", "S0", "R1", "Qualified", "open"},
        {"L10", "T3", "C1", "S1", "R1", "Won", "won"},         {"L11", "T3", "C0", "S1", "R0", "New", "lost"},
        {"L12", "T3", "C1", "S2", "R2", "New", "lost"},        {"L13", "T3", "C0", "S1", "R2", "Qualified", "open"}};
    std::vector<std::vector<cell>> out;
    for (const auto& r : rows) out.push_back({r[0], r[1], r[2], r[3], r[4], r[5], r[6], na, na, na});
    return out;
}

double score_row(const frequency_policy& p, const lead_table& t, std::size_t row) {
    return p.bind(t.view(), timestamp{}).score(row);
}

std::vector<double> scores_with(const frequency_policy& p, const lead_table& t, unsigned threads, std::size_t block) {
    batch_options o;
    o.threads = threads;
    o.block_rows = block;
    return score_batch(p, t.view(), o);
}

std::vector<double> scores_with_any(const scoring_policy& p, const lead_table& t) {
    batch_options o;
    o.threads = 2;
    o.block_rows = 64;
    return score_batch(p, t.view(), o);
}

bool same(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
    return true;
}

} // namespace

TEST_CASE("frequency V1: full rebuild, three teams") {
    const auto table = table_of(v1_fields, v1_rows());
    const auto tables = frequency_tables::build(spec_definition(), table.view());

    SUBCASE("T1 rows") {
        // T1 closed: L0 lost at New, L1 lost at Qualified, L2 won. Every row starts at 0.1.
        // New: won L2; lost L0 (New) + L1 (Qualified ≥ New) → (1.1, 2.1). Qualified: (1.1, 1.1).
        // Proposition and Won: only the won lead → (1.1, 0.1).
        CHECK(tables.stage_counts("T1", "New") == counts(1100, 2100));
        CHECK(tables.stage_counts("T1", "Qualified") == counts(1100, 1100));
        CHECK(tables.stage_counts("T1", "Proposition") == counts(1100, 100));
        CHECK(tables.stage_counts("T1", "Won") == counts(1100, 100));
        CHECK(tables.value_counts("T1", "country", "C0") == counts(100, 1100));
        CHECK(tables.value_counts("T1", "country", "C1") == counts(100, 1100));
        CHECK(tables.value_counts("T1", "country", "C2") == counts(1100, 100));
        CHECK(tables.value_counts("T1", "state", "S2") == counts(1100, 100));
        CHECK(tables.value_counts("T1", "state", "S0") == counts(100, 1100));
        CHECK(tables.value_counts("T1", "source", "R2") == counts(1100, 100));
        CHECK(tables.value_counts("T1", "source", "R1") == counts(100, 1100));
        // Unset email / phone quality is a value: every closed lead counts there.
        CHECK(tables.value_counts("T1", "email_quality", frequency_unset) == counts(1100, 2100));
        CHECK(tables.value_counts("T1", "phone_quality", frequency_unset) == counts(1100, 2100));
        // No tags: nothing counted.
        CHECK_FALSE(tables.value_counts("T1", "tags", "t1"));
    }
    SUBCASE("T2 rows") {
        // T2 closed: L5 lost at Proposition, L6 lost at Qualified, L7 won — all in C0.
        CHECK(tables.stage_counts("T2", "New") == counts(1100, 2100));
        CHECK(tables.stage_counts("T2", "Won") == counts(1100, 100));
        CHECK(tables.value_counts("T2", "email_quality", frequency_unset) == counts(1100, 2100));
        CHECK(tables.value_counts("T2", "country", "C0") == counts(1100, 2100));
        CHECK_FALSE(tables.value_counts("T2", "country", "C1"));
        CHECK_FALSE(tables.has_rows(no_team));
    }
    SUBCASE("scores") {
        const frequency_policy policy(tables);
        // L3 (T1: C0, S1, R2, Qualified), W = 1.1, L = 2.1:
        //   sW = 1.1/3.2 · 1.1/1.1 · 0.1/1.3 · 0.1/1.3 · 1.1/1.3,  sL = 2.1/3.2 · 1.1/2.1 · 1.1/2.3 · 1.1/2.3 · 0.1/2.3
        //   (email and phone ×1: one row equal to the totals) → p = 0.33487 → 33.49 %.
        CHECK(score_row(policy, table, 3) == 0.3349);
        // L8 (T2: C0, S1, R2, Qualified): Qualified (1.1, 2.1); C0 is T2's only country (1.1, 2.1) = totals;
        //   S1 (0.1, 2.1) of (1.2, 2.2); R2 (1.1, 1.1) of (1.2, 2.2):
        //   sW ∝ 1.1 · 1 · 1 · 0.1/1.2 · 1.1/1.2 = 0.084028, sL ∝ 2.1 · 1 · 1 · 2.1/2.2 · 1.1/2.2 = 1.002273
        //   → p = 0.07735 → 7.74 %.
        CHECK(score_row(policy, table, 8) == 0.0774);
        // L13 (T3: C0, S1, R2, Qualified): New (1.1, 2.1), Qualified (1.1, 0.1); C0 (0.1, 1.1) of (1.2, 2.2);
        //   S1 (1.1, 1.1) of (1.2, 2.2); R2 (0.1, 1.1) of (1.3, 2.3):
        //   sW ∝ 1.1 · 1.1/1.1 · 0.1/1.2 · 1.1/1.2 · 0.1/1.3 = 0.0064637,
        //   sL ∝ 2.1 · 0.1/2.1 · 1.1/2.2 · 1.1/2.2 · 1.1/2.3 = 0.0119565 → p = 0.35090 → 35.09 %.
        CHECK(score_row(policy, table, 13) == 0.3509);
        // Closed and stage-less leads are not computed: won stage → 1, outcome lost → 0.
        CHECK(score_row(policy, table, 2) == 1.0);
        CHECK(score_row(policy, table, 0) == 0.0);
    }
    SUBCASE("L10–L13 without team: pooled") {
        auto moved = table_of(v1_fields, v1_rows());
        for (std::size_t r = 10; r < 14; ++r) set_cell(moved, "team", r, na);
        const auto pooled_tables = frequency_tables::build(spec_definition(), moved.view());
        CHECK(pooled_tables.stage_counts(no_team, "New") == counts(1100, 2100));
        // No team is never a partition of its own: L13 reads the sum of T1, T2 and "no team".
        // Pooled rows: New (3.3, 6.3), Qualified (1.1+1.1+1.1, 1.1+2.1+0.1) = (3.3, 3.3);
        //   C0 (0.1+1.1+0.1, 1.1+2.1+1.1) = (1.3, 4.3) of country totals (1.3+1.1+1.2, 2.3+2.1+2.2) = (3.6, 6.6);
        //   S1 (0.1+0.1+1.1, 1.1+2.1+1.1) = (1.3, 4.3) of (3.7, 6.7); R2 (1.1+1.1+0.1, 0.1+1.1+1.1) = (2.3, 2.3)
        //   of (3.8, 6.8); unset email / phone: one row equal to the totals.
        //   sW ∝ 3.3 · 3.3/3.3 · 1.3/3.6 · 1.3/3.7 · 2.3/3.8 = 0.253418,
        //   sL ∝ 6.3 · 3.3/6.3 · 4.3/6.6 · 4.3/6.7 · 2.3/6.8 = 0.466733 → p = 0.35191 → 35.19 %.
        const frequency_policy policy(pooled_tables);
        CHECK(score_row(policy, moved, 13) == 0.3519);
        CHECK(score_row(policy, moved, 13) != score_row(frequency_policy(tables), table, 13));
    }
}

TEST_CASE("frequency V2: incremental updates equal a rebuild after every step") {
    auto table = table_of(v1_fields, v1_rows());
    for (std::size_t r = 10; r < 14; ++r) set_cell(table, "team", r, na);
    const auto def = spec_definition();
    frequency_learner learner(def);
    learner.rebuild(table.view());
    const auto v1_tables = learner.tables();
    const frequency_policy before(v1_tables); // the snapshot a CRM scored L3 and L8 with
    REQUIRE(learner.tables() == frequency_tables::build(def, table.view()));

    const auto rebuilt = [&] { return frequency_tables::build(def, table.view()); };
    const auto t1_rows = [](const frequency_tables& t) {
        std::vector<frequency_row> out;
        for (auto& r : t.rows())
            if (r.team == std::optional<std::string>("T1")) out.push_back(r);
        return out;
    };

    // 1. L4 lost at New: +1 lost on New (and no other stage: Won's lost stays 0.1), C1, S1, R1 and unset quality.
    set_cell(table, "outcome", 4, "lost");
    CHECK(learner.lost("e1", table.view(), 4) == frequency_update::applied);
    CHECK(learner.tables().stage_counts("T1", "New") == counts(1100, 3100));
    CHECK(learner.tables().stage_counts("T1", "Qualified") == counts(1100, 1100));
    CHECK(learner.tables().stage_counts("T1", "Won") == counts(1100, 100));
    CHECK(learner.tables().value_counts("T1", "country", "C1") == counts(100, 2100));
    CHECK(learner.tables().value_counts("T1", "email_quality", frequency_unset) == counts(1100, 3100));
    CHECK(learner.tables() == rebuilt());

    // The same event again is a no-op, reported as such.
    CHECK(learner.lost("e1", table.view(), 4) == frequency_update::repeated);
    CHECK(learner.tables().stage_counts("T1", "New") == counts(1100, 3100));

    // 2. L9 won: +1 won on every T2 stage; T2 had no C1 row, so one is created at 0.1 and incremented.
    set_cell(table, "outcome", 9, "won");
    CHECK(learner.won("e2", table.view(), 9) == frequency_update::applied);
    CHECK(learner.tables().stage_counts("T2", "New") == counts(2100, 2100));
    CHECK(learner.tables().stage_counts("T2", "Won") == counts(2100, 100));
    CHECK(learner.tables().value_counts("T2", "country", "C1") == counts(1100, 100));
    CHECK(learner.tables().value_counts("T2", "email_quality", frequency_unset) == counts(2100, 2100));
    CHECK(learner.tables() == rebuilt());

    // 3. A policy is a snapshot: the one built before steps 1–2 still gives L3 33.49 % and L8 7.74 % (Odoo keeps
    //    the stored probabilities of leads that did not change).
    CHECK(score_row(before, table, 3) == 0.3349);
    CHECK(score_row(before, table, 8) == 0.0774);
    // A new snapshot sees L4's loss. L3 (T1): New (1.1, 3.1), Qualified (1.1, 1.1); C0 (0.1, 1.1), S1 (0.1, 2.1),
    //   R2 (1.1, 0.1), each of totals (1.3, 3.3):
    //   sW ∝ 1.1 · 1.1/1.1 · 0.1/1.3 · 0.1/1.3 · 1.1/1.3 = 0.0055075,
    //   sL ∝ 3.1 · 1.1/3.1 · 1.1/3.3 · 2.1/3.3 · 0.1/3.3 = 0.0070707 → p = 0.43786 → 43.79 %.
    CHECK(score_row(frequency_policy(learner.tables()), table, 3) == 0.4379);

    // 4. L4 reopened: step 1 undone.
    set_cell(table, "outcome", 4, "open");
    CHECK(learner.reopened("e3", "L4") == frequency_update::applied);
    CHECK(learner.tables().stage_counts("T1", "New") == counts(1100, 2100));
    CHECK(learner.tables().value_counts("T1", "country", "C1") == counts(100, 1100));
    CHECK(t1_rows(learner.tables()) == t1_rows(v1_tables));
    CHECK(learner.tables() == rebuilt());
    CHECK(learner.reopened("e3", "L4") == frequency_update::repeated);
    CHECK(learner.reopened("e3b", "L4") == frequency_update::not_closed);

    // 5. L4 moved to Won: +1 won on every stage, on C1 and on unset quality.
    set_cell(table, "stage", 4, "Won");
    set_cell(table, "outcome", 4, "won");
    CHECK(learner.won("e4", table.view(), 4) == frequency_update::applied);
    CHECK(learner.tables().stage_counts("T1", "New") == counts(2100, 2100));
    CHECK(learner.tables().stage_counts("T1", "Won") == counts(2100, 100));
    CHECK(learner.tables().value_counts("T1", "country", "C1") == counts(1100, 1100));
    CHECK(learner.tables().value_counts("T1", "email_quality", frequency_unset) == counts(2100, 2100));
    CHECK(learner.tables() == rebuilt());

    // 6. Back to New, still open: step 5 undone.
    set_cell(table, "stage", 4, "New");
    set_cell(table, "outcome", 4, "open");
    CHECK(learner.reopened("e5", "L4") == frequency_update::applied);
    CHECK(t1_rows(learner.tables()) == t1_rows(v1_tables));
    CHECK(learner.tables() == rebuilt());

    // 7. L4 lost (at New): +1 lost on New, C1 and unset quality, not on Won.
    set_cell(table, "outcome", 4, "lost");
    CHECK(learner.lost("e6", table.view(), 4) == frequency_update::applied);
    CHECK(learner.tables().stage_counts("T1", "New") == counts(1100, 3100));
    CHECK(learner.tables().stage_counts("T1", "Won") == counts(1100, 100));
    CHECK(learner.tables().value_counts("T1", "country", "C1") == counts(100, 2100));
    CHECK(learner.tables() == rebuilt());

    // 8. L4 reopened: T1 is back to its V1 rows.
    set_cell(table, "outcome", 4, "open");
    CHECK(learner.reopened("e7", "L4") == frequency_update::applied);
    CHECK(t1_rows(learner.tables()) == t1_rows(v1_tables));
    CHECK(learner.tables() == rebuilt());
    CHECK(learner.seen("e7"));
    CHECK_FALSE(learner.is_closed("L4"));
    CHECK(learner.is_closed("L9"));
}

TEST_CASE("frequency V3: tags and minimum support") {
    // Team "blup", 150 leads at New: 0–49 {t1}, 50–99 {t2}, 100–149 {t1, t2}.
    // Lost 0–29, 50–89, 100–134; won 31–49, 91–99, 136–149; open 30, 90, 135.
    std::vector<std::vector<cell>> rows;
    for (int i = 0; i < 150; ++i) {
        const char* tags = i < 50 ? "t1" : i < 100 ? "t2" : "t1, t2";
        const int k = i % 50;
        const int first_won = i < 50 ? 31 : i < 100 ? 41 : 36; // in-group index of the first won lead
        const int open_at = first_won - 1;
        const char* outcome = k < open_at ? "lost" : k == open_at ? "open" : "won";
        rows.push_back({lead_id(i), "blup", na, na, na, "New", outcome, na, na, tags});
    }
    // The three open leads get the tag sets {t1}, {t2}, {t1, t2}; a fourth open lead has none.
    rows.push_back({"X", "blup", na, na, na, "New", "open", na, na, na});
    const auto table = table_of(v1_fields, rows);
    const auto tables = frequency_tables::build(spec_definition(), table.view());

    // t1: won 19 (31–49) + 14 (136–149), lost 30 + 35; t2: won 9 + 14, lost 40 + 35; New: won 42, lost 105.
    CHECK(tables.value_counts("blup", "tags", "t1") == counts(33100, 65100));
    CHECK(tables.value_counts("blup", "tags", "t2") == counts(23100, 75100));
    CHECK(tables.stage_counts("blup", "New") == counts(42100, 105100));

    const frequency_policy policy(tables);
    // Tag totals (56.2, 140.2); W/L = 42.1/105.1; the stage row equals W, L; unset quality rows equal their totals.
    // {t1}: 42.1 · 33.1/56.2 = 24.7957 vs 105.1 · 65.1/140.2 = 48.8026 → 0.33690 → 33.69 %.
    CHECK(score_row(policy, table, 30) == 0.3369);
    // {t2}: 42.1 · 23.1/56.2 = 17.3044 vs 105.1 · 75.1/140.2 = 56.2985 → 0.23510 → 23.51 %.
    CHECK(score_row(policy, table, 90) == 0.2351);
    // {t1, t2}: 42.1 · 33.1/56.2 · 23.1/56.2 = 10.1917 vs 105.1 · 65.1/140.2 · 75.1/140.2 = 26.1413 → 28.05 %.
    CHECK(score_row(policy, table, 135) == 0.2805);
    // {}: 42.1 / 147.2 = 0.28601 → 28.6 %.
    CHECK(score_row(policy, table, 150) == 0.286);

    SUBCASE("without tags as a field: all 28.6") {
        frequency_options o;
        o.variables = std::vector<std::string>{"country", "state", "email_quality", "phone_quality", "source"};
        const frequency_policy no_tags(tables, o);
        for (const std::size_t r : {30, 90, 135, 150}) CHECK(score_row(no_tags, table, r) == 0.286);
    }
    SUBCASE("custom minimum support") {
        // t1 and t2 both hold 98.2 leads: support 99 skips them, 98 keeps them.
        frequency_options o;
        o.minimum_support = 99;
        for (const std::size_t r : {30, 90, 135}) CHECK(score_row(frequency_policy(tables, o), table, r) == 0.286);
        o.minimum_support = 98;
        CHECK(score_row(frequency_policy(tables, o), table, 30) == 0.3369);
    }
    SUBCASE("a small tag contributes nothing") {
        // A third tag on a single lost lead: row (0.1, 1.1), support 1.2 < 50, so {t3} scores like no tag.
        auto more = rows;
        more[0][9] = "t1,t3";
        more.push_back({"Y", "blup", na, na, na, "New", "open", na, na, "t3"});
        const auto t2 = table_of(v1_fields, more);
        const auto tabs = frequency_tables::build(spec_definition(), t2.view());
        CHECK(tabs.value_counts("blup", "tags", "t3") == counts(100, 1100));
        CHECK(score_row(frequency_policy(tabs), t2, 151) == 0.286);
    }
}

TEST_CASE("frequency V4: clamping") {
    const std::vector<std::string> names = {"id", "team", "country", "stage", "outcome", "tags"};
    const auto table = table_of(names, {{"pending", "T", "C", "New", "open", "edge"},
                                        {"lost", "T", "C", "New", "lost", "edge"},
                                        {"won", "T", "C", "Won", "won", "edge"}});
    frequency_definition d;
    d.stages = frequency_stages({"New"}, {"Won"});
    d.variables = {{"country"}, {"tags", false, ','}};
    auto tables = frequency_tables::build(d, table.view());
    // p = 1/(1 + 1/10^7 · …) rounds to 100.00 % and is clamped to 99.99 %; won stays 1, lost 0.
    tables.set_stage_counts("T", "New", counts(10'000'000'000, 1000));
    tables.set_value_counts("T", "tags", "edge", counts(10'000'000'000, 1000));
    const frequency_policy high(tables);
    CHECK(score_row(high, table, 0) == 0.9999);
    CHECK(score_row(high, table, 1) == 0.0);
    CHECK(score_row(high, table, 2) == 1.0);
    // The other way round p = 1/(1 + 10^7) rounds to 0.00 % and is clamped to 0.01 %.
    tables.set_stage_counts("T", "New", counts(1000, 10'000'000'000));
    tables.set_value_counts("T", "tags", "edge", counts(1000, 10'000'000'000));
    const frequency_policy low(tables);
    CHECK(score_row(low, table, 0) == 0.0001);
    CHECK(score_row(low, table, 2) == 1.0);
}

TEST_CASE("frequency V5: explanation") {
    const std::vector<std::string> names = {"id",    "team",          "country", "state",
                                            "email", "phone",         "source",  "stage", "outcome"};
    const std::vector<std::vector<cell>> rows = {
        {"A", "tooltip", "C0", "S0", "correct", "correct", "R1", "Won", "won"},
        {"B", "tooltip", "C1", "S0", "correct", "correct", na, "Won", "won"},
        {"C", "tooltip", na, na, "correct", "incorrect", "R0", "New", "lost"},
        {"D", "tooltip", "C0", na, "correct", "incorrect", "R0", "New", "lost"},
        {"E", "tooltip", na, "S1", "correct", "correct", na, "Proposition", "lost"},
        {"T", "tooltip", "C0", "S0", "correct", "correct", "R0", "Qualified", "open"}};
    frequency_definition d;
    d.stages = frequency_stages({"New", "Qualified", "Proposition"}, {"Won"});
    d.variables = {{"country"}, {"state"}, {"email", true}, {"phone", true}, {"source"}};
    const auto table = table_of(names, rows);
    const auto tables = frequency_tables::build(d, table.view());
    CHECK(tables.stage_counts("tooltip", "New") == counts(2100, 3100));
    CHECK(tables.stage_counts("tooltip", "Qualified") == counts(2100, 1100));
    CHECK(tables.value_counts("tooltip", "phone", "incorrect") == counts(100, 2100));
    CHECK(tables.value_counts("tooltip", "source", "R0") == counts(100, 2100));

    const frequency_policy policy(tables);
    const auto scorer = policy.bind(table.view(), timestamp{});
    // sW ∝ 2.1 · 2.1/2.1 · 1.1/2.2 · 2.1/2.2 · 2.1/2.1 · 2.1/2.2 · 0.1/1.2 = 0.079726
    // sL ∝ 3.1 · 1.1/3.1 · 1.1/1.2 · 0.1/1.2 · 3.1/3.1 · 1.1/3.2 · 2.1/2.2 = 0.027572 → p = 0.74304 → 74.30 %.
    CHECK(scorer.score(5) == 0.743);

    const auto f = scorer.factors(5);
    CHECK(f.probability == 0.743);
    // Scores: state 2.1/2.2 ÷ (2.1/2.2 + 0.1/1.2) = 0.920; phone 0.955/(0.955 + 1.1/3.2) = 0.735;
    // stage 1 − 1.1/3.1 = 0.645; email 1/(1 + 1) = 0.5 (neutral); country 0.5/(0.5 + 1.1/1.2) = 0.353;
    // source (0.1/1.2)/(0.1/1.2 + 2.1/2.2) = 0.080.
    REQUIRE(f.top.size() == 3);
    CHECK(f.top[0].variable == "state");
    CHECK(f.top[1].variable == "phone");
    CHECK(f.top[2].variable == "stage");
    CHECK(f.top[0].score == doctest::Approx(0.92).epsilon(0.005));
    CHECK(f.top[2].score == doctest::Approx(1.0 - 1.1 / 3.1));
    CHECK(f.top[2].value == std::optional<std::string>("Qualified"));
    REQUIRE(f.low.size() == 2);
    CHECK(f.low[0].variable == "source");
    CHECK(f.low[1].variable == "country");
    CHECK(f.low[0].score == doctest::Approx(0.08).epsilon(0.01));
    CHECK(f.low[1].score == doctest::Approx(0.353).epsilon(0.002));

    SUBCASE("log-odds explanation adds up") {
        const auto e = scorer.explain(5);
        CHECK(e.unit == "log-odds");
        CHECK(e.additive);
        CHECK(e.score == 0.743);
        CHECK(e.sum() == doctest::Approx(e.total).epsilon(1e-12));
        // logit(0.74304) from the derivation above: log(0.079726 / 0.027572) = 1.0618.
        CHECK(e.total == doctest::Approx(std::log(0.079726 / 0.027572)).epsilon(1e-4));
        // Prior log(W/L) = log(2.1/3.1); the email row equals its totals: contribution 0, listed last.
        bool prior = false;
        for (const auto& x : e.factors)
            if (x.name == "prior") prior = x.contribution == doctest::Approx(std::log(2.1 / 3.1));
        CHECK(prior);
        CHECK(e.factors.front().name == "state=S0");
        CHECK(e.factors.back().name == "email=correct");
        CHECK(e.factors.back().contribution == doctest::Approx(0.0));
    }
    SUBCASE("nonsense filter") {
        // Email and phone only. T: phone unset, email incorrect; A, B the same; C, D, E correct / correct.
        // Both of T's values score 2.1/2.2 ÷ (2.1/2.2 + 0.1/3.2) = 0.968: helpful but nonsense → dropped.
        auto r2 = rows;
        for (auto i : {0, 1, 5}) r2[i][4] = "incorrect", r2[i][5] = na;
        for (auto i : {2, 3, 4}) r2[i][4] = "correct", r2[i][5] = "correct";
        frequency_definition d2 = d;
        d2.variables = {{"email", true}, {"phone", true}};
        const auto t2 = table_of(names, r2);
        const auto s2 = frequency_policy(frequency_tables::build(d2, t2.view())).bind(t2.view(), timestamp{});
        auto f2 = s2.factors(5);
        REQUIRE(f2.top.size() == 1);
        CHECK(f2.top[0].variable == "stage");
        CHECK(f2.low.empty());
        // T email correct (0.1/2.2 ÷ (0.1/2.2 + 3.1/3.2) = 0.045: correct but harmful → dropped) and phone
        // incorrect, as A and B (0.968: incorrect but helpful → dropped).
        for (auto i : {0, 1, 5}) r2[i][5] = "incorrect";
        r2[5][4] = "correct";
        const auto t3 = table_of(names, r2);
        const auto s3 = frequency_policy(frequency_tables::build(d2, t3.view())).bind(t3.view(), timestamp{});
        auto f3 = s3.factors(5);
        REQUIRE(f3.top.size() == 1);
        CHECK(f3.top[0].variable == "stage");
        CHECK(f3.low.empty());
    }
}

TEST_CASE("frequency V6: merging a partition into no team") {
    frequency_definition d;
    d.stages = frequency_stages({"stage1", "stage2", "stage3"}, {"won"});
    d.variables = {{"country"}};
    frequency_tables t(d);
    t.set_stage_counts(no_team, "stage1", frequency_counts::of(20, 10));
    t.set_stage_counts(no_team, "stage2", frequency_counts::of(0.1, 0.1));
    t.set_stage_counts(no_team, "stage3", frequency_counts::of(10, 0));
    t.set_value_counts(no_team, "country", "country1", frequency_counts::of(10, 0.1));
    t.set_stage_counts("pls", "stage1", frequency_counts::of(20, 10));
    t.set_value_counts("pls", "country", "country1", frequency_counts::of(0.1, 10));
    t.set_value_counts("pls", "country", "country2", frequency_counts::of(0.1, 0));
    t.set_value_counts("pls", "country", "country3", frequency_counts::of(30, 30));

    frequency_tables expected(d);
    // stage1: 20 + 20, 10 + 10. country1: round(10) + round(0.1) = 10, round(0.1) + round(10) = 10.
    // country2: both counts ≤ 0.1 → dropped. country3: no row in "no team" → moved as is.
    expected.set_stage_counts(no_team, "stage1", counts(40000, 20000));
    expected.set_stage_counts(no_team, "stage2", counts(100, 100));
    expected.set_stage_counts(no_team, "stage3", counts(10000, 0));
    expected.set_value_counts(no_team, "country", "country1", counts(10000, 10000));
    expected.set_value_counts(no_team, "country", "country3", counts(30000, 30000));

    t.merge_into_no_team("pls");
    CHECK(t == expected);
    CHECK_FALSE(t.has_rows("pls"));
    CHECK_FALSE(t.value_counts(no_team, "country", "country2"));
    CHECK(t.size() == 5);
    // Merging again, or a team that never had rows, changes nothing.
    t.merge_into_no_team("pls");
    t.merge_into_no_team("nobody");
    CHECK(t == expected);
}

TEST_CASE("frequency V7: not computable keeps the caller's probability") {
    // Every stage belongs to team T1 only, so a lead of T2 has no first stage to read W and L from.
    frequency_definition d = spec_definition();
    for (auto& s : d.stages) s.teams = {"T1"};
    const auto table = table_of(v1_fields, v1_rows());
    const frequency_policy policy(frequency_tables::build(d, table.view()));
    const auto scores = score_batch(policy, table.view(), batch_options{});
    CHECK(std::isnan(scores[8]));
    CHECK(std::isnan(scores[9]));  // T2, open
    CHECK(std::isnan(scores[13])); // T3, open
    // T1's own leads have their first stage (New).
    CHECK(scores[3] == 0.3349);
    // Won and stage-less leads are not computed, so they stay 1 and 0.
    CHECK(scores[7] == 1.0);

    std::vector<double> probability(scores.size(), 0.5);
    probability[8] = 0.4123; // set by hand: 41.23 %
    const auto written = update_probabilities(scores, probability);
    CHECK(probability[8] == 0.4123);
    CHECK(probability[3] == 0.3349);
    CHECK(written == scores.size() - 3); // all but L8, L9, L13
    CHECK_THROWS_AS(update_probabilities(scores, std::span<double>(probability).first(3)), definition_error);

    SUBCASE("empty tables: nothing is computable") {
        const frequency_policy empty{frequency_tables(spec_definition())};
        const auto none = score_batch(empty, table.view(), batch_options{});
        CHECK(std::isnan(none[3]));
        CHECK(none[2] == 1.0);
        const auto e = empty.bind(table.view(), timestamp{}).explain(3);
        CHECK_FALSE(e.additive);
        REQUIRE(e.factors.size() == 1);
        CHECK(e.factors[0].name.find("not computable") != std::string::npos);
    }
}

TEST_CASE("frequency learning: random events always equal a rebuild") {
    // Leads of three teams (and none), two single-valued variables, a quality flag and tags; random closes,
    // reopens, re-closes with another outcome and repeated event ids. Field values change only while a lead is
    // open (a reopen undoes what the close added, which a rebuild sees only while the lead is unchanged).
    std::mt19937 rng(20261126);
    const auto pick = [&](std::initializer_list<const char*> xs) -> cell {
        const auto i = std::uniform_int_distribution<std::size_t>(0, xs.size() - 1)(rng);
        const char* x = *(xs.begin() + static_cast<std::ptrdiff_t>(i));
        return x == nullptr ? cell() : cell(x);
    };
    const std::size_t n = 40;
    std::vector<std::vector<cell>> rows;
    for (std::size_t i = 0; i < n; ++i)
        rows.push_back({lead_id(i), pick({"T1", "T2", "T3", nullptr}), pick({"C0", "C1", "C2", nullptr}),
                        pick({"S0", "S1"}), pick({"R0", "R1", "R2"}), pick({"New", "Qualified", "Proposition", nullptr}),
                        "open", pick({"correct", "incorrect", nullptr}), na, pick({"a", "b", "a,b", "b, c", nullptr})});
    auto table = table_of(v1_fields, rows);
    const auto def = spec_definition();
    frequency_learner learner(def);
    learner.rebuild(table.view());
    std::vector<bool> closed(n, false);
    std::vector<std::string> used; // event ids applied so far
    int event = 0;
    for (int step = 0; step < 400; ++step) {
        const auto i = std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
        const auto roll = std::uniform_int_distribution<int>(0, 9)(rng);
        const std::string id = lead_id(static_cast<std::size_t>(event++), "e");
        if (roll == 0 && !used.empty()) {
            // A repeated event id changes nothing.
            const auto before = learner.tables();
            const auto r = learner.lost(used[used.size() / 2], table.view(), i);
            CHECK(r == frequency_update::repeated);
            CHECK(learner.tables() == before);
            continue;
        }
        if (!closed[i] && roll < 4) { // the CRM edits an open lead
            set_cell(table, "team", i, pick({"T1", "T2", "T3", nullptr}));
            set_cell(table, "country", i, pick({"C0", "C1", "C2", nullptr}));
            set_cell(table, "tags", i, pick({"a", "b", "a,b", "b, c", nullptr}));
            set_cell(table, "stage", i, pick({"New", "Qualified", "Proposition", nullptr}));
            continue;
        }
        if (closed[i] && roll < 6) {
            set_cell(table, "outcome", i, "open");
            CHECK(learner.reopened(id, lead_id(i)) == frequency_update::applied);
            closed[i] = false;
            used.push_back(id);
        } else {
            const bool won = roll % 2 == 0;
            set_cell(table, "outcome", i, won ? "won" : "lost");
            const auto r = won ? learner.won(id, table.view(), i) : learner.lost(id, table.view(), i);
            CHECK(r == frequency_update::applied);
            closed[i] = true;
            used.push_back(id);
        }
        const auto rebuilt = frequency_tables::build(def, table.view());
        CHECK(learner.tables() == rebuilt);
        if (!(learner.tables() == rebuilt)) break;
    }
    // And reopening everything leaves empty tables.
    for (std::size_t i = 0; i < n; ++i)
        if (closed[i]) CHECK(learner.reopened(lead_id(i, "final"), lead_id(i)) == frequency_update::applied);
    CHECK(learner.tables().size() == 0);
}

TEST_CASE("frequency learning: many teams and values, counted one event at a time") {
    // 400 closed leads over 300 teams and 350 countries: 301 × 351 counters would dwarf the table, so build counts
    // them hashed; the learner counts lead by lead. Both must give the same rows.
    std::vector<std::vector<cell>> rows;
    for (std::size_t i = 0; i < 400; ++i)
        rows.push_back({lead_id(i), i % 7 == 0 ? cell() : cell(lead_id(i * 13 % 300, "T")), lead_id(i * 31 % 350, "C"),
                        na, na, i % 3 == 0 ? "Qualified" : "New", i % 4 == 0 ? "won" : "lost", na, na, na});
    const auto table = table_of(v1_fields, rows);
    frequency_definition d = spec_definition();
    d.variables = {{"country"}};
    frequency_learner learner(d);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto r = i % 4 == 0 ? learner.won(lead_id(i, "e"), table.view(), i) : learner.lost(lead_id(i, "e"), table.view(), i);
        CHECK(r == frequency_update::applied);
    }
    const auto built = frequency_tables::build(d, table.view());
    CHECK(built == learner.tables());
    // Every lead is counted once among the country rows; partitions: "no team" and each team with a closed lead.
    std::size_t leads_in_countries = 0;
    for (const auto& r : built.rows())
        if (r.variable) leads_in_countries += static_cast<std::size_t>(r.leads);
    CHECK(leads_in_countries == 400);
    std::set<std::size_t> teams;
    for (std::size_t i = 0; i < 400; ++i)
        if (i % 7 != 0) teams.insert(i * 13 % 300);
    CHECK(built.partitions().size() == 1 + teams.size());
}

TEST_CASE("frequency learning: lead objects, ids, lost stages and outcomes") {
    const funnel f({{"New", stage_kind::open},
                    {"Qualified", stage_kind::open},
                    {"Won", stage_kind::won},
                    {"Lost", stage_kind::lost}});
    const auto stages = frequency_stages(f);
    REQUIRE(stages.size() == 4);
    CHECK(stages[0] == frequency_stage{"New", stage_kind::open, 1, {}});
    CHECK(stages[1] == frequency_stage{"Qualified", stage_kind::open, 2, {}});
    CHECK(stages[2] == frequency_stage{"Won", stage_kind::won, 3, {}});
    CHECK(stages[3].kind == stage_kind::lost);

    frequency_definition d;
    d.stages = stages;
    d.variables = {{"source"}};
    SUBCASE("lead objects") {
        frequency_learner learner(d);
        const schema s = schema::for_leads();
        lead l;
        l.id = "L-1";
        l.team = "EMEA";
        l.source = "webinar";
        l.stage = "Qualified";
        CHECK(learner.lost("x1", l, s) == frequency_update::applied);
        // Lost at Qualified: New and Qualified get a lost; the row of webinar too.
        CHECK(learner.tables().stage_counts("EMEA", "New") == counts(100, 1100));
        CHECK(learner.tables().stage_counts("EMEA", "Qualified") == counts(100, 1100));
        CHECK_FALSE(learner.tables().stage_counts("EMEA", "Won"));
        CHECK(learner.tables().value_counts("EMEA", "source", "webinar") == counts(100, 1100));
        // Won now: the lost close is undone first, then every counted stage gets a won.
        CHECK(learner.won("x2", l, s) == frequency_update::applied);
        CHECK(learner.tables().stage_counts("EMEA", "New") == counts(1100, 100));
        CHECK(learner.tables().stage_counts("EMEA", "Won") == counts(1100, 100));
        CHECK(learner.tables().value_counts("EMEA", "source", "webinar") == counts(1100, 100));
        l.id.clear();
        CHECK_THROWS_WITH_AS(learner.won("x3", l, s), doctest::Contains("has no id"), input_error);
        CHECK_FALSE(learner.seen("x3"));
    }
    SUBCASE("a lost lead in a closed stage needs the stage it was lost at") {
        const std::vector<std::string> names = {"id", "stage", "outcome", "source", "last_open_stage"};
        const auto t = table_of(names, {{"A", "Lost", "lost", "web", "Qualified"}, {"B", "Won", "won", "web", "Qualified"}});
        CHECK_THROWS_WITH_AS((void)frequency_tables::build(d, t.view()),
                             doctest::Contains("row 0: a lost lead needs the stage it was lost at"), input_error);
        d.lost_stage_field = "last_open_stage";
        const auto tabs = frequency_tables::build(d, t.view());
        CHECK(tabs.stage_counts(no_team, "Qualified") == counts(1100, 1100));
        CHECK(tabs.stage_counts(no_team, "Won") == counts(1100, 100));
        // Scoring: a lead in the Lost stage scores 0 even without an outcome field.
        const auto open = table_of({"id", "stage", "source"}, {{"C", "Lost", "web"}, {"D", "New", "web"}});
        const auto scores = score_batch(frequency_policy(tabs), open.view(), batch_options{});
        CHECK(scores[0] == 0.0);
        // D: W, L = 1.1, 1.1 from New (B won, A lost at Qualified); the New row is (W, L) and web (1.1, 1.1) the
        //   only source → p = 1.1 / 2.2 = 50 %.
        CHECK(scores[1] == 0.5);
    }
    SUBCASE("outcomes") {
        const std::vector<std::string> names = {"id", "stage", "outcome", "source"};
        const auto bad = table_of(names, {{"A", "New", "won", "web"}, {"B", "New", "maybe", "web"}});
        CHECK_THROWS_WITH_AS((void)frequency_tables::build(d, bad.view()),
                             doctest::Contains("row 1: outcome 'maybe' is neither won, lost nor open"), input_error);
        CHECK_THROWS_WITH_AS((void)frequency_policy(frequency_tables(d)).bind(bad.view(), timestamp{}),
                             doctest::Contains("outcome 'maybe'"), definition_error);
        // Boolean outcomes: true = won, false = lost, missing = open; boolean variables count "true" / "false".
        lead_table t{schema({{"stage", field_type::categorical, field_role::stage},
                             {"outcome", field_type::boolean, field_role::outcome},
                             {"newsletter", field_type::boolean, field_role::none}})};
        auto& st = std::get<categorical_column>(t.column(0));
        auto& out = std::get<boolean_column>(t.column(1));
        auto& nl = std::get<boolean_column>(t.column(2));
        for (int i = 0; i < 5; ++i) st.codes.push_back(st.dict.intern(i == 0 ? "Won" : "New"));
        out.values = {1, 0, 0, missing_flag, missing_flag};
        nl.values = {1, 1, 0, 1, missing_flag};
        t.finish_rows();
        frequency_definition db = d;
        db.variables = {{"newsletter"}};
        const auto tabs = frequency_tables::build(db, t.view());
        CHECK(tabs.value_counts(no_team, "newsletter", "true") == counts(1100, 1100));
        CHECK(tabs.value_counts(no_team, "newsletter", "false") == counts(100, 1100));
        const auto s = score_batch(frequency_policy(tabs), t.view(), batch_options{});
        CHECK(s[0] == 1.0);
        CHECK(s[1] == 0.0);
        // Row 3 (New, newsletter true): W, L = 1.1, 2.1; New = (W, L); true (1.1, 1.1) of (1.2, 2.2):
        //   sW ∝ 1.1 · 1.1/1.2 = 1.00833, sL ∝ 2.1 · 1.1/2.2 = 1.05 → p = 0.48990 → 48.99 %.
        CHECK(s[3] == 0.4899);
        // Row 4 (newsletter missing, not a value): 1.1 / 3.2 = 0.34375, exactly in binary both as Odoo computes it
        //   and as the odds form does → 34.375 % is a tie → to even: 34.38 %.
        CHECK(s[4] == 0.3438);
    }
}

TEST_CASE("frequency policy: pooled fallback, custom smoothing, rounding") {
    auto table = table_of(v1_fields, v1_rows());
    for (std::size_t r = 10; r < 14; ++r) set_cell(table, "team", r, na);
    set_cell(table, "team", 9, "T9"); // L9: a team without rows
    const auto tables = frequency_tables::build(spec_definition(), table.view());
    REQUIRE(tables.partitions() == std::vector<std::optional<std::string>>{std::nullopt, "T1", "T2"});

    SUBCASE("pooled fallback") {
        const frequency_policy pooled(tables);
        CHECK(score_row(pooled, table, 13) == 0.3519); // V1's pooled derivation
        frequency_options o;
        o.pooled_fallback = false;
        const frequency_policy own(tables, o);
        // Without fallback "no team" is a partition of its own: it holds exactly T3's former leads → 35.09 % (V1).
        CHECK(score_row(own, table, 13) == 0.3509);
        // A team without rows: pooled with the fallback, not computable without.
        CHECK_FALSE(std::isnan(score_row(pooled, table, 9)));
        CHECK(std::isnan(score_row(own, table, 9)));
    }
    SUBCASE("custom smoothing") {
        frequency_definition d = spec_definition();
        d.smoothing = 0.5;
        const auto t = frequency_tables::build(d, table.view());
        // T1 New: 0.5 + 1 won, 0.5 + 2 lost.
        CHECK(t.stage_counts("T1", "New") == counts(1500, 2500));
        CHECK(t.value_counts("T1", "country", "C2") == counts(1500, 500));
        // L3 with smoothing 0.5: W, L = 1.5, 2.5; Qualified (1.5, 1.5); C0 (0.5, 1.5), S1 (0.5, 1.5), R2 (1.5, 0.5),
        //   each of totals (2.5, 3.5):
        //   sW ∝ 1.5 · 1.5/1.5 · 0.5/2.5 · 0.5/2.5 · 1.5/2.5 = 0.036, sL ∝ 2.5 · 1.5/2.5 · 1.5/3.5 · 1.5/3.5 · 0.5/3.5
        //   = 0.0393586 → p = 0.47771 → 47.77 %.
        CHECK(score_row(frequency_policy(t), table, 3) == 0.4777);
    }
    SUBCASE("rounding as Python's round(x, 2) on the exact binary value") {
        CHECK(frequency_round(0.33486541) == 0.3349);
        CHECK(frequency_round(0.34375) == 0.3438);          // 34.375 exactly: ties to even → 34.38
        CHECK(frequency_round(0.0012345) == 0.0012);
        CHECK(frequency_round(0.00125) == 0.0012);          // 0.125 % exactly: ties to even → 0.12 %
        CHECK(frequency_round(0.001251) == 0.0013);
        CHECK(frequency_round(0.5) == 0.5);
        CHECK(frequency_round(1.0) == 0.9999);
        CHECK(frequency_round(0.0) == 0.0001);
        CHECK(std::isnan(frequency_round(std::nan(""))));
        // 100 · 0.29 · 100 is 2899.9999999999995 in binary and Python's round(28.999999999999996, 2) is 29.0.
        CHECK(frequency_round(0.29) == 0.29);
    }
}

TEST_CASE("frequency policy: batch equals one lead, any thread count") {
    // A larger random table over the spec's fields, several teams, tags and quality values.
    std::mt19937 rng(7);
    const auto pick = [&](std::initializer_list<const char*> xs) -> cell {
        const auto i = std::uniform_int_distribution<std::size_t>(0, xs.size() - 1)(rng);
        const char* x = *(xs.begin() + static_cast<std::ptrdiff_t>(i));
        return x == nullptr ? cell() : cell(x);
    };
    std::vector<std::vector<cell>> rows;
    for (int i = 0; i < 3000; ++i)
        rows.push_back({lead_id(i), pick({"T1", "T2", "T3", "T4", nullptr}), pick({"C0", "C1", "C2", nullptr}),
                        pick({"S0", "S1", "S2"}), pick({"R0", "R1", "R2", nullptr}),
                        pick({"New", "Qualified", "Proposition", "Won", nullptr}), pick({"won", "lost", "open", "open"}),
                        pick({"correct", "incorrect", nullptr}), pick({"correct", nullptr}),
                        pick({"a", "b", "a,b", "a, c", nullptr})});
    const auto table = table_of(v1_fields, rows);
    frequency_options o;
    o.minimum_support = 10;
    const frequency_policy policy(frequency_tables::build(spec_definition(), table.view()), o);
    const auto scorer = policy.bind(table.view(), timestamp{});
    const auto one = scores_with(policy, table, 1, 4096);
    std::size_t computed = 0;
    for (std::size_t r = 0; r < one.size(); ++r) {
        const double s = scorer.score(r);
        CHECK((s == one[r] || (std::isnan(s) && std::isnan(one[r]))));
        computed += s > 0 && s < 1 ? 1 : 0;
    }
    CHECK(computed > 500);
    CHECK(same(one, scores_with(policy, table, 2, 7)));
    CHECK(same(one, scores_with(policy, table, 3, 5)));
    CHECK(same(one, scores_with(policy, table, 3, 4096)));
    // The type-erased wrapper runs the same batch form.
    const scoring_policy any = policy;
    CHECK(any.scale() == score_scale::probability);
    CHECK(same(one, scores_with_any(any, table)));

    // Explanations of computed rows add up to the logit of the probability before rounding.
    for (std::size_t r = 0; r < 200; ++r) {
        const auto e = scorer.explain(r);
        CHECK(e.score == one[r]);
        if (!e.additive) continue;
        CHECK(e.sum() == doctest::Approx(e.total).epsilon(1e-9));
        CHECK(frequency_round(1.0 / (1.0 + std::exp(-e.total))) == e.score);
    }
    // A copy is equal; another option is not.
    const frequency_policy copy = policy;
    CHECK(copy == policy);
    CHECK_FALSE(frequency_policy(policy.tables()) == policy);
}

TEST_CASE("frequency policy: bad configuration and bad input") {
    const auto table = table_of(v1_fields, v1_rows());
    SUBCASE("smoothing") {
        frequency_definition d = spec_definition();
        d.smoothing = 0;
        CHECK_THROWS_WITH_AS(frequency_tables{d}, doctest::Contains("smoothing 0.000000 must be positive"), definition_error);
        d.smoothing = -0.1;
        CHECK_THROWS_WITH_AS(frequency_tables{d}, doctest::Contains("smoothing"), definition_error);
        d.smoothing = std::nan("");
        CHECK_THROWS_AS(frequency_tables{d}, definition_error);
        d.smoothing = 0.0001; // a tenth of the counts' unit
        CHECK_THROWS_WITH_AS(frequency_tables{d}, doctest::Contains("whole number of thousandths"), definition_error);
        d.smoothing = 1;
        CHECK_NOTHROW(frequency_tables{d});
    }
    SUBCASE("definition") {
        frequency_definition d = spec_definition();
        d.variables.push_back({"country"});
        CHECK_THROWS_WITH_AS(frequency_tables{d}, doctest::Contains("variable 'country' is listed twice"), definition_error);
        d = spec_definition();
        d.variables[2].separator = ';';
        CHECK_THROWS_WITH_AS(frequency_tables{d}, doctest::Contains("cannot count unset"), definition_error);
        d = spec_definition();
        d.stages.push_back({"new", stage_kind::open, 9, {}});
        CHECK_THROWS_WITH_AS(frequency_tables{d}, doctest::Contains("stage 'new' is listed twice"), definition_error);
        d = spec_definition();
        d.stages.pop_back();
        CHECK_THROWS_WITH_AS(frequency_tables{d}, doctest::Contains("no won stage"), definition_error);
        d = spec_definition();
        d.variables.push_back({"stage"});
        d.stage_field = "stage";
        CHECK_THROWS_WITH_AS(frequency_tables{d}, doctest::Contains("also the stage"), definition_error);
        CHECK_THROWS_WITH_AS((void)frequency_counts::of(0.0005, 1), doctest::Contains("whole thousandths"), definition_error);
        CHECK_THROWS_AS((void)frequency_counts::of(-1, 1), definition_error);
    }
    SUBCASE("options") {
        const auto tables = frequency_tables::build(spec_definition(), table.view());
        frequency_options o;
        o.minimum_support = -1;
        CHECK_THROWS_WITH_AS(frequency_policy(tables, o), doctest::Contains("minimum support"), definition_error);
        o = {};
        o.variables = std::vector<std::string>{"country", "industry"};
        CHECK_THROWS_WITH_AS(frequency_policy(tables, o), doctest::Contains("'industry' is not a variable"), definition_error);
    }
    SUBCASE("unknown field, wrong type") {
        frequency_definition d = spec_definition();
        d.variables.push_back({"industry"});
        const frequency_policy p{frequency_tables(d)};
        CHECK_THROWS_WITH_AS((void)p.bind(table.view(), timestamp{}),
                             doctest::Contains("variable field 'industry' is not in the table"), definition_error);
        CHECK_THROWS_WITH_AS((void)frequency_tables::build(d, table.view()), doctest::Contains("'industry'"), definition_error);
        d = spec_definition();
        d.team_field = "squad";
        CHECK_THROWS_WITH_AS((void)frequency_policy(frequency_tables(d)).bind(table.view(), timestamp{}),
                             doctest::Contains("team field 'squad' is not in the table"), definition_error);
        lead_table numeric{schema({{"stage", field_type::categorical, field_role::stage},
                                   {"country", field_type::numeric, field_role::none}})};
        numeric.finish_rows();
        d = spec_definition();
        d.variables = {{"country"}};
        CHECK_THROWS_WITH_AS((void)frequency_policy(frequency_tables(d)).bind(numeric.view(), timestamp{}),
                             doctest::Contains("field 'country' is numeric"), definition_error);
        lead_table no_stage{schema({{"country", field_type::categorical, field_role::none}})};
        no_stage.finish_rows();
        CHECK_THROWS_WITH_AS((void)frequency_policy(frequency_tables(d)).bind(no_stage.view(), timestamp{}),
                             doctest::Contains("no stage field"), definition_error);
    }
    SUBCASE("stage not in the funnel") {
        auto rows = v1_rows();
        rows[3][5] = "Negotiation";
        const auto t = table_of(v1_fields, rows);
        const frequency_policy p{frequency_tables(spec_definition())};
        CHECK_THROWS_WITH_AS((void)p.bind(t.view(), timestamp{}),
                             doctest::Contains("stage 'Negotiation' (field 'stage') is not one of the stages"),
                             definition_error);
        rows[3][6] = "lost";
        const auto lost = table_of(v1_fields, rows);
        CHECK_THROWS_WITH_AS((void)frequency_tables::build(spec_definition(), lost.view()),
                             doctest::Contains("row 3: stage 'Negotiation' of a lost lead is not one of the stages"),
                             input_error);
        CHECK_THROWS_WITH_AS((void)frequency_tables{spec_definition()}.stage_counts(no_team, "Negotiation"),
                             doctest::Contains("'Negotiation' is not one of the stages"), definition_error);
    }
    SUBCASE("a CRM array with a code outside its dictionary") {
        const schema s({{"stage", field_type::categorical, field_role::stage},
                        {"country", field_type::categorical, field_role::none}});
        dictionary stages, countries;
        stages.intern("New");
        countries.intern("C0");
        const std::vector<std::int32_t> stage_codes{0, 0, 0}, country_codes{0, 7, -1};
        table_view v(s, 3);
        v.set_categorical(0, stage_codes, stages);
        v.set_categorical(1, country_codes, countries);
        frequency_definition d = spec_definition();
        d.variables = {{"country"}};
        const frequency_policy p{frequency_tables(d)};
        std::vector<double> out(3);
        CHECK_THROWS_WITH_AS(score_batch(p, v, out, batch_options{}),
                             doctest::Contains("field 'country': row 1: code 7 is not in the field's dictionary"),
                             input_error);
        CHECK_THROWS_AS((void)p.bind(v, timestamp{}).score(1), input_error);
        CHECK_NOTHROW((void)p.bind(v, timestamp{}).score(2));

        // Learning from the same arrays: the bad code is reported by field and row, not counted.
        const schema with_outcome({{"stage", field_type::categorical, field_role::stage},
                                   {"country", field_type::categorical, field_role::none},
                                   {"outcome", field_type::categorical, field_role::outcome}});
        dictionary outcomes;
        outcomes.intern("won");
        const std::vector<std::int32_t> outcome_codes{0, 0, 0};
        table_view w(with_outcome, 3);
        w.set_categorical(0, stage_codes, stages);
        w.set_categorical(1, country_codes, countries);
        w.set_categorical(2, outcome_codes, outcomes);
        CHECK_THROWS_WITH_AS((void)frequency_tables::build(d, w),
                             doctest::Contains("field 'country': row 1: code 7 is not in the field's dictionary"),
                             input_error);
        const std::vector<std::int32_t> bad_outcome{0, -5, 0}, good_country{0, 0, -1};
        w.set_categorical(1, good_country, countries);
        w.set_categorical(2, bad_outcome, outcomes);
        CHECK_THROWS_WITH_AS((void)frequency_tables::build(d, w), doctest::Contains("field 'outcome': row 1: code -5"),
                             input_error);
    }
    SUBCASE("tables from rows") {
        const std::vector<frequency_row> rows = {{"T1", std::nullopt, "New", counts(1100, 2100), 3},
                                                 {"T1", "country", "C0", counts(100, 1100), 1}};
        const frequency_tables t(spec_definition(), rows);
        CHECK(t.rows() == rows);
        const auto twice = std::vector<frequency_row>{rows[0], rows[0]};
        CHECK_THROWS_WITH_AS(frequency_tables(spec_definition(), twice), doctest::Contains("listed twice"), definition_error);
        frequency_tables by_hand(spec_definition());
        CHECK_THROWS_WITH_AS(by_hand.set_value_counts("T1", "tags", "a,b", counts(100, 100)),
                             doctest::Contains("must be one value"), definition_error);
        CHECK_THROWS_AS(by_hand.set_value_counts("T1", "tags", " a", counts(100, 100)), definition_error);
        CHECK_THROWS_AS(by_hand.set_value_counts("T1", "tags", "a", counts(-1, 100)), definition_error);
        CHECK(by_hand.size() == 0);
        const std::vector<frequency_row> unset = {{no_team, "country", std::nullopt, counts(100, 100), 0}};
        CHECK_THROWS_WITH_AS(frequency_tables(spec_definition(), unset), doctest::Contains("does not count unset"),
                             definition_error);
        // The rows of a rebuilt table give the same table back.
        const auto built = frequency_tables::build(spec_definition(), table.view());
        const auto listed = built.rows();
        CHECK(frequency_tables(spec_definition(), listed) == built);
    }
}

} // namespace test_frequency

namespace test_frequency {

TEST_CASE("frequency values: copies of tables, learners and scorers are independent of the original") {
    const auto table = table_of(v1_fields, v1_rows());
    const auto built = frequency_tables::build(spec_definition(), table.view());
    // A copy changed by hand leaves the original as it was (the counts are held behind a pointer).
    auto changed = built;
    REQUIRE(changed == built);
    changed.set_stage_counts("T1", "New", frequency_counts::of(7, 7));
    CHECK_FALSE(changed == built);
    CHECK(changed.stage_counts("T1", "New") == frequency_counts{7000, 7000});
    CHECK(built.stage_counts("T1", "New") != frequency_counts{7000, 7000});
    changed = built; // copy assignment restores every row
    CHECK(changed == built);
    const auto moved = std::move(changed);
    CHECK(moved == built);

    // Learners: an event applied to a copy is not applied to the original.
    frequency_learner learner(spec_definition());
    learner.rebuild(table.view());
    frequency_learner copy = learner;
    CHECK(copy.reopened("e1", "L0") == frequency_update::applied);
    CHECK_FALSE(copy.is_closed("L0"));
    CHECK(learner.is_closed("L0"));
    CHECK_FALSE(learner.seen("e1"));
    CHECK(learner.tables() == built);

    // A scorer copy scores alike, and outlives the policy it was bound from.
    std::optional<frequency_policy::scorer> kept;
    {
        const frequency_policy p(built);
        const auto s = p.bind(table.view(), timestamp{});
        kept = s;
    }
    const frequency_policy again(built);
    for (std::size_t r = 0; r < table.rows(); ++r)
        CHECK((kept->score(r) == score_row(again, table, r) || std::isnan(kept->score(r))));
}

TEST_CASE("frequency policy: scoring does not need the learner's id field") {
    auto d = spec_definition();
    d.id_field = "crm_key"; // a field the scored table does not carry
    const auto table = table_of(v1_fields, v1_rows());
    auto with_id = table_of(v1_fields, v1_rows());
    const frequency_policy p(frequency_tables::build(spec_definition(), table.view()));
    const frequency_policy named(frequency_tables(d, p.tables().rows()));
    CHECK(same(scores_with(named, table, 1, 4), scores_with(p, table, 1, 4)));
    const auto read = named.fields_read().names;
    CHECK(std::find(read.begin(), read.end(), "crm_key") == read.end());
    // The learner still does: an event names the lead by it.
    frequency_learner learner(d);
    CHECK_THROWS_WITH_AS(learner.won("e", with_id.view(), 0), doctest::Contains("'crm_key' is not in the table"),
                         definition_error);
}

} // namespace test_frequency
