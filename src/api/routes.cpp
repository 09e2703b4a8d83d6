// Every route of parley in one table: method, path, handler, body policy, access (api.md §1).
#include "api/routes.hpp"

#include <type_traits>

#include "api/api_keys.hpp"
#include "api/chat.hpp"
#include "api/conversations.hpp"
#include "api/files.hpp"
#include "api/google_auth.hpp"
#include "api/mcp.hpp"
#include "api/models.hpp"
#include "api/openai.hpp"
#include "api/presets.hpp"
#include "api/settings.hpp"
#include "api/stt.hpp"
#include "api/system_routes.hpp"
#include "api/uploads.hpp"

namespace parley::api {

namespace {

// The group context a handler takes, picked from all of them at compile time.
template <class Context>
Context& context_for(const RouteContexts& c) {
  if constexpr (std::is_same_v<Context, ApiContext>)
    return c.models;
  else if constexpr (std::is_same_v<Context, HealthRoutes>)
    return c.health;
  else if constexpr (std::is_same_v<Context, AuthRoutes>)
    return c.auth;
  else if constexpr (std::is_same_v<Context, ChatRoutes>)
    return c.chat;
  else if constexpr (std::is_same_v<Context, ConversationRoutes>)
    return c.conversations;
  else if constexpr (std::is_same_v<Context, SettingsRoutes>)
    return c.settings;
  else if constexpr (std::is_same_v<Context, PresetRoutes>)
    return c.presets;
  else if constexpr (std::is_same_v<Context, McpRoutes>)
    return c.mcp;
  else if constexpr (std::is_same_v<Context, AttachmentRoutes>)
    return c.attachments;
  else if constexpr (std::is_same_v<Context, SttRoutes>)
    return c.stt;
  else if constexpr (std::is_same_v<Context, OpenAiRoutes>)
    return c.openai;
  else if constexpr (std::is_same_v<Context, ApiKeyRoutes>)
    return c.api_keys;
  else if constexpr (std::is_same_v<Context, GoogleAuthRoutes>)
    return c.google;
  else
    static_assert(!std::is_same_v<Context, Context>, "add the route group's context to RouteContexts");
}

template <class Context>
Context context_of(boost::asio::awaitable<net::Response> (*)(Context&, net::Request&));

template <auto handler>
net::Handler bound(const RouteContexts& contexts) {
  if constexpr (std::is_invocable_v<decltype(handler), net::Request&>) {
    return [](net::Request& req) { return handler(req); };
  } else {
    auto& ctx = context_for<decltype(context_of(handler))>(contexts);
    return [&ctx](net::Request& req) { return handler(ctx, req); };
  }
}

}  // namespace

std::span<const RouteRow> route_table() {
  using net::Access;
  using net::BodyPolicy;
  static const RouteRow rows[] = {
      {"GET", "/health", bound<get_health>, BodyPolicy::ignored, Access::open},
      {"GET", "/favicon.ico", bound<get_favicon>, BodyPolicy::ignored, Access::open},
      {"GET", "/metrics", bound<get_metrics>, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/chat/stream", bound<post_chat_stream>, BodyPolicy::chat, Access::authenticated},
      {"POST", "/api/chat/interactions/{interaction_id}", bound<post_chat_interaction>, BodyPolicy::normal,
       Access::authenticated},
      {"GET", "/api/chat/test-stream", bound<get_test_stream>, BodyPolicy::ignored, Access::authenticated},
      {"DELETE", "/api/chat/session/{session_id}", bound<delete_session>, BodyPolicy::ignored,
       Access::authenticated},
      {"DELETE", "/api/chat/session/{session_id}/messages/{message_ref}", bound<delete_session_message>,
       BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/chat/conversations", bound<get_conversations>, BodyPolicy::ignored,
       Access::authenticated},
      {"GET", "/api/chat/session/{session_id}/messages", bound<get_session_messages>, BodyPolicy::ignored,
       Access::authenticated},
      {"PATCH", "/api/chat/session/{session_id}", bound<patch_session>, BodyPolicy::normal,
       Access::authenticated},
      {"GET", "/api/chat/session/{session_id}/export", bound<get_session_export>, BodyPolicy::ignored,
       Access::authenticated},
      {"GET", "/api/chat/export", bound<get_export_all>, BodyPolicy::ignored, Access::authenticated},
      // An import file can be a whole ChatGPT history: the chat route's larger limit (§8.10).
      {"POST", "/api/chat/import", bound<post_import>, BodyPolicy::chat, Access::authenticated},
      {"POST", "/api/auth/login", bound<post_login>, BodyPolicy::normal, Access::open},
      {"POST", "/api/auth/logout", bound<post_logout>, BodyPolicy::ignored, Access::open},
      {"GET", "/api/auth/status", bound<get_auth_status>, BodyPolicy::ignored, Access::open},
      {"GET", "/api/mcp/servers", bound<get_mcp_servers>, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/mcp/servers/", bound<get_mcp_servers>, BodyPolicy::ignored, Access::authenticated},
      {"PUT", "/api/mcp/servers", bound<put_mcp_servers>, BodyPolicy::normal, Access::authenticated},
      {"PUT", "/api/mcp/servers/", bound<put_mcp_servers>, BodyPolicy::normal, Access::authenticated},
      {"PATCH", "/api/mcp/servers/{server_id}", bound<patch_mcp_server>, BodyPolicy::normal,
       Access::authenticated},
      {"POST", "/api/mcp/servers/refresh", bound<post_mcp_refresh>, BodyPolicy::ignored,
       Access::authenticated},
      {"POST", "/api/mcp/servers/{server_id}/authorize", bound<post_mcp_authorize>, BodyPolicy::ignored,
       Access::authenticated},
      {"GET", "/api/mcp/oauth/callback", bound<get_mcp_oauth_callback>, BodyPolicy::ignored, Access::open},
      {"GET", "/api/models", bound<get_models>, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/settings/model", bound<get_model_settings>, BodyPolicy::ignored, Access::authenticated},
      {"PUT", "/api/settings/model", bound<put_model_settings>, BodyPolicy::normal, Access::authenticated},
      {"GET", "/api/settings/model/active-provider", bound<get_active_provider>, BodyPolicy::ignored,
       Access::authenticated},
      {"GET", "/api/settings/system-prompt", bound<get_system_prompt>, BodyPolicy::ignored,
       Access::authenticated},
      {"PUT", "/api/settings/system-prompt", bound<put_system_prompt>, BodyPolicy::normal,
       Access::authenticated},
      {"GET", "/api/suggestions", bound<get_suggestions>, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/suggestions/", bound<get_suggestions>, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/suggestions", bound<post_suggestion>, BodyPolicy::normal, Access::authenticated},
      {"POST", "/api/suggestions/", bound<post_suggestion>, BodyPolicy::normal, Access::authenticated},
      {"PUT", "/api/suggestions", bound<put_suggestions>, BodyPolicy::normal, Access::authenticated},
      {"PUT", "/api/suggestions/", bound<put_suggestions>, BodyPolicy::normal, Access::authenticated},
      {"DELETE", "/api/suggestions/{index}", bound<delete_suggestion>, BodyPolicy::ignored,
       Access::authenticated},
      {"GET", "/api/presets", bound<get_presets>, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/presets/", bound<get_presets>, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/presets/default", bound<get_default_preset>, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/presets/{name}", bound<get_preset>, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/presets", bound<post_preset>, BodyPolicy::normal, Access::authenticated},
      {"POST", "/api/presets/", bound<post_preset>, BodyPolicy::normal, Access::authenticated},
      {"PUT", "/api/presets/{name}", bound<put_preset>, BodyPolicy::normal, Access::authenticated},
      {"DELETE", "/api/presets/{name}", bound<delete_preset>, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/presets/{name}/set-default", bound<post_preset_set_default>, BodyPolicy::ignored,
       Access::authenticated},
      {"POST", "/api/presets/{name}/apply", bound<post_preset_apply>, BodyPolicy::ignored,
       Access::authenticated},
      {"GET", "/api/models/metadata", bound<get_models_metadata>, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/chat/generation/{generation_id}", bound<get_generation>, BodyPolicy::ignored,
       Access::authenticated},
      {"POST", "/api/stt/deepgram/token", bound<post_deepgram_token>, BodyPolicy::ignored,
       Access::authenticated},
      {"POST", "/api/google-auth/authorize", bound<post_google_authorize>, BodyPolicy::normal,
       Access::authenticated},
      // A cross-site redirect carries no SameSite=Strict cookie: the signed state protects it (§0.7).
      {"GET", "/api/google-auth/callback", bound<get_google_callback>, BodyPolicy::ignored, Access::open},
      {"GET", "/api/google-auth/status/{user_email}", bound<get_google_status>, BodyPolicy::ignored,
       Access::authenticated},
      {"DELETE", "/api/google-auth/status/{user_email}", bound<delete_google_authorization>,
       BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/google-auth/config", bound<get_google_config>, BodyPolicy::ignored,
       Access::authenticated},
      {"POST", "/api/uploads", bound<post_upload>, BodyPolicy::upload, Access::authenticated},
      {"POST", "/api/uploads/", bound<post_upload>, BodyPolicy::upload, Access::authenticated},
      {"GET", "/api/uploads/{attachment_id}/content", bound<get_legacy_upload_content>, BodyPolicy::ignored,
       Access::authenticated},
      {"GET", "/api/keys", bound<get_api_keys>, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/keys", bound<post_api_key>, BodyPolicy::normal, Access::authenticated},
      {"DELETE", "/api/keys/{key_id}", bound<delete_api_key>, BodyPolicy::ignored, Access::authenticated},
      // The OpenAI-compatible API: its handlers check the request's API key (docs/openai-api.md).
      {"GET", "/v1/models", bound<get_openai_models>, BodyPolicy::ignored, Access::open},
      {"GET", "/v1/models/{model...}", bound<get_openai_model>, BodyPolicy::ignored, Access::open},
      {"POST", "/v1/chat/completions", bound<post_openai_chat_completion>, BodyPolicy::chat, Access::open},
      // The URL signature is the credential (§0.7, §8.5).
      {"GET", "/api/files/{key...}", bound<get_file>, BodyPolicy::ignored, Access::open},
  };
  return rows;
}

net::Router build_router(const RouteContexts& contexts) {
  net::Router router;
  for (const auto& r : route_table()) router.add({r.method, r.path, r.bind(contexts), r.body, r.access});
  return router;
}

}  // namespace parley::api
