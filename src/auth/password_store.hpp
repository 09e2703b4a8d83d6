// Where the password hash set by `parley passwd` lives (api.md §4.5): data/auth.json, or with PostgreSQL the
// settings row `auth` that every replica reads (store/ implements that one). AuthService reads through it
// and `parley passwd` writes through it, so both always agree on the place.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

namespace parley::auth {

class PasswordStore {
 public:
  struct Loaded {
    std::optional<std::string> hash;  // nullopt: no password set
    std::string error;                // the stored document is invalid (then reported and ignored)
    bool unavailable = false;         // the store could not be read: keep what was read before
  };
  virtual ~PasswordStore() = default;
  virtual Loaded load() = 0;
  virtual std::error_code save(const std::string& encoded) = 0;
  // For messages: the file path, or the table row.
  [[nodiscard]] virtual std::string where() const = 0;
};

// data/auth.json, mode 0600, written atomically.
class PasswordFile final : public PasswordStore {
 public:
  explicit PasswordFile(std::filesystem::path path) : path_(std::move(path)) {}
  Loaded load() override;
  std::error_code save(const std::string& encoded) override;
  [[nodiscard]] std::string where() const override { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace parley::auth
