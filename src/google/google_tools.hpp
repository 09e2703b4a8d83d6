// What the Google built-in servers (calendar, gmail, gdrive) share: the synchronous backend they call from
// the stdio server's worker threads, the user_email rule of api.md §7.5 (default GOOGLE_DEFAULT_USER_EMAIL),
// the "not authorized" answer that says how to authorize, schema building, and JSON calls to the API.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "google/api_client.hpp"
#include "google/google_auth.hpp"
#include "mcp/builtin/servers.hpp"
#include "mcp/builtin/tool.hpp"
#include "mcp/builtin/tool_arguments.hpp"

namespace parley::google {

namespace bj = boost::json;
using mcp::builtin::ToolArguments;

// An attachment stored in parley's attachment store for a session.
struct SavedFile {
  std::string attachment_id;
  std::string url;  // signed, absolute
  std::string mime_type;
  std::int64_t size_bytes = 0;
};

struct GoogleToolBackend {
  std::function<ApiResult<ApiResponse>(const std::string& user_email, ApiRequest request)> call;
  std::function<AuthResult<AuthStatus>(const std::string& user_email)> status;
  std::function<AuthResult<std::string>(const std::string& user_email,
                                        const std::optional<std::string>& redirect)>
      auth_url;
  std::string default_user_email;  // GOOGLE_DEFAULT_USER_EMAIL
  std::string timezone;            // the display zone's IANA name ("" when unknown)
  // gmail: keeps a file as an attachment of the session.
  std::function<Result<SavedFile, mcp::Failure>(const std::string& session_id, const std::string& filename,
                                                const std::string& mime_type, const std::string& bytes)>
      save_attachment;
  // gdrive_create_file(file_url): the outbound fetcher's rules.
  mcp::builtin::UrlDownloader download;
  std::size_t max_result_items = 100;  // a listing longer than this is cut, with a note
};

mcp::builtin::StdioServer make_calendar_server(GoogleToolBackend backend);
mcp::builtin::StdioServer make_gmail_server(GoogleToolBackend backend);
mcp::builtin::StdioServer make_gdrive_server(GoogleToolBackend backend);

// ---- shared by the three servers ----

struct Param {
  std::string name;
  std::string type;  // "string", "integer", "boolean", "number", "string[]", "object", "array"
  std::string description;
  std::vector<std::string> choices = {};
};
bj::object object_schema(const std::vector<Param>& params, const std::vector<std::string>& required);

// The user the call is for: `user_email`, else GOOGLE_DEFAULT_USER_EMAIL; records a problem when neither.
std::string resolve_user(ToolArguments& args, const GoogleToolBackend& backend);

// The isError text for a failure; a not-authorized one explains how to authorize (`prefix` names the tool
// that makes the URL: "calendar", "gmail", "gdrive").
std::string failure_text(const ApiFailure& failure, const std::string& user_email, const std::string& prefix);

// A JSON answer (object) from Google, or the isError result to return.
using JsonCall = Result<bj::object, bj::object>;
JsonCall call_json(const GoogleToolBackend& backend, const std::string& user_email, ApiRequest request,
                   const std::string& prefix);

// The auth tools every Google server has: <prefix>_auth_status and <prefix>_generate_auth_url.
void add_auth_tools(std::vector<mcp::builtin::Tool>& tools, const std::string& prefix,
                    const std::shared_ptr<GoogleToolBackend>& backend);

// Small readers of Google's JSON.
std::string str(const bj::object& o, std::string_view key);
const bj::object* obj(const bj::object& o, std::string_view key);
const bj::array* arr(const bj::object& o, std::string_view key);
bj::array string_list(const bj::array* items);
// A JSON array of strings from an argument given as an array, or a comma-separated string.
std::vector<std::string> string_items(ToolArguments& args, const bj::object& arguments,
                                      std::string_view name);

// "2025-11-08T09:03:12-05:00" for an RFC 3339 time in the display zone; the input when it cannot be read.
std::string display_time(std::string_view rfc3339);
// An RFC 3339 time from what a model writes: with a zone as is, without one in the display zone;
// "YYYY-MM-DD" is that day's midnight. nullopt when unreadable.
std::optional<std::string> rfc3339_from_input(std::string_view input);
bool is_date_only(std::string_view input);

}  // namespace parley::google
