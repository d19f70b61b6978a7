// libFuzzer target for the archive loaders: any bytes, read as each core type, scoring, temperature, qualification and
// routing policy, routing state, funnel statistic and model file in text, XML and binary. Loading may refuse input only with leadscore::archive_error; any
// other exception, a crash, a sanitizer report or an allocation past libFuzzer's -rss_limit_mb is a bug. What loads
// must save and load again to an equal value (for types without operator==: to the same archive bytes).

#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/io/serialize_funnel.hpp"
#include "leadscore/io/serialize_routing.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/io/serialize_temperature.hpp"

#include <concepts>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

namespace {

template <class T>
void check(const std::string& bytes, leadscore::archive_format f, T blank) {
    T value = blank;
    try {
        std::istringstream in(bytes, std::ios::binary);
        leadscore::load_archive(in, value, f, "fuzz");
    } catch (const leadscore::archive_error&) {
        return;
    }
    std::ostringstream out(std::ios::binary);
    leadscore::save_archive(out, value, f);
    std::istringstream again(out.str(), std::ios::binary);
    T back = blank;
    leadscore::load_archive(again, back, f, "fuzz again");
    if constexpr (std::equality_comparable<T>) {
        if (!(back == value)) std::abort();
    } else {
        std::ostringstream twice(std::ios::binary);
        leadscore::save_archive(twice, back, f);
        if (twice.str() != out.str()) std::abort();
    }
}

/// Model files go through load_model / save_model (their archive functions are compiled in the library).
void check_model(const std::string& bytes, leadscore::archive_format f) {
    leadscore::model value;
    try {
        std::istringstream in(bytes, std::ios::binary);
        leadscore::load_model(in, value, f, "fuzz");
    } catch (const leadscore::archive_error&) {
        return;
    }
    std::ostringstream out(std::ios::binary);
    leadscore::save_model(out, value, f);
    std::istringstream again(out.str(), std::ios::binary);
    leadscore::model back;
    leadscore::load_model(again, back, f, "fuzz again");
    std::ostringstream out2(std::ios::binary);
    leadscore::save_model(out2, back, f);
    if (out.str() != out2.str()) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    using leadscore::archive_format;
    for (const auto f : {archive_format::text, archive_format::xml, archive_format::binary}) {
        check(bytes, f, leadscore::lead_table(leadscore::schema{}));
        check(bytes, f, leadscore::stage_history{});
        check(bytes, f, leadscore::funnel::standard());
        check(bytes, f, leadscore::schema{});
        check(bytes, f, leadscore::dictionary{});
        check(bytes, f, leadscore::temperature_policy{});
        check(bytes, f, leadscore::trend_policy{});
        check(bytes, f, leadscore::default_qualification_policy{});
        check(bytes, f, leadscore::conversion_group{});
        check(bytes, f, leadscore::kpi_counts{});
        check(bytes, f, leadscore::markov_chain(leadscore::funnel::standard(), leadscore::dense_matrix(9, 9)));
        check(bytes, f, leadscore::survival_curve{});
        check(bytes, f, leadscore::duration_summary{});
        check(bytes, f, leadscore::attribution_result{});
        // Scoring policies (every built-in kind through its export key) and their parts; model files.
        check(bytes, f, leadscore::scoring_policy{});
        check(bytes, f, leadscore::logistic_policy(leadscore::logistic_model{}));
        check(bytes, f, leadscore::calibration_map{});
        check(bytes, f, leadscore::condition{});
        check_model(bytes, f);
        // Routing: the state a CRM keeps between runs, and every built-in routing policy through its export key.
        check(bytes, f, leadscore::routing_state{});
        check(bytes, f, leadscore::routing_policy{});
    }
    return 0;
}
