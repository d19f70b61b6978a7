// gbt_trainer's tree growing, the booster's larger steps (declared and documented in gbt_booster.hpp).
#include "gbt_booster.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <numeric>

namespace leadscore::gbt_fitting {

void booster::add_to_margins(const decision_tree& tree, std::vector<float>& z) const {
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

void booster::run_jobs() {
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

void booster::index_rare_bins(std::size_t rows) {
    if (offset_.back() + kb_ + 3 > 32768) return; // twice a position past 16 bits (over 125 inputs): every bin is added
    common_.assign(kb_, 0);
    std::vector<std::uint32_t> count(offset_.back());
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < kb_; ++j) ++count[offset_[j] + bins_[i * kb_ + j]];
    for (std::size_t j = 0; j < kb_; ++j) {
        const auto first = count.begin() + static_cast<std::ptrdiff_t>(offset_[j]);
        const auto top = std::max_element(first, count.begin() + static_cast<std::ptrdiff_t>(offset_[j + 1]));
        common_[j] = static_cast<std::uint32_t>(top - count.begin());
    }
    // Rows by their number of rare bins, and the slots a row gets: a multiple of 4 that minimizes the adds, counting a
    // row past its slots as 10 adds more (the mispredicted loop of its overflow).
    std::vector<std::size_t> with(kb_ + 1, 0);
    for (std::size_t i = 0; i < rows; ++i) {
        std::size_t m = 0;
        for (std::size_t j = 0; j < kb_; ++j) m += offset_[j] + bins_[i * kb_ + j] != common_[j];
        ++with[m];
    }
    const auto cost = [&](std::size_t slots) {
        std::size_t adds = slots * rows;
        for (std::size_t m = slots + 1; m <= kb_; ++m) adds += with[m] * (10 + m - slots);
        return adds;
    };
    slots_ = 0;
    for (std::size_t c = 4; c < kb_ + 4; c += 4)
        if (cost(c) < cost(slots_)) slots_ = c;
    std::size_t over = 0;
    for (std::size_t m = slots_ + 1; m <= kb_; ++m) over += with[m] * (m - slots_);
    if (over > std::numeric_limits<std::uint32_t>::max()) { // no overflow at all rather than wider offsets
        slots_ = (kb_ + 3) / 4 * 4;
        over = 0;
    }
    slotted_.resize(rows * slots_);
    over_start_.resize(rows + 1);
    over_.resize(over);
    std::size_t w = 0;
    for (std::size_t i = 0; i < rows; ++i) {
        over_start_[i] = static_cast<std::uint32_t>(w);
        std::uint16_t* slot = slotted_.data() + i * slots_;
        std::size_t m = 0;
        for (std::size_t j = 0; j < kb_; ++j) {
            const std::size_t b = offset_[j] + bins_[i * kb_ + j];
            if (b == common_[j]) continue;
            if (m < slots_) slot[m] = static_cast<std::uint16_t>(2 * b);
            else over_[w++] = static_cast<std::uint16_t>(2 * b);
            ++m;
        }
        for (; m < slots_; ++m) slot[m] = static_cast<std::uint16_t>(2 * (offset_.back() + m)); // a scratch bin a slot
    }
    over_start_[rows] = static_cast<std::uint32_t>(w);
    index_root_stream(rows);
}

void booster::index_root_stream(std::size_t rows) {
    if (2 * (offset_.back() + 1) > 0x8000) return; // bit 15 marks a row's first entry
    std::size_t entries = 1;
    for (std::size_t i = 0; i < rows; ++i) {
        std::size_t m = 0;
        for (std::size_t j = 0; j < kb_; ++j) m += offset_[j] + bins_[i * kb_ + j] != common_[j];
        entries += std::max<std::size_t>(m, 1);
    }
    stream_.clear();
    stream_.reserve(entries);
    stream_checkpoint_.clear();
    for (std::size_t i = 0; i < rows; ++i) {
        if (i % 64 == 0) stream_checkpoint_.push_back(stream_.size());
        constexpr std::uint16_t first = 0x8000;
        std::uint16_t mark = first;
        for (std::size_t j = 0; j < kb_; ++j) {
            const std::size_t b = offset_[j] + bins_[i * kb_ + j];
            if (b == common_[j]) continue;
            stream_.push_back(static_cast<std::uint16_t>(mark | 2 * b));
            mark = 0;
        }
        if (mark != 0) stream_.push_back(static_cast<std::uint16_t>(first | 2 * offset_.back())); // the scratch bin
    }
    if (rows % 64 == 0) stream_checkpoint_.push_back(stream_.size());
    stream_.push_back(0x8000); // a sentinel: the start of row `rows`
}

std::size_t booster::stream_start(std::size_t row) const noexcept {
    std::size_t e = stream_checkpoint_[row / 64];
    for (std::size_t skip = row % 64; skip > 0; --skip)
        do ++e;
        while ((stream_[e] & 0x8000) == 0);
    return e;
}

void booster::complete_common(grow_node& node) const {
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

namespace {
/// A bin's gradient and Hessian sums as one vector (gh_sum's layout), to be added at once.
using gh_vector = double __attribute__((vector_size(16), may_alias));
} // namespace

void booster::add_root_stream(const chunk_task& tk, gh_sum* h, std::uint32_t* n) const {
    double* hd = &h[0].g;
    const std::uint16_t* stream = stream_.data();
    const auto* gp = reinterpret_cast<const gh_vector*>(gp_);
    std::size_t i = tk.begin - 1; // the first entry moves to tk.begin (unsigned wrap-around at row 0)
    const std::size_t begin = stream_start(tk.begin), end = stream_start(tk.end);
    for (std::size_t e = begin; e < end; ++e) {
        const std::uint16_t v = stream[e];
        i += v >> 15;
        *reinterpret_cast<gh_vector*>(hd + (v & 0x7fff)) += gp[i];
    }
    if (counting_)
        for (std::size_t e = begin; e < end; ++e) ++n[(stream[e] & 0x7fff) / 2];
}

void booster::add_slotted(const chunk_task& tk, gh_sum* h, std::uint32_t* n) const {
    const std::uint16_t* slotted = slotted_.data();
    const std::uint32_t* over_start = over_start_.data();
    const std::uint16_t* over = over_.data();
    const std::size_t groups = slots_ / 4;
    const std::size_t slots = slots_;
    const std::uint32_t* order = order_.data();
    const gpair* gp = gp_;
    const bool counting = counting_; // locals: the vector stores below may alias any member
    double* hd = &h[0].g;
    for (std::size_t k = tk.begin; k < tk.end; ++k) {
        const std::uint32_t i = order[k];
        if (k + 8 < tk.end) { // a node's rows are scattered: fetch a later row's bins and gradients meanwhile
            const std::uint32_t ahead = order[k + 8];
            __builtin_prefetch(slotted + static_cast<std::size_t>(ahead) * slots);
            __builtin_prefetch(gp + ahead);
            __builtin_prefetch(over_start + ahead);
        }
        const gh_vector gh = {gp[i].g, gp[i].h};
        // b2 is twice the bin's position: one addressing mode finds it, and both sums move in one vector add.
        const auto add = [&](std::uint16_t b2) { *reinterpret_cast<gh_vector*>(hd + b2) += gh; };
        // Every row fills the same number of slots, so the loop's branches are predicted; the few rows with more
        // rare bins add the rest from the overflow.
        const std::uint16_t* slot = slotted + static_cast<std::size_t>(i) * slots;
        for (std::size_t q = 0; q < groups; ++q, slot += 4) {
            add(slot[0]);
            add(slot[1]);
            add(slot[2]);
            add(slot[3]);
        }
        for (std::uint32_t e = over_start[i]; e < over_start[i + 1]; ++e) add(over[e]);
        if (counting) {
            slot = slotted + static_cast<std::size_t>(i) * slots;
            for (std::size_t q = 0; q < slots; ++q) ++n[slot[q] / 2];
            for (std::uint32_t e = over_start[i]; e < over_start[i + 1]; ++e) ++n[over[e] / 2];
        }
    }
}

void booster::build(const chunk_task& tk) {
    const auto& cols = *columns_;
    histogram& hist = tk.chunk == 0 ? nodes_[jobs_[tk.job].small].hist : partial_[tk.partial];
    clear(hist);
    gh_sum* h = hist.gh.data();
    std::uint32_t* n = hist.n.data();
    if (sparse_ && jobs_[tk.job].small == 0 && order_.size() == rows_ && !stream_.empty()) {
        add_root_stream(tk, h, n);
        return;
    }
    if (sparse_) {
        add_slotted(tk, h, n);
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

void booster::finish(std::size_t q) {
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

void booster::best_numeric(const grow_node& node, std::size_t j, double parent, split_choice& best) const {
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

void booster::best_categorical(const grow_node& node, std::size_t j, double parent, split_choice& best) const {
    const std::size_t bins = in_[j].bins;
    const bin_stat miss = stat(node.hist, j, bins);
    const bool missing = has_rows(miss);
    std::array<std::uint8_t, 256> order; // [0, m) set below, the only part read: no need to clear 256 bytes
    std::array<double, 256> ratio;       // read only at the bins in order
    bin_mask absent{};
    std::size_t m = 0;
    for (std::size_t b = 0; b < bins; ++b) {
        const bin_stat hb = stat(node.hist, j, b);
        if (has_rows(hb)) {
            const double d = hb.h + o_.l2;
            ratio[b] = d > 0 ? hb.g / d : 0.0;
            order[m++] = static_cast<std::uint8_t>(b);
        } else {
            set(absent, static_cast<unsigned>(b));
        }
    }
    const auto by_ratio = [&](std::uint8_t a, std::uint8_t b) { return ratio[a] < ratio[b]; };
    if (m > 32) {
        std::stable_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m), by_ratio);
    } else { // a stable insertion sort (the same order): no buffer to allocate as std::stable_sort does
        for (std::size_t k = 1; k < m; ++k) {
            const std::uint8_t c = order[k];
            std::size_t at = k;
            for (; at > 0 && by_ratio(c, order[at - 1]); --at) order[at] = order[at - 1];
            order[at] = c;
        }
    }
    long best_k = -2; // categories order[0 .. best_k] go left
    bool missing_left = false;
    if (missing && consider(node, j, miss, parent, false, best)) {
        best_k = -1;
        missing_left = true;
    }
    bin_stat acc;
    for (std::size_t k = 0; k + 1 < m; ++k) {
        acc += stat(node.hist, j, order[k]);
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

void booster::write_split(decision_tree& tree, std::uint32_t id, const split_choice& s) const {
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

std::size_t booster::partition(const grow_node& node) {
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

void booster::partition_all(const std::vector<std::uint32_t>& ids) {
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

bool booster::split(decision_tree& tree, std::uint32_t id) {
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

void booster::queue_children(std::uint32_t id) {
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

} // namespace leadscore::gbt_fitting
