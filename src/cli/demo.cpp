// leadscore demo: the library's main job on built-in data, printed as a sequence of report sections.
//
// Each section is a function of one demo_context (demo.hpp); a new report (temperatures, routing, …) is one more
// function and one more entry in the section list. The funnel report comes last, as the `funnel` command prints it.

#include "commands.hpp"
#include "demo.hpp"
#include "output.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/sim/generator.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace demo {

std::size_t categorical_role(const lead_table& t, field_role role) {
    const auto col = t.table_schema().find(role);
    if (!col) throw definition_error("the generated table has no " + std::string(to_string(role)) + " field");
    return *col;
}

result result_of(const demo_context& ctx, std::size_t row) {
    const auto k = ctx.kind_of(row);
    if (!k || *k == stage_kind::open) return result::open;
    return *k == stage_kind::won ? result::won : result::lost;
}

std::string with_decimals(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

std::string signed_fixed(double v, int digits) { return (v >= 0 ? "+" : "") + with_decimals(v, digits); }

points_rules demo_rules() {
    points_rules r;
    r.groups = {{"fit", {}, 50.0, {}}, {"engagement", decay_rule::half_life(30), 50.0, 0.0}};
    r.total_cap = 100.0;
    r.fit = {{"software or finance", condition::one_of("industry", {std::string("software"), std::string("finance")}),
              12, "fit"},
             {"public sector", condition::equals("industry", std::string("public_sector")), -8, "fit"},
             {"50+ employees", condition::at_least("employees", 50.0), 8, "fit"},
             {"1000+ employees", condition::at_least("employees", 1000.0), 8, "fit"},
             {"referred", condition::one_of("source", {std::string("referral"), std::string("existing_customer")}),
              15, "fit"},
             {"purchased list", condition::equals("source", std::string("purchased_list")), -10, "fit"},
             {"timeframe stated", condition::at_most("purchase_timeframe", 60.0), 7, "fit"}};
    const auto rule = [](std::string type, double points, std::optional<double> cap, occurrence counts) {
        engagement_rule e;
        e.event_type = std::move(type);
        e.points = points;
        e.cap = cap;
        e.counts = counts;
        return e;
    };
    using enum occurrence;
    r.engagement = {rule("email_clicked", 3, 12.0, repeatable),     rule("pricing_page_visited", 6, 18.0, repeatable),
                    rule("webinar_attended", 10, {}, first_only),    rule("form_submitted", 5, 10.0, repeatable),
                    rule("demo_requested", 15, {}, first_only),      rule("meeting_booked", 15, {}, first_only),
                    rule("unsubscribed", -30, {}, first_only)};
    return r;
}

void print_bands(std::ostream& out, const demo_context& ctx, std::span<const double> scores,
                 std::span<const double> bounds, int digits, const std::string& label) {
    struct tally {
        std::size_t leads = 0, closed = 0, won = 0;
    };
    std::vector<tally> t(bounds.size() + 1);
    for (std::size_t r = 0; r < scores.size(); ++r) {
        if (std::isnan(scores[r])) continue;
        const auto band = static_cast<std::size_t>(std::upper_bound(bounds.begin(), bounds.end(), scores[r]) - bounds.begin());
        ++t[band].leads;
        const auto res = result_of(ctx, r);
        if (res != result::open) ++t[band].closed;
        if (res == result::won) ++t[band].won;
    }
    text_table tab({{label},
                    {"leads", text_table::align::right},
                    {"closed", text_table::align::right},
                    {"won", text_table::align::right},
                    {"win rate", text_table::align::right}});
    for (std::size_t b = t.size(); b-- > 0;) {
        const std::string lo = b == 0 ? "" : with_decimals(bounds[b - 1], digits);
        const std::string hi = b == bounds.size() ? "" : with_decimals(bounds[b], digits);
        const std::string name = b == 0 ? "below " + hi : b == bounds.size() ? lo + " and up" : lo + " to " + hi;
        tab.add_row({name, std::to_string(t[b].leads), std::to_string(t[b].closed), std::to_string(t[b].won),
                     format_percent(static_cast<double>(t[b].won), static_cast<double>(t[b].closed))});
    }
    tab.print(out);
}

std::vector<std::size_t> top_open(const demo_context& ctx, std::span<const double> scores, std::size_t n) {
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < scores.size(); ++r)
        if (result_of(ctx, r) == result::open && !std::isnan(scores[r])) rows.push_back(r);
    const auto k = std::min(n, rows.size());
    std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(k), rows.end(),
                      [&](std::size_t a, std::size_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; });
    rows.resize(k);
    return rows;
}

std::string text_of(const lead_table& t, field_role role, std::size_t row) {
    const auto col = t.table_schema().find(role);
    if (!col) return "-";
    const auto code = t.codes(*col)[row];
    return code == missing_code ? std::string("-") : std::string(t.dict(*col)[code]);
}

} // namespace demo

namespace {

using namespace demo;

struct demo_section {
    const char* title;
    void (*print)(const demo_context&, std::ostream&);
};

constexpr demo_section sections[] = {
    {"Data set", section_data_set},
    {"Leads by source", section_by_source},
    {"Leads by stage", section_by_stage},
    {"Outcomes", section_outcomes},
    {"Win rate by source family", section_win_rate_by_family},
    {"Points scores", section_points},
    {"Logistic model", section_logistic},
    {"Fit x engagement grid", section_grid},
    {"Predictive scores (frequency tables)", section_frequency},
    {"Trained model", section_training},
    {"Temperature and lifecycle", section_temperature},
    {"A week later: crossings", section_crossings},
    {"Routing hot and warm leads", section_routing},
};

void run_demo(const demo_options& o) {
    generator_options g;
    g.leads = o.leads;
    g.seed = o.seed;
    const generated_crm crm = [&] {
        progress_phase phase("generating " + std::to_string(o.leads) + " leads");
        auto result = generate_crm(g);
        phase.done();
        return result;
    }();

    const source_catalogue sources;
    const funnel& stages = funnel::standard();
    const auto& t = crm.leads;
    const std::size_t source_col = categorical_role(t, field_role::source);
    const std::size_t stage_col = categorical_role(t, field_role::stage);

    demo_context ctx{o, crm, sources, stages, t.codes(source_col), &t.dict(source_col), t.codes(stage_col),
                     &t.dict(stage_col), {}, {}};
    for (std::size_t code = 0; code < ctx.source_dict->size(); ++code)
        ctx.source_entry.push_back(sources.find((*ctx.source_dict)[static_cast<std::int32_t>(code)]));
    for (std::size_t code = 0; code < ctx.stage_dict->size(); ++code)
        ctx.stage_index.push_back(stages.find((*ctx.stage_dict)[static_cast<std::int32_t>(code)]));

    auto& out = std::cout;
    out << "leadscore demo: a synthetic CRM of " << o.leads << " leads (seed " << o.seed << ")\n";
    for (const auto& s : sections) {
        out << "\n== " << s.title << " ==\n\n";
        s.print(ctx, out);
    }
    // The funnel report of the stage history: conversion, cycle times, Markov chain, KPIs and cohorts.
    funnel_report_options report;
    report.by.clear();
    report.as_of = crm.horizon;
    out << '\n';
    print_funnel_report(out, crm.history, stages, report);
}

} // namespace

command add_demo_command(CLI::App& parent) {
    auto opts = std::make_shared<demo::demo_options>();
    CLI::App* app = parent.add_subcommand("demo", "Summarize a synthetic CRM generated on built-in data");
    app->footer("Prints the data set, leads by source (with channel family) and by stage in funnel order,\n"
                "outcomes (won, lost, open, rejected, nurture) and the win rate by source family; then points\n"
                "scores with their reasons, a logistic model with the generator's coefficients, a fit x\n"
                "engagement grid, frequency-table (Odoo-style) predictions checked on later leads, a logistic\n"
                "model trained on the closed leads and tested against the true model, temperatures and lifecycle\n"
                "classes, the crossings of a second run a week later, the routing of hot and warm leads to reps,\n"
                "and the funnel report\n"
                "(conversion, cycle times, Markov chain, KPIs, cohorts).");
    app->add_option("--leads,-n", opts->leads, "Number of leads to generate")
        ->check(whole_number())
        ->capture_default_str();
    app->add_option("--seed,-s", opts->seed, "Random seed")->check(whole_number())->capture_default_str();
    return {app, [opts] { run_demo(*opts); }};
}

} // namespace leadscore::cli
