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
//
// Each type's fields are listed once (leadscore/io/detail/archive_fields.hpp explains the form); the same list saves
// and loads.

#include "leadscore/io/archive.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"
#include "leadscore/io/detail/archive_fields.hpp"

#include <boost/serialization/version.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

BOOST_CLASS_VERSION(leadscore::dictionary, 1)
BOOST_CLASS_VERSION(leadscore::schema, 1)
BOOST_CLASS_VERSION(leadscore::funnel, 1)
BOOST_CLASS_VERSION(leadscore::stage_history, 1)
BOOST_CLASS_VERSION(leadscore::lead_table, 1)

namespace leadscore::detail::archive {

template <>
struct enum_range<field_type> {
    static constexpr auto last = field_type::timestamp;
};
template <>
struct enum_range<field_role> {
    static constexpr auto last = field_role::outcome;
};
template <>
struct enum_range<stage_kind> {
    static constexpr auto last = stage_kind::nurture;
};

// ---- dictionary: a length per entry, then the texts concatenated ------------------------------------------------

template <>
struct description<dictionary> {
    static constexpr const char* name = "dictionary";
    static constexpr bool refusals_named = true;
    static auto parts(const dictionary& d) {
        std::string text;
        std::vector<std::uint32_t> lengths(d.size());
        for (std::size_t i = 0; i < d.size(); ++i) {
            const auto t = d[static_cast<std::int32_t>(i)];
            lengths[i] = static_cast<std::uint32_t>(t.size());
            text += t;
        }
        return part_list(std::move(lengths), std::move(text));
    }
    static void fields(auto& v, auto& lengths, auto& text) {
        v("lengths", lengths);
        v("text", text);
    }
    static dictionary make(std::vector<std::uint32_t> lengths, std::string text) {
        if (text.size() > std::numeric_limits<std::uint32_t>::max()) fail("dictionary: more than 4 GiB of text");
        std::vector<std::uint32_t> offsets(lengths.size() + 1);
        std::size_t at = 0;
        for (std::size_t i = 0; i < lengths.size(); ++i) {
            if (lengths[i] > text.size() - at) fail("dictionary: entry " + std::to_string(i) + " runs past the text");
            at += lengths[i];
            offsets[i + 1] = static_cast<std::uint32_t>(at);
        }
        if (at != text.size()) fail("dictionary: the text is longer than its entries");
        // The index is built once; a repeated text is refused ("entry 3 repeats entry 1").
        return dictionary::from_distinct(std::move(text), std::move(offsets));
    }
};

// ---- schema and funnel: their fields and stages, inline ---------------------------------------------------------

template <>
struct description<schema> {
    static constexpr const char* name = "schema";
    static constexpr bool refusals_named = true;
    static auto parts(const schema& s) { return part_list(s.fields()); }
    static void fields(auto& v, auto& list) {
        v(records(list, [](auto& v, auto& f) {
            v("name", f.name);
            v("type", f.type);
            v("role", f.role);
        }));
    }
    static schema make(std::vector<field> list) {
        schema out;
        // add refuses an empty or repeated name, a role held twice or by the wrong type.
        for (auto& f : list) out.add(std::move(f));
        return out;
    }
};

template <>
struct description<funnel> {
    static constexpr const char* name = "funnel";
    static constexpr bool refusals_named = true;
    static auto parts(const funnel& f) { return part_list(f.stages()); }
    static void fields(auto& v, auto& stages) {
        v(records(stages, [](auto& v, auto& s) {
            v("name", s.name);
            v("kind", s.kind);
        }));
    }
    static funnel make(std::vector<stage> stages) { return funnel(std::move(stages)); }
};

// ---- stage_history: three dictionaries and five columns -----------------------------------------------------------

template <>
struct description<stage_history> {
    static constexpr const char* name = "stage_history";
    static void fields(auto& v, auto& h) {
        v("lead_ids", h.lead_ids);
        v("stages", h.stages);
        v("sources", h.sources);
        v("lead", h.lead);
        v("stage", h.stage);
        v("source", h.source);
        v("entered", h.entered);
        v("value", h.value);
    }
    static void check(const stage_history& h) {
        const std::size_t n = h.lead.size();
        if (h.stage.size() != n || h.source.size() != n || h.entered.size() != n || h.value.size() != n)
            fail("stage_history: columns of different lengths");
        check_codes(h.lead, h.lead_ids.size(), "stage_history: lead");
        check_codes(h.stage, h.stages.size(), "stage_history: stage");
        check_codes(h.source, h.sources.size(), "stage_history: source");
        if (std::find(h.lead.begin(), h.lead.end(), missing_code) != h.lead.end() ||
            std::find(h.stage.begin(), h.stage.end(), missing_code) != h.stage.end())
            fail("stage_history: an entry without lead or stage");
    }
};

// ---- lead_table ---------------------------------------------------------------------------------------------------

/// A table's events as its archive holds them: three columns. Saving fills them from the table's event records;
/// loading reads them, and table_columns::finish moves them into the table.
struct event_columns {
    std::vector<std::int64_t> time;
    std::vector<std::int32_t> type, detail;

    event_columns() = default;
    explicit event_columns(std::span<const event_record> events)
        : time(events.size()), type(events.size()), detail(events.size()) {
        for (std::size_t i = 0; i < events.size(); ++i) {
            time[i] = events[i].time;
            type[i] = events[i].type;
            detail[i] = events[i].detail;
        }
    }
};

/// The columns of a table in schema order: codes and dictionary, or values. Loading checks each against the row
/// count, then the events, and finishes the table (finish_rows checks lengths again and each row's events in time
/// order).
struct table_columns {
    template <class V, class Table>
    static void fields(V& v, Table& t, std::uint64_t rows) {
        for (std::size_t c = 0; c < t.table_schema().size(); ++c) {
            std::visit([&](auto& col) {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(col)>, categorical_column>) {
                    v("codes", col.codes);
                    v("dictionary", col.dict);
                } else {
                    v("values", col.values);
                }
                if constexpr (V::loading) check(col, rows, "lead_table: field '" + t.table_schema()[c].name + "'");
            }, t.column(c));
        }
    }
    template <class Column>
    static void check(const Column& col, std::uint64_t rows, const std::string& what) {
        std::size_t size = 0;
        if constexpr (std::is_same_v<Column, categorical_column>) {
            check_codes(col.codes, col.dict.size(), what);
            size = col.codes.size();
        } else {
            if constexpr (std::is_same_v<Column, boolean_column>) {
                for (const auto v : col.values)
                    if (v < -1 || v > 1) fail(what + ": a flag other than -1, 0 or 1");
            }
            size = col.values.size();
        }
        if (size != rows) fail(what + ": " + std::to_string(size) + " values for " + std::to_string(rows) + " rows");
    }
    static void finish(lead_table& t, std::uint64_t rows, event_columns& e) {
        if (e.type.size() != e.time.size() || e.detail.size() != e.time.size())
            fail("lead_table: event columns of different lengths");
        check_codes(e.type, t.event_types().size(), "lead_table: event type");
        check_codes(e.detail, t.event_details().size(), "lead_table: event detail");
        if (std::find(e.type.begin(), e.type.end(), missing_code) != e.type.end())
            fail("lead_table: an event without type");
        const auto& off = t.event_offsets();
        if (off.size() != rows + 1 || off.front() != 0 || off.back() != e.time.size() ||
            !std::is_sorted(off.begin(), off.end()))
            fail("lead_table: event offsets do not match the rows and events");
        auto& events = t.events();
        events.resize(e.time.size());
        for (std::size_t i = 0; i < e.time.size(); ++i) events[i] = {e.time[i], e.type[i], e.detail[i]};
        t.finish_rows();
    }
};

// The schema, the row count, the columns in schema order, the events as three columns and each row's offsets into
// them, then the event dictionaries. The layout depends on the schema: a loaded table is made from the schema read
// before its columns are read.
template <>
struct description<lead_table> {
    static constexpr const char* name = "lead_table";
    static constexpr bool refusals_named = true;
    static lead_table blank() { return lead_table(schema{}); }

    template <class V, class Table>
    static void fields(V& v, Table& t) {
        if constexpr (V::loading) {
            schema s;
            v("schema", s);
            t = lead_table(std::move(s));
        } else {
            v("schema", t.table_schema());
        }
        std::uint64_t rows = t.rows();
        v(count_of(rows));
        table_columns::fields(v, t, rows);
        event_columns events;
        if constexpr (!V::loading) events = event_columns(t.view().all_events());
        v("event_time", events.time);
        v("event_type", events.type);
        v("event_detail", events.detail);
        v("event_offsets", offsets(t));
        v("event_types", t.event_types());
        v("event_details", t.event_details());
        if constexpr (V::loading) table_columns::finish(t, rows, events);
    }
    static std::span<const std::uint64_t> offsets(const lead_table& t) { return t.view().event_offsets(); }
    static std::vector<std::uint64_t>& offsets(lead_table& t) { return t.event_offsets(); }
};

} // namespace leadscore::detail::archive

// Declarations of instantiations the library compiles (not documented API):
/// @cond
namespace leadscore {
// Compiled once, in the library (see LEADSCORE_ARCHIVE_FUNCTIONS).
LEADSCORE_ARCHIVE_FUNCTIONS(extern, dictionary);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, schema);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, funnel);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, stage_history);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, lead_table);
} // namespace leadscore
/// @endcond
