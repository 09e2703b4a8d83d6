// Retry-After as Google sends it on 429 and 503 (google/api_client's parse_retry_after, RFC 9110 §10.2.3):
// delta-seconds or an IMF-fixdate, anything else unreadable (the client then backs off on its own). No I/O.
#include <gtest/gtest.h>

#include "google/api_client.hpp"

namespace parley::google {
namespace {

using std::chrono::milliseconds;

const SystemTime kNow = *parse_timestamp("2015-10-21T07:28:00Z");

TEST(GoogleRetryAfter, DeltaSeconds) {
  EXPECT_EQ(parse_retry_after("0", kNow), milliseconds(0));
  EXPECT_EQ(parse_retry_after("1", kNow), milliseconds(1000));
  EXPECT_EQ(parse_retry_after("120", kNow), milliseconds(120000));
  EXPECT_EQ(parse_retry_after("  7 ", kNow), milliseconds(7000));
  EXPECT_EQ(parse_retry_after("007", kNow), milliseconds(7000));
}

TEST(GoogleRetryAfter, HttpDate) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", kNow), milliseconds(30000));
  EXPECT_EQ(parse_retry_after("Thu, 22 Oct 2015 07:28:00 GMT", kNow), milliseconds(86400000));
  // A date already past: retry now.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", kNow), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", kNow), milliseconds(0));
}

TEST(GoogleRetryAfter, HugeValuesAreALongWaitNeverANegativeOne) {
  // Was seconds * 1000 in int64: 9223372036854775 s overflowed to a negative wait, and the client retried
  // at once; a value past int64 was unreadable.
  for (const char* huge :
       {"86401", "4294967296", "9223372036854775", "9223372036854775807", "99999999999999999999999999"}) {
    const auto wait = parse_retry_after(huge, kNow);
    ASSERT_TRUE(wait) << huge;
    EXPECT_EQ(*wait, milliseconds(86400000)) << huge;
  }
  // An HTTP date past 2262 overflowed the clock's nanoseconds and meant "retry now".
  for (const char* far :
       {"Thu, 22 Oct 2015 07:28:01 GMT", "Sat, 12 Apr 2262 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"}) {
    EXPECT_EQ(parse_retry_after(far, kNow), milliseconds(86400000)) << far;
  }
}

TEST(GoogleRetryAfter, GarbageIsUnreadable) {
  for (const char* garbage : {"", "   ", "-1", "+5", "1.5", "1e3", "5s", "0x10", "soon", "Wed, 21 Oct 2015",
                              "Wed, 21 Oct 2015 07:28:30", "Wed, 21 Oct 2015 07:28:30 GMT junk",
                              "Wed, 32 Oct 2015 07:28:30 GMT", "2015-10-21T07:28:30Z", "\xff\xff"}) {
    EXPECT_FALSE(parse_retry_after(garbage, kNow)) << garbage;
  }
}

}  // namespace
}  // namespace parley::google
