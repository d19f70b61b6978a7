#pragma once
// Fitting gradient-boosted trees: binary log loss, histogram-based splits, native categorical splits, learned
// directions for missing values, monotone constraints, early stopping. The result is a tree_ensemble_policy
// (scoring/trees.hpp) and a fit_report.
//
//   gbt_trainer t{.options = {.trees = 300, .learning_rate = 0.05, .max_depth = 6}};
//   fit_result<tree_ensemble_policy> r = fit(t, view, {.field = "y", .positive = {"yes"}}, as_of);
//
// The objective, over the training rows i with labels y_i ∈ {0, 1}, class weights c_i and margins z_i:
//
//   Σ_i c_i · [log(1 + e^{z_i}) − y_i·z_i]  +  Σ_trees (γ/2 · leaves + λ/2 · Σ_leaves w²)
//
// Each tree is fitted to the gradients g_i = c_i·(p_i − y_i) and Hessians h_i = c_i·p_i·(1 − p_i) of the margins so
// far; a leaf's value is −η·G/(H + λ) (G, H the sums over its rows) and a split's gain is
//   G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ),
// made only when it exceeds γ: XGBoost's code (CalcGain and loss_chg, twice the objective's decrease; its documents
// write a ½ and γ·leaves, its code does not, hence γ/2 above), so the parameters and the gains a model records mean
// what they mean in XGBoost's, and trained and imported models' gains compare (see docs/training.md).
//
// Semantics a user must know:
// - Inputs: each numeric field is cut into at most max_bins bins on the training rows' values (as floats, the form
//   the model reads): every distinct value a bin of its own when there are at most max_bins of them, otherwise cuts
//   at the values at sorted positions ⌊k·n/max_bins⌋ (repeats dropped). A threshold is a cut value, so `value <
//   threshold` sends every training row where its bin went. Each categorical field keeps its categories seen in at
//   least min_category_count training rows (and at most the max_bins − 1 most frequent); rarer ones are pooled into
//   one bin. The model's category list holds the kept ones in the order of the view's dictionary, then the pooled
//   ones, and no category set holds the pooled ones (see below), so sets stay a few words however many rare values a
//   field has. A category never seen in training is not listed, so it reads as missing when scored. Booleans and event
//   counts are numeric inputs. Timestamp fields are not read. An input with nothing to split on (no present value,
//   or one value and no missing one) is left out, with a note; with no input left the fit throws.
// - A categorical split orders the node's categories by G/(H + λ) and cuts that order once (the optimal binary
//   partition for this loss, as in LightGBM and XGBoost), so no one-hot encoding is needed. The category set (the
//   right side) holds the categories after the cut; categories without rows at the node go left. When the side after
//   the cut holds the highest positions (the pooled ones), the split is stored mirrored — the side before the cut is
//   the set, the children and the default direction swapped — the same partition in fewer words.
// - At every split, rows whose value is missing are tried on both sides (and alone, against every present value);
//   the better side is the learned default. A node without missing rows sends a missing value scored later to the
//   child of larger Hessian sum.
// - A split must gain more than min_split_gain (γ) and more than rounding noise; among equal gains the first input (in
//   the model's input order) and the smallest threshold win. Each node records its cover (the Hessian sum of its
//   rows) and each split its gain (the formula above), as TreeSHAP and importance need.
// - Growth: level by level to max_depth; with max_leaves, the split of largest gain first until the tree has
//   max_leaves leaves (max_depth still applies).
// - Monotone constraints (XGBoost's and LightGBM's method): a split on a constrained input is taken only when its
//   two leaf values are in the constraint's order, and then every leaf below its left child is kept at most (for +1)
//   the mid-point of the two values and every leaf below its right child at least it (leaf values clamped, gains
//   computed with the clamped values). So the margin is monotone in that input whatever the other inputs are.
//   Missing values are not ordered: they follow their learned branch.
// - Subsampling: each tree draws its rows (each row with probability row_subsample) and its inputs (⌊column_subsample
//   · inputs⌋, at least 1) from the seed and the tree's number, so the same seed gives the same model.
// - The base score is log(Σ c_i over positive rows / Σ c_i over negative rows), the log-odds of the weighted positive
//   rate of the rows learned from. Gradients and Hessians are computed in double, summed in double.
// - The fitted model is the same, bit for bit, for any thread count: histograms are summed over chunks of rows cut
//   by a fixed rule from the node's row count (4,096 rows, more for nodes past 65,536 rows: at most 16 chunks) and
//   added in chunk order, and every other sum runs in a fixed order. The margins the fit works with are summed in
//   float in tree order, exactly as the policy's scorer sums them. The gradients' e^x is the library's own (within
//   an ulp of std::exp), so they have the same bits on every x86-64 machine, with or without AVX2.
// - Threads share each round of a tree (histogram chunks, split finding, partitions, margins) once it holds about
//   40 µs of work. Trees are timed, and a tree is grown on one thread when that has been faster lately: on a busy
//   machine a thread waiting to be scheduled at every step makes sharing slower than one thread.
// - Early stopping watches the validation log loss (weighted by the class weights, averaged) after every tree; when
//   it has not improved for early_stopping_rounds trees the fit stops, keeps the trees up to the best one and says
//   so in its report (message "stopped early at tree N (best validation log loss L at tree M)"). When the tree
//   budget ends within the patience after the best tree, the trees after it are dropped all the same ("grew N
//   trees, kept the best M (…)"). With validation rows given and no early stopping, the message still reports the
//   best validation loss and its tree, and every tree is kept.
// - The report: converged is true (boosting has no optimum to miss); iterations = trees grown (with those dropped
//   by early stopping); parameters = leaves of the trees kept + 1 (the base score); objective = the objective above
//   at the result over the rows learned from, with w the leaf values as stored (after the learning rate);
//   gradient_norm = 0; rows and positives count the rows learned from (without validation rows held back); the notes
//   say which inputs were left out or pooled and which rows were held back.

#include "leadscore/scoring/trees.hpp"
#include "leadscore/train/fit.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace leadscore {

/// Which values of a lead the trees read.
struct gbt_inputs {
    /// The fields to read, in this order. Empty: every numeric, categorical and boolean field of the view in schema
    /// order, except those in `exclude`, the target's field and the fields holding the roles id, name, email, phone
    /// and company (identifiers) and stage and outcome (they record the result) — the rule of encoder_options.
    std::vector<std::string> fields{};
    std::vector<std::string> exclude{}; ///< fields left out when `fields` is empty; each must be a field of the view
    /// Event types whose counts are inputs (compared normalized), one input each; needs a view with events.
    std::vector<std::string> event_counts{};
    double event_window_days = 36500; ///< > 0: the age of the oldest event counted
    /// A category seen in fewer training rows than this is pooled with the other rare ones (≥ 1).
    std::size_t min_category_count = 10;
    /// Bins per numeric input, and categories kept per categorical input plus the pooled bin, 2 … 255 (a bin is a
    /// byte; the missing value takes one more).
    std::size_t max_bins = 255;
    /// Equal when every field is equal.
    friend bool operator==(const gbt_inputs&, const gbt_inputs&) = default;
};

/// How gbt_trainer grows its trees (see the header comment for the objective).
struct gbt_options {
    std::size_t trees = 300;          ///< ≥ 1: trees grown at most
    double learning_rate = 0.05;      ///< η in (0, 1]: each leaf value is scaled by it
    std::size_t max_depth = 6;        ///< 1 … 64: levels below the root
    /// > 1, or 0 for no limit: the leaves a tree may have; with a limit, the split of largest gain is taken first.
    std::size_t max_leaves = 0;
    double min_child_hessian = 1.0;   ///< ≥ 0: the least Hessian sum a child may have (XGBoost's min_child_weight)
    std::size_t min_rows_per_leaf = 1;///< ≥ 1: the fewest training rows a child may have
    double l2 = 1.0;                  ///< λ ≥ 0: L2 penalty on leaf values
    double min_split_gain = 0.0;      ///< γ ≥ 0: the least gain a split must bring (XGBoost's gamma)
    double row_subsample = 1.0;       ///< in (0, 1]: the share of rows each tree learns from (seeded)
    double column_subsample = 1.0;    ///< in (0, 1]: the share of inputs each tree may split on (seeded)
    std::uint64_t seed = 0;           ///< for subsampling and the validation split
    double positive_weight = 1.0;     ///< c_i of a row labelled 1 (> 0, finite)
    double negative_weight = 1.0;     ///< c_i of a row labelled 0
    /// Overrides the two weights with n / (2·positives) and n / (2·negatives): each class weighs half.
    bool balanced = false;
    /// Per input name (a field, or an event count's name): +1, the margin never decreases as the value grows;
    /// −1, never increases; 0, no constraint. Only numeric, boolean and event-count inputs can be constrained.
    std::map<std::string, int> monotone{};
    /// Trees without improvement of the validation log loss before stopping; 0 = no early stopping.
    std::size_t early_stopping_rounds = 0;
    /// With early stopping and no validation rows given: the share of the training rows held back for validation
    /// (stratified by label, drawn with `seed`), in (0, 1).
    double validation_share = 0.1;
    unsigned threads = 0;             ///< 0 = every hardware thread; the result does not depend on it
    /// Equal when every field is equal.
    friend bool operator==(const gbt_options&, const gbt_options&) = default;
};

/// Gradient-boosted trees as a Trainer.
struct gbt_trainer {
    gbt_inputs inputs{};   ///< what the trees read
    gbt_options options{}; ///< how they grow
    /// Rows of the training set's view used for early stopping instead of a share of the training rows (labelled,
    /// none repeated, none among the training rows). Without early stopping, their log loss is only reported.
    std::vector<std::size_t> validation_rows{};

    /// Fits on the training set. Throws definition_error for a bad training set (see check_training_set), options
    /// out of range (naming the option), a monotone constraint on an unknown or categorical input, a bad validation
    /// row (naming it), training rows without a positive or without a negative label, early stopping without 2
    /// rows of each class to hold back, or no input left to read (the notes say why each was left out); the errors
    /// of field selection (as learn_encoder's: an unknown, repeated or timestamp field, the target); input_error as
    /// the policy's binding does.
    [[nodiscard]] fit_result<tree_ensemble_policy> fit(const training_set& data) const;
};

} // namespace leadscore
