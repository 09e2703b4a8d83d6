#include "llm/hop_accumulator.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "llm/chunk_scan.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>

namespace parley::llm {

namespace bj = boost::json;

namespace {

constexpr const char* kTextMembers[] = {"text",    "output",  "content",    "reasoning",
                                        "message", "details", "explanation"};

}  // namespace

bool carries_delta(const bj::value& chunk) {
  const auto* o = chunk.if_object();
  const auto* choices = o ? o->if_contains("choices") : nullptr;
  if (!choices || !choices->is_array() || choices->get_array().empty()) return false;
  const auto* choice = choices->get_array()[0].if_object();
  const auto* delta = choice ? choice->if_contains("delta") : nullptr;
  if (!delta || !delta->is_object()) return false;
  for (const auto* key : {"content", "reasoning", "tool_calls"}) {
    const auto* v = delta->get_object().if_contains(key);
    if (v && !v->is_null() && !(v->is_string() && v->get_string().empty())) return true;
  }
  return false;
}

void HopAccumulator::set_response_headers(const net::Headers& headers) {
  bj::object routing;
  for (const auto& [name, value] : headers.all()) {
    const auto lower = text::lower(name);
    if (lower.starts_with("openrouter-") || lower == "x-request-id" || lower == "via") routing[lower] = value;
  }
  routing_ = routing.empty() ? bj::value(nullptr) : bj::value(std::move(routing));
}

void HopAccumulator::add_complete_reasoning(const bj::value& v, const std::string& type) {
  if (v.is_string()) {
    segments_.push_back({type, std::string(v.as_string())});
  } else if (v.is_array()) {
    for (const auto& item : v.as_array()) add_complete_reasoning(item, type);
  } else if (v.is_object()) {
    const auto& obj = v.as_object();
    std::string own_type = type;
    if (const auto* t = obj.if_contains("type"); t && t->is_string()) own_type = std::string(t->as_string());
    bool found = false;
    for (const char* member : kTextMembers) {
      if (const auto* m = obj.if_contains(member)) {
        found = true;
        add_complete_reasoning(*m, own_type);
      }
    }
    if (!found) {
      bj::object copy = obj;
      copy.erase("type");
      copy.erase("id");
      copy.erase("index");
      if (!copy.empty()) segments_.push_back({own_type, parley::json::serialize(copy)});
    }
  }
}

void HopAccumulator::add_tool_call_fragment(const bj::object& fragment) {
  std::optional<long long> index;
  if (const auto* i = fragment.if_contains("index"); i && i->is_int64() && i->as_int64() >= 0)
    index = i->as_int64();
  std::string id;
  if (const auto* v = fragment.if_contains("id"); v && v->is_string()) id = std::string(v->as_string());
  ToolCall* call = nullptr;
  for (auto& c : calls_) {
    if ((index && c.index == index) || (!index && !id.empty() && c.id == id)) {
      call = &c;
      break;
    }
  }
  if (!call) {
    calls_.push_back({index, {}, {}, {}, {}});
    call = &calls_.back();
  }
  if (!id.empty()) call->id = id;
  if (const auto* v = fragment.if_contains("type"); v && v->is_string() && !v->as_string().empty()) {
    call->type = std::string(v->as_string());
  }
  if (const auto* f = fragment.if_contains("function"); f && f->is_object()) {
    const auto& fn = f->as_object();
    if (const auto* n = fn.if_contains("name"); n && n->is_string() && !n->as_string().empty()) {
      call->name = std::string(n->as_string());
    }
    if (const auto* a = fn.if_contains("arguments"); a && a->is_string()) call->arguments += a->as_string();
  }
}

namespace {

// The cited URL of an annotation ({"type":"url_citation","url_citation":{"url",…}}), or empty.
std::string_view cited_url(const bj::value& annotation) {
  const auto* obj = annotation.if_object();
  const auto* citation = obj ? obj->if_contains("url_citation") : nullptr;
  const auto* url = citation && citation->is_object() ? citation->as_object().if_contains("url") : nullptr;
  return url && url->is_string() ? std::string_view(url->as_string()) : std::string_view();
}

// A hop cites a handful of sources; a stream that repeats annotations in every chunk stays bounded.
constexpr std::size_t max_annotations = 256;

}  // namespace

void HopAccumulator::add_annotations(const bj::value& items) {
  if (!items.is_array()) return;
  for (const auto& item : items.as_array()) {
    if (!item.is_object() || annotations_.size() >= max_annotations) continue;
    const auto url = cited_url(item);
    bool seen = false;
    for (const auto& known : annotations_) {
      if (url.empty() ? known == item : cited_url(known) == url) seen = true;
    }
    if (!seen) annotations_.push_back(item);
  }
}

void HopAccumulator::add_chunk(const bj::value& chunk) {
  if (!chunk.is_object()) return;
  const auto& obj = chunk.as_object();
  if (const auto* v = obj.if_contains("model"); v && !v->is_null()) model_ = *v;
  if (const auto* v = obj.if_contains("usage"); v && v->is_object()) usage_ = *v;
  if (const auto* v = obj.if_contains("meta"); v && v->is_object()) meta_ = *v;
  if (const auto* v = obj.if_contains("id"); v && v->is_string()) generation_id_ = *v;
  if (const auto* v = obj.if_contains("error"); v && v->is_object()) error_ = v->as_object();
  if (const auto* v = obj.if_contains("reasoning"); v && !v->is_null()) add_complete_reasoning(*v, "");
  const auto* choices = obj.if_contains("choices");
  if (!choices || !choices->is_array()) return;
  for (const auto& choice_value : choices->as_array()) {
    if (!choice_value.is_object()) continue;
    const auto& choice = choice_value.as_object();
    if (const auto* fr = choice.if_contains("finish_reason"); fr && !fr->is_null()) finish_reason_ = *fr;
    if (const auto* m = choice.if_contains("message"); m && m->is_object()) {
      if (const auto* r = m->as_object().if_contains("reasoning"); r && !r->is_null())
        add_complete_reasoning(*r, "");
      if (const auto* a = m->as_object().if_contains("annotations")) add_annotations(*a);
    }
    const auto* delta_value = choice.if_contains("delta");
    if (!delta_value || !delta_value->is_object()) continue;
    const auto& delta = delta_value->as_object();
    if (const auto* c = delta.if_contains("content")) {
      if (c->is_string()) {
        text_ += c->as_string();
      } else if (c->is_array()) {
        for (const auto& part : c->as_array()) {
          if (!part.is_object()) continue;
          const auto* type = part.as_object().if_contains("type");
          const auto* t = part.as_object().if_contains("text");
          if (type && type->is_string() && type->as_string() == "text" && t && t->is_string())
            text_ += t->as_string();
        }
      }
    }
    if (const auto* r = delta.if_contains("reasoning"); r && !r->is_null()) {
      if (r->is_string()) {
        if (!streamed_segment_) {
          streamed_segment_ = segments_.size();
          segments_.push_back({"", ""});
        }
        segments_[*streamed_segment_].text += r->as_string();
      } else {
        add_complete_reasoning(*r, "");
      }
    }
    if (const auto* a = delta.if_contains("annotations")) add_annotations(*a);
    if (const auto* rd = delta.if_contains("reasoning_details"); rd && rd->is_array()) {
      for (const auto& item : rd->as_array()) reasoning_details_.push_back(item);
    }
    if (const auto* tc = delta.if_contains("tool_calls"); tc && tc->is_array()) {
      for (const auto& fragment : tc->as_array()) {
        if (fragment.is_object()) add_tool_call_fragment(fragment.as_object());
      }
    }
  }
}

namespace {

// A string member kept as a JSON value (model, generation id): assigned only when it changed, since nearly
// every chunk repeats it.
void keep_string(bj::value& member, const std::string& text) {
  if (const auto* current = member.if_string(); current && *current == text) return;
  member = bj::string(text);
}

}  // namespace

bool HopAccumulator::add_common_chunk(std::string_view json, bool& delta) {
  thread_local ChunkScan scan;  // its strings keep their capacity from chunk to chunk
  if (!scan.scan(json)) return false;
  // In add_chunk's order: model, id, then per choice finish_reason, content and reasoning (each collected in
  // choice order by the scan).
  if (scan.has_model) keep_string(model_, scan.model);
  if (scan.has_id) keep_string(generation_id_, scan.id);
  if (scan.has_finish_reason) finish_reason_ = bj::string(scan.finish_reason);
  text_ += scan.content;
  if (scan.has_reasoning) {
    if (!streamed_segment_) {
      streamed_segment_ = segments_.size();
      segments_.push_back({"", ""});
    }
    segments_[*streamed_segment_].text += scan.reasoning;
  }
  delta = scan.first_choice_delta;
  return true;
}

bj::value HopAccumulator::reasoning() const {
  bj::array out;
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& s : segments_) {
    const std::string trimmed(text::trim(s.text));
    if (trimmed.empty()) continue;
    bool duplicate = false;
    for (const auto& [t, x] : seen) {
      if (t == s.type && x == trimmed) duplicate = true;
    }
    if (duplicate) continue;
    seen.emplace_back(s.type, trimmed);
    bj::object seg{{"text", trimmed}};
    if (!s.type.empty()) seg["type"] = s.type;
    out.push_back(std::move(seg));
  }
  return out.empty() ? bj::value(nullptr) : bj::value(std::move(out));
}

bool HopAccumulator::has_reasoning() const {
  return !reasoning().is_null();
}

bj::value HopAccumulator::tool_calls() const {
  bj::array out;
  for (const auto& c : calls_) {
    if (c.name.empty()) continue;
    const auto position = out.size();
    out.push_back(bj::object{
        {"id", c.id.empty() ? "call_" + std::to_string(position) : c.id},
        {"type", "function"},
        {"function", bj::object{{"name", c.name}, {"arguments", c.arguments}}},
    });
  }
  return out.empty() ? bj::value(nullptr) : bj::value(std::move(out));
}

}  // namespace parley::llm
