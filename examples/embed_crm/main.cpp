// Embedding leadscore in a CRM: the CRM keeps its leads in its own arrays; leadscore reads them where they are
// (no copy), scores them in batch, rates their temperature and routes the hot and warm ones to the CRM's reps, reading
// scores and temperatures as columns next to the CRM's own.
// Built against the *installed* package with find_package (see CMakeLists.txt next to this file).
#include <leadscore/leadscore.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace leadscore;

namespace crm {

/// How this CRM stores its leads: one array per attribute (it also keeps its own ids and country texts).
struct lead_store {
    std::vector<std::string> ids;
    std::vector<double> employees;
    std::vector<double> timeframe_days; ///< NaN: no timeframe stated
    std::vector<std::int32_t> country;  ///< codes into `countries`
    dictionary countries;
    dictionary id_texts;
    std::vector<std::int32_t> id_codes;

    void add(std::string id, double staff, double timeframe, std::string_view land) {
        id_codes.push_back(id_texts.intern(id));
        ids.push_back(std::move(id));
        employees.push_back(staff);
        timeframe_days.push_back(timeframe);
        country.push_back(countries.intern(land));
    }
};

} // namespace crm

int main() {
    // The CRM's data: 10,000 leads made up on the spot.
    crm::lead_store store;
    const char* lands[] = {"DE", "AT", "FR", "US", "GB"};
    for (int i = 0; i < 10000; ++i) {
        const double timeframe = i % 7 == 0 ? 0.0 : i % 3 == 0 ? 30.0 + i % 90 : NAN;
        store.add("crm-" + std::to_string(i), 5.0 + (i * 37) % 2000, timeframe, lands[(i * 13) % 5]);
    }

    // 1. Describe the arrays and bind them to a table_view: spans over the CRM's memory, nothing copied.
    const schema fields({{"id", field_type::categorical, field_role::id},
                         {"employees", field_type::numeric, field_role::none},
                         {"purchase_timeframe", field_type::numeric, field_role::purchase_timeframe},
                         {"country", field_type::categorical, field_role::none}});
    table_view leads(fields, store.ids.size());
    leads.set_categorical(0, store.id_codes, store.id_texts);
    leads.set_numeric(1, store.employees);
    leads.set_numeric(2, store.timeframe_days);
    leads.set_categorical(3, store.country, store.countries);

    // 2. Score in batch: fit points for company size and territory.
    points_rules rules;
    rules.fit = {{"200+ employees", condition::at_least("employees", 200.0), 30},
                 {"1000+ employees", condition::at_least("employees", 1000.0), 20},
                 {"DACH", condition::one_of("country", {std::string("DE"), std::string("AT")}), 15}};
    const points_policy points(rules);
    const batch_options options{.as_of = from_seconds(1798761600)};
    const std::vector<double> scores = score_batch(points, leads, options);

    // 3. Classify: hot when the lead needs it now, warm when it decides within 60 days — or by score, the hotter.
    const auto temperature = hottest_of({{"timeframe", purchase_timeframe_policy()},
                                         {"score", score_band_policy(score_bands{score_scale::points, 45, 65})}});
    const std::vector<rating> ratings = rate_batch(temperature, rating_input{leads, scores, points.scale()}, options);
    const auto by_level = count_temperatures(ratings);
    std::printf("%zu leads: %zu hot, %zu warm, %zu cold\n", leads.rows(), by_level[2], by_level[1], by_level[0]);

    // 4. Route the hot and warm leads: DACH to its team, the rest to the global team, in rotation within each, the
    //    best scores first while the reps have room. Rules and priorities read fields by name, so the scores and the
    //    temperatures join the CRM's columns in one extended view: the scores are read in place, the temperatures
    //    become a categorical column (cold / warm / hot), and the view owns the extended schema.
    const extended_view rated(leads, {added_column::numeric("score", scores), temperature_column(ratings)});

    routing_state reps;
    reps.add_rep({.name = "anna", .team = "dach"});
    reps.add_rep({.name = "jonas", .team = "dach"});
    reps.add_rep({.name = "maya", .team = "global"});
    reps.add_rep({.name = "omar", .team = "global"});
    reps.add_rep({.name = "lena", .team = "global"});
    // Cold leads match no rule and stay unassigned (reason no_rule_matched).
    const condition ready = temperature_at_least("temperature", "warm");
    routing_rules by_territory;
    by_territory.rules = {
        {"DACH", {ready, condition::one_of("country", {std::string("DE"), std::string("AT")})}, route_target::team("dach")},
        {"elsewhere", {ready}, route_target::team("global")}};
    const rule_policy<> router(by_territory);
    const std::vector<assignment> decisions =
        route_batch(router, rated, reps, {.as_of = options.as_of, .priority_field = "score"});

    std::size_t assigned = 0, misrouted = 0;
    for (std::size_t r = 0; r < decisions.size(); ++r) {
        const bool hot_or_warm = ratings[r].level == temperature::hot || ratings[r].level == temperature::warm;
        assigned += decisions[r].assigned() ? 1 : 0;
        misrouted += decisions[r].assigned() != hot_or_warm ? 1 : 0;
    }
    std::printf("%zu hot and warm leads routed, %zu assigned:\n", by_level[2] + by_level[1], assigned);
    for (const auto& rep : reps.reps)
        std::printf("  %-6s %-7s %5llu leads\n", rep.name.c_str(), rep.team.c_str(),
                    static_cast<unsigned long long>(rep.assigned));
    const auto audit = route_audit(rated, decisions, reps, router);
    std::printf("first decision: %s -> %s (%s)\n", audit[0].lead.c_str(), audit[0].rep.c_str(), audit[0].reason.c_str());

    // The CRM's arrays and the scores were read in place: the views point into them.
    const bool in_place = leads.numeric(1).data() == store.employees.data() &&
                          rated.view().numeric(rated.table_schema().at("score")).data() == scores.data();
    return in_place && misrouted == 0 && assigned == by_level[2] + by_level[1] ? 0 : 1;
}
