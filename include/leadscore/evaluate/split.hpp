#pragma once
// Splitting labelled rows for honest evaluation: a random train/test split, k folds for cross-validation, and
// splits by time (train on the past, test on the future).
//
//   auto labels = target_labels(view, target);
//   split s = train_test_split(labels, 0.3, /*seed=*/42);          // stratified by default
//   auto folds = k_fold(labels, 5, /*seed=*/42);
//   split later = time_split(labels, view.timestamps(created), 0.2); // the latest 20 % of rows are the test
//
// Semantics a user must know:
// - Only labelled rows (label 1 or 0) are split; unlabelled ones are in no part. Row lists are ascending.
// - Random splits are deterministic for a seed on every machine (leadscore's own generator, no <random>
//   distribution). Stratified: each class is split on its own, so every part keeps the class shares (to within a
//   row per class); otherwise the labelled rows are split together.
// - A test part of a fraction f takes ⌊f·n + ½⌋ rows (per class when stratified); k folds have sizes that differ by
//   at most one (per class when stratified). Within those sizes every assignment of rows is equally likely: rows
//   are dealt in one sequential pass (selection sampling), not shuffled. Every labelled row is in exactly one test
//   fold.
// - Time splits use a timestamp column (int64 seconds, missing_time = missing): rows without a time are in no
//   part and counted in `left_out`. Rows at the cutoff go to the test side.

#include "leadscore/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace leadscore {

/// Labelled rows cut into a part to fit on and a part to evaluate on (one fold among many, or a single split).
struct split {
    std::vector<std::size_t> train; ///< rows to fit on, ascending
    std::vector<std::size_t> test;  ///< rows to evaluate on, ascending
    std::size_t left_out = 0;       ///< labelled rows in neither part (time splits: rows without a time)
    /// Equal when every field is equal.
    friend bool operator==(const split&, const split&);
};

/// A random split with a test fraction in [0, 1]. Throws definition_error for a fraction outside [0, 1] or NaN.
[[nodiscard]] split train_test_split(std::span<const std::int8_t> labels, double test_fraction, std::uint64_t seed,
                                     bool stratified = true);

/// k folds (k ≥ 2): fold i tests on its rows and trains on all others. Throws definition_error for k < 2.
[[nodiscard]] std::vector<split> k_fold(std::span<const std::int8_t> labels, std::size_t k, std::uint64_t seed,
                                        bool stratified = true);

/// Rows with a time before the cutoff train, rows at or after it test. Throws definition_error when the sizes
/// differ.
[[nodiscard]] split time_split(std::span<const std::int8_t> labels, std::span<const std::int64_t> times,
                               timestamp cutoff);

/// The latest rows test: the cutoff is the time of the row ranked ⌈(1 − f)·n⌉ by time (n rows with a time), so at
/// least a fraction f tests (more when rows share the cutoff time). f in (0, 1].
[[nodiscard]] split time_split(std::span<const std::int8_t> labels, std::span<const std::int64_t> times,
                               double test_fraction);

/// Forward-chaining folds for data that drifts: the rows with a time, in time order, are cut into k + 1 runs of
/// about equal size (a run boundary never separates equal times); fold i trains on runs 0 … i and tests on run
/// i + 1. k ≥ 1; a fold whose test run came out empty (many equal times) is dropped, so fewer may return.
[[nodiscard]] std::vector<split> time_folds(std::span<const std::int8_t> labels, std::span<const std::int64_t> times,
                                            std::size_t k);

} // namespace leadscore
