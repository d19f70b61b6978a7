#pragma once
// Fitting logistic regression: a learned (or given) feature encoder, then Newton's method on the penalized,
// class-weighted log loss. The result is a logistic_policy (scoring/logistic.hpp) and a fit_report.
//
//   logistic_trainer t{.encoding = {.min_category_count = 20}, .solver = {.l2 = 1.0}};
//   fit_result<logistic_policy> r = fit(t, view, {.field = "y", .positive = {"yes"}}, as_of);
//
// The objective, over the training rows i with labels y_i ∈ {0, 1} and features x_i:
//
//   Σ_i c_i · [log(1 + e^{z_i}) − y_i·z_i]  +  l2/2 · ‖w‖²  +  l1 · ‖w‖₁,     z_i = b + w·x_i
//
// with c_i the class weight of y_i. The intercept b is not penalized. l2 = 1/C and l1 = 0 is scikit-learn's
// LogisticRegression(C); its elastic net (C, l1_ratio) is l1 = l1_ratio/C, l2 = (1 − l1_ratio)/C.
//
// Semantics a user must know:
// - The solver is Newton's method with a backtracking (Armijo) line search; with l1 > 0 each step minimizes the
//   quadratic model plus the L1 term by coordinate descent (proximal Newton, as in glmnet / newGLMNET). The
//   Hessian is (width + 1)², so the fit suits models of up to a few thousand features; each row costs the square
//   of its non-zero features, whatever the width.
// - It stops converged when the gradient of the mean loss is at most `tolerance` (largest entry) and the next
//   Newton step moves no parameter by more than `step_tolerance` × (1 + largest |parameter|). Otherwise it stops
//   after max_iterations, or when the line search cannot decrease the objective, with converged = false and a
//   message saying why; the policy then holds the last iterate. Unpenalized, perfectly separable classes have no
//   optimum: the weights grow by about one each step, so such a fit ends not converged.
// - A singular or indefinite Newton system (l2 = 0 with collinear features) is damped (a multiple of the identity
//   added until the step descends): numerical trouble is a report, never UB.
// - Results are identical for any thread count: per-row work is summed in fixed chunks, in chunk order.
// - The solver is a driver that asks for the rows' sums (train/logistic_solver.hpp), and the encoder is learned by a
//   mergeable accumulator (encoder_statistics, train/encoder.hpp): the same fit runs over rows spread across
//   machines and equals this one up to the rounding of the sums' order.

#include "leadscore/scoring/logistic.hpp"
#include "leadscore/train/encoder.hpp"
#include "leadscore/train/fit.hpp"

#include <cstddef>
#include <optional>

namespace leadscore {

/// How logistic_trainer fits (see the header comment for the objective and when it stops).
struct logistic_options {
    double l2 = 1.0;                ///< ≥ 0, finite: the L2 penalty (1/C of scikit-learn)
    double l1 = 0.0;                ///< ≥ 0, finite: the L1 penalty (elastic net when both are set)
    double positive_weight = 1.0;   ///< c_i of a row labelled 1 (> 0, finite)
    double negative_weight = 1.0;   ///< c_i of a row labelled 0
    /// Overrides the two weights with n / (2·positives) and n / (2·negatives): each class weighs half.
    bool balanced = false;
    std::size_t max_iterations = 100; ///< Newton steps before stopping not converged
    double tolerance = 1e-8;        ///< on the largest entry of the mean loss's gradient (> 0)
    double step_tolerance = 1e-4;   ///< on the next step, relative to 1 + the largest |parameter| (> 0)
    unsigned threads = 0;           ///< 0 = every hardware thread; the result does not depend on it
    /// The widest model fitted: the Newton system is (features + 1)², so 4096 features take 128 MB and a few
    /// seconds a step. A wider encoder (a high-cardinality field such as a company or an e-mail) throws
    /// definition_error naming its widest field: raise min_category_count or exclude the field.
    std::size_t max_features = 4096;
    /// Equal when every field is equal.
    friend bool operator==(const logistic_options&, const logistic_options&);
};

/// Logistic regression as a Trainer.
struct logistic_trainer {
    /// How the encoder is learned from the training rows (when `encoder` is not set).
    encoder_options encoding{};
    /// A fixed encoder: only the weights and intercept are fitted.
    std::optional<feature_encoder> encoder{};
    logistic_options solver{}; ///< penalties, class weights and stopping rule

    /// Fits on the training set. Throws definition_error for a bad training set (see check_training_set), options
    /// out of range (naming the option), training rows without a positive or without a negative label, or an encoder
    /// without features (every field left out: the learner's notes say why); errors of learn_encoder and of
    /// encoding (input_error naming row and field).
    [[nodiscard]] fit_result<logistic_policy> fit(const training_set& data) const;
};

} // namespace leadscore
