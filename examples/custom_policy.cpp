// A scoring policy written by an analyst: "value at stake" = expected deal value, halved for every 14 days
// since the lead last did anything. It runs through the same batch engine as the built-in policies —
// directly, behind the type-erased scoring_policy a CRM configures at run time, and inside a composite.
#include <leadscore/leadscore.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

namespace {

using namespace leadscore;

struct value_at_stake {
    double half_life_days = 14;

    // 1. Declare the scale: points (unbounded) or probability (0..1).
    [[nodiscard]] score_scale scale() const { return score_scale::points; }

    // 2. The scorer: bound to one table view, it scores one lead (a row). Columns are looked up once, in bind.
    struct scorer {
        std::span<const double> value;
        table_view rows;
        std::int64_t as_of;
        double half_life_seconds;

        [[nodiscard]] double score(std::size_t row) const {
            const double v = value[row];
            if (std::isnan(v)) return 0;
            std::int64_t last = missing_time;
            for (const auto& e : rows.events_of(row))
                if (e.time <= as_of) last = e.time; // events are sorted by time; later ones do not exist yet
            if (last == missing_time) return 0;
            return v * std::exp2(-static_cast<double>(as_of - last) / half_life_seconds);
        }

        // 3. Optional: a batch form. The engine finds it by itself; callers change nothing. Here it is the row
        //    form in a loop, which is what the engine would do anyway — a real one would work column-wise.
        void score_batch(std::size_t first, std::span<double> out) const {
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = score(first + i);
        }

        // 4. Optional: an explanation.
        [[nodiscard]] explanation explain(std::size_t row) const {
            explanation e;
            e.unit = "points";
            e.additive = true;
            e.score = e.total = score(row);
            e.factors = {{"expected value, decayed since the last activity", e.score}};
            return e;
        }
    };

    [[nodiscard]] scorer bind(const table_view& rows, timestamp as_of) const {
        const auto col = rows.table_schema().find(field_role::expected_value);
        if (!col) throw definition_error("value_at_stake: the table has no expected_value field");
        return {rows.numeric(*col), rows, to_seconds(as_of), half_life_days * 86400.0};
    }
};

static_assert(ScoringPolicy<value_at_stake>); // checked at compile time, with a readable error if not

} // namespace

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
