#pragma once
// A scoring policy written by an analyst: "value at stake" = expected deal value, halved for every 14 days
// since the lead last did anything (0 without any activity or value). Used by examples/custom_policy.cpp and by
// the tests, which hold it to the same contract as the built-in policies.
#include <leadscore/core/error.hpp>
#include <leadscore/core/lead_table.hpp>
#include <leadscore/scoring/policy.hpp>

#include <cmath>
#include <cstdint>
#include <span>

namespace leadscore_example {

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

} // namespace leadscore_example
