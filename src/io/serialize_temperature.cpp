// The registries of temperature and qualification policies, with the built-ins registered for archives on first use.

#include "leadscore/io/serialize_temperature.hpp"

#include <functional>

namespace leadscore {
namespace detail {

namespace {

// Values a loaded policy replaces: the smallest valid value of each built-in.
temperature_policy blank_inner() { return purchase_timeframe_policy(); }

} // namespace

policy_registry<temperature_policy>& temperature_registry() {
    static policy_registry<temperature_policy> r("temperature_policy", "register_temperature_policy",
                                                 "register_temperature_config");
    static const bool built_ins = [] {
        add_any_codec<purchase_timeframe_policy>(r, "leadscore.purchase_timeframe",
                                                 [] { return purchase_timeframe_policy(); });
        add_any_codec<score_band_policy>(r, "leadscore.score_bands", [] {
            return score_band_policy(score_bands{score_scale::points, 0, 1});
        });
        add_any_codec<relative_band_policy>(r, "leadscore.relative_bands", [] { return relative_band_policy(); });
        add_any_codec<hysteresis_policy>(r, "leadscore.hysteresis", [] {
            return hysteresis_policy(blank_inner(), hysteresis_rule{std::nullopt, 1});
        });
        add_any_codec<combined_temperature_policy>(r, "leadscore.combined", [] {
            return hottest_of({temperature_part{"x", blank_inner()}});
        });
        add_any_codec<rating_field_policy>(r, "leadscore.rating_field",
                                           [] { return rating_field_policy(rating_field_rule{.field = "rating"}); });
        return true;
    }();
    (void)built_ins;
    return r;
}

policy_registry<qualification_policy>& qualification_registry() {
    static policy_registry<qualification_policy> r("qualification_policy", "register_qualification_policy",
                                                   "register_qualification_config");
    static const bool built_ins = [] {
        add_any_codec<default_qualification_policy>(r, "leadscore.default_qualification",
                                                    [] { return default_qualification_policy(); });
        return true;
    }();
    (void)built_ins;
    return r;
}

} // namespace detail
} // namespace leadscore

namespace leadscore {
// The archive functions of the temperature types, which the header declares extern.
LEADSCORE_ARCHIVE_FUNCTIONS(, temperature_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, purchase_timeframe_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, score_band_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, relative_band_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, hysteresis_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, combined_temperature_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, rating_field_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, trend_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, qualification_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, default_qualification_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, stage_map);
} // namespace leadscore
