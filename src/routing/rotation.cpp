#include "leadscore/routing/rotation.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/weighted.hpp"

#include "../core/random.hpp"
#include "state_index.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace leadscore {

namespace detail {

namespace {

constexpr std::int64_t unlimited = std::numeric_limits<std::int64_t>::max();
// A rep's weight in weighted draws: its remaining quota, capped at 2^32 so that the total over up to 2^31 reps fits
// in 64 bits (a daily quota above four billion leads weighs as four billion).
constexpr std::int64_t max_weight = std::int64_t{1} << 32;

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

} // namespace

/// A rotation bound to a view and a state. The run's assignments are kept here (taken_, cursors, draws) and written
/// into the state by finish().
class rotation_core {
public:
    rotation_core(bool weighted, const rotation_options& o, std::uint64_t seed, const table_view& leads,
                  routing_state& state, timestamp at)
        : state_(&state), at_(to_seconds(at)), weighted_(weighted), seed_(seed), rows_(leads.rows()),
          draws_(state.draws) {
        const std::string who = weighted ? "weighted routing" : "round robin";
        if (const auto last = last_run_time(state); last && at < *last)
            throw definition_error(who + ": the run's time " + format_timestamp(at, false) +
                                   " is before the routing state's last run at " + format_timestamp(*last, false) +
                                   " (quotas would count the loads of a later run; reset_quotas starts them afresh)");
        const state_index index(state);
        teams_ = state.teams.size();
        reps_ = state.reps.size();
        if (!o.team.empty()) {
            const auto t = index.team(o.team);
            if (!t) throw definition_error(who + ": team '" + o.team + "' is not defined in the routing state");
            own_team_ = static_cast<std::int32_t>(*t);
        }

        // Members of each team in state order, then every rep (the group of assignment::no_team).
        rep_team_.resize(reps_);
        std::vector<std::uint32_t> count(teams_ + 1, 0);
        for (std::size_t r = 0; r < reps_; ++r) {
            const auto& team = state.reps[r].team;
            rep_team_[r] = team.empty() ? assignment::no_team : static_cast<std::int32_t>(*index.team(team));
            if (rep_team_[r] != assignment::no_team) ++count[static_cast<std::size_t>(rep_team_[r])];
        }
        count[teams_] = static_cast<std::uint32_t>(reps_);
        group_begin_.assign(teams_ + 2, 0);
        for (std::size_t g = 0; g <= teams_; ++g) group_begin_[g + 1] = group_begin_[g] + count[g];
        members_.resize(group_begin_.back());
        {
            std::vector<std::uint32_t> fill(group_begin_.begin(), group_begin_.end() - 1);
            for (std::size_t r = 0; r < reps_; ++r) {
                if (rep_team_[r] != assignment::no_team) members_[fill[static_cast<std::size_t>(rep_team_[r])]++] = static_cast<std::uint32_t>(r);
                members_[fill[teams_]++] = static_cast<std::uint32_t>(r);
            }
        }

        // Where each rotation goes on: after the rep who had the last turn.
        cursor_.assign(teams_ + 1, 0);
        moved_.assign(teams_ + 1, 0);
        for (std::size_t g = 0; g <= teams_; ++g) {
            const std::string& last = g == teams_ ? state.last_rep : state.teams[g].last_rep;
            const std::uint32_t b = group_begin_[g], n = group_begin_[g + 1] - b;
            for (std::uint32_t k = 0; k < n && !last.empty(); ++k)
                if (state.reps[members_[b + k]].name == last) cursor_[g] = (k + 1) % n;
        }

        // Eligibility and quotas at the run's time.
        available_.resize(reps_);
        limited_.resize(reps_);
        remaining_.resize(reps_);
        open_.resize(reps_);
        taken_.assign(reps_, 0);
        for (std::size_t r = 0; r < reps_; ++r) {
            const auto& rep = state.reps[r];
            available_[r] = rep.available;
            const auto left = remaining_quota(rep, at);
            limited_[r] = left.has_value();
            remaining_[r] = left.value_or(unlimited);
            open_[r] = rep.available && remaining_[r] > 0;
        }
        if (weighted) {
            const std::size_t g = own_team_ == assignment::no_team ? teams_ : static_cast<std::size_t>(own_team_);
            for (std::uint32_t k = group_begin_[g]; k < group_begin_[g + 1]; ++k)
                if (!limited_[members_[k]])
                    throw definition_error(who + ": rep '" + state.reps[members_[k]].name +
                                           "' has no capacity (weights are remaining daily quotas)");
        }

        bind_skill(language_, o.language_field, leads, who, "language", [](const rep_record& r) -> const auto& {
            return r.languages;
        });
        bind_skill(region_, o.region_field, leads, who, "region", [](const rep_record& r) -> const auto& {
            return r.regions;
        });
    }

    assignment route(std::size_t row) { return route_in(row, own_team_); }

    assignment route_in(std::size_t row, std::int32_t team) {
        if (team < assignment::no_team || (team != assignment::no_team && static_cast<std::size_t>(team) >= teams_))
            throw definition_error("rotation: team index " + std::to_string(team) + " outside the " +
                                   std::to_string(teams_) + " teams of the routing state");
        if (row >= rows_)
            throw definition_error("rotation: row " + std::to_string(row) + " of a view of " + std::to_string(rows_) +
                                   " rows");
        const std::size_t g = team == assignment::no_team ? teams_ : static_cast<std::size_t>(team);
        const std::uint32_t b = group_begin_[g], n = group_begin_[g + 1] - b;
        if (n == 0) return unassigned(team, route_team_empty);
        return weighted_ ? pick_weighted(row, g, b, n, team) : pick_round_robin(row, g, b, n, team);
    }

    void route_all(std::span<const std::uint32_t> order, std::span<assignment> out) {
        if (order.empty()) {
            for (std::size_t r = 0; r < out.size(); ++r) out[r] = route(r);
        } else {
            for (const std::uint32_t r : order) out[r] = route(r);
        }
    }

    assignment assign(std::size_t row, std::int32_t rep) {
        if (rep < 0 || static_cast<std::size_t>(rep) >= reps_)
            throw definition_error("rotation: rep index " + std::to_string(rep) + " outside the " +
                                   std::to_string(reps_) + " reps of the routing state");
        if (row >= rows_)
            throw definition_error("rotation: row " + std::to_string(row) + " of a view of " + std::to_string(rows_) +
                                   " rows");
        const auto r = static_cast<std::uint32_t>(rep);
        assignment a;
        if (!available_[r]) {
            a.refused = rep;
            a.reason = route_reason::rep_unavailable;
            a.why = route_rep_unavailable;
            return a;
        }
        if (remaining_[r] <= 0) {
            a.refused = rep;
            a.reason = route_reason::rep_over_quota;
            a.why = route_rep_over_quota;
            return a;
        }
        take(r);
        a.rep = rep;
        a.team = rep_team_[r];
        a.reason = route_reason::rule_rep;
        return a;
    }

    void finish() {
        auto& reps = state_->reps;
        for (const std::uint32_t r : touched_) {
            auto& rep = reps[r];
            rep.assigned += taken_[r];
            if (!rep.recent.empty() && rep.recent.back().time == at_) rep.recent.back().count += taken_[r];
            else rep.recent.push_back({at_, taken_[r]});
            taken_[r] = 0;
        }
        touched_.clear();
        // Entries that have left the window count for no quota at this time or later.
        const std::int64_t cutoff = at_ > std::numeric_limits<std::int64_t>::min() + quota_window_seconds
                                        ? at_ - quota_window_seconds
                                        : std::numeric_limits<std::int64_t>::min();
        for (auto& rep : reps)
            std::erase_if(rep.recent, [cutoff](const load_entry& e) { return e.time <= cutoff; });
        for (std::size_t g = 0; g <= teams_; ++g) {
            if (!moved_[g]) continue;
            const std::uint32_t b = group_begin_[g], n = group_begin_[g + 1] - b;
            const std::string& name = reps[members_[b + (cursor_[g] + n - 1) % n]].name;
            (g == teams_ ? state_->last_rep : state_->teams[g].last_rep) = name;
            moved_[g] = 0;
        }
        state_->draws = draws_;
        state_->last_run = std::max(state_->last_run.value_or(at_), at_);
    }

private:
    struct skill {
        const std::int32_t* codes = nullptr; // the lead field's codes; nullptr = not matched
        std::vector<std::uint8_t> ok;        // ok[(code + 1) * reps + rep]: the rep serves the value (code -1: missing)
    };

    template <class Get>
    void bind_skill(skill& s, const std::string& field_name, const table_view& leads, const std::string& who,
                    const char* what, Get&& values_of) {
        if (field_name.empty()) return;
        const auto& fields = leads.table_schema();
        const auto col = fields.find(field_name);
        if (!col) throw definition_error(who + ": " + what + " field '" + field_name + "' is not in the table");
        if (fields[*col].type != field_type::categorical)
            throw definition_error(who + ": " + what + " field '" + field_name + "' is " +
                                   std::string(to_string(fields[*col].type)) + ", not categorical");
        const auto codes = leads.codes(*col);
        const auto& dict = leads.dict(*col);
        const auto size = static_cast<std::int64_t>(dict.size());
        for (std::size_t r = 0; r < codes.size(); ++r)
            if (codes[r] < -1 || codes[r] >= size)
                throw definition_error(who + ": field '" + field_name + "': row " + std::to_string(r) + " holds code " +
                                       std::to_string(codes[r]) + ", outside its dictionary of " +
                                       std::to_string(dict.size()) + " entries");
        s.codes = codes.data();
        s.ok.assign((dict.size() + 1) * reps_, 1);
        for (std::size_t c = 0; c < dict.size(); ++c) {
            const std::string_view value = dict[static_cast<std::int32_t>(c)];
            for (std::size_t r = 0; r < reps_; ++r) {
                const auto& listed = values_of(state_->reps[r]);
                bool serves = listed.empty();
                for (const auto& v : listed) serves = serves || iequal(v, value);
                s.ok[(c + 1) * reps_ + r] = serves;
            }
        }
    }

    [[nodiscard]] bool serves(const skill& s, std::uint32_t r, std::size_t row) const noexcept {
        return s.codes == nullptr || s.ok[static_cast<std::size_t>(s.codes[row] + 1) * reps_ + r] != 0;
    }
    [[nodiscard]] bool eligible(std::uint32_t r, std::size_t row) const noexcept {
        return open_[r] && serves(language_, r, row) && serves(region_, r, row);
    }

    void take(std::uint32_t r) {
        if (taken_[r]++ == 0) touched_.push_back(r);
        if (limited_[r] && --remaining_[r] == 0) open_[r] = 0;
    }

    // Why no rep of the group took the lead: one flag per cause seen.
    [[nodiscard]] std::uint8_t causes(std::size_t row, std::uint32_t b, std::uint32_t n) const noexcept {
        std::uint8_t why = 0;
        for (std::uint32_t k = b; k < b + n; ++k) {
            const std::uint32_t r = members_[k];
            if (!available_[r]) why |= route_rep_unavailable;
            else if (remaining_[r] <= 0) why |= route_rep_over_quota;
            if (!serves(language_, r, row)) why |= route_rep_language;
            if (!serves(region_, r, row)) why |= route_rep_region;
        }
        return why;
    }

    [[nodiscard]] static assignment unassigned(std::int32_t team, std::uint8_t why) noexcept {
        assignment a;
        a.team = team;
        a.reason = route_reason::no_eligible_rep;
        a.why = why;
        return a;
    }

    assignment pick_round_robin(std::size_t row, std::size_t g, std::uint32_t b, std::uint32_t n, std::int32_t team) {
        std::uint32_t pos = cursor_[g];
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint32_t r = members_[b + pos];
            pos = pos + 1 == n ? 0 : pos + 1;
            if (eligible(r, row)) {
                cursor_[g] = pos;
                moved_[g] = 1;
                take(r);
                assignment a;
                a.rep = static_cast<std::int32_t>(r);
                a.team = rep_team_[r];
                a.reason = route_reason::round_robin;
                if (team == assignment::no_team) a.why = route_all_reps;
                return a;
            }
        }
        return unassigned(team, causes(row, b, n));
    }

    assignment pick_weighted(std::size_t row, std::size_t, std::uint32_t b, std::uint32_t n, std::int32_t team) {
        std::uint64_t total = 0;
        for (std::uint32_t k = b; k < b + n; ++k) {
            const std::uint32_t r = members_[k];
            if (eligible(r, row)) {
                if (!limited_[r])
                    throw definition_error("weighted routing: rep '" + state_->reps[r].name +
                                           "' has no capacity (weights are remaining daily quotas)");
                total += static_cast<std::uint64_t>(std::min(remaining_[r], max_weight));
            }
        }
        if (total == 0) return unassigned(team, causes(row, b, n));
        ++draws_;
        std::uint64_t u = mul_high(mix64(seed_ + draws_ * golden_gamma), total);
        for (std::uint32_t k = b; k < b + n; ++k) {
            const std::uint32_t r = members_[k];
            if (!eligible(r, row)) continue;
            const auto w = static_cast<std::uint64_t>(std::min(remaining_[r], max_weight));
            if (u < w) {
                take(r);
                assignment a;
                a.rep = static_cast<std::int32_t>(r);
                a.team = rep_team_[r];
                a.reason = route_reason::weighted;
                if (team == assignment::no_team) a.why = route_all_reps;
                return a;
            }
            u -= w;
        }
        return unassigned(team, causes(row, b, n)); // not reached: u < total
    }

    routing_state* state_;
    std::int64_t at_;
    bool weighted_;
    std::uint64_t seed_;
    std::size_t rows_;
    std::size_t teams_ = 0, reps_ = 0;
    std::int32_t own_team_ = assignment::no_team;
    std::vector<std::uint32_t> group_begin_; // group g (team g; teams_ = every rep): members_[begin[g], begin[g+1])
    std::vector<std::uint32_t> members_;
    std::vector<std::uint32_t> cursor_; // per group: the member position of the next turn
    std::vector<std::uint8_t> moved_;   // per group: the cursor moved since the last finish()
    std::vector<std::int32_t> rep_team_;
    std::vector<std::uint8_t> available_, limited_, open_; // open_: available and quota left
    std::vector<std::int64_t> remaining_;                   // quota left; unlimited when there is no quota
    std::vector<std::uint64_t> taken_;                      // leads taken since the last finish()
    std::vector<std::uint32_t> touched_;                    // reps with taken_ > 0
    skill language_, region_;
    std::uint64_t draws_;
};

} // namespace detail

rotation_router::rotation_router(std::unique_ptr<detail::rotation_core> core) : core_(std::move(core)) {}
rotation_router::rotation_router(rotation_router&&) noexcept = default;
rotation_router& rotation_router::operator=(rotation_router&&) noexcept = default;
rotation_router::~rotation_router() = default;

assignment rotation_router::route(std::size_t row) { return core_->route(row); }
void rotation_router::route_all(std::span<const std::uint32_t> order, std::span<assignment> out) {
    core_->route_all(order, out);
}
assignment rotation_router::route_in(std::size_t row, std::int32_t team) { return core_->route_in(row, team); }
assignment rotation_router::assign(std::size_t row, std::int32_t rep) { return core_->assign(row, rep); }
void rotation_router::finish() { core_->finish(); }

rotation_router round_robin_policy::bind(const table_view& leads, routing_state& state, timestamp as_of) const {
    return rotation_router(std::make_unique<detail::rotation_core>(false, options_, 0, leads, state, as_of));
}

rotation_router weighted_policy::bind(const table_view& leads, routing_state& state, timestamp as_of) const {
    return rotation_router(
        std::make_unique<detail::rotation_core>(true, options_.rotation, options_.seed, leads, state, as_of));
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(TeamRouter<rotation_router>);
static_assert(BatchRouter<rotation_router>);
static_assert(RoutingPolicy<round_robin_policy>);
static_assert(RotationPolicy<round_robin_policy>);
static_assert(RoutingPolicy<weighted_policy>);
static_assert(RotationPolicy<weighted_policy>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const rotation_options&, const rotation_options&) = default;
bool operator==(const round_robin_policy&, const round_robin_policy&) = default;
bool operator==(const weighted_options&, const weighted_options&) = default;
bool operator==(const weighted_policy&, const weighted_policy&) = default;

} // namespace leadscore
