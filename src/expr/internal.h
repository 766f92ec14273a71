// Internal to module expr: pieces shared by the parser, the type checker, the
// interpreter and the compiler. Not part of the public contract.
#ifndef PODIUM_EXPR_INTERNAL_H_
#define PODIUM_EXPR_INTERNAL_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "expr/expr.h"

namespace podium::expr::internal {

enum class Function {
  kAbs, kCeil, kCoalesce, kExp, kFloor, kIsMissing, kLog, kLog10, kMax, kMin,
  kPow, kSqrt,
};

struct FunctionInfo {
  std::string_view name;
  Function id;
  int min_args;
  int max_args;  // kVariadic: no upper bound
};
inline constexpr int kVariadic = -1;

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
