#include "blob/content_sniffing.hpp"

#include "blob/canonical_text.hpp"
#include "core/text.hpp"

namespace parley::blob {

bool is_allowed_attachment_type(std::string_view mime) {
  return mime == "image/png" || mime == "image/jpeg" || mime == "image/webp" || mime == "image/gif" ||
         mime == "application/pdf";
}

std::string normalized_media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return text::lower(type);
}

std::optional<std::string> sniff_attachment_type(std::string_view head) {
  using namespace std::string_view_literals;
  if (head.starts_with("\x89PNG\r\n\x1a\n"sv)) return "image/png";
  if (head.starts_with("\xff\xd8\xff"sv)) return "image/jpeg";
  if (head.starts_with("GIF87a"sv) || head.starts_with("GIF89a"sv)) return "image/gif";
  if (head.size() >= 12 && head.starts_with("RIFF"sv) && head.substr(8, 4) == "WEBP"sv) return "image/webp";
  if (head.substr(0, 1024).find("%PDF-"sv) != std::string_view::npos) return "application/pdf";
  return std::nullopt;
}

}  // namespace parley::blob
