// leadscore demo: the library's main job on built-in data, printed as a sequence of report sections.
//
// Each section is a function of one demo_context; a new report (temperatures, routing, …) is one more function
// and one more entry in the section list. The funnel report comes last, as the `funnel` command prints it.

#include "commands.hpp"
#include "output.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/qualification/crossings.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/weighted.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"
#include "leadscore/train/logistic.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

struct demo_options {
    std::size_t leads = 20000;
    std::uint64_t seed = 42;
};

constexpr std::size_t family_count = 6; // channel_family::inbound .. partner

/// The generated data and what the sections share: column lookups resolved once, per-code meanings.
struct demo_context {
    const demo_options& options;
    const generated_crm& crm;
    const source_catalogue& sources;
    const funnel& stages;

    std::span<const std::int32_t> source_codes;
    const dictionary* source_dict = nullptr;
    std::span<const std::int32_t> stage_codes;
    const dictionary* stage_dict = nullptr;

    /// Per source code: its catalogue entry, when the catalogue knows it.
    std::vector<std::optional<catalogue<source_info>::id_type>> source_entry;
    /// Per stage code: its index in the funnel, when the funnel knows it.
    std::vector<std::optional<std::size_t>> stage_index;

    [[nodiscard]] std::size_t rows() const noexcept { return crm.leads.rows(); }
    /// The kind of a lead's current stage; nullopt for a missing or unknown stage.
    [[nodiscard]] std::optional<stage_kind> kind_of(std::size_t row) const {
        const auto code = stage_codes[row];
        if (code == missing_code || !stage_index[static_cast<std::size_t>(code)]) return std::nullopt;
        return stages[*stage_index[static_cast<std::size_t>(code)]].kind;
    }
    /// The channel family of a lead's source; nullopt for a missing or unknown source.
    [[nodiscard]] std::optional<channel_family> family_of(std::size_t row) const {
        const auto code = source_codes[row];
        if (code == missing_code || !source_entry[static_cast<std::size_t>(code)]) return std::nullopt;
        return sources[*source_entry[static_cast<std::size_t>(code)]].family;
    }
};

std::size_t categorical_role(const lead_table& t, field_role role) {
    const auto col = t.table_schema().find(role);
    if (!col) throw definition_error("the generated table has no " + std::string(to_string(role)) + " field");
    return *col;
}

// ---- sections -----------------------------------------------------------------------------------

void section_data_set(const demo_context& ctx, std::ostream& out) {
    const auto& t = ctx.crm.leads;
    text_table tab({{"item"}, {"value"}});
    tab.add_row({"leads", std::to_string(t.rows())});
    tab.add_row({"seed", std::to_string(ctx.options.seed)});
    tab.add_row({"fields per lead", std::to_string(t.table_schema().size())});
    tab.add_row({"engagement events", std::to_string(t.view().all_events().size())});
    tab.add_row({"stage entries", std::to_string(ctx.crm.history.size())});
    if (const auto col = t.table_schema().find(field_role::created)) {
        std::int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (const auto s : t.timestamps(*col))
            if (s != missing_time) {
                lo = std::min(lo, s);
                hi = std::max(hi, s);
            }
        if (lo <= hi) {
            tab.add_row({"first capture", format_timestamp(from_seconds(lo), false)});
            tab.add_row({"last capture", format_timestamp(from_seconds(hi), false)});
        }
    }
    tab.add_row({"observed at", format_timestamp(ctx.crm.horizon, false)});
    tab.print(out, 2, false);
}

void section_by_source(const demo_context& ctx, std::ostream& out) {
    // One slot per dictionary code plus one for missing.
    std::vector<std::size_t> counts(ctx.source_dict->size() + 1);
    for (const auto code : ctx.source_codes) ++counts[code == missing_code ? counts.size() - 1 : static_cast<std::size_t>(code)];

    std::vector<std::size_t> order(counts.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return counts[a] > counts[b]; });

    text_table tab({{"source"}, {"family"}, {"leads", text_table::align::right}, {"share", text_table::align::right}});
    for (const auto i : order) {
        if (counts[i] == 0) continue;
        std::string label = "(missing)", family = "-";
        if (i < ctx.source_dict->size()) {
            label = std::string((*ctx.source_dict)[static_cast<std::int32_t>(i)]);
            if (const auto id = ctx.source_entry[i]) {
                label = ctx.sources[*id].label;
                family = std::string(to_string(ctx.sources[*id].family));
            }
        }
        tab.add_row({label, family, std::to_string(counts[i]),
                     format_percent(static_cast<double>(counts[i]), static_cast<double>(ctx.rows()))});
    }
    tab.print(out);
}

void section_by_stage(const demo_context& ctx, std::ostream& out) {
    std::vector<std::size_t> counts(ctx.stages.size());
    std::size_t missing = 0, unknown = 0;
    for (const auto code : ctx.stage_codes) {
        if (code == missing_code)
            ++missing;
        else if (const auto idx = ctx.stage_index[static_cast<std::size_t>(code)])
            ++counts[*idx];
        else
            ++unknown;
    }
    const auto n = static_cast<double>(ctx.rows());
    text_table tab({{"stage"}, {"kind"}, {"leads", text_table::align::right}, {"share", text_table::align::right}});
    for (std::size_t i = 0; i < ctx.stages.size(); ++i)
        tab.add_row({ctx.stages[i].name, std::string(to_string(ctx.stages[i].kind)), std::to_string(counts[i]),
                     format_percent(static_cast<double>(counts[i]), n)});
    if (unknown > 0)
        tab.add_row({"(not in funnel)", "-", std::to_string(unknown), format_percent(static_cast<double>(unknown), n)});
    if (missing > 0)
        tab.add_row({"(missing)", "-", std::to_string(missing), format_percent(static_cast<double>(missing), n)});
    tab.print(out);
}

void section_outcomes(const demo_context& ctx, std::ostream& out) {
    constexpr std::array kinds{stage_kind::won, stage_kind::lost, stage_kind::open, stage_kind::rejected,
                               stage_kind::nurture};
    std::array<std::size_t, kinds.size()> counts{};
    std::size_t unknown = 0;
    for (std::size_t r = 0; r < ctx.rows(); ++r) {
        if (const auto k = ctx.kind_of(r))
            ++counts[static_cast<std::size_t>(std::find(kinds.begin(), kinds.end(), *k) - kinds.begin())];
        else
            ++unknown;
    }
    const auto n = static_cast<double>(ctx.rows());
    text_table tab({{"outcome"}, {"leads", text_table::align::right}, {"share", text_table::align::right}});
    for (std::size_t i = 0; i < kinds.size(); ++i)
        tab.add_row({std::string(to_string(kinds[i])), std::to_string(counts[i]),
                     format_percent(static_cast<double>(counts[i]), n)});
    if (unknown > 0) tab.add_row({"(unknown stage)", std::to_string(unknown), format_percent(static_cast<double>(unknown), n)});
    tab.print(out);
    const auto won = static_cast<double>(counts[0]), lost = static_cast<double>(counts[1]);
    out << "\n  win rate (won / (won + lost)): " << format_percent(won, won + lost) << '\n';
}

void section_win_rate_by_family(const demo_context& ctx, std::ostream& out) {
    struct tally {
        std::size_t leads = 0, won = 0, lost = 0, open = 0;
    };
    std::array<tally, family_count + 1> t{}; // the last slot: missing or unknown source
    for (std::size_t r = 0; r < ctx.rows(); ++r) {
        const auto f = ctx.family_of(r);
        auto& slot = t[f ? static_cast<std::size_t>(*f) : family_count];
        ++slot.leads;
        const auto k = ctx.kind_of(r);
        if (k == stage_kind::won) ++slot.won;
        if (k == stage_kind::lost) ++slot.lost;
        if (k == stage_kind::open) ++slot.open;
    }
    text_table tab({{"family"},
                    {"leads", text_table::align::right},
                    {"won", text_table::align::right},
                    {"lost", text_table::align::right},
                    {"open", text_table::align::right},
                    {"win rate", text_table::align::right}});
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].leads == 0) continue;
        const std::string name =
            i < family_count ? std::string(to_string(static_cast<channel_family>(i))) : std::string("(unknown)");
        tab.add_row({name, std::to_string(t[i].leads), std::to_string(t[i].won), std::to_string(t[i].lost),
                     std::to_string(t[i].open),
                     format_percent(static_cast<double>(t[i].won), static_cast<double>(t[i].won + t[i].lost))});
    }
    tab.print(out);
    out << "\n  win rate = won / (won + lost); open, rejected and nurture leads are not closed yet\n";
}

// ---- scoring sections ---------------------------------------------------------------------------

std::string with_decimals(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

std::string signed_fixed(double v, int digits) { return (v >= 0 ? "+" : "") + with_decimals(v, digits); }

/// The rules a marketing team might configure: fit on firmographics and source, engagement on events with a
/// 30-day half-life, capped per rule, per group and in total.
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

/// A lead's result: won, lost (lost, rejected or nurture), or still open.
enum class result : std::uint8_t { open, won, lost };

result result_of(const demo_context& ctx, std::size_t row) {
    const auto k = ctx.kind_of(row);
    if (!k || *k == stage_kind::open) return result::open;
    return *k == stage_kind::won ? result::won : result::lost;
}

/// Closed leads by score band: how many, how many won, the win rate.
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

/// The open leads with the highest scores, best first (ties by row).
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

void section_points(const demo_context& ctx, std::ostream& out) {
    const points_policy policy(demo_rules());
    const auto view = ctx.crm.leads.view();
    const auto as_of = ctx.crm.horizon;
    const auto scores = score_batch(policy, view, batch_options{.as_of = as_of});

    out << "  " << policy.rules().fit.size() << " fit rules, " << policy.rules().engagement.size()
        << " engagement rules (30-day half-life); fit and engagement capped at 50, the total at 100; as of "
        << format_timestamp(as_of, false) << "\n\n";
    constexpr std::array<double, 5> bounds{10, 20, 30, 40, 50};
    print_bands(out, ctx, scores, bounds, 0, "score");

    out << "\n  top open leads, with the rules behind their scores:\n\n";
    text_table tab({{"lead"}, {"source"}, {"stage"}, {"score", text_table::align::right}, {"because"}});
    for (const auto r : top_open(ctx, scores, 5)) {
        const auto e = explain(policy, view, r, as_of);
        std::string because;
        for (std::size_t i = 0; i < std::min<std::size_t>(e.factors.size(), 4); ++i)
            because += (i ? ", " : "") + e.factors[i].name + " " + signed_fixed(e.factors[i].contribution, 1);
        tab.add_row({text_of(ctx.crm.leads, field_role::id, r), text_of(ctx.crm.leads, field_role::source, r),
                     text_of(ctx.crm.leads, field_role::stage, r), with_decimals(scores[r], 1), because});
    }
    tab.print(out);
}

/// The generator's published model as a logistic_policy. Every feature is encoded exactly except employees_log10,
/// which the encoder has no log transform for: it is taken by decade, at each decade's midpoint (at most 0.125 off
/// in log-odds).
logistic_policy truth_model(const generator_truth& truth, const dictionary& sources) {
    std::vector<std::string> source_names;
    for (std::size_t c = 0; c < sources.size(); ++c) source_names.emplace_back(sources[static_cast<std::int32_t>(c)]);
    std::vector<std::string> industries, events;
    for (const auto& [name, w] : truth.coefficients) {
        if (name.starts_with("industry=")) industries.push_back(name.substr(9));
        if (name.ends_with("_count")) events.push_back(name.substr(0, name.size() - 6));
    }
    std::vector<feature_spec> specs{
        categorical_feature{.field = "source", .vocabulary = source_names},
        categorical_feature{.field = "party", .vocabulary = {"organization"}},
        categorical_feature{.field = "industry", .vocabulary = industries},
        binned_feature{.field = "employees", .cuts = {10, 100, 1000, 10000}},
        binned_feature{.field = "purchase_timeframe", .cuts = {1, 61}}, // now, 1 to 60 days, over 60
        boolean_feature{.field = "newsletter"},
    };
    for (const auto& e : events) specs.push_back(frequency_feature{.event_types = {e}, .window_days = 3650});
    feature_encoder encoder(std::move(specs));

    const auto coefficient = [&](const std::string& name) {
        const auto it = truth.coefficients.find(name);
        return it == truth.coefficients.end() ? 0.0 : it->second;
    };
    Eigen::VectorXd w = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(encoder.width()));
    const auto set = [&](std::size_t spec, std::size_t k, double v) {
        w[static_cast<Eigen::Index>(encoder.offset(spec) + k)] = v;
    };
    for (std::size_t k = 0; k < source_names.size(); ++k) set(0, k, coefficient("source=" + source_names[k]));
    set(1, 0, coefficient("party=organization"));
    for (std::size_t k = 0; k < industries.size(); ++k) set(2, k, coefficient("industry=" + industries[k]));
    for (std::size_t k = 0; k < 5; ++k) set(3, k, coefficient("employees_log10") * (0.5 + static_cast<double>(k)));
    set(4, 0, coefficient("purchase_timeframe_now"));
    set(4, 1, coefficient("purchase_timeframe_1_60"));
    set(4, 2, coefficient("purchase_timeframe_over_60"));
    set(5, 0, coefficient("newsletter"));
    for (std::size_t k = 0; k < events.size(); ++k) set(6 + k, 0, coefficient(events[k] + "_count"));
    return logistic_policy(logistic_model{std::move(encoder), std::move(w), truth.intercept});
}

void section_logistic(const demo_context& ctx, std::ostream& out) {
    const auto policy = truth_model(ctx.crm.truth, *ctx.source_dict);
    const auto view = ctx.crm.leads.view();
    const auto as_of = ctx.crm.horizon;
    const auto p = score_batch(policy, view, batch_options{.as_of = as_of});
    double gap = 0;
    for (std::size_t r = 0; r < p.size(); ++r) gap += std::abs(p[r] - ctx.crm.won_probability[r]);

    out << "  " << policy.encoder().width() << " features, weighted by the generator's published coefficients"
        << " (employees by decade); mean |p - true p| = " << with_decimals(gap / static_cast<double>(p.size()), 4) << "\n\n";
    constexpr std::array<double, 4> bounds{0.1, 0.2, 0.3, 0.5};
    print_bands(out, ctx, p, bounds, 1, "P(win)");
    out << "\n  (lost counts rejected and nurtured leads, as the model does)\n";

    out << "\n  top open leads, with the largest terms of their log-odds:\n\n";
    text_table tab({{"lead"}, {"source"}, {"stage"}, {"P(win)", text_table::align::right}, {"because"}});
    for (const auto r : top_open(ctx, p, 5)) {
        const auto e = explain(policy, view, r, as_of);
        std::string because;
        std::size_t shown = 0;
        for (const auto& f : e.factors) {
            if (f.name == "intercept" || shown == 4) continue;
            because += (shown++ ? ", " : "") + f.name + " " + signed_fixed(f.contribution, 2);
        }
        tab.add_row({text_of(ctx.crm.leads, field_role::id, r), text_of(ctx.crm.leads, field_role::source, r),
                     text_of(ctx.crm.leads, field_role::stage, r), format_percent(p[r], 1.0), because});
    }
    tab.print(out);
}

void section_grid(const demo_context& ctx, std::ostream& out) {
    grade_profile profile;
    profile.name = "ideal customer";
    profile.criteria = {
        {"", condition::one_of("industry", {std::string("software"), std::string("finance"), std::string("healthcare")}), 3},
        {"", condition::between("employees", 50.0, 20000.0), 3},
        {"", condition::one_of("source", {std::string("referral"), std::string("existing_customer"),
                                          std::string("trade_show"), std::string("webinar")}), 3},
        {"", condition::one_of("industry", {std::string("public_sector"), std::string("education")}), -3}};
    auto engagement_only = demo_rules(); // without decay: the engagement a lead has shown in all
    engagement_only.fit.clear();
    engagement_only.groups = {{"engagement", {}, {}, {}}};
    const grid_policy grid({"fit", grade_policy(profile), {1.5, 2.5, 3.5}, grid_policy::default_fit_labels()},
                           {"engagement", points_policy(engagement_only), {5, 15, 30},
                            grid_policy::default_engagement_labels()});
    const auto view = ctx.crm.leads.view();
    const auto scorer = grid.bind(view, ctx.crm.horizon);

    // cells[fit][engagement], labels as the grid names them: fit A (best) … D, engagement 1 (most) … 4.
    struct tally {
        std::size_t leads = 0, closed = 0, won = 0;
    };
    const auto& fit_labels = grid.fit().labels;
    const auto& eng_labels = grid.engagement().labels;
    std::vector<tally> cells(fit_labels.size() * eng_labels.size());
    for (std::size_t r = 0; r < ctx.rows(); ++r) {
        const auto cell = scorer.cell(r);
        const auto f = static_cast<std::size_t>(std::find(fit_labels.begin(), fit_labels.end(), cell.substr(0, 1)) - fit_labels.begin());
        const auto e = static_cast<std::size_t>(std::find(eng_labels.begin(), eng_labels.end(), cell.substr(1)) - eng_labels.begin());
        auto& t = cells.at(f * eng_labels.size() + e);
        ++t.leads;
        const auto res = result_of(ctx, r);
        if (res != result::open) ++t.closed;
        if (res == result::won) ++t.won;
    }
    std::vector<text_table::column> columns{{"fit \\ engagement"}};
    for (std::size_t e = eng_labels.size(); e-- > 0;) columns.push_back({eng_labels[e], text_table::align::right});
    text_table tab(columns);
    for (std::size_t f = fit_labels.size(); f-- > 0;) {
        std::vector<std::string> row{fit_labels[f]};
        for (std::size_t e = eng_labels.size(); e-- > 0;) {
            const auto& t = cells[f * eng_labels.size() + e];
            row.push_back(std::to_string(t.leads) + " / " +
                          format_percent(static_cast<double>(t.won), static_cast<double>(t.closed)));
        }
        tab.add_row(std::move(row));
    }
    tab.print(out);
    out << "\n  each cell: leads / win rate of its closed leads; fit = grade (A >= 3.5, B >= 2.5, C >= 1.5),\n"
           "  engagement = engagement points without decay (1 >= 30, 2 >= 15, 3 >= 5)\n";
}

void section_frequency(const demo_context& ctx, std::ostream& out) {
    const auto& t = ctx.crm.leads;
    const auto& s = t.table_schema();
    frequency_definition definition;
    definition.stages = frequency_stages(ctx.stages);
    definition.variables = {{"source"}, {"industry"}, {"country"}, {"newsletter"}};
    definition.lost_stage_field = "lost_stage";

    // Learn from the leads captured in the first half of the year; test on those captured in the third quarter
    // that have closed, scored as if they had just entered the funnel (first stage, no outcome).
    const auto created = t.timestamps(*s.find(field_role::created));
    const std::int64_t start = to_seconds(generator_options{}.start);
    const auto day = [&](std::size_t r) { return (created[r] - start) / 86400; };
    std::vector<std::size_t> learn, test;
    for (std::size_t r = 0; r < ctx.rows(); ++r) {
        if (day(r) < 181) learn.push_back(r);
        else if (day(r) < 273 && result_of(ctx, r) != result::open) test.push_back(r);
    }
    const frequency_policy policy(frequency_tables::build(definition, t.select(learn).view()));

    lead_table fresh = t.select(test);
    auto& stage = std::get<categorical_column>(fresh.column(*s.find(field_role::stage)));
    std::fill(stage.codes.begin(), stage.codes.end(), stage.dict.intern(ctx.stages[ctx.stages.entry()].name));
    auto& outcome = std::get<categorical_column>(fresh.column(*s.find(field_role::outcome)));
    std::fill(outcome.codes.begin(), outcome.codes.end(), missing_code);
    const auto p = score_batch(policy, fresh.view(), batch_options{.as_of = ctx.crm.horizon});

    // Quintiles of the predicted probability: mean prediction against the observed win rate.
    std::vector<std::size_t> order(test.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
    out << "  learned from " << learn.size() << " leads captured in January to June (tables: " << policy.tables().size()
        << " rows); tested on the " << test.size() << " leads captured in July to September that have closed,\n"
        << "  each scored as a new lead at the first stage:\n\n";
    text_table tab({{"quintile"},
                    {"leads", text_table::align::right},
                    {"mean P(win)", text_table::align::right},
                    {"won", text_table::align::right},
                    {"win rate", text_table::align::right}});
    for (std::size_t q = 5; q-- > 0;) {
        const std::size_t lo = order.size() * q / 5, hi = order.size() * (q + 1) / 5;
        double sum = 0;
        std::size_t won = 0;
        for (std::size_t i = lo; i < hi; ++i) {
            sum += p[order[i]];
            won += result_of(ctx, test[order[i]]) == result::won ? 1 : 0;
        }
        const auto n = static_cast<double>(hi - lo);
        tab.add_row({std::to_string(q + 1), std::to_string(hi - lo), format_percent(sum, n), std::to_string(won),
                     format_percent(static_cast<double>(won), n)});
    }
    tab.print(out);

    // The open leads most likely to win now, by tables learned from every closed lead, with Odoo's reasons.
    const frequency_policy now(frequency_tables::build(definition, t.view()));
    const auto scorer = now.bind(t.view(), ctx.crm.horizon);
    std::vector<double> all(ctx.rows());
    scorer.score_batch(0, all);
    out << "\n  open leads most likely to win, by tables learned from every closed lead:\n\n";
    text_table top({{"lead"}, {"stage"}, {"P(win)", text_table::align::right}, {"helps"}, {"hurts"}});
    const auto list = [](const std::vector<frequency_factor>& fs) {
        std::string text;
        for (const auto& f : fs)
            text += (text.empty() ? "" : ", ") + f.variable + "=" + f.value.value_or("(unset)") + " " + with_decimals(f.score, 2);
        return text.empty() ? std::string("-") : text;
    };
    for (const auto r : top_open(ctx, all, 5)) {
        const auto f = scorer.factors(r);
        top.add_row({text_of(t, field_role::id, r), text_of(t, field_role::stage, r), format_percent(all[r], 1.0),
                     list(f.top), list(f.low)});
    }
    top.print(out);
}

// ---- training -----------------------------------------------------------------------------------

void section_training(const demo_context& ctx, std::ostream& out) {
    const auto view = ctx.crm.leads.view();
    const binary_target target{.field = "outcome", .positive = {"won"}, .negative = {"lost"}}; // open: unlabelled
    const auto labels = target_labels(view, target);
    const split s = train_test_split(labels, 0.3, ctx.options.seed); // stratified
    logistic_trainer trainer;
    trainer.encoding.exclude = {"lost_stage"}; // known only once a lead is lost: it would leak the answer
    trainer.encoding.event_counts = {"meeting_booked", "demo_requested", "pricing_page_visited", "unsubscribed"};
    trainer.encoding.min_category_count = 20;
    const auto model = trainer.fit({view, labels, s.train, ctx.crm.horizon, target.field});
    out << "  logistic regression (L2, C = 1) learned from " << model.report.rows << " closed leads ("
        << model.report.positives << " won), " << model.report.parameters << " parameters: " << model.report.message
        << "\n  tested on the other " << s.test.size()
        << " closed leads, next to the generator's true probabilities:\n\n";

    const auto p = score_batch(model.policy, view, batch_options{.as_of = ctx.crm.horizon});
    std::vector<std::int8_t> test_labels(labels.size(), unlabelled);
    for (const auto r : s.test) test_labels[r] = labels[r];
    const evaluation_report e = evaluate(p, test_labels);
    const evaluation_report truth = evaluate(ctx.crm.won_probability, test_labels);
    text_table tab({{"metric"}, {"trained", text_table::align::right}, {"true model", text_table::align::right}});
    tab.add_row({"ROC AUC", with_decimals(e.roc_auc, 4), with_decimals(truth.roc_auc, 4)});
    tab.add_row({"log loss", with_decimals(e.log_loss, 4), with_decimals(truth.log_loss, 4)});
    tab.add_row({"Brier score", with_decimals(e.brier_score, 4), with_decimals(truth.brier_score, 4)});
    tab.add_row({"top-decile lift", with_decimals(e.gains[0].lift, 2), with_decimals(truth.gains[0].lift, 2)});
    tab.print(out);

    std::size_t open = 0;
    for (std::size_t r = 0; r < ctx.rows(); ++r) open += result_of(ctx, r) == result::open ? 1 : 0;
    out << "\n  the " << open << " open leads scored with the trained model, most likely to win first:\n\n";
    text_table top({{"lead"}, {"source"}, {"stage"}, {"P(win)", text_table::align::right},
                    {"true P(win)", text_table::align::right}});
    for (const auto r : top_open(ctx, p, 5))
        top.add_row({text_of(ctx.crm.leads, field_role::id, r), text_of(ctx.crm.leads, field_role::source, r),
                     text_of(ctx.crm.leads, field_role::stage, r), with_decimals(p[r], 3),
                     with_decimals(ctx.crm.won_probability[r], 3)});
    top.print(out);
}

// ---- temperature, qualification and crossings ------------------------------------------------------

/// The sales rule (hot: needs it now; warm: decides within 60 days) or the points score (warm from 25, hot from
/// 45), whichever is hotter; a lead changes band only past a margin of 3 points or after 2 runs in a row.
temperature_policy demo_temperature() {
    return hysteresis_policy(hottest_of({{"timeframe", purchase_timeframe_policy()},
                                         {"score", score_band_policy(score_bands{score_scale::points, 25, 45})}}),
                             hysteresis_rule{3.0, 2});
}

/// One scoring run: points scores, temperatures (hysteresis reading `previous`) and qualifications.
struct scoring_run {
    timestamp as_of{};
    std::vector<double> scores;
    std::vector<rating> ratings;
    std::vector<qualification> stages;
};

scoring_run run_once(const lead_table& leads, timestamp as_of, std::span<const rating> previous = {}) {
    const points_policy points(demo_rules());
    const default_qualification_policy qualify;
    const batch_options o{.as_of = as_of};
    scoring_run r{as_of, {}, {}, {}};
    r.scores = score_batch(points, leads.view(), o);
    r.ratings = rate_batch(demo_temperature(), rating_input{leads.view(), r.scores, points.scale(), previous}, o);
    r.stages = qualify_batch(qualify, qualification_input{leads.view(), r.scores, r.ratings}, o);
    return r;
}

void section_temperature(const demo_context& ctx, std::ostream& out) {
    const auto run = run_once(ctx.crm.leads, ctx.crm.horizon);
    out << "  temperature: purchase timeframe (hot: now; warm: within 60 days) or points score (warm from 25, hot\n"
           "  from 45), whichever is hotter, with hysteresis (3 points or 2 runs); closed leads show how each band\n"
           "  converted\n\n";
    struct tally {
        std::size_t leads = 0, open = 0, closed = 0, won = 0;
    };
    std::array<tally, 4> t{};
    for (std::size_t r = 0; r < ctx.rows(); ++r) {
        auto& x = t[static_cast<std::size_t>(run.ratings[r].level)];
        ++x.leads;
        const auto res = result_of(ctx, r);
        x.open += res == result::open ? 1 : 0;
        x.closed += res != result::open ? 1 : 0;
        x.won += res == result::won ? 1 : 0;
    }
    text_table tab({{"temperature"},
                    {"leads", text_table::align::right},
                    {"open", text_table::align::right},
                    {"closed", text_table::align::right},
                    {"win rate", text_table::align::right}});
    for (const auto level : {temperature::hot, temperature::warm, temperature::cold, temperature::unknown}) {
        const auto& x = t[static_cast<std::size_t>(level)];
        if (level == temperature::unknown && x.leads == 0) continue;
        tab.add_row({std::string(to_string(level)), std::to_string(x.leads), std::to_string(x.open),
                     std::to_string(x.closed),
                     format_percent(static_cast<double>(x.won), static_cast<double>(x.closed))});
    }
    tab.print(out);

    out << "\n  lifecycle (default qualification policy; won, lost and opportunities are beyond it):\n\n";
    const default_qualification_policy qualify;
    const auto classes = count_lifecycle(run.stages);
    std::vector<std::size_t> by_reason(qualify.reasons().size());
    for (const auto& q : run.stages) ++by_reason[q.reason];
    text_table life({{"class"}, {"leads", text_table::align::right}, {"share", text_table::align::right}});
    for (std::size_t c = 0; c < lifecycle_count; ++c)
        life.add_row({std::string(to_string(static_cast<lifecycle>(c))), std::to_string(classes[c]),
                      format_percent(static_cast<double>(classes[c]), static_cast<double>(ctx.rows()))});
    life.print(out);
    out << "\n  most frequent reasons:\n\n";
    std::vector<std::size_t> order(by_reason.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return by_reason[a] > by_reason[b]; });
    text_table why({{"reason"}, {"leads", text_table::align::right}});
    for (std::size_t i = 0; i < std::min<std::size_t>(5, order.size()) && by_reason[order[i]] > 0; ++i)
        why.add_row({qualify.reasons()[order[i]], std::to_string(by_reason[order[i]])});
    why.print(out);
}

void section_crossings(const demo_context& ctx, std::ostream& out) {
    // The same CRM observed a week later: more events, moved stages, the same lead ids.
    generator_options g;
    g.leads = ctx.options.leads;
    g.seed = ctx.options.seed;
    g.follow_up_days = 7;
    const generated_crm later = generate_crm(g);

    const auto before = run_once(ctx.crm.leads, ctx.crm.horizon);
    const auto match = match_rows(ctx.crm.leads.view(), later.leads.view());
    const auto previous = previous_ratings(before.ratings, match);
    const auto after = run_once(later.leads, later.horizon, previous);

    crossing_rules rules;
    rules.score_thresholds = {25, 45};
    rules.new_leads = false;
    const auto list = find_crossings(later.leads.view(),
                                     evaluation{before.as_of, before.scores, before.ratings, before.stages},
                                     evaluation{after.as_of, after.scores, after.ratings, after.stages}, rules, match,
                                     batch_options{.as_of = later.horizon});
    out << "  a second run on " << format_timestamp(later.horizon, false)
        << ", one week later: each change is listed once, for the CRM to act on\n\n";
    // A stage crossing is the policy's own proposal (a lead turned hot or warm, an explicit reason) or a stage that
    // sales moved in the CRM during the week, which the policy keeps.
    const default_qualification_policy qualify;
    const auto by_policy = [&](const crossing& c) {
        const auto reason = after.stages[c.row].reason;
        return reason != default_qualification_policy::past && reason != default_qualification_policy::no_step_back &&
               reason != default_qualification_policy::parked;
    };
    std::size_t to_hot = 0, cooled = 0, to_sql = 0, to_mql = 0, parked = 0, moved = 0, up = 0, down = 0;
    for (const auto& c : list) {
        switch (c.kind) {
        case crossing_kind::score: (c.upward() ? up : down) += 1; break;
        case crossing_kind::temperature:
            to_hot += c.to_temperature == temperature::hot ? 1 : 0;
            cooled += c.upward() ? 0 : 1;
            break;
        case crossing_kind::stage:
            if (!by_policy(c)) {
                ++moved;
                break;
            }
            to_sql += c.to_category == lifecycle::sql ? 1 : 0;
            to_mql += c.to_category == lifecycle::mql ? 1 : 0;
            parked += c.to_category == lifecycle::rejected || c.to_category == lifecycle::nurture ? 1 : 0;
            break;
        }
    }
    text_table tab({{"crossing"}, {"leads", text_table::align::right}, {"action"}});
    tab.add_row({"turned hot", std::to_string(to_hot), "notify the owner"});
    tab.add_row({"cooled down", std::to_string(cooled), "-"});
    tab.add_row({"became sales-qualified", std::to_string(to_sql), "hand to sales"});
    tab.add_row({"became marketing-qualified", std::to_string(to_mql), "nurture campaign"});
    tab.add_row({"rejected or parked", std::to_string(parked), "-"});
    tab.add_row({"stage moved by sales in the CRM", std::to_string(moved), "-"});
    tab.add_row({"score passed 25 or 45 upward", std::to_string(up), "-"});
    tab.add_row({"score fell below 25 or 45", std::to_string(down), "-"});
    tab.print(out);

    out << "\n  the first hand-offs to sales:\n\n";
    text_table first({{"lead"}, {"owner"}, {"from"}, {"to"}, {"temperature"}, {"score", text_table::align::right},
                      {"reason"}});
    std::size_t shown = 0;
    for (const auto& c : list) {
        if (c.kind != crossing_kind::stage || c.to_category != lifecycle::sql || !by_policy(c) || shown == 5) continue;
        ++shown;
        first.add_row({c.lead_id, c.owner.empty() ? "-" : c.owner, std::string(to_string(c.from_category)),
                       std::string(to_string(c.to_category)), std::string(to_string(c.to_temperature)),
                       with_decimals(c.to_score, 1), qualify.reasons()[after.stages[c.row].reason]});
    }
    first.print(out);
}

void section_routing(const demo_context& ctx, std::ostream& out) {
    // Today's hot and warm open leads go to the reps of the lead's team, drawn in proportion to what is left of each
    // rep's daily quota (Odoo's rule: monthly capacity / 30); leads of a team nobody serves wait in a queue.
    const auto run = run_once(ctx.crm.leads, ctx.crm.horizon);
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < ctx.rows(); ++r)
        if (result_of(ctx, r) == result::open &&
            (run.ratings[r].level == temperature::hot || run.ratings[r].level == temperature::warm))
            rows.push_back(r);
    const lead_table batch = ctx.crm.leads.select(rows);

    // The reps: the owners of the generated CRM, each in the team it works for, capacities 1,200 to 3,000 a month.
    routing_state state;
    const auto& t = ctx.crm.leads;
    const auto owner_col = categorical_role(t, field_role::owner), team_col = categorical_role(t, field_role::team);
    std::vector<std::string> teams;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const auto o = t.codes(owner_col)[r], tm = t.codes(team_col)[r];
        if (o == missing_code || tm == missing_code) continue;
        const std::string owner(t.dict(owner_col)[o]), team(t.dict(team_col)[tm]);
        if (state.find_rep(owner)) continue;
        const auto k = static_cast<std::int64_t>(state.reps.size());
        state.add_rep({.name = owner, .team = team, .capacity = 1200 + 600 * (k % 4)});
        if (std::find(teams.begin(), teams.end(), team) == teams.end()) teams.push_back(team);
    }
    std::sort(teams.begin(), teams.end());
    routing_rules rules;
    for (const auto& team : teams)
        rules.rules.push_back({"team " + team, {condition::equals("team", team)}, route_target::team(team)});
    state.add_team("inbox");
    rules.fallback = route_target::queue("inbox");
    const rule_policy<weighted_policy> policy(rules, weighted_policy({.seed = ctx.options.seed}));
    const auto decisions = route_batch(policy, batch.view(), state, routing_options{.as_of = ctx.crm.horizon});

    std::size_t assigned = 0;
    std::map<std::string, std::size_t> why_not;
    for (const auto& a : decisions) {
        if (a.assigned()) {
            ++assigned;
        } else {
            ++why_not[std::string(to_string(a.reason))];
        }
    }
    out << "  " << batch.rows() << " hot and warm open leads, routed by team to " << state.reps.size()
        << " reps (capacity-weighted, daily quota = monthly capacity / 30): " << assigned << " assigned";
    for (const auto& [reason, n] : why_not) out << ", " << n << " unassigned (" << reason << ")";
    out << "\n\n";
    text_table tab({{"rep"}, {"team"}, {"leads", text_table::align::right}, {"daily quota", text_table::align::right},
                    {"left", text_table::align::right}});
    for (const auto& l : loads(state, ctx.crm.horizon))
        if (l.daily_quota)
            tab.add_row({l.rep, l.team, std::to_string(l.last_24h), std::to_string(*l.daily_quota),
                         std::to_string(*l.remaining)});
    tab.print(out);
    if (!decisions.empty()) {
        const auto audit = route_audit(batch.view(), decisions, state, policy);
        out << "\n  every decision carries its reason, for example:\n";
        for (std::size_t i = 0; i < std::min<std::size_t>(2, audit.size()); ++i)
            out << "    " << audit[i].lead << ": " << audit[i].reason << '\n';
        for (const auto& a : audit)
            if (a.rep.empty()) {
                out << "    " << a.lead << ": " << a.reason << '\n';
                break;
            }
    }
}

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
    auto opts = std::make_shared<demo_options>();
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
