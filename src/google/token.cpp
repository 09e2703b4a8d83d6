#include "google/token.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/json.hpp"

namespace parley::google {

namespace bj = boost::json;

const std::vector<std::string>& required_scopes() {
  static const std::vector<std::string> scopes = {
      "https://www.googleapis.com/auth/calendar",       "https://www.googleapis.com/auth/tasks",
      "https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.modify",
      "https://www.googleapis.com/auth/gmail.send",     "https://www.googleapis.com/auth/gmail.compose",
      "https://www.googleapis.com/auth/gmail.labels",   "https://www.googleapis.com/auth/drive",
  };
  return scopes;
}

std::vector<std::string> missing_scopes(const StoredToken& token) {
  std::vector<std::string> missing;
  for (const auto& s : required_scopes()) {
    if (std::find(token.scopes.begin(), token.scopes.end(), s) == token.scopes.end()) missing.push_back(s);
  }
  return missing;
}

namespace {

bool read_string(const bj::object& o, std::string_view key, std::string& out, std::string& error) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return true;
  if (!v->is_string()) {
    error = "'" + std::string(key) + "' must be a string";
    return false;
  }
  out = std::string(v->get_string());
  return true;
}

std::vector<std::string> split_spaces(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::optional<StoredToken> parse_token(std::string_view text, std::string& error) {
  auto parsed = json::parse(text, &error);
  if (!parsed) return std::nullopt;
  if (!parsed->is_object()) {
    error = "the token file is not a JSON object";
    return std::nullopt;
  }
  const auto& o = parsed->get_object();
  StoredToken t;
  std::string expiry;
  if (!read_string(o, "token", t.token, error) || !read_string(o, "refresh_token", t.refresh_token, error) ||
      !read_string(o, "token_uri", t.token_uri, error) || !read_string(o, "client_id", t.client_id, error) ||
      !read_string(o, "client_secret", t.client_secret, error) ||
      !read_string(o, "universe_domain", t.universe_domain, error) ||
      !read_string(o, "account", t.account, error) || !read_string(o, "expiry", expiry, error)) {
    return std::nullopt;
  }
  if (const auto* s = o.if_contains("scopes"); s != nullptr && !s->is_null()) {
    if (s->is_string()) {
      t.scopes = split_spaces(s->get_string());
    } else if (s->is_array()) {
      for (const auto& item : s->get_array()) {
        if (!item.is_string()) {
          error = "'scopes' must be a list of strings";
          return std::nullopt;
        }
        t.scopes.emplace_back(item.get_string());
      }
    } else {
      error = "'scopes' must be a list of strings";
      return std::nullopt;
    }
  } else if (const auto* scope = o.if_contains("scope"); scope != nullptr && scope->is_string()) {
    t.scopes = split_spaces(scope->get_string());
  }
  if (!expiry.empty()) {
    t.expiry = parse_timestamp(expiry);
    if (!t.expiry) {
      error = "'expiry' is not an ISO-8601 time: " + expiry;
      return std::nullopt;
    }
  }
  // The tokens and the client's fields go into HTTP headers and form bodies: a line break in one would add
  // a header of its own to every Google request.
  for (const auto& [name, value] : {std::pair<const char*, const std::string&>{"token", t.token},
                                    {"refresh_token", t.refresh_token},
                                    {"token_uri", t.token_uri},
                                    {"client_id", t.client_id},
                                    {"client_secret", t.client_secret}}) {
    for (char c : value) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        error = "'" + std::string(name) + "' contains a control character";
        return std::nullopt;
      }
    }
  }
  if (t.token.empty() && t.refresh_token.empty()) {
    error = "the token file has neither 'token' nor 'refresh_token'";
    return std::nullopt;
  }
  return t;
}

std::string serialize_token(const StoredToken& t) {
  bj::array scopes;
  for (const auto& s : t.scopes) scopes.emplace_back(s);
  bj::object o{{"token", t.token},
               {"refresh_token", t.refresh_token},
               {"token_uri", t.token_uri},
               {"client_id", t.client_id},
               {"client_secret", t.client_secret},
               {"scopes", std::move(scopes)},
               {"universe_domain", t.universe_domain},
               {"account", t.account}};
  if (t.expiry) o["expiry"] = format_iso_utc_z(*t.expiry, 6);
  return json::serialize(o);
}

std::string user_email_problem(std::string_view user_email) {
  if (user_email.empty()) return "user_email is empty";
  if (user_email.size() > 254) return "user_email is longer than 254 characters";
  if (user_email.find('@') == std::string_view::npos)
    return "user_email '" + std::string(user_email) + "' has no '@'";
  for (char c : user_email) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return "user_email contains a character an email address cannot have";
  }
  return {};
}

std::string token_file_stem(std::string_view user_email) {
  std::string out;
  for (char c : user_email) {
    if (c == '@')
      out += "_at_";
    else if (c == '.')
      out += '_';
    else
      out += c;
  }
  return out;
}

bool needs_refresh(const StoredToken& token, SystemTime now, std::chrono::seconds margin) {
  if (token.token.empty()) return true;
  if (!token.expiry) return false;  // google-auth treats a token without expiry as valid
  return *token.expiry <= now + margin;
}

}  // namespace parley::google
