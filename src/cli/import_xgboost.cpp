// leadscore import-xgboost: an XGBoost JSON model (and its categories) into a leadscore model file that `score`,
// `evaluate` and `report` read like a trained one.

#include "commands.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/io/xgboost.hpp"
#include "leadscore/scoring/trees.hpp"

#include <cmath>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

struct import_xgboost_options {
    std::string model_json;
    std::string categories;
    std::string out;
    std::vector<std::string> features; ///< NAME=FIELD
    std::string target = "converted";
    std::string positive;
    double base_rate = std::numeric_limits<double>::quiet_NaN();
};

void run_import_xgboost(const import_xgboost_options& o) {
    refuse_same_files({{"--out", o.out}}, {{"MODEL.json", o.model_json}, {"--categories", o.categories}});
    xgboost_import_options options;
    for (const auto& f : o.features) {
        const auto eq = f.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == f.size())
            throw definition_error("--feature " + in_quotes(f) + ": expected NAME=FIELD (an XGBoost feature and the "
                                   "column it reads)");
        if (!options.fields.emplace(f.substr(0, eq), f.substr(eq + 1)).second)
            throw definition_error("--feature: feature '" + f.substr(0, eq) + "' is given twice");
    }
    if (!o.categories.empty()) options.categories = read_xgboost_categories_file(o.categories);
    tree_ensemble ensemble = import_xgboost_file(o.model_json, options);

    model m;
    m.kind = "xgboost";
    // The data contract: each input's column with its type, the categories as the vocabulary (unseen texts are
    // read as missing, and `score` reports them).
    std::vector<field> fields;
    std::size_t categorical = 0;
    for (const auto& in : ensemble.inputs) {
        const bool cat = in.type == tree_input::kind::categorical;
        categorical += cat;
        fields.push_back({in.field, cat ? field_type::categorical : field_type::numeric});
        if (cat) m.contract.vocabulary.push_back({in.field, in.categories});
    }
    m.fields = schema(std::move(fields));
    m.target = {o.target, o.positive.empty() ? std::vector<std::string>{} : std::vector<std::string>{o.positive}, {}};
    m.target_type = o.positive.empty() ? field_type::boolean : field_type::categorical;
    if (!std::isnan(o.base_rate)) m.bands = temperature_bands::from_base_rate(o.base_rate);
    m.report.converged = true;
    // As a trained model counts them: the leaf values and the base score.
    m.report.parameters = 1;
    for (const auto& tree : ensemble.trees)
        for (const auto& node : tree.nodes) m.report.parameters += node.input == tree_node::leaf ? 1 : 0;
    m.report.message = "imported from XGBoost model " + o.model_json;
    const std::size_t trees = ensemble.trees.size();
    const std::size_t inputs = ensemble.inputs.size();
    m.policy = tree_ensemble_policy(std::move(ensemble));
    save_model(o.out, m);

    auto& out = std::cout;
    out << "model: xgboost, " << trees << " trees over " << inputs << " fields (" << inputs - categorical
        << " numeric, " << categorical << " categorical), from " << o.model_json << '\n';
    out << "target: " << o.target << (o.positive.empty() ? std::string(" (true/false)") : " = " + o.positive) << '\n';
    out << "temperature bands: warm >= " << fixed(m.bands.warm) << ", hot >= " << fixed(m.bands.hot)
        << (std::isnan(o.base_rate) ? " (the defaults; --base-rate sets them from a positive rate)" : "") << '\n';
    out << "wrote " << o.out << '\n';
}

} // namespace

command add_import_xgboost_command(CLI::App& parent) {
    auto opts = std::make_shared<import_xgboost_options>();
    CLI::App* app = parent.add_subcommand("import-xgboost",
                                          "Turn an XGBoost JSON model (save_model(\"model.json\")) into a model file");
    app->footer("Supported: gbtree boosters with binary:logistic or reg:logistic, numeric and categorical splits.\n"
                "Each XGBoost feature reads the column of its name (or of --feature's FIELD); features of type \"c\"\n"
                "are categorical and need their categories, in code order, in the --categories file:\n"
                "  {\"industry\": [\"banking\", \"retail\", ...], ...}   (pandas: list(df[col].cat.categories))\n"
                "The model file holds the columns read and their types; `leadscore score --model FILE` scores with\n"
                "it, giving the margins of XGBoost's predict(output_margin=True) as probabilities.");
    app->add_option("model", opts->model_json, "XGBoost model file (JSON)")->required();
    app->add_option("--categories", opts->categories,
                    "JSON file: each categorical feature's categories in code order");
    app->add_option("--feature", opts->features,
                    "NAME=FIELD: XGBoost feature NAME reads column FIELD (default: the column of its own name); "
                    "repeat for several")
        ->allow_extra_args(false);
    app->add_option("--target", opts->target,
                    "The column the model predicts, for `evaluate` (true/false unless --positive is given)")
        ->capture_default_str();
    app->add_option("--positive", opts->positive, "The target value that counts as a success (a categorical target)");
    app->add_option("--base-rate", opts->base_rate,
                    "The share of positives in training: sets the temperature bands as `train` does")
        ->check(CLI::Range(0.0, 1.0));
    app->add_option("--out,-o", opts->out, "Model file to write")->required();
    return {app, [opts] { run_import_xgboost(*opts); }};
}

} // namespace leadscore::cli
