#include "mcp/builtin/calculator_math.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace parley::mcp::builtin {

namespace mp = boost::multiprecision;
using Integer = mp::cpp_int;
using R = Result<CalcNumber, Failure>;

namespace {

// Exact arithmetic stops here: beyond it a value continues as a double (bounded time and memory).
constexpr unsigned max_exact_bits = 4096;
constexpr std::size_t max_exact_digits = 40;

unsigned bit_length(const Integer& v) {
  return v == 0 ? 0u : static_cast<unsigned>(mp::msb(mp::abs(v))) + 1u;
}

R checked(double d) {
  if (std::isnan(d)) return fail("The result is not a real number.");
  if (std::isinf(d)) return fail("The result is too large to represent.");
  return CalcNumber::approximate(d == 0 ? 0.0 : d);  // no "-0"
}

R finish(Rational q) {
  if (bit_length(mp::numerator(q)) > max_exact_bits || bit_length(mp::denominator(q)) > max_exact_bits) {
    return checked(q.convert_to<double>());
  }
  return CalcNumber::exact(std::move(q));
}

Integer power_of_ten(unsigned n) {
  return mp::pow(Integer(10), n);
}

std::string format_double(double d) {
  if (d == 0) return "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general, 15);
  std::string s(buf, r.ptr);
  // Strip trailing zeros of the fraction ("2.50000" -> "2.5"), keeping any exponent.
  const auto e = s.find('e');
  std::string mantissa = s.substr(0, e);
  const std::string exponent = e == std::string::npos ? "" : s.substr(e);
  if (mantissa.find('.') != std::string::npos) {
    while (!mantissa.empty() && mantissa.back() == '0') mantissa.pop_back();
    if (!mantissa.empty() && mantissa.back() == '.') mantissa.pop_back();
  }
  return mantissa + exponent;
}

}  // namespace

CalcNumber CalcNumber::exact(Rational value) {
  CalcNumber n;
  n.exact_ = true;
  n.rational_ = std::move(value);
  return n;
}

CalcNumber CalcNumber::approximate(double value) {
  CalcNumber n;
  n.exact_ = false;
  n.approximate_ = value;
  return n;
}

double CalcNumber::to_double() const {
  return exact_ ? rational_.convert_to<double>() : approximate_;
}

bool CalcNumber::is_zero() const {
  return exact_ ? rational_ == 0 : approximate_ == 0;
}

R CalcNumber::from_decimal_text(std::string_view text) {
  const std::string original(text);
  const auto bad = [&] { return fail("'" + original + "' is not a number."); };
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  std::string digits;
  std::size_t fraction_digits = 0;
  std::size_t i = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      if (seen_point) ++fraction_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return bad();
  long exponent = 0;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return bad();
    auto rest = text.substr(i + 1);
    if (!rest.empty() && rest.front() == '+') rest.remove_prefix(1);
    const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), exponent);
    if (rest.empty() || r.ec != std::errc() || r.ptr != rest.data() + rest.size()) return bad();
  }
  const long scale = exponent - static_cast<long>(fraction_digits);
  if (digits.size() > 1000 || scale > 1000 || scale < -1000) {
    // Far outside exact territory: let strtod decide between a double, infinity and zero.
    return checked(std::strtod(original.c_str(), nullptr));
  }
  // Built from numerator and denominator: Boost 1.81's `rational /= integer` gets 1/10 wrong (it yields 1).
  Integer numerator(digits);
  Integer denominator(1);
  if (scale > 0) numerator *= power_of_ten(static_cast<unsigned>(scale));
  if (scale < 0) denominator = power_of_ten(static_cast<unsigned>(-scale));
  if (negative) numerator = -numerator;
  return finish(Rational(numerator, denominator));
}

R CalcNumber::from_json(const boost::json::value& number) {
  if (number.is_int64()) return exact(Rational(number.get_int64()));
  if (number.is_uint64()) return exact(Rational(number.get_uint64()));
  if (!number.is_double()) return fail("not a number");
  const double d = number.get_double();
  if (!std::isfinite(d)) return fail("The number is not finite.");
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back as d
  return from_decimal_text(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

R calc_add(const CalcNumber& a, const CalcNumber& b) {
  if (a.is_exact() && b.is_exact()) return finish(a.rational() + b.rational());
  return checked(a.to_double() + b.to_double());
}

R calc_subtract(const CalcNumber& a, const CalcNumber& b) {
  if (a.is_exact() && b.is_exact()) return finish(a.rational() - b.rational());
  return checked(a.to_double() - b.to_double());
}

R calc_multiply(const CalcNumber& a, const CalcNumber& b) {
  if (a.is_exact() && b.is_exact()) return finish(a.rational() * b.rational());
  return checked(a.to_double() * b.to_double());
}

R calc_divide(const CalcNumber& a, const CalcNumber& b) {
  if (b.is_zero()) return fail("Division by zero is undefined.");
  if (a.is_exact() && b.is_exact()) return finish(a.rational() / b.rational());
  return checked(a.to_double() / b.to_double());
}

R calc_modulo(const CalcNumber& a, const CalcNumber& b) {
  if (b.is_zero()) return fail("Modulo by zero is undefined.");
  if (a.is_exact() && b.is_exact()) {
    const Rational q = a.rational() / b.rational();
    const Integer truncated = mp::numerator(q) / mp::denominator(q);  // rounds toward zero
    return finish(a.rational() - b.rational() * Rational(truncated));
  }
  return checked(std::fmod(a.to_double(), b.to_double()));
}

R calc_negate(const CalcNumber& a) {
  if (a.is_exact()) return CalcNumber::exact(-a.rational());
  return checked(-a.to_double());
}

R calc_power(const CalcNumber& base, const CalcNumber& exponent) {
  if (base.is_zero() && !exponent.is_zero() &&
      (exponent.is_exact() ? exponent.rational() < 0 : exponent.to_double() < 0)) {
    return fail("Division by zero is undefined (zero to a negative power).");
  }
  if (base.is_exact() && exponent.is_exact() && mp::denominator(exponent.rational()) == 1) {
    const Integer e = mp::numerator(exponent.rational());
    const Integer magnitude = mp::abs(e);
    const auto& q = base.rational();
    const unsigned bits = std::max(bit_length(mp::numerator(q)), bit_length(mp::denominator(q)));
    // Exact only while the result stays small; 1 and 0 to any power are cheap.
    if (bits <= 1) {  // 0, 1 or -1: any power is cheap
      if (q == 0 || q == 1) return CalcNumber::exact(q);
      return CalcNumber::exact(mp::bit_test(magnitude, 0) ? Rational(-1) : Rational(1));
    }
    if (magnitude <= max_exact_bits && Integer(bits) * magnitude <= max_exact_bits) {
      const auto n = magnitude.convert_to<unsigned>();
      Rational r(mp::pow(mp::numerator(q), n), mp::pow(mp::denominator(q), n));
      if (e < 0) r = Rational(1) / r;
      return finish(std::move(r));
    }
  }
  return checked(std::pow(base.to_double(), exponent.to_double()));
}

std::string format_number(const CalcNumber& n) {
  if (!n.is_exact()) return format_double(n.to_double());
  const auto& q = n.rational();
  Integer den = mp::denominator(q);
  unsigned twos = 0, fives = 0;
  while (den % 2 == 0) den /= 2, ++twos;
  while (den % 5 == 0) den /= 5, ++fives;
  if (den != 1) return format_double(n.to_double());  // no finite decimal expansion
  const unsigned scale = std::max(twos, fives);
  const Integer scaled = mp::abs(mp::numerator(q)) * power_of_ten(scale) / mp::denominator(q);
  std::string digits = scaled.str();
  // Too many significant digits, or a tiny value with a long run of leading zeros: scientific notation reads
  // better.
  if (digits.size() > max_exact_digits || (scale > digits.size() && scale - digits.size() > 20)) {
    return format_double(n.to_double());
  }
  std::string out;
  if (scale == 0) {
    out = digits;
  } else {
    if (digits.size() <= scale) digits.insert(0, scale - digits.size() + 1, '0');
    out = digits.substr(0, digits.size() - scale) + "." + digits.substr(digits.size() - scale);
  }
  return q < 0 ? "-" + out : out;
}

}  // namespace parley::mcp::builtin
