// libFuzzer target for the archive loaders: any bytes, read as each core type, scoring, temperature, qualification and
// routing policy, routing state, funnel statistic and model file in text, XML and binary. Loading may refuse input only with leadscore::archive_error; any
// other exception, a crash, a sanitizer report or an allocation past libFuzzer's -rss_limit_mb is a bug. What loads
// must save and load again to an equal value (for types without operator==: to the same archive bytes).
// The file loaders' path is fuzzed too: the checksum line, then the archive, then what follows it — on the bytes as
// they are (the seeds *.checksum.* carry a valid line, so mutations reach the mismatch), and with a valid checksum
// line appended, so the parser behind a verified checksum sees arbitrary archives as well.

#include "leadscore/io/archive.hpp"
#include "leadscore/io/detail/safe_file.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/io/serialize_funnel.hpp"
#include "leadscore/io/serialize_routing.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/io/serialize_temperature.hpp"

#include <concepts>
#include <cstdint>
#include <cstdio>
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

/// Loads bytes as a model file and as a routing state file through the file loaders' code (checked_file).
void check_file(const std::string& bytes) {
    try {
        std::istringstream in(bytes, std::ios::binary);
        leadscore::detail::checked_file file(in, "fuzz");
        (void)leadscore::detail::load_model_file(file);
    } catch (const leadscore::archive_error&) {
    }
    for (const auto f : {leadscore::archive_format::text, leadscore::archive_format::xml}) {
        try {
            std::istringstream in(bytes, std::ios::binary);
            leadscore::detail::checked_file file(in, "fuzz");
            leadscore::routing_state state;
            leadscore::detail::load_checked_archive(file, state, f, "leadscore", nullptr);
        } catch (const leadscore::archive_error&) {
        }
    }
}

/// The bytes with a checksum line that matches them (plain or as an XML comment).
std::string with_checksum_line(const std::string& bytes, bool xml) {
    std::string out = bytes + (xml ? "\n<!-- " : "\n") + "leadscore checksum v1 crc32c ";
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(leadscore::detail::crc32c(out.data(), out.size())));
    return out + hex + (xml ? " -->\n" : "\n");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    check_file(bytes);
    check_file(with_checksum_line(bytes, false));
    check_file(with_checksum_line(bytes, true));
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
        check(bytes, f, leadscore::incidence_curve{});
        check(bytes, f, leadscore::duration_summary{});
        check(bytes, f, leadscore::attribution_result{});
        // Scoring policies (every built-in kind through its export key) and their parts; model files.
        check(bytes, f, leadscore::scoring_policy{});
        check(bytes, f, leadscore::logistic_policy(leadscore::logistic_model{}));
        check(bytes, f, leadscore::tree_ensemble_policy(leadscore::tree_ensemble{}));
        check(bytes, f, leadscore::calibration_map{});
        check(bytes, f, leadscore::condition{});
        check_model(bytes, f);
        // Routing: the state a CRM keeps between runs, and every built-in routing policy through its export key.
        check(bytes, f, leadscore::routing_state{});
        check(bytes, f, leadscore::routing_policy{});
    }
    return 0;
}
