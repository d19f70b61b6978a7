// The demo report's sections on the data set: its size, leads by source and by stage, outcomes, win rate by family.

#include "demo.hpp"
#include "output.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/funnel.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

namespace leadscore::cli::demo {

void section_data_set(const demo_context& ctx, std::ostream& out) {
    const auto& t = ctx.crm.leads;
    text_table tab({{"item"}, {"value"}});
    tab.add_row({"leads", std::to_string(t.rows())});
    tab.add_row({"seed", std::to_string(ctx.options.seed)});
    tab.add_row({"fields per lead", std::to_string(t.table_schema().size())});
    tab.add_row({"engagement events", std::to_string(t.view().all_events().size())});
    tab.add_row({"stage entries", std::to_string(ctx.crm.history.size())});
    if (const auto col = t.table_schema().find(field_role::created)) {
        std::int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (const auto s : t.timestamps(*col))
            if (s != missing_time) {
                lo = std::min(lo, s);
                hi = std::max(hi, s);
            }
        if (lo <= hi) {
            tab.add_row({"first capture", format_timestamp(from_seconds(lo), false)});
            tab.add_row({"last capture", format_timestamp(from_seconds(hi), false)});
        }
    }
    tab.add_row({"observed at", format_timestamp(ctx.crm.horizon, false)});
    tab.print(out, 2, false);
}

void section_by_source(const demo_context& ctx, std::ostream& out) {
    // One slot per dictionary code plus one for missing.
    std::vector<std::size_t> counts(ctx.source_dict->size() + 1);
    for (const auto code : ctx.source_codes) ++counts[code == missing_code ? counts.size() - 1 : static_cast<std::size_t>(code)];

    std::vector<std::size_t> order(counts.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return counts[a] > counts[b]; });

    text_table tab({{"source"}, {"family"}, {"leads", text_table::align::right}, {"share", text_table::align::right}});
    for (const auto i : order) {
        if (counts[i] == 0) continue;
        std::string label = "(missing)", family = "-";
        if (i < ctx.source_dict->size()) {
            label = std::string((*ctx.source_dict)[static_cast<std::int32_t>(i)]);
            if (const auto id = ctx.source_entry[i]) {
                label = ctx.sources[*id].label;
                family = std::string(to_string(ctx.sources[*id].family));
            }
        }
        tab.add_row({label, family, std::to_string(counts[i]),
                     format_percent(static_cast<double>(counts[i]), static_cast<double>(ctx.rows()))});
    }
    tab.print(out);
}

void section_by_stage(const demo_context& ctx, std::ostream& out) {
    std::vector<std::size_t> counts(ctx.stages.size());
    std::size_t missing = 0, unknown = 0;
    for (const auto code : ctx.stage_codes) {
        if (code == missing_code)
            ++missing;
        else if (const auto idx = ctx.stage_index[static_cast<std::size_t>(code)])
            ++counts[*idx];
        else
            ++unknown;
    }
    const auto n = static_cast<double>(ctx.rows());
    text_table tab({{"stage"}, {"kind"}, {"leads", text_table::align::right}, {"share", text_table::align::right}});
    for (std::size_t i = 0; i < ctx.stages.size(); ++i)
        tab.add_row({ctx.stages[i].name, std::string(to_string(ctx.stages[i].kind)), std::to_string(counts[i]),
                     format_percent(static_cast<double>(counts[i]), n)});
    if (unknown > 0)
        tab.add_row({"(not in funnel)", "-", std::to_string(unknown), format_percent(static_cast<double>(unknown), n)});
    if (missing > 0)
        tab.add_row({"(missing)", "-", std::to_string(missing), format_percent(static_cast<double>(missing), n)});
    tab.print(out);
}

void section_outcomes(const demo_context& ctx, std::ostream& out) {
    constexpr std::array kinds{stage_kind::won, stage_kind::lost, stage_kind::open, stage_kind::rejected,
                               stage_kind::nurture};
    std::array<std::size_t, kinds.size()> counts{};
    std::size_t unknown = 0;
    for (std::size_t r = 0; r < ctx.rows(); ++r) {
        if (const auto k = ctx.kind_of(r))
            ++counts[static_cast<std::size_t>(std::find(kinds.begin(), kinds.end(), *k) - kinds.begin())];
        else
            ++unknown;
    }
    const auto n = static_cast<double>(ctx.rows());
    text_table tab({{"outcome"}, {"leads", text_table::align::right}, {"share", text_table::align::right}});
    for (std::size_t i = 0; i < kinds.size(); ++i)
        tab.add_row({std::string(to_string(kinds[i])), std::to_string(counts[i]),
                     format_percent(static_cast<double>(counts[i]), n)});
    if (unknown > 0) tab.add_row({"(unknown stage)", std::to_string(unknown), format_percent(static_cast<double>(unknown), n)});
    tab.print(out);
    const auto won = static_cast<double>(counts[0]), lost = static_cast<double>(counts[1]);
    out << "\n  win rate (won / (won + lost)): " << format_percent(won, won + lost) << '\n';
}

void section_win_rate_by_family(const demo_context& ctx, std::ostream& out) {
    struct tally {
        std::size_t leads = 0, won = 0, lost = 0, open = 0;
    };
    std::array<tally, family_count + 1> t{}; // the last slot: missing or unknown source
    for (std::size_t r = 0; r < ctx.rows(); ++r) {
        const auto f = ctx.family_of(r);
        auto& slot = t[f ? static_cast<std::size_t>(*f) : family_count];
        ++slot.leads;
        const auto k = ctx.kind_of(r);
        if (k == stage_kind::won) ++slot.won;
        if (k == stage_kind::lost) ++slot.lost;
        if (k == stage_kind::open) ++slot.open;
    }
    text_table tab({{"family"},
                    {"leads", text_table::align::right},
                    {"won", text_table::align::right},
                    {"lost", text_table::align::right},
                    {"open", text_table::align::right},
                    {"win rate", text_table::align::right}});
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].leads == 0) continue;
        const std::string name =
            i < family_count ? std::string(to_string(static_cast<channel_family>(i))) : std::string("(unknown)");
        tab.add_row({name, std::to_string(t[i].leads), std::to_string(t[i].won), std::to_string(t[i].lost),
                     std::to_string(t[i].open),
                     format_percent(static_cast<double>(t[i].won), static_cast<double>(t[i].won + t[i].lost))});
    }
    tab.print(out);
    out << "\n  win rate = won / (won + lost); open, rejected and nurture leads are not closed yet\n";
}

} // namespace leadscore::cli::demo
