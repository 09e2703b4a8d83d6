#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/atomic_file.hpp"
#include "net/static_files.hpp"

using namespace parley;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("parley-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}
}  // namespace

TEST(AtomicFile, AReadersOnlyWriteReplacesAsWholeWithoutATemporaryLeft) {
  const auto dir = temp_dir("atomic-readers-only");
  const auto file = dir / "day" / "session.log";
  ASSERT_FALSE(write_file_atomic(file, "first\n", 0600, Durability::readers_only));
  ASSERT_FALSE(write_file_atomic(file, "second\n", 0600, Durability::readers_only));
  std::error_code ec;
  EXPECT_EQ(read_file(file, ec), "second\n");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(file.parent_path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFile, WritesNewFilesWith0600AndKeepsTheModeOfReplacedOnes) {
  const auto dir = temp_dir("atomic");
  const auto file = dir / "sub" / "doc.json";
  ASSERT_FALSE(write_file_atomic(file, "{\"a\":1}\n"));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::chmod(file.c_str(), 0640);
  ASSERT_FALSE(write_file_atomic(file, "{\"a\":2}\n"));
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  std::error_code ec;
  EXPECT_EQ(read_file(file, ec), "{\"a\":2}\n");
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(file.parent_path())) ++entries;
  EXPECT_EQ(entries, 1);
  EXPECT_FALSE(read_file(dir / "missing", ec));
  EXPECT_TRUE(ec);
  fs::remove_all(dir);
}

TEST(StaticFiles, IndexesADirectoryAndServesWithTheRightHeaders) {
  const auto dir = temp_dir("static");
  fs::create_directories(dir / "assets");
  std::ofstream(dir / "index.html") << "<html>ui</html>";
  std::ofstream(dir / "assets" / "app-1a2b3c4d.js") << "js";
  std::ofstream(dir / "assets" / "app-1a2b3c4d.js.gz") << "gz-bytes";
  const auto ui = net::StaticFiles::from_directory(dir);
  EXPECT_EQ(ui.file_count(), 2u);

  net::Request req;
  req.method = "GET";
  req.path = "/assets/app-1a2b3c4d.js";
  req.headers.add("Accept-Encoding", "gzip");
  auto res = ui.serve(req);
  EXPECT_EQ(res.status, 200);
  ASSERT_TRUE(res.static_body);
  EXPECT_EQ(*res.static_body, "gz-bytes");
  EXPECT_EQ(res.headers.get("Content-Encoding"), "gzip");
  EXPECT_EQ(res.headers.get("Cache-Control"), "public, max-age=31536000, immutable");

  req.path = "/conversations/42";
  res = ui.serve(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(*res.static_body, "<html>ui</html>");
  EXPECT_EQ(res.headers.get("Cache-Control"), "no-cache");

  req.path = "/%2e%2e/etc/passwd";
  EXPECT_EQ(ui.serve(req).status, 404);
  req.path = "/assets/missing.js";
  EXPECT_EQ(ui.serve(req).status, 404);
  fs::remove_all(dir);
}

TEST(StaticFiles, ContentTypes) {
  EXPECT_EQ(net::content_type_for("/a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(net::content_type_for("/a.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(net::content_type_for("/a.woff2"), "font/woff2");
  EXPECT_EQ(net::content_type_for("/a.svg"), "image/svg+xml");
  EXPECT_EQ(net::content_type_for("/noext"), "application/octet-stream");
}

TEST(StaticFiles, WithoutABuiltUiExplainsHowToBuildIt) {
  const auto ui = net::StaticFiles::from_embedded({});
  net::Request req;
  req.method = "GET";
  req.path = "/";
  const auto res = ui.serve(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("./scripts/run"), std::string::npos);
}
