#pragma once
// What the model commands (train, score, evaluate, report) share: the CSV options they take, the target they measure
// and the conversion by temperature band.

#include "database.hpp"
#include "events.hpp"
#include "json.hpp"

#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/io/model.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::cli {

/// The CSV options of a command that reads a data file.
struct data_options {
    std::string file;
    std::string delimiter = "auto";
    std::vector<std::string> missing;
    csv_limits limits; ///< --max-line-bytes, --max-columns, --max-cell-bytes
    events_input events; ///< --events, --events-query, --events-id (add_events_options; not added by add_data_options)
};

/// Adds --delimiter (',', ';', 'tab' or '\t', 'auto') to a command, bound to `delimiter`.
void add_delimiter_option(CLI::App& app, std::string& delimiter);

/// Adds --data, --delimiter, --missing and the CSV size limits to a command.
void add_data_options(CLI::App& app, data_options& o);

/// The csv_options the flags give (fail-fast: a bad row stops the command with its place).
[[nodiscard]] csv_options to_csv_options(const data_options& o);

/// Adds --negative (target values that count as failures; rows with any other value are left out) to a command;
/// `default_text` says what applies without it.
void add_negative_option(CLI::App& app, std::vector<std::string>& negative, const std::string& default_text);

/// Sets the target's negative values, refusing one that is also a positive value (definition_error).
void set_negatives(binary_target& target, const std::vector<std::string>& negative);

/// The target a command measures and the type its column is read as.
struct measured_target {
    binary_target target;
    field_type type = field_type::categorical;
};

/// The column `field` (empty: the model's own target) as a target. For the model's own target, `positive` and
/// `negative` default to the model's; for another, `positive` is required. A true/false target takes neither (a
/// `positive` of "true" is accepted). Throws definition_error naming what is wrong, also when the target is a field
/// the model reads.
[[nodiscard]] measured_target measured_target_of(const model& m, const std::string& field, const std::string& positive,
                                                 const std::vector<std::string>& negative);

/// A model measured on a CSV file with known outcomes: what `evaluate` and `report` show.
struct model_measurement {
    model m;                          ///< the model file's model
    binary_target target;             ///< the target measured (measured_target_of)
    std::size_t rows = 0;             ///< rows of the data
    std::vector<std::int8_t> labels;  ///< per row: 1 positive, 0 negative, -1 neither (left out)
    std::vector<double> scores;       ///< per row: the model's score
    evaluation_report report;         ///< the scores against the labels, rows the model cannot score left out
};

/// Loads the model file, reads the data file or, when `db` is active, its table or query (the model's fields and the
/// target's column, under the model's data contract, as score reads them) with its events (data.events), scores every
/// row and evaluates the
/// scores; `target`, `positive` and `negative` as measured_target_of takes them. Throws input_error naming the
/// target, the positive value and the values the data holds when no row is positive or none is negative (no metric
/// can be computed then).
[[nodiscard]] model_measurement measure_model(const std::string& model_file, const data_options& data,
                                              const std::string& target, const std::string& positive,
                                              const std::vector<std::string>& negative, const db_options& db = {});

/// Conversion per temperature band (cold, warm, hot by the model's bands) of scored, labelled rows.
[[nodiscard]] band_conversion conversion_by_temperature(const model& m, std::span<const double> scores,
                                                        std::span<const std::int8_t> labels);

/// The text in single quotes, for messages ("'won'").
[[nodiscard]] std::string in_quotes(std::string_view text);

/// The --missing texts the model's data contract lacks: read_model_data adds them to the model's tokens.
[[nodiscard]] std::vector<std::string> added_missing_tokens(const model& m, const data_options& data);

/// A line saying which missing tokens a command reads with when --missing added some; empty otherwise.
[[nodiscard]] std::string missing_tokens_line(const model& m, const data_options& data);

/// A number with `digits` decimals ("0.7833"); "n/a" for NaN.
[[nodiscard]] std::string fixed(double v, int digits = 4);

/// A model's target as JSON: {"field", "positive" ("true" for a true/false target), "negative" (a list)}.
[[nodiscard]] json target_json(const binary_target& target);

/// A fit report as JSON: {"converged", "iterations", "parameters", "gradient_norm", "objective", "message",
/// "rows", "positives"} (the notes are listed apart).
[[nodiscard]] json fit_report_json(const fit_report& report);

} // namespace leadscore::cli
