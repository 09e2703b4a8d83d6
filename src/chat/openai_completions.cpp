#include "chat/openai_completions.hpp"

#include <algorithm>
#include <chrono>

#include "core/ids.hpp"

namespace parley::chat {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

// The client's messages are the history (api.md §3.2 steps 3-6 do not apply: this API is stateless). With a
// repository they are stored as a new conversation first, and the hops' rows after them.
class ClientHistoryRows final : public TurnRows {
 public:
  ClientHistoryRows(std::vector<NewMessage> opening, ChatStore* persist)
      : opening_(std::move(opening)), persist_(persist) {}

  bool open_turn(const std::string& session_id, const std::optional<NewMessage>&,
                 const std::vector<NewMessage>&) override {
    for (auto& m : opening_) m.session_id = session_id;
    if (persist_) return persist_->open_turn(session_id, std::nullopt, opening_);
    for (const auto& m : opening_) insert_message(m);
    return false;
  }
  std::vector<StoredMessage> load_messages(const std::string& session_id,
                                           const store::MessageRange& range) override {
    if (persist_) return persist_->load_messages(session_id, range);
    std::vector<StoredMessage> out;  // in memory every row keeps its metadata
    for (const auto& m : memory_) {
      if (range.limit && out.size() >= static_cast<std::size_t>(*range.limit)) break;
      if (!range.after_id || m.id > *range.after_id) out.push_back(m);
    }
    return out;
  }
  StoredMessage insert_message(const NewMessage& message) override {
    if (persist_) return persist_->insert_message(message);
    StoredMessage s = store::stored_form(message, std::chrono::system_clock::now());
    s.id = static_cast<std::int64_t>(memory_.size()) + 1;
    memory_.push_back(s);
    return s;
  }

 private:
  std::vector<NewMessage> opening_;
  ChatStore* persist_;
  std::vector<StoredMessage> memory_;
};

// The request's model for this turn: capability gating and tools follow it (the stored settings still fill
// parameters and provider preferences).
class RequestModelView final : public ModelSettingsView {
 public:
  RequestModelView(ModelSettingsView& stored, std::string model)
      : stored_(stored), model_(std::move(model)) {}
  ActiveModelSettings active() override {
    auto s = stored_.active();
    if (s.model != model_) {
      s.model = model_;
      s.supports_tools.reset();  // the stored flag is about the stored model
    }
    return s;
  }
  void remember_supports_tools(const std::string& model, bool supports) override {
    if (stored_.active().model == model) stored_.remember_supports_tools(model, supports);
  }

 private:
  ModelSettingsView& stored_;
  std::string model_;
};

// The tools of the servers a key may use; calls to any other tool are refused like unknown tools.
class KeyTools final : public TurnTools {
 public:
  KeyTools(TurnTools& all, std::vector<std::string> servers) : all_(all), servers_(std::move(servers)) {}
  awaitable<std::vector<mcp::ExposedTool>> exposed_tools() override {
    auto tools = co_await all_.exposed_tools();
    std::erase_if(tools, [this](const mcp::ExposedTool& t) { return !allowed(t.server_id); });
    co_return tools;
  }
  awaitable<mcp::ToolCallOutcome> call_tool(std::string qualified_name, bj::object arguments,
                                            CancelSignal* cancel,
                                            std::shared_ptr<mcp::ElicitationHandler> elicitation) override {
    bool found = false;
    const auto offered = co_await exposed_tools();
    for (const auto& t : offered) found = found || t.qualified_name == qualified_name;
    if (!found) {
      mcp::ToolCallOutcome refused;
      refused.is_error = true;
      refused.text = "Tool error: Unknown tool: " + qualified_name;
      co_return refused;
    }
    co_return co_await all_.call_tool(std::move(qualified_name), std::move(arguments), cancel,
                                      std::move(elicitation));
  }

 private:
  bool allowed(const std::string& server) const {
    return std::find(servers_.begin(), servers_.end(), server) != servers_.end();
  }
  TurnTools& all_;
  std::vector<std::string> servers_;
};

// The turn's frames, translated for the client (streaming) or only collected (not).
class OpenAiSink final : public net::SseSink {
 public:
  OpenAiSink(OpenAiStreamTranslator& translator, net::SseSink* client, CancelSignal* cancel)
      : translator_(translator), client_(client), cancel_(cancel) {}
  awaitable<bool> send(std::string frame) override {
    auto out = translator_.translate(frame);
    if (client_ && !out.empty()) co_return co_await client_->send(std::move(out));
    co_return !client_gone();
  }
  [[nodiscard]] bool client_gone() const override {
    return client_ ? client_->client_gone() : cancel_->cancelled();
  }
  CancelSignal& cancellation() override { return client_ ? client_->cancellation() : *cancel_; }

 private:
  OpenAiStreamTranslator& translator_;
  net::SseSink* client_;
  CancelSignal* cancel_;
};

NewMessage opening_row(const bj::object& m) {
  NewMessage row;
  const std::string_view role = m.at("role").as_string();
  row.role = role == "developer" ? "system" : std::string(role);
  const auto* content = m.if_contains("content");
  row.content = content ? *content : bj::value(nullptr);
  if (const auto* id = m.if_contains("tool_call_id"); id && id->is_string())
    row.tool_call_id = std::string(id->as_string());
  if (const auto* name = m.if_contains("name"); name && name->is_string()) row.metadata["name"] = *name;
  if (const auto* calls = m.if_contains("tool_calls");
      calls && calls->is_array() && !calls->as_array().empty())
    row.metadata["tool_calls"] = *calls;
  return row;
}

}  // namespace

std::string OpenAiCompletions::resolve_model(const OpenAiChatRequest& request) {
  return request.model ? *request.model : deps_.settings.active().model;
}

awaitable<OpenAiOutcome> OpenAiCompletions::run(OpenAiTurn turn, std::string request_id, net::SseSink* client,
                                                CancelSignal* cancel) {
  OpenAiOutcome outcome;
  outcome.model = resolve_model(turn.request);
  const auto& request = turn.request;

  std::vector<NewMessage> opening;
  const auto stored = deps_.settings.active();
  if (!request.has_system_message && stored.system_prompt && !stored.system_prompt->empty()) {
    NewMessage system;
    system.role = "system";
    system.content = bj::string(*stored.system_prompt);
    opening.push_back(std::move(system));
  }
  for (const auto& m : request.body.at("messages").as_array()) opening.push_back(opening_row(m.as_object()));

  auto rows =
      std::make_unique<ClientHistoryRows>(std::move(opening), turn.store_history ? &deps_.store : nullptr);
  auto view = std::make_unique<RequestModelView>(deps_.settings, outcome.model);
  std::unique_ptr<KeyTools> key_tools;
  TurnTools* tools = nullptr;
  if (deps_.tools && !request.client_tools) {
    if (!turn.mcp_servers) {
      tools = deps_.tools;
    } else if (!turn.mcp_servers->empty()) {
      key_tools = std::make_unique<KeyTools>(*deps_.tools, *turn.mcp_servers);
      tools = key_tools.get();
    }
  }
  auto orchestrator = std::make_unique<ChatOrchestrator>(
      ChatDependencies{deps_.config, deps_.blocking, deps_.provider, deps_.downloads, deps_.catalog,
                       deps_.store, *view, locks_, tools, nullptr, rows.get()});

  ChatRequest chat;
  chat.body = request.body;
  chat.model = outcome.model;
  chat.tool_choice_none = request.tool_choice_none;
  chat.client_tools = request.client_tools;
  const auto session = new_uuid_hex();
  chat.session_id = session;
  if (turn.store_history) outcome.session_id = session;

  OpenAiStreamOptions options;
  options.stream = request.stream;
  options.include_usage = request.include_usage;
  options.client_tools = request.client_tools;
  options.id = "chatcmpl-" + new_uuid_hex();
  options.created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  options.model = outcome.model;
  auto translator = std::make_unique<OpenAiStreamTranslator>(std::move(options));
  auto sink = std::make_unique<OpenAiSink>(*translator, client, cancel);
  co_await orchestrator->run_turn(std::move(chat), std::move(request_id), *sink);

  outcome.usage = translator->usage();
  outcome.error = translator->error();
  if (!request.stream && !outcome.error) outcome.completion = translator->completion();
  co_return outcome;
}

}  // namespace parley::chat
