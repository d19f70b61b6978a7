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

void check_encoder_options(const schema& fields, const encoder_options& options) {
    if (options.min_category_count == 0) fail("min_category_count must be at least 1");
    if (options.bins < 2) fail("bins must be at least 2 (got " + std::to_string(options.bins) + ")");
    if (options.unknown == unknown_category::error && options.min_category_count > 1)
        fail("unknown rule 'error' with min_category_count above 1: pooled texts would make every row holding one "
             "throw");
    if (!(options.event_window_days > 0) || !std::isfinite(options.event_window_days))
        fail("event_window_days must be finite and above 0");
    for (const auto& [name, mode] : options.numeric_by_field) {
        const auto c = fields.find(name);
        if (!c || fields[*c].type != field_type::numeric)
            fail("numeric_by_field names '" + name + "', which is not a numeric field of the table");
    }
}

numeric_encoding stats_encoding_of(const encoder_options& o, const std::string& field) {
    const auto it = o.numeric_by_field.find(field);
    return it == o.numeric_by_field.end() ? o.numeric : it->second;
}

/// Chan et al.'s merge of (count, mean, squared deviations): exact in the counts, rounding in the rest.
void stats_merge_moments(field_statistics& s, std::uint64_t n, double mean, double squares) {
    if (n == 0) return;
    if (s.present == 0) {
        s.present = n;
        s.mean = mean;
        s.squares = squares;
        return;
    }
    const auto na = static_cast<double>(s.present), nb = static_cast<double>(n), total = na + nb;
    const double delta = mean - s.mean;
    s.mean += delta * (nb / total);
    s.squares += squares + delta * delta * (na * nb / total);
    s.present += n;
}

/// Adds counted keys (ascending, none repeated) into counted keys of the same form.
template <class K>
void stats_merge_counted(std::vector<K>& keys, std::vector<std::uint64_t>& counts, const std::vector<K>& more,
                   const std::vector<std::uint64_t>& more_counts) {
    std::vector<K> k;
    std::vector<std::uint64_t> c;
    k.reserve(keys.size() + more.size());
    c.reserve(keys.size() + more.size());
    std::size_t i = 0, j = 0;
    while (i < keys.size() || j < more.size()) {
        if (j == more.size() || (i < keys.size() && keys[i] < more[j])) {
            k.push_back(std::move(keys[i]));
            c.push_back(counts[i++]);
        } else if (i == keys.size() || more[j] < keys[i]) {
            k.push_back(more[j]);
            c.push_back(more_counts[j++]);
        } else {
            k.push_back(std::move(keys[i]));
            c.push_back(counts[i++] + more_counts[j++]);
        }
    }
    keys = std::move(k);
    counts = std::move(c);
}

/// Sorted values as distinct values and their counts.
void stats_count_sorted(std::vector<double>& sorted, std::vector<std::uint64_t>& counts) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (out > 0 && sorted[out - 1] == sorted[i]) {
            ++counts.back();
            continue;
        }
        sorted[out++] = sorted[i];
        counts.push_back(1);
    }
    sorted.resize(out);
}

void stats_add_numeric(field_statistics& s, bool binned, const table_view& view, std::size_t c,
                 std::span<const std::size_t> rows) {
    const auto values = view.numeric(c);
    double sum = 0;
    std::uint64_t n = 0;
    std::vector<double> kept;
    if (binned) kept.reserve(rows.size());
    for (const auto r : rows) {
        const double x = values[r];
        if (std::isnan(x)) continue;
        if (!std::isfinite(x)) throw input_error(field_place(s.name), "row " + std::to_string(r) + ": the value is infinite");
        sum += x;
        ++n;
        if (binned) kept.push_back(x + 0.0); // −0 becomes 0: one key per value
    }
    s.rows += rows.size();
    if (n == 0) return;
    // Two passes over the part, so a large common offset costs no precision.
    const double mean = sum / static_cast<double>(n);
    double q = 0;
    for (const auto r : rows)
        if (const double x = values[r]; !std::isnan(x)) q += (x - mean) * (x - mean);
    stats_merge_moments(s, n, mean, q);
    if (!binned) return;
    std::sort(kept.begin(), kept.end());
    std::vector<std::uint64_t> counts;
    stats_count_sorted(kept, counts);
    stats_merge_counted(s.values, s.counts, kept, counts);
}

void stats_add_categorical(field_statistics& s, const table_view& view, std::size_t c, std::span<const std::size_t> rows) {
    const auto codes = view.codes(c);
    const auto& dict = view.dict(c);
    std::vector<std::uint64_t> count(dict.size(), 0);
    std::uint64_t present = 0;
    for (const auto r : rows) {
        const std::int32_t code = codes[r];
        if (code == missing_code) continue;
        if (code < 0 || static_cast<std::size_t>(code) >= count.size())
            throw input_error(field_place(s.name), "row " + std::to_string(r) + ": code " + std::to_string(code) +
                                                       " is outside the field's dictionary of " +
                                                       std::to_string(count.size()) + " entries");
        ++count[static_cast<std::size_t>(code)];
        ++present;
    }
    std::vector<std::int32_t> seen;
    for (std::size_t k = 0; k < count.size(); ++k)
        if (count[k] > 0) seen.push_back(static_cast<std::int32_t>(k));
    std::sort(seen.begin(), seen.end(), [&](std::int32_t a, std::int32_t b) { return dict[a] < dict[b]; });
    std::vector<std::string> texts;
    std::vector<std::uint64_t> counts;
    for (const auto k : seen) {
        texts.emplace_back(dict[k]);
        counts.push_back(count[static_cast<std::size_t>(k)]);
    }
    stats_merge_counted(s.texts, s.counts, texts, counts);
    s.rows += rows.size();
    s.present += present;
}

void stats_add_boolean(field_statistics& s, const table_view& view, std::size_t c, std::span<const std::size_t> rows) {
    const auto flags = view.booleans(c);
    for (const auto r : rows) {
        const std::int8_t v = flags[r];
        if (v == missing_flag) continue;
        if (v != 0 && v != 1)
            throw input_error(field_place(s.name), "row " + std::to_string(r) + ": boolean value " +
                                                       std::to_string(int{v}) + " is not 0, 1 or missing");
        ++s.present;
        s.trues += static_cast<std::uint64_t>(v);
    }
    s.rows += rows.size();
}

/// Event counts of the rows, counted with unit scale, as numeric statistics (every row present).
void stats_add_event_counts(std::span<field_statistics> stats, const encoder_options& o, const table_view& view,
                      timestamp as_of, std::span<const std::size_t> rows) {
    if (!view.has_events()) fail("event counts asked for, but the table carries no engagement events");
    std::vector<feature_spec> raw;
    for (const auto& t : o.event_counts)
        raw.push_back(frequency_feature{.event_types = {t}, .window_days = o.event_window_days, .log1p = o.event_log1p});
    const feature_encoder counter(raw);
    const auto bound = counter.bind(view, as_of);
    const std::size_t k = raw.size();
    std::vector<double> values(k * rows.size()), x(k);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        bound.encode(rows[i], x);
        for (std::size_t j = 0; j < k; ++j) values[j * rows.size() + i] = x[j];
    }
    for (std::size_t j = 0; j < k; ++j) {
        const std::span<const double> v(values.data() + j * rows.size(), rows.size());
        double sum = 0;
        for (const double a : v) sum += a;
        stats[j].rows += rows.size();
        if (v.empty()) continue;
        const double mean = sum / static_cast<double>(v.size());
        double q = 0;
        for (const double a : v) q += (a - mean) * (a - mean);
        stats_merge_moments(stats[j], v.size(), mean, q);
    }
}

/// The population standard deviation, 1 when it is 0 or not finite.
double stats_scale(const field_statistics& s) {
    if (s.present == 0) return 1.0;
    const double sd = std::sqrt(s.squares / static_cast<double>(s.present));
    return sd > 0 && std::isfinite(sd) ? sd : 1.0;
}

/// Cut points at the quantiles k / bins of the counted values: the value at sorted position ⌊k·n/bins⌋, so about
/// k·n/bins values lie below cut k (a value equal to a cut belongs to the bin above). Repeats and cuts at the minimum
/// are dropped.
std::vector<double> quantile_cuts(const field_statistics& s, std::size_t bins) {
    std::vector<double> cuts;
    const std::uint64_t n = s.present;
    std::size_t at = 0;      // the entry holding sorted position `below` …
    std::uint64_t below = 0; // … which starts there
    for (std::size_t k = 1; k < bins; ++k) {
        const std::uint64_t p = std::min<std::uint64_t>(n - 1, (k * n) / bins);
        while (below + s.counts[at] <= p) below += s.counts[at++];
        const double c = s.values[at];
        if (c > s.values.front() && (cuts.empty() || c > cuts.back())) cuts.push_back(c);
    }
    return cuts;
}

/// Where finish puts specs and notes.
struct encoder_output {
    const encoder_options& options;
    std::vector<feature_spec>& specs;
    std::vector<std::string>& notes;
};

void stats_finish_numeric(const encoder_output& out, const field_statistics& s) {
    if (s.present == 0) {
        out.notes.push_back("field '" + s.name + "' left out: no present value in the training rows");
        return;
    }
    const bool indicator = s.present < s.rows && out.options.missing_indicators;
    const auto mode = stats_encoding_of(out.options, s.name);
    const bool standardize = mode != numeric_encoding::bins;
    if (standardize)
        out.specs.push_back(numeric_feature{.field = s.name, .center = s.mean, .scale = stats_scale(s), .impute = s.mean,
                                            .missing_indicator = indicator});
    if (mode == numeric_encoding::standardize) return;
    auto cuts = quantile_cuts(s, out.options.bins);
    if (cuts.empty()) {
        out.notes.push_back("field '" + s.name + "': no bins (a single value in the training rows)");
        if (!standardize)
            out.specs.push_back(numeric_feature{.field = s.name, .center = 0, .scale = 1, .impute = 0,
                                                .missing_indicator = indicator});
    } else {
        out.specs.push_back(binned_feature{.field = s.name, .cuts = std::move(cuts),
                                           .missing_indicator = indicator && !standardize});
    }
}

void stats_finish_categorical(const encoder_output& out, const field_statistics& s) {
    const std::size_t min_count = out.options.min_category_count;
    std::vector<std::size_t> kept;
    std::size_t pooled = 0;
    for (std::size_t k = 0; k < s.texts.size(); ++k) {
        if (s.counts[k] >= min_count) kept.push_back(k);
        else ++pooled;
    }
    if (kept.empty()) {
        out.notes.push_back("field '" + s.name + "' left out: " +
                            (pooled == 0 ? std::string("no present value in the training rows")
                                         : "every text is seen in fewer than " + std::to_string(min_count) + " rows"));
        return;
    }
    std::sort(kept.begin(), kept.end(), [&](std::size_t a, std::size_t b) {
        return s.counts[a] != s.counts[b] ? s.counts[a] > s.counts[b] : s.texts[a] < s.texts[b];
    });
    categorical_feature spec{.field = s.name};
    for (const auto k : kept) spec.vocabulary.push_back(s.texts[k]);
    spec.unknown = out.options.unknown == unknown_category::other && pooled == 0 ? unknown_category::zeros
                                                                                 : out.options.unknown;
    spec.missing_feature = s.present < s.rows && out.options.missing_indicators;
    if (pooled > 0)
        out.notes.push_back("field '" + s.name + "': " + std::to_string(pooled) + " text" + (pooled == 1 ? "" : "s") +
                            " seen in fewer than " + std::to_string(min_count) + " rows pooled as '" +
                            std::string(to_string(spec.unknown)) + "'");
    out.specs.push_back(std::move(spec));
}

void stats_finish_boolean(const encoder_output& out, const field_statistics& s) {
    if (s.present == 0) {
        out.notes.push_back("field '" + s.name + "' left out: no present value in the training rows");
        return;
    }
    out.specs.push_back(boolean_feature{.field = s.name,
                                        .impute = static_cast<double>(s.trues) / static_cast<double>(s.present),
                                        .missing_indicator = s.present < s.rows && out.options.missing_indicators});
}

/// Throws unless `s` is consistent: keys only where kept, ascending, counts adding up to the present values.
void stats_check_statistics(const field_statistics& s, bool binned) {
    const auto bad = [&](const std::string& why) { fail("statistics of field '" + s.name + "': " + why); };
    if (s.present > s.rows || s.trues > s.present) bad("more present values than rows, or more true than present");
    const bool text = s.type == field_type::categorical, keyed = text || binned;
    const std::size_t keys = text ? s.texts.size() : s.values.size();
    if ((text ? !s.values.empty() : !s.texts.empty()) || (!keyed && keys != 0)) bad("values kept that it does not keep");
    if (keys != s.counts.size()) bad("not one count per value");
    std::uint64_t total = 0;
    for (std::size_t k = 0; k < keys; ++k) {
        if (s.counts[k] == 0) bad("a count of 0");
        total += s.counts[k];
        if (k > 0 && !(text ? s.texts[k - 1] < s.texts[k] : s.values[k - 1] < s.values[k])) bad("values not ascending");
    }
    if (keyed && total != s.present) bad("counts do not add up to the present values");
    if (s.type == field_type::numeric && !(std::isfinite(s.mean) && s.squares >= 0)) bad("a mean or spread not finite");
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

encoder_statistics::encoder_statistics(const schema& fields, encoder_options options, timestamp as_of,
                                       std::string_view target_field)
    : options_(std::move(options)), as_of_(as_of) {
    check_encoder_options(fields, options_);
    for (const auto c : detail::chosen_columns(fields, options_.fields, options_.exclude, target_field, "learn encoder")) {
        const auto& f = fields[c];
        fields_.push_back({.name = f.name, .type = f.type});
        binned_.push_back(f.type == field_type::numeric && stats_encoding_of(options_, f.name) != numeric_encoding::standardize);
    }
    for (const auto& t : options_.event_counts) {
        fields_.push_back({.name = t, .type = field_type::numeric});
        binned_.push_back(false);
    }
}

void encoder_statistics::add(const table_view& view, std::span<const std::size_t> rows) {
    for (const auto r : rows)
        if (r >= view.rows())
            fail("row " + std::to_string(r) + " is past the end of a view of " + std::to_string(view.rows()) + " rows");
    const auto& schema = view.table_schema();
    const std::size_t listed = fields_.size() - options_.event_counts.size();
    for (std::size_t i = 0; i < listed; ++i) {
        auto& s = fields_[i];
        const auto c = schema.find(s.name);
        if (!c || schema[*c].type != s.type)
            fail("field '" + s.name + "' is not a " + std::string(to_string(s.type)) + " field of the added rows");
        switch (s.type) {
        case field_type::numeric: stats_add_numeric(s, binned_[i], view, *c, rows); break;
        case field_type::categorical: stats_add_categorical(s, view, *c, rows); break;
        case field_type::boolean: stats_add_boolean(s, view, *c, rows); break;
        case field_type::timestamp: break;
        }
    }
    if (!options_.event_counts.empty())
        stats_add_event_counts(std::span(fields_).subspan(listed), options_, view, as_of_, rows);
}

void encoder_statistics::merge(const encoder_statistics& other) {
    if (!(other.options_ == options_) || other.as_of_ != as_of_)
        fail("merging statistics made with other options or another as-of time");
    merge(std::span<const field_statistics>(other.fields_));
}

void encoder_statistics::merge(std::span<const field_statistics> other) {
    if (other.size() != fields_.size())
        fail("merging statistics of " + std::to_string(other.size()) + " fields into statistics of " +
             std::to_string(fields_.size()));
    for (std::size_t i = 0; i < other.size(); ++i) {
        const auto& o = other[i];
        if (o.name != fields_[i].name || o.type != fields_[i].type)
            fail("merging statistics of field '" + o.name + "' into those of field '" + fields_[i].name + "'");
        stats_check_statistics(o, binned_[i]);
    }
    for (std::size_t i = 0; i < other.size(); ++i) {
        auto& s = fields_[i];
        const auto& o = other[i];
        s.rows += o.rows;
        if (s.type == field_type::numeric) {
            stats_merge_moments(s, o.present, o.mean, o.squares);
            stats_merge_counted(s.values, s.counts, o.values, o.counts);
        } else {
            s.present += o.present;
            s.trues += o.trues;
            stats_merge_counted(s.texts, s.counts, o.texts, o.counts);
        }
    }
}

learned_encoder encoder_statistics::finish() const {
    learned_encoder out;
    std::vector<feature_spec> specs;
    const encoder_output o{options_, specs, out.notes};
    const std::size_t listed = fields_.size() - options_.event_counts.size();
    for (std::size_t i = 0; i < listed; ++i) {
        const auto& s = fields_[i];
        switch (s.type) {
        case field_type::numeric: stats_finish_numeric(o, s); break;
        case field_type::categorical: stats_finish_categorical(o, s); break;
        case field_type::boolean: stats_finish_boolean(o, s); break;
        case field_type::timestamp: break;
        }
    }
    for (std::size_t j = 0; j < options_.event_counts.size(); ++j) {
        const auto& s = fields_[listed + j];
        specs.push_back(frequency_feature{.event_types = {s.name}, .window_days = options_.event_window_days,
                                          .log1p = options_.event_log1p, .center = s.mean, .scale = stats_scale(s)});
    }
    out.encoder = feature_encoder(std::move(specs));
    return out;
}

learned_encoder learn_encoder(const table_view& view, std::span<const std::size_t> rows,
                              const encoder_options& options, timestamp as_of, std::string_view target_field) {
    encoder_statistics s(view.table_schema(), options, as_of, target_field);
    s.add(view, rows);
    return s.finish();
}

bool operator==(const field_statistics&, const field_statistics&) = default;

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const encoder_options&, const encoder_options&) = default;

} // namespace leadscore
