#pragma once
// Wording shared by the errors of several layers. Internal.

#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"

#include <string>
#include <string_view>

namespace leadscore::detail {

/// The place of a bad value in a table: its field (the error's reason names the row).
[[nodiscard]] inline source_location field_place(std::string_view field) {
    source_location l;
    l.field = std::string(field);
    return l;
}

/// A funnel's stages for a message: "new, qualified, won", or with their kinds: "new (open), won (won)".
[[nodiscard]] inline std::string stage_list(const funnel& f, bool with_kinds = false) {
    std::string s;
    for (const auto& st : f.stages()) {
        s += (s.empty() ? "" : ", ") + st.name;
        if (with_kinds) s += " (" + std::string(to_string(st.kind)) + ")";
    }
    return s;
}

} // namespace leadscore::detail
