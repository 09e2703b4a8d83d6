// GET /health and GET /favicon.ico.
#include <boost/json.hpp>

#include "api/responses.hpp"
#include "api/system_routes.hpp"
#include "chat/conversation_service.hpp"
#include "core/clock.hpp"
#include "settings/settings_service.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> get_health(HealthRoutes& ctx, net::Request&) {
  boost::json::array warnings;
  if (ctx.config.openrouter_api_key.empty()) {
    warnings.emplace_back(
        "OPENROUTER_API_KEY is not set; chat is unavailable until it is set in the environment or in .env");
  }
  for (auto& w : ctx.warnings.list()) warnings.emplace_back(w);
  const bool db_ok = co_await ctx.conversations.store_answers(std::chrono::seconds(2));
  if (!db_ok)
    warnings.emplace_back(
        "The database did not answer within 2 seconds; check that it is running and reachable");
  boost::json::value tls;
  if (ctx.tls) {
    const auto info = ctx.tls->info();
    const auto now = std::chrono::system_clock::now();
    if (auto w = net::expiry_warning(info, now); !w.empty()) warnings.emplace_back(w);
    boost::json::array names;
    for (const auto& n : info.names) names.emplace_back(n);
    tls = boost::json::object{
        {"certificate_expires_at", format_iso_utc_z(info.not_after)},
        {"certificate_days_left", net::days_left(info, now)},
        {"certificate_subject", info.subject},
        {"certificate_names", std::move(names)},
        {"certificate_sha256", info.sha256_fingerprint},
    };
  }
  boost::json::object body{
      {"status", db_ok ? "ok" : "error"},
      {"default_model", ctx.config.default_model},
      {"active_model", ctx.settings.model_settings().model},
      {"version", PARLEY_VERSION},
      {"database", ctx.config.database_kind == DatabaseKind::postgres ? "postgres" : "sqlite"},
      {"storage", ctx.config.storage},
      {"warnings", std::move(warnings)},
  };
  // Only when HTTPS is served: the spec's fields are unchanged, this one is added.
  if (!tls.is_null()) body["tls"] = std::move(tls);
  auto res = json_response(db_ok ? 200 : 503, body);
  res.headers.set("Cache-Control", "no-store");
  co_return res;
}

boost::asio::awaitable<net::Response> get_favicon(net::Request&) {
  // A 16x16 PNG: a rounded speech bubble in parley's accent colour.
  static const unsigned char icon[] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
      0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0xf3, 0xff,
      0x61, 0x00, 0x00, 0x00, 0x31, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0xa0, 0x16, 0xf0,
      0xcf, 0xfd, 0xfa, 0x9f, 0x14, 0x4c, 0x91, 0x66, 0x0c, 0x43, 0x06, 0x97, 0x01, 0x30, 0x80, 0x8f,
      0x3d, 0xc8, 0x0d, 0x18, 0xa2, 0xb1, 0x40, 0x71, 0x4a, 0xc4, 0x66, 0x08, 0x45, 0xf9, 0x81, 0xa2,
      0x0c, 0xc5, 0x40, 0x6f, 0x00, 0x00, 0xcf, 0x6c, 0xba, 0xa8, 0xc6, 0xc9, 0x70, 0x0f, 0x00, 0x00,
      0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  net::Response res;
  res.headers.set("Content-Type", "image/png");
  res.headers.set("Cache-Control", "public, max-age=86400");
  res.static_body = std::string_view(reinterpret_cast<const char*>(icon), sizeof icon);
  co_return res;
}

}  // namespace parley::api
