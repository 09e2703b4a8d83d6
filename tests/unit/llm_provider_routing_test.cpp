#include "llm/provider_routing.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace parley::llm;
namespace bj = boost::json;

namespace {

// Three endpoints in OpenRouter's documented /models/{author}/{slug}/endpoints shape.
bj::array sample_endpoints() {
  return bj::parse(R"([
    {"name":"OpenAI: GPT-4o","provider_name":"OpenAI","tag":"openai","pricing":{"prompt":"0.0000025","completion":"0.00001","request":"0","image":"0.003613"},
     "latency_last_30m":{"p50":412.4,"p90":900},"throughput_last_30m":{"p50":88.6}},
    {"name":"Azure: GPT-4o","provider_name":"Azure","tag":"azure/us","region":"us-east","zero_data_retention":true,
     "pricing":{"prompt":"0.000002","completion":"0.000008"},"latency_last_30m":250,"throughput_last_30m":40},
    {"name":"Slow","provider_name":"Together","tag":"together","pricing":{"completion":"bogus"}}
  ])")
      .as_array();
}

RoutingInputs with_prefs(const char* prefs) {
  RoutingInputs in;
  in.model_id = "openai/gpt-4o";
  in.endpoints = sample_endpoints();
  if (prefs) in.provider = bj::parse(prefs).as_object();
  return in;
}

}  // namespace

TEST(ProviderRouting, NoPreferencesIsDefaultRouting) {
  for (const char* prefs : {static_cast<const char*>(nullptr), R"({"order":null,"only":[],"sort":null})"}) {
    const auto out = describe_active_provider(with_prefs(prefs));
    EXPECT_EQ(
        bj::serialize(out),
        R"({"provider":"OpenRouter default routing","provider_type":"default","model_id":"openai/gpt-4o",)"
        R"("total_providers":3,"available_providers":3,"routing_strategy":"default",)"
        R"("note":"No provider preferences set","has_model_endpoints":true})");
  }
}

TEST(ProviderRouting, ProvidersStandInWhenTheModelListsNoEndpoints) {
  RoutingInputs in;
  in.model_id = "openrouter/auto";
  in.providers = bj::parse(R"([{"name":"OpenAI","slug":"openai"},{"name":"Groq","slug":"groq"}])").as_array();
  in.provider = bj::parse(R"({"order":["Groq"]})").as_object();
  const auto out = describe_active_provider(in);
  EXPECT_EQ(out.at("has_model_endpoints"), false);
  EXPECT_EQ(out.at("total_providers"), 2);
  EXPECT_EQ(out.at("provider"), "Groq");
  EXPECT_EQ(out.at("provider_id"), "groq");
  EXPECT_EQ(out.at("selected_endpoint").at("summary"), "Groq");
  EXPECT_TRUE(out.at("selected_endpoint").at("pricing").at("completion").is_null());
}

TEST(ProviderRouting, ExplicitOrderSelectsTheFirstListedProviderThatIsACandidate) {
  const auto out = describe_active_provider(
      with_prefs(R"({"order":["Missing","Azure","OpenAI"],"allow_fallbacks":false})"));
  EXPECT_EQ(out.at("routing_strategy"), "dynamic");
  EXPECT_EQ(out.at("provider_type"), "explicit_order");
  EXPECT_EQ(bj::serialize(out.at("provider_order")), R"(["Missing","Azure","OpenAI"])");
  EXPECT_EQ(out.at("provider_slug"), "azure");
  const auto& ep = out.at("selected_endpoint").as_object();
  EXPECT_EQ(ep.at("endpoint_id"), "azure/us");
  EXPECT_EQ(ep.at("region"), "us-east");
  EXPECT_DOUBLE_EQ(ep.at("pricing").at("completion").as_double(), 8.0);
  EXPECT_EQ(ep.at("summary"), "Azure · us-east · $8.00/m completion · 40 tok/s · 250 ms latency");
  EXPECT_EQ(out.at("provider"), ep.at("summary"));
  EXPECT_EQ(out.at("allow_fallbacks"), false);
  EXPECT_TRUE(out.at("require_parameters").is_null());
  EXPECT_EQ(bj::serialize(out.at("filters_applied")), "[]");
}

TEST(ProviderRouting, ExplicitOrderWithoutAMatchNamesTheFirstEntry) {
  const auto out = describe_active_provider(with_prefs(R"({"order":["Nobody","Else"]})"));
  EXPECT_EQ(out.at("provider"), "Nobody");
  EXPECT_FALSE(out.contains("selected_endpoint"));
  EXPECT_FALSE(out.contains("provider_id"));
}

TEST(ProviderRouting, SortStrategiesPickCheapestFastestQuickest) {
  auto out = describe_active_provider(with_prefs(R"({"sort":"price"})"));
  EXPECT_EQ(out.at("provider_type"), "dynamic_sort");
  EXPECT_EQ(out.at("sort_strategy"), "price");
  EXPECT_EQ(out.at("provider_id"), "azure");  // $8/m beats $10/m; an unparseable price sorts last
  out = describe_active_provider(with_prefs(R"({"sort":"throughput"})"));
  EXPECT_EQ(out.at("provider_id"), "openai");
  EXPECT_EQ(out.at("selected_endpoint").at("summary"),
            "OpenAI · $10.00/m completion · 89 tok/s · 412 ms latency");
  out = describe_active_provider(with_prefs(R"({"sort":{"by":"latency"}})"));
  EXPECT_EQ(out.at("provider_id"), "azure");
}

TEST(ProviderRouting, FiltersNarrowTheCandidatesAndAreListed) {
  auto out = describe_active_provider(with_prefs(R"({"data_collection":"deny","sort":"price"})"));
  EXPECT_EQ(out.at("available_providers"), 1);
  EXPECT_EQ(out.at("total_providers"), 3);
  EXPECT_EQ(bj::serialize(out.at("filters_applied")), R"(["zero-data retention only"])");
  out = describe_active_provider(
      with_prefs(R"({"only":["OpenAI","together"],"ignore":["Together"],"sort":"latency"})"));
  EXPECT_EQ(bj::serialize(out.at("filters_applied")), R"(["only: OpenAI, together","ignoring: Together"])");
  EXPECT_EQ(out.at("available_providers"), 1);
  EXPECT_EQ(out.at("provider_id"), "openai");
  out = describe_active_provider(with_prefs(R"({"only":["Nobody"],"sort":"throughput"})"));
  EXPECT_EQ(out.at("available_providers"), 0);
  EXPECT_EQ(out.at("provider"), "Dynamic (highest throughput provider)");
  out = describe_active_provider(with_prefs(R"({"ignore":["OpenAI"]})"));
  EXPECT_EQ(out.at("provider"), "OpenRouter default routing");
  EXPECT_EQ(out.at("provider_type"), "default");
  EXPECT_EQ(out.at("routing_strategy"), "dynamic");
}

TEST(ProviderRouting, PricesAreFormattedByMagnitude) {
  EXPECT_EQ(format_usd(1234567.891), "$1,234,567.89");
  EXPECT_EQ(format_usd(15), "$15.00");
  EXPECT_EQ(format_usd(0.15), "$0.150");
  EXPECT_EQ(format_usd(0.0004), "$0.0004");
  EXPECT_EQ(format_usd(0), "$0.0000");
}

TEST(ProviderRouting, SummaryFallsBackToPromptThenRequestPrices) {
  RoutingInputs in = with_prefs(R"({"order":["X"]})");
  in.endpoints = bj::parse(R"([{"provider_name":"X","tag":"x-ai","pricing":{"request":"0.02"}}])").as_array();
  EXPECT_EQ(describe_active_provider(in).at("provider"), "X (x-ai) · $0.020/request");
}

TEST(ProviderRouting, EndpointListingAndFallback) {
  EXPECT_TRUE(lists_model_endpoints("openai/gpt-4o"));
  EXPECT_FALSE(lists_model_endpoints("openrouter/auto"));
  EXPECT_FALSE(lists_model_endpoints("gpt-4o"));
  EXPECT_FALSE(lists_model_endpoints("/x"));
  EXPECT_EQ(bj::serialize(active_provider_fallback("anthropic/claude", "boom")),
            R"({"provider":"anthropic","provider_id":"anthropic","error":"boom","fallback":true})");
  EXPECT_EQ(active_provider_fallback("local-model", "boom").at("provider"), "unknown");
}
