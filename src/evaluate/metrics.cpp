#include "leadscore/evaluate/metrics.hpp"
#include "../core/numbers.hpp"

#include "ranking.hpp"
#include "scored.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

namespace leadscore {

namespace detail {

void radix_sort(std::vector<std::uint64_t>& keys) {
    const std::size_t n = keys.size();
    if (n < 256) {
        std::sort(keys.begin(), keys.end());
        return;
    }
    constexpr int bits = 11, digits = (64 + bits - 1) / bits;
    constexpr std::size_t buckets = std::size_t{1} << bits;
    std::vector<std::array<std::size_t, buckets>> count(digits);
    for (auto& c : count) c.fill(0);
    for (const auto k : keys)
        for (int d = 0; d < digits; ++d) ++count[static_cast<std::size_t>(d)][(k >> (d * bits)) & (buckets - 1)];
    std::vector<std::uint64_t> tmp(n);
    for (int d = 0; d < digits; ++d) {
        auto& c = count[static_cast<std::size_t>(d)];
        if (c[(keys[0] >> (d * bits)) & (buckets - 1)] == n) continue; // every key has this digit
        std::size_t sum = 0;
        for (auto& x : c) {
            const std::size_t v = x;
            x = sum;
            sum += v;
        }
        for (const auto k : keys) tmp[c[(k >> (d * bits)) & (buckets - 1)]++] = k;
        keys.swap(tmp);
    }
}

ranking ranking::of(std::span<const double> scores, std::span<const std::int8_t> labels) {
    ranking r;
    std::size_t p = 0;
    for (const auto l : labels) p += l == 1 ? 1 : 0;
    r.positives.reserve(p);
    r.negatives.reserve(labels.size() - p);
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] == 1) r.positives.push_back(score_key(scores[i]));
        else if (labels[i] == 0) r.negatives.push_back(score_key(scores[i]));
    }
    radix_sort(r.positives);
    radix_sort(r.negatives);
    return r;
}

} // namespace detail

namespace {

using detail::nan;

double ratio(double a, double b) noexcept { return b == 0 ? nan : a / b; }

double auc_of(const detail::ranking& r) {
    const std::size_t p = r.positives.size(), n = r.negatives.size();
    if (p == 0 || n == 0) return nan;
    // 2U = Σ over groups of positives × (2 · negatives below + negatives tied): integers, so exact.
    __extension__ using u128 = unsigned __int128;
    u128 twice_u = 0;
    std::size_t below = 0;
    r.ascending([&](double, std::size_t pos, std::size_t neg) {
        twice_u += static_cast<u128>(pos) * (2 * static_cast<u128>(below) + neg);
        below += neg;
    });
    return static_cast<double>(static_cast<long double>(twice_u) /
                               (2.0L * static_cast<long double>(p) * static_cast<long double>(n)));
}

double average_precision_of(const detail::ranking& r) {
    const std::size_t p = r.positives.size();
    if (p == 0) return nan;
    double ap = 0;
    std::size_t tp = 0, fp = 0;
    r.descending([&](double, std::size_t pos, std::size_t neg) {
        tp += pos;
        fp += neg;
        if (pos > 0)
            ap += static_cast<double>(pos) * (static_cast<double>(tp) / static_cast<double>(tp + fp));
    });
    return ap / static_cast<double>(p);
}

std::vector<gain_row> gains_of(const detail::ranking& r, std::size_t bins) {
    const std::size_t total = r.positives.size() + r.negatives.size();
    const auto edge = [&](std::size_t k) {
        __extension__ using u128 = unsigned __int128;
        return static_cast<std::size_t>(static_cast<u128>(k) * total / bins);
    };
    std::vector<gain_row> out(bins);
    for (auto& g : out) g.highest_score = g.lowest_score = nan;
    std::size_t rank = 0, k = 0;
    r.descending([&](double score, std::size_t pos, std::size_t neg) {
        const std::size_t size = pos + neg, end = rank + size;
        while (k < bins) {
            const std::size_t lo = std::max(rank, edge(k)), hi = std::min(end, edge(k + 1));
            if (hi > lo) {
                auto& g = out[k];
                g.positives += static_cast<double>(pos) * static_cast<double>(hi - lo) / static_cast<double>(size);
                if (std::isnan(g.highest_score)) g.highest_score = score;
                g.lowest_score = score;
            }
            if (edge(k + 1) > end) break; // the bin goes on into the next group
            ++k;
        }
        rank = end;
    });
    const double positives = static_cast<double>(r.positives.size());
    const double base = ratio(positives, static_cast<double>(total));
    double cumulative = 0;
    for (std::size_t b = 0; b < bins; ++b) {
        auto& g = out[b];
        g.rows = edge(b + 1) - edge(b);
        g.rate = ratio(g.positives, static_cast<double>(g.rows));
        g.lift = positives > 0 ? ratio(g.rate, base) : nan;
        cumulative += g.positives;
        g.cumulative_positives = cumulative;
        g.depth = ratio(static_cast<double>(edge(b + 1)), static_cast<double>(total));
        g.cumulative_gain = ratio(cumulative, positives);
        g.cumulative_lift = positives > 0 ? ratio(ratio(cumulative, static_cast<double>(edge(b + 1))), base) : nan;
    }
    return out;
}

void check_bins(const char* who, std::size_t bins) {
    if (bins == 0) throw definition_error(std::string(who) + ": bins must be at least 1");
}

} // namespace

double roc_auc(std::span<const double> scores, std::span<const std::int8_t> labels) {
    detail::check_scored("roc_auc", scores, labels);
    return auc_of(detail::ranking::of(scores, labels));
}

double average_precision(std::span<const double> scores, std::span<const std::int8_t> labels) {
    detail::check_scored("average_precision", scores, labels);
    return average_precision_of(detail::ranking::of(scores, labels));
}

double log_loss(std::span<const double> scores, std::span<const std::int8_t> labels, double eps) {
    if (!(eps >= 0 && eps < 0.5)) throw definition_error("log_loss: eps must be in [0, 0.5)");
    const auto c = detail::check_scored("log_loss", scores, labels, true);
    const std::size_t n = c.positives + c.negatives;
    if (n == 0) return nan;
    double sum = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] == -1) continue;
        const double p = std::clamp(scores[i], eps, 1 - eps);
        sum -= labels[i] == 1 ? std::log(p) : std::log1p(-p);
    }
    return sum / static_cast<double>(n);
}

double brier_score(std::span<const double> scores, std::span<const std::int8_t> labels) {
    const auto c = detail::check_scored("brier_score", scores, labels, true);
    const std::size_t n = c.positives + c.negatives;
    if (n == 0) return nan;
    double sum = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] == -1) continue;
        const double e = scores[i] - static_cast<double>(labels[i]);
        sum += e * e;
    }
    return sum / static_cast<double>(n);
}

std::vector<gain_row> gains_table(std::span<const double> scores, std::span<const std::int8_t> labels,
                                  std::size_t bins) {
    check_bins("gains_table", bins);
    detail::check_scored("gains_table", scores, labels);
    return gains_of(detail::ranking::of(scores, labels), bins);
}

double confusion_matrix::precision() const noexcept {
    return ratio(static_cast<double>(true_positives), static_cast<double>(true_positives + false_positives));
}
double confusion_matrix::recall() const noexcept {
    return ratio(static_cast<double>(true_positives), static_cast<double>(true_positives + false_negatives));
}
double confusion_matrix::specificity() const noexcept {
    return ratio(static_cast<double>(true_negatives), static_cast<double>(true_negatives + false_positives));
}
double confusion_matrix::accuracy() const noexcept {
    return ratio(static_cast<double>(true_positives + true_negatives),
                 static_cast<double>(true_positives + true_negatives + false_positives + false_negatives));
}
double confusion_matrix::f1() const noexcept {
    return ratio(2.0 * static_cast<double>(true_positives),
                 static_cast<double>(2 * true_positives + false_positives + false_negatives));
}

confusion_matrix confusion_at(std::span<const double> scores, std::span<const std::int8_t> labels, double threshold) {
    if (std::isnan(threshold)) throw definition_error("confusion_at: the threshold is NaN");
    detail::check_scored("confusion_at", scores, labels);
    confusion_matrix m;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] == -1) continue;
        const bool predicted = scores[i] >= threshold;
        if (labels[i] == 1) (predicted ? m.true_positives : m.false_negatives) += 1;
        else (predicted ? m.false_positives : m.true_negatives) += 1;
    }
    return m;
}

reliability_table reliability(std::span<const double> scores, std::span<const std::int8_t> labels, std::size_t bins,
                              binning how) {
    check_bins("reliability", bins);
    const auto c = detail::check_scored("reliability", scores, labels, true);
    const std::size_t n = c.positives + c.negatives;
    reliability_table t;
    std::vector<double> edges; // bin b holds scores in [edges[b − 1], edges[b]): upper_bound counts the edges ≤ s
    if (how == binning::uniform) {
        t.bins.resize(bins);
        for (std::size_t b = 0; b < bins; ++b) {
            t.bins[b].lower = static_cast<double>(b) / static_cast<double>(bins);
            t.bins[b].upper = static_cast<double>(b + 1) / static_cast<double>(bins);
        }
    } else if (n > 0) {
        std::vector<std::uint64_t> keys;
        keys.reserve(n);
        for (std::size_t i = 0; i < labels.size(); ++i)
            if (labels[i] != -1) keys.push_back(detail::score_key(scores[i]));
        detail::radix_sort(keys);
        const double lowest = detail::key_score(keys.front());
        for (std::size_t k = 1; k < bins; ++k) {
            const double e = detail::key_score(keys[k * n / bins]);
            if (e > lowest && (edges.empty() || e > edges.back())) edges.push_back(e);
        }
        t.bins.resize(edges.size() + 1);
        for (std::size_t b = 0; b < t.bins.size(); ++b) {
            t.bins[b].lower = b == 0 ? lowest : edges[b - 1];
            t.bins[b].upper = b == edges.size() ? detail::key_score(keys.back()) : edges[b];
        }
    }
    std::vector<double> sums(t.bins.size(), 0.0);
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] == -1) continue;
        const double s = scores[i];
        const std::size_t b =
            how == binning::uniform
                ? std::min(static_cast<std::size_t>(s * static_cast<double>(bins)), bins - 1)
                : static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), s) - edges.begin());
        auto& bin = t.bins[b];
        ++bin.rows;
        bin.positives += static_cast<std::size_t>(labels[i]);
        sums[b] += s;
    }
    for (std::size_t b = 0; b < t.bins.size(); ++b) {
        auto& bin = t.bins[b];
        bin.mean_score = ratio(sums[b], static_cast<double>(bin.rows));
        bin.observed_rate = ratio(static_cast<double>(bin.positives), static_cast<double>(bin.rows));
        if (bin.rows == 0) continue;
        const double gap = std::abs(bin.mean_score - bin.observed_rate);
        t.expected_calibration_error += static_cast<double>(bin.rows) / static_cast<double>(n) * gap;
        t.max_calibration_error = std::max(t.max_calibration_error, gap);
    }
    if (n == 0) t.expected_calibration_error = t.max_calibration_error = nan;
    return t;
}

band_conversion conversion_by_band(std::span<const std::int32_t> bands, std::span<const std::int8_t> labels,
                                   std::span<const std::string> names) {
    if (bands.size() != labels.size())
        throw definition_error("conversion_by_band: " + std::to_string(bands.size()) + " bands for " +
                               std::to_string(labels.size()) + " labels");
    band_conversion out;
    out.bands.resize(names.size());
    for (std::size_t k = 0; k < names.size(); ++k) out.bands[k].band = names[k];
    std::size_t positives = 0;
    for (std::size_t i = 0; i < bands.size(); ++i) {
        const std::int8_t l = labels[i];
        if (l != 0 && l != 1 && l != -1)
            detail::bad_row("conversion_by_band", i, "label " + std::to_string(int{l}) + " is not 1, 0 or unlabelled (-1)");
        const std::int32_t b = bands[i];
        if (b < 0) {
            ++out.unbanded;
            continue;
        }
        if (static_cast<std::size_t>(b) >= names.size())
            detail::bad_row("conversion_by_band", i, "band " + std::to_string(b) + " is not below the " +
                                                         std::to_string(names.size()) + " band names");
        auto& r = out.bands[static_cast<std::size_t>(b)];
        ++r.rows;
        if (l == -1) continue;
        ++r.labelled;
        r.positives += static_cast<std::size_t>(l);
        positives += static_cast<std::size_t>(l);
    }
    for (auto& r : out.bands) {
        r.rate = ratio(static_cast<double>(r.positives), static_cast<double>(r.labelled));
        r.share_of_positives = ratio(static_cast<double>(r.positives), static_cast<double>(positives));
    }
    return out;
}

evaluation_report evaluate(std::span<const double> scores, std::span<const std::int8_t> labels,
                    const evaluation_options& options) {
    check_bins("evaluate", options.gain_bins);
    check_bins("evaluate", options.reliability_bins);
    detail::check_sizes("evaluate", scores.size(), labels.size());
    evaluation_report e;
    std::vector<std::int8_t> kept;
    std::span<const std::int8_t> used = labels;
    if (options.skip_unscored) {
        kept.assign(labels.begin(), labels.end());
        for (std::size_t i = 0; i < kept.size(); ++i)
            if ((kept[i] == 0 || kept[i] == 1) && std::isnan(scores[i])) {
                kept[i] = -1;
                ++e.unscored;
            }
        used = kept;
    }
    const bool probability = options.scale == score_scale::probability;
    const auto c = detail::check_scored("evaluate", scores, used, probability);
    e.rows = c.positives + c.negatives;
    e.positives = c.positives;
    e.base_rate = ratio(static_cast<double>(c.positives), static_cast<double>(e.rows));
    const auto r = detail::ranking::of(scores, used);
    e.roc_auc = auc_of(r);
    e.average_precision = average_precision_of(r);
    e.gains = gains_of(r, options.gain_bins);
    e.confusion = confusion_at(scores, used, options.threshold);
    if (probability) {
        e.log_loss = log_loss(scores, used);
        e.brier_score = brier_score(scores, used);
        e.reliability = reliability(scores, used, options.reliability_bins, options.reliability_binning);
    } else {
        e.log_loss = e.brier_score = nan;
    }
    return e;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const confusion_matrix&, const confusion_matrix&) = default;

} // namespace leadscore
