#pragma once
// Calibration maps: a monotone map from a raw score (points, or an uncalibrated probability) to a probability.
// Fitting them (Platt scaling, isotonic regression) is part of training; here they are ready values.

#include <cstdint>
#include <string_view>
#include <vector>

namespace leadscore {

/// A monotone map from a raw score to a probability; see the header comment.
class calibration_map {
public:
    /// The form of the map.
    enum class kind : std::uint8_t {
        logistic,        ///< p = 1 / (1 + exp(−(a + b·x))) — Platt scaling
        piecewise_linear ///< linear between knots (x ascending, y non-decreasing in [0, 1]), flat outside
    };

    /// The identity on [0, 1]: knots (0, 0) and (1, 1).
    calibration_map();

    /// p = 1 / (1 + exp(−(a + b·x))). Throws definition_error when a or b is not finite.
    [[nodiscard]] static calibration_map logistic(double a, double b);
    /// Linear interpolation between knots; x below the first knot maps to y.front(), above the last to y.back().
    /// Throws definition_error unless x and y have the same size ≥ 1, x is strictly ascending and finite, and
    /// y is non-decreasing within [0, 1].
    [[nodiscard]] static calibration_map piecewise_linear(std::vector<double> x, std::vector<double> y);

    /// The calibrated probability of a raw score; NaN stays NaN.
    [[nodiscard]] double operator()(double x) const noexcept;

    /// The form of the map.
    [[nodiscard]] kind type() const noexcept { return kind_; }
    /// logistic: the intercept a (0 for a piecewise-linear map).
    [[nodiscard]] double a() const noexcept { return a_; }
    /// logistic: the slope b (1 for a piecewise-linear map).
    [[nodiscard]] double b() const noexcept { return b_; }
    /// piecewise_linear: the knots' raw scores, strictly ascending (empty for a logistic map).
    [[nodiscard]] const std::vector<double>& knots_x() const noexcept { return x_; }
    /// piecewise_linear: the knots' probabilities, non-decreasing (empty for a logistic map).
    [[nodiscard]] const std::vector<double>& knots_y() const noexcept { return y_; }

    /// Equal when the kind, a, b and the knots are equal.
    friend bool operator==(const calibration_map&, const calibration_map&);

private:
    kind kind_ = kind::piecewise_linear;
    double a_ = 0, b_ = 1;
    std::vector<double> x_, y_;
};

/// "logistic" or "piecewise_linear".
[[nodiscard]] std::string_view to_string(calibration_map::kind k) noexcept;

} // namespace leadscore
