// leadscore inspect: read a CSV file and show what the reader made of it.

#include "collect.hpp"
#include "commands.hpp"
#include "database.hpp"
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
    app->add_option("--top", opts->top_values, "Most frequent values to show per categorical column")
        ->check(whole_number())
        ->capture_default_str();
    return {app, [opts] { run_inspect(*opts); }};
}

} // namespace leadscore::cli
