#pragma once
// Funnels: the ordered stages a lead moves through, from first interest to sale.

#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/time.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// What a stage means for the lead's path through the funnel.
enum class stage_kind : std::uint8_t {
    open,     ///< still moving; open stages are the funnel's steps, in order
    won,      ///< closed: the sale
    lost,     ///< closed without a sale
    rejected, ///< an inquiry without intent
    nurture   ///< parked for later (bought a competitor's product, or not ready)
};
/// The kind's name as files spell it: "open", "won", "lost", "rejected", "nurture".
[[nodiscard]] std::string_view to_string(stage_kind k) noexcept;
/// The kind of a name spelled as to_string spells it (exact match); nullopt for anything else.
[[nodiscard]] std::optional<stage_kind> parse_stage_kind(std::string_view s) noexcept;

/// One stage of a funnel.
struct stage {
    std::string name;                   ///< as given; look-ups compare it after normalize_name
    stage_kind kind = stage_kind::open; ///< what reaching the stage means
    /// Equal when every field is equal.
    friend bool operator==(const stage&, const stage&);
};

/// A validated list of stages. Open stages are listed in funnel order (the first is the top of the funnel);
/// the other kinds may appear anywhere. Stage indices are positions in this list.
class funnel {
public:
    /// Validates and takes the stages. Throws definition_error when: there are no stages, a name is empty or
    /// repeated (compared after normalize_name), there is no open stage or no won stage.
    explicit funnel(std::vector<stage> stages);

    /// suspect → lead → mql → sql → opportunity → won, with lost, rejected and nurture.
    [[nodiscard]] static const funnel& standard();

    /// Every stage, in the order given; a position here is a stage index.
    [[nodiscard]] std::span<const stage> stages() const noexcept { return {stages_.data(), stages_.size()}; }
    /// Number of stages of every kind.
    [[nodiscard]] std::size_t size() const noexcept { return stages_.size(); }
    /// The stage at an index; throws std::out_of_range past the end.
    [[nodiscard]] const stage& operator[](std::size_t i) const { return stages_.at(i); }

    /// Index of a stage by name (normalized: "MQL" finds "mql").
    [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const;
    /// Like find; an unknown name throws definition_error naming it and the funnel's stages.
    [[nodiscard]] std::size_t at(std::string_view name) const;

    /// Position among the open stages (0 = top of the funnel), or nullopt for a closed or side stage.
    [[nodiscard]] std::optional<std::size_t> open_rank(std::size_t stage_index) const;
    /// The first open stage: where a new lead enters.
    [[nodiscard]] std::size_t entry() const noexcept { return open_.front(); }
    /// Indices of the open stages in funnel order.
    [[nodiscard]] std::span<const std::size_t> open_stages() const noexcept { return {open_.data(), open_.size()}; }
    /// Index of the first stage of the given kind, if any.
    [[nodiscard]] std::optional<std::size_t> first_of(stage_kind k) const noexcept;

    /// Equal when both list the same stages in the same order (names compared as given, not normalized).
    friend bool operator==(const funnel& a, const funnel& b);

private:
    std::vector<stage> stages_;
    std::vector<std::size_t> open_;
};

/// One entry of a stage history: a lead entered a stage at a time. value and source are optional.
struct stage_event {
    std::string lead_id;         ///< the lead's key in the CRM
    std::string stage;           ///< a stage name of the funnel
    timestamp entered{};         ///< when the lead entered the stage
    std::optional<double> value; ///< the deal value known at that entry
    std::string source;          ///< the lead's source name; empty = none
    /// Equal when every field is equal.
    friend bool operator==(const stage_event&, const stage_event&);
};

/// Stage entries of many leads, column by column (about 28 bytes an entry): entry i says that lead
/// lead_ids[lead[i]] entered stage stages[stage[i]] at entered[i], with value[i] and source sources[source[i]].
/// Texts are dictionary-encoded, as in a lead_table.
struct stage_history {
    dictionary lead_ids;               ///< distinct lead ids
    dictionary stages;                 ///< distinct stage names
    dictionary sources;                ///< distinct source names
    std::vector<std::int32_t> lead;    ///< per entry: a code of lead_ids
    std::vector<std::int32_t> stage;   ///< per entry: a code of stages
    std::vector<std::int32_t> source;  ///< per entry: a code of sources, or missing_code for none
    std::vector<std::int64_t> entered; ///< per entry: seconds since the epoch; missing_time for an undated entry
    std::vector<double> value;         ///< per entry: the deal value, NaN for none

    /// Number of entries (every per-entry column has this length).
    [[nodiscard]] std::size_t size() const noexcept { return lead.size(); }
    /// Whether there are no entries.
    [[nodiscard]] bool empty() const noexcept { return lead.empty(); }
    /// Appends one entry. An empty source is stored as missing; a value of nullopt or NaN as NaN.
    void append(const stage_event& e);
    /// Entry i as an object. Throws std::out_of_range past the end.
    [[nodiscard]] stage_event operator[](std::size_t i) const;
    /// Makes room in the per-entry columns for `entries` entries in all (the dictionaries are left as they are).
    void reserve(std::size_t entries);
    /// Gives back spare capacity of the columns and dictionaries.
    void shrink_to_fit();
    /// Heap bytes held (capacity included).
    [[nodiscard]] std::size_t memory_bytes() const noexcept;
    /// Same entries in the same order (texts compared, not codes; NaN values equal).
    friend bool operator==(const stage_history& a, const stage_history& b);
};

} // namespace leadscore
