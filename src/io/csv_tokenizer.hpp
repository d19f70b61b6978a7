#pragma once
// Internal: the one CSV tokenizer under every file format of the library (leads, stage histories, deal snapshots,
// funnel definitions, reps and routing rules). It splits a text into records and cells (RFC 4180 quoting, LF or
// CRLF line ends, a UTF-8 byte order mark skipped) and finds structural faults; what a fault is called, and what a
// cell means, is up to each reader. Header-only so that the lead reader's row loop inlines it.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace leadscore::detail::csv {

/// A delimiter the tokenizer can work with: ASCII, and not a quote, CR or LF.
[[nodiscard]] inline bool valid_delimiter(char d) noexcept {
    const auto u = static_cast<unsigned char>(d);
    return u != 0 && u < 0x80 && d != '"' && d != '\n' && d != '\r';
}

/// The text without a leading UTF-8 byte order mark, which is not part of it (columns on line 1 count after it).
[[nodiscard]] inline std::string_view without_bom(std::string_view text) noexcept {
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    return text;
}

// ---------------------------------------------------------------------------------------------------------------
// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).

/// The first byte of the first invalid sequence in [p, e), or e. Every ASCII byte is a sequence of its own, so
/// validating a whole record equals validating each of its cells.
[[nodiscard]] inline const char* first_invalid_utf8(const char* p, const char* e) noexcept {
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
// Cells.

/// A word with its lowest k bytes set (k <= 8). Two shifts, as one by 64 would be undefined.
constexpr std::uint64_t low_bytes(std::size_t k) noexcept {
    return ((std::uint64_t{1} << (4 * k)) << (4 * k)) - 1;
}

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

/// One cell of a record. Its text points into the input, or into the tokenizer's scratch buffer for a quoted cell
/// with doubled quotes; either stays valid until the tokenizer scans the next record.
struct cell {
    const char* raw;    ///< first byte of the cell in the input (its opening quote when quoted)
    const char* text;   ///< the cell's text: in the input, or in the scratch buffer when quotes were doubled
    std::size_t size;
    std::uint64_t head; ///< head_of the text: compares, hashes and parses short texts without a loop
    [[nodiscard]] std::string_view view() const noexcept { return {text, size}; }
};

/// A structural fault of a record. Each reader words it in its own messages.
enum class fault_kind : std::uint8_t {
    none,
    /// At the opening quote: the quote never closes (no quote follows it in the input). The record ends at the end
    /// of the line holding it, so the lines after it are records of their own rather than swallowed by it.
    unterminated_quote,
    text_after_quote,   ///< at the first byte after a closing quote that is not a delimiter or a line end
};

struct scan_result {
    const char* end = nullptr;      ///< one past the record's last byte, its line break excluded
    std::size_t newlines = 0;       ///< LF bytes consumed, the record's own line break included
    const char* fault = nullptr;    ///< first structural fault, or nullptr
    fault_kind fault_type = fault_kind::none;
    bool non_ascii = false;         ///< the record may hold a byte above 0x7F; false: it holds none
};

// ---------------------------------------------------------------------------------------------------------------
// The tokenizer.

/// Where the bytes a tokenizer looks for are in a block of 64: bit i stands for byte i.
struct block_masks {
    std::uint64_t breaks = 0;    ///< the delimiter, LF and CR: the ends of an unquoted cell
    std::uint64_t quotes = 0;
    std::uint64_t non_ascii = 0; ///< bytes above 0x7F
};

/// The masks of p[0, 64).
inline block_masks classify(const char* p, char delimiter) noexcept {
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
///
/// A quoted cell runs to its closing quote (a doubled quote inside stands for one); after it only a delimiter or a
/// line end may follow. An unquoted cell runs to the next delimiter or line end; quotes inside it, and a CR not
/// before LF, are text. A line end is LF, CRLF, or a CR at the very end of the input.
class tokenizer {
public:
    /// `max_cells`: cells kept per record; past it the last one is overwritten by each further cell (the record is
    /// still scanned to its end), so a reader refusing records of more cells than it allows never stores them all.
    tokenizer(const char* end, char delimiter, std::size_t max_cells = static_cast<std::size_t>(-1))
        : end_(end), delimiter_(delimiter), block_(end), max_cells_(std::max<std::size_t>(max_cells, 1)) {}

    /// Tokenizes the record starting at p (p < end). Returns the position after its line break.
    /// The tokenizer's hot loop, kept in one piece: the quoted branch and the cell loop share the block state.
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
            if (count_ == cells_.size()) {
                if (count_ == max_cells_) { // beyond the limit: see the constructor
                    --count_;
                    if (!escaped_.empty() && escaped_.back().first == count_) escaped_.pop_back();
                }
                else cells_.resize(std::min(max_cells_, cells_.empty() ? std::size_t{64} : cells_.size() * 2));
            }
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
                    if (c == end_) { // the quote never closes: the record ends with the quote's line
                        set_fault(r, start, fault_kind::unterminated_quote);
                        const auto* lf = static_cast<const char*>(
                            std::memchr(start + 1, '\n', static_cast<std::size_t>(end_ - start - 1)));
                        const char* line_end = lf != nullptr ? lf : end_;
                        if (line_end != start + 1 && line_end[-1] == '\r') --line_end; // CRLF, or a CR at the end
                        out.text = start + 1;
                        out.size = static_cast<std::size_t>(line_end - out.text);
                        out.head = head_of(out.text, out.size, end_ - out.text >= 8);
                        r.end = line_end;
                        r.newlines += lf != nullptr;
                        return finish_record(r, lf != nullptr ? lf + 1 : end_);
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
                    set_fault(r, p, fault_kind::text_after_quote);
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
        return finish_record(r, p);
    }

    /// The cells of the record scanned last.
    [[nodiscard]] std::span<const cell> cells() const noexcept { return {cells_.data(), count_}; }

private:
    /// Points the cells with doubled quotes into the scratch buffer, now that it holds all of them; returns `next`.
    const char* finish_record(scan_result& r, const char* next) {
        r.non_ascii = non_ascii_;
        if (!escaped_.empty()) {
            scratch_.append(8, '\0'); // so that head_of may read eight bytes from any cell in it
            for (const auto& [index, offset] : escaped_) {
                cell& c = cells_[index];
                c.text = scratch_.data() + offset;
                c.head = head_of(c.text, c.size, true);
            }
        }
        return next;
    }

    static void set_fault(scan_result& r, const char* at, fault_kind kind) noexcept {
        if (r.fault == nullptr) r.fault = at, r.fault_type = kind;
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
    std::size_t max_cells_;
    std::vector<cell> cells_; // cells_[0, count_) are the current record's
    std::size_t count_ = 0;
    std::string scratch_;
    std::vector<std::pair<std::size_t, std::size_t>> escaped_; // (cell, offset in scratch_) of unescaped cells
};

// ---------------------------------------------------------------------------------------------------------------
// Lines and records.

/// Skips empty lines (LF or CRLF alone, or a CR at the very end), adding them to `lines`. They are not records.
inline const char* skip_blank_lines(const char* p, const char* e, std::size_t& lines) noexcept {
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
/// The library's one delimiter detector: every reader calls it on its first record.
[[nodiscard]] inline char detect_delimiter(const char* p, const char* e) noexcept {
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
[[nodiscard]] inline std::size_t estimate_records(const char* p, const char* e) noexcept {
    if (p == e) return 0;
    std::size_t n = 1;
    while (const auto* q = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)))) {
        p = q + 1;
        if (p == e) break;
        n += *p != '\n' && *p != '\r';
    }
    return n;
}

/// A physical place: 1-based line and byte column.
struct line_column {
    std::size_t line = 0;
    std::size_t column = 0;
};

/// The place of byte `at` of the record starting at `record` on line `record_line` (at >= record).
[[nodiscard]] inline line_column place_in_record(const char* record, std::size_t record_line, const char* at) noexcept {
    std::size_t line = record_line;
    const char* line_start = record;
    for (const char* q = record; q != at; ++q)
        if (*q == '\n') ++line, line_start = q + 1;
    return {line, static_cast<std::size_t>(at - line_start) + 1};
}

/// The index of the cell of `cells` holding byte `at` of their record (the last cell for a byte past them).
[[nodiscard]] inline std::size_t cell_holding(std::span<const cell> cells, const char* at) noexcept {
    const auto it = std::upper_bound(cells.begin(), cells.end(), at,
                                     [](const char* a, const cell& c) { return a < c.raw; });
    return it == cells.begin() ? 0 : static_cast<std::size_t>(it - cells.begin()) - 1;
}

/// Records one at a time, for the readers that look at every cell themselves (stage histories, deal snapshots,
/// funnel definitions, reps and rules): the byte order mark skipped, blank lines passed over and counted, the
/// delimiter detected from the first record unless given. Borrows the text.
class record_reader {
public:
    /// `delimiter` '\0' detects it (detect_delimiter on the first record); `max_cells` as the tokenizer takes it.
    record_reader(std::string_view text, char delimiter, std::size_t max_cells = static_cast<std::size_t>(-1))
        : end_(text.data() + text.size()),
          p_(skip_blank_lines(without_bom(text).data(), end_, line_)),
          delimiter_(delimiter != '\0' ? delimiter : detect_delimiter(p_, end_)),
          tokenizer_(end_, delimiter_, max_cells) {}

    /// Scans the next record; false at the end of the text.
    bool next() {
        p_ = skip_blank_lines(p_, end_, line_);
        if (p_ == end_) return false;
        record_ = p_;
        record_line_ = line_;
        p_ = tokenizer_.scan(p_, scan_);
        line_ += scan_.newlines;
        return true;
    }

    [[nodiscard]] std::span<const cell> cells() const noexcept { return tokenizer_.cells(); }
    [[nodiscard]] const scan_result& scanned() const noexcept { return scan_; }
    /// The first physical line of the record.
    [[nodiscard]] std::size_t line() const noexcept { return record_line_; }
    [[nodiscard]] char delimiter() const noexcept { return delimiter_; }
    /// True when no record is left (blank lines aside).
    [[nodiscard]] bool at_end() noexcept { return (p_ = skip_blank_lines(p_, end_, line_)) == end_; }
    /// Where the current record starts, and one past where it ends (its line break excluded).
    [[nodiscard]] const char* record() const noexcept { return record_; }
    [[nodiscard]] const char* record_end() const noexcept { return scan_.end; }
    /// Where the record after the current one may start: past the current one's line break (and, once at_end()
    /// was called, past the blank lines after it).
    [[nodiscard]] const char* after_record() const noexcept { return p_; }

    /// The place of a byte of the current record.
    [[nodiscard]] line_column place(const char* at) const noexcept { return place_in_record(record_, record_line_, at); }
    /// The place of cell c of the current record (its first byte: the opening quote when quoted).
    [[nodiscard]] line_column place(std::size_t c) const noexcept { return place(cells()[c].raw); }
    /// The first byte of the current record that starts invalid UTF-8, or nullptr.
    [[nodiscard]] const char* invalid_utf8() const noexcept {
        if (!scan_.non_ascii) return nullptr; // ASCII is valid UTF-8
        const char* bad = first_invalid_utf8(record_, scan_.end);
        return bad == scan_.end ? nullptr : bad;
    }

private:
    const char* end_;
    std::size_t line_ = 1;
    const char* p_;
    char delimiter_;
    tokenizer tokenizer_;
    scan_result scan_;
    const char* record_ = nullptr;
    std::size_t record_line_ = 1;
};

} // namespace leadscore::detail::csv
