// Internet messages for Gmail (RFC 2822/5322 with MIME): building one to send or draft, with RFC 2047
// encoded-words for non-ASCII header text and base64 bodies in UTF-8; and reading what Gmail returns
// (encoded-words in headers, HTML bodies as plain text).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::google {

struct OutgoingMessage {
  std::string to, cc, bcc;  // comma-separated addresses, each "a@b" or "Name <a@b>"
  std::string subject;
  std::string body;
  bool html = false;
  std::string in_reply_to;  // Message-ID of the message replied to
  std::string references;   // Message-IDs of the thread
};

// The whole message with CRLF line ends.
std::string build_message(const OutgoingMessage& message);
// A header value: as is when it is printable ASCII, else UTF-8 "B" encoded-words of at most 75 characters.
std::string encode_header_text(std::string_view text);
// Each address's display name encoded when it is not ASCII; addresses left as they are.
std::string encode_address_list(std::string_view addresses);
// `bytes` in `charset` as UTF-8: UTF-8 and US-ASCII as they are, ISO-8859-1 and windows-1252 (its extra
// characters read as ISO-8859-1) converted, anything else kept when it is valid UTF-8 and else read as
// ISO-8859-1. Always valid UTF-8: one invalid byte in a tool's answer would make the whole answer unreadable.
std::string text_in_utf8(std::string_view bytes, std::string_view charset);
// RFC 2047 decoding of "=?charset?B|Q?...?=" words (UTF-8, US-ASCII and ISO-8859-1 charsets); the result is
// valid UTF-8 whatever the input (see text_in_utf8).
std::string decode_header_text(std::string_view text);
// The readable text of an HTML body: tags dropped, script/style removed, block ends as line breaks, the
// common entities and numeric character references decoded.
std::string html_to_text(std::string_view html);

}  // namespace parley::google
