#include "llm/model_enrichment.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace parley::llm;
namespace bj = boost::json;

TEST(ModelEnrichment, MatchesTheSpecExampleSeries) {
  auto m = enrich_model(bj::parse(R"({"id":"openai/gpt-4o-mini","name":"GPT-4o Mini"})").as_object());
  EXPECT_EQ(bj::serialize(m.at("series")),
            R"(["4o","GPT","Mini","Other","gpt","gpt-4o-mini","mini","openai","openai/gpt-4o-mini"])");
  EXPECT_EQ(bj::serialize(m.at("series_normalized")),
            R"(["4o","gpt","gpt-4o-mini","mini","openai","openai/gpt-4o-mini","other"])");
  EXPECT_EQ(m.at("provider_prefix"), "openai");
  EXPECT_EQ(m.at("supports_tools"), false);
  EXPECT_EQ(bj::serialize(m.at("input_modalities")), "[]");
  EXPECT_FALSE(m.contains("prompt_price"));
  EXPECT_FALSE(m.contains("supported_parameters_normalized"));
}

TEST(ModelEnrichment, NormalisesParametersModalitiesPricesAndContext) {
  auto m = enrich_model(bj::parse(R"({"id":"meta-llama/llama-3-8b","name":"Llama","context_length":8192.9,
      "architecture":{"input_modalities":["Text"," image ","text",""]},"pricing":{"prompt":"0.000003"},
      "supported_parameters":[" Tools ","temperature","",null,"TEMPERATURE"],"extra_upstream":{"kept":true}})")
                            .as_object());
  EXPECT_EQ(m.at("context_length"), 8192);
  EXPECT_EQ(bj::serialize(m.at("input_modalities")), R"(["image","text"])");
  EXPECT_EQ(bj::serialize(m.at("supported_parameters")), R"(["Tools","temperature","TEMPERATURE"])");
  EXPECT_EQ(bj::serialize(m.at("supported_parameters_normalized")), R"(["temperature","tools"])");
  EXPECT_EQ(m.at("supports_tools"), true);
  EXPECT_DOUBLE_EQ(m.at("prompt_price").as_double(), 0.000003);
  EXPECT_DOUBLE_EQ(m.at("prompt_price_per_million").as_double(), 3.0);
  EXPECT_TRUE(m.at("extra_upstream").as_object().at("kept").as_bool());
  const auto series = bj::serialize(m.at("series"));
  for (const char* s :
       {"\"llama\"", "\"llama2\"", "\"llama3\"", "\"llama4\"", "\"meta-llama\"", "\"Other\""}) {
    EXPECT_NE(series.find(s), std::string::npos) << s;
  }
}

TEST(ModelEnrichment, Truthiness) {
  for (const char* t : {"true", "1", "-2.5", R"("yes")", R"(" On ")", "[0]", R"({"a":1})"})
    EXPECT_TRUE(truthy(bj::parse(t))) << t;
  for (const char* f : {"false", "0", "0.0", "null", R"("")", R"(" FALSE ")", R"("none")", R"("disabled")",
                        R"("no")", "[]", "{}"}) {
    EXPECT_FALSE(truthy(bj::parse(f))) << f;
  }
}

TEST(ModelEnrichment, ToolCapabilityForGating) {
  auto cap = [](const char* json) { return tool_capability(bj::parse(json).as_object()); };
  EXPECT_EQ(cap(R"({"capabilities":{"tools":true}})"), true);
  EXPECT_EQ(cap(R"({"capabilities":{"tools":false},"supported_parameters":["tools"]})"), false);
  EXPECT_EQ(cap(R"({"supported_parameters":["temperature"]})"), false);
  EXPECT_EQ(cap(R"({"supported_parameters":["tool_choice"]})"), true);
  EXPECT_EQ(cap(R"({"supports_tools":"yes"})"), true);
  EXPECT_EQ(cap(R"({"id":"x"})"), std::nullopt);
  EXPECT_EQ(cap(R"({"capabilities":{"tools":null,"functions":1}})"), true);
}
