#pragma once
// Numbers several layers' sources share. Internal.

#include <cstdint>
#include <limits>

namespace leadscore::detail {

/// A quiet NaN: what a statistic or score is where it cannot be computed.
inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// Seconds in a day: the unit of every day-based option (windows, half-lives, timeframes).
inline constexpr std::int64_t seconds_per_day = 86400;

/// Money is counted in integer cents below 2^62, so that adding two sums never overflows an int64 before the check.
inline constexpr std::int64_t max_cents = std::int64_t{1} << 62;

} // namespace leadscore::detail
