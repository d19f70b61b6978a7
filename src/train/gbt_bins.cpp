// gbt_trainer's inputs and their bins (see gbt_bins.hpp).
#include "gbt_bins.hpp"

#include "columns.hpp"

#include "leadscore/core/batch.hpp"
#include "leadscore/core/error.hpp"
#include "gbt_grain.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace leadscore {

namespace detail {

gbt_grain& gbt_grain_setting() noexcept {
    static gbt_grain grain;
    return grain;
}

} // namespace detail

namespace gbt_fitting {

unsigned threads_for(std::size_t rows, unsigned threads) noexcept {
    return rows < detail::gbt_grain_setting().parallel_rows ? 1u : threads;
}

void fail(const std::string& what) { throw definition_error("gbt fit: " + what); }

std::string number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", x);
    return buf;
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

detail::xoshiro256ss stream(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index) {
    return detail::xoshiro256ss(detail::mix64(seed + detail::golden_gamma * (2 * purpose + 1)) ^ detail::mix64(index));
}

/// Cut values for sorted present values: every distinct value its own bin when there are at most max_bins of them;
/// otherwise the values at sorted positions ⌊k·n/max_bins⌋ (repeats and the minimum dropped), so about k·n/max_bins
/// values lie below cut k.
std::vector<float> cuts_of(const std::vector<float>& v, std::size_t max_bins) {
    std::vector<float> cuts;
    std::size_t distinct = 1;
    for (std::size_t i = 1; i < v.size() && distinct <= max_bins; ++i) distinct += v[i] > v[i - 1] ? 1 : 0;
    if (distinct <= max_bins) {
        for (std::size_t i = 1; i < v.size(); ++i)
            if (v[i] > v[i - 1]) cuts.push_back(v[i]);
        return cuts;
    }
    const std::size_t n = v.size();
    for (std::size_t k = 1; k < max_bins; ++k) {
        const float c = v[std::min(n - 1, k * n / max_bins)];
        if (c > v.front() && (cuts.empty() || c > cuts.back())) cuts.push_back(c);
    }
    return cuts;
}

/// Bins a numeric, boolean or event-count input from its present training values; false when there is nothing to
/// split (no present value, or one value and no missing one).
bool bin_numeric(binned_input& b, std::vector<float> present, std::size_t rows, std::size_t max_bins, std::string& note) {
    if (present.empty()) {
        note = "no present value in the training rows";
        return false;
    }
    std::sort(present.begin(), present.end());
    b.cuts = cuts_of(present, max_bins);
    b.bins = b.cuts.size() + 1;
    if (b.bins == 1 && present.size() == rows) {
        note = "a single value in the training rows";
        return false;
    }
    return true;
}

/// Bins a categorical input from the positions (in the list read, `read_categories`) of its training values.
bool bin_categorical(binned_input& b, const std::vector<std::string>& read_categories, const std::vector<std::size_t>& count,
                     std::size_t rows, const gbt_inputs& options, std::string& note, std::vector<std::string>& notes) {
    const std::size_t p = read_categories.size();
    std::vector<std::size_t> kept, pooled;
    std::size_t present = 0;
    for (std::size_t k = 0; k < p; ++k) {
        present += count[k];
        if (count[k] >= options.min_category_count) kept.push_back(k);
        else if (count[k] > 0) pooled.push_back(k);
    }
    if (kept.empty()) {
        note = pooled.empty() ? "no present value in the training rows"
                              : "every category is seen in fewer than " + std::to_string(options.min_category_count) + " rows";
        return false;
    }
    const std::string& name = b.input.field;
    if (kept.size() + (pooled.empty() ? 0 : 1) > options.max_bins) { // one byte per bin: pool the least frequent
        auto by_count = kept;
        std::stable_sort(by_count.begin(), by_count.end(), [&](std::size_t x, std::size_t y) { return count[x] > count[y]; });
        const std::vector<std::size_t> extra(by_count.begin() + static_cast<std::ptrdiff_t>(options.max_bins - 1),
                                             by_count.end());
        by_count.resize(options.max_bins - 1);
        std::sort(by_count.begin(), by_count.end());
        kept = std::move(by_count);
        pooled.insert(pooled.end(), extra.begin(), extra.end());
        std::sort(pooled.begin(), pooled.end());
        notes.push_back("field '" + name + "': only the " + std::to_string(kept.size()) +
                        " most frequent categories kept (max_bins); " + std::to_string(extra.size()) +
                        " more pooled with the rare ones");
    }
    if (kept.size() == 1 && pooled.empty() && present == rows) {
        note = "a single category in the training rows";
        return false;
    }
    // The model lists the kept categories, then the pooled ones: a pooled text is scored like the others of its bin
    // (every category set holds all of them or none); a text never seen in training is not listed and reads missing.
    b.bins = kept.size() + (pooled.empty() ? 0 : 1);
    b.of_position.assign(p, static_cast<std::uint8_t>(b.bins));
    b.positions.assign(b.bins, {});
    for (std::size_t i = 0; i < kept.size(); ++i) {
        b.of_position[kept[i]] = static_cast<std::uint8_t>(i);
        b.positions[i].push_back(static_cast<std::uint32_t>(b.input.categories.size()));
        b.input.categories.push_back(read_categories[kept[i]]);
    }
    for (const auto k : pooled) {
        b.of_position[k] = static_cast<std::uint8_t>(kept.size());
        b.positions[kept.size()].push_back(static_cast<std::uint32_t>(b.input.categories.size()));
        b.input.categories.push_back(read_categories[k]);
    }
    if (!pooled.empty())
        notes.push_back("field '" + name + "': " + plural(pooled.size(), "category", "categories") + " seen in fewer than " +
                        std::to_string(options.min_category_count) + " rows pooled into one bin");
    return true;
}

read_inputs inputs_to_read(const training_set& data, const gbt_inputs& options) {
    read_inputs r;
    const auto& fields = data.view.table_schema();
    for (const auto c : detail::chosen_columns(fields, options.fields, options.exclude, data.target_field, "gbt fit")) {
        const auto& f = fields[c];
        tree_input in;
        in.field = f.name;
        switch (f.type) {
        case field_type::numeric: in.type = tree_input::kind::numeric; break;
        case field_type::boolean: in.type = tree_input::kind::boolean; break;
        case field_type::categorical: {
            in.type = tree_input::kind::categorical;
            const auto& dict = data.view.dict(c);
            for (std::size_t k = 0; k < dict.size(); ++k) {
                const auto text = dict[static_cast<std::int32_t>(k)];
                if (!text.empty()) in.categories.emplace_back(text); // an empty text cannot be listed: it reads missing
            }
            if (in.categories.empty()) {
                r.notes.push_back("field '" + f.name + "' left out: no present value in the training rows");
                continue;
            }
            break;
        }
        case field_type::timestamp: continue;
        }
        r.inputs.push_back(std::move(in));
    }
    if (!options.event_counts.empty() && !data.view.has_events())
        fail("event counts asked for, but the table carries no engagement events");
    for (const auto& t : options.event_counts) {
        tree_input in;
        in.type = tree_input::kind::event_count;
        in.event_types = {t};
        in.window_days = options.event_window_days;
        r.inputs.push_back(std::move(in));
    }
    return r;
}

/// The input values of view rows (row-major: rows × k), read through the scorer in runs of consecutive rows.
std::vector<float> read_values(const tree_ensemble_policy::scorer& s, std::span<const std::size_t> rows, std::size_t k,
                               unsigned threads) {
    std::vector<float> out(rows.size() * k);
    detail::for_each_block(rows.size(), 4096, threads_for(rows.size(), threads), [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e;) {
            std::size_t j = i + 1;
            while (j < e && rows[j] == rows[j - 1] + 1) ++j;
            s.values(rows[i], j - i, std::span<float>(out.data() + i * k, (j - i) * k));
            i = j;
        }
    });
    return out;
}

binned_set bin_inputs(const read_inputs& read, const std::vector<float>& values, std::size_t n,
                      const gbt_trainer& trainer, std::vector<std::string>& notes) {
    const std::size_t k = read.inputs.size();
    std::vector<binned_input> all(k);
    std::vector<std::string> why(k);
    std::vector<std::vector<std::string>> input_notes(k);
    std::vector<std::uint8_t> keep(k, 0);
    detail::for_each_block(k, 1, threads_for(n, trainer.options.threads), [&](std::size_t j, std::size_t) {
        auto& b = all[j];
        const auto& in = read.inputs[j];
        b.input = in;
        if (in.type == tree_input::kind::categorical) {
            b.input.categories.clear();
            std::vector<std::size_t> count(in.categories.size(), 0);
            for (std::size_t i = 0; i < n; ++i) {
                const float v = values[i * k + j];
                if (v == v) ++count[static_cast<std::size_t>(v)];
            }
            keep[j] = bin_categorical(b, in.categories, count, n, trainer.inputs, why[j], input_notes[j]);
        } else {
            std::vector<float> present;
            present.reserve(n);
            for (std::size_t i = 0; i < n; ++i) {
                const float v = values[i * k + j];
                if (v == v) present.push_back(v);
            }
            keep[j] = bin_numeric(b, std::move(present), n, trainer.inputs.max_bins, why[j]);
        }
        const auto& monotone = trainer.options.monotone;
        if (const auto m = monotone.find(in.name()); m != monotone.end()) b.monotone = m->second;
    });
    binned_set out;
    for (std::size_t j = 0; j < k; ++j) {
        notes.insert(notes.end(), input_notes[j].begin(), input_notes[j].end());
        if (!keep[j]) {
            notes.push_back((read.inputs[j].type == tree_input::kind::event_count ? "event count '" : "field '") +
                            read.inputs[j].name() + "' left out: " + why[j]);
            continue;
        }
        out.inputs.push_back(std::move(all[j]));
        out.column.push_back(j);
    }
    if (out.inputs.empty()) {
        std::string all_notes;
        for (const auto& note : notes) all_notes += "; " + note;
        fail("no input to learn from (every input was left out" + all_notes + ")");
    }
    return out;
}

/// Bins of rows (row-major: rows × inputs, one byte each) from their values (row-major, k a row).
std::vector<std::uint8_t> bin_rows(const std::vector<binned_input>& inputs, const std::vector<std::size_t>& column,
                                   const std::vector<float>& values, std::size_t rows, std::size_t k, unsigned threads) {
    const std::size_t kb = inputs.size();
    std::vector<std::uint8_t> bins(kb * rows);
    detail::for_each_block(rows, 8192, threads_for(rows, threads), [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t j = 0; j < kb; ++j) bins[i * kb + j] = inputs[j].bin_of(values[i * k + column[j]]);
    });
    return bins;
}

} // namespace gbt_fitting
} // namespace leadscore
