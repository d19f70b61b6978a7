#pragma once
// The lifecycle classes qualification places leads in, and how they map onto the stages of a lead's funnel.
//
// Qualification speaks in lifecycle classes — suspect, lead, marketing-qualified (mql), sales-qualified (sql),
// rejected, nurture — but answers in the stages of the lead's funnel, which a CRM may define its own way. A stage_map
// ties the two: each class to one stage, either by stage kind and order or by names the user gives.

#include "leadscore/core/funnel.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscore {

/// Where a lead is in its lifecycle. suspect: fits but showed no interest yet; lead: showed interest; mql: interested,
/// not ready to buy soon; sql: intends to buy now; rejected: an inquiry without intent; nurture: parked (bought a
/// competitor's product, or cold for long). beyond: a stage past qualification (an opportunity or a later open
/// stage, won, lost, or a side stage the map does not use), which qualification leaves alone.
enum class lifecycle : std::uint8_t { suspect, lead, mql, sql, rejected, nurture, beyond };
/// The number of lifecycle classes, beyond included.
inline constexpr std::size_t lifecycle_count = 7;
/// "suspect", "lead", "mql", "sql", "rejected", "nurture", "beyond".
[[nodiscard]] std::string_view to_string(lifecycle c) noexcept;
/// The inverse of to_string, compared after normalize_name; nullopt for anything else.
[[nodiscard]] std::optional<lifecycle> parse_lifecycle(std::string_view s) noexcept;
/// suspect, lead, mql and sql: the classes on the funnel's open path, in order.
[[nodiscard]] constexpr bool is_open_class(lifecycle c) noexcept { return c <= lifecycle::sql; }

/// The lifecycle classes mapped onto a funnel's stages. Copies share the (immutable) funnel.
class stage_map {
public:
    /// suspect, lead, mql and sql take the first four open stages in order; rejected and nurture the first stage of
    /// kind rejected and nurture. Open stages after the fourth are past qualification. Throws definition_error, naming
    /// the funnel's stages and what is missing, when the funnel has fewer than four open stages or no stage of kind
    /// rejected or nurture — such a funnel needs a mapping by name.
    [[nodiscard]] static stage_map by_kind_and_order(funnel f);

    /// Every class from suspect to nurture given exactly once, by stage name (compared as funnel::find compares).
    /// Throws definition_error naming the class and stage when a class is missing or repeated, a name is not a stage
    /// of the funnel, an open class maps to a stage that is not open, the open classes' stages are out of funnel
    /// order (several classes may share a stage), or rejected or nurture maps to a stage that is not of kind
    /// rejected, nurture or lost.
    stage_map(funnel f, const std::vector<std::pair<lifecycle, std::string>>& names);

    /// The funnel the classes are mapped onto; stage indices index its stages.
    [[nodiscard]] const funnel& lead_funnel() const noexcept { return *funnel_; }
    /// The stage index a class maps to. Throws definition_error for lifecycle::beyond.
    [[nodiscard]] std::size_t stage_of(lifecycle c) const;
    /// The class of a stage. A stage several classes share counts as the later class (lead over suspect, nurture over
    /// rejected); an unmapped open stage before sql's stage as the class of the nearest mapped stage before it
    /// (suspect when there is none); an open stage after sql's, and every other unmapped stage, as beyond.
    /// Throws std::out_of_range for an index past the funnel.
    [[nodiscard]] lifecycle class_of(std::size_t stage) const { return class_of_.at(stage); }

    /// Equal when the funnels are equal and every class maps to the same stage.
    friend bool operator==(const stage_map& a, const stage_map& b);

private:
    stage_map(std::shared_ptr<const funnel> f, std::vector<std::size_t> stage_of);
    std::shared_ptr<const funnel> funnel_;
    std::vector<std::size_t> stage_of_;  // per class suspect..nurture
    std::vector<lifecycle> class_of_;    // per stage
};

} // namespace leadscore
