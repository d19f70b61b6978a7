#pragma once
// Progress of long work, and a way to stop it. A caller hands a progress_callback to the work (training_set's,
// cross_validation_options', batch_options' or csv_options' `progress`); the work calls it now and then with how
// much of it is done, and stops when the callback answers cancel.
//
//   const auto started = std::chrono::steady_clock::now();
//   training_set data{view, labels, rows, as_of, "outcome"};
//   data.progress = [&](std::uint64_t done, std::uint64_t total) {
//       show_percent(100.0 * done / total);
//       return user_pressed_stop() ? progress_action::cancel : progress_action::proceed;
//   };
//   try { auto r = logistic_trainer{}.fit(data); } catch (const cancelled_error&) { /* stopped: no result */ }
//
// Semantics a user must know:
// - done / total is the share of the work done, in [0, 1]. The units are the work's own (Newton iterations, trees,
//   folds, rows, bytes) and total may change between calls of one piece of work (a fit that converges early jumps
//   to the end); the share never decreases, and the last call of work that finishes is done == total.
// - The callback is called between steps, never per row: once per Newton iteration, per tree, per block of rows
//   scored (batch_options::block_rows), per few thousand CSV rows. Always on the thread that started the work, so
//   it needs no locking, even when the work itself runs on several threads.
// - Cancel makes the work throw cancelled_error (a leadscore::error) from the call that was given the callback, at
//   the next step: no partial result is returned, and what the work was writing (an output span) is left
//   unspecified. A callback that throws stops the work the same way, with its own exception.
// - An empty callback (the default) costs a test per step.

#include "leadscore/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace leadscore {

/// What a progress callback answers: go on, or stop the work.
enum class progress_action : std::uint8_t {
    proceed, ///< go on
    cancel,  ///< stop: the work throws cancelled_error
};

/// Called with the work done so far and the total, in the work's own units (see the header comment).
using progress_callback = std::function<progress_action(std::uint64_t done, std::uint64_t total)>;

/// The work was stopped by its progress callback (progress_action::cancel). what() names the work:
/// "logistic fit: cancelled".
class cancelled_error : public error {
public:
    using error::error;
};

namespace detail {

/// Calls `progress` (when set) with done of total; throws cancelled_error "<what>: cancelled" when it answers cancel.
void report_progress(const progress_callback& progress, std::uint64_t done, std::uint64_t total, std::string_view what);

/// A callback for part `index` of `parts` equal parts of the work `parent` follows: its done / total becomes
/// (index + done / total) / parts of the parent's. Empty when `parent` is.
[[nodiscard]] progress_callback progress_part(const progress_callback& parent, std::size_t index, std::size_t parts);

} // namespace detail
} // namespace leadscore
