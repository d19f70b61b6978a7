// leadscore inspect: read a CSV file and show what the reader made of it.

#include "collect.hpp"
#include "commands.hpp"
#include "database.hpp"
#include "json.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/csv.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <variant>
#include <vector>

namespace leadscore::cli {

namespace {

struct inspect_options {
    data_options data; ///< the file (an argument), --delimiter, --missing and the size limits
    collect_options collect;
    std::size_t top_values = 5;
    db_options db; ///< --db with --table or --query instead of the file
    output_format format = output_format::text;
};

std::string shorten(std::string_view s, std::size_t max_chars = 24) {
    std::string out;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool starts_char = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
        if (starts_char && ++chars > max_chars) return out + "...";
        out += s[i];
    }
    return out;
}

struct column_summary {
    std::size_t missing = 0;
    std::string text;
};

column_summary summarize(const numeric_column& c) {
    column_summary s;
    double lo = INFINITY, hi = -INFINITY;
    for (const double v : c.values) {
        if (std::isnan(v)) {
            ++s.missing;
            continue;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (s.missing < c.values.size()) s.text = "min " + format_number(lo) + ", max " + format_number(hi);
    return s;
}

column_summary summarize(const timestamp_column& c) {
    column_summary s;
    std::int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (const auto v : c.values) {
        if (v == missing_time) {
            ++s.missing;
            continue;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (s.missing < c.values.size())
        s.text = "from " + format_timestamp(from_seconds(lo)) + " to " + format_timestamp(from_seconds(hi));
    return s;
}

column_summary summarize(const boolean_column& c) {
    column_summary s;
    std::size_t yes = 0, no = 0;
    for (const auto v : c.values) {
        if (v == missing_flag)
            ++s.missing;
        else if (v != 0)
            ++yes;
        else
            ++no;
    }
    s.text = "true " + std::to_string(yes) + ", false " + std::to_string(no);
    return s;
}

column_summary summarize(const categorical_column& c, std::size_t top) {
    column_summary s;
    std::vector<std::size_t> counts(c.dict.size());
    for (const auto code : c.codes) {
        if (code == missing_code)
            ++s.missing;
        else
            ++counts.at(static_cast<std::size_t>(code));
    }
    const std::size_t present = c.codes.size() - s.missing;
    s.text = std::to_string(counts.size()) + " distinct";
    if (counts.empty()) return s;
    if (counts.size() == present && present > top) {
        s.text += " (all different)";
        return s;
    }

    // The most frequent values first; ties in first-seen order, so output is deterministic.
    std::vector<std::size_t> order(counts.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const std::size_t shown = std::min(top, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown), order.end(),
                      [&](std::size_t a, std::size_t b) { return counts[a] != counts[b] ? counts[a] > counts[b] : a < b; });
    s.text += ":";
    for (std::size_t i = 0; i < shown; ++i) {
        const auto code = static_cast<std::int32_t>(order[i]);
        s.text += (i == 0 ? " " : ", ") + shorten(c.dict[code]) + " (" + std::to_string(counts[order[i]]) + ")";
    }
    if (shown < order.size()) s.text += ", ...";
    return s;
}

/// A column's summary as JSON: its missing count and, by type, its range, counts or most frequent values (null
/// where the column has no present value).
json column_json(const numeric_column& c, std::size_t) {
    double lo = INFINITY, hi = -INFINITY;
    std::size_t missing = 0;
    for (const double v : c.values) {
        if (std::isnan(v)) {
            ++missing;
            continue;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    return {{"missing", missing}, {"min", json_or_null(lo)}, {"max", json_or_null(hi)}};
}

json column_json(const timestamp_column& c, std::size_t) {
    std::int64_t lo = INT64_MAX, hi = INT64_MIN;
    std::size_t missing = 0;
    for (const auto v : c.values) {
        if (v == missing_time) {
            ++missing;
            continue;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    const bool any = missing < c.values.size();
    return {{"missing", missing},
            {"from", any ? json(format_timestamp(from_seconds(lo))) : json(nullptr)},
            {"to", any ? json(format_timestamp(from_seconds(hi))) : json(nullptr)}};
}

json column_json(const boolean_column& c, std::size_t) {
    std::size_t yes = 0, no = 0, missing = 0;
    for (const auto v : c.values) (v == missing_flag ? missing : v != 0 ? yes : no) += 1;
    return {{"missing", missing}, {"true", yes}, {"false", no}};
}

json column_json(const categorical_column& c, std::size_t top) {
    std::vector<std::size_t> counts(c.dict.size());
    std::size_t missing = 0;
    for (const auto code : c.codes) (code == missing_code ? missing : counts.at(static_cast<std::size_t>(code))) += 1;
    std::vector<std::size_t> order(counts.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const std::size_t shown = std::min(top, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown), order.end(),
                      [&](std::size_t a, std::size_t b) { return counts[a] != counts[b] ? counts[a] > counts[b] : a < b; });
    json values = json::array();
    for (std::size_t i = 0; i < shown; ++i)
        values.push_back({{"value", std::string(c.dict[static_cast<std::int32_t>(order[i])])}, {"count", counts[order[i]]}});
    return {{"missing", missing},
            {"distinct", counts.size()},
            {"all_different", !counts.empty() && counts.size() == c.codes.size() - missing},
            {"top", std::move(values)}};
}

/// What inspect prints, as the document of schema leadscore.inspect/1 (docs/cli.md).
json inspect_json(const inspect_options& o, const csv_result& result) {
    const lead_table& table = result.table;
    const schema& fields = table.table_schema();
    json doc;
    doc["schema"] = "leadscore.inspect/1";
    doc["file"] = o.db.active() ? db_source_name(o.db) : o.data.file;
    doc["rows"] = table.rows();
    doc["rows_read"] = result.rows_read;
    doc["rejected"] = result.rejected.size();
    json columns = json::array();
    for (std::size_t col = 0; col < fields.size(); ++col) {
        json c = {{"index", col + 1}, {"name", fields[col].name}, {"type", to_string(fields[col].type)}};
        c.update(std::visit([&](const auto& column) { return column_json(column, o.top_values); }, table.column(col)));
        columns.push_back(std::move(c));
    }
    doc["columns"] = std::move(columns);
    if (o.collect.collect) {
        json rejected = json::array();
        const std::size_t shown = o.collect.show_rejected == 0 ? result.rejected.size()
                                                               : std::min(o.collect.show_rejected, result.rejected.size());
        for (std::size_t i = 0; i < shown; ++i) {
            const auto& r = result.rejected[i];
            rejected.push_back({{"line", r.where.line},
                                {"column", r.where.column == 0 ? json(nullptr) : json(r.where.column)},
                                {"field", r.where.field.empty() ? json(nullptr) : json(r.where.field)},
                                {"reason", r.reason}});
        }
        doc["rejected_rows"] = std::move(rejected);
    } else {
        doc["rejected_rows"] = nullptr;
    }
    return doc;
}

void run_inspect(const inspect_options& o) {
    csv_options options = to_csv_options(o.data); // --missing adds to the defaults: empty cells and NA stay missing
    options.errors = errors_of(o.collect);

    check_data_source(o.data.file, o.db, "a file");
    csv_result result = [&] {
        if (o.db.active()) {
            progress_phase phase("reading " + db_name(o.db));
            lead_table t = read_db(o.db, o.data.missing);
            phase.done(std::to_string(t.rows()) + " rows");
            const std::size_t rows = t.rows();
            return csv_result{std::move(t), {}, rows};
        }
        progress_phase phase("reading " + o.data.file);
        auto r = read_csv_file(o.data.file, options);
        phase.done(std::to_string(r.rows_read) + " rows");
        return r;
    }();

    if (o.format == output_format::json) {
        print_json(std::cout, inspect_json(o, result));
        if (o.collect.collect) check_rejected_share(result.rejected.size(), result.rows_read, o.collect);
        return;
    }
    const lead_table& table = result.table;
    const schema& fields = table.table_schema();
    auto& out = std::cout;
    if (o.db.active()) out << "database: " << db_source_name(o.db) << '\n';
    else out << "file: " << o.data.file << '\n';
    out << "rows: " << table.rows() << '\n';
    out << "rows read: " << result.rows_read << ", rejected: " << result.rejected.size() << '\n';
    out << "columns: " << fields.size() << "\n\n";

    text_table columns({{"#", text_table::align::right},
                        {"name"},
                        {"type"},
                        {"missing", text_table::align::right},
                        {"summary"}});
    for (std::size_t col = 0; col < fields.size(); ++col) {
        const column_summary s = std::visit(
            [&](const auto& c) {
                if constexpr (std::is_same_v<std::decay_t<decltype(c)>, categorical_column>)
                    return summarize(c, o.top_values);
                else
                    return summarize(c);
            },
            table.column(col));
        columns.add_row({std::to_string(col + 1), fields[col].name, std::string(to_string(fields[col].type)),
                         std::to_string(s.missing), s.text});
    }
    columns.print(out, 0);

    if (o.collect.collect) {
        out << '\n';
        if (result.rejected.empty()) out << "rejected rows: 0\n";
        print_rejected(out, result.rejected, o.collect);
        check_rejected_share(result.rejected.size(), result.rows_read, o.collect);
    }
}

} // namespace

command add_inspect_command(CLI::App& parent) {
    auto opts = std::make_shared<inspect_options>();
    CLI::App* app = parent.add_subcommand("inspect", "Read a CSV file and show its inferred schema");
    app->footer("Prints each column's name, type, missing count and a summary (distinct values, range or counts),\n"
                "the row count and, with --collect, the rejected rows with their reasons. A fatal error is\n"
                "printed as file:line:column: reason, with exit status 1; more rejected rows than --max-rejected\n"
                "allows, after the list, with exit status 3.");
    app->add_option("file", opts->data.file, "CSV file to read")->required();
    add_delimiter_option(*app, opts->data.delimiter);
    app->add_option("--missing", opts->data.missing,
                    "Extra cell texts that mean 'missing', comma-separated or repeated (e.g. --missing '?,n/a'). "
                    "They are ADDED to the defaults: an empty cell and NA always mean missing.")
        ->delimiter(',')
        ->allow_extra_args(false);
    add_collect_options(*app, opts->collect);
    add_limit_options(*app, opts->data.limits);
    add_db_options(*app, opts->db, false);
    app->get_option("file")->required(false);
    // Neither a file nor --db: a usage error, as a missing required argument is.
    app->parse_complete_callback([opts] {
        if (opts->data.file.empty() && !opts->db.active()) throw CLI::RequiredError("file (or --db)");
    });
    app->add_option("--top", opts->top_values, "Most frequent values to show per categorical column")
        ->check(whole_number())
        ->capture_default_str();
    add_format_option(*app, opts->format, "one document, schema leadscore.inspect/1");
    return {app, [opts] { run_inspect(*opts); }};
}

} // namespace leadscore::cli
