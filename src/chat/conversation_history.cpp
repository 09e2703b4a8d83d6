#include "chat/conversation_history.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <cstddef>

#include "core/clock.hpp"
#include "core/json.hpp"

namespace parley::chat {

namespace bj = boost::json;

std::optional<ConversationHistory> load_conversation_history(store::Repository& repository,
                                                             const store::AttachmentSigner& signer,
                                                             const std::string& session_id,
                                                             const store::MessageRange& range) {
  auto conversation = repository.find_conversation(session_id);
  if (!conversation) return std::nullopt;
  // The objects live in one arena, released at once with the array (export of a long history).
  ConversationHistory h{*conversation, std::nullopt,
                        bj::array(bj::make_shared_resource<bj::monotonic_resource>())};
  if (const auto summary = repository.conversation_summary(session_id)) h.title = summary->title;
  auto messages = repository.load_messages(session_id, range);
  h.messages.reserve(messages.size());
  for (auto& m : messages) {
    h.messages.push_back(store::stored_message_object(std::move(m), signer, h.messages.storage()));
    m = {};  // the row's copy is no longer needed
  }
  return h;
}

bj::object history_head(ConversationHistory& h) {
  bj::object out(6, h.messages.storage());
  out.emplace("session_id", h.conversation.session_id);
  out.emplace("title", h.title ? bj::value(*h.title) : bj::value(nullptr));
  out.emplace("created_at", format_iso_utc_z(h.conversation.created_at));
  out.emplace("updated_at", format_iso_utc_z(h.conversation.updated_at));
  return out;
}

std::optional<std::string> history_body(store::Repository& repository, const store::AttachmentSigner& signer,
                                        const std::string& session_id, const store::MessageRange& range) {
  auto conversation = repository.find_conversation(session_id);
  if (!conversation) return std::nullopt;
  ConversationHistory h{*conversation, std::nullopt, {}};
  if (const auto summary = repository.conversation_summary(session_id)) h.title = summary->title;
  std::string out;
  // Rows arrive one at a time, so the body's size is not known ahead: it starts small and grows fourfold up
  // to 4 MB (not std::string's twofold), which spares a long history most of the copies and page faults of
  // growing, then twofold (a larger body does not reserve up to four times its size).
  constexpr std::size_t kFourfoldUpTo = 4 * 1024 * 1024;
  out.reserve(64 * 1024);
  json::serialize_append(bj::value(history_head(h)), out);
  out.pop_back();  // the head object's '}'
  out += R"(,"messages":[)";
  // Each stored message object is written straight from its row as it is read: no boost::json::object per
  // message, and no vector of the whole history's rows (bench/notes/2026-12-02-history.md, part 3).
  bool first = true;
  repository.for_each_message(session_id, range, [&](store::StoredMessage& m) {
    if (out.capacity() - out.size() < 16 * 1024)
      out.reserve(out.capacity() < kFourfoldUpTo ? out.capacity() * 4 : out.capacity() * 2);
    if (!first) out += ',';
    first = false;
    store::append_stored_message_json(m, signer, out);
    return true;
  });
  out += "]}";
  return out;
}

}  // namespace parley::chat
