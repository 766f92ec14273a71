// Recursive-descent parser with precedence climbing for the binary
// operators. Grammar: docs/formats/expressions.md.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "expr/expr.h"
#include "expr/internal.h"
#include "expr/lexer.h"

namespace podium::expr {
namespace {

using internal::ErrorAt;
using internal::Lexer;
using internal::Token;
using internal::TokenKind;

// Binding strength, lowest first ('if' sits below all of them).
enum Precedence {
  kPrecOr = 1,
  kPrecAnd,
  kPrecNot,
  kPrecCompare,
  kPrecAdd,
  kPrecMul,
  kPrecUnary,
};

struct Infix {
  Op op;
  int precedence;
};

std::optional<Infix> InfixOf(TokenKind kind) {
  switch (kind) {
    case TokenKind::kOr: return Infix{Op::kOr, kPrecOr};
    case TokenKind::kAnd: return Infix{Op::kAnd, kPrecAnd};
    case TokenKind::kEq: return Infix{Op::kEq, kPrecCompare};
    case TokenKind::kNe: return Infix{Op::kNe, kPrecCompare};
    case TokenKind::kLt: return Infix{Op::kLt, kPrecCompare};
    case TokenKind::kLe: return Infix{Op::kLe, kPrecCompare};
    case TokenKind::kGt: return Infix{Op::kGt, kPrecCompare};
    case TokenKind::kGe: return Infix{Op::kGe, kPrecCompare};
    case TokenKind::kIn: return Infix{Op::kIn, kPrecCompare};
    case TokenKind::kNot: return Infix{Op::kNotIn, kPrecCompare};  // "not in"
    case TokenKind::kPlus: return Infix{Op::kAdd, kPrecAdd};
    case TokenKind::kMinus: return Infix{Op::kSub, kPrecAdd};
    case TokenKind::kStar: return Infix{Op::kMul, kPrecMul};
    case TokenKind::kSlash: return Infix{Op::kDiv, kPrecMul};
    default: return std::nullopt;
  }
}

bool IsLiteral(const Node& node) {
  return node.kind == NodeKind::kNumber || node.kind == NodeKind::kBoolean ||
         node.kind == NodeKind::kString;
}

// A subtree and its height, so that the height limit is enforced while the
// tree is built (left-deep chains like a+b+c+... are built by loops).
struct Parsed {
  std::unique_ptr<Node> node;
  int height = 1;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  Result<std::unique_ptr<Node>> ParseAll() {
    RETURN_IF_ERROR(Advance());
    if (token_.kind == TokenKind::kEnd) {
      return ErrorAt(token_.column, "empty expression");
    }
    ASSIGN_OR_RETURN(Parsed parsed, ParseExpr());
    if (token_.kind != TokenKind::kEnd) return Unexpected("end of expression");
    return std::move(parsed.node);
  }

 private:
  // Counts one level of textual nesting for as long as it lives.
  class Nesting {
   public:
    explicit Nesting(int& depth) : depth_(++depth) {}
    ~Nesting() { --depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    bool too_deep() const { return depth_ > kMaxDepth; }

   private:
    int& depth_;
  };

  // Advance and the error builders stay out of line so that the frames of
  // the recursive Parse* functions stay small (nesting may be kMaxDepth).
  [[gnu::noinline]] Status Advance() {
    ASSIGN_OR_RETURN(token_, lexer_.Next());
    return Status::Ok();
  }

  [[gnu::noinline]] Status Unexpected(std::string_view expected) const {
    return ErrorAt(token_.column, "expected " + std::string(expected) +
                                      " but found " +
                                      internal::DescribeToken(token_));
  }

  Status Expect(TokenKind kind, std::string_view expected) {
    if (token_.kind != kind) return Unexpected(expected);
    return Advance();
  }

  static Parsed Leaf(NodeKind kind, int column) {
    Parsed parsed{std::make_unique<Node>(), 1};
    parsed.node->kind = kind;
    parsed.node->column = column;
    return parsed;
  }

  static Result<Parsed> Combine(NodeKind kind, Op op, int column,
                                std::vector<Parsed> children) {
    Parsed parsed = Leaf(kind, column);
    parsed.node->op = op;
    for (Parsed& child : children) {
      parsed.height = std::max(parsed.height, child.height + 1);
      parsed.node->children.push_back(std::move(child.node));
    }
    if (parsed.height > kMaxDepth) return internal::TooDeepAt(column);
    return parsed;
  }

  // The recursive descent below keeps the functions on the path of nested
  // parentheses (ParseExpr, ParseBinary, ParsePrimary) small and moves the
  // rest out of line, so that kMaxDepth levels need little stack.

  // expr := 'if' expr 'then' expr 'else' expr | binary
  Result<Parsed> ParseExpr() {
    Nesting nesting(depth_);
    if (nesting.too_deep()) return internal::TooDeepAt(token_.column);
    if (token_.kind == TokenKind::kIf) return ParseIf();
    return ParseBinary(kPrecOr);
  }

  [[gnu::noinline]] Result<Parsed> ParseIf() {
    const int column = token_.column;
    RETURN_IF_ERROR(Advance());
    ASSIGN_OR_RETURN(Parsed condition, ParseExpr());
    RETURN_IF_ERROR(Expect(TokenKind::kThen, "'then'"));
    ASSIGN_OR_RETURN(Parsed then_branch, ParseExpr());
    RETURN_IF_ERROR(Expect(TokenKind::kElse, "'else'"));
    ASSIGN_OR_RETURN(Parsed else_branch, ParseExpr());
    std::vector<Parsed> children;
    children.push_back(std::move(condition));
    children.push_back(std::move(then_branch));
    children.push_back(std::move(else_branch));
    return Combine(NodeKind::kIf, Op::kNone, column, std::move(children));
  }

  // Operators binding at least as tightly as `min_precedence`. Binary
  // operators are left-associative; comparisons do not associate.
  //   binary := prefix (infix-operator operand)*
  //   prefix := 'not' binary(not) | '-' binary(unary) | primary
  Result<Parsed> ParseBinary(int min_precedence) {
    const bool prefix = token_.kind == TokenKind::kNot ||
                        token_.kind == TokenKind::kMinus;
    ASSIGN_OR_RETURN(Parsed lhs, prefix ? ParseUnary(min_precedence)
                                        : ParsePrimary());
    bool lhs_is_comparison = false;
    while (true) {
      const std::optional<Infix> infix = InfixOf(token_.kind);
      if (!infix || infix->precedence < min_precedence) break;
      if (infix->precedence == kPrecCompare && lhs_is_comparison) {
        return ErrorAt(token_.column,
                       "comparisons do not chain; add parentheses");
      }
      ASSIGN_OR_RETURN(lhs, ParseInfix(std::move(lhs), *infix));
      lhs_is_comparison = infix->precedence == kPrecCompare;
    }
    return lhs;
  }

  // The operator at the current token, its right operand, and the node.
  [[gnu::noinline]] Result<Parsed> ParseInfix(Parsed lhs, Infix infix) {
    const int column = token_.column;
    RETURN_IF_ERROR(Advance());
    if (infix.op == Op::kNotIn) {
      RETURN_IF_ERROR(Expect(TokenKind::kIn, "'in' after 'not'"));
    }
    std::vector<Parsed> children;
    children.push_back(std::move(lhs));
    if (infix.op == Op::kIn || infix.op == Op::kNotIn) {
      RETURN_IF_ERROR(ParseInList(children));
      return Combine(NodeKind::kIn, infix.op, column, std::move(children));
    }
    ASSIGN_OR_RETURN(Parsed rhs, ParseBinary(infix.precedence + 1));
    children.push_back(std::move(rhs));
    return Combine(NodeKind::kBinary, infix.op, column, std::move(children));
  }

  // '(' literal (',' literal)* ')', after 'in' or 'not in'.
  [[gnu::noinline]] Status ParseInList(std::vector<Parsed>& items) {
    RETURN_IF_ERROR(Expect(TokenKind::kLeftParen, "'(' after 'in'"));
    while (true) {
      ASSIGN_OR_RETURN(Parsed item, ParseExpr());
      if (!IsLiteral(*item.node)) return NotALiteral(*item.node);
      items.push_back(std::move(item));
      if (token_.kind == TokenKind::kRightParen) return Advance();
      RETURN_IF_ERROR(Expect(TokenKind::kComma, "',' or ')'"));
    }
  }

  [[gnu::noinline]] static Status NotALiteral(const Node& item) {
    return ErrorAt(item.column,
                   "the list after 'in' may hold only literals, but found " +
                       internal::DescribeOperand(item));
  }

  // 'not' binary(not) | '-' binary(unary), at 'not' or '-'.
  [[gnu::noinline]] Result<Parsed> ParseUnary(int min_precedence) {
    const int column = token_.column;
    const bool is_not = token_.kind == TokenKind::kNot;
    if (is_not && min_precedence > kPrecNot) {
      return ErrorAt(column, "put 'not ...' in parentheses when it is an "
                             "operand of a comparison or arithmetic");
    }
    Nesting nesting(depth_);
    if (nesting.too_deep()) return internal::TooDeepAt(column);
    RETURN_IF_ERROR(Advance());
    ASSIGN_OR_RETURN(Parsed operand, ParseBinary(is_not ? kPrecNot : kPrecUnary));
    if (!is_not && operand.node->kind == NodeKind::kNumber) {
      operand.node->number = -operand.node->number;  // fold "-1" into a literal
      operand.node->column = column;
      return operand;
    }
    std::vector<Parsed> children;
    children.push_back(std::move(operand));
    return Combine(NodeKind::kUnary, is_not ? Op::kNot : Op::kNeg, column,
                   std::move(children));
  }

  Result<Parsed> ParsePrimary() {
    const int column = token_.column;
    Parsed parsed;
    switch (token_.kind) {
      case TokenKind::kNumber:
        parsed = Leaf(NodeKind::kNumber, column);
        parsed.node->number = token_.number;
        break;
      case TokenKind::kString:
        parsed = Leaf(NodeKind::kString, column);
        parsed.node->text = std::move(token_.text);
        break;
      case TokenKind::kTrue:
      case TokenKind::kFalse:
        parsed = Leaf(NodeKind::kBoolean, column);
        parsed.node->boolean = token_.kind == TokenKind::kTrue;
        break;
      case TokenKind::kQuotedIdentifier:
        parsed = Leaf(NodeKind::kColumn, column);
        parsed.node->text = std::move(token_.text);
        break;
      case TokenKind::kIdentifier: {
        std::string name = std::move(token_.text);
        RETURN_IF_ERROR(Advance());
        if (token_.kind == TokenKind::kLeftParen) {
          return ParseCall(std::move(name), column);
        }
        parsed = Leaf(NodeKind::kColumn, column);
        parsed.node->text = std::move(name);
        return parsed;
      }
      case TokenKind::kLeftParen: {
        RETURN_IF_ERROR(Advance());
        ASSIGN_OR_RETURN(parsed, ParseExpr());
        RETURN_IF_ERROR(Expect(TokenKind::kRightParen, "')'"));
        return parsed;
      }
      case TokenKind::kIf:
        return ErrorAt(column, "put 'if ... then ... else ...' in parentheses "
                               "when it is an operand");
      default:
        return Unexpected("a value");
    }
    RETURN_IF_ERROR(Advance());
    return parsed;
  }

  // name '(' [expr (',' expr)*] ')', with the name consumed.
  [[gnu::noinline]] Result<Parsed> ParseCall(std::string name, int column) {
    const internal::FunctionInfo* function = internal::FindFunction(name);
    if (function == nullptr) return UnknownFunction(name, column);
    RETURN_IF_ERROR(Advance());  // '('
    std::vector<Parsed> args;
    if (token_.kind == TokenKind::kRightParen) {
      RETURN_IF_ERROR(Advance());
    } else {
      while (true) {
        ASSIGN_OR_RETURN(Parsed arg, ParseExpr());
        args.push_back(std::move(arg));
        if (token_.kind == TokenKind::kRightParen) {
          RETURN_IF_ERROR(Advance());
          break;
        }
        RETURN_IF_ERROR(Expect(TokenKind::kComma, "',' or ')'"));
      }
    }
    const int count = static_cast<int>(args.size());
    if (count < function->min_args ||
        (function->max_args != internal::kVariadic &&
         count > function->max_args)) {
      return ErrorAt(column, ArityMessage(*function, count));
    }
    ASSIGN_OR_RETURN(Parsed call, Combine(NodeKind::kCall, Op::kNone, column,
                                          std::move(args)));
    call.node->text = std::move(name);
    return call;
  }

  [[gnu::noinline]] static Status UnknownFunction(const std::string& name,
                                                 int column) {
    return ErrorAt(column, "unknown function '" + internal::Shorten(name) +
                               "'; known functions: " +
                               internal::KnownFunctionList());
  }

  [[gnu::noinline]] static std::string ArityMessage(
      const internal::FunctionInfo& function, int count) {
    const int wanted = function.min_args;
    auto plural = [](int n) {
      return std::to_string(n) + (n == 1 ? " argument" : " arguments");
    };
    const std::string takes =
        function.max_args == internal::kVariadic ? "at least " + plural(wanted)
                                                 : plural(wanted);
    return "'" + std::string(function.name) + "' takes " + takes + " but " +
           std::to_string(count) + (count == 1 ? " was" : " were") + " given";
  }

  Lexer lexer_;
  Token token_;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Node>> Parse(std::string_view text) {
  if (text.size() > kMaxTextLength) {
    return ResourceExhaustedError(
        "expression is " + std::to_string(text.size()) +
        " bytes long; the limit is " + std::to_string(kMaxTextLength));
  }
  return Parser(text).ParseAll();
}

}  // namespace podium::expr
