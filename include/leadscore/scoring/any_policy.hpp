#pragma once
// scoring_policy: holds any ScoringPolicy chosen at run time (a CRM's configuration) and dispatches once per
// batch — the concrete policy's own engine loop runs inside, with no virtual call per lead. Copies share the held
// (immutable) policy.

#include "leadscore/core/detail/erased_policy.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/policy.hpp"

#include <concepts>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace leadscore {

/// Any ScoringPolicy, chosen at run time: see the header comment. An empty one (default-constructed) throws
/// definition_error ("scoring_policy: empty …") from every member that needs a policy.
class scoring_policy {
    struct bound_base {
        virtual ~bound_base() = default;
        virtual double score(std::size_t row) const = 0;
        virtual void score_batch(std::size_t first, std::span<double> out) const = 0;
        virtual explanation explain(std::size_t row) const = 0;
    };

public:
    /// The scorer of a scoring_policy. One virtual call per row or per block, which the engine never uses on
    /// the batch path (scoring_policy::score_batch runs the concrete scorer instead).
    class scorer {
    public:
        /// The held scorer's score of `row`; the contract is in leadscore/scoring/policy.hpp.
        [[nodiscard]] double score(std::size_t row) const { return bound_->score(row); }
        /// The held scorer's batch form, or its one-lead form row by row when it has none.
        void score_batch(std::size_t first, std::span<double> out) const { bound_->score_batch(first, out); }
        /// The held scorer's explanation, or the score alone (no factors, empty unit) when it gives none.
        [[nodiscard]] explanation explain(std::size_t row) const { return bound_->explain(row); }

    private:
        friend class scoring_policy;
        explicit scorer(std::shared_ptr<const bound_base> b) : bound_(std::move(b)) {}
        std::shared_ptr<const bound_base> bound_; // immutable once bound, so copies may share it
    };

    /// Empty: binding or scoring throws definition_error.
    scoring_policy() = default;

    // The same_as test comes first: it short-circuits the concept check when copying a
    // scoring_policy, which would otherwise recurse into ScoringPolicy<scoring_policy>.
    /// Holds `policy`. Implicit: any ScoringPolicy converts where a scoring_policy is asked for.
    template <class P>
        requires(!std::same_as<std::remove_cvref_t<P>, scoring_policy> && ScoringPolicy<P>)
    scoring_policy(P policy) // NOLINT(google-explicit-constructor): a policy *is* a scoring_policy
        : held_(held::make<model<P>>(std::move(policy))) {}

    /// Whether a policy is held.
    [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(held_); }

    /// The held policy's scale.
    [[nodiscard]] score_scale scale() const { return held_.get().scale(); }
    /// What the held policy reads (see fields_read); nullopt when it does not say.
    [[nodiscard]] std::optional<policy_fields> fields_read() const { return held_.get().fields_read(); }
    /// Binds the held policy (one virtual call). Its scorer may refer to the held policy, so keep this
    /// scoring_policy, or a copy of it, alive while the scorer is used.
    [[nodiscard]] scorer bind(const table_view& rows, timestamp as_of) const {
        return scorer(held_.get().bind(rows, as_of));
    }
    /// The whole batch through the held policy's own engine loop: one virtual call per batch.
    void score_batch(const table_view& rows, std::span<double> out, const batch_options& options) const {
        held_.get().score_batch(rows, out, options);
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
        static constexpr const char* kind = "scoring_policy";
        [[nodiscard]] virtual score_scale scale() const = 0;
        [[nodiscard]] virtual std::optional<policy_fields> fields_read() const = 0;
        [[nodiscard]] virtual std::shared_ptr<const bound_base> bind(const table_view&, timestamp) const = 0;
        virtual void score_batch(const table_view&, std::span<double>, const batch_options&) const = 0;
    };

    template <class S>
    struct bound final : bound_base {
        S s;
        explicit bound(S x) : s(std::move(x)) {}
        double score(std::size_t row) const override { return static_cast<double>(s.score(row)); }
        void score_batch(std::size_t first, std::span<double> out) const override {
            if constexpr (BatchScorer<S>) {
                s.score_batch(first, out);
            } else {
                for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(s.score(first + i));
            }
        }
        explanation explain(std::size_t row) const override {
            if constexpr (ExplainingScorer<S>) {
                return s.explain(row);
            } else {
                explanation e;
                e.score = static_cast<double>(s.score(row));
                e.total = e.score;
                return e;
            }
        }
    };

    template <class P>
    struct model final : detail::erased_model<model_base, P> {
        using detail::erased_model<model_base, P>::erased_model;
        score_scale scale() const override { return this->policy.scale(); }
        std::optional<policy_fields> fields_read() const override { return leadscore::fields_read(this->policy); }
        std::shared_ptr<const bound_base> bind(const table_view& v, timestamp t) const override {
            return std::make_shared<const bound<scorer_t<P>>>(this->policy.bind(v, t));
        }
        void score_batch(const table_view& v, std::span<double> out, const batch_options& o) const override {
            leadscore::score_batch(this->policy, v, out, o);
        }
    };

    using held = detail::erased_policy<model_base>;
    held held_;
};

} // namespace leadscore
