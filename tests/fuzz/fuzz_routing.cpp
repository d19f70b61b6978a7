// libFuzzer target for the routing file readers: a reps file and a rules file from any bytes. A reader may refuse
// input only with a leadscore::error; any other exception, a crash or a sanitizer report is a bug. Rules that were
// read must bind to the leads' schema and route a lead without an error.

#include "leadscore/core/lead.hpp"
#include "leadscore/io/routing_csv.hpp"
#include "leadscore/routing/policy.hpp"
#include "leadscore/routing/rules.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

leadscore::schema fuzz_schema() {
    using leadscore::field;
    using leadscore::field_type;
    const field attributes[] = {{"country", field_type::categorical},
                                {"temperature", field_type::categorical},
                                {"score", field_type::numeric},
                                {"active", field_type::boolean},
                                {"seen", field_type::timestamp}};
    return leadscore::schema::for_leads(attributes);
}

leadscore::routing_state fuzz_state() {
    leadscore::routing_state s;
    leadscore::rep_record ann;
    ann.name = "ann";
    ann.team = "dach";
    s.add_rep(ann);
    leadscore::rep_record bob;
    bob.name = "bob";
    s.add_rep(bob);
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    static const leadscore::schema leads = fuzz_schema();
    leadscore::routing_state state = fuzz_state();
    try {
        state = leadscore::read_reps_csv(text, "fuzz_reps.csv");
    } catch (const leadscore::error&) {
    }
    try {
        const auto rules = leadscore::read_routing_rules_csv(text, leads, state, "fuzz_rules.csv");
        try {
            const leadscore::rule_policy<> policy(rules);
            (void)leadscore::route_lead(policy, leadscore::lead{}, leads, state, leadscore::timestamp{});
        } catch (const leadscore::error&) {
            std::abort(); // rules the reader accepted must route
        }
    } catch (const leadscore::error&) {
    }
    return 0;
}
