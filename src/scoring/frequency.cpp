#include "leadscore/scoring/frequency.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <utility>

namespace leadscore {

namespace detail {

/// What one lead's close added: undone exactly by a reopen.
struct frequency_close {
    std::size_t partition = 0;
    bool won = false;
    std::int32_t stage = -1; // stage position (lost: the stage it was lost at); -1: the lead had no stage
    std::vector<std::pair<std::uint32_t, std::uint32_t>> values; // (variable, value index)
};

} // namespace detail

namespace {

// 10^12 leads a count: thousands of such rows still sum below 2^63; pooling checks its sums anyway.
constexpr std::int64_t max_units = 1'000'000'000'000'000;

/// A count in leads as thousandths; nullopt when not finite, negative, too large or not whole thousandths.
std::optional<std::int64_t> to_units(double leads) {
    if (!std::isfinite(leads) || leads < 0 || leads * frequency_unit > static_cast<double>(max_units)) return std::nullopt;
    const double scaled = leads * frequency_unit;
    const double whole = std::nearbyint(scaled);
    // 0.1 · 1000 is 100.00000000000001 in binary: accept what is a whole thousandth up to rounding of the input.
    if (std::fabs(scaled - whole) > 1e-9 * std::max(1.0, whole)) return std::nullopt;
    return static_cast<std::int64_t>(whole);
}

std::string describe(std::optional<std::string_view> team) {
    return team ? "team '" + std::string(*team) + "'" : std::string("no team");
}

std::string value_text(std::optional<std::string_view> v) { return v ? std::string(*v) : std::string("(unset)"); }

/// The pieces of a multi-valued text: split at sep, spaces and tabs around each removed, empty pieces and repeats
/// dropped (first occurrence kept).
std::vector<std::string_view> split_values(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        std::size_t end = text.find(sep, begin);
        if (end == std::string_view::npos) end = text.size();
        std::string_view piece = text.substr(begin, end - begin);
        while (!piece.empty() && (piece.front() == ' ' || piece.front() == '\t')) piece.remove_prefix(1);
        while (!piece.empty() && (piece.back() == ' ' || piece.back() == '\t')) piece.remove_suffix(1);
        if (!piece.empty() && std::find(out.begin(), out.end(), piece) == out.end()) out.push_back(piece);
        begin = end + 1;
    }
    return out;
}

bool is_counted(stage_kind k) noexcept { return k == stage_kind::open || k == stage_kind::won; }

/// 0 = open, 1 = won, 2 = lost; nullopt for any other text.
std::optional<int> outcome_of_text(std::string_view text) {
    const std::string n = normalize_name(text);
    if (n == "won") return 1;
    if (n == "lost") return 2;
    if (n == "open") return 0;
    return std::nullopt;
}

std::string row_prefix(std::size_t row) { return "row " + std::to_string(row) + ": "; }

source_location field_place(const std::string& name) {
    source_location loc;
    loc.field = name;
    return loc;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Definition: stage lists, counts
// ---------------------------------------------------------------------------------------------------------------

std::vector<frequency_stage> frequency_stages(const funnel& f) {
    std::vector<frequency_stage> out;
    std::int32_t sequence = 0;
    for (const auto i : f.open_stages()) out.push_back({f[i].name, stage_kind::open, ++sequence, {}});
    for (const auto& s : f.stages())
        if (s.kind == stage_kind::won) out.push_back({s.name, stage_kind::won, ++sequence, {}});
    for (const auto& s : f.stages())
        if (!is_counted(s.kind)) out.push_back({s.name, s.kind, 0, {}});
    return out;
}

std::vector<frequency_stage> frequency_stages(const std::vector<std::string>& open, const std::vector<std::string>& won) {
    std::vector<frequency_stage> out;
    std::int32_t sequence = 0;
    for (const auto& s : open) out.push_back({s, stage_kind::open, ++sequence, {}});
    for (const auto& s : won) out.push_back({s, stage_kind::won, ++sequence, {}});
    return out;
}

frequency_counts frequency_counts::of(double won_leads, double lost_leads) {
    const auto w = to_units(won_leads), l = to_units(lost_leads);
    if (!w || !l)
        throw definition_error("frequency counts (" + std::to_string(won_leads) + ", " + std::to_string(lost_leads) +
                               "): counts must be finite, 0 or more, at most 10^12 and whole thousandths of a lead");
    return {*w, *l};
}

std::string_view to_string(frequency_update u) noexcept {
    switch (u) {
    case frequency_update::applied: return "applied";
    case frequency_update::repeated: return "repeated";
    case frequency_update::not_closed: return "not_closed";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------------

frequency_tables::frequency_tables(frequency_definition definition) : definition_(std::move(definition)) {
    const std::string who = "frequency tables: ";
    const auto& d = definition_;
    const auto s = to_units(d.smoothing);
    if (!(d.smoothing > 0) || !s || *s == 0)
        throw definition_error(who + "smoothing " + std::to_string(d.smoothing) +
                               " must be positive, finite and a whole number of thousandths of a lead "
                               "(counts are kept in thousandths)");
    smoothing_ = *s;

    if (d.stages.empty()) throw definition_error(who + "no stages");
    bool open = false, won = false;
    for (std::size_t i = 0; i < d.stages.size(); ++i) {
        const auto& st = d.stages[i];
        std::string key = normalize_name(st.name);
        if (key.empty()) throw definition_error(who + "stage " + std::to_string(i + 1) + " has an empty name");
        if (std::find(stage_keys_.begin(), stage_keys_.end(), key) != stage_keys_.end())
            throw definition_error(who + "stage '" + st.name + "' is listed twice");
        for (const auto& t : st.teams)
            if (t.empty()) throw definition_error(who + "stage '" + st.name + "' lists an empty team name");
        open = open || st.kind == stage_kind::open;
        won = won || st.kind == stage_kind::won;
        stage_keys_.push_back(std::move(key));
        if (is_counted(st.kind)) counted_.push_back(i);
    }
    if (!open) throw definition_error(who + "no open stage");
    if (!won) throw definition_error(who + "no won stage, so no lead can be won");
    std::stable_sort(counted_.begin(), counted_.end(),
                     [&](std::size_t a, std::size_t b) { return d.stages[a].sequence < d.stages[b].sequence; });

    const std::string_view reserved[] = {d.stage_field, d.team_field, d.outcome_field, d.lost_stage_field, d.id_field};
    for (std::size_t i = 0; i < d.variables.size(); ++i) {
        const auto& v = d.variables[i];
        if (v.field.empty()) throw definition_error(who + "variable " + std::to_string(i + 1) + " has no field");
        for (std::size_t j = 0; j < i; ++j)
            if (d.variables[j].field == v.field) throw definition_error(who + "variable '" + v.field + "' is listed twice");
        if (v.unset_is_value && v.separator != '\0')
            throw definition_error(who + "variable '" + v.field +
                                   "': a multi-valued variable cannot count unset as a value");
        for (const auto r : reserved)
            if (!r.empty() && r == v.field)
                throw definition_error(who + "variable '" + v.field + "' is also the stage, team, outcome, lost-stage or id field");
    }
    values_.resize(d.variables.size());
    partitions_.resize(1); // "no team"
    partitions_[0].stages.resize(d.stages.size());
    partitions_[0].values.resize(d.variables.size());
}

frequency_tables::frequency_tables(frequency_definition definition, std::span<const frequency_row> rows)
    : frequency_tables(std::move(definition)) {
    for (const auto& r : rows) {
        const std::string place = "frequency tables: row (" + describe(r.team) + ", " +
                                  (r.variable ? "'" + *r.variable + "'" : std::string("stage")) + ", " +
                                  value_text(r.value) + "): ";
        if (r.counts.won < 0 || r.counts.lost < 0 || r.counts.won > max_units || r.counts.lost > max_units || r.leads < 0)
            throw definition_error(place + "counts must be 0 or more and at most 10^15 thousandths");
        const std::size_t p = partition_for(r.team);
        detail::frequency_cell* c = nullptr;
        if (!r.variable) {
            if (!r.value) throw definition_error(place + "a stage row needs a stage name");
            c = &stage_cell(p, stage_position(*r.value));
        } else {
            const std::size_t v = variable_position(*r.variable);
            c = &value_cell(p, v, value_index(v, r.value));
        }
        if (c->present) throw definition_error(place + "the row is listed twice");
        set(*c, p, r.counts);
        c->leads = r.leads;
    }
}

std::optional<std::size_t> frequency_tables::find_partition(std::optional<std::string_view> team) const {
    if (!team) return 0;
    const auto code = teams_.find(*team);
    if (!code) return std::nullopt;
    return static_cast<std::size_t>(*code) + 1;
}

std::size_t frequency_tables::partition_for(std::optional<std::string_view> team) {
    if (!team) return 0;
    const std::size_t p = static_cast<std::size_t>(teams_.intern(*team)) + 1;
    if (p >= partitions_.size()) {
        partitions_.resize(p + 1);
        partitions_[p].stages.resize(definition_.stages.size());
        partitions_[p].values.resize(definition_.variables.size());
    }
    return p;
}

std::size_t frequency_tables::stage_position(std::string_view stage) const {
    const std::string key = normalize_name(stage);
    const auto it = std::find(stage_keys_.begin(), stage_keys_.end(), key);
    if (it == stage_keys_.end()) {
        std::string names;
        for (const auto& s : definition_.stages) names += (names.empty() ? "" : ", ") + s.name;
        throw definition_error("frequency tables: stage '" + std::string(stage) + "' is not one of the stages (" +
                               names + ")");
    }
    return static_cast<std::size_t>(it - stage_keys_.begin());
}

std::size_t frequency_tables::variable_position(std::string_view variable) const {
    for (std::size_t i = 0; i < definition_.variables.size(); ++i)
        if (definition_.variables[i].field == variable) return i;
    throw definition_error("frequency tables: '" + std::string(variable) + "' is not a variable of the tables");
}

std::size_t frequency_tables::value_index(std::size_t variable, std::optional<std::string_view> value) {
    if (!value) {
        if (!definition_.variables[variable].unset_is_value)
            throw definition_error("frequency tables: variable '" + definition_.variables[variable].field +
                                   "' does not count unset values");
        return 0;
    }
    const char sep = definition_.variables[variable].separator;
    if (sep != '\0' && (value->find(sep) != std::string_view::npos || split_values(*value, sep).size() != 1 ||
                         split_values(*value, sep).front() != *value))
        throw definition_error("frequency tables: value '" + std::string(*value) + "' of the multi-valued variable '" +
                               definition_.variables[variable].field +
                               "' must be one value: not empty, without the separator or surrounding spaces");
    return static_cast<std::size_t>(values_[variable].intern(*value)) + 1;
}

std::optional<std::size_t> frequency_tables::find_value_index(std::size_t variable,
                                                              std::optional<std::string_view> value) const {
    if (!value) return definition_.variables[variable].unset_is_value ? std::optional<std::size_t>(0) : std::nullopt;
    const auto code = values_[variable].find(*value);
    if (!code) return std::nullopt;
    return static_cast<std::size_t>(*code) + 1;
}

detail::frequency_cell& frequency_tables::stage_cell(std::size_t partition, std::size_t stage) {
    return partitions_[partition].stages[stage];
}

detail::frequency_cell& frequency_tables::value_cell(std::size_t partition, std::size_t variable, std::size_t value) {
    return partitions_[partition].values[variable][static_cast<std::uint32_t>(value)];
}

const detail::frequency_cell* frequency_tables::find_value_cell(std::size_t partition, std::size_t variable,
                                                                std::size_t value) const {
    const auto& cells = partitions_[partition].values[variable];
    const auto it = cells.find(static_cast<std::uint32_t>(value));
    return it != cells.end() && it->second.present ? &it->second : nullptr;
}

void frequency_tables::add(detail::frequency_cell& c, std::size_t partition, bool won) {
    if (!c.present) {
        c = {smoothing_, smoothing_, 0, true};
        ++partitions_[partition].rows;
    }
    (won ? c.won : c.lost) += frequency_unit;
    ++c.leads;
}

void frequency_tables::remove(detail::frequency_cell& c, std::size_t partition, bool won) {
    if (!c.present) return;
    auto& count = won ? c.won : c.lost;
    count -= frequency_unit;
    if (count <= 0) count = smoothing_;
    // A row whose counted leads all left is what a rebuild would not have: remove it (rows set by hand stay).
    if (c.leads > 0 && --c.leads == 0 && c.won == smoothing_ && c.lost == smoothing_) {
        c = {};
        --partitions_[partition].rows;
    }
}

void frequency_tables::remove_value(std::size_t partition, std::size_t variable, std::size_t value, bool won) {
    auto& cells = partitions_[partition].values[variable];
    const auto it = cells.find(static_cast<std::uint32_t>(value));
    if (it == cells.end()) return;
    remove(it->second, partition, won);
    if (!it->second.present) cells.erase(it);
}

void frequency_tables::set(detail::frequency_cell& c, std::size_t partition, frequency_counts counts) {
    if (counts.won < 0 || counts.lost < 0 || counts.won > max_units || counts.lost > max_units)
        throw definition_error("frequency tables: counts must be 0 or more and at most 10^15 thousandths");
    if (!c.present) {
        c = {0, 0, 0, true};
        ++partitions_[partition].rows;
    }
    c.won = counts.won;
    c.lost = counts.lost;
}

void frequency_tables::apply(const detail::frequency_close& close, bool undo) {
    const std::size_t p = close.partition;
    if (close.stage >= 0) {
        const auto limit = definition_.stages[static_cast<std::size_t>(close.stage)].sequence;
        for (const auto s : counted_) {
            if (!close.won && definition_.stages[s].sequence > limit) continue;
            if (undo) remove(stage_cell(p, s), p, close.won);
            else add(stage_cell(p, s), p, close.won);
        }
    }
    for (const auto& [v, vi] : close.values) {
        if (undo) remove_value(p, v, vi, close.won);
        else add(value_cell(p, v, vi), p, close.won);
    }
}

bool frequency_tables::has_rows(std::optional<std::string_view> team) const {
    const auto p = find_partition(team);
    return p && *p < partitions_.size() && partitions_[*p].rows > 0;
}

std::vector<std::optional<std::string>> frequency_tables::partitions() const {
    std::vector<std::optional<std::string>> out;
    for (std::size_t p = 0; p < partitions_.size(); ++p) {
        if (partitions_[p].rows == 0) continue;
        if (p == 0) out.emplace_back(std::nullopt);
        else out.emplace_back(std::string(teams_[static_cast<std::int32_t>(p - 1)]));
    }
    return out;
}

std::optional<frequency_counts> frequency_tables::stage_counts(std::optional<std::string_view> team,
                                                               std::string_view stage) const {
    const std::size_t s = stage_position(stage);
    const auto p = find_partition(team);
    if (!p || *p >= partitions_.size()) return std::nullopt;
    const auto& c = partitions_[*p].stages[s];
    if (!c.present) return std::nullopt;
    return frequency_counts{c.won, c.lost};
}

std::optional<frequency_counts> frequency_tables::value_counts(std::optional<std::string_view> team,
                                                               std::string_view variable,
                                                               std::optional<std::string_view> value) const {
    const std::size_t v = variable_position(variable);
    const auto p = find_partition(team);
    const auto vi = find_value_index(v, value);
    if (!p || *p >= partitions_.size() || !vi) return std::nullopt;
    const auto* c = find_value_cell(*p, v, *vi);
    if (c == nullptr) return std::nullopt;
    return frequency_counts{c->won, c->lost};
}

void frequency_tables::set_stage_counts(std::optional<std::string_view> team, std::string_view stage,
                                        frequency_counts counts) {
    const std::size_t s = stage_position(stage);
    const std::size_t p = partition_for(team);
    set(stage_cell(p, s), p, counts);
}

void frequency_tables::set_value_counts(std::optional<std::string_view> team, std::string_view variable,
                                        std::optional<std::string_view> value, frequency_counts counts) {
    const std::size_t v = variable_position(variable);
    const std::size_t vi = value_index(v, value);
    const std::size_t p = partition_for(team);
    set(value_cell(p, v, vi), p, counts);
}

void frequency_tables::merge_into_no_team(std::string_view team) {
    const auto found = find_partition(team);
    if (!found || *found == 0 || *found >= partitions_.size()) return;
    const std::size_t p = *found;
    const auto round_half_up = [](std::int64_t x) { return (x + frequency_unit / 2) / frequency_unit * frequency_unit; };
    const auto sum = [](std::int64_t a, std::int64_t b) { return std::min(a + b, max_units); }; // a, b ≤ max_units
    const auto learned = [&](const detail::frequency_cell& c) {
        return c.present && (c.won > smoothing_ || c.lost > smoothing_); // rows at or below the smoothing are dropped
    };
    const auto merge = [&](const detail::frequency_cell& from, detail::frequency_cell& to) {
        if (to.present) {
            to.won = sum(round_half_up(to.won), round_half_up(from.won));
            to.lost = sum(round_half_up(to.lost), round_half_up(from.lost));
            if (to.won <= smoothing_) to.won = smoothing_;
            if (to.lost <= smoothing_) to.lost = smoothing_;
            to.leads += from.leads;
        } else {
            to = from;
            ++partitions_[0].rows;
        }
    };
    auto& src = partitions_[p];
    for (std::size_t s = 0; s < src.stages.size(); ++s)
        if (learned(src.stages[s])) merge(src.stages[s], partitions_[0].stages[s]);
    for (std::size_t v = 0; v < src.values.size(); ++v)
        for (const auto& [vi, c] : src.values[v])
            if (learned(c)) merge(c, value_cell(0, v, vi));
    auto& emptied = partitions_[p];
    for (auto& c : emptied.stages) c = {};
    for (auto& cells : emptied.values) cells.clear();
    emptied.rows = 0;
}

std::vector<frequency_row> frequency_tables::rows() const {
    std::vector<frequency_row> out;
    out.reserve(size());
    for (std::size_t p = 0; p < partitions_.size(); ++p) {
        const auto& part = partitions_[p];
        if (part.rows == 0) continue;
        std::optional<std::string> team;
        if (p > 0) team = std::string(teams_[static_cast<std::int32_t>(p - 1)]);
        for (std::size_t s = 0; s < part.stages.size(); ++s) {
            const auto& c = part.stages[s];
            if (c.present) out.push_back({team, std::nullopt, definition_.stages[s].name, {c.won, c.lost}, c.leads});
        }
        for (std::size_t v = 0; v < part.values.size(); ++v)
            for (const auto& [vi, c] : part.values[v]) {
                if (!c.present) continue;
                std::optional<std::string> value;
                if (vi > 0) value = std::string(values_[v][static_cast<std::int32_t>(vi - 1)]);
                out.push_back({team, definition_.variables[v].field, std::move(value), {c.won, c.lost}, c.leads});
            }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t frequency_tables::size() const noexcept {
    std::size_t n = 0;
    for (const auto& p : partitions_) n += p.rows;
    return n;
}

bool operator==(const frequency_tables& a, const frequency_tables& b) {
    return a.definition_ == b.definition_ && a.size() == b.size() && a.rows() == b.rows();
}

// ---------------------------------------------------------------------------------------------------------------
// Reading closed leads from a table view
// ---------------------------------------------------------------------------------------------------------------

namespace detail {

/// The fields of a view a definition reads, resolved once.
struct frequency_resolved {
    std::size_t stage = 0, lost_stage = 0;
    std::optional<std::size_t> team, outcome, id;
    std::vector<std::size_t> variables; // column per definition variable

    /// build: outcome required; event: lost stage and id read, outcome not; scoring: outcome optional.
    enum class purpose { build, event, scoring };

    frequency_resolved(const frequency_definition& d, const schema& s, purpose use, const std::string& who) {
        const bool need_outcome = use == purpose::build;
        const auto find = [&](const std::string& name, field_role role, const char* what,
                              bool required) -> std::optional<std::size_t> {
            if (!name.empty()) {
                const auto i = s.find(name);
                if (!i) throw definition_error(who + "the " + what + " field '" + name + "' is not in the table");
                return i;
            }
            const auto i = s.find(role);
            if (!i && required)
                throw definition_error(who + "no " + what + " field: name one in the definition or give a field the role " +
                                       std::string(to_string(role)));
            return i;
        };
        const auto need_type = [&](std::size_t col, const char* what, bool boolean_ok) {
            const auto t = s[col].type;
            if (t == field_type::categorical || (boolean_ok && t == field_type::boolean)) return;
            throw definition_error(who + "the " + what + " field '" + s[col].name + "' is " + std::string(to_string(t)) +
                                   (boolean_ok ? "; it must be categorical or boolean" : "; it must be categorical"));
        };
        stage = *find(d.stage_field, field_role::stage, "stage", true);
        need_type(stage, "stage", false);
        lost_stage = stage;
        if (!d.lost_stage_field.empty() && use != purpose::scoring) {
            lost_stage = *find(d.lost_stage_field, field_role::none, "lost-stage", true);
            need_type(lost_stage, "lost-stage", false);
        }
        team = find(d.team_field, field_role::team, "team", false);
        if (team) need_type(*team, "team", false);
        outcome = find(d.outcome_field, field_role::outcome, "outcome", need_outcome);
        if (outcome) need_type(*outcome, "outcome", true);
        id = find(d.id_field, field_role::id, "id", false);
        if (id) need_type(*id, "id", false);
        for (const auto& v : d.variables) {
            const auto i = s.find(v.field);
            if (!i) throw definition_error(who + "the variable field '" + v.field + "' is not in the table");
            need_type(*i, "variable", true);
            if (*i == stage || (team && *i == *team))
                throw definition_error(who + "the variable field '" + v.field + "' is also the stage or team field");
            variables.push_back(*i);
        }
    }
};

} // namespace detail

namespace {

/// A categorical cell as text; nullopt when missing. Throws input_error for a code outside the dictionary.
std::optional<std::string_view> text_at(const table_view& v, std::size_t col, std::size_t row) {
    const std::int32_t code = v.codes(col)[row];
    if (code == missing_code) return std::nullopt;
    const auto& d = v.dict(col);
    if (code < 0 || static_cast<std::size_t>(code) >= d.size())
        throw input_error(field_place(v.table_schema()[col].name),
                          row_prefix(row) + "code " + std::to_string(code) + " is not in the field's dictionary");
    return d[code];
}

/// A variable's value as text ("true" / "false" for booleans); nullopt when missing.
std::optional<std::string_view> variable_text(const table_view& v, std::size_t col, std::size_t row) {
    if (v.table_schema()[col].type == field_type::categorical) return text_at(v, col, row);
    const std::int8_t b = v.booleans(col)[row];
    if (b == missing_flag) return std::nullopt;
    if (b != 0 && b != 1)
        throw input_error(field_place(v.table_schema()[col].name),
                          row_prefix(row) + "boolean value " + std::to_string(b) + " is neither 0, 1 nor missing");
    return b == 1 ? std::string_view("true") : std::string_view("false");
}

/// 0 open, 1 won, 2 lost. Throws input_error for another text or flag.
int outcome_at(const table_view& v, std::size_t col, std::size_t row) {
    const auto& f = v.table_schema()[col];
    if (f.type == field_type::boolean) {
        const std::int8_t b = v.booleans(col)[row];
        if (b == missing_flag) return 0;
        if (b == 1) return 1;
        if (b == 0) return 2;
        throw input_error(field_place(f.name), row_prefix(row) + "boolean value " + std::to_string(b) +
                                                   " is neither 0, 1 nor missing");
    }
    const auto text = text_at(v, col, row);
    if (!text) return 0;
    const auto o = outcome_of_text(*text);
    if (!o) throw input_error(field_place(f.name), row_prefix(row) + "outcome '" + std::string(*text) +
                                                       "' is neither won, lost nor open");
    return *o;
}

/// The stage position a lost lead counts at, or -1 without stage. Throws input_error for a stage that is not
/// counted (a closed stage, or one the definition does not list).
std::int32_t lost_stage_at(const frequency_tables& t, const std::vector<std::string>& keys, const table_view& v,
                           std::size_t col, std::size_t row) {
    const auto text = text_at(v, col, row);
    if (!text) return -1;
    const std::string key = normalize_name(*text);
    const auto it = std::find(keys.begin(), keys.end(), key);
    const auto& f = v.table_schema()[col];
    if (it == keys.end())
        throw input_error(field_place(f.name), row_prefix(row) + "stage '" + std::string(*text) +
                                                   "' of a lost lead is not one of the stages");
    const auto pos = static_cast<std::size_t>(it - keys.begin());
    if (!is_counted(t.definition().stages[pos].kind))
        throw input_error(field_place(f.name),
                          row_prefix(row) + "a lost lead needs the stage it was lost at, not the closed stage '" +
                              std::string(*text) + "' (name a lost-stage field in the definition)");
    return static_cast<std::int32_t>(pos);
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Rebuild
// ---------------------------------------------------------------------------------------------------------------

frequency_tables frequency_tables::build(frequency_definition definition, const table_view& rows) {
    frequency_tables t(std::move(definition));
    const auto& d = t.definition_;
    const detail::frequency_resolved r(d, rows.table_schema(), detail::frequency_resolved::purpose::build,
                                      "frequency tables: ");
    const std::size_t n = rows.rows();

    // Per dictionary code (slot 0 = missing, code + 1, last = invalid), resolved once: the partition of each team,
    // the outcome, the stage position of a lost lead and each variable's value indices.
    const auto slots_of = [&](std::size_t col) {
        return static_cast<std::uint32_t>(rows.table_schema()[col].type == field_type::boolean ? 3
                                                                                               : rows.dict(col).size() + 1);
    };
    const auto slot = [](std::int32_t code, std::uint32_t valid) {
        return std::min(static_cast<std::uint32_t>(code) + 1U, valid); // invalid codes land on `valid`
    };
    const auto flag_slot = [](std::int8_t b) { return std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(b) + 1), 3U); };

    // Outcome per slot: 0 open, 1 won, 2 lost, 3 invalid.
    const bool outcome_bool = rows.table_schema()[*r.outcome].type == field_type::boolean;
    std::vector<std::uint8_t> outcome_of;
    const std::int32_t* outcome_codes = nullptr;
    const std::int8_t* outcome_flags = nullptr;
    std::uint32_t outcome_valid = 0;
    if (outcome_bool) {
        outcome_flags = rows.booleans(*r.outcome).data();
        outcome_of = {0, 2, 1, 3};
        outcome_valid = 3;
    } else {
        const auto& dict = rows.dict(*r.outcome);
        outcome_codes = rows.codes(*r.outcome).data();
        outcome_valid = static_cast<std::uint32_t>(dict.size() + 1);
        outcome_of.push_back(0);
        for (std::size_t c = 0; c < dict.size(); ++c) {
            const auto o = outcome_of_text(dict[static_cast<std::int32_t>(c)]);
            outcome_of.push_back(o ? static_cast<std::uint8_t>(*o) : 3);
        }
        outcome_of.push_back(3);
    }
    // The exact error of a row, for the rare table that has one: counting below only raises a flag.
    const auto check_row = [&](std::size_t row) {
        const int o = outcome_at(rows, *r.outcome, row);
        if (r.team) (void)text_at(rows, *r.team, row);
        (void)text_at(rows, r.stage, row);
        if (o == 2) (void)lost_stage_at(t, t.stage_keys_, rows, r.lost_stage, row);
        else (void)text_at(rows, r.lost_stage, row);
        for (std::size_t v = 0; v < d.variables.size(); ++v) (void)variable_text(rows, r.variables[v], row);
    };
    const auto report_first_bad_row = [&] {
        for (std::size_t row = 0; row < n; ++row) check_row(row);
        throw input_error(source_location{}, "frequency tables: a value outside its dictionary"); // not reached
    };

    // Partitions only for teams with closed leads (a first pass over outcome and team), so counters and tables
    // follow the teams in use, not the size of the team dictionary. Counters use local partition numbers; open leads
    // of teams without closed leads count into a sink partition that is never folded.
    const std::int32_t* team_codes = r.team ? rows.codes(*r.team).data() : nullptr;
    const std::uint32_t team_valid = r.team ? static_cast<std::uint32_t>(rows.dict(*r.team).size() + 1) : 1;
    const auto team_slot = [&](std::size_t row) -> std::uint32_t {
        return team_codes == nullptr ? 0U : slot(team_codes[row], team_valid);
    };
    const auto outcome_slot = [&](std::size_t row) -> std::uint32_t {
        return outcome_bool ? flag_slot(outcome_flags[row]) : slot(outcome_codes[row], outcome_valid);
    };
    std::vector<std::uint8_t> has_closed(team_valid + 1, 0);
    bool bad = false;
    for (std::size_t row = 0; row < n; ++row) {
        const std::uint8_t o = outcome_of[outcome_slot(row)];
        const std::uint32_t ts = team_slot(row);
        has_closed[ts] |= static_cast<std::uint8_t>(o == 1 || o == 2);
        bad |= (o == 3) | (ts == team_valid);
    }
    if (bad) report_first_bad_row();
    std::vector<std::uint32_t> local_of_slot(team_valid + 1);
    std::vector<std::size_t> partition_of_local;
    for (std::uint32_t ts = 0; ts < team_valid; ++ts) {
        if (has_closed[ts] == 0) continue;
        local_of_slot[ts] = static_cast<std::uint32_t>(partition_of_local.size());
        partition_of_local.push_back(
            t.partition_for(ts == 0 ? std::nullopt
                                    : std::optional<std::string_view>(rows.dict(*r.team)[static_cast<std::int32_t>(ts - 1)])));
    }
    const std::size_t partitions = partition_of_local.size();
    for (std::uint32_t ts = 0; ts <= team_valid; ++ts)
        if (has_closed[ts] == 0) local_of_slot[ts] = static_cast<std::uint32_t>(partitions); // the sink
    const std::size_t counted_partitions = partitions + 1;

    // Stage presence (won leads) and the stage a lost lead counts at: -1 none, -2 unknown, -3 not counted,
    // -4 invalid code. Lost counts go to column `stages` (a spare) when there is no stage position.
    const std::int32_t* stage_codes = rows.codes(r.stage).data();
    const std::uint32_t stage_valid = static_cast<std::uint32_t>(rows.dict(r.stage).size() + 1);
    const std::int32_t* lost_codes = rows.codes(r.lost_stage).data();
    std::vector<std::int32_t> lost_stage_of{-1};
    {
        const auto& dict = rows.dict(r.lost_stage);
        for (std::size_t c = 0; c < dict.size(); ++c) {
            const std::string key = normalize_name(dict[static_cast<std::int32_t>(c)]);
            const auto it = std::find(t.stage_keys_.begin(), t.stage_keys_.end(), key);
            if (it == t.stage_keys_.end()) lost_stage_of.push_back(-2);
            else {
                const auto pos = static_cast<std::size_t>(it - t.stage_keys_.begin());
                lost_stage_of.push_back(is_counted(d.stages[pos].kind) ? static_cast<std::int32_t>(pos) : -3);
            }
        }
    }
    const std::uint32_t lost_valid = static_cast<std::uint32_t>(lost_stage_of.size());
    lost_stage_of.push_back(-4);
    const std::size_t stage_columns = d.stages.size() + 1;

    // Per variable: the value indices of each slot, and counters per (partition, slot, outcome) — dense while that
    // stays small next to the table, hashed beyond (many teams × a high-cardinality variable).
    struct var_plan {
        const std::int32_t* codes = nullptr;
        const std::int8_t* flags = nullptr;
        std::uint32_t valid = 0; // slots 0 .. valid - 1; `valid` = invalid code
        std::vector<std::vector<std::uint32_t>> values; // value indices per slot
        bool dense = true;
        std::vector<std::int64_t> counts; // dense: [(partition × (valid + 1) + slot) × 2 + lost]
        std::unordered_map<std::uint64_t, std::pair<std::int64_t, std::int64_t>> sparse; // closed leads only
    };
    std::vector<var_plan> plans(d.variables.size());
    for (std::size_t v = 0; v < d.variables.size(); ++v) {
        auto& p = plans[v];
        const auto& var = d.variables[v];
        const std::size_t col = r.variables[v];
        p.valid = slots_of(col);
        p.values.resize(p.valid);
        if (var.unset_is_value) p.values[0].push_back(0);
        if (rows.table_schema()[col].type == field_type::boolean) {
            p.flags = rows.booleans(col).data();
            p.values[1].push_back(static_cast<std::uint32_t>(t.value_index(v, "false")));
            p.values[2].push_back(static_cast<std::uint32_t>(t.value_index(v, "true")));
        } else {
            p.codes = rows.codes(col).data();
            const auto& dict = rows.dict(col);
            for (std::size_t c = 0; c < dict.size(); ++c) {
                const std::string_view text = dict[static_cast<std::int32_t>(c)];
                if (var.separator == '\0') {
                    p.values[c + 1].push_back(static_cast<std::uint32_t>(t.value_index(v, text)));
                } else {
                    for (const auto piece : split_values(text, var.separator))
                        p.values[c + 1].push_back(static_cast<std::uint32_t>(t.value_index(v, piece)));
                }
            }
        }
        const double cells = static_cast<double>(counted_partitions) * (p.valid + 1);
        p.dense = cells <= 4.0 * static_cast<double>(n) + 65536.0;
        if (p.dense) p.counts.assign(counted_partitions * (p.valid + 1) * 2, 0);
    }

    // Count the closed rows. Whether a row is closed, and whether it was won or lost, is as unpredictable as data
    // gets, so neither is branched on: each chunk's closed rows are first gathered without branches, then counted
    // with the outcome selecting the counter.
    std::vector<std::int64_t> won_with_stage(counted_partitions, 0);
    std::vector<std::int64_t> lost_at(counted_partitions * stage_columns, 0);
    constexpr std::size_t chunk = 2048;
    std::array<std::uint32_t, chunk> closed_rows{};
    for (std::size_t base = 0; base < n; base += chunk) {
        const std::size_t end = std::min(n, base + chunk);
        std::size_t k = 0;
        for (std::size_t row = base; row < end; ++row) {
            const std::uint8_t o = outcome_of[outcome_slot(row)];
            closed_rows[k] = static_cast<std::uint32_t>(row - base);
            k += static_cast<std::size_t>(o == 1 || o == 2);
        }
        for (std::size_t j = 0; j < k; ++j) {
            const std::size_t row = base + closed_rows[j];
            const std::size_t lost = outcome_of[outcome_slot(row)] == 2 ? 1 : 0;
            const std::size_t p = local_of_slot[team_slot(row)];
            const std::uint32_t ss = slot(stage_codes[row], stage_valid);
            const std::int32_t pos = lost_stage_of[slot(lost_codes[row], lost_valid)];
            bad |= (ss == stage_valid) | (pos == -4) | ((lost != 0) & (pos < -1));
            won_with_stage[p] += static_cast<std::int64_t>((lost == 0) & (ss != 0));
            lost_at[p * stage_columns + (pos >= 0 ? static_cast<std::size_t>(pos) : d.stages.size())] +=
                static_cast<std::int64_t>(lost);
            for (auto& plan : plans) {
                const std::uint32_t vs = plan.flags != nullptr ? flag_slot(plan.flags[row]) : slot(plan.codes[row], plan.valid);
                bad |= vs == plan.valid;
                const std::size_t at = p * (plan.valid + 1) + vs;
                if (plan.dense) {
                    ++plan.counts[at * 2 + lost];
                } else {
                    auto& c = plan.sparse[at];
                    ++(lost != 0 ? c.second : c.first);
                }
            }
        }
    }
    if (bad) report_first_bad_row();

    // Fold the counts into rows: smoothing once, plus one lead (in thousandths) per count.
    const std::int64_t s = t.smoothing_;
    const auto fold = [&](detail::frequency_cell& c, std::size_t p, std::int64_t won, std::int64_t lost) {
        if (won == 0 && lost == 0) return;
        if (!c.present) {
            c = {s, s, 0, true};
            ++t.partitions_[p].rows;
        }
        c.won += won * frequency_unit;
        c.lost += lost * frequency_unit;
        c.leads += won + lost;
    };
    for (std::size_t local = 0; local < partitions; ++local) {
        const std::size_t p = partition_of_local[local];
        // A lost lead counts at its stage and every stage of lower or equal sequence.
        for (const auto st : t.counted_) {
            std::int64_t lost = 0;
            for (const auto at : t.counted_)
                if (d.stages[at].sequence >= d.stages[st].sequence) lost += lost_at[local * stage_columns + at];
            fold(t.stage_cell(p, st), p, won_with_stage[local], lost);
        }
        for (std::size_t v = 0; v < plans.size(); ++v) {
            const auto& plan = plans[v];
            if (!plan.dense) continue;
            for (std::uint32_t vs = 0; vs < plan.valid; ++vs) {
                const std::size_t at = (local * (plan.valid + 1) + vs) * 2;
                const auto won = plan.counts[at], lost = plan.counts[at + 1];
                if (won == 0 && lost == 0) continue;
                for (const auto vi : plan.values[vs]) fold(t.value_cell(p, v, vi), p, won, lost);
            }
        }
    }
    for (std::size_t v = 0; v < plans.size(); ++v) {
        const auto& plan = plans[v];
        for (const auto& [at, c] : plan.sparse) {
            const std::size_t local = at / (plan.valid + 1);
            if (local >= partitions) continue; // the sink holds no closed lead
            const std::size_t p = partition_of_local[local];
            for (const auto vi : plan.values[at % (plan.valid + 1)]) fold(t.value_cell(p, v, vi), p, c.first, c.second);
        }
    }
    return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Learner
// ---------------------------------------------------------------------------------------------------------------

std::shared_ptr<detail::frequency_close> frequency_tables::read_close(const detail::frequency_resolved& r,
                                                                      const table_view& v, std::size_t row, bool won) {
    auto c = std::make_shared<detail::frequency_close>();
    c->won = won;
    // A won lead counts on every stage, so only whether it has one matters; a lost lead counts where it was lost.
    c->stage = won ? (text_at(v, r.stage, row) ? 0 : -1) : lost_stage_at(*this, stage_keys_, v, r.lost_stage, row);
    const auto& vars = definition_.variables;
    std::vector<std::pair<std::size_t, std::optional<std::string_view>>> texts;
    for (std::size_t i = 0; i < vars.size(); ++i) texts.emplace_back(i, variable_text(v, r.variables[i], row));
    const auto team = r.team ? text_at(v, *r.team, row) : std::nullopt;
    // Every value is read (and checked) before anything is interned.
    c->partition = partition_for(team);
    for (const auto& [i, text] : texts) {
        if (!text) {
            if (vars[i].unset_is_value) c->values.emplace_back(static_cast<std::uint32_t>(i), 0U);
            continue;
        }
        if (vars[i].separator == '\0') {
            c->values.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(value_index(i, *text)));
        } else {
            for (const auto piece : split_values(*text, vars[i].separator))
                c->values.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(value_index(i, piece)));
        }
    }
    return c;
}

frequency_learner::frequency_learner(frequency_definition definition) : tables_(std::move(definition)) {}

void frequency_learner::rebuild(const table_view& rows) {
    frequency_tables t = frequency_tables::build(tables_.definition(), rows);
    const detail::frequency_resolved r(t.definition(), rows.table_schema(), detail::frequency_resolved::purpose::build,
                                      "frequency learner: ");
    decltype(closes_) closes;
    std::unordered_map<std::string_view, std::size_t> first_row;
    if (r.id) {
        // Outcomes per dictionary code (build has checked every closed row's values already).
        std::vector<int> outcome_of_code;
        const bool boolean = rows.table_schema()[*r.outcome].type == field_type::boolean;
        if (!boolean) {
            const auto& dict = rows.dict(*r.outcome);
            for (std::size_t c = 0; c < dict.size(); ++c)
                outcome_of_code.push_back(outcome_of_text(dict[static_cast<std::int32_t>(c)]).value_or(-1));
        }
        for (std::size_t row = 0; row < rows.rows(); ++row) {
            int o = 0;
            if (boolean) {
                o = outcome_at(rows, *r.outcome, row);
            } else {
                const std::int32_t code = rows.codes(*r.outcome)[row];
                o = code >= 0 && static_cast<std::size_t>(code) < outcome_of_code.size() ? outcome_of_code[code]
                                                                                          : outcome_at(rows, *r.outcome, row);
            }
            if (o <= 0) continue;
            const auto id = text_at(rows, *r.id, row);
            if (!id) continue;
            const auto [it, fresh] = first_row.emplace(*id, row);
            if (!fresh)
                throw input_error(field_place(rows.table_schema()[*r.id].name),
                                  row_prefix(row) + "lead '" + std::string(*id) + "' is closed in rows " +
                                      std::to_string(it->second) + " and " + std::to_string(row));
            closes.emplace(std::string(*id), t.read_close(r, rows, row, o == 1));
        }
    }
    tables_ = std::move(t);
    closes_ = std::move(closes);
}

frequency_update frequency_learner::close(std::string_view event_id, const table_view& rows, std::size_t row, bool won) {
    if (events_.contains(event_id)) return frequency_update::repeated;
    if (row >= rows.rows())
        throw definition_error("frequency learner: row " + std::to_string(row) + " of a view of " +
                               std::to_string(rows.rows()) + " rows");
    const detail::frequency_resolved r(tables_.definition(), rows.table_schema(),
                                      detail::frequency_resolved::purpose::event, "frequency learner: ");
    if (!r.id) throw definition_error("frequency learner: no id field: name one in the definition or give a field the role id");
    const auto id = text_at(rows, *r.id, row);
    if (!id) throw input_error(field_place(rows.table_schema()[*r.id].name), row_prefix(row) + "the lead has no id");

    // A bad value throws before any count changes (at most a team or value text was interned, which holds no row).
    auto c = tables_.read_close(r, rows, row, won);

    if (const auto it = closes_.find(*id); it != closes_.end()) {
        tables_.apply(*it->second, true);
        closes_.erase(it);
    }
    tables_.apply(*c, false);
    closes_.emplace(std::string(*id), std::move(c));
    events_.emplace(event_id);
    return frequency_update::applied;
}

frequency_update frequency_learner::won(std::string_view event_id, const table_view& rows, std::size_t row) {
    return close(event_id, rows, row, true);
}
frequency_update frequency_learner::lost(std::string_view event_id, const table_view& rows, std::size_t row) {
    return close(event_id, rows, row, false);
}
frequency_update frequency_learner::won(std::string_view event_id, const lead& l, const schema& fields) {
    const auto table = lead_table::from_leads(std::span<const lead>(&l, 1), fields);
    return close(event_id, table.view(), 0, true);
}
frequency_update frequency_learner::lost(std::string_view event_id, const lead& l, const schema& fields) {
    const auto table = lead_table::from_leads(std::span<const lead>(&l, 1), fields);
    return close(event_id, table.view(), 0, false);
}

frequency_update frequency_learner::reopened(std::string_view event_id, std::string_view lead_id) {
    if (events_.contains(event_id)) return frequency_update::repeated;
    events_.emplace(event_id);
    const auto it = closes_.find(lead_id);
    if (it == closes_.end()) return frequency_update::not_closed;
    tables_.apply(*it->second, true);
    closes_.erase(it);
    return frequency_update::applied;
}

void frequency_learner::merge_into_no_team(std::string_view team) {
    const auto p = tables_.find_partition(team);
    tables_.merge_into_no_team(team);
    if (!p || *p == 0) return;
    for (auto& [id, c] : closes_) {
        if (c->partition != *p) continue;
        auto moved = std::make_shared<detail::frequency_close>(*c);
        moved->partition = 0;
        c = std::move(moved);
    }
}

bool frequency_learner::is_closed(std::string_view lead_id) const { return closes_.find(lead_id) != closes_.end(); }
bool frequency_learner::seen(std::string_view event_id) const { return events_.contains(event_id); }

// ---------------------------------------------------------------------------------------------------------------
// The model a policy scores with
// ---------------------------------------------------------------------------------------------------------------

namespace detail {

/// The tables prepared for scoring: multi-valued rows below the minimum support dropped, per-variable totals, and
/// a pooled partition (the sum of all partitions' rows, "no team" included).
class frequency_model {
public:
    struct part {
        std::vector<frequency_cell> stages;
        std::vector<frequency_cells> values;             // per variable; empty for variables not scored
        std::vector<std::pair<std::int64_t, std::int64_t>> totals; // per variable: Σ won, Σ lost
        bool has_rows = false;
    };

    frequency_model(frequency_tables t, frequency_options o) : tables(std::move(t)), options(std::move(o)) {
        const auto& d = tables.definition();
        if (!std::isfinite(options.minimum_support) || options.minimum_support < 0)
            throw definition_error("frequency policy: minimum support " + std::to_string(options.minimum_support) +
                                   " must be finite and 0 or more");
        scored.assign(d.variables.size(), !options.variables.has_value());
        if (options.variables) {
            for (const auto& name : *options.variables) {
                const std::size_t v = tables.variable_position(name);
                if (scored[v]) throw definition_error("frequency policy: variable '" + name + "' is listed twice");
                scored[v] = true;
            }
        }
        const double support = options.minimum_support * frequency_unit;
        const std::size_t n = tables.partitions_.size();
        parts.resize(n + 1);
        pooled = n;
        auto& pool = parts[pooled];
        pool.stages.resize(d.stages.size());
        pool.values.resize(d.variables.size());
        pool.totals.assign(d.variables.size(), {0, 0});
        const auto add = [](std::int64_t& into, std::int64_t x) {
            if (__builtin_add_overflow(into, x, &into))
                throw definition_error("frequency policy: the counts are too large to pool (their sum passes 2^63 "
                                       "thousandths)");
        };
        const auto accumulate = [&](frequency_cell& into, const frequency_cell& c) {
            if (!into.present) into = {0, 0, 0, true};
            add(into.won, c.won);
            add(into.lost, c.lost);
            add(into.leads, c.leads);
        };
        for (std::size_t p = 0; p < n; ++p) {
            const auto& src = tables.partitions_[p];
            auto& dst = parts[p];
            dst.stages = src.stages;
            dst.values.resize(d.variables.size());
            dst.totals.assign(d.variables.size(), {0, 0});
            for (const auto& c : src.stages) {
                dst.has_rows = dst.has_rows || c.present;
            }
            for (std::size_t s = 0; s < src.stages.size(); ++s)
                if (src.stages[s].present) accumulate(pool.stages[s], src.stages[s]);
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
                    add(dst.totals[v].first, c.won);
                    add(dst.totals[v].second, c.lost);
                    accumulate(pooled_cells[vi], c);
                }
                add(pool.totals[v].first, dst.totals[v].first);
                add(pool.totals[v].second, dst.totals[v].second);
            }
        }
        pool.has_rows = true;
    }

    [[nodiscard]] std::optional<std::size_t> value_index(std::size_t v, std::optional<std::string_view> value) const {
        return tables.find_value_index(v, value);
    }
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

} // namespace detail

// ---------------------------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------------------------

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

/// Odoo's rounding for the batch loop, without branches (the comparisons are data-dependent and would be
/// mispredicted half the time): p in [0, 1] or NaN.
inline double round_probability(double p) noexcept {
    const bool is_nan = !(p == p);
    const double ps = p > 0.0 ? (p < 1.0 ? p : 1.0) : 0.0; // NaN → 0, so the conversion below is defined
    // Odoo computes round(100 · p, 2): q = 100·p in binary, then q rounded to 2 decimals from its exact value.
    const double q = 100.0 * ps;
    const double y = 100.0 * q;
    // Dekker's exact product: 100·q = y + e exactly (100 has 5 significant bits, so both partial products are exact).
    constexpr double splitter = 134217729.0; // 2^27 + 1
    const double t = splitter * q;
    const double qh = t - (t - q);
    const double ql = q - qh;
    const double e = (100.0 * qh - y) + 100.0 * ql;
    const auto whole = static_cast<std::int32_t>(y); // y in [0, 10000]: truncation is floor
    const double frac = y - whole;                    // exact
    // Round up above the half, or on it when the exact value is above it, or exactly on it towards even.
    const int up = static_cast<int>(frac > 0.5) |
                   (static_cast<int>(frac == 0.5) & (static_cast<int>(e > 0) | (static_cast<int>(e == 0) & whole)));
    std::int32_t r = whole + (up & 1);
    r = r < 1 ? 1 : r;       // [0.01 %,
    r = r > 9999 ? 9999 : r; //  99.99 %]
    const double out = static_cast<double>(r) / 10000.0;
    return is_nan ? p : out;
}

/// Odoo's float_compare(a, b, 2): equal when the difference rounds to 0.00.
int compare_2dp(double a, double b) {
    const double d = a - b;
    if (std::fabs(d) < 0.005) return 0;
    return d < 0 ? -1 : 1;
}

} // namespace

double frequency_round(double probability) noexcept {
    if (std::isnan(probability)) return probability;
    return round_probability(std::clamp(probability, 0.0, 1.0));
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

frequency_policy::frequency_policy(frequency_tables tables, frequency_options options)
    : model_(std::make_shared<const detail::frequency_model>(std::move(tables), std::move(options))) {}

const frequency_tables& frequency_policy::tables() const noexcept { return model_->tables; }
const frequency_options& frequency_policy::options() const noexcept { return model_->options; }

bool operator==(const frequency_policy& a, const frequency_policy& b) {
    return a.model_ == b.model_ || (a.model_->options == b.model_->options && a.model_->tables == b.model_->tables);
}

frequency_policy::scorer frequency_policy::bind(const table_view& rows, timestamp) const {
    const auto& m = *model_;
    const auto& t = m.tables;
    const auto& d = t.definition();
    const std::string who = "frequency policy: ";
    const detail::frequency_resolved r(d, rows.table_schema(), detail::frequency_resolved::purpose::scoring, who);
    const auto& fields = rows.table_schema();

    scorer s;
    s.model_ = model_;
    s.view_ = rows;
    s.rows_ = rows.rows();
    s.stage_column_ = r.stage;
    s.stage_name_ = fields[r.stage].name;

    // Teams → contexts (partition, first stage).
    std::vector<std::optional<std::string_view>> team_texts{std::nullopt};
    if (r.team) {
        s.team_codes_ = rows.codes(*r.team).data();
        s.team_name_ = fields[*r.team].name;
        const auto& dict = rows.dict(*r.team);
        for (std::size_t c = 0; c < dict.size(); ++c) team_texts.emplace_back(dict[static_cast<std::int32_t>(c)]);
    }
    s.team_slots_ = static_cast<std::uint32_t>(team_texts.size() + (r.team ? 1 : 0));
    std::map<std::pair<std::size_t, std::int64_t>, std::uint32_t> context_ids;
    constexpr std::size_t no_partition = std::numeric_limits<std::size_t>::max();
    for (const auto& team : team_texts) {
        std::size_t partition = no_partition;
        const auto p = t.find_partition(team);
        const bool has_rows = p && *p < m.pooled && m.parts[*p].has_rows;
        if (team && has_rows) partition = *p;
        else if (m.options.pooled_fallback) partition = m.pooled;
        else if (!team) partition = 0;
        std::optional<std::size_t> first;
        for (const auto st : t.counted_) {
            const auto& teams = d.stages[st].teams;
            if (teams.empty() || (team && std::find(teams.begin(), teams.end(), *team) != teams.end())) {
                first = st;
                break;
            }
        }
        const std::pair<std::size_t, std::int64_t> key{partition, first ? static_cast<std::int64_t>(*first) : -1};
        const auto [it, fresh] = context_ids.emplace(key, static_cast<std::uint32_t>(s.contexts_.size()));
        if (fresh) s.contexts_.push_back({partition, first});
        s.context_of_team_.push_back(it->second);
    }
    if (r.team) s.context_of_team_.push_back(0); // invalid codes: any context, the row throws
    const std::size_t contexts = s.contexts_.size();

    // Per context: W, L of the first stage; nullopt when not computable.
    std::vector<std::optional<std::pair<double, double>>> prior(contexts);
    for (std::size_t c = 0; c < contexts; ++c) {
        const auto& ctx = s.contexts_[c];
        if (ctx.partition == no_partition || !ctx.first_stage) continue;
        const auto& cell = m.parts[ctx.partition].stages[*ctx.first_stage];
        if (!cell.present || cell.won == 0 || cell.lost == 0) continue;
        prior[c] = {static_cast<double>(cell.won), static_cast<double>(cell.lost)};
    }

    // Stages: slot 0 missing, code + 1, last = invalid.
    s.stage_codes_ = rows.codes(r.stage).data();
    {
        const auto& dict = rows.dict(r.stage);
        s.stage_slots_ = static_cast<std::uint32_t>(dict.size() + 2);
        s.stage_of_slot_.assign(s.stage_slots_, -1);
        s.stage_fixed_.assign(s.stage_slots_, -1);
        s.stage_fixed_[0] = 0;                    // no stage: 0
        s.stage_fixed_[s.stage_slots_ - 1] = 0;   // invalid code: the row throws
        for (std::size_t c = 0; c < dict.size(); ++c) {
            const std::string_view text = dict[static_cast<std::int32_t>(c)];
            const std::string key = normalize_name(text);
            const auto it = std::find(t.stage_keys_.begin(), t.stage_keys_.end(), key);
            if (it == t.stage_keys_.end()) {
                std::string names;
                for (const auto& st : d.stages) names += (names.empty() ? "" : ", ") + st.name;
                throw definition_error(who + "stage '" + std::string(text) + "' (field '" + s.stage_name_ +
                                       "') is not one of the stages (" + names + ")");
            }
            const auto pos = static_cast<std::size_t>(it - t.stage_keys_.begin());
            s.stage_of_slot_[c + 1] = static_cast<std::int32_t>(pos);
            const auto kind = d.stages[pos].kind;
            if (kind == stage_kind::won) s.stage_fixed_[c + 1] = 1;
            else if (kind != stage_kind::open) s.stage_fixed_[c + 1] = 0;
        }
        s.stage_odds_.assign(contexts * s.stage_slots_, nan_value);
        for (std::size_t c = 0; c < contexts; ++c) {
            if (!prior[c]) continue;
            const auto [W, L] = *prior[c];
            const auto& part = m.parts[s.contexts_[c].partition];
            for (std::uint32_t slot = 0; slot < s.stage_slots_; ++slot) {
                double odds = L / W;
                const std::int32_t pos = s.stage_of_slot_[slot];
                if (pos >= 0 && part.stages[static_cast<std::size_t>(pos)].present) {
                    // sL/sW = (L · lost(stage)/L) / (W · won(stage)/W)
                    const auto& cell = part.stages[static_cast<std::size_t>(pos)];
                    odds = (L / (W + L) * (static_cast<double>(cell.lost) / L)) /
                           (W / (W + L) * (static_cast<double>(cell.won) / W));
                }
                s.stage_odds_[c * s.stage_slots_ + slot] = odds;
            }
        }
    }

    // Outcome (optional): lost → 0, won → 1.
    if (r.outcome) {
        s.outcome_name_ = fields[*r.outcome].name;
        if (fields[*r.outcome].type == field_type::boolean) {
            s.outcome_flags_ = rows.booleans(*r.outcome).data();
            s.outcome_slots_ = 4;
            s.outcome_fixed_ = {-1, 0, 1, 2};
        } else {
            s.outcome_codes_ = rows.codes(*r.outcome).data();
            const auto& dict = rows.dict(*r.outcome);
            s.outcome_slots_ = static_cast<std::uint32_t>(dict.size() + 2);
            s.outcome_fixed_.assign(s.outcome_slots_, -1);
            for (std::size_t c = 0; c < dict.size(); ++c) {
                const std::string_view text = dict[static_cast<std::int32_t>(c)];
                const auto o = outcome_of_text(text);
                if (!o)
                    throw definition_error(who + "outcome '" + std::string(text) + "' (field '" + s.outcome_name_ +
                                           "') is neither won, lost nor open");
                s.outcome_fixed_[c + 1] = *o == 1 ? std::int8_t{1} : *o == 2 ? std::int8_t{0} : std::int8_t{-1};
            }
            s.outcome_fixed_.back() = 2;
        }
    }

    // Variables: per context and slot, the odds factor (lost/Σlost) / (won/Σwon); 1 where the value is skipped.
    for (std::size_t v = 0; v < d.variables.size(); ++v) {
        if (!m.scored[v]) continue;
        const auto& var = d.variables[v];
        scorer::bound_variable b;
        b.variable = v;
        b.column = r.variables[v];
        std::vector<std::vector<std::size_t>> value_of_slot; // value indices (of the tables) per slot
        std::vector<std::optional<std::string_view>> slot_text{std::nullopt};
        if (fields[b.column].type == field_type::boolean) {
            b.flags = rows.booleans(b.column).data();
            slot_text.emplace_back("false");
            slot_text.emplace_back("true");
        } else {
            b.codes = rows.codes(b.column).data();
            const auto& dict = rows.dict(b.column);
            for (std::size_t c = 0; c < dict.size(); ++c) slot_text.emplace_back(dict[static_cast<std::int32_t>(c)]);
        }
        b.slots = static_cast<std::uint32_t>(slot_text.size() + 1);
        for (const auto& text : slot_text) {
            std::vector<std::size_t> indices;
            if (!text) {
                if (var.unset_is_value) indices.push_back(0);
            } else if (var.separator == '\0') {
                if (const auto vi = t.find_value_index(v, *text)) indices.push_back(*vi);
            } else {
                for (const auto piece : split_values(*text, var.separator))
                    if (const auto vi = t.find_value_index(v, piece)) indices.push_back(*vi);
            }
            value_of_slot.push_back(std::move(indices));
        }
        value_of_slot.emplace_back(); // invalid
        b.factor.assign(contexts * b.slots, 1.0);
        for (std::size_t c = 0; c < contexts; ++c) {
            if (!prior[c]) continue;
            const std::size_t p = s.contexts_[c].partition;
            const auto [total_won, total_lost] = m.parts[p].totals[v];
            if (total_won == 0 || total_lost == 0) continue; // the variable tells nothing here
            for (std::uint32_t slot = 0; slot < b.slots; ++slot) {
                double f = 1.0;
                for (const auto vi : value_of_slot[slot]) {
                    const auto* cell = m.value_cell(p, v, vi);
                    if (cell == nullptr) continue;
                    const double pw = static_cast<double>(cell->won) / static_cast<double>(total_won);
                    const double pl = static_cast<double>(cell->lost) / static_cast<double>(total_lost);
                    f *= pl / pw;
                }
                b.factor[c * b.slots + slot] = f;
            }
        }
        s.variables_.push_back(std::move(b));
    }
    return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Scorer
// ---------------------------------------------------------------------------------------------------------------

std::uint32_t frequency_policy::scorer::team_slot(std::size_t row) const {
    if (team_codes_ == nullptr) return 0;
    return std::min(static_cast<std::uint32_t>(team_codes_[row]) + 1U, team_slots_ - 1);
}
std::uint32_t frequency_policy::scorer::stage_slot(std::size_t row) const {
    return std::min(static_cast<std::uint32_t>(stage_codes_[row]) + 1U, stage_slots_ - 1);
}
std::uint32_t frequency_policy::scorer::outcome_slot(std::size_t row) const {
    if (outcome_codes_ != nullptr) return std::min(static_cast<std::uint32_t>(outcome_codes_[row]) + 1U, outcome_slots_ - 1);
    if (outcome_flags_ != nullptr)
        return std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(outcome_flags_[row]) + 1), outcome_slots_ - 1);
    return 0;
}
std::uint32_t frequency_policy::scorer::slot_of(const bound_variable& v, std::size_t row) {
    if (v.codes != nullptr) return std::min(static_cast<std::uint32_t>(v.codes[row]) + 1U, v.slots - 1);
    return std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(v.flags[row]) + 1), v.slots - 1);
}

void frequency_policy::scorer::bad_code(std::size_t first, std::size_t count) const {
    const auto& fields = view_.table_schema();
    for (std::size_t row = first; row < first + count; ++row) {
        if (team_codes_ != nullptr && team_slot(row) == team_slots_ - 1)
            throw input_error(field_place(team_name_), row_prefix(row) + "code " + std::to_string(team_codes_[row]) +
                                                           " is not in the field's dictionary");
        if (stage_slot(row) == stage_slots_ - 1)
            throw input_error(field_place(stage_name_), row_prefix(row) + "code " + std::to_string(stage_codes_[row]) +
                                                            " is not in the field's dictionary");
        if ((outcome_codes_ != nullptr || outcome_flags_ != nullptr) && outcome_slot(row) == outcome_slots_ - 1)
            throw input_error(field_place(outcome_name_), row_prefix(row) + "value is not in the field's dictionary");
        for (const auto& v : variables_)
            if (slot_of(v, row) == v.slots - 1)
                throw input_error(field_place(fields[v.column].name),
                                  row_prefix(row) + (v.codes != nullptr ? "code " + std::to_string(v.codes[row]) +
                                                                              " is not in the field's dictionary"
                                                                        : "boolean value " + std::to_string(v.flags[row]) +
                                                                              " is neither 0, 1 nor missing"));
    }
    throw input_error(field_place(stage_name_), row_prefix(first) + "invalid code"); // not reached
}

void frequency_policy::scorer::check_row(std::size_t row) const {
    if (row >= rows_)
        throw definition_error("frequency policy: row " + std::to_string(row) + " of a view of " +
                               std::to_string(rows_) + " rows");
    bool bad = (team_codes_ != nullptr && team_slot(row) == team_slots_ - 1) || stage_slot(row) == stage_slots_ - 1 ||
               ((outcome_codes_ != nullptr || outcome_flags_ != nullptr) && outcome_slot(row) == outcome_slots_ - 1);
    for (const auto& v : variables_) bad = bad || slot_of(v, row) == v.slots - 1;
    if (bad) bad_code(row, 1);
}

int frequency_policy::scorer::fixed_of(std::size_t row, std::string& reason) const {
    const std::int8_t o = outcome_fixed_.empty() ? std::int8_t{-1} : outcome_fixed_[outcome_slot(row)];
    if (o >= 0) {
        reason = outcome_name_ + (o == 1 ? "=won" : "=lost");
        return o;
    }
    const std::uint32_t ss = stage_slot(row);
    if (stage_fixed_[ss] >= 0) {
        if (ss == 0) reason = stage_name_ + "=(none)";
        else reason = stage_name_ + "=" + std::string(view_.dict(stage_column_)[static_cast<std::int32_t>(ss - 1)]) +
                      (stage_fixed_[ss] == 1 ? " (won stage)" : " (closed stage)");
        return stage_fixed_[ss];
    }
    return -1;
}

double frequency_policy::scorer::odds_of(std::size_t row) const {
    const std::uint32_t c = context_of_team_[team_slot(row)];
    double odds = stage_odds_[static_cast<std::size_t>(c) * stage_slots_ + stage_slot(row)];
    for (const auto& v : variables_) odds *= v.factor[static_cast<std::size_t>(c) * v.slots + slot_of(v, row)];
    return odds;
}

double frequency_policy::scorer::score(std::size_t row) const {
    check_row(row);
    std::string reason;
    const int fixed = fixed_of(row, reason);
    if (fixed >= 0) return fixed;
    return round_probability(1.0 / (1.0 + odds_of(row)));
}

template <bool HasTeam, int Outcome>
void frequency_policy::scorer::score_block(std::size_t first, std::span<double> out) const {
    // Column by column over chunks small enough for the stack: contexts and fixed results, then one pass per
    // variable multiplying the odds, then the rounding. Invalid codes read a sentinel slot and are reported after.
    constexpr std::size_t chunk = 512;
    std::uint32_t ctx[chunk];
    std::int8_t fixed[chunk];
    for (std::size_t base = 0; base < out.size(); base += chunk) {
        const std::size_t n = std::min(chunk, out.size() - base);
        const std::size_t r0 = first + base;
        double* o = out.data() + base;
        bool bad = false;
        const std::int32_t* stage = stage_codes_ + r0;
        const std::uint32_t stage_invalid = stage_slots_ - 1;
        for (std::size_t i = 0; i < n; ++i) {
            std::uint32_t c = 0;
            if constexpr (HasTeam) {
                const std::uint32_t ts = std::min(static_cast<std::uint32_t>(team_codes_[r0 + i]) + 1U, team_slots_ - 1);
                bad |= ts == team_slots_ - 1;
                c = context_of_team_[ts];
            }
            const std::uint32_t ss = std::min(static_cast<std::uint32_t>(stage[i]) + 1U, stage_invalid);
            bad |= ss == stage_invalid;
            ctx[i] = c;
            o[i] = stage_odds_[static_cast<std::size_t>(c) * stage_slots_ + ss];
            std::int8_t f = stage_fixed_[ss];
            if constexpr (Outcome != 0) {
                std::uint32_t os;
                if constexpr (Outcome == 1) os = std::min(static_cast<std::uint32_t>(outcome_codes_[r0 + i]) + 1U, outcome_slots_ - 1);
                else os = std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(outcome_flags_[r0 + i]) + 1), outcome_slots_ - 1);
                bad |= os == outcome_slots_ - 1;
                const std::int8_t of = outcome_fixed_[os];
                f = of >= 0 ? of : f;
            }
            fixed[i] = f;
        }
        for (const auto& v : variables_) {
            const double* factor = v.factor.data();
            const std::uint32_t slots = v.slots, invalid = v.slots - 1;
            std::uint32_t highest = 0; // an invalid code clamps to `invalid`, the highest slot
            if (v.codes != nullptr) {
                const std::int32_t* codes = v.codes + r0;
                for (std::size_t i = 0; i < n; ++i) {
                    const std::uint32_t s = std::min(static_cast<std::uint32_t>(codes[i]) + 1U, invalid);
                    highest = std::max(highest, s);
                    o[i] *= factor[static_cast<std::size_t>(ctx[i]) * slots + s];
                }
            } else {
                const std::int8_t* flags = v.flags + r0;
                for (std::size_t i = 0; i < n; ++i) {
                    const std::uint32_t s = std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(flags[i]) + 1), invalid);
                    highest = std::max(highest, s);
                    o[i] *= factor[static_cast<std::size_t>(ctx[i]) * slots + s];
                }
            }
            bad = bad || highest == invalid;
        }
        if (bad) bad_code(r0, n);
        for (std::size_t i = 0; i < n; ++i) {
            const double p = round_probability(1.0 / (1.0 + o[i]));
            o[i] = fixed[i] >= 0 ? static_cast<double>(fixed[i]) : p;
        }
    }
}

void frequency_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    if (first > rows_ || out.size() > rows_ - first)
        throw definition_error("frequency policy: rows " + std::to_string(first) + " to " +
                               std::to_string(first + out.size()) + " of a view of " + std::to_string(rows_) + " rows");
    const int outcome = outcome_codes_ != nullptr ? 1 : outcome_flags_ != nullptr ? 2 : 0;
    if (team_codes_ != nullptr) {
        if (outcome == 0) score_block<true, 0>(first, out);
        else if (outcome == 1) score_block<true, 1>(first, out);
        else score_block<true, 2>(first, out);
    } else {
        if (outcome == 0) score_block<false, 0>(first, out);
        else if (outcome == 1) score_block<false, 1>(first, out);
        else score_block<false, 2>(first, out);
    }
}

namespace {

/// One used factor of a row: its name parts and its pW, pL (the stage: won/W, lost/L).
struct used_factor {
    std::string variable;
    std::optional<std::string> value;
    double pw = 0, pl = 0;
    bool stage = false;
    bool quality = false; // unset_is_value: Odoo's nonsense filter applies
};

} // namespace

template <class F>
void frequency_policy::scorer::for_each_value(std::size_t row, std::size_t partition, F&& f) const {
    const auto& m = *model_;
    const auto& d = m.tables.definition();
    const auto& part = m.parts[partition];
    for (const auto& v : variables_) {
        const auto& var = d.variables[v.variable];
        const auto [tw, tl] = part.totals[v.variable];
        if (tw == 0 || tl == 0) continue;
        const std::uint32_t slot = slot_of(v, row);
        std::optional<std::string_view> text;
        if (slot > 0)
            text = v.codes != nullptr ? view_.dict(v.column)[static_cast<std::int32_t>(slot - 1)]
                                      : std::string_view(slot == 2 ? "true" : "false");
        std::vector<std::optional<std::string_view>> values;
        if (!text) {
            if (var.unset_is_value) values.emplace_back(std::nullopt);
        } else if (var.separator == '\0') {
            values.emplace_back(text);
        } else {
            for (const auto piece : split_values(*text, var.separator)) values.emplace_back(piece);
        }
        for (const auto& value : values) {
            const auto vi = m.value_index(v.variable, value);
            if (!vi) continue;
            const auto* cell = m.value_cell(partition, v.variable, *vi);
            if (cell == nullptr) continue;
            f(var, value, static_cast<double>(cell->won) / static_cast<double>(tw),
              static_cast<double>(cell->lost) / static_cast<double>(tl));
        }
    }
}

explanation frequency_policy::scorer::explain(std::size_t row) const {
    check_row(row);
    explanation e;
    e.unit = "log-odds";
    e.score = score(row);
    std::string reason;
    if (fixed_of(row, reason) >= 0 || std::isnan(e.score)) {
        if (reason.empty()) reason = "not computable: no first-stage counts for the lead's team";
        e.factors.push_back({reason, 0.0});
        e.additive = false;
        return e;
    }
    const auto& m = *model_;
    const auto& d = m.tables.definition();
    const std::uint32_t c = context_of_team_[team_slot(row)];
    const auto& ctx = contexts_[c];
    const auto& part = m.parts[ctx.partition];
    const auto& first = part.stages[*ctx.first_stage];
    const double W = static_cast<double>(first.won), L = static_cast<double>(first.lost);
    e.factors.push_back({"prior", std::log(W / L)});
    const std::int32_t pos = stage_of_slot_[stage_slot(row)];
    if (pos >= 0 && part.stages[static_cast<std::size_t>(pos)].present) {
        const auto& cell = part.stages[static_cast<std::size_t>(pos)];
        e.factors.push_back({stage_name_ + "=" + d.stages[static_cast<std::size_t>(pos)].name,
                             std::log((static_cast<double>(cell.won) / W) / (static_cast<double>(cell.lost) / L))});
    }
    for_each_value(row, ctx.partition, [&](const frequency_variable& var, std::optional<std::string_view> value,
                                           double pw, double pl) {
        e.factors.push_back({var.field + "=" + value_text(value), std::log(pw / pl)});
    });
    e.total = -std::log(odds_of(row));
    e.additive = true;
    order_factors(e.factors);
    return e;
}

frequency_factors frequency_policy::scorer::factors(std::size_t row) const {
    check_row(row);
    frequency_factors out;
    out.probability = score(row);
    std::string reason;
    if (fixed_of(row, reason) >= 0 || std::isnan(out.probability)) return out;

    const auto& m = *model_;
    const auto& d = m.tables.definition();
    const auto& ctx = contexts_[context_of_team_[team_slot(row)]];
    const auto& part = m.parts[ctx.partition];
    const auto& first = part.stages[*ctx.first_stage];
    std::vector<frequency_factor> all;
    const std::int32_t pos = stage_of_slot_[stage_slot(row)];
    if (pos >= 0 && part.stages[static_cast<std::size_t>(pos)].present) {
        const auto& cell = part.stages[static_cast<std::size_t>(pos)];
        all.push_back({stage_name_, d.stages[static_cast<std::size_t>(pos)].name,
                       1.0 - static_cast<double>(cell.lost) / static_cast<double>(first.lost)});
    }
    for_each_value(row, ctx.partition, [&](const frequency_variable& var, std::optional<std::string_view> value,
                                           double pw, double pl) {
        const double score = pw / (pw + pl);
        if (var.unset_is_value) {
            // Nonsense for a quality field: a missing or incorrect address that helps, a correct one that hurts.
            const std::string n = value ? normalize_name(*value) : std::string();
            if ((!value || n == "incorrect") && compare_2dp(score, 0.5) > 0) return;
            if (value && n == "correct" && compare_2dp(score, 0.5) < 0) return;
        }
        all.push_back({var.field, value ? std::optional<std::string>(std::string(*value)) : std::nullopt, score});
    });
    // Ascending by (score, variable, value), as Odoo sorts its tuples; the lowest 3 below 0.5, the highest 3 above.
    std::stable_sort(all.begin(), all.end(), [](const frequency_factor& a, const frequency_factor& b) {
        if (a.score != b.score) return a.score < b.score;
        if (a.variable != b.variable) return a.variable < b.variable;
        return a.value < b.value;
    });
    for (std::size_t i = 0; i < all.size() && i < 3; ++i)
        if (compare_2dp(all[i].score, 0.5) < 0) out.low.push_back(all[i]);
    for (std::size_t i = 0; i < all.size() && i < 3; ++i) {
        const auto& f = all[all.size() - 1 - i];
        if (compare_2dp(f.score, 0.5) > 0) out.top.push_back(f);
    }
    return out;
}

} // namespace leadscore
