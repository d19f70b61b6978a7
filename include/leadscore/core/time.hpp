#pragma once
// Time in leadscore: whole seconds since the Unix epoch, UTC.

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace leadscore {

/// A point in time, in whole seconds (UTC).
using timestamp = std::chrono::sys_seconds;

/// The stored form of a missing timestamp in a table column.
inline constexpr std::int64_t missing_time = std::numeric_limits<std::int64_t>::min();

/// The stored form of a time: seconds since the epoch.
[[nodiscard]] constexpr std::int64_t to_seconds(timestamp t) noexcept { return t.time_since_epoch().count(); }
/// A time from its stored form; missing_time is not checked for (test it first).
[[nodiscard]] constexpr timestamp from_seconds(std::int64_t s) noexcept { return timestamp{std::chrono::seconds{s}}; }

/// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" or "YYYY-MM-DD HH:MM:SS", optionally ending in "Z".
/// Returns nullopt for anything else (including impossible dates such as 2023-02-30).
[[nodiscard]] std::optional<timestamp> parse_timestamp(std::string_view text) noexcept;

/// Formats as "YYYY-MM-DDTHH:MM:SSZ", or "YYYY-MM-DD" when the time of day is midnight and date_only_at_midnight.
[[nodiscard]] std::string format_timestamp(timestamp t, bool date_only_at_midnight = true);

} // namespace leadscore
