#pragma once
// Internal: the columns of a query result built straight into a lead_table's column storage, value by value, for
// both databases. Each database decides a result column's field type (its own types, or the caller's schema) and
// hands over every value as the most exact form it has: NULL, an integer, a double, a boolean, seconds, or text.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/sql/database.hpp"
#include "time_zone.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::sql::detail {

/// How one column of a result is read.
struct column_plan {
    std::string name;                          ///< the result column's name
    std::optional<field_type> type;            ///< the field type; nullopt: decided from the first value (SQLite)
    field_role role = field_role::none;        ///< the role read_options::fields gives it
    bool exact_text = false;                   ///< a text column (read_options::text_columns)
    bool skip = false;                         ///< not read at all
};

/// The plan of each result column: `names` in result order, `native` the type the database gives each (nullopt when
/// it gives none). Applies read_options (fields, only_fields, text_columns); throws input_error naming `object` for
/// a field of options.fields the result lacks, definition_error for a text column given another type.
[[nodiscard]] std::vector<column_plan> plan_columns(std::span<const std::string> names,
                                                    std::span<const std::optional<field_type>> native,
                                                    const read_options& options, std::string_view object);

/// The codes of recently seen texts of one categorical column, found by a cheap hash of the size and the first and
/// last eight bytes: a small vocabulary (the common case) then skips the dictionary's full hash and probe.
class recent_codes {
public:
    /// The text's code in `dict`, interned when new.
    std::int32_t intern(dictionary& dict, std::string_view v);

private:
    struct entry {
        std::uint64_t key = 0;
        std::int32_t code = missing_code;
    };
    std::array<entry, 64> entries_{};
};

/// A lead_table filled row by row from values; the caller calls one add_* per planned column and row, in order.
/// Every add_* returns false (leaving the column as it was) for a value its type cannot hold; `why` then says why.
class table_builder {
public:
    /// A builder for the planned columns (skipped ones excluded), whose undecided types are set by decide(); times
    /// written without a zone are local times of `zone` (UTC when null; it must outlive the builder).
    table_builder(std::vector<column_plan> plan, std::vector<std::string> missing_texts,
                  const time_zone* zone = nullptr);

    /// The plan, in result order (skipped columns included).
    [[nodiscard]] const std::vector<column_plan>& plan() const noexcept { return plan_; }
    /// Sets the type of an undecided column (before its first value).
    void decide(std::size_t result_col, field_type t);

    /// @name Values of result column `c` (not a skipped one)
    /// @{
    void add_null(std::size_t c);
    bool add_integer(std::size_t c, std::int64_t v);
    bool add_double(std::size_t c, double v);
    bool add_boolean(std::size_t c, bool v);
    bool add_seconds(std::size_t c, std::int64_t seconds);
    bool add_text(std::size_t c, std::string_view v);
    /// A database's time text (see parse_sql_time) as add_seconds; a text that is no time goes to add_text.
    bool add_time_text(std::size_t c, std::string_view v);
    /// @}

    /// What the last refused value was and why ("text 'x' is not a number").
    [[nodiscard]] const std::string& why() const noexcept { return why_; }

    /// The table (call once, after the last row): its schema is the planned columns in result order.
    [[nodiscard]] lead_table finish();

private:
    [[nodiscard]] bool is_missing_text(std::string_view v) const;
    bool refuse(std::string reason);

    std::vector<column_plan> plan_;
    std::vector<std::string> missing_texts_;
    const time_zone* zone_ = nullptr;
    std::vector<std::size_t> slot_;  // per result column: its column in columns_
    std::vector<column_data> columns_;
    std::vector<recent_codes> recent_; // per column of columns_ (used by categorical ones)
    std::string why_;
};

/// A double as the shortest text that reads back to it ("0.1", "1e+300").
[[nodiscard]] std::string shortest_text(double v);

/// Reads a whole text as a finite or NaN double (from_chars' general format, no blanks); false otherwise.
[[nodiscard]] bool parse_number_text(std::string_view s, double& out) noexcept;

/// "'text'" for a message, cut after 40 bytes.
[[nodiscard]] std::string quoted_value(std::string_view s);

/// An input_error naming the database, the object, the row (1 = the first) and the column.
[[noreturn]] void throw_value_error(const std::string& db, std::string_view object, std::size_t row,
                                    std::string_view column, const std::string& reason);

} // namespace leadscore::sql::detail
