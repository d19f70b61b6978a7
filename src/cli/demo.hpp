#pragma once
// The demo command's report, internal to the program: what its sections share, and the sections, each a function of
// one demo_context. demo.cpp lists them in order; demo_data.cpp, demo_scoring.cpp and demo_lifecycle.cpp hold them
// by group.

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/sim/generator.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace leadscore::cli::demo {

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

/// The column of a categorical role in the generated table; throws definition_error when there is none.
[[nodiscard]] std::size_t categorical_role(const lead_table& t, field_role role);

/// A lead's result: won, lost (lost, rejected or nurture), or still open.
enum class result : std::uint8_t { open, won, lost };
[[nodiscard]] result result_of(const demo_context& ctx, std::size_t row);

[[nodiscard]] std::string with_decimals(double v, int digits);
[[nodiscard]] std::string signed_fixed(double v, int digits);
/// The rules a marketing team might configure: fit on firmographics and source, engagement on events with a
/// 30-day half-life, capped per rule, per group and in total.
[[nodiscard]] points_rules demo_rules();
/// Closed leads by score band: how many, how many won, the win rate.
void print_bands(std::ostream& out, const demo_context& ctx, std::span<const double> scores,
                 std::span<const double> bounds, int digits, const std::string& label);
/// The open leads with the highest scores, best first (ties by row).
[[nodiscard]] std::vector<std::size_t> top_open(const demo_context& ctx, std::span<const double> scores, std::size_t n);
/// The text of a categorical role at a row; "-" when missing or when the table has no such field.
[[nodiscard]] std::string text_of(const lead_table& t, field_role role, std::size_t row);

// The sections, in the order the report prints them.
// demo_data.cpp: the data set and its outcomes.
void section_data_set(const demo_context& ctx, std::ostream& out);
void section_by_source(const demo_context& ctx, std::ostream& out);
void section_by_stage(const demo_context& ctx, std::ostream& out);
void section_outcomes(const demo_context& ctx, std::ostream& out);
void section_win_rate_by_family(const demo_context& ctx, std::ostream& out);
// demo_scoring.cpp: scores and models.
void section_points(const demo_context& ctx, std::ostream& out);
void section_logistic(const demo_context& ctx, std::ostream& out);
void section_grid(const demo_context& ctx, std::ostream& out);
void section_frequency(const demo_context& ctx, std::ostream& out);
void section_training(const demo_context& ctx, std::ostream& out);
// demo_lifecycle.cpp: temperature, qualification, crossings and routing.
void section_temperature(const demo_context& ctx, std::ostream& out);
void section_crossings(const demo_context& ctx, std::ostream& out);
void section_routing(const demo_context& ctx, std::ostream& out);

} // namespace leadscore::cli::demo
