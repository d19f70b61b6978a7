#pragma once
// A model file: one archive holding everything needed to score new data the way a model was trained — the fields
// it reads (names and types), the scoring policy (any kind, through its export key), what the training reported,
// the target it predicts, the temperature bands that turn a probability into cold / warm / hot, and how training
// read its data (missing tokens, delimiter, the categories of each field). What `leadscore train` writes and
// `leadscore score` / `leadscore evaluate` read.
//
//   model m;
//   m.fields = …; m.policy = fitted.policy; m.report = fitted.report; m.target = target;
//   m.bands = temperature_bands::from_base_rate(0.113);
//   m.contract = make_data_contract(view, training_rows, m.fields, options);   // the options it was read with
//   save_model("bank.model", m);                       // XML by default
//   const model back = load_model("bank.model");       // the format is recognised from the file's first byte
//   csv_result data = read_model_data(back, "new_leads.csv");   // the model's columns, by name, typed as trained
//   auto p = score_batch(back.policy, data.table.view(), batch_options{});
//   for (const auto& u : find_unseen_values(back, data.table.view())) warn(u.describe());   // categories new to it
//
// Loading validates what the constructors would (every policy part is rebuilt through its constructor) and the
// model itself: a policy present, bands finite with warm <= hot, a target field, constant fields named, unique and
// not among the fields read, and a data contract whose tokens, delimiter and vocabularies read_model_data can use.
// Any failure is an archive_error naming the file.

#include "leadscore/core/file_path.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"
#include "leadscore/io/archive_format.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/train/fit.hpp"

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscore {

/// Thresholds that make a score a temperature: hot at or above `hot`, warm at or above `warm`, cold below; a NaN
/// score has no temperature. On a probability policy they are probabilities; on a points policy, points.
struct temperature_bands {
    double warm = 0.2; ///< lowest warm score; at most hot
    double hot = 0.5;  ///< lowest hot score

    /// The bands `leadscore train` chooses from the share of positives among the training rows (b, in (0, 1)):
    /// warm from b on (a lead at least as likely as the average one), hot where the odds are three times the base
    /// odds, p = 3b / (1 + 2b) (b = 0.113 gives warm ≥ 0.113, hot ≥ 0.276; b = 0.5 gives 0.5 and 0.75). Throws
    /// definition_error for b outside (0, 1).
    [[nodiscard]] static temperature_bands from_base_rate(double base_rate);
    /// "hot", "warm", "cold"; "" for NaN.
    [[nodiscard]] std::string_view band(double score) const noexcept;

    /// Equal when both thresholds are equal.
    friend bool operator==(const temperature_bands&, const temperature_bands&);
};

/// The texts one categorical field held in the rows a model was trained on.
struct field_vocabulary {
    std::string field;              ///< a categorical field of the model
    std::vector<std::string> texts; ///< every present text of the training rows, none repeated (make_data_contract sorts them)
    /// Equal when the field and the texts (in order) are equal.
    friend bool operator==(const field_vocabulary&, const field_vocabulary&);
};

/// How training read its data, so that new data is read the same way: the part of a model's data contract that
/// `fields` (names and types) does not hold. A model file of version 1 has none: loading it gives this default
/// (today's reading defaults and no vocabulary).
struct data_contract {
    /// The cell texts that meant "missing" in training, in every column; read_model_data reads with them.
    std::vector<std::string> missing_tokens{"", "NA"};
    /// The delimiter training was given; '\0' when training detected it (new data's is then detected too).
    char delimiter = '\0';
    /// Per categorical field the policy reads, the texts of the training rows (in the order of `fields`). A field
    /// without an entry has no known vocabulary: find_unseen_values passes it over.
    std::vector<field_vocabulary> vocabulary{};
    /// Equal when every member is equal.
    friend bool operator==(const data_contract&, const data_contract&);
};

/// A trained model as a file holds it.
struct model {
    /// The fields the policy reads, with the types they had in training: scoring data must carry each (by name).
    schema fields;
    /// The fitted policy; saved and loaded through its type's export key.
    scoring_policy policy;
    /// How the model was made: "logistic", "naive-bayes", or a word of the caller's.
    std::string kind;
    /// What it predicts (a categorical or boolean field; texts as binary_target).
    binary_target target;
    /// The type of the target field in training (categorical or boolean).
    field_type target_type = field_type::categorical;
    /// What the training reported (see fit_report).
    fit_report report;
    /// The thresholds `leadscore score` rates the policy's scores with.
    temperature_bands bands;
    /// Fields the policy reads that data does not carry: (name, text) — read_model_data adds each as a categorical
    /// column holding the text in every row (the single "open" stage of a naive-bayes model over data without a
    /// funnel stage).
    std::vector<std::pair<std::string, std::string>> constants;
    /// How training read its data (missing tokens, delimiter, vocabularies): read_model_data reads new data so.
    data_contract contract;
};

/// The data contract of a model trained on `rows` of `data`, read with `read`: its missing tokens and delimiter, and
/// for each categorical field of `fields` the sorted present texts of those rows. Throws definition_error naming a
/// field of `fields` that `data` lacks or holds with another type, or a row past the view's end.
[[nodiscard]] data_contract make_data_contract(const table_view& data, std::span<const std::size_t> rows,
                                               const schema& fields, const csv_options& read);

/// Cells of new data whose categorical text a model's training rows never held, in one field.
struct unseen_values {
    /// The share of a column's cells above which `leadscore score` warns.
    static constexpr double warning_share = 0.05;
    std::string field;     ///< the field
    std::size_t cells = 0; ///< cells holding a text the vocabulary lacks (missing cells are not among them)
    std::size_t rows = 0;  ///< cells of the column (rows of the data)
    /// The most frequent of those texts with their cell counts, most frequent first (ties by text).
    std::vector<std::pair<std::string, std::size_t>> top{};
    /// cells / rows (0 without rows).
    [[nodiscard]] double share() const noexcept;
    /// One line: "field 'color': 12 of 200 cells (6.0%) hold texts not seen in training: 'teal' 8, 'x' 4".
    [[nodiscard]] std::string describe() const;
};

/// For each categorical field of the model with a vocabulary (in the order of `m.fields`) whose column in `data`
/// holds texts outside it, those cells: how many, their share, the `top` most frequent texts. The same report for
/// every front end. Throws definition_error naming a field `data` lacks or holds with another type.
[[nodiscard]] std::vector<unseen_values> find_unseen_values(const model& m, const table_view& data,
                                                            std::size_t top = 3);

/// Checks a model as load_model does; throws definition_error naming what is wrong.
void validate(const model& m);

/// Writes a model file, created or replaced whole, ending in a checksum line (as save_archive_file). XML by default:
/// model files travel; binary only for caches read by the same build. Throws definition_error for a model validate
/// refuses or a policy type without an export key, error "<file>: cannot write: <reason>" when the file cannot be
/// written; the old file is then left as it was.
void save_model(const file_path& path, const model& m, archive_format format = archive_format::xml);

/// Reads a model file of any of the three formats (recognised by the first byte: '<' XML, a digit text, else
/// binary), after verifying its checksum line. Throws archive_error naming the file: cannot be opened, a directory,
/// checksum mismatch, truncated, corrupted, not a model, a newer version, an unknown export key, a part its
/// constructor refuses, a model validate refuses. A file written before leadscore wrote checksums loads when it
/// parses completely; `info` (when given) says whether the file had a checksum, with a note for people when not.
[[nodiscard]] model load_model(const file_path& path, archive_file_info* info = nullptr);

namespace detail {
class checked_file;
/// load_model's work on a file already opened and checked (tests and fuzzers give it bytes from memory).
[[nodiscard]] model load_model_file(checked_file& file, archive_file_info* info = nullptr);
} // namespace detail

/// The same on streams, as the archive alone (no checksum line: that belongs to files, see save_archive_file).
void save_model(std::ostream& out, const model& m, archive_format format);
/// Reads a model of the given format from a stream into `into` (the archive alone, without a checksum line);
/// `source` names the archive in errors. Throws archive_error as the file form does.
void load_model(std::istream& in, model& into, archive_format format, std::string_view source = "<stream>");

/// Reads CSV data for a model: the columns named by the model's fields (in any order; other columns are ignored),
/// each parsed as its trained type, plus `extra` fields (an id, the target) not among them, then the model's
/// constant columns. The model's data contract applies: its missing tokens, with `options.missing_tokens` added
/// to them (the defaults "" and "NA" included: clear them to read with the model's tokens alone), and its
/// delimiter unless `options.delimiter` is set. Throws input_error naming the file and the field for a column the
/// header lacks, and as read_csv for bad cells. `options.fields` and `ignore_extra_columns` are set by this
/// function.
[[nodiscard]] csv_result read_model_data(const model& m, const file_path& csv, csv_options options = {},
                                         std::span<const field> extra = {});

/// The table with the model's constant columns appended (a column the table already has is an error).
[[nodiscard]] lead_table add_constant_fields(const model& m, lead_table table);

} // namespace leadscore
