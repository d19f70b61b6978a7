#pragma once
// Archive descriptions of the rule-based scorers: points rules with their groups and decay (scoring/points.hpp) and
// grade profiles (scoring/grade.hpp). Internal: users include leadscore/io/serialize_scoring.hpp.

#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/io/detail/serialize_condition.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/points.hpp"

#include <boost/serialization/version.hpp>

#include <utility>

BOOST_CLASS_VERSION(leadscore::decay_rule, 1)
BOOST_CLASS_VERSION(leadscore::points_group, 1)
BOOST_CLASS_VERSION(leadscore::fit_rule, 1)
BOOST_CLASS_VERSION(leadscore::engagement_rule, 1)
BOOST_CLASS_VERSION(leadscore::points_rules, 1)
BOOST_CLASS_VERSION(leadscore::points_policy, 1)
BOOST_CLASS_VERSION(leadscore::grade_criterion, 1)
BOOST_CLASS_VERSION(leadscore::grade_profile, 1)
BOOST_CLASS_VERSION(leadscore::grade_policy, 1)

namespace leadscore::detail::archive {

template <>
struct enum_range<decay_kind> {
    static constexpr auto last = decay_kind::window;
};
template <>
struct enum_range<detail_test> {
    static constexpr auto last = detail_test::contains;
};
template <>
struct enum_range<occurrence> {
    static constexpr auto last = occurrence::first_only;
};
template <>
struct enum_range<letter_grade> {
    static constexpr auto last = letter_grade::a_plus;
};

// ---- points: the parts are checked with the rule set, when points_policy is rebuilt ------------------------------

template <>
struct description<decay_rule> {
    static constexpr const char* name = "decay_rule";
    static void fields(auto& v, auto& d) {
        v("kind", d.kind);
        v("days", d.days);
        v("percent", d.percent);
    }
};

template <>
struct description<points_group> {
    static constexpr const char* name = "points_group";
    static void fields(auto& v, auto& g) {
        v("name", g.name);
        v("decay", g.decay);
        v("cap", g.cap);
        v("floor", g.floor);
    }
};

template <>
struct description<fit_rule> {
    static constexpr const char* name = "fit_rule";
    static void fields(auto& v, auto& r) {
        v("name", r.name);
        v("when", r.when);
        v("points", r.points);
        v("group", r.group);
    }
};

template <>
struct description<engagement_rule> {
    static constexpr const char* name = "engagement_rule";
    static void fields(auto& v, auto& r) {
        v("name", r.name);
        v("event_type", r.event_type);
        v("detail_filter", r.detail_filter);
        v("detail_text", r.detail_text);
        v("detail_case_sensitive", r.detail_case_sensitive);
        v("points", r.points);
        v("counts", r.counts);
        v("cap", r.cap);
        v("group", r.group);
    }
};

template <>
struct description<points_rules> {
    static constexpr const char* name = "points_rules";
    static void fields(auto& v, auto& r) {
        v("group", r.groups);
        v("fit_rule", r.fit);
        v("engagement_rule", r.engagement);
        v("total_cap", r.total_cap);
        v("total_floor", r.total_floor);
    }
};

template <>
struct description<points_policy> {
    static constexpr const char* name = "points_policy";
    static auto parts(const points_policy& p) { return part_list(p.rules()); }
    static void fields(auto& v, auto& rules) { v("rules", rules); }
    static points_policy make(points_rules rules) { return points_policy(std::move(rules)); }
};

// ---- grade: the thirds are range checked by grade_policy ----------------------------------------------------------

template <>
struct description<grade_criterion> {
    static constexpr const char* name = "grade_criterion";
    static void fields(auto& v, auto& c) {
        v("name", c.name);
        v("when", c.when);
        v("thirds", c.thirds);
    }
};

template <>
struct description<grade_profile> {
    static constexpr const char* name = "grade_profile";
    static void fields(auto& v, auto& p) {
        v("name", p.name);
        v("start", p.start);
        v("criterion", p.criteria);
    }
};

template <>
struct description<grade_policy> {
    static constexpr const char* name = "grade_policy";
    static auto parts(const grade_policy& p) { return part_list(p.profile()); }
    static void fields(auto& v, auto& profile) { v("profile", profile); }
    static grade_policy make(grade_profile profile) { return grade_policy(std::move(profile)); }
};

} // namespace leadscore::detail::archive
