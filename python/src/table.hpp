#pragma once
// leadscore.Table: a table_view over numpy arrays, which it keeps alive.

#include <leadscore/core/dictionary.hpp>
#include <leadscore/core/error.hpp>
#include <leadscore/core/lead_table.hpp>
#include <leadscore/core/schema.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace leadscore::python {

/// The place "field '<name>'" of an input_error about a column or an argument.
inline source_location field_place(std::string name) {
    source_location where;
    where.field = std::move(name);
    return where;
}

/// The C++ side of leadscore.Table. The arrays are bound where they are (no copy): the Python layer hands over
/// arrays of exactly the stored dtypes (float64 values, int32 codes, int8 flags, int64 seconds, 16-byte events),
/// converting a column only when pandas holds it otherwise. References to the arrays are kept, so the view stays
/// valid as long as this object lives.
class py_table {
public:
    /// The table over `columns` (a list of (name, type, role, array, categories or None)) and `events` (None or a
    /// tuple (records, offsets, type names, detail names)). int8 / int16 codes are widened on `threads` threads (0 =
    /// every hardware thread); with `defer`, they are widened by prepare_rows instead, block by block as the engine
    /// call that reads the table scores it (a table made for that one call). Throws input_error naming the column for
    /// an array of another dtype, shape or length.
    py_table(std::size_t rows, const pybind11::list& columns, const pybind11::object& events, unsigned threads = 0,
             bool defer = false);
    /// Hands the widened code arrays nobody else holds to the next table of as many rows (see table.cpp).
    ~py_table();
    py_table(const py_table&) = delete;
    py_table& operator=(const py_table&) = delete;

    /// The view over the bound arrays; valid while this object lives.
    [[nodiscard]] const table_view& view() const noexcept { return view_; }
    /// The fields.
    [[nodiscard]] const schema& fields() const noexcept { return *schema_; }
    /// The array bound for field `name` (the memory the engine reads).
    [[nodiscard]] pybind11::object array(const std::string& name) const;
    /// Makes rows [begin, end) ready for the engine: widens the int8 / int16 codes left to it (see the constructor's
    /// `defer`) and checks again the codes and flags read in place from arrays the caller may have changed since (a
    /// code outside its categories would be read out of bounds). Throws input_error naming the column and row. Needs
    /// no GIL; threads may prepare disjoint rows at once. Scoring runs it on each block just before the block.
    void prepare_rows(std::size_t begin, std::size_t end) const;
    /// Whether int8 / int16 codes are left to the engine calls (see the constructor's `defer`).
    [[nodiscard]] bool deferred() const noexcept { return !deferred_.empty(); }
    /// Rows [begin, end) as a view of their own, prepared as prepare_rows prepares them but with the deferred codes
    /// widened into `scratch` (grown as needed; one per thread) instead of the table's arrays: they stay in cache
    /// until the block is scored. Valid while `scratch` and this table are unchanged. Needs no GIL.
    [[nodiscard]] table_view block_view(std::size_t begin, std::size_t end, std::vector<std::int32_t>& scratch) const;
    /// prepare_rows over every row, on `threads` threads (0 = every hardware thread) without the GIL: the engine's
    /// calls that do not prepare block by block run it before they read the table.
    void recheck(unsigned threads = 0) const;
    /// (records, offsets) bound as the events, or None.
    [[nodiscard]] pybind11::object events() const;

private:
    void check_borrowed(std::size_t begin, std::size_t end) const; // the codes and flags read in place

    std::unique_ptr<schema> schema_;                   // on the heap: the view points to it
    std::vector<std::unique_ptr<dictionary>> dicts_;   // likewise
    std::unique_ptr<dictionary> event_types_, event_details_;
    std::vector<pybind11::object> arrays_;             // one per field, kept alive for the view
    std::vector<std::size_t> widened_;                 // the fields whose array this table made (widened codes)
    struct borrowed_column {
        std::size_t column = 0;
        std::int32_t categories = 0; // of a categorical column
    };
    std::vector<borrowed_column> borrowed_;            // int32 codes and flags read in place: the caller can change them
    struct deferred_column {
        const void* in = nullptr;
        bool int8 = true; // else int16
        std::int32_t* out = nullptr;
        std::size_t column = 0;
        std::int32_t categories = 0;
    };
    std::vector<deferred_column> deferred_;            // int8 / int16 codes widened by prepare_rows (see `defer`)
    pybind11::object events_, offsets_;
    table_view view_;
};

} // namespace leadscore::python
