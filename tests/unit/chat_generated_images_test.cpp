// Generated images (api.md §3.3): finding image fragments in streamed chunks and data:image URIs in text,
// decoding them, rewriting the chunk through a fake store, and the stored assistant content.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "chat/generated_image_store.hpp"
#include "chat/generated_images.hpp"
#include "chat/hop_images.hpp"
#include "core/ids.hpp"

using namespace parley;
using namespace parley::chat;
namespace bj = boost::json;

namespace {

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "IHDR-rest-of-a-tiny-png";
const std::string kPng2 = std::string("\x89PNG\r\n\x1a\n", 8) + "another-picture";

std::string data_uri(const std::string& bytes, const char* mime = "image/png") {
  return std::string("data:") + mime + ";base64," + base64_encode(bytes);
}

template <class T>
T run(boost::asio::awaitable<T> work) {
  boost::asio::io_context ioc;
  std::optional<T> out;
  std::exception_ptr failure;
  boost::asio::co_spawn(ioc, std::move(work), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) out = std::move(value);
  });
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

// Stores anything up to `limit` bytes whose URL, if any, is on "allowed.example"; records every call.
class FakeImageStore final : public GeneratedImageStore {
 public:
  std::size_t limit = 1000;
  std::vector<ImageSource> calls;

  boost::asio::awaitable<std::optional<bj::object>> store(ImageSource image) override {
    calls.push_back(image);
    if (image.kind == ImageSource::Kind::remote_url && image.url.find("allowed.example") == std::string::npos)
      co_return std::nullopt;
    if (image.bytes.size() > limit) co_return std::nullopt;
    const auto n = std::to_string(calls.size());
    co_return bj::object{{"attachment_id", "att" + n},
                         {"display_url", "http://parley.test/api/files/s/att" + n + "?exp=1&sig=x"},
                         {"delivery_url", "http://parley.test/api/files/s/att" + n + "?exp=1&sig=x"},
                         {"mime_type", "image/png"},
                         {"size_bytes", static_cast<std::int64_t>(image.bytes.size())},
                         {"session_id", "s"},
                         {"uploaded_at", "2025-11-08T14:03:12Z"},
                         {"source_fragment_type", image.source_fragment_type}};
  }
};

bj::value chunk_with_delta(bj::object delta) {
  return bj::object{{"id", "gen-1"},
                    {"object", "chat.completion.chunk"},
                    {"choices", bj::array{bj::object{
                                    {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}}}};
}

}  // namespace

TEST(GeneratedImageParsing, DataUris) {
  auto s = parse_image_data_uri(data_uri(kPng));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->bytes, kPng);
  EXPECT_EQ(s->declared_mime, "image/png");
  EXPECT_EQ(s->kind, ImageSource::Kind::inline_bytes);

  EXPECT_TRUE(parse_image_data_uri("DATA:Image/JPEG;name=x.jpg;base64,/9j/"));
  EXPECT_FALSE(parse_image_data_uri("data:text/plain;base64,aGVsbG8="));
  EXPECT_FALSE(parse_image_data_uri("data:image/png,rawbytes")) << "only base64 payloads";
  EXPECT_FALSE(parse_image_data_uri("data:image/png;base64,!!!"));
  EXPECT_FALSE(parse_image_data_uri("data:image/png;base64,"));
}

TEST(GeneratedImageParsing, LenientBase64) {
  EXPECT_EQ(decode_base64_lenient("aGVsbG8"), "hello") << "missing padding";
  EXPECT_EQ(decode_base64_lenient("aGVs\nbG8="), "hello") << "line breaks";
  EXPECT_EQ(decode_base64_lenient("-_8="), std::string("\xfb\xff", 2)) << "URL-safe alphabet";
  EXPECT_FALSE(decode_base64_lenient("a"));
  EXPECT_FALSE(decode_base64_lenient("ab=c"));
  EXPECT_FALSE(decode_base64_lenient("a b*"));
}

TEST(GeneratedImageParsing, FragmentShapes) {
  const auto b64 = base64_encode(kPng);
  const std::vector<std::pair<std::string, std::optional<ImageSource::Kind>>> cases = {
      {R"({"type":"image_url","image_url":{"url":")" + data_uri(kPng) + R"("}})",
       ImageSource::Kind::inline_bytes},
      {R"({"type":"image_url","image_url":")" + data_uri(kPng) + R"("})", ImageSource::Kind::inline_bytes},
      {R"({"type":"image_url","image_url":{"url":"https://cdn.example/a.png"}})",
       ImageSource::Kind::remote_url},
      {R"({"type":"output_image","b64_json":")" + b64 + R"("})", ImageSource::Kind::inline_bytes},
      {R"({"type":"image","data":")" + b64 + R"(","mime_type":"image/png"})",
       ImageSource::Kind::inline_bytes},
      {R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":")" + b64 + R"("}})",
       ImageSource::Kind::inline_bytes},
      {R"({"inline_data":{"mime_type":"image/png","data":")" + b64 + R"("}})",
       ImageSource::Kind::inline_bytes},
      {R"({"type":"image_url","image_url":{"url":")" + b64 + R"("}})", ImageSource::Kind::inline_bytes},
      {R"({"type":"text","text":"hi"})", std::nullopt},
      {R"({"type":"audio","data":")" + b64 + R"("})", std::nullopt},
      {R"({"type":"image_url","image_url":{"url":"ftp://x/a.png"}})", std::nullopt},
      {R"({"type":"image_url","image_url":{"url":"http://x/a.png"},"metadata":{"attachment_id":"abc"}})",
       std::nullopt},
  };
  for (const auto& [json, kind] : cases) {
    const auto s = image_of_fragment(bj::parse(json));
    ASSERT_EQ(s.has_value(), kind.has_value()) << json;
    if (!s) continue;
    EXPECT_EQ(s->kind, *kind) << json;
    if (s->kind == ImageSource::Kind::inline_bytes) {
      EXPECT_EQ(s->bytes, kPng) << json;
    }
  }
  const auto typed = image_of_fragment(bj::parse(R"({"type":"output_image","b64_json":")" + b64 +
                                                 R"(","mime_type":"image/png","filename":"cat.png"})"));
  ASSERT_TRUE(typed);
  EXPECT_EQ(typed->source_fragment_type, "output_image");
  EXPECT_EQ(typed->filename, "cat.png");
  EXPECT_EQ(typed->declared_mime, "image/png");
}

TEST(GeneratedImageParsing, FragmentRefsCoverEveryPlaceAndCountTheTextBefore) {
  const auto uri = data_uri(kPng);
  auto chunk = bj::parse(R"({"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"abc"},
      {"type":"image_url","image_url":{"url":")" +
                         uri + R"("}},{"type":"text","text":"de"}],
      "images":[{"type":"image_url","image_url":{"url":"https://h/x.png"}}]},
      "message":{"content":"ignored","images":[{"type":"image_url","image_url":{"url":")" +
                         uri + R"("}}]}}]})");
  const auto refs = image_fragment_refs(chunk);
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_FALSE(refs[0].in_images);
  EXPECT_EQ(refs[0].index, 1u);
  EXPECT_EQ(refs[0].text_before, 3u);
  EXPECT_TRUE(refs[1].in_images);
  EXPECT_EQ(refs[1].text_before, 5u);
  EXPECT_TRUE(refs[2].in_message);
  EXPECT_TRUE(refs[2].in_images);
  for (const auto& r : refs) EXPECT_NE(fragment_at(chunk, r), nullptr);
  EXPECT_EQ(image_fragment_refs(bj::parse(R"({"choices":[{"delta":{"content":"just text"}}]})")).size(), 0u);
}

TEST(GeneratedImageParsing, DataUrisInText) {
  const auto uri = data_uri(kPng);
  const std::string text = "Here: ![a cat](" + uri + ") and raw " + data_uri(kPng2, "image/png") + " end";
  const auto found = find_text_images(text);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(text.substr(found[0].begin, found[0].end - found[0].begin), "![a cat](" + uri + ")");
  EXPECT_EQ(found[0].alt, "a cat");
  EXPECT_EQ(found[0].source.bytes, kPng);
  EXPECT_EQ(found[0].source.source_fragment_type, "text");
  EXPECT_EQ(text.substr(found[1].begin, found[1].end - found[1].begin), data_uri(kPng2));
  EXPECT_EQ(found[1].source.bytes, kPng2);

  const std::string titled = "![x](" + uri + " \"title\")!";
  const auto t = find_text_images(titled);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].begin, 0u);
  EXPECT_EQ(t[0].end, titled.size() - 1);

  EXPECT_TRUE(find_text_images("a data:text/plain;base64,aGk= and data:image/png without comma").empty());
}

TEST(HopImages, RewritesOnlyStoredFragmentsAndReusesRepeats) {
  FakeImageStore store;
  HopImages images(store);
  const auto uri = data_uri(kPng);
  auto chunk = chunk_with_delta(bj::object{
      {"content", ""},
      {"images",
       bj::array{
           bj::object{{"type", "image_url"}, {"image_url", bj::object{{"url", uri}}}, {"index", 0}},
           bj::object{{"type", "image_url"}, {"image_url", bj::object{{"url", "https://evil/x.png"}}}}}}});
  EXPECT_TRUE(run(images.rewrite_chunk(&chunk, 0)));
  const auto& list = chunk.at("choices").at(0).at("delta").at("images").as_array();
  const auto& rewritten = list[0].as_object();
  EXPECT_EQ(rewritten.size(), 3u) << "exactly type, image_url and metadata";
  EXPECT_EQ(rewritten.at("type"), "image_url");
  EXPECT_EQ(rewritten.at("image_url"),
            (bj::object{{"url", "http://parley.test/api/files/s/att1?exp=1&sig=x"}}));
  EXPECT_EQ(rewritten.at("metadata").at("attachment_id"), "att1");
  EXPECT_EQ(rewritten.at("metadata").at("source_fragment_type"), "image_url");
  EXPECT_EQ(list[1].at("image_url").at("url"), "https://evil/x.png") << "a refused URL is left as it is";

  // The final message repeats the image: same attachment, no second store call.
  auto final_chunk = bj::parse(
      R"({"choices":[{"message":{"images":[{"type":"image_url","image_url":{"url":")" + uri + R"("}}]}}]})");
  EXPECT_TRUE(run(images.rewrite_chunk(&final_chunk, 0)));
  EXPECT_EQ(
      final_chunk.at("choices").at(0).at("message").at("images").at(0).at("metadata").at("attachment_id"),
      "att1");
  EXPECT_EQ(store.calls.size(), 2u);
  EXPECT_EQ(images.attachment_ids(), (std::vector<std::string>{"att1"}));

  auto text_chunk = chunk_with_delta(bj::object{{"content", "plain"}});
  const auto before = text_chunk;
  EXPECT_FALSE(run(images.rewrite_chunk(&text_chunk, 0)));
  EXPECT_EQ(text_chunk, before);
}

TEST(HopImages, OversizedImagesStayUnchanged) {
  FakeImageStore store;
  store.limit = 4;
  HopImages images(store);
  auto chunk = chunk_with_delta(bj::object{
      {"content",
       bj::array{bj::object{{"type", "image_url"}, {"image_url", bj::object{{"url", data_uri(kPng)}}}}}}});
  const auto before = chunk;
  EXPECT_FALSE(run(images.rewrite_chunk(&chunk, 0)));
  EXPECT_EQ(chunk, before);
  EXPECT_EQ(run(images.stored_content("")), bj::value(nullptr))
      << "an inline image that was not stored is not kept";
}

TEST(HopImages, StoredContentKeepsArrivalOrder) {
  FakeImageStore store;
  HopImages images(store);
  auto first = chunk_with_delta(bj::object{
      {"content",
       bj::array{bj::object{{"type", "text"}, {"text", "Look: "}},
                 bj::object{{"type", "image_url"}, {"image_url", bj::object{{"url", data_uri(kPng)}}}}}}});
  EXPECT_TRUE(run(images.rewrite_chunk(&first, 0)));
  auto second = chunk_with_delta(bj::object{
      {"content", " and"},
      {"images",
       bj::array{bj::object{{"type", "image_url"},
                            {"image_url", bj::object{{"url", "https://allowed.example/p.png"}}}}}}});
  EXPECT_TRUE(run(images.rewrite_chunk(&second, 6)));
  auto third = chunk_with_delta(bj::object{
      {"images", bj::array{bj::object{{"type", "image_url"},
                                      {"image_url", bj::object{{"url", "https://nope/q.png"}}}}}}});
  EXPECT_FALSE(run(images.rewrite_chunk(&third, 10)));

  const auto content = run(images.stored_content("Look:  and done"));
  ASSERT_TRUE(content.is_array()) << bj::serialize(content);
  const auto& a = content.as_array();
  ASSERT_EQ(a.size(), 6u) << bj::serialize(content);
  EXPECT_EQ(a[0], (bj::object{{"type", "text"}, {"text", "Look: "}}));
  EXPECT_EQ(a[1].at("metadata").at("attachment_id"), "att1");
  EXPECT_EQ(a[2], (bj::object{{"type", "text"}, {"text", " and"}}));
  EXPECT_EQ(a[3].at("metadata").at("attachment_id"), "att2");
  EXPECT_EQ(a[3].at("image_url").at("url"), "http://parley.test/api/files/s/att2?exp=1&sig=x");
  EXPECT_EQ(a[4], bj::parse(R"({"type":"image_url","image_url":{"url":"https://nope/q.png"}})"))
      << "a remote image that was not stored is kept as a plain fragment";
  EXPECT_EQ(a[5], (bj::object{{"type", "text"}, {"text", " done"}}));
}

TEST(HopImages, KeptRemoteImageAndTextRuns) {
  FakeImageStore store;
  HopImages images(store);
  auto chunk = chunk_with_delta(bj::object{
      {"content", "ab"},
      {"images", bj::array{bj::object{{"type", "image_url"},
                                      {"image_url", bj::object{{"url", "https://nope/q.png"}}}}}}});
  EXPECT_FALSE(run(images.rewrite_chunk(&chunk, 0))) << "not stored: the chunk is forwarded untouched";
  const auto content = run(images.stored_content("abcd"));
  EXPECT_EQ(
      content,
      bj::parse(R"([{"type":"text","text":"ab"},{"type":"image_url","image_url":{"url":"https://nope/q.png"}},
                                  {"type":"text","text":"cd"}])"));
}

TEST(HopImages, DataUrisInTextBecomeFragmentsOfTheStoredContent) {
  FakeImageStore store;
  HopImages images(store);
  const std::string text = "Here it is:\n![cat](" + data_uri(kPng) + ")\nEnjoy!";
  const auto content = run(images.stored_content(text));
  EXPECT_EQ(content.at(0), (bj::object{{"type", "text"}, {"text", "Here it is:\n"}}));
  EXPECT_EQ(content.at(1).at("metadata").at("attachment_id"), "att1");
  EXPECT_EQ(content.at(1).at("metadata").at("source_fragment_type"), "text");
  EXPECT_EQ(content.at(2), (bj::object{{"type", "text"}, {"text", "\nEnjoy!"}}));
  EXPECT_EQ(content.as_array().size(), 3u);
  EXPECT_EQ(store.calls.at(0).bytes, kPng);

  // Not stored (too large): the text stays exactly as the model wrote it.
  FakeImageStore small;
  small.limit = 1;
  HopImages refused(small);
  EXPECT_EQ(run(refused.stored_content(text)), bj::value(bj::string(text)));
  EXPECT_EQ(run(HopImages(small).stored_content("")), bj::value(nullptr));
}

TEST(GeneratedImageStore, MetadataAndNames) {
  store::AttachmentRow row;
  row.attachment_id = "0123456789abcdef0123456789abcdef";
  row.session_id = "sess";
  row.mime_type = "image/png";
  row.size_bytes = 42;
  row.created_at = std::chrono::sys_days{std::chrono::year{2025} / 11 / 8} + std::chrono::hours(14);
  row.signed_url_expires_at = "2025-11-15T14:00:00+00:00";
  const auto m = generated_image_metadata(row, "http://h/api/files/k?exp=1&sig=2", "generated-image.png", "");
  EXPECT_EQ(
      m,
      bj::parse(
          R"({"attachment_id":"0123456789abcdef0123456789abcdef","display_url":"http://h/api/files/k?exp=1&sig=2",
      "delivery_url":"http://h/api/files/k?exp=1&sig=2","mime_type":"image/png","size_bytes":42,"session_id":"sess",
      "uploaded_at":"2025-11-08T14:00:00Z","signed_url_expires_at":"2025-11-15T14:00:00Z","filename":"generated-image.png"})"))
      << "null expires_at and the empty source type are left out";

  ImageSource remote;
  remote.kind = ImageSource::Kind::remote_url;
  remote.url = "https://cdn.example/out/sunset.webp?sig=abc";
  EXPECT_EQ(generated_image_filename(remote, "image/webp"), "sunset.webp");
  remote.url = "https://cdn.example/render";
  EXPECT_EQ(generated_image_filename(remote, "image/jpeg"), "generated-image.jpg");
  ImageSource named;
  named.filename = "mine.gif";
  EXPECT_EQ(generated_image_filename(named, "image/gif"), "mine.gif");
}
