#include "leadscore/io/events_csv.hpp"

#include "csv_reader.hpp"
#include "history_table.hpp"
#include "text_file.hpp"

#include "leadscore/core/time.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace leadscore {

namespace {

/// The history frame's options for an events file: fail-fast, with the caller's delimiter, tokens and limits.
history_options events_frame_options(const events_options& options) {
    history_options h;
    h.delimiter = options.delimiter;
    h.missing_tokens = options.missing_tokens;
    h.errors = error_mode::fail_fast;
    h.limits = options.limits;
    return h;
}

/// The time of cell c, or input_error at the cell.
std::int64_t events_time_cell(detail::csv::history_table& t, std::size_t c) {
    const std::string_view text = detail::csv::trim_blanks(t.at(c));
    if (text.empty() || t.missing(c)) t.reject_cell(c, "no time: an event needs one");
    if (const auto ts = parse_timestamp(text)) return to_seconds(*ts);
    t.reject_cell(c, "not a time: '" + std::string(t.at(c)) + "' (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)");
    return 0; // not reached: the frame is fail-fast
}

} // namespace

event_log read_events(std::string_view text, const events_options& options, std::string_view name) {
    detail::csv::history_table t(text, events_frame_options(options), name);
    const std::size_t id_col = t.require("lead_id");
    const std::size_t time_col = t.require("time");
    const std::size_t type_col = t.require("type");
    const std::size_t detail_col = t.column("detail");
    event_log log;
    log.source = std::string(name);
    while (t.next_row()) {
        const std::string_view id = t.at(id_col);
        if (id.empty()) t.reject_cell(id_col, "no lead id: an event needs one");
        const std::int64_t time = events_time_cell(t, time_col);
        const std::string_view type = detail::csv::trim_blanks(t.at(type_col));
        if (type.empty()) t.reject_cell(type_col, "no event type: an event needs one");
        event_record e;
        e.time = time;
        e.type = log.types.intern(type);
        if (detail_col != detail::csv::history_table::npos && !t.missing(detail_col))
            e.detail = log.details.intern(t.at(detail_col));
        log.lead.push_back(log.lead_ids.intern(id));
        log.events.push_back(e);
        log.lines.push_back(t.line());
    }
    return log;
}

event_log read_events_file(const file_path& path, const events_options& options) {
    const auto data = detail::read_text_file(path, options.limits.max_line_bytes);
    return read_events(data, options, path.string());
}

events_attached attach_events(lead_table& table, std::string_view id_field, const event_log& log) {
    const auto col = table.table_schema().find(id_field);
    if (!col || table.table_schema()[*col].type != field_type::categorical)
        throw definition_error("events: the lead id field '" + std::string(id_field) +
                               "' is not a categorical field of the leads (read it as text)");
    const auto ids = table.codes(*col);
    const dictionary& id_dict = table.dict(*col);
    // The rows of each of the log's lead ids, as a CSR list: a lead may sit on several rows.
    std::vector<std::int32_t> log_code_of(id_dict.size(), missing_code);
    for (std::size_t k = 0; k < id_dict.size(); ++k)
        if (const auto c = log.lead_ids.find(id_dict[static_cast<std::int32_t>(k)])) log_code_of[k] = *c;
    std::vector<std::uint64_t> row_start(log.lead_ids.size() + 1, 0);
    for (const auto c : ids)
        if (c != missing_code && log_code_of[static_cast<std::size_t>(c)] != missing_code)
            ++row_start[static_cast<std::size_t>(log_code_of[static_cast<std::size_t>(c)]) + 1];
    std::partial_sum(row_start.begin(), row_start.end(), row_start.begin());
    std::vector<std::size_t> rows_of(row_start.back());
    {
        std::vector<std::uint64_t> next(row_start.begin(), row_start.end() - 1);
        for (std::size_t r = 0; r < ids.size(); ++r)
            if (ids[r] != missing_code && log_code_of[static_cast<std::size_t>(ids[r])] != missing_code)
                rows_of[next[static_cast<std::size_t>(log_code_of[static_cast<std::size_t>(ids[r])])]++] = r;
    }

    events_attached out;
    // Per row, how many events it gets; then each event goes to its rows' runs.
    std::vector<std::uint64_t> offsets(table.rows() + 1, 0);
    for (std::size_t i = 0; i < log.size(); ++i) {
        const auto lead = static_cast<std::size_t>(log.lead[i]);
        if (row_start[lead] == row_start[lead + 1] && out.unknown++ == 0) {
            out.first_unknown = std::string(log.lead_ids[log.lead[i]]);
            out.first_unknown_line = log.lines[i];
        }
        for (auto k = row_start[lead]; k < row_start[lead + 1]; ++k) ++offsets[rows_of[k] + 1];
    }
    for (std::size_t r = 0; r < table.rows(); ++r) out.leads += offsets[r + 1] != 0 ? 1 : 0;
    std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
    out.attached = offsets.back();

    std::vector<std::int32_t> type_code(log.types.size()), detail_code(log.details.size());
    for (std::size_t k = 0; k < type_code.size(); ++k)
        type_code[k] = table.event_types().intern(log.types[static_cast<std::int32_t>(k)]);
    for (std::size_t k = 0; k < detail_code.size(); ++k)
        detail_code[k] = table.event_details().intern(log.details[static_cast<std::int32_t>(k)]);
    std::vector<event_record> events(offsets.back());
    {
        std::vector<std::uint64_t> next(offsets.begin(), offsets.end() - 1);
        for (std::size_t i = 0; i < log.size(); ++i) {
            event_record e = log.events[i];
            e.type = type_code[static_cast<std::size_t>(e.type)];
            if (e.detail != missing_code) e.detail = detail_code[static_cast<std::size_t>(e.detail)];
            const auto lead = static_cast<std::size_t>(log.lead[i]);
            for (auto k = row_start[lead]; k < row_start[lead + 1]; ++k) events[next[rows_of[k]]++] = e;
        }
    }
    for (std::size_t r = 0; r < table.rows(); ++r) // stable: events at one time keep the log's order
        std::stable_sort(events.begin() + static_cast<std::ptrdiff_t>(offsets[r]),
                         events.begin() + static_cast<std::ptrdiff_t>(offsets[r + 1]),
                         [](const event_record& a, const event_record& b) { return a.time < b.time; });
    table.events() = std::move(events);
    table.event_offsets() = std::move(offsets);
    table.finish_rows();
    return out;
}

} // namespace leadscore
