// What a request no route matches gets (405 with Allow, a JSON 404 on paths the UI never serves, the UI on
// page paths), and a handler that throws: 500, reported to the policy.
#include "net/request_dispatch.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace parley::net;
namespace asio = boost::asio;

class FailurePolicy final : public RequestPolicy {
 public:
  asio::awaitable<std::optional<Response>> before(Request&, const RouteMatch&) override {
    co_return std::nullopt;
  }
  void after(const Request&, Response&) override {}
  void completed(const Request&, int, std::chrono::steady_clock::duration) override {}
  void failed(const Request& req, const std::exception& e) override {
    failures.push_back(req.route_template + ": " + e.what());
  }
  void client_left(const Request&) override {}
  std::vector<std::string> failures;
};

asio::awaitable<Response> throwing_route(Request&) {
  throw std::logic_error("handler bug");
  co_return Response::no_content();
}

asio::awaitable<Response> named_route(Request& req) {
  co_return Response::json(200, "\"" + req.path_params["name"] + "\"");
}

const std::vector<std::string> kNonUi = {"/api", "/api/", "/health"};

class Dispatch : public ::testing::Test {
 protected:
  Dispatch() {
    router_.add(RouteSpec{"GET", "/api/boom", throwing_route, BodyPolicy::ignored, Access::open});
    router_.add(RouteSpec{"GET", "/api/things/{name}", named_route, BodyPolicy::ignored, Access::open});
    options_.non_ui_paths = kNonUi;
  }

  Response dispatch(const std::string& method, const std::string& path) {
    Request req;
    req.method = method;
    req.path = path;
    RouteMatch match = router_.match(method, path);
    if (match.route) req.route_template = match.route->pattern;
    asio::io_context ioc;
    auto result = asio::co_spawn(ioc, run(req, match), asio::use_future);
    ioc.run();
    return result.get();
  }

  asio::awaitable<Response> run(Request& req, RouteMatch& match) {
    co_return co_await dispatch_request(req, match, options_, ui_, policy_);
  }

  Router router_;
  ServerOptions options_;
  StaticFiles ui_ = StaticFiles::from_embedded({});
  FailurePolicy policy_;
};

TEST(NonUiPaths, PrefixEntriesEndInASlashOthersMatchExactly) {
  EXPECT_TRUE(is_non_ui_path("/api", kNonUi));
  EXPECT_TRUE(is_non_ui_path("/api/", kNonUi));
  EXPECT_TRUE(is_non_ui_path("/api/anything/below", kNonUi));
  EXPECT_TRUE(is_non_ui_path("/health", kNonUi));
  EXPECT_FALSE(is_non_ui_path("/health/x", kNonUi));
  EXPECT_FALSE(is_non_ui_path("/apix", kNonUi));
  EXPECT_FALSE(is_non_ui_path("/", kNonUi));
  EXPECT_FALSE(is_non_ui_path("/api", {}));
}

TEST_F(Dispatch, MatchedRouteGetsItsDecodedPathParameters) {
  const auto res = dispatch("GET", "/api/things/a%20b");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "\"a b\"");
}

TEST_F(Dispatch, HandlerExceptionIsA500ReportedToThePolicy) {
  const auto res = dispatch("GET", "/api/boom");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body, R"({"detail":"Internal Server Error"})");
  EXPECT_EQ(policy_.failures, std::vector<std::string>{"/api/boom: handler bug"});
}

TEST_F(Dispatch, WrongMethodOnARouteIs405WithAllow) {
  const auto res = dispatch("DELETE", "/api/things/x");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers.get("Allow").value_or(""), "GET, HEAD");
}

TEST_F(Dispatch, UnknownNonUiPathIsAJson404AndAPagePathIsTheUi) {
  const auto api = dispatch("GET", "/api/nothing-here");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.headers.get("Content-Type").value_or(""), "application/json");
  const auto page = dispatch("GET", "/settings/models");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.headers.get("Content-Type").value_or("").find("text/html"), std::string::npos);
}

TEST_F(Dispatch, NonGetOnAPagePathIs405) {
  const auto res = dispatch("POST", "/settings");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers.get("Allow").value_or(""), "GET, HEAD");
}

}  // namespace
