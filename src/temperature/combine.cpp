#include "leadscore/temperature/combine.hpp"

#include "../core/messages.hpp"
#include "common.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace leadscore {

using detail::level_one;
using detail::level_mask;
using detail::reason_one;

std::string_view to_string(combine_rule r) noexcept {
    switch (r) {
    case combine_rule::hottest: return "hottest";
    case combine_rule::coldest: return "coldest";
    case combine_rule::first_defined: return "first_defined";
    }
    return "?";
}

combined_temperature_policy::combined_temperature_policy(combine_rule rule, std::vector<temperature_part> parts)
    : rule_(rule), parts_(std::move(parts)) {
    const std::string what = "temperature combination (" + std::string(to_string(rule_)) + ")";
    if (rule_ != combine_rule::hottest && rule_ != combine_rule::coldest && rule_ != combine_rule::first_defined)
        throw definition_error("temperature combination: unknown rule");
    if (parts_.empty()) throw definition_error(what + ": no parts");
    std::unordered_set<std::string> names;
    std::size_t total = 0;
    for (std::size_t k = 0; k < parts_.size(); ++k) {
        const auto& p = parts_[k];
        if (p.name.empty()) throw definition_error(what + ": part " + std::to_string(k + 1) + " has no name");
        if (!names.insert(p.name).second) throw definition_error(what + ": part name '" + p.name + "' appears twice");
        if (!p.policy) throw definition_error(what + ": part '" + p.name + "' has no policy");
        offsets_.push_back(static_cast<std::uint16_t>(std::min<std::size_t>(total, 65535)));
        for (const auto& text : p.policy.reasons()) reasons_.push_back(p.name + ": " + text);
        total = reasons_.size();
        if (total >= 65535) throw definition_error(what + ": more than 65535 reasons in all");
    }
    reasons_.push_back("no part gave a temperature");
}

combined_temperature_policy::rater combined_temperature_policy::bind(const rating_input& in,
                                                                     const batch_options& options) const {
    rater r;
    r.rule_ = rule_;
    r.offsets_ = offsets_;
    r.none_ = static_cast<std::uint16_t>(reasons_.size() - 1);
    r.parts_.reserve(parts_.size());
    for (const auto& p : parts_) r.parts_.push_back(p.policy.bind(in, options));
    return r;
}

namespace {

/// Whether a part's level replaces the best so far (best.level unknown: nothing yet).
bool better(combine_rule rule, temperature candidate, temperature best) noexcept {
    if (!is_defined(candidate)) return false;
    if (!is_defined(best)) return true;
    switch (rule) {
    case combine_rule::hottest: return candidate > best;
    case combine_rule::coldest: return candidate < best;
    case combine_rule::first_defined: return false;
    }
    return false;
}

} // namespace

rating combined_temperature_policy::rater::rate(std::size_t row, double score) const {
    rating best{temperature::unknown, 0, none_};
    for (std::size_t k = 0; k < parts_.size(); ++k) {
        const rating r = parts_[k].rate(row, score);
        if (better(rule_, r.level, best.level))
            best = {r.level, r.streak, static_cast<std::uint16_t>(offsets_[k] + r.reason)};
        if (rule_ == combine_rule::first_defined && is_defined(best.level)) break;
    }
    return best;
}

namespace {

template <class Take>
void merge(rating* out, const rating* part, std::size_t n, std::uint16_t offset, Take take) noexcept {
    const std::uint32_t add = offset * reason_one;
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t a, b;
        std::memcpy(&a, out + i, 4);
        std::memcpy(&b, part + i, 4);
        const std::uint32_t la = (a & level_mask) / level_one, lb = (b & level_mask) / level_one;
        const std::uint32_t mask = 0U - static_cast<std::uint32_t>(take(lb, la));
        const std::uint32_t c = ((b + add) & mask) | (a & ~mask);
        std::memcpy(static_cast<void*>(out + i), &c, 4);
    }
}

} // namespace

void combined_temperature_policy::rater::rate_batch(std::size_t first, std::span<const double> scores,
                                                    std::span<rating> out) const {
    const std::size_t n = out.size();
    // The first part writes straight into out (its reason codes come first, at offset 0); an unknown level there
    // takes the "no part" reason, which a later defined part replaces.
    parts_[0].rate_batch(first, scores, out);
    for (auto& r : out)
        if (r.level == temperature::unknown) r = {temperature::unknown, 0, none_};
    detail::scratch_frame frame;
    const auto part = frame.take<rating>(parts_.size() > 1 ? n : 0);
    for (std::size_t k = 1; k < parts_.size(); ++k) {
        parts_[k].rate_batch(first, scores, part);
        // Levels are cold 0, warm 1, hot 2, unknown 3 (a part's reason is below 65536 - offset by construction).
        switch (rule_) {
        case combine_rule::hottest: // (level + 1) & 3 ranks unknown 0, cold 1, warm 2, hot 3
            merge(out.data(), part.data(), n, offsets_[k],
                  [](std::uint32_t b, std::uint32_t a) { return ((b + 1) & 3) > ((a + 1) & 3); });
            break;
        case combine_rule::coldest: // unknown (3) already ranks above hot (2)
            merge(out.data(), part.data(), n, offsets_[k], [](std::uint32_t b, std::uint32_t a) { return b < a; });
            break;
        case combine_rule::first_defined:
            merge(out.data(), part.data(), n, offsets_[k],
                  [](std::uint32_t b, std::uint32_t a) { return (a == 3) & (b != 3); });
            break;
        }
    }
}

combined_temperature_policy hottest_of(std::vector<temperature_part> parts) {
    return {combine_rule::hottest, std::move(parts)};
}
combined_temperature_policy coldest_of(std::vector<temperature_part> parts) {
    return {combine_rule::coldest, std::move(parts)};
}
combined_temperature_policy first_defined(std::vector<temperature_part> parts) {
    return {combine_rule::first_defined, std::move(parts)};
}
combined_temperature_policy explicit_overrides(temperature_part intent, temperature_part base) {
    std::vector<temperature_part> parts;
    parts.push_back(std::move(intent));
    parts.push_back(std::move(base));
    return {combine_rule::first_defined, std::move(parts)};
}

// ---- the explicit rating field ----------------------------------------------------------------------------------

namespace {
constexpr auto unlisted = static_cast<temperature>(255);
} // namespace

rating_field_policy::rating_field_policy(rating_field_rule rule) : rule_(std::move(rule)) {
    if (rule_.field.empty()) throw definition_error("rating field: no field name");
    std::unordered_map<std::string, temperature> seen;
    for (const auto& [list, t] : {std::pair{&rule_.hot, temperature::hot}, std::pair{&rule_.warm, temperature::warm},
                                  std::pair{&rule_.cold, temperature::cold}})
        for (const auto& text : *list) {
            const auto key = normalize_name(text);
            if (key.empty())
                throw definition_error("rating field '" + rule_.field + "': an empty text for " +
                                       std::string(to_string(t)));
            const auto [it, fresh] = seen.emplace(key, t);
            if (!fresh && it->second != t)
                throw definition_error("rating field '" + rule_.field + "': '" + text + "' is listed as " +
                                       std::string(to_string(it->second)) + " and as " + std::string(to_string(t)));
        }
    reasons_ = {"rated hot in " + rule_.field, "rated warm in " + rule_.field, "rated cold in " + rule_.field,
                rule_.field + " not set"};
}

rating_field_policy::rater rating_field_policy::bind(const rating_input& in, const batch_options&) const {
    // An empty batch binds nothing: its view may have no schema at all (a default table_view).
    if (in.rows.rows() == 0) return rater{};
    const auto& s = in.rows.table_schema();
    const auto col = s.find(rule_.field);
    if (!col) throw definition_error("rating field: the table has no field '" + rule_.field + "'");
    if (s[*col].type != field_type::categorical)
        throw definition_error("rating field: field '" + rule_.field + "' is " + std::string(to_string(s[*col].type)) +
                               ", not categorical");
    rater r;
    r.codes_ = in.rows.codes(*col).data();
    r.dict_ = &in.rows.dict(*col);
    r.field_ = rule_.field;
    const auto level_of = [&](std::string_view text) {
        const auto key = normalize_name(text);
        for (const auto& [list, t] : {std::pair{&rule_.hot, temperature::hot}, std::pair{&rule_.warm, temperature::warm},
                                      std::pair{&rule_.cold, temperature::cold}})
            for (const auto& listed : *list)
                if (normalize_name(listed) == key) return t;
        return unlisted;
    };
    r.by_code_.resize(r.dict_->size() + 1);
    r.by_code_[0] = {temperature::unknown, 0, 3};
    for (std::size_t c = 0; c < r.dict_->size(); ++c) {
        const auto t = level_of((*r.dict_)[static_cast<std::int32_t>(c)]);
        r.by_code_[c + 1] = {t, 0, static_cast<std::uint16_t>(t == unlisted ? 0 : 2 - static_cast<int>(t))};
    }
    return r;
}

void rating_field_policy::rater::bad_code(std::size_t row) const {
    const auto code = codes_[row];
    if (code < 0 || static_cast<std::size_t>(code) >= dict_->size())
        throw input_error(detail::field_place(field_),
                          "row " + std::to_string(row) + ": code " + std::to_string(code) +
                              " is not in the field's dictionary");
    throw input_error(detail::field_place(field_), "row " + std::to_string(row) + ": rating '" +
                                                            std::string((*dict_)[code]) +
                                                            "' is none of the listed hot, warm and cold texts");
}

rating rating_field_policy::rater::rate(std::size_t row, double) const {
    const auto code = codes_[row];
    if (code < missing_code || code >= static_cast<std::int64_t>(dict_->size())) bad_code(row);
    const rating r = by_code_[static_cast<std::size_t>(code + 1)];
    if (r.level == unlisted) bad_code(row);
    return r;
}

void rating_field_policy::rater::rate_batch(std::size_t first, std::span<const double>, std::span<rating> out) const {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = rate(first + i, 0.0);
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(TemperaturePolicy<combined_temperature_policy>);
static_assert(BatchTemperatureRater<rater_t<combined_temperature_policy>>);
static_assert(TemperaturePolicy<rating_field_policy>);
static_assert(BatchTemperatureRater<rater_t<rating_field_policy>>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const rating_field_rule&, const rating_field_rule&) = default;

} // namespace leadscore
