// The built web UI served from memory: content types, precompressed .br/.gz by q-value, ETags, immutable
// caching of hashed assets, SPA fallback to index.html, and no way out of the UI root (api.md §0.2).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "net/embedded_files.hpp"
#include "net/http_types.hpp"

namespace parley::net {

class StaticFiles {
 public:
  static StaticFiles from_embedded(std::span<const EmbeddedFile> files);
  // Loads every regular file under `root` into memory; symlinks that resolve outside `root` are skipped.
  static StaticFiles from_directory(const std::filesystem::path& root);

  // Answers a GET/HEAD for a non-API path. Never escapes the root: dot segments and NULs give 404.
  [[nodiscard]] Response serve(const Request& req) const;
  [[nodiscard]] std::size_t file_count() const { return files_.size(); }

 private:
  struct Variant {
    std::string_view bytes;
    std::string etag;
  };
  struct Entry {
    std::string content_type;
    Variant identity;
    std::optional<Variant> gzip;
    std::optional<Variant> brotli;
    bool immutable = false;
  };
  void add(std::string path, std::string_view bytes);
  void finish();
  Response serve_entry(const Request& req, const std::string& path, const Entry& e) const;

  std::map<std::string, Entry> files_;
  std::map<std::string, std::string_view> raw_;        // path -> bytes, before pairing variants
  std::shared_ptr<std::vector<std::string>> storage_;  // owned bytes for the directory mode
};

std::string content_type_for(std::string_view path);

}  // namespace parley::net
