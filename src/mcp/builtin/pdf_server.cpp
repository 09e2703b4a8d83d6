// The built-in pdf server (api.md §7.5): text extraction from files in LEGACY_ATTACHMENTS_DIR, from base64
// bytes and from saved attachments, plus listing and searching the uploads folder. OCR, table, entity and
// keyword options are accepted, ignored and reported in `warnings`. URLs are fetched through the downloader
// parley hands in (its address rules), never directly.
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "mcp/builtin/document_text.hpp"
#include "mcp/builtin/servers.hpp"
#include "mcp/builtin/text_limits.hpp"
#include "mcp/builtin/tool_arguments.hpp"
#include "mcp/builtin/upload_paths.hpp"

namespace parley::mcp::builtin {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_batch_items = 20;

// The options every extraction tool shares.
struct ExtractOptions {
  bool chunk_content = false;
  std::int64_t max_chars = 1000;
  std::int64_t max_overlap = 200;
  std::optional<std::string> pages;  // read by read_pages: an integer or a string
  std::vector<std::string> ignored;  // warnings about accepted-but-ignored options
};

ExtractOptions read_extract_options(ToolArguments& args) {
  ExtractOptions o;
  if (args.boolean("force_ocr", false)) {
    o.ignored.push_back("force_ocr is not supported: the PDF's text layer is extracted without OCR.");
  }
  if (args.boolean("extract_tables", false) || args.boolean("enable_table_detection", false)) {
    o.ignored.push_back("Table extraction is not supported: tables appear as plain text.");
  }
  if (args.boolean("extract_entities", false)) o.ignored.push_back("Entity extraction is not supported.");
  if (args.boolean("extract_keywords", false)) o.ignored.push_back("Keyword extraction is not supported.");
  args.integer("keyword_count", 10, 0, 1000);
  if (args.boolean("auto_detect_language", false))
    o.ignored.push_back("Language detection is not supported.");
  const auto backend = args.optional_string("ocr_backend");
  const bool ocr_settings = args.has("tesseract_lang") || args.has("tesseract_psm") ||
                            args.has("tesseract_output_format") || (backend && *backend != "tesseract");
  args.optional_string("tesseract_lang");
  args.optional_string("tesseract_output_format");
  if (ocr_settings)
    o.ignored.push_back("OCR settings (ocr_backend, tesseract_*) are ignored: no OCR is done.");
  o.chunk_content = args.boolean("chunk_content", false);
  o.max_chars = args.integer("max_chars", 1000, 1, 1000000);
  o.max_overlap = args.integer("max_overlap", 200, 0, 1000000);
  return o;
}

// `pages` may be an integer or a string; read it separately so the message names both forms.
std::optional<std::string> read_pages(const bj::object& arguments, std::string& problem) {
  const auto* v = arguments.if_contains("pages");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64() && v->get_int64() >= 1) return std::to_string(v->get_int64());
  problem = "Argument 'pages' must be a page number or a string like \"1-3,5\".";
  return std::nullopt;
}

bj::array string_array(const std::vector<std::string>& items) {
  bj::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

// {"content","mime_type","metadata","chunks"?,"warnings"?} with the content capped.
bj::object shape_result(ExtractedText text, const ExtractOptions& options, std::size_t max_content_chars) {
  auto warnings = options.ignored;
  warnings.insert(warnings.end(), text.warnings.begin(), text.warnings.end());
  auto cut = cut_to_chars(text.content, max_content_chars);
  if (cut.truncated) {
    warnings.push_back("The content was cut to " + std::to_string(max_content_chars) + " of " +
                       std::to_string(cut.total_chars) + " characters; use 'pages' to read the rest.");
  }
  text.metadata["char_count"] = static_cast<std::uint64_t>(cut.total_chars);
  bj::object out{
      {"content", cut.text}, {"mime_type", text.mime_type}, {"metadata", std::move(text.metadata)}};
  if (options.chunk_content) {
    bj::array chunks;
    const auto pieces = chunk_text(cut.text, static_cast<std::size_t>(options.max_chars),
                                   static_cast<std::size_t>(options.max_overlap));
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      chunks.push_back(bj::object{{"index", static_cast<std::uint64_t>(i)},
                                  {"content", pieces[i]},
                                  {"char_count", static_cast<std::uint64_t>(count_chars(pieces[i]))}});
    }
    out["chunks"] = std::move(chunks);
  }
  if (!warnings.empty()) out["warnings"] = string_array(warnings);
  return out;
}

bool is_url(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

class PdfServer {
 public:
  explicit PdfServer(PdfOptions options) : o_(std::move(options)) {}

  // One file below the uploads folder, as a result object or a failure text.
  Result<bj::object, Failure> extract_file(const std::string& file_path, const std::string& mime_hint,
                                           const ExtractOptions& options, std::size_t max_chars,
                                           const CallContext& context) const {
    if (is_url(file_path)) return extract_url(file_path, mime_hint, options, max_chars, context);
    auto path = resolve_inside(o_.uploads_dir, file_path, "uploads folder (LEGACY_ATTACHMENTS_DIR)");
    // Paths relative to the parley home ("data/uploads/s1/a.pdf") as the earlier server took them, still
    // only inside the uploads folder.
    if (!path && !o_.home.empty() && !fs::path(file_path).is_absolute()) {
      auto from_home = resolve_inside(o_.uploads_dir, (o_.home / file_path).string(), "uploads folder");
      if (from_home) path = std::move(from_home);
    }
    if (!path) return path.error();
    auto bytes = read_file_limited(path.value(), o_.max_file_bytes);
    if (!bytes) return bytes.error();
    const auto mime = mime_hint.empty() ? mime_type_for(path.value()) : mime_hint;
    auto text = extract_text({bytes.value(), mime, path.value().filename().string(), options.pages}, context);
    if (!text) return text.error();
    text.value().metadata["file_path"] = path.value().string();
    text.value().metadata["size_bytes"] = static_cast<std::uint64_t>(bytes.value().size());
    return shape_result(std::move(text.value()), options, max_chars);
  }

  Result<bj::object, Failure> extract_url(const std::string& url, const std::string& mime_hint,
                                          const ExtractOptions& options, std::size_t max_chars,
                                          const CallContext& context) const {
    if (!o_.download) {
      return fail(
          "Downloading URLs is not available here: save the document as an attachment or into "
          "the uploads folder, then extract it from there.");
    }
    auto file = o_.download(url, o_.max_file_bytes);
    if (!file) return file.error();
    // The name for messages and type detection: the URL's last path segment.
    std::string name = url.substr(0, url.find_first_of("?#"));
    if (const auto slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
    if (name.empty()) name = "the download";
    const auto mime =
        !mime_hint.empty() ? mime_hint
        : !file.value().content_type.empty() && file.value().content_type != "application/octet-stream"
            ? file.value().content_type
            : mime_type_for(name);
    auto text = extract_text({file.value().bytes, mime, name, options.pages}, context);
    if (!text) return text.error();
    text.value().metadata["url"] = url;
    text.value().metadata["size_bytes"] = static_cast<std::uint64_t>(file.value().bytes.size());
    return shape_result(std::move(text.value()), options, max_chars);
  }

  Result<bj::object, Failure> extract_base64(const std::string& content_base64, const std::string& mime,
                                             const std::string& name, const ExtractOptions& options,
                                             std::size_t max_chars, const CallContext& context) const {
    std::string compact;
    compact.reserve(content_base64.size());
    for (const char c : content_base64) {
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
    }
    if (compact.size() / 4 * 3 > o_.max_file_bytes) {
      return fail(name + " is larger than " + std::to_string(o_.max_file_bytes) + " bytes.");
    }
    std::string bytes;
    if (compact.empty() || !base64_decode(compact, bytes)) {
      return fail(name + ": content_base64 is not valid base64.");
    }
    auto text = extract_text({bytes, mime, name, options.pages}, context);
    if (!text) return text.error();
    text.value().metadata["size_bytes"] = static_cast<std::uint64_t>(bytes.size());
    return shape_result(std::move(text.value()), options, max_chars);
  }

  bj::object extract_document(const bj::object& arguments, const CallContext& context) const {
    ToolArguments args(arguments);
    const auto file_path = args.required_string("file_path");
    const auto mime = args.optional_string("mime_type").value_or("");
    auto options = read_options(args, arguments);
    if (!args.ok()) return error_result(args.problem());
    auto result = extract_file(file_path, mime, options, o_.max_content_chars, context);
    if (!result) return error_result(result.error().message);
    return json_result(result.value());
  }

  bj::object extract_simple(const bj::object& arguments, const CallContext& context) const {
    ToolArguments args(arguments);
    const auto file_path = args.required_string("file_path");
    const auto mime = args.optional_string("mime_type").value_or("");
    if (!args.ok()) return error_result(args.problem());
    auto result = extract_file(file_path, mime, ExtractOptions{}, o_.max_content_chars, context);
    if (!result) return error_result(result.error().message);
    return text_result(result.value().at("content").as_string());
  }

  bj::object extract_bytes(const bj::object& arguments, const CallContext& context) const {
    ToolArguments args(arguments);
    const auto data = args.required_string("content_base64");
    const auto mime = args.required_string("mime_type");
    auto options = read_options(args, arguments);
    if (!args.ok()) return error_result(args.problem());
    auto result = extract_base64(data, mime, "the content", options, o_.max_content_chars, context);
    if (!result) return error_result(result.error().message);
    return json_result(result.value());
  }

  bj::object batch_extract_document(const bj::object& arguments, const CallContext& context) const {
    ToolArguments args(arguments);
    const auto* paths = args.optional_array("file_paths");
    if (args.ok() && paths == nullptr) args.fail("Argument 'file_paths' is required.");
    auto options = read_options(args, arguments);
    if (args.ok() && (paths->empty() || paths->size() > max_batch_items)) {
      args.fail("Argument 'file_paths' must hold 1 to " + std::to_string(max_batch_items) + " paths.");
    }
    if (!args.ok()) return error_result(args.problem());
    const auto share = o_.max_content_chars / paths->size();
    bj::array results;
    std::size_t failed = 0;
    for (const auto& item : *paths) {
      if (!item.is_string()) {
        results.push_back(bj::object{{"file_path", item}, {"error", "Each file path must be a string."}});
        ++failed;
        continue;
      }
      const std::string path(item.get_string());
      auto one = extract_file(path, "", options, share, context);
      if (!one) {
        results.push_back(bj::object{{"file_path", path}, {"error", one.error().message}});
        ++failed;
      } else {
        one.value()["file_path"] = path;
        results.push_back(std::move(one.value()));
      }
    }
    return json_result(bj::object{{"results", std::move(results)},
                                  {"succeeded", static_cast<std::uint64_t>(paths->size() - failed)},
                                  {"failed", static_cast<std::uint64_t>(failed)}});
  }

  bj::object batch_extract_bytes(const bj::object& arguments, const CallContext& context) const {
    ToolArguments args(arguments);
    const auto* items = args.optional_array("content_items");
    if (args.ok() && items == nullptr) args.fail("Argument 'content_items' is required.");
    auto options = read_options(args, arguments);
    if (args.ok() && (items->empty() || items->size() > max_batch_items)) {
      args.fail("Argument 'content_items' must hold 1 to " + std::to_string(max_batch_items) + " items.");
    }
    if (!args.ok()) return error_result(args.problem());
    const auto share = o_.max_content_chars / items->size();
    bj::array results;
    std::size_t failed = 0;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto name = "content item " + std::to_string(i + 1);
      const auto& item = (*items)[i];
      const auto* data = item.is_object() ? item.get_object().if_contains("content_base64") : nullptr;
      const auto* mime = item.is_object() ? item.get_object().if_contains("mime_type") : nullptr;
      if (data == nullptr || !data->is_string() ||
          (mime != nullptr && !mime->is_string() && !mime->is_null())) {
        results.push_back(
            bj::object{{"index", i},
                       {"error", name + " must be an object with a string content_base64 and mime_type."}});
        ++failed;
        continue;
      }
      const std::string mime_text =
          mime != nullptr && mime->is_string() ? std::string(mime->get_string()) : "";
      auto one = extract_base64(std::string(data->get_string()), mime_text, name, options, share, context);
      if (!one) {
        results.push_back(bj::object{{"index", i}, {"error", one.error().message}});
        ++failed;
      } else {
        one.value()["index"] = i;
        results.push_back(std::move(one.value()));
      }
    }
    return json_result(bj::object{{"results", std::move(results)},
                                  {"succeeded", static_cast<std::uint64_t>(items->size() - failed)},
                                  {"failed", static_cast<std::uint64_t>(failed)}});
  }

  bj::object extract_saved_attachment(const bj::object& arguments, const CallContext& context) const {
    ToolArguments args(arguments);
    const auto id = args.required_string("attachment_id");
    auto options = read_options(args, arguments);
    if (!args.ok()) return error_result(args.problem());
    if (!o_.find_attachment) return error_result("Saved attachments are not available to this server.");
    auto found = o_.find_attachment(id);
    if (!found) return error_result("Could not look up the attachment: " + found.error().message);
    if (!found.value()) return error_result("No attachment with id '" + id + "' exists.");
    const auto& a = *found.value();
    if (a.size_bytes > 0 && static_cast<std::uintmax_t>(a.size_bytes) > o_.max_file_bytes) {
      return error_result("Attachment '" + id + "' is " + std::to_string(a.size_bytes) +
                          " bytes; files over " + std::to_string(o_.max_file_bytes) +
                          " bytes are not extracted.");
    }
    auto bytes = o_.read_attachment ? o_.read_attachment(a) : read_local_object(a);
    if (!bytes) return error_result(bytes.error().message);
    if (bytes.value().size() > o_.max_file_bytes) {
      return error_result("Attachment '" + id + "' is larger than " + std::to_string(o_.max_file_bytes) +
                          " bytes; it is not extracted.");
    }
    auto text = extract_text(
        {bytes.value(), a.mime_type, a.filename.empty() ? id : a.filename, options.pages}, context);
    if (!text) return error_result(text.error().message);
    text.value().metadata["attachment_id"] = id;
    text.value().metadata["filename"] = a.filename;
    text.value().metadata["size_bytes"] = static_cast<std::uint64_t>(bytes.value().size());
    return json_result(shape_result(std::move(text.value()), options, o_.max_content_chars));
  }

  bj::object list_upload_paths(const bj::object& arguments, const CallContext&) const {
    ToolArguments args(arguments);
    UploadQuery q;
    q.subdir = args.optional_string("subdir");
    q.pattern = args.optional_string("pattern");
    q.max_results = static_cast<std::size_t>(args.integer("max_results", 200, 1, 5000));
    q.include_dirs = args.boolean("include_dirs", false);
    if (!args.ok()) return error_result(args.problem());
    return listing_result(q);
  }

  bj::object search_upload_paths(const bj::object& arguments, const CallContext&) const {
    ToolArguments args(arguments);
    UploadQuery q;
    q.name_contains = args.required_string("query");
    const auto session = args.optional_string("session_id");
    q.max_results = static_cast<std::size_t>(args.integer("max_results", 100, 1, 5000));
    if (!args.ok()) return error_result(args.problem());
    if (session && !session->empty()) {
      const auto segment = safe_path_segment(*session);
      if (segment == "." || segment == "..") return error_result("Argument 'session_id' is not a valid id.");
      q.subdir = segment;
    }
    return listing_result(q);
  }

 private:
  ExtractOptions read_options(ToolArguments& args, const bj::object& arguments) const {
    auto options = read_extract_options(args);
    std::string problem;
    options.pages = read_pages(arguments, problem);
    if (!problem.empty()) args.fail(problem);
    return options;
  }

  // Without a reader from parley: local objects only, read straight from the blob folder.
  [[nodiscard]] Result<std::string, Failure> read_local_object(const SavedAttachment& a) const {
    if (a.storage_backend != "local") {
      return fail("Attachment '" + a.attachment_id + "' is kept in '" + a.storage_backend +
                  "' storage, which this server cannot read.");
    }
    auto path = resolve_inside(o_.blob_dir, a.storage_key, "attachment storage folder");
    if (!path) return fail("The attachment's file is not available: " + path.error().message);
    return read_file_limited(path.value(), o_.max_file_bytes);
  }

  bj::object listing_result(const UploadQuery& q) const {
    auto listing = list_uploads(o_.uploads_dir, q);
    if (!listing) return error_result(listing.error().message);
    bj::array files;
    for (const auto& e : listing.value().entries) {
      bj::object item{{"relative_path", e.relative_path},
                      {"absolute_path", e.absolute_path},
                      {"size_bytes", static_cast<std::uint64_t>(e.size_bytes)},
                      {"modified_at", format_iso_utc_z(e.modified_at)},
                      {"mime_type", e.mime_type}};
      if (e.is_directory) item["is_directory"] = true;
      if (e.attachment_id) item["attachment_id"] = *e.attachment_id;
      files.push_back(std::move(item));
    }
    bj::object out{{"root", o_.uploads_dir.string()},
                   {"files", std::move(files)},
                   {"count", static_cast<std::uint64_t>(listing.value().entries.size())},
                   {"total_matches", static_cast<std::uint64_t>(listing.value().total_matches)}};
    if (listing.value().scan_truncated) {
      out["warnings"] = bj::array{
          "The uploads folder holds more entries than one listing scans; narrow it with "
          "'subdir' or 'pattern'."};
    }
    return json_result(out);
  }

  PdfOptions o_;
};

constexpr const char* extract_option_properties = R"(
  "force_ocr":{"type":"boolean","default":false,"description":"Accepted and ignored: no OCR is done"},
  "chunk_content":{"type":"boolean","default":false,"description":"Also split the content into chunks"},
  "extract_tables":{"type":"boolean","default":false,"description":"Accepted and ignored"},
  "extract_entities":{"type":"boolean","default":false,"description":"Accepted and ignored"},
  "extract_keywords":{"type":"boolean","default":false,"description":"Accepted and ignored"},
  "ocr_backend":{"type":"string","default":"tesseract","description":"Accepted and ignored"},
  "max_chars":{"type":"integer","default":1000,"minimum":1,"description":"Characters per chunk"},
  "max_overlap":{"type":"integer","default":200,"minimum":0,"description":"Characters shared by neighbouring chunks"},
  "keyword_count":{"type":"integer","default":10,"description":"Accepted and ignored"},
  "auto_detect_language":{"type":"boolean","default":false,"description":"Accepted and ignored"},
  "tesseract_lang":{"type":"string","description":"Accepted and ignored"},
  "tesseract_psm":{"type":"integer","description":"Accepted and ignored"},
  "tesseract_output_format":{"type":"string","description":"Accepted and ignored"},
  "enable_table_detection":{"type":"boolean","description":"Accepted and ignored"},
  "pages":{"type":["string","integer"],"description":"PDF pages to extract, e.g. \"1-3,5\"; default all pages"})";

bj::object extraction_schema(const std::string& own_properties, const std::string& required) {
  return schema(R"({"type":"object","properties":{)" + own_properties + "," + extract_option_properties +
                R"(},"required":)" + required + "}");
}

}  // namespace

StdioServer make_pdf_server(PdfOptions options) {
  auto s = std::make_shared<PdfServer>(std::move(options));
  const auto bind = [s](bj::object (PdfServer::*method)(const bj::object&, const CallContext&) const) {
    return [s, method](const bj::object& a, const CallContext& c) { return ((*s).*method)(a, c); };
  };
  const std::string file_path =
      R"("file_path":{"type":"string","description":"Path inside the uploads folder: relative, or absolute as listed by list_upload_paths"
},
         "mime_type":{"type":"string","description":"Type of the file when its name does not tell"})";
  const std::string bytes =
      R"("content_base64":{"type":"string","description":"The file's bytes, base64"},
         "mime_type":{"type":"string","description":"Type of the bytes, e.g. application/pdf"})";
  std::vector<Tool> tools;
  tools.push_back(
      Tool{"extract_document",
           "Extract the text of a PDF (or UTF-8 text file) in the uploads folder. Returns content, "
           "mime_type, metadata (page_count, title, ...), chunks when asked, and warnings.",
           extraction_schema(file_path, R"(["file_path"])"), bind(&PdfServer::extract_document)});
  tools.push_back(
      Tool{"extract_saved_attachment",
           "Extract the text of a file the user attached to the conversation, by attachment id.",
           extraction_schema(R"("attachment_id":{"type":"string","description":"The attachment's id"})",
                             R"(["attachment_id"])"),
           bind(&PdfServer::extract_saved_attachment)});
  tools.push_back(
      Tool{"extract_simple", "Extract the plain text of a file in the uploads folder.",
           schema(R"({"type":"object","properties":{)" + file_path + R"(},"required":["file_path"]})"),
           bind(&PdfServer::extract_simple)});
  tools.push_back(Tool{"extract_bytes", "Extract the text of a PDF or text file given as base64 bytes.",
                       extraction_schema(bytes, R"(["content_base64","mime_type"])"),
                       bind(&PdfServer::extract_bytes)});
  tools.push_back(
      Tool{"batch_extract_document", "Extract the text of up to 20 files in the uploads folder.",
           extraction_schema(
               R"("file_paths":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":20})",
               R"(["file_paths"])"),
           bind(&PdfServer::batch_extract_document)});
  tools.push_back(Tool{
      "batch_extract_bytes", "Extract the text of up to 20 base64 documents.",
      extraction_schema(
          R"("content_items":{"type":"array","minItems":1,"maxItems":20,"items":{"type":"object","properties":{)" +
              bytes + R"(},"required":["content_base64","mime_type"]}})",
          R"(["content_items"])"),
      bind(&PdfServer::batch_extract_bytes)});
  tools.push_back(
      Tool{"list_upload_paths",
           "List files in the uploads folder, newest first, with size, modification time and type.",
           schema(R"({"type":"object","properties":{
                         "subdir":{"type":"string","description":"A folder inside the uploads folder"},
                         "pattern":{"type":"string","description":"Shell pattern on the file name, e.g. *.pdf"},
                         "max_results":{"type":"integer","default":200,"minimum":1,"maximum":5000},
                         "include_dirs":{"type":"boolean","default":false}}})"),
           bind(&PdfServer::list_upload_paths)});
  tools.push_back(Tool{"search_upload_paths",
                       "Find files in the uploads folder whose path contains the query (case-insensitive), "
                       "optionally only in the conversation's folder.",
                       schema(R"({"type":"object","properties":{
                         "query":{"type":"string","description":"Part of the file name or path"},
                         "session_id":{"type":"string","description":"Only this conversation's folder"},
                         "max_results":{"type":"integer","default":100,"minimum":1,"maximum":5000}},
                         "required":["query"]})"),
                       bind(&PdfServer::search_upload_paths)});
  return StdioServer(ServerInfo{"parley-pdf", PARLEY_VERSION, ""}, std::move(tools));
}

}  // namespace parley::mcp::builtin
