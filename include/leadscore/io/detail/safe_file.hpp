#pragma once
// Internal: files written whole or not at all, and archive files whose damage is detected (docs/persistence.md,
// "Files on disk"). Every writer of the library and of the command-line program goes through atomic_file; every
// archive file loader through checked_file.

#include "leadscore/core/file_path.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

namespace leadscore::detail {

/// CRC-32C (Castagnoli; reflected, initial and final value 0xFFFFFFFF) of `size` bytes, continuing from `crc`, the
/// CRC of the bytes before them (0 for none): crc32c("123456789") = 0xE3069283.
[[nodiscard]] std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0) noexcept;

/// What atomic_file appends when committing.
enum class file_trailer : unsigned char {
    none,        ///< nothing: CSV, HTML
    checksum,    ///< a checksum line (text and binary archives)
    xml_checksum ///< the checksum line as an XML comment after the root element (XML archives)
};

/// A file replaced whole or not at all. The bytes go to a new file next to the target (a symbolic link is followed,
/// so the file it points to is replaced and the link stays); commit() flushes and fsyncs it, gives it the old file's
/// permissions (a new file gets 0666 less the umask), renames it over the target and fsyncs the directory. Destroyed
/// without commit() (an exception), it removes the new file and the target keeps its bytes. A target that exists and
/// is not a regular file (a terminal, a pipe, /dev/null) is written in place: there is no file to keep.
/// Every failure throws leadscore::error "<target>: cannot write: <strerror>".
class atomic_file {
public:
    /// Creates the new file; throws when it cannot be created (a missing or read-only directory, a target that is a
    /// directory).
    explicit atomic_file(const file_path& target, file_trailer trailer = file_trailer::none);
    ~atomic_file();
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    /// Where the contents go (binary; buffered). A failed write sets the stream's badbit; prepare() and commit()
    /// then throw with the system's reason.
    [[nodiscard]] std::ostream& stream() noexcept;
    /// Throws the file's error when a write has failed; otherwise does nothing. For a writer that caught another
    /// error and wants to report the file's reason instead (a full disk seen by an archive as a stream failure).
    void check() const;
    /// Writes the trailer, flushes, fsyncs and sets the permissions: everything that can fail for want of space or
    /// rights, so that a caller writing two files can prepare both before replacing either. Done once.
    void prepare();
    /// prepare(), then renames the new file over the target and fsyncs the directory.
    void commit();
    /// The target's name as given.
    [[nodiscard]] const std::string& name() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// An archive file opened for loading. The constructor recognises the checksum line at the file's end and verifies
/// the CRC-32C over everything before its digits, before anything is parsed: a mismatch throws archive_error
/// "checksum mismatch: the file is damaged". A file without a checksum line is read as one written before checksums
/// existed, and finish() then accepts it only when the archive was read completely with nothing but white space
/// after it. Errors are archive_error naming the file.
class checked_file {
public:
    /// Opens and checks the file (missing, unreadable, a directory, empty: archive_error).
    explicit checked_file(const file_path& path);
    /// The same over a seekable stream holding a file's bytes (tests, fuzzers); `source` names it in errors.
    checked_file(std::istream& in, std::string source);
    ~checked_file();
    checked_file(const checked_file&) = delete;
    checked_file& operator=(const checked_file&) = delete;

    /// The file's bytes from the first, for the archive reader.
    [[nodiscard]] std::istream& stream() noexcept;
    /// True when the file carries a verified checksum line.
    [[nodiscard]] bool checksummed() const noexcept;
    /// The name errors give.
    [[nodiscard]] const std::string& source() const noexcept;
    /// After the archive was read from stream(): what follows it must be white space up to the checksum line (or
    /// the end of a file without one). Throws archive_error.
    void finish();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// The note a loader gives for a file without a checksum line (empty for one with).
[[nodiscard]] std::string legacy_file_note(const checked_file& file);

/// The file trailer that goes with an archive format (XML: a comment, so the file stays valid XML).
[[nodiscard]] constexpr file_trailer trailer_for_xml(bool xml) noexcept {
    return xml ? file_trailer::xml_checksum : file_trailer::checksum;
}

} // namespace leadscore::detail
