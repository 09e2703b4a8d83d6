// What the model routes (models, metadata, generation, active provider) and the request policy
// (src/api/http_policy.cpp) use. The other route groups get their own contexts (api/route_contexts.hpp).
#pragma once

#include "auth/auth_service.hpp"
#include "core/blocking.hpp"
#include "core/config.hpp"
#include "llm/model_catalog.hpp"
#include "llm/provider_client.hpp"

namespace parley::settings {
class SettingsService;
}  // namespace parley::settings

namespace parley::api {

struct ApiContext {
  const Config& config;
  // The request policy's authentication check runs on it.
  BlockingPool& blocking;
  auth::AuthService& auth;
  // The model provider (OpenRouter or any OpenAI-compatible endpoint) and its cached model list. Never null
  // once wired.
  llm::ProviderClient* provider = nullptr;
  llm::ModelCatalog* catalog = nullptr;
  // The active model settings (§2.12). Never null once wired.
  settings::SettingsService* settings = nullptr;
};

}  // namespace parley::api
