#include "core/clock.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>

namespace parley {
namespace {

// The broken-down time of `seconds` since the epoch shifted by `offset` seconds, as gmtime_r gives it
// (proleptic Gregorian, days floored), from the calendar arithmetic of <chrono> instead of a libc call:
// a long history formats two timestamps per message (P5).
std::tm civil_tm(std::time_t seconds, long offset) {
  using namespace std::chrono;
  const sys_seconds at{std::chrono::seconds{static_cast<std::int64_t>(seconds) + offset}};
  const auto day = floor<days>(at);
  const year_month_day ymd{day};
  const auto in_day = (at - day).count();
  std::tm tm{};
  tm.tm_year = static_cast<int>(ymd.year()) - 1900;
  tm.tm_mon = static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
  tm.tm_mday = static_cast<int>(static_cast<unsigned>(ymd.day()));
  tm.tm_hour = static_cast<int>(in_day / 3600);
  tm.tm_min = static_cast<int>(in_day % 3600 / 60);
  tm.tm_sec = static_cast<int>(in_day % 60);
  tm.tm_wday = static_cast<int>(weekday{day}.c_encoding());
  tm.tm_yday = static_cast<int>((day - sys_days{ymd.year() / January / 1}).count());
  tm.tm_gmtoff = offset;
  return tm;
}

std::tm utc_tm(SystemTime t) {
  auto tm = civil_tm(std::chrono::system_clock::to_time_t(t), 0);
  tm.tm_zone = "GMT";  // what gmtime_r names it
  return tm;
}

std::tm local_tm(SystemTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm;
}

// Seconds since the epoch of a civil date and time as timegm counts them: a day past the month's end counts
// on into the next month (the 31st of February is the 3rd of March), second 60 is the next minute's first.
long long civil_seconds(int year, int month, int day, int hour, int minute, int second) {
  using namespace std::chrono;
  const sys_days first{std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} / 1};
  return static_cast<long long>((first + days{day - 1}).time_since_epoch().count()) * 86400 + hour * 3600LL +
         minute * 60LL + second;
}

// Seconds from `tt` to the wall-clock time `tm` shows: the UTC offset, less the leap seconds a "right/" zone
// counts.
long wall_shift(const std::tm& tm, std::time_t tt) {
  return static_cast<long>(
      civil_seconds(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) -
      static_cast<long long>(tt));
}

// The display zone's local time at `tt`, as localtime_r gives it (the fields and tm_gmtoff that
// format_local_offset reads). localtime_r takes a process-wide lock and walks the zone's rules on every call,
// twice per message of a long history (P5), so each thread keeps what it found together with a span it holds
// for: from the time asked for up to six hours later, when the offset and the wall-clock shift at the span's
// end are the same (no zone changes its offset twice within six hours and back, and a leap second in between
// changes the shift). The span is forgotten when TZ or what tzset() made of it changes.
std::tm local_fields(std::time_t tt) {
  struct Span {
    bool tz_set = false;
    std::string tz;
    const char* names[2] = {nullptr, nullptr};
    long zone_seconds = 0;
    int dst = 0;
    std::time_t begin = 0, end = 0;  // empty until the first call
    long shift = 0, offset = 0;
  };
  thread_local Span span;
  const char* tz = std::getenv("TZ");
  if (span.tz_set != (tz != nullptr) || (tz != nullptr && span.tz != tz) || span.names[0] != ::tzname[0] ||
      span.names[1] != ::tzname[1] || span.zone_seconds != ::timezone || span.dst != ::daylight) {
    span = Span{tz != nullptr, tz != nullptr ? tz : "", {::tzname[0], ::tzname[1]}, ::timezone, ::daylight};
  }
  if (tt >= span.begin && tt < span.end) {
    auto tm = civil_tm(tt, span.shift);
    tm.tm_gmtoff = span.offset;
    return tm;
  }
  std::tm at{};
  localtime_r(&tt, &at);
  constexpr std::time_t kSpan = 6 * 3600;
  if (at.tm_sec < 60 && tt <= std::numeric_limits<std::time_t>::max() - kSpan) {
    const std::time_t last = tt + kSpan - 1;
    std::tm later{};
    localtime_r(&last, &later);
    const long shift = wall_shift(at, tt);
    if (later.tm_sec < 60 && later.tm_gmtoff == at.tm_gmtoff && wall_shift(later, last) == shift) {
      span.begin = tt;
      span.end = tt + kSpan;
      span.shift = shift;
      span.offset = at.tm_gmtoff;
    }
  }
  return at;
}

long long micros_of_second(SystemTime t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  return ((us % 1000000) + 1000000) % 1000000;
}

std::string format_tm(const std::tm& tm, const char* fmt) {
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

// strftime's "%Y-%m-%d<separator>%H:%M:%S" written directly (strftime's locale handling dominated the time
// of serializing long histories); strftime itself for years it would not print with four digits.
std::string format_date_time(const std::tm& tm, char separator) {
  const int year = tm.tm_year + 1900;
  if (year < 1000 || year > 9999) {
    const char format[] = {'%', 'Y', '-', '%', 'm', '-', '%', 'd', separator,
                           '%', 'H', ':', '%', 'M', ':', '%', 'S', 0};
    return format_tm(tm, format);
  }
  char buf[19];
  auto two = [&buf](int at, int value) {
    buf[at] = static_cast<char>('0' + value / 10 % 10);
    buf[at + 1] = static_cast<char>('0' + value % 10);
  };
  two(0, year / 100);
  two(2, year % 100);
  buf[4] = '-';
  two(5, tm.tm_mon + 1);
  buf[7] = '-';
  two(8, tm.tm_mday);
  buf[10] = separator;
  two(11, tm.tm_hour);
  buf[13] = ':';
  two(14, tm.tm_min);
  buf[16] = ':';
  two(17, tm.tm_sec);
  return std::string(buf, sizeof buf);
}

}  // namespace

WallClock system_wall_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

std::string format_iso_utc_z(SystemTime t, int fraction_digits) {
  std::string out = format_date_time(utc_tm(t), 'T');
  if (fraction_digits > 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, "%06lld", micros_of_second(t));
    out += '.';
    out.append(frac, static_cast<std::size_t>(fraction_digits > 6 ? 6 : fraction_digits));
  }
  out += 'Z';
  return out;
}

std::string format_iso_utc_offset(SystemTime t) {
  char frac[8];
  std::snprintf(frac, sizeof frac, "%06lld", micros_of_second(t));
  return format_date_time(utc_tm(t), 'T') + "." + frac + "+00:00";
}

std::string format_sql_utc(SystemTime t) {
  return format_date_time(utc_tm(t), ' ');
}
std::string local_date(SystemTime t) {
  return format_tm(local_tm(t), "%Y-%m-%d");
}
std::string local_time_dashed(SystemTime t) {
  return format_tm(local_tm(t), "%H-%M-%S");
}
std::string format_local_offset(SystemTime t) {
  const auto tm = local_fields(std::chrono::system_clock::to_time_t(t));
  const long off = std::labs(tm.tm_gmtoff);
  const long hours = off / 3600, minutes = off % 3600 / 60;
  auto out = format_date_time(tm, 'T');
  if (hours > 99) {
    char zone[32];
    std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', hours, minutes);
    return out + zone;
  }
  const char zone[] = {tm.tm_gmtoff < 0 ? '-' : '+',          static_cast<char>('0' + hours / 10),
                       static_cast<char>('0' + hours % 10),   ':',
                       static_cast<char>('0' + minutes / 10), static_cast<char>('0' + minutes % 10)};
  return out.append(zone, sizeof zone);
}

std::string format_utc_offset(SystemTime t) {
  return format_date_time(utc_tm(t), 'T') + "+00:00";
}

LocalTimeParts local_time_parts(SystemTime t) {
  const auto tm = local_tm(t);
  return {format_tm(tm, "%Y-%m-%d"), format_tm(tm, "%A"), format_tm(tm, "%H:%M:%S"),
          tm.tm_zone ? tm.tm_zone : ""};
}

namespace {

std::string system_zone_name() {
  std::ifstream in("/etc/timezone");
  std::string name;
  if (in && std::getline(in, name) && !name.empty()) return name;
  std::error_code ec;
  const auto link = std::filesystem::read_symlink("/etc/localtime", ec);
  if (!ec) {
    const auto s = link.string();
    const auto pos = s.find("zoneinfo/");
    if (pos != std::string::npos) return s.substr(pos + 9);
  }
  return {};
}

}  // namespace

std::string display_zone_name() {
  if (const char* tz = std::getenv("TZ"); tz && *tz) return *tz == ':' ? tz + 1 : tz;
  // Read again at most every few seconds (per thread): a chat turn asks for it, and opening /etc/timezone
  // each time was a visible part of a turn's CPU (P1). A change of the system zone shows within that time.
  constexpr auto kFresh = std::chrono::seconds(5);
  thread_local std::string cached;
  thread_local std::chrono::steady_clock::time_point read_at{};
  thread_local bool valid = false;
  const auto now = std::chrono::steady_clock::now();
  if (!valid || now - read_at >= kFresh) {
    cached = system_zone_name();
    read_at = now;
    valid = true;
  }
  return cached;
}

std::string compact_utc(SystemTime t) {
  return format_tm(utc_tm(t), "%Y%m%dT%H%M%SZ");
}

std::optional<SystemTime> parse_timestamp(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(11, 2, h) || s[13] != ':' ||
      !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits: 1678 to 2262. Years outside would overflow (an imported file
  // or a hand-edited settings document can hold anything).
  if (y < 1700 || y > 2200) return std::nullopt;
  std::size_t pos = 19;
  long long micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int count = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (count < 6) {
        micros = micros * 10 + (s[pos] - '0');
        ++count;
      }
      ++pos;
    }
    if (count == 0) return std::nullopt;
    for (int i = count; i < 6; ++i) micros *= 10;
  }
  long offset_seconds = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) {
      ++pos;
    } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
      int oh = 0, om = 0;
      if (!digits(pos + 1, 2, oh) || !digits(pos + 4, 2, om)) return std::nullopt;
      offset_seconds = (oh * 3600L + om * 60L) * (s[pos] == '-' ? -1 : 1);
      pos = s.size();
    } else {
      return std::nullopt;
    }
  }
  // What timegm gives, without its normalising walk (a long history parses a timestamp per message, P5).
  const std::chrono::seconds at{civil_seconds(y, mo, d, h, mi, sec) - offset_seconds};
  return SystemTime{at} + std::chrono::microseconds(micros);
}

}  // namespace parley
