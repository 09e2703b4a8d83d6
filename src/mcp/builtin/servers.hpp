// parley's built-in MCP servers (api.md §7.2, §7.5): each is a StdioServer with its tools. What a server
// needs from parley (the history store, the attachments) comes in through small interfaces, so the servers
// do not depend on the store layer and tests hand them fakes or a temporary database.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcp/builtin/stdio_server.hpp"
#include "mcp/failure.hpp"

namespace parley::mcp::builtin {

StdioServer make_calculator_server();

// One stored message as chat_history reports it.
struct HistoryMessage {
  std::int64_t message_id = 0;
  std::string role;
  std::string content;  // text, or the JSON text of structured content
  std::optional<std::string> client_message_id;
  std::optional<std::string> parent_client_message_id;
  std::chrono::system_clock::time_point created_at;
};
// Every message of a session in storage order (empty when the session does not exist), or why the store
// could not be read.
using HistoryLoader =
    std::function<Result<std::vector<HistoryMessage>, Failure>(const std::string& session_id)>;

struct HousekeepingOptions {
  HistoryLoader load_history;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};
StdioServer make_housekeeping_server(HousekeepingOptions options);

// An attachment row as extract_saved_attachment needs it.
struct SavedAttachment {
  std::string attachment_id;
  std::string storage_backend;  // "local", "gcs", "s3"
  std::string storage_key;
  std::string mime_type;
  std::string filename;
  std::int64_t size_bytes = 0;
};
// nullopt: no such attachment; failure: the store could not be read.
using AttachmentLookup =
    std::function<Result<std::optional<SavedAttachment>, Failure>(const std::string& attachment_id)>;

// An attachment's bytes from its storage backend (local, GCS or S3), or why they cannot be read.
using AttachmentReader = std::function<Result<std::string, Failure>(const SavedAttachment& attachment)>;

struct DownloadedFile {
  std::string bytes;
  std::string content_type;  // the response's media type, without parameters ("" when absent)
};
// Fetches an http(s) URL under parley's download rules, at most max_bytes; the failure text is for the model.
using UrlDownloader =
    std::function<Result<DownloadedFile, Failure>(const std::string& url, std::uintmax_t max_bytes)>;

struct PdfOptions {
  std::filesystem::path uploads_dir;  // LEGACY_ATTACHMENTS_DIR
  std::filesystem::path blob_dir;     // PARLEY_BLOB_DIR: local attachment objects
  std::filesystem::path home;         // PARLEY_HOME: relative paths may also start from here
  AttachmentLookup find_attachment;
  AttachmentReader read_attachment;  // unset: local objects under blob_dir only
  UrlDownloader download;            // unset: URLs are refused
  std::uintmax_t max_file_bytes = 50u * 1024u * 1024u;
  std::size_t max_content_chars = 400000;
};
StdioServer make_pdf_server(PdfOptions options);

}  // namespace parley::mcp::builtin
