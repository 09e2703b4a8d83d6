// The conversation routes (api.md §2.5, §2.6, §8.1–§8.4): delete a session or messages, list and search
// conversations, read, rename and export one.
#pragma once

#include "api/context.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> delete_session(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> delete_session_message(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_conversations(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_session_messages(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> patch_session(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_session_export(ApiContext& ctx, net::Request& req);

}  // namespace parley::api
