#pragma once
// Capacity-weighted routing, as Odoo's lead assignment does it: each rep's monthly capacity gives a daily quota
// (round(capacity / 30) minus the leads received in the last 24 hours; see state.hpp), each lead goes to an eligible
// rep drawn with probability proportional to the rep's remaining quota (capped at 2^32 per rep), and leads with a
// higher probability (a numeric field) are placed first, so that when quotas run out the weakest leads are the ones
// left unassigned.
//
// Semantics a user must know:
// - Drawing in proportion to the remaining quota and taking one off after each lead is drawing without replacement
//   from an urn of quota units: while quotas last, each rep's expected share is exactly its share of the quota.
// - Random numbers come from a counter-based stream: the k-th number is splitmix64(seed + k · γ), and the state
//   keeps k (routing_state::draws). The same state, seed and leads give the same assignments on every machine, and
//   two runs in a row draw what one run over both would draw.
// - Every rep the rotation may pick must have a capacity (weights are quotas): the rotation's team, or every rep of
//   the state when the team is empty.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/routing/policy.hpp"
#include "leadscore/routing/rotation.hpp"
#include "leadscore/routing/state.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace leadscore {

/// Where weighted_policy draws, in which order it places leads, and which random stream it uses.
struct weighted_options {
    rotation_options rotation;     ///< team, language and region matching
    std::string probability_field; ///< numeric; higher values are placed first (missing last); empty = row order
    std::uint64_t seed = 0;        ///< selects the random stream; with routing_state::draws it fixes every draw
    /// Equal when every field is equal.
    friend bool operator==(const weighted_options&, const weighted_options&);
};

/// Capacity-weighted routing (Odoo's lead assignment); see the header comment.
class weighted_policy {
public:
    /// Over every rep of the state, in row order, seed 0.
    weighted_policy() = default;
    /// Draws as the options say (team and matching, priority field, seed).
    explicit weighted_policy(weighted_options options) : options_(std::move(options)) {}

    /// The options given at construction.
    [[nodiscard]] const weighted_options& options() const noexcept { return options_; }
    /// The field the batch engine orders leads by (highest first).
    [[nodiscard]] std::string_view priority_field() const noexcept { return options_.probability_field; }

    /// As round_robin_policy::bind; also throws definition_error naming a rep without a capacity. The contract is in
    /// leadscore/routing/policy.hpp.
    [[nodiscard]] rotation_router bind(const table_view& leads, routing_state& state, timestamp as_of) const;

    /// Equal when the options are equal.
    friend bool operator==(const weighted_policy&, const weighted_policy&);

private:
    weighted_options options_;
};

} // namespace leadscore
