#include "net/multipart_parser.hpp"

#include <vector>

#include "core/text.hpp"
#include "net/http_types.hpp"

namespace parley::net {

namespace {

bool token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 32 || u >= 127) return false;
  return std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (!token_char(c)) return false;
  return true;
}

// Parameters of a header value after its first ';': name (lower-cased) and value (quoted strings unescaped).
// Returns false on an unterminated quoted string.
bool parse_parameters(std::string_view rest, std::vector<std::pair<std::string, std::string>>& out) {
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ';' || rest[i] == ' ' || rest[i] == '\t')) ++i;
    if (i >= rest.size()) break;
    const auto eq = rest.find_first_of("=;", i);
    if (eq == std::string_view::npos || rest[eq] == ';') {
      i = eq == std::string_view::npos ? rest.size() : eq;  // a parameter without value: ignored
      continue;
    }
    std::string name(text::trim(rest.substr(i, eq - i), text::kBlanks));
    for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    i = eq + 1;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
    std::string value;
    if (i < rest.size() && rest[i] == '"') {
      ++i;
      bool closed = false;
      while (i < rest.size()) {
        const char c = rest[i];
        // Only \" and \\ are escapes: Windows paths sent by old clients keep their backslashes.
        if (c == '\\' && i + 1 < rest.size() && (rest[i + 1] == '"' || rest[i + 1] == '\\')) {
          value += rest[i + 1];
          i += 2;
          continue;
        }
        if (c == '"') {
          closed = true;
          ++i;
          break;
        }
        value += c;
        ++i;
      }
      if (!closed) return false;
      while (i < rest.size() && rest[i] != ';') ++i;
    } else {
      const auto end = rest.find(';', i);
      value = std::string(text::trim(
          rest.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i), text::kBlanks));
      i = end == std::string_view::npos ? rest.size() : end;
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

// RFC 5987 ext-value: charset'language'percent-encoded. Only UTF-8 (and ASCII) are understood.
std::optional<std::string> decode_ext_value(std::string_view v) {
  const auto q1 = v.find('\'');
  if (q1 == std::string_view::npos) return std::nullopt;
  const auto q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  const auto charset = v.substr(0, q1);
  if (!iequals(charset, "utf-8") && !iequals(charset, "us-ascii")) return std::nullopt;
  std::string out;
  if (!percent_decode(v.substr(q2 + 1), out)) return std::nullopt;
  return out;
}

bool boundary_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  if (!iequals(text::trim(content_type.substr(0, semi), text::kBlanks), "multipart/form-data"))
    return std::nullopt;
  std::vector<std::pair<std::string, std::string>> params;
  if (!parse_parameters(content_type.substr(semi + 1), params)) return std::nullopt;
  for (const auto& [name, value] : params) {
    if (name != "boundary") continue;
    if (value.empty() || value.size() > 70 || value.back() == ' ') return std::nullopt;
    for (const char c : value)
      if (!boundary_char(c)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

MultipartParser::MultipartParser(std::string boundary, MultipartLimits limits)
    : delimiter_("\r\n--" + boundary), limits_(limits) {
  // The first boundary may open the body without a preceding line break: pretend there was one.
  buffer_ = "\r\n";
}

MultipartParser::Status MultipartParser::fail(std::string message) {
  state_ = State::failed;
  error_ = std::move(message);
  buffer_.clear();
  return Status::error;
}

MultipartParser::Status MultipartParser::feed(std::string_view data, MultipartSink& sink) {
  switch (state_) {
    case State::failed:
      return Status::error;
    case State::stopped:
      return Status::stopped;
    case State::epilogue:
      return Status::done;  // the epilogue is ignored
    default:
      break;
  }
  buffer_.append(data);
  return run(sink);
}

MultipartParser::Status MultipartParser::finish() {
  switch (state_) {
    case State::epilogue:
      return Status::done;
    case State::failed:
      return Status::error;
    case State::stopped:
      return Status::stopped;
    case State::preamble:
      return fail("no multipart boundary found in the body");
    default:
      return fail("the body ended before the closing multipart boundary (truncated upload)");
  }
}

MultipartParser::Status MultipartParser::run(MultipartSink& sink) {
  for (;;) {
    switch (state_) {
      case State::preamble: {
        // The preamble is counted the same however the body arrives: bytes dropped so far plus those before
        // the delimiter (the 2 are the pretended line break in front of the body).
        const auto limit = limits_.max_preamble_bytes + 2;
        const auto pos = buffer_.find(delimiter_);
        if (pos == std::string::npos) {
          const auto keep = delimiter_.size() - 1;
          if (buffer_.size() > keep) {
            preamble_seen_ += buffer_.size() - keep;
            buffer_.erase(0, buffer_.size() - keep);
          }
          if (preamble_seen_ > limit) return fail("no multipart boundary found in the body");
          return Status::more;
        }
        if (preamble_seen_ + pos > limit) return fail("no multipart boundary found in the body");
        buffer_.erase(0, pos + delimiter_.size());
        state_ = State::after_delimiter;
        break;
      }
      case State::after_delimiter: {
        if (buffer_.size() < 2) return Status::more;
        if (buffer_[0] == '-' && buffer_[1] == '-') {
          state_ = State::epilogue;
          buffer_.clear();
          return Status::done;
        }
        std::size_t i = 0;
        while (i < buffer_.size() && (buffer_[i] == ' ' || buffer_[i] == '\t')) ++i;  // transport padding
        if (i > 64) return fail("malformed multipart boundary line");
        if (buffer_.size() < i + 2) return Status::more;
        if (buffer_[i] != '\r' || buffer_[i + 1] != '\n') return fail("malformed multipart boundary line");
        buffer_.erase(0, i + 2);
        state_ = State::headers;
        break;
      }
      case State::headers: {
        std::size_t block_end = 0;
        std::size_t consumed = 0;
        if (buffer_.size() >= 2 && buffer_[0] == '\r' && buffer_[1] == '\n') {
          consumed = 2;  // a part without headers
        } else {
          const auto pos = buffer_.find("\r\n\r\n");
          if (pos == std::string::npos) {
            // Too large only once the block cannot end within the limit: its CR LF CR LF may have begun in
            // the last 3 bytes, so the answer does not depend on where the reads end.
            if (buffer_.size() > limits_.max_part_header_bytes + 3)
              return fail("multipart part headers too large");
            return Status::more;
          }
          if (pos > limits_.max_part_header_bytes) return fail("multipart part headers too large");
          block_end = pos;
          consumed = pos + 4;
        }
        MultipartPartHeaders headers;
        if (!parse_headers(std::string_view(buffer_).substr(0, block_end), headers)) return Status::error;
        buffer_.erase(0, consumed);
        if (++parts_ > limits_.max_parts) return fail("too many multipart parts");
        state_ = State::body;
        if (!sink.on_part_begin(headers)) {
          state_ = State::stopped;
          return Status::stopped;
        }
        break;
      }
      case State::body: {
        const auto pos = buffer_.find(delimiter_);
        if (pos == std::string::npos) {
          // Hold back only what could be the start of a delimiter (which begins with CR).
          const auto keep = delimiter_.size() - 1;
          const auto tail = buffer_.size() > keep ? buffer_.size() - keep : 0;
          const auto cr = buffer_.find('\r', tail);
          const auto emit = cr == std::string::npos ? buffer_.size() : cr;
          if (emit > 0) {
            if (!sink.on_part_data(std::string_view(buffer_).substr(0, emit))) {
              state_ = State::stopped;
              return Status::stopped;
            }
            buffer_.erase(0, emit);
          }
          return Status::more;
        }
        if (pos > 0 && !sink.on_part_data(std::string_view(buffer_).substr(0, pos))) {
          state_ = State::stopped;
          return Status::stopped;
        }
        buffer_.erase(0, pos + delimiter_.size());
        state_ = State::after_delimiter;
        if (!sink.on_part_end()) {
          state_ = State::stopped;
          return Status::stopped;
        }
        break;
      }
      case State::epilogue:
        buffer_.clear();
        return Status::done;
      case State::failed:
        return Status::error;
      case State::stopped:
        return Status::stopped;
    }
  }
}

bool MultipartParser::parse_headers(std::string_view block, MultipartPartHeaders& out) {
  bool have_disposition = false;
  bool have_type = false;
  std::size_t i = 0;
  while (i < block.size()) {
    const auto end = block.find("\r\n", i);
    const auto line = block.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    i = end == std::string_view::npos ? block.size() : end + 2;
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
      fail("a multipart part header contains a bare CR, LF or NUL");
      return false;
    }
    if (line.empty() || line.front() == ' ' || line.front() == '\t') {
      fail("malformed multipart part header (folded or empty line)");
      return false;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      fail("malformed multipart part header");
      return false;
    }
    const auto name = line.substr(0, colon);
    const auto value = text::trim(line.substr(colon + 1), text::kBlanks);
    if (iequals(name, "Content-Disposition")) {
      if (have_disposition) {
        fail("a multipart part has two Content-Disposition headers");
        return false;
      }
      have_disposition = true;
      const auto semi = value.find(';');
      if (!iequals(text::trim(value.substr(0, semi), text::kBlanks), "form-data")) {
        fail("a multipart part is not form-data");
        return false;
      }
      std::vector<std::pair<std::string, std::string>> params;
      if (semi != std::string_view::npos && !parse_parameters(value.substr(semi + 1), params)) {
        fail("malformed Content-Disposition in a multipart part");
        return false;
      }
      bool have_name = false, have_filename = false, have_ext = false;
      std::optional<std::string> ext_filename;
      for (auto& [pname, pvalue] : params) {
        bool* seen = pname == "name"        ? &have_name
                     : pname == "filename"  ? &have_filename
                     : pname == "filename*" ? &have_ext
                                            : nullptr;
        if (!seen) continue;
        if (*seen) {
          fail("a multipart part repeats the Content-Disposition parameter " + pname);
          return false;
        }
        *seen = true;
        if (pname == "name") out.name = std::move(pvalue);
        if (pname == "filename") out.filename = std::move(pvalue);
        if (pname == "filename*") ext_filename = decode_ext_value(pvalue);
      }
      if (!have_name) {
        fail("a multipart part has no name");
        return false;
      }
      if (ext_filename) out.filename = std::move(ext_filename);
    } else if (iequals(name, "Content-Type")) {
      if (have_type) {
        fail("a multipart part has two Content-Type headers");
        return false;
      }
      have_type = true;
      out.content_type = std::string(value);
    }
  }
  if (!have_disposition) {
    fail("a multipart part has no Content-Disposition header");
    return false;
  }
  return true;
}

}  // namespace parley::net
