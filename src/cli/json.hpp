#pragma once
// JSON output for the command-line program (--format json): documents built as nlohmann::ordered_json (members keep
// the order they were added in) and printed by our own writer, which formats every number with std::to_chars
// (the shortest text that reads back as the same double; nlohmann's printer is not always shortest), prints NaN
// and infinities as null, and escapes strings as valid UTF-8 JSON.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace leadscore::cli {

/// A JSON document or value, members in insertion order.
using json = nlohmann::ordered_json;

/// The shortest text that reads back as the same double ("0.1", "1e-300", "5e-324", "1.7976931348623157e+308");
/// "null" for NaN and the infinities, which JSON cannot spell.
[[nodiscard]] std::string json_number(double v);

/// A double as a JSON value: null for NaN and the infinities (see json_number), else the number.
[[nodiscard]] json json_or_null(double v);

/// An optional as a JSON value: null when empty.
template <class T>
[[nodiscard]] json json_or_null(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

/// Appends `text` as a JSON string (quotes included): `"`, `\` and control characters escaped (\n, \t, … or
/// \u00XX), other characters as they are. Bytes that are not valid UTF-8 (a Latin-1 file, a cut sequence, an
/// encoded surrogate, an overlong form) each become U+FFFD, so the output is always valid UTF-8.
void append_json_string(std::string& out, std::string_view text);

/// Appends `value` as JSON text: compact (one line) when `indent` is negative, else pretty-printed with `indent`
/// spaces per level. Numbers go through json_number; a binary value (never built here) is an error.
void append_json(std::string& out, const json& value, int indent = -1);

/// Prints a document pretty-printed (two spaces per level) and a newline.
void print_json(std::ostream& out, const json& document);

/// What a command prints: the text for people (the default) or one JSON document.
enum class output_format : std::uint8_t { text, json };

/// Adds --format text|json (text by default) to a command, bound to `format`; `json_what` ends the option's
/// description ("one JSON document", "JSON Lines, one object per lead").
void add_format_option(CLI::App& app, output_format& format, const std::string& json_what);

} // namespace leadscore::cli
