// Exact path-dependent TreeSHAP for tree ensembles (Lundberg, Erion & Lee 2018).
//
// Two exact ways to the same numbers:
// - walk: Algorithm 2 of the paper (EXTEND / UNWIND over path elements), O(leaves × depth²) per tree and lead. It is
//   predict_contributions, the reference, and the scorer's way for trees too deep for the tables below.
// - tables: a leaf ℓ with value v whose path holds d distinct inputs, input i with zero fraction z_i (the product of
//   cover(child) / cover(split) over the path's splits on it) and one fraction o_i ∈ {0, 1} (whether the lead follows
//   every one of them), adds to input i
//       φ_i = v (o_i − z_i) Σ_{S ⊆ M∖{i}} w(|S|) Π_{j ∉ S, j ≠ i} z_j,   w(k) = k! (d − k − 1)! / d!,
//   where M = {j : o_j = 1}. With K(U) = Σ_{S ⊆ U} w(|S|) Π_{j ∉ S} z_j (every term of K(M∖{i}) holds z_i once):
//       φ_i = v (1 − z_i) / z_i · K(M∖{i})  for i ∈ M,        φ_i = −v K(M)  for i ∉ M.
//   K depends on the leaf alone, so it is computed once per leaf for all 2^d sets U (the idea of Fast TreeSHAP v2,
//   Yang 2021); a lead then costs one decision per split and d lookups per leaf, O(leaves × depth).
//   The tables hold −v K(U) and −(1 − z_i) / z_i, a leaf's values side by side.

#include "leadscore/scoring/trees.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace leadscore {

namespace detail {

// Internal to this file; a named namespace because tree_shap_cache holds its types.
namespace tree_shap {

// ---- shared definitions --------------------------------------------------------------------------------------------

struct child_fractions {
    double left, right;
};

// The zero fractions of a split's children: cover(child) / cover(split); 1/2 each under a split no training row
// reached (cover 0), where no data favours either side.
child_fractions shap_fractions(const decision_tree& tree, const tree_node& node) noexcept {
    const double c = node.cover;
    if (!(c > 0)) return {0.5, 0.5};
    return {tree.nodes[node.left].cover / c, tree.nodes[node.left + 1].cover / c};
}

// E[tree]: the cover-weighted mean of the leaves (EXPVALUE of the empty set), with `e` as scratch.
double shap_expected(const decision_tree& tree, std::vector<double>& e) {
    const auto& nodes = tree.nodes;
    e.resize(nodes.size());
    for (std::size_t n = nodes.size(); n-- > 0;) {
        const auto& node = nodes[n];
        if (node.input == tree_node::leaf) {
            e[n] = node.value;
        } else {
            const auto f = shap_fractions(tree, node);
            e[n] = f.left * e[node.left] + f.right * e[node.left + 1];
        }
    }
    return e[0];
}

// ---- Algorithm 2 ---------------------------------------------------------------------------------------------------

struct path_element {
    std::int32_t input; // -1 for the root's placeholder
    double zero;        // the product of the zero fractions of the path's splits on the input
    double one;         // 1 when the lead follows all of them, else 0
    double weight;      // the permutation weight of subsets of this size (not tied to the element's input)
};

// Every level of the walk copies its parent's path after it: at most 1 + 2 + … + (depth + 1) elements.
constexpr std::size_t walk_storage = (max_tree_depth + 2) * (max_tree_depth + 3) / 2;

// EXTEND: adds an input with the given fractions to the d elements of p.
void shap_extend(path_element* p, std::size_t d, double zero, double one, std::int32_t input) noexcept {
    p[d] = {input, zero, one, d == 0 ? 1.0 : 0.0};
    const double n1 = static_cast<double>(d + 1);
    for (std::size_t i = d; i-- > 0;) {
        p[i + 1].weight += one * p[i].weight * static_cast<double>(i + 1) / n1;
        p[i].weight = zero * p[i].weight * static_cast<double>(d - i) / n1;
    }
}

// UNWIND: removes element k of p[0..d]. An element never has zero and one both 0 (walk prunes such a child).
void shap_unwind(path_element* p, std::size_t d, std::size_t k) noexcept {
    const double one = p[k].one, zero = p[k].zero;
    const double n1 = static_cast<double>(d + 1);
    double next = p[d].weight;
    for (std::size_t i = d; i-- > 0;) {
        if (one != 0) {
            const double t = p[i].weight;
            p[i].weight = next * n1 / (static_cast<double>(i + 1) * one);
            next = t - p[i].weight * zero * static_cast<double>(d - i) / n1;
        } else {
            p[i].weight = p[i].weight * n1 / (zero * static_cast<double>(d - i));
        }
    }
    for (std::size_t i = k; i < d; ++i) {
        p[i].input = p[i + 1].input;
        p[i].zero = p[i + 1].zero;
        p[i].one = p[i + 1].one;
    }
}

// The total permutation weight of p[0..d] with element k unwound, without changing p.
double shap_unwound_sum(const path_element* p, std::size_t d, std::size_t k) noexcept {
    const double one = p[k].one, zero = p[k].zero;
    const double n1 = static_cast<double>(d + 1);
    double next = p[d].weight, total = 0;
    for (std::size_t i = d; i-- > 0;) {
        if (one != 0) {
            const double t = next * n1 / (static_cast<double>(i + 1) * one);
            total += t;
            next = p[i].weight - t * zero * static_cast<double>(d - i) / n1;
        } else {
            total += p[i].weight / zero * n1 / static_cast<double>(d - i);
        }
    }
    return total;
}

struct shap_walk {
    const decision_tree& tree;
    const float* x;
    double* phi;

    // p[0..d) holds the parent's path; the node's own element is added at p[d].
    void visit(std::size_t n, path_element* p, std::size_t d, double zero, double one, std::int32_t input) const {
        shap_extend(p, d, zero, one, input);
        const auto& node = tree.nodes[n];
        if (node.input == tree_node::leaf) {
            for (std::size_t i = 1; i <= d; ++i)
                phi[p[i].input] += shap_unwound_sum(p, d, i) * (p[i].one - p[i].zero) * double{node.value};
            return;
        }
        const auto f = shap_fractions(tree, node);
        const bool left = goes_left(tree, node, x[node.input]);
        const std::size_t hot = left ? node.left : node.left + 1;
        const double hot_zero = left ? f.left : f.right, cold_zero = left ? f.right : f.left;
        // An input met again on the path is unwound, and comes back with both splits' fractions.
        double in_zero = 1, in_one = 1;
        std::size_t depth = d;
        for (std::size_t k = 1; k <= depth; ++k)
            if (p[k].input == node.input) {
                in_zero = p[k].zero;
                in_one = p[k].one;
                shap_unwind(p, depth, k);
                --depth;
                break;
            }
        path_element* next = p + depth + 1;
        std::copy(p, p + depth + 1, next);
        if (hot_zero * in_zero != 0 || in_one != 0)
            visit(hot, next, depth + 1, hot_zero * in_zero, in_one, node.input);
        // A child weighted 0 whichever way adds 0 to every input: skipped, so no element ever has both fractions 0.
        if (cold_zero * in_zero != 0) {
            std::copy(p, p + depth + 1, next);
            visit(hot == node.left ? node.left + 1 : node.left, next, depth + 1, cold_zero * in_zero, 0, node.input);
        }
    }
};

struct shap_scratch {
    std::vector<path_element> path;
    std::vector<double> expected;
    std::vector<std::uint32_t> cold;
    std::vector<double> sums;
    std::vector<float> values;
};

shap_scratch& scratch() {
    thread_local shap_scratch s;
    return s;
}

void walk_tree(const decision_tree& tree, const float* x, double* phi, shap_scratch& s) {
    if (s.path.size() < walk_storage) s.path.resize(walk_storage);
    shap_walk{tree, x, phi}.visit(0, s.path.data(), 0, 1, 1, -1);
}

// ---- tables --------------------------------------------------------------------------------------------------------

// The deepest unique path a leaf may have for its tree to be tabled, and the mean table size over a tree's leaves:
// depth 6 trees are tabled whatever their shape, deeper ones while they stay within the same memory per leaf.
constexpr std::size_t table_max_inputs = 10;
constexpr std::size_t table_mean_entries = 64;

struct table_leaf {
    std::uint32_t weights = 0; // in tree_table::weights: −v K(U) for the 2^d sets U, then −(1 − z_i) / z_i per slot
    std::uint32_t d = 0;       // distinct inputs on its path; its inputs are in tree_table::inputs from `inputs`
    std::uint32_t inputs = 0;
};

struct tree_table {
    bool tabled = false;
    double expected = 0;
    std::vector<std::uint32_t> aux; // per node: a split's slot (the place of its input on its path), a leaf's index
    std::vector<table_leaf> leaves;
    std::vector<double> weights;    // a leaf's values together, so that a lead's lookups share cache lines
    std::vector<std::int32_t> inputs;
};

// K(U) for every U ⊆ [d] from the zero fractions z (see the file comment), into out (2^d values).
void fill_k(std::span<const double> z, double* out, std::vector<double>& poly) {
    const std::size_t d = z.size(), sets = std::size_t{1} << d;
    std::array<double, table_max_inputs + 1> w{};
    for (std::size_t k = 0; k < d; ++k) { // k! (d − k − 1)! / d!
        double v = 1.0 / static_cast<double>(d);
        for (std::size_t j = 1; j <= k; ++j) v *= static_cast<double>(j) / static_cast<double>(d - k - 1 + j);
        w[k] = v;
    }
    // poly[U] = the coefficients of Π_{j ∈ U} (z_j + t), built from U without its lowest member.
    poly.assign(sets * (d + 1), 0.0);
    poly[0] = 1;
    for (std::size_t u = 1; u < sets; ++u) {
        const std::size_t j = static_cast<std::size_t>(std::countr_zero(u));
        const double* from = poly.data() + (u & (u - 1)) * (d + 1);
        double* to = poly.data() + u * (d + 1);
        to[0] = z[j] * from[0];
        for (std::size_t c = 1; c <= d; ++c) to[c] = z[j] * from[c] + from[c - 1];
    }
    for (std::size_t u = 0; u < sets; ++u) {
        double outside = 1;
        for (std::size_t j = 0; j < d; ++j)
            if (!((u >> j) & 1u)) outside *= z[j];
        // coefficient c of t counts the subsets S of U of size c (the z's of U ∖ S multiplied)
        double s = 0;
        for (std::size_t c = 0; c < d; ++c) s += w[c] * poly[u * (d + 1) + c];
        out[u] = outside * s;
    }
}

tree_table build_table(const decision_tree& tree, std::vector<double>& scratch_values) {
    tree_table t;
    t.expected = shap_expected(tree, scratch_values);
    const auto& nodes = tree.nodes;
    t.aux.assign(nodes.size(), 0);
    // Depth-first, with each node's path (inputs and zero fractions by slot) on an explicit stack.
    struct frame {
        std::uint32_t node, d;
        std::array<std::int32_t, table_max_inputs> in;
        std::array<double, table_max_inputs> z;
    };
    std::vector<frame> stack;
    stack.push_back({0, 0, {}, {}});
    std::size_t entries = 0;
    std::vector<double> poly;
    while (!stack.empty()) {
        const frame f = stack.back();
        stack.pop_back();
        const auto& node = nodes[f.node];
        if (node.input == tree_node::leaf) {
            for (std::size_t i = 0; i < f.d; ++i)
                if (!(f.z[i] >= 1e-30 && f.z[i] <= 1e30)) return t; // a zero (or extreme) fraction: walk the tree
            const std::size_t sets = std::size_t{1} << f.d;
            const table_leaf l{static_cast<std::uint32_t>(t.weights.size()), f.d,
                               static_cast<std::uint32_t>(t.inputs.size())};
            t.aux[f.node] = static_cast<std::uint32_t>(t.leaves.size());
            t.leaves.push_back(l);
            entries += sets;
            if (entries > table_mean_entries * nodes.size()) return t; // bounded before the tables grow
            t.weights.resize(t.weights.size() + sets + f.d);
            double* w = t.weights.data() + l.weights;
            fill_k(std::span<const double>(f.z.data(), f.d), w, poly);
            for (std::size_t u = 0; u < sets; ++u) w[u] *= -double{node.value};
            for (std::size_t i = 0; i < f.d; ++i) {
                w[sets + i] = -(1 - f.z[i]) / f.z[i];
                t.inputs.push_back(f.in[i]);
            }
            continue;
        }
        std::uint32_t slot = 0;
        while (slot < f.d && f.in[slot] != node.input) ++slot;
        if (slot == table_max_inputs) return t; // too many distinct inputs on a path: walk the tree
        t.aux[f.node] = slot;
        const auto fr = shap_fractions(tree, node);
        for (int side = 1; side >= 0; --side) { // the left child on top: leaves come out in order
            frame c = f;
            c.node = side == 0 ? node.left : node.left + 1;
            if (slot == f.d) {
                c.d = f.d + 1;
                c.in[slot] = node.input;
                c.z[slot] = 1;
            }
            c.z[slot] *= side == 0 ? fr.left : fr.right;
            stack.push_back(c);
        }
    }
    // The mean over leaves, checked once every leaf is known (the running check above bounds the memory).
    if (entries > table_mean_entries * t.leaves.size()) return t;
    t.tabled = true;
    return t;
}

// One tree's contributions for one lead. Inputs the lead follows (hot) take their own lookup per leaf; the inputs a
// leaf's path leaves the lead's way on (cold) all take the leaf's −v K(M), so those are summed per subtree and added
// once at the split where the lead first leaves the way of that input.
void table_tree_contributions(const decision_tree& tree, const tree_table& t, const float* x, double* phi,
                              shap_scratch& s) {
    const auto& nodes = tree.nodes;
    if (s.cold.size() < nodes.size()) {
        s.cold.resize(nodes.size());
        s.sums.resize(nodes.size());
    }
    std::uint32_t* cold = s.cold.data(); // bit i: the path has left the lead's way at a split on the input of slot i
    double* sums = s.sums.data();        // Σ −v K(M) over the node's leaves
    cold[0] = 0;
    for (std::size_t n = 0; n < nodes.size(); ++n) {
        const auto& node = nodes[n];
        if (node.input != tree_node::leaf) {
            const std::uint32_t bit = std::uint32_t{1} << t.aux[n];
            const bool left = goes_left(tree, node, x[node.input]);
            cold[node.left] = cold[n] | (left ? 0 : bit);
            cold[node.left + 1] = cold[n] | (left ? bit : 0);
            continue;
        }
        const auto& l = t.leaves[t.aux[n]];
        const std::uint32_t m = ((std::uint32_t{1} << l.d) - 1) & ~cold[n];
        const double* k = t.weights.data() + l.weights; // −v K(U)
        const double* hot = k + (std::size_t{1} << l.d);   // −(1 − z_i) / z_i
        const std::int32_t* in = t.inputs.data() + l.inputs;
        sums[n] = k[m];
        // Without a branch (whether the lead follows an input is a coin toss to the branch predictor): a cold input
        // adds 0 · (a finite value), which changes no sum.
        for (std::uint32_t i = 0; i < l.d; ++i)
            phi[in[i]] += static_cast<double>((m >> i) & 1u) * (hot[i] * k[m ^ (std::uint32_t{1} << i)]);
    }
    for (std::size_t n = nodes.size(); n-- > 0;) {
        const auto& node = nodes[n];
        if (node.input == tree_node::leaf) continue;
        const std::uint32_t slot = t.aux[n];
        const double left = sums[node.left], right = sums[node.left + 1];
        sums[n] = left + right;
        // The child the lead does not take, unless the path had already left its way on this input above.
        const std::uint32_t open = ~(cold[n] >> slot) & 1u;
        phi[node.input] += static_cast<double>(open & (cold[node.left] >> slot)) * left +
                           static_cast<double>(open & (cold[node.left + 1] >> slot)) * right;
    }
}

} // namespace tree_shap

struct tree_shap_cache {
    std::once_flag once;
    std::vector<tree_shap::tree_table> trees;
    double bias = 0;

    const tree_shap_cache& built(const tree_ensemble& model) {
        std::call_once(once, [&] {
            std::vector<double> e;
            trees.reserve(model.trees.size());
            bias = model.base_score;
            for (const auto& tree : model.trees) {
                auto t = tree_shap::build_table(tree, e);
                if (!t.tabled) { // walked: the partial tables are not kept
                    tree_shap::tree_table walked;
                    walked.expected = t.expected;
                    t = std::move(walked);
                }
                bias += t.expected;
                trees.push_back(std::move(t));
            }
        });
        return *this;
    }
};

std::shared_ptr<tree_shap_cache> new_tree_shap_cache() { return std::make_shared<tree_shap_cache>(); }

} // namespace detail

namespace {

void check_contribution_output(const char* caller, std::size_t inputs, std::size_t out) {
    if (out != inputs + 1)
        throw definition_error(std::string(caller) + ": an output of " + std::to_string(out) + " values for " +
                               std::to_string(inputs) + " inputs and the bias");
}

} // namespace

void predict_contributions(const tree_ensemble& model, std::span<const float> values, std::span<double> out) {
    const std::size_t k = model.inputs.size();
    if (values.size() != k)
        throw definition_error("predict_contributions: " + std::to_string(values.size()) +
                               " values for a model of " + std::to_string(k) + " inputs");
    check_contribution_output("predict_contributions", k, out.size());
    auto& s = detail::tree_shap::scratch();
    std::fill(out.begin(), out.end(), 0.0);
    double bias = model.base_score;
    for (const auto& tree : model.trees) {
        bias += detail::tree_shap::shap_expected(tree, s.expected);
        detail::tree_shap::walk_tree(tree, values.data(), out.data(), s);
    }
    out[k] = bias;
}

namespace detail::tree_shap {

// Rows are explained a chunk at a time, tree by tree, so that a tree's weights stay in cache across the chunk's rows.
// Each row's sums run in tree order whatever the chunk, so every form gives the same bits.
constexpr std::size_t chunk_rows = 64;

// The contributions of `count` leads (x: count × k values) into out (count × (k + 1)).
void explain_rows(const tree_ensemble& model, const tree_shap_cache& cache, const float* x, std::size_t count,
                  double* out, shap_scratch& s) {
    const std::size_t k = model.inputs.size();
    std::fill(out, out + count * (k + 1), 0.0);
    for (std::size_t t = 0; t < model.trees.size(); ++t) {
        const auto& table = cache.trees[t];
        for (std::size_t r = 0; r < count; ++r) {
            if (table.tabled)
                table_tree_contributions(model.trees[t], table, x + r * k, out + r * (k + 1), s);
            else
                walk_tree(model.trees[t], x + r * k, out + r * (k + 1), s);
        }
    }
    for (std::size_t r = 0; r < count; ++r) out[r * (k + 1) + k] = cache.bias;
}

} // namespace detail::tree_shap

void tree_ensemble_policy::scorer::contributions(std::size_t row, std::span<double> out) const {
    const std::size_t k = model_->inputs.size();
    if (row >= rows_)
        throw definition_error("tree_ensemble_policy: row " + std::to_string(row) + " of a view of " +
                               std::to_string(rows_) + " rows");
    check_contribution_output("tree_ensemble_policy", k, out.size());
    auto& s = detail::tree_shap::scratch();
    s.values.resize(k);
    values(row, 1, s.values);
    detail::tree_shap::explain_rows(*model_, shap_->built(*model_), s.values.data(), 1, out.data(), s);
}

void tree_ensemble_policy::scorer::contributions_batch(std::size_t first, std::span<double> out) const {
    const std::size_t k = model_->inputs.size();
    if (out.size() % (k + 1) != 0)
        throw definition_error("tree_ensemble_policy: an output of " + std::to_string(out.size()) +
                               " values is not a whole number of rows of " + std::to_string(k + 1));
    const std::size_t count = out.size() / (k + 1);
    if (first > rows_ || count > rows_ - first)
        throw definition_error("tree_ensemble_policy: rows " + std::to_string(first) + " to " +
                               std::to_string(first + count) + " of a view of " + std::to_string(rows_) + " rows");
    const auto& cache = shap_->built(*model_);
    auto& s = detail::tree_shap::scratch();
    using detail::tree_shap::chunk_rows;
    for (std::size_t c = 0; c < count; c += chunk_rows) {
        const std::size_t n = std::min(chunk_rows, count - c);
        s.values.resize(n * k);
        values(first + c, n, s.values);
        detail::tree_shap::explain_rows(*model_, cache, s.values.data(), n, out.data() + c * (k + 1), s);
    }
}

std::vector<double> mean_abs_contributions(const tree_ensemble_policy::scorer& scorer,
                                           std::span<const std::size_t> rows, const batch_options& options) {
    const std::size_t inputs = scorer.model_->inputs.size(), k = inputs + 1;
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i] >= scorer.rows())
            throw definition_error("mean_abs_contributions: rows[" + std::to_string(i) + "] is row " +
                                   std::to_string(rows[i]) + " of a view of " + std::to_string(scorer.rows()) +
                                   " rows");
    std::vector<double> mean(k, 0.0);
    if (rows.empty()) return mean;
    const auto& cache = scorer.shap_->built(*scorer.model_);
    // Fixed chunks, each summed in row order, then added in chunk order: the same sums for any threads or blocks.
    using detail::tree_shap::chunk_rows;
    const std::size_t chunks = (rows.size() + chunk_rows - 1) / chunk_rows;
    std::vector<double> sums(chunks * k, 0.0);
    detail::for_each_block(chunks, 1, options.threads, [&](std::size_t begin, std::size_t end) {
        auto& s = detail::tree_shap::scratch();
        std::vector<float> x(chunk_rows * inputs);
        std::vector<double> phi(chunk_rows * k);
        for (std::size_t c = begin; c < end; ++c) {
            const std::size_t first = c * chunk_rows, n = std::min(chunk_rows, rows.size() - first);
            for (std::size_t r = 0; r < n; ++r)
                scorer.values(rows[first + r], 1, std::span<float>(x.data() + r * inputs, inputs));
            detail::tree_shap::explain_rows(*scorer.model_, cache, x.data(), n, phi.data(), s);
            double* sum = sums.data() + c * k;
            for (std::size_t r = 0; r < n; ++r)
                for (std::size_t j = 0; j < k; ++j) sum[j] += std::abs(phi[r * k + j]);
        }
    });
    for (std::size_t c = 0; c < chunks; ++c)
        for (std::size_t j = 0; j < k; ++j) mean[j] += sums[c * k + j];
    for (auto& m : mean) m /= static_cast<double>(rows.size());
    return mean;
}

} // namespace leadscore
