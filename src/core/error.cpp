#include "leadscore/core/error.hpp"

namespace leadscore {

std::string source_location::to_string() const {
    // "file:line:column" as compilers print it; without a file name, "line L, column C".
    std::string s = file;
    if (line != 0) {
        s.append(file.empty() ? "line " : ":").append(std::to_string(line));
        if (column != 0) s.append(file.empty() ? ", column " : ":").append(std::to_string(column));
    }
    if (!field.empty()) {
        const bool alone = s.empty();
        s.append(alone ? "field '" : " (field '").append(field).append(alone ? "'" : "')");
    }
    return s;
}

input_error::input_error(source_location where, const std::string& reason)
    : error(where.to_string().empty() ? reason : where.to_string() + ": " + reason),
      where_(std::move(where)), reason_(reason) {}

} // namespace leadscore
