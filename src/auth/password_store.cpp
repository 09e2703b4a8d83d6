#include "auth/password_store.hpp"

#include "auth/password.hpp"

namespace parley::auth {

PasswordStore::Loaded PasswordFile::load() {
  Loaded out;
  out.hash = load_password_hash(path_, &out.error);
  return out;
}

std::error_code PasswordFile::save(const std::string& encoded) {
  return save_password_hash(path_, encoded);
}

}  // namespace parley::auth
