#include "columns.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace leadscore::sql::detail {

namespace {

column_data empty_sql_column(field_type t) {
    switch (t) {
    case field_type::numeric: return numeric_column{};
    case field_type::categorical: return categorical_column{};
    case field_type::boolean: return boolean_column{};
    case field_type::timestamp: return timestamp_column{};
    }
    return numeric_column{};
}

bool contains_name(std::span<const std::string> names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

/// A boolean field's text: true/false, t/f (PostgreSQL's output), yes/no (any case), 1/0.
std::optional<bool> sql_bool_text(std::string_view s) {
    std::string lower(s);
    for (auto& ch : lower)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    if (lower == "true" || lower == "t" || lower == "yes" || lower == "1") return true;
    if (lower == "false" || lower == "f" || lower == "no" || lower == "0") return false;
    return std::nullopt;
}

} // namespace

std::vector<column_plan> plan_columns(std::span<const std::string> names,
                                      std::span<const std::optional<field_type>> native, const read_options& options,
                                      std::string_view object) {
    std::vector<column_plan> plan;
    plan.reserve(names.size());
    for (std::size_t c = 0; c < names.size(); ++c) {
        for (std::size_t d = 0; d < c; ++d)
            if (names[d] == names[c])
                throw input_error({std::string(object), 0, 0, names[c]}, "the result names this column twice");
        const auto given = options.fields ? options.fields->find(names[c]) : std::nullopt;
        const bool text = contains_name(options.text_columns, names[c]) || (options.all_text && !given);
        column_plan p{names[c], native[c], field_role::none, text, false};
        if (given) {
            const field& f = (*options.fields)[*given];
            if (p.exact_text && f.type != field_type::categorical)
                throw definition_error("text column '" + f.name + "' is a " + std::string(to_string(f.type)) +
                                       " field of the schema: a text column must be categorical");
            p.type = f.type;
            p.role = f.role;
        } else if (p.exact_text) {
            p.type = field_type::categorical;
        } else if (options.fields && options.only_fields) {
            p.skip = true;
        }
        plan.push_back(std::move(p));
    }
    if (options.fields)
        for (const auto& f : options.fields->fields())
            if (!contains_name(names, f.name))
                throw input_error({std::string(object), 0, 0, f.name}, "no such column in the result");
    return plan;
}

namespace {

std::uint64_t column_text_word(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

/// Eight bytes a step (the last step overlapping the one before), each mixed by a multiply, then a murmur finalizer:
/// the high 32 bits pick the slot and tell texts apart.
std::uint64_t column_text_hash(std::string_view s) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t h = n * 0x9E3779B97F4A7C15ULL;
    const auto mix = [&h](std::uint64_t w) {
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    };
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) mix(column_text_word(p + i));
        mix(column_text_word(p + n - 8));
    } else if (n > 0) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, n);
        mix(w);
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

} // namespace

std::int32_t column_texts::append(std::string_view v) {
    if (size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) ||
        text_.size() + v.size() > std::numeric_limits<std::uint32_t>::max())
        throw error("dictionary: more distinct values or text than a column can hold");
    text_.append(v);
    offsets_.push_back(static_cast<std::uint32_t>(text_.size()));
    return static_cast<std::int32_t>(size() - 1);
}

std::int32_t column_texts::intern(std::string_view v) {
    if (rising_) index_all();
    // Load factor at most 1/2: a probe for a new text (the common case of an id) ends after about two slots.
    if ((size() + 1) * 2 > slots_.size()) grow();
    const std::uint64_t tag = column_text_hash(v) >> 32;
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = tag & mask;
    for (; slots_[i] != 0; i = (i + 1) & mask)
        if ((slots_[i] >> 32) == tag) {
            const auto code = static_cast<std::int32_t>((slots_[i] & 0xFFFFFFFFu) - 1);
            if ((*this)[code] == v) return code;
        }
    const std::int32_t code = append(v);
    slots_[i] = tag << 32 | (static_cast<std::uint64_t>(code) + 1);
    return code;
}

std::int32_t column_texts::intern_integer(std::int64_t i, std::string_view v) {
    if (rising_ && (size() == 0 || i > last_)) {
        last_ = i;
        return append(v);
    }
    return intern(v);
}

void column_texts::index_all() {
    rising_ = false;
    std::size_t slots = 16;
    while ((size() + 1) * 2 > slots) slots *= 2;
    slots_.assign(slots, 0);
    const std::size_t mask = slots - 1;
    for (std::int32_t code = 0; code < static_cast<std::int32_t>(size()); ++code) {
        const std::uint64_t tag = column_text_hash((*this)[code]) >> 32;
        std::size_t i = tag & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = tag << 32 | (static_cast<std::uint64_t>(code) + 1);
    }
}

void column_texts::grow() {
    std::vector<std::uint64_t> old(slots_.size() * 2, 0);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const std::uint64_t s : old) {
        if (s == 0) continue;
        std::size_t i = (s >> 32) & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = s;
    }
}

dictionary column_texts::take() {
    slots_ = {};
    rising_ = true;
    auto offsets = std::exchange(offsets_, {0});
    return dictionary::from_distinct(std::exchange(text_, {}), std::move(offsets));
}

std::int32_t recent_codes::intern(column_texts& texts, std::string_view v) {
    std::uint64_t head = 0, tail = 0;
    std::memcpy(&head, v.data(), std::min<std::size_t>(v.size(), 8));
    if (v.size() > 8) std::memcpy(&tail, v.data() + v.size() - 8, 8);
    const std::uint64_t key = ((head ^ (std::uint64_t{v.size()} << 56)) * 0x9E3779B97F4A7C15ULL ^ tail) *
                              0xBF58476D1CE4E5B9ULL;
    entry& e = entries_[key >> 58];
    // Size, head and tail cover every byte of a text of up to 16 bytes; a longer one is compared whole.
    if (e.code != missing_code && e.size == v.size() && e.head == head && e.tail == tail &&
        (v.size() <= 16 || texts[e.code] == v))
        return e.code;
    e = {head, tail, static_cast<std::uint32_t>(v.size()), texts.intern(v)};
    return e.code;
}

table_builder::table_builder(std::vector<column_plan> plan, std::vector<std::string> missing_texts,
                             const time_zone* zone)
    : plan_(std::move(plan)), missing_texts_(std::move(missing_texts)), zone_(zone), slot_(plan_.size(), 0) {
    for (std::size_t c = 0; c < plan_.size(); ++c) {
        if (plan_[c].skip) continue;
        slot_[c] = columns_.size();
        columns_.push_back(empty_sql_column(plan_[c].type.value_or(field_type::categorical)));
    }
    recent_.resize(columns_.size());
    texts_.resize(columns_.size());
}

void table_builder::decide(std::size_t c, field_type t) {
    plan_[c].type = t;
    columns_[slot_[c]] = empty_sql_column(t);
}

bool table_builder::is_missing_text(std::string_view v) const {
    return std::find(missing_texts_.begin(), missing_texts_.end(), v) != missing_texts_.end();
}

bool table_builder::refuse(std::string reason) {
    why_ = std::move(reason);
    return false;
}

void table_builder::add_null(std::size_t c) {
    std::visit(
        [](auto& col) {
            using column_type = std::decay_t<decltype(col)>;
            if constexpr (std::is_same_v<column_type, numeric_column>)
                col.values.push_back(std::numeric_limits<double>::quiet_NaN());
            else if constexpr (std::is_same_v<column_type, categorical_column>) col.codes.push_back(missing_code);
            else if constexpr (std::is_same_v<column_type, boolean_column>) col.values.push_back(missing_flag);
            else col.values.push_back(missing_time);
        },
        columns_[slot_[c]]);
}

bool table_builder::add_integer_other(std::size_t c, std::int64_t v) {
    column_data& d = columns_[slot_[c]];
    if (auto* k = std::get_if<categorical_column>(&d)) {
        char buf[24];
        const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
        return k->codes.push_back(
                   texts_[slot_[c]].intern_integer(v, std::string_view(buf, static_cast<std::size_t>(end - buf)))),
               true;
    }
    if (auto* b = std::get_if<boolean_column>(&d)) {
        if (v != 0 && v != 1) return refuse("integer " + std::to_string(v) + " is not a boolean (0 or 1)");
        return b->values.push_back(static_cast<std::int8_t>(v)), true;
    }
    return add_seconds(c, v);
}

bool table_builder::add_double_other(std::size_t c, double v) {
    column_data& d = columns_[slot_[c]];
    if (auto* k = std::get_if<categorical_column>(&d))
        return k->codes.push_back(texts_[slot_[c]].intern(shortest_text(v))), true;
    if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 9.2e18) return add_integer(c, static_cast<std::int64_t>(v));
    return refuse("number " + shortest_text(v) + " is not a " + std::string(to_string(*plan_[c].type)));
}

bool table_builder::add_boolean(std::size_t c, bool v) {
    column_data& d = columns_[slot_[c]];
    if (auto* b = std::get_if<boolean_column>(&d)) return b->values.push_back(v ? 1 : 0), true;
    if (auto* k = std::get_if<categorical_column>(&d))
        return k->codes.push_back(texts_[slot_[c]].intern(v ? "true" : "false")), true;
    if (auto* n = std::get_if<numeric_column>(&d)) return n->values.push_back(v ? 1.0 : 0.0), true;
    return refuse("a boolean is not a timestamp");
}

bool table_builder::add_seconds(std::size_t c, std::int64_t seconds) {
    column_data& d = columns_[slot_[c]];
    if (auto* t = std::get_if<timestamp_column>(&d)) {
        if (seconds == missing_time) return refuse("the time is out of range");
        return t->values.push_back(seconds), true;
    }
    if (auto* k = std::get_if<categorical_column>(&d))
        return k->codes.push_back(texts_[slot_[c]].intern(format_timestamp(from_seconds(seconds)))), true;
    return refuse("a timestamp is not a " + std::string(to_string(*plan_[c].type)));
}

bool table_builder::add_text(std::size_t c, std::string_view v) {
    column_data& d = columns_[slot_[c]];
    if (auto* k = std::get_if<categorical_column>(&d)) {
        if (!plan_[c].exact_text && is_missing_text(v)) return k->codes.push_back(missing_code), true;
        return k->codes.push_back(recent_[slot_[c]].intern(texts_[slot_[c]], v)), true;
    }
    if (is_missing_text(v)) return add_null(c), true;
    if (std::holds_alternative<numeric_column>(d)) {
        double x = 0;
        if (!parse_number_text(v, x)) return refuse("text " + quoted_value(v) + " is not a number");
        return add_double(c, x);
    }
    if (std::holds_alternative<boolean_column>(d)) {
        const auto b = sql_bool_text(v);
        if (!b) return refuse("text " + quoted_value(v) + " is not a boolean (true/false, yes/no, 1/0)");
        return add_boolean(c, *b);
    }
    const auto t = sql_time_seconds(v, zone_);
    if (!t) return refuse("text " + quoted_value(v) + " is not an ISO-8601 timestamp");
    return add_seconds(c, *t);
}

bool table_builder::add_time_text(std::size_t c, std::string_view v) {
    const auto t = sql_time_seconds(v, zone_);
    return t ? add_seconds(c, *t) : add_text(c, v);
}

lead_table table_builder::finish() {
    schema s;
    for (const auto& p : plan_)
        if (!p.skip) s.add({p.name, p.type.value_or(field_type::categorical), p.role});
    lead_table table(std::move(s));
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        if (auto* k = std::get_if<categorical_column>(&columns_[i])) k->dict = texts_[i].take();
        table.column(i) = std::move(columns_[i]);
    }
    table.finish_rows();
    return table;
}

std::string shortest_text(double v) {
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    return {buf, static_cast<std::size_t>(end - buf)};
}

bool parse_number_text(std::string_view s, double& out) noexcept {
    if (s.empty()) return false;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size() && !std::isinf(out);
}

std::string quoted_value(std::string_view s) {
    constexpr std::size_t limit = 40;
    std::size_t n = std::min(s.size(), limit);
    while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return "'" + std::string(s.substr(0, n)) + (n < s.size() ? "...'" : "'");
}

void throw_value_error(const std::string& db, std::string_view object, std::size_t row, std::string_view column,
                       const std::string& reason) {
    throw input_error({db + ", " + std::string(object), 0, 0, std::string(column)},
                      "row " + std::to_string(row) + ": " + reason);
}

} // namespace leadscore::sql::detail
