// The fast batch traversal of tree_ensemble_policy (see tree_scorer.hpp and docs/scoring.md for why this layout).

#include "tree_scorer.hpp"

#include <algorithm>
#include <limits>
#include <span>

// One copy of the block kernel per instruction set, picked at load time (as in logistic.cpp); not under the thread
// sanitizer, whose runtime starts after the resolver runs.
#if defined(__SANITIZE_THREAD__)
#define LEADSCORE_DETAIL_TREES_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LEADSCORE_DETAIL_TREES_TSAN 1
#endif
#endif
#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__)) &&                           \
    !defined(LEADSCORE_DETAIL_TREES_TSAN)
#define LEADSCORE_DETAIL_TREES_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LEADSCORE_DETAIL_TREES_CLONES
#endif

namespace leadscore::detail {

namespace {

constexpr std::uint64_t missing_bit = std::uint64_t{1} << 63;

struct padder {
    const decision_tree& src;
    flat_forest& out;
    std::uint32_t first_split;
    std::uint32_t first_leaf;
    std::uint32_t depth;

    /// Places source node n at position p (level `level`) of the complete tree; `leaf_value` set when an original
    /// leaf above the last level is being copied down.
    void place(std::uint32_t n, std::uint32_t p, std::uint32_t level) {
        const auto& node = src.nodes[n];
        const std::uint32_t splits = (std::uint32_t{1} << depth) - 1;
        if (level == depth) { // the last level: n is a leaf (validate and the depth computed ensure it)
            out.leaf[first_leaf + p - splits] = node.value;
            return;
        }
        const std::size_t at = first_split + p;
        if (node.input == tree_node::leaf) {
            // A split that goes either way (input 0 exists: the tree has a split), into copies of the leaf.
            out.threshold[at] = 0;
            out.input[at] = 0;
            out.mask[at] = 0;
            place(n, 2 * p + 1, level + 1);
            place(n, 2 * p + 2, level + 1);
            return;
        }
        out.input[at] = static_cast<std::uint32_t>(node.input);
        std::uint64_t m = node.default_left ? 0 : missing_bit;
        if (node.categorical) {
            out.threshold[at] = std::numeric_limits<float>::infinity();
            const std::uint32_t* set = src.category_bits.data() + node.categories;
            for (std::uint32_t c = 0; c < padded_max_categories && c / 32 < set[0]; ++c)
                if ((set[1 + c / 32] >> (c % 32)) & 1u) m |= std::uint64_t{1} << c;
        } else {
            out.threshold[at] = node.value;
        }
        out.mask[at] = m;
        place(node.left, 2 * p + 1, level + 1);
        place(node.left + 1, 2 * p + 2, level + 1);
    }
};

} // namespace

flat_forest flatten(const tree_ensemble& model) {
    flat_forest f;
    f.small_categorical.resize(model.inputs.size());
    for (std::size_t i = 0; i < model.inputs.size(); ++i)
        f.small_categorical[i] = model.inputs[i].type == tree_input::kind::categorical &&
                                 model.inputs[i].categories.size() <= padded_max_categories;
    std::vector<std::uint32_t> level;
    for (const auto& t : model.trees) {
        flat_forest::tree ft;
        level.assign(t.nodes.size(), 0);
        std::uint32_t depth = 0;
        bool small = true;
        for (std::size_t n = 0; n < t.nodes.size(); ++n) {
            const auto& node = t.nodes[n];
            depth = std::max(depth, level[n]);
            if (node.input == tree_node::leaf) continue;
            level[node.left] = level[node.left + 1] = level[n] + 1;
            if (node.categorical && !f.small_categorical[static_cast<std::size_t>(node.input)]) small = false;
        }
        ft.depth = depth;
        ft.padded = small && depth <= padded_tree_depth;
        if (ft.padded) {
            ft.first_split = static_cast<std::uint32_t>(f.threshold.size());
            ft.first_leaf = static_cast<std::uint32_t>(f.leaf.size());
            const std::size_t splits = (std::size_t{1} << depth) - 1;
            f.threshold.resize(f.threshold.size() + splits);
            f.input.resize(f.input.size() + splits);
            f.mask.resize(f.mask.size() + splits);
            f.leaf.resize(f.leaf.size() + splits + 1);
            padder{t, f, ft.first_split, ft.first_leaf, depth}.place(0, 0, 0);
        }
        f.trees.push_back(ft);
    }
    return f;
}

LEADSCORE_DETAIL_TREES_CLONES void block_margins(const flat_forest& flat, const tree_ensemble& model,
                                                 const float* values, std::size_t rows, std::uint64_t* bits,
                                                 float* margin) noexcept {
    const std::size_t k = model.inputs.size();
    for (std::size_t r = 0; r < rows; ++r) {
        margin[r] = model.base_score;
        for (std::size_t j = 0; j < k; ++j) {
            const float x = values[r * k + j];
            // A categorical position is a whole number below padded_max_categories (scorer::values gives no other).
            bits[r * k + j] = x != x ? missing_bit
                                     : (flat.small_categorical[j] ? std::uint64_t{1} << static_cast<unsigned>(x) : 0);
        }
    }
    std::uint32_t at[tree_block_rows];
    for (std::size_t t = 0; t < flat.trees.size(); ++t) {
        const auto& ft = flat.trees[t];
        if (!ft.padded) {
            const auto& tree = model.trees[t];
            for (std::size_t r = 0; r < rows; ++r)
                margin[r] += tree.nodes[leaf_index(tree, std::span<const float>(values + r * k, k))].value;
            continue;
        }
        const float* th = flat.threshold.data() + ft.first_split;
        const std::uint32_t* in = flat.input.data() + ft.first_split;
        const std::uint64_t* mk = flat.mask.data() + ft.first_split;
        const float* lv = flat.leaf.data() + ft.first_leaf - ((std::size_t{1} << ft.depth) - 1);
        for (std::size_t r = 0; r < rows; ++r) at[r] = 0;
        // Level by level over the block: the rows' walks are independent, so they overlap in the core.
        for (std::uint32_t l = 0; l < ft.depth; ++l) {
            for (std::size_t r = 0; r < rows; ++r) {
                const std::uint32_t i = at[r];
                const std::size_t v = r * k + in[i];
                const bool right = (values[v] >= th[i]) | ((bits[v] & mk[i]) != 0);
                at[r] = 2 * i + 1 + static_cast<std::uint32_t>(right);
            }
        }
        for (std::size_t r = 0; r < rows; ++r) margin[r] += lv[at[r]];
    }
}

} // namespace leadscore::detail

#undef LEADSCORE_DETAIL_TREES_CLONES
#undef LEADSCORE_DETAIL_TREES_TSAN
