#include "chat/generated_image_store.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <memory>

#include "blob/attachment_service.hpp"
#include "blob/content_sniffing.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "net/address_policy.hpp"
#include "net/cancel_signal.hpp"
#include "net/http_client.hpp"

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
  out.scheme = std::string(u->scheme());
  for (auto& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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

std::optional<std::string> download_refusal(const std::string& url,
                                            const std::vector<std::string>& allowed_hosts) {
  const auto u = url_host(url);
  if (!u || (u->scheme != "http" && u->scheme != "https")) return "not an http(s) URL";
  if (u->host.empty()) return "the URL has no host";
  if (!allowed_hosts.empty() && !net::host_is_listed(u->host, allowed_hosts))
    return "host " + u->host + " is not in IMAGE_DOWNLOAD_ALLOWED_HOSTS";
  return std::nullopt;
}

AttachmentImageStore::AttachmentImageStore(blob::AttachmentService& attachments, net::HttpClient& http,
                                           const Config& config, std::string session_id,
                                           std::string public_base, net::CancelSignal* cancel)
    : attachments_(attachments),
      http_(http),
      config_(config),
      session_id_(std::move(session_id)),
      public_base_(std::move(public_base)),
      cancel_(cancel) {}

awaitable<std::optional<std::string>> AttachmentImageStore::download(std::string url) {
  if (const auto refusal = download_refusal(url, config_.image_download_allowed_hosts)) {
    log::warn("Generated image at {} not downloaded: {}", loggable(url), *refusal);
    co_return std::nullopt;
  }
  const bool listed = net::host_is_listed(url_host(url)->host, config_.image_download_allowed_hosts);
  const auto timeout = std::chrono::seconds(config_.image_download_timeout_seconds);

  net::ClientRequest request;
  request.method = "GET";
  request.url = url;
  request.headers.add("Accept", "image/png, image/jpeg, image/webp, image/gif");
  request.connect_timeout = timeout;
  request.read_timeout = timeout;
  request.max_body_bytes = config_.image_download_max_bytes;
  // A listed host may live anywhere (it was named on purpose); any other host only on public addresses.
  auto private_address = std::make_shared<bool>(false);
  if (listed) {
    request.address_allowed = [](const boost::asio::ip::address&) { return true; };
  } else {
    request.address_allowed = [private_address](const boost::asio::ip::address& a) {
      const bool ok = net::is_public_address(a);
      if (!ok) *private_address = true;
      return ok;
    };
  }

  // The whole download, not only each read, must finish within the timeout.
  auto stop = std::make_shared<net::CancelSignal>();
  auto expired = std::make_shared<bool>(false);
  net::CancelRegistration on_turn_cancel(cancel_, [stop] { stop->cancel(); });
  boost::asio::steady_timer deadline(co_await boost::asio::this_coro::executor);
  deadline.expires_after(timeout);
  deadline.async_wait([stop, expired](boost::system::error_code ec) {
    if (ec) return;
    *expired = true;
    stop->cancel();
  });
  auto result = co_await http_.fetch(std::move(request), stop.get());
  deadline.cancel();

  if (!result) {
    std::string why = result.error.message;
    if (*expired || result.error.kind == net::TransportError::Kind::timeout) {
      why = "no complete response within " + std::to_string(config_.image_download_timeout_seconds) +
            " seconds";
    } else if (*private_address) {
      why += " (not a public address; list the host in IMAGE_DOWNLOAD_ALLOWED_HOSTS to allow it)";
    } else if (result.error.kind == net::TransportError::Kind::too_large) {
      why = "larger than IMAGE_DOWNLOAD_MAX_BYTES (" + std::to_string(config_.image_download_max_bytes) +
            " bytes)";
    }
    log::warn("Generated image at {} not downloaded: {}", loggable(url), why);
    co_return std::nullopt;
  }
  if (result.value->status != 200) {
    log::warn("Generated image at {} not downloaded: HTTP {}", loggable(url), result.value->status);
    co_return std::nullopt;
  }
  co_return std::move(result.value->body);
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
  blob::NewAttachment attachment{session_id_, filename, *mime, std::move(bytes)};
  auto stored = co_await attachments_.store_upload(std::move(attachment));
  if (!stored) {
    const auto& detail = stored.error().detail;
    log::warn("Generated image of session {} not stored: {}", session_id_,
              detail.is_string() ? std::string(detail.get_string()) : std::string("storage failed"));
    co_return std::nullopt;
  }
  const auto display = blob::AttachmentService::absolute_url(stored->display_url, public_base_);
  co_return generated_image_metadata(*stored, display, filename, image.source_fragment_type);
}

}  // namespace parley::chat
