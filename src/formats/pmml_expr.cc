// PMML expressions (DerivedField contents) lowered to Podium's expression
// language. Each construct is spelled so that the expression language's
// semantics (docs/formats/expressions.md) give exactly PMML's value, missing
// values included; a construct that cannot be spelled exactly is refused.
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/number.h"
#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Longest if-chain generated for one element: the expression language nests
// at most 256 levels, and every chain link is one level.
constexpr size_t kMaxChainLinks = 200;
// Aggregates are spelled with one coalesce per argument over all arguments.
constexpr size_t kMaxAggregateArguments = 32;

// The expression language has no missing literal; 0 / 0 is missing by its
// rules (a non-finite result is missing), and comparing it gives a missing
// boolean.
constexpr std::string_view kMissingNumber = "(0 / 0)";
constexpr std::string_view kMissingBoolean = "((0 / 0) > 0)";

std::string MissingOf(expr::Type type) {
  return std::string(type == expr::Type::kBoolean ? kMissingBoolean : kMissingNumber);
}

std::string IsMissing(const std::string& text) { return "is_missing(" + text + ")"; }

}  // namespace

std::string MissingTest(const ScopeField& field) {
  return field.symbolic ? field.symbolic->is_missing : IsMissing(QuoteColumn(field.column));
}

Result<std::string> EqualsText(const Locator& at, const pugi::xml_node& node, const ScopeField& field,
                               const std::string& value) {
  if (field.symbolic) {
    const auto it = field.symbolic->equals.find(value);
    if (it != field.symbolic->equals.end()) return it->second;
    // A value the field never takes: false, or missing with the field.
    return "(if " + field.symbolic->is_missing + " then " + std::string(kMissingBoolean) + " else false)";
  }
  const std::string column = QuoteColumn(field.column);
  switch (field.type) {
    case expr::Type::kString:
      return "(" + column + " == " + QuoteString(value) + ")";
    case expr::Type::kBoolean:
      if (value == "true" || value == "1") return "(" + column + " == true)";
      if (value == "false" || value == "0") return "(" + column + " == false)";
      return at.Invalid(node, QuoteString(value) + " is not a boolean value");
    case expr::Type::kNumber: {
      const std::optional<double> number = ParseDouble(value);
      if (!number) return at.Invalid(node, QuoteString(value) + " is not a number");
      return "(" + column + " == " + NumberLiteral(*number) + ")";
    }
  }
  return at.Invalid(node, "unexpected field type");
}

namespace {

// if c then a else b, except that a missing c gives missing (PMML), where
// the expression language would take the else branch.
std::string StrictIf(const std::string& condition, const std::string& then_text,
                     const std::string& else_text, expr::Type type) {
  return "(if " + IsMissing(condition) + " then " + MissingOf(type) + " else (if " + condition +
         " then " + then_text + " else " + else_text + "))";
}

bool IsNumberType(const Lowered& value) { return value.type == expr::Type::kNumber; }

std::vector<pugi::xml_node> ExpressionChildren(const pugi::xml_node& node) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    if (LocalName(child) == "Extension") continue;
    out.push_back(child);
  }
  return out;
}

// A number written in an attribute, or an error naming it.
Result<double> NumberAttribute(const Locator& at, const pugi::xml_node& node, std::string_view name) {
  const std::optional<std::string> text = Attribute(node, name);
  if (!text) return at.Invalid(node, "missing attribute '" + std::string(name) + "'");
  const std::optional<double> value = ParseDouble(*text);
  if (!value) return at.Invalid(node, "attribute '" + std::string(name) + "' is not a finite number: " + QuoteString(*text));
  return *value;
}

// mapMissingTo / defaultValue of a numeric result: a number literal, or
// missing when absent.
Result<std::string> NumericValueAttribute(const Locator& at, const pugi::xml_node& node, std::string_view name) {
  if (!Attribute(node, name)) return std::string(kMissingNumber);
  ASSIGN_OR_RETURN(double value, NumberAttribute(at, node, name));
  return NumberLiteral(value);
}

Result<const ScopeField*> FieldOf(const Locator& at, const Scope& scope, const pugi::xml_node& node,
                                  std::string_view attribute = "field") {
  const std::optional<std::string> name = Attribute(node, attribute);
  if (!name) return at.Invalid(node, "missing attribute '" + std::string(attribute) + "'");
  const ScopeField* field = scope.Find(*name);
  if (field == nullptr) return at.Invalid(node, "unknown field " + QuoteString(*name));
  return field;
}

Result<Lowered> LowerConstant(const Locator& at, const pugi::xml_node& node) {
  const std::string text = node.child_value();
  const std::optional<std::string> data_type = Attribute(node, "dataType");
  Lowered out;
  out.literal = text;
  if (Attribute(node, "missing").value_or("false") == "true") {
    out.text = std::string(kMissingNumber);
    return out;
  }
  if (data_type == "string") {
    out.type = expr::Type::kString;
    out.text = QuoteString(text);
    return out;
  }
  if (data_type == "boolean") {
    if (text != "true" && text != "false") return at.Invalid(node, QuoteString(text) + " is not a boolean");
    out.type = expr::Type::kBoolean;
    out.text = text;
    return out;
  }
  if (data_type && *data_type != "double" && *data_type != "integer" && *data_type != "float") {
    return at.Unsupported(node, "dataType " + QuoteString(*data_type) + " is not supported");
  }
  const std::optional<double> value = ParseDouble(text);
  if (!value) {
    if (data_type) return at.Invalid(node, QuoteString(text) + " is not a number");
    out.type = expr::Type::kString;  // untyped text: only compared with categories
    out.text = QuoteString(text);
    return out;
  }
  if (data_type == "float" && static_cast<double>(static_cast<float>(*value)) != *value) {
    return at.Unsupported(node, "a float constant that is not exactly a double value would be rounded");
  }
  out.text = NumberLiteral(*value);
  out.integral = std::floor(*value) == *value;
  return out;
}

Result<Lowered> LowerFieldRef(const Locator& at, const Scope& scope, const pugi::xml_node& node) {
  ASSIGN_OR_RETURN(const ScopeField* field, FieldOf(at, scope, node));
  Lowered out;
  out.text = field->symbolic ? std::string() : QuoteColumn(field->column);
  out.type = field->type;
  out.integral = field->integral;
  out.column = field;
  if (Attribute(node, "mapMissingTo")) {
    if (field->type != expr::Type::kNumber) {
      return at.Unsupported(node, "mapMissingTo on a non-numeric field (derived columns are numbers or booleans)");
    }
    ASSIGN_OR_RETURN(double value, NumberAttribute(at, node, "mapMissingTo"));
    out.text = "coalesce(" + out.text + ", " + NumberLiteral(value) + ")";
    out.column = nullptr;
    out.integral = field->integral && std::floor(value) == value;
  }
  return out;
}

Result<Lowered> LowerNormContinuous(const Locator& at, const Scope& scope, const pugi::xml_node& node) {
  ASSIGN_OR_RETURN(const ScopeField* field, FieldOf(at, scope, node));
  if (field->type != expr::Type::kNumber) return at.Invalid(node, "the field is not numeric");
  struct Point {
    double orig;
    double norm;
  };
  std::vector<Point> points;
  for (const pugi::xml_node& norm : Children(node, "LinearNorm")) {
    ASSIGN_OR_RETURN(double orig, NumberAttribute(at, norm, "orig"));
    ASSIGN_OR_RETURN(double value, NumberAttribute(at, norm, "norm"));
    if (!points.empty() && orig <= points.back().orig) {
      return at.Invalid(norm, "LinearNorm orig values must increase strictly");
    }
    points.push_back({orig, value});
  }
  if (points.size() < 2) return at.Invalid(node, "needs at least two LinearNorm elements");
  if (points.size() > kMaxChainLinks) return at.Unsupported(node, "more than 200 LinearNorm elements");
  const std::string x = QuoteColumn(field->column);
  // PMML's formula, operation for operation: a1 + (x - b1) / (b2 - b1) * (a2 - a1).
  auto segment = [&](size_t i) {
    const Point& p = points[i];
    const Point& q = points[i + 1];
    std::string text = "(";
    text += NumberLiteral(p.norm);
    text += " + (" + x + " - " + NumberLiteral(p.orig) + ") / ";
    text += NumberLiteral(q.orig - p.orig) + " * " + NumberLiteral(q.norm - p.norm) + ")";
    return text;
  };
  const std::string outliers = Attribute(node, "outliers").value_or("asIs");
  std::string below;
  std::string above;
  if (outliers == "asIs") {
    below = segment(0);
    above = segment(points.size() - 2);
  } else if (outliers == "asMissingValues") {
    below = above = std::string(kMissingNumber);
  } else if (outliers == "asExtremeValues") {
    below = NumberLiteral(points.front().norm);
    above = NumberLiteral(points.back().norm);
  } else {
    return at.Invalid(node, "unknown outliers treatment " + QuoteString(outliers));
  }
  ASSIGN_OR_RETURN(std::string when_missing, NumericValueAttribute(at, node, "mapMissingTo"));
  std::string text = "(if " + IsMissing(x) + " then " + when_missing + " else if " + x + " < " +
                     NumberLiteral(points.front().orig) + " then " + below;
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    text += " else if " + x + " <= " + NumberLiteral(points[i + 1].orig) + " then " + segment(i);
  }
  text += " else " + above + ")";
  Lowered out;
  out.text = std::move(text);
  return out;
}

Result<Lowered> LowerNormDiscrete(const Locator& at, const Scope& scope, const pugi::xml_node& node) {
  ASSIGN_OR_RETURN(const ScopeField* field, FieldOf(at, scope, node));
  if (const std::optional<std::string> method = Attribute(node, "method"); method && *method != "indicator") {
    return at.Unsupported(node, "method " + QuoteString(*method) + " (only indicator is defined)");
  }
  const std::optional<std::string> value = Attribute(node, "value");
  if (!value) return at.Invalid(node, "missing attribute 'value'");
  ASSIGN_OR_RETURN(std::string equals, EqualsText(at, node, *field, *value));
  ASSIGN_OR_RETURN(std::string when_missing, NumericValueAttribute(at, node, "mapMissingTo"));
  Lowered out;
  out.text = "(if " + MissingTest(*field) + " then " + when_missing + " else (if " + equals +
             " then 1 else 0))";
  out.integral = true;
  return out;
}

// The condition that x lies in a PMML Interval (closure, leftMargin,
// rightMargin; an absent margin is unbounded).
Result<std::string> IntervalCondition(const Locator& at, const pugi::xml_node& interval, const std::string& x) {
  const std::optional<std::string> closure = Attribute(interval, "closure");
  if (!closure) return at.Invalid(interval, "missing attribute 'closure'");
  bool left_closed = false;
  bool right_closed = false;
  if (*closure == "openClosed") {
    right_closed = true;
  } else if (*closure == "openOpen") {
  } else if (*closure == "closedOpen") {
    left_closed = true;
  } else if (*closure == "closedClosed") {
    left_closed = right_closed = true;
  } else {
    return at.Invalid(interval, "unknown closure " + QuoteString(*closure));
  }
  std::vector<std::string> parts;
  if (Attribute(interval, "leftMargin")) {
    ASSIGN_OR_RETURN(double left, NumberAttribute(at, interval, "leftMargin"));
    parts.push_back(x + (left_closed ? " >= " : " > ") + NumberLiteral(left));
  }
  if (Attribute(interval, "rightMargin")) {
    ASSIGN_OR_RETURN(double right, NumberAttribute(at, interval, "rightMargin"));
    parts.push_back(x + (right_closed ? " <= " : " < ") + NumberLiteral(right));
  }
  if (parts.empty()) return std::string("true");
  if (parts.size() == 1) return "(" + parts[0] + ")";
  return "(" + parts[0] + " and " + parts[1] + ")";
}

// A first-match table: the value of the first arm whose condition holds
// (conditions are evaluated on a present input, so they are never missing),
// `when_missing` for a missing input, `otherwise` when no arm holds; an absent
// one of those is a missing value. Discretize and MapValues are such tables.
struct Cases {
  std::string input_missing;
  std::vector<std::pair<std::string, std::string>> arms;  // condition -> value as written
  std::optional<std::string> when_missing;
  std::optional<std::string> otherwise;
};

// A numeric column when every value is a number (and no string was asked
// for), else a symbolic category.
Result<Lowered> LowerCases(const Locator& at, const pugi::xml_node& node, const Cases& cases, bool want_string) {
  bool numeric = !want_string;
  auto check = [&](const std::optional<std::string>& value) {
    if (value && !ParseDouble(*value)) numeric = false;
  };
  for (const auto& arm : cases.arms) check(arm.second);
  check(cases.when_missing);
  check(cases.otherwise);
  Lowered out;
  if (numeric) {
    auto literal = [&](const std::optional<std::string>& value, bool& integral) {
      if (!value) return std::string(kMissingNumber);
      const double number = *ParseDouble(*value);
      integral = integral && std::floor(number) == number;
      return NumberLiteral(number);
    };
    bool integral = true;
    std::string text = "(if " + cases.input_missing + " then " + literal(cases.when_missing, integral);
    for (const auto& [condition, value] : cases.arms) {
      text += " else if " + condition + " then " + literal(value, integral);
    }
    text += " else " + literal(cases.otherwise, integral) + ")";
    out.text = std::move(text);
    out.integral = integral;
    return out;
  }
  // "equals v" for each value v: the same chain with true where the table
  // gives v, false where it gives another value, missing where it gives none.
  std::set<std::string> values;
  for (const auto& arm : cases.arms) values.insert(arm.second);
  if (cases.when_missing) values.insert(*cases.when_missing);
  if (cases.otherwise) values.insert(*cases.otherwise);
  if (values.size() > kMaxChainLinks) return at.Unsupported(node, "more than 200 distinct values");
  auto chain = [&](const std::function<std::string(const std::optional<std::string>&)>& result) {
    std::string text = "(if " + cases.input_missing + " then " + result(cases.when_missing);
    for (const auto& [condition, value] : cases.arms) text += " else if " + condition + " then " + result(value);
    return text + " else " + result(cases.otherwise) + ")";
  };
  SymbolicCategory symbolic;
  for (const std::string& v : values) {
    symbolic.equals[v] = chain([&](const std::optional<std::string>& value) {
      return !value ? std::string(kMissingBoolean) : std::string(*value == v ? "true" : "false");
    });
  }
  symbolic.is_missing = chain([](const std::optional<std::string>& value) { return value ? "false" : "true"; });
  out.type = expr::Type::kString;
  out.symbolic = std::move(symbolic);
  return out;
}

Result<Lowered> LowerDiscretize(const Locator& at, const Scope& scope, const pugi::xml_node& node, bool want_string) {
  ASSIGN_OR_RETURN(const ScopeField* field, FieldOf(at, scope, node));
  if (field->type != expr::Type::kNumber) return at.Invalid(node, "the field is not numeric");
  const std::string x = QuoteColumn(field->column);
  const std::vector<pugi::xml_node> bins = Children(node, "DiscretizeBin");
  if (bins.size() > kMaxChainLinks) return at.Unsupported(node, "more than 200 DiscretizeBin elements");
  Cases cases;
  cases.input_missing = IsMissing(x);
  cases.when_missing = Attribute(node, "mapMissingTo");
  cases.otherwise = Attribute(node, "defaultValue");
  for (const pugi::xml_node& bin : bins) {
    const std::optional<std::string> bin_value = Attribute(bin, "binValue");
    if (!bin_value) return at.Invalid(bin, "missing attribute 'binValue'");
    const pugi::xml_node interval = FirstChild(bin, "Interval");
    if (!interval) return at.Invalid(bin, "missing Interval");
    ASSIGN_OR_RETURN(std::string condition, IntervalCondition(at, interval, x));
    cases.arms.emplace_back(std::move(condition), *bin_value);
  }
  return LowerCases(at, node, cases, want_string || Attribute(node, "dataType") == "string");
}

// The text of a named cell of an InlineTable row (cells are elements named
// after their column, in any namespace).
std::optional<std::string> RowCell(const pugi::xml_node& row, std::string_view column) {
  for (pugi::xml_node cell = row.first_child(); cell; cell = cell.next_sibling()) {
    if (cell.type() == pugi::node_element && LocalName(cell) == column) return std::string(cell.child_value());
  }
  return std::nullopt;
}

Result<Lowered> LowerMapValues(const Locator& at, const Scope& scope, const pugi::xml_node& node, bool want_string) {
  const std::vector<pugi::xml_node> pairs = Children(node, "FieldColumnPair");
  if (pairs.size() != 1) return at.Unsupported(node, "only a single FieldColumnPair is supported");
  ASSIGN_OR_RETURN(const ScopeField* field, FieldOf(at, scope, pairs[0]));
  const std::optional<std::string> key_column = Attribute(pairs[0], "column");
  if (!key_column) return at.Invalid(pairs[0], "missing attribute 'column'");
  const std::optional<std::string> output_column = Attribute(node, "outputColumn");
  if (!output_column) return at.Invalid(node, "missing attribute 'outputColumn'");
  if (FirstChild(node, "TableLocator")) return at.Unsupported(FirstChild(node, "TableLocator"), "external tables");
  const pugi::xml_node table = FirstChild(node, "InlineTable");
  if (!table) return at.Invalid(node, "missing InlineTable");
  const std::vector<pugi::xml_node> rows = Children(table, "row");
  if (rows.size() > kMaxChainLinks) return at.Unsupported(table, "more than 200 rows");
  Cases cases;
  cases.input_missing = MissingTest(*field);
  cases.when_missing = Attribute(node, "mapMissingTo");
  cases.otherwise = Attribute(node, "defaultValue");
  for (const pugi::xml_node& row : rows) {
    const std::optional<std::string> key = RowCell(row, *key_column);
    const std::optional<std::string> value = RowCell(row, *output_column);
    if (!key || !value) return at.Invalid(row, "row lacks the column " + QuoteString(key ? *output_column : *key_column));
    ASSIGN_OR_RETURN(std::string equals, EqualsText(at, row, *field, *key));
    cases.arms.emplace_back(std::move(equals), *value);
  }
  return LowerCases(at, node, cases, want_string || Attribute(node, "dataType") == "string");
}

// equal / notEqual: numbers or booleans with each other, or a category
// column with a literal.
Result<Lowered> LowerEquality(const Locator& at, const pugi::xml_node& node, const Lowered& a, const Lowered& b,
                              bool negate) {
  Lowered out;
  out.type = expr::Type::kBoolean;
  const std::string op = negate ? " != " : " == ";
  const bool a_category = a.column != nullptr && a.type == expr::Type::kString;
  const bool b_category = b.column != nullptr && b.type == expr::Type::kString;
  if (a_category || b_category) {
    const Lowered& literal = a_category ? b : a;
    if (!literal.literal) return at.Unsupported(node, "comparing a category with anything but a constant");
    ASSIGN_OR_RETURN(std::string equals, EqualsText(at, node, *(a_category ? a : b).column, *literal.literal));
    out.text = negate ? "(not " + equals + ")" : equals;
    return out;
  }
  if (a.type != b.type || a.type == expr::Type::kString) {
    return at.Invalid(node, "operands of different types");
  }
  out.text = "(" + a.text + op + b.text + ")";
  return out;
}

Result<Lowered> LowerApply(const Locator& at, const Scope& scope, const pugi::xml_node& node);

Result<std::vector<Lowered>> LowerArguments(const Locator& at, const Scope& scope, const pugi::xml_node& node) {
  std::vector<Lowered> args;
  for (const pugi::xml_node& child : ExpressionChildren(node)) {
    ASSIGN_OR_RETURN(Lowered arg, LowerExpression(at, scope, child));
    args.push_back(std::move(arg));
  }
  return args;
}

Result<Lowered> LowerApplyFunction(const Locator& at, const pugi::xml_node& node, const std::string& function,
                                   const std::vector<Lowered>& args) {
  auto arity = [&](size_t min, size_t max) -> Status {
    if (args.size() < min || args.size() > max) {
      return at.Invalid(node, "function " + QuoteString(function) + " takes " +
                                  (min == max ? std::to_string(min) : std::to_string(min) + " or more") +
                                  " arguments, " + std::to_string(args.size()) + " given");
    }
    return Status::Ok();
  };
  auto need_numbers = [&]() -> Status {
    for (const Lowered& arg : args) {
      if (!IsNumberType(arg)) return at.Invalid(node, "function " + QuoteString(function) + " needs numbers");
    }
    return Status::Ok();
  };
  auto need_booleans = [&]() -> Status {
    for (const Lowered& arg : args) {
      if (arg.type != expr::Type::kBoolean) return at.Invalid(node, "function " + QuoteString(function) + " needs booleans");
    }
    return Status::Ok();
  };
  auto all_integral = [&]() {
    return std::all_of(args.begin(), args.end(), [](const Lowered& a) { return a.integral; });
  };
  Lowered out;
  if (function == "+" || function == "-" || function == "*" || function == "/") {
    RETURN_IF_ERROR(arity(2, 2));
    RETURN_IF_ERROR(need_numbers());
    out.text = "(" + args[0].text + " " + function + " " + args[1].text + ")";
    out.integral = function != "/" && all_integral();
    return out;
  }
  if (function == "lessThan" || function == "lessOrEqual" || function == "greaterThan" ||
      function == "greaterOrEqual") {
    RETURN_IF_ERROR(arity(2, 2));
    RETURN_IF_ERROR(need_numbers());
    const std::string op = function == "lessThan"      ? " < "
                           : function == "lessOrEqual" ? " <= "
                           : function == "greaterThan" ? " > "
                                                       : " >= ";
    out.type = expr::Type::kBoolean;
    out.text = "(" + args[0].text + op + args[1].text + ")";
    return out;
  }
  if (function == "equal" || function == "notEqual") {
    RETURN_IF_ERROR(arity(2, 2));
    return LowerEquality(at, node, args[0], args[1], function == "notEqual");
  }
  if (function == "and" || function == "or") {
    RETURN_IF_ERROR(arity(1, static_cast<size_t>(-1)));
    RETURN_IF_ERROR(need_booleans());
    out.type = expr::Type::kBoolean;
    out.text = "(" + args[0].text;
    for (size_t i = 1; i < args.size(); ++i) out.text += " " + function + " " + args[i].text;
    out.text += ")";
    return out;
  }
  if (function == "not") {
    RETURN_IF_ERROR(arity(1, 1));
    RETURN_IF_ERROR(need_booleans());
    out.type = expr::Type::kBoolean;
    out.text = "(not " + args[0].text + ")";
    return out;
  }
  if (function == "isMissing" || function == "isNotMissing") {
    RETURN_IF_ERROR(arity(1, 1));
    out.type = expr::Type::kBoolean;
    const std::string missing =
        args[0].column != nullptr ? MissingTest(*args[0].column) : IsMissing(args[0].text);
    out.text = function == "isMissing" ? missing : "(not " + missing + ")";
    return out;
  }
  if (function == "isIn" || function == "isNotIn") {
    RETURN_IF_ERROR(arity(2, static_cast<size_t>(-1)));
    const Lowered& subject = args[0];
    const bool category = subject.column != nullptr && subject.type == expr::Type::kString;
    if (subject.type == expr::Type::kString && !category) return at.Unsupported(node, "isIn over a string expression");
    if (category && subject.column->symbolic) {
      std::string any;
      for (size_t i = 1; i < args.size(); ++i) {
        if (!args[i].literal) return at.Unsupported(node, "isIn with a non-constant list item");
        ASSIGN_OR_RETURN(std::string equals, EqualsText(at, node, *subject.column, *args[i].literal));
        any += (any.empty() ? "" : " or ") + equals;
      }
      out.type = expr::Type::kBoolean;
      out.text = function == "isIn" ? "(" + any + ")" : "(not (" + any + "))";
      return out;
    }
    std::string list;
    for (size_t i = 1; i < args.size(); ++i) {
      if (!args[i].literal) return at.Unsupported(node, "isIn with a non-constant list item");
      if (!list.empty()) list += ", ";
      if (category) {
        list += QuoteString(*args[i].literal);
      } else if (subject.type == expr::Type::kBoolean) {
        if (args[i].type != expr::Type::kBoolean) return at.Invalid(node, "isIn items must be booleans");
        list += args[i].text;
      } else {
        const std::optional<double> value = ParseDouble(*args[i].literal);
        if (!value) return at.Invalid(node, "isIn items must be numbers");
        std::string number;
        FormatNumber(*value, &number);
        list += number;
      }
    }
    out.type = expr::Type::kBoolean;
    out.text = "(" + subject.text + (function == "isIn" ? " in (" : " not in (") + list + "))";
    return out;
  }
  if (function == "if") {
    RETURN_IF_ERROR(arity(2, 3));
    if (args[0].type != expr::Type::kBoolean) return at.Invalid(node, "the condition of 'if' is not a boolean");
    const expr::Type type = args[1].type;
    if (type == expr::Type::kString || (args.size() == 3 && args[2].type != type)) {
      return at.Unsupported(node, "'if' branches must both be numbers or both booleans");
    }
    out.type = type;
    out.integral = args[1].integral && (args.size() == 2 || args[2].integral);
    out.text = StrictIf(args[0].text, args[1].text, args.size() == 3 ? args[2].text : MissingOf(type), type);
    return out;
  }
  if (function == "min" || function == "max" || function == "sum" || function == "avg" || function == "product") {
    RETURN_IF_ERROR(arity(1, kMaxAggregateArguments));
    RETURN_IF_ERROR(need_numbers());
    // PMML (3.2 onwards) ignores missing arguments of aggregates; all
    // missing gives missing.
    std::string all_missing;
    for (const Lowered& arg : args) {
      all_missing += (all_missing.empty() ? "" : " and ") + IsMissing(arg.text);
    }
    if (function == "min" || function == "max") {
      // coalesce(a_i, the others...) is a_i when present, else some present
      // argument, which cannot change the minimum or maximum.
      out.text = function + "(";
      for (size_t i = 0; i < args.size(); ++i) {
        out.text += (i > 0 ? ", " : "") + std::string("coalesce(") + args[i].text;
        for (size_t j = 0; j < args.size(); ++j) {
          if (j != i) out.text += ", " + args[j].text;
        }
        out.text += ")";
      }
      out.text += ")";
      out.integral = all_integral();
      return out;
    }
    const std::string neutral = function == "product" ? "1" : "0";
    const std::string op = function == "product" ? " * " : " + ";
    std::string total;
    std::string count;
    for (const Lowered& arg : args) {
      total += (total.empty() ? "" : op) + "coalesce(" + arg.text + ", " + neutral + ")";
      count += (count.empty() ? "" : " + ") + std::string("(if ") + IsMissing(arg.text) + " then 0 else 1)";
    }
    const std::string value = function == "avg" ? "(" + total + ") / (" + count + ")" : total;
    out.text = "(if " + all_missing + " then " + std::string(kMissingNumber) + " else " + value + ")";
    out.integral = function != "avg" && all_integral();
    return out;
  }
  struct Unary {
    std::string_view pmml;
    std::string_view podium;
    bool integral;
  };
  static constexpr Unary kUnary[] = {{"log10", "log10", false}, {"ln", "log", false},    {"exp", "exp", false},
                                     {"sqrt", "sqrt", false},   {"abs", "abs", false},   {"floor", "floor", true},
                                     {"ceil", "ceil", true},    {"tanh", "tanh", false},
                                     {"sin", "sin", false},     {"cos", "cos", false},   {"atan", "atan", false}};
  for (const Unary& unary : kUnary) {
    if (function != unary.pmml) continue;
    RETURN_IF_ERROR(arity(1, 1));
    RETURN_IF_ERROR(need_numbers());
    out.text = std::string(unary.podium) + "(" + args[0].text + ")";
    out.integral = unary.integral || (function == "abs" && args[0].integral);
    return out;
  }
  if (function == "pow") {
    RETURN_IF_ERROR(arity(2, 2));
    RETURN_IF_ERROR(need_numbers());
    out.text = "pow(" + args[0].text + ", " + args[1].text + ")";
    return out;
  }
  if (function == "round") {
    RETURN_IF_ERROR(arity(1, 1));
    RETURN_IF_ERROR(need_numbers());
    // Nearest integer, halves toward +infinity (XQuery's fn:round, which
    // PMML's functions follow). x - floor(x) is exact in doubles.
    const std::string& x = args[0].text;
    out.text = "(floor(" + x + ") + (if " + x + " - floor(" + x + ") >= 0.5 then 1 else 0))";
    out.integral = true;
    return out;
  }
  if (function == "threshold") {
    RETURN_IF_ERROR(arity(2, 2));
    RETURN_IF_ERROR(need_numbers());
    out.text = StrictIf("(" + args[0].text + " > " + args[1].text + ")", "1", "0", expr::Type::kNumber);
    out.integral = true;
    return out;
  }
  return at.Unsupported(node, "function " + QuoteString(function) +
                                  " is not supported (user-defined functions, string and date functions are not)");
}

Result<Lowered> LowerApply(const Locator& at, const Scope& scope, const pugi::xml_node& node) {
  const std::optional<std::string> function = Attribute(node, "function");
  if (!function) return at.Invalid(node, "missing attribute 'function'");
  if (Attribute(node, "defaultValue")) return at.Unsupported(node, "defaultValue on Apply");
  const std::string treatment = Attribute(node, "invalidValueTreatment").value_or("returnInvalid");
  if (treatment != "returnInvalid" && treatment != "asMissing") {
    return at.Unsupported(node, "invalidValueTreatment " + QuoteString(treatment));
  }
  ASSIGN_OR_RETURN(std::vector<Lowered> args, LowerArguments(at, scope, node));
  ASSIGN_OR_RETURN(Lowered out, LowerApplyFunction(at, node, *function, args));
  if (Attribute(node, "mapMissingTo")) {
    // PMML: the value when an argument is missing (not when the computation
    // itself has no value, e.g. log(0)).
    if (out.type != expr::Type::kNumber) return at.Unsupported(node, "mapMissingTo on a non-numeric result");
    ASSIGN_OR_RETURN(double value, NumberAttribute(at, node, "mapMissingTo"));
    std::string any_missing;
    for (const Lowered& arg : args) any_missing += (any_missing.empty() ? "" : " or ") + IsMissing(arg.text);
    out.text = "(if " + any_missing + " then " + NumberLiteral(value) + " else " + out.text + ")";
    out.integral = out.integral && std::floor(value) == value;
  }
  out.column = nullptr;
  out.literal.reset();
  return out;
}

}  // namespace

Result<Lowered> LowerExpression(const Locator& at, const Scope& scope, const pugi::xml_node& node,
                                bool want_string) {
  const std::string_view name = LocalName(node);
  if (name == "Constant") return LowerConstant(at, node);
  if (name == "FieldRef") return LowerFieldRef(at, scope, node);
  if (name == "NormContinuous") return LowerNormContinuous(at, scope, node);
  if (name == "NormDiscrete") return LowerNormDiscrete(at, scope, node);
  if (name == "Discretize") return LowerDiscretize(at, scope, node, want_string);
  if (name == "MapValues") return LowerMapValues(at, scope, node, want_string);
  if (name == "Apply") return LowerApply(at, scope, node);
  return at.Unsupported(node, "expression element is not supported");
}

Status AddDerivedField(const Locator& at, Scope& scope, const pugi::xml_node& derived_field,
                       std::vector<Transform>& transforms) {
  const std::optional<std::string> name = Attribute(derived_field, "name");
  if (!name || name->empty()) return at.Invalid(derived_field, "missing attribute 'name'");
  if (scope.Find(*name) != nullptr) return at.Invalid(derived_field, "field " + QuoteString(*name) + " is defined twice");
  const std::vector<pugi::xml_node> body = ExpressionChildren(derived_field);
  if (body.size() != 1) return at.Invalid(derived_field, "expected exactly one expression element");
  const std::string data_type = Attribute(derived_field, "dataType").value_or("double");
  ASSIGN_OR_RETURN(Lowered value, LowerExpression(at, scope, body[0], data_type == "string"));
  if (value.column != nullptr && !value.literal) {
    // A plain FieldRef: another name for the same column.
    ScopeField alias = *value.column;
    scope.fields.emplace(*name, std::move(alias));
    return Status::Ok();
  }
  if (value.symbolic) {
    if (data_type != "string") {
      return at.Unsupported(derived_field, "dataType " + QuoteString(data_type) + " over text values");
    }
    ScopeField field;
    field.type = expr::Type::kString;
    field.symbolic = std::move(value.symbolic);
    scope.fields.emplace(*name, std::move(field));
    return Status::Ok();
  }
  if (value.type == expr::Type::kString) {
    return at.Unsupported(derived_field, "a string-valued derived field other than MapValues or Discretize "
                                         "(derived columns are numbers or booleans)");
  }
  if (data_type == "string" || data_type == "float" ||
      (data_type != "double" && data_type != "integer" && data_type != "boolean")) {
    return at.Unsupported(derived_field, "dataType " + QuoteString(data_type) +
                                             " (derived columns are double, integer or boolean)");
  }
  if (data_type == "boolean" && value.type != expr::Type::kBoolean) {
    return at.Unsupported(derived_field, "a boolean field computed from a number");
  }
  if (data_type != "boolean" && value.type == expr::Type::kBoolean) {
    value.text = StrictIf(value.text, "1", "0", expr::Type::kNumber);
    value.type = expr::Type::kNumber;
    value.integral = true;
  }
  if (data_type == "integer" && !value.integral) {
    return at.Unsupported(derived_field,
                          "dataType integer over a value that may have a fraction (PMML would convert it)");
  }
  ScopeField field;
  field.column = scope.FreshColumn(*name);
  field.type = value.type;
  field.integral = value.integral;
  scope.columns.insert(field.column);
  transforms.push_back(DeriveTransform{field.column, value.text});
  scope.fields.emplace(*name, std::move(field));
  return Status::Ok();
}

std::string IndicatorText(const std::string& condition) {
  return StrictIf(condition, "1", "0", expr::Type::kNumber);
}

namespace {

// Parts of one CompoundPredicate or items of one SimpleSetPredicate spelled
// as a chain: the expression language nests at most 256 levels.
constexpr size_t kMaxPredicateParts = 100;

}  // namespace

Result<std::string> PredicateText(const Locator& at, const Scope& scope, const pugi::xml_node& node) {
  const std::string_view kind = LocalName(node);
  if (kind == "True") return std::string("true");
  if (kind == "False") return std::string("false");
  if (kind == "SimplePredicate" || kind == "SimpleSetPredicate") {
    const std::optional<std::string> name = Attribute(node, "field");
    if (!name) return at.Invalid(node, "missing attribute 'field'");
    const ScopeField* field = scope.Find(*name);
    if (field == nullptr) return at.Invalid(node, "unknown field " + QuoteString(*name));
    if (kind == "SimpleSetPredicate") {
      const std::string op = Attribute(node, "booleanOperator").value_or("");
      if (op != "isIn" && op != "isNotIn") return at.Invalid(node, "unknown booleanOperator " + QuoteString(op));
      const pugi::xml_node array = FirstChild(node, "Array");
      if (!array) return at.Invalid(node, "missing Array");
      ASSIGN_OR_RETURN(std::vector<std::string> items, ArrayItems(at, array));
      if (items.empty()) return at.Invalid(array, "an empty Array");
      if (items.size() > kMaxPredicateParts) {
        return at.Unsupported(array, "more than " + std::to_string(kMaxPredicateParts) + " values in one set");
      }
      // Kleene "or" of the equalities: missing exactly when the field is.
      std::string any;
      for (const std::string& item : items) {
        ASSIGN_OR_RETURN(std::string equals, EqualsText(at, array, *field, item));
        any += (any.empty() ? "" : " or ") + equals;
      }
      return op == "isIn" ? "(" + any + ")" : "(not (" + any + "))";
    }
    const std::string op = Attribute(node, "operator").value_or("");
    if (op == "isMissing") return "(" + MissingTest(*field) + ")";
    if (op == "isNotMissing") return "(not " + MissingTest(*field) + ")";
    const std::optional<std::string> value = Attribute(node, "value");
    if (!value) return at.Invalid(node, "missing attribute 'value'");
    if (op == "equal" || op == "notEqual") {
      ASSIGN_OR_RETURN(std::string equals, EqualsText(at, node, *field, *value));
      return op == "equal" ? equals : "(not " + equals + ")";
    }
    const char* comparison = op == "lessThan"         ? " < "
                             : op == "lessOrEqual"    ? " <= "
                             : op == "greaterThan"    ? " > "
                             : op == "greaterOrEqual" ? " >= "
                                                      : nullptr;
    if (comparison == nullptr) return at.Invalid(node, "unknown operator " + QuoteString(op));
    if (field->symbolic || field->type != expr::Type::kNumber) {
      return at.Unsupported(node, "operator " + op + " on a field that is not a number");
    }
    const std::optional<double> number = ParseDouble(*value);
    if (!number) return at.Invalid(node, QuoteString(*value) + " is not a number");
    return "(" + QuoteColumn(field->column) + comparison + NumberLiteral(*number) + ")";
  }
  if (kind == "CompoundPredicate") {
    const std::string op = Attribute(node, "booleanOperator").value_or("");
    std::vector<std::string> parts;
    for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
      if (child.type() != pugi::node_element || LocalName(child) == "Extension") continue;
      if (parts.size() == kMaxPredicateParts) {
        return at.Unsupported(node, "more than " + std::to_string(kMaxPredicateParts) + " parts");
      }
      ASSIGN_OR_RETURN(std::string part, PredicateText(at, scope, child));
      parts.push_back(std::move(part));
    }
    if (parts.size() < 2) return at.Invalid(node, "a CompoundPredicate needs at least two predicates");
    std::string text;
    if (op == "and" || op == "or") {
      // Kleene logic, as PMML's three-valued and/or.
      for (const std::string& part : parts) text += (text.empty() ? "" : " " + op + " ") + part;
      return "(" + text + ")";
    }
    if (op == "xor") {
      // UNKNOWN when any part is: inequality of booleans is missing then.
      text = parts[0];
      for (size_t i = 1; i < parts.size(); ++i) text = "(" + text + " != " + parts[i] + ")";
      return text;
    }
    if (op == "surrogate") {
      // The first part that is not UNKNOWN decides; all UNKNOWN is UNKNOWN.
      for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
      return "coalesce(" + text + ")";
    }
    return at.Invalid(node, "unknown booleanOperator " + QuoteString(op));
  }
  return at.Unsupported(node, "this predicate element");
}

}  // namespace podium::pmml_internal
