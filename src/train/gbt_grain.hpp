#pragma once
// How gbt_trainer cuts its work for threads. Internal: the tests shrink it so that small data runs the parallel paths.

#include <cstddef>

namespace leadscore::detail {

/// The grain of gbt_trainer's parallel work.
struct gbt_grain {
    /// Rows per histogram chunk, at least: a node's rows are cut into chunks of max(chunk_rows, ⌈rows / max_chunks⌉)
    /// rows. Each chunk sums into a histogram of its own and chunks are added in chunk order, so the model depends on
    /// these two numbers (fixed) and the data, never on the thread count. Chunks of a few thousand rows let two threads
    /// share even the root of a small fit (29,000 rows); at most max_chunks a node bounds the histograms held.
    std::size_t chunk_rows = 4096;
    /// Chunks a node's rows are cut into, at most.
    std::size_t max_chunks = 16;
    /// Row × input histogram updates a round of splits needs before it runs on several threads (about 40 µs of work):
    /// a parallel region costs microseconds on an idle machine, milliseconds on a busy one where a thread waits for
    /// the other to be scheduled (so does XGBoost's; threads = 1 avoids it).
    std::size_t parallel_updates = std::size_t{1} << 16;
    /// Rows a pass over every row (reading values, gradients, margins) needs before it runs on several threads.
    std::size_t parallel_rows = std::size_t{1} << 14;
};

/// The grain every fit uses. Not synchronized: change it only while no fit runs.
[[nodiscard]] gbt_grain& gbt_grain_setting() noexcept;

} // namespace leadscore::detail
