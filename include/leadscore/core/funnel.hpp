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

/// open: still moving; won / lost: closed; rejected: an inquiry without intent;
/// nurture: parked for later (bought a competitor's product, or not ready).
enum class stage_kind : std::uint8_t { open, won, lost, rejected, nurture };
[[nodiscard]] std::string_view to_string(stage_kind k) noexcept;
[[nodiscard]] std::optional<stage_kind> parse_stage_kind(std::string_view s) noexcept;

struct stage {
    std::string name;
    stage_kind kind = stage_kind::open;
    friend bool operator==(const stage&, const stage&) = default;
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

    [[nodiscard]] std::span<const stage> stages() const noexcept { return stages_; }
    [[nodiscard]] std::size_t size() const noexcept { return stages_.size(); }
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
    [[nodiscard]] std::span<const std::size_t> open_stages() const noexcept { return open_; }
    /// Index of the first stage of the given kind, if any.
    [[nodiscard]] std::optional<std::size_t> first_of(stage_kind k) const noexcept;

    friend bool operator==(const funnel& a, const funnel& b);

private:
    std::vector<stage> stages_;
    std::vector<std::size_t> open_;
};

/// One entry of a stage history: a lead entered a stage at a time. value and source are optional.
struct stage_event {
    std::string lead_id;
    std::string stage;
    timestamp entered{};
    std::optional<double> value;
    std::string source;
    friend bool operator==(const stage_event&, const stage_event&) = default;
};

/// Stage entries of many leads, column by column (about 28 bytes an entry): entry i says that lead
/// lead_ids[lead[i]] entered stage stages[stage[i]] at entered[i], with value[i] (NaN = none) and source
/// sources[source[i]] (missing_code = none). Texts are dictionary-encoded, as in a lead_table.
struct stage_history {
    dictionary lead_ids, stages, sources;
    std::vector<std::int32_t> lead, stage, source;
    std::vector<std::int64_t> entered;
    std::vector<double> value;

    [[nodiscard]] std::size_t size() const noexcept { return lead.size(); }
    [[nodiscard]] bool empty() const noexcept { return lead.empty(); }
    /// Appends one entry. An empty source is stored as missing; a value of nullopt or NaN as NaN.
    void append(const stage_event& e);
    /// Entry i as an object. Throws std::out_of_range past the end.
    [[nodiscard]] stage_event operator[](std::size_t i) const;
    void reserve(std::size_t entries);
    void shrink_to_fit();
    /// Heap bytes held (capacity included).
    [[nodiscard]] std::size_t memory_bytes() const noexcept;
    /// Same entries in the same order (texts compared, not codes; NaN values equal).
    friend bool operator==(const stage_history& a, const stage_history& b);
};

} // namespace leadscore
