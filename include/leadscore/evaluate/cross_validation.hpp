#pragma once
// Cross-validation of any Trainer (logistic_trainer, frequency_trainer, your own): fit on each fold's training
// rows, score its test rows, and report the metrics per fold, their mean and spread, and the out-of-fold scores
// (every row scored by the model that did not see it — what calibration should be fitted on).
//
//   auto labels = target_labels(view, target);
//   auto folds = k_fold(labels, 5, 42);
//   cross_validation cv = cross_validate(logistic_trainer{}, view, target, folds, as_of);
//   calibration_fit platt = fit_platt(cv.out_of_fold, labels);

#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/train/fit.hpp"

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace leadscore {

/// One fold of a cross-validation.
struct fold_result {
    fit_report report;         ///< the fold's fit
    evaluation_report metrics; ///< on the fold's test rows (NaN scores skipped and counted)
};

/// The results of cross_validate. A summary that is undefined is NaN: every one without folds, a standard
/// deviation with one fold, log loss and Brier score on the points scale.
struct cross_validation {
    std::vector<fold_result> folds; ///< one per split, in the splits' order
    double mean_roc_auc = 0;        ///< mean of the folds' ROC AUC
    double sd_roc_auc = 0;          ///< sample standard deviation of the folds' ROC AUC
    double mean_log_loss = 0;       ///< mean of the folds' log loss
    double sd_log_loss = 0;         ///< sample standard deviation of the folds' log loss
    double mean_brier_score = 0;    ///< mean of the folds' Brier score
    /// Per view row: the score from the fold that tested it; NaN for rows in no test fold.
    std::vector<double> out_of_fold;
};

/// How cross_validate scores and evaluates each fold.
struct cross_validation_options {
    batch_options scoring{};          ///< how test rows are scored (threads; as_of is replaced by the call's)
    evaluation_options metrics{.skip_unscored = true}; ///< how each fold is evaluated; skips NaN scores by default
    /// Told how far the folds are (leadscore/core/progress.hpp): fold i of k counts as the share [i/k, (i+1)/k], within
    /// which its fit's own progress moves; cancel makes cross_validate throw cancelled_error. scoring.progress is not
    /// used (each fold's test rows are scored without reports).
    progress_callback progress{};
};

namespace detail {
// The trainer-independent steps of cross_validate, compiled once in the library instead of in every includer.
/// A cross_validation without folds whose out_of_fold holds NaN for each of `rows` rows.
[[nodiscard]] cross_validation start_folds(std::size_t rows);
/// Copies the fold's test rows of `all` (every row's score by the fold's model) into cv.out_of_fold, evaluates them
/// against `labels` (one per row) and appends the fold's result.
void record_fold(cross_validation& cv, const split& fold, std::span<const double> all,
                 std::span<const std::int8_t> labels, fit_report report, const evaluation_options& metrics);
/// Fills the means and spreads of a cross_validation from its folds.
void summarize_folds(cross_validation& cv);
} // namespace detail

/// Fits `trainer` once per fold on the fold's train rows and evaluates it on its test rows. Labels come from the
/// target, as fit() reads them; each fold's rows must be labelled (as the splits produce). Errors are those of the
/// trainer, of scoring and of evaluate (for a policy on the points scale, set options.metrics.scale).
template <Trainer T>
[[nodiscard]] cross_validation cross_validate(const T& trainer, const table_view& view, const binary_target& target,
                                              std::span<const split> folds, timestamp as_of,
                                              const cross_validation_options& options = {}) {
    const std::vector<std::int8_t> labels = target_labels(view, target);
    const std::span<const std::int8_t> row_labels(labels.data(), labels.size());
    cross_validation cv = detail::start_folds(view.rows());
    batch_options scoring = options.scoring;
    scoring.as_of = as_of;
    scoring.progress = {};
    std::vector<double> all(view.rows());
    const std::span<double> all_rows(all.data(), all.size());
    for (std::size_t i = 0; i < folds.size(); ++i) {
        const split& f = folds[i];
        auto result = trainer.fit(training_set{view, row_labels, f.train, as_of, target.field,
                                               detail::progress_part(options.progress, i, folds.size())});
        score_batch(result.policy, view, all_rows, scoring);
        detail::record_fold(cv, f, all_rows, row_labels, std::move(result.report), options.metrics);
        detail::report_progress(options.progress, i + 1, folds.size(), "cross-validation");
    }
    detail::summarize_folds(cv);
    return cv;
}

} // namespace leadscore
