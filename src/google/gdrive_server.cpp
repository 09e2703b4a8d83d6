// The built-in gdrive server (api.md §7.5): Drive v3 search (Drive's query syntax passed through, plain words
// turned into a safely quoted full-text query), folder listings by id, name or path, reading Google Docs,
// Sheets and Slides by export (text, CSV), downloads, creation (text, or a URL fetched under parley's address
// policy), move, copy, rename, delete (trash or permanent), permissions and the public-access check.
#include <boost/json.hpp>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "google/drive_query.hpp"
#include "google/google_tools.hpp"
#include "mcp/builtin/document_text.hpp"
#include "mcp/builtin/text_limits.hpp"

namespace parley::google {

namespace {

using mcp::builtin::CallContext;
using mcp::builtin::error_result;
using mcp::builtin::json_result;
using mcp::builtin::Tool;
using Backend = std::shared_ptr<GoogleToolBackend>;

const std::string kPrefix = "gdrive";
const std::string kFiles = "/drive/v3/files";
const std::string kFolderType = "application/vnd.google-apps.folder";
const std::string kFileFields =
    "id,name,mimeType,size,modifiedTime,createdTime,webViewLink,parents,owners(emailAddress),trashed,driveId";
constexpr std::size_t kMaxTextChars = 100000;
constexpr std::size_t kMaxDownloadBytes = 10u * 1024u * 1024u;

bj::object shape_file(const bj::object& f) {
  bj::object out{{"id", str(f, "id")}, {"name", str(f, "name")}, {"mime_type", str(f, "mimeType")}};
  out["is_folder"] = str(f, "mimeType") == kFolderType;
  if (auto v = str(f, "size"); !v.empty()) out["size_bytes"] = std::strtoll(v.c_str(), nullptr, 10);
  if (auto v = str(f, "modifiedTime"); !v.empty()) out["modified_time"] = v;
  if (auto v = str(f, "webViewLink"); !v.empty()) out["web_view_link"] = v;
  if (const auto* p = arr(f, "parents")) out["parents"] = string_list(p);
  if (const auto* t = f.if_contains("trashed"); t != nullptr && t->is_bool() && t->get_bool())
    out["trashed"] = true;
  return out;
}

struct ListOptions {
  std::int64_t page_size = 10;
  std::optional<std::string> page_token, drive_id, corpora;
  bool all_drives = true;
};

ListOptions list_options(ToolArguments& args, std::int64_t default_size) {
  ListOptions o;
  o.page_size = args.integer("page_size", default_size, 1, 1000);
  o.page_token = args.optional_string("page_token");
  o.drive_id = args.optional_string("drive_id");
  o.all_drives = args.boolean("include_items_from_all_drives", true);
  o.corpora = args.optional_string("corpora");
  return o;
}

// One page of files for a Drive query, shaped, with a note when more exist.
bj::object list_files(const Backend& b, const std::string& email, const std::string& q, const ListOptions& o,
                      bj::object extra) {
  ApiRequest r{"GET",
               kFiles,
               {{"q", q},
                {"pageSize", std::to_string(std::min<std::int64_t>(o.page_size, 1000))},
                {"fields", "nextPageToken,files(" + kFileFields + ")"},
                {"supportsAllDrives", "true"},
                {"includeItemsFromAllDrives", o.all_drives ? "true" : "false"}}};
  if (o.page_token) r.query.emplace_back("pageToken", *o.page_token);
  if (o.drive_id) {
    r.query.emplace_back("driveId", *o.drive_id);
    r.query.emplace_back("corpora", o.corpora.value_or("drive"));
  } else if (o.corpora) {
    r.query.emplace_back("corpora", *o.corpora);
  }
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  bj::array files;
  if (const auto* items = arr(*answer, "files"))
    for (const auto& f : *items)
      if (f.is_object()) files.push_back(shape_file(f.get_object()));
  extra["user_email"] = email;
  extra["count"] = files.size();
  extra["files"] = std::move(files);
  if (auto next = str(*answer, "nextPageToken"); !next.empty()) {
    extra["next_page_token"] = next;
    extra["note"] = "More files match; showing " + std::to_string(o.page_size) +
                    ". Call again with page_token, or narrow the query.";
  }
  return json_result(extra);
}

bj::object search_files(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto query = args.required_string("query");
  const auto email = resolve_user(args, *b);
  const auto o = list_options(args, 10);
  if (!args.ok()) return error_result(args.problem());
  const auto q = drive_query(query);
  return list_files(b, email, q, o, bj::object{{"query", query}, {"drive_query", q}});
}

// The id of the folder named `name` under `parent` (any parent when empty).
std::optional<std::string> find_folder(const Backend& b, const std::string& email, const std::string& name,
                                       const std::string& parent, bj::object& error) {
  std::string q =
      "mimeType = '" + kFolderType + "' and name = " + drive_literal(name) + " and trashed = false";
  if (!parent.empty()) q += " and " + drive_literal(parent) + " in parents";
  auto answer = call_json(*b, email,
                          ApiRequest{"GET",
                                     kFiles,
                                     {{"q", q},
                                      {"pageSize", "10"},
                                      {"fields", "files(id,name)"},
                                      {"supportsAllDrives", "true"},
                                      {"includeItemsFromAllDrives", "true"}}},
                          kPrefix);
  if (!answer) {
    error = answer.error();
    return std::nullopt;
  }
  const auto* files = arr(*answer, "files");
  if (files == nullptr || files->empty() || !files->front().is_object()) {
    error = error_result("No folder named '" + name + "'" +
                         (parent.empty() ? "" : " in the folder " + parent) + " was found.");
    return std::nullopt;
  }
  return str(files->front().get_object(), "id");
}

bj::object list_folder(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  auto folder_id = args.optional_string("folder_id").value_or("root");
  const auto folder_name = args.optional_string("folder_name");
  const auto folder_path = args.optional_string("folder_path");
  const auto email = resolve_user(args, *b);
  const auto o = list_options(args, 100);
  if (!args.ok()) return error_result(args.problem());
  bj::object error;
  if (folder_path && !folder_path->empty()) {
    folder_id = "root";
    std::string_view rest = *folder_path;
    while (!rest.empty()) {
      auto slash = rest.find('/');
      auto segment = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
      if (segment.empty()) continue;
      auto id = find_folder(b, email, std::string(segment), folder_id, error);
      if (!id) return error;
      folder_id = *id;
    }
  } else if (folder_name && !folder_name->empty()) {
    auto id = find_folder(b, email, *folder_name, "", error);
    if (!id) return error;
    folder_id = *id;
  }
  const auto q = drive_literal(folder_id) + " in parents and trashed = false";
  return list_files(b, email, q, o, bj::object{{"folder_id", folder_id}});
}

JsonCall file_metadata(const Backend& b, const std::string& email, const std::string& id) {
  return call_json(
      *b, email,
      ApiRequest{
          "GET", kFiles + "/" + path_segment(id), {{"fields", kFileFields}, {"supportsAllDrives", "true"}}},
      kPrefix);
}

// The export type of a Google Workspace file read as text.
std::string text_export_type(const std::string& mime) {
  if (mime == "application/vnd.google-apps.spreadsheet") return "text/csv";
  if (mime == "application/vnd.google-apps.document" || mime == "application/vnd.google-apps.presentation" ||
      mime == "application/vnd.google-apps.drawing" || mime == "application/vnd.google-apps.script")
    return mime == "application/vnd.google-apps.drawing" ? "image/png" : "text/plain";
  return {};
}

bool is_workspace(const std::string& mime) {
  return mime.rfind("application/vnd.google-apps.", 0) == 0;
}

// Bytes of a file (media) or of its export.
std::optional<std::string> file_bytes(const Backend& b, const std::string& email, const std::string& id,
                                      const std::string& export_type, bj::object& error) {
  ApiRequest r =
      export_type.empty()
          ? ApiRequest{"GET",
                       kFiles + "/" + path_segment(id),
                       {{"alt", "media"}, {"supportsAllDrives", "true"}}}
          : ApiRequest{"GET", kFiles + "/" + path_segment(id) + "/export", {{"mimeType", export_type}}};
  r.max_bytes = kMaxDownloadBytes;
  auto answer = b->call(email, r);
  if (!answer) {
    error = error_result(failure_text(answer.error(), email, kPrefix));
    return std::nullopt;
  }
  return std::move(answer->body);
}

bj::object get_file_content(const Backend& b, const bj::object& arguments, const CallContext& context) {
  ToolArguments args(arguments);
  const auto id = args.required_string("file_id");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  auto meta = file_metadata(b, email, id);
  if (!meta) return meta.error();
  const auto mime = str(*meta, "mimeType");
  if (mime == kFolderType)
    return error_result("'" + str(*meta, "name") + "' is a folder; use gdrive_list_folder.");
  std::string export_type = is_workspace(mime) ? text_export_type(mime) : "";
  if (is_workspace(mime) && (export_type.empty() || export_type == "image/png"))
    return error_result("Files of type " + mime + " cannot be read as text; use gdrive_download_file.");
  bj::object error;
  auto bytes = file_bytes(b, email, id, export_type, error);
  if (!bytes) return error;
  mcp::builtin::ExtractRequest request{*bytes, export_type.empty() ? mime : export_type, str(*meta, "name"),
                                       std::nullopt};
  auto text = mcp::builtin::extract_text(request, context);
  if (!text) return error_result("Cannot read '" + str(*meta, "name") + "' as text: " + text.error().message);
  auto cut = mcp::builtin::cut_to_chars(text.value().content, kMaxTextChars);
  bj::object out{{"file", shape_file(*meta)},
                 {"content", cut.text},
                 {"content_type", export_type.empty() ? text.value().mime_type : export_type}};
  if (!export_type.empty()) out["exported_as"] = export_type;
  if (cut.truncated) {
    out["note"] = "The content was cut to " + std::to_string(kMaxTextChars) + " of " +
                  std::to_string(cut.total_chars) + " characters.";
  }
  return json_result(out);
}

bj::object download_file(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("file_id");
  const auto email = resolve_user(args, *b);
  auto export_type = args.optional_string("export_mime_type").value_or("");
  if (!args.ok()) return error_result(args.problem());
  auto meta = file_metadata(b, email, id);
  if (!meta) return meta.error();
  const auto mime = str(*meta, "mimeType");
  if (mime == kFolderType) return error_result("'" + str(*meta, "name") + "' is a folder and has no bytes.");
  if (is_workspace(mime) && export_type.empty()) export_type = "application/pdf";
  if (!is_workspace(mime)) export_type.clear();
  bj::object error;
  auto bytes = file_bytes(b, email, id, export_type, error);
  if (!bytes) return error;
  return json_result(bj::object{{"file", shape_file(*meta)},
                                {"mime_type", export_type.empty() ? mime : export_type},
                                {"size_bytes", bytes->size()},
                                {"content_base64", base64_encode(*bytes)}});
}

bj::object create_file(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto name = args.required_string("file_name");
  const auto email = resolve_user(args, *b);
  const auto content = args.optional_string("content");
  const auto folder = args.optional_string("folder_id").value_or("root");
  auto mime = args.optional_string("mime_type").value_or("text/plain");
  const auto url = args.optional_string("file_url");
  if (args.ok() && !content && !url) args.fail("Give 'content' or 'file_url'.");
  if (args.ok() && content && url) args.fail("Give either 'content' or 'file_url', not both.");
  if (!args.ok()) return error_result(args.problem());
  std::string bytes;
  if (url) {
    if (!b->download) return error_result("Downloading URLs is not available to this server.");
    auto downloaded = b->download(*url, kMaxDownloadBytes);
    if (!downloaded) return error_result(downloaded.error().message);
    bytes = std::move(downloaded.value().bytes);
    if (!args.has("mime_type") && !downloaded.value().content_type.empty())
      mime = downloaded.value().content_type;
  } else {
    bytes = *content;
  }
  const auto boundary = "parley-" + new_uuid_hex();
  bj::object metadata{{"name", name}, {"parents", bj::array{bj::value(folder)}}, {"mimeType", mime}};
  std::string body = "--" + boundary + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" +
                     json::serialize(metadata) + "\r\n--" + boundary + "\r\nContent-Type: " + mime +
                     "\r\n\r\n" + bytes + "\r\n--" + boundary + "--\r\n";
  ApiRequest r{"POST",
               "/upload/drive/v3/files",
               {{"uploadType", "multipart"}, {"supportsAllDrives", "true"}, {"fields", kFileFields}},
               std::move(body),
               "multipart/related; boundary=" + boundary};
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(
      bj::object{{"created", true}, {"size_bytes", bytes.size()}, {"file", shape_file(*answer)}});
}

bj::object create_folder(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto name = args.required_string("folder_name");
  const auto email = resolve_user(args, *b);
  const auto parent = args.optional_string("parent_folder_id").value_or("root");
  if (!args.ok()) return error_result(args.problem());
  bj::object body{{"name", name}, {"mimeType", kFolderType}, {"parents", bj::array{bj::value(parent)}}};
  auto answer = call_json(*b, email,
                          ApiRequest{"POST",
                                     kFiles,
                                     {{"supportsAllDrives", "true"}, {"fields", kFileFields}},
                                     json::serialize(body),
                                     "application/json"},
                          kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"created", true}, {"folder", shape_file(*answer)}});
}

bj::object delete_file(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("file_id");
  const auto email = resolve_user(args, *b);
  const bool permanent = args.boolean("permanent", false);
  if (!args.ok()) return error_result(args.problem());
  ApiRequest r = permanent
                     ? ApiRequest{"DELETE", kFiles + "/" + path_segment(id), {{"supportsAllDrives", "true"}}}
                     : ApiRequest{"PATCH",
                                  kFiles + "/" + path_segment(id),
                                  {{"supportsAllDrives", "true"}, {"fields", kFileFields}},
                                  R"({"trashed":true})",
                                  "application/json"};
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(
      bj::object{{"deleted", true},
                 {"file_id", id},
                 {"permanent", permanent},
                 {"message", permanent ? "The file was deleted permanently."
                                       : "The file was moved to the trash; it can be restored from there."}});
}

bj::object move_file(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("file_id");
  const auto destination = args.required_string("destination_folder_id");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  auto meta = file_metadata(b, email, id);
  if (!meta) return meta.error();
  std::string previous;
  if (const auto* parents = arr(*meta, "parents")) {
    for (const auto& p : *parents) {
      if (!p.is_string()) continue;
      if (!previous.empty()) previous += ',';
      previous += std::string(p.get_string());
    }
  }
  ApiRequest r{"PATCH",
               kFiles + "/" + path_segment(id),
               {{"addParents", destination}, {"supportsAllDrives", "true"}, {"fields", kFileFields}},
               "{}",
               "application/json"};
  if (!previous.empty()) r.query.emplace_back("removeParents", previous);
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"moved", true}, {"file", shape_file(*answer)}});
}

bj::object copy_file(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("file_id");
  const auto email = resolve_user(args, *b);
  const auto name = args.optional_string("new_name");
  const auto destination = args.optional_string("destination_folder_id");
  if (!args.ok()) return error_result(args.problem());
  bj::object body;
  if (name) body["name"] = *name;
  if (destination) body["parents"] = bj::array{bj::value(*destination)};
  auto answer = call_json(*b, email,
                          ApiRequest{"POST",
                                     kFiles + "/" + path_segment(id) + "/copy",
                                     {{"supportsAllDrives", "true"}, {"fields", kFileFields}},
                                     json::serialize(body),
                                     "application/json"},
                          kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"copied", true}, {"source_file_id", id}, {"file", shape_file(*answer)}});
}

bj::object rename_file(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("file_id");
  const auto name = args.required_string("new_name");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  bj::object body{{"name", name}};
  auto answer = call_json(*b, email,
                          ApiRequest{"PATCH",
                                     kFiles + "/" + path_segment(id),
                                     {{"supportsAllDrives", "true"}, {"fields", kFileFields}},
                                     json::serialize(body),
                                     "application/json"},
                          kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"renamed", true}, {"file", shape_file(*answer)}});
}

JsonCall permissions_of(const Backend& b, const std::string& email, const std::string& id) {
  return call_json(
      *b, email,
      ApiRequest{
          "GET",
          kFiles + "/" + path_segment(id) + "/permissions",
          {{"supportsAllDrives", "true"},
           {"fields", "permissions(id,type,role,emailAddress,domain,displayName,allowFileDiscovery)"}}},
      kPrefix);
}

bj::array shape_permissions(const bj::object& answer, bool& is_public) {
  bj::array out;
  is_public = false;
  if (const auto* items = arr(answer, "permissions")) {
    for (const auto& p : *items) {
      if (!p.is_object()) continue;
      const auto& o = p.get_object();
      bj::object item{{"id", str(o, "id")}, {"type", str(o, "type")}, {"role", str(o, "role")}};
      if (auto v = str(o, "emailAddress"); !v.empty()) item["email"] = v;
      if (auto v = str(o, "domain"); !v.empty()) item["domain"] = v;
      if (auto v = str(o, "displayName"); !v.empty()) item["name"] = v;
      if (str(o, "type") == "anyone") is_public = true;
      out.push_back(std::move(item));
    }
  }
  return out;
}

bj::object file_permissions(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("file_id");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  auto answer = permissions_of(b, email, id);
  if (!answer) return answer.error();
  bool is_public = false;
  auto permissions = shape_permissions(*answer, is_public);
  return json_result(
      bj::object{{"file_id", id}, {"is_public", is_public}, {"permissions", std::move(permissions)}});
}

bj::object check_public_access(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto name = args.required_string("file_name");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  auto found = call_json(*b, email,
                         ApiRequest{"GET",
                                    kFiles,
                                    {{"q", "name = " + drive_literal(name) + " and trashed = false"},
                                     {"pageSize", "10"},
                                     {"fields", "files(" + kFileFields + ")"},
                                     {"supportsAllDrives", "true"},
                                     {"includeItemsFromAllDrives", "true"}}},
                         kPrefix);
  if (!found) return found.error();
  const auto* files = arr(*found, "files");
  if (files == nullptr || files->empty()) return error_result("No file named '" + name + "' was found.");
  bj::array results;
  for (const auto& f : *files) {
    if (!f.is_object()) continue;
    auto perms = permissions_of(b, email, str(f.get_object(), "id"));
    if (!perms) return perms.error();
    bool is_public = false;
    auto list = shape_permissions(*perms, is_public);
    auto item = shape_file(f.get_object());
    item["is_public"] = is_public;
    item["permissions"] = std::move(list);
    item["message"] = is_public ? "Anyone with the link can open this file."
                                : "Only the people and groups listed can open this file.";
    results.push_back(std::move(item));
  }
  return json_result(
      bj::object{{"file_name", name}, {"count", results.size()}, {"files", std::move(results)}});
}

template <bj::object (*fn)(const Backend&, const bj::object&)>
mcp::builtin::ToolHandler bind(const Backend& b) {
  return [b](const bj::object& a, const CallContext&) { return fn(b, a); };
}

const Param kUser{"user_email", "string",
                  "The Google account's email address (default: GOOGLE_DEFAULT_USER_EMAIL)"};
const Param kFile{"file_id", "string", "Drive file id"};

std::vector<Param> listing_params(std::vector<Param> first, const char* size_description) {
  first.push_back(kUser);
  first.push_back({"page_size", "integer", size_description});
  first.push_back({"page_token", "string", "Page token of a previous answer"});
  first.push_back({"drive_id", "string", "A shared drive's id"});
  first.push_back({"include_items_from_all_drives", "boolean", "Include shared drives (default true)"});
  first.push_back({"corpora", "string", "user, drive, domain or allDrives"});
  return first;
}

}  // namespace

mcp::builtin::StdioServer make_gdrive_server(GoogleToolBackend backend_value) {
  auto b = std::make_shared<GoogleToolBackend>(std::move(backend_value));
  std::vector<Tool> tools;
  add_auth_tools(tools, kPrefix, b);
  tools.push_back({"gdrive_search_files",
                   "Search files: Drive query syntax (name contains 'x', mimeType = '...') or plain words.",
                   object_schema(listing_params({{"query", "string", "Drive query or words"}},
                                                "At most this many (default 10)"),
                                 {"query"}),
                   bind<search_files>(b)});
  tools.push_back({"gdrive_list_folder",
                   "List a folder by id (default root), name, or path like \"Projects/2025\".",
                   object_schema(listing_params({{"folder_id", "string", "Folder id (default root)"},
                                                 {"folder_name", "string", "Folder name"},
                                                 {"folder_path", "string", "Folder path from My Drive"}},
                                                "At most this many (default 100)"),
                                 {}),
                   bind<list_folder>(b)});
  tools.push_back(
      {"gdrive_get_file_content",
       "A file's text: Docs and Slides as text, Sheets as CSV, PDFs' text, text files as they are.",
       object_schema({kFile, kUser}, {"file_id"}),
       [b](const bj::object& a, const CallContext& c) { return get_file_content(b, a, c); }});
  tools.push_back(
      {"gdrive_download_file",
       "A file's bytes as base64 with its metadata (Google files exported, PDF by default).",
       object_schema({kFile, kUser, {"export_mime_type", "string", "Export type of a Google file"}},
                     {"file_id"}),
       bind<download_file>(b)});
  tools.push_back({"gdrive_create_file", "Create a file from text content, or from a URL parley downloads.",
                   object_schema({{"file_name", "string", "Name"},
                                  kUser,
                                  {"content", "string", "Text content"},
                                  {"folder_id", "string", "Folder id (default root)"},
                                  {"mime_type", "string", "Type (default text/plain)"},
                                  {"file_url", "string", "http(s) URL to download the content from"}},
                                 {"file_name"}),
                   bind<create_file>(b)});
  tools.push_back(
      {"gdrive_delete_file", "Move a file to the trash, or delete it permanently.",
       object_schema({kFile, kUser, {"permanent", "boolean", "Delete permanently instead of trashing"}},
                     {"file_id"}),
       bind<delete_file>(b)});
  tools.push_back({"gdrive_move_file", "Move a file into another folder.",
                   object_schema({kFile, {"destination_folder_id", "string", "Folder id"}, kUser},
                                 {"file_id", "destination_folder_id"}),
                   bind<move_file>(b)});
  tools.push_back({"gdrive_copy_file", "Copy a file.",
                   object_schema({kFile,
                                  kUser,
                                  {"new_name", "string", "Name of the copy"},
                                  {"destination_folder_id", "string", "Folder of the copy"}},
                                 {"file_id"}),
                   bind<copy_file>(b)});
  tools.push_back({"gdrive_rename_file", "Rename a file.",
                   object_schema({kFile, {"new_name", "string", "New name"}, kUser}, {"file_id", "new_name"}),
                   bind<rename_file>(b)});
  tools.push_back({"gdrive_create_folder", "Create a folder.",
                   object_schema({{"folder_name", "string", "Name"},
                                  kUser,
                                  {"parent_folder_id", "string", "Parent folder id (default root)"}},
                                 {"folder_name"}),
                   bind<create_folder>(b)});
  tools.push_back({"gdrive_file_permissions", "Who can open a file.",
                   object_schema({kFile, kUser}, {"file_id"}), bind<file_permissions>(b)});
  tools.push_back({"gdrive_check_public_access",
                   "Whether files with this name are open to anyone with the link.",
                   object_schema({{"file_name", "string", "Exact file name"}, kUser}, {"file_name"}),
                   bind<check_public_access>(b)});
  return mcp::builtin::StdioServer(
      mcp::builtin::ServerInfo{"parley-gdrive", PARLEY_VERSION, "Google Drive of the user's account."},
      std::move(tools));
}

}  // namespace parley::google
