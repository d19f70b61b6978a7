// A first look at leadscore: a few leads as CRM objects, turned into a columnar lead_table,
// then counted by source straight from the table's source column.
#include <leadscore/core/lead.hpp>
#include <leadscore/core/lead_table.hpp>
#include <leadscore/core/schema.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

int main() {
    using namespace leadscore;

    const auto make_lead = [](std::string id, std::string source, std::string stage) {
        lead l;
        l.id = std::move(id);
        l.source = std::move(source);
        l.stage = std::move(stage);
        return l;
    };
    std::vector<lead> leads{
        make_lead("L-1", "referral", "mql"),
        make_lead("L-2", "webinar", "lead"),
        make_lead("L-3", "referral", "sql"),
        make_lead("L-4", "trade_show", "suspect"),
        make_lead("L-5", "webinar", "opportunity"),
    };
    leads[1].party = party_kind::organization;
    leads[1].contact.company = "Acme GmbH";
    leads[2].timeframe = purchase_timeframe::now();
    leads[4].expected_value = 25000.0;

    const lead_table table = lead_table::from_leads(leads);

    // Categorical columns hold int32 codes into a per-column dictionary.
    const std::size_t source_col = *table.table_schema().find(field_role::source);
    const dictionary& names = table.dict(source_col);
    std::map<std::string, int> by_source; // sorted, so the output is stable
    for (const std::int32_t code : table.codes(source_col))
        ++by_source[code == missing_code ? std::string("(unknown)") : std::string(names[code])];

    std::printf("%zu leads, %zu fields\n", table.rows(), table.table_schema().size());
    for (const auto& [source, count] : by_source) std::printf("  %-12s %d\n", source.c_str(), count);
    return 0;
}
