#include "net/client_exchange.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "net/transport_errors.hpp"

namespace parley::net {

namespace http = boost::beast::http;
using asio::awaitable;

awaitable<HeadOutcome> send_and_read_head(ClientConnection& conn, bool reused, const ClientRequest& request,
                                          const std::string& wire, ResponseParser& parser) {
  if (!reused) {
    if (auto err = co_await connect_client(conn, request.connect_timeout, &request.address_allowed)) {
      co_return HeadOutcome{std::move(err), false};
    }
  }
  conn.arm(request.read_timeout);
  auto [wec, wn] = co_await conn.write_all(asio::buffer(wire));
  parser.body_limit(boost::none);
  parser.eager(true);
  bool got_bytes = false;
  boost::system::error_code ec = wec;
  bool need_more = false;  // a header split across reads: the parser takes none of it until it is whole
  while (!ec && !parser.is_header_done()) {
    if (conn.input.size() == 0 || need_more) {
      need_more = false;
      auto [rec, n] = co_await conn.read_more();
      if (n > 0) {
        got_bytes = true;
        conn.arm(request.read_timeout);
      }
      if (rec) {
        ec = rec;
        break;
      }
    }
    parser.get().body().data = nullptr;
    parser.get().body().size = 0;
    boost::system::error_code pec;
    const auto used = parser.put(conn.input.data(), pec);
    conn.input.consume(used);
    if (pec == http::error::need_more) {
      need_more = true;
      continue;
    }
    if (pec && pec != http::error::need_buffer) ec = pec;
  }
  if (!ec) co_return HeadOutcome{};
  conn.disarm();
  conn.close();
  if (reused && !got_bytes && !conn.cancelled && !conn.timed_out) co_return HeadOutcome{std::nullopt, true};
  co_return HeadOutcome{head_failure(ExchangeEnd{ec, conn.timed_out, conn.cancelled}, got_bytes), false};
}

void report_head(const HttpClient::HeadFn& on_head, int status, const http::response_header<>& head) {
  if (!on_head) return;
  Headers headers;
  for (const auto& f : head) headers.add(std::string(f.name_string()), std::string(f.value()));
  on_head(status, headers);
}

BodyPiece take_body_piece(ResponseParser& parser, ClientConnection& conn, std::unique_ptr<char[]>& out) {
  BodyPiece piece;
  if (conn.input.size() == 0) {
    piece.ec = http::error::need_more;
    return piece;
  }
  if (!out) {
    // As large as what was read (a large read is relayed in one piece), at least kBodyPiece.
    conn.piece_size = std::clamp(conn.input.size(), kBodyPiece, ClientConnection::kMaxReadSize);
    out = std::make_unique_for_overwrite<char[]>(conn.piece_size);
  }
  parser.get().body().data = out.get();
  parser.get().body().size = conn.piece_size;
  const auto used = parser.put(conn.input.data(), piece.ec);
  conn.input.consume(used);
  piece.size = conn.piece_size - parser.get().body().size;
  if (piece.ec == http::error::need_buffer) piece.ec = {};
  return piece;
}

bool finish_received_body(ResponseParser& parser, ClientConnection& conn) {
  std::array<char, 1024> scratch;  // NOLINT: discarded bytes
  std::size_t budget = 256 * 1024;
  while (!parser.is_done()) {
    boost::system::error_code ec;
    if (conn.input.size() > 0) {
      parser.get().body().data = scratch.data();
      parser.get().body().size = scratch.size();
      const auto used = parser.put(conn.input.data(), ec);
      conn.input.consume(used);
      if (!ec || ec == http::error::need_buffer) continue;
      if (ec != http::error::need_more) return false;
    }
    // More bytes are needed: only those that have already arrived are taken.
    if (conn.tls_stream) return false;  // decrypted bytes are not known without a read that may wait
    const auto available = conn.socket().available(ec);
    if (ec || available == 0 || available > budget) return false;
    budget -= available;
    if (!conn.socket().non_blocking()) conn.socket().non_blocking(true, ec);
    const auto n = ec ? 0 : conn.socket().read_some(conn.input.prepare(available), ec);
    conn.input.commit(n);
    if (ec || n == 0) return false;
  }
  return true;
}

}  // namespace parley::net
