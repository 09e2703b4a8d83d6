#include "net/http_messages.hpp"

namespace parley::net {

namespace http = boost::beast::http;

std::string json_error(std::string_view message) {
  std::string body = R"({"detail":")";
  body += message;
  body += "\"}";
  return body;
}

Request to_request(const http::request_header<>& head, const std::string& remote_address) {
  Request r;
  r.method = std::string(head.method_string());
  r.target = std::string(head.target());
  const auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& f : head) r.headers.add(std::string(f.name_string()), std::string(f.value()));
  r.remote_address = remote_address;
  r.host = std::string(head[http::field::host]);
  return r;
}

bool has_no_body(const Request& req, int status) {
  return req.is_head() || status == 204 || status == 304 || status < 200;
}

ResponseHead response_head(const Response& res, bool keep_alive, bool http10) {
  ResponseHead head{static_cast<http::status>(res.status), 11};
  for (const auto& [k, v] : res.headers.all()) head.insert(k, v);
  head.keep_alive(keep_alive);
  // An HTTP/1.0 client closes unless told otherwise (it asked with "Connection: keep-alive").
  if (keep_alive && http10) head.set(http::field::connection, "keep-alive");
  if (res.status != 204 && res.status != 304) {
    head.content_length(res.static_body ? res.static_body->size() : res.body.size());
  }
  return head;
}

ResponseHead sse_response_head(const Response& res, bool http10, bool keep_alive) {
  ResponseHead head{http::status::ok, 11};
  for (const auto& [k, v] : res.headers.all()) head.insert(k, v);
  if (!res.headers.has("Content-Type"))
    head.set(http::field::content_type, "text/event-stream; charset=utf-8");
  if (!res.headers.has("Cache-Control")) head.set(http::field::cache_control, "no-store");
  head.set("X-Accel-Buffering", "no");
  // HTTP/1.0 has no chunked encoding: its body ends when the connection closes (Connection: close either
  // way). An HTTP/1.1 stream's connection is kept for a next request unless the client asked otherwise.
  head.chunked(!http10);
  head.keep_alive(keep_alive && !http10);
  return head;
}

}  // namespace parley::net
