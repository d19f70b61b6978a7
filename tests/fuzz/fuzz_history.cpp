// libFuzzer target for the stage-history readers: an event log, a deal snapshot and a funnel file from any bytes.
// A reader may refuse input only with a leadscore::error; any other exception, a crash or a sanitizer report is a
// bug. In collect mode every data row is taken or rejected, and what was taken must go through the analytics
// (journeys, conversion, timing, competing risks, Markov chain) without an error; an event log taken must write and
// read back. Collect mode clamps times that run backwards, fail-fast mode refuses them. The engagement-events reader
// (leadscore/io/events_csv.hpp) shares the frame: what it reads attaches to a small table, each event to its lead's
// row or counted as unknown, each row's events in time order.

#include "leadscore/funnel/competing_risks.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"
#include "leadscore/io/events_csv.hpp"
#include "leadscore/io/history_csv.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

namespace {

// What a reader took is a valid history: the analytics must not refuse it.
void analyse(const leadscore::history_import& in, const leadscore::funnel& f) {
    try {
        const leadscore::journeys j(in.history, f);
        (void)leadscore::compute_conversion(j);
        (void)leadscore::compute_markov(j);
        if (const auto last = leadscore::latest_entry(in.history)) {
            (void)leadscore::compute_timing(j, *last);
            (void)leadscore::compute_competing_risks(j, *last).total().incidence();
        }
    } catch (const leadscore::error&) {
        std::abort();
    }
}

void check_rows(const leadscore::history_import& in, bool collect) {
    if (!collect && !in.rejected.empty()) std::abort();
    if (collect && in.rows_read < in.rejected.size()) std::abort();
}

// What read_history took writes (with its attributes) and reads back as the same history and attributes.
void round_trip(const leadscore::history_import& in) try {
    std::ostringstream out;
    leadscore::write_history(out, in.history, in.attributes);
    const auto back = leadscore::read_history(out.str(), leadscore::funnel::standard());
    if (!(back.history == in.history) || back.attributes.columns.size() != in.attributes.columns.size()) std::abort();
    for (std::size_t k = 0; k < in.attributes.columns.size(); ++k) {
        const auto& a = in.attributes.columns[k];
        const auto& b = back.attributes.columns[k];
        if (a.name != b.name || a.codes.size() != b.codes.size()) std::abort();
        for (std::size_t l = 0; l < a.codes.size(); ++l)
            if ((a.codes[l] == leadscore::missing_code) != (b.codes[l] == leadscore::missing_code) ||
                (a.codes[l] != leadscore::missing_code && a.values[a.codes[l]] != b.values[b.codes[l]]))
                std::abort();
    }
} catch (const leadscore::error&) {
    std::abort(); // writing or reading it back must not fail either
}

// Events read from the text attach to a table of three leads: every event lands on its lead's row or is counted.
void attach_engagement(std::string_view text) {
    leadscore::event_log log;
    try {
        log = leadscore::read_events(text, {.limits = {.max_line_bytes = 120, .max_columns = 8, .max_cell_bytes = 24}},
                                     "fuzz.csv");
    } catch (const leadscore::error&) {
        return;
    }
    leadscore::lead_table t(leadscore::schema({{"id", leadscore::field_type::categorical, leadscore::field_role::none}}));
    auto& ids = std::get<leadscore::categorical_column>(t.column(0));
    for (const char* id : {"a", "b", "1"}) ids.codes.push_back(ids.dict.intern(id));
    t.finish_rows();
    try {
        const auto a = leadscore::attach_events(t, "id", log);
        if (a.attached + a.unknown != log.size()) std::abort(); // the three ids differ: one row per known event
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const auto ev = t.events_of(r);
            for (std::size_t k = 1; k < ev.size(); ++k)
                if (ev[k].time < ev[k - 1].time) std::abort();
        }
    } catch (const leadscore::error&) {
        std::abort(); // attaching a log that was read must not fail
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const bool collect : {false, true}) {
        leadscore::history_options o;
        o.errors = collect ? leadscore::error_mode::collect : leadscore::error_mode::fail_fast;
        if (collect) o.limits = {.max_line_bytes = 120, .max_columns = 8, .max_cell_bytes = 24}; // reachable limits
        if (collect) o.on_backwards = leadscore::backwards_time::clamp;
        try {
            const auto in = leadscore::read_history(text, leadscore::funnel::standard(), o, "fuzz.csv");
            check_rows(in, collect);
            if (in.rows_read != in.history.size() + in.rejected.size()) std::abort(); // one entry per row taken
            analyse(in, leadscore::funnel::standard());
            round_trip(in);
        } catch (const leadscore::error&) {
        }
        leadscore::snapshot_options s;
        s.csv = o;
        try {
            const auto in = leadscore::read_deal_snapshot(text, leadscore::snapshot_funnel(), s, "fuzz.csv");
            check_rows(in, collect);
            analyse(in, leadscore::snapshot_funnel());
        } catch (const leadscore::error&) {
        }
    }
    attach_engagement(text);
    try {
        (void)leadscore::read_funnel(text, "fuzz_funnel.csv");
    } catch (const leadscore::error&) {
    }
    return 0;
}
