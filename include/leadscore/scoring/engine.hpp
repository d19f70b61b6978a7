#pragma once
// The batch engine: runs any ScoringPolicy over a table view, in cache-sized blocks, in parallel (the core batch
// runner, leadscore/core/batch.hpp), into the caller's span, without copying the table. Each row's score depends on
// that row only, so the output is the same for any number of threads.

#include "leadscore/core/batch.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/output_range.hpp"
#include "leadscore/scoring/policy.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// Scores every row of a bound scorer's view into out (out.size() rows, starting at row 0).
template <RowScorer S>
void run_scorer(const S& scorer, std::span<double> out, const batch_options& options = {}) {
    detail::for_each_block(out.size(), options, [&](std::size_t begin, std::size_t end) {
        if constexpr (BatchScorer<S>) {
            scorer.score_batch(begin, out.subspan(begin, end - begin));
        } else {
            for (std::size_t r = begin; r < end; ++r) out[r] = static_cast<double>(scorer.score(r));
        }
    });
}

/// Scores every row of `rows` into out (a span or vector of double, see OutputRange), which must have rows.rows()
/// elements. A policy that takes over whole batches itself (a member score_batch(view, out, options), as the
/// type-erased scoring_policy has) gets the batch in one call; any other is bound once and run block by block.
template <ScoringPolicy P, OutputRange<double> Out>
void score_batch(const P& policy, const table_view& rows, Out&& out, const batch_options& options = {}) {
    const std::span<double> o(out);
    detail::check_output_size("score_batch", rows.rows(), o.size());
    if constexpr (requires { policy.score_batch(rows, o, options); }) {
        policy.score_batch(rows, o, options);
    } else {
        const auto scorer = policy.bind(rows, options.as_of);
        run_scorer(scorer, o, options);
    }
}

/// Convenience: the scores of every row as a new vector. `score_batch(policy, view, {})` calls this one.
template <ScoringPolicy P>
[[nodiscard]] std::vector<double> score_batch(const P& policy, const table_view& rows, const batch_options& options = {}) {
    std::vector<double> out(rows.rows());
    score_batch(policy, rows, out, options);
    return out;
}

/// The explanation of one row's score. Policies whose scorer gives no explanation get the score alone
/// (no factors).
template <ScoringPolicy P>
[[nodiscard]] explanation explain(const P& policy, const table_view& rows, std::size_t row, timestamp as_of) {
    if (row >= rows.rows()) throw definition_error("explain: row " + std::to_string(row) + " of a view of " +
                                                   std::to_string(rows.rows()) + " rows");
    const auto scorer = policy.bind(rows, as_of);
    if constexpr (ExplainingScorer<scorer_t<P>>) {
        return scorer.explain(row);
    } else {
        explanation e;
        e.score = static_cast<double>(scorer.score(row));
        e.total = e.score;
        return e;
    }
}

/// One lead object, scored through a one-row table of the CRM's schema (see lead_table::from_leads).
template <ScoringPolicy P>
[[nodiscard]] double score_lead(const P& policy, const lead& l, const schema& fields, timestamp as_of) {
    const auto table = lead_table::from_leads(std::span<const lead>(&l, 1), fields);
    const auto view = table.view();
    return static_cast<double>(policy.bind(view, as_of).score(0));
}

/// The explanation of one lead object's score (see score_lead).
template <ScoringPolicy P>
[[nodiscard]] explanation explain_lead(const P& policy, const lead& l, const schema& fields, timestamp as_of) {
    const auto table = lead_table::from_leads(std::span<const lead>(&l, 1), fields);
    return explain(policy, table.view(), 0, as_of);
}

} // namespace leadscore
