#include "leadscore/sql/history.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::sql {

namespace {

/// The result of a history query written as the event log file read_history reads, and where each row starts.
struct history_log_text {
    std::string csv;
    std::vector<std::size_t> first_line; ///< per row of the result (0 = the first): the line its record starts on
};

/// A cell as a CSV writer writes it: quoted when it holds a comma, a quote or a line break.
void append_history_log_cell(std::string& out, std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += text;
        return;
    }
    out += '"';
    for (const char ch : text) {
        if (ch == '"') out += '"';
        out += ch;
    }
    out += '"';
}

/// Every column of `t` (texts and one timestamp column) as one event log; NULL as an empty cell.
history_log_text history_log_of(const lead_table& t) {
    history_log_text out;
    const schema& s = t.table_schema();
    const auto end_record = [&out](std::size_t from) { // the lines the record took
        out.csv += '\n';
        return static_cast<std::size_t>(
            std::count(out.csv.begin() + static_cast<std::ptrdiff_t>(from), out.csv.end(), '\n'));
    };
    for (std::size_t c = 0; c < s.size(); ++c) {
        if (c != 0) out.csv += ',';
        append_history_log_cell(out.csv, s[c].name);
    }
    std::size_t line = 1 + end_record(0);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const std::size_t from = out.csv.size();
        out.first_line.push_back(line);
        for (std::size_t c = 0; c < s.size(); ++c) {
            if (c != 0) out.csv += ',';
            if (s[c].type == field_type::timestamp) {
                const std::int64_t v = t.timestamps(c)[r];
                if (v != missing_time) out.csv += format_timestamp(from_seconds(v), false);
                continue;
            }
            const std::int32_t code = t.codes(c)[r];
            if (code != missing_code) append_history_log_cell(out.csv, t.dict(c)[code]);
        }
        line += end_record(from);
    }
    return out;
}

/// The row of the result (1 = the first) a line of the log belongs to; 0 for the header.
std::size_t history_row_of_line(const history_log_text& log, std::size_t line) {
    return static_cast<std::size_t>(std::upper_bound(log.first_line.begin(), log.first_line.end(), line) -
                                    log.first_line.begin());
}

/// A reason of the event log reader with its place and the lines it names turned into rows of the result.
std::string history_reason_in_rows(const history_log_text& log, std::size_t line, std::string reason) {
    for (const std::string_view key : {"on line ", "of line "}) {
        for (std::size_t at = reason.find(key); at != std::string::npos; at = reason.find(key, at + 1)) {
            const std::size_t from = at + key.size();
            std::size_t to = from;
            while (to < reason.size() && reason[to] >= '0' && reason[to] <= '9') ++to;
            if (to == from || to - from > 18) continue;
            const std::size_t row = history_row_of_line(log, std::stoull(reason.substr(from, to - from)));
            reason.replace(at + 3, to - (at + 3), "row " + std::to_string(row));
        }
    }
    const std::size_t row = history_row_of_line(log, line);
    return (row == 0 ? std::string("the result's columns: ") : "row " + std::to_string(row) + ": ") + reason;
}

} // namespace

history_import read_stage_history(database& db, const source& what, const funnel& f, const history_options& options) {
    read_options columns;
    columns.fields.emplace().add({"entered_at", field_type::timestamp, field_role::none});
    columns.all_text = true;
    const lead_table t = db.read(what, columns);
    const std::string object = db.name() + ", " + what.describe();
    for (const char* needed : {"lead_id", "stage"})
        if (!t.table_schema().find(needed)) throw input_error({object, 0, 0, needed}, "no such column in the result");

    const history_log_text log = history_log_of(t);
    history_options o = options;
    o.delimiter = ',';
    // NULL is written as an empty cell: it must read as missing whatever the tokens.
    if (std::find(o.missing_tokens.begin(), o.missing_tokens.end(), "") == o.missing_tokens.end())
        o.missing_tokens.emplace_back();
    history_import h;
    try {
        h = ::leadscore::read_history(log.csv, f, o, object);
    } catch (const input_error& e) {
        throw input_error({object, 0, 0, e.where().field}, history_reason_in_rows(log, e.where().line, e.reason()));
    }
    for (auto& r : h.rejected) {
        r.reason = history_reason_in_rows(log, r.where.line, std::move(r.reason));
        r.where = {object, 0, 0, r.where.field};
    }
    return h;
}

} // namespace leadscore::sql
