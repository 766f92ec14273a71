// The reference interpreter: a direct transcription of the semantics table in
// docs/formats/expressions.md over dynamic Values, written for clarity. The
// compiled Program is tested against it.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "expr/expr.h"
#include "expr/internal.h"

namespace podium::expr {
namespace {

using internal::Function;

const Value kMissing = std::monostate{};

bool IsMissing(const Value& value) {
  return std::holds_alternative<std::monostate>(value);
}

// A computed number: non-finite results are missing.
Value Number(double x) {
  if (!std::isfinite(x)) return kMissing;
  return x;
}

std::optional<double> AsNumber(const Value& value) {
  const double* x = std::get_if<double>(&value);
  if (x == nullptr || !std::isfinite(*x)) return std::nullopt;
  return *x;
}

std::optional<bool> AsBool(const Value& value) {
  const bool* b = std::get_if<bool>(&value);
  if (b == nullptr) return std::nullopt;
  return *b;
}

class Interpreter {
 public:
  explicit Interpreter(const ColumnValueFn& columns) : columns_(columns) {}

  Value Eval(const Node& node) {
    switch (node.kind) {
      case NodeKind::kNumber: return Number(node.number);
      case NodeKind::kBoolean: return node.boolean;
      case NodeKind::kString: return node.text;
      case NodeKind::kColumn: {
        Value value = columns_ ? columns_(node.text) : kMissing;
        if (std::holds_alternative<double>(value)) return Number(std::get<double>(value));
        return value;
      }
      case NodeKind::kUnary: return EvalUnary(node);
      case NodeKind::kBinary: return EvalBinary(node);
      case NodeKind::kIn: return EvalIn(node);
      case NodeKind::kIf: return EvalIf(node);
      case NodeKind::kCall: return EvalCall(node);
    }
    return kMissing;
  }

 private:
  Value Child(const Node& node, std::size_t i) {
    return i < node.children.size() && node.children[i]
               ? Eval(*node.children[i])
               : kMissing;
  }

  Value EvalUnary(const Node& node) {
    const Value operand = Child(node, 0);
    if (node.op == Op::kNeg) {
      const std::optional<double> x = AsNumber(operand);
      return x ? Number(-*x) : kMissing;
    }
    const std::optional<bool> b = AsBool(operand);
    return b ? Value(!*b) : kMissing;
  }

  Value EvalBinary(const Node& node) {
    const Value lhs = Child(node, 0);
    const Value rhs = Child(node, 1);
    switch (node.op) {
      case Op::kAnd: {  // Kleene: false wins over missing
        const std::optional<bool> a = AsBool(lhs), b = AsBool(rhs);
        if (a == false || b == false) return false;
        if (a == true && b == true) return true;
        return kMissing;
      }
      case Op::kOr: {  // Kleene: true wins over missing
        const std::optional<bool> a = AsBool(lhs), b = AsBool(rhs);
        if (a == true || b == true) return true;
        if (a == false && b == false) return false;
        return kMissing;
      }
      case Op::kEq:
        if (IsMissing(lhs) || IsMissing(rhs)) return kMissing;
        return lhs == rhs;
      case Op::kNe:
        if (IsMissing(lhs) || IsMissing(rhs)) return kMissing;
        return lhs != rhs;
      default:
        break;
    }
    const std::optional<double> a = AsNumber(lhs), b = AsNumber(rhs);
    if (!a || !b) return kMissing;
    switch (node.op) {
      case Op::kAdd: return Number(*a + *b);
      case Op::kSub: return Number(*a - *b);
      case Op::kMul: return Number(*a * *b);
      case Op::kDiv: return Number(*a / *b);
      case Op::kLt: return *a < *b;
      case Op::kLe: return *a <= *b;
      case Op::kGt: return *a > *b;
      case Op::kGe: return *a >= *b;
      default: return kMissing;
    }
  }

  Value EvalIn(const Node& node) {
    const Value tested = Child(node, 0);
    if (IsMissing(tested)) return kMissing;
    bool found = false;
    for (std::size_t i = 1; i < node.children.size(); ++i) {
      if (Child(node, i) == tested) found = true;
    }
    return node.op == Op::kIn ? found : !found;
  }

  Value EvalIf(const Node& node) {
    // Like SQL CASE WHEN: a missing condition takes the else branch.
    return AsBool(Child(node, 0)) == true ? Child(node, 1) : Child(node, 2);
  }

  Value EvalCall(const Node& node) {
    const internal::FunctionInfo* function = internal::FindFunction(node.text);
    if (function == nullptr) return kMissing;
    std::vector<Value> args;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
      args.push_back(Child(node, i));
    }
    if (args.empty()) return kMissing;
    switch (function->id) {
      case Function::kIsMissing:
        return IsMissing(args[0]);
      case Function::kCoalesce:
        for (const Value& arg : args) {
          if (!IsMissing(arg)) return arg;
        }
        return kMissing;
      default:
        break;
    }
    std::vector<double> x;
    for (const Value& arg : args) {
      const std::optional<double> number = AsNumber(arg);
      if (!number) return kMissing;  // every numeric function is strict
      x.push_back(*number);
    }
    switch (function->id) {
      case Function::kMin: {
        double result = x[0];
        for (double v : x) result = std::min(result, v);
        return result;
      }
      case Function::kMax: {
        double result = x[0];
        for (double v : x) result = std::max(result, v);
        return result;
      }
      case Function::kAbs: return Number(std::fabs(x[0]));
      case Function::kCeil: return Number(std::ceil(x[0]));
      case Function::kExp: return Number(std::exp(x[0]));
      case Function::kFloor: return Number(std::floor(x[0]));
      case Function::kLog: return Number(std::log(x[0]));
      case Function::kLog10: return Number(std::log10(x[0]));
      case Function::kSqrt: return Number(std::sqrt(x[0]));
      case Function::kTanh: return Number(std::tanh(x[0]));
      case Function::kSin: return Number(std::sin(x[0]));
      case Function::kCos: return Number(std::cos(x[0]));
      case Function::kAtan: return Number(std::atan(x[0]));
      case Function::kLog1p: return Number(std::log1p(x[0]));
      case Function::kExpm1: return Number(std::expm1(x[0]));
      // Rounds to the nearest float; beyond float's range that is an
      // infinity, hence missing.
      case Function::kFloat32: return Number(internal::RoundToFloat32(x[0]));
      case Function::kPow: return x.size() == 2 ? Number(std::pow(x[0], x[1])) : kMissing;
      default: return kMissing;
    }
  }

  const ColumnValueFn& columns_;
};

}  // namespace

Value Interpret(const Node& ast, const ColumnValueFn& columns) {
  return Interpreter(columns).Eval(ast);
}

}  // namespace podium::expr
