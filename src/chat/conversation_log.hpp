// The conversation logs under <CONVERSATION_LOG_DIR>/YYYY-MM-DD/ (api.md §6.3), secrets redacted.
//
// One file per session and day, `session_<HH-MM-SS>_<zone>_<session id>.log` named by the time it was
// started, written at the end of each turn: the first turn of a session on a day (in this process) starts the
// file with the whole conversation; every later turn appends the rows stored since the last one written. So a
// turn costs what it added, not its whole history again, and a day's folder holds one log per conversation
// instead of one copy of the conversation per turn. A file that is gone (deleted by hand, retention) is
// started again whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/chat_store.hpp"

namespace parley::chat {

class ConversationLogBook {
 public:
  // The rows of a session after `after_id` (all of them when empty), in order.
  using LoadRows = std::function<std::vector<StoredMessage>(std::optional<std::int64_t> after_id)>;

  // `capacity` bounds the sessions remembered; a forgotten session's next turn starts a new file.
  explicit ConversationLogBook(std::size_t capacity = 4096) : capacity_(capacity) {}

  // Whether conversation logs are written: the `conversations` level is info or debug (api.md §6.3).
  static bool enabled();

  // Writes the end of a turn of `session_id` (blocking; the caller runs it under the session's turn lock, so
  // that two turns of one session never write at once). Does nothing unless the `conversations` level is
  // info or debug. Failures are logged as warnings, never thrown.
  void write_turn(const std::filesystem::path& dir, const std::string& session_id,
                  const std::string& request_id, const LoadRows& load);

  // The session's next turn starts a new file with the whole conversation: after rows were deleted (the log
  // of the day then shows the conversation as it is), or when the file may end inside a secret that only the
  // whole text redacts (a private key whose END is still to come).
  void forget(const std::string& session_id);

  std::size_t remembered() const;

 private:
  struct Entry {
    std::string day;
    std::filesystem::path file;
    std::int64_t last_id = 0;
  };
  std::optional<Entry> find(const std::string& session_id) const;
  void remember(const std::string& session_id, Entry entry);

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::string day_;  // of the newest entry: older days' entries are dropped when it changes
};

}  // namespace parley::chat
