// Uses leadscore the way an application would; exits non-zero when something is off.
#include <leadscore/core/funnel.hpp>
#include <leadscore/core/lead.hpp>
#include <leadscore/core/lead_table.hpp>
#include <leadscore/core/schema.hpp>
#include <leadscore/version.hpp>

#include <cstdio>
#include <vector>

int main() {
    using namespace leadscore;
    int failures = 0;
    const auto expect = [&](bool ok, const char* what) {
        if (!ok) {
            std::fprintf(stderr, "consumer: FAILED: %s\n", what);
            ++failures;
        }
    };

    const funnel& f = funnel::standard();
    expect(f.find("won").has_value(), "the standard funnel has a won stage");
    expect(f.find("MQL").has_value(), "stage names are found case-insensitively");

    std::vector<lead> leads(2);
    leads[0].id = "L-1";
    leads[0].source = "referral";
    leads[0].stage = "mql";
    leads[0].expected_value = 1200.0;
    leads[1].id = "L-2";
    leads[1].party = party_kind::organization;
    leads[1].source = "webinar";
    leads[1].timeframe = purchase_timeframe::within(30);

    const lead_table table = lead_table::from_leads(leads);
    expect(table.rows() == 2, "the table has two rows");
    const auto src = table.table_schema().find(field_role::source);
    expect(src.has_value(), "the table has a source field");
    if (src) {
        const auto codes = table.codes(*src);
        expect(codes.size() == 2 && table.dict(*src)[codes[1]] == "webinar", "row 2's source reads back");
    }
    expect(table.to_leads() == leads, "leads survive a round trip through the table");

    std::printf("leadscore %s: %zu leads, %zu funnel stages\n", version_string, table.rows(), f.size());
    return failures == 0 ? 0 : 1;
}
