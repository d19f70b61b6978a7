// PostgreSQL: writing scores back. The batch goes by COPY into a temporary table, then one INSERT … ON CONFLICT moves
// it into the scores table; both inside one transaction, so a failure (or a killed process) leaves nothing written.

#include "postgres.hpp"

#include "columns.hpp"
#include "connections.hpp"

#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>

namespace leadscore::sql::detail {

namespace {

/// Appends a text to COPY's text format: backslash, tab, line breaks escaped.
void pg_append_copy_text(std::string& out, std::string_view v) {
    for (const char ch : v) {
        switch (ch) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += ch;
        }
    }
}

void pg_append_copy_number(std::string& out, double v) {
    if (std::isnan(v)) out += "\\N";
    else out += shortest_text(v);
}

} // namespace

bool postgres_database::check_keyed_table(const std::string& table, const keyed_table_kind& kind,
                                          const std::string& where) {
    const std::string quoted = identifier(table);
    const std::string what(kind.what);
    const std::string article = what.front() == 'a' ? "an " : "a ";
    auto columns = run("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT "
                       "attisdropped",
                       {quoted.c_str()}, PGRES_TUPLES_OK, where);
    if (PQntuples(columns.get()) == 0) {
        run("CREATE TABLE " + quoted + " (" + std::string(kind.postgres_create) + ")", {}, PGRES_COMMAND_OK,
            where + ": cannot create the " + what + " table");
        return !kind.optional_column.empty();
    }
    const auto has = [&](std::string_view column) {
        for (int r = 0; r < PQntuples(columns.get()); ++r)
            if (column == PQgetvalue(columns.get(), r, 0)) return true;
        return false;
    };
    for (const auto column : kind.columns)
        if (!has(column))
            throw error(where + ": the " + what + " table has no column '" + std::string(column) + "' (" + article +
                        what + " table has " + column_list(kind) + ")");
    auto unique = run("SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum "
                      "= i.indkey[0] WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnkeyatts = 1 "
                      "AND a.attname = 'lead_id'",
                      {quoted.c_str()}, PGRES_TUPLES_OK, where);
    if (std::string_view(PQgetvalue(unique.get(), 0, 0)) == "0")
        throw error(where + ": column lead_id of the " + what + " table is neither its primary key nor unique");
    return !kind.optional_column.empty() && has(kind.optional_column);
}

void postgres_database::make_incoming(const std::string& table, const keyed_table_kind& kind, bool with_optional,
                                      const std::string& where) {
    // The incoming rows take the table's own column types (a bigint lead_id stays one), without its constraints;
    // the temporary table goes at the end of the transaction.
    run("CREATE TEMPORARY TABLE leadscore_incoming ON COMMIT DROP AS SELECT " + column_list(kind, with_optional) +
            " FROM " + identifier(table) + " WITH NO DATA",
        {}, PGRES_COMMAND_OK, where);
}

template <class AppendRow>
void postgres_database::copy_incoming(std::size_t rows, AppendRow row, const std::string& where) {
    pg_result copy(PQexec(conn_, "COPY leadscore_incoming FROM STDIN"), &PQclear);
    if (!copy || PQresultStatus(copy.get()) != PGRES_COPY_IN) throw error(where + ": " + message(copy.get()));
    // A test hook: the process kills itself once the first chunk has reached the server, the moment a crash test
    // needs ("the COPY into the temporary table has begun").
    const bool kill_in_copy = std::getenv("LEADSCORE_TEST_KILL_IN_COPY") != nullptr;
    std::string chunk;
    const auto send = [&] {
        if (PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size())) != 1)
            throw error(where + ": " + message(nullptr));
        chunk.clear();
        if (kill_in_copy && PQflush(conn_) == 0) std::raise(SIGKILL);
    };
    for (std::size_t r = 0; r < rows; ++r) {
        row(r, chunk);
        if (chunk.size() >= (std::size_t{1} << 20)) send();
    }
    if (!chunk.empty()) send();
    if (PQputCopyEnd(conn_, nullptr) != 1) throw error(where + ": " + message(nullptr));
    pg_result done(PQgetResult(conn_), &PQclear);
    if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK) throw error(where + ": " + message(done.get()));
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
}

void postgres_database::upsert_incoming(const std::string& table, const keyed_table_kind& kind, bool with_optional) {
    const std::string columns = column_list(kind, with_optional);
    std::string set;
    for (const auto c : kind.columns)
        if (c != "lead_id") set += (set.empty() ? "" : ", ") + std::string(c) + " = EXCLUDED." + std::string(c);
    if (with_optional)
        set += ", " + std::string(kind.optional_column) + " = EXCLUDED." + std::string(kind.optional_column);
    run("INSERT INTO " + identifier(table) + " (" + columns + ") SELECT " + columns +
            " FROM leadscore_incoming ON CONFLICT (lead_id) DO UPDATE SET " + set,
        {}, PGRES_COMMAND_OK, "table \"" + table + "\": nothing was written");
}

void postgres_database::write_watermark(const watermark& w, const std::string& where) {
    const std::string table = identifier(state_table);
    run("CREATE TABLE IF NOT EXISTS " + table + " (job text PRIMARY KEY, watermark timestamptz, watermark_integer "
        "bigint, watermark_text text)", {}, PGRES_COMMAND_OK, where + ": cannot create the state table");
    // Each value goes as its exact text into a column of its own type: a bigint never passes through a double.
    const std::string value = std::holds_alternative<timestamp>(w.value)  ? format_timestamp(std::get<timestamp>(w.value), false)
                              : std::holds_alternative<std::int64_t>(w.value) ? std::to_string(std::get<std::int64_t>(w.value))
                                                                              : std::get<std::string>(w.value);
    const char* none = nullptr;
    const char* v = value.c_str();
    const auto kind = kind_of(w.value);
    run("INSERT INTO " + table + " (job, watermark, watermark_integer, watermark_text) VALUES ($1, $2::timestamptz, "
        "$3::bigint, $4) ON CONFLICT (job) DO UPDATE SET watermark = EXCLUDED.watermark, watermark_integer = "
        "EXCLUDED.watermark_integer, watermark_text = EXCLUDED.watermark_text",
        {w.job.c_str(), kind == watermark_kind::timestamp ? v : none, kind == watermark_kind::integer ? v : none,
         kind == watermark_kind::text ? v : none},
        PGRES_COMMAND_OK, where + ": nothing was written");
}

std::optional<watermark_value> postgres_database::read_watermark(std::string_view job) {
    const std::string where = "table \"" + std::string(state_table) + "\"";
    const std::string quoted = identifier(state_table);
    auto exists = run("SELECT to_regclass($1) IS NOT NULL", {quoted.c_str()}, PGRES_TUPLES_OK, where);
    if (PQgetvalue(exists.get(), 0, 0)[0] != 't') return std::nullopt;
    const std::string name(job);
    auto r = run("SELECT to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS'), watermark_integer, "
                 "watermark_text FROM " + quoted + " WHERE job = $1", {name.c_str()}, PGRES_TUPLES_OK, where);
    if (PQntuples(r.get()) == 0) return std::nullopt;
    if (!PQgetisnull(r.get(), 0, 1)) {
        std::int64_t i = 0;
        const std::string_view digits = PQgetvalue(r.get(), 0, 1);
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
        if (ec != std::errc() || ptr != digits.data() + digits.size())
            throw error(name_ + ", " + where + ": the watermark of job '" + name + "' is not an integer");
        return i;
    }
    if (!PQgetisnull(r.get(), 0, 2)) return std::string(PQgetvalue(r.get(), 0, 2));
    const auto t = PQgetisnull(r.get(), 0, 0) ? std::nullopt : parse_timestamp(PQgetvalue(r.get(), 0, 0));
    if (!t) throw error(name_ + ", " + where + ": the watermark of job '" + name + "' is not a time");
    return *t;
}

namespace {

/// A text cell of COPY's text format: "" is NULL.
void pg_append_copy_cell(std::string& out, std::string_view v) {
    if (v.empty()) out += "\\N";
    else pg_append_copy_text(out, v);
}

} // namespace

void postgres_database::write_scores(std::string_view table, const scores_batch& batch) {
    const std::string where = name_ + ", table \"" + std::string(table) + "\"";
    const std::string name(table);
    check_scores(name_, table, batch);
    run("BEGIN", {}, PGRES_COMMAND_OK, "table \"" + name + "\"");
    try {
        const bool with_class = check_keyed_table(name, scores_kind, "table \"" + name + "\"");
        require_optional_column(where, table, scores_kind, with_class, !batch.qualifications.empty(), "text");
        make_incoming(name, scores_kind, with_class, "table \"" + name + "\"");
        std::string tail = "\t";
        pg_append_copy_text(tail, batch.model_id);
        tail += '\t';
        tail += format_timestamp(batch.scored_at, false);
        copy_incoming(
            batch.lead_ids.size(),
            [&](std::size_t r, std::string& chunk) {
                pg_append_copy_text(chunk, batch.lead_ids[r]);
                chunk += '\t';
                pg_append_copy_number(chunk, batch.scores[r]);
                chunk += '\t';
                pg_append_copy_number(chunk, batch.probabilities.empty() ? NAN : batch.probabilities[r]);
                chunk += '\t';
                pg_append_copy_cell(chunk, batch.temperatures.empty() ? std::string_view() : batch.temperatures[r]);
                chunk += tail;
                if (with_class) {
                    chunk += '\t';
                    pg_append_copy_cell(chunk, batch.qualifications.empty() ? std::string_view() : batch.qualifications[r]);
                }
                chunk += '\n';
            },
            where);
        if (batch.advance) write_watermark(*batch.advance, "table \"" + std::string(state_table) + "\"");
        upsert_incoming(name, scores_kind, with_class);
        run("COMMIT", {}, PGRES_COMMAND_OK, "table \"" + name + "\": nothing was written");
    } catch (...) {
        PQclear(PQexec(conn_, "ROLLBACK")); // nothing of this batch stays
        throw;
    }
}

void postgres_database::write_assignments(std::string_view table, const assignments_batch& batch) {
    const std::string where = name_ + ", table \"" + std::string(table) + "\"";
    const std::string name(table);
    check_assignments(name_, table, batch);
    run("BEGIN", {}, PGRES_COMMAND_OK, "table \"" + name + "\"");
    try {
        check_keyed_table(name, assignments_kind, "table \"" + name + "\"");
        make_incoming(name, assignments_kind, false, "table \"" + name + "\"");
        const std::string tail = "\t" + format_timestamp(batch.routed_at, false) + "\n";
        copy_incoming(
            batch.lead_ids.size(),
            [&](std::size_t r, std::string& chunk) {
                pg_append_copy_text(chunk, batch.lead_ids[r]);
                for (const auto v : {batch.reps[r], batch.teams[r], batch.reasons[r]}) {
                    chunk += '\t';
                    pg_append_copy_cell(chunk, v);
                }
                chunk += tail;
            },
            where);
        upsert_incoming(name, assignments_kind, false);
        run("COMMIT", {}, PGRES_COMMAND_OK, "table \"" + name + "\": nothing was written");
    } catch (...) {
        PQclear(PQexec(conn_, "ROLLBACK")); // nothing of this batch stays
        throw;
    }
}

} // namespace leadscore::sql::detail
