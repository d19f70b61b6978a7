// A tour of the domain types; docs/data.md shows this file, and the tests build and run it.
#include <leadscore/leadscore.hpp>

#include <cstdio>
#include <span>

int main() {
    using namespace leadscore;

    lead l;
    l.id = "L-1042";
    l.party = party_kind::organization;
    l.contact = {"Ada Lovelace", "ada@analytical.example", "+44 20 7946 0000", "Analytical Ltd", "CTO"};
    l.source = "trade_show";                          // a name from the source catalogue
    l.stage = "mql";                                  // a stage of the lead's funnel
    l.timeframe = purchase_timeframe::within(45);     // now(), within(days) or none()
    l.created = parse_timestamp("2026-03-02");
    l.expected_value = 12'500;
    l.attributes["employees"] = 250.0;                // typed: number, text, bool or timestamp
    l.events.push_back({*parse_timestamp("2026-03-04"), "pricing_page_visited", "/pricing"});

    source_catalogue sources;                         // the 23 built-in sources, each with a channel family
    sources.add({"Podcast sponsorship", channel_family::digital, "Podcast"});   // a CRM's own
    auto family = sources[sources.at(l.source)].family;                         // channel_family::event

    const funnel& f = funnel::standard();             // suspect → lead → mql → sql → opportunity → won; lost, rejected, nurture
    funnel mine({{"New", stage_kind::open}, {"Qualified", stage_kind::open}, {"Won", stage_kind::won}, {"Lost", stage_kind::lost}});
    // funnel({{"New", stage_kind::open}}) throws definition_error: "funnel: no won stage, so no lead can convert"

    lead_table table = lead_table::from_leads(std::span(&l, 1));   // columns; to_leads() gives the objects back

    std::printf("source family: %s; standard funnel: %zu stages; own funnel: %zu; table: %zu lead(s)\n",
                std::string(to_string(family)).c_str(), f.size(), mine.size(), table.rows());
    return 0;
}
