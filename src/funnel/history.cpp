#include "leadscore/funnel/history.hpp"

#include "leadscore/core/catalogue.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace leadscore {

// ---------------------------------------------------------------------------------------------------------------
// journeys

namespace {

std::string stage_list(const funnel& f) {
    std::string known;
    for (const auto& s : f.stages()) known += (known.empty() ? "" : ", ") + s.name;
    return known;
}

std::string entry_label(const stage_history& h, std::size_t i) {
    std::string s = "entry " + std::to_string(i);
    const auto lc = h.lead[i];
    if (lc >= 0 && static_cast<std::size_t>(lc) < h.lead_ids.size())
        s += " (lead '" + std::string(h.lead_ids[lc]) + "')";
    return s;
}

} // namespace

journeys::journeys(const stage_history& h, const funnel& f) : history_(&h), funnel_(&f) {
    const std::size_t n = h.size();
    if (h.stage.size() != n || h.source.size() != n || h.entered.size() != n || h.value.size() != n)
        throw definition_error("journeys: the history's columns have different lengths");
    // Positions and offsets are 32-bit to halve the memory of the index; 4 G entries is far beyond one process.
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw definition_error("journeys: more than 2^32 - 2 entries");
    if (f.size() > std::numeric_limits<std::uint16_t>::max())
        throw definition_error("journeys: a funnel of more than 65535 stages");

    // Resolve stage names once per dictionary entry, not once per entry.
    std::vector<std::int32_t> stage_map(h.stages.size(), -1);
    for (std::size_t c = 0; c < h.stages.size(); ++c)
        if (const auto i = f.find(h.stages[static_cast<std::int32_t>(c)])) stage_map[c] = static_cast<std::int32_t>(*i);

    const std::size_t leads = h.lead_ids.size();
    offsets_.assign(leads + 1, 0);
    entry_stage_.resize(n);
    bool sorted = true;
    std::int32_t previous_lead = -1;
    std::int64_t key = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::int32_t lc = h.lead[i];
        const std::int32_t sc = h.stage[i];
        if (lc < 0 || static_cast<std::size_t>(lc) >= leads)
            throw definition_error("journeys: entry " + std::to_string(i) + " has lead code " + std::to_string(lc) +
                                   ", outside the lead-id dictionary");
        if (sc < 0 || static_cast<std::size_t>(sc) >= stage_map.size())
            throw definition_error("journeys: " + entry_label(h, i) + " has stage code " + std::to_string(sc) +
                                   ", outside the stage dictionary");
        if (stage_map[sc] < 0)
            throw definition_error("journeys: " + entry_label(h, i) + ": stage '" + std::string(h.stages[sc]) +
                                   "' is not in the funnel (stages: " + stage_list(f) + ")");
        entry_stage_[i] = static_cast<std::uint16_t>(stage_map[sc]);
        ++offsets_[static_cast<std::size_t>(lc) + 1];
        // Already in journey order when leads come in runs of non-decreasing codes and times never go back.
        if (lc != previous_lead) {
            if (lc < previous_lead) sorted = false;
            previous_lead = lc;
            key = std::numeric_limits<std::int64_t>::min();
        }
        const std::int64_t t = h.entered[i];
        if (t != missing_time) {
            if (t < key) sorted = false;
            key = t;
        }
    }
    // Runs of one lead must also be unique: a lead whose entries are split by another lead is not grouped.
    std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
    if (sorted) {
        std::int32_t expected = -1;
        std::size_t run_end = 0;
        for (std::size_t i = 0; i < n && sorted; ++i) {
            if (i == run_end) {
                // A new run starts: its lead must be the next lead with entries, owning exactly this run.
                const auto lc = h.lead[i];
                if (lc <= expected || offsets_[static_cast<std::size_t>(lc)] != i) sorted = false;
                expected = lc;
                run_end = offsets_[static_cast<std::size_t>(lc) + 1];
            } else if (h.lead[i] != expected) {
                sorted = false;
            }
        }
    }
    identity_ = sorted;
    order_.resize(n);
    if (identity_) {
        std::iota(order_.begin(), order_.end(), std::uint32_t{0});
        position_stage_ = entry_stage_;
        return;
    }

    // Counting sort by lead (stable, so input order survives), scattering entry index, stage and time together
    // so the input is read once in order; then a stable sort by time within each lead that is out of order.
    position_stage_.resize(n);
    position_time_.resize(n);
    {
        std::vector<std::uint32_t> cursor(offsets_.begin(), offsets_.end() - 1);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t p = cursor[static_cast<std::size_t>(h.lead[i])]++;
            order_[p] = static_cast<std::uint32_t>(i);
            position_stage_[p] = entry_stage_[i];
            position_time_[p] = h.entered[i];
        }
    }
    std::vector<std::pair<std::int64_t, std::uint32_t>> keyed;
    for (std::size_t l = 0; l < leads; ++l) {
        const std::size_t b = offsets_[l], e = offsets_[l + 1];
        if (e - b < 2) continue;
        std::int64_t k = std::numeric_limits<std::int64_t>::min();
        bool in_order = true;
        for (std::size_t p = b; p < e && in_order; ++p) {
            const std::int64_t t = position_time_[p];
            if (t != missing_time) {
                in_order = t >= k;
                k = t;
            }
        }
        if (in_order) continue;
        keyed.clear();
        k = std::numeric_limits<std::int64_t>::min();
        for (std::size_t p = b; p < e; ++p) {
            const std::int64_t t = position_time_[p];
            if (t != missing_time) k = t; // undated entries keep the key of the entry before them
            keyed.emplace_back(k, order_[p]);
        }
        std::stable_sort(keyed.begin(), keyed.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        for (std::size_t p = b; p < e; ++p) {
            const auto i = keyed[p - b].second;
            order_[p] = i;
            position_stage_[p] = entry_stage_[i];
            position_time_[p] = h.entered[i];
        }
    }
}

std::span<const std::uint32_t> journeys::entries_of(std::size_t lead) const {
    if (lead >= leads())
        throw std::out_of_range("journeys: lead " + std::to_string(lead) + " of " + std::to_string(leads()));
    return std::span<const std::uint32_t>(order_).subspan(offsets_[lead], offsets_[lead + 1] - offsets_[lead]);
}

std::span<const std::int64_t> journeys::time_at() const noexcept {
    return identity_ ? std::span<const std::int64_t>(history_->entered) : std::span<const std::int64_t>(position_time_);
}

// ---------------------------------------------------------------------------------------------------------------
// Periods

namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
} // namespace

std::int32_t period_index(std::int64_t seconds, period p) noexcept {
    using namespace std::chrono;
    const sys_days day{days{floor_div(seconds, 86400)}};
    const year_month_day ymd{day};
    const std::int64_t months = (static_cast<std::int64_t>(static_cast<int>(ymd.year())) - 1970) * 12 +
                                (static_cast<unsigned>(ymd.month()) - 1);
    switch (p) {
    case period::month: return static_cast<std::int32_t>(months);
    case period::quarter: return static_cast<std::int32_t>(floor_div(months, 3));
    case period::year: return static_cast<std::int32_t>(floor_div(months, 12));
    }
    return 0;
}

namespace {
std::int64_t first_month(std::int32_t index, period p) noexcept {
    return p == period::month ? index : p == period::quarter ? std::int64_t{index} * 3 : std::int64_t{index} * 12;
}
} // namespace

std::string period_label(std::int32_t index, period p) {
    const std::int64_t m = first_month(index, p);
    const std::int64_t y = 1970 + floor_div(m, 12);
    const std::int64_t month = m - floor_div(m, 12) * 12 + 1;
    char buf[32];
    switch (p) {
    case period::month: std::snprintf(buf, sizeof buf, "%04lld-%02lld", static_cast<long long>(y), static_cast<long long>(month)); break;
    case period::quarter: std::snprintf(buf, sizeof buf, "%04lld-Q%lld", static_cast<long long>(y), static_cast<long long>((month - 1) / 3 + 1)); break;
    case period::year: std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(y)); break;
    }
    return buf;
}

std::int64_t period_start(std::int32_t index, period p) noexcept {
    using namespace std::chrono;
    const std::int64_t m = first_month(index, p);
    const year_month_day ymd{year{static_cast<int>(1970 + floor_div(m, 12))},
                             month{static_cast<unsigned>(m - floor_div(m, 12) * 12 + 1)}, day{1}};
    return sys_days{ymd}.time_since_epoch().count() * std::int64_t{86400};
}

std::string_view to_string(period p) noexcept {
    switch (p) {
    case period::month: return "month";
    case period::quarter: return "quarter";
    case period::year: return "year";
    }
    return "month";
}

std::optional<period> parse_period(std::string_view s) noexcept {
    if (s == "month") return period::month;
    if (s == "quarter") return period::quarter;
    if (s == "year") return period::year;
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------------------------
// Attributes and keys

const lead_attribute* lead_attributes::find(std::string_view name) const noexcept {
    try {
        const auto key = normalize_name(name);
        for (const auto& c : columns)
            if (normalize_name(c.name) == key) return &c;
    } catch (...) { // normalize_name allocates; out of memory reads as "not found"
    }
    return nullptr;
}

namespace {

/// Builds a key from raw per-lead codes into some label space, keeping only the labels in use (in first-use order
/// unless `sort_labels`, which orders them by `order_of` of their raw code).
lead_key compact_key(std::string name, const std::vector<std::int32_t>& raw, std::size_t raw_labels,
                     const auto& label_of) {
    lead_key k;
    k.name = std::move(name);
    std::vector<std::int32_t> remap(raw_labels, -1);
    k.code.resize(raw.size());
    for (std::size_t l = 0; l < raw.size(); ++l) {
        const auto r = raw[l];
        if (r < 0) {
            k.code[l] = missing_code;
            continue;
        }
        auto& m = remap[static_cast<std::size_t>(r)];
        if (m < 0) {
            m = static_cast<std::int32_t>(k.labels.size());
            k.labels.emplace_back(label_of(r));
        }
        k.code[l] = m;
    }
    return k;
}

lead_key source_key(const journeys& j, bool first) {
    const auto& h = j.history();
    const auto off = j.offsets();
    const auto order = j.order();
    std::vector<std::int32_t> raw(j.leads(), -1);
    for (std::size_t l = 0; l < j.leads(); ++l) {
        if (first) {
            for (std::size_t p = off[l]; p < off[l + 1]; ++p)
                if (const auto s = h.source[order[p]]; s != missing_code) {
                    raw[l] = s;
                    break;
                }
        } else {
            for (std::size_t p = off[l + 1]; p > off[l]; --p)
                if (const auto s = h.source[order[p - 1]]; s != missing_code) {
                    raw[l] = s;
                    break;
                }
        }
    }
    return compact_key(first ? "source" : "last_source", raw, h.sources.size(),
                       [&](std::int32_t c) { return std::string(h.sources[c]); });
}

} // namespace

lead_key key_by_source(const journeys& j) { return source_key(j, true); }
lead_key key_by_last_source(const journeys& j) { return source_key(j, false); }

lead_key key_by_attribute(const lead_attributes& a, std::string_view name, std::size_t leads) {
    const auto* c = a.find(name);
    if (c == nullptr) {
        std::string known;
        for (const auto& col : a.columns) known += (known.empty() ? "" : ", ") + col.name;
        throw definition_error("breakdown: no attribute '" + std::string(name) + "' (attributes: " +
                               (known.empty() ? "none" : known) + ")");
    }
    if (c->codes.size() != leads)
        throw definition_error("breakdown: attribute '" + c->name + "' has " + std::to_string(c->codes.size()) +
                               " values for " + std::to_string(leads) + " leads");
    for (const auto code : c->codes)
        if (code != missing_code && (code < 0 || static_cast<std::size_t>(code) >= c->values.size()))
            throw definition_error("breakdown: attribute '" + c->name + "' has a code outside its dictionary");
    return compact_key(c->name, c->codes, c->values.size(), [&](std::int32_t v) { return std::string(c->values[v]); });
}

lead_key key_by_entry_period(const journeys& j, period p) {
    const auto off = j.offsets();
    const auto times = j.time_at();
    std::vector<std::int32_t> index(j.leads(), 0);
    std::vector<bool> dated(j.leads(), false);
    std::vector<std::int32_t> distinct;
    for (std::size_t l = 0; l < j.leads(); ++l)
        for (std::size_t q = off[l]; q < off[l + 1]; ++q)
            if (times[q] != missing_time) {
                index[l] = period_index(times[q], p);
                dated[l] = true;
                distinct.push_back(index[l]);
                break;
            }
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    lead_key k;
    k.name = "cohort";
    for (const auto d : distinct) k.labels.push_back(period_label(d, p));
    k.code.resize(j.leads());
    for (std::size_t l = 0; l < j.leads(); ++l)
        k.code[l] = dated[l] ? static_cast<std::int32_t>(std::lower_bound(distinct.begin(), distinct.end(), index[l]) -
                                                         distinct.begin())
                             : missing_code;
    return k;
}

lead_key make_key(const journeys& j, const lead_attributes& a, std::string_view name) {
    const auto n = normalize_name(name);
    if (n == "source" || n == "first_source") return key_by_source(j);
    if (n == "last_source") return key_by_last_source(j);
    if (a.find(name) != nullptr) return key_by_attribute(a, name, j.leads());
    if (n == "cohort" || n == "month") return key_by_entry_period(j, period::month);
    if (n == "quarter") return key_by_entry_period(j, period::quarter);
    if (n == "year") return key_by_entry_period(j, period::year);
    std::string known = "source, last_source, cohort, month, quarter, year";
    for (const auto& col : a.columns) known += ", " + col.name;
    throw definition_error("breakdown: no key '" + std::string(name) + "' (keys: " + known + ")");
}

// ---------------------------------------------------------------------------------------------------------------
// CSV records

namespace {

struct cell {
    std::string text;
    std::size_t line = 0, column = 0;
};

/// An RFC 4180 record reader that keeps the physical line and byte column of each cell, for error places.
/// A record with a fault (a stray quote, invalid UTF-8) is still read to its end, so reading can go on after it;
/// only an unterminated quote ends the file.
class record_reader {
public:
    record_reader(std::string_view text, char delimiter) : p_(text.data()), e_(text.data() + text.size()) {
        if (text.starts_with("\xEF\xBB\xBF")) p_ += 3; // columns still count the mark's bytes on line 1
        delimiter_ = delimiter;
    }

    /// Detects the delimiter from the header line, as read_csv does: the most frequent of , ; TAB outside quotes.
    void detect_delimiter() {
        std::size_t comma = 0, semicolon = 0, tab = 0;
        bool quoted = false;
        for (const char* q = p_; q != e_; ++q) {
            const char c = *q;
            if (c == '"') quoted = !quoted;
            else if (quoted) continue;
            else if (c == '\n') break;
            else if (c == ',') ++comma;
            else if (c == ';') ++semicolon;
            else if (c == '\t') ++tab;
        }
        delimiter_ = semicolon > comma && semicolon >= tab ? ';' : tab > comma && tab > semicolon ? '\t' : ',';
    }

    /// Reads the next record into `out` (cells_ reused). Returns false at the end. `fault` is set to the first
    /// problem found in the record (column 0 = none).
    bool next(std::vector<cell>& out, std::size_t& count, source_location& fault, std::string& reason) {
        fault = {};
        reason.clear();
        // Blank lines are not records.
        while (p_ != e_ && (*p_ == '\n' || (*p_ == '\r' && (p_ + 1 == e_ || p_[1] == '\n')))) {
            if (*p_ == '\r') ++p_;
            if (p_ != e_) new_line(p_ + 1), ++p_;
        }
        if (p_ == e_) return false;
        record_line_ = line_;
        count = 0;
        for (;;) {
            if (count == out.size()) out.emplace_back();
            cell& c = out[count++];
            c.text.clear();
            c.line = line_;
            c.column = static_cast<std::size_t>(p_ - line_start_) + 1;
            if (p_ != e_ && *p_ == '"') {
                const std::size_t qline = line_, qcol = c.column;
                ++p_;
                bool closed = false;
                while (p_ != e_) {
                    const char ch = *p_;
                    if (ch == '"') {
                        if (p_ + 1 != e_ && p_[1] == '"') {
                            c.text += '"';
                            p_ += 2;
                            continue;
                        }
                        ++p_;
                        closed = true;
                        break;
                    }
                    if (ch == '\n') new_line(p_ + 1);
                    c.text += ch;
                    ++p_;
                }
                if (!closed) {
                    set_fault(fault, reason, qline, qcol, "a quoted cell is not closed before the end of the file");
                    check_utf8(c, fault, reason);
                    return true;
                }
                // After the closing quote only a delimiter or the end of the line (LF, CRLF) may follow.
                if (p_ != e_ && *p_ != delimiter_ && !line_end(p_)) {
                    set_fault(fault, reason, line_, static_cast<std::size_t>(p_ - line_start_) + 1,
                              "text after the closing quote of a cell");
                    while (p_ != e_ && *p_ != delimiter_ && !line_end(p_)) c.text += *p_++;
                }
            } else {
                const char* b = p_;
                while (p_ != e_ && *p_ != delimiter_ && !line_end(p_)) {
                    if (*p_ == '"')
                        set_fault(fault, reason, line_, static_cast<std::size_t>(p_ - line_start_) + 1,
                                  "a quote inside an unquoted cell (quote the cell and double the quote)");
                    ++p_;
                }
                c.text.assign(b, p_);
            }
            check_utf8(c, fault, reason);
            if (p_ == e_) return true;
            if (*p_ == delimiter_) {
                ++p_;
                continue;
            }
            if (*p_ == '\r') ++p_;
            if (p_ != e_) new_line(p_ + 1), ++p_;
            return true;
        }
    }

    [[nodiscard]] std::size_t record_line() const noexcept { return record_line_; }
    [[nodiscard]] std::size_t column_now() const noexcept { return static_cast<std::size_t>(p_ - line_start_) + 1; }
    [[nodiscard]] char delimiter() const noexcept { return delimiter_; }

private:
    /// LF, or CR before LF or at the end of the text. A lone CR elsewhere is data.
    [[nodiscard]] bool line_end(const char* q) const noexcept {
        return *q == '\n' || (*q == '\r' && (q + 1 == e_ || q[1] == '\n'));
    }
    void new_line(const char* start) {
        ++line_;
        line_start_ = start;
    }
    static void set_fault(source_location& f, std::string& reason, std::size_t line, std::size_t column,
                          std::string_view why) {
        if (f.column != 0) return;
        f.line = line;
        f.column = column;
        reason = why;
    }
    void check_utf8(const cell& c, source_location& f, std::string& reason) {
        if (f.column != 0) return;
        // A small validator (RFC 3629): a cell is rejected, not repaired, so a report never shows mangled text.
        const auto* s = reinterpret_cast<const unsigned char*>(c.text.data());
        const std::size_t n = c.text.size();
        for (std::size_t i = 0; i < n;) {
            const unsigned char b = s[i];
            if (b < 0x80) {
                ++i;
                continue;
            }
            std::size_t need = 0;
            unsigned char lo = 0x80, hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) need = 1;
            else if (b == 0xE0) need = 2, lo = 0xA0;
            else if (b == 0xED) need = 2, hi = 0x9F;
            else if (b >= 0xE1 && b <= 0xEF) need = 2;
            else if (b == 0xF0) need = 3, lo = 0x90;
            else if (b >= 0xF1 && b <= 0xF3) need = 3;
            else if (b == 0xF4) need = 3, hi = 0x8F;
            bool ok = need != 0 && i + need < n;
            if (ok) ok = s[i + 1] >= lo && s[i + 1] <= hi;
            for (std::size_t k = 2; ok && k <= need; ++k) ok = (s[i + k] & 0xC0) == 0x80;
            if (!ok) {
                // The column is exact for a cell on one line; for a multi-line cell it is the cell's start.
                set_fault(f, reason, c.line, c.column, "invalid UTF-8");
                return;
            }
            i += need + 1;
        }
    }

    const char* p_;
    const char* e_;
    const char* line_start_ = p_;
    std::size_t line_ = 1;
    std::size_t record_line_ = 1;
    char delimiter_ = ',';
};

std::string read_whole_file(const std::filesystem::path& path) {
    const std::string name = path.string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(name.c_str(), "rb"), &std::fclose);
    if (!file) throw input_error({name, 0, 0, {}}, std::string("cannot open the file: ") + std::strerror(errno));
    std::string data;
    std::array<char, 1 << 16> chunk;
    for (;;) {
        const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
        data.append(chunk.data(), n);
        if (n < chunk.size()) break;
    }
    if (std::ferror(file.get()))
        throw input_error({name, 0, 0, {}}, std::string("cannot read the file: ") + std::strerror(errno));
    return data;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// A finite decimal number (no inf / nan words, no hex), blanks around it allowed.
bool parse_number(std::string_view text, double& out) noexcept {
    text = trim(text);
    if (text.empty()) return false;
    if (text.front() == '+') text.remove_prefix(1);
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, std::chars_format::general);
    return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(out);
}

/// The common frame of the two importers: header, delimiter, error mode, the row loop's bookkeeping.
class table_reader {
public:
    table_reader(std::string_view text, const history_options& o, std::string_view name)
        : reader_(text, o.delimiter), options_(o), name_(name) {
        if (o.delimiter == '\0') reader_.detect_delimiter();
        else if (o.delimiter != ',' && o.delimiter != ';' && o.delimiter != '\t')
            throw definition_error("history: the delimiter must be ',', ';' or a tab");
        source_location fault;
        std::string reason;
        std::size_t count = 0;
        if (!reader_.next(header_, count, fault, reason))
            throw input_error({name_, 1, 0, {}}, "the file is empty: a header line is needed");
        if (fault.column != 0) throw input_error({name_, fault.line, fault.column, {}}, reason);
        header_.resize(count);
        for (std::size_t c = 0; c < count; ++c) {
            auto key = normalize_name(trim(header_[c].text));
            if (key.empty()) throw input_error({name_, header_[c].line, header_[c].column, {}}, "an empty column name");
            for (std::size_t d = 0; d < c; ++d)
                if (keys_[d] == key)
                    throw input_error({name_, header_[c].line, header_[c].column, {}},
                                      "column '" + header_[c].text + "' appears twice");
            keys_.push_back(std::move(key));
        }
    }

    /// Index of a column by normalized name, or npos.
    [[nodiscard]] std::size_t column(std::string_view name) const {
        const auto key = normalize_name(name);
        for (std::size_t c = 0; c < keys_.size(); ++c)
            if (keys_[c] == key) return c;
        return npos;
    }
    [[nodiscard]] std::size_t require(std::string_view name) const {
        const auto c = column(name);
        if (c == npos)
            throw input_error({name_, header_.front().line, 0, {}}, "no column '" + std::string(name) + "' in the header");
        return c;
    }
    [[nodiscard]] const std::vector<cell>& header() const noexcept { return header_; }

    /// The next well-formed row with the header's field count, or false at the end. Malformed rows are
    /// reported through reject() and skipped.
    bool next_row() {
        for (;;) {
            source_location fault;
            std::string reason;
            std::size_t count = 0;
            if (!reader_.next(row_, count, fault, reason)) return false;
            ++rows_read_;
            if (fault.column != 0) {
                fault.file = name_;
                reject(std::move(fault), reason);
                continue;
            }
            if (count != header_.size()) {
                reject({name_, reader_.record_line(), row_[std::min(count, header_.size()) - 1].column, {}},
                       std::to_string(count) + " fields, but the header has " + std::to_string(header_.size()));
                continue;
            }
            return true;
        }
    }

    [[nodiscard]] const cell& at(std::size_t c) const { return row_[c]; }
    [[nodiscard]] bool missing(std::size_t c) const {
        const auto& t = row_[c].text;
        return std::find(options_.missing_tokens.begin(), options_.missing_tokens.end(), t) !=
               options_.missing_tokens.end();
    }
    [[nodiscard]] std::size_t line() const noexcept { return reader_.record_line(); }

    /// A row is refused: throws in fail_fast mode, else records it.
    void reject(source_location where, const std::string& reason) {
        if (options_.errors == error_mode::fail_fast) throw input_error(std::move(where), reason);
        rejected_.push_back({std::move(where), reason});
    }
    /// Refuses the row because of cell c.
    void reject_cell(std::size_t c, const std::string& reason) {
        reject({name_, row_[c].line, row_[c].column, header_[c].text}, reason);
    }

    std::vector<rejected_row> take_rejected() { return std::move(rejected_); }
    [[nodiscard]] std::size_t rows_read() const noexcept { return rows_read_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

private:
    record_reader reader_;
    const history_options& options_;
    std::string name_;
    std::vector<cell> header_, row_;
    std::vector<std::string> keys_;
    std::vector<rejected_row> rejected_;
    std::size_t rows_read_ = 0;
};

std::string quoted_time(std::int64_t t) { return format_timestamp(from_seconds(t)); }

/// Per-lead attribute columns being filled: values land only once their row is taken.
struct attribute_columns {
    std::vector<std::size_t> columns; // file columns
    lead_attributes out;
    std::vector<std::vector<std::size_t>> line; // per attribute, per lead: the line that set the value

    void init(const table_reader& r, const std::vector<std::size_t>& taken) {
        for (std::size_t c = 0; c < r.header().size(); ++c) {
            if (std::find(taken.begin(), taken.end(), c) != taken.end()) continue;
            columns.push_back(c);
            out.columns.push_back({std::string(trim(r.header()[c].text)), {}, {}});
            line.emplace_back();
        }
    }
    /// Checks the row's values against what lead `lead` (a history code, or -1 for a lead not seen yet) holds.
    bool check(table_reader& r, std::int32_t lead, std::string_view lead_id) {
        if (lead < 0) return true;
        for (std::size_t k = 0; k < columns.size(); ++k) {
            const auto c = columns[k];
            if (r.missing(c)) continue;
            const auto& col = out.columns[k];
            const auto have = col.codes[static_cast<std::size_t>(lead)];
            if (have == missing_code || col.values[have] == r.at(c).text) continue;
            r.reject_cell(c, "lead '" + std::string(lead_id) + "' has " + col.name + " '" + std::string(col.values[have]) +
                                 "' on line " + std::to_string(line[k][static_cast<std::size_t>(lead)]) + " but '" +
                                 r.at(c).text + "' here");
            return false;
        }
        return true;
    }
    void take(const table_reader& r, std::size_t lead, std::size_t leads) {
        for (std::size_t k = 0; k < columns.size(); ++k) {
            auto& col = out.columns[k];
            if (col.codes.size() < leads) col.codes.resize(leads, missing_code), line[k].resize(leads, 0);
            const auto c = columns[k];
            if (r.missing(c) || col.codes[lead] != missing_code) continue;
            col.codes[lead] = col.values.intern(r.at(c).text);
            line[k][lead] = r.line();
        }
    }
    void finish(std::size_t leads) {
        for (auto& col : out.columns) col.codes.resize(leads, missing_code);
    }
};

void push_entry(stage_history& h, std::int32_t lead, std::int32_t stage, std::int64_t t, double value,
                std::int32_t source) {
    h.lead.push_back(lead);
    h.stage.push_back(stage);
    h.entered.push_back(t);
    h.value.push_back(value);
    h.source.push_back(source);
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Event-log import

history_import read_history(std::string_view text, const funnel& f, const history_options& options,
                            std::string_view name) {
    table_reader r(text, options, name);
    const auto c_lead = r.require("lead_id");
    const auto c_stage = r.require("stage");
    const auto c_time = r.require("entered_at");
    const auto c_value = r.column("value");
    const auto c_source = r.column("source");
    std::vector<std::size_t> taken{c_lead, c_stage, c_time};
    if (c_value != table_reader::npos) taken.push_back(c_value);
    if (c_source != table_reader::npos) taken.push_back(c_source);
    attribute_columns attrs;
    attrs.init(r, taken);

    history_import out;
    auto& h = out.history;
    // Funnel stage names interned up front, so stage codes equal funnel indices in an imported history.
    for (const auto& s : f.stages()) h.stages.intern(s.name);

    struct lead_state {
        std::int64_t last_time = std::numeric_limits<std::int64_t>::min();
        std::size_t last_line = 0;
        std::vector<std::pair<std::uint16_t, std::size_t>> at_last; // (stage, line) entered at last_time
    };
    std::vector<lead_state> state;

    while (r.next_row()) {
        if (r.missing(c_lead)) { r.reject_cell(c_lead, "a missing lead id"); continue; }
        if (r.missing(c_stage)) { r.reject_cell(c_stage, "a missing stage"); continue; }
        if (r.missing(c_time)) { r.reject_cell(c_time, "a missing time"); continue; }
        const std::string& id = r.at(c_lead).text;
        const auto stage = f.find(r.at(c_stage).text);
        if (!stage) {
            r.reject_cell(c_stage, "stage '" + r.at(c_stage).text + "' is not in the funnel (stages: " + stage_list(f) + ")");
            continue;
        }
        const auto ts = parse_timestamp(trim(r.at(c_time).text));
        if (!ts) {
            r.reject_cell(c_time, "not a time: '" + r.at(c_time).text + "' (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)");
            continue;
        }
        const std::int64_t t = to_seconds(*ts);
        double value = std::numeric_limits<double>::quiet_NaN();
        if (c_value != table_reader::npos && !r.missing(c_value) && !parse_number(r.at(c_value).text, value)) {
            r.reject_cell(c_value, "not a finite number: '" + r.at(c_value).text + "'");
            continue;
        }
        const auto known = h.lead_ids.find(id);
        const std::int32_t lead = known ? *known : -1;
        if (lead >= 0) {
            auto& s = state[static_cast<std::size_t>(lead)];
            if (t < s.last_time) {
                r.reject_cell(c_time, "time runs backwards for lead '" + id + "': " + quoted_time(t) +
                                          " is before " + quoted_time(s.last_time) + " on line " +
                                          std::to_string(s.last_line));
                continue;
            }
            if (t == s.last_time) {
                const auto dup = std::find_if(s.at_last.begin(), s.at_last.end(),
                                              [&](const auto& e) { return e.first == *stage; });
                if (dup != s.at_last.end()) {
                    r.reject_cell(c_stage, "a duplicate of line " + std::to_string(dup->second) + " (lead '" + id +
                                               "', stage '" + f[*stage].name + "', " + quoted_time(t) + ")");
                    continue;
                }
            }
        }
        if (!attrs.check(r, lead, id)) continue;

        const std::int32_t code = h.lead_ids.intern(id);
        if (static_cast<std::size_t>(code) == state.size()) state.emplace_back();
        auto& s = state[static_cast<std::size_t>(code)];
        if (t != s.last_time) s.at_last.clear();
        s.last_time = t;
        s.last_line = r.line();
        s.at_last.emplace_back(static_cast<std::uint16_t>(*stage), r.line());
        const std::int32_t source =
            c_source == table_reader::npos || r.missing(c_source) ? missing_code : h.sources.intern(r.at(c_source).text);
        push_entry(h, code, static_cast<std::int32_t>(*stage), t, value, source);
        attrs.take(r, static_cast<std::size_t>(code), h.lead_ids.size());
    }
    attrs.finish(h.lead_ids.size());
    out.attributes = std::move(attrs.out);
    out.rejected = r.take_rejected();
    out.rows_read = r.rows_read();
    return out;
}

history_import read_history_file(const std::filesystem::path& path, const funnel& f, const history_options& options) {
    const auto data = read_whole_file(path);
    return read_history(data, f, options, path.string());
}

// ---------------------------------------------------------------------------------------------------------------
// Deal snapshots

const funnel& snapshot_funnel() {
    static const funnel f({{"prospecting", stage_kind::open},
                           {"engaging", stage_kind::open},
                           {"won", stage_kind::won},
                           {"lost", stage_kind::lost}});
    return f;
}

history_import read_deal_snapshot(std::string_view text, const funnel& f, const snapshot_options& options,
                                  std::string_view name) {
    // The start stage is a definition, checked before the file is read.
    const std::size_t start_stage = options.start_stage.empty() ? f.entry() : f.at(options.start_stage);
    const auto start_rank = f.open_rank(start_stage);
    if (!start_rank)
        throw definition_error("snapshot: the start stage '" + f[start_stage].name + "' is not an open stage");

    table_reader r(text, options.csv, name);
    const auto c_id = r.require(options.id_column);
    const auto c_stage = r.require(options.stage_column);
    const auto c_start = r.require(options.start_column);
    const auto c_close = r.require(options.close_column);
    const auto c_value = options.value_column.empty() ? table_reader::npos : r.require(options.value_column);
    const auto c_source = options.source_column.empty() ? table_reader::npos : r.require(options.source_column);
    std::vector<std::size_t> taken{c_id, c_stage, c_start, c_close};
    if (c_value != table_reader::npos) taken.push_back(c_value);
    if (c_source != table_reader::npos) taken.push_back(c_source);
    attribute_columns attrs;
    attrs.init(r, taken);

    history_import out;
    auto& h = out.history;
    for (const auto& s : f.stages()) h.stages.intern(s.name);
    out.undated.assign(f.size(), 0);
    std::vector<std::size_t> first_line; // per deal

    const auto open = f.open_stages();
    std::vector<std::pair<std::size_t, std::int64_t>> path; // (stage, time)
    while (r.next_row()) {
        if (r.missing(c_id)) { r.reject_cell(c_id, "a missing deal id"); continue; }
        if (r.missing(c_stage)) { r.reject_cell(c_stage, "a missing stage"); continue; }
        const std::string& id = r.at(c_id).text;
        if (const auto seen = h.lead_ids.find(id)) {
            r.reject_cell(c_id, "deal '" + id + "' appears again (first on line " +
                                    std::to_string(first_line[static_cast<std::size_t>(*seen)]) + ")");
            continue;
        }
        const auto stage = f.find(r.at(c_stage).text);
        if (!stage) {
            r.reject_cell(c_stage, "stage '" + r.at(c_stage).text + "' is not in the funnel (stages: " + stage_list(f) + ")");
            continue;
        }
        std::int64_t start = missing_time, close = missing_time;
        bool bad = false;
        for (auto [c, t] : {std::pair{c_start, &start}, std::pair{c_close, &close}}) {
            if (r.missing(c)) continue;
            const auto ts = parse_timestamp(trim(r.at(c).text));
            if (!ts) {
                r.reject_cell(c, "not a time: '" + r.at(c).text + "' (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)");
                bad = true;
                break;
            }
            *t = to_seconds(*ts);
        }
        if (bad) continue;
        double value = std::numeric_limits<double>::quiet_NaN();
        if (c_value != table_reader::npos && !r.missing(c_value) && !parse_number(r.at(c_value).text, value)) {
            r.reject_cell(c_value, "not a finite number: '" + r.at(c_value).text + "'");
            continue;
        }
        const auto rank = f.open_rank(*stage);
        path.clear();
        if (rank) {
            if (start != missing_time && *rank < *start_rank) {
                r.reject_cell(c_start, "deal '" + id + "' has a start date but its stage '" + f[*stage].name +
                                           "' comes before the start stage '" + f[start_stage].name + "'");
                continue;
            }
            if (close != missing_time) {
                r.reject_cell(c_close, "deal '" + id + "' has a close date but its stage '" + f[*stage].name +
                                           "' is open");
                continue;
            }
            for (std::size_t k = 0; k <= *rank; ++k) path.emplace_back(open[k], open[k] == start_stage ? start : missing_time);
        } else {
            if (start != missing_time && close != missing_time && close < start) {
                r.reject_cell(c_close, "deal '" + id + "' closes at " + quoted_time(close) + ", before it starts at " +
                                           quoted_time(start));
                continue;
            }
            for (std::size_t k = 0; k <= *start_rank; ++k)
                path.emplace_back(open[k], open[k] == start_stage ? start : missing_time);
            path.emplace_back(*stage, close);
        }
        if (!attrs.check(r, -1, id)) continue;
        const std::int32_t code = h.lead_ids.intern(id);
        first_line.push_back(r.line());
        const std::int32_t source =
            c_source == table_reader::npos || r.missing(c_source) ? missing_code : h.sources.intern(r.at(c_source).text);
        for (std::size_t k = 0; k < path.size(); ++k) {
            const auto [s, t] = path[k];
            if (t == missing_time) ++out.undated[s];
            push_entry(h, code, static_cast<std::int32_t>(s), t,
                       k + 1 == path.size() ? value : std::numeric_limits<double>::quiet_NaN(), source);
        }
        attrs.take(r, static_cast<std::size_t>(code), h.lead_ids.size());
    }
    attrs.finish(h.lead_ids.size());
    out.attributes = std::move(attrs.out);
    out.rejected = r.take_rejected();
    out.rows_read = r.rows_read();
    return out;
}

history_import read_deal_snapshot_file(const std::filesystem::path& path, const funnel& f,
                                       const snapshot_options& options) {
    const auto data = read_whole_file(path);
    return read_deal_snapshot(data, f, options, path.string());
}

// ---------------------------------------------------------------------------------------------------------------
// Funnel files

funnel read_funnel(std::string_view text, std::string_view name) {
    record_reader reader(text, '\0');
    reader.detect_delimiter();
    std::vector<cell> row;
    std::vector<stage> stages;
    source_location fault;
    std::string reason;
    std::size_t count = 0;
    bool first = true;
    while (reader.next(row, count, fault, reason)) {
        if (fault.column != 0) {
            fault.file = name;
            throw input_error(fault, reason);
        }
        const std::size_t line = reader.record_line();
        if (first) {
            first = false;
            // An optional header line "stage,kind".
            if (count == 2 && normalize_name(trim(row[0].text)) == "stage" && normalize_name(trim(row[1].text)) == "kind")
                continue;
        }
        if (count != 2)
            throw input_error({std::string(name), line, row[count - 1].column, {}},
                              std::to_string(count) + " fields, but a funnel line is 'stage,kind'");
        const auto stage_name = std::string(trim(row[0].text));
        if (stage_name.empty()) throw input_error({std::string(name), line, row[0].column, "stage"}, "an empty stage name");
        const auto kind = parse_stage_kind(normalize_name(row[1].text));
        if (!kind)
            throw input_error({std::string(name), line, row[1].column, "kind"},
                              "unknown stage kind '" + row[1].text + "' (open, won, lost, rejected, nurture)");
        stages.push_back({stage_name, *kind});
    }
    if (stages.empty()) throw input_error({std::string(name), 0, 0, {}}, "no stages: a funnel file has lines 'stage,kind'");
    try {
        return funnel(std::move(stages));
    } catch (const definition_error& e) {
        throw definition_error(std::string(name) + ": " + e.what());
    }
}

funnel read_funnel_file(const std::filesystem::path& path) {
    const auto data = read_whole_file(path);
    return read_funnel(data, path.string());
}

} // namespace leadscore
