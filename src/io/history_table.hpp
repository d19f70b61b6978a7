#pragma once
// Internal: the frame the history formats (event logs, deal snapshots) share over the CSV tokenizer: the header,
// the delimiter, the error mode and the row loop's bookkeeping; the per-lead attribute columns; the stage lookup.
// Their messages and places are the history formats' own (see record_fault).

#include "csv_tokenizer.hpp"
#include "csv_values.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/core/funnel.hpp"
#include "leadscore/core/lead_attributes.hpp"
#include "leadscore/io/history_csv.hpp"

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::detail::csv {

/// A structural fault as the history formats report it.
struct record_fault {
    line_column at;
    std::string reason;
};

/// The first fault of the record `records` holds, as the history and funnel formats report it, or nullopt: cell by
/// cell, a structural fault before invalid UTF-8 within one cell, and invalid UTF-8 placed at the start of its cell.
[[nodiscard]] std::optional<record_fault> history_fault(const record_reader& records);

/// The names of a funnel's stages, for messages: "suspect, lead, …".

/// A funnel's stage by name (funnel::find), remembering the answers for the few distinct texts a file holds.
class stage_lookup {
public:
    explicit stage_lookup(const funnel& f) : funnel_(f) {}
    [[nodiscard]] std::optional<std::size_t> find(std::string_view text);

private:
    static constexpr std::size_t capacity = 64; // past it, texts are looked up without being remembered
    const funnel& funnel_;
    std::vector<std::pair<std::string, std::optional<std::size_t>>> known_;
};

/// A history file's header and rows. Malformed rows (structure, UTF-8, field count) are reported and skipped by
/// next_row(); the caller refuses rows for their content with reject_cell().
class history_table {
public:
    /// Reads the header. Throws definition_error for a delimiter other than ',', ';', a tab or '\0', and
    /// input_error for an empty file, a malformed header, an empty or repeated column name.
    history_table(std::string_view text, const history_options& options, std::string_view name);

    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    /// Index of a column by name (compared after normalize_name), or npos.
    [[nodiscard]] std::size_t column(std::string_view name) const;
    /// Like column(); input_error when absent.
    [[nodiscard]] std::size_t require(std::string_view name) const;
    [[nodiscard]] std::size_t columns() const noexcept { return header_.size(); }
    /// A column's name as in the header (untrimmed).
    [[nodiscard]] const std::string& header(std::size_t c) const { return header_[c]; }

    /// Moves to the next well-formed row with the header's field count; false at the end.
    bool next_row();
    /// Cell c of the current row, its quotes removed.
    [[nodiscard]] std::string_view at(std::size_t c) const noexcept { return records_.cells()[c].view(); }
    [[nodiscard]] const cell& cell_at(std::size_t c) const noexcept { return records_.cells()[c]; }
    /// Cell c is one of the missing tokens.
    [[nodiscard]] bool missing(std::size_t c) const noexcept { return missing_.contains(records_.cells()[c]); }
    /// The first line of the current row.
    [[nodiscard]] std::size_t line() const noexcept { return records_.line(); }

    /// Refuses the current row: throws in fail_fast mode, else records it.
    void reject(source_location where, const std::string& reason);
    /// Refuses the current row because of cell c, placed at that cell and named by its column.
    void reject_cell(std::size_t c, const std::string& reason);

    std::vector<rejected_row> take_rejected() { return std::move(rejected_); }
    [[nodiscard]] std::size_t rows_read() const noexcept { return rows_read_; }

private:
    record_reader records_;
    missing_set missing_;
    error_mode errors_;
    csv_limits limits_;
    std::string name_;
    std::size_t header_line_ = 0;
    std::vector<std::string> header_, keys_;
    std::vector<rejected_row> rejected_;
    std::size_t rows_read_ = 0;
};

/// Per-lead attribute columns being filled: values land only once their row is taken.
class attribute_columns {
public:
    /// Every column of the table not in `taken` is an attribute.
    attribute_columns(const history_table& t, const std::vector<std::size_t>& taken);
    /// Checks the row's values against what lead `lead` (a history code, or -1 for a lead not seen yet) holds;
    /// false (after rejecting the row) when one differs.
    bool check(history_table& t, std::int32_t lead, std::string_view lead_id);
    /// Takes the row's values for lead `lead` (of `leads` so far) where it has none yet.
    void take(const history_table& t, std::size_t lead, std::size_t leads);
    /// The attributes, each with a code for each of `leads` leads.
    lead_attributes finish(std::size_t leads) &&;

private:
    std::vector<std::size_t> columns_; // file columns
    lead_attributes out_;
    std::vector<std::vector<std::size_t>> line_; // per attribute, per lead: the line that set the value
};

} // namespace leadscore::detail::csv
