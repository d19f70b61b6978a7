#include "leadscore/evaluate/cross_validation.hpp"

#include <cmath>

namespace leadscore::detail {

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
