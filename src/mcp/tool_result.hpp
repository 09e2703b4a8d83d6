// Turning a tools/call result into the text the model reads: every content type rendered, the size capped at
// PARLEY_TOOL_RESULT_MAX_BYTES with a note telling the model the result was cut.
#pragma once

#include <cstddef>
#include <string>

#include "mcp/session.hpp"

namespace parley::mcp {

// text as is; image/audio as a short description (the bytes are not sent as text); resource_link and embedded
// resources by uri (embedded text included); structuredContent as JSON when no text content describes it.
std::string render_tool_result_text(const ToolCallResult& result);

// Cuts `text` to at most `max_bytes` (at a UTF-8 boundary) and appends a note; returns whether it cut.
bool cap_tool_result_text(std::string& text, std::size_t max_bytes);

}  // namespace parley::mcp
