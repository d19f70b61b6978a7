#pragma once
// Internal: the two connection kinds behind open_database, and what their writers share.

#include "leadscore/sql/database.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace leadscore::sql::detail {

/// An SQLite database file (or ":memory:"); `name` is how messages name it.
[[nodiscard]] std::unique_ptr<database> open_sqlite(const std::string& path, std::string name,
                                                    const open_options& options);
/// A PostgreSQL server through libpq; `name` is the redacted connection string.
[[nodiscard]] std::unique_ptr<database> open_postgres(const std::string& conninfo, std::string name,
                                                      const open_options& options);

/// Throws error naming `db` when the batch's spans differ in length, or a lead id is repeated (naming it and its
/// two rows). Runs before anything is written.
void check_scores(const std::string& db, std::string_view table, const scores_batch& batch);

/// As check_scores, for a batch of routing assignments.
void check_assignments(const std::string& db, std::string_view table, const assignments_batch& batch);

/// The names of a keyed table's columns and the column definitions it is created with, per database.
struct keyed_table_kind {
    std::string_view what;                   ///< "scores" or "assignments", as messages say it
    std::span<const std::string_view> columns; ///< lead_id first
    std::string_view sqlite_create;          ///< the column definitions of CREATE TABLE in SQLite
    std::string_view postgres_create;        ///< the same in PostgreSQL (both end with optional_column's)
    std::string_view optional_column;        ///< a column an existing table may lack ("" for none)
};

/// The scores table (score_columns) and the assignments table (assignment_columns).
extern const keyed_table_kind scores_kind;
extern const keyed_table_kind assignments_kind;

/// "lead_id, score, …": the kind's columns, comma-separated, and its optional column last when `with_optional`.
[[nodiscard]] std::string column_list(const keyed_table_kind& kind, bool with_optional = false);

/// Throws error (before anything is written) when a batch needs the kind's optional column and the existing table
/// lacks it: names the column and the statement that adds it.
void require_optional_column(const std::string& where, std::string_view table, const keyed_table_kind& kind,
                             bool has_it, bool needed, std::string_view type);

/// The query text without blanks and semicolons at its end (it is wrapped in COPY ( … ) or counted on).
[[nodiscard]] std::string_view trimmed_query(std::string_view query) noexcept;

} // namespace leadscore::sql::detail
