#include "leadscore/evaluate/cross_validation.hpp"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace leadscore::detail {

cross_validation start_folds(std::size_t rows) {
    cross_validation cv;
    cv.out_of_fold.assign(rows, std::numeric_limits<double>::quiet_NaN());
    return cv;
}

void record_fold(cross_validation& cv, const split& fold, std::span<const double> all,
                 std::span<const std::int8_t> labels, fit_report report, const evaluation_options& metrics) {
    std::vector<double> scores(fold.test.size());
    std::vector<std::int8_t> test_labels(fold.test.size());
    for (std::size_t i = 0; i < fold.test.size(); ++i) {
        scores[i] = all[fold.test[i]];
        test_labels[i] = labels[fold.test[i]];
        cv.out_of_fold[fold.test[i]] = scores[i];
    }
    cv.folds.push_back({std::move(report), evaluate(scores, test_labels, metrics)});
}

void summarize_folds(cross_validation& cv) {
    const auto stats = [&](auto get, double& mean, double* sd) {
        const auto n = static_cast<double>(cv.folds.size());
        double s = 0;
        for (const auto& f : cv.folds) s += get(f);
        mean = cv.folds.empty() ? std::numeric_limits<double>::quiet_NaN() : s / n;
        if (sd == nullptr) return;
        double q = 0;
        for (const auto& f : cv.folds) q += (get(f) - mean) * (get(f) - mean);
        *sd = cv.folds.size() < 2 ? std::numeric_limits<double>::quiet_NaN() : std::sqrt(q / (n - 1));
    };
    stats([](const fold_result& f) { return f.metrics.roc_auc; }, cv.mean_roc_auc, &cv.sd_roc_auc);
    stats([](const fold_result& f) { return f.metrics.log_loss; }, cv.mean_log_loss, &cv.sd_log_loss);
    stats([](const fold_result& f) { return f.metrics.brier_score; }, cv.mean_brier_score, nullptr);
}

} // namespace leadscore::detail
