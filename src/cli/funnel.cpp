// leadscore funnel: read a stage history (or a one-row-per-deal snapshot) and print the funnel report.

#include "collect.hpp"
#include "commands.hpp"
#include "history_db.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/funnel/competing_risks.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"
#include "leadscore/io/history_csv.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

constexpr double day_seconds = 86400.0;

std::string decimal_or_dash(double v, int decimals) {
    if (std::isnan(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}
std::string rate(double r) { return std::isnan(r) ? "-" : decimal_or_dash(100.0 * r, 1) + "%"; }
std::string days(double seconds) { return decimal_or_dash(seconds / day_seconds, 1); }
std::string count(std::uint64_t n) { return std::to_string(n); }

/// A text_table with right-aligned columns after the first.
text_table table(std::vector<std::string> headers) {
    std::vector<text_table::column> cols;
    for (std::size_t i = 0; i < headers.size(); ++i)
        cols.push_back({std::move(headers[i]), i == 0 ? text_table::align::left : text_table::align::right});
    return text_table(std::move(cols));
}

void section(std::ostream& out, const std::string& title) { out << "\n== " << title << " ==\n\n"; }

void print_stage_conversion(std::ostream& out, const funnel& f, const conversion_accumulator& conv,
                            const funnel_report_options& o) {
    const auto all = conv.total();
    const bool windowed = o.window_days.has_value();
    std::vector<std::string> headers{"stage", "kind", "entered", "reached", "converted", "rate"};
    if (windowed) headers.push_back("in " + std::to_string(*o.window_days) + " d");
    for (const char* h : {"dropped", "drop-off", "stayed", "P(win)"}) headers.emplace_back(h);
    auto t = table(std::move(headers));
    for (std::size_t s = 0; s < f.size(); ++s) {
        const auto& c = all.stages[s];
        const bool open = f[s].kind == stage_kind::open;
        std::vector<std::string> row{f[s].name, std::string(to_string(f[s].kind)), count(c.entered),
                                     rate(all.reached(s, f.entry())), open ? count(c.converted) : "-",
                                     open ? rate(c.conversion_rate()) : "-"};
        if (windowed) row.push_back(open ? rate(c.window_conversion_rate()) : "-");
        row.push_back(open ? count(c.dropped) : "-");
        row.push_back(open ? rate(c.drop_off_rate()) : "-");
        row.push_back(count(c.stayed));
        row.push_back(rate(c.win_rate()));
        t.add_row(std::move(row));
    }
    t.print(out);
    out << "\n  leads: " << all.leads << ", won: " << all.won_leads << " (" << rate(all.overall_conversion())
        << " overall conversion)\n";
    out << "  converted = went on to a later open stage or won; reached = share of the first stage's entrants;\n"
           "  stayed = still there (its last stage); P(win) = won at or after entering the stage\n";
}

void print_breakdown(std::ostream& out, const std::string& name, const conversion_accumulator& conv,
                     const kpi_accumulator& kpi, const funnel_report_options& o) {
    struct line {
        std::string label;
        conversion_group g;
        kpi_counts k;
    };
    std::vector<line> lines;
    const auto by_label = kpi.by_label();
    for (const auto& [label, g] : conv.groups()) {
        line l{label, g, {}};
        const auto it = std::lower_bound(by_label.begin(), by_label.end(), label,
                                         [](const auto& p, const std::string& x) { return p.first < x; });
        if (it != by_label.end() && it->first == label) l.k = it->second;
        lines.push_back(std::move(l));
    }
    // The largest groups first; ties by label, so the order is the same on every run.
    std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) { return a.g.leads > b.g.leads; });
    auto t = table({name, "leads", "won", "lost", "open", "win rate", "conversion", "revenue", "avg deal"});
    const std::size_t shown = o.max_rows == 0 ? lines.size() : std::min(o.max_rows, lines.size());
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& l = lines[i];
        t.add_row({l.label, count(l.g.leads), count(l.k.won), count(l.k.lost), count(l.k.open_opportunities),
                   rate(l.k.win_rate()), rate(l.g.overall_conversion()), decimal_or_dash(l.k.revenue(), 2),
                   decimal_or_dash(l.k.average_deal(), 2)});
    }
    t.print(out);
    if (shown < lines.size()) out << "  ... and " << lines.size() - shown << " more\n";
    out << "\n  won / lost = deals closed; open = open deals at as_of; win rate = won / (won + lost);\n"
           "  conversion = leads that won / leads\n";
}

void print_timing(std::ostream& out, const funnel& f, const timing_accumulator& t) {
    const auto row_of = [](const std::string& what, const duration_sample& d) {
        const auto s = d.summary();
        const auto km = d.survival();
        const auto med = km.median();
        return std::vector<std::string>{what,           count(s.count),     count(d.censored.size()),
                                        days(s.mean),   days(s.median),     days(s.p25),
                                        days(s.p75),    days(s.p90),        med ? days(static_cast<double>(*med)) : "> max"};
    };
    auto cycle = table({"cycle (days)", "closed", "open", "mean", "median", "p25", "p75", "p90", "KM median"});
    cycle.add_row(row_of("first touch to close", t.to_close()));
    auto won = row_of("first touch to won", t.to_won());
    won.back() = "-";
    won[2] = "-";
    cycle.add_row(won);
    cycle.print(out);
    const auto km = t.to_close().survival();
    out << "\n  Kaplan-Meier with open leads censored at as_of: still open after";
    for (const int d : {30, 60, 90, 180, 365})
        out << ' ' << d << " d: " << rate(km.survival_at(static_cast<std::int64_t>(d * day_seconds)));
    out << '\n';
    const auto naive = t.to_close().summary().median;
    if (const auto m = km.median(); m && !std::isnan(naive))
        out << "  the closed-only median (" << days(naive) << " d) is "
            << decimal_or_dash(100.0 * (naive - static_cast<double>(*m)) / static_cast<double>(*m), 1)
            << "% off the censored estimate (" << days(static_cast<double>(*m)) << " d)\n";
    if (t.to_close().unknown + t.to_won().unknown != 0)
        out << "  cycles without dates (left out): " << t.to_close().unknown << " to close, " << t.to_won().unknown
            << " to won\n";

    out << '\n';
    auto stay = table({"time in stage (days)", "closed", "open", "mean", "median", "p25", "p75", "p90", "KM median"});
    std::uint64_t unknown = 0;
    for (std::size_t s = 0; s < f.size(); ++s) {
        const auto& d = t.in_stage(s);
        unknown += d.unknown;
        if (d.closed.empty() && d.censored.empty()) continue;
        stay.add_row(row_of(f[s].name, d));
    }
    stay.print(out);
    if (unknown != 0) out << "  stays without dates (left out): " << unknown << '\n';
}

/// What the chain's P(win) conditions on: the share of leads still open, whether losses are recorded at all, and
/// the leads counted as lost by --open-as-lost.
void print_markov_conditioning(std::ostream& out, const markov_accumulator& counts,
                               const funnel_report_options& o) {
    const auto& f = counts.stages();
    std::uint64_t open = 0, imputed = 0, losses = 0;
    for (std::size_t s = 0; s < f.size(); ++s) {
        open += counts.open_at_end(s);
        imputed += counts.imputed_losses(s);
        if (f[s].kind == stage_kind::open) continue;
        if (f[s].kind != stage_kind::won)
            for (std::size_t from = 0; from < f.size(); ++from)
                if (f[from].kind == stage_kind::open) losses += counts.transitions(from, s);
    }
    const auto leads = static_cast<double>(counts.leads());
    if (o.open_as_lost_days)
        out << "  open longer than " << *o.open_as_lost_days << " d at as_of, counted as lost: " << imputed << " ("
            << rate(static_cast<double>(imputed) / leads) << " of leads)\n";
    out << "  still open (add no exit): " << open << " of " << counts.leads() << " leads ("
        << rate(static_cast<double>(open) / leads) << "); P(win) is the won share of the moves seen, so it\n"
           "  assumes open leads will close as closed ones did\n";
    if (losses == imputed && open != 0 && !o.open_as_lost_days)
        out << "  no loss is recorded: a stage whose leads only won or stayed open reads P(win) 100%;\n"
               "  --open-as-lost DAYS counts leads open longer than DAYS as lost\n";
}

void print_markov(std::ostream& out, const markov_chain& chain, const markov_accumulator& counts,
                  const funnel_report_options& o) {
    auto t = table({"stage", "exits", "P(win)", "steps to close", "days to close", "mean stay d", "status"});
    for (const auto& oc : outlook(chain))
        t.add_row({oc.name, count(oc.exits), rate(oc.win_probability), decimal_or_dash(oc.expected_steps, 2),
                   decimal_or_dash(oc.expected_days, 1), decimal_or_dash(oc.mean_stay_days, 1),
                   std::string(to_string(oc.status))});
    t.print(out);
    out << "\n  an absorbing Markov chain of the observed stage-to-stage moves:\n"
           "  P(win) = probability of ending in a won stage from entering the stage; days to close = expected\n"
           "  time from entering the stage until won or lost\n";
    print_markov_conditioning(out, counts, o);
}

/// Horizons (days since first touch) of the competing-risks tables.
constexpr int risk_horizons[] = {30, 60, 90, 180, 365};

/// P(won by t) and P(lost by t) with open leads censored and the other end competing (Aalen–Johansen), beside the
/// share still open and the naive 1 − Kaplan–Meier that censors losses.
void print_competing_total(std::ostream& out, const competing_sample& all) {
    const auto c = all.incidence();
    const auto naive = kaplan_meier(all.won, [&] {
        auto v = all.lost;
        v.insert(v.end(), all.censored.begin(), all.censored.end());
        return v;
    }());
    const auto interval = [](double f, double v) {
        const auto ci = incidence_confidence(f, v);
        return rate(ci.low) + " - " + rate(ci.high);
    };
    auto t = table({"days since first touch", "P(won by t)", "95% CI", "P(lost by t)", "95% CI", "still open",
                    "1-KM won"});
    for (const int d : risk_horizons) {
        const auto at = static_cast<std::int64_t>(d * day_seconds);
        const auto p = c.at(at);
        if (!c.observed_at(at)) { // nothing observed that late
            t.add_row({std::to_string(d), "-", "-", "-", "-", "-", "-"});
            continue;
        }
        t.add_row({std::to_string(d), rate(p.won_incidence), interval(p.won_incidence, p.won_variance),
                   rate(p.lost_incidence), interval(p.lost_incidence, p.lost_variance), rate(p.survival),
                   rate(1 - naive.survival_at(at))});
    }
    t.print(out);
    out << "\n  leads: won " << c.won << ", lost " << c.lost << ", open " << c.censored;
    if (all.unknown != 0) out << ", without dates (left out) " << all.unknown;
    out << "\n  Aalen-Johansen cumulative incidence: a loss ends a lead (a competing end), open leads are censored\n"
           "  at as_of; P(won) + P(lost) + still open = 100%. 95% CI: Gray's variance (as R's cmprsk), log(-log)\n"
           "  scale. 1-KM won censors losses as if they could still win: it overstates P(won).\n"
           "  - = beyond the longest time observed while a lead is still open\n";
}

/// One row per label of a breakdown key, the largest groups first.
void print_competing_groups(std::ostream& out, const std::string& name, const competing_risks_accumulator& acc,
                            const funnel_report_options& o) {
    struct line {
        std::string label;
        std::uint64_t leads;
        incidence_curve c;
    };
    std::vector<line> lines;
    for (const auto& [label, g] : acc.groups())
        lines.push_back({label, g.won.size() + g.lost.size() + g.censored.size() + g.unknown, g.incidence()});
    std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) { return a.leads > b.leads; });
    std::vector<std::string> headers{name, "leads"};
    for (const int d : {90, 365}) {
        headers.push_back("won " + std::to_string(d) + " d");
        headers.push_back("lost " + std::to_string(d) + " d");
    }
    headers.emplace_back("open 365 d");
    auto t = table(std::move(headers));
    const std::size_t shown = o.max_rows == 0 ? lines.size() : std::min(o.max_rows, lines.size());
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& l = lines[i];
        std::vector<std::string> row{l.label, count(l.leads)};
        // A horizon beyond the group's follow-up is not observed: "-".
        const auto at = [&](int d) { return static_cast<std::int64_t>(d * day_seconds); };
        const auto seen = [&](int d) { return l.c.observed_at(at(d)); };
        for (const int d : {90, 365}) {
            const auto p = l.c.at(at(d));
            row.push_back(seen(d) ? rate(p.won_incidence) : "-");
            row.push_back(seen(d) ? rate(p.lost_incidence) : "-");
        }
        row.push_back(seen(365) ? rate(l.c.at(at(365)).survival) : "-");
        t.add_row(std::move(row));
    }
    t.print(out);
    if (shown < lines.size()) out << "  ... and " << lines.size() - shown << " more\n";
}

/// The competing-risks section: the total, then one table per breakdown key (its name and times by label).
void print_competing_risks(std::ostream& out, const competing_risks_accumulator& total,
                           const std::vector<std::pair<std::string, competing_risks_accumulator>>& by,
                           const funnel_report_options& o) {
    print_competing_total(out, total.total());
    for (const auto& [name, acc] : by) {
        out << '\n';
        print_competing_groups(out, name, acc, o);
    }
    if (!by.empty()) out << "\n  won / lost N d = P(won / lost within N days of first touch); open = still open then\n";
}

void print_kpis(std::ostream& out, const kpi_accumulator& k, const funnel_report_options& o) {
    const auto periods = k.by_period();
    auto t = table({std::string(to_string(k.options().by)), "new leads", "won", "lost", "win rate", "revenue",
                    "avg deal", "cycle d", "open opps", "velocity/d"});
    const std::size_t first = o.max_periods == 0 || periods.size() <= o.max_periods ? 0 : periods.size() - o.max_periods;
    const auto add = [&](const std::string& label, const kpi_counts& c) {
        t.add_row({label, count(c.new_leads), count(c.won), count(c.lost), rate(c.win_rate()), decimal_or_dash(c.revenue(), 2),
                   decimal_or_dash(c.average_deal(), 2), decimal_or_dash(c.cycle_days(), 1), count(c.open_opportunities),
                   decimal_or_dash(c.velocity(), 2)});
    };
    // Undated deals sort first (undated_period is the smallest index): keep them visible even when cut.
    if (first > 0 && periods.front().first == undated_period) add(k.period_name(undated_period), periods.front().second);
    for (std::size_t i = first; i < periods.size(); ++i) add(k.period_name(periods[i].first), periods[i].second);
    add("total", k.total());
    if (first > 0) out << "  (the latest " << o.max_periods << " of " << periods.size() << " periods)\n";
    t.print(out);
    out << "\n  open opps = open deals at the period's end (at as_of for the current period and the total);\n"
           "  velocity = open opps x avg deal x win rate / cycle days (money per day)\n";
    const auto r = k.customer_retention();
    out << "\n  customer retention (customers with more than one won deal): " << r.repeat << " of " << r.customers
        << " (" << rate(r.rate()) << ")"
        << (o.customer.empty() ? ", each lead its own customer" : ", customers by " + o.customer) << '\n';
}

void print_cohorts(std::ostream& out, const cohort_accumulator& c, const funnel_report_options& o) {
    std::vector<std::string> headers{"cohort", "leads"};
    for (std::size_t a = 0; a < o.max_ages; ++a) headers.push_back("+" + std::to_string(a));
    auto t = table(std::move(headers));
    const auto& all = c.cohorts();
    std::size_t skip = all.size() > o.max_periods && o.max_periods != 0 ? all.size() - o.max_periods : 0;
    for (const auto& [cohort, counts] : all) {
        if (skip > 0) {
            --skip;
            continue;
        }
        std::vector<std::string> row{period_label(cohort, c.by()), count(counts.leads)};
        for (std::size_t a = 0; a < o.max_ages; ++a)
            row.push_back(static_cast<std::int64_t>(a) <= c.observed_age(cohort) ? rate(counts.converted_by(a)) : "");
        t.add_row(std::move(row));
    }
    t.print(out);
    out << "\n  share of each cohort (leads by their first dated entry) won within +N " << to_string(c.by())
        << "s; blank = not yet observed";
    if (c.undated_leads() != 0) out << "; leads without dates: " << c.undated_leads();
    out << '\n';
}

/// The note on entries without a date (from a deal snapshot), by stage; nothing when there are none.
void print_undated_note(std::ostream& out, const funnel& stages, const funnel_report_options& o) {
    std::size_t undated = 0;
    for (const auto n : o.undated) undated += n;
    if (undated == 0) return;
    out << "entries without a date: " << undated << " (";
    bool first = true;
    for (std::size_t s = 0; s < o.undated.size() && s < stages.size(); ++s)
        if (o.undated[s] != 0) {
            out << (first ? "" : ", ") << stages[s].name << ' ' << o.undated[s];
            first = false;
        }
    out << "): counted in stage conversion, left out of time statistics\n";
}

/// A number of days as seconds, refused (naming the option) unless they fit in 64 bits.
std::chrono::days checked_days(std::int64_t n, const char* option, const char* what) {
    constexpr std::int64_t max_days = std::numeric_limits<std::int64_t>::max() / 86400;
    if (n < 0 || n > max_days)
        throw error(std::string("funnel: ") + option + " " + std::to_string(n) + ": " + what + " is 0 to " +
                    std::to_string(max_days) + " days (its seconds must fit in 64 bits)");
    return std::chrono::days{n};
}

} // namespace

conversion_options conversion_options_of(const funnel_report_options& o) {
    conversion_options co;
    if (o.window_days) co.window = checked_days(*o.window_days, "--window", "a window");
    return co;
}

markov_options markov_options_of(const funnel_report_options& o, timestamp as_of) {
    markov_options mo;
    mo.keep_stays = false; // the outlook needs mean stays only
    if (o.open_as_lost_days) {
        mo.open_as_lost_after = checked_days(*o.open_as_lost_days, "--open-as-lost", "an age");
        mo.as_of = as_of;
    }
    return mo;
}

void print_funnel_report(std::ostream& out, const stage_history& history, const funnel& stages,
                         const funnel_report_options& o) {
    // Everything is computed (and so every refusal raised) before the first line is written: a report is printed
    // whole or not at all.
    const journeys j(history, stages);
    std::optional<timestamp> as_of = o.as_of;
    if (!as_of) as_of = latest_entry(history);
    if (!as_of) throw error("funnel: the history has no dated entry; give --as-of");
    static const lead_attributes no_attributes;
    const lead_attributes& attrs = o.attributes != nullptr ? *o.attributes : no_attributes;

    const conversion_options co = conversion_options_of(o);
    const auto conversion = compute_conversion(j, nullptr, co);

    std::optional<lead_key> customer;
    if (!o.customer.empty()) customer = key_by_attribute(attrs, o.customer, j.leads());
    kpi_options ko;
    ko.by = o.kpi_period;
    ko.opportunity_stage = o.opportunity_stage;
    struct breakdown {
        lead_key key;
        kpi_accumulator kpi;
        conversion_accumulator conversion;
    };
    std::vector<breakdown> breakdowns;
    std::vector<std::pair<std::string, competing_risks_accumulator>> risks_by;
    for (const auto& name : o.by) {
        auto key = make_key(j, attrs, name);
        kpi_accumulator k(stages, *as_of, ko);
        k.add(j, &key, customer ? &*customer : nullptr);
        auto c = compute_conversion(j, &key, co);
        risks_by.emplace_back(key.name, compute_competing_risks(j, *as_of, &key));
        breakdowns.push_back({std::move(key), std::move(k), std::move(c)});
    }
    const auto timing = compute_timing(j, *as_of);
    const auto risks = compute_competing_risks(j, *as_of);
    const auto markov_counts = compute_markov(j, markov_options_of(o, *as_of));
    const markov_chain chain(markov_counts);
    kpi_accumulator kpis(stages, *as_of, ko);
    kpis.add(j, nullptr, customer ? &*customer : nullptr);
    cohort_accumulator cohorts(o.kpi_period, *as_of);
    cohorts.add(j);

    out << "leads: " << j.leads() << ", stage entries: " << j.size() << ", as of " << format_timestamp(*as_of) << '\n';
    print_undated_note(out, stages, o);

    section(out, "Stage conversion");
    print_stage_conversion(out, stages, conversion, o);

    for (const auto& b : breakdowns) {
        section(out, "By " + b.key.name);
        print_breakdown(out, b.key.name, b.conversion, b.kpi, o);
    }

    section(out, "Sales cycle and time in stage");
    print_timing(out, stages, timing);

    section(out, "Won and lost over time (competing risks)");
    print_competing_risks(out, risks, risks_by, o);

    section(out, "Markov chain: P(win) and expected time to close");
    print_markov(out, chain, markov_counts, o);

    section(out, "KPIs by " + std::string(to_string(o.kpi_period)));
    print_kpis(out, kpis, o);

    section(out, "Cohorts: conversion by entry " + std::string(to_string(o.kpi_period)) + " and age");
    print_cohorts(out, cohorts, o);
}

namespace {

struct funnel_command_options {
    std::string history, snapshot, funnel_file, db, history_query, snapshot_query, db_timezone; // --db: queries
    std::vector<std::string> by;
    std::string as_of;
    std::string period = "month";
    std::int64_t window_days = 0;
    std::string customer, opportunity_stage, start_stage;
    collect_options collect;
    csv_limits limits;
    std::size_t max_rows = 15;
    snapshot_options snap;
    std::string on_backwards = "reject";
    std::int64_t open_as_lost_days = -1; // < 0: not given
    output_format format = output_format::text;
    [[nodiscard]] std::string input_name() const {
        return db.empty() ? snapshot + history : db_history_name(db, history_query + snapshot_query); // one is given
    }
};

/// --format json: the report's document, with what was read.
void print_funnel_json(const funnel_command_options& o, const history_import& imported, const funnel& stages,
                       const funnel_report_options& r) {
    json doc = funnel_report_json(imported.history, stages, r);
    doc["input"] = {{"file", o.input_name()},
                    {"kind", o.snapshot.empty() && o.snapshot_query.empty() ? "history" : "snapshot"},
                    {"rows_read", imported.rows_read},
                    {"rejected", imported.rejected.size()},
                    {"clamped", imported.clamped},
                    {"max_clamp_days", imported.clamped == 0
                                           ? json(nullptr)
                                           : json(static_cast<double>(imported.max_clamp_seconds) / day_seconds)}};
    print_json(std::cout, doc);
}

void run_funnel(const funnel_command_options& o) {
    const bool from_snapshot = !o.snapshot.empty() || !o.snapshot_query.empty();
    const funnel stages = !o.funnel_file.empty() ? read_funnel_file(o.funnel_file)
                          : from_snapshot        ? snapshot_funnel()
                                                 : funnel::standard();
    funnel_report_options r;
    if (!o.as_of.empty()) {
        const auto t = parse_timestamp(o.as_of);
        if (!t) throw error("funnel: --as-of '" + o.as_of + "' is not a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)");
        r.as_of = *t;
    }
    r.kpi_period = *parse_period(o.period); // the option's validator admits only the three words
    if (o.window_days > 0) r.window_days = o.window_days;
    r.opportunity_stage = o.opportunity_stage;
    r.max_rows = o.max_rows;
    if (o.open_as_lost_days >= 0) r.open_as_lost_days = o.open_as_lost_days;
    const auto backwards = o.on_backwards == "clamp" ? backwards_time::clamp : backwards_time::reject;

    history_import imported = [&] {
        progress_phase phase("reading " + o.input_name());
        history_import h;
        if (from_snapshot) {
            auto s = o.snap;
            s.csv.errors = errors_of(o.collect);
            s.csv.limits = o.limits;
            s.csv.on_backwards = backwards;
            if (!o.start_stage.empty()) s.start_stage = o.start_stage;
            h = read_snapshot_input(o.snapshot, o.db, o.snapshot_query, stages, s, o.db_timezone);
        } else {
            history_options h_opts;
            h_opts.errors = errors_of(o.collect);
            h_opts.limits = o.limits;
            h_opts.on_backwards = backwards;
            h = o.history.empty() ? read_db_history(o.db, o.history_query, stages, h_opts, o.db_timezone)
                                  : read_history_file(o.history, stages, h_opts);
        }
        phase.done(std::to_string(h.rows_read) + " rows");
        return h;
    }();
    r.attributes = &imported.attributes;
    r.undated = imported.undated;

    // Breakdowns: as asked; else the source for an event log, and the sales_agent and product columns of a deal
    // snapshot when it has them.
    if (!o.by.empty()) {
        r.by = o.by;
    } else if (from_snapshot) {
        r.by.clear();
        for (const char* name : {"sales_agent", "product"})
            if (imported.attributes.find(name) != nullptr) r.by.emplace_back(name);
    }
    if (!o.customer.empty()) {
        r.customer = o.customer;
    } else if (imported.attributes.find("account") != nullptr) {
        r.customer = "account";
    }

    auto& out = std::cout;
    const auto print_head = [&] {
        out << (from_snapshot ? "deal snapshot: " : "history: ") << o.input_name() << '\n';
        out << "rows read: " << imported.rows_read << ", rejected: " << imported.rejected.size() << '\n';
        print_rejected(out, imported.rejected, o.collect);
        if (imported.clamped != 0)
            out << "times clamped (--on-backwards clamp): " << imported.clamped
                << " entries ran backwards and were taken at the earlier time, by up to "
                << days(static_cast<double>(imported.max_clamp_seconds)) << " d\n";
    };
    try {
        check_rejected_share(imported.rejected.size(), imported.rows_read, o.collect);
    } catch (const too_many_rejected&) { // the rows rejected are the output, and no report
        if (o.format == output_format::text) print_head();
        throw;
    }
    if (o.format == output_format::json) return print_funnel_json(o, imported, stages, r);
    std::ostringstream report; // made first: a report that fails prints nothing
    print_funnel_report(report, imported.history, stages, r);
    print_head();
    out << report.view();
}

} // namespace

command add_funnel_command(CLI::App& parent) {
    auto opts = std::make_shared<funnel_command_options>();
    CLI::App* app = parent.add_subcommand("funnel", "Funnel report of a stage history or a deal snapshot");
    app->footer(
        "Reads a stage history (CSV lead_id,stage,entered_at[,value][,source][,more columns]; extra columns are\n"
        "per-lead attributes) or, with --snapshot, one row per deal (opportunity_id,deal_stage,engage_date,\n"
        "close_date,close_value and attributes such as sales_agent, product, account), and prints stage\n"
        "conversion, breakdowns, the sales cycle and time in stage with open leads censored (Kaplan-Meier),\n"
        "won and lost over time (competing risks), the Markov chain, KPIs by period, cohorts and customer\n"
        "retention.");
    auto* input = app->add_option_group("input", "Where the stages come from");
    input->add_option("--history", opts->history, "Stage history CSV (one row per stage entry)");
    input->add_option("--snapshot", opts->snapshot, "Deal snapshot CSV (one row per deal)");
    add_db_history_options(*app, *input, opts->db, opts->history_query, opts->snapshot_query, opts->db_timezone);
    input->require_option(1);
    app->add_option("--funnel", opts->funnel_file,
                    "Funnel CSV 'stage,kind' in order (kinds: open, won, lost, rejected, nurture); default: the "
                    "standard funnel, or prospecting,engaging,won,lost for a snapshot");
    app->add_option("--by", opts->by,
                    "Breakdown key, repeatable: source, last_source, cohort, quarter, year or an attribute column "
                    "(team, owner, product, ...); default: source (sales_agent and product for a snapshot)")
        ->delimiter(',');
    app->add_option("--as-of", opts->as_of, "Observation time (YYYY-MM-DD[THH:MM:SS]); default: the latest entry");
    app->add_option("--period", opts->period, "KPI and cohort period: month, quarter or year")
        ->check(CLI::IsMember({"month", "quarter", "year"}))
        ->capture_default_str();
    app->add_option("--window", opts->window_days, "Conversion window in days (0 = none)")
        ->check(whole_number())
        ->capture_default_str();
    app->add_option("--customer", opts->customer,
                    "Attribute naming a lead's customer, for retention; default: account when present, else the lead");
    app->add_option("--opportunity-stage", opts->opportunity_stage,
                    "Open deals count as opportunities from this stage on (default: every open stage)");
    app->add_option("--start-stage", opts->start_stage,
                    "Snapshot: the stage its start date enters (default: engaging)");
    app->add_option("--id-column", opts->snap.id_column, "Snapshot: deal id column")->capture_default_str();
    app->add_option("--stage-column", opts->snap.stage_column, "Snapshot: stage column")->capture_default_str();
    app->add_option("--start-column", opts->snap.start_column, "Snapshot: start date column")->capture_default_str();
    app->add_option("--close-column", opts->snap.close_column, "Snapshot: close date column")->capture_default_str();
    app->add_option("--value-column", opts->snap.value_column, "Snapshot: deal value column ('' = none)")
        ->capture_default_str();
    app->add_option("--on-backwards", opts->on_backwards,
                    "A time that runs backwards (a close before the start, a row earlier than the lead's last): "
                    "reject the row, or clamp it to the earlier time and count it")
        ->check(CLI::IsMember({"reject", "clamp"}))
        ->capture_default_str();
    app->add_option("--open-as-lost", opts->open_as_lost_days,
                    "Markov chain: count leads still open more than DAYS after their first touch as lost "
                    "(default: open leads add no exit)")
        ->check(whole_number());
    add_collect_options(*app, opts->collect);
    add_limit_options(*app, opts->limits);
    app->add_option("--max-rows", opts->max_rows, "Rows per breakdown table, largest groups first (0 = all)")
        ->check(whole_number())
        ->capture_default_str();
    add_format_option(*app, opts->format, "one document, schema leadscore.funnel/1");
    return {app, [opts] { run_funnel(*opts); }};
}

} // namespace leadscore::cli
