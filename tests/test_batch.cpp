// The core batch runner (leadscore/core/batch.hpp): blocks and parts cover every row once, the lowest failing
// block's or part's exception reaches the caller, partial results are merged in part order, and all of it holds when
// called from inside the caller's own OpenMP parallel region.

#include "leadscore/core/batch.hpp"
#include "leadscore/core/error.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace test_batch {

using namespace leadscore;

/// Runs body(begin, end) over blocks of `rows` and returns how often each row was visited.
std::vector<int> visits(std::size_t rows, std::size_t block, unsigned threads) {
    const auto count = std::make_unique<std::atomic<int>[]>(rows);
    detail::for_each_block(rows, block, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t r = begin; r < end; ++r) count[r].fetch_add(1, std::memory_order_relaxed);
    });
    std::vector<int> out(rows);
    for (std::size_t r = 0; r < rows; ++r) out[r] = count[r].load();
    return out;
}

/// Which rows [begin, end) a test's map saw, merged by appending: the rows in part order.
std::vector<std::size_t> rows_in_merge_order(const detail::row_parts& parts, std::thread::id* merged_on = nullptr) {
    std::vector<std::size_t> out;
    detail::map_parts(
        parts,
        [](std::size_t begin, std::size_t end) {
            std::vector<std::size_t> mine(end - begin);
            std::iota(mine.begin(), mine.end(), begin);
            return mine;
        },
        [&](std::vector<std::size_t>&& part) {
            if (merged_on != nullptr) *merged_on = std::this_thread::get_id();
            out.insert(out.end(), part.begin(), part.end());
        });
    return out;
}

std::vector<std::size_t> range(std::size_t first, std::size_t last) {
    std::vector<std::size_t> v(last - first);
    std::iota(v.begin(), v.end(), first);
    return v;
}

TEST_CASE("batch: blocks visit every row exactly once, for any block size and thread count") {
    for (const std::size_t rows : {0u, 1u, 99u, 1000u, 4097u})
        for (const std::size_t block : {0u, 1u, 7u, 100u, 4096u, 100000u})
            for (const unsigned threads : {1u, 2u, 3u, 0u}) {
                CAPTURE(rows);
                CAPTURE(block);
                CAPTURE(threads);
                CHECK(visits(rows, block, threads) == std::vector<int>(rows, 1));
            }
}

TEST_CASE("batch: blocks have the size asked for, the last one the rest") {
    std::vector<std::pair<std::size_t, std::size_t>> seen(4);
    detail::for_each_block(350, 100, 2, [&](std::size_t begin, std::size_t end) { seen[begin / 100] = {begin, end}; });
    CHECK(seen == std::vector<std::pair<std::size_t, std::size_t>>{{0, 100}, {100, 200}, {200, 300}, {300, 350}});
    batch_options o;
    o.threads = 3;
    o.block_rows = 250;
    std::vector<std::size_t> sizes(4);
    detail::for_each_block(1000, o, [&](std::size_t begin, std::size_t end) { sizes[begin / 250] = end - begin; });
    CHECK(sizes == std::vector<std::size_t>(4, 250));
}

TEST_CASE("batch: the exception of the lowest failing block is rethrown") {
    for (const unsigned threads : {1u, 2u, 4u}) {
        CAPTURE(threads);
        std::atomic<int> ran{0};
        const auto run = [&] {
            detail::for_each_block(1000, 10, threads, [&](std::size_t begin, std::size_t) {
                ++ran;
                // Blocks 97 and 3 fail; the higher one is usually reached first on several threads.
                if (begin == 970 || begin == 30) throw std::runtime_error("block " + std::to_string(begin / 10));
            });
        };
        CHECK_THROWS_WITH_AS(run(), "block 3", std::runtime_error);
        CHECK(ran >= 4); // blocks 0 to 3 at least; on one thread the run stops at the first failure
        if (threads == 1) CHECK(ran == 4);
    }
}

TEST_CASE("batch: rows are split into parts of at least 8192 rows, one a thread at most") {
    const auto parts = [](std::size_t first, std::size_t last, unsigned threads) {
        return detail::split_rows(first, last, threads).count;
    };
    CHECK(parts(0, 0, 4) == 1);
    CHECK(parts(0, 8191, 4) == 1);
    CHECK(parts(0, 2 * 8192 - 1, 4) == 1);
    CHECK(parts(0, 2 * 8192, 4) == 2);
    CHECK(parts(100, 100 + 3 * 8192, 4) == 3);
    CHECK(parts(0, 100 * 8192, 4) == 4);
    CHECK(parts(0, 100 * 8192, 1) == 1);
    CHECK(parts(0, 2000 * 8192, 5000) == 1024); // at most 1024 threads
    CHECK(detail::split_rows(0, 10, 3, 1).count == 3); // a smaller minimum part
    CHECK(detail::split_rows(0, 2, 3, 1).count == 2);

    // Contiguous, in order, near-equal: part k is [first + rows·k/count, first + rows·(k+1)/count).
    const auto p = detail::split_rows(5, 5 + 40000, 3);
    REQUIRE(p.count == 3);
    CHECK(p.begin(0) == 5);
    CHECK(p.end(0) == 5 + 13333);
    CHECK(p.begin(1) == 5 + 13333);
    CHECK(p.end(1) == 5 + 26666);
    CHECK(p.end(2) == 5 + 40000);
}

TEST_CASE("batch: partial results are merged in part order, on the calling thread") {
    for (const unsigned threads : {1u, 2u, 3u, 4u}) {
        CAPTURE(threads);
        // Parts of one row each, so there are as many parts as threads.
        const auto parts = detail::split_rows(10, 10 + 7, threads, 1);
        CHECK(parts.count == std::min<std::size_t>(threads, 7));
        std::thread::id merged_on;
        CHECK(rows_in_merge_order(parts, &merged_on) == range(10, 17));
        CHECK(merged_on == std::this_thread::get_id());
        CHECK(rows_in_merge_order(detail::split_rows(0, 100000, threads)) == range(0, 100000));
    }
    // The parts of for_each_part are those of the split, each visited once.
    const auto parts = detail::split_rows(0, 50000, 4);
    std::vector<std::pair<std::size_t, std::size_t>> seen(parts.count);
    detail::for_each_part(parts, [&](std::size_t k, std::size_t begin, std::size_t end) { seen[k] = {begin, end}; });
    for (std::size_t k = 0; k < parts.count; ++k)
        CHECK(seen[k] == std::pair{50000 * k / parts.count, 50000 * (k + 1) / parts.count});
}

TEST_CASE("batch: a failing part's exception is rethrown, the lowest part's, and nothing is merged") {
    const auto parts = detail::split_rows(0, 4 * 8192, 4);
    REQUIRE(parts.count == 4);
    std::size_t merged = 0;
    const auto run = [&] {
        detail::map_parts(
            parts,
            [](std::size_t begin, std::size_t) {
                if (begin >= 8192) throw definition_error("part at " + std::to_string(begin));
                return begin;
            },
            [&](std::size_t) { ++merged; });
    };
    CHECK_THROWS_WITH_AS(run(), "part at 8192", definition_error);
    CHECK(merged == 0);
}

TEST_CASE("batch: inside the caller's own parallel region, on the team OpenMP grants there") {
    // A nested region gets a team of one unless the caller enables nesting: the work asked of four threads is done
    // by the one it gets, and still covers every row once, merges in order and reports the lowest failure.
    std::vector<int> blocks;
    std::vector<std::size_t> merged;
    std::string failure;
#pragma omp parallel num_threads(2)
    {
#pragma omp single
        {
            blocks = visits(1000, 7, 4);
            merged = rows_in_merge_order(detail::split_rows(0, 50000, 4));
            try {
                detail::for_each_block(100, 10, 4, [](std::size_t begin, std::size_t) {
                    if (begin >= 50) throw std::runtime_error("block " + std::to_string(begin / 10));
                });
            } catch (const std::runtime_error& e) {
                failure = e.what();
            }
        }
    }
    CHECK(blocks == std::vector<int>(1000, 1));
    CHECK(merged == range(0, 50000));
    CHECK(failure == "block 5");
}

TEST_CASE("batch: the output size check names the caller") {
    CHECK_NOTHROW(detail::check_output_size("score_batch", 3, 3));
    CHECK_THROWS_WITH_AS(detail::check_output_size("qualify_batch", 3, 2),
                         "qualify_batch: the output has 2 elements for 3 rows", definition_error);
}

} // namespace test_batch
