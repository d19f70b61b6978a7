#pragma once
// The part every run-time (type-erased) policy shares — scoring_policy, temperature_policy, qualification_policy and
// routing_policy each state only their virtual interface and forward to it.
//
// Ownership: a policy is an immutable value, so the wrapper holds it as a shared pointer to const and copies share
// it (copying is cheap and noexcept, and no policy type needs to be cloneable). What a policy binds to (a scorer, a
// rater, a qualifier, a router) is the kind's business, not this template's.
//
// Speed: each kind's batch call is one virtual call per batch, inside which the held policy's own engine loop runs;
// nothing here is on the per-lead path.

#include "leadscore/core/error.hpp"

#include <memory>
#include <string>
#include <typeinfo>
#include <utility>

namespace leadscore::detail {

/// What every held policy answers besides its kind's interface: its type and its address.
struct erased_model_base {
    erased_model_base() = default;
    erased_model_base(const erased_model_base&) = delete;
    erased_model_base& operator=(const erased_model_base&) = delete;
    virtual ~erased_model_base() = default;
    [[nodiscard]] virtual const std::type_info& type() const noexcept = 0;
    [[nodiscard]] virtual const void* address() const noexcept = 0;
};

/// A policy P held under the virtual interface `Interface` of its kind (a class derived from erased_model_base).
/// The kind's model<P> derives from this and implements Interface with `policy`.
template <class Interface, class P>
struct erased_model : Interface {
    explicit erased_model(P p) : policy(std::move(p)) {}
    [[nodiscard]] const std::type_info& type() const noexcept final { return typeid(P); }
    [[nodiscard]] const void* address() const noexcept final { return std::addressof(policy); }
    P policy;
};

[[noreturn]] inline void throw_empty_policy(const char* kind) {
    throw definition_error(std::string(kind) + ": empty (no policy was given)");
}

/// Holds one policy of a kind, or nothing. `Interface::kind` (a const char*) names the kind in the error an empty
/// holder gives ("scoring_policy: empty (no policy was given)").
template <class Interface>
class erased_policy {
public:
    erased_policy() noexcept = default;
    explicit erased_policy(std::shared_ptr<const Interface> model) noexcept : model_(std::move(model)) {}

    /// Holds `p` as the kind's model type M (an erased_model<Interface, P>).
    template <class M, class P>
    [[nodiscard]] static erased_policy make(P p) {
        return erased_policy(std::make_shared<const M>(std::move(p)));
    }

    [[nodiscard]] explicit operator bool() const noexcept { return model_ != nullptr; }

    /// The type of the held policy (typeid(void) when empty).
    [[nodiscard]] const std::type_info& target_type() const noexcept {
        return model_ ? model_->type() : typeid(void);
    }
    /// The held policy, or nullptr when it is not a P.
    template <class P>
    [[nodiscard]] const P* target() const noexcept {
        return model_ && model_->type() == typeid(P) ? static_cast<const P*>(model_->address()) : nullptr;
    }

    /// The held policy's interface; definition_error naming the kind when empty.
    [[nodiscard]] const Interface& get() const {
        if (!model_) throw_empty_policy(Interface::kind);
        return *model_;
    }

private:
    std::shared_ptr<const Interface> model_;
};

} // namespace leadscore::detail
