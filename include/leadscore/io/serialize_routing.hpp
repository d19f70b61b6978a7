#pragma once
// Boost.Serialization of routing: the routing state (leadscore/routing/state.hpp), what a CRM persists between
// routing runs; the rotations, rule lists and rule policies; and the type-erased routing_policy (through stable
// export keys). Include this header (and leadscore/io/archive.hpp for save_archive / load_archive) where states or
// policies are written or read; the routing headers themselves do not include Boost.
//
// Format (version 1 of each type but routing_state, at version 2: it adds last_run after draws), in the style of
// serialize_core.hpp: counts are uint64; texts go through save_text; the per-rep numbers (assigned count, capacity,
// availability) and the load entries of every rep are saved as flat arrays in chunks (a loader allocates only as
// data arrives), load entries as one offsets array (rep r's entries are [offset[r], offset[r + 1])), one time array
// and one count array. A rep without a capacity is saved with capacity -1. Rules are read one at a time; their
// conditions are the scoring layer's (as in serialize_scoring.hpp).
//
// Loading validates what it builds: arrays of the wrong length, offsets that do not add up, an availability flag
// other than 0 or 1, a capacity below -1, an unknown owner key or target kind, and then everything
// validate(routing_state) and validate(routing_rules) check (names empty or repeated, a rep in an undefined team, an
// owner naming an undefined rep, a capacity out of range, an invalid condition, an empty target) — each an error
// naming the field or rule; load_archive turns it into archive_error naming the archive.
//
// routing_policy: saved as its export key followed by the held policy; an empty routing_policy as the empty key. The
// built-ins are registered under "leadscore.round_robin", "leadscore.weighted", "leadscore.rules" (rules with round
// robin in the teams) and "leadscore.weighted_rules" (rules with capacity-weighted teams). A policy of your own is
// registered once, before saving or loading it:
//
//   register_routing_policy<my_policy>("acme.my_policy");   // my_policy: default-constructible, with serialize()
//
// Each type's fields are listed once (leadscore/io/detail/archive_fields.hpp explains the form); the same list saves
// and loads.

#include "leadscore/io/archive.hpp"
#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/io/serialize_any.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_scoring.hpp" // condition, and the serialize_any helpers
#include "leadscore/routing/any_policy.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/state.hpp"
#include "leadscore/routing/weighted.hpp"

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/version.hpp>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace leadscore {

/// Registers a routing policy type of your own under a stable export key, so a routing_policy holding it can be
/// saved and loaded. P needs free serialize() (or save / load) functions for Boost and must be default-constructible
/// (the overload below takes a function that makes the value to load into). Register before the first save or load
/// of P; registering the same key and type again changes nothing. Throws definition_error for an empty key, a key
/// taken by another type, or P registered under another key. Keys starting with "leadscore." are the library's.
template <RoutingPolicy P>
    requires std::default_initializable<P>
void register_routing_policy(std::string key) {
    detail::add_any_codec<P>(detail::routing_registry(), std::move(key), std::function<P()>([] { return P{}; }));
}
/// The same for a P without a default constructor: `blank` makes a P the archive's value replaces.
template <RoutingPolicy P>
void register_routing_policy(std::string key, std::function<P()> blank) {
    detail::add_any_codec<P>(detail::routing_registry(), std::move(key), std::move(blank));
}
/// Registers P for archives and, with `read`, for the configuration under the same key (register_routing_config).
template <RoutingPolicy P>
    requires std::default_initializable<P>
void register_routing_policy(std::string key, config_reader<P> read) {
    register_routing_config<P>(key, std::move(read));
    register_routing_policy<P>(std::move(key));
}

/// The export key a routing_policy's held type is saved under; nullopt for an unregistered type or an empty policy.
[[nodiscard]] inline std::optional<std::string> export_key(const routing_policy& policy) {
    return detail::routing_registry().key_of(policy);
}

} // namespace leadscore

BOOST_CLASS_VERSION(leadscore::rotation_options, 1)
BOOST_CLASS_VERSION(leadscore::weighted_options, 1)
BOOST_CLASS_VERSION(leadscore::round_robin_policy, 1)
BOOST_CLASS_VERSION(leadscore::weighted_policy, 1)
BOOST_CLASS_VERSION(leadscore::route_target, 1)
BOOST_CLASS_VERSION(leadscore::routing_rule, 1)
BOOST_CLASS_VERSION(leadscore::routing_rules, 1)
BOOST_CLASS_VERSION(leadscore::rule_policy<leadscore::round_robin_policy>, 1)
BOOST_CLASS_VERSION(leadscore::rule_policy<leadscore::weighted_policy>, 1)
BOOST_CLASS_VERSION(leadscore::routing_policy, 1)
BOOST_CLASS_VERSION(leadscore::routing_state, 2)

namespace leadscore::detail::archive {

template <>
struct enum_range<owner_key> {
    static constexpr auto last = owner_key::company;
};
template <>
struct enum_range<route_target::kind> {
    static constexpr auto last = route_target::kind::queue;
};

// ---- routing state ------------------------------------------------------------------------------------------------

/// A routing state as its archive holds it: the reps' numbers and loads as columns next to their records.
struct routing_state_form {
    std::vector<team_record> teams;
    std::vector<rep_record> reps; ///< name, team, languages and regions; the rest is in the columns below
    std::vector<std::int64_t> capacity; ///< -1: no capacity
    std::vector<std::uint8_t> available;
    std::vector<std::uint64_t> assigned;
    std::vector<std::uint64_t> recent_offset{0}; ///< rep r's load entries are [offset[r], offset[r + 1])
    std::vector<std::int64_t> recent_time;
    std::vector<std::uint64_t> recent_count;
    std::string last_rep;
    std::vector<owner_record> owners;
    std::uint64_t draws = 0;
    std::optional<std::int64_t> last_run; ///< version 2 on; a version-1 archive has none

    static routing_state_form of(const routing_state& s);
    /// The state, its columns checked; then validate(routing_state) names a bad rep, team or owner.
    routing_state state() &&;
};

template <>
struct description<routing_state> {
    static constexpr const char* name = "routing_state";
    static constexpr bool refusals_named = true;
    static auto parts(const routing_state& s) { return part_list(routing_state_form::of(s)); }
    static void fields(auto& v, auto& f) {
        v("teams", records(f.teams, [](auto& v, auto& t) {
            v("name", t.name);
            v("last_rep", t.last_rep);
        }));
        v("reps", records(f.reps, [](auto& v, auto& r) {
            v("name", r.name);
            v("team", r.team);
            v("languages", r.languages);
            v("regions", r.regions);
        }));
        v("capacity", f.capacity);
        v("available", f.available);
        v("assigned", f.assigned);
        v("recent_offset", f.recent_offset);
        v("recent_time", f.recent_time);
        v("recent_count", f.recent_count);
        v("last_rep", f.last_rep);
        v("owners", records(f.owners, [](auto& v, auto& o) {
            v("key", o.key);
            v("value", o.value);
            v("rep", o.rep);
        }));
        v("draws", f.draws);
        if (v.version() >= 2) v("last_run", f.last_run);
    }
    static routing_state make(routing_state_form f) { return std::move(f).state(); }
};

inline routing_state_form routing_state_form::of(const routing_state& s) {
    routing_state_form f;
    f.teams = s.teams;
    f.owners = s.owners;
    f.last_rep = s.last_rep;
    f.draws = s.draws;
    f.last_run = s.last_run;
    for (const auto& r : s.reps) {
        auto& head = f.reps.emplace_back();
        head.name = r.name;
        head.team = r.team;
        head.languages = r.languages;
        head.regions = r.regions;
        f.capacity.push_back(r.capacity.value_or(-1));
        f.available.push_back(r.available ? 1 : 0);
        f.assigned.push_back(r.assigned);
        for (const auto& e : r.recent) {
            f.recent_time.push_back(e.time);
            f.recent_count.push_back(e.count);
        }
        f.recent_offset.push_back(f.recent_time.size());
    }
    return f;
}

inline routing_state routing_state_form::state() && {
    const std::size_t n = reps.size();
    if (capacity.size() != n || available.size() != n || assigned.size() != n)
        fail("routing_state: per-rep arrays of " + std::to_string(capacity.size()) + ", " +
             std::to_string(available.size()) + ", " + std::to_string(assigned.size()) + " values for " +
             std::to_string(n) + " reps");
    if (recent_offset.size() != n + 1 || recent_offset.front() != 0 || recent_offset.back() != recent_time.size() ||
        recent_count.size() != recent_time.size() || !std::is_sorted(recent_offset.begin(), recent_offset.end()))
        fail("routing_state: recent loads: offsets do not match the reps and entries");
    routing_state out;
    out.teams = std::move(teams);
    for (std::size_t r = 0; r < n; ++r) {
        auto& rep = reps[r];
        if (capacity[r] < -1) fail("routing_state: rep '" + rep.name + "': capacity " + std::to_string(capacity[r]));
        if (capacity[r] >= 0) rep.capacity = capacity[r];
        if (available[r] > 1) fail("routing_state: rep '" + rep.name + "': an availability other than 0 or 1");
        rep.available = available[r] == 1;
        rep.assigned = assigned[r];
        for (std::uint64_t e = recent_offset[r]; e < recent_offset[r + 1]; ++e)
            rep.recent.push_back({recent_time[e], recent_count[e]});
    }
    out.reps = std::move(reps);
    out.last_rep = std::move(last_rep);
    out.owners = std::move(owners);
    out.draws = draws;
    out.last_run = last_run;
    validate(out); // names, teams, capacities, owners: definition_error naming the rep, team or owner
    return out;
}

// ---- rotations ----------------------------------------------------------------------------------------------------

template <>
struct description<rotation_options> {
    static constexpr const char* name = "rotation_options";
    static void fields(auto& v, auto& o) {
        v("team", o.team);
        v("language_field", o.language_field);
        v("region_field", o.region_field);
    }
};

template <>
struct description<weighted_options> {
    static constexpr const char* name = "weighted_options";
    static void fields(auto& v, auto& o) {
        v("rotation", o.rotation);
        v("probability_field", o.probability_field);
        v("seed", o.seed);
    }
};

template <>
struct description<round_robin_policy> {
    static constexpr const char* name = "round_robin_policy";
    static auto parts(const round_robin_policy& p) { return part_list(p.options()); }
    static void fields(auto& v, auto& options) { v("options", options); }
    static round_robin_policy make(rotation_options options) { return round_robin_policy(std::move(options)); }
};

template <>
struct description<weighted_policy> {
    static constexpr const char* name = "weighted_policy";
    static auto parts(const weighted_policy& p) { return part_list(p.options()); }
    static void fields(auto& v, auto& options) { v("options", options); }
    static weighted_policy make(weighted_options options) { return weighted_policy(std::move(options)); }
};

// ---- rules --------------------------------------------------------------------------------------------------------

template <>
struct description<route_target> {
    static constexpr const char* name = "route_target";
    static void fields(auto& v, auto& t) {
        v("to", t.to);
        v("name", t.name);
    }
};

template <>
struct description<routing_rule> {
    static constexpr const char* name = "routing_rule";
    static void fields(auto& v, auto& r) {
        v("name", r.name);
        v("condition", r.when);
        v("target", r.target);
    }
};

template <>
struct description<routing_rules> {
    static constexpr const char* name = "routing_rules";
    static void fields(auto& v, auto& r) {
        v("rule", r.rules);
        v("fallback", flagged("has_fallback", r.fallback));
    }
    static void check(const routing_rules& r) { validate(r); }
};

template <class Rotation>
struct description<rule_policy<Rotation>> {
    static constexpr const char* name = "rule_policy";
    static auto parts(const rule_policy<Rotation>& p) { return part_list(p.rules(), p.rotation()); }
    static void fields(auto& v, auto& rules, auto& rotation) {
        v("rules", rules);
        v("rotation", rotation);
    }
    static rule_policy<Rotation> make(routing_rules rules, Rotation rotation) {
        return rule_policy<Rotation>(std::move(rules), std::move(rotation));
    }
};

} // namespace leadscore::detail::archive

namespace boost::serialization {

// ---- routing_policy: the export key, then the held policy ---------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::routing_policy& p, unsigned /*version*/) {
    leadscore::detail::archive::save_any(ar, p, leadscore::detail::routing_registry());
}
template <class Ar>
void load(Ar& ar, leadscore::routing_policy& p, unsigned version) {
    leadscore::detail::archive::load_any(ar, p, version, leadscore::detail::routing_registry());
}
template <class Ar>
void serialize(Ar& ar, leadscore::routing_policy& p, unsigned version) {
    split_free(ar, p, version);
}

} // namespace boost::serialization

// Declarations of instantiations the library compiles (not documented API):
/// @cond
namespace leadscore {
// Compiled once, in the library (see LEADSCORE_ARCHIVE_FUNCTIONS).
LEADSCORE_ARCHIVE_FUNCTIONS(extern, routing_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, round_robin_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, weighted_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, rule_policy<round_robin_policy>);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, rule_policy<weighted_policy>);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, routing_rules);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, routing_state);
} // namespace leadscore
/// @endcond
