#pragma once
// How good are scores? Ranking metrics (ROC AUC, average precision, lift and gains), probability metrics (log loss,
// Brier score, a reliability table), a confusion matrix at a threshold, and conversion per temperature band.
//
//   auto labels = target_labels(test_view, {.field = "y", .positive = {"yes"}});
//   auto scores = score_batch(policy, test_view, batch_options{.as_of = as_of});
//   evaluation_report e = evaluate(scores, labels);     // every metric at once (what `leadscore evaluate` prints)
//   double auc = roc_auc(scores, labels);               // or one at a time
//
// Inputs, everywhere: one score and one label per row (labels as target_labels gives them: 1, 0, or unlabelled
// = -1). Unlabelled rows are left out. A labelled row whose score is NaN ("not computable") throws input_error
// naming the row — evaluate() can skip and count such rows instead. A label other than 1, 0 or -1 throws
// input_error naming the row; scores and labels of different lengths throw definition_error.
// A metric that is undefined for the rows given (AUC without positives or without negatives, a mean over no rows)
// is NaN, not an error. Every metric is computed in one thread, in row order: the same inputs give the same bits.

#include "leadscore/scoring/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace leadscore {

/// ROC AUC, exact with ties: the probability that a random positive scores above a random negative, counting a tie
/// as one half — the Mann–Whitney U over n₊·n₋, summed in integers. Any real scores (points too); ±∞ allowed.
[[nodiscard]] double roc_auc(std::span<const double> scores, std::span<const std::int8_t> labels);

/// Average precision, the area under the precision–recall curve as a step function: Σ over distinct scores from
/// the highest down of (recall gained at that score) × (precision of all rows scored at or above it) — scikit-
/// learn's average_precision_score. NaN without positives.
[[nodiscard]] double average_precision(std::span<const double> scores, std::span<const std::int8_t> labels);

/// Mean log loss −[y·log p + (1 − y)·log(1 − p)], p clipped to [eps, 1 − eps]. Scores must be probabilities
/// (a score outside [0, 1] throws input_error naming the row).
[[nodiscard]] double log_loss(std::span<const double> scores, std::span<const std::int8_t> labels, double eps = 1e-15);

/// Mean squared error (p − y)² of probabilities (a score outside [0, 1] throws input_error naming the row).
[[nodiscard]] double brier_score(std::span<const double> scores, std::span<const std::int8_t> labels);

/// One bin of a lift and cumulative gains table. Bin k (from 0, highest scores first) holds the rows ranked
/// ⌊k·n/bins⌋ to ⌊(k+1)·n/bins⌋ − 1 by descending score. Rows with equal scores have no order among them, so a
/// group of ties that straddles a bin boundary counts its positives in each bin in proportion to its rows there
/// (the expected count under a random order of the ties): positive counts may be fractional.
struct gain_row {
    std::size_t rows = 0;            ///< rows in the bin
    double positives = 0;            ///< positives in the bin
    double rate = 0;                 ///< positives / rows
    double lift = 0;                 ///< rate / the overall positive rate
    double depth = 0;                ///< the share of all rows up to the end of this bin
    double cumulative_positives = 0; ///< positives up to the end of this bin
    double cumulative_gain = 0;      ///< cumulative_positives / all positives
    double cumulative_lift = 0;      ///< (cumulative_positives / rows up to here) / the overall positive rate
    double highest_score = 0;        ///< the highest score in the bin (NaN for an empty bin)
    double lowest_score = 0;         ///< the lowest score in the bin (NaN for an empty bin)
};

/// Lift and cumulative gains by bin (deciles by default). Bins ≥ 1 (definition_error otherwise); with fewer
/// labelled rows than bins, some bins hold no row (rate and lift NaN). Lifts are NaN without positives.
[[nodiscard]] std::vector<gain_row> gains_table(std::span<const double> scores, std::span<const std::int8_t> labels,
                                                std::size_t bins = 10);

/// Counts at a threshold: a row is predicted positive when its score is at or above the threshold. Each rate is
/// NaN when its denominator is 0.
struct confusion_matrix {
    std::size_t true_positives = 0;  ///< positives predicted positive (TP)
    std::size_t false_positives = 0; ///< negatives predicted positive (FP)
    std::size_t true_negatives = 0;  ///< negatives predicted negative (TN)
    std::size_t false_negatives = 0; ///< positives predicted negative (FN)
    [[nodiscard]] double precision() const noexcept;   ///< TP / (TP + FP)
    [[nodiscard]] double recall() const noexcept;      ///< TP / (TP + FN)
    [[nodiscard]] double specificity() const noexcept; ///< TN / (TN + FP)
    [[nodiscard]] double accuracy() const noexcept;    ///< (TP + TN) / all
    [[nodiscard]] double f1() const noexcept;          ///< 2·TP / (2·TP + FP + FN)
    /// Equal when every count is equal.
    friend bool operator==(const confusion_matrix&, const confusion_matrix&);
};

/// The confusion matrix of the labelled rows at `threshold`.
[[nodiscard]] confusion_matrix confusion_at(std::span<const double> scores, std::span<const std::int8_t> labels,
                                            double threshold);

/// How scores bin for a reliability table.
enum class binning : std::uint8_t {
    uniform,  ///< bins of equal width over [0, 1]: bin k holds [k/bins, (k+1)/bins), the last also holds 1
    quantile, ///< bins of about equal rows: edges at the scores ranked ⌊k·n/bins⌋; equal scores share a bin
};

/// One bin of a reliability table.
struct reliability_bin {
    double lower = 0;          ///< lower edge (quantile: the lowest score in the bin)
    double upper = 0;          ///< upper edge (quantile: the next bin's edge; the highest score for the last bin)
    std::size_t rows = 0;      ///< labelled rows in the bin
    std::size_t positives = 0; ///< of which positive
    double mean_score = 0;     ///< NaN for an empty bin
    double observed_rate = 0;  ///< positives / rows; NaN for an empty bin
};

/// Predicted against observed conversion by score bin, with two summaries of the gap.
struct reliability_table {
    std::vector<reliability_bin> bins;     ///< uniform: all bins, empty ones too; quantile: the non-empty ones
    double expected_calibration_error = 0; ///< Σ rows/n · |mean_score − observed_rate| over non-empty bins
    double max_calibration_error = 0;      ///< the largest |mean_score − observed_rate|
};

/// Predicted against observed conversion by score bin. Scores must be probabilities (input_error naming the row
/// otherwise); bins ≥ 1.
[[nodiscard]] reliability_table reliability(std::span<const double> scores, std::span<const std::int8_t> labels,
                                            std::size_t bins = 10, binning how = binning::uniform);

/// Conversion of one band (a temperature such as cold / warm / hot, a grade, a score band).
struct band_rate {
    std::string band;                ///< the band's name
    std::size_t rows = 0;            ///< rows in the band, labelled or not
    std::size_t labelled = 0;        ///< of which labelled 1 or 0
    std::size_t positives = 0;       ///< of which labelled 1
    double rate = 0;                 ///< positives / labelled; NaN when none is labelled
    double share_of_positives = 0;   ///< positives / all positives of the banded rows; NaN without positives
};

/// Conversion of every band, as conversion_by_band computes it.
struct band_conversion {
    std::vector<band_rate> bands; ///< one per name, in the names' order
    std::size_t unbanded = 0;     ///< rows whose band is negative (no band): not in any entry
};

/// Conversion per band: `bands` holds each row's band as an index into `names` (negative: no band). Throws
/// definition_error when the sizes differ; input_error naming the row for a band index ≥ names.size() or a bad label.
[[nodiscard]] band_conversion conversion_by_band(std::span<const std::int32_t> bands,
                                                 std::span<const std::int8_t> labels,
                                                 std::span<const std::string> names);

/// The same for bands of any enum or integer type, such as the temperature layer's `temperature` (cold, warm, hot,
/// unknown): a value v is band v (an enum by its underlying value), negative values are no band, and a value at or
/// beyond names.size() throws input_error naming the row — so list a name for every value that occurs
/// ({"cold", "warm", "hot", "unknown"}).
template <class R, class V = std::remove_cvref_t<decltype(*std::data(std::declval<const R&>()))>>
    requires(std::is_enum_v<V> || (std::is_integral_v<V> && !std::is_same_v<V, std::int32_t>))
[[nodiscard]] band_conversion conversion_by_band(const R& bands, std::span<const std::int8_t> labels,
                                                 std::span<const std::string> names) {
    using raw = typename std::conditional_t<std::is_enum_v<V>, std::underlying_type<V>, std::type_identity<V>>::type;
    constexpr auto top = std::numeric_limits<std::int32_t>::max();
    std::vector<std::int32_t> index;
    index.reserve(std::size(bands));
    for (const auto& b : bands) {
        const auto v = static_cast<raw>(b);
        if constexpr (std::is_signed_v<raw>) index.push_back(v < 0 ? -1 : v > top ? top : static_cast<std::int32_t>(v));
        else index.push_back(static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(top) ? top : static_cast<std::int32_t>(v));
    }
    return conversion_by_band(std::span<const std::int32_t>(index), labels, names);
}

/// What evaluate() computes, and how.
struct evaluation_options {
    /// Probability scores: log loss, Brier score and the reliability table are computed. points: they are NaN
    /// and empty.
    score_scale scale = score_scale::probability;
    double threshold = 0.5;            ///< for the confusion matrix
    std::size_t gain_bins = 10;        ///< bins of the gains table (≥ 1)
    std::size_t reliability_bins = 10; ///< bins of the reliability table (≥ 1)
    binning reliability_binning = binning::uniform; ///< how the reliability table bins scores
    /// Leave out (and count in `unscored`) labelled rows whose score is NaN instead of throwing.
    bool skip_unscored = false;
};

/// Every metric of one set of scores.
struct evaluation_report {
    std::size_t rows = 0;       ///< labelled rows evaluated
    std::size_t positives = 0;  ///< of which positive
    std::size_t unscored = 0;   ///< labelled rows left out for a NaN score (skip_unscored)
    double base_rate = 0;       ///< positives / rows
    double roc_auc = 0;         ///< as roc_auc() computes it
    double average_precision = 0; ///< as average_precision() computes it
    double log_loss = 0;        ///< NaN for points
    double brier_score = 0;     ///< NaN for points
    confusion_matrix confusion; ///< at options.threshold
    std::vector<gain_row> gains; ///< options.gain_bins bins, highest scores first
    reliability_table reliability; ///< empty for points
};

/// All of the above at once. Errors as the single metrics; definition_error for 0 bins.
[[nodiscard]] evaluation_report evaluate(std::span<const double> scores, std::span<const std::int8_t> labels,
                                  const evaluation_options& options = {});

} // namespace leadscore
