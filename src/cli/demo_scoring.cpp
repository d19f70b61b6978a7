// The demo report's scoring sections: points rules, the generator's true logistic model, a fit x engagement grid,
// frequency tables (Odoo-style) and a logistic model trained on the closed leads.

#include "demo.hpp"
#include "output.hpp"

#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/train/logistic.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

namespace leadscore::cli::demo {

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

namespace {

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
    for (const auto& e : events) specs.push_back(frequency_feature{.event_types = {e}, .window_days = unlimited_window_days});
    feature_encoder encoder(std::move(specs));

    const auto coefficient = [&](const std::string& name) {
        const auto it = truth.coefficients.find(name);
        return it == truth.coefficients.end() ? 0.0 : it->second;
    };
    std::vector<double> w(encoder.width(), 0.0);
    const auto set = [&](std::size_t spec, std::size_t k, double v) { w[encoder.offset(spec) + k] = v; };
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

} // namespace

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

} // namespace leadscore::cli::demo
