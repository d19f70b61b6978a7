#pragma once
// Internal: a routing state's names resolved to indexes once per bind, after checking the reps and teams.

#include "leadscore/routing/state.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace leadscore::detail {

/// Indexes by name. Borrows the state's strings: valid while the state's names and vectors do not change.
class state_index {
public:
    /// Checks team and rep names, teams of reps and capacities first (validate() without the owner records).
    explicit state_index(const routing_state& state);
    [[nodiscard]] std::optional<std::size_t> rep(std::string_view name) const;
    [[nodiscard]] std::optional<std::size_t> team(std::string_view name) const;
    /// "'a', 'b', 'c'" (at most `max` names, then ", …"), for error messages.
    [[nodiscard]] static std::string list_reps(const routing_state& state, std::size_t max = 8);
    [[nodiscard]] static std::string list_teams(const routing_state& state, std::size_t max = 8);

private:
    std::unordered_map<std::string_view, std::size_t> reps_, teams_;
};

} // namespace leadscore::detail
