#pragma once
// The default qualification policy: places each lead in its lifecycle from its temperature, score, purchase
// timeframe, engagement events, creation time and current stage — and never moves it backwards without an explicit
// reason.
//
// Semantics a user must know. First the lead's *proposed* class, the first rule that holds:
//   1. bought_competitor matches                                  → nurture  "bought a competitor's product"
//   2. no_intent matches                                          → rejected "no intent to buy"
//   3. temperature hot                                            → sql      "intends to buy now"
//   4. temperature warm                                           → mql      "interested, not ready to buy soon"
//   5. score >= mql_score (when set)                              → mql      "interested: score at or above …"
//   6. the latest inquiry (an event of an inquiry type) is at least reject_after_days old, no timeframe is stated,
//      the temperature is cold and the score below mql_score, and the lead is not yet past `lead`
//                                                                 → rejected "inquiry without intent for … days"
//   7. temperature cold, the lead showed interest, and its latest interest event (or its creation, when later or
//      when it has none) is at least nurture_after_days old      → nurture  "cold for … days"
//   8. showed interest: an interest event, a stated timeframe, or a current stage of class lead or later
//                                                                 → lead     "showed interest"
//   9. otherwise                                                  → suspect  "no sign of interest yet"
// Events after the as-of time (batch_options::as_of) do not exist; an age exactly at a limit counts as reached.
// Then the move from the lead's current stage (the table's stage field; none when missing or when the table has no
// stage field):
//   - no current stage: the proposal.
//   - a stage past qualification (class beyond): kept ("past qualification").
//   - an open class: forward along suspect → lead → mql → sql to a later class; to rejected or nurture (rules 1, 2,
//     6, 7 are the explicit reasons); otherwise kept ("no explicit reason to move back"), or confirmed with the
//     proposal's reason when the proposal is the current class.
//   - rejected or nurture: to mql or sql when the lead shows intent again (rules 3–5), to the other side class by
//     rule 1 or 2; otherwise kept ("parked until the lead shows intent").
// Unknown temperatures count as neither hot, warm nor cold.
//
// Bad data: a stage text that is not a stage of the funnel, a temperature level outside the enum, a negative
// timeframe, a code outside a dictionary — input_error naming the row and field.

#include "leadscore/qualification/policy.hpp"
#include "leadscore/qualification/stage_map.hpp"
#include "leadscore/scoring/condition.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// The signals and limits of the default policy.
struct qualification_rules {
    /// Event types that are an inquiry — the lead asked something (compared normalized).
    std::vector<std::string> inquiry_events = {"form_submitted", "chat_started", "email_replied", "call_completed"};
    /// Event types that show no interest; every other event does (compared normalized).
    std::vector<std::string> not_interest_events = {"email_bounced", "unsubscribed"};
    /// A score at or above this makes an interested lead marketing-qualified even when not warm; nullopt = only the
    /// temperature decides. Needs the input's scores.
    std::optional<double> mql_score{};
    /// The lead said it does not intend to buy (a CRM field) → rejected. nullopt = no such field.
    std::optional<condition> no_intent{};
    /// The lead bought a competitor's product (a CRM field) → nurture. nullopt = no such field.
    std::optional<condition> bought_competitor{};
    /// An inquiry this many days old without intent since → rejected (0..36500); nullopt = never inferred.
    std::optional<std::int32_t> reject_after_days = 30;
    /// Cold with no interest shown for this many days → nurture (0..36500); nullopt = never.
    std::optional<std::int32_t> nurture_after_days = 90;
    /// Equal when every field is equal.
    friend bool operator==(const qualification_rules&, const qualification_rules&);
};

namespace detail {
struct qualification_program; // the rules bound to a view: resolved columns, per-code tables, conditions
} // namespace detail

/// The default qualification policy (see the header comment for its rules). Copies share the (immutable) rules.
class default_qualification_policy {
public:
    /// Reason codes, as listed in reasons().
    enum reason_code : std::uint16_t {
        competitor = 0,      ///< "bought a competitor's product (<condition>)"
        no_intent = 1,       ///< "no intent to buy (<condition>)"
        buys_now = 2,        ///< "intends to buy now (hot)"
        warm_interest = 3,   ///< "interested, not ready to buy soon (warm)"
        score_interest = 4,  ///< "interested: score at or above <mql_score>"
        inquiry_only = 5,    ///< "inquiry without intent for <n> days"
        cold_for_long = 6,   ///< "cold for <n> days"
        interest = 7,        ///< "showed interest"
        no_interest = 8,     ///< "no sign of interest yet"
        past = 9,            ///< "kept: past qualification"
        no_step_back = 10,   ///< "kept: no explicit reason to move back"
        parked = 11,         ///< "kept: parked until the lead shows intent"
    };

    // Overloads rather than default arguments, so that including the header does not instantiate the construction
    // of the rules and of the standard funnel.

    /// The default rules (qualification_rules{}) over the standard funnel, mapped by kind and order.
    explicit default_qualification_policy();
    /// Validates the rules (a non-finite mql_score, a day limit outside 0..36500, an empty event type, an invalid
    /// condition — definition_error naming it), over the standard funnel mapped by kind and order.
    explicit default_qualification_policy(qualification_rules rules);
    /// Validates the rules as above, with the stages mapped by `stages`.
    explicit default_qualification_policy(qualification_rules rules, stage_map stages);

    /// The rules, as validated.
    [[nodiscard]] const qualification_rules& rules() const noexcept { return *rules_; }
    /// The funnel the qualifications' stage indices refer to, and how the classes map onto it.
    [[nodiscard]] const stage_map& stages() const noexcept { return stages_; }
    /// The reason table, indexed by reason_code, with the rules' conditions and limits written out.
    [[nodiscard]] const std::vector<std::string>& reasons() const noexcept { return *reasons_; }
    /// Whether a reason code is an explicit reason to leave the open path backwards (to rejected or nurture).
    [[nodiscard]] static constexpr bool is_explicit(std::uint16_t reason) noexcept {
        return reason == competitor || reason == no_intent || reason == inquiry_only || reason == cold_for_long;
    }

    /// The rules bound to one input; copies share it. It borrows the input's columns and spans. The contract is in
    /// leadscore/qualification/policy.hpp.
    class qualifier {
    public:
        /// The place of `row` by the header comment's rules. Throws input_error naming the row and the field for
        /// bad data (see the header comment).
        [[nodiscard]] qualification qualify(std::size_t row) const;

    private:
        friend class default_qualification_policy;
        qualifier() = default;
        std::shared_ptr<const detail::qualification_program> program_;
    };

    /// Resolves the stage, timeframe and created fields (each optional), the events (optional), and binds the
    /// conditions. Throws definition_error when the input has no temperatures (and rows), when mql_score is set and
    /// the input has no scores, when a condition does not fit the table, or for spans of the wrong size.
    [[nodiscard]] qualifier bind(const qualification_input& in, const batch_options& options) const;

    /// Equal when the rules and the stage maps are equal.
    friend bool operator==(const default_qualification_policy& a, const default_qualification_policy& b);

private:
    std::shared_ptr<const qualification_rules> rules_;
    std::shared_ptr<const std::vector<std::string>> reasons_;
    stage_map stages_;
};

} // namespace leadscore
