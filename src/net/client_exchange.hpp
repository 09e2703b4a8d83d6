// One request/response exchange of the HTTP client on an upstream connection: connect it when new, send the
// request, read the response head; then the body's pieces are taken from what has arrived.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/client_connection.hpp"
#include "net/http_client.hpp"

namespace parley::net {

using ResponseParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

struct HeadOutcome {
  std::optional<TransportError> error;
  // A pooled connection the upstream had closed meanwhile (nothing arrived): try again on a new one.
  bool retry = false;
};

// Connects `conn` unless it is `reused`, writes `wire` and reads the response head into `parser`. The read
// timeout is armed and stays armed for the body. On failure the connection is closed.
boost::asio::awaitable<HeadOutcome> send_and_read_head(ClientConnection& conn, bool reused,
                                                       const ClientRequest& request, const std::string& wire,
                                                       ResponseParser& parser);

// Calls `on_head`; outside the exchange's coroutine so that the header copy is not part of its frame.
void report_head(const HttpClient::HeadFn& on_head, int status,
                 const boost::beast::http::response_header<>& head);

// Parses the body from what has been received into `out` (allocated here only when there is data, as large
// as what was received — at least kBodyPiece, at most ClientConnection::kMaxReadSize —, its size kept in
// conn.piece_size until `out` is released).
// `ec` is http::error::need_more when more must be read first.
struct BodyPiece {
  std::size_t size = 0;
  boost::system::error_code ec;
};
BodyPiece take_body_piece(ResponseParser& parser, ClientConnection& conn, std::unique_ptr<char[]>& out);
constexpr std::size_t kBodyPiece = 4096;

// Parses the rest of the body from what was already received, without waiting for more; the bytes are
// dropped. True when the body is complete (the connection can then be reused).
bool finish_received_body(ResponseParser& parser, ClientConnection& conn);

}  // namespace parley::net
