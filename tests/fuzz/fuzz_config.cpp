// libFuzzer target for the configuration loader: any bytes, read as a TOML configuration. Loading may refuse input
// only with leadscore::config_error; any other exception, a crash, a sanitizer report, a hang or an allocation past
// libFuzzer's -rss_limit_mb is a bug. A configuration that loads must load again to equal policies (the loader is a
// function of its text). Model parts are resolved by a loader that hands back a fixed policy, so that the code past
// a model reference is reached too; a policy type registered as `kind = "fuzz.policy"` reads its section with every
// getter config_section has, so that a registered reader's paths are reached as well.

#include "leadscore/io/config.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/scoring/grade.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

struct fuzz_policy {
    double value = 0;
    [[nodiscard]] leadscore::score_scale scale() const { return leadscore::score_scale::points; }
    struct scorer {
        double value;
        [[nodiscard]] double score(std::size_t) const { return value; }
    };
    [[nodiscard]] scorer bind(const leadscore::table_view&, leadscore::timestamp) const { return {value}; }
};

fuzz_policy read_fuzz_policy(const leadscore::config_section& s) {
    fuzz_policy p;
    p.value = s.number_or("number", 0);
    p.value += static_cast<double>(s.integer_or("integer", -5, 5, 0));
    if (s.text_or("text", "") == "refuse") s.fail("text", "refused");
    (void)s.flag("flag");
    (void)s.texts("texts");
    (void)s.numbers("numbers");
    if (const auto t = s.section("section")) (void)t->number("number");
    if (const auto list = s.sections("sections"))
        for (const auto& e : *list) (void)e.text("text");
    if (s.flag_or("throw", false)) throw leadscore::definition_error("fuzz_policy: refused");
    return p;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool registered = [] {
        leadscore::register_scoring_config<fuzz_policy>("fuzz.policy", read_fuzz_policy);
        return true;
    }();
    (void)registered;
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
    const auto* q1 = first.qualification.target<leadscore::default_qualification_policy>();
    const auto* q2 = again.qualification.target<leadscore::default_qualification_policy>();
    if ((q1 == nullptr) != (q2 == nullptr) || (q1 != nullptr && !(*q1 == *q2)) ||
        again.qualification.target_type() != first.qualification.target_type() ||
        again.models.size() != first.models.size() ||
        static_cast<bool>(again.scoring) != static_cast<bool>(first.scoring) ||
        again.temperature.reasons() != first.temperature.reasons())
        std::abort();
    return 0;
}
