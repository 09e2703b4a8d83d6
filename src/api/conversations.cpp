#include "api/conversations.hpp"
#include "api/uploads.hpp"

#include <boost/json.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <charconv>

#include "api/responses.hpp"
#include "blob/attachment_service.hpp"
#include "chat/chat_orchestrator.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "store/conversation_markdown.hpp"

namespace parley::api {

namespace bj = boost::json;

namespace {

// An integer query parameter within [min, max]; problems go to `errors` with the spec's item types.
std::optional<std::int64_t> integer_query(const net::Request& req, const char* name, std::int64_t min,
                                          std::int64_t max, ValidationErrors& errors) {
  const auto raw = req.query_param(name);
  if (!raw) return std::nullopt;
  std::int64_t value = 0;
  const auto* end = raw->data() + raw->size();
  auto [ptr, ec] = std::from_chars(raw->data(), end, value);
  if (raw->empty() || ec != std::errc() || ptr != end) {
    errors.add("int_parsing", loc({"query", name}),
               "Input should be a valid integer, unable to parse string as an integer", bj::value(*raw));
    return std::nullopt;
  }
  if (value < min) {
    errors.add("greater_than_equal", loc({"query", name}),
               "Input should be greater than or equal to " + std::to_string(min), bj::value(value));
    return std::nullopt;
  }
  if (value > max) {
    errors.add("less_than_equal", loc({"query", name}),
               "Input should be less than or equal to " + std::to_string(max), bj::value(value));
    return std::nullopt;
  }
  return value;
}

net::Response store_unavailable() {
  return error_response(503, "The history store is not open");
}
net::Response session_not_found() {
  return error_response(404, "Session not found");
}

// Ids that are not valid UTF-8 cannot name a stored session (and PostgreSQL would refuse them as text).
bool usable_id(const std::string& id) {
  return json::is_valid_utf8(id);
}

// Waits for a running turn of the session to finish storing its rows (§2.5, §2.6, §3.2 step 1).
boost::asio::awaitable<std::optional<chat::SessionTurnLocks::Guard>> wait_for_turn(ApiContext& ctx,
                                                                                   std::string session_id) {
  std::optional<chat::SessionTurnLocks::Guard> guard;
  if (ctx.chat) guard.emplace(co_await ctx.chat->locks().acquire(std::move(session_id)));
  co_return guard;
}

}  // namespace

std::optional<History> load_history(store::Repository* repo, const store::AttachmentSigner& signer,
                                    const std::string& session_id, const store::MessageRange& range) {
  auto conversation = repo->find_conversation(session_id);
  if (!conversation) return std::nullopt;
  // The objects live in one arena, released at once with the array (export of a long history).
  History h{*conversation, std::nullopt, bj::array(bj::make_shared_resource<bj::monotonic_resource>())};
  const auto summary = repo->conversation_summary(session_id);
  if (summary) h.title = summary->title;
  auto messages = repo->load_messages(session_id, range);
  h.messages.reserve(messages.size());
  for (auto& m : messages) {
    h.messages.push_back(store::stored_message_object(std::move(m), signer, h.messages.storage()));
    m = {};  // the row's copy is no longer needed
  }
  return h;
}

bj::object history_object(History& h) {
  // In the messages' storage, so that moving them in below moves instead of copying.
  bj::object out(6, h.messages.storage());
  out.emplace("session_id", h.conversation.session_id);
  out.emplace("title", h.title ? bj::value(*h.title) : bj::value(nullptr));
  out.emplace("created_at", format_iso_utc_z(h.conversation.created_at));
  out.emplace("updated_at", format_iso_utc_z(h.conversation.updated_at));
  return out;
}

std::optional<std::string> session_messages_body(store::Repository* repo,
                                                 const store::AttachmentSigner& signer,
                                                 const std::string& session_id,
                                                 const store::MessageRange& range) {
  auto conversation = repo->find_conversation(session_id);
  if (!conversation) return std::nullopt;
  History h{*conversation, std::nullopt, {}};
  if (const auto summary = repo->conversation_summary(session_id)) h.title = summary->title;
  auto messages = repo->load_messages(session_id, range);
  // Each stored message object is built in a small arena, appended to the body and dropped, instead of
  // holding an array of all of them (a history of 10,000 rows made some 300,000 allocations and frees).
  std::size_t size = 256;  // a first guess of the body's size, so it is not copied as it grows
  for (const auto& m : messages) {
    const auto* text = m.content.if_string();
    size += 420 + (text ? text->size() + text->size() / 8 : 400);
  }
  std::string out;
  out.reserve(size);
  json::serialize_append(bj::value(history_object(h)), out);
  out.pop_back();  // the head object's '}'
  out += R"(,"messages":[)";
  alignas(std::max_align_t) unsigned char buffer[16384];
  bj::monotonic_resource arena(buffer, sizeof buffer);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i) out += ',';
    {
      const bj::value object(
          store::stored_message_object(std::move(messages[i]), signer, bj::storage_ptr(&arena)));
      json::serialize_append(object, out);
    }
    messages[i] = {};
    arena.release();
  }
  out += "]}";
  return out;
}

boost::asio::awaitable<net::Response> delete_session(ApiContext& ctx, net::Request& req) {
  if (!ctx.history) co_return store_unavailable();
  auto session_id = req.path_params["session_id"];
  if (!usable_id(session_id)) co_return net::Response::no_content();
  auto guard = co_await wait_for_turn(ctx, session_id);
  if (ctx.attachments) {
    // The objects go right after the transaction; the reaper only retries those that could not (§2.5).
    co_await ctx.attachments->delete_conversation(session_id);
    co_return net::Response::no_content();
  }
  auto* repo = ctx.history;
  auto job = [repo, session_id] { return repo->delete_conversation(session_id).size(); };
  co_await ctx.blocking.run(std::move(job));
  co_return net::Response::no_content();
}

boost::asio::awaitable<net::Response> delete_session_message(ApiContext& ctx, net::Request& req) {
  if (!ctx.history) co_return store_unavailable();
  auto session_id = req.path_params["session_id"];
  auto message_ref = req.path_params["message_ref"];
  if (!usable_id(session_id) || !usable_id(message_ref)) co_return error_response(404, "Message not found");
  auto guard = co_await wait_for_turn(ctx, session_id);
  auto* repo = ctx.history;
  auto job = [repo, session_id, message_ref] {
    return repo->delete_message_cascade(session_id, message_ref);
  };
  const int deleted = co_await ctx.blocking.run(std::move(job));
  if (deleted == 0) co_return error_response(404, "Message not found");
  co_return net::Response::no_content();
}

boost::asio::awaitable<net::Response> get_conversations(ApiContext& ctx, net::Request& req) {
  if (!ctx.history) co_return store_unavailable();
  ValidationErrors errors;
  store::ConversationQuery query;
  if (auto limit = integer_query(req, "limit", 1, 200, errors)) query.limit = static_cast<int>(*limit);
  if (auto offset = integer_query(req, "offset", 0, INT32_MAX, errors))
    query.offset = static_cast<int>(*offset);
  if (auto q = req.query_param("q")) {
    if (!json::is_valid_utf8(*q)) {
      errors.add("string_unicode", loc({"query", "q"}), "Input should be a valid string: invalid UTF-8");
    } else if (q->empty()) {
      errors.add("string_too_short", loc({"query", "q"}), "String should have at least 1 character",
                 bj::value(*q));
    } else if (text::utf8_length(*q) > 500) {
      errors.add("string_too_long", loc({"query", "q"}), "String should have at most 500 characters");
    } else {
      query.text = *q;
    }
  }
  if (!errors.empty()) co_return error_response(errors.to_error());
  auto* repo = ctx.history;
  auto job = [repo, query] { return repo->list_conversations(query); };
  const auto page = co_await ctx.blocking.run(std::move(job));
  bj::array conversations;
  for (const auto& s : page.conversations) conversations.push_back(store::conversation_summary_object(s));
  co_return json_response(200, bj::object{{"conversations", std::move(conversations)},
                                          {"total", page.total},
                                          {"limit", query.limit},
                                          {"offset", query.offset}});
}

boost::asio::awaitable<net::Response> get_session_messages(ApiContext& ctx, net::Request& req) {
  if (!ctx.history) co_return store_unavailable();
  ValidationErrors errors;
  store::MessageRange range;
  range.after_id = integer_query(req, "after_id", INT64_MIN, INT64_MAX, errors);
  if (auto limit = integer_query(req, "limit", 1, 10000, errors)) range.limit = static_cast<int>(*limit);
  if (!errors.empty()) co_return error_response(errors.to_error());
  auto session_id = req.path_params["session_id"];
  if (!usable_id(session_id)) co_return session_not_found();
  auto* repo = ctx.history;
  auto signer = ctx.attachment_signer_for ? ctx.attachment_signer_for(public_base(ctx, req))
                                          : store::AttachmentSigner{};
  // Rows, stored message objects and the serialized body are all made on the blocking pool.
  auto job = [repo, signer, session_id, range] {
    return session_messages_body(repo, signer, session_id, range);
  };
  auto body = co_await ctx.blocking.run(std::move(job));
  if (!body) co_return session_not_found();
  co_return net::Response::json(200, std::move(*body));
}

boost::asio::awaitable<net::Response> patch_session(ApiContext& ctx, net::Request& req) {
  if (!ctx.history) co_return store_unavailable();
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  ValidationErrors errors;
  std::optional<std::string> title;
  if (!body->is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
  } else {
    for (const auto& kv : body->as_object()) {
      if (kv.key() != "title")
        errors.add("extra_forbidden", loc({"body", kv.key()}), "Extra inputs are not permitted");
    }
    const auto* value = body->as_object().if_contains("title");
    if (!value) {
      errors.add("missing", loc({"body", "title"}), "Field required");
    } else if (value->is_string()) {
      std::string_view text = value->get_string();
      while (!text.empty() &&
             (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' || text.front() == '\r'))
        text.remove_prefix(1);
      while (!text.empty() &&
             (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
      bool control = false;
      for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        // C0 controls, DEL, and C1 controls (U+0080..U+009F, encoded as C2 80..C2 9F).
        if (c < 0x20 || c == 0x7F ||
            (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0))
          control = true;
      }
      if (control) {
        errors.add("value_error", loc({"body", "title"}),
                   "Value error, the title must not contain control characters");
      } else if (text::utf8_length(text) > 200) {
        errors.add("string_too_long", loc({"body", "title"}), "String should have at most 200 characters");
      } else if (!text.empty()) {
        title = std::string(text);
      }
    } else if (!value->is_null()) {
      errors.add("string_type", loc({"body", "title"}), "Input should be a valid string");
    }
  }
  if (!errors.empty()) co_return error_response(errors.to_error());
  auto session_id = req.path_params["session_id"];
  if (!usable_id(session_id)) co_return session_not_found();
  auto* repo = ctx.history;
  auto job = [repo, session_id, title]() -> std::optional<store::ConversationSummary> {
    if (!repo->set_title(session_id, title)) return std::nullopt;
    return repo->conversation_summary(session_id);
  };
  const auto summary = co_await ctx.blocking.run(std::move(job));
  if (!summary) co_return session_not_found();
  co_return json_response(200, store::conversation_summary_object(*summary));
}

boost::asio::awaitable<net::Response> get_session_export(ApiContext& ctx, net::Request& req) {
  if (!ctx.history) co_return store_unavailable();
  const auto format = req.query_param("format").value_or("json");
  if (format != "json" && format != "markdown") {
    ValidationErrors errors;
    errors.add("literal_error", loc({"query", "format"}), "Input should be 'json' or 'markdown'",
               bj::value(format));
    co_return error_response(errors.to_error());
  }
  auto session_id = req.path_params["session_id"];
  if (!usable_id(session_id)) co_return session_not_found();
  auto* repo = ctx.history;
  auto signer = ctx.attachment_signer_for ? ctx.attachment_signer_for(public_base(ctx, req))
                                          : store::AttachmentSigner{};
  auto job = [repo, signer, session_id] { return load_history(repo, signer, session_id, {}); };
  auto history = co_await ctx.blocking.run(std::move(job));
  if (!history) co_return session_not_found();
  const auto now = std::chrono::system_clock::now();
  const auto stem = store::export_file_stem(session_id);
  net::Response res;
  if (format == "json") {
    bj::value body = history_object(*history);
    body.as_object()["exported_at"] = format_iso_utc_z(now);
    body.as_object()["messages"] = std::move(history->messages);
    res = json_response(200, body);
    res.headers.set("Content-Disposition", "attachment; filename=\"" + stem + ".json\"");
  } else {
    res.status = 200;
    res.headers.set("Content-Type", "text/markdown; charset=utf-8");
    res.headers.set("Content-Disposition", "attachment; filename=\"" + stem + ".md\"");
    res.body = store::conversation_markdown(history->conversation, history->title, history->messages, now);
  }
  co_return res;
}

}  // namespace parley::api
