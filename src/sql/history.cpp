#include "leadscore/sql/history.hpp"

#include "result_csv.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace leadscore::sql {

history_import read_stage_history(database& db, const source& what, const funnel& f, const history_options& options) {
    // entered_at is required: a text there that is not a time stops the read in either mode, "NA" included.
    const lead_table t = detail::read_history_result(db, what, {"entered_at"}, {"lead_id", "stage"}, {});
    const history_options o = detail::history_result_options(options);
    return detail::read_result_as_csv(t, db.name() + ", " + what.describe(),
                                      [&](std::string_view csv, std::string_view name) {
                                          return ::leadscore::read_history(csv, f, o, name);
                                      });
}

history_import read_deal_snapshot(database& db, const source& what, const funnel& f,
                                  const snapshot_options& options) {
    snapshot_options o = options;
    o.csv = detail::history_result_options(options.csv);
    std::vector<std::string> needed{o.id_column, o.stage_column};
    for (const auto* c : {&o.value_column, &o.source_column})
        if (!c->empty()) needed.push_back(*c);
    // The dates are read by the database (a PostgreSQL date or timestamp, an ISO-8601 text or integer seconds in
    // SQLite) and handed on as format_timestamp writes them; a missing token there is missing, as in a file.
    const lead_table t =
        detail::read_history_result(db, what, {o.start_column, o.close_column}, needed, o.csv.missing_tokens);
    return detail::read_result_as_csv(t, db.name() + ", " + what.describe(),
                                      [&](std::string_view csv, std::string_view name) {
                                          return ::leadscore::read_deal_snapshot(csv, f, o, name);
                                      });
}

} // namespace leadscore::sql
