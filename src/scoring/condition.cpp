#include "leadscore/scoring/condition.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/core/names.hpp"
#include "leadscore/core/time.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace leadscore {

namespace {

constexpr std::string_view test_names[] = {"equals", "one_of", "range", "contains", "is_missing"};

// The field type a literal belongs to (attribute_value's alternatives are in field_type order).
field_type literal_type(const attribute_value& v) noexcept { return static_cast<field_type>(v.index()); }

std::string format_literal(const attribute_value& v) {
    switch (v.index()) {
    case 0: return detail::format_shortest(std::get<double>(v));
    case 1: return "'" + std::get<std::string>(v) + "'";
    case 2: return std::get<bool>(v) ? "true" : "false";
    default: return format_timestamp(std::get<timestamp>(v));
    }
}

bool is_nan(const attribute_value& v) noexcept { return v.index() == 0 && std::isnan(std::get<double>(v)); }

bool is_text_test(condition_test t) noexcept {
    return t == condition_test::equals || t == condition_test::one_of || t == condition_test::contains;
}

[[noreturn]] void refuse(const condition& c, const std::string& why) {
    throw definition_error("condition on field '" + c.field + "' (" + to_string(c) + "): " + why);
}

bool literal_less(const attribute_value& a, const attribute_value& b) {
    if (a.index() == 0) return std::get<double>(a) < std::get<double>(b);
    return std::get<timestamp>(a) < std::get<timestamp>(b);
}

} // namespace

std::string_view to_string(condition_test t) noexcept {
    const auto i = static_cast<std::size_t>(t);
    return i < std::size(test_names) ? test_names[i] : "?";
}

std::optional<condition_test> parse_condition_test(std::string_view s) noexcept {
    for (std::size_t i = 0; i < std::size(test_names); ++i)
        if (s == test_names[i]) return static_cast<condition_test>(i);
    return std::nullopt;
}

// ---- building -------------------------------------------------------------------------------------

condition condition::equals(std::string field, attribute_value value) {
    condition c;
    c.field = std::move(field);
    c.test = condition_test::equals;
    c.values.push_back(std::move(value));
    return c;
}
condition condition::one_of(std::string field, std::vector<attribute_value> values) {
    condition c;
    c.field = std::move(field);
    c.test = condition_test::one_of;
    c.values = std::move(values);
    return c;
}
condition condition::between(std::string field, attribute_value low, attribute_value high) {
    condition c;
    c.field = std::move(field);
    c.test = condition_test::range;
    c.low = std::move(low);
    c.high = std::move(high);
    return c;
}
condition condition::at_least(std::string field, attribute_value low) {
    condition c;
    c.field = std::move(field);
    c.test = condition_test::range;
    c.low = std::move(low);
    return c;
}
condition condition::above(std::string field, attribute_value low) {
    condition c = at_least(std::move(field), std::move(low));
    c.low_inclusive = false;
    return c;
}
condition condition::at_most(std::string field, attribute_value high) {
    condition c;
    c.field = std::move(field);
    c.test = condition_test::range;
    c.high = std::move(high);
    return c;
}
condition condition::below(std::string field, attribute_value high) {
    condition c = at_most(std::move(field), std::move(high));
    c.high_inclusive = false;
    return c;
}
condition condition::contains(std::string field, std::string text) {
    condition c;
    c.field = std::move(field);
    c.test = condition_test::contains;
    c.values.emplace_back(std::move(text));
    return c;
}
condition condition::is_missing(std::string field) {
    condition c;
    c.field = std::move(field);
    c.test = condition_test::is_missing;
    return c;
}
condition condition::operator!() const {
    condition c = *this;
    c.negate = !c.negate;
    return c;
}

// ---- checking and printing ------------------------------------------------------------------------

void validate(const condition& c) {
    if (c.field.empty()) refuse(c, "no field name");
    if (static_cast<std::size_t>(c.test) >= std::size(test_names)) refuse(c, "unknown test");
    if (c.test != condition_test::range && (c.low || c.high))
        refuse(c, "bounds belong to a range test, not to " + std::string(to_string(c.test)));
    for (const auto& v : c.values)
        if (is_nan(v)) refuse(c, "NaN is not a value to compare with (use is_missing)");
    switch (c.test) {
    case condition_test::equals:
        if (c.values.size() != 1) refuse(c, "equals needs exactly one value");
        break;
    case condition_test::one_of:
        if (c.values.empty()) refuse(c, "one_of needs at least one value");
        for (const auto& v : c.values)
            if (v.index() != c.values.front().index()) refuse(c, "one_of values must all be of one type");
        break;
    case condition_test::contains:
        if (c.values.size() != 1 || c.values[0].index() != 1 || std::get<std::string>(c.values[0]).empty())
            refuse(c, "contains needs exactly one non-empty text");
        break;
    case condition_test::is_missing:
        if (!c.values.empty()) refuse(c, "is_missing takes no values");
        break;
    case condition_test::range: {
        if (!c.values.empty()) refuse(c, "a range takes bounds, not values");
        if (!c.low && !c.high) refuse(c, "a range needs a low or a high bound");
        for (const auto* b : {&c.low, &c.high}) {
            if (!*b) continue;
            const auto t = literal_type(**b);
            if (t != field_type::numeric && t != field_type::timestamp)
                refuse(c, "range bounds must be numbers or timestamps");
            if (is_nan(**b)) refuse(c, "a NaN bound");
        }
        if (c.low && c.high) {
            if (c.low->index() != c.high->index()) refuse(c, "both bounds must be of one type");
            if (literal_less(*c.high, *c.low)) refuse(c, "the low bound is above the high bound");
            if (*c.low == *c.high && !(c.low_inclusive && c.high_inclusive))
                refuse(c, "the range is empty (equal bounds, one of them exclusive)");
        }
        break;
    }
    }
}

std::string to_string(const condition& c) {
    std::string s = c.field;
    switch (c.test) {
    case condition_test::equals:
        s += " = " + (c.values.empty() ? std::string("?") : format_literal(c.values[0]));
        break;
    case condition_test::one_of:
        s += " in {";
        for (std::size_t i = 0; i < c.values.size(); ++i) s += (i ? ", " : "") + format_literal(c.values[i]);
        s += "}";
        break;
    case condition_test::contains:
        s += " contains " + (c.values.empty() ? std::string("?") : format_literal(c.values[0]));
        break;
    case condition_test::is_missing: s += " is missing"; break;
    case condition_test::range:
        if (c.low && c.high) {
            s += std::string(" in ") + (c.low_inclusive ? "[" : "(") + format_literal(*c.low) + ", " +
                 format_literal(*c.high) + (c.high_inclusive ? "]" : ")");
        } else if (c.low) {
            s += (c.low_inclusive ? " >= " : " > ") + format_literal(*c.low);
        } else if (c.high) {
            s += (c.high_inclusive ? " <= " : " < ") + format_literal(*c.high);
        } else {
            s += " in (no bounds)";
        }
        break;
    default: s += " ?"; break;
    }
    if (c.case_sensitive && is_text_test(c.test)) s += " (exact case)";
    return c.negate ? "not (" + s + ")" : s;
}

// ---- binding --------------------------------------------------------------------------------------

namespace {

/// Refuses a test that does not apply to the field's type.
[[noreturn]] void wrong_type(const condition& c, field_type type) {
    refuse(c, std::string(to_string(c.test)) + " does not apply to the " + std::string(to_string(type)) + " field '" +
                  c.field + "'");
}

/// Refuses literals and bounds of another type than the field's.
void check_literals(const condition& c, field_type type) {
    for (const auto& v : c.values)
        if (literal_type(v) != type)
            refuse(c, "a " + std::string(to_string(literal_type(v))) + " value for the " + std::string(to_string(type)) +
                          " field '" + c.field + "'");
    for (const auto* b : {&c.low, &c.high})
        if (*b && literal_type(**b) != type)
            refuse(c, "a " + std::string(to_string(literal_type(**b))) + " bound for the " +
                          std::string(to_string(type)) + " field '" + c.field + "'");
}

} // namespace

bound_condition::bound_condition(const condition& c, const table_view& view) : negate_(c.negate), field_(c.field) {
    validate(c);
    const auto& fields = view.table_schema();
    const auto col = fields.find(c.field);
    if (!col) {
        std::vector<std::string> names;
        for (const auto& f : fields.fields()) names.push_back(f.name);
        refuse(c, "no field '" + c.field + "' in the table" + did_you_mean(c.field, names));
    }
    column_ = *col;
    rows_ = view.rows();
    const field_type type = fields[column_].type;
    const bool applies = type == field_type::numeric     ? c.test != condition_test::contains
                         : type == field_type::categorical ? c.test != condition_test::range
                         : type == field_type::boolean
                             ? c.test != condition_test::range && c.test != condition_test::contains
                             : c.test != condition_test::contains;
    if (!applies) wrong_type(c, type);
    check_literals(c, type);
    switch (type) {
    case field_type::numeric: bind_numeric(c, view); break;
    case field_type::categorical: bind_codes(c, view); break;
    case field_type::boolean: bind_flags(c, view); break;
    case field_type::timestamp: bind_times(c, view); break;
    }
}

void bound_condition::bind_numeric(const condition& c, const table_view& view) {
    numbers_ = view.numeric(column_).data();
    if (c.test == condition_test::is_missing) {
        kind_ = kind::numeric_missing;
    } else if (c.test == condition_test::range) {
        kind_ = kind::numeric_range;
        constexpr double inf = std::numeric_limits<double>::infinity();
        // Exclusive bounds become inclusive ones on the next representable double, so one test serves both.
        low_ = c.low ? std::get<double>(*c.low) : -inf;
        high_ = c.high ? std::get<double>(*c.high) : inf;
        if (c.low && !c.low_inclusive) low_ = low_ == inf ? inf : std::nextafter(low_, inf);
        if (c.high && !c.high_inclusive) high_ = high_ == -inf ? -inf : std::nextafter(high_, -inf);
        if ((c.low && !c.low_inclusive && std::get<double>(*c.low) == inf) ||
            (c.high && !c.high_inclusive && std::get<double>(*c.high) == -inf)) {
            low_ = inf; // an empty range: nothing is above +inf or below -inf
            high_ = -inf;
        }
    } else {
        kind_ = kind::numeric_set;
        for (const auto& v : c.values) number_set_.push_back(std::get<double>(v));
    }
}

void bound_condition::bind_codes(const condition& c, const table_view& view) {
    const bool missing_test = c.test == condition_test::is_missing;
    codes_ = view.codes(column_).data();
    const auto& d = view.dict(column_);
    kind_ = kind::code_table;
    table_.assign(d.size() + 1, 0);
    table_[0] = missing_test && !negate_;
    if (missing_test) {
        std::fill(table_.begin() + 1, table_.end(), static_cast<std::uint8_t>(negate_));
    } else {
        std::vector<std::string> texts;
        for (const auto& v : c.values) texts.push_back(std::get<std::string>(v));
        const auto hits = detail::code_match_table(d, c.test, texts, c.case_sensitive);
        for (std::size_t k = 0; k < hits.size(); ++k) table_[k + 1] = (hits[k] != 0) != negate_;
    }
}

void bound_condition::bind_flags(const condition& c, const table_view& view) {
    flags_ = view.booleans(column_).data();
    kind_ = kind::flag_table;
    table_.assign(3, 0);
    table_[0] = c.test == condition_test::is_missing && !negate_;
    for (int flag = 0; flag <= 1; ++flag) {
        bool hit = false; // is_missing has no values, so a present flag never hits it
        for (const auto& v : c.values) hit = hit || std::get<bool>(v) == (flag == 1);
        table_[static_cast<std::size_t>(flag) + 1] = hit != negate_;
    }
}

void bound_condition::bind_times(const condition& c, const table_view& view) {
    times_ = view.timestamps(column_).data();
    if (c.test == condition_test::is_missing) {
        kind_ = kind::time_missing;
    } else if (c.test == condition_test::range) {
        kind_ = kind::time_range;
        constexpr auto lowest = std::numeric_limits<std::int64_t>::min() + 1; // min() is missing_time
        constexpr auto highest = std::numeric_limits<std::int64_t>::max();
        low_time_ = c.low ? to_seconds(std::get<timestamp>(*c.low)) : lowest;
        high_time_ = c.high ? to_seconds(std::get<timestamp>(*c.high)) : highest;
        bool empty = false;
        if (c.low && !c.low_inclusive) {
            if (low_time_ == highest) empty = true;
            else ++low_time_;
        }
        if (c.high && !c.high_inclusive) {
            if (high_time_ <= lowest) empty = true;
            else --high_time_;
        }
        low_time_ = std::max(low_time_, lowest);
        if (empty) {
            low_time_ = highest;
            high_time_ = lowest;
        }
    } else {
        kind_ = kind::time_set;
        for (const auto& v : c.values) time_set_.push_back(to_seconds(std::get<timestamp>(v)));
    }
}

// ---- testing --------------------------------------------------------------------------------------

void bound_condition::bad_value(std::size_t row) const {
    if (kind_ == kind::code_table)
        throw definition_error("field '" + field_ + "': row " + std::to_string(row) + " holds code " +
                               std::to_string(codes_[row]) + ", outside its dictionary of " +
                               std::to_string(table_.size() - 1) + " entries");
    throw definition_error("field '" + field_ + "': row " + std::to_string(row) + " holds the flag " +
                           std::to_string(flags_[row]) + " (a boolean is 0, 1 or -1 for missing)");
}

// Each kind is one loop, written so that the compiler emits no data-dependent branch (a match costs the same as a
// miss) and vectorizes the numeric ones; negation picks the loop instead of being tested per row. The hot loop of
// every condition, kept in one piece (one switch) so the kinds' loops read side by side.
template <class Sink>
void bound_condition::for_block(std::size_t first, std::size_t n, Sink&& sink) const {
    if (first > rows_ || n > rows_ - first)
        throw std::out_of_range("bound_condition: rows [" + std::to_string(first) + ", " + std::to_string(first + n) +
                                ") outside " + std::to_string(rows_) + " rows");
    switch (kind_) {
    case kind::constant:
        for (std::size_t i = 0; i < n; ++i) sink(i, constant_);
        return;
    case kind::numeric_range: {
        const double* x = numbers_ + first;
        const double lo = low_, hi = high_;
        // NaN fails every comparison, so a missing value matches neither form.
        if (negate_) {
            for (std::size_t i = 0; i < n; ++i) sink(i, x[i] < lo || x[i] > hi);
        } else {
            for (std::size_t i = 0; i < n; ++i) sink(i, x[i] >= lo && x[i] <= hi);
        }
        return;
    }
    case kind::numeric_set: {
        const double* x = numbers_ + first;
        for (std::size_t i = 0; i < n; ++i) {
            const double v = x[i];
            int hit = 0;
            for (const double s : number_set_) hit |= static_cast<int>(v == s);
            sink(i, negate_ ? !std::isnan(v) && !hit : hit != 0);
        }
        return;
    }
    case kind::numeric_missing: {
        const double* x = numbers_ + first;
        if (negate_) {
            for (std::size_t i = 0; i < n; ++i) sink(i, x[i] == x[i]);
        } else {
            for (std::size_t i = 0; i < n; ++i) sink(i, x[i] != x[i]);
        }
        return;
    }
    case kind::code_table:
    case kind::flag_table: {
        const std::uint8_t* t = table_.data();
        const auto size = static_cast<std::uint32_t>(table_.size());
        bool bad = false;
        // Index = value + 1 in unsigned arithmetic: missing (-1) -> 0, and every value outside the table, negative
        // ones included, lands at or past `size`. Such values are reported after the loop.
        if (kind_ == kind::code_table) {
            const std::int32_t* c = codes_ + first;
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint32_t k = static_cast<std::uint32_t>(c[i]) + 1u;
                const bool ok = k < size;
                bad |= !ok;
                sink(i, (t[ok ? k : 0] & static_cast<std::uint8_t>(ok)) != 0);
            }
        } else {
            const std::int8_t* f = flags_ + first;
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint32_t k = static_cast<std::uint32_t>(static_cast<std::int32_t>(f[i])) + 1u;
                const bool ok = k < size;
                bad |= !ok;
                sink(i, (t[ok ? k : 0] & static_cast<std::uint8_t>(ok)) != 0);
            }
        }
        if (bad) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::int32_t v = kind_ == kind::code_table ? codes_[first + i] : flags_[first + i];
                if (static_cast<std::uint32_t>(v) + 1u >= size) bad_value(first + i);
            }
        }
        return;
    }
    case kind::time_range: {
        const std::int64_t* x = times_ + first;
        const std::int64_t lo = low_time_, hi = high_time_;
        // lo > missing_time, so a missing value never lies in the range.
        if (negate_) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::int64_t v = x[i];
                sink(i, (v != missing_time) & ((v < lo) | (v > hi)));
            }
        } else {
            for (std::size_t i = 0; i < n; ++i) sink(i, (x[i] >= lo) & (x[i] <= hi));
        }
        return;
    }
    case kind::time_set: {
        const std::int64_t* x = times_ + first;
        for (std::size_t i = 0; i < n; ++i) {
            const std::int64_t v = x[i];
            int hit = 0;
            for (const std::int64_t s : time_set_) hit |= static_cast<int>(v == s);
            sink(i, negate_ ? (v != missing_time) & !hit : hit != 0);
        }
        return;
    }
    case kind::time_missing: {
        const std::int64_t* x = times_ + first;
        for (std::size_t i = 0; i < n; ++i) sink(i, (x[i] == missing_time) != negate_);
        return;
    }
    }
}

bool bound_condition::matches(std::size_t row) const {
    if (row >= rows_)
        throw std::out_of_range("bound_condition: row " + std::to_string(row) + " outside " + std::to_string(rows_) +
                                " rows");
    // The one-lead form: the same tests as for_block, without a loop around them.
    switch (kind_) {
    case kind::constant: return constant_;
    case kind::numeric_range: {
        const double v = numbers_[row];
        return negate_ ? (v < low_ || v > high_) : (v >= low_ && v <= high_);
    }
    case kind::numeric_missing: return std::isnan(numbers_[row]) != negate_;
    case kind::code_table:
    case kind::flag_table: {
        const std::int32_t v = kind_ == kind::code_table ? codes_[row] : flags_[row];
        const std::uint32_t k = static_cast<std::uint32_t>(v) + 1u;
        if (k >= table_.size()) bad_value(row);
        return table_[k] != 0;
    }
    case kind::time_range: {
        const std::int64_t v = times_[row];
        return negate_ ? v != missing_time && (v < low_time_ || v > high_time_) : v >= low_time_ && v <= high_time_;
    }
    case kind::time_missing: return (times_[row] == missing_time) != negate_;
    case kind::numeric_set:
    case kind::time_set: break;
    }
    bool m = false;
    for_block(row, 1, [&](std::size_t, bool hit) { m = hit; });
    return m;
}

void bound_condition::match_block(std::size_t first, std::span<std::uint8_t> out) const {
    std::uint8_t* o = out.data();
    for_block(first, out.size(), [o](std::size_t i, bool hit) { o[i] = hit; });
}

void bound_condition::add_where(std::size_t first, double amount, std::span<double> out) const {
    double* o = out.data();
    if (kind_ == kind::numeric_range || kind_ == kind::numeric_missing) {
        // A select between amount and 0.0 vectorizes (compare, and, add); adding +0.0 changes no sum.
        for_block(first, out.size(), [o, amount](std::size_t i, bool hit) { o[i] += hit ? amount : 0.0; });
    } else {
        // A load indexed by the match is branch-free where the match itself comes from a table lookup.
        const double values[2] = {0.0, amount};
        for_block(first, out.size(), [o, &values](std::size_t i, bool hit) { o[i] += values[hit]; });
    }
}

// ---- text tables and formatting -------------------------------------------------------------------

namespace detail {

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

std::vector<std::uint8_t> code_match_table(const dictionary& d, condition_test test, std::span<const std::string> texts,
                                     bool case_sensitive) {
    std::vector<std::string> wanted;
    for (const auto& t : texts) wanted.push_back(case_sensitive ? t : ascii_lower(t));
    std::vector<std::uint8_t> table(d.size(), 0);
    std::string folded;
    for (std::size_t code = 0; code < d.size(); ++code) {
        const std::string_view raw = d[static_cast<std::int32_t>(code)];
        std::string_view text = raw;
        if (!case_sensitive) {
            folded = ascii_lower(raw);
            text = folded;
        }
        bool hit = false;
        for (const auto& w : wanted)
            hit = hit || (test == condition_test::contains ? text.find(w) != std::string_view::npos : text == w);
        table[code] = hit;
    }
    return table;
}

std::string format_shortest(double x) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

} // namespace detail

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const condition&, const condition&) = default;

} // namespace leadscore
