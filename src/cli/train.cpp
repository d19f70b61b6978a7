// leadscore train: fit a model on a CSV file and write a model file (schema, encoder and policy in one archive).

#include "commands.hpp"
#include "train_options.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/core/names.hpp"
#include "leadscore/evaluate/cross_validation.hpp"
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/train/fit.hpp"
#include "leadscore/train/frequency.hpp"
#include "leadscore/train/gbt.hpp"
#include "leadscore/train/logistic.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

namespace leadscore::cli {

namespace {

/// The data's name in messages: the file, or the database's table or query.
std::string train_source(const train_options& o) { return o.db.active() ? db_source_name(o.db) : o.data.file; }

/// --monotone FIELD=+1 / FIELD=-1 into the trainer's constraints.
std::map<std::string, int> monotone_constraints(const std::vector<std::string>& given) {
    std::map<std::string, int> out;
    for (const auto& g : given) {
        const auto eq = g.rfind('=');
        const std::string field = eq == std::string::npos ? std::string() : g.substr(0, eq);
        const std::string dir = eq == std::string::npos ? std::string() : g.substr(eq + 1);
        if (field.empty() || (dir != "+1" && dir != "1" && dir != "-1"))
            throw definition_error("--monotone: '" + g + "': give FIELD=+1 (the score never falls as FIELD grows) or "
                                   "FIELD=-1 (it never rises)");
        if (!out.emplace(field, dir == "-1" ? -1 : 1).second)
            throw definition_error("--monotone: the field '" + field + "' is given twice");
    }
    return out;
}

/// The seed of the folds of --cv and --model auto: the same folds on every run.
constexpr std::uint64_t cv_seed = 42;

/// The field a naive-bayes model fills with its single stage (data without a funnel stage).
constexpr const char* nb_stage_field = "(naive-bayes stage)";

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

/// Categorical columns whose present values are all different (ids, e-mails, names): nothing to learn from.
std::vector<std::string> identifier_columns(const lead_table& t, const std::set<std::string>& skip) {
    std::vector<std::string> out;
    const auto& s = t.table_schema();
    for (std::size_t c = 0; c < s.size(); ++c) {
        if (s[c].type != field_type::categorical || skip.count(s[c].name)) continue;
        const auto codes = t.codes(c);
        const auto present = static_cast<std::size_t>(
            std::count_if(codes.begin(), codes.end(), [](std::int32_t x) { return x != missing_code; }));
        if (present > 1 && t.dict(c).size() == present) out.push_back(s[c].name);
    }
    return out;
}

/// The texts of a categorical column's dictionary, for "did you mean" hints.
std::vector<std::string> dictionary_texts(const dictionary& d) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < d.size(); ++i) out.emplace_back(d[static_cast<std::int32_t>(i)]);
    return out;
}

/// The positive value: --positive, or a yes/true/1/won of a two-valued target; empty for a true/false target.
std::vector<std::string> positive_values(const lead_table& t, std::size_t col, const train_options& o) {
    const auto& f = t.table_schema()[col];
    if (f.type == field_type::boolean) {
        if (!o.positive.empty() && lower(o.positive) != "true")
            throw definition_error("the target '" + o.target +
                                   "' is a true/false column: true is the positive value (leave out --positive)");
        return {};
    }
    const dictionary& d = t.dict(col);
    if (!o.positive.empty()) {
        if (!d.find(o.positive))
            throw input_error({train_source(o), 0, 0, o.target}, "no row has the positive value '" + o.positive +
                                                                  "' in the target '" + o.target + "'" +
                                                                  did_you_mean(o.positive, dictionary_texts(d)));
        return {o.positive};
    }
    static const std::set<std::string> yes{"yes", "y", "true", "1", "won", "win", "converted"};
    if (d.size() == 2)
        for (std::int32_t c = 0; c < 2; ++c)
            if (yes.count(lower(std::string(d[c])))) return {std::string(d[c])};
    std::string values;
    for (std::size_t i = 0; i < d.size() && i < 5; ++i) values += (i ? ", " : "") + std::string(d[static_cast<std::int32_t>(i)]);
    if (d.size() > 5) values += ", ...";
    throw definition_error("give --positive: the target '" + o.target + "' has " + std::to_string(d.size()) +
                           " values (" + values + ") and none is clearly the positive one");
}

binary_target choose_target(const lead_table& t, std::size_t col, const train_options& o) {
    binary_target target{o.target, positive_values(t, col, o), {}};
    if (o.negative.empty()) return target;
    // --negative: only these values count as failures; rows with any other value are left out (open leads).
    if (t.table_schema()[col].type == field_type::boolean)
        throw definition_error("the target '" + o.target +
                               "' is a true/false column: false is the negative value (leave out --negative)");
    for (const auto& v : o.negative)
        if (!t.dict(col).find(v))
            throw input_error({train_source(o), 0, 0, o.target}, "no row has the negative value '" + v +
                                                                  "' in the target '" + o.target + "'" +
                                                                  did_you_mean(v, dictionary_texts(t.dict(col))));
    set_negatives(target, o.negative);
    return target;
}

/// The training data, with a 0/1 target read again as text; the target's column; the options it was read with.
struct training_data {
    csv_result data;
    std::size_t target_col = 0;
    csv_options options;
};

/// The header's names, for "did you mean" hints.
std::vector<std::string> column_names(const schema& s) {
    std::vector<std::string> out;
    for (const auto& f : s.fields()) out.push_back(f.name);
    return out;
}

/// "; the header reads as one column, 'a;b': is the delimiter ';'? (--delimiter)" for a one-column file whose
/// name holds a delimiter; "" otherwise.
std::string one_column_hint(const schema& s) {
    if (s.size() != 1) return {};
    const std::string& name = s[0].name;
    for (const auto& [d, shown] : {std::pair{',', "','"}, std::pair{';', "';'"}, std::pair{'\t', "tab"}})
        if (name.find(d) != std::string::npos)
            return "; the header reads as one column, '" + name + "': is the delimiter " + shown + "? (--delimiter " +
                   shown + ")";
    return {};
}

/// training_data from --db: columns typed by the database, the CSV path's missing texts ("", NA and --missing) in
/// text columns, so that the model's data contract reads either source the same way.
training_data read_training_db(const train_options& o) {
    csv_options copts = train_csv_options(o);
    auto read = [&](const std::optional<schema>& fields) {
        progress_phase phase("reading " + db_name(o.db));
        lead_table t = read_db(o.db, copts.missing_tokens, copts.text_columns, fields);
        phase.done(std::to_string(t.rows()) + " rows");
        const std::size_t rows = t.rows();
        return csv_result{std::move(t), {}, rows};
    };
    csv_result data = read(std::nullopt);
    const schema& read_schema = data.table.table_schema();
    const auto target_col = read_schema.find(o.target);
    if (!target_col)
        throw input_error({train_source(o), 0, 0, o.target}, "the target column '" + o.target + "' is not in the result" +
                                                                 did_you_mean(o.target, column_names(read_schema)));
    const field_type read_type = read_schema[*target_col].type;
    if (read_type == field_type::timestamp)
        throw definition_error("the target '" + o.target + "' holds times, not a yes/no outcome");
    // A 0/1 target column is an integer one: read it again as text, as the CSV path does.
    if (read_type == field_type::numeric) data = read(schema({{o.target, field_type::categorical, field_role::none}}));
    return {std::move(data), *target_col, std::move(copts)};
}

training_data read_training_data(const train_options& o) {
    if (o.db.active()) return read_training_db(o);
    csv_options copts = train_csv_options(o);
    auto read = [&] {
        progress_phase phase("reading " + o.data.file);
        copts.progress = phase.callback();
        auto r = read_csv_file(o.data.file, copts);
        copts.progress = {};
        phase.done(std::to_string(r.rows_read) + " rows");
        return r;
    };
    csv_result data = read();
    const schema& read_schema = data.table.table_schema();
    const auto target_col = read_schema.find(o.target);
    if (!target_col)
        throw input_error({o.data.file, 1, 0, o.target},
                          "the target column '" + o.target + "' is not in the header" +
                              did_you_mean(o.target, column_names(read_schema)) + one_column_hint(read_schema));
    // A 0/1 target reads as numbers: read it again as text.
    const field_type read_type = data.table.table_schema()[*target_col].type;
    if (read_type == field_type::timestamp)
        throw definition_error("the target '" + o.target + "' holds times, not a yes/no outcome");
    if (read_type == field_type::numeric) {
        std::vector<field> fields(data.table.table_schema().fields().begin(), data.table.table_schema().fields().end());
        fields[*target_col].type = field_type::categorical;
        copts.fields = schema(std::move(fields));
        data = read();
    }
    return {std::move(data), *target_col, std::move(copts)};
}

/// Notes on columns read as categorical for a few cells that are not numbers (naming those cells), and on the
/// timestamp columns no model kind reads; columns in `excluded` are not learned from and need none.
void note_columns(const lead_table& table, const std::set<std::string>& excluded, std::vector<std::string>& notes) {
    for (const auto& l : numeric_lookalikes(table.view())) {
        if (excluded.count(l.field)) continue;
        std::string cells;
        for (const auto& t : l.texts)
            cells += (cells.empty() ? "" : ", ") + in_quotes(t.text) +
                     (t.cells == 1 ? " (row " + std::to_string(t.first_row + 1) + ")"
                                   : " (" + std::to_string(t.cells) + " cells, first in row " +
                                         std::to_string(t.first_row + 1) + ")");
        std::size_t shown = 0;
        for (const auto& t : l.texts) shown += t.cells;
        if (shown < l.odd) cells += ", ...";
        notes.push_back("field '" + l.field + "' read as categorical, not numeric: " + std::to_string(l.odd) + " of " +
                        std::to_string(l.present) + " present cells are not numbers: " + cells +
                        " (--missing reads a text as missing)");
    }
    std::string times;
    for (const auto& f : table.table_schema().fields())
        if (f.type == field_type::timestamp && !excluded.count(f.name)) times += (times.empty() ? "" : ", ") + f.name;
    if (!times.empty())
        notes.push_back("timestamp fields left out (no model kind reads times; derive a number, such as days since): " +
                        times);
}

/// A note counting the rows neither positive nor negative: target missing, or another value.
void note_left_out(const lead_table& table, std::size_t target_col, std::span<const std::int8_t> labels,
                   const binary_target& target, std::vector<std::string>& notes) {
    std::size_t missing = 0, other = 0;
    const bool boolean = table.table_schema()[target_col].type == field_type::boolean;
    for (std::size_t r = 0; r < labels.size(); ++r) {
        if (labels[r] != unlabelled) continue;
        const bool absent = boolean ? table.booleans(target_col)[r] == missing_flag
                                    : table.codes(target_col)[r] == missing_code;
        (absent ? missing : other) += 1;
    }
    if (missing + other == 0) return;
    std::string why;
    if (missing) why = std::to_string(missing) + " with the target missing";
    if (other) {
        why += (why.empty() ? "" : ", ") + std::to_string(other) + " with a value neither " +
               in_quotes(target.positive.front());
        for (const auto& v : target.negative) why += " nor " + in_quotes(v);
    }
    notes.push_back("rows left out: " + std::to_string(missing + other) + " (" + why + ")");
}

/// The fields not to learn from: the target, --exclude, and identifier columns (each with a note).
std::set<std::string> excluded_fields(const train_options& o, const lead_table& table, std::vector<std::string>& notes) {
    const schema& s = table.table_schema();
    std::set<std::string> excluded{o.target};
    std::string unknown;
    std::size_t unknowns = 0;
    for (const auto& x : o.exclude)
        if (!s.find(x)) unknown += (unknowns++ ? ", '" : "'") + x + "'" + did_you_mean(x, column_names(s));
    if (unknowns > 0)
        throw definition_error("--exclude: " + std::string(unknowns == 1 ? "the column " : "the columns ") + unknown +
                               (unknowns == 1 ? " is" : " are") + " not in " + train_source(o));
    for (const auto& x : o.exclude) {
        if (x == o.target) throw definition_error("--exclude: '" + x + "' is the target");
        excluded.insert(x);
    }
    for (const auto& id : identifier_columns(table, excluded)) {
        excluded.insert(id);
        notes.push_back("field '" + id + "' left out: every value is different (an identifier)");
    }
    return excluded;
}

/// The held-back rows' figures (--validation-share) as train's JSON shows them.
json held_back_json(const evaluation_report& held) {
    return {{"rows", held.rows},
            {"positives", held.positives},
            {"roc_auc", json_or_null(held.roc_auc)},
            {"log_loss", json_or_null(held.log_loss)},
            {"brier_score", json_or_null(held.brier_score)}};
}

/// The fit report as the document of schema leadscore.train/1 (docs/cli.md).
json training_json(const train_options& o, const model& m, const std::optional<evaluation_report>& held) {
    json doc;
    doc["schema"] = "leadscore.train/1";
    doc["model_file"] = o.out;
    doc["kind"] = m.kind;
    doc["target"] = target_json(m.target);
    doc["rows"] = m.report.rows;
    doc["positives"] = m.report.positives;
    doc["fit"] = fit_report_json(m.report);
    json fields = json::array();
    for (const auto& f : m.fields.fields()) fields.push_back({{"name", f.name}, {"type", to_string(f.type)}});
    doc["fields_read"] = std::move(fields);
    doc["held_back"] = held ? held_back_json(*held) : json(nullptr);
    doc["bands"] = {{"warm", json_or_null(m.bands.warm)}, {"hot", json_or_null(m.bands.hot)}};
    doc["notes"] = m.report.notes;
    return doc;
}

void print_training(const train_options& o, const model& m, const std::optional<evaluation_report>& held) {
    if (o.format == output_format::json) return print_json(std::cout, training_json(o, m, held));
    const binary_target& target = m.target;
    auto& out = std::cout;
    std::string positive = target.positive.empty() ? std::string("true") : target.positive.front();
    out << "model: " << m.kind << ", target " << o.target << " = " << positive;
    for (std::size_t i = 0; i < target.negative.size(); ++i) out << (i == 0 ? " against " : ", ") << target.negative[i];
    out << '\n';
    out << "rows: " << m.report.rows << ", positives: " << m.report.positives << " ("
        << format_percent(static_cast<double>(m.report.positives), static_cast<double>(m.report.rows)) << ")\n";
    out << "converged: " << (m.report.converged ? "yes" : "no") << ", iterations: " << m.report.iterations
        << ", parameters: " << m.report.parameters << '\n';
    if (!m.report.message.empty()) out << "fit: " << m.report.message << '\n';
    out << "fields read: " << m.fields.size() << '\n';
    if (held)
        out << "held back: " << held->rows << " rows, " << held->positives << " positives: ROC AUC "
            << fixed(held->roc_auc) << ", log loss " << fixed(held->log_loss) << ", Brier score "
            << fixed(held->brier_score) << '\n';
    out << "temperature bands: warm >= " << fixed(m.bands.warm) << ", hot >= " << fixed(m.bands.hot)
        << " (warm from the base rate, hot at three times its odds)\n";
    if (!m.report.notes.empty()) {
        out << "notes:\n";
        for (const auto& n : m.report.notes) out << "  " << n << '\n';
    }
    out << "wrote " << o.out << '\n';
}

/// What a fit needs besides the trainer: the data, its target and labels, the fields left out, the time.
struct fit_inputs {
    const lead_table& table;
    const binary_target& target;
    const std::vector<std::int8_t>& labels;
    const std::set<std::string>& excluded;
    timestamp as_of;
    std::span<const std::size_t> train_rows; ///< the labelled rows learned from (all but the held-back ones)
};

/// The gbt and logistic trainers the options give, reading every field but the excluded ones.
struct trainers {
    gbt_trainer gbt;
    logistic_trainer logistic;
};

trainers make_trainers(const train_options& o, const fit_inputs& in) {
    std::vector<std::string> exclude(in.excluded.begin(), in.excluded.end());
    // The target is never read; listing it is an error.
    exclude.erase(std::remove(exclude.begin(), exclude.end(), o.target), exclude.end());
    trainers t{o.gbt, {}};
    t.gbt.inputs.exclude = exclude;
    t.gbt.options.monotone = monotone_constraints(o.monotone);
    t.gbt.options.seed = o.seed;
    t.gbt.options.l2 = o.l2;
    t.gbt.options.positive_weight = o.positive_weight;
    t.gbt.options.negative_weight = o.negative_weight;
    t.gbt.options.balanced = o.balanced;
    if (o.min_category_count > 0) t.gbt.inputs.min_category_count = o.min_category_count;
    auto& e = t.logistic.encoding;
    e.exclude = std::move(exclude);
    if (o.min_category_count > 0) e.min_category_count = o.min_category_count;
    e.numeric = o.numeric == "bins"   ? numeric_encoding::bins
                : o.numeric == "both" ? numeric_encoding::standardize_and_bins
                : o.numeric.empty() && o.bins_option->count() > 0 ? numeric_encoding::bins // --bins alone: bins
                                                    : numeric_encoding::standardize;
    e.bins = o.bins;
    e.event_counts = t.gbt.inputs.event_counts = o.event_counts;
    e.event_window_days = t.gbt.inputs.event_window_days = o.event_window_days;
    e.event_log1p = o.event_log1p;
    auto& solver = t.logistic.solver;
    solver.l2 = o.l2;
    solver.l1 = o.l1;
    solver.positive_weight = o.positive_weight;
    solver.negative_weight = o.negative_weight;
    solver.balanced = o.balanced;
    return t;
}

/// --cv K and --model auto (5 folds unless --cv says otherwise), on the same stratified folds for every kind: notes
/// the figures and returns the kind to fit (auto's choice: gbt when its mean ROC AUC is higher, else logistic).
std::string cross_validate_kinds(const train_options& o, const trainers& t, const fit_inputs& in,
                                 std::vector<std::string>& notes) {
    const std::size_t k = o.cv > 0 ? o.cv : o.kind == "auto" ? 5 : 0;
    if (k == 0) return o.kind;
    // Rows held back by --validation-share take no part: their figures stay those of rows no choice has seen.
    std::vector<std::int8_t> cv_labels(in.labels.size(), unlabelled);
    for (const auto r : in.train_rows) cv_labels[r] = in.labels[r];
    const std::vector<split> folds = k_fold(cv_labels, k, cv_seed);
    const auto cross_validated = [&](const auto& trainer, const std::string& kind) {
        progress_phase phase(std::to_string(k) + "-fold cross-validation of a " + kind + " model");
        cross_validation_options options;
        options.progress = phase.callback();
        const cross_validation cv = cross_validate(trainer, in.table.view(), in.target, folds, in.as_of, options);
        phase.done();
        return cv;
    };
    const auto figure = [&](const cross_validation& cv) { return fixed(cv.mean_roc_auc) + " ± " + fixed(cv.sd_roc_auc); };
    if (o.kind != "auto") {
        const cross_validation cv =
            o.kind == "gbt" ? cross_validated(t.gbt, o.kind) : cross_validated(t.logistic, o.kind);
        notes.push_back(std::to_string(k) + "-fold cross-validated ROC AUC " + figure(cv) +
                        " (mean ± standard deviation over the folds)");
        return o.kind;
    }
    const cross_validation l = cross_validated(t.logistic, "logistic");
    const cross_validation g = cross_validated(t.gbt, "gbt");
    const std::string kind = g.mean_roc_auc > l.mean_roc_auc ? "gbt" : "logistic";
    notes.push_back("--model auto chose " + kind + ": " + std::to_string(k) + "-fold cross-validated ROC AUC " +
                    figure(g) + " for gbt against " + figure(l) + " for logistic (" +
                    (kind == "gbt" ? "trees rank the held-out rows better"
                                   : "trees do not rank the held-out rows better, and the linear model is simpler to "
                                     "read") +
                    ")");
    std::string unused;
    if (kind == "logistic")
        for (const auto* flag : o.gbt_flags)
            if (flag->count() > 0) unused += (unused.empty() ? "" : ", ") + flag->get_name();
    if (!unused.empty()) notes.push_back("the tree options (" + unused + ") shaped the cross-validated gbt model only");
    return kind;
}

/// Frequency tables over the categorical and true/false fields, each row in the single stage "open" (a constant
/// field the model records).
void fit_naive_bayes(model& m, const fit_inputs& in, std::vector<std::string>& notes, const progress_callback& progress) {
    m.constants = {{nb_stage_field, "open"}};
    const lead_table staged = add_constant_fields(m, in.table);
    frequency_trainer trainer;
    trainer.definition.stages = frequency_stages(std::vector<std::string>{"open"}, std::vector<std::string>{"won"});
    trainer.definition.stage_field = nb_stage_field;
    std::vector<std::string> numeric;
    for (const auto& f : in.table.table_schema().fields()) {
        if (in.excluded.count(f.name)) continue;
        if (f.type == field_type::categorical || f.type == field_type::boolean) {
            trainer.definition.variables.push_back({f.name, false, '\0'});
        } else if (f.type == field_type::numeric) {
            numeric.push_back(f.name);
        }
    }
    if (trainer.definition.variables.empty())
        throw definition_error("naive-bayes needs a categorical or true/false column besides the target");
    if (!numeric.empty()) {
        std::string list;
        for (const auto& n : numeric) list += (list.empty() ? "" : ", ") + n;
        notes.push_back("numeric fields left out (frequency tables count categorical and true/false values): " + list);
    }
    auto fitted = trainer.fit(training_set{staged.view(), in.labels, in.train_rows, in.as_of, in.target.field, progress});
    m.report = std::move(fitted.report);
    m.policy = std::move(fitted.policy);
}

/// The rows --validation-share holds back (stratified, seeded), with a note; none without it.
split hold_back(const train_options& o, const std::vector<std::int8_t>& labels, std::vector<std::string>& notes) {
    if (o.validation_share <= 0) return {labelled_rows(labels), {}, 0};
    split s = train_test_split(labels, o.validation_share, o.seed);
    if (s.train.empty() || s.test.empty())
        throw definition_error("--validation-share " + format_number(o.validation_share) + " leaves " +
                               (s.test.empty() ? "no row to hold back" : "no row to learn from") + " among the " +
                               std::to_string(s.train.size() + s.test.size()) + " labelled rows");
    notes.push_back("held back: " + std::to_string(s.test.size()) + " of the " +
                    std::to_string(s.train.size() + s.test.size()) + " labelled rows (a stratified share of " +
                    format_number(o.validation_share) + ", seed " + std::to_string(o.seed) +
                    "), not learned from and measured after the fit" +
                    (o.kind != "naive-bayes" && o.gbt.options.early_stopping_rounds > 0
                         ? "; early stopping watched them too, so their figures flatter the model a little"
                         : ""));
    return s;
}

/// The fitted model's metrics on the held-back rows (as `evaluate` computes them).
evaluation_report measure_held_back(const model& m, const lead_table& table, const std::vector<std::int8_t>& labels,
                                    std::span<const std::size_t> held) {
    const lead_table scored = add_constant_fields(m, table);
    std::vector<double> scores(scored.rows());
    m.policy.score_batch(scored.view(), scores, batch_options{});
    std::vector<std::int8_t> held_labels(labels.size(), unlabelled);
    for (const auto r : held) held_labels[r] = labels[r];
    evaluation_options eo;
    eo.scale = m.policy.scale();
    eo.skip_unscored = true;
    return evaluate(scores, held_labels, eo);
}

/// Fits the model kind chosen on the training rows, showing its progress.
void fit_kind(model& m, const trainers& t, const fit_inputs& in, const split& rows, std::vector<std::string>& notes) {
    progress_phase phase("fitting a " + m.kind + " model");
    const training_set data{in.table.view(), in.labels, rows.train, in.as_of, in.target.field, phase.callback()};
    const auto take = [&m](auto fitted) {
        m.report = std::move(fitted.report);
        m.policy = std::move(fitted.policy);
    };
    if (m.kind == "gbt") {
        gbt_trainer trees = t.gbt;
        trees.validation_rows = rows.test; // early stopping watches the held-back rows
        take(trees.fit(data));
    } else if (m.kind == "logistic") {
        take(t.logistic.fit(data));
    } else {
        fit_naive_bayes(m, in, notes, data.progress);
    }
    phase.done();
}

/// Refuses options that do not apply to the model kind, before any work.
void check_kind_options(const train_options& o) {
    if (o.cv > 0 && o.kind == "naive-bayes")
        throw definition_error("--cv applies to --model logistic, gbt and auto (not naive-bayes)");
    const auto refuse = [&](const std::vector<CLI::Option*>& flags, const char* kinds) {
        for (const auto* flag : flags)
            if (flag->count() > 0)
                throw definition_error(flag->get_name() + " applies to --model " + kinds + " only (this is --model " +
                                       o.kind + ")");
    };
    if (o.kind != "gbt" && o.kind != "auto") refuse(o.gbt_flags, "gbt and auto");
    if (o.kind != "logistic" && o.kind != "auto") refuse(o.logistic_flags, "logistic and auto");
    if (o.kind == "naive-bayes") refuse(o.shared_flags, "logistic, gbt and auto");
    if (!o.event_counts.empty() && !o.data.events.active())
        throw definition_error("--event-counts needs the events: --events FILE or --events-query SQL");
    if (o.validation_share >= 1 || (o.validation_share <= 0 && o.validation_flag->count() > 0))
        throw definition_error("--validation-share must be above 0 and below 1 (got " + format_number(o.validation_share) +
                               ")");
}

void run_train(const train_options& o) {
    check_data_source(o.data.file, o.db);
    refuse_same_files({{"--out", o.out}}, {{"--data", o.data.file}});
    check_kind_options(o);
    training_data read = read_training_data(o);
    attach_cli_events(read.data.table, o.data.events, o.db.url);
    const lead_table& table = read.data.table;
    const schema& s = table.table_schema();
    const binary_target target = choose_target(table, read.target_col, o);
    std::vector<std::string> notes;
    const std::set<std::string> excluded = excluded_fields(o, table, notes);
    note_columns(table, excluded, notes);
    const std::vector<std::int8_t> labels = target_labels(table.view(), target);
    note_left_out(table, read.target_col, labels, target, notes);
    const split rows = hold_back(o, labels, notes);
    const fit_inputs in{table, target, labels, excluded,
                        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()), rows.train};
    const trainers t = make_trainers(o, in);

    model m;
    m.target = target;
    m.target_type = s[read.target_col].type;
    m.kind = cross_validate_kinds(o, t, in, notes);
    fit_kind(m, t, in, rows, notes);

    // The fields the policy reads that the data carries (the naive-bayes stage is a constant column, not among them).
    m.fields = model_fields(s, m.policy);
    m.contract = make_data_contract(table.view(), rows.train, m.fields, read.options);
    m.report.notes.insert(m.report.notes.begin(), notes.begin(), notes.end());
    const double base = m.report.rows ? static_cast<double>(m.report.positives) / static_cast<double>(m.report.rows) : 0;
    m.bands = temperature_bands::from_base_rate(base);
    std::optional<evaluation_report> held;
    if (!rows.test.empty()) held = measure_held_back(m, table, labels, rows.test);
    save_model(o.out, m);
    print_training(o, m, held);
}

} // namespace

command add_train_command(CLI::App& parent) {
    auto opts = std::make_shared<train_options>();
    CLI::App* app = parent.add_subcommand("train", "Fit a lead-scoring model on a CSV file and write a model file");
    app->footer("Rows whose target is missing are left out. Categorical columns whose values are all different (ids)\n"
                "are left out with a note. The model file holds the columns read, the policy, the fit report and\n"
                "the temperature bands (warm from the positive rate, hot at three times its odds).");
    add_data_options(*app, opts->data);
    add_events_options(*app, opts->data.events);
    add_db_options(*app, opts->db, false);
    app->add_option("--target", opts->target, "Column to predict (categorical, true/false, or 0/1)")->required();
    app->add_option("--positive", opts->positive,
                    "The target value that counts as a success (default: a yes/true/1/won of a two-valued target)");
    add_negative_option(*app, opts->negative, "every value but the positive one");
    app->add_option("--exclude", opts->exclude, "Columns not to learn from, comma-separated or repeated")
        ->delimiter(',')
        ->allow_extra_args(false);
    app->add_option("--model", opts->kind,
                    "Model kind: logistic (regression), naive-bayes (frequency tables), gbt (gradient-boosted trees) "
                    "or auto (logistic or gbt, whichever ranks held-out rows better in cross-validation)")
        ->check(CLI::IsMember({"logistic", "naive-bayes", "gbt", "auto"}))
        ->capture_default_str();
    app->add_option("--cv", opts->cv,
                    "Report the K-fold cross-validated ROC AUC (stratified folds, seed 42) before the final fit; "
                    "--model auto compares on 5 folds unless K is given")
        ->check(CLI::Range(2, 100));
    opts->validation_flag = app->add_option("--validation-share", opts->validation_share,
                    "Hold back this share of the labelled rows (stratified, --seed), fit on the rest and report the "
                    "model's ROC AUC, log loss and Brier score on them; with --early-stopping, the rows it watches")
        ->check(CLI::Range(0.0, 1.0));
    app->add_option("--seed", opts->seed, "Seed of the rows --validation-share holds back and of gbt's subsampling")
        ->check(whole_number())
        ->capture_default_str();
    app->add_option("--out,-o", opts->out, "Model file to write")->required();
    add_progress_options(*app);

    add_fit_options(*app, *opts);
    add_gbt_options(*app, *opts);
    add_format_option(*app, opts->format, "the fit report as one document, schema leadscore.train/1");
    return {app, [opts] { run_train(*opts); }};
}

} // namespace leadscore::cli
