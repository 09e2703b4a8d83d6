#include "api/files.hpp"

#include <charconv>

#include "api/responses.hpp"
#include "blob/canonical_text.hpp"
#include "blob/local_signing.hpp"
#include "chat/attachment_service.hpp"
#include "core/text.hpp"

namespace parley::api {

using boost::asio::awaitable;

namespace {

struct ByteRange {
  std::size_t first = 0, last = 0;
};

// A single "bytes=" range: nullopt when the header is absent, malformed or lists several ranges (the whole
// file is served then); `unsatisfiable` when it lies beyond the file.
std::optional<ByteRange> parse_range(std::string_view header, std::size_t size, bool& unsatisfiable) {
  unsatisfiable = false;
  const auto eq = header.find('=');
  if (eq == std::string_view::npos || !text::lower(header.substr(0, eq)).starts_with("bytes"))
    return std::nullopt;
  auto spec = header.substr(eq + 1);
  while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto number = [](std::string_view text, std::uint64_t& out) {
    if (text.empty() || text.size() > 19) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
  };
  const auto first_text = spec.substr(0, dash);
  const auto last_text = spec.substr(dash + 1);
  std::uint64_t first = 0, last = 0;
  if (first_text.empty()) {  // suffix range: the last N bytes
    if (!number(last_text, last)) return std::nullopt;
    if (last == 0) {
      unsatisfiable = true;
      return std::nullopt;
    }
    const auto n = std::min<std::uint64_t>(last, size);
    return ByteRange{size - static_cast<std::size_t>(n), size - 1};
  }
  if (!number(first_text, first)) return std::nullopt;
  if (last_text.empty()) {
    last = size - 1;
  } else if (!number(last_text, last) || last < first) {
    return std::nullopt;
  }
  if (first >= size) {
    unsatisfiable = true;
    return std::nullopt;
  }
  return ByteRange{static_cast<std::size_t>(first),
                   static_cast<std::size_t>(std::min<std::uint64_t>(last, size - 1))};
}

// inline; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>
std::string content_disposition(const std::string& name) {
  std::string fallback;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c >= 0x80 && c < 0xC0) continue;  // UTF-8 continuation byte: its character became one '_'
    fallback += (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
  }
  const std::string shown = name.empty() ? std::string("file") : name;
  if (fallback.empty()) fallback = "file";
  return "inline; filename=\"" + fallback + "\"; filename*=UTF-8''" + blob::uri_encode(shown, false);
}

net::Response invalid_signature() {
  return error_response(403, "Invalid or expired signature");
}

}  // namespace

awaitable<net::Response> get_file(AttachmentRoutes& ctx, net::Request& req) {
  const auto it = req.path_params.find("key");
  if (it == req.path_params.end()) co_return error_response(404, "Not Found");
  const std::string key = it->second;
  const auto exp = req.query_param("exp");
  const auto sig = req.query_param("sig");
  const auto now = std::chrono::system_clock::now();
  // The signature is checked before anything is looked up.
  const auto check = blob::check_local_signature(ctx.attachments.local().signing_key(), key, exp.value_or(""),
                                                 sig.value_or(""), now);
  if (check != blob::LocalSignatureCheck::valid) co_return invalid_signature();

  auto file = co_await ctx.attachments.find_local_file(key);
  if (!file) co_return error_response(404, "Not Found");

  const auto expires_in =
      std::stoll(*exp) - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  net::Response res;
  res.headers.set("Content-Type", file->row.mime_type);
  res.headers.set("Content-Disposition", content_disposition(file->filename));
  res.headers.set("X-Content-Type-Options", "nosniff");
  res.headers.set("Cache-Control",
                  "private, max-age=" + std::to_string(std::clamp<long long>(expires_in, 0, 3600)));
  res.headers.set("ETag", "\"" + file->row.attachment_id + "\"");
  res.headers.set("Accept-Ranges", "bytes");

  const std::size_t size = file->bytes.size();
  bool unsatisfiable = false;
  const auto range_header = req.headers.get("Range");
  const auto range =
      range_header && size > 0 ? parse_range(*range_header, size, unsatisfiable) : std::nullopt;
  if (unsatisfiable) {
    auto refused = error_response(416, "Requested range not satisfiable");
    refused.headers.set("Content-Range", "bytes */" + std::to_string(size));
    co_return refused;
  }
  if (range) {
    res.status = 206;
    res.headers.set("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                         std::to_string(range->last) + "/" + std::to_string(size));
    res.body = file->bytes.substr(range->first, range->last - range->first + 1);
  } else {
    res.body = std::move(file->bytes);
  }
  co_return res;
}

}  // namespace parley::api
