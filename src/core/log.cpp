#include "core/log.hpp"

#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <mutex>

#include "core/atomic_file.hpp"
#include "core/clock.hpp"
#include "core/redact.hpp"
#include "core/text.hpp"

namespace parley::log {
namespace fs = std::filesystem;

namespace {

// Writes to <dir>/<YYYY-MM-DD>/parley.log, moving to a new folder when the local date changes.
class DailyFolderSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit DailyFolderSink(fs::path dir) : dir_(std::move(dir)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto date = local_date(msg.time);
    if (date != current_date_) {
      file_.close();
      // The file exists (0600, in 0700 folders) before spdlog opens it for appending.
      ensure_private_file(dir_ / date / "parley.log");
      file_.open((dir_ / date / "parley.log").string(), false);
      current_date_ = date;
    }
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    file_.write(formatted);
  }
  void flush_() override { file_.flush(); }

 private:
  fs::path dir_;
  std::string current_date_;
  spdlog::details::file_helper file_;
};

std::atomic<int> g_min_level{static_cast<int>(Level::info)};
Settings g_settings;
std::shared_ptr<spdlog::logger> g_logger;

spdlog::level::level_enum to_spd(Level l) {
  switch (l) {
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warning:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
    case Level::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::optional<Level> parse_level(std::string_view raw) {
  const auto v = text::lower(raw);
  if (v == "debug") return Level::debug;
  if (v == "info") return Level::info;
  if (v == "warning" || v == "warn") return Level::warning;
  if (v == "error") return Level::error;
  if (v == "off") return Level::off;
  return std::nullopt;
}

}  // namespace

Settings load_settings(const fs::path& home, std::vector<std::string>& errors) {
  std::ifstream in(home / "logging_settings.conf", std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_settings(text, errors);
}

Settings parse_settings(std::string_view text, std::vector<std::string>& errors) {
  Settings s;
  int n = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++n;
    line = text::trimmed(line, text::kBlanksAndLineEnds);
    if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      errors.push_back("logging_settings.conf line " + std::to_string(n) + ": expected key = value");
      continue;
    }
    const auto key = text::lower(text::trim(std::string_view(line).substr(0, eq), text::kBlanksAndLineEnds));
    auto value = text::trimmed(std::string_view(line).substr(eq + 1), text::kBlanksAndLineEnds);
    if (key == "retention_hours") {
      try {
        std::size_t used = 0;
        const int h = std::stoi(value, &used);
        if (used != value.size() || h < 1) throw std::invalid_argument("range");
        s.retention_hours = h;
      } catch (const std::exception&) {
        errors.push_back("logging_settings.conf: retention_hours='" + value + "' must be a positive integer");
      }
      continue;
    }
    Level* target = key == "terminal"        ? &s.terminal
                    : key == "sessions"      ? &s.sessions
                    : key == "conversations" ? &s.conversations
                                             : nullptr;
    if (!target) {
      errors.push_back("logging_settings.conf: unknown key '" + key +
                       "' (expected terminal, sessions, conversations, retention_hours)");
      continue;
    }
    if (auto lvl = parse_level(value)) {
      *target = *lvl;
    } else {
      errors.push_back("logging_settings.conf: " + key + "='" + value +
                       "' must be debug, info, warning or off");
    }
  }
  return s;
}

void init(const fs::path& app_log_dir, const Settings& settings) {
  g_settings = settings;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(to_spd(settings.terminal));
  std::vector<spdlog::sink_ptr> sinks{console};
  if (settings.sessions != Level::off) {
    auto file = std::make_shared<DailyFolderSink>(app_log_dir);
    file->set_level(to_spd(settings.sessions));
    sinks.push_back(file);
  }
  auto logger = std::make_shared<spdlog::logger>("parley", sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-7l%$ %v");
  const auto min = std::min(settings.terminal, settings.sessions);
  logger->set_level(to_spd(min));
  logger->flush_on(spdlog::level::debug);
  g_min_level = static_cast<int>(min);
  std::atomic_store(&g_logger, logger);
}

void shutdown() {
  if (auto l = std::atomic_load(&g_logger)) l->flush();
}

const Settings& settings() {
  return g_settings;
}

bool enabled(Level level) {
  return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message) {
  const auto clean = global_redactor().redact(message);
  if (auto l = std::atomic_load(&g_logger)) {
    l->log(to_spd(level), "{}", clean);
  } else {
    fmt::print(stderr, "{}\n", clean);
  }
}

void prune_old_logs(const fs::path& dir, int retention_hours) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(retention_hours);
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory(ec)) continue;
    const auto name = entry.path().filename().string();
    if (name.size() != 10 || name[4] != '-' || name[7] != '-') continue;  // only YYYY-MM-DD folders
    bool keep = false;
    for (const auto& f : fs::recursive_directory_iterator(entry.path(), ec)) {
      if (f.is_regular_file(ec) && f.last_write_time(ec) >= cutoff) {
        keep = true;
        break;
      }
    }
    if (!keep) fs::remove_all(entry.path(), ec);
  }
}

}  // namespace parley::log
