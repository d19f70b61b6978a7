// Training from a CSV file, saving the model, loading it in another program run and scoring new leads — the path
// of a CRM that trains nightly on its export and scores during the day. (`leadscore train` and `leadscore score`
// do the same from the command line.)
#include <leadscore/leadscore.hpp>
#include <leadscore/io/model.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

using namespace leadscore;
namespace fs = std::filesystem;

int main() {
    const fs::path dir = fs::temp_directory_path() / "leadscore_train_from_csv";
    fs::create_directories(dir);

    // 1. Last year's leads with their outcomes, as the CRM exports them, and this week's new leads.
    write_csv_file(dir / "history.csv", generate_crm({.leads = 20000, .seed = 1}).leads.view());
    write_csv_file(dir / "new_leads.csv", generate_crm({.leads = 2000, .seed = 2}).leads.view());

    // 2. Train: read the CSV with inferred types, learn a logistic model of outcome = won against lost.
    const csv_result data = read_csv_file(dir / "history.csv");
    const binary_target target{.field = "outcome", .positive = {"won"}, .negative = {"lost"}}; // open: left out
    logistic_trainer trainer;
    // Fields known only once a lead is closed (they would leak the answer), and texts unique to each lead.
    trainer.encoding.exclude = {"stage", "lost_stage", "id", "name", "email", "phone", "company", "job_title"};
    trainer.encoding.min_category_count = 20;
    const auto as_of = from_seconds(1798761600); // 2027-01-01
    auto fitted = fit(trainer, data.table.view(), target, as_of);
    std::printf("trained on %zu closed leads: %s\n", fitted.report.rows, fitted.report.message.c_str());

    // 3. Save: the model file carries the fields it reads (with their types), the policy, the report, the bands,
    //    and how the data was read (missing tokens, delimiter, the texts of each categorical field in training).
    model m;
    m.kind = "logistic";
    m.target = target;
    m.fields = model_fields(data.table.table_schema(), fitted.policy);
    m.policy = fitted.policy;
    m.report = fitted.report;
    m.bands = temperature_bands::from_base_rate(static_cast<double>(fitted.report.positives) /
                                                static_cast<double>(fitted.report.rows));
    m.contract = make_data_contract(data.table.view(), labelled_rows(target_labels(data.table.view(), target)),
                                    m.fields, csv_options{});
    save_model(dir / "leads.model", m);

    // 4. Load and score the new leads: columns matched by name, typed and read as in training; others ignored.
    //    Texts the training rows never held are counted, per field.
    const model loaded = load_model(dir / "leads.model");
    const csv_result fresh = read_model_data(loaded, dir / "new_leads.csv");
    std::vector<double> p(fresh.table.rows());
    loaded.policy.score_batch(fresh.table.view(), p, batch_options{.as_of = as_of});
    for (const auto& u : find_unseen_values(loaded, fresh.table.view())) std::printf("%s\n", u.describe().c_str());

    std::size_t counts[3] = {0, 0, 0};
    for (const double x : p) {
        const auto band = loaded.bands.band(x);
        ++counts[band == "hot" ? 2 : band == "warm" ? 1 : 0];
    }
    std::printf("%zu new leads scored: %zu hot, %zu warm, %zu cold (warm from %.3f, hot from %.3f)\n", p.size(),
                counts[2], counts[1], counts[0], loaded.bands.warm, loaded.bands.hot);

    // The loaded model scores exactly as the one that was saved.
    const std::vector<double> direct = score_batch(fitted.policy, fresh.table.view(), batch_options{.as_of = as_of});
    fs::remove_all(dir);
    if (direct != p) {
        std::printf("the loaded model scores differently\n");
        return 1;
    }
    return loaded.fields == m.fields && loaded.contract == m.contract && fitted.report.converged ? 0 : 1;
}
