#pragma once
// Field conditions: "industry is software", "employees between 50 and 1000", "job_title contains 'vp'", "phone is
// missing". A condition is a plain value (points rules, grade criteria and routing rules hold them); binding it to a
// table view resolves the field once and gives a bound_condition that tests rows, one at a time or a block at once.
//
// Semantics a user must know:
// - equals / one_of compare numbers exactly, texts exactly or ignoring ASCII case (the default), booleans and
//   timestamps exactly; contains looks for a substring of a categorical text, ignoring ASCII case by default.
// - range: numeric or timestamp fields; each bound may be left out and is inclusive unless said otherwise.
// - A missing value (NaN, missing_code, missing_flag, missing_time) fails every test except is_missing, negated or
//   not: `not (industry = 'retail')` does not pick leads whose industry is unknown.

#include "leadscore/core/lead.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// What a condition tests.
enum class condition_test : std::uint8_t {
    equals,    ///< the value equals values[0]
    one_of,    ///< the value equals one of values
    range,     ///< low <= value <= high (bounds optional, inclusive unless the flags say otherwise)
    contains,  ///< a categorical text contains values[0] (a non-empty text)
    is_missing ///< the value is missing
};
/// The test's name, as parse_condition_test reads it.
[[nodiscard]] std::string_view to_string(condition_test t) noexcept;
/// "equals", "one_of", "range", "contains", "is_missing"; nullopt for anything else.
[[nodiscard]] std::optional<condition_test> parse_condition_test(std::string_view s) noexcept;

/// A test of one field. Literals are attribute values: double for numeric fields, std::string for categorical,
/// bool for boolean, timestamp for timestamp fields.
struct condition {
    std::string field;                          ///< the field's name in the schema
    condition_test test = condition_test::equals; ///< what is tested
    std::vector<attribute_value> values;        ///< equals, contains: one; one_of: one or more; otherwise none
    std::optional<attribute_value> low;         ///< range only: double or timestamp bound; low or high is set
    std::optional<attribute_value> high;        ///< range only: double or timestamp bound; low or high is set
    bool low_inclusive = true;                  ///< range: value >= low (true) or value > low (false)
    bool high_inclusive = true;                 ///< range: value <= high (true) or value < high (false)
    bool negate = false;                        ///< true: a present value matches when the test fails
    bool case_sensitive = false;                ///< text tests: compare exactly instead of ignoring ASCII case

    /// The value equals `value` (texts compared ignoring ASCII case).
    [[nodiscard]] static condition equals(std::string field, attribute_value value);
    /// The value equals one of `values` (texts compared ignoring ASCII case).
    [[nodiscard]] static condition one_of(std::string field, std::vector<attribute_value> values);
    /// low <= value <= high.
    [[nodiscard]] static condition between(std::string field, attribute_value low, attribute_value high);
    [[nodiscard]] static condition at_least(std::string field, attribute_value low); ///< value >= low
    [[nodiscard]] static condition above(std::string field, attribute_value low);    ///< value > low
    [[nodiscard]] static condition at_most(std::string field, attribute_value high); ///< value <= high
    [[nodiscard]] static condition below(std::string field, attribute_value high);   ///< value < high
    /// The categorical text contains `text`, ignoring ASCII case.
    [[nodiscard]] static condition contains(std::string field, std::string text);
    /// The value is missing.
    [[nodiscard]] static condition is_missing(std::string field);

    /// The same condition, negated.
    [[nodiscard]] condition operator!() const;

    /// Equal when every field is equal.
    friend bool operator==(const condition&, const condition&);
};

/// Checks what can be checked without a table: a field name, the number and kinds of literals for the test, no NaN,
/// low <= high, a non-empty contains text. Throws definition_error naming the field and the condition.
void validate(const condition& c);

/// A readable form, used in explanations and error messages: "employees in [50, 1000]", "industry = 'software'",
/// "not (job_title contains 'intern')", "phone is missing".
[[nodiscard]] std::string to_string(const condition& c);

/// A condition bound to a table view: the field resolved to its column, texts to per-dictionary-code tables. Borrows
/// the view's columns (the table must outlive it). Const members may run on several threads at once.
class bound_condition {
public:
    /// Bound to no view (no rows): a placeholder to assign to; testing any row throws std::out_of_range.
    bound_condition() = default;
    /// Validates c, resolves its field and checks that the test and literals fit the field's type; throws
    /// definition_error naming the field and the condition otherwise.
    bound_condition(const condition& c, const table_view& view);

    /// Whether row `row` of the view matches. Throws definition_error for a categorical code outside its dictionary
    /// or a boolean flag other than -1, 0, 1 (possible only in a view over a CRM's own arrays).
    [[nodiscard]] bool matches(std::size_t row) const;
    /// out[i] = 1 when row first + i matches, else 0.
    void match_block(std::size_t first, std::span<std::uint8_t> out) const;
    /// out[i] += amount when row first + i matches. The column-wise form points rules use.
    void add_where(std::size_t first, double amount, std::span<double> out) const;

    /// A hint: starts loading the row's value into cache, so that several conditions tested on one row wait for
    /// memory once rather than one after another. Does nothing for a row past the end.
    void prefetch(std::size_t row) const noexcept {
        if (row >= rows_) return;
        if (numbers_ != nullptr) __builtin_prefetch(numbers_ + row);
        else if (codes_ != nullptr) __builtin_prefetch(codes_ + row);
        else if (flags_ != nullptr) __builtin_prefetch(flags_ + row);
        else if (times_ != nullptr) __builtin_prefetch(times_ + row);
    }

    /// The field's column index in the view's schema.
    [[nodiscard]] std::size_t column() const noexcept { return column_; }

private:
    enum class kind : std::uint8_t { numeric_range, numeric_set, numeric_missing, code_table, flag_table,
                                     time_range, time_set, time_missing, constant };
    void bind_numeric(const condition& c, const table_view& view);
    void bind_codes(const condition& c, const table_view& view);
    void bind_flags(const condition& c, const table_view& view);
    void bind_times(const condition& c, const table_view& view);
    template <class F>
    void for_block(std::size_t first, std::size_t n, F&& f) const;
    [[noreturn]] void bad_value(std::size_t row) const;

    kind kind_ = kind::constant;
    bool negate_ = false;   // numeric and timestamp tests: flips the result for present values
    bool constant_ = false; // kind::constant
    std::size_t column_ = 0;
    std::string field_;
    const double* numbers_ = nullptr;
    const std::int32_t* codes_ = nullptr;
    const std::int8_t* flags_ = nullptr;
    const std::int64_t* times_ = nullptr;
    std::size_t rows_ = 0;
    double low_ = 0, high_ = 0;             // numeric_range, closed after adjusting exclusive bounds
    std::int64_t low_time_ = 0, high_time_ = 0;
    std::vector<double> number_set_;
    std::vector<std::int64_t> time_set_;
    std::vector<std::uint8_t> table_;       // code_table: index code + 1 (0 = missing); flag_table: flag + 1
};

namespace detail {

/// Per-code match flags of a text test (equals, one_of, contains) over a dictionary: result[code] is 1 when the
/// code's text passes. Shared by conditions and by engagement rules' detail filters.
[[nodiscard]] std::vector<std::uint8_t> code_match_table(const dictionary& d, condition_test test,
                                                   std::span<const std::string> texts, bool case_sensitive);

/// ASCII lower case; other bytes unchanged.
[[nodiscard]] std::string ascii_lower(std::string_view s);

/// Shortest text that reads back as the same double ("0.1", "1e+30").
[[nodiscard]] std::string format_shortest(double x);

} // namespace detail

} // namespace leadscore
