// POST /api/google-auth/authorize, GET /api/google-auth/callback, GET /api/google-auth/status/{user_email}
// (api.md §2.20); DELETE /api/google-auth/status/{user_email} and GET /api/google-auth/config for the web UI.
#include "api/google_auth.hpp"

#include <boost/json.hpp>

#include "api/responses.hpp"
#include "blob/canonical_text.hpp"
#include "core/log.hpp"
#include "google/google_auth.hpp"
#include "google/oauth_client.hpp"

namespace parley::api {

namespace {

// FRONTEND_URL with exactly one trailing '/', then the query.
net::Response redirect_to_frontend(const Config& config,
                                   const std::vector<std::pair<std::string, std::string>>& query) {
  std::string base = config.frontend_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string location = base + "/?";
  bool first = true;
  for (const auto& [k, v] : query) {
    if (!first) location += '&';
    first = false;
    location += k + "=" + blob::uri_encode(v, false);
  }
  net::Response res;
  res.status = 307;
  res.headers.set("Location", location);
  res.headers.set("Cache-Control", "no-store");
  return res;
}

}  // namespace

boost::asio::awaitable<net::Response> post_google_authorize(GoogleAuthRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  std::string email;
  std::optional<std::string> redirect;
  if (!body->is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
  } else {
    const auto& o = body->as_object();
    if (const auto* e = o.if_contains("user_email"); e == nullptr) {
      errors.add("missing", loc({"body", "user_email"}), "Field required");
    } else if (!e->is_string()) {
      errors.add("string_type", loc({"body", "user_email"}), "Input should be a valid string");
    } else {
      email = std::string(e->as_string());
    }
    if (const auto* r = o.if_contains("redirect_uri"); r != nullptr && !r->is_null()) {
      if (!r->is_string())
        errors.add("string_type", loc({"body", "redirect_uri"}), "Input should be a valid string");
      else
        redirect = std::string(r->as_string());
    }
  }
  if (!errors.empty()) co_return error_response(errors.to_error());
  auto url = ctx.auth.authorization_url(email, redirect);
  if (!url) co_return error_response(500, "Failed to create authorization URL: " + url.error().message);
  co_return json_response(200, boost::json::object{{"auth_url", *url}});
}

boost::asio::awaitable<net::Response> get_google_callback(GoogleAuthRoutes& ctx, net::Request& req) {
  if (auto error = req.query_param("error"))
    co_return redirect_to_frontend(ctx.config, {{"auth_error", *error}});
  const auto code = req.query_param("code");
  const auto state = req.query_param("state");
  if (!code || !state) {
    ValidationErrors errors;
    if (!code) errors.add("missing", loc({"query", "code"}), "Field required");
    if (!state) errors.add("missing", loc({"query", "state"}), "Field required");
    co_return error_response(errors.to_error());
  }
  auto email = co_await ctx.auth.complete_authorization(*code, *state);
  if (!email) {
    log::warn("Google authorization callback failed: {}", email.error().message);
    co_return redirect_to_frontend(ctx.config, {{"auth_error", email.error().message}});
  }
  co_return redirect_to_frontend(ctx.config, {{"auth_success", "true"}, {"email", *email}});
}

boost::asio::awaitable<net::Response> get_google_status(GoogleAuthRoutes& ctx, net::Request& req) {
  const auto email = req.path_params["user_email"];
  auto status = co_await ctx.auth.status(email);
  if (!status)
    co_return error_response(500, "Failed to check authorization status: " + status.error().message);
  if (!status->authorized) co_return json_response(200, boost::json::object{{"authorized", false}});
  co_return json_response(
      200, boost::json::object{
               {"authorized", true},
               {"expires_at", status->expires_at ? boost::json::value(format_iso_utc_z(*status->expires_at))
                                                 : boost::json::value(nullptr)}});
}

boost::asio::awaitable<net::Response> delete_google_authorization(GoogleAuthRoutes& ctx, net::Request& req) {
  const auto email = req.path_params["user_email"];
  auto removed = co_await ctx.auth.disconnect(email);
  if (!removed)
    co_return error_response(500, "Failed to remove the authorization: " + removed.error().message);
  co_return net::Response::no_content();
}

boost::asio::awaitable<net::Response> get_google_config(GoogleAuthRoutes& ctx, net::Request&) {
  const auto client = google::load_oauth_client(ctx.config.home);
  boost::json::object out{
      {"client_configured", client.client.has_value()},
      {"default_user_email", ctx.config.google_default_user_email.empty()
                                 ? boost::json::value(nullptr)
                                 : boost::json::value(ctx.config.google_default_user_email)},
      {"redirect_uri", ctx.config.google_oauth_redirect_uri}};
  if (!client.client) out["problem"] = client.error;
  co_return json_response(200, out);
}

}  // namespace parley::api
