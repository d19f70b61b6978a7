#pragma once
// Boost.Serialization of the funnel statistics a CRM keeps between runs: conversion tables (stage_counts,
// conversion_group), KPI counts (kpi_counts), the Markov chain of a funnel (markov_chain), durations
// (duration_summary, survival_curve) and attribution tables (attribution_result). Include this header (and
// leadscore/io/archive.hpp for save_archive / load_archive) where they are written or read.
//
//   save_archive_file("chain.xml", markov_chain(compute_markov(journeys)), archive_format::xml);
//
// Format (version 1 of each type), as serialize_core.hpp writes its types: counts are uint64, lists are read one
// element at a time, every double is exact in every format (NaN included), enums are refused above their last value.
// Loading checks what the numbers must satisfy and names the type and field otherwise: a stage's entered =
// converted + dropped + stayed, no more won leads than leads, survival steps in time order with survival falling
// in [0, 1], channels in name order, and so on.
//
// markov_chain is saved as what defines it for analysis — its funnel, transition matrix and mean stays — and
// rebuilt through markov_chain(funnel, transitions, mean_stays), which validates the rows. The observed exits and
// stays of a chain estimated from counts are not kept: a loaded chain has exits 0 and no stays, so it analyzes
// exactly as the saved one and forecasts with dwell_model::exponential (the empirical dwell model needs the
// accumulator's stays). Accumulators themselves are not saved: their state is private and has no public constructor
// to rebuild it through.

#include "leadscore/core/error.hpp"
#include "leadscore/funnel/attribution.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_scoring.hpp" // save_double, save_list and rebuild

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/version.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

BOOST_CLASS_VERSION(leadscore::stage_counts, 1)
BOOST_CLASS_VERSION(leadscore::conversion_group, 1)
BOOST_CLASS_VERSION(leadscore::kpi_counts, 1)
BOOST_CLASS_VERSION(leadscore::markov_chain, 1)
BOOST_CLASS_VERSION(leadscore::duration_summary, 1)
BOOST_CLASS_VERSION(leadscore::survival_step, 1)
BOOST_CLASS_VERSION(leadscore::survival_curve, 1)
BOOST_CLASS_VERSION(leadscore::channel_credit, 1)
BOOST_CLASS_VERSION(leadscore::attribution_result, 1)

#define LEADSCORE_FUNNEL_SPLIT_FREE(T)                                                                                 \
    template <class Ar>                                                                                                \
    void serialize(Ar& ar, T& value, unsigned version) {                                                               \
        split_free(ar, value, version);                                                                                \
    }

namespace boost::serialization {

// ---- conversion ---------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::stage_counts& c, unsigned /*version*/) {
    ar << make_nvp("entered", c.entered) << make_nvp("converted", c.converted)
       << make_nvp("converted_in_window", c.converted_in_window) << make_nvp("dropped", c.dropped)
       << make_nvp("stayed", c.stayed) << make_nvp("won", c.won);
}
template <class Ar>
void load(Ar& ar, leadscore::stage_counts& c, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "stage_counts");
    leadscore::stage_counts out;
    ar >> make_nvp("entered", out.entered) >> make_nvp("converted", out.converted) >>
        make_nvp("converted_in_window", out.converted_in_window) >> make_nvp("dropped", out.dropped) >>
        make_nvp("stayed", out.stayed) >> make_nvp("won", out.won);
    // entered = converted + dropped + stayed, without overflow.
    if (out.converted > out.entered || out.dropped > out.entered - out.converted ||
        out.stayed != out.entered - out.converted - out.dropped)
        a::fail("stage_counts: entered is not converted + dropped + stayed");
    if (out.converted_in_window > out.converted) a::fail("stage_counts: converted_in_window above converted");
    if (out.won > out.entered) a::fail("stage_counts: won above entered");
    c = out;
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::stage_counts)

template <class Ar>
void save(Ar& ar, const leadscore::conversion_group& g, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("leads", g.leads) << make_nvp("won_leads", g.won_leads);
    a::save_list(ar, "stage", g.stages);
}
template <class Ar>
void load(Ar& ar, leadscore::conversion_group& g, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "conversion_group");
    leadscore::conversion_group out;
    ar >> make_nvp("leads", out.leads) >> make_nvp("won_leads", out.won_leads);
    a::load_list(ar, "stage", out.stages);
    if (out.won_leads > out.leads) a::fail("conversion_group: won_leads above leads");
    for (std::size_t s = 0; s < out.stages.size(); ++s)
        if (out.stages[s].entered > out.leads)
            a::fail("conversion_group: stage " + std::to_string(s) + " entered by more leads than the group has");
    g = std::move(out);
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::conversion_group)

// ---- KPI ----------------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::kpi_counts& k, unsigned /*version*/) {
    ar << make_nvp("new_leads", k.new_leads) << make_nvp("new_leads_won", k.new_leads_won) << make_nvp("won", k.won)
       << make_nvp("lost", k.lost) << make_nvp("revenue_cents", k.revenue_cents)
       << make_nvp("won_with_value", k.won_with_value) << make_nvp("cycle_seconds", k.cycle_seconds)
       << make_nvp("cycle_count", k.cycle_count) << make_nvp("open_opportunities", k.open_opportunities);
}
template <class Ar>
void load(Ar& ar, leadscore::kpi_counts& k, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "kpi_counts");
    leadscore::kpi_counts out;
    ar >> make_nvp("new_leads", out.new_leads) >> make_nvp("new_leads_won", out.new_leads_won) >>
        make_nvp("won", out.won) >> make_nvp("lost", out.lost) >> make_nvp("revenue_cents", out.revenue_cents) >>
        make_nvp("won_with_value", out.won_with_value) >> make_nvp("cycle_seconds", out.cycle_seconds) >>
        make_nvp("cycle_count", out.cycle_count) >> make_nvp("open_opportunities", out.open_opportunities);
    if (out.new_leads_won > out.new_leads) a::fail("kpi_counts: new_leads_won above new_leads");
    if (out.won_with_value > out.won) a::fail("kpi_counts: won_with_value above won");
    if (out.cycle_count > out.won) a::fail("kpi_counts: cycle_count above won");
    k = out;
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::kpi_counts)

// ---- Markov chain -------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::markov_chain& c, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("funnel", c.stages());
    const auto n = c.stages().size();
    std::vector<double> p(n * n), stays(n);
    for (std::size_t s = 0; s < n; ++s) {
        stays[s] = c.mean_stay(s);
        for (std::size_t t = 0; t < n; ++t)
            p[s * n + t] = c.transitions()(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(t));
    }
    a::save_array(ar, "transitions", p); // row-major: from, then to
    a::save_array(ar, "mean_stay_seconds", stays);
}
template <class Ar>
void load(Ar& ar, leadscore::markov_chain& c, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "markov_chain");
    leadscore::funnel f = leadscore::funnel::standard();
    ar >> make_nvp("funnel", f);
    std::vector<double> p, stays;
    a::load_array(ar, "transitions", p);
    a::load_array(ar, "mean_stay_seconds", stays);
    const auto n = f.size();
    if (p.size() != n * n)
        a::fail("markov_chain: transitions: " + std::to_string(p.size()) + " values for a funnel of " +
                std::to_string(n) + " stages");
    if (stays.size() != n)
        a::fail("markov_chain: mean_stay_seconds: " + std::to_string(stays.size()) + " values for a funnel of " +
                std::to_string(n) + " stages");
    Eigen::MatrixXd m(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t t = 0; t < n; ++t) m(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(t)) = p[s * n + t];
    c = a::rebuild("markov_chain", [&] { return leadscore::markov_chain(f, m, std::move(stays)); });
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::markov_chain)

// ---- durations ----------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::duration_summary& d, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("count", d.count);
    const double values[] = {d.mean, d.min, d.p10, d.p25, d.median, d.p75, d.p90, d.max};
    a::save_array(ar, "statistics", values, 8); // mean, min, p10, p25, median, p75, p90, max
}
template <class Ar>
void load(Ar& ar, leadscore::duration_summary& d, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "duration_summary");
    leadscore::duration_summary out;
    ar >> make_nvp("count", out.count);
    std::vector<double> v;
    a::load_array(ar, "statistics", v);
    if (v.size() != 8) a::fail("duration_summary: statistics: " + std::to_string(v.size()) + " values, not 8");
    if (out.count > 0) {
        // min <= p10 <= p25 <= median <= p75 <= p90 <= max, all numbers (the mean, rounded, is not checked).
        for (std::size_t i = 1; i + 1 < v.size(); ++i)
            if (!(v[i] <= v[i + 1])) a::fail("duration_summary: statistics out of order (min, percentiles, max)");
    } else {
        for (const double x : v)
            if (!std::isnan(x)) a::fail("duration_summary: statistics of no durations that are not NaN");
    }
    out.mean = v[0], out.min = v[1], out.p10 = v[2], out.p25 = v[3], out.median = v[4], out.p75 = v[5],
    out.p90 = v[6], out.max = v[7];
    d = out;
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::duration_summary)

template <class Ar>
void save(Ar& ar, const leadscore::survival_step& s, unsigned /*version*/) {
    ar << make_nvp("time", s.time) << make_nvp("at_risk", s.at_risk) << make_nvp("events", s.events);
    leadscore::detail::archive::save_double(ar, "survival", s.survival);
}
template <class Ar>
void load(Ar& ar, leadscore::survival_step& s, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "survival_step");
    ar >> make_nvp("time", s.time) >> make_nvp("at_risk", s.at_risk) >> make_nvp("events", s.events);
    s.survival = a::load_double(ar, "survival"); // checked by survival_curve
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::survival_step)

template <class Ar>
void save(Ar& ar, const leadscore::survival_curve& c, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_list(ar, "step", c.steps);
    ar << make_nvp("events", c.events) << make_nvp("censored", c.censored);
}
template <class Ar>
void load(Ar& ar, leadscore::survival_curve& c, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "survival_curve");
    leadscore::survival_curve out;
    a::load_list(ar, "step", out.steps);
    ar >> make_nvp("events", out.events) >> make_nvp("censored", out.censored);
    std::uint64_t events = 0;
    double survival = 1;
    for (std::size_t i = 0; i < out.steps.size(); ++i) {
        const auto& s = out.steps[i];
        const std::string at = "survival_curve: step " + std::to_string(i);
        if (s.time < 0) a::fail(at + ": a negative time");
        if (i > 0 && s.time <= out.steps[i - 1].time) a::fail(at + ": times not strictly ascending");
        if (s.events == 0 || s.events > s.at_risk) a::fail(at + ": events not in 1..at_risk");
        if (!(s.survival >= 0 && s.survival <= survival)) a::fail(at + ": survival not in [0, previous step]");
        if (s.events > out.events - events) a::fail(at + ": more events than the curve counts");
        events += s.events;
        survival = s.survival;
    }
    if (events != out.events) a::fail("survival_curve: the steps' events do not add up to events");
    c = std::move(out);
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::survival_curve)

// ---- attribution --------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::channel_credit& c, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "channel", c.channel);
    ar << make_nvp("touches", c.touches) << make_nvp("converting_touches", c.converting_touches);
    const double values[] = {c.first_touch,         c.last_touch,         c.linear,         c.markov,
                             c.first_touch_revenue, c.last_touch_revenue, c.linear_revenue, c.markov_revenue,
                             c.removal_effect};
    a::save_array(ar, "credits", values, 9);
}
template <class Ar>
void load(Ar& ar, leadscore::channel_credit& c, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "channel_credit");
    leadscore::channel_credit out;
    a::load_text(ar, "channel", out.channel);
    ar >> make_nvp("touches", out.touches) >> make_nvp("converting_touches", out.converting_touches);
    std::vector<double> v;
    a::load_array(ar, "credits", v);
    if (v.size() != 9) a::fail("channel_credit: credits: " + std::to_string(v.size()) + " values, not 9");
    if (out.converting_touches > out.touches) a::fail("channel_credit: converting_touches above touches");
    out.first_touch = v[0], out.last_touch = v[1], out.linear = v[2], out.markov = v[3];
    out.first_touch_revenue = v[4], out.last_touch_revenue = v[5], out.linear_revenue = v[6],
    out.markov_revenue = v[7], out.removal_effect = v[8];
    c = std::move(out);
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::channel_credit)

template <class Ar>
void save(Ar& ar, const leadscore::attribution_result& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_list(ar, "channel", r.channels);
    ar << make_nvp("paths", r.paths) << make_nvp("conversions", r.conversions);
    a::save_double(ar, "revenue", r.revenue);
    ar << make_nvp("conversions_without_value", r.conversions_without_value)
       << make_nvp("paths_without_touch", r.paths_without_touch)
       << make_nvp("conversions_without_touch", r.conversions_without_touch);
    a::save_double(ar, "revenue_without_touch", r.revenue_without_touch);
    a::save_double(ar, "conversion_probability", r.conversion_probability);
    a::save_enum(ar, "status", r.status);
}
template <class Ar>
void load(Ar& ar, leadscore::attribution_result& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "attribution_result");
    leadscore::attribution_result out;
    a::load_list(ar, "channel", out.channels);
    ar >> make_nvp("paths", out.paths) >> make_nvp("conversions", out.conversions);
    out.revenue = a::load_double(ar, "revenue");
    ar >> make_nvp("conversions_without_value", out.conversions_without_value) >>
        make_nvp("paths_without_touch", out.paths_without_touch) >>
        make_nvp("conversions_without_touch", out.conversions_without_touch);
    out.revenue_without_touch = a::load_double(ar, "revenue_without_touch");
    out.conversion_probability = a::load_double(ar, "conversion_probability");
    out.status = a::load_enum(ar, "status", leadscore::markov_status::ill_conditioned);
    for (std::size_t i = 1; i < out.channels.size(); ++i)
        if (!(out.channels[i - 1].channel < out.channels[i].channel))
            a::fail("attribution_result: channel '" + out.channels[i].channel + "' out of name order or repeated");
    if (out.conversions > out.paths) a::fail("attribution_result: conversions above paths");
    if (out.conversions_without_value > out.conversions)
        a::fail("attribution_result: conversions_without_value above conversions");
    if (out.conversions_without_touch > out.paths_without_touch)
        a::fail("attribution_result: conversions_without_touch above paths_without_touch");
    r = std::move(out);
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::attribution_result)

} // namespace boost::serialization

#undef LEADSCORE_FUNNEL_SPLIT_FREE
