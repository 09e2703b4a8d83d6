#include "api/conversations.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "api/public_base.hpp"
#include "api/responses.hpp"
#include "chat/conversation_service.hpp"
#include "chat/conversation_title.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "store/stored_message_object.hpp"

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

// The bundle of §8.9, written one conversation at a time: the head, each conversation's §8.4 JSON export, the
// tail. Only one conversation's export is in memory at once, however many there are.
boost::asio::awaitable<void> stream_bundle(chat::ConversationService* service, std::vector<std::string> ids,
                                           std::string public_base, std::string exported_at,
                                           net::SseSink& sink) {
  bj::object head{{"format", "parley.conversations"}, {"version", 1}, {"exported_at", exported_at}};
  auto text = json::serialize(head);
  text.pop_back();  // the closing brace: the list follows
  if (!co_await sink.send(text + ",\"conversations\":[")) co_return;
  bool first = true;
  for (auto& id : ids) {
    if (sink.client_gone()) co_return;
    auto document =
        co_await service->export_conversation(std::move(id), chat::ExportFormat::json, public_base);
    if (!document) continue;  // deleted while the export ran
    std::string piece = first ? std::string() : std::string(",");
    piece += document->body;
    first = false;
    if (!co_await sink.send(std::move(piece))) co_return;
  }
  co_await sink.send("]}");
}

net::Response session_not_found() {
  return error_response(404, "Session not found");
}

// PATCH's body: {"title": string|null}, nothing else; the string within §8.3's rules.
Result<std::optional<std::string>> parse_title_body(const bj::value& body) {
  ValidationErrors errors;
  if (!body.is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
    return errors.to_error();
  }
  for (const auto& kv : body.get_object()) {
    if (kv.key() != "title")
      errors.add("extra_forbidden", loc({"body", kv.key()}), "Extra inputs are not permitted");
  }
  std::optional<std::string> title;
  const auto* value = body.get_object().if_contains("title");
  if (!value) {
    errors.add("missing", loc({"body", "title"}), "Field required");
  } else if (value->is_string()) {
    const auto problem = chat::title_problem(value->get_string());
    if (problem == chat::TitleProblem::control_characters) {
      errors.add("value_error", loc({"body", "title"}),
                 "Value error, the title must not contain control characters");
    } else if (problem == chat::TitleProblem::too_long) {
      errors.add("string_too_long", loc({"body", "title"}), "String should have at most 200 characters");
    } else {
      title = std::string(value->get_string());  // the service trims it
    }
  } else if (!value->is_null()) {
    errors.add("string_type", loc({"body", "title"}), "Input should be a valid string");
  }
  if (!errors.empty()) return errors.to_error();
  return title;
}

}  // namespace

boost::asio::awaitable<net::Response> delete_session(ConversationRoutes& ctx, net::Request& req) {
  co_await ctx.conversations.remove(req.path_params["session_id"]);
  co_return net::Response::no_content();
}

boost::asio::awaitable<net::Response> delete_session_message(ConversationRoutes& ctx, net::Request& req) {
  const bool deleted = co_await ctx.conversations.remove_message(req.path_params["session_id"],
                                                                 req.path_params["message_ref"]);
  if (!deleted) co_return error_response(404, "Message not found");
  co_return net::Response::no_content();
}

boost::asio::awaitable<net::Response> get_conversations(ConversationRoutes& ctx, net::Request& req) {
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
  const auto page = co_await ctx.conversations.list(query);
  bj::array conversations;
  for (const auto& s : page.conversations) conversations.push_back(store::conversation_summary_object(s));
  co_return json_response(200, bj::object{{"conversations", std::move(conversations)},
                                          {"total", page.total},
                                          {"limit", query.limit},
                                          {"offset", query.offset}});
}

boost::asio::awaitable<net::Response> get_session_messages(ConversationRoutes& ctx, net::Request& req) {
  ValidationErrors errors;
  store::MessageRange range;
  range.after_id = integer_query(req, "after_id", INT64_MIN, INT64_MAX, errors);
  if (auto limit = integer_query(req, "limit", 1, 10000, errors)) range.limit = static_cast<int>(*limit);
  if (!errors.empty()) co_return error_response(errors.to_error());
  auto body = co_await ctx.conversations.history_body(req.path_params["session_id"], range,
                                                      public_base(ctx.config, req));
  if (!body) co_return session_not_found();
  co_return net::Response::json(200, std::move(*body));
}

boost::asio::awaitable<net::Response> patch_session(ConversationRoutes& ctx, net::Request& req) {
  auto body = parse_json_body(req);
  if (!body) co_return error_response(body.error());
  auto title = parse_title_body(*body);
  if (!title) co_return error_response(title.error());
  const auto summary = co_await ctx.conversations.rename(req.path_params["session_id"], std::move(*title));
  if (!summary) co_return session_not_found();
  co_return json_response(200, store::conversation_summary_object(*summary));
}

boost::asio::awaitable<net::Response> get_session_export(ConversationRoutes& ctx, net::Request& req) {
  const auto format = req.query_param("format").value_or("json");
  if (format != "json" && format != "markdown") {
    ValidationErrors errors;
    errors.add("literal_error", loc({"query", "format"}), "Input should be 'json' or 'markdown'",
               bj::value(format));
    co_return error_response(errors.to_error());
  }
  const bool markdown = format == "markdown";
  const auto kind = markdown ? chat::ExportFormat::markdown : chat::ExportFormat::json;
  auto document = co_await ctx.conversations.export_conversation(req.path_params["session_id"], kind,
                                                                 public_base(ctx.config, req));
  if (!document) co_return session_not_found();
  auto res = markdown ? net::Response{} : net::Response::json(200, std::move(document->body));
  if (markdown) {
    res.status = 200;
    res.headers.set("Content-Type", "text/markdown; charset=utf-8");
    res.body = std::move(document->body);
  }
  res.headers.set("Content-Disposition", "attachment; filename=\"" + document->file_name + "\"");
  co_return res;
}

boost::asio::awaitable<net::Response> get_export_all(ConversationRoutes& ctx, net::Request& req) {
  const auto format = req.query_param("format").value_or("json");
  if (format != "json") {
    ValidationErrors errors;
    errors.add("literal_error", loc({"query", "format"}), "Input should be 'json'", bj::value(format));
    co_return error_response(errors.to_error());
  }
  auto ids = co_await ctx.conversations.all_session_ids();
  const auto now = std::chrono::system_clock::now();
  net::Response res;
  res.headers.set("Content-Type", "application/json");
  res.headers.set("Content-Disposition",
                  "attachment; filename=\"parley-conversations-" + compact_utc(now) + ".json\"");
  res.sse_keepalive = false;  // a JSON document: no comment lines between its pieces
  res.sse = [service = &ctx.conversations, ids = std::move(ids), base = public_base(ctx.config, req),
             exported_at = format_iso_utc_z(now)](net::SseSink& sink) mutable {
    return stream_bundle(service, std::move(ids), std::move(base), std::move(exported_at), sink);
  };
  co_return res;
}

boost::asio::awaitable<net::Response> post_import(ConversationRoutes& ctx, net::Request& req) {
  if (auto problem = json_content_type_problem(req)) co_return error_response(*problem);
  auto summary = co_await ctx.conversations.import_document(std::move(req.body));
  if (!summary) co_return error_response(summary.error());
  co_return json_response(200, *summary);
}

}  // namespace parley::api
