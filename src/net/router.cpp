#include "net/router.hpp"

#include <algorithm>
#include <set>

namespace parley::net {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  std::size_t start = 1;
  while (true) {
    const auto slash = path.find('/', start);
    parts.push_back(
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

}  // namespace

void Router::add(RouteSpec spec) {
  Compiled c;
  for (auto part : split_path(spec.pattern)) {
    Segment s;
    if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      s.param = true;
      s.text = std::string(part.substr(1, part.size() - 2));
      if (s.text.ends_with("...")) {
        s.tail = true;
        s.text.resize(s.text.size() - 3);
      }
    } else {
      s.text = std::string(part);
    }
    c.segments.push_back(std::move(s));
  }
  routes_.push_back(std::move(spec));
  compiled_.push_back(std::move(c));
}

int Router::match_segments(const Compiled& c, const std::vector<std::string_view>& parts,
                           std::map<std::string, std::string>* params, bool* bad) {
  int score = 0;
  for (std::size_t i = 0; i < c.segments.size(); ++i) {
    const auto& seg = c.segments[i];
    if (seg.tail) {
      if (i >= parts.size()) return -1;
      // The whole remainder: each segment decoded, joined with '/'.
      std::string joined;
      for (std::size_t k = i; k < parts.size(); ++k) {
        std::string decoded;
        if (!percent_decode(parts[k], decoded)) *bad = true;
        if (k > i) joined += '/';
        joined += decoded;
      }
      if (joined.empty()) return -1;
      if (params) (*params)[seg.text] = std::move(joined);
      return score;
    }
    if (i >= parts.size()) return -1;
    if (seg.param) {
      if (parts[i].empty()) return -1;
      if (params) {
        std::string decoded;
        if (!percent_decode(parts[i], decoded)) *bad = true;
        (*params)[seg.text] = std::move(decoded);
      }
      score = score * 2;
    } else {
      if (parts[i] != seg.text) return -1;
      score = score * 2 + 1;
    }
  }
  return parts.size() == c.segments.size() ? score : -1;
}

RouteMatch Router::match(std::string_view method, std::string_view raw_path) const {
  RouteMatch result;
  const auto parts = split_path(raw_path);
  const std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  std::set<std::string> allowed;
  int best = -1;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    bool bad = false;
    const int score = match_segments(compiled_[i], parts, nullptr, &bad);
    if (score < 0) continue;
    allowed.insert(routes_[i].method);
    if (routes_[i].method == want && score > best) {
      best = score;
      result.route = &routes_[i];
      bool bad_params = false;
      result.params.clear();
      match_segments(compiled_[i], parts, &result.params, &bad_params);
      result.kind = bad_params ? RouteMatch::Kind::bad_path : RouteMatch::Kind::found;
    }
  }
  if (result.route) return result;
  if (!allowed.empty()) {
    if (allowed.count("GET")) allowed.insert("HEAD");
    result.kind = RouteMatch::Kind::method_not_allowed;
    for (const auto& m : allowed) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += m;
    }
  }
  return result;
}

}  // namespace parley::net
