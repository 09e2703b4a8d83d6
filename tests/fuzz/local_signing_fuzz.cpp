// Fuzz target for the signed URLs of the local attachment store (blob/local_signing) as GET /api/files
// handles them: the key comes out of the path by the router's {key...} rule, exp and sig out of the query.
// Any request is refused unless its signature is right; a URL parley signs is accepted for exactly its key
// until it expires, and any change to it is refused.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "blob/local_signing.hpp"
#include "blob/object_key.hpp"
#include "fuzz_check.hpp"
#include "net/router.hpp"

namespace {

using parley::blob::LocalSignatureCheck;

const parley::net::Router& files_router() {
  static const auto router = [] {
    parley::net::Router r;
    r.add({"GET", "/api/files/{key...}", {}, parley::net::BodyPolicy::ignored, parley::net::Access::open});
    r.add({"GET", "/api/files", {}, parley::net::BodyPolicy::ignored, parley::net::Access::open});
    return r;
  }();
  return router;
}

struct FileRequest {
  std::string key;
  std::optional<std::string> exp, sig;
};

// What the server and api/files.cpp take from a request target.
std::optional<FileRequest> file_request(std::string_view target) {
  parley::net::Request req;
  const auto q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  const auto match = files_router().match("GET", req.path);
  if (match.kind != parley::net::RouteMatch::Kind::found) return std::nullopt;
  const auto key = match.params.find("key");
  if (key == match.params.end()) return std::nullopt;
  return FileRequest{key->second, req.query_param("exp"), req.query_param("sig")};
}

parley::blob::SystemTime at(std::int64_t seconds) {
  return parley::blob::SystemTime{std::chrono::seconds(seconds)};
}

LocalSignatureCheck check(std::string_view signing_key, const FileRequest& r, std::int64_t now) {
  const auto result = parley::blob::check_local_signature(signing_key, r.key, r.exp.value_or(""),
                                                          r.sig.value_or(""), at(now));
  if (result == LocalSignatureCheck::valid || result == LocalSignatureCheck::expired) {
    // api/files.cpp then reads exp with std::stoll: it must be a plain number.
    FUZZ_REQUIRE(r.exp && std::stoll(*r.exp) >= 0);
  }
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto signing_key = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<std::size_t>(0, 64));
  const auto now = in.ConsumeIntegralInRange<std::int64_t>(0, 4'000'000'000);
  const auto mode = in.ConsumeIntegralInRange<int>(0, 2);

  if (mode == 0) {
    // Any target: without the right signature nothing is valid.
    const auto target = in.ConsumeRemainingBytesAsString();
    if (const auto r = file_request(target)) {
      const auto result = check(signing_key, *r, now);
      if (result == LocalSignatureCheck::valid)
        FUZZ_REQUIRE(*r->sig == parley::blob::local_signature(signing_key, r->key, std::stoll(*r->exp)));
    }
    return 0;
  }

  // A URL parley signs: for an attachment key (mode 1) or any relative key (mode 2).
  std::string key;
  if (mode == 1) {
    const auto session = in.ConsumeRandomLengthString(64);
    const auto id = in.ConsumeRandomLengthString(40);
    key = parley::blob::attachment_object_key(session, id, in.ConsumeRandomLengthString(200));
  } else {
    key = in.ConsumeRandomLengthString(256);
  }
  if (!parley::blob::is_relative_object_key(key)) return 0;
  const auto exp = in.ConsumeIntegralInRange<std::int64_t>(0, 999'999'999'999);
  const auto url = parley::blob::local_signed_path(signing_key, key, exp);
  const auto r = file_request(url);
  FUZZ_REQUIRE(r.has_value() && r->key == key);
  FUZZ_REQUIRE(check(signing_key, *r, now) ==
               (now <= exp ? LocalSignatureCheck::valid : LocalSignatureCheck::expired));

  // Any one byte changed in the URL: refused, or it still names the same key, exp and sig.
  std::string changed = url;
  const auto pos = in.ConsumeIntegralInRange<std::size_t>(0, changed.size() - 1);
  changed[pos] = static_cast<char>(in.ConsumeIntegral<std::uint8_t>());
  if (const auto c = file_request(changed)) {
    const auto result = check(signing_key, *c, now);
    if (result == LocalSignatureCheck::valid || result == LocalSignatureCheck::expired)
      FUZZ_REQUIRE(c->key == key && c->exp == r->exp && c->sig == r->sig);
  }
  return 0;
}
