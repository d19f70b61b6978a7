#include "leadscore/train/logistic.hpp"
#include "leadscore/train/logistic_solver.hpp"

#include "../core/overloaded.hpp"
#include "design.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/scoring/engine.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace leadscore {

namespace detail {

design_layout design_layout::of(const feature_encoder& encoder) {
    design_layout l;
    l.width = encoder.width();
    const auto& specs = encoder.specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const std::size_t off = encoder.offset(i), end = encoder.offset(i + 1);
        const auto dense = [&](std::size_t f) {
            l.slots.push_back({slot::kind::dense, static_cast<std::uint32_t>(l.dense.size())});
            l.dense.push_back(static_cast<std::uint32_t>(f));
        };
        const auto group = [&](std::size_t b, std::size_t e) {
            if (b >= e) return;
            l.slots.push_back({slot::kind::group, static_cast<std::uint32_t>(l.groups.size())});
            l.groups.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e)});
        };
        std::visit(overloaded{[&](const binned_feature&) { group(off, end); },
                              [&](const categorical_feature&) { group(off, end); },
                              [&](const auto&) { // numeric, boolean, recency, frequency: a value, then an indicator
                                  dense(off);
                                  group(off + 1, end);
                              }},
                   specs[i]);
    }
    return l;
}

compact_design build_design(const bound_encoder& encoding, std::span<const std::size_t> rows, unsigned threads) {
    compact_design d;
    d.layout = design_layout::of(encoding.encoder());
    d.rows = rows.size();
    const std::size_t q = d.layout.dense.size(), g = d.layout.groups.size(), width = d.layout.width;
    d.values.assign(d.rows * q, 0.0);
    d.active.assign(d.rows * g, -1);
    struct context {
        const bound_encoder* encoding;
        std::span<const std::size_t> rows;
        compact_design* d;
        std::size_t q, g, width;
    } ctx{&encoding, rows, &d, q, g, width};
    parallel_blocks(d.rows, 4096, threads,
                    [](const void* c, std::size_t begin, std::size_t end) {
                        const auto& x = *static_cast<const context*>(c);
                        std::vector<double> buf(x.width);
                        const auto& layout = x.d->layout;
                        for (std::size_t i = begin; i < end; ++i) {
                            std::fill(buf.begin(), buf.end(), 0.0);
                            x.encoding->encode(x.rows[i], buf);
                            double* v = x.d->values.data() + i * x.q;
                            for (std::size_t k = 0; k < x.q; ++k) {
                                v[k] = buf[layout.dense[k]];
                                if (!std::isfinite(v[k])) { // an infinite raw value: no finite fit could follow
                                    source_location where;
                                    where.field = x.encoding->encoder().names()[layout.dense[k]];
                                    throw input_error(where, "row " + std::to_string(x.rows[i]) +
                                                                 ": the feature is not finite");
                                }
                            }
                            std::int32_t* a = x.d->active.data() + i * x.g;
                            for (std::size_t k = 0; k < x.g; ++k)
                                for (std::uint32_t f = layout.groups[k].begin; f < layout.groups[k].end; ++f)
                                    if (buf[f] != 0.0) {
                                        a[k] = static_cast<std::int32_t>(f);
                                        break;
                                    }
                        }
                    },
                    &ctx);
    return d;
}

} // namespace detail

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

[[noreturn]] void bad_option(const std::string& what) { throw definition_error("logistic fit: " + what); }

void check_options(const logistic_options& o) {
    const auto non_negative = [](double x, const char* name) {
        if (!(x >= 0) || !std::isfinite(x)) bad_option(std::string(name) + " must be finite and at least 0");
    };
    const auto positive = [](double x, const char* name) {
        if (!(x > 0) || !std::isfinite(x)) bad_option(std::string(name) + " must be finite and above 0");
    };
    non_negative(o.l2, "l2");
    non_negative(o.l1, "l1");
    positive(o.positive_weight, "positive_weight");
    positive(o.negative_weight, "negative_weight");
    positive(o.tolerance, "tolerance");
    positive(o.step_tolerance, "step_tolerance");
}

/// The chunks' partial sums added in chunk order (so the total does not depend on which thread ran which chunk); the
/// Hessian's upper triangle mirrored. dim 0: the loss alone.
logistic_sums logistic_chunk_total(const std::vector<double>& loss, const std::vector<double>& g,
                                   const std::vector<double>& h, std::size_t chunks, std::size_t dim) {
    logistic_sums out;
    for (std::size_t c = 0; c < chunks; ++c) out.loss += loss[c];
    if (dim == 0) return out;
    out.gradient.assign(dim, 0.0);
    out.hessian.assign(dim * dim, 0.0);
    for (std::size_t c = 0; c < chunks; ++c) {
        const double* gc = g.data() + c * dim;
        const double* hc = h.data() + c * dim * dim;
        for (std::size_t j = 0; j < dim; ++j) out.gradient[j] += gc[j];
        for (std::size_t k = 0; k < dim * dim; ++k) out.hessian[k] += hc[k];
    }
    for (std::size_t i = 0; i < dim; ++i)
        for (std::size_t j = 0; j < i; ++j) out.hessian[i * dim + j] = out.hessian[j * dim + i];
    return out;
}

/// Newton's method asking an oracle for the rows' sums (see logistic_solver.hpp).
class newton_driver {
public:
    newton_driver(const logistic_oracle& oracle, const logistic_problem& p, const logistic_options& o)
        : oracle_(oracle), o_(o), p_(p), d_(p.width), dim_(p.width + 1),
          c_(logistic_class_weights::of(o, p.rows, p.positives)) {
        const auto pos = static_cast<double>(p.positives), neg = static_cast<double>(p.rows - p.positives);
        weight_pos_ = pos * c_.positive;
        weight_neg_ = neg * c_.negative;
    }

    fit_report run(VectorXd& theta, const progress_callback& progress) {
        fit_report rep;
        rep.rows = p_.rows;
        rep.parameters = dim_;
        rep.positives = p_.positives;
        const double total_weight = weight_pos_ + weight_neg_;
        // Start at the weighted base rate: w = 0, b = log(Σc⁺ / Σc⁻).
        theta = VectorXd::Zero(static_cast<Index>(dim_));
        theta[static_cast<Index>(d_)] = std::log(weight_pos_ / weight_neg_);
        MatrixXd h(static_cast<Index>(dim_), static_cast<Index>(dim_));
        VectorXd g(static_cast<Index>(dim_)), dir(static_cast<Index>(dim_));
        std::size_t it = 0;
        double last_step = std::numeric_limits<double>::infinity();
        for (;;) {
            detail::report_progress(progress, it, o_.max_iterations, "logistic fit");
            const double f = full_pass(theta, g, h) + penalty(theta);
            add_l2(theta, g, h);
            const double gnorm = subgradient_norm(theta, g) / total_weight;
            rep.objective = f;
            rep.gradient_norm = gnorm;
            rep.iterations = it;
            const double delta = direction(theta, g, h, dir);
            const double scale = 1.0 + theta.cwiseAbs().maxCoeff();
            const double step = dir.cwiseAbs().maxCoeff();
            if (gnorm <= o_.tolerance && step <= o_.step_tolerance * scale) {
                rep.converged = true;
                rep.message = "converged after " + std::to_string(it) + " iterations";
                break;
            }
            if (it >= o_.max_iterations) {
                rep.message = "stopped after " + std::to_string(it) + " iterations without converging (gradient " +
                              number(gnorm) + ", last step " + number(last_step) + ")";
                if (last_step > 0.1 && o_.l2 == 0 && o_.l1 == 0) // still moving, unpenalized: no optimum in sight
                    rep.message += ": the weights are still moving; unpenalized, separable classes have no optimum "
                                   "(add an L2 penalty)";
                break;
            }
            const double t = line_search(theta, dir, f, delta);
            if (t == 0) {
                // Rounding noise exceeds the decrease left: the optimum is as close as doubles can tell.
                rep.converged = gnorm <= 100 * o_.tolerance;
                rep.message = "line search found no decrease after " + std::to_string(it) +
                              " iterations (gradient " + number(gnorm) + ")" +
                              (rep.converged ? ": at the precision limit" : "");
                break;
            }
            theta += t * dir;
            last_step = t * step;
            ++it;
        }
        return rep;
    }

private:
    static std::string number(double x) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", x);
        return buf;
    }

    [[nodiscard]] logistic_sums ask(const VectorXd& theta, logistic_request what) const {
        auto s = oracle_(std::span<const double>(theta.data(), dim_), what);
        if (what == logistic_request::loss_gradient_hessian &&
            (s.gradient.size() != dim_ || s.hessian.size() != dim_ * dim_))
            throw definition_error("logistic fit: the oracle returned a gradient of " + std::to_string(s.gradient.size()) +
                                   " and a Hessian of " + std::to_string(s.hessian.size()) + " entries; expected " +
                                   std::to_string(dim_) + " and " + std::to_string(dim_ * dim_));
        return s;
    }

    /// Loss, gradient and Hessian of the unpenalized loss at θ; returns the loss.
    double full_pass(const VectorXd& theta, VectorXd& g, MatrixXd& h) const {
        const auto s = ask(theta, logistic_request::loss_gradient_hessian);
        const auto dim = static_cast<Index>(dim_);
        g = Eigen::Map<const VectorXd>(s.gradient.data(), dim);
        h = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(s.hessian.data(),
                                                                                                    dim, dim);
        return s.loss;
    }

    /// Backtracking line search on the objective with the Armijo condition: the accepted step, or 0 when none of
    /// 60 halvings decreases it. A full Newton step whose predicted decrease is below the objective's rounding noise
    /// (the rows' losses are summed afresh at each point, so two sums of one objective differ by that noise) cannot
    /// show a decrease: it is taken when it raises the objective by no more than the noise, so the gradient still
    /// falls to the tolerance.
    double line_search(const VectorXd& theta, const VectorXd& dir, double f, double delta) const {
        const double noise = 64 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(f));
        double t = 1.0;
        for (int halvings = 0; halvings < 60; ++halvings) {
            const VectorXd trial = theta + t * dir;
            const double f_t = ask(trial, logistic_request::loss).loss + penalty(trial);
            if (std::isfinite(f_t) && f_t <= f + 1e-4 * t * delta) return t;
            if (t == 1.0 && -delta <= noise && std::isfinite(f_t) && f_t <= f + noise) return t;
            t *= 0.5;
        }
        return 0;
    }

    [[nodiscard]] double penalty(const VectorXd& theta) const {
        const auto w = theta.head(static_cast<Index>(d_));
        return 0.5 * o_.l2 * w.squaredNorm() + o_.l1 * w.lpNorm<1>();
    }

    /// Adds the L2 term to the gradient and Hessian (not to the intercept).
    void add_l2(const VectorXd& theta, VectorXd& g, MatrixXd& h) const {
        if (o_.l2 == 0) return;
        for (std::size_t j = 0; j < d_; ++j) {
            const auto k = static_cast<Index>(j);
            g[k] += o_.l2 * theta[k];
            h(k, k) += o_.l2;
        }
    }

    /// The largest entry of the gradient, or with L1 of the minimum-norm subgradient.
    [[nodiscard]] double subgradient_norm(const VectorXd& theta, const VectorXd& g) const {
        double m = std::abs(g[static_cast<Index>(d_)]);
        for (std::size_t j = 0; j < d_; ++j) {
            const auto k = static_cast<Index>(j);
            double s = g[k];
            if (o_.l1 > 0) {
                if (theta[k] > 0) s += o_.l1;
                else if (theta[k] < 0) s -= o_.l1;
                else s = std::copysign(std::max(std::abs(s) - o_.l1, 0.0), s);
            }
            m = std::max(m, std::abs(s));
        }
        return m;
    }

    /// The Newton (or proximal Newton) step; returns the predicted decrease Δ < 0 for the Armijo condition.
    double direction(const VectorXd& theta, const VectorXd& g, const MatrixXd& h, VectorXd& dir) const {
        const double diag_scale = std::max(1.0, h.diagonal().cwiseAbs().maxCoeff());
        if (o_.l1 == 0) {
            double mu = 0;
            for (int attempt = 0; attempt < 16; ++attempt) {
                MatrixXd hm = h;
                if (mu > 0) hm.diagonal().array() += mu;
                Eigen::LDLT<MatrixXd> ldlt(hm);
                if (ldlt.info() == Eigen::Success) {
                    dir = ldlt.solve(-g);
                    const double delta = g.dot(dir);
                    if (dir.allFinite() && (delta < 0 || g.isZero(0))) return delta;
                }
                mu = mu == 0 ? 1e-10 * diag_scale : mu * 100;
            }
            dir = -g / diag_scale; // steepest descent: always a descent direction
            return g.dot(dir);
        }
        return proximal_direction(theta, g, h, dir, diag_scale);
    }

    /// Proximal Newton: coordinate descent on g·d + ½ dᵀHd + l1·Σ|w + d| (the intercept is not penalized).
    double proximal_direction(const VectorXd& theta, const VectorXd& g, const MatrixXd& h, VectorXd& dir,
                              double diag_scale) const {
        const Index dim = static_cast<Index>(dim_);
        dir.setZero();
        VectorXd hd = VectorXd::Zero(dim);
        const double floor = 1e-12 * diag_scale;
        const double scale = 1.0 + theta.cwiseAbs().maxCoeff();
        const Index d = static_cast<Index>(d_);
        for (int sweep = 0; sweep < 1000; ++sweep) {
            double largest = 0;
            for (Index j = 0; j < dim; ++j) {
                const double a = std::max(h(j, j), floor);
                const double grad = g[j] + hd[j];
                double delta;
                if (j == d) {
                    delta = -grad / a;
                } else {
                    const double u = theta[j] + dir[j];
                    const double v = u - grad / a, k = o_.l1 / a;
                    const double un = v > k ? v - k : v < -k ? v + k : 0.0;
                    delta = un - u;
                }
                if (delta != 0) {
                    dir[j] += delta;
                    hd += delta * h.col(j);
                    largest = std::max(largest, std::abs(delta));
                }
            }
            if (largest <= 1e-13 * scale) break;
        }
        const auto w = theta.head(d);
        return g.dot(dir) + o_.l1 * ((w + dir.head(d)).lpNorm<1>() - w.lpNorm<1>());
    }

    const logistic_oracle& oracle_;
    logistic_options o_;
    logistic_problem p_;
    std::size_t d_, dim_;
    logistic_class_weights c_;
    double weight_pos_ = 0, weight_neg_ = 0;
};

/// Row i's non-zero features in ascending index order, the intercept last; returns their number.
std::size_t logistic_active(const detail::compact_design& x, std::size_t i, std::uint32_t* idx, double* val) noexcept {
    const auto& l = x.layout;
    const std::size_t q = l.dense.size(), gcount = l.groups.size();
    const double* v = x.values.data() + i * q;
    const std::int32_t* a = x.active.data() + i * gcount;
    std::size_t m = 0;
    for (const auto& s : l.slots) {
        if (s.type == detail::design_layout::slot::kind::dense) {
            const double xv = v[s.index];
            if (xv != 0.0) {
                idx[m] = l.dense[s.index];
                val[m++] = xv;
            }
        } else if (a[s.index] >= 0) {
            idx[m] = static_cast<std::uint32_t>(a[s.index]);
            val[m++] = 1.0;
        }
    }
    idx[m] = static_cast<std::uint32_t>(l.width);
    val[m++] = 1.0;
    return m;
}

} // namespace

logistic_class_weights logistic_class_weights::of(const logistic_options& options, std::size_t rows,
                                                  std::size_t positives) {
    if (!options.balanced) return {options.positive_weight, options.negative_weight};
    const auto n = static_cast<double>(rows);
    return {n / (2.0 * static_cast<double>(positives)), n / (2.0 * static_cast<double>(rows - positives))};
}

fit_report solve_logistic(const logistic_oracle& oracle, const logistic_problem& problem,
                          const logistic_options& options, std::vector<double>& theta,
                          const progress_callback& progress) {
    check_options(options);
    if (problem.positives == 0 || problem.positives >= problem.rows)
        throw definition_error("logistic fit: the " + std::to_string(problem.rows) + " training rows hold no " +
                               (problem.positives == 0 ? "positive" : "negative") + " label; a model needs both classes");
    newton_driver driver(oracle, problem, options);
    VectorXd t;
    auto report = driver.run(t, progress);
    theta.assign(t.data(), t.data() + t.size());
    return report;
}

logistic_rows::logistic_rows(const bound_encoder& encoding, std::span<const std::size_t> rows,
                             std::span<const std::int8_t> labels, logistic_class_weights weights, unsigned threads)
    : weights_(weights), width_(encoding.encoder().width()), threads_(threads) {
    y_.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto r = rows[i];
        if (r >= labels.size() || (labels[r] != 0 && labels[r] != 1))
            throw definition_error("logistic fit: row " + std::to_string(r) +
                                   (r >= labels.size() ? " has no label" : " is not labelled 0 or 1"));
        y_[i] = labels[r] == 1 ? 1.0 : 0.0;
        positives_ += labels[r] == 1 ? 1 : 0;
    }
    design_ = std::make_shared<const detail::compact_design>(detail::build_design(encoding, rows, threads));
}

logistic_sums logistic_rows::sums(std::span<const double> theta, logistic_request what) const {
    const std::size_t dim = width_ + 1, n = y_.size();
    if (theta.size() != dim)
        throw definition_error("logistic fit: " + std::to_string(theta.size()) + " parameters for " +
                               std::to_string(width_) + " features and an intercept");
    const bool full = what == logistic_request::loss_gradient_hessian;
    // Partial Hessians cost dim² doubles each: at most 64 chunks and about 64 MB of them.
    const std::size_t per = dim * dim * sizeof(double);
    const std::size_t max_chunks = std::clamp<std::size_t>((std::size_t{64} << 20) / std::max<std::size_t>(per, 1), 1, 64);
    const std::size_t chunk_rows = std::max<std::size_t>(4096, (n + max_chunks - 1) / max_chunks);
    const std::size_t chunks = n == 0 ? 0 : (n + chunk_rows - 1) / chunk_rows;
    std::vector<double> partial_h(full ? chunks * dim * dim : 0), partial_g(full ? chunks * dim : 0),
        partial_loss(chunks, 0.0);
    const auto& x = *design_;
    const auto chunk = [&](std::size_t begin, std::size_t end) {
        const std::size_t c = begin / chunk_rows, slots = x.layout.slots.size() + 1;
        std::vector<std::uint32_t> idx(slots);
        std::vector<double> val(slots);
        double loss = 0;
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t m = logistic_active(x, i, idx.data(), val.data());
            double zi = 0;
            for (std::size_t a = 0; a < m; ++a) zi += val[a] * theta[idx[a]];
            const double w = y_[i] > 0.5 ? weights_.positive : weights_.negative;
            const double e = std::exp(-std::abs(zi));
            loss += w * (std::max(zi, 0.0) + std::log1p(e) - y_[i] * zi);
            if (!full) continue;
            const double inv = 1.0 / (1.0 + e), p = zi >= 0 ? inv : e * inv;
            const double r = w * (p - y_[i]), s = w * e * inv * inv;
            double* gc = partial_g.data() + c * dim;
            double* hc = partial_h.data() + c * dim * dim;
            for (std::size_t a = 0; a < m; ++a) {
                gc[idx[a]] += r * val[a];
                double* row = hc + static_cast<std::size_t>(idx[a]) * dim;
                const double sa = s * val[a];
                for (std::size_t b = a; b < m; ++b) row[idx[b]] += sa * val[b];
            }
        }
        partial_loss[c] = loss;
    };
    detail::parallel_blocks(n, chunk_rows, threads_,
                            [](const void* f, std::size_t b, std::size_t e) { (*static_cast<decltype(chunk)*>(f))(b, e); },
                            &chunk);
    return logistic_chunk_total(partial_loss, partial_g, partial_h, chunks, full ? dim : 0);
}

fit_result<logistic_policy> logistic_trainer::fit(const training_set& data) const {
    check_options(solver);
    check_training_set(data);
    std::size_t positives = 0;
    for (const auto r : data.rows) positives += data.labels[r] == 1 ? 1 : 0;
    const std::size_t negatives = data.rows.size() - positives;
    if (positives == 0 || negatives == 0)
        throw definition_error("logistic fit: the " + std::to_string(data.rows.size()) + " training rows hold no " +
                               (positives == 0 ? "positive" : "negative") + " label; a model needs both classes");

    std::vector<std::string> notes;
    feature_encoder enc;
    if (encoder) {
        enc = *encoder;
    } else {
        auto learned = learn_encoder(data.view, data.rows, encoding, data.as_of, data.target_field);
        enc = std::move(learned.encoder);
        notes = std::move(learned.notes);
    }
    if (enc.width() == 0) { // an intercept alone scores every lead alike: a mistake, not a model
        std::string why;
        for (const auto& n : notes) why += "; " + n;
        throw definition_error("logistic fit: no feature to learn from (every field was left out" + why + ")");
    }
    if (enc.width() > solver.max_features) {
        std::size_t widest = 0;
        for (std::size_t i = 1; i < enc.specs().size(); ++i)
            if (enc.offset(i + 1) - enc.offset(i) > enc.offset(widest + 1) - enc.offset(widest)) widest = i;
        throw definition_error("logistic fit: " + std::to_string(enc.width()) + " features, more than max_features (" +
                               std::to_string(solver.max_features) + "); the widest is '" +
                               spec_name(enc.specs()[widest]) + "' with " +
                               std::to_string(enc.offset(widest + 1) - enc.offset(widest)) +
                               " (raise min_category_count or exclude it)");
    }
    const auto bound = enc.bind(data.view, data.as_of);
    const auto weights = logistic_class_weights::of(solver, data.rows.size(), positives);
    const logistic_rows rows(bound, data.rows, data.labels, weights, solver.threads);
    std::vector<double> theta;
    fit_report report = solve_logistic([&rows](std::span<const double> t, logistic_request what) { return rows.sums(t, what); },
                                       {.width = enc.width(), .rows = data.rows.size(), .positives = positives}, solver,
                                       theta, data.progress);
    detail::report_progress(data.progress, solver.max_iterations, solver.max_iterations, "logistic fit");
    report.notes = std::move(notes);
    const std::size_t d = enc.width();
    logistic_model model{std::move(enc), std::vector<double>(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(d)),
                         theta[d]};
    return {logistic_policy(std::move(model)), std::move(report)};
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(Trainer<logistic_trainer>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const logistic_options&, const logistic_options&) = default;

} // namespace leadscore
