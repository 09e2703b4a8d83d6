// Where the authorization of each remote MCP server is kept between runs (api.md §0.8, §4.5): the tokens,
// when they expire, the client parley registered as, and the endpoints to refresh at — in
// data/mcp_oauth/<key>.json (mode 0600 in a 0700 folder), or with PostgreSQL in the settings row
// `mcp_oauth:<key>` every replica reads. The key is a hash of the server's URL, so `parley mcp` and `parley
// serve` find the same record. Every secret read or written is registered with known_secrets(), so no log
// line can carry it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/blocking.hpp"
#include "core/clock.hpp"
#include "core/document_store.hpp"
#include "mcp/failure.hpp"
#include "mcp/oauth/client_identity.hpp"

namespace parley::mcp::oauth {

struct StoredAuthorization {
  std::string server_url;  // canonical URL of the MCP server
  std::string resource;    // the RFC 8707 resource the tokens were issued for
  std::string issuer;      // the authorization server
  std::string token_endpoint;
  ClientIdentity client;
  std::string grant = "authorization_code";  // or client_credentials, jwt-bearer
  std::string access_token;
  std::string refresh_token;
  std::optional<SystemTime> expires_at;
  std::string scope;  // granted (or, when the server did not say, requested)

  [[nodiscard]] std::string to_json() const;
  static Result<StoredAuthorization, Failure> from_json(std::string_view text);
  // Expired, or expiring within `margin` (refresh a little early: the request still has to travel).
  [[nodiscard]] bool expired(SystemTime now, std::chrono::seconds margin = std::chrono::seconds(30)) const;
};

// What is stored of a record: a pre-registered client's secret is left out (it comes from the definition or
// the environment each run, so rotating it needs no new authorization and no file holds it).
StoredAuthorization storable(StoredAuthorization record);
// A loaded record with the current secret of the configured pre-registered client put back.
void with_configured_secret(StoredAuthorization& record, const std::string& client_id,
                            const std::string& secret);

// The first 32 hex digits of SHA-256 of the canonical server URL.
std::string token_store_key(std::string_view server_url);
// Registers the record's secrets (tokens in slots of their server, so refreshes do not pile up values).
void register_secrets(const StoredAuthorization& record);

// What load found: a record, or nothing; `problem` says why something stored could not be used.
struct LoadedAuthorization {
  std::optional<StoredAuthorization> record;
  std::string problem;
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // Awaited forms for code on the MCP strand (authorizers, the web flow). Here they do the I/O in place,
  // which suits `parley mcp`; OffloadedTokenStore moves it onto the blocking pool for the server.
  virtual boost::asio::awaitable<LoadedAuthorization> load_async(std::string server_url);
  virtual boost::asio::awaitable<Result<void, Failure>> save_async(StoredAuthorization record);

  // nullopt when nothing is stored; `problem` is set when something is stored but cannot be used.
  virtual std::optional<StoredAuthorization> load(std::string_view server_url, std::string& problem) = 0;
  virtual Result<void, Failure> save(const StoredAuthorization& record) = 0;
  virtual Result<void, Failure> forget(std::string_view server_url) = 0;
  // For messages: the file, or the table row.
  [[nodiscard]] virtual std::string where(std::string_view server_url) const = 0;
};

// data/mcp_oauth/<key>.json.
class TokenFiles final : public TokenStore {
 public:
  explicit TokenFiles(std::filesystem::path directory) : directory_(std::move(directory)) {}
  std::optional<StoredAuthorization> load(std::string_view server_url, std::string& problem) override;
  Result<void, Failure> save(const StoredAuthorization& record) override;
  Result<void, Failure> forget(std::string_view server_url) override;
  [[nodiscard]] std::string where(std::string_view server_url) const override;

 private:
  [[nodiscard]] std::filesystem::path path_of(std::string_view server_url) const;
  std::filesystem::path directory_;
};

// Settings rows `mcp_oauth:<key>` of a DocumentStore (the PostgreSQL settings table); a forgotten record is
// an empty object, since the table keeps rows.
class TokenRows final : public TokenStore {
 public:
  explicit TokenRows(DocumentStore& table) : table_(table) {}
  std::optional<StoredAuthorization> load(std::string_view server_url, std::string& problem) override;
  Result<void, Failure> save(const StoredAuthorization& record) override;
  Result<void, Failure> forget(std::string_view server_url) override;
  [[nodiscard]] std::string where(std::string_view server_url) const override;

 private:
  DocumentStore& table_;
};

// Any TokenStore with its file or database I/O run on the blocking pool, so a slow disk or a PostgreSQL round
// trip never holds the MCP strand (which every tool call and status request shares).
class OffloadedTokenStore final : public TokenStore {
 public:
  OffloadedTokenStore(std::shared_ptr<TokenStore> inner, BlockingPool& pool)
      : inner_(std::move(inner)), pool_(pool) {}
  std::optional<StoredAuthorization> load(std::string_view server_url, std::string& problem) override {
    return inner_->load(server_url, problem);
  }
  Result<void, Failure> save(const StoredAuthorization& record) override { return inner_->save(record); }
  Result<void, Failure> forget(std::string_view server_url) override { return inner_->forget(server_url); }
  [[nodiscard]] std::string where(std::string_view server_url) const override {
    return inner_->where(server_url);
  }
  boost::asio::awaitable<LoadedAuthorization> load_async(std::string server_url) override;
  boost::asio::awaitable<Result<void, Failure>> save_async(StoredAuthorization record) override;

 private:
  std::shared_ptr<TokenStore> inner_;
  BlockingPool& pool_;
};

}  // namespace parley::mcp::oauth
