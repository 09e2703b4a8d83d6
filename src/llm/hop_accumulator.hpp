// Accumulates one hop's upstream stream into what gets stored and announced (api.md §3.5): text, finish
// reason, model, usage, meta, generation id, reasoning segments, reasoning_details, tool calls assembled by
// index, routing headers, url citations (annotations) and an in-band error.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.hpp"

namespace parley::llm {

// Whether a parsed chunk carries the model's first output: its first choice's delta has content, reasoning or
// a tool-call fragment (parley_upstream_first_token_seconds). ChunkScan::first_choice_delta is the same for
// the chunks it reads.
bool carries_delta(const boost::json::value& chunk);

class HopAccumulator {
 public:
  // One parsed upstream chunk (a JSON object); other JSON values are ignored.
  void add_chunk(const boost::json::value& chunk);
  // The same as add_chunk(parse(json)) for the chunks most of a stream is made of (id, model, finish_reason,
  // content and reasoning text: see ChunkScan), read from the text without building a DOM. Returns false and
  // changes nothing for any other chunk, invalid JSON included: the caller then parses it and calls
  // add_chunk. `carries_delta`: the first choice's delta has content or reasoning text (set only when true is
  // returned).
  bool add_common_chunk(std::string_view json, bool& carries_delta);
  // Upstream response headers named openrouter-*, x-request-id or via become `routing`.
  void set_response_headers(const net::Headers& headers);

  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] bool has_content() const { return !text_.empty(); }
  [[nodiscard]] const boost::json::value& finish_reason() const { return finish_reason_; }
  [[nodiscard]] bool finished() const { return !finish_reason_.is_null(); }
  [[nodiscard]] const boost::json::value& model() const { return model_; }
  [[nodiscard]] const boost::json::value& usage() const { return usage_; }
  [[nodiscard]] const boost::json::value& meta() const { return meta_; }
  [[nodiscard]] const boost::json::value& generation_id() const { return generation_id_; }
  [[nodiscard]] const boost::json::value& routing() const { return routing_; }
  [[nodiscard]] const boost::json::array& reasoning_details() const { return reasoning_details_; }
  // The `annotations` items of the hop's deltas and messages (OpenRouter's url_citation objects, web search),
  // in arrival order; a citation of a URL already cited, or an item seen before, is not added again.
  [[nodiscard]] const boost::json::array& annotations() const { return annotations_; }
  // The in-band error object of the last chunk that carried one.
  [[nodiscard]] const std::optional<boost::json::object>& error() const { return error_; }
  // [{"text","type"?}] or null.
  [[nodiscard]] boost::json::value reasoning() const;
  // [{"id","type":"function","function":{"name","arguments"}}] or null; calls without a name are dropped.
  [[nodiscard]] boost::json::value tool_calls() const;
  [[nodiscard]] bool has_reasoning() const;

 private:
  struct Segment {
    std::string type;  // empty: untyped
    std::string text;
  };
  struct ToolCall {
    std::optional<long long> index;
    std::string id;
    std::string type;
    std::string name;
    std::string arguments;
  };
  void add_complete_reasoning(const boost::json::value& v, const std::string& type);
  void add_tool_call_fragment(const boost::json::object& fragment);
  void add_annotations(const boost::json::value& items);

  std::string text_;
  boost::json::value finish_reason_ = nullptr;
  boost::json::value model_ = nullptr;
  boost::json::value usage_ = nullptr;
  boost::json::value meta_ = nullptr;
  boost::json::value generation_id_ = nullptr;
  boost::json::value routing_ = nullptr;
  boost::json::array reasoning_details_;
  boost::json::array annotations_;
  std::optional<boost::json::object> error_;
  std::vector<Segment> segments_;
  std::optional<std::size_t> streamed_segment_;
  std::vector<ToolCall> calls_;
};

}  // namespace parley::llm
