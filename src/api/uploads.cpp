#include "api/uploads.hpp"

#include <boost/json.hpp>

#include "api/public_base.hpp"
#include "api/responses.hpp"
#include "blob/content_sniffing.hpp"
#include "chat/attachment_service.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "net/multipart_parser.hpp"

namespace parley::api {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t kSessionIdCap = 4096;

// Collects the two fields of an upload while the body streams in, deciding 413/415 as early as possible.
class UploadCollector final : public net::MultipartSink {
 public:
  explicit UploadCollector(std::size_t max_file_bytes) : max_file_bytes_(max_file_bytes) {}

  bool on_part_begin(const net::MultipartPartHeaders& h) override {
    current_ = Field::other;
    if (h.name == "file" && !file_seen_) {
      file_seen_ = true;
      current_ = Field::file;
      filename_ = h.filename.value_or("");
      has_filename_ = h.filename.has_value();
      declared_type_ = blob::normalized_media_type(h.content_type);
      if (!declared_type_.empty() && declared_type_ != "application/octet-stream" &&
          !blob::is_allowed_attachment_type(declared_type_)) {
        error_ = Error::make(ErrorKind::unsupported_type, "Unsupported attachment type: " + declared_type_);
        return false;
      }
    } else if (h.name == "session_id" && !session_seen_) {
      session_seen_ = true;
      current_ = Field::session;
    }
    return true;
  }

  bool on_part_data(std::string_view data) override {
    if (current_ == Field::file) {
      if (data.size() > max_file_bytes_ - bytes_.size()) {
        error_ = Error::make(ErrorKind::too_large,
                             "Attachment exceeded " + std::to_string(max_file_bytes_) + " bytes limit");
        return false;
      }
      bytes_.append(data);
    } else if (current_ == Field::session) {
      if (session_id_.size() + data.size() > kSessionIdCap) {
        session_too_long_ = true;
      } else {
        session_id_.append(data);
      }
    }
    return true;
  }

  bool on_part_end() override {
    current_ = Field::other;
    return true;
  }

  std::optional<Error> error_;
  bool file_seen_ = false, has_filename_ = false, session_seen_ = false, session_too_long_ = false;
  std::string filename_, declared_type_, session_id_, bytes_;

 private:
  enum class Field { other, file, session };
  std::size_t max_file_bytes_;
  Field current_ = Field::other;
};

// Invalid UTF-8 sequences become U+FFFD, so the name can go into JSON and headers safely.
std::string valid_utf8(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len > 1 && i + len <= in.size() && json::is_valid_utf8(in.substr(i, len))) {
      out.append(in.substr(i, len));
      i += len;
    } else if (len == 1) {
      out += in[i++];
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

bool has_control_characters(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

net::Response storage_not_configured(const std::string& what) {
  return error_response(503, "Attachment storage is not configured: " + what);
}

bool is_multipart_form(std::string_view content_type) {
  return blob::normalized_media_type(content_type) == "multipart/form-data";
}

}  // namespace

awaitable<net::Response> post_upload(AttachmentRoutes& ctx, net::Request& req) {
  chat::AttachmentService& attachments = ctx.attachments;
  if (const auto missing = attachments.selected().missing_configuration(); !missing.empty())
    co_return storage_not_configured(missing);

  const auto content_type = req.header("Content-Type");
  const auto boundary = net::multipart_boundary(content_type);
  if (!boundary) {
    if (is_multipart_form(content_type))
      co_return error_response(400, "Malformed multipart body: missing or invalid boundary");
    ValidationErrors errors;
    errors.add("missing", loc({"body", "file"}), "Field required");
    errors.add("missing", loc({"body", "session_id"}), "Field required");
    co_return error_response(errors.to_error());
  }

  const std::size_t max_bytes = ctx.config.attachments_max_size_bytes;
  UploadCollector collector(max_bytes);
  net::MultipartParser parser(*boundary);
  net::MultipartParser::Status status = net::MultipartParser::Status::more;
  while (status == net::MultipartParser::Status::more) {
    if (!req.body_reader) {
      status = parser.finish();
      break;
    }
    const auto piece = co_await req.body_reader->read_some();
    switch (piece.status) {
      case net::BodyReader::Status::data:
        status = parser.feed(piece.data, collector);
        break;
      case net::BodyReader::Status::end:
        status = parser.finish();
        break;
      case net::BodyReader::Status::too_large:
        co_return error_response(413, "Request body too large");
      case net::BodyReader::Status::failed:
        co_return error_response(400, "The upload was interrupted");  // the client is gone: not written
    }
  }
  if (collector.error_) co_return error_response(*collector.error_);
  if (status == net::MultipartParser::Status::error)
    co_return error_response(400, "Malformed multipart body: " + parser.error());

  ValidationErrors errors;
  const bool file_missing =
      !collector.file_seen_ || (collector.bytes_.empty() && collector.filename_.empty());
  if (file_missing) errors.add("missing", loc({"body", "file"}), "Field required");
  const std::string& session_id = collector.session_id_;
  if (!collector.session_seen_ || (session_id.empty() && !collector.session_too_long_)) {
    errors.add("missing", loc({"body", "session_id"}), "Field required");
  } else if (collector.session_too_long_ || !json::is_valid_utf8(session_id) ||
             has_control_characters(session_id)) {
    errors.add("value_error", loc({"body", "session_id"}),
               "Value error, session_id must be valid UTF-8 text without control characters");
  } else {
    if (text::utf8_length(session_id) > 200)
      errors.add("string_too_long", loc({"body", "session_id"}), "String should have at most 200 characters");
  }
  if (!errors.empty()) co_return error_response(errors.to_error());
  if (collector.bytes_.empty()) co_return error_response(400, "Uploaded file was empty");

  const auto sniffed = blob::sniff_attachment_type(std::string_view(collector.bytes_).substr(0, 1024));
  const bool declared =
      !collector.declared_type_.empty() && collector.declared_type_ != "application/octet-stream";
  if (!sniffed || !blob::is_allowed_attachment_type(*sniffed) ||
      (declared && *sniffed != collector.declared_type_)) {
    const std::string shown = declared  ? collector.declared_type_
                              : sniffed ? *sniffed
                                        : std::string("application/octet-stream");
    co_return error_response(415, "Unsupported attachment type: " + shown);
  }

  chat::NewAttachment upload{session_id, valid_utf8(collector.filename_), *sniffed,
                             std::move(collector.bytes_)};
  const std::string filename = upload.filename;
  auto stored = co_await attachments.store_upload(std::move(upload));
  if (!stored) co_return error_response(stored.error());
  const auto& row = *stored;

  const auto display_url =
      chat::AttachmentService::absolute_url(row.display_url, public_base(ctx.config, req));
  const auto delivery_url = co_await attachments.delivery_url(row, display_url);
  bj::object attachment{
      {"id", row.attachment_id},
      {"sessionId", row.session_id},
      {"mimeType", row.mime_type},
      {"sizeBytes", row.size_bytes},
      {"displayUrl", display_url},
      {"deliveryUrl", delivery_url},
      {"uploadedAt", format_iso_utc_z(row.created_at)},
      {"expiresAt", row.expires_at ? bj::value(format_iso_utc_z(*row.expires_at)) : bj::value(nullptr)},
      {"metadata",
       bj::object{{"mime_type", row.mime_type}, {"size_bytes", row.size_bytes}, {"filename", filename}}}};
  co_return json_response(201, bj::object{{"attachment", std::move(attachment)}});
}

awaitable<net::Response> get_legacy_upload_content(net::Request&) {
  co_return error_response(410,
                           "Direct downloads are no longer supported. Use the signed URL provided when the "
                           "attachment was created.");
}

}  // namespace parley::api
