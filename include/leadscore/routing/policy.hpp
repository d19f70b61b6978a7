#pragma once
// The routing contract: a policy takes a lead and the routing state and gives an assignment with its reason.
//
// Routing is sequential: each assignment changes the state (loads, quotas, rotation turns). A policy is a value
// (rules, options); routing a batch happens in three steps:
//   1. `policy.bind(view, state, as_of)` resolves field names, category texts, rule targets and reps once per batch
//      and returns a *router* that borrows the view's columns and the state;
//   2. `router.route(row)` routes one lead (the one-lead form, which every policy has); the optional
//      `router.route_all(order, out)` routes every row of the view in one go (the batch form);
//   3. the optional `router.finish()` writes the run into the state (loads, cursors, owners, random draws). Until
//      then the state is unchanged, so a run that throws leaves it as it was.
// route_batch() does all three and orders the rows by the policy's priority field when it has one.

#include "leadscore/core/error.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/output_range.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/routing/state.hpp"

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// Why a lead went where it went. The first six give the lead a rep, `queued` gives it a team (queue) without a
/// rep, the others leave it unassigned.
enum class route_reason : std::uint8_t {
    round_robin,       ///< the rep's turn in a strict rotation
    weighted,          ///< drawn with probability proportional to remaining daily quota
    rule_rep,          ///< a rule names the rep
    default_rep,       ///< no rule matched; the default owner
    duplicate_email,   ///< a lead with the same email belongs to the rep
    duplicate_company, ///< a lead of the same company belongs to the rep
    queued,            ///< a rule (or the default) sends the lead to a queue
    no_rule_matched,   ///< unassigned: no rule matched and there is no default
    no_eligible_rep,   ///< unassigned: no rep of the team is available with quota left (and the lead's language/region)
    rep_unavailable,   ///< unassigned: the rule's rep is unavailable
    rep_over_quota,    ///< unassigned: the rule's rep has reached the daily quota
    owner_unavailable, ///< unassigned: the duplicate's owner is unavailable
    owner_over_quota,  ///< unassigned: the duplicate's owner has reached the daily quota
};
/// The enumerator's name as spelled above ("round_robin", "no_eligible_rep", …); "?" for a value outside the enum.
[[nodiscard]] std::string_view to_string(route_reason r) noexcept;

/// Flags in assignment::why. For no_eligible_rep: what kept the team's reps out (each flag set when at least one rep
/// was out for that cause). For owner_*: route_duplicate_by_company when the duplicate was found by company. For
/// round_robin and weighted: route_all_reps when the rotation was not within a team.
enum route_detail : std::uint8_t {
    route_rep_unavailable = 1,       ///< the rep is unavailable
    route_rep_over_quota = 2,        ///< the rep has reached the daily quota
    route_rep_language = 4,          ///< the rep does not serve the lead's language
    route_rep_region = 8,            ///< the rep does not serve the lead's region
    route_team_empty = 16,           ///< the team has no reps
    route_duplicate_by_company = 32, ///< owner_*: the duplicate was found by company, not by email
    route_all_reps = 64,             ///< round_robin, weighted: the rotation ran over every rep of the state (no team)
};

/// One routing decision: where the lead goes, and why. Indexes are into the routing state's vectors.
struct assignment {
    static constexpr std::int32_t no_rep = -1;       ///< rep: unassigned or queued; refused: nobody
    static constexpr std::int32_t no_team = -1;      ///< team: none
    static constexpr std::int32_t no_rule = -1;      ///< rule: no rule was involved (or none matched)
    static constexpr std::int32_t default_rule = -2; ///< rule: the rule list's default target was used

    /// The rep who gets the lead, as an index into the state's reps (state.reps[rep]); no_rep when unassigned or
    /// queued. An index rather than a name keeps a decision at 20 bytes with no allocation, so a run over millions
    /// of leads writes plain arrays, and counting per rep is an array increment; names are looked up once, when
    /// shown: rep_name(a, state), or route_audit for a whole run.
    std::int32_t rep = no_rep;
    std::int32_t team = no_team;   ///< the rep's team, or the queue (state.teams[team]; see team_name); no_team when none
    std::int32_t rule = no_rule;   ///< the rule that matched (its index), default_rule, or no_rule
    std::int32_t refused = no_rep; ///< rep_unavailable, rep_over_quota, owner_*: the rep who could not take it
    /// Why the lead went where it went, or why it stayed unassigned (see route_reason).
    route_reason reason = route_reason::no_rule_matched;
    std::uint8_t why = 0;           ///< route_detail flags

    /// True when a rep got the lead; false when it is queued or unassigned.
    [[nodiscard]] bool assigned() const noexcept { return rep >= 0; }
    /// Equal when every field is equal.
    friend bool operator==(const assignment&, const assignment&) = default;
};
static_assert(sizeof(assignment) == 20, "the size the rep member's comment states");

/// The name of the rep who got the lead (state.reps[a.rep].name); empty when unassigned or queued, or when the index
/// is not in the state. The state must be the one the decision was made with: names are found by index.
[[nodiscard]] inline std::string_view rep_name(const assignment& a, const routing_state& state) noexcept {
    if (a.rep < 0 || static_cast<std::size_t>(a.rep) >= state.reps.size()) return {};
    return state.reps[static_cast<std::size_t>(a.rep)].name;
}

/// The name of the lead's team or queue (state.teams[a.team].name); empty when none or not in the state.
[[nodiscard]] inline std::string_view team_name(const assignment& a, const routing_state& state) noexcept {
    if (a.team < 0 || static_cast<std::size_t>(a.team) >= state.teams.size()) return {};
    return state.teams[static_cast<std::size_t>(a.team)].name;
}

/// A bound router's one-lead form: routes one row of the view it was bound to (and remembers it for finish()).
template <class R>
concept LeadRouter = std::move_constructible<R> && requires(R& r, std::size_t row) {
    { r.route(row) } -> std::same_as<assignment>;
};

/// The optional batch form: routes every row of the view, in `order` (a permutation of the rows) or in row order
/// when `order` is empty, writing row r's assignment to out[r].
template <class R>
concept BatchRouter =
    LeadRouter<R> && requires(R& r, std::span<const std::uint32_t> order, std::span<assignment> out) {
        r.route_all(order, out);
    };

/// A router that can give a lead to a named rep, respecting availability and quota (what rules and duplicate
/// detection need from the rotation they wrap, so that one ledger counts every assignment).
template <class R>
concept AssigningRouter = LeadRouter<R> && requires(R& r, std::size_t row, std::int32_t rep) {
    { r.assign(row, rep) } -> std::same_as<assignment>;
};

/// A rotation: picks a rep within a given team (what rule_policy composes with).
template <class R>
concept TeamRouter = AssigningRouter<R> && requires(R& r, std::size_t row, std::int32_t team) {
    { r.route_in(row, team) } -> std::same_as<assignment>;
};

/// A routing policy: a copyable value that binds to a table view and a routing state as of a time.
template <class P>
concept RoutingPolicy =
    std::copy_constructible<P> && requires(const P& p, const table_view& v, routing_state& s, timestamp at) {
        { p.bind(v, s, at) } -> LeadRouter;
    };

/// The router a policy returns from bind.
template <RoutingPolicy P>
using router_t = decltype(std::declval<const P&>().bind(std::declval<const table_view&>(),
                                                         std::declval<routing_state&>(), timestamp{}));

/// A policy whose router picks reps within a team: the rotation of a rule_policy.
template <class P>
concept RotationPolicy = RoutingPolicy<P> && TeamRouter<router_t<P>>;

/// How route_batch runs.
struct routing_options {
    /// The time of the run: quotas count the 24 hours before it, and the state records the run's loads at it.
    /// Defaults to the moment the options are made.
    timestamp as_of = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    /// Route rows in descending order of this numeric field (missing values last, ties in row order), so that the
    /// best leads are placed while quota lasts. Empty: the policy's own priority field (a member
    /// `priority_field()`, as weighted_policy has), else row order.
    std::string priority_field;
};

namespace detail {

void check_route_output(std::size_t rows, std::size_t out);

/// The rows of a view in descending order of a numeric field (NaN last, ties by row); empty when field is empty.
/// Throws definition_error for an unknown or non-numeric field, or a view of 2^32 rows or more.
[[nodiscard]] std::vector<std::uint32_t> priority_order(const table_view& leads, std::string_view field);

template <class P>
[[nodiscard]] std::string priority_of(const P& policy, const routing_options& options) {
    if (!options.priority_field.empty()) return options.priority_field;
    if constexpr (requires { policy.priority_field(); }) return std::string(policy.priority_field());
    return {};
}

/// A reason as text, given the rule's label (empty when no rule is involved).
[[nodiscard]] std::string reason_text(const assignment& a, const routing_state& state, std::string_view rule_label);

/// The lead's id as text: field `id_field` (empty: the field holding the id role), or the 1-based row number when
/// there is no such field.
[[nodiscard]] std::string lead_id_text(const table_view& leads, std::size_t id_column, bool has_id, std::size_t row);
[[nodiscard]] std::pair<std::size_t, bool> find_id_column(const table_view& leads, std::string_view id_field);

} // namespace detail

/// Routes every row of a bound router (in `order`, or row order when empty) into out, then calls finish().
template <LeadRouter R>
void run_router(R& router, std::span<const std::uint32_t> order, std::span<assignment> out) {
    if constexpr (BatchRouter<R>) {
        router.route_all(order, out);
    } else if (order.empty()) {
        for (std::size_t r = 0; r < out.size(); ++r) out[r] = router.route(r);
    } else {
        for (const std::uint32_t r : order) out[r] = router.route(r);
    }
    if constexpr (requires { router.finish(); }) router.finish();
}

/// Routes every row of `leads` into out (a span or vector of assignment, see OutputRange; out.size() == leads.rows();
/// out[r] is row r's assignment, whatever the order of routing) and records the run in `state`. A policy that takes
/// whole batches itself (a member route_batch(view, state, out, options), as the type-erased routing_policy has)
/// gets the batch in one call. Throws definition_error for a wrong output size and whatever binding throws; the
/// state is then unchanged.
template <RoutingPolicy P, OutputRange<assignment> Out>
void route_batch(const P& policy, const table_view& leads, routing_state& state, Out&& out,
                 const routing_options& options = {}) {
    const std::span<assignment> o(out);
    detail::check_route_output(leads.rows(), o.size());
    if constexpr (requires { policy.route_batch(leads, state, o, options); }) {
        policy.route_batch(leads, state, o, options);
    } else {
        const auto order = detail::priority_order(leads, detail::priority_of(policy, options));
        auto router = policy.bind(leads, state, options.as_of);
        run_router(router, order, o);
    }
}

/// Convenience: the assignments of every row as a new vector. `route_batch(policy, view, state, {})` and
/// `route_batch(policy, view, state, {.as_of = t})` call this one.
template <RoutingPolicy P>
[[nodiscard]] std::vector<assignment> route_batch(const P& policy, const table_view& leads, routing_state& state,
                                                  const routing_options& options = {}) {
    std::vector<assignment> out(leads.rows());
    route_batch(policy, leads, state, out, options);
    return out;
}

/// One lead object, routed through a one-row table of the CRM's schema (see lead_table::from_leads), and recorded in
/// the state.
template <RoutingPolicy P>
[[nodiscard]] assignment route_lead(const P& policy, const lead& l, const schema& fields, routing_state& state,
                                    timestamp as_of) {
    const auto table = lead_table::from_leads(std::span<const lead>(&l, 1), fields);
    const auto view = table.view();
    auto router = policy.bind(view, state, as_of);
    const assignment a = router.route(0);
    if constexpr (requires { router.finish(); }) router.finish();
    return a;
}

/// The reason of a decision as a sentence: "rule #2 'DACH' (country in {'DE', 'AT'}): round robin in team 'dach'",
/// "unassigned: no eligible rep in team 'dach' (unavailable, daily quota reached)". Uses the policy's
/// describe_rule(rule) when it has one. The state must be the one the decision was made with (names by index).
template <RoutingPolicy P>
[[nodiscard]] std::string reason_text(const assignment& a, const routing_state& state, const P& policy) {
    if constexpr (requires { policy.describe_rule(a.rule); }) {
        if (a.rule != assignment::no_rule) return detail::reason_text(a, state, policy.describe_rule(a.rule));
    }
    return detail::reason_text(a, state, {});
}

/// One decision as people read it: the audit trail of a run.
struct audit_record {
    std::size_t row = 0; ///< the row of the view (0-based)
    std::string lead;   ///< the lead's id (see route_audit)
    std::string rep;    ///< empty when unassigned or queued
    std::string team;   ///< the rep's team or the queue; empty when none
    std::string reason; ///< reason_text
};

/// The audit trail of a run, one record per row in row order. The lead id comes from `id_field` (empty: the field
/// with the id role; the 1-based row number when there is none). Throws definition_error for an unknown id_field or
/// a size mismatch.
template <RoutingPolicy P>
[[nodiscard]] std::vector<audit_record> route_audit(const table_view& leads, std::span<const assignment> decisions,
                                                    const routing_state& state, const P& policy,
                                                    std::string_view id_field = {}) {
    detail::check_route_output(leads.rows(), decisions.size());
    const auto [col, has_id] = detail::find_id_column(leads, id_field);
    std::vector<audit_record> out;
    out.reserve(decisions.size());
    for (std::size_t r = 0; r < decisions.size(); ++r) {
        const assignment& a = decisions[r];
        audit_record rec;
        rec.row = r;
        rec.lead = detail::lead_id_text(leads, col, has_id, r);
        rec.rep = rep_name(a, state);
        rec.team = team_name(a, state);
        rec.reason = reason_text(a, state, policy);
        out.push_back(std::move(rec));
    }
    return out;
}

} // namespace leadscore
