// Compilation to flat stack bytecode and its evaluator.
//
// A value on the stack is a double: a number, 0/1 for a boolean, a level code
// for a category, NaN for missing. Every instruction maps its inputs to
// outputs in that representation, so missing-ness needs no side channel.
// `if` compiles to forward jumps (relative, so any code range is
// position-independent); everything else is evaluated eagerly, which is
// correct because evaluation has no side effects. Subtrees whose leaves are
// all literals are evaluated at compile time by the same evaluator.
//
// Stack bound: a subtree of height h needs at most h stack entries (operands
// after the first start one entry higher; `if` pops its condition before a
// branch runs), so trees within kMaxDepth fit in kStackCapacity.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "expr/expr.h"
#include "expr/internal.h"

namespace podium::expr {
namespace {

constexpr int kStackCapacity = kMaxDepth;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Opcode : std::uint8_t {
  kConst,        // push k
  kLoadNumber,   // push slots[a], non-finite -> NaN
  kLoadBoolean,  // push slots[a] as 0/1, NaN stays
  kLoadCode,     // push slots[a]
  // Unary, in place.
  kNeg, kNot, kAbs, kCeil, kExp, kFloat32, kFloor, kLog, kLog10, kSqrt, kTanh, kSin, kCos, kAtan, kLog1p, kExpm1,
  kIsMissing,
  kIn,  // top in constants[a, a+b): 0/1, NaN if top is NaN
  // Binary: pop rhs, replace lhs.
  kAdd, kSub, kMul, kDiv, kPow, kMin, kMax,
  kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr, kCoalesce,
  // Control: skip a instructions after this one.
  kJumpUnlessTrue,  // pops the condition; jumps unless it is 1
  kJump,
  kReturn,  // the top of the stack is the result; ends every program
};

inline double Finite(double x) { return std::isfinite(x) ? x : kNaN; }
inline bool Missing(double x) { return std::isnan(x); }
inline double Bool(bool b) { return b ? 1.0 : 0.0; }
inline bool Contains(const double* items, int count, double x) {
  for (int i = 0; i < count; ++i) {
    if (items[i] == x) return true;
  }
  return false;
}
bool IsUnary(Opcode op) { return op >= Opcode::kNeg && op <= Opcode::kIn; }

Opcode BinaryOpcode(Op op) {
  switch (op) {
    case Op::kAdd: return Opcode::kAdd;
    case Op::kSub: return Opcode::kSub;
    case Op::kMul: return Opcode::kMul;
    case Op::kDiv: return Opcode::kDiv;
    case Op::kEq: return Opcode::kEq;
    case Op::kNe: return Opcode::kNe;
    case Op::kLt: return Opcode::kLt;
    case Op::kLe: return Opcode::kLe;
    case Op::kGt: return Opcode::kGt;
    case Op::kGe: return Opcode::kGe;
    case Op::kAnd: return Opcode::kAnd;
    default: return Opcode::kOr;
  }
}

Opcode CallOpcode(internal::Function function) {
  using internal::Function;
  switch (function) {
    case Function::kAbs: return Opcode::kAbs;
    case Function::kCeil: return Opcode::kCeil;
    case Function::kCoalesce: return Opcode::kCoalesce;
    case Function::kExp: return Opcode::kExp;
    case Function::kFloat32: return Opcode::kFloat32;
    case Function::kFloor: return Opcode::kFloor;
    case Function::kIsMissing: return Opcode::kIsMissing;
    case Function::kLog: return Opcode::kLog;
    case Function::kLog10: return Opcode::kLog10;
    case Function::kMax: return Opcode::kMax;
    case Function::kMin: return Opcode::kMin;
    case Function::kPow: return Opcode::kPow;
    case Function::kSqrt: return Opcode::kSqrt;
    case Function::kTanh: return Opcode::kTanh;
    case Function::kSin: return Opcode::kSin;
    case Function::kCos: return Opcode::kCos;
    case Function::kAtan: return Opcode::kAtan;
    case Function::kLog1p: return Opcode::kLog1p;
    case Function::kExpm1: return Opcode::kExpm1;
  }
  return Opcode::kAbs;
}

}  // namespace

struct Program::Instruction {
  Opcode op = Opcode::kConst;
  std::int32_t a = 0;
  std::int32_t b = 0;
  double k = 0;
};

// Builds a Program from a type-checked tree; also hosts the evaluator, which
// needs Program's private instruction type.
class Compiler {
 public:
  using Instruction = Program::Instruction;

  // Runs `code` up to its kReturn.
  static double Run(const Instruction* code, const double* constants,
                    const double* slots, double* stack);

  static Result<Program> Compile(const Node& ast, const ColumnTypeFn& columns,
                                 const SlotBinding& binding) {
    ASSIGN_OR_RETURN(Type type, TypeCheck(ast, columns));
    if (type == Type::kString) {
      return internal::ErrorAt(
          ast.column, "the expression is a string; only number and boolean "
                      "expressions can be compiled");
    }
    Compiler compiler(columns, binding);
    RETURN_IF_ERROR(compiler.Emit(ast).status());
    compiler.code().push_back(Instruction{Opcode::kReturn});
    compiler.program_.result_type_ = type;
    return std::move(compiler.program_);
  }

 private:
  Compiler(const ColumnTypeFn& columns, const SlotBinding& binding)
      : columns_(columns), binding_(binding) {}

  std::vector<Instruction>& code() { return program_.code_; }

  // Appends an instruction changing the stack depth by `delta`.
  Status Add(int column, Opcode op, int delta, std::int32_t a = 0,
             std::int32_t b = 0, double k = 0) {
    code().push_back(Instruction{op, a, b, k});
    depth_ += delta;
    if (depth_ > kStackCapacity) return StackTooDeep(column);
    return Status::Ok();
  }

  // Cold paths stay out of line so that the frames of the recursive Emit*
  // functions stay small (trees may be kMaxDepth deep).
  [[gnu::noinline]] static Status StackTooDeep(int column) {
    return ResourceExhaustedError(
        "column " + std::to_string(column) +
        ": expression needs too deep an evaluation stack");
  }

  // Replaces the code from `start` on (constant: reads no slot) by its value.
  [[gnu::noinline]] void Fold(std::size_t start, std::size_t constants_start) {
    std::vector<double> stack(kStackCapacity);
    code().push_back(Instruction{Opcode::kReturn});
    const double value = Run(code().data() + start, program_.constants_.data(),
                             nullptr, stack.data());
    code().resize(start);
    program_.constants_.resize(constants_start);
    code().push_back(Instruction{Opcode::kConst, 0, 0, value});
  }

  // Emits code pushing the value of `node`; returns whether it is constant.
  Result<bool> Emit(const Node& node) {
    const std::size_t start = code().size();
    const std::size_t constants_start = program_.constants_.size();
    ASSIGN_OR_RETURN(bool constant, EmitNode(node));
    if (constant && code().size() - start > 1) Fold(start, constants_start);
    return constant;
  }

  Result<bool> EmitNode(const Node& node) {
    switch (node.kind) {
      case NodeKind::kNumber:
        RETURN_IF_ERROR(Add(node.column, Opcode::kConst, 1, 0, 0, Finite(node.number)));
        return true;
      case NodeKind::kBoolean:
        RETURN_IF_ERROR(Add(node.column, Opcode::kConst, 1, 0, 0, Bool(node.boolean)));
        return true;
      case NodeKind::kString:
        // Reached only as the argument of is_missing: a literal is present.
        RETURN_IF_ERROR(Add(node.column, Opcode::kConst, 1, 0, 0, 0.0));
        return true;
      case NodeKind::kColumn:
        RETURN_IF_ERROR(EmitLoad(node));
        return false;
      case NodeKind::kUnary:
        return EmitOperands(node,
                            node.op == Op::kNeg ? Opcode::kNeg : Opcode::kNot);
      case NodeKind::kBinary:
        if (IsCategoryComparison(node)) return EmitCategoryComparison(node);
        return EmitOperands(node, BinaryOpcode(node.op));
      case NodeKind::kIn:
        return EmitIn(node);
      case NodeKind::kIf:
        return EmitIf(node);
      case NodeKind::kCall: {
        const internal::FunctionInfo& function =
            *internal::FindFunction(node.text);
        return EmitOperands(node, CallOpcode(function.id));
      }
    }
    return internal::ErrorAt(node.column, "malformed expression tree");
  }

  // A unary op follows its operand. A binary op folds the operands from
  // the left: c0, c1, op, c2, op, ... (so min(x) is just x).
  Result<bool> EmitOperands(const Node& node, Opcode op) {
    bool constant = true;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
      ASSIGN_OR_RETURN(bool child_constant, Emit(*node.children[i]));
      constant = constant && child_constant;
      if (IsUnary(op)) {
        RETURN_IF_ERROR(Add(node.column, op, 0));
      } else if (i > 0) {
        RETURN_IF_ERROR(Add(node.column, op, -1));
      }
    }
    return constant;
  }

  [[gnu::noinline]] Result<int> SlotOf(const Node& column) {
    const std::optional<int> slot =
        binding_.slot ? binding_.slot(column.text) : std::nullopt;
    if (!slot || *slot < 0 || *slot == std::numeric_limits<int>::max()) {
      return internal::ErrorAt(column.column, "no slot is bound to column " +
                                                  internal::DescribeOperand(column));
    }
    program_.slot_count_ = std::max(program_.slot_count_, *slot + 1);
    return *slot;
  }

  Status EmitLoad(const Node& node) {
    ASSIGN_OR_RETURN(int slot, SlotOf(node));
    Opcode op = Opcode::kLoadNumber;
    switch (columns_(node.text).value_or(Type::kNumber)) {
      case Type::kNumber: op = Opcode::kLoadNumber; break;
      case Type::kBoolean: op = Opcode::kLoadBoolean; break;
      case Type::kString: op = Opcode::kLoadCode; break;
    }
    return Add(node.column, op, 1, slot);
  }

  static bool IsCategoryComparison(const Node& node) {
    return (node.op == Op::kEq || node.op == Op::kNe) &&
           (node.children[0]->kind == NodeKind::kString ||
            node.children[1]->kind == NodeKind::kString);
  }

  // The code of string literal `literal` for category column `column`.
  [[gnu::noinline]] Result<std::optional<double>> LevelCode(
      const Node& column, const Node& literal) {
    const std::optional<double> code =
        binding_.level_code ? binding_.level_code(column.text, literal.text)
                            : std::nullopt;
    if (code && !std::isfinite(*code)) {
      return internal::ErrorAt(literal.column,
                               "the level code of " +
                                   internal::DescribeOperand(literal) +
                                   " for column " +
                                   internal::DescribeOperand(column) +
                                   " is not finite");
    }
    return code;
  }

  // column == 'literal' (either order): compare level codes. A literal that
  // is no level of the column is an empty `in` list.
  Result<bool> EmitCategoryComparison(const Node& node) {
    const bool column_first = node.children[0]->kind == NodeKind::kColumn;
    const Node& column = *node.children[column_first ? 0 : 1];
    const Node& literal = *node.children[column_first ? 1 : 0];
    ASSIGN_OR_RETURN(std::optional<double> code, LevelCode(column, literal));
    RETURN_IF_ERROR(EmitLoad(column));
    if (code) {
      RETURN_IF_ERROR(Add(literal.column, Opcode::kConst, 1, 0, 0, *code));
      RETURN_IF_ERROR(Add(node.column, BinaryOpcode(node.op), -1));
      return false;
    }
    RETURN_IF_ERROR(Add(node.column, Opcode::kIn, 0, 0, 0));
    if (node.op == Op::kNe) RETURN_IF_ERROR(Add(node.column, Opcode::kNot, 0));
    return false;
  }

  Result<bool> EmitIn(const Node& node) {
    const Node& tested = *node.children[0];
    ASSIGN_OR_RETURN(bool constant, Emit(tested));
    const std::size_t first = program_.constants_.size();
    for (std::size_t i = 1; i < node.children.size(); ++i) {
      const Node& item = *node.children[i];
      switch (item.kind) {
        case NodeKind::kNumber:
          program_.constants_.push_back(Finite(item.number));
          break;
        case NodeKind::kBoolean:
          program_.constants_.push_back(Bool(item.boolean));
          break;
        default: {
          ASSIGN_OR_RETURN(std::optional<double> code, LevelCode(tested, item));
          if (code) program_.constants_.push_back(*code);
        }
      }
    }
    const auto count = program_.constants_.size() - first;
    RETURN_IF_ERROR(Add(node.column, Opcode::kIn, 0, static_cast<std::int32_t>(first),
                        static_cast<std::int32_t>(count)));
    if (node.op == Op::kNotIn) RETURN_IF_ERROR(Add(node.column, Opcode::kNot, 0));
    return constant;
  }

  //   condition; JumpUnlessTrue else; then; Jump end; else: else; end:
  // A constant condition selects its branch at compile time.
  Result<bool> EmitIf(const Node& node) {
    ASSIGN_OR_RETURN(bool constant_condition, Emit(*node.children[0]));
    if (constant_condition) {
      const bool take_then = code().back().k == 1.0;
      code().pop_back();
      --depth_;
      return Emit(*node.children[take_then ? 1 : 2]);
    }
    const std::size_t jump_to_else = code().size();
    RETURN_IF_ERROR(Add(node.column, Opcode::kJumpUnlessTrue, -1));
    RETURN_IF_ERROR(Emit(*node.children[1]).status());
    // The branches push their value at the same depth: count the then
    // branch's value off again before emitting the else branch.
    const std::size_t jump_to_end = code().size();
    RETURN_IF_ERROR(Add(node.column, Opcode::kJump, -1));
    RETURN_IF_ERROR(Emit(*node.children[2]).status());
    code()[jump_to_else].a = static_cast<std::int32_t>(jump_to_end - jump_to_else);
    code()[jump_to_end].a =
        static_cast<std::int32_t>(code().size() - jump_to_end - 1);
    return false;
  }

  const ColumnTypeFn& columns_;
  const SlotBinding& binding_;
  Program program_;
  int depth_ = 0;
};

double Compiler::Run(const Instruction* code, const double* constants,
                     const double* slots, double* stack) {
  double* sp = stack;  // one past the top of the stack
  for (const Instruction* pc = code;; ++pc) {
    switch (pc->op) {
      case Opcode::kConst: *sp++ = pc->k; break;
      case Opcode::kLoadNumber: *sp++ = Finite(slots[pc->a]); break;
      case Opcode::kLoadBoolean: {
        const double v = slots[pc->a];
        *sp++ = Missing(v) ? kNaN : Bool(v != 0.0);
        break;
      }
      case Opcode::kLoadCode: *sp++ = slots[pc->a]; break;

      // Unary, on the top of the stack. NaN in, NaN out.
#define PODIUM_UNARY(expression) \
  {                              \
    double& x = sp[-1];          \
    x = (expression);            \
    break;                       \
  }
      case Opcode::kNeg: PODIUM_UNARY(-x)
      case Opcode::kNot: PODIUM_UNARY(1.0 - x)
      case Opcode::kAbs: PODIUM_UNARY(std::fabs(x))
      case Opcode::kCeil: PODIUM_UNARY(std::ceil(x))
      case Opcode::kExp: PODIUM_UNARY(Finite(std::exp(x)))
      case Opcode::kFloor: PODIUM_UNARY(std::floor(x))
      case Opcode::kLog: PODIUM_UNARY(Finite(std::log(x)))
      case Opcode::kLog10: PODIUM_UNARY(Finite(std::log10(x)))
      case Opcode::kSqrt: PODIUM_UNARY(Finite(std::sqrt(x)))
      case Opcode::kTanh: PODIUM_UNARY(std::tanh(x))
      case Opcode::kSin: PODIUM_UNARY(std::sin(x))
      case Opcode::kCos: PODIUM_UNARY(std::cos(x))
      case Opcode::kAtan: PODIUM_UNARY(std::atan(x))
      case Opcode::kLog1p: PODIUM_UNARY(Finite(std::log1p(x)))
      case Opcode::kExpm1: PODIUM_UNARY(Finite(std::expm1(x)))
      case Opcode::kFloat32: PODIUM_UNARY(internal::RoundToFloat32(x))
      case Opcode::kIsMissing: PODIUM_UNARY(Bool(Missing(x)))
      case Opcode::kIn:
        PODIUM_UNARY(Missing(x) ? kNaN : Bool(Contains(constants + pc->a, pc->b, x)))
#undef PODIUM_UNARY

      // Binary: pops the right operand y; the left one, l, becomes the
      // result. Arithmetic propagates NaN by itself; pow, min, max and the
      // comparisons check for it because they would not.
#define PODIUM_BINARY(expression) \
  {                               \
    const double y = *--sp;       \
    double& l = sp[-1];           \
    l = (expression);             \
    break;                        \
  }
      case Opcode::kAdd: PODIUM_BINARY(Finite(l + y))
      case Opcode::kSub: PODIUM_BINARY(Finite(l - y))
      case Opcode::kMul: PODIUM_BINARY(Finite(l * y))
      case Opcode::kDiv: PODIUM_BINARY(Finite(l / y))
      case Opcode::kPow: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : Finite(std::pow(l, y)))
      case Opcode::kMin: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : (y < l ? y : l))
      case Opcode::kMax: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : (l < y ? y : l))
      case Opcode::kEq: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : Bool(l == y))
      case Opcode::kNe: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : Bool(l != y))
      case Opcode::kLt: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : Bool(l < y))
      case Opcode::kLe: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : Bool(l <= y))
      case Opcode::kGt: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : Bool(l > y))
      case Opcode::kGe: PODIUM_BINARY(Missing(l) || Missing(y) ? kNaN : Bool(l >= y))
      // Operands are 0, 1 or NaN. Without a 0, and = l * y (1 or NaN);
      // without a 1, or = l + y (0 or NaN).
      case Opcode::kAnd: PODIUM_BINARY(l == 0.0 || y == 0.0 ? 0.0 : l * y)
      case Opcode::kOr: PODIUM_BINARY(l == 1.0 || y == 1.0 ? 1.0 : l + y)
      case Opcode::kCoalesce: PODIUM_BINARY(Missing(l) ? y : l)
#undef PODIUM_BINARY

      case Opcode::kJumpUnlessTrue:
        if (*--sp != 1.0) pc += pc->a;
        break;
      case Opcode::kJump: pc += pc->a; break;
      case Opcode::kReturn: return sp[-1];
      default: __builtin_unreachable();  // every opcode is handled above
    }
  }
}

Program::Program() = default;
Program::Program(const Program&) = default;
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(const Program&) = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;

std::size_t Program::instruction_count() const {
  return code_.empty() ? 0 : code_.size() - 1;  // without the final kReturn
}

double Program::Eval(const double* slots) const {
  if (code_.empty()) return kNaN;  // moved-from
  double stack[kStackCapacity];
  return Compiler::Run(code_.data(), constants_.data(), slots, stack);
}

Result<Program> Compile(const Node& ast, const ColumnTypeFn& columns,
                        const SlotBinding& binding) {
  return Compiler::Compile(ast, columns, binding);
}

}  // namespace podium::expr
