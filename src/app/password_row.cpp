#include "app/password_row.hpp"

#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "store/settings_table.hpp"

namespace parley::app {

namespace {
constexpr const char* kRow = "auth";
}  // namespace

auth::PasswordStore::Loaded PasswordRow::load() {
  Loaded out;
  ReadError error;
  const auto doc = table_.read(kRow, error);
  if (error.unavailable) {
    out.unavailable = true;
    out.error = "Cannot read " + where() + " (" + error.message + "); the password read before stays in use";
    return out;
  }
  if (!doc) return out;
  const auto parsed = json::parse(doc->text);
  const auto* hash =
      parsed && parsed->is_object() ? parsed->as_object().if_contains("password_hash") : nullptr;
  if (!hash || !hash->is_string()) {
    out.error = where() + " is not valid: expected {\"password_hash\": \"pbkdf2-sha256$...\"}";
    return out;
  }
  out.hash = std::string(hash->as_string());
  return out;
}

std::error_code PasswordRow::save(const std::string& encoded) {
  return table_.write(kRow, json::serialize(boost::json::object{{"password_hash", encoded}}));
}

std::string PasswordRow::where() const {
  return table_.where(kRow);
}

void import_password_file(store::PostgresDocumentStore& table, const std::filesystem::path& auth_file) {
  std::error_code ec;
  const auto text = read_file(auth_file, ec);
  if (!text || !json::parse(*text)) return;  // no file, or one AuthService will report as invalid
  if (table.create_if_absent(kRow, *text).created) {
    log::info("Imported {} into {}", auth_file.string(), table.where(kRow));
  }
}

}  // namespace parley::app
