#include "llm/model_metadata.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "llm/model_enrichment.hpp"

using namespace parley::llm;
namespace bj = boost::json;

namespace {
const bj::object* property(const bj::object& meta, const std::string& path) {
  for (const auto& p : meta.at("properties").as_array()) {
    if (p.as_object().at("path") == path.c_str()) return &p.as_object();
  }
  return nullptr;
}
}  // namespace

TEST(ModelMetadata, DescribesEveryPathAndTheFacets) {
  bj::array models;
  for (
      const char* m :
      {R"({"id":"a/x","context_length":8192,"top":{"mod":true,"n":3},"tags":["b","a"],"architecture":{"input_modalities":["text"]},"pricing":{"prompt":"0.000002"},"supported_parameters":["tools"]})",
       R"({"id":"b/y","context_length":128000,"top":{"mod":false,"n":1.5},"tags":[{"k":2,"a":1}],"architecture":{"input_modalities":["image","text"]}})"}) {
    models.push_back(enrich_model(bj::parse(m).as_object()));
  }
  const auto meta = models_metadata(models);
  EXPECT_EQ(meta.at("total"), 2);
  EXPECT_EQ(meta.at("base_count"), 2);
  const auto* ctx = property(meta, "context_length");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->at("count"), 2);
  EXPECT_EQ(bj::serialize(ctx->at("types")), R"(["number"])");
  EXPECT_EQ(bj::serialize(ctx->at("examples")), "[128000,8192]");  // 12-digit text order
  EXPECT_EQ(ctx->at("min").as_double(), 8192.0);
  const auto* mod = property(meta, "top.mod");
  ASSERT_TRUE(mod);
  EXPECT_EQ(bj::serialize(mod->at("boolean_values")), "[false,true]");
  const auto* tags = property(meta, "tags");
  ASSERT_TRUE(tags);
  EXPECT_EQ(bj::serialize(tags->at("item_types")), R"(["object","string"])");
  EXPECT_EQ(bj::serialize(tags->at("examples")), R"(["a","b","{\"a\":1,\"k\":2}"])");
  EXPECT_TRUE(property(meta, "tags.k"));
  const auto& facets = meta.at("facets").as_object();
  EXPECT_EQ(bj::serialize(facets.at("input_modalities")), R"(["image","text"])");
  EXPECT_EQ(bj::serialize(facets.at("supported_parameters")), R"(["tools"])");
  EXPECT_EQ(facets.at("context_length").as_object().at("max").as_double(), 128000.0);
  EXPECT_EQ(facets.at("prompt_price_per_million").as_object().at("min").as_double(), 2.0);
  // Paths come sorted.
  std::string previous;
  for (const auto& p : meta.at("properties").as_array()) {
    const std::string path(p.as_object().at("path").as_string());
    EXPECT_LT(previous, path);
    previous = path;
  }
}

TEST(ModelMetadata, EmptyListHasNullRanges) {
  const auto meta = models_metadata({});
  EXPECT_EQ(
      bj::serialize(meta),
      R"({"total":0,"base_count":0,"properties":[],"facets":{"input_modalities":[],"output_modalities":[],"supported_parameters":[],"series":[],"series_normalized":[],"context_length":{"min":null,"max":null},"prompt_price_per_million":{"min":null,"max":null}}})");
}
