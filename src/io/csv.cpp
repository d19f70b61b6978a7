#include "leadscore/io/csv.hpp"

#include "leadscore/core/time.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <ostream>
#include <span>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace leadscore {

namespace detail {
namespace {

constexpr std::size_t no_column = std::numeric_limits<std::size_t>::max();
constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();

bool valid_delimiter(char d) noexcept {
    const auto u = static_cast<unsigned char>(d);
    return u != 0 && u < 0x80 && d != '"' && d != '\n' && d != '\r';
}

// ---------------------------------------------------------------------------------------------------------------
// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).

/// The first byte of the first invalid sequence in [p, e), or e. Every ASCII byte is a sequence of its own, so
/// validating a whole record equals validating each of its cells.
const char* first_invalid_utf8(const char* p, const char* e) noexcept {
    constexpr std::uint64_t high_bits = 0x8080808080808080ULL;
    for (;;) {
        // ASCII fast path, eight bytes at a time.
        while (e - p >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            if (w & high_bits) break;
            p += 8;
        }
        if (p == e) return e;
        const auto c = static_cast<unsigned char>(*p);
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::ptrdiff_t need = 0;
        unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) need = 2, lo = 0xA0;            // below: overlong
        else if (c == 0xED) need = 2, hi = 0x9F;            // above: surrogates
        else if (c >= 0xE1 && c <= 0xEF) need = 2;
        else if (c == 0xF0) need = 3, lo = 0x90;            // below: overlong
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) need = 3, hi = 0x8F;            // above: beyond U+10FFFF
        else return p;                                       // continuation byte, C0/C1 or F5..FF
        if (e - p - 1 < need) return p;
        const auto c1 = static_cast<unsigned char>(p[1]);
        if (c1 < lo || c1 > hi) return p;
        for (std::ptrdiff_t k = 2; k <= need; ++k)
            if ((static_cast<unsigned char>(p[k]) & 0xC0) != 0x80) return p;
        p += need + 1;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Cell values.

inline std::string_view trim_blanks(std::string_view s) noexcept {
    if (s.empty() || (s.front() != ' ' && s.front() != '\t' && s.back() != ' ' && s.back() != '\t')) return s;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// For a decimal text that std::from_chars found out of range: true when it is too small (it would round to
/// zero), false when too large. The decimal exponent of its first non-zero digit tells which.
bool underflows(std::string_view s) noexcept {
    const char* p = s.data();
    const char* e = p + s.size();
    p += p != e && *p == '-';
    std::int64_t magnitude = 0; // decimal exponent of the first non-zero digit, ignoring the exponent part
    bool found = false, fraction = false;
    for (; p != e && ((*p >= '0' && *p <= '9') || *p == '.'); ++p) {
        if (*p == '.') fraction = true;
        else if (found) magnitude += fraction ? 0 : 1;
        else if (*p != '0') found = true, magnitude = fraction ? magnitude - 1 : 0;
        else if (fraction) --magnitude;
    }
    if (!found) return true;
    std::int64_t exponent = 0;
    if (p != e && (*p == 'e' || *p == 'E')) {
        ++p;
        const bool negative = p != e && *p == '-';
        p += p != e && (*p == '-' || *p == '+');
        for (; p != e && *p >= '0' && *p <= '9'; ++p)
            exponent = std::min<std::int64_t>(exponent * 10 + (*p - '0'), 1'000'000'000);
        if (negative) exponent = -exponent;
    }
    return magnitude + exponent < 0;
}

/// Plain decimals ("-12.50") with at most 15 significant digits, as a correctly rounded double without
/// std::from_chars: an integer below 2^53 divided by an exact power of ten rounds once (Clinger's fast path).
bool parse_plain_decimal(const char* p, const char* e, double& out) noexcept {
    static constexpr std::array<double, 16> powers{1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const bool negative = p != e && *p == '-';
    p += negative;
    std::uint64_t mantissa = 0;
    std::ptrdiff_t digits = 0, fraction = 0;
    for (; p != e && static_cast<unsigned char>(*p - '0') < 10; ++p, ++digits)
        mantissa = mantissa * 10 + static_cast<unsigned char>(*p - '0');
    if (p != e && *p == '.') {
        const char* first = ++p;
        for (; p != e && static_cast<unsigned char>(*p - '0') < 10 && p - first < 16; ++p)
            mantissa = mantissa * 10 + static_cast<unsigned char>(*p - '0');
        fraction = p - first;
        digits += fraction;
    }
    if (p != e || digits == 0 || digits > 15) return false; // 15 digits keep the mantissa below 2^53
    const double v = static_cast<double>(mantissa) / powers[static_cast<std::size_t>(fraction)];
    out = negative ? -v : v;
    return true;
}

/// A word with its lowest k bytes set (k <= 8). Two shifts, as one by 64 would be undefined.
constexpr std::uint64_t low_bytes(std::size_t k) noexcept {
    return ((std::uint64_t{1} << (4 * k)) << (4 * k)) - 1;
}

/// parse_plain_decimal for a text of up to eight bytes given as its head (byte i of the text in bits 8i to
/// 8i+7, zeros above), without a loop over the digits whose exit a branch predictor misses when lengths vary. It
/// accepts only -?D*(.D*)? with at least one digit D, which parse_plain_decimal accepts too with the same digits
/// and fraction length, hence the same value; false means "not decided here".
bool parse_short_decimal(std::uint64_t head, std::size_t n, double& out) noexcept {
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

/// A whole (already trimmed) text as a double. Without `special`, only plain decimal numbers count ("inf" and
/// "nan" are text to inference); with it, whatever std::from_chars accepts. A magnitude below the smallest
/// subnormal reads as (signed) zero; one beyond the largest double is not a number.
[[gnu::noinline]] bool parse_double(std::string_view s, double& out, bool special) noexcept {
    if (s.empty()) return false;
    const char* b = s.data();
    const char* e = b + s.size();
    if constexpr (FLT_EVAL_METHOD == 0) // no excess precision, so the fast path rounds exactly once
        if (parse_plain_decimal(b, e, out)) return true;
    if (!special) {
        const char* d = b + (*b == '-');
        if (d == e || !((*d >= '0' && *d <= '9') || *d == '.')) return false;
    }
    const auto [ptr, ec] = std::from_chars(b, e, out);
    if (ptr != e) return false;
    if (ec == std::errc{}) return true;
    if (ec != std::errc::result_out_of_range || !underflows(s)) return false;
    out = *b == '-' ? -0.0 : 0.0;
    return true;
}

bool iequals(std::string_view a, std::string_view lower) noexcept {
    if (a.size() != lower.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

bool parse_bool(std::string_view s, std::int8_t& out) noexcept {
    if (iequals(s, "true") || iequals(s, "yes") || s == "1") return out = 1, true;
    if (iequals(s, "false") || iequals(s, "no") || s == "0") return out = 0, true;
    return false;
}

/// Inference is stricter than a boolean field: only the words true and false (any case), so yes/no answers and
/// 0/1 codes stay categorical and numeric.
bool parse_bool_word(std::string_view s, std::int8_t& out) noexcept {
    if (iequals(s, "true")) return out = 1, true;
    if (iequals(s, "false")) return out = 0, true;
    return false;
}

/// Cell text for a message: quoted, cut after about 40 bytes at a character boundary.
std::string quote_for_message(std::string_view s) {
    constexpr std::size_t limit = 40;
    std::size_t n = std::min(s.size(), limit);
    while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    std::string out(1, '\'');
    out.append(s.substr(0, n)).append(n < s.size() ? "...'" : "'");
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer: one record at a time into cells that point into the input (or into a scratch buffer for quoted
// cells with doubled quotes).

/// The first min(n, 8) bytes of p as a number, byte i in bits 8i to 8i+7, zero above them. Two texts of the
/// same size up to eight bytes are equal exactly when their heads are. `readable`: p[0, 8) may be read.
inline std::uint64_t head_of(const char* p, std::size_t n, bool readable) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        if (readable) { // one load, then the bytes past the text cleared
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            return w & low_bytes(std::min<std::size_t>(n, 8));
        }
    }
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n && i < 8; ++i) w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    return w;
}

struct cell {
    const char* raw;    ///< first byte of the cell in the input (its opening quote when quoted)
    const char* text;   ///< the cell's text: in the input, or in the scratch buffer when quotes were doubled
    std::size_t size;
    std::uint64_t head; ///< head_of the text: compares, hashes and parses short texts without a loop
    [[nodiscard]] std::string_view view() const noexcept { return {text, size}; }
};

struct scan_result {
    const char* end = nullptr;      ///< one past the record's last byte, its line break excluded
    std::size_t newlines = 0;       ///< LF bytes consumed, the record's own line break included
    const char* fault = nullptr;    ///< first structural fault, or nullptr
    const char* fault_reason = nullptr;
    bool non_ascii = false;         ///< the record may hold a byte above 0x7F; false: it holds none
};

/// Where the bytes a tokenizer looks for are in a block of 64: bit i stands for byte i.
struct block_masks {
    std::uint64_t breaks = 0;    ///< the delimiter, LF and CR: the ends of an unquoted cell
    std::uint64_t quotes = 0;
    std::uint64_t non_ascii = 0; ///< bytes above 0x7F
};

/// The masks of p[0, 64).
block_masks classify(const char* p, char delimiter) noexcept {
    block_masks m;
#if defined(__SSE2__)
    const __m128i d = _mm_set1_epi8(delimiter), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    const __m128i quote = _mm_set1_epi8('"');
    for (int i = 0; i < 4; ++i) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
        const __m128i b =
            _mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        const auto bits = [i](__m128i x) { // bit j of the mask is bit 7 of byte j of x
            return std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(x))} << (16 * i);
        };
        m.breaks |= bits(b);
        m.quotes |= bits(_mm_cmpeq_epi8(v, quote));
        m.non_ascii |= bits(v);
    }
#else
    for (int i = 0; i < 64; ++i) {
        const char c = p[i];
        const std::uint64_t bit = std::uint64_t{1} << i;
        if (c == delimiter || c == '\n' || c == '\r') m.breaks |= bit;
        if (c == '"') m.quotes |= bit;
        if (static_cast<unsigned char>(c) >= 0x80) m.non_ascii |= bit;
    }
#endif
    return m;
}

/// Splits records into cells. It classifies the input 64 bytes at a time (block_masks) and finds the end of a cell
/// as the next set bit, so a cell costs a few instructions whatever its length.
class tokenizer {
public:
    tokenizer(const char* end, char delimiter) : end_(end), delimiter_(delimiter), block_(end) {}

    /// Tokenizes the record starting at p (p < end). Returns the position after its line break.
    const char* scan(const char* p, scan_result& r) {
        count_ = 0;
        scratch_.clear();
        escaped_.clear();
        r = scan_result{};
        // Every byte of the record is either passed over by find, which notes the non-ASCII bytes of every block
        // it loads, or is a quote, delimiter, CR or LF looked at directly, which are ASCII. So when no block seen
        // from p on holds a non-ASCII byte, the record holds none.
        non_ascii_ = in_block(p) && (masks_.non_ascii >> (p - block_)) != 0;
        for (;;) {
            if (count_ == cells_.size()) cells_.resize(cells_.empty() ? 64 : cells_.size() * 2);
            cell& out = cells_[count_++];
            out.raw = p;
            if (p != end_ && *p == '"') {
                const char* start = p;
                const char* q = p + 1;
                const char* segment = q;
                bool escaped = false;
                std::size_t offset = 0;
                for (;;) {
                    const char* c = find<&block_masks::quotes>(q);
                    if (c == end_) { // the quote never closes: the record runs to the end of the input
                        r.newlines += static_cast<std::size_t>(std::count(start + 1, end_, '\n'));
                        set_fault(r, start, "unterminated quoted cell (the quote opened here never closes)");
                        out.text = start + 1;
                        out.size = static_cast<std::size_t>(end_ - start - 1);
                        out.head = head_of(out.text, out.size, end_ - out.text >= 8);
                        r.end = end_;
                        r.non_ascii = non_ascii_;
                        escaped_.clear();
                        return end_;
                    }
                    if (c + 1 != end_ && c[1] == '"') { // a doubled quote stands for one quote
                        if (!escaped) escaped = true, offset = scratch_.size();
                        scratch_.append(segment, c + 1);
                        q = segment = c + 2;
                        continue;
                    }
                    r.newlines += static_cast<std::size_t>(std::count(start + 1, c, '\n'));
                    if (escaped) {
                        scratch_.append(segment, c);
                        out.text = nullptr;
                        out.size = scratch_.size() - offset;
                        escaped_.push_back({count_ - 1, offset});
                    } else {
                        out.text = start + 1;
                        out.size = static_cast<std::size_t>(c - start - 1);
                        out.head = head_of(out.text, out.size, end_ - out.text >= 8);
                    }
                    p = c + 1;
                    break;
                }
                if (p != end_ && *p != delimiter_ && *p != '\n' && !(*p == '\r' && (p + 1 == end_ || p[1] == '\n'))) {
                    set_fault(r, p, "unexpected text after the closing quote of a quoted cell");
                    p = skip_unquoted(p);
                }
            } else {
                out.text = p;
                p = skip_unquoted(p);
                out.size = static_cast<std::size_t>(p - out.text);
                out.head = head_of(out.text, out.size, end_ - out.text >= 8);
            }
            if (p == end_) {
                r.end = p;
                break;
            }
            if (*p == delimiter_) {
                ++p;
                continue;
            }
            r.end = p; // a line break: LF, or CR before LF or at the end of the input
            if (*p == '\n') {
                ++r.newlines;
                ++p;
            } else if (p + 1 == end_) {
                ++p;
            } else {
                ++r.newlines;
                p += 2;
            }
            break;
        }
        r.non_ascii = non_ascii_;
        if (!escaped_.empty()) {
            scratch_.append(8, '\0'); // so that head_of may read eight bytes from any cell in it
            for (const auto& [index, offset] : escaped_) {
                cell& c = cells_[index];
                c.text = scratch_.data() + offset;
                c.head = head_of(c.text, c.size, true);
            }
        }
        return p;
    }

    [[nodiscard]] std::span<const cell> cells() const noexcept { return {cells_.data(), count_}; }

private:
    static void set_fault(scan_result& r, const char* at, const char* reason) noexcept {
        if (r.fault == nullptr) r.fault = at, r.fault_reason = reason;
    }

    /// The end of an unquoted cell: a delimiter, LF, CR before LF or at the end, or the end of the input. A CR
    /// elsewhere and quotes inside an unquoted cell are text.
    const char* skip_unquoted(const char* p) noexcept {
        for (;;) {
            p = find<&block_masks::breaks>(p);
            if (p == end_ || *p != '\r' || p + 1 == end_ || p[1] == '\n') return p;
            ++p;
        }
    }

    /// The first byte at or after p (p <= end) marked in the masks' member `Mask`, or the end. The search passes
    /// over every byte from p to its result, loading blocks as it goes.
    template <std::uint64_t block_masks::*Mask>
    const char* find(const char* p) noexcept {
        for (;;) {
            if (!in_block(p)) {
                if (p == end_) return end_;
                load(p);
            }
            if (const std::uint64_t bits = masks_.*Mask >> (p - block_); bits != 0)
                return p + std::countr_zero(bits); // the lowest set bit is the first byte found
            if (end_ - block_ <= 64) return end_;
            p = block_ + 64;
        }
    }

    [[nodiscard]] bool in_block(const char* p) const noexcept { return static_cast<std::size_t>(p - block_) < 64; }

    /// Makes the block start at p (p < end).
    void load(const char* p) noexcept {
        block_ = p;
        if (end_ - p >= 64) {
            masks_ = classify(p, delimiter_);
        } else { // the last bytes, padded with zero bytes, which are none of the bytes looked for
            std::array<char, 64> tail{};
            std::memcpy(tail.data(), p, static_cast<std::size_t>(end_ - p));
            masks_ = classify(tail.data(), delimiter_);
        }
        non_ascii_ = non_ascii_ || masks_.non_ascii != 0;
    }

    const char* end_;
    char delimiter_;
    const char* block_; ///< the current block: [block_, block_ + 64), cut at the end; masks_ describe it
    block_masks masks_;
    bool non_ascii_ = false; ///< a block loaded for the current record, from its start on, holds a non-ASCII byte
    std::vector<cell> cells_; // cells_[0, count_) are the current record's
    std::size_t count_ = 0;
    std::string scratch_;
    std::vector<std::pair<std::size_t, std::size_t>> escaped_; // (cell, offset in scratch_) of unescaped cells
};

/// Skips empty lines (LF or CRLF alone, or a CR at the very end), adding them to `lines`. They are not records.
const char* skip_blank_lines(const char* p, const char* e, std::size_t& lines) noexcept {
    while (p != e) {
        if (*p == '\n') {
            ++lines, ++p;
        } else if (*p == '\r' && p + 1 != e && p[1] == '\n') {
            ++lines, p += 2;
        } else if (*p == '\r' && p + 1 == e) {
            ++p;
        } else {
            break;
        }
    }
    return p;
}

/// The delimiter of the header line starting at p: the most frequent of , ; TAB outside quotes, ',' on a tie.
char detect_delimiter(const char* p, const char* e) noexcept {
    std::size_t comma = 0, semicolon = 0, tab = 0;
    bool quoted = false;
    for (; p != e; ++p) {
        const char c = *p;
        if (c == '"') quoted = !quoted; // a doubled quote toggles twice
        else if (quoted) continue;
        else if (c == '\n') break;
        else if (c == ',') ++comma;
        else if (c == ';') ++semicolon;
        else if (c == '\t') ++tab;
    }
    if (semicolon > comma && semicolon >= tab) return ';';
    if (tab > comma && tab > semicolon) return '\t';
    return ',';
}

/// An upper bound on the records in [p, e) that is exact for files without blank lines or line breaks in quotes:
/// lines not followed by an empty one. Columns are reserved to it, so they never grow by copying.
std::size_t estimate_records(const char* p, const char* e) noexcept {
    if (p == e) return 0;
    std::size_t n = 1;
    while (const auto* q = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)))) {
        p = q + 1;
        if (p == e) break;
        n += *p != '\n' && *p != '\r';
    }
    return n;
}

// ---------------------------------------------------------------------------------------------------------------
// The reader.

/// The cell's text, without the blanks around it, as a double (see parse_double). A short plain decimal, which
/// holds no blanks, is read from the cell's head.
bool read_number(const cell& c, double& out, bool special) noexcept {
    if constexpr (FLT_EVAL_METHOD == 0) // as in parse_double
        if (parse_short_decimal(c.head, c.size, out)) return true;
    return parse_double(trim_blanks(c.view()), out, special);
}

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
    [[gnu::noinline]] bool in_others(std::string_view s) const noexcept {
        return std::find(others_.begin(), others_.end(), s) != others_.end();
    }

    struct token {
        std::uint64_t head = 0;
        bool present = false;
    };
    std::array<token, 10> first_{}; // by size, the first token of each size up to eight; [9] is never present
    std::vector<std::string_view> others_; // the other tokens
};

/// The codes of recently seen texts of one categorical column, found by a cheap hash of the first and last
/// bytes: small vocabularies, the common case, then skip hashing the whole text in the dictionary.
class code_cache {
public:
    std::int32_t intern(dictionary& dict, const cell& c) {
        // The last eight bytes of a longer text, zero for a short one: with the head, every byte up to 16. The
        // address is chosen rather than the load, so that there is no branch to mispredict.
        static constexpr std::uint64_t zero = 0;
        std::uint64_t tail;
        std::memcpy(&tail, c.size > 8 ? c.text + c.size - 8 : reinterpret_cast<const char*>(&zero), 8);
        const std::uint64_t hash = ((c.head ^ (std::uint64_t{c.size} << 56)) * 0x9E3779B97F4A7C15ULL ^ tail) *
                                   0xBF58476D1CE4E5B9ULL;
        entry& e = entries_[hash >> 58];
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
    std::array<entry, 64> entries_{};
};

struct column_builder {
    std::size_t target = no_column; ///< output column, no_column when the column is skipped
    field_type type = field_type::categorical;
    bool inferred = false;
    bool seen_value = false;        ///< inferred: a present value was seen, so `type` is settled for now
    std::size_t pending_missing = 0; ///< inferred: missing values before the first present one
    column_data data;
    code_cache recent;
};

/// A parsed value of a typed explicit-schema cell, held until the whole row is known to be good.
struct staged_value {
    double number = 0;
    std::int64_t time = 0;
    std::int8_t flag = 0;
    bool missing = false;
};

/// Paths taken once or rarely (the header, a row's first value, faults, re-reading, the end) are [[gnu::noinline]],
/// which keeps the row loop small enough for the compiler to inline its per-cell helpers.
class reader {
public:
    reader(std::string_view text, const csv_options& options, std::string_view name)
        : options_(options), missing_(options.missing_tokens), name_(name) {
        if (options.delimiter != '\0' && !valid_delimiter(options.delimiter))
            throw definition_error("csv: the delimiter must be an ASCII character other than a quote, CR or LF");
        // A UTF-8 byte order mark is not part of the text; columns on line 1 are counted after it.
        if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
        begin_ = text.data();
        end_ = text.data() + text.size();
    }

    csv_result run() {
        const char* p = skip_blank_lines(begin_);
        if (p == end_) throw input_error({std::string(name_), 0, 0, {}}, "empty input: no header line");
        delimiter_ = options_.delimiter != '\0' ? options_.delimiter : detect_delimiter(p, end_);
        tokenizer tok(end_, delimiter_);
        p = read_header(tok, p);
        expected_rows_ = estimate_records(p, end_);
        for (auto& b : builders_)
            if (b.target != no_column && !b.inferred) reserve(b.data);
        data_begin_ = p;

        csv_result result{lead_table(initial_schema()), {}, 0};
        std::vector<staged_value> staged(builders_.size());
        scan_result r;
        for (p = skip_blank_lines(p); p != end_; p = skip_blank_lines(p)) {
            const char* record = p;
            const std::size_t record_line = line_;
            p = tok.scan(p, r);
            line_ += r.newlines;
            ++result.rows_read;
            const auto cells = tok.cells();
            const bool plain = !r.non_ascii && r.fault == nullptr && cells.size() == builders_.size(); // a good row
            if (!plain && check_structure(cells, record, record_line, r, result)) {
                if (!explicit_) rejected_records_.push_back(record);
                continue;
            }
            if (explicit_) {
                if (!stage_row(cells, record, record_line, staged, result)) continue;
                commit_row(cells, staged);
            } else {
                misfits_.clear();
                for (std::size_t c = 0; c < builders_.size(); ++c)
                    if (!push_inferred(c, cells[c])) misfits_.push_back(c);
                if (!misfits_.empty()) { // one re-read for all the columns this row turns categorical
                    to_categorical(record);
                    for (const std::size_t c : misfits_) {
                        auto& k = *std::get_if<categorical_column>(&builders_[c].data);
                        k.codes.push_back(builders_[c].recent.intern(k.dict, cells[c]));
                    }
                }
            }
            ++rows_;
        }
        return finish(std::move(result));
    }

private:
    // ---- physical lines -------------------------------------------------------------------------------------

    const char* skip_blank_lines(const char* p) noexcept { return detail::skip_blank_lines(p, end_, line_); }

    /// The place of byte `at` of the record starting at `record` on line `record_line`.
    [[nodiscard]] source_location locate(const char* record, std::size_t record_line, const char* at,
                                         std::string field = {}) const {
        std::size_t line = record_line;
        const char* line_start = record;
        for (const char* q = record; q != at; ++q)
            if (*q == '\n') ++line, line_start = q + 1;
        return {std::string(name_), line, static_cast<std::size_t>(at - line_start) + 1, std::move(field)};
    }

    [[noreturn]] void fail(source_location where, const std::string& reason) const {
        throw input_error(std::move(where), reason);
    }

    void report(source_location where, std::string reason, csv_result& result) const {
        if (options_.errors == error_mode::fail_fast) fail(std::move(where), reason);
        result.rejected.push_back({std::move(where), std::move(reason)});
    }

    // ---- header ---------------------------------------------------------------------------------------------

    [[gnu::noinline]] const char* read_header(tokenizer& tok, const char* p) {
        const char* record = p;
        const std::size_t record_line = line_;
        scan_result r;
        p = tok.scan(p, r);
        line_ += r.newlines;
        const auto cells = tok.cells();
        const char* bad = first_invalid_utf8(record, r.end);
        if (r.fault != nullptr && r.fault < bad) fail(locate(record, record_line, r.fault), r.fault_reason);
        if (bad != r.end)
            fail(locate(record, record_line, bad), "header: invalid UTF-8 (byte 0x" + hex(*bad) + ")");
        names_.reserve(cells.size());
        std::unordered_map<std::string_view, std::size_t> seen;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::string_view name = cells[c].view();
            if (name.empty())
                fail(locate(record, record_line, cells[c].raw),
                     "header: column " + std::to_string(c + 1) + " has an empty name");
            if (const auto [it, added] = seen.emplace(name, c); !added)
                fail(locate(record, record_line, cells[c].raw, std::string(name)),
                     "header: column name '" + std::string(name) + "' appears twice (columns " +
                         std::to_string(it->second + 1) + " and " + std::to_string(c + 1) + ")");
            names_.emplace_back(name);
        }
        builders_.resize(cells.size());
        explicit_ = options_.fields.has_value();
        if (explicit_) {
            const auto& s = *options_.fields;
            std::vector<bool> found(s.size(), false);
            for (std::size_t c = 0; c < cells.size(); ++c) {
                const auto index = s.find(names_[c]);
                if (!index) {
                    if (options_.ignore_extra_columns) continue;
                    fail(locate(record, record_line, cells[c].raw, names_[c]),
                         "header: column '" + names_[c] + "' is not in the schema");
                }
                auto& b = builders_[c];
                b.target = *index;
                b.type = s[*index].type;
                b.data = empty_column(b.type);
                found[*index] = true;
            }
            for (std::size_t f = 0; f < s.size(); ++f)
                if (!found[f])
                    fail({std::string(name_), record_line, 0, s[f].name},
                         "header: schema field '" + s[f].name + "' is missing from the header");
        } else {
            for (std::size_t c = 0; c < cells.size(); ++c) {
                builders_[c].target = c;
                builders_[c].inferred = true;
            }
        }
        return p;
    }

    void reserve(column_data& data) const {
        std::visit([n = expected_rows_](auto& k) {
            if constexpr (requires { k.codes; }) k.codes.reserve(n);
            else k.values.reserve(n);
        }, data);
    }

    static column_data empty_column(field_type t) {
        switch (t) {
        case field_type::numeric: return numeric_column{};
        case field_type::categorical: return categorical_column{};
        case field_type::boolean: return boolean_column{};
        case field_type::timestamp: return timestamp_column{};
        }
        return categorical_column{};
    }

    static std::string hex(char c) {
        static constexpr char digits[] = "0123456789ABCDEF";
        const auto u = static_cast<unsigned char>(c);
        return {digits[u >> 4], digits[u & 15]};
    }

    /// The table's schema as far as known before the rows: an inferred one is set in finish().
    [[nodiscard]] leadscore::schema initial_schema() const {
        return explicit_ ? *options_.fields : leadscore::schema{};
    }

    // ---- rows -----------------------------------------------------------------------------------------------

    /// Reports a structural fault (quotes, UTF-8, field count) at its earliest place; true when the row is bad.
    [[gnu::noinline]] bool check_structure(std::span<const cell> cells, const char* record, std::size_t record_line,
                         const scan_result& r, csv_result& result) const {
        const char* bad = r.non_ascii ? first_invalid_utf8(record, r.end) : r.end; // ASCII is valid UTF-8
        if (r.fault == nullptr && bad == r.end && cells.size() == builders_.size()) return false; // a good row
        const char* at = r.fault;
        std::string reason = r.fault != nullptr ? r.fault_reason : "";
        if (bad != r.end && (at == nullptr || bad < at)) {
            at = bad;
            reason = "invalid UTF-8 (byte 0x" + hex(*bad) + ")";
        }
        std::string field;
        bool count_fault = false;
        if (cells.size() != builders_.size()) {
            const bool too_many = cells.size() > builders_.size();
            const char* place = too_many ? cells[builders_.size()].raw : r.end;
            if (at == nullptr || place < at) {
                at = place;
                reason = "expected " + std::to_string(builders_.size()) + " fields, found " +
                         std::to_string(cells.size());
                if (!too_many) field = names_[cells.size()];
                count_fault = true;
            }
        }
        if (at == nullptr) return false;
        if (!count_fault) { // name the column of the cell holding the fault
            const auto it = std::upper_bound(cells.begin(), cells.end(), at,
                                             [](const char* a, const cell& c) { return a < c.raw; });
            const auto index = static_cast<std::size_t>(it - cells.begin());
            if (index > 0 && index - 1 < names_.size()) field = names_[index - 1];
        }
        report(locate(record, record_line, at, std::move(field)), std::move(reason), result);
        return true;
    }

    /// Parses the typed cells of an explicit-schema row; false (after reporting) when one is bad.
    bool stage_row(std::span<const cell> cells, const char* record, std::size_t record_line,
                   std::vector<staged_value>& staged, csv_result& result) const {
        for (std::size_t c = 0; c < builders_.size(); ++c) {
            const auto& b = builders_[c];
            if (b.target == no_column || b.type == field_type::categorical) continue;
            const std::string_view text = cells[c].view();
            auto& v = staged[c];
            v.missing = missing_.contains(cells[c]);
            if (v.missing) continue;
            const std::string_view t = trim_blanks(text);
            std::string reason;
            switch (b.type) {
            case field_type::numeric:
                if (read_number(cells[c], v.number, true)) continue;
                reason = quote_for_message(text) + " is not a number";
                break;
            case field_type::boolean:
                if (parse_bool(t, v.flag)) continue;
                reason = quote_for_message(text) + " is not a boolean (true/false, yes/no, 1/0)";
                break;
            case field_type::timestamp:
                if (const auto ts = parse_timestamp(t)) {
                    v.time = to_seconds(*ts);
                    continue;
                }
                reason = quote_for_message(text) + " is not a timestamp (YYYY-MM-DD, optionally with HH:MM:SS)";
                break;
            case field_type::categorical: break;
            }
            report(locate(record, record_line, cells[c].raw, names_[c]), std::move(reason), result);
            return false;
        }
        return true;
    }

    void commit_row(std::span<const cell> cells, const std::vector<staged_value>& staged) {
        for (std::size_t c = 0; c < builders_.size(); ++c) {
            auto& b = builders_[c];
            if (b.target == no_column) continue;
            const auto& v = staged[c];
            switch (b.type) {
            case field_type::numeric:
                std::get_if<numeric_column>(&b.data)->values.push_back(v.missing ? quiet_nan : v.number);
                break;
            case field_type::boolean:
                std::get_if<boolean_column>(&b.data)->values.push_back(v.missing ? missing_flag : v.flag);
                break;
            case field_type::timestamp:
                std::get_if<timestamp_column>(&b.data)->values.push_back(v.missing ? missing_time : v.time);
                break;
            case field_type::categorical: {
                auto& k = *std::get_if<categorical_column>(&b.data);
                k.codes.push_back(missing_.contains(cells[c]) ? missing_code : b.recent.intern(k.dict, cells[c]));
                break;
            }
            }
        }
    }

    /// Inference: timestamp, else numeric, else boolean (true/false words), else categorical. Returns false, pushing
    /// nothing, for a value that does not fit the column's type so far: the column then becomes categorical (see
    /// to_categorical).
    bool push_inferred(std::size_t c, const cell& text) {
        auto& b = builders_[c];
        const bool missing = missing_.contains(text);
        if (!b.seen_value) {
            first_inferred(b, missing, text);
            return true;
        }
        switch (b.type) {
        case field_type::categorical: {
            auto& k = *std::get_if<categorical_column>(&b.data);
            k.codes.push_back(missing ? missing_code : b.recent.intern(k.dict, text));
            return true;
        }
        case field_type::numeric: {
            auto& k = *std::get_if<numeric_column>(&b.data);
            double number = 0;
            if (missing) k.values.push_back(quiet_nan);
            else if (read_number(text, number, false)) k.values.push_back(number);
            else return false;
            return true;
        }
        case field_type::timestamp: {
            auto& k = *std::get_if<timestamp_column>(&b.data);
            if (missing) {
                k.values.push_back(missing_time);
                return true;
            }
            if (const auto ts = parse_timestamp(trim_blanks(text.view()))) {
                k.values.push_back(to_seconds(*ts));
                return true;
            }
            return false;
        }
        case field_type::boolean: {
            auto& k = *std::get_if<boolean_column>(&b.data);
            std::int8_t flag = 0;
            if (missing) k.values.push_back(missing_flag);
            else if (parse_bool_word(trim_blanks(text.view()), flag)) k.values.push_back(flag);
            else return false;
            return true;
        }
        }
        return true;
    }

    /// push_inferred before the column's first present value, which settles its type for now.
    [[gnu::noinline]] void first_inferred(column_builder& b, bool missing, const cell& cell) {
        if (missing) {
            ++b.pending_missing;
            return;
        }
        const std::string_view text = cell.view();
        const std::string_view t = trim_blanks(text);
        double number = 0;
        if (const auto ts = parse_timestamp(t)) {
            b.type = field_type::timestamp;
            timestamp_column k;
            k.values.assign(b.pending_missing, missing_time);
            k.values.push_back(to_seconds(*ts));
            b.data = std::move(k);
        } else if (parse_double(t, number, false)) {
            b.type = field_type::numeric;
            numeric_column k;
            k.values.assign(b.pending_missing, quiet_nan);
            k.values.push_back(number);
            b.data = std::move(k);
        } else if (std::int8_t flag = 0; parse_bool_word(t, flag)) {
            b.type = field_type::boolean;
            boolean_column k;
            k.values.assign(b.pending_missing, missing_flag);
            k.values.push_back(flag);
            b.data = std::move(k);
        } else {
            b.type = field_type::categorical;
            categorical_column k;
            k.codes.assign(b.pending_missing, missing_code);
            k.codes.push_back(b.recent.intern(k.dict, cell));
            b.data = std::move(k);
        }
        b.seen_value = true;
        reserve(b.data);
    }

    /// Turns the columns in misfits_ into categorical ones holding the original text of every row accepted before
    /// the record at `current`, re-reading the file up to it once.
    [[gnu::noinline]] void to_categorical(const char* current) {
        std::vector<categorical_column> built(misfits_.size());
        for (std::size_t i = 0; i < misfits_.size(); ++i) {
            built[i].codes.reserve(std::max(expected_rows_, rows_ + 1));
            builders_[misfits_[i]].recent = code_cache{};
        }
        tokenizer again(end_, delimiter_);
        scan_result r;
        auto next_rejected = rejected_records_.begin();
        std::size_t lines = 0; // not needed here
        for (const char* p = detail::skip_blank_lines(data_begin_, end_, lines); p < current;
             p = detail::skip_blank_lines(p, end_, lines)) {
            const char* record = p;
            p = again.scan(p, r);
            if (next_rejected != rejected_records_.end() && *next_rejected == record) {
                ++next_rejected;
                continue;
            }
            const auto cells = again.cells();
            for (std::size_t i = 0; i < misfits_.size(); ++i) {
                auto& b = builders_[misfits_[i]];
                const cell& text = cells[misfits_[i]];
                built[i].codes.push_back(missing_.contains(text) ? missing_code : b.recent.intern(built[i].dict, text));
            }
        }
        for (std::size_t i = 0; i < misfits_.size(); ++i) {
            builders_[misfits_[i]].type = field_type::categorical;
            builders_[misfits_[i]].data = std::move(built[i]);
        }
    }

    [[gnu::noinline]] csv_result finish(csv_result result) {
        if (!explicit_) {
            std::vector<field> fields;
            fields.reserve(builders_.size());
            for (std::size_t c = 0; c < builders_.size(); ++c) {
                auto& b = builders_[c];
                if (!b.seen_value) { // all missing: categorical
                    categorical_column k;
                    k.codes.assign(b.pending_missing, missing_code);
                    b.data = std::move(k);
                    b.type = field_type::categorical;
                }
                fields.push_back({names_[c], b.type, field_role::none});
            }
            result.table = lead_table(leadscore::schema(std::move(fields)));
        }
        auto& table = result.table;
        for (auto& b : builders_)
            if (b.target != no_column) table.column(b.target) = std::move(b.data);
        table.event_offsets().assign(rows_ + 1, 0); // gives a table without columns its row count
        table.finish_rows();
        table.shrink_to_fit();
        return result;
    }

    const csv_options& options_;
    missing_set missing_;
    std::string_view name_;
    const char* begin_ = nullptr;
    const char* end_ = nullptr;
    char delimiter_ = ',';
    std::size_t line_ = 1;
    bool explicit_ = false;
    std::vector<std::string> names_;
    std::vector<column_builder> builders_;
    const char* data_begin_ = nullptr;           // the first byte after the header
    std::vector<const char*> rejected_records_; // inference: rejected records, skipped when re-reading
    std::vector<std::size_t> misfits_;     // inference: columns the current row turns categorical
    std::size_t rows_ = 0;
    std::size_t expected_rows_ = 0;
};

// ---------------------------------------------------------------------------------------------------------------
// Writer.

class writer {
public:
    writer(std::ostream& out, char delimiter) : out_(out), delimiter_(delimiter) { buffer_.reserve(chunk + 1024); }

    /// A text cell, quoted when it holds the delimiter, a quote, CR or LF (or when `quote` asks for it).
    void text(std::string_view s, bool quote = false) {
        quote = quote || std::any_of(s.begin(), s.end(), [d = delimiter_](char c) {
                    return c == d || c == '"' || c == '\r' || c == '\n';
                });
        if (!quote) {
            buffer_.append(s);
            return;
        }
        buffer_.push_back('"');
        for (const char c : s) {
            if (c == '"') buffer_.push_back('"');
            buffer_.push_back(c);
        }
        buffer_.push_back('"');
    }
    void raw(std::string_view s) { buffer_.append(s); }
    void put(char c) { buffer_.push_back(c); }
    void end_line() {
        buffer_.push_back('\n');
        if (buffer_.size() >= chunk) flush();
    }
    void flush() {
        out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
    }

private:
    static constexpr std::size_t chunk = std::size_t{1} << 16; // flushed when a line ends past it
    std::ostream& out_;
    char delimiter_;
    std::string buffer_;
};

} // namespace
} // namespace detail

csv_result read_csv(std::string_view text, const csv_options& options, std::string_view name) {
    return detail::reader(text, options, name).run();
}

csv_result read_csv_file(const std::filesystem::path& path, const csv_options& options) {
    const std::string name = path.string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(name.c_str(), "rb"), &std::fclose);
    if (!file) throw input_error({name, 0, 0, {}}, std::string("cannot open the file: ") + std::strerror(errno));
    std::string data;
    std::error_code ec;
    if (const auto size = std::filesystem::file_size(path, ec); !ec) data.reserve(static_cast<std::size_t>(size));
    std::array<char, 1 << 16> chunk;
    for (;;) {
        const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
        data.append(chunk.data(), n);
        if (n < chunk.size()) break;
    }
    if (std::ferror(file.get()))
        throw input_error({name, 0, 0, {}}, std::string("cannot read the file: ") + std::strerror(errno));
    return read_csv(data, options, name);
}

void write_csv(std::ostream& out, const table_view& table, char delimiter) {
    if (!detail::valid_delimiter(delimiter))
        throw definition_error("csv: the delimiter must be an ASCII character other than a quote, CR or LF");
    const auto& s = table.table_schema();
    const std::size_t columns = s.size();
    detail::writer w(out, delimiter);
    for (std::size_t c = 0; c < columns; ++c) {
        if (c != 0) w.put(delimiter);
        // A first name starting with U+FEFF would read back as a byte order mark: quoted, it cannot.
        w.text(s[c].name, c == 0 && s[c].name.starts_with("\xEF\xBB\xBF"));
    }
    w.end_line();

    struct column_ref {
        field_type type;
        std::span<const double> numbers;
        std::span<const std::int32_t> codes;
        const dictionary* dict = nullptr;
        std::span<const std::int8_t> flags;
        std::span<const std::int64_t> times;
    };
    std::vector<column_ref> refs;
    refs.reserve(columns);
    for (std::size_t c = 0; c < columns; ++c) {
        column_ref r{s[c].type, {}, {}, nullptr, {}, {}};
        switch (r.type) {
        case field_type::numeric: r.numbers = table.numeric(c); break;
        case field_type::categorical: r.codes = table.codes(c), r.dict = &table.dict(c); break;
        case field_type::boolean: r.flags = table.booleans(c); break;
        case field_type::timestamp: r.times = table.timestamps(c); break;
        }
        refs.push_back(r);
    }
    // With one column a missing value would make an empty line, which the reader skips: write "" instead.
    const std::string_view missing = columns == 1 ? std::string_view("\"\"") : std::string_view();
    char number[64];
    for (std::size_t row = 0; row < table.rows(); ++row) {
        for (std::size_t c = 0; c < columns; ++c) {
            if (c != 0) w.put(delimiter);
            const auto& r = refs[c];
            switch (r.type) {
            case field_type::numeric: {
                const double v = r.numbers[row];
                if (std::isnan(v)) {
                    w.raw(missing);
                } else {
                    const auto res = std::to_chars(number, number + sizeof number, v);
                    w.raw({number, static_cast<std::size_t>(res.ptr - number)});
                }
                break;
            }
            case field_type::categorical: {
                const std::int32_t code = r.codes[row];
                if (code == missing_code) w.raw(missing);
                else if (const auto text = (*r.dict)[code]; text.empty()) w.raw(missing);
                else w.text(text);
                break;
            }
            case field_type::boolean: {
                const std::int8_t v = r.flags[row];
                w.raw(v == missing_flag ? missing : v != 0 ? std::string_view("true") : std::string_view("false"));
                break;
            }
            case field_type::timestamp: {
                const std::int64_t v = r.times[row];
                if (v == missing_time) w.raw(missing);
                else w.raw(format_timestamp(from_seconds(v)));
                break;
            }
            }
        }
        w.end_line();
    }
    w.flush();
}

void write_csv_file(const std::filesystem::path& path, const table_view& table, char delimiter) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw error(path.string() + ": cannot open the file for writing: " + std::strerror(errno));
    write_csv(out, table, delimiter);
    out.flush();
    if (!out) throw error(path.string() + ": writing failed");
}

} // namespace leadscore
