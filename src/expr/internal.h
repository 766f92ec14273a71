// Internal to module expr: pieces shared by the parser, the type checker, the
// interpreter and the compiler. Not part of the public contract.
#ifndef PODIUM_EXPR_INTERNAL_H_
#define PODIUM_EXPR_INTERNAL_H_

#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "base/status.h"
#include "expr/expr.h"

namespace podium::expr::internal {

enum class Function {
  kAbs, kCeil, kCoalesce, kExp, kFloat32, kFloor, kIsMissing, kLog, kLog10, kMax, kMin,
  kPow, kSqrt, kTanh, kSin, kCos, kAtan, kLog1p, kExpm1,
};

struct FunctionInfo {
  std::string_view name;
  Function id;
  int min_args;
  int max_args;  // kVariadic: no upper bound
};
inline constexpr int kVariadic = -1;

// float32(x): x rounded to the nearest float (ties to even), as a double. A
// value that rounds beyond float's range (to an infinity) gives NaN, i.e.
// missing. Casting such a double to float directly would be undefined.
inline double RoundToFloat32(double x) {
  constexpr double kMax = std::numeric_limits<float>::max();
  // Half a unit in the last place above the largest float: from here on,
  // rounding gives infinity (the largest float's significand is odd).
  constexpr double kOverflow = kMax + 0x1p103;
  if (std::isnan(x) || std::fabs(x) >= kOverflow) return std::numeric_limits<double>::quiet_NaN();
  if (std::fabs(x) > kMax) return x > 0 ? kMax : -kMax;
  return static_cast<double>(static_cast<float>(x));
}

// The function called `name`, or nullptr.
const FunctionInfo* FindFunction(std::string_view name);
// "abs, ceil, coalesce, ..."
std::string KnownFunctionList();

// kInvalidArgument "column N: message".
Status ErrorAt(int column, std::string_view message);
// kResourceExhausted for nesting deeper than kMaxDepth.
Status TooDeepAt(int column);

// `text`, cut to at most 40 bytes plus "..." for quoting in messages.
std::string Shorten(std::string_view text);

// How an operand is named in a type error: "'state'" for a column, "12" or
// "\"CA\"" for a literal, "the result of '+'" otherwise.
std::string DescribeOperand(const Node& node);
// "a number", "a boolean", "a string".
std::string_view TypeWithArticle(Type type);

}  // namespace podium::expr::internal

#endif  // PODIUM_EXPR_INTERNAL_H_
