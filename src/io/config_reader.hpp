#pragma once
// What the configuration loader's readers share (private to src/io/config*.cpp): the loading context, the access the
// built-in readers have beyond config_section's public getters, the words that name built-in policies, and the
// readers of each section. toml++ stays inside config_toml.cpp.

#include "leadscore/core/lead.hpp"
#include "leadscore/io/config.hpp"
#include "leadscore/io/policy_registry.hpp"
#include "leadscore/scoring/condition.hpp"

#include <array>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscore::detail {

/// One load_config call: where messages point, where model paths start, the caller's options, and what it collects.
struct config_context {
    std::string file;
    std::filesystem::path folder;
    const config_options* options = nullptr;
    std::vector<model_reference>* models = nullptr;
};

/// What the built-in readers need besides config_section's getters (config_toml.cpp).
struct config_access {
    /// Parses TOML text and runs `read` on its top level (the document lives during the call). A syntax error is a
    /// config_error naming the line and column.
    static void read_document(std::string_view text, const config_context& c,
                              const std::function<void(const config_section&)>& read);
    [[nodiscard]] static const config_context& context(const config_section& s);
    /// A config_error at a line of choice with a key path of choice.
    [[noreturn]] static void fail_at(const config_section& s, std::size_t line, const std::string& key,
                                     const std::string& reason);
    /// The line of a key's value; the section's line when the key is absent.
    [[nodiscard]] static std::size_t line_of(const config_section& s, std::string_view key);
    /// What a key holds, in words ("a string", "an integer", …; "nothing" when absent). Marks the key as read.
    [[nodiscard]] static std::string type_of(const config_section& s, std::string_view key);
    /// A string, a number, a boolean or a date (a timestamp), for conditions.
    [[nodiscard]] static std::optional<attribute_value> literal(const config_section& s, std::string_view key);
    /// An array of such values.
    [[nodiscard]] static std::optional<std::vector<attribute_value>> literals(const config_section& s,
                                                                             std::string_view key);
    /// Refuses every key of the section, and of the sections it handed out, that nothing read (once; later calls
    /// change nothing).
    static void finish(const config_section& s);
};

using cfg = config_access;

/// A key that must be there, as a number or a string.
inline double need_number(const config_section& s, std::string_view key) {
    s.require(key);
    return *s.number(key);
}
inline std::string need_text(const config_section& s, std::string_view key) {
    s.require(key);
    return *s.text(key);
}

/// "\"a\", \"b\", \"c\"".
std::string quoted_list(std::span<const std::string_view> words);

/// A key naming one of several words; the value of the word.
template <class T>
std::optional<T> choice(const config_section& s, std::string_view key,
                        std::initializer_list<std::pair<std::string_view, T>> words) {
    if (!s.has(key)) return std::nullopt;
    std::vector<std::string_view> names;
    for (const auto& w : words) names.push_back(w.first);
    const std::string type = cfg::type_of(s, key);
    if (type != "a string") s.fail(key, "must be one of " + quoted_list(names) + ", not " + type);
    const std::string text = *s.text(key);
    for (const auto& w : words)
        if (w.first == text) return w.second;
    s.fail(key, "must be one of " + quoted_list(names) + ", not \"" + text + "\"");
}

/// Drops the label a policy gives an unnamed rule or criterion checked alone ("fit rule #1"): it would not be the
/// rule's place in the file, which the key path says.
std::string without_single_rule_label(std::string what);

/// Runs f (which builds something through a public constructor, or a registered reader); a definition_error becomes
/// a config_error naming the line and key given (by default the section's).
template <class F>
auto checked(const config_section& s, std::size_t line, const std::string& key, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const definition_error& e) {
        cfg::fail_at(s, line, key, without_single_rule_label(e.what()));
    }
}
template <class F>
auto checked(const config_section& s, F&& f) -> decltype(f()) {
    return checked(s, s.line(), s.path(), std::forward<F>(f));
}

/// Refuses parts nested deeper than the options allow.
void check_depth(const config_section& s, std::size_t depth);

/// Refuses an event type name that the catalogue the configuration is read against lacks (config_options::events),
/// placed at `key` (whose value is `name`, or holds it among a list).
void check_event_type(const config_section& s, std::string_view key, std::string_view name);

// ---- kinds: each section's `kind` names a built-in policy by a word, or a registered type by its export key ---------

enum class scoring_kind { points, grade, weighted_sum, max, grid, calibrated, model };
inline constexpr std::array<std::string_view, 7> scoring_words = {"points", "grade",      "weighted_sum", "max",
                                                                  "grid",   "calibrated", "model"};
enum class temperature_kind {
    timeframe, score_bands, relative_bands, rating_field, hottest, coldest, first_defined, explicit_overrides
};
inline constexpr std::array<std::string_view, 8> temperature_words = {
    "timeframe", "score_bands", "relative_bands", "rating_field", "hottest", "coldest", "first_defined",
    "explicit_overrides"};
enum class qualification_kind { standard };
inline constexpr std::array<std::string_view, 1> qualification_words = {"default"};
enum class routing_kind { round_robin, weighted, rules };
inline constexpr std::array<std::string_view, 3> routing_words = {"round_robin", "weighted", "rules"};

/// What a section's `kind` names: a built-in word (its index), or a registered type (its reader).
template <class Any>
struct section_kind {
    std::size_t word = 0;
    config_reader<Any> reader{}; // set for a registered type
};

/// Reads `kind` (which must be present): a word of `words`, or a key registered with a configuration reader. Any
/// other value is refused with the words and the registered keys.
template <class Any>
section_kind<Any> read_kind(const config_section& s, std::span<const std::string_view> words,
                            const policy_registry<Any>& registry) {
    s.require("kind");
    const std::string type = cfg::type_of(s, "kind");
    std::string value = type;
    if (type == "a string") {
        const std::string text = *s.text("kind");
        for (std::size_t i = 0; i < words.size(); ++i)
            if (words[i] == text) return {i, {}};
        if (const auto e = registry.find(text)) {
            if (e->reader) return {0, *e->reader};
            s.fail("kind", "\"" + text + "\" is registered for archives only (" + registry.config_call() +
                               " lets a configuration name it)");
        }
        value = "\"" + text + "\"";
    }
    std::vector<std::string_view> registered_views;
    const auto registered = registry.config_keys();
    for (const auto& k : registered) registered_views.push_back(k);
    const std::string others = registered.empty()
                                   ? "a kind registered with " + registry.config_call()
                                   : "a registered kind (" + quoted_list(registered_views) + ")";
    s.fail("kind", "must be one of " + quoted_list(words) + ", or " + others + ", not " + value);
}

/// Builds a registered type with its reader; its keys are then checked like a built-in's.
template <class Any>
Any read_registered(const config_section& s, const config_reader<Any>& read) {
    Any policy = checked(s, [&] { return read(s); });
    cfg::finish(s);
    return policy;
}

// ---- the readers of each section ----------------------------------------------------------------------------------

/// A condition written into a rule's own table: field plus one test (equals, one_of, contains, is_missing, or range
/// bounds at_least / above / at_most / below), negate, case_sensitive.
condition read_condition(const config_section& s);

scoring_policy read_scoring(const config_section& s, std::size_t depth);
temperature_policy read_temperature(const config_section& s, std::size_t depth);
qualification_policy read_qualification(const config_section& s);
routing_policy read_routing(const config_section& s);

} // namespace leadscore::detail
