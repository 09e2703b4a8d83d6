#include "net/router.hpp"

#include <gtest/gtest.h>

using namespace parley::net;

namespace {

Handler noop() {
  return [](Request&) -> boost::asio::awaitable<Response> { co_return Response{}; };
}

Router presets_router() {
  Router r;
  r.add({"GET", "/api/presets", noop()});
  r.add({"GET", "/api/presets/", noop()});
  r.add({"GET", "/api/presets/default", noop()});
  r.add({"GET", "/api/presets/{name}", noop()});
  r.add({"PUT", "/api/presets/{name}", noop()});
  r.add({"DELETE", "/api/presets/{name}", noop()});
  r.add({"POST", "/api/mcp/servers/refresh", noop()});
  r.add({"PATCH", "/api/mcp/servers/{server_id}", noop()});
  r.add({"GET", "/api/files/{key...}", noop()});
  return r;
}

}  // namespace

TEST(Router, LiteralSegmentBeatsParameter) {
  auto r = presets_router();
  auto m = r.match("GET", "/api/presets/default");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->pattern, "/api/presets/default");
  m = r.match("GET", "/api/presets/mine");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->pattern, "/api/presets/{name}");
  EXPECT_EQ(m.params.at("name"), "mine");
}

TEST(Router, OtherMethodsOnLiteralPathFallBackToParameterRoute) {
  auto r = presets_router();
  auto m = r.match("PUT", "/api/presets/default");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->pattern, "/api/presets/{name}");
  EXPECT_EQ(m.params.at("name"), "default");
  m = r.match("PATCH", "/api/mcp/servers/refresh");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.params.at("server_id"), "refresh");
}

TEST(Router, SlashFormsAreDistinctPaths) {
  auto r = presets_router();
  EXPECT_EQ(r.match("GET", "/api/presets/").route->pattern, "/api/presets/");
  EXPECT_EQ(r.match("GET", "/api/presets").route->pattern, "/api/presets");
  EXPECT_EQ(r.match("GET", "/api/presets/a/").kind, RouteMatch::Kind::not_found);
}

TEST(Router, ParametersArePercentDecodedPerSegment) {
  auto r = presets_router();
  auto m = r.match("GET", "/api/presets/a%2Fb%20c");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.params.at("name"), "a/b c");
  EXPECT_EQ(r.match("GET", "/api/presets/bad%zz").kind, RouteMatch::Kind::bad_path);
  EXPECT_EQ(r.match("GET", "/api/presets/trunc%4").kind, RouteMatch::Kind::bad_path);
}

TEST(Router, TailParameterTakesTheRestOfThePath) {
  auto r = presets_router();
  auto m = r.match("GET", "/api/files/sess/abc__my%20file.png");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.params.at("key"), "sess/abc__my file.png");
  EXPECT_EQ(r.match("GET", "/api/files/").kind, RouteMatch::Kind::not_found);
}

TEST(Router, WrongMethodGives405WithAllowList) {
  auto r = presets_router();
  auto m = r.match("POST", "/api/presets/x");
  ASSERT_EQ(m.kind, RouteMatch::Kind::method_not_allowed);
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD, PUT");
  EXPECT_EQ(r.match("DELETE", "/api/presets/default").kind, RouteMatch::Kind::found);
}

TEST(Router, HeadMatchesGetRoutes) {
  auto r = presets_router();
  auto m = r.match("HEAD", "/api/presets");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->method, "GET");
}

TEST(Router, UnknownPathIsNotFound) {
  auto r = presets_router();
  EXPECT_EQ(r.match("GET", "/api/nothing").kind, RouteMatch::Kind::not_found);
  EXPECT_EQ(r.match("GET", "").kind, RouteMatch::Kind::not_found);
}
