#pragma once
// What the rotations (round_robin_policy, weighted_policy) share: their options and their router.
//
// Semantics a user must know:
// - A rotation picks among the reps of one team (or of the whole state), in state order. A rep is eligible for a
//   lead when available, under its daily quota (see state.hpp) and, when the rotation matches languages or regions,
//   serving the lead's value: a rep with no languages (regions) listed serves any, a lead whose value is missing
//   may go to any rep, and values compare ignoring ASCII case.
// - No eligible rep: the lead stays unassigned with reason no_eligible_rep and flags saying what kept reps out.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/routing/policy.hpp"
#include "leadscore/routing/state.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace leadscore {

/// Where a rotation picks and what it matches.
struct rotation_options {
    /// Rotate within this team; empty = over every rep of the state. Inside a rule_policy the rules pick the team
    /// and this must be empty.
    std::string team;
    /// A categorical lead field holding the lead's language; empty = languages are not matched.
    std::string language_field;
    /// A categorical lead field holding the lead's region (territory); empty = regions are not matched.
    std::string region_field;
    /// Equal when every field is equal.
    friend bool operator==(const rotation_options&, const rotation_options&);
};

namespace detail {
class rotation_core; // the bound rotation: member lists, eligibility, quotas and the run's bookkeeping
} // namespace detail

/// The router of round_robin_policy and weighted_policy. Borrows the view's columns and the state; move-only.
class rotation_router {
public:
    /// Takes over the binding; the moved-from router may only be destroyed or assigned to.
    rotation_router(rotation_router&&) noexcept;
    /// Takes over the binding, dropping this router's unfinished run (the state keeps what it had).
    rotation_router& operator=(rotation_router&&) noexcept;
    /// Drops an unfinished run: without finish() the state is unchanged.
    ~rotation_router();

    /// Routes a lead within the policy's team (or over every rep).
    [[nodiscard]] assignment route(std::size_t row);
    /// Routes every row (in `order`, or row order when empty) into out[row].
    void route_all(std::span<const std::uint32_t> order, std::span<assignment> out);
    /// Routes a lead within a team of the state (an index; assignment::no_team = every rep). Throws definition_error
    /// for a team index out of range.
    [[nodiscard]] assignment route_in(std::size_t row, std::int32_t team);
    /// Gives the lead to the rep (an index) when available and under quota; otherwise unassigned with reason
    /// rep_unavailable or rep_over_quota. Languages and regions are not checked: the caller chose the rep.
    [[nodiscard]] assignment assign(std::size_t row, std::int32_t rep);
    /// Writes the run into the state: loads, rotation cursors, random draws; drops expired load entries.
    void finish();

private:
    friend class round_robin_policy;
    friend class weighted_policy;
    explicit rotation_router(std::unique_ptr<detail::rotation_core> core);
    std::unique_ptr<detail::rotation_core> core_;
};

} // namespace leadscore
