// The built-in gmail server (api.md §7.5): Gmail v1 search, messages and threads (plain and HTML bodies
// decoded, headers), batch reads, labels, send and draft (RFC 2822, non-ASCII encoded, replies kept in their
// thread), and attachments: listed, stored in parley's attachment store with a signed URL, or read as text
// through the pdf server's extraction.
#include <boost/json.hpp>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "google/google_tools.hpp"
#include "google/mime_message.hpp"
#include "mcp/builtin/document_text.hpp"
#include "mcp/builtin/text_limits.hpp"
#include "net/http_types.hpp"

namespace parley::google {

namespace {

using mcp::builtin::CallContext;
using mcp::builtin::error_result;
using mcp::builtin::json_result;
using mcp::builtin::Tool;
using Backend = std::shared_ptr<GoogleToolBackend>;

const std::string kPrefix = "gmail";
const std::string kUsers = "/gmail/v1/users/me";
constexpr std::size_t kMaxBodyChars = 40000;
constexpr std::size_t kMaxBatch = 25;
constexpr std::size_t kMaxTextChars = 100000;

struct Attachment {
  std::string attachment_id, filename, mime_type, part_id;
  std::int64_t size = 0;
};

struct MessageParts {
  std::string plain, html;
  std::vector<Attachment> attachments;
};

std::string header(const bj::object& payload, std::string_view name) {
  if (const auto* headers = arr(payload, "headers")) {
    for (const auto& h : *headers) {
      if (!h.is_object()) continue;
      if (net::iequals(str(h.get_object(), "name"), name))
        return decode_header_text(str(h.get_object(), "value"));
    }
  }
  return {};
}

std::int64_t int_member(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

// The charset parameter of a part's Content-Type ("" when it names none).
std::string part_charset(const bj::object& part) {
  const auto type = text::lower(header(part, "Content-Type"));
  const auto at = type.find("charset=");
  if (at == std::string::npos) return {};
  const auto value = type.substr(at + 8);
  return text::trimmed(value.substr(0, value.find(';')), " \t\"");
}

void walk_parts(const bj::object& part, MessageParts& out) {
  const auto mime = text::lower(str(part, "mimeType"));
  const auto filename = str(part, "filename");
  const auto* body = obj(part, "body");
  if (body != nullptr && !filename.empty() && !str(*body, "attachmentId").empty()) {
    out.attachments.push_back(
        {str(*body, "attachmentId"), filename, mime, str(part, "partId"), int_member(*body, "size")});
    return;
  }
  if (body != nullptr && !str(*body, "data").empty()) {
    std::string decoded;
    if (base64url_decode(str(*body, "data"), decoded)) {
      if (mime == "text/plain" || mime == "text/html") decoded = text_in_utf8(decoded, part_charset(part));
      if (mime == "text/plain" && out.plain.empty())
        out.plain = decoded;
      else if (mime == "text/html" && out.html.empty())
        out.html = decoded;
    }
  }
  if (const auto* parts = arr(part, "parts")) {
    for (const auto& p : *parts)
      if (p.is_object()) walk_parts(p.get_object(), out);
  }
}

bj::array attachment_list(const std::vector<Attachment>& attachments) {
  bj::array out;
  for (const auto& a : attachments) {
    out.push_back(bj::object{{"attachment_id", a.attachment_id},
                             {"filename", a.filename},
                             {"mime_type", a.mime_type},
                             {"size_bytes", a.size},
                             {"part_id", a.part_id}});
  }
  return out;
}

bj::object shape_message(const bj::object& m, bool full) {
  bj::object out{{"id", str(m, "id")},
                 {"thread_id", str(m, "threadId")},
                 {"snippet", str(m, "snippet")},
                 {"label_ids", string_list(arr(m, "labelIds"))}};
  const auto* payload = obj(m, "payload");
  if (payload == nullptr) return out;
  bj::object headers;
  for (const char* name :
       {"Subject", "From", "To", "Cc", "Date", "Message-ID", "In-Reply-To", "References"}) {
    if (auto v = header(*payload, name); !v.empty()) headers[name] = v;
  }
  out["subject"] = header(*payload, "Subject");
  out["from"] = header(*payload, "From");
  out["date"] = header(*payload, "Date");
  out["headers"] = std::move(headers);
  if (!full) return out;
  MessageParts parts;
  walk_parts(*payload, parts);
  const bool from_html = parts.plain.empty() && !parts.html.empty();
  auto body = from_html ? html_to_text(parts.html) : parts.plain;
  auto cut = mcp::builtin::cut_to_chars(body, kMaxBodyChars);
  out["body"] = cut.text;
  out["body_format"] = from_html ? "html (converted to text)" : (parts.plain.empty() ? "none" : "plain");
  if (!parts.html.empty()) out["has_html_body"] = true;
  if (cut.truncated) {
    out["note"] = "The body was cut to " + std::to_string(kMaxBodyChars) + " of " +
                  std::to_string(cut.total_chars) + " characters.";
  }
  out["attachments"] = attachment_list(parts.attachments);
  return out;
}

JsonCall get_message(const Backend& b, const std::string& email, const std::string& id,
                     const std::string& format) {
  ApiRequest r{"GET", kUsers + "/messages/" + path_segment(id), {{"format", format}}};
  if (format == "metadata") {
    for (const char* h : {"Subject", "From", "To", "Cc", "Date", "Message-ID"})
      r.query.emplace_back("metadataHeaders", h);
  }
  return call_json(*b, email, r, kPrefix);
}

bj::object search_messages(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto query = args.required_string("query");
  const auto email = resolve_user(args, *b);
  const auto page_size = args.integer("page_size", 10, 1, 100);
  const auto page_token = args.optional_string("page_token");
  if (!args.ok()) return error_result(args.problem());
  ApiRequest r{"GET", kUsers + "/messages", {{"q", query}, {"maxResults", std::to_string(page_size)}}};
  if (page_token) r.query.emplace_back("pageToken", *page_token);
  auto list = call_json(*b, email, r, kPrefix);
  if (!list) return list.error();
  bj::array messages;
  if (const auto* items = arr(*list, "messages")) {
    for (const auto& item : *items) {
      if (!item.is_object()) continue;
      const auto id = str(item.get_object(), "id");
      auto m = get_message(b, email, id, "metadata");
      if (!m) return m.error();
      auto shaped = shape_message(*m, false);
      shaped["web_link"] = "https://mail.google.com/mail/u/0/#all/" + id;
      messages.push_back(std::move(shaped));
    }
  }
  bj::object out{
      {"user_email", email}, {"query", query}, {"count", messages.size()}, {"messages", std::move(messages)}};
  if (auto next = str(*list, "nextPageToken"); !next.empty()) {
    out["next_page_token"] = next;
    out["note"] = "More messages match: call again with page_token, or narrow the query.";
  }
  return json_result(out);
}

bj::object message_content(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("message_id");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  auto m = get_message(b, email, id, "full");
  if (!m) return m.error();
  return json_result(shape_message(*m, true));
}

bj::object messages_batch(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto ids = string_items(args, arguments, "message_ids");
  const auto email = resolve_user(args, *b);
  const auto format = args.choice("format", "full", {"full", "metadata"});
  if (args.ok() && ids.empty()) args.fail("Argument 'message_ids' must name at least one message.");
  if (!args.ok()) return error_result(args.problem());
  bj::array messages;
  for (std::size_t i = 0; i < ids.size() && i < kMaxBatch; ++i) {
    auto m = get_message(b, email, ids[i], format);
    if (!m) {
      messages.push_back(bj::object{{"id", ids[i]},
                                    {"error", m.error().at("content").as_array()[0].as_object().at("text")}});
      continue;
    }
    messages.push_back(shape_message(*m, format == "full"));
  }
  bj::object out{{"user_email", email}, {"count", messages.size()}, {"messages", std::move(messages)}};
  if (ids.size() > kMaxBatch)
    out["note"] = "Only the first " + std::to_string(kMaxBatch) + " of " + std::to_string(ids.size()) +
                  " messages were read; ask for the rest in another call.";
  return json_result(out);
}

bj::object thread_content_of(const Backend& b, const std::string& email, const std::string& thread_id,
                             bool& ok) {
  auto t = call_json(*b, email,
                     ApiRequest{"GET", kUsers + "/threads/" + path_segment(thread_id), {{"format", "full"}}},
                     kPrefix);
  if (!t) {
    ok = false;
    return t.error();
  }
  ok = true;
  bj::array messages;
  if (const auto* items = arr(*t, "messages"))
    for (const auto& m : *items)
      if (m.is_object()) messages.push_back(shape_message(m.get_object(), true));
  return bj::object{
      {"thread_id", thread_id}, {"message_count", messages.size()}, {"messages", std::move(messages)}};
}

bj::object thread_content(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("thread_id");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  bool ok = false;
  auto out = thread_content_of(b, email, id, ok);
  return ok ? json_result(out) : out;
}

bj::object threads_batch(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto ids = string_items(args, arguments, "thread_ids");
  const auto email = resolve_user(args, *b);
  if (args.ok() && ids.empty()) args.fail("Argument 'thread_ids' must name at least one thread.");
  if (!args.ok()) return error_result(args.problem());
  bj::array threads;
  for (std::size_t i = 0; i < ids.size() && i < kMaxBatch; ++i) {
    bool ok = false;
    auto t = thread_content_of(b, email, ids[i], ok);
    if (!ok) {
      threads.push_back(
          bj::object{{"thread_id", ids[i]}, {"error", t.at("content").as_array()[0].as_object().at("text")}});
      continue;
    }
    threads.push_back(std::move(t));
  }
  bj::object out{{"user_email", email}, {"count", threads.size()}, {"threads", std::move(threads)}};
  if (ids.size() > kMaxBatch)
    out["note"] = "Only the first " + std::to_string(kMaxBatch) + " threads were read.";
  return json_result(out);
}

// The message's attachments (from its full form), or the isError result.
std::optional<std::vector<Attachment>> message_attachments(const Backend& b, const std::string& email,
                                                           const std::string& message_id, bj::object& error) {
  auto m = get_message(b, email, message_id, "full");
  if (!m) {
    error = m.error();
    return std::nullopt;
  }
  MessageParts parts;
  if (const auto* payload = obj(*m, "payload")) walk_parts(*payload, parts);
  return parts.attachments;
}

bj::object list_attachments(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("message_id");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  bj::object error;
  auto list = message_attachments(b, email, id, error);
  if (!list) return error;
  return json_result(
      bj::object{{"message_id", id}, {"count", list->size()}, {"attachments", attachment_list(*list)}});
}

// The attachment's bytes.
std::optional<std::string> attachment_bytes(const Backend& b, const std::string& email,
                                            const std::string& message_id, const std::string& attachment_id,
                                            bj::object& error) {
  auto a = call_json(*b, email,
                     ApiRequest{"GET", kUsers + "/messages/" + path_segment(message_id) + "/attachments/" +
                                           path_segment(attachment_id)},
                     kPrefix);
  if (!a) {
    error = a.error();
    return std::nullopt;
  }
  std::string bytes;
  if (!base64url_decode(str(*a, "data"), bytes)) {
    error = error_result("Gmail's attachment data is not base64url; try again later.");
    return std::nullopt;
  }
  return bytes;
}

const Attachment* find_attachment(const std::vector<Attachment>& list, const std::string& id) {
  for (const auto& a : list)
    if (a.attachment_id == id) return &a;
  return nullptr;
}

bj::object download_attachment(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto message_id = args.required_string("message_id");
  const auto attachment_id = args.required_string("attachment_id");
  const auto session_id = args.required_string("session_id");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  if (!b->save_attachment) return error_result("parley's attachment store is not available to this server.");
  bj::object error;
  auto list = message_attachments(b, email, message_id, error);
  if (!list) return error;
  const auto* meta = find_attachment(*list, attachment_id);
  auto bytes = attachment_bytes(b, email, message_id, attachment_id, error);
  if (!bytes) return error;
  const auto filename = meta != nullptr ? meta->filename : "attachment";
  const auto mime =
      meta != nullptr && !meta->mime_type.empty() ? meta->mime_type : "application/octet-stream";
  auto saved = b->save_attachment(session_id, filename, mime, *bytes);
  if (!saved) return error_result("Storing the attachment failed: " + saved.error().message);
  return json_result(bj::object{{"attachment_id", saved.value().attachment_id},
                                {"url", saved.value().url},
                                {"signed_url", saved.value().url},
                                {"filename", filename},
                                {"mime_type", saved.value().mime_type},
                                {"size_bytes", saved.value().size_bytes},
                                {"session_id", session_id},
                                {"message_id", message_id}});
}

bj::object debug_attachment(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto message_id = args.required_string("message_id");
  const auto attachment_id = args.required_string("attachment_id");
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  bj::object error;
  auto list = message_attachments(b, email, message_id, error);
  if (!list) return error;
  const auto* meta = find_attachment(*list, attachment_id);
  auto a = call_json(*b, email,
                     ApiRequest{"GET", kUsers + "/messages/" + path_segment(message_id) + "/attachments/" +
                                           path_segment(attachment_id)},
                     kPrefix);
  if (!a) return a.error();
  const auto data = str(*a, "data");
  std::string decoded;
  const bool decodes = base64url_decode(data, decoded);
  bj::object out{{"message_id", message_id},
                 {"attachment_id", attachment_id},
                 {"found_in_message", meta != nullptr},
                 {"reported_size", int_member(*a, "size")},
                 {"data_length", data.size()},
                 {"decodes", decodes},
                 {"decoded_size", decoded.size()},
                 {"looks_like_pdf", mcp::builtin::looks_like_pdf(decoded)}};
  if (meta != nullptr) {
    out["filename"] = meta->filename;
    out["mime_type"] = meta->mime_type;
    out["part_id"] = meta->part_id;
  }
  return json_result(out);
}

bj::object extract(const Backend& b, const std::string& email, const std::string& message_id,
                   const Attachment& a, bool force_ocr, const CallContext& context) {
  bj::object error;
  auto bytes = attachment_bytes(b, email, message_id, a.attachment_id, error);
  if (!bytes) return error;
  mcp::builtin::ExtractRequest request{*bytes, a.mime_type, a.filename, std::nullopt};
  auto text = mcp::builtin::extract_text(request, context);
  if (!text) return error_result("Cannot read " + a.filename + " as text: " + text.error().message);
  auto cut = mcp::builtin::cut_to_chars(text.value().content, kMaxTextChars);
  bj::array warnings;
  for (const auto& w : text.value().warnings) warnings.emplace_back(w);
  if (force_ocr)
    warnings.emplace_back("force_ocr is not supported: the text layer was extracted without OCR.");
  if (cut.truncated) {
    warnings.emplace_back("The text was cut to " + std::to_string(kMaxTextChars) + " of " +
                          std::to_string(cut.total_chars) + " characters.");
  }
  bj::object out{{"message_id", message_id}, {"attachment_id", a.attachment_id},
                 {"filename", a.filename},   {"mime_type", text.value().mime_type},
                 {"content", cut.text},      {"metadata", text.value().metadata}};
  if (!warnings.empty()) out["warnings"] = std::move(warnings);
  return json_result(out);
}

bj::object read_attachment_text(const Backend& b, const bj::object& arguments, const CallContext& context) {
  ToolArguments args(arguments);
  const auto message_id = args.required_string("message_id");
  args.required_string("session_id");
  const auto attachment_id = args.optional_string("attachment_id");
  const auto contains = args.optional_string("filename_contains");
  const auto prefer = args.optional_string("prefer_mime").value_or("application/pdf");
  const bool force_ocr = args.boolean("force_ocr", false);
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  bj::object error;
  auto list = message_attachments(b, email, message_id, error);
  if (!list) return error;
  if (list->empty()) return error_result("Message " + message_id + " has no attachments.");
  const Attachment* chosen = nullptr;
  if (attachment_id) {
    chosen = find_attachment(*list, *attachment_id);
    if (chosen == nullptr)
      return error_result("Message " + message_id + " has no attachment " + *attachment_id + ".");
  } else {
    std::vector<const Attachment*> candidates;
    for (const auto& a : *list) {
      if (contains && text::lower(a.filename).find(text::lower(*contains)) == std::string::npos) continue;
      candidates.push_back(&a);
    }
    if (candidates.empty())
      return error_result("No attachment of message " + message_id + " has a name containing '" +
                          contains.value_or("") + "'.");
    chosen = candidates.front();
    for (const auto* c : candidates)
      if (c->mime_type == prefer) {
        chosen = c;
        break;
      }
  }
  return extract(b, email, message_id, *chosen, force_ocr, context);
}

bj::object extract_by_id(const Backend& b, const bj::object& arguments, const CallContext& context) {
  ToolArguments args(arguments);
  const auto message_id = args.required_string("message_id");
  const auto attachment_id = args.required_string("attachment_id");
  args.required_string("session_id");
  const bool force_ocr = args.boolean("force_ocr", false);
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  bj::object error;
  auto list = message_attachments(b, email, message_id, error);
  if (!list) return error;
  const auto* meta = find_attachment(*list, attachment_id);
  Attachment a = meta != nullptr ? *meta : Attachment{attachment_id, "attachment", "", "", 0};
  return extract(b, email, message_id, a, force_ocr, context);
}

// The headers that keep a reply in its thread: In-Reply-To/References from the thread's last message when the
// caller named only the thread.
void fill_reply_headers(const Backend& b, const std::string& email, const std::string& thread_id,
                        OutgoingMessage& m) {
  if (thread_id.empty() || !m.in_reply_to.empty()) {
    if (!m.in_reply_to.empty() && m.references.empty()) m.references = m.in_reply_to;
    return;
  }
  ApiRequest r{"GET",
               kUsers + "/threads/" + path_segment(thread_id),
               {{"format", "metadata"},
                {"metadataHeaders", "Message-ID"},
                {"metadataHeaders", "References"},
                {"metadataHeaders", "Subject"}}};
  auto t = call_json(*b, email, r, kPrefix);
  if (!t) return;
  const auto* messages = arr(*t, "messages");
  if (messages == nullptr || messages->empty() || !messages->back().is_object()) return;
  const auto* payload = obj(messages->back().get_object(), "payload");
  if (payload == nullptr) return;
  m.in_reply_to = header(*payload, "Message-ID");
  const auto refs = header(*payload, "References");
  m.references = refs.empty() ? m.in_reply_to : refs + " " + m.in_reply_to;
}

std::optional<OutgoingMessage> read_outgoing(const Backend& b, ToolArguments& args,
                                             const bj::object& arguments, const std::string& email,
                                             std::string& thread_id, bool to_required) {
  OutgoingMessage m;
  m.to = to_required ? args.required_string("to") : args.optional_string("to").value_or("");
  m.subject = args.required_string("subject");
  m.body = args.required_string("body");
  m.html = args.choice("body_format", "plain", {"plain", "html"}) == "html";
  m.cc = args.optional_string("cc").value_or("");
  m.bcc = args.optional_string("bcc").value_or("");
  thread_id = args.optional_string("thread_id").value_or("");
  m.in_reply_to = args.optional_string("in_reply_to").value_or("");
  m.references = args.optional_string("references").value_or("");
  (void)arguments;
  if (!args.ok()) return std::nullopt;
  fill_reply_headers(b, email, thread_id, m);
  if (!m.in_reply_to.empty() && text::lower(m.subject).rfind("re:", 0) != 0) m.subject = "Re: " + m.subject;
  return m;
}

bj::object send_message(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  std::string thread_id;
  auto m = read_outgoing(b, args, arguments, email, thread_id, true);
  if (!m) return error_result(args.problem());
  bj::object body{{"raw", base64url_encode(build_message(*m))}};
  if (!thread_id.empty()) body["threadId"] = thread_id;
  auto sent = call_json(
      *b, email, ApiRequest{"POST", kUsers + "/messages/send", {}, json::serialize(body), "application/json"},
      kPrefix);
  if (!sent) return sent.error();
  return json_result(bj::object{{"sent", true},
                                {"message_id", str(*sent, "id")},
                                {"thread_id", str(*sent, "threadId")},
                                {"to", m->to},
                                {"subject", m->subject}});
}

bj::object draft_message(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  std::string thread_id;
  auto m = read_outgoing(b, args, arguments, email, thread_id, false);
  if (!m) return error_result(args.problem());
  bj::object message{{"raw", base64url_encode(build_message(*m))}};
  if (!thread_id.empty()) message["threadId"] = thread_id;
  bj::object body{{"message", std::move(message)}};
  auto draft = call_json(
      *b, email, ApiRequest{"POST", kUsers + "/drafts", {}, json::serialize(body), "application/json"},
      kPrefix);
  if (!draft) return draft.error();
  bj::object out{{"drafted", true}, {"draft_id", str(*draft, "id")}, {"subject", m->subject}};
  if (const auto* msg = obj(*draft, "message")) {
    out["message_id"] = str(*msg, "id");
    out["thread_id"] = str(*msg, "threadId");
  }
  return json_result(out);
}

bj::object shape_label(const bj::object& l) {
  bj::object out{{"id", str(l, "id")}, {"name", str(l, "name")}, {"type", str(l, "type")}};
  if (auto v = str(l, "labelListVisibility"); !v.empty()) out["label_list_visibility"] = v;
  if (auto v = str(l, "messageListVisibility"); !v.empty()) out["message_list_visibility"] = v;
  return out;
}

bj::object list_labels(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  if (!args.ok()) return error_result(args.problem());
  auto answer = call_json(*b, email, ApiRequest{"GET", kUsers + "/labels"}, kPrefix);
  if (!answer) return answer.error();
  bj::array labels;
  if (const auto* items = arr(*answer, "labels"))
    for (const auto& l : *items)
      if (l.is_object()) labels.push_back(shape_label(l.get_object()));
  return json_result(
      bj::object{{"user_email", email}, {"count", labels.size()}, {"labels", std::move(labels)}});
}

bj::object manage_label(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto action = args.choice("action", "", {"create", "update", "delete"});
  if (args.ok() && !args.has("action")) args.fail("Argument 'action' is required: create, update or delete.");
  const auto email = resolve_user(args, *b);
  const auto name = args.optional_string("name");
  const auto label_id = args.optional_string("label_id");
  const auto list_visibility =
      args.choice("label_list_visibility", "labelShow", {"labelShow", "labelHide", "labelShowIfUnread"});
  const auto message_visibility = args.choice("message_list_visibility", "show", {"show", "hide"});
  if (args.ok() && action == "create" && !name) args.fail("Creating a label needs 'name'.");
  if (args.ok() && action != "create" && !label_id)
    args.fail("Argument 'label_id' is required to " + action + " a label.");
  if (!args.ok()) return error_result(args.problem());
  if (action == "delete") {
    auto answer =
        call_json(*b, email, ApiRequest{"DELETE", kUsers + "/labels/" + path_segment(*label_id)}, kPrefix);
    if (!answer) return answer.error();
    return json_result(bj::object{{"deleted", true}, {"label_id", *label_id}});
  }
  bj::object body{{"labelListVisibility", list_visibility}, {"messageListVisibility", message_visibility}};
  if (name) body["name"] = *name;
  ApiRequest r = action == "create"
                     ? ApiRequest{"POST", kUsers + "/labels", {}, json::serialize(body), "application/json"}
                     : ApiRequest{"PATCH",
                                  kUsers + "/labels/" + path_segment(*label_id),
                                  {},
                                  json::serialize(body),
                                  "application/json"};
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(
      bj::object{{action == "create" ? "created" : "updated", true}, {"label", shape_label(*answer)}});
}

bj::array id_array(const std::vector<std::string>& ids) {
  bj::array out;
  for (const auto& id : ids) out.emplace_back(id);
  return out;
}

bj::object modify_labels(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto id = args.required_string("message_id");
  const auto add = string_items(args, arguments, "add_label_ids");
  const auto remove = string_items(args, arguments, "remove_label_ids");
  const auto email = resolve_user(args, *b);
  if (args.ok() && add.empty() && remove.empty()) args.fail("Give add_label_ids or remove_label_ids.");
  if (!args.ok()) return error_result(args.problem());
  bj::object body{{"addLabelIds", id_array(add)}, {"removeLabelIds", id_array(remove)}};
  auto answer = call_json(*b, email,
                          ApiRequest{"POST",
                                     kUsers + "/messages/" + path_segment(id) + "/modify",
                                     {},
                                     json::serialize(body),
                                     "application/json"},
                          kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"message_id", id}, {"label_ids", string_list(arr(*answer, "labelIds"))}});
}

bj::object batch_modify_labels(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto ids = string_items(args, arguments, "message_ids");
  const auto add = string_items(args, arguments, "add_label_ids");
  const auto remove = string_items(args, arguments, "remove_label_ids");
  const auto email = resolve_user(args, *b);
  if (args.ok() && ids.empty()) args.fail("Argument 'message_ids' must name at least one message.");
  if (args.ok() && ids.size() > 1000) args.fail("At most 1000 messages per call.");
  if (args.ok() && add.empty() && remove.empty()) args.fail("Give add_label_ids or remove_label_ids.");
  if (!args.ok()) return error_result(args.problem());
  bj::object body{
      {"ids", id_array(ids)}, {"addLabelIds", id_array(add)}, {"removeLabelIds", id_array(remove)}};
  auto answer = call_json(
      *b, email,
      ApiRequest{"POST", kUsers + "/messages/batchModify", {}, json::serialize(body), "application/json"},
      kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"modified", ids.size()}, {"message_ids", id_array(ids)}});
}

template <bj::object (*fn)(const Backend&, const bj::object&)>
mcp::builtin::ToolHandler bind(const Backend& b) {
  return [b](const bj::object& a, const CallContext&) { return fn(b, a); };
}
template <bj::object (*fn)(const Backend&, const bj::object&, const CallContext&)>
mcp::builtin::ToolHandler bind_ctx(const Backend& b) {
  return [b](const bj::object& a, const CallContext& c) { return fn(b, a, c); };
}

const Param kUser{"user_email", "string",
                  "The Google account's email address (default: GOOGLE_DEFAULT_USER_EMAIL)"};
const Param kMessage{"message_id", "string", "Gmail message id"};
const Param kSession{"session_id", "string", "The chat session the file belongs to"};

std::vector<Param> outgoing_params() {
  return {kUser,
          {"to", "string", "Recipients, comma-separated"},
          {"subject", "string", "Subject"},
          {"body", "string", "Body"},
          {"body_format", "string", "plain or html", {"plain", "html"}},
          {"cc", "string", "Cc recipients"},
          {"bcc", "string", "Bcc recipients"},
          {"thread_id", "string", "Reply in this thread"},
          {"in_reply_to", "string", "Message-ID replied to"},
          {"references", "string", "Message-IDs of the thread"}};
}

}  // namespace

mcp::builtin::StdioServer make_gmail_server(GoogleToolBackend backend_value) {
  auto b = std::make_shared<GoogleToolBackend>(std::move(backend_value));
  std::vector<Tool> tools;
  add_auth_tools(tools, kPrefix, b);
  tools.push_back({"search_gmail_messages",
                   "Search messages with Gmail's search syntax (from:, subject:, newer_than:, ...).",
                   object_schema({{"query", "string", "Gmail search query"},
                                  kUser,
                                  {"page_size", "integer", "At most this many (default 10)"},
                                  {"page_token", "string", "Page token of a previous answer"}},
                                 {"query"}),
                   bind<search_messages>(b)});
  tools.push_back({"get_gmail_message_content", "One message: headers, body as text, attachments.",
                   object_schema({kMessage, kUser}, {"message_id"}), bind<message_content>(b)});
  tools.push_back({"list_gmail_message_attachments", "The attachments of a message.",
                   object_schema({kMessage, kUser}, {"message_id"}), bind<list_attachments>(b)});
  tools.push_back(
      {"download_gmail_attachment",
       "Store an attachment as a file of the chat session; returns its attachment id and a signed URL.",
       object_schema({kMessage, {"attachment_id", "string", "Attachment id"}, kSession, kUser},
                     {"message_id", "attachment_id", "session_id"}),
       bind<download_attachment>(b)});
  tools.push_back({"debug_gmail_attachment_metadata",
                   "What Gmail reports about an attachment (sizes, type, decoding).",
                   object_schema({kMessage, {"attachment_id", "string", "Attachment id"}, kUser},
                                 {"message_id", "attachment_id"}),
                   bind<debug_attachment>(b)});
  tools.push_back(
      {"read_gmail_attachment_text",
       "Read an attachment as text (PDF text, or UTF-8 text); picks by id, name or preferred type.",
       object_schema({kMessage,
                      kSession,
                      {"attachment_id", "string", "Attachment id"},
                      {"filename_contains", "string", "Pick the attachment whose name contains this"},
                      {"prefer_mime", "string", "Preferred type (default application/pdf)"},
                      {"force_ocr", "boolean", "Accepted; no OCR is done"},
                      kUser},
                     {"message_id", "session_id"}),
       bind_ctx<read_attachment_text>(b)});
  tools.push_back({"extract_gmail_attachment_by_id", "Read one attachment as text.",
                   object_schema({kMessage,
                                  {"attachment_id", "string", "Attachment id"},
                                  kSession,
                                  {"force_ocr", "boolean", "Accepted; no OCR is done"},
                                  kUser},
                                 {"message_id", "attachment_id", "session_id"}),
                   bind_ctx<extract_by_id>(b)});
  tools.push_back({"get_gmail_messages_content_batch", "Several messages at once (at most 25).",
                   object_schema({{"message_ids", "string[]", "Message ids"},
                                  kUser,
                                  {"format", "string", "full or metadata", {"full", "metadata"}}},
                                 {"message_ids"}),
                   bind<messages_batch>(b)});
  tools.push_back({"send_gmail_message",
                   "Send an email; with thread_id (and in_reply_to) it is a reply in that thread.",
                   object_schema(outgoing_params(), {"to", "subject", "body"}), bind<send_message>(b)});
  tools.push_back({"draft_gmail_message", "Save an email as a draft.",
                   object_schema(outgoing_params(), {"subject", "body"}), bind<draft_message>(b)});
  tools.push_back({"get_gmail_thread_content", "Every message of a thread.",
                   object_schema({{"thread_id", "string", "Thread id"}, kUser}, {"thread_id"}),
                   bind<thread_content>(b)});
  tools.push_back({"get_gmail_threads_content_batch", "Several threads at once (at most 25).",
                   object_schema({{"thread_ids", "string[]", "Thread ids"}, kUser}, {"thread_ids"}),
                   bind<threads_batch>(b)});
  tools.push_back(
      {"list_gmail_labels", "The account's labels.", object_schema({kUser}, {}), bind<list_labels>(b)});
  tools.push_back(
      {"manage_gmail_label", "Create, update or delete a label.",
       object_schema({{"action", "string", "What to do", {"create", "update", "delete"}},
                      kUser,
                      {"name", "string", "Label name"},
                      {"label_id", "string", "Label id (update, delete)"},
                      {"label_list_visibility", "string", "In the label list", {"labelShow", "labelHide"}},
                      {"message_list_visibility", "string", "In the message list", {"show", "hide"}}},
                     {"action"}),
       bind<manage_label>(b)});
  tools.push_back({"modify_gmail_message_labels",
                   "Add or remove labels of a message (e.g. remove INBOX to archive).",
                   object_schema({kMessage,
                                  {"add_label_ids", "string[]", "Label ids to add"},
                                  {"remove_label_ids", "string[]", "Label ids to remove"},
                                  kUser},
                                 {"message_id"}),
                   bind<modify_labels>(b)});
  tools.push_back({"batch_modify_gmail_message_labels", "Add or remove labels of many messages.",
                   object_schema({{"message_ids", "string[]", "Message ids"},
                                  {"add_label_ids", "string[]", "Label ids to add"},
                                  {"remove_label_ids", "string[]", "Label ids to remove"},
                                  kUser},
                                 {"message_ids"}),
                   bind<batch_modify_labels>(b)});
  return mcp::builtin::StdioServer(
      mcp::builtin::ServerInfo{"parley-gmail", PARLEY_VERSION, "Gmail of the user's Google account."},
      std::move(tools));
}

}  // namespace parley::google
