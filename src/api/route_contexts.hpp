// What each route group gets: the services its handlers call and the configuration they read, as references
// (every one is wired before the server starts). One struct per group; the route table binds each handler to
// its group's (api/routes.cpp).
#pragma once

#include "api/context.hpp"
#include "core/config.hpp"
#include "core/warnings.hpp"
#include "net/tls_certificates.hpp"

namespace parley::auth {
class AuthService;
}  // namespace parley::auth
namespace parley::chat {
class AttachmentService;
}  // namespace parley::chat
namespace parley::chat {
class ChatOrchestrator;
class TurnInteractions;
class ConversationService;
class OpenAiCompletions;
}  // namespace parley::chat
namespace parley::keys {
class ApiKeyService;
}  // namespace parley::keys
namespace parley::google {
class GoogleAuth;
}  // namespace parley::google
namespace parley::llm {
class ModelCatalog;
}  // namespace parley::llm
namespace parley::mcp {
class ToolAggregator;
}  // namespace parley::mcp
namespace parley::mcp::oauth {
class WebAuthorizations;
}  // namespace parley::mcp::oauth
namespace parley::net {
class HttpClient;
}  // namespace parley::net
namespace parley::settings {
class PresetService;
class SettingsService;
}  // namespace parley::settings

namespace parley::api {

// GET /health (§2.1) and GET /metrics (§8.6).
struct HealthRoutes {
  const Config& config;
  Warnings& warnings;
  settings::SettingsService& settings;       // the active model
  chat::ConversationService& conversations;  // whether the history store answers
  // Set when parley serves HTTPS itself: the certificate's expiry in `tls`, and a warning before it.
  std::shared_ptr<net::TlsCertificates> tls = nullptr;
  BlockingPool* blocking = nullptr;  // /metrics reads /proc/self there
};

// Login, logout, status (§8.8).
struct AuthRoutes {
  const Config& config;  // PARLEY_PUBLIC_URL: cookies are Secure behind an https address
  auth::AuthService& auth;
};

// POST /api/chat/stream (§2.3).
struct ChatRoutes {
  const Config& config;  // attachment URLs of the turn (PARLEY_PUBLIC_URL)
  chat::ChatOrchestrator& turns;
  chat::TurnInteractions* interactions = nullptr;  // answers to a running turn's questions
};

// Conversation list, history, rename, export and deletes (§2.5, §2.6, §8.1–§8.4).
struct ConversationRoutes {
  const Config& config;  // attachment URLs of the history (PARLEY_PUBLIC_URL)
  chat::ConversationService& conversations;
};

// Model settings, system prompt, suggestions (§2.10–§2.16 except presets).
struct SettingsRoutes {
  settings::SettingsService& settings;
  llm::ModelCatalog& catalog;  // supports_tools of a model saved without it (§2.11 step 1)
};

// Presets (§2.15).
struct PresetRoutes {
  settings::PresetService& presets;
};

// MCP servers (§2.17).
struct McpRoutes {
  mcp::ToolAggregator& tools;
  mcp::oauth::WebAuthorizations& authorizations;
};

// Uploads and the signed file URLs (§2.18, §8.5).
struct AttachmentRoutes {
  const Config& config;
  chat::AttachmentService& attachments;
};

// The Deepgram token (§2.19).
struct SttRoutes {
  const Config& config;
  net::HttpClient& http;
};

// The OpenAI-compatible API under /v1 (docs/openai-api.md): API keys instead of parley's own login.
struct OpenAiRoutes {
  keys::ApiKeyService& keys;
  chat::OpenAiCompletions& completions;
  llm::ModelCatalog& catalog;
};

// The keys of that API, managed from the UI (behind parley's own authentication).
struct ApiKeyRoutes {
  keys::ApiKeyService& keys;
};

// Google authorization (§2.20).
struct GoogleAuthRoutes {
  const Config& config;  // FRONTEND_URL, the home's credentials/, GOOGLE_DEFAULT_USER_EMAIL
  google::GoogleAuth& auth;
};

// Every group's context, for the route table.
struct RouteContexts {
  ApiContext& models;  // models, metadata, generation, active provider
  HealthRoutes& health;
  AuthRoutes& auth;
  ChatRoutes& chat;
  ConversationRoutes& conversations;
  SettingsRoutes& settings;
  PresetRoutes& presets;
  McpRoutes& mcp;
  AttachmentRoutes& attachments;
  SttRoutes& stt;
  OpenAiRoutes& openai;
  ApiKeyRoutes& api_keys;
  GoogleAuthRoutes& google;
};

}  // namespace parley::api
