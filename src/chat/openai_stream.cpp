#include "chat/openai_stream.hpp"

#include "core/json.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

std::string data_frame(const bj::value& v) {
  std::string out = "data: ";
  parley::json::serialize_append(v, out);
  out += "\n\n";
  return out;
}

std::int64_t integer_member(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return 0;
}

}  // namespace

bj::object OpenAiUsage::to_json() const {
  bj::object o{{"prompt_tokens", prompt_tokens},
               {"completion_tokens", completion_tokens},
               {"total_tokens", total_tokens}};
  if (cost > 0) o["cost"] = cost;
  return o;
}

OpenAiError openai_error_from_turn(const bj::object& payload) {
  OpenAiError e;
  e.message = parley::json::string_member(payload, "message");
  if (e.message.empty()) e.message = "The upstream request failed";
  const auto* status = payload.if_contains("status");
  const auto* code = payload.if_contains("code");
  if (code && code->is_string()) e.code = std::string(code->as_string());
  if (code && code->is_int64()) e.code = std::to_string(code->get_int64());
  if (status && status->is_int64()) {
    // The turn's error event carries the native API's status (api.md §3.5). The upstream's own client
    // errors are the caller's (a bad parameter, an unknown model); everything else is the upstream failing.
    switch (status->get_int64()) {
      case 400:
        e.kind = ErrorKind::invalid_request;
        break;
      case 404:
        e.kind = ErrorKind::not_found;
        break;
      case 413:
        e.kind = ErrorKind::too_large;
        break;
      case 422:
        e.kind = ErrorKind::invalid_content;
        break;
      case 429:
        e.kind = ErrorKind::rate_limited;
        break;
      case 503:
        e.kind = e.code == "not_configured" ? ErrorKind::not_configured : ErrorKind::upstream_failed;
        break;
      case 504:
        e.kind = ErrorKind::upstream_timeout;
        break;
      default:
        e.kind = ErrorKind::upstream_failed;
    }
  } else {
    e.kind = e.code == "invalid_request"  ? ErrorKind::invalid_request
             : e.code == "internal_error" ? ErrorKind::internal
                                          : ErrorKind::upstream_failed;
  }
  const bool server_side = e.kind == ErrorKind::internal || e.kind == ErrorKind::not_configured ||
                           e.kind == ErrorKind::upstream_failed || e.kind == ErrorKind::upstream_timeout;
  e.type = e.kind == ErrorKind::rate_limited ? "rate_limit_error"
           : !server_side                    ? "invalid_request_error"
           : e.code == "internal_error"      ? "server_error"
                                             : "upstream_error";
  return e;
}

std::string OpenAiStreamTranslator::translate(std::string_view frames) {
  std::vector<net::SseEvent> events;
  parser_.feed(frames, events);
  std::string out;
  for (const auto& e : events) on_event(e, out);
  if (!options_.stream) out.clear();
  return out;
}

bj::object OpenAiStreamTranslator::chunk_head() const {
  return bj::object{{"id", options_.id},
                    {"object", "chat.completion.chunk"},
                    {"created", options_.created},
                    {"model", model_.empty() ? options_.model : model_}};
}

void OpenAiStreamTranslator::on_event(const net::SseEvent& e, std::string& out) {
  if (done_) return;
  if (e.event == "message") {
    if (e.data == "[DONE]") {
      finish(out);
      return;
    }
    if (failed_) return;  // the compatibility chunk of an error (api.md §3.7)
    auto parsed = parley::json::parse(e.data);
    if (parsed && parsed->is_object()) on_chunk(std::move(parsed->as_object()), out);
    return;
  }
  if (e.event == "session" || e.event == "notice") return;
  auto parsed = parley::json::parse(e.data);
  if (!parsed || !parsed->is_object()) return;
  if (e.event == "metadata") {
    on_metadata(parsed->as_object());
  } else if (e.event == "tool") {
    on_tool(std::move(parsed->as_object()), out);
  } else if (e.event == "error") {
    on_error(parsed->as_object(), out);
  }
  // Other upstream event names are not part of OpenAI's stream.
}

void OpenAiStreamTranslator::on_chunk(bj::object chunk, std::string& out) {
  if (const auto* err = chunk.if_contains("error"); err && err->is_object())
    return;  // its error event follows
  if (const auto* m = chunk.if_contains("model"); m && m->is_string() && !m->as_string().empty())
    model_ = std::string(m->as_string());
  auto* choices = chunk.if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty())
    return;  // usage-only: summed from metadata
  bj::array kept;
  for (auto& c : choices->as_array()) {
    if (!c.is_object()) continue;
    auto& choice = c.as_object();
    bj::object delta;
    if (auto* d = choice.if_contains("delta"); d && d->is_object()) delta = std::move(d->as_object());
    if (const auto* text = delta.if_contains("content"); text && text->is_string())
      text_ += text->as_string();
    if (const auto* r = delta.if_contains("reasoning"); r && r->is_string()) reasoning_ += r->as_string();
    if (!options_.client_tools) delta.erase("tool_calls");  // parley runs them
    if (const auto* f = choice.if_contains("finish_reason"); f && f->is_string()) {
      if (options_.client_tools || f->as_string() != "tool_calls")
        finish_reason_ = std::string(f->as_string());
      else
        finish_reason_.reset();  // the turn goes on with the tools' results
    }
    // Only the turn's first chunk names the role; a chunk left with nothing is not sent.
    if (role_sent_) delta.erase("role");
    bool meaningful = false;
    for (const auto& kv : delta) {
      if (kv.key() == "role" ||
          (kv.key() == "content" && kv.value().is_string() && !kv.value().as_string().empty()) ||
          (kv.key() != "content" && !kv.value().is_null()))
        meaningful = true;
    }
    if (!meaningful) continue;
    if (delta.contains("role")) role_sent_ = true;
    // One finish for the whole turn, at its end.
    kept.push_back(bj::object{
        {"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", nullptr}});
    break;  // parley answers with one choice (n=1)
  }
  if (kept.empty() || !options_.stream) return;
  auto head = chunk_head();
  head["choices"] = std::move(kept);
  out += data_frame(head);
}

void OpenAiStreamTranslator::on_metadata(const bj::object& m) {
  if (const auto* u = m.if_contains("usage"); u && u->is_object()) {
    const auto& usage = u->as_object();
    usage_.reported = true;
    usage_.prompt_tokens += integer_member(usage, "prompt_tokens");
    usage_.completion_tokens += integer_member(usage, "completion_tokens");
    usage_.total_tokens += integer_member(usage, "total_tokens");
    if (const auto* cost = usage.if_contains("cost"); cost && cost->is_number())
      usage_.cost += cost->to_number<double>();
  }
  if (const auto* model = m.if_contains("model"); model && model->is_string() && !model->as_string().empty())
    model_ = std::string(model->as_string());
  if (const auto* calls = m.if_contains("tool_calls")) last_tool_calls_ = *calls;
}

void OpenAiStreamTranslator::on_tool(bj::object tool, std::string& out) {
  // Row ids and times belong to parley's own chat; a client of this API has no use for them.
  tool.erase("message_id");
  tool.erase("created_at");
  tool.erase("created_at_utc");
  if (!options_.stream) {
    if (tool.contains("call_id") && parley::json::string_member(tool, "status") != "started")
      tools_run_.push_back(tool);
    return;
  }
  auto head = chunk_head();
  head["choices"] = bj::array{
      bj::object{{"index", 0}, {"delta", bj::object{}}, {"logprobs", nullptr}, {"finish_reason", nullptr}}};
  head["parley_tool"] = std::move(tool);
  out += data_frame(head);
}

void OpenAiStreamTranslator::on_error(const bj::object& payload, std::string& out) {
  failed_ = true;
  error_ = openai_error_from_turn(payload);
  if (options_.stream) out += data_frame(error_->to_json());
}

std::string OpenAiStreamTranslator::final_finish_reason() const {
  if (finish_reason_) return *finish_reason_;
  // The turn ended on a hop that still asked for tools: the hop limit stopped it.
  return last_tool_calls_.is_array() && !options_.client_tools ? "length" : "stop";
}

void OpenAiStreamTranslator::finish(std::string& out) {
  done_ = true;
  if (!options_.stream) return;
  if (!failed_) {
    auto head = chunk_head();
    head["choices"] = bj::array{bj::object{{"index", 0},
                                           {"delta", bj::object{}},
                                           {"logprobs", nullptr},
                                           {"finish_reason", final_finish_reason()}}};
    out += data_frame(head);
    if (options_.include_usage) {
      auto usage = chunk_head();
      usage["choices"] = bj::array{};
      usage["usage"] = usage_.to_json();
      out += data_frame(usage);
    }
  }
  out += "data: [DONE]\n\n";
}

bj::object OpenAiStreamTranslator::completion() const {
  bj::object message{{"role", "assistant"},
                     {"content", text_.empty() ? bj::value(nullptr) : bj::value(text_)}};
  if (!reasoning_.empty()) message["reasoning"] = reasoning_;
  if (options_.client_tools && last_tool_calls_.is_array()) message["tool_calls"] = last_tool_calls_;
  message["refusal"] = nullptr;
  bj::object c{{"id", options_.id},
               {"object", "chat.completion"},
               {"created", options_.created},
               {"model", model_.empty() ? options_.model : model_}};
  c["choices"] = bj::array{bj::object{{"index", 0},
                                      {"message", std::move(message)},
                                      {"logprobs", nullptr},
                                      {"finish_reason", final_finish_reason()}}};
  c["usage"] = usage_.to_json();
  if (!tools_run_.empty()) c["parley_tools"] = tools_run_;
  return c;
}

}  // namespace parley::chat
