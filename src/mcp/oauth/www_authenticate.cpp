#include "mcp/oauth/www_authenticate.hpp"

#include <cctype>

namespace parley::mcp::oauth {

namespace {

bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token68_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' || c == '~' ||
         c == '+' || c == '/';
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}
  [[nodiscard]] bool done() const { return i_ >= s_.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : s_[i_]; }
  void skip_spaces() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  void skip_spaces_and_commas() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
  }
  std::string_view token() {
    const auto start = i_;
    while (!done() && is_tchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  // After the opening quote: the unescaped content, or nullopt when the closing quote is missing.
  std::optional<std::string> quoted() {
    std::string out;
    ++i_;
    while (!done()) {
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) return std::nullopt;
        out += s_[i_++];
        continue;
      }
      out += c;
    }
    return std::nullopt;
  }
  [[nodiscard]] std::size_t position() const { return i_; }
  void rewind(std::size_t to) { i_ = to; }
  std::string_view rest_from(std::size_t from, std::size_t to) const { return s_.substr(from, to - from); }
  void advance() { ++i_; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

enum class ParamResult { param, not_a_param, malformed };

// One `name = value` at the scanner; leaves the scanner where it was unless it read a parameter.
ParamResult read_param(Scanner& in, AuthChallenge& challenge) {
  const auto start = in.position();
  in.skip_spaces();
  const auto name = in.token();
  if (name.empty()) {
    in.rewind(start);
    return ParamResult::not_a_param;
  }
  in.skip_spaces();
  if (in.peek() != '=') {
    in.rewind(start);
    return ParamResult::not_a_param;
  }
  in.advance();
  in.skip_spaces();
  if (in.peek() == '"') {
    auto value = in.quoted();
    if (!value) return ParamResult::malformed;
    challenge.params[lower(name)] = std::move(*value);
    return ParamResult::param;
  }
  const auto value = in.token();
  if (value.empty()) {
    in.rewind(start);  // "abc=" with nothing after: the padding of a token68
    return ParamResult::not_a_param;
  }
  challenge.params[lower(name)] = std::string(value);
  return ParamResult::param;
}

}  // namespace

std::vector<AuthChallenge> parse_www_authenticate(std::string_view header) {
  std::vector<AuthChallenge> out;
  Scanner in(header);
  while (true) {
    in.skip_spaces_and_commas();
    const auto scheme = in.token();
    if (scheme.empty()) break;  // the end, or a byte no challenge can start with
    AuthChallenge challenge;
    challenge.scheme = lower(scheme);
    const auto after_scheme = in.position();
    in.skip_spaces();
    bool malformed = false;
    if (in.position() > after_scheme) {  // a scheme alone has nothing more
      auto first = read_param(in, challenge);
      if (first == ParamResult::not_a_param) {
        // token68: its characters, then '=' padding, then the end or a comma
        const auto start = in.position();
        while (!in.done() && is_token68_char(in.peek())) in.advance();
        while (!in.done() && in.peek() == '=') in.advance();
        challenge.token68 = std::string(in.rest_from(start, in.position()));
      }
      malformed = first == ParamResult::malformed;
      while (first == ParamResult::param) {
        in.skip_spaces();
        if (in.peek() != ',') break;
        const auto comma = in.position();
        in.advance();
        in.skip_spaces_and_commas();
        first = read_param(in, challenge);
        if (first == ParamResult::not_a_param) in.rewind(comma);  // the next challenge starts here
        malformed = first == ParamResult::malformed;
      }
    }
    out.push_back(std::move(challenge));
    if (malformed) break;
    in.skip_spaces();
    if (!in.done() && in.peek() != ',') break;  // junk after a challenge
  }
  return out;
}

std::optional<BearerChallenge> find_bearer_challenge(const std::vector<std::string>& headers) {
  for (const auto& header : headers) {
    for (auto& challenge : parse_www_authenticate(header)) {
      if (challenge.scheme != "bearer") continue;
      BearerChallenge bearer;
      auto take = [&](const char* name) -> std::optional<std::string> {
        auto it = challenge.params.find(name);
        if (it == challenge.params.end()) return std::nullopt;
        return it->second;
      };
      bearer.error = take("error").value_or("");
      bearer.error_description = take("error_description").value_or("");
      bearer.scope = take("scope");
      bearer.resource_metadata = take("resource_metadata");
      return bearer;
    }
  }
  return std::nullopt;
}

}  // namespace parley::mcp::oauth
