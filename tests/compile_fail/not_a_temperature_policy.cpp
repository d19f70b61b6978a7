// Must NOT compile: each case is a type that breaks the TemperaturePolicy contract in one way. The test passes when
// the compiler rejects it and its diagnostic names the concept (see tests/CMakeLists.txt).
#include "leadscore/temperature/engine.hpp"

#include <span>
#include <string>
#include <vector>

using namespace leadscore;

#if defined(LEADSCORE_CASE_NO_REASONS)
// A policy without a reason table.
struct policy {
    struct rater { rating rate(std::size_t, double) const { return {}; } };
    rater bind(const rating_input&, const batch_options&) const { return {}; }
};
#elif defined(LEADSCORE_CASE_NO_RATING)
// A policy whose rater gives a bare temperature instead of a rating (level and reason).
struct policy {
    std::vector<std::string> reasons() const { return {}; }
    struct rater { temperature rate(std::size_t, double) const { return temperature::hot; } };
    rater bind(const rating_input&, const batch_options&) const { return {}; }
};
#else
#error "define LEADSCORE_CASE_NO_REASONS or LEADSCORE_CASE_NO_RATING"
#endif

void run(const rating_input& in, std::span<rating> out) { rate_batch(policy{}, in, out); }
