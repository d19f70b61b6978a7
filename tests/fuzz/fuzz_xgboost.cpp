// libFuzzer target for the XGBoost importer: any bytes as a model file (and as a categories file). The importer may
// refuse input only with a leadscore::error; any other exception, a crash, a sanitizer report or a huge allocation
// (libFuzzer's -rss_limit_mb / -malloc_limit_mb) is a bug. Every categorical feature the input names is given a
// category list, so the fuzzer reaches the trees of models with categorical splits; a model the importer accepts
// must score (all-missing, all-zero and all-one rows) and pass validate.

#include "leadscore/io/xgboost.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Category lists for the features of type "c" the input declares (40 categories each), when it parses at all.
leadscore::xgboost_import_options fuzz_options(std::string_view text) {
    leadscore::xgboost_import_options options;
    std::string fixed(text);
    for (std::size_t p = fixed.find("NaN"); p != std::string::npos; p = fixed.find("NaN", p)) fixed.replace(p, 3, "0.0");
    const auto doc = nlohmann::json::parse(fixed, nullptr, false);
    if (!doc.is_object() || !doc.contains("learner") || !doc["learner"].is_object()) return options;
    const auto& learner = doc["learner"];
    const auto names = learner.find("feature_names");
    const auto types = learner.find("feature_types");
    if (types == learner.end() || !types->is_array()) return options;
    std::vector<std::string> categories;
    for (int i = 0; i < 40; ++i) categories.push_back("k" + std::to_string(i));
    for (std::size_t i = 0; i < types->size() && i < 1000; ++i) {
        if ((*types)[i] != "c") continue;
        std::string name = "f" + std::to_string(i);
        if (names != learner.end() && names->is_array() && i < names->size() && (*names)[i].is_string())
            name = (*names)[i].get<std::string>();
        options.categories[name] = categories;
    }
    return options;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        (void)leadscore::read_xgboost_categories(text, "fuzz.json");
    } catch (const leadscore::error&) {
    }
    for (const bool with_categories : {false, true}) {
        const leadscore::xgboost_import_options options =
            with_categories ? fuzz_options(text) : leadscore::xgboost_import_options{};
        try {
            const leadscore::tree_ensemble model = leadscore::import_xgboost(text, options, "fuzz.json");
            leadscore::validate(model); // must not throw: the importer returns valid models only
            for (const float v : {std::numeric_limits<float>::quiet_NaN(), 0.0f, 1.0f}) {
                const std::vector<float> values(model.inputs.size(), v);
                (void)leadscore::predict_margin(model, values);
            }
        } catch (const leadscore::error&) {
            // Refusing bad input is fine.
        }
    }
    return 0;
}
