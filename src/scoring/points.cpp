#include "leadscore/scoring/points.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace leadscore {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double seconds_per_day = 86400.0;

constexpr std::string_view decay_names[] = {"none", "half_life", "percent_per_period", "window"};
constexpr std::string_view detail_names[] = {"any", "equals", "contains"};
constexpr std::string_view occurrence_names[] = {"repeatable", "first_only"};

template <class Enum, std::size_t N>
std::string_view enum_name(const std::string_view (&names)[N], Enum e) noexcept {
    const auto i = static_cast<std::size_t>(e);
    return i < N ? names[i] : "?";
}
template <class Enum, std::size_t N>
std::optional<Enum> enum_parse(const std::string_view (&names)[N], std::string_view s) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s) return static_cast<Enum>(i);
    return std::nullopt;
}

// One formula for the scorers and for decay_rule::weight, so both give the same bits. neg_inv = -1 / seconds: a
// multiplication is cheaper than a division, and a half-life's weight needs no exact quotient.
double decay_weight(decay_kind kind, double seconds, double neg_inv, double base, double age) noexcept {
    switch (kind) {
    case decay_kind::none: return 1.0;
    // Clamped at 2^-1000 (about 1e-301): below that, exp2 takes a slow underflow path, and no score notices. The
    // upper clamp keeps the (unused) weight of an event after as_of finite.
    case decay_kind::half_life: return std::exp2(std::clamp(age * neg_inv, -1000.0, 0.0));
    case decay_kind::percent_per_period: // whole periods, exactly; never below 0 (for the unused later events)
        return std::pow(base, std::max(std::floor(age / seconds), 0.0));
    case decay_kind::window: return age <= seconds ? 1.0 : 0.0;
    }
    return 1.0;
}

/// A few slots on the stack, the heap beyond: one-lead scoring allocates nothing for ordinary rule sets.
template <class T, std::size_t N>
class scratch {
public:
    explicit scratch(std::size_t n) {
        if (n > N) heap_.resize(n);
        data_ = n > N ? heap_.data() : local_.data();
    }
    scratch(const scratch&) = delete;
    scratch& operator=(const scratch&) = delete;
    [[nodiscard]] T* data() noexcept { return data_; }

private:
    std::array<T, N> local_;
    std::vector<T> heap_;
    T* data_;
};

std::string fit_label(const points_rules& r, std::size_t k) {
    return r.fit[k].name.empty() ? "fit rule #" + std::to_string(k + 1) : "fit rule '" + r.fit[k].name + "'";
}
std::string engagement_label(const points_rules& r, std::size_t k) {
    return r.engagement[k].name.empty() ? "engagement rule #" + std::to_string(k + 1)
                                        : "engagement rule '" + r.engagement[k].name + "'";
}

std::string describe(const engagement_rule& e) {
    std::string s = e.event_type;
    if (e.detail_filter == detail_test::equals) s += " (detail = '" + e.detail_text + "')";
    if (e.detail_filter == detail_test::contains) s += " (detail contains '" + e.detail_text + "')";
    if (e.counts == occurrence::first_only) s += " (first only)";
    return s;
}

void check_bound(const std::string& what, const std::optional<double>& cap, const std::optional<double>& floor) {
    if (cap && !(std::isfinite(*cap) && *cap >= 0))
        throw definition_error("points: " + what + " cap " + detail::format_shortest(*cap) +
                               " (a cap is a finite number >= 0)");
    if (floor && !std::isfinite(*floor))
        throw definition_error("points: " + what + " floor " + detail::format_shortest(*floor) +
                               " (a floor is a finite number)");
    if (cap && floor && *floor > *cap)
        throw definition_error("points: " + what + " floor " + detail::format_shortest(*floor) + " is above its cap " +
                               detail::format_shortest(*cap));
}

void check_decay(const points_group& g) {
    const auto& d = g.decay;
    const std::string where = "points: group '" + g.name + "' decay " + std::string(to_string(d.kind));
    if (static_cast<std::size_t>(d.kind) >= std::size(decay_names))
        throw definition_error("points: group '" + g.name + "' has an unknown decay kind");
    if (d.kind == decay_kind::none) return;
    // Days above ~10^7 would make ages round off in seconds; nobody decays over 27,000 years.
    if (!(std::isfinite(d.days) && d.days > 0 && d.days <= 1e7))
        throw definition_error(where + ": " + detail::format_shortest(d.days) +
                               " days (needs more than 0 and at most 10000000)");
    if (d.kind == decay_kind::percent_per_period && !(d.percent > 0 && d.percent < 100))
        throw definition_error(where + ": " + detail::format_shortest(d.percent) +
                               " percent per period (needs more than 0 and less than 100)");
}

} // namespace

namespace detail {

/// A rule set bound to a view, as the scorer's copies share it. Built by points_policy::bind, then read-only.
struct points_program {
    [[nodiscard]] double score(std::size_t row) const;
    void score_batch(std::size_t first, std::span<double> out) const;
    [[nodiscard]] explanation explain(std::size_t row) const;
    void group_scores(std::size_t row, std::span<double> out) const;
    void group_scores_batch(std::size_t first, std::size_t rows, std::span<double> out) const;

    struct group_state {
        decay_kind decay = decay_kind::none;
        double seconds = 0;  // half-life, period or window in seconds
        double neg_inv = 0;  // half-life: -1 / seconds
        double base = 1;     // percent_per_period: 1 - percent / 100
        double cap = 0, floor = 0; // ±infinity when unset
    };
    // One rule of one event type, flattened so that an event reads everything it needs from one place.
    struct type_rule {
        double points = 0;
        std::uint32_t rule = 0, group = 0;
        std::uint32_t detail_table = 0; // offset into detail_tables_ (the all-pass table when not filtered)
        bool active = false;            // false: the type has no rule (a slot that never counts)
        bool filtered = false, first_only = false;
        bool more = false;              // the type has further rules in extra_rules_
    };

    // Sums the row's counted events per rule into rule_sum (which must be all zero), marks hit, lists the rules
    // hit in `touched` (in the order of their first event) and returns how many there are.
    // `weights`, when given, holds the decay weight of events [weights_from, …) (see uniform_decay_).
    std::size_t engagement_row(std::size_t row, double* rule_sum, std::uint8_t* hit, std::uint32_t* touched,
                               const double* weights, std::uint64_t weights_from) const;
    // Fit and engagement points of a row into acc[group * stride]. Leaves rule_sum and hit zeroed unless `keep`.
    void accumulate(std::size_t row, double* acc, std::size_t stride, double* rule_sum, std::uint8_t* hit,
                    std::uint32_t* touched, bool keep, const double* weights = nullptr,
                    std::uint64_t weights_from = 0) const;
    [[nodiscard]] double age_of(const event_record& e) const noexcept {
        // In doubles, to stay branch-free: exact for times within ±2^53 s (285 million years), never negative for
        // an event at or before as_of, and merely inexact for absurd times. Later events get a negative age; they
        // do not count, and their weight is kept finite.
        return as_of_seconds_ - static_cast<double>(e.time);
    }
    [[nodiscard]] double capped(std::size_t rule, double sum) const noexcept {
        const double cap = rule_cap_[rule];
        return sum >= 0 ? (sum < cap ? sum : cap) : (sum > -cap ? sum : -cap);
    }
    void add_fit(std::size_t row, double* acc) const;
    [[nodiscard]] double finish(const double* acc, double* group_out) const noexcept;
    void run_block(std::size_t first, std::size_t rows, double* out, double* group_out) const;
    [[noreturn]] void bad_event(std::size_t row, const event_record& e, bool detail) const;

    std::shared_ptr<const points_rules> rules_;
    std::int64_t as_of_ = 0;
    double as_of_seconds_ = 0;
    std::size_t rows_ = 0;
    std::vector<bound_condition> fit_;
    std::vector<double> fit_points_;
    std::vector<std::uint32_t> fit_group_;
    std::vector<group_state> groups_;
    double total_cap_ = 0, total_floor_ = 0;
    std::vector<double> rule_cap_;           // per engagement rule, +infinity when unset
    std::vector<std::uint32_t> rule_group_;  // per engagement rule
    std::span<const event_record> events_;
    std::span<const std::uint64_t> offsets_;
    std::vector<type_rule> first_rule_;      // per event type: its first rule, or an inactive slot
    std::vector<std::uint32_t> extra_begin_; // further rules of type t: extra_rules_[extra_begin_[t], [t+1])
    std::vector<type_rule> extra_rules_;
    // Per detail table: detail code + 1 -> passes (index 0 = missing; the last index stands for a code outside
    // the dictionary). Table 0 passes everything.
    std::vector<std::uint8_t> detail_tables_;
    std::uint32_t detail_codes_ = 0; // entries a table indexes: the detail dictionary's size + 1
    // All engagement rules decay alike (the usual case): the batch form computes each event's weight once, in a
    // loop of its own, before the rules look at the events.
    bool uniform_decay_ = false;
    std::uint32_t uniform_group_ = 0;
};

} // namespace detail

std::string_view to_string(decay_kind k) noexcept { return enum_name(decay_names, k); }
std::optional<decay_kind> parse_decay_kind(std::string_view s) noexcept {
    return enum_parse<decay_kind>(decay_names, s);
}
std::string_view to_string(detail_test t) noexcept { return enum_name(detail_names, t); }
std::optional<detail_test> parse_detail_test(std::string_view s) noexcept {
    return enum_parse<detail_test>(detail_names, s);
}
std::string_view to_string(occurrence o) noexcept { return enum_name(occurrence_names, o); }
std::optional<occurrence> parse_occurrence(std::string_view s) noexcept {
    return enum_parse<occurrence>(occurrence_names, s);
}

double decay_rule::weight(std::int64_t age_seconds) const {
    const double seconds = days * seconds_per_day;
    return decay_weight(kind, seconds, -1.0 / seconds, 1.0 - percent / 100.0, static_cast<double>(age_seconds));
}

// ---- the policy -----------------------------------------------------------------------------------

points_policy::points_policy(points_rules r) {
    if (r.fit.empty() && r.engagement.empty())
        throw definition_error("points: the rule set is empty (no fit and no engagement rules)");
    for (std::size_t g = 0; g < r.groups.size(); ++g) {
        const auto& group = r.groups[g];
        if (group.name.empty()) throw definition_error("points: group #" + std::to_string(g + 1) + " has no name");
        for (std::size_t h = 0; h < g; ++h)
            if (r.groups[h].name == group.name)
                throw definition_error("points: group '" + group.name + "' is declared twice");
        check_bound("group '" + group.name + "'", group.cap, group.floor);
        check_decay(group);
    }
    check_bound("total", r.total_cap, r.total_floor);
    const auto declared = [&](const std::string& name, const std::string& label) {
        for (const auto& g : r.groups)
            if (g.name == name) return;
        throw definition_error("points: " + label + " names the undeclared group '" + name + "'");
    };
    for (std::size_t k = 0; k < r.fit.size(); ++k) {
        const auto& rule = r.fit[k];
        const auto label = fit_label(r, k);
        if (!std::isfinite(rule.points))
            throw definition_error("points: " + label + " gives " + detail::format_shortest(rule.points) + " points");
        declared(rule.group, label);
        try {
            validate(rule.when);
        } catch (const definition_error& e) {
            throw definition_error("points: " + label + ": " + e.what());
        }
    }
    for (std::size_t k = 0; k < r.engagement.size(); ++k) {
        const auto& rule = r.engagement[k];
        const auto label = engagement_label(r, k);
        if (normalize_name(rule.event_type).empty())
            throw definition_error("points: " + label + " has an empty event type name");
        if (!std::isfinite(rule.points))
            throw definition_error("points: " + label + " gives " + detail::format_shortest(rule.points) + " points");
        if (static_cast<std::size_t>(rule.detail_filter) >= std::size(detail_names))
            throw definition_error("points: " + label + " has an unknown detail filter");
        if (rule.detail_filter != detail_test::any && rule.detail_text.empty())
            throw definition_error("points: " + label + " filters on the detail (" +
                                   std::string(to_string(rule.detail_filter)) + ") without a text");
        if (static_cast<std::size_t>(rule.counts) >= std::size(occurrence_names))
            throw definition_error("points: " + label + " has an unknown occurrence mode");
        check_bound(label, rule.cap, std::nullopt);
        declared(rule.group, label);
    }
    rules_ = std::make_shared<const points_rules>(std::move(r));
}

std::optional<std::size_t> points_policy::group_index(std::string_view name) const noexcept {
    for (std::size_t g = 0; g < rules_->groups.size(); ++g)
        if (rules_->groups[g].name == name) return g;
    return std::nullopt;
}

points_policy::scorer points_policy::bind(const table_view& view, timestamp as_of) const {
    const auto& r = *rules_;
    const auto program = std::make_shared<detail::points_program>();
    auto& s = *program;
    s.rules_ = rules_;
    s.as_of_ = to_seconds(as_of);
    s.as_of_seconds_ = static_cast<double>(s.as_of_);
    s.rows_ = view.rows();

    for (const auto& g : r.groups) {
        detail::points_program::group_state st;
        st.decay = g.decay.kind;
        st.seconds = g.decay.days * seconds_per_day;
        st.neg_inv = -1.0 / st.seconds;
        st.base = 1.0 - g.decay.percent / 100.0;
        st.cap = g.cap.value_or(inf);
        st.floor = g.floor.value_or(-inf);
        s.groups_.push_back(st);
    }
    s.total_cap_ = r.total_cap.value_or(inf);
    s.total_floor_ = r.total_floor.value_or(-inf);

    for (std::size_t k = 0; k < r.fit.size(); ++k) {
        try {
            s.fit_.emplace_back(r.fit[k].when, view);
        } catch (const definition_error& e) {
            throw definition_error("points: " + fit_label(r, k) + ": " + e.what());
        }
        s.fit_points_.push_back(r.fit[k].points);
        s.fit_group_.push_back(static_cast<std::uint32_t>(*group_index(r.fit[k].group)));
    }

    if (!r.engagement.empty()) {
        if (!view.has_events())
            throw definition_error("points: " + engagement_label(r, 0) + " needs events, and the view carries none");
        s.events_ = view.all_events();
        s.offsets_ = view.event_offsets();
        const auto& types = view.event_types();
        const auto& details = view.event_details();
        s.detail_codes_ = static_cast<std::uint32_t>(details.size() + 1);
        s.detail_tables_.assign(s.detail_codes_ + 1, 1); // table 0: every detail passes

        std::vector<std::string> wanted;
        std::vector<detail::points_program::type_rule> flat;
        for (std::size_t k = 0; k < r.engagement.size(); ++k) {
            const auto& rule = r.engagement[k];
            wanted.push_back(normalize_name(rule.event_type));
            detail::points_program::type_rule st;
            st.points = rule.points;
            st.rule = static_cast<std::uint32_t>(k);
            st.group = static_cast<std::uint32_t>(*group_index(rule.group));
            st.active = true;
            st.first_only = rule.counts == occurrence::first_only;
            if (rule.detail_filter != detail_test::any) {
                st.filtered = true;
                st.detail_table = static_cast<std::uint32_t>(s.detail_tables_.size());
                const std::string text[] = {rule.detail_text};
                const auto hits = detail::code_match_table(
                    details, rule.detail_filter == detail_test::equals ? condition_test::equals : condition_test::contains,
                    text, rule.detail_case_sensitive);
                s.detail_tables_.push_back(0); // a missing detail passes no filter
                s.detail_tables_.insert(s.detail_tables_.end(), hits.begin(), hits.end());
                s.detail_tables_.push_back(0); // nor does a code outside the dictionary (reported as an error)
            }
            flat.push_back(st);
            s.rule_cap_.push_back(rule.cap.value_or(inf));
            s.rule_group_.push_back(st.group);
        }
        s.uniform_decay_ = true;
        s.uniform_group_ = s.rule_group_.front();
        for (const auto g : s.rule_group_)
            s.uniform_decay_ = s.uniform_decay_ && r.groups[g].decay == r.groups[s.uniform_group_].decay;
        // Per event type, its rules in rule order: the first in first_rule_ (an inactive slot, which counts nothing,
        // when there is none, so every event takes the same path), the others in extra_rules_.
        detail::points_program::type_rule none;
        none.rule = static_cast<std::uint32_t>(r.engagement.size()); // a scratch slot past the real rules
        s.first_rule_.assign(types.size(), none);
        s.extra_begin_.assign(types.size() + 1, 0);
        for (std::size_t t = 0; t < types.size(); ++t) {
            const auto name = normalize_name(types[static_cast<std::int32_t>(t)]);
            bool first = true;
            for (std::size_t k = 0; k < wanted.size(); ++k) {
                if (wanted[k] != name) continue;
                if (first) {
                    s.first_rule_[t] = flat[k];
                    first = false;
                } else {
                    s.first_rule_[t].more = true;
                    s.extra_rules_.push_back(flat[k]);
                }
            }
            s.extra_begin_[t + 1] = static_cast<std::uint32_t>(s.extra_rules_.size());
        }
    }
    scorer bound;
    bound.program_ = program;
    return bound;
}

// ---- scoring --------------------------------------------------------------------------------------

void detail::points_program::bad_event(std::size_t row, const event_record& e, bool detail) const {
    if (detail)
        throw definition_error("points: row " + std::to_string(row) + " holds an event whose detail code " +
                               std::to_string(e.detail) + " is outside the event-detail dictionary");
    throw definition_error("points: row " + std::to_string(row) + " holds an event whose type code " +
                           std::to_string(e.type) + " is outside the event-type dictionary");
}

std::size_t detail::points_program::engagement_row(std::size_t row, double* rule_sum, std::uint8_t* hit,
                                                  std::uint32_t* touched, const double* weights,
                                                  std::uint64_t weights_from) const {
    // Every event takes the same branch-free path through its type's first rule (event types come in no predictable
    // order, so branches on them would mispredict): a weight is computed even for an event that does not count, and
    // the event adds 0 then. Only a type with several rules takes a second, ordinary loop.
    std::size_t n = 0;
    const auto types = static_cast<std::uint32_t>(first_rule_.size());
    const std::uint32_t codes = detail_codes_;
    const event_record* ev = events_.data();
    bool bad_detail = false;
    const auto count_rule = [&](const type_rule& tr, bool in_time, double w, std::uint32_t d) {
        const std::uint32_t k = tr.rule;
        const std::uint8_t before = hit[k];
        const bool pass = detail_tables_[tr.detail_table + d] != 0;
        const bool counted = tr.active & in_time & pass & !(tr.first_only & (before != 0));
        touched[n] = k;
        n += counted & (before == 0);
        hit[k] = static_cast<std::uint8_t>(before | static_cast<std::uint8_t>(counted));
        // A bit mask, not a select: the compiler would turn the select into a branch. Gives +0.0 when not counted.
        const auto mask = std::uint64_t{0} - static_cast<std::uint64_t>(counted);
        rule_sum[k] += std::bit_cast<double>(std::bit_cast<std::uint64_t>(tr.points * w) & mask);
    };
    for (std::uint64_t j = offsets_[row], end = offsets_[row + 1]; j < end; ++j) {
        const event_record& e = ev[j];
        const auto t = static_cast<std::uint32_t>(e.type);
        if (t >= types) bad_event(row, e, false);
        const type_rule& tr = first_rule_[t];
        const bool in_time = e.time <= as_of_; // events after as_of do not count
        const double age = age_of(e);
        std::uint32_t d = static_cast<std::uint32_t>(e.detail) + 1u;
        const bool known = d < codes;
        bad_detail |= tr.filtered & in_time & !known;
        d = known ? d : codes;
        double w;
        if (weights != nullptr) {
            w = weights[j - weights_from];
        } else {
            const group_state& g = groups_[tr.group];
            w = decay_weight(g.decay, g.seconds, g.neg_inv, g.base, age);
        }
        count_rule(tr, in_time, w, d);
        if (tr.more) [[unlikely]] {
            for (std::uint32_t x = extra_begin_[t], xe = extra_begin_[t + 1]; x < xe; ++x) {
                const type_rule& other = extra_rules_[x];
                bad_detail |= other.filtered & in_time & !known;
                const group_state& og = groups_[other.group];
                const double ow = other.group == tr.group || uniform_decay_
                                      ? w
                                      : decay_weight(og.decay, og.seconds, og.neg_inv, og.base, age);
                count_rule(other, in_time, ow, d);
            }
        }
    }
    if (bad_detail) [[unlikely]] {
        for (std::uint64_t j = offsets_[row], end = offsets_[row + 1]; j < end; ++j)
            if (static_cast<std::uint32_t>(ev[j].detail) + 1u >= codes) bad_event(row, ev[j], true);
    }
    return n;
}

void detail::points_program::accumulate(std::size_t row, double* acc, std::size_t stride, double* rule_sum,
                                       std::uint8_t* hit, std::uint32_t* touched, bool keep, const double* weights,
                                       std::uint64_t weights_from) const {
    if (rule_cap_.empty() || offsets_[row] == offsets_[row + 1]) return;
    const std::size_t n = engagement_row(row, rule_sum, hit, touched, weights, weights_from);
    for (std::size_t j = 0; j < n; ++j) {
        const std::uint32_t k = touched[j];
        acc[rule_group_[k] * stride] += capped(k, rule_sum[k]);
        if (!keep) {
            rule_sum[k] = 0;
            hit[k] = 0;
        }
    }
}

void detail::points_program::add_fit(std::size_t row, double* acc) const {
    // Matches of different rules come in no predictable pattern, so no branch on them: a miss adds +0.0, which
    // changes no sum (as in the batch form).
    for (std::size_t k = 0; k < fit_.size(); ++k) {
        const auto mask = std::uint64_t{0} - static_cast<std::uint64_t>(fit_[k].matches(row));
        acc[fit_group_[k]] += std::bit_cast<double>(std::bit_cast<std::uint64_t>(fit_points_[k]) & mask);
    }
}

double detail::points_program::finish(const double* acc, double* group_out) const noexcept {
    double total = 0;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const double v = std::min(std::max(acc[g], groups_[g].floor), groups_[g].cap);
        if (group_out != nullptr) group_out[g] = v;
        total += v;
    }
    return std::min(std::max(total, total_floor_), total_cap_);
}

namespace {
/// Scratch for one row: group sums, and per engagement rule a zeroed sum, a hit flag and a slot in the touched list.
struct row_scratch {
    scratch<double, 16> acc;
    scratch<double, 64> rule_sum;
    scratch<std::uint8_t, 64> hit;
    scratch<std::uint32_t, 64> touched;
    // One slot more than there are rules: event types without a rule count into it (and never count).
    row_scratch(std::size_t groups, std::size_t rules)
        : acc(groups), rule_sum(rules + 1), hit(rules + 1), touched(rules + 1) {
        std::fill_n(acc.data(), groups, 0.0);
        std::fill_n(rule_sum.data(), rules + 1, 0.0);
        std::fill_n(hit.data(), rules + 1, std::uint8_t{0});
    }
};
} // namespace

double detail::points_program::score(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("points: row " + std::to_string(row) + " past the end");
    // A lone lead's columns are rarely in cache: ask for all of them at once, then wait once.
    for (const auto& c : fit_) c.prefetch(row);
    if (!rule_cap_.empty()) {
        const auto* first = reinterpret_cast<const char*>(events_.data() + offsets_[row]);
        const auto* last = reinterpret_cast<const char*>(events_.data() + offsets_[row + 1]);
        for (const char* p = first; p < last; p += 64) __builtin_prefetch(p);
    }
    row_scratch s(groups_.size(), rule_cap_.size());
    add_fit(row, s.acc.data());
    accumulate(row, s.acc.data(), 1, s.rule_sum.data(), s.hit.data(), s.touched.data(), true);
    return finish(s.acc.data(), nullptr);
}

void detail::points_program::group_scores(std::size_t row, std::span<double> out) const {
    if (row >= rows_) throw std::out_of_range("points: row " + std::to_string(row) + " past the end");
    if (out.size() != groups_.size())
        throw definition_error("points: group_scores needs room for " + std::to_string(groups_.size()) +
                               " groups, got " + std::to_string(out.size()));
    row_scratch s(groups_.size(), rule_cap_.size());
    add_fit(row, s.acc.data());
    accumulate(row, s.acc.data(), 1, s.rule_sum.data(), s.hit.data(), s.touched.data(), true);
    (void)finish(s.acc.data(), out.data());
}

void detail::points_program::run_block(std::size_t first, std::size_t rows, double* out, double* group_out) const {
    if (first > rows_ || rows > rows_ - first)
        throw std::out_of_range("points: rows [" + std::to_string(first) + ", " + std::to_string(first + rows) +
                                ") outside " + std::to_string(rows_) + " rows");
    // Column-wise over chunks that stay in L1: fit rules add into per-group columns, then events row by row. Each
    // row sees the same additions in the same order as score(row), so both give the same bits.
    constexpr std::size_t chunk = 256;
    const std::size_t groups = groups_.size(), rules = rule_cap_.size();
    std::vector<double> acc(groups * chunk), rule_sum(rules + 1), total(chunk);
    std::vector<std::uint8_t> hit(rules + 1);
    std::vector<std::uint32_t> touched(rules + 1);
    std::vector<double> weights;
    for (std::size_t b = 0; b < rows; b += chunk) {
        const std::size_t n = std::min(chunk, rows - b);
        std::fill(acc.begin(), acc.end(), 0.0);
        for (std::size_t k = 0; k < fit_.size(); ++k)
            fit_[k].add_where(first + b, fit_points_[k], std::span<double>(acc.data() + fit_group_[k] * chunk, n));
        const double* w = nullptr;
        std::uint64_t from = 0;
        if (uniform_decay_) {
            from = offsets_[first + b];
            const std::uint64_t to = offsets_[first + b + n];
            weights.resize(to - from);
            const group_state& g = groups_[uniform_group_];
            const event_record* ev = events_.data();
            double* wj = weights.data();
            // The same formula as decay_weight, with the decay kind chosen once per chunk.
            switch (g.decay) {
            case decay_kind::half_life:
                for (std::uint64_t j = from; j < to; ++j)
                    wj[j - from] = std::exp2(std::clamp(age_of(ev[j]) * g.neg_inv, -1000.0, 0.0));
                break;
            default:
                for (std::uint64_t j = from; j < to; ++j)
                    wj[j - from] = decay_weight(g.decay, g.seconds, g.neg_inv, g.base, age_of(ev[j]));
                break;
            }
            w = weights.data();
        }
        for (std::size_t i = 0; i < n; ++i)
            accumulate(first + b + i, acc.data() + i, chunk, rule_sum.data(), hit.data(), touched.data(), false, w,
                       from);
        std::fill(total.begin(), total.end(), 0.0);
        for (std::size_t g = 0; g < groups; ++g) {
            const double* a = acc.data() + g * chunk;
            const double lo = groups_[g].floor, hi = groups_[g].cap;
            for (std::size_t i = 0; i < n; ++i) {
                const double v = std::min(std::max(a[i], lo), hi);
                total[i] += v;
                if (group_out != nullptr) group_out[(b + i) * groups + g] = v;
            }
        }
        if (out != nullptr)
            for (std::size_t i = 0; i < n; ++i) out[b + i] = std::min(std::max(total[i], total_floor_), total_cap_);
    }
}

void detail::points_program::score_batch(std::size_t first, std::span<double> out) const {
    run_block(first, out.size(), out.data(), nullptr);
}

void detail::points_program::group_scores_batch(std::size_t first, std::size_t rows, std::span<double> out) const {
    if (out.size() != rows * groups_.size())
        throw definition_error("points: group_scores_batch needs " + std::to_string(rows * groups_.size()) +
                               " values, got " + std::to_string(out.size()));
    run_block(first, rows, nullptr, out.data());
}

explanation detail::points_program::explain(std::size_t row) const {
    if (row >= rows_) throw std::out_of_range("points: row " + std::to_string(row) + " past the end");
    const auto& r = *rules_;
    const std::size_t groups = groups_.size();
    row_scratch s(groups, rule_cap_.size());
    double* acc = s.acc.data();
    std::vector<std::uint8_t> fit_hits(fit_.size());
    for (std::size_t k = 0; k < fit_.size(); ++k) {
        fit_hits[k] = fit_[k].matches(row);
        if (fit_hits[k]) acc[fit_group_[k]] += fit_points_[k];
    }
    accumulate(row, acc, 1, s.rule_sum.data(), s.hit.data(), s.touched.data(), true);
    const double* rule_sum = s.rule_sum.data();
    const std::uint8_t* hits = s.hit.data();

    explanation e;
    e.unit = "points";
    e.additive = true;
    for (std::size_t k = 0; k < fit_.size(); ++k)
        if (fit_hits[k])
            e.factors.push_back({r.fit[k].name.empty() ? to_string(r.fit[k].when) : r.fit[k].name, fit_points_[k]});
    for (std::size_t k = 0; k < rule_cap_.size(); ++k)
        if (hits[k] != 0)
            e.factors.push_back({r.engagement[k].name.empty() ? describe(r.engagement[k]) : r.engagement[k].name,
                                 capped(k, rule_sum[k])});
    std::vector<double> group_scores(groups);
    e.score = finish(acc, group_scores.data());
    double total = 0;
    for (std::size_t g = 0; g < groups; ++g) {
        total += group_scores[g];
        if (group_scores[g] != acc[g]) {
            const bool capped_above = group_scores[g] < acc[g];
            e.factors.push_back({std::string(capped_above ? "cap" : "floor") + " of group '" + r.groups[g].name +
                                     "' (" + detail::format_shortest(group_scores[g]) + ")",
                                 group_scores[g] - acc[g]});
        }
    }
    if (e.score != total)
        e.factors.push_back({std::string(e.score < total ? "total cap" : "total floor") + " (" +
                                 detail::format_shortest(e.score) + ")",
                             e.score - total});
    e.total = e.score;
    order_factors(e.factors);
    return e;
}

// ---- the scorer: forwards to its shared program ----------------------------------------------------

double points_policy::scorer::score(std::size_t row) const { return program_->score(row); }
void points_policy::scorer::score_batch(std::size_t first, std::span<double> out) const {
    program_->score_batch(first, out);
}
explanation points_policy::scorer::explain(std::size_t row) const { return program_->explain(row); }
void points_policy::scorer::group_scores(std::size_t row, std::span<double> out) const {
    program_->group_scores(row, out);
}
void points_policy::scorer::group_scores_batch(std::size_t first, std::size_t rows, std::span<double> out) const {
    program_->group_scores_batch(first, rows, out);
}
std::size_t points_policy::scorer::group_count() const noexcept { return program_->groups_.size(); }

points_group_table score_groups(const points_policy& policy, const table_view& rows, const batch_options& options) {
    points_group_table t;
    for (const auto& g : policy.groups()) t.groups.push_back(g.name);
    t.rows = rows.rows();
    t.values.resize(t.rows * t.groups.size());
    const auto scorer = policy.bind(rows, options.as_of);
    const std::size_t groups = t.groups.size();
    std::span<double> values(t.values);
    detail::for_each_block(rows.rows(), options, [&](std::size_t begin, std::size_t end) {
        scorer.group_scores_batch(begin, end - begin, values.subspan(begin * groups, (end - begin) * groups));
    });
    return t;
}

} // namespace leadscore
