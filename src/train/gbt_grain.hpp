#pragma once
// How gbt_trainer cuts its work for threads. Internal: the tests shrink it so that small data runs the parallel paths.

#include <cstddef>

namespace leadscore::detail {

/// The grain of gbt_trainer's parallel work.
struct gbt_grain {
    /// Rows per histogram chunk. Each chunk sums into a histogram of its own and chunks are added in chunk order, so
    /// the model depends on this number (fixed) but not on the thread count.
    std::size_t chunk_rows = 65536;
    /// Row × input histogram updates a round of splits needs before it runs on several threads. A parallel region
    /// costs microseconds on an idle machine but milliseconds on a busy one (a thread waits for the other to be
    /// scheduled), so only rounds of about a millisecond of work or more are split.
    std::size_t parallel_updates = std::size_t{1} << 20;
    /// Rows a pass over every row (reading values, gradients, margins) needs before it runs on several threads.
    std::size_t parallel_rows = std::size_t{1} << 17;
};

/// The grain every fit uses. Not synchronized: change it only while no fit runs.
[[nodiscard]] gbt_grain& gbt_grain_setting() noexcept;

} // namespace leadscore::detail
