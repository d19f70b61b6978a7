#pragma once
// Internal: whole files in and out for the file formats, with errors that name the file.

#include "leadscore/core/file_path.hpp"

#include <functional>
#include <iosfwd>
#include <string>

namespace leadscore::detail {

/// The bytes of a file. Throws input_error naming the file when it cannot be opened or read.
[[nodiscard]] std::string read_text_file(const file_path& path);

/// Creates (or truncates) a file and writes it through `write`. Throws leadscore::error naming the file when it
/// cannot be opened or the writing fails.
void write_text_file(const file_path& path, const std::function<void(std::ostream&)>& write);

} // namespace leadscore::detail
