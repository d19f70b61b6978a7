// The configuration's [scoring] section: points rules, a grade, composites of parts (weighted sum, maximum, grid,
// calibrated), learned models referenced by file, and policy types registered with register_scoring_config.

#include "config_reader.hpp"

#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/points.hpp"

#include <functional>
#include <map>
#include <string>
#include <utility>

namespace leadscore::detail {
namespace {

decay_rule read_decay(const config_section& g) {
    decay_rule d;
    d.kind = choice<decay_kind>(g, "decay", {{"none", decay_kind::none},
                                             {"half_life", decay_kind::half_life},
                                             {"percent_per_period", decay_kind::percent_per_period},
                                             {"window", decay_kind::window}})
                 .value_or(decay_kind::none);
    const auto days = g.number("days");
    const auto percent = g.number("percent");
    const auto fail = [&](std::string_view key, const std::string& reason) {
        cfg::fail_at(g, g.line(), g.key_path(key), reason);
    };
    if (d.kind == decay_kind::none && (days || percent))
        fail(days ? "days" : "percent", "needs a decay (half_life, percent_per_period or window)");
    if (d.kind != decay_kind::none && !days) fail("days", "missing (the decay needs it)");
    if (d.kind == decay_kind::percent_per_period && !percent) fail("percent", "missing (percent_per_period needs it)");
    if (d.kind != decay_kind::percent_per_period && percent) fail("percent", "only percent_per_period takes a percent");
    d.days = days.value_or(0);
    d.percent = percent.value_or(0);
    return d;
}

using group_index = std::map<std::string, std::size_t, std::less<>>;

// The groups of a points rule set, each checked alone (with a rule that never matches), so that its error names its
// own line; checks stay linear in the number of groups and rules, whatever a hostile file holds.
group_index read_groups(const config_section& s, points_rules& rules) {
    group_index index;
    auto groups = s.sections("groups");
    if (!groups) {
        for (std::size_t i = 0; i < rules.groups.size(); ++i) index.emplace(rules.groups[i].name, i);
        return index;
    }
    rules.groups.clear();
    for (const auto& g : *groups) {
        points_group pg;
        pg.name = need_text(g, "name");
        pg.decay = read_decay(g);
        pg.cap = g.number("cap");
        pg.floor = g.number("floor");
        cfg::finish(g);
        if (!index.emplace(pg.name, rules.groups.size()).second)
            cfg::fail_at(g, g.line(), g.key_path("name"), "the group \"" + pg.name + "\" is declared twice");
        checked(g, [&] {
            points_rules one;
            one.groups = {pg};
            one.fit = {fit_rule{"", condition::is_missing("x"), 0, pg.name}};
            return points_policy(std::move(one));
        });
        rules.groups.push_back(std::move(pg));
    }
    return index;
}

// Checks one rule alone, with its own group (or none when its group is not declared, which the policy then names).
template <class SetOne>
void check_rule(const config_section& r, const points_rules& rules, const group_index& index,
                const std::string& group, SetOne set_one) {
    checked(r, [&] {
        points_rules one;
        one.groups.clear();
        if (const auto it = index.find(group); it != index.end()) one.groups.push_back(rules.groups[it->second]);
        set_one(one);
        return points_policy(std::move(one));
    });
}

engagement_rule read_engagement_rule(const config_section& r) {
    engagement_rule e;
    e.name = r.text_or("name", "");
    e.event_type = need_text(r, "event");
    check_event_type(r, "event", e.event_type);
    e.points = need_number(r, "points");
    const auto equals = r.text("detail_equals");
    const auto contains = r.text("detail_contains");
    if (equals && contains)
        cfg::fail_at(r, r.line(), r.key_path("detail_contains"), "detail_equals and detail_contains exclude each other");
    if (equals) e.detail_filter = detail_test::equals, e.detail_text = *equals;
    if (contains) e.detail_filter = detail_test::contains, e.detail_text = *contains;
    e.detail_case_sensitive = r.flag_or("detail_case_sensitive", false);
    e.counts = choice<occurrence>(r, "counts", {{"repeatable", occurrence::repeatable},
                                                {"first_only", occurrence::first_only}})
                   .value_or(occurrence::repeatable);
    e.cap = r.number("cap");
    e.group = r.text_or("group", "engagement");
    cfg::finish(r);
    return e;
}

points_policy read_points(const config_section& s) {
    points_rules rules;
    rules.total_cap = s.number("total_cap");
    rules.total_floor = s.number("total_floor");
    const group_index index = read_groups(s, rules);
    if (auto fit = s.sections("fit")) {
        for (const auto& r : *fit) {
            fit_rule f;
            f.name = r.text_or("name", "");
            f.points = need_number(r, "points");
            f.group = r.text_or("group", "fit");
            f.when = read_condition(r);
            cfg::finish(r);
            check_rule(r, rules, index, f.group, [&](points_rules& one) { one.fit = {f}; });
            rules.fit.push_back(std::move(f));
        }
    }
    if (auto engagement = s.sections("engagement")) {
        for (const auto& r : *engagement) {
            engagement_rule e = read_engagement_rule(r);
            check_rule(r, rules, index, e.group, [&](points_rules& one) { one.engagement = {e}; });
            rules.engagement.push_back(std::move(e));
        }
    }
    cfg::finish(s);
    return checked(s, [&] { return points_policy(std::move(rules)); });
}

grade_policy read_grade(const config_section& s) {
    grade_profile p;
    p.name = s.text_or("name", ""); // in a part, the part's name names the profile too
    if (const auto text = s.text("start")) {
        const auto g = parse_letter_grade(*text);
        if (!g) s.fail("start", "must be a letter grade from F to A+ (F, D-, D, D+, …, A, A+), not \"" + *text + "\"");
        p.start = *g;
    }
    if (auto criteria = s.sections("criteria")) {
        for (const auto& r : *criteria) {
            grade_criterion c;
            c.name = r.text_or("name", "");
            r.require("thirds");
            c.thirds = static_cast<int>(*r.integer("thirds", -12, 12));
            c.when = read_condition(r);
            cfg::finish(r);
            checked(r, [&] {
                grade_profile one{p.name, p.start, {c}}; // not a copy of p: checks stay linear
                return grade_policy(std::move(one));
            });
            p.criteria.push_back(std::move(c));
        }
    }
    cfg::finish(s);
    return checked(s, [&] { return grade_policy(std::move(p)); });
}

std::vector<component> read_components(const config_section& s, std::size_t depth) {
    std::vector<component> parts;
    s.require("parts");
    const auto tables = s.sections("parts"); // named: a range-for over *s.sections(…) would use a destroyed temporary
    for (const auto& p : *tables) {
        component c;
        c.name = need_text(p, "name");
        c.weight = p.number_or("weight", 1.0);
        c.policy = read_scoring(p, depth + 1);
        parts.push_back(std::move(c));
    }
    return parts;
}

scoring_policy read_model(const config_section& s) {
    const config_context& ctx = cfg::context(s);
    model_reference ref;
    ref.key = s.path();
    ref.line = cfg::line_of(s, "file");
    const std::filesystem::path file(need_text(s, "file"));
    ref.file = file;
    ref.resolved = file.is_absolute() || ctx.folder.empty() ? file : ctx.folder / file;
    cfg::finish(s);
    const auto fail = [&](const std::string& reason) { cfg::fail_at(s, ref.line, s.key_path("file"), reason); };
    if (!ctx.options->load_model) fail("a model file is referenced, but no model loader was given");
    ctx.models->push_back(ref);
    scoring_policy p;
    try {
        p = ctx.options->load_model(ref);
    } catch (const error& e) {
        fail(std::string("cannot load the model: ") + e.what());
    }
    if (!p) fail("the model loader gave no policy");
    return p;
}

// A grid axis: a scoring part with the thresholds that band its score and a label per band.
grid_axis read_axis(const config_section& s, std::string_view key, std::size_t depth) {
    s.require(key);
    const auto a = s.section(key);
    grid_axis axis;
    axis.name = a->text_or("name", std::string(key));
    a->require("thresholds");
    axis.thresholds = *a->numbers("thresholds");
    a->require("labels");
    axis.labels = *a->texts("labels");
    axis.policy = read_scoring(*a, depth + 1); // reads the part's own keys, then refuses unknown ones
    return axis;
}

// A calibration map: kind = "logistic" (a, b) or "piecewise_linear" (x, y).
calibration_map read_calibration(const config_section& c) {
    enum class kind { logistic, piecewise_linear };
    c.require("kind");
    const auto k = *choice<kind>(c, "kind", {{"logistic", kind::logistic}, {"piecewise_linear", kind::piecewise_linear}});
    calibration_map map;
    if (k == kind::logistic) {
        const double a = need_number(c, "a");
        const double b = need_number(c, "b");
        map = checked(c, [&] { return calibration_map::logistic(a, b); });
    } else {
        c.require("x");
        c.require("y");
        auto x = *c.numbers("x");
        auto y = *c.numbers("y");
        map = checked(c, [&] { return calibration_map::piecewise_linear(std::move(x), std::move(y)); });
    }
    cfg::finish(c);
    return map;
}

scoring_policy read_grid(const config_section& s, std::size_t depth) {
    grid_axis fit = read_axis(s, "fit", depth);
    grid_axis engagement = read_axis(s, "engagement", depth);
    std::vector<double> values = s.numbers("values").value_or(std::vector<double>{});
    cfg::finish(s);
    return checked(s, [&] { return grid_policy(std::move(fit), std::move(engagement), std::move(values)); });
}

scoring_policy read_calibrated(const config_section& s, std::size_t depth) {
    s.require("raw");
    scoring_policy raw = read_scoring(*s.section("raw"), depth + 1);
    s.require("calibration");
    calibration_map map = read_calibration(*s.section("calibration"));
    cfg::finish(s);
    return checked(s, [&] { return calibrated_policy(std::move(raw), std::move(map)); });
}

} // namespace

scoring_policy read_scoring(const config_section& s, std::size_t depth) {
    check_depth(s, depth);
    const auto kind = read_kind<scoring_policy>(s, scoring_words, scoring_registry());
    if (kind.reader) return read_registered(s, kind.reader);
    switch (static_cast<scoring_kind>(kind.word)) {
    case scoring_kind::points: return read_points(s);
    case scoring_kind::grade: return read_grade(s);
    case scoring_kind::model: return read_model(s);
    case scoring_kind::weighted_sum: {
        const double bias = s.number_or("bias", 0.0);
        auto parts = read_components(s, depth);
        cfg::finish(s);
        return checked(s, [&] { return weighted_sum_policy(std::move(parts), bias); });
    }
    case scoring_kind::max: {
        auto parts = read_components(s, depth);
        cfg::finish(s);
        return checked(s, [&] { return max_policy(std::move(parts)); });
    }
    case scoring_kind::grid: return read_grid(s, depth);
    case scoring_kind::calibrated: return read_calibrated(s, depth);
    }
    s.fail("unreachable");
}

} // namespace leadscore::detail
