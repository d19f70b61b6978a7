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

/// What encoder_statistics keeps of one encoded field (or one counted event type): counts and sums that merge across
/// parts of the rows. Plain data, so that a part made in one process can be sent to another and merged there.
struct field_statistics {
    std::string name;                      ///< the field (for an event count: the event type, as listed)
    field_type type = field_type::numeric; ///< numeric (event counts too), categorical or boolean
    std::uint64_t rows = 0;                ///< rows added
    std::uint64_t present = 0;             ///< of which with a present value (every row for an event count)
    double mean = 0;                       ///< numeric: the mean of the present values
    double squares = 0;                    ///< numeric: Σ (x − mean)² over the present values
    std::uint64_t trues = 0;               ///< boolean: the present values that are true
    /// Binned numeric: every distinct present value, ascending (−0 counted as 0). One entry per distinct value: a
    /// continuous field over n rows keeps up to n of them, as learn_encoder's sort of the values does.
    std::vector<double> values{};
    std::vector<std::string> texts{};      ///< categorical: every present text, ascending (byte order)
    std::vector<std::uint64_t> counts{};   ///< the rows holding each entry of `values` (or of `texts`)
    /// Equal when every member is equal.
    friend bool operator==(const field_statistics&, const field_statistics&);
};

/// Learning an encoder as a mergeable accumulator: add parts of the training rows (from one view or from many views
/// of one schema, e.g. the partitions of a distributed frame), merge accumulators, then finish. learn_encoder is
/// one add over every row, then finish; so any split of the rows gives the same encoder as learn_encoder on all of
/// them: exactly for counts, vocabularies, shares of true, missing indicators and quantile cut points (order
/// statistics of the merged value counts, the sorted position ⌊k·n/bins⌋ as learn_encoder takes it); for centers
/// and scales up to rounding (means and squared deviations of each add, merged by Chan's formula; bit for bit when
/// the rows are added in one part). The merge subtracts the parts' rounded means, so a scale keeps about 15 digits
/// less log10(|mean| / spread): a field whose mean is 1e9 times its spread keeps about 9 (shift such a field).
///
///   encoder_statistics s(schema, options, as_of, "outcome");
///   for (const auto& part : parts) s.add(part.view(), part_rows);   // or: merge statistics made elsewhere
///   learned_encoder e = s.finish();
///
/// Memory: a few numbers per field, plus one entry per distinct value of each binned field and per distinct text of
/// each categorical field.
class encoder_statistics {
public:
    /// Statistics of the fields `options` chooses from `fields` (as learn_encoder chooses them), all empty. Throws
    /// definition_error as learn_encoder does for bad options and fields.
    encoder_statistics(const schema& fields, encoder_options options, timestamp as_of,
                       std::string_view target_field = {});
    /// Adds rows of a view whose schema holds every chosen field by name with the same type. Throws definition_error
    /// for a missing or retyped field, a row past the view's end, or event counts over a view without events;
    /// input_error as learn_encoder (an infinite value, a code outside the dictionary), naming the view's row.
    void add(const table_view& view, std::span<const std::size_t> rows);
    /// Adds the statistics of other rows (made with equal options and as-of time). Throws definition_error when
    /// they are not of the same fields.
    void merge(const encoder_statistics& other);
    /// Adds statistics of other rows given as fields() returned them (from another process, say). Throws
    /// definition_error naming the field when they are not of the same fields, in the same order, or inconsistent
    /// (values or texts not ascending, counts that do not add up).
    void merge(std::span<const field_statistics> other);
    /// The encoder learned from every row added (as learn_encoder documents it).
    [[nodiscard]] learned_encoder finish() const;
    /// The statistics: the chosen fields in encoding order, then one per event type.
    [[nodiscard]] const std::vector<field_statistics>& fields() const noexcept { return fields_; }
    /// The options the statistics were made with.
    [[nodiscard]] const encoder_options& options() const noexcept { return options_; }

private:
    encoder_options options_;
    timestamp as_of_;
    std::vector<field_statistics> fields_;
    std::vector<bool> binned_; ///< per entry of fields_: keeps the values (a binned numeric field)
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
