// Connects the settings service to the chat turn's view of the active model settings.
#pragma once

#include "chat/model_settings_view.hpp"
#include "settings/settings_service.hpp"

namespace parley::app {

class SettingsModelView final : public chat::ModelSettingsView {
 public:
  explicit SettingsModelView(settings::SettingsService& service) : service_(service) {}

  chat::ActiveModelSettings active() override {
    const auto s = service_.model_settings();
    chat::ActiveModelSettings out;
    out.model = s.model;
    auto non_null = [](const std::optional<boost::json::object>& o) {
      boost::json::object r;
      if (o) {
        for (const auto& kv : *o) {
          if (!kv.value().is_null()) r[kv.key()] = kv.value();
        }
      }
      return r;
    };
    out.provider = non_null(s.provider);
    out.parameters = non_null(s.parameters);
    out.system_prompt = service_.system_prompt();
    out.supports_tools = s.supports_tools;
    return out;
  }
  void remember_supports_tools(const std::string& model, bool supports) override {
    service_.remember_supports_tools(model, supports);
  }

 private:
  settings::SettingsService& service_;
};

}  // namespace parley::app
