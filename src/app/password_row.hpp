// The password hash of `parley passwd` in PostgreSQL's settings row `auth` ({"password_hash": "..."}), read
// by every replica (api.md §4.5, §5.5); a change is announced like any settings document, so the replicas
// reload it at once. An earlier install's data/auth.json is imported into the row once, when the row does not
// exist.
#pragma once

#include <filesystem>

#include "auth/password_store.hpp"

namespace parley::store {
class PostgresDocumentStore;
}  // namespace parley::store

namespace parley::app {

class PasswordRow final : public auth::PasswordStore {
 public:
  explicit PasswordRow(store::PostgresDocumentStore& table) : table_(table) {}
  Loaded load() override;
  std::error_code save(const std::string& encoded) override;
  [[nodiscard]] std::string where() const override;

 private:
  store::PostgresDocumentStore& table_;
};

// Copies data/auth.json into the row when the file exists and the row does not. Throws store::DatabaseError.
void import_password_file(store::PostgresDocumentStore& table, const std::filesystem::path& auth_file);

}  // namespace parley::app
