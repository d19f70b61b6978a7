#pragma once
// The place of a bad value in a table, for errors of every layer that reads columns. Internal.

#include "leadscore/core/error.hpp"

#include <string>
#include <string_view>

namespace leadscore::detail {

/// The place of a bad value in a table: its field (the error's reason names the row).
[[nodiscard]] inline source_location field_place(std::string_view field) {
    source_location l;
    l.field = std::string(field);
    return l;
}

} // namespace leadscore::detail
