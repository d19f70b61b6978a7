#pragma once
// The policy types a program knows by name: one registry per kind (scoring, temperature, qualification, routing)
// maps a stable export key ("acme.value_at_stake") to one type, and holds what the key is used for — how archives
// save and load the type (attached by leadscore/io/serialize_*.hpp: register_scoring_policy and its siblings) and how
// the TOML configuration builds it from a section (register_scoring_config and its siblings, below):
//
//   register_scoring_policy<acme::value_at_stake>("acme.value_at_stake");                    // archives
//   register_scoring_config<acme::value_at_stake>("acme.value_at_stake", read_value_at_stake); // [scoring] kind = …
//
// One key names one type and a type has one key, whatever it is registered for: registering a key another type
// holds, or a type under a second key, is a definition_error naming both. Registering the same key and type for the
// same use again changes nothing (the first function registered stays). Keys starting with "leadscore." are the
// library's; a configuration key cannot be a word the configuration gives a built-in policy of that kind ("points").
// Thread-safe. This header needs neither Boost nor toml++.

#include "leadscore/core/error.hpp"
#include "leadscore/io/config_section.hpp"
#include "leadscore/qualification/any_policy.hpp"
#include "leadscore/routing/any_policy.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/temperature/any_policy.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

namespace leadscore {

/// Builds a policy of type P from its configuration section (every key but the loader's own, see config_section.hpp).
template <class P>
using config_reader = std::function<P(const config_section&)>;

namespace detail {

template <class Any>
struct any_codec; // how a policy type is saved and loaded (leadscore/io/serialize_any.hpp)

/// The export keys of one kind of policy (see the header comment). Defined and instantiated for the four kinds in
/// src/io/policy_registry.cpp.
template <class Any>
class policy_registry {
public:
    /// What a key is registered for; a null pointer where it is not (yet).
    struct entry {
        std::string key;
        const std::type_info* type = nullptr;
        std::shared_ptr<const any_codec<Any>> codec;
        std::shared_ptr<const config_reader<Any>> reader;
    };

    /// `kind` names the type-erased type in messages ("scoring_policy"); the calls are the functions users call to
    /// register for archives ("register_scoring_policy") and for configuration ("register_scoring_config").
    policy_registry(std::string kind, std::string archive_call, std::string config_call);
    ~policy_registry();
    policy_registry(const policy_registry&) = delete;
    policy_registry& operator=(const policy_registry&) = delete;

    /// Registers how `type` is archived under `key` (see the header comment for what is refused).
    void add_codec(std::string key, const std::type_info& type, std::shared_ptr<const any_codec<Any>> codec);
    /// Registers how `type` is built from a configuration section under `key`.
    void add_reader(std::string key, const std::type_info& type, config_reader<Any> reader);

    /// The entry of a key or of a type; nullopt when none is registered.
    [[nodiscard]] std::optional<entry> find(std::string_view key) const;
    [[nodiscard]] std::optional<entry> find(const std::type_info& type) const;
    /// The key a policy's held type is registered under; nullopt for an empty policy or an unregistered type.
    [[nodiscard]] std::optional<std::string> key_of(const Any& policy) const;
    /// The keys a configuration can name, sorted.
    [[nodiscard]] std::vector<std::string> config_keys() const;

    [[nodiscard]] const std::string& kind() const noexcept { return kind_; }
    [[nodiscard]] const std::string& archive_call() const noexcept { return archive_call_; }
    [[nodiscard]] const std::string& config_call() const noexcept { return config_call_; }

private:
    struct entries; // the entries and the mutex that guards them

    std::string kind_, archive_call_, config_call_;
    std::unique_ptr<entries> entries_;
};

/// The registry of each kind, with the built-in policies registered on first use (src/io/serialize_*.cpp).
[[nodiscard]] policy_registry<scoring_policy>& scoring_registry();
[[nodiscard]] policy_registry<temperature_policy>& temperature_registry();
[[nodiscard]] policy_registry<qualification_policy>& qualification_registry();
[[nodiscard]] policy_registry<routing_policy>& routing_registry();

/// Throws definition_error (naming `call`) when `key` is a word the configuration's [section] gives a built-in policy.
void check_config_key(std::string_view section, const std::string& key, const std::string& call);

template <class Any, class P>
void add_config_reader(policy_registry<Any>& registry, std::string_view section, std::string key,
                       config_reader<P> read) {
    if (!read) throw definition_error(registry.config_call() + ": no function was given");
    check_config_key(section, key, registry.config_call());
    registry.add_reader(std::move(key), typeid(P),
                        [read = std::move(read)](const config_section& s) { return Any(read(s)); });
}

} // namespace detail

/// Lets a configuration name a scoring policy type of your own: `kind = "<key>"` in [scoring] (or in a part of a
/// composite, a grid axis or a calibrated policy's raw part) builds it with `read`. `key` is the type's export key,
/// the same one register_scoring_policy archives it under.
template <ScoringPolicy P>
void register_scoring_config(std::string key, config_reader<P> read) {
    detail::add_config_reader(detail::scoring_registry(), "scoring", std::move(key), std::move(read));
}
/// The same for a temperature policy: `kind = "<key>"` in [temperature] or in a part of a combination.
template <TemperaturePolicy P>
void register_temperature_config(std::string key, config_reader<P> read) {
    detail::add_config_reader(detail::temperature_registry(), "temperature", std::move(key), std::move(read));
}
/// The same for a qualification policy: `kind = "<key>"` in [qualification].
template <QualificationPolicy P>
void register_qualification_config(std::string key, config_reader<P> read) {
    detail::add_config_reader(detail::qualification_registry(), "qualification", std::move(key), std::move(read));
}
/// The same for a routing policy: `kind = "<key>"` in [routing].
template <RoutingPolicy P>
void register_routing_config(std::string key, config_reader<P> read) {
    detail::add_config_reader(detail::routing_registry(), "routing", std::move(key), std::move(read));
}

} // namespace leadscore
