#include "database.hpp"

#include "leadscore/core/error.hpp"

#ifdef LEADSCORE_CLI_SQL
#include "leadscore/sql/database.hpp"
#endif

#include <algorithm>
#include <chrono>

namespace leadscore::cli {

namespace {
void add_db_read_options(CLI::App& app, db_options& o, const std::string& data_name) {
    if (auto* data = app.get_option_no_throw(data_name)) data->required(false);
    app.add_option("--db", o.url,
                   "Read the leads from a database instead of " + data_name +
                       ": sqlite:PATH or a PostgreSQL connection string (passwords best in ~/.pgpass or PGPASSWORD; "
                       "see docs/databases.md)");
    app.add_option("--table", o.table, "With --db: the table (or view) to read");
    app.add_option("--query", o.query, "With --db: the query whose result to read");
}
} // namespace

void add_db_write_table_option(CLI::App& app, db_options& o, const std::string& data_name, const std::string& help) {
    add_db_read_options(app, o, data_name);
    app.add_option("--write-table", o.write_table, help);
}

void add_db_options(CLI::App& app, db_options& o, bool write, const std::string& data_name) {
    add_db_read_options(app, o, data_name);
    if (!write) return;
    app.add_option("--write-table", o.write_table,
                   "With --db and --id: upsert the scores into this table (created when missing), in one transaction");
    app.add_option("--since", o.since,
                   "With --write-table: an incremental run, reading only the rows whose timestamp column COLUMN "
                   "changed since the last run's watermark (kept in the table leadscore_state)")
        ->type_name("COLUMN");
    app.add_option("--overlap", o.overlap,
                   "With --since: read again the rows changed this long before the watermark (30s, 15m, 1h, 2d), for "
                   "rows committed late with an earlier time")
        ->capture_default_str();
    app.add_flag("--full", o.full, "With --since: read every row (a periodic complete run) and set the watermark");
}

void check_data_source(const std::string& data_file, const db_options& o, std::string_view data_name) {
    if (data_file.empty() == o.url.empty()) throw error("give either " + std::string(data_name) + " or --db");
    if (o.active() && o.table.empty() == o.query.empty()) throw error("--db needs either --table or --query");
    if (!o.active() && (!o.table.empty() || !o.query.empty() || !o.write_table.empty()))
        throw error("--table, --query and --write-table need --db");
    if (!o.since.empty() && o.write_table.empty()) throw error("--since needs --write-table (the watermark is kept per scores table)");
    if (o.since.empty() && o.full) throw error("--full needs --since");
}



#ifdef LEADSCORE_CLI_SQL

std::string db_name(const db_options& o) { return sql::redact(o.url); }

std::string db_source_name(const db_options& o) {
    return db_name(o) + ", " + sql::source{.table = o.table, .query = o.query}.describe();
}

lead_table read_db(const db_options& o, const std::vector<std::string>& missing,
                   const std::vector<std::string>& text_columns, const std::optional<schema>& fields) {
    const auto db = sql::open_database(o.url);
    return db->read({.table = o.table, .query = o.query},
                    {.fields = fields, .text_columns = text_columns, .missing_texts = missing});
}

void write_db_assignments(const db_options& o, const db_assignments& a) {
    const auto db = sql::open_database(o.url);
    db->write_assignments(o.write_table, {.lead_ids = a.ids, .reps = a.reps, .teams = a.teams, .reasons = a.reasons,
                                          .routed_at = a.routed_at});
}

namespace {

/// "90s", "15m", "1h", "2d" (or a bare number of seconds) as seconds; error otherwise.
std::int64_t overlap_seconds(const std::string& text) {
    std::size_t used = 0;
    long long n = -1;
    try {
        n = std::stoll(text, &used);
    } catch (const std::exception&) {
    }
    const std::string unit = text.substr(std::min(used, text.size()));
    const std::int64_t scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
    if (n < 0 || scale == 0 || n > 100LL * 365 * 86400 / scale)
        throw error("--overlap '" + text + "': expected a duration such as 30s, 15m, 1h or 2d");
    return n * scale;
}


/// The watermark column's field: added as a timestamp unless the model reads it (then it must be one).
void add_db_since_field(schema& s, const std::string& column) {
    if (const auto at = s.find(column)) {
        if (s[*at].type != field_type::timestamp)
            throw error("--since " + column + " is a " + std::string(to_string(s[*at].type)) +
                        " field of the model: the watermark column must be a timestamp");
        return;
    }
    s.add({column, field_type::timestamp, field_role::none});
}

/// The latest time of a timestamp column, or `start`.
std::optional<timestamp> db_latest_time(const lead_table& t, std::size_t col, std::optional<timestamp> start) {
    for (const auto v : t.timestamps(col))
        if (v != missing_time && (!start || v > to_seconds(*start))) start = from_seconds(v);
    return start;
}

} // namespace

csv_result read_model_db(const model& m, const db_options& o, std::span<const field> extra,
                         const std::vector<std::string>& text_columns, const std::vector<std::string>& missing,
                         db_increment& increment) {
    schema s = m.fields;
    for (const auto& f : extra)
        if (!s.find(f.name)) s.add({f.name, f.type, field_role::none});
    if (!o.since.empty()) add_db_since_field(s, o.since);
    const std::int64_t overlap = o.since.empty() ? 0 : overlap_seconds(o.overlap);
    std::vector<std::string> tokens = m.contract.missing_tokens;
    for (const auto& t : missing)
        if (std::find(tokens.begin(), tokens.end(), t) == tokens.end()) tokens.push_back(t);
    const auto db = sql::open_database(o.url);
    sql::source what{.table = o.table, .query = o.query};
    if (!o.since.empty() && !o.full) increment.previous = db->read_watermark(o.write_table);
    if (increment.previous) {
        increment.from = from_seconds(to_seconds(*increment.previous) - overlap);
        what.since = sql::since_filter{o.since, *increment.from};
    }
    lead_table t = db->read(what, {.fields = std::move(s), .only_fields = true, .text_columns = text_columns,
                                   .missing_texts = std::move(tokens)});
    if (!o.since.empty()) increment.next = db_latest_time(t, t.table_schema().at(o.since), increment.previous);
    const std::size_t rows = t.rows();
    return {add_constant_fields(m, std::move(t)), {}, rows};
}

void write_db_scores(const db_options& o, const db_scores& s, const std::optional<timestamp>& next) {
    const auto db = sql::open_database(o.url);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    sql::scores_batch batch{.lead_ids = s.ids, .scores = s.scores, .probabilities = s.probabilities,
                            .temperatures = s.temperatures, .model_id = s.model_id, .scored_at = now};
    if (next) batch.advance = sql::watermark{o.write_table, *next};
    db->write_scores(o.write_table, batch);
}

#else

namespace {
[[noreturn]] void no_database_support() {
    throw error("this leadscore was built without database support (CMake option LEADSCORE_SQL)");
}
} // namespace

std::string db_name(const db_options& o) { return o.url; }
std::string db_source_name(const db_options& o) { return o.url; }
lead_table read_db(const db_options&, const std::vector<std::string>&, const std::vector<std::string>&,
                   const std::optional<schema>&) {
    no_database_support();
}
void write_db_assignments(const db_options&, const db_assignments&) { no_database_support(); }
csv_result read_model_db(const model&, const db_options&, std::span<const field>, const std::vector<std::string>&,
                         const std::vector<std::string>&, db_increment&) {
    no_database_support();
}
void write_db_scores(const db_options&, const db_scores&, const std::optional<timestamp>&) { no_database_support(); }

#endif

} // namespace leadscore::cli
