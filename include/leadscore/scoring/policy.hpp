#pragma once
// The scoring contract: what a scoring policy provides, what the batch engine finds by itself, and the
// explanation every built-in gives.
//
// A policy is a value (rules, a fitted model). Scoring a table happens in two steps:
//   1. `policy.bind(view, as_of)` resolves field names to columns and category texts to codes once per
//      batch and returns a *scorer* that borrows the view's columns;
//   2. `scorer.score(row)` scores one lead (the one-lead form, which every policy has), and the optional
//      `scorer.score_batch(first, out)` scores rows [first, first + out.size()) in one go (the batch form,
//      which the engine uses when present).
// A scorer's const members are called from several threads at once, so they must not modify shared state.

#include "leadscore/core/batch.hpp" // batch_options, which every policy kind binds with
#include "leadscore/core/error.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"
#include "leadscore/core/time.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// What a policy's scores mean (its scale()).
enum class score_scale : std::uint8_t {
    points,     ///< unbounded, higher is better
    probability ///< in [0, 1]; NaN means "not computable for this lead"
};
/// "points" or "probability".
[[nodiscard]] std::string_view to_string(score_scale s) noexcept;

/// One factor behind a score and how far it moved the score, in the explanation's unit.
struct factor {
    std::string name;         ///< readable: a rule, criterion, feature or part ("industry = 'software'", "prior")
    double contribution = 0;  ///< how far it moved the score, in the explanation's unit; positive helped
    /// Equal when every field is equal.
    friend bool operator==(const factor&, const factor&) = default;
};

/// An event window of this many days (about a century, the trainers' default) or more counts every event: feature
/// and input names leave such a window out ("demo_requested", not "demo_requested in 36500 days"); a shorter one
/// is named ("demo_requested in 30 days").
inline constexpr double unlimited_window_days = 36500;

/// Why a lead got its score.
struct explanation {
    double score = 0;            ///< the policy's output for the lead
    /// What the contributions and the total are counted in. The built-in policies give:
    /// - "points": points_policy (a rule's points, a clipping bound's effect), weighted_sum_policy and max_policy
    ///   (a part's weight × score; the bias);
    /// - "grade points": grade_policy (steps on the scale F 0.0 … A+ 4.3 of leadscore/scoring/grade.hpp);
    /// - "log-odds": logistic_policy and frequency_policy (ln(p / (1 − p)) of the probability);
    /// - "component score": grid_policy (each factor is a part's own score, on that part's scale; not additive);
    /// - calibrated_policy: its raw policy's unit;
    /// - "" (empty): a policy whose scorer gives no explanation (the score alone, no factors).
    std::string unit;
    bool additive = false;       ///< true when the contributions sum to `total`
    double total = 0;            ///< the sum the factors add up to, in `unit` (= score for points)
    std::vector<factor> factors; ///< ordered by order_factors

    /// The sum of the factors' contributions (equal to total when additive).
    [[nodiscard]] double sum() const noexcept;
};

/// Positive contributions first, largest first; then negative ones, most negative first; zeros last.
/// Ties keep their relative order (stable), so the order is deterministic.
void order_factors(std::vector<factor>& factors);

/// The table fields a policy's bind() reads, as its definition names them. Each built-in policy has a member
/// fields_read() that returns them; the free function fields_read(policy) asks any policy.
///
/// Order and repeats: names and roles are listed in the order the policy's definition first mentions them (rules,
/// criteria or features in order; a composite's parts in order, each part's own list), each once.
struct policy_fields {
    /// Fields read by name.
    std::vector<std::string> names;
    /// Fields read by role, where the definition names no field (a frequency policy's stage, team or outcome:
    /// the view's field holding that role, when it has one). Never field_role::none.
    std::vector<field_role> roles;
    /// Whether bind() reads the view's engagement events.
    bool events = false;

    /// Appends a name that is not listed yet.
    void add(std::string_view name);
    /// Appends a role that is not listed yet (none is ignored).
    void add(field_role role);
    /// Appends what `other` reads and this does not list yet, in other's order; events when other reads them.
    void merge(const policy_fields& other);

    /// Equal when every field is equal (order included).
    friend bool operator==(const policy_fields&, const policy_fields&) = default;
};

/// What a policy reads: its member fields_read() (returning policy_fields, or std::optional<policy_fields> for a
/// policy made of others, such as a composite or the type-erased scoring_policy), or nullopt — "unknown" — for a
/// policy without that member.
template <class P>
[[nodiscard]] std::optional<policy_fields> fields_read(const P& policy) {
    if constexpr (requires { { policy.fields_read() } -> std::convertible_to<std::optional<policy_fields>>; }) {
        return policy.fields_read();
    } else {
        return std::nullopt;
    }
}

/// The fields of `table` that `read` lists — by name, or by role where the table has a field holding it — in the
/// table's order, with their types and roles: what a model file keeps as the fields scoring data must carry. Names
/// the table lacks are left out (a constant column added before scoring, for one; binding reports any still
/// missing).
[[nodiscard]] schema model_fields(const schema& table, const policy_fields& read);

/// The same for a policy. Throws definition_error when the policy does not say which fields it reads.
template <class P>
[[nodiscard]] schema model_fields(const schema& table, const P& policy) {
    const auto read = fields_read(policy);
    if (!read) throw definition_error("model fields: the policy does not say which fields it reads (fields_read)");
    return model_fields(table, *read);
}

/// A bound scorer's one-lead form: the score of a row of the view it was bound to.
template <class S>
concept RowScorer = requires(const S& s, std::size_t row) {
    { s.score(row) } -> std::convertible_to<double>;
};

/// The optional batch form: scores rows [first, first + out.size()) into out.
template <class S>
concept BatchScorer = RowScorer<S> && requires(const S& s, std::size_t first, std::span<double> out) {
    s.score_batch(first, out);
};

/// The optional explanation of a row's score.
template <class S>
concept ExplainingScorer = RowScorer<S> && requires(const S& s, std::size_t row) {
    { s.explain(row) } -> std::same_as<explanation>;
};

/// A scoring policy: a copyable value that declares its scale and binds to a table view as of a time.
/// Events after `as_of` do not exist for the policy, so a backtest scores exactly what a CRM showed then.
template <class P>
concept ScoringPolicy = std::copy_constructible<P> && requires(const P& p, const table_view& v, timestamp as_of) {
    { p.scale() } -> std::same_as<score_scale>;
    { p.bind(v, as_of) } -> RowScorer;
};

/// The scorer a policy returns from bind.
template <ScoringPolicy P>
using scorer_t = decltype(std::declval<const P&>().bind(std::declval<const table_view&>(), timestamp{}));

} // namespace leadscore
