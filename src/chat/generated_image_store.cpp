#include "chat/generated_image_store.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "blob/content_sniffing.hpp"
#include "chat/attachment_service.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "net/outbound_fetcher.hpp"

namespace parley::chat {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

std::string extension_of(const std::string& mime) {
  if (mime == "image/jpeg") return "jpg";
  if (mime.starts_with("image/")) return mime.substr(6);
  return "bin";
}

struct UrlHost {
  std::string scheme;
  std::string host;  // without IPv6 brackets
  std::string path;
};

std::optional<UrlHost> url_host(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return std::nullopt;
  UrlHost out;
  out.scheme = text::lower(u->scheme());
  out.host = u->encoded_host().decode();
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  out.path = u->encoded_path().decode();
  return out;
}

// The host only: signed URLs carry credentials in their query.
std::string loggable(const std::string& url) {
  const auto u = url_host(url);
  if (!u) return "(invalid URL)";
  const bool v6 = u->host.find(':') != std::string::npos;
  return u->scheme + "://" + (v6 ? "[" + u->host + "]" : u->host) + "/…";
}

}  // namespace

bj::object generated_image_metadata(const store::AttachmentRow& row, const std::string& display_url,
                                    const std::string& filename, const std::string& source_fragment_type) {
  bj::object m;
  m["attachment_id"] = row.attachment_id;
  m["display_url"] = display_url;
  m["delivery_url"] = display_url;  // parley resolves the delivery form itself when it builds a request
  m["mime_type"] = row.mime_type;
  m["size_bytes"] = row.size_bytes;
  m["session_id"] = row.session_id;
  m["uploaded_at"] = format_iso_utc_z(row.created_at);
  if (row.expires_at) m["expires_at"] = format_iso_utc_z(*row.expires_at);
  if (row.signed_url_expires_at) {
    if (const auto t = parse_timestamp(*row.signed_url_expires_at))
      m["signed_url_expires_at"] = format_iso_utc_z(*t);
  }
  if (!filename.empty()) m["filename"] = filename;
  if (!source_fragment_type.empty()) m["source_fragment_type"] = source_fragment_type;
  return m;
}

std::string generated_image_filename(const ImageSource& image, const std::string& mime) {
  if (!image.filename.empty()) return image.filename;
  if (image.kind == ImageSource::Kind::remote_url) {
    if (const auto u = url_host(image.url)) {
      const auto slash = u->path.rfind('/');
      const std::string last = slash == std::string::npos ? u->path : u->path.substr(slash + 1);
      const auto dot = last.rfind('.');
      if (dot != std::string::npos && dot > 0 && dot + 1 < last.size() && last.size() <= 200) return last;
    }
  }
  return "generated-image." + extension_of(mime);
}

AttachmentImageStore::AttachmentImageStore(AttachmentService& attachments, net::OutboundFetcher& fetcher,
                                           const Config& config, std::string session_id,
                                           std::string public_base, CancelSignal* cancel)
    : attachments_(attachments),
      fetcher_(fetcher),
      config_(config),
      session_id_(std::move(session_id)),
      public_base_(std::move(public_base)),
      cancel_(cancel) {}

namespace {

// The log line's reason for an image that was not downloaded.
std::string why_not_downloaded(const net::OutboundError& error, std::size_t max_bytes) {
  using Kind = net::OutboundError::Kind;
  switch (error.kind) {
    case Kind::private_address:
      return error.message +
             " (not a public address; list the host in IMAGE_DOWNLOAD_ALLOWED_HOSTS to allow it)";
    case Kind::too_large:
      return "larger than IMAGE_DOWNLOAD_MAX_BYTES (" + std::to_string(max_bytes) + " bytes)";
    case Kind::not_http:
    case Kind::host_not_listed:
    case Kind::timeout:
    case Kind::cancelled:
    case Kind::failed:
      break;
  }
  return error.message;
}

}  // namespace

awaitable<std::optional<std::string>> AttachmentImageStore::download(std::string url) {
  const auto where = loggable(url);
  net::OutboundRequest request{std::move(url), {}, config_.image_download_max_bytes};
  request.headers.add("Accept", "image/png, image/jpeg, image/webp, image/gif");
  auto result = co_await fetcher_.fetch(std::move(request), cancel_);
  if (!result) {
    log::warn("Generated image at {} not downloaded: {}", where,
              why_not_downloaded(result.error(), config_.image_download_max_bytes));
    co_return std::nullopt;
  }
  if (result->status != 200) {
    log::warn("Generated image at {} not downloaded: HTTP {}", where, result->status);
    co_return std::nullopt;
  }
  co_return std::move(result->body);
}

awaitable<std::optional<bj::object>> AttachmentImageStore::store(ImageSource image) {
  std::string bytes;
  if (image.kind == ImageSource::Kind::remote_url) {
    auto downloaded = co_await download(image.url);
    if (!downloaded) co_return std::nullopt;
    bytes = std::move(*downloaded);
  } else {
    bytes = std::move(image.bytes);
  }
  if (bytes.empty()) co_return std::nullopt;
  if (bytes.size() > config_.attachments_max_size_bytes) {
    log::info("Generated image of {} bytes left as it is: larger than ATTACHMENTS_MAX_SIZE_BYTES ({})",
              bytes.size(), config_.attachments_max_size_bytes);
    co_return std::nullopt;
  }
  const auto mime = blob::sniff_attachment_type(std::string_view(bytes).substr(0, 1024));
  if (!mime || !mime->starts_with("image/") || !blob::is_allowed_attachment_type(*mime)) {
    log::info("Generated image left as it is: its bytes are not PNG, JPEG, GIF or WebP");
    co_return std::nullopt;
  }
  const auto filename = generated_image_filename(image, *mime);
  NewAttachment attachment{session_id_, filename, *mime, std::move(bytes)};
  auto stored = co_await attachments_.store_upload(std::move(attachment));
  if (!stored) {
    const auto& detail = stored.error().detail;
    log::warn("Generated image of session {} not stored: {}", session_id_,
              detail.is_string() ? std::string(detail.get_string()) : std::string("storage failed"));
    co_return std::nullopt;
  }
  const auto display = AttachmentService::absolute_url(stored->display_url, public_base_);
  co_return generated_image_metadata(*stored, display, filename, image.source_fragment_type);
}

}  // namespace parley::chat
