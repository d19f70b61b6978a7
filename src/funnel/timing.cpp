#include "leadscore/funnel/timing.hpp"

#include "leadscore/core/batch.hpp"

#include <algorithm>
#include <cmath>
#include <span>

namespace leadscore {

// ---------------------------------------------------------------------------------------------------------------
// Statistics

double survival_curve::survival_at(std::int64_t t) const noexcept {
    double s = 1;
    for (const auto& step : steps) {
        if (step.time > t) break;
        s = step.survival;
    }
    return s;
}

std::optional<std::int64_t> survival_curve::quantile(double q) const noexcept {
    if (!(q > 0 && q < 1)) return std::nullopt;
    // A tiny tolerance so S = 0.5 computed as 0.5000000000000001 still reaches the median.
    const double target = 1 - q + 1e-12;
    for (const auto& step : steps)
        if (step.survival <= target) return step.time;
    return std::nullopt;
}

survival_curve kaplan_meier(std::span<const std::int64_t> events, std::span<const std::int64_t> censored) {
    std::vector<std::int64_t> e(events.begin(), events.end()), c(censored.begin(), censored.end());
    std::sort(e.begin(), e.end());
    std::sort(c.begin(), c.end());
    if ((!e.empty() && e.front() < 0) || (!c.empty() && c.front() < 0))
        throw definition_error("kaplan_meier: a negative duration");
    survival_curve out;
    out.events = e.size();
    out.censored = c.size();
    double s = 1;
    std::size_t ci = 0; // censored durations below the current time have left the risk set
    for (std::size_t i = 0; i < e.size();) {
        const std::int64_t t = e[i];
        std::size_t k = i;
        while (k < e.size() && e[k] == t) ++k;
        while (ci < c.size() && c[ci] < t) ++ci;
        const std::uint64_t at_risk = (e.size() - i) + (c.size() - ci);
        const std::uint64_t d = k - i;
        s *= 1 - static_cast<double>(d) / static_cast<double>(at_risk);
        out.steps.push_back({t, at_risk, d, s});
        i = k;
    }
    return out;
}

duration_summary summarize(std::span<const std::int64_t> durations) {
    duration_summary out;
    out.count = durations.size();
    if (durations.empty()) return out;
    std::vector<std::int64_t> x(durations.begin(), durations.end());
    std::sort(x.begin(), x.end());
    // Summed in sorted order, so the mean does not depend on how the values were gathered.
    long double sum = 0;
    for (const auto v : x) sum += static_cast<long double>(v);
    out.mean = static_cast<double>(sum / static_cast<long double>(x.size()));
    const auto pct = [&](double q) {
        const double h = static_cast<double>(x.size() - 1) * q;
        const auto lo = static_cast<std::size_t>(std::floor(h));
        if (lo + 1 >= x.size()) return static_cast<double>(x[lo]);
        return static_cast<double>(x[lo]) + (h - static_cast<double>(lo)) * static_cast<double>(x[lo + 1] - x[lo]);
    };
    out.min = static_cast<double>(x.front());
    out.max = static_cast<double>(x.back());
    out.p10 = pct(0.10);
    out.p25 = pct(0.25);
    out.median = pct(0.5);
    out.p75 = pct(0.75);
    out.p90 = pct(0.90);
    return out;
}

void duration_sample::merge(const duration_sample& o) {
    closed.insert(closed.end(), o.closed.begin(), o.closed.end());
    censored.insert(censored.end(), o.censored.begin(), o.censored.end());
    unknown += o.unknown;
}

bool operator==(const duration_sample& a, const duration_sample& b) {
    if (a.unknown != b.unknown || a.closed.size() != b.closed.size() || a.censored.size() != b.censored.size())
        return false;
    const auto same = [](std::vector<std::int64_t> x, std::vector<std::int64_t> y) {
        std::sort(x.begin(), x.end());
        std::sort(y.begin(), y.end());
        return x == y;
    };
    return same(a.closed, b.closed) && same(a.censored, b.censored);
}

// ---------------------------------------------------------------------------------------------------------------
// The accumulator

timing_accumulator::timing_accumulator(const funnel& f, timestamp as_of, timing_options options)
    : funnel_(f), as_of_(as_of), options_(options), in_stage_(f.size()) {
    if (to_seconds(as_of) == missing_time) throw definition_error("timing: as_of is missing");
}

void timing_accumulator::add(const journeys& j) { add(j, 0, j.leads()); }

namespace {

/// The durations of one part of the leads.
struct timing_partial {
    std::vector<duration_sample> in_stage;
    duration_sample to_close, to_won;
};

/// What the duration pass reads: the journeys' columns, the stage kinds and the observation time.
struct timing_columns {
    std::span<const std::uint32_t> off;
    std::span<const std::uint16_t> st;
    std::span<const std::int64_t> tm;
    std::vector<unsigned char> open, won; // per stage
    std::int64_t now = 0;
};

/// The durations of leads [begin, end): stays in each stage, first touch to close and to won.
timing_partial collect_durations(const timing_columns& c, std::size_t begin, std::size_t end) {
    const auto off = c.off;
    const auto st = c.st;
    const auto tm = c.tm;
    const unsigned char* const open = c.open.data();
    const unsigned char* const won = c.won.data();
    const std::int64_t now = c.now;
    timing_partial part;
    part.in_stage.resize(c.open.size());
    for (std::size_t l = begin; l < end; ++l) {
        const std::size_t b = off[l], e = off[l + 1];
        if (b == e) continue;
        for (std::size_t p = b; p + 1 < e; ++p) {
            auto& d = part.in_stage[st[p]];
            if (tm[p] == missing_time || tm[p + 1] == missing_time) ++d.unknown;
            else d.closed.push_back(tm[p + 1] - tm[p]);
        }
        const std::size_t last = e - 1;
        if (open[st[last]]) {
            auto& d = part.in_stage[st[last]];
            if (tm[last] == missing_time) ++d.unknown;
            else d.censored.push_back(now - tm[last]);
        }
        // First touch: the first dated entry.
        std::size_t first = b;
        while (first < e && tm[first] == missing_time) ++first;
        // to_close
        if (open[st[last]]) {
            if (first < e) part.to_close.censored.push_back(now - tm[first]);
            else ++part.to_close.unknown;
        } else if (tm[last] == missing_time || first > last || (first == last && first != b)) {
            ++part.to_close.unknown;
        } else {
            part.to_close.closed.push_back(tm[last] - tm[first]);
        }
        // to_won
        std::size_t w = b;
        while (w < e && !won[st[w]]) ++w;
        if (w < e) {
            if (tm[w] == missing_time || first > w || (first == w && first != b)) ++part.to_won.unknown;
            else part.to_won.closed.push_back(tm[w] - tm[first]);
        }
    }
    return part;
}

/// An entry after as_of would make a negative censored time: refuses it, naming the first such entry of leads
/// [begin, end).
void check_as_of(const journeys& j, std::size_t begin, std::size_t end, timestamp as_of) {
    const auto off = j.offsets();
    const auto tm = j.time_at();
    const std::int64_t now = to_seconds(as_of);
    for (std::size_t p = off[begin]; p < off[end]; ++p)
        if (tm[p] != missing_time && tm[p] > now) {
            const auto e = j.order()[p];
            const auto& h = j.history();
            throw definition_error("timing: entry " + std::to_string(e) + " (lead '" +
                                   std::string(h.lead_ids[h.lead[e]]) + "', stage '" +
                                   j.stages()[j.stage_at()[p]].name + "') at " +
                                   format_timestamp(from_seconds(tm[p])) + " is after as_of " +
                                   format_timestamp(as_of));
        }
}

} // namespace

void timing_accumulator::add(const journeys& j, std::size_t begin, std::size_t end) {
    if (!(j.stages() == funnel_)) throw definition_error("timing: the journeys use another funnel");
    if (begin > end || end > j.leads())
        throw definition_error("timing: leads [" + std::to_string(begin) + ", " + std::to_string(end) +
                               ") outside the " + std::to_string(j.leads()) + " leads");
    check_as_of(j, begin, end, as_of_);
    const std::size_t S = funnel_.size();
    timing_columns c{j.offsets(), j.stage_at(), j.time_at(), std::vector<unsigned char>(S),
                     std::vector<unsigned char>(S), to_seconds(as_of_)};
    for (std::size_t s = 0; s < S; ++s) {
        c.open[s] = funnel_[s].kind == stage_kind::open;
        c.won[s] = funnel_[s].kind == stage_kind::won;
    }
    // Parts are merged in lead order, so the kept durations are in lead order for any thread count.
    detail::map_parts(detail::split_rows(begin, end, options_.threads),
                      [&](std::size_t b, std::size_t e) { return collect_durations(c, b, e); },
                      [&](timing_partial&& part) {
                          for (std::size_t s = 0; s < S; ++s) in_stage_[s].merge(part.in_stage[s]);
                          to_close_.merge(part.to_close);
                          to_won_.merge(part.to_won);
                      });
}

void timing_accumulator::merge(const timing_accumulator& other) {
    if (!(other.funnel_ == funnel_)) throw definition_error("timing: merging durations of different funnels");
    if (other.as_of_ != as_of_) throw definition_error("timing: merging durations observed at different times");
    for (std::size_t s = 0; s < in_stage_.size(); ++s) in_stage_[s].merge(other.in_stage_[s]);
    to_close_.merge(other.to_close_);
    to_won_.merge(other.to_won_);
}

bool operator==(const timing_accumulator& a, const timing_accumulator& b) {
    return a.funnel_ == b.funnel_ && a.as_of_ == b.as_of_ && a.in_stage_ == b.in_stage_ &&
           a.to_close_ == b.to_close_ && a.to_won_ == b.to_won_;
}

timing_accumulator merge(timing_accumulator a, const timing_accumulator& b) {
    a.merge(b);
    return a;
}

timing_accumulator compute_timing(const journeys& j, timestamp as_of, timing_options options) {
    timing_accumulator acc(j.stages(), as_of, options);
    acc.add(j);
    return acc;
}

std::optional<timestamp> latest_entry(const stage_history& h) noexcept {
    std::optional<std::int64_t> best;
    for (const auto t : h.entered)
        if (t != missing_time && (!best || t > *best)) best = t;
    if (!best) return std::nullopt;
    return from_seconds(*best);
}

} // namespace leadscore
