#include "api/api_keys.hpp"

#include "api/responses.hpp"
#include "keys/api_key_service.hpp"

namespace parley::api {

namespace bj = boost::json;

boost::asio::awaitable<net::Response> get_api_keys(ApiKeyRoutes& ctx, net::Request&) {
  bj::array list;
  const auto keys = co_await ctx.keys.list_async();
  for (const auto& k : keys) list.push_back(k.to_json());
  co_return json_response(200, bj::object{{"keys", std::move(list)}});
}

boost::asio::awaitable<net::Response> post_api_key(ApiKeyRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  auto request = keys::parse_new_api_key(*body);
  if (!request) co_return error_response(request.error());
  auto created = co_await ctx.keys.create_async(std::move(*request));
  auto entry = created.key.to_json();
  entry["key"] = created.secret;
  auto res = json_response(201, entry);
  res.headers.set("Cache-Control", "no-store");
  res.carries_credential = true;  // shown once, on purpose
  co_return res;
}

boost::asio::awaitable<net::Response> delete_api_key(ApiKeyRoutes& ctx, net::Request& req) {
  auto id = req.path_params.at("key_id");
  if (!co_await ctx.keys.revoke_async(std::move(id)))
    co_return error_response(404, "API key not found or already revoked");
  co_return net::Response::no_content();
}

}  // namespace parley::api
