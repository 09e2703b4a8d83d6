#include "mcp/json_rpc.hpp"

#include <boost/json/serialize.hpp>
#include <charconv>

#include "core/json.hpp"

namespace parley::mcp::rpc {

std::string request(std::int64_t id, std::string_view method, const bj::object& params) {
  bj::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["method"] = method;
  o["params"] = params;
  return bj::serialize(o);
}

std::string notification(std::string_view method, const bj::object& params) {
  bj::object o;
  o["jsonrpc"] = "2.0";
  o["method"] = method;
  if (!params.empty()) o["params"] = params;
  return bj::serialize(o);
}

std::string result_response(const bj::value& id, const bj::value& result) {
  bj::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["result"] = result;
  return bj::serialize(o);
}

std::string error_response(const bj::value& id, std::int64_t code, std::string_view message) {
  bj::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["error"] = bj::object{{"code", code}, {"message", message}};
  return bj::serialize(o);
}

// Our ids are integers; servers may echo them as unsigned, as a float with no fraction, or as a string.
std::optional<std::int64_t> numeric_id(const bj::value& id) {
  if (id.is_int64()) return id.get_int64();
  if (id.is_uint64() && id.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(id.get_uint64());
  }
  if (id.is_double()) {
    const double d = id.get_double();
    if (d >= 0 && d < 9.0e15 && static_cast<double>(static_cast<std::int64_t>(d)) == d) {
      return static_cast<std::int64_t>(d);
    }
  }
  if (id.is_string()) {
    const auto& s = id.get_string();
    std::int64_t v = 0;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (ec == std::errc() && p == end) return v;
  }
  return std::nullopt;
}

namespace {

Incoming classify_one(const bj::value& v) {
  Incoming in;
  if (!v.is_object()) {
    in.problem = "message is not a JSON object";
    return in;
  }
  const auto& o = v.get_object();
  const auto* method = o.if_contains("method");
  const auto* id = o.if_contains("id");
  const bool has_id = id != nullptr && !id->is_null();
  if (method != nullptr) {
    if (!method->is_string()) {
      in.problem = "\"method\" is not a string";
      return in;
    }
    in.method = std::string(method->get_string());
    if (const auto* params = o.if_contains("params"); params != nullptr && params->is_object()) {
      in.params = params->get_object();
    }
    if (has_id) {
      in.kind = Incoming::Kind::request;
      in.raw_id = *id;
    } else {
      in.kind = Incoming::Kind::notification;
    }
    return in;
  }
  if (!has_id) {
    in.problem = "message has neither \"method\" nor \"id\"";
    return in;
  }
  in.raw_id = *id;
  in.id = numeric_id(*id);
  if (!in.id) {
    in.problem = "response id is not one parley sent";
    return in;
  }
  if (const auto* err = o.if_contains("error"); err != nullptr && err->is_object()) {
    in.kind = Incoming::Kind::response;
    in.error = err->get_object();
    return in;
  }
  if (const auto* res = o.if_contains("result")) {
    in.kind = Incoming::Kind::response;
    in.result = *res;
    return in;
  }
  in.problem = "response has neither \"result\" nor an \"error\" object";
  return in;
}

}  // namespace

std::vector<Incoming> classify(const bj::value& message) {
  std::vector<Incoming> out;
  if (message.is_array()) {
    for (const auto& item : message.get_array()) out.push_back(classify_one(item));
    if (out.empty()) {
      Incoming in;
      in.problem = "empty batch";
      out.push_back(std::move(in));
    }
    return out;
  }
  out.push_back(classify_one(message));
  return out;
}

std::vector<Incoming> parse(std::string_view text) {
  std::string why;
  auto v = json::parse(text, &why);
  if (!v) {
    Incoming in;
    in.problem = "not JSON (" + why + ")";
    return {std::move(in)};
  }
  return classify(*v);
}

std::string describe_error(const bj::object& error) {
  std::string out;
  if (const auto* code = error.if_contains("code"); code != nullptr && code->is_int64()) {
    out = std::to_string(code->get_int64()) + ": ";
  }
  if (const auto* msg = error.if_contains("message"); msg != nullptr && msg->is_string()) {
    out += std::string(msg->get_string());
  } else {
    out += "(no message)";
  }
  return out;
}

}  // namespace parley::mcp::rpc
