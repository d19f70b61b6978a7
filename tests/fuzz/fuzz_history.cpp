// libFuzzer target for the stage-history readers: an event log, a deal snapshot and a funnel file from any bytes.
// A reader may refuse input only with a leadscore::error; any other exception, a crash or a sanitizer report is a
// bug. In collect mode every data row is taken or rejected, and what was taken must go through the analytics
// (journeys, conversion, timing, Markov chain) without an error.

#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/markov.hpp"
#include "leadscore/funnel/timing.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

// What a reader took is a valid history: the analytics must not refuse it.
void analyse(const leadscore::history_import& in, const leadscore::funnel& f) {
    try {
        const leadscore::journeys j(in.history, f);
        (void)leadscore::compute_conversion(j);
        (void)leadscore::compute_markov(j);
        if (const auto last = leadscore::latest_entry(in.history)) (void)leadscore::compute_timing(j, *last);
    } catch (const leadscore::error&) {
        std::abort();
    }
}

void check_rows(const leadscore::history_import& in, bool collect) {
    if (!collect && !in.rejected.empty()) std::abort();
    if (collect && in.rows_read < in.rejected.size()) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const bool collect : {false, true}) {
        leadscore::history_options o;
        o.errors = collect ? leadscore::error_mode::collect : leadscore::error_mode::fail_fast;
        try {
            const auto in = leadscore::read_history(text, leadscore::funnel::standard(), o, "fuzz.csv");
            check_rows(in, collect);
            if (in.rows_read != in.history.size() + in.rejected.size()) std::abort(); // one entry per row taken
            analyse(in, leadscore::funnel::standard());
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
    try {
        (void)leadscore::read_funnel(text, "fuzz_funnel.csv");
    } catch (const leadscore::error&) {
    }
    return 0;
}
