// The expression language of derive transforms and business rules, e.g.
// "usage_7d / max(avg_weekly_usage, 1)". The language, its types and its
// missing-value semantics are specified in docs/formats/expressions.md.
//
// Flow: Parse text -> AST (Node) -> TypeCheck against the caller's columns ->
// either Interpret (the reference: a plain tree walk over dynamic Values) or
// Compile to a Program (the hot path: flat bytecode over a row of doubles).
// Both implement the same semantics; the tests check that they agree.
//
// Errors: malformed or ill-typed input yields kInvalidArgument with a message
// "column N: ...", N being the 1-based position (in UTF-8 characters) of the
// offending token. Texts longer than kMaxTextLength and expressions nested
// deeper than kMaxDepth yield kResourceExhausted. No input crashes (the module
// is fuzzed: expr_fuzz.cc). The tree passes recurse; at kMaxDepth they need
// at most 256 KB of stack (optimised build), mostly far less.
//
// Thread-safety: the free functions are thread-safe (they call the caller's
// callbacks from the calling thread only); Node is a thread-compatible value;
// a Program is immutable and Eval may be called concurrently.
#ifndef PODIUM_EXPR_EXPR_H_
#define PODIUM_EXPR_EXPR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace podium::expr {

// Limits on input (kResourceExhausted beyond them).
inline constexpr std::size_t kMaxTextLength = 64 * 1024;  // bytes
// Maximum nesting: both the height of the AST and the nesting of the text
// (parentheses, prefix operators, call arguments) are bounded by this.
inline constexpr int kMaxDepth = 256;

enum class Type { kNumber, kBoolean, kString };
std::string_view TypeName(Type type);  // "number", "boolean", "string"

// ---------------------------------------------------------------------------
// AST. Public so that later passes can lower it to SQL, C, ... Parse builds
// it; consumers should run TypeCheck before relying on its shape.
// ---------------------------------------------------------------------------

enum class NodeKind {
  kNumber,   // literal; value in `number` (finite)
  kBoolean,  // literal; value in `boolean`
  kString,   // literal; decoded value in `text`
  kColumn,   // column reference; name in `text` (backquotes removed)
  kUnary,    // `op` is kNeg or kNot; children = {operand}
  kBinary,   // `op` is arithmetic, a comparison, kAnd or kOr; children = {lhs, rhs}
  kIn,       // `op` is kIn or kNotIn; children = {tested, literal, literal, ...}
  kIf,       // children = {condition, then, else}
  kCall,     // function name in `text`; children = arguments
};

enum class Op {
  kNone,
  kNeg, kNot,                          // unary
  kAdd, kSub, kMul, kDiv,              // arithmetic
  kEq, kNe, kLt, kLe, kGt, kGe,        // comparisons
  kAnd, kOr,                           // logic
  kIn, kNotIn,                         // membership
};
std::string_view OpName(Op op);  // "-", "not", "+", "==", "not in", ...

struct Node {
  NodeKind kind = NodeKind::kNumber;
  Op op = Op::kNone;
  double number = 0;
  bool boolean = false;
  std::string text;
  std::vector<std::unique_ptr<Node>> children;
  int column = 1;  // 1-based position of the node's token (operator, name, ...)
};

// Parses `text`. A unary minus applied to a number literal is folded into a
// negative literal (so `-1` is one kNumber node).
Result<std::unique_ptr<Node>> Parse(std::string_view text);

// Canonical text of `ast`: operands fully parenthesised, so that Parse of the
// result yields the same tree. Used in tests and messages.
std::string ToString(const Node& ast);

// The names of the functions, sorted: "abs", "ceil", "coalesce", ...
std::vector<std::string_view> FunctionNames();

// ---------------------------------------------------------------------------
// Static analysis
// ---------------------------------------------------------------------------

// Type environment: the caller says which columns exist and their types
// (kString for category columns). std::nullopt = no such column.
using ColumnTypeFn = std::function<std::optional<Type>(std::string_view name)>;

// The type of the whole expression, or the first error (in text order). A
// kString result is legal here; callers that need a derived column accept
// only kNumber and kBoolean.
Result<Type> TypeCheck(const Node& ast, const ColumnTypeFn& columns);

// The distinct column names `ast` reads, in order of first use.
std::vector<std::string> ReferencedColumns(const Node& ast);

// For each string (category) column, the distinct string literals it is
// compared with by ==, != or in, in order of first use; callers use this to
// give category levels numeric codes (see SlotBinding).
std::map<std::string, std::vector<std::string>> StringLiteralsByColumn(
    const Node& ast);

// ---------------------------------------------------------------------------
// 1) Reference interpreter: an obviously-correct tree walk.
// ---------------------------------------------------------------------------

// std::monostate is the missing value. A double is finite; non-finite
// doubles returned by a ColumnValueFn are read as missing.
using Value = std::variant<std::monostate, double, bool, std::string>;
using ColumnValueFn = std::function<Value(std::string_view name)>;

// Evaluates `ast`, which must have passed TypeCheck for the columns'
// types. A column value whose alternative does not match the column's type
// is read as missing.
Value Interpret(const Node& ast, const ColumnValueFn& columns);

// ---------------------------------------------------------------------------
// 2) Compiled program for the hot path, over a row of doubles ("slots").
//    number column: the value, NaN (or +/-Inf) = missing
//    boolean column: 0 = false, any other number = true, NaN = missing
//    string column: a numeric level code chosen by the caller, NaN = missing
//    result: the number, or 0/1 for a boolean; NaN = missing
// ---------------------------------------------------------------------------

struct SlotBinding {
  // The slot index (>= 0) holding `column`.
  std::function<std::optional<int>(std::string_view column)> slot;
  // The (finite) code of `literal` among the values of string column
  // `column`. std::nullopt: `literal` is no level of the column, so it
  // compares unequal to every value the column can hold. Codes must be
  // consistent with the slot values: equal strings <=> equal codes.
  std::function<std::optional<double>(std::string_view column,
                                      std::string_view literal)>
      level_code;
};

class Program {
 public:
  Program(const Program&);
  Program(Program&&) noexcept;
  Program& operator=(const Program&);
  Program& operator=(Program&&) noexcept;
  ~Program();

  // Evaluates the expression on one row. `slots` must hold at least
  // slot_count() values. Thread-safe, allocation-free (a 2 KB evaluation
  // stack lives in Eval's frame). A moved-from Program returns NaN.
  double Eval(const double* slots) const;

  Type result_type() const { return result_type_; }
  // 1 + the largest slot index the program reads (0 if it reads none).
  int slot_count() const { return slot_count_; }
  // Number of bytecode instructions, without the final return (for tests of
  // constant folding).
  std::size_t instruction_count() const;

 private:
  friend class Compiler;
  struct Instruction;
  Program();

  std::vector<Instruction> code_;
  std::vector<double> constants_;  // `in` lists
  Type result_type_ = Type::kNumber;
  int slot_count_ = 0;
};

// Type-checks `ast` and compiles it. Fails with the TypeCheck error, with
// kInvalidArgument if the result is a string or a column has no slot or a
// non-finite level code, or kResourceExhausted if the evaluation stack would
// exceed its fixed capacity (never for trees from Parse).
Result<Program> Compile(const Node& ast, const ColumnTypeFn& columns,
                        const SlotBinding& binding);

}  // namespace podium::expr

#endif  // PODIUM_EXPR_EXPR_H_
