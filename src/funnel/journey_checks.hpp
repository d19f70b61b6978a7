#pragma once
// Checks of the arguments of the funnel accumulators' add(): a lead range, a breakdown key, entries after as_of.

#include "leadscore/funnel/history.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace leadscore::detail {

inline void check_range(const journeys& j, std::size_t begin, std::size_t end, const char* what) {
    if (begin > end || end > j.leads())
        throw definition_error(std::string(what) + ": leads [" + std::to_string(begin) + ", " + std::to_string(end) +
                               ") outside the " + std::to_string(j.leads()) + " leads");
}

inline void check_key(const journeys& j, const lead_key* key, const char* what) {
    if (key == nullptr) return;
    if (key->code.size() != j.leads())
        throw definition_error(std::string(what) + ": key '" + key->name + "' has " + std::to_string(key->code.size()) +
                               " codes for " + std::to_string(j.leads()) + " leads");
    for (const auto c : key->code)
        if (c != missing_code && (c < 0 || static_cast<std::size_t>(c) >= key->labels.size()))
            throw definition_error(std::string(what) + ": key '" + key->name + "' has a code outside its labels");
}

/// Refuses an entry dated after as_of, naming it.
inline void check_as_of(const journeys& j, std::size_t begin, std::size_t end, std::int64_t now, const char* what) {
    const auto off = j.offsets();
    const auto tm = j.time_at();
    for (std::size_t p = off[begin]; p < off[end]; ++p)
        if (tm[p] != missing_time && tm[p] > now) {
            const auto e = j.order()[p];
            const auto& h = j.history();
            throw definition_error(std::string(what) + ": entry " + std::to_string(e) + " (lead '" +
                                   std::string(h.lead_ids[h.lead[e]]) + "') at " +
                                   format_timestamp(from_seconds(tm[p])) + " is after as_of " +
                                   format_timestamp(from_seconds(now)));
        }
}

} // namespace leadscore::detail
