// Strict text <-> number conversions for data cells.
//
// These never depend on the C locale and never allocate (except to append to
// the caller's string). Pure functions; thread-safe.
#ifndef PODIUM_DATA_NUMBER_H_
#define PODIUM_DATA_NUMBER_H_

#include <optional>
#include <string>
#include <string_view>

namespace podium {

// Parses a decimal number: optional sign, digits with an optional '.', an
// optional exponent ("1", "-2.5", "1e-3", ".5", "+3", "5."). Surrounding ASCII
// spaces and tabs are ignored. Returns nullopt for anything else: "", "1,5",
// "0x10", "nan", "inf", "Infinity", trailing garbage, and magnitudes too large
// for a double. Magnitudes too small for a double parse as (signed) zero.
inline std::optional<double> ParseNumber(std::string_view text);

// Parses true/false, 1/0, yes/no (any case, surrounding spaces and tabs
// ignored). Returns nullopt for anything else.
std::optional<bool> ParseBoolean(std::string_view text);

// Appends the shortest text that ParseNumber reads back as exactly `value`
// (integral values have no ".0": 3 -> "3"; 1e21 -> "1e+21"). Non-finite values
// have no such text: for them nothing is appended and the result is false, so
// the caller decides how to spell them (the writers use a missing value).
bool FormatNumber(double value, std::string* out);

namespace number_internal {
// ParseNumber with the value in `*value`. ParseNumber is inline over it so the
// std::optional is built in registers at the call site: this is the hot path
// of reading numeric CSV.
bool ParseNumberTo(std::string_view text, double* value);
}  // namespace number_internal

inline std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  if (!number_internal::ParseNumberTo(text, &value)) return std::nullopt;
  return value;
}

}  // namespace podium

#endif  // PODIUM_DATA_NUMBER_H_
