// The text rules of §8.1 shared by both backends: searchable text, titles, query terms, snippets.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "store/search_text.hpp"

using namespace parley::store;

TEST(SearchText, SearchableTextJoinsTextFragmentsOnly) {
  EXPECT_EQ(searchable_text(boost::json::value("plain")), "plain");
  EXPECT_EQ(
      searchable_text(boost::json::parse(
          R"([{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"u"}},{"type":"text","text":"b"}])")),
      "a b");
  EXPECT_EQ(searchable_text(nullptr), "");
  EXPECT_EQ(searchable_text(boost::json::parse(R"([{"type":"text","text":5}, "x", null])")), "");
}

TEST(SearchText, DerivedTitlesCollapseWhitespaceAndCutAt80Characters) {
  EXPECT_EQ(derived_title("  hello \n\t world "), "hello world");
  EXPECT_FALSE(derived_title(" \n "));
  const std::string long_text(100, 'e');
  EXPECT_EQ(*derived_title(long_text), std::string(79, 'e') + "\u2026");
  // Cutting counts characters, not bytes.
  std::string accented;
  for (int i = 0; i < 90; ++i) accented += "\xC3\xA9";
  const auto title = *derived_title(accented);
  EXPECT_EQ(title.size(), 79u * 2 + 3);
  EXPECT_EQ(*derived_title(std::string(80, 'x')), std::string(80, 'x'));
}

TEST(SearchText, FoldingLowersAndRemovesDiacritics) {
  EXPECT_EQ(fold_for_search("Crème BRÛLÉE, São-Paulo! Łódź Ærø"), "creme brulee sao paulo lodz æro");
  EXPECT_EQ(fold_for_search("e\xCC\x81t\xC3\xA9"), "ete");  // combining acute accent
  EXPECT_EQ(fold_for_search("ΑΘΗΝΑ Москва"), "αθηνα москва");
}

TEST(SearchText, TermsSplitTokensIntoWordSegmentsAndDropSyntax) {
  const auto terms = search_terms("  Don't  \"quoted\" * NEAR( x-y ");
  ASSERT_EQ(terms.size(), 4u);
  EXPECT_EQ(terms[0], (SearchTerm{"don", "t"}));
  EXPECT_EQ(terms[1], (SearchTerm{"quoted"}));
  EXPECT_EQ(terms[2], (SearchTerm{"near"}));
  EXPECT_EQ(terms[3], (SearchTerm{"x", "y"}));
  EXPECT_EQ(fts5_match_expression(terms), R"("don t"* AND "quoted"* AND "near"* AND "x y"*)");
  EXPECT_EQ(tsquery_expression(terms), "('don' <-> 't':*) & ('quoted':*) & ('near':*) & ('x' <-> 'y':*)");
  std::string many;
  for (int i = 0; i < 20; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_EQ(search_terms(many).size(), 16u);
  EXPECT_TRUE(search_terms("\" * ( ) : ^ -").empty());
}

TEST(SearchText, SnippetsAreAtMost200CharactersAroundTheMatch) {
  EXPECT_EQ(make_snippet("short   text", {{"text"}}), "short text");
  std::string text = std::string(300, 'a') + " Needle " + std::string(300, 'b');
  const auto snippet = make_snippet(text, {{"needle"}});
  EXPECT_NE(snippet.find("Needle"), std::string::npos);
  EXPECT_EQ(snippet.rfind("\u2026", 0), 0u);
  std::size_t characters = 0;
  for (char c : snippet) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  EXPECT_EQ(characters, 200u);
  const auto head = make_snippet(std::string(500, 'z'), {{"missing"}});
  EXPECT_EQ(head.substr(0, 3), "zzz");
}

TEST(SearchText, CaseInsensitiveContains) {
  EXPECT_TRUE(contains_case_insensitive("Quarterly ÉTÉ report", "été REP"));
  EXPECT_FALSE(contains_case_insensitive("abc", "abd"));
  EXPECT_TRUE(contains_case_insensitive("abc", ""));
}
