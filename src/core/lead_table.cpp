#include "leadscore/core/lead_table.hpp"

#include "overloaded.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace leadscore {

namespace {

column_data empty_column(field_type t) {
    switch (t) {
    case field_type::numeric: return numeric_column{};
    case field_type::categorical: return categorical_column{};
    case field_type::boolean: return boolean_column{};
    case field_type::timestamp: return timestamp_column{};
    }
    throw definition_error("lead_table: unknown field type");
}

field_type type_of(const column_data& c) noexcept { return static_cast<field_type>(c.index()); }

std::size_t length_of(const column_data& c) noexcept {
    return std::visit(detail::overloaded{[](const categorical_column& k) { return k.codes.size(); },
                                 [](const auto& k) { return k.values.size(); }},
                      c);
}

std::string type_error(const schema& s, std::size_t col, field_type wanted) {
    return "field '" + s[col].name + "' is " + std::string(to_string(s[col].type)) + ", not " +
           std::string(to_string(wanted));
}

field_type type_of(const attribute_value& v) noexcept {
    switch (v.index()) {
    case 0: return field_type::numeric;
    case 1: return field_type::categorical;
    case 2: return field_type::boolean;
    default: return field_type::timestamp;
    }
}

// Fields whose value comes from a member of `lead` rather than from its attributes.
bool is_member_role(field_role r) noexcept { return r != field_role::none && r != field_role::outcome; }

std::int32_t code_for(dictionary& d, std::string_view text) { return text.empty() ? missing_code : d.intern(text); }

} // namespace

// ---- table_view -----------------------------------------------------------------------------------

table_view::table_view(const leadscore::schema& s, std::size_t rows) : schema_(&s), rows_(rows), columns_(s.size()) {}

void table_view::check_bind(std::size_t col, field_type t, std::size_t n) const {
    if (schema_ == nullptr || col >= columns_.size())
        throw definition_error("table_view: no column " + std::to_string(col));
    if ((*schema_)[col].type != t) throw definition_error("table_view: " + type_error(*schema_, col, t));
    if (n != rows_)
        throw definition_error("table_view: field '" + (*schema_)[col].name + "' has " + std::to_string(n) +
                               " values for " + std::to_string(rows_) + " rows");
}

void table_view::set_numeric(std::size_t col, std::span<const double> v) {
    check_bind(col, field_type::numeric, v.size());
    columns_[col] = {v.data(), nullptr};
}
void table_view::set_categorical(std::size_t col, std::span<const std::int32_t> codes, const dictionary& d) {
    check_bind(col, field_type::categorical, codes.size());
    columns_[col] = {codes.data(), &d};
}
void table_view::set_boolean(std::size_t col, std::span<const std::int8_t> v) {
    check_bind(col, field_type::boolean, v.size());
    columns_[col] = {v.data(), nullptr};
}
void table_view::set_timestamp(std::size_t col, std::span<const std::int64_t> v) {
    check_bind(col, field_type::timestamp, v.size());
    columns_[col] = {v.data(), nullptr};
}

void table_view::set_events(std::span<const event_record> events, std::span<const std::uint64_t> offsets,
                            const dictionary& types, const dictionary& details) {
    if (offsets.size() != rows_ + 1)
        throw definition_error("table_view: event offsets need " + std::to_string(rows_ + 1) + " entries, got " +
                               std::to_string(offsets.size()));
    if (!std::is_sorted(offsets.begin(), offsets.end()) || offsets.back() > events.size())
        throw definition_error("table_view: event offsets must be non-decreasing and end within the events");
    events_ = events;
    offsets_ = offsets;
    event_types_ = &types;
    event_details_ = &details;
}

const table_view::column& table_view::bound(std::size_t col, field_type t) const {
    if (schema_ == nullptr || col >= columns_.size())
        throw definition_error("table_view: no column " + std::to_string(col));
    if ((*schema_)[col].type != t) throw definition_error("table_view: " + type_error(*schema_, col, t));
    if (columns_[col].data == nullptr && rows_ != 0)
        throw definition_error("table_view: field '" + (*schema_)[col].name + "' is not bound");
    return columns_[col];
}

std::span<const double> table_view::numeric(std::size_t col) const {
    return {static_cast<const double*>(bound(col, field_type::numeric).data), rows_};
}
std::span<const std::int32_t> table_view::codes(std::size_t col) const {
    return {static_cast<const std::int32_t*>(bound(col, field_type::categorical).data), rows_};
}
const dictionary& table_view::dict(std::size_t col) const {
    const auto& c = bound(col, field_type::categorical);
    if (c.dict == nullptr) throw definition_error("table_view: field '" + (*schema_)[col].name + "' is not bound");
    return *c.dict;
}
std::span<const std::int8_t> table_view::booleans(std::size_t col) const {
    return {static_cast<const std::int8_t*>(bound(col, field_type::boolean).data), rows_};
}
std::span<const std::int64_t> table_view::timestamps(std::size_t col) const {
    return {static_cast<const std::int64_t*>(bound(col, field_type::timestamp).data), rows_};
}

std::span<const event_record> table_view::events_of(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("table_view: row " + std::to_string(row) + " past the end");
    if (offsets_.empty()) return {};
    return events_.subspan(offsets_[row], offsets_[row + 1] - offsets_[row]);
}

const dictionary& table_view::event_types() const {
    if (event_types_ == nullptr) throw definition_error("table_view: no events bound");
    return *event_types_;
}
const dictionary& table_view::event_details() const {
    if (event_details_ == nullptr) throw definition_error("table_view: no events bound");
    return *event_details_;
}

table_view table_view::rows_between(std::size_t begin, std::size_t end) const {
    if (begin > end || end > rows_)
        throw std::out_of_range("table_view: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                                ") outside " + std::to_string(rows_) + " rows");
    table_view v = *this;
    v.rows_ = end - begin;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        if (columns_[c].data == nullptr) continue;
        const auto* base = static_cast<const std::byte*>(columns_[c].data);
        std::size_t width = 0;
        switch ((*schema_)[c].type) {
        case field_type::numeric: width = sizeof(double); break;
        case field_type::categorical: width = sizeof(std::int32_t); break;
        case field_type::boolean: width = sizeof(std::int8_t); break;
        case field_type::timestamp: width = sizeof(std::int64_t); break;
        }
        v.columns_[c].data = base + begin * width;
    }
    if (!offsets_.empty()) v.offsets_ = offsets_.subspan(begin, end - begin + 1); // offsets stay absolute
    return v;
}

// ---- lead_table ------------------------------------------------------------------------------------

lead_table::lead_table(leadscore::schema s) : schema_(std::move(s)) {
    columns_.reserve(schema_.size());
    for (const auto& f : schema_.fields()) columns_.push_back(empty_column(f.type));
}

lead_table lead_table::from_leads(std::span<const lead> leads) {
    std::map<std::string, field_type, std::less<>> attribute_types;
    for (std::size_t i = 0; i < leads.size(); ++i) {
        for (const auto& [name, value] : leads[i].attributes) {
            auto it = attribute_types.find(name);
            if (it == attribute_types.end()) it = attribute_types.emplace(name, type_of(value)).first;
            else if (it->second != type_of(value))
                throw definition_error("lead_table: attribute '" + name + "' is " +
                                       std::string(to_string(it->second)) + " in an earlier lead but " +
                                       std::string(to_string(type_of(value))) + " in lead " + std::to_string(i) +
                                       " ('" + leads[i].id + "')");
        }
    }
    std::vector<field> attributes;
    for (const auto& [name, type] : attribute_types) attributes.push_back({name, type, field_role::none});
    return from_leads(leads, schema::for_leads(attributes));
}

lead_table lead_table::from_leads(std::span<const lead> leads, leadscore::schema s) {
    lead_table t(std::move(s));
    for (auto& c : t.columns_)
        std::visit(detail::overloaded{[&](categorical_column& k) { k.codes.reserve(leads.size()); },
                              [&](auto& k) { k.values.reserve(leads.size()); }},
                   c);
    std::size_t events = 0;
    for (const auto& l : leads) events += l.events.size();
    t.events_.reserve(events);
    t.offsets_.reserve(leads.size() + 1);
    std::vector<const attribute_value*> attribute_of;
    for (const auto& l : leads) t.append(l, attribute_of);
    return t;
}

void lead_table::append(const lead& l) {
    std::vector<const attribute_value*> attribute_of;
    append(l, attribute_of);
}

void lead_table::append(const lead& l, std::vector<const attribute_value*>& attribute_of) {
    // Validate first so a refused lead leaves the table as it was.
    attribute_of.assign(schema_.size(), nullptr);
    for (const auto& [name, value] : l.attributes) {
        const auto col = schema_.find(name);
        if (!col || is_member_role(schema_[*col].role))
            throw definition_error("lead_table: lead '" + l.id + "' has attribute '" + name +
                                   "', which is not an attribute field of the schema");
        if (schema_[*col].type != type_of(value))
            throw definition_error("lead_table: lead '" + l.id + "': attribute " + type_error(schema_, *col, type_of(value)));
        attribute_of[*col] = &value;
    }
    for (std::size_t c = 0; c < schema_.size(); ++c) {
        const field& f = schema_[c];
        auto& data = columns_[c];
        if (is_member_role(f.role)) {
            // schema guarantees the type each role holds (role_accepts).
            const auto text = [&](std::string_view t) {
                auto& cat = std::get<categorical_column>(data);
                cat.codes.push_back(code_for(cat.dict, t));
            };
            switch (f.role) {
            case field_role::id: text(l.id); break;
            case field_role::party: text(to_string(l.party)); break;
            case field_role::name: text(l.contact.name); break;
            case field_role::email: text(l.contact.email); break;
            case field_role::phone: text(l.contact.phone); break;
            case field_role::company: text(l.contact.company); break;
            case field_role::job_title: text(l.contact.job_title); break;
            case field_role::source: text(l.source); break;
            case field_role::stage: text(l.stage); break;
            case field_role::team: text(l.team); break;
            case field_role::owner: text(l.owner); break;
            case field_role::purchase_timeframe: {
                const auto d = l.timeframe.days();
                std::get<numeric_column>(data).values.push_back(d ? static_cast<double>(*d)
                                                                   : std::numeric_limits<double>::quiet_NaN());
                break;
            }
            case field_role::created:
                std::get<timestamp_column>(data).values.push_back(l.created ? to_seconds(*l.created) : missing_time);
                break;
            case field_role::expected_value:
                std::get<numeric_column>(data).values.push_back(
                    l.expected_value.value_or(std::numeric_limits<double>::quiet_NaN()));
                break;
            default: break;
            }
            continue;
        }
        const attribute_value* v = attribute_of[c];
        std::visit(detail::overloaded{
                       [&](numeric_column& k) {
                           k.values.push_back(v ? std::get<double>(*v) : std::numeric_limits<double>::quiet_NaN());
                       },
                       [&](categorical_column& k) {
                           k.codes.push_back(v ? k.dict.intern(std::get<std::string>(*v)) : missing_code);
                       },
                       [&](boolean_column& k) {
                           k.values.push_back(v ? static_cast<std::int8_t>(std::get<bool>(*v)) : missing_flag);
                       },
                       [&](timestamp_column& k) {
                           k.values.push_back(v ? to_seconds(std::get<timestamp>(*v)) : missing_time);
                       },
                   },
                   data);
    }
    // Events: a stable sort by time keeps the CRM's order among simultaneous events.
    const auto first = events_.size();
    for (const auto& e : l.events)
        events_.push_back({to_seconds(e.time), event_types_.intern(e.type), code_for(event_details_, e.detail)});
    const auto by_time = [](const event_record& a, const event_record& b) { return a.time < b.time; };
    if (!std::is_sorted(events_.begin() + static_cast<std::ptrdiff_t>(first), events_.end(), by_time))
        std::stable_sort(events_.begin() + static_cast<std::ptrdiff_t>(first), events_.end(), by_time);
    offsets_.push_back(events_.size());
    ++rows_;
}

lead lead_table::lead_at(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("lead_table: row " + std::to_string(row) + " past the end");
    const auto where = [&](const field& f) {
        source_location loc;
        loc.field = f.name;
        return loc;
    };
    lead l;
    for (std::size_t c = 0; c < schema_.size(); ++c) {
        const field& f = schema_[c];
        const auto& data = columns_[c];
        if (is_member_role(f.role)) {
            if (f.type == field_type::categorical) {
                const auto& cat = std::get<categorical_column>(data);
                const std::int32_t code = cat.codes[row];
                const std::string text = code == missing_code ? std::string() : std::string(cat.dict[code]);
                switch (f.role) {
                case field_role::id: l.id = text; break;
                case field_role::party:
                    if (code != missing_code) {
                        const auto p = parse_party_kind(text);
                        if (!p) throw input_error(where(f), "row " + std::to_string(row) + ": " + "party kind '" + text + "' is neither individual nor organization");
                        l.party = *p;
                    }
                    break;
                case field_role::name: l.contact.name = text; break;
                case field_role::email: l.contact.email = text; break;
                case field_role::phone: l.contact.phone = text; break;
                case field_role::company: l.contact.company = text; break;
                case field_role::job_title: l.contact.job_title = text; break;
                case field_role::source: l.source = text; break;
                case field_role::stage: l.stage = text; break;
                case field_role::team: l.team = text; break;
                case field_role::owner: l.owner = text; break;
                default: break;
                }
            } else if (f.role == field_role::purchase_timeframe) {
                const double d = std::get<numeric_column>(data).values[row];
                if (!std::isnan(d)) {
                    if (!(d >= 0 && d <= std::numeric_limits<std::int32_t>::max()) || d != std::floor(d))
                        throw input_error(where(f), "row " + std::to_string(row) + ": " + "purchase timeframe must be a whole number of days, 0 or more");
                    l.timeframe = purchase_timeframe::within(static_cast<std::int32_t>(d));
                }
            } else if (f.role == field_role::created) {
                const std::int64_t t = std::get<timestamp_column>(data).values[row];
                if (t != missing_time) l.created = from_seconds(t);
            } else if (f.role == field_role::expected_value) {
                const double v = std::get<numeric_column>(data).values[row];
                if (!std::isnan(v)) l.expected_value = v;
            }
            continue;
        }
        std::visit(detail::overloaded{
                       [&](const numeric_column& k) {
                           if (!std::isnan(k.values[row])) l.attributes.emplace(f.name, k.values[row]);
                       },
                       [&](const categorical_column& k) {
                           if (k.codes[row] != missing_code)
                               l.attributes.emplace(f.name, std::string(k.dict[k.codes[row]]));
                       },
                       [&](const boolean_column& k) {
                           if (k.values[row] != missing_flag) l.attributes.emplace(f.name, k.values[row] != 0);
                       },
                       [&](const timestamp_column& k) {
                           if (k.values[row] != missing_time) l.attributes.emplace(f.name, from_seconds(k.values[row]));
                       },
                   },
                   data);
    }
    for (const auto& e : events_of(row))
        l.events.push_back({from_seconds(e.time), std::string(event_types_[e.type]),
                            e.detail == missing_code ? std::string() : std::string(event_details_[e.detail])});
    return l;
}

std::vector<lead> lead_table::to_leads() const {
    std::vector<lead> out;
    out.reserve(rows_);
    for (std::size_t r = 0; r < rows_; ++r) out.push_back(lead_at(r));
    return out;
}

namespace {
// Maps every code of `from` to a code of `to`, adding entries to `to` as needed.
std::vector<std::int32_t> remap(const dictionary& from, dictionary& to) {
    std::vector<std::int32_t> m(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) m[i] = to.intern(from[static_cast<std::int32_t>(i)]);
    return m;
}
std::int32_t mapped(const std::vector<std::int32_t>& m, std::int32_t code) { return code < 0 ? code : m[code]; }
} // namespace

void lead_table::append(const lead_table& other) {
    if (!(other.schema_ == schema_)) throw definition_error("lead_table: cannot append a table of another schema");
    if (&other == this) {
        const lead_table copy = other;
        append(copy);
        return;
    }
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        std::visit(detail::overloaded{
                       [&](categorical_column& k) {
                           const auto& src = std::get<categorical_column>(other.columns_[c]);
                           const auto m = remap(src.dict, k.dict);
                           for (const auto code : src.codes) k.codes.push_back(mapped(m, code));
                       },
                       [&](auto& k) {
                           const auto& src = std::get<std::decay_t<decltype(k)>>(other.columns_[c]);
                           k.values.insert(k.values.end(), src.values.begin(), src.values.end());
                       },
                   },
                   columns_[c]);
    }
    const auto types = remap(other.event_types_, event_types_);
    const auto details = remap(other.event_details_, event_details_);
    const std::uint64_t shift = events_.size();
    for (const auto& e : other.events_) events_.push_back({e.time, mapped(types, e.type), mapped(details, e.detail)});
    for (std::size_t r = 1; r < other.offsets_.size(); ++r) offsets_.push_back(other.offsets_[r] + shift);
    rows_ += other.rows_;
}

lead_table lead_table::select(std::span<const std::size_t> rows) const {
    for (const auto r : rows)
        if (r >= rows_) throw std::out_of_range("lead_table::select: row " + std::to_string(r) + " past the end");
    lead_table t(schema_);
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        std::visit(detail::overloaded{
                       [&](categorical_column& k) {
                           const auto& src = std::get<categorical_column>(columns_[c]);
                           k.dict = src.dict; // same codes; unused entries are harmless
                           k.codes.reserve(rows.size());
                           for (const auto r : rows) k.codes.push_back(src.codes[r]);
                       },
                       [&](auto& k) {
                           const auto& src = std::get<std::decay_t<decltype(k)>>(columns_[c]);
                           k.values.reserve(rows.size());
                           for (const auto r : rows) k.values.push_back(src.values[r]);
                       },
                   },
                   t.columns_[c]);
    }
    t.event_types_ = event_types_;
    t.event_details_ = event_details_;
    t.offsets_.reserve(rows.size() + 1);
    for (const auto r : rows) {
        const auto ev = events_of(r);
        t.events_.insert(t.events_.end(), ev.begin(), ev.end());
        t.offsets_.push_back(t.events_.size());
    }
    t.rows_ = rows.size();
    return t;
}

table_view lead_table::view() const {
    table_view v(schema_, rows_);
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        std::visit(detail::overloaded{
                       [&](const numeric_column& k) { v.set_numeric(c, k.values); },
                       [&](const categorical_column& k) { v.set_categorical(c, k.codes, k.dict); },
                       [&](const boolean_column& k) { v.set_boolean(c, k.values); },
                       [&](const timestamp_column& k) { v.set_timestamp(c, k.values); },
                   },
                   columns_[c]);
    }
    v.set_events(events_, offsets_, event_types_, event_details_);
    return v;
}

namespace {
template <class Column>
const Column& typed(const schema& s, const std::vector<column_data>& columns, std::size_t col, field_type t) {
    const auto* k = std::get_if<Column>(&columns.at(col));
    if (k == nullptr) throw definition_error("lead_table: " + type_error(s, col, t));
    return *k;
}
} // namespace

std::span<const double> lead_table::numeric(std::size_t col) const {
    return typed<numeric_column>(schema_, columns_, col, field_type::numeric).values;
}
std::span<const std::int32_t> lead_table::codes(std::size_t col) const {
    return typed<categorical_column>(schema_, columns_, col, field_type::categorical).codes;
}
const dictionary& lead_table::dict(std::size_t col) const {
    return typed<categorical_column>(schema_, columns_, col, field_type::categorical).dict;
}
std::span<const std::int8_t> lead_table::booleans(std::size_t col) const {
    return typed<boolean_column>(schema_, columns_, col, field_type::boolean).values;
}
std::span<const std::int64_t> lead_table::timestamps(std::size_t col) const {
    return typed<timestamp_column>(schema_, columns_, col, field_type::timestamp).values;
}
std::span<const event_record> lead_table::events_of(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("lead_table: row " + std::to_string(row) + " past the end");
    return std::span<const event_record>(events_).subspan(offsets_[row], offsets_[row + 1] - offsets_[row]);
}

void lead_table::finish_rows() {
    const std::size_t n = columns_.empty() ? offsets_.size() - 1 : length_of(columns_.front());
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        if (type_of(columns_[c]) != schema_[c].type)
            throw definition_error("lead_table: column '" + schema_[c].name + "' holds the wrong type");
        if (length_of(columns_[c]) != n)
            throw definition_error("lead_table: column '" + schema_[c].name + "' has " +
                                   std::to_string(length_of(columns_[c])) + " values, column '" + schema_[0].name +
                                   "' has " + std::to_string(n));
        if (const auto* k = std::get_if<categorical_column>(&columns_[c])) {
            // Valid codes are missing_code (-1) and 0 .. size - 1 (a dictionary holds at most 2^31 - 1 entries):
            // the extremes are checked first, in a pass that vectorizes, and the culprit is looked for only then.
            const auto size = static_cast<std::int32_t>(k->dict.size());
            std::int32_t low = missing_code, high = missing_code;
            for (const auto code : k->codes) {
                low = std::min(low, code);
                high = std::max(high, code);
            }
            if (low < missing_code || high >= size) {
                const auto code = *std::find_if(k->codes.begin(), k->codes.end(),
                                                [&](std::int32_t x) { return x < missing_code || x >= size; });
                throw definition_error("lead_table: column '" + schema_[c].name + "' holds code " +
                                       std::to_string(code) + " outside its dictionary");
            }
        }
    }
    if (offsets_.size() == 1 && events_.empty()) offsets_.assign(n + 1, 0);
    if (offsets_.size() != n + 1 || offsets_.front() != 0 || offsets_.back() != events_.size())
        throw definition_error("lead_table: event offsets need " + std::to_string(n + 1) +
                               " entries from 0 to the number of events");
    for (std::size_t r = 0; r < n; ++r) {
        if (offsets_[r] > offsets_[r + 1]) throw definition_error("lead_table: event offsets decrease at row " + std::to_string(r));
        bool unsorted = false;
        for (std::uint64_t i = offsets_[r] + 1; i < offsets_[r + 1]; ++i) unsorted |= events_[i].time < events_[i - 1].time;
        if (unsorted) throw definition_error("lead_table: the events of row " + std::to_string(r) + " are not sorted by time");
    }
    // By extremes, like the codes above: types are 0 .. size - 1, details missing_code or 0 .. size - 1.
    std::int32_t type_low = 0, type_high = -1, detail_low = missing_code, detail_high = missing_code;
    for (const auto& e : events_) {
        type_low = std::min(type_low, e.type);
        type_high = std::max(type_high, e.type);
        detail_low = std::min(detail_low, e.detail);
        detail_high = std::max(detail_high, e.detail);
    }
    if (type_low < 0 || static_cast<std::int64_t>(type_high) >= static_cast<std::int64_t>(event_types_.size()) ||
        detail_low < missing_code || static_cast<std::int64_t>(detail_high) >= static_cast<std::int64_t>(event_details_.size()))
        throw definition_error("lead_table: an event holds a code outside its dictionary");
    rows_ = n;
}

void lead_table::shrink_to_fit() {
    for (auto& c : columns_)
        std::visit(detail::overloaded{[](categorical_column& k) {
                                  k.codes.shrink_to_fit();
                                  k.dict.shrink_to_fit();
                              },
                              [](auto& k) { k.values.shrink_to_fit(); }},
                   c);
    events_.shrink_to_fit();
    offsets_.shrink_to_fit();
    event_types_.shrink_to_fit();
    event_details_.shrink_to_fit();
}

std::size_t lead_table::memory_bytes() const noexcept {
    std::size_t b = events_.capacity() * sizeof(event_record) + offsets_.capacity() * sizeof(std::uint64_t) +
                    event_types_.memory_bytes() + event_details_.memory_bytes();
    for (const auto& c : columns_)
        b += std::visit(detail::overloaded{[](const categorical_column& k) {
                                       return k.codes.capacity() * sizeof(std::int32_t) + k.dict.memory_bytes();
                                   },
                                   [](const auto& k) { return k.values.capacity() * sizeof(k.values[0]); }},
                        c);
    return b;
}

std::size_t lead_table::raw_bytes() const noexcept {
    std::size_t b = events_.size() * sizeof(event_record) + rows_ * sizeof(std::uint64_t) +
                    event_types_.raw_bytes() + event_details_.raw_bytes();
    for (const auto& c : columns_)
        b += std::visit(detail::overloaded{[](const categorical_column& k) {
                                       return k.codes.size() * sizeof(std::int32_t) + k.dict.raw_bytes();
                                   },
                                   [](const auto& k) { return k.values.size() * sizeof(k.values[0]); }},
                        c);
    return b;
}

bool operator==(const lead_table& a, const lead_table& b) {
    if (!(a.schema_ == b.schema_) || a.rows_ != b.rows_) return false;
    const auto text = [](const dictionary& d, std::int32_t code) {
        return code == missing_code ? std::optional<std::string_view>() : std::optional<std::string_view>(d[code]);
    };
    for (std::size_t c = 0; c < a.columns_.size(); ++c) {
        const bool same = std::visit(
            detail::overloaded{
                [&](const numeric_column& k) {
                    const auto& o = std::get<numeric_column>(b.columns_[c]).values;
                    return std::equal(k.values.begin(), k.values.end(), o.begin(), o.end(),
                                      [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); });
                },
                [&](const categorical_column& k) {
                    const auto& o = std::get<categorical_column>(b.columns_[c]);
                    for (std::size_t r = 0; r < a.rows_; ++r)
                        if (text(k.dict, k.codes[r]) != text(o.dict, o.codes[r])) return false;
                    return true;
                },
                [&](const auto& k) {
                    return k.values == std::get<std::decay_t<decltype(k)>>(b.columns_[c]).values;
                },
            },
            a.columns_[c]);
        if (!same) return false;
    }
    for (std::size_t r = 0; r < a.rows_; ++r) {
        const auto ea = a.events_of(r), eb = b.events_of(r);
        if (ea.size() != eb.size()) return false;
        for (std::size_t i = 0; i < ea.size(); ++i)
            if (ea[i].time != eb[i].time || a.event_types_[ea[i].type] != b.event_types_[eb[i].type] ||
                text(a.event_details_, ea[i].detail) != text(b.event_details_, eb[i].detail))
                return false;
    }
    return true;
}

} // namespace leadscore
