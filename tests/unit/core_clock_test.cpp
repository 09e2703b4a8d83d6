// The clock helpers against libc: parse_timestamp against timegm, the UTC forms against gmtime_r and
// format_local_offset against localtime_r, in zones with daylight-saving time, half-hour and 45-minute
// offsets, across their transitions, before 1970 and when TZ changes between calls (the offset span a thread
// keeps).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <random>
#include <string>

#include "core/clock.hpp"
#include "scoped_time_zone.hpp"

using namespace parley;
using parley::test::ScopedTimeZone;

namespace {

// What format_local_offset wrote before: localtime_r, strftime and the offset's sign, hours and minutes.
std::string reference_local_offset(std::time_t tt) {
  std::tm tm{};
  localtime_r(&tt, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  const long off = std::labs(tm.tm_gmtoff);
  char zone[48];
  std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600,
                off % 3600 / 60);
  return std::string(date) + zone;
}

std::string reference_utc(std::time_t tt, const char* format) {
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char out[64];
  std::strftime(out, sizeof out, format, &tm);
  return out;
}

SystemTime at(std::time_t tt) {
  return std::chrono::system_clock::from_time_t(tt);
}

constexpr const char* kZones[] = {"UTC",
                                  "America/New_York",
                                  "Europe/Berlin",
                                  "Australia/Lord_Howe",   // daylight saving of 30 minutes
                                  "Asia/Kathmandu",        // +05:45
                                  "Pacific/Chatham",       // +12:45 / +13:45
                                  "America/St_Johns",      // -03:30 / -02:30
                                  "Africa/Casablanca",     // changes around Ramadan, several times a year
                                  "Pacific/Apia",          // skipped 2011-12-30 (−10 to +14)
                                  "right/Europe/Berlin"};  // counts leap seconds: 27 s behind UTC + 1 h

}  // namespace

TEST(Clock, LocalOffsetIsLocaltimesInZonesWithTransitions) {
  std::mt19937_64 rng(20261203);
  for (const char* zone : kZones) {
    ScopedTimeZone tz(zone);
    // Ascending times a few minutes to a few hours apart from 2010 to 2028, as a history is read (the span a
    // thread keeps is used), then random jumps back and forth (it is not).
    std::time_t tt = 1262304000;  // 2010-01-01
    while (tt < 1830297600) {     // 2028-01-01
      ASSERT_EQ(format_local_offset(at(tt)), reference_local_offset(tt)) << zone << " at " << tt;
      tt += static_cast<std::time_t>(rng() % 20000);
    }
    std::uniform_int_distribution<std::int64_t> any(-7'000'000'000, 7'000'000'000);  // 1748 to 2191
    for (int i = 0; i < 20000; ++i) {
      const auto t = static_cast<std::time_t>(any(rng));
      ASSERT_EQ(format_local_offset(at(t)), reference_local_offset(t)) << zone << " at " << t;
    }
  }
}

TEST(Clock, LocalOffsetAroundEveryTransitionSecond) {
  ScopedTimeZone tz("America/New_York");
  // 2026-03-08 07:00:00 UTC (clocks forward) and 2026-11-01 06:00:00 UTC (back): every second of the hour
  // before and after each, in order and starting inside a span that was found before the change.
  for (const std::time_t change : {std::time_t{1772953200}, std::time_t{1793512800}}) {
    for (std::time_t t = change - 3 * 3600; t <= change + 3600; ++t) {
      ASSERT_EQ(format_local_offset(at(t)), reference_local_offset(t)) << t;
    }
  }
}

TEST(Clock, LocalOffsetFollowsAChangeOfTimeZone) {
  ScopedTimeZone tz("Europe/Berlin");
  const std::time_t t = 1764763200;  // 2025-12-03 12:00:00 UTC
  EXPECT_EQ(format_local_offset(at(t)), "2025-12-03T13:00:00+01:00");
  ScopedTimeZone::set("Asia/Kathmandu");
  EXPECT_EQ(format_local_offset(at(t)), "2025-12-03T17:45:00+05:45");
  ScopedTimeZone::set("America/St_Johns");
  EXPECT_EQ(format_local_offset(at(t + 60)), "2025-12-03T08:31:00-03:30");
  ScopedTimeZone::set("Europe/Berlin");
  EXPECT_EQ(format_local_offset(at(t + 60)), "2025-12-03T13:01:00+01:00");
  // TZ changed, tzset() not called yet: libc still shows Berlin, and what is found meanwhile is not kept for
  // Kathmandu once tzset() ran.
  setenv("TZ", "Asia/Kathmandu", 1);
  EXPECT_EQ(format_local_offset(at(t + 120)), reference_local_offset(t + 120));
  tzset();
  EXPECT_EQ(format_local_offset(at(t + 180)), "2025-12-03T17:48:00+05:45");
}

TEST(Clock, LocalOffsetCountsTheLeapSecondsOfARightZone) {
  ScopedTimeZone tz("right/Europe/Berlin");
  const std::time_t t = 1764763200;  // 2025-12-03 12:00:00 UTC
  EXPECT_EQ(format_local_offset(at(t)), reference_local_offset(t));
  EXPECT_EQ(format_local_offset(at(t + 60)), reference_local_offset(t + 60));  // from the span kept
  // Across the leap second at the end of 2016 (23:59:60 UTC), second by second.
  for (std::time_t s = 1483228800 - 300; s <= 1483228800 + 300; ++s)
    ASSERT_EQ(format_local_offset(at(s)), reference_local_offset(s)) << s;
}

TEST(Clock, UtcFormsAreGmtimes) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> any(-7'000'000'000, 7'000'000'000);
  for (int i = 0; i < 50000; ++i) {
    constexpr std::array<std::int64_t, 4> kEdges{0, -1, 951782400, 4107542399};  // 2000-02-29, 2100-02-28
    const auto tt = static_cast<std::time_t>(i < 4 ? kEdges[static_cast<std::size_t>(i)] : any(rng));
    ASSERT_EQ(format_utc_offset(at(tt)), reference_utc(tt, "%Y-%m-%dT%H:%M:%S+00:00")) << tt;
    ASSERT_EQ(format_sql_utc(at(tt)), reference_utc(tt, "%Y-%m-%d %H:%M:%S")) << tt;
    ASSERT_EQ(format_iso_utc_z(at(tt)), reference_utc(tt, "%Y-%m-%dT%H:%M:%SZ")) << tt;
    ASSERT_EQ(compact_utc(at(tt)), reference_utc(tt, "%Y%m%dT%H%M%SZ")) << tt;
  }
}

TEST(Clock, ParseTimestampIsTimegmsIncludingItsCarries) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 50000; ++i) {
    std::tm tm{};
    tm.tm_year = static_cast<int>(1700 + rng() % 501) - 1900;
    tm.tm_mon = static_cast<int>(rng() % 12);
    tm.tm_mday = static_cast<int>(1 + rng() % 31);  // the 31st of February carries on into March
    tm.tm_hour = static_cast<int>(rng() % 24);
    tm.tm_min = static_cast<int>(rng() % 60);
    tm.tm_sec = static_cast<int>(rng() % 61);  // 60: the next minute's first second
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, i % 2 ? 'T' : ' ', tm.tm_hour, tm.tm_min, tm.tm_sec);
    const std::time_t expected = timegm(&tm);
    const auto parsed = parse_timestamp(text);
    ASSERT_TRUE(parsed) << text;
    ASSERT_EQ(std::chrono::system_clock::to_time_t(*parsed), expected) << text;
    const auto east = parse_timestamp(std::string(text) + ".25+05:45");
    ASSERT_TRUE(east) << text;
    ASSERT_EQ(*east, std::chrono::system_clock::from_time_t(expected - (5 * 3600 + 45 * 60)) +
                         std::chrono::milliseconds(250))
        << text;
  }
  EXPECT_EQ(parse_timestamp("2026-02-29 00:00:00"), parse_timestamp("2026-03-01 00:00:00"));
  EXPECT_EQ(parse_timestamp("1969-12-31T23:59:60Z"), at(0));
  EXPECT_FALSE(parse_timestamp("2026-13-01 00:00:00"));
  EXPECT_FALSE(parse_timestamp("1699-12-31 23:59:59"));
}
