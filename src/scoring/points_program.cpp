// Points scoring: one lead at a time, a block column by column, group scores and explanations.

#include "points_program.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace leadscore {

namespace {

std::string describe_rule(const engagement_rule& e) {
    std::string s = e.event_type;
    if (e.detail_filter == detail_test::equals) s += " (detail = '" + e.detail_text + "')";
    if (e.detail_filter == detail_test::contains) s += " (detail contains '" + e.detail_text + "')";
    if (e.counts == occurrence::first_only) s += " (first only)";
    return s;
}

} // namespace

// ---- scoring --------------------------------------------------------------------------------------

void detail::points_program::bad_event(std::size_t row, const event_record& e, bool detail) const {
    if (detail)
        throw definition_error("points: row " + std::to_string(row) + " holds an event whose detail code " +
                               std::to_string(e.detail) + " is outside the event-detail dictionary");
    throw definition_error("points: row " + std::to_string(row) + " holds an event whose type code " +
                           std::to_string(e.type) + " is outside the event-type dictionary");
}

std::size_t detail::points_program::engagement_row(std::size_t row, double* rule_sum, std::uint8_t* hit,
                                                  std::uint32_t* touched, const double* weights,
                                                  std::uint64_t weights_from) const {
    // Every event takes the same branch-free path through its type's first rule (event types come in no predictable
    // order, so branches on them would mispredict): a weight is computed even for an event that does not count, and
    // the event adds 0 then. Only a type with several rules takes a second, ordinary loop.
    std::size_t n = 0;
    const auto types = static_cast<std::uint32_t>(first_rule_.size());
    const std::uint32_t codes = detail_codes_;
    const event_record* ev = events_.data();
    bool bad_detail = false;
    const auto count_rule = [&](const type_rule& tr, bool in_time, double w, std::uint32_t d) {
        const std::uint32_t k = tr.rule;
        const std::uint8_t before = hit[k];
        const bool pass = detail_tables_[tr.detail_table + d] != 0;
        const bool counted = tr.active & in_time & pass & !(tr.first_only & (before != 0));
        touched[n] = k;
        n += counted & (before == 0);
        hit[k] = static_cast<std::uint8_t>(before | static_cast<std::uint8_t>(counted));
        // A bit mask, not a select: the compiler would turn the select into a branch. Gives +0.0 when not counted.
        const auto mask = std::uint64_t{0} - static_cast<std::uint64_t>(counted);
        rule_sum[k] += std::bit_cast<double>(std::bit_cast<std::uint64_t>(tr.points * w) & mask);
    };
    for (std::uint64_t j = offsets_[row], end = offsets_[row + 1]; j < end; ++j) {
        const event_record& e = ev[j];
        const auto t = static_cast<std::uint32_t>(e.type);
        if (t >= types) bad_event(row, e, false);
        const type_rule& tr = first_rule_[t];
        const bool in_time = e.time <= as_of_; // events after as_of do not count
        const double age = age_of(e);
        std::uint32_t d = static_cast<std::uint32_t>(e.detail) + 1u;
        const bool known = d < codes;
        bad_detail |= tr.filtered & in_time & !known;
        d = known ? d : codes;
        double w;
        if (weights != nullptr) {
            w = weights[j - weights_from];
        } else {
            const group_state& g = groups_[tr.group];
            w = decay_weight(g.decay, g.seconds, g.neg_inv, g.base, age);
        }
        count_rule(tr, in_time, w, d);
        if (tr.more) [[unlikely]] {
            for (std::uint32_t x = extra_begin_[t], xe = extra_begin_[t + 1]; x < xe; ++x) {
                const type_rule& other = extra_rules_[x];
                bad_detail |= other.filtered & in_time & !known;
                const group_state& og = groups_[other.group];
                const double ow = other.group == tr.group || uniform_decay_
                                      ? w
                                      : decay_weight(og.decay, og.seconds, og.neg_inv, og.base, age);
                count_rule(other, in_time, ow, d);
            }
        }
    }
    if (bad_detail) [[unlikely]] {
        for (std::uint64_t j = offsets_[row], end = offsets_[row + 1]; j < end; ++j)
            if (static_cast<std::uint32_t>(ev[j].detail) + 1u >= codes) bad_event(row, ev[j], true);
    }
    return n;
}

void detail::points_program::accumulate(std::size_t row, double* acc, std::size_t stride, double* rule_sum,
                                       std::uint8_t* hit, std::uint32_t* touched, bool keep, const double* weights,
                                       std::uint64_t weights_from) const {
    if (rule_cap_.empty() || offsets_[row] == offsets_[row + 1]) return;
    const std::size_t n = engagement_row(row, rule_sum, hit, touched, weights, weights_from);
    for (std::size_t j = 0; j < n; ++j) {
        const std::uint32_t k = touched[j];
        acc[rule_group_[k] * stride] += capped(k, rule_sum[k]);
        if (!keep) {
            rule_sum[k] = 0;
            hit[k] = 0;
        }
    }
}

void detail::points_program::add_fit(std::size_t row, double* acc) const {
    // Matches of different rules come in no predictable pattern, so no branch on them: a miss adds +0.0, which
    // changes no sum (as in the batch form).
    for (std::size_t k = 0; k < fit_.size(); ++k) {
        const auto mask = std::uint64_t{0} - static_cast<std::uint64_t>(fit_[k].matches(row));
        acc[fit_group_[k]] += std::bit_cast<double>(std::bit_cast<std::uint64_t>(fit_points_[k]) & mask);
    }
}

double detail::points_program::finish(const double* acc, double* group_out) const noexcept {
    double total = 0;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const double v = std::min(std::max(acc[g], groups_[g].floor), groups_[g].cap);
        if (group_out != nullptr) group_out[g] = v;
        total += v;
    }
    return std::min(std::max(total, total_floor_), total_cap_);
}

namespace {
/// Scratch for one row: group sums, and per engagement rule a zeroed sum, a hit flag and a slot in the touched list.
struct row_scratch {
    detail::scratch<double, 16> acc;
    detail::scratch<double, 64> rule_sum;
    detail::scratch<std::uint8_t, 64> hit;
    detail::scratch<std::uint32_t, 64> touched;
    // One slot more than there are rules: event types without a rule count into it (and never count).
    row_scratch(std::size_t groups, std::size_t rules)
        : acc(groups), rule_sum(rules + 1), hit(rules + 1), touched(rules + 1) {
        std::fill_n(acc.data(), groups, 0.0);
        std::fill_n(rule_sum.data(), rules + 1, 0.0);
        std::fill_n(hit.data(), rules + 1, std::uint8_t{0});
    }
};
} // namespace

double detail::points_program::score(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("points: row " + std::to_string(row) + " past the end");
    // A lone lead's columns are rarely in cache: ask for all of them at once, then wait once.
    for (const auto& c : fit_) c.prefetch(row);
    if (!rule_cap_.empty()) {
        const auto* first = reinterpret_cast<const char*>(events_.data() + offsets_[row]);
        const auto* last = reinterpret_cast<const char*>(events_.data() + offsets_[row + 1]);
        for (const char* p = first; p < last; p += 64) __builtin_prefetch(p);
    }
    row_scratch s(groups_.size(), rule_cap_.size());
    add_fit(row, s.acc.data());
    accumulate(row, s.acc.data(), 1, s.rule_sum.data(), s.hit.data(), s.touched.data(), true);
    return finish(s.acc.data(), nullptr);
}

void detail::points_program::group_scores(std::size_t row, std::span<double> out) const {
    if (row >= rows_) throw std::out_of_range("points: row " + std::to_string(row) + " past the end");
    if (out.size() != groups_.size())
        throw definition_error("points: group_scores needs room for " + std::to_string(groups_.size()) +
                               " groups, got " + std::to_string(out.size()));
    row_scratch s(groups_.size(), rule_cap_.size());
    add_fit(row, s.acc.data());
    accumulate(row, s.acc.data(), 1, s.rule_sum.data(), s.hit.data(), s.touched.data(), true);
    (void)finish(s.acc.data(), out.data());
}

void detail::points_program::run_block(std::size_t first, std::size_t rows, double* out, double* group_out) const {
    if (first > rows_ || rows > rows_ - first)
        throw std::out_of_range("points: rows [" + std::to_string(first) + ", " + std::to_string(first + rows) +
                                ") outside " + std::to_string(rows_) + " rows");
    // Column-wise over chunks that stay in L1: fit rules add into per-group columns, then events row by row. Each
    // row sees the same additions in the same order as score(row), so both give the same bits.
    constexpr std::size_t chunk = 256;
    const std::size_t groups = groups_.size(), rules = rule_cap_.size();
    std::vector<double> acc(groups * chunk), rule_sum(rules + 1), total(chunk);
    std::vector<std::uint8_t> hit(rules + 1);
    std::vector<std::uint32_t> touched(rules + 1);
    std::vector<double> weights;
    for (std::size_t b = 0; b < rows; b += chunk) {
        const std::size_t n = std::min(chunk, rows - b);
        std::fill(acc.begin(), acc.end(), 0.0);
        for (std::size_t k = 0; k < fit_.size(); ++k)
            fit_[k].add_where(first + b, fit_points_[k], std::span<double>(acc.data() + fit_group_[k] * chunk, n));
        const double* w = nullptr;
        std::uint64_t from = 0;
        if (uniform_decay_) {
            from = offsets_[first + b];
            const std::uint64_t to = offsets_[first + b + n];
            weights.resize(to - from);
            const group_state& g = groups_[uniform_group_];
            const event_record* ev = events_.data();
            double* wj = weights.data();
            // The same formula as decay_weight, with the decay kind chosen once per chunk.
            switch (g.decay) {
            case decay_kind::half_life:
                for (std::uint64_t j = from; j < to; ++j)
                    wj[j - from] = std::exp2(std::clamp(age_of(ev[j]) * g.neg_inv, -1000.0, 0.0));
                break;
            default:
                for (std::uint64_t j = from; j < to; ++j)
                    wj[j - from] = decay_weight(g.decay, g.seconds, g.neg_inv, g.base, age_of(ev[j]));
                break;
            }
            w = weights.data();
        }
        for (std::size_t i = 0; i < n; ++i)
            accumulate(first + b + i, acc.data() + i, chunk, rule_sum.data(), hit.data(), touched.data(), false, w,
                       from);
        std::fill(total.begin(), total.end(), 0.0);
        for (std::size_t g = 0; g < groups; ++g) {
            const double* a = acc.data() + g * chunk;
            const double lo = groups_[g].floor, hi = groups_[g].cap;
            for (std::size_t i = 0; i < n; ++i) {
                const double v = std::min(std::max(a[i], lo), hi);
                total[i] += v;
                if (group_out != nullptr) group_out[(b + i) * groups + g] = v;
            }
        }
        if (out != nullptr)
            for (std::size_t i = 0; i < n; ++i) out[b + i] = std::min(std::max(total[i], total_floor_), total_cap_);
    }
}

void detail::points_program::score_batch(std::size_t first, std::span<double> out) const {
    run_block(first, out.size(), out.data(), nullptr);
}

void detail::points_program::group_scores_batch(std::size_t first, std::size_t rows, std::span<double> out) const {
    if (out.size() != rows * groups_.size())
        throw definition_error("points: group_scores_batch needs " + std::to_string(rows * groups_.size()) +
                               " values, got " + std::to_string(out.size()));
    run_block(first, rows, nullptr, out.data());
}

explanation detail::points_program::explain(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("points: row " + std::to_string(row) + " past the end");
    const auto& r = *rules_;
    const std::size_t groups = groups_.size();
    row_scratch s(groups, rule_cap_.size());
    double* acc = s.acc.data();
    std::vector<std::uint8_t> fit_hits(fit_.size());
    for (std::size_t k = 0; k < fit_.size(); ++k) {
        fit_hits[k] = fit_[k].matches(row);
        if (fit_hits[k]) acc[fit_group_[k]] += fit_points_[k];
    }
    accumulate(row, acc, 1, s.rule_sum.data(), s.hit.data(), s.touched.data(), true);
    const double* rule_sum = s.rule_sum.data();
    const std::uint8_t* hits = s.hit.data();

    explanation e;
    e.unit = "points";
    e.additive = true;
    for (std::size_t k = 0; k < fit_.size(); ++k)
        if (fit_hits[k])
            e.factors.push_back({r.fit[k].name.empty() ? to_string(r.fit[k].when) : r.fit[k].name, fit_points_[k]});
    for (std::size_t k = 0; k < rule_cap_.size(); ++k)
        if (hits[k] != 0)
            e.factors.push_back({r.engagement[k].name.empty() ? describe_rule(r.engagement[k]) : r.engagement[k].name,
                                 capped(k, rule_sum[k])});
    std::vector<double> group_scores(groups);
    e.score = finish(acc, group_scores.data());
    double total = 0;
    for (std::size_t g = 0; g < groups; ++g) {
        total += group_scores[g];
        if (group_scores[g] != acc[g]) {
            const bool capped_above = group_scores[g] < acc[g];
            e.factors.push_back({std::string(capped_above ? "cap" : "floor") + " of group '" + r.groups[g].name +
                                     "' (" + detail::format_shortest(group_scores[g]) + ")",
                                 group_scores[g] - acc[g]});
        }
    }
    if (e.score != total)
        e.factors.push_back({std::string(e.score < total ? "total cap" : "total floor") + " (" +
                                 detail::format_shortest(e.score) + ")",
                             e.score - total});
    e.total = e.score;
    order_factors(e.factors);
    return e;
}

} // namespace leadscore
