// Fuzz target for the redactor (core/redact.hpp) through its public interface only: any text in any
// amount is redacted without crashing, a known secret never survives whatever surrounds it, and the
// credentials api.md §0.8 names (bearer tokens, URL signatures) never survive either.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/redact.hpp"
#include "fuzz_check.hpp"

namespace {

// A token that no redaction mask or surrounding text can spell by accident: lower-case hex after a marker.
std::string token(FuzzedDataProvider& in, std::size_t min_length) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string t = "zq";
  const auto length = in.ConsumeIntegralInRange<std::size_t>(min_length, 48);
  for (std::size_t i = 0; i < length; ++i) t += hex[in.ConsumeIntegral<std::uint8_t>() & 15];
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  parley::Redactor redactor;
  const auto secret = token(in, 6);
  redactor.add_secret(secret);
  redactor.add_secret(in.ConsumeRandomLengthString(32));  // any other secret, also overlapping ones
  const auto bearer = token(in, 16);
  const auto signature = token(in, 16);

  // Text from the input with the secret and the credentials spliced in at chosen places.
  std::string text;
  std::vector<std::string> must_vanish;
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
      case 0:
        text += secret;
        must_vanish.push_back(secret);
        break;
      case 1:
        text += "\nAuthorization: Bearer " + bearer + "\n";
        must_vanish.push_back(bearer);
        break;
      case 2:
        text += " https://files.example/o?exp=1&sig=" + signature + "&x=1 ";
        must_vanish.push_back(signature);
        break;
      default:
        text += in.ConsumeRandomLengthString(512);
        break;
    }
  }
  // The credentials are credentials where they were spliced in; the same characters written elsewhere by the
  // input are just text.
  const auto occurrences = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  };
  for (const auto& t : {bearer, signature}) {
    if (occurrences(t) != static_cast<std::size_t>(std::count(must_vanish.begin(), must_vanish.end(), t)))
      return 0;
  }
  const auto out = redactor.redact(text);
  for (const auto& s : must_vanish) FUZZ_REQUIRE(out.find(s) == std::string::npos);
  return 0;
}
