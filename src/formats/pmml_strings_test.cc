// PMML string functions (formats/pmml_strings.cc): evaluated at import over
// listed category levels, their results compared, counted and matched as
// PMML does; refusals of what cannot be listed or would mean different
// things in different regular-expression dialects.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "formats/pmml_test_util.h"

namespace podium {
namespace {

using pmml_testing::Doc;
using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::ScoreValue;

// Inputs s (" ab", "Cd ", "ef"), t ("x", "y"), o (an open category) and x
// (a number); the fields are on line 5, the TransformationDictionary opens on
// line 6 and each of `derived` is on a line of its own from line 7. The
// prediction is the derived field `d`.
Result<Pipeline> StringModel(const std::vector<std::string>& derived) {
  const std::string fields =
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"><Value value=\" ab\"/>"
      "<Value value=\"Cd \"/><Value value=\"ef\"/></DataField>"
      "<DataField name=\"t\" optype=\"categorical\" dataType=\"string\"><Value value=\"x\"/><Value value=\"y\"/>"
      "</DataField><DataField name=\"o\" optype=\"categorical\" dataType=\"string\"/>"
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>";
  std::string body = "<TransformationDictionary>\n";
  for (const std::string& field : derived) body += field + "\n";
  body +=
      "</TransformationDictionary>\n<RegressionModel functionName=\"regression\">"
      "<MiningSchema><MiningField name=\"s\"/><MiningField name=\"t\"/><MiningField name=\"o\"/>"
      "<MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>"
      "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" coefficient=\"1\"/></RegressionTable>"
      "</RegressionModel>\n";
  return Import(Doc(fields, body));
}

std::string Apply(const std::string& function, const std::string& args) {
  return "<Apply function=\"" + function + "\">" + args + "</Apply>";
}
std::string Ref(const std::string& field) { return "<FieldRef field=\"" + field + "\"/>"; }
std::string Text(const std::string& text) { return "<Constant dataType=\"string\">" + text + "</Constant>"; }
std::string Number(const std::string& text) { return "<Constant>" + text + "</Constant>"; }
std::string StringField(const std::string& name, const std::string& expression) {
  return "<DerivedField name=\"" + name + "\" optype=\"categorical\" dataType=\"string\">" + expression +
         "</DerivedField>";
}
std::string NumberField(const std::string& expression, const std::string& data_type = "double") {
  return "<DerivedField name=\"d\" optype=\"continuous\" dataType=\"" + data_type + "\">" + expression +
         "</DerivedField>";
}
// 1 when `condition` holds, else 0 (missing when it is missing).
std::string Indicator(const std::string& condition) { return Apply("if", condition + Number("1") + Number("0")); }

TEST(PmmlStrings, UppercaseOfTrimmedLevels) {
  // u: " ab" -> "AB", "Cd " -> "CD", "ef" -> "EF".
  Result<Pipeline> pipeline = StringModel(
      {StringField("u", Apply("uppercase", Apply("trimBlanks", Ref("s")))),
       NumberField(Apply("if", Apply("equal", Ref("u") + Text("AB")) + Number("1") +
                                   Apply("if", Apply("equal", Ref("u") + Text("CD")) + Number("2") + Number("3"))))});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", " ab"}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "Cd "}}), 2.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "ef"}}), 3.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {})));
}

// The result compared, tested for membership and for missing values in the
// same expression, without a DerivedField naming it.
TEST(PmmlStrings, ResultsAreComparedInPlace) {
  const std::string upper = Apply("uppercase", Apply("trimBlanks", Ref("s")));
  // d = [upper(s) = AB] + 10 * [upper(s) in (CD, ZZ)] + 100 * [upper(s) missing] + 1000 * [AB = upper(s)]
  Result<Pipeline> pipeline = StringModel({NumberField(Apply(
      "sum", Indicator(Apply("equal", upper + Text("AB"))) +
                 Apply("*", Number("10") + Indicator(Apply("isIn", upper + Text("CD") + Text("ZZ")))) +
                 Apply("*", Number("100") + Indicator(Apply("isMissing", upper))) +
                 Apply("*", Number("1000") + Indicator(Apply("notEqual", Text("AB") + upper)))))});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", " ab"}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "Cd "}}), 1010.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "ef"}}), 1000.0);
  EXPECT_EQ(ScoreValue(*pipeline, {}), 100.0);  // the comparisons are missing, which sum skips
  ExpectError(StringModel({NumberField(Indicator(Apply("equal", upper + Apply("lowercase", Ref("t")))))}),
              StatusCode::kUnimplemented, "comparing a category with anything but a constant");
}

TEST(PmmlStrings, MapValuesNormDiscreteAndIsMissingReadTheResult) {
  // u = uppercase(trimBlanks(s)); m maps AB -> 5 and EF -> 7, CD has no row (missing);
  // d = m + 100 * [u = CD] + 1000 * isMissing(u).
  const std::string u = StringField("u", Apply("uppercase", Apply("trimBlanks", Ref("s"))));
  const std::string m =
      "<DerivedField name=\"m\" optype=\"continuous\" dataType=\"double\"><MapValues outputColumn=\"out\" "
      "mapMissingTo=\"0\"><FieldColumnPair field=\"u\" column=\"in\"/><InlineTable><row><in>AB</in><out>5</out>"
      "</row><row><in>EF</in><out>7</out></row></InlineTable></MapValues></DerivedField>";
  Result<Pipeline> pipeline = StringModel(
      {u, m,
       NumberField(Apply("sum", Ref("m") + Apply("*", Number("100") + "<NormDiscrete field=\"u\" value=\"CD\" "
                                                                     "mapMissingTo=\"0\"/>") +
                                    Apply("*", Number("1000") + Indicator(Apply("isMissing", Ref("u"))))))});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", " ab"}}), 5.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "Cd "}}), 100.0);  // m missing: sum ignores it
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "ef"}}), 7.0);
  EXPECT_EQ(ScoreValue(*pipeline, {}), 1000.0);  // m = 0 (mapMissingTo), NormDiscrete 0
}

TEST(PmmlStrings, LowercaseAndSubstringAreOneBasedAndClipped) {
  // lowercase: "cd " ; substring(s, 2, 2): " ab" -> "ab", "Cd " -> "d ", "ef" -> "f".
  Result<Pipeline> pipeline =
      StringModel({StringField("l", Apply("lowercase", Ref("s"))),
                   StringField("p", Apply("substring", Ref("s") + Number("2") + Number("2"))),
                   NumberField(Apply("+", Indicator(Apply("isIn", Ref("p") + Text("ab") + Text("f"))) +
                                              Apply("*", Number("10") + Indicator(Apply("equal", Ref("l") + Text("cd ")))))) });
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", " ab"}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "Cd "}}), 10.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "ef"}}), 1.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {})));
}

TEST(PmmlStrings, ConcatOfTwoCategoriesIsMissingWhenEitherIs) {
  // c = t + "-" + lowercase(trimBlanks(s)): "x-cd" for t=x, s="Cd ".
  Result<Pipeline> pipeline = StringModel(
      {StringField("c", Apply("concat", Ref("t") + Text("-") + Apply("lowercase", Apply("trimBlanks", Ref("s"))))),
       NumberField(Indicator(Apply("equal", Ref("c") + Text("x-cd"))))});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"t", "x"}, {"s", "Cd "}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"t", "y"}, {"s", "Cd "}}), 0.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"t", "x"}, {"s", "ef"}}), 0.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"t", "x"}})));
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"t", "y"}})));  // false for y, but s is missing
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"s", "ef"}})));
}

TEST(PmmlStrings, StringLengthCountsCharacters) {
  Result<Pipeline> pipeline = StringModel({NumberField(Apply("stringLength", Ref("s")), "integer")});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", " ab"}}), 3.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "Cd "}}), 3.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "ef"}}), 2.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {})));
}

TEST(PmmlStrings, MatchesSearchesAndReplaceRewritesEveryMatch) {
  // matches(s, "[a-z]$"): " ab" and "ef" end in a small letter, "Cd " does not.
  Result<Pipeline> matches = StringModel({NumberField(Indicator(Apply("matches", Ref("s") + Text("[a-z]$"))))});
  ASSERT_TRUE(matches.ok()) << matches.status().ToString();
  EXPECT_EQ(ScoreValue(*matches, {{"s", " ab"}}), 1.0);
  EXPECT_EQ(ScoreValue(*matches, {{"s", "Cd "}}), 0.0);
  EXPECT_EQ(ScoreValue(*matches, {{"s", "ef"}}), 1.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*matches, {})));
  // No value matches: false, or missing with s.
  Result<Pipeline> never = StringModel({NumberField(Indicator(Apply("matches", Ref("s") + Text("z"))))});
  ASSERT_TRUE(never.ok()) << never.status().ToString();
  EXPECT_EQ(ScoreValue(*never, {{"s", "ef"}}), 0.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*never, {})));
  // replace(s, "([a-z])([a-z])", "$2$1"): " ab" -> " ba", "Cd " unchanged, "ef" -> "fe";
  // replace(s, "[a-z]", "*") replaces every match: " ab" -> " **".
  Result<Pipeline> swapped = StringModel(
      {StringField("r", Apply("replace", Ref("s") + Text("([a-z])([a-z])") + Text("$2$1"))),
       StringField("q", Apply("replace", Ref("s") + Text("[a-z]") + Text("*"))),
       NumberField(Apply("+", Indicator(Apply("isIn", Ref("r") + Text(" ba") + Text("fe"))) +
                                  Apply("*", Number("10") + Indicator(Apply("equal", Ref("q") + Text(" **"))))))});
  ASSERT_TRUE(swapped.ok()) << swapped.status().ToString();
  EXPECT_EQ(ScoreValue(*swapped, {{"s", " ab"}}), 11.0);
  EXPECT_EQ(ScoreValue(*swapped, {{"s", "Cd "}}), 0.0);
  EXPECT_EQ(ScoreValue(*swapped, {{"s", "ef"}}), 1.0);
}

TEST(PmmlStrings, TreePredicatesOverAFunctionResult) {
  const std::string fields =
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"><Value value=\" ab\"/>"
      "<Value value=\"Cd \"/><Value value=\"ef\"/></DataField>"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>";
  Result<Pipeline> tree = Import(Doc(
      fields, "<TransformationDictionary>" + StringField("u", Apply("uppercase", Apply("trimBlanks", Ref("s")))) +
                  "</TransformationDictionary>\n<TreeModel functionName=\"regression\" "
                  "missingValueStrategy=\"lastPrediction\" noTrueChildStrategy=\"returnLastPrediction\">"
                  "<MiningSchema><MiningField name=\"s\"/><MiningField name=\"y\" usageType=\"predicted\"/>"
                  "</MiningSchema><Node score=\"0\"><True/>"
                  "<Node score=\"1\"><SimplePredicate field=\"u\" operator=\"equal\" value=\"CD\"/></Node>"
                  "<Node score=\"2\"><SimpleSetPredicate field=\"u\" booleanOperator=\"isIn\">"
                  "<Array type=\"string\">AB \"not a value\"</Array></SimpleSetPredicate></Node>"
                  "</Node></TreeModel>\n"));
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_EQ(ScoreValue(*tree, {{"s", "Cd "}}), 1.0);
  EXPECT_EQ(ScoreValue(*tree, {{"s", " ab"}}), 2.0);
  EXPECT_EQ(ScoreValue(*tree, {{"s", "ef"}}), 0.0);
  EXPECT_EQ(ScoreValue(*tree, {}), 0.0);  // UNKNOWN: the last prediction
}

TEST(PmmlStrings, RefusesWhatCannotBeListed) {
  // The first derived field is on line 7.
  ExpectError(StringModel({StringField("u", Apply("uppercase", Ref("o")))}), StatusCode::kUnimplemented,
              "<Apply> (line 7): function 'uppercase': the argument <FieldRef> (line 7) is a category without "
              "listed values, so its results cannot be listed (the IR has no string columns to compute them in)");
  ExpectError(StringModel({StringField("u", Apply("trimBlanks", Ref("x")))}), StatusCode::kUnimplemented,
              "<Apply> (line 7): function 'trimBlanks': the argument <FieldRef> (line 7) is a number, not text");
  ExpectError(StringModel({StringField("u", Apply("concat", Ref("s") + Number("5")))}), StatusCode::kUnimplemented,
              "the argument <Constant> (line 7) is a constant that is not text (give it dataType=\"string\"");
  ExpectError(StringModel({StringField("u", Apply("formatNumber", Ref("x") + Text("%3d")))}),
              StatusCode::kUnimplemented, "<Apply> (line 7): function 'formatNumber' is not supported");
  ExpectError(StringModel({StringField("u", Apply("substring", Ref("s") + Number("0") + Number("2")))}),
              StatusCode::kInvalidArgument,
              "<Apply> (line 7): function 'substring': the start position <Constant> (line 7) must be a whole number "
              "of at least 1, not '0'");
  ExpectError(StringModel({StringField("u", Apply("substring", Ref("s") + Number("1")))}),
              StatusCode::kInvalidArgument, "<Apply> (line 7): function 'substring' takes 3 arguments, 2 given");
  ExpectError(StringModel({StringField("u", Apply("matches", Ref("s") + Ref("s")))}), StatusCode::kUnimplemented,
              "<Apply> (line 7): function 'matches': the pattern <FieldRef> (line 7) must be a Constant");
}

TEST(PmmlStrings, RefusesNonAsciiCaseMappingAndAmbiguousBlanks) {
  const std::string fields =
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"><Value value=\"\xC3\xA9t\xC3\xA9\"/>"
      "<Value value=\"&#9;a \"/></DataField><DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>";
  auto doc = [&](const std::string& expression) {
    return Import(Doc(fields, "<TransformationDictionary>\n" + StringField("u", expression) +
                                  "\n</TransformationDictionary>\n<RegressionModel functionName=\"regression\">"
                                  "<MiningSchema><MiningField name=\"s\"/><MiningField name=\"y\" usageType=\"predicted\"/>"
                                  "</MiningSchema><RegressionTable intercept=\"0\"/></RegressionModel>\n"));
  };
  ExpectError(doc(Apply("uppercase", Ref("s"))), StatusCode::kUnimplemented,
              "<Apply> (line 7): function 'uppercase' of the non-ASCII value '\xC3\xA9t\xC3\xA9' (only ASCII letters "
              "are mapped)");
  ExpectError(doc(Apply("trimBlanks", Ref("s"))), StatusCode::kUnimplemented,
              "function 'trimBlanks' of '\\ta ', which begins or ends with a tab or another control character");
  ExpectError(doc(Apply("matches", Ref("s") + Text("a"))), StatusCode::kUnimplemented,
              "regular expressions are applied only to printable ASCII text");
  // Characters, not bytes: "été" has 3; substring(2, 1) is "t".
  Result<Pipeline> ok = doc(Apply("substring", Ref("s") + Number("2") + Number("1")));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  const std::string emoji_fields =
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\xF0\x9F\x99\x82\"/>"
      "</DataField><DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>";
  ExpectError(Import(Doc(emoji_fields, "<TransformationDictionary>\n" +
                                           StringField("u", Apply("substring", Ref("s") + Number("1") + Number("1"))) +
                                           "\n</TransformationDictionary>\n<RegressionModel functionName=\"regression\">"
                                           "<MiningSchema><MiningField name=\"s\"/><MiningField name=\"y\" "
                                           "usageType=\"predicted\"/></MiningSchema><RegressionTable intercept=\"0\"/>"
                                           "</RegressionModel>\n")),
              StatusCode::kUnimplemented, "which has a character beyond U+FFFF (counted as one or two)");
}

TEST(PmmlStrings, RefusesRegularExpressionsWhoseMeaningDiffers) {
  auto matches = [](const std::string& pattern) {
    return StringModel({NumberField(Indicator(Apply("matches", Ref("s") + Text(pattern))))});
  };
  ExpectError(matches("(?&lt;=a)b"), StatusCode::kUnimplemented,
              "<Apply> (line 7): regular expression '(?<=a)b': '(?' other than the group (?:...) (lookaround, inline "
              "flags, named and atomic groups)");
  ExpectError(matches("(?i)ab"), StatusCode::kUnimplemented, "'(?' other than the group (?:...)");
  ExpectError(matches("a++"), StatusCode::kUnimplemented, "possessive quantifiers");
  ExpectError(matches("\\p{L}"), StatusCode::kUnimplemented, "the escape \\p (back-references, \\p{...}");
  ExpectError(matches("(a)\\1"), StatusCode::kUnimplemented, "the escape \\1");
  ExpectError(matches("[[:alpha:]]"), StatusCode::kUnimplemented, "'[' inside a class");
  ExpectError(matches("(a*)+"), StatusCode::kUnimplemented, "a repeated group that may match an empty string");
  ExpectError(matches("(a"), StatusCode::kInvalidArgument, "regular expression '(a' is not valid: an unbalanced '('");
  ExpectError(matches("*a"), StatusCode::kInvalidArgument, "is not valid: a quantifier with nothing to repeat");
  ExpectError(matches("a{2,1}"), StatusCode::kInvalidArgument,
              "<Apply> (line 7): regular expression 'a{2,1}' is not valid");
  ExpectError(matches(std::string(300, 'a')), StatusCode::kUnimplemented, "longer than 256 bytes");
  ExpectError(matches("a{101}"), StatusCode::kUnimplemented, "a repeat count above 100");
  ExpectError(matches("(?:a{2}b){3}"), StatusCode::kUnimplemented,
              "a repeated group that holds a quantifier or '|' (backtracking could take exponential time)");
  ExpectError(matches("(?:a|ab)*c"), StatusCode::kUnimplemented, "a repeated group that holds a quantifier or '|'");
  ExpectError(matches("a{,2}"), StatusCode::kUnimplemented, "'{' that does not start a quantifier");
  // 13 quantifiers over values of up to 3 characters: 3 * 4^14 > 1e8 steps.
  std::string many;
  for (int i = 0; i < 13; ++i) many += "a*";
  ExpectError(matches(many + "x"), StatusCode::kResourceExhausted,
              "<Apply> (line 7): regular expression '" + many + "x' with 13 quantifiers could take more than "
              "100000000 steps over the values it is applied to");
  EXPECT_TRUE(matches(many.substr(0, 16) + "x").ok());  // 8 quantifiers: 3 * 4^9 steps
  auto replace = [](const std::string& pattern, const std::string& replacement) {
    return StringModel({StringField("r", Apply("replace", Ref("s") + Text(pattern) + Text(replacement))),
                        NumberField(Indicator(Apply("equal", Ref("r") + Text(" -"))))});
  };
  ExpectError(replace("b*", "-"), StatusCode::kUnimplemented,
              "regular expression 'b*' matches an empty string in ' ab' (dialects continue differently after it)");
  ExpectError(replace("(a)", "\\1"), StatusCode::kUnimplemented, "replacement '\\\\1': a backslash");
  ExpectError(replace("(a)", "$2"), StatusCode::kUnimplemented, "$2 names a group the pattern does not have");
  ExpectError(replace("(a)", "$&amp;"), StatusCode::kUnimplemented, "'$' other than a group reference");
  ExpectError(replace("(?:(a)b)+", "$1"), StatusCode::kUnimplemented,
              "a capturing group inside a repeated group");
  // The same repeated group without a reference to it is accepted: " ab" -> " -".
  Result<Pipeline> repeated = replace("(?:(a)b)+", "-");
  ASSERT_TRUE(repeated.ok()) << repeated.status().ToString();
  EXPECT_EQ(ScoreValue(*repeated, {{"s", " ab"}}), 1.0);
  EXPECT_EQ(ScoreValue(*repeated, {{"s", "ef"}}), 0.0);
}

TEST(PmmlStrings, CombinationsAreBounded) {
  // concat of three fields with 25 levels each: 15,625 combinations.
  std::string levels;
  for (int i = 0; i < 25; ++i) levels += "<Value value=\"v" + std::to_string(i) + "\"/>";
  std::string fields;
  for (const char* name : {"a", "b", "c"}) {
    fields += "<DataField name=\"" + std::string(name) + "\" optype=\"categorical\" dataType=\"string\">" + levels +
              "</DataField>";
  }
  fields += "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>";
  auto doc = [&](const std::string& args) {
    return Import(Doc(fields, "<TransformationDictionary>\n" + StringField("u", Apply("concat", args)) +
                                  "\n</TransformationDictionary>\n<RegressionModel functionName=\"regression\">"
                                  "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"b\"/>"
                                  "<MiningField name=\"c\"/><MiningField name=\"y\" usageType=\"predicted\"/>"
                                  "</MiningSchema><RegressionTable intercept=\"0\"/></RegressionModel>\n"));
  };
  ExpectError(doc(Ref("a") + Ref("b") + Ref("c")), StatusCode::kResourceExhausted,
              "<Apply> (line 7): more than 10000 combinations of argument values");
  Result<Pipeline> two = doc(Ref("a") + Ref("b"));  // 625 combinations
  EXPECT_TRUE(two.ok()) << two.status().ToString();
}

}  // namespace
}  // namespace podium
