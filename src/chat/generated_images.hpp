// Generated images in the model's stream (api.md §3.3 "Generated images"): finding the image fragments of a
// streamed chunk (delta.content arrays, delta.images, message.content, message.images) and the data:image
// URIs inside streamed text, decoding their inline data, and the fragment shape a stored image is rewritten
// to. Pure functions; storing and downloading live behind GeneratedImageStore (generated_image_store.hpp).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::chat {

// An image the model produced: its bytes when they came inline, or the http(s) URL to download.
struct ImageSource {
  enum class Kind { inline_bytes, remote_url } kind = Kind::inline_bytes;
  std::string bytes;                 // inline_bytes: the decoded data
  std::string url;                   // remote_url
  std::string declared_mime;         // from the data: URI or a mime member; may be empty
  std::string source_fragment_type;  // the fragment's "type" ("text" for a data: URI in text); may be empty
  std::string filename;              // a name the fragment gave; may be empty

  // The same image twice in one hop (a delta and the final message) has the same identity.
  [[nodiscard]] std::string identity() const;
};

// Base64 as models send it: standard or URL-safe alphabet, whitespace and missing padding tolerated.
std::optional<std::string> decode_base64_lenient(std::string_view text);

// "data:image/<subtype>[;param…];base64,<data>" -> the decoded image; nullopt for anything else (other media
// types, no base64 marker, undecodable data).
std::optional<ImageSource> parse_image_data_uri(std::string_view uri);

// The image a chunk fragment carries: `image_url` (string or {"url"}), `url`, `b64_json`, `data`,
// `image_base64`, `source` ({"type":"base64","media_type","data"} or {"type":"url","url"}), `inline_data` /
// `inlineData`. nullopt for text fragments, fragments already rewritten (metadata.attachment_id), URLs that
// are neither data: nor http(s), and undecodable data.
std::optional<ImageSource> image_of_fragment(const boost::json::value& fragment);

// Where an image fragment sits in a chunk: choices[choice].(delta|message).(content|images)[index].
struct FragmentRef {
  std::size_t choice = 0;
  bool in_message = false;
  bool in_images = false;
  std::size_t index = 0;
  // Bytes of streamed text (delta.content strings and text parts) that come before it in this chunk, so the
  // stored content can keep text and images in the order they arrived.
  std::size_t text_before = 0;
};

// The fragments of `chunk` that carry an image (image_of_fragment), in chunk order.
std::vector<FragmentRef> image_fragment_refs(const boost::json::value& chunk);
// The fragment a ref points at; null when the chunk has no such fragment.
boost::json::value* fragment_at(boost::json::value& chunk, const FragmentRef& ref);

// {"type":"image_url","image_url":{"url":<metadata.display_url>},"metadata":<metadata>} — the form a stored
// image takes in the forwarded chunk and in the stored assistant row.
boost::json::object generated_image_fragment(const boost::json::object& metadata);

// A data:image URI inside streamed text, optionally wrapped in Markdown "![alt](…)": [begin, end) is the span
// to replace (the whole Markdown image when wrapped).
struct TextImage {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string alt;
  ImageSource source;
};
std::vector<TextImage> find_text_images(std::string_view text);

// Whether a fragment (of a user or assistant content array) is an image: an image_url/image/input_image/
// output_image fragment or one with an `image_url` member.
bool is_image_fragment(const boost::json::value& fragment);

}  // namespace parley::chat
