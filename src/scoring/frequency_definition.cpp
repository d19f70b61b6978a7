// Frequency tables: stage lists, counts, the definition's validation, and reading a table view's fields and cells.

#include "frequency_detail.hpp"
#include "../core/messages.hpp"

#include "leadscore/core/catalogue.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore {

using detail::field_place;

namespace detail {

std::optional<std::int64_t> frequency_units(double leads) {
    if (!std::isfinite(leads) || leads < 0 || leads * frequency_unit > static_cast<double>(frequency_max_units))
        return std::nullopt;
    const double scaled = leads * frequency_unit;
    const double whole = std::nearbyint(scaled);
    // 0.1 · 1000 is 100.00000000000001 in binary: accept what is a whole thousandth up to rounding of the input.
    if (std::fabs(scaled - whole) > 1e-9 * std::max(1.0, whole)) return std::nullopt;
    return static_cast<std::int64_t>(whole);
}

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

frequency_outcome outcome_of_text(std::string_view text) {
    const std::string n = normalize_name(text);
    if (n == "won") return frequency_outcome::won;
    if (n == "lost") return frequency_outcome::lost;
    if (n == "open") return frequency_outcome::open;
    return frequency_outcome::invalid;
}

std::string row_prefix(std::size_t row) { return "row " + std::to_string(row) + ": "; }

std::string value_text(std::optional<std::string_view> v) { return v ? std::string(*v) : std::string("(unset)"); }

std::string describe_team(std::optional<std::string_view> team) {
    return team ? "team '" + std::string(*team) + "'" : std::string("no team");
}

std::optional<std::string_view> text_at(const table_view& v, std::size_t col, std::size_t row) {
    const std::int32_t code = v.codes(col)[row];
    if (code == missing_code) return std::nullopt;
    const auto& d = v.dict(col);
    if (code < 0 || static_cast<std::size_t>(code) >= d.size())
        throw input_error(field_place(v.table_schema()[col].name),
                          row_prefix(row) + "code " + std::to_string(code) + " is not in the field's dictionary");
    return d[code];
}

std::optional<std::string_view> variable_text(const table_view& v, std::size_t col, std::size_t row) {
    if (v.table_schema()[col].type == field_type::categorical) return text_at(v, col, row);
    const std::int8_t b = v.booleans(col)[row];
    if (b == missing_flag) return std::nullopt;
    if (b != 0 && b != 1)
        throw input_error(field_place(v.table_schema()[col].name),
                          row_prefix(row) + "boolean value " + std::to_string(b) + " is neither 0, 1 nor missing");
    return b == 1 ? std::string_view("true") : std::string_view("false");
}

frequency_outcome outcome_at(const table_view& v, std::size_t col, std::size_t row) {
    const auto& f = v.table_schema()[col];
    if (f.type == field_type::boolean) {
        const std::int8_t b = v.booleans(col)[row];
        if (b == missing_flag) return frequency_outcome::open;
        if (b == 1) return frequency_outcome::won;
        if (b == 0) return frequency_outcome::lost;
        throw input_error(field_place(f.name), row_prefix(row) + "boolean value " + std::to_string(b) +
                                                   " is neither 0, 1 nor missing");
    }
    const auto text = text_at(v, col, row);
    if (!text) return frequency_outcome::open;
    const auto o = outcome_of_text(*text);
    if (o == frequency_outcome::invalid)
        throw input_error(field_place(f.name),
                          row_prefix(row) + "outcome '" + std::string(*text) + "' is neither won, lost nor open");
    return o;
}

std::optional<std::size_t> lost_stage_at(const frequency_store& t, const table_view& v, std::size_t col,
                                         std::size_t row) {
    const auto text = text_at(v, col, row);
    if (!text) return std::nullopt;
    const auto pos = t.find_stage(*text);
    const auto& f = v.table_schema()[col];
    if (!pos)
        throw input_error(field_place(f.name), row_prefix(row) + "stage '" + std::string(*text) +
                                                   "' of a lost lead is not one of the stages");
    if (!is_counted(t.definition.stages[*pos].kind))
        throw input_error(field_place(f.name),
                          row_prefix(row) + "a lost lead needs the stage it was lost at, not the closed stage '" +
                              std::string(*text) + "' (name a lost-stage field in the definition)");
    return pos;
}

// ---- the definition's validation ----------------------------------------------------------------------------

namespace {

std::int64_t checked_smoothing(double smoothing, const std::string& who) {
    const auto s = frequency_units(smoothing);
    if (!(smoothing > 0) || !s || *s == 0)
        throw definition_error(who + "smoothing " + std::to_string(smoothing) +
                               " must be positive, finite and a whole number of thousandths of a lead "
                               "(counts are kept in thousandths)");
    return *s;
}

void check_variables(const frequency_definition& d, const std::string& who) {
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
                throw definition_error(who + "variable '" + v.field +
                                       "' is also the stage, team, outcome, lost-stage or id field");
    }
}

} // namespace

frequency_store::frequency_store(frequency_definition d) : definition(std::move(d)) {
    const std::string who = "frequency tables: ";
    const auto& def = definition;
    smoothing = checked_smoothing(def.smoothing, who);

    if (def.stages.empty()) throw definition_error(who + "no stages");
    bool open = false, won = false;
    for (std::size_t i = 0; i < def.stages.size(); ++i) {
        const auto& st = def.stages[i];
        std::string key = normalize_name(st.name);
        if (key.empty()) throw definition_error(who + "stage " + std::to_string(i + 1) + " has an empty name");
        if (std::find(stage_keys.begin(), stage_keys.end(), key) != stage_keys.end())
            throw definition_error(who + "stage '" + st.name + "' is listed twice");
        for (const auto& t : st.teams)
            if (t.empty()) throw definition_error(who + "stage '" + st.name + "' lists an empty team name");
        open = open || st.kind == stage_kind::open;
        won = won || st.kind == stage_kind::won;
        stage_keys.push_back(std::move(key));
        if (is_counted(st.kind)) counted.push_back(i);
    }
    if (!open) throw definition_error(who + "no open stage");
    if (!won) throw definition_error(who + "no won stage, so no lead can be won");
    std::stable_sort(counted.begin(), counted.end(),
                     [&](std::size_t a, std::size_t b) { return def.stages[a].sequence < def.stages[b].sequence; });

    check_variables(def, who);
    values.resize(def.variables.size());
    partitions.resize(1); // "no team"
    partitions[0].stages.resize(def.stages.size());
    partitions[0].values.resize(def.variables.size());
}

// ---- a view's fields ----------------------------------------------------------------------------------------

frequency_resolved::frequency_resolved(const frequency_definition& d, const schema& s, purpose use,
                                       const std::string& who) {
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
    if (use != purpose::scoring) { // scoring never reads the lead id
        id = find(d.id_field, field_role::id, "id", false);
        if (id) need_type(*id, "id", false);
    }
    for (const auto& v : d.variables) {
        const auto i = s.find(v.field);
        if (!i) throw definition_error(who + "the variable field '" + v.field + "' is not in the table");
        need_type(*i, "variable", true);
        if (*i == stage || (team && *i == *team))
            throw definition_error(who + "the variable field '" + v.field + "' is also the stage or team field");
        variables.push_back(*i);
    }
}

} // namespace detail

// ---- public pieces of the definition ------------------------------------------------------------------------

std::vector<frequency_stage> frequency_stages(const funnel& f) {
    std::vector<frequency_stage> out;
    std::int32_t sequence = 0;
    for (const auto i : f.open_stages()) out.push_back({f[i].name, stage_kind::open, ++sequence, {}});
    for (const auto& s : f.stages())
        if (s.kind == stage_kind::won) out.push_back({s.name, stage_kind::won, ++sequence, {}});
    for (const auto& s : f.stages())
        if (!detail::is_counted(s.kind)) out.push_back({s.name, s.kind, 0, {}});
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
    const auto w = detail::frequency_units(won_leads), l = detail::frequency_units(lost_leads);
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

} // namespace leadscore
