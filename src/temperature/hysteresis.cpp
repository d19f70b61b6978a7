#include "leadscore/temperature/hysteresis.hpp"

#include "../core/messages.hpp"
#include "common.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/scoring/condition.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace leadscore {

using detail::level_one;
using detail::level_mask;
using detail::streak_one;
using detail::streak_mask;
using detail::reason_one;

hysteresis_policy::hysteresis_policy(temperature_policy inner, hysteresis_rule rule)
    : inner_(std::move(inner)), rule_(rule) {
    if (!inner_) throw definition_error("hysteresis: no policy to wrap");
    if (rule_.margin && !(std::isfinite(*rule_.margin) && *rule_.margin >= 0))
        throw definition_error("hysteresis: margin " + detail::format_shortest(*rule_.margin) +
                               " (a margin is a finite number >= 0)");
    if (rule_.evaluations > 100)
        throw definition_error("hysteresis: " + std::to_string(rule_.evaluations) + " evaluations (at most 100)");
    if (!rule_.margin && rule_.evaluations == 0)
        throw definition_error("hysteresis: neither a margin nor a number of evaluations, so a lead could never "
                               "change band");
    reasons_ = inner_.reasons();
    if (reasons_.size() + 2 > 65536) throw definition_error("hysteresis: the wrapped policy has too many reasons");
    held_ = static_cast<std::uint16_t>(reasons_.size());
    std::string held = "kept the previous temperature: the change is ";
    if (rule_.margin) held += "within the margin of " + detail::format_shortest(*rule_.margin);
    if (rule_.margin && rule_.evaluations != 0) held += " and ";
    if (rule_.evaluations != 0)
        held += "has not lasted " + std::to_string(rule_.evaluations) +
                (rule_.evaluations == 1 ? " evaluation" : " evaluations");
    reasons_.push_back(std::move(held));
    reasons_.push_back("kept the previous temperature: no temperature this evaluation");
}

hysteresis_policy::rater hysteresis_policy::bind(const rating_input& in, const batch_options& options) const {
    detail::check_rating_input(in);
    return rater(inner_.bind(in, options), in.previous, rule_, held_);
}

const rating* hysteresis_policy::rater::previous(std::size_t row) const {
    if (previous_.empty()) return nullptr;
    const rating* p = &previous_[row];
    if (static_cast<std::uint8_t>(p->level) > static_cast<std::uint8_t>(temperature::unknown))
        throw input_error(detail::field_place("previous rating"),
                          "row " + std::to_string(row) + ": level code " +
                              std::to_string(static_cast<unsigned>(p->level)) + " is not a temperature");
    return p->level == temperature::unknown ? nullptr : p;
}

bool hysteresis_policy::rater::needs_shift(std::size_t row, const rating& raw) const {
    if (!rule_.margin || !is_defined(raw.level)) return false;
    const rating* p = previous(row);
    return p != nullptr && p->level != raw.level;
}

namespace {

/// The decision for one lead, given its previous rating (p == nullptr: none), the wrapped policy's rating at the score
/// (raw) and, when a margin is set and raw points away from p, at the score moved by the margin (shifted).
rating step(const rating* p, const rating& raw, const rating* shifted, unsigned evaluations, std::uint16_t held) {
    if (p == nullptr) return raw; // a new lead, or one without a temperature last time: rated afresh
    if (!is_defined(raw.level)) return {p->level, 0, static_cast<std::uint16_t>(held + 1)};
    if (raw.level == p->level) return {raw.level, 0, raw.reason};
    const bool up = raw.level > p->level;
    // Passed the threshold by the margin: the level at the shifted score is still beyond the previous one.
    if (shifted != nullptr && is_defined(shifted->level) &&
        (up ? shifted->level > p->level : shifted->level < p->level))
        return {shifted->level, 0, shifted->reason};
    // Otherwise count this evaluation; a streak that pointed the other way starts again. A stored streak beyond the
    // rule's limit (data from another configuration) is clamped, so the count cannot overflow.
    const int before = p->streak;
    const int streak = up ? (before > 0 ? std::min(before, 126) + 1 : 1) : (before < 0 ? std::max(before, -126) - 1 : -1);
    if (evaluations != 0 && static_cast<unsigned>(std::abs(streak)) >= evaluations) return {raw.level, 0, raw.reason};
    return {p->level, static_cast<std::int8_t>(streak), held};
}

std::uint32_t pick(bool c, std::uint32_t a, std::uint32_t b) noexcept {
    const std::uint32_t m = 0U - static_cast<std::uint32_t>(c);
    return (a & m) | (b & ~m);
}

/// step() for a block, as a chain of selects on packed ratings, so that leads changing band at random cost no
/// mispredicted branches and the loop vectorizes. prev's levels are valid (checked before). With a shift, shifted
/// holds the wrapped policy's ratings at the moved scores.
template <bool with_shift>
void decide_block(const rating* prev, rating* out, const rating* shifted, std::size_t n, unsigned evaluations,
                  std::uint16_t held) noexcept {
    const std::uint32_t held_bits = held * reason_one, no_temp_bits = (held + 1U) * reason_one;
    const int limit = static_cast<int>(evaluations); // 0..100
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t P, R, S = 0;
        std::memcpy(&P, prev + i, 4);
        std::memcpy(&R, out + i, 4);
        if constexpr (with_shift) std::memcpy(&S, shifted + i, 4);
        const std::uint32_t p = (P & level_mask) / level_one, r = (R & level_mask) / level_one,
                            sl = (S & level_mask) / level_one;
        const std::uint32_t up = r > p, down = r < p;
        const std::uint32_t passed = with_shift ? (sl != 3) & ((up & (sl > p)) | (down & (sl < p))) : 0U;
        // Counting on from a streak that points the same way (clamped, so a stored 127 cannot overflow), else from 1.
        // 16-bit arithmetic: SSE2 has 16-bit min and max, not 32-bit ones.
        using i16 = std::int16_t;
        const auto before =
            static_cast<i16>(static_cast<std::int8_t>(static_cast<std::uint8_t>((P & streak_mask) / streak_one)));
        const auto su = static_cast<i16>(std::min<i16>(std::max<i16>(before, 0), 126) + 1);
        const auto sd = static_cast<i16>(std::max<i16>(std::min<i16>(before, 0), -126) - 1);
        const i16 st = up != 0 ? su : sd;
        const i16 length = up != 0 ? st : static_cast<i16>(-st);
        const std::uint32_t persist = static_cast<std::uint32_t>(limit != 0) & static_cast<std::uint32_t>(length >= limit);
        const std::uint32_t Rz = R & ~streak_mask, Sz = S & ~streak_mask, Pl = p * level_one;
        std::uint32_t v = Pl | static_cast<std::uint32_t>(static_cast<std::uint8_t>(st)) * streak_one | held_bits;
        v = pick(persist != 0, Rz, v);
        v = pick(passed != 0, Sz, v);
        v = pick(r == p, Rz, v);
        v = pick(r == 3, Pl | no_temp_bits, v);
        v = pick(p == 3, R, v);
        std::memcpy(static_cast<void*>(out + i), &v, 4);
    }
}

} // namespace

rating hysteresis_policy::rater::decide(std::size_t row, const rating& raw, const rating* shifted) const {
    return step(previous(row), raw, shifted, rule_.evaluations, held_);
}

rating hysteresis_policy::rater::rate(std::size_t row, double score) const {
    const rating raw = inner_.rate(row, score);
    if (!needs_shift(row, raw)) return decide(row, raw, nullptr);
    const bool up = raw.level > previous(row)->level;
    const rating shifted = inner_.rate(row, up ? score - *rule_.margin : score + *rule_.margin);
    return decide(row, raw, &shifted);
}

void hysteresis_policy::rater::rate_batch(std::size_t first, std::span<const double> scores,
                                          std::span<rating> out) const {
    const std::size_t n = out.size();
    inner_.rate_batch(first, scores, out); // out holds the wrapped policy's ratings until decided below
    if (previous_.empty()) return;         // every lead rated afresh
    const rating* prev = previous_.data() + first;
    unsigned bad = 0;
    for (std::size_t i = 0; i < n; ++i) bad |= static_cast<unsigned>(static_cast<std::uint8_t>(prev[i].level) > 3);
    if (bad != 0)
        for (std::size_t i = 0; i < n; ++i) (void)previous(first + i); // throws for the first bad one
    detail::scratch_frame frame;
    std::span<rating> shifted;
    if (rule_.margin) {
        // The wrapped policy once more, at the scores moved by the margin towards the previous band; only rows that
        // point away from their previous band read the result. Levels: cold 0, warm 1, hot 2, unknown 3.
        const double m = *rule_.margin;
        const auto moved = frame.take<double>(n);
        unsigned any = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned r = static_cast<unsigned>(out[i].level), p = static_cast<unsigned>(prev[i].level);
            const unsigned valid = (r < 3) & (p < 3);
            const unsigned up = valid & (r > p), down = valid & (r < p);
            any |= up | down;
            moved[i] = scores[i] + static_cast<double>(static_cast<int>(down) - static_cast<int>(up)) * m;
        }
        if (any != 0) {
            shifted = frame.take<rating>(n);
            inner_.rate_batch(first, moved, shifted);
        }
    }
    if (shifted.empty())
        decide_block<false>(prev, out.data(), nullptr, n, rule_.evaluations, held_);
    else
        decide_block<true>(prev, out.data(), shifted.data(), n, rule_.evaluations, held_);
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(TemperaturePolicy<hysteresis_policy>);
static_assert(BatchTemperatureRater<rater_t<hysteresis_policy>>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const hysteresis_rule&, const hysteresis_rule&) = default;

} // namespace leadscore
