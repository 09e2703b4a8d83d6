// LISTEN parley_settings on a connection of its own (api.md §5.5): each "<name>:<version>" notification is
// handed to a callback, and after a lost connection the listener reconnects and asks for everything to be
// reloaded. A callback that could not read what changed returns false and the reload is asked for again
// every second until it succeeds. Runs on its own thread; callbacks must be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace parley::store {

class SettingsListener {
 public:
  // Both return false when a document could not be read (the database blinked): nothing was applied.
  using Notified = std::function<bool(const std::string& name, std::int64_t version)>;
  using Resync = std::function<bool()>;

  SettingsListener(std::string url, Notified notified, Resync resync);
  ~SettingsListener();
  SettingsListener(const SettingsListener&) = delete;
  SettingsListener& operator=(const SettingsListener&) = delete;

  void start();
  void stop();
  // Asks for a reload of everything as soon as the listener is connected (start-up could not read it all).
  void request_resync() { resync_requested_ = true; }
  // True once the first LISTEN succeeded (tests and health).
  [[nodiscard]] bool listening() const { return listening_.load(); }

 private:
  void run();
  std::string url_;
  Notified notified_;
  Resync resync_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  std::atomic<bool> resync_requested_{false};
  std::thread thread_;
};

// "model_settings:12" -> {"model_settings", 12}; false when the payload is not of that form.
bool parse_settings_notification(const std::string& payload, std::string& name, std::int64_t& version);

}  // namespace parley::store
