// The registry of routing policies, with the built-ins registered for archives on first use.

#include "leadscore/io/serialize_routing.hpp"

#include <functional>

namespace leadscore {
namespace detail {

policy_registry<routing_policy>& routing_registry() {
    static policy_registry<routing_policy> r("routing_policy", "register_routing_policy", "register_routing_config");
    static const bool built_ins = [] {
        add_any_codec<round_robin_policy>(r, "leadscore.round_robin", [] { return round_robin_policy(); });
        add_any_codec<weighted_policy>(r, "leadscore.weighted", [] { return weighted_policy(); });
        add_any_codec<rule_policy<round_robin_policy>>(r, "leadscore.rules",
                                                       [] { return rule_policy<round_robin_policy>(routing_rules{}); });
        add_any_codec<rule_policy<weighted_policy>>(r, "leadscore.weighted_rules",
                                                    [] { return rule_policy<weighted_policy>(routing_rules{}); });
        return true;
    }();
    (void)built_ins;
    return r;
}

} // namespace detail
} // namespace leadscore

namespace leadscore {
// The archive functions of the routing types, which the header declares extern.
LEADSCORE_ARCHIVE_FUNCTIONS(, routing_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, round_robin_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, weighted_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(, rule_policy<round_robin_policy>);
LEADSCORE_ARCHIVE_FUNCTIONS(, rule_policy<weighted_policy>);
LEADSCORE_ARCHIVE_FUNCTIONS(, routing_rules);
LEADSCORE_ARCHIVE_FUNCTIONS(, routing_state);
} // namespace leadscore
