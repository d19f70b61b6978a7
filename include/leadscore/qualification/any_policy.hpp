#pragma once
// qualification_policy: holds any QualificationPolicy chosen at run time (a CRM's configuration) and dispatches once
// per batch — the held policy's own engine loop runs inside qualify_batch, with no virtual call per lead. Copies share
// the held (immutable) policy.

#include "leadscore/core/detail/erased_policy.hpp"
#include "leadscore/qualification/policy.hpp"
#include "leadscore/qualification/stage_map.hpp"

#include <concepts>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace leadscore {

/// Any QualificationPolicy chosen at run time, itself a QualificationPolicy (see the header comment).
class qualification_policy {
    struct bound_base {
        virtual ~bound_base() = default;
        [[nodiscard]] virtual qualification qualify(std::size_t row) const = 0;
        virtual void qualify_batch(std::size_t first, std::span<qualification> out) const = 0;
    };

public:
    /// The qualifier of a qualification_policy: one virtual call per row or per block, which the engine never uses
    /// (qualification_policy::qualify_batch runs the held policy's qualifier instead).
    class qualifier {
    public:
        /// The held policy's one-lead form; one virtual call.
        [[nodiscard]] qualification qualify(std::size_t row) const { return bound_->qualify(row); }
        /// The held policy's batch form (its one-lead form row by row when it has none); one virtual call.
        void qualify_batch(std::size_t first, std::span<qualification> out) const { bound_->qualify_batch(first, out); }

    private:
        friend class qualification_policy;
        explicit qualifier(std::shared_ptr<const bound_base> b) : bound_(std::move(b)) {}
        std::shared_ptr<const bound_base> bound_; // immutable once bound, so copies may share it
    };

    /// Empty: binding or qualifying throws definition_error.
    qualification_policy() = default;

    // The same_as test comes first, so copying a qualification_policy does not recurse into
    // QualificationPolicy<qualification_policy>.
    /// Holds `policy`, which copies then share.
    template <class P>
        requires(!std::same_as<std::remove_cvref_t<P>, qualification_policy> && QualificationPolicy<P>)
    qualification_policy(P policy) // NOLINT(google-explicit-constructor): a policy *is* a qualification_policy
        : held_(held::make<model<P>>(std::move(policy))) {}

    /// Whether a policy is held.
    [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(held_); }

    /// The held policy's stage map (the funnel its qualifications index).
    [[nodiscard]] const stage_map& stages() const { return held_.get().stages(); }
    /// The held policy's reason table.
    [[nodiscard]] std::vector<std::string> reasons() const { return held_.get().reasons(); }
    /// Binds the held policy (throws definition_error when empty); the contract is in
    /// leadscore/qualification/policy.hpp.
    [[nodiscard]] qualifier bind(const qualification_input& in, const batch_options& options) const {
        return qualifier(held_.get().bind(in, options));
    }
    /// The whole batch through the held policy's own engine loop: one virtual call per batch.
    void qualify_batch(const qualification_input& in, std::span<qualification> out, const batch_options& options) const {
        held_.get().qualify_batch(in, out, options);
    }

    /// The type of the held policy (typeid(void) when empty).
    [[nodiscard]] const std::type_info& target_type() const noexcept { return held_.target_type(); }
    /// The held policy, or nullptr when it is not a P.
    template <class P>
    [[nodiscard]] const P* target() const noexcept {
        return held_.template target<P>();
    }

private:
    struct model_base : detail::erased_model_base {
        static constexpr const char* kind = "qualification_policy";
        [[nodiscard]] virtual const stage_map& stages() const = 0;
        [[nodiscard]] virtual std::vector<std::string> reasons() const = 0;
        [[nodiscard]] virtual std::shared_ptr<const bound_base> bind(const qualification_input&,
                                                                     const batch_options&) const = 0;
        virtual void qualify_batch(const qualification_input&, std::span<qualification>, const batch_options&) const = 0;
    };

    template <class Q>
    struct bound final : bound_base {
        Q q;
        explicit bound(Q x) : q(std::move(x)) {}
        qualification qualify(std::size_t row) const override { return q.qualify(row); }
        void qualify_batch(std::size_t first, std::span<qualification> out) const override {
            if constexpr (BatchQualifier<Q>) {
                q.qualify_batch(first, out);
            } else {
                for (std::size_t i = 0; i < out.size(); ++i) out[i] = q.qualify(first + i);
            }
        }
    };

    struct no_copy {};

    template <class P>
    struct model final : detail::erased_model<model_base, P> {
        // A policy whose stages() gives a value, not a reference, has it kept here, so stages() can return a reference.
        static constexpr bool keeps_stages = !std::is_lvalue_reference_v<decltype(std::declval<const P&>().stages())>;

        explicit model(P p) : detail::erased_model<model_base, P>(std::move(p)), kept_(keep(this->policy)) {}
        const stage_map& stages() const override {
            if constexpr (keeps_stages) return kept_;
            else return this->policy.stages();
        }
        std::vector<std::string> reasons() const override { return this->policy.reasons(); }
        std::shared_ptr<const bound_base> bind(const qualification_input& in, const batch_options& o) const override {
            return std::make_shared<const bound<qualifier_t<P>>>(this->policy.bind(in, o));
        }
        void qualify_batch(const qualification_input& in, std::span<qualification> out,
                           const batch_options& o) const override {
            leadscore::qualify_batch(this->policy, in, out, o);
        }

    private:
        static auto keep(const P& p) {
            if constexpr (keeps_stages) return stage_map(p.stages());
            else return no_copy{};
        }
        [[no_unique_address]] std::conditional_t<keeps_stages, stage_map, no_copy> kept_;
    };

    using held = detail::erased_policy<model_base>;
    held held_;
};

} // namespace leadscore
