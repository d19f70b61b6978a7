#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/engine.hpp"

#include "leadscore/core/catalogue.hpp"

#include <array>
#include <string>

namespace leadscore {

namespace {
constexpr std::array<std::string_view, 4> temperature_names{"cold", "warm", "hot", "unknown"};
}

std::string_view to_string(temperature t) noexcept {
    const auto i = static_cast<std::size_t>(t);
    return i < temperature_names.size() ? temperature_names[i] : "?";
}

std::optional<temperature> parse_temperature(std::string_view s) noexcept {
    try {
        const auto key = normalize_name(s);
        for (std::size_t i = 0; i < temperature_names.size(); ++i)
            if (temperature_names[i] == key) return static_cast<temperature>(i);
    } catch (...) { // normalize_name allocates; an allocation failure reads as "not a temperature"
    }
    return std::nullopt;
}

namespace detail {

void check_rating_input(const rating_input& in) {
    if (in.scores.size() != in.rows.rows())
        throw definition_error("rate_batch: " + std::to_string(in.scores.size()) + " scores for " +
                               std::to_string(in.rows.rows()) + " rows");
    if (!in.previous.empty() && in.previous.size() != in.rows.rows())
        throw definition_error("rate_batch: " + std::to_string(in.previous.size()) + " previous ratings for " +
                               std::to_string(in.rows.rows()) + " rows (give one per row, or none)");
}

void check_rating_input(const rating_input& in, std::size_t out) {
    check_rating_input(in);
    if (out != in.rows.rows())
        throw definition_error("rate_batch: the output has " + std::to_string(out) + " elements for " +
                               std::to_string(in.rows.rows()) + " rows");
}

} // namespace detail

std::array<std::size_t, 4> count_temperatures(std::span<const rating> ratings) noexcept {
    std::array<std::size_t, 4> counts{};
    for (const auto& r : ratings) ++counts[std::min<std::size_t>(static_cast<std::size_t>(r.level), 3)];
    return counts;
}

added_column temperature_column(std::span<const rating> ratings, std::string name) {
    dictionary levels;
    for (const temperature t : {temperature::cold, temperature::warm, temperature::hot})
        levels.intern(temperature_names[static_cast<std::size_t>(t)]);
    std::vector<std::int32_t> codes(ratings.size());
    for (std::size_t r = 0; r < ratings.size(); ++r)
        codes[r] = is_defined(ratings[r].level) ? static_cast<std::int32_t>(ratings[r].level) : missing_code;
    return added_column::categorical(std::move(name), std::move(codes), std::move(levels));
}

std::vector<std::size_t> count_reasons(std::span<const rating> ratings, std::size_t reason_count) {
    std::vector<std::size_t> counts(reason_count);
    for (const auto& r : ratings)
        if (r.reason < reason_count) ++counts[r.reason];
    return counts;
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(TemperaturePolicy<temperature_policy>);
static_assert(std::is_nothrow_copy_constructible_v<temperature_policy>);
} // namespace leadscore
