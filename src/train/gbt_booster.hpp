#pragma once
// gbt_trainer's tree growing: histograms, split finding, partitions. Internal to src/train/gbt*.cpp.

#include "gbt_bins.hpp"

#include "leadscore/core/batch.hpp"
#include "gbt_grain.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

namespace leadscore::gbt_fitting {

/// A row's gradient and Hessian.
struct gpair {
    double g, h;
};

/// Rows [begin, end)'s gradients and Hessians of the weighted log loss at margins z with labels y (0 or 1) and class
/// weights c_pos, c_neg (src/train/gbt_gradients.cpp).
void log_loss_gradients(const float* z, const std::uint8_t* y, double c_pos, double c_neg, gpair* gp, std::size_t begin,
                        std::size_t end) noexcept;
/// The e^x (x <= 0) of those gradients, for the tests.
[[nodiscard]] double gradient_exp(double x) noexcept;

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
    double gain = 0;         ///< XGBoost's loss_chg (twice the objective's decrease) − γ; made only when > 0
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
    std::uint32_t child = 0; ///< its left child's index, once split
    histogram hist;
    split_choice best;
};

/// Grows trees over binned training rows. A tree grows in rounds: every node of a level (or, with a leaf limit, the
/// node of largest gain) splits at once, then one parallel pass over (new pair of children, chunk of rows) builds the
/// smaller children's histograms — row by row, every input of a row in turn, so consecutive updates touch different
/// bins — each chunk into a histogram of its own; the thread that ends a pair's last chunk adds the node's chunks in
/// chunk order, derives the larger child's histogram as its parent's minus the smaller one's and finds both children's
/// best splits.
/// Chunks are cut by the grain's fixed rule from the node's row count, so the sums and the tree are the same for any
/// thread count.
class booster {
public:
    /// A booster for `rows` rows whose bins are `bins` (one byte an input, row after row; kept, not copied).
    booster(const std::vector<binned_input>& inputs, const gbt_options& o, const std::uint8_t* bins, std::size_t rows)
        : in_(inputs), o_(o), threads_(o.threads), counting_(o.min_rows_per_leaf > 1), kb_(inputs.size()),
          offset_(inputs.size() + 1, 0), bins_(bins) {
        for (std::size_t j = 0; j < inputs.size(); ++j) offset_[j + 1] = offset_[j] + inputs[j].bins + 1;
        index_rare_bins(rows);
        // Column by column too: a partition reads one input of a node's rows, which are ascending, so a column keeps
        // those reads within a few cache lines where the rows' bytes are a cache line apart.
        columns_bins_.resize(rows * kb_);
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < kb_; ++j) columns_bins_[j * rows + i] = bins_[i * kb_ + j];
        rows_ = rows;
    }

    /// Grows one tree on the rows `sample` (ascending) with gradients `gp`, splitting only on `columns`.
    decision_tree grow(const std::vector<gpair>& gp, std::vector<std::uint32_t> sample,
                       const std::vector<std::size_t>& columns) {
        columns_ = &columns;
        sparse_ = columns.size() == kb_ && !common_.empty();
        order_ = std::move(sample);
        gp_ = gp.data();
        masks_.assign(1, bin_mask{});
        nodes_.assign(1, grow_node{});
        decision_tree tree;
        tree.nodes.emplace_back();

        auto& root = nodes_[0];
        root.end = order_.size();
        for (const auto i : order_) root.sum += bin_stat{gp_[i].g, gp_[i].h, 1};
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
            std::vector<std::uint32_t> children, parted;
            for (const auto id : batch) {
                if (split(tree, id)) parted.push_back(id);
                ++leaves;
                children.push_back(tree.nodes[id].left);
                children.push_back(tree.nodes[id].left + 1);
            }
            partition_all(parted);
            for (const auto id : parted) queue_children(id);
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

    /// The threads the next trees are grown on (the options' by default): the tree is the same for any number.
    void use_threads(unsigned threads) noexcept { threads_ = threads; }

    /// Which bins go left at each node of the last tree grown (by node index).
    [[nodiscard]] const std::vector<bin_mask>& masks() const noexcept { return masks_; }

    /// Adds the last tree's leaf values to the margins of the rows it was grown on, by each leaf's range of rows
    /// (the leaf add_tree's walk would find: the partition followed the same masks). Leaves hold disjoint rows, so
    /// they are added side by side when there are many rows.
    void add_to_margins(const decision_tree& tree, std::vector<float>& z) const {
        std::vector<std::uint32_t> ids; // the nodes that hold the rows of leaves
        for (std::size_t id = 0; id < tree.nodes.size(); ++id) {
            const auto& t = tree.nodes[id];
            if (nodes_[id].partitioned && (t.input == tree_node::leaf || !nodes_[t.left].partitioned))
                ids.push_back(static_cast<std::uint32_t>(id));
        }
        const auto one = [&](std::size_t k) {
            const std::uint32_t id = ids[k];
            const auto& node = nodes_[id];
            const auto& t = tree.nodes[id];
            if (t.input == tree_node::leaf) {
                for (std::size_t r = node.begin; r < node.end; ++r) z[order_[r]] += t.value;
                return;
            }
            const std::uint8_t* col = columns_bins_.data() + static_cast<std::size_t>(t.input) * rows_;
            const float lv = tree.nodes[t.left].value, rv = tree.nodes[t.left + 1].value;
            for (std::size_t r = node.begin; r < node.end; ++r) {
                const std::uint32_t i = order_[r];
                z[i] += has(masks_[id], col[i]) ? lv : rv;
            }
        };
        if (ids.size() < 2 || order_.size() < detail::gbt_grain_setting().parallel_rows || threads_ == 1) {
            for (std::size_t k = 0; k < ids.size(); ++k) one(k);
        } else {
            detail::for_each_block(ids.size(), 1, threads_, [&](std::size_t k, std::size_t) { one(k); });
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

    /// Twice the decrease of the objective from a leaf of weight w (the best within [lo, hi]) over a leaf of weight 0:
    /// G²/(H + λ) unclamped, XGBoost's CalcGain, so that gains and γ are on XGBoost's scale (its loss_chg).
    [[nodiscard]] double score(const bin_stat& s, double lo, double hi) const noexcept {
        const double d = s.h + o_.l2;
        if (!(d > 0)) return 0;
        const double w = -s.g / d;
        if (w >= lo && w <= hi) return s.g * s.g / d;
        const double wc = std::clamp(w, lo, hi);
        return -(2 * s.g * wc + d * wc * wc);
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

    /// Every job's histograms and best splits: histograms by (job, chunk of rows), and once a job's chunks are built,
    /// its chunks added in chunk order, the larger child's histogram derived and the best splits found in column order.
    /// Small rounds stay on this thread: the result is the same, only the overhead differs.
    void run_jobs() {
        const auto& cols = *columns_;
        const auto& grain = detail::gbt_grain_setting();
        tasks_.clear();
        std::size_t work = 0, extra = 0;
        for (std::size_t q = 0; q < jobs_.size(); ++q) {
            const auto& s = nodes_[jobs_[q].small];
            const std::size_t rows = s.end - s.begin, max_chunks = std::max<std::size_t>(1, grain.max_chunks);
            const std::size_t chunk = std::max({std::size_t{1}, grain.chunk_rows, (rows + max_chunks - 1) / max_chunks});
            for (std::size_t c = 0, b = s.begin; c == 0 || b < s.end; ++c, b += chunk)
                tasks_.push_back({q, c, b, std::min(s.end, b + chunk), c > 0 ? extra++ : 0});
            work += rows * cols.size();
        }
        while (partial_.size() < extra) partial_.push_back(new_hist());
        // Jobs start at their chunk 0 in tasks_: job q's chunks are tasks_[first[q] .. first[q + 1]).
        first_.assign(1, 0);
        for (std::size_t t = 1; t <= tasks_.size(); ++t)
            if (t == tasks_.size() || tasks_[t].chunk == 0) first_.push_back(t);
        if (work < grain.parallel_updates || threads_ == 1 || tasks_.size() == 1) {
            for (std::size_t t = 0; t < tasks_.size(); ++t) build(tasks_[t]);
            for (std::size_t q = 0; q < jobs_.size(); ++q) finish(q);
            return;
        }
        // One parallel pass: the thread that builds a job's last chunk finishes the job (finish adds the chunks in
        // chunk order, whoever runs it). Largest chunks first, so that the threads end close together.
        by_size_.resize(tasks_.size());
        std::iota(by_size_.begin(), by_size_.end(), std::size_t{0});
        std::stable_sort(by_size_.begin(), by_size_.end(), [&](std::size_t x, std::size_t y) {
            return tasks_[x].end - tasks_[x].begin > tasks_[y].end - tasks_[y].begin;
        });
        std::vector<std::atomic<std::uint32_t>> left(jobs_.size());
        for (std::size_t q = 0; q < jobs_.size(); ++q)
            left[q].store(static_cast<std::uint32_t>(first_[q + 1] - first_[q]), std::memory_order_relaxed);
        detail::for_each_block(tasks_.size(), 1, threads_, [&](std::size_t t, std::size_t) {
            const chunk_task& tk = tasks_[by_size_[t]];
            build(tk);
            // acq_rel: the finishing thread sees every chunk the others built.
            if (left[tk.job].fetch_sub(1, std::memory_order_acq_rel) == 1) finish(tk.job);
        });
    }

    /// Each input's commonest bin over all rows, and every row's other bins (as histogram positions): a histogram pass
    /// adds only those, and fills the commonest bins in afterwards from the node's sums (complete_common). On lead data
    /// the commonest bins hold about half the values (a default, "never contacted", "no").
    void index_rare_bins(std::size_t rows) {
        if (offset_.back() > 65536) return; // positions past 16 bits (over 256 inputs): every bin is added
        common_.assign(kb_, 0);
        std::vector<std::uint32_t> count(offset_.back());
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < kb_; ++j) ++count[offset_[j] + bins_[i * kb_ + j]];
        std::size_t rare = 0;
        for (std::size_t j = 0; j < kb_; ++j) {
            const auto first = count.begin() + static_cast<std::ptrdiff_t>(offset_[j]);
            const auto top = std::max_element(first, count.begin() + static_cast<std::ptrdiff_t>(offset_[j + 1]));
            common_[j] = static_cast<std::uint32_t>(top - count.begin());
            rare += rows - *top;
        }
        rare_start_.resize(rows + 1);
        rare_.resize(rare);
        std::size_t w = 0;
        for (std::size_t i = 0; i < rows; ++i) {
            rare_start_[i] = w;
            for (std::size_t j = 0; j < kb_; ++j) {
                const std::size_t b = offset_[j] + bins_[i * kb_ + j];
                if (b != common_[j]) rare_[w++] = static_cast<std::uint16_t>(b);
            }
        }
        rare_start_[rows] = w;
    }

    /// A node's histogram built from the rare bins alone, completed: each input's commonest bin is the node's sums
    /// minus the input's other bins (in bin order, so the same for any thread count).
    void complete_common(grow_node& node) const {
        histogram& h = node.hist;
        for (std::size_t j = 0; j < kb_; ++j) {
            const std::size_t c = common_[j];
            double g = 0, hh = 0;
            std::uint32_t n = 0;
            for (std::size_t b = offset_[j]; b < offset_[j + 1]; ++b) {
                if (b == c) continue;
                g += h.gh[b].g;
                hh += h.gh[b].h;
                if (counting_) n += h.n[b];
            }
            h.gh[c] = {node.sum.g - g, node.sum.h - hh};
            if (counting_) h.n[c] = static_cast<std::uint32_t>(node.sum.n) - n;
        }
    }

    /// Sums a chunk's rows into its histogram: row by row, every input of a row in turn (with every column in use,
    /// only the rare bins: complete_common adds the rest).
    void build(const chunk_task& tk) {
        const auto& cols = *columns_;
        histogram& hist = tk.chunk == 0 ? nodes_[jobs_[tk.job].small].hist : partial_[tk.partial];
        clear(hist);
        gh_sum* h = hist.gh.data();
        std::uint32_t* n = hist.n.data();
        if (sparse_) {
            const std::size_t* start = rare_start_.data();
            const std::uint16_t* rare = rare_.data();
            for (std::size_t k = tk.begin; k < tk.end; ++k) {
                const std::uint32_t i = order_[k];
                if (k + 8 < tk.end) { // a node's rows are scattered: fetch a later row's bins and gradients meanwhile
                    const std::uint32_t ahead = order_[k + 8];
                    __builtin_prefetch(rare + start[ahead]);
                    __builtin_prefetch(gp_ + ahead);
                }
                const double g = gp_[i].g, hh = gp_[i].h;
                for (std::size_t e = start[i]; e < start[i + 1]; ++e) {
                    gh_sum& sum = h[rare[e]];
                    sum.g += g;
                    sum.h += hh;
                }
                if (counting_)
                    for (std::size_t e = start[i]; e < start[i + 1]; ++e) ++n[rare[e]];
            }
            return;
        }
        const std::size_t* off = offset_.data();
        const bool all_columns = cols.size() == kb_;
        for (std::size_t k = tk.begin; k < tk.end; ++k) {
            const std::uint32_t i = order_[k];
            if (k + 8 < tk.end) { // a node's rows are scattered: fetch a later row's bins and gradients meanwhile
                const std::uint32_t ahead = order_[k + 8];
                __builtin_prefetch(bins_ + static_cast<std::size_t>(ahead) * kb_);
                __builtin_prefetch(gp_ + ahead);
            }
            const std::uint8_t* row = bins_ + static_cast<std::size_t>(i) * kb_;
            const double g = gp_[i].g, hh = gp_[i].h;
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
    }

    /// Job q's smaller child's histogram completed from its chunks (in chunk order), the larger child's derived from
    /// its parent's, and the best splits of the children that may split.
    void finish(std::size_t q) {
        const auto& cols = *columns_;
        job& jb = jobs_[q];
        grow_node& s = nodes_[jb.small];
        for (std::size_t t = first_[q] + 1; t < first_[q + 1]; ++t) {
            const auto& p = partial_[tasks_[t].partial];
            for (const auto j : cols)
                for (std::size_t b = offset_[j]; b < offset_[j + 1]; ++b) {
                    s.hist.gh[b].g += p.gh[b].g;
                    s.hist.gh[b].h += p.gh[b].h;
                    if (counting_) s.hist.n[b] += p.n[b];
                }
        }
        if (sparse_) complete_common(s);
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
        // The category set is the right side's positions, and takes as many words as its highest position needs. The
        // pooled rare categories hold the highest positions (all of them, thousands for a field of many rare values):
        // when the right side holds the highest, the split is mirrored — the same partition, sides swapped — so the
        // set stays within the kept categories' words.
        const auto top = [&](bool left_side) {
            std::uint32_t t = 0;
            for (std::size_t k = 0; k < bins; ++k)
                if (has(best.left, static_cast<unsigned>(k)) == left_side)
                    for (const auto p : in_[j].positions[k]) t = std::max(t, p + 1);
            return t;
        };
        if (top(false) > top(true)) {
            bin_mask mirrored = absent; // categories without rows here still go left
            for (std::size_t k = 0; k <= bins; ++k)
                if (!has(best.left, static_cast<unsigned>(k))) set(mirrored, static_cast<unsigned>(k));
            best.left = mirrored;
            best.default_left = !best.default_left;
            std::swap(best.l, best.r);
            std::swap(best.wl, best.wr);
        }
    }

    /// Node `id` of the tree becomes split s: input, children, gain, default direction, threshold or category set.
    void write_split(decision_tree& tree, std::uint32_t id, const split_choice& s) const {
        const auto& b = in_[static_cast<std::size_t>(s.input)];
        const auto first = static_cast<std::uint32_t>(tree.nodes.size());
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

    /// Stable partition of the node's rows by its best split (each child's rows stay ascending): the left child's
    /// rows first, the right child's from the returned place. Branch-free (both places written, one kept): which side
    /// a row goes is as unpredictable as a coin. The right side waits in the node's own range of scratch_, so nodes
    /// can be partitioned side by side.
    std::size_t partition(const grow_node& node) {
        const split_choice& s = node.best;
        const std::uint8_t* col = columns_bins_.data() + static_cast<std::size_t>(s.input) * rows_;
        std::array<std::uint8_t, 256> goes_left{};
        for (unsigned bin = 0; bin < 256; ++bin) goes_left[bin] = has(s.left, bin) ? 1 : 0;
        std::uint32_t* right = scratch_.data() + node.begin;
        std::size_t w = node.begin, rest = 0;
        for (std::size_t k = node.begin; k < node.end; ++k) {
            const std::uint32_t i = order_[k];
            const std::size_t left = goes_left[col[i]];
            order_[w] = i;
            right[rest] = i;
            w += left;
            rest += 1 - left;
        }
        std::copy(right, right + rest, order_.begin() + static_cast<std::ptrdiff_t>(w));
        return w;
    }

    /// Partitions the rows of the nodes split this round, side by side when they are many.
    void partition_all(const std::vector<std::uint32_t>& ids) {
        scratch_.resize(order_.size());
        std::size_t rows = 0;
        for (const auto id : ids) rows += nodes_[id].end - nodes_[id].begin;
        const auto one = [&](std::size_t k) {
            grow_node& node = nodes_[ids[k]];
            const std::size_t w = partition(node);
            grow_node& l = nodes_[node.child];
            grow_node& r = nodes_[node.child + 1];
            l.begin = node.begin;
            l.end = r.begin = w;
            r.end = node.end;
        };
        if (ids.size() < 2 || rows < detail::gbt_grain_setting().parallel_rows || threads_ == 1) {
            for (std::size_t k = 0; k < ids.size(); ++k) one(k);
        } else {
            detail::for_each_block(ids.size(), 1, threads_, [&](std::size_t k, std::size_t) { one(k); });
        }
    }

    /// Splits node `id` by its best split: the tree's two new nodes, with their sums and bounds. Returns whether the
    /// node's rows are to be partitioned (when a child may split further); otherwise the children stay leaves.
    bool split(decision_tree& tree, std::uint32_t id) {
        const split_choice s = nodes_[id].best;
        const auto& b = in_[static_cast<std::size_t>(s.input)];
        const auto first = static_cast<std::uint32_t>(tree.nodes.size());
        write_split(tree, id, s);
        masks_[id] = s.left;
        tree.nodes.emplace_back();
        tree.nodes.emplace_back();
        masks_.emplace_back();
        masks_.emplace_back();
        nodes_.emplace_back();
        nodes_.emplace_back();
        grow_node& node = nodes_[id];
        node.child = first;

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
        if (!may_split(l) && !may_split(r)) { // both stay leaves: their rows need not be sorted out
            l.partitioned = r.partitioned = false;
            give_hist(std::move(node.hist));
            return false;
        }
        return true;
    }

    /// Whether a new child may split, before its rows are counted: without bin counts a child's rows are counted by
    /// the partition, and until then it is assumed to have enough.
    [[nodiscard]] bool may_split(const grow_node& c) const noexcept {
        return c.depth < o_.max_depth &&
               (counting_ ? can_split(c.sum) : c.sum.h >= 2.0 * o_.min_child_hessian && has_rows(c.sum));
    }

    /// After node `id`'s rows are partitioned: its children's row counts, and a job for their histograms when one of
    /// them may split.
    void queue_children(std::uint32_t id) {
        grow_node& node = nodes_[id];
        const std::uint32_t first = node.child;
        grow_node& l = nodes_[first];
        grow_node& r = nodes_[first + 1];
        l.sum.n = static_cast<double>(l.end - l.begin);
        r.sum.n = static_cast<double>(r.end - r.begin);
        const bool split_l = may_split(l) && can_split(l.sum), split_r = may_split(r) && can_split(r.sum);
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
    unsigned threads_;
    bool counting_;                   // histograms count rows (min_rows_per_leaf > 1)
    double empty_h_ = 0;              // a Hessian sum at or below this is rounding noise of an empty bin
    std::size_t kb_;                  // inputs: bytes per row of bins_
    std::vector<std::size_t> offset_; // each input's first bin in a histogram
    const std::uint8_t* bins_;
    std::vector<std::uint32_t> common_;     // each input's commonest bin, as a histogram position
    std::vector<std::size_t> rare_start_;   // row i's other bins: rare_[rare_start_[i] .. rare_start_[i + 1])
    std::vector<std::uint16_t> rare_;
    std::vector<std::uint8_t> columns_bins_; // bins_ column by column: input j's at j · rows_
    std::size_t rows_ = 0;
    bool sparse_ = false;                   // this tree's histograms are built from the rare bins
    const std::vector<std::size_t>* columns_ = nullptr;
    std::vector<std::uint32_t> order_, scratch_; // the sampled rows, each node's a contiguous range
    const gpair* gp_ = nullptr;                  // every row's gradient and Hessian
    std::vector<grow_node> nodes_;               // by tree node index
    std::vector<bin_mask> masks_;
    std::vector<job> jobs_;
    std::vector<chunk_task> tasks_;
    std::vector<std::size_t> first_;   // each job's first task, and tasks_.size() at the end
    std::vector<std::size_t> by_size_; // the tasks, largest first
    std::vector<histogram> pool_, partial_;
};

} // namespace leadscore::gbt_fitting
