#include "database.hpp"

#include "leadscore/core/error.hpp"

#ifdef LEADSCORE_CLI_SQL
#include "leadscore/sql/database.hpp"
#endif

#include <algorithm>
#include <chrono>

namespace leadscore::cli {

void add_db_options(CLI::App& app, db_options& o, bool write) {
    if (auto* data = app.get_option_no_throw("--data")) data->required(false);
    app.add_option("--db", o.url,
                   "Read the leads from a database instead of --data: sqlite:PATH or a PostgreSQL connection string "
                   "(passwords best in ~/.pgpass or PGPASSWORD; see docs/databases.md)");
    app.add_option("--table", o.table, "With --db: the table (or view) to read");
    app.add_option("--query", o.query, "With --db: the query whose result to read");
    if (write)
        app.add_option("--write-table", o.write_table,
                       "With --db and --id: upsert the scores into this table (created when missing), in one "
                       "transaction");
}

void check_data_source(const std::string& data_file, const db_options& o) {
    if (data_file.empty() == o.url.empty()) throw error("give either --data or --db");
    if (o.active() && o.table.empty() == o.query.empty()) throw error("--db needs either --table or --query");
    if (!o.active() && (!o.table.empty() || !o.query.empty() || !o.write_table.empty()))
        throw error("--table, --query and --write-table need --db");
}

#ifdef LEADSCORE_CLI_SQL

std::string db_name(const db_options& o) { return sql::redact(o.url); }

csv_result read_model_db(const model& m, const db_options& o, std::span<const field> extra,
                         const std::vector<std::string>& text_columns, const std::vector<std::string>& missing) {
    schema s = m.fields;
    for (const auto& f : extra)
        if (!s.find(f.name)) s.add({f.name, f.type, field_role::none});
    std::vector<std::string> tokens = m.contract.missing_tokens;
    for (const auto& t : missing)
        if (std::find(tokens.begin(), tokens.end(), t) == tokens.end()) tokens.push_back(t);
    const auto db = sql::open_database(o.url);
    lead_table t = db->read({.table = o.table, .query = o.query},
                            {.fields = std::move(s), .only_fields = true, .text_columns = text_columns,
                             .missing_texts = std::move(tokens)});
    const std::size_t rows = t.rows();
    return {add_constant_fields(m, std::move(t)), {}, rows};
}

void write_db_scores(const db_options& o, const db_scores& s) {
    const auto db = sql::open_database(o.url);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    db->write_scores(o.write_table, {.lead_ids = s.ids, .scores = s.scores, .probabilities = s.probabilities,
                                     .temperatures = s.temperatures, .model_id = s.model_id, .scored_at = now});
}

#else

namespace {
[[noreturn]] void no_database_support() {
    throw error("this leadscore was built without database support (CMake option LEADSCORE_SQL)");
}
} // namespace

std::string db_name(const db_options& o) { return o.url; }
csv_result read_model_db(const model&, const db_options&, std::span<const field>, const std::vector<std::string>&,
                         const std::vector<std::string>&) {
    no_database_support();
}
void write_db_scores(const db_options&, const db_scores&) { no_database_support(); }

#endif

} // namespace leadscore::cli
