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

/// The stored form of a missing value in a boolean column.
inline constexpr std::int8_t missing_flag = -1;

/// One engagement event in a table (16 bytes).
struct event_record {
    std::int64_t time = 0;              ///< seconds since the epoch
    std::int32_t type = 0;              ///< a code of the table's event-type dictionary
    std::int32_t detail = missing_code; ///< a code of the table's detail dictionary, or missing_code for none
    /// Equal when every field is equal (codes compared, not the texts behind them).
    friend bool operator==(const event_record&, const event_record&) = default;
};

/// A non-owning view of a table's columns. Cheap to copy. Column accessors check the field's type.
class table_view {
public:
    /// A view of no schema and no rows; binding a column throws definition_error, and table_schema() must not be
    /// called on it.
    table_view() = default;
    /// A view of `rows` rows of the given schema with no columns bound yet; bind each with the set_* members.
    /// The schema must outlive the view.
    table_view(const schema& s, std::size_t rows);

    /// @name Binding
    /// A CRM's arrays, without copying: they (and the dictionaries) must outlive the view. Each binding throws
    /// definition_error on a type or length mismatch.
    /// @{

    /// Binds numeric field `col`: one value per row.
    void set_numeric(std::size_t col, std::span<const double> values);
    /// Binds categorical field `col`: one code per row into `dict`.
    void set_categorical(std::size_t col, std::span<const std::int32_t> codes, const dictionary& dict);
    /// Binds boolean field `col`: one flag per row.
    void set_boolean(std::size_t col, std::span<const std::int8_t> values);
    /// Binds timestamp field `col`: one time in seconds per row.
    void set_timestamp(std::size_t col, std::span<const std::int64_t> seconds);
    /// Binds the events: offsets has rows + 1 entries into events, non-decreasing, offsets.back() <= events.size().
    void set_events(std::span<const event_record> events, std::span<const std::uint64_t> offsets,
                    const dictionary& types, const dictionary& details);
    /// @}

    /// The fields, borrowed (see the constructor).
    [[nodiscard]] const leadscore::schema& table_schema() const noexcept { return *schema_; }
    /// Number of rows; every bound column has this many values.
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

    /// @name Column access
    /// One value per row, in the encoding the header comment gives. Each throws definition_error if the field has
    /// another type or was never bound (an out-of-range `col` too).
    /// @{

    /// The values of numeric field `col`.
    [[nodiscard]] std::span<const double> numeric(std::size_t col) const;
    /// The codes of categorical field `col` (see dict).
    [[nodiscard]] std::span<const std::int32_t> codes(std::size_t col) const;
    /// The dictionary that categorical field `col`'s codes index.
    [[nodiscard]] const dictionary& dict(std::size_t col) const;
    /// The flags of boolean field `col`.
    [[nodiscard]] std::span<const std::int8_t> booleans(std::size_t col) const;
    /// The seconds of timestamp field `col`.
    [[nodiscard]] std::span<const std::int64_t> timestamps(std::size_t col) const;
    /// @}

    /// Whether events are bound (set_events was called); a lead_table's view always has them.
    [[nodiscard]] bool has_events() const noexcept { return event_types_ != nullptr; }
    /// The events of one row, sorted by time. Empty when the view carries no events; throws std::out_of_range for a
    /// row past the end.
    [[nodiscard]] std::span<const event_record> events_of(std::size_t row) const;
    /// rows() + 1 offsets into all_events() (empty without events). Offsets stay those of the whole table in a
    /// rows_between view: index all_events() with them, not from 0.
    [[nodiscard]] std::span<const std::uint64_t> event_offsets() const noexcept { return offsets_; }
    /// Every bound event, of all rows of the underlying table (a rows_between view does not narrow it).
    [[nodiscard]] std::span<const event_record> all_events() const noexcept { return events_; }
    /// The dictionary event_record::type codes index; definition_error when no events are bound.
    [[nodiscard]] const dictionary& event_types() const;
    /// The dictionary event_record::detail codes index; definition_error when no events are bound.
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

/// A lead_table's numeric column.
struct numeric_column {
    std::vector<double> values; ///< one per row
};
/// A lead_table's categorical column.
struct categorical_column {
    std::vector<std::int32_t> codes; ///< one per row, into dict
    dictionary dict;                 ///< the column's distinct texts
};
/// A lead_table's boolean column.
struct boolean_column {
    std::vector<std::int8_t> values; ///< one per row
};
/// A lead_table's timestamp column.
struct timestamp_column {
    std::vector<std::int64_t> values; ///< one per row, in seconds
};
/// One column of a lead_table; the alternative's index is the field's field_type.
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
    /// One row as to_leads converts it; throws std::out_of_range for a row past the end.
    [[nodiscard]] lead lead_at(std::size_t row) const;

    /// Appends a lead (see from_leads for how members map to fields).
    void append(const lead& l);
    /// Appends every row of a table of an equal schema; categorical codes are re-encoded. Throws definition_error
    /// when the schemas differ.
    void append(const lead_table& other);
    /// The given rows, in the given order (repeats allowed). Throws std::out_of_range for a row past the end.
    [[nodiscard]] lead_table select(std::span<const std::size_t> rows) const;

    /// A view of every column and the events. It borrows them: valid while the table lives and is not changed.
    [[nodiscard]] table_view view() const;
    /// The fields, one per column.
    [[nodiscard]] const leadscore::schema& table_schema() const noexcept { return schema_; }
    /// Number of rows (leads).
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

    /// @name Read access
    /// As table_view's, type-checked: each throws definition_error when the field has another type, and
    /// std::out_of_range for a column or row past the end.
    /// @{

    /// The values of numeric field `col`.
    [[nodiscard]] std::span<const double> numeric(std::size_t col) const;
    /// The codes of categorical field `col` (see dict).
    [[nodiscard]] std::span<const std::int32_t> codes(std::size_t col) const;
    /// The dictionary that categorical field `col`'s codes index.
    [[nodiscard]] const dictionary& dict(std::size_t col) const;
    /// The flags of boolean field `col`.
    [[nodiscard]] std::span<const std::int8_t> booleans(std::size_t col) const;
    /// The seconds of timestamp field `col`.
    [[nodiscard]] std::span<const std::int64_t> timestamps(std::size_t col) const;
    /// The events of one row, sorted by time.
    [[nodiscard]] std::span<const event_record> events_of(std::size_t row) const;
    /// The dictionary event_record::type codes index.
    [[nodiscard]] const dictionary& event_types() const noexcept { return event_types_; }
    /// The dictionary event_record::detail codes index.
    [[nodiscard]] const dictionary& event_details() const noexcept { return event_details_; }
    /// @}

    /// @name Column-wise building
    /// For loaders and generators: fill every column (and the events) to the same length, then call finish_rows().
    /// Between the two the table is not in a valid state.
    /// @{

    /// The storage of field `col`, holding the alternative of its type; std::out_of_range past the end.
    [[nodiscard]] column_data& column(std::size_t col) { return columns_.at(col); }
    /// The storage of field `col`, read-only; std::out_of_range past the end.
    [[nodiscard]] const column_data& column(std::size_t col) const { return columns_.at(col); }
    /// Every lead's events, lead after lead (CSR, see the header comment).
    [[nodiscard]] std::vector<event_record>& events() noexcept { return events_; }
    /// Where each lead's run of events() starts: starts with 0, one more entry per lead.
    [[nodiscard]] std::vector<std::uint64_t>& event_offsets() noexcept { return offsets_; }
    /// The dictionary of event-type names, to intern into.
    [[nodiscard]] dictionary& event_types() noexcept { return event_types_; }
    /// The dictionary of event details, to intern into.
    [[nodiscard]] dictionary& event_details() noexcept { return event_details_; }
    /// Checks that every column has the same length n, that event offsets have n + 1 entries (n + 1 zeros are
    /// filled in when no events were added) and each lead's events are sorted by time; then the table has n
    /// rows. Throws definition_error naming the column that disagrees.
    void finish_rows();
    /// @}

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
