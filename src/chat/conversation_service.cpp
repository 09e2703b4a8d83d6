#include "chat/conversation_service.hpp"

#include <boost/json/value.hpp>

#include "chat/conversation_history.hpp"
#include "chat/conversation_title.hpp"
#include "chat/store_probe.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "store/conversation_markdown.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

// Ids that are not valid UTF-8 cannot name a stored session (and PostgreSQL would refuse them as text).
bool usable_id(const std::string& id) {
  return json::is_valid_utf8(id);
}

}  // namespace

ConversationService::ConversationService(store::Repository& repository, BlockingPool& blocking,
                                         SessionTurnLocks& turn_locks, AttachmentService& attachments,
                                         ConversationLogBook* logs)
    : repository_(repository),
      blocking_(blocking),
      turn_locks_(turn_locks),
      attachments_(attachments),
      logs_(logs) {}

store::AttachmentSigner ConversationService::signer_for(std::string public_base) {
  return [attachments = &attachments_, base = std::move(public_base)](bj::value& content) {
    attachments->resign_fragments_blocking(content, base);
  };
}

boost::asio::awaitable<store::ConversationPage> ConversationService::list(store::ConversationQuery query) {
  auto* repository = &repository_;
  auto job = [repository, query] { return repository->list_conversations(query); };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<std::optional<std::string>> ConversationService::history_body(
    std::string session_id, store::MessageRange range, std::string public_base) {
  if (!usable_id(session_id)) co_return std::nullopt;
  auto* repository = &repository_;
  // Rows, stored message objects and the serialized body are all made on the blocking pool.
  auto job = [repository, signer = signer_for(std::move(public_base)), session_id, range] {
    return chat::history_body(*repository, signer, session_id, range);
  };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<std::optional<ConversationExport>> ConversationService::export_conversation(
    std::string session_id, ExportFormat format, std::string public_base) {
  if (!usable_id(session_id)) co_return std::nullopt;
  auto* repository = &repository_;
  auto job = [repository, signer = signer_for(std::move(public_base)), session_id,
              format]() -> std::optional<ConversationExport> {
    auto history = load_conversation_history(*repository, signer, session_id, {});
    if (!history) return std::nullopt;
    const auto now = std::chrono::system_clock::now();
    const auto stem = store::export_file_stem(session_id);
    if (format == ExportFormat::markdown) {
      return ConversationExport{
          stem + ".md",
          store::conversation_markdown(history->conversation, history->title, history->messages, now)};
    }
    bj::object body = history_head(*history);
    body["exported_at"] = format_iso_utc_z(now);
    body["messages"] = std::move(history->messages);
    return ConversationExport{stem + ".json", json::serialize(body)};
  };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<std::vector<std::string>> ConversationService::all_session_ids() {
  auto* repository = &repository_;
  auto job = [repository] {
    std::vector<std::string> ids;
    store::ConversationQuery query;
    query.limit = 200;
    for (;;) {
      const auto page = repository->list_conversations(query);
      for (const auto& c : page.conversations) ids.push_back(c.session_id);
      if (page.conversations.empty() || static_cast<std::int64_t>(ids.size()) >= page.total) break;
      query.offset += query.limit;
    }
    return ids;
  };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<Result<bj::object>> ConversationService::import_document(std::string body) {
  auto* repository = &repository_;
  auto job = [repository, body = std::move(body)]() -> Result<bj::object> {
    std::string why;
    if (!json::is_valid_utf8(body)) why = "invalid UTF-8";
    auto document = why.empty() ? json::parse(body, &why) : std::nullopt;
    if (!document) {
      ValidationErrors errors;
      errors.add("json_invalid", loc({"body", 0}), "JSON decode error: " + why);
      return errors.to_error();
    }
    auto read = read_import(*document, std::chrono::system_clock::now());
    if (!read) return read.error();
    auto& plan = *read;
    bj::array imported;
    std::int64_t messages = 0, skipped_messages = 0;
    for (auto& c : plan.conversations) {
      const auto session_id = new_uuid_hex();
      for (auto& m : c.messages) m.session_id = session_id;
      repository->open_turn(session_id, std::nullopt, c.messages);
      if (c.title) repository->set_title(session_id, c.title);
      messages += static_cast<std::int64_t>(c.messages.size());
      skipped_messages += static_cast<std::int64_t>(c.skipped_messages);
      imported.push_back(bj::object{{"index", c.index},
                                    {"session_id", session_id},
                                    {"title", c.title ? bj::value(*c.title) : bj::value(nullptr)},
                                    {"messages", c.messages.size()},
                                    {"skipped_messages", c.skipped_messages}});
    }
    bj::array skipped;
    for (const auto& s : plan.skipped) {
      skipped.push_back(bj::object{{"index", s.index},
                                   {"title", s.title ? bj::value(*s.title) : bj::value(nullptr)},
                                   {"reason", s.reason}});
    }
    return bj::object{{"format", plan.format},
                      {"conversations_imported", imported.size()},
                      {"conversations_skipped", skipped.size()},
                      {"messages_imported", messages},
                      {"messages_skipped", skipped_messages},
                      {"imported", std::move(imported)},
                      {"skipped", std::move(skipped)}};
  };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<std::optional<store::ConversationSummary>> ConversationService::rename(
    std::string session_id, std::optional<std::string> title) {
  if (!usable_id(session_id)) co_return std::nullopt;
  if (title) title = stored_title(*title);
  auto* repository = &repository_;
  auto job = [repository, session_id, title]() -> std::optional<store::ConversationSummary> {
    if (!repository->set_title(session_id, title)) return std::nullopt;
    return repository->conversation_summary(session_id);
  };
  co_return co_await blocking_.run(std::move(job));
}

boost::asio::awaitable<void> ConversationService::remove(std::string session_id) {
  if (!usable_id(session_id)) co_return;
  const auto turn = co_await turn_locks_.acquire(session_id);
  if (logs_) logs_->forget(session_id);  // a session id used again starts a new log
  // The objects go right after the transaction; the reaper only retries those that could not (§2.5).
  co_await attachments_.delete_conversation(std::move(session_id));
}

boost::asio::awaitable<bool> ConversationService::remove_message(std::string session_id,
                                                                 std::string message_ref) {
  if (!usable_id(session_id) || !usable_id(message_ref)) co_return false;
  const auto turn = co_await turn_locks_.acquire(session_id);
  auto* repository = &repository_;
  auto job = [repository, session_id, message_ref] {
    return repository->delete_message_cascade(session_id, message_ref);
  };
  const bool deleted = co_await blocking_.run(std::move(job)) > 0;
  // The next turn's log starts again whole: the day's log shows the conversation without the deleted rows.
  if (deleted && logs_) logs_->forget(session_id);
  co_return deleted;
}

boost::asio::awaitable<bool> ConversationService::store_answers(std::chrono::milliseconds budget) {
  auto* repository = &repository_;
  // Named: g++ 12 miscompiles capturing lambdas built inside a co_await expression.
  std::function<bool()> ping = [repository] { return repository->ping(); };
  co_return co_await answers_within(blocking_, std::move(ping), budget);
}

}  // namespace parley::chat
