#pragma once
// Stage conversion: per stage, how many leads entered, moved forward, dropped out or are still there, overall and
// broken down by a per-lead key. Counted by a mergeable accumulator (integers only, so merges are exact).

#include "leadscore/funnel/history.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leadscore {

/// Counts of leads (not entries) for one stage. For each lead that entered the stage, its *first* entry there
/// decides: entered = converted + dropped + stayed.
struct stage_counts {
    std::uint64_t entered = 0;   ///< leads with at least one entry in the stage
    /// … that later entered a forward stage: an open stage of higher funnel rank, or a won stage. For a stage that
    /// is not open (won, lost, rejected, nurture), only a later won entry is forward (a reactivated lead).
    std::uint64_t converted = 0;
    /// … converted with both times known and the forward entry at most window after the stage entry
    /// (conversion_options::window; equals 0 when no window is set).
    std::uint64_t converted_in_window = 0;
    std::uint64_t dropped = 0;   ///< … not converted, and left the stage (lost, rejected, parked, or moved back)
    std::uint64_t stayed = 0;    ///< … not converted, and the stage is the lead's last entry (open leads stay)
    std::uint64_t won = 0;       ///< … with a won entry at or after entering the stage: P(win | reached)

    /// converted / entered (NaN when nobody entered).
    [[nodiscard]] double conversion_rate() const noexcept;
    /// converted / (converted + dropped): the rate among leads that left the stage, which open leads do not bias.
    [[nodiscard]] double closed_conversion_rate() const noexcept;
    /// converted_in_window / entered.
    [[nodiscard]] double window_conversion_rate() const noexcept;
    /// dropped / entered.
    [[nodiscard]] double drop_off_rate() const noexcept;
    /// won / entered.
    [[nodiscard]] double win_rate() const noexcept;

    /// Adds another part's counts for the same stage.
    stage_counts& operator+=(const stage_counts& o) noexcept;
    /// Equal when every count is equal.
    friend bool operator==(const stage_counts&, const stage_counts&) = default;
};

/// The counts of one group of leads (one label of a breakdown key, or everybody).
struct conversion_group {
    std::uint64_t leads = 0;     ///< leads with at least one entry
    std::uint64_t won_leads = 0; ///< leads with a won entry
    std::vector<stage_counts> stages; ///< one per funnel stage, in funnel order

    /// won_leads / leads: overall conversion (NaN when empty).
    [[nodiscard]] double overall_conversion() const noexcept;
    /// stages[s].entered / stages[entry].entered: the share of the funnel's entrants that reached stage s.
    [[nodiscard]] double reached(std::size_t s, std::size_t entry) const noexcept;

    /// Adds another part's counts of the same group, stage by stage (stages grows to the longer of the two).
    conversion_group& operator+=(const conversion_group& o);
    /// Equal when every field is equal.
    friend bool operator==(const conversion_group&, const conversion_group&);
};

/// How stage conversion is counted.
struct conversion_options {
    /// Conversion window: a conversion counts in converted_in_window when the forward entry is at most this long
    /// after the stage entry. nullopt = no window.
    std::optional<std::chrono::seconds> window;
    /// Threads for add(); 0 = every hardware thread. Results do not depend on it.
    unsigned threads = 0;
};

/// Stage conversion of many leads. Fill it from one or more partitions of a history (partitioned by lead: all
/// entries of a lead in one part), merge the parts; the result equals that of the whole.
class conversion_accumulator {
public:
    /// Counts for this funnel (a copy is kept, so accumulators of partitions can be checked for a match).
    explicit conversion_accumulator(const funnel& f, conversion_options options = {});

    /// Adds every lead of j (its funnel must equal this one's), grouped by `key` (nullptr: one group, label "").
    /// The key must have one code per lead of j. Throws definition_error otherwise.
    void add(const journeys& j, const lead_key* key = nullptr);
    /// Adds leads [begin, end) of j only.
    void add(const journeys& j, const lead_key* key, std::size_t begin, std::size_t end);
    /// Adds another accumulator's counts (same funnel and window, else definition_error).
    void merge(const conversion_accumulator& other);

    /// Counts by label (leads with a missing key under no_label), labels in ascending order.
    [[nodiscard]] const std::map<std::string, conversion_group, std::less<>>& groups() const noexcept { return groups_; }
    /// The sum over all groups.
    [[nodiscard]] conversion_group total() const;
    /// The funnel counted (the accumulator's copy).
    [[nodiscard]] const leadscore::funnel& stages() const noexcept { return funnel_; }
    /// The options given at construction.
    [[nodiscard]] const conversion_options& options() const noexcept { return options_; }

    /// Same funnel, window and counts (threads ignored).
    friend bool operator==(const conversion_accumulator& a, const conversion_accumulator& b);

private:
    friend struct detail::archive::description<conversion_accumulator>; // archives (io/serialize_funnel.hpp)
    leadscore::funnel funnel_;
    conversion_options options_;
    std::map<std::string, conversion_group, std::less<>> groups_;
};

/// a merged with b (see conversion_accumulator::merge).
[[nodiscard]] conversion_accumulator merge(conversion_accumulator a, const conversion_accumulator& b);

/// Convenience: the conversion of a whole history.
[[nodiscard]] conversion_accumulator compute_conversion(const journeys& j, const lead_key* key = nullptr,
                                                        conversion_options options = {});

} // namespace leadscore
