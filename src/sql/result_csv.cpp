#include "result_csv.hpp"

#include "leadscore/core/time.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::sql::detail {

namespace {

/// A result written as the CSV text a history reader reads, and where each row starts.
struct result_csv_text {
    std::string csv;
    std::vector<std::size_t> first_line; ///< per row of the result (0 = the first): the line its record starts on
};

/// A cell as a CSV writer writes it: quoted when it holds a comma, a quote or a line break.
void append_result_csv_cell(std::string& out, std::string_view text) {
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

/// Every column of `t` (texts and timestamp columns) as CSV; NULL as an empty cell.
result_csv_text result_csv_of(const lead_table& t) {
    result_csv_text out;
    const schema& s = t.table_schema();
    const auto end_record = [&out](std::size_t from) { // the lines the record took
        out.csv += '\n';
        return static_cast<std::size_t>(
            std::count(out.csv.begin() + static_cast<std::ptrdiff_t>(from), out.csv.end(), '\n'));
    };
    for (std::size_t c = 0; c < s.size(); ++c) {
        if (c != 0) out.csv += ',';
        append_result_csv_cell(out.csv, s[c].name);
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
            if (code != missing_code) append_result_csv_cell(out.csv, t.dict(c)[code]);
        }
        line += end_record(from);
    }
    return out;
}

/// The row of the result (1 = the first) a line of the CSV belongs to; 0 for the header.
std::size_t result_csv_row_of_line(const result_csv_text& text, std::size_t line) {
    return static_cast<std::size_t>(std::upper_bound(text.first_line.begin(), text.first_line.end(), line) -
                                    text.first_line.begin());
}

/// A reason of the CSV reader with its place and the lines it names turned into rows of the result.
std::string result_csv_reason_in_rows(const result_csv_text& text, std::size_t line, std::string reason) {
    for (const std::string_view key : {"on line ", "of line "}) {
        for (std::size_t at = reason.find(key); at != std::string::npos; at = reason.find(key, at + 1)) {
            const std::size_t from = at + key.size();
            std::size_t to = from;
            while (to < reason.size() && reason[to] >= '0' && reason[to] <= '9') ++to;
            if (to == from || to - from > 18) continue;
            const std::size_t row = result_csv_row_of_line(text, std::stoull(reason.substr(from, to - from)));
            reason.replace(at + 3, to - (at + 3), "row " + std::to_string(row));
        }
    }
    const std::size_t row = result_csv_row_of_line(text, line);
    return (row == 0 ? std::string("the result's columns: ") : "row " + std::to_string(row) + ": ") + reason;
}

} // namespace

lead_table read_history_result(database& db, const source& what, const std::vector<std::string>& times,
                               const std::vector<std::string>& needed, const std::vector<std::string>& missing) {
    read_options columns;
    auto& fields = columns.fields.emplace();
    for (const auto& name : times) fields.add({name, field_type::timestamp, field_role::none});
    columns.all_text = true;
    columns.missing_texts = missing; // applies to the time columns alone: the others are exact text
    lead_table t = db.read(what, columns);
    for (const auto& name : needed)
        if (!t.table_schema().find(name))
            throw input_error({db.name() + ", " + what.describe(), 0, 0, name}, "no such column in the result");
    return t;
}

history_options history_result_options(history_options options) {
    options.delimiter = ',';
    // NULL is written as an empty cell: it must read as missing whatever the tokens.
    auto& tokens = options.missing_tokens;
    if (std::find(tokens.begin(), tokens.end(), "") == tokens.end()) tokens.emplace_back();
    return options;
}

history_import read_result_as_csv(const lead_table& t, const std::string& object, const history_text_reader& read) {
    const result_csv_text text = result_csv_of(t);
    history_import h;
    try {
        h = read(text.csv, object);
    } catch (const input_error& e) {
        throw input_error({object, 0, 0, e.where().field},
                          result_csv_reason_in_rows(text, e.where().line, e.reason()));
    }
    for (auto& r : h.rejected) {
        r.reason = result_csv_reason_in_rows(text, r.where.line, std::move(r.reason));
        r.where = {object, 0, 0, r.where.field};
    }
    return h;
}

} // namespace leadscore::sql::detail
