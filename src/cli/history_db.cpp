#include "history_db.hpp"

#include "leadscore/core/error.hpp"

#ifdef LEADSCORE_CLI_SQL
#include "leadscore/sql/database.hpp"
#include "leadscore/sql/history.hpp"
#endif

namespace leadscore::cli {

CLI::Option* add_history_query_option(CLI::Option_group& input, std::string& query, CLI::Option* db) {
    return input
        .add_option("--history-query", query,
                    "With --db: a query whose rows are stage entries, with the columns of a --history file (lead_id, "
                    "stage, entered_at, optionally value, source and attributes), ordered by lead and time (see "
                    "docs/databases.md)")
        ->type_name("SQL")
        ->needs(db);
}

CLI::Option* add_snapshot_query_option(CLI::Option_group& input, std::string& query, CLI::Option* db) {
    return input
        .add_option("--snapshot-query", query,
                    "With --db: a query whose rows are deals, with the columns of a --snapshot file (see "
                    "docs/databases.md)")
        ->type_name("SQL")
        ->needs(db);
}

void add_db_history_options(CLI::App& app, CLI::Option_group& input, std::string& url, std::string& history_query,
                            std::string& snapshot_query, std::string& time_zone) {
    CLI::Option* db = app.add_option("--db", url,
                                     "The database of --history-query or --snapshot-query: sqlite:PATH or a "
                                     "PostgreSQL connection string (passwords best in ~/.pgpass or PGPASSWORD; see "
                                     "docs/databases.md)");
    CLI::Option* history = add_history_query_option(input, history_query, db);
    CLI::Option* snapshot = add_snapshot_query_option(input, snapshot_query, db);
    // --db needs one of the two (a usage error, as an option's needs would be).
    app.parse_complete_callback([db, history, snapshot] {
        if (db->count() != 0 && history->count() == 0 && snapshot->count() == 0)
            throw CLI::RequiresError("--db", "--history-query or --snapshot-query");
    });
    app.add_option("--db-timezone", time_zone,
                   "With --db: the IANA zone (Europe/Berlin) of times stored without one; UTC by default")
        ->type_name("ZONE")
        ->needs(db);
}

#ifdef LEADSCORE_CLI_SQL

history_import read_db_history(const std::string& url, const std::string& query, const funnel& f,
                               const history_options& options, const std::string& time_zone) {
    const auto db = sql::open_database(url, {.time_zone = time_zone});
    return sql::read_stage_history(*db, {.query = query}, f, options);
}

history_import read_snapshot_input(const std::string& path, const std::string& url, const std::string& query,
                                   const funnel& f, const snapshot_options& options, const std::string& time_zone) {
    if (!path.empty()) return read_deal_snapshot_file(path, f, options);
    const auto db = sql::open_database(url, {.time_zone = time_zone});
    return sql::read_deal_snapshot(*db, {.query = query}, f, options);
}

std::string db_history_name(const std::string& url, const std::string& query) {
    return sql::redact(url) + ", " + sql::source{.query = query}.describe();
}

#else

namespace {

[[noreturn]] void refuse_without_database_support() {
    throw error("this leadscore was built without database support (CMake option LEADSCORE_SQL)");
}

} // namespace

history_import read_db_history(const std::string&, const std::string&, const funnel&, const history_options&,
                               const std::string&) {
    refuse_without_database_support();
}

history_import read_snapshot_input(const std::string& path, const std::string&, const std::string&, const funnel& f,
                                   const snapshot_options& options, const std::string&) {
    if (!path.empty()) return read_deal_snapshot_file(path, f, options);
    refuse_without_database_support();
}

std::string db_history_name(const std::string& url, const std::string&) { return url; }

#endif

} // namespace leadscore::cli
