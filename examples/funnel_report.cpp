// A funnel report from a stage history, for a sales manager: stage conversion, the sales cycle with open deals
// censored, and each stage's chance to win. Reads `lead_id,stage,entered_at[,value][,source]` from the file named
// on the command line; without one, it writes a generated history to a temporary file and reads that, so the
// example runs anywhere (it is a ctest case).
#include <leadscore/leadscore.hpp>

#include <cstdio>
#include <filesystem>

using namespace leadscore;

int main(int argc, char** argv) try {
    std::filesystem::path path;
    if (argc > 1) {
        path = argv[1];
    } else {
        generator_options g;
        g.leads = 5000;
        const auto crm = generate_crm(g);
        path = std::filesystem::temp_directory_path() / "leadscore_example_history.csv";
        write_history_file(path, crm.history);
    }

    // 1. Read the history: a bad row stops with its file:line:column (error_mode::collect lists them instead).
    const funnel& stages = funnel::standard();
    const history_import in = read_history_file(path, stages);
    const journeys j(in.history, stages);
    const timestamp as_of = *latest_entry(in.history);

    // 2. Stage conversion.
    const conversion_group all = compute_conversion(j).total();
    std::printf("%zu leads, %zu stage entries, as of %s\n\n", j.leads(), j.size(), format_timestamp(as_of).c_str());
    std::printf("%-12s %8s %10s %8s\n", "stage", "entered", "converted", "rate");
    for (const std::size_t s : stages.open_stages()) {
        const auto& c = all.stages[s];
        std::printf("%-12s %8llu %10llu %7.1f%%\n", stages[s].name.c_str(), static_cast<unsigned long long>(c.entered),
                    static_cast<unsigned long long>(c.converted), 100 * c.conversion_rate());
    }
    std::printf("overall: %.1f%% of leads won\n\n", 100 * all.overall_conversion());

    // 3. Sales cycle: closed deals only, against Kaplan–Meier with the open ones censored at as_of.
    const timing_accumulator t = compute_timing(j, as_of);
    const double naive = t.to_close().summary().median / 86400.0;
    const auto km = t.to_close().survival().median();
    std::printf("median days to close: %.1f (closed deals only)", naive);
    if (km)
        std::printf(", %.1f (open deals censored)\n\n", static_cast<double>(*km) / 86400.0);
    else
        std::printf(", not reached with open deals censored\n\n");

    // 4. The Markov chain of stage moves: chance to win and days to close from each open stage.
    const markov_chain chain(compute_markov(j));
    for (const auto& s : outlook(chain))
        std::printf("%-12s P(win) %5.1f%%  %5.1f days to close  [%s]\n", s.name.c_str(), 100 * s.win_probability,
                    s.expected_days, std::string(to_string(s.status)).c_str());
    if (argc <= 1) std::filesystem::remove(path);
    return 0;
} catch (const leadscore::error& e) {
    std::fprintf(stderr, "funnel_report: %s\n", e.what());
    return 1;
}
