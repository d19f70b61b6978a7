#pragma once
// Boost.Serialization of the routing state (leadscore/routing/state.hpp): what a CRM persists between routing runs.
// Include this header (and leadscore/io/archive.hpp for save_archive / load_archive) where states are written or
// read; the routing headers themselves do not include Boost.
//
// Format (version 1 of routing_state), in the style of serialize_core.hpp: counts are uint64; texts go through
// save_text; the per-rep numbers (assigned count, capacity, availability) and the load entries of every rep are
// saved as flat arrays in chunks (a loader allocates only as data arrives), load entries as one offsets array
// (rep r's entries are [offset[r], offset[r + 1])), one time array and one count array. A rep without a capacity is
// saved with capacity -1.
//
// Loading validates what it builds: arrays of the wrong length, offsets that do not add up, an availability flag
// other than 0 or 1, a capacity below -1, an unknown owner key, and then everything validate(routing_state) checks
// (names empty or repeated, a rep in an undefined team, an owner naming an undefined rep, a capacity out of range)
// — each an error naming the field; load_archive turns it into archive_error naming the archive.

#include "leadscore/io/serialize_core.hpp"
#include "leadscore/routing/state.hpp"

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/version.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

BOOST_CLASS_VERSION(leadscore::routing_state, 1)

namespace leadscore::detail::archive {

template <class Ar>
void save_texts(Ar& ar, const char* name, const std::vector<std::string>& texts) {
    save_count(ar, texts.size());
    for (const auto& t : texts) save_text(ar, name, t);
}
template <class Ar>
void load_texts(Ar& ar, const char* name, std::vector<std::string>& texts) {
    const std::uint64_t n = load_count(ar, name);
    texts.clear();
    for (std::uint64_t i = 0; i < n; ++i) { // grows one text at a time: a huge count fails at the end of the data
        std::string t;
        load_text(ar, name, t);
        texts.push_back(std::move(t));
    }
}

} // namespace leadscore::detail::archive

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
        a::save_texts(ar, "languages", r.languages);
        a::save_texts(ar, "regions", r.regions);
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
        a::load_texts(ar, "languages", r.languages);
        a::load_texts(ar, "regions", r.regions);
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

} // namespace boost::serialization
