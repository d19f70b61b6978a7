#pragma once
// What the archives of the type-erased policies share (scoring_policy, temperature_policy, qualification_policy,
// routing_policy): the held policy is saved as its stable export key (a text) followed by its value, and an empty one
// as the empty key. The keys are those of the kind's policy registry (leadscore/io/policy_registry.hpp), to which
// this header attaches how each type is saved and loaded; the kinds' headers (serialize_scoring.hpp,
// serialize_temperature.hpp, serialize_routing.hpp) declare the register_*_policy functions users call.

#include "leadscore/core/error.hpp"
#include "leadscore/io/policy_registry.hpp"
#include "leadscore/io/serialize_core.hpp"

#include <boost/archive/polymorphic_iarchive.hpp>
#include <boost/archive/polymorphic_oarchive.hpp>
#include <boost/serialization/nvp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace leadscore::detail {

/// How one policy type is saved and loaded through the type-erased `Any` (in the polymorphic archives every format
/// shares, see detail/archive_primitives.hpp).
template <class Any>
struct any_codec {
    std::function<void(boost::archive::polymorphic_oarchive&, const Any&)> save;
    std::function<Any(boost::archive::polymorphic_iarchive&)> load;
};

/// The archive calls of a policy type P held by an `Any`: P is saved as the element "policy"; `blank` makes the P
/// that the archive's value replaces.
template <class Any, class P>
std::shared_ptr<const any_codec<Any>> make_any_codec(std::function<P()> blank) {
    auto c = std::make_shared<any_codec<Any>>();
    c->save = [](boost::archive::polymorphic_oarchive& ar, const Any& p) {
        const P* value = p.template target<P>();
        if (value == nullptr) throw definition_error("the held policy is not the type of its export key");
        ar << boost::serialization::make_nvp("policy", *value);
    };
    c->load = [blank = std::move(blank)](boost::archive::polymorphic_iarchive& ar) {
        P value = blank();
        ar >> boost::serialization::make_nvp("policy", value);
        return Any(std::move(value));
    };
    return c;
}

/// Registers how a policy type P is archived under `key` (policy_registry::add_codec says what is refused).
template <class P, class Any>
void add_any_codec(policy_registry<Any>& registry, std::string key, std::function<P()> blank) {
    if (!blank) throw definition_error(registry.archive_call() + ": no function was given");
    registry.add_codec(std::move(key), typeid(P), make_any_codec<Any, P>(std::move(blank)));
}

} // namespace leadscore::detail

namespace leadscore::detail::archive {

/// Counts the nesting of one kind's loads on this thread (policies inside policies), so a hostile archive cannot
/// exhaust the stack: deeper than 64 levels is refused.
template <class Any>
class any_nesting_guard {
public:
    static constexpr int max_depth = 64;
    explicit any_nesting_guard(const std::string& kind) {
        if (++depth() > max_depth) {
            --depth();
            fail(kind + ": policies nested more than " + std::to_string(max_depth) + " levels deep");
        }
    }
    ~any_nesting_guard() { --depth(); }
    any_nesting_guard(const any_nesting_guard&) = delete;
    any_nesting_guard& operator=(const any_nesting_guard&) = delete;

private:
    static int& depth() noexcept {
        thread_local int d = 0;
        return d;
    }
};

/// Saves a type-erased policy: its export key ("" when empty), then the held policy. Throws definition_error for a
/// held type not registered for archives.
template <class Ar, class Any>
void save_any(Ar& ar, const Any& p, const policy_registry<Any>& registry) {
    std::shared_ptr<const any_codec<Any>> codec;
    std::string key;
    if (p) {
        auto e = registry.find(p.target_type());
        if (!e || !e->codec)
            throw definition_error(registry.kind() + ": the held type '" + p.target_type().name() +
                                   "' has no export key (see " + registry.archive_call() + ")");
        codec = std::move(e->codec);
        key = std::move(e->key);
    }
    save_text(ar, "key", key);
    if (codec) codec->save(ar, p);
}

/// Loads what save_any saved. An unknown key, a newer version or nesting deeper than 64 levels is an archive error.
template <class Ar, class Any>
void load_any(Ar& ar, Any& p, unsigned version, const policy_registry<Any>& registry) {
    check_version(version, 1, registry.kind().c_str());
    const any_nesting_guard<Any> guard(registry.kind());
    std::string key;
    load_text(ar, "key", key);
    if (key.empty()) {
        p = Any();
        return;
    }
    const auto e = registry.find(key);
    if (!e || !e->codec)
        fail(registry.kind() + ": unknown export key '" + key +
             "' (a policy type not registered for archives in this program)");
    p = e->codec->load(ar);
}

} // namespace leadscore::detail::archive
