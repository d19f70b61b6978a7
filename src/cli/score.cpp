// leadscore score: score a CSV file with a model file; one output row per input row, in input order.

#include "commands.hpp"
#include "database.hpp"
#include "json.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/detail/safe_file.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/trees.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
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
    data_options data;
    std::string out;
    std::string id;
    db_options db;
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
    progress_phase phase("reading " + db_name(o.db));
    db_increment increment;
    csv_result rows = read_model_db(m, o.db, extra, text_columns, o.data.missing, increment);
    phase.done(std::to_string(rows.rows_read) + " rows");
    if (!o.db.since.empty())
        std::cout << (increment.from ? "incremental: rows changed since " + format_timestamp(*increment.from, false) +
                                           " (the watermark " + format_timestamp(*increment.previous, false) +
                                           " less the overlap " + o.db.overlap + ")"
                                     : std::string("incremental: every row (") +
                                           (o.db.full ? "--full" : "no watermark yet") + ")")
                  << ", " << rows.rows_read << " read; watermark now "
                  << (increment.next ? format_timestamp(*increment.next, false) : std::string("none")) << '\n';
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
    std::optional<csv_result> ids;
    if (model_reads_id) {
        csv_options id_only = to_csv_options(o.data);
        id_only.fields = schema({{o.id, field_type::categorical, field_role::none}});
        id_only.ignore_extra_columns = true;
        id_only.text_columns = {o.id};
        ids = read_csv_file(o.data.file, id_only);
    }
    progress_phase phase("reading " + o.data.file);
    csv_result rows = read_model_data(m, o.data.file, csv, extra);
    phase.done(std::to_string(rows.rows_read) + " rows");
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
void write_score_table(const score_options& o, const model& m, const table_view& id_view, std::size_t id_col,
                       std::span<const double> scores, const db_increment& increment) {
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

/// What the score lines are made of: the scores, the ids, the bands and, with --explain, the factors.
struct score_lines {
    const score_options& o;
    const model& m;
    const std::vector<double>& scores;
    const table_view& id_view;
    std::optional<std::size_t> id_col;
    std::optional<scoring_policy::scorer> explainer; ///< bound when --explain N > 0
    std::string unit;                                ///< the factors' unit (the first explanation's)
    std::size_t hot = 0, warm = 0, cold = 0, none = 0;

    void count(std::string_view band) {
        (band == "hot" ? hot : band == "warm" ? warm : band == "cold" ? cold : none) += 1;
    }
    std::vector<factor> factors(std::size_t r) {
        if (!explainer) return {};
        explanation e = explainer->explain(r);
        if (unit.empty()) unit = e.unit;
        return top_factors(std::move(e), o.explain, baseline_factor(m.policy));
    }

    void csv_header(std::string& text) const {
        if (id_col) {
            append_csv_cell(text, o.id);
            text += ',';
        }
        text += "row,score,probability,temperature";
        for (std::size_t k = 1; k <= o.explain; ++k)
            text += ",factor_" + std::to_string(k) + ",factor_" + std::to_string(k) + "_effect";
        text += '\n';
    }

    void csv_line(std::string& text, std::size_t r) {
        char buf[32];
        if (id_col) {
            append_csv_cell(text, cell_text(id_view, *id_col, r));
            text += ',';
        }
        text += std::to_string(r + 1);
        text += ',';
        const double s = scores[r];
        if (!std::isnan(s)) {
            if (m.policy.scale() == score_scale::probability) {
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
        const auto band = m.bands.band(s);
        text += band;
        count(band);
        if (o.explain == 0) {
            text += '\n';
            return;
        }
        const auto top = factors(r);
        for (std::size_t k = 0; k < o.explain; ++k) {
            text += ',';
            if (k < top.size()) append_csv_cell(text, top[k].name);
            text += ',';
            if (k < top.size()) text += format_number(top[k].contribution);
        }
        text += '\n';
    }

    void json_line(std::string& text, std::size_t r) {
        json line;
        line["schema"] = "leadscore.score/1";
        line["row"] = r + 1;
        if (id_col) line["id"] = cell_text(id_view, *id_col, r);
        const double s = scores[r];
        const bool probability = m.policy.scale() == score_scale::probability;
        line["score"] = std::isnan(s) ? json(nullptr) : probability ? json(std::nearbyint(100 * s)) : json_or_null(s);
        line["probability"] = probability ? json_or_null(s) : json(nullptr);
        const auto band = m.bands.band(s);
        line["temperature"] = band.empty() ? json(nullptr) : json(std::string(band));
        count(band);
        if (o.explain > 0) {
            json factors = json::array();
            for (const auto& f : this->factors(r)) factors.push_back({{"name", f.name}, {"effect", json_or_null(f.contribution)}});
            line["factors"] = std::move(factors);
        }
        append_json(text, line);
        text += '\n';
    }
};

/// Writes the lines (CSV, or JSON Lines with --format json) to `out` in pieces of about a megabyte.
void write_score_lines(std::ostream& out, score_lines& lines) {
    std::string text;
    text.reserve(1 << 20);
    const bool as_json = lines.o.format == output_format::json;
    if (!as_json) lines.csv_header(text);
    for (std::size_t r = 0; r < lines.scores.size(); ++r) {
        if (as_json)
            lines.json_line(text, r);
        else
            lines.csv_line(text, r);
        if (text.size() >= (1u << 20)) {
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            text.clear();
        }
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

/// The summary of a run that wrote lines, on standard output: text, or with --format json a document (when the lines went to --out; when they
/// went to standard output, notes on standard error instead).
void print_score_lines_summary(const score_options& o, const model& m, const table_view& view, const score_lines& lines) {
    const auto unseen = find_unseen_values(m, view);
    std::vector<std::string> warnings;
    for (const auto& u : unseen)
        if (u.share() > unseen_values::warning_share)
            warnings.push_back(u.describe() + " (more than " + format_percent(unseen_values::warning_share, 1.0) +
                               ": is the file read as in training? see --missing and --delimiter)");
    if (o.format == output_format::json && o.out.empty()) {
        for (const auto& u : unseen) print_file_note("unseen categories: " + u.describe());
    } else if (o.format == output_format::json) {
        json doc;
        doc["schema"] = "leadscore.score.summary/1";
        doc["model_kind"] = m.kind;
        doc["rows"] = lines.scores.size();
        doc["temperature"] = {{"hot", lines.hot}, {"warm", lines.warm}, {"cold", lines.cold},
                              {"not_computable", lines.none}};
        doc["added_missing_tokens"] = added_missing_tokens(m, o.data);
        doc["factor_unit"] = o.explain > 0 && !lines.unit.empty() ? json(lines.unit) : json(nullptr);
        json u = json::array();
        for (const auto& x : unseen) {
            json top = json::array();
            for (const auto& [text, cells] : x.top) top.push_back({{"text", text}, {"cells", cells}});
            u.push_back({{"field", x.field}, {"cells", x.cells}, {"rows", x.rows}, {"top", std::move(top)}});
        }
        doc["unseen_categories"] = std::move(u);
        doc["out"] = o.out;
        print_json(std::cout, doc);
    } else {
        if (const auto line = missing_tokens_line(m, o.data); !line.empty()) std::cout << line << '\n';
        std::cout << "scored " << lines.scores.size() << " rows with a " << (m.kind.empty() ? "" : m.kind + " ")
                  << "model: hot " << lines.hot << ", warm " << lines.warm << ", cold " << lines.cold;
        if (lines.none) std::cout << ", not computable " << lines.none;
        std::cout << '\n';
        if (o.explain > 0)
            std::cout << "factors: the " << o.explain << " largest effects of each lead, in "
                      << (lines.unit.empty() ? "(none: this model gives no factors)" : lines.unit) << '\n';
        for (const auto& u : unseen) std::cout << "unseen categories: " << u.describe() << '\n';
        std::cout << "wrote " << o.out << '\n';
    }
    std::cout.flush();
    for (const auto& w : warnings) std::cerr << "leadscore: warning: " << w << '\n';
}

void run_score(const score_options& o) {
    check_data_source(o.data.file, o.db);
    if (!o.out.empty() && !o.db.write_table.empty()) throw error("give either --out or --write-table, not both");
    if (!o.db.write_table.empty() && o.id.empty()) throw error("--write-table needs --id: the scores are keyed by it");
    refuse_same_files({{"--out", o.out}}, {{"--model", o.model_file}, {"--data", o.data.file}});
    archive_file_info model_info;
    const model m = load_model(o.model_file, &model_info);
    print_file_note(model_info.note);
    const auto [data, ids, increment] = read_score_data(m, o);
    const table_view view = data.table.view();
    std::vector<double> scores(view.rows());
    {
        progress_phase phase("scoring " + std::to_string(view.rows()) + " leads");
        m.policy.score_batch(view, scores, batch_options{});
        phase.done();
    }
    const table_view id_view = ids ? ids->table.view() : view;
    const auto id_col = o.id.empty() ? std::nullopt : id_view.table_schema().find(o.id);

    if (!o.db.write_table.empty()) {
        if (!id_col) throw error("--id " + o.id + ": no such column");
        print_score_summary(o, m, view, scores);
        write_score_table(o, m, id_view, *id_col, scores, increment);
        return;
    }
    score_lines lines{o, m, scores, id_view, id_col, std::nullopt, {}};
    if (o.explain > 0) lines.explainer.emplace(m.policy.bind(view, batch_options{}.as_of));

    if (o.out.empty()) { // --format json without --out: the lines are the output
        write_score_lines(std::cout, lines);
    } else {
        progress_phase phase(o.explain > 0 ? "explaining " + std::to_string(view.rows()) + " leads" : "writing " + o.out);
        detail::atomic_file out_file(o.out);
        write_score_lines(out_file.stream(), lines);
        out_file.commit();
        phase.done();
    }
    print_score_lines_summary(o, m, view, lines);
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
    app->add_option("--model,-m", opts->model_file, "Model file written by 'leadscore train'")->required();
    add_data_options(*app, opts->data);
    app->add_option("--out,-o", opts->out,
                    "File to write: CSV, or JSON Lines with --format json (or --write-table; JSON Lines without either "
                    "go to standard output)");
    app->add_option("--id", opts->id, "A column to copy to the output as its first column (a lead id)");
    add_db_options(*app, opts->db, true);
    add_format_option(*app, opts->format, "JSON Lines, one object per lead; a summary document on standard output");
    app->add_option("--explain", opts->explain,
                    "Add each lead's N largest factors (name and effect, as the library's explain names them): "
                    "columns factor_1, factor_1_effect, ... or a 'factors' array")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1000}));
    // Without --write-table, --out stays required as a usage error for CSV (JSON Lines may go to standard output).
    app->parse_complete_callback([opts] {
        if (opts->out.empty() && opts->db.write_table.empty() && opts->format == output_format::text)
            throw CLI::RequiredError("--out");
    });
    return {app, [opts] { run_score(*opts); }};
}

} // namespace leadscore::cli
