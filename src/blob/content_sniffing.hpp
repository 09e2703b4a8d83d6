// The attachment types parley accepts and how it recognises them from their leading bytes (api.md §2.18
// steps 3 and 5): PNG, JPEG, GIF, WebP and PDF.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::blob {

bool is_allowed_attachment_type(std::string_view mime);
// The media type of a part's Content-Type: lower-cased, parameters and surrounding spaces removed.
std::string normalized_media_type(std::string_view content_type);
// The sniffed type of `head` (the first bytes of the file; 1024 are enough), nullopt when unrecognised.
std::optional<std::string> sniff_attachment_type(std::string_view head);

}  // namespace parley::blob
