#include "database.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/config.hpp"
#include "leadscore/qualification/policy.hpp"

#ifdef LEADSCORE_CLI_SQL
#include "leadscore/sql/database.hpp"
#endif

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>

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
    app.add_option("--db-timezone", o.time_zone,
                   "With --db: the IANA zone (Europe/Berlin) of times stored without one — a PostgreSQL timestamp "
                   "or date, SQLite ISO-8601 text without an offset; UTC by default (see docs/databases.md)")
        ->type_name("ZONE");
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
                   "With --write-table: an incremental run, reading only the rows whose column COLUMN changed since "
                   "the last run's watermark (kept in the table leadscore_state)")
        ->type_name("COLUMN");
    app.add_option("--since-type", o.since_type,
                   "With --since: what COLUMN holds — timestamp (a time), integer (a bigint sequence or version "
                   "counter, compared exactly) or text (compared byte by byte)")
        ->check(CLI::IsMember({"timestamp", "integer", "text"}))
        ->capture_default_str();
    app.add_option("--overlap", o.overlap,
                   "With --since: read again the rows this far below the watermark, for rows committed late: a "
                   "duration for a timestamp (30s, 15m, 1h, 2d; default 1h), a count for an integer (required), "
                   "none for a text");
    app.add_flag("--full", o.full, "With --since: read every row (a periodic complete run) and set the watermark");
}

void check_data_source(const std::string& data_file, const db_options& o, std::string_view data_name) {
    if (data_file.empty() == o.url.empty()) throw usage_error("give either " + std::string(data_name) + " or --db");
    if (o.active() && o.table.empty() == o.query.empty()) throw usage_error("--db needs either --table or --query");
    if (!o.active() && (!o.table.empty() || !o.query.empty() || !o.write_table.empty()))
        throw usage_error("--table, --query and --write-table need --db");
    if (!o.since.empty() && o.write_table.empty()) throw usage_error("--since needs --write-table (the watermark is kept per scores table)");
    if (o.since.empty() && o.full) throw usage_error("--full needs --since");
    if (o.since.empty() && (!o.overlap.empty() || o.since_type != "timestamp"))
        throw usage_error("--overlap and --since-type need --since");
    if (!o.active() && !o.time_zone.empty()) throw usage_error("--db-timezone needs --db");
}

namespace {
std::string db_watermark_text(const db_watermark& v) {
    if (const auto* t = std::get_if<timestamp>(&v)) return format_timestamp(*t, false);
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return "'" + std::get<std::string>(v) + "'";
}
} // namespace

std::string db_increment_line(const db_options& o, const db_increment& increment, std::size_t rows) {
    std::string line = "incremental: ";
    if (increment.from)
        line += "rows changed since " + db_watermark_text(*increment.from) + " (the watermark " +
                db_watermark_text(*increment.previous) +
                (o.overlap.empty() && o.since_type == "text" ? ")" : " less the overlap " + (o.overlap.empty() ? "1h" : o.overlap) + ")");
    else
        line += std::string("every row (") + (o.full ? "--full" : "no watermark yet") + ")";
    return line + ", " + std::to_string(rows) + " read; watermark now " +
           (increment.next ? db_watermark_text(*increment.next) : std::string("none"));
}



std::vector<std::string_view> qualify_scored(const std::string& config_file, const table_view& rows,
                                             std::span<const double> scores, std::span<const std::string_view> bands,
                                             timestamp as_of) {
    config_options co;
    co.load_model = [](const model_reference& ref) { return load_model(ref.resolved).policy; };
    const configuration config = load_config_file(config_file, co);
    std::vector<rating> ratings(scores.size());
    for (std::size_t r = 0; r < ratings.size(); ++r)
        ratings[r].level = parse_temperature(bands[r]).value_or(temperature::unknown);
    batch_options options;
    options.as_of = as_of;
    const auto places = qualify_batch(config.qualification, qualification_input{rows, scores, ratings}, options);
    std::vector<std::string_view> out;
    out.reserve(places.size());
    for (const auto& q : places) out.push_back(q.stage < 0 ? std::string_view() : to_string(q.category));
    return out;
}


#ifdef LEADSCORE_CLI_SQL

std::string db_name(const db_options& o) { return sql::redact(o.url); }

namespace {

/// The database of --db, reading times without a zone in --db-timezone.
std::unique_ptr<sql::database> open_db(const db_options& o) {
    return sql::open_database(o.url, {.time_zone = o.time_zone});
}

} // namespace

std::string db_source_name(const db_options& o) {
    return db_name(o) + ", " + sql::source{.table = o.table, .query = o.query}.describe();
}

lead_table read_db(const db_options& o, const std::vector<std::string>& missing,
                   const std::vector<std::string>& text_columns, const std::optional<schema>& fields) {
    const auto db = open_db(o);
    return db->read({.table = o.table, .query = o.query},
                    {.fields = fields, .text_columns = text_columns, .missing_texts = missing});
}

void write_db_assignments(const db_options& o, const db_assignments& a) {
    const auto db = open_db(o);
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

/// An integer watermark's --overlap: a count of the column's units; error otherwise.
std::int64_t overlap_count(const std::string& text) {
    long long n = -1;
    std::size_t used = 0;
    try {
        n = std::stoll(text, &used);
    } catch (const std::exception&) {
    }
    if (n < 0 || used != text.size())
        throw error("--overlap '" + text + "': expected a count of the integer column's units (0, 1000)");
    return n;
}

sql::watermark_kind since_kind(const db_options& o) {
    return o.since_type == "integer" ? sql::watermark_kind::integer
           : o.since_type == "text"  ? sql::watermark_kind::text
                                     : sql::watermark_kind::timestamp;
}

/// Where an incremental run starts reading: the watermark less --overlap — a duration for a time, a count of the
/// column's units for an integer (required: how far late commits reach depends on how the column is filled), none
/// for a text (texts have no distance).
db_watermark since_start(const db_options& o, const db_watermark& previous) {
    if (const auto* t = std::get_if<timestamp>(&previous))
        return from_seconds(to_seconds(*t) - overlap_seconds(o.overlap.empty() ? "1h" : o.overlap));
    if (const auto* i = std::get_if<std::int64_t>(&previous)) {
        const std::int64_t n = overlap_count(o.overlap);
        return *i < std::numeric_limits<std::int64_t>::min() + n ? std::numeric_limits<std::int64_t>::min() : *i - n;
    }
    return previous;
}

/// Refuses an --overlap that does not fit the kind, before anything is read.
void check_overlap(const db_options& o, sql::watermark_kind kind) {
    if (kind == sql::watermark_kind::integer && o.overlap.empty())
        throw error("--since-type integer needs --overlap N: how many values below the watermark to read again for "
                    "rows committed late (0 when " + o.since + " grows in commit order; see docs/databases.md)");
    if (kind == sql::watermark_kind::text && !o.overlap.empty())
        throw error("--overlap cannot be given with --since-type text: texts have no distance (rows at the watermark "
                    "itself are read again)");
    if (kind == sql::watermark_kind::timestamp && !o.overlap.empty()) (void)overlap_seconds(o.overlap);
    if (kind == sql::watermark_kind::integer) (void)overlap_count(o.overlap);
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

/// The field of an integer or text watermark column: exact text unless the model reads it, then it must be numeric
/// (an integer) or categorical (a text) there.
void add_db_exact_since_field(schema& s, std::vector<std::string>& text_columns, const db_options& o,
                              sql::watermark_kind kind) {
    const field_type wanted = kind == sql::watermark_kind::integer ? field_type::numeric : field_type::categorical;
    if (const auto at = s.find(o.since)) {
        if (s[*at].type != wanted)
            throw error("--since " + o.since + " is a " + std::string(to_string(s[*at].type)) + " field of the model: "
                        "a watermark column of --since-type " + o.since_type + " must be " +
                        std::string(to_string(wanted)) + " there");
        return;
    }
    s.add({o.since, field_type::categorical, field_role::none});
    text_columns.push_back(o.since);
}

} // namespace
namespace {

/// The latest value of the watermark column (column `col` of `t`) by the kind's order, or `start`. Throws error for
/// an integer column's value that is not one (or, read by the model as a number, beyond 2^53, where doubles skip).
std::optional<db_watermark> db_latest(const lead_table& t, std::size_t col, const db_options& o,
                                      std::optional<db_watermark> start) {
    const auto better = [&](const db_watermark& v) {
        if (!start || *start < v) start = v; // one kind: the variant compares its values
    };
    const auto type = t.table_schema()[col].type;
    if (type == field_type::timestamp) {
        for (const auto v : t.timestamps(col))
            if (v != missing_time) better(from_seconds(v));
    } else if (type == field_type::numeric) { // an integer column the model reads as a number
        for (const double v : t.numeric(col)) {
            if (std::isnan(v)) continue;
            if (v != std::floor(v) || std::abs(v) > 9007199254740992.0)
                throw error("--since " + o.since + ": value " + format_number(v) + " is not an integer a double holds "
                            "exactly; give a watermark column the model does not read");
            better(static_cast<std::int64_t>(v));
        }
    } else { // exact text: every value of the column is in its dictionary
        const dictionary& dict = t.dict(col);
        for (std::int32_t code = 0; code < static_cast<std::int32_t>(dict.size()); ++code) {
            const std::string_view text = dict[code];
            if (o.since_type == "text") {
                better(std::string(text));
                continue;
            }
            std::int64_t i = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
            if (ec != std::errc() || ptr != text.data() + text.size())
                throw error("--since " + o.since + ": value '" + std::string(text) + "' is not an integer (a signed "
                            "64-bit one); is --since-type right?");
            better(i);
        }
    }
    return start;
}

/// The job's watermark before this run: none for --full, and an error when it is of another kind than --since-type.
std::optional<db_watermark> db_previous(sql::database& db, const db_options& o, sql::watermark_kind kind) {
    if (o.full) return std::nullopt;
    auto previous = db.read_watermark(o.write_table);
    const auto a_kind = [](sql::watermark_kind k) {
        return (k == sql::watermark_kind::integer ? "an " : "a ") + std::string(sql::to_string(k));
    };
    if (previous && sql::kind_of(*previous) != kind)
        throw error("the watermark of job '" + o.write_table + "' in table " + std::string(sql::state_table) + " is " +
                    a_kind(sql::kind_of(*previous)) + " (" + sql::to_string(*previous) + "), not " + a_kind(kind) +
                    ": run once with --full to start the job again with --since " + o.since);
    return previous;
}

} // namespace

csv_result read_model_db(const model& m, const db_options& o, std::span<const field> extra,
                         const std::vector<std::string>& text_columns, const std::vector<std::string>& missing,
                         db_increment& increment) {
    schema s = m.fields;
    for (const auto& f : extra)
        if (!s.find(f.name)) s.add({f.name, f.type, field_role::none});
    std::vector<std::string> texts = text_columns;
    const auto kind = since_kind(o);
    if (!o.since.empty()) {
        check_overlap(o, kind);
        if (kind == sql::watermark_kind::timestamp) add_db_since_field(s, o.since);
        else add_db_exact_since_field(s, texts, o, kind);
    }
    std::vector<std::string> tokens = m.contract.missing_tokens;
    for (const auto& t : missing)
        if (std::find(tokens.begin(), tokens.end(), t) == tokens.end()) tokens.push_back(t);
    const auto db = open_db(o);
    sql::source what{.table = o.table, .query = o.query};
    if (!o.since.empty()) increment.previous = db_previous(*db, o, kind);
    if (increment.previous) {
        increment.from = since_start(o, *increment.previous);
        what.since = sql::since_filter{o.since, *increment.from};
    }
    lead_table t = db->read(what, {.fields = std::move(s), .only_fields = true, .text_columns = std::move(texts),
                                   .missing_texts = std::move(tokens)});
    if (!o.since.empty()) increment.next = db_latest(t, t.table_schema().at(o.since), o, increment.previous);
    const std::size_t rows = t.rows();
    return {add_constant_fields(m, std::move(t)), {}, rows};
}

void write_db_scores(const db_options& o, const db_scores& s, const std::optional<db_watermark>& next) {
    const auto db = open_db(o);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    sql::scores_batch batch{.lead_ids = s.ids, .scores = s.scores, .probabilities = s.probabilities,
                            .temperatures = s.temperatures, .qualifications = s.qualifications,
                            .model_id = s.model_id, .scored_at = now};
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
void write_db_scores(const db_options&, const db_scores&, const std::optional<db_watermark>&) { no_database_support(); }

#endif

} // namespace leadscore::cli
