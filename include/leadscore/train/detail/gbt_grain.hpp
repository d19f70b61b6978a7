#pragma once
// How gbt_trainer cuts its work for threads. Internal: the tests shrink it so that small data runs the parallel paths.

#include <cstddef>

namespace leadscore::detail {

/// The grain of gbt_trainer's parallel work.
struct gbt_grain {
    /// Rows per histogram chunk. Each chunk sums into a histogram of its own and chunks are added in chunk order, so
    /// the model depends on this number (fixed) but not on the thread count.
    std::size_t chunk_rows = 65536;
    /// Row × input histogram updates a round of splits needs before threads share it (when its tree goes shared):
    /// below about ten microseconds of work, starting the threads costs more than they save.
    std::size_t parallel_updates = std::size_t{1} << 14;
    /// Rows a pass over every row (reading values, the first gradients, validation margins) needs before it runs on
    /// several threads. (The pass after each tree goes the way the tree went.)
    std::size_t parallel_rows = std::size_t{1} << 17;
    /// Every tree goes shared, instead of the faster way by time (see gbt_booster.hpp's sharing_choice).
    bool always_share = false;
};

/// The grain every fit uses. Not synchronized: change it only while no fit runs.
[[nodiscard]] gbt_grain& gbt_grain_setting() noexcept;

} // namespace leadscore::detail
