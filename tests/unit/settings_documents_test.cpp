// The settings document stores: files under data/ (absent vs unreadable, set-aside copies, leftovers of
// interrupted writes) and the notification payloads of the PostgreSQL listener (api.md §4, §5.5).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/document_store.hpp"
#include "store/settings_listener.hpp"

using namespace parley;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("parley-docs-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}
}  // namespace

TEST(FileDocumentStore, AbsentReadableAndWritten) {
  const auto dir = fresh_dir("rw");
  FileDocumentStore docs({{"presets", dir / "data" / "presets.json"}});
  ReadError error{"stale", true};
  EXPECT_FALSE(docs.read("presets", error));
  EXPECT_EQ(error.message, "") << "absent is not an error";
  ASSERT_FALSE(docs.write("presets", R"({"presets":[]})"));
  const auto doc = docs.read("presets", error);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->text, R"({"presets":[]})");
  ASSERT_TRUE(doc->updated_at);
  EXPECT_LE(std::chrono::abs(*doc->updated_at - std::chrono::system_clock::now()), std::chrono::seconds(5));
  EXPECT_EQ(docs.where("presets"), (dir / "data" / "presets.json").string());
  EXPECT_THROW(docs.read("unknown", error), std::logic_error);
}

TEST(FileDocumentStore, UnreadableIsAnErrorAndSetAsideKeepsACopy) {
  const auto dir = fresh_dir("bad");
  fs::create_directories(dir / "model_settings.json");  // a directory where the file should be
  FileDocumentStore docs({{"model_settings", dir / "model_settings.json"}, {"suggestions", dir / "s.json"}});
  ReadError error;
  EXPECT_FALSE(docs.read("model_settings", error));
  EXPECT_NE(error.message, "");
  EXPECT_FALSE(error.unavailable) << "an unreadable file is a problem of the document";
  std::ofstream(dir / "s.json") << "{broken";
  Warnings warnings;
  docs.set_aside("suggestions", "not a suggestions document", warnings);
  ASSERT_EQ(warnings.list().size(), 1u);
  EXPECT_NE(warnings.list()[0].find("not a suggestions document"), std::string::npos);
  int copies = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with("s.json.corrupt-")) {
      ++copies;
      std::ifstream in(e.path());
      std::string text((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(text, "{broken");
    }
  }
  EXPECT_EQ(copies, 1);
}

TEST(FileDocumentStore, RemovesTemporaryFilesOfInterruptedWritesOnly) {
  const auto dir = fresh_dir("tmp");
  std::ofstream(dir / ".presets.json.tmp-123") << "half";
  std::ofstream(dir / ".other.json.tmp-1") << "not ours";
  std::ofstream(dir / "presets.json") << "{}";
  FileDocumentStore docs({{"presets", dir / "presets.json"}});
  EXPECT_FALSE(fs::exists(dir / ".presets.json.tmp-123"));
  EXPECT_TRUE(fs::exists(dir / ".other.json.tmp-1"));
  EXPECT_TRUE(fs::exists(dir / "presets.json"));
}

TEST(SettingsNotification, ParsesNameAndVersion) {
  std::string name;
  std::int64_t version = 0;
  EXPECT_TRUE(store::parse_settings_notification("model_settings:12", name, version));
  EXPECT_EQ(name, "model_settings");
  EXPECT_EQ(version, 12);
  EXPECT_TRUE(store::parse_settings_notification("a:b:3", name, version));
  EXPECT_EQ(name, "a:b");
  for (const char* bad : {"", "presets", "presets:", ":3", "presets:x", "presets:3x", "presets: 3",
                          "presets:99999999999999999999999"}) {
    EXPECT_FALSE(store::parse_settings_notification(bad, name, version)) << bad;
  }
}
