#pragma once
// gbt_trainer's tree growing: histograms, split finding, partitions. Internal to src/train/gbt*.cpp.

#include "gbt_bins.hpp"

#include "leadscore/core/batch.hpp"
#include "gbt_grain.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

namespace leadscore::gbt_fitting {

/// A row's gradient and Hessian.
struct alignas(16) gpair { // aligned: the histogram loop reads both as one vector
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
struct alignas(16) gh_sum { // aligned: the histogram loop adds both sums as one vector
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
    void add_to_margins(const decision_tree& tree, std::vector<float>& z) const;

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

    /// score(s, −∞, ∞): the leaf weight is never clamped.
    [[nodiscard]] double free_score(const bin_stat& s) const noexcept {
        const double d = s.h + o_.l2;
        return d > 0 ? s.g * s.g / d : 0.0;
    }

    [[nodiscard]] histogram new_hist() const {
        histogram h;
        // with a scratch bin for each slot, at least one (see index_rare_bins)
        h.gh.resize(offset_.back() + std::max<std::size_t>(slots_, 1));
        if (counting_) h.n.resize(offset_.back() + std::max<std::size_t>(slots_, 1));
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
    void run_jobs();

    /// Each input's commonest bin over all rows, and every row's other bins (as histogram positions): a histogram pass
    /// adds only those, and fills the commonest bins in afterwards from the node's sums (complete_common). On lead data
    /// the commonest bins hold about half the values (a default, "never contacted", "no"). Rows hold different numbers
    /// of rare bins, and a loop of a varying count is mispredicted at every row (as costly as the adds it saves), so
    /// every row gets the same number of slots, filled up with scratch bins nothing reads; the few rows with more rare
    /// bins keep the rest apart. Each bin still receives its rows' adds in row order: the sums are the same.
    void index_rare_bins(std::size_t rows);

    /// Every row's rare bins one after the other, for the root of trees grown on every row (then a chunk's rows are
    /// consecutive): one loop over a chunk's bins, bit 15 marking a row's first (a row without rare bins adds to the
    /// scratch bin). No row boundary to branch on, and no slot left empty.
    void index_root_stream(std::size_t rows);

    /// Where row `row`'s entries begin in stream_ (row = the row count: the end).
    [[nodiscard]] std::size_t stream_start(std::size_t row) const noexcept;

    /// A node's histogram built from the rare bins alone, completed: each input's commonest bin is the node's sums
    /// minus the input's other bins (in bin order, so the same for any thread count).
    void complete_common(grow_node& node) const;

    /// Adds a chunk of the root's rows (consecutive) to h (and n) from stream_.
    void add_root_stream(const chunk_task& tk, gh_sum* h, std::uint32_t* n) const;

    /// Adds a chunk of a node's rows to h (and n) from their slots and overflow.
    void add_slotted(const chunk_task& tk, gh_sum* h, std::uint32_t* n) const;

    /// Sums a chunk's rows into its histogram: row by row, every input of a row in turn (with every column in use,
    /// only the rare bins: complete_common adds the rest).
    void build(const chunk_task& tk);

    /// Job q's smaller child's histogram completed from its chunks (in chunk order), the larger child's derived from
    /// its parent's, and the best splits of the children that may split.
    void finish(std::size_t q);

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
        // The weights only when a constraint needs them or the split wins; without bounds a score is G²/(H + λ) (the
        // same bits as score's): one division a side.
        const int mono = in_[j].monotone;
        const bool constrained = ordered && mono != 0;
        double wl = 0, wr = 0;
        if (constrained) {
            wl = weight(l, node.lo, node.hi);
            wr = weight(r, node.lo, node.hi);
            if (mono > 0 ? wl > wr : wl < wr) return false;
        }
        const bool bounded = node.lo > -std::numeric_limits<double>::infinity() ||
                             node.hi < std::numeric_limits<double>::infinity();
        const double sl = bounded ? score(l, node.lo, node.hi) : free_score(l);
        const double sr = bounded ? score(r, node.lo, node.hi) : free_score(r);
        const double gain = sl + sr - parent;
        // A gain within rounding of the terms it is the difference of is no gain (children alike, split on noise).
        if (!(gain > best.gain) || !(gain > 1e-10 * (std::abs(sl) + std::abs(sr)))) return false;
        if (!constrained) {
            wl = weight(l, node.lo, node.hi);
            wr = weight(r, node.lo, node.hi);
        }
        best.gain = gain;
        best.input = static_cast<std::int32_t>(j);
        best.l = l;
        best.r = r;
        best.wl = wl;
        best.wr = wr;
        return true;
    }

    void best_numeric(const grow_node& node, std::size_t j, double parent, split_choice& best) const;

    void best_categorical(const grow_node& node, std::size_t j, double parent, split_choice& best) const;

    /// Node `id` of the tree becomes split s: input, children, gain, default direction, threshold or category set.
    void write_split(decision_tree& tree, std::uint32_t id, const split_choice& s) const;

    /// Stable partition of the node's rows by its best split (each child's rows stay ascending): the left child's
    /// rows first, the right child's from the returned place. Branch-free (both places written, one kept): which side
    /// a row goes is as unpredictable as a coin. The right side waits in the node's own range of scratch_, so nodes
    /// can be partitioned side by side.
    std::size_t partition(const grow_node& node);

    /// Partitions the rows of the nodes split this round, side by side when they are many.
    void partition_all(const std::vector<std::uint32_t>& ids);

    /// Splits node `id` by its best split: the tree's two new nodes, with their sums and bounds. Returns whether the
    /// node's rows are to be partitioned (when a child may split further); otherwise the children stay leaves.
    bool split(decision_tree& tree, std::uint32_t id);

    /// Whether a new child may split, before its rows are counted: without bin counts a child's rows are counted by
    /// the partition, and until then it is assumed to have enough.
    [[nodiscard]] bool may_split(const grow_node& c) const noexcept {
        return c.depth < o_.max_depth &&
               (counting_ ? can_split(c.sum) : c.sum.h >= 2.0 * o_.min_child_hessian && has_rows(c.sum));
    }

    /// After node `id`'s rows are partitioned: its children's row counts, and a job for their histograms when one of
    /// them may split.
    void queue_children(std::uint32_t id);

    const std::vector<binned_input>& in_;
    const gbt_options& o_;
    unsigned threads_;
    bool counting_;                   // histograms count rows (min_rows_per_leaf > 1)
    double empty_h_ = 0;              // a Hessian sum at or below this is rounding noise of an empty bin
    std::size_t kb_;                  // inputs: bytes per row of bins_
    std::vector<std::size_t> offset_; // each input's first bin in a histogram
    const std::uint8_t* bins_;
    std::vector<std::uint32_t> common_;     // each input's commonest bin, as a histogram position
    std::size_t slots_ = 0;                 // rare bins a row holds in slotted_ (a multiple of 4)
    std::vector<std::uint16_t> slotted_;    // row i's first rare bins (twice their positions) at i · slots_, then scratch
    std::vector<std::uint32_t> over_start_; // row i's other rare bins: over_[over_start_[i] .. over_start_[i + 1])
    std::vector<std::uint16_t> over_;
    std::vector<std::uint16_t> stream_;           // every row's rare bins, twice their positions, row starts marked
    std::vector<std::size_t> stream_checkpoint_;  // where rows 0, 64, 128, … begin in stream_
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
