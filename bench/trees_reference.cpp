// leadscore's side of the tree-scoring comparison with XGBoost (not a test: it reads files a script writes).
//
//   trees_reference <dir> <threads> <explain-rows>
//       Imports <dir>/model.json with <dir>/categories.json (written by bench/xgboost_trees_reference.py), reads
//       <dir>/leads.csv, then times scoring every lead (best of 5) and explaining the first <explain-rows> leads by
//       TreeSHAP (best of 3) on <threads> threads, and compares the margins of the first leads with XGBoost's
//       (<dir>/margins.txt). Prints key=value lines the script reads.
#include "leadscore/core/batch.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/io/xgboost.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/trees.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace leadscore;

namespace {

template <class F>
double best_seconds(int repeat, const F& f) {
    double best = 1e300;
    for (int i = 0; i < repeat; ++i) {
        const auto t = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
    }
    return best;
}

} // namespace

int main(int argc, char** argv) try {
    if (argc != 4) {
        std::fprintf(stderr, "usage: trees_reference <dir> <threads> <explain-rows>\n");
        return 2;
    }
    const std::string dir = argv[1];
    const auto threads = static_cast<unsigned>(std::stoul(argv[2]));
    const auto explain_rows = static_cast<std::size_t>(std::stoul(argv[3]));

    xgboost_import_options options;
    options.categories = read_xgboost_categories_file(dir + "/categories.json");
    const tree_ensemble_policy policy(import_xgboost_file(dir + "/model.json", options));
    const auto data = read_csv_file(dir + "/leads.csv");
    const table_view view = data.table.view();
    const std::size_t n = view.rows();

    batch_options batch;
    batch.threads = threads;
    std::vector<double> scores(n);
    const double score_s = best_seconds(5, [&] { score_batch(policy, view, std::span<double>(scores), batch); });

    const auto scorer = policy.bind(view, batch.as_of);
    const std::size_t m = std::min(explain_rows, n);
    const std::size_t width = policy.model().inputs.size() + 1;
    std::vector<double> phi(m * width);
    const double explain_s = best_seconds(3, [&] {
        detail::for_each_block(m, 16, threads, [&](std::size_t begin, std::size_t end) {
            for (std::size_t r = begin; r < end; ++r)
                scorer.contributions(r, std::span<double>(phi.data() + r * width, width));
        });
    });

    double worst = 0;
    std::size_t compared = 0;
    if (std::ifstream margins(dir + "/margins.txt"); margins) {
        double expected = 0;
        for (std::size_t r = 0; r < n && margins >> expected; ++r, ++compared)
            worst = std::max(worst, std::abs(scorer.margin(r) - expected));
    }
    std::printf("leadscore: %u threads, %zu trees, %zu leads\n", threads, policy.model().trees.size(), n);
    std::printf("  leadscore scoring: %.0f leads/s\n", static_cast<double>(n) / score_s);
    std::printf("  leadscore TreeSHAP: %.0f leads/s (%.1f us a lead)\n", static_cast<double>(m) / explain_s,
                1e6 * explain_s / static_cast<double>(m));
    std::printf("  margins of the first %zu leads: largest difference from XGBoost %.3g\n", compared, worst);
    std::printf("score_leads_per_second=%.6g\nexplain_leads_per_second=%.6g\nmargin_difference=%.6g\n",
                static_cast<double>(n) / score_s, static_cast<double>(m) / explain_s, worst);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "trees_reference: %s\n", e.what());
    return 1;
}
