#pragma once
// Hysteresis around any temperature policy: given a lead's previous rating, it changes band only when its score passes
// the threshold by a margin, or when the wrapped policy has pointed the same way for N evaluations in a row — so a
// score that wobbles around a threshold does not make the lead flap between warm and hot.
//
// Semantics a user must know (P = the previous level, R = the wrapped policy's level at the score s):
// - No previous rating (rating_input::previous empty, or P unknown): R, as the wrapped policy gives it.
// - R unknown (a NaN score): P is kept (reason "no temperature this evaluation"), and the streak restarts.
// - R == P: P, with R's reason; the streak restarts.
// - R hotter than P: with a margin m, the level at s − m is asked for; when that is hotter than P the lead moves
//   there at once (passing a threshold t by the margin means s − m >= t, so equality passes). Otherwise the streak
//   counts this evaluation (a streak that pointed colder restarts at 1); when it reaches `evaluations`, the lead moves
//   to R. Else P is kept, with the streak stored in the rating for the next run. Colder is the mirror image: the
//   level at s + m must be colder than P, which for a threshold t means s + m < t (a score equal to a threshold is in
//   the band it opens, so s = t − m does not pass). With bands warm 40 / hot 70 and m = 5: warm turns hot at once
//   from 75 up, hot turns warm at once below 65.
// - A policy that ignores the score (purchase timeframe) passes every margin test: wrap such a policy with
//   `evaluations` only.
// - The previous ratings must come from this same policy (their reasons and streaks are this policy's). A hysteresis
//   nested inside a combinator reads the previous rating of the whole policy that was run: keep hysteresis outermost.
// - A previous rating whose level is not a temperature is bad data: input_error naming the row.

#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/policy.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// When a lead may leave its previous band.
struct hysteresis_rule {
    /// Change at once when the score passes the threshold by at least this (a finite number >= 0, in the score's
    /// unit); nullopt = never at once.
    std::optional<double> margin{};
    /// Or change once the wrapped policy has pointed the same way this many evaluations in a row (1..100);
    /// 0 = never by persistence.
    unsigned evaluations = 0;
    /// Equal when every field is equal.
    friend bool operator==(const hysteresis_rule&, const hysteresis_rule&);
};

/// Hysteresis around a policy. Reasons: the wrapped policy's, then "kept the previous temperature: the change is
/// within the margin and has not lasted <N> evaluations" and "kept the previous temperature: no temperature this
/// evaluation".
class hysteresis_policy {
public:
    /// Throws definition_error for an empty policy, a margin that is negative or not finite, more than 100
    /// evaluations, or a rule with neither a margin nor evaluations (the lead could never change band).
    hysteresis_policy(temperature_policy inner, hysteresis_rule rule);

    /// The wrapped policy.
    [[nodiscard]] const temperature_policy& inner() const noexcept { return inner_; }
    /// The rule, as validated.
    [[nodiscard]] const hysteresis_rule& rule() const noexcept { return rule_; }
    /// The reasons of the class comment, with the margin and the evaluations written out.
    [[nodiscard]] const std::vector<std::string>& reasons() const noexcept { return reasons_; }
    /// The code of "kept … within the margin", the first this policy adds after the wrapped policy's reasons.
    [[nodiscard]] std::uint16_t held_reason() const noexcept { return held_; }
    /// The code of "kept … no temperature this evaluation", the one after held_reason().
    [[nodiscard]] std::uint16_t no_temperature_reason() const noexcept { return static_cast<std::uint16_t>(held_ + 1); }

    /// The wrapped policy's rater and the previous ratings, decided as the header comment says; it borrows
    /// rating_input::previous. The contract is in leadscore/temperature/policy.hpp.
    class rater {
    public:
        /// The final rating of `row` at `score`. Throws input_error naming the row when its previous level is not a
        /// temperature.
        [[nodiscard]] rating rate(std::size_t row, double score) const;
        /// The batch form of rate: the wrapped policy rates the block, and once more at the shifted scores when a
        /// margin is set and some row points away from its previous band. Throws as rate does.
        void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const;

    private:
        friend class hysteresis_policy;
        rater(temperature_policy::rater inner, std::span<const rating> previous, hysteresis_rule rule,
              std::uint16_t held)
            : inner_(std::move(inner)), previous_(previous), rule_(rule), held_(held) {}
        // The final rating from the previous one, the wrapped level now (raw) and at the shifted score (shifted).
        [[nodiscard]] rating decide(std::size_t row, const rating& raw, const rating* shifted) const;
        [[nodiscard]] bool needs_shift(std::size_t row, const rating& raw) const;
        [[nodiscard]] const rating* previous(std::size_t row) const;
        temperature_policy::rater inner_;
        std::span<const rating> previous_;
        hysteresis_rule rule_;
        std::uint16_t held_;
    };

    /// Binds the wrapped policy to the same input; the rater borrows in.previous.
    [[nodiscard]] rater bind(const rating_input& in, const batch_options& options) const;

private:
    temperature_policy inner_;
    hysteresis_rule rule_;
    std::vector<std::string> reasons_;
    std::uint16_t held_ = 0;
};

} // namespace leadscore
