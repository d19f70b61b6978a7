#include "json.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <ostream>
#include <stdexcept>

namespace leadscore::cli {

std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

json json_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

namespace {

/// The length of the valid UTF-8 sequence starting at s[i], or 0 when there is none; `prefix` gets the length of
/// its longest valid beginning (at least 1), which one U+FFFD replaces.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i, std::size_t& prefix) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b = byte(i);
    prefix = 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF; // the range of the second byte
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        if (b == 0xE0) lo = 0xA0;      // overlong
        else if (b == 0xED) hi = 0x9F; // a surrogate
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        if (b == 0xF0) lo = 0x90;      // overlong
        else if (b == 0xF4) hi = 0x8F; // above U+10FFFF
    } else {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        if (i + k >= s.size()) return 0;
        const unsigned char c = byte(i + k);
        if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return 0;
        prefix = k + 1;
    }
    return n;
}

void append_json_indent(std::string& out, int indent, int depth) {
    out += '\n';
    out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(depth), ' ');
}

template <class Int>
void append_json_integer(std::string& out, Int v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

void append_json_value(std::string& out, const json& v, int indent, int depth) {
    using t = json::value_t;
    switch (v.type()) {
    case t::null:
    case t::discarded: out += "null"; return;
    case t::boolean: out += v.get<bool>() ? "true" : "false"; return;
    case t::number_integer: append_json_integer(out, v.get<std::int64_t>()); return;
    case t::number_unsigned: append_json_integer(out, v.get<std::uint64_t>()); return;
    case t::number_float: out += json_number(v.get<double>()); return;
    case t::string: append_json_string(out, v.get_ref<const std::string&>()); return;
    case t::binary: throw std::logic_error("append_json: a binary value has no JSON text");
    case t::array:
    case t::object: break;
    }
    const bool object = v.is_object();
    out += object ? '{' : '[';
    if (v.empty()) {
        out += object ? '}' : ']';
        return;
    }
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        if (indent >= 0) append_json_indent(out, indent, depth + 1);
        if (object) {
            append_json_string(out, it.key());
            out += indent >= 0 ? ": " : ":";
        }
        append_json_value(out, *it, indent, depth + 1);
    }
    if (indent >= 0) append_json_indent(out, indent, depth);
    out += object ? '}' : ']';
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            std::size_t prefix = 1;
            const std::size_t n = utf8_sequence_length(text, i, prefix);
            if (n == 0) {
                out += "\xEF\xBF\xBD"; // U+FFFD for the longest valid beginning (or the one bad byte)
                i += prefix;
            } else {
                out.append(text.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += static_cast<char>(c);
            }
        }
        ++i;
    }
    out += '"';
}

void append_json(std::string& out, const json& value, int indent) { append_json_value(out, value, indent, 0); }

void add_format_option(CLI::App& app, output_format& format, const std::string& json_what) {
    app.add_option_function<std::string>(
           "--format",
           [&format](const std::string& text) { format = text == "json" ? output_format::json : output_format::text; },
           "Output: text (for people) or json (" + json_what + "; see docs/cli.md)")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_str("text");
}

void print_json(std::ostream& out, const json& document) {
    std::string text;
    append_json(text, document, 2);
    text += '\n';
    out << text;
}

} // namespace leadscore::cli
