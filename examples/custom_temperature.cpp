// A temperature policy written by an analyst: "recent activity" — hot when the lead did something in the last
// 3 days and scores at least 15 points, warm when its last activity is at most 14 days old, cold otherwise, unknown
// for a lead that never did anything. It runs through the same batch engine as the built-in policies: directly,
// behind the type-erased temperature_policy a CRM configures at run time, and inside a combination with the
// purchase-timeframe rule.
#include <leadscore/leadscore.hpp>

#include <array>
#include <cstdio>
#include <limits>
#include <utility>
#include <string>
#include <vector>

using namespace leadscore;

struct recent_activity {
    std::int64_t hot_days = 3, warm_days = 14;
    double hot_score = 15;

    // 1. The reason table: a rating's `reason` indexes it, so a CRM can store the code and show the text later.
    [[nodiscard]] std::vector<std::string> reasons() const {
        return {"no activity yet", "active in the last 3 days, score 15+", "active in the last 14 days",
                "no activity for over 14 days"};
    }

    // 2. The rater: bound to one batch, it rates one lead at a given score. Everything per batch is resolved in bind.
    struct rater {
        table_view rows;
        std::int64_t as_of, hot_after, warm_after;
        double hot_score;

        [[nodiscard]] rating rate(std::size_t row, double score) const {
            std::int64_t last = std::numeric_limits<std::int64_t>::min();
            for (const auto& e : rows.events_of(row))
                if (e.time <= as_of) last = e.time; // sorted by time; events after as_of do not exist yet
            if (last == std::numeric_limits<std::int64_t>::min()) return {temperature::unknown, 0, 0};
            if (last >= hot_after && score >= hot_score) return {temperature::hot, 0, 1}; // NaN score: not hot
            if (last >= warm_after) return {temperature::warm, 0, 2};
            return {temperature::cold, 0, 3};
        }
    };

    [[nodiscard]] rater bind(const rating_input& in, const batch_options& o) const {
        const std::int64_t now = to_seconds(o.as_of);
        return {in.rows, now, now - hot_days * 86400, now - warm_days * 86400, hot_score};
    }
};
static_assert(TemperaturePolicy<recent_activity>);

int main() {
    const auto crm = generate_crm({.leads = 20000, .seed = 3});
    const auto rows = crm.leads.view();
    const batch_options options{.as_of = crm.horizon};

    // Points for the score the policy reads: 10 a meeting, 5 a form, 2 a page visit, halved every 30 days.
    points_rules rules;
    rules.groups = {{"engagement", decay_rule::half_life(30), {}, {}}};
    for (const auto& [type, points] : {std::pair{"meeting_booked", 10.0}, {"form_submitted", 5.0}, {"page_visited", 2.0}}) {
        engagement_rule r;
        r.event_type = type;
        r.points = points;
        rules.engagement.push_back(r);
    }
    const points_policy points(rules);
    const auto scores = score_batch(points, rows, options);
    const rating_input input{rows, scores, points.scale()};

    // Directly: the engine is instantiated for recent_activity, no virtual call anywhere.
    const auto direct = rate_batch(recent_activity{}, input, options);
    // Chosen at run time: one virtual call per batch.
    const temperature_policy configured = recent_activity{};
    const auto erased = rate_batch(configured, input, options);
    // Combined: the sales rule (needs it now: hot; decides within 60 days: warm) or recent activity, the hotter.
    const auto combined = rate_batch(hottest_of({{"timeframe", purchase_timeframe_policy()}, {"activity", configured}}),
                                     input, options);

    const auto a = count_temperatures(direct), b = count_temperatures(combined);
    std::printf("as of %s, %zu leads         cold   warm    hot  unknown\n", format_timestamp(crm.horizon).c_str(),
                rows.rows());
    std::printf("  recent activity            %6zu %6zu %6zu %6zu\n", a[0], a[1], a[2], a[3]);
    std::printf("  hottest of timeframe, it   %6zu %6zu %6zu %6zu\n", b[0], b[1], b[2], b[3]);
    const auto reasons = configured.reasons();
    const auto by_reason = count_reasons(direct, reasons.size());
    for (std::size_t i = 0; i < reasons.size(); ++i) std::printf("  %6zu  %s\n", by_reason[i], reasons[i].c_str());

    // The paths agree, and combining never makes a lead colder than its recent activity.
    for (std::size_t r = 0; r < rows.rows(); ++r) {
        const bool colder = is_defined(direct[r].level) &&
                            (!is_defined(combined[r].level) || combined[r].level < direct[r].level);
        if (direct[r] != erased[r] || colder) {
            std::printf("mismatch at row %zu\n", r);
            return 1;
        }
    }
    return 0;
}
