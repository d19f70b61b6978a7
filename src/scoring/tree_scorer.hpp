#pragma once
// The fast batch traversal of tree_ensemble_policy's scorer (internal): the model flattened at bind into complete,
// padded trees that a block of rows walks tree by tree, level by level, without branches.

#include "leadscore/scoring/trees.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace leadscore::detail {

/// The deepest tree laid out padded to a complete tree (2^depth leaves); deeper trees take the reference path.
inline constexpr std::size_t padded_tree_depth = 8;
/// The most categories an input may have for its category splits to take the padded path (one bit per position in
/// a 64-bit mask, the top bit marking "missing").
inline constexpr std::size_t padded_max_categories = 63;
/// The most rows block_margins takes at once.
inline constexpr std::size_t tree_block_rows = 256;
/// The rows a scorer walks through the trees together (chosen by BM_trees_block): their input values (16 inputs ×
/// 128 rows × 12 bytes) and the tree being walked stay in the first-level cache.
inline constexpr std::size_t tree_score_rows = 128;

/// A tree_ensemble laid out for block traversal. A padded tree of depth d holds 2^d − 1 splits in breadth-first order
/// (the children of split i are 2i + 1 and 2i + 2; 2^d − 1 + k is leaf k) and 2^d leaves; an original leaf above the
/// last level becomes a split whose whole subtree ends in copies of its value, so either way gives the same bits.
/// A split sends a row right when `x >= threshold` or `bits & mask` is non-zero, where bits is 1 << position for a
/// present category of a small categorical input, 1 << 63 for a missing value and 0 otherwise: mask holds the split's
/// category set and 1 << 63 when missing values go right; a category split's threshold is +infinity (false for every
/// position, and for NaN). For a numeric value x, `x >= t` equals `!(x < t)` (t is never NaN): goes_left's rule.
struct flat_forest {
    struct tree {
        std::uint32_t first_split = 0; ///< index of the tree's first split in threshold / input / mask
        std::uint32_t first_leaf = 0;  ///< index of its first leaf in leaf
        std::uint32_t depth = 0;       ///< levels of splits
        bool padded = false;           ///< false: the reference path (too deep, or a split on a large categorical input)
        std::uint32_t first_listed = 0;   ///< the tree's splits in `listed`: numeric ones first, then category ones
        std::uint32_t numeric_splits = 0; ///< how many are numeric (threshold) splits
    };
    std::vector<tree> trees;
    std::vector<float> threshold;
    std::vector<std::uint32_t> input;
    std::vector<std::uint64_t> mask;
    std::vector<std::uint8_t> category_split; ///< per split: 1 for a category split
    std::vector<float> leaf;
    /// Per padded tree, its split positions (2^depth − 1 of them) by kind, for the bit-sliced kernel.
    std::vector<std::uint8_t> listed;
    /// Per input: whether a present value sets bit `position` (a categorical input of at most padded_max_categories).
    std::vector<std::uint8_t> small_categorical;
};

/// Lays out `model` (validated) for block traversal.
[[nodiscard]] flat_forest flatten(const tree_ensemble& model);

/// The margins of `rows` rows (at most tree_block_rows) whose input values are `values` (rows × inputs floats,
/// row-major, as tree_ensemble_policy::scorer::values gives them) into `margin`, equal bit for bit to predict_margin
/// row by row. `bits` is scratch of rows × inputs words.
void block_margins(const flat_forest& flat, const tree_ensemble& model, const float* values, std::size_t rows,
                   std::uint64_t* bits, float* margin) noexcept;

/// Whether this processor runs block_margins_sliced (AVX-512 F, BW, DQ, VL and VBMI: Ice Lake, Zen 4 and later).
[[nodiscard]] bool sliced_kernel_available() noexcept;

/// What block_margins_sliced works in: a 64-row slice of the values column by column, the category positions as
/// bytes (63 = missing), and per input the rows whose value is missing.
struct sliced_scratch {
    std::vector<float> columns;
    std::vector<std::uint8_t> positions;
    std::vector<std::uint64_t> missing;
    explicit sliced_scratch(std::size_t inputs) : columns(inputs * 64), positions(inputs * 64), missing(inputs) {}
};

/// block_margins, bit-sliced over up to 64 rows at a time (`rows` at most tree_block_rows): every split of a padded
/// tree is evaluated for 64 rows at once into a 64-bit word (16 comparisons an instruction; a category split looks the
/// 64 positions up in its set by one byte permute), the words are combined level by level into each row's path, and
/// the path picks the leaf (16 rows a gather). The same results as block_margins, bit for bit. Only where
/// sliced_kernel_available(); `scratch` made for the model's number of inputs.
void block_margins_sliced(const flat_forest& flat, const tree_ensemble& model, const float* values, std::size_t rows,
                          sliced_scratch& scratch, float* margin) noexcept;

} // namespace leadscore::detail
