// Small encodings the Google clients share: base64url both ways (Gmail bodies and raw messages use it,
// with or without padding), form and query encoding (RFC 3986 unreserved characters kept).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::google {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Accepts '-' '_' (and, leniently, '+' '/'), with or without '=' padding, ignoring line breaks.
bool base64url_decode(std::string_view in, std::string& out);
// "k=v&k=v" with every byte outside A-Z a-z 0-9 - . _ ~ percent-encoded.
std::string form_encode(const QueryParams& params);
// One path segment of a Google URL ("primary", an event id, "user@example.com").
std::string path_segment(std::string_view segment);

}  // namespace parley::google
