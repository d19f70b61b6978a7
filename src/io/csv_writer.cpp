#include "leadscore/io/csv.hpp"

#include "csv_tokenizer.hpp"
#include "csv_writer.hpp"
#include "text_file.hpp"

#include "leadscore/core/time.hpp"

#include <charconv>
#include <cmath>
#include <span>
#include <vector>

namespace leadscore {

void write_csv(std::ostream& out, const table_view& table, char delimiter) {
    if (!detail::csv::valid_delimiter(delimiter))
        throw definition_error("csv: the delimiter must be an ASCII character other than a quote, CR or LF");
    const auto& s = table.table_schema();
    const std::size_t columns = s.size();
    detail::csv::writer w(out, delimiter);
    for (std::size_t c = 0; c < columns; ++c) {
        if (c != 0) w.put(delimiter);
        // A first name starting with U+FEFF would read back as a byte order mark: quoted, it cannot.
        w.text(s[c].name, c == 0 && s[c].name.starts_with("\xEF\xBB\xBF"));
    }
    w.end_line();

    struct column_ref {
        field_type type;
        std::span<const double> numbers;
        std::span<const std::int32_t> codes;
        const dictionary* dict = nullptr;
        std::span<const std::int8_t> flags;
        std::span<const std::int64_t> times;
    };
    std::vector<column_ref> refs;
    refs.reserve(columns);
    for (std::size_t c = 0; c < columns; ++c) {
        column_ref r{s[c].type, {}, {}, nullptr, {}, {}};
        switch (r.type) {
        case field_type::numeric: r.numbers = table.numeric(c); break;
        case field_type::categorical: r.codes = table.codes(c), r.dict = &table.dict(c); break;
        case field_type::boolean: r.flags = table.booleans(c); break;
        case field_type::timestamp: r.times = table.timestamps(c); break;
        }
        refs.push_back(r);
    }
    // With one column a missing value would make an empty line, which the reader skips: write "" instead.
    const std::string_view missing = columns == 1 ? std::string_view("\"\"") : std::string_view();
    char number[64];
    for (std::size_t row = 0; row < table.rows(); ++row) {
        for (std::size_t c = 0; c < columns; ++c) {
            if (c != 0) w.put(delimiter);
            const auto& r = refs[c];
            switch (r.type) {
            case field_type::numeric: {
                const double v = r.numbers[row];
                if (std::isnan(v)) {
                    w.raw(missing);
                } else {
                    const auto res = std::to_chars(number, number + sizeof number, v);
                    w.raw({number, static_cast<std::size_t>(res.ptr - number)});
                }
                break;
            }
            case field_type::categorical: {
                const std::int32_t code = r.codes[row];
                if (code == missing_code) w.raw(missing);
                else if (const auto text = (*r.dict)[code]; text.empty()) w.raw(missing);
                else w.text(text);
                break;
            }
            case field_type::boolean: {
                const std::int8_t v = r.flags[row];
                w.raw(v == missing_flag ? missing : v != 0 ? std::string_view("true") : std::string_view("false"));
                break;
            }
            case field_type::timestamp: {
                const std::int64_t v = r.times[row];
                if (v == missing_time) w.raw(missing);
                else w.raw(format_timestamp(from_seconds(v)));
                break;
            }
            }
        }
        w.end_line();
    }
    w.flush();
}

void write_csv_file(const file_path& path, const table_view& table, char delimiter) {
    detail::write_text_file(path, [&](std::ostream& out) { write_csv(out, table, delimiter); });
}

} // namespace leadscore
