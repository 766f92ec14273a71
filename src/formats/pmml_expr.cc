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

// The expression that holds a field's value: its column, or the argument a
// DefineFunction's ParameterField stands for.
std::string ValueText(const ScopeField& field) {
  return field.inline_text.empty() ? QuoteColumn(field.column) : field.inline_text;
}

}  // namespace

std::string MissingTest(const ScopeField& field) {
  return field.symbolic ? field.symbolic->is_missing : IsMissing(ValueText(field));
}

Result<std::string> EqualsText(const Locator& at, const pugi::xml_node& node, const ScopeField& field,
                               const std::string& value) {
  if (field.symbolic) {
    const auto it = field.symbolic->equals.find(value);
    if (it != field.symbolic->equals.end()) return it->second;
    // A value the field never takes: false, or missing with the field.
    return "(if " + field.symbolic->is_missing + " then " + std::string(kMissingBoolean) + " else false)";
  }
  const std::string column = ValueText(field);
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
  out.text = field->symbolic ? std::string() : ValueText(*field);
  out.type = field->type;
  out.integral = field->integral;
  out.column = field;
  out.may_be_invalid = field->may_be_invalid;
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
  const std::string x = ValueText(*field);
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
  // Extrapolating a far outlier may overflow.
  out.may_be_invalid = outliers == "asIs" || field->may_be_invalid;
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
  out.may_be_invalid = field->may_be_invalid;
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
  const std::string x = ValueText(*field);
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
  ASSIGN_OR_RETURN(Lowered out, LowerCases(at, node, cases, want_string || Attribute(node, "dataType") == "string"));
  out.may_be_invalid = field->may_be_invalid;
  return out;
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
  ASSIGN_OR_RETURN(Lowered out, LowerCases(at, node, cases, want_string || Attribute(node, "dataType") == "string"));
  out.may_be_invalid = field->may_be_invalid;
  return out;
}

// A category the operand holds: its column, or for a text computed in place
// (a string function, a MapValues) a field standing for it, held in `local`.
const ScopeField* CategoryOperand(const Lowered& operand, std::optional<ScopeField>& local) {
  if (operand.column != nullptr && operand.type == expr::Type::kString) return operand.column;
  if (!operand.symbolic) return nullptr;
  local.emplace();
  local->type = expr::Type::kString;
  local->symbolic = operand.symbolic;
  return &*local;
}

// equal / notEqual: numbers or booleans with each other, or a category
// (a column, or a text computed in place) with a literal.
Result<Lowered> LowerEquality(const Locator& at, const pugi::xml_node& node, const Lowered& a, const Lowered& b,
                              bool negate) {
  Lowered out;
  out.type = expr::Type::kBoolean;
  const std::string op = negate ? " != " : " == ";
  std::optional<ScopeField> a_local;
  std::optional<ScopeField> b_local;
  const ScopeField* a_category = CategoryOperand(a, a_local);
  const ScopeField* b_category = CategoryOperand(b, b_local);
  if (a_category != nullptr || b_category != nullptr) {
    const Lowered& literal = a_category != nullptr ? b : a;
    std::optional<ScopeField> literal_local;
    if (!literal.literal || CategoryOperand(literal, literal_local) != nullptr) {
      return at.Unsupported(node, "comparing a category with anything but a constant");
    }
    ASSIGN_OR_RETURN(std::string equals,
                     EqualsText(at, node, a_category != nullptr ? *a_category : *b_category, *literal.literal));
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

// Median arguments: the spelling compares every pair.
constexpr size_t kMaxMedianArguments = 16;

// PMML's median: missing arguments ignored (as by the other aggregates), all
// missing gives missing; the middle value, or the mean of the two middle
// values of an even number. Each present argument's rank among the present
// ones (ties broken by position, which does not change the median) picks the
// values of rank floor((n - 1) / 2) and ceil((n - 1) / 2); their sum is halved
// when n is even.
std::string MedianText(const std::vector<Lowered>& args) {
  std::string count;
  for (const Lowered& arg : args) {
    count += (count.empty() ? "" : " + ") + std::string("(if ") + IsMissing(arg.text) + " then 0 else 1)";
  }
  const std::string n = "(" + count + ")";
  std::string middle;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& xi = args[i].text;
    std::string rank = "0";
    for (size_t j = 0; j < args.size(); ++j) {
      if (j == i) continue;
      // A missing x_j makes the comparison missing, which counts 0.
      rank += " + (if " + args[j].text + (j < i ? " <= " : " < ") + xi + " then 1 else 0)";
    }
    rank = "(" + rank + ")";
    middle += (middle.empty() ? "" : " + ") + std::string("(if not ") + IsMissing(xi) + " and (" + rank +
              " == floor((" + n + " - 1) / 2) or " + rank + " == ceil((" + n + " - 1) / 2)) then " + xi + " else 0)";
  }
  return "(if " + n + " == 0 then " + std::string(kMissingNumber) + " else (" + middle + ") / (if floor(" + n +
         " / 2) * 2 == " + n + " then 2 else 1))";
}

// tan, cosh, sinh, asin and acos over the expression language's sin, cos,
// exp, expm1 and atan, each within 3 ulps of the exact value (the language's functions are
// within 1 ulp; the bounds are derived in docs/formats/pmml.md).
std::string TrigonometricText(const std::string& function, const std::string& x) {
  if (function == "tan") return "(sin(" + x + ") / cos(" + x + "))";
  if (function == "cosh") {
    // (e^a + e^-a) / 2 with a = |x|; past 709, where e^a overflows but cosh
    // does not, e^(a/2) * (e^(a/2) / 2) (e^-a is then below a double's
    // precision of the result).
    const std::string a = "abs(" + x + ")";
    return "(if " + a + " < 709 then (exp(" + a + ") + exp(-" + a + ")) / 2 else exp(" + a + " / 2) * (exp(" + a +
           " / 2) / 2))";
  }
  const std::string half_pi = NumberLiteral(std::acos(-1.0) / 2);
  if (function == "asin") {
    // atan(x / sqrt(1 - x²)) with 1 - x² as (1 - x)(1 + x), which keeps its
    // precision near |x| = 1; ±1 give ±π/2, beyond has no value.
    return "(if " + x + " == 1 then " + half_pi + " else if " + x + " == -1 then " + NumberLiteral(-std::acos(-1.0) / 2) +
           " else atan(" + x + " / sqrt((1 - " + x + ") * (1 + " + x + "))))";
  }
  if (function == "sinh") {
    // (expm1(x) - expm1(-x)) / 2: the two terms have opposite signs, so
    // nothing cancels for small x; past |x| = 709, as cosh, with the sign of x.
    const std::string a = "abs(" + x + ")";
    return "(if " + a + " < 709 then (expm1(" + x + ") - expm1(-" + x + ")) / 2 else (if " + x +
           " < 0 then -1 else 1) * exp(" + a + " / 2) * (exp(" + a + " / 2) / 2))";
  }
  // acos: 2 atan(sqrt((1 - x) / (1 + x))), π at -1; beyond [-1, 1] has no value.
  return "(if " + x + " == -1 then " + NumberLiteral(std::acos(-1.0)) + " else 2 * atan(sqrt((1 - " + x + ") / (1 + " +
         x + "))))";
}

std::string ArgumentMissing(const Lowered& arg);

Result<Lowered> LowerApplyFunction(const Locator& at, const pugi::xml_node& node, const std::string& function,
                                   const std::vector<Lowered>& args) {
  // Text functions are evaluated at import over listed values (pmml_strings.cc).
  if (IsStringFunction(function)) return LowerStringFunction(at, node, function, args);
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
    const std::string missing = args[0].column != nullptr ? MissingTest(*args[0].column)
                                : args[0].symbolic   ? args[0].symbolic->is_missing
                                                     : IsMissing(args[0].text);
    out.text = function == "isMissing" ? missing : "(not " + missing + ")";
    return out;
  }
  if (function == "isIn" || function == "isNotIn") {
    RETURN_IF_ERROR(arity(2, static_cast<size_t>(-1)));
    const Lowered& subject = args[0];
    std::optional<ScopeField> local;
    const ScopeField* text = CategoryOperand(subject, local);
    const bool category = text != nullptr;
    if (subject.type == expr::Type::kString && !category) return at.Unsupported(node, "isIn over a string expression");
    if (category && text->symbolic) {
      std::string any;
      for (size_t i = 1; i < args.size(); ++i) {
        if (!args[i].literal) return at.Unsupported(node, "isIn with a non-constant list item");
        ASSIGN_OR_RETURN(std::string equals, EqualsText(at, node, *text, *args[i].literal));
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
  if (function == "median") {
    RETURN_IF_ERROR(arity(1, kMaxMedianArguments));
    RETURN_IF_ERROR(need_numbers());
    out.text = MedianText(args);
    return out;
  }
  if (function == "modulo") {
    RETURN_IF_ERROR(arity(2, 2));
    RETURN_IF_ERROR(need_numbers());
    // PMML: x - y * floor(x / y), the sign of the divisor; y = 0 has no value.
    const std::string& x = args[0].text;
    const std::string& y = args[1].text;
    out.text = "(" + x + " - " + y + " * floor(" + x + " / " + y + "))";
    out.integral = all_integral();
    return out;
  }
  if (function == "rint") {
    RETURN_IF_ERROR(arity(1, 1));
    RETURN_IF_ERROR(need_numbers());
    // The nearest integer, halves to the even one. x - floor(x) is exact in
    // doubles, and so are floor(x) + 1 and floor(x) / 2 wherever x has a fraction.
    const std::string& x = args[0].text;
    const std::string r = "floor(" + x + ")";
    const std::string d = "(" + x + " - " + r + ")";
    out.text = "(if " + d + " > 0.5 then " + r + " + 1 else if " + d + " < 0.5 then " + r + " else (if floor(" + r +
               " / 2) * 2 == " + r + " then " + r + " else " + r + " + 1))";
    out.integral = true;
    return out;
  }
  if (function == "hypot") {
    RETURN_IF_ERROR(arity(2, 2));
    RETURN_IF_ERROR(need_numbers());
    // sqrt(x² + y²) scaled by m = max(|x|, |y|), so that it neither
    // overflows nor underflows where hypot does not: one quotient is exactly
    // ±1, and the result is within 2 ulps of the exact value.
    const std::string& x = args[0].text;
    const std::string& y = args[1].text;
    const std::string m = "max(abs(" + x + "), abs(" + y + "))";
    const std::string qx = "(" + x + " / " + m + ")";
    const std::string qy = "(" + y + " / " + m + ")";
    out.text = "(if " + m + " == 0 then 0 else " + m + " * sqrt(" + qx + " * " + qx + " + " + qy + " * " + qy + "))";
    return out;
  }
  if (function == "tan" || function == "cosh" || function == "asin" || function == "acos") {
    RETURN_IF_ERROR(arity(1, 1));
    RETURN_IF_ERROR(need_numbers());
    out.text = TrigonometricText(function, args[0].text);
    return out;
  }
  if (function == "ln1p" || function == "expm1") {
    RETURN_IF_ERROR(arity(1, 1));
    RETURN_IF_ERROR(need_numbers());
    // The language's log1p and expm1 (not log(1 + x) or exp(x) - 1, which
    // lose the precision of small x).
    out.text = std::string(function == "ln1p" ? "log1p(" : "expm1(") + args[0].text + ")";
    return out;
  }
  if (function == "sinh") {
    RETURN_IF_ERROR(arity(1, 1));
    RETURN_IF_ERROR(need_numbers());
    out.text = TrigonometricText(function, args[0].text);
    return out;
  }
  if (function == "isValid") {
    RETURN_IF_ERROR(arity(1, 1));
    // Valid: neither missing nor invalid. Exact where the argument cannot be
    // invalid: an input's invalid values are rejected, replaced or made
    // missing by its MiningField before any expression sees them.
    if (args[0].column != nullptr && args[0].column->unchecked) {
      return at.Unsupported(node, "isValid of a field read with invalidValueTreatment asIs (its invalid values reach "
                                  "expressions as values, and which ones PMML calls invalid is not kept)");
    }
    if (args[0].may_be_invalid) {
      return at.Unsupported(node, "isValid of a computation that may be invalid (Podium holds an invalid value as "
                                  "missing)");
    }
    out.type = expr::Type::kBoolean;
    out.text = "(not " + ArgumentMissing(args[0]) + ")";
    return out;
  }
  if (function == "isNotValid") {
    return at.Unsupported(node, "function 'isNotValid' (whether a missing value counts as not valid is not settled "
                                "exactly enough to lower it; write isMissing or not(isValid))");
  }
  if (function == "erf" || function == "normalCDF" || function == "stdNormalCDF" || function == "normalPDF" ||
      function == "stdNormalPDF" || function == "normalIDF" || function == "stdNormalIDF") {
    return at.Unsupported(node, "function " + QuoteString(function) +
                                    " (the expression language has no error function or normal distribution)");
  }
  if (function == "formatDatetime" || function.starts_with("date")) {
    return at.Unsupported(node, "function " + QuoteString(function) + " is not supported (the IR has no date or time values)");
  }
  return at.Unsupported(node, "function " + QuoteString(function) +
                                  " is not supported (neither a supported built-in nor a DefineFunction)");
}

// User-defined functions (DefineFunction) are inlined: PMML defines applying
// one as substituting the arguments for the ParameterFields in the body.
// Inlining nests at most this deep (recursion is refused before), and an
// inlined body may give at most the expression language's longest text.
constexpr size_t kMaxFunctionDepth = 16;
constexpr size_t kMaxInlinedText = 65536;

// PMML 4.4's built-in function names. A DefineFunction of the same name would
// leave it unclear which one an Apply calls, so it is refused.
constexpr std::string_view kBuiltinFunctions[] = {
    "+", "-", "*", "/", "min", "max", "sum", "avg", "median", "product", "log10", "ln", "sqrt", "abs", "exp",
    "pow", "threshold", "floor", "ceil", "round", "modulo", "isMissing", "isNotMissing", "isValid", "isNotValid",
    "equal", "notEqual", "lessThan", "lessOrEqual", "greaterThan", "greaterOrEqual", "and", "or", "not", "isIn",
    "isNotIn", "if", "uppercase", "lowercase", "stringLength", "substring", "trimBlanks", "concat", "replace",
    "matches", "formatNumber", "formatDatetime", "dateDaysSinceYear", "dateSecondsSinceYear",
    "dateSecondsSinceMidnight", "normalCDF", "normalPDF", "stdNormalCDF", "stdNormalPDF", "erf", "normalIDF",
    "stdNormalIDF", "expm1", "hypot", "ln1p", "rint", "sin", "asin", "sinh", "cos", "acos", "cosh", "tan", "atan",
    "tanh"};

// Whether a built-in may compute an invalid value (no value: x / 0, ln(0),
// sqrt(-1), an overflow) from valid arguments. Everything not listed may.
bool MayComputeInvalid(const std::string& function) {
  static constexpr std::string_view kNeverInvalid[] = {
      "lessThan", "lessOrEqual", "greaterThan", "greaterOrEqual", "equal", "notEqual", "and", "or", "not",
      "isMissing", "isNotMissing", "isValid", "isIn", "isNotIn", "if", "min", "max", "abs", "floor", "ceil", "round", "rint",
      "threshold", "sin", "cos", "tan", "atan", "tanh",
      // String functions are evaluated at import for every value; what is
      // undefined there is refused, so they never compute an invalid value.
      "uppercase", "lowercase", "substring", "trimBlanks", "concat", "replace", "matches", "stringLength"};
  return std::find(std::begin(kNeverInvalid), std::end(kNeverInvalid), function) == std::end(kNeverInvalid);
}

// An Apply's defaultValue as a literal of the result's type.
Result<std::string> DefaultValueText(const Locator& at, const pugi::xml_node& node, const Lowered& result,
                                     const std::string& value) {
  if (result.type == expr::Type::kBoolean) {
    if (value != "true" && value != "false") return at.Invalid(node, "defaultValue " + QuoteString(value) + " is not a boolean");
    return value;
  }
  if (result.type != expr::Type::kNumber) return at.Unsupported(node, "defaultValue on a text result");
  const std::optional<double> number = ParseDouble(value);
  if (!number) return at.Invalid(node, "defaultValue " + QuoteString(value) + " is not a finite number");
  return NumberLiteral(*number);
}

// "the argument is missing", for any argument (a category or a string-valued
// field has no text of its own).
std::string ArgumentMissing(const Lowered& arg) {
  if (arg.column != nullptr) return MissingTest(*arg.column);
  if (arg.symbolic) return arg.symbolic->is_missing;
  return IsMissing(arg.text);
}

// A value declared with a PMML dataType (a ParameterField's or a
// DefineFunction's; absent: as computed). A boolean declared double or
// integer becomes 1/0, as in DerivedFields; what PMML would convert otherwise
// (a fraction to an integer, a number to text) is refused.
Status ConvertToDeclared(const Locator& at, const pugi::xml_node& node, Lowered& value) {
  const std::optional<std::string> data_type = Attribute(node, "dataType");
  if (!data_type) return Status::Ok();
  if (*data_type == "string") {
    if (value.type != expr::Type::kString) {
      return at.Unsupported(node, "dataType string over a number or boolean (PMML would convert it to text)");
    }
    return Status::Ok();
  }
  if (value.type == expr::Type::kString) return at.Unsupported(node, "dataType " + QuoteString(*data_type) + " over text");
  if (*data_type == "boolean") {
    if (value.type != expr::Type::kBoolean) return at.Unsupported(node, "dataType boolean over a number");
    return Status::Ok();
  }
  if (*data_type != "double" && *data_type != "integer") {
    return at.Unsupported(node, "dataType " + QuoteString(*data_type) + " (only double, integer, boolean and string are supported)");
  }
  if (value.type == expr::Type::kBoolean) {
    value.text = StrictIf(value.text, "1", "0", expr::Type::kNumber);
    value.type = expr::Type::kNumber;
    value.integral = true;
    value.column = nullptr;
  }
  if (*data_type == "integer" && !value.integral) {
    return at.Unsupported(node, "dataType integer over a value that may have a fraction (PMML would convert it)");
  }
  return Status::Ok();
}

// The field a ParameterField stands for inside the body: the argument's own
// field when it is a plain FieldRef (so categories and string-valued fields
// pass through), else its expression.
Result<ScopeField> ParameterBinding(const Locator& at, const pugi::xml_node& node, const Lowered& arg, size_t position) {
  ScopeField field;
  if (arg.column != nullptr) return *arg.column;
  if (arg.symbolic) {
    field.type = expr::Type::kString;
    field.symbolic = arg.symbolic;
    field.may_be_invalid = arg.may_be_invalid;
    return field;
  }
  if (arg.type == expr::Type::kString) {
    return at.Unsupported(node, "argument " + std::to_string(position) +
                                    " is text that is not a field (text arguments must be fields)");
  }
  field.type = arg.type;
  field.integral = arg.integral;
  field.inline_text = "(" + arg.text + ")";
  field.may_be_invalid = arg.may_be_invalid;
  return field;
}

Result<Lowered> LowerUserFunction(const Locator& at, const Scope& scope, const pugi::xml_node& node,
                                  const std::string& name, const pugi::xml_node& definition, std::vector<Lowered> args) {
  if (std::find(scope.calls.begin(), scope.calls.end(), name) != scope.calls.end()) {
    std::string chain;
    for (const std::string& call : scope.calls) chain += QuoteString(call) + " -> ";
    return at.Unsupported(node, "function " + QuoteString(name) + " calls itself (" + chain + QuoteString(name) +
                                    "); recursive functions are not supported");
  }
  if (scope.calls.size() >= kMaxFunctionDepth) {
    return at.Unsupported(node, "user-defined functions nested more than " + std::to_string(kMaxFunctionDepth) + " deep");
  }
  const std::vector<pugi::xml_node> parameters = Children(definition, "ParameterField");
  if (args.size() != parameters.size()) {
    return at.Invalid(node, "function " + QuoteString(name) + " takes " + std::to_string(parameters.size()) +
                                " arguments, " + std::to_string(args.size()) + " given");
  }
  // Only the parameters are visible inside the body.
  Scope body_scope;
  body_scope.functions = scope.functions;
  body_scope.calls = scope.calls;
  body_scope.calls.push_back(name);
  for (size_t i = 0; i < parameters.size(); ++i) {
    const std::optional<std::string> parameter = Attribute(parameters[i], "name");
    if (!parameter || parameter->empty()) return at.Invalid(parameters[i], "missing attribute 'name'");
    RETURN_IF_ERROR(ConvertToDeclared(at, parameters[i], args[i]));
    ASSIGN_OR_RETURN(ScopeField field, ParameterBinding(at, node, args[i], i + 1));
    if (!body_scope.fields.emplace(*parameter, std::move(field)).second) {
      return at.Invalid(parameters[i], "parameter " + QuoteString(*parameter) + " is defined twice");
    }
  }
  std::vector<pugi::xml_node> body = ExpressionChildren(definition);
  std::erase_if(body, [](const pugi::xml_node& child) { return LocalName(child) == "ParameterField"; });
  if (body.size() != 1) return at.Invalid(definition, "expected exactly one expression element");
  ASSIGN_OR_RETURN(Lowered out, LowerExpression(at, body_scope, body[0], Attribute(definition, "dataType") == "string"));
  if (out.column != nullptr && out.column->symbolic) out.symbolic = out.column->symbolic;
  RETURN_IF_ERROR(ConvertToDeclared(at, definition, out));
  if (out.type == expr::Type::kString && !out.symbolic) {
    return at.Unsupported(definition, "a function whose result is text other than a MapValues or Discretize");
  }
  if (out.text.size() > kMaxInlinedText) {
    return ResourceExhaustedError(at.Where(node) + ": function " + QuoteString(name) +
                                  " inlined is an expression longer than " + std::to_string(kMaxInlinedText) + " bytes");
  }
  // The body's fields die with body_scope.
  out.column = nullptr;
  return out;
}

Result<Lowered> LowerApply(const Locator& at, const Scope& scope, const pugi::xml_node& node) {
  const std::optional<std::string> function = Attribute(node, "function");
  if (!function) return at.Invalid(node, "missing attribute 'function'");
  const std::string treatment = Attribute(node, "invalidValueTreatment").value_or("returnInvalid");
  if (treatment != "returnInvalid" && treatment != "asMissing" && treatment != "asIs") {
    return at.Invalid(node, "unknown invalidValueTreatment " + QuoteString(treatment));
  }
  ASSIGN_OR_RETURN(std::vector<Lowered> args, LowerArguments(at, scope, node));
  const auto user = scope.functions.find(*function);
  const bool is_user = user != scope.functions.end();
  Result<Lowered> result = is_user ? LowerUserFunction(at, scope, node, *function, user->second, args)
                                   : LowerApplyFunction(at, node, *function, args);
  ASSIGN_OR_RETURN(Lowered out, std::move(result));
  // Whether this function itself may compute an invalid value from valid
  // arguments (a user function: whether its body may).
  const bool computes_invalid = is_user ? out.may_be_invalid : MayComputeInvalid(*function);
  const bool arguments_invalid =
      std::any_of(args.begin(), args.end(), [](const Lowered& arg) { return arg.may_be_invalid; });
  out.may_be_invalid = computes_invalid || arguments_invalid;
  if (treatment == "asIs" && out.may_be_invalid) {
    // asIs would hand on the invalid value itself (NaN, an infinity), which
    // Podium's values cannot hold; without invalid values it changes nothing.
    return at.Unsupported(node, "invalidValueTreatment asIs on a computation that may be invalid (Podium holds "
                                "an invalid value as missing)");
  }
  if (const std::optional<std::string> default_value = Attribute(node, "defaultValue")) {
    // PMML: the value when the function's result is missing. Podium holds an
    // invalid value as missing too, so this is exact only where nothing is
    // invalid, or where invalid arguments are treated as missing (asMissing)
    // and the function itself computes nothing invalid.
    if (computes_invalid || (arguments_invalid && treatment != "asMissing")) {
      return at.Unsupported(node, "defaultValue on a computation that may be invalid (x / 0, ln(0), an overflow): "
                                  "Podium could not tell an invalid result, which stays invalid, from a missing one");
    }
    ASSIGN_OR_RETURN(std::string value, DefaultValueText(at, node, out, *default_value));
    out.text = "coalesce(" + out.text + ", " + value + ")";
    const std::optional<double> number = ParseDouble(*default_value);
    out.integral = out.integral && number && std::floor(*number) == *number;
    out.may_be_invalid = false;
  }
  if (Attribute(node, "mapMissingTo")) {
    // PMML: the value when an argument is missing (not when the computation
    // itself has no value, e.g. log(0)).
    if (out.type != expr::Type::kNumber) return at.Unsupported(node, "mapMissingTo on a non-numeric result");
    ASSIGN_OR_RETURN(double value, NumberAttribute(at, node, "mapMissingTo"));
    std::string any_missing;
    for (const Lowered& arg : args) any_missing += (any_missing.empty() ? "" : " or ") + ArgumentMissing(arg);
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

Status AddDefineFunctions(const Locator& at, Scope& scope, const pugi::xml_node& dictionary) {
  for (const pugi::xml_node& function : Children(dictionary, "DefineFunction")) {
    const std::optional<std::string> name = Attribute(function, "name");
    if (!name || name->empty()) return at.Invalid(function, "missing attribute 'name'");
    if (std::find(std::begin(kBuiltinFunctions), std::end(kBuiltinFunctions), *name) != std::end(kBuiltinFunctions)) {
      return at.Unsupported(function, "a DefineFunction named like the built-in function " + QuoteString(*name) +
                                          " (which one an Apply calls would be ambiguous)");
    }
    if (!scope.functions.emplace(*name, function).second) {
      return at.Invalid(function, "function " + QuoteString(*name) + " is defined twice");
    }
  }
  return Status::Ok();
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
  if (value.column != nullptr && !value.literal && !(data_type == "float" && value.type == expr::Type::kNumber)) {
    // A plain FieldRef: another name for the same column (unless it rounds
    // the value to single precision).
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
    field.may_be_invalid = value.may_be_invalid;
    scope.fields.emplace(*name, std::move(field));
    return Status::Ok();
  }
  if (value.type == expr::Type::kString) {
    return at.Unsupported(derived_field, "a string-valued derived field other than MapValues or Discretize "
                                         "(derived columns are numbers or booleans)");
  }
  if (data_type == "string" ||
      (data_type != "double" && data_type != "integer" && data_type != "boolean" && data_type != "float")) {
    return at.Unsupported(derived_field, "dataType " + QuoteString(data_type) +
                                             " (derived columns are double, float, integer or boolean)");
  }
  if (data_type == "float" && value.type == expr::Type::kNumber) {
    // PMML holds the value in single precision (ties to even); a value
    // beyond float's range has none, which the language's float32 gives.
    value.text = "float32(" + value.text + ")";
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
  field.may_be_invalid = value.may_be_invalid;
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
    return "(" + ValueText(*field) + comparison + NumberLiteral(*number) + ")";
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
