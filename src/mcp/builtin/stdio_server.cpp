#include "mcp/builtin/stdio_server.hpp"

#include <condition_variable>
#include <exception>
#include <istream>
#include <mutex>
#include <ostream>
#include <thread>

#include "core/json.hpp"
#include "mcp/json_rpc.hpp"

namespace parley::mcp::builtin {

namespace {

std::string answer(const bj::value& id, bj::value result) {
  return json::serialize(bj::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

std::string failure(const bj::value& id, std::int64_t code, std::string_view message) {
  return json::serialize(bj::object{
      {"jsonrpc", "2.0"}, {"id", id}, {"error", bj::object{{"code", code}, {"message", message}}}});
}

bool valid_id(const bj::value& id) {
  return id.is_string() || id.is_int64() || id.is_uint64() || id.is_double();
}

// Reads one line of at most `limit` bytes (without the newline). A longer line is consumed to its end and
// reported through `too_long`. False at end of input with nothing read.
bool read_line(std::istream& in, std::string& line, std::size_t limit, bool& too_long) {
  line.clear();
  too_long = false;
  auto* buf = in.rdbuf();
  bool any = false;
  for (;;) {
    const auto c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) return any;
    any = true;
    if (c == '\n') return true;
    if (too_long) continue;
    if (line.size() >= limit) {
      too_long = true;
      line.clear();
      line.shrink_to_fit();
      continue;
    }
    line.push_back(static_cast<char>(c));
  }
}

}  // namespace

const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
  return versions;
}

std::string negotiate_protocol_version(const bj::value* requested) {
  const auto& versions = supported_protocol_versions();
  if (requested != nullptr && requested->is_string()) {
    for (const auto& v : versions) {
      if (requested->get_string() == v) return v;
    }
  }
  return versions.front();
}

struct StdioServer::InFlight {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> calls;  // serialized id -> cancelled flag
};

StdioServer::StdioServer(ServerInfo info, std::vector<Tool> tools)
    : info_(std::move(info)), tools_(std::move(tools)), in_flight_(std::make_shared<InFlight>()) {
  for (const auto& t : tools_) {
    tool_listing_.push_back(
        bj::object{{"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}});
  }
}

StdioServer::Dispatch StdioServer::dispatch(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty()) return {};
  const bj::value null_id;
  std::string why;
  auto parsed = json::parse(line, &why);
  if (!parsed)
    return {failure(null_id, rpc::parse_error, "Parse error: the line is not valid JSON (" + why + ")"), {}};
  if (parsed->is_array()) {
    return {failure(null_id, rpc::invalid_request,
                    "Invalid Request: batches are not supported; send one JSON-RPC message per line"),
            {}};
  }
  if (!parsed->is_object()) {
    return {failure(null_id, rpc::invalid_request, "Invalid Request: a message must be a JSON object"), {}};
  }
  const auto& msg = parsed->get_object();
  const auto* id = msg.if_contains("id");
  const bool has_id = id != nullptr;
  const bj::value& reply_id = has_id && valid_id(*id) ? *id : null_id;
  const auto* version = msg.if_contains("jsonrpc");
  if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
    return {failure(reply_id, rpc::invalid_request, "Invalid Request: \"jsonrpc\" must be \"2.0\""), {}};
  }
  const auto* method = msg.if_contains("method");
  if (method == nullptr) {
    if (msg.contains("result") || msg.contains("error")) return {};  // a response: this server asks nothing
    return {failure(reply_id, rpc::invalid_request, "Invalid Request: \"method\" is missing"), {}};
  }
  if (!method->is_string()) {
    return {failure(reply_id, rpc::invalid_request, "Invalid Request: \"method\" must be a string"), {}};
  }
  if (has_id && !valid_id(*id)) {
    return {failure(null_id, rpc::invalid_request, "Invalid Request: \"id\" must be a string or a number"),
            {}};
  }
  const std::string name(method->get_string());
  const auto* params = msg.if_contains("params");
  if (params != nullptr && params->is_null()) params = nullptr;
  if (!has_id) {
    handle_notification(name, params);
    return {};
  }
  if (params != nullptr && !params->is_object()) {
    return {failure(*id, rpc::invalid_params, "Invalid params: \"params\" must be an object"), {}};
  }
  return dispatch_request(*id, name, params);
}

StdioServer::Dispatch StdioServer::dispatch_request(const bj::value& id, const std::string& method,
                                                    const bj::value* params) {
  static const bj::object no_params;
  const auto& p = params != nullptr ? params->get_object() : no_params;
  if (method == "initialize") {
    bj::object result{{"protocolVersion", negotiate_protocol_version(p.if_contains("protocolVersion"))},
                      {"capabilities", bj::object{{"tools", bj::object{{"listChanged", false}}}}},
                      {"serverInfo", bj::object{{"name", info_.name}, {"version", info_.version}}}};
    if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
    return {answer(id, std::move(result)), {}};
  }
  if (method == "ping") return {answer(id, bj::object{}), {}};
  if (method == "tools/list") {
    if (const auto* cursor = p.if_contains("cursor"); cursor != nullptr && !cursor->is_null()) {
      // Every tool fits on the first page, so no cursor this server handed out can exist.
      return {failure(id, rpc::invalid_params, "Invalid params: unknown cursor"), {}};
    }
    return {answer(id, bj::object{{"tools", tool_listing_}}), {}};
  }
  if (method == "tools/call") {
    const auto* name = p.if_contains("name");
    if (name == nullptr || !name->is_string()) {
      return {failure(id, rpc::invalid_params, "Invalid params: \"name\" (the tool name) must be a string"),
              {}};
    }
    const Tool* tool = nullptr;
    for (const auto& t : tools_) {
      if (t.name == name->get_string()) tool = &t;
    }
    if (tool == nullptr) {
      return {failure(id, rpc::invalid_params, "Unknown tool: " + std::string(name->get_string())), {}};
    }
    bj::object arguments;
    if (const auto* a = p.if_contains("arguments"); a != nullptr && !a->is_null()) {
      if (!a->is_object()) {
        return {failure(id, rpc::invalid_params, "Invalid params: \"arguments\" must be an object"), {}};
      }
      arguments = a->get_object();
    }
    return {{}, PendingCall{id, tool, std::move(arguments)}};
  }
  return {failure(id, rpc::method_not_found, "Method not found: " + method), {}};
}

void StdioServer::handle_notification(const std::string& method, const bj::value* params) {
  if (method != "notifications/cancelled" || params == nullptr || !params->is_object()) return;
  const auto* request_id = params->get_object().if_contains("requestId");
  if (request_id == nullptr || !valid_id(*request_id)) return;
  std::lock_guard lock(in_flight_->mutex);
  // An unknown or finished request is ignored, as the protocol allows.
  if (auto it = in_flight_->calls.find(json::serialize(*request_id)); it != in_flight_->calls.end()) {
    it->second->store(true);
  }
}

std::string StdioServer::run_call(const PendingCall& call, const CallContext& context) {
  bj::object result;
  try {
    result = call.tool->handler(call.arguments, context);
  } catch (const std::exception& e) {
    result = error_result("Internal error in tool " + call.tool->name + ": " + e.what());
  }
  return answer(call.id, std::move(result));
}

std::optional<std::string> StdioServer::handle_line(std::string_view line) {
  auto d = dispatch(line);
  if (d.call) return run_call(*d.call, CallContext());
  return d.answer;
}

namespace {

// Shared with the worker threads, which may finish after serve()'s locals are gone otherwise.
struct ServeState {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t running = 0;
  std::mutex output_mutex;
  std::ostream* out = nullptr;

  void write_line(const std::string& text) {
    std::lock_guard lock(output_mutex);
    *out << text << '\n';
    out->flush();
  }
};

}  // namespace

void StdioServer::serve(std::istream& in, std::ostream& out, std::size_t max_parallel_calls,
                        std::size_t max_line_bytes) {
  auto state = std::make_shared<ServeState>();
  state->out = &out;
  if (max_parallel_calls == 0) max_parallel_calls = 1;
  std::string line;
  bool too_long = false;
  while (read_line(in, line, max_line_bytes, too_long)) {
    if (too_long) {
      state->write_line(failure(bj::value(), rpc::invalid_request,
                                "Invalid Request: the message is larger than " +
                                    std::to_string(max_line_bytes) + " bytes and was discarded"));
      continue;
    }
    auto d = dispatch(line);
    if (d.answer) state->write_line(*d.answer);
    if (!d.call) continue;

    const auto key = json::serialize(d.call->id);
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    {
      std::lock_guard lock(in_flight_->mutex);
      if (!in_flight_->calls.emplace(key, cancelled).second) {
        state->write_line(failure(d.call->id, rpc::invalid_request,
                                  "Invalid Request: id " + key + " is already used by a running call"));
        continue;
      }
    }
    {
      std::unique_lock lock(state->mutex);
      state->changed.wait(lock, [&] { return state->running < max_parallel_calls; });
      ++state->running;
    }
    std::thread([this, state, cancelled, key, call = std::move(*d.call)]() {
      const auto response = run_call(call, CallContext(cancelled.get()));
      {
        std::lock_guard lock(in_flight_->mutex);
        in_flight_->calls.erase(key);
      }
      // A cancelled request gets no response (MCP cancellation).
      if (!cancelled->load()) state->write_line(response);
      std::lock_guard lock(state->mutex);
      --state->running;
      state->changed.notify_all();
    }).detach();
  }
  std::unique_lock lock(state->mutex);
  state->changed.wait(lock, [&] { return state->running == 0; });
}

}  // namespace parley::mcp::builtin
