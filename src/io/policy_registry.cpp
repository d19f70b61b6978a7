// The policy registries: one list of entries per kind, searched linearly (a program registers a handful of types)
// under a mutex, so that registering and looking up may happen on several threads at once.

#include "leadscore/io/policy_registry.hpp"

#include <algorithm>
#include <mutex>

namespace leadscore::detail {

template <class Any>
struct policy_registry<Any>::entries {
    mutable std::mutex mutex;
    std::vector<entry> list;

    // Finds or makes the entry of (key, type) and lets `attach` fill it, all under the lock; refuses an empty key, a
    // key taken by another type, and a type registered under another key.
    template <class Attach>
    void add(const std::string& call, std::string key, const std::type_info& type, Attach attach) {
        if (key.empty()) throw definition_error(call + ": an empty export key");
        const std::lock_guard lock(mutex);
        for (auto& e : list) {
            const bool same_key = e.key == key, same_type = *e.type == type;
            if (same_key && same_type) return attach(e);
            if (same_key)
                throw definition_error(call + ": the export key '" + key + "' is taken by another type (" +
                                       e.type->name() + ")");
            if (same_type)
                throw definition_error(call + ": the type is registered under the key '" + e.key + "', not '" + key +
                                       "'");
        }
        entry e;
        e.key = std::move(key);
        e.type = &type;
        attach(e);
        list.push_back(std::move(e));
    }

    template <class Match>
    std::optional<entry> find(Match match) const {
        const std::lock_guard lock(mutex);
        for (const auto& e : list)
            if (match(e)) return e;
        return std::nullopt;
    }
};

template <class Any>
policy_registry<Any>::policy_registry(std::string kind, std::string archive_call, std::string config_call)
    : kind_(std::move(kind)), archive_call_(std::move(archive_call)), config_call_(std::move(config_call)),
      entries_(std::make_unique<entries>()) {}

template <class Any>
policy_registry<Any>::~policy_registry() = default;

template <class Any>
void policy_registry<Any>::add_codec(std::string key, const std::type_info& type,
                                     std::shared_ptr<const any_codec<Any>> codec) {
    entries_->add(archive_call_, std::move(key), type, [&](entry& e) {
        if (!e.codec) e.codec = std::move(codec);
    });
}

template <class Any>
void policy_registry<Any>::add_reader(std::string key, const std::type_info& type, config_reader<Any> reader) {
    entries_->add(config_call_, std::move(key), type, [&](entry& e) {
        if (!e.reader) e.reader = std::make_shared<const config_reader<Any>>(std::move(reader));
    });
}

template <class Any>
std::optional<typename policy_registry<Any>::entry> policy_registry<Any>::find(std::string_view key) const {
    return entries_->find([&](const entry& e) { return e.key == key; });
}

template <class Any>
std::optional<typename policy_registry<Any>::entry> policy_registry<Any>::find(const std::type_info& type) const {
    return entries_->find([&](const entry& e) { return *e.type == type; });
}

template <class Any>
std::optional<std::string> policy_registry<Any>::key_of(const Any& policy) const {
    if (!policy) return std::nullopt;
    auto e = find(policy.target_type());
    if (!e) return std::nullopt;
    return std::move(e->key);
}

template <class Any>
std::vector<std::string> policy_registry<Any>::config_keys() const {
    std::vector<std::string> out;
    {
        const std::lock_guard lock(entries_->mutex);
        for (const auto& e : entries_->list)
            if (e.reader) out.push_back(e.key);
    }
    std::sort(out.begin(), out.end());
    return out;
}

template class policy_registry<scoring_policy>;
template class policy_registry<temperature_policy>;
template class policy_registry<qualification_policy>;
template class policy_registry<routing_policy>;

} // namespace leadscore::detail
