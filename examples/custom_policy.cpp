// A scoring policy written by an analyst (value_at_stake.hpp: expected deal value, halved for every 14 days
// since the lead last did anything) runs through the same batch engine as the built-in policies — directly,
// behind the type-erased scoring_policy a CRM configures at run time, and inside a composite.
#include "value_at_stake.hpp"

#include <leadscore/leadscore.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

using namespace leadscore;
using leadscore_example::value_at_stake;

int main() {
    generator_options g;
    g.leads = 20000;
    const auto crm = generate_crm(g);
    const auto rows = crm.leads.view();

    batch_options options;
    options.as_of = crm.horizon;

    // Directly: the engine is instantiated for value_at_stake, no virtual call anywhere.
    const std::vector<double> direct = score_batch(value_at_stake{}, rows, options);

    // Chosen at run time: the same loop runs behind one virtual call per batch.
    const scoring_policy configured = value_at_stake{};
    const std::vector<double> erased = score_batch(configured, rows, options);

    // Inside a composite: half the value at stake plus a flat 100 points.
    const weighted_sum_policy blended({{"value at stake", configured, 0.5}}, 100.0);
    const std::vector<double> blend = score_batch(blended, rows, options);

    std::vector<std::size_t> order(rows.rows());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                      [&](std::size_t a, std::size_t b) { return direct[a] > direct[b] || (direct[a] == direct[b] && a < b); });

    const auto& ids = crm.leads.dict(*rows.table_schema().find(field_role::id));
    const auto id_codes = crm.leads.codes(*rows.table_schema().find(field_role::id));
    std::printf("top leads by value at stake, as of %s\n", format_timestamp(crm.horizon).c_str());
    for (std::size_t i = 0; i < 5; ++i) {
        const std::size_t r = order[i];
        std::printf("  %-10s %12.2f   (blended %10.2f)\n", std::string(ids[id_codes[r]]).c_str(), direct[r], blend[r]);
    }

    // The three paths agree: the type-erased wrapper changes nothing but how the policy was chosen.
    for (std::size_t r = 0; r < rows.rows(); ++r) {
        if (direct[r] != erased[r] || std::abs(blend[r] - (100.0 + 0.5 * direct[r])) > 1e-9 * (1 + direct[r])) {
            std::printf("mismatch at row %zu\n", r);
            return 1;
        }
    }
    const auto why = explain(configured, rows, order[0], crm.horizon);
    std::printf("why the top lead: %s = %.2f\n", why.factors.at(0).name.c_str(), why.factors.at(0).contribution);
    return 0;
}
