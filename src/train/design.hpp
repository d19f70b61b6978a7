#pragma once
// The training design matrix in compact form. Internal.
//
// Every encoder feature is either a value (numeric, boolean, recency, frequency: one "dense" column) or part of a
// one-hot group (bins, a vocabulary, a missing or none indicator) of which at most one feature is 1 in a row. So a
// row is q doubles plus g feature indices — 8q + 4g bytes instead of 8·width — and the fit's per-row work is the
// square of the row's non-zero features, not of the width.

#include "leadscore/scoring/encoder.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace leadscore::detail {

struct design_layout {
    struct slot {
        enum class kind : std::uint8_t { dense, group } type;
        std::uint32_t index; ///< into dense or groups
    };
    struct range {
        std::uint32_t begin, end; ///< feature indices [begin, end)
    };
    std::size_t width = 0;
    std::vector<std::uint32_t> dense; ///< the feature index of each dense column
    std::vector<range> groups;        ///< the features of each one-hot group
    std::vector<slot> slots;          ///< dense columns and groups in feature order (ascending feature indices)

    static design_layout of(const feature_encoder& encoder);
};

struct compact_design {
    design_layout layout;
    std::size_t rows = 0;
    std::vector<double> values;        ///< rows × dense, row-major
    std::vector<std::int32_t> active;  ///< rows × groups, row-major: the feature that is 1, or -1
};

/// The design of the given view rows (row i of the design is view row rows[i]), encoded in parallel blocks.
/// Errors are those of bound_encoder::encode (the lowest block's).
[[nodiscard]] compact_design build_design(const bound_encoder& encoding, std::span<const std::size_t> rows,
                                          unsigned threads);

} // namespace leadscore::detail
