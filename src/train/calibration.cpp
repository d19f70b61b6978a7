#include "leadscore/train/calibration.hpp"

#include "../evaluate/scored.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace leadscore {

namespace {

std::string short_number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", x);
    return buf;
}

} // namespace

namespace {

/// Platt's problem on centered, scaled scores (so points in the hundreds converge as fast as probabilities):
/// minimize Σ log(1 + e^z) − t·z over z = a + b·x.
struct platt_problem {
    std::vector<double> x, t;
    double mean = 0, sd = 1;
    bool constant = false; // every score equal: the slope stays 0
    std::size_t n = 0;

    struct derivatives {
        double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    };

    [[nodiscard]] double objective(double a, double b) const {
        double f = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double z = a + b * x[i];
            f += std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))) - t[i] * z;
        }
        return f;
    }

    [[nodiscard]] derivatives at(double a, double b) const {
        derivatives d;
        for (std::size_t i = 0; i < n; ++i) {
            const double z = a + b * x[i];
            const double e = std::exp(-std::abs(z)), inv = 1 / (1 + e);
            const double p = z >= 0 ? inv : e * inv, s = e * inv * inv;
            d.ga += p - t[i];
            d.gb += (p - t[i]) * x[i];
            d.haa += s;
            d.hab += s * x[i];
            d.hbb += s * x[i] * x[i];
        }
        if (constant) d.gb = d.hab = 0, d.hbb = 1;
        return d;
    }
};

platt_problem make_problem(std::span<const double> scores, std::span<const std::int8_t> labels,
                           const detail::class_counts& counts, const platt_options& options) {
    platt_problem q;
    q.n = counts.positives + counts.negatives;
    const double t_pos = options.prior_correction ? (static_cast<double>(counts.positives) + 1) /
                                                        (static_cast<double>(counts.positives) + 2)
                                                  : 1.0;
    const double t_neg = options.prior_correction ? 1.0 / (static_cast<double>(counts.negatives) + 2) : 0.0;
    q.x.reserve(q.n);
    q.t.reserve(q.n);
    for (std::size_t r = 0; r < labels.size(); ++r) {
        if (labels[r] == -1) continue;
        q.x.push_back(scores[r]);
        q.t.push_back(labels[r] == 1 ? t_pos : t_neg);
    }
    for (const double v : q.x) q.mean += v;
    q.mean /= static_cast<double>(q.n);
    double sd = 0;
    for (const double v : q.x) sd += (v - q.mean) * (v - q.mean);
    q.sd = std::sqrt(sd / static_cast<double>(q.n));
    q.constant = !(q.sd > 0);
    if (q.constant) q.sd = 1;
    for (double& v : q.x) v = (v - q.mean) / q.sd;
    return q;
}

/// Backtracking along (da, db) from (a, b) with objective f; moves there and returns true on sufficient decrease.
bool line_search(const platt_problem& q, double da, double db, double delta, double& a, double& b, double& f) {
    double step = 1;
    for (int k = 0; k < 60; ++k, step *= 0.5) {
        const double fn = q.objective(a + step * da, b + step * db);
        if (fn <= f + 1e-4 * step * delta) {
            a += step * da;
            b += step * db;
            f = fn;
            return true;
        }
    }
    return false;
}

} // namespace

calibration_fit fit_platt(std::span<const double> scores, std::span<const std::int8_t> labels,
                          const platt_options& options) {
    constexpr const char* who = "fit_platt";
    if (!(options.tolerance > 0) || !std::isfinite(options.tolerance))
        throw definition_error("fit_platt: tolerance must be finite and above 0");
    const auto counts = detail::check_scored(who, scores, labels, false, true);
    const std::size_t n = counts.positives + counts.negatives;
    if (n == 0) throw definition_error("fit_platt: no labelled row");
    const platt_problem q = make_problem(scores, labels, counts, options);

    double tsum = 0;
    for (const double v : q.t) tsum += v;
    const double mean_t = tsum / static_cast<double>(n);
    // Start at the (clamped) base rate with slope 0.
    double a = std::log(std::clamp(mean_t, 1e-12, 1 - 1e-12) / (1 - std::clamp(mean_t, 1e-12, 1 - 1e-12)));
    double b = 0;
    fit_report rep;
    rep.rows = n;
    rep.positives = counts.positives;
    rep.parameters = 2;
    double f = q.objective(a, b);
    for (std::size_t it = 0;; ++it) {
        auto [ga, gb, haa, hab, hbb] = q.at(a, b);
        const double gnorm = std::max(std::abs(ga), std::abs(gb)) / static_cast<double>(n);
        rep.iterations = it;
        rep.gradient_norm = gnorm;
        rep.objective = f;
        if (gnorm <= options.tolerance) {
            rep.converged = true;
            rep.message = "converged after " + std::to_string(it) + " iterations";
            break;
        }
        if (it >= options.max_iterations) {
            rep.message = "stopped after " + std::to_string(it) + " iterations without converging (gradient " +
                          short_number(gnorm) + ")";
            break;
        }
        // Newton direction with a tiny ridge (Lin, Lin and Weng), then backtracking.
        const double ridge = 1e-12 * std::max(1.0, haa);
        haa += ridge;
        hbb += ridge;
        const double det = haa * hbb - hab * hab;
        double da = -(hbb * ga - hab * gb) / det, db = -(haa * gb - hab * ga) / det;
        if (!std::isfinite(da) || !std::isfinite(db)) da = -ga / haa, db = 0;
        if (!line_search(q, da, db, ga * da + gb * db, a, b, f)) {
            rep.converged = gnorm <= 100 * options.tolerance;
            rep.message = "line search found no decrease after " + std::to_string(it) + " iterations (gradient " +
                          short_number(gnorm) + ")" + (rep.converged ? ": at the precision limit" : "");
            break;
        }
    }
    // Back to raw scores: a' + b'·(x − mean)/sd = (a' − b'·mean/sd) + (b'/sd)·x.
    return {calibration_map::logistic(a - b * q.mean / q.sd, b / q.sd), std::move(rep)};
}

calibration_fit fit_isotonic(std::span<const double> scores, std::span<const std::int8_t> labels) {
    const auto counts = detail::check_scored("fit_isotonic", scores, labels, false, true);
    const std::size_t n = counts.positives + counts.negatives;
    if (n == 0) throw definition_error("fit_isotonic: no labelled row");
    std::vector<std::pair<double, std::int8_t>> rows;
    rows.reserve(n);
    for (std::size_t r = 0; r < labels.size(); ++r)
        if (labels[r] != -1) rows.emplace_back(scores[r], labels[r]);
    std::sort(rows.begin(), rows.end());

    // Distinct scores as blocks, pooled while a block's mean is not above the one before it.
    struct block {
        double weight, sum, first, last;
    };
    std::vector<block> stack;
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t j = i;
        double sum = 0;
        while (j < rows.size() && rows[j].first == rows[i].first) sum += rows[j++].second;
        block b{static_cast<double>(j - i), sum, rows[i].first, rows[i].first};
        while (!stack.empty() && stack.back().sum * b.weight >= b.sum * stack.back().weight) {
            const block& p = stack.back();
            b = {p.weight + b.weight, p.sum + b.sum, p.first, b.last};
            stack.pop_back();
        }
        stack.push_back(b);
        i = j;
    }
    std::vector<double> kx, ky;
    for (const auto& b : stack) {
        const double mean = std::clamp(b.sum / b.weight, 0.0, 1.0);
        kx.push_back(b.first);
        ky.push_back(mean);
        if (b.last > b.first) {
            kx.push_back(b.last);
            ky.push_back(mean);
        }
    }
    fit_report rep;
    rep.converged = true;
    rep.rows = n;
    rep.positives = counts.positives;
    rep.parameters = kx.size();
    rep.message = std::to_string(stack.size()) + " blocks from " + std::to_string(n) + " rows";
    return {calibration_map::piecewise_linear(std::move(kx), std::move(ky)), std::move(rep)};
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const platt_options&, const platt_options&) = default;

} // namespace leadscore
