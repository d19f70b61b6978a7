// Frequency tables: the count store, rows set by hand, merging a team into "no team", listing and comparing.

#include "frequency_detail.hpp"

#include "leadscore/core/catalogue.hpp"

#include <algorithm>

namespace leadscore {

namespace detail {

std::optional<std::size_t> frequency_store::find_partition(std::optional<std::string_view> team) const {
    if (!team) return 0;
    const auto code = teams.find(*team);
    if (!code) return std::nullopt;
    return static_cast<std::size_t>(*code) + 1;
}

std::size_t frequency_store::partition_for(std::optional<std::string_view> team) {
    if (!team) return 0;
    const std::size_t p = static_cast<std::size_t>(teams.intern(*team)) + 1;
    if (p >= partitions.size()) {
        partitions.resize(p + 1);
        partitions[p].stages.resize(definition.stages.size());
        partitions[p].values.resize(definition.variables.size());
    }
    return p;
}

std::optional<std::size_t> frequency_store::find_stage(std::string_view stage) const {
    const std::string key = normalize_name(stage);
    const auto it = std::find(stage_keys.begin(), stage_keys.end(), key);
    if (it == stage_keys.end()) return std::nullopt;
    return static_cast<std::size_t>(it - stage_keys.begin());
}

std::size_t frequency_store::stage_position(std::string_view stage) const {
    if (const auto pos = find_stage(stage)) return *pos;
    std::string names;
    for (const auto& s : definition.stages) names += (names.empty() ? "" : ", ") + s.name;
    throw definition_error("frequency tables: stage '" + std::string(stage) + "' is not one of the stages (" + names +
                           ")");
}

std::size_t frequency_store::variable_position(std::string_view variable) const {
    for (std::size_t i = 0; i < definition.variables.size(); ++i)
        if (definition.variables[i].field == variable) return i;
    throw definition_error("frequency tables: '" + std::string(variable) + "' is not a variable of the tables");
}

std::size_t frequency_store::value_index(std::size_t variable, std::optional<std::string_view> value) {
    const auto& var = definition.variables[variable];
    if (!value) {
        if (!var.unset_is_value)
            throw definition_error("frequency tables: variable '" + var.field + "' does not count unset values");
        return 0;
    }
    const char sep = var.separator;
    if (sep != '\0' && (value->find(sep) != std::string_view::npos || split_values(*value, sep).size() != 1 ||
                        split_values(*value, sep).front() != *value))
        throw definition_error("frequency tables: value '" + std::string(*value) + "' of the multi-valued variable '" +
                               var.field + "' must be one value: not empty, without the separator or surrounding spaces");
    return static_cast<std::size_t>(values[variable].intern(*value)) + 1;
}

std::optional<std::size_t> frequency_store::find_value_index(std::size_t variable,
                                                             std::optional<std::string_view> value) const {
    if (!value) return definition.variables[variable].unset_is_value ? std::optional<std::size_t>(0) : std::nullopt;
    const auto code = values[variable].find(*value);
    if (!code) return std::nullopt;
    return static_cast<std::size_t>(*code) + 1;
}

const frequency_cell* frequency_store::find_value_cell(std::size_t partition, std::size_t variable,
                                                       std::size_t value) const {
    const auto& cells = partitions[partition].values[variable];
    const auto it = cells.find(static_cast<std::uint32_t>(value));
    return it != cells.end() && it->second.present ? &it->second : nullptr;
}

void frequency_store::add(frequency_cell& c, std::size_t partition, bool won) {
    if (!c.present) {
        c = {smoothing, smoothing, 0, true};
        ++partitions[partition].rows;
    }
    (won ? c.won : c.lost) += frequency_unit;
    ++c.leads;
}

void frequency_store::remove(frequency_cell& c, std::size_t partition, bool won) {
    if (!c.present) return;
    auto& count = won ? c.won : c.lost;
    count -= frequency_unit;
    if (count <= 0) count = smoothing;
    // A row whose counted leads all left is what a rebuild would not have: remove it (rows set by hand stay).
    if (c.leads > 0 && --c.leads == 0 && c.won == smoothing && c.lost == smoothing) {
        c = {};
        --partitions[partition].rows;
    }
}

void frequency_store::remove_value(std::size_t partition, std::size_t variable, std::size_t value, bool won) {
    auto& cells = partitions[partition].values[variable];
    const auto it = cells.find(static_cast<std::uint32_t>(value));
    if (it == cells.end()) return;
    remove(it->second, partition, won);
    if (!it->second.present) cells.erase(it);
}

void frequency_store::set(frequency_cell& c, std::size_t partition, frequency_counts counts) {
    if (counts.won < 0 || counts.lost < 0 || counts.won > frequency_max_units || counts.lost > frequency_max_units)
        throw definition_error("frequency tables: counts must be 0 or more and at most 10^15 thousandths");
    if (!c.present) {
        c = {0, 0, 0, true};
        ++partitions[partition].rows;
    }
    c.won = counts.won;
    c.lost = counts.lost;
}

void frequency_store::apply(const frequency_close& close, bool undo) {
    const std::size_t p = close.partition;
    if (close.stage) {
        const auto limit = definition.stages[*close.stage].sequence;
        for (const auto s : counted) {
            if (!close.won && definition.stages[s].sequence > limit) continue;
            if (undo) remove(stage_cell(p, s), p, close.won);
            else add(stage_cell(p, s), p, close.won);
        }
    }
    for (const auto& [v, vi] : close.values) {
        if (undo) remove_value(p, v, vi, close.won);
        else add(value_cell(p, v, vi), p, close.won);
    }
}

std::shared_ptr<frequency_close> frequency_store::read_close(const frequency_resolved& r, const table_view& v,
                                                             std::size_t row, bool won) {
    auto c = std::make_shared<frequency_close>();
    c->won = won;
    // A won lead counts on every stage, so only whether it has one matters; a lost lead counts where it was lost.
    if (won) c->stage = text_at(v, r.stage, row) ? std::optional<std::size_t>(0) : std::nullopt;
    else c->stage = lost_stage_at(*this, v, r.lost_stage, row);
    const auto& vars = definition.variables;
    std::vector<std::pair<std::size_t, std::optional<std::string_view>>> texts;
    for (std::size_t i = 0; i < vars.size(); ++i) texts.emplace_back(i, variable_text(v, r.variables[i], row));
    const auto team = r.team ? text_at(v, *r.team, row) : std::nullopt;
    // Every value is read (and checked) before anything is interned.
    c->partition = partition_for(team);
    for (const auto& [i, text] : texts) {
        const auto var = static_cast<std::uint32_t>(i);
        if (!text) {
            if (vars[i].unset_is_value) c->values.emplace_back(var, 0U);
        } else if (vars[i].separator == '\0') {
            c->values.emplace_back(var, static_cast<std::uint32_t>(value_index(i, *text)));
        } else {
            for (const auto piece : split_values(*text, vars[i].separator))
                c->values.emplace_back(var, static_cast<std::uint32_t>(value_index(i, piece)));
        }
    }
    return c;
}

} // namespace detail

// ---- frequency_tables -------------------------------------------------------------------------------------

frequency_tables::frequency_tables(frequency_definition definition)
    : store_(std::make_unique<detail::frequency_store>(std::move(definition))) {}

frequency_tables::frequency_tables(frequency_definition definition, std::span<const frequency_row> rows)
    : frequency_tables(std::move(definition)) {
    auto& t = *store_;
    for (const auto& r : rows) {
        const std::string place = "frequency tables: row (" + detail::describe_team(r.team) + ", " +
                                  (r.variable ? "'" + *r.variable + "'" : std::string("stage")) + ", " +
                                  detail::value_text(r.value) + "): ";
        if (r.counts.won < 0 || r.counts.lost < 0 || r.counts.won > detail::frequency_max_units ||
            r.counts.lost > detail::frequency_max_units || r.leads < 0)
            throw definition_error(place + "counts must be 0 or more and at most 10^15 thousandths");
        const std::size_t p = t.partition_for(r.team);
        detail::frequency_cell* c = nullptr;
        if (!r.variable) {
            if (!r.value) throw definition_error(place + "a stage row needs a stage name");
            c = &t.stage_cell(p, t.stage_position(*r.value));
        } else {
            const std::size_t v = t.variable_position(*r.variable);
            c = &t.value_cell(p, v, t.value_index(v, r.value));
        }
        if (c->present) throw definition_error(place + "the row is listed twice");
        t.set(*c, p, r.counts);
        c->leads = r.leads;
    }
}

frequency_tables::frequency_tables(const frequency_tables& other)
    : store_(std::make_unique<detail::frequency_store>(*other.store_)) {}
frequency_tables::frequency_tables(frequency_tables&&) noexcept = default;
frequency_tables& frequency_tables::operator=(const frequency_tables& other) {
    if (this != &other) store_ = std::make_unique<detail::frequency_store>(*other.store_);
    return *this;
}
frequency_tables& frequency_tables::operator=(frequency_tables&&) noexcept = default;
frequency_tables::~frequency_tables() = default;

const frequency_definition& frequency_tables::definition() const noexcept { return store_->definition; }
std::int64_t frequency_tables::smoothing_units() const noexcept { return store_->smoothing; }

bool frequency_tables::has_rows(std::optional<std::string_view> team) const {
    const auto p = store_->find_partition(team);
    return p && *p < store_->partitions.size() && store_->partitions[*p].rows > 0;
}

std::vector<std::optional<std::string>> frequency_tables::partitions() const {
    const auto& t = *store_;
    std::vector<std::optional<std::string>> out;
    for (std::size_t p = 0; p < t.partitions.size(); ++p) {
        if (t.partitions[p].rows == 0) continue;
        if (p == 0) out.emplace_back(std::nullopt);
        else out.emplace_back(std::string(t.teams[static_cast<std::int32_t>(p - 1)]));
    }
    return out;
}

std::optional<frequency_counts> frequency_tables::stage_counts(std::optional<std::string_view> team,
                                                               std::string_view stage) const {
    const auto& t = *store_;
    const std::size_t s = t.stage_position(stage);
    const auto p = t.find_partition(team);
    if (!p || *p >= t.partitions.size()) return std::nullopt;
    const auto& c = t.partitions[*p].stages[s];
    if (!c.present) return std::nullopt;
    return frequency_counts{c.won, c.lost};
}

std::optional<frequency_counts> frequency_tables::value_counts(std::optional<std::string_view> team,
                                                               std::string_view variable,
                                                               std::optional<std::string_view> value) const {
    const auto& t = *store_;
    const std::size_t v = t.variable_position(variable);
    const auto p = t.find_partition(team);
    const auto vi = t.find_value_index(v, value);
    if (!p || *p >= t.partitions.size() || !vi) return std::nullopt;
    const auto* c = t.find_value_cell(*p, v, *vi);
    if (c == nullptr) return std::nullopt;
    return frequency_counts{c->won, c->lost};
}

void frequency_tables::set_stage_counts(std::optional<std::string_view> team, std::string_view stage,
                                        frequency_counts counts) {
    auto& t = *store_;
    const std::size_t s = t.stage_position(stage);
    const std::size_t p = t.partition_for(team);
    t.set(t.stage_cell(p, s), p, counts);
}

void frequency_tables::set_value_counts(std::optional<std::string_view> team, std::string_view variable,
                                        std::optional<std::string_view> value, frequency_counts counts) {
    auto& t = *store_;
    const std::size_t v = t.variable_position(variable);
    const std::size_t vi = t.value_index(v, value);
    const std::size_t p = t.partition_for(team);
    t.set(t.value_cell(p, v, vi), p, counts);
}

void frequency_tables::merge_into_no_team(std::string_view team) {
    auto& t = *store_;
    const auto found = t.find_partition(team);
    if (!found || *found == 0 || *found >= t.partitions.size()) return;
    const std::size_t p = *found;
    const std::int64_t smoothing = t.smoothing;
    const auto round_half_up = [](std::int64_t x) { return (x + frequency_unit / 2) / frequency_unit * frequency_unit; };
    // a, b ≤ the largest count, so the sum cannot overflow
    const auto sum = [](std::int64_t a, std::int64_t b) { return std::min(a + b, detail::frequency_max_units); };
    const auto learned = [&](const detail::frequency_cell& c) {
        return c.present && (c.won > smoothing || c.lost > smoothing); // rows at or below the smoothing are dropped
    };
    const auto merge = [&](const detail::frequency_cell& from, detail::frequency_cell& to) {
        if (to.present) {
            to.won = sum(round_half_up(to.won), round_half_up(from.won));
            to.lost = sum(round_half_up(to.lost), round_half_up(from.lost));
            if (to.won <= smoothing) to.won = smoothing;
            if (to.lost <= smoothing) to.lost = smoothing;
            to.leads += from.leads;
        } else {
            to = from;
            ++t.partitions[0].rows;
        }
    };
    auto& src = t.partitions[p];
    for (std::size_t s = 0; s < src.stages.size(); ++s)
        if (learned(src.stages[s])) merge(src.stages[s], t.partitions[0].stages[s]);
    for (std::size_t v = 0; v < src.values.size(); ++v)
        for (const auto& [vi, c] : src.values[v])
            if (learned(c)) merge(c, t.value_cell(0, v, vi));
    auto& emptied = t.partitions[p];
    for (auto& c : emptied.stages) c = {};
    for (auto& cells : emptied.values) cells.clear();
    emptied.rows = 0;
}

std::vector<frequency_row> frequency_tables::rows() const {
    const auto& t = *store_;
    std::vector<frequency_row> out;
    out.reserve(size());
    for (std::size_t p = 0; p < t.partitions.size(); ++p) {
        const auto& part = t.partitions[p];
        if (part.rows == 0) continue;
        std::optional<std::string> team;
        if (p > 0) team = std::string(t.teams[static_cast<std::int32_t>(p - 1)]);
        for (std::size_t s = 0; s < part.stages.size(); ++s) {
            const auto& c = part.stages[s];
            if (c.present) out.push_back({team, std::nullopt, t.definition.stages[s].name, {c.won, c.lost}, c.leads});
        }
        for (std::size_t v = 0; v < part.values.size(); ++v)
            for (const auto& [vi, c] : part.values[v]) {
                if (!c.present) continue;
                std::optional<std::string> value;
                if (vi > 0) value = std::string(t.values[v][static_cast<std::int32_t>(vi - 1)]);
                out.push_back({team, t.definition.variables[v].field, std::move(value), {c.won, c.lost}, c.leads});
            }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t frequency_tables::size() const noexcept {
    std::size_t n = 0;
    for (const auto& p : store_->partitions) n += p.rows;
    return n;
}

bool operator==(const frequency_tables& a, const frequency_tables& b) {
    return a.definition() == b.definition() && a.size() == b.size() && a.rows() == b.rows();
}

} // namespace leadscore
