// SQLite: reading through one prepared statement, stepping row by row into the columns; writing as one transaction
// of prepared upserts.

#include "columns.hpp"
#include "connections.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace leadscore::sql::detail {

namespace {

/// A prepared statement, finalized when it goes.
class sqlite_statement {
public:
    sqlite_statement(sqlite3* db, std::string_view sql, const std::string& where) {
        if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
            throw error(where + ": " + sqlite3_errmsg(db));
    }
    ~sqlite_statement() { sqlite3_finalize(stmt_); }
    sqlite_statement(const sqlite_statement&) = delete;
    sqlite_statement& operator=(const sqlite_statement&) = delete;
    [[nodiscard]] sqlite3_stmt* get() const noexcept { return stmt_; }

private:
    sqlite3_stmt* stmt_ = nullptr;
};

/// The identifier in double quotes, quotes inside doubled (SQLite's own %w conversion).
std::string sqlite_identifier(std::string_view name) {
    const std::string text(name);
    char* quoted = sqlite3_mprintf("\"%w\"", text.c_str());
    if (!quoted) throw std::bad_alloc();
    std::string out(quoted);
    sqlite3_free(quoted);
    return out;
}

/// The field type a declared column type gives by SQLite's affinity rules (section 3.1 of its datatype page);
/// nullopt for no declared type or BLOB affinity (decided by the first value).
std::optional<field_type> sqlite_affinity_type(const char* declared) {
    if (!declared || !*declared) return std::nullopt;
    std::string d(declared);
    for (auto& ch : d)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    const auto has = [&](const char* word) { return d.find(word) != std::string::npos; };
    if (has("INT")) return field_type::numeric;
    if (has("CHAR") || has("CLOB") || has("TEXT")) return field_type::categorical;
    if (has("BLOB")) return std::nullopt;
    return field_type::numeric; // REAL and NUMERIC affinity
}

/// The type of an undecided column from its first value's storage class.
field_type sqlite_storage_type(int storage) {
    return storage == SQLITE_TEXT ? field_type::categorical : field_type::numeric;
}

/// leadscore_time(x): a watermark column's value as seconds since the epoch — integer seconds as they are, a time text
/// by parse_sql_time (without a zone: a local time of the connection's zone, the function's user data); NULL stays
/// NULL, anything else is an error naming the value.
void sqlite_time_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
    sqlite3_value* v = argv[0];
    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: return sqlite3_result_null(ctx);
    case SQLITE_INTEGER: return sqlite3_result_int64(ctx, sqlite3_value_int64(v));
    case SQLITE_TEXT: {
        const std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                                    static_cast<std::size_t>(sqlite3_value_bytes(v)));
        if (const auto t = sql_time_seconds(text, static_cast<const time_zone*>(sqlite3_user_data(ctx))))
            return sqlite3_result_int64(ctx, *t);
        const std::string why = "the watermark column's value " + quoted_value(text) + " is not an ISO-8601 time";
        return sqlite3_result_error(ctx, why.c_str(), static_cast<int>(why.size()));
    }
    default: {
        static constexpr char why[] = "the watermark column holds a value that is neither a time text nor integer seconds";
        return sqlite3_result_error(ctx, why, static_cast<int>(sizeof why - 1));
    }
    }
}

/// The statement that reads a source; with a since filter, ?1 is its value: seconds for a time (the column compared
/// through leadscore_time), an integer, or a text compared with the column's text byte by byte.
std::string sqlite_select(const source& what) {
    std::string sql = what.table.empty() ? "SELECT * FROM (" + std::string(trimmed_query(what.query)) + ") AS leadscore_q"
                                         : "SELECT * FROM " + sqlite_identifier(what.table);
    if (what.table.empty() && !what.since) return std::string(trimmed_query(what.query));
    if (what.since) {
        const std::string c = sqlite_identifier(what.since->column);
        switch (kind_of(what.since->from)) {
        case watermark_kind::timestamp: sql += " WHERE leadscore_time(" + c + ") >= ?1"; break;
        case watermark_kind::integer: sql += " WHERE " + c + " >= ?1"; break;
        case watermark_kind::text: sql += " WHERE CAST(" + c + " AS TEXT) COLLATE BINARY >= ?1"; break;
        }
    }
    return sql;
}

/// Binds a since filter's value to ?1.
void sqlite_bind_since(sqlite3_stmt* s, const watermark_value& from) {
    if (const auto* t = std::get_if<timestamp>(&from)) sqlite3_bind_int64(s, 1, to_seconds(*t));
    else if (const auto* i = std::get_if<std::int64_t>(&from)) sqlite3_bind_int64(s, 1, *i);
    else {
        const auto& text = std::get<std::string>(from);
        sqlite3_bind_text(s, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
}

class sqlite_database final : public database {
public:
    sqlite_database(const std::string& path, std::string name, const open_options& options) : name_(std::move(name)) {
        if (!options.time_zone.empty()) zone_ = time_zone::load(options.time_zone);
        // NOMUTEX: a connection is used by one thread at a time (see database), so SQLite's per-call locking is
        // only cost (a tenth of a read's time).
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (path == ":memory:" ? SQLITE_OPEN_CREATE : 0);
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw error(name_ + ": cannot open the database: " + why);
        }
        sqlite3_busy_timeout(db_, 10'000); // another writer's transaction: wait for it rather than fail at once
        // A double-quoted name that is no column must be an error, not a string literal (SQLite's legacy reading),
        // or a misspelled --since column would silently select nothing.
        sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
        sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
        sqlite3_create_function_v2(db_, "leadscore_time", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                   zone_ ? &*zone_ : nullptr, &sqlite_time_function, nullptr, nullptr, nullptr);
    }
    ~sqlite_database() override { sqlite3_close(db_); }

    lead_table read(const source& what, const read_options& options) override;
    void write_scores(std::string_view table, const scores_batch& batch) override;
    void write_assignments(std::string_view table, const assignments_batch& batch) override;
    std::optional<watermark_value> read_watermark(std::string_view job) override;
    [[nodiscard]] const std::string& name() const noexcept override { return name_; }

private:
    void exec(const char* sql, const std::string& where) {
        char* message = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string why = message ? message : sqlite3_errmsg(db_);
            sqlite3_free(message);
            throw error(where + ": " + why);
        }
    }
    void add_value(table_builder& b, sqlite3_stmt* stmt, int c, std::size_t row, const std::string& object);
    /// Checks the table (creating it when missing); whether it has the kind's optional column.
    bool check_keyed_table(std::string_view table, const keyed_table_kind& kind, const std::string& where);
    void upsert_rows(std::string_view table, const scores_batch& batch, bool with_class, const std::string& where);
    void upsert_assignments(std::string_view table, const assignments_batch& batch, const std::string& where);
    void write_watermark(const watermark& w, const std::string& where);

    sqlite3* db_ = nullptr;
    std::string name_;
    std::optional<time_zone> zone_; // of times without one (open_options::time_zone)
};

void sqlite_database::add_value(table_builder& b, sqlite3_stmt* stmt, int c, std::size_t row,
                                const std::string& object) {
    const auto col = static_cast<std::size_t>(c);
    const int storage = sqlite3_column_type(stmt, c);
    bool ok = true;
    switch (storage) {
    case SQLITE_NULL: b.add_null(col); break;
    case SQLITE_INTEGER: ok = b.add_integer(col, sqlite3_column_int64(stmt, c)); break;
    case SQLITE_FLOAT: ok = b.add_double(col, sqlite3_column_double(stmt, c)); break;
    case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        ok = b.add_text(col, std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
        break;
    }
    default: throw_value_error(name_, object, row, b.plan()[col].name, "a BLOB value cannot be read");
    }
    if (!ok) throw_value_error(name_, object, row, b.plan()[col].name, b.why());
}

lead_table sqlite_database::read(const source& what, const read_options& options) {
    if (what.table.empty() == what.query.empty()) throw error(name_ + ": give a table or a query, not both or neither");
    const std::string object = what.describe();
    sqlite_statement stmt(db_, sqlite_select(what), name_ + ", " + object);
    if (what.since) sqlite_bind_since(stmt.get(), what.since->from);
    const int n = sqlite3_column_count(stmt.get());
    if (n == 0) throw error(name_ + ", " + object + ": not a query that returns rows");
    std::vector<std::string> names;
    std::vector<std::optional<field_type>> native;
    for (int c = 0; c < n; ++c) {
        names.emplace_back(sqlite3_column_name(stmt.get(), c));
        native.push_back(sqlite_affinity_type(sqlite3_column_decltype(stmt.get(), c)));
    }
    table_builder b(plan_columns(names, native, options, name_ + ", " + object), options.missing_texts,
                    zone_ ? &*zone_ : nullptr);
    std::size_t row = 0;
    for (int rc; (rc = sqlite3_step(stmt.get())) != SQLITE_DONE;) {
        if (rc != SQLITE_ROW) throw error(name_ + ", " + object + ": " + sqlite3_errmsg(db_));
        ++row;
        for (int c = 0; c < n; ++c) {
            const auto col = static_cast<std::size_t>(c);
            if (b.plan()[col].skip) continue;
            // A column of no declared type (an expression) takes the storage class of its first present value; the
            // values before it are NULLs, which every type holds.
            if (!b.plan()[col].type && sqlite3_column_type(stmt.get(), c) != SQLITE_NULL) {
                const std::size_t nulls = row - 1;
                b.decide(col, sqlite_storage_type(sqlite3_column_type(stmt.get(), c)));
                for (std::size_t i = 0; i < nulls; ++i) b.add_null(col);
            }
            if (b.plan()[col].type) add_value(b, stmt.get(), c, row, object);
        }
    }
    // Columns still undecided hold only NULLs: categorical, with every row missing.
    for (std::size_t col = 0; col < b.plan().size(); ++col)
        if (!b.plan()[col].skip && !b.plan()[col].type) {
            b.decide(col, field_type::categorical);
            for (std::size_t i = 0; i < row; ++i) b.add_null(col);
        }
    return b.finish();
}

bool sqlite_database::check_keyed_table(std::string_view table, const keyed_table_kind& kind,
                                        const std::string& where) {
    sqlite_statement info(db_, "SELECT name, pk FROM pragma_table_info(?1)", where);
    sqlite3_bind_text(info.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
    std::vector<std::string> columns;
    std::vector<std::string> keys;
    while (sqlite3_step(info.get()) == SQLITE_ROW) {
        columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 0)));
        if (sqlite3_column_int(info.get(), 1) > 0) keys.push_back(columns.back());
    }
    if (columns.empty()) {
        const std::string create = "CREATE TABLE " + sqlite_identifier(table) + " (" + std::string(kind.sqlite_create) + ")";
        exec(create.c_str(), where + ": cannot create the " + std::string(kind.what) + " table");
        return !kind.optional_column.empty();
    }
    const std::string what(kind.what);
    const std::string article = what.front() == 'a' ? "an " : "a ";
    for (const auto column : kind.columns)
        if (std::find(columns.begin(), columns.end(), column) == columns.end())
            throw error(where + ": the " + what + " table has no column '" + std::string(column) + "' (" + article +
                            what +
                        " table has " + column_list(kind) + ")");
    const bool has_optional = !kind.optional_column.empty() &&
                              std::find(columns.begin(), columns.end(), kind.optional_column) != columns.end();
    if (keys.size() == 1 && keys.front() == "lead_id") return has_optional;
    sqlite_statement unique(db_,
                            "SELECT count(*) FROM pragma_index_list(?1) AS il WHERE il.\"unique\" = 1 AND "
                            "(SELECT count(*) FROM pragma_index_info(il.name)) = 1 AND "
                            "(SELECT name FROM pragma_index_info(il.name)) = 'lead_id'",
                            where);
    sqlite3_bind_text(unique.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
    if (sqlite3_step(unique.get()) != SQLITE_ROW || sqlite3_column_int(unique.get(), 0) == 0)
        throw error(where + ": column lead_id of the " + what + " table is neither its primary key nor unique");
    return has_optional;
}

void sqlite_database::upsert_rows(std::string_view table, const scores_batch& batch, bool with_class,
                                  const std::string& where) {
    const std::string sql = "INSERT INTO " + sqlite_identifier(table) + " (" + column_list(scores_kind, with_class) +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6" + (with_class ? ", ?7" : "") +
                            ") ON CONFLICT (lead_id) DO UPDATE SET score = excluded.score, probability = "
                            "excluded.probability, temperature = excluded.temperature, model_id = excluded.model_id, "
                            "scored_at = excluded.scored_at" +
                            (with_class ? ", qualification = excluded.qualification" : "");
    sqlite_statement insert(db_, sql, where);
    sqlite3_stmt* s = insert.get();
    const std::string scored_at = format_timestamp(batch.scored_at, false);
    sqlite3_bind_text(s, 5, batch.model_id.data(), static_cast<int>(batch.model_id.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 6, scored_at.data(), static_cast<int>(scored_at.size()), SQLITE_STATIC);
    const auto bind_number = [s](int i, double v) {
        if (std::isnan(v)) sqlite3_bind_null(s, i);
        else sqlite3_bind_double(s, i, v);
    };
    for (std::size_t r = 0; r < batch.lead_ids.size(); ++r) {
        const auto id = batch.lead_ids[r];
        sqlite3_bind_text(s, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        bind_number(2, batch.scores[r]);
        if (batch.probabilities.empty()) sqlite3_bind_null(s, 3);
        else bind_number(3, batch.probabilities[r]);
        const auto t = batch.temperatures.empty() ? std::string_view() : batch.temperatures[r];
        if (t.empty()) sqlite3_bind_null(s, 4);
        else sqlite3_bind_text(s, 4, t.data(), static_cast<int>(t.size()), SQLITE_STATIC);
        const auto q = batch.qualifications.empty() ? std::string_view() : batch.qualifications[r];
        if (with_class && q.empty()) sqlite3_bind_null(s, 7);
        else if (with_class) sqlite3_bind_text(s, 7, q.data(), static_cast<int>(q.size()), SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            throw error(where + ": cannot write the score of lead '" + std::string(id) + "': " + sqlite3_errmsg(db_) +
                        "; nothing was written");
        sqlite3_reset(s);
    }
}

void sqlite_database::write_scores(std::string_view table, const scores_batch& batch) {
    const std::string where = name_ + ", table \"" + std::string(table) + "\"";
    check_scores(name_, table, batch);
    exec("BEGIN IMMEDIATE", where + ": cannot start a transaction");
    try {
        const bool with_class = check_keyed_table(table, scores_kind, where);
        require_optional_column(where, table, scores_kind, with_class, !batch.qualifications.empty(), "TEXT");
        upsert_rows(table, batch, with_class, where);
        if (batch.advance) write_watermark(*batch.advance, where);
        exec("COMMIT", where + ": cannot commit");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); // nothing of this batch stays
        throw;
    }
}

void sqlite_database::upsert_assignments(std::string_view table, const assignments_batch& batch,
                                         const std::string& where) {
    const std::string sql = "INSERT INTO " + sqlite_identifier(table) +
                            " (lead_id, rep, team, reason, routed_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT "
                            "(lead_id) DO UPDATE SET rep = excluded.rep, team = excluded.team, reason = "
                            "excluded.reason, routed_at = excluded.routed_at";
    sqlite_statement insert(db_, sql, where);
    sqlite3_stmt* s = insert.get();
    const std::string routed_at = format_timestamp(batch.routed_at, false);
    sqlite3_bind_text(s, 5, routed_at.data(), static_cast<int>(routed_at.size()), SQLITE_STATIC);
    const auto bind_text = [s](int i, std::string_view v) {
        if (v.empty()) sqlite3_bind_null(s, i);
        else sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    for (std::size_t r = 0; r < batch.lead_ids.size(); ++r) {
        bind_text(1, batch.lead_ids[r]);
        bind_text(2, batch.reps[r]);
        bind_text(3, batch.teams[r]);
        bind_text(4, batch.reasons[r]);
        if (sqlite3_step(s) != SQLITE_DONE)
            throw error(where + ": cannot write the assignment of lead '" + std::string(batch.lead_ids[r]) +
                        "': " + sqlite3_errmsg(db_) + "; nothing was written");
        sqlite3_reset(s);
    }
}

void sqlite_database::write_assignments(std::string_view table, const assignments_batch& batch) {
    const std::string where = name_ + ", table \"" + std::string(table) + "\"";
    check_assignments(name_, table, batch);
    exec("BEGIN IMMEDIATE", where + ": cannot start a transaction");
    try {
        check_keyed_table(table, assignments_kind, where);
        upsert_assignments(table, batch, where);
        exec("COMMIT", where + ": cannot commit");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); // nothing of this batch stays
        throw;
    }
}

void sqlite_database::write_watermark(const watermark& w, const std::string& where) {
    const std::string table = sqlite_identifier(state_table);
    exec(("CREATE TABLE IF NOT EXISTS " + table + " (job TEXT PRIMARY KEY NOT NULL, watermark TEXT, watermark_integer "
          "INTEGER, watermark_text TEXT)").c_str(),
         where + ": cannot create the state table");
    sqlite_statement set(db_, "INSERT INTO " + table + " (job, watermark, watermark_integer, watermark_text) VALUES "
                         "(?1, ?2, ?3, ?4) ON CONFLICT (job) DO UPDATE SET watermark = excluded.watermark, "
                         "watermark_integer = excluded.watermark_integer, watermark_text = excluded.watermark_text",
                         where);
    sqlite3_stmt* s = set.get();
    sqlite3_bind_text(s, 1, w.job.data(), static_cast<int>(w.job.size()), SQLITE_STATIC);
    if (const auto* t = std::get_if<timestamp>(&w.value)) {
        const std::string value = format_timestamp(*t, false);
        sqlite3_bind_text(s, 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    } else if (const auto* i = std::get_if<std::int64_t>(&w.value)) {
        sqlite3_bind_int64(s, 3, *i);
    } else {
        const auto& text = std::get<std::string>(w.value);
        sqlite3_bind_text(s, 4, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    }
    if (sqlite3_step(s) != SQLITE_DONE)
        throw error(where + ": cannot write the watermark: " + sqlite3_errmsg(db_) + "; nothing was written");
}

std::optional<watermark_value> sqlite_database::read_watermark(std::string_view job) {
    const std::string where = name_ + ", table \"" + std::string(state_table) + "\"";
    sqlite_statement exists(db_, "SELECT count(*) FROM pragma_table_info(?1)", where);
    sqlite3_bind_text(exists.get(), 1, state_table.data(), static_cast<int>(state_table.size()), SQLITE_STATIC);
    if (sqlite3_step(exists.get()) != SQLITE_ROW || sqlite3_column_int(exists.get(), 0) == 0) return std::nullopt;
    sqlite_statement get(db_, "SELECT watermark, watermark_integer, watermark_text FROM " +
                                  sqlite_identifier(state_table) + " WHERE job = ?1", where);
    sqlite3_bind_text(get.get(), 1, job.data(), static_cast<int>(job.size()), SQLITE_STATIC);
    if (sqlite3_step(get.get()) != SQLITE_ROW) return std::nullopt;
    const auto text_of = [&](int c) {
        return std::string(reinterpret_cast<const char*>(sqlite3_column_text(get.get(), c)),
                           static_cast<std::size_t>(sqlite3_column_bytes(get.get(), c)));
    };
    if (sqlite3_column_type(get.get(), 1) == SQLITE_INTEGER) return sqlite3_column_int64(get.get(), 1);
    if (sqlite3_column_type(get.get(), 2) != SQLITE_NULL) return text_of(2);
    const std::string text = sqlite3_column_type(get.get(), 0) == SQLITE_NULL ? "NULL" : text_of(0);
    const auto t = parse_timestamp(text);
    if (!t) throw error(where + ": the watermark of job '" + std::string(job) + "' is not a time: '" + text + "'");
    return *t;
}

} // namespace

std::unique_ptr<database> open_sqlite(const std::string& path, std::string name, const open_options& options) {
    return std::make_unique<sqlite_database>(path, std::move(name), options);
}

} // namespace leadscore::sql::detail
