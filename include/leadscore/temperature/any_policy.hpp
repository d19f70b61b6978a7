#pragma once
// temperature_policy: holds any TemperaturePolicy chosen at run time (a CRM's configuration) and dispatches once per
// batch — the concrete policy's own engine loop runs inside, with no virtual call per lead. Copies share the held
// (immutable) policy.

#include "leadscore/core/detail/erased_policy.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/policy.hpp"

#include <concepts>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace leadscore {

/// Any TemperaturePolicy chosen at run time, itself a TemperaturePolicy (see the header comment).
class temperature_policy {
    struct bound_base {
        virtual ~bound_base() = default;
        virtual rating rate(std::size_t row, double score) const = 0;
        virtual void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const = 0;
    };

public:
    /// The rater of a temperature_policy: one virtual call per row or per block. Wrappers (hysteresis, combinators)
    /// use the block form, so a lead costs no virtual call; the engine never uses it (temperature_policy::rate_batch
    /// runs the concrete rater instead).
    class rater {
    public:
        /// The held policy's one-lead form; one virtual call.
        [[nodiscard]] rating rate(std::size_t row, double score) const { return bound_->rate(row, score); }
        /// The held policy's batch form (its one-lead form row by row when it has none); one virtual call.
        void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const {
            bound_->rate_batch(first, scores, out);
        }

    private:
        friend class temperature_policy;
        explicit rater(std::shared_ptr<const bound_base> b) : bound_(std::move(b)) {}
        std::shared_ptr<const bound_base> bound_; // immutable once bound, so copies may share it
    };

    /// Empty: binding or rating throws definition_error.
    temperature_policy() = default;

    // The same_as test comes first: it short-circuits the concept check when copying a temperature_policy, which
    // would otherwise recurse into TemperaturePolicy<temperature_policy>.
    /// Holds `policy`, which copies then share.
    template <class P>
        requires(!std::same_as<std::remove_cvref_t<P>, temperature_policy> && TemperaturePolicy<P>)
    temperature_policy(P policy) // NOLINT(google-explicit-constructor): a policy *is* a temperature_policy
        : held_(held::make<model<P>>(std::move(policy))) {}

    /// Whether a policy is held.
    [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(held_); }

    /// The held policy's reason table.
    [[nodiscard]] std::vector<std::string> reasons() const { return held_.get().reasons(); }
    /// Binds the held policy (throws definition_error when empty); the contract is in leadscore/temperature/policy.hpp.
    [[nodiscard]] rater bind(const rating_input& in, const batch_options& options) const {
        return rater(held_.get().bind(in, options));
    }
    /// The whole batch through the held policy's own engine loop: one virtual call per batch.
    void rate_batch(const rating_input& in, std::span<rating> out, const batch_options& options) const {
        held_.get().rate_batch(in, out, options);
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
        static constexpr const char* kind = "temperature_policy";
        [[nodiscard]] virtual std::vector<std::string> reasons() const = 0;
        [[nodiscard]] virtual std::shared_ptr<const bound_base> bind(const rating_input&, const batch_options&) const = 0;
        virtual void rate_batch(const rating_input&, std::span<rating>, const batch_options&) const = 0;
    };

    template <class R>
    struct bound final : bound_base {
        R r;
        explicit bound(R x) : r(std::move(x)) {}
        rating rate(std::size_t row, double score) const override { return r.rate(row, score); }
        void rate_batch(std::size_t first, std::span<const double> scores, std::span<rating> out) const override {
            if constexpr (BatchTemperatureRater<R>) {
                r.rate_batch(first, scores, out);
            } else {
                for (std::size_t i = 0; i < out.size(); ++i) out[i] = r.rate(first + i, scores[i]);
            }
        }
    };

    template <class P>
    struct model final : detail::erased_model<model_base, P> {
        using detail::erased_model<model_base, P>::erased_model;
        std::vector<std::string> reasons() const override { return this->policy.reasons(); }
        std::shared_ptr<const bound_base> bind(const rating_input& in, const batch_options& o) const override {
            return std::make_shared<const bound<rater_t<P>>>(this->policy.bind(in, o));
        }
        void rate_batch(const rating_input& in, std::span<rating> out, const batch_options& o) const override {
            leadscore::rate_batch(this->policy, in, out, o);
        }
    };

    using held = detail::erased_policy<model_base>;
    held held_;
};

} // namespace leadscore
