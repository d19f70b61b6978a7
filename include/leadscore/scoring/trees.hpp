#pragma once
// tree_ensemble_policy: gradient-boosted decision trees over a lead's fields and event counts, learned by
// gbt_trainer (leadscore/train/gbt.hpp) or imported from XGBoost (leadscore/io/xgboost.hpp).
//
//   margin = base_score + Σ_trees leaf(tree, lead),   p = 1 / (1 + e^−margin)
//
// Semantics a user must know:
// - The model reads one value per input and lead, as a 32-bit float (the form XGBoost reads too): a numeric
//   field's value rounded to float (NaN = missing), a boolean as 0 or 1, an event count (the lead's events of the
//   input's types at most window_days old as of the scoring time), and a categorical field as the position of its
//   text in the input's category list — missing when the value is missing *or a text the list does not hold*
//   (a category never seen in training takes the default branch, like a missing one).
// - At an internal node a numeric value goes left when value < threshold (compared in float); a category goes right
//   when its bit is set in the node's category set, left otherwise; a missing value goes where default_left says.
// - The margin is summed in float, starting from base_score, tree by tree in order — what XGBoost's predictor does,
//   so an imported model's margins equal XGBoost's bit for bit in the common case. The probability is computed from
//   that margin in double.
// - The explanation is exact path-dependent TreeSHAP (Lundberg et al. 2018) in log-odds: one factor per input with
//   a non-zero contribution plus "bias" (the cover-weighted mean margin); additive, total = the margin.
// - Trees are flat arrays of nodes: node 0 is the root, the children of node i are `left` and `left + 1`, always
//   after i, so every tree is acyclic by construction and a loaded tree cannot loop.

#include "leadscore/scoring/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// One value a tree ensemble reads per lead (see the header comment for how each kind becomes a float).
struct tree_input {
    /// What the input reads.
    enum class kind : std::uint8_t {
        numeric,     ///< a numeric field
        boolean,     ///< a boolean field: 0 or 1
        categorical, ///< a categorical field: the position of its text in `categories`
        event_count  ///< the number of the lead's events of `event_types` at most `window_days` old
    };
    kind type = kind::numeric;             ///< what it reads
    std::string field{};                   ///< numeric, boolean, categorical: the field's name
    std::vector<std::string> categories{}; ///< categorical: the texts, in the order category sets number them
    std::vector<std::string> event_types{};///< event_count: compared normalized; empty = every type
    double window_days = 36500;            ///< event_count: finite, > 0; an event exactly this old counts

    /// The field, or "<types> in <window> days" for an event count ("events in 30 days" for every type); without
    /// " in <window> days" for a window of unlimited_window_days or more ("demo_requested", "events").
    [[nodiscard]] std::string name() const;
    /// Equal when every field is equal.
    friend bool operator==(const tree_input&, const tree_input&) = default;
};
/// "numeric", "boolean", "categorical" or "event_count".
[[nodiscard]] std::string_view to_string(tree_input::kind k) noexcept;

/// A node of a decision tree: a leaf (input == tree_node::leaf) or a split. 28 bytes, so a 300-tree model of
/// depth 6 takes about 1 MB.
struct tree_node {
    static constexpr std::int32_t leaf = -1; ///< the `input` of a leaf
    std::int32_t input = leaf;      ///< the input a split reads (an index into tree_ensemble::inputs), or leaf
    std::uint32_t left = 0;         ///< a split's left child; its right child is left + 1. Both come after the node.
    /// A leaf: its value, added to the margin (log-odds). A split on a non-categorical input: its threshold (a value
    /// goes left when value < threshold). Unused by a categorical split. (One slot for both, as in XGBoost.)
    float value = 0;
    /// A split on a categorical input: the index in decision_tree::category_bits of its category set, stored as the
    /// number of words w followed by w words; category c is in the set when bit c % 32 of word c / 32 is set.
    std::uint32_t categories = 0;
    float cover = 0;                ///< the Hessian sum of the training rows that reached the node (TreeSHAP's weight)
    float gain = 0;                 ///< a split's loss reduction (feature importance); 0 for a leaf
    bool default_left = false;      ///< where a split sends a missing value
    bool categorical = false;       ///< a split by category set (its input must be categorical)
    /// Equal when every field is equal (floats compared bit for bit, so NaN equals itself).
    friend bool operator==(const tree_node& a, const tree_node& b) noexcept;
};

/// One decision tree.
struct decision_tree {
    std::vector<tree_node> nodes{};              ///< node 0 is the root; at least one node
    std::vector<std::uint32_t> category_bits{};  ///< the category sets of the tree's categorical splits
    /// Equal when every field is equal.
    friend bool operator==(const decision_tree&, const decision_tree&) = default;
};

/// A fitted ensemble: its inputs, its trees and the margin it starts from.
struct tree_ensemble {
    std::vector<tree_input> inputs{};     ///< what every lead is read as, in order
    std::vector<decision_tree> trees{};   ///< summed in order
    float base_score = 0;                 ///< the margin (log-odds) before the first tree
    /// Equal when every field is equal (floats compared bit for bit).
    friend bool operator==(const tree_ensemble& a, const tree_ensemble& b) noexcept;
};

/// The deepest tree a tree_ensemble may hold (edges from the root to its deepest leaf).
inline constexpr std::size_t max_tree_depth = 64;

/// Throws definition_error naming the input, or the tree and node, and the rule broken: an input without a field
/// name, a categorical input without categories or with an empty or repeated one, an event count whose window is
/// not finite and > 0 or with an empty or repeated type, two inputs of one name; a tree without nodes, a split whose
/// input does not exist, whose children are not after it or past the tree's end, a node with two parents or none
/// (other than the root), a tree deeper than max_tree_depth, a threshold that is NaN, a leaf value or base_score
/// that is not finite, a cover that is negative or not finite, a category set past category_bits' end.
void validate(const tree_ensemble& model);

/// Whether `x` (the input's value as the header comment gives it; NaN for missing) goes to the left child of split
/// `node` of `tree`: the one decision rule every scorer, explainer and trainer uses. A categorical split sends a
/// category in its set right and any other value — a position past the set's words, a negative or fractional one
/// included — left.
[[nodiscard]] inline bool goes_left(const decision_tree& tree, const tree_node& node, float x) noexcept {
    if (x != x) return node.default_left; // missing
    if (!node.categorical) return x < node.value;
    if (!(x >= 0.0f && x < 4294967296.0f)) return true;
    const auto c = static_cast<std::uint32_t>(x);
    if (static_cast<float>(c) != x) return true;
    const std::uint32_t* set = tree.category_bits.data() + node.categories;
    return c / 32 >= set[0] || ((set[1 + c / 32] >> (c % 32)) & 1u) == 0;
}

// The three functions below take a model as it is, for speed: it must pass validate() (a tree_ensemble_policy's
// model always does). On one that does not — a child before its parent, a cycle, a tree deeper than max_tree_depth —
// they may read out of bounds or never return.

/// The index of the leaf that a lead with input values `values` (one per model input) reaches in `tree`.
/// Every split's input must be within values (validate holds a model's trees to it).
[[nodiscard]] std::size_t leaf_index(const decision_tree& tree, std::span<const float> values) noexcept;
/// The margin of a lead with input values `values` (one per model input): base_score plus every tree's leaf,
/// summed in float in tree order. The reference every scorer agrees with exactly. Throws definition_error when
/// values is not one per input.
[[nodiscard]] float predict_margin(const tree_ensemble& model, std::span<const float> values);

/// Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2) of a lead with input values `values` (one
/// per model input) into out (inputs + 1 entries: φ_j per input, then the bias), XGBoost's pred_contribs layout.
/// - The value of a set S of inputs is EXPVALUE: walk each tree from its root; at a split on an input in S follow the
///   lead's branch (goes_left), at any other split take both children, child c weighted cover(c) / cover(split).
///   φ_j is input j's Shapley value for that game; the bias is base_score + Σ_trees E[tree], the value of the empty set.
/// - A split of cover 0 (no training row reached it) weighs each child 1/2. (XGBoost divides by the 0 and gives NaN.)
///   A child of cover 0 under a split of positive cover weighs 0, which is what XGBoost does too.
/// - Computed in double from the float leaves and covers. Σ out equals base_score + Σ leaf summed in double, up to
///   double rounding; predict_margin sums in float, so Σ out − predict_margin(model, values) is float rounding: at most
///   trees × 2^-24 × (|base_score| + Σ_trees |leaf|), in practice far less.
/// The reference the scorer's contributions agree with to double rounding. Throws definition_error when values is
/// not one per input or out is not inputs + 1 values.
void predict_contributions(const tree_ensemble& model, std::span<const float> values, std::span<double> out);

/// How much each input matters in a fitted model.
struct input_importance {
    std::string input;     ///< the input's name
    double gain = 0;       ///< the sum of the gains of the splits on it
    double cover = 0;      ///< the sum of the covers of the splits on it
    std::size_t splits = 0;///< the number of splits on it
};
/// Gain and cover importance (XGBoost's total_gain and total_cover): one entry per input, in the model's input order.
/// (Mean |SHAP| importance on given rows is mean_abs_contributions, after the policy.)
[[nodiscard]] std::vector<input_importance> importance(const tree_ensemble& model);

namespace detail {
struct tree_shap_cache; // a scorer's TreeSHAP weights, built on its first contributions() call
[[nodiscard]] std::shared_ptr<tree_shap_cache> new_tree_shap_cache();
} // namespace detail

/// The gradient-boosted trees scoring policy. A value: copies share the immutable, validated model.
class tree_ensemble_policy {
public:
    /// Validates the model (see validate).
    explicit tree_ensemble_policy(tree_ensemble model);

    /// Probability: p of the header comment.
    [[nodiscard]] score_scale scale() const noexcept { return score_scale::probability; }
    /// The validated model.
    [[nodiscard]] const tree_ensemble& model() const noexcept { return *model_; }
    /// The fields of the model's inputs, in order; events when an input counts events.
    [[nodiscard]] policy_fields fields_read() const;

    /// The model bound to a view as of a time. Holds the model and borrows the view's columns, so the view's table
    /// must outlive it.
    class scorer {
    public:
        /// The probability of row `row`. Throws definition_error for a row past the end.
        [[nodiscard]] double score(std::size_t row) const;
        /// The margin (log-odds) of row `row`, as score() computes it.
        [[nodiscard]] double margin(std::size_t row) const;
        /// Rows [first, first + out.size()) into out, equal to score() row by row.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// Exact path-dependent TreeSHAP: one factor per input with a non-zero contribution, named after the input,
        /// plus "bias"; additive, in log-odds, total = margin(row). The factors are contributions(row); the bias
        /// factor also takes up the float rounding of the margin's sum, so the factors add up to the total.
        [[nodiscard]] explanation explain(std::size_t row) const;
        /// The SHAP values of row `row` into out (inputs + 1 entries: one per input, then the bias), XGBoost's
        /// pred_contribs layout: predict_contributions of the row's values, with its rules (covers of 0) and its
        /// additivity (Σ out is margin(row) up to the float rounding of the margin's sum). The first call on a scorer
        /// or its copies precomputes each leaf's Shapley weights for every pattern of followed branches (2^d values
        /// for a leaf whose path holds d distinct inputs: about 12 MB and 13 ms for 300 trees of depth 6), for the
        /// trees whose paths hold at most 10 distinct inputs, 64 values a leaf on average, and no zero fraction
        /// (a child of cover 0 under a split of positive cover); later calls look them up (O(leaves × depth) a tree) where Algorithm 2
        /// takes O(leaves × depth²), and agree with it to double rounding. Other trees are walked by Algorithm 2.
        /// Thread-safe. Throws definition_error for a row past the end or an output of another size; input_error
        /// as values() does.
        void contributions(std::size_t row, std::span<double> out) const;
        /// The SHAP values of rows [first, first + n) into out (n × (inputs + 1) values, row by row), equal bit for bit
        /// to contributions() row by row. Faster per row: rows are explained in chunks, tree by tree, so that a tree's
        /// weights stay in cache. Throws definition_error for rows past the end or an output that is not a whole
        /// number of rows; input_error as values() does.
        void contributions_batch(std::size_t first, std::span<double> out) const;
        /// The input values of rows [first, first + count), row by row (count × inputs floats, row-major), as the
        /// model reads them. Throws definition_error for rows past the end or an output of another size; input_error
        /// naming the row and field for a code or flag outside what the view's dictionaries allow.
        void values(std::size_t first, std::size_t count, std::span<float> out) const;
        /// The number of rows of the bound view.
        [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

    private:
        friend class tree_ensemble_policy;
        friend std::vector<double> mean_abs_contributions(const scorer&, std::span<const std::size_t>,
                                                          const batch_options&);
        struct bound;
        scorer(std::shared_ptr<const tree_ensemble> m, std::shared_ptr<const bound> b, std::size_t rows);
        std::shared_ptr<const tree_ensemble> model_;
        std::shared_ptr<const bound> bound_;
        std::size_t rows_ = 0;
        std::shared_ptr<detail::tree_shap_cache> shap_ = detail::new_tree_shap_cache(); // shared by copies
    };

    /// Resolves each input's field to its column and its category texts to the view's dictionary codes. Throws
    /// definition_error naming the input for a field the view lacks or of another type, or an event count over a
    /// view without events.
    [[nodiscard]] scorer bind(const table_view& view, timestamp as_of) const;

    /// Equal when the models are equal.
    friend bool operator==(const tree_ensemble_policy& a, const tree_ensemble_policy& b) noexcept;

private:
    std::shared_ptr<const tree_ensemble> model_;
};

/// Mean |SHAP| importance over rows `rows` of a bound view: for each input the mean over those rows of
/// |contributions(row)[j]|, then that of the bias (|bias|: the same for every row). inputs + 1 values, in the model's input order;
/// all 0 for no rows. Rows are added in fixed chunks and the chunks in row order, so the result is the same for any
/// thread count and block size (options.as_of is not read: the scorer was bound as of its time). Throws
/// definition_error naming the first row past the view's end; input_error as contributions() does.
[[nodiscard]] std::vector<double> mean_abs_contributions(const tree_ensemble_policy::scorer& scorer,
                                                         std::span<const std::size_t> rows,
                                                         const batch_options& options = {});

} // namespace leadscore
