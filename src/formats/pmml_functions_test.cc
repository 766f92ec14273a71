// PMML Apply over user-defined functions (DefineFunction, inlined), the
// numeric built-ins median, modulo, rint, hypot, tan, cosh, asin and acos,
// and Apply defaultValue / invalidValueTreatment (pmml_expr.cc).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>

#include "formats/pmml_test_util.h"

namespace podium {
namespace {

using pmml_testing::Doc;
using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::ScoreValue;

// A regression whose prediction is the derived field `d`. Inputs: x and z
// (double), s (string a/b/c) and n (integer). `dictionary` opens the
// TransformationDictionary on line 11.
Result<Pipeline> Model(const std::string& dictionary, const std::string& local = "") {
  return Import(Doc(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"z\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\">"
      "<Value value=\"a\"/><Value value=\"b\"/><Value value=\"c\"/></DataField>\n"
      "<DataField name=\"n\" optype=\"continuous\" dataType=\"integer\"/>\n",
      "<TransformationDictionary>" + dictionary + "</TransformationDictionary>\n"
      "<RegressionModel functionName=\"regression\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"z\"/><MiningField name=\"s\"/>"
      "<MiningField name=\"n\"/></MiningSchema>\n" + local +
      "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" coefficient=\"1\"/></RegressionTable>\n"
      "</RegressionModel>\n"));
}

std::string DerivedD(const std::string& expression, const std::string& data_type = "double") {
  return "<DerivedField name=\"d\" optype=\"continuous\" dataType=\"" + data_type + "\">" + expression +
         "</DerivedField>";
}

std::string Ref(const std::string& field) { return "<FieldRef field=\"" + field + "\"/>"; }
std::string Num(const std::string& value) { return "<Constant dataType=\"double\">" + value + "</Constant>"; }
std::string Apply(const std::string& function, const std::string& args, const std::string& attributes = "") {
  return "<Apply function=\"" + function + "\"" + attributes + ">" + args + "</Apply>";
}
std::string Param(const std::string& name, const std::string& attributes = "") {
  return "<ParameterField name=\"" + name + "\"" + attributes + "/>";
}
std::string Define(const std::string& name, const std::string& params, const std::string& body,
                   const std::string& attributes = " optype=\"continuous\" dataType=\"double\"") {
  return "<DefineFunction name=\"" + name + "\"" + attributes + ">" + params + body + "</DefineFunction>";
}

// d as computed for one row (missing cells absent).
double Value(const std::string& dictionary, const std::map<std::string, std::string>& row) {
  Result<Pipeline> pipeline = Model(dictionary);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  if (!pipeline.ok()) return -12345;
  return ScoreValue(*pipeline, row);
}

// How many doubles lie between a and b.
int64_t UlpDistance(double a, double b) {
  int64_t ia = 0;
  int64_t ib = 0;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  if (ia < 0) ia = INT64_MIN - ia;
  if (ib < 0) ib = INT64_MIN - ib;
  return ia > ib ? ia - ib : ib - ia;
}

// ---------------------------------------------------------------------------
// DefineFunction
// ---------------------------------------------------------------------------

TEST(PmmlFunctions, UserFunctionIsInlined) {
  // f(a, b) = a * 2 + b
  const std::string f = Define("f", Param("a") + Param("b"),
                               Apply("+", Apply("*", Ref("a") + Num("2")) + Ref("b")));
  const std::string dictionary = f + DerivedD(Apply("f", Ref("x") + Num("3")));
  EXPECT_EQ(Value(dictionary, {{"x", "1.5"}}), 6.0);
  EXPECT_EQ(Value(dictionary, {{"x", "-4"}}), -5.0);
  EXPECT_TRUE(std::isnan(Value(dictionary, {})));  // a missing argument follows the body's rules
  // The lowered pipeline holds the expression, not a call.
  Result<Pipeline> pipeline = Model(dictionary);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ASSERT_EQ(pipeline->transforms.size(), 1u);
  EXPECT_EQ(std::get<DeriveTransform>(pipeline->transforms[0]).expression, "((`x` * 2) + (3))");
}

TEST(PmmlFunctions, MissingArgumentsFollowTheBody) {
  // g(a) = if isMissing(a) then -1 else a * a; sum ignores missing arguments.
  const std::string g = Define("g", Param("a"),
                               Apply("if", Apply("isMissing", Ref("a")) + Num("-1") + Apply("*", Ref("a") + Ref("a"))));
  const std::string dictionary = g + DerivedD(Apply("g", Ref("x")));
  EXPECT_EQ(Value(dictionary, {{"x", "3"}}), 9.0);
  EXPECT_EQ(Value(dictionary, {}), -1.0);
  const std::string total = Define("total", Param("p") + Param("q"), Apply("sum", Ref("p") + Ref("q")));
  EXPECT_EQ(Value(total + DerivedD(Apply("total", Ref("x") + Ref("z"))), {{"z", "2.5"}}), 2.5);
}

TEST(PmmlFunctions, FunctionsCallFunctions) {
  // sq(a) = a * a; norm2(a, b) = sq(a) + sq(b); scaled(a, b) = norm2(a, b) / 2
  const std::string dictionary =
      Define("sq", Param("a"), Apply("*", Ref("a") + Ref("a"))) +
      Define("norm2", Param("a") + Param("b"), Apply("+", Apply("sq", Ref("a")) + Apply("sq", Ref("b")))) +
      Define("scaled", Param("u") + Param("v"), Apply("/", Apply("norm2", Ref("u") + Ref("v")) + Num("2"))) +
      DerivedD(Apply("scaled", Ref("x") + Apply("-", Ref("z") + Num("1"))));
  EXPECT_EQ(Value(dictionary, {{"x", "3"}, {"z", "5"}}), 12.5);  // (9 + 16) / 2
  // A derived field is an argument like any other expression.
  const std::string via_field = Define("sq", Param("a"), Apply("*", Ref("a") + Ref("a"))) +
                                "<DerivedField name=\"w\" optype=\"continuous\" dataType=\"double\">" +
                                Apply("+", Ref("x") + Num("1")) + "</DerivedField>" +
                                DerivedD(Apply("sq", Ref("w")));
  EXPECT_EQ(Value(via_field, {{"x", "2"}}), 9.0);
}

TEST(PmmlFunctions, CategoriesPassThroughParameters) {
  // is_b(c) = 1 when c is "b", else 0 (missing when c is).
  const std::string is_b =
      Define("is_b", Param("c", " optype=\"categorical\" dataType=\"string\""),
             Apply("if", Apply("equal", Ref("c") + "<Constant>b</Constant>") + Num("1") + Num("0")));
  const std::string dictionary = is_b + DerivedD(Apply("is_b", Ref("s")));
  EXPECT_EQ(Value(dictionary, {{"s", "b"}}), 1.0);
  EXPECT_EQ(Value(dictionary, {{"s", "c"}}), 0.0);
  EXPECT_TRUE(std::isnan(Value(dictionary, {})));
  // A string-valued derived field (no column of its own) passes through too.
  const std::string band = "<DerivedField name=\"band\" optype=\"categorical\" dataType=\"string\">"
                           "<Discretize field=\"x\"><DiscretizeBin binValue=\"b\"><Interval closure=\"closedOpen\" "
                           "leftMargin=\"0\" rightMargin=\"10\"/></DiscretizeBin></Discretize></DerivedField>";
  const std::string on_band = is_b + band + DerivedD(Apply("is_b", Ref("band")));
  EXPECT_EQ(Value(on_band, {{"x", "5"}}), 1.0);
  EXPECT_TRUE(std::isnan(Value(on_band, {{"x", "50"}})));  // no bin: band is missing
  // A function whose result is text (a MapValues over its parameter), read
  // through a string DerivedField.
  const std::string tier =
      Define("tier", Param("c"),
             "<MapValues outputColumn=\"o\"><FieldColumnPair field=\"c\" column=\"i\"/><InlineTable>"
             "<row><i>a</i><o>lo</o></row><row><i>b</i><o>hi</o></row><row><i>c</i><o>hi</o></row>"
             "</InlineTable></MapValues>",
             " optype=\"categorical\" dataType=\"string\"");
  const std::string on_tier = tier + "<DerivedField name=\"t\" optype=\"categorical\" dataType=\"string\">" +
                              Apply("tier", Ref("s")) + "</DerivedField>" +
                              DerivedD(Apply("if", Apply("equal", Ref("t") + "<Constant>hi</Constant>") + Num("5") +
                                                       Num("-5")));
  EXPECT_EQ(Value(on_tier, {{"s", "c"}}), 5.0);
  EXPECT_EQ(Value(on_tier, {{"s", "a"}}), -5.0);
  ExpectError(Model(Define("id", Param("c"), Ref("c"), " optype=\"categorical\" dataType=\"string\"") +
                    "<DerivedField name=\"t\" optype=\"categorical\" dataType=\"string\">" +
                    Apply("id", Ref("s")) + "</DerivedField>"),
              StatusCode::kUnimplemented,
              "<DefineFunction> (line 10): a function whose result is text other than a MapValues or Discretize");
}

TEST(PmmlFunctions, DeclaredTypes) {
  // A boolean result declared double is 1/0; integer over a whole number is fine.
  const std::string positive = Define("positive", Param("a"), Apply("greaterThan", Ref("a") + Num("0")));
  EXPECT_EQ(Value(positive + DerivedD(Apply("positive", Ref("x"))), {{"x", "2"}}), 1.0);
  const std::string twice = Define("twice", Param("k", " dataType=\"integer\""), Apply("*", Ref("k") + Num("2")),
                                   " optype=\"continuous\" dataType=\"integer\"");
  EXPECT_EQ(Value(twice + DerivedD(Apply("twice", Ref("n")), "integer"), {{"n", "7"}}), 14.0);
}

TEST(PmmlFunctions, UserFunctionErrors) {
  const std::string f = Define("f", Param("a") + Param("b"), Apply("+", Ref("a") + Ref("b")));
  ExpectError(Model(f + DerivedD(Apply("f", Ref("x")))), StatusCode::kInvalidArgument,
              "<Apply> (line 10): function 'f' takes 2 arguments, 1 given");
  // Only the parameters are visible inside the body.
  ExpectError(Model(Define("g", Param("a"), Apply("+", Ref("a") + Ref("x"))) + DerivedD(Apply("g", Ref("z")))),
              StatusCode::kInvalidArgument, "<FieldRef> (line 10): unknown field 'x'");
  ExpectError(Model(Define("r", Param("a"), Apply("r", Ref("a"))) + DerivedD(Apply("r", Ref("x")))),
              StatusCode::kUnimplemented,
              "<Apply> (line 10): function 'r' calls itself ('r' -> 'r'); recursive functions are not supported");
  ExpectError(Model(Define("p", Param("a"), Apply("q", Ref("a"))) + Define("q", Param("a"), Apply("p", Ref("a"))) +
                    DerivedD(Apply("p", Ref("x")))),
              StatusCode::kUnimplemented, "function 'p' calls itself ('p' -> 'q' -> 'p')");
  ExpectError(Model(Define("median", Param("a"), Ref("a"))), StatusCode::kUnimplemented,
              "<DefineFunction> (line 10): a DefineFunction named like the built-in function 'median'");
  ExpectError(Model(f + f), StatusCode::kInvalidArgument, "<DefineFunction> (line 10): function 'f' is defined twice");
  ExpectError(Model(Define("half", Param("a"), Apply("/", Ref("a") + Num("2")),
                           " optype=\"continuous\" dataType=\"integer\"") +
                    DerivedD(Apply("half", Ref("x")))),
              StatusCode::kUnimplemented,
              "<DefineFunction> (line 10): dataType integer over a value that may have a fraction");
  ExpectError(Model(Define("i", Param("k", " dataType=\"integer\""), Ref("k")) + DerivedD(Apply("i", Ref("x")))),
              StatusCode::kUnimplemented,
              "<ParameterField> (line 10): dataType integer over a value that may have a fraction");
  ExpectError(Model(Define("id", Param("c"), Ref("c"), " optype=\"categorical\" dataType=\"string\"") +
                    DerivedD(Apply("id", "<Constant dataType=\"string\">b</Constant>"))),
              StatusCode::kUnimplemented, "<Apply> (line 10): argument 1 is text that is not a field");
  ExpectError(Model(Define("two", Param("a"), Ref("a") + Ref("a")) + DerivedD(Apply("two", Ref("x")))),
              StatusCode::kInvalidArgument, "<DefineFunction> (line 10): expected exactly one expression element");
  ExpectError(Model(DerivedD(Ref("x")), "<LocalTransformations>" + f + "</LocalTransformations>\n"),
              StatusCode::kInvalidArgument,
              "<DefineFunction> (line 13): DefineFunction belongs in the TransformationDictionary");
}

TEST(PmmlFunctions, InliningIsBounded) {
  // d_i(a) = d_(i-1)(a) + d_(i-1)(a), 20 deep: refused by the nesting bound.
  std::string deep = Define("d0", Param("a"), Ref("a"));
  for (int i = 1; i <= 20; ++i) {
    const std::string inner = Apply("d" + std::to_string(i - 1), Ref("a"));
    deep += Define("d" + std::to_string(i), Param("a"), Apply("+", inner + inner));
  }
  EXPECT_EQ(Value(deep + DerivedD(Apply("d5", Ref("x"))), {{"x", "1.5"}}), 48.0);
  ExpectError(Model(deep + DerivedD(Apply("d20", Ref("x")))), StatusCode::kUnimplemented,
              "<Apply> (line 10): user-defined functions nested more than 16 deep");
  // w_i(a) = sum of four w_(i-1)(a): the text grows eightfold per level and
  // is refused once longer than the expression language takes.
  std::string wide = Define("w0", Param("a"), Ref("a"));
  for (int i = 1; i <= 8; ++i) {
    const std::string inner = Apply("w" + std::to_string(i - 1), Ref("a"));
    wide += Define("w" + std::to_string(i), Param("a"), Apply("sum", inner + inner + inner + inner));
  }
  ExpectError(Model(wide + DerivedD(Apply("w8", Ref("x")))), StatusCode::kResourceExhausted,
              "inlined is an expression longer than 65536 bytes");
}

// ---------------------------------------------------------------------------
// Numeric built-ins
// ---------------------------------------------------------------------------

TEST(PmmlFunctions, Median) {
  const std::string three = DerivedD(Apply("median", Ref("x") + Ref("z") + Ref("n")));
  EXPECT_EQ(Value(three, {{"x", "5"}, {"z", "-1"}, {"n", "2"}}), 2.0);
  EXPECT_EQ(Value(three, {{"x", "5"}, {"z", "5"}, {"n", "2"}}), 5.0);  // ties
  EXPECT_EQ(Value(three, {{"x", "5"}, {"n", "2"}}), 3.5);              // missing ignored: two values, their mean
  EXPECT_EQ(Value(three, {{"z", "-7.25"}}), -7.25);
  EXPECT_TRUE(std::isnan(Value(three, {})));
  const std::string four = DerivedD(Apply("median", Ref("x") + Ref("z") + Num("10") + Num("0.5")));
  EXPECT_EQ(Value(four, {{"x", "1"}, {"z", "3"}}), 2.0);  // 0.5 1 3 10
  EXPECT_EQ(Value(four, {{"x", "1"}}), 1.0);              // 0.5 1 10
}

TEST(PmmlFunctions, Modulo) {
  const std::string mod = DerivedD(Apply("modulo", Ref("x") + Ref("z")));
  EXPECT_EQ(Value(mod, {{"x", "7"}, {"z", "3"}}), 1.0);
  EXPECT_EQ(Value(mod, {{"x", "-7"}, {"z", "3"}}), 2.0);  // the sign of the divisor
  EXPECT_EQ(Value(mod, {{"x", "7"}, {"z", "-3"}}), -2.0);
  EXPECT_EQ(Value(mod, {{"x", "5.5"}, {"z", "2"}}), 1.5);
  EXPECT_TRUE(std::isnan(Value(mod, {{"x", "7"}, {"z", "0"}})));
  EXPECT_TRUE(std::isnan(Value(mod, {{"z", "3"}})));
}

TEST(PmmlFunctions, Rint) {
  const std::string rint = DerivedD(Apply("rint", Ref("x")));
  for (const auto& [x, want] : std::map<std::string, double>{{"2.5", 2}, {"3.5", 4}, {"-2.5", -2}, {"-3.5", -4},
                                                             {"2.4", 2}, {"2.6", 3}, {"-0.6", -1}, {"7", 7},
                                                             {"0.5", 0}, {"1.5", 2}, {"4503599627370497", 4503599627370497.0}}) {
    EXPECT_EQ(Value(rint, {{"x", x}}), want) << "rint(" << x << ")";
  }
  EXPECT_TRUE(std::isnan(Value(rint, {})));
}

TEST(PmmlFunctions, HypotAndTrigonometry) {
  const std::string hypot = DerivedD(Apply("hypot", Ref("x") + Ref("z")));
  EXPECT_EQ(Value(hypot, {{"x", "3"}, {"z", "-4"}}), 5.0);
  EXPECT_EQ(Value(hypot, {{"x", "0"}, {"z", "0"}}), 0.0);
  EXPECT_TRUE(std::isnan(Value(hypot, {{"x", "1e308"}, {"z", "-1.7e308"}})));  // beyond a double: no value
  for (const auto& [x, z] : std::map<std::string, std::string>{
           {"1e200", "1e200"}, {"1e-200", "3e-201"}, {"0.1", "0.7"}, {"-2.5", "1e-9"}, {"1e307", "-1.7e307"}}) {
    const double got = Value(hypot, {{"x", x}, {"z", z}});
    const double want = std::hypot(std::stod(x), std::stod(z));
    EXPECT_LE(UlpDistance(got, want), 2) << "hypot(" << x << ", " << z << ") = " << got << ", want " << want;
  }
  struct Case {
    const char* function;
    double (*reference)(double);
    std::vector<std::string> inputs;
  };
  const Case cases[] = {
      {"tan", [](double v) { return std::tan(v); }, {"0", "0.5", "-1.2", "1.5707", "3", "100"}},
      {"cosh", [](double v) { return std::cosh(v); }, {"0", "1e-8", "0.5", "-3", "300", "709.5", "-710"}},
      {"sinh", [](double v) { return std::sinh(v); }, {"0", "1e-12", "-1e-8", "0.5", "-3", "300", "709.5", "-710"}},
      {"ln1p", [](double v) { return std::log1p(v); }, {"0", "1e-12", "-1e-8", "0.5", "-0.75", "1e300"}},
      {"expm1", [](double v) { return std::expm1(v); }, {"0", "1e-12", "-1e-8", "0.5", "-40", "700"}},
      {"asin", [](double v) { return std::asin(v); }, {"0", "1e-9", "0.5", "-0.7", "0.999999", "-0.9999999999"}},
      {"acos", [](double v) { return std::acos(v); }, {"0", "1e-9", "0.5", "-0.7", "0.999999", "-0.9999999999"}},
  };
  for (const Case& c : cases) {
    const std::string derived = DerivedD(Apply(c.function, Ref("x")));
    for (const std::string& x : c.inputs) {
      const double got = Value(derived, {{"x", x}});
      const double want = c.reference(std::stod(x));
      EXPECT_LE(UlpDistance(got, want), 3) << c.function << "(" << x << ") = " << got << ", want " << want;
    }
    EXPECT_TRUE(std::isnan(Value(derived, {}))) << c.function;
  }
  EXPECT_EQ(Value(DerivedD(Apply("asin", Ref("x"))), {{"x", "1"}}), std::asin(1.0));
  EXPECT_EQ(Value(DerivedD(Apply("asin", Ref("x"))), {{"x", "-1"}}), std::asin(-1.0));
  EXPECT_EQ(Value(DerivedD(Apply("acos", Ref("x"))), {{"x", "-1"}}), std::acos(-1.0));
  EXPECT_EQ(Value(DerivedD(Apply("acos", Ref("x"))), {{"x", "1"}}), 0.0);
  EXPECT_TRUE(std::isnan(Value(DerivedD(Apply("asin", Ref("x"))), {{"x", "1.5"}})));
  EXPECT_TRUE(std::isnan(Value(DerivedD(Apply("acos", Ref("x"))), {{"x", "-1.0000001"}})));
}

TEST(PmmlFunctions, Ln1pAndExpm1KeepSmallValues) {
  // Exactly C's log1p and expm1, not log(1 + x) and exp(x) - 1.
  const std::string ln1p = DerivedD(Apply("*", Apply("ln1p", Ref("x")) + Num("2")));
  EXPECT_EQ(Value(ln1p, {{"x", "1e-10"}}), 2 * std::log1p(1e-10));
  EXPECT_NE(Value(ln1p, {{"x", "1e-10"}}), 2 * std::log(1 + 1e-10));
  EXPECT_TRUE(std::isnan(Value(ln1p, {{"x", "-1"}})));
  const std::string expm1 = DerivedD(Apply("expm1", Ref("x")));
  EXPECT_EQ(Value(expm1, {{"x", "1e-10"}}), std::expm1(1e-10));
  EXPECT_TRUE(std::isnan(Value(expm1, {{"x", "1000"}})));
  ExpectError(Model(DerivedD(Apply("ln1p", Ref("x") + Ref("z")))), StatusCode::kInvalidArgument,
              "<Apply> (line 10): function 'ln1p' takes 1 arguments, 2 given");
}

TEST(PmmlFunctions, IsValid) {
  // x's invalid values are rejected (returnInvalid): a value that reaches
  // the expression is valid unless missing.
  const std::string valid = DerivedD(Apply("isValid", Ref("x")));
  EXPECT_EQ(Value(valid, {{"x", "2"}}), 1.0);
  EXPECT_EQ(Value(valid, {}), 0.0);
  EXPECT_EQ(Value(DerivedD(Apply("isValid", Ref("s"))), {{"s", "b"}}), 1.0);
  EXPECT_EQ(Value(DerivedD(Apply("isValid", Ref("s"))), {}), 0.0);
  EXPECT_EQ(Value(DerivedD(Apply("isValid", Apply("max", Ref("x") + Ref("z")))), {{"z", "1"}}), 1.0);
  ExpectError(Model(DerivedD(Apply("isValid", Apply("/", Ref("x") + Ref("z"))))), StatusCode::kUnimplemented,
              "<Apply> (line 10): isValid of a computation that may be invalid");
  // Under asIs an invalid value reaches the expression as a value.
  const std::string doc = Doc("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\">"
                              "<Interval closure=\"closedClosed\" leftMargin=\"0\" rightMargin=\"1\"/></DataField>\n",
                              "<RegressionModel functionName=\"regression\">\n<MiningSchema><MiningField name=\"x\" "
                              "invalidValueTreatment=\"asIs\"/></MiningSchema>\n<LocalTransformations>"
                              "<DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">" +
                                  Apply("isValid", Ref("x")) +
                                  "</DerivedField></LocalTransformations>\n<RegressionTable intercept=\"0\">"
                                  "<NumericPredictor name=\"d\" coefficient=\"1\"/></RegressionTable>\n"
                                  "</RegressionModel>\n");
  ExpectError(Import(doc), StatusCode::kUnimplemented,
              "<Apply> (line 9): isValid of a field read with invalidValueTreatment asIs");
}

TEST(PmmlFunctions, RefusedBuiltins) {
  ExpectError(Model(DerivedD(Apply("isNotValid", Ref("x")))), StatusCode::kUnimplemented,
              "<Apply> (line 10): function 'isNotValid' (whether a missing value counts as not valid");
  ExpectError(Model(DerivedD(Apply("stdNormalCDF", Ref("x")))), StatusCode::kUnimplemented,
              "function 'stdNormalCDF' (the expression language has no error function or normal distribution)");
  ExpectError(Model(DerivedD(Apply("dateDaysSinceYear", Ref("x") + Num("1960")))), StatusCode::kUnimplemented,
              "function 'dateDaysSinceYear' is not supported (the IR has no date or time values)");
  ExpectError(Model(DerivedD(Apply("mean", Ref("x")))), StatusCode::kUnimplemented,
              "<Apply> (line 10): function 'mean' is not supported (neither a supported built-in nor a DefineFunction)");
  ExpectError(Model(DerivedD(Apply("median", Ref("x") + Ref("x") + Ref("x") + Ref("x") + Ref("x") + Ref("x") +
                                                 Ref("x") + Ref("x") + Ref("x") + Ref("x") + Ref("x") + Ref("x") +
                                                 Ref("x") + Ref("x") + Ref("x") + Ref("x") + Ref("x")))),
              StatusCode::kInvalidArgument, "function 'median' takes 1 or more arguments, 17 given");
}

// ---------------------------------------------------------------------------
// defaultValue and invalidValueTreatment
// ---------------------------------------------------------------------------

TEST(PmmlFunctions, DefaultValue) {
  // if without else: false gives missing, which defaultValue replaces.
  const std::string positive_or =
      DerivedD(Apply("if", Apply("greaterThan", Ref("x") + Num("0")) + Ref("x"), " defaultValue=\"-1\""));
  EXPECT_EQ(Value(positive_or, {{"x", "3"}}), 3.0);
  EXPECT_EQ(Value(positive_or, {{"x", "-3"}}), -1.0);
  EXPECT_EQ(Value(positive_or, {}), -1.0);
  // mapMissingTo takes precedence when an argument is missing.
  const std::string both = DerivedD(Apply("max", Ref("x") + Ref("z"), " defaultValue=\"7\" mapMissingTo=\"8\""));
  EXPECT_EQ(Value(both, {{"x", "1"}}), 8.0);
  EXPECT_EQ(Value(both, {{"x", "1"}, {"z", "2"}}), 2.0);
  // A user function whose body computes nothing invalid.
  const std::string pick = Define("pick", Param("a") + Param("b"), Apply("if", Apply("lessThan", Ref("a") + Ref("b")) + Ref("a")));
  EXPECT_EQ(Value(pick + DerivedD(Apply("pick", Ref("x") + Ref("z"), " defaultValue=\"0.25\"")), {{"x", "5"}, {"z", "1"}}),
            0.25);
  // Invalid arguments treated as missing: max(x / z) with z = 0.
  const std::string as_missing = DerivedD(Apply("max", Apply("/", Ref("x") + Ref("z")),
                                                " defaultValue=\"7\" invalidValueTreatment=\"asMissing\""));
  EXPECT_EQ(Value(as_missing, {{"x", "1"}, {"z", "0"}}), 7.0);
  EXPECT_EQ(Value(as_missing, {{"x", "1"}, {"z", "4"}}), 0.25);
  // asIs changes nothing where nothing may be invalid.
  EXPECT_EQ(Value(DerivedD(Apply("min", Ref("x") + Ref("z"), " invalidValueTreatment=\"asIs\"")), {{"x", "1"}, {"z", "-2"}}),
            -2.0);
}

TEST(PmmlFunctions, DefaultValueRefusals) {
  ExpectError(Model(DerivedD(Apply("/", Ref("x") + Ref("z"), " defaultValue=\"0\""))), StatusCode::kUnimplemented,
              "<Apply> (line 10): defaultValue on a computation that may be invalid");
  ExpectError(Model(DerivedD(Apply("/", Ref("x") + Ref("z"), " defaultValue=\"0\" invalidValueTreatment=\"asMissing\""))),
              StatusCode::kUnimplemented, "<Apply> (line 10): defaultValue on a computation that may be invalid");
  // An argument that may be invalid stays invalid under returnInvalid.
  ExpectError(Model(DerivedD(Apply("max", Apply("ln", Ref("x")), " defaultValue=\"0\""))), StatusCode::kUnimplemented,
              "defaultValue on a computation that may be invalid");
  // ... also through a derived field.
  ExpectError(Model("<DerivedField name=\"q\" optype=\"continuous\" dataType=\"double\">" +
                    Apply("/", Ref("x") + Ref("z")) + "</DerivedField>" +
                    DerivedD(Apply("max", Ref("q") + Ref("x"), " defaultValue=\"0\""))),
              StatusCode::kUnimplemented, "defaultValue on a computation that may be invalid");
  // ... also through a parameter.
  const std::string pick = Define("pick", Param("a"), Apply("if", Apply("lessThan", Ref("a") + Num("0")) + Ref("a")));
  ExpectError(Model(pick + DerivedD(Apply("pick", Apply("sqrt", Ref("x")), " defaultValue=\"0\""))),
              StatusCode::kUnimplemented, "defaultValue on a computation that may be invalid");
  ExpectError(Model(DerivedD(Apply("-", Ref("x") + Ref("z"), " invalidValueTreatment=\"asIs\""))),
              StatusCode::kUnimplemented, "<Apply> (line 10): invalidValueTreatment asIs on a computation that may be invalid");
  ExpectError(Model(DerivedD(Apply("min", Ref("x"), " invalidValueTreatment=\"sometimes\""))),
              StatusCode::kInvalidArgument, "<Apply> (line 10): unknown invalidValueTreatment 'sometimes'");
  ExpectError(Model(DerivedD(Apply("min", Ref("x"), " defaultValue=\"abc\""))), StatusCode::kInvalidArgument,
              "<Apply> (line 10): defaultValue 'abc' is not a finite number");
}

}  // namespace
}  // namespace podium
