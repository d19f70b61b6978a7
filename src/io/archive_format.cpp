#include "leadscore/io/archive_format.hpp"

namespace leadscore {

std::string_view to_string(archive_format f) noexcept {
    switch (f) {
    case archive_format::text: return "text";
    case archive_format::xml: return "xml";
    case archive_format::binary: return "binary";
    }
    return "?";
}

std::optional<archive_format> parse_archive_format(std::string_view s) noexcept {
    if (s == "text") return archive_format::text;
    if (s == "xml") return archive_format::xml;
    if (s == "binary") return archive_format::binary;
    return std::nullopt;
}

} // namespace leadscore
