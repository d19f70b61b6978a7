#pragma once
// How each kind of value is written to a Boost archive and read back, checked: counts, chunked arrays, texts,
// doubles exact in every format, flags, enums. The field visitor (archive_fields.hpp) chooses among these by a
// field's C++ type; the few hand-written archive functions (model files, the type-erased policies) call them
// directly. Internal: users include leadscore/io/serialize_*.hpp.

#include "leadscore/core/error.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/archive/xml_iarchive.hpp>
#include <boost/archive/xml_oarchive.hpp>
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

template <class Ar>
inline constexpr bool is_xml =
    std::is_same_v<Ar, boost::archive::xml_oarchive> || std::is_same_v<Ar, boost::archive::xml_iarchive>;
template <class Ar>
inline constexpr bool is_text = std::is_same_v<Ar, boost::archive::text_oarchive> ||
                                std::is_same_v<Ar, boost::archive::text_iarchive>;

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
template <class Ar, class T>
void save_array(Ar& ar, const char* name, const T* data, std::uint64_t n) {
    static_assert(std::is_arithmetic_v<T>);
    save_count(ar, n);
    for (std::uint64_t i = 0; i < n; i += chunk) {
        const auto len = static_cast<std::size_t>(std::min(chunk, n - i));
        if constexpr (std::is_floating_point_v<T> && is_xml<Ar>) {
            const std::string text = doubles_to_text(data + i, len);
            ar << boost::serialization::make_nvp(name, text);
        } else if constexpr (std::is_floating_point_v<T> && is_text<Ar>) {
            std::vector<std::uint64_t> bits(len);
            for (std::size_t k = 0; k < len; ++k) bits[k] = std::bit_cast<std::uint64_t>(static_cast<double>(data[i + k]));
            ar << boost::serialization::make_nvp(name, boost::serialization::make_array(bits.data(), len));
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
    const std::uint64_t n = load_count(ar, name);
    v.clear();
    for (std::uint64_t i = 0; i < n; i += chunk) {
        const auto len = static_cast<std::size_t>(std::min(chunk, n - i));
        v.resize(v.size() + len); // grows only as chunks arrive
        if constexpr (std::is_floating_point_v<T> && is_xml<Ar>) {
            std::string text;
            ar >> boost::serialization::make_nvp(name, text);
            doubles_from_text(text, v.data() + i, len, name);
        } else if constexpr (std::is_floating_point_v<T> && is_text<Ar>) {
            std::vector<std::uint64_t> bits(len);
            ar >> boost::serialization::make_nvp(name, boost::serialization::make_array(bits.data(), len));
            for (std::size_t k = 0; k < len; ++k) v[i + k] = std::bit_cast<double>(bits[k]);
        } else {
            ar >> boost::serialization::make_nvp(name, boost::serialization::make_array(v.data() + i, len));
        }
    }
}

/// A text. XML holds it as element content (no declared length); text and binary archives as a length and chunks.
template <class Ar>
void save_text(Ar& ar, const char* name, const std::string& s) {
    if constexpr (is_xml<Ar>) {
        ar << boost::serialization::make_nvp(name, s);
    } else {
        save_array(ar, name, s.data(), s.size());
    }
}
template <class Ar>
void load_text(Ar& ar, const char* name, std::string& s) {
    if constexpr (is_xml<Ar>) {
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
    if constexpr (is_xml<Ar>) {
        const std::string text = doubles_to_text(&x, 1);
        ar << boost::serialization::make_nvp(name, text);
    } else if constexpr (is_text<Ar>) {
        const auto bits = std::bit_cast<std::uint64_t>(x);
        ar << boost::serialization::make_nvp(name, bits);
    } else {
        ar << boost::serialization::make_nvp(name, x);
    }
}
template <class Ar>
double load_double(Ar& ar, const char* name) {
    double x = 0;
    if constexpr (is_xml<Ar>) {
        std::string text;
        ar >> boost::serialization::make_nvp(name, text);
        doubles_from_text(text, &x, 1, name);
    } else if constexpr (is_text<Ar>) {
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
