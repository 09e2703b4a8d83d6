// Where users' Google tokens live (api.md §2.20, §4.5): data/tokens/<user>.json (0600 in a 0700 directory,
// written atomically), or with PostgreSQL a `settings` row per user (`google_token:<user>`) that every
// replica and every built-in server process reads. Each token value is registered with known_secrets() as it
// is loaded or saved, so it is masked wherever parley writes text.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "google/token.hpp"

namespace parley {
class DocumentStore;
}  // namespace parley

namespace parley::google {

struct TokenRead {
  std::optional<StoredToken> token;  // nullopt: none stored (or `error`)
  std::string error;                 // the stored token cannot be read
};

// Blocking (file system or database); thread-safe.
class TokenStore {
 public:
  virtual ~TokenStore() = default;
  virtual TokenRead load(std::string_view user_email) = 0;
  virtual std::error_code save(std::string_view user_email, const StoredToken& token) = 0;
  // Removing a token that does not exist is not an error.
  virtual std::error_code remove(std::string_view user_email) = 0;
};

class FileTokenStore final : public TokenStore {
 public:
  explicit FileTokenStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  TokenRead load(std::string_view user_email) override;
  std::error_code save(std::string_view user_email, const StoredToken& token) override;
  std::error_code remove(std::string_view user_email) override;
  [[nodiscard]] std::filesystem::path path_of(std::string_view user_email) const;

 private:
  std::filesystem::path dir_;
};

// Rows of a DocumentStore (the PostgreSQL settings table): document `google_token:<stem>`; a removed token is
// the JSON `null`. On first use of a user, a token file from data/tokens/ is imported (an install that moved
// to PostgreSQL keeps its authorizations).
class DocumentTokenStore final : public TokenStore {
 public:
  DocumentTokenStore(DocumentStore& rows, std::filesystem::path import_dir)
      : rows_(rows), files_(std::move(import_dir)) {}
  TokenRead load(std::string_view user_email) override;
  std::error_code save(std::string_view user_email, const StoredToken& token) override;
  std::error_code remove(std::string_view user_email) override;

 private:
  DocumentStore& rows_;
  FileTokenStore files_;
};

std::string token_row_name(std::string_view user_email);
// Registers the token's secrets (access and refresh token, client secret) for masking.
void register_token_secrets(std::string_view user_email, const StoredToken& token);

}  // namespace parley::google
