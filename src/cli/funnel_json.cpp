// leadscore funnel --format json: the funnel report as the document of schema leadscore.funnel/1 (docs/cli.md).
// The same library calls as the text report (funnel.cpp), every figure at full precision; rates are shares in
// [0, 1], durations in days; null where a figure cannot be computed.

#include "commands.hpp"
#include "json.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/funnel/competing_risks.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

constexpr double funnel_json_day_seconds = 86400.0;

json funnel_json_days(double seconds) { return json_or_null(seconds / funnel_json_day_seconds); }

json funnel_json_stages(const funnel& f, const conversion_accumulator& conv, bool windowed) {
    const auto all = conv.total();
    json stages = json::array();
    for (std::size_t s = 0; s < f.size(); ++s) {
        const auto& c = all.stages[s];
        const bool open = f[s].kind == stage_kind::open;
        const json na = nullptr;
        stages.push_back({{"stage", f[s].name},
                          {"kind", to_string(f[s].kind)},
                          {"entered", c.entered},
                          {"reached", json_or_null(all.reached(s, f.entry()))},
                          {"converted", open ? json(c.converted) : na},
                          {"conversion_rate", open ? json_or_null(c.conversion_rate()) : na},
                          {"window_conversion_rate", open && windowed ? json_or_null(c.window_conversion_rate()) : na},
                          {"dropped", open ? json(c.dropped) : na},
                          {"drop_off_rate", open ? json_or_null(c.drop_off_rate()) : na},
                          {"stayed", c.stayed},
                          {"win_rate", json_or_null(c.win_rate())}});
    }
    return stages;
}

json funnel_json_breakdown(const std::string& name, const conversion_accumulator& conv, const kpi_accumulator& kpi) {
    const auto by_label = kpi.by_label();
    json groups = json::array();
    for (const auto& [label, g] : conv.groups()) {
        kpi_counts k;
        const auto it = std::lower_bound(by_label.begin(), by_label.end(), label,
                                         [](const auto& p, const std::string& x) { return p.first < x; });
        if (it != by_label.end() && it->first == label) k = it->second;
        groups.push_back({{"label", label}, {"leads", g.leads}, {"won", k.won}, {"lost", k.lost},
                          {"open", k.open_opportunities}, {"win_rate", json_or_null(k.win_rate())},
                          {"conversion", json_or_null(g.overall_conversion())},
                          {"revenue", json_or_null(k.revenue())}, {"average_deal", json_or_null(k.average_deal())}});
    }
    // The largest groups first, as the text shows them; ties by label.
    std::stable_sort(groups.begin(), groups.end(), [](const json& a, const json& b) {
        return a["leads"].get<std::uint64_t>() > b["leads"].get<std::uint64_t>();
    });
    return {{"by", name}, {"groups", std::move(groups)}};
}

json funnel_json_durations(const duration_sample& d) {
    const auto s = d.summary();
    const auto median = d.survival().median();
    return {{"closed", s.count},
            {"open", d.censored.size()},
            {"unknown", d.unknown},
            {"mean_days", funnel_json_days(s.mean)},
            {"median_days", funnel_json_days(s.median)},
            {"p25_days", funnel_json_days(s.p25)},
            {"p75_days", funnel_json_days(s.p75)},
            {"p90_days", funnel_json_days(s.p90)},
            {"km_median_days", median ? funnel_json_days(static_cast<double>(*median)) : json(nullptr)}};
}

json funnel_json_timing(const funnel& f, const timing_accumulator& t) {
    json still_open = json::object();
    const auto km = t.to_close().survival();
    for (const int d : {30, 60, 90, 180, 365})
        still_open[std::to_string(d)] =
            json_or_null(km.survival_at(static_cast<std::int64_t>(d * funnel_json_day_seconds)));
    json stages = json::array();
    for (std::size_t s = 0; s < f.size(); ++s) {
        const auto& d = t.in_stage(s);
        if (d.closed.empty() && d.censored.empty()) continue;
        json row = funnel_json_durations(d);
        row["stage"] = f[s].name;
        stages.push_back(std::move(row));
    }
    return {{"to_close", funnel_json_durations(t.to_close())},
            {"to_won", funnel_json_durations(t.to_won())},
            {"still_open_after_days", std::move(still_open)},
            {"in_stage", std::move(stages)}};
}

/// The Aalen-Johansen cumulative incidence of won and lost at the text's horizons (null beyond the longest time
/// observed), with the 95% intervals (Gray's variance).
json funnel_json_competing(const competing_sample& all) {
    const auto c = all.incidence();
    json at = json::array();
    for (const int d : {30, 60, 90, 180, 365}) {
        const auto t = static_cast<std::int64_t>(d * funnel_json_day_seconds);
        const bool seen = c.observed_at(t);
        const auto p = c.at(t);
        const auto won = incidence_confidence(p.won_incidence, p.won_variance);
        const auto lost = incidence_confidence(p.lost_incidence, p.lost_variance);
        const json na = nullptr;
        at.push_back({{"days", d},
                      {"won", seen ? json_or_null(p.won_incidence) : na},
                      {"won_low", seen ? json_or_null(won.low) : na},
                      {"won_high", seen ? json_or_null(won.high) : na},
                      {"lost", seen ? json_or_null(p.lost_incidence) : na},
                      {"lost_low", seen ? json_or_null(lost.low) : na},
                      {"lost_high", seen ? json_or_null(lost.high) : na},
                      {"still_open", seen ? json_or_null(p.survival) : na}});
    }
    return {{"won", c.won}, {"lost", c.lost}, {"open", c.censored}, {"unknown", all.unknown}, {"at", std::move(at)}};
}

json funnel_json_markov(const markov_chain& chain) {
    json stages = json::array();
    for (const auto& o : outlook(chain))
        stages.push_back({{"stage", o.name}, {"exits", o.exits}, {"win_probability", json_or_null(o.win_probability)},
                          {"steps_to_close", json_or_null(o.expected_steps)},
                          {"days_to_close", json_or_null(o.expected_days)},
                          {"mean_stay_days", json_or_null(o.mean_stay_days)}, {"status", to_string(o.status)}});
    return stages;
}

json funnel_json_kpi(const std::string& label, const kpi_counts& c) {
    return {{"period", label},
            {"new_leads", c.new_leads},
            {"won", c.won},
            {"lost", c.lost},
            {"win_rate", json_or_null(c.win_rate())},
            {"revenue", json_or_null(c.revenue())},
            {"average_deal", json_or_null(c.average_deal())},
            {"cycle_days", json_or_null(c.cycle_days())},
            {"open_opportunities", c.open_opportunities},
            {"velocity_per_day", json_or_null(c.velocity())}};
}

json funnel_json_kpis(const kpi_accumulator& k, const funnel_report_options& o) {
    json periods = json::array();
    for (const auto& [index, counts] : k.by_period()) periods.push_back(funnel_json_kpi(k.period_name(index), counts));
    const auto r = k.customer_retention();
    return {{"period", to_string(o.kpi_period)},
            {"periods", std::move(periods)},
            {"total", funnel_json_kpi("total", k.total())},
            {"retention",
             {{"customers", r.customers},
              {"repeat", r.repeat},
              {"rate", json_or_null(r.rate())},
              {"customer_attribute", o.customer.empty() ? json(nullptr) : json(o.customer)}}}};
}

json funnel_json_cohorts(const cohort_accumulator& c) {
    json cohorts = json::array();
    for (const auto& [cohort, counts] : c.cohorts()) {
        json by_age = json::array();
        for (std::int64_t a = 0; a <= c.observed_age(cohort); ++a)
            by_age.push_back(json_or_null(counts.converted_by(static_cast<std::size_t>(a))));
        cohorts.push_back({{"cohort", period_label(cohort, c.by())}, {"leads", counts.leads},
                           {"won_by_age", std::move(by_age)}});
    }
    return {{"period", to_string(c.by())}, {"undated_leads", c.undated_leads()}, {"cohorts", std::move(cohorts)}};
}

} // namespace

json funnel_report_json(const stage_history& history, const funnel& stages, const funnel_report_options& o) {
    const journeys j(history, stages);
    std::optional<timestamp> as_of = o.as_of;
    if (!as_of) as_of = latest_entry(history);
    if (!as_of) throw error("funnel: the history has no dated entry; give --as-of");
    static const lead_attributes no_attributes;
    const lead_attributes& attrs = o.attributes != nullptr ? *o.attributes : no_attributes;
    const conversion_options co = conversion_options_of(o);
    std::optional<lead_key> customer;
    if (!o.customer.empty()) customer = key_by_attribute(attrs, o.customer, j.leads());
    kpi_options ko;
    ko.by = o.kpi_period;
    ko.opportunity_stage = o.opportunity_stage;

    json doc;
    doc["schema"] = "leadscore.funnel/1";
    doc["leads"] = j.leads();
    doc["stage_entries"] = j.size();
    doc["as_of"] = format_timestamp(*as_of);
    json undated = json::object();
    for (std::size_t s = 0; s < o.undated.size() && s < stages.size(); ++s)
        if (o.undated[s] != 0) undated[stages[s].name] = o.undated[s];
    doc["undated_entries"] = std::move(undated);
    const auto conversion = compute_conversion(j, nullptr, co);
    doc["window_days"] = json_or_null(o.window_days);
    doc["won_leads"] = conversion.total().won_leads;
    doc["overall_conversion"] = json_or_null(conversion.total().overall_conversion());
    doc["stages"] = funnel_json_stages(stages, conversion, o.window_days.has_value());
    json breakdowns = json::array();
    for (const auto& name : o.by) {
        auto key = make_key(j, attrs, name);
        kpi_accumulator k(stages, *as_of, ko);
        k.add(j, &key, customer ? &*customer : nullptr);
        breakdowns.push_back(funnel_json_breakdown(key.name, compute_conversion(j, &key, co), k));
    }
    doc["breakdowns"] = std::move(breakdowns);
    doc["timing"] = funnel_json_timing(stages, compute_timing(j, *as_of));
    doc["competing_risks"] = funnel_json_competing(compute_competing_risks(j, *as_of).total());
    doc["open_as_lost_days"] = json_or_null(o.open_as_lost_days);
    doc["markov"] = funnel_json_markov(markov_chain(compute_markov(j, markov_options_of(o, *as_of))));
    kpi_accumulator kpis(stages, *as_of, ko);
    kpis.add(j, nullptr, customer ? &*customer : nullptr);
    doc["kpis"] = funnel_json_kpis(kpis, o);
    cohort_accumulator cohorts(o.kpi_period, *as_of);
    cohorts.add(j);
    doc["cohorts"] = funnel_json_cohorts(cohorts);
    return doc;
}

} // namespace leadscore::cli
