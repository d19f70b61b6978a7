// leadscore score: score a CSV file with a model file; one output row per input row, in input order.

#include "commands.hpp"
#include "database.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/detail/safe_file.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/scoring/engine.hpp"

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
    const bool probability = m.policy.scale() == score_scale::probability;
    const table_view id_view = ids ? ids->table.view() : view;
    const auto id_col = o.id.empty() ? std::nullopt : id_view.table_schema().find(o.id);

    if (!o.db.write_table.empty()) {
        if (!id_col) throw error("--id " + o.id + ": no such column");
        print_score_summary(o, m, view, scores);
        write_score_table(o, m, id_view, *id_col, scores, increment);
        return;
    }
    detail::atomic_file out_file(o.out);
    std::ostream& file = out_file.stream();
    std::string text;
    text.reserve(1 << 20);
    if (id_col) {
        append_csv_cell(text, o.id);
        text += ',';
    }
    text += "row,score,probability,temperature\n";
    std::size_t hot = 0, warm = 0, cold = 0, none = 0;
    char buf[32];
    for (std::size_t r = 0; r < scores.size(); ++r) {
        if (id_col) {
            append_csv_cell(text, cell_text(id_view, *id_col, r));
            text += ',';
        }
        text += std::to_string(r + 1);
        text += ',';
        const double s = scores[r];
        if (!std::isnan(s)) {
            if (probability) {
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
        text += '\n';
        (band == "hot" ? hot : band == "warm" ? warm : band == "cold" ? cold : none) += 1;
        if (text.size() >= (1u << 20)) {
            file.write(text.data(), static_cast<std::streamsize>(text.size()));
            text.clear();
        }
    }
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    out_file.commit();

    if (const auto line = missing_tokens_line(m, o.data); !line.empty()) std::cout << line << '\n';
    std::cout << "scored " << scores.size() << " rows with a " << (m.kind.empty() ? "" : m.kind + " ") << "model: hot "
              << hot << ", warm " << warm << ", cold " << cold;
    if (none) std::cout << ", not computable " << none;
    std::cout << '\n';
    const auto warnings = print_unseen(m, view);
    std::cout << "wrote " << o.out << '\n';
    std::cout.flush();
    for (const auto& w : warnings) std::cerr << "leadscore: warning: " << w << '\n';
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
    app->add_option("--out,-o", opts->out, "CSV file to write (or --write-table)");
    app->add_option("--id", opts->id, "A column to copy to the output as its first column (a lead id)");
    add_db_options(*app, opts->db, true);
    // Without --write-table, --out stays required as a usage error.
    app->parse_complete_callback([opts] {
        if (opts->out.empty() && opts->db.write_table.empty()) throw CLI::RequiredError("--out");
    });
    return {app, [opts] { run_score(*opts); }};
}

} // namespace leadscore::cli
