#pragma once
// The rule sales teams use: hot when the lead needs the product now, warm when it gave a decision timeframe within a
// horizon (60 days unless configured), cold when it showed interest without a timeframe. The score plays no part.
//
// Semantics a user must know (d = the lead's purchase timeframe in days, h = the horizon):
// - d = 0: hot ("needs it now").
// - 0 < d <= h: warm ("decides within h days"); a lead that decides in exactly h days is warm. Fractional days are
//   accepted (0.5 is warm).
// - d > h (+infinity included): `beyond` (cold unless configured).
// - none stated (NaN, the table's missing value): `when_none` — cold, the sales rule; or unknown, so that
//   "first defined" or "explicit intent overrides" falls through to another policy for leads that stated nothing.
// - A negative timeframe is bad data: input_error naming the row and the field.

#include "leadscore/temperature/policy.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// How a purchase timeframe maps to a temperature.
struct timeframe_rule {
    std::int32_t horizon_days = 60;            ///< warm when the lead decides within this many days (0..36500)
    temperature beyond = temperature::cold;    ///< a timeframe beyond the horizon: cold or unknown
    temperature when_none = temperature::cold; ///< no timeframe stated: cold (the sales rule) or unknown
    std::string field{};                       ///< the timeframe field's name; empty = the field with role purchase_timeframe
    /// Equal when every field is equal.
    friend bool operator==(const timeframe_rule&, const timeframe_rule&);
};

/// Temperature from the purchase timeframe. Reasons: 0 "needs it now", 1 "decides within h days", 2 "decides in more
/// than h days", 3 "no purchase timeframe stated".
class purchase_timeframe_policy {
public:
    /// Throws definition_error for a horizon outside 0..36500 days, or `beyond` / `when_none` that is hot or warm
    /// (a lead that decides later, or says nothing, is never hotter than one that decides within the horizon).
    explicit purchase_timeframe_policy(timeframe_rule rule = {});

    /// The rule, as validated.
    [[nodiscard]] const timeframe_rule& rule() const noexcept { return rule_; }
    /// The four reasons of the class comment, with the horizon written out.
    [[nodiscard]] const std::vector<std::string>& reasons() const noexcept { return reasons_; }

    /// Reason codes, as named in the reason table.
    enum reason_code : std::uint16_t { needs_now = 0, within_horizon = 1, beyond_horizon = 2, none_stated = 3 };

    /// Reads the timeframe field row by row; the score plays no part. It borrows the input's column. The contract
    /// is in leadscore/temperature/policy.hpp.
    class rater {
    public:
        /// The rating of the row's timeframe (see the header comment). Throws input_error naming the row and the
        /// field for a negative timeframe.
        [[nodiscard]] rating rate(std::size_t row, double score) const;
        /// The batch form of rate, without branches per row; throws as rate does.
        void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const;

    private:
        friend class purchase_timeframe_policy;
        rater() = default;
        [[noreturn]] void bad_value(std::size_t row) const;
        const double* days_ = nullptr;
        double horizon_ = 60;
        rating now_{}, within_{}, beyond_{}, none_{};
        std::string field_;
    };

    /// Resolves the timeframe field (a numeric field); throws definition_error naming it when the view has none.
    [[nodiscard]] rater bind(const rating_input& in, const batch_options& options) const;

    /// Equal when the rules are equal.
    friend bool operator==(const purchase_timeframe_policy& a, const purchase_timeframe_policy& b) {
        return a.rule_ == b.rule_;
    }

private:
    timeframe_rule rule_;
    std::vector<std::string> reasons_;
};

} // namespace leadscore
