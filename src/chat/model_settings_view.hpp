// The stored model settings a chat turn reads (api.md §2.10, §3.3): implemented by the settings service.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

namespace parley::chat {

struct ActiveModelSettings {
  std::string model;
  boost::json::object provider;              // non-null members only
  boost::json::object parameters;            // non-null members only
  std::optional<std::string> system_prompt;  // nullopt: no prompt (explicitly cleared)
  std::optional<bool> supports_tools;
};

class ModelSettingsView {
 public:
  virtual ~ModelSettingsView() = default;
  virtual ActiveModelSettings active() = 0;
  // Records the catalog's capability when the stored supports_tools is null (without changing updated_at).
  virtual void remember_supports_tools(const std::string& model, bool supports) = 0;
};

}  // namespace parley::chat
