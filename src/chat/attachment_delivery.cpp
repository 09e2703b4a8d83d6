#include "chat/attachment_delivery.hpp"

#include <boost/json.hpp>

#include "chat/attachment_service.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace parley::chat {

namespace bj = boost::json;

namespace {

const bj::object* fragment_metadata(const bj::value& fragment) {
  if (!fragment.is_object()) return nullptr;
  const auto* m = fragment.get_object().if_contains("metadata");
  return m && m->is_object() ? &m->get_object() : nullptr;
}

std::string string_member(const bj::object* o, std::string_view key) {
  return o ? parley::json::string_member(*o, key) : std::string();
}

bj::value delivered(const bj::object& fragment, const std::string& id, const bj::object* meta,
                    const Deliveries& deliveries) {
  const auto it = deliveries.find(id);
  std::string filename = string_member(meta, "filename");
  if (it == deliveries.end() || !it->second.available) {
    if (filename.empty() && it != deliveries.end()) filename = it->second.filename;
    if (filename.empty()) filename = id;
    return bj::object{{"type", "text"}, {"text", "[attachment no longer available: " + filename + "]"}};
  }
  const auto& d = it->second;
  if (filename.empty()) filename = d.filename.empty() ? id : d.filename;
  if (d.mime_type == "application/pdf") {
    return bj::object{{"type", "file"}, {"file", bj::object{{"filename", filename}, {"file_data", d.url}}}};
  }
  bj::object out = fragment;
  out.erase("metadata");
  auto* image = out.if_contains("image_url");
  if (image && image->is_object()) {
    image->get_object()["url"] = d.url;
  } else {
    out["type"] = "image_url";
    out["image_url"] = bj::object{{"url", d.url}};
  }
  return out;
}

}  // namespace

std::set<std::string> referenced_attachments(const std::vector<StoredMessage>& history) {
  std::set<std::string> ids;
  for (const auto& m : history) {
    if (m.role == "tool" || !m.content.is_array()) continue;
    for (const auto& f : m.content.get_array()) {
      if (auto id = string_member(fragment_metadata(f), "attachment_id"); !id.empty())
        ids.insert(std::move(id));
    }
  }
  return ids;
}

bj::value deliver_fragments(const bj::value& content, const Deliveries* deliveries) {
  if (!content.is_array()) return content;
  bj::array out;
  for (const auto& f : content.get_array()) {
    if (!f.is_object()) {
      out.push_back(f);
      continue;
    }
    const auto* meta = fragment_metadata(f);
    const auto id = string_member(meta, "attachment_id");
    if (deliveries && !id.empty()) {
      out.push_back(delivered(f.get_object(), id, meta, *deliveries));
      continue;
    }
    bj::object copy = f.get_object();
    copy.erase("metadata");
    out.push_back(std::move(copy));
  }
  return out;
}

void store_form_of_fragments(bj::value& content, AttachmentService& attachments,
                             store::AttachmentRepository& store, const std::string& session_id) {
  if (!content.is_array()) return;
  const auto now = std::chrono::system_clock::now();
  for (auto& f : content.get_array()) {
    const auto id = string_member(fragment_metadata(f), "attachment_id");
    if (id.empty()) continue;
    auto row = store.find_attachment(id);
    if (!row || row->session_id != session_id) continue;
    store.touch_attachment(id, now);
    const auto url = attachments.current_url_blocking(*row, now);
    if (url.empty()) continue;
    auto& fragment = f.get_object();
    if (auto* image = fragment.if_contains("image_url"); image && image->is_object()) {
      image->get_object()["url"] = url;
    } else if (image && image->is_string()) {
      *image = bj::object{{"url", url}};
    }
  }
}

boost::asio::awaitable<Deliveries> resolve_deliveries(AttachmentService& attachments,
                                                      store::AttachmentRepository& store,
                                                      BlockingPool& blocking, const Config& config,
                                                      std::string session_id, std::set<std::string> ids) {
  Deliveries out;
  if (ids.empty()) co_return out;
  struct Found {
    std::string id;
    std::optional<store::AttachmentRow> row;
    std::string url;  // current display URL (absolute when the store is reachable)
  };
  auto look_up = [&attachments, &store, &config, session_id, ids] {
    std::vector<Found> found;
    const auto now = std::chrono::system_clock::now();
    for (const auto& id : ids) {
      Found f{id, store.find_attachment(id), {}};
      if (f.row && f.row->session_id != session_id) f.row.reset();  // another session's attachment
      if (f.row) {
        store.touch_attachment(id, now);
        f.url =
            AttachmentService::absolute_url(attachments.current_url_blocking(*f.row, now), config.public_url);
      }
      found.push_back(std::move(f));
    }
    return found;
  };
  auto found = co_await blocking.run(std::move(look_up));
  for (auto& f : found) {
    AttachmentDelivery d;
    if (!f.row) {
      out[f.id] = d;
      continue;
    }
    d.mime_type = f.row->mime_type;
    if (f.row->metadata) {
      if (auto meta = json::parse(*f.row->metadata); meta && meta->is_object())
        d.filename = string_member(&meta->get_object(), "filename");
    }
    auto* backing = attachments.store_for(f.row->storage_backend);
    if (backing && backing->reachable_by_provider() && !f.url.empty() && f.url.rfind("http", 0) == 0) {
      d.url = f.url;
      d.available = true;
    } else {
      auto bytes = co_await attachments.read_bytes(*f.row);
      if (bytes) {
        d.url = "data:" + f.row->mime_type + ";base64," + base64_encode(*bytes);
        d.available = true;
      } else {
        log::warn("Attachment {} of session {} cannot be read for the model: {}", f.id, session_id,
                  bytes.error().message);
      }
    }
    out[f.id] = std::move(d);
  }
  co_return out;
}

}  // namespace parley::chat
