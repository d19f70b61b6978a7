#pragma once
// "Did you mean …?": the name closest to a misspelt one among those that exist (columns, values, commands), for
// error messages that help fix the input.

#include <span>
#include <string>
#include <string_view>

namespace leadscore {

/// The candidate closest to `name`: the one of smallest edit distance (insertions, deletions, substitutions and
/// swaps of two neighbouring characters, letters compared without case), provided that distance is at most a third
/// of the longer of the two names (at least 1) and below the length of the shorter one (so no one-letter name is
/// the misspelling of another), and the candidate differs from `name`; the first such candidate on a tie. Empty
/// when no candidate is that close.
[[nodiscard]] std::string closest_name(std::string_view name, std::span<const std::string> candidates);

/// " (did you mean 'x'?)" for the closest_name x of `name`, or "" when there is none: ready to append to a message.
[[nodiscard]] std::string did_you_mean(std::string_view name, std::span<const std::string> candidates);

} // namespace leadscore
