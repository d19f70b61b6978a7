// libFuzzer target for the configuration loader: any bytes, read as a TOML configuration. Loading may refuse input
// only with leadscore::config_error; any other exception, a crash, a sanitizer report, a hang or an allocation past
// libFuzzer's -rss_limit_mb is a bug. A configuration that loads must load again to equal policies (the loader is a
// function of its text). Model parts are resolved by a loader that hands back a fixed policy, so that the code past
// a model reference is reached too.

#include "leadscore/io/config.hpp"
#include "leadscore/scoring/grade.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    leadscore::config_options options;
    options.load_model = [](const leadscore::model_reference& m) -> leadscore::scoring_policy {
        // A model path naming "bad" fails the way a broken archive would.
        if (m.file.string().find("bad") != std::string::npos)
            throw leadscore::input_error({m.file.string(), 0, 0, {}}, "not an archive");
        return leadscore::grade_policy(leadscore::grade_profile{
            "model", leadscore::letter_grade::c, {{"", leadscore::condition::is_missing("x"), 1}}});
    };
    leadscore::configuration first;
    try {
        first = leadscore::load_config(text, "fuzz.toml", options);
    } catch (const leadscore::config_error&) {
        return 0;
    }
    const auto again = leadscore::load_config(text, "fuzz.toml", options);
    if (!(again.qualification == first.qualification) || again.models.size() != first.models.size() ||
        static_cast<bool>(again.scoring) != static_cast<bool>(first.scoring) ||
        again.temperature.reasons() != first.temperature.reasons())
        std::abort();
    return 0;
}
