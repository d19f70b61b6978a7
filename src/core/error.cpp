#include "leadscore/core/error.hpp"

namespace leadscore {

std::string source_location::to_string() const {
    // "file:line:column" as compilers print it; without a file name, "line L, column C".
    std::string s = file;
    if (line != 0) {
        s += file.empty() ? "line " + std::to_string(line) : ":" + std::to_string(line);
        if (column != 0) s += (file.empty() ? ", column " : ":") + std::to_string(column);
    }
    if (!field.empty()) s += (s.empty() ? "field '" : " (field '") + field + (s.empty() ? "'" : "')");
    return s;
}

input_error::input_error(source_location where, const std::string& reason)
    : error(where.to_string().empty() ? reason : where.to_string() + ": " + reason),
      where_(std::move(where)), reason_(reason) {}

} // namespace leadscore
