// What route handlers may use: services and configuration, handed over by the app's wiring
// (src/app/serve.cpp).
#pragma once

#include <functional>
#include <string>

#include "auth/auth_service.hpp"
#include "core/config.hpp"
#include "core/warnings.hpp"
#include "llm/model_catalog.hpp"
#include "llm/provider_client.hpp"
#include "net/blocking.hpp"
#include "net/http_client.hpp"
#include "store/repository.hpp"
#include "store/stored_message_object.hpp"

namespace parley::chat {
class ChatOrchestrator;
}  // namespace parley::chat

namespace parley::settings {
class SettingsService;
}  // namespace parley::settings

namespace parley::mcp {
class ToolAggregator;
}

namespace parley::blob {
class AttachmentService;
}  // namespace parley::blob

namespace parley::api {

struct ApiContext {
  const Config& config;
  net::BlockingPool& blocking;
  auth::AuthService& auth;
  Warnings& warnings;
  // The model of the current model settings (§2.10).
  std::function<std::string()> active_model;
  // Blocking: true when the database answers (used by /health with a 2 s budget).
  std::function<bool()> database_ping;
  // MCP servers and their tools (§2.17, §7); null in processes that run no servers.
  mcp::ToolAggregator* tools = nullptr;
  // Outbound HTTP of the routes that are no provider call (Deepgram).
  net::HttpClient* http_client = nullptr;
  // The model provider (OpenRouter or any OpenAI-compatible endpoint) and its cached model list.
  llm::ProviderClient* provider = nullptr;
  llm::ModelCatalog* catalog = nullptr;
  // Model settings, system prompt, presets and suggestions (data/*.json).
  settings::SettingsService* settings = nullptr;
  // The chat turn runner; null until the history store is open.
  chat::ChatOrchestrator* chat = nullptr;
  // The history store (§5); set by serve once the database is open and migrated.
  store::Repository* history = nullptr;
  // Attachment storage (uploads, signed URLs, /api/files); null until the history store is open.
  blob::AttachmentService* attachments = nullptr;
  // Re-signs attachment fragments of served history (§8.2) for URLs on the given base; empty until attachment
  // storage is wired.
  std::function<store::AttachmentSigner(std::string base)> attachment_signer_for{};
};

}  // namespace parley::api
