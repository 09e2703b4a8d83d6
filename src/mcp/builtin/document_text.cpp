#include "mcp/builtin/document_text.hpp"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <memory>
#include <mutex>
#include <set>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace parley::mcp::builtin {

namespace {

using Pages = Result<std::vector<int>, Failure>;

std::optional<int> parse_page_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// poppler reports problems of damaged files through a global callback; extraction is serialized (poppler's
// global state is not meant for concurrent documents), so the messages of one document are collected here.
std::mutex poppler_mutex;
std::vector<std::string>* poppler_messages = nullptr;

void collect_poppler_message(const std::string& message, void*) {
  if (poppler_messages != nullptr && poppler_messages->size() < 20) poppler_messages->push_back(message);
}

std::string utf8_of(const poppler::ustring& s) {
  const auto bytes = s.to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

Result<ExtractedText, Failure> extract_pdf(const ExtractRequest& request, const CallContext& context) {
  if (request.bytes.size() > static_cast<std::size_t>(INT_MAX)) return fail(request.name + " is too large.");
  std::lock_guard lock(poppler_mutex);
  std::vector<std::string> messages;
  poppler_messages = &messages;
  poppler::set_debug_error_function(collect_poppler_message, nullptr);
  struct Reset {
    ~Reset() { poppler_messages = nullptr; }
  } reset;

  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(request.bytes.data(), static_cast<int>(request.bytes.size())));
  if (!doc) {
    std::string why = messages.empty() ? "" : " (" + messages.front() + ")";
    return fail(request.name + " could not be read as a PDF: the file is damaged or truncated" + why + ".");
  }
  if (doc->is_locked()) return fail(request.name + " is password-protected; its text cannot be extracted.");
  const int page_count = doc->pages();
  std::vector<int> pages;
  if (request.pages) {
    auto selected = parse_page_selection(*request.pages, page_count);
    if (!selected) return selected.error();
    pages = std::move(selected.value());
  } else {
    for (int i = 1; i <= page_count; ++i) pages.push_back(i);
  }
  ExtractedText out;
  out.mime_type = "application/pdf";
  for (const int number : pages) {
    if (context.cancelled()) return fail("The extraction was cancelled.");
    std::unique_ptr<poppler::page> page(doc->create_page(number - 1));
    if (!page) {
      out.warnings.push_back("Page " + std::to_string(number) + " could not be read.");
      continue;
    }
    auto text = utf8_of(page->text());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\f'))
      text.pop_back();
    if (!out.content.empty()) out.content += "\n\n";
    out.content += text;
  }
  bj::object meta{{"page_count", page_count}};
  bj::array extracted;
  for (int p : pages) extracted.push_back(p);
  meta["pages_extracted"] = std::move(extracted);
  int major = 0, minor = 0;
  doc->get_pdf_version(&major, &minor);
  meta["pdf_version"] = std::to_string(major) + "." + std::to_string(minor);
  for (const char* key : {"Title", "Author", "Subject", "Keywords", "Creator", "Producer"}) {
    auto value = utf8_of(doc->info_key(key));
    if (!value.empty() && json::is_valid_utf8(value)) {
      meta[text::lower(key)] = value;
    }
  }
  if (const auto created = doc->info_date_t("CreationDate"); created > 0) {
    meta["creation_date"] = format_iso_utc_z(std::chrono::system_clock::from_time_t(created));
  }
  out.metadata = std::move(meta);
  if (!messages.empty()) {
    out.warnings.push_back("The PDF has errors; the text may be incomplete (" + messages.front() + ").");
  }
  if (out.content.empty() && page_count > 0) {
    out.warnings.push_back("No text layer found: the pages may be scanned images (OCR is not available).");
  }
  return out;
}

bool has_extension(const std::string& name, std::string_view ext) {
  if (name.size() < ext.size()) return false;
  return text::lower(std::string_view(name).substr(name.size() - ext.size())) == ext;
}

}  // namespace

Pages parse_page_selection(std::string_view text, int page_count) {
  std::set<int> pages;
  std::string_view rest = text;
  if (text.find_first_not_of(" ,") == std::string_view::npos) return fail("'pages' is empty.");
  const auto bad = [&] {
    return fail("'pages' must look like \"3\", \"1-3,5\" or \"2-\"; got \"" + std::string(text) + "\".");
  };
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (part.find_first_not_of(' ') == std::string_view::npos) continue;
    const auto dash = part.find('-');
    std::optional<int> first, last;
    if (dash == std::string_view::npos) {
      first = last = parse_page_number(part);
    } else {
      first = parse_page_number(part.substr(0, dash));
      const auto tail = part.substr(dash + 1);
      last = tail.find_first_not_of(' ') == std::string_view::npos ? std::optional<int>(page_count)
                                                                   : parse_page_number(tail);
    }
    if (!first || !last) return bad();
    if (*first < 1 || *last < *first) return bad();
    if (*last > page_count) {
      return fail("Page " + std::to_string(*last) + " does not exist: the document has " +
                  std::to_string(page_count) + " page" + (page_count == 1 ? "" : "s") + ".");
    }
    for (int p = *first; p <= *last; ++p) pages.insert(p);
  }
  return std::vector<int>(pages.begin(), pages.end());
}

bool looks_like_pdf(std::string_view bytes) {
  return bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos;
}

Result<ExtractedText, Failure> extract_text(const ExtractRequest& request, const CallContext& context) {
  const bool claims_pdf = request.mime_type_hint == "application/pdf" || has_extension(request.name, ".pdf");
  if (looks_like_pdf(request.bytes)) return extract_pdf(request, context);
  if (claims_pdf) {
    return fail(request.name + " is not a PDF: it does not start with the %PDF- signature.");
  }
  ExtractedText out;
  out.metadata["size_bytes"] = static_cast<std::uint64_t>(request.bytes.size());
  if (request.pages) out.warnings.push_back("'pages' applies to PDF files only and was ignored.");
  const bool text_like =
      json::is_valid_utf8(request.bytes) && request.bytes.find('\0') == std::string_view::npos;
  if (text_like) {
    out.mime_type = request.mime_type_hint.empty() || request.mime_type_hint == "application/octet-stream"
                        ? "text/plain"
                        : request.mime_type_hint;
    out.content = std::string(request.bytes);
    return out;
  }
  out.mime_type = request.mime_type_hint.empty() ? "application/octet-stream" : request.mime_type_hint;
  out.content = "[binary file " + request.name + ": " + out.mime_type + ", " +
                std::to_string(request.bytes.size()) + " bytes; no text could be extracted]";
  out.warnings.push_back("No text extractor for " + out.mime_type +
                         ": only PDF and UTF-8 text are supported.");
  return out;
}

}  // namespace parley::mcp::builtin
