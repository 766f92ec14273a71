// Parser, type checker and static analyses.
#include "expr/expr.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "expr/test_util.h"

namespace podium::expr {
namespace {

constexpr auto kInvalid = StatusCode::kInvalidArgument;
constexpr auto kExhausted = StatusCode::kResourceExhausted;

// The canonical (fully parenthesised) text of `text`, or the error.
std::string Canon(std::string_view text) {
  Result<std::unique_ptr<Node>> ast = Parse(text);
  return ast.ok() ? ToString(**ast) : "error: " + ast.status().message();
}

std::unique_ptr<Node> MustParse(std::string_view text) {
  Result<std::unique_ptr<Node>> ast = Parse(text);
  EXPECT_TRUE(ast.ok()) << text << ": " << ast.status().ToString();
  return ast.ok() ? std::move(ast).value() : std::make_unique<Node>();
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

TEST(ParseTest, Precedence) {
  const std::map<std::string, std::string> cases = {
      {"a + b * c", "a + (b * c)"},
      {"a * b + c", "(a * b) + c"},
      {"a - b - c", "(a - b) - c"},
      {"a / b / c", "(a / b) / c"},
      {"a * b / c * d", "((a * b) / c) * d"},
      {"-a * b", "(-a) * b"},
      {"- -a", "-(-a)"},
      {"a * -b", "a * (-b)"},
      {"a - -1", "a - -1"},
      {"a + 1 < b * 2", "(a + 1) < (b * 2)"},
      {"a or b and c", "a or (b and c)"},
      {"a and b or c", "(a and b) or c"},
      {"not a and b", "(not a) and b"},
      {"not a == b", "not (a == b)"},
      {"not not a", "not (not a)"},
      {"a and not b", "a and (not b)"},
      {"a == (not b)", "a == (not b)"},
      {"a < b and c >= d or e != f", "((a < b) and (c >= d)) or (e != f)"},
      {"(a <= b) == (c > d)", "(a <= b) == (c > d)"},
      {"if a then b else c or d", "if a then b else (c or d)"},
      {"if a or b then 1 + 2 else 3", "if (a or b) then (1 + 2) else 3"},
      {"if a then 1 else if b then 2 else 3",
       "if a then 1 else (if b then 2 else 3)"},
      {"if if a then b else c then 1 else 2",
       "if (if a then b else c) then 1 else 2"},
      {"x + 1 in (1, 2) and s not in ('a')",
       "((x + 1) in (1, 2)) and (s not in (\"a\"))"},
      {"-x in (-1, 2.5)", "(-x) in (-1, 2.5)"},
      {"not x in (1)", "not (x in (1))"},
      {"max(a, b + 1) * 2", "max(a, (b + 1)) * 2"},
      {"(a + b) * c", "(a + b) * c"},
      {"((a))", "a"},
      {"pow(2, -x)", "pow(2, (-x))"},
  };
  for (const auto& [text, canonical] : cases) {
    EXPECT_EQ(Canon(text), canonical) << text;
  }
}

TEST(ParseTest, NumberLiterals) {
  const std::map<std::string, double> cases = {
      {"12", 12},     {"1.5", 1.5}, {".5", 0.5},  {"1e-3", 1e-3},
      {"2E+2", 200},  {"3.", 3},    {"0.25e1", 2.5}, {"-4", -4},
      {"- 4", -4},    {"-(4)", -4}, {"007", 7},
  };
  for (const auto& [text, value] : cases) {
    std::unique_ptr<Node> ast = MustParse(text);
    EXPECT_EQ(ast->kind, NodeKind::kNumber) << text;
    EXPECT_EQ(ast->number, value) << text;
    EXPECT_EQ(ast->column, 1) << text;
  }
}

TEST(ParseTest, StringLiterals) {
  const std::map<std::string, std::string> cases = {
      {R"("CA")", "CA"},
      {R"('CA')", "CA"},
      {R"('it\'s')", "it's"},
      {R"("say \"hi\"")", "say \"hi\""},
      {R"("a'b")", "a'b"},
      {R"('a"b')", "a\"b"},
      {R"("back\\slash")", "back\\slash"},
      {R"("tab\tnew\nline")", "tab\tnew\nline"},
      {R"("")", ""},
      {"\"caf\xC3\xA9\"", "caf\xC3\xA9"},
  };
  for (const auto& [text, value] : cases) {
    std::unique_ptr<Node> ast = MustParse(text);
    EXPECT_EQ(ast->kind, NodeKind::kString) << text;
    EXPECT_EQ(ast->text, value) << text;
  }
  EXPECT_EQ(Canon(R"('say "hi"\\')"), R"("say \"hi\"\\")");
}

TEST(ParseTest, BooleanLiterals) {
  EXPECT_EQ(MustParse("true")->kind, NodeKind::kBoolean);
  EXPECT_TRUE(MustParse("true")->boolean);
  EXPECT_FALSE(MustParse("false")->boolean);
}

TEST(ParseTest, Identifiers) {
  const std::map<std::string, std::string> cases = {
      {"usage_7d", "usage_7d"},
      {"_x", "_x"},
      {"a.b.c", "a.b.c"},
      {"IF", "IF"},  // keywords are lower case
      {"`state=CA`", "state=CA"},
      {"`a``b`", "a`b"},
      {"`if`", "if"},
      {"`two words`", "two words"},
      {"`7d`", "7d"},
  };
  for (const auto& [text, name] : cases) {
    std::unique_ptr<Node> ast = MustParse(text);
    EXPECT_EQ(ast->kind, NodeKind::kColumn) << text;
    EXPECT_EQ(ast->text, name) << text;
  }
  // A backquoted name is never a function.
  EXPECT_EQ(Canon("`max`"), "max");
  EXPECT_EQ(Canon("`max`(1)"),
            "error: column 6: expected end of expression but found '('");
  // ToString quotes only where needed.
  EXPECT_EQ(Canon("`if` + `a b` + `x``y` + ok.name"),
            "((`if` + `a b`) + `x``y`) + ok.name");
}

TEST(ParseTest, NodeShapeAndColumns) {
  std::unique_ptr<Node> ast = MustParse("usage_7d / max(avg, 1)");
  EXPECT_EQ(ast->kind, NodeKind::kBinary);
  EXPECT_EQ(ast->op, Op::kDiv);
  EXPECT_EQ(ast->column, 10);
  ASSERT_EQ(ast->children.size(), 2u);
  EXPECT_EQ(ast->children[0]->column, 1);
  const Node& call = *ast->children[1];
  EXPECT_EQ(call.kind, NodeKind::kCall);
  EXPECT_EQ(call.text, "max");
  EXPECT_EQ(call.column, 12);
  ASSERT_EQ(call.children.size(), 2u);
  EXPECT_EQ(call.children[1]->column, 21);

  std::unique_ptr<Node> in = MustParse("x not in (1, 2)");
  EXPECT_EQ(in->kind, NodeKind::kIn);
  EXPECT_EQ(in->op, Op::kNotIn);
  EXPECT_EQ(in->column, 3);
  EXPECT_EQ(in->children.size(), 3u);

  std::unique_ptr<Node> branch = MustParse("if a then b else c");
  EXPECT_EQ(branch->kind, NodeKind::kIf);
  EXPECT_EQ(branch->children.size(), 3u);

  // Columns count UTF-8 characters, not bytes.
  std::unique_ptr<Node> utf8 = MustParse("`\xC3\xA9t\xC3\xA9` + x");
  EXPECT_EQ(utf8->column, 7);
  EXPECT_EQ(utf8->children[1]->column, 9);
}

struct ErrorCase {
  std::string text;
  std::string message;  // exact
};

TEST(ParseTest, ErrorsPointAtTheOffendingToken) {
  const std::vector<ErrorCase> cases = {
      {"", "column 1: empty expression"},
      {"   ", "column 4: empty expression"},
      {"(a + b", "column 7: expected ')' but found end of expression"},
      {"max(a", "column 6: expected ',' or ')' but found end of expression"},
      {"max(a b)", "column 7: expected ',' or ')' but found 'b'"},
      {"a b", "column 3: expected end of expression but found 'b'"},
      {"a + b)", "column 6: expected end of expression but found ')'"},
      {"a + * b", "column 5: expected a value but found '*'"},
      {"a +", "column 4: expected a value but found end of expression"},
      {"a + then", "column 5: expected a value but found 'then'"},
      {"()", "column 2: expected a value but found ')'"},
      {"x + 'abc", "column 5: unterminated string"},
      {"\"abc\\", "column 1: unterminated string"},
      {R"(x == 'a\qb')",
       R"(column 8: unknown escape \q in string (known: \" \' \\ \n \t))"},
      {"`abc", "column 1: unterminated backquoted name"},
      {"a + ``", "column 5: empty backquoted name"},
      {"a = b", "column 3: unexpected '='; use '==' to compare"},
      {"!a", "column 1: unexpected '!'; use 'not' or '!='"},
      {"a && b", "column 3: unexpected '&'; use 'and'"},
      {"a || b", "column 3: unexpected '|'; use 'or'"},
      {"a # b", "column 3: unexpected character '#'"},
      {"a + \xC3\xA9", "column 5: unexpected character byte 0xC3"},
      {"12abc", "column 1: malformed number '12abc'"},
      {"1.2.3", "column 1: malformed number '1.2.3'"},
      {"1e+", "column 1: malformed number '1e+'"},
      {"x + 1e999", "column 5: number 1e999 is out of the range of a double"},
      {"foo(1)",
       "column 1: unknown function 'foo'; known functions: abs, atan, ceil, "
       "coalesce, cos, exp, expm1, float32, floor, is_missing, log, log10, log1p, max, min, pow, sin, sqrt, tanh"},
      {"1 + pow(1)", "column 5: 'pow' takes 2 arguments but 1 was given"},
      {"pow(1, 2, 3)", "column 1: 'pow' takes 2 arguments but 3 were given"},
      {"abs(1, 2)", "column 1: 'abs' takes 1 argument but 2 were given"},
      {"min()", "column 1: 'min' takes at least 1 argument but 0 were given"},
      {"coalesce()",
       "column 1: 'coalesce' takes at least 1 argument but 0 were given"},
      {"a < b < c", "column 7: comparisons do not chain; add parentheses"},
      {"a == b != c", "column 8: comparisons do not chain; add parentheses"},
      {"x in (1) in (true)",
       "column 10: comparisons do not chain; add parentheses"},
      {"x in 1", "column 6: expected '(' after 'in' but found number 1"},
      {"x in ()", "column 7: expected a value but found ')'"},
      {"x in (1, y)",
       "column 10: the list after 'in' may hold only literals, but found 'y'"},
      {"x in (1 + 1)",
       "column 9: the list after 'in' may hold only literals, but found the "
       "result of '+'"},
      {"x not 1", "column 7: expected 'in' after 'not' but found number 1"},
      {"if a then b", "column 12: expected 'else' but found end of expression"},
      {"if a b", "column 6: expected 'then' but found 'b'"},
      {"1 + if a then 1 else 2",
       "column 5: put 'if ... then ... else ...' in parentheses when it is "
       "an operand"},
      {"a == not b",
       "column 6: put 'not ...' in parentheses when it is an operand of a "
       "comparison or arithmetic"},
      {"a and", "column 6: expected a value but found end of expression"},
  };
  for (const ErrorCase& c : cases) {
    EXPECT_TRUE(IsError(Parse(c.text), kInvalid, c.message))
        << "text: " << c.text;
    Result<std::unique_ptr<Node>> ast = Parse(c.text);
    if (!ast.ok()) {
      EXPECT_EQ(ast.status().message(), c.message) << c.text;
    }
  }
}

TEST(ParseTest, LeftmostErrorWins) {
  // The syntax error comes before the bad string further right.
  EXPECT_TRUE(IsError(Parse("a + + 'abc"), kInvalid,
                      "column 5: expected a value but found '+'"));
}

TEST(ParseTest, DepthLimit) {
  // Nesting within the limit parses.
  EXPECT_TRUE(Parse(Repeat("(", 200) + "x" + Repeat(")", 200)).ok());
  EXPECT_TRUE(Parse("x" + Repeat(" + 1", 250)).ok());
  EXPECT_TRUE(Parse(Repeat("-", 200) + "x").ok());

  const std::vector<std::string> too_deep = {
      Repeat("(", 300) + "x" + Repeat(")", 300),
      Repeat("(", 60000),  // the fuzzer's favourite: no stack overflow
      Repeat("abs(", 300) + "x" + Repeat(")", 300),
      Repeat("-", 300) + "x",
      Repeat("not ", 300) + "x",
      Repeat("if a then b else ", 300) + "c",
      "x" + Repeat(" + 1", 300),  // left-deep: a tall tree, built by a loop
      "x in (" + Repeat("(", 300) + "1" + Repeat(")", 300) + ")",
  };
  for (const std::string& text : too_deep) {
    EXPECT_TRUE(IsError(Parse(text), kExhausted,
                        "expression nested too deeply (the limit is 256 levels)"))
        << text.substr(0, 40);
  }
}

TEST(ParseTest, LengthLimit) {
  EXPECT_TRUE(Parse("x" + std::string(kMaxTextLength - 1, ' ')).ok());
  EXPECT_TRUE(IsError(Parse("x" + std::string(kMaxTextLength, ' ')),
                      kExhausted,
                      "expression is 65537 bytes long; the limit is 65536"));
}

TEST(ParseTest, ToStringRoundTrips) {
  const std::vector<std::string> texts = {
      "usage_7d / max(avg_weekly_usage, 1)",
      "if `state=CA` and not paid then -x * 2.5e-7 else coalesce(y, 0)",
      "s not in ('a\\'b', \"c\\\\d\", 'e\\tf') or is_missing(s)",
      "(x in (-1, 0.1, 1e300)) == (y <= -0.5)",
      "a - -b - (c - d)",
      "-(-2)",
  };
  for (const std::string& text : texts) {
    const std::string once = Canon(text);
    EXPECT_EQ(Canon(once), once) << text;
  }
}

// ---------------------------------------------------------------------------
// Type checker
// ---------------------------------------------------------------------------

std::optional<Type> TestColumns(std::string_view name) {
  static const auto* const kTypes = new std::map<std::string, Type, std::less<>>{
      {"x", Type::kNumber},     {"y", Type::kNumber},
      {"flag", Type::kBoolean}, {"paid", Type::kBoolean},
      {"state", Type::kString}, {"region", Type::kString},
  };
  auto it = kTypes->find(name);
  if (it == kTypes->end()) return std::nullopt;
  return it->second;
}

Result<Type> Check(std::string_view text) {
  Result<std::unique_ptr<Node>> ast = Parse(text);
  if (!ast.ok()) return ast.status();
  return TypeCheck(**ast, TestColumns);
}

TEST(TypeCheckTest, WellTyped) {
  const std::map<std::string, Type> cases = {
      {"x + 1", Type::kNumber},
      {"-x * y / 2 - 1", Type::kNumber},
      {"x < 1", Type::kBoolean},
      {"x == y", Type::kBoolean},
      {"flag != paid", Type::kBoolean},
      {"flag and not paid or true", Type::kBoolean},
      {"state == 'CA'", Type::kBoolean},
      {"'CA' != state", Type::kBoolean},
      {"state in ('CA', 'NY')", Type::kBoolean},
      {"state not in ('CA')", Type::kBoolean},
      {"x in (1, -2.5)", Type::kBoolean},
      {"flag in (true)", Type::kBoolean},
      {"(x > 1) in (false)", Type::kBoolean},
      {"if flag then x else 1", Type::kNumber},
      {"if flag then paid else false", Type::kBoolean},
      {"min(x) + max(x, y, 3) + abs(x) + log(x) + log10(x) + exp(x)",
       Type::kNumber},
      {"sqrt(x) + pow(x, 2) + floor(x) + ceil(x)", Type::kNumber},
      {"coalesce(x, y, 0)", Type::kNumber},
      {"coalesce(flag, false)", Type::kBoolean},
      {"is_missing(x) and is_missing(flag) and is_missing(state)",
       Type::kBoolean},
      {"is_missing('CA')", Type::kBoolean},
      {"state", Type::kString},  // legal here; derived columns reject it
      {"'text'", Type::kString},
  };
  for (const auto& [text, type] : cases) {
    Result<Type> result = Check(text);
    ASSERT_TRUE(result.ok()) << text << ": " << result.status().ToString();
    EXPECT_EQ(*result, type) << text;
  }
}

TEST(TypeCheckTest, Errors) {
  const std::vector<ErrorCase> cases = {
      {"usage_7 + 1", "column 1: unknown column 'usage_7'"},
      {"x + `usage 7`", "column 5: unknown column 'usage 7'"},
      {"max(x, 1) + state",
       "column 13: '+' needs numbers, but 'state' is a string"},
      {"flag * 2", "column 1: '*' needs numbers, but 'flag' is a boolean"},
      {"x - 'a'", "column 5: '-' needs numbers, but \"a\" is a string"},
      {"(x == 1) / 2",
       "column 4: '/' needs numbers, but the result of '==' is a boolean"},
      {"-flag", "column 2: '-' needs a number, but 'flag' is a boolean"},
      {"not x", "column 5: 'not' needs a boolean, but 'x' is a number"},
      {"x and flag", "column 1: 'and' needs booleans, but 'x' is a number"},
      {"flag or 1", "column 9: 'or' needs booleans, but 1 is a number"},
      {"x < flag", "column 5: '<' needs numbers, but 'flag' is a boolean"},
      {"state >= 'CA'", "column 1: '>=' needs numbers, but 'state' is a string"},
      {"x == flag",
       "column 6: '==' needs operands of the same type, but 'x' is a number "
       "and 'flag' is a boolean"},
      {"x != 'CA'",
       "column 6: '!=' needs operands of the same type, but 'x' is a number "
       "and \"CA\" is a string"},
      {"state == region",
       "column 7: comparing two category columns is not supported ('state' "
       "== 'region')"},
      {"'a' == 'b'",
       "column 5: '==' compares a category column with a string literal, but "
       "both sides are string literals"},
      {"x in (1, 'a')",
       "column 10: 'in' needs list items of the same type, but 'x' is a "
       "number and \"a\" is a string"},
      {"state not in ('CA', 1)",
       "column 21: 'not in' needs list items of the same type, but 'state' is "
       "a string and 1 is a number"},
      {"'a' in ('a')",
       "column 1: 'in' tests a category column or a number or boolean, but "
       "\"a\" is a string literal"},
      {"if x then 1 else 2",
       "column 4: 'if' needs a boolean condition, but 'x' is a number"},
      {"if flag then 1 else true",
       "column 21: 'if' needs branches of the same type, but 1 is a number "
       "and true is a boolean"},
      {"if flag then state else 'x'",
       "column 14: 'if' needs number or boolean branches, but 'state' is a "
       "string"},
      {"coalesce(x, flag)",
       "column 13: 'coalesce' needs arguments of the same type, but 'x' is a "
       "number and 'flag' is a boolean"},
      {"coalesce(state, 'x')",
       "column 10: 'coalesce' needs numbers or booleans, but 'state' is a "
       "string"},
      {"log(flag)", "column 5: 'log' needs a number, but 'flag' is a boolean"},
      {"sin(flag)", "column 5: 'sin' needs a number, but 'flag' is a boolean"},
      {"cos(state)", "column 5: 'cos' needs a number, but 'state' is a string"},
      {"atan(x > 1)", "column 8: 'atan' needs a number, but the result of '>' is a boolean"},
      {"sin(1, 2)", "column 1: 'sin' takes 1 argument but 2 were given"},
      {"max(x, state)",
       "column 8: 'max' needs numbers, but 'state' is a string"},
      {"pow(x, x > 1)",
       "column 10: 'pow' needs numbers, but the result of '>' is a boolean"},
      {"abs(if flag then true else false)",
       "column 5: 'abs' needs a number, but the result of 'if' is a boolean"},
      // The first error in text order wins.
      {"a1 + b1", "column 1: unknown column 'a1'"},
  };
  for (const ErrorCase& c : cases) {
    Result<Type> result = Check(c.text);
    EXPECT_TRUE(IsError(result, kInvalid, c.message)) << "text: " << c.text;
    if (!result.ok()) {
      EXPECT_EQ(result.status().message(), c.message) << c.text;
    }
  }
}

TEST(TypeCheckTest, RejectsMalformedHandBuiltTrees) {
  Node binary;
  binary.kind = NodeKind::kBinary;
  binary.op = Op::kAdd;
  binary.children.push_back(std::make_unique<Node>());
  EXPECT_TRUE(IsError(TypeCheck(binary, TestColumns), kInvalid,
                      "malformed expression tree"));

  Node call;
  call.kind = NodeKind::kCall;
  call.text = "nope";
  EXPECT_TRUE(IsError(TypeCheck(call, TestColumns), kInvalid,
                      "malformed expression tree"));

  Node null_child;
  null_child.kind = NodeKind::kUnary;
  null_child.op = Op::kNeg;
  null_child.children.push_back(nullptr);
  EXPECT_TRUE(IsError(TypeCheck(null_child, TestColumns), kInvalid,
                      "malformed expression tree"));
}

TEST(TypeCheckTest, RejectsTooDeepHandBuiltTrees) {
  auto root = std::make_unique<Node>();
  Node* leaf = root.get();
  for (int i = 0; i < 300; ++i) {
    leaf->kind = NodeKind::kUnary;
    leaf->op = Op::kNeg;
    leaf->children.push_back(std::make_unique<Node>());
    leaf = leaf->children.back().get();
  }
  EXPECT_TRUE(IsError(TypeCheck(*root, TestColumns), kExhausted,
                      "nested too deeply"));
}

// ---------------------------------------------------------------------------
// Analyses
// ---------------------------------------------------------------------------

TEST(AnalysisTest, ReferencedColumnsInFirstUseOrder) {
  EXPECT_EQ(ReferencedColumns(*MustParse("y + x * y + max(z, `a b`, x)")),
            (std::vector<std::string>{"y", "x", "z", "a b"}));
  EXPECT_TRUE(ReferencedColumns(*MustParse("1 + 2")).empty());
}

TEST(AnalysisTest, StringLiteralsByColumn) {
  const auto literals = StringLiteralsByColumn(*MustParse(
      "state == 'CA' or 'NY' == state or state in ('TX', 'CA') or "
      "region != 'W' or state not in ('AK') or is_missing('unused')"));
  const std::map<std::string, std::vector<std::string>> want = {
      {"region", {"W"}}, {"state", {"CA", "NY", "TX", "AK"}}};
  EXPECT_EQ(literals, want);
}

TEST(AnalysisTest, FunctionNamesAreSorted) {
  const std::vector<std::string_view> names = FunctionNames();
  EXPECT_EQ(names.size(), 19u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

}  // namespace
}  // namespace podium::expr
