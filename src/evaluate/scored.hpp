#pragma once
// Checks shared by metrics and calibration fits over (score, label) rows. Internal.

#include "leadscore/core/error.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace leadscore::detail {

struct class_counts {
    std::size_t positives = 0, negatives = 0;
};

[[noreturn]] inline void bad_row(const char* who, std::size_t row, const std::string& what) {
    throw input_error(source_location{}, std::string(who) + ": row " + std::to_string(row) + ": " + what);
}

inline void check_sizes(const char* who, std::size_t scores, std::size_t labels) {
    if (scores != labels)
        throw definition_error(std::string(who) + ": " + std::to_string(scores) + " scores for " +
                               std::to_string(labels) + " labels");
}

/// Counts the classes; throws input_error naming the row for a label other than 1, 0 or -1 and for a labelled row
/// whose score is NaN (or, with `probability`, outside [0, 1]; with `finite`, infinite).
inline class_counts check_scored(const char* who, std::span<const double> scores, std::span<const std::int8_t> labels,
                                 bool probability = false, bool finite = false) {
    check_sizes(who, scores.size(), labels.size());
    class_counts c;
    for (std::size_t r = 0; r < labels.size(); ++r) {
        const std::int8_t l = labels[r];
        if (l == -1) continue;
        if (l != 0 && l != 1) bad_row(who, r, "label " + std::to_string(int{l}) + " is not 1, 0 or unlabelled (-1)");
        const double s = scores[r];
        if (std::isnan(s)) bad_row(who, r, "the score is NaN (not computable)");
        if (probability && !(s >= 0.0 && s <= 1.0))
            bad_row(who, r, "the score " + std::to_string(s) + " is not a probability in [0, 1]");
        if (finite && !std::isfinite(s)) bad_row(who, r, "the score is infinite");
        (l == 1 ? c.positives : c.negatives) += 1;
    }
    return c;
}

} // namespace leadscore::detail
