// Wall-clock helpers: UTC ISO-8601 formatting and parsing of the timestamp forms the spec accepts (§0.6,
// §5.3).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace parley {

using SystemTime = std::chrono::system_clock::time_point;

// "2025-11-08T14:03:12Z" (fraction_digits 0) or with 1..6 fractional digits.
std::string format_iso_utc_z(SystemTime t, int fraction_digits = 0);
// "2025-11-08T05:00:18.909698+00:00" (microseconds), the form parley writes into model_settings.json.
std::string format_iso_utc_offset(SystemTime t);
// "2025-11-08 14:03:12", the SQLite storage form.
std::string format_sql_utc(SystemTime t);
// Local (display time zone, i.e. TZ) date "YYYY-MM-DD" and time "HH-MM-SS" for log folders and file names.
std::string local_date(SystemTime t);
std::string local_time_dashed(SystemTime t);
// Accepts "YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]"; no zone = UTC.
std::optional<SystemTime> parse_timestamp(std::string_view s);
// "20251108T140312Z" for *.corrupt-<time> backups.
std::string compact_utc(SystemTime t);

}  // namespace parley
