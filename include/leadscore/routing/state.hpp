#pragma once
// The routing state: reps, teams, capacities, availability, recent load, rotation cursors and known owners, as plain
// data (vectors of structs, names instead of pointers) that a CRM keeps between runs and may persist.
//
// Semantics a user must know:
// - Quotas follow Odoo's rule: a rep with a monthly `capacity` may receive round(capacity / 30) leads (halves round
//   up) in any 24 hours; the leads received in the last 24 hours (`recent` entries with a time after as_of - 24 h,
//   later ones included) count against it. A rep without a capacity has no quota. Every built-in policy respects it.
// - A router changes nothing in the state until its finish() (the batch engine calls it): a run that throws leaves
//   the state as it was. finish() also drops `recent` entries that have left the 24-hour window, and records the
//   run's time in `last_run`.
// - Time runs forward: the built-in policies refuse (definition_error) to bind at a time before last_run_time(state),
//   since quotas would count loads of later runs and finish() would record loads out of order. reset_quotas() starts
//   the quotas afresh, for a run that must go back (a replay, a corrected clock).
// - Names are compared exactly. Languages and regions are compared with lead values ignoring ASCII case.

#include "leadscore/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// The quota window: leads received in the last 24 hours count against a rep's daily quota.
inline constexpr std::int64_t quota_window_seconds = 86400;

/// Odoo's daily quota of a monthly capacity: round(capacity / 30), halves rounded up (15 → 1, 14 → 0, 45 → 2).
/// capacity must be >= 0.
[[nodiscard]] constexpr std::int64_t daily_quota(std::int64_t capacity) noexcept { return (capacity + 15) / 30; }

/// Leads a rep received at one time (one routing run records one entry per rep it assigned leads to).
struct load_entry {
    std::int64_t time = 0;   ///< seconds since the epoch (the run's as-of time)
    std::uint64_t count = 0; ///< leads assigned then
    /// Equal when every field is equal.
    friend bool operator==(const load_entry&, const load_entry&) = default;
};

/// A sales rep.
struct rep_record {
    std::string name;                     ///< unique, non-empty
    std::string team;                     ///< a team of the state; empty = in no team
    std::optional<std::int64_t> capacity; ///< leads per month (>= 0); nullopt = no quota
    bool available = true;                ///< false: receives no new leads (vacation, left the company, …)
    std::vector<std::string> languages;   ///< languages the rep serves; empty = any
    std::vector<std::string> regions;     ///< regions (territories) the rep serves; empty = any
    std::uint64_t assigned = 0;           ///< leads routed to the rep through this state, ever
    std::vector<load_entry> recent;       ///< assignments inside the quota window, in the order recorded
    /// Equal when every field is equal.
    friend bool operator==(const rep_record&, const rep_record&);
};

/// A team: a group of reps a rotation picks from, or a queue (a team may have no reps).
struct team_record {
    std::string name;     ///< unique, non-empty
    std::string last_rep; ///< round robin: the rep who had the last turn (the next turn is the rep after); "" = none
    /// Equal when every field is equal.
    friend bool operator==(const team_record&, const team_record&);
};

/// Which lead field an owner record keys on.
enum class owner_key : std::uint8_t {
    email,  ///< the lead's email
    company ///< the lead's company
};
/// "email" or "company"; "?" for a value outside the enum.
[[nodiscard]] std::string_view to_string(owner_key k) noexcept;

/// A known owner: leads whose email (or company) equals `value` belong to `rep`. Values are kept normalized (see
/// normalize_owner_value), so "Ada@Example.com " and "ada@example.com" are one owner.
struct owner_record {
    owner_key key = owner_key::email; ///< which field `value` is
    std::string value;                ///< the normalized email or company; non-empty
    std::string rep;                  ///< the owner: a rep of the state, by name
    /// Equal when every field is equal.
    friend bool operator==(const owner_record&, const owner_record&);
};

/// An email or company as owner records keep it: ASCII lower case, spaces and tabs trimmed at both ends.
[[nodiscard]] std::string normalize_owner_value(std::string_view text);

/// Everything routing remembers between runs. Plain data: copy it, compare it, store it.
struct routing_state {
    std::vector<team_record> teams;      ///< teams and queues, in the order added
    std::vector<rep_record> reps;        ///< in rotation order
    std::string last_rep;                ///< round robin over every rep (no team): the rep who had the last turn
    std::vector<owner_record> owners;    ///< known owners for duplicate detection (kept by duplicate_policy)
    std::uint64_t draws = 0;             ///< random numbers used so far by weighted routing (a counter-based stream)
    /// The time of the last run written into the state (its as-of time), seconds since the epoch; nullopt = none.
    std::optional<std::int64_t> last_run;

    /// The team of that name, added (with no reps) when new. Throws definition_error for an empty name. The
    /// reference lasts until the next team is added.
    team_record& add_team(std::string name);
    /// Adds a rep, and its team when new. Throws definition_error for an empty or repeated name or a negative
    /// capacity. Returns the stored rep (the reference lasts until the next rep is added).
    rep_record& add_rep(rep_record rep);
    /// Records that leads with this email (or company) belong to `rep`, replacing an earlier owner of the value.
    /// Throws definition_error when rep is not defined or the normalized value is empty.
    void add_owner(owner_key key, std::string_view value, std::string_view rep);

    /// The rep's index by exact name; nullopt when absent. Linear: binding builds its own index once per batch.
    [[nodiscard]] std::optional<std::size_t> find_rep(std::string_view name) const noexcept;
    /// The team's index by exact name; nullopt when absent. Linear, as find_rep.
    [[nodiscard]] std::optional<std::size_t> find_team(std::string_view name) const noexcept;

    /// Equal when every field is equal, the vectors element by element in order.
    friend bool operator==(const routing_state&, const routing_state&);
};

/// Checks the state: team and rep names non-empty and unique, every rep's team declared, capacities >= 0 (and at
/// most 2^62), every owner record naming a defined rep and a non-empty value. Throws definition_error naming the
/// rep, team or owner. Binding a policy checks the parts it uses (rotations and rules: reps and teams; duplicate
/// detection: owners too).
void validate(const routing_state& state);

/// The time the state has reached: the later of last_run and its reps' latest recent load (a state saved before
/// last_run was recorded has only its loads); nullopt for a state with neither. A run before it is refused.
[[nodiscard]] std::optional<timestamp> last_run_time(const routing_state& state) noexcept;
/// Starts the quotas afresh: drops every rep's recent loads and the last run's time, so that a run at any time is
/// accepted. Assigned counts, rotation turns, owners and draws stay.
void reset_quotas(routing_state& state) noexcept;

/// Leads the rep received in the 24 hours before `at`: the counts of its `recent` entries timed after
/// at - 24 h (an entry exactly 24 hours old no longer counts; entries after `at` do).
[[nodiscard]] std::uint64_t recent_load(const rep_record& rep, timestamp at) noexcept;
/// Leads the rep may still receive at `at`: daily_quota(capacity) - recent_load, at least 0; nullopt = no quota.
[[nodiscard]] std::optional<std::int64_t> remaining_quota(const rep_record& rep, timestamp at) noexcept;

/// One rep's load, for reports.
struct rep_load {
    std::string rep;                         ///< the rep's name
    std::string team;                        ///< the rep's team; empty = none
    bool available = true;                   ///< rep_record::available
    std::uint64_t assigned = 0;              ///< ever (rep_record::assigned)
    std::uint64_t last_24h = 0;              ///< recent_load at the report's time
    std::optional<std::int64_t> daily_quota; ///< nullopt = no quota
    std::optional<std::int64_t> remaining;   ///< nullopt = no quota
};
/// Every rep's load at `at`, in state order.
[[nodiscard]] std::vector<rep_load> loads(const routing_state& state, timestamp at);

} // namespace leadscore
