#pragma once
// Catalogues of named things a CRM can extend at run time: lead sources and engagement event types.
// Names are normalized (lower case, spaces and hyphens become '_') so "Trade Show" finds "trade_show".

#include "leadscore/core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace leadscore {

/// "Trade Show" -> "trade_show": ASCII lower case, runs of spaces, hyphens and underscores become one '_',
/// leading and trailing ones are dropped. Non-ASCII bytes are kept as they are.
[[nodiscard]] std::string normalize_name(std::string_view name);

/// A name → entry registry. `Info` has a `std::string name` member. Ids are dense, in insertion order.
template <class Info>
class catalogue {
public:
    /// Dense ids, 0 to size() - 1 in insertion order; 16 bits, so a catalogue holds at most 65535 entries.
    using id_type = std::uint16_t;

    /// Adds an entry; its name is normalized. Throws definition_error on an empty or duplicate name.
    id_type add(Info info) {
        info.name = normalize_name(info.name);
        if (info.name.empty()) throw definition_error("catalogue: an entry needs a non-empty name");
        if (index_.contains(info.name)) throw definition_error("catalogue: '" + info.name + "' is already registered");
        if (entries_.size() > 0xFFFE) throw definition_error("catalogue: too many entries");
        const auto id = static_cast<id_type>(entries_.size());
        index_.emplace(info.name, id);
        entries_.push_back(std::move(info));
        return id;
    }
    /// The id of a name (normalized before the look-up), or nullopt when it is not registered.
    [[nodiscard]] std::optional<id_type> find(std::string_view name) const {
        const auto it = index_.find(normalize_name(name));
        return it == index_.end() ? std::nullopt : std::optional<id_type>(it->second);
    }
    /// Like find, but an unknown name throws definition_error naming it.
    [[nodiscard]] id_type at(std::string_view name) const {
        if (auto id = find(name)) return *id;
        throw definition_error("catalogue: unknown name '" + std::string(name) + "'");
    }
    /// The entry of an id; throws std::out_of_range for an id add has not given.
    [[nodiscard]] const Info& operator[](id_type id) const { return entries_.at(id); }
    /// Number of entries.
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    /// Iteration over the entries in id order; adding an entry invalidates iterators.
    [[nodiscard]] auto begin() const noexcept { return entries_.begin(); }
    /// Past the last entry (see begin).
    [[nodiscard]] auto end() const noexcept { return entries_.end(); }

private:
    std::vector<Info> entries_;
    std::unordered_map<std::string, id_type> index_;
};

// ---- lead sources -------------------------------------------------------------------------------

/// The broad channel a source belongs to.
enum class channel_family : std::uint8_t {
    inbound,  ///< the lead came on its own: inbound content, live chat
    outbound, ///< the company reached out: advertising, campaigns, purchased lists
    referral, ///< someone vouched for the company: referrals, existing customers, networking
    event,    ///< met at an event: webinars, trade shows, launches
    digital,  ///< social and automated online channels: social media, LinkedIn, chatbots
    partner   ///< through a third party: chamber of commerce, third-party meetings
};
/// The family's name as files and configurations spell it: "inbound", "outbound", …
[[nodiscard]] std::string_view to_string(channel_family f) noexcept;
/// The family of a name spelled as to_string spells it (exact match); nullopt for anything else.
[[nodiscard]] std::optional<channel_family> parse_channel_family(std::string_view s) noexcept;

/// One lead source of a source_catalogue.
struct source_info {
    std::string name;  ///< normalized key, e.g. "trade_show"
    channel_family family = channel_family::inbound; ///< the channel the source is filed under
    std::string label; ///< human text, e.g. "Trade show"
    /// Equal when every field is equal.
    friend bool operator==(const source_info&, const source_info&);
};

/// Lead sources: starts with the built-in ones (referral, existing_customer, advertising, …); a CRM adds its own.
class source_catalogue : public catalogue<source_info> {
public:
    /// The built-in catalogue: every source the library knows, each with its channel family.
    source_catalogue();
    /// Returns a catalogue with no entries, for a CRM that wants only its own sources.
    [[nodiscard]] static source_catalogue none();

private:
    struct empty_tag {};
    explicit source_catalogue(empty_tag) {}
};

// ---- engagement event types ---------------------------------------------------------------------

/// What kind of touch an event type is; rules may filter on it.
enum class engagement_category : std::uint8_t {
    email,        ///< opened, clicked, replied
    web,          ///< page and pricing-page visits, forms submitted
    content,      ///< downloads
    event,        ///< webinars and events registered for or attended
    conversation, ///< chats and calls
    sales,        ///< meetings booked, demos requested, trials started
    social,       ///< interactions on social media
    negative      ///< signs of lost interest: bounced email, unsubscribed
};
/// The category's name as files and configurations spell it: "email", "web", …
[[nodiscard]] std::string_view to_string(engagement_category c) noexcept;
/// The category of a name spelled as to_string spells it (exact match); nullopt for anything else.
[[nodiscard]] std::optional<engagement_category> parse_engagement_category(std::string_view s) noexcept;

/// One engagement event type of an event_catalogue.
struct event_type_info {
    std::string name; ///< normalized key, e.g. "email_opened"
    engagement_category category = engagement_category::web; ///< the kind of touch
    std::string label; ///< human text, e.g. "Email opened"
    /// Equal when every field is equal.
    friend bool operator==(const event_type_info&, const event_type_info&);
};

/// Engagement event types: starts with the built-in ones (email_opened, page_visited, …); a CRM adds its own.
class event_catalogue : public catalogue<event_type_info> {
public:
    /// The built-in catalogue: every event type the library knows, each with its category.
    event_catalogue();
    /// Returns a catalogue with no entries, for a CRM that wants only its own event types.
    [[nodiscard]] static event_catalogue none();

private:
    struct empty_tag {};
    explicit event_catalogue(empty_tag) {}
};

} // namespace leadscore
