#pragma once
// Engagement events for the commands that score or train (score, train, evaluate, report, route): --events FILE or,
// with --db, --events-query SQL, attached to the leads by the --events-id column (leadscore/io/events_csv.hpp).

#include "leadscore/core/lead_table.hpp"
#include "leadscore/io/events_csv.hpp"
#include "leadscore/io/model.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace leadscore::cli {

/// --events, --events-query and --events-id, as the command line gives them.
struct events_input {
    std::string file;    ///< --events: a CSV file lead_id,time,type[,detail]
    std::string query;   ///< --events-query: a query with those columns, in --db
    std::string id = "id"; ///< --events-id: the leads' column the events' lead_id matches
    /// Whether events were asked for.
    [[nodiscard]] bool active() const noexcept { return !file.empty() || !query.empty(); }
};

/// Adds --events, --events-query and --events-id to a command.
void add_events_options(CLI::App& app, events_input& o);

/// Adds the --events-id column to the fields and text columns a model's data is read with, so that it is read as
/// exact text: unless the model reads it itself, which it must do as categorical (definition_error otherwise). Does
/// nothing when no events were asked for.
void add_events_id_column(const events_input& o, const model* m, std::vector<field>& extra,
                          std::vector<std::string>& text_columns);

/// Reads the events (the file, or the query in the database `db_url`) and attaches them to `table` by the --events-id
/// column; prints a line on standard error saying how many were attached and how many name a lead the data lacks.
/// Does nothing when no events were asked for. Throws error for --events-query without --db, an --events-id column
/// the data lacks, and as the readers do.
void attach_cli_events(lead_table& table, const events_input& o, const std::string& db_url);

/// A note on standard error when the policy reads engagement events (`policy_reads_events`) and none were asked for:
/// its event rules and counts then see no event at all.
void note_unseen_events(bool policy_reads_events, const events_input& o);

} // namespace leadscore::cli
