#pragma once
// The feature encoder: how lead fields and engagement events become a dense feature vector, for models
// (logistic_policy) and for the training code that builds their design matrix.
//
// An encoder is a list of feature specifications, plain structs a learner fills in (vocabularies, centers and
// scales, cut points). Each specification gives one or more consecutive features, each with a readable name:
//
//   numeric_feature      "age"                        (x − center) / scale; missing → (impute − center) / scale
//                        "age missing"                1 when missing (missing_indicator)
//   binned_feature       "age < 18", "age in [18, 65)", "age >= 65"
//                                                     one-hot bins; bin k holds cuts[k−1] <= x < cuts[k]
//                        "age missing"                1 when missing (missing_indicator); else a missing value
//                                                     sets no bin
//   categorical_feature  "country=DE", …              one per vocabulary entry, compared exactly
//                        "country other"              a value outside the vocabulary (unknown_category::other)
//                        "country missing"            1 when missing (missing_feature)
//   boolean_feature      "newsletter"                 0 / 1; missing → impute
//                        "newsletter missing"         1 when missing (missing_indicator)
//   recency_feature      "days since page_visited"    min(days since the last such event, cap) − center, / scale;
//                                                     with no such event, the cap
//                        "no page_visited"            1 when there is no such event (none_indicator)
//   frequency_feature    "page_visited in 30 days"    count of such events at most window days old, − center,
//                                                     / scale; "log1p(page_visited in 30 days)" with log1p(count);
//                                                     "page_visited" for an unlimited window (unlimited_window_days)
//
// Semantics a user must know:
// - Events are seen as of a time: events after it do not exist; one exactly at it is 0 days old. Ages are in
//   fractional days (seconds / 86400). Event types are compared normalized (normalize_name), so "Page Visited"
//   matches "page_visited"; an empty list of types means every type.
// - A categorical value outside the vocabulary follows the feature's unknown_category rule; a missing one is not
//   unknown: it sets "<field> missing" or nothing.
// - Binding resolves field names to columns and vocabulary texts to dictionary codes once; encoding then reads the
//   view's columns where they are (no copy). The view's table must outlive the binding.

#include "leadscore/core/error.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/scoring/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace leadscore {

/// What a categorical value outside the vocabulary encodes to.
enum class unknown_category : std::uint8_t {
    zeros, ///< every feature of the field is 0
    other, ///< the feature "<field> other" is 1
    error  ///< encoding or scoring the row throws input_error naming the row and the field
};
/// "zeros", "other" or "error".
[[nodiscard]] std::string_view to_string(unknown_category u) noexcept;
/// "zeros", "other", "error"; nullopt for anything else.
[[nodiscard]] std::optional<unknown_category> parse_unknown_category(std::string_view s) noexcept;

/// A numeric field, standardized: x → (x − center) / scale. One feature, plus "<field> missing" if asked.
struct numeric_feature {
    std::string field{};            ///< a numeric field's name
    double center = 0;              ///< finite
    double scale = 1;               ///< finite, not 0
    double impute = 0;              ///< the raw value a missing one counts as (finite); it is standardized too
    bool missing_indicator = false; ///< adds "<field> missing": 1 when the value is missing
    /// Equal when every field is equal.
    friend bool operator==(const numeric_feature&, const numeric_feature&);
};

/// A numeric field cut into one-hot bins: with cuts c0 < c1 < … < c(k−1), bin 0 is x < c0, bin i is
/// c(i−1) <= x < c(i), bin k is x >= c(k−1). A value equal to a cut point falls in the bin above it.
struct binned_feature {
    std::string field{};            ///< a numeric field's name
    std::vector<double> cuts{};     ///< at least one, finite, strictly ascending
    bool missing_indicator = false; ///< adds "<field> missing"; without it a missing value sets no bin
    /// Equal when every field is equal.
    friend bool operator==(const binned_feature&, const binned_feature&);
};

/// A categorical field, one-hot over a vocabulary: "<field>=<text>" per entry, texts compared exactly.
struct categorical_feature {
    std::string field{};                           ///< a categorical field's name
    std::vector<std::string> vocabulary{};         ///< at least one entry, none repeated
    unknown_category unknown = unknown_category::zeros; ///< what a value outside the vocabulary encodes to
    bool missing_feature = false;                  ///< adds "<field> missing"; without it a missing value is all 0
    /// Equal when every field is equal.
    friend bool operator==(const categorical_feature&, const categorical_feature&);
};

/// A boolean field: 1 for true, 0 for false.
struct boolean_feature {
    std::string field{};            ///< a boolean field's name
    double impute = 0;              ///< the value a missing one encodes to (finite)
    bool missing_indicator = false; ///< adds "<field> missing"
    /// Equal when every field is equal.
    friend bool operator==(const boolean_feature&, const boolean_feature&);
};

/// Days since the lead's last event of the given types, capped: (min(days, cap_days) − center) / scale.
/// A lead with no such event (as of the time) gets cap_days.
struct recency_feature {
    std::vector<std::string> event_types{}; ///< compared normalized; empty = any type
    double cap_days = 365;                ///< finite, > 0
    bool none_indicator = false;          ///< adds "no <types>": 1 when the lead has no such event
    double center = 0;                    ///< finite
    double scale = 1;                     ///< finite, not 0
    /// Equal when every field is equal.
    friend bool operator==(const recency_feature&, const recency_feature&);
};

/// The number of the lead's events of the given types at most window_days old: (v − center) / scale with
/// v = count, or log1p(count) when log1p is set.
struct frequency_feature {
    std::vector<std::string> event_types{}; ///< compared normalized; empty = any type
    double window_days = 30;              ///< finite, > 0; an event exactly window_days old counts
    bool log1p = false;                   ///< use log1p(count) instead of the count (named "log1p(…)")
    double center = 0;                    ///< finite
    double scale = 1;                     ///< finite, not 0
    /// Equal when every field is equal.
    friend bool operator==(const frequency_feature&, const frequency_feature&);
};

/// One specification of an encoder.
using feature_spec = std::variant<numeric_feature, binned_feature, categorical_feature, boolean_feature,
                                  recency_feature, frequency_feature>;

/// The readable name of a specification, used in error messages: the field, or "days since page_visited" /
/// "page_visited in 30 days" for event features.
[[nodiscard]] std::string spec_name(const feature_spec& spec);

class bound_encoder;

/// A validated list of feature specifications. A value: copies share the immutable definition.
class feature_encoder {
public:
    /// No features (width 0): a model over it is its intercept alone.
    feature_encoder();
    /// Validates every specification and the feature names. Throws definition_error naming the specification
    /// (its position and name) and the rule broken: an empty field name, a scale of 0 or not finite, a center or
    /// imputed value that is not finite, cut points missing, not finite or not strictly ascending, an empty or
    /// repeated vocabulary entry, an empty or repeated event type, a cap or window of 0 days or less, two features
    /// of one name.
    explicit feature_encoder(std::vector<feature_spec> specs);

    /// The number of features (the length of an encoded row).
    [[nodiscard]] std::size_t width() const noexcept;
    /// One name per feature, in order.
    [[nodiscard]] const std::vector<std::string>& names() const noexcept;
    /// The specifications, as given.
    [[nodiscard]] const std::vector<feature_spec>& specs() const noexcept;
    /// Where specification i's features start in an encoded row; offset(specs().size()) == width().
    [[nodiscard]] std::size_t offset(std::size_t spec) const;
    /// The fields of the numeric, binned, categorical and boolean specifications, in order; events when there is a
    /// recency or frequency specification.
    [[nodiscard]] policy_fields fields_read() const;

    /// Resolves fields to columns, vocabularies to dictionary codes and event types to type codes, as of a time.
    /// Throws definition_error naming the specification and field for an unknown field, a field of another type,
    /// or an event feature over a view without events.
    [[nodiscard]] bound_encoder bind(const table_view& view, timestamp as_of) const;

    /// Same specifications in the same order.
    friend bool operator==(const feature_encoder& a, const feature_encoder& b) noexcept;

private:
    struct data;
    friend class bound_encoder;
    std::shared_ptr<const data> data_;
};

namespace detail {

/// One specification bound to a view: its columns and lookup tables. Shared by the encoder and the models built
/// on it, so they resolve the same way.
struct resolved_spec {
    std::size_t index = 0;                 ///< position among the specifications
    std::size_t offset = 0;                ///< first feature of the specification
    std::string_view field;                ///< spec_name of the specification (for errors); the encoder holds the text
    const double* numbers = nullptr;       ///< numeric, binned
    const std::int32_t* codes = nullptr;   ///< categorical
    const dictionary* dict = nullptr;      ///< categorical
    const std::int8_t* flags = nullptr;    ///< boolean
    /// categorical: per dictionary code, the slot within the specification (vocabulary position, or the "other"
    /// slot), no_slot (all zeros) or error_slot.
    std::vector<std::int32_t> slot;
    /// event features: per event type code of the view, 1 when the type counts.
    std::vector<std::uint8_t> counted;
};
inline constexpr std::int32_t no_slot = -1;
inline constexpr std::int32_t error_slot = -2;

/// The bin of x among ascending cut points: the number of cuts <= x. x must not be NaN.
[[nodiscard]] std::size_t bin_of(std::span<const double> cuts, double x) noexcept;

} // namespace detail

/// An encoder bound to a table view as of a time. Borrows the view's columns; const members may run on several
/// threads at once.
class bound_encoder {
public:
    /// The number of features (the encoder's width()).
    [[nodiscard]] std::size_t width() const noexcept;
    /// The number of rows of the bound view.
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    /// The encoder that was bound.
    [[nodiscard]] const feature_encoder& encoder() const noexcept { return encoder_; }
    /// The as-of time, in seconds since the Unix epoch (to_seconds of the timestamp given to bind).
    [[nodiscard]] std::int64_t as_of_seconds() const noexcept { return as_of_; }

    /// Writes row `row`'s features into out (out.size() == width()). Throws definition_error for a row past the
    /// end or an output of another size; input_error naming the row and field for a category outside the
    /// vocabulary under unknown_category::error, or for a code, flag or event type outside what the view's
    /// dictionaries allow (possible only in a view over a CRM's own arrays).
    void encode(std::size_t row, std::span<double> out) const;
    /// Rows [first, first + count) into out as a count × width() matrix in column-major order: feature j of row
    /// first + i at out[j · count + i] (the layout of a default Eigen or BLAS matrix, which can view it without a
    /// copy). out.size() must be count × width(). Errors as encode.
    void encode_rows(std::size_t first, std::size_t count, std::span<double> out) const;
    /// The same into a new vector of count × width() values, column-major.
    [[nodiscard]] std::vector<double> encode_rows(std::size_t first, std::size_t count) const;

    // The pieces models use to compute the same values without materializing rows.

    /// Specification i bound to the view.
    [[nodiscard]] const std::vector<detail::resolved_spec>& resolved() const noexcept { return specs_; }
    /// The slot of a categorical code for resolved spec s: its position, detail::no_slot or detail::error_slot
    /// (missing_code is not handled here). Throws input_error for a code outside the dictionary.
    [[nodiscard]] std::int32_t category_slot(const detail::resolved_spec& s, std::size_t row) const;
    /// Throws input_error naming the row and field: the category of `row` is outside the vocabulary.
    [[noreturn]] void unknown_category_error(const detail::resolved_spec& s, std::size_t row) const;
    /// Throws input_error naming the row and field: a flag other than missing, 0 or 1.
    [[noreturn]] void bad_flag_error(const detail::resolved_spec& s, std::size_t row) const;
    /// Days since the row's last counted event at or before as_of, or nullopt when there is none.
    [[nodiscard]] std::optional<double> days_since_last(const detail::resolved_spec& s, std::size_t row) const;
    /// The number of the row's counted events at or before as_of and at most `window_days` old.
    [[nodiscard]] std::size_t count_within(const detail::resolved_spec& s, std::size_t row, double window_days) const;

private:
    friend class feature_encoder;
    bound_encoder(feature_encoder e, std::size_t rows, std::int64_t as_of)
        : encoder_(std::move(e)), rows_(rows), as_of_(as_of) {}
    void check_event_type(const detail::resolved_spec& s, std::size_t row, const event_record& e) const;
    [[nodiscard]] bool counts(const detail::resolved_spec& s, std::size_t row, const event_record& e) const;

    feature_encoder encoder_;
    std::size_t rows_ = 0;
    std::int64_t as_of_ = 0;
    std::vector<detail::resolved_spec> specs_;
    std::span<const event_record> events_;
    std::span<const std::uint64_t> event_offsets_;
    std::size_t event_type_count_ = 0;
};

} // namespace leadscore
