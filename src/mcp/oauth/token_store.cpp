#include "mcp/oauth/token_store.hpp"

#include <openssl/sha.h>

#include <boost/json/object.hpp>

#include "core/atomic_file.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/secret_values.hpp"
#include "mcp/oauth/oauth_metadata.hpp"

namespace parley::mcp::oauth {

namespace bj = boost::json;
namespace fs = std::filesystem;

std::string StoredAuthorization::to_json() const {
  bj::object client_json{
      {"client_id", client.client_id},
      {"token_endpoint_auth_method", client.token_endpoint_auth_method},
      {"registration", client.registration},
  };
  if (!client.client_secret.empty()) client_json["client_secret"] = client.client_secret;
  if (!client.issuer.empty()) client_json["issuer"] = client.issuer;
  if (!client.redirect_uri.empty()) client_json["redirect_uri"] = client.redirect_uri;
  bj::object o{
      {"server_url", server_url},
      {"resource", resource},
      {"issuer", issuer},
      {"token_endpoint", token_endpoint},
      {"client", std::move(client_json)},
      {"grant", grant},
      {"access_token", access_token},
      {"scope", scope},
  };
  if (!refresh_token.empty()) o["refresh_token"] = refresh_token;
  if (expires_at) o["expires_at"] = format_iso_utc_z(*expires_at);
  return json::pretty_sorted(o);
}

Result<StoredAuthorization, Failure> StoredAuthorization::from_json(std::string_view text) {
  auto parsed = json::parse(text);
  if (!parsed || !parsed->is_object()) return fail("not a JSON object");
  const auto& o = parsed->get_object();
  StoredAuthorization r;
  r.server_url = json::string_member(o, "server_url");
  r.resource = json::string_member(o, "resource");
  r.issuer = json::string_member(o, "issuer");
  r.token_endpoint = json::string_member(o, "token_endpoint");
  r.grant = json::string_member(o, "grant");
  r.access_token = json::string_member(o, "access_token");
  r.refresh_token = json::string_member(o, "refresh_token");
  r.scope = json::string_member(o, "scope");
  if (auto at = json::string_member(o, "expires_at"); !at.empty()) {
    r.expires_at = parse_timestamp(at);
    if (!r.expires_at) return fail("expires_at is not a timestamp");
  }
  if (const auto* c = o.if_contains("client"); c != nullptr && c->is_object()) {
    const auto& co = c->get_object();
    r.client.client_id = json::string_member(co, "client_id");
    r.client.client_secret = json::string_member(co, "client_secret");
    r.client.token_endpoint_auth_method = json::string_member(co, "token_endpoint_auth_method");
    r.client.registration = json::string_member(co, "registration");
    r.client.issuer = json::string_member(co, "issuer");
    r.client.redirect_uri = json::string_member(co, "redirect_uri");
  }
  if (r.server_url.empty() || r.token_endpoint.empty())
    return fail("server_url or token_endpoint is missing");
  if (r.grant.empty()) r.grant = "authorization_code";
  return r;
}

bool StoredAuthorization::expired(SystemTime now, std::chrono::seconds margin) const {
  return expires_at && *expires_at <= now + margin;
}

std::string token_store_key(std::string_view server_url) {
  const std::string canonical = canonical_resource_url(server_url).value_or(std::string(server_url));
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest)).substr(0, 32);
}

void register_secrets(const StoredAuthorization& record) {
  const std::string slot = "mcp-oauth:" + token_store_key(record.server_url);
  if (!record.access_token.empty()) known_secrets().set(slot + ":access", record.access_token);
  if (!record.refresh_token.empty()) known_secrets().set(slot + ":refresh", record.refresh_token);
  if (!record.client.client_secret.empty())
    known_secrets().set(slot + ":client", record.client.client_secret);
}

namespace {

std::optional<StoredAuthorization> decode(std::string_view text, std::string_view server_url,
                                          const std::string& where, std::string& problem) {
  auto parsed = json::parse(text);
  if (parsed && parsed->is_object() && parsed->get_object().empty()) return std::nullopt;  // forgotten
  auto record = StoredAuthorization::from_json(text);
  if (!record) {
    problem = where + " is not a valid authorization record (" + record.error().message + ")";
    return std::nullopt;
  }
  if (canonical_resource_url(record.value().server_url) != canonical_resource_url(server_url)) {
    problem = where + " belongs to another server";
    return std::nullopt;
  }
  register_secrets(record.value());
  return std::move(record.value());
}

}  // namespace

fs::path TokenFiles::path_of(std::string_view server_url) const {
  return directory_ / (token_store_key(server_url) + ".json");
}

std::optional<StoredAuthorization> TokenFiles::load(std::string_view server_url, std::string& problem) {
  problem.clear();
  std::error_code ec;
  const auto path = path_of(server_url);
  auto text = read_file(path, ec);
  if (!text) {
    if (ec && ec != std::errc::no_such_file_or_directory)
      problem = "cannot read " + path.string() + ": " + ec.message();
    return std::nullopt;
  }
  return decode(*text, server_url, path.string(), problem);
}

Result<void, Failure> TokenFiles::save(const StoredAuthorization& record) {
  register_secrets(record);
  if (auto ec = create_private_directories(directory_)) {
    return fail("cannot create " + directory_.string() + ": " + ec.message());
  }
  const auto path = path_of(record.server_url);
  if (auto ec = write_file_atomic(path, record.to_json(), 0600)) {
    return fail("cannot write " + path.string() + ": " + ec.message());
  }
  return success();
}

Result<void, Failure> TokenFiles::forget(std::string_view server_url) {
  std::error_code ec;
  fs::remove(path_of(server_url), ec);
  if (ec) return fail("cannot remove " + path_of(server_url).string() + ": " + ec.message());
  return success();
}

std::string TokenFiles::where(std::string_view server_url) const {
  return path_of(server_url).string();
}

namespace {

std::string row_name(std::string_view server_url) {
  return "mcp_oauth:" + token_store_key(server_url);
}

}  // namespace

std::optional<StoredAuthorization> TokenRows::load(std::string_view server_url, std::string& problem) {
  problem.clear();
  ReadError error;
  auto doc = table_.read(row_name(server_url), error);
  if (!doc) {
    if (!error.empty()) problem = "cannot read " + where(server_url) + ": " + error.message;
    return std::nullopt;
  }
  return decode(doc->text, server_url, where(server_url), problem);
}

Result<void, Failure> TokenRows::save(const StoredAuthorization& record) {
  register_secrets(record);
  if (auto ec = table_.write(row_name(record.server_url), record.to_json())) {
    return fail("cannot write " + where(record.server_url) + ": " + ec.message());
  }
  return success();
}

Result<void, Failure> TokenRows::forget(std::string_view server_url) {
  if (auto ec = table_.write(row_name(server_url), "{}")) {
    return fail("cannot write " + where(server_url) + ": " + ec.message());
  }
  return success();
}

std::string TokenRows::where(std::string_view server_url) const {
  return table_.where(row_name(server_url));
}

StoredAuthorization storable(StoredAuthorization record) {
  if (record.client.registration == "pre-registered") record.client.client_secret.clear();
  return record;
}

void with_configured_secret(StoredAuthorization& record, const std::string& client_id,
                            const std::string& secret) {
  if (record.client.registration == "pre-registered" && !client_id.empty() &&
      record.client.client_id == client_id)
    record.client.client_secret = secret;
}

boost::asio::awaitable<LoadedAuthorization> TokenStore::load_async(std::string server_url) {
  LoadedAuthorization out;
  out.record = load(server_url, out.problem);
  co_return out;
}

boost::asio::awaitable<Result<void, Failure>> TokenStore::save_async(StoredAuthorization record) {
  co_return save(record);
}

// The work is a named local moved into run(), never a temporary inside the co_await: g++ 12 destroys such a
// temporary's captures twice (the same bug authorization_flow works around).
boost::asio::awaitable<LoadedAuthorization> OffloadedTokenStore::load_async(std::string server_url) {
  auto load_it = [inner = inner_, url = std::move(server_url)] {
    LoadedAuthorization out;
    out.record = inner->load(url, out.problem);
    return out;
  };
  auto loaded = co_await pool_.run(std::move(load_it));
  co_return loaded;
}

boost::asio::awaitable<Result<void, Failure>> OffloadedTokenStore::save_async(StoredAuthorization record) {
  auto shared = std::make_shared<const StoredAuthorization>(std::move(record));
  auto save_it = [inner = inner_, shared] { return inner->save(*shared); };
  auto saved = co_await pool_.run(std::move(save_it));
  co_return saved;
}

}  // namespace parley::mcp::oauth
