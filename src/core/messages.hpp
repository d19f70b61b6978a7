#pragma once
// Wording shared by the errors of several layers. Internal.

#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"

#include <array>
#include <cstddef>
#include <cstdio>
#include <optional>
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

/// The enum value whose name is `s` in `names` (indexed by the value); nullopt for anything else.
template <class Enum, std::size_t N>
[[nodiscard]] std::optional<Enum> parse_enum(const std::array<std::string_view, N>& names, std::string_view s) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s) return static_cast<Enum>(i);
    return std::nullopt;
}

/// A number as the funnel's errors show it: all 17 significant digits, so the offending value can be found in the data.
[[nodiscard]] inline std::string exact_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

} // namespace leadscore::detail
