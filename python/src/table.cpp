// leadscore.Table: numpy arrays bound into a table_view without a copy.

#include "table.hpp"

#include "bindings.hpp"

#include <leadscore/core/batch.hpp>
#include <leadscore/core/error.hpp>

#include <algorithm>
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

// Throws naming the first row of [begin, end) whose code is neither missing_code nor below n. The bounds are found by a
// branch-free pass first (it vectorizes), since the codes are checked on every call that reads the table.
void check_table_codes(const std::int32_t* codes, std::size_t begin, std::size_t end, std::int32_t n,
                       const std::string& column) {
    std::int32_t lo = missing_code, hi = missing_code;
    for (std::size_t r = begin; r < end; ++r) {
        lo = std::min(lo, codes[r]);
        hi = std::max(hi, codes[r]);
    }
    if (lo >= missing_code && hi < n) return;
    for (std::size_t r = begin; r < end; ++r)
        if (codes[r] < missing_code || codes[r] >= n)
            throw_column_error(column, "row " + std::to_string(r) + ": code " + std::to_string(codes[r]) +
                                           " is not one of the " + std::to_string(n) + " categories");
}

// `count` of pandas' int8 / int16 category codes widened to int32, checked as check_table_codes does; errors name row
// first_row + r for in[r]. In blocks, without the GIL (the engine reads int32 codes: a conversion no table built from
// pandas can skip).
template <class Narrow>
void widen_table_block(const Narrow* in, std::int32_t* out, std::size_t count, std::size_t first_row, std::int32_t n,
                       const std::string& column) {
    std::int32_t lo = missing_code, hi = missing_code;
    for (std::size_t r = 0; r < count; ++r) {
        out[r] = in[r];
        lo = std::min(lo, out[r]);
        hi = std::max(hi, out[r]);
    }
    if (lo >= missing_code && hi < n) return;
    for (std::size_t r = 0; r < count; ++r)
        if (out[r] < missing_code || out[r] >= n)
            throw_column_error(column, "row " + std::to_string(first_row + r) + ": code " + std::to_string(out[r]) +
                                           " is not one of the " + std::to_string(n) + " categories");
}

// int8 (`int8`) or int16 codes [begin, end) of `in` widened into out[0, end - begin).
void widen_table_rows(const void* in, bool int8, std::int32_t* out, std::size_t begin, std::size_t end,
                      std::int32_t n, const std::string& column) {
    if (int8) widen_table_block(static_cast<const std::int8_t*>(in) + begin, out, end - begin, begin, n, column);
    else widen_table_block(static_cast<const std::int16_t*>(in) + begin, out, end - begin, begin, n, column);
}

// Widened code arrays of dead tables, for the next tables of as many rows: scoring batch after batch of one size
// then writes codes into memory already mapped, instead of first-touching (page-faulting) fresh arrays each time.
// Used with the GIL held. Leaked on purpose: arrays must not be freed after the interpreter is gone.
constexpr std::size_t widened_pool_arrays = 16;
std::vector<py::array_t<std::int32_t>>& widened_pool() {
    static auto* pool = new std::vector<py::array_t<std::int32_t>>;
    return *pool;
}

py::array_t<std::int32_t> take_widened_array(std::size_t rows) {
    auto& pool = widened_pool();
    for (std::size_t k = 0; k < pool.size(); ++k)
        if (static_cast<std::size_t>(pool[k].shape(0)) == rows) {
            auto a = std::move(pool[k]);
            pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(k));
            return a;
        }
    return py::array_t<std::int32_t>(static_cast<py::ssize_t>(rows));
}

// One column of int8 / int16 codes to widen into a new int32 array.
struct widen_table_job {
    const void* in = nullptr;
    bool narrow = true; // int8, else int16
    std::int32_t* out = nullptr;
    std::int32_t categories = 0;
    std::string column;
};

// Every job in one parallel region (one barrier however many columns), blocks of 64 Ki rows, without the GIL.
void run_widen_table_jobs(const std::vector<widen_table_job>& jobs, std::size_t rows, unsigned threads) {
    if (jobs.empty() || rows == 0) return;
    constexpr std::size_t block = std::size_t{1} << 16;
    const std::size_t per_job = (rows + block - 1) / block;
    py::gil_scoped_release release;
    detail::for_each_block(jobs.size() * per_job, 1, threads, [&](std::size_t k, std::size_t) {
        const auto& j = jobs[k / per_job];
        const std::size_t begin = (k % per_job) * block, end = std::min(rows, begin + block);
        widen_table_rows(j.in, j.narrow, j.out + begin, begin, end, j.categories, j.column);
    });
}

void check_table_flags(const std::int8_t* flags, std::size_t begin, std::size_t end, const std::string& column) {
    bool bad = false;
    for (std::size_t r = begin; r < end; ++r) bad |= flags[r] < missing_flag || flags[r] > 1;
    for (std::size_t r = begin; bad && r < end; ++r)
        if (flags[r] < missing_flag || flags[r] > 1)
            throw_column_error(column, "row " + std::to_string(r) + ": flag " + std::to_string(flags[r]) +
                                           " is not 0, 1 or -1 (missing)");
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

py_table::py_table(std::size_t rows, const py::list& columns, const py::object& events, unsigned threads,
                   bool defer) {
    std::vector<field> fields;
    for (const auto& c : columns) {
        const auto t = c.cast<py::tuple>();
        const auto name = t[0].cast<std::string>();
        fields.push_back({name, table_field_type(t[1].cast<std::string>(), name), table_field_role(t[2], name)});
    }
    schema_ = std::make_unique<schema>(std::move(fields));
    view_ = table_view(*schema_, rows);
    std::vector<widen_table_job> widen; // filled below, run once every column is bound (the arrays are kept)
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
            const auto n = static_cast<std::int32_t>(dicts_.back()->size());
            if (a.dtype().kind() == 'i' && (a.itemsize() == 1 || a.itemsize() == 2)) {
                const bool narrow = a.itemsize() == 1;
                const void* in = narrow ? static_cast<const void*>(table_column_data<std::int8_t>(a, f.name, rows, 'i'))
                                        : static_cast<const void*>(table_column_data<std::int16_t>(a, f.name, rows, 'i'));
                auto wide = take_widened_array(rows);
                if (defer) deferred_.push_back({in, narrow, wide.mutable_data(), i, n});
                else widen.push_back({in, narrow, wide.mutable_data(), n, f.name});
                arrays_.back() = std::move(wide);
                widened_.push_back(i);
            } else {
                const auto* in_place = table_column_data<std::int32_t>(a, f.name, rows, 'i');
                if (!defer) check_table_codes(in_place, 0, rows, n, f.name); // else the engine call checks them
                borrowed_.push_back({i, n});
            }
            const auto* codes = static_cast<const std::int32_t*>(py::array(arrays_.back()).data());
            view_.set_categorical(i, {codes, rows}, *dicts_.back());
            break;
        }
        case field_type::boolean: {
            const auto* flags = table_column_data<std::int8_t>(a, f.name, rows, 'i');
            if (!defer) check_table_flags(flags, 0, rows, f.name);
            borrowed_.push_back({i, 0});
            view_.set_boolean(i, {flags, rows});
            break;
        }
        case field_type::timestamp:
            view_.set_timestamp(i, {table_column_data<std::int64_t>(a, f.name, rows, 'i'), rows});
            break;
        }
    }
    run_widen_table_jobs(widen, rows, threads);
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

py_table::~py_table() {
    auto& pool = widened_pool();
    for (const auto i : widened_)
        if (arrays_[i].ref_count() == 1 && pool.size() < widened_pool_arrays)
            pool.push_back(py::reinterpret_borrow<py::array_t<std::int32_t>>(arrays_[i]));
}

py::object py_table::array(const std::string& name) const {
    const auto i = schema_->find(name);
    if (!i) throw input_error(field_place(name), "the table has no such column");
    if (std::find(widened_.begin(), widened_.end(), *i) == widened_.end()) return arrays_[*i];
    if (!deferred_.empty()) recheck(); // a deferred table's codes are filled by the calls that read them
    // The table's own codes, read-only: they were checked once, and the engine indexes by them.
    py::array view = py::reinterpret_borrow<py::array>(arrays_[*i]).attr("view")();
    view.attr("flags").attr("writeable") = false;
    return view;
}

void py_table::check_borrowed(std::size_t begin, std::size_t end) const {
    for (const auto& b : borrowed_) {
        const auto& name = (*schema_)[b.column].name;
        if (b.categories == 0 && (*schema_)[b.column].type == field_type::boolean)
            check_table_flags(view_.booleans(b.column).data(), begin, end, name);
        else
            check_table_codes(view_.codes(b.column).data(), begin, end, b.categories, name);
    }
}

void py_table::prepare_rows(std::size_t begin, std::size_t end) const {
    for (const auto& d : deferred_)
        widen_table_rows(d.in, d.int8, d.out + begin, begin, end, d.categories, (*schema_)[d.column].name);
    check_borrowed(begin, end);
}

table_view py_table::block_view(std::size_t begin, std::size_t end, std::vector<std::int32_t>& scratch) const {
    const std::size_t n = end - begin;
    if (scratch.size() < deferred_.size() * n) scratch.resize(deferred_.size() * n);
    auto v = view_.rows_between(begin, end);
    for (std::size_t k = 0; k < deferred_.size(); ++k) {
        const auto& d = deferred_[k];
        std::int32_t* out = scratch.data() + k * n;
        widen_table_rows(d.in, d.int8, out, begin, end, d.categories, (*schema_)[d.column].name);
        v.set_categorical(d.column, {out, n}, view_.dict(d.column));
    }
    check_borrowed(begin, end);
    return v;
}

void py_table::recheck(unsigned threads) const {
    if (deferred_.empty() && borrowed_.empty()) return;
    constexpr std::size_t block = std::size_t{1} << 16;
    py::gil_scoped_release release;
    detail::for_each_block(view_.rows(), block, threads,
                           [&](std::size_t begin, std::size_t end) { prepare_rows(begin, end); });
}

py::object py_table::events() const {
    if (!events_) return py::none();
    return py::make_tuple(events_, offsets_);
}

void bind_table(py::module_& m) {
    py::class_<py_table>(m, "_Table", "The engine's side of leadscore.Table (build one with Table.from_pandas).")
        .def(py::init<std::size_t, const py::list&, const py::object&, unsigned, bool>(), py::arg("rows"),
             py::arg("columns"), py::arg("events") = py::none(), py::arg("threads") = 0u, py::arg("defer") = false)
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
