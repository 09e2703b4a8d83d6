// Between Beast's HTTP messages and parley's own: the Request a handler sees, the response heads the server
// writes (plain and SSE), and the JSON body of the server's own errors. Private to src/net/.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace parley::net {

// {"detail":"<message>"}; only fixed ASCII messages are passed here.
std::string json_error(std::string_view message);

Request to_request(const boost::beast::http::request_header<>& head, const std::string& remote_address);

using ResponseHead = boost::beast::http::response<boost::beast::http::empty_body>;

// The head of a response whose body (if any) is written after it as it is. `http10`: the request was
// HTTP/1.0, which closes unless told to keep the connection.
ResponseHead response_head(const Response& res, bool keep_alive, bool http10);

// The head of an SSE response: chunked, or close-delimited for an HTTP/1.0 client (never kept alive); an
// HTTP/1.1 one says "Connection: close" unless `keep_alive`.
ResponseHead sse_response_head(const Response& res, bool http10, bool keep_alive);

// Whether a response with this status to this request carries no body.
bool has_no_body(const Request& req, int status);

}  // namespace parley::net
