#pragma once
// Reps and routing rules from CSV files (read with the library's CSV reader), with errors that name
// file:line:column and the field. A file format of the routing layer: it produces routing_state and routing_rules,
// so unlike the other io headers it depends on leadscore/routing/ (and on leadscore/scoring/condition.hpp, which
// the rules' conditions are).
//
// Reps file: a header, then one rep per line. Columns (matched by name in any order, case and '_'/' ' ignored; other
// columns are skipped):
//   rep        required: the rep's name (unique; outer spaces trimmed)
//   team       the team's name; empty = no team
//   capacity   leads per month, a whole number >= 0; empty = no quota
//   available  true/false, yes/no or 1/0; empty = true
//   languages  languages served, separated by '|', ';', spaces (or commas in a quoted cell); empty = any
//   regions    regions (territories) served, likewise; empty = any
//
// Rules file: a header `field,test,value,target` (plus an optional `rule` column holding a name), then one condition
// per line; the first rule that matches a lead wins:
//   field    a field of the leads (exact name), or `*` for the default line (test and value empty)
//   test     equals (=, ==), not_equals (!=), one_of (in), not_one_of (not_in), contains, not_contains, is_missing,
//            is_present, at_least (>=), above (>), at_most (<=), below (<), between; names ignore case.
//            On a categorical field, at_least / above / at_most / below with cold, warm or hot test a temperature
//            (at_least warm = one_of warm|hot).
//   value    typed by the field: a number, a text, true/false, a date (YYYY-MM-DD[THH:MM:SS]); one_of, not_one_of
//            and between take values separated by '|' (between: low|high, both included)
//   target   team:NAME (a rotation picks the rep), rep:NAME, queue:NAME; a bare NAME is the rep or team of that name
// Consecutive lines with the same non-empty rule name make one rule whose conditions must all hold; the rule's first
// line names the target, its other lines leave it empty or repeat it.

#include "leadscore/core/error.hpp"
#include "leadscore/core/file_path.hpp"
#include "leadscore/core/schema.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/state.hpp"

#include <string_view>

namespace leadscore {

/// Reads a reps file into a new routing state (teams in first-seen order). Throws input_error naming
/// file:line:column and the field for a malformed CSV, a missing `rep` column, a rep without a name or defined twice,
/// a capacity that is negative, fractional or above 2^62, or an availability that is not a boolean; and naming the
/// file and its header line for a file without reps.
[[nodiscard]] routing_state read_reps_csv(std::string_view text, std::string_view name = "<memory>");
/// Reads a file; input_error names it when it cannot be opened.
[[nodiscard]] routing_state read_reps_csv_file(const file_path& path);

/// Reads a rules file for leads of schema `leads` and reps of `state`. A queue target that names no team of the state
/// is added to it as a team without reps. Throws input_error naming file:line:column and the column for: a malformed
/// CSV, a missing or unknown column, an unknown field or test, a value that does not fit the field, a test that does
/// not apply to the field's type, a target that names no rep or team (or both a rep and a team), a second default,
/// a rule line that continues a rule with another target.
[[nodiscard]] routing_rules read_routing_rules_csv(std::string_view text, const schema& leads, routing_state& state,
                                                   std::string_view name = "<memory>");
/// Reads a file; input_error names it when it cannot be opened.
[[nodiscard]] routing_rules read_routing_rules_csv_file(const file_path& path, const schema& leads,
                                                        routing_state& state);

} // namespace leadscore
