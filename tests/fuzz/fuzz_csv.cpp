// libFuzzer target for the CSV reader: any bytes, several option sets (with text columns, and with size limits small
// enough to reach). The reader may refuse input only with a leadscore::error; any other exception, a crash or a
// sanitizer report is a bug. In collect mode every row read must be in the table or in the rejected list.

#include "leadscore/io/csv.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

namespace {

leadscore::schema fuzz_schema() {
    using leadscore::field_type;
    return leadscore::schema({{"id", field_type::categorical, leadscore::field_role::id},
                              {"n", field_type::numeric},
                              {"b", field_type::boolean},
                              {"t", field_type::timestamp}});
}

void check(std::string_view text, const leadscore::csv_options& options) {
    try {
        const auto r = leadscore::read_csv(text, options, "fuzz.csv");
        if (r.rows_read != r.table.rows() + r.rejected.size()) std::abort();
        if (options.errors == leadscore::error_mode::fail_fast && !r.rejected.empty()) std::abort();
        // What was accepted must write and read back as the same table.
        std::ostringstream out;
        leadscore::write_csv(out, r.table.view());
        leadscore::csv_options again;
        again.delimiter = ',';
        again.fields = r.table.table_schema();
        again.text_columns = options.text_columns; // a text column's "NA" is a text
        if (r.table.table_schema().size() > 0 && !(leadscore::read_csv(out.str(), again).table == r.table))
            std::abort();
    } catch (const leadscore::error&) {
        // Refusing bad input is fine.
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    static const leadscore::schema fields = fuzz_schema();
    for (const char delimiter : {'\0', ';'})
        for (const auto mode : {leadscore::error_mode::fail_fast, leadscore::error_mode::collect})
            for (const bool with_schema : {false, true}) {
                leadscore::csv_options options;
                options.delimiter = delimiter;
                options.errors = mode;
                if (with_schema) {
                    options.fields = fields;
                    options.ignore_extra_columns = delimiter == ';';
                    options.missing_tokens.push_back("Select");
                }
                // The id read as text; with ';', limits small enough for short inputs to reach.
                if (delimiter == '\0') options.text_columns = {"id"};
                else options.limits = {.max_line_bytes = 120, .max_columns = 6, .max_cell_bytes = 24};
                check(text, options);
            }
    return 0;
}
