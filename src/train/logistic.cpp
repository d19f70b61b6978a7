#include "leadscore/train/logistic.hpp"

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

/// softplus(z) − y·z, the log loss of log-odds z for label y, without overflow (exp(−|z|) ≤ 1).
inline double loss_of(double z, double y) noexcept { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))) - y * z; }

/// Newton's method over a compact design. Chunks of rows are the unit of summation: each chunk's partial sums are
/// kept apart and added in chunk order, so the result does not depend on which thread ran which chunk.
class newton_solver {
public:
    newton_solver(const detail::compact_design& x, std::vector<double> y, double c_pos, double c_neg,
                  const logistic_options& o)
        : x_(x), y_(std::move(y)), c_pos_(c_pos), c_neg_(c_neg), o_(o), n_(x.rows), d_(x.layout.width),
          dim_(x.layout.width + 1), z_(n_), dz_(n_) {
        // Partial Hessians cost dim² doubles each: at most 64 chunks and about 64 MB of them.
        const std::size_t per = dim_ * dim_ * sizeof(double);
        const std::size_t max_chunks = std::clamp<std::size_t>((std::size_t{64} << 20) / std::max<std::size_t>(per, 1), 1, 64);
        chunk_rows_ = std::max<std::size_t>(4096, (n_ + max_chunks - 1) / max_chunks);
        chunks_ = n_ == 0 ? 0 : (n_ + chunk_rows_ - 1) / chunk_rows_;
        for (std::size_t i = 0; i < n_; ++i) total_weight_ += y_[i] > 0.5 ? c_pos_ : c_neg_;
    }

    fit_report run(VectorXd& theta, const progress_callback& progress) {
        fit_report rep;
        rep.rows = n_;
        rep.parameters = dim_;
        for (std::size_t i = 0; i < n_; ++i) rep.positives += y_[i] > 0.5 ? 1 : 0;

        // Start at the weighted base rate: w = 0, b = log(Σc⁺ / Σc⁻).
        double wp = 0, wn = 0;
        for (std::size_t i = 0; i < n_; ++i) (y_[i] > 0.5 ? wp : wn) += y_[i] > 0.5 ? c_pos_ : c_neg_;
        theta = VectorXd::Zero(static_cast<Index>(dim_));
        theta[static_cast<Index>(d_)] = std::log(wp / wn);
        std::fill(z_.begin(), z_.end(), theta[static_cast<Index>(d_)]);

        MatrixXd h(static_cast<Index>(dim_), static_cast<Index>(dim_));
        VectorXd g(static_cast<Index>(dim_)), dir(static_cast<Index>(dim_));
        std::size_t it = 0;
        double last_step = std::numeric_limits<double>::infinity();
        double loss = std::numeric_limits<double>::quiet_NaN(); // known after a step: the line search computed it
        for (;;) {
            detail::report_progress(progress, it, o_.max_iterations, "logistic fit");
            const double pass_loss = hessian_pass(g, h, std::isnan(loss));
            if (std::isnan(loss)) loss = pass_loss;
            const double f = loss + penalty(theta);
            add_l2(theta, g, h);
            const double gnorm = subgradient_norm(theta, g) / total_weight_;
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
            // Backtracking line search on the objective with the Armijo condition.
            double t = 1.0;
            double loss_t = direction_pass(dir);
            bool accepted = false;
            for (int halvings = 0; halvings < 60; ++halvings) {
                const double f_t = loss_t + penalty(theta + t * dir);
                if (std::isfinite(f_t) && f_t <= f + 1e-4 * t * delta) {
                    accepted = true;
                    break;
                }
                t *= 0.5;
                loss_t = loss_at(t);
            }
            if (!accepted) {
                // Rounding noise exceeds the decrease left: the optimum is as close as doubles can tell.
                rep.converged = gnorm <= 100 * o_.tolerance;
                rep.message = "line search found no decrease after " + std::to_string(it) +
                              " iterations (gradient " + number(gnorm) + ")" +
                              (rep.converged ? ": at the precision limit" : "");
                break;
            }
            theta += t * dir;
            for (std::size_t i = 0; i < n_; ++i) z_[i] += t * dz_[i];
            loss = loss_t;
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

    template <class F>
    void for_chunks(const F& f) const {
        detail::parallel_blocks(n_, chunk_rows_, o_.threads,
                                [](const void* c, std::size_t b, std::size_t e) { (*static_cast<const F*>(c))(b, e); },
                                &f);
    }

    [[nodiscard]] double weight(std::size_t i) const noexcept { return y_[i] > 0.5 ? c_pos_ : c_neg_; }

    /// Row i's non-zero features in ascending index order, the intercept last; returns their number.
    std::size_t active(std::size_t i, std::uint32_t* idx, double* val) const noexcept {
        const auto& l = x_.layout;
        const std::size_t q = l.dense.size(), gcount = l.groups.size();
        const double* v = x_.values.data() + i * q;
        const std::int32_t* a = x_.active.data() + i * gcount;
        std::size_t m = 0;
        for (const auto& s : l.slots) {
            if (s.type == detail::design_layout::slot::kind::dense) {
                const double x = v[s.index];
                if (x != 0.0) {
                    idx[m] = l.dense[s.index];
                    val[m++] = x;
                }
            } else if (a[s.index] >= 0) {
                idx[m] = static_cast<std::uint32_t>(a[s.index]);
                val[m++] = 1.0;
            }
        }
        idx[m] = static_cast<std::uint32_t>(d_);
        val[m++] = 1.0;
        return m;
    }

    /// Gradient and Hessian (upper triangle, then mirrored) of the unpenalized loss at z, and the loss itself when
    /// asked (the line search already knows it after a step).
    double hessian_pass(VectorXd& g, MatrixXd& h, bool with_loss) {
        const std::size_t dim = dim_;
        partial_h_.assign(chunks_ * dim * dim, 0.0);
        partial_g_.assign(chunks_ * dim, 0.0);
        partial_loss_.assign(chunks_, 0.0);
        const std::size_t slots = x_.layout.slots.size() + 1;
        for_chunks([&](std::size_t begin, std::size_t end) {
            const std::size_t c = begin / chunk_rows_;
            double* hc = partial_h_.data() + c * dim * dim;
            double* gc = partial_g_.data() + c * dim;
            std::vector<std::uint32_t> idx(slots);
            std::vector<double> val(slots);
            double loss = 0;
            for (std::size_t i = begin; i < end; ++i) {
                const double w = weight(i), zi = z_[i];
                const double e = std::exp(-std::abs(zi)), inv = 1.0 / (1.0 + e);
                const double p = zi >= 0 ? inv : e * inv;
                if (with_loss) loss += w * (std::max(zi, 0.0) + std::log1p(e) - y_[i] * zi);
                const double r = w * (p - y_[i]), s = w * e * inv * inv;
                const std::size_t m = active(i, idx.data(), val.data());
                for (std::size_t a = 0; a < m; ++a) {
                    gc[idx[a]] += r * val[a];
                    double* row = hc + static_cast<std::size_t>(idx[a]) * dim;
                    const double sa = s * val[a];
                    for (std::size_t b = a; b < m; ++b) row[idx[b]] += sa * val[b];
                }
            }
            partial_loss_[c] = loss;
        });
        h.setZero();
        g.setZero();
        double loss = 0;
        for (std::size_t c = 0; c < chunks_; ++c) {
            loss += partial_loss_[c];
            h += Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                partial_h_.data() + c * dim * dim, static_cast<Index>(dim), static_cast<Index>(dim));
            g += Eigen::Map<const VectorXd>(partial_g_.data() + c * dim, static_cast<Index>(dim));
        }
        h.triangularView<Eigen::StrictlyLower>() = h.transpose().triangularView<Eigen::StrictlyLower>();
        return loss;
    }

    /// dz = X·dir for every row, and the loss at z + dz.
    double direction_pass(const VectorXd& dir) {
        partial_loss_.assign(chunks_, 0.0);
        const std::size_t slots = x_.layout.slots.size() + 1;
        for_chunks([&](std::size_t begin, std::size_t end) {
            std::vector<std::uint32_t> idx(slots);
            std::vector<double> val(slots);
            double loss = 0;
            for (std::size_t i = begin; i < end; ++i) {
                const std::size_t m = active(i, idx.data(), val.data());
                double dz = 0;
                for (std::size_t a = 0; a < m; ++a) dz += val[a] * dir[static_cast<Index>(idx[a])];
                dz_[i] = dz;
                loss += weight(i) * loss_of(z_[i] + dz, y_[i]);
            }
            partial_loss_[begin / chunk_rows_] = loss;
        });
        return sum_partials();
    }

    /// The loss at z + t·dz.
    double loss_at(double t) {
        partial_loss_.assign(chunks_, 0.0);
        for_chunks([&](std::size_t begin, std::size_t end) {
            double loss = 0;
            for (std::size_t i = begin; i < end; ++i) loss += weight(i) * loss_of(z_[i] + t * dz_[i], y_[i]);
            partial_loss_[begin / chunk_rows_] = loss;
        });
        return sum_partials();
    }

    [[nodiscard]] double sum_partials() const {
        double s = 0;
        for (const double p : partial_loss_) s += p;
        return s;
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
        const Index dim = static_cast<Index>(dim_);
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
        // Proximal Newton: coordinate descent on g·d + ½ dᵀHd + l1·Σ|w + d| (the intercept is not penalized).
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

    const detail::compact_design& x_;
    std::vector<double> y_;
    double c_pos_, c_neg_;
    logistic_options o_;
    std::size_t n_, d_, dim_;
    std::vector<double> z_, dz_;
    std::size_t chunk_rows_ = 4096, chunks_ = 0;
    double total_weight_ = 0;
    std::vector<double> partial_h_, partial_g_, partial_loss_;
};

} // namespace

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
    const auto design = detail::build_design(bound, data.rows, solver.threads);

    double c_pos = solver.positive_weight, c_neg = solver.negative_weight;
    if (solver.balanced) {
        const auto n = static_cast<double>(data.rows.size());
        c_pos = n / (2.0 * static_cast<double>(positives));
        c_neg = n / (2.0 * static_cast<double>(negatives));
    }
    std::vector<double> y(data.rows.size());
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = data.labels[data.rows[i]] == 1 ? 1.0 : 0.0;

    newton_solver newton(design, std::move(y), c_pos, c_neg, solver);
    VectorXd theta;
    fit_report report = newton.run(theta, data.progress);
    detail::report_progress(data.progress, solver.max_iterations, solver.max_iterations, "logistic fit");
    report.notes = std::move(notes);
    const std::size_t d = enc.width();
    logistic_model model{std::move(enc), std::vector<double>(theta.data(), theta.data() + d),
                         theta[static_cast<Index>(d)]};
    return {logistic_policy(std::move(model)), std::move(report)};
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(Trainer<logistic_trainer>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const logistic_options&, const logistic_options&) = default;

} // namespace leadscore
