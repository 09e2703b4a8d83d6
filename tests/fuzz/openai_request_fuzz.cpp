// Fuzz target for the POST /v1/chat/completions body (chat/openai_request): any JSON body is either refused
// with an OpenAI-shaped 4xx error naming what is wrong, or accepted as a request the turn can use as is.
#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "chat/openai_request.hpp"
#include "core/json.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!parley::json::is_valid_utf8(text)) return 0;
  const auto body = parley::json::parse(text);
  if (!body) {
    const auto error = parley::chat::openai_invalid_json("not JSON");
    FUZZ_REQUIRE(error.kind == parley::ErrorKind::invalid_request && !error.message.empty());
    return 0;
  }
  auto request = parley::chat::parse_openai_chat_request(*body);
  if (!request) {
    const auto& error = request.error();
    FUZZ_REQUIRE(error.kind == parley::ErrorKind::invalid_request && !error.message.empty());  // a 400
    const auto wire = error.to_json();
    FUZZ_REQUIRE(wire.contains("error") && wire.at("error").is_object());
    FUZZ_REQUIRE(wire.at("error").as_object().at("message").is_string());
    (void)parley::json::serialize(wire);
    return 0;
  }
  // Accepted: an object with a non-empty message list the turn reads without checking again.
  FUZZ_REQUIRE(body->is_object());
  const auto* messages = request->body.if_contains("messages");
  FUZZ_REQUIRE(messages && messages->is_array() && !messages->as_array().empty());
  for (const auto& m : messages->as_array()) FUZZ_REQUIRE(m.is_object() && m.as_object().contains("role"));
  if (request->model) FUZZ_REQUIRE(!request->model->empty());
  FUZZ_REQUIRE(!request->body.contains("session_id"));
  (void)parley::json::serialize(request->body);
  return 0;
}
