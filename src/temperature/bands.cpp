#include "leadscore/temperature/bands.hpp"

#include "common.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/scoring/condition.hpp"
#include "leadscore/scoring/engine.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include <omp.h>

namespace leadscore {

namespace {

using detail::format_shortest;

/// The band loop both band policies share: hot when x >= hot_at, warm when x >= warm_at, cold for any other score,
/// unknown for NaN. A NaN threshold is never reached. Written as plain selects so that it vectorizes.
void band_kernel(const double* s, rating* out, std::size_t n, double hot_at, double warm_at, std::uint32_t hot,
                 std::uint32_t warm, std::uint32_t cold, std::uint32_t nan) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        const double x = s[i];
        detail::store_rating(out, i, x >= hot_at ? hot : x >= warm_at ? warm : x == x ? cold : nan);
    }
}

/// The least threshold t' with x >= t' exactly when x > t (NaN — never — above +infinity).
double just_above(double t) noexcept {
    return t == std::numeric_limits<double>::infinity() ? std::numeric_limits<double>::quiet_NaN()
                                                         : std::nextafter(t, std::numeric_limits<double>::infinity());
}

/// A share as a percentage for reasons: "10", "33.3333".
std::string percent(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", share * 100.0);
    return buf;
}

} // namespace

// ---- fixed bands ------------------------------------------------------------------------------------------------

score_band_policy::score_band_policy(score_bands bands) : bands_(bands) {
    const std::string scale(to_string(bands_.scale));
    for (const auto& [name, v] : {std::pair{"warm", bands_.warm}, std::pair{"hot", bands_.hot}}) {
        if (!std::isfinite(v))
            throw definition_error("score bands: the " + std::string(name) + " threshold " + format_shortest(v) +
                                   " is not a finite number");
        if (bands_.scale == score_scale::probability && (v < 0 || v > 1))
            throw definition_error("score bands: the " + std::string(name) + " threshold " + format_shortest(v) +
                                   " is not a probability (needs 0..1)");
    }
    if (!(bands_.warm < bands_.hot))
        throw definition_error("score bands: the warm threshold " + format_shortest(bands_.warm) +
                               " is not below the hot threshold " + format_shortest(bands_.hot) +
                               " (thresholds must be strictly ascending)");
    if (static_cast<std::size_t>(bands_.scale) > 1) throw definition_error("score bands: unknown score scale");
    const auto w = format_shortest(bands_.warm), h = format_shortest(bands_.hot);
    reasons_ = {"score at or above " + h, "score at or above " + w + ", below " + h, "score below " + w,
                "score not computable (NaN)"};
}

score_band_policy::rater score_band_policy::bind(const rating_input& in, const batch_options&) const {
    if (in.scale && *in.scale != bands_.scale)
        throw definition_error("score bands: thresholds on the " + std::string(to_string(bands_.scale)) +
                               " scale, scores on the " + std::string(to_string(*in.scale)) + " scale");
    rater r;
    r.warm_ = bands_.warm;
    r.hot_ = bands_.hot;
    return r;
}

namespace {
constexpr rating band_hot{temperature::hot, 0, 0}, band_warm{temperature::warm, 0, 1},
    band_cold{temperature::cold, 0, 2}, band_nan{temperature::unknown, 0, 3};
} // namespace

rating score_band_policy::rater::rate(std::size_t, double s) const noexcept {
    if (s >= hot_) return band_hot;
    if (s >= warm_) return band_warm;
    if (s < warm_) return band_cold;
    return band_nan;
}

void score_band_policy::rater::rate_batch(std::size_t, std::span<const double> scores,
                                          std::span<rating> out) const noexcept {
    constexpr auto hot = std::bit_cast<std::uint32_t>(band_hot), warm = std::bit_cast<std::uint32_t>(band_warm),
                   cold = std::bit_cast<std::uint32_t>(band_cold), nan = std::bit_cast<std::uint32_t>(band_nan);
    band_kernel(scores.data(), out.data(), out.size(), hot_, warm_, hot, warm, cold, nan);
}

// ---- relative bands ---------------------------------------------------------------------------------------------

std::string_view to_string(tie_rule t) noexcept {
    switch (t) {
    case tie_rule::by_row: return "by_row";
    case tie_rule::shared: return "shared";
    }
    return "?";
}

relative_band_policy::relative_band_policy(relative_bands bands) : bands_(bands) {
    for (const auto& [name, v] : {std::pair{"hot", bands_.hot_share}, std::pair{"warm", bands_.warm_share}})
        if (!(std::isfinite(v) && v >= 0 && v <= 1))
            throw definition_error("relative bands: the " + std::string(name) + " share " + format_shortest(v) +
                                   " is not in [0, 1]");
    if (bands_.hot_share + bands_.warm_share > 1)
        throw definition_error("relative bands: the hot share " + format_shortest(bands_.hot_share) +
                               " and the warm share " + format_shortest(bands_.warm_share) + " add up to more than 1");
    if (bands_.ties != tie_rule::by_row && bands_.ties != tie_rule::shared)
        throw definition_error("relative bands: unknown tie rule");
    const auto h = percent(bands_.hot_share), w = percent(bands_.warm_share),
               hw = percent(bands_.hot_share + bands_.warm_share);
    reasons_ = {"in the top " + h + " % of the batch", "in the next " + w + " % of the batch",
                "below the top " + hw + " % of the batch", "score not computable (NaN)"};
}

namespace {

// Scores as unsigned keys in the same order (-0.0 and +0.0 share a key). NaN rows are skipped before this is asked.
std::uint64_t key_of(double s) noexcept {
    const auto u = std::bit_cast<std::uint64_t>(s + 0.0);
    return (u >> 63) != 0 ? ~u : u | (std::uint64_t{1} << 63);
}
double score_of(std::uint64_t k) noexcept {
    return std::bit_cast<double>((k >> 63) != 0 ? k & ~(std::uint64_t{1} << 63) : ~k);
}

constexpr int digit_bits = 16;
constexpr std::size_t digits = std::size_t{1} << digit_bits;
constexpr int rounds = 64 / digit_bits;

/// One cut being searched: the k-th highest key (k >= 1), by radix selection, most significant digit first.
struct cut_search {
    std::size_t k = 0;             // rank from the top (1-based); 0 = no cut
    std::uint64_t prefix = 0;      // the digits fixed so far, in place
    int round = -1;                // the last round whose digit is fixed
    std::size_t above = 0;         // keys above the selected bucket
    std::size_t remaining = 0;     // rank of the cut within the selected bucket
    std::size_t in_bucket = 0;     // keys in the selected bucket
    std::vector<std::uint32_t> per_chunk; // keys in the selected bucket, per chunk of rows

    [[nodiscard]] int shift() const noexcept { return 64 - digit_bits * (round + 1); } // bits below the bucket
};

/// Finds cuts over a batch's scores. Every pass runs over fixed chunks of rows, one chunk per thread, and keeps its
/// counts per chunk, so the cuts — sums of counts — do not depend on the number of threads.
class cut_finder {
public:
    cut_finder(std::span<const double> scores, unsigned threads) : scores_(scores) {
        const std::size_t n = scores.size();
        unsigned team = threads == 0 ? static_cast<unsigned>(std::max(omp_get_max_threads(), 1)) : threads;
        team = std::min(team, 16u);
        if (n < (std::size_t{1} << 16)) team = 1; // small batches are not worth a second thread
        chunk_ = std::max<std::size_t>((n + team - 1) / team, 1);
        chunk_ = std::min<std::size_t>(chunk_, std::numeric_limits<std::uint32_t>::max()); // 32-bit counts
        chunks_ = n == 0 ? 0 : (n + chunk_ - 1) / chunk_;
        threads_ = team;
        // Buckets at most this large are gathered and finished in memory; larger ones take another radix round.
        limit_ = std::max<std::size_t>(std::size_t{1} << 16, n / 16);
    }

    /// Selects the bucket of each cut: a first histogram over every scored row, after which ranks(m) is called with
    /// the number m of scored rows to set each cut's k; then more digits while a bucket is too large to gather.
    template <class Ranks>
    void run(std::span<cut_search> cuts, Ranks&& ranks) {
        std::vector<std::uint32_t> hist(chunks_ * digits);
        histogram(0, {}, hist);
        std::vector<std::uint64_t> total(digits);
        for (std::size_t c = 0; c < chunks_; ++c)
            for (std::size_t d = 0; d < digits; ++d) total[d] += hist[c * digits + d];
        std::size_t m = 0;
        for (const auto t : total) m += t;
        ranks(m);
        for (auto& cut : cuts)
            if (cut.k != 0) {
                cut.remaining = cut.k;
                pick(cut, 0, total, hist);
            }
        // Further rounds while a bucket is too large to gather (many equal or nearly equal scores).
        for (int r = 1; r < rounds; ++r) {
            std::vector<cut_search*> live;
            for (auto& cut : cuts)
                if (cut.k != 0 && cut.in_bucket > limit_) live.push_back(&cut);
            if (live.empty()) break;
            for (auto* cut : live) {
                std::vector<std::uint32_t> h(chunks_ * digits);
                histogram(r, cut, h);
                std::vector<std::uint64_t> t(digits);
                for (std::size_t c = 0; c < chunks_; ++c)
                    for (std::size_t d = 0; d < digits; ++d) t[d] += h[c * digits + d];
                pick(*cut, r, t, h);
            }
        }
    }

    /// The cut's key and the row of the `need`-th key equal to it in row order, and how many keys equal it.
    struct found {
        std::uint64_t key = 0;
        std::size_t above = 0; // keys above it
        std::size_t row = 0;   // the row of the last key within the k highest, ties by row
        std::size_t tied = 0;  // keys equal to it
    };

    /// Completes every cut: buckets small enough are gathered (keys and rows, in row order, all cuts in one pass)
    /// and finished in memory; a bucket that stayed large through every digit is one tie, found by its chunk counts.
    [[nodiscard]] std::vector<found> finish(std::span<const cut_search> cuts) {
        std::vector<found> out(cuts.size());
        std::vector<const cut_search*> gathered;
        for (std::size_t c = 0; c < cuts.size(); ++c) {
            const auto& cut = cuts[c];
            if (cut.k == 0) continue;
            if (cut.round == rounds - 1 && cut.in_bucket > limit_) {
                out[c].key = cut.prefix;
                out[c].above = cut.above;
                out[c].tied = cut.in_bucket;
                out[c].row = tie_row(cut, cut.remaining);
            } else {
                gathered.push_back(&cut);
            }
        }
        std::vector<std::vector<std::uint64_t>> keys(gathered.size());
        std::vector<std::vector<std::size_t>> rows(gathered.size());
        for (std::size_t g = 0; g < gathered.size(); ++g) {
            keys[g].resize(gathered[g]->in_bucket);
            rows[g].resize(gathered[g]->in_bucket);
        }
        if (!gathered.empty()) gather(gathered, keys, rows);
        for (std::size_t g = 0; g < gathered.size(); ++g) {
            const auto& cut = *gathered[g];
            auto& f = out[static_cast<std::size_t>(gathered[g] - cuts.data())];
            std::vector<std::uint64_t> sorted = keys[g];
            const auto nth = sorted.begin() + static_cast<std::ptrdiff_t>(cut.remaining - 1);
            std::nth_element(sorted.begin(), nth, sorted.end(), std::greater<>());
            f.key = *nth;
            std::size_t greater = 0;
            for (const auto k : keys[g]) greater += k > f.key;
            f.above = cut.above + greater;
            const std::size_t need = cut.k - f.above;
            for (std::size_t i = 0; i < keys[g].size(); ++i)
                if (keys[g][i] == f.key && ++f.tied == need) f.row = rows[g][i];
        }
        return out;
    }

private:
    void pick(cut_search& cut, int round, const std::vector<std::uint64_t>& total,
              const std::vector<std::uint32_t>& hist) const {
        const int shift = 64 - digit_bits * (round + 1);
        std::uint64_t cum = 0;
        for (std::size_t d = digits; d-- > 0;) {
            if (cum + total[d] >= cut.remaining) {
                cut.above += cum;
                cut.remaining -= cum;
                cut.prefix |= static_cast<std::uint64_t>(d) << shift;
                cut.round = round;
                cut.in_bucket = total[d];
                cut.per_chunk.assign(chunks_, 0);
                for (std::size_t c = 0; c < chunks_; ++c) cut.per_chunk[c] = hist[c * digits + d];
                return;
            }
            cum += total[d];
        }
    }

    template <class Body>
    void for_chunks(const Body& body) const {
        detail::parallel_blocks(
            scores_.size(), chunk_, threads_,
            [](const void* ctx, std::size_t b, std::size_t e) { (*static_cast<const Body*>(ctx))(b, e); }, &body);
    }

    // Per chunk: the histogram of digit `round` among scored keys in the cut's bucket so far (every key for round 0).
    void histogram(int round, const cut_search* cut, std::vector<std::uint32_t>& hist) const {
        const int shift = 64 - digit_bits * (round + 1);
        // Keys in the cut's bucket so far: those whose bits above the digit equal its prefix's (round 0: all).
        const int high = shift + digit_bits;
        const std::uint64_t want = cut == nullptr || high >= 64 ? 0 : cut->prefix >> high;
        const int high_shift = high >= 64 ? 0 : high; // unused when every key is wanted
        const bool all = cut == nullptr || high >= 64;
        for_chunks([&](std::size_t b, std::size_t e) {
            std::uint32_t* h = hist.data() + (b / chunk_) * digits;
            const double* s = scores_.data();
            if (all) {
                for (std::size_t i = b; i < e; ++i) {
                    const double v = s[i];
                    if (std::isnan(v)) continue;
                    ++h[(key_of(v) >> shift) & (digits - 1)];
                }
                return;
            }
            for (std::size_t i = b; i < e; ++i) {
                const double v = s[i];
                if (std::isnan(v)) continue;
                const std::uint64_t key = key_of(v);
                if ((key >> high_shift) == want) ++h[(key >> shift) & (digits - 1)];
            }
        });
    }

    void gather(std::span<const cut_search* const> cuts, std::vector<std::vector<std::uint64_t>>& keys,
                std::vector<std::vector<std::size_t>>& rows) const {
        const std::size_t n_cuts = cuts.size();
        std::vector<std::size_t> offset(n_cuts * (chunks_ + 1));
        for (std::size_t g = 0; g < n_cuts; ++g)
            for (std::size_t c = 0; c < chunks_; ++c)
                offset[g * (chunks_ + 1) + c + 1] = offset[g * (chunks_ + 1) + c] + cuts[g]->per_chunk[c];
        // At most two cuts (the hot and the warm one).
        int shift[2] = {cuts[0]->shift(), n_cuts > 1 ? cuts[1]->shift() : 0};
        std::uint64_t want[2] = {cuts[0]->prefix >> shift[0], n_cuts > 1 ? cuts[1]->prefix >> shift[1] : 0};
        std::uint64_t* key_out[2] = {keys[0].data(), n_cuts > 1 ? keys[1].data() : nullptr};
        std::size_t* row_out[2] = {rows[0].data(), n_cuts > 1 ? rows[1].data() : nullptr};
        for_chunks([&](std::size_t b, std::size_t e) {
            std::size_t o0 = offset[b / chunk_], o1 = n_cuts > 1 ? offset[(chunks_ + 1) + b / chunk_] : 0;
            const double* s = scores_.data();
            for (std::size_t i = b; i < e; ++i) {
                const double v = s[i];
                if (std::isnan(v)) continue;
                const std::uint64_t key = key_of(v);
                if ((key >> shift[0]) == want[0]) {
                    key_out[0][o0] = key;
                    row_out[0][o0++] = i;
                }
                if (n_cuts > 1 && (key >> shift[1]) == want[1]) {
                    key_out[1][o1] = key;
                    row_out[1][o1++] = i;
                }
            }
        });
    }

    // The row of the need-th key equal to the cut's (complete) prefix, in row order.
    [[nodiscard]] std::size_t tie_row(const cut_search& cut, std::size_t need) const {
        std::size_t seen = 0;
        for (std::size_t c = 0; c < chunks_; ++c) {
            if (seen + cut.per_chunk[c] < need) {
                seen += cut.per_chunk[c];
                continue;
            }
            const std::size_t end = std::min(scores_.size(), (c + 1) * chunk_);
            for (std::size_t i = c * chunk_; i < end; ++i)
                if (!std::isnan(scores_[i]) && key_of(scores_[i]) == cut.prefix && ++seen == need) return i;
        }
        return scores_.size(); // not reached: the counts say the tie is there
    }

    std::span<const double> scores_;
    std::size_t chunk_ = 1, chunks_ = 0, limit_ = 0;
    unsigned threads_ = 1;
};

} // namespace

relative_band_policy::rater relative_band_policy::bind(const rating_input& in, const batch_options& options) const {
    rater r;
    const auto scores = in.scores;
    cut_finder finder(scores, options.threads);
    std::array<cut_search, 2> cuts{};
    finder.run(cuts, [&](std::size_t m) {
        const auto count = [m](double share) {
            return static_cast<std::size_t>(std::llround(share * static_cast<double>(m)));
        };
        cuts[0].k = std::min(count(bands_.hot_share), m);
        cuts[1].k = std::min(std::max(count(bands_.hot_share + bands_.warm_share), cuts[0].k), m);
    });
    const auto found = finder.finish(cuts);
    const auto cut_of = [&](std::size_t which) {
        const cut_search& s = cuts[which];
        band_cut c;
        if (s.k == 0) return c; // +infinity, row 0: nothing is at or above it
        const auto& f = found[which];
        c.score = score_of(f.key);
        if (bands_.ties == tie_rule::by_row) {
            c.row_cut = f.row + 1;
            c.count = s.k;
        } else {
            c.row_cut = scores.size();
            c.count = f.above + f.tied;
        }
        return c;
    };
    r.hot_ = cut_of(0);
    r.warm_ = cut_of(1);
    return r;
}

namespace {
constexpr rating rel_hot{temperature::hot, 0, 0}, rel_warm{temperature::warm, 0, 1},
    rel_cold{temperature::cold, 0, 2}, rel_nan{temperature::unknown, 0, 3};
} // namespace

rating relative_band_policy::rater::rate(std::size_t row, double s) const noexcept {
    if (std::isnan(s)) return rel_nan;
    if (s > hot_.score || (s == hot_.score && row < hot_.row_cut)) return rel_hot;
    if (s > warm_.score || (s == warm_.score && row < warm_.row_cut)) return rel_warm;
    return rel_cold;
}

void relative_band_policy::rater::rate_batch(std::size_t first, std::span<const double> scores,
                                             std::span<rating> out) const noexcept {
    constexpr auto hot = std::bit_cast<std::uint32_t>(rel_hot), warm = std::bit_cast<std::uint32_t>(rel_warm),
                   cold = std::bit_cast<std::uint32_t>(rel_cold), nan = std::bit_cast<std::uint32_t>(rel_nan);
    // A row is at or above a cut when s > score, or s == score and row < row_cut: so before the row cut the band
    // starts at the cut's score, after it just above. Cutting the block at the row cuts leaves plain thresholds.
    const std::size_t end = first + out.size();
    std::size_t bounds[4] = {first, std::clamp(hot_.row_cut, first, end), std::clamp(warm_.row_cut, first, end), end};
    std::sort(bounds + 1, bounds + 3);
    for (int k = 0; k < 3; ++k) {
        const std::size_t a = bounds[k], b = bounds[k + 1];
        if (a == b) continue;
        const double hot_at = a < hot_.row_cut ? hot_.score : just_above(hot_.score);
        const double warm_at = a < warm_.row_cut ? warm_.score : just_above(warm_.score);
        band_kernel(scores.data() + (a - first), out.data() + (a - first), b - a, hot_at, warm_at, hot, warm, cold, nan);
    }
}

bool operator==(const score_band_policy& a, const score_band_policy& b) { return a.bands_ == b.bands_; }

bool operator==(const relative_band_policy& a, const relative_band_policy& b) { return a.bands_ == b.bands_; }

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(TemperaturePolicy<score_band_policy>);
static_assert(BatchTemperatureRater<rater_t<score_band_policy>>);
static_assert(TemperaturePolicy<relative_band_policy>);
static_assert(BatchTemperatureRater<rater_t<relative_band_policy>>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const score_bands&, const score_bands&) = default;
bool operator==(const relative_bands&, const relative_bands&) = default;
bool operator==(const band_cut&, const band_cut&) = default;

} // namespace leadscore
