#include "chat/generated_images.hpp"
#include "core/json.hpp"

#include <cctype>

#include "blob/crypto.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

// The standard alphabet only: in prose a '-' or '_' right after the data more likely starts the next word.
bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

// A string member that holds an image: a data: URI, an http(s) URL, or bare base64.
std::optional<ImageSource> image_of_text_value(std::string_view value, bool bare_base64_allowed) {
  value = text::trim(value);
  if (value.empty()) return std::nullopt;
  if (text::starts_with_lower(value, "data:")) return parse_image_data_uri(value);
  if (text::starts_with_lower(value, "http://") || text::starts_with_lower(value, "https://")) {
    ImageSource s;
    s.kind = ImageSource::Kind::remote_url;
    s.url = std::string(value);
    return s;
  }
  if (!bare_base64_allowed) return std::nullopt;
  auto bytes = decode_base64_lenient(value);
  if (!bytes || bytes->empty()) return std::nullopt;
  ImageSource s;
  s.bytes = std::move(*bytes);
  return s;
}

std::string mime_member(const bj::object& o) {
  for (const char* key : {"mime_type", "media_type", "mimeType", "mediaType", "content_type"}) {
    auto v = parley::json::string_member(o, key);
    if (!v.empty()) return text::lower(v);
  }
  return {};
}

std::optional<ImageSource> image_of_object(const bj::object& f) {
  if (const auto* iu = f.if_contains("image_url")) {
    if (iu->is_string()) return image_of_text_value(iu->get_string(), true);
    if (iu->is_object()) {
      const auto url = parley::json::string_member(iu->get_object(), "url");
      if (!url.empty()) return image_of_text_value(url, true);
    }
    return std::nullopt;
  }
  for (const char* key : {"b64_json", "image_base64", "base64", "data"}) {
    const auto value = parley::json::string_member(f, key);
    if (value.empty()) continue;
    auto s = image_of_text_value(value, true);
    if (s && s->declared_mime.empty() && s->kind == ImageSource::Kind::inline_bytes)
      s->declared_mime = mime_member(f);
    return s;
  }
  if (const auto url = parley::json::string_member(f, "url"); !url.empty())
    return image_of_text_value(url, false);
  for (const char* key : {"source", "inline_data", "inlineData"}) {
    const auto* nested = f.if_contains(key);
    if (!nested || !nested->is_object()) continue;
    const auto& n = nested->get_object();
    if (const auto data = parley::json::string_member(n, "data"); !data.empty()) {
      auto s = image_of_text_value(data, true);
      if (s && s->declared_mime.empty() && s->kind == ImageSource::Kind::inline_bytes)
        s->declared_mime = mime_member(n);
      return s;
    }
    if (const auto url = parley::json::string_member(n, "url"); !url.empty())
      return image_of_text_value(url, false);
  }
  return std::nullopt;
}

bool is_text_part(const bj::value& v) {
  if (!v.is_object()) return false;
  const auto* type = v.get_object().if_contains("type");
  return type && type->is_string() && type->get_string() == "text";
}

std::size_t text_part_size(const bj::value& v) {
  if (!is_text_part(v)) return 0;
  const auto* t = v.get_object().if_contains("text");
  return t && t->is_string() ? t->get_string().size() : 0;
}

}  // namespace

std::string ImageSource::identity() const {
  if (kind == Kind::remote_url) return "url:" + url;
  return "bytes:" + blob::sha256_hex(bytes);
}

std::optional<std::string> decode_base64_lenient(std::string_view text) {
  std::string clean;
  clean.reserve(text.size() + 3);
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '-') {
      clean += '+';
    } else if (c == '_') {
      clean += '/';
    } else if (c == '=' || std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') {
      clean += c;
    } else {
      return std::nullopt;
    }
  }
  while (!clean.empty() && clean.back() == '=') clean.pop_back();
  if (clean.empty() || clean.find('=') != std::string::npos || clean.size() % 4 == 1) return std::nullopt;
  while (clean.size() % 4 != 0) clean += '=';
  std::string out;
  if (!base64_decode(clean, out)) return std::nullopt;
  return out;
}

std::optional<ImageSource> parse_image_data_uri(std::string_view uri) {
  if (!text::starts_with_lower(uri, "data:")) return std::nullopt;
  const auto comma = uri.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const std::string header = text::lower(uri.substr(5, comma - 5));
  const auto semicolon = header.find(';');
  const std::string mime = header.substr(0, semicolon);
  if (!mime.starts_with("image/")) return std::nullopt;
  bool base64 = false;
  for (std::size_t pos = semicolon; pos != std::string::npos;) {
    const auto next = header.find(';', pos + 1);
    if (header.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1) == "base64")
      base64 = true;
    pos = next;
  }
  if (!base64) return std::nullopt;
  auto bytes = decode_base64_lenient(uri.substr(comma + 1));
  if (!bytes || bytes->empty()) return std::nullopt;
  ImageSource s;
  s.bytes = std::move(*bytes);
  s.declared_mime = mime;
  return s;
}

bool is_image_fragment(const bj::value& fragment) {
  if (!fragment.is_object()) return false;
  const auto& f = fragment.get_object();
  if (f.contains("image_url")) return true;
  const auto type = parley::json::string_member(f, "type");
  return type == "image_url" || type == "image" || type == "input_image" || type == "output_image";
}

std::optional<ImageSource> image_of_fragment(const bj::value& fragment) {
  if (!fragment.is_object()) return std::nullopt;
  const auto& f = fragment.get_object();
  if (const auto* meta = f.if_contains("metadata"); meta && meta->is_object()) {
    if (meta->get_object().contains("attachment_id")) return std::nullopt;  // already an attachment
  }
  const auto type = parley::json::string_member(f, "type");
  // Typed parts must say they are images (audio or files may carry base64 `data` too).
  if (!type.empty() && text::lower(type).find("image") == std::string::npos) return std::nullopt;
  auto source = image_of_object(f);
  if (!source) return std::nullopt;
  source->source_fragment_type = type;
  for (const char* key : {"filename", "name", "file_name"}) {
    if (auto name = parley::json::string_member(f, key); !name.empty()) {
      source->filename = std::move(name);
      break;
    }
  }
  return source;
}

std::vector<FragmentRef> image_fragment_refs(const bj::value& chunk) {
  std::vector<FragmentRef> refs;
  if (!chunk.is_object()) return refs;
  const auto* choices = chunk.get_object().if_contains("choices");
  if (!choices || !choices->is_array()) return refs;
  std::size_t text = 0;  // streamed text of this chunk so far
  const auto& list = choices->get_array();
  for (std::size_t c = 0; c < list.size(); ++c) {
    if (!list[c].is_object()) continue;
    for (const bool in_message : {false, true}) {
      const auto* holder = list[c].get_object().if_contains(in_message ? "message" : "delta");
      if (!holder || !holder->is_object()) continue;
      const auto& h = holder->get_object();
      if (const auto* content = h.if_contains("content")) {
        if (content->is_string() && !in_message) text += content->get_string().size();
        if (content->is_array()) {
          const auto& parts = content->get_array();
          for (std::size_t i = 0; i < parts.size(); ++i) {
            if (!in_message) text += text_part_size(parts[i]);
            if (image_of_fragment(parts[i])) refs.push_back({c, in_message, false, i, text});
          }
        }
      }
      if (const auto* images = h.if_contains("images"); images && images->is_array()) {
        const auto& items = images->get_array();
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (image_of_fragment(items[i])) refs.push_back({c, in_message, true, i, text});
        }
      }
    }
  }
  return refs;
}

bj::value* fragment_at(bj::value& chunk, const FragmentRef& ref) {
  if (!chunk.is_object()) return nullptr;
  auto* choices = chunk.get_object().if_contains("choices");
  if (!choices || !choices->is_array() || ref.choice >= choices->get_array().size()) return nullptr;
  auto& choice = choices->get_array()[ref.choice];
  if (!choice.is_object()) return nullptr;
  auto* holder = choice.get_object().if_contains(ref.in_message ? "message" : "delta");
  if (!holder || !holder->is_object()) return nullptr;
  auto* list = holder->get_object().if_contains(ref.in_images ? "images" : "content");
  if (!list || !list->is_array() || ref.index >= list->get_array().size()) return nullptr;
  return &list->get_array()[ref.index];
}

bj::object generated_image_fragment(const bj::object& metadata) {
  bj::object fragment;
  fragment["type"] = "image_url";
  fragment["image_url"] = bj::object{{"url", parley::json::string_member(metadata, "display_url")}};
  fragment["metadata"] = metadata;
  return fragment;
}

std::vector<TextImage> find_text_images(std::string_view text) {
  std::vector<TextImage> found;
  std::size_t from = 0;
  for (;;) {
    std::size_t start = std::string_view::npos;
    for (std::size_t i = from; i + 11 <= text.size(); ++i) {
      if ((text[i] == 'd' || text[i] == 'D') && text::starts_with_lower(text.substr(i), "data:image/")) {
        start = i;
        break;
      }
    }
    if (start == std::string_view::npos) break;
    const auto comma = text.find(',', start);
    // The header may only hold a media type and parameters: no spaces, no closing bracket.
    std::size_t end = start;
    bool plausible = comma != std::string_view::npos && comma - start < 200;
    if (plausible) {
      for (std::size_t i = start; i < comma; ++i) {
        const char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c)) || c == ')' || c == '"' || c == '\'')
          plausible = false;
      }
    }
    if (plausible) {
      end = comma + 1;
      while (end < text.size() && is_base64_char(text[end])) ++end;
    }
    auto source = plausible ? parse_image_data_uri(text.substr(start, end - start)) : std::nullopt;
    if (!source) {
      from = start + 5;
      continue;
    }
    source->source_fragment_type = "text";
    TextImage image{start, end, {}, std::move(*source)};
    // Markdown "![alt](data:… "optional title")".
    if (start >= 2 && text.substr(start - 2, 2) == "](") {
      const auto open = text.rfind("![", start - 2);
      const auto newline = text.find('\n', open == std::string_view::npos ? start : open);
      std::size_t close = end;
      while (close < text.size() && text[close] == ' ') ++close;
      if (close < text.size() && text[close] == '"') {
        const auto quote = text.find('"', close + 1);
        close = quote == std::string_view::npos ? text.size() : quote + 1;
        while (close < text.size() && text[close] == ' ') ++close;
      }
      if (open != std::string_view::npos && (newline == std::string_view::npos || newline > start) &&
          close < text.size() && text[close] == ')' && (found.empty() || open >= found.back().end)) {
        image.begin = open;
        image.end = close + 1;
        image.alt = std::string(text.substr(open + 2, start - 2 - open - 2));
      }
    }
    from = image.end;
    found.push_back(std::move(image));
  }
  return found;
}

}  // namespace parley::chat
