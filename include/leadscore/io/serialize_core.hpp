#pragma once
// Boost.Serialization of the core types: dictionary, schema, funnel, stage_history, lead_table. Include this header
// (and leadscore/io/archive.hpp for save_archive / load_archive) where archives are written or read; the core
// headers themselves do not include Boost.
//
// Format (version 1 of each type): counts are uint64; columns are saved as arrays in chunks of at most 65,536
// elements, so a loader allocates only as data arrives and a huge declared count in a damaged archive fails at the
// end of the data, not in the allocator. Texts are saved as one concatenated text and a length per entry. In XML,
// each chunk is an element whose items are the values (doubles: one text of shortest round-trip numbers, "nan"
// for missing); text archives hold doubles as IEEE-754 bit patterns, since Boost's text streams cannot read NaN.
//
// Loading validates what it builds: a schema, funnel or dictionary the constructors would refuse, a column or code
// array of the wrong length, a code outside its dictionary, a flag other than -1, 0 or 1, an event out of time order
// — each is an error naming the type and the field (load_archive turns it into archive_error naming the archive).

#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"

#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/archive/xml_iarchive.hpp>
#include <boost/archive/xml_oarchive.hpp>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/version.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace leadscore::detail::archive {

/// Elements per array chunk: what a loader allocates at a time.
inline constexpr std::uint64_t chunk = 65536;
/// The largest count an archive may declare (2^40 elements; a real table stays far below).
inline constexpr std::uint64_t max_count = std::uint64_t{1} << 40;

template <class Ar>
inline constexpr bool is_xml =
    std::is_same_v<Ar, boost::archive::xml_oarchive> || std::is_same_v<Ar, boost::archive::xml_iarchive>;

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

template <class Ar>
inline constexpr bool is_text = std::is_same_v<Ar, boost::archive::text_oarchive> ||
                                std::is_same_v<Ar, boost::archive::text_iarchive>;

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

/// A small enum as an unsigned byte, refused on load when above `last`.
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

/// Codes must be missing_code or name an entry of a dictionary of `size` entries.
void check_codes(const std::vector<std::int32_t>& codes, std::size_t size, const std::string& what);
/// The version saved must not be newer than the one this build writes.
void check_version(unsigned version, unsigned current, const char* type);

} // namespace leadscore::detail::archive

BOOST_CLASS_VERSION(leadscore::dictionary, 1)
BOOST_CLASS_VERSION(leadscore::schema, 1)
BOOST_CLASS_VERSION(leadscore::funnel, 1)
BOOST_CLASS_VERSION(leadscore::stage_history, 1)
BOOST_CLASS_VERSION(leadscore::lead_table, 1)

namespace boost::serialization {

// ---- dictionary: the texts concatenated, and a length per entry --------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::dictionary& d, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    std::string text;
    std::vector<std::uint32_t> lengths(d.size());
    for (std::size_t i = 0; i < d.size(); ++i) {
        const auto t = d[static_cast<std::int32_t>(i)];
        lengths[i] = static_cast<std::uint32_t>(t.size());
        text += t;
    }
    a::save_array(ar, "lengths", lengths);
    a::save_text(ar, "text", text);
}
template <class Ar>
void load(Ar& ar, leadscore::dictionary& d, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "dictionary");
    std::vector<std::uint32_t> lengths;
    std::string text;
    a::load_array(ar, "lengths", lengths);
    a::load_text(ar, "text", text);
    if (text.size() > std::numeric_limits<std::uint32_t>::max()) a::fail("dictionary: more than 4 GiB of text");
    std::vector<std::uint32_t> offsets(lengths.size() + 1);
    std::size_t at = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        if (lengths[i] > text.size() - at) a::fail("dictionary: entry " + std::to_string(i) + " runs past the text");
        at += lengths[i];
        offsets[i + 1] = static_cast<std::uint32_t>(at);
    }
    if (at != text.size()) a::fail("dictionary: the text is longer than its entries");
    leadscore::dictionary out;
    try { // the index is built once; a repeated text is refused ("entry 3 repeats entry 1")
        out = leadscore::dictionary::from_distinct(std::move(text), std::move(offsets));
    } catch (const leadscore::definition_error& e) {
        a::fail(e.what());
    }
    d = std::move(out);
}
template <class Ar>
void serialize(Ar& ar, leadscore::dictionary& d, unsigned version) {
    split_free(ar, d, version);
}

// ---- schema -------------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::schema& s, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_count(ar, s.size());
    for (const auto& f : s.fields()) {
        a::save_text(ar, "name", f.name);
        a::save_enum(ar, "type", f.type);
        a::save_enum(ar, "role", f.role);
    }
}
template <class Ar>
void load(Ar& ar, leadscore::schema& s, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "schema");
    const std::uint64_t n = a::load_count(ar, "schema");
    leadscore::schema out;
    for (std::uint64_t i = 0; i < n; ++i) {
        leadscore::field f;
        a::load_text(ar, "name", f.name);
        f.type = a::load_enum(ar, "type", leadscore::field_type::timestamp);
        f.role = a::load_enum(ar, "role", leadscore::field_role::outcome);
        out.add(std::move(f)); // refuses an empty or repeated name, a role held twice or by the wrong type
    }
    s = std::move(out);
}
template <class Ar>
void serialize(Ar& ar, leadscore::schema& s, unsigned version) {
    split_free(ar, s, version);
}

// ---- funnel -------------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::funnel& f, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_count(ar, f.size());
    for (const auto& s : f.stages()) {
        a::save_text(ar, "name", s.name);
        a::save_enum(ar, "kind", s.kind);
    }
}
template <class Ar>
void load(Ar& ar, leadscore::funnel& f, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "funnel");
    const std::uint64_t n = a::load_count(ar, "funnel");
    std::vector<leadscore::stage> stages;
    for (std::uint64_t i = 0; i < n; ++i) {
        leadscore::stage s;
        a::load_text(ar, "name", s.name);
        s.kind = a::load_enum(ar, "kind", leadscore::stage_kind::nurture);
        stages.push_back(std::move(s));
    }
    f = leadscore::funnel(std::move(stages)); // refuses what the constructor refuses
}
template <class Ar>
void serialize(Ar& ar, leadscore::funnel& f, unsigned version) {
    split_free(ar, f, version);
}

// ---- stage_history ------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::stage_history& h, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("lead_ids", h.lead_ids) << make_nvp("stages", h.stages) << make_nvp("sources", h.sources);
    a::save_array(ar, "lead", h.lead);
    a::save_array(ar, "stage", h.stage);
    a::save_array(ar, "source", h.source);
    a::save_array(ar, "entered", h.entered);
    a::save_array(ar, "value", h.value);
}
template <class Ar>
void load(Ar& ar, leadscore::stage_history& h, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "stage_history");
    leadscore::stage_history out;
    ar >> make_nvp("lead_ids", out.lead_ids) >> make_nvp("stages", out.stages) >> make_nvp("sources", out.sources);
    a::load_array(ar, "lead", out.lead);
    a::load_array(ar, "stage", out.stage);
    a::load_array(ar, "source", out.source);
    a::load_array(ar, "entered", out.entered);
    a::load_array(ar, "value", out.value);
    const std::size_t n = out.lead.size();
    if (out.stage.size() != n || out.source.size() != n || out.entered.size() != n || out.value.size() != n)
        a::fail("stage_history: columns of different lengths");
    a::check_codes(out.lead, out.lead_ids.size(), "stage_history: lead");
    a::check_codes(out.stage, out.stages.size(), "stage_history: stage");
    a::check_codes(out.source, out.sources.size(), "stage_history: source");
    if (std::find(out.lead.begin(), out.lead.end(), leadscore::missing_code) != out.lead.end() ||
        std::find(out.stage.begin(), out.stage.end(), leadscore::missing_code) != out.stage.end())
        a::fail("stage_history: an entry without lead or stage");
    h = std::move(out);
}
template <class Ar>
void serialize(Ar& ar, leadscore::stage_history& h, unsigned version) {
    split_free(ar, h, version);
}

// ---- lead_table ---------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::lead_table& t, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("schema", t.table_schema());
    a::save_count(ar, t.rows());
    for (std::size_t c = 0; c < t.table_schema().size(); ++c) {
        std::visit(
            [&](const auto& col) {
                using C = std::decay_t<decltype(col)>;
                if constexpr (std::is_same_v<C, leadscore::categorical_column>) {
                    a::save_array(ar, "codes", col.codes);
                    ar << make_nvp("dictionary", col.dict);
                } else {
                    a::save_array(ar, "values", col.values);
                }
            },
            t.column(c));
    }
    const auto events = t.view().all_events();
    std::vector<std::int64_t> times(events.size());
    std::vector<std::int32_t> types(events.size()), details(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        times[i] = events[i].time;
        types[i] = events[i].type;
        details[i] = events[i].detail;
    }
    a::save_array(ar, "event_time", times);
    a::save_array(ar, "event_type", types);
    a::save_array(ar, "event_detail", details);
    a::save_array(ar, "event_offsets", t.view().event_offsets());
    ar << make_nvp("event_types", t.event_types()) << make_nvp("event_details", t.event_details());
}

template <class Ar>
void load(Ar& ar, leadscore::lead_table& t, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "lead_table");
    leadscore::schema s;
    ar >> make_nvp("schema", s);
    leadscore::lead_table out(s);
    const std::uint64_t rows = a::load_count(ar, "lead_table");
    for (std::size_t c = 0; c < s.size(); ++c) {
        const std::string what = "lead_table: field '" + s[c].name + "'";
        std::visit(
            [&](auto& col) {
                using C = std::decay_t<decltype(col)>;
                if constexpr (std::is_same_v<C, leadscore::categorical_column>) {
                    a::load_array(ar, "codes", col.codes);
                    ar >> make_nvp("dictionary", col.dict);
                    a::check_codes(col.codes, col.dict.size(), what);
                } else {
                    a::load_array(ar, "values", col.values);
                    if constexpr (std::is_same_v<C, leadscore::boolean_column>) {
                        for (const auto v : col.values)
                            if (v < -1 || v > 1) a::fail(what + ": a flag other than -1, 0 or 1");
                    }
                }
                const std::size_t size = [&] {
                    if constexpr (std::is_same_v<C, leadscore::categorical_column>)
                        return col.codes.size();
                    else
                        return col.values.size();
                }();
                if (size != rows) a::fail(what + ": " + std::to_string(size) + " values for " + std::to_string(rows) + " rows");
            },
            out.column(c));
    }
    std::vector<std::int64_t> times;
    std::vector<std::int32_t> types, details;
    a::load_array(ar, "event_time", times);
    a::load_array(ar, "event_type", types);
    a::load_array(ar, "event_detail", details);
    a::load_array(ar, "event_offsets", out.event_offsets());
    ar >> make_nvp("event_types", out.event_types()) >> make_nvp("event_details", out.event_details());
    if (types.size() != times.size() || details.size() != times.size())
        a::fail("lead_table: event columns of different lengths");
    a::check_codes(types, out.event_types().size(), "lead_table: event type");
    a::check_codes(details, out.event_details().size(), "lead_table: event detail");
    if (std::find(types.begin(), types.end(), leadscore::missing_code) != types.end())
        a::fail("lead_table: an event without type");
    const auto& off = out.event_offsets();
    if (off.size() != rows + 1 || off.front() != 0 || off.back() != times.size() ||
        !std::is_sorted(off.begin(), off.end()))
        a::fail("lead_table: event offsets do not match the rows and events");
    auto& events = out.events();
    events.resize(times.size());
    for (std::size_t i = 0; i < times.size(); ++i) events[i] = {times[i], types[i], details[i]};
    out.finish_rows(); // checks lengths again and each lead's events in time order
    t = std::move(out);
}
template <class Ar>
void serialize(Ar& ar, leadscore::lead_table& t, unsigned version) {
    split_free(ar, t, version);
}

} // namespace boost::serialization
