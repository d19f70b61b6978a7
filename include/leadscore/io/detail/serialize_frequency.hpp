#pragma once
// Archive descriptions of frequency tables and their policy (scoring/frequency.hpp). Internal: users include
// leadscore/io/serialize_scoring.hpp.

#include "leadscore/core/funnel.hpp"
#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/io/serialize_core.hpp" // stage_kind
#include "leadscore/scoring/frequency.hpp"

#include <boost/serialization/version.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

BOOST_CLASS_VERSION(leadscore::frequency_stage, 1)
BOOST_CLASS_VERSION(leadscore::frequency_variable, 1)
BOOST_CLASS_VERSION(leadscore::frequency_definition, 1)
BOOST_CLASS_VERSION(leadscore::frequency_tables, 1)
BOOST_CLASS_VERSION(leadscore::frequency_options, 1)
BOOST_CLASS_VERSION(leadscore::frequency_policy, 1)

namespace leadscore::detail::archive {

template <>
struct description<frequency_stage> {
    static constexpr const char* name = "frequency_stage";
    static void fields(auto& v, auto& s) {
        v("name", s.name);
        v("kind", s.kind);
        v("sequence", s.sequence);
        v("team", s.teams);
    }
};

template <>
struct description<frequency_variable> {
    static constexpr const char* name = "frequency_variable";
    static void fields(auto& v, auto& x) {
        v("field", x.field);
        v("unset_is_value", x.unset_is_value);
        v("separator", x.separator);
    }
};

template <>
struct description<frequency_definition> {
    static constexpr const char* name = "frequency_definition";
    static void fields(auto& v, auto& d) {
        v("stage", d.stages);
        v("variable", d.variables);
        v("smoothing", d.smoothing);
        v("stage_field", d.stage_field);
        v("team_field", d.team_field);
        v("outcome_field", d.outcome_field);
        v("lost_stage_field", d.lost_stage_field);
        v("id_field", d.id_field);
    }
};

/// The definition, then the rows as frequency_tables::rows() lists them: per row its team, variable and value (each
/// may be absent), then the counts as three columns (won, lost, leads).
template <>
struct description<frequency_tables> {
    static constexpr const char* name = "frequency_tables";
    static auto parts(const frequency_tables& t) {
        auto rows = t.rows();
        std::vector<std::int64_t> won, lost, leads;
        for (const auto& r : rows) {
            won.push_back(r.counts.won);
            lost.push_back(r.counts.lost);
            leads.push_back(r.leads);
        }
        return part_list(t.definition(), std::move(rows), std::move(won), std::move(lost), std::move(leads));
    }
    static void fields(auto& v, auto& definition, auto& rows, auto& won, auto& lost, auto& leads) {
        v("definition", definition);
        v("rows", records(rows, [](auto& v, auto& r) {
            v("team", r.team);
            v("variable", r.variable);
            v("value", r.value);
        }));
        v("won", won);
        v("lost", lost);
        v("leads", leads);
    }
    static frequency_tables make(frequency_definition definition, std::vector<frequency_row> rows,
                                 std::vector<std::int64_t> won, std::vector<std::int64_t> lost,
                                 std::vector<std::int64_t> leads) {
        const std::size_t n = rows.size();
        if (won.size() != n || lost.size() != n || leads.size() != n)
            fail("frequency_tables: " + std::to_string(n) + " rows but " + std::to_string(won.size()) + " won, " +
                 std::to_string(lost.size()) + " lost and " + std::to_string(leads.size()) + " lead counts");
        for (std::size_t i = 0; i < n; ++i) {
            rows[i].counts = {won[i], lost[i]};
            rows[i].leads = leads[i];
        }
        return frequency_tables(std::move(definition), rows);
    }
};

template <>
struct description<frequency_options> {
    static constexpr const char* name = "frequency_options";
    static void fields(auto& v, auto& o) {
        v("minimum_support", o.minimum_support);
        v("pooled_fallback", o.pooled_fallback);
        v("variable", flagged("some_variables", o.variables));
    }
};

template <>
struct description<frequency_policy> {
    static constexpr const char* name = "frequency_policy";
    static auto parts(const frequency_policy& p) { return part_list(p.tables(), p.options()); }
    static void fields(auto& v, auto& tables, auto& options) {
        v("tables", tables);
        v("options", options);
    }
    static frequency_policy make(frequency_tables tables, frequency_options options) {
        return frequency_policy(std::move(tables), std::move(options));
    }
};

} // namespace leadscore::detail::archive
