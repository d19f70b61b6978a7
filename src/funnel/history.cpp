#include "leadscore/funnel/history.hpp"
#include "../core/messages.hpp"

#include "leadscore/core/catalogue.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace leadscore {

using detail::stage_list;

// ---------------------------------------------------------------------------------------------------------------
// journeys

namespace {

std::string entry_label(const stage_history& h, std::size_t i) {
    std::string s = "entry " + std::to_string(i);
    const auto lc = h.lead[i];
    if (lc >= 0 && static_cast<std::size_t>(lc) < h.lead_ids.size())
        s += " (lead '" + std::string(h.lead_ids[lc]) + "')";
    return s;
}

} // namespace

namespace {

/// Each entry's funnel stage, and the number of entries of each lead into offsets[lead + 1]. Returns whether the
/// history is already in journey order as far as one pass tells: leads in runs of non-decreasing codes, times never
/// going back within a run. Throws definition_error for codes outside their dictionaries or a stage the funnel lacks.
bool resolve_entries(const stage_history& h, const funnel& f, std::vector<std::uint16_t>& entry_stage,
                     std::vector<std::uint32_t>& offsets) {
    // Resolve stage names once per dictionary entry, not once per entry.
    std::vector<std::int32_t> stage_map(h.stages.size(), -1);
    for (std::size_t c = 0; c < h.stages.size(); ++c)
        if (const auto i = f.find(h.stages[static_cast<std::int32_t>(c)])) stage_map[c] = static_cast<std::int32_t>(*i);

    const std::size_t n = h.size(), leads = h.lead_ids.size();
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
        if (const double v = h.value[i]; v < 0 || std::isinf(v))
            throw definition_error("journeys: " + entry_label(h, i) + " has the deal value " + detail::exact_number(v) +
                                   " (a deal value is an amount of money, finite and 0 or more)");
        entry_stage[i] = static_cast<std::uint16_t>(stage_map[sc]);
        ++offsets[static_cast<std::size_t>(lc) + 1];
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
    return sorted;
}

/// Runs of one lead are also unique: each run's lead is the next lead with entries and owns exactly that run (a
/// lead whose entries are split by another lead is not grouped). `offsets` are the leads' prefix sums.
bool runs_are_grouped(const stage_history& h, const std::vector<std::uint32_t>& offsets) {
    std::int32_t expected = -1;
    std::size_t run_end = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (i == run_end) {
            const auto lc = h.lead[i];
            if (lc <= expected || offsets[static_cast<std::size_t>(lc)] != i) return false;
            expected = lc;
            run_end = offsets[static_cast<std::size_t>(lc) + 1];
        } else if (h.lead[i] != expected) {
            return false;
        }
    }
    return true;
}

/// Refuses a lead won and lost at the same instant (a won entry and an entry of a lost, rejected or nurture stage at
/// one time): which came first cannot be known, yet every statistic would count the deal by the input's order.
void check_simultaneous_closings(const stage_history& h, const funnel& f, std::span<const std::uint32_t> offsets,
                                 std::span<const std::uint32_t> order, std::span<const std::uint16_t> stage_at,
                                 std::span<const std::int64_t> time_at) {
    constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
    for (std::size_t l = 0; l + 1 < offsets.size(); ++l) {
        std::int64_t at = missing_time;
        std::size_t won = none, lost = none; // positions of a won and a lost entry at time `at`
        for (std::size_t p = offsets[l]; p < offsets[l + 1]; ++p) {
            const std::int64_t t = time_at[p];
            if (t == missing_time) continue; // undated: no instant to share
            if (t != at) at = t, won = lost = none;
            const auto kind = f[stage_at[p]].kind;
            if (kind == stage_kind::open) continue;
            (kind == stage_kind::won ? won : lost) = p;
            if (won == none || lost == none) continue;
            const auto first = std::min(order[won], order[lost]), second = std::max(order[won], order[lost]);
            throw definition_error("journeys: lead '" + std::string(h.lead_ids[static_cast<std::int32_t>(l)]) +
                                   "' is won (stage '" + f[stage_at[won]].name + "') and lost (stage '" +
                                   f[stage_at[lost]].name + "') at the same time, " +
                                   format_timestamp(from_seconds(t)) + " (entries " + std::to_string(first) +
                                   " and " + std::to_string(second) + ")");
        }
    }
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

    offsets_.assign(h.lead_ids.size() + 1, 0);
    entry_stage_.resize(n);
    const bool sorted = resolve_entries(h, f, entry_stage_, offsets_);
    std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
    identity_ = sorted && runs_are_grouped(h, offsets_);
    order_.resize(n);
    if (identity_) {
        std::iota(order_.begin(), order_.end(), std::uint32_t{0});
        position_stage_ = entry_stage_;
    } else {
        sort_positions();
    }
    check_simultaneous_closings(h, f, offsets_, order_, position_stage_, time_at());
}

void journeys::sort_positions() {
    const stage_history& h = *history_;
    const std::size_t n = h.size();
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
    for (std::size_t l = 0; l + 1 < offsets_.size(); ++l) {
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
// Keys

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

} // namespace leadscore
