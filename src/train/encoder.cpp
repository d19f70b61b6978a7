#include "leadscore/train/encoder.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace leadscore {

std::string_view to_string(numeric_encoding e) noexcept {
    switch (e) {
    case numeric_encoding::standardize: return "standardize";
    case numeric_encoding::bins: return "bins";
    case numeric_encoding::standardize_and_bins: return "standardize_and_bins";
    }
    return "?";
}

namespace {

source_location field_place(std::string_view field) {
    source_location where;
    where.field = std::string(field);
    return where;
}

[[noreturn]] void fail(const std::string& what) { throw definition_error("learn encoder: " + what); }

bool excluded_role(field_role r) {
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

} // namespace

learned_encoder learn_encoder(const table_view& view, std::span<const std::size_t> rows,
                              const encoder_options& options, timestamp as_of, std::string_view target_field) {
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
    for (const auto& e : options.exclude)
        if (!fields.find(e)) fail("excluded field '" + e + "' is not in the table");
    for (const auto& [name, mode] : options.numeric_by_field) {
        const auto c = fields.find(name);
        if (!c || fields[*c].type != field_type::numeric)
            fail("numeric_by_field names '" + name + "', which is not a numeric field of the table");
    }

    std::vector<std::size_t> columns;
    if (options.fields.empty()) {
        for (std::size_t c = 0; c < fields.size(); ++c) {
            const auto& f = fields[c];
            if (f.type == field_type::timestamp || excluded_role(f.role) || f.name == target_field) continue;
            if (std::find(options.exclude.begin(), options.exclude.end(), f.name) != options.exclude.end()) continue;
            columns.push_back(c);
        }
    } else {
        for (const auto& name : options.fields) {
            const auto c = fields.find(name);
            if (!c) fail("field '" + name + "' is not in the table");
            if (name == target_field) fail("field '" + name + "' is the target: encoding it would leak the answer");
            if (fields[*c].type == field_type::timestamp)
                fail("field '" + name + "' is a timestamp, which the encoder cannot read (derive a numeric field)");
            if (std::find(columns.begin(), columns.end(), *c) != columns.end()) fail("field '" + name + "' is listed twice");
            columns.push_back(*c);
        }
    }

    learned_encoder out;
    std::vector<feature_spec> specs;
    const bool indicators = options.missing_indicators;
    for (const auto c : columns) {
        const auto& f = fields[c];
        switch (f.type) {
        case field_type::numeric: {
            const auto values = view.numeric(c);
            std::vector<double> present;
            present.reserve(rows.size());
            for (const auto r : rows) {
                const double x = values[r];
                if (std::isnan(x)) continue;
                if (!std::isfinite(x))
                    throw input_error(field_place(f.name), "row " + std::to_string(r) + ": the value is infinite");
                present.push_back(x);
            }
            if (present.empty()) {
                out.notes.push_back("field '" + f.name + "' left out: no present value in the training rows");
                break;
            }
            const bool has_missing = present.size() < rows.size();
            const auto it = options.numeric_by_field.find(f.name);
            const auto mode = it == options.numeric_by_field.end() ? options.numeric : it->second;
            const bool standardize = mode != numeric_encoding::bins;
            if (standardize) {
                const auto m = moments_of(present);
                specs.push_back(numeric_feature{.field = f.name, .center = m.mean, .scale = m.sd, .impute = m.mean,
                                                .missing_indicator = has_missing && indicators});
            }
            if (mode != numeric_encoding::standardize) {
                auto cuts = quantile_cuts(std::move(present), options.bins);
                if (cuts.empty()) {
                    out.notes.push_back("field '" + f.name + "': no bins (a single value in the training rows)");
                    if (!standardize)
                        specs.push_back(numeric_feature{.field = f.name, .center = 0, .scale = 1, .impute = 0,
                                                        .missing_indicator = has_missing && indicators});
                } else {
                    specs.push_back(binned_feature{.field = f.name, .cuts = std::move(cuts),
                                                   .missing_indicator = has_missing && indicators && !standardize});
                }
            }
            break;
        }
        case field_type::categorical: {
            const auto codes = view.codes(c);
            const auto& dict = view.dict(c);
            std::vector<std::size_t> count(dict.size(), 0);
            bool has_missing = false;
            for (const auto r : rows) {
                const std::int32_t code = codes[r];
                if (code == missing_code) {
                    has_missing = true;
                    continue;
                }
                if (code < 0 || static_cast<std::size_t>(code) >= count.size())
                    throw input_error(field_place(f.name), "row " + std::to_string(r) + ": code " +
                                                               std::to_string(code) + " is outside the field's dictionary of " +
                                                               std::to_string(count.size()) + " entries");
                ++count[static_cast<std::size_t>(code)];
            }
            std::vector<std::int32_t> kept;
            std::size_t pooled = 0;
            for (std::size_t k = 0; k < count.size(); ++k) {
                if (count[k] >= options.min_category_count) kept.push_back(static_cast<std::int32_t>(k));
                else if (count[k] > 0) ++pooled;
            }
            if (kept.empty()) {
                out.notes.push_back("field '" + f.name + "' left out: " +
                                    (pooled == 0 ? std::string("no present value in the training rows")
                                                 : "every text is seen in fewer than " +
                                                       std::to_string(options.min_category_count) + " rows"));
                break;
            }
            std::sort(kept.begin(), kept.end(), [&](std::int32_t a, std::int32_t b) {
                const auto ca = count[static_cast<std::size_t>(a)], cb = count[static_cast<std::size_t>(b)];
                return ca != cb ? ca > cb : dict[a] < dict[b];
            });
            categorical_feature spec{.field = f.name};
            for (const auto k : kept) spec.vocabulary.emplace_back(dict[k]);
            spec.unknown = options.unknown == unknown_category::other && pooled == 0 ? unknown_category::zeros
                                                                                     : options.unknown;
            spec.missing_feature = has_missing && indicators;
            if (pooled > 0)
                out.notes.push_back("field '" + f.name + "': " + std::to_string(pooled) + " text" +
                                    (pooled == 1 ? "" : "s") + " seen in fewer than " +
                                    std::to_string(options.min_category_count) + " rows pooled as '" +
                                    std::string(to_string(spec.unknown)) + "'");
            specs.push_back(std::move(spec));
            break;
        }
        case field_type::boolean: {
            const auto flags = view.booleans(c);
            std::size_t present = 0, trues = 0;
            for (const auto r : rows) {
                const std::int8_t v = flags[r];
                if (v == missing_flag) continue;
                if (v != 0 && v != 1)
                    throw input_error(field_place(f.name), "row " + std::to_string(r) + ": boolean value " +
                                                               std::to_string(int{v}) + " is not 0, 1 or missing");
                ++present;
                trues += static_cast<std::size_t>(v);
            }
            if (present == 0) {
                out.notes.push_back("field '" + f.name + "' left out: no present value in the training rows");
                break;
            }
            specs.push_back(boolean_feature{.field = f.name,
                                            .impute = static_cast<double>(trues) / static_cast<double>(present),
                                            .missing_indicator = present < rows.size() && indicators});
            break;
        }
        case field_type::timestamp: break;
        }
    }

    if (!options.event_counts.empty()) {
        if (!view.has_events()) fail("event counts asked for, but the table carries no engagement events");
        // Count with unit scale first, then standardize by the counts of the training rows.
        std::vector<feature_spec> raw;
        for (const auto& t : options.event_counts)
            raw.push_back(frequency_feature{.event_types = {t}, .window_days = options.event_window_days,
                                            .log1p = options.event_log1p});
        const feature_encoder counter(raw);
        const auto bound = counter.bind(view, as_of);
        const std::size_t k = raw.size();
        std::vector<std::vector<double>> values(k, std::vector<double>(rows.size()));
        std::vector<double> x(k);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            bound.encode(rows[i], x);
            for (std::size_t j = 0; j < k; ++j) values[j][i] = x[j];
        }
        for (std::size_t j = 0; j < k; ++j) {
            auto spec = std::get<frequency_feature>(raw[j]);
            const auto m = moments_of(values[j]);
            spec.center = m.mean;
            spec.scale = m.sd;
            specs.push_back(std::move(spec));
        }
    }

    out.encoder = feature_encoder(std::move(specs));
    return out;
}

} // namespace leadscore
