// Training and evaluation on a generated CRM: split the closed leads, learn a logistic model, compare it with the
// generator's true model on the same test leads, cross-validate, calibrate on the out-of-fold scores, and show
// conversion by score band. (docs/training.md explains each step.)
#include <leadscore/evaluate/cross_validation.hpp>
#include <leadscore/evaluate/metrics.hpp>
#include <leadscore/evaluate/split.hpp>
#include <leadscore/scoring/composite.hpp>
#include <leadscore/scoring/engine.hpp>
#include <leadscore/sim/generator.hpp>
#include <leadscore/train/calibration.hpp>
#include <leadscore/train/logistic.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

using namespace leadscore;

int main() {
    const auto crm = generate_crm({.leads = 20'000, .seed = 7});
    const auto view = crm.leads.view();
    const binary_target target{.field = "outcome", .positive = {"won"}, .negative = {"lost"}}; // open: unlabelled
    const auto labels = target_labels(view, target);

    // Split, fit, score, evaluate.
    const split s = train_test_split(labels, 0.3, /*seed=*/42); // stratified
    logistic_trainer trainer;
    trainer.encoding.exclude = {"lost_stage"}; // known only once a lead is lost: it would leak the answer
    trainer.encoding.event_counts = {"meeting_booked", "demo_requested", "pricing_page_visited", "unsubscribed"};
    trainer.encoding.min_category_count = 20;
    const fit_result<logistic_policy> model = trainer.fit({view, labels, s.train, crm.horizon, target.field});
    if (!model.report.converged) std::cerr << model.report.message << '\n'; // a value, never an exception
    std::cout << "fit: " << model.report.message << ", " << model.report.parameters << " parameters\n";
    for (const auto& note : model.report.notes) std::cout << "  note: " << note << '\n';

    const std::vector<double> p = score_batch(model.policy, view, batch_options{.as_of = crm.horizon});
    std::vector<std::int8_t> test_labels(labels.size(), unlabelled);
    for (const auto r : s.test) test_labels[r] = labels[r]; // evaluate the test rows only
    const evaluation_report e = evaluate(p, test_labels);
    const evaluation_report truth = evaluate(crm.won_probability, test_labels); // the generator's true model
    std::printf("test leads %zu: ROC AUC %.4f (true model %.4f), log loss %.4f (%.4f), Brier %.4f (%.4f), "
                "top-decile lift %.2f (%.2f)\n",
                e.rows, e.roc_auc, truth.roc_auc, e.log_loss, truth.log_loss, e.brier_score, truth.brier_score,
                e.gains[0].lift, truth.gains[0].lift);

    // Cross-validate; calibrate on the out-of-fold scores.
    const auto folds = k_fold(labels, 5, 42);
    const cross_validation cv = cross_validate(trainer, view, target, folds, crm.horizon);
    std::printf("5-fold ROC AUC %.4f ± %.4f, log loss %.4f\n", cv.mean_roc_auc, cv.sd_roc_auc, cv.mean_log_loss);
    const calibration_fit platt = fit_platt(cv.out_of_fold, labels);
    const calibrated_policy calibrated(model.policy, platt.map);
    std::printf("Platt: a = %.3f, b = %.3f (%s)\n", platt.map.a(), platt.map.b(), platt.report.message.c_str());

    // Conversion per band of the calibrated score (a temperature policy would give these bands).
    const auto q = score_batch(calibrated, view, batch_options{.as_of = crm.horizon});
    std::vector<std::int32_t> band(q.size());
    for (std::size_t r = 0; r < q.size(); ++r) band[r] = q[r] >= 0.5 ? 2 : q[r] >= 0.25 ? 1 : 0;
    const std::vector<std::string> names{"cold", "warm", "hot"};
    const band_conversion by_band = conversion_by_band(band, test_labels, names);
    for (const auto& b : by_band.bands)
        std::printf("  %-4s %6zu leads, %5zu tested, %5.1f %% won, %4.1f %% of the wins\n", b.band.c_str(), b.rows,
                    b.labelled, 100 * b.rate, 100 * b.share_of_positives);

    const auto everything = fit(trainer, view, target, crm.horizon); // every labelled row, one call
    std::printf("all %zu closed leads: %s\n", everything.report.rows,
                everything.report.message.c_str());
    return e.roc_auc > 0.6 && cv.folds.size() == 5 && everything.report.converged ? 0 : 1;
}
