#include "collect.hpp"

#include "commands.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <ostream>
#include <string_view>

namespace leadscore::cli {

namespace {

/// A percentage, "1%" or "0.5%", from 0 to 100 (the number before the sign); nullopt for anything else.
std::optional<double> parse_rejected_percent(std::string_view text) {
    if (!text.ends_with('%')) return std::nullopt;
    text.remove_suffix(1);
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::fixed);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !(v >= 0 && v <= 100))
        return std::nullopt;
    return v;
}

} // namespace

void add_collect_options(CLI::App& app, collect_options& o) {
    app.add_flag("--collect", o.collect,
                 "Reject bad rows and go on, then list them with their reasons (default: stop at the first bad row)");
    app.add_option("--show-rejected", o.show_rejected, "With --collect: rejected rows to list (0 = all)")
        ->check(whole_number())
        ->capture_default_str();
    app.add_option("--max-rejected", o.max_rejected,
                   "With --collect: the largest share of the rows read that may be rejected, as a percentage; "
                   "above it the command fails (exit status 3) after listing them")
        ->check(CLI::Validator(
            [](std::string& text) {
                return parse_rejected_percent(text) ? std::string()
                                           : "expected a percentage from 0% to 100% such as 1% or 0.5%, got '" +
                                                 text + "' (--show-rejected sets how many rejected rows are listed)";
            },
            "PERCENT", "percentage"))
        ->type_name("PERCENT")
        ->capture_default_str();
}

void add_limit_options(CLI::App& app, csv_limits& limits) {
    const auto add = [&](const char* name, std::size_t& value, const char* what) {
        app.add_option(name, value, what)->check(whole_number())->capture_default_str()->group("CSV size limits");
    };
    add("--max-line-bytes", limits.max_line_bytes, "Bytes of one line of the file; a longer line is an error");
    add("--max-columns", limits.max_columns, "Fields of the header or of a row; more is an error");
    add("--max-cell-bytes", limits.max_cell_bytes, "Bytes of one cell; a longer cell is an error");
}

error_mode errors_of(const collect_options& o) noexcept {
    return o.collect ? error_mode::collect : error_mode::fail_fast;
}

void print_rejected(std::ostream& out, const std::vector<rejected_row>& rejected, const collect_options& o) {
    if (rejected.empty()) return;
    out << "rejected rows: " << rejected.size() << '\n';
    const std::size_t shown = o.show_rejected == 0 ? rejected.size() : std::min(o.show_rejected, rejected.size());
    for (std::size_t i = 0; i < shown; ++i) {
        const std::string where = rejected[i].where.to_string();
        out << "  " << (where.empty() ? std::string() : where + ": ") << rejected[i].reason << '\n';
    }
    if (shown < rejected.size())
        out << "  ... and " << rejected.size() - shown << " more (--show-rejected 0 shows all)\n";
}

void check_rejected_share(std::size_t rejected, std::size_t rows_read, const collect_options& o) {
    // The option's validator admits percentages only. Compared as 100 * rejected <= percent * rows, exact for
    // whole percentages.
    const double percent = parse_rejected_percent(o.max_rejected).value_or(0);
    if (rejected == 0 || 100.0 * static_cast<double>(rejected) <= percent * static_cast<double>(rows_read)) return;
    char share[32];
    std::snprintf(share, sizeof share, "%.1f%%", 100.0 * static_cast<double>(rejected) / static_cast<double>(rows_read));
    throw too_many_rejected("too many rejected rows: " + std::to_string(rejected) + " of " +
                            std::to_string(rows_read) + " rows read (" + share + "), more than --max-rejected " +
                            o.max_rejected);
}

} // namespace leadscore::cli
