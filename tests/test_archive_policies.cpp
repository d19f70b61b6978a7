// Archives of temperature policies (the type-erased temperature_policy through export keys, and a user's own policy),
// of the trend and qualification policies with their stage map, and of funnel statistics: exact round trips in
// text, XML and binary (a loaded policy rates and qualifies a batch exactly as the saved one); golden archives of
// version 1; damaged archives (truncated, corrupted, wrong type, newer version, unknown key, invalid contents) that
// must give archive_error naming the archive.

#include "history_helpers.hpp"

#include "leadscore/funnel/competing_risks.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_funnel.hpp"
#include "leadscore/io/serialize_temperature.hpp"
#include "leadscore/qualification/policy.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/temperature/engine.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace test_archive_policies {

using namespace leadscore;

// A user's own temperature policy: hot from twice the pivot, warm from the pivot. Registered in the tests below.
namespace acme {
struct pivot_policy {
    double pivot = 50;
    [[nodiscard]] std::vector<std::string> reasons() const { return {"at or above twice the pivot", "at or above the pivot", "below the pivot"}; }
    struct rater {
        double pivot;
        [[nodiscard]] rating rate(std::size_t, double s) const {
            if (s >= 2 * pivot) return {temperature::hot, 0, 0};
            if (s >= pivot) return {temperature::warm, 0, 1};
            if (s < pivot) return {temperature::cold, 0, 2};
            return {}; // NaN: unknown
        }
    };
    [[nodiscard]] rater bind(const rating_input&, const batch_options&) const { return {pivot}; }
};
template <class Ar>
void serialize(Ar& ar, pivot_policy& p, unsigned /*version*/) {
    ar& boost::serialization::make_nvp("pivot", p.pivot);
}
static_assert(TemperaturePolicy<pivot_policy>);
/// Another type, never registered under its own key.
struct other_policy : pivot_policy {};
template <class Ar>
void serialize(Ar& ar, other_policy& p, unsigned /*version*/) {
    ar& boost::serialization::make_nvp("pivot", p.pivot);
}
} // namespace acme

namespace {

constexpr archive_format formats[] = {archive_format::text, archive_format::xml, archive_format::binary};
constexpr double qnan = std::numeric_limits<double>::quiet_NaN();

template <class T>
std::string saved(const T& value, archive_format f) {
    std::ostringstream out(std::ios::binary);
    save_archive(out, value, f);
    return out.str();
}

template <class T>
void load_from(const std::string& bytes, T& into, archive_format f) {
    std::istringstream in(bytes, std::ios::binary);
    load_archive(in, into, f, "test.archive");
}

/// A value to load into (what it holds is replaced).
template <class T>
T blank() {
    if constexpr (std::is_same_v<T, default_qualification_policy>)
        return default_qualification_policy();
    else if constexpr (std::is_same_v<T, stage_map>)
        return stage_map::by_kind_and_order(funnel::standard());
    else if constexpr (std::is_same_v<T, markov_chain>)
        return markov_chain(funnel::standard(), dense_matrix(9, 9));
    else if constexpr (std::is_same_v<T, conversion_accumulator>)
        return conversion_accumulator(funnel::standard());
    else if constexpr (std::is_same_v<T, timing_accumulator>)
        return timing_accumulator(funnel::standard(), from_seconds(0));
    else if constexpr (std::is_same_v<T, competing_risks_accumulator>)
        return competing_risks_accumulator(funnel::standard(), from_seconds(0));
    else if constexpr (std::is_same_v<T, score_band_policy>)
        return score_band_policy(score_bands{score_scale::points, 0, 1});
    else
        return T{};
}

/// The message of the archive_error that loading `bytes` as T gives; "" when it loads.
template <class T>
std::string load_error(const std::string& bytes, archive_format f) {
    T into = blank<T>();
    try {
        load_from(bytes, into, f);
    } catch (const archive_error& e) {
        return e.what();
    }
    return "";
}

/// Bit-exact sameness for types without operator==: the binary archives are the same bytes (doubles as their bits).
template <class T>
bool same(const T& a, const T& b) {
    return saved(a, archive_format::binary) == saved(b, archive_format::binary);
}

/// Same shape and every element the same, NaN equal to NaN.
bool same_matrix(const dense_matrix& a, const dense_matrix& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (std::size_t i = 0; i < a.values().size(); ++i) {
        const double x = a.values()[i], y = b.values()[i];
        if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
    return true;
}

void register_pivot() { register_temperature_policy<acme::pivot_policy>("acme.pivot"); }

/// A batch of leads with a purchase timeframe and a rating field, their scores, and previous ratings: every branch of
/// every built-in policy is reached (timeframes 0, within and beyond the horizon, none; scores NaN, at and around
/// the band thresholds; every rating text and a missing one).
struct batch {
    schema fields{{{"purchase_timeframe", field_type::numeric, field_role::purchase_timeframe},
                   {"rating", field_type::categorical, field_role::none}}};
    std::vector<double> days, scores, later_scores;
    std::vector<std::int32_t> codes;
    dictionary dict;
    std::vector<rating> previous;

    explicit batch(std::size_t n) {
        for (const char* t : {"Hot", "warm", "COLD"}) dict.intern(t);
        std::uint64_t x = 88172645463325252ULL;
        const auto next = [&] { // xorshift64
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            return x;
        };
        const double pool[] = {0, 1, 30, 60, 61, 365, qnan, std::numeric_limits<double>::infinity()};
        for (std::size_t i = 0; i < n; ++i) {
            days.push_back(pool[next() % 8]);
            codes.push_back(static_cast<std::int32_t>(next() % 4) - 1); // -1 = missing_code
            const auto r = next() % 110;
            scores.push_back(r >= 100 ? qnan : static_cast<double>(r));
            const auto d = static_cast<double>(next() % 21) - 10.0; // the next run moves the score by -10..10
            later_scores.push_back(scores.back() + d);
        }
    }
    [[nodiscard]] table_view view() const {
        table_view v(fields, days.size());
        v.set_numeric(0, days);
        v.set_categorical(1, codes, dict);
        return v;
    }
};

/// The built-in policies, nested, and the user's own.
std::vector<std::pair<std::string, temperature_policy>> policies() {
    const score_band_policy bands(score_bands{score_scale::points, 40, 70});
    const purchase_timeframe_policy timeframe(timeframe_rule{45, temperature::cold, temperature::unknown, ""});
    const rating_field_policy field(rating_field_rule{"rating", {"hot"}, {"warm"}, {"cold", "lost"}});
    const relative_band_policy relative(relative_bands{0.1, 0.3, tie_rule::shared});
    const relative_band_policy by_row(relative_bands{0.25, 0.5, tie_rule::by_row});
    std::vector<std::pair<std::string, temperature_policy>> out;
    out.emplace_back("leadscore.purchase_timeframe", timeframe);
    out.emplace_back("leadscore.score_bands", bands);
    out.emplace_back("leadscore.score_bands", score_band_policy(score_bands{score_scale::probability, 0.1, 0.7}));
    out.emplace_back("leadscore.relative_bands", relative);
    out.emplace_back("leadscore.relative_bands", by_row);
    out.emplace_back("leadscore.rating_field", field);
    out.emplace_back("leadscore.hysteresis", hysteresis_policy(bands, hysteresis_rule{5.0, 3}));
    out.emplace_back("leadscore.hysteresis", hysteresis_policy(bands, hysteresis_rule{std::nullopt, 2}));
    out.emplace_back("leadscore.hysteresis", hysteresis_policy(relative, hysteresis_rule{0.0, 0}));
    out.emplace_back("leadscore.combined", hottest_of({{"timeframe", timeframe}, {"score", bands}}));
    out.emplace_back("leadscore.combined", coldest_of({{"timeframe", timeframe}, {"score", relative}}));
    out.emplace_back("leadscore.combined", explicit_overrides({"rep", field}, {"intent", timeframe}));
    out.emplace_back("leadscore.hysteresis",
                     hysteresis_policy(first_defined({{"rep", field},
                                                      {"both", hottest_of({{"t", timeframe}, {"s", bands}})},
                                                      {"mine", acme::pivot_policy{30}}}),
                                       hysteresis_rule{2.5, 4}));
    out.emplace_back("acme.pivot", acme::pivot_policy{37.5});
    return out;
}

/// Two runs of a policy over the batch: the second with the first's ratings as previous (hysteresis decides then).
/// The scale is not declared, so that bands on either scale rate the same scores.
std::vector<rating> two_runs(const temperature_policy& p, const batch& b, const batch_options& o) {
    const auto v = b.view();
    const auto first = rate_batch(p, rating_input{v, b.scores, std::nullopt}, o);
    auto second = rate_batch(p, rating_input{v, b.later_scores, std::nullopt, first}, o);
    second.insert(second.end(), first.begin(), first.end());
    return second;
}

std::filesystem::path golden_dir() { return std::filesystem::path(LEADSCORE_TEST_DATA) / "archive"; }

funnel custom_funnel() {
    return funnel({{"Visitor", stage_kind::open},
                   {"Contact", stage_kind::open},
                   {"Marketing ready", stage_kind::open},
                   {"Sales ready", stage_kind::open},
                   {"Deal", stage_kind::open},
                   {"Won", stage_kind::won},
                   {"Lost", stage_kind::lost},
                   {"Disqualified", stage_kind::rejected},
                   {"Later", stage_kind::nurture}});
}

stage_map custom_map() {
    return stage_map(custom_funnel(), {{lifecycle::suspect, "Visitor"},
                                       {lifecycle::lead, "Contact"},
                                       {lifecycle::mql, "Contact"}, // several classes may share a stage
                                       {lifecycle::sql, "Sales ready"},
                                       {lifecycle::rejected, "Lost"},
                                       {lifecycle::nurture, "Later"}});
}

default_qualification_policy custom_qualification() {
    qualification_rules r;
    r.inquiry_events = {"form_submitted", "demo <requested> & \"called\""};
    r.not_interest_events = {};
    r.mql_score = 30.25;
    r.no_intent = condition::equals("intent", std::string("none"));
    r.bought_competitor = condition::is_missing("current_vendor");
    r.reject_after_days = std::nullopt;
    r.nurture_after_days = 0; // the boundary value
    return default_qualification_policy(r, custom_map());
}

/// The golden temperature policy: hysteresis around a combination, with every built-in inside.
temperature_policy golden_temperature() {
    return hysteresis_policy(
        first_defined({{"rep", rating_field_policy(rating_field_rule{"rating", {"hot", "a"}, {"warm"}, {"cold"}})},
                       {"timeframe", purchase_timeframe_policy(timeframe_rule{30, temperature::unknown,
                                                                              temperature::unknown, "days"})},
                       {"top", relative_band_policy(relative_bands{0.1, 0.2, tie_rule::shared})},
                       {"score", score_band_policy(score_bands{score_scale::probability, 0.25, 0.75})}}),
        hysteresis_rule{0.05, 3});
}

/// A chain on custom_funnel from a matrix: open rows sum to 1 (0.5 + 0.25 + 0.25; exact binary fractions), a row of
/// zeros (Deal: no data), absorbing rows zero, and a NaN mean stay.
markov_chain golden_chain() {
    dense_matrix p = dense_matrix(9, 9);
    p(0, 1) = 0.5, p(0, 7) = 0.5;
    p(1, 2) = 0.5, p(1, 6) = 0.25, p(1, 1) = 0.25;
    p(2, 3) = 0.75, p(2, 8) = 0.25;
    p(3, 5) = 0.5, p(3, 6) = 0.5;
    return markov_chain(custom_funnel(), p, {86400, 172800.5, qnan, 3600, qnan, 0, 0, 0, 0});
}

conversion_group golden_conversion() {
    conversion_group g;
    g.leads = 10;
    g.won_leads = 3;
    // entered = converted + dropped + stayed in each stage.
    g.stages = {{10, 6, 4, 3, 1, 3}, {6, 3, 3, 2, 1, 3}, {3, 3, 2, 0, 0, 3}, {0, 0, 0, 0, 0, 0}};
    return g;
}

kpi_counts golden_kpi() {
    kpi_counts k;
    k.new_leads = 120, k.new_leads_won = 9, k.won = 11, k.lost = 40, k.revenue_cents = -125050; // a refund month
    k.won_with_value = 10, k.cycle_seconds = 8640000, k.cycle_count = 11, k.open_opportunities = 7;
    return k;
}

survival_curve golden_survival() {
    // Durations ended at 10, 20, 20, 40 s; censored at 20 and 30 s. S(10) = 5/6; at 20: 5 at risk (20, 20, 20c,
    // 30c, 40), 2 ended: S = 5/6 · 3/5 = 1/2; at 40: 1 at risk, 1 ended: S = 0.
    survival_curve c;
    c.steps = {{10, 6, 1, 5.0 / 6.0}, {20, 5, 2, 0.5}, {40, 1, 1, 0.0}};
    c.events = 4, c.censored = 2;
    return c;
}

incidence_curve golden_incidence() {
    // Two leads: one won at 10 s, one lost at 20 s. t=10: n=2, F_won = 1/2, S = 1/2; V_won = w(α − β F)² with
    // w = 1/4, α = 1 + F/S = 2, β = 1/S = 2: 1/4; V_lost = 1/4 · (0 − 2 · 0)² = 0. t=20: n=1, F_lost = 1/2, S = 0;
    // V_lost = 1/4 · 1² (its own close; S = 0 drops the ratio) + 1/4 · ((0 − 1/2)/(1/2))² = 1/2; V_won keeps 1/4
    // (the competing close at S = 0 adds nothing).
    incidence_curve c;
    c.steps = {{10, 2, 1, 0, 0.5, 0.5, 0, 0.25, 0}, {20, 1, 0, 1, 0, 0.5, 0.5, 0.25, 0.5}};
    c.won = 1, c.lost = 1, c.censored = 0, c.follow_up = 20;
    return c;
}

/// Times to close by source as of 2026-01-21: web a won after 10 days and b lost after 3; event c open for 18 days.
struct golden_competing_history {
    stage_history history = history_helpers::make_history({{"a", "lead", 0, history_helpers::no_value, "web"},
                                                           {"a", "won", 10, 500.0, "web"},
                                                           {"b", "lead", 1, history_helpers::no_value, "web"},
                                                           {"b", "lost", 4, history_helpers::no_value, "web"},
                                                           {"c", "lead", 2, history_helpers::no_value, "event"}});
    journeys paths{history, funnel::standard()};
    timestamp as_of = from_seconds(history_helpers::jan1 + 20 * history_helpers::day);
};

competing_risks_accumulator golden_competing() {
    const golden_competing_history h;
    const auto key = key_by_source(h.paths);
    return compute_competing_risks(h.paths, h.as_of, &key);
}

duration_summary golden_durations() {
    duration_summary d;
    d.count = 4, d.mean = 22.5, d.min = 10, d.p10 = 13, d.p25 = 17.5, d.median = 20, d.p75 = 25, d.p90 = 34,
    d.max = 40;
    return d;
}

attribution_result golden_attribution() {
    attribution_result r;
    channel_credit email, web;
    email.channel = "email", email.touches = 5, email.converting_touches = 2;
    email.first_touch = 1, email.last_touch = 0, email.linear = 0.5, email.markov = 0.4;
    email.first_touch_revenue = 100, email.linear_revenue = 50, email.markov_revenue = 40, email.removal_effect = 0.5;
    web.channel = "web <&>", web.touches = 3, web.converting_touches = 2;
    web.first_touch = 0, web.last_touch = 1, web.linear = 0.5, web.markov = qnan; // an ill-conditioned column
    web.last_touch_revenue = 100, web.linear_revenue = 50, web.markov_revenue = qnan, web.removal_effect = 0.75;
    r.channels = {email, web};
    r.paths = 4, r.conversions = 1, r.revenue = 100, r.conversions_without_value = 0;
    r.paths_without_touch = 2, r.conversions_without_touch = 1, r.revenue_without_touch = 0.125;
    r.conversion_probability = 0.25, r.status = markov_status::ill_conditioned;
    return r;
}

} // namespace

TEST_CASE("temperature archives: every built-in and a user's own policy round-trip and rate a batch identically") {
    register_pivot();
    const batch b(4000);
    const batch_options o{.threads = 2};
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        for (const auto& entry : policies()) {
            const std::string& key = entry.first; // not a structured binding: clang 14 cannot capture those
            const temperature_policy& p = entry.second;
            CAPTURE(key);
            CHECK(export_key(p) == key);
            const auto bytes = saved(p, f);
            temperature_policy back;
            load_from(bytes, back, f);
            REQUIRE(back);
            CHECK(back.target_type() == p.target_type());
            CHECK(export_key(back) == key);
            CHECK(back.reasons() == p.reasons());
            CHECK(two_runs(back, b, o) == two_runs(p, b, o));
            CHECK(saved(back, f) == bytes); // saving what was loaded gives the same archive
        }
        // The concrete types load as themselves, equal to what was saved.
        const score_band_policy bands(score_bands{score_scale::probability, 0.1, 0.30000000000000004});
        score_band_policy bands_back = blank<score_band_policy>();
        load_from(saved(bands, f), bands_back, f);
        CHECK(bands_back == bands);
        CHECK(bands_back.bands().hot == 0.30000000000000004); // exact, not the nearest short decimal
        const purchase_timeframe_policy tf(timeframe_rule{0, temperature::unknown, temperature::cold, "days"});
        purchase_timeframe_policy tf_back;
        load_from(saved(tf, f), tf_back, f);
        CHECK(tf_back == tf);
        const trend_policy trend(trend_rule{0.5, 7, 2});
        trend_policy trend_back;
        load_from(saved(trend, f), trend_back, f);
        CHECK(trend_back == trend);
        // An empty temperature_policy is saved as the empty key and loads empty.
        temperature_policy empty = purchase_timeframe_policy();
        load_from(saved(temperature_policy(), f), empty, f);
        CHECK_FALSE(empty);
    }
}

TEST_CASE("temperature archives: export keys and user registration") {
    register_pivot();
    register_pivot(); // the same key and type again changes nothing
    CHECK(export_key(temperature_policy(acme::pivot_policy{})) == "acme.pivot");
    CHECK_FALSE(export_key(temperature_policy()));
    // A key taken by another type, or the type under another key.
    CHECK_THROWS_WITH_AS(register_temperature_policy<acme::pivot_policy>("acme.other"),
                         doctest::Contains("registered under the key 'acme.pivot'"), definition_error);
    using acme::other_policy;
    CHECK_THROWS_WITH_AS(register_temperature_policy<other_policy>("leadscore.score_bands"),
                         doctest::Contains("'leadscore.score_bands' is taken"), definition_error);
    CHECK_THROWS_WITH_AS(register_temperature_policy<other_policy>(""), doctest::Contains("empty export key"),
                         definition_error);
    // Saving a policy of an unregistered type names the way out.
    std::ostringstream out;
    CHECK_THROWS_WITH_AS(save_archive(out, temperature_policy(other_policy{}), archive_format::xml),
                         doctest::Contains("register_temperature_policy"), definition_error);
}

TEST_CASE("qualification archives: policy and stage map round-trip; a loaded policy qualifies a CRM identically") {
    generator_options g;
    g.leads = 1500;
    g.seed = 4;
    g.follow_up_days = 30;
    const auto crm = generate_crm(g);
    const auto view = crm.leads.view();
    const batch_options o{.as_of = crm.horizon, .threads = 2};
    points_rules rules;
    rules.groups = {{"fit", {}, {}, {}}};
    rules.fit = {{"", condition::at_least("employees", 200.0), 35, "fit"}};
    const auto scores = score_batch(points_policy(rules), view, o);
    const auto temps = rate_batch(hottest_of({{"timeframe", purchase_timeframe_policy()},
                                              {"score", score_band_policy(score_bands{score_scale::points, 20, 30})}}),
                                  rating_input{view, scores, score_scale::points}, o);
    qualification_rules r;
    r.mql_score = 30;
    r.reject_after_days = 14;
    const default_qualification_policy standard(r);
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        auto back = blank<default_qualification_policy>();
        load_from(saved(standard, f), back, f);
        CHECK(back == standard);
        CHECK(qualify_batch(back, qualification_input{view, scores, temps}, o) ==
              qualify_batch(standard, qualification_input{view, scores, temps}, o));

        auto custom = blank<default_qualification_policy>();
        load_from(saved(custom_qualification(), f), custom, f);
        CHECK(custom == custom_qualification());
        CHECK(custom.stages().stage_of(lifecycle::mql) == 1);
        CHECK(custom.rules().nurture_after_days == 0);
        CHECK_FALSE(custom.rules().reject_after_days);

        auto map = blank<stage_map>();
        load_from(saved(custom_map(), f), map, f);
        CHECK(map == custom_map());
        CHECK(map.class_of(4) == lifecycle::beyond); // "Deal": an open stage after sql's
    }
}

TEST_CASE("funnel archives: conversion, KPI, Markov chain, durations and attribution round-trip exactly") {
    generator_options g;
    g.leads = 2000;
    g.seed = 12;
    const auto crm = generate_crm(g);
    const journeys j(crm.history, funnel::standard());
    const auto conversion = compute_conversion(j).total();
    kpi_accumulator kpis(funnel::standard(), crm.horizon);
    kpis.add(j);
    const auto kpi = kpis.total();
    const markov_chain estimated(compute_markov(j));
    const auto timing = compute_timing(j, crm.horizon);
    const auto curve = kaplan_meier(timing.to_close().closed, timing.to_close().censored);
    const auto summary = timing.to_close().summary();
    const auto incidence = compute_competing_risks(j, crm.horizon).total().incidence();
    REQUIRE(incidence.steps.size() > 10);
    const auto attribution = attribute(touch_paths_of(j));
    REQUIRE(curve.steps.size() > 10);
    REQUIRE(attribution.channels.size() > 2);
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        conversion_group c;
        load_from(saved(conversion, f), c, f);
        CHECK(c == conversion);
        kpi_counts k;
        load_from(saved(kpi, f), k, f);
        CHECK(k == kpi);
        load_from(saved(golden_kpi(), f), k, f);
        CHECK(k == golden_kpi());

        // A chain from a matrix round-trips exactly; an estimated one keeps its matrix and mean stays (not its
        // observed exits and stays) and analyzes exactly as before.
        auto chain = blank<markov_chain>();
        load_from(saved(golden_chain(), f), chain, f);
        CHECK(chain == golden_chain());
        load_from(saved(estimated, f), chain, f);
        std::vector<double> stays;
        for (std::size_t s = 0; s < funnel::standard().size(); ++s) stays.push_back(estimated.mean_stay(s));
        CHECK(chain == markov_chain(funnel::standard(), estimated.transitions(), stays));
        CHECK(chain.transitions() == estimated.transitions());
        const auto a1 = chain.analyze(), a2 = estimated.analyze();
        CHECK(a1.status == a2.status);
        CHECK(same_matrix(a1.absorption, a2.absorption)); // identical inputs: identical results
        CHECK(same_matrix(a1.fundamental, a2.fundamental));

        incidence_curve ic;
        load_from(saved(incidence, f), ic, f);
        CHECK(ic.steps == incidence.steps);
        CHECK(ic.won == incidence.won);
        CHECK(ic.censored == incidence.censored);
        CHECK(ic.follow_up == incidence.follow_up);
        survival_curve sc;
        load_from(saved(curve, f), sc, f);
        CHECK(sc.steps == curve.steps);
        CHECK(sc.events == curve.events);
        CHECK(sc.censored == curve.censored);
        duration_summary d;
        load_from(saved(summary, f), d, f);
        CHECK(same(d, summary));
        CHECK(d.median == summary.median);
        load_from(saved(duration_summary{}, f), d, f); // no durations: every statistic NaN
        CHECK(d.count == 0);
        CHECK(std::isnan(d.p90));
        attribution_result ar;
        load_from(saved(attribution, f), ar, f);
        CHECK(same(ar, attribution));
        REQUIRE(ar.channels.size() == attribution.channels.size());
        CHECK(ar.channels[1].channel == attribution.channels[1].channel);
        CHECK(ar.channels[1].removal_effect == attribution.channels[1].removal_effect);
        load_from(saved(golden_attribution(), f), ar, f);
        CHECK(std::isnan(ar.channels[1].markov));
        CHECK(ar.status == markov_status::ill_conditioned);
    }
}

TEST_CASE("funnel archives: accumulators of two halves, saved and loaded, merge to the whole exactly") {
    generator_options g;
    g.leads = 600;
    g.seed = 5;
    const auto crm = generate_crm(g);
    const auto& f = funnel::standard();
    const journeys j(crm.history, f);
    const auto key = key_by_source(j);
    const auto half = j.leads() / 2;
    const auto as_of = crm.horizon;
    // Loaded into accumulators of another funnel, period and as_of: the archive restores them.
    const auto other = from_seconds(to_seconds(as_of) - 86400);
    auto check = [&](const auto& whole, const auto& first, const auto& second, const auto& blank_value) {
        REQUIRE(!(first == whole));
        for (const auto fmt : formats) {
            CAPTURE(to_string(fmt));
            auto a = blank_value, b = blank_value;
            load_from(saved(first, fmt), a, fmt);
            load_from(saved(second, fmt), b, fmt);
            CHECK(a == first);
            a.merge(b);
            CHECK(a == whole);
        }
    };
    conversion_options window;
    window.window = std::chrono::hours(24 * 30);
    conversion_accumulator c0(f, window), c1(f, window), c2(f, window);
    c0.add(j, &key);
    c1.add(j, &key, 0, half);
    c2.add(j, &key, half, j.leads());
    check(c0, c1, c2, conversion_accumulator(custom_funnel()));

    timing_accumulator t0(f, as_of), t1(f, as_of), t2(f, as_of);
    t0.add(j);
    t1.add(j, 0, half);
    t2.add(j, half, j.leads());
    REQUIRE(!t0.to_close().censored.empty());
    check(t0, t1, t2, timing_accumulator(custom_funnel(), other));

    const kpi_options quarters{period::quarter, "mql", 0};
    kpi_accumulator k0(f, as_of, quarters), k1(f, as_of, quarters), k2(f, as_of, quarters);
    k0.add(j, &key);
    k1.add(j, &key, nullptr, 0, half);
    k2.add(j, &key, nullptr, half, j.leads());
    check(k0, k1, k2, kpi_accumulator(custom_funnel(), other));

    cohort_accumulator h0(period::month, as_of), h1(period::month, as_of), h2(period::month, as_of);
    h0.add(j);
    h1.add(j, 0, half);
    h2.add(j, half, j.leads());
    check(h0, h1, h2, cohort_accumulator(period::year, other));

    markov_accumulator m0(f), m1(f), m2(f);
    m0.add(j);
    m1.add(j, 0, half);
    m2.add(j, half, j.leads());
    check(m0, m1, m2, markov_accumulator(custom_funnel(), markov_options{false, 0}));
    const markov_options lost_after{true, 0, std::chrono::hours(24 * 60), as_of};
    markov_accumulator i0(f, lost_after), i1(f, lost_after), i2(f, lost_after);
    i0.add(j);
    i1.add(j, 0, half);
    i2.add(j, half, j.leads());
    REQUIRE(i0.imputed_losses(f.entry()) + i0.imputed_losses(f.entry() + 1) > 0);
    check(i0, i1, i2, markov_accumulator(custom_funnel()));
    competing_risks_accumulator r0(f, as_of), r1(f, as_of), r2(f, as_of);
    r0.add(j, &key);
    r1.add(j, &key, 0, half);
    r2.add(j, &key, half, j.leads());
    REQUIRE(!r0.total().won.empty());
    REQUIRE(!r0.total().lost.empty());
    REQUIRE(!r0.total().censored.empty());
    check(r0, r1, r2, competing_risks_accumulator(custom_funnel(), other));
    auto m = markov_accumulator(f);
    load_from(saved(m0, archive_format::text), m, archive_format::text);
    CHECK(same_matrix(markov_chain(m).analyze().absorption, markov_chain(m0).analyze().absorption));

    // What merge relies on is checked: labels in order, no negative duration.
    const auto xml = archive_format::xml;
    auto conv = saved(c1, xml);
    const auto l1 = conv.find("<label>"), l2 = conv.find("<label>", l1 + 1);
    const auto e1 = conv.find("</label>", l1), e2 = conv.find("</label>", l2);
    REQUIRE(e2 != std::string::npos);
    const auto first = conv.substr(l1, e1 - l1), second = conv.substr(l2, e2 - l2);
    conv.replace(l2, second.size(), first); // the second label repeats the first
    CHECK(load_error<conversion_accumulator>(conv, xml).find("conversion_accumulator: label") != std::string::npos);
    auto durations = saved(t1, xml);
    durations.replace(durations.find("<item>"), 6, "<item>-");
    CHECK(load_error<timing_accumulator>(durations, xml).find("a negative duration") != std::string::npos);
    auto times = saved(r1, xml);
    times.replace(times.find("<item>"), 6, "<item>-");
    CHECK(load_error<competing_risks_accumulator>(times, xml).find("competing_sample: a negative duration") !=
          std::string::npos);
    auto risks = saved(r1, xml);
    const auto g1 = risks.find("<label>"), g2 = risks.find("<label>", g1 + 1);
    REQUIRE(g2 != std::string::npos);
    risks.replace(g2, risks.find("</label>", g2) - g2, risks.substr(g1, risks.find("</label>", g1) - g1));
    CHECK(load_error<competing_risks_accumulator>(risks, xml).find("competing_risks_accumulator: label") !=
          std::string::npos);
}

TEST_CASE("policy and funnel archives: golden archives of version 1 still load") {
    // Written once by this test with LEADSCORE_WRITE_GOLDEN set (only files that do not exist yet), then kept: a
    // change to the format that cannot read them fails here. To raise a version, see docs/persistence.md.
    register_pivot();
    const bool write = std::getenv("LEADSCORE_WRITE_GOLDEN") != nullptr;
    for (const auto f : {archive_format::text, archive_format::xml}) {
        const std::string ext = f == archive_format::xml ? ".xml" : ".txt";
        const auto load_golden = [&]<class T>(const char* name, const T& expected, T into) {
            const auto path = golden_dir() / (std::string(name) + ".v1" + ext);
            CAPTURE(path.string());
            if (write && !std::filesystem::exists(path)) save_archive_file(path, expected, f); // never overwrites
            REQUIRE(std::filesystem::exists(path));
            load_archive_file(path, into, f);
            return into;
        };
        const auto t = load_golden("temperature_policy", golden_temperature(), temperature_policy());
        CHECK(export_key(t) == "leadscore.hysteresis");
        CHECK(same(t, golden_temperature()));
        REQUIRE(t.target<hysteresis_policy>());
        CHECK(t.target<hysteresis_policy>()->rule() == hysteresis_rule{0.05, 3});
        CHECK(t.reasons() == golden_temperature().reasons());
        const auto pivot = load_golden("user_temperature_policy", temperature_policy(acme::pivot_policy{12.75}),
                                       temperature_policy());
        REQUIRE(pivot.target<acme::pivot_policy>());
        CHECK(pivot.target<acme::pivot_policy>()->pivot == 12.75);
        CHECK(load_golden("trend_policy", trend_policy(trend_rule{2.5, 14, 6}), trend_policy()) ==
              trend_policy(trend_rule{2.5, 14, 6}));
        CHECK(load_golden("qualification_policy", custom_qualification(), default_qualification_policy()) ==
              custom_qualification());
        CHECK(load_golden("conversion_group", golden_conversion(), conversion_group()) == golden_conversion());
        CHECK(load_golden("kpi_counts", golden_kpi(), kpi_counts()) == golden_kpi());
        CHECK(load_golden("markov_chain", golden_chain(), blank<markov_chain>()) == golden_chain());
        CHECK(load_golden("survival_curve", golden_survival(), survival_curve()).steps == golden_survival().steps);
        const auto ic = load_golden("incidence_curve", golden_incidence(), incidence_curve());
        CHECK(ic.steps == golden_incidence().steps);
        CHECK(ic.follow_up == 20);
        CHECK(same(load_golden("duration_summary", golden_durations(), duration_summary()), golden_durations()));
        const auto risks = load_golden("competing_risks_accumulator", golden_competing(),
                                       competing_risks_accumulator(custom_funnel(), from_seconds(0)));
        CHECK(risks == golden_competing());
        REQUIRE(risks.groups().size() == 2);
        const auto& web = risks.groups().at("web");
        CHECK(web.won == std::vector<std::int64_t>{10 * history_helpers::day});
        CHECK(web.lost == std::vector<std::int64_t>{3 * history_helpers::day});
        CHECK(risks.groups().at("event").censored == std::vector<std::int64_t>{18 * history_helpers::day});
        CHECK(same(load_golden("attribution_result", golden_attribution(), attribution_result()),
                   golden_attribution()));
    }
}

TEST_CASE("policy and funnel archives: truncated and corrupted archives give archive_error naming the archive") {
    register_pivot();
    const auto truncate_all = [](const std::string& bytes, auto blank_value, archive_format f) {
        std::size_t errors = 0;
        for (std::size_t cut = 0; cut < bytes.size(); cut += cut + 40 >= bytes.size() ? 1 : 1 + bytes.size() / 200) {
            auto into = blank_value;
            std::string m;
            try {
                load_from(bytes.substr(0, cut), into, f);
            } catch (const archive_error& e) {
                m = e.what();
            }
            CAPTURE(cut);
            const bool only_space = bytes.find_first_not_of(" \t\r\n", cut) == std::string::npos;
            if (!only_space) CHECK(m.find("archive 'test.archive'") == 0);
            errors += m.empty() ? 0 : 1;
        }
        CHECK(errors > 0);
    };
    const auto corrupt_all = [](const std::string& bytes, auto blank_value, archive_format f) {
        std::size_t refused = 0;
        for (std::size_t at = 0; at < bytes.size(); at += 1 + bytes.size() / 150) {
            for (const unsigned char flip : {0x01, 0x20, 0x80, 0xff}) {
                auto damaged = bytes;
                damaged[at] = static_cast<char>(static_cast<unsigned char>(damaged[at]) ^ flip);
                auto into = blank_value;
                try {
                    load_from(damaged, into, f);
                } catch (const archive_error& e) {
                    CHECK(std::string(e.what()).find("archive 'test.archive'") == 0);
                    ++refused;
                } // any other exception escapes and fails the test
            }
        }
        CHECK(refused > 0);
    };
    for (const auto f : formats) {
        CAPTURE(to_string(f));
        truncate_all(saved(golden_temperature(), f), temperature_policy(), f);
        truncate_all(saved(custom_qualification(), f), default_qualification_policy(), f);
        truncate_all(saved(golden_chain(), f), blank<markov_chain>(), f);
        truncate_all(saved(golden_attribution(), f), attribution_result(), f);
        corrupt_all(saved(golden_temperature(), f), temperature_policy(), f);
        corrupt_all(saved(custom_qualification(), f), default_qualification_policy(), f);
        corrupt_all(saved(golden_chain(), f), blank<markov_chain>(), f);
        corrupt_all(saved(golden_survival(), f), survival_curve(), f);
        corrupt_all(saved(golden_incidence(), f), incidence_curve(), f);
        corrupt_all(saved(golden_conversion(), f), conversion_group(), f);
    }
}

TEST_CASE("policy and funnel archives: wrong type, newer version, unknown key and invalid contents are refused") {
    const auto xml = archive_format::xml;
    const auto replaced = [](std::string s, const std::string& from, const std::string& to) {
        const auto at = s.find(from);
        REQUIRE(at != std::string::npos);
        return s.replace(at, from.size(), to);
    };
    // Wrong type: a temperature policy read as a qualification policy, a chain read as a temperature policy.
    CHECK(load_error<default_qualification_policy>(saved(golden_temperature(), archive_format::text),
                                                   archive_format::text) != "");
    CHECK(load_error<temperature_policy>(saved(golden_chain(), archive_format::binary), archive_format::binary) != "");
    CHECK(load_error<markov_chain>(saved(golden_conversion(), xml), xml) != "");

    // A newer version of the root type, and of a nested one.
    CHECK(load_error<temperature_policy>(replaced(saved(golden_temperature(), xml), "version=\"1\"", "version=\"2\""),
                                         xml)
              .find("temperature_policy: version 2 is newer") != std::string::npos);
    CHECK(load_error<markov_chain>(replaced(saved(golden_chain(), xml), "version=\"1\"", "version=\"9\""), xml)
              .find("newer") != std::string::npos);

    // An export key this program has not registered.
    CHECK(load_error<temperature_policy>(replaced(saved(golden_temperature(), xml), "leadscore.score_bands",
                                                  "leadscore.score_bandz"),
                                         xml)
              .find("unknown export key 'leadscore.score_bandz'") != std::string::npos);

    // Contents the constructors refuse, named by type: warm not below hot, an open class on a closed stage,
    // a transition row that does not sum to 1, counts that do not add up, steps out of order.
    const temperature_policy bands = score_band_policy(score_bands{score_scale::points, 40, 70});
    CHECK(load_error<temperature_policy>(replaced(saved(bands, xml), "<hot>70</hot>", "<hot>40</hot>"), xml)
              .find("score_band_policy") != std::string::npos);
    const temperature_policy h = hysteresis_policy(bands, hysteresis_rule{std::nullopt, 3});
    CHECK(load_error<temperature_policy>(replaced(saved(h, xml), "<evaluations>3<", "<evaluations>0<"), xml)
              .find("hysteresis_policy") != std::string::npos);
    CHECK(load_error<default_qualification_policy>(
              replaced(saved(custom_qualification(), xml), "<stage>Sales ready</stage>", "<stage>Won</stage>"), xml)
              .find("stage_map") != std::string::npos);
    CHECK(load_error<markov_chain>(replaced(saved(golden_chain(), xml), "0 0.5 0 0 0 0 0 0.5", "0 0.5 0 0 0 0 0 0.25"),
                                   xml)
              .find("markov_chain") != std::string::npos);
    CHECK(load_error<conversion_group>(replaced(saved(golden_conversion(), xml), "<stayed>1</stayed>",
                                                "<stayed>2</stayed>"),
                                       xml)
              .find("stage_counts: entered is not converted + dropped + stayed") != std::string::npos);
    CHECK(load_error<survival_curve>(replaced(saved(golden_survival(), xml), "<time>40</time>", "<time>20</time>"),
                                     xml)
              .find("survival_curve: step 2: times not strictly ascending") != std::string::npos);
    CHECK(load_error<incidence_curve>(replaced(saved(golden_incidence(), xml), "<time>20</time>", "<time>10</time>"),
                                      xml)
              .find("incidence_curve: step 1: times not strictly ascending") != std::string::npos);
    CHECK(load_error<incidence_curve>(replaced(saved(golden_incidence(), xml), "<lost>1</lost>", "<lost>2</lost>"),
                                      xml)
              .find("incidence_curve: step 1: won + lost not in 1..at_risk") != std::string::npos);
    CHECK(load_error<incidence_curve>(replaced(saved(golden_incidence(), xml), "<follow_up>20<", "<follow_up>19<"),
                                      xml)
              .find("incidence_curve: follow_up before the last step") != std::string::npos);
    CHECK(aalen_johansen(std::vector<std::int64_t>{10}, std::vector<std::int64_t>{20}, {}).steps ==
          golden_incidence().steps);
    CHECK(load_error<attribution_result>(replaced(saved(golden_attribution(), xml), "<status>3</status>",
                                                  "<status>4</status>"),
                                         xml)
              .find("status: unknown value 4") != std::string::npos);
    CHECK(load_error<kpi_counts>(replaced(saved(golden_kpi(), xml), "<cycle_count>11<", "<cycle_count>12<"), xml)
              .find("kpi_counts: cycle_count above won") != std::string::npos);
}

TEST_CASE("temperature archives: policies nested too deep are refused, not a stack overflow") {
    // 64 levels load (the limit counts temperature_policy loads: 64 wrappers hold 65 policies with the innermost).
    const auto nested = [](int levels) {
        temperature_policy p = score_band_policy(score_bands{score_scale::points, 40, 70});
        for (int i = 0; i < levels; ++i) p = hysteresis_policy(p, hysteresis_rule{1.0, 0});
        return p;
    };
    temperature_policy back;
    load_from(saved(nested(63), archive_format::binary), back, archive_format::binary);
    CHECK(back);
    CHECK(load_error<temperature_policy>(saved(nested(64), archive_format::binary), archive_format::binary)
              .find("nested more than 64 levels") != std::string::npos);
}

} // namespace test_archive_policies
