#pragma once
// Stage histories read from a database (--db with --history-query or --snapshot-query) by `funnel` and `report`: a
// thin shell over leadscore::sql::read_stage_history and read_deal_snapshot, present when the program is built with
// them (LEADSCORE_SQL).

#include "leadscore/core/funnel.hpp"
#include "leadscore/io/history_csv.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace leadscore::cli {

/// Adds --history-query to `input` (the group of the command's history inputs); it needs `db`, the command's --db.
CLI::Option* add_history_query_option(CLI::Option_group& input, std::string& query, CLI::Option* db);

/// Adds --snapshot-query to `input` (the group of the command's history inputs); it needs `db`, the command's --db.
CLI::Option* add_snapshot_query_option(CLI::Option_group& input, std::string& query, CLI::Option* db);

/// Adds --db to `app` and --history-query and --snapshot-query to `input`, each needing --db and --db needing one of
/// them (a command whose --db reads only them), and --db-timezone (the zone of times stored without one) to `app`.
/// Sets `app`'s parse_complete_callback.
void add_db_history_options(CLI::App& app, CLI::Option_group& input, std::string& url, std::string& history_query,
                            std::string& snapshot_query, std::string& time_zone);

/// The stage history of `query` in the database `url` (sqlite:PATH or a PostgreSQL connection string), read as
/// --history reads a file (leadscore/sql/history.hpp); times stored without a zone are local times of `time_zone`
/// (UTC when empty). Throws error when the program has no database support.
[[nodiscard]] history_import read_db_history(const std::string& url, const std::string& query, const funnel& f,
                                             const history_options& options, const std::string& time_zone = {});

/// The deal snapshot of the file `path` (read_deal_snapshot_file), or when `path` is empty the one of `query` in the
/// database `url`, read as a file is (leadscore/sql/history.hpp; `time_zone` as for read_db_history). Throws error
/// for a query when the program has no database support.
[[nodiscard]] history_import read_snapshot_input(const std::string& path, const std::string& url,
                                                 const std::string& query, const funnel& f,
                                                 const snapshot_options& options, const std::string& time_zone = {});

/// "sqlite:crm.db, query \"SELECT …\"": the history's source as the output names it (password removed).
[[nodiscard]] std::string db_history_name(const std::string& url, const std::string& query);

} // namespace leadscore::cli
