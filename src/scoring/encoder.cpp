#include "leadscore/scoring/encoder.hpp"
#include "../core/messages.hpp"
#include "../core/numbers.hpp"

#include "../core/overloaded.hpp"

#include "leadscore/core/catalogue.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <unordered_set>

namespace leadscore {

using detail::field_place;

std::string_view to_string(unknown_category u) noexcept {
    switch (u) {
    case unknown_category::zeros: return "zeros";
    case unknown_category::other: return "other";
    case unknown_category::error: return "error";
    }
    return "?";
}

std::optional<unknown_category> parse_unknown_category(std::string_view s) noexcept {
    if (s == "zeros") return unknown_category::zeros;
    if (s == "other") return unknown_category::other;
    if (s == "error") return unknown_category::error;
    return std::nullopt;
}

namespace {

using detail::seconds_per_day;

// Shortest text that reads back as the same double, so bin names show the cut points exactly.
std::string number_text(double x) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

std::string types_text(const std::vector<std::string>& types) {
    std::string s;
    for (std::size_t i = 0; i < types.size(); ++i) s.append(i == 0 ? "" : " or ").append(types[i]);
    return s;
}

std::string recency_name(const recency_feature& f) {
    return "days since " + (f.event_types.empty() ? std::string("any event") : types_text(f.event_types));
}

std::string frequency_name(const frequency_feature& f) {
    const std::string types = f.event_types.empty() ? std::string("events") : types_text(f.event_types);
    return f.window_days >= unlimited_window_days ? types : types + " in " + number_text(f.window_days) + " days";
}

} // namespace

std::string spec_name(const feature_spec& spec) {
    return std::visit(detail::overloaded{[](const recency_feature& f) { return recency_name(f); },
                                 [](const frequency_feature& f) { return frequency_name(f); },
                                 [](const auto& f) { return f.field; }},
                      spec);
}

struct feature_encoder::data {
    std::vector<feature_spec> specs;
    std::vector<std::string> spec_names;              // spec_name of each specification
    std::vector<std::string> names;
    std::vector<std::size_t> offsets{0};              // specs.size() + 1 entries
    std::vector<std::vector<std::string>> event_keys; // per spec: normalized event types (event features only)
};

namespace {

struct spec_checker {
    std::size_t index;
    std::string name;

    [[noreturn]] void fail(const std::string& what) const {
        throw definition_error("encoder: feature spec " + std::to_string(index) + " ('" + name + "'): " + what);
    }
    void field(const std::string& f) const {
        if (f.empty()) fail("the field name is empty");
    }
    void finite(double x, const char* what) const {
        if (!std::isfinite(x)) fail(std::string(what) + " must be finite (got " + number_text(x) + ")");
    }
    void scale(double s) const {
        if (!std::isfinite(s) || s == 0.0) fail("scale must be finite and not 0 (got " + number_text(s) + ")");
    }
    void positive_days(double d, const char* what) const {
        if (!std::isfinite(d) || d <= 0.0) fail(std::string(what) + " must be finite and above 0 days (got " +
                                                number_text(d) + ")");
    }
    std::vector<std::string> event_types(const std::vector<std::string>& types) const {
        std::vector<std::string> keys;
        std::set<std::string> seen;
        for (const auto& t : types) {
            auto key = normalize_name(t);
            if (key.empty()) fail("an event type name is empty");
            if (!seen.insert(key).second) fail("event type '" + t + "' is listed twice");
            keys.push_back(std::move(key));
        }
        return keys;
    }
};

// Each specification checked, and its feature names appended; event features also give their normalized types.

void check_and_name(const spec_checker& check, const numeric_feature& f, std::vector<std::string>& names,
                    std::vector<std::string>&) {
    check.field(f.field);
    check.finite(f.center, "center");
    check.scale(f.scale);
    check.finite(f.impute, "the imputed value");
    names.push_back(f.field);
    if (f.missing_indicator) names.push_back(f.field + " missing");
}

void check_and_name(const spec_checker& check, const binned_feature& f, std::vector<std::string>& names,
                    std::vector<std::string>&) {
    check.field(f.field);
    if (f.cuts.empty()) check.fail("a binned feature needs at least one cut point");
    for (std::size_t k = 0; k < f.cuts.size(); ++k) {
        if (!std::isfinite(f.cuts[k]))
            check.fail("cut point " + std::to_string(k) + " is not finite (" + number_text(f.cuts[k]) + ")");
        if (k > 0 && !(f.cuts[k] > f.cuts[k - 1]))
            check.fail("cut points must be strictly ascending (" + number_text(f.cuts[k - 1]) + " then " +
                       number_text(f.cuts[k]) + ")");
    }
    names.push_back(f.field + " < " + number_text(f.cuts.front()));
    for (std::size_t k = 1; k < f.cuts.size(); ++k)
        names.push_back(f.field + " in [" + number_text(f.cuts[k - 1]) + ", " + number_text(f.cuts[k]) + ")");
    names.push_back(f.field + " >= " + number_text(f.cuts.back()));
    if (f.missing_indicator) names.push_back(f.field + " missing");
}

void check_and_name(const spec_checker& check, const categorical_feature& f, std::vector<std::string>& names,
                    std::vector<std::string>&) {
    check.field(f.field);
    if (f.vocabulary.empty()) check.fail("the vocabulary is empty");
    std::unordered_set<std::string_view> seen;
    for (const auto& text : f.vocabulary)
        if (!seen.insert(text).second) check.fail("vocabulary entry '" + text + "' is repeated");
    for (const auto& text : f.vocabulary) names.push_back(f.field + "=" + text);
    if (f.unknown == unknown_category::other) names.push_back(f.field + " other");
    if (f.missing_feature) names.push_back(f.field + " missing");
}

void check_and_name(const spec_checker& check, const boolean_feature& f, std::vector<std::string>& names,
                    std::vector<std::string>&) {
    check.field(f.field);
    check.finite(f.impute, "the imputed value");
    names.push_back(f.field);
    if (f.missing_indicator) names.push_back(f.field + " missing");
}

void check_and_name(const spec_checker& check, const recency_feature& f, std::vector<std::string>& names,
                    std::vector<std::string>& keys) {
    keys = check.event_types(f.event_types);
    check.positive_days(f.cap_days, "the cap");
    check.finite(f.center, "center");
    check.scale(f.scale);
    names.push_back(recency_name(f));
    if (f.none_indicator)
        names.push_back("no " + (f.event_types.empty() ? std::string("event") : types_text(f.event_types)));
}

void check_and_name(const spec_checker& check, const frequency_feature& f, std::vector<std::string>& names,
                    std::vector<std::string>& keys) {
    keys = check.event_types(f.event_types);
    check.positive_days(f.window_days, "the window");
    check.finite(f.center, "center");
    check.scale(f.scale);
    names.push_back(f.log1p ? "log1p(" + frequency_name(f) + ")" : frequency_name(f));
}

} // namespace

feature_encoder::feature_encoder() : feature_encoder(std::vector<feature_spec>{}) {}

feature_encoder::feature_encoder(std::vector<feature_spec> specs) {
    auto d = std::make_shared<data>();
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const spec_checker check{i, spec_name(specs[i])};
        std::vector<std::string> keys;
        std::visit([&](const auto& f) { check_and_name(check, f, d->names, keys); }, specs[i]);
        d->offsets.push_back(d->names.size());
        d->event_keys.push_back(std::move(keys));
        d->spec_names.push_back(check.name);
    }
    // Names identify features in explanations and in a model's configuration, so they must be unique.
    std::unordered_set<std::string_view> seen;
    for (std::size_t j = 0; j < d->names.size(); ++j) {
        if (seen.insert(d->names[j]).second) continue;
        const auto spec = static_cast<std::size_t>(std::upper_bound(d->offsets.begin(), d->offsets.end(), j) -
                                                   d->offsets.begin()) - 1;
        spec_checker{spec, spec_name(specs[spec])}.fail("feature name '" + d->names[j] +
                                                        "' is already used by an earlier feature");
    }
    d->specs = std::move(specs);
    data_ = std::move(d);
}

std::size_t feature_encoder::width() const noexcept { return data_->names.size(); }
const std::vector<std::string>& feature_encoder::names() const noexcept { return data_->names; }
const std::vector<feature_spec>& feature_encoder::specs() const noexcept { return data_->specs; }
std::size_t feature_encoder::offset(std::size_t spec) const { return data_->offsets.at(spec); }

policy_fields feature_encoder::fields_read() const {
    policy_fields f;
    for (const auto& spec : data_->specs)
        std::visit(
            [&](const auto& s) {
                if constexpr (requires { s.field; }) f.add(s.field);
                else f.events = true; // recency and frequency features count events
            },
            spec);
    return f;
}

bool operator==(const feature_encoder& a, const feature_encoder& b) noexcept {
    return a.data_ == b.data_ || a.data_->specs == b.data_->specs;
}

bound_encoder feature_encoder::bind(const table_view& view, timestamp as_of) const {
    bound_encoder b(*this, view.rows(), to_seconds(as_of));
    const auto& fields = view.table_schema();
    for (std::size_t i = 0; i < data_->specs.size(); ++i) {
        const auto& spec = data_->specs[i];
        detail::resolved_spec r;
        r.index = i;
        r.offset = data_->offsets[i];
        r.field = data_->spec_names[i];
        const spec_checker check{i, data_->spec_names[i]};
        const auto column = [&](const std::string& name, field_type wanted, const char* kind) {
            const auto c = fields.find(name);
            if (!c) check.fail("no field '" + name + "' in the table");
            if (fields[*c].type != wanted)
                check.fail("field '" + name + "' is " + std::string(to_string(fields[*c].type)) + ", a " + kind +
                           " feature needs a " + std::string(to_string(wanted)) + " field");
            return *c;
        };
        const auto events = [&] {
            if (!view.has_events()) check.fail("the table carries no engagement events");
            const auto& types = view.event_types();
            const auto& keys = data_->event_keys[i];
            r.counted.assign(types.size(), keys.empty() ? 1 : 0);
            if (keys.empty()) return;
            const std::set<std::string_view> wanted(keys.begin(), keys.end());
            for (std::size_t c = 0; c < types.size(); ++c)
                r.counted[c] = wanted.contains(normalize_name(types[static_cast<std::int32_t>(c)])) ? 1 : 0;
        };
        std::visit(detail::overloaded{
                       [&](const numeric_feature& f) {
                           r.numbers = view.numeric(column(f.field, field_type::numeric, "numeric")).data();
                       },
                       [&](const binned_feature& f) {
                           r.numbers = view.numeric(column(f.field, field_type::numeric, "binned")).data();
                       },
                       [&](const categorical_feature& f) {
                           const auto c = column(f.field, field_type::categorical, "categorical");
                           r.codes = view.codes(c).data();
                           r.dict = &view.dict(c);
                           const std::int32_t fallback =
                               f.unknown == unknown_category::other   ? static_cast<std::int32_t>(f.vocabulary.size())
                               : f.unknown == unknown_category::error ? detail::error_slot
                                                                      : detail::no_slot;
                           r.slot.assign(r.dict->size(), fallback);
                           for (std::size_t k = 0; k < f.vocabulary.size(); ++k)
                               if (const auto code = r.dict->find(f.vocabulary[k]))
                                   r.slot[static_cast<std::size_t>(*code)] = static_cast<std::int32_t>(k);
                       },
                       [&](const boolean_feature& f) {
                           r.flags = view.booleans(column(f.field, field_type::boolean, "boolean")).data();
                       },
                       [&](const recency_feature&) { events(); },
                       [&](const frequency_feature&) { events(); },
                   },
                   spec);
        b.specs_.push_back(std::move(r));
    }
    if (view.has_events()) {
        b.events_ = view.all_events();
        b.event_offsets_ = view.event_offsets();
        b.event_type_count_ = view.event_types().size();
    }
    return b;
}

namespace detail {

std::size_t bin_of(std::span<const double> cuts, double x) noexcept {
    return static_cast<std::size_t>(std::upper_bound(cuts.begin(), cuts.end(), x) - cuts.begin());
}

} // namespace detail

std::size_t bound_encoder::width() const noexcept { return encoder_.width(); }

std::int32_t bound_encoder::category_slot(const detail::resolved_spec& s, std::size_t row) const {
    const std::int32_t code = s.codes[row];
    if (code < 0 || static_cast<std::size_t>(code) >= s.slot.size())
        throw input_error(field_place(s.field), "row " + std::to_string(row) + ": code " + std::to_string(code) +
                                                    " is outside the field's dictionary of " +
                                                    std::to_string(s.slot.size()) + " entries");
    return s.slot[static_cast<std::size_t>(code)];
}

void bound_encoder::unknown_category_error(const detail::resolved_spec& s, std::size_t row) const {
    throw input_error(field_place(s.field), "row " + std::to_string(row) + ": '" +
                                                std::string((*s.dict)[s.codes[row]]) +
                                                "' is not in the feature's vocabulary (unknown rule: error)");
}

void bound_encoder::bad_flag_error(const detail::resolved_spec& s, std::size_t row) const {
    throw input_error(field_place(s.field), "row " + std::to_string(row) + ": boolean value " +
                                                std::to_string(int{s.flags[row]}) + " is not 0, 1 or missing");
}

void bound_encoder::check_event_type(const detail::resolved_spec& s, std::size_t row, const event_record& e) const {
    if (e.type < 0 || static_cast<std::size_t>(e.type) >= s.counted.size())
        throw input_error(field_place(s.field), "row " + std::to_string(row) + ": event type code " +
                                                    std::to_string(e.type) +
                                                    " is outside the event type dictionary of " +
                                                    std::to_string(s.counted.size()) + " entries");
}

bool bound_encoder::counts(const detail::resolved_spec& s, std::size_t row, const event_record& e) const {
    check_event_type(s, row, e);
    return e.time <= as_of_ && s.counted[static_cast<std::size_t>(e.type)] != 0;
}

std::optional<double> bound_encoder::days_since_last(const detail::resolved_spec& s, std::size_t row) const {
    // A linear scan: it needs no time order, so a CRM's unsorted arrays give the right answer too.
    bool found = false;
    std::int64_t last = 0;
    for (auto k = event_offsets_[row]; k < event_offsets_[row + 1]; ++k) {
        const auto& e = events_[k];
        if (counts(s, row, e) && (!found || e.time > last)) {
            last = e.time;
            found = true;
        }
    }
    if (!found) return std::nullopt;
    // In double: as_of − last cannot overflow there, and is exact for any realistic time.
    return (static_cast<double>(as_of_) - static_cast<double>(last)) / seconds_per_day;
}

std::size_t bound_encoder::count_within(const detail::resolved_spec& s, std::size_t row, double window_days) const {
    const double window_seconds = window_days * seconds_per_day;
    std::size_t n = 0;
    for (auto k = event_offsets_[row]; k < event_offsets_[row + 1]; ++k) {
        const auto& e = events_[k];
        if (counts(s, row, e) && static_cast<double>(as_of_) - static_cast<double>(e.time) <= window_seconds) ++n;
    }
    return n;
}

namespace {

// The features of one specification for one row, written through put(j, value) with j counted from the
// specification's first feature. Only non-zero values are written: the caller starts from zeros.
template <class Put>
void put_features(const bound_encoder& b, const detail::resolved_spec& s, const numeric_feature& f, std::size_t row,
                  Put&& put) {
    (void)b;
    const double v = s.numbers[row];
    if (std::isnan(v)) {
        put(0, (f.impute - f.center) / f.scale);
        if (f.missing_indicator) put(1, 1.0);
    } else {
        put(0, (v - f.center) / f.scale);
    }
}

template <class Put>
void put_features(const bound_encoder& b, const detail::resolved_spec& s, const binned_feature& f, std::size_t row,
                  Put&& put) {
    (void)b;
    const double v = s.numbers[row];
    if (!std::isnan(v)) put(detail::bin_of(f.cuts, v), 1.0);
    else if (f.missing_indicator) put(f.cuts.size() + 1, 1.0);
}

template <class Put>
void put_features(const bound_encoder& b, const detail::resolved_spec& s, const categorical_feature& f,
                  std::size_t row, Put&& put) {
    if (s.codes[row] == missing_code) {
        if (f.missing_feature) put(f.vocabulary.size() + (f.unknown == unknown_category::other ? 1 : 0), 1.0);
        return;
    }
    const auto slot = b.category_slot(s, row);
    if (slot >= 0) put(static_cast<std::size_t>(slot), 1.0);
    else if (slot == detail::error_slot) b.unknown_category_error(s, row);
}

template <class Put>
void put_features(const bound_encoder& b, const detail::resolved_spec& s, const boolean_feature& f, std::size_t row,
                  Put&& put) {
    const std::int8_t v = s.flags[row];
    if (v == missing_flag) {
        put(0, f.impute);
        if (f.missing_indicator) put(1, 1.0);
    } else if (v == 1) {
        put(0, 1.0);
    } else if (v != 0) {
        b.bad_flag_error(s, row);
    }
}

template <class Put>
void put_features(const bound_encoder& b, const detail::resolved_spec& s, const recency_feature& f, std::size_t row,
                  Put&& put) {
    const auto days = b.days_since_last(s, row);
    put(0, ((days ? std::min(*days, f.cap_days) : f.cap_days) - f.center) / f.scale);
    if (f.none_indicator && !days) put(1, 1.0);
}

template <class Put>
void put_features(const bound_encoder& b, const detail::resolved_spec& s, const frequency_feature& f,
                  std::size_t row, Put&& put) {
    const auto n = static_cast<double>(b.count_within(s, row, f.window_days));
    put(0, ((f.log1p ? std::log1p(n) : n) - f.center) / f.scale);
}

} // namespace

void bound_encoder::encode(std::size_t row, std::span<double> out) const {
    if (row >= rows_)
        throw definition_error("encoder: row " + std::to_string(row) + " of a view of " + std::to_string(rows_) +
                               " rows");
    if (out.size() != width())
        throw definition_error("encoder: the output has " + std::to_string(out.size()) + " elements for " +
                               std::to_string(width()) + " features");
    std::fill(out.begin(), out.end(), 0.0);
    const auto& specs = encoder_.specs();
    for (const auto& s : specs_) {
        double* x = out.data() + s.offset;
        std::visit([&](const auto& f) { put_features(*this, s, f, row, [x](std::size_t j, double v) { x[j] = v; }); },
                   specs[s.index]);
    }
}

void bound_encoder::encode_rows(std::size_t first, std::size_t count, std::span<double> out) const {
    if (first > rows_ || count > rows_ - first)
        throw definition_error("encoder: rows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                               ") of a view of " + std::to_string(rows_) + " rows");
    if (out.size() != count * width())
        throw definition_error("encoder: the output has " + std::to_string(out.size()) + " elements for " +
                               std::to_string(count) + " rows of " + std::to_string(width()) + " features");
    std::fill(out.begin(), out.end(), 0.0);
    // Specification by specification, rows in order: a column-major matrix is then written down its columns
    // rather than across them (row by row, each row would touch width() far-apart cache lines).
    const auto& specs = encoder_.specs();
    double* x = out.data();
    for (const auto& s : specs_) {
        std::visit(
            [&](const auto& f) {
                for (std::size_t i = 0; i < count; ++i) {
                    put_features(*this, s, f, first + i,
                                 [&](std::size_t j, double v) { x[(s.offset + j) * count + i] = v; });
                }
            },
            specs[s.index]);
    }
}

std::vector<double> bound_encoder::encode_rows(std::size_t first, std::size_t count) const {
    if (first > rows_ || count > rows_ - first)
        throw definition_error("encoder: rows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                               ") of a view of " + std::to_string(rows_) + " rows");
    std::vector<double> x(count * width());
    encode_rows(first, count, x);
    return x;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const numeric_feature&, const numeric_feature&) = default;
bool operator==(const binned_feature&, const binned_feature&) = default;
bool operator==(const categorical_feature&, const categorical_feature&) = default;
bool operator==(const boolean_feature&, const boolean_feature&) = default;
bool operator==(const recency_feature&, const recency_feature&) = default;
bool operator==(const frequency_feature&, const frequency_feature&) = default;

} // namespace leadscore
