#include "leadscore/core/catalogue.hpp"
#include "messages.hpp"

#include <array>
#include <utility>

namespace leadscore {

std::string normalize_name(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    bool pending_sep = false;
    for (const char c : name) {
        if (c == ' ' || c == '-' || c == '_' || c == '\t') {
            pending_sep = !out.empty();
            continue;
        }
        if (pending_sep) out += '_';
        pending_sep = false;
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

namespace {
constexpr std::array<std::string_view, 6> family_names{"inbound", "outbound", "referral", "event", "digital", "partner"};
constexpr std::array<std::string_view, 8> category_names{"email",        "web",   "content", "event",
                                                         "conversation", "sales", "social",  "negative"};

using detail::parse_enum;
} // namespace

std::string_view to_string(channel_family f) noexcept { return family_names.at(static_cast<std::size_t>(f)); }
std::optional<channel_family> parse_channel_family(std::string_view s) noexcept {
    return parse_enum<channel_family>(family_names, s);
}
std::string_view to_string(engagement_category c) noexcept { return category_names.at(static_cast<std::size_t>(c)); }
std::optional<engagement_category> parse_engagement_category(std::string_view s) noexcept {
    return parse_enum<engagement_category>(category_names, s);
}

source_catalogue::source_catalogue() {
    using enum channel_family;
    // Every source named in the mission, each with the channel family a marketing team files it under.
    const std::pair<const char*, channel_family> builtin[] = {
        {"Referral", referral},
        {"Existing customer", referral},
        {"Advertising", outbound},
        {"Direct response", outbound},
        {"Purchased list", outbound},
        {"Email campaign", outbound},
        {"Webinar", event},
        {"Product launch", event},
        {"Trade show", event},
        {"Peer meeting", event},
        {"Sponsored event", event},
        {"Offline event", event},
        {"Inbound content", inbound},
        {"Social media", digital},
        {"LinkedIn", digital},
        {"Networking", referral},
        {"Chamber of commerce", partner},
        {"Local advertising", outbound},
        {"Closed-lost reactivation", outbound},
        {"Live chat", inbound},
        {"Chatbot", digital},
        {"Third-party meeting", partner},
        {"Customer feedback", referral},
    };
    for (const auto& [label, family] : builtin) add({normalize_name(label), family, label});
}

source_catalogue source_catalogue::none() { return source_catalogue(empty_tag{}); }

event_catalogue::event_catalogue() {
    using enum engagement_category;
    const std::pair<const char*, engagement_category> builtin[] = {
        {"Email opened", email},
        {"Email clicked", email},
        {"Email replied", email},
        {"Page visited", web},
        {"Pricing page visited", web},
        {"Form submitted", web},
        {"Content downloaded", content},
        {"Webinar registered", event},
        {"Webinar attended", event},
        {"Event attended", event},
        {"Chat started", conversation},
        {"Call completed", conversation},
        {"Meeting booked", sales},
        {"Demo requested", sales},
        {"Trial started", sales},
        {"Social interaction", social},
        {"Email bounced", negative},
        {"Unsubscribed", negative},
    };
    for (const auto& [label, category] : builtin) add({normalize_name(label), category, label});
}

event_catalogue event_catalogue::none() { return event_catalogue(empty_tag{}); }

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const source_info&, const source_info&) = default;
bool operator==(const event_type_info&, const event_type_info&) = default;

} // namespace leadscore
