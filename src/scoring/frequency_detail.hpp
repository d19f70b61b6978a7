#pragma once
// Frequency tables' internals, shared by the files that implement them: the count store behind frequency_tables,
// a learner's record of one close, a table view's fields resolved against a definition, the model a policy scores
// with, and the text helpers they all use. Internal.

#include "leadscore/core/error.hpp"
#include "leadscore/scoring/frequency.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace leadscore::detail {

// ---- counts -------------------------------------------------------------------------------------------------

struct frequency_cell {
    std::int64_t won = 0, lost = 0, leads = 0;
    bool present = false;
};
/// A variable's rows in one partition: value index (0 = unset, code + 1) → counts. Sparse, so memory follows the
/// rows that exist, not teams × values.
using frequency_cells = std::unordered_map<std::uint32_t, frequency_cell>;
struct frequency_partition {
    std::vector<frequency_cell> stages;   // by stage position in the definition
    std::vector<frequency_cells> values;  // per variable
    std::size_t rows = 0;                 // present cells
};

/// What one lead's close added: undone exactly by a reopen.
struct frequency_close {
    std::size_t partition = 0;
    bool won = false;
    std::optional<std::size_t> stage; // stage position (lost: the stage it was lost at); nullopt: the lead had none
    std::vector<std::pair<std::uint32_t, std::uint32_t>> values; // (variable, value index)
};

struct frequency_resolved;

/// Everything frequency_tables holds. Partition 0 is "no team"; partition p > 0 is team code p - 1.
struct frequency_store {
    /// Validates the definition (see frequency_tables' constructor).
    explicit frequency_store(frequency_definition d);

    frequency_definition definition;
    std::int64_t smoothing = 100;
    std::vector<std::string> stage_keys;     // normalized stage names, by position
    std::vector<std::size_t> counted;        // positions of open and won stages, by (sequence, position)
    dictionary teams;
    std::vector<dictionary> values;          // per variable: value texts; value index = code + 1, 0 = unset
    std::vector<frequency_partition> partitions;

    [[nodiscard]] std::optional<std::size_t> find_partition(std::optional<std::string_view> team) const;
    std::size_t partition_for(std::optional<std::string_view> team);
    /// Throws definition_error for a stage the definition does not list.
    [[nodiscard]] std::size_t stage_position(std::string_view stage) const;
    /// The position of a stage text among the stages (compared normalized), or nullopt.
    [[nodiscard]] std::optional<std::size_t> find_stage(std::string_view stage) const;
    /// Throws definition_error for a field that is not a variable.
    [[nodiscard]] std::size_t variable_position(std::string_view variable) const;
    /// Interns a value; throws definition_error for an unset value of a variable without unset_is_value, or a value
    /// of a multi-valued variable that is not a single value.
    std::size_t value_index(std::size_t variable, std::optional<std::string_view> value);
    [[nodiscard]] std::optional<std::size_t> find_value_index(std::size_t variable,
                                                              std::optional<std::string_view> value) const;
    frequency_cell& stage_cell(std::size_t partition, std::size_t stage) { return partitions[partition].stages[stage]; }
    frequency_cell& value_cell(std::size_t partition, std::size_t variable, std::size_t value) {
        return partitions[partition].values[variable][static_cast<std::uint32_t>(value)];
    }
    [[nodiscard]] const frequency_cell* find_value_cell(std::size_t partition, std::size_t variable,
                                                        std::size_t value) const;
    /// Counts one lead into a cell, creating it at the smoothing.
    void add(frequency_cell& c, std::size_t partition, bool won);
    /// Takes one lead back out of a cell (a count that would drop to 0 or below becomes the smoothing).
    void remove(frequency_cell& c, std::size_t partition, bool won);
    void remove_value(std::size_t partition, std::size_t variable, std::size_t value, bool won);
    void set(frequency_cell& c, std::size_t partition, frequency_counts counts);
    /// Adds (or, with undo, takes back) what one close added.
    void apply(const frequency_close& close, bool undo);
    /// What the close of `row` adds (interning its team and values); every value is read and checked first.
    [[nodiscard]] std::shared_ptr<frequency_close> read_close(const frequency_resolved& r, const table_view& v,
                                                              std::size_t row, bool won);
};

/// The store behind a frequency_tables (the types that build on the tables reach it through here).
struct frequency_access {
    static frequency_store& store(frequency_tables& t) noexcept { return *t.store_; }
    static const frequency_store& store(const frequency_tables& t) noexcept { return *t.store_; }
};

/// A learner's state: its tables, the event ids seen, and each closed lead's record, by lead id.
struct frequency_ledger {
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    frequency_tables tables;
    std::unordered_set<std::string, text_hash, std::equal_to<>> events;
    std::unordered_map<std::string, std::shared_ptr<const frequency_close>, text_hash, std::equal_to<>> closes;
};

// ---- fields -------------------------------------------------------------------------------------------------

/// The fields of a view a definition reads, resolved once.
struct frequency_resolved {
    std::size_t stage = 0, lost_stage = 0;
    std::optional<std::size_t> team, outcome, id;
    std::vector<std::size_t> variables; // column per definition variable

    /// build: outcome required; event: lost stage and id read, outcome not; scoring: outcome optional, lost stage
    /// and id not read.
    enum class purpose { build, event, scoring };

    frequency_resolved(const frequency_definition& d, const schema& s, purpose use, const std::string& who);
};

// ---- the model a policy scores with -------------------------------------------------------------------------

/// The tables prepared for scoring: multi-valued rows below the minimum support dropped, per-variable totals, and
/// a pooled partition (the sum of all partitions' rows, "no team" included).
struct frequency_model {
    struct part {
        std::vector<frequency_cell> stages;
        std::vector<frequency_cells> values;             // per variable; empty for variables not scored
        std::vector<std::pair<std::int64_t, std::int64_t>> totals; // per variable: Σ won, Σ lost
        bool has_rows = false;
    };

    /// Throws definition_error for options frequency_policy refuses, or counts too large to pool.
    frequency_model(frequency_tables t, frequency_options o);

    [[nodiscard]] const frequency_store& store() const noexcept { return frequency_access::store(tables); }
    [[nodiscard]] const frequency_cell* value_cell(std::size_t p, std::size_t v, std::size_t vi) const {
        const auto& cells = parts[p].values[v];
        const auto it = cells.find(static_cast<std::uint32_t>(vi));
        return it != cells.end() && it->second.present ? &it->second : nullptr;
    }

    frequency_tables tables;
    frequency_options options;
    std::vector<bool> scored;   // per variable
    std::vector<part> parts;    // the tables' partitions, then the pooled one
    std::size_t pooled = 0;
};

// ---- a policy bound to a view --------------------------------------------------------------------------------

/// A lead's score when it is fixed without computation, by stage or outcome slot. An outcome slot of an invalid
/// value holds fixed_invalid; such a row throws before the value is used.
inline constexpr std::int8_t not_fixed = -1, fixed_zero = 0, fixed_one = 1, fixed_invalid = 2;

/// What frequency_policy::scorer holds: the fields resolved, and per context, slot and dictionary code the odds
/// factors, so a lead costs a handful of lookups and multiplies. Slots: 0 missing, code + 1, the last one for any
/// code outside the dictionary.
struct frequency_bound {
    struct variable {
        std::size_t variable = 0;               // index into the definition's variables
        std::size_t column = 0;
        const std::int32_t* codes = nullptr;    // categorical column, or
        const std::int8_t* flags = nullptr;     // boolean column
        std::uint32_t slots = 0;                // 0 = missing, 1 … = code + 1, slots - 1 = invalid code
        std::vector<double> factor;             // [context * slots + slot]: odds factor lost/won, 1 = skipped
    };
    struct context {
        std::size_t partition = 0;              // the model's partition
        std::optional<std::size_t> first_stage; // position of the first stage
    };

    std::shared_ptr<const frequency_model> model;
    table_view view;                            // spans and dictionaries of the bound table (no copy of data)
    std::size_t rows = 0;
    std::string stage_name;
    std::size_t stage_column = 0;
    const std::int32_t* stage_codes = nullptr;
    std::uint32_t stage_slots = 0;
    const std::int32_t* team_codes = nullptr;   // nullptr: every lead has no team
    std::uint32_t team_slots = 1;
    const std::int32_t* outcome_codes = nullptr;
    const std::int8_t* outcome_flags = nullptr;
    std::uint32_t outcome_slots = 1;
    std::string outcome_name, team_name;
    std::vector<std::uint32_t> context_of_team; // by team slot
    std::vector<context> contexts;
    std::vector<std::optional<std::size_t>> stage_of_slot; // stage position by stage slot
    std::vector<std::int8_t> stage_fixed;       // by stage slot: not_fixed, fixed_zero or fixed_one
    std::vector<double> stage_odds;             // [context * stage_slots + slot]
    std::vector<std::int8_t> outcome_fixed;     // by outcome slot: not_fixed, fixed_zero (lost), fixed_one (won)
    std::vector<variable> variables;

    [[nodiscard]] std::uint32_t team_slot(std::size_t row) const {
        if (team_codes == nullptr) return 0;
        return std::min(static_cast<std::uint32_t>(team_codes[row]) + 1U, team_slots - 1);
    }
    [[nodiscard]] std::uint32_t stage_slot(std::size_t row) const {
        return std::min(static_cast<std::uint32_t>(stage_codes[row]) + 1U, stage_slots - 1);
    }
    [[nodiscard]] std::uint32_t outcome_slot(std::size_t row) const;
    [[nodiscard]] static std::uint32_t slot_of(const variable& v, std::size_t row) {
        if (v.codes != nullptr) return std::min(static_cast<std::uint32_t>(v.codes[row]) + 1U, v.slots - 1);
        return std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(v.flags[row]) + 1), v.slots - 1);
    }

    /// Throws definition_error for a row past the end, input_error for a value outside its dictionary.
    void check_row(std::size_t row) const;
    /// Throws input_error naming the field and row of the first value outside its dictionary in the rows.
    [[noreturn]] void bad_code(std::size_t first, std::size_t count) const;
    /// The fixed score of a row (0 or 1) with its reason, or not_fixed.
    [[nodiscard]] int fixed_of(std::size_t row, std::string& reason) const;
    /// sL / sW of a row that is not fixed.
    [[nodiscard]] double odds_of(std::size_t row) const;
    [[nodiscard]] double score(std::size_t row) const;
    void score_batch(std::size_t first, std::span<double> out) const;
    template <bool HasTeam, int Outcome>
    void score_block(std::size_t first, std::span<double> out) const;
    /// Calls f(variable, value, pW, pL) for each value of the row's variables that has a row in the partition
    /// (pW, pL: its share of the variable's won and lost counts).
    template <class F>
    void for_each_value(std::size_t row, std::size_t partition, F&& f) const;
};

// ---- text helpers -------------------------------------------------------------------------------------------

// 10^12 leads a count: thousands of such rows still sum below 2^63; pooling checks its sums anyway.
inline constexpr std::int64_t frequency_max_units = 1'000'000'000'000'000;

/// A count in leads as thousandths; nullopt when not finite, negative, too large or not whole thousandths.
[[nodiscard]] std::optional<std::int64_t> frequency_units(double leads);

/// The pieces of a multi-valued text: split at sep, spaces and tabs around each removed, empty pieces and repeats
/// dropped (first occurrence kept).
[[nodiscard]] std::vector<std::string_view> split_values(std::string_view text, char sep);

/// Open and won stages are counted; lost, rejected and nurture stages are not.
[[nodiscard]] inline bool is_counted(stage_kind k) noexcept { return k == stage_kind::open || k == stage_kind::won; }

/// A lead's outcome as an outcome field gives it; `invalid` for a text or flag that is none of the three.
enum class frequency_outcome : std::uint8_t { open, won, lost, invalid };

/// "won", "lost", "open" (any case); invalid for any other text.
[[nodiscard]] frequency_outcome outcome_of_text(std::string_view text);

[[nodiscard]] std::string row_prefix(std::size_t row);
/// "(unset)" for an unset value.
[[nodiscard]] std::string value_text(std::optional<std::string_view> v);
/// "team 'x'" or "no team".
[[nodiscard]] std::string describe_team(std::optional<std::string_view> team);

/// A categorical cell as text; nullopt when missing. Throws input_error for a code outside the dictionary.
[[nodiscard]] std::optional<std::string_view> text_at(const table_view& v, std::size_t col, std::size_t row);
/// A variable's value as text ("true" / "false" for booleans); nullopt when missing.
[[nodiscard]] std::optional<std::string_view> variable_text(const table_view& v, std::size_t col, std::size_t row);
/// The outcome of a row (missing = open). Throws input_error for another text or flag.
[[nodiscard]] frequency_outcome outcome_at(const table_view& v, std::size_t col, std::size_t row);
/// The stage position a lost lead counts at, or nullopt without stage. Throws input_error for a stage that is not
/// counted (a closed stage, or one the definition does not list).
[[nodiscard]] std::optional<std::size_t> lost_stage_at(const frequency_store& t, const table_view& v, std::size_t col,
                                                       std::size_t row);

} // namespace leadscore::detail
