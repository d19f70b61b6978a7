// The command-line program's JSON writer: numbers in their shortest round-trip form, null for what JSON cannot
// spell, strings escaped into valid UTF-8. Expected texts are the known shortest forms; the read-back goes
// through std::strtod and nlohmann's parser, independent of the writer.

#include "json.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace {

using leadscore::cli::append_json;
using leadscore::cli::append_json_string;
using leadscore::cli::json;
using leadscore::cli::json_number;

double read_back_json_number(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

/// Whether a shorter text in scientific notation with fewer significant digits than `text` reads back as v: then
/// `text` is not the shortest. (A large whole number may print all its digits, "-309498020656774272", which is
/// shorter than the 17 digits of "-3.0949802065677427e+17".)
bool json_number_has_shorter_form(double v, const std::string& text) {
    // The significant digits: those of the mantissa without the leading zeros of "0.000123" and the trailing
    // zeros of "123000".
    std::string mantissa;
    for (const char c : text.substr(0, text.find_first_of("eE")))
        if (c >= '0' && c <= '9') mantissa += c;
    mantissa.erase(0, mantissa.find_first_not_of('0'));
    mantissa.erase(mantissa.find_last_not_of('0') + 1);
    const std::size_t digits = mantissa.size();
    for (std::size_t d = 1; d < digits; ++d) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*e", static_cast<int>(d - 1), v);
        if (std::strtod(buf, nullptr) == v && std::strlen(buf) < text.size()) return true;
    }
    return false;
}

std::string json_string_of(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

} // namespace

TEST_CASE("cli json: numbers are the shortest text that reads back equal") {
    CHECK(json_number(0.1) == "0.1");
    CHECK(json_number(1e-300) == "1e-300");
    CHECK(json_number(5e-324) == "5e-324"); // the smallest subnormal
    CHECK(json_number(1.7976931348623157e308) == "1.7976931348623157e+308");
    CHECK(json_number(0.1 + 0.2) == "0.30000000000000004");
    CHECK(json_number(100.0) == "100");
    CHECK(json_number(-0.5) == "-0.5");
    CHECK(json_number(2.5e-7) == "2.5e-07");
    for (const double v : {0.1, 1e-300, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 1.0 / 3.0, -2.0 / 7.0, 123456.789}) {
        const std::string text = json_number(v);
        CHECK(read_back_json_number(text) == v);
        CHECK_FALSE(json_number_has_shorter_form(v, text));
    }
    // Random bit patterns: every finite double reads back as itself, and no shorter form would.
    std::mt19937_64 bits(20261207);
    for (int i = 0; i < 2000; ++i) {
        std::uint64_t b = bits();
        double v = 0;
        std::memcpy(&v, &b, sizeof v);
        if (!std::isfinite(v)) continue;
        const std::string text = json_number(v);
        REQUIRE_MESSAGE(read_back_json_number(text) == v, text);
        if (i % 10 == 0) CHECK_FALSE_MESSAGE(json_number_has_shorter_form(v, text), text);
    }
}

TEST_CASE("cli json: NaN and the infinities are null, in documents too") {
    CHECK(json_number(std::numeric_limits<double>::quiet_NaN()) == "null");
    CHECK(json_number(std::numeric_limits<double>::infinity()) == "null");
    CHECK(json_number(-std::numeric_limits<double>::infinity()) == "null");
    json doc;
    doc["nan"] = std::numeric_limits<double>::quiet_NaN();
    doc["x"] = 0.1;
    doc["n"] = std::uint64_t{18446744073709551615u};
    doc["i"] = std::int64_t{-3};
    doc["list"] = json::array({1.5, nullptr, true});
    doc["empty"] = json::object();
    std::string text;
    append_json(text, doc);
    CHECK(text == R"({"nan":null,"x":0.1,"n":18446744073709551615,"i":-3,"list":[1.5,null,true],"empty":{}})");
    const auto back = nlohmann::json::parse(text);
    CHECK(back["nan"].is_null());
    CHECK(back["x"].get<double>() == 0.1);
    std::string pretty;
    append_json(pretty, json{{"a", json::array({1, 2})}}, 2);
    CHECK(pretty == "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
}

TEST_CASE("cli json: strings are escaped and always valid UTF-8") {
    CHECK(json_string_of("plain") == "\"plain\"");
    CHECK(json_string_of("say \"hi\"\\") == R"("say \"hi\"\\")");
    CHECK(json_string_of("a\nb\tc\rd\be\ff") == R"("a\nb\tc\rd\be\ff")");
    CHECK(json_string_of(std::string_view("\x01\x1f\0", 3)) == R"("\u0001\u001f\u0000")");
    CHECK(json_string_of("Zoë Dubois — 東京 🚀") == "\"Zoë Dubois — 東京 🚀\""); // valid UTF-8 kept as it is
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(json_string_of("caf\xE9") == "\"caf" + fffd + "\"");                 // Latin-1 é
    CHECK(json_string_of("\xC0\xAF") == "\"" + fffd + fffd + "\"");            // overlong '/'
    CHECK(json_string_of("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\""); // an encoded surrogate
    CHECK(json_string_of("\xF4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\""); // above U+10FFFF
    CHECK(json_string_of("\xE2\x82x") == "\"" + fffd + "x\"");                 // a cut sequence: one U+FFFD
    CHECK(json_string_of("\xE2\x82") == "\"" + fffd + "\"");                   // cut at the end
    // An independent parser reads the texts back as the strings written.
    for (const std::string& s : {std::string("a\"b\\c"), std::string("line\nbreak"), std::string("\x01z", 2), std::string("Zoë 🚀")}) {
        const auto back = nlohmann::json::parse(json_string_of(s));
        CHECK(back.get<std::string>() == s);
    }
}
