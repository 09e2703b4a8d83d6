// The built-in housekeeping server (api.md §7.5): test_echo, current_time in the display time zone, and
// chat_history over parley's store (parley injects the current session_id, §3.6).
#include <algorithm>
#include <ctime>

#include "core/clock.hpp"
#include "mcp/builtin/servers.hpp"
#include "mcp/builtin/text_limits.hpp"
#include "mcp/builtin/tool_arguments.hpp"

namespace parley::mcp::builtin {

namespace {

constexpr std::size_t history_content_chars = 2000;
constexpr std::int64_t history_default_limit = 20;
constexpr std::int64_t history_max_limit = 100;

bj::object test_echo(const bj::object& arguments, const CallContext&) {
  ToolArguments args(arguments);
  auto message = args.required_string("message");
  const bool uppercase = args.boolean("uppercase", false);
  if (!args.ok()) return error_result(args.problem());
  if (uppercase) {
    // ASCII letters only: other characters (and UTF-8 sequences) pass through unchanged.
    std::transform(message.begin(), message.end(), message.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
  }
  return json_result(bj::object{{"message", message}, {"uppercase", uppercase}});
}

std::string utc_offset_text(long gmtoff) {
  const long magnitude = gmtoff < 0 ? -gmtoff : gmtoff;
  const long hours = magnitude / 3600, minutes = (magnitude % 3600) / 60;
  return std::string("UTC") + (gmtoff < 0 ? '-' : '+') + (hours < 10 ? "0" : "") + std::to_string(hours) +
         ":" + (minutes < 10 ? "0" : "") + std::to_string(minutes);
}

std::string strftime_text(const std::tm& tm, const char* format) {
  char buf[128];
  const auto n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

bj::object current_time(const bj::object& arguments, const HousekeepingOptions& options) {
  ToolArguments args(arguments);
  const auto format = args.choice("format", "iso", {"iso", "unix"});
  if (!args.ok()) return error_result(args.problem());
  const auto now = options.now();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::int64_t unix_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const double unix_precise = static_cast<double>(micros) / 1e6;
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm local{};
  localtime_r(&t, &local);
  const std::string abbreviation = local.tm_zone != nullptr ? local.tm_zone : "";
  std::string zone = display_zone_name();
  if (zone.empty()) zone = abbreviation;
  const auto offset = utc_offset_text(local.tm_gmtoff);
  const auto utc_iso = format_iso_utc_z(now);
  const auto local_iso = format_local_offset(now);
  const auto local_display = strftime_text(local, "%A, %B %d, %Y %I:%M:%S %p ") + abbreviation;

  bj::array lines;
  lines.emplace_back("Current date: " + strftime_text(local, "%Y-%m-%d (%A)"));
  lines.emplace_back("Current time: " + strftime_text(local, "%H:%M:%S ") + abbreviation);
  lines.emplace_back("Time zone: " + zone + " (" + offset + ")");
  lines.emplace_back("UTC: " + utc_iso);
  std::string summary = "It is " + local_display + " (" + zone + ", " + offset + "); UTC " + utc_iso + ".";

  bj::object out;
  out["format"] = format;
  if (format == "unix") {
    out["value"] = unix_seconds;
  } else {
    out["value"] = local_iso;
  }
  out["utc_iso"] = utc_iso;
  out["utc_unix"] = unix_seconds;
  out["utc_unix_precise"] = unix_precise;
  out["local_iso"] = local_iso;
  out["local_abbreviation"] = abbreviation;
  out["local_display"] = local_display;
  out["local_offset"] = offset;
  out["timezone"] = zone;
  out["context_lines"] = std::move(lines);
  out["context_summary"] = summary;
  return json_result(out);
}

bj::value optional_text(const std::optional<std::string>& s) {
  return s ? bj::value(*s) : bj::value(nullptr);
}

bj::object chat_history(const bj::object& arguments, const HousekeepingOptions& options) {
  ToolArguments args(arguments);
  const auto session_id = args.optional_string("session_id");
  const auto requested = args.optional_integer("limit", INT64_MIN, INT64_MAX);
  const bool newest_first = args.boolean("newest_first", false);
  if (!args.ok()) return error_result(args.problem());
  if (!session_id || session_id->empty()) {
    return error_result(
        "chat_history needs a session_id: parley adds the current conversation's id during a chat; when "
        "calling the tool directly, pass the session_id of the conversation to read.");
  }
  // Out-of-range limits are clamped rather than refused: the model asked for "many" or "few".
  const std::int64_t limit =
      std::clamp<std::int64_t>(requested.value_or(history_default_limit), 1, history_max_limit);
  if (!options.load_history) return error_result("The chat history store is not available to this server.");
  auto loaded = options.load_history(*session_id);
  if (!loaded) return error_result("Could not read the chat history: " + loaded.error().message);
  std::vector<HistoryMessage> messages;
  for (auto& m : loaded.value()) {
    if (m.role != "system") messages.push_back(std::move(m));  // the system prompt is not conversation
  }
  const auto total = static_cast<std::int64_t>(messages.size());
  const auto take = std::min(limit, total);
  const auto first = static_cast<std::size_t>(total - take);  // the most recent `take` messages

  bj::array items;
  for (std::size_t i = first; i < messages.size(); ++i) {
    const auto& m = messages[i];
    auto cut = cut_to_chars(m.content, history_content_chars);
    items.push_back(bj::object{{"position", static_cast<std::int64_t>(i + 1)},
                               {"role", m.role},
                               {"created_at", format_local_offset(m.created_at)},
                               {"created_at_utc", format_utc_offset(m.created_at)},
                               {"message_id", m.message_id},
                               {"client_message_id", optional_text(m.client_message_id)},
                               {"parent_client_message_id", optional_text(m.parent_client_message_id)},
                               {"content", cut.text},
                               {"truncated", cut.truncated}});
  }
  if (newest_first) std::reverse(items.begin(), items.end());
  for (std::size_t i = 0; i < items.size(); ++i) items[i].as_object()["index"] = static_cast<std::int64_t>(i);

  std::string summary;
  if (total == 0) {
    summary = "No stored messages for session " + *session_id + ".";
  } else {
    summary = "Showing the " + std::to_string(take) + " most recent of " + std::to_string(total) +
              " messages of session " + *session_id + ", " + (newest_first ? "newest" : "oldest") + " first.";
  }
  bj::object out{
      {"session_id", *session_id},
      {"total_available", total},
      {"applied_limit", limit},
      {"newest_first", newest_first},
      {"messages", std::move(items)},
      {"summary", summary},
      {"guidance",
       "These are the stored user, assistant and tool messages of this conversation (system prompts "
       "are left out). 'position' counts from the first message; contents longer than 2000 "
       "characters are cut ('truncated': true). Ask for up to 100 messages with 'limit'."}};
  return json_result(out);
}

}  // namespace

StdioServer make_housekeeping_server(HousekeepingOptions options) {
  auto shared = std::make_shared<HousekeepingOptions>(std::move(options));
  std::vector<Tool> tools;
  tools.push_back(Tool{"test_echo", "Echo a message back, upper-cased when asked (a connectivity test).",
                       schema(R"({"type":"object","properties":{
                         "message":{"type":"string","description":"The text to echo"},
                         "uppercase":{"type":"boolean","default":false,"description":"Upper-case the message"}},
                         "required":["message"]})"),
                       test_echo});
  tools.push_back(
      Tool{"current_time",
           "The current date and time: UTC and the server's display time zone, with context lines "
           "for interpreting relative dates.",
           schema(R"({"type":"object","properties":{
                         "format":{"type":"string","enum":["iso","unix"],"default":"iso",
                                   "description":"Form of 'value': ISO-8601 local time or Unix seconds"}}})"),
           [shared](const bj::object& a, const CallContext&) { return current_time(a, *shared); }});
  tools.push_back(Tool{
      "chat_history", "Read the stored messages of the current conversation (most recent first or last).",
      schema(R"({"type":"object","properties":{
                         "session_id":{"type":"string","description":"The conversation; parley fills it in"},
                         "limit":{"type":"integer","default":20,"minimum":1,"maximum":100,
                                  "description":"How many of the most recent messages"},
                         "newest_first":{"type":"boolean","default":false}}})"),
      [shared](const bj::object& a, const CallContext&) { return chat_history(a, *shared); }});
  return StdioServer(ServerInfo{"parley-housekeeping", PARLEY_VERSION, ""}, std::move(tools));
}

}  // namespace parley::mcp::builtin
