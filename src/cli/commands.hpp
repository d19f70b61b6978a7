#pragma once
// The program's commands. Each adds its sub-command (options and help) to the parent and returns how to run it
// once the command line has been parsed.

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace leadscore::cli {

struct command {
    CLI::App* app = nullptr;       ///< the sub-command; selected when *app is true after parsing
    std::function<void()> run;     ///< does the work; throws leadscore::error or std::exception on failure
};

/// A validator for count and seed options: a whole number that fits in 64 bits.
[[nodiscard]] CLI::Validator whole_number();

[[nodiscard]] command add_generate_command(CLI::App& parent);
[[nodiscard]] command add_inspect_command(CLI::App& parent);
[[nodiscard]] command add_demo_command(CLI::App& parent);

} // namespace leadscore::cli
