#pragma once
// Ordered round robin: leads go to the reps of a team in strict rotation, in state order, skipping reps who are not
// eligible (unavailable, at quota, or not serving the lead's language or region). The rotation continues where the
// last run stopped: the state keeps the rep who had the last turn (team_record::last_rep, routing_state::last_rep),
// by name, so adding or removing other reps does not reset it; when that rep is gone, the rotation starts again at
// the first rep.
//
// Starting from any state, among reps that stay eligible throughout a run, the counts a run gives differ by at most
// one.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/routing/policy.hpp"
#include "leadscore/routing/rotation.hpp"
#include "leadscore/routing/state.hpp"

namespace leadscore {

/// Ordered round robin within a team or over every rep; see the header comment.
class round_robin_policy {
public:
    /// Over every rep of the state, no language or region matching.
    round_robin_policy() = default;
    /// Rotates within options.team (empty: every rep), matching the language and region fields it names.
    explicit round_robin_policy(rotation_options options) : options_(std::move(options)) {}

    /// The team and the language and region fields the rotation uses.
    [[nodiscard]] const rotation_options& options() const noexcept { return options_; }

    /// Validates the state and resolves the team, fields and reps. Throws definition_error for an invalid state
    /// (see validate), an undefined team, or a language/region field that is missing, not categorical, or holds a
    /// code outside its dictionary. The contract is in leadscore/routing/policy.hpp.
    [[nodiscard]] rotation_router bind(const table_view& leads, routing_state& state, timestamp as_of) const;

    /// Equal when the options are equal.
    friend bool operator==(const round_robin_policy&, const round_robin_policy&);

private:
    rotation_options options_;
};

} // namespace leadscore
