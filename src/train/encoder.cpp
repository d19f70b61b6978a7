#include "leadscore/train/encoder.hpp"
#include "../core/messages.hpp"
#include "columns.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace leadscore {

using detail::field_place;

std::string_view to_string(numeric_encoding e) noexcept {
    switch (e) {
    case numeric_encoding::standardize: return "standardize";
    case numeric_encoding::bins: return "bins";
    case numeric_encoding::standardize_and_bins: return "standardize_and_bins";
    }
    return "?";
}

namespace {

[[noreturn]] void fail(const std::string& what) { throw definition_error("learn encoder: " + what); }

struct moments {
    double mean = 0, sd = 1;
};

/// Mean and population standard deviation (two passes, so a large common offset costs no precision); sd 1 when 0.
moments moments_of(const std::vector<double>& v) {
    moments m;
    if (v.empty()) return m;
    double s = 0;
    for (const double x : v) s += x;
    m.mean = s / static_cast<double>(v.size());
    double q = 0;
    for (const double x : v) q += (x - m.mean) * (x - m.mean);
    const double sd = std::sqrt(q / static_cast<double>(v.size()));
    m.sd = sd > 0 && std::isfinite(sd) ? sd : 1.0;
    return m;
}

/// Cut points at the quantiles k / bins of sorted values: the value at position ⌊k·n/bins⌋, so about k·n/bins values
/// lie below cut k (a value equal to a cut belongs to the bin above). Repeats and cuts at the minimum are dropped.
std::vector<double> quantile_cuts(std::vector<double> v, std::size_t bins) {
    std::sort(v.begin(), v.end());
    std::vector<double> cuts;
    const std::size_t n = v.size();
    for (std::size_t k = 1; k < bins; ++k) {
        const double c = v[std::min(n - 1, (k * n) / bins)];
        if (c > v.front() && (cuts.empty() || c > cuts.back())) cuts.push_back(c);
    }
    return cuts;
}

/// What learning one field needs: the view, the training rows, the options, and where specs and notes go.
struct learning {
    const table_view& view;
    std::span<const std::size_t> rows;
    const encoder_options& options;
    std::vector<feature_spec>& specs;
    std::vector<std::string>& notes;
};

void check_options(const table_view& view, std::span<const std::size_t> rows, const encoder_options& options) {
    if (options.min_category_count == 0) fail("min_category_count must be at least 1");
    if (options.bins < 2) fail("bins must be at least 2 (got " + std::to_string(options.bins) + ")");
    if (options.unknown == unknown_category::error && options.min_category_count > 1)
        fail("unknown rule 'error' with min_category_count above 1: pooled texts would make every row holding one "
             "throw");
    if (!(options.event_window_days > 0) || !std::isfinite(options.event_window_days))
        fail("event_window_days must be finite and above 0");
    const auto& fields = view.table_schema();
    for (const auto r : rows)
        if (r >= view.rows())
            fail("row " + std::to_string(r) + " is past the end of a view of " + std::to_string(view.rows()) + " rows");
    for (const auto& [name, mode] : options.numeric_by_field) {
        const auto c = fields.find(name);
        if (!c || fields[*c].type != field_type::numeric)
            fail("numeric_by_field names '" + name + "', which is not a numeric field of the table");
    }
}

void learn_numeric(const learning& l, std::size_t c) {
    const auto& f = l.view.table_schema()[c];
    const auto values = l.view.numeric(c);
    std::vector<double> present;
    present.reserve(l.rows.size());
    for (const auto r : l.rows) {
        const double x = values[r];
        if (std::isnan(x)) continue;
        if (!std::isfinite(x)) throw input_error(field_place(f.name), "row " + std::to_string(r) + ": the value is infinite");
        present.push_back(x);
    }
    if (present.empty()) {
        l.notes.push_back("field '" + f.name + "' left out: no present value in the training rows");
        return;
    }
    const bool indicator = present.size() < l.rows.size() && l.options.missing_indicators;
    const auto it = l.options.numeric_by_field.find(f.name);
    const auto mode = it == l.options.numeric_by_field.end() ? l.options.numeric : it->second;
    const bool standardize = mode != numeric_encoding::bins;
    if (standardize) {
        const auto m = moments_of(present);
        l.specs.push_back(numeric_feature{.field = f.name, .center = m.mean, .scale = m.sd, .impute = m.mean,
                                          .missing_indicator = indicator});
    }
    if (mode == numeric_encoding::standardize) return;
    auto cuts = quantile_cuts(std::move(present), l.options.bins);
    if (cuts.empty()) {
        l.notes.push_back("field '" + f.name + "': no bins (a single value in the training rows)");
        if (!standardize)
            l.specs.push_back(numeric_feature{.field = f.name, .center = 0, .scale = 1, .impute = 0,
                                              .missing_indicator = indicator});
    } else {
        l.specs.push_back(binned_feature{.field = f.name, .cuts = std::move(cuts),
                                         .missing_indicator = indicator && !standardize});
    }
}

void learn_categorical(const learning& l, std::size_t c) {
    const auto& f = l.view.table_schema()[c];
    const auto codes = l.view.codes(c);
    const auto& dict = l.view.dict(c);
    std::vector<std::size_t> count(dict.size(), 0);
    bool has_missing = false;
    for (const auto r : l.rows) {
        const std::int32_t code = codes[r];
        if (code == missing_code) {
            has_missing = true;
            continue;
        }
        if (code < 0 || static_cast<std::size_t>(code) >= count.size())
            throw input_error(field_place(f.name), "row " + std::to_string(r) + ": code " + std::to_string(code) +
                                                       " is outside the field's dictionary of " +
                                                       std::to_string(count.size()) + " entries");
        ++count[static_cast<std::size_t>(code)];
    }
    const std::size_t min_count = l.options.min_category_count;
    std::vector<std::int32_t> kept;
    std::size_t pooled = 0;
    for (std::size_t k = 0; k < count.size(); ++k) {
        if (count[k] >= min_count) kept.push_back(static_cast<std::int32_t>(k));
        else if (count[k] > 0) ++pooled;
    }
    if (kept.empty()) {
        l.notes.push_back("field '" + f.name + "' left out: " +
                          (pooled == 0 ? std::string("no present value in the training rows")
                                       : "every text is seen in fewer than " + std::to_string(min_count) + " rows"));
        return;
    }
    std::sort(kept.begin(), kept.end(), [&](std::int32_t a, std::int32_t b) {
        const auto ca = count[static_cast<std::size_t>(a)], cb = count[static_cast<std::size_t>(b)];
        return ca != cb ? ca > cb : dict[a] < dict[b];
    });
    categorical_feature spec{.field = f.name};
    for (const auto k : kept) spec.vocabulary.emplace_back(dict[k]);
    spec.unknown = l.options.unknown == unknown_category::other && pooled == 0 ? unknown_category::zeros
                                                                               : l.options.unknown;
    spec.missing_feature = has_missing && l.options.missing_indicators;
    if (pooled > 0)
        l.notes.push_back("field '" + f.name + "': " + std::to_string(pooled) + " text" + (pooled == 1 ? "" : "s") +
                          " seen in fewer than " + std::to_string(min_count) + " rows pooled as '" +
                          std::string(to_string(spec.unknown)) + "'");
    l.specs.push_back(std::move(spec));
}

void learn_boolean(const learning& l, std::size_t c) {
    const auto& f = l.view.table_schema()[c];
    const auto flags = l.view.booleans(c);
    std::size_t present = 0, trues = 0;
    for (const auto r : l.rows) {
        const std::int8_t v = flags[r];
        if (v == missing_flag) continue;
        if (v != 0 && v != 1)
            throw input_error(field_place(f.name), "row " + std::to_string(r) + ": boolean value " +
                                                       std::to_string(int{v}) + " is not 0, 1 or missing");
        ++present;
        trues += static_cast<std::size_t>(v);
    }
    if (present == 0) {
        l.notes.push_back("field '" + f.name + "' left out: no present value in the training rows");
        return;
    }
    l.specs.push_back(boolean_feature{.field = f.name,
                                      .impute = static_cast<double>(trues) / static_cast<double>(present),
                                      .missing_indicator = present < l.rows.size() && l.options.missing_indicators});
}

// Counted with unit scale first, then standardized by the counts of the training rows.
void learn_event_counts(const learning& l, timestamp as_of) {
    if (!l.view.has_events()) fail("event counts asked for, but the table carries no engagement events");
    std::vector<feature_spec> raw;
    for (const auto& t : l.options.event_counts)
        raw.push_back(frequency_feature{.event_types = {t}, .window_days = l.options.event_window_days,
                                        .log1p = l.options.event_log1p});
    const feature_encoder counter(raw);
    const auto bound = counter.bind(l.view, as_of);
    const std::size_t k = raw.size();
    std::vector<std::vector<double>> values(k, std::vector<double>(l.rows.size()));
    std::vector<double> x(k);
    for (std::size_t i = 0; i < l.rows.size(); ++i) {
        bound.encode(l.rows[i], x);
        for (std::size_t j = 0; j < k; ++j) values[j][i] = x[j];
    }
    for (std::size_t j = 0; j < k; ++j) {
        auto spec = std::get<frequency_feature>(raw[j]);
        const auto m = moments_of(values[j]);
        spec.center = m.mean;
        spec.scale = m.sd;
        l.specs.push_back(std::move(spec));
    }
}

} // namespace

namespace detail {

bool excluded_role(field_role r) noexcept {
    switch (r) {
    case field_role::id:
    case field_role::name:
    case field_role::email:
    case field_role::phone:
    case field_role::company:
    case field_role::stage:
    case field_role::outcome: return true;
    default: return false;
    }
}

std::vector<std::size_t> chosen_columns(const schema& fields, std::span<const std::string> listed,
                                        std::span<const std::string> exclude, std::string_view target_field,
                                        std::string_view caller) {
    const auto fail_here = [&](const std::string& what) { throw definition_error(std::string(caller) + ": " + what); };
    for (const auto& e : exclude)
        if (!fields.find(e)) fail_here("excluded field '" + e + "' is not in the table");
    std::vector<std::size_t> columns;
    if (listed.empty()) {
        for (std::size_t c = 0; c < fields.size(); ++c) {
            const auto& f = fields[c];
            if (f.type == field_type::timestamp || excluded_role(f.role) || f.name == target_field) continue;
            if (std::find(exclude.begin(), exclude.end(), f.name) != exclude.end()) continue;
            columns.push_back(c);
        }
        return columns;
    }
    for (const auto& name : listed) {
        const auto c = fields.find(name);
        if (!c) fail_here("field '" + name + "' is not in the table");
        if (name == target_field) fail_here("field '" + name + "' is the target: reading it would leak the answer");
        if (fields[*c].type == field_type::timestamp)
            fail_here("field '" + name + "' is a timestamp, which cannot be learned from (derive a numeric field)");
        if (std::find(columns.begin(), columns.end(), *c) != columns.end()) fail_here("field '" + name + "' is listed twice");
        columns.push_back(*c);
    }
    return columns;
}

} // namespace detail

learned_encoder learn_encoder(const table_view& view, std::span<const std::size_t> rows,
                              const encoder_options& options, timestamp as_of, std::string_view target_field) {
    check_options(view, rows, options);
    const auto& fields = view.table_schema();
    learned_encoder out;
    std::vector<feature_spec> specs;
    const learning l{view, rows, options, specs, out.notes};
    for (const auto c : detail::chosen_columns(fields, options.fields, options.exclude, target_field, "learn encoder")) {
        switch (fields[c].type) {
        case field_type::numeric: learn_numeric(l, c); break;
        case field_type::categorical: learn_categorical(l, c); break;
        case field_type::boolean: learn_boolean(l, c); break;
        case field_type::timestamp: break;
        }
    }
    if (!options.event_counts.empty()) learn_event_counts(l, as_of);
    out.encoder = feature_encoder(std::move(specs));
    return out;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const encoder_options&, const encoder_options&) = default;

} // namespace leadscore
