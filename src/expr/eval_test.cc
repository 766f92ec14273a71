// Semantics: every operator and function through both the reference
// interpreter and the compiled Program, which must agree with the expected
// value and with each other; plus Program-specific properties.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "expr/expr.h"
#include "expr/test_util.h"

namespace podium::expr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
const Value M = std::monostate{};  // missing

// The test environment: x y z numbers, b c booleans, s t categories whose
// levels CA NY TX have codes 1 2 3 ('ZZ' is no level).
struct ColumnSpec {
  std::string name;
  Type type;
};
const std::vector<ColumnSpec>& Columns() {
  static const auto* const kColumns = new std::vector<ColumnSpec>{
      {"x", Type::kNumber},  {"y", Type::kNumber},  {"z", Type::kNumber},
      {"b", Type::kBoolean}, {"c", Type::kBoolean}, {"s", Type::kString},
      {"t", Type::kString},
  };
  return *kColumns;
}

std::optional<Type> TypeOf(std::string_view name) {
  for (const ColumnSpec& column : Columns()) {
    if (column.name == name) return column.type;
  }
  return std::nullopt;
}

std::optional<int> SlotOf(std::string_view name) {
  for (std::size_t i = 0; i < Columns().size(); ++i) {
    if (Columns()[i].name == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<double> LevelCode(std::string_view, std::string_view literal) {
  if (literal == "CA") return 1;
  if (literal == "NY") return 2;
  if (literal == "TX") return 3;
  return std::nullopt;
}

const SlotBinding kBinding{SlotOf, LevelCode};

using Row = std::map<std::string, Value>;

std::vector<double> Slots(const Row& row) {
  std::vector<double> slots(Columns().size(), kNaN);
  for (const auto& [name, value] : row) {
    double& slot = slots[*SlotOf(name)];
    if (const double* d = std::get_if<double>(&value)) slot = *d;
    if (const bool* b = std::get_if<bool>(&value)) slot = *b ? 1 : 0;
    if (const std::string* s = std::get_if<std::string>(&value)) {
      slot = LevelCode(name, *s).value_or(kNaN);
    }
  }
  return slots;
}

Value Lookup(const Row& row, std::string_view name) {
  auto it = row.find(std::string(name));
  return it == row.end() ? M : it->second;
}

// How the Program represents `value`.
double AsDouble(const Value& value) {
  if (const double* d = std::get_if<double>(&value)) return *d;
  if (const bool* b = std::get_if<bool>(&value)) return *b ? 1 : 0;
  return kNaN;
}

bool Same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::string Show(const Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return "missing";
  if (const double* d = std::get_if<double>(&value)) return std::to_string(*d);
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return "\"" + std::get<std::string>(value) + "\"";
}

std::string Show(const Row& row) {
  std::string out;
  for (const auto& [name, value] : row) out += name + "=" + Show(value) + " ";
  return out;
}

struct Case {
  std::string text;
  Row row;
  Value expected;
};

// Runs `c` through Interpret and Compile+Eval.
void ExpectBothEvaluate(const Case& c) {
  SCOPED_TRACE(c.text + " with " + Show(c.row));
  Result<std::unique_ptr<Node>> ast = Parse(c.text);
  ASSERT_TRUE(ast.ok()) << ast.status().ToString();
  const Value interpreted =
      Interpret(**ast, [&](std::string_view name) { return Lookup(c.row, name); });
  EXPECT_TRUE(interpreted == c.expected ||
              (std::holds_alternative<double>(interpreted) &&
               std::holds_alternative<double>(c.expected) &&
               Same(std::get<double>(interpreted), std::get<double>(c.expected))))
      << "Interpret: " << Show(interpreted) << ", want " << Show(c.expected);
  Result<Program> program = Compile(**ast, TypeOf, kBinding);
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const double evaluated = program->Eval(Slots(c.row).data());
  EXPECT_TRUE(Same(evaluated, AsDouble(c.expected)))
      << "Eval: " << evaluated << ", want " << Show(c.expected);
}

TEST(SemanticsTest, LiteralsAndColumns) {
  for (const Case& c : std::vector<Case>{
           {"12", {}, 12.0},
           {"1.5", {}, 1.5},
           {".5", {}, 0.5},
           {"1e-3", {}, 1e-3},
           {"-2", {}, -2.0},
           {"true", {}, true},
           {"false", {}, false},
           {"x", {{"x", 3.0}}, 3.0},
           {"x", {}, M},
           {"x", {{"x", kInf}}, M},  // non-finite input is missing
           {"x", {{"x", -kInf}}, M},
           {"b", {{"b", true}}, true},
           {"b", {{"b", false}}, false},
           {"b", {}, M},
       }) {
    ExpectBothEvaluate(c);
  }
}

TEST(SemanticsTest, Arithmetic) {
  for (const Case& c : std::vector<Case>{
           {"x + y", {{"x", 1.0}, {"y", 2.0}}, 3.0},
           {"x + y", {{"x", 1.0}}, M},
           {"x + y", {{"y", 1.0}}, M},
           {"x - y", {{"x", 5.0}, {"y", 3.0}}, 2.0},
           {"x - y", {{"x", 5.0}}, M},
           {"x * y", {{"x", 4.0}, {"y", -2.5}}, -10.0},
           {"x * y", {{"y", 0.0}}, M},  // missing * 0 is missing
           {"x / y", {{"x", 6.0}, {"y", 3.0}}, 2.0},
           {"x / y", {{"x", 1.0}, {"y", 0.0}}, M},   // +Inf
           {"x / y", {{"x", -1.0}, {"y", 0.0}}, M},  // -Inf
           {"x / y", {{"x", 0.0}, {"y", 0.0}}, M},   // NaN
           {"x / y", {{"y", 2.0}}, M},
           {"x * y", {{"x", 1e200}, {"y", 1e200}}, M},  // overflow
           {"x + y", {{"x", 1.7e308}, {"y", 1.7e308}}, M},
           {"x - y", {{"x", -1.7e308}, {"y", 1.7e308}}, M},
           {"-x", {{"x", 2.0}}, -2.0},
           {"-x", {}, M},
           {"2 + 3 * 4", {}, 14.0},
           {"10 - 4 - 3", {}, 3.0},
           {"-2 * 3", {}, -6.0},
           {"12 / 4 / 3", {}, 1.0},
           {"1 / 0", {}, M},
           {"(1 / 0) * 0", {}, M},
       }) {
    ExpectBothEvaluate(c);
  }
}

TEST(SemanticsTest, Comparisons) {
  const Row one_two = {{"x", 1.0}, {"y", 2.0}};
  const Row two_two = {{"x", 2.0}, {"y", 2.0}};
  const Row x_only = {{"x", 1.0}};
  for (const Case& c : std::vector<Case>{
           {"x < y", one_two, true},   {"x < y", two_two, false},
           {"x < y", x_only, M},       {"x <= y", two_two, true},
           {"x <= y", {{"x", 3.0}, {"y", 2.0}}, false},
           {"x <= y", x_only, M},      {"x > y", one_two, false},
           {"y > x", one_two, true},   {"x > y", {}, M},
           {"x >= y", two_two, true},  {"x >= y", one_two, false},
           {"x >= y", {{"y", 1.0}}, M},
           {"x == y", two_two, true},  {"x == y", one_two, false},
           {"x == y", x_only, M},      {"x != y", one_two, true},
           {"x != y", two_two, false}, {"x != y", x_only, M},
           {"b == c", {{"b", true}, {"c", true}}, true},
           {"b == c", {{"b", true}, {"c", false}}, false},
           {"b != c", {{"b", true}, {"c", false}}, true},
           {"b == c", {{"b", true}}, M},
           {"b == true", {{"b", false}}, false},
           {"x / 0 == 1", {{"x", 1.0}}, M},
           {"(x > 1) == (y > 1)", one_two, false},
       }) {
    ExpectBothEvaluate(c);
  }
}

TEST(SemanticsTest, CategoryComparisons) {
  for (const Case& c : std::vector<Case>{
           {"s == 'CA'", {{"s", "CA"}}, true},
           {"s == 'CA'", {{"s", "NY"}}, false},
           {"s == 'CA'", {}, M},
           {"'CA' == s", {{"s", "CA"}}, true},
           {"s != 'CA'", {{"s", "NY"}}, true},
           {"s != 'CA'", {{"s", "CA"}}, false},
           {"s != 'CA'", {}, M},
           // 'ZZ' is no level: unequal to every value, still missing-aware.
           {"s == 'ZZ'", {{"s", "CA"}}, false},
           {"s == 'ZZ'", {}, M},
           {"s != 'ZZ'", {{"s", "CA"}}, true},
           {"'ZZ' != s", {}, M},
       }) {
    ExpectBothEvaluate(c);
  }
}

TEST(SemanticsTest, In) {
  for (const Case& c : std::vector<Case>{
           {"x in (1, 2)", {{"x", 2.0}}, true},
           {"x in (1, 2)", {{"x", 3.0}}, false},
           {"x in (1, 2)", {}, M},
           {"x not in (1, 2)", {{"x", 3.0}}, true},
           {"x not in (1, 2)", {{"x", 1.0}}, false},
           {"x not in (1, 2)", {}, M},
           {"x in (-1, 0.5)", {{"x", -1.0}}, true},
           {"x / 0 in (1)", {{"x", 1.0}}, M},
           {"b in (true)", {{"b", false}}, false},
           {"b in (true, false)", {{"b", false}}, true},
           {"b not in (true)", {}, M},
           {"s in ('CA', 'ZZ')", {{"s", "CA"}}, true},
           {"s in ('CA', 'ZZ')", {{"s", "NY"}}, false},
           {"s in ('CA', 'ZZ')", {}, M},
           {"s in ('ZZ')", {{"s", "CA"}}, false},
           {"s in ('ZZ')", {}, M},
           {"s not in ('ZZ')", {{"s", "CA"}}, true},
           {"s not in ('NY', 'TX')", {{"s", "TX"}}, false},
           {"2 in (1, 2)", {}, true},
       }) {
    ExpectBothEvaluate(c);
  }
}

TEST(SemanticsTest, KleeneLogic) {
  // a, b, a and b, a or b; the full three-valued truth table.
  struct Row3 {
    Value a, b, a_and_b, a_or_b;
  };
  const Value T = true, F = false;
  for (const Row3& r : std::vector<Row3>{
           {T, T, T, T}, {T, F, F, T}, {T, M, M, T},
           {F, T, F, T}, {F, F, F, F}, {F, M, F, M},
           {M, T, M, T}, {M, F, F, M}, {M, M, M, M},
       }) {
    Row row;
    if (r.a != M) row["b"] = r.a;
    if (r.b != M) row["c"] = r.b;
    ExpectBothEvaluate({"b and c", row, r.a_and_b});
    ExpectBothEvaluate({"b or c", row, r.a_or_b});
  }
  ExpectBothEvaluate({"not b", {{"b", true}}, false});
  ExpectBothEvaluate({"not b", {{"b", false}}, true});
  ExpectBothEvaluate({"not b", {}, M});
  ExpectBothEvaluate({"x > 1 and y > 1", {{"x", 0.0}}, false});
  ExpectBothEvaluate({"x > 1 or y > 1", {{"x", 2.0}}, true});
  ExpectBothEvaluate({"2 * 3 == 6 and not false", {}, true});
}

TEST(SemanticsTest, If) {
  const Row xy = {{"x", 1.0}, {"y", 2.0}};
  auto with_b = [&](Value b) {
    Row row = xy;
    if (b != M) row["b"] = b;
    return row;
  };
  for (const Case& c : std::vector<Case>{
           {"if b then x else y", with_b(true), 1.0},
           {"if b then x else y", with_b(false), 2.0},
           {"if b then x else y", with_b(M), 2.0},  // missing -> else
           {"if b then z else y", with_b(true), M},
           {"if x > 0 then x / 0 else 5", xy, M},
           {"if b then c else false", {{"b", true}, {"c", true}}, true},
           {"if b then 1 else if c then 2 else 3", {{"c", true}}, 2.0},
           {"if b then 1 else if c then 2 else 3", {}, 3.0},
           {"if true then x else y", xy, 1.0},
           {"if false then x else y", xy, 2.0},
           {"if 1 / 0 > 1 then x else y", xy, 2.0},
           {"(if b then 1 else 2) + 10", with_b(true), 11.0},
       }) {
    ExpectBothEvaluate(c);
  }
}

TEST(SemanticsTest, Functions) {
  const Row x1y2 = {{"x", 1.0}, {"y", 2.0}};
  for (const Case& c : std::vector<Case>{
           {"min(x, y)", x1y2, 1.0},
           {"min(y, x)", x1y2, 1.0},
           {"min(x, y)", {{"x", 1.0}}, M},
           {"min(x)", {{"x", 4.0}}, 4.0},
           {"min(x)", {}, M},
           {"min(3, x, -2, y)", x1y2, -2.0},
           {"max(x, y)", x1y2, 2.0},
           {"max(x, y, 7)", x1y2, 7.0},
           {"max(x, y, z)", x1y2, M},
           {"abs(x)", {{"x", -3.5}}, 3.5},
           {"abs(x)", {}, M},
           {"log(x)", {{"x", std::exp(2.0)}}, std::log(std::exp(2.0))},
           {"log(x)", {{"x", 0.0}}, M},  // -Inf
           {"log(x)", {{"x", -1.0}}, M},  // NaN
           {"log(x)", {}, M},
           {"log10(x)", {{"x", 1000.0}}, 3.0},
           {"log10(0)", {}, M},
           {"exp(x)", {{"x", 0.0}}, 1.0},
           {"exp(x)", {{"x", 1000.0}}, M},  // overflow
           {"exp(x)", {}, M},
           {"sqrt(x)", {{"x", 6.25}}, 2.5},
           {"log1p(x)", {{"x", 1e-10}}, std::log1p(1e-10)},  // not log(1 + x): 1e-10 keeps its digits
           {"log1p(x)", {{"x", 1.5}}, std::log1p(1.5)},
           {"log1p(x)", {{"x", -1.0}}, M},  // -Inf
           {"log1p(x)", {{"x", -2.0}}, M},  // NaN
           {"log1p(x)", {}, M},
           {"expm1(x)", {{"x", 1e-10}}, std::expm1(1e-10)},
           {"expm1(x)", {{"x", -0.5}}, std::expm1(-0.5)},
           {"expm1(x)", {{"x", -1000.0}}, -1.0},
           {"expm1(x)", {{"x", 1000.0}}, M},  // overflow
           {"expm1(x)", {}, M},
           {"tanh(x)", {{"x", 0.5}}, std::tanh(0.5)},
           {"tanh(x)", {{"x", 1000.0}}, 1.0},
           {"tanh(x)", {}, M},
           {"sin(x)", {{"x", 0.5}}, std::sin(0.5)},
           {"sin(x)", {{"x", -3.0}}, std::sin(-3.0)},
           {"sin(0)", {}, 0.0},
           {"sin(x)", {}, M},
           {"cos(x)", {{"x", 0.5}}, std::cos(0.5)},
           {"cos(0)", {}, 1.0},
           {"cos(x)", {}, M},
           {"atan(x)", {{"x", 1.0}}, std::atan(1.0)},
           {"atan(x)", {{"x", 1e300}}, std::atan(1e300)},  // pi / 2 in doubles
           {"atan(x)", {{"x", -2.0}}, std::atan(-2.0)},
           {"atan(x)", {}, M},
           {"float32(x)", {{"x", 0.1}}, static_cast<double>(0.1f)},
           {"float32(x)", {{"x", 1.0 + 0x1p-30}}, 1.0},  // rounds to the nearest float
           {"float32(x)", {{"x", 3.4028235e38}}, static_cast<double>(std::numeric_limits<float>::max())},
           {"float32(x)", {{"x", 1e39}}, M},  // beyond float's range
           {"float32(x)", {{"x", -1e300}}, M},
           {"float32(x)", {}, M},
           {"sqrt(x)", {{"x", -1.0}}, M},
           {"pow(x, y)", {{"x", 2.0}, {"y", 10.0}}, 1024.0},
           {"pow(x, y)", {{"x", 0.0}, {"y", -1.0}}, M},  // Inf
           {"pow(x, 1 / 3)", {{"x", -8.0}}, M},          // NaN
           {"pow(x, y)", {{"x", 10.0}, {"y", 400.0}}, M},  // overflow
           {"pow(x, 0)", {}, M},  // std::pow(NaN, 0) is 1; missing stays missing
           {"pow(1, x)", {}, M},  // std::pow(1, NaN) is 1
           {"pow(x, y)", {{"x", 0.0}, {"y", 0.0}}, 1.0},
           {"floor(x)", {{"x", -1.5}}, -2.0},
           {"floor(x)", {}, M},
           {"ceil(x)", {{"x", 1.2}}, 2.0},
           {"ceil(x)", {}, M},
           {"is_missing(x)", {}, true},
           {"is_missing(x)", {{"x", 1.0}}, false},
           {"is_missing(x)", {{"x", kInf}}, true},
           {"is_missing(x / 0)", {{"x", 1.0}}, true},
           {"is_missing(b)", {{"b", false}}, false},
           {"is_missing(b and c)", {{"b", false}}, false},
           {"is_missing(s)", {}, true},
           {"is_missing(s)", {{"s", "NY"}}, false},
           {"is_missing('CA')", {}, false},
           {"coalesce(x, y)", {{"y", 2.0}}, 2.0},
           {"coalesce(x, y)", x1y2, 1.0},
           {"coalesce(x, y)", {}, M},
           {"coalesce(x)", {}, M},
           {"coalesce(x, y, z, 9)", {{"z", 3.0}}, 3.0},
           {"coalesce(x / 0, 7)", {{"x", 1.0}}, 7.0},
           {"coalesce(b, false)", {}, false},
           {"coalesce(b, c)", {{"b", false}, {"c", true}}, false},
           {"max(log(0), 1)", {}, M},
       }) {
    ExpectBothEvaluate(c);
  }
}

// ---------------------------------------------------------------------------
// Randomised differential test: Interpret == Compile + Eval.
// ---------------------------------------------------------------------------

// Builds random well-typed expressions as text. Uses only the raw engine
// output (not std distributions) so the sequence is the same everywhere.
class ExpressionGenerator {
 public:
  explicit ExpressionGenerator(std::uint64_t seed) : rng_(seed) {}

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  template <typename T>
  const T& PickFrom(const std::vector<T>& items) {
    return items[Pick(static_cast<int>(items.size()))];
  }

  std::string Number(int depth) {
    static const std::vector<std::string> kLeaves = {
        "x", "y", "z", "0", "1", "2.5", "-1", "1e308", "0.5", "3", "-0.0"};
    if (depth == 0 || Pick(5) == 0) return PickFrom(kLeaves);
    const int d = depth - 1;
    switch (Pick(10)) {
      case 0: case 1: case 2: {
        static const std::vector<std::string> kOps = {" + ", " - ", " * ", " / "};
        return "(" + Number(d) + PickFrom(kOps) + Number(d) + ")";
      }
      case 3: return "(-" + Number(d) + ")";
      case 4: {
        std::string call = Pick(2) ? "min(" : "max(";
        const int n = 1 + Pick(3);
        for (int i = 0; i < n; ++i) call += (i ? ", " : "") + Number(d);
        return call + ")";
      }
      case 5: {
        static const std::vector<std::string> kFunctions = {
            "abs", "log", "log10", "exp", "sqrt", "floor", "ceil", "tanh", "sin", "cos", "atan", "float32",
            "log1p", "expm1"};
        return PickFrom(kFunctions) + "(" + Number(d) + ")";
      }
      case 6: return "pow(" + Number(d) + ", " + Number(d) + ")";
      case 7: {
        std::string call = "coalesce(";
        const int n = 1 + Pick(3);
        for (int i = 0; i < n; ++i) call += (i ? ", " : "") + Number(d);
        return call + ")";
      }
      default:
        return "(if " + Boolean(d) + " then " + Number(d) + " else " + Number(d) + ")";
    }
  }

  std::string Boolean(int depth) {
    static const std::vector<std::string> kLeaves = {
        "b", "c", "true", "false", "(s == 'CA')", "('NY' != t)",
        "(s == 'ZZ')", "(t in ('TX', 'ZZ', 'CA'))", "(s not in ('NY'))"};
    if (depth == 0 || Pick(5) == 0) return PickFrom(kLeaves);
    const int d = depth - 1;
    switch (Pick(11)) {
      case 0: case 1: return "(" + Boolean(d) + (Pick(2) ? " and " : " or ") + Boolean(d) + ")";
      case 2: return "(not " + Boolean(d) + ")";
      case 3: case 4: {
        static const std::vector<std::string> kOps = {" < ", " <= ", " > ", " >= ", " == ", " != "};
        return "(" + Number(d) + PickFrom(kOps) + Number(d) + ")";
      }
      case 5: return "(" + Boolean(d) + (Pick(2) ? " == " : " != ") + Boolean(d) + ")";
      case 6: return "(" + Number(d) + (Pick(2) ? " in " : " not in ") + "(1, -1, 0.5, 3))";
      case 7: return "(" + Boolean(d) + " in (" + (Pick(2) ? "true" : "false, true") + "))";
      case 8: {
        const int which = Pick(3);
        return "is_missing(" + (which == 0 ? Number(d) : which == 1 ? Boolean(d) : "s") + ")";
      }
      case 9: return "coalesce(" + Boolean(d) + ", " + Boolean(d) + ")";
      default:
        return "(if " + Boolean(d) + " then " + Boolean(d) + " else " + Boolean(d) + ")";
    }
  }

  Row RandomRow() {
    static const std::vector<Value> kNumbers = {
        M, M, 0.0, 1.0, -1.0, 2.0, 0.5, 1e308, -3.7, 100.0, 1e-300, -0.0};
    static const std::vector<Value> kBooleans = {M, true, false};
    static const std::vector<Value> kCategories = {
        M, std::string("CA"), std::string("NY"), std::string("TX")};
    Row row;
    for (const ColumnSpec& column : Columns()) {
      const std::vector<Value>& pool = column.type == Type::kNumber    ? kNumbers
                                       : column.type == Type::kBoolean ? kBooleans
                                                                       : kCategories;
      const Value& value = PickFrom(pool);
      if (value != M) row[column.name] = value;
    }
    return row;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(DifferentialTest, InterpretAgreesWithCompiledProgram) {
  constexpr int kExpressions = 4000;
  constexpr int kRowsEach = 16;
  ExpressionGenerator generator(20240611);
  int compared = 0, missing = 0, mismatches = 0;
  for (int i = 0; i < kExpressions; ++i) {
    const std::string text = i % 2 ? generator.Number(1 + i % 6) : generator.Boolean(1 + i % 6);
    Result<std::unique_ptr<Node>> ast = Parse(text);
    ASSERT_TRUE(ast.ok()) << text << ": " << ast.status().ToString();
    Result<Program> program = Compile(**ast, TypeOf, kBinding);
    ASSERT_TRUE(program.ok()) << text << ": " << program.status().ToString();
    for (int r = 0; r < kRowsEach; ++r) {
      const Row row = generator.RandomRow();
      const double want = AsDouble(
          Interpret(**ast, [&](std::string_view name) { return Lookup(row, name); }));
      const double got = program->Eval(Slots(row).data());
      ++compared;
      missing += std::isnan(want);
      if (!Same(want, got) && ++mismatches <= 5) {
        ADD_FAILURE() << text << " with " << Show(row) << ": Interpret " << want
                      << ", Eval " << got;
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  // The generator must exercise both present and missing results.
  EXPECT_GT(missing, compared / 20);
  EXPECT_LT(missing, compared * 3 / 4);
}

// ---------------------------------------------------------------------------
// Program properties
// ---------------------------------------------------------------------------

Result<Program> CompileText(std::string_view text, const SlotBinding& binding = kBinding) {
  Result<std::unique_ptr<Node>> ast = Parse(text);
  if (!ast.ok()) return ast.status();
  return Compile(**ast, TypeOf, binding);
}

TEST(ProgramTest, FoldsConstants) {
  const std::map<std::string, std::size_t> sizes = {
      {"1 + 2 * 3", 1},
      {"max(1, 2, 3) * -4 + log(10) > 0 and not false", 1},
      {"x + 2 * 3", 3},                 // load, const, add
      {"x + (2 * 3) + max(1, 2)", 5},
      {"if true then x else y", 1},    // the condition selects the branch
      {"if 1 > 2 then x else y + 1", 3},
      {"if b then 1 + 1 else 3", 5},   // load, jump, const, jump, const
      {"2 in (1, 2) or b", 3},
      {"s == 'CA'", 3},
  };
  for (const auto& [text, size] : sizes) {
    Result<Program> program = CompileText(text);
    ASSERT_TRUE(program.ok()) << text;
    EXPECT_EQ(program->instruction_count(), size) << text;
  }
  Result<Program> folded = CompileText("1 + 2 * 3");
  EXPECT_EQ(folded->Eval(nullptr), 7);  // reads no slot
  EXPECT_EQ(folded->slot_count(), 0);
  EXPECT_TRUE(std::isnan(CompileText("log(0)")->Eval(nullptr)));
}

TEST(ProgramTest, ResultTypeAndSlotCount) {
  Result<Program> number = CompileText("y + 1");
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(number->result_type(), Type::kNumber);
  EXPECT_EQ(number->slot_count(), 2);
  Result<Program> boolean = CompileText("t == 'CA' or b");
  ASSERT_TRUE(boolean.ok());
  EXPECT_EQ(boolean->result_type(), Type::kBoolean);
  EXPECT_EQ(boolean->slot_count(), 7);
}

TEST(ProgramTest, CompileErrors) {
  constexpr auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_TRUE(IsError(CompileText("s"), kInvalid,
                      "column 1: the expression is a string; only number and "
                      "boolean expressions can be compiled"));
  EXPECT_TRUE(IsError(CompileText("x + nope"), kInvalid,
                      "column 5: unknown column 'nope'"));
  SlotBinding no_y = kBinding;
  no_y.slot = [](std::string_view name) -> std::optional<int> {
    if (name == "y") return std::nullopt;
    return SlotOf(name);
  };
  EXPECT_TRUE(IsError(CompileText("x + y", no_y), kInvalid,
                      "column 5: no slot is bound to column 'y'"));
  SlotBinding negative = kBinding;
  negative.slot = [](std::string_view) -> std::optional<int> { return -1; };
  EXPECT_TRUE(IsError(CompileText("x", negative), kInvalid,
                      "column 1: no slot is bound to column 'x'"));
  SlotBinding bad_code = kBinding;
  bad_code.level_code = [](std::string_view, std::string_view) -> std::optional<double> {
    return kNaN;
  };
  EXPECT_TRUE(IsError(CompileText("s in ('CA')", bad_code), kInvalid,
                      "column 7: the level code of \"CA\" for column 's' is not finite"));
}

TEST(ProgramTest, SlotValuesAreNormalised) {
  Result<Program> not_b = CompileText("not b");
  Result<Program> b_is_true = CompileText("b == true");
  Result<Program> x_missing = CompileText("is_missing(x)");
  std::vector<double> slots(Columns().size(), kNaN);
  slots[*SlotOf("b")] = 2.0;  // any non-zero number is true
  EXPECT_EQ(not_b->Eval(slots.data()), 0);
  EXPECT_EQ(b_is_true->Eval(slots.data()), 1);
  slots[*SlotOf("x")] = kInf;  // non-finite numbers are missing
  EXPECT_EQ(x_missing->Eval(slots.data()), 1);
}

TEST(ProgramTest, DeepButLegalExpressionsCompile) {
  // Both are 250 levels deep; the stack stays within its fixed capacity.
  std::string right_nested = "x";
  std::string else_chain = "0";
  for (int i = 0; i < 250; ++i) {
    right_nested = "y + (" + right_nested + ")";
    else_chain = "if x > " + std::to_string(i) + " then " + std::to_string(i) +
                 " else " + else_chain;
  }
  for (const std::string& text : {right_nested, else_chain}) {
    Result<std::unique_ptr<Node>> ast = Parse(text);
    ASSERT_TRUE(ast.ok()) << ast.status().ToString();
    Result<Program> program = Compile(**ast, TypeOf, kBinding);
    ASSERT_TRUE(program.ok()) << program.status().ToString();
    const Row row = {{"x", 100.5}, {"y", 1.0}};
    EXPECT_EQ(program->Eval(Slots(row).data()),
              AsDouble(Interpret(**ast, [&](std::string_view n) { return Lookup(row, n); })));
  }
}

TEST(ProgramTest, TooDeepHandBuiltTreeIsRejected) {
  auto root = std::make_unique<Node>();
  Node* leaf = root.get();
  for (int i = 0; i < kMaxDepth + 10; ++i) {
    leaf->kind = NodeKind::kUnary;
    leaf->op = Op::kNeg;
    leaf->children.push_back(std::make_unique<Node>());
    leaf = leaf->children.back().get();
  }
  EXPECT_TRUE(IsError(Compile(*root, TypeOf, kBinding),
                      StatusCode::kResourceExhausted, "nested too deeply"));
}

TEST(ProgramTest, EvalIsSafeToCallConcurrently) {
  Result<Program> program = CompileText("if b then x / max(y, 1) else coalesce(z, -1)");
  ASSERT_TRUE(program.ok());
  ExpressionGenerator generator(7);
  std::vector<std::vector<double>> rows;
  std::vector<double> expected;
  for (int i = 0; i < 1000; ++i) {
    rows.push_back(Slots(generator.RandomRow()));
    expected.push_back(program->Eval(rows.back().data()));
  }
  std::vector<int> mismatches(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        for (std::size_t i = 0; i < rows.size(); ++i) {
          if (!Same(program->Eval(rows[i].data()), expected[i])) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(ProgramTest, CopiesAndMovesEvaluateAlike) {
  Result<Program> program = CompileText("x in (1, 2) and s != 'NY'");
  ASSERT_TRUE(program.ok());
  const std::vector<double> slots = Slots({{"x", 2.0}, {"s", "CA"}});
  Program copy = *program;
  Program moved = std::move(copy);
  EXPECT_EQ(moved.Eval(slots.data()), 1);
  EXPECT_EQ(program->Eval(slots.data()), 1);
  EXPECT_TRUE(std::isnan(copy.Eval(slots.data())));  // NOLINT(bugprone-use-after-move)
}

// Not a benchmark assertion: logs the speed of the hot path for the record.
TEST(ProgramBenchmark, UsageRatio) {
  const std::string text = "usage_7d / max(avg_weekly_usage, 1)";
  Result<std::unique_ptr<Node>> ast = Parse(text);
  ASSERT_TRUE(ast.ok());
  auto types = [](std::string_view) -> std::optional<Type> { return Type::kNumber; };
  SlotBinding binding;
  binding.slot = [](std::string_view name) -> std::optional<int> {
    return name == "usage_7d" ? 0 : 1;
  };
  Result<Program> program = Compile(**ast, types, binding);
  ASSERT_TRUE(program.ok());

  constexpr int kRows = 4096;
  std::vector<double> rows(2 * kRows);
  std::mt19937_64 rng(1);
  for (double& v : rows) v = (rng() % 100 == 0) ? kNaN : static_cast<double>(rng() % 1000) / 7;

  constexpr int kEvals = 20'000'000;
  double sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kEvals; ++i) {
    const double v = program->Eval(&rows[2 * (i % kRows)]);
    sink += v == v ? v : 0;
  }
  const double eval_ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      kEvals;

  constexpr int kInterprets = 200'000;
  const auto start_interpret = std::chrono::steady_clock::now();
  for (int i = 0; i < kInterprets; ++i) {
    const double* row = &rows[2 * (i % kRows)];
    const Value v = Interpret(**ast, [row](std::string_view name) -> Value {
      return row[name == "usage_7d" ? 0 : 1];
    });
    sink += AsDouble(v) == AsDouble(v) ? AsDouble(v) : 0;
  }
  const double interpret_ns = std::chrono::duration<double, std::nano>(
                                  std::chrono::steady_clock::now() - start_interpret)
                                  .count() /
                              kInterprets;
  std::printf("[ bench    ] %s: Eval %.2f ns/row (%zu instructions), Interpret %.1f ns/row"
              " (checksum %g)\n",
              text.c_str(), eval_ns, program->instruction_count(), interpret_ns, sink);
  RecordProperty("eval_ns", std::to_string(eval_ns));
}

}  // namespace
}  // namespace podium::expr
