// Incremental parser of a text/event-stream body (WHATWG rules: LF, CR or CRLF line ends, comments,
// multi-line data, id, retry) for the MCP HTTP transports.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::mcp {

struct SseEvent {
  std::string event = "message";
  std::string data;
  std::optional<std::string> id;
};

class SseEventParser {
 public:
  // Feeds a piece of the body; returns the events it completed.
  std::vector<SseEvent> feed(std::string_view chunk);
  // The last `retry:` value in milliseconds, when the server sent one.
  [[nodiscard]] std::optional<long> retry_ms() const { return retry_ms_; }
  // The last event id seen (for Last-Event-ID on reconnection).
  [[nodiscard]] const std::optional<std::string>& last_event_id() const { return last_id_; }

 private:
  void line(std::string_view text, std::vector<SseEvent>& out);
  std::string pending_;
  bool skip_lf_ = false;
  SseEvent current_;
  bool has_data_ = false;
  std::optional<long> retry_ms_;
  std::optional<std::string> last_id_;
};

}  // namespace parley::mcp
