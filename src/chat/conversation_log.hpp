// The per-turn conversation snapshot under <CONVERSATION_LOG_DIR>/YYYY-MM-DD/ (api.md §6.3), secrets
// redacted.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "chat/chat_store.hpp"

namespace parley::chat {

void write_conversation_log(const std::filesystem::path& dir, const std::string& session_id,
                            const std::vector<StoredMessage>& messages, const std::string& request_id);

}  // namespace parley::chat
