// Wall-clock helpers: the injectable wall clock, UTC ISO-8601 formatting and parsing of the timestamp forms
// the spec accepts (§0.6, §5.3).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace parley {

using SystemTime = std::chrono::system_clock::time_point;

// "Now" as a value handed to the code that stamps what it stores, so a test sets the time instead of waiting
// for it to pass (the store's timestamps have second precision, §3.9: two writes a second apart need a second
// of sleep on the system clock). The binary passes system_wall_clock().
using WallClock = std::function<SystemTime()>;
WallClock system_wall_clock();

// "2025-11-08T14:03:12Z" (fraction_digits 0) or with 1..6 fractional digits.
std::string format_iso_utc_z(SystemTime t, int fraction_digits = 0);
// "2025-11-08T05:00:18.909698+00:00" (microseconds), the form parley writes into model_settings.json.
std::string format_iso_utc_offset(SystemTime t);
// "2025-11-08 14:03:12", the SQLite storage form.
std::string format_sql_utc(SystemTime t);
// Local (display time zone, i.e. TZ) date "YYYY-MM-DD" and time "HH-MM-SS" for log folders and file names.
std::string local_date(SystemTime t);
std::string local_time_dashed(SystemTime t);
// Accepts "YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]"; no zone = UTC. Years 1700 to 2200 only (what
// system_clock holds, with a margin).
std::optional<SystemTime> parse_timestamp(std::string_view s);
// Display time zone (TZ) with numeric offset, second precision: "2025-11-08T09:03:12-05:00".
std::string format_local_offset(SystemTime t);
// UTC with "+00:00", second precision: "2025-11-08T14:03:12+00:00" (SSE created_at_utc).
std::string format_utc_offset(SystemTime t);
// Local wall-clock pieces for the time-context block: date, weekday name, HH:MM:SS, zone abbreviation.
struct LocalTimeParts {
  std::string date, weekday, time, zone_abbreviation;
};
LocalTimeParts local_time_parts(SystemTime t);
// The IANA name of the display zone when known (PARLEY_TIMEZONE, TZ, /etc/timezone, /etc/localtime link).
std::string display_zone_name();
// "20251108T140312Z" for *.corrupt-<time> backups.
std::string compact_utc(SystemTime t);

}  // namespace parley
