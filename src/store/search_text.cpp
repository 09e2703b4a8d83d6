#include "store/search_text.hpp"

#include <boost/json.hpp>
#include <cstdint>

namespace parley::store {

namespace {

// Decodes one UTF-8 code point at `i` (advancing it); invalid bytes decode as U+FFFD, one byte each.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto continuation = [&](std::size_t k) {
    return k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80;
  };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int length = (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
  for (int k = 1; k < length; ++k) {
    if (!continuation(i + static_cast<std::size_t>(k))) length = 0;
  }
  if (length == 0) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = b0 & (0x7F >> length);
  for (int k = 1; k < length; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  i += static_cast<std::size_t>(length);
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Base letters of U+00C0..U+00FF and U+0100..U+017F; '.' keeps the letter (lower-cased), ' ' separates.
constexpr std::string_view latin1_bases = "aaaaaa.ceeeeiiii.nooooo ouuuuy..aaaaaa.ceeeeiiii.nooooo ouuuuy.y";
constexpr std::string_view latin_extended_a_bases =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii..jjkkklllllll"
    "lllnnnnnnn..oooooo..rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

bool is_space(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0xA0 ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A);
}

// Word characters follow SQLite's unicode61 tokenizer closely enough: ASCII letters and digits, and every
// non-ASCII code point except spaces, punctuation and symbols of the common blocks.
bool is_word(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, symbols, arrows, box drawing
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0xFE30 && cp <= 0xFE4F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
  if (cp == 0xFFFD) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;  // emoji
  return true;
}

bool is_combining_mark(char32_t cp) {
  return cp >= 0x300 && cp <= 0x36F;
}

// One code point lower-cased with Latin diacritics removed; 0 when it should vanish (combining marks).
char32_t fold(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (is_combining_mark(cp)) return 0;
  if (cp >= 0xC0 && cp <= 0xFF) {
    const char base = latin1_bases[cp - 0xC0];
    if (base == '.') return (cp <= 0xDE && cp != 0xDF) ? cp + 0x20 : cp;
    if (base == ' ') return ' ';
    return static_cast<char32_t>(base);
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    const char base = latin_extended_a_bases[cp - 0x100];
    if (base == '.') return (cp % 2 == 0) ? cp + 1 : cp;
    return static_cast<char32_t>(base);
  }
  if (cp >= 0x391 && cp <= 0x3A9) return cp + 0x20;  // Greek capitals
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;  // Cyrillic capitals
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  return cp;
}

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const char32_t cp = next_code_point(text, i);
    if (is_space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out.append(text.substr(start, i - start));
  }
  return out;
}

// The first `count` code points of `s` (byte length of that prefix).
std::size_t prefix_bytes(std::string_view s, std::size_t count) {
  std::size_t i = 0;
  for (std::size_t n = 0; n < count && i < s.size(); ++n) next_code_point(s, i);
  return i;
}

std::size_t code_point_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) next_code_point(s, i);
  return n;
}

std::string quoted(std::string_view word, char quote) {
  std::string out(1, quote);
  for (char c : word) {
    if (c == quote) out += quote;
    if (quote == '\'' && c == '\\') out += '\\';
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::string searchable_text(const boost::json::value& content) {
  if (const auto* s = content.if_string()) return std::string(*s);
  std::string out;
  auto add_fragment = [&out](const boost::json::value& fragment) {
    const auto* obj = fragment.if_object();
    if (!obj) return;
    const auto* type = obj->if_contains("type");
    const auto* text = obj->if_contains("text");
    if (!type || !type->is_string() || type->get_string() != "text" || !text || !text->is_string()) return;
    if (!out.empty()) out += ' ';
    out.append(text->get_string().data(), text->get_string().size());
  };
  if (const auto* array = content.if_array()) {
    for (const auto& fragment : *array) add_fragment(fragment);
  } else if (content.is_object()) {
    add_fragment(content);
  }
  return out;
}

std::optional<std::string> derived_title(std::string_view text) {
  auto collapsed = collapse_whitespace(text);
  if (collapsed.empty()) return std::nullopt;
  if (code_point_count(collapsed) <= 80) return collapsed;
  auto cut = collapsed.substr(0, prefix_bytes(collapsed, 79));
  while (!cut.empty() && cut.back() == ' ') cut.pop_back();
  return cut + "\u2026";
}

std::string fold_for_search(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = fold(next_code_point(text, i));
    if (cp == 0) continue;
    if (cp == ' ' || !is_word(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    append_utf8(out, cp);
  }
  return out;
}

std::vector<SearchTerm> search_terms(std::string_view q) {
  std::vector<SearchTerm> terms;
  int tokens = 0;
  for (std::size_t i = 0; i < q.size() && tokens < 16;) {
    std::size_t start = i;
    // Skip leading whitespace, then take one token.
    while (start < q.size()) {
      std::size_t k = start;
      if (!is_space(next_code_point(q, k))) break;
      start = k;
    }
    std::size_t end = start;
    while (end < q.size()) {
      std::size_t k = end;
      if (is_space(next_code_point(q, k))) break;
      end = k;
    }
    i = end;
    if (end == start) break;
    ++tokens;
    SearchTerm term;
    const auto folded = fold_for_search(q.substr(start, end - start));
    std::size_t pos = 0;
    while (pos < folded.size()) {
      auto space = folded.find(' ', pos);
      if (space == std::string::npos) space = folded.size();
      term.push_back(folded.substr(pos, space - pos));
      pos = space + 1;
    }
    if (!term.empty()) terms.push_back(std::move(term));
  }
  return terms;
}

std::string fts5_match_expression(const std::vector<SearchTerm>& terms) {
  std::string out;
  for (const auto& term : terms) {
    if (!out.empty()) out += " AND ";
    std::string phrase;
    for (const auto& word : term) {
      if (!phrase.empty()) phrase += ' ';
      phrase += word;
    }
    out += quoted(phrase, '"') + "*";
  }
  return out;
}

std::string tsquery_expression(const std::vector<SearchTerm>& terms) {
  std::string out;
  for (const auto& term : terms) {
    if (!out.empty()) out += " & ";
    out += '(';
    for (std::size_t k = 0; k < term.size(); ++k) {
      if (k) out += " <-> ";
      out += quoted(term[k], '\'');
      if (k + 1 == term.size()) out += ":*";
    }
    out += ')';
  }
  return out;
}

std::string make_snippet(std::string_view text, const std::vector<SearchTerm>& terms) {
  const auto collapsed = collapse_whitespace(text);
  constexpr std::size_t max_chars = 200;
  // Code-point start offsets of every word of the collapsed text, with its folded form.
  std::size_t hit_char = 0;
  bool found = false;
  if (!terms.empty()) {
    const std::string& needle = terms.front().front();
    std::size_t char_index = 0;
    bool previous_word = false;
    for (std::size_t i = 0; i < collapsed.size() && !found;) {
      std::size_t k = i;
      const char32_t cp = fold(next_code_point(collapsed, k));
      const bool word = cp != 0 && cp != ' ' && is_word(cp);
      if (word && !previous_word) {
        // Compare the folded word starting here with the needle.
        std::string folded;
        std::size_t j = i;
        while (j < collapsed.size() && folded.size() < needle.size()) {
          const char32_t f = fold(next_code_point(collapsed, j));
          if (f == 0) continue;
          if (f == ' ' || !is_word(f)) break;
          append_utf8(folded, f);
        }
        if (folded.compare(0, needle.size(), needle) == 0) {
          hit_char = char_index;
          found = true;
        }
      }
      previous_word = word || cp == 0;
      i = k;
      ++char_index;
    }
  }
  const std::size_t total = code_point_count(collapsed);
  if (total <= max_chars) return collapsed;
  std::size_t start = found && hit_char > 40 ? hit_char - 40 : 0;
  if (start + max_chars > total) start = total - max_chars + 1;
  const bool cut_front = start > 0;
  const std::size_t room = max_chars - (cut_front ? 1 : 0);
  const bool cut_back = start + room < total;
  const std::size_t take = room - (cut_back ? 1 : 0);
  const std::size_t from = prefix_bytes(collapsed, start);
  const std::size_t to = from + prefix_bytes(std::string_view(collapsed).substr(from), take);
  std::string out = cut_front ? "\u2026" : "";
  out += collapsed.substr(from, to - from);
  if (cut_back) out += "\u2026";
  return out;
}

bool contains_case_insensitive(std::string_view haystack, std::string_view needle) {
  auto lower = [](std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
      char32_t cp = next_code_point(s, i);
      if (cp < 0x80 && cp >= 'A' && cp <= 'Z')
        cp += 32;
      else if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9) ||
               (cp >= 0x410 && cp <= 0x42F))
        cp += 0x20;
      else if (cp >= 0x100 && cp <= 0x17F && cp % 2 == 0 && cp != 0x130 && cp != 0x138)
        cp += 1;
      append_utf8(out, cp);
    }
    return out;
  };
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

}  // namespace parley::store
