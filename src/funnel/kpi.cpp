#include "leadscore/funnel/kpi.hpp"
#include "../core/numbers.hpp"
#include "journey_checks.hpp"

#include "leadscore/core/batch.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <unordered_map>

namespace leadscore {

namespace {

using detail::nan;
constexpr double max_value = 9e13; // cents of it still fit in an int64 a hundred thousand times over
using detail::seconds_per_day;

double ratio(double a, double b) noexcept { return b == 0 ? nan : a / b; }

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// kpi_counts

double kpi_counts::revenue() const noexcept { return static_cast<double>(revenue_cents) / 100.0; }
double kpi_counts::average_deal() const noexcept { return ratio(revenue(), static_cast<double>(won_with_value)); }
double kpi_counts::win_rate() const noexcept {
    return ratio(static_cast<double>(won), static_cast<double>(won + lost));
}
double kpi_counts::lead_conversion() const noexcept {
    return ratio(static_cast<double>(new_leads_won), static_cast<double>(new_leads));
}
double kpi_counts::cycle_days() const noexcept {
    return ratio(static_cast<double>(cycle_seconds), static_cast<double>(cycle_count) * seconds_per_day);
}
double kpi_counts::velocity() const noexcept {
    const double v = static_cast<double>(open_opportunities) * average_deal() * win_rate();
    const double c = cycle_days();
    return std::isnan(v) || std::isnan(c) || c == 0 ? nan : v / c;
}

kpi_counts& kpi_counts::operator+=(const kpi_counts& o) noexcept {
    new_leads += o.new_leads;
    new_leads_won += o.new_leads_won;
    won += o.won;
    lost += o.lost;
    revenue_cents += o.revenue_cents;
    won_with_value += o.won_with_value;
    cycle_seconds += o.cycle_seconds;
    cycle_count += o.cycle_count;
    open_opportunities += o.open_opportunities;
    return *this;
}

double retention::rate() const noexcept { return ratio(static_cast<double>(repeat), static_cast<double>(customers)); }

// ---------------------------------------------------------------------------------------------------------------
// kpi_accumulator

kpi_accumulator::kpi_accumulator(const funnel& f, timestamp as_of, kpi_options options)
    : funnel_(f), as_of_(as_of), options_(std::move(options)) {
    if (to_seconds(as_of) == missing_time) throw definition_error("kpi: as_of is missing");
    if (!options_.opportunity_stage.empty()) {
        const auto s = funnel_.at(options_.opportunity_stage);
        const auto r = funnel_.open_rank(s);
        if (!r) throw definition_error("kpi: the opportunity stage '" + funnel_[s].name + "' is not an open stage");
        min_rank_ = *r;
    }
}

void kpi_accumulator::add(const journeys& j, const lead_key* key, const lead_key* customer) {
    add(j, key, customer, 0, j.leads());
}

namespace {

struct kpi_partial {
    // Dense cells (periods × groups) when the table is small, which is the common case; a hash map otherwise.
    std::vector<kpi_counts> dense;
    std::int32_t first_period = 0;
    std::size_t periods = 0, groups = 0;
    std::unordered_map<std::uint64_t, kpi_counts> sparse; // (period << 32 | group)
    std::vector<std::uint64_t> wins;  // per customer label
    retention own;                    // leads that are their own customers

    kpi_counts& at(std::int32_t period, std::size_t group) {
        if (!dense.empty()) {
            // Slot 0 holds undated deals; periods follow from first_period.
            const std::size_t slot = period == undated_period ? 0 : static_cast<std::size_t>(period - first_period) + 1;
            return dense[slot * groups + group];
        }
        return sparse[(static_cast<std::uint64_t>(static_cast<std::uint32_t>(period)) << 32) | group];
    }
    template <class F>
    void for_each(F&& f) const {
        if (!dense.empty()) {
            for (std::size_t slot = 0; slot < periods + 1; ++slot)
                for (std::size_t g = 0; g < groups; ++g) {
                    const auto& c = dense[slot * groups + g];
                    if (c == kpi_counts{}) continue;
                    f(slot == 0 ? undated_period : first_period + static_cast<std::int32_t>(slot - 1), g, c);
                }
            return;
        }
        for (const auto& [k, c] : sparse)
            f(static_cast<std::int32_t>(static_cast<std::uint32_t>(k >> 32)), static_cast<std::size_t>(k & 0xFFFFFFFFu), c);
    }
};

/// Period lookups over a known range: a table from day to period (calendar arithmetic once per period, not once per
/// entry, and no branches), with a binary search in the periods' start times for ranges too long for a table.
class period_table {
public:
    period_table(std::int32_t first, std::int32_t last, period by) : first_(first) {
        for (std::int64_t q = first; q <= std::int64_t{last} + 1; ++q) starts_.push_back(period_start(static_cast<std::int32_t>(q), by));
        first_day_ = floor_day(starts_.front());
        const std::int64_t days = floor_day(starts_.back()) - first_day_;
        if (days <= max_table_days) {
            by_day_.resize(static_cast<std::size_t>(days));
            std::int32_t q = first_;
            for (std::int64_t d = 0; d < days; ++d) {
                while (starts_[static_cast<std::size_t>(q - first_ + 1)] <= (first_day_ + d) * seconds_per_day) ++q;
                by_day_[static_cast<std::size_t>(d)] = q;
            }
        }
    }
    /// The period of a time inside the range.
    [[nodiscard]] std::int32_t index(std::int64_t t) const noexcept {
        if (!by_day_.empty()) return by_day_[static_cast<std::size_t>(floor_day(t) - first_day_)];
        const auto it = std::upper_bound(starts_.begin(), starts_.end(), t);
        return first_ + static_cast<std::int32_t>(it - starts_.begin()) - 1;
    }
    /// The start of period q, for q in [first, last + 1].
    [[nodiscard]] std::int64_t start(std::int32_t q) const noexcept { return starts_[static_cast<std::size_t>(q - first_)]; }

private:
    static constexpr std::int64_t max_table_days = 1 << 20; // 4 MB of table: about 2,900 years
    static std::int64_t floor_day(std::int64_t t) noexcept { return t / seconds_per_day - (t % seconds_per_day < 0); }

    std::int32_t first_;
    std::int64_t first_day_ = 0;
    std::vector<std::int64_t> starts_;
    std::vector<std::int32_t> by_day_;
};

/// The smallest and largest period of the dated entries in [b, e) and of as_of.
std::pair<std::int32_t, std::int32_t> period_range(std::span<const std::int64_t> tm, std::size_t b, std::size_t e,
                                                   std::int64_t now, period by) {
    std::int64_t lo = now, hi = now;
    for (std::size_t p = b; p < e; ++p)
        if (tm[p] != missing_time) lo = std::min(lo, tm[p]), hi = std::max(hi, tm[p]);
    return {period_index(lo, by), period_index(hi, by)};
}

} // namespace

namespace {

/// One counting pass of the KPIs: what it reads of the journeys, the funnel, the periods and the keys.
class kpi_pass {
public:
    kpi_pass(const journeys& j, const lead_key* key, const lead_key* customer, const funnel& f, int min_rank, period by,
             std::int64_t now, std::size_t begin, std::size_t end)
        : h_(j.history()), off_(j.offsets()), st_(j.stage_at()), tm_(j.time_at()), order_(j.order()), key_(key),
          customer_(customer), labels_(key == nullptr ? 0 : key->labels.size()), rank_(f.size(), -1),
          won_(f.size(), 0), min_rank_(min_rank), now_(now), now_period_(period_index(now, by)),
          range_(period_range(tm_, off_[begin], off_[end], now, by)), periods_(range_.first, range_.second, by) {
        for (std::size_t s = 0; s < f.size(); ++s) {
            if (const auto r = f.open_rank(s)) rank_[s] = static_cast<int>(*r);
            won_[s] = f[s].kind == stage_kind::won;
        }
    }

    /// The label of group g: the key's label, no_label for the missing key's group, "" without a key.
    [[nodiscard]] std::string label(std::size_t g) const {
        return key_ == nullptr ? std::string() : g == labels_ ? std::string(no_label) : key_->labels[g];
    }

    /// The counts of leads [begin, end).
    [[nodiscard]] kpi_partial count(std::size_t begin, std::size_t end) const {
        kpi_partial part;
        part.wins.assign(customer_ == nullptr ? 0 : customer_->labels.size(), 0);
        const auto period_count = static_cast<std::size_t>(std::int64_t{range_.second} - range_.first + 1);
        const std::size_t group_count = key_ == nullptr ? 1 : labels_ + 1;
        if ((period_count + 1) * group_count <= (std::size_t{1} << 16)) {
            part.first_period = range_.first;
            part.periods = period_count;
            part.groups = group_count;
            part.dense.assign((period_count + 1) * group_count, kpi_counts{});
        }
        for (std::size_t l = begin; l < end; ++l)
            if (off_[l] != off_[l + 1]) add_lead(l, part);
        return part;
    }

private:
    void add_lead(std::size_t l, kpi_partial& part) const {
        const std::size_t b = off_[l], e = off_[l + 1];
        const std::size_t g = key_ == nullptr ? 0 : key_->code[l] < 0 ? labels_ : static_cast<std::size_t>(key_->code[l]);
        std::size_t fd = b;
        while (fd < e && tm_[fd] == missing_time) ++fd;
        bool any_won = false;
        for (std::size_t p = b; p < e && !any_won; ++p) any_won = won_[st_[p]] != 0;
        {
            auto& c = part.at(fd < e ? periods_.index(tm_[fd]) : undated_period, g);
            ++c.new_leads;
            c.new_leads_won += any_won;
        }
        std::uint64_t lead_wins = 0;
        std::size_t deal_begin = b;
        bool previous_closing = false;
        for (std::size_t p = b; p < e; ++p) {
            if (rank_[st_[p]] >= 0) {
                previous_closing = false;
                count_open_stay(p, e, g, part);
            } else if (p != b && previous_closing) { // a move between closed states closes no deal
                deal_begin = p + 1;
            } else {
                previous_closing = true;
                lead_wins += count_close(p, deal_begin, g, part);
                deal_begin = p + 1;
            }
        }
        if (lead_wins != 0) {
            if (customer_ == nullptr || customer_->code[l] < 0) {
                // All of a lead's entries are in one partition, so its own count never needs merging.
                ++part.own.customers;
                part.own.repeat += lead_wins > 1;
            } else {
                part.wins[static_cast<std::size_t>(customer_->code[l])] += lead_wins;
            }
        }
    }

    /// An open stay [tm[p], next entry) at or past the opportunity rank: counts the period ends it covers.
    void count_open_stay(std::size_t p, std::size_t e, std::size_t g, kpi_partial& part) const {
        if (tm_[p] == missing_time || rank_[st_[p]] < min_rank_) return;
        std::int64_t until = std::numeric_limits<std::int64_t>::max();
        if (p + 1 < e) {
            if (tm_[p + 1] == missing_time) return; // the end of the stay is unknown
            until = tm_[p + 1];
        }
        for (std::int32_t q = periods_.index(tm_[p]);; ++q) {
            const std::int64_t next_start = periods_.start(q + 1);
            const std::int64_t end_of_q = std::min(next_start - 1, now_);
            if (end_of_q >= until) break;
            ++part.at(q, g).open_opportunities;
            if (next_start > now_ || q >= now_period_) break;
        }
    }

    /// A deal closed at position p (its deal started at deal_begin): a win, with its value and cycle, or a loss.
    /// Returns 1 for a win.
    std::uint64_t count_close(std::size_t p, std::size_t deal_begin, std::size_t g, kpi_partial& part) const {
        const std::int32_t q = tm_[p] == missing_time ? undated_period : periods_.index(tm_[p]);
        auto& c = part.at(q, g);
        if (!won_[st_[p]]) {
            ++c.lost;
            return 0;
        }
        ++c.won;
        const double v = h_.value[order_[p]];
        if (!std::isnan(v)) {
            if (!(std::abs(v) <= max_value))
                throw definition_error("kpi: entry " + std::to_string(order_[p]) + " (lead '" +
                                       std::string(h_.lead_ids[h_.lead[order_[p]]]) + "') has a value beyond ±9e13");
            c.revenue_cents += std::llround(v * 100);
            ++c.won_with_value;
        }
        std::size_t start = deal_begin;
        while (start < p && tm_[start] == missing_time) ++start;
        if (tm_[p] != missing_time && tm_[start] != missing_time && !(start == p && start != deal_begin)) {
            c.cycle_seconds += tm_[p] - tm_[start];
            ++c.cycle_count;
        }
        return 1;
    }

    const stage_history& h_;
    std::span<const std::uint32_t> off_;
    std::span<const std::uint16_t> st_;
    std::span<const std::int64_t> tm_;
    std::span<const std::uint32_t> order_;
    const lead_key *key_, *customer_;
    std::size_t labels_;
    std::vector<int> rank_;          // per stage: open rank, -1 when not open
    std::vector<unsigned char> won_; // per stage: a won stage
    int min_rank_;
    std::int64_t now_;
    std::int32_t now_period_;
    std::pair<std::int32_t, std::int32_t> range_; // the periods of the entries and of as_of
    period_table periods_;
};

} // namespace

void kpi_accumulator::add(const journeys& j, const lead_key* key, const lead_key* customer, std::size_t begin,
                          std::size_t end) {
    if (!(j.stages() == funnel_)) throw definition_error("kpi: the journeys use another funnel");
    detail::check_range(j, begin, end, "kpi");
    detail::check_key(j, key, "kpi");
    detail::check_key(j, customer, "kpi");
    const std::int64_t now = to_seconds(as_of_);
    detail::check_as_of(j, begin, end, now, "kpi");

    const kpi_pass pass(j, key, customer, funnel_, static_cast<int>(min_rank_), options_.by, now, begin, end);
    std::vector<std::uint64_t> wins(customer == nullptr ? 0 : customer->labels.size(), 0);
    // Integer sums: the same totals in any order, so for any thread count.
    detail::map_parts(detail::split_rows(begin, end, options_.threads),
                      [&](std::size_t b, std::size_t e) { return pass.count(b, e); },
                      [&](kpi_partial&& part) {
                          part.for_each([&](std::int32_t q, std::size_t g, const kpi_counts& c) {
                              cells_[{q, pass.label(g)}] += c;
                          });
                          own_.customers += part.own.customers;
                          own_.repeat += part.own.repeat;
                          for (std::size_t c = 0; c < wins.size(); ++c) wins[c] += part.wins[c];
                      });
    for (std::size_t c = 0; c < wins.size(); ++c)
        if (wins[c] != 0) wins_[customer->labels[c]] += wins[c];
}

void kpi_accumulator::merge(const kpi_accumulator& other) {
    if (!(other.funnel_ == funnel_) || other.as_of_ != as_of_ || other.options_.by != options_.by ||
        other.min_rank_ != min_rank_)
        throw definition_error("kpi: merging counts of a different funnel, as_of, period or opportunity stage");
    for (const auto& [k, c] : other.cells_) cells_[k] += c;
    for (const auto& [label, w] : other.wins_) wins_[label] += w;
    own_.customers += other.own_.customers;
    own_.repeat += other.own_.repeat;
}

std::vector<std::pair<std::int32_t, kpi_counts>> kpi_accumulator::by_period() const {
    std::map<std::int32_t, kpi_counts> m;
    for (const auto& [k, c] : cells_) m[k.first] += c;
    return {m.begin(), m.end()};
}

std::vector<std::pair<std::string, kpi_counts>> kpi_accumulator::by_label() const {
    const std::int32_t now_period = period_index(to_seconds(as_of_), options_.by);
    std::map<std::string, kpi_counts> m;
    for (const auto& [k, c] : cells_) {
        auto sum = c;
        // Open deals are a stock, not a flow: a label's figure is the stock at as_of, not a sum over periods.
        if (k.first != now_period) sum.open_opportunities = 0;
        m[k.second] += sum;
    }
    return {m.begin(), m.end()};
}

kpi_counts kpi_accumulator::total() const {
    kpi_counts t;
    for (const auto& [label, c] : by_label()) t += c;
    return t;
}

retention kpi_accumulator::customer_retention() const {
    retention r = own_;
    for (const auto& [label, w] : wins_) {
        ++r.customers;
        r.repeat += w > 1;
    }
    return r;
}

std::string kpi_accumulator::period_name(std::int32_t index) const {
    return index == undated_period ? std::string("(undated)") : period_label(index, options_.by);
}

bool operator==(const kpi_accumulator& a, const kpi_accumulator& b) {
    return a.funnel_ == b.funnel_ && a.as_of_ == b.as_of_ && a.options_.by == b.options_.by &&
           a.min_rank_ == b.min_rank_ && a.cells_ == b.cells_ && a.wins_ == b.wins_ &&
           a.own_ == b.own_;
}

kpi_accumulator merge(kpi_accumulator a, const kpi_accumulator& b) {
    a.merge(b);
    return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Cohorts

double cohort_counts::converted_by(std::size_t age) const noexcept {
    if (leads == 0) return nan;
    std::uint64_t won = 0;
    for (std::size_t a = 0; a <= age && a < won_at_age.size(); ++a) won += won_at_age[a];
    return static_cast<double>(won) / static_cast<double>(leads);
}

cohort_counts& cohort_counts::operator+=(const cohort_counts& o) {
    leads += o.leads;
    won_undated += o.won_undated;
    if (won_at_age.size() < o.won_at_age.size()) won_at_age.resize(o.won_at_age.size(), 0);
    for (std::size_t a = 0; a < o.won_at_age.size(); ++a) won_at_age[a] += o.won_at_age[a];
    return *this;
}

cohort_accumulator::cohort_accumulator(period p, timestamp as_of, unsigned threads)
    : period_(p), as_of_(as_of), threads_(threads) {
    if (to_seconds(as_of) == missing_time) throw definition_error("cohorts: as_of is missing");
}

void cohort_accumulator::add(const journeys& j) { add(j, 0, j.leads()); }

namespace {

/// The cohorts of one part of the leads, and its leads without a dated entry.
struct cohort_partial {
    std::map<std::int32_t, cohort_counts> cohorts;
    std::uint64_t undated = 0;
};

/// The cohorts of leads [begin, end): each lead by the period of its first dated entry, its first win by age.
cohort_partial collect_cohorts(const journeys& j, const std::vector<unsigned char>& won, period by, std::size_t begin,
                               std::size_t end) {
    const auto off = j.offsets();
    const auto st = j.stage_at();
    const auto tm = j.time_at();
    cohort_partial part;
    cohort_counts* c = nullptr;
    std::int32_t c_index = 0;
    for (std::size_t l = begin; l < end; ++l) {
        const std::size_t b = off[l], e = off[l + 1];
        if (b == e) continue;
        std::size_t fd = b;
        while (fd < e && tm[fd] == missing_time) ++fd;
        if (fd == e) {
            ++part.undated;
            continue;
        }
        const std::int32_t cohort = period_index(tm[fd], by);
        if (c == nullptr || c_index != cohort) c = &part.cohorts[cohort], c_index = cohort;
        ++c->leads;
        std::size_t w = b;
        while (w < e && !won[st[w]]) ++w;
        if (w == e) continue;
        if (tm[w] == missing_time) {
            ++c->won_undated;
            continue;
        }
        // Times never go back along a journey, so the age is never negative.
        const auto age = static_cast<std::size_t>(period_index(tm[w], by) - cohort);
        if (c->won_at_age.size() <= age) c->won_at_age.resize(age + 1, 0);
        ++c->won_at_age[age];
    }
    return part;
}

} // namespace

void cohort_accumulator::add(const journeys& j, std::size_t begin, std::size_t end) {
    detail::check_range(j, begin, end, "cohorts");
    detail::check_as_of(j, begin, end, to_seconds(as_of_), "cohorts");
    const auto& f = j.stages();
    std::vector<unsigned char> won(f.size());
    for (std::size_t s = 0; s < f.size(); ++s) won[s] = f[s].kind == stage_kind::won;
    detail::map_parts(detail::split_rows(begin, end, threads_),
                      [&](std::size_t b, std::size_t e) { return collect_cohorts(j, won, period_, b, e); },
                      [&](cohort_partial&& part) {
                          for (const auto& [k, c] : part.cohorts) cohorts_[k] += c;
                          undated_ += part.undated;
                      });
}

void cohort_accumulator::merge(const cohort_accumulator& other) {
    if (other.period_ != period_ || other.as_of_ != as_of_)
        throw definition_error("cohorts: merging cohorts of a different period or as_of");
    for (const auto& [k, c] : other.cohorts_) cohorts_[k] += c;
    undated_ += other.undated_;
}

std::int64_t cohort_accumulator::observed_age(std::int32_t cohort) const noexcept {
    return std::int64_t{period_index(to_seconds(as_of_), period_)} - cohort;
}

bool operator==(const cohort_accumulator& a, const cohort_accumulator& b) {
    return a.period_ == b.period_ && a.as_of_ == b.as_of_ && a.cohorts_ == b.cohorts_ && a.undated_ == b.undated_;
}

cohort_accumulator merge(cohort_accumulator a, const cohort_accumulator& b) {
    a.merge(b);
    return a;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const retention&, const retention&) = default;
bool operator==(const cohort_counts&, const cohort_counts&) = default;

} // namespace leadscore
