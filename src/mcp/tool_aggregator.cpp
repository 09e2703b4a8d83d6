#include "mcp/tool_aggregator.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "mcp/oauth/oauth_authorizer.hpp"
#include "mcp/strand_event.hpp"
#include "mcp/strand_lock.hpp"
#include "mcp/tool_naming.hpp"
#include "mcp/tool_result.hpp"

namespace parley::mcp {

namespace asio = boost::asio;
namespace bj = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

struct ToolName {
  std::string name;
  std::string qualified_name;
  bool exposed = false;
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

bj::object function_tool(const std::string& qualified, const std::string& server_id,
                         const ToolDescription& tool) {
  const std::string tag = "[" + server_id + "]";
  std::string description = tag;
  if (tool.description && !tool.description->empty()) {
    description =
        tool.description->find(tag) != std::string::npos ? *tool.description : tag + " " + *tool.description;
  }
  bj::value parameters = tool.input_schema.is_object()
                             ? tool.input_schema
                             : bj::value(bj::object{{"type", "object"}, {"properties", bj::object{}}});
  return bj::object{
      {"type", "function"},
      {"function",
       bj::object{{"name", qualified}, {"description", description}, {"parameters", parameters}}}};
}

// A whole list breaks a rule of §2.17 (a duplicate id, a definition's own rules): the 422 to answer.
std::optional<Error> definition_list_problem(const std::vector<ServerDefinition>& servers,
                                             bool reject_unknown_modules) {
  std::set<std::string> ids;
  for (const auto& s : servers) {
    if (!ids.insert(s.id).second) return Error::invalid_content("Duplicate MCP server id: " + s.id);
    if (auto problem = check_definition_rules(s, reject_unknown_modules))
      return Error::invalid_content(*problem);
  }
  return std::nullopt;
}

ToolCallOutcome tool_error(std::string message) {
  ToolCallOutcome out;
  out.is_error = true;
  out.text = "Tool error: " + message;
  return out;
}

}  // namespace

namespace {

std::string approval_of(const ServerDefinition& def, const std::string& tool) {
  auto it = def.tool_overrides.find(tool);
  return it != def.tool_overrides.end() && it->second.approval ? *it->second.approval : "allow";
}

}  // namespace

struct ToolAggregator::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, AggregatorOptions opts, TransportEnvironment env, DefinitionsStore& s)
      : ioc(io),
        strand(asio::make_strand(io)),
        options(opts),
        environment(std::move(env)),
        store(s),
        http(io) {
    if (!environment.authorizer_for && environment.oauth_tokens) {
      // Without a prompt: a server that needs a person shows needs_authorization until the web flow stored
      // its tokens. `this` outlives the runners that call it.
      environment.authorizer_for = [this](const ServerDefinition& def) -> std::shared_ptr<HttpAuthorizer> {
        // A secret naming an undefined variable fails the connection in make_transport, with its message.
        auto client = oauth_client_settings(def, environment);
        return std::make_shared<oauth::OAuthAuthorizer>(
            strand, http, def.url.value_or(""), client ? std::move(client.value()) : oauth::ClientSettings{},
            environment.oauth_tokens, nullptr);
      };
    }
  }

  asio::io_context& ioc;
  asio::any_io_executor strand;
  AggregatorOptions options;
  TransportEnvironment environment;
  DefinitionsStore& store;
  net::HttpClient http;
  std::shared_ptr<ElicitationRouter> elicitation_router = std::make_shared<ElicitationRouter>();

  // Strand-only state.
  std::vector<ServerDefinition> definitions;
  std::map<std::string, std::shared_ptr<ServerRunner>> runners;
  std::map<std::string, std::vector<ToolName>> names;  // per server, listing order
  std::vector<std::string> last_naming_warnings;
  std::size_t stopping = 0;
  StrandEvent runner_stopped;  // `stopping` went down
  // PUT/PATCH/preset applies and reloads run one at a time (the read-modify-write of §4.0).
  StrandLock apply_lock;
  // A runner changed state or tools (rebuild() ran): waits for servers to settle re-check then.
  StrandEvent runners_changed;
  bool shutting_down = false;
  bool reload_retrying = false;     // a reload found the definitions unreadable and tries again every second
  bool definitions_unread = false;  // the last read failed: `definitions` may be older than the stored list

  // Under the apply lock: reads the stored list again when the last read failed, so that a change is made
  // to what is stored, not to an old copy; false when it still cannot be read.
  bool read_before_change() {
    if (!definitions_unread) return true;
    auto loaded = store.load();
    if (loaded.unavailable) return false;
    definitions_unread = false;
    apply(std::move(loaded.servers));
    return true;
  }

  // Read from any thread.
  mutable std::mutex snapshot_mutex;
  std::shared_ptr<const std::vector<ExposedTool>> exposed = std::make_shared<std::vector<ExposedTool>>();
  std::vector<ServerDefinition> definitions_copy;
  Clock::time_point startup_deadline = Clock::now();
  bool startup_settled = true;

  std::shared_ptr<ServerRunner> make_runner(const ServerDefinition& def) {
    std::weak_ptr<Impl> weak = weak_from_this();
    RunnerContext context{strand,
                          http,
                          environment,
                          options.initialize_timeout,
                          [weak] {
                            if (auto self = weak.lock()) self->rebuild();
                          },
                          elicitation_router,
                          options.tool_timeout};
    return std::make_shared<ServerRunner>(std::move(context), def);
  }

  // Recomputes names and the exposed list from the runners (strand only). Cheap: no I/O.
  void rebuild() {
    std::vector<NamingServer> input;
    std::vector<std::shared_ptr<ServerRunner>> order;
    for (const auto& def : definitions) {
      auto it = runners.find(def.id);
      if (it == runners.end()) continue;
      const auto& runner = it->second;
      NamingServer s;
      s.prefix_or_id = def.tool_prefix.value_or(def.id);
      s.has_tool_prefix = def.tool_prefix.has_value();
      s.exposed = def.enabled && runner->state() == ServerState::connected;
      for (const auto& t : runner->tools()) s.tools.push_back(t.name);
      s.disabled = def.disabled_tools.value_or(std::vector<std::string>{});
      input.push_back(std::move(s));
      order.push_back(runner);
    }
    std::vector<std::string> warnings;
    const auto named = name_tools(input, warnings);
    if (warnings != last_naming_warnings) {
      for (const auto& w : warnings) log::warn("{}", w);
      last_naming_warnings = warnings;
    }
    names.clear();
    auto list = std::make_shared<std::vector<ExposedTool>>();
    for (const auto& n : named) {
      const auto& runner = order[n.server];
      const auto& tool = runner->tools()[n.tool];
      const auto& id = runner->definition().id;
      names[id].push_back({tool.name, n.qualified_name, n.exposed});
      if (n.exposed) {
        list->push_back({n.qualified_name, id, tool.name, function_tool(n.qualified_name, id, tool),
                         approval_of(runner->definition(), tool.name)});
      }
    }
    bool settled = true;
    for (const auto& [id, runner] : runners) settled = settled && runner->settled();
    {
      std::lock_guard lock(snapshot_mutex);
      exposed = std::move(list);
      definitions_copy = definitions;
      if (settled) startup_settled = true;
    }
    runners_changed.notify_all();
  }

  bj::object status_json() const {
    bj::array servers;
    for (const auto& def : definitions) {
      auto it = runners.find(def.id);
      const ServerState state = !def.enabled
                                    ? ServerState::disabled
                                    : (it == runners.end() ? ServerState::connecting : it->second->state());
      bj::object s;
      s["id"] = def.id;
      s["enabled"] = def.enabled;
      s["connected"] = state == ServerState::connected;
      write_definition_api_fields(def, s);
      std::vector<ToolName> tools;
      if (auto n = names.find(def.id); n != names.end()) tools = n->second;
      std::sort(tools.begin(), tools.end(),
                [](const ToolName& a, const ToolName& b) { return a.name < b.name; });
      bj::array tool_list;
      std::int64_t exposed_count = 0;
      for (const auto& t : tools) {
        bool destructive = false;
        if (it != runners.end()) {
          for (const auto& d : it->second->tools()) {
            if (d.name == t.name) destructive = d.destructive;
          }
        }
        tool_list.push_back(bj::object{{"name", t.name},
                                       {"qualified_name", t.qualified_name},
                                       {"enabled", t.exposed},
                                       {"approval", approval_of(def, t.name)},
                                       {"destructive", destructive}});
        if (t.exposed) ++exposed_count;
      }
      s["tool_count"] = exposed_count;
      s["tools"] = std::move(tool_list);
      s["transport"] =
          it != runners.end() ? it->second->transport_kind() : (def.url ? "streamable-http" : "stdio");
      s["state"] = to_string(state);
      const auto* error = it != runners.end() ? &it->second->last_error() : nullptr;
      s["last_error"] = error != nullptr && *error ? bj::value(**error) : bj::value(nullptr);
      servers.push_back(std::move(s));
    }
    const auto updated = store.updated_at();
    return bj::object{
        {"servers", std::move(servers)},
        {"updated_at", updated ? bj::value(format_iso_utc_z(*updated, 6)) : bj::value(nullptr)}};
  }

  static asio::awaitable<void> stop_runner(std::shared_ptr<Impl> self, std::shared_ptr<ServerRunner> runner) {
    co_await runner->stop();
    --self->stopping;
    self->runner_stopped.notify_all();
  }
  // Counted before the stop starts, so that stop() waits for it however the coroutine is scheduled.
  void spawn_stop(std::shared_ptr<ServerRunner> runner) {
    ++stopping;
    asio::co_spawn(strand, stop_runner(shared_from_this(), std::move(runner)), asio::detached);
  }

  // Applies a new list: stops removed servers, (re)starts added/changed ones, updates the rest in place.
  void apply(std::vector<ServerDefinition> next) {
    std::set<std::string> next_ids;
    for (const auto& d : next) next_ids.insert(d.id);
    for (auto it = runners.begin(); it != runners.end();) {
      if (!next_ids.contains(it->first)) {
        log::info("MCP server {}: removed from the configuration; stopping it", it->first);
        spawn_stop(it->second);
        it = runners.erase(it);
      } else {
        ++it;
      }
    }
    std::vector<std::shared_ptr<ServerRunner>> to_start;
    for (const auto& def : next) {
      auto it = runners.find(def.id);
      if (it != runners.end()) {
        const auto& old = it->second->definition();
        if (old.same_connection(def) && old.enabled == def.enabled) {
          it->second->set_definition(def);
          continue;
        }
        log::info("MCP server {}: definition changed; restarting it", def.id);
        auto replacement = make_runner(def);
        replacement->inherit_tools(it->second->tools());
        spawn_stop(it->second);
        it->second = replacement;
        to_start.push_back(replacement);
      } else {
        auto runner = make_runner(def);
        runners[def.id] = runner;
        to_start.push_back(runner);
      }
    }
    definitions = std::move(next);
    for (auto& r : to_start) r->start();
    rebuild();
  }

  asio::awaitable<void> wait_settled(Clock::time_point deadline) {
    for (;;) {
      bool settled = true;
      for (const auto& [id, runner] : runners) settled = settled && runner->settled();
      if (settled || Clock::now() >= deadline) co_return;
      co_await runners_changed.wait_until(deadline);
    }
  }

  // Under the apply lock: persists a changed list and applies it; the error to answer when it cannot.
  std::optional<Error> save_and_apply(std::vector<ServerDefinition> servers) {
    if (!read_before_change()) {
      log::error("Cannot save the MCP server definitions: the stored list cannot be read");
      return Error::internal();
    }
    if (auto error = store.save(servers)) {
      log::error("Cannot save the MCP server definitions: {}", *error);
      return Error::internal();
    }
    apply(std::move(servers));
    return std::nullopt;
  }

  // Until the servers of start-up settled or its wait is over (exposed_tools()).
  asio::awaitable<void> wait_startup() {
    for (;;) {
      Clock::time_point deadline;
      {
        std::lock_guard lock(snapshot_mutex);
        if (startup_settled || Clock::now() >= startup_deadline) co_return;
        deadline = startup_deadline;
      }
      co_await runners_changed.wait_until(deadline);
    }
  }
};

ToolAggregator::ToolAggregator(asio::io_context& ioc, AggregatorOptions options,
                               TransportEnvironment environment, DefinitionsStore& store)
    : impl_(std::make_shared<Impl>(ioc, options, std::move(environment), store)) {}

ToolAggregator::~ToolAggregator() = default;

namespace {

asio::awaitable<void> reload_on_strand(std::shared_ptr<ToolAggregator::Impl> impl);

void start_on_strand(std::shared_ptr<ToolAggregator::Impl> impl) {
  auto loaded = impl->store.load();
  for (const auto& p : loaded.problems) log::warn("{}", p);
  {
    std::lock_guard lock(impl->snapshot_mutex);
    impl->startup_deadline = Clock::now() + impl->options.apply_wait;
    impl->startup_settled = false;
  }
  impl->apply(std::move(loaded.servers));
  impl->definitions_unread = loaded.unavailable;
  if (loaded.unavailable) asio::co_spawn(impl->strand, reload_on_strand(impl), asio::detached);
}

// Another replica saved new definitions (§5.5): read them and apply them like a PUT would, without saving.
// A read that fails changes nothing and is tried again until it succeeds.
asio::awaitable<void> reload_on_strand(std::shared_ptr<ToolAggregator::Impl> impl) {
  if (impl->reload_retrying) co_return;  // that loop reads the newest document when the database is back
  for (;;) {
    if (impl->shutting_down) co_return;
    bool unavailable = false;
    {
      const auto guard = co_await impl->apply_lock.acquire();
      auto loaded = impl->store.load();
      for (const auto& p : loaded.problems) log::warn("{}", p);
      if (!impl->shutting_down && !loaded.unavailable) impl->apply(std::move(loaded.servers));
      impl->definitions_unread = unavailable = loaded.unavailable;
    }
    if (!unavailable) co_return;
    impl->reload_retrying = true;
    co_await sleep_for(std::chrono::seconds(1));
    impl->reload_retrying = false;
  }
}

asio::awaitable<void> stop_on_strand(std::shared_ptr<ToolAggregator::Impl> impl) {
  impl->shutting_down = true;
  for (auto& [id, runner] : impl->runners) {
    impl->spawn_stop(runner);
  }
  impl->runners.clear();
  while (impl->stopping > 0) co_await impl->runner_stopped.wait_until();
}

asio::awaitable<ToolCallOutcome> call_on_strand(std::shared_ptr<ToolAggregator::Impl> impl,
                                                std::string qualified, bj::object arguments,
                                                CancelSignal* cancel,
                                                std::shared_ptr<ElicitationHandler> elicitation) {
  std::string server_id, tool_name;
  {
    std::lock_guard lock(impl->snapshot_mutex);
    for (const auto& t : *impl->exposed) {
      if (t.qualified_name == qualified) {
        server_id = t.server_id;
        tool_name = t.tool_name;
        break;
      }
    }
  }
  if (server_id.empty()) co_return tool_error("Unknown tool: " + qualified);
  auto it = impl->runners.find(server_id);
  if (it == impl->runners.end()) co_return tool_error("Unknown tool: " + qualified);
  auto runner = it->second;
  // The server's requests for input during this call go to the turn that made it: directly when they come on
  // the call's own response stream, else through the router (the most recent call on that server).
  auto route = impl->elicitation_router->route(server_id, elicitation);
  // A turn that cannot answer still owns its call's questions: they are declined, never shown to another
  // turn.
  if (!elicitation) elicitation = std::make_shared<DecliningElicitation>();
  const auto started = std::chrono::steady_clock::now();
  auto result = co_await runner->call_tool(tool_name, std::move(arguments), impl->options.tool_timeout,
                                           cancel, std::move(elicitation));
  const auto status = cancel && cancel->cancelled()          ? metrics::ToolStatus::cancelled
                      : (!result || result.value().is_error) ? metrics::ToolStatus::error
                                                             : metrics::ToolStatus::finished;
  metrics::global().tool_call(
      server_id, tool_name, status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!result) co_return tool_error(result.error().message);
  ToolCallOutcome out;
  out.is_error = result.value().is_error;
  out.content = std::move(result.value().content);
  out.structured_content = std::move(result.value().structured_content);
  ToolCallResult for_text{out.is_error, out.content, out.structured_content};
  out.text = render_tool_result_text(for_text);
  out.truncated = cap_tool_result_text(out.text, impl->options.tool_result_max_bytes);
  co_return out;
}

asio::awaitable<void> wait_startup_on_strand(std::shared_ptr<ToolAggregator::Impl> impl) {
  co_await impl->wait_startup();
}

asio::awaitable<bj::object> status_on_strand(std::shared_ptr<ToolAggregator::Impl> impl) {
  co_return impl->status_json();
}

asio::awaitable<Result<bj::object>> replace_on_strand(std::shared_ptr<ToolAggregator::Impl> impl,
                                                      std::vector<ServerDefinition> servers,
                                                      bool reject_unknown) {
  if (auto problem = definition_list_problem(servers, reject_unknown)) co_return *problem;
  {
    const auto guard = co_await impl->apply_lock.acquire();
    if (auto error = impl->save_and_apply(std::move(servers))) co_return *error;
  }
  co_await impl->wait_settled(Clock::now() + impl->options.apply_wait);
  co_return impl->status_json();
}

asio::awaitable<Result<bj::object>> patch_on_strand(std::shared_ptr<ToolAggregator::Impl> impl,
                                                    std::string id, bj::value body) {
  {
    const auto guard = co_await impl->apply_lock.acquire();
    if (!impl->read_before_change()) {
      log::error("Cannot change MCP server {}: the stored definitions cannot be read", id);
      co_return Error::internal();
    }
    auto servers = impl->definitions;
    auto it =
        std::find_if(servers.begin(), servers.end(), [&](const ServerDefinition& d) { return d.id == id; });
    if (it == servers.end()) co_return Error::not_found("Unknown MCP server id: " + id);
    auto patched = apply_patch(*it, body);
    if (!patched) co_return patched.error();
    *it = std::move(*patched);
    if (auto error = impl->save_and_apply(std::move(servers))) co_return *error;
  }
  co_await impl->wait_settled(Clock::now() + impl->options.apply_wait);
  co_return impl->status_json();
}

asio::awaitable<Result<bj::object>> overlay_on_strand(std::shared_ptr<ToolAggregator::Impl> impl,
                                                      std::vector<ServerDefinition> overriding) {
  {
    const auto guard = co_await impl->apply_lock.acquire();
    if (!impl->read_before_change()) {
      log::error("Cannot save the MCP server definitions: the stored list cannot be read");
      co_return Error::internal();
    }
    // Under the lock, so that a change made meanwhile is not lost.
    auto servers = impl->definitions;
    std::erase_if(servers, [&](const ServerDefinition& d) {
      return std::any_of(overriding.begin(), overriding.end(),
                         [&](const ServerDefinition& o) { return o.id == d.id; });
    });
    servers.insert(servers.end(), overriding.begin(), overriding.end());
    if (auto problem = definition_list_problem(servers, false)) co_return *problem;
    if (auto error = impl->save_and_apply(std::move(servers))) co_return *error;
  }
  co_await impl->wait_settled(Clock::now() + impl->options.apply_wait);
  co_return impl->status_json();
}

asio::awaitable<bj::object> refresh_on_strand(std::shared_ptr<ToolAggregator::Impl> impl) {
  std::vector<std::shared_ptr<ServerRunner>> runners;
  for (const auto& [id, r] : impl->runners) runners.push_back(r);
  for (const auto& r : runners) {
    if (r->state() == ServerState::connected) {
      co_await r->refresh_tools();
    } else {
      r->retry_now();
    }
  }
  impl->rebuild();
  co_await impl->wait_settled(Clock::now() + impl->options.apply_wait);
  co_return impl->status_json();
}

asio::awaitable<Result<ToolAggregator::AuthorizationTarget>> authorization_target_on_strand(
    std::shared_ptr<ToolAggregator::Impl> impl, std::string server_id) {
  using R = Result<ToolAggregator::AuthorizationTarget>;
  const ServerDefinition* def = nullptr;
  for (const auto& d : impl->definitions) {
    if (d.id == server_id) def = &d;
  }
  if (def == nullptr) co_return R(Error::not_found("Unknown MCP server id: " + server_id));
  if (!def->url) {
    co_return R(Error::invalid_content(
        "MCP server '" + server_id + "' is not a remote (url) server; only those are authorized with OAuth"));
  }
  ToolAggregator::AuthorizationTarget target;
  target.url = *def->url;
  if (def->oauth) {
    auto client = oauth_client_settings(*def, impl->environment);
    if (!client)
      co_return R(Error::invalid_content("MCP server '" + server_id + "': " + client.error().message));
    target.client = std::move(client.value());
  }
  if (auto it = impl->runners.find(server_id); it != impl->runners.end()) {
    target.hint = it->second->authorization_hint();
  }
  co_return target;
}

}  // namespace

asio::awaitable<Result<ToolAggregator::AuthorizationTarget>> ToolAggregator::authorization_target(
    std::string server_id) {
  co_return co_await asio::co_spawn(
      impl_->strand, authorization_target_on_strand(impl_, std::move(server_id)), asio::use_awaitable);
}

void ToolAggregator::retry_server(std::string server_id) {
  asio::post(impl_->strand, [impl = impl_, id = std::move(server_id)] {
    if (auto it = impl->runners.find(id); it != impl->runners.end()) it->second->retry_now();
  });
}

void ToolAggregator::start() {
  asio::post(impl_->strand, [impl = impl_] { start_on_strand(impl); });
}

void ToolAggregator::reload_definitions() {
  asio::co_spawn(impl_->strand, reload_on_strand(impl_), asio::detached);
}

asio::awaitable<void> ToolAggregator::stop() {
  co_await asio::co_spawn(impl_->strand, stop_on_strand(impl_), asio::use_awaitable);
}

asio::awaitable<std::vector<ExposedTool>> ToolAggregator::exposed_tools() {
  {
    std::lock_guard lock(impl_->snapshot_mutex);
    if (impl_->startup_settled || Clock::now() >= impl_->startup_deadline) co_return *impl_->exposed;
  }
  // Only the turns of the first seconds after start-up come here: they wait on the strand for the servers.
  co_await asio::co_spawn(impl_->strand, wait_startup_on_strand(impl_), asio::use_awaitable);
  std::lock_guard lock(impl_->snapshot_mutex);
  co_return *impl_->exposed;
}

asio::awaitable<ToolCallOutcome> ToolAggregator::call_tool(std::string qualified_name, bj::object arguments,
                                                           CancelSignal* cancel,
                                                           std::shared_ptr<ElicitationHandler> elicitation) {
  co_return co_await asio::co_spawn(
      impl_->strand,
      call_on_strand(impl_, std::move(qualified_name), std::move(arguments), cancel, std::move(elicitation)),
      asio::use_awaitable);
}

asio::awaitable<bj::object> ToolAggregator::status() {
  co_return co_await asio::co_spawn(impl_->strand, status_on_strand(impl_), asio::use_awaitable);
}

std::vector<ServerDefinition> ToolAggregator::definitions() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->definitions_copy;
}

asio::awaitable<Result<bj::object>> ToolAggregator::replace_definitions(std::vector<ServerDefinition> servers,
                                                                        bool reject_unknown_modules) {
  co_return co_await asio::co_spawn(impl_->strand,
                                    replace_on_strand(impl_, std::move(servers), reject_unknown_modules),
                                    asio::use_awaitable);
}

asio::awaitable<Result<bj::object>> ToolAggregator::patch_definition(std::string server_id, bj::value body) {
  co_return co_await asio::co_spawn(
      impl_->strand, patch_on_strand(impl_, std::move(server_id), std::move(body)), asio::use_awaitable);
}

asio::awaitable<Result<bj::object>> ToolAggregator::overlay_definitions(
    std::vector<ServerDefinition> servers) {
  co_return co_await asio::co_spawn(impl_->strand, overlay_on_strand(impl_, std::move(servers)),
                                    asio::use_awaitable);
}

asio::awaitable<bj::object> ToolAggregator::refresh() {
  co_return co_await asio::co_spawn(impl_->strand, refresh_on_strand(impl_), asio::use_awaitable);
}

}  // namespace parley::mcp
