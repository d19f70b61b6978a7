#pragma once
// A model file: one archive holding everything needed to score new data the way a model was trained — the fields
// it reads (names and types), the scoring policy (any kind, through its export key), what the training reported,
// the target it predicts and the temperature bands that turn a probability into cold / warm / hot. What
// `leadscore train` writes and `leadscore score` / `leadscore evaluate` read.
//
//   model m;
//   m.fields = …; m.policy = fitted.policy; m.report = fitted.report; m.target = target;
//   m.bands = temperature_bands::from_base_rate(0.113);
//   save_model("bank.model", m);                       // XML by default
//   const model back = load_model("bank.model");       // the format is recognised from the file's first byte
//   csv_result data = read_model_data(back, "new_leads.csv");   // the model's columns, by name, typed as trained
//   auto p = score_batch(back.policy, data.table.view(), batch_options{});
//
// Loading validates what the constructors would (every policy part is rebuilt through its constructor) and the
// model itself: a policy present, bands finite with warm <= hot, a target field, constant fields named, unique and
// not among the fields read. Any failure is an archive_error naming the file.

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
};

/// Checks a model as load_model does; throws definition_error naming what is wrong.
void validate(const model& m);

/// Writes a model file (created or replaced). XML by default: model files travel; binary only for caches read by
/// the same build. Throws definition_error for a model validate refuses or a policy type without an export key,
/// error when the file cannot be written.
void save_model(const file_path& path, const model& m, archive_format format = archive_format::xml);

/// Reads a model file of any of the three formats (recognised by the first byte: '<' XML, a digit text, else
/// binary). Throws archive_error naming the file: cannot be opened, truncated, corrupted, not a model, a newer
/// version, an unknown export key, a part its constructor refuses, a model validate refuses.
[[nodiscard]] model load_model(const file_path& path);

/// The same on streams: `source` names the archive in errors.
void save_model(std::ostream& out, const model& m, archive_format format);
/// Reads a model of the given format from a stream into `into`; throws archive_error as the file form does.
void load_model(std::istream& in, model& into, archive_format format, std::string_view source = "<stream>");

/// Reads CSV data for a model: the columns named by the model's fields (in any order; other columns are ignored),
/// each parsed as its trained type, plus `extra` fields (an id, the target) not among them, then the model's
/// constant columns. Throws input_error naming the file and the field for a column the header lacks, and as
/// read_csv for bad cells. `options.fields` and `ignore_extra_columns` are set by this function.
[[nodiscard]] csv_result read_model_data(const model& m, const file_path& csv, csv_options options = {},
                                         std::span<const field> extra = {});

/// The table with the model's constant columns appended (a column the table already has is an error).
[[nodiscard]] lead_table add_constant_fields(const model& m, lead_table table);

} // namespace leadscore
