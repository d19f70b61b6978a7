#pragma once
// Boost.Serialization of the funnel statistics a CRM keeps between runs: conversion tables (stage_counts,
// conversion_group), KPI counts (kpi_counts), the Markov chain of a funnel (markov_chain), durations
// (duration_summary, survival_curve), cumulative incidence of won and lost (incidence_curve) and attribution tables
// (attribution_result). Include this header (and
// leadscore/io/archive.hpp for save_archive / load_archive) where they are written or read.
//
//   save_archive_file("chain.xml", markov_chain(compute_markov(journeys)), archive_format::xml);
//
// Format (version 1 of each type), as serialize_core.hpp writes its types: counts are uint64, lists are read one
// element at a time, every double is exact in every format (NaN included), enums are refused above their last value.
// Loading checks what the numbers must satisfy and names the type and field otherwise: a stage's entered =
// converted + dropped + stayed, no more won leads than leads, survival steps in time order with survival falling
// in [0, 1], cumulative incidences rising with F_won + F_lost + S = 1 (within 1e-9), channels in name order, and so
// on.
//
// markov_chain is saved as what defines it for analysis — its funnel, transition matrix and mean stays — and
// rebuilt through markov_chain(funnel, transitions, mean_stays), which validates the rows. The observed exits and
// stays of a chain estimated from counts are not kept: a loaded chain has exits 0 and no stays, so it analyzes
// exactly as the saved one and forecasts with dwell_model::exponential (the empirical dwell model needs the
// accumulator's stays).
//
// The accumulators (conversion_accumulator, timing_accumulator, kpi_accumulator, cohort_accumulator,
// markov_accumulator, competing_risks_accumulator, and duration_sample inside timing, competing_sample inside
// competing risks) are saved whole, so partial results made in one process
// merge in another (the Python package pickles them through these archives): the funnel and options they were made
// with, then their counts and durations. A loaded accumulator is rebuilt through its constructor (which checks the
// options) and equals the saved one; its thread count is 0 (every hardware thread). Loading checks the shapes merge
// relies on: one entry per stage, labels and periods in ascending order without repeats, no negative duration.
//
// Each type's fields are listed once (leadscore/io/detail/archive_fields.hpp explains the form); the same list saves
// and loads. markov_chain keeps its own save and load.

#include "leadscore/io/archive.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/funnel/attribution.hpp"
#include "leadscore/funnel/competing_risks.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"
#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/io/serialize_core.hpp"

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
BOOST_CLASS_VERSION(leadscore::incidence_step, 1)
BOOST_CLASS_VERSION(leadscore::incidence_curve, 1)
BOOST_CLASS_VERSION(leadscore::channel_credit, 1)
BOOST_CLASS_VERSION(leadscore::attribution_result, 1)
BOOST_CLASS_VERSION(leadscore::duration_sample, 1)
BOOST_CLASS_VERSION(leadscore::conversion_accumulator, 1)
BOOST_CLASS_VERSION(leadscore::timing_accumulator, 1)
BOOST_CLASS_VERSION(leadscore::kpi_accumulator, 1)
BOOST_CLASS_VERSION(leadscore::cohort_accumulator, 1)
BOOST_CLASS_VERSION(leadscore::markov_accumulator, 1)
BOOST_CLASS_VERSION(leadscore::competing_sample, 1)
BOOST_CLASS_VERSION(leadscore::competing_risks_accumulator, 1)

namespace leadscore::detail::archive {

template <>
struct enum_range<markov_status> {
    static constexpr auto last = markov_status::ill_conditioned;
};
template <>
struct enum_range<period> {
    static constexpr auto last = period::year;
};

// ---- conversion ---------------------------------------------------------------------------------------------------

template <>
struct description<stage_counts> {
    static constexpr const char* name = "stage_counts";
    static void fields(auto& v, auto& c) {
        v("entered", c.entered);
        v("converted", c.converted);
        v("converted_in_window", c.converted_in_window);
        v("dropped", c.dropped);
        v("stayed", c.stayed);
        v("won", c.won);
    }
    static void check(const stage_counts& c) {
        // entered = converted + dropped + stayed, without overflow.
        if (c.converted > c.entered || c.dropped > c.entered - c.converted ||
            c.stayed != c.entered - c.converted - c.dropped)
            fail("stage_counts: entered is not converted + dropped + stayed");
        if (c.converted_in_window > c.converted) fail("stage_counts: converted_in_window above converted");
        if (c.won > c.entered) fail("stage_counts: won above entered");
    }
};

template <>
struct description<conversion_group> {
    static constexpr const char* name = "conversion_group";
    static void fields(auto& v, auto& g) {
        v("leads", g.leads);
        v("won_leads", g.won_leads);
        v("stage", g.stages);
    }
    static void check(const conversion_group& g) {
        if (g.won_leads > g.leads) fail("conversion_group: won_leads above leads");
        for (std::size_t s = 0; s < g.stages.size(); ++s)
            if (g.stages[s].entered > g.leads)
                fail("conversion_group: stage " + std::to_string(s) + " entered by more leads than the group has");
    }
};

// ---- KPI ----------------------------------------------------------------------------------------------------------

template <>
struct description<kpi_counts> {
    static constexpr const char* name = "kpi_counts";
    static void fields(auto& v, auto& k) {
        v("new_leads", k.new_leads);
        v("new_leads_won", k.new_leads_won);
        v("won", k.won);
        v("lost", k.lost);
        v("revenue_cents", k.revenue_cents);
        v("won_with_value", k.won_with_value);
        v("cycle_seconds", k.cycle_seconds);
        v("cycle_count", k.cycle_count);
        v("open_opportunities", k.open_opportunities);
    }
    static void check(const kpi_counts& k) {
        if (k.new_leads_won > k.new_leads) fail("kpi_counts: new_leads_won above new_leads");
        if (k.won_with_value > k.won) fail("kpi_counts: won_with_value above won");
        if (k.cycle_count > k.won) fail("kpi_counts: cycle_count above won");
    }
};

// ---- durations ----------------------------------------------------------------------------------------------------

template <>
struct description<duration_summary> {
    static constexpr const char* name = "duration_summary";
    static void fields(auto& v, auto& d) {
        v("count", d.count);
        v("statistics", packed(d.mean, d.min, d.p10, d.p25, d.median, d.p75, d.p90, d.max));
    }
    static void check(const duration_summary& d) {
        if (d.count > 0) {
            // min <= p10 <= p25 <= median <= p75 <= p90 <= max, all numbers (the mean, rounded, is not checked).
            const double order[] = {d.min, d.p10, d.p25, d.median, d.p75, d.p90, d.max};
            for (std::size_t i = 0; i + 1 < std::size(order); ++i)
                if (!(order[i] <= order[i + 1]))
                    fail("duration_summary: statistics out of order (min, percentiles, max)");
        } else {
            for (const double x : {d.mean, d.min, d.p10, d.p25, d.median, d.p75, d.p90, d.max})
                if (!std::isnan(x)) fail("duration_summary: statistics of no durations that are not NaN");
        }
    }
};

/// Checked by survival_curve.
template <>
struct description<survival_step> {
    static constexpr const char* name = "survival_step";
    static void fields(auto& v, auto& s) {
        v("time", s.time);
        v("at_risk", s.at_risk);
        v("events", s.events);
        v("survival", s.survival);
    }
};

template <>
struct description<survival_curve> {
    static constexpr const char* name = "survival_curve";
    static void fields(auto& v, auto& c) {
        v("step", c.steps);
        v("events", c.events);
        v("censored", c.censored);
    }
    static void check(const survival_curve& c) {
        std::uint64_t events = 0;
        double survival = 1;
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            const auto& s = c.steps[i];
            const std::string at = "survival_curve: step " + std::to_string(i);
            if (s.time < 0) fail(at + ": a negative time");
            if (i > 0 && s.time <= c.steps[i - 1].time) fail(at + ": times not strictly ascending");
            if (s.events == 0 || s.events > s.at_risk) fail(at + ": events not in 1..at_risk");
            if (!(s.survival >= 0 && s.survival <= survival)) fail(at + ": survival not in [0, previous step]");
            if (s.events > c.events - events) fail(at + ": more events than the curve counts");
            events += s.events;
            survival = s.survival;
        }
        if (events != c.events) fail("survival_curve: the steps' events do not add up to events");
    }
};

/// Checked by incidence_curve.
template <>
struct description<incidence_step> {
    static constexpr const char* name = "incidence_step";
    static void fields(auto& v, auto& s) {
        v("time", s.time);
        v("at_risk", s.at_risk);
        v("won", s.won);
        v("lost", s.lost);
        v("estimates", packed(s.survival, s.won_incidence, s.lost_incidence, s.won_variance, s.lost_variance));
    }
};

template <>
struct description<incidence_curve> {
    static constexpr const char* name = "incidence_curve";
    static void fields(auto& v, auto& c) {
        v("step", c.steps);
        v("won", c.won);
        v("lost", c.lost);
        v("censored", c.censored);
        v("follow_up", c.follow_up);
    }
    /// Step s against the one before it (nullptr for the first).
    static void check_step(const incidence_step& s, const incidence_step* before, const std::string& at) {
        if (s.time < 0) fail(at + ": a negative time");
        if (before != nullptr && s.time <= before->time) fail(at + ": times not strictly ascending");
        if (s.won + s.lost == 0 || s.won > s.at_risk || s.lost > s.at_risk - s.won)
            fail(at + ": won + lost not in 1..at_risk");
        const double s0 = before != nullptr ? before->survival : 1.0;
        const double w0 = before != nullptr ? before->won_incidence : 0.0;
        const double l0 = before != nullptr ? before->lost_incidence : 0.0;
        if (!(s.survival >= 0 && s.survival <= s0)) fail(at + ": survival not in [0, previous step]");
        if (!(s.won_incidence >= w0 && s.lost_incidence >= l0)) fail(at + ": a cumulative incidence falls");
        if (!(std::abs(s.survival + s.won_incidence + s.lost_incidence - 1) <= 1e-9))
            fail(at + ": survival + incidences is not 1");
        if (!(s.won_variance >= 0 && s.lost_variance >= 0 && std::isfinite(s.won_variance) &&
              std::isfinite(s.lost_variance)))
            fail(at + ": a variance that is negative or not finite");
    }
    static void check(const incidence_curve& c) {
        std::uint64_t won = 0, lost = 0;
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            const auto& s = c.steps[i];
            check_step(s, i > 0 ? &c.steps[i - 1] : nullptr, "incidence_curve: step " + std::to_string(i));
            if (s.won > c.won - won || s.lost > c.lost - lost)
                fail("incidence_curve: step " + std::to_string(i) + ": more closes than the curve counts");
            won += s.won;
            lost += s.lost;
        }
        if (won != c.won || lost != c.lost) fail("incidence_curve: the steps' closes do not add up to won and lost");
        if (!c.steps.empty() && c.follow_up < c.steps.back().time)
            fail("incidence_curve: follow_up before the last step");
    }
};

// ---- attribution --------------------------------------------------------------------------------------------------

template <>
struct description<channel_credit> {
    static constexpr const char* name = "channel_credit";
    static void fields(auto& v, auto& c) {
        v("channel", c.channel);
        v("touches", c.touches);
        v("converting_touches", c.converting_touches);
        v("credits", packed(c.first_touch, c.last_touch, c.linear, c.markov, c.first_touch_revenue,
                            c.last_touch_revenue, c.linear_revenue, c.markov_revenue, c.removal_effect));
    }
    static void check(const channel_credit& c) {
        if (c.converting_touches > c.touches) fail("channel_credit: converting_touches above touches");
    }
};

template <>
struct description<attribution_result> {
    static constexpr const char* name = "attribution_result";
    static void fields(auto& v, auto& r) {
        v("channel", r.channels);
        v("paths", r.paths);
        v("conversions", r.conversions);
        v("revenue", r.revenue);
        v("conversions_without_value", r.conversions_without_value);
        v("paths_without_touch", r.paths_without_touch);
        v("conversions_without_touch", r.conversions_without_touch);
        v("revenue_without_touch", r.revenue_without_touch);
        v("conversion_probability", r.conversion_probability);
        v("status", r.status);
    }
    static void check(const attribution_result& r) {
        for (std::size_t i = 1; i < r.channels.size(); ++i)
            if (!(r.channels[i - 1].channel < r.channels[i].channel))
                fail("attribution_result: channel '" + r.channels[i].channel + "' out of name order or repeated");
        if (r.conversions > r.paths) fail("attribution_result: conversions above paths");
        if (r.conversions_without_value > r.conversions)
            fail("attribution_result: conversions_without_value above conversions");
        if (r.conversions_without_touch > r.paths_without_touch)
            fail("attribution_result: conversions_without_touch above paths_without_touch");
    }
};

} // namespace leadscore::detail::archive

#include "leadscore/io/detail/accumulator_fields.hpp" // the accumulators' descriptions

#define LEADSCORE_FUNNEL_SPLIT_FREE(T)                                                                                 \
    template <class Ar>                                                                                                \
    void serialize(Ar& ar, T& value, unsigned version) {                                                               \
        split_free(ar, value, version);                                                                                \
    }

namespace boost::serialization {

// ---- Markov chain -------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::markov_chain& c, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("funnel", c.stages());
    const auto n = c.stages().size();
    std::vector<double> stays(n);
    for (std::size_t s = 0; s < n; ++s) stays[s] = c.mean_stay(s);
    a::save_array(ar, "transitions", c.transitions().values()); // row-major: from, then to
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
    const leadscore::dense_matrix m(n, n, std::move(p));
    c = a::rebuild("markov_chain", [&] { return leadscore::markov_chain(f, m, std::move(stays)); });
}
LEADSCORE_FUNNEL_SPLIT_FREE(leadscore::markov_chain)

} // namespace boost::serialization

#undef LEADSCORE_FUNNEL_SPLIT_FREE

// Declarations of instantiations the library compiles (not documented API):
/// @cond
namespace leadscore {
// Compiled once, in the library (see LEADSCORE_ARCHIVE_FUNCTIONS).
LEADSCORE_ARCHIVE_FUNCTIONS(extern, stage_counts);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, conversion_group);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, kpi_counts);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, markov_chain);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, duration_summary);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, survival_curve);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, incidence_curve);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, attribution_result);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, conversion_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, timing_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, kpi_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, cohort_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, markov_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, competing_risks_accumulator);
} // namespace leadscore
/// @endcond
