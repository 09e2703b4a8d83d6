// The signed OAuth `state` (google/oauth_state, api.md §2.20): the callback is an open route, so it must
// accept only states this server signed, for the user it signed them for, until they expire. No I/O.
#include <gtest/gtest.h>

#include <string>

#include "core/ids.hpp"
#include "google/oauth_state.hpp"

namespace parley::google {
namespace {

using std::chrono::seconds;

const std::string kKey = "0123456789abcdef0123456789abcdef";
const SystemTime kNow = SystemTime(seconds(1'900'000'000));

TEST(GoogleOAuthState, AStateVerifiesUntilItExpires) {
  const auto state = sign_state("first.last+tag@example.com", kNow + seconds(600), kKey);
  EXPECT_EQ(verify_state(state, kNow, kKey), "first.last+tag@example.com");
  EXPECT_EQ(verify_state(state, kNow + seconds(600), kKey), "first.last+tag@example.com");
  EXPECT_FALSE(verify_state(state, kNow + seconds(601), kKey));
  EXPECT_FALSE(verify_state(state, kNow + seconds(100000), kKey));
}

TEST(GoogleOAuthState, TheFormIsUrlSafe) {
  const auto state = sign_state("ü@example.com", kNow, kKey);
  EXPECT_EQ(state.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
            std::string::npos)
      << state;
  EXPECT_EQ(state.substr(state.find('.') + 1, 10), "1900000000");
  EXPECT_EQ(verify_state(state, kNow, kKey), "ü@example.com");
}

TEST(GoogleOAuthState, ChangingAnyByteBreaksIt) {
  const auto state = sign_state("user@example.com", kNow + seconds(600), kKey);
  for (std::size_t i = 0; i < state.size(); ++i) {
    auto tampered = state;
    tampered[i] = tampered[i] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(verify_state(tampered, kNow, kKey)) << "byte " << i << ": " << tampered;
  }
  EXPECT_FALSE(verify_state(state + "0", kNow, kKey));
  EXPECT_FALSE(verify_state(state.substr(0, state.size() - 1), kNow, kKey));
}

TEST(GoogleOAuthState, AnotherUserOrALaterExpiryCannotBeSpliced) {
  const auto mine = sign_state("me@example.com", kNow + seconds(600), kKey);
  const auto signature = mine.substr(mine.rfind('.') + 1);
  const auto expiry = mine.substr(mine.find('.') + 1, mine.rfind('.') - mine.find('.') - 1);
  EXPECT_FALSE(
      verify_state(base64url_encode("victim@example.com") + "." + expiry + "." + signature, kNow, kKey));
  EXPECT_FALSE(verify_state(base64url_encode("me@example.com") + ".9999999999." + signature,
                            kNow + seconds(1000), kKey));
}

TEST(GoogleOAuthState, AnotherKeyOrNoKeyRefusesIt) {
  const auto state = sign_state("user@example.com", kNow + seconds(600), kKey);
  EXPECT_FALSE(verify_state(state, kNow, "another-key-another-key-another-k"));
  EXPECT_FALSE(verify_state(state, kNow, ""));
  // Signed with an empty key (no signing key configured): never accepted.
  EXPECT_FALSE(verify_state(sign_state("user@example.com", kNow + seconds(600), ""), kNow, ""));
}

TEST(GoogleOAuthState, GarbageIsRefused) {
  const auto good = sign_state("user@example.com", kNow + seconds(600), kKey);
  const std::string garbage[] = {
      "",
      ".",
      "..",
      "x",
      "a.b",
      "a.b.c",
      "a.b.c.d",
      good + "." + good,
      std::string(100000, '.'),
      std::string(100000, 'a'),
      "\xff\xfe.1.2",
      std::string("user\0@x", 7),
  };
  for (const auto& g : garbage) EXPECT_FALSE(verify_state(g, kNow, kKey)) << g.substr(0, 40);
}

TEST(GoogleOAuthState, ACorrectlySignedStateWithNoUserOrAPastExpiryIsRefused) {
  EXPECT_FALSE(verify_state(sign_state("", kNow + seconds(600), kKey), kNow, kKey));
  EXPECT_FALSE(verify_state(sign_state("user@example.com", SystemTime(seconds(-5)), kKey), kNow, kKey));
}

}  // namespace
}  // namespace parley::google
