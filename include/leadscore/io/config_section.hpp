#pragma once
// config_section: one table of a TOML configuration, read-only, as a function that builds a policy from its section
// sees it (see register_scoring_config and its siblings in leadscore/io/policy_registry.hpp). The built-in policies'
// keys are read through the same class, so a registered policy's keys give the same errors.
//
//   acme::value_at_stake read_value_at_stake(const config_section& s) {      // [scoring] kind = "acme.value_at_stake"
//       acme::value_at_stake p;
//       p.half_life_days = s.number_or("half_life_days", p.half_life_days);
//       if (!(p.half_life_days > 0)) s.fail("half_life_days", "must be above 0");
//       return p;
//   }
//
// Semantics a reader must know:
// - Each getter marks its key as read, present or not. When the function returns, the loader refuses every key of the
//   section, and of the sections it handed out, that nothing read: a typo is never silently ignored.
// - The loader's own keys are read before the function sees the section (`kind`; in a composite's part `name` and
//   `weight`; `hysteresis` in a temperature section): the function cannot read them.
// - A value of the wrong type, a number that is not finite, or an integer outside its bounds is a config_error
//   "file:line: key.path: reason" naming the value's line. A definition_error the function throws becomes a
//   config_error naming the section's line and key path; other exceptions pass through.
// - A section refers to the loader's parsed text: it is valid only while the function it is handed to runs.

#include "leadscore/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// A configuration entry the loader refuses. what() is "file:line: key.path: reason" (with a column for syntax
/// errors); where().line is the 1-based line, key() the key path ("scoring.fit[2].points", indices from 0; empty for
/// syntax errors and for a file that cannot be read).
class config_error : public input_error {
public:
    /// The reason is prefixed with the key path (when not empty), then with the place, as input_error does.
    config_error(source_location where, std::string key, const std::string& reason);
    /// The key path, without the place (see the class comment).
    [[nodiscard]] const std::string& key() const noexcept { return key_; }

private:
    std::string key_;
};

namespace detail {
struct config_table;  // the loader's state of one table (src/io/config_toml.cpp)
struct config_access; // what the built-in readers use besides the getters
} // namespace detail

/// One table of a configuration: typed, read-only access to its keys (see the header comment). A getter gives
/// nullopt for an absent key.
class config_section {
public:
    /// The key path of the section ("scoring", "scoring.parts[1]"; indices from 0).
    [[nodiscard]] const std::string& path() const noexcept;
    /// The key path of one of its keys ("scoring.parts[1].half_life_days").
    [[nodiscard]] std::string key_path(std::string_view key) const;
    /// The section's line (its header's, or the line of an inline table).
    [[nodiscard]] std::size_t line() const noexcept;

    /// Whether the key is present.
    [[nodiscard]] bool has(std::string_view key) const;
    /// Refuses a missing key: "missing (this key is required)".
    void require(std::string_view key) const;

    /// A finite number (an integer is taken as a number too).
    [[nodiscard]] std::optional<double> number(std::string_view key) const;
    /// number(key), or `fallback` when the key is absent (a present value of the wrong type is still an error).
    [[nodiscard]] double number_or(std::string_view key, double fallback) const;
    /// A whole number between low and high (inclusive).
    [[nodiscard]] std::optional<std::int64_t> integer(std::string_view key, std::int64_t low, std::int64_t high) const;
    /// integer(key, low, high), or `fallback` (not checked against the bounds) when the key is absent.
    [[nodiscard]] std::int64_t integer_or(std::string_view key, std::int64_t low, std::int64_t high,
                                          std::int64_t fallback) const;
    /// A string.
    [[nodiscard]] std::optional<std::string> text(std::string_view key) const;
    /// text(key), or `fallback` when the key is absent.
    [[nodiscard]] std::string text_or(std::string_view key, std::string fallback) const;
    /// true or false.
    [[nodiscard]] std::optional<bool> flag(std::string_view key) const;
    /// flag(key), or `fallback` when the key is absent.
    [[nodiscard]] bool flag_or(std::string_view key, bool fallback) const;
    /// An array of strings.
    [[nodiscard]] std::optional<std::vector<std::string>> texts(std::string_view key) const;
    /// An array of finite numbers.
    [[nodiscard]] std::optional<std::vector<double>> numbers(std::string_view key) const;
    /// A table ([scoring.raw], or inline: raw = { … }).
    [[nodiscard]] std::optional<config_section> section(std::string_view key) const;
    /// An array of tables ([[scoring.parts]]), in file order.
    [[nodiscard]] std::optional<std::vector<config_section>> sections(std::string_view key) const;

    /// Refuses a key: a config_error naming the key's line (the section's when the key is absent) and key path.
    [[noreturn]] void fail(std::string_view key, const std::string& reason) const;
    /// Refuses the section as a whole: a config_error naming its line and key path.
    [[noreturn]] void fail(const std::string& reason) const;

private:
    friend struct detail::config_access;
    explicit config_section(std::shared_ptr<detail::config_table> t) noexcept : t_(std::move(t)) {}
    std::shared_ptr<detail::config_table> t_; // copies share what was read
};

} // namespace leadscore
