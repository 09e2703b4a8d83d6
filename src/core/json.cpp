#include "core/json.hpp"

#include <algorithm>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <vector>

namespace parley::json {

std::optional<bj::value> parse(std::string_view text, std::string* error) {
  // One parser per thread, reset for each text: constructing one allocated its stack every time (a history
  // load parses the metadata of every row).
  thread_local bj::parser p(bj::storage_ptr(), [] {
    bj::parse_options opts;
    opts.max_depth = 64;
    return opts;
  }());
  p.reset();
  boost::system::error_code ec;
  p.write(text.data(), text.size(), ec);
  if (ec) {
    if (error) *error = ec.message();
    return std::nullopt;
  }
  return p.release();
}

namespace {

// A string as Boost.JSON's serializer writes it: `"` and `\\` escaped, control characters as \b \t \n \f \r
// or \u00xx, everything else (UTF-8 included) as is. Written here, not through bj::serialize, because a
// serializer per string was most of the time of a large response (history_bench).
void write_string(std::string_view s, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending unescaped run
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Eight bytes at a time while none needs an escape (a byte < 0x20, '"' or '\\').
    while (i + 8 <= s.size()) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
      const std::uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
      const std::uint64_t special =
          (((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & highs;
      if (special) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out += '\\';
    switch (c) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '\b':
        out += 'b';
        break;
      case '\t':
        out += 't';
        break;
      case '\n':
        out += 'n';
        break;
      case '\f':
        out += 'f';
        break;
      case '\r':
        out += 'r';
        break;
      default:
        out += "u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// Doubles in their shortest round-trip form ("0.7", not Boost 1.81's "7E-1"); everything else as Boost writes
// it.
void write_compact(const bj::value& v, std::string& out) {
  switch (v.kind()) {
    case bj::kind::string:
      write_string(v.get_string(), out);
      return;
    case bj::kind::int64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.get_int64());
      out.append(buf, r.ptr);
      return;
    }
    case bj::kind::uint64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
      out.append(buf, r.ptr);
      return;
    }
    case bj::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case bj::kind::null:
      out += "null";
      return;
    case bj::kind::double_: {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());
      out.append(buf, r.ptr);
      // Keep a double a double when it is read back ("100.0", not "100").
      if (std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)).find_first_of(".e") ==
          std::string_view::npos) {
        out += ".0";
      }
      return;
    }
    case bj::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        write_string(kv.key(), out);
        out += ':';
        write_compact(kv.value(), out);
      }
      out += '}';
      return;
    }
    case bj::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_compact(item, out);
      }
      out += ']';
      return;
    }
    default:
      out += bj::serialize(v);
  }
}

}  // namespace

std::string serialize(const bj::value& v) {
  std::string out;
  write_compact(v, out);
  return out;
}

void serialize_append(const bj::value& v, std::string& out) {
  write_compact(v, out);
}

void append_string(std::string_view s, std::string& out) {
  write_string(s, out);
}

namespace {

void indent(std::string& out, int level) {
  out.append(static_cast<std::size_t>(level) * 2, ' ');
}

void pretty(const bj::value& v, std::string& out, int level) {
  switch (v.kind()) {
    case bj::kind::object: {
      const auto& obj = v.get_object();
      if (obj.empty()) {
        out += "{}";
        return;
      }
      std::vector<const bj::key_value_pair*> items;
      for (const auto& kv : obj) items.push_back(&kv);
      std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
      out += "{\n";
      for (std::size_t i = 0; i < items.size(); ++i) {
        indent(out, level + 1);
        out += bj::serialize(bj::value(items[i]->key()));
        out += ": ";
        pretty(items[i]->value(), out, level + 1);
        if (i + 1 < items.size()) out += ',';
        out += '\n';
      }
      indent(out, level);
      out += '}';
      return;
    }
    case bj::kind::array: {
      const auto& arr = v.get_array();
      if (arr.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (std::size_t i = 0; i < arr.size(); ++i) {
        indent(out, level + 1);
        pretty(arr[i], out, level + 1);
        if (i + 1 < arr.size()) out += ',';
        out += '\n';
      }
      indent(out, level);
      out += ']';
      return;
    }
    default:
      out += parley::json::serialize(v);
  }
}

}  // namespace

std::string pretty_sorted(const bj::value& v) {
  std::string out;
  pretty(v, out, 0);
  out += '\n';
  return out;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const auto n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string string_member(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace parley::json
