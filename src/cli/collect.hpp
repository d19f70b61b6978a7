#pragma once
// What the commands that read rows past bad ones share (inspect, funnel): --collect, --show-rejected and
// --max-rejected, the list of rejected rows, and the failure when too large a share of the rows was rejected; and
// the size limits of the CSV reader, which every command that reads a data file lets the user raise.

#include "leadscore/core/error.hpp"
#include "leadscore/io/csv.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace leadscore::cli {

/// The options, as the command line gives them.
struct collect_options {
    bool collect = false;            ///< reject bad rows and go on
    std::size_t show_rejected = 20;  ///< rejected rows to list (0 = all)
    std::string max_rejected = "1%"; ///< the largest share of rejected rows that still succeeds
};

/// Thrown when more than --max-rejected of the rows read were rejected; the program exits with status 3.
class too_many_rejected : public error {
public:
    using error::error;
};

/// The program's exit status for too_many_rejected.
inline constexpr int exit_too_many_rejected = 3;

/// Adds --collect, --show-rejected and --max-rejected to a command.
void add_collect_options(CLI::App& app, collect_options& o);

/// Adds --max-line-bytes, --max-columns and --max-cell-bytes (the reader's csv_limits, defaults shown) to a command.
void add_limit_options(CLI::App& app, csv_limits& limits);

/// collect or fail_fast, as --collect says.
[[nodiscard]] error_mode errors_of(const collect_options& o) noexcept;

/// Prints "rejected rows: N" and the places and reasons of the first --show-rejected of them (nothing when none).
void print_rejected(std::ostream& out, const std::vector<rejected_row>& rejected, const collect_options& o);

/// Throws too_many_rejected when `rejected` is more than --max-rejected of `rows_read`.
void check_rejected_share(std::size_t rejected, std::size_t rows_read, const collect_options& o);

} // namespace leadscore::cli
