// Frequency tables rebuilt from a table view: every closed lead counted in one pass over the columns.

#include "frequency_detail.hpp"

#include "leadscore/core/catalogue.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace leadscore {

namespace {

using detail::frequency_outcome;

/// The slot of a categorical code: 0 missing, code + 1, and `valid` for any code outside the dictionary.
inline std::uint32_t code_slot(std::int32_t code, std::uint32_t valid) {
    return std::min(static_cast<std::uint32_t>(code) + 1U, valid);
}
/// The slot of a boolean flag: 0 missing, 1 false, 2 true, 3 anything else.
inline std::uint32_t flag_slot(std::int8_t b) {
    return std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(b) + 1), 3U);
}

/// What the stage of a lost lead (the lost-stage field) means for its count.
enum class lost_stage : std::uint8_t {
    counted,     ///< a counted stage: the lead counts there and on every stage of lower or equal sequence
    none,        ///< missing: the lead counts on no stage
    unknown,     ///< a text that is none of the stages: an error for a lost lead
    not_counted, ///< a lost, rejected or nurture stage: an error for a lost lead (the stage it was lost at is needed)
    invalid_code ///< a code outside the dictionary: an error for any closed lead
};
struct lost_stage_slot {
    lost_stage kind = lost_stage::none;
    std::uint32_t column = 0; ///< the stage position when counted, else the spare column past the stages
};

/// One variable's plan: the value indices of each slot, and counters per (partition, slot, outcome) — dense while
/// that stays small next to the table, hashed beyond (many teams × a high-cardinality variable).
struct variable_plan {
    const std::int32_t* codes = nullptr;
    const std::int8_t* flags = nullptr;
    std::uint32_t valid = 0;                        // slots 0 .. valid - 1; `valid` = invalid code
    std::vector<std::vector<std::uint32_t>> values; // value indices per slot
    bool dense = true;
    std::vector<std::int64_t> counts;               // dense: [(partition × (valid + 1) + slot) × 2 + lost]
    std::unordered_map<std::uint64_t, std::pair<std::int64_t, std::int64_t>> sparse; // closed leads only
};

/// The outcome and team of a row, by dictionary code. The hot loops copy it into a local: read through the
/// rebuild's members, its pointers would be loaded again after every counter store (which may alias them).
struct row_slots {
    const frequency_outcome* outcome_of = nullptr; // by outcome slot
    const std::int32_t* outcome_codes = nullptr;
    const std::int8_t* outcome_flags = nullptr;    // a boolean outcome field instead of codes
    std::uint32_t outcome_valid = 0;
    const std::int32_t* team_codes = nullptr;      // nullptr: every lead has no team
    std::uint32_t team_valid = 1;

    [[nodiscard]] frequency_outcome outcome(std::size_t row) const {
        return outcome_of[outcome_flags != nullptr ? flag_slot(outcome_flags[row]) : code_slot(outcome_codes[row], outcome_valid)];
    }
    [[nodiscard]] std::uint32_t team(std::size_t row) const {
        return team_codes == nullptr ? 0U : code_slot(team_codes[row], team_valid);
    }
};

/// One rebuild: the plans resolved per dictionary code once, then the counting pass, then the fold into rows.
/// Invalid values only raise a flag while counting; the rare table that has one is read again for the exact error.
class table_count {
public:
    table_count(detail::frequency_store& t, const table_view& rows)
        : t_(t), d_(t.definition), rows_(rows),
          r_(t.definition, rows.table_schema(), detail::frequency_resolved::purpose::build, "frequency tables: "),
          n_(rows.rows()) {}

    void run() {
        plan_outcomes();
        plan_partitions();
        plan_lost_stages();
        plan_variables();
        count();
        fold();
    }

private:
    [[nodiscard]] row_slots slots() const {
        return {outcome_of_.data(), outcome_codes_, outcome_flags_, outcome_valid_, team_codes_, team_valid_};
    }
    [[nodiscard]] std::uint32_t slots_of(std::size_t col) const {
        return static_cast<std::uint32_t>(rows_.table_schema()[col].type == field_type::boolean ? 3
                                                                                                : rows_.dict(col).size() + 1);
    }

    void plan_outcomes();
    void plan_partitions();
    void plan_lost_stages();
    void plan_variables();
    void count();
    void fold();
    /// Reads every row as the learner would, so the first bad value throws its exact error.
    [[noreturn]] void report_first_bad_row() const;

    detail::frequency_store& t_;
    const frequency_definition& d_;
    const table_view& rows_;
    const detail::frequency_resolved r_;
    const std::size_t n_;

    std::vector<frequency_outcome> outcome_of_; // by outcome slot
    const std::int32_t* outcome_codes_ = nullptr;
    const std::int8_t* outcome_flags_ = nullptr;
    std::uint32_t outcome_valid_ = 0;

    const std::int32_t* team_codes_ = nullptr;
    std::uint32_t team_valid_ = 1;
    std::vector<std::uint32_t> local_of_slot_;      // team slot → local partition (the last one is the sink)
    std::vector<std::size_t> partition_of_local_;   // local partition → the tables' partition
    std::size_t counted_partitions_ = 0;            // local partitions plus the sink

    std::vector<lost_stage_slot> lost_stage_of_;    // by lost-stage slot
    std::uint32_t lost_valid_ = 0;
    std::size_t stage_columns_ = 0;                 // the stages plus a spare column

    std::vector<variable_plan> plans_;
    std::vector<std::int64_t> won_with_stage_;      // per local partition
    std::vector<std::int64_t> lost_at_;             // per local partition × stage column
};

void table_count::plan_outcomes() {
    if (rows_.table_schema()[*r_.outcome].type == field_type::boolean) {
        outcome_flags_ = rows_.booleans(*r_.outcome).data();
        outcome_of_ = {frequency_outcome::open, frequency_outcome::lost, frequency_outcome::won, frequency_outcome::invalid};
        outcome_valid_ = 3;
        return;
    }
    const auto& dict = rows_.dict(*r_.outcome);
    outcome_codes_ = rows_.codes(*r_.outcome).data();
    outcome_valid_ = static_cast<std::uint32_t>(dict.size() + 1);
    outcome_of_.push_back(frequency_outcome::open);
    for (std::size_t c = 0; c < dict.size(); ++c) outcome_of_.push_back(detail::outcome_of_text(dict[static_cast<std::int32_t>(c)]));
    outcome_of_.push_back(frequency_outcome::invalid);
}

// Partitions only for teams with closed leads (a first pass over outcome and team), so counters and tables follow
// the teams in use, not the size of the team dictionary. Counters use local partition numbers; open leads of teams
// without closed leads count into a sink partition that is never folded.
void table_count::plan_partitions() {
    if (r_.team) {
        team_codes_ = rows_.codes(*r_.team).data();
        team_valid_ = static_cast<std::uint32_t>(rows_.dict(*r_.team).size() + 1);
    }
    std::vector<std::uint8_t> has_closed(team_valid_ + 1, 0);
    bool bad = false;
    const row_slots rs = slots();
    std::uint8_t* closed = has_closed.data();
    for (std::size_t row = 0, n = n_; row < n; ++row) {
        const frequency_outcome o = rs.outcome(row);
        const std::uint32_t ts = rs.team(row);
        closed[ts] |= static_cast<std::uint8_t>(o == frequency_outcome::won || o == frequency_outcome::lost);
        bad |= (o == frequency_outcome::invalid) | (ts == rs.team_valid);
    }
    if (bad) report_first_bad_row();
    local_of_slot_.assign(team_valid_ + 1, 0);
    for (std::uint32_t ts = 0; ts < team_valid_; ++ts) {
        if (has_closed[ts] == 0) continue;
        local_of_slot_[ts] = static_cast<std::uint32_t>(partition_of_local_.size());
        const auto team = ts == 0 ? std::nullopt
                                  : std::optional<std::string_view>(rows_.dict(*r_.team)[static_cast<std::int32_t>(ts - 1)]);
        partition_of_local_.push_back(t_.partition_for(team));
    }
    const std::size_t partitions = partition_of_local_.size();
    for (std::uint32_t ts = 0; ts <= team_valid_; ++ts)
        if (has_closed[ts] == 0) local_of_slot_[ts] = static_cast<std::uint32_t>(partitions); // the sink
    counted_partitions_ = partitions + 1;
}

void table_count::plan_lost_stages() {
    const auto spare = static_cast<std::uint32_t>(d_.stages.size());
    stage_columns_ = d_.stages.size() + 1;
    lost_stage_of_.push_back({lost_stage::none, spare});
    const auto& dict = rows_.dict(r_.lost_stage);
    for (std::size_t c = 0; c < dict.size(); ++c) {
        const auto pos = t_.find_stage(dict[static_cast<std::int32_t>(c)]);
        if (!pos) lost_stage_of_.push_back({lost_stage::unknown, spare});
        else if (!detail::is_counted(d_.stages[*pos].kind)) lost_stage_of_.push_back({lost_stage::not_counted, spare});
        else lost_stage_of_.push_back({lost_stage::counted, static_cast<std::uint32_t>(*pos)});
    }
    lost_valid_ = static_cast<std::uint32_t>(lost_stage_of_.size());
    lost_stage_of_.push_back({lost_stage::invalid_code, spare});
}

void table_count::plan_variables() {
    plans_.resize(d_.variables.size());
    for (std::size_t v = 0; v < d_.variables.size(); ++v) {
        auto& p = plans_[v];
        const auto& var = d_.variables[v];
        const std::size_t col = r_.variables[v];
        p.valid = slots_of(col);
        p.values.resize(p.valid);
        if (var.unset_is_value) p.values[0].push_back(0);
        if (rows_.table_schema()[col].type == field_type::boolean) {
            p.flags = rows_.booleans(col).data();
            p.values[1].push_back(static_cast<std::uint32_t>(t_.value_index(v, "false")));
            p.values[2].push_back(static_cast<std::uint32_t>(t_.value_index(v, "true")));
        } else {
            p.codes = rows_.codes(col).data();
            const auto& dict = rows_.dict(col);
            for (std::size_t c = 0; c < dict.size(); ++c) {
                const std::string_view text = dict[static_cast<std::int32_t>(c)];
                if (var.separator == '\0') {
                    p.values[c + 1].push_back(static_cast<std::uint32_t>(t_.value_index(v, text)));
                } else {
                    for (const auto piece : detail::split_values(text, var.separator))
                        p.values[c + 1].push_back(static_cast<std::uint32_t>(t_.value_index(v, piece)));
                }
            }
        }
        const double cells = static_cast<double>(counted_partitions_) * (p.valid + 1);
        p.dense = cells <= 4.0 * static_cast<double>(n_) + 65536.0;
        if (p.dense) p.counts.assign(counted_partitions_ * (p.valid + 1) * 2, 0);
    }
}

// Whether a row is closed, and whether it was won or lost, is as unpredictable as data gets, so neither is branched
// on: each chunk's closed rows are first gathered without branches, then counted with the outcome selecting the
// counter. The hot loop of a rebuild, kept in one piece.
void table_count::count() {
    won_with_stage_.assign(counted_partitions_, 0);
    lost_at_.assign(counted_partitions_ * stage_columns_, 0);
    const row_slots rs = slots();
    const std::size_t n = n_, columns = stage_columns_;
    const std::uint32_t* local_of = local_of_slot_.data();
    const lost_stage_slot* lost_stage_of = lost_stage_of_.data();
    const std::uint32_t lost_valid = lost_valid_;
    std::int64_t* won_with_stage = won_with_stage_.data();
    std::int64_t* lost_at = lost_at_.data();
    const std::span<variable_plan> plans(plans_);
    const std::int32_t* stage_codes = rows_.codes(r_.stage).data();
    const std::uint32_t stage_valid = static_cast<std::uint32_t>(rows_.dict(r_.stage).size() + 1);
    const std::int32_t* lost_codes = rows_.codes(r_.lost_stage).data();
    bool bad = false;
    constexpr std::size_t chunk = 2048;
    std::array<std::uint32_t, chunk> closed_rows{};
    for (std::size_t base = 0; base < n; base += chunk) {
        const std::size_t end = std::min(n, base + chunk);
        std::size_t k = 0;
        for (std::size_t row = base; row < end; ++row) {
            const frequency_outcome o = rs.outcome(row);
            closed_rows[k] = static_cast<std::uint32_t>(row - base);
            k += static_cast<std::size_t>(o == frequency_outcome::won || o == frequency_outcome::lost);
        }
        for (std::size_t j = 0; j < k; ++j) {
            const std::size_t row = base + closed_rows[j];
            const std::size_t lost = rs.outcome(row) == frequency_outcome::lost ? 1 : 0;
            const std::size_t p = local_of[rs.team(row)];
            const std::uint32_t ss = code_slot(stage_codes[row], stage_valid);
            const lost_stage_slot at = lost_stage_of[code_slot(lost_codes[row], lost_valid)];
            bad |= (ss == stage_valid) | (at.kind == lost_stage::invalid_code) |
                   ((lost != 0) & (at.kind >= lost_stage::unknown));
            won_with_stage[p] += static_cast<std::int64_t>((lost == 0) & (ss != 0));
            lost_at[p * columns + at.column] += static_cast<std::int64_t>(lost);
            for (auto& plan : plans) {
                const std::uint32_t vs = plan.flags != nullptr ? flag_slot(plan.flags[row]) : code_slot(plan.codes[row], plan.valid);
                bad |= vs == plan.valid;
                const std::size_t cell = p * (plan.valid + 1) + vs;
                if (plan.dense) {
                    ++plan.counts[cell * 2 + lost];
                } else {
                    auto& c = plan.sparse[cell];
                    ++(lost != 0 ? c.second : c.first);
                }
            }
        }
    }
    if (bad) report_first_bad_row();
}

// Folds the counts into rows: smoothing once, plus one lead (in thousandths) per count.
void table_count::fold() {
    const std::int64_t s = t_.smoothing;
    const auto add = [&](detail::frequency_cell& c, std::size_t p, std::int64_t won, std::int64_t lost) {
        if (won == 0 && lost == 0) return;
        if (!c.present) {
            c = {s, s, 0, true};
            ++t_.partitions[p].rows;
        }
        c.won += won * frequency_unit;
        c.lost += lost * frequency_unit;
        c.leads += won + lost;
    };
    const std::size_t partitions = partition_of_local_.size();
    for (std::size_t local = 0; local < partitions; ++local) {
        const std::size_t p = partition_of_local_[local];
        // A lost lead counts at its stage and every stage of lower or equal sequence.
        for (const auto st : t_.counted) {
            std::int64_t lost = 0;
            for (const auto at : t_.counted)
                if (d_.stages[at].sequence >= d_.stages[st].sequence) lost += lost_at_[local * stage_columns_ + at];
            add(t_.stage_cell(p, st), p, won_with_stage_[local], lost);
        }
        for (std::size_t v = 0; v < plans_.size(); ++v) {
            const auto& plan = plans_[v];
            if (!plan.dense) continue;
            for (std::uint32_t vs = 0; vs < plan.valid; ++vs) {
                const std::size_t at = (local * (plan.valid + 1) + vs) * 2;
                const auto won = plan.counts[at], lost = plan.counts[at + 1];
                if (won == 0 && lost == 0) continue;
                for (const auto vi : plan.values[vs]) add(t_.value_cell(p, v, vi), p, won, lost);
            }
        }
    }
    for (std::size_t v = 0; v < plans_.size(); ++v) {
        const auto& plan = plans_[v];
        for (const auto& [at, c] : plan.sparse) {
            const std::size_t local = at / (plan.valid + 1);
            if (local >= partitions) continue; // the sink holds no closed lead
            const std::size_t p = partition_of_local_[local];
            for (const auto vi : plan.values[at % (plan.valid + 1)]) add(t_.value_cell(p, v, vi), p, c.first, c.second);
        }
    }
}

void table_count::report_first_bad_row() const {
    for (std::size_t row = 0; row < n_; ++row) {
        const auto o = detail::outcome_at(rows_, *r_.outcome, row);
        if (r_.team) (void)detail::text_at(rows_, *r_.team, row);
        (void)detail::text_at(rows_, r_.stage, row);
        if (o == frequency_outcome::lost) (void)detail::lost_stage_at(t_, rows_, r_.lost_stage, row);
        else (void)detail::text_at(rows_, r_.lost_stage, row);
        for (std::size_t v = 0; v < d_.variables.size(); ++v) (void)detail::variable_text(rows_, r_.variables[v], row);
    }
    throw input_error(source_location{}, "frequency tables: a value outside its dictionary"); // not reached
}

} // namespace

frequency_tables frequency_tables::build(frequency_definition definition, const table_view& rows) {
    frequency_tables t(std::move(definition));
    table_count(*t.store_, rows).run();
    return t;
}

} // namespace leadscore
