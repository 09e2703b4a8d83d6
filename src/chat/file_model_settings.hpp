// Read-only model settings for chat turns until the settings service (issue 5) provides the real view: the
// stored data/model_settings.json (api.md §4.1) when present, otherwise the defaults of §4.1 (default model,
// everything else null, the default system prompt). A remembered supports_tools lives in memory only.
#pragma once

#include <mutex>
#include <optional>

#include "chat/model_settings_view.hpp"
#include "core/config.hpp"

namespace parley::chat {

class FileModelSettings final : public ModelSettingsView {
 public:
  explicit FileModelSettings(const Config& config) : config_(config) {}
  ActiveModelSettings active() override;
  void remember_supports_tools(const std::string& model, bool supports) override;

 private:
  const Config& config_;
  std::mutex mutex_;
  std::optional<std::pair<std::string, bool>> remembered_;
};

}  // namespace parley::chat
