#include "leadscore/sql/events.hpp"

#include "leadscore/core/time.hpp"

#include <algorithm>
#include <string>
#include <string_view>

namespace leadscore::sql {

namespace {

/// The text without the blanks (spaces and tabs) around it, as a CSV cell's type is trimmed.
std::string_view trimmed_event_text(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// The code of column `name` in row r as text; empty for NULL.
std::string_view event_text_at(const lead_table& t, std::size_t col, std::size_t r) {
    const std::int32_t code = t.codes(col)[r];
    return code == missing_code ? std::string_view{} : t.dict(col)[code];
}

} // namespace

event_log read_events(database& db, const source& what, const events_options& options) {
    read_options columns;
    columns.fields.emplace().add({"time", field_type::timestamp, field_role::none});
    columns.all_text = true;
    const lead_table t = db.read(what, columns);
    const std::string object = db.name() + ", " + what.describe();
    const schema& s = t.table_schema();
    for (const char* needed : {"lead_id", "type"})
        if (!s.find(needed)) throw input_error({object, 0, 0, needed}, "no such column in the result");
    const std::size_t id_col = *s.find("lead_id"), type_col = *s.find("type"), time_col = *s.find("time");
    const auto detail_col = s.find("detail");
    const auto refuse = [&object](std::size_t r, const char* column, const std::string& reason) {
        throw input_error({object, 0, 0, column}, "row " + std::to_string(r + 1) + ": " + reason);
    };
    event_log log;
    log.source = object;
    log.lines_are_rows = true;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const std::string_view id = event_text_at(t, id_col, r);
        if (id.empty()) refuse(r, "lead_id", "no lead id: an event needs one");
        const std::int64_t time = t.timestamps(time_col)[r];
        if (time == missing_time) refuse(r, "time", "no time: an event needs one");
        const std::string_view type = trimmed_event_text(event_text_at(t, type_col, r));
        if (type.empty()) refuse(r, "type", "no event type: an event needs one");
        event_record e;
        e.time = time;
        e.type = log.types.intern(type);
        if (detail_col && t.codes(*detail_col)[r] != missing_code) {
            const std::string_view detail = event_text_at(t, *detail_col, r);
            const auto& tokens = options.missing_tokens;
            if (std::find(tokens.begin(), tokens.end(), detail) == tokens.end()) e.detail = log.details.intern(detail);
        }
        log.lead.push_back(log.lead_ids.intern(id));
        log.events.push_back(e);
        log.lines.push_back(r + 1);
    }
    return log;
}

} // namespace leadscore::sql
