// Object key naming and content sniffing of uploads (api.md §2.18).
#include <gtest/gtest.h>

#include "blob/content_sniffing.hpp"
#include "blob/object_key.hpp"

using namespace parley::blob;
using namespace std::string_literals;

TEST(ObjectKey, SafeComponentReplacesRunsStripsEdgesAndCuts) {
  EXPECT_EQ(safe_key_component("photo.png"), "photo.png");
  EXPECT_EQ(safe_key_component("my holiday  photo!!.png"), "my_holiday_photo_.png");
  EXPECT_EQ(safe_key_component("../../etc/passwd"), "etc_passwd");
  EXPECT_EQ(safe_key_component("..\\..\\boot.ini"), "boot.ini");
  EXPECT_EQ(safe_key_component("a\r\nContent-Type: text/html\x01.png"), "a_Content-Type_text_html_.png");
  EXPECT_EQ(safe_key_component("Grüße.pdf"), "Gr_e.pdf");
  EXPECT_EQ(safe_key_component("..."), "file");
  EXPECT_EQ(safe_key_component(""), "file");
  EXPECT_EQ(safe_key_component("日本語"), "file");
  EXPECT_EQ(safe_key_component("-_.x._-"), "x");
  EXPECT_EQ(safe_key_component(std::string(300, 'a')), std::string(100, 'a'));
}

TEST(ObjectKey, AttachmentKeysRoundTripTheirId) {
  const std::string id = "0123456789abcdef0123456789abcdef";
  const auto key = attachment_object_key("session_1/../x", id, "../a b.png");
  EXPECT_EQ(key, "session_1_.._x/" + id + "__a_b.png");
  EXPECT_EQ(attachment_id_of_key(key), id);
  EXPECT_TRUE(is_relative_object_key(key));
  EXPECT_FALSE(attachment_id_of_key("s/0123456789ABCDEF0123456789abcdef__x"));  // upper-case hex
  EXPECT_FALSE(attachment_id_of_key("s/0123456789abcdef0123456789abcde__x"));   // 31 characters
  EXPECT_FALSE(attachment_id_of_key(id + "__x"));                               // no session folder
  EXPECT_FALSE(attachment_id_of_key("s/t/" + id + "__x"));                      // too deep
}

TEST(ObjectKey, RelativeKeysCannotClimbOut) {
  EXPECT_TRUE(is_relative_object_key("a/b"));
  EXPECT_FALSE(is_relative_object_key("../a"));
  EXPECT_FALSE(is_relative_object_key("a/../../b"));
  EXPECT_FALSE(is_relative_object_key("/etc/passwd"));
  EXPECT_FALSE(is_relative_object_key("a//b"));
  EXPECT_FALSE(is_relative_object_key("a/./b"));
  EXPECT_FALSE(is_relative_object_key("a\\..\\b"));
  EXPECT_FALSE(is_relative_object_key("a/b\0c"s));
  EXPECT_FALSE(is_relative_object_key(""));
  EXPECT_FALSE(is_relative_object_key("a/"));
}

TEST(ContentSniffing, RecognisesTheFiveTypesByTheirLeadingBytes) {
  EXPECT_EQ(sniff_attachment_type("\x89PNG\r\n\x1a\n rest"s), "image/png");
  EXPECT_EQ(sniff_attachment_type("\xff\xd8\xff\xe0"s), "image/jpeg");
  EXPECT_EQ(sniff_attachment_type("GIF87a..."), "image/gif");
  EXPECT_EQ(sniff_attachment_type("GIF89a..."), "image/gif");
  EXPECT_EQ(sniff_attachment_type("RIFF\x10\0\0\0WEBPVP8 "s), "image/webp");
  EXPECT_EQ(sniff_attachment_type("%PDF-1.7\n"), "application/pdf");
  EXPECT_EQ(sniff_attachment_type(std::string(1000, ' ') + "%PDF-1.4"), "application/pdf");
  EXPECT_FALSE(sniff_attachment_type(std::string(1020, ' ') + "%PDF-1.4"));  // past the first 1024 bytes
  EXPECT_FALSE(sniff_attachment_type("\x89PNG\r\n"s));                       // truncated signature
  EXPECT_FALSE(sniff_attachment_type("RIFF\x10\0\0\0WAVEfmt "s));
  EXPECT_FALSE(sniff_attachment_type("GIF88a"));
  EXPECT_FALSE(sniff_attachment_type("hello, world"));
  EXPECT_FALSE(sniff_attachment_type(""));
}

TEST(ContentSniffing, DeclaredTypesAreNormalised) {
  EXPECT_EQ(normalized_media_type(" Image/PNG ; charset=binary"), "image/png");
  EXPECT_EQ(normalized_media_type(""), "");
  EXPECT_TRUE(is_allowed_attachment_type("application/pdf"));
  EXPECT_FALSE(is_allowed_attachment_type("image/svg+xml"));
  EXPECT_FALSE(is_allowed_attachment_type("text/html"));
}
