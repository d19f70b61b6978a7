// Gradient-boosted trees (see include/leadscore/train/gbt.hpp).
//
// The data: every input's value for every training row, read through the policy's own binding (so the model reads
// exactly what it was trained on), cut into at most 255 bins plus one for missing values, stored as one byte per row
// and input, column by column. A tree is grown on histograms of gradient and Hessian sums per bin: the smaller
// child's histogram is built from its rows, the larger one's is its parent's minus the smaller's. Each input's
// histogram is built by one thread over the node's rows in ascending order, so the sums — and the model — do not
// depend on the thread count. A split is kept as the set of bins that go left; the margins of training and
// validation rows move by each new tree's leaf value (added in float, in tree order: the sum the policy computes),
// found by walking the tree over bins, which sends every row where the thresholds and category sets send its value.
#include "leadscore/train/gbt.hpp"

#include "../core/random.hpp"
#include "columns.hpp"

#include "leadscore/core/batch.hpp"
#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/train/detail/gbt_grain.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <set>
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

namespace gbt_fitting { // named, not anonymous: files share unity batches

/// The threads for a pass over `rows` rows: one below the grain (see gbt_grain).
unsigned threads_for(std::size_t rows, unsigned threads) noexcept {
    return rows < detail::gbt_grain_setting().parallel_rows ? 1u : threads;
}

[[noreturn]] void fail(const std::string& what) { throw definition_error("gbt fit: " + what); }

std::string number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", x);
    return buf;
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

void check_options(const gbt_inputs& in, const gbt_options& o) {
    const auto non_negative = [](double x, const char* name) {
        if (!(x >= 0) || !std::isfinite(x)) fail(std::string(name) + " must be finite and at least 0 (got " + number(x) + ")");
    };
    const auto positive = [](double x, const char* name) {
        if (!(x > 0) || !std::isfinite(x)) fail(std::string(name) + " must be finite and above 0 (got " + number(x) + ")");
    };
    const auto share = [](double x, const char* name) {
        if (!(x > 0 && x <= 1)) fail(std::string(name) + " must be above 0 and at most 1 (got " + number(x) + ")");
    };
    if (o.trees == 0) fail("trees must be at least 1");
    share(o.learning_rate, "learning_rate");
    if (o.max_depth < 1 || o.max_depth > max_tree_depth)
        fail("max_depth must be 1 to " + std::to_string(max_tree_depth) + " (got " + std::to_string(o.max_depth) + ")");
    if (o.max_leaves == 1) fail("max_leaves must be 0 (no limit) or at least 2 (got 1)");
    non_negative(o.min_child_hessian, "min_child_hessian");
    if (o.min_rows_per_leaf == 0) fail("min_rows_per_leaf must be at least 1");
    non_negative(o.l2, "l2");
    non_negative(o.min_split_gain, "min_split_gain");
    share(o.row_subsample, "row_subsample");
    share(o.column_subsample, "column_subsample");
    positive(o.positive_weight, "positive_weight");
    positive(o.negative_weight, "negative_weight");
    if (!(o.validation_share > 0 && o.validation_share < 1))
        fail("validation_share must be above 0 and below 1 (got " + number(o.validation_share) + ")");
    for (const auto& [name, c] : o.monotone)
        if (c < -1 || c > 1)
            fail("monotone: the constraint on '" + name + "' must be +1, -1 or 0 (got " + std::to_string(c) + ")");
    if (in.min_category_count == 0) fail("min_category_count must be at least 1");
    if (in.max_bins < 2 || in.max_bins > 255)
        fail("max_bins must be 2 to 255 (got " + std::to_string(in.max_bins) + ")");
    if (!(in.event_window_days > 0) || !std::isfinite(in.event_window_days))
        fail("event_window_days must be finite and above 0");
    std::set<std::string> types;
    for (const auto& t : in.event_counts) {
        if (t.empty()) fail("event_counts: an empty event type");
        if (!types.insert(normalize_name(t)).second) fail("event_counts: event type '" + t + "' is listed twice");
    }
}

/// A random stream of its own for each purpose (and tree), all from the one seed.
detail::xoshiro256ss stream(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index = 0) {
    return detail::xoshiro256ss(detail::mix64(seed + detail::golden_gamma * (2 * purpose + 1)) ^ detail::mix64(index));
}

// ---- inputs and bins ---------------------------------------------------------------------------------------------

/// One input as the trees learn it: its bins and how a value finds its bin.
struct binned_input {
    tree_input input;                      ///< as the model holds it (categories: the final list)
    std::size_t bins = 0;                  ///< value bins; the missing bin's index is `bins`
    std::vector<float> cuts;               ///< numeric: bin b holds the values v with cuts[b-1] <= v < cuts[b]
    std::vector<std::uint8_t> of_position; ///< categorical: the bin of a position in the list read (unseen: missing)
    std::vector<std::vector<std::uint32_t>> positions; ///< categorical: each bin's positions in input.categories
    int monotone = 0;

    [[nodiscard]] std::uint8_t bin_of(float v) const noexcept {
        if (v != v) return static_cast<std::uint8_t>(bins);
        if (input.type == tree_input::kind::categorical) return of_position[static_cast<std::size_t>(v)];
        return static_cast<std::uint8_t>(std::upper_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
    }
};

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

/// The inputs as first read: every categorical field with its dictionary's texts, so positions map back to texts.
struct read_inputs {
    std::vector<tree_input> inputs;
    std::vector<std::string> notes;
};

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

// ---- growing trees -----------------------------------------------------------------------------------------------

/// A row's gradient and Hessian.
struct gpair {
    double g, h;
};

/// Sums over a bin's (or a node's) rows.
struct bin_stat {
    double g = 0, h = 0, n = 0;
    bin_stat& operator+=(const bin_stat& o) noexcept {
        g += o.g;
        h += o.h;
        n += o.n;
        return *this;
    }
    friend bin_stat operator-(const bin_stat& a, const bin_stat& b) noexcept { return {a.g - b.g, a.h - b.h, a.n - b.n}; }
    friend bin_stat operator+(bin_stat a, const bin_stat& b) noexcept { return a += b; }
};

/// A bin's gradient and Hessian sums.
struct gh_sum {
    double g = 0, h = 0;
};

/// A node's histogram: every input's bins, and their row counts only when min_rows_per_leaf > 1 needs them (without
/// them an update is one 16-byte add, and a child has rows when its Hessian sum is above rounding noise).
struct histogram {
    std::vector<gh_sum> gh;
    std::vector<std::uint32_t> n;
    [[nodiscard]] bool empty() const noexcept { return gh.empty(); }
};

using bin_mask = std::array<std::uint64_t, 4>; // one bit per bin (256 with the missing one)

inline bool has(const bin_mask& m, unsigned b) noexcept { return (m[b >> 6] >> (b & 63)) & 1u; }
inline void set(bin_mask& m, unsigned b) noexcept { m[b >> 6] |= std::uint64_t{1} << (b & 63); }

struct split_choice {
    double gain = 0;         ///< the objective's decrease, ½[…] − γ; a split is made only when > 0
    std::int32_t input = -1;
    int cut = -1;            ///< numeric: bins <= cut go left (−1: every present value goes right)
    bool default_left = false;
    bin_mask left{};         ///< the bins that go left, the missing bin included
    bin_stat l, r;           ///< the children's sums
    double wl = 0, wr = 0;   ///< their weights within the node's bounds, before the learning rate
};

struct grow_node {
    std::size_t begin = 0, end = 0; ///< its rows in the order array
    bin_stat sum;
    double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
    std::size_t depth = 0;
    bool partitioned = true; ///< [begin, end) holds its rows (the children of a last split are not partitioned)
    histogram hist;
    split_choice best;
};

/// Grows trees over binned training rows. A tree grows in rounds: every node of a level (or, with a leaf limit, the
/// node of largest gain) splits at once, then one parallel pass over (new pair of children, chunk of rows) builds the
/// smaller children's histograms — row by row, every input of a row in turn, so consecutive updates touch different
/// bins — each chunk into a histogram of its own. The chunks of a node are added in chunk order, the larger child's
/// histogram is its parent's minus the smaller one's, and the best splits are found from them: chunks are cut at
/// fixed row counts, so the sums and the tree are the same for any thread count, with one synchronization a level.
class booster {
public:
    booster(const std::vector<binned_input>& inputs, const gbt_options& o)
        : in_(inputs), o_(o), counting_(o.min_rows_per_leaf > 1), kb_(inputs.size()), offset_(inputs.size() + 1, 0) {
        for (std::size_t j = 0; j < inputs.size(); ++j) offset_[j + 1] = offset_[j] + inputs[j].bins + 1;
    }

    /// Grows one tree on the rows `sample` (ascending) with gradients `gp`, splitting only on `columns`; `bins` holds
    /// every row's bins, one byte an input.
    decision_tree grow(const std::uint8_t* bins, const std::vector<gpair>& gp, std::vector<std::uint32_t> sample,
                       const std::vector<std::size_t>& columns) {
        bins_ = bins;
        columns_ = &columns;
        order_ = std::move(sample);
        ogp_.resize(order_.size());
        for (std::size_t k = 0; k < order_.size(); ++k) ogp_[k] = gp[order_[k]];
        masks_.assign(1, bin_mask{});
        nodes_.assign(1, grow_node{});
        decision_tree tree;
        tree.nodes.emplace_back();

        auto& root = nodes_[0];
        root.end = order_.size();
        for (const auto& p : ogp_) root.sum += bin_stat{p.g, p.h, 1};
        // Subtracted histograms leave bins without rows at rounding noise of the sums they came from, at most a few
        // ulps of the root's Hessian sum: a bin or child holds rows when its Hessian sum is above this.
        empty_h_ = 1e-13 * root.sum.h;
        std::vector<std::uint32_t> open;
        if (can_split(root.sum)) {
            root.hist = take_hist();
            jobs_.assign(1, job{0, 0, false, true, false});
            run_jobs();
            if (nodes_[0].best.gain > 0) open.push_back(0);
            else give_hist(std::move(nodes_[0].hist));
        }
        std::size_t leaves = 1;
        while (!open.empty() && (o_.max_leaves == 0 || leaves < o_.max_leaves)) {
            // Depth-wise: the whole level (the tree is the same in any order); with a leaf limit, the largest gain.
            std::vector<std::uint32_t> batch;
            if (o_.max_leaves == 0) {
                batch.swap(open);
            } else {
                std::size_t pick = 0;
                for (std::size_t k = 1; k < open.size(); ++k)
                    if (nodes_[open[k]].best.gain > nodes_[open[pick]].best.gain) pick = k;
                batch.push_back(open[pick]);
                open.erase(open.begin() + static_cast<std::ptrdiff_t>(pick));
            }
            jobs_.clear();
            std::vector<std::uint32_t> children;
            for (const auto id : batch) {
                split(tree, id);
                ++leaves;
                children.push_back(tree.nodes[id].left);
                children.push_back(tree.nodes[id].left + 1);
            }
            run_jobs();
            for (const auto c : children) {
                if (nodes_[c].best.gain > 0) open.push_back(c);
                else give_hist(std::move(nodes_[c].hist));
            }
        }
        for (const auto id : open) give_hist(std::move(nodes_[id].hist)); // leaf limit reached: they stay leaves
        for (std::size_t id = 0; id < tree.nodes.size(); ++id) {
            auto& t = tree.nodes[id];
            const auto& node = nodes_[id];
            t.cover = static_cast<float>(node.sum.h);
            if (t.input == tree_node::leaf) t.value = static_cast<float>(o_.learning_rate * weight(node.sum, node.lo, node.hi));
        }
        return tree;
    }

    /// Which bins go left at each node of the last tree grown (by node index).
    [[nodiscard]] const std::vector<bin_mask>& masks() const noexcept { return masks_; }

    /// Adds the last tree's leaf values to the margins of the rows it was grown on, by each leaf's range of rows
    /// (the leaf add_tree's walk would find: the partition followed the same masks).
    void add_to_margins(const decision_tree& tree, std::vector<float>& z) const {
        for (std::size_t id = 0; id < tree.nodes.size(); ++id) {
            const auto& node = nodes_[id];
            const auto& t = tree.nodes[id];
            if (!node.partitioned) continue;
            if (t.input == tree_node::leaf) {
                for (std::size_t k = node.begin; k < node.end; ++k) z[order_[k]] += t.value;
            } else if (!nodes_[t.left].partitioned) {
                const std::uint8_t* col = bins_ + t.input;
                const float lv = tree.nodes[t.left].value, rv = tree.nodes[t.left + 1].value;
                for (std::size_t k = node.begin; k < node.end; ++k) {
                    const std::uint32_t i = order_[k];
                    z[i] += has(masks_[id], col[static_cast<std::size_t>(i) * kb_]) ? lv : rv;
                }
            }
        }
    }

private:
    /// A pair of new children (or the root alone): the smaller one's histogram is built, the larger one's derived.
    struct job {
        std::uint32_t small = 0, large = 0;
        bool has_large = false;
        bool eval_small = false, eval_large = false;
    };
    /// Rows [begin, end) of a job's smaller child: chunk 0 sums into the child's histogram, others into `partial`.
    struct chunk_task {
        std::size_t job, chunk, begin, end, partial;
    };


    /// The weight of a leaf with sums s within [lo, hi] (before the learning rate).
    [[nodiscard]] double weight(const bin_stat& s, double lo, double hi) const noexcept {
        const double d = s.h + o_.l2;
        return std::clamp(d > 0 ? -s.g / d : 0.0, lo, hi);
    }

    /// Whether a node of these sums may split (its row count is known once its rows are partitioned).
    [[nodiscard]] bool can_split(const bin_stat& s) const noexcept {
        return s.n >= 2.0 * static_cast<double>(o_.min_rows_per_leaf) && s.h >= 2.0 * o_.min_child_hessian;
    }

    /// Bin b of input j's part of a histogram, as sums.
    [[nodiscard]] bin_stat stat(const histogram& h, std::size_t j, std::size_t b) const noexcept {
        const std::size_t k = offset_[j] + b;
        return {h.gh[k].g, h.gh[k].h, counting_ ? static_cast<double>(h.n[k]) : 0.0};
    }
    /// Whether a bin (or a side of a split) holds rows.
    [[nodiscard]] bool has_rows(const bin_stat& s) const noexcept { return counting_ ? s.n > 0 : s.h > empty_h_; }

    /// The decrease of the objective from a leaf of weight w (the best within [lo, hi]) over a leaf of weight 0.
    [[nodiscard]] double score(const bin_stat& s, double lo, double hi) const noexcept {
        const double d = s.h + o_.l2;
        if (!(d > 0)) return 0;
        const double w = -s.g / d;
        if (w >= lo && w <= hi) return 0.5 * s.g * s.g / d;
        const double wc = std::clamp(w, lo, hi);
        return -(s.g * wc + 0.5 * d * wc * wc);
    }

    [[nodiscard]] histogram new_hist() const {
        histogram h;
        h.gh.resize(offset_.back());
        if (counting_) h.n.resize(offset_.back());
        return h;
    }
    histogram take_hist() {
        if (pool_.empty()) return new_hist();
        auto h = std::move(pool_.back());
        pool_.pop_back();
        return h;
    }
    void give_hist(histogram&& h) {
        if (!h.empty()) pool_.push_back(std::move(h));
        h = {};
    }

    /// Every job's histograms and best splits: histograms by (job, chunk of rows) in parallel, then each job's chunks
    /// added in order, the larger child's histogram derived and the best splits found in column order. Small rounds
    /// stay on this thread: the result is the same, only the overhead differs.
    void run_jobs() {
        const auto& cols = *columns_;
        const bool all_columns = cols.size() == kb_;
        const auto& grain = detail::gbt_grain_setting();
        const std::size_t chunk_rows = std::max<std::size_t>(1, grain.chunk_rows);
        tasks_.clear();
        std::size_t work = 0;
        for (std::size_t q = 0; q < jobs_.size(); ++q) {
            const auto& s = nodes_[jobs_[q].small];
            for (std::size_t c = 0, b = s.begin; c == 0 || b < s.end; ++c, b += chunk_rows)
                tasks_.push_back({q, c, b, std::min(s.end, b + chunk_rows), 0});
            work += (s.end - s.begin) * cols.size();
        }
        std::size_t extra = 0;
        for (auto& t : tasks_)
            if (t.chunk > 0) t.partial = extra++;
        while (partial_.size() < extra) partial_.push_back(new_hist());
        const auto build = [&](std::size_t t) {
            const chunk_task& tk = tasks_[t];
            histogram& hist = tk.chunk == 0 ? nodes_[jobs_[tk.job].small].hist : partial_[tk.partial];
            clear(hist);
            gh_sum* h = hist.gh.data();
            std::uint32_t* n = hist.n.data();
            const std::size_t* off = offset_.data();
            for (std::size_t k = tk.begin; k < tk.end; ++k) {
                const std::uint8_t* row = bins_ + static_cast<std::size_t>(order_[k]) * kb_;
                const double g = ogp_[k].g, hh = ogp_[k].h;
                const auto add = [&](std::size_t j) {
                    gh_sum& s = h[off[j] + row[j]];
                    s.g += g;
                    s.h += hh;
                };
                if (all_columns) {
                    for (std::size_t j = 0; j < kb_; ++j) add(j);
                } else {
                    for (const auto j : cols) add(j);
                }
                if (counting_)
                    for (const auto j : cols) ++n[off[j] + row[j]];
            }
        };
        if (work < grain.parallel_updates || o_.threads == 1 || tasks_.size() == 1) {
            for (std::size_t t = 0; t < tasks_.size(); ++t) build(t);
        } else {
            detail::for_each_block(tasks_.size(), 1, o_.threads, [&](std::size_t t, std::size_t) { build(t); });
        }
        for (const auto& t : tasks_)
            if (t.chunk > 0) {
                auto& h = nodes_[jobs_[t.job].small].hist;
                const auto& p = partial_[t.partial];
                for (const auto j : cols)
                    for (std::size_t b = offset_[j]; b < offset_[j + 1]; ++b) {
                        h.gh[b].g += p.gh[b].g;
                        h.gh[b].h += p.gh[b].h;
                        if (counting_) h.n[b] += p.n[b];
                    }
            }
        for (auto& jb : jobs_) {
            grow_node& s = nodes_[jb.small];
            if (jb.has_large) {
                grow_node& l = nodes_[jb.large];
                for (const auto j : cols)
                    for (std::size_t b = offset_[j]; b < offset_[j + 1]; ++b) {
                        l.hist.gh[b].g -= s.hist.gh[b].g;
                        l.hist.gh[b].h -= s.hist.gh[b].h;
                        if (counting_) l.hist.n[b] -= s.hist.n[b];
                    }
                if (jb.eval_large) evaluate(l);
            }
            if (jb.eval_small) evaluate(s);
        }
    }

    /// Zeroes the bins of the tree's columns.
    void clear(histogram& hist) const {
        if (columns_->size() == kb_) {
            std::fill(hist.gh.begin(), hist.gh.end(), gh_sum{});
            std::fill(hist.n.begin(), hist.n.end(), 0u);
            return;
        }
        for (const auto j : *columns_) {
            std::fill(hist.gh.begin() + static_cast<std::ptrdiff_t>(offset_[j]),
                      hist.gh.begin() + static_cast<std::ptrdiff_t>(offset_[j + 1]), gh_sum{});
            if (counting_)
                std::fill(hist.n.begin() + static_cast<std::ptrdiff_t>(offset_[j]),
                          hist.n.begin() + static_cast<std::ptrdiff_t>(offset_[j + 1]), 0u);
        }
    }

    /// The node's best split over the tree's columns, ties to the first column.
    void evaluate(grow_node& node) const {
        node.best = split_choice{};
        for (const auto j : *columns_) best_split(node, j, node.best);
    }

    /// The node's best split on input j into `best` (gain 0 when none improves the objective).
    void best_split(const grow_node& node, std::size_t j, split_choice& best) const {
        const double parent = score(node.sum, node.lo, node.hi) + o_.min_split_gain;
        if (in_[j].input.type == tree_input::kind::categorical) best_categorical(node, j, parent, best);
        else best_numeric(node, j, parent, best);
    }

    /// Considers the split with left sums l; true when it beats `best` (then recorded there).
    bool consider(const grow_node& node, std::size_t j, const bin_stat& l, double parent, bool ordered,
                  split_choice& best) const {
        const bin_stat r = node.sum - l;
        const double min_rows = static_cast<double>(o_.min_rows_per_leaf);
        if (counting_ ? l.n < min_rows || r.n < min_rows : !has_rows(l) || !has_rows(r)) return false;
        if (l.h < o_.min_child_hessian || r.h < o_.min_child_hessian) return false;
        const double wl = weight(l, node.lo, node.hi), wr = weight(r, node.lo, node.hi);
        const int mono = in_[j].monotone;
        if (ordered && mono != 0 && (mono > 0 ? wl > wr : wl < wr)) return false;
        const double sl = score(l, node.lo, node.hi), sr = score(r, node.lo, node.hi);
        const double gain = sl + sr - parent;
        // A gain within rounding of the terms it is the difference of is no gain (children alike, split on noise).
        if (!(gain > best.gain) || !(gain > 1e-10 * (std::abs(sl) + std::abs(sr)))) return false;
        best.gain = gain;
        best.input = static_cast<std::int32_t>(j);
        best.l = l;
        best.r = r;
        best.wl = wl;
        best.wr = wr;
        return true;
    }

    void best_numeric(const grow_node& node, std::size_t j, double parent, split_choice& best) const {
        const std::size_t bins = in_[j].bins;
        const bin_stat miss = stat(node.hist, j, bins);
        const bool missing = has_rows(miss);
        int cut = -2;
        bool missing_left = false;
        if (missing && consider(node, j, miss, parent, false, best)) { // missing apart from every present value
            cut = -1;
            missing_left = true;
        }
        bin_stat acc;
        for (std::size_t b = 0; b + 1 < bins; ++b) {
            const bin_stat hb = stat(node.hist, j, b);
            if (!has_rows(hb)) continue; // the same partition as the cut before
            acc += hb;
            if (consider(node, j, acc, parent, true, best)) {
                cut = static_cast<int>(b);
                missing_left = false;
            }
            if (missing && consider(node, j, acc + miss, parent, true, best)) {
                cut = static_cast<int>(b);
                missing_left = true;
            }
        }
        if (cut == -2) return;
        best.cut = cut;
        // Without missing rows here, a missing value scored later goes with the larger Hessian.
        best.default_left = missing ? missing_left : best.l.h >= best.r.h;
        best.left = {};
        for (int b = 0; b <= cut; ++b) set(best.left, static_cast<unsigned>(b));
        if (best.default_left) set(best.left, static_cast<unsigned>(bins));
    }

    void best_categorical(const grow_node& node, std::size_t j, double parent, split_choice& best) const {
        const std::size_t bins = in_[j].bins;
        const bin_stat miss = stat(node.hist, j, bins);
        const bool missing = has_rows(miss);
        std::array<bin_stat, 256> h;
        std::array<std::uint8_t, 256> order{};
        std::array<double, 256> ratio{};
        bin_mask absent{};
        std::size_t m = 0;
        for (std::size_t b = 0; b < bins; ++b) {
            h[b] = stat(node.hist, j, b);
            if (has_rows(h[b])) {
                const double d = h[b].h + o_.l2;
                ratio[b] = d > 0 ? h[b].g / d : 0.0;
                order[m++] = static_cast<std::uint8_t>(b);
            } else {
                set(absent, static_cast<unsigned>(b));
            }
        }
        std::stable_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m),
                         [&](std::uint8_t a, std::uint8_t b) { return ratio[a] < ratio[b]; });
        long best_k = -2; // categories order[0 .. best_k] go left
        bool missing_left = false;
        if (missing && consider(node, j, miss, parent, false, best)) {
            best_k = -1;
            missing_left = true;
        }
        bin_stat acc;
        for (std::size_t k = 0; k + 1 < m; ++k) {
            acc += h[order[k]];
            if (consider(node, j, acc, parent, false, best)) {
                best_k = static_cast<long>(k);
                missing_left = false;
            }
            if (missing && consider(node, j, acc + miss, parent, false, best)) {
                best_k = static_cast<long>(k);
                missing_left = true;
            }
        }
        if (best_k == -2) return;
        best.cut = -1;
        best.default_left = missing ? missing_left : best.l.h >= best.r.h;
        // Left: the prefix, and every category without rows here (not in the set, as scoring sends it).
        best.left = absent;
        for (long k = 0; k <= best_k; ++k) set(best.left, order[static_cast<std::size_t>(k)]);
        if (best.default_left) set(best.left, static_cast<unsigned>(bins));
    }

    /// Splits node `id` by its best split: the tree's two new nodes, the rows partitioned, and a job for the
    /// children's histograms when they may split further.
    void split(decision_tree& tree, std::uint32_t id) {
        const split_choice s = nodes_[id].best;
        const auto& b = in_[static_cast<std::size_t>(s.input)];
        const auto first = static_cast<std::uint32_t>(tree.nodes.size());
        {
            tree_node& t = tree.nodes[id];
            t.input = s.input;
            t.left = first;
            t.gain = static_cast<float>(s.gain);
            t.default_left = s.default_left;
            if (b.input.type == tree_input::kind::categorical) {
                t.categorical = true;
                std::uint32_t top = 0;
                for (std::size_t k = 0; k < b.bins; ++k)
                    if (!has(s.left, static_cast<unsigned>(k)))
                        for (const auto p : b.positions[k]) top = std::max(top, p);
                const std::uint32_t words = top / 32 + 1;
                t.categories = static_cast<std::uint32_t>(tree.category_bits.size());
                tree.category_bits.push_back(words);
                const std::size_t base = tree.category_bits.size();
                tree.category_bits.resize(base + words, 0);
                for (std::size_t k = 0; k < b.bins; ++k)
                    if (!has(s.left, static_cast<unsigned>(k)))
                        for (const auto p : b.positions[k]) tree.category_bits[base + p / 32] |= 1u << (p % 32);
            } else {
                t.value = s.cut < 0 ? -std::numeric_limits<float>::infinity() : b.cuts[static_cast<std::size_t>(s.cut)];
            }
        }
        masks_[id] = s.left;
        tree.nodes.emplace_back();
        tree.nodes.emplace_back();
        masks_.emplace_back();
        masks_.emplace_back();
        nodes_.emplace_back();
        nodes_.emplace_back();
        grow_node& node = nodes_[id];

        grow_node& l = nodes_[first];
        grow_node& r = nodes_[first + 1];
        l.sum = s.l;
        r.sum = s.r;
        l.depth = r.depth = node.depth + 1;
        l.lo = r.lo = node.lo;
        l.hi = r.hi = node.hi;
        const int mono = b.monotone;
        if (mono != 0 && s.cut >= 0) { // children's leaves stay on their side of the mid-point
            const double mid = 0.5 * (s.wl + s.wr);
            if (mono > 0) l.hi = r.lo = mid;
            else l.lo = r.hi = mid;
        }
        const bool deeper = l.depth < o_.max_depth;
        // Without bin counts a child's rows are counted by the partition; until then assume it may have enough.
        const auto may_split = [&](const bin_stat& c) {
            return deeper && (counting_ ? can_split(c) : c.h >= 2.0 * o_.min_child_hessian && has_rows(c));
        };
        bool split_l = may_split(l.sum), split_r = may_split(r.sum);
        if (!split_l && !split_r) { // both stay leaves: their rows need not be sorted out
            l.partitioned = r.partitioned = false;
            give_hist(std::move(node.hist));
            return;
        }

        // Stable partition: each child's rows stay ascending. Branch-free (both places written, one kept): which
        // side a row goes is as unpredictable as a coin.
        const std::uint8_t* col = bins_ + s.input;
        std::array<std::uint8_t, 256> goes_left{};
        for (unsigned bin = 0; bin < 256; ++bin) goes_left[bin] = has(s.left, bin) ? 1 : 0;
        scratch_.resize(node.end - node.begin);
        scratch_gp_.resize(node.end - node.begin);
        std::size_t w = node.begin, rest = 0;
        for (std::size_t k = node.begin; k < node.end; ++k) {
            const std::uint32_t i = order_[k];
            const gpair p = ogp_[k];
            const std::size_t left = goes_left[col[static_cast<std::size_t>(i) * kb_]];
            order_[w] = i;
            ogp_[w] = p;
            scratch_[rest] = i;
            scratch_gp_[rest] = p;
            w += left;
            rest += 1 - left;
        }
        std::copy(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(rest),
                  order_.begin() + static_cast<std::ptrdiff_t>(w));
        std::copy(scratch_gp_.begin(), scratch_gp_.begin() + static_cast<std::ptrdiff_t>(rest),
                  ogp_.begin() + static_cast<std::ptrdiff_t>(w));
        l.begin = node.begin;
        l.end = r.begin = w;
        r.end = node.end;
        l.sum.n = static_cast<double>(l.end - l.begin);
        r.sum.n = static_cast<double>(r.end - r.begin);
        split_l = split_l && can_split(l.sum);
        split_r = split_r && can_split(r.sum);
        if (!split_l && !split_r) {
            give_hist(std::move(node.hist));
            return;
        }
        const bool left_small = (l.end - l.begin) <= (r.end - r.begin);
        job jb;
        jb.small = left_small ? first : first + 1;
        jb.large = left_small ? first + 1 : first;
        jb.has_large = true;
        jb.eval_small = left_small ? split_l : split_r;
        jb.eval_large = left_small ? split_r : split_l;
        nodes_[jb.small].hist = take_hist();
        nodes_[jb.large].hist = std::move(node.hist);
        jobs_.push_back(std::move(jb));
    }

    const std::vector<binned_input>& in_;
    const gbt_options& o_;
    bool counting_;                   // histograms count rows (min_rows_per_leaf > 1)
    double empty_h_ = 0;              // a Hessian sum at or below this is rounding noise of an empty bin
    std::size_t kb_;                  // inputs: bytes per row of bins_
    std::vector<std::size_t> offset_; // each input's first bin in a histogram
    const std::uint8_t* bins_ = nullptr;
    const std::vector<std::size_t>* columns_ = nullptr;
    std::vector<std::uint32_t> order_, scratch_; // the sampled rows, each node's a contiguous range
    std::vector<gpair> ogp_, scratch_gp_;        // their gradients, in the same order
    std::vector<grow_node> nodes_;               // by tree node index
    std::vector<bin_mask> masks_;
    std::vector<job> jobs_;
    std::vector<chunk_task> tasks_;
    std::vector<histogram> pool_, partial_;
};

/// Adds a tree's leaf values to the margins of rows binned row-major (rows × inputs) — the leaf each row reaches
/// by the masks, which is the leaf its value reaches by the tree's thresholds and category sets — then calls
/// then(i) for the row, in the same pass.
template <class Then>
void add_tree(const decision_tree& tree, const std::vector<bin_mask>& masks, const std::uint8_t* bins, std::size_t inputs,
              std::size_t rows, std::vector<float>& margin, unsigned threads, const Then& then) {
    detail::for_each_block(rows, 8192, threads_for(rows, threads), [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            std::size_t n = 0;
            for (;;) {
                const auto& node = tree.nodes[n];
                if (node.input == tree_node::leaf) break;
                n = has(masks[n], bins[i * inputs + static_cast<std::size_t>(node.input)]) ? node.left : node.left + 1;
            }
            margin[i] += tree.nodes[n].value;
            then(i);
        }
    });
}

/// softplus(z) − y·z without overflow.
inline double log_loss(double z, double y) noexcept { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))) - y * z; }

/// Σ c_i · loss(z_i, y_i), in fixed blocks summed in block order.
double weighted_loss(const std::vector<float>& z, const std::vector<std::uint8_t>& y, double c_pos, double c_neg,
                     unsigned threads) {
    constexpr std::size_t block = 8192;
    std::vector<double> part((z.size() + block - 1) / block, 0.0);
    detail::for_each_block(z.size(), block, threads_for(z.size(), threads), [&](std::size_t b, std::size_t e) {
        double s = 0;
        for (std::size_t i = b; i < e; ++i) s += (y[i] ? c_pos : c_neg) * log_loss(z[i], y[i]);
        part[b / block] = s;
    });
    double s = 0;
    for (const double p : part) s += p;
    return s;
}

/// The rows' labels (1 or 0).
std::vector<std::uint8_t> labels_of(const training_set& data, std::span<const std::size_t> rows) {
    std::vector<std::uint8_t> y(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) y[i] = data.labels[rows[i]] == 1 ? 1 : 0;
    return y;
}

fit_result<tree_ensemble_policy> fit_trees(const gbt_trainer& trainer, const training_set& data) {
    const gbt_inputs& inputs = trainer.inputs;
    const gbt_options& options = trainer.options;
    const std::vector<std::size_t>& validation_rows = trainer.validation_rows;
    check_options(inputs, options);
    check_training_set(data);
    const unsigned threads = options.threads;
    std::vector<std::string> notes;

    // ---- the rows learned from and the rows watched -----------------------------------------------------------
    std::vector<std::size_t> train_rows, valid_rows;
    if (!validation_rows.empty()) {
        std::vector<std::uint8_t> seen(data.view.rows(), 0);
        for (const auto r : data.rows) seen[r] = 1;
        for (const auto r : validation_rows) {
            if (r >= data.view.rows())
                fail("validation row " + std::to_string(r) + " is past the end of a view of " +
                     std::to_string(data.view.rows()) + " rows");
            if (seen[r] == 1) fail("validation row " + std::to_string(r) + " is also a training row");
            if (seen[r] == 2) fail("validation row " + std::to_string(r) + " is listed twice");
            if (data.labels[r] != 0 && data.labels[r] != 1) fail("validation row " + std::to_string(r) + " is unlabelled");
            seen[r] = 2;
        }
        train_rows.assign(data.rows.begin(), data.rows.end());
        valid_rows = validation_rows;
    } else if (options.early_stopping_rounds > 0) {
        // Stratified: the share of each class, drawn with the seed; both parts keep the rows' order.
        std::vector<std::size_t> by_class[2];
        for (std::size_t i = 0; i < data.rows.size(); ++i) by_class[data.labels[data.rows[i]] == 1 ? 1 : 0].push_back(i);
        std::vector<std::uint8_t> held(data.rows.size(), 0);
        auto rng = stream(options.seed, 1);
        for (int c = 0; c < 2; ++c) {
            auto& v = by_class[c];
            if (v.size() < 2)
                fail("early stopping needs at least 2 " + std::string(c ? "positive" : "negative") +
                     " training rows to hold some back for validation (there " + (v.size() == 1 ? "is 1" : "are 0") +
                     "; or give validation rows)");
            const auto take = std::clamp<std::size_t>(
                static_cast<std::size_t>(std::llround(options.validation_share * static_cast<double>(v.size()))), 1,
                v.size() - 1);
            for (std::size_t k = 0; k < take; ++k) {
                const std::size_t pick = k + static_cast<std::size_t>(rng.below(v.size() - k));
                std::swap(v[k], v[pick]);
                held[v[k]] = 1;
            }
        }
        for (std::size_t i = 0; i < data.rows.size(); ++i) (held[i] ? valid_rows : train_rows).push_back(data.rows[i]);
        notes.push_back("validation: " + std::to_string(valid_rows.size()) + " of the " +
                        std::to_string(data.rows.size()) + " training rows held back (a stratified share of " +
                        number(options.validation_share) + ", seed " + std::to_string(options.seed) + ")");
    } else {
        train_rows.assign(data.rows.begin(), data.rows.end());
    }
    const std::size_t n = train_rows.size();
    if (n > std::numeric_limits<std::uint32_t>::max()) fail("more than 2^32 - 1 training rows");
    const auto y = labels_of(data, train_rows);
    const std::size_t positives = static_cast<std::size_t>(std::count(y.begin(), y.end(), std::uint8_t{1}));
    const std::size_t negatives = n - positives;
    if (positives == 0 || negatives == 0)
        fail("the " + std::to_string(n) + " training rows hold no " + (positives == 0 ? "positive" : "negative") +
             " label; a model needs both classes");
    double c_pos = options.positive_weight, c_neg = options.negative_weight;
    if (options.balanced) {
        c_pos = static_cast<double>(n) / (2.0 * static_cast<double>(positives));
        c_neg = static_cast<double>(n) / (2.0 * static_cast<double>(negatives));
    }

    // ---- inputs: read through the policy's binding, then binned -----------------------------------------------
    auto read = inputs_to_read(data, inputs);
    notes.insert(notes.end(), read.notes.begin(), read.notes.end());
    for (const auto& [name, c] : options.monotone) {
        const auto it = std::find_if(read.inputs.begin(), read.inputs.end(),
                                     [&](const tree_input& in) { return in.name() == name; });
        if (it == read.inputs.end() &&
            std::find_if(read.notes.begin(), read.notes.end(), [&](const std::string& s) {
                return s.rfind("field '" + name + "' left out", 0) == 0;
            }) == read.notes.end())
            fail("monotone: no input '" + name + "' (a field the trees read, or an event count's name)");
        if (it != read.inputs.end() && it->type == tree_input::kind::categorical && c != 0)
            fail("monotone: input '" + name + "' is categorical: its categories have no order to keep");
    }
    const std::size_t k = read.inputs.size();
    if (k == 0) fail("no input to learn from (no numeric, categorical or boolean field, and no event count)");
    const tree_ensemble_policy reader(tree_ensemble{read.inputs, {}, 0});
    const auto scorer = reader.bind(data.view, data.as_of);
    const auto values = read_values(scorer, train_rows, k, threads);

    std::vector<binned_input> binned;
    std::vector<std::size_t> column; // each binned input's column in `values`
    {
        std::vector<binned_input> all(k);
        std::vector<std::string> why(k);
        std::vector<std::vector<std::string>> input_notes(k);
        std::vector<std::uint8_t> keep(k, 0);
        detail::for_each_block(k, 1, threads_for(n, threads), [&](std::size_t j, std::size_t) {
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
                keep[j] = bin_categorical(b, in.categories, count, n, inputs, why[j], input_notes[j]);
            } else {
                std::vector<float> present;
                present.reserve(n);
                for (std::size_t i = 0; i < n; ++i) {
                    const float v = values[i * k + j];
                    if (v == v) present.push_back(v);
                }
                keep[j] = bin_numeric(b, std::move(present), n, inputs.max_bins, why[j]);
            }
            if (const auto m = options.monotone.find(in.name()); m != options.monotone.end()) b.monotone = m->second;
        });
        for (std::size_t j = 0; j < k; ++j) {
            notes.insert(notes.end(), input_notes[j].begin(), input_notes[j].end());
            if (!keep[j]) {
                notes.push_back((read.inputs[j].type == tree_input::kind::event_count ? "event count '" : "field '") +
                                read.inputs[j].name() + "' left out: " + why[j]);
                continue;
            }
            binned.push_back(std::move(all[j]));
            column.push_back(j);
        }
    }
    if (binned.empty()) {
        std::string why;
        for (const auto& note : notes) why += "; " + note;
        fail("no input to learn from (every input was left out" + why + ")");
    }
    const std::size_t kb = binned.size();
    const auto bins = bin_rows(binned, column, values, n, k, threads);

    std::vector<std::uint8_t> valid_bins, yv;
    if (!valid_rows.empty()) {
        const auto vv = read_values(scorer, valid_rows, k, threads);
        valid_bins = bin_rows(binned, column, vv, valid_rows.size(), k, threads);
        yv = labels_of(data, valid_rows);
    }

    // ---- boosting ---------------------------------------------------------------------------------------------
    tree_ensemble model;
    for (const auto& b : binned) model.inputs.push_back(b.input);
    model.base_score = static_cast<float>(std::log(c_pos * static_cast<double>(positives) /
                                                   (c_neg * static_cast<double>(negatives))));
    std::vector<float> z(n, model.base_score), zv(valid_rows.size(), model.base_score), z_best;
    std::vector<gpair> gp(n);
    booster grower(binned, options);
    std::vector<std::size_t> all_columns(kb);
    std::iota(all_columns.begin(), all_columns.end(), std::size_t{0});
    const std::size_t per_tree_columns = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::floor(options.column_subsample * static_cast<double>(kb) + 1e-9)));

    double valid_weight = 0;
    for (const auto label : yv) valid_weight += label ? c_pos : c_neg;
    double best_loss = std::numeric_limits<double>::infinity();
    std::size_t best_trees = 0;
    bool stopped = false;
    std::size_t grown = 0;
    const auto gradient = [&](std::size_t i) {
        const double zi = z[i];
        const double ez = std::exp(-std::abs(zi)), inv = 1.0 / (1.0 + ez); // exp in float: the margin is a float
        const double p = zi >= 0 ? inv : ez * inv;
        const double c = y[i] ? c_pos : c_neg;
        gp[i] = {c * (p - y[i]), c * ez * inv * inv};
    };
    const bool every_row = options.row_subsample >= 1;
    std::vector<double> valid_loss(valid_rows.size());
    const auto watch = [&](std::size_t i) { valid_loss[i] = (yv[i] ? c_pos : c_neg) * log_loss(zv[i], yv[i]); };
    const auto gradients = [&] {
        detail::for_each_block(n, 8192, threads_for(n, threads), [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) gradient(i);
        });
    };
    gradients();
    for (std::size_t t = 0; t < options.trees; ++t) {
        std::vector<std::uint32_t> sample;
        if (options.row_subsample < 1) {
            auto rng = stream(options.seed, 2, t);
            sample.reserve(static_cast<std::size_t>(static_cast<double>(n) * options.row_subsample) + 16);
            for (std::size_t i = 0; i < n; ++i)
                if (rng.uniform() < options.row_subsample) sample.push_back(static_cast<std::uint32_t>(i));
        } else {
            sample.resize(n);
            std::iota(sample.begin(), sample.end(), std::uint32_t{0});
        }
        std::vector<std::size_t> columns = all_columns;
        if (per_tree_columns < kb) {
            auto rng = stream(options.seed, 3, t);
            for (std::size_t c = 0; c < per_tree_columns; ++c)
                std::swap(columns[c], columns[c + static_cast<std::size_t>(rng.below(kb - c))]);
            columns.resize(per_tree_columns);
            std::sort(columns.begin(), columns.end());
        }
        model.trees.push_back(grower.grow(bins.data(), gp, std::move(sample), columns));
        ++grown;
        if (every_row) { // each leaf's rows are known: no walk down the tree
            grower.add_to_margins(model.trees.back(), z);
            gradients();
        } else {
            add_tree(model.trees.back(), grower.masks(), bins.data(), kb, n, z, threads, gradient); // the next tree's
        }
        if (!valid_rows.empty()) {
            add_tree(model.trees.back(), grower.masks(), valid_bins.data(), kb, valid_rows.size(), zv, threads, watch);
            double loss = 0;
            for (const double l : valid_loss) loss += l;
            loss /= valid_weight;
            if (loss < best_loss) {
                best_loss = loss;
                best_trees = t + 1;
                if (options.early_stopping_rounds > 0) z_best = z;
            }
            if (options.early_stopping_rounds > 0 && t + 1 - best_trees >= options.early_stopping_rounds) {
                stopped = true;
                break;
            }
        }
    }

    fit_report report;
    report.converged = true;
    report.iterations = grown;
    report.rows = n;
    report.positives = positives;
    if (stopped) {
        model.trees.resize(best_trees);
        z = std::move(z_best);
        report.message = "stopped early at tree " + std::to_string(grown) + " (best validation log loss " +
                         number(best_loss) + " at tree " + std::to_string(best_trees) + ")";
    } else {
        report.message = "grew " + plural(grown, "tree", "trees");
        if (!valid_rows.empty())
            report.message += " (best validation log loss " + number(best_loss) + " at tree " +
                              std::to_string(best_trees) + ")";
    }
    double penalty = 0;
    std::size_t leaves = 0;
    for (const auto& tree : model.trees)
        for (const auto& node : tree.nodes)
            if (node.input == tree_node::leaf) {
                ++leaves;
                penalty += options.min_split_gain + 0.5 * options.l2 * static_cast<double>(node.value) * node.value;
            }
    report.parameters = leaves + 1;
    report.objective = weighted_loss(z, y, c_pos, c_neg, threads) + penalty;
    report.notes = std::move(notes);
    return {tree_ensemble_policy(std::move(model)), std::move(report)};
}

} // namespace gbt_fitting

fit_result<tree_ensemble_policy> gbt_trainer::fit(const training_set& data) const {
    return gbt_fitting::fit_trees(*this, data);
}

// The built-in trainer satisfies its concept: checked once here, not in every file that includes the header.
static_assert(Trainer<gbt_trainer>);

} // namespace leadscore
