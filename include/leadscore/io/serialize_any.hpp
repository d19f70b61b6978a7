#pragma once
// What the archives of the type-erased policies share (scoring_policy, temperature_policy, routing_policy): the held
// policy is saved as a stable export key (a text) followed by its value, and an empty one as the empty key; a
// registry per kind maps keys to types. The kinds' headers (serialize_scoring.hpp, serialize_temperature.hpp,
// serialize_routing.hpp) declare their registry and the register_*_policy functions users call.

#include "leadscore/core/error.hpp"
#include "leadscore/io/serialize_core.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/archive/xml_iarchive.hpp>
#include <boost/archive/xml_oarchive.hpp>
#include <boost/serialization/nvp.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace leadscore::detail {

/// How one policy type is saved and loaded through the type-erased `Any`: its export key and a save and a load
/// function per archive kind.
template <class Any>
struct any_codec {
    std::string key;
    const std::type_info* type = nullptr;
    std::function<void(boost::archive::text_oarchive&, const Any&)> save_text;
    std::function<void(boost::archive::xml_oarchive&, const Any&)> save_xml;
    std::function<void(boost::archive::binary_oarchive&, const Any&)> save_binary;
    std::function<Any(boost::archive::text_iarchive&)> load_text;
    std::function<Any(boost::archive::xml_iarchive&)> load_xml;
    std::function<Any(boost::archive::binary_iarchive&)> load_binary;
};

/// The archive calls of a policy type P held by an `Any`: P is saved as the element "policy"; `blank` makes the P
/// that the archive's value replaces.
template <class Any, class P>
any_codec<Any> make_any_codec(std::string key, std::function<P()> blank) {
    any_codec<Any> c;
    c.key = std::move(key);
    c.type = &typeid(P);
    const auto save = [](auto& ar, const Any& p) {
        const P* value = p.template target<P>();
        if (value == nullptr) throw definition_error("the held policy is not the type of its export key");
        ar << boost::serialization::make_nvp("policy", *value);
    };
    const auto load = [blank](auto& ar) {
        P value = blank();
        ar >> boost::serialization::make_nvp("policy", value);
        return Any(std::move(value));
    };
    c.save_text = save;
    c.save_xml = save;
    c.save_binary = save;
    c.load_text = load;
    c.load_xml = load;
    c.load_binary = load;
    return c;
}

/// The export keys of one kind of policy. Thread-safe; entries never move, so find's pointers stay valid.
template <class Any>
class codec_registry {
public:
    /// `kind` names the type-erased type in messages ("scoring_policy"); `register_call` the function users call to
    /// register ("register_scoring_policy").
    codec_registry(std::string kind, std::string register_call)
        : kind_(std::move(kind)), register_call_(std::move(register_call)) {}

    /// Adds a codec. The same key for the same type again changes nothing; an empty key, a key taken by another
    /// type, or a type already registered under another key throws definition_error naming both.
    void add(any_codec<Any> c) {
        if (c.key.empty()) throw definition_error(register_call_ + ": an empty export key");
        if (c.type == nullptr) throw definition_error(register_call_ + ": a codec without a type");
        const std::lock_guard lock(mutex_);
        for (const auto& have : codecs_) {
            const bool same_key = have->key == c.key, same_type = *have->type == *c.type;
            if (same_key && same_type) return;
            if (same_key)
                throw definition_error(register_call_ + ": the export key '" + c.key + "' is taken by another type (" +
                                       have->type->name() + ")");
            if (same_type)
                throw definition_error(register_call_ + ": the type is registered under the key '" + have->key +
                                       "', not '" + c.key + "'");
        }
        codecs_.push_back(std::make_unique<const any_codec<Any>>(std::move(c)));
    }
    /// Adds the codec of a policy type P (make_any_codec), as add does.
    template <class P>
    void add(std::string key, std::function<P()> blank) {
        add(make_any_codec<Any, P>(std::move(key), std::move(blank)));
    }
    /// The codec of a type or of a key; nullptr when none is registered.
    [[nodiscard]] const any_codec<Any>* find(const std::type_info& type) const {
        const std::lock_guard lock(mutex_);
        for (const auto& c : codecs_)
            if (*c->type == type) return c.get();
        return nullptr;
    }
    [[nodiscard]] const any_codec<Any>* find(std::string_view key) const {
        const std::lock_guard lock(mutex_);
        for (const auto& c : codecs_)
            if (c->key == key) return c.get();
        return nullptr;
    }
    /// The key a policy's held type is saved under; nullopt for an empty policy or an unregistered type.
    [[nodiscard]] std::optional<std::string> key_of(const Any& policy) const {
        if (!policy) return std::nullopt;
        const auto* c = find(policy.target_type());
        if (c == nullptr) return std::nullopt;
        return c->key;
    }

    [[nodiscard]] const std::string& kind() const noexcept { return kind_; }
    [[nodiscard]] const std::string& register_call() const noexcept { return register_call_; }

private:
    std::string kind_, register_call_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<const any_codec<Any>>> codecs_;
};

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
/// held type without an export key.
template <class Ar, class Any>
void save_any(Ar& ar, const Any& p, const codec_registry<Any>& codecs) {
    const any_codec<Any>* codec = nullptr;
    if (p) {
        codec = codecs.find(p.target_type());
        if (codec == nullptr)
            throw definition_error(codecs.kind() + ": the held type '" + p.target_type().name() +
                                   "' has no export key (see " + codecs.register_call() + ")");
    }
    save_text(ar, "key", codec ? codec->key : std::string());
    if (codec == nullptr) return;
    if constexpr (std::is_same_v<Ar, boost::archive::text_oarchive>) codec->save_text(ar, p);
    else if constexpr (std::is_same_v<Ar, boost::archive::xml_oarchive>) codec->save_xml(ar, p);
    else {
        static_assert(std::is_same_v<Ar, boost::archive::binary_oarchive>, "text, xml and binary archives only");
        codec->save_binary(ar, p);
    }
}

/// Loads what save_any saved. An unknown key, a newer version or nesting deeper than 64 levels is an archive error.
template <class Ar, class Any>
void load_any(Ar& ar, Any& p, unsigned version, const codec_registry<Any>& codecs) {
    check_version(version, 1, codecs.kind().c_str());
    const any_nesting_guard<Any> guard(codecs.kind());
    std::string key;
    load_text(ar, "key", key);
    if (key.empty()) {
        p = Any();
        return;
    }
    const auto* codec = codecs.find(key);
    if (codec == nullptr)
        fail(codecs.kind() + ": unknown export key '" + key + "' (a policy type not registered in this program)");
    if constexpr (std::is_same_v<Ar, boost::archive::text_iarchive>) p = codec->load_text(ar);
    else if constexpr (std::is_same_v<Ar, boost::archive::xml_iarchive>) p = codec->load_xml(ar);
    else {
        static_assert(std::is_same_v<Ar, boost::archive::binary_iarchive>, "text, xml and binary archives only");
        p = codec->load_binary(ar);
    }
}

} // namespace leadscore::detail::archive
