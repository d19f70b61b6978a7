#include "leadscore/funnel/forecast.hpp"
#include "../core/messages.hpp"
#include "../core/numbers.hpp"

#include "../core/random.hpp"

#include "leadscore/core/batch.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace leadscore {

namespace {

using detail::nan;
using detail::max_cents;


std::string deal_label(std::size_t i) { return "deal " + std::to_string(i); }

// ---- random numbers: xoshiro256** seeded by splitmix64, as the generator's streams ----------------------------

class path_rng : public detail::xoshiro256ss {
public:
    /// The stream of one deal in one path: a function of (seed, path, key) only.
    path_rng(std::uint64_t seed, std::uint64_t path, std::uint64_t key) noexcept
        : xoshiro256ss(detail::mix64(detail::mix64(detail::mix64(seed) + path * detail::golden_gamma) + key)) {}
};

/// Type 7 percentile of sorted values.
double percentile(const std::vector<double>& sorted, double q) {
    const double h = static_cast<double>(sorted.size() - 1) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

template <class T>
forecast_quantiles quantiles(std::span<const T> per_path, double scale) {
    forecast_quantiles q;
    if (per_path.empty()) return q;
    std::vector<double> v(per_path.size());
    long double sum = 0;
    for (std::size_t i = 0; i < per_path.size(); ++i) {
        v[i] = static_cast<double>(per_path[i]) / scale;
        sum += static_cast<long double>(per_path[i]);
    }
    std::sort(v.begin(), v.end());
    q.mean = static_cast<double>(sum / static_cast<long double>(per_path.size())) / scale;
    q.p10 = percentile(v, 0.1);
    q.p50 = percentile(v, 0.5);
    q.p90 = percentile(v, 0.9);
    return q;
}

} // namespace

std::uint64_t deal_key(std::string_view id) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : id) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::vector<open_deal> open_deals(const journeys& j, timestamp as_of) {
    const auto& h = j.history();
    const auto& f = j.stages();
    const auto offsets = j.offsets();
    const auto stage = j.stage_at();
    const auto time = j.time_at();
    const auto order = j.order();
    const std::int64_t now = to_seconds(as_of);
    std::vector<open_deal> out;
    for (std::size_t l = 0; l < j.leads(); ++l) {
        const std::size_t b = offsets[l], e = offsets[l + 1];
        if (b == e) continue;
        // Dated entries are in time order within a lead: the latest dated one decides.
        for (std::size_t p = e; p-- > b;)
            if (time[p] != missing_time) {
                if (time[p] > now)
                    throw definition_error("open_deals: lead '" + std::string(h.lead_ids[static_cast<std::int32_t>(l)]) +
                                           "' has an entry dated " + format_timestamp(from_seconds(time[p]), false) +
                                           ", after as_of " + format_timestamp(as_of, false));
                break;
            }
        const std::size_t last = stage[e - 1];
        if (f[last].kind != stage_kind::open) continue;
        open_deal d;
        d.stage = last;
        d.entered = time[e - 1];
        for (std::size_t p = e; p-- > b;)
            if (!std::isnan(h.value[order[p]])) {
                d.value = h.value[order[p]];
                break;
            }
        d.key = deal_key(h.lead_ids[static_cast<std::int32_t>(l)]);
        out.push_back(d);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Weighted pipeline

std::int64_t prorated_cents(double value, double probability_percent) {
    if (!std::isfinite(value) || value < 0)
        throw definition_error("weighted pipeline: value " + detail::exact_number(value) + " is not a finite non-negative amount");
    if (!(probability_percent >= 0 && probability_percent <= 100))
        throw definition_error("weighted pipeline: probability " + detail::exact_number(probability_percent) +
                               " % is outside 0..100");
    // value × probability / 100 in cents is value × probability. Taken to 15 significant digits (what a double
    // holds of a decimal for certain), so the decimal the user wrote rounds, not its binary neighbour.
    const double cents = value * probability_percent;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.14e", cents);
    const double decimal = std::strtod(buf, nullptr);
    if (!(decimal < static_cast<double>(max_cents)))
        throw definition_error("weighted pipeline: value " + detail::exact_number(value) + " at " + detail::exact_number(probability_percent) +
                               " % is beyond 2^62 cents");
    return std::llround(decimal);
}

void weighted_pipeline::add(double value, double probability_percent) {
    if (std::isnan(value)) {
        ++without_value;
        return;
    }
    if (std::isnan(probability_percent)) {
        // Still refuse a bad value, so the fault is not hidden behind the missing probability.
        (void)prorated_cents(value, 0);
        ++without_probability;
        return;
    }
    const std::int64_t c = prorated_cents(value, probability_percent);
    std::int64_t sum = 0;
    if (__builtin_add_overflow(cents, c, &sum) || sum >= max_cents)
        throw definition_error("weighted pipeline: the sum is beyond 2^62 cents");
    cents = sum;
    ++deals;
}

void weighted_pipeline::add(std::span<const open_deal> list, const markov_chain& chain) {
    const auto a = chain.analyze();
    const auto& f = chain.stages();
    weighted_pipeline sum = *this; // all or nothing: a fault leaves this pipeline unchanged
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& d = list[i];
        if (d.stage >= f.size() || f[d.stage].kind != stage_kind::open)
            throw definition_error("weighted pipeline: " + deal_label(i) + ": stage " + std::to_string(d.stage) +
                                   " is not an open stage of the funnel");
        const double p = a.status_of(d.stage) == markov_status::ok ? 100.0 * a.win_probability(f, d.stage) : nan;
        try {
            // Rounding can put 100 × P a hair above 100.
            sum.add(d.value, std::isnan(p) ? p : std::min(p, 100.0));
        } catch (const definition_error& e) {
            throw definition_error(deal_label(i) + ": " + e.what());
        }
    }
    *this = sum;
}

void weighted_pipeline::merge(const weighted_pipeline& o) {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(cents, o.cents, &sum) || sum >= max_cents || sum <= -max_cents)
        throw definition_error("weighted pipeline: the sum is beyond 2^62 cents");
    cents = sum;
    deals += o.deals;
    without_value += o.without_value;
    without_probability += o.without_probability;
}

// ---------------------------------------------------------------------------------------------------------------
// Monte Carlo forecast

std::string_view to_string(dwell_model m) noexcept {
    switch (m) {
    case dwell_model::empirical: return "empirical";
    case dwell_model::exponential: return "exponential";
    }
    return "?";
}

forecast_accumulator::forecast_accumulator(const markov_chain& chain, timestamp as_of, forecast_options options)
    : chain_(&chain), as_of_(as_of), options_(options) {
    if (options_.paths == 0) throw definition_error("forecast: paths must be at least 1");
    if (options_.horizon.count() < 0) throw definition_error("forecast: the horizon is negative");
    if (to_seconds(as_of) == missing_time) throw definition_error("forecast: as_of is missing");
    if (options_.dwell == dwell_model::empirical && !chain.has_stays())
        throw definition_error("forecast: the empirical dwell model resamples observed stays, and this chain has "
                               "none (estimate it with keep_stays, or use dwell_model::exponential)");
    won_.assign(options_.paths, 0);
    revenue_.assign(options_.paths, 0);
}

namespace {

/// What the simulation needs of the chain, laid out flat.
struct sim_chain {
    std::size_t n = 0;
    std::vector<double> cumulative;        // n × n: cumulative transition probabilities per row
    std::vector<double> row_total;         // n
    std::vector<std::uint8_t> open, won;   // n
    std::vector<double> mean_stay;         // n
    std::vector<std::uint64_t> stay_cum;   // n × n: cumulative counts of observed stays per row
    std::vector<std::span<const std::int64_t>> stays; // n × n

    explicit sim_chain(const markov_chain& c) : n(c.stages().size()) {
        cumulative.assign(n * n, 0);
        row_total.assign(n, 0);
        open.assign(n, 0);
        won.assign(n, 0);
        mean_stay.assign(n, nan);
        stay_cum.assign(n * n, 0);
        stays.resize(n * n);
        const auto& p = c.transitions();
        for (std::size_t s = 0; s < n; ++s) {
            open[s] = c.stages()[s].kind == stage_kind::open;
            won[s] = c.stages()[s].kind == stage_kind::won;
            if (!open[s]) continue;
            mean_stay[s] = c.mean_stay(s);
            double acc = 0;
            std::uint64_t count = 0;
            for (std::size_t t = 0; t < n; ++t) {
                acc += p(s, t);
                cumulative[s * n + t] = acc;
                stays[s * n + t] = c.stays(s, t);
                count += stays[s * n + t].size();
                stay_cum[s * n + t] = count;
            }
            row_total[s] = acc;
        }
    }

    /// The next stage from s by the transition probabilities (u uniform on [0, 1)).
    [[nodiscard]] std::size_t next(std::size_t s, double u) const noexcept {
        const double* row = &cumulative[s * n];
        const double x = u * row_total[s]; // a row of a chain from a matrix may sum to 1 ± 1e-9
        std::size_t last = 0;
        for (std::size_t t = 0; t < n; ++t) {
            const double width = row[t] - (t == 0 ? 0.0 : row[t - 1]);
            if (width <= 0) continue;
            if (x < row[t]) return t;
            last = t;
        }
        return last; // x rounded to the row's end: the last stage with a positive probability
    }
};

/// A deal ready for simulation.
struct prepared_deal {
    std::size_t stage;
    std::int64_t age;    // seconds in the stage at as_of, or -1 when unknown
    std::int64_t cents;  // 0 without value
    std::uint64_t key;
    std::size_t first;   // offset of its conditioned first-step table in prepared::first_cum (or npos)
};

struct tallies {
    std::uint64_t stuck = 0, unknown_stays = 0, step_limit = 0;
};

constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// The deals ready for simulation. For the empirical model, a deal of known age a also gets its conditioned first
/// step: per destination, the first observed stay longer than a (lower) and a running count of such exits (cum), so
/// one draw picks destination and stay.
struct prepared_deals {
    std::vector<prepared_deal> deals;
    std::vector<std::uint64_t> first_cum, first_lower; // n entries per deal with a conditioned first step
    std::uint64_t without_value = 0;
};

/// Checks every deal and prepares it (see prepared_deals). Throws definition_error naming the deal.
prepared_deals prepare(std::span<const open_deal> deals, const sim_chain& c, std::int64_t now, bool empirical) {
    const std::size_t n = c.n;
    prepared_deals out;
    out.deals.reserve(deals.size());
    for (std::size_t i = 0; i < deals.size(); ++i) {
        const auto& d = deals[i];
        if (d.stage >= n || !c.open[d.stage])
            throw definition_error("forecast: " + deal_label(i) + ": stage " + std::to_string(d.stage) +
                                   " is not an open stage of the funnel");
        if (d.entered != missing_time && d.entered > now)
            throw definition_error("forecast: " + deal_label(i) + ": entered its stage after as_of");
        prepared_deal p{d.stage, -1, 0, d.key, npos};
        // An age beyond 2^63 seconds is older than any stay: saturate instead of overflowing.
        if (d.entered != missing_time && __builtin_sub_overflow(now, d.entered, &p.age))
            p.age = std::numeric_limits<std::int64_t>::max();
        if (std::isnan(d.value)) {
            ++out.without_value;
        } else {
            if (!std::isfinite(d.value) || d.value < 0 || d.value * 100 >= static_cast<double>(max_cents))
                throw definition_error("forecast: " + deal_label(i) + ": value " + detail::exact_number(d.value) +
                                       " is not a finite non-negative amount below 2^62 cents");
            p.cents = std::llround(d.value * 100);
        }
        if (empirical && p.age >= 0) {
            std::uint64_t count = 0;
            const std::size_t at = out.first_cum.size();
            for (std::size_t t = 0; t < n; ++t) {
                const auto s = c.stays[d.stage * n + t];
                const auto lower = static_cast<std::uint64_t>(std::upper_bound(s.begin(), s.end(), p.age) - s.begin());
                count += s.size() - lower;
                out.first_cum.push_back(count);
                out.first_lower.push_back(lower);
            }
            if (count > 0) {
                p.first = at;
            } else {
                out.first_cum.resize(at);
                out.first_lower.resize(at);
            }
        }
        out.deals.push_back(p);
    }
    return out;
}

/// Simulates prepared deals through the chain, path by path.
class path_simulator {
public:
    path_simulator(const sim_chain& c, const prepared_deals& p, const forecast_options& o)
        : c_(c), p_(p), horizon_(static_cast<double>(o.horizon.count())), max_steps_(o.max_steps), seed_(o.seed),
          empirical_(o.dwell == dwell_model::empirical) {}

    /// Paths [begin, end): adds each path's wins and revenue to won[path] and revenue[path], counts faults in
    /// `tally`. Throws definition_error for the first path whose revenue passes 2^62 cents.
    void run(std::size_t begin, std::size_t end, std::span<std::uint64_t> won, std::span<std::int64_t> revenue,
             tallies& tally) const {
        for (std::size_t path = begin; path < end; ++path) {
            std::uint64_t w = won[path];
            std::int64_t cents = revenue[path];
            bool overflowed = false;
            for (const auto& d : p_.deals)
                if (simulate(d, path, tally)) {
                    ++w;
                    overflowed = overflowed || __builtin_add_overflow(cents, d.cents, &cents) || cents >= max_cents;
                }
            if (overflowed)
                throw definition_error("forecast: path " + std::to_string(path) + ": revenue beyond 2^62 cents");
            won[path] = w;
            revenue[path] = cents;
        }
    }

private:
    /// One deal in one path: true when it is won within the horizon.
    bool simulate(const prepared_deal& d, std::uint64_t path, tallies& tally) const {
        const std::size_t n = c_.n;
        path_rng r(seed_, path, d.key);
        std::size_t s = d.stage;
        double t = 0; // seconds after as_of
        for (std::uint32_t step = 0;; ++step) {
            if (c_.row_total[s] <= 0) {
                ++tally.stuck;
                return false;
            }
            if (step == max_steps_) {
                ++tally.step_limit;
                return false;
            }
            std::size_t next = 0;
            double stay = 0;
            if (step == 0 && d.first != npos) {
                const std::uint64_t* cum = &p_.first_cum[d.first];
                const std::uint64_t u = r.below(cum[n - 1]);
                while (cum[next] <= u) ++next;
                const std::uint64_t index = p_.first_lower[d.first + next] + (u - (next == 0 ? 0 : cum[next - 1]));
                stay = static_cast<double>(c_.stays[s * n + next][index] - d.age); // residual, > 0
            } else {
                next = c_.next(s, r.uniform());
                stay = fresh_stay(r, s, next, tally);
            }
            t += stay;
            if (t > horizon_) return false;
            s = next;
            if (!c_.open[s]) return c_.won[s] && t > 0;
        }
    }

    /// A stay in s before moving to `next`, drawn by the dwell model; 0 (counted) when none is known.
    double fresh_stay(path_rng& r, std::size_t s, std::size_t next, tallies& tally) const {
        if (empirical_) {
            if (const auto x = observed_stay(r, s, next)) return static_cast<double>(*x);
        } else if (!std::isnan(c_.mean_stay[s])) {
            return -c_.mean_stay[s] * std::log1p(-r.uniform());
        }
        ++tally.unknown_stays;
        return 0;
    }

    /// A uniformly drawn observed stay of s → t, of any s → · when that pair has none; nullopt when s has none.
    std::optional<std::int64_t> observed_stay(path_rng& r, std::size_t s, std::size_t t) const {
        const std::size_t n = c_.n;
        const auto own = c_.stays[s * n + t];
        if (!own.empty()) return own[r.below(own.size())];
        const std::uint64_t total = c_.stay_cum[s * n + n - 1];
        if (total == 0) return std::nullopt;
        const std::uint64_t u = r.below(total);
        std::size_t k = 0;
        while (c_.stay_cum[s * n + k] <= u) ++k;
        return c_.stays[s * n + k][u - (k == 0 ? 0 : c_.stay_cum[s * n + k - 1])];
    }

    const sim_chain& c_;
    const prepared_deals& p_;
    double horizon_;
    std::uint32_t max_steps_;
    std::uint64_t seed_;
    bool empirical_;
};

} // namespace

void forecast_accumulator::add(std::span<const open_deal> deals) {
    const sim_chain c(*chain_);
    const prepared_deals prepared = prepare(deals, c, to_seconds(as_of_), options_.dwell == dwell_model::empirical);
    const path_simulator simulator(c, prepared, options_);

    // Paths are independent (each deal-path draws from its own stream), so parts of paths run on their own threads;
    // tallies are integer sums, the same for any split. Small forecasts stay on one thread: starting a team costs
    // more than a few thousand simulated deals.
    const std::size_t paths = options_.paths;
    std::vector<std::uint64_t> won = won_;
    std::vector<std::int64_t> revenue = revenue_;
    const double work = static_cast<double>(paths) * static_cast<double>(prepared.deals.size());
    const auto parts = detail::split_rows(0, paths, work < 65536 ? 1u : options_.threads, 1);
    std::vector<tallies> tally(parts.count);
    detail::for_each_part(parts, [&](std::size_t k, std::size_t begin, std::size_t end) {
        simulator.run(begin, end, won, revenue, tally[k]);
    });
    won_ = std::move(won);
    revenue_ = std::move(revenue);
    deals_ += prepared.deals.size();
    without_value_ += prepared.without_value;
    for (const auto& x : tally) {
        stuck_ += x.stuck;
        unknown_stays_ += x.unknown_stays;
        step_limit_ += x.step_limit;
    }
}

void forecast_accumulator::merge(const forecast_accumulator& other) {
    if (!(options_.horizon == other.options_.horizon && options_.paths == other.options_.paths &&
          options_.seed == other.options_.seed && options_.dwell == other.options_.dwell &&
          options_.max_steps == other.options_.max_steps && as_of_ == other.as_of_))
        throw definition_error("forecast_accumulator::merge: different as_of or options");
    if (chain_ != other.chain_ && !(*chain_ == *other.chain_))
        throw definition_error("forecast_accumulator::merge: different chains");
    auto revenue = revenue_;
    for (std::size_t k = 0; k < revenue.size(); ++k)
        if (__builtin_add_overflow(revenue[k], other.revenue_[k], &revenue[k]) || revenue[k] >= max_cents)
            throw definition_error("forecast_accumulator::merge: path " + std::to_string(k) +
                                   ": revenue beyond 2^62 cents");
    revenue_ = std::move(revenue);
    for (std::size_t k = 0; k < won_.size(); ++k) won_[k] += other.won_[k];
    deals_ += other.deals_;
    without_value_ += other.without_value_;
    stuck_ += other.stuck_;
    unknown_stays_ += other.unknown_stays_;
    step_limit_ += other.step_limit_;
}

forecast_result forecast_accumulator::result() const {
    forecast_result r;
    r.paths = options_.paths;
    r.deals = deals_;
    r.won = quantiles(std::span<const std::uint64_t>(won_), 1.0);
    r.revenue = quantiles(std::span<const std::int64_t>(revenue_), 100.0);
    r.without_value = without_value_;
    r.stuck = stuck_;
    r.unknown_stays = unknown_stays_;
    r.step_limit = step_limit_;
    return r;
}

bool operator==(const forecast_accumulator& a, const forecast_accumulator& b) {
    const auto same_options = a.options_.horizon == b.options_.horizon && a.options_.paths == b.options_.paths &&
                              a.options_.seed == b.options_.seed && a.options_.dwell == b.options_.dwell &&
                              a.options_.max_steps == b.options_.max_steps;
    return same_options && a.as_of_ == b.as_of_ && (a.chain_ == b.chain_ || *a.chain_ == *b.chain_) &&
           a.won_ == b.won_ && a.revenue_ == b.revenue_ && a.deals_ == b.deals_ &&
           a.without_value_ == b.without_value_ && a.stuck_ == b.stuck_ && a.unknown_stays_ == b.unknown_stays_ &&
           a.step_limit_ == b.step_limit_;
}

forecast_accumulator merge(forecast_accumulator a, const forecast_accumulator& b) {
    a.merge(b);
    return a;
}

forecast_result forecast(const markov_chain& chain, std::span<const open_deal> deals, timestamp as_of,
                         forecast_options options) {
    forecast_accumulator a(chain, as_of, options);
    a.add(deals);
    return a.result();
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const weighted_pipeline&, const weighted_pipeline&) = default;
bool operator==(const forecast_options&, const forecast_options&) = default;

} // namespace leadscore
