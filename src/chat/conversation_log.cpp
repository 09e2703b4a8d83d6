#include "chat/conversation_log.hpp"
#include "core/json.hpp"

#include <boost/json/serialize.hpp>

#include "core/atomic_file.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"

namespace parley::chat {

void write_conversation_log(const std::filesystem::path& dir, const std::string& session_id,
                            const std::vector<StoredMessage>& messages, const std::string& request_id) {
  const auto level = log::settings().conversations;
  if (level != log::Level::info && level != log::Level::debug) return;
  const auto now = std::chrono::system_clock::now();
  const auto parts = local_time_parts(now);
  std::string safe_session;
  for (char c : session_id)
    safe_session += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  const auto file =
      dir / local_date(now) /
      ("session_" + local_time_dashed(now) + "_" + parts.zone_abbreviation + "_" + safe_session + ".log");
  std::string text = "session: " + session_id + "\nrequest: " + request_id +
                     "\nwritten: " + format_local_offset(now) +
                     "\nmessages: " + std::to_string(messages.size()) + "\n";
  for (const auto& m : messages) {
    text += "\n--- #" + std::to_string(m.id) + " " + m.role + " " + format_local_offset(m.created_at);
    if (m.client_message_id) text += " client=" + *m.client_message_id;
    text += "\n";
    text += m.content.is_string() ? std::string(m.content.as_string()) : parley::json::serialize(m.content);
    text += "\n";
    if (!m.metadata.empty() && level == log::Level::debug)
      text += "metadata: " + parley::json::serialize(m.metadata) + "\n";
  }
  // A log: readers never see half a snapshot, but it is not fsync'ed (it is not data).
  if (auto ec = write_file_atomic(file, global_redactor().redact(text), 0600, Durability::readers_only)) {
    log::warn("[{}] cannot write the conversation log {}: {}", request_id, file.string(), ec.message());
  }
}

}  // namespace parley::chat
