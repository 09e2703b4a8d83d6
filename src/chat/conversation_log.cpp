#include "chat/conversation_log.hpp"
#include "core/json.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <string_view>
#include <system_error>

#include <boost/json/serialize.hpp>

#include "core/atomic_file.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"

namespace parley::chat {

namespace {

void append_rows(std::string& text, const std::vector<StoredMessage>& messages, bool debug) {
  for (const auto& m : messages) {
    text += "\n--- #" + std::to_string(m.id) + " " + m.role + " " + format_local_offset(m.created_at);
    if (m.client_message_id) text += " client=" + *m.client_message_id;
    text += "\n";
    text += m.content.is_string() ? std::string(m.content.as_string()) : parley::json::serialize(m.content);
    text += "\n";
    if (!m.metadata.empty() && debug) text += "metadata: " + parley::json::serialize(m.metadata) + "\n";
  }
}

// Writes all of `data` to `fd` and closes it.
std::error_code write_and_close(int fd, std::string_view data) {
  std::error_code ec;
  if (!write_all(fd, data)) ec = {errno, std::generic_category()};
  if (::close(fd) != 0 && !ec) ec = {errno, std::generic_category()};
  return ec;
}

// Appends to an existing file only: ENOENT when it is gone (then the caller starts it again, whole).
std::error_code append_to_existing(const std::filesystem::path& file, std::string_view data) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return {errno, std::generic_category()};
  return write_and_close(fd, data);
}

// Creates the session's log file of the day with its first part: one open(O_CREAT | O_EXCL) and a write, no
// temporary file and rename (a new file per new conversation is the part of a turn's log that costs most).
// The day's folder is made when missing. A file of that name that exists already (the same session's log
// started again within the same second) is replaced whole.
std::error_code create_log_file(const std::filesystem::path& file, std::string_view data) {
  const auto open_new = [&file] {
    return ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  };
  int fd = open_new();
  if (fd < 0 && errno == ENOENT) {
    if (auto ec = create_private_directories(file.parent_path())) return ec;
    fd = open_new();
  }
  if (fd < 0 && errno == EEXIST) return write_file_atomic(file, data, 0600, Durability::readers_only);
  if (fd < 0) return {errno, std::generic_category()};
  const auto ec = write_and_close(fd, data);
  if (ec) ::unlink(file.c_str());
  return ec;
}

// Whether `raw` (before redaction) ends inside a private key: the redactor masks from its BEGIN line to the
// END line or the end of the text, so the key's rest, written in the next turn's part alone, would not be.
bool ends_inside_private_key(std::string_view raw) {
  const auto begin = raw.rfind("-----BEGIN ");
  if (begin == std::string_view::npos) return false;
  const auto label = raw.find("PRIVATE KEY-----", begin);
  return label != std::string_view::npos && raw.find("-----END ", label) == std::string_view::npos;
}

std::string safe_file_part(const std::string& session_id) {
  std::string out;
  for (char c : session_id)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

}  // namespace

bool ConversationLogBook::enabled() {
  const auto level = log::settings().conversations;
  return level == log::Level::info || level == log::Level::debug;
}

std::optional<ConversationLogBook::Entry> ConversationLogBook::find(const std::string& session_id) const {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(session_id); it != entries_.end()) return it->second;
  return std::nullopt;
}

void ConversationLogBook::remember(const std::string& session_id, Entry entry) {
  std::lock_guard lock(mutex_);
  if (entry.day != day_) {
    // A new day: yesterday's files are never appended to again.
    std::erase_if(entries_, [&entry](const auto& e) { return e.second.day != entry.day; });
    day_ = entry.day;
  }
  // Full: any one session is forgotten (its next turn starts a new file with the whole conversation).
  if (entries_.size() >= capacity_ && !entries_.contains(session_id)) entries_.erase(entries_.begin());
  entries_[session_id] = std::move(entry);
}

void ConversationLogBook::forget(const std::string& session_id) {
  std::lock_guard lock(mutex_);
  entries_.erase(session_id);
}

std::size_t ConversationLogBook::remembered() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void ConversationLogBook::write_turn(const std::filesystem::path& dir, const std::string& session_id,
                                     const std::string& request_id, const LoadRows& load) {
  if (!enabled()) return;
  const bool debug = log::settings().conversations == log::Level::debug;
  try {
    const auto now = std::chrono::system_clock::now();
    const auto day = local_date(now);
    // This session's file of today: the rows stored since the last ones written are appended to it.
    if (auto known = find(session_id); known && known->day == day) {
      auto rows = load(known->last_id);
      std::string text = "\nrequest: " + request_id + "\nwritten: " + format_local_offset(now) +
                         "\nnew messages: " + std::to_string(rows.size()) + "\n";
      append_rows(text, rows, debug);
      const auto ec = append_to_existing(known->file, global_redactor().redact(text));
      if (!ec) {
        if (!rows.empty()) known->last_id = rows.back().id;
        if (ends_inside_private_key(text)) {
          forget(session_id);
        } else {
          remember(session_id, std::move(*known));
        }
        return;
      }
      forget(session_id);
      if (ec != std::errc::no_such_file_or_directory) {
        log::warn("[{}] cannot append to the conversation log {}: {}", request_id, known->file.string(),
                  ec.message());
        return;
      }
      // Gone (deleted by hand or by retention): started again below, with the whole conversation.
    }
    const auto rows = load(std::nullopt);
    const auto parts = local_time_parts(now);
    Entry entry{day,
                dir / day /
                    ("session_" + local_time_dashed(now) + "_" + parts.zone_abbreviation + "_" +
                     safe_file_part(session_id) + ".log"),
                rows.empty() ? 0 : rows.back().id};
    std::string text = "session: " + session_id + "\nrequest: " + request_id +
                       "\nwritten: " + format_local_offset(now) +
                       "\nmessages: " + std::to_string(rows.size()) + "\n";
    append_rows(text, rows, debug);
    // A log: not fsync'ed (it is not data).
    if (auto ec = create_log_file(entry.file, global_redactor().redact(text))) {
      log::warn("[{}] cannot write the conversation log {}: {}", request_id, entry.file.string(),
                ec.message());
      return;
    }
    if (!ends_inside_private_key(text)) remember(session_id, std::move(entry));
  } catch (const std::exception& e) {
    forget(session_id);
    log::warn("[{}] conversation log of {} not written: {}", request_id, session_id, e.what());
  }
}

}  // namespace parley::chat
