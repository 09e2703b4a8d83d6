// The calculator's exact arithmetic, number formatting and expression parser.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "mcp/builtin/calculator_math.hpp"

using namespace parley::mcp::builtin;
namespace bj = boost::json;

namespace {

std::string eval(std::string_view expression) {
  auto r = evaluate_expression(expression);
  return r ? format_number(r.value()) : "error: " + r.error().message;
}

}  // namespace

TEST(McpBuiltinCalculator, DecimalsAreExact) {
  EXPECT_EQ(eval("0.1 + 0.2"), "0.3");
  EXPECT_EQ(eval("1.1 * 1.1"), "1.21");
  EXPECT_EQ(eval("0.3 - 0.1"), "0.2");
  EXPECT_EQ(eval("1 / 8"), "0.125");
  EXPECT_EQ(eval("10 / 4"), "2.5");
  EXPECT_EQ(eval("2 ^ -30"), "0.000000000931322574615478515625");
  EXPECT_EQ(eval("1e3 + .5"), "1000.5");
  EXPECT_EQ(eval("2.50"), "2.5");
  EXPECT_EQ(eval("-0"), "0");
}

TEST(McpBuiltinCalculator, PrecedenceAssociativityAndUnaryMinus) {
  EXPECT_EQ(eval("2 + 3 * 4"), "14");
  EXPECT_EQ(eval("(2 + 3) * 4"), "20");
  EXPECT_EQ(eval("2 ^ 3 ^ 2"), "512");  // right-associative
  EXPECT_EQ(eval("-2 ^ 2"), "-4");
  EXPECT_EQ(eval("(-2) ^ 2"), "4");
  EXPECT_EQ(eval("2 ** 10"), "1024");
  EXPECT_EQ(eval("10 - 4 - 3"), "3");
  EXPECT_EQ(eval("100 / 10 / 5"), "2");
  EXPECT_EQ(eval("--3"), "3");
  EXPECT_EQ(eval("-(1 + 2) * +3"), "-9");
  EXPECT_EQ(eval("7 % 3"), "1");
  EXPECT_EQ(eval("-7 % 3"), "-1");  // sign of the dividend
  EXPECT_EQ(eval("5.5 % 2"), "1.5");
  EXPECT_EQ(eval(" 1\t+\n2 "), "3");
}

TEST(McpBuiltinCalculator, InexactResultsHaveFifteenSignificantDigits) {
  EXPECT_EQ(eval("1 / 3"), "0.333333333333333");
  EXPECT_EQ(eval("2 / 3"), "0.666666666666667");
  EXPECT_EQ(eval("2 ^ 0.5"), "1.4142135623731");
  EXPECT_EQ(eval("2 ^ 0.5 * 2 ^ 0.5"), "2");
  EXPECT_EQ(eval("2 ^ 200"), "1.60693804425899e+60");  // more digits than printed exactly
  EXPECT_EQ(eval("12345678901234567890123456789012345678 + 1"), "12345678901234567890123456789012345679");
}

TEST(McpBuiltinCalculator, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(eval("1 / 0"), "error: Division by zero is undefined.");
  EXPECT_EQ(eval("1 / (2 - 2)"), "error: Division by zero is undefined.");
  EXPECT_EQ(eval("5 % 0"), "error: Modulo by zero is undefined.");
  EXPECT_EQ(eval("0 ^ -1"), "error: Division by zero is undefined (zero to a negative power).");
  EXPECT_EQ(eval(""), "error: The expression is empty.");
  EXPECT_EQ(eval("   "), "error: The expression is empty.");
  EXPECT_EQ(eval("2 +"), "error: The expression ends where a number or '(' was expected.");
  EXPECT_EQ(eval("(1 + 2"), "error: Missing ')' for the '(' at position 1.");
  EXPECT_EQ(eval("1 + 2)"), "error: Unmatched ')' at position 6.");
  EXPECT_EQ(
      eval("2 x 3"),
      "error: Unexpected 'x' at position 3: only numbers, + - * / % ^, parentheses and spaces are allowed.");
  EXPECT_EQ(
      eval("2(3)"),
      "error: Unexpected '(' at position 2: only numbers, + - * / % ^, parentheses and spaces are allowed.");
  EXPECT_EQ(eval("1.2.3"), "error: '1.2.3' at position 1 is not a valid number.");
  EXPECT_EQ(eval("."), "error: '.' at position 1 is not a valid number.");
  EXPECT_NE(eval("2 \xC3\xA9 3").find("a non-ASCII character at position 3"), std::string::npos);
  EXPECT_NE(eval(std::string("1 +\0 2", 6)).find("a control character"), std::string::npos);
  EXPECT_EQ(eval("(-8) ^ 0.5"), "error: The result is not a real number.");
  EXPECT_EQ(eval("10 ^ 400 ^ 2"), "error: The result is too large to represent.");
  EXPECT_EQ(eval("1e999999"), "error: The result is too large to represent.");
  EXPECT_EQ(
      eval("rm -rf /"),
      "error: Unexpected 'r' at position 1: only numbers, + - * / % ^, parentheses and spaces are allowed.");
}

TEST(McpBuiltinCalculator, HostileSizesAreBounded) {
  EXPECT_EQ(eval(std::string(10001, '1')), "error: The expression is longer than 10000 characters.");
  EXPECT_EQ(eval(std::string(300, '(') + "1" + std::string(300, ')')),
            "error: The expression is nested too deeply.");
  EXPECT_EQ(eval(std::string(300, '-') + "1"), "error: The expression is nested too deeply.");
  EXPECT_EQ(eval(std::string(150, '(') + "1" + std::string(150, ')')), "1");
  // Huge exact powers fall back to doubles instead of allocating without bound.
  EXPECT_EQ(eval("3 ^ 100000"), "error: The result is too large to represent.");
  EXPECT_EQ(eval("1 ^ 99999999999"), "1");
  EXPECT_EQ(eval("0.5 ^ 5000"), "0");
}

TEST(McpBuiltinCalculator, JsonNumbersAreReadAsTheirShortestDecimal) {
  auto a = CalcNumber::from_json(bj::parse("0.1"));
  auto b = CalcNumber::from_json(bj::parse("0.2"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(format_number(calc_add(a.value(), b.value()).value()), "0.3");
  auto big = CalcNumber::from_json(bj::parse("18446744073709551615"));
  ASSERT_TRUE(big);
  EXPECT_EQ(format_number(big.value()), "18446744073709551615");
  auto tiny = CalcNumber::from_json(bj::parse("1e-300"));
  ASSERT_TRUE(tiny);
  EXPECT_EQ(format_number(tiny.value()), "1e-300");
  auto six = CalcNumber::from_json(bj::parse("6"));
  auto zero = CalcNumber::from_json(bj::parse("0.0"));
  EXPECT_EQ(calc_divide(six.value(), zero.value()).error().message, "Division by zero is undefined.");
  EXPECT_EQ(format_number(calc_multiply(six.value(), CalcNumber::from_json(bj::parse("7")).value()).value()),
            "42");
  EXPECT_FALSE(CalcNumber::from_json(bj::parse("\"7\"")));
}
