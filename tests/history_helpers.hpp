#pragma once
// Helpers shared by the funnel tests: stage histories written as rows, split by lead, and exception messages.

#include "leadscore/core/funnel.hpp"
#include "leadscore/core/time.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace history_helpers {

using namespace leadscore;

inline constexpr std::int64_t day = 86400;
inline constexpr std::int64_t jan1 = 1767225600; // 2026-01-01T00:00:00Z
inline const double no_value = std::numeric_limits<double>::quiet_NaN();

struct row {
    std::string lead;
    const char* stage;
    std::int64_t day; // days after 2026-01-01, or missing_time
    double value = no_value;
    const char* source = "";
};

inline stage_history make_history(const std::vector<row>& rows) {
    stage_history h;
    for (const auto& r : rows) {
        stage_event e;
        e.lead_id = r.lead;
        e.stage = r.stage;
        e.entered = from_seconds(r.day == missing_time ? missing_time : jan1 + r.day * day);
        if (!std::isnan(r.value)) e.value = r.value;
        e.source = r.source;
        h.append(e);
    }
    return h;
}

/// The message of the exception f throws (of type E), or "" when none.
template <class E, class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return {};
}

/// Splits a history in two by lead (lead code parity), as two separate histories.
inline std::pair<stage_history, stage_history> split_by_lead(const stage_history& h) {
    std::pair<stage_history, stage_history> parts;
    for (std::size_t i = 0; i < h.size(); ++i) (h.lead[i] % 2 == 0 ? parts.first : parts.second).append(h[i]);
    return parts;
}

} // namespace history_helpers
