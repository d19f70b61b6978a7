#include "leadscore/scoring/engine.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <numeric>
#include <string>

#include <omp.h>

namespace leadscore {

std::string_view to_string(score_scale s) noexcept {
    switch (s) {
    case score_scale::points: return "points";
    case score_scale::probability: return "probability";
    }
    return "?";
}

double explanation::sum() const noexcept {
    double s = 0;
    for (const auto& f : factors) s += f.contribution;
    return s;
}

void order_factors(std::vector<factor>& factors) {
    const auto rank = [](double c) { return c > 0 ? 0 : c < 0 ? 1 : 2; };
    std::stable_sort(factors.begin(), factors.end(), [&](const factor& a, const factor& b) {
        const int ra = rank(a.contribution), rb = rank(b.contribution);
        if (ra != rb) return ra < rb;
        if (ra == 0) return a.contribution > b.contribution;
        if (ra == 1) return a.contribution < b.contribution;
        return false;
    });
}

namespace detail {

void check_output_size(std::size_t rows, std::size_t out) {
    if (rows != out)
        throw definition_error("score_batch: the output has " + std::to_string(out) + " elements for " +
                               std::to_string(rows) + " rows");
}

void parallel_blocks(std::size_t rows, std::size_t block_rows, unsigned threads,
                     void (*body)(const void*, std::size_t, std::size_t), const void* context) {
    if (rows == 0) return;
    const std::size_t block = std::max<std::size_t>(block_rows, 1);
    const std::size_t blocks = (rows + block - 1) / block;
    const int max_threads = omp_get_max_threads();
    int team = threads == 0 ? max_threads : static_cast<int>(std::min<unsigned>(threads, 1024));
    team = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(team), blocks));

    if (team <= 1) {
        for (std::size_t b = 0; b < blocks; ++b) body(context, b * block, std::min(rows, (b + 1) * block));
        return;
    }

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

} // namespace detail
} // namespace leadscore
