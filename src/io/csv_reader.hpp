#pragma once
// Internal: the lead reader's rules for what every CSV-based format shares with it (the header's names, the
// wording of structural faults), for the formats that keep its messages (reps and rules).

#include "csv_tokenizer.hpp"

#include "leadscore/io/csv.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::detail::csv {

/// The lead reader's wording of a structural fault ("unterminated quoted cell …").
[[nodiscard]] const char* fault_message(fault_kind kind) noexcept;

/// The column names of a header record, checked as the lead reader checks them. Throws input_error naming
/// file:line:column for a structural fault or invalid UTF-8 in the header, an empty name, or a name given twice.
[[nodiscard]] std::vector<std::string> checked_header(std::span<const cell> cells, const char* record,
                                                      std::size_t record_line, const scan_result& r,
                                                      std::string_view file);
/// checked_header of the record a record_reader holds.
[[nodiscard]] std::vector<std::string> checked_header(const record_reader& header, std::string_view file);

/// The cells a tokenizer keeps per record under `limits`: one more than allowed, so that too many are seen.
[[nodiscard]] constexpr std::size_t cell_limit(const csv_limits& limits) noexcept {
    return limits.max_columns == static_cast<std::size_t>(-1) ? limits.max_columns : limits.max_columns + 1;
}

/// Throws input_error naming file:line[:column] for the first limit the record exceeds: a physical line longer
/// than max_line_bytes, more than max_columns cells, a cell longer than max_cell_bytes. `next` is where the
/// tokenizer's scan of the record returned (past its line break).
void check_limits_closely(const csv_limits& limits, std::span<const cell> cells, const char* record, const char* next,
                          std::size_t record_line, std::string_view file);

/// check_limits_closely, for a record that may exceed a limit: one no longer than every byte limit, with few enough
/// cells, passes with two comparisons.
inline void check_limits(const csv_limits& limits, std::span<const cell> cells, const char* record, const char* next,
                         std::size_t record_line, std::string_view file) {
    if (static_cast<std::size_t>(next - record) > std::min(limits.max_line_bytes, limits.max_cell_bytes) ||
        cells.size() > limits.max_columns)
        check_limits_closely(limits, cells, record, next, record_line, file);
}

/// check_limits for the record a record_reader holds.
inline void check_limits(const csv_limits& limits, const record_reader& records, std::string_view file) {
    check_limits(limits, records.cells(), records.record(), records.after_record(), records.line(), file);
}

} // namespace leadscore::detail::csv
