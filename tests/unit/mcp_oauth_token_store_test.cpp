// Stored MCP authorizations: 0600 files in a 0700 folder, keyed by the server's canonical URL, secrets known
// to the redactor as soon as they are read or written, and records that are broken or belong to another
// server never used.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/secret_values.hpp"
#include "mcp/oauth/token_store.hpp"

namespace fs = std::filesystem;
using namespace parley::mcp::oauth;
using parley::Result;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("parley-oauth-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p;
}

StoredAuthorization sample(const std::string& url) {
  StoredAuthorization r;
  r.server_url = url;
  r.resource = url;
  r.issuer = "https://as.example.com";
  r.token_endpoint = "https://as.example.com/token";
  r.client.client_id = "client-1";
  r.client.client_secret = "client-secret-value-1";
  r.client.token_endpoint_auth_method = "client_secret_basic";
  r.client.registration = "dynamic";
  r.access_token = "access-token-value-1";
  r.refresh_token = "refresh-token-value-1";
  r.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
  r.scope = "a b";
  return r;
}

}  // namespace

TEST(McpOAuthTokenStore, FilesArePrivateAndRoundTrip) {
  const auto dir = fresh_dir("files");
  TokenFiles files(dir / "mcp_oauth");
  ASSERT_TRUE(files.save(sample("https://MCP.example.com:443/mcp")));
  struct stat st {};
  ASSERT_EQ(::stat(files.where("https://mcp.example.com/mcp").c_str(), &st), 0);  // same key, canonical URL
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
  ASSERT_EQ(::stat((dir / "mcp_oauth").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0700U);
  std::string problem;
  auto back = files.load("https://mcp.example.com/mcp", problem);
  ASSERT_TRUE(back.has_value()) << problem;
  EXPECT_EQ(back->access_token, "access-token-value-1");
  EXPECT_EQ(back->client.client_secret, "client-secret-value-1");
  EXPECT_FALSE(back->expired(std::chrono::system_clock::now()));
  EXPECT_TRUE(back->expired(std::chrono::system_clock::now() + std::chrono::hours(2)));
  EXPECT_TRUE(parley::known_secrets().contains_any("x access-token-value-1 y"));
  EXPECT_TRUE(parley::known_secrets().contains_any("refresh-token-value-1"));
  ASSERT_TRUE(files.forget("https://mcp.example.com/mcp"));
  EXPECT_FALSE(files.load("https://mcp.example.com/mcp", problem).has_value());
  EXPECT_TRUE(problem.empty());
  fs::remove_all(dir);
}

TEST(McpOAuthTokenStore, BrokenOrForeignRecordsAreNotUsed) {
  const auto dir = fresh_dir("broken");
  TokenFiles files(dir);
  ASSERT_TRUE(files.save(sample("https://a.example.com/mcp")));
  // A record copied over the file of another server (same key path, other URL inside) is refused.
  fs::copy_file(files.where("https://a.example.com/mcp"), files.where("https://b.example.com/mcp"));
  std::string problem;
  EXPECT_FALSE(files.load("https://b.example.com/mcp", problem).has_value());
  EXPECT_NE(problem.find("another server"), std::string::npos);
  for (const char* text :
       {"not json", "[]", R"({"server_url":"https://a.example.com/mcp"})",
        R"({"server_url":"https://a.example.com/mcp","token_endpoint":"https://t","expires_at":"soon"})"}) {
    std::ofstream(files.where("https://a.example.com/mcp"), std::ios::trunc) << text;
    EXPECT_FALSE(files.load("https://a.example.com/mcp", problem).has_value()) << text;
    EXPECT_FALSE(problem.empty()) << text;
  }
  fs::remove_all(dir);
}

namespace {

// Records on which thread each load and save ran.
class RecordingStore final : public TokenStore {
 public:
  std::optional<StoredAuthorization> load(std::string_view server_url, std::string& problem) override {
    load_thread = std::this_thread::get_id();
    problem = "seen " + std::string(server_url);
    return sample(std::string(server_url));
  }
  parley::Result<void, parley::mcp::Failure> save(const StoredAuthorization& record) override {
    save_thread = std::this_thread::get_id();
    saved = record.access_token;
    return parley::mcp::fail("disk full");
  }
  parley::Result<void, parley::mcp::Failure> forget(std::string_view) override {
    return parley::mcp::success();
  }
  [[nodiscard]] std::string where(std::string_view) const override { return "memory"; }

  std::thread::id load_thread, save_thread;
  std::string saved;
};

}  // namespace

TEST(McpOAuthTokenStore, TheServersStoreDoesItsIoOnTheBlockingPoolNotTheStrand) {
  auto inner = std::make_shared<RecordingStore>();
  parley::BlockingPool pool(1);
  OffloadedTokenStore store(inner, pool);
  boost::asio::io_context ioc;
  LoadedAuthorization loaded;
  std::optional<parley::Result<void, parley::mcp::Failure>> saved;
  std::thread::id resumed_on;
  // A named lambda: the coroutine's frame refers to its captures, so it must outlive the run.
  auto use_store = [&]() -> boost::asio::awaitable<void> {
    loaded = co_await store.load_async("https://a.example.com/mcp");
    auto record = sample("https://a.example.com/mcp");
    saved = co_await store.save_async(std::move(record));
    resumed_on = std::this_thread::get_id();
  };
  boost::asio::co_spawn(ioc, use_store(), boost::asio::detached);
  ioc.run();
  ASSERT_TRUE(loaded.record.has_value());
  EXPECT_EQ(loaded.record->server_url, "https://a.example.com/mcp");
  EXPECT_EQ(loaded.problem, "seen https://a.example.com/mcp");
  ASSERT_TRUE(saved.has_value());
  ASSERT_FALSE(*saved);
  EXPECT_EQ(saved->error().message, "disk full");
  EXPECT_EQ(inner->saved, "access-token-value-1");
  // The I/O ran on the pool; the coroutine came back to the thread running the io_context.
  EXPECT_NE(inner->load_thread, std::this_thread::get_id());
  EXPECT_NE(inner->save_thread, std::this_thread::get_id());
  EXPECT_NE(inner->load_thread, std::thread::id());
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
}
