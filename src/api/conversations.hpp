// The conversation routes (api.md §2.5, §2.6, §8.1–§8.4): delete a session or messages, list and search
// conversations, read, rename and export one.
#pragma once

#include <boost/json/array.hpp>
#include <optional>
#include <string>

#include "api/context.hpp"
#include "net/http_types.hpp"
#include "store/repository.hpp"
#include "store/stored_message_object.hpp"

namespace parley::api {

// One conversation with its stored message objects (§8.2, §8.4).
struct History {
  store::Conversation conversation;
  std::optional<std::string> title;  // custom or derived
  boost::json::array messages;       // stored message objects
};

// nullopt for an unknown session.
std::optional<History> load_history(store::Repository* repo, const store::AttachmentSigner& signer,
                                    const std::string& session_id, const store::MessageRange& range);
boost::json::object history_object(History& history);

// The serialized 200 body of GET /api/chat/session/{id}/messages (§8.2), as the route sends it; nullopt for
// an unknown session. history_bench measures this function.
std::optional<std::string> session_messages_body(store::Repository* repo,
                                                 const store::AttachmentSigner& signer,
                                                 const std::string& session_id,
                                                 const store::MessageRange& range);

boost::asio::awaitable<net::Response> delete_session(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> delete_session_message(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_conversations(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_session_messages(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> patch_session(ApiContext& ctx, net::Request& req);
boost::asio::awaitable<net::Response> get_session_export(ApiContext& ctx, net::Request& req);

}  // namespace parley::api
