#include "blob/object_key.hpp"

namespace parley::blob {

namespace {

bool key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

bool lower_hex_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::string safe_key_component(std::string_view text) {
  std::string out;
  bool in_run = false;
  for (const char c : text) {
    if (key_char(c)) {
      out += c;
      in_run = false;
    } else if (!in_run) {
      out += '_';
      in_run = true;
    }
  }
  const auto strip = [](char c) { return c == '.' || c == '_' || c == '-'; };
  std::size_t begin = 0, end = out.size();
  while (begin < end && strip(out[begin])) ++begin;
  while (end > begin && strip(out[end - 1])) --end;
  out = out.substr(begin, std::min<std::size_t>(end - begin, 100));
  return out.empty() ? "file" : out;
}

std::string attachment_object_key(std::string_view session_id, std::string_view attachment_id,
                                  std::string_view filename) {
  return safe_key_component(session_id) + "/" + std::string(attachment_id) + "__" +
         safe_key_component(filename);
}

std::optional<std::string> attachment_id_of_key(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  const auto name = key.substr(slash + 1);
  if (name.size() < 34 || name.substr(32, 2) != "__" || name.find('/') != std::string_view::npos)
    return std::nullopt;
  const auto id = name.substr(0, 32);
  for (const char c : id)
    if (!lower_hex_char(c)) return std::nullopt;
  return std::string(id);
}

bool is_relative_object_key(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.back() == '/') return false;
  if (key.find('\0') != std::string_view::npos || key.find('\\') != std::string_view::npos) return false;
  std::size_t i = 0;
  for (;;) {
    const auto j = key.find('/', i);
    const auto seg = key.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (j == std::string_view::npos) return true;
    i = j + 1;
  }
}

}  // namespace parley::blob
