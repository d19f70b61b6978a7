// The demo report's lifecycle sections: temperatures and lifecycle classes, the crossings of a run a week later, and
// the routing of hot and warm leads to reps.

#include "demo.hpp"
#include "output.hpp"

#include "leadscore/qualification/crossings.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/weighted.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

namespace leadscore::cli::demo {

namespace {

/// The sales rule (hot: needs it now; warm: decides within 60 days) or the points score (warm from 25, hot from
/// 45), whichever is hotter; a lead changes band only past a margin of 3 points or after 2 runs in a row.
temperature_policy demo_temperature() {
    return hysteresis_policy(hottest_of({{"timeframe", purchase_timeframe_policy()},
                                         {"score", score_band_policy(score_bands{score_scale::points, 25, 45})}}),
                             hysteresis_rule{3.0, 2});
}

/// One scoring run: points scores, temperatures (hysteresis reading `previous`) and qualifications.
struct scoring_run {
    timestamp as_of{};
    std::vector<double> scores;
    std::vector<rating> ratings;
    std::vector<qualification> stages;
};

scoring_run run_once(const lead_table& leads, timestamp as_of, std::span<const rating> previous = {}) {
    const points_policy points(demo_rules());
    const default_qualification_policy qualify;
    const batch_options o{.as_of = as_of};
    scoring_run r{as_of, {}, {}, {}};
    r.scores = score_batch(points, leads.view(), o);
    r.ratings = rate_batch(demo_temperature(), rating_input{leads.view(), r.scores, points.scale(), previous}, o);
    r.stages = qualify_batch(qualify, qualification_input{leads.view(), r.scores, r.ratings}, o);
    return r;
}

} // namespace

void section_temperature(const demo_context& ctx, std::ostream& out) {
    const auto run = run_once(ctx.crm.leads, ctx.crm.horizon);
    out << "  temperature: purchase timeframe (hot: now; warm: within 60 days) or points score (warm from 25, hot\n"
           "  from 45), whichever is hotter, with hysteresis (3 points or 2 runs); closed leads show how each band\n"
           "  converted\n\n";
    struct tally {
        std::size_t leads = 0, open = 0, closed = 0, won = 0;
    };
    std::array<tally, 4> t{};
    for (std::size_t r = 0; r < ctx.rows(); ++r) {
        auto& x = t[static_cast<std::size_t>(run.ratings[r].level)];
        ++x.leads;
        const auto res = result_of(ctx, r);
        x.open += res == result::open ? 1 : 0;
        x.closed += res != result::open ? 1 : 0;
        x.won += res == result::won ? 1 : 0;
    }
    text_table tab({{"temperature"},
                    {"leads", text_table::align::right},
                    {"open", text_table::align::right},
                    {"closed", text_table::align::right},
                    {"win rate", text_table::align::right}});
    for (const auto level : {temperature::hot, temperature::warm, temperature::cold, temperature::unknown}) {
        const auto& x = t[static_cast<std::size_t>(level)];
        if (level == temperature::unknown && x.leads == 0) continue;
        tab.add_row({std::string(to_string(level)), std::to_string(x.leads), std::to_string(x.open),
                     std::to_string(x.closed),
                     format_percent(static_cast<double>(x.won), static_cast<double>(x.closed))});
    }
    tab.print(out);

    out << "\n  lifecycle (default qualification policy; won, lost and opportunities are beyond it):\n\n";
    const default_qualification_policy qualify;
    const auto classes = count_lifecycle(run.stages);
    std::vector<std::size_t> by_reason(qualify.reasons().size());
    for (const auto& q : run.stages) ++by_reason[q.reason];
    text_table life({{"class"}, {"leads", text_table::align::right}, {"share", text_table::align::right}});
    for (std::size_t c = 0; c < lifecycle_count; ++c)
        life.add_row({std::string(to_string(static_cast<lifecycle>(c))), std::to_string(classes[c]),
                      format_percent(static_cast<double>(classes[c]), static_cast<double>(ctx.rows()))});
    life.print(out);
    out << "\n  most frequent reasons:\n\n";
    std::vector<std::size_t> order(by_reason.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return by_reason[a] > by_reason[b]; });
    text_table why({{"reason"}, {"leads", text_table::align::right}});
    for (std::size_t i = 0; i < std::min<std::size_t>(5, order.size()) && by_reason[order[i]] > 0; ++i)
        why.add_row({qualify.reasons()[order[i]], std::to_string(by_reason[order[i]])});
    why.print(out);
}

void section_crossings(const demo_context& ctx, std::ostream& out) {
    // The same CRM observed a week later: more events, moved stages, the same lead ids.
    generator_options g;
    g.leads = ctx.options.leads;
    g.seed = ctx.options.seed;
    g.follow_up_days = 7;
    const generated_crm later = generate_crm(g);

    const auto before = run_once(ctx.crm.leads, ctx.crm.horizon);
    const auto match = match_rows(ctx.crm.leads.view(), later.leads.view());
    const auto previous = previous_ratings(before.ratings, match);
    const auto after = run_once(later.leads, later.horizon, previous);

    crossing_rules rules;
    rules.score_thresholds = {25, 45};
    rules.new_leads = false;
    const auto list = find_crossings(later.leads.view(),
                                     evaluation{before.as_of, before.scores, before.ratings, before.stages},
                                     evaluation{after.as_of, after.scores, after.ratings, after.stages}, rules, match,
                                     batch_options{.as_of = later.horizon});
    out << "  a second run on " << format_timestamp(later.horizon, false)
        << ", one week later: each change is listed once, for the CRM to act on\n\n";
    // A stage crossing is the policy's own proposal (a lead turned hot or warm, an explicit reason) or a stage that
    // sales moved in the CRM during the week, which the policy keeps.
    const default_qualification_policy qualify;
    const auto by_policy = [&](const crossing& c) {
        const auto reason = after.stages[c.row].reason;
        return reason != default_qualification_policy::past && reason != default_qualification_policy::no_step_back &&
               reason != default_qualification_policy::parked;
    };
    std::size_t to_hot = 0, cooled = 0, to_sql = 0, to_mql = 0, parked = 0, moved = 0, up = 0, down = 0;
    for (const auto& c : list) {
        switch (c.kind) {
        case crossing_kind::score: (c.upward() ? up : down) += 1; break;
        case crossing_kind::temperature:
            to_hot += c.to_temperature == temperature::hot ? 1 : 0;
            cooled += c.upward() ? 0 : 1;
            break;
        case crossing_kind::stage:
            if (!by_policy(c)) {
                ++moved;
                break;
            }
            to_sql += c.to_category == lifecycle::sql ? 1 : 0;
            to_mql += c.to_category == lifecycle::mql ? 1 : 0;
            parked += c.to_category == lifecycle::rejected || c.to_category == lifecycle::nurture ? 1 : 0;
            break;
        }
    }
    text_table tab({{"crossing"}, {"leads", text_table::align::right}, {"action"}});
    tab.add_row({"turned hot", std::to_string(to_hot), "notify the owner"});
    tab.add_row({"cooled down", std::to_string(cooled), "-"});
    tab.add_row({"became sales-qualified", std::to_string(to_sql), "hand to sales"});
    tab.add_row({"became marketing-qualified", std::to_string(to_mql), "nurture campaign"});
    tab.add_row({"rejected or parked", std::to_string(parked), "-"});
    tab.add_row({"stage moved by sales in the CRM", std::to_string(moved), "-"});
    tab.add_row({"score passed 25 or 45 upward", std::to_string(up), "-"});
    tab.add_row({"score fell below 25 or 45", std::to_string(down), "-"});
    tab.print(out);

    out << "\n  the first hand-offs to sales:\n\n";
    text_table first({{"lead"}, {"owner"}, {"from"}, {"to"}, {"temperature"}, {"score", text_table::align::right},
                      {"reason"}});
    std::size_t shown = 0;
    for (const auto& c : list) {
        if (c.kind != crossing_kind::stage || c.to_category != lifecycle::sql || !by_policy(c) || shown == 5) continue;
        ++shown;
        first.add_row({c.lead_id, c.owner.empty() ? "-" : c.owner, std::string(to_string(c.from_category)),
                       std::string(to_string(c.to_category)), std::string(to_string(c.to_temperature)),
                       with_decimals(c.to_score, 1), qualify.reasons()[after.stages[c.row].reason]});
    }
    first.print(out);
}

void section_routing(const demo_context& ctx, std::ostream& out) {
    // Today's hot and warm open leads go to the reps of the lead's team, drawn in proportion to what is left of each
    // rep's daily quota (Odoo's rule: monthly capacity / 30); leads of a team nobody serves wait in a queue.
    const auto run = run_once(ctx.crm.leads, ctx.crm.horizon);
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < ctx.rows(); ++r)
        if (result_of(ctx, r) == result::open &&
            (run.ratings[r].level == temperature::hot || run.ratings[r].level == temperature::warm))
            rows.push_back(r);
    const lead_table batch = ctx.crm.leads.select(rows);

    // The reps: the owners of the generated CRM, each in the team it works for, capacities 1,200 to 3,000 a month.
    routing_state state;
    const auto& t = ctx.crm.leads;
    const auto owner_col = categorical_role(t, field_role::owner), team_col = categorical_role(t, field_role::team);
    std::vector<std::string> teams;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const auto o = t.codes(owner_col)[r], tm = t.codes(team_col)[r];
        if (o == missing_code || tm == missing_code) continue;
        const std::string owner(t.dict(owner_col)[o]), team(t.dict(team_col)[tm]);
        if (state.find_rep(owner)) continue;
        const auto k = static_cast<std::int64_t>(state.reps.size());
        state.add_rep({.name = owner, .team = team, .capacity = 1200 + 600 * (k % 4)});
        if (std::find(teams.begin(), teams.end(), team) == teams.end()) teams.push_back(team);
    }
    std::sort(teams.begin(), teams.end());
    routing_rules rules;
    for (const auto& team : teams)
        rules.rules.push_back({"team " + team, {condition::equals("team", team)}, route_target::team(team)});
    state.add_team("inbox");
    rules.fallback = route_target::queue("inbox");
    const rule_policy<weighted_policy> policy(rules, weighted_policy({.seed = ctx.options.seed}));
    const auto decisions = route_batch(policy, batch.view(), state, routing_options{.as_of = ctx.crm.horizon});

    std::size_t assigned = 0;
    std::map<std::string, std::size_t> why_not;
    for (const auto& a : decisions) {
        if (a.assigned()) {
            ++assigned;
        } else {
            ++why_not[std::string(to_string(a.reason))];
        }
    }
    out << "  " << batch.rows() << " hot and warm open leads, routed by team to " << state.reps.size()
        << " reps (capacity-weighted, daily quota = monthly capacity / 30): " << assigned << " assigned";
    for (const auto& [reason, n] : why_not) out << ", " << n << " unassigned (" << reason << ")";
    out << "\n\n";
    text_table tab({{"rep"}, {"team"}, {"leads", text_table::align::right}, {"daily quota", text_table::align::right},
                    {"left", text_table::align::right}});
    for (const auto& l : loads(state, ctx.crm.horizon))
        if (l.daily_quota)
            tab.add_row({l.rep, l.team, std::to_string(l.last_24h), std::to_string(*l.daily_quota),
                         std::to_string(*l.remaining)});
    tab.print(out);
    if (!decisions.empty()) {
        const auto audit = route_audit(batch.view(), decisions, state, policy);
        out << "\n  every decision carries its reason, for example:\n";
        for (std::size_t i = 0; i < std::min<std::size_t>(2, audit.size()); ++i)
            out << "    " << audit[i].lead << ": " << audit[i].reason << '\n';
        for (const auto& a : audit)
            if (a.rep.empty()) {
                out << "    " << a.lead << ": " << a.reason << '\n';
                break;
            }
    }
}

} // namespace leadscore::cli::demo
