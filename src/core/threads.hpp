#pragma once
// How many OpenMP threads a pass over leads uses. Internal.

#include <omp.h>

#include <algorithm>
#include <cstddef>

namespace leadscore::detail {

/// Threads for work over `leads` leads: `wanted` (0 = every hardware thread, at most 1024), and at most one per
/// 8192 leads, so small inputs stay on one thread: starting a team costs more than a few thousand leads.
[[nodiscard]] inline int lead_threads(unsigned wanted, std::size_t leads) {
    const int max_threads = wanted == 0 ? omp_get_max_threads() : static_cast<int>(std::min(wanted, 1024u));
    return static_cast<int>(std::clamp<std::size_t>(leads / 8192, 1, static_cast<std::size_t>(std::max(max_threads, 1))));
}

} // namespace leadscore::detail
