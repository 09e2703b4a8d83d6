// Object keys of attachments (api.md §2.18, §5.3): "<safe(session_id)>/<attachment_id>__<safe(filename)>",
// built only from [A-Za-z0-9._-] so that no key can climb out of a folder or confuse a URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::blob {

// Every run of characters outside [A-Za-z0-9._-] becomes '_', leading and trailing '.', '_' and '-' are
// stripped, the result is cut to 100 characters; an empty result becomes "file".
std::string safe_key_component(std::string_view text);
std::string attachment_object_key(std::string_view session_id, std::string_view attachment_id,
                                  std::string_view filename);
// The attachment id of a key made by attachment_object_key; nullopt for any other shape.
std::optional<std::string> attachment_id_of_key(std::string_view key);
// True when every segment of `key` is non-empty, not "." or "..", and free of NUL and backslashes.
bool is_relative_object_key(std::string_view key);

}  // namespace parley::blob
