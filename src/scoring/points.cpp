#include "points_program.hpp"
#include "../core/numbers.hpp"

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
using detail::seconds_per_day;

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

std::string fit_label(const points_rules& r, std::size_t k) {
    return r.fit[k].name.empty() ? "fit rule #" + std::to_string(k + 1) : "fit rule '" + r.fit[k].name + "'";
}
std::string engagement_label(const points_rules& r, std::size_t k) {
    return r.engagement[k].name.empty() ? "engagement rule #" + std::to_string(k + 1)
                                        : "engagement rule '" + r.engagement[k].name + "'";
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

/// The largest score magnitude a rule set may reach: half the double range. Rounding makes a sum of n terms at most
/// (1 + 2^-53)^n times the sum of their magnitudes, below 2 for any number of rules memory holds; a repeatable rule's
/// running sum stops growing near 2^54 times its points (smaller terms round away), within the 2^64 events counted.
/// So no score can round up to infinity, nor meet an infinity of the other sign (NaN).
constexpr double max_score_magnitude = std::numeric_limits<double>::max() / 2;
/// Events a repeatable rule may count for one lead: fewer than 2^64 (a table's event offsets are 64-bit).
constexpr double max_events = 0x1p64;

/// Refuses a rule set whose score could overflow. Per group, the rules' largest totals (a fit rule or a first-only
/// rule once, a repeatable rule 2^64 times, at most its cap) are added by sign: every running sum of the group lies
/// between minus the negative sum and the positive sum, and each must stay within max_score_magnitude. Likewise the
/// group scores (those ranges clipped by each group's floor and cap) summed by sign.
void check_score_range(const points_rules& r) {
    std::vector<double> up(r.groups.size(), 0.0), down(r.groups.size(), 0.0); // per group: positive, negative sums
    const std::string beyond = ", beyond ±" + detail::format_shortest(max_score_magnitude) +
                               " (half the largest double, so that no score can overflow)";
    const auto add = [&](const std::string& group, double points, double largest, const std::string& label) {
        std::size_t g = 0;
        while (r.groups[g].name != group) ++g; // declared: checked before
        double& sum = points < 0 ? down[g] : up[g];
        sum += largest;
        if (!(sum <= max_score_magnitude))
            throw definition_error("points: " + label + " lets group '" + group + "' reach " + (points < 0 ? "-" : "") +
                                   detail::format_shortest(sum) + beyond);
    };
    for (std::size_t k = 0; k < r.fit.size(); ++k)
        add(r.fit[k].group, r.fit[k].points, std::abs(r.fit[k].points), fit_label(r, k));
    for (std::size_t k = 0; k < r.engagement.size(); ++k) {
        const auto& rule = r.engagement[k];
        const bool once = rule.counts == occurrence::first_only;
        double largest = std::abs(rule.points) * (once ? 1.0 : max_events);
        if (rule.cap) largest = std::min(largest, *rule.cap);
        const std::string unbounded = once || rule.cap ? "" : " (counting up to 2^64 events: a cap or first_only bounds it)";
        add(rule.group, rule.points, largest, engagement_label(r, k) + unbounded);
    }
    double high = 0, low = 0; // the sums of the groups' positive and negative extremes
    for (std::size_t g = 0; g < r.groups.size(); ++g) {
        const auto& group = r.groups[g];
        double hi = up[g], lo = -down[g];
        if (group.floor) hi = std::max(hi, *group.floor), lo = std::max(lo, *group.floor);
        if (group.cap) hi = std::min(hi, *group.cap), lo = std::min(lo, *group.cap);
        high += std::max(hi, 0.0);
        low += std::max(-lo, 0.0);
    }
    if (!(high <= max_score_magnitude) || !(low <= max_score_magnitude))
        throw definition_error("points: the group scores can add up to " + (high > low ? "" : std::string("-")) +
                               detail::format_shortest(std::max(high, low)) + beyond);
}

} // namespace


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
    return detail::decay_weight(kind, seconds, -1.0 / seconds, 1.0 - percent / 100.0, static_cast<double>(age_seconds));
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
    check_score_range(r);
    rules_ = std::make_shared<const points_rules>(std::move(r));
}

policy_fields points_policy::fields_read() const {
    policy_fields f;
    for (const auto& rule : rules_->fit) f.add(rule.when.field);
    f.events = !rules_->engagement.empty();
    return f;
}

std::optional<std::size_t> points_policy::group_index(std::string_view name) const noexcept {
    for (std::size_t g = 0; g < rules_->groups.size(); ++g)
        if (rules_->groups[g].name == name) return g;
    return std::nullopt;
}

namespace {

using program = detail::points_program;

void bind_groups(program& s, const points_rules& r) {
    for (const auto& g : r.groups) {
        program::group_state st;
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
}

/// One engagement rule as its event type's slot holds it; a detail filter gets a table of its own.
program::type_rule engagement_slot(program& s, const engagement_rule& rule, std::size_t k, std::size_t group,
                                   const dictionary& details) {
    program::type_rule st;
    st.points = rule.points;
    st.rule = static_cast<std::uint32_t>(k);
    st.group = static_cast<std::uint32_t>(group);
    st.active = true;
    st.first_only = rule.counts == occurrence::first_only;
    if (rule.detail_filter != detail_test::any) {
        st.filtered = true;
        st.detail_table = static_cast<std::uint32_t>(s.detail_tables_.size());
        const std::string text[] = {rule.detail_text};
        const auto hits = detail::code_match_table(
            details, rule.detail_filter == detail_test::equals ? condition_test::equals : condition_test::contains, text,
            rule.detail_case_sensitive);
        s.detail_tables_.push_back(0); // a missing detail passes no filter
        s.detail_tables_.insert(s.detail_tables_.end(), hits.begin(), hits.end());
        s.detail_tables_.push_back(0); // nor does a code outside the dictionary (reported as an error)
    }
    return st;
}

/// Per event type, its rules in rule order: the first in first_rule_ (an inactive slot, which counts nothing, when
/// there is none, so every event takes the same path), the others in extra_rules_.
void assign_types(program& s, const dictionary& types, const std::vector<std::string>& wanted,
                  const std::vector<program::type_rule>& flat) {
    program::type_rule none;
    none.rule = static_cast<std::uint32_t>(wanted.size()); // a scratch slot past the real rules
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

} // namespace

points_policy::scorer points_policy::bind(const table_view& view, timestamp as_of) const {
    const auto& r = *rules_;
    const auto bound_program = std::make_shared<program>();
    auto& s = *bound_program;
    s.rules_ = rules_;
    s.as_of_ = to_seconds(as_of);
    s.as_of_seconds_ = static_cast<double>(s.as_of_);
    s.rows_ = view.rows();
    bind_groups(s, r);
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
        const auto& details = view.event_details();
        s.detail_codes_ = static_cast<std::uint32_t>(details.size() + 1);
        s.detail_tables_.assign(s.detail_codes_ + 1, 1); // table 0: every detail passes
        std::vector<std::string> wanted;
        std::vector<program::type_rule> flat;
        for (std::size_t k = 0; k < r.engagement.size(); ++k) {
            const auto& rule = r.engagement[k];
            wanted.push_back(normalize_name(rule.event_type));
            flat.push_back(engagement_slot(s, rule, k, *group_index(rule.group), details));
            s.rule_cap_.push_back(rule.cap.value_or(inf));
            s.rule_group_.push_back(flat.back().group);
        }
        s.uniform_decay_ = true;
        s.uniform_group_ = s.rule_group_.front();
        for (const auto g : s.rule_group_)
            s.uniform_decay_ = s.uniform_decay_ && r.groups[g].decay == r.groups[s.uniform_group_].decay;
        assign_types(s, view.event_types(), wanted, flat);
    }
    scorer bound;
    bound.program_ = bound_program;
    return bound;
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

bool operator==(const points_policy& a, const points_policy& b) { return a.rules() == b.rules(); }

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(ScoringPolicy<points_policy>);
static_assert(BatchScorer<scorer_t<points_policy>>);
static_assert(ExplainingScorer<scorer_t<points_policy>>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const decay_rule&, const decay_rule&) = default;
bool operator==(const points_group&, const points_group&) = default;
bool operator==(const fit_rule&, const fit_rule&) = default;
bool operator==(const engagement_rule&, const engagement_rule&) = default;
bool operator==(const points_rules&, const points_rules&) = default;

} // namespace leadscore
