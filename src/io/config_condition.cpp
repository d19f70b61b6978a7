// The configuration's shared pieces: conditions (written into a rule's own table), and the helpers every section's
// reader uses.

#include "config_reader.hpp"

#include "leadscore/core/catalogue.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace leadscore::detail {

std::string quoted_list(std::span<const std::string_view> words) {
    std::string names;
    for (const auto w : words) names.append(names.empty() ? "" : ", ").append("\"").append(w).append("\"");
    return names;
}

std::string without_single_rule_label(std::string what) {
    for (const std::string_view label : {"fit rule #1: ", "engagement rule #1: ", "criterion #1: "})
        if (const auto at = what.find(label); at != std::string::npos) what.erase(at, label.size());
    for (const std::string_view label : {" fit rule #1", " engagement rule #1", " criterion #1"})
        if (const auto at = what.find(label); at != std::string::npos) what.replace(at, label.size(), " the rule");
    return what;
}

void check_depth(const config_section& s, std::size_t depth) {
    const std::size_t max = cfg::context(s).options->limits.max_depth;
    if (depth > max) s.fail("parts nested deeper than " + std::to_string(max) + " levels");
}

void check_event_type(const config_section& s, std::string_view key, std::string_view name) {
    static const event_catalogue built_in;
    const event_catalogue* events = cfg::context(s).options->events;
    const event_catalogue& known = events != nullptr ? *events : built_in;
    if (normalize_name(name).empty() || known.find(name)) return; // an empty name: the policy's own refusal names it
    std::string names; // the first 30 (a CRM's catalogue may hold thousands)
    std::size_t listed = 0;
    for (const auto& e : known) {
        if (listed++ == 30) {
            names.append(", …");
            break;
        }
        names.append(names.empty() ? "" : ", ").append(e.name);
    }
    s.fail(key, "unknown event type \"" + std::string(name) + "\" (the event catalogue has " +
                    (names.empty() ? std::string("none") : names) + ")");
}

condition read_condition(const config_section& s) {
    condition c;
    c.field = need_text(s, "field");

    // Exactly one test; the line of the first one names a conflict.
    int tests = 0;
    std::size_t first_test_line = 0;
    const auto note = [&](std::string_view key) {
        if (tests++ == 0) first_test_line = cfg::line_of(s, key);
    };
    if (auto v = cfg::literal(s, "equals")) {
        note("equals");
        c.test = condition_test::equals;
        c.values = {std::move(*v)};
    }
    if (auto v = cfg::literals(s, "one_of")) {
        note("one_of");
        c.test = condition_test::one_of;
        c.values = std::move(*v);
    }
    if (s.has("contains")) {
        note("contains");
        c.test = condition_test::contains;
        c.values = {attribute_value{*s.text("contains")}};
    }
    if (s.has("is_missing")) {
        note("is_missing");
        c.test = condition_test::is_missing;
        if (cfg::type_of(s, "is_missing") != "a boolean" || !*s.flag("is_missing"))
            s.fail("is_missing", "must be true (write negate = true for \"is present\")");
    }
    bool range = false;
    for (const std::string_view bound : {"at_least", "above", "at_most", "below"}) {
        if (!s.has(bound)) continue;
        if (!range) note(bound);
        range = true;
        const bool is_low = bound == "at_least" || bound == "above";
        auto& slot = is_low ? c.low : c.high;
        if (slot) s.fail(bound, is_low ? "at_least and above exclude each other" : "at_most and below exclude each other");
        slot = cfg::literal(s, bound);
        (is_low ? c.low_inclusive : c.high_inclusive) = bound == "at_least" || bound == "at_most";
    }
    if (range) c.test = condition_test::range;
    if (tests == 0)
        cfg::fail_at(s, s.line(), s.path(),
                     "no test: give one of equals, one_of, contains, is_missing, or range bounds (at_least, above, "
                     "at_most, below)");
    if (tests > 1)
        cfg::fail_at(s, first_test_line, s.path(),
                     "more than one test: give only one of equals, one_of, contains, is_missing, or range bounds");
    c.negate = s.flag_or("negate", false);
    c.case_sensitive = s.flag_or("case_sensitive", false);
    checked(s, [&] {
        validate(c);
        return 0;
    });
    return c;
}

} // namespace leadscore::detail
