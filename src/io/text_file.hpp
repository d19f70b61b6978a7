#pragma once
// Internal: whole files in and out for the file formats, with errors that name the file.

#include "leadscore/core/file_path.hpp"

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>

namespace leadscore::detail {

/// The bytes of a file. Throws input_error naming the file when it cannot be opened or read, and naming
/// file:line:column when a line (the bytes up to a LF) is longer than `max_line_bytes` plus one (which may be the CR
/// of a CRLF; the CSV readers check such a line exactly): reading stops there, so an endless input without line
/// breaks fails after that many bytes.
[[nodiscard]] std::string read_text_file(const file_path& path,
                                         std::size_t max_line_bytes = static_cast<std::size_t>(-1));

/// The reason of the error for a line longer than `max_line_bytes`, as every CSV reader words it.
[[nodiscard]] std::string long_line_reason(std::size_t max_line_bytes);

/// Creates or replaces a file whole (detail::atomic_file) with what `write` writes. Throws leadscore::error
/// "<file>: cannot write: <reason>" when it cannot be written; the old file is then left as it was.
void write_text_file(const file_path& path, const std::function<void(std::ostream&)>& write);

} // namespace leadscore::detail
