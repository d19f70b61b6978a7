// leadscore: the command-line program. A thin shell over the library; each command lives in its own file.

#include "collect.hpp"
#include "commands.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/version.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <exception>
#include <iostream>
#include <new>
#include <vector>

namespace leadscore::cli {
CLI::Validator whole_number() {
    return CLI::Validator([](std::string& text) { return check_whole_number(text); }, "", "whole number");
}
} // namespace leadscore::cli

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

int report(const char* message) {
    std::cout.flush();
    std::cerr << "leadscore: " << message << '\n';
    return exit_failure;
}

} // namespace

int main(int argc, char** argv) {
    // A write past the file size limit (ulimit -f) then fails with EFBIG, reported with the file's name, and the
    // half-written new file is removed, instead of the process dying by SIGXFSZ.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"leadscore " LEADSCORE_VERSION_STRING
                 ": sales-lead scoring and funnel modeling.\n"
                 "Run 'leadscore COMMAND --help' for the options of a command.",
                 "leadscore"};
    app.set_version_flag("--version", std::string("leadscore ") + leadscore::version_string,
                         "Print the version and exit");
    app.require_subcommand(1);
    app.fallthrough(false);

    std::vector<leadscore::cli::command> commands;
    try {
        commands.push_back(leadscore::cli::add_generate_command(app));
        commands.push_back(leadscore::cli::add_inspect_command(app));
        commands.push_back(leadscore::cli::add_demo_command(app));
        commands.push_back(leadscore::cli::add_funnel_command(app));
        commands.push_back(leadscore::cli::add_train_command(app));
        commands.push_back(leadscore::cli::add_score_command(app));
        commands.push_back(leadscore::cli::add_evaluate_command(app));
        commands.push_back(leadscore::cli::add_route_command(app));
        commands.push_back(leadscore::cli::add_report_command(app));
        commands.push_back(leadscore::cli::add_import_xgboost_command(app));
        commands.push_back(leadscore::cli::add_show_command(app));
    } catch (const std::exception& e) {
        return report(e.what()); // a bug in the option definitions, not the user's fault
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 prints help, the version or the usage message; its own codes vary, ours are 0 or 2.
        return app.exit(e) == 0 ? 0 : exit_usage;
    }

    try {
        for (const auto& cmd : commands)
            if (*cmd.app) cmd.run();
        std::cout.flush();
        if (!std::cout) return report("cannot write to standard output");
        return 0;
    } catch (const leadscore::cli::too_many_rejected& e) {
        report(e.what());
        return leadscore::cli::exit_too_many_rejected;
    } catch (const leadscore::error& e) {
        return report(e.what());
    } catch (const std::bad_alloc&) {
        return report("out of memory");
    } catch (const std::exception& e) {
        return report(e.what());
    }
}
