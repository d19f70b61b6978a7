#pragma once
// gbt_trainer's inputs: which values the trees read, and their bins. Internal to src/train/gbt*.cpp.

#include "../core/random.hpp"

#include "leadscore/scoring/trees.hpp"
#include "leadscore/train/gbt.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace leadscore::gbt_fitting { // named, not anonymous: files share unity batches

/// The threads for a pass over `rows` rows: one below the grain (see detail::gbt_grain).
[[nodiscard]] unsigned threads_for(std::size_t rows, unsigned threads) noexcept;
/// Throws definition_error "gbt fit: <what>".
[[noreturn]] void fail(const std::string& what);
/// A number as %.6g.
[[nodiscard]] std::string number(double x);
/// "1 tree", "2 trees".
[[nodiscard]] std::string plural(std::size_t n, const char* one, const char* many);
/// A random stream of its own for each purpose (and tree), all from the one seed.
[[nodiscard]] detail::xoshiro256ss stream(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index = 0);

/// One input as the trees learn it: its bins and how a value finds its bin.
struct binned_input {
    tree_input input;                      ///< as the model holds it (categories: the final list)
    std::size_t bins = 0;                  ///< value bins; the missing bin's index is `bins`
    std::vector<float> cuts;               ///< numeric: bin b holds the values v with cuts[b-1] <= v < cuts[b]
    std::vector<std::uint8_t> of_position; ///< categorical: the bin of a position in the list read (unseen: missing)
    std::vector<std::vector<std::uint32_t>> positions; ///< categorical: each bin's positions in input.categories
    int monotone = 0;

    [[nodiscard]] std::uint8_t bin_of(float v) const noexcept {
        if (v != v) return static_cast<std::uint8_t>(bins);
        if (input.type == tree_input::kind::categorical) return of_position[static_cast<std::size_t>(v)];
        return static_cast<std::uint8_t>(std::upper_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
    }
};

/// The inputs as first read: every categorical field with its dictionary's texts, so positions map back to texts.
struct read_inputs {
    std::vector<tree_input> inputs;
    std::vector<std::string> notes;
};

/// The inputs of the trainer's field rule and event counts, as first read (see read_inputs).
[[nodiscard]] read_inputs inputs_to_read(const training_set& data, const gbt_inputs& options);
/// The input values of view rows (row-major: rows × k), read through the scorer in runs of consecutive rows.
[[nodiscard]] std::vector<float> read_values(const tree_ensemble_policy::scorer& s, std::span<const std::size_t> rows,
                                             std::size_t k, unsigned threads);

/// The inputs kept, with their bins, and each one's column in the values read.
struct binned_set {
    std::vector<binned_input> inputs;
    std::vector<std::size_t> column;
};
/// Bins every input read from the values of the n training rows (row-major, one column per read input); inputs with
/// nothing to split on are left out with a note. Throws when none is left.
[[nodiscard]] binned_set bin_inputs(const read_inputs& read, const std::vector<float>& values, std::size_t n,
                                    const gbt_trainer& trainer, std::vector<std::string>& notes);
/// Bins of rows (row-major: rows × inputs, one byte each) from their values (row-major, k a row).
[[nodiscard]] std::vector<std::uint8_t> bin_rows(const std::vector<binned_input>& inputs,
                                                 const std::vector<std::size_t>& column, const std::vector<float>& values,
                                                 std::size_t rows, std::size_t k, unsigned threads);

} // namespace leadscore::gbt_fitting
