// Every route of parley in one table: method, path, handler, body policy, access (api.md §1).
#include "api/routes.hpp"

#include "api/chat.hpp"
#include "api/conversations.hpp"
#include "api/files.hpp"
#include "api/mcp.hpp"
#include "api/models.hpp"
#include "api/presets.hpp"
#include "api/settings.hpp"
#include "api/stt.hpp"
#include "api/system_routes.hpp"
#include "api/uploads.hpp"

namespace parley::api {

namespace {

net::Handler bind(ApiContext& ctx, RouteHandler fn) {
  return [&ctx, fn](net::Request& req) { return fn(ctx, req); };
}

}  // namespace

std::span<const RouteRow> route_table() {
  using net::Access;
  using net::BodyPolicy;
  static const RouteRow rows[] = {
      {"GET", "/health", get_health, BodyPolicy::ignored, Access::open},
      {"GET", "/favicon.ico", get_favicon, BodyPolicy::ignored, Access::open},
      {"POST", "/api/chat/stream", post_chat_stream, BodyPolicy::chat, Access::authenticated},
      {"GET", "/api/chat/test-stream", get_test_stream, BodyPolicy::ignored, Access::authenticated},
      {"DELETE", "/api/chat/session/{session_id}", delete_session, BodyPolicy::ignored,
       Access::authenticated},
      {"DELETE", "/api/chat/session/{session_id}/messages/{message_ref}", delete_session_message,
       BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/chat/conversations", get_conversations, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/chat/session/{session_id}/messages", get_session_messages, BodyPolicy::ignored,
       Access::authenticated},
      {"PATCH", "/api/chat/session/{session_id}", patch_session, BodyPolicy::normal, Access::authenticated},
      {"GET", "/api/chat/session/{session_id}/export", get_session_export, BodyPolicy::ignored,
       Access::authenticated},
      {"POST", "/api/auth/login", post_login, BodyPolicy::normal, Access::open},
      {"POST", "/api/auth/logout", post_logout, BodyPolicy::ignored, Access::open},
      {"GET", "/api/auth/status", get_auth_status, BodyPolicy::ignored, Access::open},
      {"GET", "/api/mcp/servers", get_mcp_servers, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/mcp/servers/", get_mcp_servers, BodyPolicy::ignored, Access::authenticated},
      {"PUT", "/api/mcp/servers", put_mcp_servers, BodyPolicy::normal, Access::authenticated},
      {"PUT", "/api/mcp/servers/", put_mcp_servers, BodyPolicy::normal, Access::authenticated},
      {"PATCH", "/api/mcp/servers/{server_id}", patch_mcp_server, BodyPolicy::normal, Access::authenticated},
      {"POST", "/api/mcp/servers/refresh", post_mcp_refresh, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/models", get_models, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/settings/model", get_model_settings, BodyPolicy::ignored, Access::authenticated},
      {"PUT", "/api/settings/model", put_model_settings, BodyPolicy::normal, Access::authenticated},
      {"GET", "/api/settings/model/active-provider", get_active_provider, BodyPolicy::ignored,
       Access::authenticated},
      {"GET", "/api/settings/system-prompt", get_system_prompt, BodyPolicy::ignored, Access::authenticated},
      {"PUT", "/api/settings/system-prompt", put_system_prompt, BodyPolicy::normal, Access::authenticated},
      {"GET", "/api/suggestions", get_suggestions, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/suggestions/", get_suggestions, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/suggestions", post_suggestion, BodyPolicy::normal, Access::authenticated},
      {"POST", "/api/suggestions/", post_suggestion, BodyPolicy::normal, Access::authenticated},
      {"PUT", "/api/suggestions", put_suggestions, BodyPolicy::normal, Access::authenticated},
      {"PUT", "/api/suggestions/", put_suggestions, BodyPolicy::normal, Access::authenticated},
      {"DELETE", "/api/suggestions/{index}", delete_suggestion, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/presets", get_presets, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/presets/", get_presets, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/presets/default", get_default_preset, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/presets/{name}", get_preset, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/presets", post_preset, BodyPolicy::normal, Access::authenticated},
      {"POST", "/api/presets/", post_preset, BodyPolicy::normal, Access::authenticated},
      {"PUT", "/api/presets/{name}", put_preset, BodyPolicy::normal, Access::authenticated},
      {"DELETE", "/api/presets/{name}", delete_preset, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/presets/{name}/set-default", post_preset_set_default, BodyPolicy::ignored,
       Access::authenticated},
      {"POST", "/api/presets/{name}/apply", post_preset_apply, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/models/metadata", get_models_metadata, BodyPolicy::ignored, Access::authenticated},
      {"GET", "/api/chat/generation/{generation_id}", get_generation, BodyPolicy::ignored,
       Access::authenticated},
      {"POST", "/api/stt/deepgram/token", post_deepgram_token, BodyPolicy::ignored, Access::authenticated},
      {"POST", "/api/uploads", post_upload, BodyPolicy::upload, Access::authenticated},
      {"POST", "/api/uploads/", post_upload, BodyPolicy::upload, Access::authenticated},
      {"GET", "/api/uploads/{attachment_id}/content", get_legacy_upload_content, BodyPolicy::ignored,
       Access::authenticated},
      // The URL signature is the credential (§0.7, §8.5).
      {"GET", "/api/files/{key...}", get_file, BodyPolicy::ignored, Access::open},
  };
  return rows;
}

net::Router build_router(ApiContext& ctx) {
  net::Router router;
  for (const auto& r : route_table()) router.add({r.method, r.path, bind(ctx, r.handler), r.body, r.access});
  return router;
}

}  // namespace parley::api
