#include "leadscore/io/csv.hpp"

#include "csv_reader.hpp"
#include "csv_values.hpp"
#include "text_file.hpp"

#include "leadscore/core/names.hpp"
#include "leadscore/core/progress.hpp"
#include "leadscore/core/time.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <span>
#include <unordered_map>

namespace leadscore {

namespace detail::csv {
namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();

} // namespace

const char* fault_message(fault_kind kind) noexcept {
    switch (kind) {
    case fault_kind::unterminated_quote: return "unterminated quoted cell (the quote opened here never closes)";
    case fault_kind::text_after_quote: return "unexpected text after the closing quote of a quoted cell";
    case fault_kind::none: break;
    }
    return "";
}

std::vector<std::string> checked_header(std::span<const cell> cells, const char* record, std::size_t record_line,
                                        const scan_result& r, std::string_view file) {
    const auto fail = [&](const char* at, const std::string& reason, std::string field = {}) {
        const auto [line, column] = place_in_record(record, record_line, at);
        throw input_error({std::string(file), line, column, std::move(field)}, reason);
    };
    const char* bad = first_invalid_utf8(record, r.end);
    if (r.fault != nullptr && r.fault < bad) fail(r.fault, fault_message(r.fault_type));
    if (bad != r.end) fail(bad, "header: invalid UTF-8 (byte 0x" + hex_byte(*bad) + ")");
    std::vector<std::string> names;
    names.reserve(cells.size());
    std::unordered_map<std::string_view, std::size_t> seen;
    for (std::size_t c = 0; c < cells.size(); ++c) {
        const std::string_view name = cells[c].view();
        if (name.empty()) fail(cells[c].raw, "header: column " + std::to_string(c + 1) + " has an empty name");
        if (const auto [it, added] = seen.emplace(name, c); !added)
            fail(cells[c].raw,
                 "header: column name '" + std::string(name) + "' appears twice (columns " +
                     std::to_string(it->second + 1) + " and " + std::to_string(c + 1) + ")",
                 std::string(name));
        names.emplace_back(name);
    }
    return names;
}

std::vector<std::string> checked_header(const record_reader& header, std::string_view file) {
    return checked_header(header.cells(), header.record(), header.line(), header.scanned(), file);
}

void check_limits_closely(const csv_limits& limits, std::span<const cell> cells, const char* record, const char* next,
                          std::size_t record_line, std::string_view file) {
    const auto fail = [&](std::size_t line, std::size_t column, const std::string& reason) {
        throw input_error({std::string(file), line, column, {}}, reason);
    };
    std::size_t line = record_line;
    for (const char* start = record; start < next; ++line) { // physical lines, up to each LF
        const auto* lf = static_cast<const char*>(std::memchr(start, '\n', static_cast<std::size_t>(next - start)));
        const char* stop = lf != nullptr ? lf : next;
        if (stop != start && stop[-1] == '\r') --stop; // a CR before the LF ends the line too
        if (static_cast<std::size_t>(stop - start) > limits.max_line_bytes)
            fail(line, limits.max_line_bytes + 1, detail::long_line_reason(limits.max_line_bytes));
        start = stop + 1;
    }
    if (cells.size() > limits.max_columns)
        fail(record_line, 0,
             "more than " + std::to_string(limits.max_columns) +
                 " fields (the limit csv_limits::max_columns; raise it for such a file)");
    for (const auto& c : cells)
        if (c.size > limits.max_cell_bytes) {
            const auto [l, column] = place_in_record(record, record_line, c.raw);
            fail(l, column,
                 "a cell longer than " + std::to_string(limits.max_cell_bytes) +
                     " bytes (the limit csv_limits::max_cell_bytes; raise it for such a file)");
        }
}

namespace {

/// A column the reader reads (columns it skips have none, so that they cost nothing but their name).
struct column_builder {
    std::size_t column = 0;         ///< the file column
    std::size_t target = 0;         ///< the output column
    field_type type = field_type::categorical;
    bool inferred = false;
    bool verbatim = false;          ///< a text column: categorical, no missing tokens
    bool seen_value = false;        ///< inferred: a present value was seen, so `type` is settled for now
    std::size_t pending_missing = 0; ///< inferred: missing values before the first present one
    column_data data;
    code_cache recent;
};

/// A parsed value of a typed explicit-schema cell, held until the whole row is known to be good.
struct staged_value {
    double number = 0;
    std::int64_t time = 0;
    std::int8_t flag = 0;
    bool missing = false;
};

/// Paths taken once or rarely (the header, a row's first value, faults, re-reading, the end) are [[gnu::noinline]],
/// which keeps the row loop small enough for the compiler to inline its per-cell helpers.
class lead_reader {
public:
    lead_reader(std::string_view text, const csv_options& options, std::string_view name)
        : options_(options), missing_(options.missing_tokens), name_(name) {
        if (options.delimiter != '\0' && !valid_delimiter(options.delimiter))
            throw definition_error("csv: the delimiter must be an ASCII character other than a quote, CR or LF");
        text = without_bom(text);
        begin_ = text.data();
        end_ = text.data() + text.size();
    }

    csv_result run() {
        const char* p = skip_blank_lines(begin_);
        if (p == end_) throw input_error({std::string(name_), 0, 0, {}}, "empty input: no header line");
        delimiter_ = options_.delimiter != '\0' ? options_.delimiter : detect_delimiter(p, end_);
        tokenizer tok(end_, delimiter_, cell_limit(options_.limits));
        p = read_header(tok, p);
        expected_rows_ = estimate_records(p, end_);
        for (auto& b : builders_)
            if (!b.inferred) reserve(b.data);
        data_begin_ = p;

        csv_result result{lead_table(initial_schema()), {}, 0};
        std::vector<staged_value> staged(builders_.size());
        scan_result r;
        for (p = skip_blank_lines(p); p != end_; p = skip_blank_lines(p)) {
            const char* record = p;
            const std::size_t record_line = line_;
            p = tok.scan(p, r);
            const auto cells = tok.cells();
            check_limits(options_.limits, cells, record, p, record_line, name_);
            line_ += r.newlines;
            if ((++result.rows_read & 4095) == 0 && options_.progress) report_bytes(p);
            const bool plain = !r.non_ascii && r.fault == nullptr && cells.size() == names_.size(); // a good row
            if (!plain && check_structure(cells, record, record_line, r, result)) {
                if (!explicit_) rejected_records_.push_back(record);
                continue;
            }
            if (explicit_) {
                if (!stage_row(cells, record, record_line, staged, result)) continue;
                commit_row(cells, staged);
            } else {
                misfits_.clear();
                for (std::size_t i = 0; i < builders_.size(); ++i) // inferred: builder i reads file column i
                    if (!push_inferred(builders_[i], cells[i])) misfits_.push_back(i);
                if (!misfits_.empty()) { // one re-read for all the columns this row turns categorical
                    to_categorical(record);
                    for (const std::size_t i : misfits_) {
                        auto& b = builders_[i];
                        auto& k = *std::get_if<categorical_column>(&b.data);
                        k.codes.push_back(b.recent.intern(k.dict, cells[b.column]));
                    }
                }
            }
            ++rows_;
        }
        if (options_.progress) report_bytes(end_);
        return finish(std::move(result));
    }

private:
    /// Progress by bytes: every few thousand rows, so the row loop pays one test of a counter.
    [[gnu::noinline]] void report_bytes(const char* at) const {
        detail::report_progress(options_.progress, static_cast<std::uint64_t>(at - begin_),
                                static_cast<std::uint64_t>(end_ - begin_), "csv: reading " + std::string(name_));
    }

    // ---- physical lines -------------------------------------------------------------------------------------

    const char* skip_blank_lines(const char* p) noexcept { return csv::skip_blank_lines(p, end_, line_); }

    /// The place of byte `at` of the record starting at `record` on line `record_line`.
    [[nodiscard]] source_location locate(const char* record, std::size_t record_line, const char* at,
                                         std::string field = {}) const {
        const auto [line, column] = place_in_record(record, record_line, at);
        return {std::string(name_), line, column, std::move(field)};
    }

    [[noreturn]] void fail(source_location where, const std::string& reason) const {
        throw input_error(std::move(where), reason);
    }

    void report(source_location where, std::string reason, csv_result& result) const {
        if (options_.errors == error_mode::fail_fast) fail(std::move(where), reason);
        result.rejected.push_back({std::move(where), std::move(reason)});
    }

    // ---- header ---------------------------------------------------------------------------------------------

    [[gnu::noinline]] const char* read_header(tokenizer& tok, const char* p) {
        const char* record = p;
        const std::size_t record_line = line_;
        scan_result r;
        p = tok.scan(p, r);
        const auto cells = tok.cells();
        check_limits(options_.limits, cells, record, p, record_line, name_);
        line_ += r.newlines;
        names_ = checked_header(cells, record, record_line, r, name_);
        explicit_ = options_.fields.has_value();
        const auto& text = options_.text_columns;
        const auto verbatim = [&](const std::string& name) {
            return std::find(text.begin(), text.end(), name) != text.end();
        };
        if (explicit_) {
            const auto& s = *options_.fields;
            std::vector<bool> found(s.size(), false);
            for (std::size_t c = 0; c < cells.size(); ++c) {
                const auto index = s.find(names_[c]);
                if (!index) {
                    if (options_.ignore_extra_columns) continue;
                    fail(locate(record, record_line, cells[c].raw, names_[c]),
                         "header: column '" + names_[c] + "' is not in the schema");
                }
                auto& b = builders_.emplace_back();
                b.column = c;
                b.target = *index;
                b.type = s[*index].type;
                b.data = empty_column(b.type);
                b.verbatim = verbatim(names_[c]);
                if (b.verbatim && b.type != field_type::categorical)
                    throw definition_error("csv: column '" + names_[c] + "' is to be read as text, but the schema types it " +
                                           std::string(to_string(b.type)));
                found[*index] = true;
            }
            refuse_missing_fields(s, found, record_line);
        } else {
            builders_.resize(cells.size());
            for (std::size_t c = 0; c < cells.size(); ++c) {
                auto& b = builders_[c];
                b.column = b.target = c;
                b.verbatim = verbatim(names_[c]);
                b.inferred = !b.verbatim;
                if (b.verbatim) b.data = categorical_column{}, b.seen_value = true; // its type is settled
            }
        }
        return p;
    }

    /// Names every schema field the header lacks at once, each with the header's closest name when one is close (a
    /// misspelling, another case), and a hint when the header reads as one column holding another delimiter.
    [[gnu::noinline]] void refuse_missing_fields(const schema& s, const std::vector<bool>& found,
                                                 std::size_t record_line) const {
        std::vector<std::string> missing;
        for (std::size_t f = 0; f < s.size(); ++f)
            if (!found[f]) missing.push_back(s[f].name);
        if (missing.empty()) return;
        std::string list;
        for (const auto& m : missing) {
            list += (list.empty() ? "'" : ", '") + m + "'";
            if (const auto near = closest_name(m, names_); !near.empty()) list += " (the header has '" + near + "')";
        }
        std::string reason;
        if (missing.size() == 1) {
            const auto near = closest_name(missing.front(), names_);
            reason = "header: schema field '" + missing.front() + "' is missing from the header" +
                     (near.empty() ? std::string() : " (the header has '" + near + "')");
        } else {
            reason = "header: " + std::to_string(missing.size()) + " schema fields are missing from the header: " + list;
        }
        reason += one_column_hint();
        fail({std::string(name_), record_line, 0, missing.size() == 1 ? missing.front() : std::string()}, reason);
    }

    /// "; the header reads as one column: is the delimiter ';'?" when the header is one name holding a delimiter
    /// other than the one read with; "" otherwise.
    [[nodiscard]] std::string one_column_hint() const {
        if (names_.size() != 1) return {};
        for (const char d : {',', ';', '\t', '|'}) {
            if (d == delimiter_ || names_.front().find(d) == std::string::npos) continue;
            const std::string shown = d == '\t' ? std::string("a tab") : "'" + std::string(1, d) + "'";
            return "; the header reads as one column, '" + names_.front() + "': is the delimiter " + shown + "?";
        }
        return {};
    }

    void reserve(column_data& data) const {
        std::visit([n = expected_rows_](auto& k) {
            if constexpr (requires { k.codes; }) k.codes.reserve(n);
            else k.values.reserve(n);
        }, data);
    }

    static column_data empty_column(field_type t) {
        switch (t) {
        case field_type::numeric: return numeric_column{};
        case field_type::categorical: return categorical_column{};
        case field_type::boolean: return boolean_column{};
        case field_type::timestamp: return timestamp_column{};
        }
        return categorical_column{};
    }

    /// The table's schema as far as known before the rows: an inferred one is set in finish().
    [[nodiscard]] leadscore::schema initial_schema() const {
        return explicit_ ? *options_.fields : leadscore::schema{};
    }

    // ---- rows -----------------------------------------------------------------------------------------------

    /// Reports a structural fault (quotes, UTF-8, field count) at its earliest place; true when the row is bad.
    [[gnu::noinline]] bool check_structure(std::span<const cell> cells, const char* record, std::size_t record_line,
                         const scan_result& r, csv_result& result) const {
        const char* bad = r.non_ascii ? first_invalid_utf8(record, r.end) : r.end; // ASCII is valid UTF-8
        if (r.fault == nullptr && bad == r.end && cells.size() == names_.size()) return false; // a good row
        const char* at = r.fault;
        std::string reason = r.fault != nullptr ? fault_message(r.fault_type) : "";
        if (bad != r.end && (at == nullptr || bad < at)) {
            at = bad;
            reason = "invalid UTF-8 (byte 0x" + hex_byte(*bad) + ")";
        }
        std::string field;
        bool count_fault = false;
        const std::size_t columns = names_.size();
        if (cells.size() != columns) {
            const bool too_many = cells.size() > columns;
            const char* place = too_many ? cells[columns].raw : r.end;
            if (at == nullptr || place < at) {
                at = place;
                reason = "expected " + std::to_string(columns) + " fields, found " + std::to_string(cells.size());
                if (!too_many) field = names_[cells.size()];
                count_fault = true;
            }
        }
        if (at == nullptr) return false;
        if (!count_fault) { // name the column of the cell holding the fault
            const std::size_t index = cell_holding(cells, at);
            if (index < names_.size()) field = names_[index];
        }
        report(locate(record, record_line, at, std::move(field)), std::move(reason), result);
        return true;
    }

    /// Parses the typed cells of an explicit-schema row; false (after reporting) when one is bad.
    bool stage_row(std::span<const cell> cells, const char* record, std::size_t record_line,
                   std::vector<staged_value>& staged, csv_result& result) const {
        for (std::size_t i = 0; i < builders_.size(); ++i) {
            const auto& b = builders_[i];
            if (b.type == field_type::categorical) continue;
            const std::size_t c = b.column;
            const std::string_view text = cells[c].view();
            auto& v = staged[i];
            v.missing = missing_.contains(cells[c]);
            if (v.missing) continue;
            const std::string_view t = trim_blanks(text);
            std::string reason;
            switch (b.type) {
            case field_type::numeric:
                if (read_number(cells[c], v.number)) continue;
                reason = quote_for_message(text) + " is not a number";
                break;
            case field_type::boolean:
                if (parse_bool(t, v.flag)) continue;
                reason = quote_for_message(text) + " is not a boolean (true/false, yes/no, 1/0)";
                break;
            case field_type::timestamp:
                if (const auto ts = parse_timestamp(t)) {
                    v.time = to_seconds(*ts);
                    continue;
                }
                reason = quote_for_message(text) + " is not a timestamp (YYYY-MM-DD, optionally with HH:MM:SS)";
                break;
            case field_type::categorical: break;
            }
            report(locate(record, record_line, cells[c].raw, names_[c]), std::move(reason), result);
            return false;
        }
        return true;
    }

    void commit_row(std::span<const cell> cells, const std::vector<staged_value>& staged) {
        for (std::size_t i = 0; i < builders_.size(); ++i) {
            auto& b = builders_[i];
            const std::size_t c = b.column;
            const auto& v = staged[i];
            switch (b.type) {
            case field_type::numeric:
                std::get_if<numeric_column>(&b.data)->values.push_back(v.missing ? quiet_nan : v.number);
                break;
            case field_type::boolean:
                std::get_if<boolean_column>(&b.data)->values.push_back(v.missing ? missing_flag : v.flag);
                break;
            case field_type::timestamp:
                std::get_if<timestamp_column>(&b.data)->values.push_back(v.missing ? missing_time : v.time);
                break;
            case field_type::categorical: {
                auto& k = *std::get_if<categorical_column>(&b.data);
                k.codes.push_back(!b.verbatim && missing_.contains(cells[c]) ? missing_code
                                                                             : b.recent.intern(k.dict, cells[c]));
                break;
            }
            }
        }
    }

    /// Inference: timestamp, else numeric, else boolean (true/false words), else categorical. Returns false, pushing
    /// nothing, for a value that does not fit the column's type so far: the column then becomes categorical (see
    /// to_categorical).
    bool push_inferred(column_builder& b, const cell& text) {
        const bool missing = !b.verbatim && missing_.contains(text);
        if (!b.seen_value) {
            first_inferred(b, missing, text);
            return true;
        }
        switch (b.type) {
        case field_type::categorical: {
            auto& k = *std::get_if<categorical_column>(&b.data);
            k.codes.push_back(missing ? missing_code : b.recent.intern(k.dict, text));
            return true;
        }
        case field_type::numeric: {
            auto& k = *std::get_if<numeric_column>(&b.data);
            double number = 0;
            if (missing) k.values.push_back(quiet_nan);
            else if (read_number(text, number)) k.values.push_back(number);
            else return false;
            return true;
        }
        case field_type::timestamp: {
            auto& k = *std::get_if<timestamp_column>(&b.data);
            if (missing) {
                k.values.push_back(missing_time);
                return true;
            }
            if (const auto ts = parse_timestamp(trim_blanks(text.view()))) {
                k.values.push_back(to_seconds(*ts));
                return true;
            }
            return false;
        }
        case field_type::boolean: {
            auto& k = *std::get_if<boolean_column>(&b.data);
            std::int8_t flag = 0;
            if (missing) k.values.push_back(missing_flag);
            else if (parse_bool_word(trim_blanks(text.view()), flag)) k.values.push_back(flag);
            else return false;
            return true;
        }
        }
        return true;
    }

    /// push_inferred before the column's first present value, which settles its type for now.
    [[gnu::noinline]] void first_inferred(column_builder& b, bool missing, const cell& cell) {
        if (missing) {
            ++b.pending_missing;
            return;
        }
        const std::string_view text = cell.view();
        const std::string_view t = trim_blanks(text);
        double number = 0;
        if (const auto ts = parse_timestamp(t)) {
            b.type = field_type::timestamp;
            timestamp_column k;
            k.values.assign(b.pending_missing, missing_time);
            k.values.push_back(to_seconds(*ts));
            b.data = std::move(k);
        } else if (parse_double(t, number)) {
            b.type = field_type::numeric;
            numeric_column k;
            k.values.assign(b.pending_missing, quiet_nan);
            k.values.push_back(number);
            b.data = std::move(k);
        } else if (std::int8_t flag = 0; parse_bool_word(t, flag)) {
            b.type = field_type::boolean;
            boolean_column k;
            k.values.assign(b.pending_missing, missing_flag);
            k.values.push_back(flag);
            b.data = std::move(k);
        } else {
            b.type = field_type::categorical;
            categorical_column k;
            k.codes.assign(b.pending_missing, missing_code);
            k.codes.push_back(b.recent.intern(k.dict, cell));
            b.data = std::move(k);
        }
        b.seen_value = true;
        reserve(b.data);
    }

    /// Turns the columns in misfits_ into categorical ones holding the original text of every row accepted before
    /// the record at `current`, re-reading the file up to it once.
    [[gnu::noinline]] void to_categorical(const char* current) {
        std::vector<categorical_column> built(misfits_.size());
        for (std::size_t i = 0; i < misfits_.size(); ++i) {
            built[i].codes.reserve(std::max(expected_rows_, rows_ + 1));
            builders_[misfits_[i]].recent = code_cache{};
        }
        tokenizer again(end_, delimiter_, cell_limit(options_.limits));
        scan_result r;
        auto next_rejected = rejected_records_.begin();
        std::size_t lines = 0; // not needed here
        for (const char* p = csv::skip_blank_lines(data_begin_, end_, lines); p < current;
             p = csv::skip_blank_lines(p, end_, lines)) {
            const char* record = p;
            p = again.scan(p, r);
            if (next_rejected != rejected_records_.end() && *next_rejected == record) {
                ++next_rejected;
                continue;
            }
            const auto cells = again.cells();
            for (std::size_t i = 0; i < misfits_.size(); ++i) {
                auto& b = builders_[misfits_[i]];
                const cell& text = cells[b.column];
                built[i].codes.push_back(missing_.contains(text) ? missing_code : b.recent.intern(built[i].dict, text));
            }
        }
        for (std::size_t i = 0; i < misfits_.size(); ++i) {
            builders_[misfits_[i]].type = field_type::categorical;
            builders_[misfits_[i]].data = std::move(built[i]);
        }
    }

    [[gnu::noinline]] csv_result finish(csv_result result) {
        if (!explicit_) {
            std::vector<field> fields;
            fields.reserve(builders_.size());
            for (auto& b : builders_) {
                if (!b.seen_value) { // all missing: categorical
                    categorical_column k;
                    k.codes.assign(b.pending_missing, missing_code);
                    b.data = std::move(k);
                    b.type = field_type::categorical;
                }
                fields.push_back({names_[b.column], b.type, field_role::none});
            }
            result.table = lead_table(leadscore::schema(std::move(fields)));
        }
        auto& table = result.table;
        for (auto& b : builders_) table.column(b.target) = std::move(b.data);
        table.event_offsets().assign(rows_ + 1, 0); // gives a table without columns its row count
        table.finish_rows();
        table.shrink_to_fit();
        return result;
    }

    const csv_options& options_;
    missing_set missing_;
    std::string_view name_;
    const char* begin_ = nullptr;
    const char* end_ = nullptr;
    char delimiter_ = ',';
    std::size_t line_ = 1;
    bool explicit_ = false;
    std::vector<std::string> names_;        // the header's, one per file column
    std::vector<column_builder> builders_; // the columns read, in file order
    const char* data_begin_ = nullptr;           // the first byte after the header
    std::vector<const char*> rejected_records_; // inference: rejected records, skipped when re-reading
    std::vector<std::size_t> misfits_;     // inference: builders the current row turns categorical
    std::size_t rows_ = 0;
    std::size_t expected_rows_ = 0;
};

} // namespace
} // namespace detail::csv

csv_result read_csv(std::string_view text, const csv_options& options, std::string_view name) {
    return detail::csv::lead_reader(text, options, name).run();
}

csv_result read_csv_file(const file_path& path, const csv_options& options) {
    const std::string data = detail::read_text_file(path, options.limits.max_line_bytes);
    return read_csv(data, options, path.string());
}

} // namespace leadscore
