// The accuracy and speed comparison with scikit-learn (not a test: it reads a data set the tests never need).
//
//   train_reference bank <bank-additional-full.csv> <split.txt>
//       UCI Bank Marketing without `duration`, target y = "yes": a stratified 70/30 split (seed 42), written as the
//       test rows' indices (one a line) so bench/sklearn_reference.py fits on exactly the same rows; then fits
//       logistic_trainer (one-hot + standardization, l2 = 1 = C) on the 70 % and prints the test metrics.
//   train_reference gbt <bank-additional-full.csv> <split.txt> [threads]
//       UCI Bank Marketing as in `bank`, split by a test-rows file (one index a line: the one `bank` writes, or
//       scikit-learn's own split, which `bench/xgboost_reference.py split` writes); fits gbt_trainer on the other
//       rows twice on `threads` threads (2) — with the configuration bench/xgboost_reference.py gives XGBoost (300
//       trees, depth 6, learning rate 0.05, other options at their defaults; median of 3 fits, timed from the table
//       in memory to the fitted policy) and with the defaults plus early stopping (50 trees of patience) — and prints
//       the test metrics of each, and a fingerprint of the first model (equal for any thread count and across
//       changes meant only for speed).
//   train_reference gbt-generated <leads> <leads.csv> [threads]
//       bench/train_data.hpp's table written as CSV (for `xgboost_reference.py generated`), then one gbt_trainer fit
//       on every row with XGBoost's configuration (300 trees, depth 6, learning rate 0.05) on `threads` threads (2);
//       prints the fit time, the model's fingerprint and the training ROC AUC.
//   train_reference generated <leads> <leads.csv>
//       bench/train_data.hpp's table of generated leads (16 fields) written as CSV, then fitted (every row) three
//       times; prints the median fit time and the training ROC AUC.
//
// See docs/training.md for the commands and the figures.
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/train/gbt.hpp"
#include "leadscore/train/logistic.hpp"

#include "train_data.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <span>
#include <string>
#include <vector>

using namespace leadscore;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void print_metrics(const char* what, const evaluation_report& e) {
    std::printf("%s: rows %zu, positives %zu, ROC AUC %.6f, average precision %.6f, log loss %.6f, Brier %.6f, "
                "top-decile lift %.3f\n",
                what, e.rows, e.positives, e.roc_auc, e.average_precision, e.log_loss, e.brier_score,
                e.gains.empty() ? 0.0 : e.gains.front().lift);
}

int bank(const std::string& csv, const std::string& split_out) {
    const auto data = read_csv_file(csv);
    const auto view = data.table.view();
    const binary_target target{.field = "y", .positive = {"yes"}};
    const auto labels = target_labels(view, target);
    const auto s = train_test_split(labels, 0.3, 42, true);
    {
        std::ofstream out(split_out);
        for (const auto r : s.test) out << r << '\n';
        if (!out) throw std::runtime_error("cannot write " + split_out);
    }
    logistic_trainer trainer;
    trainer.encoding.exclude = {"duration"}; // known only after the call: leakage
    const auto t0 = std::chrono::steady_clock::now();
    const auto fit = trainer.fit(training_set{view, labels, s.train, {}, target.field});
    const double fit_seconds = seconds_since(t0);
    std::printf("fit: %s; %zu parameters, objective %.6f, %.3f s\n", fit.report.message.c_str(),
                fit.report.parameters, fit.report.objective, fit_seconds);
    const auto scores = score_batch(fit.policy, view, batch_options{.threads = 1});
    std::vector<double> test_scores;
    std::vector<std::int8_t> test_labels;
    for (const auto r : s.test) {
        test_scores.push_back(scores[r]);
        test_labels.push_back(labels[r]);
    }
    print_metrics("leadscore test", evaluate(test_scores, test_labels));
    return 0;
}

/// The test rows' metrics of a fitted tree model (scored one lead at a time through the policy's scorer).
evaluation_report test_metrics(const tree_ensemble_policy& policy, const table_view& view,
                               std::span<const std::int8_t> labels, std::span<const std::size_t> test) {
    const auto scorer = policy.bind(view, {});
    std::vector<double> scores;
    std::vector<std::int8_t> test_labels;
    for (const auto r : test) {
        scores.push_back(scorer.score(r));
        test_labels.push_back(labels[r]);
    }
    return evaluate(scores, test_labels);
}

/// FNV-1a over every node's fields and category sets: equal fingerprints mean (all but surely) the same model bits,
/// which a change meant only for speed must keep.
std::uint64_t fingerprint(const tree_ensemble& model) {
    std::uint64_t h = 1469598103934665603ull;
    const auto mix = [&](const void* p, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k) h = (h ^ static_cast<const unsigned char*>(p)[k]) * 1099511628211ull;
    };
    for (const auto& tree : model.trees) {
        for (const auto& t : tree.nodes) {
            const std::array<std::uint32_t, 8> w{static_cast<std::uint32_t>(t.input),    t.left,
                                                 std::bit_cast<std::uint32_t>(t.value),  t.categories,
                                                 std::bit_cast<std::uint32_t>(t.cover),  std::bit_cast<std::uint32_t>(t.gain),
                                                 t.default_left,                         t.categorical};
            mix(w.data(), sizeof w);
        }
        mix(tree.category_bits.data(), tree.category_bits.size() * sizeof(std::uint32_t));
    }
    return h;
}

int gbt(const std::string& csv, const std::string& split_in, unsigned threads) {
    const auto data = read_csv_file(csv);
    const auto view = data.table.view();
    const binary_target target{.field = "y", .positive = {"yes"}};
    const auto labels = target_labels(view, target);
    split s;
    {
        std::ifstream in(split_in);
        std::vector<std::uint8_t> is_test(view.rows(), 0);
        for (std::size_t r; in >> r;) {
            if (r >= view.rows()) throw std::runtime_error(split_in + ": row " + std::to_string(r) + " is past the end");
            is_test[r] = 1;
        }
        if (!in.eof()) throw std::runtime_error("cannot read " + split_in);
        for (std::size_t r = 0; r < view.rows(); ++r)
            if (labels[r] != unlabelled) (is_test[r] ? s.test : s.train).push_back(r);
    }
    const training_set train{view, labels, s.train, {}, target.field};

    gbt_trainer xgb_like;
    xgb_like.inputs.exclude = {"duration"}; // known only after the call: leakage
    xgb_like.options.trees = 300;
    xgb_like.options.max_depth = 6;
    xgb_like.options.learning_rate = 0.05;
    xgb_like.options.threads = threads;
    std::vector<double> times;
    std::optional<fit_result<tree_ensemble_policy>> fit;
    for (int k = 0; k < 3; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        fit.emplace(xgb_like.fit(train));
        times.push_back(seconds_since(t0));
    }
    std::sort(times.begin(), times.end());
    std::printf("gbt (300 trees, depth 6, learning rate 0.05, %u threads): %s; %zu leaves, median of 3: %.3f s "
                "(%.3f to %.3f)\n",
                threads, fit->report.message.c_str(), fit->report.parameters - 1, times[1], times[0], times[2]);
    std::printf("model fingerprint %016llx\n", static_cast<unsigned long long>(fingerprint(fit->policy.model())));
    print_metrics("leadscore gbt test", test_metrics(fit->policy, view, labels, s.test));

    gbt_trainer defaults;
    defaults.inputs.exclude = {"duration"};
    defaults.options.early_stopping_rounds = 50;
    defaults.options.threads = threads;
    const auto t0 = std::chrono::steady_clock::now();
    const auto stopped = defaults.fit(train);
    const double stopped_seconds = seconds_since(t0);
    std::printf("gbt (defaults, early stopping after 50 trees without improvement): %s; %zu trees, %.3f s\n",
                stopped.report.message.c_str(), stopped.policy.model().trees.size(), stopped_seconds);
    print_metrics("leadscore gbt defaults test", test_metrics(stopped.policy, view, labels, s.test));
    return 0;
}

int gbt_generated(std::size_t leads, const std::string& csv_out, unsigned threads) {
    const auto table = bench::training_table(leads);
    write_csv_file(csv_out, table.view());
    const binary_target target{.field = "won", .positive = {"yes"}};
    gbt_trainer trainer;
    trainer.options.threads = threads;
    const auto t0 = std::chrono::steady_clock::now();
    const auto fit = leadscore::fit(trainer, table.view(), target, {});
    const double seconds = seconds_since(t0);
    std::printf("gbt (300 trees, depth 6, learning rate 0.05, %u threads): %s; %zu rows, %zu leaves, %.3f s\n", threads,
                fit.report.message.c_str(), fit.report.rows, fit.report.parameters - 1, seconds);
    std::printf("model fingerprint %016llx\n", static_cast<unsigned long long>(fingerprint(fit.policy.model())));
    const auto labels = target_labels(table.view(), target);
    std::vector<std::size_t> rows = labelled_rows(labels);
    print_metrics("leadscore gbt training", test_metrics(fit.policy, table.view(), labels, rows));
    return 0;
}

int generated(std::size_t leads, const std::string& csv_out) {
    const auto table = bench::training_table(leads);
    write_csv_file(csv_out, table.view());
    const binary_target target{.field = "won", .positive = {"yes"}};
    std::vector<double> times;
    fit_result<logistic_policy> fit{logistic_policy(logistic_model{}), {}};
    for (int k = 0; k < 3; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        fit = leadscore::fit(logistic_trainer{}, table.view(), target, {});
        times.push_back(seconds_since(t0));
    }
    std::sort(times.begin(), times.end());
    std::printf("fit: %s; %zu rows, %zu parameters, median of 3: %.3f s (%.3f to %.3f)\n", fit.report.message.c_str(),
                fit.report.rows, fit.report.parameters, times[1], times[0], times[2]);
    const auto scores = score_batch(fit.policy, table.view());
    print_metrics("leadscore training", evaluate(scores, target_labels(table.view(), target)));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        const std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "bank" && argc == 4) return bank(argv[2], argv[3]);
        if (mode == "gbt" && (argc == 4 || argc == 5))
            return gbt(argv[2], argv[3], argc == 5 ? static_cast<unsigned>(std::stoul(argv[4])) : 2);
        if (mode == "gbt-generated" && (argc == 4 || argc == 5))
            return gbt_generated(std::stoul(argv[2]), argv[3], argc == 5 ? static_cast<unsigned>(std::stoul(argv[4])) : 2);
        if (mode == "generated" && argc == 4) return generated(std::stoul(argv[2]), argv[3]);
        std::cerr << "usage: train_reference bank <bank-additional-full.csv> <split.txt>\n"
                     "       train_reference gbt <bank-additional-full.csv> <split.txt> [threads]\n"
                     "       train_reference gbt-generated <leads> <leads.csv> [threads]\n"
                     "       train_reference generated <leads> <leads.csv>\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "train_reference: " << e.what() << '\n';
        return 1;
    }
}
