#include "core/redact.hpp"
#include "core/text.hpp"

#include <re2/re2.h>

#include <cctype>

namespace parley {
namespace {

// Latin-1: every byte is a character, so invalid UTF-8 cannot end a match early and leave a secret's tail.
RE2::Options pattern_options(bool case_sensitive = false) {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_case_sensitive(case_sensitive);
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);  // room for the DFA on long inputs, so matching stays on the fast path
  return o;
}

// Each pattern below matches only what introduces a credential: group 1 is kept, group 2 is where the
// credential starts. The credential itself is measured by a scanner, so a megabyte-long one costs one pass
// instead of RE2's submatch engine running over all of it.
struct Patterns {
  RE2 scheme{R"((bearer|token|basic)\s+([A-Za-z0-9._~+/=-]{6}))", pattern_options()};
  // Credential headers: the scheme word (if any) and the credential, stopping at ';', ',' or a line end.
  RE2 header{
      R"(((?:authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key)\s*[:=]\s*)(["]|[^\s;,|]))",
      pattern_options()};
  // Cookie values contain ';': everything up to the end of the line or a ' | ' field separator.
  RE2 cookie_header{R"(((?:set-cookie|cookie)\s*:\s*)())", pattern_options()};
  RE2 query{
      R"(([?&;,\s"](?:sig|signature|x-goog-signature|x-amz-signature|x-amz-credential|x-goog-credential|x-amz-security-token|token|access_token|refresh_token|id_token|api_key|apikey|key|password|client_secret|code)=)([^&\s"'#]))",
      pattern_options()};
  RE2 json{
      R"lit(("(?:password|password_hash|api_key|apikey|token|access_token|refresh_token|id_token|client_secret|private_key|private_key_id|secret|secret_access_key|authorization|cookie|key)"\s*:\s*)("))lit",
      pattern_options()};
  RE2 cookie_pair{R"((parley_session=)([^;\s"]))", pattern_options(true)};
  // Whole matches, no groups: RE2 finds their bounds with its DFA alone.
  RE2 provider_key{R"(\b(?:sk-[A-Za-z0-9_-]{2,}-[A-Za-z0-9_-]{16,}|sk-[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})\b)",
                   pattern_options(true)};
  RE2 pem{R"((?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z))",
          pattern_options(true)};
};

const Patterns& patterns() {
  static const Patterns p;
  return p;
}

using Extent = std::size_t (*)(std::string_view, std::size_t);

std::size_t run_while(std::string_view s, std::size_t i, bool (*keep)(char)) {
  while (i < s.size() && keep(s[i])) ++i;
  return i;
}

bool is_scheme_credential_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '~' || c == '+' ||
         c == '/' || c == '=' || c == '-';
}
bool is_header_token_char(char c) {
  return !(std::isspace(static_cast<unsigned char>(c)) || c == ';' || c == ',' || c == '|');
}

std::size_t scheme_credential_end(std::string_view s, std::size_t i) {
  return run_while(s, i, is_scheme_credential_char);
}
// A quoted value, or a token optionally followed by a second one ("Bearer abc").
std::size_t header_credential_end(std::string_view s, std::size_t i) {
  if (s[i] == '"') {
    const auto close = s.find('"', i + 1);
    if (close != std::string_view::npos) return close + 1;
  }
  std::size_t end = run_while(s, i, is_header_token_char);
  std::size_t gap = end;
  while (gap < s.size() && (s[gap] == ' ' || s[gap] == '\t')) ++gap;
  if (gap > end && gap < s.size() && is_header_token_char(s[gap]))
    end = run_while(s, gap, is_header_token_char);
  return end;
}
std::size_t to_line_end(std::string_view s, std::size_t i) {
  return run_while(s, i, [](char c) { return c != '\r' && c != '\n' && c != '|'; });
}
std::size_t query_value_end(std::string_view s, std::size_t i) {
  return run_while(s, i, [](char c) {
    return !(c == '&' || std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '#');
  });
}
// A JSON string from its opening quote; an unterminated one is masked to the end.
std::size_t json_string_end(std::string_view s, std::size_t i) {
  for (std::size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == '"') {
      return j + 1;
    }
  }
  return s.size();
}
std::size_t cookie_value_end(std::string_view s, std::size_t i) {
  return run_while(
      s, i, [](char c) { return !(c == ';' || std::isspace(static_cast<unsigned char>(c)) || c == '"'); });
}

// Keeps group 1 of each match, writes `mask` in place of the credential that starts at group 2 and ends where
// `extent` says. One pass: every search starts where the previous credential ended.
void mask_credentials(std::string& s, const RE2& introducer, std::string_view mask, Extent extent) {
  const re2::StringPiece text(s);
  re2::StringPiece groups[3];
  std::string out;
  std::size_t last = 0;
  std::size_t pos = 0;
  while (pos <= s.size() && introducer.Match(text, pos, s.size(), RE2::UNANCHORED, groups, 3)) {
    const auto at = [&s](const re2::StringPiece& g) { return static_cast<std::size_t>(g.data() - s.data()); };
    const std::size_t kept_end = at(groups[1]) + groups[1].size();
    const std::size_t credential = at(groups[2]);
    const std::size_t end = extent(s, credential);
    if (out.empty()) out.reserve(s.size());
    out.append(s, last, kept_end - last);
    out.append(mask);
    last = end;
    pos = end > at(groups[0]) ? end : at(groups[0]) + 1;
  }
  if (last == 0 && out.empty()) return;
  out.append(s, last, std::string::npos);
  s = std::move(out);
}

bool is_data_payload_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' || c == '%' ||
         c == '_' || c == '-';
}
bool is_media_type_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '/' || c == '-';
}
bool is_parameter_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '=' || c == '.' || c == '+' || c == '-';
}

// `data:<type>(;<param>)*,<payload>` with a payload of 48+ characters keeps its header and the payload's
// first 16 characters, then says how long it was. A scanner: one pass, no backtracking.
std::string truncate_data_urls(std::string_view s) {
  constexpr std::size_t kMinPayload = 48;
  constexpr std::size_t kKept = 16;
  std::string out;
  std::size_t last = 0;
  std::size_t pos = 0;
  while ((pos = s.find("data:", pos)) != std::string_view::npos) {
    std::size_t i = run_while(s, pos + 5, is_media_type_char);
    while (i < s.size() && s[i] == ';') {
      const std::size_t j = run_while(s, i + 1, is_parameter_char);
      if (j == i + 1) break;
      i = j;
    }
    if (i >= s.size() || s[i] != ',') {
      pos += 5;
      continue;
    }
    const std::size_t payload = i + 1;
    const std::size_t end = run_while(s, payload, is_data_payload_char);
    if (end - payload < kMinPayload) {
      pos = end > pos + 5 ? end : pos + 5;
      continue;
    }
    if (out.empty()) out.reserve(s.size() < 4096 ? s.size() : 4096);
    out.append(s.substr(last, payload + kKept - last));
    out += "…[";
    out += std::to_string(end - payload);
    out += " chars]";
    last = pos = end;
  }
  if (last == 0) return std::string(s);
  out.append(s.substr(last));
  return out;
}

}  // namespace

void Redactor::add_secret(std::string value) {
  secrets_->add(std::move(value));
}

void Redactor::add_log_only(std::string value) {
  log_only_.add(std::move(value));
}

std::string Redactor::redact(std::string_view text) const {
  std::string s = secrets_->scrubbed(text);
  log_only_.scrub(s);
  const auto& p = patterns();
  if (s.find("data:") != std::string::npos) s = truncate_data_urls(s);
  // Cheap pre-checks keep the pattern passes off ordinary lines. One lower-cased copy serves them all: the
  // replacements below only mask text, so a word missing before them is missing after them too.
  const std::string lower = text::lower(s);
  const auto has = [&lower](std::string_view word) { return lower.find(word) != std::string::npos; };
  if (s.find("PRIVATE KEY") != std::string::npos) RE2::GlobalReplace(&s, p.pem, "[REDACTED PRIVATE KEY]");
  if (has("bearer") || has("token") || has("basic"))
    mask_credentials(s, p.scheme, " [REDACTED]", scheme_credential_end);
  if (has("auth") || has("key")) mask_credentials(s, p.header, "[REDACTED]", header_credential_end);
  if (has("cookie")) mask_credentials(s, p.cookie_header, "[REDACTED] ", to_line_end);
  if (has("=")) {
    mask_credentials(s, p.query, "[REDACTED]", query_value_end);
    if (has("parley_session=")) mask_credentials(s, p.cookie_pair, "[REDACTED]", cookie_value_end);
  }
  if (has("\"") && has(":")) mask_credentials(s, p.json, "\"[REDACTED]\"", json_string_end);
  if (s.find("sk-") != std::string::npos || s.find("AKIA") != std::string::npos)
    RE2::GlobalReplace(&s, p.provider_key, "[REDACTED]");
  return s;
}

Redactor& global_redactor() {
  static Redactor r(known_secrets());
  return r;
}

}  // namespace parley
