// The export-key registry of routing policies, with the built-ins registered on first use.

#include "leadscore/io/serialize_routing.hpp"

#include <functional>

namespace leadscore {
namespace detail {

codec_registry<routing_policy>& routing_codecs() {
    static codec_registry<routing_policy> r("routing_policy", "register_routing_policy");
    static const bool built_ins = [] {
        r.add<round_robin_policy>("leadscore.round_robin", [] { return round_robin_policy(); });
        r.add<weighted_policy>("leadscore.weighted", [] { return weighted_policy(); });
        r.add<rule_policy<round_robin_policy>>("leadscore.rules",
                                               [] { return rule_policy<round_robin_policy>(routing_rules{}); });
        r.add<rule_policy<weighted_policy>>("leadscore.weighted_rules",
                                            [] { return rule_policy<weighted_policy>(routing_rules{}); });
        return true;
    }();
    (void)built_ins;
    return r;
}

} // namespace detail
} // namespace leadscore
