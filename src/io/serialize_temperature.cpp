// The export-key registry of temperature policies, with the built-ins registered on first use (the design of
// src/io/serialize_scoring.cpp).

#include "leadscore/io/serialize_temperature.hpp"

#include <memory>
#include <mutex>

namespace leadscore {
namespace detail {

namespace {

// Values a loaded policy replaces: the smallest valid value of each built-in.
temperature_policy blank_inner() { return purchase_timeframe_policy(); }

class registry {
public:
    registry() {
        add(make_temperature_codec<purchase_timeframe_policy>("leadscore.purchase_timeframe",
                                                               [] { return purchase_timeframe_policy(); }));
        add(make_temperature_codec<score_band_policy>(
            "leadscore.score_bands", [] { return score_band_policy(score_bands{score_scale::points, 0, 1}); }));
        add(make_temperature_codec<relative_band_policy>("leadscore.relative_bands",
                                                          [] { return relative_band_policy(); }));
        add(make_temperature_codec<hysteresis_policy>(
            "leadscore.hysteresis", [] { return hysteresis_policy(blank_inner(), hysteresis_rule{std::nullopt, 1}); }));
        add(make_temperature_codec<combined_temperature_policy>(
            "leadscore.combined", [] { return hottest_of({temperature_part{"x", blank_inner()}}); }));
        add(make_temperature_codec<rating_field_policy>(
            "leadscore.rating_field", [] { return rating_field_policy(rating_field_rule{.field = "rating"}); }));
    }

    void add(temperature_codec c) {
        if (c.key.empty()) throw definition_error("register_temperature_policy: an empty export key");
        if (c.type == nullptr) throw definition_error("register_temperature_policy: a codec without a type");
        const std::lock_guard lock(mutex_);
        for (const auto& have : codecs_) {
            const bool same_key = have->key == c.key, same_type = *have->type == *c.type;
            if (same_key && same_type) return;
            if (same_key)
                throw definition_error("register_temperature_policy: the export key '" + c.key +
                                       "' is taken by another type (" + have->type->name() + ")");
            if (same_type)
                throw definition_error("register_temperature_policy: the type is registered under the key '" +
                                       have->key + "', not '" + c.key + "'");
        }
        codecs_.push_back(std::make_unique<const temperature_codec>(std::move(c)));
    }

    const temperature_codec* find(const std::type_info& type) const {
        const std::lock_guard lock(mutex_);
        for (const auto& c : codecs_)
            if (*c->type == type) return c.get();
        return nullptr;
    }
    const temperature_codec* find(std::string_view key) const {
        const std::lock_guard lock(mutex_);
        for (const auto& c : codecs_)
            if (c->key == key) return c.get();
        return nullptr;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<const temperature_codec>> codecs_; // entries never move: find's pointers stay valid
};

registry& the_registry() {
    static registry r;
    return r;
}

} // namespace

void add_temperature_codec(temperature_codec codec) { the_registry().add(std::move(codec)); }
const temperature_codec* find_temperature_codec(const std::type_info& type) { return the_registry().find(type); }
const temperature_codec* find_temperature_codec(std::string_view key) { return the_registry().find(key); }

} // namespace detail

std::optional<std::string> export_key(const temperature_policy& policy) {
    if (!policy) return std::nullopt;
    const auto* c = detail::find_temperature_codec(policy.target_type());
    if (c == nullptr) return std::nullopt;
    return c->key;
}

} // namespace leadscore
