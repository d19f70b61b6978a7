#pragma once
// Internal: cell texts as values (numbers, booleans, dictionary codes), missing tokens and message quoting, shared by
// the CSV-based readers. The per-cell paths are inline: the lead reader calls them once per cell.

#include "csv_tokenizer.hpp"

#include "leadscore/core/dictionary.hpp"

#include <array>
#include <bit>
#include <cfloat>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::detail::csv {

/// The text without the spaces and tabs around it.
[[nodiscard]] inline std::string_view trim_blanks(std::string_view s) noexcept {
    if (s.empty() || (s.front() != ' ' && s.front() != '\t' && s.back() != ' ' && s.back() != '\t')) return s;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// parse_plain_decimal for a text of up to eight bytes given as its head (byte i of the text in bits 8i to
/// 8i+7, zeros above), without a loop over the digits whose exit a branch predictor misses when lengths vary. It
/// accepts only -?D*(.D*)? with at least one digit D, which parse_plain_decimal accepts too with the same digits
/// and fraction length, hence the same value; false means "not decided here".
inline bool parse_short_decimal(std::uint64_t head, std::size_t n, double& out) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL, low7 = 0x7F7F7F7F7F7F7F7FULL;
    static constexpr std::array<double, 8> powers{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7};
    if (n > 8) return false;
    const bool negative = (head & 0xFF) == '-';
    if (negative) head >>= 8, --n;
    if (n == 0) return false;
    const std::uint64_t used = low_bytes(n) & high;
    // Per byte, without carries between bytes (a 7-bit value plus at most 0x7F stays below 0x100): bit 7 is set
    // in `digits` for '0'..'9' (at least 0x30, not at least 0x3A, no bit 7) and in `dots` for '.'.
    const std::uint64_t low = head & low7;
    const std::uint64_t digits = (low + 0x50 * ones) & ~(low + 0x46 * ones) & ~head & high;
    const std::uint64_t x = head ^ ('.' * ones);
    const std::uint64_t dots = ~(((x & low7) + low7) | x) & high & used;
    if (((digits | dots) & used) != used || (dots & (dots - 1)) != 0) return false; // another byte, two dots
    // Take the dot out, the bytes above it moving down by one; without a dot `at` is 8 and nothing moves.
    const bool dot = dots != 0;
    const auto at = static_cast<std::size_t>(std::countr_zero(dots)) / 8;
    const std::uint64_t below = low_bytes(at);
    const std::uint64_t text = (head & below) | ((head >> 8) & ~below); // the digits, first lowest
    const std::size_t count = n - dot, fraction = dot ? n - 1 - at : 0;
    if (count == 0) return false;
    // Move the digits to the top bytes and fill the bytes below with '0's (leading zeros), then add up eight
    // digits in three steps of pairs (the SWAR conversion of simdjson's parse_eight_digits_unrolled).
    const std::size_t pad = 8 * (8 - count);
    std::uint64_t v = ((text << pad) | (('0' * ones) & ((std::uint64_t{1} << pad) - 1))) & 0x0F0F0F0F0F0F0F0FULL;
    v = (v * 2561) >> 8;                                     // byte pairs: 10 * first + second
    v = ((v & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;       // four digits: 100 * first pair + second
    v = ((v & 0x0000FFFF0000FFFFULL) * 42949672960001) >> 32; // eight digits: 10000 * first four + second
    const double d = static_cast<double>(v) / powers[fraction];
    out = negative ? -d : d;
    return true;
}

/// A whole (already trimmed) text as a double: what std::from_chars reads from a text starting with a digit, a
/// point or a minus sign and one of those, or the word nan (any case, optionally after a minus sign) as NaN, which
/// a numeric column holds as missing. Infinity is not a number here ("inf", "infinity"), and neither is a
/// magnitude beyond the largest double (1e309): lead data has no infinite values, so such a cell is an error in a
/// numeric field and text to inference. A magnitude below the smallest subnormal reads as (signed) zero.
[[gnu::noinline]] bool parse_double(std::string_view s, double& out) noexcept;

/// The cell's text, without the blanks around it, as a double (see parse_double). A short plain decimal, which
/// holds no blanks, is read from the cell's head.
inline bool read_number(const cell& c, double& out) noexcept {
    if constexpr (FLT_EVAL_METHOD == 0) // as in parse_double
        if (parse_short_decimal(c.head, c.size, out)) return true;
    return parse_double(trim_blanks(c.view()), out);
}

/// A whole text as a finite number as std::from_chars reads it (no inf or nan, nothing out of range, no blanks
/// around it): the value cells of the history and rules formats.
[[nodiscard]] bool parse_finite(std::string_view text, double& out) noexcept;

/// `a` equals the lower-case ASCII word `lower`, ignoring the case of a.
[[nodiscard]] inline bool iequals(std::string_view a, std::string_view lower) noexcept {
    if (a.size() != lower.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

/// A boolean field's cell: true/false, yes/no (any case) or 1/0.
inline bool parse_bool(std::string_view s, std::int8_t& out) noexcept {
    if (iequals(s, "true") || iequals(s, "yes") || s == "1") return out = 1, true;
    if (iequals(s, "false") || iequals(s, "no") || s == "0") return out = 0, true;
    return false;
}

/// Inference is stricter than a boolean field: only the words true and false (any case), so yes/no answers and
/// 0/1 codes stay categorical and numeric.
inline bool parse_bool_word(std::string_view s, std::int8_t& out) noexcept {
    if (iequals(s, "true")) return out = 1, true;
    if (iequals(s, "false")) return out = 0, true;
    return false;
}

/// Cell text for a message: quoted, cut after about 40 bytes at a character boundary.
[[nodiscard]] std::string quote_for_message(std::string_view s);

/// A byte as two upper-case hex digits, for "invalid UTF-8 (byte 0xFF)".
[[nodiscard]] std::string hex_byte(char c);

/// The missing tokens of a reader, compared exactly with a cell's text (after its quotes are removed).
class missing_set {
public:
    explicit missing_set(const std::vector<std::string>& tokens) {
        for (const auto& t : tokens) {
            auto& first = first_[std::min<std::size_t>(t.size(), 9)];
            if (t.size() <= 8 && !first.present) first = {head_of(t.data(), t.size(), false), true};
            else others_.emplace_back(t);
        }
    }
    [[nodiscard]] bool contains(const cell& c) const noexcept {
        const auto& first = first_[std::min<std::size_t>(c.size, 9)];
        const bool found = first.present & (first.head == c.head); // equal sizes and heads: the same text
        return others_.empty() ? found : found || in_others(c.view());
    }

private:
    [[gnu::noinline]] bool in_others(std::string_view s) const noexcept;

    struct token {
        std::uint64_t head = 0;
        bool present = false;
    };
    std::array<token, 10> first_{}; // by size, the first token of each size up to eight; [9] is never present
    std::vector<std::string_view> others_; // the other tokens
};

/// The codes of recently seen texts of one categorical column, found by a cheap hash of the first and last
/// bytes: small vocabularies, the common case, then skip hashing the whole text in the dictionary. Its 2 KB are
/// taken only after a few texts, so that a file of many columns and few rows does not pay them per column.
class code_cache {
public:
    std::int32_t intern(dictionary& dict, const cell& c) {
        if (!entries_) [[unlikely]] {
            if (++uncached_ <= uncached_texts) return dict.intern(c.view());
            entries_ = std::make_unique<std::array<entry, 64>>();
        }
        // The last eight bytes of a longer text, zero for a short one: with the head, every byte up to 16. The
        // address is chosen rather than the load, so that there is no branch to mispredict.
        static constexpr std::uint64_t zero = 0;
        std::uint64_t tail;
        std::memcpy(&tail, c.size > 8 ? c.text + c.size - 8 : reinterpret_cast<const char*>(&zero), 8);
        const std::uint64_t hash = ((c.head ^ (std::uint64_t{c.size} << 56)) * 0x9E3779B97F4A7C15ULL ^ tail) *
                                   0xBF58476D1CE4E5B9ULL;
        entry& e = (*entries_)[hash >> 58];
        if (e.code != missing_code && e.head == c.head && e.tail == tail && e.size == c.size &&
            (c.size <= 16 || dict[e.code] == c.view()))
            return e.code;
        e = {c.head, tail, c.size, dict.intern(c.view())};
        return e.code;
    }

private:
    struct entry {
        std::uint64_t head = 0;
        std::uint64_t tail = 0;
        std::size_t size = 0;
        std::int32_t code = missing_code;
    };
    static constexpr std::size_t uncached_texts = 16; // interned without the cache, before it is made
    std::unique_ptr<std::array<entry, 64>> entries_;
    std::size_t uncached_ = 0;
};

} // namespace leadscore::detail::csv
