// leadscore report: one self-contained HTML page — the funnel and conversion by source from a stage history, lift,
// gains and calibration of a model on data with known outcomes, and the temperature distribution.

#include "commands.hpp"
#include "html.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/io/detail/safe_file.hpp"
#include "leadscore/io/history_csv.hpp"
#include "leadscore/io/model.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

struct report_options {
    std::string model_file;
    data_options data;
    std::string history;
    std::string funnel_file;
    std::string target;
    std::string positive;
    std::vector<std::string> negative;
    std::string out;
    std::size_t max_sources = 15;
};

std::string percent(double share) { return std::isnan(share) ? "-" : fixed(100.0 * share, 1) + "%"; }

void funnel_section(html_page& page, const conversion_accumulator& conv) {
    const funnel& f = conv.stages();
    const auto all = conv.total();
    page.heading("Funnel", "funnel");
    page.paragraph(std::to_string(all.leads) + " leads in the history, " + std::to_string(all.won_leads) + " won (" +
                   percent(all.overall_conversion()) +
                   "). Bars: leads that entered each stage; conversion = went on to a later open stage or won.");
    std::vector<html_page::bar> bars;
    std::vector<std::vector<std::string>> rows;
    for (std::size_t s = 0; s < f.size(); ++s) {
        const auto& c = all.stages[s];
        const bool open = f[s].kind == stage_kind::open;
        bars.push_back({f[s].name, static_cast<double>(c.entered),
                        std::to_string(c.entered) + " (" + percent(all.reached(s, f.entry())) + ")"});
        rows.push_back({f[s].name, std::string(to_string(f[s].kind)), std::to_string(c.entered),
                        percent(all.reached(s, f.entry())), open ? percent(c.conversion_rate()) : "-",
                        percent(c.win_rate())});
    }
    page.bar_chart("Leads entering each stage (share of the first stage's entrants)", bars);
    page.table("funnel", {"stage", "kind", "entered", "reached", "conversion", "P(win)"}, rows);
}

void source_section(html_page& page, const conversion_accumulator& conv, std::size_t max_rows) {
    page.heading("Conversion by source", "sources");
    struct line {
        std::string source;
        conversion_group g;
    };
    std::vector<line> lines;
    for (const auto& [label, g] : conv.groups()) lines.push_back({label, g});
    std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) { return a.g.leads > b.g.leads; });
    const std::size_t shown = max_rows == 0 ? lines.size() : std::min(max_rows, lines.size());
    page.paragraph("Each lead's first source; the " + std::to_string(shown) + " largest of " +
                   std::to_string(lines.size()) + " sources. Bars: won leads / leads.");
    lines.resize(shown);
    std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) {
        return a.g.overall_conversion() > b.g.overall_conversion();
    });
    std::vector<html_page::bar> bars;
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : lines) {
        bars.push_back({l.source, l.g.overall_conversion(), percent(l.g.overall_conversion())});
        rows.push_back({l.source, std::to_string(l.g.leads), std::to_string(l.g.won_leads),
                        percent(l.g.overall_conversion())});
    }
    page.bar_chart("Overall conversion by first source", bars);
    page.table("sources", {"source", "leads", "won", "conversion"}, rows);
}

void model_section(html_page& page, const report_options& o, const model& m, std::size_t rows,
                   const evaluation_report& e) {
    page.heading("Model", "model");
    page.paragraph("Model file " + o.model_file + " (" + m.kind + ", " + std::to_string(m.report.parameters) +
                   " parameters, trained on " + std::to_string(m.report.rows) + " rows), scored on " + o.data.file +
                   ": " + std::to_string(rows) + " rows, " + std::to_string(e.rows) + " with a known outcome, " +
                   std::to_string(e.unscored) + " not computable.");
    page.table("metrics", {"metric", "value"},
               {{"rows evaluated", std::to_string(e.rows)},
                {"positives", std::to_string(e.positives)},
                {"base rate", percent(e.base_rate)},
                {"ROC AUC", fixed(e.roc_auc)},
                {"average precision", fixed(e.average_precision)},
                {"log loss", fixed(e.log_loss)},
                {"Brier score", fixed(e.brier_score)},
                {"top-decile lift", fixed(e.gains.empty() ? NAN : e.gains.front().lift, 2)}});
}

void gains_section(html_page& page, const evaluation_report& e) {
    page.heading("Lift and gains", "gains");
    page.paragraph("Leads ranked by score, best first, in ten equal groups: lift = the group's conversion over the "
                   "base rate; cumulative gain = the share of all positives found down to the group.");
    html_page::series gains{"model", {{0.0, 0.0}}, false};
    std::vector<html_page::bar> lift_bars;
    std::vector<std::vector<std::string>> gain_rows;
    for (std::size_t k = 0; k < e.gains.size(); ++k) {
        const auto& g = e.gains[k];
        gains.points.emplace_back(g.depth, g.cumulative_gain);
        lift_bars.push_back({"decile " + std::to_string(k + 1), g.lift, fixed(g.lift, 2)});
        gain_rows.push_back({std::to_string(k + 1), std::to_string(g.rows), fixed(g.positives, 1), percent(g.rate),
                             fixed(g.lift, 2), percent(g.cumulative_gain)});
    }
    page.unit_chart("Cumulative gains", "share of leads contacted", "share of positives found",
                    {gains, {"random order", {{0.0, 0.0}, {1.0, 1.0}}, true}});
    page.bar_chart("Lift by decile", lift_bars);
    page.table("gains", {"decile", "rows", "positives", "conversion", "lift", "cumulative gain"}, gain_rows);
}

void calibration_section(html_page& page, const evaluation_report& e) {
    page.heading("Calibration", "calibration");
    if (e.reliability.bins.empty()) {
        page.paragraph("The model's scores are points, not probabilities: no calibration to show.");
    } else {
        page.paragraph("Predicted against observed conversion in ten score bins; a calibrated model lies on the "
                       "diagonal. Expected calibration error " +
                       fixed(e.reliability.expected_calibration_error) + ", largest " +
                       fixed(e.reliability.max_calibration_error) + ".");
        html_page::series cal{"model", {}, false};
        std::vector<std::vector<std::string>> rows;
        for (std::size_t k = 0; k < e.reliability.bins.size(); ++k) {
            const auto& b = e.reliability.bins[k];
            if (b.rows > 0) cal.points.emplace_back(b.mean_score, b.observed_rate);
            const bool last = k + 1 == e.reliability.bins.size();
            rows.push_back({"[" + fixed(b.lower, 1) + ", " + fixed(b.upper, 1) + (last ? "]" : ")"),
                            std::to_string(b.rows), std::to_string(b.positives), fixed(b.mean_score),
                            fixed(b.observed_rate)});
        }
        page.unit_chart("Reliability", "mean predicted probability", "observed conversion",
                        {cal, {"perfect calibration", {{0.0, 0.0}, {1.0, 1.0}}, true}});
        page.table("calibration", {"scores", "rows", "positives", "mean score", "observed"}, rows);
    }
}

void temperature_section(html_page& page, const model& m, std::span<const double> scores,
                         std::span<const std::int8_t> labels) {
    page.heading("Temperature", "temperature");
    page.paragraph("The model's bands: hot at or above " + fixed(m.bands.hot) + ", warm at or above " +
                   fixed(m.bands.warm) + ", cold below; conversion among the rows with a known outcome.");
    const band_conversion c = conversion_by_temperature(m, scores, labels);
    std::vector<html_page::bar> temp_bars;
    std::vector<std::vector<std::string>> temp_rows;
    for (auto it = c.bands.rbegin(); it != c.bands.rend(); ++it) {
        const double share = static_cast<double>(it->rows) / static_cast<double>(std::max<std::size_t>(1, scores.size()));
        temp_bars.push_back({it->band, static_cast<double>(it->rows), std::to_string(it->rows) + " (" + percent(share) + ")"});
        temp_rows.push_back({it->band, std::to_string(it->rows), percent(share), std::to_string(it->labelled),
                             std::to_string(it->positives), percent(it->rate)});
    }
    page.bar_chart("Leads by temperature", temp_bars);
    page.table("temperature", {"band", "leads", "share", "labelled", "positives", "conversion"}, temp_rows);
}

void run_report(const report_options& o) {
    refuse_same_files({{"--out", o.out}}, {{"--model", o.model_file},
                                           {"--data", o.data.file},
                                           {"--history", o.history},
                                           {"--funnel", o.funnel_file}});
    const model_measurement measured = measure_model(o.model_file, o.data, o.target, o.positive, o.negative);
    const model& m = measured.m;
    const binary_target& target = measured.target;
    const evaluation_report& e = measured.report;
    const std::vector<double>& scores = measured.scores;
    const std::vector<std::int8_t>& labels = measured.labels;

    const funnel stages = o.funnel_file.empty() ? funnel::standard() : read_funnel_file(o.funnel_file);
    const history_import h = [&] {
        progress_phase phase("reading " + o.history);
        auto r = read_history_file(o.history, stages);
        phase.done(std::to_string(r.rows_read) + " rows");
        return r;
    }();
    const journeys j(h.history, stages);
    const lead_key by_source = key_by_source(j);
    const conversion_accumulator conv = compute_conversion(j, &by_source);

    const std::string positive = target.positive.empty() ? std::string("true") : target.positive.front();
    html_page page("leadscore report: " + (m.kind.empty() ? std::string("model") : m.kind) + " model, " +
                   target.field + " = " + positive);

    model_section(page, o, m, measured.rows, e);
    funnel_section(page, conv);
    source_section(page, conv, o.max_sources);
    gains_section(page, e);
    calibration_section(page, e);
    temperature_section(page, m, scores, labels);

    detail::atomic_file file(o.out);
    page.write(file.stream());
    file.commit();
    std::cout << "wrote " << o.out << '\n';
}

} // namespace

command add_report_command(CLI::App& parent) {
    auto opts = std::make_shared<report_options>();
    CLI::App* app = parent.add_subcommand("report", "Write an HTML report: funnel, sources, lift, calibration, temperature");
    app->footer("Writes one self-contained HTML page (inline SVG charts, no script, nothing fetched from the\n"
                "network): model metrics; the funnel and conversion by first source from the stage history; lift\n"
                "and cumulative gains by decile and a calibration chart of the model on the data; and the\n"
                "distribution and conversion of the model's temperature bands. Every chart has its numbers in a\n"
                "table next to it.");
    app->add_option("--model,-m", opts->model_file, "Model file written by 'leadscore train'")->required();
    add_data_options(*app, opts->data);
    app->add_option("--history", opts->history, "Stage history CSV (lead_id,stage,entered_at[,value][,source])")
        ->required();
    app->add_option("--funnel", opts->funnel_file, "Funnel CSV 'stage,kind' in order (default: the standard funnel)");
    app->add_option("--target", opts->target, "The column holding the outcome (default: the model's target)");
    app->add_option("--positive", opts->positive, "The target value that counts as a success (default: the model's)");
    add_negative_option(*app, opts->negative, "the model's, for its own target, else every value but the positive one");
    app->add_option("--max-sources", opts->max_sources, "Sources shown, largest first (0 = all)")
        ->check(whole_number())
        ->capture_default_str();
    app->add_option("--out,-o", opts->out, "The HTML file to write")->required();
    return {app, [opts] { run_report(*opts); }};
}

} // namespace leadscore::cli
