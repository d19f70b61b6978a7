#pragma once
// Learning a feature encoder from data: which fields, categorical vocabularies with a minimum count, centers and
// scales, missing-value features, quantile bins, event counts. The result is a plain feature_encoder
// (scoring/encoder.hpp), so a learned encoder scores exactly like a hand-written one.
//
//   learned_encoder e = learn_encoder(view, train_rows, {.min_category_count = 20, .numeric = numeric_encoding::bins});
//
// What is learned, from the given rows only (so cross-validation does not leak a test fold into the encoding):
// - numeric field: center = mean, scale = population standard deviation (1 when it is 0) of the present values,
//   missing values imputed at the mean (so they encode to 0); with bins, cut points at the quantiles k/bins of the
//   present values (the value at sorted position ⌊k·n/bins⌋, repeats and cuts at the minimum dropped, so each bin
//   holds values), each bin one feature;
// - categorical field: the vocabulary is every text seen in at least min_category_count rows, most frequent first
//   (ties by text); texts seen less often, and texts never seen, encode by `unknown` — with `other` they share a
//   "<field> other" feature, which exists only when some text was pooled (otherwise unknown texts encode to 0);
// - boolean field: 0 / 1, a missing value imputed at the share of true;
// - a "<field> missing" feature (with missing_indicators) only for a field that has missing values in the rows;
// - event counts: per listed type, the number of the lead's events of that type within event_window_days of the
//   as-of time, standardized like a numeric field (or log1p first).
// A field with no present value in the rows, or a categorical field every text of which is pooled, has nothing to
// learn from: it is left out, with a note saying so.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/scoring/encoder.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// How numeric fields become features.
enum class numeric_encoding : std::uint8_t {
    standardize,            ///< one feature (x − mean) / sd
    bins,                   ///< one-hot quantile bins (non-linear effects)
    standardize_and_bins,   ///< both: a linear trend plus steps
};
/// "standardize", "bins", "standardize_and_bins".
[[nodiscard]] std::string_view to_string(numeric_encoding e) noexcept;

/// What learn_encoder encodes, and how (see the header comment).
struct encoder_options {
    /// The fields to encode, in this order. Empty: every numeric, categorical and boolean field of the view in
    /// schema order, except those in `exclude`, the target's field and the fields holding the roles id, name,
    /// email, phone and company (identifiers) and stage and outcome (they record the result).
    std::vector<std::string> fields{};
    std::vector<std::string> exclude{}; ///< fields left out when `fields` is empty; each must be a field of the view
    /// A categorical text seen in fewer rows than this is not given a feature of its own (≥ 1).
    std::size_t min_category_count = 1;
    /// Where pooled and never-seen texts go: `other` (a shared feature), `zeros` or `error` (scoring one throws).
    unknown_category unknown = unknown_category::other;
    numeric_encoding numeric = numeric_encoding::standardize; ///< how numeric fields become features
    /// Per field, overrides `numeric`.
    std::map<std::string, numeric_encoding> numeric_by_field{};
    /// Quantile bins per binned numeric field (≥ 2); fewer remain when values repeat.
    std::size_t bins = 10;
    bool missing_indicators = true; ///< a "<field> missing" feature per field with missing values in the rows
    /// Event types to count (compared normalized); each gives one feature. Needs a view with events.
    std::vector<std::string> event_counts{};
    double event_window_days = 36500; ///< > 0
    bool event_log1p = false;         ///< standardize log(1 + count) instead of the count
    /// Equal when every field is equal.
    friend bool operator==(const encoder_options&, const encoder_options&);
};

/// What learn_encoder returns.
struct learned_encoder {
    feature_encoder encoder;        ///< scores like a hand-written encoder
    std::vector<std::string> notes; ///< fields left out and why
};

/// Learns an encoder from rows of a view (each row counts once; the rows must be within the view) as of a time.
/// `target_field` is never encoded. Throws definition_error naming the field for an unknown field, a field listed
/// twice, a listed field of a type that cannot be encoded (timestamp) or the target's field, or a numeric_by_field
/// entry that is not numeric; definition_error also for min_category_count 0, bins below 2, unknown = error with
/// min_category_count above 1, a window of 0 days or less, a row past the view's end, or event counts over a view
/// without events; input_error as the encoder's bind and encode do.
[[nodiscard]] learned_encoder learn_encoder(const table_view& view, std::span<const std::size_t> rows,
                                            const encoder_options& options, timestamp as_of,
                                            std::string_view target_field = {});

} // namespace leadscore
