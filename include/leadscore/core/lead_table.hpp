#pragma once
// Many leads, column by column: the unit of batch work.
//
// numeric columns are contiguous doubles (NaN = missing); categorical columns are int32 codes (missing_code = -1)
// into a per-column dictionary; boolean columns are int8 (0, 1, missing_flag = -1); timestamp columns are int64
// seconds (missing_time). Engagement events of all leads sit in one flat array, each lead's run sorted by time,
// with offsets per lead (CSR): lead r's events are events[offsets[r], offsets[r+1]).
//
// lead_table owns its columns; table_view borrows them — from a lead_table, or straight from a CRM's own arrays.

#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/lead.hpp"
#include "leadscore/core/schema.hpp"

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

namespace leadscore {

inline constexpr std::int8_t missing_flag = -1;

/// One engagement event in a table: time in seconds, codes into the table's event-type and detail dictionaries.
struct event_record {
    std::int64_t time = 0;
    std::int32_t type = 0;
    std::int32_t detail = missing_code;
    friend bool operator==(const event_record&, const event_record&) = default;
};

/// A non-owning view of a table's columns. Cheap to copy. Column accessors check the field's type.
class table_view {
public:
    table_view() = default;
    /// A view of `rows` rows of the given schema with no columns bound yet; bind each with the set_* members.
    /// The schema must outlive the view.
    table_view(const schema& s, std::size_t rows);

    // Binding a CRM's arrays without copying. Each throws definition_error on a type or length mismatch.
    void set_numeric(std::size_t col, std::span<const double> values);
    void set_categorical(std::size_t col, std::span<const std::int32_t> codes, const dictionary& dict);
    void set_boolean(std::size_t col, std::span<const std::int8_t> values);
    void set_timestamp(std::size_t col, std::span<const std::int64_t> seconds);
    /// offsets has rows + 1 entries into events, non-decreasing, offsets.back() <= events.size().
    void set_events(std::span<const event_record> events, std::span<const std::uint64_t> offsets,
                    const dictionary& types, const dictionary& details);

    [[nodiscard]] const leadscore::schema& table_schema() const noexcept { return *schema_; }
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

    // Column access. Throws definition_error if the field has another type or was never bound.
    [[nodiscard]] std::span<const double> numeric(std::size_t col) const;
    [[nodiscard]] std::span<const std::int32_t> codes(std::size_t col) const;
    [[nodiscard]] const dictionary& dict(std::size_t col) const;
    [[nodiscard]] std::span<const std::int8_t> booleans(std::size_t col) const;
    [[nodiscard]] std::span<const std::int64_t> timestamps(std::size_t col) const;

    [[nodiscard]] bool has_events() const noexcept { return event_types_ != nullptr; }
    /// The events of one row, sorted by time. Empty when the view carries no events.
    [[nodiscard]] std::span<const event_record> events_of(std::size_t row) const;
    [[nodiscard]] std::span<const std::uint64_t> event_offsets() const noexcept { return offsets_; }
    [[nodiscard]] std::span<const event_record> all_events() const noexcept { return events_; }
    [[nodiscard]] const dictionary& event_types() const;
    [[nodiscard]] const dictionary& event_details() const;

    /// Rows [begin, end) as a view of their own (the batch engine's blocks).
    [[nodiscard]] table_view rows_between(std::size_t begin, std::size_t end) const;

private:
    friend class extended_view; // takes over a view's bindings, bound or not, under a wider schema

    struct column {
        const void* data = nullptr;
        const dictionary* dict = nullptr;
    };
    [[nodiscard]] const column& bound(std::size_t col, field_type t) const;
    void check_bind(std::size_t col, field_type t, std::size_t n) const;

    const leadscore::schema* schema_ = nullptr;
    std::size_t rows_ = 0;
    std::vector<column> columns_;
    std::span<const event_record> events_;
    std::span<const std::uint64_t> offsets_;
    const dictionary* event_types_ = nullptr;
    const dictionary* event_details_ = nullptr;
};

struct numeric_column { std::vector<double> values; };
struct categorical_column { std::vector<std::int32_t> codes; dictionary dict; };
struct boolean_column { std::vector<std::int8_t> values; };
struct timestamp_column { std::vector<std::int64_t> values; };
using column_data = std::variant<numeric_column, categorical_column, boolean_column, timestamp_column>;

/// An owning, columnar table of leads.
class lead_table {
public:
    /// An empty table with the given fields.
    explicit lead_table(leadscore::schema s);

    /// Leads as a table with schema::for_leads plus one field per attribute name (in name order), typed by the
    /// attribute values. Throws definition_error when one attribute has values of different types.
    [[nodiscard]] static lead_table from_leads(std::span<const lead> leads);
    /// Leads as a table of the given schema. Role fields take the lead's members; other fields take the attribute
    /// of the same name. Throws definition_error for an attribute the schema lacks or of another type.
    [[nodiscard]] static lead_table from_leads(std::span<const lead> leads, leadscore::schema s);

    /// Back to lead objects: role fields fill the members, every other field becomes an attribute (missing
    /// values are left out). Throws input_error naming row and field for a value a lead cannot hold (an unknown
    /// party kind, a negative or fractional timeframe).
    [[nodiscard]] std::vector<lead> to_leads() const;
    [[nodiscard]] lead lead_at(std::size_t row) const;

    /// Appends a lead (see from_leads for how members map to fields).
    void append(const lead& l);
    /// Appends every row of a table of an equal schema; categorical codes are re-encoded. Throws definition_error
    /// when the schemas differ.
    void append(const lead_table& other);
    /// The given rows, in the given order (repeats allowed). Throws std::out_of_range for a row past the end.
    [[nodiscard]] lead_table select(std::span<const std::size_t> rows) const;

    [[nodiscard]] table_view view() const;
    [[nodiscard]] const leadscore::schema& table_schema() const noexcept { return schema_; }
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

    // Read access, type-checked (throws definition_error on a type mismatch).
    [[nodiscard]] std::span<const double> numeric(std::size_t col) const;
    [[nodiscard]] std::span<const std::int32_t> codes(std::size_t col) const;
    [[nodiscard]] const dictionary& dict(std::size_t col) const;
    [[nodiscard]] std::span<const std::int8_t> booleans(std::size_t col) const;
    [[nodiscard]] std::span<const std::int64_t> timestamps(std::size_t col) const;
    [[nodiscard]] std::span<const event_record> events_of(std::size_t row) const;
    [[nodiscard]] const dictionary& event_types() const noexcept { return event_types_; }
    [[nodiscard]] const dictionary& event_details() const noexcept { return event_details_; }

    // Column-wise building, for loaders and generators: fill every column (and the events) to the same length,
    // then call finish_rows(). Between the two the table is not in a valid state.
    [[nodiscard]] column_data& column(std::size_t col) { return columns_.at(col); }
    [[nodiscard]] const column_data& column(std::size_t col) const { return columns_.at(col); }
    [[nodiscard]] std::vector<event_record>& events() noexcept { return events_; }
    [[nodiscard]] std::vector<std::uint64_t>& event_offsets() noexcept { return offsets_; }
    [[nodiscard]] dictionary& event_types() noexcept { return event_types_; }
    [[nodiscard]] dictionary& event_details() noexcept { return event_details_; }
    /// Checks that every column has the same length n, that event offsets have n + 1 entries (n + 1 zeros are
    /// filled in when no events were added) and each lead's events are sorted by time; then the table has n
    /// rows. Throws definition_error naming the column that disagrees.
    void finish_rows();

    /// Gives back spare capacity, so memory_bytes() stays near raw_bytes().
    void shrink_to_fit();
    /// Heap bytes held by columns, dictionaries and events (capacity included).
    [[nodiscard]] std::size_t memory_bytes() const noexcept;
    /// Bytes the same data takes in plain arrays: 8 per number or timestamp, 4 per code, 1 per flag, dictionary
    /// text plus a 4-byte offset per entry, 16 per event and 8 per lead for event offsets.
    [[nodiscard]] std::size_t raw_bytes() const noexcept;

    /// Same schema and the same values row by row (categoricals compared as text, NaN equal to NaN).
    friend bool operator==(const lead_table& a, const lead_table& b);

private:
    // attribute_of is scratch space, one slot per field, so appending many leads allocates nothing per lead.
    void append(const lead& l, std::vector<const attribute_value*>& attribute_of);

    leadscore::schema schema_;
    std::vector<column_data> columns_;
    std::vector<event_record> events_;
    std::vector<std::uint64_t> offsets_{0};
    dictionary event_types_, event_details_;
    std::size_t rows_ = 0;
};

} // namespace leadscore
