// Logs for machines (PARLEY_LOG_FORMAT=json): one JSON object per line, on stdout and in the daily log files,
// for journald and log shippers. Kept apart from core/log.hpp so the common logging calls stay as they are:
// a message that starts with "[<request id>] " (parley's convention) gets that id as `request_id`; a caller
// that knows more (the session, structured fields) uses write_with().
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/log.hpp"

namespace parley::log {

enum class Format { text, json };

// "text" or "json" (case-insensitive); nullopt otherwise.
std::optional<Format> parse_format(std::string_view name);
// Chooses the format of the lines written from now on; call before init(). Text is the default.
void set_format(Format format);
Format format();

// What a log line may carry beyond its message. Empty strings are left out of the JSON line.
struct Context {
  std::string request_id;
  std::string session_id;
  boost::json::object fields;  // string members are redacted like the message
};

// Writes `message` (redacted) with the context. In text format the line is the message alone, as write().
void write_with(Level level, std::string_view message, const Context& context);

// The JSON line (without the newline) for an already redacted message: valid UTF-8 always (invalid bytes
// become U+FFFD), every control character escaped. A message starting with "[<id>] " gives that id (unless
// the context names another one) and loses the prefix.
std::string json_line(std::chrono::system_clock::time_point time, Level level, std::string_view message,
                      const Context* context);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace parley::log
