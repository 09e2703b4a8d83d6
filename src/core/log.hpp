// parley's logging facade: the only header the rest of the code includes for logs. Every line passes the
// redactor; the application log goes to the console and to logs/app/YYYY-MM-DD/ (api.md §6.3, §0.8).
#pragma once

#include <fmt/core.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::log {

enum class Level { debug = 0, info = 1, warning = 2, error = 3, off = 4 };

struct Settings {
  Level terminal = Level::info;
  Level sessions = Level::info;       // the application log file
  Level conversations = Level::info;  // conversation snapshots
  int retention_hours = 48;
};

// Reads <home>/logging_settings.conf; problems are appended to `errors` (defaults kept for bad lines).
Settings load_settings(const std::filesystem::path& home, std::vector<std::string>& errors);
// The same for the text of such a file ("key = value" lines, '#', ';' and '[' lines ignored).
Settings parse_settings(std::string_view text, std::vector<std::string>& errors);

// Console + daily-folder file logging. Before init, messages go to stderr only.
void init(const std::filesystem::path& app_log_dir, const Settings& settings);
void shutdown();
const Settings& settings();

bool enabled(Level level);
void write(Level level, std::string_view message);

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::debug)) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::info)) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::warning)) write(Level::warning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::error)) write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}

// Deletes YYYY-MM-DD folders (and files in them) under `dir` whose newest file is older than retention_hours.
void prune_old_logs(const std::filesystem::path& dir, int retention_hours);

}  // namespace parley::log
