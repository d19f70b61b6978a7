#pragma once
// Boost.Serialization of routing: the routing state (leadscore/routing/state.hpp), what a CRM persists between
// routing runs; the rotations, rule lists and rule policies; and the type-erased routing_policy (through stable
// export keys). Include this header (and leadscore/io/archive.hpp for save_archive / load_archive) where states or
// policies are written or read; the routing headers themselves do not include Boost.
//
// Format (version 1 of each type), in the style of serialize_core.hpp: counts are uint64; texts go through
// save_text; the per-rep numbers (assigned count, capacity, availability) and the load entries of every rep are
// saved as flat arrays in chunks (a loader allocates only as data arrives), load entries as one offsets array
// (rep r's entries are [offset[r], offset[r + 1])), one time array and one count array. A rep without a capacity is
// saved with capacity -1. Rules are read one at a time; their conditions are the scoring layer's (as in
// serialize_scoring.hpp).
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

#include "leadscore/io/serialize_any.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_scoring.hpp" // condition, and the helpers it adds to detail::archive
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
BOOST_CLASS_VERSION(leadscore::routing_state, 1)

namespace boost::serialization {

template <class Ar>
void save(Ar& ar, const leadscore::routing_state& s, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_count(ar, s.teams.size());
    for (const auto& t : s.teams) {
        a::save_text(ar, "name", t.name);
        a::save_text(ar, "last_rep", t.last_rep);
    }
    a::save_count(ar, s.reps.size());
    std::vector<std::int64_t> capacity, recent_time;
    std::vector<std::uint64_t> assigned, recent_count, recent_offset{0};
    std::vector<std::uint8_t> available;
    for (const auto& r : s.reps) {
        a::save_text(ar, "name", r.name);
        a::save_text(ar, "team", r.team);
        a::save_strings(ar, "languages", r.languages);
        a::save_strings(ar, "regions", r.regions);
        capacity.push_back(r.capacity.value_or(-1));
        available.push_back(r.available ? 1 : 0);
        assigned.push_back(r.assigned);
        for (const auto& e : r.recent) {
            recent_time.push_back(e.time);
            recent_count.push_back(e.count);
        }
        recent_offset.push_back(recent_time.size());
    }
    a::save_array(ar, "capacity", capacity);
    a::save_array(ar, "available", available);
    a::save_array(ar, "assigned", assigned);
    a::save_array(ar, "recent_offset", recent_offset);
    a::save_array(ar, "recent_time", recent_time);
    a::save_array(ar, "recent_count", recent_count);
    a::save_text(ar, "last_rep", s.last_rep);
    a::save_count(ar, s.owners.size());
    for (const auto& o : s.owners) {
        a::save_enum(ar, "key", o.key);
        a::save_text(ar, "value", o.value);
        a::save_text(ar, "rep", o.rep);
    }
    const std::uint64_t draws = s.draws;
    ar << make_nvp("draws", draws);
}

template <class Ar>
void load(Ar& ar, leadscore::routing_state& s, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "routing_state");
    leadscore::routing_state out;
    const std::uint64_t teams = a::load_count(ar, "routing_state: teams");
    for (std::uint64_t i = 0; i < teams; ++i) {
        leadscore::team_record t;
        a::load_text(ar, "name", t.name);
        a::load_text(ar, "last_rep", t.last_rep);
        out.teams.push_back(std::move(t));
    }
    const std::uint64_t reps = a::load_count(ar, "routing_state: reps");
    for (std::uint64_t i = 0; i < reps; ++i) {
        leadscore::rep_record r;
        a::load_text(ar, "name", r.name);
        a::load_text(ar, "team", r.team);
        a::load_strings(ar, "languages", r.languages);
        a::load_strings(ar, "regions", r.regions);
        out.reps.push_back(std::move(r));
    }
    std::vector<std::int64_t> capacity, recent_time;
    std::vector<std::uint64_t> assigned, recent_count, recent_offset;
    std::vector<std::uint8_t> available;
    a::load_array(ar, "capacity", capacity);
    a::load_array(ar, "available", available);
    a::load_array(ar, "assigned", assigned);
    a::load_array(ar, "recent_offset", recent_offset);
    a::load_array(ar, "recent_time", recent_time);
    a::load_array(ar, "recent_count", recent_count);
    const std::size_t n = out.reps.size();
    if (capacity.size() != n || available.size() != n || assigned.size() != n)
        a::fail("routing_state: per-rep arrays of " + std::to_string(capacity.size()) + ", " +
                std::to_string(available.size()) + ", " + std::to_string(assigned.size()) + " values for " +
                std::to_string(n) + " reps");
    if (recent_offset.size() != n + 1 || recent_offset.front() != 0 || recent_offset.back() != recent_time.size() ||
        recent_count.size() != recent_time.size() || !std::is_sorted(recent_offset.begin(), recent_offset.end()))
        a::fail("routing_state: recent loads: offsets do not match the reps and entries");
    for (std::size_t r = 0; r < n; ++r) {
        auto& rep = out.reps[r];
        if (capacity[r] < -1)
            a::fail("routing_state: rep '" + rep.name + "': capacity " + std::to_string(capacity[r]));
        if (capacity[r] >= 0) rep.capacity = capacity[r];
        if (available[r] > 1) a::fail("routing_state: rep '" + rep.name + "': an availability other than 0 or 1");
        rep.available = available[r] == 1;
        rep.assigned = assigned[r];
        for (std::uint64_t e = recent_offset[r]; e < recent_offset[r + 1]; ++e)
            rep.recent.push_back({recent_time[e], recent_count[e]});
    }
    a::load_text(ar, "last_rep", out.last_rep);
    const std::uint64_t owners = a::load_count(ar, "routing_state: owners");
    for (std::uint64_t i = 0; i < owners; ++i) {
        leadscore::owner_record o;
        o.key = a::load_enum(ar, "key", leadscore::owner_key::company);
        a::load_text(ar, "value", o.value);
        a::load_text(ar, "rep", o.rep);
        out.owners.push_back(std::move(o));
    }
    std::uint64_t draws = 0;
    ar >> make_nvp("draws", draws);
    out.draws = draws;
    leadscore::validate(out); // names, teams, capacities, owners: definition_error naming the rep, team or owner
    s = std::move(out);
}

template <class Ar>
void serialize(Ar& ar, leadscore::routing_state& s, unsigned version) {
    split_free(ar, s, version);
}

// ---- rotations ----------------------------------------------------------------------------------------------------

template <class Ar>
void serialize(Ar& ar, leadscore::rotation_options& o, unsigned version) {
    namespace a = leadscore::detail::archive;
    if constexpr (Ar::is_saving::value) {
        a::save_text(ar, "team", o.team);
        a::save_text(ar, "language_field", o.language_field);
        a::save_text(ar, "region_field", o.region_field);
    } else {
        a::check_version(version, 1, "rotation_options");
        a::load_text(ar, "team", o.team);
        a::load_text(ar, "language_field", o.language_field);
        a::load_text(ar, "region_field", o.region_field);
    }
}

template <class Ar>
void serialize(Ar& ar, leadscore::weighted_options& o, unsigned version) {
    namespace a = leadscore::detail::archive;
    if constexpr (Ar::is_saving::value) {
        ar << make_nvp("rotation", o.rotation);
        a::save_text(ar, "probability_field", o.probability_field);
        ar << make_nvp("seed", o.seed);
    } else {
        a::check_version(version, 1, "weighted_options");
        ar >> make_nvp("rotation", o.rotation);
        a::load_text(ar, "probability_field", o.probability_field);
        ar >> make_nvp("seed", o.seed);
    }
}

template <class Ar>
void save(Ar& ar, const leadscore::round_robin_policy& p, unsigned /*version*/) {
    ar << make_nvp("options", p.options());
}
template <class Ar>
void load(Ar& ar, leadscore::round_robin_policy& p, unsigned version) {
    leadscore::detail::archive::check_version(version, 1, "round_robin_policy");
    leadscore::rotation_options o;
    ar >> make_nvp("options", o);
    p = leadscore::round_robin_policy(std::move(o));
}
template <class Ar>
void serialize(Ar& ar, leadscore::round_robin_policy& p, unsigned version) {
    split_free(ar, p, version);
}

template <class Ar>
void save(Ar& ar, const leadscore::weighted_policy& p, unsigned /*version*/) {
    ar << make_nvp("options", p.options());
}
template <class Ar>
void load(Ar& ar, leadscore::weighted_policy& p, unsigned version) {
    leadscore::detail::archive::check_version(version, 1, "weighted_policy");
    leadscore::weighted_options o;
    ar >> make_nvp("options", o);
    p = leadscore::weighted_policy(std::move(o));
}
template <class Ar>
void serialize(Ar& ar, leadscore::weighted_policy& p, unsigned version) {
    split_free(ar, p, version);
}

// ---- rules --------------------------------------------------------------------------------------------------------

template <class Ar>
void serialize(Ar& ar, leadscore::route_target& t, unsigned version) {
    namespace a = leadscore::detail::archive;
    if constexpr (Ar::is_saving::value) {
        a::save_enum(ar, "to", t.to);
        a::save_text(ar, "name", t.name);
    } else {
        a::check_version(version, 1, "route_target");
        t.to = a::load_enum(ar, "to", leadscore::route_target::kind::queue);
        a::load_text(ar, "name", t.name);
    }
}

template <class Ar>
void serialize(Ar& ar, leadscore::routing_rule& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    if constexpr (Ar::is_saving::value) {
        a::save_text(ar, "name", r.name);
        a::save_list(ar, "condition", r.when);
        ar << make_nvp("target", r.target);
    } else {
        a::check_version(version, 1, "routing_rule");
        a::load_text(ar, "name", r.name);
        a::load_list(ar, "condition", r.when);
        ar >> make_nvp("target", r.target);
    }
}

template <class Ar>
void save(Ar& ar, const leadscore::routing_rules& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_list(ar, "rule", r.rules);
    a::save_flag(ar, "has_fallback", r.fallback.has_value());
    if (r.fallback) ar << make_nvp("fallback", *r.fallback);
}
template <class Ar>
void load(Ar& ar, leadscore::routing_rules& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "routing_rules");
    leadscore::routing_rules out;
    a::load_list(ar, "rule", out.rules);
    if (a::load_flag(ar, "has_fallback")) {
        leadscore::route_target t;
        ar >> make_nvp("fallback", t);
        out.fallback = std::move(t);
    }
    a::rebuild("routing_rules", [&] {
        leadscore::validate(out);
        return 0;
    });
    r = std::move(out);
}
template <class Ar>
void serialize(Ar& ar, leadscore::routing_rules& r, unsigned version) {
    split_free(ar, r, version);
}

template <class Ar, class Rotation>
void save(Ar& ar, const leadscore::rule_policy<Rotation>& p, unsigned /*version*/) {
    ar << make_nvp("rules", p.rules()) << make_nvp("rotation", p.rotation());
}
template <class Ar, class Rotation>
void load(Ar& ar, leadscore::rule_policy<Rotation>& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "rule_policy");
    leadscore::routing_rules rules;
    Rotation rotation;
    ar >> make_nvp("rules", rules) >> make_nvp("rotation", rotation);
    p = a::rebuild("rule_policy",
                   [&] { return leadscore::rule_policy<Rotation>(std::move(rules), std::move(rotation)); });
}
template <class Ar, class Rotation>
void serialize(Ar& ar, leadscore::rule_policy<Rotation>& p, unsigned version) {
    split_free(ar, p, version);
}

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
