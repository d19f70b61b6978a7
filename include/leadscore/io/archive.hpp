#pragma once
// Saving and loading leadscore values with Boost.Serialization: text, XML and binary archives.
//
//   std::ofstream out("leads.xml");
//   leadscore::save_archive(out, table, leadscore::archive_format::xml);
//   std::ifstream in("leads.xml");
//   auto back = leadscore::load_archive<leadscore::lead_table>(in, leadscore::archive_format::xml, "leads.xml");
//
// The serialize functions of the core types live in leadscore/io/serialize_core.hpp (core headers do not include
// Boost). Text and XML archives travel between machines; binary archives are for caches read by the same build.
// Loading never trusts the archive: every count is read before anything of that size is allocated, data arrives in
// bounded chunks, and the loaded value is validated as its constructor would (a code outside its dictionary, a
// repeated dictionary text, an unknown enum value, an archive of a newer version). Any failure — truncated,
// corrupted, wrong type, newer version — throws leadscore::archive_error naming the archive.
//
// The stream functions write and read the archive alone. The file functions (save_archive_file, load_archive_file)
// add what a file on disk needs: the file is replaced whole or not at all, and it ends with a checksum line that the
// loader verifies before parsing (docs/persistence.md, "Files on disk").

#include "leadscore/core/error.hpp"
#include "leadscore/core/file_path.hpp"
#include "leadscore/io/archive_format.hpp"
#include "leadscore/io/detail/safe_file.hpp"

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/polymorphic_iarchive.hpp>
#include <boost/archive/polymorphic_oarchive.hpp>
#include <boost/serialization/nvp.hpp>

#include <cstdint>
#include <istream>
#include <memory>
#include <new>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace leadscore {

namespace detail {
/// "archive 'name': what" — the message of every archive_error.
[[noreturn]] void throw_archive_error(std::string_view source, std::string_view what);

/// The first value of every leadscore archive ("leadscor" in ASCII), in place of Boost's own header, whose
/// signature text Boost 1.74 reads by allocating whatever length the file declares (found by fuzz_archive).
inline constexpr std::uint64_t archive_magic = 0x6c65616473636f72ULL;

// The archives are Boost's polymorphic ones (see detail/archive_primitives.hpp): the writer and the reader below make
// the archive of the format asked for, in the library, so a type's archive functions are compiled for one output and
// one input archive whatever the format. Text and binary archives start with a magic number and end with its
// complement. XML files keep a single root element and go without: they carry no declared lengths, and a cut file
// lacks its closing tags.

/// An archive a writer or reader made, and its format.
struct archive_in_use {
    const void* archive = nullptr;
    archive_format format = archive_format::text;
};

/// An output archive of `format` on `out`; the constructor writes the magic number, finish() the end mark.
class archive_writer {
public:
    archive_writer(std::ostream& out, archive_format format);
    ~archive_writer();
    archive_writer(const archive_writer&) = delete;
    archive_writer& operator=(const archive_writer&) = delete;
    [[nodiscard]] boost::archive::polymorphic_oarchive& archive() noexcept { return *ar_; }
    void finish();

private:
    std::unique_ptr<boost::archive::polymorphic_oarchive> ar_;
    archive_format format_;
    archive_in_use outer_; // the thread's archive in use before this one (restored on destruction)
};

/// An input archive of `format` on `in`; the constructor checks the magic number, finish() the end mark (both throw
/// leadscore::error).
class archive_reader {
public:
    archive_reader(std::istream& in, archive_format format);
    ~archive_reader();
    archive_reader(const archive_reader&) = delete;
    archive_reader& operator=(const archive_reader&) = delete;
    [[nodiscard]] boost::archive::polymorphic_iarchive& archive() noexcept { return *ar_; }
    void finish();

private:
    std::unique_ptr<boost::archive::polymorphic_iarchive> ar_;
    archive_format format_;
    archive_in_use outer_; // the thread's archive in use before this one (restored on destruction)
};
} // namespace detail

/// Writes `value` to `out` as one archive whose root element is `name`.
template <class T>
void save_archive(std::ostream& out, const T& value, archive_format format, const char* name = "leadscore") {
    {
        detail::archive_writer writer(out, format);
        writer.archive() << boost::serialization::make_nvp(name, value);
        writer.finish();
    }
    if (!out) throw error("save_archive: the output stream failed");
}

/// Reads an archive written by save_archive into `into` (replaced only when the whole archive was read).
/// `source` names the archive in errors (a file name). Throws archive_error.
template <class T>
void load_archive(std::istream& in, T& into, archive_format format, std::string_view source = "<stream>",
                  const char* name = "leadscore") {
    try {
        T value = into;
        {
            detail::archive_reader reader(in, format);
            reader.archive() >> boost::serialization::make_nvp(name, value);
            reader.finish();
        }
        into = std::move(value);
    } catch (const archive_error&) {
        throw;
    } catch (const error& e) { // a loaded value its own validation refused, a wrong magic number or end mark
        detail::throw_archive_error(source, in.eof() ? "truncated: the data ends inside the archive" : e.what());
    } catch (const boost::archive::archive_exception& e) {
        // Boost says "input stream error" (and errno's text) for data that ends early.
        detail::throw_archive_error(source, in.eof() ? "truncated: the data ends inside the archive" : e.what());
    } catch (const std::bad_alloc&) {
        detail::throw_archive_error(source, "a declared size does not fit in memory");
    } catch (const std::exception& e) { // std::length_error, std::out_of_range, iostream failures
        detail::throw_archive_error(source, in.eof() ? "truncated: the data ends inside the archive" : e.what());
    }
}

/// The value of an archive; T must be default-constructible (otherwise use the overload that takes `into`).
template <class T>
[[nodiscard]] T load_archive(std::istream& in, archive_format format, std::string_view source = "<stream>",
                             const char* name = "leadscore") {
    T value{};
    load_archive(in, value, format, source, name);
    return value;
}

/// Declares (EXTERN = extern) or defines (EXTERN empty) the instantiations of save_archive and load_archive for T.
/// The library compiles them once for each of its archived types (the serialize_*.hpp headers list them with
/// `extern`), so a program that saves or loads those types does not compile their archive functions again.
#define LEADSCORE_ARCHIVE_FUNCTIONS(EXTERN, T)                                                                   \
    EXTERN template void save_archive<T>(std::ostream&, const T&, archive_format, const char*);                \
    EXTERN template void load_archive<T>(std::istream&, T&, archive_format, std::string_view, const char*)

namespace detail {
/// save_archive into a file being replaced, made with trailer_for_xml(format == xml); not yet committed (a caller
/// writing two files prepares both before replacing either). A failed write throws the file's error.
template <class T>
void save_archive_to(atomic_file& file, const T& value, archive_format format, const char* name = "leadscore") {
    try {
        save_archive(file.stream(), value, format, name);
    } catch (...) {
        file.check(); // a write that failed: the file's reason rather than the stream's
        throw;
    }
}
} // namespace detail

/// save_archive to a file, created or replaced whole: the archive, then a checksum line (the format version and a
/// CRC-32C over every byte before its digits; in XML an XML comment after the root element), written to a new file
/// next to the target and renamed over it (detail/safe_file.hpp). A failure leaves the old file as it was and throws
/// error "<file>: cannot write: <reason>" (or what the value's saving throws).
template <class T>
void save_archive_file(const file_path& path, const T& value, archive_format format,
                       const char* name = "leadscore") {
    detail::atomic_file file(path, detail::trailer_for_xml(format == archive_format::xml));
    detail::save_archive_to(file, value, format, name);
    file.commit();
}

namespace detail {
/// Loads the archive of a checked file into `into` (replaced only when the whole file was accepted).
template <class T>
void load_checked_archive(checked_file& file, T& into, archive_format format, const char* name,
                          archive_file_info* info) {
    T value = into;
    load_archive(file.stream(), value, format, file.source(), name);
    file.finish();
    if (info) *info = {file.checksummed(), legacy_file_note(file)};
    into = std::move(value);
}
} // namespace detail

/// load_archive from a file; errors name the file. The checksum line is verified before anything is parsed (a
/// mismatch: archive_error "checksum mismatch: the file is damaged"). A file without one, written before leadscore
/// wrote checksums, loads when it parses completely with nothing but white space after the archive; `info` (when
/// given) then says so.
template <class T>
void load_archive_file(const file_path& path, T& into, archive_format format, const char* name = "leadscore",
                       archive_file_info* info = nullptr) {
    detail::checked_file file(path);
    detail::load_checked_archive(file, into, format, name, info);
}

} // namespace leadscore
