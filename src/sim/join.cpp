// Joining the slices: every slice's dictionaries, events, stage entries and emails appended to the first slice's in
// row order, codes translated, which gives what one pass over every row gives; then moved into the output.

#include "slice.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <vector>

namespace leadscore::detail::sim {

namespace {

/// A container's spare capacity is given back only after a bad estimate: moving every element costs more than the
/// slack of a good one.
template <class C> void shrink_if_loose(C& c) {
    if (c.capacity() > c.size() + c.size() / 4 + 1024)
        c.shrink_to_fit();
}

/// Code j of a slice's dictionary `from` is code map[j] of `into`; entries new to `into` are interned in the
/// slice's order. Empty when every code maps to itself.
std::vector<std::int32_t> translation(dictionary& into, const dictionary& from) {
    std::vector<std::int32_t> map(from.size());
    bool same = true;
    for (std::size_t j = 0; j < map.size(); ++j) {
        map[j] = into.intern(from[static_cast<std::int32_t>(j)]);
        same &= map[j] == static_cast<std::int32_t>(j);
    }
    if (same)
        map.clear();
    return map;
}

std::int32_t translate(const std::vector<std::int32_t>& map, std::int32_t code) noexcept {
    return map.empty() || code == missing_code ? code : map[static_cast<std::size_t>(code)];
}

/// The dictionaries of a slice: the coded columns', then these.
enum : std::size_t { event_type_dict = coded_columns, event_detail_dict, stage_dict, source_dict, dictionaries };

dictionary& dict_of(slice_parts& p, std::size_t d) {
    switch (d) {
    case event_type_dict: return p.event_types;
    case event_detail_dict: return p.event_details;
    case stage_dict: return p.history.stages;
    case source_dict: return p.history.sources;
    default: return p.dicts[d];
    }
}

/// How one slice joins the first: its code translations, and where its events, stage entries and email text start
/// in the joined arrays. For the first slice (which the others join), the joined arrays' sizes.
struct slice_plan {
    std::array<std::vector<std::int32_t>, dictionaries> codes; // by dictionary: see translation()
    std::size_t events = 0, entries = 0, text = 0;
};

/// Every slice's plan. Interns the other slices' dictionary entries into the first slice's, in slice order.
std::vector<slice_plan> plan_join(std::vector<slice_parts>& parts, unsigned threads) {
    slice_parts& first = parts.front();
    std::vector<slice_plan> plans(parts.size());
    // Each dictionary takes the slices in order; the dictionaries are independent of each other.
    for_each_block(dictionaries, 1, threads, [&](std::size_t d, std::size_t) {
        for (std::size_t s = 1; s < parts.size(); ++s)
            plans[s].codes[d] = translation(dict_of(first, d), dict_of(parts[s], d));
    });
    std::size_t events = first.events.size(), entries = first.history.size(), text = first.email_text.size();
    for (std::size_t s = 1; s < parts.size(); ++s) {
        const slice_parts& from = parts[s];
        slice_plan& p = plans[s];
        p.events = events;
        p.entries = entries;
        p.text = text;
        events += from.events.size();
        entries += from.history.size();
        text += from.email_text.size();
    }
    if (text > std::numeric_limits<std::uint32_t>::max())
        throw error(text_limit);
    plans[0].events = events;
    plans[0].entries = entries;
    plans[0].text = text;
    return plans;
}

/// Grows the first slice's arrays to the joined sizes (reserve first: a vector grown past its capacity by resize may
/// double it).
void make_room(slice_parts& first, const slice_plan& joined, std::size_t rows) {
    first.events.reserve(joined.events);
    first.events.resize(joined.events);
    auto& h = first.history;
    h.reserve(joined.entries);
    h.lead.resize(joined.entries);
    h.stage.resize(joined.entries);
    h.source.resize(joined.entries);
    h.entered.resize(joined.entries);
    h.value.resize(joined.entries);
    first.email_text.reserve(joined.text);
    first.email_text.resize(joined.text);
    first.email_offsets.resize(rows + 1);
}

/// Copies every slice's email texts into place (once all are there, they become the email dictionary).
void join_emails(std::vector<slice_parts>& parts, const std::vector<slice_plan>& plans, const row_parts& slices,
                 dictionary& email_dict) {
    slice_parts& first = parts.front();
    for (std::size_t s = 1; s < parts.size(); ++s) {
        const slice_parts& from = parts[s];
        const std::size_t at = plans[s].text;
        std::copy(from.email_text.begin(), from.email_text.end(),
                  first.email_text.begin() + static_cast<std::ptrdiff_t>(at));
        for (std::size_t k = 1; k < from.email_offsets.size(); ++k)
            first.email_offsets[slices.begin(s) + k] = from.email_offsets[k] + static_cast<std::uint32_t>(at);
    }
    shrink_if_loose(first.email_text);
    email_dict = dictionary::from_distinct(std::move(first.email_text), std::move(first.email_offsets));
}

/// Translates slice s's codes in the output's coded columns and moves its event ends past the slices before it.
void join_codes(crm_context& crm, const slice_plan& p, std::size_t begin, std::size_t end) {
    for (std::size_t c = 0; c < coded_columns; ++c)
        if (!p.codes[c].empty())
            for (std::size_t r = begin; r < end; ++r) crm.codes[c][r] = translate(p.codes[c], crm.codes[c][r]);
    for (std::size_t r = begin; r < end; ++r) crm.event_ends[r] += p.events;
}

/// Copies a slice's events into place, with their codes translated.
void join_events(slice_parts& first, const slice_parts& from, const slice_plan& p) {
    for (std::size_t k = 0; k < from.events.size(); ++k) {
        const event_record& e = from.events[k];
        first.events[p.events + k] = {e.time, translate(p.codes[event_type_dict], e.type),
                                      translate(p.codes[event_detail_dict], e.detail)};
    }
}

/// Copies a slice's stage entries into place, with their codes translated.
void join_history(slice_parts& first, const slice_parts& from, const slice_plan& p) {
    stage_history& h = first.history;
    const stage_history& g = from.history;
    const auto at = static_cast<std::ptrdiff_t>(p.entries);
    std::copy(g.lead.begin(), g.lead.end(), h.lead.begin() + at);
    for (std::size_t k = 0; k < g.size(); ++k) {
        h.stage[p.entries + k] = translate(p.codes[stage_dict], g.stage[k]);
        h.source[p.entries + k] = translate(p.codes[source_dict], g.source[k]);
    }
    std::copy(g.entered.begin(), g.entered.end(), h.entered.begin() + at);
    std::copy(g.value.begin(), g.value.end(), h.value.begin() + at);
}

/// Moves the joined parts (the first slice's) into the output.
void move_into_output(crm_context& crm, generated_crm& out, slice_parts& first) {
    lead_table& t = out.leads;
    for (std::size_t c = 0; c < coded_columns; ++c) {
        first.dicts[c].shrink_to_fit(); // the phone index was sized for an estimate
        crm.columns[c]->dict = std::move(first.dicts[c]);
    }
    t.event_types() = std::move(first.event_types);
    t.event_details() = std::move(first.event_details);
    shrink_if_loose(first.events);
    t.events() = std::move(first.events);
    out.history = std::move(first.history);
    for (auto* v : {&out.history.lead, &out.history.stage, &out.history.source})
        shrink_if_loose(*v);
    shrink_if_loose(out.history.entered);
    shrink_if_loose(out.history.value);
}

} // namespace

void join_slices(crm_context& crm, generated_crm& out, std::vector<slice_parts>& parts, const row_parts& slices,
                 unsigned threads, dictionary& id_dict, dictionary& email_dict) {
    const std::vector<slice_plan> plans = plan_join(parts, threads);
    slice_parts& first = parts.front();
    const std::size_t rows = slices.begin(slices.count);
    make_room(first, plans[0], rows);

    // The threads share the copies and the two dictionaries made in one step: ids (which need nothing else), and
    // emails (once every slice's are in place, so copied in one task); then three copies a slice.
    enum part : std::size_t { codes_part, events_part, history_part, parts_per_slice };
    for_each_block(2 + (parts.size() - 1) * parts_per_slice, 1, threads, [&](std::size_t task, std::size_t) {
        if (task == 0) {
            id_dict = id_dictionary(rows);
            return;
        }
        if (task == 1) {
            join_emails(parts, plans, slices, email_dict);
            return;
        }
        const std::size_t s = 1 + (task - 2) / parts_per_slice;
        switch ((task - 2) % parts_per_slice) {
        case codes_part: join_codes(crm, plans[s], slices.begin(s), slices.end(s)); break;
        case events_part: join_events(first, parts[s], plans[s]); break;
        case history_part: join_history(first, parts[s], plans[s]); break;
        }
    });
    parts.resize(1); // the other slices' parts are joined
    move_into_output(crm, out, first);
}

/// Total length of the ids of n leads: "L" and the row number from 1, zero-padded to at least 8 digits.
std::size_t id_text_bytes(std::size_t n) noexcept {
    std::size_t bytes = n * 9, from = 100000000; // numbers below 10^8 take 8 digits
    for (std::size_t digits = 9; from <= n; ++digits, from *= 10) bytes += n - from + 1;
    return bytes;
}

/// The ids of n leads, which are distinct by construction, as a dictionary built in one step: lead i gets code i.
dictionary id_dictionary(std::size_t n) {
    if (id_text_bytes(n) > std::numeric_limits<std::uint32_t>::max()) throw error(text_limit);
    std::string text;
    text.reserve(id_text_bytes(n));
    std::vector<std::uint32_t> offsets;
    offsets.reserve(n + 1);
    offsets.push_back(0);
    // "L" and the row number from 1, counted up digit by digit at the back of `id`; it grows to the left past 8
    // digits.
    std::array<char, 24> id{};
    std::fill(id.end() - 8, id.end(), '0');
    std::size_t first = id.size() - 8;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t d = id.size();
        while (d > first && id[d - 1] == '9') id[--d] = '0';
        if (d == first)
            id[--first] = '1'; // all nines: one digit more
        else
            ++id[d - 1];
        id[first - 1] = 'L';
        text.append(id.data() + first - 1, id.size() - first + 1);
        offsets.push_back(static_cast<std::uint32_t>(text.size()));
    }
    return dictionary::from_distinct(std::move(text), std::move(offsets));
}

} // namespace leadscore::detail::sim
