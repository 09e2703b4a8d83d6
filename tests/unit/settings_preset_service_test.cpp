// The preset rules of api.md §2.15 on typed presets (settings::PresetService) over the documents a SQLite
// deployment keeps (data/*.json in a temporary directory): snapshot, update, default, delete, apply, and the
// stored form of §4.2.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config.hpp"
#include "core/document_store.hpp"
#include "core/json.hpp"
#include "core/warnings.hpp"
#include "run_awaitable.hpp"
#include "settings/preset_service.hpp"
#include "settings/settings_service.hpp"

using namespace parley;
using settings::Preset;
using settings::Suggestion;
using test_support::run_awaitable;
namespace bj = boost::json;

namespace {

// Records what apply hands over; its definitions are what a snapshot captures.
class FakeToolServers final : public settings::PresetToolServers {
 public:
  bj::array definitions;
  std::vector<bj::array> applied;
  std::optional<Error> refuse;

  [[nodiscard]] bj::array stored_definitions() const override { return definitions; }
  boost::asio::awaitable<Result<void>> apply(bj::array preset_servers) override {
    applied.push_back(std::move(preset_servers));
    if (refuse) co_return *refuse;
    co_return Result<void>();
  }
};

class PresetServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-presets-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.default_model = "openrouter/auto";
    config_.default_system_prompt = "Default prompt.";
    tools_.definitions = bj::array{bj::object{{"id", "calc"}, {"module", "calculator"}, {"enabled", true}}};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The services over the files as they are now (a restart reads them again).
  void open() {
    documents_ =
        std::make_unique<FileDocumentStore>(std::map<std::string, std::filesystem::path, std::less<>>{
            {"model_settings", dir_ / "model_settings.json"},
            {"presets", dir_ / "presets.json"},
            {"suggestions", dir_ / "suggestions.json"}});
    settings_ = std::make_unique<settings::SettingsService>(config_, warnings_, *documents_, blocking_);
    ASSERT_TRUE(settings_->load());
    presets_ = std::make_unique<settings::PresetService>(*settings_, tools_, blocking_);
  }
  void write_file(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::string read_file(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  settings::ModelSettings model(const std::string& id, std::optional<bool> tools = std::nullopt) {
    settings::ModelSettings m;
    m.model = id;
    m.supports_tools = tools;
    m.updated_at = std::chrono::system_clock::now();
    return m;
  }

  std::filesystem::path dir_;
  Config config_;
  Warnings warnings_;
  parley::BlockingPool blocking_{1};
  boost::asio::io_context io_;
  FakeToolServers tools_;
  std::unique_ptr<FileDocumentStore> documents_;
  std::unique_ptr<settings::SettingsService> settings_;
  std::unique_ptr<settings::PresetService> presets_;
};

TEST_F(PresetServiceTest, CreateSnapshotsTheCurrentSetupAndRefusesATakenName) {
  open();
  ASSERT_FALSE(settings_->replace_model_settings(model("openai/gpt-4o-mini", true)));
  ASSERT_FALSE(settings_->set_system_prompt(std::string("Be brief.")));
  ASSERT_TRUE(run_awaitable(io_, settings_->replace_suggestions({{"Hi", "Say hi"}})));

  const auto created = run_awaitable(io_, presets_->create("Work"));
  ASSERT_TRUE(created) << created.error().detail;
  EXPECT_EQ(created->name, "Work");
  EXPECT_EQ(created->model_settings.model, "openai/gpt-4o-mini");
  EXPECT_EQ(created->model_settings.supports_tools, true);
  EXPECT_EQ(created->system_prompt, "Be brief.");
  ASSERT_TRUE(created->mcp_servers);
  EXPECT_EQ(*created->mcp_servers, tools_.definitions);
  EXPECT_EQ(created->suggestions, (std::vector<Suggestion>{{"Hi", "Say hi"}}));
  EXPECT_FALSE(created->is_default);
  ASSERT_TRUE(created->created_at && created->updated_at);
  EXPECT_EQ(*created->created_at, *created->updated_at);

  const auto again = run_awaitable(io_, presets_->create("Work"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, parley::ErrorKind::conflict);
  EXPECT_EQ(again.error().detail, "Preset already exists: Work");
  EXPECT_EQ(presets_->list().size(), 1u);
}

TEST_F(PresetServiceTest, AnEmptySuggestionListIsSnapshotAsNone) {
  open();
  ASSERT_TRUE(run_awaitable(io_, settings_->replace_suggestions({})));
  const auto created = run_awaitable(io_, presets_->create("Bare"));
  ASSERT_TRUE(created);
  EXPECT_FALSE(created->suggestions);
}

TEST_F(PresetServiceTest, UpdateTakesANewSnapshotButKeepsCreatedAtAndDefault) {
  open();
  const auto created = run_awaitable(io_, presets_->create("Work"));
  ASSERT_TRUE(created);
  ASSERT_TRUE(run_awaitable(io_, presets_->make_default("Work")));
  ASSERT_FALSE(settings_->replace_model_settings(model("anthropic/claude-3.5-sonnet")));
  tools_.definitions = bj::array{};

  const auto updated = run_awaitable(io_, presets_->update("Work"));
  ASSERT_TRUE(updated) << updated.error().detail;
  EXPECT_EQ(updated->model_settings.model, "anthropic/claude-3.5-sonnet");
  EXPECT_EQ(updated->mcp_servers, bj::array{});
  EXPECT_EQ(updated->created_at, created->created_at);
  EXPECT_TRUE(updated->is_default);
  EXPECT_GE(*updated->updated_at, *created->updated_at);

  const auto unknown = run_awaitable(io_, presets_->update("Home"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, parley::ErrorKind::not_found);
  EXPECT_EQ(unknown.error().detail, "Unknown preset: Home");
}

TEST_F(PresetServiceTest, OneDefaultAtATime) {
  open();
  ASSERT_TRUE(run_awaitable(io_, presets_->create("a")));
  ASSERT_TRUE(run_awaitable(io_, presets_->create("b")));
  EXPECT_FALSE(presets_->default_preset());
  ASSERT_TRUE(run_awaitable(io_, presets_->make_default("a")));
  const auto marked = run_awaitable(io_, presets_->make_default("b"));
  ASSERT_TRUE(marked);
  EXPECT_TRUE(marked->is_default);
  ASSERT_TRUE(presets_->default_preset());
  EXPECT_EQ(presets_->default_preset()->name, "b");
  EXPECT_FALSE(presets_->find("a")->is_default);
  const auto unknown = run_awaitable(io_, presets_->make_default("c"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, parley::ErrorKind::not_found);
}

TEST_F(PresetServiceTest, DeleteRemovesOthersButNeverTheDefault) {
  open();
  ASSERT_TRUE(run_awaitable(io_, presets_->create("keep")));
  ASSERT_TRUE(run_awaitable(io_, presets_->create("drop")));
  ASSERT_TRUE(run_awaitable(io_, presets_->make_default("keep")));

  const auto unknown = run_awaitable(io_, presets_->remove("none"));
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);
  const auto refused = run_awaitable(io_, presets_->remove("keep"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, parley::ErrorKind::invalid_request);
  EXPECT_EQ(refused.error().detail, "Cannot delete default preset: keep");
  const auto deleted = run_awaitable(io_, presets_->remove("drop"));
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(*deleted);
  ASSERT_EQ(presets_->list().size(), 1u);
  EXPECT_EQ(presets_->list()[0].name, "keep");
}

TEST_F(PresetServiceTest, ApplyRestoresTheSetupAndHandsTheServersOver) {
  open();
  ASSERT_FALSE(settings_->replace_model_settings(model("openai/gpt-4o-mini", true)));
  ASSERT_FALSE(settings_->set_system_prompt(std::string("Be brief.")));
  ASSERT_TRUE(run_awaitable(io_, settings_->replace_suggestions({{"Hi", "Say hi"}})));
  ASSERT_TRUE(run_awaitable(io_, presets_->create("Work")));
  // Another setup, with no suggestions and a cleared prompt, saved as "Bare".
  ASSERT_FALSE(settings_->replace_model_settings(model("anthropic/claude-3.5-sonnet")));
  ASSERT_FALSE(settings_->set_system_prompt(std::nullopt));
  ASSERT_TRUE(run_awaitable(io_, settings_->replace_suggestions({})));

  const auto applied = run_awaitable(io_, presets_->apply("Work"));
  ASSERT_TRUE(applied) << applied.error().detail;
  EXPECT_EQ(applied->name, "Work");
  EXPECT_EQ(settings_->model_settings().model, "openai/gpt-4o-mini");
  EXPECT_EQ(settings_->model_settings().supports_tools, true);
  EXPECT_EQ(settings_->system_prompt(), "Be brief.");
  EXPECT_EQ(settings_->suggestions(), (std::vector<Suggestion>{{"Hi", "Say hi"}}));
  ASSERT_EQ(tools_.applied.size(), 1u);
  EXPECT_EQ(tools_.applied[0], tools_.definitions);
  EXPECT_EQ(presets_->find("Work")->updated_at, applied->updated_at) << "apply does not modify the preset";
}

TEST_F(PresetServiceTest, ApplyingAPresetWithoutServersOrSuggestionsClearsSuggestionsAndStillHandsOver) {
  write_file("presets.json", R"({"presets":[{"name":"Plain","model":"openai/gpt-4o","is_default":false}]})");
  open();
  ASSERT_FALSE(settings_->set_system_prompt(std::string("Something.")));
  const auto applied = run_awaitable(io_, presets_->apply("Plain"));
  ASSERT_TRUE(applied);
  EXPECT_EQ(settings_->model_settings().model, "openai/gpt-4o");
  EXPECT_EQ(settings_->system_prompt(), std::nullopt) << "a preset without a prompt clears it";
  EXPECT_TRUE(settings_->suggestions().empty());
  ASSERT_EQ(tools_.applied.size(), 1u);
  EXPECT_TRUE(tools_.applied[0].empty());
}

TEST_F(PresetServiceTest, ApplyAnswersWhatTheToolServersRefuseAndUnknownNamesChangeNothing) {
  open();
  ASSERT_TRUE(run_awaitable(io_, presets_->create("Work")));
  const auto unknown = run_awaitable(io_, presets_->apply("Home"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, parley::ErrorKind::not_found);
  EXPECT_TRUE(tools_.applied.empty());
  tools_.refuse = Error::invalid_content("Duplicate MCP server id: calc");
  const auto refused = run_awaitable(io_, presets_->apply("Work"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, parley::ErrorKind::invalid_content);
  EXPECT_EQ(refused.error().detail, "Duplicate MCP server id: calc");
}

TEST_F(PresetServiceTest, TheListIsSortedCaseInsensitivelyAndStableForTies) {
  write_file("presets.json", R"({"presets":[
      {"name":"beta","model":"m"},{"name":"Alpha","model":"m"},{"name":"BETA","model":"m"},
      {"name":"alpha2","model":"m","is_default":true}]})");
  open();
  std::vector<std::string> names;
  for (const auto& p : presets_->list()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Alpha", "alpha2", "beta", "BETA"}));
  EXPECT_EQ(presets_->default_preset()->name, "alpha2");
}

TEST_F(PresetServiceTest, StoredEntriesAreReadTypedAndWrittenInTheirStoredForm) {
  write_file("presets.json", R"({"presets":[
      {"name":"","model":"skipped: no name"},
      {"name":"Odd","model":"x/y","provider":{"sort":"nonsense"},"suggestions":[{"label":"L","text":"T"},{"label":1}]},
      {"name":"Dup","model":"first"},
      {"name":"Dup","model":"second","system_prompt":"P","created_at":"2025-10-11T07:53:03.066101+00:00",
       "mcp_servers":[{"id":"calc","module":"calculator"}]}]})");
  open();
  ASSERT_EQ(presets_->list().size(), 2u);
  const auto odd = presets_->find("Odd");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->model_settings.model, "x/y") << "settings that break §2.11 keep only the model";
  EXPECT_FALSE(odd->model_settings.provider);
  EXPECT_EQ(odd->suggestions, (std::vector<Suggestion>{{"L", "T"}}));
  const auto dup = presets_->find("Dup");
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->model_settings.model, "second") << "the later duplicate wins";

  // Any change rewrites the document: §4.2's form, nulls omitted, timestamps with Z.
  ASSERT_TRUE(run_awaitable(io_, presets_->make_default("Dup")));
  const auto stored = json::parse(read_file("presets.json"));
  ASSERT_TRUE(stored && stored->is_object());
  const auto& entries = stored->as_object().at("presets").as_array();
  ASSERT_EQ(entries.size(), 2u);
  const auto& written = entries[1].as_object();
  EXPECT_EQ(written.at("name"), "Dup");
  EXPECT_EQ(written.at("created_at"), "2025-10-11T07:53:03.066101Z");
  EXPECT_EQ(written.at("system_prompt"), "P");
  EXPECT_EQ(written.at("is_default"), true);
  EXPECT_EQ(written.at("mcp_servers").as_array().size(), 1u);
  EXPECT_FALSE(written.contains("provider"));
  EXPECT_FALSE(written.contains("suggestions"));

  // And a restart reads back what was written.
  presets_.reset();
  settings_.reset();
  open();
  EXPECT_EQ(presets_->default_preset()->name, "Dup");
  EXPECT_EQ(presets_->find("Dup")->created_at, dup->created_at);
}

}  // namespace
