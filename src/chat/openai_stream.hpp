// The OpenAI-compatible API's view of a chat turn (docs/openai-api.md): the turn's own events (api.md §3.5)
// go in, OpenAI's wire format comes out — chat.completion.chunk events under one id for the whole turn
// (stream), or one chat.completion object (not stream). Tool calls that parley runs are taken out of the
// chunks, and their progress becomes chunks with an empty delta and a `parley_tool` member, which standard
// clients skip like any chunk without content. Usage and cost are summed over the turn's hops.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chat/openai_request.hpp"
#include "net/sse_parser.hpp"

namespace parley::chat {

struct OpenAiUsage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
  double cost = 0;  // USD, as the upstream reported it
  bool reported = false;

  [[nodiscard]] boost::json::object to_json() const;
};

struct OpenAiStreamOptions {
  bool stream = false;
  bool include_usage = false;
  bool client_tools = false;  // keep tool-call deltas and the "tool_calls" finish (the client runs them)
  std::string id;             // "chatcmpl-…"
  std::int64_t created = 0;
  std::string model;  // the requested model, until the upstream names its own
};

class OpenAiStreamTranslator {
 public:
  explicit OpenAiStreamTranslator(OpenAiStreamOptions options) : options_(std::move(options)) {}

  // One or more frames of the turn's stream in; the OpenAI SSE bytes to send out (empty when there is
  // nothing, and always empty when not streaming).
  std::string translate(std::string_view frames);

  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] const std::optional<OpenAiError>& error() const { return error_; }
  [[nodiscard]] const OpenAiUsage& usage() const { return usage_; }
  // The chat.completion object (not streaming), once done().
  [[nodiscard]] boost::json::object completion() const;

 private:
  void on_event(const net::SseEvent& e, std::string& out);
  void on_chunk(boost::json::object chunk, std::string& out);
  void on_metadata(const boost::json::object& m);
  void on_tool(boost::json::object tool, std::string& out);
  void on_error(const boost::json::object& e, std::string& out);
  void finish(std::string& out);
  [[nodiscard]] boost::json::object chunk_head() const;
  [[nodiscard]] std::string final_finish_reason() const;

  OpenAiStreamOptions options_;
  net::SseParser parser_;
  bool done_ = false;
  bool failed_ = false;     // an error event came: what follows is its compatibility chunk
  bool role_sent_ = false;  // the first chunk of the turn carries the role; later hops' role-only chunks go
  std::string model_;
  std::string text_;
  std::string reasoning_;
  std::optional<std::string> finish_reason_;
  boost::json::value last_tool_calls_;  // the latest hop's assembled calls (client tools)
  boost::json::array tools_run_;        // what parley ran (not streaming: the `parley_tools` member)
  OpenAiUsage usage_;
  std::optional<OpenAiError> error_;
};

// The error of a failed turn (its §3.7 `error` payload) in OpenAI's shape, with the HTTP status a
// non-streaming answer gets.
OpenAiError openai_error_from_turn(const boost::json::object& payload);

}  // namespace parley::chat
