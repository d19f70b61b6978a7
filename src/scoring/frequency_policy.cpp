// The frequency policy: its tables prepared for scoring, and binding them to a table view (contexts, stage odds,
// outcomes and per-code variable factors computed once per batch).

#include "frequency_detail.hpp"

#include "leadscore/scoring/frequency.hpp"
#include "leadscore/core/catalogue.hpp"

#include <cmath>
#include <limits>
#include <map>

namespace leadscore {

namespace detail {

namespace {

void add_checked(std::int64_t& into, std::int64_t x) {
    if (__builtin_add_overflow(into, x, &into))
        throw definition_error("frequency policy: the counts are too large to pool (their sum passes 2^63 thousandths)");
}

void accumulate(frequency_cell& into, const frequency_cell& c) {
    if (!into.present) into = {0, 0, 0, true};
    add_checked(into.won, c.won);
    add_checked(into.lost, c.lost);
    add_checked(into.leads, c.leads);
}

} // namespace

frequency_model::frequency_model(frequency_tables t, frequency_options o) : tables(std::move(t)), options(std::move(o)) {
    const auto& st = store();
    const auto& d = st.definition;
    if (!std::isfinite(options.minimum_support) || options.minimum_support < 0)
        throw definition_error("frequency policy: minimum support " + std::to_string(options.minimum_support) +
                               " must be finite and 0 or more");
    scored.assign(d.variables.size(), !options.variables.has_value());
    if (options.variables) {
        for (const auto& name : *options.variables) {
            const std::size_t v = st.variable_position(name);
            if (scored[v]) throw definition_error("frequency policy: variable '" + name + "' is listed twice");
            scored[v] = true;
        }
    }
    const double support = options.minimum_support * frequency_unit;
    const std::size_t n = st.partitions.size();
    parts.resize(n + 1);
    pooled = n;
    auto& pool = parts[pooled];
    pool.stages.resize(d.stages.size());
    pool.values.resize(d.variables.size());
    pool.totals.assign(d.variables.size(), {0, 0});
    for (std::size_t p = 0; p < n; ++p) {
        const auto& src = st.partitions[p];
        auto& dst = parts[p];
        dst.stages = src.stages;
        dst.values.resize(d.variables.size());
        dst.totals.assign(d.variables.size(), {0, 0});
        for (std::size_t s = 0; s < src.stages.size(); ++s) {
            dst.has_rows = dst.has_rows || src.stages[s].present;
            if (src.stages[s].present) accumulate(pool.stages[s], src.stages[s]);
        }
        for (std::size_t v = 0; v < d.variables.size(); ++v) {
            if (!scored[v]) continue;
            auto& cells = dst.values[v];
            for (const auto& [vi, c] : src.values[v]) {
                if (!c.present) continue;
                dst.has_rows = true;
                // The support rule looks at each stored row, before pooling (as Odoo does).
                const double support_of = static_cast<double>(c.won) + static_cast<double>(c.lost);
                if (d.variables[v].separator != '\0' && support_of < support) continue;
                cells.emplace(vi, c);
            }
            auto& pooled_cells = pool.values[v];
            for (const auto& [vi, c] : cells) {
                add_checked(dst.totals[v].first, c.won);
                add_checked(dst.totals[v].second, c.lost);
                accumulate(pooled_cells[vi], c);
            }
            add_checked(pool.totals[v].first, dst.totals[v].first);
            add_checked(pool.totals[v].second, dst.totals[v].second);
        }
    }
    pool.has_rows = true;
}

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t no_partition = std::numeric_limits<std::size_t>::max();

/// One bind: fills a frequency_bound step by step.
class binder {
public:
    binder(const std::shared_ptr<const frequency_model>& m, const table_view& rows, frequency_bound& b)
        : m_(*m), st_(m->store()), d_(st_.definition), rows_(rows), fields_(rows.table_schema()),
          r_(d_, fields_, frequency_resolved::purpose::scoring, who), b_(b) {
        b_.model = m;
        b_.view = rows;
        b_.rows = rows.rows();
        b_.stage_column = r_.stage;
        b_.stage_name = fields_[r_.stage].name;
    }

    void run() {
        bind_contexts();
        bind_priors();
        bind_stages();
        bind_outcome();
        for (std::size_t v = 0; v < d_.variables.size(); ++v)
            if (m_.scored[v]) bind_variable(v);
    }

private:
    static constexpr const char* who = "frequency policy: ";

    void bind_contexts();
    void bind_priors();
    void bind_stages();
    void bind_outcome();
    void bind_variable(std::size_t v);
    [[nodiscard]] std::optional<std::size_t> first_stage(std::optional<std::string_view> team) const;
    /// The value indices of the tables that a slot's text holds.
    [[nodiscard]] std::vector<std::size_t> value_indices(std::size_t v, std::optional<std::string_view> text) const;

    const frequency_model& m_;
    const frequency_store& st_;
    const frequency_definition& d_;
    const table_view& rows_;
    const schema& fields_;
    const frequency_resolved r_;
    frequency_bound& b_;
    std::vector<std::optional<std::pair<double, double>>> prior_; // per context: W, L; nullopt when not computable
};

std::optional<std::size_t> binder::first_stage(std::optional<std::string_view> team) const {
    for (const auto st : st_.counted) {
        const auto& teams = d_.stages[st].teams;
        if (teams.empty() || (team && std::find(teams.begin(), teams.end(), *team) != teams.end())) return st;
    }
    return std::nullopt;
}

// Teams → contexts (partition, first stage).
void binder::bind_contexts() {
    std::vector<std::optional<std::string_view>> team_texts{std::nullopt};
    if (r_.team) {
        b_.team_codes = rows_.codes(*r_.team).data();
        b_.team_name = fields_[*r_.team].name;
        const auto& dict = rows_.dict(*r_.team);
        for (std::size_t c = 0; c < dict.size(); ++c) team_texts.emplace_back(dict[static_cast<std::int32_t>(c)]);
    }
    b_.team_slots = static_cast<std::uint32_t>(team_texts.size() + (r_.team ? 1 : 0));
    std::map<std::pair<std::size_t, std::int64_t>, std::uint32_t> context_ids;
    for (const auto& team : team_texts) {
        std::size_t partition = no_partition;
        const auto p = st_.find_partition(team);
        const bool has_rows = p && *p < m_.pooled && m_.parts[*p].has_rows;
        if (team && has_rows) partition = *p;
        else if (m_.options.pooled_fallback) partition = m_.pooled;
        else if (!team) partition = 0;
        const auto first = first_stage(team);
        const std::pair<std::size_t, std::int64_t> key{partition, first ? static_cast<std::int64_t>(*first) : -1};
        const auto [it, fresh] = context_ids.emplace(key, static_cast<std::uint32_t>(b_.contexts.size()));
        if (fresh) b_.contexts.push_back({partition, first});
        b_.context_of_team.push_back(it->second);
    }
    if (r_.team) b_.context_of_team.push_back(0); // invalid codes: any context, the row throws
}

// Per context: W, L of the first stage.
void binder::bind_priors() {
    prior_.assign(b_.contexts.size(), std::nullopt);
    for (std::size_t c = 0; c < b_.contexts.size(); ++c) {
        const auto& ctx = b_.contexts[c];
        if (ctx.partition == no_partition || !ctx.first_stage) continue;
        const auto& cell = m_.parts[ctx.partition].stages[*ctx.first_stage];
        if (!cell.present || cell.won == 0 || cell.lost == 0) continue;
        prior_[c] = {static_cast<double>(cell.won), static_cast<double>(cell.lost)};
    }
}

// Stages: slot 0 missing, code + 1, last = invalid.
void binder::bind_stages() {
    b_.stage_codes = rows_.codes(r_.stage).data();
    const auto& dict = rows_.dict(r_.stage);
    b_.stage_slots = static_cast<std::uint32_t>(dict.size() + 2);
    b_.stage_of_slot.assign(b_.stage_slots, std::nullopt);
    b_.stage_fixed.assign(b_.stage_slots, not_fixed);
    b_.stage_fixed[0] = fixed_zero;                 // no stage: 0
    b_.stage_fixed[b_.stage_slots - 1] = fixed_zero; // invalid code: the row throws
    for (std::size_t c = 0; c < dict.size(); ++c) {
        const std::string_view text = dict[static_cast<std::int32_t>(c)];
        const auto pos = st_.find_stage(text);
        if (!pos) {
            std::string names;
            for (const auto& st : d_.stages) names += (names.empty() ? "" : ", ") + st.name;
            throw definition_error(std::string(who) + "stage '" + std::string(text) + "' (field '" + b_.stage_name +
                                   "') is not one of the stages (" + names + ")");
        }
        b_.stage_of_slot[c + 1] = pos;
        const auto kind = d_.stages[*pos].kind;
        if (kind == stage_kind::won) b_.stage_fixed[c + 1] = fixed_one;
        else if (kind != stage_kind::open) b_.stage_fixed[c + 1] = fixed_zero;
    }
    b_.stage_odds.assign(b_.contexts.size() * b_.stage_slots, nan_value);
    for (std::size_t c = 0; c < b_.contexts.size(); ++c) {
        if (!prior_[c]) continue;
        const auto [W, L] = *prior_[c];
        const auto& part = m_.parts[b_.contexts[c].partition];
        for (std::uint32_t slot = 0; slot < b_.stage_slots; ++slot) {
            double odds = L / W;
            const auto pos = b_.stage_of_slot[slot];
            if (pos && part.stages[*pos].present) {
                // sL/sW = (L · lost(stage)/L) / (W · won(stage)/W)
                const auto& cell = part.stages[*pos];
                odds = (L / (W + L) * (static_cast<double>(cell.lost) / L)) /
                       (W / (W + L) * (static_cast<double>(cell.won) / W));
            }
            b_.stage_odds[c * b_.stage_slots + slot] = odds;
        }
    }
}

// Outcome (optional): lost → 0, won → 1.
void binder::bind_outcome() {
    if (!r_.outcome) return;
    b_.outcome_name = fields_[*r_.outcome].name;
    if (fields_[*r_.outcome].type == field_type::boolean) {
        b_.outcome_flags = rows_.booleans(*r_.outcome).data();
        b_.outcome_slots = 4;
        b_.outcome_fixed = {not_fixed, fixed_zero, fixed_one, fixed_invalid};
        return;
    }
    b_.outcome_codes = rows_.codes(*r_.outcome).data();
    const auto& dict = rows_.dict(*r_.outcome);
    b_.outcome_slots = static_cast<std::uint32_t>(dict.size() + 2);
    b_.outcome_fixed.assign(b_.outcome_slots, not_fixed);
    for (std::size_t c = 0; c < dict.size(); ++c) {
        const std::string_view text = dict[static_cast<std::int32_t>(c)];
        const auto o = outcome_of_text(text);
        if (o == frequency_outcome::invalid)
            throw definition_error(std::string(who) + "outcome '" + std::string(text) + "' (field '" + b_.outcome_name +
                                   "') is neither won, lost nor open");
        b_.outcome_fixed[c + 1] = o == frequency_outcome::won ? fixed_one
                                  : o == frequency_outcome::lost ? fixed_zero
                                                                 : not_fixed;
    }
    b_.outcome_fixed.back() = fixed_invalid;
}

std::vector<std::size_t> binder::value_indices(std::size_t v, std::optional<std::string_view> text) const {
    const auto& var = d_.variables[v];
    std::vector<std::size_t> indices;
    if (!text) {
        if (var.unset_is_value) indices.push_back(0);
    } else if (var.separator == '\0') {
        if (const auto vi = st_.find_value_index(v, *text)) indices.push_back(*vi);
    } else {
        for (const auto piece : split_values(*text, var.separator))
            if (const auto vi = st_.find_value_index(v, piece)) indices.push_back(*vi);
    }
    return indices;
}

// Per context and slot, the odds factor (lost/Σlost) / (won/Σwon); 1 where the value is skipped.
void binder::bind_variable(std::size_t v) {
    frequency_bound::variable b;
    b.variable = v;
    b.column = r_.variables[v];
    std::vector<std::optional<std::string_view>> slot_text{std::nullopt};
    if (fields_[b.column].type == field_type::boolean) {
        b.flags = rows_.booleans(b.column).data();
        slot_text.emplace_back("false");
        slot_text.emplace_back("true");
    } else {
        b.codes = rows_.codes(b.column).data();
        const auto& dict = rows_.dict(b.column);
        for (std::size_t c = 0; c < dict.size(); ++c) slot_text.emplace_back(dict[static_cast<std::int32_t>(c)]);
    }
    b.slots = static_cast<std::uint32_t>(slot_text.size() + 1);
    std::vector<std::vector<std::size_t>> value_of_slot; // value indices (of the tables) per slot
    for (const auto& text : slot_text) value_of_slot.push_back(value_indices(v, text));
    value_of_slot.emplace_back(); // invalid
    b.factor.assign(b_.contexts.size() * b.slots, 1.0);
    for (std::size_t c = 0; c < b_.contexts.size(); ++c) {
        if (!prior_[c]) continue;
        const std::size_t p = b_.contexts[c].partition;
        const auto [total_won, total_lost] = m_.parts[p].totals[v];
        if (total_won == 0 || total_lost == 0) continue; // the variable tells nothing here
        for (std::uint32_t slot = 0; slot < b.slots; ++slot) {
            double f = 1.0;
            for (const auto vi : value_of_slot[slot]) {
                const auto* cell = m_.value_cell(p, v, vi);
                if (cell == nullptr) continue;
                const double pw = static_cast<double>(cell->won) / static_cast<double>(total_won);
                const double pl = static_cast<double>(cell->lost) / static_cast<double>(total_lost);
                f *= pl / pw;
            }
            b.factor[c * b.slots + slot] = f;
        }
    }
    b_.variables.push_back(std::move(b));
}

} // namespace

} // namespace detail

frequency_policy::frequency_policy(frequency_tables tables, frequency_options options)
    : model_(std::make_shared<const detail::frequency_model>(std::move(tables), std::move(options))) {}

const frequency_tables& frequency_policy::tables() const noexcept { return model_->tables; }
const frequency_options& frequency_policy::options() const noexcept { return model_->options; }

policy_fields frequency_policy::fields_read() const {
    const auto& d = model_->tables.definition();
    policy_fields f;
    const auto add = [&](const std::string& name, field_role role) {
        if (name.empty()) f.add(role);
        else f.add(name);
    };
    add(d.stage_field, field_role::stage);
    add(d.team_field, field_role::team);
    add(d.outcome_field, field_role::outcome);
    for (const auto& v : d.variables) f.add(v.field);
    return f;
}

bool operator==(const frequency_policy& a, const frequency_policy& b) {
    return a.model_ == b.model_ || (a.model_->options == b.model_->options && a.model_->tables == b.model_->tables);
}

frequency_policy::scorer frequency_policy::bind(const table_view& rows, timestamp) const {
    auto b = std::make_shared<detail::frequency_bound>();
    detail::binder(model_, rows, *b).run();
    return scorer(std::move(b));
}

std::size_t update_probabilities(std::span<const double> scores, std::span<double> probabilities) {
    if (scores.size() != probabilities.size())
        throw definition_error("update_probabilities: " + std::to_string(scores.size()) + " scores for " +
                               std::to_string(probabilities.size()) + " probabilities");
    std::size_t written = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (std::isnan(scores[i])) continue;
        probabilities[i] = scores[i];
        ++written;
    }
    return written;
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(ScoringPolicy<frequency_policy>);
static_assert(BatchScorer<scorer_t<frequency_policy>>);
static_assert(ExplainingScorer<scorer_t<frequency_policy>>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const frequency_stage&, const frequency_stage&) = default;
bool operator==(const frequency_variable&, const frequency_variable&) = default;
bool operator==(const frequency_definition&, const frequency_definition&) = default;
bool operator==(const frequency_row&, const frequency_row&) = default;
bool operator==(const frequency_options&, const frequency_options&) = default;
bool operator==(const frequency_factor&, const frequency_factor&) = default;
std::strong_ordering operator<=>(const frequency_row&, const frequency_row&) = default;

} // namespace leadscore
