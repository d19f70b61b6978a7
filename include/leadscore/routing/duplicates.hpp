#pragma once
// Duplicates go to the existing owner: a lead whose email (or, failing that, company) matches a lead that already
// belongs to a rep goes to that rep; every other lead is routed by the wrapped policy.
//
// Semantics a user must know:
// - Owners come from the state (routing_state::owners: a CRM's existing leads, routing_state::add_owner) and from
//   the leads routed so far: each lead given to a rep makes the rep the owner of its email and company when they had
//   none, in this run and, after finish(), in later ones.
// - Emails and companies compare after normalize_owner_value (ASCII lower case, outer spaces trimmed); a missing or
//   blank value matches nothing. Email is tried first.
// - The owner gets the duplicate only when available and under quota. Otherwise the lead stays unassigned with
//   reason owner_unavailable or owner_over_quota (the default: an owner conflict is for people to settle), or, with
//   route_when_owner_ineligible, is routed as a new lead.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/routing/policy.hpp"
#include "leadscore/routing/state.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// Which fields find duplicates, and what happens when the owner cannot take one.
struct duplicate_options {
    bool by_email = true;      ///< a lead with a known email is a duplicate
    bool by_company = true;    ///< a lead of a known company is a duplicate (tried after email)
    std::string email_field;   ///< a categorical field; empty = the field holding the email role
    std::string company_field; ///< a categorical field; empty = the field holding the company role
    /// When the owner cannot take the lead: false = leave it unassigned (saying why), true = route it as a new lead.
    bool route_when_owner_ineligible = false;
    /// Equal when every field is equal.
    friend bool operator==(const duplicate_options&, const duplicate_options&);
};

namespace detail {

/// Owners by email and company, resolved per dictionary code of the view's columns, plus the run's new owners.
class duplicate_index {
public:
    /// Throws definition_error for a missing or non-categorical key field, a code outside its dictionary, or an
    /// owner record of the state naming an undefined rep.
    duplicate_index(const duplicate_options& o, const table_view& leads, const routing_state& state);

    struct owner {
        std::int32_t rep = assignment::no_rep;
        bool by_company = false;
    };
    /// The owner of the row's email, else of its company; rep = assignment::no_rep when neither has one.
    [[nodiscard]] owner owner_of(std::size_t row) const;
    /// Makes `rep` the owner of the row's email and company where they have none.
    void remember(std::size_t row, std::int32_t rep);
    /// Appends the run's new owners to the state (a call writes each new owner once).
    void finish(routing_state& state);

private:
    struct key_column {
        owner_key kind = owner_key::email;
        const std::int32_t* codes = nullptr; // nullptr: this key is not used
        std::vector<std::int32_t> key_of;    // per code: key id, or -1 for a blank value
        std::vector<std::int32_t> owner;     // per key id: rep, or assignment::no_rep
        std::vector<std::string> text;       // per key id: the normalized value
        std::vector<std::int32_t> fresh;     // key ids owned in this run, not yet written to the state
    };
    void bind_key(key_column& k, owner_key kind, const std::string& field_name, field_role role,
                  const table_view& leads, const routing_state& state, const std::vector<std::int32_t>& rep_of_owner);
    [[nodiscard]] std::int32_t key_at(const key_column& k, std::size_t row) const noexcept {
        return k.codes == nullptr ? -1 : k.key_of[static_cast<std::size_t>(k.codes[row] + 1)];
    }

    key_column email_, company_;
    std::size_t rows_ = 0;
};

} // namespace detail

/// Wraps a policy: duplicates go to their owner, other leads through `Inner`.
template <RoutingPolicy Inner>
    requires AssigningRouter<router_t<Inner>>
class duplicate_policy {
public:
    /// Wraps `inner`; the default options match by email, then company, in the fields with those roles.
    explicit duplicate_policy(Inner inner, duplicate_options options = {})
        : inner_(std::move(inner)), options_(std::move(options)) {}

    /// The policy that routes leads without an owner.
    [[nodiscard]] const Inner& inner() const noexcept { return inner_; }
    /// The options given at construction.
    [[nodiscard]] const duplicate_options& options() const noexcept { return options_; }

    /// The router of duplicate_policy: the owners index and the inner router. Borrows the view's columns and the
    /// state, which must outlive it.
    class router {
    public:
        /// Gives a duplicate to its owner, else routes the lead through the inner router (see the header comment);
        /// a lead given to a rep makes the rep the owner of its email and company where they had none.
        [[nodiscard]] assignment route(std::size_t row) {
            const auto owner = index_.owner_of(row);
            if (owner.rep != assignment::no_rep) {
                assignment a = inner_.assign(row, owner.rep);
                if (a.assigned()) {
                    a.reason = owner.by_company ? route_reason::duplicate_company : route_reason::duplicate_email;
                    a.rule = assignment::no_rule;
                    index_.remember(row, a.rep);
                    return a;
                }
                if (!route_anyway_) {
                    a.reason = a.reason == route_reason::rep_unavailable ? route_reason::owner_unavailable
                                                                         : route_reason::owner_over_quota;
                    a.rule = assignment::no_rule;
                    if (owner.by_company) a.why |= route_duplicate_by_company;
                    return a;
                }
            }
            assignment a = inner_.route(row);
            if (a.assigned()) index_.remember(row, a.rep);
            return a;
        }
        /// route() for every row, in `order` (row order when empty), into out[row].
        void route_all(std::span<const std::uint32_t> order, std::span<assignment> out) {
            if (order.empty()) {
                for (std::size_t r = 0; r < out.size(); ++r) out[r] = route(r);
            } else {
                for (const std::uint32_t r : order) out[r] = route(r);
            }
        }
        /// Gives the lead to a rep (an index) through the inner router; when it takes the lead, the rep becomes the
        /// owner of the lead's email and company where they had none.
        [[nodiscard]] assignment assign(std::size_t row, std::int32_t rep) {
            assignment a = inner_.assign(row, rep);
            if (a.assigned()) index_.remember(row, a.rep);
            return a;
        }
        /// Writes the inner router's run, then the run's new owners, into the state.
        void finish() {
            if constexpr (requires { inner_.finish(); }) inner_.finish();
            index_.finish(*state_);
        }

    private:
        friend class duplicate_policy;
        router(detail::duplicate_index index, router_t<Inner> inner, routing_state& state, bool route_anyway)
            : index_(std::move(index)), inner_(std::move(inner)), state_(&state), route_anyway_(route_anyway) {}

        detail::duplicate_index index_;
        router_t<Inner> inner_;
        routing_state* state_;
        bool route_anyway_;
    };

    /// Resolves the key fields and the state's owners, then binds the inner policy. Throws definition_error as
    /// detail::duplicate_index does, and what the inner bind throws.
    [[nodiscard]] router bind(const table_view& leads, routing_state& state, timestamp as_of) const {
        detail::duplicate_index index(options_, leads, state);
        return router(std::move(index), inner_.bind(leads, state, as_of), state,
                      options_.route_when_owner_ineligible);
    }

    /// The inner policy's priority field (present when the inner policy has one).
    [[nodiscard]] auto priority_field() const
        requires requires(const Inner& p) { p.priority_field(); }
    {
        return inner_.priority_field();
    }
    /// The inner policy's rule label (present when the inner policy has rules).
    [[nodiscard]] std::string describe_rule(std::int32_t rule) const
        requires requires(const Inner& p, std::int32_t k) { p.describe_rule(k); }
    {
        return inner_.describe_rule(rule);
    }

    /// Equal when the inner policies and the options are equal.
    friend bool operator==(const duplicate_policy& a, const duplicate_policy& b)
        requires std::equality_comparable<Inner>
    {
        return a.inner_ == b.inner_ && a.options_ == b.options_;
    }

private:
    Inner inner_;
    duplicate_options options_;
};

} // namespace leadscore
