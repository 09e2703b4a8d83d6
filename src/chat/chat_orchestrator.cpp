#include "chat/chat_orchestrator.hpp"
#include "core/json.hpp"

#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "chat/attachment_service.hpp"
#include "chat/conversation_log.hpp"
#include "chat/generated_image_store.hpp"
#include "chat/hop_images.hpp"
#include "chat/hop_stream.hpp"
#include "chat/tool_calls.hpp"
#include "chat/tool_interactions.hpp"
#include "chat/turn_error.hpp"
#include "chat/upstream_request.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/log_json.hpp"
#include "core/metrics.hpp"
#include "llm/hop_accumulator.hpp"

namespace parley::chat {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

// Frames are built before any co_await: g++ 12 cannot keep string-literal temporaries across a suspension.
std::string event_frame(std::string_view name, const bj::value& payload) {
  return net::format_sse_event(name, parley::json::serialize(payload));
}

// How long the person has for a question during a tool call: a little less than the tool timeout, so the
// server hears the outcome before the call itself times out.
std::chrono::milliseconds interaction_timeout(const Config& config) {
  const auto total = std::chrono::milliseconds(std::chrono::seconds(config.tool_timeout_seconds));
  return std::max(total - total / 10, std::chrono::milliseconds(1000));
}

// The events of a failed turn, without `[DONE]`: the turn's end sends it after the conversation log (§3.2
// step 9).
std::vector<std::string> failure_frames(const TurnError& error) {
  bj::object delta{{"content", "Error: " + error.detail}};
  bj::object chunk{{"choices", bj::array{bj::object{{"delta", std::move(delta)}}}}};
  return {event_frame("error", error.payload()), event_frame("message", chunk)};
}

awaitable<void> send_frames(net::SseSink& sink, std::vector<std::string> frames) {
  for (auto& f : frames) co_await sink.send(std::move(f));
}

// The stored assistant row of a hop (§3.5), with `error` for failed or cancelled hops.
// `content`: the hop's text, or its fragment array when it produced images (HopImages::stored_content).
NewMessage assistant_row(const std::string& session_id, const ChatRequest& request,
                         const llm::HopAccumulator& acc, bj::value content, const bj::value& finish_reason,
                         const std::optional<TurnError>& error) {
  NewMessage row;
  row.session_id = session_id;
  row.role = "assistant";
  row.content = std::move(content);
  auto put = [&](const char* key, const bj::value& v) {
    if (!v.is_null()) row.metadata[key] = v;
  };
  put("finish_reason", finish_reason);
  if (!error) put("tool_calls", acc.tool_calls());  // incomplete calls of a failed hop are discarded
  put("model", acc.model());
  put("usage", acc.usage());
  put("meta", acc.meta());
  put("generation_id", acc.generation_id());
  put("reasoning", acc.reasoning());
  if (!acc.reasoning_details().empty()) row.metadata["reasoning_details"] = acc.reasoning_details();
  put("routing", acc.routing());
  if (!acc.annotations().empty()) row.metadata["annotations"] = acc.annotations();
  if (request.client_assistant_message_id)
    row.metadata["client_message_id"] = *request.client_assistant_message_id;
  if (error) row.metadata["error"] = error->payload();
  row.client_message_id = request.client_assistant_message_id;
  row.parent_client_message_id = request.client_parent_message_id;
  return row;
}

// The `metadata` event of §3.5, keys in the spec's order.
bj::object metadata_payload(const StoredMessage& row, const ChatRequest& request) {
  auto get = [&](const char* key) {
    const auto* v = row.metadata.if_contains(key);
    return v ? *v : bj::value(nullptr);
  };
  bj::object m;
  m["role"] = "assistant";
  m["finish_reason"] = get("finish_reason");
  m["model"] = get("model");
  m["usage"] = get("usage");
  m["routing"] = get("routing");
  m["meta"] = get("meta");
  m["generation_id"] = get("generation_id");
  m["reasoning"] = get("reasoning");
  m["tool_calls"] = get("tool_calls");
  if (request.client_assistant_message_id) m["client_message_id"] = *request.client_assistant_message_id;
  m["message_id"] = row.id;
  m["created_at"] = format_local_offset(row.created_at);
  m["created_at_utc"] = format_utc_offset(row.created_at);
  return m;
}

NewMessage tool_row(const std::string& session_id, const ChatRequest& request, const PreparedCall& call,
                    const std::string& status, const std::string& text) {
  NewMessage row;
  row.session_id = session_id;
  row.role = "tool";
  row.content = bj::string(text);
  row.tool_call_id = call.call_id;
  row.parent_client_message_id = request.client_assistant_message_id;
  row.metadata["tool_name"] = call.name;
  row.metadata["parent_client_message_id"] = request.client_assistant_message_id
                                                 ? bj::value(*request.client_assistant_message_id)
                                                 : bj::value(nullptr);
  row.metadata["tool_status"] = status;
  return row;
}

// The request's message as stored (§3.2 step 5).
NewMessage incoming_row(const std::string& session_id, const bj::object& m) {
  NewMessage row;
  row.session_id = session_id;
  row.role = std::string(m.at("role").as_string());
  row.content = m.at("content");
  if (const auto* t = m.if_contains("tool_call_id"); t && t->is_string())
    row.tool_call_id = std::string(t->as_string());
  if (const auto* c = m.if_contains("client_message_id"); c && c->is_string()) {
    row.client_message_id = std::string(c->as_string());
  }
  for (const auto& kv : m) {
    if (kv.key() == "role" || kv.key() == "content" || kv.key() == "tool_call_id" ||
        kv.key() == "client_message_id") {
      continue;
    }
    if (!kv.value().is_null()) row.metadata[kv.key()] = kv.value();
  }
  return row;
}

}  // namespace

namespace {

// One turn's state. It lives on the heap, and the turn runs as a chain of short coroutines, so that what
// stays suspended for the length of a stream is small: g++ keeps every local and temporary of a coroutine in
// its frame, and with thousands of open streams the frames of the set-up and of the tool calls would
// dominate.
struct Turn {
  ChatRequest request;
  std::string request_id;
  std::string session_id;
  ActiveModelSettings settings;
  ToolAttachment tools;
  std::map<std::string, bj::value> schemas;
  std::map<std::string, std::string> approvals;  // qualified name -> allow, ask or deny
  bool tools_attached_initially = false;
  bool retry_allowed = false;
  // The conversation the next hop's request is built from: loaded by the opening writes' job, and let go of
  // once a hop's request is serialized (a long conversation is not held for the length of every stream, P3);
  // a later hop finds it empty and loads it again, with the rows the earlier hops stored.
  std::vector<StoredMessage> history;
  std::optional<Deliveries> deliveries;  // attachments are resolved once per turn (§3.3)
  std::optional<AttachmentImageStore> image_store;
  std::set<std::string> undelivered;  // images stored by earlier hops of this turn
  bool retried = false;
  int hop = 0;
  metrics::TurnOutcome outcome = metrics::TurnOutcome::completed;  // for parley_chat_turns_total
  // The turn's end (§3.2 step 9): its conversation log is written, then `[DONE]` is sent. The last hop's
  // assistant row and the log are written in one job of the blocking pool (`logged`); `done_pending` says
  // that the turn ended in a way that sends `[DONE]` once the log is written.
  bool logged = false;
  bool done_pending = false;
};

// Writes the conversation log of a finished turn (api.md §6.3): the rows stored since the session's last ones
// logged, appended to its file of the day (the whole conversation in a new file the first time). Blocking:
// run on the blocking pool, under the session's turn lock.
struct TurnLogJob {
  TurnRows* rows;
  ConversationLogBook* book;
  std::filesystem::path dir;
  std::string session_id;
  std::string request_id;

  void operator()() const {
    book->write_turn(dir, session_id, request_id, [this](std::optional<std::int64_t> after_id) {
      return rows->load_messages(session_id, store::MessageRange{after_id, std::nullopt});
    });
  }
};

std::optional<TurnLogJob> turn_log_job(const ChatDependencies& deps, const Turn& turn) {
  if (!ConversationLogBook::enabled()) return std::nullopt;
  return TurnLogJob{deps.rows, deps.conversation_logs, deps.config.conversation_log_dir, turn.session_id,
                    turn.request_id};
}

// Counts the turn as running while it lives, and records its outcome and duration once: when the turn says
// how it ended, or as cancelled when the coroutine is torn down before that.
class TurnMeter {
 public:
  TurnMeter() { metrics::global().chat_streams_active().Increment(); }
  ~TurnMeter() {
    finish(metrics::TurnOutcome::cancelled);
    metrics::global().chat_streams_active().Decrement();
  }
  TurnMeter(const TurnMeter&) = delete;
  TurnMeter& operator=(const TurnMeter&) = delete;
  void finish(metrics::TurnOutcome outcome) {
    if (finished_) return;
    finished_ = true;
    metrics::global().chat_turn(
        outcome, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool finished_ = false;
};

enum class HopNext { next_hop, retry, stop };

// A turn's history as its upstream requests need it: every row, with only the metadata keys project_history
// reads parsed (a long conversation's usage, model and meta objects are not).
store::MessageRange history_range() {
  return store::MessageRange{std::nullopt, std::nullopt, &upstream_metadata_keys()};
}

// Steps 3-6 (session, system message, incoming messages, history — one blocking job), then the turn's tools,
// deliveries and image store.
awaitable<void> open_turn(const ChatDependencies& deps, Turn& turn, net::SseSink& sink) {
  const auto& config = deps.config;
  auto& store = deps.store;
  auto* rows = deps.rows;
  const auto& messages = turn.request.body.at("messages").as_array();
  const bool request_has_system = std::any_of(messages.begin(), messages.end(), [](const bj::value& m) {
    return m.as_object().at("role").as_string() == "system";
  });
  turn.settings = deps.settings.active();
  struct Prepared {
    bool existed = false;
    std::vector<StoredMessage> history;
  };
  auto prepare = [&store, rows, session_id = turn.session_id, request_has_system, &messages,
                  &settings = turn.settings, attachments = deps.attachments]() {
    Prepared p;
    std::optional<NewMessage> system;
    if (!request_has_system) {
      NewMessage sys;
      sys.session_id = session_id;
      sys.role = "system";
      auto text = time_context_block(std::chrono::system_clock::now());
      if (settings.system_prompt) text += "\n\n" + *settings.system_prompt;
      sys.content = bj::string(text);
      system = std::move(sys);
    }
    std::vector<NewMessage> incoming;
    for (const auto& m : messages) {
      if (m.as_object().at("role").as_string() == "assistant")
        continue;  // clients' assistant messages are ignored
      incoming.push_back(incoming_row(session_id, m.as_object()));
      if (attachments) store_form_of_fragments(incoming.back().content, *attachments, store, session_id);
    }
    // One transaction for the turn's opening writes.
    p.existed = rows->open_turn(session_id, system, incoming);
    p.history = rows->load_messages(session_id, history_range());
    return p;
  };
  auto prepared = co_await deps.blocking.run(std::move(prepare));
  // The request's messages are stored now, and every hop sends the history instead: the parsed array is not
  // kept for the length of the stream (P3). An empty array, not an erase: the upstream body keeps its key
  // order.
  turn.request.body["messages"] = bj::array();
  if (!prepared.existed) {
    auto frame = event_frame("session", bj::object{{"session_id", turn.session_id}});
    co_await sink.send(std::move(frame));
  }

  // Capability gating uses the stored model (§3.3 step 6).
  auto& tools = turn.tools;
  const bool configured = deps.provider.configured();  // without a key nothing upstream is contacted
  if (configured) tools.capability = co_await deps.catalog.tool_capability(turn.settings.model);
  if (!turn.settings.supports_tools && tools.capability) {
    auto remember = [view = &deps.settings, model = turn.settings.model, supports = *tools.capability] {
      view->remember_supports_tools(model, supports);
    };
    co_await deps.blocking.run(std::move(remember));
  }
  if (deps.tools && configured) {
    for (auto& t : co_await deps.tools->exposed_tools()) {
      const auto& fn = t.function_tool.at("function").as_object();
      turn.schemas[t.qualified_name] = fn.contains("parameters") ? fn.at("parameters") : bj::value(nullptr);
      turn.approvals[t.qualified_name] = t.approval;
      tools.tools.push_back(std::move(t.function_tool));
    }
  }
  turn.tools_attached_initially = !tools.tools.empty() && !turn.request.tool_choice_none;
  const auto* tool_choice = turn.request.body.if_contains("tool_choice");
  turn.retry_allowed = !tool_choice || tool_choice->is_null() ||
                       (tool_choice->is_string() && tool_choice->as_string() == "auto");

  turn.history = std::move(prepared.history);
  // Attachments are resolved once per turn: every hop sends the same delivery forms (§3.3).
  if (deps.attachments && configured) {
    turn.deliveries = co_await resolve_deliveries(*deps.attachments, store, deps.blocking, config,
                                                  turn.session_id, referenced_attachments(turn.history));
  }
  // Generated images become attachments of the session (§3.3), with URLs on the request's host.
  if (deps.attachments) {
    turn.image_store.emplace(*deps.attachments, deps.downloads, config, turn.session_id,
                             turn.request.public_base.empty() ? config.public_url : turn.request.public_base,
                             &sink.cancellation());
  }
}

// The serialized upstream body of the next hop; the JSON tree is gone before the stream starts, and so is the
// history it was built from.
std::string upstream_body_text(Turn& turn) {
  const auto body = build_upstream_body(turn.request, turn.settings, turn.history, turn.tools,
                                        turn.deliveries ? &*turn.deliveries : nullptr);
  std::vector<StoredMessage>().swap(turn.history);
  return parley::json::serialize(body);
}

// The next hop's upstream body, the history loaded again first when an earlier hop let go of it (its own
// coroutine: nothing of it stays in the hop's frame).
awaitable<std::string> next_upstream_body(const ChatDependencies& deps, Turn& turn) {
  if (turn.history.empty()) {
    auto load = [rows = deps.rows, session_id = turn.session_id] {
      return rows->load_messages(session_id, history_range());
    };
    turn.history = co_await deps.blocking.run(std::move(load));
  }
  co_return upstream_body_text(turn);
}

// The hop's assistant row and, on the turn's last hop, its conversation log, in one job of the blocking pool.
// A plain function: the job and its captures live in the awaitable's own frame, not in finish_hop's (which
// waits through the tool calls).
awaitable<StoredMessage> store_assistant_row(const ChatDependencies& deps, const Turn& turn, NewMessage row,
                                             bool with_log) {
  auto log_job = with_log ? turn_log_job(deps, turn) : std::nullopt;
  auto save = [rows = deps.rows, row = std::move(row), log_job = std::move(log_job)] {
    auto stored = rows->insert_message(row);
    if (log_job) (*log_job)();
    return stored;
  };
  return deps.blocking.run(std::move(save));
}

// After a hop's stream: the stored row, the events that close the hop, and the tool calls it asked for.
awaitable<HopNext> finish_hop(const ChatDependencies& deps, Turn& turn, net::SseSink& sink,
                              llm::HopAccumulator& acc, std::optional<HopImages>& images,
                              HopOutcome outcome) {
  const auto& config = deps.config;
  auto* rows = deps.rows;
  const auto& request = turn.request;
  const auto& session_id = turn.session_id;
  const auto& request_id = turn.request_id;
  auto& tools = turn.tools;
  // Decision 7: one retry without tools after a "tools unsupported" refusal.
  if (outcome.kind == HopOutcome::Kind::failed && !turn.retried && !tools.dropped_for_turn &&
      turn.tools_attached_initially && turn.retry_allowed && tools.capability != false &&
      is_tool_refusal(outcome.upstream_status, outcome.error_body)) {
    turn.retried = true;
    tools.dropped_for_turn = true;
    auto notice = event_frame(
        "tool", bj::object{{"status", "notice"},
                           {"name", "system"},
                           {"message", "Tools unavailable for this model; continuing without them."}});
    co_await sink.send(std::move(notice));
    co_return HopNext::retry;
  }

  // The stored content: the text, with the hop's images (and data:image URIs in the text) as fragments.
  bj::value content = acc.has_content() ? bj::value(acc.text()) : bj::value(nullptr);
  if (images) content = co_await images->stored_content(acc.text());  // failed or cancelled hops too

  if (outcome.kind == HopOutcome::Kind::cancelled) {
    // Stored with what the user saw; nothing more can be sent.
    if (!content.is_null() || acc.has_reasoning()) {
      auto row = assistant_row(session_id, request, acc, std::move(content), bj::string("cancelled"),
                               TurnError::cancelled());
      auto save = [rows, row] { return rows->insert_message(row); };
      co_await deps.blocking.run(std::move(save));
    }
    log::write_with(log::Level::info,
                    fmt::format("[{}] turn of session {} cancelled by the client", request_id, session_id),
                    {request_id, session_id, {}});
    turn.outcome = metrics::TurnOutcome::cancelled;
    co_return HopNext::stop;
  }

  const auto finish = outcome.error ? bj::value("error") : acc.finish_reason();
  auto row = assistant_row(session_id, request, acc, std::move(content), finish, outcome.error);
  const auto calls = outcome.error ? bj::value(nullptr) : acc.tool_calls();
  // The turn's last hop: no tool calls parley runs (a client's own tools are run by the client), or the hop
  // limit. Its row and the turn's conversation log are written in one job (no second hand-off to the pool).
  const bool last_hop =
      outcome.error || calls.is_null() || request.client_tools || turn.hop >= config.max_tool_hops;
  const bool logs_with_row = last_hop && ConversationLogBook::enabled();
  auto stored = co_await store_assistant_row(deps, turn, std::move(row), logs_with_row);
  turn.logged = logs_with_row;
  if (images) turn.undelivered.insert(images->attachment_ids().begin(), images->attachment_ids().end());
  auto metadata_frame = event_frame("metadata", metadata_payload(stored, request));
  co_await sink.send(std::move(metadata_frame));

  if (outcome.error) {
    log::write_with(
        log::Level::warning,
        fmt::format("[{}] turn of session {} failed: {}", request_id, session_id, outcome.error->message),
        {request_id, session_id, {}});
    turn.outcome = metrics::TurnOutcome::error;
    co_await send_frames(sink, failure_frames(*outcome.error));
    turn.done_pending = true;
    co_return HopNext::stop;
  }
  if (calls.is_null() || request.client_tools) {
    turn.done_pending = true;
    co_return HopNext::stop;
  }
  if (turn.hop >= config.max_tool_hops) {
    auto limit = event_frame("tool", bj::object{{"status", "error"},
                                                {"name", "system"},
                                                {"message", "Tool execution stopped after hop limit"}});
    co_await sink.send(std::move(limit));
    turn.done_pending = true;
    co_return HopNext::stop;
  }

  // Run the calls in the model's order; rows and terminal events keep that order.
  for (const auto& c : calls.as_array()) {
    if (sink.client_gone()) break;
    const auto& fn = c.as_object().at("function").as_object();
    const std::string name(fn.at("name").as_string());
    const std::string call_id(c.as_object().at("id").as_string());
    const auto schema_it = turn.schemas.find(name);
    auto call = prepare_call(call_id, name, std::string(fn.at("arguments").as_string()),
                             schema_it == turn.schemas.end() ? nullptr : &schema_it->second, session_id);
    auto started =
        event_frame("tool", bj::object{{"status", "started"}, {"name", name}, {"call_id", call_id}});
    co_await sink.send(std::move(started));
    std::string status = "error";
    std::string text = call.error_text;
    if (call.arguments) {
      const auto approval_it = turn.approvals.find(name);
      const std::string approval = approval_it == turn.approvals.end() ? "allow" : approval_it->second;
      std::optional<std::string> refused;
      if (approval == "deny") {
        refused = denied_call_text(name, "this tool is set to deny");
      } else if (approval == "ask" && deps.interactions) {
        refused = co_await ask_approval(*deps.interactions, sink, turn.request.interactions.tool_approval,
                                        call_id, name, *call.arguments, interaction_timeout(config));
        if (sink.client_gone()) {
          turn.outcome = metrics::TurnOutcome::cancelled;
          break;
        }
      }
      if (refused) {
        text = std::move(*refused);
      } else if (deps.tools) {
        std::shared_ptr<ChatElicitation> elicitation;
        if (deps.interactions && turn.request.interactions.elicitation) {
          elicitation = std::make_shared<ChatElicitation>(*deps.interactions, sink, call_id, name,
                                                          interaction_timeout(config),
                                                          turn.request.interactions.elicitation_url);
        }
        auto result =
            co_await deps.tools->call_tool(name, *call.arguments, &sink.cancellation(), elicitation);
        // A question the server still asks belongs to a call that is over: end it before the sink can go.
        if (elicitation) co_await elicitation->finish();
        if (sink.client_gone()) break;  // a cancelled call's result is discarded
        status = result.is_error ? "error" : "finished";
        text = std::move(result.text);
      } else {
        text = "Tool error: Unknown tool: " + name;
      }
    }
    auto tool_message = tool_row(session_id, request, call, status, text);
    auto save_tool = [rows, tool_message] { return rows->insert_message(tool_message); };
    auto stored_tool = co_await deps.blocking.run(std::move(save_tool));
    auto terminal =
        event_frame("tool", bj::object{{"status", status},
                                       {"name", name},
                                       {"call_id", call_id},
                                       {"result", text},
                                       {"message_id", stored_tool.id},
                                       {"created_at", format_local_offset(stored_tool.created_at)},
                                       {"created_at_utc", format_utc_offset(stored_tool.created_at)}});
    co_await sink.send(std::move(terminal));
    if (auto reason = followup_reason(call, status, text)) {
      auto notice = event_frame("notice", bj::object{{"type", "tool_followup_required"},
                                                     {"tool", name},
                                                     {"reason", *reason},
                                                     {"message", text},
                                                     {"attempt", turn.hop},
                                                     {"confirmation_required", true}});
      co_await sink.send(std::move(notice));
    }
  }
  co_return HopNext::next_hop;
}

// A hop's upstream request: the earlier hops' new images get their delivery form, then the body is built.
// A coroutine of its own, so that its locals are not in the turn's frame for the length of the stream (P3).
awaitable<std::string> prepare_hop(const ChatDependencies& deps, Turn& turn) {
  if (turn.deliveries && !turn.undelivered.empty()) {
    // This hop sends the earlier hops' rows back: their new images need a delivery form too.
    auto more = co_await resolve_deliveries(*deps.attachments, deps.store, deps.blocking, deps.config,
                                            turn.session_id, std::move(turn.undelivered));
    turn.undelivered.clear();
    turn.deliveries->merge(more);
  }
  co_return co_await next_upstream_body(deps, turn);
}

// How the hop ended (end_hop), then finish_hop; `end` is null when no upstream call was made (no provider).
// A coroutine of its own for the same reason as prepare_hop.
awaitable<HopNext> close_hop(const ChatDependencies& deps, Turn& turn, net::SseSink& sink,
                             llm::HopAccumulator& acc, std::optional<HopImages>& images,
                             std::shared_ptr<HopState> state,
                             std::optional<llm::ProviderClient::CompletionEnd> end) {
  HopOutcome outcome;
  if (!end) {
    outcome.kind = HopOutcome::Kind::failed;
    outcome.error = TurnError::not_configured();
  } else {
    auto* hop_images = images ? &*images : nullptr;
    outcome = co_await end_hop(deps.provider, std::move(state), std::move(*end), sink, acc, hop_images);
  }
  co_return co_await finish_hop(deps, turn, sink, acc, images, std::move(outcome));
}

// A turn that failed inside parley (an exception out of its steps): logged; the caller sends the internal
// error. A plain function, so that the message is not in the turn's frame.
void note_turn_failure(Turn& turn, const std::exception& e) {
  log::write_with(
      log::Level::error,
      fmt::format("[{}] chat turn of session {} failed: {}", turn.request_id, turn.session_id, e.what()),
      {turn.request_id, turn.session_id, {}});
  turn.outcome = metrics::TurnOutcome::error;
}

}  // namespace

namespace {

// A request without messages: refused in the stream (§3.2).
awaitable<void> refuse_empty_turn(net::SseSink& sink) {
  TurnMeter meter;
  meter.finish(metrics::TurnOutcome::error);
  auto frames = failure_frames(TurnError::empty_request());
  frames.push_back(net::format_sse_event("message", "[DONE]"));  // nothing stored, nothing to log
  co_await send_frames(sink, std::move(frames));
}

// The end of a turn, §3.2 step 9: the conversation log, then `[DONE]`. The last hop's job wrote the log with
// its row, unless the turn ended another way (cancelled, failed inside parley, a tool round the client left).
// A coroutine of its own, so that its locals are not in run_locked_turn's frame for the whole stream (P3).
awaitable<void> end_turn(const ChatDependencies& deps, Turn& turn, net::SseSink& sink, bool failed_inside) {
  if (failed_inside) {
    co_await send_frames(sink, failure_frames(TurnError::internal(turn.request_id)));
    turn.done_pending = true;
  }
  if (!turn.logged) {
    if (auto job = turn_log_job(deps, turn)) {
      turn.logged = true;
      co_await deps.blocking.run(std::move(*job));
    }
  }
  if (turn.done_pending) {
    auto done = net::format_sse_event("message", "[DONE]");
    co_await sink.send(std::move(done));
  }
}

// The turn under its session's lock, with its hops. Its frame stays suspended for the whole stream: it holds
// the Turn's pointer, the lock, the meter and the current hop's accumulator, images and upstream call (P3).
awaitable<void> run_locked_turn(const ChatDependencies& deps, std::unique_ptr<Turn> turn,
                                net::SseSink& sink) {
  TurnMeter meter;
  auto guard = co_await deps.locks.acquire(turn->session_id);
  bool failed_inside = false;  // the turn failed inside parley
  try {
    co_await open_turn(deps, *turn, sink);
    for (;;) {
      if (sink.client_gone()) break;
      // One hop: the upstream stream (the only long wait of a turn) is awaited here, and the steps before and
      // after it are coroutines of their own. A frame of its own for the hop would be one more suspended for
      // the length of the stream, and a frame under ~1 KB takes whatever block Asio's frame cache holds (P3).
      llm::HopAccumulator acc;
      std::optional<HopImages> images;
      if (turn->image_store) images.emplace(*turn->image_store);
      auto next = HopNext::stop;
      if (!deps.provider.configured()) {
        next = co_await close_hop(deps, *turn, sink, acc, images, nullptr, {});
      } else {
        auto hop = start_hop(deps.provider, co_await prepare_hop(deps, *turn), sink, acc,
                             images ? &*images : nullptr);
        auto end = co_await std::move(hop.call);
        next = co_await close_hop(deps, *turn, sink, acc, images, std::move(hop.state), std::move(end));
      }
      if (next == HopNext::stop) break;
      if (next == HopNext::next_hop) ++turn->hop;
    }
  } catch (const std::exception& e) {
    note_turn_failure(*turn, e);
    failed_inside = true;
  }
  meter.finish(turn->outcome);
  co_await end_turn(deps, *turn, sink, failed_inside);
}

}  // namespace

// Not a coroutine: the request goes into the heap Turn here, so that no frame keeps its moved-from copy.
awaitable<void> ChatOrchestrator::run_turn(ChatRequest request, std::string request_id, net::SseSink& sink) {
  if (request.body.at("messages").as_array().empty()) return refuse_empty_turn(sink);
  auto turn = std::make_unique<Turn>();
  turn->request = std::move(request);
  turn->request_id = std::move(request_id);
  turn->session_id = turn->request.session_id.value_or(new_uuid_hex());
  return run_locked_turn(deps_, std::move(turn), sink);
}

}  // namespace parley::chat
