#include "api/mcp.hpp"

#include "api/responses.hpp"
#include "mcp/tool_aggregator.hpp"

namespace parley::api {

namespace bj = boost::json;

boost::asio::awaitable<net::Response> get_mcp_servers(McpRoutes& ctx, net::Request&) {
  auto status = co_await ctx.tools.status();
  co_return json_response(200, status);
}

boost::asio::awaitable<net::Response> put_mcp_servers(McpRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  const bj::array* list = nullptr;
  if (!body->is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
  } else if (const auto* servers = body->as_object().if_contains("servers"); servers == nullptr) {
    errors.add("missing", loc({"body", "servers"}), "Field required");
  } else if (!servers->is_array()) {
    errors.add("list_type", loc({"body", "servers"}), "Input should be a valid list");
  } else {
    list = &servers->as_array();
  }
  std::vector<mcp::ServerDefinition> definitions;
  if (list != nullptr) {
    std::size_t index = 0;
    for (const auto& entry : *list) {
      if (auto def = mcp::parse_definition(entry, loc({"body", "servers", index}), errors)) {
        definitions.push_back(std::move(*def));
      }
      ++index;
    }
  }
  if (!errors.empty()) co_return error_response(errors.to_error());
  auto status = co_await ctx.tools.replace_definitions(std::move(definitions), true);
  if (!status) co_return error_response(status.error());
  co_return json_response(200, *status);
}

boost::asio::awaitable<net::Response> patch_mcp_server(McpRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  auto status = co_await ctx.tools.patch_definition(req.path_params["server_id"], std::move(*body));
  if (!status) co_return error_response(status.error());
  co_return json_response(200, *status);
}

boost::asio::awaitable<net::Response> post_mcp_refresh(McpRoutes& ctx, net::Request&) {
  auto status = co_await ctx.tools.refresh();
  co_return json_response(200, status);
}

}  // namespace parley::api
