#include "llm/chunk_scan.hpp"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>

namespace parley::llm {

namespace {

namespace bj = boost::json;
using boost::system::error_code;

enum class Ctx : std::uint8_t { top, choices, choice, delta };
// What the next value is, from the key before it.
enum class Slot : std::uint8_t {
  ignore,
  model,
  id,
  choices,
  finish_reason,
  delta,
  content,
  reasoning,
  give_up
};

// Bits of the tracked members seen in one object: a repeated one gives up (a DOM keeps only the last).
constexpr std::uint8_t kModel = 1, kId = 2, kChoices = 4, kFinish = 8, kDelta = 16, kContent = 32,
                       kReasoning = 64;

struct Handler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  struct Frame {
    Ctx ctx;
    std::uint8_t seen;
  };
  ChunkScan* out = nullptr;
  std::array<Frame, 8> stack{};
  std::size_t depth = 0;         // frames in use
  std::size_t skip = 0;          // nesting inside an ignored value
  bool choices_started = false;  // an element of the choices array has begun
  bool in_first_choice = false;
  Slot slot = Slot::ignore;
  std::string key;  // a key that arrived in parts
  bool key_parts = false;
  bool value_begins = false;  // the next string piece is the first of the value the last key named

  bool stop(error_code& ec) {
    ec = bj::error::syntax;  // any error: the caller only learns "not scanned"
    return false;
  }
  void reset(ChunkScan* target) {
    out = target;
    depth = 0;
    skip = 0;
    choices_started = false;
    in_first_choice = false;
    slot = Slot::ignore;
    key_parts = false;
  }
  // A value begins where the slot says. Returns false to give up.
  bool begin_container(bool object, error_code& ec) {
    if (skip) {
      ++skip;
      return true;
    }
    if (depth == 0) {
      if (!object) return stop(ec);
      stack[depth++] = {Ctx::top, 0};
      return true;
    }
    if (in_choices()) {
      element_begins(object);
      if (!object) {
        skip = 1;
        return true;
      }
      stack[depth++] = {Ctx::choice, 0};
      return true;
    }
    const Slot s = slot;
    slot = Slot::ignore;
    switch (s) {
      case Slot::choices:
        if (object) {
          skip = 1;  // choices that is not an array is ignored
          return true;
        }
        choices_started = false;
        stack[depth++] = {Ctx::choices, 0};
        return true;
      case Slot::delta:
        if (!object) {
          skip = 1;
          return true;
        }
        stack[depth++] = {Ctx::delta, 0};
        return true;
      case Slot::id:
      case Slot::ignore:
        skip = 1;
        return true;
      default:  // model, finish_reason, content or reasoning as a structure; give_up
        return stop(ec);
    }
  }
  [[nodiscard]] bool in_choices() const { return depth > 0 && stack[depth - 1].ctx == Ctx::choices; }
  // An element of choices begins: only the first one, if an object, is "the first choice" (carries_delta).
  void element_begins(bool object) {
    in_first_choice = !choices_started && object;
    choices_started = true;
  }
  bool end_container() {
    if (skip) {
      --skip;
      return true;
    }
    --depth;
    return true;
  }
  // A scalar other than a string or null: only ignored members may have one.
  bool other_scalar(error_code& ec) {
    if (skip) return true;
    if (in_choices()) {  // a choice that is not an object is ignored
      element_begins(false);
      return true;
    }
    const Slot s = slot;
    slot = Slot::ignore;
    return s == Slot::ignore || s == Slot::id || s == Slot::choices || s == Slot::delta ? true : stop(ec);
  }
  bool select(std::string_view k, error_code& ec) {
    auto& frame = stack[depth - 1];
    auto track = [&](std::uint8_t bit, Slot s) {
      if (frame.seen & bit) return stop(ec);
      frame.seen |= bit;
      slot = s;
      return true;
    };
    slot = Slot::ignore;
    value_begins = true;
    switch (frame.ctx) {
      case Ctx::top:
        if (k == "model") return track(kModel, Slot::model);
        if (k == "id") return track(kId, Slot::id);
        if (k == "choices") return track(kChoices, Slot::choices);
        if (k == "usage" || k == "meta" || k == "error" || k == "reasoning") slot = Slot::give_up;
        return true;
      case Ctx::choice:
        if (k == "finish_reason") return track(kFinish, Slot::finish_reason);
        if (k == "delta") return track(kDelta, Slot::delta);
        if (k == "message") slot = Slot::give_up;
        return true;
      case Ctx::delta:
        if (k == "content") return track(kContent, Slot::content);
        if (k == "reasoning") return track(kReasoning, Slot::reasoning);
        if (k == "tool_calls" || k == "annotations" || k == "reasoning_details" || k == "images")
          slot = Slot::give_up;
        return true;
      case Ctx::choices:
        return true;  // not reached: arrays have no keys
    }
    return true;
  }
  std::string* string_target() {
    switch (slot) {
      case Slot::model:
        out->has_model = true;
        return &out->model;
      case Slot::id:
        out->has_id = true;
        return &out->id;
      case Slot::finish_reason:
        out->has_finish_reason = true;
        return &out->finish_reason;
      case Slot::content:
        return &out->content;
      case Slot::reasoning:
        out->has_reasoning = true;
        return &out->reasoning;
      default:
        return nullptr;
    }
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code& ec) { return begin_container(true, ec); }
  bool on_object_end(std::size_t, error_code&) { return end_container(); }
  bool on_array_begin(error_code& ec) { return begin_container(false, ec); }
  bool on_array_end(std::size_t, error_code&) { return end_container(); }
  bool on_key_part(std::string_view s, std::size_t, error_code&) {
    if (skip) return true;
    if (!key_parts) key.clear();
    key_parts = true;
    key.append(s);
    return true;
  }
  bool on_key(std::string_view s, std::size_t, error_code& ec) {
    if (skip) return true;
    if (key_parts) {
      key_parts = false;
      key.append(s);
      return select(key, ec);
    }
    return select(s, ec);
  }
  bool string_piece(std::string_view s, bool last, error_code& ec) {
    if (skip) return true;
    if (in_choices()) {
      element_begins(false);
      return true;
    }
    if (slot == Slot::give_up) return stop(ec);
    if (auto* target = string_target()) {
      // Each choice's finish_reason replaces the one before (the full parse keeps the last non-null one);
      // content and reasoning text of several choices are joined, as the full parse joins them.
      if (slot == Slot::finish_reason && value_begins) target->clear();
      value_begins = false;
      target->append(s);
      if ((slot == Slot::content || slot == Slot::reasoning) && in_first_choice && !s.empty())
        out->first_choice_delta = true;
    }
    if (last) slot = Slot::ignore;
    return true;
  }
  bool on_string_part(std::string_view s, std::size_t, error_code& ec) { return string_piece(s, false, ec); }
  bool on_string(std::string_view s, std::size_t, error_code& ec) { return string_piece(s, true, ec); }
  bool on_number_part(std::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, error_code& ec) { return other_scalar(ec); }
  bool on_uint64(std::uint64_t, std::string_view, error_code& ec) { return other_scalar(ec); }
  bool on_double(double, std::string_view, error_code& ec) { return other_scalar(ec); }
  bool on_bool(bool, error_code& ec) { return other_scalar(ec); }
  bool on_null(error_code&) {
    if (skip) return true;
    if (in_choices()) element_begins(false);
    slot = Slot::ignore;  // null is what a missing member means, for every member read here
    return true;
  }
  bool on_comment_part(std::string_view, error_code&) { return true; }
  bool on_comment(std::string_view, error_code&) { return true; }
};

bj::parse_options scan_options() {
  bj::parse_options opts;
  opts.max_depth = 64;  // as parley::json::parse
  return opts;
}

}  // namespace

bool ChunkScan::scan(std::string_view json) {
  model.clear();
  id.clear();
  content.clear();
  reasoning.clear();
  finish_reason.clear();
  has_model = has_id = has_reasoning = has_finish_reason = first_choice_delta = false;
  thread_local bj::basic_parser<Handler> parser(scan_options());
  parser.reset();
  parser.handler().reset(this);
  error_code ec;
  const auto used = parser.write_some(false, json.data(), json.size(), ec);
  return !ec && used == json.size();
}

}  // namespace parley::llm
