// The bound frequency policy scoring rows: one lead at a time, or a block column by column (the hot loop).

#include "frequency_detail.hpp"
#include "../core/messages.hpp"

#include <cmath>

namespace leadscore {

using detail::field_place;

namespace {

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

} // namespace

double frequency_round(double probability) noexcept {
    if (std::isnan(probability)) return probability;
    return round_probability(std::clamp(probability, 0.0, 1.0));
}

namespace detail {

std::uint32_t frequency_bound::outcome_slot(std::size_t row) const {
    if (outcome_codes != nullptr) return std::min(static_cast<std::uint32_t>(outcome_codes[row]) + 1U, outcome_slots - 1);
    if (outcome_flags != nullptr)
        return std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(outcome_flags[row]) + 1), outcome_slots - 1);
    return 0;
}

void frequency_bound::bad_code(std::size_t first, std::size_t count) const {
    const auto& fields = view.table_schema();
    for (std::size_t row = first; row < first + count; ++row) {
        if (team_codes != nullptr && team_slot(row) == team_slots - 1)
            throw input_error(field_place(team_name), row_prefix(row) + "code " + std::to_string(team_codes[row]) +
                                                          " is not in the field's dictionary");
        if (stage_slot(row) == stage_slots - 1)
            throw input_error(field_place(stage_name), row_prefix(row) + "code " + std::to_string(stage_codes[row]) +
                                                           " is not in the field's dictionary");
        if ((outcome_codes != nullptr || outcome_flags != nullptr) && outcome_slot(row) == outcome_slots - 1)
            throw input_error(field_place(outcome_name), row_prefix(row) + "value is not in the field's dictionary");
        for (const auto& v : variables)
            if (slot_of(v, row) == v.slots - 1)
                throw input_error(field_place(fields[v.column].name),
                                  row_prefix(row) + (v.codes != nullptr ? "code " + std::to_string(v.codes[row]) +
                                                                              " is not in the field's dictionary"
                                                                        : "boolean value " + std::to_string(v.flags[row]) +
                                                                              " is neither 0, 1 nor missing"));
    }
    throw input_error(field_place(stage_name), row_prefix(first) + "invalid code"); // not reached
}

void frequency_bound::check_row(std::size_t row) const {
    if (row >= rows)
        throw definition_error("frequency policy: row " + std::to_string(row) + " of a view of " + std::to_string(rows) +
                               " rows");
    bool bad = (team_codes != nullptr && team_slot(row) == team_slots - 1) || stage_slot(row) == stage_slots - 1 ||
               ((outcome_codes != nullptr || outcome_flags != nullptr) && outcome_slot(row) == outcome_slots - 1);
    for (const auto& v : variables) bad = bad || slot_of(v, row) == v.slots - 1;
    if (bad) bad_code(row, 1);
}

int frequency_bound::fixed_of(std::size_t row, std::string& reason) const {
    const std::int8_t o = outcome_fixed.empty() ? not_fixed : outcome_fixed[outcome_slot(row)];
    if (o != not_fixed) {
        reason = outcome_name + (o == fixed_one ? "=won" : "=lost");
        return o;
    }
    const std::uint32_t ss = stage_slot(row);
    if (stage_fixed[ss] != not_fixed) {
        if (ss == 0) reason = stage_name + "=(none)";
        else reason = stage_name + "=" + std::string(view.dict(stage_column)[static_cast<std::int32_t>(ss - 1)]) +
                      (stage_fixed[ss] == fixed_one ? " (won stage)" : " (closed stage)");
        return stage_fixed[ss];
    }
    return not_fixed;
}

double frequency_bound::odds_of(std::size_t row) const {
    const std::uint32_t c = context_of_team[team_slot(row)];
    double odds = stage_odds[static_cast<std::size_t>(c) * stage_slots + stage_slot(row)];
    for (const auto& v : variables) odds *= v.factor[static_cast<std::size_t>(c) * v.slots + slot_of(v, row)];
    return odds;
}

double frequency_bound::score(std::size_t row) const {
    check_row(row);
    std::string reason;
    const int fixed = fixed_of(row, reason);
    if (fixed != not_fixed) return fixed;
    return round_probability(1.0 / (1.0 + odds_of(row)));
}

// Column by column over chunks small enough for the stack: contexts and fixed results, then one pass per variable
// multiplying the odds, then the rounding. Invalid codes read a sentinel slot and are reported after. The hot loop
// of scoring, kept in one piece.
template <bool HasTeam, int Outcome>
void frequency_bound::score_block(std::size_t first, std::span<double> out) const {
    constexpr std::size_t chunk = 512;
    std::uint32_t ctx[chunk];
    std::int8_t fixed[chunk];
    for (std::size_t base = 0; base < out.size(); base += chunk) {
        const std::size_t n = std::min(chunk, out.size() - base);
        const std::size_t r0 = first + base;
        double* o = out.data() + base;
        bool bad = false;
        const std::int32_t* stage = stage_codes + r0;
        const std::uint32_t stage_invalid = stage_slots - 1;
        for (std::size_t i = 0; i < n; ++i) {
            std::uint32_t c = 0;
            if constexpr (HasTeam) {
                const std::uint32_t ts = std::min(static_cast<std::uint32_t>(team_codes[r0 + i]) + 1U, team_slots - 1);
                bad |= ts == team_slots - 1;
                c = context_of_team[ts];
            }
            const std::uint32_t ss = std::min(static_cast<std::uint32_t>(stage[i]) + 1U, stage_invalid);
            bad |= ss == stage_invalid;
            ctx[i] = c;
            o[i] = stage_odds[static_cast<std::size_t>(c) * stage_slots + ss];
            std::int8_t f = stage_fixed[ss];
            if constexpr (Outcome != 0) {
                std::uint32_t os;
                if constexpr (Outcome == 1) os = std::min(static_cast<std::uint32_t>(outcome_codes[r0 + i]) + 1U, outcome_slots - 1);
                else os = std::min(static_cast<std::uint32_t>(static_cast<std::int32_t>(outcome_flags[r0 + i]) + 1), outcome_slots - 1);
                bad |= os == outcome_slots - 1;
                const std::int8_t of = outcome_fixed[os];
                f = of >= 0 ? of : f;
            }
            fixed[i] = f;
        }
        for (const auto& v : variables) {
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

void frequency_bound::score_batch(std::size_t first, std::span<double> out) const {
    if (first > rows || out.size() > rows - first)
        throw definition_error("frequency policy: rows " + std::to_string(first) + " to " +
                               std::to_string(first + out.size()) + " of a view of " + std::to_string(rows) + " rows");
    const int outcome = outcome_codes != nullptr ? 1 : outcome_flags != nullptr ? 2 : 0;
    if (team_codes != nullptr) {
        if (outcome == 0) score_block<true, 0>(first, out);
        else if (outcome == 1) score_block<true, 1>(first, out);
        else score_block<true, 2>(first, out);
    } else {
        if (outcome == 0) score_block<false, 0>(first, out);
        else if (outcome == 1) score_block<false, 1>(first, out);
        else score_block<false, 2>(first, out);
    }
}

} // namespace detail

double frequency_policy::scorer::score(std::size_t row) const { return bound_->score(row); }

void frequency_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    bound_->score_batch(first, out);
}

} // namespace leadscore
