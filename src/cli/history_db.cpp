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

void add_db_history_options(CLI::App& app, CLI::Option_group& input, std::string& url, std::string& query,
                            std::string& time_zone) {
    CLI::Option* db = app.add_option("--db", url,
                                     "The database of --history-query: sqlite:PATH or a PostgreSQL connection string "
                                     "(passwords best in ~/.pgpass or PGPASSWORD; see docs/databases.md)");
    db->needs(add_history_query_option(input, query, db));
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

std::string db_history_name(const std::string& url, const std::string& query) {
    return sql::redact(url) + ", " + sql::source{.query = query}.describe();
}

#else

history_import read_db_history(const std::string&, const std::string&, const funnel&, const history_options&,
                               const std::string&) {
    throw error("this leadscore was built without database support (CMake option LEADSCORE_SQL)");
}

std::string db_history_name(const std::string& url, const std::string&) { return url; }

#endif

} // namespace leadscore::cli
