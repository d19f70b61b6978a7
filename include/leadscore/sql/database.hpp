#pragma once
// Leads where they live: a table or a query of SQLite or PostgreSQL read into a lead_table, and scores written back
// to a table keyed by lead id. Part of the optional target leadscore::sql (CMake option LEADSCORE_SQL); the core
// library has no database dependency.
//
//   auto db = sql::open_database("sqlite:crm.db");          // or "postgresql://crm@db/crm", "host=… dbname=…"
//   lead_table leads = db->read({.table = "crm_lead"}, {.text_columns = {"id"}});
//   … score …
//   db->write_scores("lead_scores", batch);                 // one transaction: all rows or none
//
// Column types come from the database unless read_options::fields gives them:
// - PostgreSQL: real, double precision, numeric, smallint, integer, bigint → numeric; text, varchar, char, name,
//   uuid and enum types → categorical; boolean → boolean; timestamptz, timestamp and date → timestamp (seconds,
//   UTC; fractions of a second are dropped; a timestamp without a zone, and a date at its midnight, is a local time
//   of open_options::time_zone, UTC unless it names another zone). Another type is an error naming the column and
//   the type.
// - SQLite (no boolean or timestamp type): by the column's declared affinity — INTEGER, REAL and NUMERIC → numeric,
//   TEXT → categorical; a column without a declared type (an expression of a query) by the storage class of its
//   first row's value. BLOB values cannot be read. A schema says which columns are booleans (0/1, true/false, yes/no)
//   or timestamps: integer seconds since the epoch, or ISO-8601 text — "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM:SS" with
//   an optional fraction (dropped) and zone ("Z", "+01:00", "-0500"); text without a zone is a local time of
//   open_options::time_zone (UTC by default), as in PostgreSQL.
// NULL is missing in every column. An id, or any column copied to an output, is read as exact text (text_columns):
// an integer key becomes its decimal digits and never passes through a double.
//
// Values reach the database only as parameters or COPY data; table names are quoted as identifiers by the client
// library's own rules (a name is one identifier: "a.b" names a table called a.b, not table b of schema a).

#include "leadscore/core/error.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"
#include "leadscore/core/time.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace leadscore::sql {

/// What a watermark column holds, and so how its values are compared (see since_filter).
enum class watermark_kind : std::uint8_t {
    timestamp, ///< a time: timestamptz, timestamp, date (in SQLite ISO-8601 text or integer seconds), compared as UTC instants
    integer,   ///< a signed 64-bit integer (a bigint sequence, a version counter), compared exactly, never as a double
    text,      ///< a text compared byte by byte (PostgreSQL's "C" collation, SQLite's BINARY), whatever the column's collation
};

/// "timestamp", "integer" or "text".
[[nodiscard]] std::string_view to_string(watermark_kind k) noexcept;

/// A watermark: a time, an integer or a text (the alternative is its kind).
using watermark_value = std::variant<timestamp, std::int64_t, std::string>;

/// The kind of a watermark value.
[[nodiscard]] watermark_kind kind_of(const watermark_value& v) noexcept;

/// A value as messages show it: "2024-03-01T09:30:00Z", "42", "'v0017'".
[[nodiscard]] std::string to_string(const watermark_value& v);

/// Rows changed since a watermark, by a column of theirs (a CRM's write_date, a version counter): what an incremental
/// run reads. The comparison follows the kind of `from`: a timestamp compares instants (a column of another time type
/// is converted: see open_options::time_zone), an integer compares the column as a bigint (a PostgreSQL column that is
/// no number is an error; in SQLite a text value is above every integer, so it is read, and the caller finds it is
/// not one), a text compares the column's text form (`column::text`, `CAST(column AS TEXT)`) byte by byte.
struct since_filter {
    std::string column;   ///< the watermark column, quoted as one identifier
    watermark_value from; ///< rows whose column is at or after this are read; rows where it is NULL are not
};

/// What to read: a table (or view) by name, or a query. Exactly one of the two is set.
struct source {
    std::string table; ///< a table or view name, quoted as one identifier
    std::string query; ///< a SELECT statement (no trailing semicolon needed)
    std::optional<since_filter> since; ///< when set, only the rows it selects (the time goes as a parameter)
    /// "table \"leads\"" or "query" (with its first words): how messages name the object read.
    [[nodiscard]] std::string describe() const;
};

/// How a source is read.
struct read_options {
    /// When set, each of these fields must be a column of the result and is read as the field's type (booleans and
    /// timestamps of SQLite, or any type override). Other columns are typed by the database (see the header comment).
    std::optional<schema> fields;
    /// With `fields`: columns of the result that `fields` lacks are skipped (the model reads only its own).
    bool only_fields = false;
    /// Columns read as exact text, categorical (an id, a column passed through to an output): integers as their
    /// decimal digits, text byte for byte, `missing_texts` not applied (NULL stays missing). A name the result
    /// lacks is passed over; one of `fields` must be categorical there (definition_error otherwise).
    std::vector<std::string> text_columns;
    /// Every column of the result that `fields` does not name is read as exact text, as if it were in text_columns
    /// (a reader that parses the texts itself, as the stage history reader does).
    bool all_text = false;
    /// Texts that also mean missing in every other column read from text (a model's data contract: "" and "NA"
    /// were missing in the CSV it was trained on). Empty by default: only NULL is missing.
    std::vector<std::string> missing_texts;
};

/// A job's watermark: the latest change its scores account for, kept in the state table (state_table) by job name.
struct watermark {
    std::string job;       ///< the job's name (the command line uses the scores table's name)
    watermark_value value; ///< the value up to which rows were read
};

/// The table that holds the watermarks, created by the first write that advances one: job (text, primary key) and
/// one column per kind, the one of the watermark's kind set and the others NULL — watermark (timestamptz; ISO-8601
/// text in SQLite), watermark_integer (bigint; INTEGER), watermark_text (text; TEXT). Each holds its value exactly.
inline constexpr std::string_view state_table = "leadscore_state";

/// One batch of scores to write back, one entry per lead in every span (a span may be empty: the column is NULL).
struct scores_batch {
    std::span<const std::string_view> lead_ids; ///< the keys, copied exactly; none empty, none repeated
    std::span<const double> scores;              ///< the score as the CSV output holds it; NaN is NULL
    std::span<const double> probabilities;       ///< the probability, or empty for a points model; NaN is NULL
    std::span<const std::string_view> temperatures; ///< "cold", "warm", "hot"; "" is NULL
    /// The lifecycle class (to_string(lifecycle): "suspect", "lead", "mql", "sql", "rejected", "nurture", "beyond")
    /// for the column qualification; "" is NULL. Empty: no classes — the column, when the table has it, is NULL.
    std::span<const std::string_view> qualifications;
    std::string model_id; ///< the model that scored them (a file name, a version): the same in every row
    timestamp scored_at;  ///< when they were scored: the same in every row
    /// When set, the job's watermark is set to this in the same transaction as the scores: both are written, or
    /// neither (a crashed run leaves the old watermark, so the next run reads the same rows again).
    std::optional<watermark> advance;
};

/// The columns a scores table must have, in this order: the table created for a name that does not exist has these
/// (lead_id text primary key, score and probability double precision (REAL in SQLite), temperature text, model_id
/// text, scored_at timestamptz (ISO-8601 text in SQLite)) and then qualification_column; an existing one must have
/// them all, with lead_id its primary key or a unique column. Other columns of an existing table are left as they are.
inline constexpr std::string_view score_columns[] = {"lead_id", "score", "probability", "temperature", "model_id",
                                                     "scored_at"};

/// The scores table's column of qualification classes (text), created with every new table. An existing table
/// without it takes batches without classes; a batch with classes is refused before anything is written, naming the
/// column and the ALTER TABLE statement that adds it: leadscore does not change the schema of a table it did not
/// create (a CRM's migrations own it). When the table has the column and a batch has no classes, the rows written
/// hold NULL there, so that no class of an earlier run stays next to a new score.
inline constexpr std::string_view qualification_column = "qualification";

/// One batch of routing assignments to write back (`leadscore route --write-table`), one entry per lead in every
/// span.
struct assignments_batch {
    std::span<const std::string_view> lead_ids; ///< the keys, copied exactly; none empty, none repeated
    std::span<const std::string_view> reps;     ///< the rep given the lead; "" (NULL) when none was
    std::span<const std::string_view> teams;    ///< the team (of the rep, or chosen by a rule); "" is NULL
    std::span<const std::string_view> reasons;  ///< why: the routing audit's reason
    timestamp routed_at;                        ///< the time of the run: the same in every row
};

/// The columns of an assignments table, in this order: the table created for a name that does not exist has exactly
/// these (lead_id text primary key, rep, team and reason text, routed_at timestamptz (ISO-8601 text in SQLite)); an
/// existing one must have them all, with lead_id its primary key or a unique column.
inline constexpr std::string_view assignment_columns[] = {"lead_id", "rep", "team", "reason", "routed_at"};

/// A connection to one database. Not thread-safe: one connection per thread (SQLite connections are opened without
/// SQLite's own locking).
///
/// Errors throw leadscore::error (input_error for a value that cannot be read, naming the object, the row and the
/// column) with a message that starts with the redacted connection name (see redact): a server that cannot be
/// reached, a wrong password, a missing table or column, a type that cannot be read, a duplicate key in the scores.
class database {
public:
    virtual ~database() = default;
    database() = default;
    database(const database&) = delete;            ///< a connection is not copied
    database& operator=(const database&) = delete; ///< a connection is not copied

    /// Reads every row of the source into a table, column by column in bounded extra memory (rows are streamed:
    /// a prepared statement in SQLite, COPY … TO STDOUT in PostgreSQL). Columns keep the result's order.
    [[nodiscard]] virtual lead_table read(const source& what, const read_options& options = {}) = 0;

    /// Upserts the batch into `table` (created with score_columns when missing) in one transaction: rows of these
    /// lead ids are inserted or replaced, other rows are untouched; on any failure nothing is written and the error
    /// says why. Throws error before writing for spans of unequal length, a repeated or empty lead id.
    virtual void write_scores(std::string_view table, const scores_batch& batch) = 0;

    /// Upserts the batch into `table` (created with assignment_columns when missing) in one transaction, as
    /// write_scores does: rows of these lead ids are inserted or replaced, other rows are untouched, nothing is
    /// written on a failure. Throws error before writing for spans of unequal length, a repeated or empty lead id.
    virtual void write_assignments(std::string_view table, const assignments_batch& batch) = 0;

    /// The job's watermark in state_table, of the kind it was written with; nullopt when the job has none (or there
    /// is no state table yet).
    [[nodiscard]] virtual std::optional<watermark_value> read_watermark(std::string_view job) = 0;

    /// The connection as messages name it, password removed ("sqlite:crm.db", "postgresql://crm@db/crm").
    [[nodiscard]] virtual const std::string& name() const noexcept = 0;
};

/// How a connection reads times.
struct open_options {
    /// The IANA zone (`Europe/Berlin`) of times stored without a zone: a PostgreSQL timestamp or date, SQLite ISO-8601
    /// text without an offset. Empty: UTC. Read from the system's tz database (/usr/share/zoneinfo, or $TZDIR), as
    /// PostgreSQL reads it; a PostgreSQL session also takes it as its TimeZone, so the server compares such columns in
    /// it too. A wall-clock time the clocks skipped (a DST gap: 02:30 on a spring-forward night) takes the offset in
    /// force before the change, so it reads as the time after the gap (03:30 summer time); a time that happened twice
    /// (the hour clocks are set back) is the later of the two instants. PostgreSQL resolves both so.
    std::string time_zone;
};

/// Opens a database from a URL: "sqlite:PATH" (an existing file: a missing one is an error, not a new empty
/// database; ":memory:" for a private in-memory one) or a PostgreSQL connection string as libpq takes it ("postgresql://…",
/// "postgres://…", or "key=value …"; passwords best come from ~/.pgpass or PGPASSWORD, TLS through sslmode).
/// Throws error naming the redacted URL when the connection fails, or naming the zone when it is not one.
[[nodiscard]] std::unique_ptr<database> open_database(std::string_view url, const open_options& options = {});

/// The URL with any password replaced by "***": the user-info password of a URL ("postgresql://u:***@h/d"),
/// "password=***" in a key=value string and in a URL's query parameters. Every message of this target uses it.
[[nodiscard]] std::string redact(std::string_view url);

} // namespace leadscore::sql
