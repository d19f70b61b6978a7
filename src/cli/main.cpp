// leadscore: the command-line program. A thin shell over the library; each command lives in its own file.

#include "collect.hpp"
#include "commands.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/core/names.hpp"
#include "leadscore/version.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <exception>
#include <iostream>
#include <new>
#include <string>
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

/// A first argument that names no command: "unknown command 'frobnicate'; did you mean 'generate'?" with the list of
/// commands, and the usage exit code; 0 when the first argument is an option or a command.
int refuse_unknown_command(const CLI::App& app, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return 0;
    const std::string given = argv[1];
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
    for (const auto& n : names)
        if (n == given) return 0;
    const std::string near = leadscore::closest_name(given, names);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    std::cerr << "leadscore: unknown command '" << given << "'"
              << (near.empty() ? std::string() : "; did you mean '" + near + "'?") << " (commands: " << list
              << "; 'leadscore --help' says what each does)\n";
    return exit_usage;
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

    if (const int code = refuse_unknown_command(app, argc, argv)) return code;
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
    } catch (const leadscore::cli::usage_error& e) {
        report(e.what());
        return exit_usage;
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
