#pragma once
// Text output for the command-line program: aligned tables, number formats, CSV cells and progress lines.

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::cli {

/// Checks an option value is a whole number that fits in 64 bits (CLI11 alone lets "-3" wrap around).
[[nodiscard]] std::string check_whole_number(const std::string& text);

/// Shortest text that reads back as the same double ("93.994", "1e+20"); "nan" for NaN.
[[nodiscard]] std::string format_number(double v);
/// 100 * part / whole with one decimal ("12.5%"); "-" when whole is 0.
[[nodiscard]] std::string format_percent(double part, double whole);
/// A duration for people: "850 ms", "3.2 s".
[[nodiscard]] std::string format_seconds(double seconds);

/// Appends a CSV cell to `line`, quoted when it holds the delimiter, a quote, CR or LF (quotes doubled).
void append_csv_cell(std::string& line, std::string_view cell, char delimiter = ',');

/// Columns of text, each left- or right-aligned, widths fitted to the contents.
class text_table {
public:
    enum class align : unsigned char { left, right };
    struct column {
        std::string header;
        align alignment = align::left;
    };

    explicit text_table(std::vector<column> columns);
    /// Adds a row; missing trailing cells print empty, extra cells are an error (std::invalid_argument).
    void add_row(std::vector<std::string> cells);
    /// Prints the header and a rule (when `header`), then the rows, each line starting with `indent` spaces.
    void print(std::ostream& out, std::size_t indent = 2, bool header = true) const;

private:
    std::vector<column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

/// A phase of long work ("generating 1000000 leads... done in 3.2 s"), shown on stderr only when stderr is a
/// terminal, so piped or captured output stays clean. Without done() (an exception), the line ends "failed".
class progress_phase {
public:
    explicit progress_phase(std::string_view what);
    progress_phase(const progress_phase&) = delete;
    progress_phase& operator=(const progress_phase&) = delete;
    ~progress_phase();

    /// Ends the line with the elapsed time; `note` (such as "8800 rows") goes before it.
    void done(std::string_view note = {});
    /// Seconds since the phase started.
    [[nodiscard]] double elapsed() const;

private:
    std::chrono::steady_clock::time_point start_;
    bool shown_ = false;
    bool finished_ = false;
};

/// Prints a note about a file the command read ("leadscore: note: …") on stderr; nothing for an empty note.
void print_file_note(const std::string& note);

/// A file option of a command and the file it names (an empty name: the option was not given).
struct file_option {
    std::string_view option; ///< "--out"
    std::string_view file;   ///< the name given
};

/// Refuses, before any work, a command whose output files include one of its inputs or name one file twice: throws
/// leadscore::error "--out 'x.csv' is the same file as --data 'x.csv'". Files that exist are compared with
/// std::filesystem::equivalent (links, other spellings), others by their absolute paths.
void refuse_same_files(std::initializer_list<file_option> outputs, std::initializer_list<file_option> inputs);

/// Whether progress lines are shown (stderr is a terminal).
[[nodiscard]] bool progress_enabled() noexcept;

} // namespace leadscore::cli
