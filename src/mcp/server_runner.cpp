#include "mcp/server_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/redact.hpp"

namespace parley::mcp {

namespace asio = boost::asio;
namespace bj = boost::json;

const char* to_string(ServerState state) {
  switch (state) {
    case ServerState::connecting:
      return "connecting";
    case ServerState::connected:
      return "connected";
    case ServerState::disconnected:
      return "disconnected";
    case ServerState::disabled:
      return "disabled";
    case ServerState::failed:
      return "failed";
    case ServerState::needs_authorization:
      return "needs_authorization";
  }
  return "failed";
}

std::optional<std::string> unavailable_builtin(const ServerDefinition& definition) {
  if (!definition.module) return std::nullopt;
  const auto name = builtin_server_name(*definition.module);
  if (!name) return "Unknown built-in MCP server module: " + *definition.module;
  // Every built-in `parley mcp-server` runs (src/app/mcp_server.cpp) is available; the Google ones answer a
  // user who has not authorized with a tool error that says how.
  return std::nullopt;
}

ServerRunner::ServerRunner(RunnerContext context, ServerDefinition definition)
    : context_(std::move(context)),
      definition_(std::move(definition)),
      state_(definition_.enabled ? ServerState::connecting : ServerState::disabled),
      wake_(context_.strand) {
  metrics::global().mcp_server_state(definition_.id, std::nullopt, to_string(state_));
}

ServerRunner::~ServerRunner() {
  metrics::global().mcp_server_state(definition_.id, to_string(state_), std::nullopt);
}

void ServerRunner::enter(ServerState state) {
  if (state == state_) return;
  metrics::global().mcp_server_state(definition_.id, to_string(state_), to_string(state));
  state_ = state;
}

std::string ServerRunner::transport_kind() const {
  if (!transport_kind_.empty()) return transport_kind_;
  return definition_.url ? "streamable-http" : "stdio";
}

void ServerRunner::set_state(ServerState state, std::optional<std::string> error) {
  enter(state);
  if (error) last_error_ = global_redactor().redact(*error);
  if (state == ServerState::connected) last_error_.reset();
  if (context_.on_change) context_.on_change();
  state_changed_.notify_all();
}

void ServerRunner::start() {
  if (!definition_.enabled) {
    set_state(ServerState::disabled, std::nullopt);
    return;
  }
  enter(ServerState::connecting);
  asio::co_spawn(context_.strand, keep_alive(shared_from_this()), asio::detached);
}

AuthorizationHint ServerRunner::authorization_hint() const {
  return authorizer_ ? authorizer_->hint() : AuthorizationHint{};
}

void ServerRunner::retry_now() {
  if (state_ == ServerState::failed || state_ == ServerState::disconnected ||
      state_ == ServerState::needs_authorization) {
    retry_requested_ = true;
    backoff_ = std::chrono::milliseconds(1000);
    wake_.cancel();
  }
}

asio::awaitable<Result<void, Failure>> ServerRunner::connect_once() {
  // A fresh authorizer per connection: it reads the tokens stored since (a person authorized meanwhile).
  authorizer_ = definition_.url && context_.environment.authorizer_for
                    ? context_.environment.authorizer_for(definition_)
                    : nullptr;
  auto transport =
      make_transport(context_.strand, context_.http, definition_, context_.environment, authorizer_);
  if (!transport) co_return transport.error();
  auto session = std::make_shared<McpSession>(context_.strand, definition_.id, transport.value());
  if (context_.elicitation)
    session->set_elicitation_handler(context_.elicitation, context_.elicitation_timeout);
  session_ = session;
  session_lost_ = false;
  std::weak_ptr<ServerRunner> weak = weak_from_this();
  SessionCallbacks callbacks;
  callbacks.on_closed = [weak](std::string reason) {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    log::warn("MCP server {}: connection lost: {}", self->definition_.id, reason);
    self->session_lost_ = true;
    self->last_error_ = global_redactor().redact("connection lost: " + reason);
    self->wake_.cancel();
  };
  callbacks.on_tools_changed = [weak] {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    log::info("MCP server {}: tool list changed; listing again", self->definition_.id);
    asio::co_spawn(self->context_.strand, relist(self), asio::detached);
  };
  auto started = co_await session->start(std::move(callbacks), context_.initialize_timeout);
  transport_kind_ = session->transport_kind();
  if (!started) co_return started;
  auto tools = co_await session->list_tools(context_.initialize_timeout);
  if (!tools) co_return tools.error();
  tools_ = std::move(tools.value());
  log::info("MCP server {}: connected ({} over {}, protocol {}), {} tools", definition_.id,
            definition_.url ? *definition_.url : definition_.id, transport_kind_, session->protocol_version(),
            tools_.size());
  co_return success();
}

asio::awaitable<void> ServerRunner::keep_alive(std::shared_ptr<ServerRunner> self) {
  boost::system::error_code ec;
  if (auto why = unavailable_builtin(self->definition_)) {
    log::warn("MCP server {}: {}", self->definition_.id, *why);
    self->set_state(ServerState::failed, std::move(why));
    co_return;
  }
  while (!self->stopped_) {
    self->set_state(ServerState::connecting, std::nullopt);
    auto connected = co_await self->connect_once();
    if (self->stopped_) break;
    if (connected) {
      self->backoff_ = std::chrono::milliseconds(1000);
      self->reconnect_now_ = false;
      self->set_state(ServerState::connected, std::nullopt);
      // Wait until the session is lost or the runner stops.
      while (!self->stopped_ && !self->session_lost_) {
        self->wake_.expires_at(asio::steady_timer::time_point::max());
        co_await self->wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (self->stopped_) break;
      auto lost = self->session_;
      self->session_.reset();
      self->set_state(ServerState::disconnected, self->last_error_);
      if (lost) co_await lost->close();
    } else {
      const bool needs_person = self->authorizer_ && self->authorizer_->needs_person();
      log::warn("MCP server {}: start failed: {}", self->definition_.id, connected.error().message);
      auto failed = self->session_;
      self->session_.reset();
      self->set_state(needs_person ? ServerState::needs_authorization : ServerState::failed,
                      connected.error().message);
      if (failed) co_await failed->close();
      if (needs_person) {
        // Trying again cannot help before a person authorizes; the callback route calls retry_now().
        while (!self->stopped_ && !self->retry_requested_) {
          self->wake_.expires_at(asio::steady_timer::time_point::max());
          co_await self->wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        self->retry_requested_ = false;
        self->backoff_ = std::chrono::milliseconds(1000);
        continue;
      }
    }
    if (self->stopped_) break;
    if (std::exchange(self->reconnect_now_, false)) continue;  // an expired session: a new one at once
    // Back off before the next attempt; retry_now() cuts the wait short.
    self->retry_requested_ = false;
    self->wake_.expires_after(self->backoff_);
    co_await self->wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    self->backoff_ = std::min(self->backoff_ * 2, std::chrono::milliseconds(60000));
  }
  if (self->session_) {
    auto session = self->session_;
    self->session_.reset();
    co_await session->close();
  }
}

asio::awaitable<void> ServerRunner::relist(std::shared_ptr<ServerRunner> self) {
  co_await self->refresh_tools();
}

asio::awaitable<void> ServerRunner::refresh_tools() {
  auto session = session_;
  if (!session || !session->alive() || state_ != ServerState::connected) co_return;
  auto tools = co_await session->list_tools(context_.initialize_timeout);
  if (session != session_) co_return;  // replaced meanwhile
  if (!tools) {
    log::warn("MCP server {}: listing tools failed: {}", definition_.id, tools.error().message);
    co_return;
  }
  tools_ = std::move(tools.value());
  if (context_.on_change) context_.on_change();
}

asio::awaitable<Result<ToolCallResult, Failure>> ServerRunner::call_tool(
    std::string name, bj::object arguments, std::chrono::milliseconds timeout, CancelSignal* cancel,
    std::shared_ptr<ElicitationHandler> asker) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto session = session_;
  if (!session || !session->alive() || state_ != ServerState::connected) {
    co_return fail("MCP server " + definition_.id + " is not connected (" + to_string(state_) + ")");
  }
  auto result = co_await session->call_tool(name, arguments, timeout, cancel, asker);
  if (result || result.error().kind != Failure::Kind::session_expired) co_return result;
  // The server no longer knows the session (HTTP 404), so it did not run the call. A new session starts at
  // once (MCP, Streamable HTTP "Session Management"); the call is made again on it, once, within its timeout.
  log::info("MCP server {}: the session expired during a call of {}; calling again on a new session",
            definition_.id, name);
  if (session_ == session) {  // else a new session is on its way already
    reconnect_now_ = true;
    wake_.cancel();
  }
  // A cancel comes from another thread: it wakes the wait below through the strand.
  std::weak_ptr<ServerRunner> weak = weak_from_this();
  CancelRegistration on_cancel(cancel, [weak, strand = context_.strand] {
    asio::post(strand, [weak] {
      if (auto self = weak.lock()) self->state_changed_.notify_all();
    });
  });
  while (!stopped_ && (session_ == session || state_ != ServerState::connected) &&
         state_ != ServerState::failed && state_ != ServerState::needs_authorization &&
         std::chrono::steady_clock::now() < deadline && !(cancel != nullptr && cancel->cancelled())) {
    co_await state_changed_.wait_until(deadline);
  }
  auto fresh = session_;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (stopped_ || !fresh || fresh == session || state_ != ServerState::connected || left.count() <= 0) {
    co_return fail("MCP server " + definition_.id + " ended the session and no new one started in time (" +
                   result.error().message + ")");
  }
  co_return co_await fresh->call_tool(std::move(name), std::move(arguments), left, cancel, std::move(asker));
}

asio::awaitable<void> ServerRunner::stop() {
  stopped_ = true;
  wake_.cancel();
  state_changed_.notify_all();  // a call waiting for a new session gives up now, not at its timeout
  if (session_) {
    auto session = session_;
    session_.reset();
    co_await session->close();
  }
  if (definition_.enabled) {
    enter(ServerState::disconnected);
  } else {
    enter(ServerState::disabled);
  }
}

}  // namespace parley::mcp
