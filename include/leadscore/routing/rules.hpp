#pragma once
// Routing rules: an ordered list where the first matching rule wins, each sending the lead to a team (where a
// rotation picks the rep), to a named rep, or to a queue; plus a default for leads no rule matches.
//
// Semantics a user must know:
// - A rule matches when all its conditions hold (none: it matches every lead). Conditions are the scoring layer's
//   field tests (condition.hpp): territory by country or region (one_of), product, source, a score threshold
//   (at_least on a numeric field), a temperature threshold (temperature_at_least on a categorical field holding
//   cold / warm / hot), language (equals). A missing value fails every test but is_missing.
// - team target: the rotation picks a rep of the team (round robin by default, or weighted). rep target: the rep
//   gets the lead when available and under quota; otherwise the lead stays unassigned and the reason says why (the
//   next rules are not tried: a rule that names a rep means that rep). queue target: the lead goes to the team
//   (queue) with no rep.
// - No rule matches and no default: unassigned, reason no_rule_matched.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/routing/policy.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/state.hpp"
#include "leadscore/scoring/condition.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// Where a rule sends a lead.
struct route_target {
    /// What `name` names, and so what happens to the lead.
    enum class kind : std::uint8_t {
        team, ///< a rep of the team, picked by the rotation
        rep,  ///< the named rep
        queue ///< the team (queue), no rep
    };
    kind to = kind::team; ///< the kind of target
    std::string name;     ///< a team or rep of the routing state

    /// A rep of the team, picked by the rotation.
    [[nodiscard]] static route_target team(std::string name) { return {kind::team, std::move(name)}; }
    /// The named rep, when available and under quota.
    [[nodiscard]] static route_target rep(std::string name) { return {kind::rep, std::move(name)}; }
    /// The queue (a team) without a rep.
    [[nodiscard]] static route_target queue(std::string name) { return {kind::queue, std::move(name)}; }
    /// Equal when every field is equal.
    friend bool operator==(const route_target&, const route_target&);
};
/// The target as reasons show it: "team 'dach'", "rep 'ann'", "queue 'inbox'".
[[nodiscard]] std::string to_string(const route_target& t);

/// One rule: when every condition holds, send the lead to the target.
struct routing_rule {
    std::string name;            ///< shown in reasons; empty = "rule #k"
    std::vector<condition> when; ///< all must hold; empty = every lead
    route_target target;         ///< where a matching lead goes
    /// Equal when every field is equal.
    friend bool operator==(const routing_rule&, const routing_rule&);
};

/// An ordered rule list and its default.
struct routing_rules {
    std::vector<routing_rule> rules;       ///< the first match wins
    std::optional<route_target> fallback;  ///< the default owner (rep), team or queue; nullopt = leave unassigned
    /// Equal when every field is equal.
    friend bool operator==(const routing_rules&, const routing_rules&);
};

/// A temperature threshold as a condition on a categorical field holding cold / warm / hot (compared ignoring ASCII
/// case): at least "warm" is one_of {warm, hot}. Throws definition_error for a level other than cold, warm, hot.
[[nodiscard]] condition temperature_at_least(std::string field, std::string_view level);

/// Checks what can be checked without a table and a state: valid conditions, target names non-empty, known target
/// kinds. Throws definition_error naming the rule.
void validate(const routing_rules& rules);

namespace detail {

struct resolved_target {
    route_target::kind to = route_target::kind::team;
    std::int32_t index = 0; ///< a team (team, queue) or rep index of the state
};

/// A rule list bound to a view and a state: conditions resolved to columns, targets to indexes.
class bound_rules {
public:
    /// Throws definition_error naming the rule for an unknown field, a test that does not fit the field, or a target
    /// that is not defined in the state.
    bound_rules(const routing_rules& rules, const table_view& leads, const routing_state& state);
    // Defined in the library, so that includers do not instantiate the bound conditions' destructors.
    ~bound_rules();
    bound_rules(bound_rules&&) noexcept;
    bound_rules& operator=(bound_rules&&) noexcept;

    /// The first rule that matches a row, or assignment::no_rule.
    [[nodiscard]] std::int32_t first_match(std::size_t row) const;
    /// first_match of every row of the view, column-wise in blocks.
    void first_matches(std::span<std::int32_t> out) const;
    /// The target of a rule, or of the default for assignment::no_rule; nullptr when there is no default.
    [[nodiscard]] const resolved_target* target_of(std::int32_t rule) const noexcept {
        if (rule >= 0) return &targets_[static_cast<std::size_t>(rule)];
        return has_fallback_ ? &fallback_ : nullptr;
    }

private:
    std::vector<bound_condition> conditions_;
    std::vector<std::uint32_t> begin_; // rule k's conditions: conditions_[begin_[k], begin_[k + 1])
    std::vector<resolved_target> targets_;
    resolved_target fallback_;
    bool has_fallback_ = false;
    std::size_t rows_ = 0;
};

/// "rule #2 'dach' (country in {'DE', 'AT'})", or "no rule matched, default" for assignment::default_rule; "" for
/// assignment::no_rule.
[[nodiscard]] std::string rule_label(const routing_rules& rules, std::int32_t rule);

/// The rules, validated (see validate), for rule_policies to share.
[[nodiscard]] std::shared_ptr<const routing_rules> shared_validated(routing_rules&& rules);

} // namespace detail

/// Rules choose a team, rep or queue; the rotation chooses the rep within a team. Copies share the rule list.
template <RotationPolicy Rotation = round_robin_policy>
class rule_policy {
public:
    /// Validates the rules (see validate). The rotation's own team must be empty: the rules pick the team.
    explicit rule_policy(routing_rules rules, Rotation rotation = Rotation{})
        : rules_(detail::shared_validated(std::move(rules))), rotation_(std::move(rotation)) {}

    /// The validated rule list (shared by copies).
    [[nodiscard]] const routing_rules& rules() const noexcept { return *rules_; }
    /// The rotation that picks the rep for team targets.
    [[nodiscard]] const Rotation& rotation() const noexcept { return rotation_; }

    /// The router of rule_policy: the bound rules and the rotation's router, whose ledger counts every assignment.
    /// Borrows the view's columns and the state, which must outlive it.
    class router {
    public:
        /// Sends the lead to the target of the first matching rule, or of the default; see the header comment.
        [[nodiscard]] assignment route(std::size_t row) { return dispatch(row, rules_.first_match(row)); }
        /// Matches every row's rules column-wise first, then routes in `order` (row order when empty) into out[row].
        void route_all(std::span<const std::uint32_t> order, std::span<assignment> out) {
            std::vector<std::int32_t> winners(out.size());
            rules_.first_matches({winners.data(), winners.size()});
            if (order.empty()) {
                for (std::size_t r = 0; r < out.size(); ++r) out[r] = dispatch(r, winners[r]);
            } else {
                for (const std::uint32_t r : order) out[r] = dispatch(r, winners[r]);
            }
        }
        /// Gives the lead to the rep through the rotation's ledger (see rotation_router::assign).
        [[nodiscard]] assignment assign(std::size_t row, std::int32_t rep) { return rotation_.assign(row, rep); }
        /// Writes the rotation's run into the state (see rotation_router::finish).
        void finish() {
            if constexpr (requires { rotation_.finish(); }) rotation_.finish();
        }

    private:
        friend class rule_policy;
        router(detail::bound_rules rules, router_t<Rotation> rotation)
            : rules_(std::move(rules)), rotation_(std::move(rotation)) {}

        assignment dispatch(std::size_t row, std::int32_t rule) {
            const detail::resolved_target* t = rules_.target_of(rule);
            if (t == nullptr) return {}; // no rule matched, no default: unassigned, no_rule_matched
            const std::int32_t label = rule >= 0 ? rule : assignment::default_rule;
            assignment a;
            switch (t->to) {
            case route_target::kind::team: a = rotation_.route_in(row, t->index); break;
            case route_target::kind::rep:
                a = rotation_.assign(row, t->index);
                if (a.assigned()) a.reason = rule >= 0 ? route_reason::rule_rep : route_reason::default_rep;
                break;
            case route_target::kind::queue:
                a.team = t->index;
                a.reason = route_reason::queued;
                break;
            }
            a.rule = label;
            return a;
        }

        detail::bound_rules rules_;
        router_t<Rotation> rotation_;
    };

    /// Binds the rules and the rotation. Throws definition_error naming the rule for an unknown field, a test that
    /// does not fit its field, or a target rep, team or queue that the state does not define; and what the rotation's
    /// bind throws. The contract is in leadscore/routing/policy.hpp.
    [[nodiscard]] router bind(const table_view& leads, routing_state& state, timestamp as_of) const {
        detail::bound_rules bound(*rules_, leads, state);
        return router(std::move(bound), rotation_.bind(leads, state, as_of));
    }

    /// The rotation's priority field, when it has one (weighted_policy's probability field).
    [[nodiscard]] auto priority_field() const
        requires requires(const Rotation& r) { r.priority_field(); }
    {
        return rotation_.priority_field();
    }

    /// The label reasons use for a rule index, assignment::default_rule or assignment::no_rule.
    [[nodiscard]] std::string describe_rule(std::int32_t rule) const { return detail::rule_label(*rules_, rule); }

    /// Equal when the rule lists (by value, shared or not) and the rotations are equal.
    friend bool operator==(const rule_policy& a, const rule_policy& b) {
        return a.rules() == b.rules() && a.rotation_ == b.rotation_;
    }

private:
    std::shared_ptr<const routing_rules> rules_;
    Rotation rotation_;
};

} // namespace leadscore
