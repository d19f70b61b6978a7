// leadscore score: score a CSV file with a model file; one output row per input row, in input order.

#include "commands.hpp"
#include "database.hpp"
#include "json.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/detail/safe_file.hpp"
#include "leadscore/io/config.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/trees.hpp"
#include "leadscore/temperature/engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace leadscore::cli {

namespace {

struct score_options {
    std::string model_file;
    std::string config_file;
    data_options data;
    std::string out;
    std::string id;
    db_options db;
    std::string qualification_file; ///< --qualification: a TOML file whose [qualification] places the scored leads
    output_format format = output_format::text;
    std::size_t explain = 0; ///< --explain N: the top N factors of each lead
};

/// The text of a cell of any column type; empty when missing.
std::string cell_text(const table_view& v, std::size_t col, std::size_t row) {
    const auto& f = v.table_schema()[col];
    switch (f.type) {
    case field_type::categorical: {
        const auto code = v.codes(col)[row];
        return code == missing_code ? std::string() : std::string(v.dict(col)[code]);
    }
    case field_type::numeric: {
        const double x = v.numeric(col)[row];
        return std::isnan(x) ? std::string() : format_number(x);
    }
    case field_type::boolean: {
        const auto b = v.booleans(col)[row];
        return b == missing_flag ? std::string() : b ? "true" : "false";
    }
    case field_type::timestamp: {
        const auto t = v.timestamps(col)[row];
        return t == missing_time ? std::string() : format_timestamp(from_seconds(t));
    }
    }
    return {};
}

/// Prints a line per field holding categories the training rows never held; returns the warnings (above 5%).
std::vector<std::string> print_unseen(const model& m, const table_view& view) {
    std::vector<std::string> warnings;
    for (const auto& u : find_unseen_values(m, view)) {
        std::cout << "unseen categories: " << u.describe() << '\n';
        if (u.share() > unseen_values::warning_share)
            warnings.push_back(u.describe() + " (more than " + format_percent(unseen_values::warning_share, 1.0) +
                               ": is the file read as in training? see --missing and --delimiter)");
    }
    return warnings;
}

/// The data file's rows as the model reads them and, when the model reads the --id column itself, that column on
/// its own in `ids`. The id is copied to the output byte for byte, "NA" and empty cells included, so it is read as
/// text: with the model's columns when the model does not read it, else apart (the model reads it with its type and
/// missing tokens).
struct score_data {
    csv_result rows;
    std::optional<csv_result> ids;
    db_increment increment; ///< what an incremental --db run read (--since)
};

/// score_data read from --db. The id is read as exact text unless the model reads it: then once, as the model reads
/// it (a query is read once, so that ids and rows cannot drift apart), and it must be categorical there.
score_data read_score_db(const model& m, const score_options& o) {
    std::vector<field> extra;
    std::vector<std::string> text_columns;
    if (const auto in_model = o.id.empty() ? std::nullopt : m.fields.find(o.id)) {
        if (m.fields[*in_model].type != field_type::categorical)
            throw error("--id " + o.id + " is a " + std::string(to_string(m.fields[*in_model].type)) +
                        " field of the model: with --db the id must be a column the model does not read, or a "
                        "categorical one");
    } else if (!o.id.empty()) {
        extra.push_back({o.id, field_type::categorical, field_role::none});
        text_columns.push_back(o.id);
    }
    add_events_id_column(o.data.events, &m, extra, text_columns);
    progress_phase phase("reading " + db_name(o.db));
    db_increment increment;
    csv_result rows = read_model_db(m, o.db, extra, text_columns, o.data.missing, increment);
    phase.done(std::to_string(rows.rows_read) + " rows");
    attach_cli_events(rows.table, o.data.events, o.db.url);
    if (!o.db.since.empty()) std::cout << db_increment_line(o.db, increment, rows.rows_read) << '\n';
    return {std::move(rows), std::nullopt, increment};
}

score_data read_score_data(const model& m, const score_options& o) {
    if (o.db.active()) return read_score_db(m, o);
    std::vector<field> extra;
    csv_options csv = to_csv_options(o.data);
    const bool model_reads_id = !o.id.empty() && m.fields.find(o.id).has_value();
    if (!o.id.empty() && !model_reads_id) {
        extra.push_back({o.id, field_type::categorical, field_role::none});
        csv.text_columns = {o.id};
    }
    add_events_id_column(o.data.events, &m, extra, csv.text_columns);
    std::optional<csv_result> ids;
    if (model_reads_id) {
        csv_options id_only = to_csv_options(o.data);
        id_only.fields = schema({{o.id, field_type::categorical, field_role::none}});
        id_only.ignore_extra_columns = true;
        id_only.text_columns = {o.id};
        ids = read_csv_file(o.data.file, id_only);
    }
    progress_phase phase("reading " + o.data.file);
    csv.progress = phase.callback();
    csv_result rows = read_model_data(m, o.data.file, csv, extra);
    phase.done(std::to_string(rows.rows_read) + " rows");
    attach_cli_events(rows.table, o.data.events, {});
    return {std::move(rows), std::move(ids), {}};
}

/// The summary lines of a run that wrote its scores to a table (the CSV path prints the same as it writes).
void print_score_summary(const score_options& o, const model& m, const table_view& view, std::span<const double> scores) {
    std::size_t hot = 0, warm = 0, cold = 0, none = 0;
    for (const double s : scores) {
        const auto band = m.bands.band(s);
        (band == "hot" ? hot : band == "warm" ? warm : band == "cold" ? cold : none) += 1;
    }
    if (const auto line = missing_tokens_line(m, o.data); !line.empty()) std::cout << line << '\n';
    std::cout << "scored " << scores.size() << " rows with a " << (m.kind.empty() ? "" : m.kind + " ") << "model: hot "
              << hot << ", warm " << warm << ", cold " << cold;
    if (none) std::cout << ", not computable " << none;
    std::cout << '\n';
    const auto warnings = print_unseen(m, view);
    std::cout.flush();
    for (const auto& w : warnings) std::cerr << "leadscore: warning: " << w << '\n';
}

/// Writes the scores to --write-table, keyed by the --id column's texts.
void write_score_table(const score_options& o, const model& m, const table_view& view, const table_view& id_view,
                       std::size_t id_col, std::span<const double> scores, const db_increment& increment) {
    const bool probability = m.policy.scale() == score_scale::probability;
    db_scores out;
    out.model_id = std::filesystem::path(o.model_file).filename().string();
    const auto codes = id_view.codes(id_col);
    const dictionary& dict = id_view.dict(id_col);
    for (std::size_t r = 0; r < scores.size(); ++r) {
        out.ids.push_back(codes[r] == missing_code ? std::string_view() : dict[codes[r]]);
        const double s = scores[r];
        // As the CSV output: the probability in percent, rounded (as printf's %.0f rounds), for a probability model.
        out.scores.push_back(probability && !std::isnan(s) ? std::nearbyint(100 * s) : s);
        if (probability) out.probabilities.push_back(s);
        out.temperatures.push_back(m.bands.band(s));
    }
    if (!o.qualification_file.empty())
        out.qualifications = qualify_scored(o.qualification_file, view, scores, out.temperatures, batch_options{}.as_of);
    progress_phase phase("writing " + std::to_string(scores.size()) + " scores");
    write_db_scores(o.db, out, increment.next);
    phase.done();
    std::cout << "wrote " << scores.size() << " scores to table " << o.db.write_table << " of " << db_name(o.db)
              << '\n';
}

/// The name of the factor every lead of a model kind shares (the logistic intercept, the naive-bayes prior, the
/// trees' bias): the starting point, not a reason, so --explain leaves it out. Empty for other policies.
std::string_view baseline_factor(const scoring_policy& p) {
    if (p.target<logistic_policy>() != nullptr) return "intercept";
    if (p.target<frequency_policy>() != nullptr) return "prior";
    if (p.target<tree_ensemble_policy>() != nullptr) return "bias";
    return {};
}

/// The top `n` factors of an explanation but the baseline: the largest effects either way (by absolute size), ties
/// in the library's order.
std::vector<factor> top_factors(explanation e, std::size_t n, std::string_view baseline) {
    if (!baseline.empty())
        if (const auto it = std::find_if(e.factors.begin(), e.factors.end(),
                                         [&](const factor& f) { return f.name == baseline; });
            it != e.factors.end())
            e.factors.erase(it);
    std::stable_sort(e.factors.begin(), e.factors.end(), [](const factor& a, const factor& b) {
        return std::abs(a.contribution) > std::abs(b.contribution);
    });
    if (e.factors.size() > n) e.factors.resize(n);
    return std::move(e.factors);
}

/// The scores of every row, with how to show them: a probability (in percent and as is) or points, a band and, with
/// --explain, the factors.
struct scored_rows {
    std::vector<double> scores;
    bool probability = false;
    std::function<std::string_view(std::size_t row)> band; ///< "cold", "warm", "hot", or "" (not computable)
    std::optional<scoring_policy::scorer> explainer;        ///< bound when --explain N > 0
    std::string_view baseline;                              ///< the factor --explain leaves out (baseline_factor)
};

/// What write_scores saw: the rows per band and the factors' unit.
struct score_counts {
    std::array<std::size_t, 4> bands{}; ///< hot, warm, cold, none
    std::string unit;                   ///< of the factors (the first explanation's); empty without --explain
};

/// Writes the score lines: CSV (the --id column first when given, then with --explain N the columns factor_k and
/// factor_k_effect) or, with --format json, JSON Lines of schema leadscore.score/1.
class score_line_writer {
public:
    score_line_writer(const score_options& o, const scored_rows& scored, const table_view& id_view,
                      std::optional<std::size_t> id_col)
        : o_(o), scored_(scored), id_view_(id_view), id_col_(id_col) {}

    void header(std::string& text) const {
        if (o_.format == output_format::json) return;
        if (id_col_) {
            append_csv_cell(text, o_.id);
            text += ',';
        }
        text += "row,score,probability,temperature";
        for (std::size_t k = 1; k <= o_.explain; ++k)
            text += ",factor_" + std::to_string(k) + ",factor_" + std::to_string(k) + "_effect";
        text += '\n';
    }

    void line(std::string& text, std::size_t r) {
        const auto band = scored_.band(r);
        counts_.bands[band == "hot" ? 0 : band == "warm" ? 1 : band == "cold" ? 2 : 3] += 1;
        if (o_.format == output_format::json) json_line(text, r, band);
        else csv_line(text, r, band);
    }

    [[nodiscard]] const score_counts& counts() const { return counts_; }

private:
    std::vector<factor> factors(std::size_t r) {
        if (!scored_.explainer) return {};
        explanation e = scored_.explainer->explain(r);
        if (counts_.unit.empty()) counts_.unit = e.unit;
        return top_factors(std::move(e), o_.explain, scored_.baseline);
    }

    void csv_line(std::string& text, std::size_t r, std::string_view band) {
        char buf[32];
        if (id_col_) {
            append_csv_cell(text, cell_text(id_view_, *id_col_, r));
            text += ',';
        }
        text += std::to_string(r + 1);
        text += ',';
        const double s = scored_.scores[r];
        if (!std::isnan(s)) {
            if (scored_.probability) {
                std::snprintf(buf, sizeof buf, "%.0f", 100 * s);
                text += buf;
                text += ',';
                text += format_number(s);
            } else {
                text += format_number(s);
                text += ',';
            }
        } else {
            text += ',';
        }
        text += ',';
        text += band;
        if (o_.explain > 0) {
            const auto top = factors(r);
            for (std::size_t k = 0; k < o_.explain; ++k) {
                text += ',';
                if (k < top.size()) append_csv_cell(text, top[k].name);
                text += ',';
                if (k < top.size()) text += format_number(top[k].contribution);
            }
        }
        text += '\n';
    }

    void json_line(std::string& text, std::size_t r, std::string_view band) {
        json line;
        line["schema"] = "leadscore.score/1";
        line["row"] = r + 1;
        if (id_col_) line["id"] = cell_text(id_view_, *id_col_, r);
        const double s = scored_.scores[r];
        line["score"] = std::isnan(s)            ? json(nullptr)
                        : scored_.probability ? json(std::nearbyint(100 * s))
                                              : json_or_null(s);
        line["probability"] = scored_.probability ? json_or_null(s) : json(nullptr);
        line["temperature"] = band.empty() ? json(nullptr) : json(std::string(band));
        if (o_.explain > 0) {
            json list = json::array();
            for (const auto& f : factors(r)) list.push_back({{"name", f.name}, {"effect", json_or_null(f.contribution)}});
            line["factors"] = std::move(list);
        }
        append_json(text, line);
        text += '\n';
    }

    const score_options& o_;
    const scored_rows& scored_;
    const table_view& id_view_;
    std::optional<std::size_t> id_col_;
    score_counts counts_;
};

/// Writes the lines to `out` in pieces of about a megabyte.
void write_score_lines(std::ostream& out, score_line_writer& lines, std::size_t rows) {
    std::string text;
    text.reserve(1 << 20);
    lines.header(text);
    for (std::size_t r = 0; r < rows; ++r) {
        lines.line(text, r);
        if (text.size() >= (1u << 20)) {
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            text.clear();
        }
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

/// Writes the score lines to --out (replacing it whole) or, for JSON Lines without --out, to standard output; counts
/// the rows per band.
score_counts write_scores(const score_options& o, const scored_rows& scored, const table_view& id_view,
                          std::optional<std::size_t> id_col) {
    score_line_writer lines(o, scored, id_view, id_col);
    if (o.out.empty()) { // --format json without --out: the lines are the output
        write_score_lines(std::cout, lines, scored.scores.size());
        return lines.counts();
    }
    std::optional<progress_phase> phase;
    if (scored.explainer) phase.emplace("explaining " + std::to_string(scored.scores.size()) + " leads");
    detail::atomic_file out_file(o.out);
    write_score_lines(out_file.stream(), lines, scored.scores.size());
    out_file.commit();
    if (phase) phase->done();
    return lines.counts();
}

/// "scored 3 rows with a logistic model: hot 1, warm 1, cold 1" and, with --explain, the factors' unit.
void print_scored(const score_options& o, std::size_t rows, const std::string& with, const score_counts& counts) {
    const auto& c = counts.bands;
    std::cout << "scored " << rows << " rows with " << with << ": hot " << c[0] << ", warm " << c[1] << ", cold "
              << c[2];
    if (c[3]) std::cout << ", not computable " << c[3];
    std::cout << '\n';
    if (o.explain > 0)
        std::cout << "factors: the " << o.explain << " largest effects of each lead, in "
                  << (counts.unit.empty() ? "(none: this model gives no factors)" : counts.unit) << '\n';
}

/// The summary document of a JSON run that wrote its lines to --out (schema leadscore.score.summary/1): `m` is
/// null for score --config.
json score_summary_json(const score_options& o, const model* m, std::size_t rows, const score_counts& counts,
                        std::span<const unseen_values> unseen) {
    json doc;
    doc["schema"] = "leadscore.score.summary/1";
    doc["model_kind"] = m != nullptr ? json(m->kind) : json(nullptr);
    doc["config"] = o.config_file.empty() ? json(nullptr) : json(o.config_file);
    doc["rows"] = rows;
    const auto& c = counts.bands;
    doc["temperature"] = {{"hot", c[0]}, {"warm", c[1]}, {"cold", c[2]}, {"not_computable", c[3]}};
    doc["added_missing_tokens"] = m != nullptr ? json(added_missing_tokens(*m, o.data)) : json::array();
    doc["factor_unit"] = o.explain > 0 && !counts.unit.empty() ? json(counts.unit) : json(nullptr);
    json u = json::array();
    for (const auto& x : unseen) {
        json top = json::array();
        for (const auto& [text, cells] : x.top) top.push_back({{"text", text}, {"cells", cells}});
        u.push_back({{"field", x.field}, {"cells", x.cells}, {"rows", x.rows}, {"top", std::move(top)}});
    }
    doc["unseen_categories"] = std::move(u);
    doc["out"] = o.out;
    return doc;
}

/// The summary of a model run that wrote lines: text, or with --format json a document (lines to --out) or notes on
/// standard error (lines to standard output); the warnings of many unseen categories on standard error.
void print_score_lines_summary(const score_options& o, const model& m, const table_view& view,
                               const score_counts& counts, std::size_t rows) {
    const auto unseen = find_unseen_values(m, view);
    std::vector<std::string> warnings;
    for (const auto& u : unseen)
        if (u.share() > unseen_values::warning_share)
            warnings.push_back(u.describe() + " (more than " + format_percent(unseen_values::warning_share, 1.0) +
                               ": is the file read as in training? see --missing and --delimiter)");
    if (o.format == output_format::json && o.out.empty()) {
        for (const auto& u : unseen) print_file_note("unseen categories: " + u.describe());
    } else if (o.format == output_format::json) {
        print_json(std::cout, score_summary_json(o, &m, rows, counts, unseen));
    } else {
        if (const auto line = missing_tokens_line(m, o.data); !line.empty()) std::cout << line << '\n';
        print_scored(o, rows, "a " + (m.kind.empty() ? "" : m.kind + " ") + "model", counts);
        for (const auto& u : unseen) std::cout << "unseen categories: " << u.describe() << '\n';
        std::cout << "wrote " << o.out << '\n';
    }
    std::cout.flush();
    for (const auto& w : warnings) std::cerr << "leadscore: warning: " << w << '\n';
}

/// Scores the rows in blocks, showing the progress.
void score_rows(const scoring_policy& policy, const table_view& view, std::vector<double>& scores, timestamp as_of) {
    progress_phase phase("scoring " + std::to_string(view.rows()) + " leads");
    batch_options options;
    options.as_of = as_of;
    options.progress = phase.callback();
    policy.score_batch(view, scores, options);
    phase.done();
}

void run_score_model(const score_options& o) {
    check_data_source(o.data.file, o.db);
    if (!o.out.empty() && !o.db.write_table.empty()) throw usage_error("give either --out or --write-table, not both");
    if (!o.db.write_table.empty() && o.id.empty()) throw usage_error("--write-table needs --id: the scores are keyed by it");
    if (!o.qualification_file.empty() && o.db.write_table.empty())
        throw usage_error("--qualification needs --write-table: the classes go to the scores table's qualification column");
    refuse_same_files({{"--out", o.out}}, {{"--model", o.model_file}, {"--data", o.data.file}});
    archive_file_info model_info;
    const model m = load_model(o.model_file, &model_info);
    print_file_note(model_info.note);
    note_unseen_events(fields_read(m.policy).value_or(policy_fields{}).events, o.data.events);
    const auto [data, ids, increment] = read_score_data(m, o);
    const table_view view = data.table.view();
    scored_rows scored;
    scored.scores.resize(view.rows());
    const timestamp as_of = batch_options{}.as_of;
    score_rows(m.policy, view, scored.scores, as_of);
    scored.probability = m.policy.scale() == score_scale::probability;
    scored.band = [&](std::size_t r) { return m.bands.band(scored.scores[r]); };
    const table_view id_view = ids ? ids->table.view() : view;
    const auto id_col = o.id.empty() ? std::nullopt : id_view.table_schema().find(o.id);

    if (!o.db.write_table.empty()) {
        if (!id_col) throw error("--id " + o.id + ": no such column");
        print_score_summary(o, m, view, scored.scores);
        write_score_table(o, m, view, id_view, *id_col, scored.scores, increment);
        return;
    }
    if (o.explain > 0) scored.explainer.emplace(m.policy.bind(view, as_of));
    scored.baseline = baseline_factor(m.policy);
    const auto counts = write_scores(o, scored, id_view, id_col);
    print_score_lines_summary(o, m, view, counts, scored.scores.size());
}

/// Whether a TOML file sets a [temperature] section (without one, load_config's default sales rule reads a purchase
/// timeframe column that a CSV read without a schema cannot mark: no temperature is shown then).
bool sets_temperature(const std::string& file) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos) continue;
        const std::string_view l = std::string_view(line).substr(first);
        if (l.starts_with("[temperature") || l.starts_with("temperature")) return true;
    }
    return false;
}

/// The summary of a score --config run: text, or with --format json the document (lines to --out) or a note on
/// standard error (lines to standard output).
void print_config_summary(const score_options& o, bool no_temperature, const score_counts& counts, std::size_t rows) {
    const std::string none = "temperature: none (" + o.config_file + " has no [temperature] section)";
    if (o.format == output_format::json) {
        if (!o.out.empty()) print_json(std::cout, score_summary_json(o, nullptr, rows, counts, {}));
        else if (no_temperature) print_file_note(none);
        return;
    }
    print_scored(o, rows, "the rules of " + o.config_file, counts);
    if (no_temperature) std::cout << none << '\n';
    std::cout << "wrote " << o.out << '\n';
}

/// score --config: the scoring policy of a TOML file (points rules, grade, composite, models by file) over the CSV as
/// read without a schema, its temperature policy for the bands.
void run_score_config(const score_options& o) {
    if (o.data.file.empty()) throw definition_error("--config needs --data: the CSV file to score");
    refuse_same_files({{"--out", o.out}}, {{"--config", o.config_file}, {"--data", o.data.file}});
    config_options co;
    co.load_model = [](const model_reference& ref) { return load_model(ref.resolved).policy; };
    const configuration config = load_config_file(o.config_file, co);
    if (!config.scoring)
        throw definition_error(o.config_file + ": no [scoring] section: nothing to score with (see examples/leadscore.toml)");
    note_unseen_events(fields_read(config.scoring).value_or(policy_fields{}).events, o.data.events);
    csv_options csv = to_csv_options(o.data);
    if (!o.id.empty()) csv.text_columns = {o.id};
    std::vector<field> no_fields;
    add_events_id_column(o.data.events, nullptr, no_fields, csv.text_columns);
    const csv_result data = [&] {
        progress_phase phase("reading " + o.data.file);
        csv.progress = phase.callback();
        auto r = read_csv_file(o.data.file, csv);
        phase.done(std::to_string(r.rows_read) + " rows");
        attach_cli_events(r.table, o.data.events, {});
        return r;
    }();
    const table_view view = data.table.view();
    const auto id_col = o.id.empty() ? std::nullopt : view.table_schema().find(o.id);
    if (!o.id.empty() && !id_col)
        throw input_error({o.data.file, 1, 0, o.id}, "the --id column '" + o.id + "' is not in the header");
    const timestamp as_of = batch_options{}.as_of;
    scored_rows scored;
    scored.scores.resize(view.rows());
    score_rows(config.scoring, view, scored.scores, as_of);
    scored.probability = config.scoring.scale() == score_scale::probability;
    std::vector<rating> ratings;
    if (sets_temperature(o.config_file)) {
        batch_options options;
        options.as_of = as_of;
        ratings = rate_batch(config.temperature, rating_input{view, scored.scores, config.scoring.scale(), {}}, options);
    }
    scored.band = [&](std::size_t r) -> std::string_view {
        if (ratings.empty() || !is_defined(ratings[r].level)) return {};
        return to_string(ratings[r].level);
    };
    if (o.explain > 0) scored.explainer.emplace(config.scoring.bind(view, as_of));
    const auto counts = write_scores(o, scored, view, id_col);
    print_config_summary(o, ratings.empty(), counts, scored.scores.size());
}

void run_score(const score_options& o) {
    if (o.config_file.empty() == o.model_file.empty())
        throw definition_error("score needs --model (a model file) or --config (a TOML file of rules)");
    if (!o.config_file.empty() && (o.db.active() || !o.db.write_table.empty()))
        throw definition_error("--config scores a CSV file (--data) into --out; --db and --write-table take --model");
    if (o.config_file.empty()) run_score_model(o);
    else run_score_config(o);
}

} // namespace

command add_score_command(CLI::App& parent) {
    auto opts = std::make_shared<score_options>();
    CLI::App* app = parent.add_subcommand("score", "Score the rows of a CSV file with a model file");
    app->footer("Writes a CSV with one row per input row, in input order: row (1 = the first data row), score\n"
                "(the probability in percent, rounded; points for a points model), probability, temperature\n"
                "(cold / warm / hot by the model's bands) — with the --id column first when given. Columns are\n"
                "matched by name: extra columns are ignored, a column the model reads must be present. A score\n"
                "that cannot be computed leaves its cells empty. The file is read as in training: the model's\n"
                "missing-value texts (--missing adds to them) and delimiter (unless --delimiter names one).\n"
                "Categories never seen in training are counted per column, with a warning above 5% of its cells.");
    auto* model_option = app->add_option("--model,-m", opts->model_file, "Model file written by 'leadscore train'");
    app->add_option("--config,-c", opts->config_file,
                    "A TOML file of rules instead of a model: its [scoring] policy (points, grade, composite parts) "
                    "and [temperature] bands (see examples/leadscore.toml)")
        ->excludes(model_option);
    add_data_options(*app, opts->data);
    add_events_options(*app, opts->data.events);
    app->add_option("--out,-o", opts->out,
                    "File to write: CSV, or JSON Lines with --format json (or --write-table; JSON Lines without either "
                    "go to standard output)");
    app->add_option("--id", opts->id, "A column to copy to the output as its first column (a lead id)");
    add_progress_options(*app);
    add_db_options(*app, opts->db, true);
    app->add_option("--qualification", opts->qualification_file,
                    "With --write-table: also write each lead's qualification class (suspect, lead, mql, sql, "
                    "rejected, nurture, beyond) by the [qualification] section of this TOML file")
        ->type_name("TOML");
    add_format_option(*app, opts->format, "JSON Lines, one object per lead; a summary document on standard output");
    app->add_option("--explain", opts->explain,
                    "Add each lead's N largest factors (name and effect, as the library's explain names them): "
                    "columns factor_1, factor_1_effect, ... or a 'factors' array")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1000}));
    // Without --write-table, --out stays required as a usage error for CSV (JSON Lines may go to standard output).
    app->parse_complete_callback([opts] {
        if (opts->out.empty() && opts->db.write_table.empty() && opts->format == output_format::text)
            throw CLI::RequiredError("--out");
        if (!opts->db.write_table.empty() && (opts->format == output_format::json || opts->explain > 0))
            throw CLI::ValidationError("--write-table", "the table takes the scores alone; --format json and "
                                                        "--explain write lines (to --out or standard output)");
    });
    return {app, [opts] { run_score(*opts); }};
}

} // namespace leadscore::cli
