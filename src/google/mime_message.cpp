#include "google/mime_message.hpp"

#include <cctype>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace parley::google {

namespace {

bool printable_ascii(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x7f || (c < 0x20 && c != '\t')) return false;
  }
  return true;
}

// Length of the UTF-8 sequence starting with `lead` (1 for an invalid byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;
}

std::string wrap_base64(std::string_view bytes) {
  const auto encoded = base64_encode(bytes);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out.append(encoded, i, 76);
    out += "\r\n";
  }
  return out;
}

void add_header(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out.append(name).append(": ").append(value).append("\r\n");
}

// Header values must not carry line breaks a model could use to add headers of its own.
std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

// "#8217" / "#x2019" (without the '#') as UTF-8; "" when it names no Unicode scalar value (those stay as
// they were written).
std::string character_reference(std::string_view digits) {
  const bool hex = !digits.empty() && (digits[0] == 'x' || digits[0] == 'X');
  if (hex) digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 7) return {};
  std::uint32_t cp = 0;
  for (char c : digits) {
    const int v = hex ? hex_value(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
    if (v < 0) return {};
    cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
  }
  if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return {};
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return out;
}

}  // namespace

std::string encode_header_text(std::string_view text) {
  if (printable_ascii(text)) return std::string(text);
  // 75 characters per word: "=?UTF-8?B?" + base64 + "?=" leaves 63 base64 characters, 45 bytes; words
  // never split a UTF-8 sequence.
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const auto n = utf8_length(static_cast<unsigned char>(text[end]));
      if (end + n - i > 45) break;
      end += n;
    }
    if (end == i) end = i + 1;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64_encode(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string encode_address_list(std::string_view addresses) {
  // Commas inside a quoted display name ("Müller, Jürgen" <j@example.com>) do not separate addresses.
  std::vector<std::string_view> items;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t k = 0; k < addresses.size(); ++k) {
    const char c = addresses[k];
    if (quoted && c == '\\') {
      ++k;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      items.push_back(addresses.substr(start, k - start));
      start = k + 1;
    }
  }
  items.push_back(addresses.substr(std::min(start, addresses.size())));
  std::string out;
  for (const auto raw : items) {
    auto item = text::trimmed(raw, " \t");
    if (item.empty()) continue;
    if (!out.empty()) out += ", ";
    const auto lt = item.rfind('<');
    if (lt != std::string::npos && lt > 0 && !printable_ascii(item.substr(0, lt))) {
      auto name = text::trimmed(item.substr(0, lt), " \t\"");
      out += encode_header_text(name) + " " + item.substr(lt);
    } else {
      out += item;
    }
  }
  return out;
}

std::string build_message(const OutgoingMessage& m) {
  std::string out;
  add_header(out, "To", encode_address_list(one_line(m.to)));
  add_header(out, "Cc", encode_address_list(one_line(m.cc)));
  add_header(out, "Bcc", encode_address_list(one_line(m.bcc)));
  add_header(out, "Subject", encode_header_text(one_line(m.subject)));
  add_header(out, "In-Reply-To", one_line(m.in_reply_to));
  add_header(out, "References", one_line(m.references));
  out += "MIME-Version: 1.0\r\n";
  out += std::string("Content-Type: ") + (m.html ? "text/html" : "text/plain") + "; charset=\"UTF-8\"\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  out += wrap_base64(m.body);
  return out;
}

std::string text_in_utf8(std::string_view bytes, std::string_view charset) {
  const auto name = text::lower(text::trim(charset, " \t\""));
  const bool latin1 = name == "iso-8859-1" || name == "latin1" || name == "windows-1252" || name == "cp1252";
  if (!latin1 && json::is_valid_utf8(bytes)) return std::string(bytes);
  return latin1_to_utf8(bytes);
}

std::string decode_header_text(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  bool last_was_word = false;
  std::string pending_space;
  while (i < s.size()) {
    if (s.substr(i, 2) == "=?") {
      const auto q1 = s.find('?', i + 2);
      const auto q2 = q1 == std::string_view::npos ? q1 : s.find('?', q1 + 1);
      const auto close = q2 == std::string_view::npos ? q2 : s.find("?=", q2 + 1);
      if (close != std::string_view::npos && q2 == q1 + 2) {
        const auto charset = text::lower(s.substr(i + 2, q1 - i - 2));
        const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
        const auto payload = s.substr(q2 + 1, close - q2 - 1);
        std::string decoded;
        bool ok = true;
        if (encoding == 'B') {
          ok = base64_decode(std::string(payload), decoded);
        } else if (encoding == 'Q') {
          for (std::size_t k = 0; k < payload.size(); ++k) {
            if (payload[k] == '_') {
              decoded += ' ';
            } else if (payload[k] == '=' && k + 2 < payload.size() + 0 && hex_value(payload[k + 1]) >= 0 &&
                       hex_value(payload[k + 2]) >= 0) {
              decoded += static_cast<char>(hex_value(payload[k + 1]) * 16 + hex_value(payload[k + 2]));
              k += 2;
            } else {
              decoded += payload[k];
            }
          }
        } else {
          ok = false;
        }
        if (ok) {
          decoded = text_in_utf8(decoded, charset);
          if (!last_was_word) out += pending_space;  // whitespace between two encoded-words is dropped
          pending_space.clear();
          out += decoded;
          last_was_word = true;
          i = close + 2;
          continue;
        }
      }
    }
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
      if (s[i] == ' ' || s[i] == '\t') pending_space += s[i];
      ++i;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += s[i];
    last_was_word = false;
    ++i;
  }
  out += pending_space;
  return json::is_valid_utf8(out) ? out : latin1_to_utf8(out);
}

std::string html_to_text(std::string_view html) {
  std::string out;
  std::size_t i = 0;
  auto lower_at = [&](std::size_t at, std::string_view word) {
    if (at + word.size() > html.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(html[at + k])) != word[k]) return false;
    return true;
  };
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      const auto close = html.find('>', i);
      if (close == std::string_view::npos) break;
      for (std::string_view skipped : {"script", "style", "head"}) {
        if (lower_at(i + 1, skipped)) {
          const auto end_tag = "</" + std::string(skipped);
          std::size_t k = close;
          while (k < html.size() && !lower_at(k, end_tag)) ++k;
          const auto after = html.find('>', k);
          i = after == std::string_view::npos ? html.size() : after + 1;
          goto next;
        }
      }
      {
        const bool closing = i + 1 < html.size() && html[i + 1] == '/';
        const auto name_at = i + 1 + (closing ? 1 : 0);
        if (lower_at(name_at, "br") || lower_at(name_at, "p") || lower_at(name_at, "div") ||
            lower_at(name_at, "tr") || lower_at(name_at, "li") || lower_at(name_at, "h")) {
          if (!out.empty() && out.back() != '\n') out += '\n';
        }
        i = close + 1;
      }
    next:
      continue;
    }
    if (c == '&') {
      const auto semi = html.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) {
        const auto entity = html.substr(i + 1, semi - i - 1);
        std::string replacement;
        if (entity == "amp")
          replacement = "&";
        else if (entity == "lt")
          replacement = "<";
        else if (entity == "gt")
          replacement = ">";
        else if (entity == "quot")
          replacement = "\"";
        else if (entity == "#39" || entity == "apos")
          replacement = "'";
        else if (entity == "nbsp")
          replacement = " ";
        else if (entity.size() > 1 && entity[0] == '#')
          replacement = character_reference(entity.substr(1));
        if (!replacement.empty()) {
          out += replacement;
          i = semi + 1;
          continue;
        }
      }
    }
    if (c == '\r') {
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  // Collapse runs of blank lines.
  std::string collapsed;
  int newlines = 0;
  for (char ch : out) {
    if (ch == '\n') {
      if (++newlines > 2) continue;
    } else {
      newlines = 0;
    }
    collapsed += ch;
  }
  return std::string(text::trimmed(collapsed, " \t\n"));
}

}  // namespace parley::google
