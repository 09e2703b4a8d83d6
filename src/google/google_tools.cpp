#include "google/google_tools.hpp"

#include <boost/json.hpp>
#include <ctime>

#include "core/json.hpp"

namespace parley::google {

using mcp::builtin::error_result;
using mcp::builtin::json_result;

bj::object object_schema(const std::vector<Param>& params, const std::vector<std::string>& required) {
  bj::object props;
  for (const auto& p : params) {
    bj::object s;
    if (p.type == "string[]") {
      s["type"] = "array";
      s["items"] = bj::object{{"type", "string"}};
    } else {
      s["type"] = p.type;
    }
    if (!p.choices.empty()) {
      bj::array e;
      for (const auto& c : p.choices) e.emplace_back(c);
      s["enum"] = std::move(e);
    }
    s["description"] = p.description;
    props[p.name] = std::move(s);
  }
  bj::array req;
  for (const auto& r : required) req.emplace_back(r);
  return bj::object{{"type", "object"}, {"properties", std::move(props)}, {"required", std::move(req)}};
}

std::string resolve_user(ToolArguments& args, const GoogleToolBackend& backend) {
  auto email = args.optional_string("user_email");
  if (email && !email->empty()) return *email;
  if (!backend.default_user_email.empty()) return backend.default_user_email;
  if (args.ok()) {
    args.fail(
        "Argument 'user_email' is required: give the Google account's email address (no "
        "GOOGLE_DEFAULT_USER_EMAIL is configured).");
  }
  return {};
}

std::string failure_text(const ApiFailure& failure, const std::string& user_email,
                         const std::string& prefix) {
  if (failure.kind == ApiFailure::Kind::not_authorized) {
    return "Google account " + user_email + " has not authorized parley (" + failure.message +
           "). To authorize: call " + prefix + "_generate_auth_url with user_email \"" + user_email +
           "\" and open the returned auth_url in a browser, or use Settings → Google → Connect in parley "
           "(POST /api/google-auth/authorize). Then try again.";
  }
  return failure.message;
}

JsonCall call_json(const GoogleToolBackend& backend, const std::string& user_email, ApiRequest request,
                   const std::string& prefix) {
  auto answer = backend.call(user_email, std::move(request));
  if (!answer)
    return JsonCall(boost::system::in_place_error,
                    error_result(failure_text(answer.error(), user_email, prefix)));
  if (answer->body.empty() || answer->status == 204) return JsonCall(boost::system::in_place_value);
  std::string why;
  auto parsed = json::parse(answer->body, &why);
  if (!parsed || !parsed->is_object()) {
    return JsonCall(boost::system::in_place_error,
                    error_result("Google's answer is not the JSON object its API documents (" +
                                 (why.empty() ? std::string("not an object") : why) + "); try again later."));
  }
  return JsonCall(boost::system::in_place_value, std::move(parsed->get_object()));
}

namespace {

bj::object auth_status_tool(const GoogleToolBackend& backend, const bj::object& arguments,
                            const std::string& prefix) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, backend);
  if (!args.ok()) return error_result(args.problem());
  auto status = backend.status(email);
  if (!status)
    return error_result("Cannot check the Google authorization of " + email + ": " + status.error().message);
  bj::object out{{"user_email", email}, {"authorized", status->authorized}};
  if (status->authorized) {
    out["expires_at"] =
        status->expires_at ? bj::value(format_iso_utc_z(*status->expires_at)) : bj::value(nullptr);
    out["message"] = "parley may use Google for " + email + ".";
  } else {
    out["message"] =
        "Google account " + email + " has not authorized parley. Call " + prefix +
        "_generate_auth_url and open the returned auth_url in a browser, or use Settings → Google → "
        "Connect.";
  }
  return json_result(out);
}

bj::object auth_url_tool(const GoogleToolBackend& backend, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, backend);
  const auto redirect = args.optional_string("redirect_uri");
  const bool force = args.boolean("force", false);
  if (!args.ok()) return error_result(args.problem());
  if (!force) {
    if (auto status = backend.status(email); status && status->authorized) {
      return json_result(
          bj::object{{"user_email", email},
                     {"authorized", true},
                     {"message", email + " has already authorized parley; pass force=true for a new "
                                         "authorization URL anyway."}});
    }
  }
  auto url = backend.auth_url(email, redirect);
  if (!url) return error_result("Cannot create the authorization URL: " + url.error().message);
  return json_result(
      bj::object{{"user_email", email},
                 {"authorized", false},
                 {"auth_url", *url},
                 {"message", "Open auth_url in a browser, sign in as " + email +
                                 " and allow access; parley stores the authorization and the tools "
                                 "work afterwards."}});
}

}  // namespace

void add_auth_tools(std::vector<mcp::builtin::Tool>& tools, const std::string& prefix,
                    const std::shared_ptr<GoogleToolBackend>& backend) {
  tools.push_back({prefix + "_auth_status",
                   "Whether a Google account has authorized parley to use its Google data.",
                   object_schema({{"user_email", "string", "The Google account's email address"}}, {}),
                   [backend, prefix](const bj::object& a, const mcp::builtin::CallContext&) {
                     return auth_status_tool(*backend, a, prefix);
                   }});
  tools.push_back(
      {prefix + "_generate_auth_url",
       "An authorization URL the user opens in a browser to let parley use their Google account.",
       object_schema({{"user_email", "string", "The Google account's email address"},
                      {"redirect_uri", "string",
                       "Where Google sends the browser back (default: parley's "
                       "callback)"},
                      {"force", "boolean", "Make a URL even when the account is already authorized"}},
                     {}),
       [backend](const bj::object& a, const mcp::builtin::CallContext&) {
         return auth_url_tool(*backend, a);
       }});
}

std::string str(const bj::object& o, std::string_view key) {
  return json::string_member(o, key);
}

const bj::object* obj(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const bj::array* arr(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

bj::array string_list(const bj::array* items) {
  bj::array out;
  if (items == nullptr) return out;
  for (const auto& i : *items)
    if (i.is_string()) out.push_back(i);
  return out;
}

std::vector<std::string> string_items(ToolArguments& args, const bj::object& arguments,
                                      std::string_view name) {
  std::vector<std::string> out;
  const auto* v = arguments.if_contains(name);
  if (v == nullptr || v->is_null()) return out;
  if (v->is_string()) {
    std::string_view s = v->get_string();
    std::size_t i = 0;
    while (i <= s.size()) {
      auto j = s.find(',', i);
      if (j == std::string_view::npos) j = s.size();
      auto item = s.substr(i, j - i);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) out.emplace_back(item);
      i = j + 1;
    }
    return out;
  }
  if (!v->is_array()) {
    args.fail("Argument '" + std::string(name) + "' must be a list of strings.");
    return out;
  }
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) {
      args.fail("Argument '" + std::string(name) + "' must be a list of strings.");
      return {};
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

bool is_date_only(std::string_view input) {
  return input.size() == 10 && input[4] == '-' && input[7] == '-';
}

std::string display_time(std::string_view rfc3339) {
  auto t = parse_timestamp(rfc3339);
  if (!t) return std::string(rfc3339);
  return format_local_offset(*t);
}

namespace {

bool has_zone(std::string_view s) {
  if (s.empty()) return false;
  if (s.back() == 'Z' || s.back() == 'z') return true;
  const auto t = s.find('T');
  if (t == std::string_view::npos) return false;
  const auto rest = s.substr(t);
  return rest.find('+') != std::string_view::npos || rest.find('-') != std::string_view::npos;
}

}  // namespace

std::optional<std::string> rfc3339_from_input(std::string_view input) {
  std::string s(input);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  if (is_date_only(s)) s += "T00:00:00";
  if (s.size() >= 16 && s[10] == ' ') s[10] = 'T';
  if (s.size() == 16) s += ":00";  // "YYYY-MM-DDTHH:MM"
  if (has_zone(s)) {
    auto t = parse_timestamp(s);
    if (!t) return std::nullopt;
    return s;
  }
  // A wall-clock time of the display zone (TZ): mktime finds its offset, daylight saving included.
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute, &second) != 6)
    return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return format_local_offset(std::chrono::system_clock::from_time_t(t));
}

}  // namespace parley::google
