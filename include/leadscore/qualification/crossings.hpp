#pragma once
// Crossings: what changed between two evaluations of the same leads — a score passing a threshold, a new
// temperature, a new stage — listed once per change, with the lead's id and owner, for a CRM to act on (notify the
// owner when a lead turns hot, hand it to sales when it becomes sales-qualified).
//
// Semantics a user must know:
// - A score crosses threshold t upward when before < t <= after, downward when after < t <= before (a score equal to
//   a threshold is at it, as for score bands). One crossing per threshold passed: a jump over two thresholds gives
//   two. A NaN new score gives none; a NaN or missing earlier score counts as "none" (see below): the lead crosses
//   every threshold at or below its new score.
// - A temperature crossing: the levels differ and the new one is defined. A stage crossing: the stage indices
//   differ and the new one is not -1. An unknown temperature or stage -1 before counts as "none": the crossing is
//   listed when rules.new_leads is set (a lead that is new, or had no temperature, crossing into one). So a lead
//   whose score is NaN for one run crosses again when it gets a temperature back: wrap the temperature policy in
//   hysteresis, which keeps the previous temperature, to avoid that.
// - Leads are matched by row, or through `previous_row` (see match_rows) when the two runs cover different tables.
//   A lead without a previous row is new.
// - Every crossing appears once, in row order, then score crossings by threshold, then temperature, then stage; the
//   list is the same for any thread count. Comparing run k with run k + 1 for every k lists each change exactly once.

#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/qualification/policy.hpp"
#include "leadscore/scoring/policy.hpp"
#include "leadscore/temperature/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// One evaluation of a batch: its time, and whichever of scores, temperatures and stages were computed (one entry per
/// row, or empty when not compared).
struct evaluation {
    timestamp at{};                          ///< when the evaluation ran
    std::span<const double> scores{};        ///< NaN = not computable
    std::span<const rating> temperatures{};  ///< from the same temperature policy in both evaluations
    std::span<const qualification> stages{}; ///< from the same qualification policy (funnel) in both evaluations
};

/// Which changes count as crossings.
struct crossing_rules {
    std::vector<double> score_thresholds{}; ///< strictly ascending, finite; empty = no score crossings
    bool temperatures = true;             ///< list temperature changes (both evaluations need temperatures)
    bool stages = true;                   ///< list stage changes (both evaluations need stages)
    bool new_leads = true;                ///< list crossings of leads that had no value before (see above)
};

/// What a crossing records.
enum class crossing_kind : std::uint8_t {
    score,       ///< the score passed a threshold
    temperature, ///< the temperature changed
    stage        ///< the stage changed
};
/// "score", "temperature", "stage".
[[nodiscard]] std::string_view to_string(crossing_kind k) noexcept;

/// One change of one lead. Every field describing the lead before and after is filled when the evaluation has it,
/// whatever the kind, so that an action has the context (a stage crossing carries the new temperature too).
struct crossing {
    std::size_t row = 0;   ///< row in the new evaluation
    std::string lead_id{}; ///< the lead's id (the field with role id); empty when the table has none
    std::string owner{};   ///< the lead's owner (role owner); empty when unknown
    crossing_kind kind = crossing_kind::score; ///< what changed
    timestamp time{};      ///< the new evaluation's time
    double threshold = std::numeric_limits<double>::quiet_NaN(); ///< score crossings: the threshold passed
    double from_score = std::numeric_limits<double>::quiet_NaN(); ///< the earlier score; NaN for none
    double to_score = std::numeric_limits<double>::quiet_NaN();   ///< the new score; NaN when not compared
    temperature from_temperature = temperature::unknown; ///< the earlier level; unknown for none
    temperature to_temperature = temperature::unknown;   ///< the new level; unknown when not compared
    std::int32_t from_stage = -1; ///< the earlier stage index in the qualification policy's funnel; -1 for none
    std::int32_t to_stage = -1;   ///< the new stage index; -1 when not compared
    lifecycle from_category = lifecycle::suspect; ///< from_stage's class as qualified; meaningless for stage -1
    lifecycle to_category = lifecycle::suspect;   ///< to_stage's class as qualified; meaningless for stage -1
    /// Score: the new score is at or above the threshold. Temperature: the new level is hotter (from none counts as
    /// upward). Stage: the new class is later on suspect → lead → mql → sql (from none counts as upward).
    [[nodiscard]] bool upward() const noexcept;
    /// Every field equal, NaN equal to NaN.
    friend bool operator==(const crossing& a, const crossing& b) noexcept;
};

/// For each row of `after`, the row of `before` with the same lead id (the field with role id), or -1 when there is
/// none or the lead has no id. Throws definition_error when either table has no id field, input_error naming the
/// rows when an id appears twice in `before`.
[[nodiscard]] std::vector<std::int64_t> match_rows(const table_view& before, const table_view& after);

/// Last run's ratings lined up with this run's rows, for hysteresis: result[i] = before[previous_row[i]], or an
/// unknown rating (rated afresh) where previous_row[i] is -1. Throws definition_error for a row outside `before`.
[[nodiscard]] std::vector<rating> previous_ratings(std::span<const rating> before,
                                                   std::span<const std::int64_t> previous_row);

/// The crossings between two evaluations. `rows` is the new evaluation's table (for ids and owners). Without
/// previous_row, row i of before is row i of after; with it (one entry per row of after, -1 = new), previous_row[i]
/// is the before row of after row i. Throws definition_error for thresholds that are not finite and strictly
/// ascending, a kind the rules ask for that an evaluation lacks, spans of the wrong size, or a previous row out of
/// range; input_error for a temperature level outside the enum.
[[nodiscard]] std::vector<crossing> find_crossings(const table_view& rows, const evaluation& before,
                                                   const evaluation& after, const crossing_rules& rules,
                                                   std::span<const std::int64_t> previous_row = {},
                                                   const batch_options& options = {});

} // namespace leadscore
