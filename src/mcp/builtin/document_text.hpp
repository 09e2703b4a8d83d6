// Text out of a document's bytes: PDF through poppler (all pages or a page selection), UTF-8 text as is,
// anything else as a short description. Used by every extraction tool of the pdf server.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/builtin/tool.hpp"
#include "mcp/failure.hpp"

namespace parley::mcp::builtin {

// "3", "1-3,5", "2-" (to the end); 1-based and checked against page_count. Pages come back sorted, once each.
Result<std::vector<int>, Failure> parse_page_selection(std::string_view text, int page_count);

bool looks_like_pdf(std::string_view bytes);

struct ExtractedText {
  std::string content;
  std::string mime_type;
  boost::json::object metadata;
  std::vector<std::string> warnings;
};

struct ExtractRequest {
  std::string_view bytes;
  std::string mime_type_hint;  // may be empty
  std::string name;            // file name or "content item 2", for messages
  std::optional<std::string> pages;
};

// Fails for a damaged or password-protected PDF, for bytes that claim to be a PDF but are not, and when the
// call was cancelled.
Result<ExtractedText, Failure> extract_text(const ExtractRequest& request, const CallContext& context);

}  // namespace parley::mcp::builtin
