#pragma once
// The parts of the logistic fit (train/logistic.hpp) that let it run where the rows are: Newton's method as a driver
// that asks an oracle for sums over the rows, and the rows' sums themselves. logistic_trainer::fit is
//
//   logistic_rows rows(bound, data.rows, data.labels, weights.positive, weights.negative, threads);
//   fit_report r = solve_logistic([&](auto theta, auto what) { return rows.sums(theta, what); },
//                                 {.width = ..., .rows = ..., .positives = ...}, options, theta);
//
// and a distributed fit passes an oracle that adds the sums of each partition (logistic_rows over the partition's
// rows, on the machine holding it) in a fixed order: the same driver, the same stopping rules and the same result up
// to the rounding of the sums' order.
//
// The driver's steps (logistic.hpp states the objective and the stopping rule): start at w = 0 and the intercept at
// the weighted base rate; each iteration asks for loss, gradient and Hessian at θ, adds the penalty, stops when
// converged or out of iterations, else computes the Newton (or proximal Newton) direction, damped when the system is
// singular, and backtracks along it (Armijo) asking for the loss alone at each trial point; a full step whose
// predicted decrease is below the objective's rounding noise (64 ulp) is taken unless it raises the objective by more
// than that noise, since no sum can show such a decrease. So an iteration costs one full pass over the rows and one
// loss-only pass per trial step (usually one).

#include "leadscore/core/progress.hpp"
#include "leadscore/scoring/encoder.hpp"
#include "leadscore/train/fit.hpp"
#include "leadscore/train/logistic.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace leadscore {

namespace detail {
struct compact_design;
}

/// What an oracle is asked for.
enum class logistic_request : std::uint8_t {
    loss,                  ///< the loss alone (the line search's trial points)
    loss_gradient_hessian, ///< the loss with its gradient and Hessian
};

/// The unpenalized class-weighted log loss Σ_i c_i·[log(1 + e^{z_i}) − y_i·z_i] of some rows at parameters θ
/// (z_i = θ_b + Σ_j θ_j·x_ij; θ holds the weights, then the intercept), and its derivatives in θ.
struct logistic_sums {
    double loss = 0;                ///< the loss summed over the rows
    std::vector<double> gradient{}; ///< width + 1 entries (intercept last); empty when only the loss was asked for
    std::vector<double> hessian{};  ///< (width + 1)² entries, row-major and symmetric; empty likewise
};

/// Sums over every training row at θ (width + 1 parameters). May throw: the fit passes the exception on.
using logistic_oracle = std::function<logistic_sums(std::span<const double> theta, logistic_request what)>;

/// What the driver knows of the rows besides the oracle.
struct logistic_problem {
    std::size_t width = 0;      ///< features (θ has width + 1 entries)
    std::size_t rows = 0;       ///< training rows
    std::size_t positives = 0;  ///< of which labelled 1 (0 < positives < rows)
};

/// The class weights (c of a positive row, c of a negative row) a fit uses: the options' weights, or the balanced
/// ones n / (2·positives) and n / (2·negatives).
struct logistic_class_weights {
    double positive = 1; ///< c of a row labelled 1
    double negative = 1; ///< c of a row labelled 0
    /// The weights of `options` for rows of which `positives` are labelled 1.
    [[nodiscard]] static logistic_class_weights of(const logistic_options& options, std::size_t rows,
                                                   std::size_t positives);
};

/// Minimizes the penalized objective of logistic.hpp by Newton's method, asking `oracle` for the rows' sums. `theta`
/// receives the result (width + 1 entries, intercept last). Throws definition_error for options out of range or a
/// problem without both classes, cancelled_error when `progress` cancels, and whatever the oracle throws.
[[nodiscard]] fit_report solve_logistic(const logistic_oracle& oracle, const logistic_problem& problem,
                                        const logistic_options& options, std::vector<double>& theta,
                                        const progress_callback& progress = {});

/// The rows' part of the objective: the design matrix of some rows of a view built once (compactly, see
/// logistic.hpp), then their sums for any θ. Sums are taken in fixed chunks of rows added in chunk order, so they do
/// not depend on the thread count.
class logistic_rows {
public:
    /// The rows `rows` of the view bound by `encoding`, labels[r] (1 or 0) per view row r, class weights as given.
    /// Throws definition_error when a row is past the view's end or its label is neither 0 nor 1, input_error when
    /// a feature is not finite (naming row and feature) and as bound_encoder::encode.
    logistic_rows(const bound_encoder& encoding, std::span<const std::size_t> rows, std::span<const std::int8_t> labels,
                  logistic_class_weights weights, unsigned threads = 0);
    /// The sums at θ (width + 1 entries; definition_error otherwise).
    [[nodiscard]] logistic_sums sums(std::span<const double> theta, logistic_request what) const;
    /// The rows summed over.
    [[nodiscard]] std::size_t rows() const noexcept { return y_.size(); }
    /// Of which labelled 1.
    [[nodiscard]] std::size_t positives() const noexcept { return positives_; }
    /// Features (θ has width + 1 entries).
    [[nodiscard]] std::size_t width() const noexcept { return width_; }

private:
    std::shared_ptr<const detail::compact_design> design_;
    std::vector<double> y_;
    logistic_class_weights weights_;
    std::size_t positives_ = 0, width_ = 0;
    unsigned threads_ = 0;
};

} // namespace leadscore
