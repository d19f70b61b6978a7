// The fast batch traversal of tree_ensemble_policy (see tree_scorer.hpp and docs/scoring.md for why this layout).

#include "tree_scorer.hpp"

#include <algorithm>
#include <utility>
#include <limits>
#include <span>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

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
// The bit-sliced kernel: AVX-512 intrinsics in functions compiled for it, chosen at run time.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LEADSCORE_DETAIL_TREES_SLICED 1
#define LEADSCORE_DETAIL_TREES_WIDE __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vbmi")))
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
            out.category_split[at] = 0;
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
        out.category_split[at] = node.categorical ? 1 : 0;
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
            f.category_split.resize(f.category_split.size() + splits);
            f.leaf.resize(f.leaf.size() + splits + 1);
            padder{t, f, ft.first_split, ft.first_leaf, depth}.place(0, 0, 0);
            ft.first_listed = static_cast<std::uint32_t>(f.listed.size());
            for (std::size_t i = 0; i < splits; ++i)
                if (!f.category_split[ft.first_split + i]) f.listed.push_back(static_cast<std::uint8_t>(i));
            ft.numeric_splits = static_cast<std::uint32_t>(f.listed.size() - ft.first_listed);
            for (std::size_t i = 0; i < splits; ++i)
                if (f.category_split[ft.first_split + i]) f.listed.push_back(static_cast<std::uint8_t>(i));

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

#if defined(LEADSCORE_DETAIL_TREES_SLICED)
// GCC 12's AVX-512 headers start some intrinsics from a vector initialized from itself (_mm512_undefined_*), which
// -Wmaybe-uninitialized reports wherever they are inlined; the value is never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

bool sliced_kernel_available() noexcept {
    static const bool yes = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512vbmi");
    }();
    return yes;
}

namespace {

/// Bit r: whether row r's value in `col` (64 floats) is >= t; NaN compares false.
LEADSCORE_DETAIL_TREES_WIDE inline std::uint64_t at_least(const float* col, float t) noexcept {
    const __m512 th = _mm512_set1_ps(t);
    const __mmask16 a = _mm512_cmp_ps_mask(_mm512_loadu_ps(col), th, _CMP_GE_OQ);
    const __mmask16 b = _mm512_cmp_ps_mask(_mm512_loadu_ps(col + 16), th, _CMP_GE_OQ);
    const __mmask16 c = _mm512_cmp_ps_mask(_mm512_loadu_ps(col + 32), th, _CMP_GE_OQ);
    const __mmask16 d = _mm512_cmp_ps_mask(_mm512_loadu_ps(col + 48), th, _CMP_GE_OQ);
    return _cvtmask64_u64(_mm512_kunpackd(_mm512_kunpackw(d, c), _mm512_kunpackw(b, a)));
}

/// Bit r: bit pos[r] of `set` (pos: 64 bytes below 64): the set spread to 64 bytes, looked up by one byte permute.
LEADSCORE_DETAIL_TREES_WIDE inline std::uint64_t in_set(const std::uint8_t* pos, std::uint64_t set) noexcept {
    const __m512i table = _mm512_movm_epi8(_cvtu64_mask64(set));
    return _cvtmask64_u64(_mm512_movepi8_mask(_mm512_permutexvar_epi8(_mm512_loadu_si512(pos), table)));
}

} // namespace

LEADSCORE_DETAIL_TREES_WIDE void block_margins_sliced(const flat_forest& flat, const tree_ensemble& model,
                                                      const float* values, std::size_t rows, sliced_scratch& scratch,
                                                      float* margin) noexcept {
    const std::size_t k = model.inputs.size();
    float* col = scratch.columns.data();
    std::uint8_t* pos = scratch.positions.data();
    std::uint64_t* missing = scratch.missing.data();
    std::uint64_t words[256], reach[256], next[256];
    for (std::size_t r = 0; r < rows; ++r) margin[r] = model.base_score;
    for (std::size_t first = 0; first < rows; first += 64) {
        const std::size_t n = std::min<std::size_t>(64, rows - first);
        const float* v = values + first * k;
        // The slice's values column by column; rows past n read as 0 (their bits are never used).
        for (std::size_t j = 0; j < k; ++j) {
            std::uint64_t nan = 0;
            for (std::size_t r = 0; r < 64; ++r) {
                const float x = r < n ? v[r * k + j] : 0.0f;
                col[j * 64 + r] = x;
                nan |= static_cast<std::uint64_t>(x != x) << r;
                pos[j * 64 + r] = x != x ? 63 : flat.small_categorical[j] ? static_cast<std::uint8_t>(x) : 0;
            }
            missing[j] = nan;
        }
        for (std::size_t t = 0; t < flat.trees.size(); ++t) {
            const auto& ft = flat.trees[t];
            if (!ft.padded) {
                const auto& tree = model.trees[t];
                for (std::size_t r = 0; r < n; ++r)
                    margin[first + r] += tree.nodes[leaf_index(tree, std::span<const float>(v + r * k, k))].value;
                continue;
            }
            const std::size_t splits = (std::size_t{1} << ft.depth) - 1;
            const float* th = flat.threshold.data() + ft.first_split;
            const std::uint32_t* in = flat.input.data() + ft.first_split;
            const std::uint64_t* mk = flat.mask.data() + ft.first_split;
            const std::uint8_t* listed = flat.listed.data() + ft.first_listed;
            // Every split's word (bit r: row r goes right), numeric splits first, then category splits: no branch
            // on the kind.
            for (std::size_t q = 0; q < ft.numeric_splits; ++q) {
                const std::size_t i = listed[q];
                words[i] = at_least(col + in[i] * 64, th[i]) | (missing[in[i]] & (mk[i] & missing_bit ? ~0ull : 0ull));
            }
            for (std::size_t q = ft.numeric_splits; q < splits; ++q) {
                const std::size_t i = listed[q];
                words[i] = in_set(pos + in[i] * 64, mk[i]);
            }
            // Level by level: the rows reaching each split, and per level the rows that went right there (the bits
            // of each row's leaf number, first level first).
            std::uint64_t plane[padded_tree_depth];
            std::uint64_t* at = reach;
            std::uint64_t* below = next;
            at[0] = ~0ull;
            for (std::uint32_t l = 0; l < ft.depth; ++l) {
                const std::size_t base = (std::size_t{1} << l) - 1, count = std::size_t{1} << l;
                std::uint64_t right = 0;
                for (std::size_t q = 0; q < count; ++q) {
                    const std::uint64_t go = at[q] & words[base + q];
                    below[2 * q] = at[q] ^ go;
                    below[2 * q + 1] = go;
                    right |= go;
                }
                plane[l] = right;
                std::swap(at, below);
            }
            // Sixteen rows at a time: each row's leaf number from the planes, its leaf by a gather, added in float.
            const float* lv = flat.leaf.data() + ft.first_leaf;
            for (std::size_t g = 0; g < n; g += 16) {
                __m512i leaf = _mm512_setzero_si512();
                for (std::uint32_t l = 0; l < ft.depth; ++l)
                    leaf = _mm512_mask_or_epi32(leaf, static_cast<__mmask16>(plane[l] >> g), leaf,
                                                _mm512_set1_epi32(1 << (ft.depth - 1 - l)));
                const auto live = static_cast<__mmask16>(n - g >= 16 ? 0xFFFF : (1u << (n - g)) - 1);
                float* m = margin + first + g;
                _mm512_mask_storeu_ps(m, live, _mm512_add_ps(_mm512_maskz_loadu_ps(live, m),
                                                             _mm512_i32gather_ps(leaf, lv, 4)));
            }
        }
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#else

bool sliced_kernel_available() noexcept { return false; }
void block_margins_sliced(const flat_forest&, const tree_ensemble&, const float*, std::size_t, sliced_scratch&,
                          float*) noexcept {}

#endif

} // namespace leadscore::detail

#undef LEADSCORE_DETAIL_TREES_SLICED
#undef LEADSCORE_DETAIL_TREES_WIDE
#undef LEADSCORE_DETAIL_TREES_CLONES
#undef LEADSCORE_DETAIL_TREES_TSAN
