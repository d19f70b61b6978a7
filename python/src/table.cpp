// leadscore.Table: numpy arrays bound into a table_view without a copy.

#include "table.hpp"

#include "bindings.hpp"

#include <leadscore/core/error.hpp>

#include <cstdint>
#include <string>

namespace py = pybind11;

namespace leadscore::python {
namespace {

[[noreturn]] void throw_column_error(const std::string& column, const std::string& reason) {
    throw input_error(field_place(column), reason);
}

// The array's data, checked to be one-dimensional, contiguous, aligned, of `rows` elements of T (itemsize
// `itemsize` and kind `kind` for records).
template <class T>
const T* table_column_data(const py::array& a, const std::string& column, std::size_t rows, char kind) {
    const py::dtype dt = a.dtype();
    if (dt.kind() != kind || static_cast<std::size_t>(dt.itemsize()) != sizeof(T))
        throw_column_error(column, "expected an array of dtype kind '" + std::string(1, kind) + "' and " +
                                       std::to_string(sizeof(T)) + " bytes an element, got " +
                                       py::repr(dt).cast<std::string>());
    if (a.ndim() != 1) throw_column_error(column, "expected a one-dimensional array");
    if (static_cast<std::size_t>(a.shape(0)) != rows)
        throw_column_error(column, "has " + std::to_string(a.shape(0)) + " values for " + std::to_string(rows) +
                                       " rows");
    if (rows > 1 && a.strides(0) != static_cast<py::ssize_t>(sizeof(T)))
        throw_column_error(column, "the array is not contiguous");
    if (reinterpret_cast<std::uintptr_t>(a.data()) % alignof(T) != 0)
        throw_column_error(column, "the array is not aligned");
    return static_cast<const T*>(a.data());
}

std::unique_ptr<dictionary> table_dictionary(const py::handle& texts, const std::string& column) {
    auto d = std::make_unique<dictionary>();
    if (texts.is_none()) return d;
    for (const auto& t : texts) {
        if (!py::isinstance<py::str>(t)) throw_column_error(column, "a category is not a string");
        const auto text = t.cast<std::string>();
        if (d->find(text)) throw_column_error(column, "the category '" + text + "' is listed twice");
        d->intern(text);
    }
    return d;
}

field_type table_field_type(const std::string& name, const std::string& column) {
    const auto t = parse_field_type(name);
    if (!t) throw_column_error(column, "unknown field type '" + name + "'");
    return *t;
}

field_role table_field_role(const py::handle& role, const std::string& column) {
    if (role.is_none()) return field_role::none;
    const auto r = parse_field_role(role.cast<std::string>());
    if (!r) throw_column_error(column, "unknown role '" + role.cast<std::string>() + "'");
    return *r;
}

} // namespace

py_table::py_table(std::size_t rows, const py::list& columns, const py::object& events) {
    std::vector<field> fields;
    for (const auto& c : columns) {
        const auto t = c.cast<py::tuple>();
        const auto name = t[0].cast<std::string>();
        fields.push_back({name, table_field_type(t[1].cast<std::string>(), name), table_field_role(t[2], name)});
    }
    schema_ = std::make_unique<schema>(std::move(fields));
    view_ = table_view(*schema_, rows);
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const auto t = columns[i].cast<py::tuple>();
        const auto& f = (*schema_)[i];
        const auto a = py::array::ensure(t[3]);
        if (!a) throw_column_error(f.name, "is not an array");
        arrays_.push_back(a);
        switch (f.type) {
        case field_type::numeric:
            view_.set_numeric(i, {table_column_data<double>(a, f.name, rows, 'f'), rows});
            break;
        case field_type::categorical: {
            dicts_.push_back(table_dictionary(t[4], f.name));
            const auto* codes = table_column_data<std::int32_t>(a, f.name, rows, 'i');
            const auto n = static_cast<std::int32_t>(dicts_.back()->size());
            for (std::size_t r = 0; r < rows; ++r)
                if (codes[r] < missing_code || codes[r] >= n)
                    throw_column_error(f.name, "row " + std::to_string(r) + ": code " + std::to_string(codes[r]) +
                                                   " is not one of the " + std::to_string(n) + " categories");
            view_.set_categorical(i, {codes, rows}, *dicts_.back());
            break;
        }
        case field_type::boolean: {
            const auto* flags = table_column_data<std::int8_t>(a, f.name, rows, 'i');
            for (std::size_t r = 0; r < rows; ++r)
                if (flags[r] != 0 && flags[r] != 1 && flags[r] != missing_flag)
                    throw_column_error(f.name, "row " + std::to_string(r) + ": flag " + std::to_string(flags[r]) +
                                                   " is not 0, 1 or -1 (missing)");
            view_.set_boolean(i, {flags, rows});
            break;
        }
        case field_type::timestamp:
            view_.set_timestamp(i, {table_column_data<std::int64_t>(a, f.name, rows, 'i'), rows});
            break;
        }
    }
    if (events.is_none()) return;
    const auto e = events.cast<py::tuple>();
    const auto records = py::array::ensure(e[0]);
    const auto offsets = py::array::ensure(e[1]);
    if (!records || !offsets) throw_column_error("events", "the records or the offsets are not an array");
    const auto n = static_cast<std::size_t>(records.shape(0));
    const auto* rec = table_column_data<event_record>(records, "events", n, 'V');
    const auto* off = table_column_data<std::uint64_t>(offsets, "event offsets", rows + 1, 'u');
    events_ = records;
    offsets_ = offsets;
    event_types_ = table_dictionary(e[2], "event types");
    event_details_ = table_dictionary(e[3], "event details");
    for (std::size_t i = 0; i < n; ++i)
        if (rec[i].type < 0 || rec[i].type >= static_cast<std::int32_t>(event_types_->size()) ||
            rec[i].detail < missing_code || rec[i].detail >= static_cast<std::int32_t>(event_details_->size()))
            throw_column_error("events", "event " + std::to_string(i) + ": a type or detail code out of range");
    view_.set_events({rec, n}, {off, rows + 1}, *event_types_, *event_details_);
}

py::object py_table::array(const std::string& name) const {
    const auto i = schema_->find(name);
    if (!i) throw input_error(field_place(name), "the table has no such column");
    return arrays_[*i];
}

py::object py_table::events() const {
    if (!events_) return py::none();
    return py::make_tuple(events_, offsets_);
}

void bind_table(py::module_& m) {
    py::class_<py_table>(m, "_Table", "The engine's side of leadscore.Table (build one with Table.from_pandas).")
        .def(py::init<std::size_t, const py::list&, const py::object&>(), py::arg("rows"), py::arg("columns"),
             py::arg("events") = py::none())
        .def_property_readonly("rows", [](const py_table& t) { return t.view().rows(); })
        .def_property_readonly("fields",
                               [](const py_table& t) {
                                   py::list out;
                                   for (const auto& f : t.fields().fields())
                                       out.append(py::make_tuple(f.name, std::string(to_string(f.type)),
                                                                 std::string(to_string(f.role))));
                                   return out;
                               })
        .def("array", &py_table::array, py::arg("name"))
        .def("events", &py_table::events)
        .def("categories", [](const py_table& t, const std::string& name) {
            const auto i = t.fields().find(name);
            if (!i) throw input_error(field_place(name), "the table has no such column");
            const auto& d = t.view().dict(*i);
            py::list out;
            for (std::size_t c = 0; c < d.size(); ++c)
                out.append(py::str(std::string(d[static_cast<std::int32_t>(c)])));
            return out;
        });
}

} // namespace leadscore::python
