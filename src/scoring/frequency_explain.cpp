// Explanations of a frequency score: additive log-odds factors, and Odoo's top and low factor scores.

#include "frequency_detail.hpp"

#include "leadscore/core/catalogue.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore {

namespace {

/// Odoo's float_compare(a, b, 2): equal when the difference rounds to 0.00.
int compare_2dp(double a, double b) {
    const double d = a - b;
    if (std::fabs(d) < 0.005) return 0;
    return d < 0 ? -1 : 1;
}

} // namespace

namespace detail {

template <class F>
void frequency_bound::for_each_value(std::size_t row, std::size_t partition, F&& f) const {
    const auto& st = model->store();
    const auto& d = st.definition;
    const auto& part = model->parts[partition];
    for (const auto& v : variables) {
        const auto& var = d.variables[v.variable];
        const auto [tw, tl] = part.totals[v.variable];
        if (tw == 0 || tl == 0) continue;
        const std::uint32_t slot = slot_of(v, row);
        std::optional<std::string_view> text;
        if (slot > 0)
            text = v.codes != nullptr ? view.dict(v.column)[static_cast<std::int32_t>(slot - 1)]
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
            const auto vi = st.find_value_index(v.variable, value);
            if (!vi) continue;
            const auto* cell = model->value_cell(partition, v.variable, *vi);
            if (cell == nullptr) continue;
            f(var, value, static_cast<double>(cell->won) / static_cast<double>(tw),
              static_cast<double>(cell->lost) / static_cast<double>(tl));
        }
    }
}

} // namespace detail

explanation frequency_policy::scorer::explain(std::size_t row) const {
    const auto& b = *bound_;
    b.check_row(row);
    explanation e;
    e.unit = "log-odds";
    e.score = b.score(row);
    std::string reason;
    if (b.fixed_of(row, reason) != detail::not_fixed || std::isnan(e.score)) {
        if (reason.empty()) reason = "not computable: no first-stage counts for the lead's team";
        e.factors.push_back({reason, 0.0});
        e.additive = false;
        return e;
    }
    const auto& d = b.model->store().definition;
    const auto& ctx = b.contexts[b.context_of_team[b.team_slot(row)]];
    const auto& part = b.model->parts[ctx.partition];
    const auto& first = part.stages[*ctx.first_stage];
    const double W = static_cast<double>(first.won), L = static_cast<double>(first.lost);
    e.factors.push_back({"prior", std::log(W / L)});
    const auto pos = b.stage_of_slot[b.stage_slot(row)];
    if (pos && part.stages[*pos].present) {
        const auto& cell = part.stages[*pos];
        e.factors.push_back({b.stage_name + "=" + d.stages[*pos].name,
                             std::log((static_cast<double>(cell.won) / W) / (static_cast<double>(cell.lost) / L))});
    }
    b.for_each_value(row, ctx.partition, [&](const frequency_variable& var, std::optional<std::string_view> value,
                                             double pw, double pl) {
        e.factors.push_back({var.field + "=" + detail::value_text(value), std::log(pw / pl)});
    });
    e.total = -std::log(b.odds_of(row));
    e.additive = true;
    order_factors(e.factors);
    return e;
}

frequency_factors frequency_policy::scorer::factors(std::size_t row) const {
    const auto& b = *bound_;
    b.check_row(row);
    frequency_factors out;
    out.probability = b.score(row);
    std::string reason;
    if (b.fixed_of(row, reason) != detail::not_fixed || std::isnan(out.probability)) return out;

    const auto& d = b.model->store().definition;
    const auto& ctx = b.contexts[b.context_of_team[b.team_slot(row)]];
    const auto& part = b.model->parts[ctx.partition];
    const auto& first = part.stages[*ctx.first_stage];
    std::vector<frequency_factor> all;
    const auto pos = b.stage_of_slot[b.stage_slot(row)];
    if (pos && part.stages[*pos].present) {
        const auto& cell = part.stages[*pos];
        all.push_back({b.stage_name, d.stages[*pos].name, 1.0 - static_cast<double>(cell.lost) / static_cast<double>(first.lost)});
    }
    b.for_each_value(row, ctx.partition, [&](const frequency_variable& var, std::optional<std::string_view> value,
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
    std::stable_sort(all.begin(), all.end(), [](const frequency_factor& x, const frequency_factor& y) {
        if (x.score != y.score) return x.score < y.score;
        if (x.variable != y.variable) return x.variable < y.variable;
        return x.value < y.value;
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
