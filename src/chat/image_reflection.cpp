#include "chat/image_reflection.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <optional>
#include <set>
#include <vector>

#include "chat/generated_images.hpp"
#include "core/text.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Runs of spaces and tabs become one space, lines lose their leading and trailing blanks, blank lines left by
// a removed token go, and the whole is trimmed; line breaks the user wrote are kept.
std::string collapse_whitespace(std::string_view text) {
  std::vector<std::string> lines;
  std::string line;
  bool pending_space = false;
  auto end_line = [&] {
    lines.push_back(line);
    line.clear();
    pending_space = false;
  };
  for (const char c : text) {
    if (c == '\n') {
      end_line();
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      pending_space = !line.empty();
    } else {
      if (pending_space) line += ' ';
      pending_space = false;
      line += c;
    }
  }
  end_line();
  std::string out;
  bool previous_blank = true;
  for (const auto& l : lines) {
    if (l.empty() && previous_blank) continue;
    if (!out.empty()) out += '\n';
    out += l;
    previous_blank = l.empty();
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// @lastall / @last / @lastN, with word boundaries on both sides.
bool take_tokens(std::string_view text, ReflectionRequest& r) {
  std::string kept;
  bool any = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '@' && (i == 0 || !is_word_char(text[i - 1])) &&
        text::starts_with_lower(text.substr(i + 1), "last")) {
      std::size_t j = i + 5;
      bool all = false;
      int n = 1;
      if (text::starts_with_lower(text.substr(j), "all")) {
        all = true;
        j += 3;
      } else if (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) {
        long long value = 0;
        while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) {
          value = std::min<long long>(value * 10 + (text[j] - '0'), 1000);
          ++j;
        }
        n = static_cast<int>(std::min<long long>(value, kMaxReflectedImages));
      }
      if ((j >= text.size() || !is_word_char(text[j])) && (all || n > 0)) {
        any = true;
        r.all = r.all || all;
        if (!all) r.count = std::max(r.count, n);
        i = j;
        kept += ' ';
        continue;
      }
    }
    kept += text[i++];
  }
  if (any) r.text = collapse_whitespace(kept);
  return any;
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string w;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  return words;
}

bool one_of(const std::string& w, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

bool singular_noun(const std::string& w) {
  return one_of(w, {"image", "picture", "photo", "photograph", "pic", "illustration", "drawing", "render",
                    "rendering", "artwork", "img"});
}
bool plural_noun(const std::string& w) {
  return one_of(w, {"images", "pictures", "photos", "photographs", "pics", "illustrations", "drawings",
                    "renders", "renderings", "artworks", "imgs"});
}
// Words that point back at something already shown.
bool pointing_word(const std::string& w) {
  return one_of(w, {"the", "this", "that", "these", "those", "last", "previous", "prior", "earlier", "latest",
                    "recent", "above", "same", "your", "generated", "both", "former", "latter"});
}
std::optional<int> number_word(const std::string& w) {
  if (w == "two" || w == "both" || w == "pair") return 2;
  if (w == "three") return 3;
  if (w == "four") return 4;
  if (w == "five") return 5;
  if (w.size() <= 3 &&
      std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    const int n = std::stoi(w);
    if (n >= 2) return std::min(n, kMaxReflectedImages);
  }
  return std::nullopt;
}

int phrasing_count(const std::vector<std::string>& w) {
  int best = 0;
  const std::size_t n = w.size();
  for (std::size_t i = 0; i < n; ++i) {
    const bool plural = plural_noun(w[i]);
    if (plural || singular_noun(w[i])) {
      // Up to three words before the noun ("the last two generated images"), or "above" right after it.
      const std::size_t from = i >= 3 ? i - 3 : 0;
      bool pointing = i + 1 < n && w[i + 1] == "above";
      std::optional<int> count;
      for (std::size_t k = from; k < i; ++k) {
        if (pointing_word(w[k])) pointing = true;
        if (auto c = number_word(w[k])) count = c;
      }
      if (!pointing) continue;
      if (plural) {
        best = std::max(best, count.value_or(2));
      } else if (!count) {
        best = std::max(best, 1);
      }
      continue;
    }
    const bool next_is_them = i + 1 < n && one_of(w[i + 1], {"them", "these", "those", "both"});
    if (w[i] == "compare" && next_is_them) best = std::max(best, 2);
    if (w[i] == "both" && i + 2 < n && w[i + 1] == "of" && one_of(w[i + 2], {"them", "these", "those"}))
      best = std::max(best, 2);
    // "the last two", "previous three" with the noun left out.
    if (one_of(w[i], {"last", "previous", "latest", "recent"}) && i + 1 < n) {
      if (auto c = number_word(w[i + 1]); c && w[i + 1] != "both") best = std::max(best, *c);
    }
  }
  return std::min(best, kMaxReflectedImages);
}

std::string text_of(const bj::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& f : content.get_array()) {
    if (!f.is_object()) continue;
    const auto* type = f.get_object().if_contains("type");
    const auto* text = f.get_object().if_contains("text");
    if (type && type->is_string() && type->get_string() == "text" && text && text->is_string()) {
      if (!out.empty()) out += '\n';
      out += text->get_string();
    }
  }
  return out;
}

std::string image_url_of(const bj::value& fragment) {
  if (!is_image_fragment(fragment)) return {};
  const auto* iu = fragment.get_object().if_contains("image_url");
  if (!iu) return {};
  if (iu->is_string()) return std::string(iu->get_string());
  if (iu->is_object()) {
    const auto* url = iu->get_object().if_contains("url");
    if (url && url->is_string()) return std::string(url->get_string());
  }
  return {};
}

}  // namespace

ReflectionRequest reflection_request(std::string_view text) {
  ReflectionRequest r;
  r.text = std::string(text);
  r.had_tokens = take_tokens(text, r);
  if (!r.had_tokens) r.count = phrasing_count(words_of(text));
  return r;
}

std::size_t reflect_generated_images(bj::array& messages) {
  std::optional<std::size_t> last_user;
  for (std::size_t i = messages.size(); i-- > 0;) {
    if (!messages[i].is_object()) continue;
    const auto* role = messages[i].get_object().if_contains("role");
    if (role && role->is_string() && role->get_string() == "user") {
      last_user = i;
      break;
    }
  }
  if (!last_user) return 0;
  auto& user = messages[*last_user].get_object();
  const bj::value content = user.contains("content") ? user.at("content") : bj::value(nullptr);
  if (content.is_array()) {
    for (const auto& f : content.get_array()) {
      if (is_image_fragment(f)) return 0;
    }
  }
  auto request = reflection_request(text_of(content));
  if (!request.wants_images()) return 0;

  // Most recent first: later rows, and later fragments within a row.
  std::vector<bj::value> found;
  std::set<std::string> seen;
  for (std::size_t i = *last_user; i-- > 0 && found.size() < kMaxReflectedImages;) {
    if (!messages[i].is_object()) continue;
    const auto& m = messages[i].get_object();
    const auto* role = m.if_contains("role");
    const auto* c = m.if_contains("content");
    if (!role || !role->is_string() || role->get_string() != "assistant" || !c || !c->is_array()) continue;
    const auto& fragments = c->get_array();
    for (std::size_t k = fragments.size(); k-- > 0 && found.size() < kMaxReflectedImages;) {
      const auto url = image_url_of(fragments[k]);
      if (url.empty() || !seen.insert(url).second) continue;
      bj::object image = fragments[k].get_object();
      image.erase("metadata");
      if (image["image_url"].is_string()) image["image_url"] = bj::object{{"url", url}};
      image["type"] = "image_url";
      found.emplace_back(std::move(image));
    }
  }
  if (found.empty()) return 0;
  const std::size_t take =
      request.all ? found.size() : std::min(found.size(), static_cast<std::size_t>(request.count));

  bj::array out;
  if (!request.text.empty()) out.push_back(bj::object{{"type", "text"}, {"text", request.text}});
  if (content.is_array()) {
    for (const auto& f : content.get_array()) {  // other parts (files) stay, after the text
      const auto* type = f.is_object() ? f.get_object().if_contains("type") : nullptr;
      if (!(type && type->is_string() && type->get_string() == "text")) out.push_back(f);
    }
  }
  for (std::size_t k = take; k-- > 0;) out.push_back(found[k]);  // oldest first
  user["content"] = std::move(out);
  return take;
}

}  // namespace parley::chat
