// The calculator's arithmetic: exact rational numbers where possible, doubles where not, and a
// recursive-descent parser for expressions (+ - * / % ^, parentheses, unary minus, decimals).
//
// Why rationals: a decimal literal such as 0.1 is read as exactly 1/10, so 0.1 + 0.2 is exactly 3/10 and is
// printed "0.3". A value whose decimal expansion ends (denominator 2^a·5^b) is printed exactly, up to 40
// significant digits. Everything else (1/3, 2^0.5, results too large for exact arithmetic) becomes a double
// and is printed with 15 significant digits, trailing zeros removed ("0.333333333333333", "1.4142135623731").
// A JSON number handed to calculator_evaluate is taken as the shortest decimal that reads back as the same
// double, so 0.1 from JSON is 1/10 too.
#pragma once

#include <boost/json/value.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <string>
#include <string_view>

#include "mcp/failure.hpp"

namespace parley::mcp::builtin {

using Rational = boost::multiprecision::cpp_rational;

class CalcNumber {
 public:
  static CalcNumber exact(Rational value);
  static CalcNumber approximate(double value);
  // "12", "-0.25", "1.5e3", ".5"; nullopt-like failure on anything else.
  static Result<CalcNumber, Failure> from_decimal_text(std::string_view text);
  static Result<CalcNumber, Failure> from_json(const boost::json::value& number);

  [[nodiscard]] bool is_exact() const { return exact_; }
  [[nodiscard]] const Rational& rational() const { return rational_; }
  [[nodiscard]] double to_double() const;
  [[nodiscard]] bool is_zero() const;

 private:
  bool exact_ = true;
  Rational rational_;
  double approximate_ = 0;
};

Result<CalcNumber, Failure> calc_add(const CalcNumber& a, const CalcNumber& b);
Result<CalcNumber, Failure> calc_subtract(const CalcNumber& a, const CalcNumber& b);
Result<CalcNumber, Failure> calc_multiply(const CalcNumber& a, const CalcNumber& b);
Result<CalcNumber, Failure> calc_divide(const CalcNumber& a, const CalcNumber& b);
// Remainder with the sign of the dividend (as C's fmod and JavaScript's %): -7 % 3 = -1.
Result<CalcNumber, Failure> calc_modulo(const CalcNumber& a, const CalcNumber& b);
Result<CalcNumber, Failure> calc_power(const CalcNumber& base, const CalcNumber& exponent);
Result<CalcNumber, Failure> calc_negate(const CalcNumber& a);

std::string format_number(const CalcNumber& n);

// Evaluates an expression; failures say what was wrong and where (1-based character position).
Result<CalcNumber, Failure> evaluate_expression(std::string_view expression);

inline constexpr std::size_t max_expression_length = 10000;

}  // namespace parley::mcp::builtin
