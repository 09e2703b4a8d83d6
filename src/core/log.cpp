#include "core/log.hpp"

#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>

#include "core/atomic_file.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/log_json.hpp"
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
std::atomic<int> g_format{static_cast<int>(Format::text)};
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

const char* level_name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
    case Level::off:
      break;
  }
  return "off";
}

bool request_id_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
         c == '-';
}

// Redacts and repairs the strings of a fields value, recursively.
void clean_value(boost::json::value& v) {
  if (v.is_string()) {
    v = valid_utf8(global_redactor().redact(v.get_string()));
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) clean_value(item);
  } else if (v.is_object()) {
    for (auto& member : v.get_object()) clean_value(member.value());
  }
}

// Hands a finished line (text message or JSON object) to the sinks, or to the console before init().
void emit(Level level, const std::string& line) {
  if (auto l = std::atomic_load(&g_logger)) {
    l->log(to_spd(level), "{}", line);
  } else {
    fmt::print(format() == Format::json ? stdout : stderr, "{}\n", line);
  }
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  const auto v = text::lower(name);
  if (v == "text") return Format::text;
  if (v == "json") return Format::json;
  return std::nullopt;
}

void set_format(Format f) {
  g_format = static_cast<int>(f);
}

Format format() {
  return static_cast<Format>(g_format.load(std::memory_order_relaxed));
}

std::string valid_utf8(std::string_view text) {
  if (json::is_valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80           ? 1
                            : (c >> 5) == 0x6  ? 2
                            : (c >> 4) == 0xe  ? 3
                            : (c >> 3) == 0x1e ? 4
                                               : 0;
    if (len != 0 && i + len <= text.size() && json::is_valid_utf8(text.substr(i, len))) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

std::string json_line(std::chrono::system_clock::time_point time, Level level, std::string_view message,
                      const Context* context) {
  // The text format's "[<request id>] " prefix becomes the request_id member (when the context names none,
  // or names the same id).
  std::string request_id = context ? context->request_id : std::string();
  if (message.size() > 2 && message.front() == '[') {
    const auto close = message.find(']');
    if (close != std::string_view::npos && close > 1 && close <= 129) {
      const auto id = message.substr(1, close - 1);
      if (std::all_of(id.begin(), id.end(), request_id_char) && (request_id.empty() || request_id == id)) {
        request_id = std::string(id);
        message.remove_prefix(close + 1);
        if (!message.empty() && message.front() == ' ') message.remove_prefix(1);
      }
    }
  }
  const auto since_epoch = time.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs).count();
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

  boost::json::object line;
  line["timestamp"] = fmt::format("{}.{:03}Z", stamp, millis);
  line["level"] = level_name(level);
  if (!request_id.empty()) line["request_id"] = valid_utf8(request_id);
  if (context && !context->session_id.empty()) line["session_id"] = valid_utf8(context->session_id);
  line["message"] = valid_utf8(message);
  if (context && !context->fields.empty()) {
    boost::json::value fields = context->fields;
    clean_value(fields);
    line["fields"] = std::move(fields);
  }
  return boost::json::serialize(line);
}

void write_with(Level level, std::string_view message, const Context& context) {
  if (!enabled(level)) return;
  const auto clean = global_redactor().redact(message);
  if (format() == Format::json) {
    emit(level, json_line(std::chrono::system_clock::now(), level, clean, &context));
  } else {
    emit(level, clean);
  }
}

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
  const bool json = format() == Format::json;
  // JSON lines go to stdout uncoloured (journald, log shippers); text lines to the terminal's stderr.
  spdlog::sink_ptr console;
  if (json)
    console = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  else
    console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(to_spd(settings.terminal));
  std::vector<spdlog::sink_ptr> sinks{console};
  if (settings.sessions != Level::off) {
    auto file = std::make_shared<DailyFolderSink>(app_log_dir);
    file->set_level(to_spd(settings.sessions));
    sinks.push_back(file);
  }
  auto logger = std::make_shared<spdlog::logger>("parley", sinks.begin(), sinks.end());
  logger->set_pattern(json ? std::string("%v") : std::string("%Y-%m-%d %H:%M:%S.%e %^%-7l%$ %v"));
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
  if (format() == Format::json) {
    emit(level, json_line(std::chrono::system_clock::now(), level, clean, nullptr));
  } else {
    emit(level, clean);
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
