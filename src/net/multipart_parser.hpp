// An incremental multipart/form-data parser (RFC 7578 / RFC 2046): fed the request body in pieces of any
// size, it reports each part's headers, its data in pieces and its end, holding back only the bytes that
// could still be the start of a boundary. Strict about framing: truncated bodies, missing boundaries,
// malformed or injected part headers are errors.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::net {

struct MultipartPartHeaders {
  std::string name;                     // Content-Disposition name
  std::optional<std::string> filename;  // Content-Disposition filename (filename* preferred), when present
  std::string content_type;             // the part's Content-Type value, empty when absent
};

// Receives the parts. A callback returning false stops the parser (the caller has its answer).
class MultipartSink {
 public:
  virtual ~MultipartSink() = default;
  virtual bool on_part_begin(const MultipartPartHeaders& headers) = 0;
  virtual bool on_part_data(std::string_view data) = 0;
  virtual bool on_part_end() = 0;
};

struct MultipartLimits {
  std::size_t max_part_header_bytes = 8192;
  std::size_t max_parts = 32;
  std::size_t max_preamble_bytes = 16384;
};

class MultipartParser {
 public:
  enum class Status { more, done, stopped, error };

  explicit MultipartParser(std::string boundary, MultipartLimits limits = {});
  // Parses the next piece of the body.
  Status feed(std::string_view data, MultipartSink& sink);
  // The body ended: done when the closing boundary was seen, otherwise an error (truncated).
  Status finish();
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  enum class State { preamble, after_delimiter, headers, body, epilogue, failed, stopped };
  Status run(MultipartSink& sink);
  Status fail(std::string message);
  bool parse_headers(std::string_view block, MultipartPartHeaders& out);

  std::string delimiter_;  // "\r\n--" + boundary
  MultipartLimits limits_;
  State state_ = State::preamble;
  std::string buffer_;
  std::size_t preamble_seen_ = 0;
  std::size_t parts_ = 0;
  std::string error_;
};

// The boundary of a `multipart/form-data; boundary=...` content type; nullopt for another type or a
// missing or invalid boundary (1-70 characters of RFC 2046's set).
std::optional<std::string> multipart_boundary(std::string_view content_type);

}  // namespace parley::net
