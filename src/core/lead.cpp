#include "leadscore/core/lead.hpp"

#include "leadscore/core/error.hpp"

namespace leadscore {

std::string_view to_string(party_kind p) noexcept {
    return p == party_kind::organization ? "organization" : "individual";
}

std::optional<party_kind> parse_party_kind(std::string_view s) noexcept {
    if (s == "individual") return party_kind::individual;
    if (s == "organization") return party_kind::organization;
    return std::nullopt;
}

purchase_timeframe purchase_timeframe::within(std::int32_t days) {
    if (days < 0) throw definition_error("purchase_timeframe: days must be 0 or more, got " + std::to_string(days));
    return purchase_timeframe(days);
}

} // namespace leadscore
