#include "data/number.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace podium {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// from_chars reports both overflow and underflow as result_out_of_range. For a
// syntactically valid unsigned number, tells which one it was from the decimal
// exponent of its first significant digit.
bool Overflows(std::string_view number) {
  long long magnitude = 0;  // decimal exponent of the first significant digit
  bool seen_significant = false, after_point = false;
  size_t i = 0;
  for (; i < number.size() && (IsDigit(number[i]) || number[i] == '.'); ++i) {
    if (number[i] == '.') {
      after_point = true;
    } else if (!seen_significant && number[i] != '0') {
      seen_significant = true;
      if (after_point) --magnitude;
    } else if (seen_significant && !after_point) {
      ++magnitude;
    } else if (!seen_significant && after_point) {
      --magnitude;
    }
  }
  if (i < number.size()) {  // exponent: [eE][+-]?digits, clamped
    ++i;
    const bool negative = i < number.size() && number[i] == '-';
    if (i < number.size() && (number[i] == '-' || number[i] == '+')) ++i;
    long long exponent = 0;
    for (; i < number.size(); ++i) {
      if (exponent < 100000) exponent = exponent * 10 + (number[i] - '0');
    }
    magnitude += negative ? -exponent : exponent;
  }
  return magnitude > 0;
}

// Decimals with at most 15 significant digits and a small exponent
// ("163.2919", "-1.5e-05"): the digits and the power of ten are both exact
// doubles, so one correctly rounded multiplication or division gives the
// correctly rounded value (Clinger's fast path). False: not such a number.
bool ParseSimpleDecimal(std::string_view text, double* value) {
  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  constexpr long kMaxExactPower = 22;
  const char* p = text.data();
  const char* const end = p + text.size();
  uint64_t mantissa = 0;  // wraps for long inputs, which are refused below
  for (; p < end && IsDigit(*p); ++p) mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
  const long integer_digits = p - text.data();
  long fraction_digits = 0;
  if (p < end && *p == '.') {
    const char* const fraction = ++p;
    for (; p < end && IsDigit(*p); ++p) mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
    fraction_digits = p - fraction;
  }
  const long digits = integer_digits + fraction_digits;
  if (digits == 0 || digits > 15) return false;
  long exponent = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool negative = p < end && *p == '-';
    if (p < end && (*p == '-' || *p == '+')) ++p;
    const char* const exponent_digits = p;
    for (; p < end && IsDigit(*p) && p - exponent_digits < 4; ++p) exponent = exponent * 10 + (*p - '0');
    if (p == exponent_digits) return false;
    if (negative) exponent = -exponent;
  }
  if (p != end) return false;
  const long power = exponent - fraction_digits;
  if (power < -kMaxExactPower || power > kMaxExactPower) return false;
  const double significand = static_cast<double>(mantissa);
  *value = power < 0 ? significand / kPowersOfTen[-power] : significand * kPowersOfTen[power];
  return std::isfinite(*value);
}

}  // namespace

namespace number_internal {

bool ParseNumberTo(std::string_view text, double* value) {
  text = TrimSpaces(text);
  const bool plus = !text.empty() && text.front() == '+';
  if (plus) text.remove_prefix(1);
  const bool negative = !text.empty() && text.front() == '-';
  if (plus && negative) return false;
  const std::string_view unsigned_part = text.substr(negative ? 1 : 0);
  // from_chars also accepts "nan", "inf" and "infinity"; a number must start
  // with a digit or a point.
  if (unsigned_part.empty() || !(IsDigit(unsigned_part.front()) || unsigned_part.front() == '.')) {
    return false;
  }
  if (ParseSimpleDecimal(unsigned_part, value)) {
    if (negative) *value = -*value;
    return true;
  }
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  if (ptr != end) return false;
  if (ec == std::errc::result_out_of_range) {
    if (Overflows(unsigned_part)) return false;
    *value = negative ? -0.0 : 0.0;
    return true;
  }
  return ec == std::errc() && std::isfinite(*value);
}

}  // namespace number_internal

std::optional<bool> ParseBoolean(std::string_view text) {
  text = TrimSpaces(text);
  if (text.size() > 5) return std::nullopt;
  char lower[5];
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  const std::string_view word(lower, text.size());
  if (word == "true" || word == "1" || word == "yes") return true;
  if (word == "false" || word == "0" || word == "no") return false;
  return std::nullopt;
}

bool FormatNumber(double value, std::string* out) {
  if (!std::isfinite(value)) return false;
  char buffer[32];  // the shortest form of any double fits in 24 characters
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out->append(buffer, result.ptr);
  return true;
}

}  // namespace podium
