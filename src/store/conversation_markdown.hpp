// The Markdown export of a conversation (api.md §8.4), built from stored message objects so it shows what
// the history route shows (re-signed image URLs included).
#pragma once

#include <boost/json/array.hpp>
#include <string>

#include "store/repository.hpp"

namespace parley::store {

// `messages` are stored message objects (stored_message_object()).
std::string conversation_markdown(const Conversation& conversation, const std::optional<std::string>& title,
                                  const boost::json::array& messages, SystemTime exported_at);

// parley-<safe(session_id)>: characters outside [A-Za-z0-9._-] become '_'.
std::string export_file_stem(const std::string& session_id);

}  // namespace parley::store
