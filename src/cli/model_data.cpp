#include "model_data.hpp"
#include "collect.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/core/names.hpp"
#include "leadscore/scoring/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace leadscore::cli {

namespace {
bool is_delimiter(const std::string& text) {
    return text == "auto" || text == "," || text == ";" || text == "tab" || text == "\\t" || text == "\t";
}
} // namespace

void add_delimiter_option(CLI::App& app, std::string& delimiter) {
    app.add_option("--delimiter,-d", delimiter,
                   "Field delimiter: ',', ';', 'tab' (or '\\t'), or 'auto' to detect it from the header")
        ->check(CLI::Validator(
            [](std::string& text) {
                return is_delimiter(text) ? std::string() : "expected ',', ';', 'tab', '\\t' or 'auto', got '" + text + "'";
            },
            "", "delimiter"))
        ->type_name("CHAR")
        ->capture_default_str();
}

void add_data_options(CLI::App& app, data_options& o) {
    app.add_option("--data", o.file, "CSV file to read (a header line, then one row per lead)")->required();
    add_delimiter_option(app, o.delimiter);
    app.add_option("--missing", o.missing,
                   "Extra cell texts that mean 'missing', comma-separated or repeated (e.g. --missing '?,unknown'); "
                   "an empty cell and NA always do; with a model file, they add to the texts it was trained with")
        ->delimiter(',')
        ->allow_extra_args(false);
    add_limit_options(app, o.limits);
}

csv_options to_csv_options(const data_options& o) {
    csv_options options;
    options.limits = o.limits;
    if (o.delimiter == "," || o.delimiter == ";") options.delimiter = o.delimiter[0];
    else if (o.delimiter == "tab" || o.delimiter == "\\t" || o.delimiter == "\t") options.delimiter = '\t';
    else if (o.delimiter != "auto") throw error("unknown delimiter '" + o.delimiter + "'");
    for (const auto& token : o.missing)
        if (std::find(options.missing_tokens.begin(), options.missing_tokens.end(), token) == options.missing_tokens.end())
            options.missing_tokens.push_back(token);
    return options;
}

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::vector<std::string> added_missing_tokens(const model& m, const data_options& data) {
    std::vector<std::string> added;
    const auto& known = m.contract.missing_tokens;
    for (const auto& t : data.missing)
        if (std::find(known.begin(), known.end(), t) == known.end() &&
            std::find(added.begin(), added.end(), t) == added.end())
            added.push_back(t);
    return added;
}

std::string missing_tokens_line(const model& m, const data_options& data) {
    const auto added = added_missing_tokens(m, data);
    if (added.empty()) return {};
    std::string line = "missing values: the model's";
    for (std::size_t i = 0; i < m.contract.missing_tokens.size(); ++i)
        line += (i ? ", " : " ") + in_quotes(m.contract.missing_tokens[i]);
    line += ", and from --missing";
    for (std::size_t i = 0; i < added.size(); ++i) line += (i ? ", " : " ") + in_quotes(added[i]);
    return line;
}

namespace {
/// "'lost' 40, 'open' 3": the target's values in the rows, most frequent first; empty cells are not values.
std::string target_values_seen(const table_view& view, const std::string& field) {
    const auto col = view.table_schema().find(field);
    if (!col) return {};
    std::vector<std::pair<std::string, std::size_t>> counts;
    if (view.table_schema()[*col].type == field_type::boolean) {
        std::size_t yes = 0, no = 0;
        for (const auto b : view.booleans(*col)) yes += b == 1 ? 1 : 0, no += b == 0 ? 1 : 0;
        if (yes) counts.emplace_back("true", yes);
        if (no) counts.emplace_back("false", no);
    } else {
        const dictionary& d = view.dict(*col);
        std::vector<std::size_t> n(d.size(), 0);
        for (const auto c : view.codes(*col))
            if (c != missing_code) ++n[static_cast<std::size_t>(c)];
        for (std::size_t k = 0; k < n.size(); ++k)
            if (n[k]) counts.emplace_back(std::string(d[static_cast<std::int32_t>(k)]), n[k]);
    }
    std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string out;
    for (std::size_t i = 0; i < counts.size() && i < 5; ++i)
        out += (i ? ", " : "") + in_quotes(counts[i].first) + " " + std::to_string(counts[i].second);
    if (counts.size() > 5) out += ", ...";
    return out.empty() ? "none" : out;
}
/// " (did you mean 'won'?)" when no row is positive and the positive value is close to a value of the target's column.
std::string positive_hint(const table_view& view, const binary_target& target, std::size_t positives) {
    const auto col = view.table_schema().find(target.field);
    if (positives > 0 || target.positive.empty() || !col || view.table_schema()[*col].type != field_type::categorical)
        return {};
    std::vector<std::string> values;
    const dictionary& d = view.dict(*col);
    for (std::size_t k = 0; k < d.size(); ++k) values.emplace_back(d[static_cast<std::int32_t>(k)]);
    return did_you_mean(target.positive.front(), values);
}
} // namespace

std::string fixed(double v, int digits) {
    if (std::isnan(v)) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

void add_negative_option(CLI::App& app, std::vector<std::string>& negative, const std::string& default_text) {
    app.add_option("--negative", negative,
                   "Target values that count as failures, comma-separated or repeated; rows with any other value are "
                   "left out (default: " +
                       default_text + ")")
        ->delimiter(',')
        ->allow_extra_args(false);
}

void set_negatives(binary_target& target, const std::vector<std::string>& negative) {
    for (const auto& v : negative)
        if (std::find(target.positive.begin(), target.positive.end(), v) != target.positive.end())
            throw definition_error("'" + v + "' is both the positive value and a negative one");
    target.negative = negative;
}

measured_target measured_target_of(const model& m, const std::string& field, const std::string& positive,
                                   const std::vector<std::string>& negative) {
    const std::string name = field.empty() ? m.target.field : field;
    const bool same = name == m.target.field;
    measured_target out{same ? m.target : binary_target{name, {}, {}}, same ? m.target_type : field_type::categorical};
    if (out.type == field_type::boolean) {
        if (!positive.empty() && positive != "true" && positive != "TRUE" && positive != "True")
            throw definition_error("the target '" + name + "' is true/false: true is the positive value");
        if (!negative.empty())
            throw definition_error("the target '" + name + "' is true/false: false is the negative value");
    } else {
        if (!positive.empty()) {
            // The model's own positive value keeps the model's negatives; another one makes them meaningless.
            const bool models_own = same && m.target.positive == std::vector<std::string>{positive};
            out.target.positive = {positive};
            if (!models_own) out.target.negative.clear();
        } else if (!same) {
            throw definition_error("give --positive: the model was trained on '" + m.target.field + "', not '" + name +
                                   "'");
        }
        if (!negative.empty()) set_negatives(out.target, negative);
    }
    if (m.fields.find(name)) throw definition_error("the target '" + name + "' is a field the model reads");
    return out;
}

model_measurement measure_model(const std::string& model_file, const data_options& data, const std::string& target,
                                const std::string& positive, const std::vector<std::string>& negative,
                                const db_options& db) {
    model_measurement out;
    archive_file_info model_info;
    out.m = load_model(model_file, &model_info);
    print_file_note(model_info.note);
    const measured_target measured = measured_target_of(out.m, target, positive, negative);
    out.target = measured.target;
    note_unseen_events(fields_read(out.m.policy).value_or(policy_fields{}).events, data.events);
    std::vector<field> extra{{out.target.field, measured.type, field_role::none}};
    csv_options csv = to_csv_options(data);
    add_events_id_column(data.events, &out.m, extra, csv.text_columns);
    const std::string source = db.active() ? db_source_name(db) : data.file;
    const csv_result read = [&] {
        progress_phase phase("reading " + (db.active() ? db_name(db) : data.file));
        db_increment increment;
        csv.progress = phase.callback();
        auto r = db.active() ? read_model_db(out.m, db, extra, csv.text_columns, data.missing, increment)
                             : read_model_data(out.m, data.file, csv, extra);
        phase.done(std::to_string(r.rows_read) + " rows");
        attach_cli_events(r.table, data.events, db.url);
        return r;
    }();
    const table_view view = read.table.view();
    out.rows = view.rows();
    out.labels = target_labels(view, out.target);
    const auto positives = static_cast<std::size_t>(std::count(out.labels.begin(), out.labels.end(), 1));
    const auto negatives = static_cast<std::size_t>(std::count(out.labels.begin(), out.labels.end(), 0));
    if (positives == 0 || negatives == 0) {
        const std::string positive = out.target.positive.empty() ? "true" : out.target.positive.front();
        std::string negative = out.target.negative.empty() ? "any other value" : "";
        for (const auto& v : out.target.negative) negative += (negative.empty() ? "" : ", ") + in_quotes(v);
        if (measured.type == field_type::boolean) negative = "false";
        throw input_error({source, 0, 0, out.target.field},
                          std::string("no row is ") + (positives == 0 ? "positive" : "negative") + " (--positive " +
                              in_quotes(positive) + ", negative: " + negative + "; values in the file: " +
                              target_values_seen(view, out.target.field) +
                              "), so no metric can be computed" + positive_hint(view, out.target, positives));
    }
    out.scores.resize(view.rows());
    {
        progress_phase phase("scoring " + std::to_string(view.rows()) + " leads");
        batch_options options;
        options.progress = phase.callback();
        out.m.policy.score_batch(view, out.scores, options);
        phase.done();
    }
    evaluation_options eo;
    eo.scale = out.m.policy.scale();
    eo.skip_unscored = true;
    out.report = evaluate(out.scores, out.labels, eo);
    return out;
}

band_conversion conversion_by_temperature(const model& m, std::span<const double> scores,
                                          std::span<const std::int8_t> labels) {
    std::vector<std::int32_t> band(scores.size());
    for (std::size_t r = 0; r < scores.size(); ++r) {
        const auto b = m.bands.band(scores[r]);
        band[r] = b == "hot" ? 2 : b == "warm" ? 1 : b == "cold" ? 0 : -1;
    }
    const std::vector<std::string> names{"cold", "warm", "hot"};
    return conversion_by_band(band, labels, names);
}

json target_json(const binary_target& target) {
    return {{"field", target.field},
            {"positive", target.positive.empty() ? std::string("true") : target.positive.front()},
            {"negative", target.negative}};
}

json fit_report_json(const fit_report& report) {
    return {{"converged", report.converged},          {"iterations", report.iterations},
            {"parameters", report.parameters},        {"gradient_norm", json_or_null(report.gradient_norm)},
            {"objective", json_or_null(report.objective)}, {"message", report.message},
            {"rows", report.rows},                    {"positives", report.positives}};
}

} // namespace leadscore::cli
