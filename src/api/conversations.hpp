// The conversation routes (api.md §2.5, §2.6, §8.1–§8.4, §8.9, §8.10): delete a session or messages, list and
// search conversations, read, rename and export one, export all of them, import a file. Parsing and response
// shapes; the ConversationService does the rest.
#pragma once

#include "api/route_contexts.hpp"
#include "net/http_types.hpp"

namespace parley::api {

boost::asio::awaitable<net::Response> delete_session(ConversationRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> delete_session_message(ConversationRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_conversations(ConversationRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_session_messages(ConversationRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> patch_session(ConversationRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_session_export(ConversationRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_export_all(ConversationRoutes& ctx, net::Request& req);
boost::asio::awaitable<net::Response> post_import(ConversationRoutes& ctx, net::Request& req);

}  // namespace parley::api
