#include "chat/hop_images.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace parley::chat {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

void push_text(bj::array& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty() && out.back().is_object()) {
    auto& last = out.back().get_object();
    const auto* type = last.if_contains("type");
    auto* existing = last.if_contains("text");
    if (type && type->is_string() && type->get_string() == "text" && existing && existing->is_string()) {
      existing->get_string().append(text);
      return;
    }
  }
  out.push_back(bj::object{{"type", "text"}, {"text", text}});
}

bool has_image(const bj::array& fragments) {
  return std::any_of(fragments.begin(), fragments.end(),
                     [](const bj::value& f) { return is_image_fragment(f); });
}

}  // namespace

awaitable<std::optional<bj::object>> HopImages::store_once(ImageSource source, bool* first) {
  const auto identity = source.identity();
  if (const auto it = by_identity_.find(identity); it != by_identity_.end()) {
    *first = false;
    co_return it->second;
  }
  *first = true;
  auto stored = co_await store_->store(std::move(source));
  if (stored) {
    if (const auto* id = stored->if_contains("attachment_id"); id && id->is_string())
      attachment_ids_.emplace_back(id->get_string());
  }
  by_identity_[identity] = stored;
  co_return stored;
}

awaitable<bool> HopImages::rewrite_chunk(bj::value* chunk, std::size_t text_before_chunk) {
  bool changed = false;
  for (const auto& ref : image_fragment_refs(*chunk)) {
    const auto* fragment = fragment_at(*chunk, ref);
    if (!fragment) continue;
    auto source = image_of_fragment(*fragment);
    if (!source) continue;
    const bool remote = source->kind == ImageSource::Kind::remote_url;
    const std::string url = source->url;
    bool first = false;
    auto metadata = co_await store_once(std::move(*source), &first);
    if (metadata) {
      auto rewritten = generated_image_fragment(*metadata);
      if (first) placed_.push_back({text_before_chunk + ref.text_before, rewritten});
      *fragment_at(*chunk, ref) = std::move(rewritten);
      changed = true;
    } else if (first && remote) {
      placed_.push_back({text_before_chunk + ref.text_before,
                         bj::object{{"type", "image_url"}, {"image_url", bj::object{{"url", url}}}}});
    }
  }
  co_return changed;
}

awaitable<void> HopImages::append_text(bj::array* out, std::string text) {
  std::size_t pos = 0;
  for (auto& found : find_text_images(text)) {
    bool first = false;
    auto metadata = co_await store_once(std::move(found.source), &first);
    if (!metadata) continue;  // left in the text as the model wrote it
    push_text(*out, std::string_view(text).substr(pos, found.begin - pos));
    out->push_back(generated_image_fragment(*metadata));
    pos = found.end;
  }
  push_text(*out, std::string_view(text).substr(pos));
}

awaitable<bj::value> HopImages::stored_content(std::string text) {
  bj::array out;
  std::stable_sort(placed_.begin(), placed_.end(),
                   [](const Placed& a, const Placed& b) { return a.offset < b.offset; });
  std::size_t pos = 0;
  for (const auto& p : placed_) {
    const auto offset = std::min(p.offset, text.size());
    if (offset > pos) co_await append_text(&out, text.substr(pos, offset - pos));
    pos = std::max(pos, offset);
    out.push_back(p.fragment);
  }
  if (pos < text.size()) co_await append_text(&out, text.substr(pos));
  if (!has_image(out)) co_return text.empty() ? bj::value(nullptr) : bj::value(text);
  co_return bj::value(std::move(out));
}

}  // namespace parley::chat
