#pragma once
// Frequency-table naive Bayes (scoring/frequency.hpp) through the fitting interface: the tables are the counts of
// the training rows, with the labels of the training set as the outcome (1 = won, 0 = lost).
//
//   frequency_trainer t{.definition = d};   // stages, variables, smoothing, stage / team / lost-stage fields
//   fit_result<frequency_policy> r = fit(t, view, {.field = "outcome", .positive = {"won"}, .negative = {"lost"}}, as_of);
//
// Semantics a user must know:
// - Only the training rows are counted, each once: a row labelled 1 as a won lead, 0 as a lost one. The outcome
//   field of the definition is not read while fitting (the labels take its place), so any binary target works
//   and cross-validation folds count only their own rows. A lost lead counts at its lost-stage field's stage, as
//   frequency_tables::build does.
// - The policy's tables carry the definition as given: at scoring time the outcome field, if any, is read as
//   frequency_policy describes (known outcomes score 0 or 1).
// - Counting is exact and closed-form: the report says converged, 0 iterations; `parameters` is the number of
//   table rows.
// - Counts are sums: frequency_counter counts parts of a training set apart (on several machines, say) and merges
//   them; the tables equal those of one fit over all the rows exactly, whatever the split and the merge order.
//   fit(data) is a counter over the whole training set.
//
//   frequency_counter a(t.definition), b(t.definition);
//   a.add(part_one);  b.add(part_two);          // training sets of two partitions
//   fit_result<frequency_policy> r = t.fit(a.merge(b));   // equals t.fit(all rows)

#include "leadscore/scoring/frequency.hpp"
#include "leadscore/train/fit.hpp"

#include <cstddef>

namespace leadscore {

/// The counts of training rows as a mergeable accumulator. Each table row created by counting holds the smoothing
/// plus its leads, so the sum of two counters adds the leads of rows both have and keeps the rows one has: exactly
/// the tables of counting both parts' rows at once. The tables are kept in their canonical order (as rows() lists
/// them), so equal counts give equal tables, archives included.
class frequency_counter {
public:
    /// Nothing counted yet. Throws definition_error for a definition frequency_tables refuses.
    explicit frequency_counter(frequency_definition definition);
    /// A counter holding tables that counting made (a counter's tables(), as an archive brings them back) and the
    /// training rows and positives counted into them. Throws definition_error for a row whose counts are below
    /// the smoothing (no counting makes one), or positives above rows.
    frequency_counter(frequency_tables counted, std::size_t rows, std::size_t positives);

    /// Counts the training rows, each once, as frequency_trainer::fit does (see the notes above). Throws
    /// definition_error for a bad training set (see check_training_set), input_error as frequency_tables::build.
    frequency_counter& add(const training_set& data);
    /// Adds another counter's counts (rows, positives and every table row). Throws definition_error when the
    /// definitions differ (the counter is then unchanged).
    frequency_counter& merge(const frequency_counter& other);

    /// The tables of every row counted so far (the definition as given: its outcome field is not the labels').
    [[nodiscard]] const frequency_tables& tables() const noexcept { return tables_; }
    /// Training rows counted.
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    /// Of which labelled 1 (won).
    [[nodiscard]] std::size_t positives() const noexcept { return positives_; }

    /// Equal tables, rows and positives.
    friend bool operator==(const frequency_counter&, const frequency_counter&);

private:
    frequency_tables tables_;
    std::size_t rows_ = 0;
    std::size_t positives_ = 0;
};

/// Frequency tables as a Trainer.
struct frequency_trainer {
    frequency_definition definition; ///< stages, variables, smoothing, stage / team / lost-stage fields
    frequency_options options{};     ///< the fitted policy's scoring options

    /// Counts the training rows. Throws definition_error for a bad training set (see check_training_set) or
    /// definition (see frequency_tables and frequency_policy), input_error as frequency_tables::build.
    [[nodiscard]] fit_result<frequency_policy> fit(const training_set& data) const;
    /// The policy of counted rows, with the report fit(data) gives for the same rows (fit(data) is this over a
    /// counter of data). Throws definition_error when the counter's definition is not the trainer's.
    [[nodiscard]] fit_result<frequency_policy> fit(const frequency_counter& counts) const;
};

} // namespace leadscore
