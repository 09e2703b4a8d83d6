// Image reflection (api.md §3.3): which texts ask for earlier generated images, how many, and what the last
// user message of the upstream body becomes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "chat/image_reflection.hpp"

using namespace parley::chat;
namespace bj = boost::json;

namespace {

bj::object image(const std::string& url) {
  return bj::object{{"type", "image_url"}, {"image_url", bj::object{{"url", url}}}};
}

bj::object assistant_with(std::initializer_list<std::string> urls, const char* text = "Here you go") {
  bj::array content;
  content.push_back(bj::object{{"type", "text"}, {"text", text}});
  for (const auto& u : urls) content.push_back(image(u));
  return bj::object{{"role", "assistant"}, {"content", std::move(content)}};
}

bj::object user(bj::value content) {
  return bj::object{{"role", "user"}, {"content", std::move(content)}};
}

// A conversation whose assistant rows generated img1..img6 (img1 oldest), then the user's text.
bj::array conversation(const char* text) {
  bj::array m;
  m.push_back(bj::object{{"role", "system"}, {"content", "sys"}});
  m.push_back(user(bj::string("draw")));
  m.push_back(assistant_with({"https://x/img1.png", "https://x/img2.png"}));
  m.push_back(user(bj::string("more")));
  m.push_back(assistant_with({"https://x/img3.png"}));
  m.push_back(bj::object{{"role", "assistant"}, {"content", "plain text answer"}});
  m.push_back(user(bj::string("more")));
  m.push_back(assistant_with({"https://x/img4.png", "https://x/img5.png", "https://x/img6.png"}));
  m.push_back(user(bj::string(text)));
  return m;
}

std::vector<std::string> urls_of(const bj::value& content) {
  std::vector<std::string> out;
  for (const auto& f : content.as_array()) {
    if (f.as_object().at("type") == "image_url")
      out.emplace_back(f.as_object().at("image_url").as_object().at("url").as_string());
  }
  return out;
}

}  // namespace

TEST(ImageReflectionRequest, TokensAreRecognisedAndRemoved) {
  auto r = reflection_request("Compare @last2 please");
  EXPECT_EQ(r.count, 2);
  EXPECT_FALSE(r.all);
  EXPECT_TRUE(r.had_tokens);
  EXPECT_EQ(r.text, "Compare please");

  r = reflection_request("@last make it blue");
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.text, "make it blue");

  r = reflection_request("show   @lastall   side by side");
  EXPECT_TRUE(r.all);
  EXPECT_EQ(r.text, "show side by side");

  r = reflection_request("@last9");
  EXPECT_EQ(r.count, 5) << "N is capped at 5";
  EXPECT_EQ(r.text, "");

  r = reflection_request("@LAST3 and @last1");
  EXPECT_EQ(r.count, 3) << "the largest request wins, case does not matter";

  r = reflection_request("line one @last\n\nline two");
  EXPECT_EQ(r.text, "line one\n\nline two") << "line breaks the user wrote are kept";
}

TEST(ImageReflectionRequest, LookalikesAreNotTokens) {
  for (const char* text :
       {"mail me at bob@last.example", "@lastly I think", "@last_one", "email@last2", "@last0 nothing"}) {
    const auto r = reflection_request(text);
    EXPECT_FALSE(r.had_tokens) << text;
    EXPECT_EQ(r.text, text) << text;
  }
}

TEST(ImageReflectionRequest, Phrasing) {
  struct Case {
    const char* text;
    int count;
  };
  const Case cases[] = {
      {"compare the last two images", 2},
      {"Compare the last 3 pictures for me", 3},
      {"which of both pictures is better?", 2},
      {"compare them", 2},
      {"Describe both of them", 2},
      {"make this image brighter", 1},
      {"Make the last picture bigger", 1},
      {"what is in the image above?", 1},
      {"look at the images again", 2},
      {"merge the previous four images", 4},
      {"combine the last two", 2},
      {"these 9 images", 5},
      // Nothing points back at earlier images.
      {"generate an image of a cat", 0},
      {"generate two images of a cat", 0},
      {"draw the cat in two images", 0},
      {"hello there", 0},
      {"", 0},
  };
  for (const auto& c : cases) {
    const auto r = reflection_request(c.text);
    EXPECT_EQ(r.count, c.count) << c.text;
    EXPECT_FALSE(r.had_tokens) << c.text;
    EXPECT_EQ(r.text, c.text) << "phrasing leaves the text alone: " << c.text;
  }
}

TEST(ImageReflection, LastNAttachesTheMostRecentImagesOldestFirstAfterTheText) {
  auto m = conversation("Compare @last2 please");
  EXPECT_EQ(reflect_generated_images(m), 2u);
  const auto& content = m.back().as_object().at("content");
  ASSERT_TRUE(content.is_array());
  ASSERT_EQ(content.as_array().size(), 3u);
  EXPECT_EQ(content.as_array()[0], (bj::object{{"type", "text"}, {"text", "Compare please"}}));
  EXPECT_EQ(urls_of(content), (std::vector<std::string>{"https://x/img5.png", "https://x/img6.png"}));
}

TEST(ImageReflection, LastAllTakesAtMostFiveAndLastTakesOne) {
  auto m = conversation("@lastall");
  EXPECT_EQ(reflect_generated_images(m), 5u);
  const auto& content = m.back().as_object().at("content");
  EXPECT_EQ(urls_of(content),
            (std::vector<std::string>{"https://x/img2.png", "https://x/img3.png", "https://x/img4.png",
                                      "https://x/img5.png", "https://x/img6.png"}));
  EXPECT_EQ(content.as_array().size(), 5u) << "an empty text leaves no empty text fragment";

  m = conversation("@last what is this");
  EXPECT_EQ(reflect_generated_images(m), 1u);
  EXPECT_EQ(urls_of(m.back().as_object().at("content")), (std::vector<std::string>{"https://x/img6.png"}));

  m = conversation("compare the last two images");
  EXPECT_EQ(reflect_generated_images(m), 2u);
  const auto& phrased = m.back().as_object().at("content").as_array();
  EXPECT_EQ(phrased[0].as_object().at("text"), "compare the last two images");
  EXPECT_EQ(urls_of(phrased), (std::vector<std::string>{"https://x/img5.png", "https://x/img6.png"}));
}

TEST(ImageReflection, DuplicateUrlsCountOnce) {
  bj::array m;
  m.push_back(assistant_with({"https://x/a.png"}));
  m.push_back(assistant_with({"https://x/b.png", "https://x/a.png"}));
  m.push_back(assistant_with({"https://x/b.png"}));
  m.push_back(user(bj::string("@last3")));
  EXPECT_EQ(reflect_generated_images(m), 2u) << "only two distinct images exist";
  EXPECT_EQ(urls_of(m.back().as_object().at("content")),
            (std::vector<std::string>{"https://x/a.png", "https://x/b.png"}));
}

TEST(ImageReflection, FewerImagesThanAskedAttachesWhatThereIs) {
  bj::array m;
  m.push_back(assistant_with({"data:image/png;base64,AAAA"}));
  m.push_back(user(bj::string("@last4 again")));
  EXPECT_EQ(reflect_generated_images(m), 1u);
  EXPECT_EQ(urls_of(m.back().as_object().at("content")),
            (std::vector<std::string>{"data:image/png;base64,AAAA"}))
      << "the delivery form (here inline data) is carried as is";
}

TEST(ImageReflection, NothingHappensWithoutEarlierImages) {
  bj::array m;
  m.push_back(user(bj::string("draw")));
  m.push_back(bj::object{{"role", "assistant"}, {"content", "I cannot draw"}});
  m.push_back(
      bj::object{{"role", "assistant"}, {"content", bj::array{bj::object{{"type", "text"}, {"text", "x"}}}}});
  m.push_back(user(bj::string("@last2 compare")));
  const auto before = m;
  EXPECT_EQ(reflect_generated_images(m), 0u);
  EXPECT_EQ(m, before) << "tokens stay when there is nothing to attach";
}

TEST(ImageReflection, NothingHappensWhenTheUserMessageHasAnImage) {
  auto m = conversation("");
  m.back().as_object()["content"] = bj::array{
      bj::object{{"type", "text"}, {"text", "@last2 compare with this"}}, image("https://mine/photo.png")};
  const auto before = m;
  EXPECT_EQ(reflect_generated_images(m), 0u);
  EXPECT_EQ(m, before);
}

TEST(ImageReflection, NothingHappensWhenTheTextAsksForNothing) {
  auto m = conversation("generate an image of a dog");
  const auto before = m;
  EXPECT_EQ(reflect_generated_images(m), 0u);
  EXPECT_EQ(m, before);
}

TEST(ImageReflection, OnlyAssistantRowsBeforeTheLastUserMessageCount) {
  bj::array m;
  m.push_back(user(bj::array{image("https://user/upload.png")}));  // a user's own image is not generated
  m.push_back(assistant_with({"https://x/old.png"}));
  m.push_back(user(bj::string("@last2")));
  m.push_back(assistant_with({"https://x/this-turn.png"}));  // a later hop of the same turn
  EXPECT_EQ(reflect_generated_images(m), 1u);
  EXPECT_EQ(urls_of(m[2].as_object().at("content")), (std::vector<std::string>{"https://x/old.png"}));
}

TEST(ImageReflection, TextFragmentsOfAnArrayAreJoinedAndOtherPartsKept) {
  bj::array m;
  m.push_back(assistant_with({"https://x/1.png"}));
  bj::object file{{"type", "file"}, {"file", bj::object{{"filename", "a.pdf"}, {"file_data", "data:x"}}}};
  m.push_back(user(bj::array{bj::object{{"type", "text"}, {"text", "look at"}},
                             bj::object{{"type", "text"}, {"text", "this image @last"}}, file}));
  EXPECT_EQ(reflect_generated_images(m), 1u);
  const auto& content = m.back().as_object().at("content").as_array();
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0].as_object().at("text"), "look at\nthis image");
  EXPECT_EQ(content[1], file);
  EXPECT_EQ(urls_of(content), (std::vector<std::string>{"https://x/1.png"}));
}
