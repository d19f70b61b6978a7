#pragma once
// Internal: the zone of times stored without one (open_options::time_zone), read from the system's tz database (TZif
// files, RFC 8536: /usr/share/zoneinfo or $TZDIR), and the text forms of times the two databases give.
// libstdc++ 12 has no std::chrono::locate_zone; PostgreSQL reads the same files, so both sides agree.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::sql::detail {

/// One IANA zone: its UTC offsets over time.
class time_zone {
public:
    /// The zone named `name` ("Europe/Berlin", "UTC"); throws error naming it when the name is not a zone of the tz
    /// database (or its file cannot be read).
    [[nodiscard]] static time_zone load(std::string_view name);

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// The offset from UTC, in seconds, in force at the instant `utc` (seconds since the epoch).
    [[nodiscard]] std::int32_t offset_at(std::int64_t utc) const noexcept;
    /// The instant of a wall-clock time of the zone (`local`: its fields as if in UTC). A time the clocks skipped
    /// (a DST gap) takes the offset in force before the gap (02:30 on a spring-forward night in Berlin is 01:30 UTC,
    /// i.e. 03:30 summer time); a time that happened twice (the hour clocks are set back) takes the offset in force
    /// after the change, the later of the two instants. PostgreSQL resolves both cases so.
    [[nodiscard]] std::int64_t to_utc(std::int64_t local) const noexcept;

private:
    std::string name_;
    std::vector<std::int64_t> start_;  // start_[i]: the first instant of period i (start_[0] = the minimum)
    std::vector<std::int32_t> offset_; // offset_[i]: the UTC offset of period i
    friend struct tzif_reader;
};

/// A time's text as the databases give it: "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM:SS" with an optional fraction (dropped,
/// toward the past) and an optional zone: "Z", or ±HH, ±HH:MM, ±HHMM, ±HH:MM:SS.
struct sql_time_text {
    std::int64_t seconds = 0; ///< the instant when `zoned`, else the wall-clock fields counted as if in UTC
    bool zoned = false;       ///< whether the text gave its zone
};

/// Parses a time text (see sql_time_text); nullopt for anything else (infinity, BC dates, impossible dates).
[[nodiscard]] std::optional<sql_time_text> parse_sql_time(std::string_view s) noexcept;

/// The instant of a time text: a zoned one as it says, one without a zone as a local time of `zone` (UTC when null).
[[nodiscard]] std::optional<std::int64_t> sql_time_seconds(std::string_view s, const time_zone* zone) noexcept;

} // namespace leadscore::sql::detail
