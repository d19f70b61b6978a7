// leadscore evaluate: how well a model file scores a CSV file whose outcomes are known.

#include "commands.hpp"
#include "database.hpp"
#include "json.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/io/model.hpp"

#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

struct evaluate_options {
    std::string model_file;
    data_options data;
    std::string target;
    std::string positive;
    std::vector<std::string> negative;
    output_format format = output_format::text;
    db_options db; ///< --db with --table or --query instead of --data
};

/// The evaluation as the document of schema leadscore.evaluate/1 (docs/cli.md): the numbers the text shows, at full
/// precision; null where a figure cannot be computed.
json evaluate_json(const evaluate_options& o, const model_measurement& measured, const band_conversion& c) {
    const model& m = measured.m;
    const evaluation_report& e = measured.report;
    json doc;
    doc["schema"] = "leadscore.evaluate/1";
    doc["file"] = o.db.active() ? db_source_name(o.db) : o.data.file;
    doc["model_kind"] = m.kind.empty() ? json(nullptr) : json(m.kind);
    doc["target"] = target_json(measured.target);
    doc["added_missing_tokens"] = added_missing_tokens(m, o.data);
    doc["rows"] = measured.rows;
    doc["labelled"] = e.rows + e.unscored;
    doc["positives"] = e.positives;
    doc["not_computable"] = e.unscored;
    doc["roc_auc"] = json_or_null(e.roc_auc);
    doc["log_loss"] = json_or_null(e.log_loss);
    doc["brier_score"] = json_or_null(e.brier_score);
    doc["top_decile_lift"] = e.gains.empty() ? json(nullptr) : json_or_null(e.gains.front().lift);
    doc["average_precision"] = json_or_null(e.average_precision);
    json bins = json::array();
    for (const auto& b : e.reliability.bins)
        bins.push_back({{"lower", json_or_null(b.lower)}, {"upper", json_or_null(b.upper)}, {"rows", b.rows},
                        {"positives", b.positives}, {"mean_score", json_or_null(b.mean_score)},
                        {"observed", json_or_null(b.observed_rate)}});
    doc["reliability"] = e.reliability.bins.empty()
                             ? json(nullptr)
                             : json{{"bins", std::move(bins)},
                                    {"expected_calibration_error", json_or_null(e.reliability.expected_calibration_error)},
                                    {"max_calibration_error", json_or_null(e.reliability.max_calibration_error)}};
    doc["bands"] = {{"warm", json_or_null(m.bands.warm)}, {"hot", json_or_null(m.bands.hot)}};
    json temperature = json::array();
    for (auto it = c.bands.rbegin(); it != c.bands.rend(); ++it)
        temperature.push_back({{"band", it->band}, {"rows", it->rows}, {"labelled", it->labelled},
                               {"positives", it->positives}, {"rate", json_or_null(it->rate)},
                               {"share_of_positives", json_or_null(it->share_of_positives)}});
    doc["temperature"] = std::move(temperature);
    return doc;
}

void run_evaluate(const evaluate_options& o) {
    check_data_source(o.data.file, o.db);
    const model_measurement measured = measure_model(o.model_file, o.data, o.target, o.positive, o.negative, o.db);
    const model& m = measured.m;
    const binary_target& target = measured.target;
    const evaluation_report& e = measured.report;
    const std::vector<double>& scores = measured.scores;
    const std::vector<std::int8_t>& labels = measured.labels;
    if (o.format == output_format::json) {
        print_json(std::cout, evaluate_json(o, measured, conversion_by_temperature(m, scores, labels)));
        return;
    }

    auto& out = std::cout;
    const std::string positive = target.positive.empty() ? std::string("true") : target.positive.front();
    if (o.db.active()) out << "database: " << db_source_name(o.db) << '\n';
    else out << "file: " << o.data.file << '\n';
    if (const auto line = missing_tokens_line(m, o.data); !line.empty()) out << line << '\n';
    out << "model: " << (m.kind.empty() ? std::string("?") : m.kind) << ", target " << target.field << " = " << positive
        << '\n';
    out << "rows: " << measured.rows << ", labelled: " << e.rows + e.unscored << ", positives: " << e.positives << " ("
        << format_percent(static_cast<double>(e.positives), static_cast<double>(e.rows)) << ")"
        << ", not computable: " << e.unscored << '\n';
    out << "ROC AUC: " << fixed(e.roc_auc) << '\n';
    out << "log loss: " << fixed(e.log_loss) << '\n';
    out << "Brier score: " << fixed(e.brier_score) << '\n';
    out << "top-decile lift: " << fixed(e.gains.empty() ? NAN : e.gains.front().lift, 2) << '\n';
    out << "average precision: " << fixed(e.average_precision) << '\n';

    if (!e.reliability.bins.empty()) {
        out << "\n== Calibration (reliability) ==\n";
        text_table t({{"scores"},
                      {"rows", text_table::align::right},
                      {"positives", text_table::align::right},
                      {"mean score", text_table::align::right},
                      {"observed", text_table::align::right}});
        for (std::size_t k = 0; k < e.reliability.bins.size(); ++k) {
            const auto& b = e.reliability.bins[k];
            const bool last = k + 1 == e.reliability.bins.size();
            t.add_row({"[" + fixed(b.lower, 1) + ", " + fixed(b.upper, 1) + (last ? "]" : ")"),
                       std::to_string(b.rows), std::to_string(b.positives), fixed(b.mean_score),
                       fixed(b.observed_rate)});
        }
        t.print(out);
        out << "expected calibration error: " << fixed(e.reliability.expected_calibration_error)
            << ", largest: " << fixed(e.reliability.max_calibration_error) << '\n';
    }

    // Conversion per temperature band.
    const band_conversion c = conversion_by_temperature(m, scores, labels);
    out << "\n== Temperature (warm >= " << fixed(m.bands.warm) << ", hot >= " << fixed(m.bands.hot) << ") ==\n";
    text_table t({{"band"},
                  {"rows", text_table::align::right},
                  {"labelled", text_table::align::right},
                  {"positives", text_table::align::right},
                  {"rate", text_table::align::right},
                  {"of all positives", text_table::align::right}});
    for (auto it = c.bands.rbegin(); it != c.bands.rend(); ++it)
        t.add_row({it->band, std::to_string(it->rows), std::to_string(it->labelled), std::to_string(it->positives),
                   format_percent(static_cast<double>(it->positives), static_cast<double>(it->labelled)),
                   std::isnan(it->share_of_positives) ? "-" : format_percent(it->share_of_positives, 1.0)});
    t.print(out);
}

} // namespace

command add_evaluate_command(CLI::App& parent) {
    auto opts = std::make_shared<evaluate_options>();
    CLI::App* app = parent.add_subcommand("evaluate", "Measure a model file on a CSV file with known outcomes");
    app->footer("Prints ROC AUC, log loss, Brier score, top-decile lift, average precision, a reliability table\n"
                "(predicted against observed conversion in ten score bins) and the conversion of each temperature\n"
                "band. Rows whose target is missing are left out; so are rows the model cannot score (counted).");
    app->add_option("--model,-m", opts->model_file, "Model file written by 'leadscore train'")->required();
    add_data_options(*app, opts->data);
    add_events_options(*app, opts->data.events);
    add_progress_options(*app);
    app->add_option("--target", opts->target, "The column holding the outcome")->required();
    app->add_option("--positive", opts->positive,
                    "The target value that counts as a success (default: the model's, for its own target)");
    add_negative_option(*app, opts->negative, "the model's, for its own target, else every value but the positive one");
    add_format_option(*app, opts->format, "one document, schema leadscore.evaluate/1");
    add_db_options(*app, opts->db, false);
    return {app, [opts] { run_evaluate(*opts); }};
}

} // namespace leadscore::cli
