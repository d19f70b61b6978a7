// PostgreSQL: the connection, and reading a query's result through COPY … TO STDOUT (text format), row by row into
// the columns.

#include "postgres.hpp"

#include "columns.hpp"
#include "connections.hpp"

#include <charconv>
#include <cstdlib>
#include <vector>

namespace leadscore::sql::detail {

namespace {

/// How a PostgreSQL type's text form is read.
enum class pg_kind : std::uint8_t { boolean, integer, floating, text, date, time_stamp };

/// The kind of a built-in type by its OID (pg_type.dat); nullopt for any other.
std::optional<pg_kind> builtin_kind(Oid type) {
    switch (type) {
    case 16: return pg_kind::boolean;                                    // bool
    case 20: case 21: case 23: case 26: return pg_kind::integer;         // int8, int2, int4, oid
    case 700: case 701: case 1700: return pg_kind::floating;             // float4, float8, numeric
    case 18: case 19: case 25: case 1042: case 1043: case 2950: return pg_kind::text; // char, name, text, bpchar, varchar, uuid
    case 1082: return pg_kind::date;                                     // date
    case 1114: case 1184: return pg_kind::time_stamp;                    // timestamp, timestamptz
    default: return std::nullopt;
    }
}

field_type field_type_of(pg_kind k) {
    switch (k) {
    case pg_kind::boolean: return field_type::boolean;
    case pg_kind::integer: case pg_kind::floating: return field_type::numeric;
    case pg_kind::text: return field_type::categorical;
    case pg_kind::date: case pg_kind::time_stamp: return field_type::timestamp;
    }
    return field_type::categorical;
}

/// Undoes COPY's text-format escapes (backslash sequences) of one field into `out`.
void pg_unescape(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\\' || i + 1 == in.size()) {
            out += in[i];
            continue;
        }
        const char e = in[++i];
        switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        default:
            if (e >= '0' && e <= '7') {
                int v = e - '0';
                for (int k = 0; k < 2 && i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '7'; ++k)
                    v = v * 8 + (in[++i] - '0');
                out += static_cast<char>(v);
            } else {
                out += e; // \\ and any other character stand for themselves
            }
        }
    }
}

/// Adds one field's text (unescaped) of the given kind to result column c; false (with b.why()) when refused.
bool add_pg_value(table_builder& b, std::size_t c, pg_kind kind, std::string_view v) {
    switch (kind) {
    case pg_kind::boolean: return b.add_boolean(c, v == "t");
    case pg_kind::integer: {
        std::int64_t i = 0;
        const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), i);
        if (ec == std::errc() && ptr == v.data() + v.size()) return b.add_integer(c, i);
        return b.add_text(c, v); // an oid beyond int64 cannot happen; keep the text
    }
    case pg_kind::floating: {
        if (b.plan()[c].type == field_type::categorical) return b.add_text(c, v); // exact digits of a numeric
        double x = 0;
        if (!parse_number_text(v, x)) return b.add_text(c, v);
        return b.add_double(c, x);
    }
    case pg_kind::text: return b.add_text(c, v);
    case pg_kind::date:
    case pg_kind::time_stamp: return b.add_time_text(c, v); // a date, or a timestamp without a zone: in the zone
    }
    return false;
}

} // namespace

postgres_database::postgres_database(const std::string& conninfo, std::string name, const open_options& options)
    : name_(std::move(name)) {
    if (!options.time_zone.empty()) zone_ = time_zone::load(options.time_zone);
    conn_ = PQconnectdb(conninfo.c_str());
    if (!conn_) throw std::bad_alloc();
    if (PQstatus(conn_) != CONNECTION_OK) {
        const std::string why = message(nullptr);
        PQfinish(conn_);
        conn_ = nullptr;
        throw error(name_ + ": cannot connect: " + redact(why));
    }
    // The server's notices ("relation … already exists, skipping") are not the program's output.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    // Times in ISO form (timestamptz with its offset), doubles in their shortest exact form: what the readers
    // parse. The session's zone is the one of times without a zone, so the server's own conversions (a timestamp
    // column compared with a since filter's instant) agree with the reader's.
    const std::string zone = zone_ ? zone_->name() : "UTC";
    run("SELECT set_config('TimeZone', $1, false)", {zone.c_str()}, PGRES_TUPLES_OK, "session settings");
    run("SET DateStyle = 'ISO, YMD'", {}, PGRES_COMMAND_OK, "session settings");
    run("SET extra_float_digits = 3", {}, PGRES_COMMAND_OK, "session settings");
    run("SET client_encoding = 'UTF8'", {}, PGRES_COMMAND_OK, "session settings");
}

std::string postgres_database::message(const PGresult* r) const {
    // The server's primary message (without "ERROR:" and the echo of the statement), its detail after it.
    if (const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr) {
        std::string m = primary;
        if (const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL)) m += std::string(" (") + detail + ")";
        return m;
    }
    std::string m = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m.empty() ? "unknown error" : m;
}

std::string postgres_database::identifier(std::string_view name) const {
    char* quoted = PQescapeIdentifier(conn_, name.data(), name.size());
    if (!quoted) throw error(name_ + ": cannot quote the name '" + std::string(name) + "': " + message(nullptr));
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
}

pg_result postgres_database::run(const std::string& sql, std::initializer_list<const char*> params,
                                 ExecStatusType expected, const std::string& where) {
    std::vector<const char*> values(params);
    pg_result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, 0),
                &PQclear);
    if (!r || PQresultStatus(r.get()) != expected) throw error(name_ + ", " + where + ": " + message(r.get()));
    return r;
}

namespace {

/// Ends a COPY … TO STDOUT that is left early (an error in a row): the server is asked to cancel, the rest is
/// drained, so the connection can run the next statement.
void pg_abandon_copy(PGconn* conn) {
    if (PGcancel* cancel = PQgetCancel(conn)) {
        char buf[256];
        PQcancel(cancel, buf, sizeof buf);
        PQfreeCancel(cancel);
    }
    char* row = nullptr;
    while (PQgetCopyData(conn, &row, 0) > 0) PQfreemem(row);
    while (PGresult* r = PQgetResult(conn)) PQclear(r);
}

/// One COPY text row (its line break removed) into the columns.
void pg_add_row(table_builder& b, std::string_view line, std::span<const pg_kind> kinds, std::size_t row,
                std::string& scratch, const std::string& db, const std::string& object) {
    std::size_t at = 0;
    for (std::size_t c = 0; c < kinds.size(); ++c) {
        if (at > line.size()) throw_value_error(db, object, row, b.plan()[c].name, "the row has too few fields");
        std::size_t end = line.find('\t', at);
        if (end == std::string_view::npos) end = line.size();
        std::string_view v = line.substr(at, end - at);
        at = end + 1;
        if (b.plan()[c].skip) continue;
        if (v == "\\N") {
            b.add_null(c);
            continue;
        }
        if (v.find('\\') != std::string_view::npos) {
            pg_unescape(v, scratch);
            v = scratch;
        }
        if (!add_pg_value(b, c, kinds[c], v)) throw_value_error(db, object, row, b.plan()[c].name, b.why());
    }
}

} // namespace

std::string postgres_database::select_of(const source& what, const std::string& where) {
    std::string sql = what.table.empty() ? std::string(trimmed_query(what.query)) : "SELECT * FROM " + identifier(what.table);
    if (!what.since) return sql;
    const auto& from = what.since->from;
    const std::string value = std::holds_alternative<std::string>(from) ? std::get<std::string>(from)
                              : std::holds_alternative<timestamp>(from)
                                  ? std::to_string(to_seconds(std::get<timestamp>(from)))
                                  : std::to_string(std::get<std::int64_t>(from));
    run("SELECT set_config('leadscore.since', $1, false)", {value.c_str()}, PGRES_TUPLES_OK, where);
    const std::string column = "leadscore_q." + identifier(what.since->column);
    std::string test;
    switch (kind_of(from)) {
    case watermark_kind::timestamp: test = column + " >= to_timestamp(current_setting('leadscore.since')::bigint)"; break;
    case watermark_kind::integer: test = column + " >= current_setting('leadscore.since')::bigint"; break;
    case watermark_kind::text: test = "(" + column + ")::text COLLATE \"C\" >= current_setting('leadscore.since')"; break;
    }
    return "SELECT * FROM (" + sql + ") AS leadscore_q WHERE " + test;
}

lead_table postgres_database::read(const source& what, const read_options& options) {
    if (what.table.empty() == what.query.empty()) throw error(name_ + ": give a table or a query, not both or neither");
    const std::string object = what.describe();
    const std::string where = name_ + ", " + object;
    const std::string sql = select_of(what, object);
    pg_result prepared(PQprepare(conn_, "", sql.c_str(), 0, nullptr), &PQclear);
    if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) throw error(where + ": " + message(prepared.get()));
    pg_result described(PQdescribePrepared(conn_, ""), &PQclear);
    if (!described || PQresultStatus(described.get()) != PGRES_COMMAND_OK)
        throw error(where + ": " + message(described.get()));
    const int n = PQnfields(described.get());
    if (n == 0) throw error(where + ": not a query that returns rows");
    std::vector<std::string> names;
    std::vector<std::optional<pg_kind>> kinds;
    std::vector<std::optional<field_type>> native;
    std::vector<std::string> type_names(static_cast<std::size_t>(n)); // of the columns no kind reads
    for (int c = 0; c < n; ++c) {
        names.emplace_back(PQfname(described.get(), c));
        kinds.push_back(builtin_kind(PQftype(described.get(), c)));
        if (!kinds.back()) {
            const std::string oid = std::to_string(PQftype(described.get(), c));
            auto r = run("SELECT typtype = 'e', format_type(oid, NULL) FROM pg_type WHERE oid = $1::oid",
                         {oid.c_str()}, PGRES_TUPLES_OK, object);
            if (PQntuples(r.get()) == 1 && PQgetvalue(r.get(), 0, 0)[0] == 't') kinds.back() = pg_kind::text; // enum
            type_names[static_cast<std::size_t>(c)] = PQntuples(r.get()) == 1 ? PQgetvalue(r.get(), 0, 1) : oid;
        }
        native.push_back(kinds.back() ? std::optional(field_type_of(*kinds.back())) : std::nullopt);
    }
    table_builder b(plan_columns(names, native, options, where), options.missing_texts, zone_ ? &*zone_ : nullptr);
    std::vector<pg_kind> readable(kinds.size(), pg_kind::text);
    for (std::size_t c = 0; c < kinds.size(); ++c) {
        if (!b.plan()[c].skip && !kinds[c])
            throw input_error({where, 0, 0, names[c]}, "type " + type_names[c] + " cannot be read (cast it in the "
                                                      "query to text, a number, boolean or timestamptz)");
        if (kinds[c]) readable[c] = *kinds[c];
    }
    pg_result copy(PQexec(conn_, ("COPY (" + sql + ") TO STDOUT").c_str()), &PQclear);
    if (!copy || PQresultStatus(copy.get()) != PGRES_COPY_OUT) throw error(where + ": " + message(copy.get()));
    std::string scratch;
    std::size_t row = 0;
    try {
        for (;;) {
            char* line = nullptr;
            const int len = PQgetCopyData(conn_, &line, 0);
            if (len == -1) break;
            if (len < 0) throw error(where + ": " + message(nullptr));
            const std::unique_ptr<char, decltype(&PQfreemem)> owned(line, &PQfreemem);
            const std::size_t size = static_cast<std::size_t>(len) - (len > 0 && line[len - 1] == '\n');
            pg_add_row(b, std::string_view(line, size), readable, ++row, scratch, name_, object);
        }
    } catch (...) {
        pg_abandon_copy(conn_);
        throw;
    }
    pg_result done(PQgetResult(conn_), &PQclear);
    if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK) throw error(where + ": " + message(done.get()));
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    return b.finish();
}

std::unique_ptr<database> open_postgres(const std::string& conninfo, std::string name, const open_options& options) {
    return std::make_unique<postgres_database>(conninfo, std::move(name), options);
}

} // namespace leadscore::sql::detail
