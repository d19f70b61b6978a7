// The synthetic CRM generator: determinism, schema and invariants, and outcomes that follow the published truth.
#include "leadscore/leadscore.hpp"
#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_core.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace test_generator {

using namespace leadscore;

namespace {

constexpr std::int64_t day_seconds = 86400;

std::size_t column_of(const lead_table& t, field_role r) {
    const auto c = t.table_schema().find(r);
    REQUIRE(c.has_value());
    return *c;
}

std::string text_at(const lead_table& t, std::size_t col, std::size_t row) {
    const auto code = t.codes(col)[row];
    return code == missing_code ? std::string() : std::string(t.dict(col)[code]);
}

double coefficient(const generator_truth& truth, const std::string& feature) {
    const auto it = truth.coefficients.find(feature);
    return it == truth.coefficients.end() ? 0.0 : it->second;
}

/// The log-odds of winning, computed from the table alone by the feature definitions docs/data.md documents.
/// This is written independently of the generator, so agreement checks the documentation as well as the code.
double documented_log_odds(const lead_table& t, std::size_t row, const generator_truth& truth) {
    const auto& s = t.table_schema();
    double eta = truth.intercept;
    eta += coefficient(truth, "source=" + text_at(t, column_of(t, field_role::source), row));
    if (text_at(t, column_of(t, field_role::party), row) == "organization")
        eta += coefficient(truth, "party=organization");
    const std::string industry = text_at(t, s.at("industry"), row);
    if (!industry.empty()) eta += coefficient(truth, "industry=" + industry);
    const double employees = t.numeric(s.at("employees"))[row];
    if (!std::isnan(employees)) eta += coefficient(truth, "employees_log10") * std::log10(employees);
    const double days = t.numeric(column_of(t, field_role::purchase_timeframe))[row];
    if (days == 0) eta += coefficient(truth, "purchase_timeframe_now");
    if (days >= 1 && days <= 60) eta += coefficient(truth, "purchase_timeframe_1_60");
    if (days > 60) eta += coefficient(truth, "purchase_timeframe_over_60");
    if (t.booleans(s.at("newsletter"))[row] == 1) eta += coefficient(truth, "newsletter");
    for (const auto& e : t.events_of(row))
        eta += coefficient(truth, std::string(t.event_types()[e.type]) + "_count");
    return eta;
}

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// Won count against the model for one subgroup of closed leads.
struct tally {
    double closed = 0, won = 0, expected = 0, variance = 0;
    void add(bool is_won, double p) {
        closed += 1;
        won += is_won ? 1 : 0;
        expected += p;
        variance += p * (1 - p);
    }
    // Given the features, closed leads' outcomes are independent Bernoulli(p_i) draws (whether a lead closes by the
    // horizon depends on its cycle time, never on the outcome draw), so the won count has mean Σp_i and variance
    // Σp_i(1 - p_i); by the normal approximation |won - Σp_i| exceeds 4·sqrt(Σp_i(1 - p_i)) with probability about
    // 6e-5 per subgroup. (For equal p this is the familiar |rate - p| < 4·sqrt(p(1-p)/n).)
    [[nodiscard]] bool agrees() const { return std::abs(won - expected) < 4 * std::sqrt(variance); }
};

} // namespace

TEST_CASE("generator: the same seed gives the same data, another seed other data") {
    generator_options o;
    o.leads = 3000;
    o.seed = 5;
    const auto a = generate_crm(o);
    const auto b = generate_crm(o);
    CHECK(a.leads == b.leads);
    CHECK(a.leads.view().all_events().size() == b.leads.view().all_events().size());
    CHECK(std::equal(a.leads.view().all_events().begin(), a.leads.view().all_events().end(),
                     b.leads.view().all_events().begin(), b.leads.view().all_events().end()));
    CHECK(a.history == b.history);
    CHECK(a.won_probability == b.won_probability);
    CHECK(a.truth.intercept == b.truth.intercept);
    CHECK(a.truth.coefficients == b.truth.coefficients);

    SUBCASE("another seed") {
        o.seed = 6;
        const auto c = generate_crm(o);
        CHECK_FALSE(a.leads == c.leads);
        CHECK_FALSE(a.history == c.history);
        CHECK(a.truth.coefficients == c.truth.coefficients); // the model is fixed; only the draws change
    }
    SUBCASE("a lead does not depend on how many are generated") {
        o.leads = 1000;
        const auto small = generate_crm(o);
        std::vector<std::size_t> first(1000);
        for (std::size_t i = 0; i < first.size(); ++i) first[i] = i;
        CHECK(a.leads.select(first) == small.leads);
        const auto& ids = small.leads.dict(column_of(small.leads, field_role::id));
        std::size_t prefix = 0;
        while (prefix < a.history.size() && ids.find(a.history[prefix].lead_id)) ++prefix;
        REQUIRE(small.history.size() == prefix);
        for (std::size_t i = 0; i < prefix; ++i) CHECK(small.history[i] == a.history[i]);
    }
    SUBCASE("the profile does not depend on whether events are generated") {
        o.events = false;
        const auto quiet = generate_crm(o);
        CHECK(quiet.leads.view().all_events().empty());
        for (const char* name : {"id", "email", "source", "industry", "employees", "purchase_timeframe", "created"}) {
            const auto col = a.leads.table_schema().at(name);
            for (std::size_t r = 0; r < a.leads.rows(); r += 97) {
                const auto& f = a.leads.table_schema()[col];
                if (f.type == field_type::categorical)
                    CHECK(text_at(a.leads, col, r) == text_at(quiet.leads, col, r));
                else if (f.type == field_type::numeric) {
                    const double x = a.leads.numeric(col)[r], y = quiet.leads.numeric(col)[r];
                    CHECK((x == y || (std::isnan(x) && std::isnan(y))));
                } else
                    CHECK(a.leads.timestamps(col)[r] == quiet.leads.timestamps(col)[r]);
            }
        }
    }
}

TEST_CASE("generator: the same data, codes included, for any number of threads") {
    // Rows are generated in slices of at least 8192 leads, one a thread, and joined in row order: 3 × 8192 + 1000
    // leads give one, two or three slices. A binary archive holds every code, dictionary order and event as stored,
    // so equal archives mean equal data, not just equal texts.
    const auto bytes = [](const auto& value) {
        std::ostringstream out;
        save_archive(out, value, archive_format::binary);
        return out.str();
    };
    generator_options o;
    o.leads = 3 * 8192 + 1000;
    o.seed = 11;
    o.follow_up_days = 30;
    o.threads = 1;
    const auto one = generate_crm(o);
    const std::string table = bytes(one.leads), history = bytes(one.history);
    for (const unsigned threads : {2u, 3u, 0u}) {
        CAPTURE(threads);
        o.threads = threads;
        const auto many = generate_crm(o);
        CHECK(bytes(many.leads) == table);
        CHECK(bytes(many.history) == history);
        CHECK(many.won_probability == one.won_probability);
        CHECK(many.leads == one.leads);
    }
    SUBCASE("without events and history") {
        o.events = false;
        o.history = false;
        o.threads = 1;
        const auto a = generate_crm(o);
        o.threads = 3;
        const auto b = generate_crm(o);
        CHECK(bytes(a.leads) == bytes(b.leads));
        CHECK(b.history.empty());
        CHECK(b.leads.view().all_events().empty());
    }
}

TEST_CASE("generator: schema and invariants") {
    generator_options o;
    o.leads = 20000;
    o.seed = 11;
    // Generated once for all the subcases below (doctest runs the case's body once for each of them).
    static const auto crm = generate_crm(o);
    const auto& t = crm.leads;
    const auto& s = t.table_schema();
    REQUIRE(t.rows() == o.leads);
    const std::int64_t start = to_seconds(o.start), horizon = to_seconds(crm.horizon);
    CHECK(horizon == start + o.capture_days * day_seconds);

    SUBCASE("fields") {
        for (auto r : {field_role::id, field_role::party, field_role::name, field_role::email, field_role::phone,
                       field_role::company, field_role::job_title, field_role::source, field_role::stage,
                       field_role::purchase_timeframe, field_role::team, field_role::owner, field_role::created,
                       field_role::expected_value, field_role::outcome})
            CHECK_MESSAGE(s.find(r).has_value(), to_string(r));
        CHECK(s[s.at("outcome")].role == field_role::outcome);
        CHECK(s[s.at("outcome")].type == field_type::categorical);
        CHECK(s[s.at("lost_stage")].type == field_type::categorical);
        CHECK(s[s.at("industry")].type == field_type::categorical);
        CHECK(s[s.at("country")].type == field_type::categorical);
        CHECK(s[s.at("employees")].type == field_type::numeric);
        CHECK(s[s.at("newsletter")].type == field_type::boolean);
        CHECK(s[s.at("last_contacted")].type == field_type::timestamp);
        CHECK(crm.won_probability.size() == t.rows());
    }

    SUBCASE("ids and emails are unique, every lead has both") {
        for (auto r : {field_role::id, field_role::email}) {
            const auto codes = t.codes(column_of(t, r));
            const std::unordered_set<std::int32_t> distinct(codes.begin(), codes.end());
            CHECK(distinct.size() == t.rows());
            CHECK_FALSE(distinct.contains(missing_code));
        }
        const auto emails = column_of(t, field_role::email);
        for (std::size_t r = 0; r < t.rows(); r += 101) CHECK(text_at(t, emails, r).find('@') != std::string::npos);
        // The id is "L" and the 1-based row number padded to 8 digits (docs/data.md, step 6); rows 9 and 10 carry a digit.
        const auto ids = column_of(t, field_role::id);
        for (const std::size_t r : {std::size_t{0}, std::size_t{8}, std::size_t{9}, t.rows() - 1}) {
            char expected[24];
            std::snprintf(expected, sizeof expected, "L%08zu", r + 1);
            CHECK(text_at(t, ids, r) == expected);
        }
    }

    SUBCASE("every catalogue source occurs, and nothing else") {
        const source_catalogue catalogue;
        std::set<std::string> seen;
        const auto col = column_of(t, field_role::source);
        for (std::size_t r = 0; r < t.rows(); ++r) seen.insert(text_at(t, col, r));
        std::set<std::string> all;
        for (const auto& e : catalogue) all.insert(e.name);
        CHECK(seen == all);
        for (const auto& [feature, value] : crm.truth.coefficients)
            if (feature.starts_with("source=")) CHECK(catalogue.find(feature.substr(7)).has_value());
        for (const auto& e : catalogue) CHECK(crm.truth.coefficients.contains("source=" + e.name));
    }

    SUBCASE("created within the capture window; events sorted and within [created, horizon]") {
        const auto created = t.timestamps(column_of(t, field_role::created));
        const auto last_contacted = t.timestamps(s.at("last_contacted"));
        const event_catalogue types;
        std::size_t events = 0;
        for (std::size_t r = 0; r < t.rows(); ++r) {
            REQUIRE(created[r] >= start);
            REQUIRE(created[r] < start + o.capture_days * day_seconds);
            const auto ev = t.events_of(r);
            events += ev.size();
            for (std::size_t k = 0; k < ev.size(); ++k) {
                REQUIRE(ev[k].time >= created[r]);
                REQUIRE(ev[k].time <= horizon);
                if (k > 0) REQUIRE(ev[k - 1].time <= ev[k].time);
            }
            // last_contacted is the time of the latest event, missing without events.
            REQUIRE(last_contacted[r] == (ev.empty() ? missing_time : ev.back().time));
        }
        CHECK(events > t.rows()); // several events per lead on average
        for (std::size_t k = 0; k < t.event_types().size(); ++k)
            CHECK_MESSAGE(types.find(t.event_types()[static_cast<std::int32_t>(k)]).has_value(),
                          t.event_types()[static_cast<std::int32_t>(k)]);
    }

    SUBCASE("parties, companies, teams and owners hang together") {
        const auto party = column_of(t, field_role::party), company = column_of(t, field_role::company);
        const auto team = column_of(t, field_role::team), owner = column_of(t, field_role::owner);
        const auto employees = t.numeric(s.at("employees"));
        const auto industry = s.at("industry");
        const auto value = t.numeric(column_of(t, field_role::expected_value));
        const auto timeframe = t.numeric(column_of(t, field_role::purchase_timeframe));
        std::map<std::string, std::set<std::string>> teams_of_owner;
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const auto p = text_at(t, party, r);
            REQUIRE((p == "organization" || p == "individual"));
            const bool org = p == "organization";
            CHECK(text_at(t, company, r).empty() == !org);
            CHECK(text_at(t, industry, r).empty() == !org);
            CHECK(std::isnan(employees[r]) == !org);
            const auto tm = text_at(t, team, r);
            if (!org) CHECK(tm == "consumer");
            else if (employees[r] >= 1000) CHECK(tm == "enterprise");
            else if (employees[r] >= 50) CHECK(tm == "mid_market");
            else CHECK(tm == "small_business");
            teams_of_owner[text_at(t, owner, r)].insert(tm);
            if (!std::isnan(value[r])) CHECK((value[r] >= 1 && value[r] == std::round(value[r])));
            if (!std::isnan(timeframe[r])) {
                const double d = timeframe[r];
                CHECK((d == 0 || d == 30 || d == 60 || d == 90 || d == 180));
            }
        }
        for (const auto& entry : teams_of_owner) CHECK_MESSAGE(entry.second.size() == 1, entry.first);
    }

    SUBCASE("histories start at the funnel entry, run in time order and end where the lead is") {
        const funnel& f = funnel::standard();
        const auto ids = column_of(t, field_role::id), stage = column_of(t, field_role::stage);
        const auto source = column_of(t, field_role::source), outcome = s.at("outcome");
        const auto lost_stage = s.at("lost_stage");
        const auto created = t.timestamps(column_of(t, field_role::created));
        std::size_t h = 0;
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const auto id = text_at(t, ids, r);
            REQUIRE(h < crm.history.size());
            REQUIRE(crm.history[h].lead_id == id);
            CHECK(f.at(crm.history[h].stage) == f.entry());
            CHECK(to_seconds(crm.history[h].entered) == created[r]);
            std::size_t last = h;
            for (; h < crm.history.size() && crm.history[h].lead_id == id; ++h) {
                const auto& e = crm.history[h];
                CHECK(e.source == text_at(t, source, r));
                CHECK(to_seconds(e.entered) <= horizon);
                if (h > last) {
                    CHECK(crm.history[h - 1].entered < e.entered); // dwell times are at least 0.035 of C >= 1 day
                    // Open stages are passed in funnel order; nothing follows a closed or side stage.
                    const auto prev = f.open_rank(f.at(crm.history[h - 1].stage));
                    REQUIRE(prev.has_value());
                    if (const auto rank = f.open_rank(f.at(e.stage))) CHECK(*rank == *prev + 1);
                }
                CHECK(e.value.has_value() == (f[f.at(e.stage)].kind == stage_kind::won));
                if (e.value) CHECK(*e.value >= 1);
                last = h;
            }
            const auto& final_entry = crm.history[last];
            CHECK(final_entry.stage == text_at(t, stage, r));
            const auto kind = f[f.at(final_entry.stage)].kind;
            const auto result = text_at(t, outcome, r);
            if (kind == stage_kind::won) CHECK(result == "won");
            else if (kind == stage_kind::open) CHECK(result == "open");
            else CHECK(result == "lost");
            // A lost lead records the stage it was lost at: the open stage entered just before the closing one.
            if (result == "lost") {
                REQUIRE(last > 0);
                CHECK(text_at(t, lost_stage, r) == crm.history[last - 1].stage);
                CHECK(f.open_rank(f.at(text_at(t, lost_stage, r))).has_value());
            } else {
                CHECK(text_at(t, lost_stage, r).empty());
            }
        }
        CHECK(h == crm.history.size());
    }
}

TEST_CASE("generator: outcomes follow the published logistic model") {
    generator_options o;
    o.leads = 100000;
    o.seed = 2024;
    o.follow_up_days = 365; // most leads close, so the subgroups are large
    const auto crm = generate_crm(o);
    const auto& t = crm.leads;
    const auto& s = t.table_schema();

    // The probability the generator used for each lead is the documented function of the table's fields.
    std::vector<double> p(t.rows());
    double worst = 0;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        p[r] = logistic(documented_log_odds(t, r, crm.truth));
        worst = std::max(worst, std::abs(p[r] - crm.won_probability[r]));
    }
    CHECK(worst < 1e-12);

    const auto outcome = s.at("outcome");
    const auto source = column_of(t, field_role::source), party = column_of(t, field_role::party);
    const auto timeframe = t.numeric(column_of(t, field_role::purchase_timeframe));
    const auto newsletter = t.booleans(s.at("newsletter"));
    const auto industry = s.at("industry");
    const auto meeting = t.event_types().find("meeting_booked");
    REQUIRE(meeting.has_value());

    std::map<std::string, tally> groups;
    std::size_t open = 0;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const auto result = text_at(t, outcome, r);
        if (result == "open") {
            ++open;
            continue;
        }
        const bool won = result == "won";
        groups["all"].add(won, p[r]);
        groups["source=" + text_at(t, source, r)].add(won, p[r]);
        groups["party=" + text_at(t, party, r)].add(won, p[r]);
        groups["industry=" + text_at(t, industry, r)].add(won, p[r]);
        groups[std::isnan(timeframe[r]) ? "timeframe=none" : "timeframe=" + std::to_string(int(timeframe[r]))].add(won, p[r]);
        groups[newsletter[r] == 1 ? "newsletter" : "no newsletter"].add(won, p[r]);
        const auto ev = t.events_of(r);
        const bool met = std::any_of(ev.begin(), ev.end(), [&](const event_record& e) { return e.type == *meeting; });
        groups[met ? "booked a meeting" : "booked no meeting"].add(won, p[r]);
    }
    CHECK(open < t.rows() / 10);
    CHECK(groups.size() > 23 + 2 + 8 + 6);
    for (const auto& entry : groups) { // not a structured binding: doctest's INFO captures it in a lambda
        const auto& name = entry.first;
        const auto& g = entry.second;
        INFO(name << ": closed " << g.closed << ", won " << g.won << ", expected " << g.expected << " ± "
                  << 4 * std::sqrt(g.variance));
        CHECK(g.closed > 300);
        CHECK(g.agrees());
    }

    SUBCASE("the check has power: a slightly wrong model fails it") {
        auto wrong = crm.truth;
        wrong.coefficients["source=referral"] -= 0.3;
        tally referral;
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const auto result = text_at(t, outcome, r);
            if (result != "open" && text_at(t, source, r) == "referral")
                referral.add(result == "won", logistic(documented_log_odds(t, r, wrong)));
        }
        CHECK_FALSE(referral.agrees());
    }
}

TEST_CASE("generator: documented marginals") {
    generator_options o;
    o.leads = 60000;
    o.seed = 99;
    o.follow_up_days = 3650; // longer than the longest cycle (730 days): every lead closes
    const auto crm = generate_crm(o);
    const auto& t = crm.leads;
    const auto party = column_of(t, field_role::party), source = column_of(t, field_role::source);
    const auto timeframe = t.numeric(column_of(t, field_role::purchase_timeframe));
    const auto created = t.timestamps(column_of(t, field_role::created));

    // A share estimated from n draws has standard error sqrt(q(1-q)/n); 4 of them bound it.
    const auto near = [](double hits, double n, double q) { return std::abs(hits / n - q) < 4 * std::sqrt(q * (1 - q) / n); };

    double organizations = 0, social_org = 0, social_ind = 0;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const bool org = text_at(t, party, r) == "organization";
        organizations += org;
        if (text_at(t, source, r) == "social_media") (org ? social_org : social_ind) += 1;
    }
    const double n = static_cast<double>(t.rows());
    CHECK(near(organizations, n, 0.6));
    // Source mixes differ by party: social media has weight 3 of 90 for organizations, 10 of 89 for individuals.
    CHECK(near(social_org, organizations, 3.0 / 90));
    CHECK(near(social_ind, n - organizations, 10.0 / 89));

    // Cycle time (capture to final stage) is lognormal with median 21 days for "now" leads: half are shorter.
    std::map<std::string, std::int64_t> closed_at;
    for (std::size_t i = 0; i < crm.history.size(); ++i) closed_at[crm.history[i].lead_id] = to_seconds(crm.history[i].entered);
    const auto ids = column_of(t, field_role::id);
    double now = 0, faster = 0;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        if (timeframe[r] != 0) continue;
        now += 1;
        faster += closed_at.at(text_at(t, ids, r)) - created[r] < 21 * day_seconds;
    }
    CHECK(now > 1000);
    CHECK(near(faster, now, 0.5));
    const auto stage = column_of(t, field_role::stage);
    for (std::size_t r = 0; r < t.rows(); ++r)
        REQUIRE(funnel::standard()[funnel::standard().at(text_at(t, stage, r))].kind != stage_kind::open);
}

TEST_CASE("generator: edge cases and bad options") {
    generator_options o;
    o.leads = 0;
    const auto empty = generate_crm(o);
    CHECK(empty.leads.rows() == 0);
    CHECK(empty.history.empty());
    CHECK(empty.leads.table_schema().find(field_role::outcome).has_value());

    o.leads = 10;
    o.history = false;
    const auto no_history = generate_crm(o);
    CHECK(no_history.history.empty());
    CHECK(no_history.leads.rows() == 10);

    o.capture_days = 0;
    CHECK_THROWS_WITH_AS((void)generate_crm(o), doctest::Contains("capture_days"), definition_error);
    o.capture_days = 30;
    o.follow_up_days = -1;
    CHECK_THROWS_WITH_AS((void)generate_crm(o), doctest::Contains("follow_up_days"), definition_error);
    o.follow_up_days = 0;
    o.leads = std::size_t{1} << 40;
    CHECK_THROWS_AS((void)generate_crm(o), definition_error);
    // Within the 32-bit codes, but "L" and 9 digits for 500 M leads pass 4 GiB of id text: refused before any work.
    o.leads = 500'000'000;
    CHECK_THROWS_WITH_AS((void)generate_crm(o), doctest::Contains("4 GiB"), definition_error);
}

} // namespace test_generator
