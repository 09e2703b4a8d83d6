// Recursive-descent evaluation of calculator expressions:
//   expression := term (('+' | '-') term)*
//   term       := unary (('*' | '/' | '%') unary)*
//   unary      := ('-' | '+') unary | power
//   power      := primary (('^' | '**') unary)?      right-associative; -2^2 = -4, 2^-1 = 0.5
//   primary    := number | '(' expression ')'
#include <algorithm>
#include <string>

#include "mcp/builtin/calculator_math.hpp"

namespace parley::mcp::builtin {

namespace {

using R = Result<CalcNumber, Failure>;

constexpr int max_nesting = 200;

class ExpressionParser {
 public:
  explicit ExpressionParser(std::string_view text) : text_(text) {}

  R parse_all() {
    skip_spaces();
    if (pos_ == text_.size()) return fail("The expression is empty.");
    auto value = expression();
    if (!value) return value;
    skip_spaces();
    if (pos_ < text_.size()) {
      if (text_[pos_] == ')') return fail("Unmatched ')' at position " + position() + ".");
      return unexpected();
    }
    return value;
  }

 private:
  R expression() {
    auto left = term();
    while (left) {
      skip_spaces();
      if (!at('+') && !at('-')) break;
      const char op = text_[pos_++];
      auto right = term();
      if (!right) return right;
      left = op == '+' ? calc_add(left.value(), right.value()) : calc_subtract(left.value(), right.value());
    }
    return left;
  }

  R term() {
    auto left = unary();
    while (left) {
      skip_spaces();
      if (at('*') && !at_double_star()) {
        ++pos_;
        auto right = unary();
        if (!right) return right;
        left = calc_multiply(left.value(), right.value());
      } else if (at('/') || at('%')) {
        const char op = text_[pos_++];
        auto right = unary();
        if (!right) return right;
        left =
            op == '/' ? calc_divide(left.value(), right.value()) : calc_modulo(left.value(), right.value());
      } else {
        break;
      }
    }
    return left;
  }

  R unary() {
    if (++depth_ > max_nesting) return fail("The expression is nested too deeply.");
    skip_spaces();
    R result = fail("");
    if (at('-') || at('+')) {
      const char op = text_[pos_++];
      auto operand = unary();
      result = !operand || op == '+' ? operand : calc_negate(operand.value());
    } else {
      result = power();
    }
    --depth_;
    return result;
  }

  R power() {
    auto base = primary();
    if (!base) return base;
    skip_spaces();
    if (at('^') || at_double_star()) {
      pos_ += at('^') ? 1u : 2u;
      auto exponent = unary();
      if (!exponent) return exponent;
      return calc_power(base.value(), exponent.value());
    }
    return base;
  }

  R primary() {
    skip_spaces();
    if (pos_ == text_.size()) return fail("The expression ends where a number or '(' was expected.");
    if (at('(')) {
      const auto open = pos_++;
      auto inner = expression();
      if (!inner) return inner;
      skip_spaces();
      if (!at(')')) {
        if (pos_ < text_.size()) return unexpected();
        return fail("Missing ')' for the '(' at position " + std::to_string(open + 1) + ".");
      }
      ++pos_;
      return inner;
    }
    if (is_digit(text_[pos_]) || text_[pos_] == '.') return number();
    return unexpected();
  }

  R number() {
    const auto start = pos_;
    while (pos_ < text_.size() && (is_digit(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    // An exponent part: 1e5, 2.5E-3 (only when digits follow).
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      auto p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && is_digit(text_[p])) {
        while (p < text_.size() && is_digit(text_[p])) ++p;
        pos_ = p;
      }
    }
    const auto literal = text_.substr(start, pos_ - start);
    const auto mantissa = literal.substr(0, literal.find_first_of("eE"));
    if (std::count(mantissa.begin(), mantissa.end(), '.') > 1 ||
        mantissa.find_first_of("0123456789") == std::string_view::npos) {
      return fail("'" + std::string(literal) + "' at position " + std::to_string(start + 1) +
                  " is not a valid number.");
    }
    return CalcNumber::from_decimal_text(literal);  // fails only for values out of range
  }

  R unexpected() const {
    const unsigned char c = static_cast<unsigned char>(text_[pos_]);
    std::string what;
    if (c >= 0x80) {
      what = "a non-ASCII character";
    } else if (c < 0x20 || c == 0x7f) {
      what = "a control character";
    } else {
      what = "'" + std::string(1, static_cast<char>(c)) + "'";
    }
    return fail("Unexpected " + what + " at position " + position() +
                ": only numbers, + - * / % ^, parentheses and spaces are allowed.");
  }

  [[nodiscard]] std::string position() const { return std::to_string(pos_ + 1); }
  [[nodiscard]] bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  [[nodiscard]] bool at_double_star() const {
    return pos_ + 1 < text_.size() && text_[pos_] == '*' && text_[pos_ + 1] == '*';
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  void skip_spaces() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<CalcNumber, Failure> evaluate_expression(std::string_view expression) {
  if (expression.size() > max_expression_length) {
    return fail("The expression is longer than " + std::to_string(max_expression_length) + " characters.");
  }
  return ExpressionParser(expression).parse_all();
}

}  // namespace parley::mcp::builtin
