// Runs a test with TZ set to a zone (tzset'd), restoring the previous value when it ends.
#pragma once

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace parley::test {

class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* zone) {
    if (const char* old = std::getenv("TZ")) previous_ = old;
    set(zone);
  }
  ScopedTimeZone(const ScopedTimeZone&) = delete;
  ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;
  ~ScopedTimeZone() {
    if (previous_) {
      setenv("TZ", previous_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  // Another zone within the same scope (the previous value is still restored at its end).
  static void set(const char* zone) {
    setenv("TZ", zone, 1);
    tzset();
  }

 private:
  std::optional<std::string> previous_;
};

}  // namespace parley::test
