// leadscore demo: the library's main job on built-in data, printed as a sequence of report sections.
//
// Each section is a function of one demo_context; a new report (scores, temperatures, routing, funnel
// analytics) is one more function and one more entry in the section list.

#include "commands.hpp"
#include "output.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/sim/generator.hpp"

#include <algorithm>
#include <array>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

struct demo_options {
    std::size_t leads = 20000;
    std::uint64_t seed = 42;
};

constexpr std::size_t family_count = 6; // channel_family::inbound .. partner

/// The generated data and what the sections share: column lookups resolved once, per-code meanings.
struct demo_context {
    const demo_options& options;
    const generated_crm& crm;
    const source_catalogue& sources;
    const funnel& stages;

    std::span<const std::int32_t> source_codes;
    const dictionary* source_dict = nullptr;
    std::span<const std::int32_t> stage_codes;
    const dictionary* stage_dict = nullptr;

    /// Per source code: its catalogue entry, when the catalogue knows it.
    std::vector<std::optional<catalogue<source_info>::id_type>> source_entry;
    /// Per stage code: its index in the funnel, when the funnel knows it.
    std::vector<std::optional<std::size_t>> stage_index;

    [[nodiscard]] std::size_t rows() const noexcept { return crm.leads.rows(); }
    /// The kind of a lead's current stage; nullopt for a missing or unknown stage.
    [[nodiscard]] std::optional<stage_kind> kind_of(std::size_t row) const {
        const auto code = stage_codes[row];
        if (code == missing_code || !stage_index[static_cast<std::size_t>(code)]) return std::nullopt;
        return stages[*stage_index[static_cast<std::size_t>(code)]].kind;
    }
    /// The channel family of a lead's source; nullopt for a missing or unknown source.
    [[nodiscard]] std::optional<channel_family> family_of(std::size_t row) const {
        const auto code = source_codes[row];
        if (code == missing_code || !source_entry[static_cast<std::size_t>(code)]) return std::nullopt;
        return sources[*source_entry[static_cast<std::size_t>(code)]].family;
    }
};

std::size_t categorical_role(const lead_table& t, field_role role) {
    const auto col = t.table_schema().find(role);
    if (!col) throw definition_error("the generated table has no " + std::string(to_string(role)) + " field");
    return *col;
}

// ---- sections -----------------------------------------------------------------------------------

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

struct demo_section {
    const char* title;
    void (*print)(const demo_context&, std::ostream&);
};

constexpr demo_section sections[] = {
    {"Data set", section_data_set},
    {"Leads by source", section_by_source},
    {"Leads by stage", section_by_stage},
    {"Outcomes", section_outcomes},
    {"Win rate by source family", section_win_rate_by_family},
};

void run_demo(const demo_options& o) {
    generator_options g;
    g.leads = o.leads;
    g.seed = o.seed;
    const generated_crm crm = [&] {
        progress_phase phase("generating " + std::to_string(o.leads) + " leads");
        auto result = generate_crm(g);
        phase.done();
        return result;
    }();

    const source_catalogue sources;
    const funnel& stages = funnel::standard();
    const auto& t = crm.leads;
    const std::size_t source_col = categorical_role(t, field_role::source);
    const std::size_t stage_col = categorical_role(t, field_role::stage);

    demo_context ctx{o, crm, sources, stages, t.codes(source_col), &t.dict(source_col), t.codes(stage_col),
                     &t.dict(stage_col), {}, {}};
    for (std::size_t code = 0; code < ctx.source_dict->size(); ++code)
        ctx.source_entry.push_back(sources.find((*ctx.source_dict)[static_cast<std::int32_t>(code)]));
    for (std::size_t code = 0; code < ctx.stage_dict->size(); ++code)
        ctx.stage_index.push_back(stages.find((*ctx.stage_dict)[static_cast<std::int32_t>(code)]));

    auto& out = std::cout;
    out << "leadscore demo: a synthetic CRM of " << o.leads << " leads (seed " << o.seed << ")\n";
    for (const auto& s : sections) {
        out << "\n== " << s.title << " ==\n\n";
        s.print(ctx, out);
    }
}

} // namespace

command add_demo_command(CLI::App& parent) {
    auto opts = std::make_shared<demo_options>();
    CLI::App* app = parent.add_subcommand("demo", "Summarize a synthetic CRM generated on built-in data");
    app->footer("Prints the data set, leads by source (with channel family) and by stage in funnel order,\n"
                "outcomes (won, lost, open, rejected, nurture) and the win rate by source family.");
    app->add_option("--leads,-n", opts->leads, "Number of leads to generate")
        ->check(whole_number())
        ->capture_default_str();
    app->add_option("--seed,-s", opts->seed, "Random seed")->check(whole_number())->capture_default_str();
    return {app, [opts] { run_demo(*opts); }};
}

} // namespace leadscore::cli
