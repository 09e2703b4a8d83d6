#include "google/token_store.hpp"

#include "core/atomic_file.hpp"
#include "core/document_store.hpp"
#include "core/secret_values.hpp"

namespace parley::google {

namespace fs = std::filesystem;

void register_token_secrets(std::string_view user_email, const StoredToken& token) {
  const std::string slot = "google_token:" + std::string(user_email);
  if (!token.token.empty()) known_secrets().set(slot + ":access", token.token);
  if (!token.refresh_token.empty()) known_secrets().set(slot + ":refresh", token.refresh_token);
  if (!token.client_secret.empty()) known_secrets().add(token.client_secret);
}

namespace {

TokenRead parse_read(std::string_view user_email, const std::string& text, const std::string& where) {
  TokenRead out;
  std::string why;
  auto token = parse_token(text, why);
  if (!token) {
    out.error = "the stored Google token " + where + " cannot be read: " + why;
    return out;
  }
  register_token_secrets(user_email, *token);
  out.token = std::move(token);
  return out;
}

}  // namespace

fs::path FileTokenStore::path_of(std::string_view user_email) const {
  return dir_ / (token_file_stem(user_email) + ".json");
}

TokenRead FileTokenStore::load(std::string_view user_email) {
  const auto path = path_of(user_email);
  std::error_code ec;
  auto text = read_file(path, ec);
  if (!text) {
    if (ec == std::errc::no_such_file_or_directory || !fs::exists(path)) return {};
    return TokenRead{std::nullopt, "cannot read " + path.string() + ": " + ec.message()};
  }
  // Files of earlier versions may be readable by others; a token is private.
  ensure_private_file(path);
  return parse_read(user_email, *text, path.string());
}

std::error_code FileTokenStore::save(std::string_view user_email, const StoredToken& token) {
  if (auto ec = create_private_directories(dir_)) return ec;
  std::error_code ec;
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
  register_token_secrets(user_email, token);
  const auto path = path_of(user_email);
  if (auto write_ec = write_file_atomic(path, serialize_token(token), 0600)) return write_ec;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
  return {};
}

std::error_code FileTokenStore::remove(std::string_view user_email) {
  std::error_code ec;
  fs::remove(path_of(user_email), ec);
  return ec;
}

std::string token_row_name(std::string_view user_email) {
  return "google_token:" + token_file_stem(user_email);
}

TokenRead DocumentTokenStore::load(std::string_view user_email) {
  ReadError error;
  const auto name = token_row_name(user_email);
  auto doc = rows_.read(name, error);
  if (!doc) {
    if (!error.empty())
      return TokenRead{std::nullopt, "cannot read " + rows_.where(name) + ": " + error.message};
    // Not in the table yet: a token file of the install before PostgreSQL, copied over once.
    auto from_file = files_.load(user_email);
    if (from_file.token) {
      if (auto ec = rows_.write(name, serialize_token(*from_file.token))) {
        return TokenRead{std::nullopt, "cannot write " + rows_.where(name) + ": " + ec.message()};
      }
    }
    return from_file;
  }
  if (doc->text == "null") return {};
  return parse_read(user_email, doc->text, rows_.where(name));
}

std::error_code DocumentTokenStore::save(std::string_view user_email, const StoredToken& token) {
  register_token_secrets(user_email, token);
  return rows_.write(token_row_name(user_email), serialize_token(token));
}

std::error_code DocumentTokenStore::remove(std::string_view user_email) {
  files_.remove(user_email);  // else the next load would import it again
  return rows_.write(token_row_name(user_email), "null");
}

}  // namespace parley::google
