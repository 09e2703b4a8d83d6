// Target P6 of spec/performance.md, first half: the round trip of a built-in MCP tool call over stdio,
// through parley's own MCP client (McpSession + stdio transport) to `parley mcp-server calculator`. Not a
// test.
//
//   mcp_bench [--parley PATH] [--calls N]
// Prints one JSON object: per request kind (ping, tools/list, tools/call) the samples' median, p90, p99 and
// max in milliseconds, and the start-up time of the session (spawn + initialize).
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "mcp/session.hpp"
#include "mcp/transport_factory.hpp"
#include "net/http_client.hpp"

namespace asio = boost::asio;
namespace bj = boost::json;
using namespace parley;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bj::object stats(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  auto at = [&](double p) {
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(xs.size())));
    return xs[std::min(xs.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  return {{"count", xs.size()},
          {"median_ms", at(0.5)},
          {"p90_ms", at(0.9)},
          {"p99_ms", at(0.99)},
          {"max_ms", xs.back()}};
}

struct Run {
  bj::object out;
  std::string error;
};

asio::awaitable<void> measure(asio::any_io_executor strand, net::HttpClient* http, mcp::ServerDefinition def,
                              mcp::TransportEnvironment* env, int calls, Run* run) {
  const auto spawned = Clock::now();
  auto transport = mcp::make_transport(strand, *http, def, *env);
  if (!transport) {
    run->error = transport.error().message;
    co_return;
  }
  auto session = std::make_shared<mcp::McpSession>(strand, def.id, transport.value());
  auto started = co_await session->start({}, std::chrono::seconds(30));
  if (!started) {
    run->error = started.error().message;
    co_await session->close();
    co_return;
  }
  run->out["start_ms"] = ms_since(spawned);
  const auto timeout = std::chrono::seconds(10);
  std::vector<double> ping, list, call, expression;
  // Named, not literals in the co_await expressions (g++ 12 cannot keep those in a coroutine frame).
  const std::string evaluate_tool = "calculator_evaluate";
  const std::string expression_tool = "calculator_expression";
  for (int i = 0; i < calls + 50; ++i) {  // the first 50 of each warm up and are not counted
    const bool counted = i >= 50;
    auto t = Clock::now();
    auto p = co_await session->ping(timeout);
    if (counted) ping.push_back(ms_since(t));
    t = Clock::now();
    auto tools = co_await session->list_tools(timeout);
    if (counted) list.push_back(ms_since(t));
    t = Clock::now();
    bj::object add{{"operation", "add"}, {"a", i}, {"b", 0.5}};
    auto result = co_await session->call_tool(evaluate_tool, std::move(add), timeout, nullptr);
    if (counted) call.push_back(ms_since(t));
    t = Clock::now();
    bj::object formula{{"expression", "(2 + 3) * -1.5 ^ 2 + " + std::to_string(i)}};
    auto evaluated = co_await session->call_tool(expression_tool, std::move(formula), timeout, nullptr);
    if (counted) expression.push_back(ms_since(t));
    if (!p || !tools || !result || !evaluated || result.value().is_error || evaluated.value().is_error) {
      run->error = "request " + std::to_string(i) + " failed";
      break;
    }
    if (i == 0) run->out["tools"] = tools.value().size();
    if (i == 1) run->out["sample_result"] = result.value().content;
  }
  co_await session->close();
  if (!run->error.empty()) co_return;
  run->out["ping"] = stats(ping);
  run->out["tools_list"] = stats(list);
  run->out["tools_call"] = stats(call);
  run->out["tools_call_expression"] = stats(expression);
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path parley = std::filesystem::canonical("/proc/self/exe").parent_path() / "parley";
  int calls = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--parley") parley = argv[i + 1];
    if (flag == "--calls") calls = std::max(1, std::stoi(argv[i + 1]));
  }
  const auto home = std::filesystem::temp_directory_path() / "parley-mcp-bench";
  std::filesystem::create_directories(home);
  auto env = mcp::TransportEnvironment::from_process(home);
  env.parley_executable = parley;
  mcp::ServerDefinition def;
  def.id = "calculator";
  def.command = {parley.string(), "mcp-server", "calculator"};

  asio::io_context ioc;
  net::HttpClient http(ioc);
  auto strand = asio::make_strand(ioc);
  Run run;
  asio::co_spawn(strand, measure(strand, &http, def, &env, calls, &run), asio::detached);
  ioc.run();
  if (!run.error.empty()) {
    std::cerr << "mcp_bench: " << run.error << "\n";
    return 1;
  }
  run.out["server"] = bj::array{parley.string(), "mcp-server", "calculator"};
  run.out["calls"] = calls;
  std::cout << bj::serialize(run.out) << "\n";
  return 0;
}
