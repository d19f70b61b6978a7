#pragma once
// Internal: the two connection kinds behind open_database, and what their writers share.

#include "leadscore/sql/database.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace leadscore::sql::detail {

/// An SQLite database file (or ":memory:"); `name` is how messages name it.
[[nodiscard]] std::unique_ptr<database> open_sqlite(const std::string& path, std::string name);
/// A PostgreSQL server through libpq; `name` is the redacted connection string.
[[nodiscard]] std::unique_ptr<database> open_postgres(const std::string& conninfo, std::string name);

/// Throws error naming `db` when the batch's spans differ in length, or a lead id is repeated (naming it and its
/// two rows). Runs before anything is written.
void check_scores(const std::string& db, std::string_view table, const scores_batch& batch);

/// The query text without blanks and semicolons at its end (it is wrapped in COPY ( … ) or counted on).
[[nodiscard]] std::string_view trimmed_query(std::string_view query) noexcept;

} // namespace leadscore::sql::detail
