#include "llm/chunk_scan.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <utility>

namespace parley::llm {

namespace {

// A scanner for the one shape of JSON text it reads, written for the relay's hot path (P2): it walks the
// text once, keeps the few members the accumulator needs, and steps over every other value without building
// anything. It follows Boost.JSON's default rules (RFC 8259, UTF-8 checked as Boost.JSON checks it, depth
// ≤ 64) wherever it says "valid"; where the text is anything out of the ordinary — a surrogate in a \u
// escape, an escaped key, an exponent of five digits or more, nesting deeper than 32 — it gives up and the
// chunk is parsed in full, so it never has to be as complete as a JSON parser, only never more lenient than
// one.

// Byte classes inside a string: plain bytes, the quote, the backslash, control characters (not allowed in a
// JSON string) and the first byte of a multi-byte UTF-8 sequence (or a byte that cannot start one).
enum : std::uint8_t { kPlain, kQuote, kEscape, kControl, kHigh };

constexpr std::array<std::uint8_t, 256> string_classes() {
  std::array<std::uint8_t, 256> t{};
  for (std::size_t c = 0; c < 0x20; ++c) t[c] = kControl;
  for (std::size_t c = 0x80; c < 0x100; ++c) t[c] = kHigh;
  t['"'] = kQuote;
  t['\\'] = kEscape;
  return t;
}
constexpr auto kStringClass = string_classes();

constexpr int hex_digit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bits of the tracked members seen in one object: a repeated one gives up (a DOM keeps only the last).
constexpr std::uint8_t kModel = 1, kId = 2, kChoices = 4, kFinish = 8, kDelta = 16, kContent = 32,
                       kReasoning = 64;

constexpr std::size_t kMaxSkipDepth = 32;
// The largest chunk kept for the comparison with the next one (a stream's chunks are a few hundred bytes;
// the copy is made on every chunk that differs from the last in more than its content).
constexpr std::size_t kMaxKeptChunk = 4096;

class Scanner {
 public:
  Scanner(std::string_view text, ChunkScan& out)
      : p_(reinterpret_cast<const unsigned char*>(text.data())), end_(p_ + text.size()), out_(out) {}

  // What the shortcut of ChunkScan::scan needs to know about the last document read: the content strings
  // (their count; the place of the last one's token, quotes included; whether it was in the first choice)
  // and whether the first choice carried reasoning text.
  std::size_t content_strings = 0;
  std::pair<const unsigned char*, const unsigned char*> content_token;
  bool content_in_first = false, first_reasoning = false;

  bool document() {
    ws();
    if (p_ == end_ || *p_ != '{') return false;  // not an object: the full parse decides (and ignores it)
    if (!top_object()) return false;
    ws();
    return p_ == end_;
  }

  // The text is one JSON string and nothing else: its text is appended to `to`.
  bool only_string(std::string& to) {
    if (!at('"')) return false;
    std::string_view raw;
    bool escaped = false;
    if (!string(raw, escaped) || p_ != end_) return false;
    append_decoded(raw, escaped, to);
    return true;
  }

 private:
  const unsigned char* p_;
  const unsigned char* end_;
  ChunkScan& out_;

  void ws() {
    const unsigned char* p = p_;
    while (p != end_ && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
    p_ = p;
  }
  bool take(unsigned char c) {
    ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool at(unsigned char c) const { return p_ != end_ && *p_ == c; }

  // A multi-byte UTF-8 sequence at p_ (the rules of Unicode's table 3-7, as Boost.JSON checks them).
  bool utf8() {
    const unsigned char lead = *p_;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // no overlong forms
      if (lead == 0xED) high = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end_ - p_) < length) return false;
    if (p_[1] < low || p_[1] > high) return false;
    for (std::size_t i = 2; i < length; ++i) {
      if ((p_[i] & 0xC0) != 0x80) return false;
    }
    p_ += length;
    return true;
  }

  // The string at p_ (at its opening quote): its raw text between the quotes, and whether it holds escapes.
  // Eight bytes at a time while a word holds no quote, backslash, control character or byte ≥ 0x80 (the usual
  // bit tricks: a borrow only starts at a byte that matches, so the lowest flagged byte is the first special
  // one, and when the quote's own flag is that bit the string ends there), byte by byte near the end.
  bool string(std::string_view& raw, bool& escaped) {
    static_assert(std::endian::native == std::endian::little,
                  "the lowest bits of a word are its first bytes");
    constexpr std::uint64_t ones = 0x0101010101010101, high = 0x8080808080808080;
    const unsigned char* p = p_ + 1;
    const auto* start = p;
    escaped = false;
    const auto closed = [&] {
      raw = {reinterpret_cast<const char*>(start), static_cast<std::size_t>(p - start)};
      p_ = p + 1;
      return true;
    };
    for (;;) {
      while (end_ - p >= 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        const auto quote = w ^ (ones * '"');
        const auto special = (w | (w - ones * 0x20) | (quote - ones) | ((w ^ (ones * '\\')) - ones)) & high;
        if (special) {
          const auto first = special & (~special + 1);
          p += std::countr_zero(special) >> 3;
          if (first & (quote - ones) & ~quote) return closed();
          break;
        }
        p += 8;
      }
      while (p != end_ && kStringClass[*p] == kPlain) ++p;
      if (p == end_) return false;
      switch (kStringClass[*p]) {
        case kQuote:
          return closed();
        case kEscape:
          escaped = true;
          p_ = p;
          if (!escape()) return false;
          p = p_;
          continue;
        case kHigh:
          p_ = p;
          if (!utf8()) return false;
          p = p_;
          continue;
        default:  // a control character
          return false;
      }
    }
  }

  // An escape at p_ (at its backslash). A \u escape of a surrogate gives up: pairs are rare in chunks, and
  // the full parse has the rules for them.
  bool escape() {
    if (end_ - p_ < 2) return false;
    switch (p_[1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        p_ += 2;
        return true;
      case 'u': {
        if (end_ - p_ < 6) return false;
        unsigned code = 0;
        for (int i = 2; i < 6; ++i) {
          const int d = hex_digit(p_[i]);
          if (d < 0) return false;
          code = code * 16 + static_cast<unsigned>(d);
        }
        if (code >= 0xD800 && code <= 0xDFFF) return false;
        p_ += 6;
        return true;
      }
      default:
        return false;
    }
  }

  // Appends the text of a string checked by string() to `to`, its escapes decoded.
  static void append_decoded(std::string_view raw, bool escaped, std::string& to) {
    if (!escaped) {
      to.append(raw);
      return;
    }
    std::size_t i = 0;
    while (i < raw.size()) {
      const auto slash = raw.find('\\', i);
      if (slash == std::string_view::npos) {
        to.append(raw.substr(i));
        return;
      }
      to.append(raw.substr(i, slash - i));
      const char kind = raw[slash + 1];
      i = slash + 2;
      switch (kind) {
        case 'b':
          to += '\b';
          break;
        case 'f':
          to += '\f';
          break;
        case 'n':
          to += '\n';
          break;
        case 'r':
          to += '\r';
          break;
        case 't':
          to += '\t';
          break;
        case 'u': {
          unsigned code = 0;
          for (std::size_t k = 0; k < 4; ++k)
            code = code * 16 + static_cast<unsigned>(hex_digit(static_cast<unsigned char>(raw[i + k])));
          i += 4;
          if (code < 0x80) {
            to += static_cast<char>(code);
          } else if (code < 0x800) {
            to += static_cast<char>(0xC0 | (code >> 6));
            to += static_cast<char>(0x80 | (code & 0x3F));
          } else {  // not a surrogate: escape() gave up on those
            to += static_cast<char>(0xE0 | (code >> 12));
            to += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            to += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default:  // '"', '\\', '/'
          to += kind;
      }
    }
  }

  bool digits(std::size_t& count) {
    count = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      ++p_;
      ++count;
    }
    return count > 0;
  }

  // A number at p_, by RFC 8259's grammar. Gives up on an exponent of five digits or more (Boost.JSON refuses
  // some of those) and on a number longer than 64 characters.
  bool number() {
    const auto* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_) return false;
    std::size_t count = 0;
    if (*p_ == '0') {
      ++p_;
    } else if (!digits(count)) {
      return false;
    }
    if (at('.')) {
      ++p_;
      if (!digits(count)) return false;
    }
    if (at('e') || at('E')) {
      ++p_;
      if (at('+') || at('-')) ++p_;
      if (!digits(count) || count > 4) return false;
    }
    return p_ - start <= 64;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size()) return false;
    if (std::string_view(reinterpret_cast<const char*>(p_), word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  // Any value at p_, kept nowhere.
  bool skip(std::size_t depth) {
    ws();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        if (depth >= kMaxSkipDepth) return false;
        return members([&](std::string_view, bool) { return skip(depth + 1); });
      case '[':
        if (depth >= kMaxSkipDepth) return false;
        return elements([&](std::size_t) { return skip(depth + 1); });
      case '"': {
        std::string_view raw;
        bool escaped = false;
        return string(raw, escaped);
      }
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) && number();
    }
  }

  // The items of the object or array at p_ (at its opening bracket), separated by commas up to `close`:
  // `item(index)` reads each one.
  template <typename Item>
  bool items(unsigned char close, Item&& item) {
    ++p_;
    ws();
    for (std::size_t index = 0;; ++index) {
      if (index == 0 && at(close)) break;  // empty
      if (!item(index)) return false;
      ws();
      if (at(close)) break;
      if (!at(',')) return false;
      ++p_;
    }
    ++p_;
    return true;
  }

  // The members of the object at p_ (at its '{'): `member(key, escaped)` reads each value.
  template <typename Member>
  bool members(Member&& member) {
    return items('}', [&](std::size_t) {
      ws();
      if (!at('"')) return false;
      std::string_view key;
      bool escaped = false;
      return string(key, escaped) && take(':') && member(key, escaped);
    });
  }

  // The elements of the array at p_ (at its '['): `element(index)` reads each one.
  template <typename Element>
  bool elements(Element&& element) {
    return items(']', element);
  }

  // The value of a member the accumulator handles elsewhere: only null is read here.
  bool null_only() {
    ws();
    return literal("null");
  }

  // A tracked member's value that is a string or null: the string is appended to `to` (after `before` runs)
  // and `seen` is set; anything else gives up.
  template <typename Before>
  bool string_or_null(std::string& to, bool& seen, Before&& before) {
    ws();
    if (at('n')) return literal("null");
    if (!at('"')) return false;
    std::string_view raw;
    bool escaped = false;
    if (!string(raw, escaped)) return false;
    before();
    seen = true;
    append_decoded(raw, escaped, to);
    return true;
  }
  bool string_or_null(std::string& to, bool& seen) {
    return string_or_null(to, seen, [] {});
  }

  static bool once(std::uint8_t& seen, std::uint8_t bit) {
    if (seen & bit) return false;
    seen |= bit;
    return true;
  }

  bool top_object() {
    std::uint8_t seen = 0;
    return members([&](std::string_view key, bool escaped) {
      if (escaped) return false;  // a key with escapes could name anything: the full parse reads it
      if (key == "model") return once(seen, kModel) && string_or_null(out_.model, out_.has_model);
      if (key == "id") {
        if (!once(seen, kId)) return false;
        ws();
        if (!at('"')) return skip(0);  // an id that is not a string is ignored
        return string_or_null(out_.id, out_.has_id);
      }
      if (key == "choices") {
        if (!once(seen, kChoices)) return false;
        ws();
        if (!at('[')) return skip(0);  // choices that is not an array is ignored
        return elements([&](std::size_t index) {
          ws();
          if (!at('{')) return skip(1);  // a choice that is not an object is ignored
          return choice(index == 0);
        });
      }
      if (key == "usage" || key == "meta" || key == "error" || key == "reasoning") return null_only();
      return skip(0);
    });
  }

  bool choice(bool first) {
    std::uint8_t seen = 0;
    return members([&](std::string_view key, bool escaped) {
      if (escaped) return false;
      if (key == "finish_reason") {
        // Each choice's finish_reason replaces the one before: the full parse keeps the last one not null.
        bool has = false;
        return once(seen, kFinish) && string_or_null(out_.finish_reason, has, [&] {
                 out_.finish_reason.clear();
                 out_.has_finish_reason = true;
               });
      }
      if (key == "delta") {
        if (!once(seen, kDelta)) return false;
        ws();
        if (!at('{')) return skip(2);  // a delta that is not an object is ignored
        return delta(first);
      }
      if (key == "message") return null_only();
      return skip(2);
    });
  }

  bool delta(bool first) {
    std::uint8_t seen = 0;
    return members([&](std::string_view key, bool escaped) {
      if (escaped) return false;
      // Content and reasoning text of several choices are joined, as the full parse joins them.
      if (key == "content") {
        if (!once(seen, kContent)) return false;
        ws();
        const auto begin = p_;
        bool has = false;
        const auto before = out_.content.size();
        if (!string_or_null(out_.content, has)) return false;
        if (has) {
          ++content_strings;
          content_token = {begin, p_};
          content_in_first = first;
        }
        if (first && out_.content.size() > before) out_.first_choice_delta = true;
        return true;
      }
      if (key == "reasoning") {
        const auto before = out_.reasoning.size();
        if (!once(seen, kReasoning) || !string_or_null(out_.reasoning, out_.has_reasoning)) return false;
        if (first && out_.reasoning.size() > before) out_.first_choice_delta = first_reasoning = true;
        return true;
      }
      if (key == "tool_calls" || key == "annotations" || key == "reasoning_details" || key == "images")
        return null_only();
      return skip(3);
    });
  }
};

}  // namespace

bool ChunkScan::scan(std::string_view json) {
  if (like_the_last(json)) return true;
  shortcut_ = false;
  model.clear();
  id.clear();
  content.clear();
  reasoning.clear();
  finish_reason.clear();
  has_model = has_id = has_reasoning = has_finish_reason = first_choice_delta = false;
  Scanner scanner(json, *this);
  if (!scanner.document()) return false;
  if (scanner.content_strings == 1 && json.size() <= kMaxKeptChunk) {
    const auto* base = reinterpret_cast<const unsigned char*>(json.data());
    last_.assign(json);
    content_begin_ = static_cast<std::size_t>(scanner.content_token.first - base);
    content_end_ = static_cast<std::size_t>(scanner.content_token.second - base);
    content_in_first_ = scanner.content_in_first;
    first_reasoning_ = scanner.first_reasoning;
    shortcut_ = true;
  }
  return true;
}

bool ChunkScan::like_the_last(std::string_view json) {
  if (!shortcut_) return false;
  const auto prefix = content_begin_;
  const auto suffix = last_.size() - content_end_;
  if (json.size() < prefix + suffix + 2 || json.compare(0, prefix, last_, 0, prefix) != 0 ||
      json.compare(json.size() - suffix, suffix, last_, content_end_, suffix) != 0)
    return false;
  // Everything around the content string is the last chunk's, byte for byte: if what lies between is one
  // string too, the chunk is as valid as the last one and differs from it only in that string. The other
  // members keep what the last chunk's scan set.
  content.clear();
  if (!Scanner(json.substr(prefix, json.size() - prefix - suffix), *this).only_string(content)) return false;
  first_choice_delta = first_reasoning_ || (content_in_first_ && !content.empty());
  return true;
}

}  // namespace parley::llm
