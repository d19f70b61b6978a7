#pragma once
// routing_policy: holds any RoutingPolicy chosen at run time (a CRM's configuration) and dispatches once per batch —
// the held policy's own router runs inside route_batch, with no virtual call per lead. Copies share the held
// (immutable) policy; what changes as leads are routed lives in the routing_state, not in the policy.

#include "leadscore/core/detail/erased_policy.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/routing/policy.hpp"

#include <concepts>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace leadscore {

/// Any RoutingPolicy, chosen at run time; see the header comment. Copies never throw.
class routing_policy {
    struct router_base {
        virtual ~router_base() = default;
        virtual assignment route(std::size_t row) = 0;
        virtual void route_all(std::span<const std::uint32_t> order, std::span<assignment> out) = 0;
        virtual assignment assign(std::size_t row, std::int32_t rep) = 0;
        virtual assignment route_in(std::size_t row, std::int32_t team) = 0;
        virtual void finish() = 0;
    };

public:
    /// The router of a routing_policy: one virtual call per lead, which route_batch never uses (it runs the held
    /// policy's router directly). assign and route_in throw definition_error when the held router lacks them. A
    /// router changes as it routes, so it is not shared: it can be moved, not copied.
    class router {
    public:
        /// Routes one lead through the held router.
        [[nodiscard]] assignment route(std::size_t row) { return r_->route(row); }
        /// Routes every row (in `order`, or row order when empty) into out[row], by the held router's batch form
        /// when it has one.
        void route_all(std::span<const std::uint32_t> order, std::span<assignment> out) { r_->route_all(order, out); }
        /// Gives the lead to a rep (an index) through the held router.
        [[nodiscard]] assignment assign(std::size_t row, std::int32_t rep) { return r_->assign(row, rep); }
        /// Routes the lead within a team (an index) through the held router.
        [[nodiscard]] assignment route_in(std::size_t row, std::int32_t team) { return r_->route_in(row, team); }
        /// Writes the run into the state through the held router (nothing when it has no finish()).
        void finish() { r_->finish(); }

    private:
        friend class routing_policy;
        explicit router(std::unique_ptr<router_base> r) : r_(std::move(r)) {}
        std::unique_ptr<router_base> r_;
    };

    /// Empty: binding or routing throws definition_error.
    routing_policy() = default;

    // The same_as test comes first, so copying a routing_policy does not recurse into RoutingPolicy<routing_policy>.
    /// Holds `policy` (implicit: any RoutingPolicy converts to a routing_policy).
    template <class P>
        requires(!std::same_as<std::remove_cvref_t<P>, routing_policy> && RoutingPolicy<P>)
    routing_policy(P policy) // NOLINT(google-explicit-constructor): a policy *is* a routing_policy
        : held_(held::make<model<P>>(std::move(policy))) {}

    /// True when a policy is held.
    [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(held_); }

    /// Binds the held policy and wraps its router. Throws definition_error when empty, and what the held bind
    /// throws. The contract is in leadscore/routing/policy.hpp.
    [[nodiscard]] router bind(const table_view& leads, routing_state& state, timestamp as_of) const {
        return router(held_.get().bind(leads, state, as_of));
    }
    /// The whole batch through the held policy's own engine path: one virtual call per batch.
    void route_batch(const table_view& leads, routing_state& state, std::span<assignment> out,
                     const routing_options& options) const {
        held_.get().route_batch(leads, state, out, options);
    }
    /// The held policy's priority field ("" when it has none).
    [[nodiscard]] std::string priority_field() const { return held_.get().priority_field(); }
    /// The held policy's rule label ("" when it has no rules).
    [[nodiscard]] std::string describe_rule(std::int32_t rule) const { return held_.get().describe_rule(rule); }

    /// The type of the held policy (typeid(void) when empty).
    [[nodiscard]] const std::type_info& target_type() const noexcept { return held_.target_type(); }
    /// The held policy, or nullptr when it is not a P.
    template <class P>
    [[nodiscard]] const P* target() const noexcept {
        return held_.template target<P>();
    }

private:
    struct model_base : detail::erased_model_base {
        static constexpr const char* kind = "routing_policy";
        [[nodiscard]] virtual std::unique_ptr<router_base> bind(const table_view&, routing_state&, timestamp) const = 0;
        virtual void route_batch(const table_view&, routing_state&, std::span<assignment>,
                                 const routing_options&) const = 0;
        [[nodiscard]] virtual std::string priority_field() const = 0;
        [[nodiscard]] virtual std::string describe_rule(std::int32_t) const = 0;
    };

    template <class R>
    struct bound final : router_base {
        R r;
        explicit bound(R x) : r(std::move(x)) {}
        assignment route(std::size_t row) override { return r.route(row); }
        void route_all(std::span<const std::uint32_t> order, std::span<assignment> out) override {
            if constexpr (BatchRouter<R>) {
                r.route_all(order, out);
            } else if (order.empty()) {
                for (std::size_t i = 0; i < out.size(); ++i) out[i] = r.route(i);
            } else {
                for (const std::uint32_t i : order) out[i] = r.route(i);
            }
        }
        assignment assign(std::size_t row, std::int32_t rep) override {
            if constexpr (AssigningRouter<R>) return r.assign(row, rep);
            else throw definition_error("routing_policy: the held policy cannot give a lead to a named rep");
        }
        assignment route_in(std::size_t row, std::int32_t team) override {
            if constexpr (TeamRouter<R>) return r.route_in(row, team);
            else throw definition_error("routing_policy: the held policy is not a rotation (it cannot route in a team)");
        }
        void finish() override {
            if constexpr (requires { r.finish(); }) r.finish();
        }
    };

    template <class P>
    struct model final : detail::erased_model<model_base, P> {
        using detail::erased_model<model_base, P>::erased_model;
        std::unique_ptr<router_base> bind(const table_view& v, routing_state& s, timestamp t) const override {
            return std::make_unique<bound<router_t<P>>>(this->policy.bind(v, s, t));
        }
        void route_batch(const table_view& v, routing_state& s, std::span<assignment> out,
                         const routing_options& o) const override {
            leadscore::route_batch(this->policy, v, s, out, o);
        }
        std::string priority_field() const override {
            if constexpr (requires(const P& p) { p.priority_field(); }) return std::string(this->policy.priority_field());
            else return {};
        }
        std::string describe_rule(std::int32_t rule) const override {
            if constexpr (requires(const P& p) { p.describe_rule(rule); }) return this->policy.describe_rule(rule);
            else return {};
        }
    };

    using held = detail::erased_policy<model_base>;
    held held_;
};

} // namespace leadscore
