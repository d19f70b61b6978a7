#include "events.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>

#ifdef LEADSCORE_CLI_SQL
#include "leadscore/sql/database.hpp"
#include "leadscore/sql/events.hpp"
#endif

namespace leadscore::cli {

void add_events_options(CLI::App& app, events_input& o) {
    const char* group = "Engagement events";
    auto* file = app.add_option("--events", o.file,
                                "CSV file of engagement events: lead_id,time,type[,detail] (as 'leadscore generate "
                                "--events' writes), attached to the leads by --events-id")
                     ->group(group);
    app.add_option("--events-query", o.query,
                   "With --db: a query whose rows are events, with the columns of an --events file (see "
                   "docs/databases.md)")
        ->type_name("SQL")
        ->group(group)
        ->excludes(file);
    app.add_option("--events-id", o.id, "The leads' column that the events' lead_id matches (read as exact text)")
        ->type_name("COLUMN")
        ->group(group)
        ->capture_default_str();
}

void add_events_id_column(const events_input& o, const model* m, std::vector<field>& extra,
                          std::vector<std::string>& text_columns) {
    if (!o.active()) return;
    if (const auto in_model = m ? m->fields.find(o.id) : std::nullopt) {
        if (m->fields[*in_model].type != field_type::categorical)
            throw definition_error("--events-id " + o.id + " is a " +
                                   std::string(to_string(m->fields[*in_model].type)) +
                                   " field of the model: the events' lead ids must match a column read as text");
        return;
    }
    if (std::none_of(extra.begin(), extra.end(), [&](const field& f) { return f.name == o.id; }))
        extra.push_back({o.id, field_type::categorical, field_role::none});
    if (std::find(text_columns.begin(), text_columns.end(), o.id) == text_columns.end()) text_columns.push_back(o.id);
}

namespace {

event_log read_cli_event_log(const events_input& o, const std::string& db_url) {
    if (!o.file.empty()) return read_events_file(o.file);
    if (db_url.empty()) throw usage_error("--events-query needs --db: the database the query runs in");
#ifdef LEADSCORE_CLI_SQL
    const auto db = sql::open_database(db_url);
    return sql::read_events(*db, {.query = o.query});
#else
    throw error("this leadscore was built without database support (CMake option LEADSCORE_SQL)");
#endif
}

} // namespace

void attach_cli_events(lead_table& table, const events_input& o, const std::string& db_url) {
    if (!o.active()) return;
    const auto col = table.table_schema().find(o.id);
    if (!col)
        throw error("--events-id " + o.id + ": the leads have no such column (name the lead id column with --events-id)");
    event_log log = [&] {
        progress_phase phase("reading events");
        auto l = read_cli_event_log(o, db_url);
        phase.done(std::to_string(l.size()) + " events");
        return l;
    }();
    const events_attached a = attach_events(table, o.id, log);
    std::string note = "events: " + std::to_string(log.size()) + " read from " + log.source + ", " +
                       std::to_string(a.attached) + " attached to " + std::to_string(a.leads) + " leads";
    if (a.unknown > 0)
        note += "; " + std::to_string(a.unknown) + " left out: their lead_id is not in the --events-id column '" + o.id +
                "' (the first, '" + a.first_unknown + "', on " + (log.lines_are_rows ? "row " : "line ") +
                std::to_string(a.first_unknown_line) + ")";
    print_file_note(note);
}

void note_unseen_events(bool policy_reads_events, const events_input& o) {
    if (policy_reads_events && !o.active())
        print_file_note("the scoring reads engagement events and none were given (--events or --events-query): every "
                        "lead is scored as having none");
}

} // namespace leadscore::cli
