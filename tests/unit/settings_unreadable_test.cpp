// Settings documents whose store stops answering (PostgreSQL restarting): a failed read is no document, so
// the last good copy is served, nothing is written over the stored document until it was read again, and
// the /health warning goes once the read succeeds (issue 16, defect 1).
#include <gtest/gtest.h>

#include <map>

#include "core/config.hpp"
#include "core/document_store.hpp"
#include "core/warnings.hpp"
#include "settings/settings_service.hpp"

using namespace parley;

namespace {

// A document store whose database can be switched off.
class FlakyDocuments final : public DocumentStore {
 public:
  std::map<std::string, std::string, std::less<>> texts;
  bool down = false;
  int writes = 0;

  std::optional<StoredDocument> read(std::string_view name, ReadError& error) override {
    error = {};
    if (down) {
      error = {"cannot read it: server closed the connection unexpectedly", true};
      return std::nullopt;
    }
    const auto it = texts.find(name);
    if (it == texts.end()) return std::nullopt;
    return StoredDocument{it->second, std::nullopt};
  }
  std::error_code write(std::string_view name, const std::string& text) override {
    if (down) return std::make_error_code(std::errc::io_error);
    ++writes;
    texts[std::string(name)] = text;
    return {};
  }
  void set_aside(std::string_view name, const std::string& why, Warnings& warnings) override {
    warnings.set(document_warning_key(name), std::string(name) + " is invalid: " + why);
  }
  [[nodiscard]] std::string where(std::string_view name) const override {
    return "the test row '" + std::string(name) + "'";
  }
};

class UnreadableSettings : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.default_model = "openrouter/auto";
    documents_.texts["model_settings"] =
        R"({"model":"anthropic/claude-3.5-sonnet","system_prompt":"Be brief.","updated_at":"2025-01-01T00:00:00Z"})";
    documents_.texts["suggestions"] = R"({"suggestions":[{"label":"Kept","text":"A kept suggestion"}]})";
    ASSERT_TRUE(service_.load());
  }

  Config config_;
  Warnings warnings_;
  FlakyDocuments documents_;
  parley::BlockingPool blocking_{1};
  settings::SettingsService service_{config_, warnings_, documents_, blocking_};
};

TEST_F(UnreadableSettings, AFailedReloadKeepsTheLastGoodCopyAndSaysSo) {
  documents_.down = true;
  EXPECT_FALSE(service_.reload("model_settings"));
  EXPECT_FALSE(service_.reload("suggestions"));
  EXPECT_EQ(service_.model_settings().model, "anthropic/claude-3.5-sonnet");
  EXPECT_EQ(service_.system_prompt(), "Be brief.");
  ASSERT_EQ(service_.suggestions().size(), 1u);
  EXPECT_EQ(service_.suggestions()[0].label, "Kept");
  const auto shown = warnings_.list();
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_NE(shown[0].find("Cannot read the test row 'model_settings'"), std::string::npos) << shown[0];
  EXPECT_EQ(documents_.writes, 0);
}

TEST_F(UnreadableSettings, NothingIsWrittenOverADocumentThatWasNotReadAgain) {
  documents_.down = true;
  ASSERT_FALSE(service_.reload("model_settings"));
  // Meanwhile another replica changed the model; the database comes back before this replica re-read it.
  documents_.texts["model_settings"] = R"({"model":"openai/gpt-4o-mini","system_prompt":"Be brief."})";
  EXPECT_TRUE(service_.set_system_prompt(std::string("Be kind.")));  // still down: refused
  documents_.down = false;
  ASSERT_FALSE(service_.set_system_prompt(std::string("Be kind.")));
  const auto& stored = documents_.texts["model_settings"];
  EXPECT_NE(stored.find("openai/gpt-4o-mini"), std::string::npos)
      << "the save read the document first: " << stored;
  EXPECT_NE(stored.find("Be kind."), std::string::npos) << stored;
  EXPECT_EQ(service_.model_settings().model, "openai/gpt-4o-mini");
  EXPECT_TRUE(warnings_.list().empty());
}

TEST_F(UnreadableSettings, TheWarningGoesWhenTheRetriedReadSucceeds) {
  documents_.down = true;
  ASSERT_FALSE(service_.reload("suggestions"));
  EXPECT_FALSE(service_.reload_unread());
  EXPECT_EQ(warnings_.list().size(), 1u);
  documents_.down = false;
  documents_.texts["suggestions"] = R"({"suggestions":[{"label":"New","text":"Changed elsewhere"}]})";
  EXPECT_TRUE(service_.reload_unread());
  EXPECT_TRUE(warnings_.list().empty());
  ASSERT_EQ(service_.suggestions().size(), 1u);
  EXPECT_EQ(service_.suggestions()[0].label, "New");
}

TEST_F(UnreadableSettings, AnInvalidDocumentIsStillTreatedAsAbsentAndReportedUntilSaved) {
  documents_.texts["model_settings"] = R"({"model":42})";
  ASSERT_TRUE(service_.reload("model_settings"));
  EXPECT_EQ(service_.model_settings().model, "openrouter/auto");
  ASSERT_EQ(warnings_.list().size(), 1u);
  ASSERT_FALSE(service_.set_system_prompt(std::string("Fresh start.")));
  EXPECT_TRUE(warnings_.list().empty()) << "a document saved again is valid again";
}

}  // namespace
