#pragma once
// Per-lead categorical attributes (team, owner, product, account, …) that come with a stage history: the extra
// columns of a history file, one value per lead. Readers in io produce them; funnel breakdowns key on them.

#include "leadscore/core/dictionary.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// One categorical attribute per lead. codes[l] is the value of lead l in `values`, or missing_code.
struct lead_attribute {
    std::string name;                ///< the column name as in the file's header
    dictionary values;               ///< distinct values
    std::vector<std::int32_t> codes; ///< per lead: a code of `values`, or missing_code
};

/// The per-lead attributes of a history; codes are indexed by the history's lead codes.
struct lead_attributes {
    std::vector<lead_attribute> columns; ///< in file order
    /// The attribute of that name (compared after normalize_name), or nullptr.
    [[nodiscard]] const lead_attribute* find(std::string_view name) const noexcept;
};

} // namespace leadscore
