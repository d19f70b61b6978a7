#include "leadscore/funnel/markov.hpp"
#include "../core/numbers.hpp"

#include "leadscore/core/batch.hpp"

#include <Eigen/Core>
#include <Eigen/LU>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

namespace leadscore {

namespace {

using detail::nan;

std::string stage_label(const funnel& f, std::size_t s) { return "stage '" + f[s].name + "'"; }

} // namespace

std::string_view to_string(markov_status s) noexcept {
    switch (s) {
    case markov_status::ok: return "ok";
    case markov_status::no_data: return "no_data";
    case markov_status::never_absorbed: return "never_absorbed";
    case markov_status::ill_conditioned: return "ill_conditioned";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------------------------------
// markov_accumulator

markov_accumulator::markov_accumulator(const funnel& f, markov_options options)
    : funnel_(f), options_(options), n_(f.size()), counts_(n_ * n_, 0), starts_(n_, 0), open_at_end_(n_, 0),
      imputed_(n_, 0), undated_(n_, 0), stay_count_(n_, 0), stay_sum_(n_, 0), stays_(n_ * n_) {
    if (!options_.open_as_lost_after) return;
    if (!options_.as_of || to_seconds(*options_.as_of) == missing_time)
        throw definition_error("markov_accumulator: open_as_lost_after needs as_of, the time ages are measured at");
    if (options_.open_as_lost_after->count() < 0)
        throw definition_error("markov_accumulator: open_as_lost_after is negative");
    const auto lost = std::find_if(f.stages().begin(), f.stages().end(),
                                   [](const stage& st) { return st.kind == stage_kind::lost; });
    if (lost == f.stages().end())
        throw definition_error("markov_accumulator: open_as_lost_after needs a stage of kind lost in the funnel");
    lost_stage_ = static_cast<std::size_t>(lost - f.stages().begin());
}

std::size_t markov_accumulator::cell(std::size_t from, std::size_t to) const {
    if (from >= n_ || to >= n_)
        throw std::out_of_range("markov_accumulator: stage " + std::to_string(std::max(from, to)) + " of " +
                                std::to_string(n_));
    return from * n_ + to;
}

std::uint64_t markov_accumulator::transitions(std::size_t from, std::size_t to) const { return counts_[cell(from, to)]; }

std::uint64_t markov_accumulator::exits(std::size_t from) const {
    std::uint64_t s = 0;
    for (std::size_t to = 0; to < n_; ++to) s += counts_[cell(from, to)];
    return s;
}

double markov_accumulator::mean_stay(std::size_t from) const {
    const auto c = stay_count_.at(from);
    return c == 0 ? nan : static_cast<double>(stay_sum_[from]) / static_cast<double>(c);
}

std::span<const std::int64_t> markov_accumulator::stays(std::size_t from, std::size_t to) const {
    return stays_[cell(from, to)];
}

namespace {

/// The counts of one part (a contiguous range of leads).
struct markov_partial {
    std::size_t begin = 0, end = 0;
    std::vector<std::uint64_t> counts, dated, starts, open_at_end, imputed, undated, stay_count;
    std::vector<std::int64_t> stay_sum;
    std::uint64_t leads = 0;

    markov_partial(std::size_t n, std::size_t b, std::size_t e)
        : begin(b), end(e), counts(n * n, 0), dated(n * n, 0), starts(n, 0), open_at_end(n, 0), imputed(n, 0),
          undated(n, 0), stay_count(n, 0), stay_sum(n, 0) {}
};

/// Which open leads count as lost (markov_options::open_as_lost_after): those first dated before `oldest`.
struct markov_open_as_lost {
    bool on = false;
    std::int64_t oldest = 0; // as_of − the age limit: a lead first seen before it is older than the limit
    std::size_t lost_stage = 0;
};

[[noreturn]] void overflow(const journeys& j, std::size_t position) {
    const auto entry = j.order()[position];
    throw definition_error("markov: entry " + std::to_string(entry) + " (lead '" +
                           std::string(j.history().lead_ids[j.history().lead[entry]]) +
                           "'): the stay in seconds overflows a 64-bit integer");
}

/// Pass 1: counts, stay sums, and the number of dated stays per (from, to) cell.
void count_leads(const journeys& j, const std::vector<std::uint8_t>& open, const markov_open_as_lost& old,
                 markov_partial& out) {
    const std::size_t n = open.size();
    const auto offsets = j.offsets();
    const auto stage = j.stage_at();
    const auto time = j.time_at();
    for (std::size_t l = out.begin; l < out.end; ++l) {
        const std::size_t b = offsets[l], e = offsets[l + 1];
        if (b == e) continue;
        ++out.leads;
        ++out.starts[stage[b]];
        for (std::size_t p = b; p + 1 < e; ++p) {
            const std::size_t from = stage[p], to = stage[p + 1];
            ++out.counts[from * n + to];
            if (!open[from]) continue;
            const std::int64_t t0 = time[p], t1 = time[p + 1];
            if (t0 == missing_time || t1 == missing_time) {
                ++out.undated[from];
                continue;
            }
            // Journeys order dated entries by time, so t1 >= t0; only extreme times can overflow.
            std::int64_t stay = 0;
            if (__builtin_sub_overflow(t1, t0, &stay) ||
                __builtin_add_overflow(out.stay_sum[from], stay, &out.stay_sum[from]))
                overflow(j, p + 1);
            ++out.stay_count[from];
            ++out.dated[from * n + to];
        }
        const std::size_t last = stage[e - 1];
        if (!open[last]) continue;
        std::size_t first = b; // the first dated entry gives the lead's age
        while (first < e && time[first] == missing_time) ++first;
        if (old.on && first < e && time[first] < old.oldest) {
            ++out.imputed[last];
            ++out.counts[last * n + old.lost_stage];
        } else {
            ++out.open_at_end[last];
        }
    }
}

/// Pass 2: writes the stays of one part at its cursors (cursor[c] = where the part's first stay of cell c goes).
void write_stays(const journeys& j, const std::vector<std::uint8_t>& open, const markov_partial& part,
                 std::vector<std::int64_t*> cursor) {
    const std::size_t n = open.size();
    const auto offsets = j.offsets();
    const auto stage = j.stage_at();
    const auto time = j.time_at();
    for (std::size_t l = part.begin; l < part.end; ++l) {
        const std::size_t e = offsets[l + 1];
        for (std::size_t p = offsets[l]; p + 1 < e; ++p) {
            const std::size_t from = stage[p];
            if (!open[from]) continue;
            const std::int64_t t0 = time[p], t1 = time[p + 1];
            if (t0 == missing_time || t1 == missing_time) continue;
            *cursor[from * n + stage[p + 1]]++ = t1 - t0; // pass 1 checked that this does not overflow
        }
    }
}

/// Grows every cell of `stays` (from × to) once, to its exact size with the parts' dated stays, and returns per part
/// where its first stay of each cell goes. All or nothing: on failure the cells keep their old sizes.
std::vector<std::vector<std::int64_t*>> make_room_for_stays(std::vector<std::vector<std::int64_t>>& stays,
                                                            const std::vector<markov_partial>& parts) {
    const std::size_t cells = stays.size();
    std::vector<std::vector<std::int64_t*>> cursors(parts.size(), std::vector<std::int64_t*>(cells));
    std::vector<std::size_t> old(cells);
    for (std::size_t c = 0; c < cells; ++c) old[c] = stays[c].size();
    try {
        for (std::size_t c = 0; c < cells; ++c) {
            std::size_t total = 0;
            for (const auto& p : parts) total += p.dated[c];
            stays[c].resize(old[c] + total);
        }
    } catch (...) {
        for (std::size_t c = 0; c < cells; ++c) stays[c].resize(std::min(stays[c].size(), old[c]));
        throw;
    }
    for (std::size_t c = 0; c < cells; ++c) {
        std::int64_t* at = stays[c].data() + old[c];
        for (std::size_t t = 0; t < parts.size(); ++t) {
            cursors[t][c] = at;
            at += parts[t].dated[c];
        }
    }
    return cursors;
}

} // namespace

void markov_accumulator::add(const journeys& j) { add(j, 0, j.leads()); }

void markov_accumulator::add(const journeys& j, std::size_t begin, std::size_t end) {
    if (!(j.stages() == funnel_)) throw definition_error("markov_accumulator: the journeys use another funnel");
    if (begin > end || end > j.leads())
        throw definition_error("markov_accumulator: leads [" + std::to_string(begin) + ", " + std::to_string(end) +
                               ") of " + std::to_string(j.leads()));
    std::vector<std::uint8_t> open(n_);
    for (std::size_t s = 0; s < n_; ++s) open[s] = funnel_[s].kind == stage_kind::open ? 1 : 0;
    markov_open_as_lost old;
    if (options_.open_as_lost_after) {
        old.on = true;
        // Saturating, so an age limit beyond the calendar counts no lead as lost rather than overflowing.
        const std::int64_t now = to_seconds(*options_.as_of), limit = options_.open_as_lost_after->count();
        old.oldest = now < std::numeric_limits<std::int64_t>::min() + limit ? std::numeric_limits<std::int64_t>::min()
                                                                             : now - limit;
        old.lost_stage = lost_stage_;
    }

    // Counts are integers and each part's stays go to a place fixed by the parts before it, so the result, stays'
    // order included, is the same for any thread count.
    const auto split = detail::split_rows(begin, end, options_.threads);
    std::vector<markov_partial> parts;
    parts.reserve(split.count);
    detail::map_parts(
        split,
        [&](std::size_t b, std::size_t e) {
            markov_partial part(n_, b, e);
            count_leads(j, open, old, part);
            return part;
        },
        [&](markov_partial&& part) { parts.push_back(std::move(part)); });

    // Sums first, into a copy, so an overflow leaves this accumulator unchanged.
    auto sum = stay_sum_;
    for (const auto& p : parts)
        for (std::size_t s = 0; s < n_; ++s)
            if (__builtin_add_overflow(sum[s], p.stay_sum[s], &sum[s]))
                throw definition_error("markov_accumulator: the sum of stays in " + stage_label(funnel_, s) +
                                       " overflows a 64-bit integer of seconds");
    if (options_.keep_stays) {
        const auto cursors = make_room_for_stays(stays_, parts);
        detail::for_each_part(split, [&](std::size_t k, std::size_t, std::size_t) {
            write_stays(j, open, parts[k], cursors[k]);
        });
    }

    stay_sum_ = std::move(sum);
    for (const auto& p : parts) {
        for (std::size_t c = 0; c < n_ * n_; ++c) counts_[c] += p.counts[c];
        for (std::size_t s = 0; s < n_; ++s) {
            starts_[s] += p.starts[s];
            open_at_end_[s] += p.open_at_end[s];
            imputed_[s] += p.imputed[s];
            undated_[s] += p.undated[s];
            stay_count_[s] += p.stay_count[s];
        }
        leads_ += p.leads;
    }
}

void markov_accumulator::merge(const markov_accumulator& other) {
    if (!(other.funnel_ == funnel_)) throw definition_error("markov_accumulator::merge: different funnels");
    if (other.options_.keep_stays != options_.keep_stays)
        throw definition_error("markov_accumulator::merge: one keeps stays and the other does not");
    if (other.options_.open_as_lost_after != options_.open_as_lost_after || other.options_.as_of != options_.as_of)
        throw definition_error("markov_accumulator::merge: different open_as_lost_after or as_of");
    auto sum = stay_sum_;
    for (std::size_t s = 0; s < n_; ++s)
        if (__builtin_add_overflow(sum[s], other.stay_sum_[s], &sum[s]))
            throw definition_error("markov_accumulator::merge: the sum of stays in " + stage_label(funnel_, s) +
                                   " overflows a 64-bit integer of seconds");
    stay_sum_ = std::move(sum);
    for (std::size_t c = 0; c < n_ * n_; ++c) {
        counts_[c] += other.counts_[c];
        stays_[c].insert(stays_[c].end(), other.stays_[c].begin(), other.stays_[c].end());
    }
    for (std::size_t s = 0; s < n_; ++s) {
        starts_[s] += other.starts_[s];
        open_at_end_[s] += other.open_at_end_[s];
        imputed_[s] += other.imputed_[s];
        undated_[s] += other.undated_[s];
        stay_count_[s] += other.stay_count_[s];
    }
    leads_ += other.leads_;
}

bool operator==(const markov_accumulator& a, const markov_accumulator& b) {
    if (!(a.funnel_ == b.funnel_) || a.options_.keep_stays != b.options_.keep_stays ||
        a.options_.open_as_lost_after != b.options_.open_as_lost_after || a.options_.as_of != b.options_.as_of ||
        a.counts_ != b.counts_ || a.starts_ != b.starts_ || a.open_at_end_ != b.open_at_end_ ||
        a.imputed_ != b.imputed_ || a.undated_ != b.undated_ ||
        a.stay_count_ != b.stay_count_ || a.stay_sum_ != b.stay_sum_ || a.leads_ != b.leads_)
        return false;
    for (std::size_t c = 0; c < a.stays_.size(); ++c) {
        if (a.stays_[c].size() != b.stays_[c].size()) return false;
        if (a.stays_[c] == b.stays_[c]) continue;
        auto x = a.stays_[c], y = b.stays_[c];
        std::sort(x.begin(), x.end());
        std::sort(y.begin(), y.end());
        if (x != y) return false;
    }
    return true;
}

markov_accumulator merge(markov_accumulator a, const markov_accumulator& b) {
    a.merge(b);
    return a;
}

markov_accumulator compute_markov(const journeys& j, markov_options options) {
    markov_accumulator a(j.stages(), options);
    a.add(j);
    return a;
}

// ---------------------------------------------------------------------------------------------------------------
// markov_chain

dense_matrix::dense_matrix(std::size_t rows, std::size_t cols, std::vector<double> values)
    : rows_(rows), cols_(cols), values_(std::move(values)) {
    if (values_.size() != rows * cols)
        throw definition_error("dense_matrix: " + std::to_string(values_.size()) + " values for " +
                               std::to_string(rows) + " × " + std::to_string(cols));
}

markov_chain::markov_chain(const funnel& f, const dense_matrix& transitions, std::vector<double> mean_stay_seconds,
                           const markov_matrix_options& options)
    : funnel_(f), p_(f.size(), f.size()), mean_stay_(f.size(), nan), exits_(f.size(), 0),
      stays_(f.size() * f.size()) {
    const std::size_t n = f.size();
    if (transitions.rows() != n || transitions.cols() != n)
        throw definition_error("markov_chain: the transition matrix is " + std::to_string(transitions.rows()) + " × " +
                               std::to_string(transitions.cols()) + " for a funnel of " + std::to_string(n) +
                               " stages");
    const double tolerance = options.row_sum_tolerance;
    if (!(tolerance >= 0 && tolerance < 0.5))
        throw definition_error("markov_chain: row_sum_tolerance " + std::to_string(tolerance) +
                               " is not in [0, 0.5)");
    if (!mean_stay_seconds.empty() && mean_stay_seconds.size() != n)
        throw definition_error("markov_chain: " + std::to_string(mean_stay_seconds.size()) +
                               " mean stays for a funnel of " + std::to_string(n) + " stages");
    for (std::size_t s = 0; s < n; ++s) {
        if (f[s].kind != stage_kind::open) continue;
        double sum = 0;
        for (std::size_t t = 0; t < n; ++t) {
            const double v = transitions(s, t);
            if (!std::isfinite(v) || v < 0)
                throw definition_error("markov_chain: " + stage_label(f, s) + " → stage '" + f[t].name +
                                       "': probability " + std::to_string(v) + " is not a finite non-negative number");
            sum += v;
        }
        const bool rescale = sum != 0 && std::abs(sum - 1) > 1e-9;
        if (rescale && !(std::abs(sum - 1) <= tolerance))
            throw definition_error("markov_chain: the row of " + stage_label(f, s) + " sums to " +
                                   std::to_string(sum) + ", not 1 (or 0 for a stage without data)" +
                                   (tolerance > 0 ? ", and is off by more than the tolerance " +
                                                        std::to_string(tolerance)
                                                  : std::string()));
        if (rescale) normalized_.push_back({s, sum});
        for (std::size_t t = 0; t < n; ++t) p_(s, t) = rescale ? transitions(s, t) / sum : transitions(s, t);
        if (!mean_stay_seconds.empty()) {
            const double m = mean_stay_seconds[s];
            if (!std::isnan(m) && (!std::isfinite(m) || m < 0))
                throw definition_error("markov_chain: the mean stay of " + stage_label(f, s) + " is " +
                                       std::to_string(m) + " seconds");
            mean_stay_[s] = m;
        }
    }
}

markov_chain::markov_chain(const markov_accumulator& counts)
    : funnel_(counts.stages()), p_(funnel_.size(), funnel_.size()), mean_stay_(funnel_.size(), nan),
      exits_(funnel_.size(), 0), stays_(funnel_.size() * funnel_.size()), has_stays_(counts.options().keep_stays) {
    const std::size_t n = funnel_.size();
    for (std::size_t s = 0; s < n; ++s) {
        if (funnel_[s].kind != stage_kind::open) continue;
        exits_[s] = counts.exits(s);
        mean_stay_[s] = counts.mean_stay(s);
        for (std::size_t t = 0; t < n; ++t) {
            if (exits_[s] > 0)
                p_(s, t) = static_cast<double>(counts.transitions(s, t)) / static_cast<double>(exits_[s]);
            if (has_stays_) {
                const auto obs = counts.stays(s, t);
                auto& kept = stays_[s * n + t];
                kept.assign(obs.begin(), obs.end());
                std::sort(kept.begin(), kept.end()); // a canonical order: merged and whole chains are equal
            }
        }
    }
}

std::span<const std::int64_t> markov_chain::stays(std::size_t from, std::size_t to) const {
    const std::size_t n = funnel_.size();
    if (from >= n || to >= n)
        throw std::out_of_range("markov_chain: stage " + std::to_string(std::max(from, to)) + " of " + std::to_string(n));
    return stays_[from * n + to];
}

bool operator==(const markov_chain& a, const markov_chain& b) {
    const auto same_double = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
    if (!(a.funnel_ == b.funnel_) || a.p_ != b.p_ || a.exits_ != b.exits_ || a.has_stays_ != b.has_stays_ ||
        a.stays_ != b.stays_)
        return false;
    for (std::size_t s = 0; s < a.mean_stay_.size(); ++s)
        if (!same_double(a.mean_stay_[s], b.mean_stay_[s])) return false;
    return true;
}

namespace {

using reach_table = std::vector<std::vector<std::uint8_t>>;

/// Which open stages reach which (reflexive) over positive transitions of Q, by a search from each stage.
reach_table reachability(const Eigen::MatrixXd& q) {
    const auto nt = static_cast<std::size_t>(q.rows());
    reach_table reach(nt, std::vector<std::uint8_t>(nt, 0));
    for (std::size_t i = 0; i < nt; ++i) {
        std::vector<std::size_t> todo{i};
        reach[i][i] = 1;
        while (!todo.empty()) {
            const std::size_t k = todo.back();
            todo.pop_back();
            for (std::size_t j = 0; j < nt; ++j)
                if (!reach[i][j] && q(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) > 0) {
                    reach[i][j] = 1;
                    todo.push_back(j);
                }
        }
    }
    return reach;
}

/// The status of each open stage from the shape of the chain alone (ill_conditioned is found when solving).
std::vector<markov_status> chain_status(const Eigen::MatrixXd& q, const Eigen::MatrixXd& rr, const reach_table& reach) {
    const auto nt = static_cast<std::size_t>(q.rows());
    const bool closable = rr.cols() > 0;
    std::vector<std::uint8_t> known(nt), leaks(nt), absorbable(nt);
    for (std::size_t i = 0; i < nt; ++i) {
        const auto ei = static_cast<Eigen::Index>(i);
        known[i] = q.row(ei).sum() + (closable ? rr.row(ei).sum() : 0.0) > 0;
        leaks[i] = closable && rr.row(ei).sum() > 0;
    }
    for (std::size_t i = 0; i < nt; ++i)
        for (std::size_t j = 0; j < nt && !absorbable[i]; ++j) absorbable[i] = reach[i][j] && leaks[j];

    std::vector<markov_status> status(nt, markov_status::ok);
    for (std::size_t i = 0; i < nt; ++i)
        for (std::size_t j = 0; j < nt; ++j) {
            if (!reach[i][j]) continue;
            if (!known[j]) {
                status[i] = markov_status::no_data;
                break;
            }
            // A reachable stage from which nothing closes traps probability: (I − Q) is singular on it.
            if (!absorbable[j]) status[i] = markov_status::never_absorbed;
        }
    return status;
}

/// N = (I − Q)⁻¹ on the stages `ok` (positions among the open stages), or nullopt when I − Q is ill-conditioned
/// there. Pairs that cannot reach each other are exactly 0.
std::optional<Eigen::MatrixXd> fundamental_on(const Eigen::MatrixXd& q, const std::vector<std::size_t>& ok,
                                              const reach_table& reach) {
    const auto eo = static_cast<Eigen::Index>(ok.size());
    const auto at = [&](Eigen::Index a) { return static_cast<Eigen::Index>(ok[static_cast<std::size_t>(a)]); };
    Eigen::MatrixXd m = Eigen::MatrixXd::Identity(eo, eo);
    for (Eigen::Index a = 0; a < eo; ++a)
        for (Eigen::Index b = 0; b < eo; ++b) m(a, b) -= q(at(a), at(b));
    const Eigen::PartialPivLU<Eigen::MatrixXd> lu(m);
    if (!(lu.rcond() >= 1e-12)) return std::nullopt;
    Eigen::MatrixXd inv = lu.inverse();
    for (Eigen::Index a = 0; a < eo; ++a)
        for (Eigen::Index b = 0; b < eo; ++b)
            // Unreachable pairs are exactly 0 in theory; rounding in the LU must not make them tiny non-zeros.
            if (!reach[ok[static_cast<std::size_t>(a)]][ok[static_cast<std::size_t>(b)]]) inv(a, b) = 0;
    return inv;
}

} // namespace

markov_analysis markov_chain::analyze() const {
    markov_analysis r;
    const std::size_t n = funnel_.size();
    for (std::size_t s = 0; s < n; ++s) (funnel_[s].kind == stage_kind::open ? r.transient : r.absorbing).push_back(s);
    const std::size_t nt = r.transient.size(), na = r.absorbing.size();

    // Q (open → open) and R (open → closed).
    Eigen::MatrixXd q(static_cast<Eigen::Index>(nt), static_cast<Eigen::Index>(nt));
    Eigen::MatrixXd rr(static_cast<Eigen::Index>(nt), static_cast<Eigen::Index>(na));
    for (std::size_t i = 0; i < nt; ++i) {
        for (std::size_t j = 0; j < nt; ++j)
            q(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = p_(r.transient[i], r.transient[j]);
        for (std::size_t a = 0; a < na; ++a)
            rr(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(a)) = p_(r.transient[i], r.absorbing[a]);
    }
    const reach_table reach = reachability(q);
    r.status = chain_status(q, rr, reach);
    r.fundamental = dense_matrix(nt, nt, nan);
    r.absorption = dense_matrix(nt, na, nan);
    r.expected_steps.assign(nt, nan);
    r.expected_seconds.assign(nt, nan);

    // Solve on the ok stages only; they are closed under reachability, so no probability leaves them unsolved.
    std::vector<std::size_t> ok;
    for (std::size_t i = 0; i < nt; ++i)
        if (r.status[i] == markov_status::ok) ok.push_back(i);
    if (ok.empty()) return r;
    const auto inv = fundamental_on(q, ok, reach);
    if (!inv) {
        for (const auto i : ok) r.status[i] = markov_status::ill_conditioned;
        return r;
    }
    for (std::size_t a = 0; a < ok.size(); ++a) {
        const std::size_t i = ok[a];
        for (std::size_t j = 0; j < nt; ++j) r.fundamental(i, j) = 0;
        for (std::size_t b = 0; b < ok.size(); ++b)
            r.fundamental(i, ok[b]) = (*inv)(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
        double steps = 0, seconds = 0;
        for (std::size_t j = 0; j < nt; ++j) {
            if (!reach[i][j]) continue;
            steps += r.fundamental(i, j);
            seconds += r.fundamental(i, j) * mean_stay_[r.transient[j]]; // NaN when a reachable stay is unknown
        }
        r.expected_steps[i] = steps;
        r.expected_seconds[i] = seconds;
        for (std::size_t c = 0; c < na; ++c) {
            double p = 0;
            for (std::size_t j = 0; j < nt; ++j)
                if (reach[i][j]) p += r.fundamental(i, j) * rr(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(c));
            r.absorption(i, c) = p;
        }
    }
    return r;
}

// ---------------------------------------------------------------------------------------------------------------
// markov_analysis

bool markov_analysis::ok() const noexcept {
    return std::all_of(status.begin(), status.end(), [](markov_status s) { return s == markov_status::ok; });
}

std::optional<std::size_t> markov_analysis::transient_index(std::size_t stage) const noexcept {
    const auto it = std::find(transient.begin(), transient.end(), stage);
    if (it == transient.end()) return std::nullopt;
    return static_cast<std::size_t>(it - transient.begin());
}

std::optional<std::size_t> markov_analysis::absorbing_index(std::size_t stage) const noexcept {
    const auto it = std::find(absorbing.begin(), absorbing.end(), stage);
    if (it == absorbing.end()) return std::nullopt;
    return static_cast<std::size_t>(it - absorbing.begin());
}

markov_status markov_analysis::status_of(std::size_t stage) const {
    if (const auto i = transient_index(stage)) return status[*i];
    if (absorbing_index(stage)) return markov_status::ok;
    throw std::out_of_range("markov_analysis: stage " + std::to_string(stage) + " is not in the chain");
}

double markov_analysis::absorption_probability(std::size_t from, std::size_t to) const {
    const auto a = absorbing_index(to);
    if (!a) throw std::out_of_range("markov_analysis: stage " + std::to_string(to) + " is not absorbing");
    if (const auto i = transient_index(from))
        return absorption(*i, *a);
    if (absorbing_index(from)) return from == to ? 1.0 : 0.0;
    throw std::out_of_range("markov_analysis: stage " + std::to_string(from) + " is not in the chain");
}

double markov_analysis::win_probability(const funnel& f, std::size_t stage) const {
    if (absorbing_index(stage)) return f[stage].kind == stage_kind::won ? 1.0 : 0.0;
    const auto i = transient_index(stage);
    if (!i) throw std::out_of_range("markov_analysis: stage " + std::to_string(stage) + " is not in the chain");
    double p = 0;
    for (std::size_t a = 0; a < absorbing.size(); ++a)
        if (f[absorbing[a]].kind == stage_kind::won) p += absorption(*i, a);
    return p;
}

double markov_analysis::steps_from(std::size_t stage) const {
    if (absorbing_index(stage)) return 0;
    const auto i = transient_index(stage);
    if (!i) throw std::out_of_range("markov_analysis: stage " + std::to_string(stage) + " is not in the chain");
    return expected_steps[*i];
}

double markov_analysis::seconds_from(std::size_t stage) const {
    if (absorbing_index(stage)) return 0;
    const auto i = transient_index(stage);
    if (!i) throw std::out_of_range("markov_analysis: stage " + std::to_string(stage) + " is not in the chain");
    return expected_seconds[*i];
}

// ---------------------------------------------------------------------------------------------------------------
// outlook

std::vector<stage_outlook> outlook(const markov_chain& chain) { return outlook(chain, chain.analyze()); }

std::vector<stage_outlook> outlook(const markov_chain& chain, const markov_analysis& a) {
    constexpr double day = 86400;
    std::vector<stage_outlook> out;
    for (std::size_t i = 0; i < a.transient.size(); ++i) {
        const std::size_t s = a.transient[i];
        stage_outlook o;
        o.stage = s;
        o.name = chain.stages()[s].name;
        o.status = a.status[i];
        o.exits = chain.exits(s);
        o.win_probability = a.win_probability(chain.stages(), s);
        o.expected_steps = a.steps_from(s);
        o.expected_days = a.seconds_from(s) / day;
        o.mean_stay_days = chain.mean_stay(s) / day;
        out.push_back(std::move(o));
    }
    return out;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const dense_matrix&, const dense_matrix&) = default;

} // namespace leadscore
