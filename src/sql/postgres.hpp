#pragma once
// Internal: the PostgreSQL connection (libpq), shared by its reader (postgres.cpp) and writer (postgres_copy.cpp).

#include "connections.hpp"
#include "leadscore/sql/database.hpp"
#include "time_zone.hpp"

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

namespace leadscore::sql::detail {

/// A PGresult, cleared when it goes.
using pg_result = std::unique_ptr<PGresult, decltype(&PQclear)>;

/// One libpq connection; every message starts with the redacted connection string.
class postgres_database final : public database {
public:
    postgres_database(const std::string& conninfo, std::string name, const open_options& options);
    ~postgres_database() override { PQfinish(conn_); }

    lead_table read(const source& what, const read_options& options) override;
    void write_scores(std::string_view table, const scores_batch& batch) override;
    void write_assignments(std::string_view table, const assignments_batch& batch) override;
    std::optional<watermark_value> read_watermark(std::string_view job) override;
    [[nodiscard]] const std::string& name() const noexcept override { return name_; }

private:
    /// Runs a statement with text parameters; throws error "<name>, <where>: <server message>" unless it returns
    /// `expected`.
    pg_result run(const std::string& sql, std::initializer_list<const char*> params, ExecStatusType expected,
                  const std::string& where);
    /// The server's message for a failed result or connection, without its trailing line break.
    [[nodiscard]] std::string message(const PGresult* r) const;
    /// The name as an identifier in double quotes (libpq's PQescapeIdentifier).
    [[nodiscard]] std::string identifier(std::string_view name) const;

    /// Checks the keyed table (creating it when missing); whether it has the kind's optional column.
    bool check_keyed_table(const std::string& table, const keyed_table_kind& kind, const std::string& where);
    /// Makes the temporary table leadscore_incoming with the table's columns (`with_optional`: and the optional
    /// one), dropped at commit.
    void make_incoming(const std::string& table, const keyed_table_kind& kind, bool with_optional,
                       const std::string& where);
    /// Sends COPY leadscore_incoming FROM STDIN: `row(r, chunk)` appends row r's line.
    template <class AppendRow>
    void copy_incoming(std::size_t rows, AppendRow row, const std::string& where);
    /// Moves leadscore_incoming into the table (INSERT … ON CONFLICT (lead_id) DO UPDATE).
    void upsert_incoming(const std::string& table, const keyed_table_kind& kind, bool with_optional);
    void write_watermark(const watermark& w, const std::string& where);
    /// The SELECT that reads a source. A since filter's value is set as the session setting leadscore.since through
    /// a parameter (COPY takes none) and read back in the statement.
    [[nodiscard]] std::string select_of(const source& what, const std::string& where);

    PGconn* conn_ = nullptr;
    std::string name_;
    std::optional<time_zone> zone_; // of times without one (open_options::time_zone)
};

} // namespace leadscore::sql::detail
