#pragma once
// Temperature policies made of temperature policies — hottest of, coldest of, first defined, explicit intent
// overrides — and the explicit rating a sales rep sets on a lead (Salesforce's Hot / Warm / Cold "Rating" field).
//
// Semantics a user must know:
// - Parts are temperature_policy values bound to the same input; each part rates a block with its batch form, so a
//   combination costs one virtual call per part per block, never per lead.
// - hottest: the hottest defined level among the parts; coldest: the coldest; first defined: the first part's
//   defined level. Unknown parts are skipped; when every part is unknown the result is unknown. Among parts that
//   give the same level the first one listed gives the reason.
// - Reasons: part k's reason r becomes "<part name>: <text>", in part order; the last code is "no part gave a
//   temperature".
// - explicit_overrides(intent, base) is first defined of the two: where the lead stated its intent (a rep's rating,
//   a purchase timeframe rated with when_none = unknown) it wins, elsewhere the base policy decides.

#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/policy.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// A named part of a combination.
struct temperature_part {
    std::string name{};          ///< unique within the combination; prefixes the part's reasons
    temperature_policy policy{}; ///< not empty
};

/// How a combination picks among its parts' levels.
enum class combine_rule : std::uint8_t {
    hottest,      ///< the hottest defined level
    coldest,      ///< the coldest defined level
    first_defined ///< the defined level of the first part, in part order, that has one
};
/// "hottest", "coldest", "first_defined".
[[nodiscard]] std::string_view to_string(combine_rule r) noexcept;

/// A combination of temperature policies.
class combined_temperature_policy {
public:
    /// Throws definition_error for no parts, a part without a name or policy, a repeated name, or more than 65535
    /// reasons in all.
    combined_temperature_policy(combine_rule rule, std::vector<temperature_part> parts);

    /// How the parts' levels are combined.
    [[nodiscard]] combine_rule rule() const noexcept { return rule_; }
    /// The parts, in order.
    [[nodiscard]] const std::vector<temperature_part>& parts() const noexcept { return parts_; }
    /// The parts' reasons, named, then "no part gave a temperature" (see the header comment).
    [[nodiscard]] const std::vector<std::string>& reasons() const noexcept { return reasons_; }
    /// The code of part k's reason r.
    [[nodiscard]] std::uint16_t reason_of_part(std::size_t part, std::uint16_t reason) const {
        return static_cast<std::uint16_t>(offsets_.at(part) + reason);
    }

    /// The parts' raters, merged by the rule; the contract is in leadscore/temperature/policy.hpp.
    class rater {
    public:
        /// The rating the rule picks among the parts' ratings (their reason as reason_of_part gives it; first
        /// defined stops at the first defined part); unknown with the last reason when no part has a level.
        [[nodiscard]] rating rate(std::size_t row, double score) const;
        /// The batch form of rate: each part rates the whole block, then the levels are merged without branches.
        void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const;

    private:
        friend class combined_temperature_policy;
        rater() = default;
        std::vector<temperature_policy::rater> parts_;
        std::vector<std::uint16_t> offsets_;
        combine_rule rule_ = combine_rule::hottest;
        std::uint16_t none_ = 0;
    };

    /// Binds every part to the same input; a part's errors come through unchanged.
    [[nodiscard]] rater bind(const rating_input& in, const batch_options& options) const;

private:
    combine_rule rule_;
    std::vector<temperature_part> parts_;
    std::vector<std::uint16_t> offsets_;
    std::vector<std::string> reasons_;
};

/// The hottest defined level of the parts.
[[nodiscard]] combined_temperature_policy hottest_of(std::vector<temperature_part> parts);
/// The coldest defined level of the parts.
[[nodiscard]] combined_temperature_policy coldest_of(std::vector<temperature_part> parts);
/// The first part's defined level.
[[nodiscard]] combined_temperature_policy first_defined(std::vector<temperature_part> parts);
/// The explicit intent where the lead stated one, the base policy elsewhere (first defined of the two).
[[nodiscard]] combined_temperature_policy explicit_overrides(temperature_part intent, temperature_part base);

/// Which texts of a categorical field mean which temperature. Texts are compared after normalize_name.
struct rating_field_rule {
    std::string field{}; ///< a categorical field, such as a CRM's "rating"
    std::vector<std::string> hot = {"hot"};   ///< texts that mean hot
    std::vector<std::string> warm = {"warm"}; ///< texts that mean warm
    std::vector<std::string> cold = {"cold"}; ///< texts that mean cold
    /// Equal when every field is equal.
    friend bool operator==(const rating_field_rule&, const rating_field_rule&);
};

/// The temperature someone set on the lead, read from a categorical field; a missing value is unknown, so that
/// explicit_overrides falls through to the base policy. Reasons: 0 "rated hot in <field>", 1 "rated warm …",
/// 2 "rated cold …", 3 "<field> not set".
class rating_field_policy {
public:
    /// Throws definition_error for an empty field name, an empty text, or a text listed under two temperatures.
    explicit rating_field_policy(rating_field_rule rule);

    /// The rule, as validated.
    [[nodiscard]] const rating_field_rule& rule() const noexcept { return rule_; }
    /// The four reasons of the class comment, with the field's name written out.
    [[nodiscard]] const std::vector<std::string>& reasons() const noexcept { return reasons_; }

    /// Maps each row's text to a temperature through a table per dictionary code, built once by bind; the score
    /// plays no part. It borrows the input's column. The contract is in leadscore/temperature/policy.hpp.
    class rater {
    public:
        /// The temperature the row's text means (unknown when missing). Throws input_error naming the row, the
        /// field and the text for a text the rule does not list, or a code outside the field's dictionary.
        [[nodiscard]] rating rate(std::size_t row, double score) const;
        /// The batch form of rate; throws as rate does.
        void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const;

    private:
        friend class rating_field_policy;
        rater() = default;
        [[noreturn]] void bad_code(std::size_t row) const;
        const std::int32_t* codes_ = nullptr;
        const dictionary* dict_ = nullptr;
        std::vector<rating> by_code_; // index code + 1 (0 = missing); level 255 marks an unlisted text
        std::string field_;
    };

    /// Resolves the field; throws definition_error when the view has no such field or it is not categorical.
    [[nodiscard]] rater bind(const rating_input& in, const batch_options& options) const;

    /// Equal when the rules are equal.
    friend bool operator==(const rating_field_policy& a, const rating_field_policy& b) { return a.rule_ == b.rule_; }

private:
    rating_field_rule rule_;
    std::vector<std::string> reasons_;
};

} // namespace leadscore
