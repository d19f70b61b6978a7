#include "time_zone.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/core/time.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

namespace leadscore::sql::detail {

namespace {

constexpr std::int64_t tz_min_instant = std::numeric_limits<std::int64_t>::min();
/// The footer rule of a TZif file (times after its last transition) is unrolled up to this year.
constexpr int tz_last_rule_year = 2200;

/// A name of the tz database: letters, digits and "/_+-", no empty, "." or ".." part (it becomes a file path).
bool tz_name_ok(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '/') return false;
    for (const char ch : name)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '/' ||
              ch == '_' || ch == '+' || ch == '-' || ch == '.'))
            return false;
    std::size_t from = 0;
    for (;;) {
        const std::size_t to = std::min(name.find('/', from), name.size());
        const std::string_view part = name.substr(from, to - from);
        if (part.empty() || part == "." || part == "..") return false;
        if (to == name.size()) return true;
        from = to + 1;
    }
}

/// A big-endian signed integer of `n` bytes at data[at].
std::int64_t tz_be(const std::string& data, std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + static_cast<std::size_t>(i)]);
    if (n < 8 && (v >> (8 * n - 1)) != 0) v |= ~std::uint64_t{0} << (8 * n); // sign extension
    return static_cast<std::int64_t>(v);
}

/// A POSIX TZ string's time or offset: [+-]hh[:mm[:ss]] in seconds; advances `at`.
std::optional<std::int64_t> tz_posix_time(std::string_view s, std::size_t& at) {
    int sign = 1;
    if (at < s.size() && (s[at] == '+' || s[at] == '-')) sign = s[at++] == '-' ? -1 : 1;
    std::int64_t total = 0;
    for (int part = 0; part < 3; ++part) {
        if (part > 0) {
            if (at >= s.size() || s[at] != ':') break;
            ++at;
        }
        const std::size_t begin = at;
        std::int64_t v = 0;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9' && at - begin < 3) v = v * 10 + (s[at++] - '0');
        if (at == begin) return std::nullopt;
        total += v * (part == 0 ? 3600 : part == 1 ? 60 : 1);
    }
    return sign * total;
}

/// A zone abbreviation of a POSIX TZ string: letters, or <...>; advances `at`.
bool tz_posix_name(std::string_view s, std::size_t& at) {
    if (at < s.size() && s[at] == '<') {
        const std::size_t close = s.find('>', at);
        if (close == std::string_view::npos) return false;
        at = close + 1;
        return true;
    }
    const std::size_t begin = at;
    while (at < s.size() && ((s[at] >= 'a' && s[at] <= 'z') || (s[at] >= 'A' && s[at] <= 'Z'))) ++at;
    return at - begin >= 3;
}

/// A rule's day of the year: Mm.w.d (the d-th weekday of week w of month m, 5 = the last), Jn (1..365, no leap day)
/// or n (0..365), as the date of `year`.
struct tz_day_rule {
    char form = 'M';
    int month = 0, week = 0, weekday = 0, day = 0;
    std::int64_t time = 7200; // seconds after local midnight

    [[nodiscard]] std::chrono::sys_days date(int year) const {
        using namespace std::chrono;
        const auto y = std::chrono::year{year};
        if (form == 'J') return sys_days{y / January / 1} + days{day - 1 + (y.is_leap() && day > 59 ? 1 : 0)};
        if (form == 'n') return sys_days{y / January / 1} + days{day};
        const auto m = std::chrono::month{static_cast<unsigned>(month)};
        const auto wd = std::chrono::weekday{static_cast<unsigned>(weekday)};
        if (week == 5) return sys_days{year_month_weekday_last{y, m, weekday_last{wd}}};
        return sys_days{year_month_weekday{y, m, weekday_indexed{wd, static_cast<unsigned>(week)}}};
    }
};

std::optional<int> tz_posix_number(std::string_view s, std::size_t& at) {
    const std::size_t begin = at;
    int v = 0;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9' && at - begin < 3) v = v * 10 + (s[at++] - '0');
    if (at == begin) return std::nullopt;
    return v;
}

std::optional<tz_day_rule> tz_posix_rule(std::string_view s, std::size_t& at) {
    tz_day_rule r;
    if (at < s.size() && s[at] == 'M') {
        ++at;
        const auto m = tz_posix_number(s, at);
        if (!m || at >= s.size() || s[at++] != '.') return std::nullopt;
        const auto w = tz_posix_number(s, at);
        if (!w || at >= s.size() || s[at++] != '.') return std::nullopt;
        const auto d = tz_posix_number(s, at);
        if (!d || *m < 1 || *m > 12 || *w < 1 || *w > 5 || *d > 6) return std::nullopt;
        r.month = *m, r.week = *w, r.weekday = *d;
    } else {
        r.form = at < s.size() && s[at] == 'J' ? 'J' : 'n';
        if (r.form == 'J') ++at;
        const auto n = tz_posix_number(s, at);
        if (!n || *n > 365 || (r.form == 'J' && *n < 1)) return std::nullopt;
        r.day = *n;
    }
    if (at < s.size() && s[at] == '/') {
        const auto t = tz_posix_time(s, ++at);
        if (!t) return std::nullopt;
        r.time = *t;
    }
    return r;
}

} // namespace

/// Reads a TZif file's version 2+ data (64-bit times) and its footer into a time_zone's periods.
struct tzif_reader {
    static void read(time_zone& z, const std::string& data, const std::string& where);
    static void add_footer(time_zone& z, std::string_view footer, std::int64_t after, const std::string& where);
    static void add(time_zone& z, std::int64_t at, std::int32_t offset) {
        if (!z.start_.empty() && at <= z.start_.back()) return; // unrolled footer times before the table's end
        if (!z.offset_.empty() && z.offset_.back() == offset) return;
        z.start_.push_back(at);
        z.offset_.push_back(offset);
    }
};

void tzif_reader::read(time_zone& z, const std::string& data, const std::string& where) {
    const auto bad = [&] { return error(where + ": not a tz database file (TZif)"); };
    if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) throw bad();
    const auto counts = [&](std::size_t at, int time_size) {
        std::size_t c[6];
        for (int i = 0; i < 6; ++i) c[i] = static_cast<std::size_t>(tz_be(data, at + 20 + 4 * static_cast<std::size_t>(i), 4));
        // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
        const std::size_t size = c[3] * static_cast<std::size_t>(time_size) + c[3] + c[4] * 6 + c[5] +
                                 c[2] * static_cast<std::size_t>(time_size + 4) + c[1] + c[0];
        return std::array<std::size_t, 7>{c[0], c[1], c[2], c[3], c[4], c[5], size};
    };
    const auto v1 = counts(0, 4);
    std::size_t at = 44 + v1[6];
    if (data[4] == '\0' || data.size() < at + 44 || data.compare(at, 4, "TZif") != 0) throw bad(); // v1 only: too old
    const auto c = counts(at, 8);
    at += 44;
    if (c[2] != 0) throw error(where + ": a zone with leap seconds (a right/ zone) is not supported");
    if (c[4] == 0 || data.size() < at + c[6]) throw bad();
    const std::size_t times = at, indices = times + 8 * c[3], types = indices + c[3];
    const auto type_offset = [&](std::size_t t) {
        if (t >= c[4]) throw bad();
        return static_cast<std::int32_t>(tz_be(data, types + 6 * t, 4));
    };
    add(z, tz_min_instant, type_offset(0));
    for (std::size_t i = 0; i < c[3]; ++i)
        add(z, tz_be(data, times + 8 * i, 8), type_offset(static_cast<unsigned char>(data[indices + i])));
    const std::size_t footer = at + c[6];
    if (footer < data.size() && data[footer] == '\n') {
        const std::size_t end = data.find('\n', footer + 1);
        if (end == std::string::npos) throw bad();
        const std::int64_t last = c[3] == 0 ? tz_min_instant : tz_be(data, times + 8 * (c[3] - 1), 8);
        add_footer(z, std::string_view(data).substr(footer + 1, end - footer - 1), last, where);
    }
}

void tzif_reader::add_footer(time_zone& z, std::string_view s, std::int64_t after, const std::string& where) {
    if (s.empty()) return;
    const auto bad = [&] { return error(where + ": cannot read the zone's rule '" + std::string(s) + "'"); };
    std::size_t at = 0;
    if (!tz_posix_name(s, at)) throw bad();
    const auto std_posix = tz_posix_time(s, at);
    if (!std_posix) throw bad();
    const auto std_offset = static_cast<std::int32_t>(-*std_posix); // POSIX counts west of Greenwich as positive
    if (at == s.size()) return add(z, std::max(after, tz_min_instant + 1), std_offset);
    if (!tz_posix_name(s, at)) throw bad();
    std::int32_t dst_offset = std_offset + 3600;
    if (at < s.size() && s[at] != ',') {
        const auto d = tz_posix_time(s, at);
        if (!d) throw bad();
        dst_offset = static_cast<std::int32_t>(-*d);
    }
    if (at >= s.size() || s[at++] != ',') throw bad();
    const auto start = tz_posix_rule(s, at);
    if (!start || at >= s.size() || s[at++] != ',') throw bad();
    const auto end = tz_posix_rule(s, at);
    if (!end || at != s.size()) throw bad();
    const int first_year = after == tz_min_instant
                               ? 1970
                               : static_cast<int>(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(
                                                      from_seconds(after))}.year());
    for (int y = first_year; y <= tz_last_rule_year; ++y) {
        // Each change happens at a wall-clock time of the offset in force before it.
        const std::int64_t on = (start->date(y).time_since_epoch().count()) * 86400 + start->time - std_offset;
        const std::int64_t off = (end->date(y).time_since_epoch().count()) * 86400 + end->time - dst_offset;
        if (on < off) {
            add(z, on, dst_offset);
            add(z, off, std_offset);
        } else { // southern hemisphere: summer time spans the new year
            add(z, off, std_offset);
            add(z, on, dst_offset);
        }
    }
}

time_zone time_zone::load(std::string_view name) {
    if (!tz_name_ok(name)) throw error("time zone '" + std::string(name) + "': not a zone name such as Europe/Berlin");
    const char* dir = std::getenv("TZDIR");
    const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw error("time zone '" + std::string(name) + "': no such zone in the tz database (" + path + ")");
    std::ostringstream content;
    content << in.rdbuf();
    time_zone z;
    z.name_ = std::string(name);
    tzif_reader::read(z, content.str(), "time zone '" + z.name_ + "' (" + path + ")");
    return z;
}

std::int32_t time_zone::offset_at(std::int64_t utc) const noexcept {
    const auto it = std::upper_bound(start_.begin(), start_.end(), utc);
    return offset_[static_cast<std::size_t>(std::max<std::ptrdiff_t>(it - start_.begin() - 1, 0))];
}

std::int64_t time_zone::to_utc(std::int64_t local) const noexcept {
    // The instant lies within a day and a bit of the wall-clock fields: only the periods around them can hold it.
    constexpr std::int64_t reach = 30 * 3600;
    const auto period_of = [&](std::int64_t t) {
        const auto it = std::upper_bound(start_.begin(), start_.end(), t);
        return static_cast<std::size_t>(std::max<std::ptrdiff_t>(it - start_.begin() - 1, 0));
    };
    const std::size_t lo = period_of(local > tz_min_instant + reach ? local - reach : tz_min_instant);
    const std::size_t hi = period_of(local < std::numeric_limits<std::int64_t>::max() - reach ? local + reach : local);
    std::optional<std::int64_t> best;
    for (std::size_t i = lo; i <= hi; ++i) {
        const std::int64_t u = local - offset_[i];
        const bool after_start = i == 0 || u >= start_[i];
        const bool before_end = i + 1 == start_.size() || u < start_[i + 1];
        if (after_start && before_end && (!best || u > *best)) best = u; // two: the later instant
    }
    if (best) return *best;
    // A gap: the wall-clock time falls in the hour the clocks skipped at the start of some period i; take the offset
    // of the period before it.
    for (std::size_t i = lo + 1; i <= hi; ++i)
        if (local - offset_[i - 1] >= start_[i] && local - offset_[i] < start_[i]) return local - offset_[i - 1];
    return local - offset_at(local);
}

std::optional<sql_time_text> parse_sql_time(std::string_view s) noexcept {
    if (s.size() < 10) return std::nullopt;
    std::size_t at = s.size() >= 19 && (s[10] == 'T' || s[10] == ' ') ? 19 : 10;
    const auto base = parse_timestamp(s.substr(0, at));
    if (!base) return std::nullopt;
    if (at == 19 && at < s.size() && s[at] == '.')
        for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9';) ++at;
    sql_time_text out{to_seconds(*base), false};
    if (at == s.size()) return out;
    if (s[at] == 'Z' && at + 1 == s.size()) return sql_time_text{out.seconds, true};
    if (s[at] != '+' && s[at] != '-') return std::nullopt;
    const int sign = s[at] == '-' ? -1 : 1;
    int part[3] = {0, 0, 0};
    ++at;
    for (int p = 0; p < 3 && (p == 0 || at < s.size()); ++p) { // the hours at least
        if (p > 0 && s[at] == ':') ++at;
        if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return std::nullopt;
        part[p] = (s[at] - '0') * 10 + (s[at + 1] - '0');
        at += 2;
    }
    if (at != s.size() || part[0] > 23 || part[1] > 59 || part[2] > 59) return std::nullopt;
    return sql_time_text{out.seconds - sign * (part[0] * 3600 + part[1] * 60 + part[2]), true};
}

std::optional<std::int64_t> sql_time_seconds(std::string_view s, const time_zone* zone) noexcept {
    const auto t = parse_sql_time(s);
    if (!t) return std::nullopt;
    if (t->zoned || !zone) return t->seconds;
    return zone->to_utc(t->seconds);
}

} // namespace leadscore::sql::detail
