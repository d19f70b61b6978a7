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
enum class party_kind : std::uint8_t {
    individual,  ///< a person buying for themselves
    organization ///< a company or other body, reached through a contact person
};
/// "individual" or "organization".
[[nodiscard]] std::string_view to_string(party_kind p) noexcept;
/// The kind of a name spelled as to_string spells it (exact match); nullopt for anything else.
[[nodiscard]] std::optional<party_kind> parse_party_kind(std::string_view s) noexcept;

/// How to reach a lead, as the CRM holds it. An empty text is unknown.
struct contact_info {
    std::string name;      ///< the person's name (for an organization, the contact person's)
    std::string email;     ///< e-mail address, not validated
    std::string phone;     ///< phone number as written
    std::string company;   ///< the organization's name
    std::string job_title; ///< the contact's role, e.g. "Head of Purchasing"
    /// Equal when every field is equal.
    friend bool operator==(const contact_info&, const contact_info&) = default;
};

/// When the lead intends to decide: now, within N days, or no timeframe stated.
/// Stored in a table as days (0 = now), missing when none is stated.
class purchase_timeframe {
public:
    constexpr purchase_timeframe() noexcept = default; ///< none stated
    /// No timeframe stated; the same as the default.
    [[nodiscard]] static constexpr purchase_timeframe none() noexcept { return {}; }
    /// Needs it now: within 0 days.
    [[nodiscard]] static constexpr purchase_timeframe now() noexcept { return purchase_timeframe(0); }
    /// Decides within `days` days (0 = now). Throws definition_error when days is negative.
    [[nodiscard]] static purchase_timeframe within(std::int32_t days);

    /// Whether a timeframe is stated (now counts as one).
    [[nodiscard]] constexpr bool stated() const noexcept { return days_ >= 0; }
    /// Whether the lead needs it now (0 days).
    [[nodiscard]] constexpr bool is_now() const noexcept { return days_ == 0; }
    /// Days until the decision, or nullopt when none is stated.
    [[nodiscard]] constexpr std::optional<std::int32_t> days() const noexcept {
        return stated() ? std::optional<std::int32_t>(days_) : std::nullopt;
    }
    /// Equal when both state the same number of days, or both state none.
    friend constexpr bool operator==(purchase_timeframe, purchase_timeframe) = default;

private:
    constexpr explicit purchase_timeframe(std::int32_t d) noexcept : days_(d) {}
    std::int32_t days_ = -1;
};

/// Something the lead did, at a time.
struct engagement_event {
    timestamp time{};   ///< when the lead did it
    std::string type;   ///< an event type name (see event_catalogue), e.g. "email_opened"
    std::string detail; ///< optional free text such as the page, campaign or asset; empty = none
    /// Equal when every field is equal.
    friend bool operator==(const engagement_event&, const engagement_event&) = default;
};

/// A typed attribute value. A missing attribute is simply absent from the map (a NaN number counts as missing).
using attribute_value = std::variant<double, std::string, bool, timestamp>;
/// A lead's attributes by field name; look-ups take a std::string_view without a copy.
using attribute_map = std::map<std::string, attribute_value, std::less<>>;

/// One lead: the members the library knows by role (see field_role), plus typed attributes for every other field.
struct lead {
    std::string id;                            ///< the lead's key in the CRM; empty = unknown
    party_kind party = party_kind::individual; ///< a person or an organization
    contact_info contact;                      ///< how to reach the lead
    std::string source;                        ///< a source name (see source_catalogue); empty = unknown
    std::string stage;                         ///< a stage name of the lead's funnel; empty = unknown
    purchase_timeframe timeframe;              ///< when the lead intends to decide
    std::string team;                          ///< the sales team that owns the lead; empty = none
    std::string owner;                         ///< the sales rep who owns the lead; empty = none
    std::optional<timestamp> created;          ///< when the lead was captured
    std::optional<double> expected_value;      ///< expected deal value, in the CRM's currency
    attribute_map attributes;                  ///< every other field, by name
    std::vector<engagement_event> events;      ///< in any order; a lead_table keeps them sorted by time

    /// Equal when every member is equal: events in their order, and a NaN attribute is unequal to itself.
    friend bool operator==(const lead&, const lead&) = default;
};

} // namespace leadscore
