#include "core/json.hpp"

#include <algorithm>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <vector>

namespace parley::json {

std::optional<bj::value> parse(std::string_view text, std::string* error) {
  bj::parse_options opts;
  opts.max_depth = 64;
  bj::parser p(bj::storage_ptr(), opts);
  boost::system::error_code ec;
  p.write(text.data(), text.size(), ec);
  if (ec) {
    if (error) *error = ec.message();
    return std::nullopt;
  }
  return p.release();
}

namespace {

// Doubles in their shortest round-trip form ("0.7", not Boost 1.81's "7E-1"); everything else as Boost writes
// it.
void write_compact(const bj::value& v, std::string& out) {
  switch (v.kind()) {
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
        out += bj::serialize(bj::value(kv.key()));
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
