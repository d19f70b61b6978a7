// The export-key registry of temperature policies, with the built-ins registered on first use.

#include "leadscore/io/serialize_temperature.hpp"

#include <functional>

namespace leadscore {
namespace detail {

namespace {

// Values a loaded policy replaces: the smallest valid value of each built-in.
temperature_policy blank_inner() { return purchase_timeframe_policy(); }

template <class P>
void add(codec_registry<temperature_policy>& r, const char* key, std::function<P()> blank) {
    r.add(make_any_codec<temperature_policy, P>(key, std::move(blank)));
}

} // namespace

codec_registry<temperature_policy>& temperature_codecs() {
    static codec_registry<temperature_policy> r("temperature_policy", "register_temperature_policy");
    static const bool built_ins = [] {
        add<purchase_timeframe_policy>(r, "leadscore.purchase_timeframe", [] { return purchase_timeframe_policy(); });
        add<score_band_policy>(r, "leadscore.score_bands",
                               [] { return score_band_policy(score_bands{score_scale::points, 0, 1}); });
        add<relative_band_policy>(r, "leadscore.relative_bands", [] { return relative_band_policy(); });
        add<hysteresis_policy>(r, "leadscore.hysteresis",
                               [] { return hysteresis_policy(blank_inner(), hysteresis_rule{std::nullopt, 1}); });
        add<combined_temperature_policy>(r, "leadscore.combined",
                                         [] { return hottest_of({temperature_part{"x", blank_inner()}}); });
        add<rating_field_policy>(r, "leadscore.rating_field",
                                 [] { return rating_field_policy(rating_field_rule{.field = "rating"}); });
        return true;
    }();
    (void)built_ins;
    return r;
}

} // namespace detail
} // namespace leadscore
