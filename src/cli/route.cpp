// leadscore route: give each lead of a CSV file a rep, by round robin, capacity-weighted draws or a rules file.

#include "collect.hpp"
#include "commands.hpp"
#include "database.hpp"
#include "json.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/archive.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/io/routing_csv.hpp"
#include "leadscore/io/serialize_routing.hpp"
#include "leadscore/routing/any_policy.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/routing/rules.hpp"
#include "leadscore/routing/weighted.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

struct route_options {
    std::string leads, reps, out, rules, state;
    std::string policy = "round_robin";
    std::string priority;
    std::string language_field, region_field;
    std::string as_of;
    std::uint64_t seed = 0;
    bool reset_quotas = false;
    csv_limits limits; ///< of the leads file
    output_format format = output_format::text;
    db_options db;     ///< --db with --table or --query instead of --leads; --write-table
};

routing_policy make_policy(const route_options& o, const routing_rules* rules) {
    rotation_options rotation;
    rotation.language_field = o.language_field;
    rotation.region_field = o.region_field;
    if (o.policy == "weighted") {
        weighted_options w;
        w.rotation = rotation;
        w.probability_field = o.priority;
        w.seed = o.seed;
        if (rules) return rule_policy<weighted_policy>(*rules, weighted_policy(w));
        return weighted_policy(w);
    }
    if (rules) return rule_policy<round_robin_policy>(*rules, round_robin_policy(rotation));
    return round_robin_policy(rotation);
}

/// The reps file's reps, with what a saved state (when it exists) carries over between runs: each rep's loads
/// (assigned, recent), the rotation cursors and the weighted draws. The reps file's definitions (team, capacity,
/// availability, skills) replace the saved ones; the saved owners are not kept (this command does no duplicate
/// detection), nor are saved reps and teams that the reps file no longer lists. A run before the saved state's last
/// run is refused, unless --reset-quotas drops the saved loads and that time.
routing_state read_state(const route_options& o, timestamp as_of) {
    routing_state state = read_reps_csv_file(o.reps);
    if (!o.state.empty() && std::filesystem::exists(o.state)) {
        routing_state saved;
        archive_file_info info;
        load_archive_file(o.state, saved, archive_format::xml, "leadscore", &info);
        print_file_note(info.note);
        if (o.reset_quotas) reset_quotas(saved);
        if (const auto last = last_run_time(saved); last && as_of < *last)
            throw error("--as-of " + format_timestamp(as_of, false) + " is before the last run of the routing state '" +
                        o.state + "' (" + format_timestamp(*last, false) +
                        "): its quotas would count later loads; give --reset-quotas to start the quotas afresh");
        state.last_run = saved.last_run;
        for (auto& rep : state.reps)
            if (const auto s = saved.find_rep(rep.name)) {
                rep.assigned = saved.reps[*s].assigned;
                rep.recent = saved.reps[*s].recent;
            }
        for (auto& team : state.teams)
            if (const auto s = saved.find_team(team.name)) team.last_rep = saved.teams[*s].last_rep;
        state.last_rep = saved.last_rep;
        state.draws = saved.draws;
    }
    return state;
}

/// The audit trail as CSV: id,rep,team,reason.
void write_audit(std::ostream& out, const std::vector<audit_record>& audit) {
    std::string line = "id,rep,team,reason\n";
    for (const auto& a : audit) {
        append_csv_cell(line, a.lead);
        line += ',';
        append_csv_cell(line, a.rep);
        line += ',';
        append_csv_cell(line, a.team);
        line += ',';
        append_csv_cell(line, a.reason);
        line += '\n';
        if (line.size() > (1u << 20)) {
            out << line;
            line.clear();
        }
    }
    out << line;
}

/// The run's load per rep as the document of schema leadscore.route/1 (docs/cli.md).
json loads_json(const route_options& o, const routing_state& state, std::span<const assignment> decisions,
                timestamp as_of) {
    std::vector<std::uint64_t> run(state.reps.size(), 0);
    std::size_t unassigned = 0, queued = 0;
    for (const auto& a : decisions) {
        if (a.assigned()) ++run[static_cast<std::size_t>(a.rep)];
        else if (a.reason == route_reason::queued) ++queued;
        else ++unassigned;
    }
    json reps = json::array();
    const auto loads_now = loads(state, as_of);
    for (std::size_t r = 0; r < loads_now.size(); ++r) {
        const auto& l = loads_now[r];
        reps.push_back({{"rep", l.rep}, {"team", l.team.empty() ? json(nullptr) : json(l.team)}, {"leads", run[r]}, {"last_24h", l.last_24h},
                        {"daily_quota", json_or_null(l.daily_quota)}, {"available", l.available}});
    }
    return {{"schema", "leadscore.route/1"},
            {"as_of", format_timestamp(as_of)},
            {"out", o.out.empty() ? json(nullptr) : json(o.out)},
            {"write_table", o.db.write_table.empty() ? json(nullptr) : json(o.db.write_table)},
            {"routed", decisions.size()},
            {"assigned", decisions.size() - unassigned - queued},
            {"queued", queued},
            {"unassigned", unassigned},
            {"reps", std::move(reps)}};
}

/// The run's load per rep, with the state's last 24 hours and quotas.
void print_loads(const routing_state& state, std::span<const assignment> decisions, timestamp as_of) {
    std::vector<std::uint64_t> run(state.reps.size(), 0);
    std::size_t unassigned = 0, queued = 0;
    for (const auto& a : decisions) {
        if (a.assigned()) ++run[static_cast<std::size_t>(a.rep)];
        else if (a.reason == route_reason::queued) ++queued;
        else ++unassigned;
    }
    std::cout << "routed " << decisions.size() << " leads: " << decisions.size() - unassigned - queued
              << " assigned, " << queued << " queued, " << unassigned << " unassigned\n";
    text_table t({{"rep"}, {"team"}, {"leads", text_table::align::right}, {"last 24 h", text_table::align::right},
                  {"daily quota", text_table::align::right}, {"available"}});
    const auto loads_now = loads(state, as_of);
    for (std::size_t r = 0; r < loads_now.size(); ++r) {
        const auto& l = loads_now[r];
        t.add_row({l.rep, l.team, std::to_string(run[r]), std::to_string(l.last_24h),
                   l.daily_quota ? std::to_string(*l.daily_quota) : "-", l.available ? "yes" : "no"});
    }
    t.print(std::cout);
}

/// The leads of --leads, or of --db's table or query (columns typed by the database, the CSV path's missing texts
/// in text columns); the id column as exact text, copied to the output byte for byte.
csv_result read_route_leads(const route_options& o) {
    csv_options csv;
    csv.limits = o.limits;
    csv.text_columns = {"id"};
    if (!o.db.active()) return read_csv_file(o.leads, csv);
    progress_phase phase("reading " + db_name(o.db));
    lead_table t = read_db(o.db, csv.missing_tokens, csv.text_columns);
    phase.done(std::to_string(t.rows()) + " rows");
    const std::size_t rows = t.rows();
    return {std::move(t), {}, rows};
}

/// Upserts the run's assignments into --write-table, keyed by the leads' id column.
void write_route_table(const route_options& o, const std::vector<audit_record>& audit, timestamp as_of) {
    db_assignments a;
    a.routed_at = as_of;
    for (const auto& r : audit) {
        a.ids.push_back(r.lead);
        a.reps.push_back(r.rep);
        a.teams.push_back(r.team);
        a.reasons.push_back(r.reason);
    }
    progress_phase phase("writing " + std::to_string(audit.size()) + " assignments");
    write_db_assignments(o.db, a);
    phase.done();
    // The JSON document names the table instead: stdout holds that document alone.
    if (o.format == output_format::text)
        std::cout << "wrote " << audit.size() << " assignments to table " << o.db.write_table << " of "
                  << db_name(o.db) << '\n';
}

void run_route(const route_options& o) {
    check_data_source(o.leads, o.db, "--leads");
    if (!o.out.empty() && !o.db.write_table.empty()) throw usage_error("give either --out or --write-table, not both");
    refuse_same_files({{"--out", o.out}, {"--state", o.state}},
                      {{"--leads", o.leads}, {"--reps", o.reps}, {"--rules", o.rules}});
    timestamp as_of = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (!o.as_of.empty()) {
        const auto t = parse_timestamp(o.as_of);
        if (!t) throw error("--as-of: '" + o.as_of + "' is not a date (YYYY-MM-DD[THH:MM:SS])");
        as_of = *t;
    }

    const auto leads = read_route_leads(o);
    const table_view view = leads.table.view();

    routing_state state = read_state(o, as_of);

    std::unique_ptr<routing_rules> rules;
    if (!o.rules.empty())
        rules = std::make_unique<routing_rules>(
            read_routing_rules_csv_file(o.rules, leads.table.table_schema(), state));
    const routing_policy policy = make_policy(o, rules.get());

    routing_options ro;
    ro.as_of = as_of;
    if (o.policy != "weighted") ro.priority_field = o.priority; // weighted: the policy's own probability field
    const auto decisions = route_batch(policy, view, state, ro);
    const bool has_id = leads.table.table_schema().find("id").has_value();
    if (!o.db.write_table.empty() && !has_id)
        throw error("--write-table needs an 'id' column among the leads: the assignments are keyed by it");
    const auto audit = route_audit(view, decisions, state, policy, has_id ? std::string_view("id") : std::string_view());

    // Both outputs are written and synced before either replaces its old one: a state that cannot be written fails
    // the run before the assignments are given out (the table's transaction commits last but one).
    std::optional<detail::atomic_file> out_file;
    if (!o.out.empty()) {
        out_file.emplace(o.out);
        write_audit(out_file->stream(), audit);
        out_file->prepare();
    }
    std::optional<detail::atomic_file> state_file;
    if (!o.state.empty()) {
        state_file.emplace(o.state, detail::trailer_for_xml(true));
        detail::save_archive_to(*state_file, state, archive_format::xml);
        state_file->prepare();
    }
    if (out_file) out_file->commit();
    if (!o.db.write_table.empty()) write_route_table(o, audit, as_of);
    if (state_file) state_file->commit();

    if (o.format == output_format::json)
        print_json(std::cout, loads_json(o, state, decisions, as_of));
    else
        print_loads(state, decisions, as_of);
}

} // namespace

command add_route_command(CLI::App& parent) {
    auto opts = std::make_shared<route_options>();
    CLI::App* app = parent.add_subcommand("route", "Give each lead of a CSV file a sales rep, with the reason");
    app->footer(
        "Reps file (CSV): rep (required), team, capacity (leads per month; daily quota = round(capacity / 30)\n"
        "minus the leads of the last 24 hours), available (true/false), languages, regions ('|'-separated).\n"
        "Rules file (CSV): field,test,value,target[,rule]; one condition per line, the first matching rule wins;\n"
        "target team:NAME, rep:NAME or queue:NAME; field '*' is the default. Lines with the same rule name in a\n"
        "row make one rule whose conditions must all hold. Tests: equals (=, ==), not_equals (!=), one_of (in),\n"
        "not_one_of (not_in), contains, not_contains, is_missing, is_present, at_least (>=), above (>), at_most (<=),\n"
        "below (<), between.\n"
        "Output (CSV): id,rep,team,reason — one row per lead, in input order; rep is empty when unassigned.\n"
        "Errors name file:line:column; exit status 1.");
    app->add_option("--leads", opts->leads,
                    "Leads CSV file (types inferred; an 'id' column names the leads, copied as it is)")
        ->required();
    app->add_option("--reps", opts->reps, "Reps CSV file")->required();
    app->add_option("--out", opts->out, "Output CSV file: id,rep,team,reason (or --write-table)");
    app->add_option("--rules", opts->rules, "Rules CSV file: rules choose a team, the rotation picks the rep");
    app->add_option("--policy", opts->policy, "Rotation: round_robin, or weighted (by remaining daily quota)")
        ->check(CLI::IsMember({"round_robin", "weighted"}))
        ->capture_default_str();
    app->add_option("--priority", opts->priority,
                    "Numeric lead field: route the highest values first (e.g. a score), missing last");
    app->add_option("--seed", opts->seed, "Seed of the weighted draws")->check(whole_number())->capture_default_str();
    app->add_option("--language-field", opts->language_field, "Lead field matched with the reps' languages");
    app->add_option("--region-field", opts->region_field, "Lead field matched with the reps' regions");
    app->add_option("--as-of", opts->as_of, "Time of the run, YYYY-MM-DD[THH:MM:SS] (default: now)");
    app->add_option("--state", opts->state,
                    "Routing state archive (XML): read when it exists (loads, rotation turns), written after the run");
    app->add_flag("--reset-quotas", opts->reset_quotas,
                  "Start the quotas afresh: drop the saved state's loads of the last 24 hours and its last run's time "
                  "(needed for an --as-of before that run)");
    add_limit_options(*app, opts->limits);
    add_format_option(*app, opts->format, "the loads per rep as one document, schema leadscore.route/1");
    add_db_write_table_option(*app, opts->db, "--leads",
                              "With --db: upsert the assignments into this table by the leads' id column (created "
                              "when missing: lead_id, rep, team, reason, routed_at), in one transaction");
    // Without --write-table, --out stays required as a usage error.
    app->parse_complete_callback([opts] {
        if (opts->out.empty() && opts->db.write_table.empty()) throw CLI::RequiredError("--out");
    });
    return {app, [opts] { run_route(*opts); }};
}

} // namespace leadscore::cli
