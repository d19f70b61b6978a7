#pragma once
// Text output for the command-line program: aligned tables, number formats, CSV cells and progress lines.

#include "leadscore/core/error.hpp"
#include "leadscore/core/progress.hpp"

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace leadscore::cli {

/// Options that cannot go together, or one missing that only the command can tell: found after parsing, yet a usage
/// error (exit status 2) as CLI11's own are.
class usage_error : public error {
public:
    using error::error;
};

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

/// How progress is shown on stderr: on a terminal only (the default), always (--progress: a live line on a terminal,
/// a line per tenth otherwise, for logs), or never (--quiet).
enum class progress_mode : unsigned char { terminal, always, never };

/// Adds --progress and --quiet to a command; they set the progress mode of the run.
void add_progress_options(CLI::App& app);
/// The progress mode the command line chose.
[[nodiscard]] progress_mode current_progress_mode() noexcept;

/// A phase of long work ("generating 1000000 leads... done in 3.2 s") on stderr, as the progress mode says: so piped
/// or captured output stays clean unless --progress asks for lines. Without done() (an exception), the line ends
/// "failed". The library's progress callbacks (callback()) add a percentage and the time left: on a terminal the
/// line is rewritten in place (at most ten times a second); in log lines, one line per tenth of the work.
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
    /// A callback for the library that shows done / total of this phase; always proceeds. Empty when nothing is
    /// shown. The phase must outlive the work it is given to.
    [[nodiscard]] progress_callback callback();

private:
    void show(double fraction);

    std::string what_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_shown_{};
    int last_tenth_ = 0;
    bool shown_ = false;
    bool live_ = false;  ///< a terminal line rewritten in place (else log lines)
    std::size_t width_ = 0; ///< of the live line last written, to blank what a shorter one leaves
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

/// Whether progress lines are shown (stderr is a terminal, or --progress, and not --quiet).
[[nodiscard]] bool progress_enabled() noexcept;

} // namespace leadscore::cli
