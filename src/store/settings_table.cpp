#include "store/settings_table.hpp"

#include "core/json.hpp"
#include "core/log.hpp"
#include "store/postgres_connection.hpp"
#include "store/repository.hpp"

namespace parley::store {

PostgresDocumentStore::PostgresDocumentStore(std::string url) : url_(std::move(url)) {}
PostgresDocumentStore::~PostgresDocumentStore() = default;

SqlConnection& PostgresDocumentStore::connection() {
  if (!connection_) connection_ = std::make_unique<PostgresConnection>(url_);
  return *connection_;
}

std::optional<StoredDocument> PostgresDocumentStore::read(std::string_view name, ReadError& error) {
  error = {};
  std::lock_guard lock(mutex_);
  try {
    const auto rows = connection().query(
        "SELECT document::text, version, to_char(updated_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM settings WHERE name = ?",
        {std::string(name)});
    if (rows.empty()) return std::nullopt;
    versions_[std::string(name)] = rows[0].integer(1);
    return StoredDocument{rows[0].text(0), parse_timestamp(rows[0].text(2))};
  } catch (const DatabaseError& e) {
    // The database did not answer: a failure of the read, not a verdict on the document.
    error = {std::string("cannot read it: ") + e.what(), true};
    return std::nullopt;
  }
}

std::error_code PostgresDocumentStore::write(std::string_view name, const std::string& text) {
  std::lock_guard lock(mutex_);
  try {
    auto& db = connection();
    db.begin_write();
    try {
      // The row lock orders concurrent writers across replicas; versions never go back.
      const auto current =
          db.query("SELECT version FROM settings WHERE name = ? FOR UPDATE", {std::string(name)});
      std::int64_t version = 1;
      if (current.empty()) {
        const auto inserted = db.query(
            "INSERT INTO settings (name, document, version, updated_at) VALUES (?, CAST(? AS jsonb), 1, "
            "now()) "
            "ON CONFLICT (name) DO UPDATE SET document = EXCLUDED.document, version = settings.version + 1, "
            "updated_at = now() RETURNING version",
            {std::string(name), text});
        version = inserted.at(0).integer(0);
      } else {
        const auto updated = db.query(
            "UPDATE settings SET document = CAST(? AS jsonb), version = version + 1, updated_at = now() "
            "WHERE name = ? RETURNING version",
            {text, std::string(name)});
        version = updated.at(0).integer(0);
      }
      db.query("SELECT pg_notify('parley_settings', ?)", {std::string(name) + ":" + std::to_string(version)});
      db.commit();
      versions_[std::string(name)] = version;
    } catch (...) {
      db.rollback();
      throw;
    }
    return {};
  } catch (const DatabaseError& e) {
    log::error("Cannot save the {} settings document to PostgreSQL: {}", name, e.what());
    return std::make_error_code(std::errc::io_error);
  }
}

void PostgresDocumentStore::set_aside(std::string_view name, const std::string& why, Warnings& warnings) {
  const auto message = where(name) + " is invalid (" + why +
                       "); it is left in place and defaults are used until it is fixed or saved again";
  log::error("{}", message);
  warnings.set(document_warning_key(name), message);
}

std::string PostgresDocumentStore::where(std::string_view name) const {
  return "the PostgreSQL settings row '" + std::string(name) + "'";
}

bool PostgresDocumentStore::empty() {
  std::lock_guard lock(mutex_);
  return connection().query("SELECT 1 FROM settings LIMIT 1").empty();
}

PostgresDocumentStore::Created PostgresDocumentStore::create_if_absent(const std::string& name,
                                                                       const std::string& text) {
  std::lock_guard lock(mutex_);
  const auto inserted = connection().query(
      "INSERT INTO settings (name, document, version, updated_at) VALUES (?, CAST(? AS jsonb), 1, now()) "
      "ON CONFLICT (name) DO NOTHING RETURNING version",
      {name, text});
  const auto rows = connection().query("SELECT document::text FROM settings WHERE name = ?", {name});
  if (rows.empty()) throw DatabaseError("the settings row '" + name + "' vanished after it was created");
  return {rows[0].text(0), !inserted.empty()};
}

bool PostgresDocumentStore::is_newer(const std::string& name, std::int64_t version) const {
  std::lock_guard lock(mutex_);
  const auto it = versions_.find(name);
  return it == versions_.end() || version > it->second;
}

std::vector<std::string> import_documents(DocumentStore& files, PostgresDocumentStore& table,
                                          const std::vector<std::string>& names, Warnings& warnings) {
  std::vector<std::string> imported;
  for (const auto& name : names) {
    ReadError error;
    auto doc = files.read(name, error);
    if (!doc) {
      if (!error.empty()) files.set_aside(name, error.message, warnings);
      continue;
    }
    if (!json::parse(doc->text)) {
      files.set_aside(name, "not valid JSON", warnings);
      continue;
    }
    if (auto ec = table.write(name, doc->text)) {
      const auto message = "Could not import " + files.where(name) + " into PostgreSQL: " + ec.message();
      log::error("{}", message);
      warnings.add(message);
      continue;
    }
    log::info("Imported {} into {}", files.where(name), table.where(name));
    imported.push_back(name);
  }
  return imported;
}

}  // namespace parley::store
