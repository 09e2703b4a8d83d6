#include "store/signing_key.hpp"

#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "store/repository.hpp"
#include "store/settings_table.hpp"

namespace parley::store {

namespace {

bool usable_key(const std::string& key) {
  return key.size() >= 64 && key.size() % 2 == 0 && is_hex(key);
}

std::string new_key() {
  const auto bytes = random_bytes(32);
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// The key in data/signing.key; nullopt when there is no file, "" (after a warning) when it is unusable.
std::optional<std::string> key_file(const std::filesystem::path& path, Warnings& warnings) {
  std::error_code ec;
  auto text = read_file(path, ec);
  if (!text) return std::nullopt;
  std::string key = *text;
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) key.pop_back();
  if (usable_key(key)) return key;
  warnings.add(path.string() +
               " is not valid hex of at least 32 bytes; delete it to let parley create a new one");
  return std::string();
}

}  // namespace

std::string load_or_create_signing_key(const Config& config, PostgresDocumentStore* table,
                                       Warnings& warnings) {
  if (!config.signing_key_hex.empty()) return config.signing_key_hex;
  const auto path = config.home / "data" / "signing.key";
  if (!table) {
    if (auto key = key_file(path, warnings)) return *key;
    const auto key = new_key();
    if (auto ec = write_file_atomic(path, key + "\n", 0600)) {
      warnings.add("cannot write " + path.string() + ": " + ec.message());
    }
    return key;
  }
  // Every replica proposes a key; the first one stored is the one all of them use.
  auto proposed = key_file(path, warnings);
  const bool from_file = proposed && !proposed->empty();
  const auto candidate = from_file ? *proposed : new_key();
  const auto stored =
      table->create_if_absent("signing_key", json::serialize(boost::json::object{{"key", candidate}}));
  const auto document = json::parse(stored.text);
  const auto* key = document && document->is_object() ? document->as_object().if_contains("key") : nullptr;
  if (!key || !key->is_string() || !usable_key(std::string(key->as_string()))) {
    warnings.add(table->where("signing_key") +
                 " does not hold {\"key\": \"<64 or more hex digits>\"}; signed file URLs fail until it is "
                 "fixed or deleted (the next start then creates a new key)");
    return {};
  }
  std::string result(key->as_string());
  if (stored.created) {
    log::info("Created {}{}", table->where("signing_key"), from_file ? " from " + path.string() : "");
  }
  return result;
}

}  // namespace parley::store
