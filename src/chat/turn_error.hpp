// The `error` payload of a failed or cancelled turn and its compatibility detail (api.md §3.7, §3.8).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace parley::chat {

struct TurnError {
  std::string message;
  std::optional<int> status;
  boost::json::value code = nullptr;
  bool retryable = false;
  std::string detail;  // the text after "Error: " in the compatibility chunk

  [[nodiscard]] boost::json::object payload() const;

  static TurnError upstream_http(int status, const std::string& body);
  static TurnError in_band(const boost::json::object& error);
  static TurnError unreachable(const std::string& reason);
  static TurnError timeout(int seconds);
  static TurnError disconnected();
  // `limit`: e.g. "larger than 32 MiB".
  static TurnError upstream_event_too_large(const std::string& limit);
  static TurnError not_configured();
  static TurnError empty_request();
  static TurnError internal(const std::string& request_id);
  static TurnError cancelled();
};

}  // namespace parley::chat
