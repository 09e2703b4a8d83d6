// The settings documents in PostgreSQL's `settings` table (api.md §5.5), the one upsert of a document: each
// write bumps the row's version, every replica reads the last write, and a row written once stays as it was.
// Needs the private server of tests/lib/postgres.sh (PARLEY_TEST_POSTGRES_URL).
#include <gtest/gtest.h>

#include "store/open_repository.hpp"
#include "store/settings_table.hpp"
#include "store_test_support.hpp"

namespace parley::store {
namespace {

class SettingsTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = test_support::postgres_url();
    ASSERT_NE(url, nullptr) << "PARLEY_TEST_POSTGRES_URL is not set: run `eval \"$(tests/lib/postgres.sh "
                               "start)\"` first";
    url_ = url;
    test_support::reset_postgres(url_);
    open_postgres_repository(url_, 1);  // the migrations create the table
  }
  std::string url_;
};

TEST_F(SettingsTableTest, EachWriteBumpsTheVersionAndEveryReplicaReadsTheLast) {
  PostgresDocumentStore replica_a(url_);
  PostgresDocumentStore replica_b(url_);
  EXPECT_TRUE(replica_a.empty());
  ASSERT_FALSE(replica_a.write("suggestions", R"([{"label":"a","text":"b"}])"));
  EXPECT_FALSE(replica_a.is_newer("suggestions", 1));  // its own write
  EXPECT_TRUE(replica_b.is_newer("suggestions", 1));   // not seen yet

  ASSERT_FALSE(replica_b.write("suggestions", "[]"));  // a second writer: the row exists now
  EXPECT_TRUE(replica_a.is_newer("suggestions", 2));
  EXPECT_FALSE(replica_b.is_newer("suggestions", 2));

  ReadError error;
  const auto doc = replica_a.read("suggestions", error);
  EXPECT_TRUE(error.empty());
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->text, "[]");
  EXPECT_FALSE(replica_a.is_newer("suggestions", 2));
  EXPECT_FALSE(replica_a.read("presets", error));
  EXPECT_TRUE(error.empty());
  EXPECT_FALSE(replica_a.empty());
}

TEST_F(SettingsTableTest, ARowCreatedOnceKeepsTheFirstText) {
  PostgresDocumentStore replica_a(url_);
  PostgresDocumentStore replica_b(url_);
  const auto first = replica_a.create_if_absent("signing_key", R"("k1")");
  EXPECT_TRUE(first.created);
  const auto second = replica_b.create_if_absent("signing_key", R"("k2")");
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.text, R"("k1")");
}

}  // namespace
}  // namespace parley::store
