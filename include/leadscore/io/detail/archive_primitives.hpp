#pragma once
// How each kind of value is written to a Boost archive and read back, checked: counts, chunked arrays, texts,
// doubles exact in every format, flags, enums. The field visitor (archive_fields.hpp) chooses among these by a
// field's C++ type; the few hand-written archive functions (model files, the type-erased policies) call them
// directly. Internal: users include leadscore/io/serialize_*.hpp.

#include "leadscore/core/error.hpp"
#include "leadscore/io/archive_format.hpp"

#include <boost/archive/polymorphic_iarchive.hpp>
#include <boost/archive/polymorphic_oarchive.hpp>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/nvp.hpp>
#include <boost/serialization/string.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace leadscore::detail::archive {

/// Elements per array chunk: what a loader allocates at a time.
inline constexpr std::uint64_t chunk = 65536;
/// The largest count an archive may declare (2^40 elements; a real table stays far below).
inline constexpr std::uint64_t max_count = std::uint64_t{1} << 40;

/// leadscore values are archived through Boost's polymorphic archives (save_archive and load_archive make them): each
/// type's archive functions are compiled once, for one output and one input archive, instead of once per format. The
/// format, where a value is written differently in each (doubles, texts), is asked of the archive at run time.
template <class Ar>
concept polymorphic_archive = std::is_same_v<Ar, boost::archive::polymorphic_oarchive> ||
                              std::is_same_v<Ar, boost::archive::polymorphic_iarchive>;

/// The format of an archive save_archive or load_archive made (text, xml or binary).
[[nodiscard]] archive_format format_of(const boost::archive::polymorphic_oarchive& ar);
[[nodiscard]] archive_format format_of(const boost::archive::polymorphic_iarchive& ar);

/// Throws leadscore::error (load_archive adds the archive's name).
[[noreturn]] void fail(const std::string& what);

/// Refuses a count beyond max_count.
inline std::uint64_t checked(std::uint64_t n, const char* what) {
    if (n > max_count) fail(std::string(what) + ": declared size " + std::to_string(n) + " is out of range");
    return n;
}

template <class Ar>
void save_count(Ar& ar, std::uint64_t n) {
    ar << boost::serialization::make_nvp("count", n);
}
template <class Ar>
std::uint64_t load_count(Ar& ar, const char* what) {
    std::uint64_t n = 0;
    ar >> boost::serialization::make_nvp("count", n);
    return checked(n, what);
}

/// Doubles of one chunk as text for XML: shortest round-trip forms ("1250.5", "nan", "-inf"), space-separated.
std::string doubles_to_text(const double* data, std::size_t n);
/// Parses what doubles_to_text wrote into exactly n values; throws (fail) naming the array otherwise.
void doubles_from_text(const std::string& text, double* out, std::size_t n, const char* name);

/// An array of arithmetic values: its count, then chunks. Doubles are exact in every format, NaN included: XML holds
/// them as shortest round-trip text, text archives as their IEEE-754 bit patterns, binary archives as bytes.
/// (A binary archive gets each chunk's bytes at once, as Boost's own binary archives write an array of numbers.)
template <class Ar, class T>
void save_array(Ar& ar, const char* name, const T* data, std::uint64_t n) {
    static_assert(std::is_arithmetic_v<T>);
    const archive_format format = format_of(ar);
    save_count(ar, n);
    for (std::uint64_t i = 0; i < n; i += chunk) {
        const auto len = static_cast<std::size_t>(std::min(chunk, n - i));
        if (format == archive_format::binary) {
            ar.save_binary(data + i, len * sizeof(T));
        } else if constexpr (std::is_floating_point_v<T>) {
            if (format == archive_format::xml) {
                const std::string text = doubles_to_text(data + i, len);
                ar << boost::serialization::make_nvp(name, text);
            } else {
                std::vector<std::uint64_t> bits(len);
                for (std::size_t k = 0; k < len; ++k) bits[k] = std::bit_cast<std::uint64_t>(static_cast<double>(data[i + k]));
                ar << boost::serialization::make_nvp(name, boost::serialization::make_array(bits.data(), len));
            }
        } else {
            ar << boost::serialization::make_nvp(name, boost::serialization::make_array(data + i, len));
        }
    }
}
template <class Ar, class T>
void save_array(Ar& ar, const char* name, const std::vector<T>& v) {
    save_array(ar, name, v.data(), v.size());
}
template <class Ar, class T>
void save_array(Ar& ar, const char* name, std::span<const T> v) {
    save_array(ar, name, v.data(), v.size());
}
template <class Ar, class T>
void load_array(Ar& ar, const char* name, std::vector<T>& v) {
    static_assert(std::is_arithmetic_v<T>);
    static_assert(!std::is_floating_point_v<T> || std::is_same_v<T, double>);
    const archive_format format = format_of(ar);
    const std::uint64_t n = load_count(ar, name);
    v.clear();
    for (std::uint64_t i = 0; i < n; i += chunk) {
        const auto len = static_cast<std::size_t>(std::min(chunk, n - i));
        v.resize(v.size() + len); // grows only as chunks arrive
        if (format == archive_format::binary) {
            ar.load_binary(v.data() + i, len * sizeof(T));
        } else if constexpr (std::is_floating_point_v<T>) {
            if (format == archive_format::xml) {
                std::string text;
                ar >> boost::serialization::make_nvp(name, text);
                doubles_from_text(text, v.data() + i, len, name);
            } else {
                std::vector<std::uint64_t> bits(len);
                ar >> boost::serialization::make_nvp(name, boost::serialization::make_array(bits.data(), len));
                for (std::size_t k = 0; k < len; ++k) v[i + k] = std::bit_cast<double>(bits[k]);
            }
        } else {
            ar >> boost::serialization::make_nvp(name, boost::serialization::make_array(v.data() + i, len));
        }
    }
}

/// A text. XML holds it as element content (no declared length); text and binary archives as a length and chunks.
template <class Ar>
void save_text(Ar& ar, const char* name, const std::string& s) {
    if (format_of(ar) == archive_format::xml) {
        ar << boost::serialization::make_nvp(name, s);
    } else {
        save_array(ar, name, s.data(), s.size());
    }
}
template <class Ar>
void load_text(Ar& ar, const char* name, std::string& s) {
    if (format_of(ar) == archive_format::xml) {
        ar >> boost::serialization::make_nvp(name, s);
    } else {
        std::vector<char> chars;
        load_array(ar, name, chars);
        s.assign(chars.begin(), chars.end());
    }
}

/// A list of texts: a count, then each text (read one at a time).
template <class Ar, class List>
void save_strings(Ar& ar, const char* name, const List& texts) {
    save_count(ar, texts.size());
    for (const std::string& t : texts) save_text(ar, name, t);
}
template <class Ar>
void load_strings(Ar& ar, const char* name, std::vector<std::string>& texts) {
    const std::uint64_t n = load_count(ar, name);
    texts.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
        std::string t;
        load_text(ar, name, t);
        texts.push_back(std::move(t));
    }
}

/// A small enum as an unsigned number, refused on load when above `last`.
template <class Ar, class E>
void save_enum(Ar& ar, const char* name, E e) {
    const auto v = static_cast<unsigned>(e);
    ar << boost::serialization::make_nvp(name, v);
}
template <class Ar, class E>
E load_enum(Ar& ar, const char* name, E last) {
    unsigned v = 0;
    ar >> boost::serialization::make_nvp(name, v);
    if (v > static_cast<unsigned>(last)) fail(std::string(name) + ": unknown value " + std::to_string(v));
    return static_cast<E>(v);
}

/// One double, exact in every format (as save_array holds them, without a count).
template <class Ar>
void save_double(Ar& ar, const char* name, double x) {
    const archive_format format = format_of(ar);
    if (format == archive_format::xml) {
        const std::string text = doubles_to_text(&x, 1);
        ar << boost::serialization::make_nvp(name, text);
    } else if (format == archive_format::text) {
        const auto bits = std::bit_cast<std::uint64_t>(x);
        ar << boost::serialization::make_nvp(name, bits);
    } else {
        ar << boost::serialization::make_nvp(name, x);
    }
}
template <class Ar>
double load_double(Ar& ar, const char* name) {
    double x = 0;
    const archive_format format = format_of(ar);
    if (format == archive_format::xml) {
        std::string text;
        ar >> boost::serialization::make_nvp(name, text);
        doubles_from_text(text, &x, 1, name);
    } else if (format == archive_format::text) {
        std::uint64_t bits = 0;
        ar >> boost::serialization::make_nvp(name, bits);
        x = std::bit_cast<double>(bits);
    } else {
        ar >> boost::serialization::make_nvp(name, x);
    }
    return x;
}

/// A flag as 0 or 1; anything else is refused on load.
template <class Ar>
void save_flag(Ar& ar, const char* name, bool b) {
    const unsigned v = b ? 1 : 0;
    ar << boost::serialization::make_nvp(name, v);
}
template <class Ar>
bool load_flag(Ar& ar, const char* name) {
    unsigned v = 0;
    ar >> boost::serialization::make_nvp(name, v);
    if (v > 1) fail(std::string(name) + ": a flag other than 0 or 1 (" + std::to_string(v) + ")");
    return v == 1;
}

/// Codes must be missing_code or name an entry of a dictionary of `size` entries.
void check_codes(const std::vector<std::int32_t>& codes, std::size_t size, const std::string& what);
/// The version saved must not be newer than the one this build writes.
void check_version(unsigned version, unsigned current, const char* type);

/// Runs a constructor or a validation; its refusal (definition_error) becomes an error naming the type.
template <class F>
auto rebuild(const char* type, F&& make) {
    try {
        return make();
    } catch (const definition_error& e) {
        fail(std::string(type) + ": " + e.what());
    }
}

} // namespace leadscore::detail::archive
