#pragma once
// CSV import into a lead_table and export from one (RFC 4180).

#include "leadscore/core/error.hpp"
#include "leadscore/core/file_path.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/progress.hpp"

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// What the reader does with a bad row: throw at the first one, or reject it (with its reason) and go on.
enum class error_mode : std::uint8_t {
    fail_fast, ///< throw input_error at the first bad row
    collect    ///< list each bad row as a rejected_row and read on
};

/// Sizes past which a CSV reader stops with input_error naming the line, whatever the error mode: they keep a
/// malformed or hostile file (a file without line breaks, a header of millions of columns) from taking the
/// memory of the machine. The defaults are far above what CRM exports hold; raise them for a file that needs it.
/// Every CSV-based reader of the library applies them (leads, stage histories, deal snapshots, funnel files, reps
/// and rules files; the last three with the defaults).
struct csv_limits {
    /// Bytes of one physical line, its line break excluded (a quoted cell may spread a record over several lines;
    /// each counts on its own). A file reader stops reading at the first longer line, so even an endless input
    /// without line breaks (/dev/zero) fails after this many bytes.
    std::size_t max_line_bytes = std::size_t{16} << 20;
    /// Fields of the header or of a row.
    std::size_t max_columns = 100'000;
    /// Bytes of one cell's text (quotes removed).
    std::size_t max_cell_bytes = std::size_t{1} << 20;
};

/// How read_csv reads a file.
struct csv_options {
    /// ',', ';' or a tab; '\0' detects it from the header line (the one of the three that occurs most often
    /// outside quotes, ',' on a tie).
    char delimiter = '\0';
    /// Cell texts (compared after removing the quotes) that mean "missing" in every column.
    std::vector<std::string> missing_tokens{"", "NA"};
    /// When set, the header must name every field of the schema (in any order) and cells are parsed by field
    /// type. When not set, types are inferred per column: timestamp when every present value parses as one
    /// (see parse_timestamp), else numeric when every present value parses as a number, else boolean when every
    /// present value is the word true or false (any case), else categorical.
    std::optional<schema> fields;
    /// With an explicit schema: header columns that the schema lacks are skipped instead of being an error.
    bool ignore_extra_columns = false;
    /// Columns read verbatim, for values that are copied to an output (an id): categorical, each cell's text
    /// (quotes removed) its value byte for byte, with no type inference and no missing tokens ("NA" is the text
    /// NA, an empty cell the empty text). Names the header lacks are passed over. With an explicit schema each one
    /// the header has must be a categorical field of it (definition_error otherwise).
    std::vector<std::string> text_columns;
    error_mode errors = error_mode::fail_fast; ///< what a bad row does
    csv_limits limits; ///< line, column and cell sizes that stop the reader
    /// Told the bytes of the text read so far and its size (leadscore/core/progress.hpp), every 4096 rows and at the
    /// end; cancel makes the reader throw cancelled_error "csv: reading <name>: cancelled". Empty: not told.
    progress_callback progress{};
};

/// A row the reader did not accept, and why. `where` is the place the exception would name in fail_fast mode: the
/// physical line and byte column of the bad cell or byte (for a row spanning lines, the line holding it).
struct rejected_row {
    source_location where; ///< see the struct comment
    std::string reason;    ///< what is wrong, without the place
};

/// What read_csv returns.
struct csv_result {
    lead_table table;                   ///< the accepted rows, under the given or inferred schema
    std::vector<rejected_row> rejected; ///< empty in fail_fast mode
    std::size_t rows_read = 0;          ///< data rows seen: table.rows() + rejected.size()
};

/// Reads CSV text. `name` is used in error messages ("leads.csv:12:7: …").
/// Throws input_error for a bad file as a whole (empty, no header, an empty or repeated column name, a schema
/// field missing from the header, a size beyond options.limits) and, in fail_fast mode, for the first bad row: an
/// unterminated quote, a wrong field count, a cell that does not parse as its field's type, invalid UTF-8. A quote
/// that never closes ends its record at the end of the line holding it, so the lines after it are read as rows.
[[nodiscard]] csv_result read_csv(std::string_view text, const csv_options& options = {},
                                  std::string_view name = "<memory>");
/// Reads a file; input_error names it when it cannot be opened, and names the line when a line is longer than
/// options.limits.max_line_bytes (reading stops there).
[[nodiscard]] csv_result read_csv_file(const file_path& path, const csv_options& options = {});

/// A text that is not a number, in a column whose other cells mostly are.
struct odd_cell_text {
    std::string text;          ///< the cell's text
    std::size_t cells = 0;     ///< cells holding it
    std::size_t first_row = 0; ///< the first row holding it (0 = the first data row)
};

/// A categorical column more than half of whose present cells are numbers: what kept inference from reading it as
/// numeric (a stray word, or a missing-value marker that is not a missing token).
struct numeric_lookalike {
    std::string field;                 ///< the column
    std::size_t present = 0;           ///< present cells
    std::size_t odd = 0;               ///< present cells that are not numbers
    std::vector<odd_cell_text> texts;  ///< the first few distinct such texts, in the order they first occur
};

/// The categorical columns of a table (as read_csv infers types: numbers as the reader reads them, after removing
/// blanks around them) that hold at least one text that is not a number while more than half of their present
/// cells are numbers, in schema order, each with at most `max_texts` of its odd texts. A caller that read without
/// a schema tells its user which cells to fix, or which texts to add as missing tokens.
[[nodiscard]] std::vector<numeric_lookalike> numeric_lookalikes(const table_view& table, std::size_t max_texts = 3);

/// Writes a header and one line per row. Cells holding the delimiter, a quote, CR or LF are quoted (quotes
/// doubled); missing values are empty cells; numbers are written so they read back exactly (shortest round-trip
/// form); booleans as true/false; timestamps as by format_timestamp. Events are not written. Throws
/// definition_error for a delimiter that is not ASCII, or is '\0', a quote, CR or LF.
void write_csv(std::ostream& out, const table_view& table, char delimiter = ',');
/// Writes a file (created or replaced) as write_csv does; leadscore::error names it when it cannot be written.
void write_csv_file(const file_path& path, const table_view& table, char delimiter = ',');

} // namespace leadscore
