// leadscore show: what a model file holds — its kind, target, data contract, fit report, temperature bands, and the
// model's largest effects (logistic weights; tree inputs by gain, cover and, on given data, mean |SHAP|).

#include "commands.hpp"
#include "json.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/io/model.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/trees.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

struct show_options {
    std::string model_file;
    data_options data;      ///< --data: rows whose mean |SHAP| is shown for a tree model
    std::size_t top = 15;   ///< effects listed
    output_format format = output_format::text;
};

std::string quoted_list(const std::vector<std::string>& texts) {
    std::string s;
    for (const auto& t : texts) s += (s.empty() ? "" : ", ") + ("\"" + t + "\"");
    return s.empty() ? "none" : s;
}

void show_contract(const model& m, std::ostream& out) {
    out << "reads: missing tokens " << quoted_list(m.contract.missing_tokens) << ", delimiter "
        << (m.contract.delimiter == '\0' ? std::string("detected")
                                          : m.contract.delimiter == '\t' ? std::string("tab")
                                                                         : "'" + std::string(1, m.contract.delimiter) + "'")
        << '\n';
    out << "fields read: " << m.fields.size() << '\n';
    text_table t({{"field"}, {"type"}, {"values seen in training", text_table::align::right}});
    for (const auto& f : m.fields.fields()) {
        std::string seen;
        for (const auto& v : m.contract.vocabulary)
            if (v.field == f.name) seen = std::to_string(v.texts.size());
        t.add_row({f.name, std::string(to_string(f.type)), seen});
    }
    t.print(out);
    for (const auto& [name, text] : m.constants) out << "  (constant " << name << " = \"" << text << "\")\n";
}

void show_logistic(const logistic_policy& p, std::size_t top, std::ostream& out) {
    const auto& names = p.encoder().names();
    const auto& w = p.weights();
    std::vector<std::size_t> order(w.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return std::abs(w[a]) > std::abs(w[b]); });
    out << "logistic regression: " << w.size() << " features, intercept " << format_number(p.intercept())
        << " (log-odds)\n";
    out << "largest weights (log-odds per unit of the encoded feature; numeric features are standardized):\n";
    text_table t({{"feature"}, {"weight", text_table::align::right}});
    for (std::size_t i = 0; i < std::min(top, order.size()); ++i) t.add_row({names[order[i]], fixed(w[order[i]])});
    t.print(out);
}

/// What show says of frequency tables: their size, and the values whose win rate lies farthest from their
/// variable's (over the closed leads counted for that variable and team), among values holding at least 1 % of
/// those leads, farthest first. Counts are the tables' own (Odoo's smoothing included).
struct frequency_summary {
    struct effect {
        std::optional<std::string> team, value;
        std::string variable;
        double won = 0, lost = 0, rate = 0, overall = 0;
    };
    std::size_t rows = 0, values = 0, pairs = 0;
    std::vector<effect> effects;
};

frequency_summary summarize_frequency(const frequency_policy& p) {
    const auto rows = p.tables().rows();
    std::map<std::pair<std::optional<std::string>, std::string>, std::pair<double, double>> totals; // won, lost
    frequency_summary s;
    s.rows = rows.size();
    for (const auto& r : rows)
        if (r.variable) {
            auto& t = totals[{r.team, *r.variable}];
            t.first += r.counts.won_leads();
            t.second += r.counts.lost_leads();
            ++s.values;
        }
    s.pairs = totals.size();
    for (const auto& r : rows) {
        if (!r.variable) continue;
        const auto& [won, lost] = totals[{r.team, *r.variable}];
        const double n = r.counts.won_leads() + r.counts.lost_leads(), all = won + lost;
        if (n <= 0 || all <= 0 || n < 0.01 * all) continue;
        s.effects.push_back({r.team, r.value, *r.variable, r.counts.won_leads(), r.counts.lost_leads(),
                             r.counts.won_leads() / n, won / all});
    }
    std::stable_sort(s.effects.begin(), s.effects.end(), [](const auto& a, const auto& b) {
        return std::abs(a.rate - a.overall) > std::abs(b.rate - b.overall);
    });
    return s;
}

void show_frequency(const frequency_summary& s, std::size_t top, std::ostream& out) {
    out << "frequency tables: " << s.rows << " rows, " << s.values << " of them values of " << s.pairs
        << " (team, variable) pairs\n";
    out << "largest effects (a value's win rate against its variable's, values with at least 1 % of its leads):\n";
    text_table t({{"team"}, {"variable"}, {"value"}, {"won", text_table::align::right}, {"lost", text_table::align::right},
                  {"win rate", text_table::align::right}, {"variable's", text_table::align::right}});
    for (std::size_t i = 0; i < std::min(top, s.effects.size()); ++i) {
        const auto& e = s.effects[i];
        t.add_row({e.team.value_or("-"), e.variable, e.value.value_or("(unset)"), format_number(e.won),
                   format_number(e.lost), format_percent(e.rate, 1), format_percent(e.overall, 1)});
    }
    t.print(out);
}

/// What show says of a tree model: its size, and each input's gain, cover, splits and (with --data) mean |SHAP|,
/// listed by gain.
struct tree_summary {
    std::size_t trees = 0, leaves = 0, deepest = 0;
    std::vector<input_importance> importance;
    double total_gain = 0;
    std::vector<double> shap;         ///< per input; empty without --data
    std::vector<std::size_t> by_gain; ///< input indices, largest gain first
};

tree_summary summarize_trees(const tree_ensemble_policy& p, const model& m, const show_options& o) {
    const tree_ensemble& e = p.model();
    tree_summary s;
    s.trees = e.trees.size();
    for (const auto& tree : e.trees) {
        std::vector<std::size_t> depth(tree.nodes.size(), 0);
        for (std::size_t n = 0; n < tree.nodes.size(); ++n) {
            const auto& node = tree.nodes[n];
            if (node.input == tree_node::leaf) {
                ++s.leaves;
                s.deepest = std::max(s.deepest, depth[n]);
            } else {
                depth[node.left] = depth[node.left + 1] = depth[n] + 1;
            }
        }
    }
    s.importance = importance(e);
    for (const auto& i : s.importance) s.total_gain += i.gain;
    if (!o.data.file.empty()) {
        const csv_result read = read_model_data(m, o.data.file, to_csv_options(o.data));
        const table_view view = read.table.view();
        const auto scorer = p.bind(view, batch_options{}.as_of);
        std::vector<std::size_t> rows(view.rows());
        std::iota(rows.begin(), rows.end(), std::size_t{0});
        s.shap = mean_abs_contributions(scorer, rows);
    }
    s.by_gain.resize(s.importance.size());
    std::iota(s.by_gain.begin(), s.by_gain.end(), std::size_t{0});
    std::stable_sort(s.by_gain.begin(), s.by_gain.end(),
                     [&](std::size_t a, std::size_t b) { return s.importance[a].gain > s.importance[b].gain; });
    return s;
}

void show_trees(const tree_ensemble_policy& p, const tree_summary& s, std::size_t top, std::ostream& out) {
    const tree_ensemble& e = p.model();
    out << "gradient-boosted trees: " << s.trees << " trees, " << s.leaves << " leaves, deepest " << s.deepest
        << " levels, " << e.inputs.size() << " inputs, base margin " << format_number(e.base_score) << " (log-odds)\n";
    out << "inputs by importance (gain: the loss reduction of the splits on it; cover: the Hessian sum they split"
        << (s.shap.empty() ? "" : "; mean |SHAP|: the average size of its contribution to a lead's log-odds on --data")
        << "):\n";
    std::vector<text_table::column> cols{{"input"},
                                         {"kind"},
                                         {"gain", text_table::align::right},
                                         {"share", text_table::align::right},
                                         {"cover", text_table::align::right},
                                         {"splits", text_table::align::right}};
    if (!s.shap.empty()) cols.push_back({"mean |SHAP|", text_table::align::right});
    text_table t(std::move(cols));
    for (std::size_t k = 0; k < std::min(top, s.by_gain.size()); ++k) {
        const auto i = s.by_gain[k];
        const auto& imp = s.importance[i];
        std::vector<std::string> row{imp.input, std::string(to_string(e.inputs[i].type)), fixed(imp.gain, 2),
                                     format_percent(imp.gain, s.total_gain), fixed(imp.cover, 2),
                                     std::to_string(imp.splits)};
        if (!s.shap.empty()) row.push_back(fixed(s.shap[i]));
        t.add_row(std::move(row));
    }
    t.print(out);
}

/// The largest logistic weights, by absolute size: feature indices.
std::vector<std::size_t> largest_weights(const logistic_policy& p, std::size_t top) {
    const auto& w = p.weights();
    std::vector<std::size_t> order(w.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return std::abs(w[a]) > std::abs(w[b]); });
    if (order.size() > top) order.resize(top);
    return order;
}

/// The data contract as JSON: missing tokens, delimiter (null: detected), fields with their vocabulary sizes.
json contract_json(const model& m) {
    json fields = json::array();
    for (const auto& f : m.fields.fields()) {
        json seen = nullptr;
        for (const auto& v : m.contract.vocabulary)
            if (v.field == f.name) seen = v.texts.size();
        fields.push_back({{"name", f.name}, {"type", to_string(f.type)}, {"values_seen", std::move(seen)}});
    }
    json constants = json::array();
    for (const auto& [name, text] : m.constants) constants.push_back({{"name", name}, {"value", text}});
    return {{"missing_tokens", m.contract.missing_tokens},
            {"delimiter", m.contract.delimiter == '\0' ? json(nullptr) : json(std::string(1, m.contract.delimiter))},
            {"fields", std::move(fields)},
            {"constants", std::move(constants)}};
}

/// What show prints, as the document of schema leadscore.show/1 (docs/cli.md).
json show_json(const show_options& o, const model& m) {
    json doc;
    doc["schema"] = "leadscore.show/1";
    doc["model_file"] = o.model_file;
    doc["kind"] = m.kind;
    doc["policy"] = json_or_null(export_key(m.policy));
    doc["scale"] = to_string(m.policy.scale());
    doc["target"] = target_json(m.target);
    doc["fit"] = fit_report_json(m.report);
    doc["bands"] = {{"warm", json_or_null(m.bands.warm)}, {"hot", json_or_null(m.bands.hot)}};
    doc["contract"] = contract_json(m);
    doc["logistic"] = nullptr;
    if (const auto* l = m.policy.target<logistic_policy>()) {
        json weights = json::array();
        for (const auto i : largest_weights(*l, o.top))
            weights.push_back({{"feature", l->encoder().names()[i]}, {"weight", json_or_null(l->weights()[i])}});
        doc["logistic"] = {{"features", l->weights().size()},
                           {"intercept", json_or_null(l->intercept())},
                           {"largest_weights", std::move(weights)}};
    }
    doc["frequency"] = nullptr;
    if (const auto* f = m.policy.target<frequency_policy>()) {
        const frequency_summary s = summarize_frequency(*f);
        json effects = json::array();
        for (std::size_t i = 0; i < std::min(o.top, s.effects.size()); ++i) {
            const auto& e = s.effects[i];
            effects.push_back({{"team", e.team ? json(*e.team) : json(nullptr)}, {"variable", e.variable},
                               {"value", e.value ? json(*e.value) : json(nullptr)}, {"won", json_or_null(e.won)},
                               {"lost", json_or_null(e.lost)}, {"win_rate", json_or_null(e.rate)},
                               {"variable_win_rate", json_or_null(e.overall)}});
        }
        doc["frequency"] = {{"rows", s.rows}, {"values", s.values}, {"pairs", s.pairs},
                            {"largest_effects", std::move(effects)}};
    }
    doc["trees"] = nullptr;
    if (const auto* t = m.policy.target<tree_ensemble_policy>()) {
        const tree_summary s = summarize_trees(*t, m, o);
        json inputs = json::array();
        for (std::size_t k = 0; k < std::min(o.top, s.by_gain.size()); ++k) {
            const auto i = s.by_gain[k];
            const auto& imp = s.importance[i];
            inputs.push_back({{"input", imp.input}, {"kind", to_string(t->model().inputs[i].type)},
                              {"gain", json_or_null(imp.gain)}, {"cover", json_or_null(imp.cover)},
                              {"splits", imp.splits},
                              {"mean_abs_shap", s.shap.empty() ? json(nullptr) : json_or_null(s.shap[i])}});
        }
        doc["trees"] = {{"trees", s.trees}, {"leaves", s.leaves}, {"deepest", s.deepest},
                        {"inputs", t->model().inputs.size()}, {"base_margin", json_or_null(t->model().base_score)},
                        {"total_gain", json_or_null(s.total_gain)}, {"by_importance", std::move(inputs)}};
    }
    doc["notes"] = m.report.notes;
    return doc;
}

void run_show(const show_options& o) {
    archive_file_info info;
    const model m = load_model(o.model_file, &info);
    print_file_note(info.note);
    if (o.format == output_format::json) {
        if (!o.data.file.empty() && m.policy.target<tree_ensemble_policy>() == nullptr)
            print_file_note("--data adds the mean |SHAP| of a tree model's inputs; this " + m.kind +
                            " model has none, so the file was not read");
        print_json(std::cout, show_json(o, m));
        return;
    }
    auto& out = std::cout;
    const auto key = export_key(m.policy);
    out << "model: " << m.kind << " (policy " << key.value_or("of an unregistered type") << "), scores "
        << to_string(m.policy.scale()) << '\n';
    out << "target: " << m.target.field << " = "
        << (m.target.positive.empty() ? std::string("true") : quoted_list(m.target.positive));
    if (!m.target.negative.empty()) out << " against " << quoted_list(m.target.negative);
    out << '\n';
    out << "trained on: " << m.report.rows << " rows, " << m.report.positives << " positive ("
        << format_percent(static_cast<double>(m.report.positives), static_cast<double>(m.report.rows)) << ")\n";
    out << "fit: " << (m.report.message.empty() ? std::string(m.report.converged ? "converged" : "not converged")
                                                : m.report.message)
        << "; " << m.report.parameters << " parameters\n";
    out << "temperature bands: warm >= " << fixed(m.bands.warm) << ", hot >= " << fixed(m.bands.hot) << '\n';
    show_contract(m, out);
    if (const auto* l = m.policy.target<logistic_policy>()) show_logistic(*l, o.top, out);
    if (const auto* f = m.policy.target<frequency_policy>()) show_frequency(summarize_frequency(*f), o.top, out);
    if (const auto* t = m.policy.target<tree_ensemble_policy>()) show_trees(*t, summarize_trees(*t, m, o), o.top, out);
    else if (!o.data.file.empty())
        print_file_note("--data adds the mean |SHAP| of a tree model's inputs; this " + m.kind +
                        " model has none, so the file was not read");
    if (!m.report.notes.empty()) {
        out << "notes from training:\n";
        for (const auto& n : m.report.notes) out << "  " << n << '\n';
    }
}

} // namespace

command add_show_command(CLI::App& parent) {
    auto opts = std::make_shared<show_options>();
    CLI::App* app = parent.add_subcommand("show", "Show what a model file holds: its data contract, fit and largest effects");
    app->footer("For a tree model, --data adds each input's mean |SHAP| (the average size of its contribution to a\n"
                "lead's log-odds) over the file's rows.");
    app->add_option("model", opts->model_file, "Model file written by 'leadscore train'")->required();
    add_data_options(*app, opts->data);
    app->get_option("--data")->required(false)->description(
        "CSV file of leads (optional): a tree model's mean |SHAP| per input is computed over its rows");
    app->add_option("--top", opts->top, "Effects listed (largest first)")->check(CLI::Range(1, 1000000))->capture_default_str();
    add_format_option(*app, opts->format, "one document, schema leadscore.show/1");
    return {app, [opts] { run_show(*opts); }};
}

} // namespace leadscore::cli
