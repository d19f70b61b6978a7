#pragma once
// Internal: the lead reader's rules for what every CSV-based format shares with it (the header's names, the
// wording of structural faults), for the formats that keep its messages (reps and rules).

#include "csv_tokenizer.hpp"

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

} // namespace leadscore::detail::csv
