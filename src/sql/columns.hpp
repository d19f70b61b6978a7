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
#include <variant>
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

/// The texts of one categorical column while it is read, coded in first-seen order exactly as dictionary::intern
/// codes them. Its index keeps each text's hash beside the code, so a new text (an id column brings a million) is
/// told from the others without reading their bytes, and growing the index rehashes no text. take() hands the
/// texts over as a dictionary equal to the one interning them in order would give.
class column_texts {
public:
    /// The text's code, added when new.
    std::int32_t intern(std::string_view v);
    /// The code of integer `i`, whose text is `v` (std::to_chars' form), added when new. Integers that only ever rise
    /// (ids read in key order) are distinct by construction: they skip the index until one does not rise.
    std::int32_t intern_integer(std::int64_t i, std::string_view v);
    /// The text of a code below size().
    [[nodiscard]] std::string_view operator[](std::int32_t code) const noexcept {
        const auto c = static_cast<std::size_t>(code);
        return std::string_view(text_).substr(offsets_[c], offsets_[c + 1] - offsets_[c]);
    }
    /// Number of distinct texts.
    [[nodiscard]] std::size_t size() const noexcept { return offsets_.size() - 1; }
    /// The texts as a dictionary; leaves this empty.
    [[nodiscard]] dictionary take();

private:
    void grow();
    /// Indexes every text so far (when the rising integers end).
    void index_all();
    /// Appends a new text; its code.
    std::int32_t append(std::string_view v);

    bool rising_ = true;  // every text so far came from intern_integer, each integer above the one before
    std::int64_t last_ = 0; // the last of them
    std::string text_;
    std::vector<std::uint32_t> offsets_{0}; // text i is text_[offsets_[i], offsets_[i + 1])
    std::vector<std::uint64_t> slots_;      // power of two: hash's high 32 bits << 32 | (code + 1); 0 = empty
};

/// The codes of recently seen texts of one categorical column, found by a cheap hash of the size and the first and
/// last eight bytes, which each entry keeps: a small vocabulary (the common case) then skips the full hash and probe,
/// and a text of up to 16 bytes is compared without reading the stored texts.
class recent_codes {
public:
    /// The text's code in `texts`, interned when new.
    std::int32_t intern(column_texts& texts, std::string_view v);

private:
    struct entry {
        std::uint64_t head = 0; // the first 8 bytes (fewer: zero-padded)
        std::uint64_t tail = 0; // the last 8 bytes of a text longer than 8
        std::uint32_t size = 0;
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
    bool add_integer(std::size_t c, std::int64_t v) {
        if (auto* n = std::get_if<numeric_column>(&columns_[slot_[c]]))
            return n->values.push_back(static_cast<double>(v)), true;
        return add_integer_other(c, v);
    }
    bool add_double(std::size_t c, double v) {
        if (auto* n = std::get_if<numeric_column>(&columns_[slot_[c]])) return n->values.push_back(v), true;
        return add_double_other(c, v);
    }
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
    // add_integer and add_double into a column that is not numeric (the numeric case, most values, is inline)
    bool add_integer_other(std::size_t c, std::int64_t v);
    bool add_double_other(std::size_t c, double v);
    [[nodiscard]] bool is_missing_text(std::string_view v) const;
    bool refuse(std::string reason);

    std::vector<column_plan> plan_;
    std::vector<std::string> missing_texts_;
    const time_zone* zone_ = nullptr;
    std::vector<std::size_t> slot_;  // per result column: its column in columns_
    std::vector<column_data> columns_;
    std::vector<recent_codes> recent_; // per column of columns_ (used by categorical ones)
    std::vector<column_texts> texts_;  // per column of columns_: a categorical one's texts, its dictionary at finish
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
