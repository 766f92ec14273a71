// AST helpers: names, the function table, error formatting, ToString and the
// static analyses that need no types.
#include <algorithm>
#include <charconv>
#include <set>
#include <string>

#include "expr/expr.h"
#include "expr/internal.h"
#include "expr/lexer.h"

namespace podium::expr {
namespace internal {
namespace {

// Sorted by name.
constexpr FunctionInfo kFunctions[] = {
    {"abs", Function::kAbs, 1, 1},
    {"atan", Function::kAtan, 1, 1},
    {"ceil", Function::kCeil, 1, 1},
    {"coalesce", Function::kCoalesce, 1, kVariadic},
    {"cos", Function::kCos, 1, 1},
    {"exp", Function::kExp, 1, 1},
    {"expm1", Function::kExpm1, 1, 1},
    {"float32", Function::kFloat32, 1, 1},
    {"floor", Function::kFloor, 1, 1},
    {"is_missing", Function::kIsMissing, 1, 1},
    {"log", Function::kLog, 1, 1},
    {"log10", Function::kLog10, 1, 1},
    {"log1p", Function::kLog1p, 1, 1},
    {"max", Function::kMax, 1, kVariadic},
    {"min", Function::kMin, 1, kVariadic},
    {"pow", Function::kPow, 2, 2},
    {"sin", Function::kSin, 1, 1},
    {"sqrt", Function::kSqrt, 1, 1},
    {"tanh", Function::kTanh, 1, 1},
};

std::string FormatNumber(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

std::string QuoteString(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

// Is `name` a column name that needs no backquotes?
bool IsPlainIdentifier(std::string_view name) {
  auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (name.empty() || !alpha(name[0]) || IsKeyword(name)) return false;
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '.') return false;
  }
  return true;
}

std::string QuoteColumn(std::string_view name) {
  if (IsPlainIdentifier(name)) return std::string(name);
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string Format(const Node& node, bool top) {
  auto child = [&](std::size_t i) {
    return i < node.children.size() ? Format(*node.children[i], false)
                                     : std::string("?");
  };
  auto wrap = [&](std::string s) { return top ? s : "(" + s + ")"; };
  switch (node.kind) {
    case NodeKind::kNumber:
      return FormatNumber(node.number);
    case NodeKind::kBoolean:
      return node.boolean ? "true" : "false";
    case NodeKind::kString:
      return QuoteString(node.text);
    case NodeKind::kColumn:
      return QuoteColumn(node.text);
    case NodeKind::kUnary:
      return wrap(std::string(OpName(node.op)) +
                  (node.op == Op::kNot ? " " : "") + child(0));
    case NodeKind::kBinary:
      return wrap(child(0) + " " + std::string(OpName(node.op)) + " " +
                  child(1));
    case NodeKind::kIn: {
      std::string list;
      for (std::size_t i = 1; i < node.children.size(); ++i) {
        list += (i > 1 ? ", " : "") + child(i);
      }
      return wrap(child(0) + " " + std::string(OpName(node.op)) + " (" +
                  list + ")");
    }
    case NodeKind::kIf:
      return wrap("if " + child(0) + " then " + child(1) + " else " +
                  child(2));
    case NodeKind::kCall: {
      std::string args;
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        args += (i > 0 ? ", " : "") + child(i);
      }
      return node.text + "(" + args + ")";
    }
  }
  return "?";
}

}  // namespace

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& info : kFunctions) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string KnownFunctionList() {
  std::string out;
  for (const FunctionInfo& info : kFunctions) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

Status ErrorAt(int column, std::string_view message) {
  return InvalidArgumentError("column " + std::to_string(column) + ": " +
                              std::string(message));
}

Status TooDeepAt(int column) {
  return ResourceExhaustedError(
      "column " + std::to_string(column) +
      ": expression nested too deeply (the limit is " +
      std::to_string(kMaxDepth) + " levels)");
}

std::string Shorten(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  if (text.size() <= kMaxShown) return std::string(text);
  return std::string(text.substr(0, kMaxShown)) + "...";
}

std::string DescribeOperand(const Node& node) {
  switch (node.kind) {
    case NodeKind::kColumn: {
      // Appended, not concatenated: GCC 12 warns (-Wrestrict) on the inlined
      // "'" + std::string + "'" here although it is correct.
      std::string quoted = "'";
      quoted += Shorten(node.text);
      quoted += '\'';
      return quoted;
    }
    case NodeKind::kNumber:
    case NodeKind::kBoolean:
    case NodeKind::kString:
      return Shorten(Format(node, true));
    case NodeKind::kCall:
      return "the result of '" + Shorten(node.text) + "'";
    case NodeKind::kIf:
      return "the result of 'if'";
    default:
      return "the result of '" + std::string(OpName(node.op)) + "'";
  }
}

std::string_view TypeWithArticle(Type type) {
  switch (type) {
    case Type::kNumber: return "a number";
    case Type::kBoolean: return "a boolean";
    case Type::kString: return "a string";
  }
  return "?";
}

}  // namespace internal

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kNumber: return "number";
    case Type::kBoolean: return "boolean";
    case Type::kString: return "string";
  }
  return "?";
}

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kNone: return "";
    case Op::kNeg: return "-";
    case Op::kNot: return "not";
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kEq: return "==";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kAnd: return "and";
    case Op::kOr: return "or";
    case Op::kIn: return "in";
    case Op::kNotIn: return "not in";
  }
  return "?";
}

std::string ToString(const Node& ast) { return internal::Format(ast, true); }

std::vector<std::string_view> FunctionNames() {
  std::vector<std::string_view> names;
  for (const internal::FunctionInfo& info : internal::kFunctions) {
    names.push_back(info.name);
  }
  return names;
}

namespace {

template <typename Visit>
void PreOrder(const Node& node, const Visit& visit) {
  visit(node);
  for (const auto& child : node.children) {
    if (child) PreOrder(*child, visit);
  }
}

// Appends `item` to `list` unless `seen` (the set of `key`s added) has it.
void AddDistinct(std::set<std::string>& seen, const std::string& key,
                 std::vector<std::string>& list, const std::string& item) {
  if (seen.insert(key).second) list.push_back(item);
}

}  // namespace

std::vector<std::string> ReferencedColumns(const Node& ast) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  PreOrder(ast, [&](const Node& node) {
    if (node.kind == NodeKind::kColumn) {
      AddDistinct(seen, node.text, columns, node.text);
    }
  });
  return columns;
}

std::map<std::string, std::vector<std::string>> StringLiteralsByColumn(
    const Node& ast) {
  std::map<std::string, std::vector<std::string>> out;
  std::set<std::string> seen;  // column + '\0' + literal
  auto add = [&](const std::string& column, const std::string& literal) {
    AddDistinct(seen, column + '\0' + literal, out[column], literal);
  };
  auto is = [](const std::unique_ptr<Node>& node, NodeKind kind) {
    return node && node->kind == kind;
  };
  PreOrder(ast, [&](const Node& node) {
    const auto& c = node.children;
    if (node.kind == NodeKind::kBinary &&
        (node.op == Op::kEq || node.op == Op::kNe) && c.size() == 2) {
      if (is(c[0], NodeKind::kColumn) && is(c[1], NodeKind::kString)) {
        add(c[0]->text, c[1]->text);
      } else if (is(c[1], NodeKind::kColumn) && is(c[0], NodeKind::kString)) {
        add(c[1]->text, c[0]->text);
      }
    } else if (node.kind == NodeKind::kIn && !c.empty() &&
               is(c[0], NodeKind::kColumn)) {
      for (std::size_t i = 1; i < c.size(); ++i) {
        if (is(c[i], NodeKind::kString)) add(c[0]->text, c[i]->text);
      }
    }
  });
  return out;
}

}  // namespace podium::expr
