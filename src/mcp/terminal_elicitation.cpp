#include "mcp/terminal_elicitation.hpp"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <iostream>

namespace parley::mcp {

namespace asio = boost::asio;
namespace bj = boost::json;

struct TerminalLines::State {
  explicit State(asio::any_io_executor ex) : input(ex) {}
  asio::posix::stream_descriptor input;
  bool pollable = false;
  bool ended = false;
  std::string buffer;
};

TerminalLines::TerminalLines(asio::any_io_executor executor)
    : state_(std::make_shared<State>(std::move(executor))) {
  const int fd = ::dup(STDIN_FILENO);
  if (fd < 0) return;
  boost::system::error_code ec;
  state_->input.assign(fd, ec);  // fails for what epoll cannot watch (a regular file): read it plainly then
  if (ec) {
    ::close(fd);
    return;
  }
  state_->pollable = true;
}

TerminalLines::~TerminalLines() {
  boost::system::error_code ec;
  state_->input.close(ec);
}

asio::awaitable<std::optional<std::string>> TerminalLines::next(CancelSignal* cancel) {
  auto state = state_;
  std::weak_ptr<State> weak = state;
  const auto executor = state->input.get_executor();
  CancelRegistration stop(cancel, [weak, executor] {
    asio::post(executor, [weak] {
      if (auto s = weak.lock()) {
        boost::system::error_code ec;
        s->input.cancel(ec);
      }
    });
  });
  for (;;) {
    if (const auto end = state->buffer.find('\n'); end != std::string::npos) {
      std::string line = state->buffer.substr(0, end);
      state->buffer.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return line;
    }
    if (state->ended || (cancel != nullptr && cancel->cancelled())) co_return std::nullopt;
    char piece[1024];
    std::size_t n = 0;
    if (state->pollable) {
      auto [ec, got] =
          co_await state->input.async_read_some(asio::buffer(piece), asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) co_return std::nullopt;  // cancelled; stdin stays usable
      if (ec) {
        state->ended = true;
        continue;
      }
      n = got;
    } else {
      const auto got = ::read(STDIN_FILENO, piece, sizeof piece);
      n = got > 0 ? static_cast<std::size_t>(got) : 0;
    }
    if (n == 0) {
      state->ended = true;
      if (!state->buffer.empty()) state->buffer += '\n';  // a last line without its line end
      continue;
    }
    state->buffer.append(piece, n);
  }
}

namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string text_of(const bj::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string shown(const bj::value& v) {
  return v.is_string() ? std::string(v.get_string()) : bj::serialize(v);
}

// A listed value by its text or its 1-based number in the list.
std::optional<bj::value> pick(const std::vector<bj::value>& members, const std::string& word) {
  int number = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), number);
  if (ec == std::errc() && end == word.data() + word.size() && number >= 1 &&
      static_cast<std::size_t>(number) <= members.size()) {
    return members[static_cast<std::size_t>(number) - 1];
  }
  for (const auto& m : members) {
    if (shown(m) == word) return m;
  }
  return std::nullopt;
}

std::string describe_property(const std::string& name, const bj::object& property) {
  std::string title = text_of(property, "title");
  std::string out = "  " + (title.empty() ? name : title + " (" + name + ")");
  if (auto d = text_of(property, "description"); !d.empty()) out += ": " + d;
  const auto* items = property.if_contains("items");
  const auto members = text_of(property, "type") == "array" && items != nullptr && items->is_object()
                           ? enum_values(items->get_object())
                           : enum_values(property);
  if (!members.empty()) {
    out += "\n    choices:";
    for (std::size_t i = 0; i < members.size(); ++i)
      out += " " + std::to_string(i + 1) + "=" + shown(members[i]);
    if (text_of(property, "type") == "array") out += " (several: separate with commas)";
  } else if (auto type = text_of(property, "type"); !type.empty()) {
    out += " [" + type + (type == "boolean" ? ": y/n" : "") + "]";
  }
  if (const auto* d = property.if_contains("default")) out += " (Enter: " + shown(*d) + ")";
  return out + "\n  > ";
}

}  // namespace

std::optional<bj::value> parse_terminal_answer(const bj::object& property, const std::string& typed,
                                               std::string& problem) {
  problem.clear();
  const std::string line = trim(typed);
  if (line.empty()) {
    if (const auto* d = property.if_contains("default")) return *d;
    return std::nullopt;
  }
  const std::string type = text_of(property, "type");
  if (type == "array") {
    const auto* items = property.if_contains("items");
    const auto members =
        items != nullptr && items->is_object() ? enum_values(items->get_object()) : std::vector<bj::value>{};
    bj::array chosen;
    std::size_t start = 0;
    while (start <= line.size()) {
      auto comma = line.find(',', start);
      if (comma == std::string::npos) comma = line.size();
      const auto word = trim(line.substr(start, comma - start));
      if (!word.empty()) {
        auto m = members.empty() ? std::optional<bj::value>(bj::value(word)) : pick(members, word);
        if (!m) {
          problem = "'" + word + "' is not one of the choices";
          return std::nullopt;
        }
        chosen.push_back(*m);
      }
      start = comma + 1;
    }
    return bj::value(std::move(chosen));
  }
  if (const auto members = enum_values(property); !members.empty()) {
    auto m = pick(members, line);
    if (!m) problem = "'" + line + "' is not one of the choices";
    return m;
  }
  if (type == "boolean") {
    const auto word = lower(line);
    if (word == "y" || word == "yes" || word == "true") return bj::value(true);
    if (word == "n" || word == "no" || word == "false") return bj::value(false);
    problem = "answer y or n";
    return std::nullopt;
  }
  if (type == "integer") {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
    if (ec == std::errc() && end == line.data() + line.size()) return bj::value(n);
    problem = "expected a whole number";
    return std::nullopt;
  }
  if (type == "number") {
    double n = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
    if (ec == std::errc() && end == line.data() + line.size()) return bj::value(n);
    problem = "expected a number";
    return std::nullopt;
  }
  return bj::value(line);
}

asio::awaitable<ElicitationAnswer> TerminalElicitation::elicit(ElicitationRequest request,
                                                               CancelSignal* cancel) {
  ElicitationAnswer answer;
  std::cerr << "\nMCP server " << request.server_id << " asks: " << request.message << "\n";
  if (request.mode == "url") {
    std::cerr << "  Open this address to continue: " << request.url
              << "\n  Press Enter once done there, or type d to decline, c to cancel: " << std::flush;
    auto line = co_await lines_.next(cancel);
    if (!line) co_return ElicitationAnswer{ElicitationAction::cancel, {}};
    const auto word = lower(trim(*line));
    answer.action = word == "d"   ? ElicitationAction::decline
                    : word == "c" ? ElicitationAction::cancel
                                  : ElicitationAction::accept;
    co_return answer;
  }
  std::cerr << "  Answer? [y]es, [n]o (decline), [c]ancel: " << std::flush;
  auto choice = co_await lines_.next(cancel);
  if (!choice) co_return ElicitationAnswer{ElicitationAction::cancel, {}};
  const auto word = lower(trim(*choice));
  if (word == "c" || word == "cancel") co_return ElicitationAnswer{ElicitationAction::cancel, {}};
  if (word != "y" && word != "yes" && !word.empty()) co_return ElicitationAnswer{};

  const auto* properties = request.requested_schema.if_contains("properties");
  for (int round = 0; round < 3; ++round) {
    bj::object content;
    if (properties != nullptr && properties->is_object()) {
      for (const auto& [name, property] : properties->get_object()) {
        if (!property.is_object()) continue;
        for (int attempt = 0; attempt < 3; ++attempt) {
          std::cerr << describe_property(std::string(name), property.get_object()) << std::flush;
          auto line = co_await lines_.next(cancel);
          if (!line) co_return ElicitationAnswer{ElicitationAction::cancel, {}};
          std::string problem;
          auto value = parse_terminal_answer(property.get_object(), *line, problem);
          if (value) content[name] = std::move(*value);
          if (problem.empty()) break;
          std::cerr << "    " << problem << "\n";
        }
      }
    }
    const auto problems = check_elicitation_content(request.requested_schema, content);
    if (problems.empty()) {
      answer.action = ElicitationAction::accept;
      answer.content = std::move(content);
      co_return answer;
    }
    std::cerr << "  The answers do not fit the form:\n";
    for (const auto& p : problems) std::cerr << "    - " << p << "\n";
    std::cerr << "  Once more:\n";
  }
  std::cerr << "  Declined after three tries.\n";
  co_return ElicitationAnswer{};
}

}  // namespace parley::mcp
