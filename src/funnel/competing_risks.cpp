#include "leadscore/funnel/competing_risks.hpp"
#include "journey_checks.hpp"

#include "leadscore/core/batch.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore {

// ---------------------------------------------------------------------------------------------------------------
// The estimator

incidence_point incidence_curve::at(std::int64_t t) const noexcept {
    incidence_point p;
    for (const auto& s : steps) {
        if (s.time > t) break;
        p = {s.survival, s.won_incidence, s.lost_incidence, s.won_variance, s.lost_variance};
    }
    return p;
}

bool incidence_curve::observed_at(std::int64_t t) const noexcept {
    return t <= follow_up || (!steps.empty() && steps.back().survival == 0);
}

survival_curve incidence_curve::time_to_close() const {
    survival_curve km;
    km.events = won + lost;
    km.censored = censored;
    km.steps.reserve(steps.size());
    for (const auto& s : steps) km.steps.push_back({s.time, s.at_risk, s.won + s.lost, s.survival});
    return km;
}

namespace {

/// The running sums of one cause's variance: V(t) = A − 2 F(t) B + F(t)² C, each step adding w (α − β F(t))² in
/// expanded form, so V at any step costs O(1) however many steps came before.
struct cif_variance_sums {
    double a = 0, b = 0, c = 0;
    void add(double w, double alpha, double beta) noexcept {
        a += w * alpha * alpha;
        b += w * alpha * beta;
        c += w * beta * beta;
    }
    [[nodiscard]] double at(double f) const noexcept { return std::max(0.0, a - 2 * f * b + f * f * c); }
};

/// w = S(tᵢ₋₁)² c(d) d / n², with the ties correction c(d) = 1 − (d − 1) / (n − 1).
double cif_term_weight(double s_before, std::uint64_t d, std::uint64_t n) noexcept {
    const double nd = static_cast<double>(n), dd = static_cast<double>(d);
    const double ties = d > 1 ? 1 - (dd - 1) / (nd - 1) : 1.0;
    return s_before * s_before * ties * dd / (nd * nd);
}

/// Adds step i's terms to one cause's sums: `own` events of the cause, `other` of the competing one.
void add_cif_terms(cif_variance_sums& v, double s_before, double s_after, double f_after, std::uint64_t own,
                   std::uint64_t other, std::uint64_t n) noexcept {
    const double inv = s_after > 0 ? 1 / s_after : 0.0;
    if (other > 0 && s_after > 0) v.add(cif_term_weight(s_before, other, n), f_after * inv, inv);
    if (own > 0) v.add(cif_term_weight(s_before, own, n), 1 + f_after * inv, inv);
}

std::vector<std::int64_t> sorted_times(std::span<const std::int64_t> x) {
    std::vector<std::int64_t> v(x.begin(), x.end());
    std::sort(v.begin(), v.end());
    if (!v.empty() && v.front() < 0) throw definition_error("aalen_johansen: a negative time");
    return v;
}

} // namespace

incidence_curve aalen_johansen(std::span<const std::int64_t> won, std::span<const std::int64_t> lost,
                               std::span<const std::int64_t> censored) {
    const auto w = sorted_times(won), l = sorted_times(lost), c = sorted_times(censored);
    incidence_curve out;
    out.won = w.size();
    out.lost = l.size();
    out.censored = c.size();
    for (const auto* v : {&w, &l, &c})
        if (!v->empty()) out.follow_up = std::max(out.follow_up, v->back());
    double s = 1, fw = 0, fl = 0;
    cif_variance_sums vw, vl;
    std::size_t wi = 0, li = 0, ci = 0; // times below the current one have left the risk set
    const std::uint64_t all = w.size() + l.size() + c.size();
    while (wi < w.size() || li < l.size()) {
        const std::int64_t t = std::min(wi < w.size() ? w[wi] : l[li], li < l.size() ? l[li] : w[wi]);
        while (ci < c.size() && c[ci] < t) ++ci;
        const std::uint64_t n = all - wi - li - ci;
        std::uint64_t dw = 0, dl = 0;
        while (wi + dw < w.size() && w[wi + dw] == t) ++dw;
        while (li + dl < l.size() && l[li + dl] == t) ++dl;
        const double nd = static_cast<double>(n);
        const double s_before = s;
        fw += s_before * static_cast<double>(dw) / nd;
        fl += s_before * static_cast<double>(dl) / nd;
        s *= 1 - static_cast<double>(dw + dl) / nd;
        add_cif_terms(vw, s_before, s, fw, dw, dl, n);
        add_cif_terms(vl, s_before, s, fl, dl, dw, n);
        out.steps.push_back({t, n, dw, dl, s, fw, fl, vw.at(fw), vl.at(fl)});
        wi += dw;
        li += dl;
    }
    return out;
}

incidence_interval incidence_confidence(double f, double variance, double z) {
    if (std::isnan(f) || std::isnan(variance)) return {f, f};
    if (f <= 0) return {0, 0};
    if (f >= 1) return {1, 1};
    const double k = z * std::sqrt(variance) / (f * std::log(f)); // negative: ln f < 0
    return {std::pow(f, std::exp(-k)), std::pow(f, std::exp(k))};
}

// ---------------------------------------------------------------------------------------------------------------
// Samples

void competing_sample::merge(const competing_sample& o) {
    won.insert(won.end(), o.won.begin(), o.won.end());
    lost.insert(lost.end(), o.lost.begin(), o.lost.end());
    censored.insert(censored.end(), o.censored.begin(), o.censored.end());
    unknown += o.unknown;
}

bool operator==(const competing_sample& a, const competing_sample& b) {
    const auto same = [](std::vector<std::int64_t> x, std::vector<std::int64_t> y) {
        std::sort(x.begin(), x.end());
        std::sort(y.begin(), y.end());
        return x == y;
    };
    return a.unknown == b.unknown && same(a.won, b.won) && same(a.lost, b.lost) && same(a.censored, b.censored);
}

// ---------------------------------------------------------------------------------------------------------------
// The accumulator

competing_risks_accumulator::competing_risks_accumulator(const funnel& f, timestamp as_of,
                                                         competing_risks_options options)
    : funnel_(f), as_of_(as_of), options_(options) {
    if (to_seconds(as_of) == missing_time) throw definition_error("competing risks: as_of is missing");
}

void competing_risks_accumulator::add(const journeys& j, const lead_key* key) { add(j, key, 0, j.leads()); }

namespace {

/// What one pass reads: the journeys' columns, the stage kinds, the key and the observation time.
struct competing_columns {
    std::span<const std::uint32_t> off;
    std::span<const std::uint16_t> st;
    std::span<const std::int64_t> tm;
    std::vector<stage_kind> kind; // per stage
    const lead_key* key = nullptr;
    std::size_t groups = 1;       // the key's labels + 1 for a missing key; 1 without a key
    std::int64_t now = 0;
};

/// The times to close of leads [begin, end), one sample per group code (the last one for a missing key).
std::vector<competing_sample> collect_competing_times(const competing_columns& c, std::size_t begin,
                                                      std::size_t end) {
    std::vector<competing_sample> part(c.groups);
    for (std::size_t l = begin; l < end; ++l) {
        const std::size_t b = c.off[l], e = c.off[l + 1];
        if (b == e) continue;
        const std::int32_t code = c.key == nullptr ? 0 : c.key->code[l];
        auto& g = part[code < 0 ? c.groups - 1 : static_cast<std::size_t>(code)];
        std::size_t first = b; // first touch: the first dated entry
        while (first < e && c.tm[first] == missing_time) ++first;
        const std::size_t last = e - 1;
        const stage_kind k = c.kind[c.st[last]];
        // The same rules as timing's to_close, so the two Kaplan–Meier curves agree.
        if (k == stage_kind::open) {
            if (first < e) g.censored.push_back(c.now - c.tm[first]);
            else ++g.unknown;
        } else if (c.tm[last] == missing_time || first > last || (first == last && first != b)) {
            ++g.unknown;
        } else {
            (k == stage_kind::won ? g.won : g.lost).push_back(c.tm[last] - c.tm[first]);
        }
    }
    return part;
}

} // namespace

void competing_risks_accumulator::add(const journeys& j, const lead_key* key, std::size_t begin, std::size_t end) {
    if (!(j.stages() == funnel_)) throw definition_error("competing risks: the journeys use another funnel");
    detail::check_range(j, begin, end, "competing risks");
    detail::check_key(j, key, "competing risks");
    detail::check_as_of(j, begin, end, to_seconds(as_of_), "competing risks");
    competing_columns c{j.offsets(), j.stage_at(), j.time_at(), {}, key, key == nullptr ? 1 : key->labels.size() + 1,
                        to_seconds(as_of_)};
    for (const auto& s : funnel_.stages()) c.kind.push_back(s.kind);
    const auto label = [&](std::size_t g) {
        return key == nullptr ? std::string() : g + 1 == c.groups ? std::string(no_label) : key->labels[g];
    };
    // Parts are merged in lead order, so the kept times are in lead order for any thread count.
    detail::map_parts(detail::split_rows(begin, end, options_.threads),
                      [&](std::size_t b, std::size_t e) { return collect_competing_times(c, b, e); },
                      [&](std::vector<competing_sample>&& part) {
                          for (std::size_t g = 0; g < part.size(); ++g) {
                              const auto& p = part[g];
                              if (p.won.empty() && p.lost.empty() && p.censored.empty() && p.unknown == 0) continue;
                              groups_[label(g)].merge(p);
                          }
                      });
}

void competing_risks_accumulator::merge(const competing_risks_accumulator& other) {
    if (!(other.funnel_ == funnel_)) throw definition_error("competing risks: merging times of different funnels");
    if (other.as_of_ != as_of_) throw definition_error("competing risks: merging times observed at different times");
    for (const auto& [label, g] : other.groups_) groups_[label].merge(g);
}

competing_sample competing_risks_accumulator::total() const {
    competing_sample t;
    for (const auto& [label, g] : groups_) t.merge(g);
    return t;
}

bool operator==(const competing_risks_accumulator& a, const competing_risks_accumulator& b) {
    return a.funnel_ == b.funnel_ && a.as_of_ == b.as_of_ && a.groups_ == b.groups_;
}

competing_risks_accumulator merge(competing_risks_accumulator a, const competing_risks_accumulator& b) {
    a.merge(b);
    return a;
}

competing_risks_accumulator compute_competing_risks(const journeys& j, timestamp as_of, const lead_key* key,
                                                    competing_risks_options options) {
    competing_risks_accumulator acc(j.stages(), as_of, options);
    acc.add(j, key);
    return acc;
}

} // namespace leadscore
