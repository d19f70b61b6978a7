// The registry of scoring policies, with the built-ins registered for archives on first use.

#include "leadscore/io/serialize_scoring.hpp"

#include <functional>

namespace leadscore {
namespace detail {

namespace {

// Values a loaded policy replaces: the smallest valid value of each built-in.
logistic_policy blank_logistic() { return logistic_policy(logistic_model{}); }

points_policy blank_points() {
    points_rules r;
    r.fit.push_back({"", condition::is_missing("x"), 0, "fit"});
    return points_policy(std::move(r));
}

grade_policy blank_grade() {
    grade_profile p;
    p.criteria.push_back({"", condition::is_missing("x"), 0});
    return grade_policy(std::move(p));
}

frequency_policy blank_frequency() {
    frequency_definition d;
    d.stages = frequency_stages(std::vector<std::string>{"open"}, std::vector<std::string>{"won"});
    return frequency_policy(frequency_tables(std::move(d)));
}

std::vector<component> blank_parts() { return {component{"x", blank_logistic(), 1.0}}; }

grid_axis blank_axis() { return grid_axis{"x", blank_logistic(), {0.5}, {"low", "high"}}; }

} // namespace

policy_registry<scoring_policy>& scoring_registry() {
    static policy_registry<scoring_policy> r("scoring_policy", "register_scoring_policy", "register_scoring_config");
    static const bool built_ins = [] {
        add_any_codec<points_policy>(r, "leadscore.points", blank_points);
        add_any_codec<grade_policy>(r, "leadscore.grade", blank_grade);
        add_any_codec<logistic_policy>(r, "leadscore.logistic", blank_logistic);
        add_any_codec<frequency_policy>(r, "leadscore.frequency", blank_frequency);
        add_any_codec<tree_ensemble_policy>(r, "leadscore.trees", [] { return tree_ensemble_policy(tree_ensemble{}); });
        add_any_codec<weighted_sum_policy>(r, "leadscore.weighted_sum", [] { return weighted_sum_policy(blank_parts()); });
        add_any_codec<max_policy>(r, "leadscore.max", [] { return max_policy(blank_parts()); });
        add_any_codec<grid_policy>(r, "leadscore.grid", [] { return grid_policy(blank_axis(), blank_axis()); });
        add_any_codec<calibrated_policy>(r, "leadscore.calibrated",
                                         [] { return calibrated_policy(blank_logistic(), calibration_map()); });
        return true;
    }();
    (void)built_ins;
    return r;
}

} // namespace detail
} // namespace leadscore

namespace leadscore {
// The archive functions of the scoring types, which the header declares extern.
LEADSCORE_ARCHIVE_FUNCTIONS(, condition);
LEADSCORE_ARCHIVE_FUNCTIONS(, scoring_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, points_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, grade_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, logistic_model);
LEADSCORE_ARCHIVE_FUNCTIONS(, logistic_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, frequency_tables);
LEADSCORE_ARCHIVE_FUNCTIONS(, frequency_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, tree_ensemble);
LEADSCORE_ARCHIVE_FUNCTIONS(, tree_ensemble_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, weighted_sum_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, max_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, grid_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, calibration_map);
LEADSCORE_ARCHIVE_FUNCTIONS(, calibrated_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, calibration_fit);
LEADSCORE_ARCHIVE_FUNCTIONS(, learned_encoder);
LEADSCORE_ARCHIVE_FUNCTIONS(, fit_report);
} // namespace leadscore
