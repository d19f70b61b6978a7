#pragma once
// One lead as a CRM object. For batch work, many leads live column by column in a lead_table.

#include "leadscore/core/time.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace leadscore {

/// A lead is a person or an organization.
enum class party_kind : std::uint8_t { individual, organization };
[[nodiscard]] std::string_view to_string(party_kind p) noexcept;
[[nodiscard]] std::optional<party_kind> parse_party_kind(std::string_view s) noexcept;

struct contact_info {
    std::string name, email, phone, company, job_title; ///< empty = unknown
    friend bool operator==(const contact_info&, const contact_info&) = default;
};

/// When the lead intends to decide: now, within N days, or no timeframe stated.
/// Stored in a table as days (0 = now), missing when none is stated.
class purchase_timeframe {
public:
    constexpr purchase_timeframe() noexcept = default; ///< none stated
    [[nodiscard]] static constexpr purchase_timeframe none() noexcept { return {}; }
    [[nodiscard]] static constexpr purchase_timeframe now() noexcept { return purchase_timeframe(0); }
    /// Decides within `days` days (0 = now). Throws definition_error when days is negative.
    [[nodiscard]] static purchase_timeframe within(std::int32_t days);

    [[nodiscard]] constexpr bool stated() const noexcept { return days_ >= 0; }
    [[nodiscard]] constexpr bool is_now() const noexcept { return days_ == 0; }
    /// Days until the decision, or nullopt when none is stated.
    [[nodiscard]] constexpr std::optional<std::int32_t> days() const noexcept {
        return stated() ? std::optional<std::int32_t>(days_) : std::nullopt;
    }
    friend constexpr bool operator==(purchase_timeframe, purchase_timeframe) = default;

private:
    constexpr explicit purchase_timeframe(std::int32_t d) noexcept : days_(d) {}
    std::int32_t days_ = -1;
};

/// Something the lead did, at a time. `type` names an event type (see event_catalogue); `detail` is optional
/// free text such as the page, campaign or asset.
struct engagement_event {
    timestamp time{};
    std::string type;
    std::string detail;
    friend bool operator==(const engagement_event&, const engagement_event&) = default;
};

/// A typed attribute value. A missing attribute is simply absent from the map (a NaN number counts as missing).
using attribute_value = std::variant<double, std::string, bool, timestamp>;
using attribute_map = std::map<std::string, attribute_value, std::less<>>;

struct lead {
    std::string id;
    party_kind party = party_kind::individual;
    contact_info contact;
    std::string source; ///< a source name (see source_catalogue); empty = unknown
    std::string stage;  ///< a stage name of the lead's funnel; empty = unknown
    purchase_timeframe timeframe;
    std::string team, owner;
    std::optional<timestamp> created;
    std::optional<double> expected_value;
    attribute_map attributes;
    std::vector<engagement_event> events; ///< in any order; a lead_table keeps them sorted by time

    friend bool operator==(const lead&, const lead&) = default;
};

} // namespace leadscore
