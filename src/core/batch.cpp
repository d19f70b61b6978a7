#include "leadscore/core/batch.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <string>

#include <omp.h>

namespace leadscore::detail {

namespace {

/// The threads asked for: `threads`, or every hardware thread for 0; at most 1024.
int wanted_threads(unsigned threads) noexcept {
    return threads == 0 ? std::max(omp_get_max_threads(), 1) : static_cast<int>(std::min(threads, 1024u));
}

} // namespace

void check_output_size(std::string_view caller, std::size_t rows, std::size_t out) {
    if (rows != out)
        throw definition_error(std::string(caller) + ": the output has " + std::to_string(out) + " elements for " +
                               std::to_string(rows) + " rows");
}

row_parts split_rows(std::size_t first, std::size_t last, unsigned threads, std::size_t min_rows) {
    const std::size_t rows = last > first ? last - first : 0;
    const std::size_t by_size = rows / std::max<std::size_t>(min_rows, 1);
    return {first, rows, std::clamp<std::size_t>(by_size, 1, static_cast<std::size_t>(wanted_threads(threads)))};
}

namespace {

/// parallel_blocks with a progress callback: blocks are counted as they finish; the calling thread (OpenMP's thread 0
/// of the team) reports after each block it runs, so the callback never runs on another thread.
void parallel_blocks_reporting(std::size_t rows, std::size_t block, int team,
                               void (*body)(const void*, std::size_t, std::size_t), const void* context,
                               const progress_callback& progress) {
    const std::size_t blocks = (rows + block - 1) / block;
    std::atomic<std::size_t> done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr first_error;
    std::size_t first_error_block = std::numeric_limits<std::size_t>::max();
    const auto n = static_cast<std::ptrdiff_t>(blocks);
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
    for (std::ptrdiff_t b = 0; b < n; ++b) {
        const auto ub = static_cast<std::size_t>(b);
        if (stop.load(std::memory_order_relaxed)) continue;
        try {
            body(context, ub * block, std::min(rows, (ub + 1) * block));
            const std::size_t finished = done.fetch_add(1, std::memory_order_relaxed) + 1;
            if (omp_get_thread_num() == 0) report_progress(progress, std::min(rows, finished * block), rows, "batch");
        } catch (...) {
            stop.store(true, std::memory_order_relaxed);
#pragma omp critical(leadscore_parallel_blocks_error)
            if (ub < first_error_block) {
                first_error_block = ub;
                first_error = std::current_exception();
            }
        }
    }
    if (first_error) std::rethrow_exception(first_error);
    report_progress(progress, rows, rows, "batch");
}

} // namespace

void parallel_blocks(std::size_t rows, std::size_t block_rows, unsigned threads,
                     void (*body)(const void*, std::size_t, std::size_t), const void* context,
                     const progress_callback* progress) {
    if (rows == 0) return;
    const std::size_t block = std::max<std::size_t>(block_rows, 1);
    const std::size_t blocks = (rows + block - 1) / block;
    const int team = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(wanted_threads(threads)), blocks));
    const bool reporting = progress != nullptr && *progress;

    if (team <= 1) {
        for (std::size_t b = 0; b < blocks; ++b) {
            body(context, b * block, std::min(rows, (b + 1) * block));
            if (reporting) report_progress(*progress, std::min(rows, (b + 1) * block), rows, "batch");
        }
        return;
    }
    if (reporting) return parallel_blocks_reporting(rows, block, team, body, context, *progress);

    // An exception may not leave an OpenMP region: keep the one of the lowest block, rethrow it afterwards.
    std::exception_ptr first_error;
    std::size_t first_error_block = std::numeric_limits<std::size_t>::max();
    const auto n = static_cast<std::ptrdiff_t>(blocks);
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
    for (std::ptrdiff_t b = 0; b < n; ++b) {
        const auto ub = static_cast<std::size_t>(b);
        try {
            body(context, ub * block, std::min(rows, (ub + 1) * block));
        } catch (...) {
#pragma omp critical(leadscore_parallel_blocks_error)
            if (ub < first_error_block) {
                first_error_block = ub;
                first_error = std::current_exception();
            }
        }
    }
    if (first_error) std::rethrow_exception(first_error);
}

} // namespace leadscore::detail
