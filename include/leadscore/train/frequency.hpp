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

#include "leadscore/scoring/frequency.hpp"
#include "leadscore/train/fit.hpp"

namespace leadscore {

/// Frequency tables as a Trainer.
struct frequency_trainer {
    frequency_definition definition; ///< stages, variables, smoothing, stage / team / lost-stage fields
    frequency_options options{};     ///< the fitted policy's scoring options

    /// Counts the training rows. Throws definition_error for a bad training set (see check_training_set) or
    /// definition (see frequency_tables and frequency_policy), input_error as frequency_tables::build.
    [[nodiscard]] fit_result<frequency_policy> fit(const training_set& data) const;
};

} // namespace leadscore
