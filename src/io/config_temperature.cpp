// The configuration's [temperature] and [qualification] sections: the built-in temperature policies and their
// combinations, with optional hysteresis; the default qualification policy's rules; and policy types registered with
// register_temperature_config and register_qualification_config.

#include "config_reader.hpp"

#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"

#include <string>
#include <utility>

namespace leadscore::detail {
namespace {

std::optional<temperature> read_level(const config_section& s, std::string_view key) {
    return choice<temperature>(s, key, {{"cold", temperature::cold},
                                        {"warm", temperature::warm},
                                        {"hot", temperature::hot},
                                        {"unknown", temperature::unknown}});
}

std::vector<temperature_part> read_temperature_parts(const config_section& s, std::size_t depth) {
    std::vector<temperature_part> parts;
    s.require("parts");
    const auto tables = s.sections("parts"); // named: a range-for over *s.sections(…) would use a destroyed temporary
    for (const auto& p : *tables) {
        temperature_part t;
        t.name = need_text(p, "name");
        t.policy = read_temperature(p, depth + 1);
        parts.push_back(std::move(t));
    }
    return parts;
}

temperature_policy read_timeframe(const config_section& s) {
    timeframe_rule r;
    r.horizon_days = static_cast<std::int32_t>(s.integer_or("horizon_days", 0, 36500, r.horizon_days));
    r.beyond = read_level(s, "beyond").value_or(r.beyond);
    r.when_none = read_level(s, "when_none").value_or(r.when_none);
    r.field = s.text_or("field", "");
    return checked(s, [&] { return purchase_timeframe_policy(r); });
}

temperature_policy read_score_bands(const config_section& s) {
    score_bands b;
    b.scale = choice<score_scale>(s, "scale", {{"points", score_scale::points}, {"probability", score_scale::probability}})
                  .value_or(score_scale::points);
    b.warm = need_number(s, "warm");
    b.hot = need_number(s, "hot");
    return checked(s, [&] { return score_band_policy(b); });
}

temperature_policy read_relative_bands(const config_section& s) {
    relative_bands b;
    b.hot_share = s.number_or("hot_share", b.hot_share);
    b.warm_share = s.number_or("warm_share", b.warm_share);
    b.ties = choice<tie_rule>(s, "ties", {{"by_row", tie_rule::by_row}, {"shared", tie_rule::shared}}).value_or(b.ties);
    return checked(s, [&] { return relative_band_policy(b); });
}

temperature_policy read_rating_field(const config_section& s) {
    rating_field_rule r;
    r.field = need_text(s, "field");
    if (auto v = s.texts("hot")) r.hot = std::move(*v);
    if (auto v = s.texts("warm")) r.warm = std::move(*v);
    if (auto v = s.texts("cold")) r.cold = std::move(*v);
    return checked(s, [&] { return rating_field_policy(r); });
}

temperature_policy read_combined(const config_section& s, temperature_kind k, std::size_t depth) {
    auto parts = read_temperature_parts(s, depth);
    if (k == temperature_kind::explicit_overrides && parts.size() != 2)
        cfg::fail_at(s, s.line(), s.key_path("parts"),
                     "explicit_overrides takes two parts, the intent first and the base second, not " +
                         std::to_string(parts.size()));
    const auto rule = k == temperature_kind::hottest   ? combine_rule::hottest
                      : k == temperature_kind::coldest ? combine_rule::coldest
                                                       : combine_rule::first_defined;
    return checked(s, [&] { return combined_temperature_policy(rule, std::move(parts)); });
}

temperature_policy read_built_in_temperature(const config_section& s, temperature_kind k, std::size_t depth) {
    switch (k) {
    case temperature_kind::timeframe: return read_timeframe(s);
    case temperature_kind::score_bands: return read_score_bands(s);
    case temperature_kind::relative_bands: return read_relative_bands(s);
    case temperature_kind::rating_field: return read_rating_field(s);
    case temperature_kind::hottest:
    case temperature_kind::coldest:
    case temperature_kind::first_defined:
    case temperature_kind::explicit_overrides: return read_combined(s, k, depth);
    }
    s.fail("unreachable");
}

std::optional<std::int32_t> read_days(const config_section& s, std::string_view key,
                                      std::optional<std::int32_t> fallback) {
    if (!s.has(key)) return fallback;
    const std::string type = cfg::type_of(s, key);
    if (type == "a string") {
        const std::string text = *s.text(key);
        if (text == "never") return std::nullopt;
        s.fail(key, "must be a number of days (0 to 36500) or \"never\", not \"" + text + "\"");
    }
    if (type != "an integer") s.fail(key, "must be a number of days (0 to 36500) or \"never\", not " + type);
    return static_cast<std::int32_t>(*s.integer(key, 0, 36500));
}

std::optional<condition> read_condition_table(const config_section& s, std::string_view key) {
    const auto c = s.section(key);
    if (!c) return std::nullopt;
    auto out = read_condition(*c);
    cfg::finish(*c);
    return out;
}

default_qualification_policy read_default_qualification(const config_section& s) {
    qualification_rules r;
    for (auto [key, list] : {std::pair{"inquiry_events", &r.inquiry_events},
                             std::pair{"not_interest_events", &r.not_interest_events}}) {
        auto v = s.texts(key);
        if (!v) continue;
        for (const auto& name : *v) check_event_type(s, key, name);
        *list = std::move(*v);
    }
    r.mql_score = s.number("mql_score");
    r.no_intent = read_condition_table(s, "no_intent");
    r.bought_competitor = read_condition_table(s, "bought_competitor");
    r.reject_after_days = read_days(s, "reject_after_days", r.reject_after_days);
    r.nurture_after_days = read_days(s, "nurture_after_days", r.nurture_after_days);
    cfg::finish(s);
    return checked(s, [&] { return default_qualification_policy(std::move(r)); });
}

} // namespace

temperature_policy read_temperature(const config_section& s, std::size_t depth) {
    check_depth(s, depth);
    const auto kind = read_kind<temperature_policy>(s, temperature_words, temperature_registry());
    // Hysteresis wraps any kind, a registered one too: the key is the loader's, read before a registered reader runs.
    const auto hysteresis = s.section("hysteresis");
    temperature_policy policy = kind.reader ? checked(s, [&] { return kind.reader(s); })
                                            : read_built_in_temperature(s, static_cast<temperature_kind>(kind.word), depth);
    if (hysteresis) {
        const auto& h = *hysteresis;
        hysteresis_rule r;
        r.margin = h.number("margin");
        r.evaluations = static_cast<unsigned>(h.integer_or("evaluations", 0, 100, 0));
        cfg::finish(h);
        policy = checked(h, [&] { return hysteresis_policy(std::move(policy), r); });
    }
    cfg::finish(s);
    return policy;
}

qualification_policy read_qualification(const config_section& s) {
    // Without a kind, the section holds the default policy's rules.
    if (!s.has("kind")) return read_default_qualification(s);
    const auto kind = read_kind<qualification_policy>(s, qualification_words, qualification_registry());
    if (kind.reader) return read_registered(s, kind.reader);
    return read_default_qualification(s);
}

} // namespace leadscore::detail
