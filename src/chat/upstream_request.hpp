// Building the upstream chat-completions body of one hop (api.md §3.3): the request minus nulls and
// session_id, model, stream + usage, the projected history, stored provider and parameters, capability gating
// and tools.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "chat/attachment_delivery.hpp"
#include "chat/chat_request.hpp"
#include "chat/chat_store.hpp"
#include "chat/model_settings_view.hpp"

namespace parley::chat {

// What the upstream sees of the stored conversation, with the history repair of §3.3 applied. Attachment
// fragments get their delivery form when `deliveries` is given (else only their metadata is dropped).
boost::json::array project_history(const std::vector<StoredMessage>& history,
                                   const Deliveries* deliveries = nullptr);
// The only metadata keys project_history reads: a turn's history is loaded with these alone
// (store::MessageRange::metadata_keys).
const std::vector<std::string_view>& upstream_metadata_keys();

struct ToolAttachment {
  std::optional<bool> capability;  // of the stored model, from the catalog
  boost::json::array tools;        // the registry's list; empty when none
  bool dropped_for_turn = false;   // after a "tools unsupported" retry
};

boost::json::object build_upstream_body(const ChatRequest& request, const ActiveModelSettings& settings,
                                        const std::vector<StoredMessage>& history,
                                        const ToolAttachment& tools, const Deliveries* deliveries = nullptr);

}  // namespace parley::chat
