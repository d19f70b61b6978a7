#pragma once
// The database options of the commands that read leads (--db with --table or --query) and write scores back
// (--write-table): a thin shell over leadscore::sql, present when the program is built with it (LEADSCORE_SQL).

#include "leadscore/io/csv.hpp"
#include "leadscore/io/model.hpp"

#include <CLI/CLI.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::cli {

/// --db, --table, --query and (for commands that write) --write-table.
struct db_options {
    std::string url;         ///< --db: "sqlite:PATH" or a PostgreSQL connection string
    std::string table;       ///< --table: read this table or view
    std::string query;       ///< --query: read the result of this query
    std::string write_table; ///< --write-table: upsert the scores into this table
    /// Whether --db was given.
    [[nodiscard]] bool active() const noexcept { return !url.empty(); }
};

/// Adds --db, --table and --query to a command (and --write-table when `write`); makes its --data optional, which
/// check_data_source then requires unless --db is given.
void add_db_options(CLI::App& app, db_options& o, bool write);

/// Throws error unless exactly one of --data and --db is given, and with --db exactly one of --table and --query.
void check_data_source(const std::string& data_file, const db_options& o);

/// The leads of --table or --query read for a model, as read_model_data reads a CSV file: the model's fields by
/// name with their trained types, `extra` fields, the constant fields; text columns exact; the model's missing
/// texts plus `missing` in text values. Throws error when the program has no database support.
[[nodiscard]] csv_result read_model_db(const model& m, const db_options& o, std::span<const field> extra,
                                       const std::vector<std::string>& text_columns,
                                       const std::vector<std::string>& missing);

/// The scores of one run, to write back with write_db_scores.
struct db_scores {
    std::vector<std::string_view> ids;          ///< the --id column's texts, one per row
    std::vector<double> scores;                 ///< the CSV output's score column
    std::vector<double> probabilities;          ///< empty for a points model
    std::vector<std::string_view> temperatures; ///< "" for none
    std::string model_id;                       ///< the model file's name
};

/// Upserts the scores into --write-table in one transaction (leadscore::sql::database::write_scores).
void write_db_scores(const db_options& o, const db_scores& s);

/// The --db URL as messages print it (password removed).
[[nodiscard]] std::string db_name(const db_options& o);

} // namespace leadscore::cli
