// The configuration's [routing] section: round robin, capacity-weighted, routing rules over either, and policy types
// registered with register_routing_config.

#include "config_reader.hpp"

#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/weighted.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace leadscore::detail {
namespace {

// "team:NAME", "rep:NAME" or "queue:NAME".
route_target read_target(const config_section& s, std::string_view key) {
    const auto text = s.text(key);
    const auto colon = text->find(':');
    const std::string kind = text->substr(0, colon == std::string::npos ? 0 : colon);
    std::string name = colon == std::string::npos ? std::string() : text->substr(colon + 1);
    if (name.empty() || (kind != "team" && kind != "rep" && kind != "queue"))
        s.fail(key, "must be \"team:NAME\", \"rep:NAME\" or \"queue:NAME\", not \"" + *text + "\"");
    if (kind == "team") return route_target::team(std::move(name));
    if (kind == "rep") return route_target::rep(std::move(name));
    return route_target::queue(std::move(name));
}

// The rotation's keys; inside rules (with_team false) the rules pick the team, so `team` is not a key there.
rotation_options read_rotation(const config_section& s, bool with_team) {
    rotation_options o;
    if (with_team) o.team = s.text_or("team", "");
    o.language_field = s.text_or("language_field", "");
    o.region_field = s.text_or("region_field", "");
    return o;
}

weighted_options read_weighted(const config_section& s, bool with_team) {
    weighted_options o;
    o.rotation = read_rotation(s, with_team);
    o.probability_field = s.text_or("probability_field", "");
    o.seed = static_cast<std::uint64_t>(s.integer_or("seed", 0, std::numeric_limits<std::int64_t>::max(), 0));
    return o;
}

routing_rule read_rule(const config_section& r) {
    routing_rule rule;
    rule.name = r.text_or("name", "");
    r.require("target");
    rule.target = read_target(r, "target");
    if (auto when = r.sections("when")) {
        for (const auto& c : *when) {
            rule.when.push_back(read_condition(c));
            cfg::finish(c);
        }
    }
    cfg::finish(r);
    checked(r, [&] {
        validate(routing_rules{{rule}, std::nullopt}); // alone, so the error names this rule's line
        return 0;
    });
    return rule;
}

routing_policy read_rules(const config_section& s) {
    routing_rules rules;
    if (auto list = s.sections("rules"))
        for (const auto& r : *list) rules.rules.push_back(read_rule(r));
    if (s.has("fallback")) rules.fallback = read_target(s, "fallback");
    enum class rotation { round_robin, weighted };
    const auto rot = choice<rotation>(s, "rotation", {{"round_robin", rotation::round_robin},
                                                      {"weighted", rotation::weighted}})
                         .value_or(rotation::round_robin);
    routing_policy out;
    if (rot == rotation::weighted) {
        auto o = read_weighted(s, false);
        out = checked(s, [&] { return rule_policy<weighted_policy>(std::move(rules), weighted_policy(std::move(o))); });
    } else {
        auto o = read_rotation(s, false);
        out = checked(s, [&] {
            return rule_policy<round_robin_policy>(std::move(rules), round_robin_policy(std::move(o)));
        });
    }
    cfg::finish(s);
    return out;
}

} // namespace

routing_policy read_routing(const config_section& s) {
    const auto kind = read_kind<routing_policy>(s, routing_words, routing_registry());
    if (kind.reader) return read_registered(s, kind.reader);
    switch (static_cast<routing_kind>(kind.word)) {
    case routing_kind::round_robin: {
        auto o = read_rotation(s, true);
        cfg::finish(s);
        return round_robin_policy(std::move(o));
    }
    case routing_kind::weighted: {
        auto o = read_weighted(s, true);
        cfg::finish(s);
        return weighted_policy(std::move(o));
    }
    case routing_kind::rules: return read_rules(s);
    }
    s.fail("unreachable");
}

} // namespace leadscore::detail
