#pragma once
// The batch runner: how every layer runs work over many rows (leads, scores, stage journeys, simulated paths) on
// several threads. One mechanism, in two forms:
//
//   1. Blocks, for work that writes one result per row: `detail::for_each_block(rows, options, body)` calls
//      body(begin, end) for consecutive blocks of at most options.block_rows rows covering [0, rows). Blocks are the
//      unit of parallel work and should fit in cache. Each row's result goes to a place of its own (the caller's
//      output span), so the output is the same for any number of threads and any block size.
//   2. Parts, for work whose rows add up to one result (counts, sums, lists of durations):
//      `detail::map_parts(split_rows(first, last, threads), map, merge)` cuts the rows into a few contiguous parts,
//      builds each part's partial result with map(begin, end) in parallel, then hands the partial results to
//      merge(partial) one by one, in part order, on the calling thread. The parts depend on the row count and the
//      threads asked for, never on the team OpenMP grants, and merging in part order keeps row order (a list of
//      durations comes out in lead order); integer sums are the same in any order. So a pass built this way gives
//      the same result for any thread count.
//
// Common rules:
//   * Threads: `threads` is how many to use, 0 = every hardware thread (at most 1024). Called from inside the
//     caller's own OpenMP parallel region, the work runs on the team OpenMP grants there (one thread unless nesting
//     is enabled) and still covers every row.
//   * Errors: when blocks or parts throw, the exception of the lowest-numbered one is rethrown once none is running
//     any more: the same error for any thread count. Which of the others ran is not specified (on several threads
//     they all do; on one, the run stops at the first failure).
//   * The runner is compiled into the library with OpenMP; code that includes this header needs no OpenMP flags.

#include "leadscore/core/progress.hpp"
#include "leadscore/core/time.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace leadscore {

/// How a batch runs: the time it is computed as of, and its threads and blocks.
struct batch_options {
    /// The time scores are computed as of. Defaults to the moment the options are made.
    timestamp as_of = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    /// Threads to use; 0 = every hardware thread. The output is the same for any number.
    unsigned threads = 0;
    /// Rows per block: blocks are the unit of parallel work and should fit in cache.
    std::size_t block_rows = 4096;
    /// Called with the rows done and the rows of the batch after each block (on the calling thread, which also
    /// runs blocks; see leadscore/core/progress.hpp), and once with all of them at the end; cancel makes the batch
    /// throw cancelled_error. Each batch call reports its own rows from 0: a temperature or qualification run with
    /// the same options starts again at 0.
    progress_callback progress{};
};

namespace detail {

/// The runner itself: calls body(context, begin, end) for consecutive blocks of at most block_rows rows (0 counts as
/// 1) covering [0, rows), on up to `threads` threads, blocks handed out one at a time as threads come free. With a
/// `progress` callback (not null and not empty), the calling thread reports the rows of the blocks done after each
/// block it ran (others' included), and all rows at the end; a cancel stops handing out blocks and throws
/// cancelled_error "batch: cancelled" once none is running.
void parallel_blocks(std::size_t rows, std::size_t block_rows, unsigned threads,
                     void (*body)(const void* context, std::size_t begin, std::size_t end), const void* context,
                     const progress_callback* progress = nullptr);

/// Calls f(begin, end) for every block of at most block_rows rows of [0, rows) (see parallel_blocks).
template <class F>
void for_each_block(std::size_t rows, std::size_t block_rows, unsigned threads, const F& f) {
    parallel_blocks(rows, block_rows, threads,
                    [](const void* c, std::size_t b, std::size_t e) { (*static_cast<const F*>(c))(b, e); }, &f);
}

/// The same with the block size, threads and progress callback of a batch's options.
template <class F>
void for_each_block(std::size_t rows, const batch_options& options, const F& f) {
    parallel_blocks(rows, options.block_rows, options.threads,
                    [](const void* c, std::size_t b, std::size_t e) { (*static_cast<const F*>(c))(b, e); }, &f,
                    &options.progress);
}

/// Throws definition_error "<caller>: the output has <out> elements for <rows> rows" unless out == rows.
void check_output_size(std::string_view caller, std::size_t rows, std::size_t out);

/// Rows [first, first + rows) cut into `count` contiguous parts of near-equal size, in row order.
struct row_parts {
    std::size_t first = 0, rows = 0, count = 1;

    /// The first row of part k (k <= count; begin(count) is the end of the rows).
    [[nodiscard]] std::size_t begin(std::size_t k) const noexcept { return first + rows * k / count; }
    /// One past the last row of part k.
    [[nodiscard]] std::size_t end(std::size_t k) const noexcept { return begin(k + 1); }
};

/// Rows a part takes at least, unless there are fewer rows: below this, starting another thread costs more than it
/// saves, so small inputs stay on one thread.
inline constexpr std::size_t min_part_rows = 8192;

/// The parts of rows [first, last) for `threads` threads (0 = every hardware thread): one a thread, but at most one
/// per min_rows rows (min_rows 0 counts as 1), and at least one.
[[nodiscard]] row_parts split_rows(std::size_t first, std::size_t last, unsigned threads,
                                   std::size_t min_rows = min_part_rows);

/// Calls f(k, begin, end) for every part k of `parts`, in parallel, one thread a part.
template <class F>
void for_each_part(const row_parts& parts, const F& f) {
    // The parts were cut for the threads asked for, so asking for one thread a part keeps that number.
    for_each_block(parts.count, 1, static_cast<unsigned>(parts.count),
                   [&](std::size_t k, std::size_t) { f(k, parts.begin(k), parts.end(k)); });
}

/// Builds every part's partial result with map(begin, end) in parallel, then calls merge(partial) for each, in
/// part order, on the calling thread (once every part has finished without an exception).
template <class Map, class Merge>
void map_parts(const row_parts& parts, const Map& map, Merge&& merge) {
    using partial = std::invoke_result_t<const Map&, std::size_t, std::size_t>;
    std::vector<std::optional<partial>> results(parts.count);
    for_each_part(parts, [&](std::size_t k, std::size_t begin, std::size_t end) { results[k].emplace(map(begin, end)); });
    for (auto& r : results) merge(std::move(*r));
}

} // namespace detail
} // namespace leadscore
