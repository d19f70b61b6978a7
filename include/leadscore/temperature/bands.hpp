#pragma once
// Temperature from the score: fixed bands (thresholds on points or on probability) and relative bands (quantiles
// over the batch: for example the top 10 % hot, the next 30 % warm).
//
// Semantics a user must know:
// - Fixed bands: score >= hot is hot, score >= warm is warm, anything lower is cold; a score equal to a threshold is
//   in the band the threshold opens. NaN is unknown. +/-infinity are ordinary scores.
// - Relative bands: among the rows with a score (NaN rows are unknown and are not counted), the k_hot = round(hot_share
//   · m) highest scores are hot and the next round((hot_share + warm_share) · m) − k_hot are warm, m being the number
//   of scored rows (round: half away from zero). Ties at a cut are broken by row: the earlier row ranks higher, so
//   the counts are exact (tie_rule::by_row); or every row tied with the last one in a band joins it, so the band may
//   hold more (tie_rule::shared). -0.0 and +0.0 are the same score. The cuts depend on the whole batch and on nothing
//   else: the same batch gives the same bands for any thread count.
// - Either kind, rated at another score than the batch's own (hysteresis does that), compares it with the same cuts.

#include "leadscore/scoring/policy.hpp"
#include "leadscore/temperature/policy.hpp"

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// Two thresholds on one scale: warm from `warm` up, hot from `hot` up.
struct score_bands {
    score_scale scale = score_scale::points; ///< the thresholds' scale; bind refuses scores of another scale
    double warm = 0; ///< the lowest warm score: finite, below hot (in [0, 1] on the probability scale)
    double hot = 0;  ///< the lowest hot score: finite (in [0, 1] on the probability scale)
    /// Equal when every field is equal.
    friend bool operator==(const score_bands&, const score_bands&);
};

/// Temperature from fixed score bands. Reasons: 0 "score at or above <hot>", 1 "score at or above <warm>, below
/// <hot>", 2 "score below <warm>", 3 "score not computable (NaN)".
class score_band_policy {
public:
    /// Throws definition_error naming the threshold for a threshold that is not finite, warm not strictly below hot,
    /// or (on the probability scale) a threshold outside [0, 1].
    explicit score_band_policy(score_bands bands);

    /// The thresholds, as validated.
    [[nodiscard]] const score_bands& bands() const noexcept { return bands_; }
    /// The four reasons of the class comment, with the thresholds written out.
    [[nodiscard]] const std::vector<std::string>& reasons() const noexcept { return reasons_; }

    /// Compares scores with the two thresholds; it keeps no reference to the input. The contract is in
    /// leadscore/temperature/policy.hpp.
    class rater {
    public:
        /// The band of `score` (unknown for NaN); the row plays no part.
        [[nodiscard]] rating rate(std::size_t row, double score) const noexcept;
        /// The batch form of rate, without branches per row.
        void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const noexcept;

    private:
        friend class score_band_policy;
        double warm_ = 0, hot_ = 0;
    };

    /// Throws definition_error when the input declares a scale other than the bands'.
    [[nodiscard]] rater bind(const rating_input& in, const batch_options& options) const;

    /// Equal when the bands are equal.
    friend bool operator==(const score_band_policy& a, const score_band_policy& b);

private:
    score_bands bands_;
    std::vector<std::string> reasons_;
};

/// How relative bands break ties at a cut.
enum class tie_rule : std::uint8_t {
    by_row, ///< the earlier row ranks higher: every band holds exactly its share (rounded)
    shared  ///< rows tied with the last row of a band all join it: a band may hold more than its share
};
/// "by_row", "shared".
[[nodiscard]] std::string_view to_string(tie_rule t) noexcept;

/// Shares of the batch: the top `hot_share` hot, the next `warm_share` warm, the rest cold.
struct relative_bands {
    double hot_share = 0.1;           ///< share of the scored rows that is hot, in [0, 1]
    double warm_share = 0.3;          ///< share that is warm, in [0, 1]; hot_share + warm_share <= 1
    tie_rule ties = tie_rule::by_row; ///< how rows tied at a cut are placed
    /// Equal when every field is equal.
    friend bool operator==(const relative_bands&, const relative_bands&);
};

/// Where a band of a relative policy starts in one batch: a row is in the band or above when its score s satisfies
/// s > score, or s == score and row < row_cut.
struct band_cut {
    double score = std::numeric_limits<double>::infinity(); ///< the lowest score in; +infinity with row_cut 0: none
    std::size_t row_cut = 0; ///< rows before this one that score exactly `score` are in, later ones are not
    std::size_t count = 0; ///< rows at or above the cut in the batch (the band and the bands above it)
    /// Equal when every field is equal.
    friend bool operator==(const band_cut&, const band_cut&);
};

/// Temperature from quantiles of the batch's scores. Reasons: 0 "in the top <h> % of the batch", 1 "in the next
/// <w> % of the batch", 2 "below the top <h + w> % of the batch", 3 "score not computable (NaN)".
class relative_band_policy {
public:
    /// Throws definition_error for a share that is not a finite number in [0, 1], or shares that add up to more
    /// than 1.
    explicit relative_band_policy(relative_bands bands = {});

    /// The shares and tie rule, as validated.
    [[nodiscard]] const relative_bands& bands() const noexcept { return bands_; }
    /// The four reasons of the class comment, with the shares written out.
    [[nodiscard]] const std::vector<std::string>& reasons() const noexcept { return reasons_; }

    /// Compares scores with the two cuts bind found in the batch; it keeps no reference to the input. The contract
    /// is in leadscore/temperature/policy.hpp.
    class rater {
    public:
        /// The band of `row` at `score` by the batch's cuts (unknown for NaN); the row breaks a tie at a cut.
        [[nodiscard]] rating rate(std::size_t row, double score) const noexcept;
        /// The batch form of rate, without branches per row.
        void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const noexcept;
        /// The cut of the hot band in this batch.
        [[nodiscard]] const band_cut& hot_cut() const noexcept { return hot_; }
        /// The cut of the warm band in this batch, hot rows included.
        [[nodiscard]] const band_cut& warm_cut() const noexcept { return warm_; }

    private:
        friend class relative_band_policy;
        band_cut hot_, warm_;
    };

    /// Finds the cuts over the input's scores, on options.threads threads: radix selection on the scores' bits (one
    /// histogram pass, more only when many scores share a bucket), then the selected bucket's scores gathered and
    /// finished in memory (at most 1/16 of the batch).
    [[nodiscard]] rater bind(const rating_input& in, const batch_options& options) const;

    /// Equal when the bands are equal.
    friend bool operator==(const relative_band_policy& a, const relative_band_policy& b);

private:
    relative_bands bands_;
    std::vector<std::string> reasons_;
};

} // namespace leadscore
