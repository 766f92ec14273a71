// Strict typing (docs/formats/expressions.md, "Types"). Errors point at the
// offending operand and name the operator and the types involved.
#include <string>

#include "expr/expr.h"
#include "expr/internal.h"

namespace podium::expr {
namespace {

using internal::DescribeOperand;
using internal::ErrorAt;
using internal::Function;
using internal::TypeWithArticle;

// Error builders are kept out of line so that the frames of the recursive
// Check functions stay small (trees may be kMaxDepth deep).

// "'+' needs numbers, but 'state' is a string"
[[gnu::noinline]] Status Mismatch(std::string_view op, std::string_view needs,
                                  const Node& operand, Type actual) {
  return ErrorAt(operand.column, "'" + std::string(op) + "' needs " +
                                     std::string(needs) + ", but " +
                                     DescribeOperand(operand) + " is " +
                                     std::string(TypeWithArticle(actual)));
}

// "'==' needs operands of the same type, but 'x' is a number and true is a
// boolean"
[[gnu::noinline]] Status Differ(std::string_view op, std::string_view what,
                                const Node& a, Type a_type, const Node& b,
                                Type b_type) {
  return ErrorAt(b.column, "'" + std::string(op) + "' needs " +
                               std::string(what) + " of the same type, but " +
                               DescribeOperand(a) + " is " +
                               std::string(TypeWithArticle(a_type)) + " and " +
                               DescribeOperand(b) + " is " +
                               std::string(TypeWithArticle(b_type)));
}

[[gnu::noinline]] Status UnknownColumn(const Node& node) {
  return ErrorAt(node.column, "unknown column " + DescribeOperand(node));
}

class Checker {
 public:
  explicit Checker(const ColumnTypeFn& columns) : columns_(columns) {}

  Result<Type> Check(const Node& node, int depth) {
    if (depth > kMaxDepth) return internal::TooDeepAt(node.column);
    RETURN_IF_ERROR(CheckShape(node));
    switch (node.kind) {
      case NodeKind::kNumber: return Type::kNumber;
      case NodeKind::kBoolean: return Type::kBoolean;
      case NodeKind::kString: return Type::kString;
      case NodeKind::kColumn: {
        const std::optional<Type> type =
            columns_ ? columns_(node.text) : std::nullopt;
        if (!type) return UnknownColumn(node);
        return *type;
      }
      case NodeKind::kUnary: return CheckUnary(node, depth);
      case NodeKind::kBinary: return CheckBinary(node, depth);
      case NodeKind::kIn: return CheckIn(node, depth);
      case NodeKind::kIf: return CheckIf(node, depth);
      case NodeKind::kCall: return CheckCall(node, depth);
    }
    return ErrorAt(node.column, "malformed expression tree: bad node kind");
  }

 private:
  // Hand-built trees may be malformed; trees from Parse never are.
  [[gnu::noinline]] static Status CheckShape(const Node& node) {
    std::size_t want = 0;
    bool op_ok = node.op == Op::kNone;
    switch (node.kind) {
      case NodeKind::kNumber:
      case NodeKind::kBoolean:
      case NodeKind::kString:
      case NodeKind::kColumn:
        break;
      case NodeKind::kUnary:
        want = 1;
        op_ok = node.op == Op::kNeg || node.op == Op::kNot;
        break;
      case NodeKind::kBinary:
        want = 2;
        op_ok = node.op >= Op::kAdd && node.op <= Op::kOr;
        break;
      case NodeKind::kIf:
        want = 3;
        break;
      case NodeKind::kIn:
        want = node.children.size() >= 2 ? node.children.size() : 2;
        op_ok = node.op == Op::kIn || node.op == Op::kNotIn;
        break;
      case NodeKind::kCall: {
        const internal::FunctionInfo* f = internal::FindFunction(node.text);
        const int n = static_cast<int>(node.children.size());
        if (f == nullptr || n < f->min_args ||
            (f->max_args != internal::kVariadic && n > f->max_args)) {
          return ErrorAt(node.column, "malformed expression tree: bad call");
        }
        want = node.children.size();
        break;
      }
    }
    if (node.children.size() != want || !op_ok) {
      return ErrorAt(node.column, "malformed expression tree");
    }
    for (const auto& child : node.children) {
      if (!child) return ErrorAt(node.column, "malformed expression tree");
    }
    return Status::Ok();
  }

  Result<Type> CheckUnary(const Node& node, int depth) {
    const Node& operand = *node.children[0];
    ASSIGN_OR_RETURN(Type type, Check(operand, depth + 1));
    const bool is_not = node.op == Op::kNot;
    const Type want = is_not ? Type::kBoolean : Type::kNumber;
    if (type != want) {
      return Mismatch(OpName(node.op), is_not ? "a boolean" : "a number",
                      operand, type);
    }
    return want;
  }

  Result<Type> CheckBinary(const Node& node, int depth) {
    const Node& lhs = *node.children[0];
    const Node& rhs = *node.children[1];
    ASSIGN_OR_RETURN(Type lhs_type, Check(lhs, depth + 1));
    ASSIGN_OR_RETURN(Type rhs_type, Check(rhs, depth + 1));
    const std::string_view op = OpName(node.op);
    auto both = [&](Type want, std::string_view needs) -> Status {
      if (lhs_type != want) return Mismatch(op, needs, lhs, lhs_type);
      if (rhs_type != want) return Mismatch(op, needs, rhs, rhs_type);
      return Status::Ok();
    };
    switch (node.op) {
      case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv:
        RETURN_IF_ERROR(both(Type::kNumber, "numbers"));
        return Type::kNumber;
      case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe:
        RETURN_IF_ERROR(both(Type::kNumber, "numbers"));
        return Type::kBoolean;
      case Op::kAnd: case Op::kOr:
        RETURN_IF_ERROR(both(Type::kBoolean, "booleans"));
        return Type::kBoolean;
      case Op::kEq: case Op::kNe:
        RETURN_IF_ERROR(CheckEquality(node, lhs_type, rhs_type));
        return Type::kBoolean;
      default:
        return ErrorAt(node.column, "malformed expression tree");
    }
  }

  // number == number, boolean == boolean, category column == string literal.
  [[gnu::noinline]] static Status CheckEquality(const Node& node,
                                                Type lhs_type, Type rhs_type) {
    const Node& lhs = *node.children[0];
    const Node& rhs = *node.children[1];
    if (lhs_type != rhs_type) {
      return Differ(OpName(node.op), "operands", lhs, lhs_type, rhs, rhs_type);
    }
    if (lhs_type != Type::kString) return Status::Ok();
    // Only columns and literals have type string.
    const bool lhs_column = lhs.kind == NodeKind::kColumn;
    const bool rhs_column = rhs.kind == NodeKind::kColumn;
    if (lhs_column && rhs_column) {
      return ErrorAt(node.column,
                     "comparing two category columns is not supported (" +
                         DescribeOperand(lhs) + " " +
                         std::string(OpName(node.op)) + " " +
                         DescribeOperand(rhs) + ")");
    }
    if (!lhs_column && !rhs_column) {
      return ErrorAt(node.column,
                     "'" + std::string(OpName(node.op)) +
                         "' compares a category column with a string literal, "
                         "but both sides are string literals");
    }
    return Status::Ok();
  }

  Result<Type> CheckIn(const Node& node, int depth) {
    const Node& tested = *node.children[0];
    ASSIGN_OR_RETURN(Type type, Check(tested, depth + 1));
    if (type == Type::kString && tested.kind != NodeKind::kColumn) {
      return ErrorAt(tested.column,
                     "'" + std::string(OpName(node.op)) +
                         "' tests a category column or a number or boolean, "
                         "but " + DescribeOperand(tested) +
                         " is a string literal");
    }
    for (std::size_t i = 1; i < node.children.size(); ++i) {
      const Node& item = *node.children[i];
      if (item.kind != NodeKind::kNumber && item.kind != NodeKind::kBoolean &&
          item.kind != NodeKind::kString) {
        return ErrorAt(item.column, "the list after 'in' may hold only literals");
      }
      ASSIGN_OR_RETURN(Type item_type, Check(item, depth + 1));
      if (item_type != type) {
        return Differ(OpName(node.op), "list items", tested, type, item,
                      item_type);
      }
    }
    return Type::kBoolean;
  }

  Result<Type> CheckIf(const Node& node, int depth) {
    const Node& condition = *node.children[0];
    const Node& then_branch = *node.children[1];
    const Node& else_branch = *node.children[2];
    ASSIGN_OR_RETURN(Type condition_type, Check(condition, depth + 1));
    if (condition_type != Type::kBoolean) {
      return Mismatch("if", "a boolean condition", condition, condition_type);
    }
    ASSIGN_OR_RETURN(Type then_type, Check(then_branch, depth + 1));
    ASSIGN_OR_RETURN(Type else_type, Check(else_branch, depth + 1));
    if (then_type == Type::kString) {
      return Mismatch("if", "number or boolean branches", then_branch, then_type);
    }
    if (else_type == Type::kString) {
      return Mismatch("if", "number or boolean branches", else_branch, else_type);
    }
    if (then_type != else_type) {
      return Differ("if", "branches", then_branch, then_type, else_branch,
                    else_type);
    }
    return then_type;
  }

  Result<Type> CheckCall(const Node& node, int depth) {
    const internal::FunctionInfo& function = *internal::FindFunction(node.text);
    std::vector<Type> types;
    for (const auto& arg : node.children) {
      ASSIGN_OR_RETURN(Type type, Check(*arg, depth + 1));
      types.push_back(type);
    }
    const std::string_view name = function.name;
    switch (function.id) {
      case Function::kIsMissing:
        return Type::kBoolean;
      case Function::kCoalesce:
        for (std::size_t i = 0; i < types.size(); ++i) {
          if (types[i] == Type::kString) {
            return Mismatch(name, "numbers or booleans", *node.children[i],
                            types[i]);
          }
          if (types[i] != types[0]) {
            return Differ(name, "arguments", *node.children[0], types[0],
                          *node.children[i], types[i]);
          }
        }
        return types[0];
      default: {
        const std::string_view needs =
            function.max_args == 1 ? "a number" : "numbers";
        for (std::size_t i = 0; i < types.size(); ++i) {
          if (types[i] != Type::kNumber) {
            return Mismatch(name, needs, *node.children[i], types[i]);
          }
        }
        return Type::kNumber;
      }
    }
  }

  const ColumnTypeFn& columns_;
};

}  // namespace

Result<Type> TypeCheck(const Node& ast, const ColumnTypeFn& columns) {
  return Checker(columns).Check(ast, 1);
}

}  // namespace podium::expr
