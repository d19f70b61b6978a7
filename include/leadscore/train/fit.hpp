#pragma once
// The fitting interface every model kind shares: a binary target read from a field, the rows a model learns from,
// and what a fit returns — a ready policy (a ScoringPolicy value) and a report of how the fit went.
//
//   auto labels = target_labels(view, {.field = "outcome", .positive = {"won"}, .negative = {"lost"}});
//   auto rows = labelled_rows(labels);                              // open leads are neither: left out
//   fit_result<logistic_policy> r = logistic_trainer{}.fit({view, labels, rows, as_of, "outcome"});
//   // or in one call: fit(logistic_trainer{}, view, target, as_of)
//   if (!r.report.converged) warn(r.report.message);               // not converging is a value, not an exception
//
// Labels are int8 per view row: 1 (positive), 0 (negative) or `unlabelled` (-1), the form every metric and split
// in leadscore/evaluate takes too.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/progress.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/scoring/policy.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace leadscore {

/// The label of a row that is neither positive nor negative (missing, or a value the target does not list).
inline constexpr std::int8_t unlabelled = -1;

/// What makes a row positive or negative.
///
/// A categorical field: a row is 1 when its text is one of `positive`, 0 when it is one of `negative` — or, when
/// `negative` is empty, any other present text — and unlabelled when missing or in neither list. Texts are
/// compared exactly. A boolean field: true is 1, false is 0, missing is unlabelled; `positive` and `negative`
/// must be empty.
struct binary_target {
    std::string field;                   ///< a categorical or boolean field
    std::vector<std::string> positive{}; ///< texts labelled 1
    std::vector<std::string> negative{}; ///< texts labelled 0 (when empty, see above)
    /// Equal when every field is equal.
    friend bool operator==(const binary_target&, const binary_target&);
};

/// The label of every row of the view. Throws definition_error naming the field for an unknown field, a field that
/// is neither categorical nor boolean, a categorical target without a positive text, texts on a boolean target, or
/// a text listed both positive and negative; input_error naming row and field for a code or flag outside what the
/// view's dictionary allows (possible only in a view over a CRM's own arrays).
[[nodiscard]] std::vector<std::int8_t> target_labels(const table_view& view, const binary_target& target);

/// The rows whose label is 0 or 1, ascending.
[[nodiscard]] std::vector<std::size_t> labelled_rows(std::span<const std::int8_t> labels);

/// What a model learns from: rows of a view with their labels, as of a time.
struct training_set {
    table_view view;                     ///< the leads; the table must outlive the fit
    std::span<const std::int8_t> labels; ///< one per view row
    std::span<const std::size_t> rows;   ///< the rows learned from: each within the view, labelled, none repeated
    timestamp as_of{};                   ///< event features are computed as of it: later events do not exist
    /// The field the labels were read from, if any: learned encoders never read it (it would leak the answer).
    std::string target_field{};
    /// Told how far the fit is (leadscore/core/progress.hpp): the built-in trainers call it once per solver step
    /// (logistic: per Newton iteration, of max_iterations; gbt: per tree, of trees; frequency tables: only at the
    /// end) and with done == total at the end; cancel makes fit throw cancelled_error. Empty: not told.
    progress_callback progress{};
};

/// Throws definition_error when labels are not one per view row, a row is past the view's end, repeated or
/// unlabelled (naming the row), or a label is not 1, 0 or unlabelled.
void check_training_set(const training_set& data);

/// How a fit went. Not converging is reported here, never thrown: the policy is still usable (the last iterate).
struct fit_report {
    bool converged = false;         ///< the result is the optimum within the tolerances (always for a closed-form fit)
    std::size_t iterations = 0;     ///< solver iterations (0 for a closed-form fit such as counting)
    /// The largest entry of the objective's gradient (with an L1 penalty: of its minimum-norm subgradient) at the
    /// result, divided by the total sample weight — the gradient of the mean loss. 0 for a closed-form fit.
    double gradient_norm = 0;
    double objective = 0;           ///< the minimized objective at the result (0 for a closed-form fit)
    std::size_t rows = 0;           ///< rows learned from
    std::size_t positives = 0;      ///< of which labelled 1
    std::size_t parameters = 0;     ///< features (plus intercept), table rows or knots the fit produced
    std::string message;            ///< one line: why the fit stopped
    std::vector<std::string> notes; ///< what the fit decided on its own (a field skipped, a value pooled, …)
};

/// A fitted policy and its report.
template <class Policy>
struct fit_result {
    Policy policy;     ///< usable whether or not the fit converged
    fit_report report; ///< how the fit went
};

/// A model kind that learns a scoring policy from a training set: `trainer.fit(data)` returns a fit_result whose
/// policy is a ScoringPolicy. Trainers are values (their options); fit is const and may run on several threads.
template <class T>
concept Trainer = std::copy_constructible<T> && requires(const T& t, const training_set& data) {
    { t.fit(data).report } -> std::convertible_to<fit_report>;
    requires ScoringPolicy<std::remove_cvref_t<decltype(t.fit(data).policy)>>;
};

/// Fits a trainer on every labelled row of a view: labels from the target, rows = labelled_rows; `progress` as
/// training_set's.
template <Trainer T>
[[nodiscard]] auto fit(const T& trainer, const table_view& view, const binary_target& target, timestamp as_of,
                       const progress_callback& progress = {}) {
    const auto labels = target_labels(view, target);
    const auto rows = labelled_rows(labels);
    return trainer.fit(training_set{view, labels, rows, as_of, target.field, progress});
}

} // namespace leadscore
