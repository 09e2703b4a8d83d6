// The body of a streaming route (uploads), read on demand by its handler through a buffer_body parser instead
// of being buffered before the handler runs. Private to src/net/ (the HTTP session).
#pragma once

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <optional>

#include "net/body_deadline.hpp"
#include "net/http_types.hpp"
#include "net/response_write.hpp"

namespace parley::net {

template <class Stream>
class StreamingBody final : public BodyReader {
 public:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;
  using HeadParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  // Takes over the parser that read the request header (the body is read from where it stopped).
  StreamingBody(Stream& stream, boost::beast::flat_buffer& buffer, HeadParser&& head_parser,
                std::size_t limit, std::chrono::milliseconds idle_timeout,
                std::chrono::milliseconds body_timeout, std::chrono::milliseconds write_timeout,
                bool expect_continue)
      : stream_(stream),
        buffer_(buffer),
        parser_(std::move(head_parser)),
        idle_timeout_(idle_timeout),
        write_timeout_(write_timeout),
        expect_continue_(expect_continue),
        deadline_(stream.socket(), body_timeout) {
    parser_.body_limit(limit);
  }

  boost::asio::awaitable<Piece> read_some() override {
    namespace http = boost::beast::http;
    if (failed_) co_return Piece{failed_status_, {}};
    if (deadline_.passed()) co_return fail(Status::failed);  // e.g. while the handler stored the last piece
    if (expect_continue_) {
      // The client waits for this before sending the body: only sent once the handler wants the body.
      expect_continue_ = false;
      if (!co_await write_continue(stream_, write_timeout_)) co_return fail(Status::failed);
    }
    while (!parser_.is_done()) {
      auto& body = parser_.get().body();
      body.data = chunk_.data();
      body.size = chunk_.size();
      body.more = true;
      stream_.expires_after(idle_timeout_);
      auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser_,
                                                    boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec == http::error::body_limit) co_return fail(Status::too_large);
      if (ec && deadline_.passed()) co_return fail(Status::failed);
      if (ec && ec != http::error::need_buffer) co_return fail(Status::failed);
      const std::size_t used = chunk_.size() - parser_.get().body().size;
      if (used > 0) co_return Piece{Status::data, std::string_view(chunk_.data(), used)};
    }
    stream_.expires_never();
    co_return Piece{Status::end, {}};
  }

  [[nodiscard]] std::optional<std::uint64_t> content_length() const override {
    const auto n = parser_.content_length();
    return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
  }
  [[nodiscard]] bool finished() const { return parser_.is_done() && !failed_; }
  [[nodiscard]] bool connection_failed() const { return failed_ && failed_status_ == Status::failed; }
  // The body did not arrive within its deadline (the connection can still carry a 408).
  [[nodiscard]] bool timed_out() const { return failed_ && deadline_.passed(); }

 private:
  Piece fail(Status status) {
    failed_ = true;
    failed_status_ = status;
    return Piece{status, {}};
  }

  Stream& stream_;
  boost::beast::flat_buffer& buffer_;
  Parser parser_;
  std::chrono::milliseconds idle_timeout_;
  std::chrono::milliseconds write_timeout_;
  bool expect_continue_;
  BodyDeadline<std::remove_reference_t<decltype(std::declval<Stream&>().socket())>> deadline_;
  bool failed_ = false;
  Status failed_status_ = Status::failed;
  std::array<char, 65536> chunk_{};
};

}  // namespace parley::net
