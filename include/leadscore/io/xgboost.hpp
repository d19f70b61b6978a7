#pragma once
// Importing XGBoost models: XGBoost's JSON model format (`Booster.save_model("model.json")`) into a tree_ensemble
// (leadscore/scoring/trees.hpp) that scores as XGBoost predicts.
//
//   xgboost_import_options options;
//   options.categories = read_xgboost_categories_file("categories.json");   // {"industry": ["software", ...], ...}
//   options.fields["f0"] = "visits";                                         // XGBoost feature → leadscore field
//   const tree_ensemble model = import_xgboost_file("model.json", options);
//   const tree_ensemble_policy policy(model);
//
// What is read, and how:
// - Boosters `gbtree` with the objectives `binary:logistic` and `reg:logistic`, one output (no multi-class, no
//   multi-target). Trees of a forest (num_parallel_tree > 1) are summed like the others, as XGBoost does.
// - One input per XGBoost feature, in XGBoost's order (so contributions have pred_contribs' layout): a feature of
//   type "c" becomes a categorical input with the categories given for it; any other type ("float", "int", "q",
//   "i") a numeric input. A model without feature names names its features f0, f1, … as XGBoost does.
// - base_score, in XGBoost 1.7's JSON the mean probability, becomes the margin XGBoost starts from: its logit
//   −log(1/b − 1), computed in float as XGBoost computes it. Leaf values, thresholds and covers are XGBoost's floats
//   (each number is read as the float nearest its decimal text, as XGBoost reads it); a split's gain is its
//   loss_changes entry, its cover the sum_hessian entry.
// - Nodes are renumbered breadth-first into tree_ensemble's layout.
// - A categorical split's category codes (positions in the feature's category list) become its category set: a
//   category in the set goes right, any other left, a missing value (or a text the list lacks) the default way —
//   the rule of XGBoost 1.7's predictor, which also sends a code past the set's last word left.
// So an imported model's margins are XGBoost's `predict(output_margin=True)` on the same rows: bit for bit on the
// fixtures of tests/data/xgboost (the tests require 1e-6). Booster.predict's rule too: every tree of the file counts.
//
// Errors: input_error naming the file (and, for malformed JSON, the line, column and byte) and the tree, node or
// feature for a model that is not one of the above or is inconsistent: malformed or truncated JSON, another booster
// or objective, a NaN threshold, a child index out of range, a node reached twice or never, arrays of different
// lengths, a declared tree or node count the arrays do not hold. definition_error naming the file and the feature
// for options that do not fit the model: a categorical feature without a category list, a category code past its
// list, a mapping or category list for a feature the model lacks, two features mapped to one field. Sizes are
// taken from the arrays present, never from declared counts, and the category sets of all splits together may take
// at most one 32-bit word per byte of JSON plus 4 MB (a set needs as many words as its largest code: codes in the
// millions in a small file are refused), so no input makes the importer allocate much more than its own size.
// - Trees deeper than max_tree_depth (64) levels are refused (validate): XGBoost's depth-wise growth stays far below
//   it; a lossguide model grown without max_depth may not.

#include "leadscore/core/file_path.hpp"
#include "leadscore/scoring/trees.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// Per categorical XGBoost feature, its categories in code order (pandas' `Series.cat.categories`).
using xgboost_categories = std::map<std::string, std::vector<std::string>, std::less<>>;

/// How XGBoost's features become a tree_ensemble's inputs.
struct xgboost_import_options {
    /// XGBoost feature name → the field it reads; a feature not listed reads the field of its own name.
    std::map<std::string, std::string, std::less<>> fields{};
    /// By XGBoost feature name (before `fields` maps it): the categories of each categorical feature in code order.
    /// Every feature of type "c" needs one; a list for a feature the model lacks or does not type "c" is an error.
    xgboost_categories categories{};
};

/// Reads a categories file: one JSON object, feature name → array of category texts in code order
/// (`{"industry": ["software", "retail"], "size": ["small", "large"]}`). `name` names the text in errors. Throws
/// input_error naming it (line, column and byte for malformed JSON) and the feature for a value that is not an
/// array of strings, an empty list, or an empty or repeated category.
[[nodiscard]] xgboost_categories read_xgboost_categories(std::string_view json, std::string_view name = "<categories>");
/// The same from a file; input_error naming the file when it cannot be read.
[[nodiscard]] xgboost_categories read_xgboost_categories_file(const file_path& path);

/// The model of XGBoost JSON text `json` (see the header comment); `name` names it in errors. The result passes
/// validate().
[[nodiscard]] tree_ensemble import_xgboost(std::string_view json, const xgboost_import_options& options,
                                           std::string_view name = "<xgboost model>");
/// The same from a file; input_error naming the file when it cannot be read.
[[nodiscard]] tree_ensemble import_xgboost_file(const file_path& path, const xgboost_import_options& options);

} // namespace leadscore
