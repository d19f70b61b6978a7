#include "csv_values.hpp"

#include "leadscore/io/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace leadscore::detail::csv {

namespace {

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

} // namespace

bool parse_double(std::string_view s, double& out) noexcept {
    if (s.empty()) return false;
    const char* b = s.data();
    const char* e = b + s.size();
    if constexpr (FLT_EVAL_METHOD == 0) // no excess precision, so the fast path rounds exactly once
        if (parse_plain_decimal(b, e, out)) return true;
    // Only texts starting with a digit or a point go to from_chars, which would also read inf, infinity and nan.
    const char* d = b + (*b == '-');
    if (d == e || !((*d >= '0' && *d <= '9') || *d == '.')) {
        if (!iequals(std::string_view(d, static_cast<std::size_t>(e - d)), "nan")) return false;
        out = std::numeric_limits<double>::quiet_NaN(); // what spreadsheets and pandas write for "no value"
        return true;
    }
    const auto [ptr, ec] = std::from_chars(b, e, out);
    if (ptr != e) return false;
    if (ec == std::errc{}) return true;
    if (ec != std::errc::result_out_of_range || !underflows(s)) return false;
    out = *b == '-' ? -0.0 : 0.0;
    return true;
}

bool parse_finite(std::string_view text, double& out) noexcept {
    if (text.empty()) return false;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, std::chars_format::general);
    return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(out);
}

std::string quote_for_message(std::string_view s) {
    constexpr std::size_t limit = 40;
    std::size_t n = std::min(s.size(), limit);
    while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    std::string out(1, '\'');
    out.append(s.substr(0, n)).append(n < s.size() ? "...'" : "'");
    return out;
}

std::string hex_byte(char c) {
    static constexpr char digits[] = "0123456789ABCDEF";
    const auto u = static_cast<unsigned char>(c);
    return {digits[u >> 4], digits[u & 15]};
}

bool missing_set::in_others(std::string_view s) const noexcept {
    return std::find(others_.begin(), others_.end(), s) != others_.end();
}

} // namespace leadscore::detail::csv

namespace leadscore {

std::vector<numeric_lookalike> numeric_lookalikes(const table_view& table, std::size_t max_texts) {
    std::vector<numeric_lookalike> out;
    const schema& s = table.table_schema();
    for (std::size_t c = 0; c < s.size(); ++c) {
        if (s[c].type != field_type::categorical) continue;
        // Per dictionary code: a number or not, its cells and its first row; one pass over the codes.
        const dictionary& dict = table.dict(c);
        std::vector<bool> number(dict.size());
        for (std::size_t k = 0; k < dict.size(); ++k) {
            double x = 0;
            number[k] = detail::csv::parse_double(detail::csv::trim_blanks(dict[static_cast<std::int32_t>(k)]), x);
        }
        std::vector<std::size_t> cells(dict.size(), 0), first(dict.size(), 0);
        const auto codes = table.codes(c);
        numeric_lookalike l{s[c].name, 0, 0, {}};
        for (std::size_t r = 0; r < codes.size(); ++r) {
            if (codes[r] == missing_code) continue;
            const auto k = static_cast<std::size_t>(codes[r]);
            if (cells[k]++ == 0) first[k] = r;
            ++l.present;
            if (!number[k]) ++l.odd;
        }
        if (l.odd == 0 || 2 * (l.present - l.odd) <= l.present) continue;
        std::vector<std::size_t> odd;
        for (std::size_t k = 0; k < dict.size(); ++k)
            if (!number[k] && cells[k] > 0) odd.push_back(k);
        std::sort(odd.begin(), odd.end(), [&](std::size_t a, std::size_t b) { return first[a] < first[b]; });
        for (std::size_t i = 0; i < odd.size() && i < max_texts; ++i)
            l.texts.push_back({std::string(dict[static_cast<std::int32_t>(odd[i])]), cells[odd[i]], first[odd[i]]});
        out.push_back(std::move(l));
    }
    return out;
}

} // namespace leadscore
