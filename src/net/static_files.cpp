#include "net/static_files.hpp"

#include <openssl/sha.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "core/ids.hpp"
#include "core/text.hpp"

namespace parley::net {
namespace fs = std::filesystem;
namespace {

std::string etag_of(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return "\"" + to_hex(std::string_view(reinterpret_cast<const char*>(digest), 12)) + "\"";
}

// A build hash before the extension: `name-<8+ of [A-Za-z0-9_-]>.<ext>` or `name.<hash>.<ext>`, the
// extension lower-case letters and digits.
bool looks_hashed(std::string_view path) {
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == path.size()) return false;
  for (char c : path.substr(dot + 1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  const auto hash_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  };
  // The hash characters include '-', so any '-' or '.' before 8 of them can start the hash.
  std::size_t run = 0;
  for (std::size_t i = dot; i-- > 0;) {
    const char c = path[i];
    if ((c == '-' || c == '.') && run >= 8) return true;
    if (!hash_char(c)) return false;
    ++run;
  }
  return false;
}

// q-value of `coding` in an Accept-Encoding header (0 when absent or refused).
double accept_q(std::string_view header, std::string_view coding) {
  double star = 0, exact = -1;
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto comma = header.find(',', pos);
    auto item = header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    pos = comma == std::string_view::npos ? header.size() : comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto semi = item.find(';');
    auto name = item.substr(0, semi);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    double q = 1.0;
    if (semi != std::string_view::npos) {
      auto params = item.substr(semi + 1);
      auto qpos = params.find("q=");
      if (qpos != std::string_view::npos) q = std::atof(std::string(params.substr(qpos + 2)).c_str());
    }
    if (iequals(name, coding)) exact = q;
    if (name == "*") star = q;
  }
  return exact >= 0 ? exact : star;
}

bool is_asset_path(std::string_view path) {
  const auto slash = path.rfind('/');
  const auto last = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  const auto dot = last.rfind('.');
  if (dot == std::string_view::npos) return false;
  // Only script, style, image, font and wasm files: other paths (e.g. /openapi.json) fall back to the UI.
  static const char* exts[] = {"js",  "mjs",  "css",  "map",  "png",   "jpg", "jpeg", "gif", "svg",
                               "ico", "webp", "avif", "woff", "woff2", "ttf", "otf",  "wasm"};
  const auto ext = last.substr(dot + 1);
  for (const char* e : exts) {
    if (iequals(ext, e)) return true;
  }
  return false;
}

}  // namespace

std::string content_type_for(std::string_view path) {
  static const std::map<std::string, std::string, std::less<>> types = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"txt", "text/plain; charset=utf-8"},
      {"wasm", "application/wasm"},
      {"webmanifest", "application/manifest+json"},
      {"xml", "application/xml"},
      {"pdf", "application/pdf"}};
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  auto it = types.find(text::lower(path.substr(dot + 1)));
  return it == types.end() ? "application/octet-stream" : it->second;
}

void StaticFiles::add(std::string path, std::string_view bytes) {
  raw_[std::move(path)] = bytes;
}

void StaticFiles::finish() {
  for (const auto& [path, bytes] : raw_) {
    if (path.ends_with(".gz") || path.ends_with(".br")) continue;
    Entry e;
    e.content_type = content_type_for(path);
    e.identity = {bytes, etag_of(bytes)};
    if (auto gz = raw_.find(path + ".gz"); gz != raw_.end())
      e.gzip = Variant{gz->second, etag_of(gz->second)};
    if (auto br = raw_.find(path + ".br"); br != raw_.end())
      e.brotli = Variant{br->second, etag_of(br->second)};
    e.immutable = path.starts_with("/assets/") && looks_hashed(path);
    files_[path] = std::move(e);
  }
  // A precompressed file without its original is still servable as itself.
  for (const auto& [path, bytes] : raw_) {
    if (!files_.count(path) && !files_.count(path.substr(0, path.size() - 3))) {
      Entry e;
      e.content_type = content_type_for(path);
      e.identity = {bytes, etag_of(bytes)};
      files_[path] = std::move(e);
    }
  }
  raw_.clear();
}

StaticFiles StaticFiles::from_embedded(std::span<const EmbeddedFile> files) {
  StaticFiles s;
  for (const auto& f : files) {
    s.add("/" + std::string(f.path), std::string_view(reinterpret_cast<const char*>(f.begin),
                                                      static_cast<std::size_t>(f.end - f.begin)));
  }
  s.finish();
  return s;
}

StaticFiles StaticFiles::from_directory(const fs::path& root_in) {
  StaticFiles s;
  s.storage_ = std::make_shared<std::vector<std::string>>();
  std::error_code ec;
  const auto root = fs::canonical(root_in, ec);
  if (ec) return s;
  std::vector<std::pair<std::string, fs::path>> found;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto real = fs::canonical(it->path(), ec);
    if (ec) continue;
    const auto rel = real.lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..") {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;  // symlink out of the root
    }
    if (!fs::is_regular_file(real, ec)) continue;
    found.emplace_back("/" + it->path().lexically_relative(root).generic_string(), real);
  }
  s.storage_->reserve(found.size());
  for (const auto& [rel, real] : found) {
    std::ifstream in(real, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    s.storage_->push_back(ss.str());
    s.add(rel, s.storage_->back());
  }
  s.finish();
  return s;
}

Response StaticFiles::serve_entry(const Request& req, const std::string& path, const Entry& e) const {
  const auto accept = req.header("Accept-Encoding");
  const Variant* chosen = &e.identity;
  std::string encoding;
  const double qbr = e.brotli ? accept_q(accept, "br") : 0;
  const double qgz = e.gzip ? accept_q(accept, "gzip") : 0;
  if (qbr > 0 && qbr >= qgz) {
    chosen = &*e.brotli;
    encoding = "br";
  } else if (qgz > 0) {
    chosen = &*e.gzip;
    encoding = "gzip";
  }
  Response r;
  r.headers.set("Content-Type", e.content_type);
  r.headers.set("ETag", chosen->etag);
  if (e.gzip || e.brotli) r.headers.set("Vary", "Accept-Encoding");
  if (!encoding.empty()) r.headers.set("Content-Encoding", encoding);
  r.headers.set("Cache-Control", e.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.set("X-Content-Type-Options", "nosniff");
  if (path == "/index.html") r.headers.set("Referrer-Policy", "same-origin");
  const auto inm = req.header("If-None-Match");
  if (!inm.empty() && (inm == chosen->etag || inm.find(chosen->etag) != std::string_view::npos)) {
    r.status = 304;
    return r;
  }
  r.static_body = chosen->bytes;
  return r;
}

Response StaticFiles::serve(const Request& req) const {
  std::string path;
  if (!percent_decode(req.path, path) || path.empty() || path.front() != '/' ||
      path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) {
    return Response::json(404, R"({"detail":"Not Found"})");
  }
  // Dot segments (raw or encoded) never resolve to anything.
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto seg =
        std::string_view(path).substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg == "." || seg == "..") return Response::json(404, R"({"detail":"Not Found"})");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (path == "/") path = "/index.html";
  if (auto it = files_.find(path); it != files_.end()) return serve_entry(req, path, it->second);
  if (is_asset_path(path)) return Response::json(404, R"({"detail":"Not Found"})");
  if (auto it = files_.find("/index.html"); it != files_.end())
    return serve_entry(req, "/index.html", it->second);
  Response r;
  r.headers.set("Content-Type", "text/html; charset=utf-8");
  r.headers.set("Cache-Control", "no-cache");
  r.body =
      "<!doctype html><meta charset=utf-8><title>parley</title><p>The web UI is not built into this binary. "
      "Run <code>./scripts/run</code> (or <code>cd web &amp;&amp; npm run build</code> and rebuild), or set "
      "PARLEY_WEB_DIR to a built UI folder.</p>";
  return r;
}

}  // namespace parley::net
