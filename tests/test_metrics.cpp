// Evaluation: metrics from hand computations on tiny inputs (ties!), against independent slow definitions on
// random inputs (AUC as Mann–Whitney U counted pair by pair), boundaries and errors; splits and their determinism.
#include "leadscore/core/error.hpp"
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/evaluate/split.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace test_metrics {

using namespace leadscore;

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();
using labels_t = std::vector<std::int8_t>;

/// A small deterministic generator for the random cases (a 64-bit LCG's high bits).
struct lcg {
    std::uint64_t s;
    double uniform() {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(s >> 11) * 0x1.0p-53;
    }
};

/// AUC the slow way: every (positive, negative) pair, 1 for a win and ½ for a tie.
double slow_auc(const std::vector<double>& s, const labels_t& l) {
    double wins = 0, pairs = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (l[i] != 1) continue;
        for (std::size_t j = 0; j < s.size(); ++j) {
            if (l[j] != 0) continue;
            pairs += 1;
            wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
        }
    }
    return wins / pairs;
}

/// Average precision the slow way: for each distinct threshold t (descending), the rows with score ≥ t.
double slow_average_precision(const std::vector<double>& s, const labels_t& l) {
    std::set<double, std::greater<>> thresholds;
    double positives = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (l[i] != -1) {
            thresholds.insert(s[i]);
            positives += l[i] == 1;
        }
    double ap = 0, last_recall = 0;
    for (const double t : thresholds) {
        double tp = 0, all = 0;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (l[i] != -1 && s[i] >= t) {
                ++all;
                tp += l[i] == 1;
            }
        const double recall = tp / positives;
        ap += (recall - last_recall) * (tp / all);
        last_recall = recall;
    }
    return ap;
}

} // namespace

TEST_CASE("metrics: ROC AUC by hand, with ties") {
    // Positives 0.35 and 0.8, negatives 0.1 and 0.4: 0.35 beats 0.1 only, 0.8 beats both → 3 of 4 pairs.
    CHECK(roc_auc(std::vector<double>{0.1, 0.4, 0.35, 0.8}, labels_t{0, 0, 1, 1}) == 0.75);
    // Scores 1, 2, 2, 3 with labels 0, 1, 0, 1: (2 vs 1) 1, (2 vs 2) ½, (3 vs 1) 1, (3 vs 2) 1 → 3.5 / 4.
    CHECK(roc_auc(std::vector<double>{1, 2, 2, 3}, labels_t{0, 1, 0, 1}) == 0.875);
    // Everything tied: ½.
    CHECK(roc_auc(std::vector<double>{5, 5, 5, 5}, labels_t{1, 0, 1, 0}) == 0.5);
    // −0 and +0 are the same score: a tie.
    CHECK(roc_auc(std::vector<double>{-0.0, 0.0}, labels_t{1, 0}) == 0.5);
    // Infinite points are ordinary scores; unlabelled rows (even NaN ones) are left out.
    CHECK(roc_auc(std::vector<double>{-inf, inf, not_a_number, 3}, labels_t{0, 1, -1, 0}) == 1.0);
    // Reversed ranking: 0.
    CHECK(roc_auc(std::vector<double>{3, 2, 1}, labels_t{0, 1, 1}) == 0.0);
    // One class only: undefined.
    CHECK(std::isnan(roc_auc(std::vector<double>{1, 2}, labels_t{1, 1})));
    CHECK(std::isnan(roc_auc(std::vector<double>{}, labels_t{})));
}

TEST_CASE("metrics: ROC AUC equals Mann–Whitney U counted pair by pair, on the radix-sorted path") {
    // 3000 rows (the radix sort runs from 256 up), scores on a coarse grid so that ties are everywhere, negative
    // and positive values, labels depending on the score.
    lcg g{7};
    std::vector<double> s(3000);
    labels_t l(3000);
    for (std::size_t i = 0; i < s.size(); ++i) {
        s[i] = std::round(g.uniform() * 40) / 4 - 5; // −5 … 5 in steps of ¼
        const double p = 1 / (1 + std::exp(-s[i] / 2));
        l[i] = i % 17 == 0 ? std::int8_t{-1} : g.uniform() < p ? std::int8_t{1} : std::int8_t{0};
    }
    CHECK(roc_auc(s, l) == doctest::Approx(slow_auc(s, l)).epsilon(1e-14));
    CHECK(average_precision(s, l) == doctest::Approx(slow_average_precision(s, l)).epsilon(1e-12));
    // Continuous scores, no ties.
    for (auto& v : s) v = g.uniform() * 1e6 - 5e5;
    CHECK(roc_auc(s, l) == doctest::Approx(slow_auc(s, l)).epsilon(1e-14));
    CHECK(average_precision(s, l) == doctest::Approx(slow_average_precision(s, l)).epsilon(1e-12));
}

TEST_CASE("metrics: average precision by hand") {
    // Descending: 0.8 (+): precision 1, recall ½; 0.4 (−); 0.35 (+): precision 2/3, recall ½ → ½ + ⅓ = 5/6.
    CHECK(average_precision(std::vector<double>{0.1, 0.4, 0.35, 0.8}, labels_t{0, 0, 1, 1}) ==
          doctest::Approx(5.0 / 6).epsilon(1e-15));
    // One group of ties holding everything: precision ½ at recall 1.
    CHECK(average_precision(std::vector<double>{1, 1, 1, 1}, labels_t{1, 0, 1, 0}) == 0.5);
    // A tie of a positive and a negative at the top: precision ½ for that recall step, then 2/3.
    // Scores 9 (+), 9 (−), 5 (+): ½·½ + ½·⅔ = 7/12.
    CHECK(average_precision(std::vector<double>{9, 9, 5}, labels_t{1, 0, 1}) == doctest::Approx(7.0 / 12));
    CHECK(std::isnan(average_precision(std::vector<double>{1, 2}, labels_t{0, 0})));
}

TEST_CASE("metrics: log loss and Brier score by hand") {
    const std::vector<double> p{0.9, 0.2, 0.5};
    const labels_t y{1, 0, 1};
    // −(log 0.9 + log 0.8 + log 0.5) / 3; (0.01 + 0.04 + 0.25) / 3 = 0.1.
    CHECK(log_loss(p, y) == doctest::Approx(-(std::log(0.9) + std::log(0.8) + std::log(0.5)) / 3).epsilon(1e-15));
    CHECK(brier_score(p, y) == doctest::Approx(0.1).epsilon(1e-15));
    // Clipping: a certain wrong answer is scored at p = 1 − 1e−15 (as a double), so it costs about 34.5, not ∞.
    CHECK(log_loss(std::vector<double>{1.0}, labels_t{0}) == -std::log1p(-(1 - 1e-15)));
    CHECK(log_loss(std::vector<double>{0.0, 1.0}, labels_t{0, 1}) < 1e-14);
    // Boundaries: 0 and 1 are probabilities; 1.5 is not.
    CHECK(brier_score(std::vector<double>{0, 1}, labels_t{1, 1}) == 0.5);
    CHECK_THROWS_WITH_AS((void)log_loss(std::vector<double>{0.5, 1.5}, labels_t{1, 0}),
                         doctest::Contains("log_loss: row 1: the score 1.5"), input_error);
    CHECK_THROWS_WITH_AS((void)brier_score(std::vector<double>{not_a_number}, labels_t{1}),
                         doctest::Contains("brier_score: row 0: the score is NaN"), input_error);
    CHECK(std::isnan(log_loss(std::vector<double>{0.5}, labels_t{-1})));
    CHECK_THROWS_AS((void)log_loss(p, y, 0.7), definition_error);
}

TEST_CASE("metrics: bad labels and sizes") {
    CHECK_THROWS_WITH_AS((void)roc_auc(std::vector<double>{1, 2}, labels_t{1, 2}),
                         doctest::Contains("roc_auc: row 1: label 2 is not 1, 0 or unlabelled"), input_error);
    CHECK_THROWS_WITH_AS((void)roc_auc(std::vector<double>{1, 2}, labels_t{1}),
                         doctest::Contains("2 scores for 1 labels"), definition_error);
    CHECK_THROWS_WITH_AS((void)average_precision(std::vector<double>{not_a_number, 1}, labels_t{0, 1}),
                         doctest::Contains("row 0: the score is NaN"), input_error);
}

TEST_CASE("metrics: lift and gains by bin, ties split in proportion") {
    SUBCASE("10 rows, 5 bins of 2") {
        // Descending scores 10 … 1; positives at scores 10, 9, 7, 2. Base rate 0.4.
        std::vector<double> s;
        labels_t l;
        for (int v = 10; v >= 1; --v) {
            s.push_back(v);
            l.push_back(v == 10 || v == 9 || v == 7 || v == 2 ? 1 : 0);
        }
        const auto g = gains_table(s, l, 5);
        REQUIRE(g.size() == 5);
        // Bin 0: 10, 9 → 2 positives, rate 1, lift 2.5; bin 1: 8, 7 → 1; bin 2: none; bin 3: 4, 3 → 0; bin 4: 2, 1 → 1.
        CHECK(g[0].rows == 2);
        CHECK(g[0].positives == 2);
        CHECK(g[0].lift == doctest::Approx(2.5));
        CHECK(g[0].cumulative_gain == doctest::Approx(0.5));
        CHECK(g[1].positives == 1);
        CHECK(g[1].cumulative_gain == doctest::Approx(0.75));
        CHECK(g[1].cumulative_lift == doctest::Approx((3.0 / 4) / 0.4));
        CHECK(g[1].depth == doctest::Approx(0.4));
        CHECK(g[2].positives == 0);
        CHECK(g[4].positives == 1);
        CHECK(g[4].cumulative_gain == doctest::Approx(1.0));
        CHECK(g[4].cumulative_lift == doctest::Approx(1.0));
        CHECK(g[0].highest_score == 10);
        CHECK(g[0].lowest_score == 9);
    }
    SUBCASE("a tie across the boundary") {
        // Scores 3 (+), 2 (+), 2 (−), 1 (−), 2 bins of 2. The tie {2+, 2−} has one row in each bin, so each gets
        // half its positive: bin 0 = 1 + ½, bin 1 = ½.
        const auto g = gains_table(std::vector<double>{3, 2, 2, 1}, labels_t{1, 1, 0, 0}, 2);
        CHECK(g[0].positives == 1.5);
        CHECK(g[1].positives == 0.5);
        CHECK(g[0].lift == doctest::Approx(1.5)); // (1.5 / 2) / 0.5
        CHECK(g[0].highest_score == 3);
        CHECK(g[0].lowest_score == 2);
        CHECK(g[1].highest_score == 2);
    }
    SUBCASE("fewer rows than bins: bin k holds ranks ⌊k·n/b⌋ …") {
        // n = 3, 5 bins: edges 0, 0, 1, 1, 2, 3 → sizes 0, 1, 0, 1, 1.
        const auto g = gains_table(std::vector<double>{0.9, 0.5, 0.1}, labels_t{1, 0, 0}, 5);
        CHECK(g[0].rows == 0);
        CHECK(std::isnan(g[0].rate));
        CHECK(g[1].rows == 1);
        CHECK(g[1].positives == 1);
        CHECK(g[4].cumulative_gain == 1);
    }
    SUBCASE("no positives: lifts are NaN, zero bins refused") {
        const auto g = gains_table(std::vector<double>{1, 2}, labels_t{0, 0}, 2);
        CHECK(std::isnan(g[0].lift));
        CHECK_THROWS_AS((void)gains_table(std::vector<double>{1}, labels_t{1}, 0), definition_error);
    }
}

TEST_CASE("metrics: confusion matrix at a threshold (equal is positive)") {
    const std::vector<double> s{0.2, 0.5, 0.5, 0.8, 0.1};
    const labels_t l{0, 1, 0, 1, -1};
    const auto m = confusion_at(s, l, 0.5);
    CHECK(m == confusion_matrix{.true_positives = 2, .false_positives = 1, .true_negatives = 1, .false_negatives = 0});
    CHECK(m.precision() == doctest::Approx(2.0 / 3));
    CHECK(m.recall() == 1);
    CHECK(m.specificity() == 0.5);
    CHECK(m.accuracy() == 0.75);
    CHECK(m.f1() == doctest::Approx(0.8)); // 4 / (4 + 1 + 0)
    const auto none = confusion_at(s, l, 0.9);
    CHECK(std::isnan(none.precision()));
    CHECK(none.recall() == 0);
    CHECK_THROWS_AS((void)confusion_at(s, l, not_a_number), definition_error);
}

TEST_CASE("metrics: reliability table") {
    SUBCASE("uniform bins") {
        // 0.05 (0), 0.15 (1), 0.15 (0), 0.95 (1), 1.0 (1): bins 0, 1, 1, 9, 9 (1.0 belongs to the last bin).
        const std::vector<double> s{0.05, 0.15, 0.15, 0.95, 1.0};
        const labels_t l{0, 1, 0, 1, 1};
        const auto t = reliability(s, l, 10);
        REQUIRE(t.bins.size() == 10);
        CHECK(t.bins[0].rows == 1);
        CHECK(t.bins[1].rows == 2);
        CHECK(t.bins[1].observed_rate == 0.5);
        CHECK(t.bins[1].mean_score == doctest::Approx(0.15));
        CHECK(t.bins[9].rows == 2);
        CHECK(t.bins[9].mean_score == doctest::Approx(0.975));
        CHECK(t.bins[5].rows == 0);
        CHECK(std::isnan(t.bins[5].mean_score));
        CHECK(t.bins[3].lower == doctest::Approx(0.3));
        // ECE = 1/5·0.05 + 2/5·0.35 + 2/5·0.025 = 0.16; MCE = 0.35.
        CHECK(t.expected_calibration_error == doctest::Approx(0.16));
        CHECK(t.max_calibration_error == doctest::Approx(0.35));
    }
    SUBCASE("quantile bins keep ties together") {
        // Sorted 0.1, 0.2, 0.2, 0.2, 0.6, 0.9, 2 bins: edge at rank 3 → 0.2; 0.2 is also above the lowest, so
        // bin 0 = {0.1}, bin 1 = the rest (ties at the edge go up).
        const std::vector<double> s{0.2, 0.1, 0.2, 0.9, 0.2, 0.6};
        const labels_t l{0, 0, 1, 1, 0, 1};
        const auto t = reliability(s, l, 2, binning::quantile);
        REQUIRE(t.bins.size() == 2);
        CHECK(t.bins[0].rows == 1);
        CHECK(t.bins[1].rows == 5);
        CHECK(t.bins[1].lower == 0.2);
        CHECK(t.bins[1].upper == 0.9);
        CHECK(t.bins[1].observed_rate == 0.6);
    }
    CHECK_THROWS_AS((void)reliability(std::vector<double>{2.0}, labels_t{1}), input_error);
}

TEST_CASE("metrics: conversion per temperature band") {
    const std::vector<std::string> names{"cold", "warm", "hot"};
    const std::vector<std::int32_t> bands{0, 0, 1, 2, 2, 2, -1, 1};
    const labels_t l{0, 1, 0, 1, 1, 0, 1, -1};
    const auto c = conversion_by_band(bands, l, names);
    REQUIRE(c.bands.size() == 3);
    CHECK(c.unbanded == 1);
    CHECK(c.bands[0].band == "cold");
    CHECK(c.bands[0].rate == 0.5);
    CHECK(c.bands[1].rows == 2);
    CHECK(c.bands[1].labelled == 1);
    CHECK(c.bands[1].rate == 0);
    CHECK(c.bands[2].rate == doctest::Approx(2.0 / 3));
    CHECK(c.bands[2].share_of_positives == doctest::Approx(2.0 / 3)); // 2 of the 3 banded positives
    // An enum band type, as the temperature layer's (cold, warm, hot, unknown): unknown needs a name of its own.
    enum class temp : std::uint8_t { cold, warm, hot, unknown };
    const std::vector<temp> t{temp::cold, temp::cold, temp::warm, temp::hot, temp::hot, temp::hot, temp::unknown,
                              temp::warm};
    CHECK_THROWS_WITH_AS((void)conversion_by_band(t, l, names), doctest::Contains("row 6: band 3"), input_error);
    const std::vector<std::string> four{"cold", "warm", "hot", "unknown"};
    const auto e = conversion_by_band(t, l, four);
    CHECK(e.bands[2].rate == doctest::Approx(2.0 / 3));
    CHECK(e.bands[3].positives == 1); // row 6
    CHECK(e.unbanded == 0);
    const std::vector<std::int8_t> small{0, 0, 1, 2, 2, 2, -1, 1}; // another integer type: same as int32
    CHECK(conversion_by_band(small, l, names).bands[2].rate == c.bands[2].rate);
    const std::vector<std::int32_t> bad{0, 3};
    CHECK_THROWS_WITH_AS((void)conversion_by_band(bad, labels_t{1, 1}, names),
                         doctest::Contains("row 1: band 3 is not below the 3 band names"), input_error);
}

TEST_CASE("metrics: evaluate gathers every metric and can skip unscored rows") {
    const std::vector<double> s{0.1, 0.4, 0.35, 0.8, not_a_number, 0.3};
    const labels_t l{0, 0, 1, 1, 1, -1};
    CHECK_THROWS_AS((void)evaluate(s, l), input_error);
    const auto e = evaluate(s, l, {.skip_unscored = true});
    CHECK(e.unscored == 1);
    CHECK(e.rows == 4);
    CHECK(e.positives == 2);
    CHECK(e.base_rate == 0.5);
    CHECK(e.roc_auc == 0.75);
    CHECK(e.average_precision == doctest::Approx(5.0 / 6));
    const std::vector<double> s4{0.1, 0.4, 0.35, 0.8};
    const labels_t l4{0, 0, 1, 1};
    CHECK(e.log_loss == log_loss(s4, l4));
    CHECK(e.brier_score == brier_score(s4, l4));
    CHECK(e.confusion == confusion_at(s4, l4, 0.5));
    CHECK(e.gains.size() == 10);
    CHECK(e.reliability.bins.size() == 10);
    // Points: no probability metrics, scores outside [0, 1] fine.
    const std::vector<double> points{10, 40, 35, 80};
    const auto p = evaluate(points, l4, {.scale = score_scale::points, .threshold = 50});
    CHECK(p.roc_auc == 0.75);
    CHECK(std::isnan(p.log_loss));
    CHECK(p.reliability.bins.empty());
    CHECK(p.confusion.true_positives == 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Splits
// ---------------------------------------------------------------------------------------------------------------

namespace {

labels_t class_labels(std::size_t positives, std::size_t negatives, std::size_t unlabelled_rows) {
    // Interleaved: every third row positive while positives last, then negatives, then unlabelled rows.
    labels_t l;
    const std::size_t n = positives + negatives + unlabelled_rows;
    for (std::size_t i = 0; i < n; ++i) {
        if ((i % 3 == 0 || negatives == 0) && positives > 0) {
            --positives;
            l.push_back(1);
        } else if (negatives > 0) {
            --negatives;
            l.push_back(0);
        } else {
            l.push_back(-1);
        }
    }
    return l;
}

std::size_t count(const std::vector<std::size_t>& rows, const labels_t& l, std::int8_t v) {
    return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [&](std::size_t r) { return l[r] == v; }));
}

} // namespace

TEST_CASE("split: a seeded, stratified train/test split") {
    const auto l = class_labels(100, 900, 37);
    const auto s = train_test_split(l, 0.3, 42);
    // ⌊0.3·100 + ½⌋ = 30 positives and 270 negatives test; unlabelled rows are in neither part.
    CHECK(count(s.test, l, 1) == 30);
    CHECK(count(s.test, l, 0) == 270);
    CHECK(count(s.train, l, 1) == 70);
    CHECK(count(s.train, l, 0) == 630);
    CHECK(std::is_sorted(s.train.begin(), s.train.end()));
    CHECK(std::is_sorted(s.test.begin(), s.test.end()));
    std::vector<std::size_t> all = s.train;
    all.insert(all.end(), s.test.begin(), s.test.end());
    std::sort(all.begin(), all.end());
    CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
    CHECK(all.size() == 1000);
    // Same seed, same split; another seed, another one.
    CHECK(train_test_split(l, 0.3, 42) == s);
    CHECK(train_test_split(l, 0.3, 43) != s);
    // Unstratified: ⌊0.3·1000 + ½⌋ = 300 test rows, classes as they fall.
    const auto u = train_test_split(l, 0.3, 42, false);
    CHECK(u.test.size() == 300);
    CHECK(train_test_split(l, 0.0, 1).test.empty());
    CHECK(train_test_split(l, 1.0, 1).train.empty());
    CHECK_THROWS_AS((void)train_test_split(l, 1.5, 1), definition_error);
    CHECK_THROWS_AS((void)train_test_split(l, not_a_number, 1), definition_error);
}

TEST_CASE("split: k folds cover every labelled row once") {
    const auto l = class_labels(53, 400, 5);
    const auto folds = k_fold(l, 5, 7);
    REQUIRE(folds.size() == 5);
    std::vector<int> tested(l.size(), 0);
    for (const auto& f : folds) {
        for (const auto r : f.test) ++tested[r];
        CHECK(f.train.size() + f.test.size() == 453);
        // 53 positives over 5 folds: 10 or 11 each; 400 negatives: 80 each.
        const auto p = count(f.test, l, 1);
        CHECK((p == 10 || p == 11));
        CHECK(count(f.test, l, 0) == 80);
    }
    for (std::size_t r = 0; r < l.size(); ++r) CHECK(tested[r] == (l[r] == -1 ? 0 : 1));
    CHECK(k_fold(l, 5, 7) == folds);
    CHECK_THROWS_WITH_AS((void)k_fold(l, 1, 7), doctest::Contains("k must be at least 2"), definition_error);
}

TEST_CASE("split: by time") {
    // Rows at times 10 … 100 (row 9 has no time, row 4 is unlabelled).
    labels_t l(11, 0);
    l[4] = -1;
    std::vector<std::int64_t> t;
    for (std::int64_t i = 1; i <= 11; ++i) t.push_back(i * 10);
    t[9] = missing_time;
    SUBCASE("at a cutoff: the cutoff itself is test") {
        const auto s = time_split(l, t, from_seconds(60));
        CHECK(s.train == std::vector<std::size_t>{0, 1, 2, 3});
        CHECK(s.test == std::vector<std::size_t>{5, 6, 7, 8, 10});
        CHECK(s.left_out == 1);
    }
    SUBCASE("by fraction") {
        // 9 rows with a time: cutoff at rank ⌈0.7·9⌉ = 7 of times 10 20 30 40 60 70 80 90 110 → 90.
        const auto s = time_split(l, t, 0.3);
        CHECK(s.test == std::vector<std::size_t>{8, 10});
        CHECK(s.train.size() == 7);
    }
    SUBCASE("forward-chaining folds") {
        // 9 timed rows in 3 runs of 3: {10, 20, 30} {40, 60, 70} {80, 90, 110}.
        const auto f = time_folds(l, t, 2);
        REQUIRE(f.size() == 2);
        CHECK(f[0].train == std::vector<std::size_t>{0, 1, 2});
        CHECK(f[0].test == std::vector<std::size_t>{3, 5, 6});
        CHECK(f[1].train == std::vector<std::size_t>{0, 1, 2, 3, 5, 6});
        CHECK(f[1].test == std::vector<std::size_t>{7, 8, 10});
    }
    SUBCASE("a run boundary never separates equal times") {
        const std::vector<std::int64_t> same{5, 5, 5, 5, 9, 9};
        const labels_t six(6, 1);
        const auto f = time_folds(six, same, 2); // boundaries 2 → 4 (past the 5s), 4
        REQUIRE(f.size() == 1);
        CHECK(f[0].train == std::vector<std::size_t>{0, 1, 2, 3});
        CHECK(f[0].test == std::vector<std::size_t>{4, 5});
    }
    CHECK_THROWS_AS((void)time_split(l, std::vector<std::int64_t>{1}, 0.5), definition_error);
    CHECK_THROWS_AS((void)time_split(l, t, 0.0), definition_error);
}

} // namespace test_metrics
