#pragma once
// Which fields a learned model reads by default: the rule encoder_options and gbt_inputs share. Internal.

#include "leadscore/core/schema.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::detail {

/// Roles whose fields no learner reads: identifiers (id, name, email, phone, company) and the result (stage, outcome).
[[nodiscard]] bool excluded_role(field_role r) noexcept;

/// The columns to read: `fields` in their order, or (when empty) every numeric, categorical and boolean field in
/// schema order except `exclude`, the target's field and the excluded roles. Throws definition_error, its message
/// starting "<caller>: ", for a listed field that is unknown, the target, a timestamp, or listed twice, and for an
/// excluded field that is unknown.
[[nodiscard]] std::vector<std::size_t> chosen_columns(const schema& fields, std::span<const std::string> listed,
                                                      std::span<const std::string> exclude,
                                                      std::string_view target_field, std::string_view caller);

} // namespace leadscore::detail
