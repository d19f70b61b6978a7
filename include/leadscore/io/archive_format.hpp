#pragma once
// What code that names archives needs without reading or writing one: the three formats and the error a damaged
// archive gives. Boost-free, so headers such as leadscore/io/model.hpp (and the umbrella leadscore/leadscore.hpp)
// stay light; leadscore/io/archive.hpp includes it and adds save_archive / load_archive.

#include "leadscore/core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadscore {

/// The three Boost archive kinds.
enum class archive_format : std::uint8_t {
    text,  ///< portable text; compact enough for data
    xml,   ///< portable and readable; the format for files people look at
    binary ///< fastest; only for the same build on the same platform
};
/// The format's name as configurations and the command line spell it: "text", "xml", "binary".
[[nodiscard]] std::string_view to_string(archive_format f) noexcept;
/// The format of a name spelled as to_string spells it (exact match); nullopt for anything else.
[[nodiscard]] std::optional<archive_format> parse_archive_format(std::string_view s) noexcept;

/// What loading an archive file (load_archive_file, load_model) found out about the file itself.
struct archive_file_info {
    /// True when the file carried a checksum and it matched. False for a file written before leadscore wrote
    /// checksums: it was read because it parsed completely, but damage that still parses would go unnoticed.
    bool checksum = false;
    /// Empty when `checksum` is true; otherwise a sentence for people saying the file has no checksum, naming it.
    std::string note;
};

/// An archive that could not be read: truncated, corrupted, of another type, or newer than this library.
class archive_error : public error {
public:
    using error::error;
};

} // namespace leadscore
