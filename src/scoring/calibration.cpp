#include "leadscore/scoring/calibration.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace leadscore {

calibration_map::calibration_map() : x_{0.0, 1.0}, y_{0.0, 1.0} {}

calibration_map calibration_map::logistic(double a, double b) {
    if (!std::isfinite(a) || !std::isfinite(b))
        throw definition_error("calibration_map: logistic coefficients must be finite (a = " + std::to_string(a) +
                               ", b = " + std::to_string(b) + ")");
    calibration_map m;
    m.kind_ = kind::logistic;
    m.a_ = a;
    m.b_ = b;
    m.x_.clear();
    m.y_.clear();
    return m;
}

calibration_map calibration_map::piecewise_linear(std::vector<double> x, std::vector<double> y) {
    if (x.empty() || x.size() != y.size())
        throw definition_error("calibration_map: piecewise-linear map needs as many y as x knots, at least one (got " +
                               std::to_string(x.size()) + " x, " + std::to_string(y.size()) + " y)");
    for (std::size_t i = 0; i < x.size(); ++i) {
        const std::string at = " at knot " + std::to_string(i);
        if (!std::isfinite(x[i])) throw definition_error("calibration_map: x is not finite" + at);
        if (!(y[i] >= 0.0 && y[i] <= 1.0)) throw definition_error("calibration_map: y is outside [0, 1]" + at);
        if (i > 0 && !(x[i] > x[i - 1])) throw definition_error("calibration_map: x is not strictly ascending" + at);
        if (i > 0 && y[i] < y[i - 1]) throw definition_error("calibration_map: y decreases" + at);
    }
    calibration_map m;
    m.x_ = std::move(x);
    m.y_ = std::move(y);
    return m;
}

double calibration_map::operator()(double x) const noexcept {
    if (std::isnan(x)) return x;
    if (kind_ == kind::logistic) return 1.0 / (1.0 + std::exp(-(a_ + b_ * x)));
    if (x <= x_.front()) return y_.front();
    if (x >= x_.back()) return y_.back();
    const auto hi = static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), x) - x_.begin());
    const std::size_t lo = hi - 1;
    const double t = (x - x_[lo]) / (x_[hi] - x_[lo]);
    return y_[lo] + t * (y_[hi] - y_[lo]);
}

std::string_view to_string(calibration_map::kind k) noexcept {
    switch (k) {
    case calibration_map::kind::logistic: return "logistic";
    case calibration_map::kind::piecewise_linear: return "piecewise_linear";
    }
    return "?";
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const calibration_map&, const calibration_map&) = default;

} // namespace leadscore
