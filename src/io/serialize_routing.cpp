// The export-key registry of routing policies, with the built-ins registered on first use.

#include "leadscore/io/serialize_routing.hpp"

#include <functional>

namespace leadscore {
namespace detail {

namespace {

template <class P>
void add(codec_registry<routing_policy>& r, const char* key, std::function<P()> blank) {
    r.add(make_any_codec<routing_policy, P>(key, std::move(blank)));
}

} // namespace

codec_registry<routing_policy>& routing_codecs() {
    static codec_registry<routing_policy> r("routing_policy", "register_routing_policy");
    static const bool built_ins = [] {
        add<round_robin_policy>(r, "leadscore.round_robin", [] { return round_robin_policy(); });
        add<weighted_policy>(r, "leadscore.weighted", [] { return weighted_policy(); });
        add<rule_policy<round_robin_policy>>(r, "leadscore.rules",
                                             [] { return rule_policy<round_robin_policy>(routing_rules{}); });
        add<rule_policy<weighted_policy>>(r, "leadscore.weighted_rules",
                                          [] { return rule_policy<weighted_policy>(routing_rules{}); });
        return true;
    }();
    (void)built_ins;
    return r;
}

} // namespace detail
} // namespace leadscore
