#include "leadscore/routing/state.hpp"

#include "leadscore/core/error.hpp"

#include "state_index.hpp"

#include <algorithm>
#include <limits>
#include <unordered_set>

namespace leadscore {

namespace {

constexpr std::int64_t max_capacity = std::int64_t{1} << 62;

void check_capacity(const rep_record& r) {
    if (r.capacity && (*r.capacity < 0 || *r.capacity > max_capacity))
        throw definition_error("routing state: rep '" + r.name + "' has capacity " + std::to_string(*r.capacity) +
                               " (a capacity is a number of leads per month, from 0 to 2^62)");
}

} // namespace

std::string_view to_string(owner_key k) noexcept {
    switch (k) {
    case owner_key::email: return "email";
    case owner_key::company: return "company";
    }
    return "?";
}

std::string normalize_owner_value(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

team_record& routing_state::add_team(std::string name) {
    if (name.empty()) throw definition_error("routing state: a team without a name");
    if (const auto t = find_team(name)) return teams[*t];
    teams.push_back({std::move(name), {}});
    return teams.back();
}

rep_record& routing_state::add_rep(rep_record rep) {
    if (rep.name.empty()) throw definition_error("routing state: a rep without a name");
    if (find_rep(rep.name)) throw definition_error("routing state: rep '" + rep.name + "' is defined twice");
    check_capacity(rep);
    if (!rep.team.empty()) add_team(rep.team);
    reps.push_back(std::move(rep));
    return reps.back();
}

void routing_state::add_owner(owner_key key, std::string_view value, std::string_view rep) {
    if (!find_rep(rep))
        throw definition_error("routing state: owner of " + std::string(to_string(key)) + " '" + std::string(value) +
                               "' is rep '" + std::string(rep) + "', who is not defined");
    auto normalized = normalize_owner_value(value);
    if (normalized.empty())
        throw definition_error("routing state: an owner record for rep '" + std::string(rep) + "' with an empty " +
                               std::string(to_string(key)));
    for (auto& o : owners)
        if (o.key == key && o.value == normalized) {
            o.rep = rep;
            return;
        }
    owners.push_back({key, std::move(normalized), std::string(rep)});
}

std::optional<std::size_t> routing_state::find_rep(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < reps.size(); ++i)
        if (reps[i].name == name) return i;
    return std::nullopt;
}

std::optional<std::size_t> routing_state::find_team(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < teams.size(); ++i)
        if (teams[i].name == name) return i;
    return std::nullopt;
}

void validate(const routing_state& state) {
    const detail::state_index index(state); // checks reps and teams
    for (const auto& o : state.owners) {
        if (static_cast<std::size_t>(o.key) > static_cast<std::size_t>(owner_key::company))
            throw definition_error("routing state: an owner record with an unknown key kind");
        if (!index.rep(o.rep))
            throw definition_error("routing state: owner of " + std::string(to_string(o.key)) + " '" + o.value +
                                   "' is rep '" + o.rep + "', who is not defined (reps: " +
                                   detail::state_index::list_reps(state) + ")");
        if (o.value.empty())
            throw definition_error("routing state: an owner record for rep '" + o.rep + "' with an empty " +
                                   std::string(to_string(o.key)));
    }
}

std::optional<timestamp> last_run_time(const routing_state& state) noexcept {
    std::optional<std::int64_t> t = state.last_run;
    for (const auto& r : state.reps)
        for (const auto& e : r.recent) t = std::max(t.value_or(e.time), e.time);
    return t ? std::optional<timestamp>(from_seconds(*t)) : std::nullopt;
}

void reset_quotas(routing_state& state) noexcept {
    for (auto& r : state.reps) r.recent.clear();
    state.last_run.reset();
}

std::uint64_t recent_load(const rep_record& rep, timestamp at) noexcept {
    const std::int64_t t = to_seconds(at);
    const bool early = t < std::numeric_limits<std::int64_t>::min() + quota_window_seconds;
    std::uint64_t n = 0;
    for (const auto& e : rep.recent)
        if (early || e.time > t - quota_window_seconds) n += e.count;
    return n;
}

std::optional<std::int64_t> remaining_quota(const rep_record& rep, timestamp at) noexcept {
    if (!rep.capacity) return std::nullopt;
    const std::int64_t quota = daily_quota(std::clamp<std::int64_t>(*rep.capacity, 0, max_capacity));
    const std::uint64_t used = recent_load(rep, at);
    return used >= static_cast<std::uint64_t>(quota) ? 0 : quota - static_cast<std::int64_t>(used);
}

std::vector<rep_load> loads(const routing_state& state, timestamp at) {
    std::vector<rep_load> out;
    out.reserve(state.reps.size());
    for (const auto& r : state.reps) {
        rep_load l;
        l.rep = r.name;
        l.team = r.team;
        l.available = r.available;
        l.assigned = r.assigned;
        l.last_24h = recent_load(r, at);
        if (r.capacity) l.daily_quota = daily_quota(std::clamp<std::int64_t>(*r.capacity, 0, max_capacity));
        l.remaining = remaining_quota(r, at);
        out.push_back(std::move(l));
    }
    return out;
}

namespace detail {

state_index::state_index(const routing_state& state) {
    teams_.reserve(state.teams.size());
    for (std::size_t t = 0; t < state.teams.size(); ++t) {
        const auto& name = state.teams[t].name;
        if (name.empty()) throw definition_error("routing state: team #" + std::to_string(t + 1) + " has no name");
        if (!teams_.emplace(name, t).second)
            throw definition_error("routing state: team '" + name + "' is defined twice");
    }
    reps_.reserve(state.reps.size());
    for (std::size_t r = 0; r < state.reps.size(); ++r) {
        const auto& rep = state.reps[r];
        if (rep.name.empty()) throw definition_error("routing state: rep #" + std::to_string(r + 1) + " has no name");
        if (!reps_.emplace(rep.name, r).second)
            throw definition_error("routing state: rep '" + rep.name + "' is defined twice");
        if (!rep.team.empty() && !teams_.contains(rep.team))
            throw definition_error("routing state: rep '" + rep.name + "' is in team '" + rep.team +
                                   "', which is not defined (teams: " + list_teams(state) + ")");
        check_capacity(rep);
    }
    if (state.reps.size() >= std::numeric_limits<std::int32_t>::max() ||
        state.teams.size() >= std::numeric_limits<std::int32_t>::max())
        throw definition_error("routing state: more than 2^31 - 2 reps or teams");
}

std::optional<std::size_t> state_index::rep(std::string_view name) const {
    const auto it = reps_.find(name);
    return it == reps_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

std::optional<std::size_t> state_index::team(std::string_view name) const {
    const auto it = teams_.find(name);
    return it == teams_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

namespace {
template <class V>
std::string list_names(const V& items, std::size_t max) {
    std::string s;
    for (std::size_t i = 0; i < items.size() && i < max; ++i) s += (i ? ", '" : "'") + items[i].name + "'";
    if (items.size() > max) s += ", ...";
    return s.empty() ? "none" : s;
}
} // namespace

std::string state_index::list_reps(const routing_state& state, std::size_t max) { return list_names(state.reps, max); }
std::string state_index::list_teams(const routing_state& state, std::size_t max) {
    return list_names(state.teams, max);
}

} // namespace detail

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const rep_record&, const rep_record&) = default;
bool operator==(const team_record&, const team_record&) = default;
bool operator==(const owner_record&, const owner_record&) = default;
bool operator==(const routing_state&, const routing_state&) = default;

} // namespace leadscore
