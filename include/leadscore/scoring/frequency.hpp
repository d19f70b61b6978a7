#pragma once
// Frequency-table naive Bayes: the predictive lead scoring of Odoo CRM, as a leadscore policy.
//
// Closed leads (won or lost) are counted per partition (a team; leads without team form the "no team"
// partition), per variable, per value: a won count and a lost count, each row created at a smoothing value.
// An open lead's probability is the naive Bayes product over its stage and its variables' values, read from
// its team's rows, or from the rows of all partitions pooled when its team has none.
//
// The parts:
//   frequency_definition  what is counted: stages (order, won stages, team-specific stages), variables, smoothing
//   frequency_tables      the counts (a value: rebuilt from a table, set by hand, merged, compared)
//   frequency_learner     the counts kept up to date from won / lost / reopen events, each applied once per event id
//   frequency_policy      a snapshot of tables + scoring options: a ScoringPolicy on the probability scale
//
// Counts are fixed point, in thousandths of a lead, so an incrementally updated table equals a rebuilt one
// exactly, and merges are exact.

#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"
#include "leadscore/scoring/policy.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscore {

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

/// A stage as frequency tables see it. Stages of kind open and won are counted; a lead in a won stage scores 1.
/// Stages of kind lost, rejected or nurture are closed without a sale: they are not counted and score 0.
/// Team-specific stages are counted like the others (a lost lead counts on every stage of lower or equal sequence,
/// whoever uses it); they decide a team's first stage, the lowest-sequence stage the team uses, whose counts are
/// the team's won and lost totals.
struct frequency_stage {
    std::string name;                    ///< compared with the table's stage texts after normalize_name
    stage_kind kind = stage_kind::open;  ///< open or won: counted; lost, rejected, nurture: not counted (see above)
    std::int32_t sequence = 0;           ///< funnel position: lower is earlier; equal sequences are allowed
    std::vector<std::string> teams;      ///< empty: every team uses the stage; otherwise only these teams do
    /// Equal when every field is equal.
    friend bool operator==(const frequency_stage&, const frequency_stage&);
};

/// The stages of a funnel: its open stages in funnel order (sequences 1, 2, …), then its won stages, then its
/// lost, rejected and nurture stages (sequence 0, not counted). Every stage is shared by all teams.
[[nodiscard]] std::vector<frequency_stage> frequency_stages(const funnel& f);

/// Stages from names: `open` in funnel order (sequences 1, 2, …), then the `won` stages after them.
[[nodiscard]] std::vector<frequency_stage> frequency_stages(const std::vector<std::string>& open,
                                                            const std::vector<std::string>& won);

/// A field whose values are counted.
struct frequency_variable {
    std::string field;            ///< a categorical or boolean field (booleans count as the values "true" / "false")
    bool unset_is_value = false;  ///< a missing value is counted and scored as the value "unset" (email or phone
                                  ///< quality); otherwise missing values are neither counted nor scored
    char separator = '\0';        ///< not '\0': the text holds several values separated by this character (tags);
                                  ///< each value is counted on its own, spaces around it removed, repeats once
    /// Equal when every field is equal.
    friend bool operator==(const frequency_variable&, const frequency_variable&);
};

/// What frequency tables count, and the fields they read. Empty field names mean "the field holding the role".
struct frequency_definition {
    std::vector<frequency_stage> stages;       ///< at least one open and one won stage; names unique (normalized)
    std::vector<frequency_variable> variables; ///< the fields whose values are counted, each once
    /// The count a row is created with (additive smoothing, applied once), and what a decremented count that
    /// would reach 0 or below becomes. Must be a positive whole number of thousandths of a lead.
    double smoothing = 0.1;
    std::string stage_field;      ///< categorical; default: the field with role stage (required)
    std::string team_field;       ///< categorical; default: role team — without such a field every lead has no team
    std::string outcome_field;    ///< categorical (won / lost / open, any case; missing = open) or boolean (true =
                                  ///< won, false = lost, missing = open); default: role outcome
    std::string lost_stage_field; ///< categorical: the stage a lost lead was lost at; default: the stage field
    std::string id_field;         ///< categorical: the lead id the learner keys closes by; default: role id
    /// Equal when every field is equal.
    friend bool operator==(const frequency_definition&, const frequency_definition&);
};

// ---------------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------------

/// Counts are kept in thousandths of a lead: one lead is 1000, the default smoothing 0.1 is 100.
inline constexpr std::int64_t frequency_unit = 1000;

/// "No team": the partition of leads without a team (pass where a team name is asked for).
inline constexpr std::nullopt_t no_team = std::nullopt;
/// The "unset" value of a variable whose unset_is_value is true (pass where a value is asked for).
inline constexpr std::nullopt_t frequency_unset = std::nullopt;

/// A row's won and lost counts, in thousandths of a lead (see frequency_unit).
struct frequency_counts {
    std::int64_t won = 0;  ///< won leads, in thousandths
    std::int64_t lost = 0; ///< lost leads, in thousandths

    /// Counts given in leads (1.1 → 1100). Throws definition_error unless both are finite, ≥ 0, at most 10^12
    /// and whole thousandths.
    [[nodiscard]] static frequency_counts of(double won_leads, double lost_leads);
    /// The won count in leads (1100 → 1.1).
    [[nodiscard]] double won_leads() const noexcept { return static_cast<double>(won) / frequency_unit; }
    /// The lost count in leads.
    [[nodiscard]] double lost_leads() const noexcept { return static_cast<double>(lost) / frequency_unit; }
    /// Equal when both counts are equal.
    friend bool operator==(const frequency_counts&, const frequency_counts&) = default;
    /// Ordered by won, then lost.
    friend auto operator<=>(const frequency_counts&, const frequency_counts&) = default;
};

/// One row of the tables, in plain types (what a listing, an archive or a configuration file holds).
struct frequency_row {
    std::optional<std::string> team;      ///< nullopt: no team
    std::optional<std::string> variable;  ///< the variable's field; nullopt for a stage row
    std::optional<std::string> value;     ///< the value, or the stage name of a stage row; nullopt: unset
    frequency_counts counts;              ///< the row's won and lost counts
    std::int64_t leads = 0;               ///< closed leads counted into the row and not undone (0 when set by hand)
    /// Equal when every field is equal.
    friend bool operator==(const frequency_row&, const frequency_row&);
    /// Ordered field by field: team, variable, value, counts, leads (nullopt first).
    friend std::strong_ordering operator<=>(const frequency_row&, const frequency_row&);
};

namespace detail {
struct frequency_store;   // the counts and the texts they are keyed by
struct frequency_access;  // how the types built on the tables reach the store
struct frequency_ledger;  // a learner's tables, seen events and recorded closes
struct frequency_model;   // a policy's tables prepared for scoring
struct frequency_bound;   // a policy bound to a view
} // namespace detail

/// Won / lost counts per partition × variable × value, and per partition × stage.
///
/// Counting a closed lead (rebuild or learner): every row it touches is created at the smoothing value if new,
/// then gets +1 won or +1 lost. Stages: a won lead adds 1 won to every counted stage; a lost lead adds 1 lost to
/// the stage it was lost at and to every counted stage of lower or equal sequence (so the first stage holds the
/// totals). A lead without stage counts no stage row. Variables: each value once (a multi-valued field: each of
/// its values); missing values only where unset_is_value.
class frequency_tables {
public:
    /// Empty tables. Throws definition_error naming the fault: smoothing not positive, not finite or not a whole
    /// number of thousandths; no stage, a stage with an empty or repeated name (normalized), no open or no won
    /// stage, an empty team name; a variable with an empty or repeated field, both unset_is_value and a separator,
    /// a field that is also the stage, team, outcome, lost-stage or id field.
    explicit frequency_tables(frequency_definition definition);
    /// Tables holding the given rows. Throws definition_error for a definition fault (see above), an unknown
    /// stage or variable, an unset value of a variable without unset_is_value, a value of a multi-valued variable
    /// that is not a single value, a repeated row, a count below 0 or above 10^15 thousandths.
    frequency_tables(frequency_definition definition, std::span<const frequency_row> rows);

    /// The counts of every closed lead of `rows` (outcome won or lost; open and missing outcomes are skipped).
    /// Throws definition_error for a missing field or a field of the wrong type, and input_error naming row and
    /// field for an outcome that is neither won, lost nor open, or a lost lead whose stage (lost-stage field) is
    /// not a counted stage.
    [[nodiscard]] static frequency_tables build(frequency_definition definition, const table_view& rows);

    /// The validated definition.
    [[nodiscard]] const frequency_definition& definition() const noexcept;
    /// The smoothing in thousandths of a lead.
    [[nodiscard]] std::int64_t smoothing_units() const noexcept;

    /// Whether a partition has any row.
    [[nodiscard]] bool has_rows(std::optional<std::string_view> team) const;
    /// The teams whose partitions have rows, "no team" (nullopt) first, then in order of first appearance.
    [[nodiscard]] std::vector<std::optional<std::string>> partitions() const;
    /// The counts of a stage row, or nullopt when there is none. Throws definition_error for an unknown stage.
    [[nodiscard]] std::optional<frequency_counts> stage_counts(std::optional<std::string_view> team,
                                                               std::string_view stage) const;
    /// The counts of a value row, or nullopt when there is none. Throws definition_error for an unknown variable.
    [[nodiscard]] std::optional<frequency_counts> value_counts(std::optional<std::string_view> team,
                                                               std::string_view variable,
                                                               std::optional<std::string_view> value) const;
    /// Creates or overwrites a stage row (its lead count is kept, 0 for a new row).
    void set_stage_counts(std::optional<std::string_view> team, std::string_view stage, frequency_counts counts);
    /// Creates or overwrites a value row (its lead count is kept, 0 for a new row).
    void set_value_counts(std::optional<std::string_view> team, std::string_view variable,
                          std::optional<std::string_view> value, frequency_counts counts);

    /// Moves a team's rows into "no team" (what a CRM does when it deletes the team): rows whose counts are both
    /// at or below the smoothing are dropped; where "no team" has the row, both counts are rounded half up to
    /// whole leads and added (a sum at or below the smoothing becomes the smoothing); other rows move as they
    /// are. The team's partition is then empty. Merging "no team" or a team without rows changes nothing.
    void merge_into_no_team(std::string_view team);

    /// Every row, sorted by (team, variable, value) with "no team", stage rows and unset values first.
    [[nodiscard]] std::vector<frequency_row> rows() const;
    /// The number of rows.
    [[nodiscard]] std::size_t size() const noexcept;

    /// Same definition and the same rows (texts compared, not internal codes).
    friend bool operator==(const frequency_tables& a, const frequency_tables& b);

    /// A deep copy.
    frequency_tables(const frequency_tables& other);
    /// Takes the counts over; the moved-from object may only be assigned to or destroyed.
    frequency_tables(frequency_tables&&) noexcept;
    /// A deep copy.
    frequency_tables& operator=(const frequency_tables& other);
    /// Takes the counts over; the moved-from object may only be assigned to or destroyed.
    frequency_tables& operator=(frequency_tables&&) noexcept;
    ~frequency_tables();

private:
    friend struct detail::frequency_access;
    std::unique_ptr<detail::frequency_store> store_; // never null, except in a moved-from object
};

// ---------------------------------------------------------------------------------------------------------------
// Incremental learning
// ---------------------------------------------------------------------------------------------------------------

/// What an event did.
enum class frequency_update : std::uint8_t {
    applied,    ///< the tables changed
    repeated,   ///< the event id was seen before: nothing changed
    not_closed, ///< a reopen of a lead with no recorded close: nothing changed
};
/// "applied", "repeated" or "not_closed".
[[nodiscard]] std::string_view to_string(frequency_update u) noexcept;

/// Frequency tables kept up to date from a CRM's events. Each closed lead's contribution is recorded under its
/// lead id, so a reopen undoes exactly what that lead's close added (whatever the lead looks like now), and every
/// event id is applied at most once. A row whose counted leads all left again is removed, so the tables equal a
/// rebuild from the same leads.
class frequency_learner {
public:
    /// Empty tables (see frequency_tables for the definition's validation).
    explicit frequency_learner(frequency_definition definition);

    /// Replaces the tables with the counts of the closed leads of `rows` (see frequency_tables::build) and the
    /// record of closes with theirs, keyed by the id field (rows without id are counted but cannot be reopened).
    /// Event ids seen before stay seen. Throws input_error for a lead id closed in two rows.
    void rebuild(const table_view& rows);

    /// The lead of `row` was won (lost). A lead already recorded as closed is reopened first, so the tables
    /// hold its latest close only. Throws input_error when the row has no lead id, and as build for bad values.
    frequency_update won(std::string_view event_id, const table_view& rows, std::size_t row);
    /// The lead of `row` was lost (see won).
    frequency_update lost(std::string_view event_id, const table_view& rows, std::size_t row);
    /// The same for a lead object, read through a one-row table of `fields` (see lead_table::from_leads); the
    /// outcome field, if any, is not read.
    frequency_update won(std::string_view event_id, const lead& l, const schema& fields);
    /// The lost form for a lead object (see the won form above).
    frequency_update lost(std::string_view event_id, const lead& l, const schema& fields);
    /// The lead is open again: what its close added is taken back (a count that would drop to 0 or below becomes
    /// the smoothing).
    frequency_update reopened(std::string_view event_id, std::string_view lead_id);

    /// frequency_tables::merge_into_no_team; leads of the team that are reopened later are taken out of "no team".
    void merge_into_no_team(std::string_view team);

    /// The current counts.
    [[nodiscard]] const frequency_tables& tables() const noexcept;
    /// Whether a close of the lead is recorded.
    [[nodiscard]] bool is_closed(std::string_view lead_id) const;
    /// Whether an event id was applied (or seen as a repeat).
    [[nodiscard]] bool seen(std::string_view event_id) const;

    /// A deep copy (tables, recorded closes and seen event ids).
    frequency_learner(const frequency_learner& other);
    /// Takes the state over; the moved-from object may only be assigned to or destroyed.
    frequency_learner(frequency_learner&&) noexcept;
    /// A deep copy (tables, recorded closes and seen event ids).
    frequency_learner& operator=(const frequency_learner& other);
    /// Takes the state over; the moved-from object may only be assigned to or destroyed.
    frequency_learner& operator=(frequency_learner&&) noexcept;
    ~frequency_learner();

private:
    frequency_update close(std::string_view event_id, const table_view& rows, std::size_t row, bool won);

    std::unique_ptr<detail::frequency_ledger> ledger_; // never null, except in a moved-from object
};

// ---------------------------------------------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------------------------------------------

/// Scoring knobs of a frequency_policy.
struct frequency_options {
    /// A value of a multi-valued variable whose won + lost count (in leads) is below this is skipped, in every
    /// partition's own rows and before pooling. Finite, ≥ 0.
    double minimum_support = 50;
    /// A lead without team, or whose team has no rows, is scored from the rows of all partitions pooled ("no team"
    /// included). Off: a lead without team uses the "no team" rows, and a lead whose team has no rows is not
    /// computable.
    bool pooled_fallback = true;
    /// The variables scored, by field (each must be a variable of the tables); nullopt: all of them.
    std::optional<std::vector<std::string>> variables;
    /// Equal when every field is equal.
    friend bool operator==(const frequency_options&, const frequency_options&);
};

/// One factor of Odoo's explanation: score = pW / (pW + pL), where pW (pL) is the share of won (lost) leads that
/// have the value; for the stage, 1 − lost(stage) / lost(first stage). Above 0.5 the factor helps.
struct frequency_factor {
    std::string variable;              ///< the field (the stage field for the stage)
    std::optional<std::string> value;  ///< nullopt: unset
    double score = 0;                  ///< pW / (pW + pL), in [0, 1]
    /// Equal when every field is equal.
    friend bool operator==(const frequency_factor&, const frequency_factor&);
};

/// Odoo's explanation of a lead's probability.
struct frequency_factors {
    double probability = 0;              ///< the score (as frequency_policy::scorer::score)
    std::vector<frequency_factor> top;   ///< up to 3 factors above 0.5, highest first
    std::vector<frequency_factor> low;   ///< up to 3 factors below 0.5, lowest first
};

/// The frequency-table naive Bayes policy (Odoo CRM's predictive lead scoring with smoothing 0.1, minimum support
/// 50 and pooled fallback). Scale: probability.
///
/// Scoring a lead: outcome lost → 0, outcome won → 1 (when the table has an outcome field); no stage → 0; a won
/// stage → 1; a lost / rejected / nurture stage → 0. Otherwise, with W, L the won and lost counts of the first
/// stage (lowest sequence) the lead's team uses, in the lead's partition: sW = W, sL = L; the stage row, when
/// present, gives sW ×= won(stage)/W, sL ×= lost(stage)/L; every scored variable value that has a row gives
/// sW ×= won(value)/Σwon, sL ×= lost(value)/Σlost over the rows of that variable (values without a row, and
/// multi-valued ones below the minimum support, are skipped). The probability is sW/(sW + sL), rounded as Odoo
/// does (the percentage to 2 decimals, ties to even on the exact binary value), clamped to [0.0001, 0.9999].
/// When there is no first-stage row, or W or L is 0, the score is NaN: "not computable, keep whatever probability
/// the lead had" (see update_probabilities).
///
/// bind resolves the stage, team, outcome and variable fields of the definition (by name, or by role when the name
/// is empty) and precomputes per partition, variable and dictionary code the factor, so a lead costs a handful of
/// lookups and multiplies. Engagement events are not read, so as_of changes nothing: the tables are the snapshot.
class frequency_policy {
public:
    /// Throws definition_error for minimum_support negative or not finite, or a scored variable that is not a
    /// variable of the tables (or repeated).
    explicit frequency_policy(frequency_tables tables, frequency_options options = {});

    /// Probability (NaN where not computable).
    [[nodiscard]] score_scale scale() const noexcept { return score_scale::probability; }
    /// The snapshot of tables the policy scores with.
    [[nodiscard]] const frequency_tables& tables() const noexcept;
    /// The scoring options, as validated.
    [[nodiscard]] const frequency_options& options() const noexcept;
    /// The stage, team and outcome fields (by name where the definition names them, else by role), then every
    /// variable of the definition (bind resolves them all, scored or not); no events.
    [[nodiscard]] policy_fields fields_read() const;

    /// The policy bound to one view. Holds the prepared tables (no reference to the policy) and borrows the view's
    /// columns; copies share the bound state.
    class scorer {
    public:
        /// The probability of `row`, as the class comment computes it; the contract is in
        /// leadscore/scoring/policy.hpp.
        [[nodiscard]] double score(std::size_t row) const;
        /// Rows [first, first + out.size()), column by column.
        void score_batch(std::size_t first, std::span<double> out) const;
        /// Additive in log-odds: "prior" = log(W/L), then one factor per stage or value used,
        /// log((won/Σwon) / (lost/Σlost)), named "field=value" ("field=(unset)" for unset); they sum to `total` =
        /// logit of the probability before rounding. A lead scored 0, 1 or NaN without computation gets one factor
        /// naming the reason, contribution 0, and additive = false.
        [[nodiscard]] explanation explain(std::size_t row) const;
        /// Odoo's explanation: the factor scores, top 3 above 0.5 and 3 lowest below 0.5 (compared at two
        /// decimals, as Odoo does, so |score − 0.5| < 0.005 is neutral). Nonsense is dropped for unset_is_value
        /// variables: unset or "incorrect" scoring above 0.5, "correct" scoring below it.
        [[nodiscard]] frequency_factors factors(std::size_t row) const;

    private:
        friend class frequency_policy;
        explicit scorer(std::shared_ptr<const detail::frequency_bound> b) : bound_(std::move(b)) {}
        std::shared_ptr<const detail::frequency_bound> bound_; // immutable once bound, so copies may share it
    };

    /// Resolves the fields and precomputes the factors. Throws definition_error for a missing stage or variable
    /// field, a field of the wrong type, a named team / outcome field that is missing, a stage text that is not one
    /// of the definition's stages, an outcome text that is neither won, lost nor open. Scoring throws input_error
    /// naming field and row for a code outside its dictionary.
    [[nodiscard]] scorer bind(const table_view& rows, timestamp as_of) const;

    /// Same tables and options.
    friend bool operator==(const frequency_policy& a, const frequency_policy& b);

private:
    std::shared_ptr<const detail::frequency_model> model_;
};

/// Copies each computed score into `probabilities` and keeps the caller's value where the score is NaN (not
/// computable). Returns the number of values written. Throws definition_error when the sizes differ.
std::size_t update_probabilities(std::span<const double> scores, std::span<double> probabilities);

/// Odoo's rounding of a probability: the percentage rounded to 2 decimals (ties to even on the exact binary
/// value, as Python's round), clamped to [0.01, 99.99], divided by 100 (33.49 % → 0.3349). NaN stays NaN.
[[nodiscard]] double frequency_round(double probability) noexcept;

} // namespace leadscore
