// The settings documents in PostgreSQL's `settings` table (api.md §5.5), shared by every replica: each write
// locks the row, bumps its version and notifies `parley_settings` with "<name>:<version>" in one transaction.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/document_store.hpp"

namespace parley::store {

class SqlConnection;

class PostgresDocumentStore final : public DocumentStore {
 public:
  // Connects on first use; the migrations must have created the table.
  explicit PostgresDocumentStore(std::string url);
  ~PostgresDocumentStore() override;

  std::optional<StoredDocument> read(std::string_view name, ReadError& error) override;
  std::error_code write(std::string_view name, const std::string& text) override;
  void set_aside(std::string_view name, const std::string& why, Warnings& warnings) override;
  [[nodiscard]] std::string where(std::string_view name) const override;

  // True when the table has no rows (first start: documents are imported from the files).
  bool empty();
  // A row written once and never changed (signing_key): stores `text` unless the row exists, and returns the
  // stored text, whichever replica wrote it. Throws DatabaseError.
  struct Created {
    std::string text;
    bool created = false;  // this call stored it
  };
  Created create_if_absent(const std::string& name, const std::string& text);
  // Whether `version` of `name` is newer than what this process last read or wrote.
  bool is_newer(const std::string& name, std::int64_t version) const;

 private:
  std::string url_;
  mutable std::mutex mutex_;
  std::unique_ptr<SqlConnection> connection_;
  std::map<std::string, std::int64_t, std::less<>> versions_;
  SqlConnection& connection();
};

// Copies each document that exists in `files` but not in `table` (first start on PostgreSQL).
// Returns the names imported.
std::vector<std::string> import_documents(DocumentStore& files, PostgresDocumentStore& table,
                                          const std::vector<std::string>& names, Warnings& warnings);

}  // namespace parley::store
