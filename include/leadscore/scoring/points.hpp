#pragma once
// Points rules, as marketing teams configure them in HubSpot, Marketo, Pardot or Mautic: fit rules award points for
// attributes ("industry = software: +10"), engagement rules for events ("webinar_attended: +15 each, at most 45"),
// in named groups (fit, engagement, …) that may decay over time and be capped; the lead's score is the sum of its
// group scores, optionally capped too.
//
// Semantics a user must know:
// - Scores are computed as of a time: events after it do not exist; an event exactly at it is 0 s old.
// - Engagement rule points decay with the event's age by the rule's group decay (fit rules never decay):
//     half_life h:           weight = 2^(-age / h)
//     percent_per_period p, d: weight = (1 - p/100)^floor(age / d)  (a whole period must pass for a step, so an event
//                                 exactly d days old has lost one step)
//     window n:              weight = 1 if age <= n days, else 0  (an event exactly n days old still counts)
// - repeatable: every matching event counts; first_only: only the earliest matching event at or before the as-of
//   time counts (its points decay from its own time, and a later repeat does not renew them).
// - Caps: a rule's cap bounds the size of its total (|total| <= cap, so it applies to negative points too); a
//   group's cap and floor clip the group's total; the total cap and floor clip the sum of the group scores.
// - Event types are compared normalized (normalize_name): "Webinar Attended" matches "webinar_attended". A type the
//   table's dictionary lacks never matches. Detail filters compare ignoring ASCII case unless told otherwise; a
//   missing detail never passes a filter.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/scoring/condition.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// How a group's engagement points fade with the event's age.
/// The formulas are in the header comment.
enum class decay_kind : std::uint8_t {
    none,               ///< points keep their full value
    half_life,          ///< halved every `days`
    percent_per_period, ///< `percent` lost per whole period of `days`
    window              ///< full value up to `days` old, nothing after
};
/// The kind's name, as parse_decay_kind reads it.
[[nodiscard]] std::string_view to_string(decay_kind k) noexcept;
/// "none", "half_life", "percent_per_period", "window"; nullopt for anything else.
[[nodiscard]] std::optional<decay_kind> parse_decay_kind(std::string_view s) noexcept;

/// A decay rule. `days` is the half-life, the period or the window length; `percent` the share lost per period.
struct decay_rule {
    decay_kind kind = decay_kind::none; ///< the formula
    double days = 0;                    ///< > 0 unless kind is none
    double percent = 0;                 ///< percent_per_period only: in (0, 100)

    /// No decay.
    [[nodiscard]] static decay_rule none() { return {}; }
    /// Halved every `days` days.
    [[nodiscard]] static decay_rule half_life(double days) { return {decay_kind::half_life, days, 0}; }
    /// `percent` percent lost per whole period of `days` days.
    [[nodiscard]] static decay_rule percent_per_period(double percent, double days) {
        return {decay_kind::percent_per_period, days, percent};
    }
    /// Full value for events at most `days` days old, nothing for older ones.
    [[nodiscard]] static decay_rule window(double days) { return {decay_kind::window, days, 0}; }

    /// The weight of an event `age_seconds` old (>= 0), as scorers compute it. The rule must be valid.
    [[nodiscard]] double weight(std::int64_t age_seconds) const;

    /// Equal when every field is equal.
    friend bool operator==(const decay_rule&, const decay_rule&);
};

/// A named score of its own (fit, engagement, …): its decay, and optional bounds on its total.
struct points_group {
    std::string name;            ///< non-empty, unique in the rule set; rules name it in their `group`
    decay_rule decay;            ///< applies to the group's engagement rules (fit rules never decay)
    std::optional<double> cap;   ///< the group's score is at most this (>= 0)
    std::optional<double> floor; ///< the group's score is at least this (<= cap)
    /// Equal when every field is equal.
    friend bool operator==(const points_group&, const points_group&);
};

/// Points for an attribute: `points` when the condition holds. Never decays.
struct fit_rule {
    std::string name; ///< shown in explanations; empty = the condition's text
    condition when;    ///< the attribute test
    double points = 0; ///< negative points are allowed
    std::string group = "fit"; ///< a declared group's name
    /// Equal when every field is equal.
    friend bool operator==(const fit_rule&, const fit_rule&);
};

/// Which events' details pass an engagement rule's filter.
enum class detail_test : std::uint8_t {
    any,     ///< every event of the type, whatever its detail
    equals,  ///< the detail equals the rule's detail_text
    contains ///< the detail contains the rule's detail_text
};
/// "any", "equals" or "contains".
[[nodiscard]] std::string_view to_string(detail_test t) noexcept;
/// "any", "equals", "contains"; nullopt for anything else.
[[nodiscard]] std::optional<detail_test> parse_detail_test(std::string_view s) noexcept;

/// How often a rule counts for one lead.
enum class occurrence : std::uint8_t {
    repeatable, ///< every matching event counts
    first_only  ///< only the earliest matching event counts (see the header comment)
};
/// "repeatable" or "first_only".
[[nodiscard]] std::string_view to_string(occurrence o) noexcept;
/// "repeatable", "first_only"; nullopt for anything else.
[[nodiscard]] std::optional<occurrence> parse_occurrence(std::string_view s) noexcept;

/// Points per event of one type, decayed by the group's rule.
struct engagement_rule {
    std::string name;       ///< shown in explanations; empty = a text made from the type and filter
    std::string event_type; ///< an event type name, compared normalized
    detail_test detail_filter = detail_test::any; ///< which events' details pass
    std::string detail_text;            ///< the text the detail equals or contains
    bool detail_case_sensitive = false; ///< compare the detail exactly instead of ignoring ASCII case
    double points = 0;                  ///< per counted event; negative points are allowed
    occurrence counts = occurrence::repeatable; ///< how many matching events count
    std::optional<double> cap; ///< |the rule's total| is at most this (>= 0)
    std::string group = "engagement"; ///< a declared group's name; its decay applies
    /// Equal when every field is equal.
    friend bool operator==(const engagement_rule&, const engagement_rule&);
};

/// A complete rule set. The default groups are "fit" and "engagement", neither decayed nor capped.
struct points_rules {
    std::vector<points_group> groups = {{"fit", {}, {}, {}}, {"engagement", {}, {}, {}}}; ///< order of group scores
    std::vector<fit_rule> fit;                ///< attribute rules; with engagement, at least one rule in all
    std::vector<engagement_rule> engagement;  ///< event rules
    std::optional<double> total_cap;   ///< the score is at most this (>= 0)
    std::optional<double> total_floor; ///< the score is at least this (<= total_cap)
    /// Equal when every field is equal.
    friend bool operator==(const points_rules&, const points_rules&);
};

class points_policy;
namespace detail {
struct points_program; // a rule set bound to a view: resolved columns, per-type rule tables, decay constants
} // namespace detail

/// Group scores of many rows: values[row * groups.size() + g].
struct points_group_table {
    std::vector<std::string> groups; ///< group names, in the rule set's order
    std::size_t rows = 0;            ///< the number of rows scored
    std::vector<double> values;      ///< row-major, after group caps and floors

    /// The score of one group for one row.
    [[nodiscard]] double at(std::size_t row, std::size_t group) const { return values.at(row * groups.size() + group); }
    /// The group scores of one row, in group order.
    [[nodiscard]] std::span<const double> row(std::size_t r) const {
        return {values.data() + r * groups.size(), groups.size()};
    }
};

/// Points scoring. Copies share the (immutable) rule set.
class points_policy {
public:
    /// Validates the rule set; throws definition_error naming the rule, group or value that is wrong: no rules, a
    /// NaN or infinite number of points, a negative or NaN cap, a floor above its cap, an empty or repeated group
    /// name, a rule naming an undeclared group, an empty event type, a detail filter without text, a half-life,
    /// period or window of zero days or less, a percentage outside (0, 100), an invalid condition; and a rule set
    /// whose score could overflow: the largest totals of a group's rules (a fit or first-only rule counted once, a
    /// repeatable rule 2^64 times, each at most its cap), added by sign, must stay within ±DBL_MAX / 2, and so must
    /// the group scores' extremes (those sums clipped by each group's floor and cap). The message names the rule or
    /// the groups.
    explicit points_policy(points_rules rules);

    /// The validated rule set.
    [[nodiscard]] const points_rules& rules() const noexcept { return *rules_; }
    /// Its groups, in order (the order of group scores).
    [[nodiscard]] std::span<const points_group> groups() const noexcept { return {rules_->groups.data(), rules_->groups.size()}; }
    /// The index of a group by name.
    [[nodiscard]] std::optional<std::size_t> group_index(std::string_view name) const noexcept;
    /// Points: unbounded, higher is better.
    [[nodiscard]] score_scale scale() const noexcept { return score_scale::points; }
    /// The fields of the fit rules' conditions, in rule order; events when there is an engagement rule.
    [[nodiscard]] policy_fields fields_read() const;

    /// Rules bound to a view as of a time. Borrows the view's columns and shares the rule set.
    /// Cheap to copy (copies share the bound state); const members may run on several threads at once.
    class scorer {
    public:
        /// The score of one row of the bound view.
        [[nodiscard]] double score(std::size_t row) const;
        /// Scores of rows [first, first + out.size()), column-wise over the block; equal to score(row) bit for bit.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// One factor per rule that matched (points after decay and the rule's cap), plus one per group or total
        /// bound that clipped; the factors add up to the score.
        [[nodiscard]] explanation explain(std::size_t row) const;
        /// The group scores of one row, in group order; out.size() must be the number of groups.
        void group_scores(std::size_t row, std::span<double> out) const;
        /// Group scores of rows [first, first + rows), row-major; out.size() must be rows × groups.
        void group_scores_batch(std::size_t first, std::size_t rows, std::span<double> out) const;
        /// The number of groups (the rule set's, in its order).
        [[nodiscard]] std::size_t group_count() const noexcept;

    private:
        friend class points_policy;
        scorer() = default; // only bind makes one
        std::shared_ptr<const detail::points_program> program_; // immutable once bound, so copies may share it
    };

    /// Resolves fields, categories and event types; throws definition_error naming the rule and field for an unknown
    /// field, a test that does not fit the field's type, or engagement rules over a view that carries no events.
    [[nodiscard]] scorer bind(const table_view& view, timestamp as_of) const;

    /// Equal when the rule sets are equal.
    friend bool operator==(const points_policy& a, const points_policy& b);

private:
    std::shared_ptr<const points_rules> rules_;
};

/// Every group score of every row of a view, in parallel blocks (deterministic for any thread count).
[[nodiscard]] points_group_table score_groups(const points_policy& policy, const table_view& rows,
                                              const batch_options& options = {});

} // namespace leadscore
