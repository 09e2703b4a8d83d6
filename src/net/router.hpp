// The route table: method + path pattern ("/api/presets/{name}", "/api/files/{key...}") -> handler, with
// per-route body limit and access rule. Literal segments beat parameters (api.md §0.3).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.hpp"

namespace parley::net {

enum class Access {
  open,           // no authentication ever (login, status, signed files, ...)
  authenticated,  // requires the bearer token or a session cookie when auth is configured
};

enum class BodyPolicy {
  ignored,  // "body ignored": never read (the connection closes if one was sent)
  normal,   // up to PARLEY_MAX_BODY_BYTES
  chat,     // up to PARLEY_CHAT_MAX_BODY_BYTES
  upload,  // up to ATTACHMENTS_MAX_SIZE_BYTES + 64 KiB, streamed: the handler reads it (Request::body_reader)
};

struct RouteSpec {
  std::string method;
  std::string pattern;
  Handler handler;
  BodyPolicy body = BodyPolicy::normal;
  Access access = Access::authenticated;
};

struct RouteMatch {
  enum class Kind { found, not_found, method_not_allowed, bad_path } kind = Kind::not_found;
  const RouteSpec* route = nullptr;
  std::map<std::string, std::string> params;
  std::string allow;  // for 405: "GET, HEAD, PUT"
};

class Router {
 public:
  void add(RouteSpec spec);
  // `raw_path` is the undecoded request path. HEAD matches GET routes.
  [[nodiscard]] RouteMatch match(std::string_view method, std::string_view raw_path) const;
  [[nodiscard]] const std::vector<RouteSpec>& routes() const { return routes_; }

 private:
  struct Segment {
    std::string text;
    bool param = false;
    bool tail = false;
  };
  struct Compiled {
    std::vector<Segment> segments;
  };
  // Returns a specificity score (higher = more literal) or -1 when the path does not match.
  static int match_segments(const Compiled& c, const std::vector<std::string_view>& parts,
                            std::map<std::string, std::string>* params, bool* bad);
  std::vector<RouteSpec> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace parley::net
