#pragma once
// Fitting calibration maps (scoring/calibration.hpp) from scores and labels: Platt scaling and isotonic
// regression. Fit them on scores the model did not train on (a held-out split, or cross-validation's out-of-fold
// scores), then wrap the model: calibrated_policy(model, fit_platt(scores, labels).map).
//
// Inputs, as everywhere in training and evaluation: one score and one label per row; rows labelled `unlabelled`
// are left out; a labelled row whose score is NaN throws input_error naming the row.

#include "leadscore/scoring/calibration.hpp"
#include "leadscore/train/fit.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace leadscore {

/// A fitted calibration map and how the fit went.
struct calibration_fit {
    calibration_map map; ///< for calibrated_policy
    fit_report report;   ///< parameters: 2 for Platt, the knots for isotonic regression
};

/// How fit_platt fits.
struct platt_options {
    /// Platt's targets (N₊ + 1)/(N₊ + 2) for positives and 1/(N₋ + 2) for negatives instead of 1 and 0, so
    /// separable scores still give finite coefficients. Off: plain maximum likelihood (scikit-learn's
    /// CalibratedClassifierCV(method="sigmoid") uses the targets).
    bool prior_correction = true;
    std::size_t max_iterations = 100; ///< Newton steps before stopping not converged
    double tolerance = 1e-10; ///< on the gradient of the mean loss (> 0)
    /// Equal when every field is equal.
    friend bool operator==(const platt_options&, const platt_options&);
};

/// Platt scaling: the a, b of p = 1 / (1 + e^−(a + b·score)) that minimize the log loss (Newton's method with a
/// backtracking line search, as Lin, Lin and Weng 2007). Equal scores give b = 0. Throws definition_error for
/// sizes that differ, no labelled row, or options out of range; input_error for a NaN or infinite score or a label
/// that is not 1, 0 or unlabelled. Not converging is in the report.
[[nodiscard]] calibration_fit fit_platt(std::span<const double> scores, std::span<const std::int8_t> labels,
                                        const platt_options& options = {});

/// Isotonic regression: the non-decreasing step function of the score closest to the labels in squared error
/// (pool adjacent violators over the distinct scores, each weighted by its rows), as a piecewise-linear map with
/// knots at the first and last distinct score of each pooled block — linear between blocks and flat outside,
/// as scikit-learn's IsotonicRegression(out_of_bounds="clip"). Errors as fit_platt.
[[nodiscard]] calibration_fit fit_isotonic(std::span<const double> scores, std::span<const std::int8_t> labels);

} // namespace leadscore
