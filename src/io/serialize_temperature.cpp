// The export-key registry of temperature policies, with the built-ins registered on first use.

#include "leadscore/io/serialize_temperature.hpp"

#include <functional>

namespace leadscore {
namespace detail {

namespace {

// Values a loaded policy replaces: the smallest valid value of each built-in.
temperature_policy blank_inner() { return purchase_timeframe_policy(); }

} // namespace

codec_registry<temperature_policy>& temperature_codecs() {
    static codec_registry<temperature_policy> r("temperature_policy", "register_temperature_policy");
    static const bool built_ins = [] {
        r.add<purchase_timeframe_policy>("leadscore.purchase_timeframe", [] { return purchase_timeframe_policy(); });
        r.add<score_band_policy>("leadscore.score_bands", [] {
            return score_band_policy(score_bands{score_scale::points, 0, 1});
        });
        r.add<relative_band_policy>("leadscore.relative_bands", [] { return relative_band_policy(); });
        r.add<hysteresis_policy>("leadscore.hysteresis", [] {
            return hysteresis_policy(blank_inner(), hysteresis_rule{std::nullopt, 1});
        });
        r.add<combined_temperature_policy>("leadscore.combined", [] {
            return hottest_of({temperature_part{"x", blank_inner()}});
        });
        r.add<rating_field_policy>("leadscore.rating_field",
                                   [] { return rating_field_policy(rating_field_rule{.field = "rating"}); });
        return true;
    }();
    (void)built_ins;
    return r;
}

} // namespace detail
} // namespace leadscore
