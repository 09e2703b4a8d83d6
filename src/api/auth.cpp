// POST /api/auth/login, POST /api/auth/logout, GET /api/auth/status (api.md §8.8).
#include <boost/json.hpp>

#include "api/responses.hpp"
#include "api/system_routes.hpp"

namespace parley::api {

namespace {

bool secure_request(const AuthRoutes& ctx, const net::Request& req) {
  return req.scheme == "https" || ctx.config.public_url.starts_with("https:");
}

}  // namespace

boost::asio::awaitable<net::Response> post_login(AuthRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  std::string password;
  if (!body->is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
  } else {
    const auto& obj = body->as_object();
    for (const auto& kv : obj) {
      if (kv.key() != "password")
        errors.add("extra_forbidden", loc({"body", kv.key()}), "Extra inputs are not permitted");
    }
    if (const auto* p = obj.if_contains("password"); !p) {
      errors.add("missing", loc({"body", "password"}), "Field required");
    } else if (!p->is_string()) {
      errors.add("string_type", loc({"body", "password"}), "Input should be a valid string");
    } else {
      password = std::string(p->as_string());
    }
  }
  if (!errors.empty()) co_return error_response(errors.to_error());

  const auto outcome = co_await ctx.auth.try_login(std::move(password), req.remote_address,
                                                   std::string(req.header("User-Agent")));
  switch (outcome.kind) {
    case auth::LoginOutcome::Kind::no_auth:
      co_return json_response(200, boost::json::object{{"authenticated", true}, {"auth_required", false}});
    case auth::LoginOutcome::Kind::rate_limited: {
      auto res = error_response(429, "Too many login attempts; try again later");
      res.headers.set("Retry-After", std::to_string(outcome.retry_after_seconds));
      co_return res;
    }
    case auth::LoginOutcome::Kind::invalid:
      co_return error_response(401, "Invalid password");
    case auth::LoginOutcome::Kind::ok:
      break;
  }
  auto res = json_response(200, boost::json::object{{"authenticated", true}, {"auth_required", true}});
  res.headers.set("Set-Cookie", ctx.auth.session_cookie(outcome.token, secure_request(ctx, req)));
  res.headers.set("Cache-Control", "no-store");
  co_return res;
}

boost::asio::awaitable<net::Response> post_logout(AuthRoutes& ctx, net::Request& req) {
  co_await ctx.auth.end_session(std::string(req.header("Cookie")));
  auto res = net::Response::no_content();
  res.headers.set("Set-Cookie", ctx.auth.expired_cookie(secure_request(ctx, req)));
  co_return res;
}

boost::asio::awaitable<net::Response> get_auth_status(AuthRoutes& ctx, net::Request& req) {
  const bool required = ctx.auth.configured();
  bool authenticated = true;
  if (required) {
    authenticated =
        co_await ctx.auth.check(std::string(req.header("Authorization")), std::string(req.header("Cookie")));
  }
  auto res =
      json_response(200, boost::json::object{{"auth_required", required}, {"authenticated", authenticated}});
  res.headers.set("Cache-Control", "no-store");
  co_return res;
}

}  // namespace parley::api
