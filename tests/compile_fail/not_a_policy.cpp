// Must NOT compile: each case is a type that breaks the ScoringPolicy contract in one way. The test passes when
// the compiler rejects it and its diagnostic names the concept (see tests/CMakeLists.txt).
#include "leadscore/scoring/engine.hpp"

#include <span>

using namespace leadscore;

#if defined(LEADSCORE_CASE_NO_SCALE)
// A policy that forgets to declare its scale.
struct policy {
    struct scorer { double score(std::size_t) const { return 0; } };
    scorer bind(const table_view&, timestamp) const { return {}; }
};
#elif defined(LEADSCORE_CASE_NO_SCORE)
// A policy whose scorer has no one-lead form.
struct policy {
    score_scale scale() const { return score_scale::points; }
    struct scorer { void score_batch(std::size_t, std::span<double>) const {} };
    scorer bind(const table_view&, timestamp) const { return {}; }
};
#else
#error "define LEADSCORE_CASE_NO_SCALE or LEADSCORE_CASE_NO_SCORE"
#endif

void run(const table_view& rows, std::span<double> out) { score_batch(policy{}, rows, out); }
