// GET /metrics (api.md §8.6): the Prometheus text exposition of core/metrics, behind the same authentication
// as /api (api/http_policy.cpp).
#include "core/metrics.hpp"
#include "api/responses.hpp"
#include "api/system_routes.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_metrics(HealthRoutes& ctx, net::Request&) {
  // The process gauges are read from /proc/self: file reads, on the blocking pool.
  // (No co_await inside a conditional expression: GCC 12 miscompiles that in coroutines.)
  std::string text;
  if (ctx.blocking)
    text = co_await ctx.blocking->run([] { return metrics::global().exposition(); });
  else
    text = metrics::global().exposition();
  net::Response res;
  res.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  res.headers.set("Cache-Control", "no-store");
  res.body = std::move(text);
  co_return res;
}

}  // namespace parley::api
