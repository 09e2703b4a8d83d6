// Incremental parser for text/event-stream per the HTML specification: LF, CR and CRLF line ends (also split
// across reads), comments, multi-line data, id/event/retry fields, and a final event without a blank line.
// Used for upstream chat streams and the MCP HTTP transports.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

struct SseEvent {
  std::string event = "message";
  std::string data;
  std::optional<std::string> id;  // the id field of this event, when it carried one
};

class SseParser {
 public:
  explicit SseParser(std::size_t max_event_bytes = 32 * 1024 * 1024) : max_event_bytes_(max_event_bytes) {}

  // Parses `bytes` and appends every completed event. Returns false once an event grew past the size limit
  // (the events completed before it are still appended); every later call then returns false at once.
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);
  // End of stream: dispatches a pending event that lacked its terminating blank line.
  void finish(std::vector<SseEvent>& out);

  [[nodiscard]] bool oversized() const { return oversized_; }
  [[nodiscard]] std::size_t max_event_bytes() const { return max_event_bytes_; }
  [[nodiscard]] std::size_t comment_count() const { return comments_; }
  [[nodiscard]] std::optional<long> retry_ms() const { return retry_; }
  // The last event id seen (for Last-Event-ID on reconnection); nullopt before any.
  [[nodiscard]] const std::optional<std::string>& last_event_id() const { return last_id_; }

 private:
  bool consume(std::string_view bytes, std::vector<SseEvent>& out);
  void process_line(std::string_view line, std::vector<SseEvent>& out);
  void dispatch(std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string line_;
  bool after_cr_ = false;
  bool at_start_ = true;
  std::string start_;  // the first bytes while they may still be a BOM
  std::string data_;
  bool has_data_ = false;
  std::string event_;
  std::optional<std::string> id_;
  std::optional<std::string> last_id_;
  std::optional<long> retry_;
  std::size_t comments_ = 0;
  bool oversized_ = false;
};

// "larger than 32 MiB" for an SseParser's limit, for error messages.
std::string describe_event_limit(std::size_t max_event_bytes);

}  // namespace parley::net
