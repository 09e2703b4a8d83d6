#include "net/sse_parser.hpp"

#include <algorithm>
#include <utility>

#include "net/line_end.hpp"

namespace parley::net {

namespace {
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
}  // namespace

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (oversized_) return false;
  if (at_start_) {
    // A UTF-8 BOM at the very start of the stream is ignored, also when its bytes arrive in several reads:
    // they are held back until they are the BOM (dropped) or cannot be (parsed as the first line's).
    const auto take = std::min(bytes.size(), kByteOrderMark.size() - start_.size());
    start_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (start_.size() < kByteOrderMark.size() && kByteOrderMark.starts_with(start_)) return true;
    at_start_ = false;
    const std::string held = std::move(start_);
    start_.clear();
    if (held != kByteOrderMark && !consume(held, out)) return false;
  }
  return consume(bytes, out);
}

bool SseParser::consume(std::string_view bytes, std::vector<SseEvent>& out) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // the LF of a CRLF split or not split across reads
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      process_line(line_, out);
      line_.clear();
      continue;
    }
    // Copy the run up to the next line end in one go.
    std::size_t end = find_line_end(bytes, i);
    if (end != std::string_view::npos && line_.empty() && end - i + data_.size() <= max_event_bytes_) {
      // A whole line within this read: parsed where it is, not copied first.
      process_line(bytes.substr(i, end - i), out);
      after_cr_ = bytes[end] == '\r';
      i = end;  // the line end is taken too
      continue;
    }
    if (end == std::string_view::npos) end = bytes.size();
    line_.append(bytes.substr(i, end - i));
    i = end - 1;
    if (line_.size() + data_.size() > max_event_bytes_) {
      // What was read of the event is dropped: a peer that goes on sending it must not grow it further.
      oversized_ = true;
      std::string().swap(line_);
      std::string().swap(data_);
      return false;
    }
  }
  return true;
}

void SseParser::finish(std::vector<SseEvent>& out) {
  if (at_start_) {  // a stream of one or two bytes that began like a BOM
    at_start_ = false;
    consume(std::exchange(start_, {}), out);
  }
  if (!line_.empty()) {
    process_line(line_, out);
    line_.clear();
  }
  dispatch(out);
}

void SseParser::process_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    dispatch(out);
    return;
  }
  if (line.front() == ':') {
    ++comments_;
    return;
  }
  const auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_ += '\n';
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      id_ = std::string(value);
      last_id_ = *id_;
    }
  } else if (field == "retry") {
    bool digits = !value.empty();
    long ms = 0;
    for (char c : value) {
      if (c < '0' || c > '9' || ms > 100000000) {
        digits = false;
        break;
      }
      ms = ms * 10 + (c - '0');
    }
    if (digits) retry_ = ms;
  }
  // Unknown fields are ignored.
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
  if (has_data_) {
    SseEvent e;
    if (!event_.empty()) e.event = event_;
    e.data = std::move(data_);
    e.id = std::move(id_);
    out.push_back(std::move(e));
  }
  data_.clear();
  has_data_ = false;
  event_.clear();
  id_.reset();
}

std::string describe_event_limit(std::size_t max_event_bytes) {
  constexpr std::size_t kMiB = 1024 * 1024;
  if (max_event_bytes >= kMiB && max_event_bytes % kMiB == 0)
    return "larger than " + std::to_string(max_event_bytes / kMiB) + " MiB";
  return "larger than " + std::to_string(max_event_bytes) + " bytes";
}

}  // namespace parley::net
