#pragma once
// The database options of the commands that read leads (--db with --table or --query) and write scores back
// (--write-table): a thin shell over leadscore::sql, present when the program is built with it (LEADSCORE_SQL).

#include "leadscore/io/csv.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/io/model.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace leadscore::cli {

/// --db, --table, --query and (for commands that write) --write-table.
struct db_options {
    std::string url;         ///< --db: "sqlite:PATH" or a PostgreSQL connection string
    std::string table;       ///< --table: read this table or view
    std::string query;       ///< --query: read the result of this query
    std::string write_table; ///< --write-table: upsert the scores into this table
    std::string since;       ///< --since: the watermark column of an incremental run
    std::string since_type = "timestamp"; ///< --since-type: timestamp, integer or text
    std::string overlap;     ///< --overlap: how far before the watermark an incremental run reads again ("": the default)
    bool full = false;       ///< --full: read every row, and set the watermark
    std::string time_zone;   ///< --db-timezone: the zone of times stored without one ("": UTC)
    /// Whether --db was given.
    [[nodiscard]] bool active() const noexcept { return !url.empty(); }
};

/// Adds --db, --table and --query to a command (and --write-table, --since, --overlap, --full when `write`); makes
/// its data option (`data_name`: --data, --leads) optional, which check_data_source then requires unless --db is
/// given.
void add_db_options(CLI::App& app, db_options& o, bool write, const std::string& data_name = "--data");

/// Adds --db, --table, --query and --write-table alone (no incremental options) to a command that writes another
/// kind of table (route's assignments); its data option `data_name` becomes optional.
void add_db_write_table_option(CLI::App& app, db_options& o, const std::string& data_name, const std::string& help);

/// Throws error unless exactly one of --data (named `data_name`) and --db is given, and with --db exactly one of --table and --query;
/// --since needs --write-table, --overlap and --full need --since.
void check_data_source(const std::string& data_file, const db_options& o, std::string_view data_name = "--data");

/// Every column of --table or --query, typed by the database (see leadscore/sql/database.hpp) unless `fields` gives
/// a column's type; `text_columns` read as exact text (ids); NULL and the `missing` texts are missing. Throws error
/// when the program has no database support.
[[nodiscard]] lead_table read_db(const db_options& o, const std::vector<std::string>& missing,
                                 const std::vector<std::string>& text_columns = {},
                                 const std::optional<schema>& fields = std::nullopt);

/// "sqlite:crm.db, table \"leads\"": the source as the output names it (password removed).
[[nodiscard]] std::string db_source_name(const db_options& o);

/// A watermark: a time, an integer or a text (the same type as leadscore::sql::watermark_value).
using db_watermark = std::variant<timestamp, std::int64_t, std::string>;

/// What an incremental read saw (--since).
struct db_increment {
    std::optional<db_watermark> previous; ///< the job's watermark before the run (none: a first or --full run)
    std::optional<db_watermark> from;     ///< rows changed at or after this were read (previous less the overlap)
    std::optional<db_watermark> next;     ///< the watermark to write: the latest value read, or previous
};

/// The line an incremental run prints: what it read, from where, and the watermark it leaves.
[[nodiscard]] std::string db_increment_line(const db_options& o, const db_increment& increment, std::size_t rows);

/// The leads of --table or --query read for a model, as read_model_data reads a CSV file: the model's fields by
/// name with their trained types, `extra` fields, the constant fields; text columns exact; the model's missing
/// texts plus `missing` in text values. With --since, only rows changed since the job's watermark less --overlap
/// (every row with --full or without a watermark), `increment` saying which. Throws error when the program has no
/// database support.
[[nodiscard]] csv_result read_model_db(const model& m, const db_options& o, std::span<const field> extra,
                                       const std::vector<std::string>& text_columns,
                                       const std::vector<std::string>& missing, db_increment& increment);

/// The scores of one run, to write back with write_db_scores.
struct db_scores {
    std::vector<std::string_view> ids;          ///< the --id column's texts, one per row
    std::vector<double> scores;                 ///< the CSV output's score column
    std::vector<double> probabilities;          ///< empty for a points model
    std::vector<std::string_view> temperatures; ///< "" for none
    std::vector<std::string_view> qualifications; ///< lifecycle classes ("" for none); empty: not qualified
    std::string model_id;                       ///< the model file's name
};

/// The lifecycle class of each scored lead (to_string(lifecycle); "" for none) by the [qualification] section of the
/// TOML file `config_file` (the default policy when it has none), reading `rows` (the columns read for the model)
/// with each lead's score and its temperature band ("cold", "warm", "hot"; another text is unknown) as of `as_of`.
[[nodiscard]] std::vector<std::string_view> qualify_scored(const std::string& config_file, const table_view& rows,
                                                           std::span<const double> scores,
                                                           std::span<const std::string_view> bands, timestamp as_of);

/// Upserts the scores into --write-table in one transaction (leadscore::sql::database::write_scores), with the
/// watermark `next` of the job (--write-table's name) when set.
void write_db_scores(const db_options& o, const db_scores& s, const std::optional<db_watermark>& next);

/// The routing assignments of one run, to write back with write_db_assignments (one entry per lead in each).
struct db_assignments {
    std::vector<std::string_view> ids;     ///< the leads' id column
    std::vector<std::string_view> reps;    ///< "" when none
    std::vector<std::string_view> teams;   ///< "" when none
    std::vector<std::string_view> reasons; ///< the audit's reason
    timestamp routed_at;                   ///< the run's time (--as-of)
};

/// Upserts the assignments into --write-table in one transaction (leadscore::sql::database::write_assignments).
void write_db_assignments(const db_options& o, const db_assignments& a);

/// The --db URL as messages print it (password removed).
[[nodiscard]] std::string db_name(const db_options& o);

} // namespace leadscore::cli
