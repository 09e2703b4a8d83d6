// The built-in calendar server (api.md §7.5): Google Calendar v3 events and calendars, and Google Tasks v1,
// with times in the display time zone (PARLEY_TIMEZONE), all-day events, recurring events expanded into their
// instances, and attendees.
#include <boost/json.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "google/google_tools.hpp"

namespace parley::google {

namespace {

using mcp::builtin::CallContext;
using mcp::builtin::error_result;
using mcp::builtin::json_result;
using mcp::builtin::Tool;
using Backend = std::shared_ptr<GoogleToolBackend>;

const std::string kPrefix = "calendar";

std::string calendar_path(const std::string& calendar_id) {
  return "/calendar/v3/calendars/" + path_segment(calendar_id.empty() ? "primary" : calendar_id);
}

bj::object event_time(const bj::object* t) {
  if (t == nullptr) return {};
  bj::object out;
  if (auto d = str(*t, "date"); !d.empty()) {
    out["date"] = d;
  } else {
    out["date_time"] = display_time(str(*t, "dateTime"));
    if (auto z = str(*t, "timeZone"); !z.empty()) out["time_zone"] = z;
  }
  return out;
}

bj::object shape_event(const bj::object& e, bool detailed) {
  const auto* start = obj(e, "start");
  bj::object out{{"id", str(e, "id")},
                 {"summary", str(e, "summary")},
                 {"start", event_time(start)},
                 {"end", event_time(obj(e, "end"))},
                 {"all_day", start != nullptr && !str(*start, "date").empty()},
                 {"status", str(e, "status")}};
  if (auto v = str(e, "location"); !v.empty()) out["location"] = v;
  if (auto v = str(e, "recurringEventId"); !v.empty()) {
    out["recurring_event_id"] = v;
    out["recurring"] = true;
  }
  if (auto v = str(e, "htmlLink"); !v.empty()) out["html_link"] = v;
  if (const auto* attendees = arr(e, "attendees")) {
    bj::array list;
    for (const auto& a : *attendees) {
      if (!a.is_object()) continue;
      bj::object item{{"email", str(a.get_object(), "email")}};
      if (auto v = str(a.get_object(), "displayName"); !v.empty()) item["name"] = v;
      if (auto v = str(a.get_object(), "responseStatus"); !v.empty()) item["response_status"] = v;
      list.push_back(std::move(item));
    }
    out["attendees"] = std::move(list);
  }
  if (detailed) {
    if (auto v = str(e, "description"); !v.empty()) out["description"] = v;
    if (const auto* organizer = obj(e, "organizer")) out["organizer"] = str(*organizer, "email");
    if (const auto* r = arr(e, "recurrence")) out["recurrence"] = string_list(r);
    if (auto v = str(e, "created"); !v.empty()) out["created"] = v;
    if (auto v = str(e, "updated"); !v.empty()) out["updated"] = v;
    if (auto v = str(e, "hangoutLink"); !v.empty()) out["hangout_link"] = v;
  }
  return out;
}

// start/end of an event body from a model's time: "YYYY-MM-DD" is an all-day date, anything else a dateTime
// in the display zone. Google's all-day end is exclusive: an end on the start day becomes the next day.
std::optional<bj::object> event_time_body(const std::string& input, const std::string& timezone,
                                          std::string& why, const std::string* start_date_for_end) {
  if (is_date_only(input)) {
    if (start_date_for_end != nullptr && *start_date_for_end == input) {
      auto t = parse_timestamp(input + "T00:00:00Z");
      if (!t) return std::nullopt;
      return bj::object{{"date", format_iso_utc_z(*t + std::chrono::hours(24)).substr(0, 10)}};
    }
    return bj::object{{"date", input}};
  }
  auto t = rfc3339_from_input(input);
  if (!t) {
    why = "'" + input + "' is not a date (YYYY-MM-DD) or an ISO-8601 time (YYYY-MM-DDTHH:MM[:SS][zone])";
    return std::nullopt;
  }
  bj::object out{{"dateTime", *t}};
  if (!timezone.empty()) out["timeZone"] = timezone;
  return out;
}

bj::array attendee_list(const std::vector<std::string>& emails) {
  bj::array out;
  for (const auto& e : emails) out.push_back(bj::object{{"email", e}});
  return out;
}

bj::object get_events(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto calendar_id = args.optional_string("calendar_id").value_or("primary");
  const auto time_min = args.optional_string("time_min");
  const auto time_max = args.optional_string("time_max");
  const auto max_results = args.integer("max_results", 25, 1, 2500);
  const auto query = args.optional_string("query");
  const bool detailed = args.boolean("detailed", false);
  if (!args.ok()) return error_result(args.problem());
  ApiRequest r;
  r.path = calendar_path(calendar_id) + "/events";
  const auto min = time_min
                       ? rfc3339_from_input(*time_min)
                       : std::optional<std::string>(format_local_offset(std::chrono::system_clock::now()));
  if (!min) return error_result("Argument 'time_min' is not an ISO-8601 time or date: " + *time_min);
  r.query = {{"timeMin", *min},
             {"singleEvents", "true"},
             {"orderBy", "startTime"},
             {"maxResults", std::to_string(std::min<std::int64_t>(max_results, 250))}};
  if (time_max) {
    auto max = rfc3339_from_input(*time_max);
    if (!max) return error_result("Argument 'time_max' is not an ISO-8601 time or date: " + *time_max);
    r.query.emplace_back("timeMax", *max);
  }
  if (query && !query->empty()) r.query.emplace_back("q", *query);
  if (!b->timezone.empty()) r.query.emplace_back("timeZone", b->timezone);
  bj::array events;
  std::string page_token;
  bool more = false;
  for (int page = 0; page < 20; ++page) {
    auto req = r;
    if (!page_token.empty()) req.query.emplace_back("pageToken", page_token);
    auto answer = call_json(*b, email, req, kPrefix);
    if (!answer) return answer.error();
    if (const auto* items = arr(*answer, "items")) {
      for (const auto& e : *items) {
        if (static_cast<std::int64_t>(events.size()) >= max_results) {
          more = true;
          break;
        }
        if (e.is_object()) events.push_back(shape_event(e.get_object(), detailed));
      }
    }
    page_token = str(*answer, "nextPageToken");
    if (page_token.empty() || static_cast<std::int64_t>(events.size()) >= max_results) {
      more = more || !page_token.empty();
      break;
    }
  }
  bj::object out{{"user_email", email}, {"calendar_id", calendar_id}, {"time_zone", b->timezone},
                 {"time_min", *min},    {"count", events.size()},     {"events", std::move(events)}};
  if (more)
    out["note"] = "More events match; showing the first " + std::to_string(max_results) +
                  ". Narrow time_min/time_max or raise max_results.";
  return json_result(out);
}

bj::object create_event(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto summary = args.required_string("summary");
  const auto start = args.required_string("start_time");
  const auto end = args.required_string("end_time");
  const auto calendar_id = args.optional_string("calendar_id").value_or("primary");
  const auto description = args.optional_string("description");
  const auto location = args.optional_string("location");
  const auto attendees = string_items(args, arguments, "attendees");
  if (!args.ok()) return error_result(args.problem());
  std::string why;
  auto start_body = event_time_body(start, b->timezone, why, nullptr);
  if (!start_body) return error_result("Argument 'start_time': " + why);
  auto end_body = event_time_body(end, b->timezone, why, is_date_only(start) ? &start : nullptr);
  if (!end_body) return error_result("Argument 'end_time': " + why);
  if (is_date_only(start) != is_date_only(end))
    return error_result("start_time and end_time must both be dates (all-day event) or both be times.");
  bj::object body{{"summary", summary}, {"start", *start_body}, {"end", *end_body}};
  if (description) body["description"] = *description;
  if (location) body["location"] = *location;
  if (!attendees.empty()) body["attendees"] = attendee_list(attendees);
  ApiRequest r{"POST", calendar_path(calendar_id) + "/events", {}, json::serialize(body), "application/json"};
  if (!attendees.empty()) r.query.emplace_back("sendUpdates", "all");
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"created", true}, {"event", shape_event(*answer, true)}});
}

bj::object update_event(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto event_id = args.required_string("event_id");
  const auto calendar_id = args.optional_string("calendar_id").value_or("primary");
  const auto summary = args.optional_string("summary");
  const auto start = args.optional_string("start_time");
  const auto end = args.optional_string("end_time");
  const auto description = args.optional_string("description");
  const auto location = args.optional_string("location");
  const bool has_attendees = args.has("attendees");
  const auto attendees = string_items(args, arguments, "attendees");
  if (!args.ok()) return error_result(args.problem());
  bj::object body;
  std::string why;
  if (summary) body["summary"] = *summary;
  if (description) body["description"] = *description;
  if (location) body["location"] = *location;
  if (start) {
    auto t = event_time_body(*start, b->timezone, why, nullptr);
    if (!t) return error_result("Argument 'start_time': " + why);
    body["start"] = *t;
  }
  if (end) {
    auto t = event_time_body(*end, b->timezone, why, start && is_date_only(*start) ? &*start : nullptr);
    if (!t) return error_result("Argument 'end_time': " + why);
    body["end"] = *t;
  }
  if (has_attendees) body["attendees"] = attendee_list(attendees);
  if (body.empty())
    return error_result(
        "Nothing to change: give at least one of summary, start_time, end_time, "
        "description, location, attendees.");
  ApiRequest r{"PATCH",
               calendar_path(calendar_id) + "/events/" + path_segment(event_id),
               {},
               json::serialize(body),
               "application/json"};
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"updated", true}, {"event", shape_event(*answer, true)}});
}

bj::object delete_event(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto event_id = args.required_string("event_id");
  const auto calendar_id = args.optional_string("calendar_id").value_or("primary");
  if (!args.ok()) return error_result(args.problem());
  ApiRequest r{"DELETE", calendar_path(calendar_id) + "/events/" + path_segment(event_id)};
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"deleted", true}, {"event_id", event_id}, {"calendar_id", calendar_id}});
}

bj::object list_calendars(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto max_results = args.integer("max_results", 100, 1, 250);
  if (!args.ok()) return error_result(args.problem());
  ApiRequest r{"GET", "/calendar/v3/users/me/calendarList", {{"maxResults", std::to_string(max_results)}}};
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  bj::array calendars;
  if (const auto* items = arr(*answer, "items")) {
    for (const auto& c : *items) {
      if (!c.is_object()) continue;
      const auto& o = c.get_object();
      bj::object item{{"id", str(o, "id")},
                      {"summary", str(o, "summary")},
                      {"time_zone", str(o, "timeZone")},
                      {"access_role", str(o, "accessRole")}};
      const auto* primary = o.if_contains("primary");
      item["primary"] = primary != nullptr && primary->is_bool() && primary->get_bool();
      calendars.push_back(std::move(item));
    }
  }
  bj::object out{{"user_email", email}, {"count", calendars.size()}, {"calendars", std::move(calendars)}};
  if (auto next = str(*answer, "nextPageToken"); !next.empty())
    out["note"] = "More calendars exist than max_results; raise max_results to see them.";
  return json_result(out);
}

// ---- Tasks v1 ----

std::string tasks_path(const std::string& list_id) {
  return "/tasks/v1/lists/" + path_segment(list_id.empty() ? "@default" : list_id);
}

bj::object shape_task(const bj::object& t, const std::string& list_id) {
  bj::object out{{"id", str(t, "id")},
                 {"title", str(t, "title")},
                 {"status", str(t, "status")},
                 {"task_list_id", list_id}};
  for (const auto& [from, to] :
       std::initializer_list<std::pair<const char*, const char*>>{{"notes", "notes"},
                                                                  {"due", "due"},
                                                                  {"completed", "completed"},
                                                                  {"parent", "parent"},
                                                                  {"position", "position"},
                                                                  {"updated", "updated"},
                                                                  {"webViewLink", "web_view_link"}}) {
    if (auto v = str(t, from); !v.empty()) out[to] = v;
  }
  if (const auto* d = t.if_contains("deleted"); d != nullptr && d->is_bool() && d->get_bool())
    out["deleted"] = true;
  if (const auto* h = t.if_contains("hidden"); h != nullptr && h->is_bool() && h->get_bool())
    out["hidden"] = true;
  return out;
}

std::optional<std::string> due_param(ToolArguments& args, std::string_view name) {
  auto v = args.optional_string(name);
  if (!v) return std::nullopt;
  auto t = rfc3339_from_input(*v);
  if (!t) {
    args.fail("Argument '" + std::string(name) + "' is not an ISO-8601 date or time.");
    return std::nullopt;
  }
  return t;
}

bj::object list_task_lists(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto max_results = args.integer("max_results", 100, 1, 1000);
  const auto page_token = args.optional_string("page_token");
  if (!args.ok()) return error_result(args.problem());
  ApiRequest r{"GET",
               "/tasks/v1/users/@me/lists",
               {{"maxResults", std::to_string(std::min<std::int64_t>(max_results, 100))}}};
  if (page_token) r.query.emplace_back("pageToken", *page_token);
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  bj::array lists;
  if (const auto* items = arr(*answer, "items")) {
    for (const auto& l : *items) {
      if (!l.is_object()) continue;
      lists.push_back(bj::object{{"id", str(l.get_object(), "id")},
                                 {"title", str(l.get_object(), "title")},
                                 {"updated", str(l.get_object(), "updated")}});
    }
  }
  bj::object out{{"user_email", email}, {"count", lists.size()}, {"task_lists", std::move(lists)}};
  if (auto next = str(*answer, "nextPageToken"); !next.empty()) {
    out["next_page_token"] = next;
    out["note"] = "More task lists exist: call again with page_token.";
  }
  return json_result(out);
}

struct TaskQuery {
  std::string list_id = "@default";
  std::int64_t max_results = 100;
  std::optional<std::string> page_token;
  bool show_completed = false, show_deleted = false, show_hidden = false;
  std::optional<std::string> due_min, due_max;
};

// One page of a list's tasks, shaped; `next` gets the next page token.
std::optional<bj::array> fetch_tasks(const Backend& b, const std::string& email, const TaskQuery& q,
                                     std::string& next, bj::object& error) {
  ApiRequest r{"GET",
               tasks_path(q.list_id) + "/tasks",
               {{"maxResults", std::to_string(std::min<std::int64_t>(q.max_results, 100))},
                {"showCompleted", q.show_completed ? "true" : "false"},
                {"showDeleted", q.show_deleted ? "true" : "false"},
                {"showHidden", q.show_hidden ? "true" : "false"}}};
  if (q.page_token) r.query.emplace_back("pageToken", *q.page_token);
  if (q.due_min) r.query.emplace_back("dueMin", *q.due_min);
  if (q.due_max) r.query.emplace_back("dueMax", *q.due_max);
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) {
    error = answer.error();
    return std::nullopt;
  }
  bj::array tasks;
  if (const auto* items = arr(*answer, "items")) {
    for (const auto& t : *items)
      if (t.is_object()) tasks.push_back(shape_task(t.get_object(), q.list_id));
  }
  next = str(*answer, "nextPageToken");
  return tasks;
}

bool task_matches_filter(const bj::object& task, const std::string& filter) {
  const auto status = task.contains("status") ? std::string(task.at("status").as_string()) : std::string();
  if (filter == "completed") return status == "completed";
  if (filter == "needsAction" || filter == "pending" || filter == "incomplete")
    return status == "needsAction";
  if (filter == "overdue") {
    if (status != "needsAction" || !task.contains("due")) return false;
    auto due = parse_timestamp(std::string(task.at("due").as_string()));
    return due && *due < std::chrono::system_clock::now();
  }
  return true;
}

bj::object list_tasks(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  TaskQuery q;
  q.list_id = args.optional_string("task_list_id").value_or("@default");
  q.max_results = args.optional_integer("max_results", 1, 100).value_or(100);
  q.page_token = args.optional_string("page_token");
  q.show_completed = args.boolean("show_completed", false);
  q.show_deleted = args.boolean("show_deleted", false);
  q.show_hidden = args.boolean("show_hidden", false);
  q.due_min = due_param(args, "due_min");
  q.due_max = due_param(args, "due_max");
  const auto filter = args.choice("task_filter", "all",
                                  {"all", "completed", "needsAction", "pending", "incomplete", "overdue"});
  if (filter == "completed") q.show_completed = true;
  if (!args.ok()) return error_result(args.problem());
  std::string next;
  bj::object error;
  auto tasks = fetch_tasks(b, email, q, next, error);
  if (!tasks) return error;
  bj::array kept;
  for (auto& t : *tasks)
    if (task_matches_filter(t.as_object(), filter)) kept.push_back(std::move(t));
  bj::object out{{"user_email", email},
                 {"task_list_id", q.list_id},
                 {"task_filter", filter},
                 {"count", kept.size()},
                 {"tasks", std::move(kept)}};
  if (!next.empty()) {
    out["next_page_token"] = next;
    out["note"] = "More tasks exist: call again with page_token.";
  }
  return json_result(out);
}

// Tasks of one list or of every list, matched by a case-insensitive query in title (and notes).
bj::object search_tasks(const Backend& b, const std::string& email, const std::string& query,
                        const std::optional<std::string>& list_id, std::int64_t max_results,
                        bool include_completed, bool include_hidden, bool include_deleted, bool search_notes,
                        const std::optional<std::string>& due_min,
                        const std::optional<std::string>& due_max) {
  std::vector<std::pair<std::string, std::string>> lists;  // id, title
  if (list_id) {
    lists.emplace_back(*list_id, "");
  } else {
    auto answer = call_json(*b, email,
                            ApiRequest{"GET", "/tasks/v1/users/@me/lists", {{"maxResults", "100"}}}, kPrefix);
    if (!answer) return answer.error();
    if (const auto* items = arr(*answer, "items"))
      for (const auto& l : *items)
        if (l.is_object()) lists.emplace_back(str(l.get_object(), "id"), str(l.get_object(), "title"));
  }
  const auto needle = text::lower(query);
  bj::array matches;
  bool cut = false;
  for (const auto& [id, title] : lists) {
    TaskQuery q;
    q.list_id = id;
    q.show_completed = include_completed;
    q.show_hidden = include_hidden;
    q.show_deleted = include_deleted;
    q.due_min = due_min;
    q.due_max = due_max;
    for (int page = 0; page < 10; ++page) {
      std::string next;
      bj::object error;
      auto tasks = fetch_tasks(b, email, q, next, error);
      if (!tasks) return error;
      for (auto& t : *tasks) {
        auto& o = t.as_object();
        bool hit = needle.empty() || text::lower(str(o, "title")).find(needle) != std::string::npos ||
                   (search_notes && text::lower(str(o, "notes")).find(needle) != std::string::npos);
        if (!hit) continue;
        if (static_cast<std::int64_t>(matches.size()) >= max_results) {
          cut = true;
          break;
        }
        if (!title.empty()) o["task_list_title"] = title;
        matches.push_back(std::move(t));
      }
      if (next.empty() || cut) break;
      q.page_token = next;
    }
    if (cut) break;
  }
  bj::object out{
      {"user_email", email}, {"query", query}, {"count", matches.size()}, {"tasks", std::move(matches)}};
  if (cut) out["note"] = "More tasks match; showing the first " + std::to_string(max_results) + ".";
  return json_result(out);
}

bj::object search_all_tasks(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto query = args.optional_string("query").value_or("");
  const auto list_id = args.optional_string("task_list_id");
  const auto max_results = args.integer("max_results", 25, 1, 1000);
  const bool completed = args.boolean("include_completed", false);
  const bool hidden = args.boolean("include_hidden", false);
  const bool deleted = args.boolean("include_deleted", false);
  const bool notes = args.boolean("search_notes", true);
  const auto due_min = due_param(args, "due_min");
  const auto due_max = due_param(args, "due_max");
  if (!args.ok()) return error_result(args.problem());
  return search_tasks(b, email, query, list_id, max_results, completed, hidden, deleted, notes, due_min,
                      due_max);
}

bj::object user_context_from_tasks(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto query = args.required_string("query");
  const auto email = resolve_user(args, *b);
  const auto max_results = args.integer("max_results", 25, 1, 1000);
  const bool completed = args.boolean("include_completed", false);
  if (!args.ok()) return error_result(args.problem());
  auto result = search_tasks(b, email, query, std::nullopt, max_results, completed, false, false, true,
                             std::nullopt, std::nullopt);
  if (auto* sc = result.if_contains("structuredContent"); sc != nullptr && sc->is_object()) {
    auto data = sc->as_object();
    std::string summary;
    if (const auto* tasks = data.if_contains("tasks"); tasks != nullptr && tasks->is_array()) {
      for (const auto& t : tasks->as_array()) {
        const auto& o = t.as_object();
        summary += "- " + str(o, "title") + " [" + str(o, "status") + "]";
        if (auto due = str(o, "due"); !due.empty()) summary += " due " + due.substr(0, 10);
        if (auto n = str(o, "notes"); !n.empty()) summary += ": " + n.substr(0, 200);
        summary += "\n";
      }
    }
    data["context"] =
        summary.empty() ? "No tasks match '" + query + "'." : "Tasks matching '" + query + "':\n" + summary;
    return json_result(data);
  }
  return result;
}

bj::object get_task(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto list_id = args.optional_string("task_list_id").value_or("@default");
  const auto task_id = args.required_string("task_id");
  if (!args.ok()) return error_result(args.problem());
  auto answer = call_json(
      *b, email, ApiRequest{"GET", tasks_path(list_id) + "/tasks/" + path_segment(task_id)}, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"task", shape_task(*answer, list_id)}});
}

bj::object create_task(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto list_id = args.optional_string("task_list_id").value_or("@default");
  const auto title = args.required_string("title");
  const auto notes = args.optional_string("notes");
  const auto due = due_param(args, "due");
  const auto parent = args.optional_string("parent");
  const auto previous = args.optional_string("previous");
  if (!args.ok()) return error_result(args.problem());
  bj::object body{{"title", title}};
  if (notes) body["notes"] = *notes;
  if (due) body["due"] = format_iso_utc_z(*parse_timestamp(*due), 3);
  ApiRequest r{"POST", tasks_path(list_id) + "/tasks", {}, json::serialize(body), "application/json"};
  if (parent) r.query.emplace_back("parent", *parent);
  if (previous) r.query.emplace_back("previous", *previous);
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"created", true}, {"task", shape_task(*answer, list_id)}});
}

bj::object update_task(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto list_id = args.optional_string("task_list_id").value_or("@default");
  const auto task_id = args.required_string("task_id");
  const auto title = args.optional_string("title");
  const auto notes = args.optional_string("notes");
  const auto status =
      args.has("status")
          ? std::optional<std::string>(args.choice("status", "needsAction", {"needsAction", "completed"}))
          : std::nullopt;
  const auto due = due_param(args, "due");
  if (!args.ok()) return error_result(args.problem());
  bj::object body;
  if (title) body["title"] = *title;
  if (notes) body["notes"] = *notes;
  if (status) {
    body["status"] = *status;
    if (*status == "needsAction") body["completed"] = nullptr;
  }
  if (due) body["due"] = format_iso_utc_z(*parse_timestamp(*due), 3);
  if (body.empty()) return error_result("Nothing to change: give at least one of title, notes, status, due.");
  ApiRequest r{"PATCH",
               tasks_path(list_id) + "/tasks/" + path_segment(task_id),
               {},
               json::serialize(body),
               "application/json"};
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"updated", true}, {"task", shape_task(*answer, list_id)}});
}

bj::object delete_task(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto list_id = args.optional_string("task_list_id").value_or("@default");
  const auto task_id = args.required_string("task_id");
  if (!args.ok()) return error_result(args.problem());
  auto answer = call_json(
      *b, email, ApiRequest{"DELETE", tasks_path(list_id) + "/tasks/" + path_segment(task_id)}, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"deleted", true}, {"task_id", task_id}, {"task_list_id", list_id}});
}

bj::object move_task(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto list_id = args.optional_string("task_list_id").value_or("@default");
  const auto task_id = args.required_string("task_id");
  const auto parent = args.optional_string("parent");
  const auto previous = args.optional_string("previous");
  const auto destination = args.optional_string("destination_task_list");
  if (!args.ok()) return error_result(args.problem());
  ApiRequest r{"POST", tasks_path(list_id) + "/tasks/" + path_segment(task_id) + "/move"};
  if (parent) r.query.emplace_back("parent", *parent);
  if (previous) r.query.emplace_back("previous", *previous);
  if (destination) r.query.emplace_back("destinationTasklist", *destination);
  auto answer = call_json(*b, email, r, kPrefix);
  if (!answer) return answer.error();
  return json_result(
      bj::object{{"moved", true}, {"task", shape_task(*answer, destination.value_or(list_id))}});
}

bj::object clear_completed(const Backend& b, const bj::object& arguments) {
  ToolArguments args(arguments);
  const auto email = resolve_user(args, *b);
  const auto list_id = args.optional_string("task_list_id").value_or("@default");
  if (!args.ok()) return error_result(args.problem());
  auto answer = call_json(*b, email, ApiRequest{"POST", tasks_path(list_id) + "/clear"}, kPrefix);
  if (!answer) return answer.error();
  return json_result(bj::object{{"cleared", true},
                                {"task_list_id", list_id},
                                {"message", "Completed tasks are now hidden from the list."}});
}

template <bj::object (*fn)(const Backend&, const bj::object&)>
mcp::builtin::ToolHandler bind(const Backend& b) {
  return [b](const bj::object& a, const CallContext&) { return fn(b, a); };
}

const Param kUser{"user_email", "string",
                  "The Google account's email address (default: GOOGLE_DEFAULT_USER_EMAIL)"};
const Param kList{"task_list_id", "string", "Task list id (default \"@default\")"};

}  // namespace

mcp::builtin::StdioServer make_calendar_server(GoogleToolBackend backend_value) {
  auto b = std::make_shared<GoogleToolBackend>(std::move(backend_value));
  std::vector<Tool> tools;
  add_auth_tools(tools, kPrefix, b);
  tools.push_back(
      {"calendar_get_events",
       "List calendar events (recurring events expanded into instances) from time_min (default now) to "
       "time_max, in the display time zone.",
       object_schema({kUser,
                      {"calendar_id", "string", "Calendar id (default \"primary\")"},
                      {"time_min", "string", "Start, ISO-8601 date or time (default now)"},
                      {"time_max", "string", "End, ISO-8601 date or time"},
                      {"max_results", "integer", "At most this many events (default 25)"},
                      {"query", "string", "Free-text search"},
                      {"detailed", "boolean", "Include descriptions, organizer, recurrence"}},
                     {}),
       bind<get_events>(b)});
  tools.push_back(
      {"calendar_create_event",
       "Create an event. A date (YYYY-MM-DD) for start and end makes an all-day event; times without a "
       "zone are in the display time zone.",
       object_schema({kUser,
                      {"summary", "string", "Title"},
                      {"start_time", "string", "Start: ISO-8601 time or YYYY-MM-DD"},
                      {"end_time", "string", "End: ISO-8601 time or YYYY-MM-DD"},
                      {"calendar_id", "string", "Calendar id (default \"primary\")"},
                      {"description", "string", "Description"},
                      {"location", "string", "Location"},
                      {"attendees", "string[]", "Attendee email addresses"}},
                     {"summary", "start_time", "end_time"}),
       bind<create_event>(b)});
  tools.push_back({"calendar_update_event", "Change an event's fields; fields not given stay as they are.",
                   object_schema({kUser,
                                  {"event_id", "string", "Event id"},
                                  {"calendar_id", "string", "Calendar id (default \"primary\")"},
                                  {"summary", "string", "Title"},
                                  {"start_time", "string", "Start"},
                                  {"end_time", "string", "End"},
                                  {"description", "string", "Description"},
                                  {"location", "string", "Location"},
                                  {"attendees", "string[]", "Attendee email addresses (replaces the list)"}},
                                 {"event_id"}),
                   bind<update_event>(b)});
  tools.push_back({"calendar_delete_event", "Delete an event.",
                   object_schema({kUser,
                                  {"event_id", "string", "Event id"},
                                  {"calendar_id", "string", "Calendar id (default \"primary\")"}},
                                 {"event_id"}),
                   bind<delete_event>(b)});
  tools.push_back({"calendar_list_task_lists", "List the user's Google Tasks lists.",
                   object_schema({kUser,
                                  {"max_results", "integer", "At most this many (default 100)"},
                                  {"page_token", "string", "Page token of a previous answer"}},
                                 {}),
                   bind<list_task_lists>(b)});
  tools.push_back({"list_tasks", "List the tasks of a task list.",
                   object_schema({kUser,
                                  kList,
                                  {"max_results", "integer", "At most this many (1-100)"},
                                  {"page_token", "string", "Page token of a previous answer"},
                                  {"show_completed", "boolean", "Include completed tasks"},
                                  {"show_deleted", "boolean", "Include deleted tasks"},
                                  {"show_hidden", "boolean", "Include hidden tasks"},
                                  {"due_min", "string", "Due on or after (ISO-8601)"},
                                  {"due_max", "string", "Due before (ISO-8601)"},
                                  {"task_filter",
                                   "string",
                                   "Which tasks",
                                   {"all", "completed", "needsAction", "pending", "incomplete", "overdue"}}},
                                 {}),
                   bind<list_tasks>(b)});
  tools.push_back({"search_all_tasks",
                   "Search tasks in every task list (or one) by words in the title or notes.",
                   object_schema({kUser,
                                  {"query", "string", "Words to find (empty: every task)"},
                                  {"task_list_id", "string", "Only this task list"},
                                  {"max_results", "integer", "At most this many (default 25)"},
                                  {"include_completed", "boolean", "Include completed tasks"},
                                  {"include_hidden", "boolean", "Include hidden tasks"},
                                  {"include_deleted", "boolean", "Include deleted tasks"},
                                  {"search_notes", "boolean", "Also search the notes (default true)"},
                                  {"due_min", "string", "Due on or after"},
                                  {"due_max", "string", "Due before"}},
                                 {}),
                   bind<search_all_tasks>(b)});
  tools.push_back({"user_context_from_tasks", "What the user's tasks say about a topic, as a short summary.",
                   object_schema({{"query", "string", "The topic"},
                                  kUser,
                                  {"max_results", "integer", "At most this many tasks (default 25)"},
                                  {"include_completed", "boolean", "Include completed tasks"}},
                                 {"query"}),
                   bind<user_context_from_tasks>(b)});
  tools.push_back({"calendar_get_task", "One task.",
                   object_schema({kUser, kList, {"task_id", "string", "Task id"}}, {"task_id"}),
                   bind<get_task>(b)});
  tools.push_back({"calendar_create_task", "Create a task.",
                   object_schema({kUser,
                                  kList,
                                  {"title", "string", "Title"},
                                  {"notes", "string", "Notes"},
                                  {"due", "string", "Due date (ISO-8601)"},
                                  {"parent", "string", "Parent task id (a subtask)"},
                                  {"previous", "string", "The sibling task it follows"}},
                                 {"title"}),
                   bind<create_task>(b)});
  tools.push_back({"calendar_update_task", "Change a task; fields not given stay as they are.",
                   object_schema({kUser,
                                  kList,
                                  {"task_id", "string", "Task id"},
                                  {"title", "string", "Title"},
                                  {"notes", "string", "Notes"},
                                  {"status", "string", "Status", {"needsAction", "completed"}},
                                  {"due", "string", "Due date (ISO-8601)"}},
                                 {"task_id"}),
                   bind<update_task>(b)});
  tools.push_back({"calendar_delete_task", "Delete a task.",
                   object_schema({kUser, kList, {"task_id", "string", "Task id"}}, {"task_id"}),
                   bind<delete_task>(b)});
  tools.push_back({"calendar_move_task",
                   "Move a task under another parent, after a sibling, or to another list.",
                   object_schema({kUser,
                                  kList,
                                  {"task_id", "string", "Task id"},
                                  {"parent", "string", "New parent task id"},
                                  {"previous", "string", "The sibling it follows"},
                                  {"destination_task_list", "string", "Move to this task list"}},
                                 {"task_id"}),
                   bind<move_task>(b)});
  tools.push_back({"calendar_clear_completed_tasks", "Hide every completed task of a list.",
                   object_schema({kUser, kList}, {}), bind<clear_completed>(b)});
  tools.push_back({"calendar_list_calendars", "List the user's calendars.",
                   object_schema({kUser, {"max_results", "integer", "At most this many (default 100)"}}, {}),
                   bind<list_calendars>(b)});
  return mcp::builtin::StdioServer(
      mcp::builtin::ServerInfo{"parley-calendar", PARLEY_VERSION,
                               "Google Calendar and Google Tasks of the user's account."},
      std::move(tools));
}

}  // namespace parley::google
