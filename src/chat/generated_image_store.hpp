// Where generated images go (api.md §3.3 "Generated images"): GeneratedImageStore is the small interface the
// hop uses; AttachmentImageStore keeps them as attachments of the turn's session (same key rules and size
// limit as uploads), downloading http(s) images through the outbound fetcher (IMAGE_DOWNLOAD_ALLOWED_HOSTS,
// _TIMEOUT_SECONDS, private addresses only when listed) up to IMAGE_DOWNLOAD_MAX_BYTES.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "chat/generated_images.hpp"
#include "core/config.hpp"
#include "store/repository.hpp"

namespace parley {
class CancelSignal;
}  // namespace parley

namespace parley::net {
class OutboundFetcher;
}  // namespace parley::net

namespace parley::chat {
class AttachmentService;
}  // namespace parley::chat

namespace parley::chat {

class GeneratedImageStore {
 public:
  virtual ~GeneratedImageStore() = default;
  // Stores the image; the fragment metadata of §3.3 on success, nullopt when the image is left as it is (too
  // large, not an image, host not allowed, download failed, storage failed).
  virtual boost::asio::awaitable<std::optional<boost::json::object>> store(ImageSource image) = 0;
};

// {"attachment_id","display_url","delivery_url","mime_type","size_bytes","session_id","uploaded_at",
//  "expires_at"?,"signed_url_expires_at"?,"filename"?,"source_fragment_type"?} — null or empty members left
// out, timestamps in UTC with "Z".
boost::json::object generated_image_metadata(const store::AttachmentRow& row, const std::string& display_url,
                                             const std::string& filename,
                                             const std::string& source_fragment_type);

// The name a generated image is stored under: the name the fragment gave, else the last path segment of its
// URL when that has an extension, else "generated-image.<ext of mime>".
std::string generated_image_filename(const ImageSource& image, const std::string& mime);

class AttachmentImageStore final : public GeneratedImageStore {
 public:
  // `public_base`: the scheme and host local display URLs are made absolute on. `cancel` (may be null) stops
  // a running download when the turn is cancelled.
  AttachmentImageStore(AttachmentService& attachments, net::OutboundFetcher& fetcher, const Config& config,
                       std::string session_id, std::string public_base, CancelSignal* cancel);

  boost::asio::awaitable<std::optional<boost::json::object>> store(ImageSource image) override;

 private:
  boost::asio::awaitable<std::optional<std::string>> download(std::string url);

  AttachmentService& attachments_;
  net::OutboundFetcher& fetcher_;
  const Config& config_;
  std::string session_id_;
  std::string public_base_;
  CancelSignal* cancel_;
};

}  // namespace parley::chat
