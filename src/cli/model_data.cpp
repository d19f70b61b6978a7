#include "model_data.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace leadscore::cli {

namespace {
bool is_delimiter(const std::string& text) {
    return text == "auto" || text == "," || text == ";" || text == "tab" || text == "\\t" || text == "\t";
}
} // namespace

void add_data_options(CLI::App& app, data_options& o) {
    app.add_option("--data", o.file, "CSV file to read (a header line, then one row per lead)")->required();
    app.add_option("--delimiter,-d", o.delimiter,
                   "Field delimiter: ',', ';', 'tab' (or '\\t'), or 'auto' to detect it from the header")
        ->check(CLI::Validator(
            [](std::string& text) {
                return is_delimiter(text) ? std::string() : "expected ',', ';', 'tab', '\\t' or 'auto', got '" + text + "'";
            },
            "", "delimiter"))
        ->type_name("CHAR")
        ->capture_default_str();
    app.add_option("--missing", o.missing,
                   "Extra cell texts that mean 'missing', comma-separated or repeated (e.g. --missing '?,unknown'); "
                   "an empty cell and NA always do")
        ->delimiter(',')
        ->allow_extra_args(false);
}

csv_options to_csv_options(const data_options& o) {
    csv_options options;
    if (o.delimiter == "," || o.delimiter == ";") options.delimiter = o.delimiter[0];
    else if (o.delimiter == "tab" || o.delimiter == "\\t" || o.delimiter == "\t") options.delimiter = '\t';
    else if (o.delimiter != "auto") throw error("unknown delimiter '" + o.delimiter + "'");
    for (const auto& token : o.missing)
        if (std::find(options.missing_tokens.begin(), options.missing_tokens.end(), token) == options.missing_tokens.end())
            options.missing_tokens.push_back(token);
    return options;
}

std::string fixed(double v, int digits) {
    if (std::isnan(v)) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

} // namespace leadscore::cli
