#pragma once
// The program's commands. Each adds its sub-command (options and help) to the parent and returns how to run it
// once the command line has been parsed.

#include "json.hpp"

#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/markov.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::cli {

struct command {
    CLI::App* app = nullptr;       ///< the sub-command; selected when *app is true after parsing
    std::function<void()> run;     ///< does the work; throws leadscore::error or std::exception on failure
};

/// A validator for count and seed options: a whole number that fits in 64 bits.
[[nodiscard]] CLI::Validator whole_number();

[[nodiscard]] command add_generate_command(CLI::App& parent);
[[nodiscard]] command add_inspect_command(CLI::App& parent);
[[nodiscard]] command add_demo_command(CLI::App& parent);
[[nodiscard]] command add_funnel_command(CLI::App& parent);
[[nodiscard]] command add_train_command(CLI::App& parent);
[[nodiscard]] command add_score_command(CLI::App& parent);
[[nodiscard]] command add_evaluate_command(CLI::App& parent);
[[nodiscard]] command add_route_command(CLI::App& parent);
[[nodiscard]] command add_report_command(CLI::App& parent);
[[nodiscard]] command add_import_xgboost_command(CLI::App& parent);
[[nodiscard]] command add_show_command(CLI::App& parent);

/// What the funnel report shows.
struct funnel_report_options {
    /// Breakdown keys: "source", "last_source", "cohort" / "month" / "quarter" / "year", or an attribute name.
    std::vector<std::string> by{"source"};
    /// The observation time; nullopt = the latest dated entry.
    std::optional<timestamp> as_of;
    period kpi_period = period::month;
    /// Conversion window in days (nullopt = none).
    std::optional<std::int64_t> window_days;
    /// Per-lead attributes of the history (breakdown keys and the customer key), or nullptr.
    const lead_attributes* attributes = nullptr;
    /// Attribute naming a lead's customer for retention; empty = each lead is its own customer.
    std::string customer;
    /// Open deals count as opportunities from this open stage on; empty = every open stage.
    std::string opportunity_stage;
    /// Per funnel stage: entries without a date (from a deal snapshot), shown in a note; empty = none.
    std::vector<std::size_t> undated;
    std::size_t max_rows = 15;    ///< rows per breakdown table (the largest groups)
    std::size_t max_periods = 12; ///< latest periods in the KPI table
    std::size_t max_ages = 6;     ///< ages in the cohort table
    /// The Markov chain counts leads open longer than this many days at as_of as lost (nullopt = open leads add no
    /// exit).
    std::optional<std::int64_t> open_as_lost_days;
};

/// Prints the funnel report of a history: stage conversion, breakdowns, time in stage and sales cycle (open leads
/// censored), the Markov chain's P(win) and expected time to close per stage, KPIs by period, cohorts and retention.
/// Everything is computed before the first line is written, so a leadscore::error (a history the funnel does not fit,
/// an unknown key, a window whose seconds overflow) leaves `out` untouched.
void print_funnel_report(std::ostream& out, const stage_history& history, const funnel& stages,
                         const funnel_report_options& options);

/// The conversion options of the report: its window (refused, naming --window, when its seconds overflow).
[[nodiscard]] conversion_options conversion_options_of(const funnel_report_options& options);
/// The Markov options of the report: mean stays only; with open_as_lost_days, open leads that old count as lost.
[[nodiscard]] markov_options markov_options_of(const funnel_report_options& options, timestamp as_of);

/// The funnel report as the JSON document of schema leadscore.funnel/1 (docs/cli.md): the same figures as
/// print_funnel_report, every group and period (no --max-rows cut), at full precision. Throws as it does.
[[nodiscard]] nlohmann::ordered_json funnel_report_json(const stage_history& history, const funnel& stages,
                                                        const funnel_report_options& options);

} // namespace leadscore::cli
