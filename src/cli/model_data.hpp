#pragma once
// What the train, score and evaluate commands share: the CSV options they take and the reading of a data file.

#include "leadscore/io/csv.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace leadscore::cli {

/// The CSV options of a command that reads a data file.
struct data_options {
    std::string file;
    std::string delimiter = "auto";
    std::vector<std::string> missing;
};

/// Adds --data, --delimiter and --missing to a command.
void add_data_options(CLI::App& app, data_options& o);

/// The csv_options the flags give (fail-fast: a bad row stops the command with its place).
[[nodiscard]] csv_options to_csv_options(const data_options& o);

/// A number with `digits` decimals ("0.7833"); "n/a" for NaN.
[[nodiscard]] std::string fixed(double v, int digits = 4);

} // namespace leadscore::cli
