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

#include "leadscore/core/error.hpp"
#include "leadscore/core/file_path.hpp"
#include "leadscore/io/archive_format.hpp"

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/archive/xml_iarchive.hpp>
#include <boost/archive/xml_oarchive.hpp>
#include <boost/serialization/nvp.hpp>

#include <cstdint>
#include <fstream>
#include <istream>
#include <new>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace leadscore {

namespace detail {
/// "archive 'name': what" — the message of every archive_error.
[[noreturn]] void throw_archive_error(std::string_view source, std::string_view what);
} // namespace detail

namespace detail {
/// The first value of every leadscore archive ("leadscor" in ASCII), in place of Boost's own header, whose
/// signature text Boost 1.74 reads by allocating whatever length the file declares (found by fuzz_archive).
inline constexpr std::uint64_t archive_magic = 0x6c65616473636f72ULL;
inline constexpr unsigned archive_flags = boost::archive::no_header;

// Text and binary archives start with a magic number and end with its complement. XML files keep a single root
// element and go without: they carry no declared lengths, and a cut file lacks its closing tags.
template <class Ar, class T>
void save_root(Ar& ar, const T& value, const char* name) {
    if constexpr (!std::is_same_v<Ar, boost::archive::xml_oarchive>) {
        const std::uint64_t magic = archive_magic;
        ar << boost::serialization::make_nvp("leadscore_archive", magic);
    }
    ar << boost::serialization::make_nvp(name, value);
    if constexpr (!std::is_same_v<Ar, boost::archive::xml_oarchive>) {
        const std::uint64_t end = ~archive_magic; // a text archive cut inside its last number would still parse
        ar << boost::serialization::make_nvp("end", end);
    }
}
template <class Ar, class T>
void load_root(Ar& ar, T& value, const char* name) {
    if constexpr (!std::is_same_v<Ar, boost::archive::xml_iarchive>) {
        std::uint64_t magic = 0;
        ar >> boost::serialization::make_nvp("leadscore_archive", magic);
        if (magic != archive_magic) throw error("not a leadscore archive (or not of this format)");
    }
    ar >> boost::serialization::make_nvp(name, value);
    if constexpr (!std::is_same_v<Ar, boost::archive::xml_iarchive>) {
        std::uint64_t end = 0;
        ar >> boost::serialization::make_nvp("end", end);
        if (end != ~archive_magic) throw error("the archive is cut short or has something after the value");
    }
}
} // namespace detail

/// Writes `value` to `out` as one archive whose root element is `name`.
template <class T>
void save_archive(std::ostream& out, const T& value, archive_format format, const char* name = "leadscore") {
    switch (format) {
    case archive_format::text: {
        boost::archive::text_oarchive ar(out, detail::archive_flags);
        detail::save_root(ar, value, name);
        break;
    }
    case archive_format::xml: {
        boost::archive::xml_oarchive ar(out, detail::archive_flags);
        detail::save_root(ar, value, name);
        break;
    }
    case archive_format::binary: {
        boost::archive::binary_oarchive ar(out, detail::archive_flags);
        detail::save_root(ar, value, name);
        break;
    }
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
        switch (format) {
        case archive_format::text: {
            boost::archive::text_iarchive ar(in, detail::archive_flags);
            detail::load_root(ar, value, name);
            break;
        }
        case archive_format::xml: {
            // Closing tags are not compared with the expected names: Boost 1.74's comparison reads past the
            // expected name when a file's tag is longer (found by fuzz_archive). Layout and values are checked.
            boost::archive::xml_iarchive ar(in, detail::archive_flags | boost::archive::no_xml_tag_checking);
            detail::load_root(ar, value, name);
            break;
        }
        case archive_format::binary: {
            boost::archive::binary_iarchive ar(in, detail::archive_flags);
            detail::load_root(ar, value, name);
            break;
        }
        }
        into = std::move(value);
    } catch (const archive_error&) {
        throw;
    } catch (const error& e) { // a loaded value its own validation refused
        detail::throw_archive_error(source, e.what());
    } catch (const boost::archive::archive_exception& e) {
        detail::throw_archive_error(source, e.what());
    } catch (const std::bad_alloc&) {
        detail::throw_archive_error(source, "a declared size does not fit in memory");
    } catch (const std::exception& e) { // std::length_error, std::out_of_range, iostream failures
        detail::throw_archive_error(source, e.what());
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

/// save_archive to a file (created or replaced). Throws error when the file cannot be written.
template <class T>
void save_archive_file(const file_path& path, const T& value, archive_format format,
                       const char* name = "leadscore") {
    std::ofstream out(path.string(), std::ios::binary);
    if (!out) throw error("cannot write '" + path.string() + "'");
    save_archive(out, value, format, name);
}

/// load_archive from a file; errors name the file.
template <class T>
void load_archive_file(const file_path& path, T& into, archive_format format,
                       const char* name = "leadscore") {
    std::ifstream in(path.string(), std::ios::binary);
    if (!in) detail::throw_archive_error(path.string(), "cannot open the file");
    load_archive(in, into, format, path.string(), name);
}

} // namespace leadscore
