#include "formats/pmml.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "pipeline/input.h"
#include "pipeline/pipeline_json.h"
#include "pipeline/prediction.h"
#include "pipeline/validate.h"
#include "formats/pmml_test_util.h"
#include "reference/reference.h"

namespace podium {
namespace {

const double kNan = std::nan("");

using pmml_testing::Doc;
using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::Score;
using pmml_testing::ScoreValue;

// ---------------------------------------------------------------------------
// Safety
// ---------------------------------------------------------------------------

TEST(PmmlSafety, RefusesDoctypeWithExternalEntity) {
  const std::string xxe =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE PMML [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>\n"
      "<PMML version=\"4.4\"><DataDictionary/><Header description=\"&secret;\"/></PMML>\n";
  ExpectError(Import(xxe), StatusCode::kInvalidArgument, "<!DOCTYPE> (line 2): document type declarations are refused");
}

TEST(PmmlSafety, RefusesBillionLaughsQuickly) {
  std::string bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int i = 1; i < 10; ++i) {
    bomb += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) bomb += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    bomb += "\">\n";
  }
  bomb += "]>\n<PMML version=\"4.4\"><Header description=\"&lol9;\"/></PMML>\n";
  const auto start = std::chrono::steady_clock::now();
  ExpectError(Import(bomb), StatusCode::kInvalidArgument, "<!DOCTYPE> (line 2)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(PmmlSafety, RefusesDeepNestingIteratively) {
  std::string deep = "<PMML version=\"4.4\">";
  constexpr int kLevels = 200'000;
  for (int i = 0; i < kLevels; ++i) deep += "<a>";
  for (int i = 0; i < kLevels; ++i) deep += "</a>";
  deep += "</PMML>";
  ExpectError(Import(deep), StatusCode::kResourceExhausted, "elements nest deeper than 512 levels");
}

TEST(PmmlSafety, RefusesOversizedInput) {
  PmmlImportOptions options;
  options.max_bytes = 100;
  ExpectError(Import(std::string(101, ' '), options), StatusCode::kResourceExhausted, "more than the limit of 100");
}

TEST(PmmlSafety, ReportsMalformedXmlWithLine) {
  ExpectError(Import("<PMML version=\"4.4\">\n<DataDictionary>\n</PMML>"), StatusCode::kInvalidArgument,
              "line 3: not well-formed XML");
}

TEST(PmmlSafety, RefusesOtherRoots) {
  ExpectError(Import("<?xml version=\"1.0\"?>\n<pipeline/>"), StatusCode::kInvalidArgument,
              "<pipeline> (line 2): the root element is not PMML");
  EXPECT_TRUE(LooksLikePmml("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n<pmml:PMML xmlns:pmml=\"x\">"));
  EXPECT_TRUE(LooksLikePmml("<?xml version=\"1.0\"?>\n<!DOCTYPE PMML [<!ENTITY a \"b\">]>\n<PMML/>"));
  EXPECT_FALSE(LooksLikePmml("{\"learner\": {}}"));
  EXPECT_FALSE(LooksLikePmml("<PMMLX/>"));
}

TEST(PmmlSafety, RefusesVersionsOutsideRange) {
  ExpectError(Import(Doc("", "", "2.1")), StatusCode::kUnimplemented, "PMML version 2.1 (supported: 3.0 to 4.4)");
  ExpectError(Import(Doc("", "", "5.0")), StatusCode::kUnimplemented, "PMML version 5.0");
  ExpectError(Import(Doc("", "", "four")), StatusCode::kInvalidArgument, "<PMML> (line 2): version 'four'");
}

TEST(PmmlSafety, TreeNodeBudget) {
  const std::string xml = Doc(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n",
      "<TreeModel functionName=\"regression\" noTrueChildStrategy=\"returnLastPrediction\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n"
      "<Node score=\"0\"><True/>\n"
      "<Node score=\"1\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"1\"/></Node>\n"
      "</Node></TreeModel>\n");
  PmmlImportOptions options;
  options.max_nodes = 2;
  ExpectError(Import(xml, options), StatusCode::kResourceExhausted, "more nodes than the limit");
  EXPECT_TRUE(Import(xml).ok()) << Import(xml).status().ToString();
}

// ---------------------------------------------------------------------------
// RegressionModel
// ---------------------------------------------------------------------------

// The PMML specification's own RegressionModel example (number of claims).
const char kClaimsFields[] =
    "<DataField name=\"age\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"salary\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"car_location\" optype=\"categorical\" dataType=\"string\">\n"
    "<Value value=\"carpark\"/><Value value=\"street\"/></DataField>\n"
    "<DataField name=\"number_of_claims\" optype=\"continuous\" dataType=\"integer\"/>\n";

const char kClaimsModel[] =
    "<RegressionModel modelName=\"Sample for linear regression\" functionName=\"regression\" "
    "algorithmName=\"linearRegression\" targetFieldName=\"number_of_claims\">\n"
    "<MiningSchema><MiningField name=\"age\"/><MiningField name=\"salary\"/>"
    "<MiningField name=\"car_location\"/>"
    "<MiningField name=\"number_of_claims\" usageType=\"predicted\"/></MiningSchema>\n"
    "<RegressionTable intercept=\"132.37\">\n"
    "<NumericPredictor name=\"age\" exponent=\"1\" coefficient=\"7.1\"/>\n"
    "<NumericPredictor name=\"salary\" exponent=\"1\" coefficient=\"0.01\"/>\n"
    "<CategoricalPredictor name=\"car_location\" value=\"carpark\" coefficient=\"41.1\"/>\n"
    "<CategoricalPredictor name=\"car_location\" value=\"street\" coefficient=\"325.03\"/>\n"
    "</RegressionTable></RegressionModel>\n";

TEST(PmmlRegression, SpecificationExample) {
  Result<Pipeline> pipeline = Import(Doc(kClaimsFields, kClaimsModel));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->source, "pmml 4.4 RegressionModel (unit 1)");
  ASSERT_EQ(pipeline->inputs.size(), 3u);
  EXPECT_EQ(pipeline->inputs[2].type, FieldType::kCategory);
  EXPECT_EQ(pipeline->inputs[2].levels, (std::vector<std::string>{"carpark", "street"}));
  // 132.37 + 7.1 * 30 + 0.01 * 20000 + 325.03 = 870.4
  EXPECT_NEAR(ScoreValue(*pipeline, {{"age", "30"}, {"salary", "20000"}, {"car_location", "street"}}), 870.4, 1e-9);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"age", "30"}, {"salary", "20000"}, {"car_location", "carpark"}}), 586.47, 1e-9);
  // A missing input gives no prediction.
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"age", "30"}, {"car_location", "street"}})));
  // An unknown level is invalid (returnInvalid is the default).
  EXPECT_FALSE(Score(*pipeline, {{"age", "1"}, {"salary", "1"}, {"car_location", "garage"}}).ok());
  // The same document read as PMML 3.2 (usageType predicted) imports alike.
  EXPECT_TRUE(Import(Doc(kClaimsFields, kClaimsModel, "3.2")).ok());
}

TEST(PmmlRegression, ExponentsTermsAndTargets) {
  const std::string xml = Doc(
      "<DataField name=\"a\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"b\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n",
      "<RegressionModel functionName=\"regression\">\n"
      "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"b\" missingValueReplacement=\"2\"/>"
      "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n"
      "<Targets><Target field=\"y\" rescaleFactor=\"2\" rescaleConstant=\"1\"/></Targets>\n"
      "<RegressionTable intercept=\"0.5\">\n"
      "<NumericPredictor name=\"a\" exponent=\"2\" coefficient=\"3\"/>\n"
      "<PredictorTerm coefficient=\"-1\"><FieldRef field=\"a\"/><FieldRef field=\"b\"/></PredictorTerm>\n"
      "</RegressionTable></RegressionModel>\n");
  Result<Pipeline> pipeline = Import(xml);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  // (0.5 + 3 * 1.5^2 - 1.5 * 4) * 2 + 1 = (0.5 + 6.75 - 6) * 2 + 1 = 3.5
  EXPECT_NEAR(ScoreValue(*pipeline, {{"a", "1.5"}, {"b", "4"}}), 3.5, 1e-12);
  // b missing -> 2: (0.5 + 6.75 - 3) * 2 + 1 = 9.5
  EXPECT_NEAR(ScoreValue(*pipeline, {{"a", "1.5"}}), 9.5, 1e-12);
}

TEST(PmmlRegression, SoftmaxClassifier) {
  const std::string xml = Doc(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\">"
      "<Value value=\"a\"/><Value value=\"b\"/><Value value=\"c\"/></DataField>\n",
      "<RegressionModel functionName=\"classification\" normalizationMethod=\"softmax\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"c\" usageType=\"predicted\"/></MiningSchema>\n"
      "<Output><OutputField name=\"p_a\" feature=\"probability\" value=\"a\"/>"
      "<OutputField name=\"label\" feature=\"predictedValue\"/></Output>\n"
      "<RegressionTable intercept=\"1\" targetCategory=\"a\"><NumericPredictor name=\"x\" coefficient=\"1\"/></RegressionTable>\n"
      "<RegressionTable intercept=\"0\" targetCategory=\"b\"><NumericPredictor name=\"x\" coefficient=\"-1\"/></RegressionTable>\n"
      "<RegressionTable intercept=\"0\" targetCategory=\"c\"/>\n"
      "</RegressionModel>\n");
  Result<Pipeline> pipeline = Import(xml);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"a", "b", "c"}));
  // Outputs keep the document's names; an unnamed class gets Podium's.
  EXPECT_EQ(ValueColumnNames(*pipeline), (std::vector<std::string>{"p_a", "probability_b", "probability_c"}));
  EXPECT_EQ(LabelColumnName(*pipeline), "label");
  // x = 0: scores 1, 0, 0 -> e / (e + 2)
  const double e = std::exp(1.0);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "0"}}, 0), e / (e + 2), 1e-12);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "0"}}, 1), 1 / (e + 2), 1e-12);
}

TEST(PmmlRegression, BinaryLogitOrdersClasses) {
  const std::string xml = Doc(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"y\" optype=\"categorical\" dataType=\"string\"/>\n",
      "<RegressionModel functionName=\"classification\" normalizationMethod=\"logit\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
      "<RegressionTable intercept=\"0.5\" targetCategory=\"yes\"><NumericPredictor name=\"x\" coefficient=\"2\"/></RegressionTable>\n"
      "<RegressionTable intercept=\"0\" targetCategory=\"no\"/>\n"
      "</RegressionModel>\n");
  Result<Pipeline> pipeline = Import(xml);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"no", "yes"}));
  // p(yes) = 1 / (1 + exp(-(0.5 + 2 * 0.25))) = 1 / (1 + e^-1)
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "0.25"}}, 1), 1 / (1 + std::exp(-1.0)), 1e-12);
}

TEST(PmmlRegression, RefusesWhatTheIrCannotExpress) {
  const std::string fields =
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"y\" optype=\"categorical\" dataType=\"string\"/>\n";
  const std::string schema =
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n";
  const std::string tables =
      "<RegressionTable intercept=\"0\" targetCategory=\"a\"/><RegressionTable intercept=\"0\" targetCategory=\"b\"/>\n";
  ExpectError(Import(Doc(fields, "<RegressionModel functionName=\"classification\" normalizationMethod=\"simplemax\">\n" +
                                     schema + tables + "</RegressionModel>\n")),
              StatusCode::kUnimplemented, "<RegressionModel> (line 8): normalizationMethod 'simplemax' for a classifier");
  ExpectError(Import(Doc(fields, "<RegressionModel functionName=\"classification\" normalizationMethod=\"logit\">\n" +
                                     schema + tables +
                                     "<RegressionTable intercept=\"0\" targetCategory=\"c\"/></RegressionModel>\n")),
              StatusCode::kUnimplemented, "with more than two classes");
}

// ---------------------------------------------------------------------------
// Data dictionary and mining schema
// ---------------------------------------------------------------------------

std::string OneInputRegression(const std::string& data_field, const std::string& mining_field,
                               const std::string& version = "4.4") {
  return Doc(data_field + "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n",
             "<RegressionModel functionName=\"regression\">\n"
             "<MiningSchema>" + mining_field + "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
             "<RegressionTable intercept=\"0\"><NumericPredictor name=\"x\" coefficient=\"1\"/></RegressionTable>\n"
             "</RegressionModel>\n",
             version);
}

TEST(PmmlSchema, IntervalsAndPolicies) {
  Result<Pipeline> closed = Import(OneInputRegression(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\">"
      "<Interval closure=\"openClosed\" leftMargin=\"0\" rightMargin=\"10\"/></DataField>\n",
      "<MiningField name=\"x\" invalidValueTreatment=\"asMissing\" missingValueReplacement=\"5\"/>"));
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  const InputField& x = closed->inputs[0];
  EXPECT_EQ(*x.min, std::nextafter(0.0, 1.0));
  EXPECT_EQ(*x.max, 10.0);
  EXPECT_EQ(x.on_missing.kind, ValuePolicyKind::kReplace);
  EXPECT_EQ(x.on_invalid.kind, ValuePolicyKind::kReplace);  // asMissing, then replaced
  EXPECT_EQ(ScoreValue(*closed, {{"x", "0"}}), 5.0);         // open at 0: invalid -> missing -> 5
  EXPECT_EQ(ScoreValue(*closed, {{"x", "10"}}), 10.0);
  EXPECT_EQ(ScoreValue(*closed, {}), 5.0);

  Result<Pipeline> as_is = Import(OneInputRegression(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"integer\">"
      "<Interval closure=\"closedClosed\" leftMargin=\"0\" rightMargin=\"10\"/></DataField>\n",
      "<MiningField name=\"x\" invalidValueTreatment=\"asIs\"/>"));
  ASSERT_TRUE(as_is.ok()) << as_is.status().ToString();
  EXPECT_EQ(as_is->inputs[0].type, FieldType::kInteger);
  EXPECT_FALSE(as_is->inputs[0].max.has_value());
  EXPECT_EQ(ScoreValue(*as_is, {{"x", "50"}}), 50.0);

  Result<Pipeline> required = Import(OneInputRegression(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n",
      "<MiningField name=\"x\" missingValueTreatment=\"returnInvalid\"/>"));
  ASSERT_TRUE(required.ok()) << required.status().ToString();
  EXPECT_EQ(required->inputs[0].on_missing.kind, ValuePolicyKind::kError);
}

// Outliers (below lowValue, above highValue) are missing values, replaced
// like them, or set to the bound; the replacement itself is never an
// outlier.
TEST(PmmlSchema, OutlierTreatments) {
  const std::string x = "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n";
  Result<Pipeline> extreme = Import(OneInputRegression(
      x, "<MiningField name=\"x\" outliers=\"asExtremeValues\" lowValue=\"-1\" highValue=\"10\" "
         "missingValueReplacement=\"50\"/>"));
  ASSERT_TRUE(extreme.ok()) << extreme.status().ToString();
  EXPECT_EQ(pmml_testing::ScoreValue(*extreme, {{"x", "-7"}}), -1.0);
  EXPECT_EQ(pmml_testing::ScoreValue(*extreme, {{"x", "3.5"}}), 3.5);
  EXPECT_EQ(pmml_testing::ScoreValue(*extreme, {{"x", "10"}}), 10.0);
  EXPECT_EQ(pmml_testing::ScoreValue(*extreme, {{"x", "12"}}), 10.0);
  EXPECT_EQ(pmml_testing::ScoreValue(*extreme, {}), 50.0);  // replaced, not clamped
  Result<Pipeline> as_missing = Import(OneInputRegression(
      x, "<MiningField name=\"x\" outliers=\"asMissingValues\" lowValue=\"0\" missingValueReplacement=\"4\"/>"));
  ASSERT_TRUE(as_missing.ok()) << as_missing.status().ToString();
  EXPECT_EQ(pmml_testing::ScoreValue(*as_missing, {{"x", "-0.5"}}), 4.0);
  EXPECT_EQ(pmml_testing::ScoreValue(*as_missing, {{"x", "1e300"}}), 1e300);  // no highValue
  EXPECT_EQ(pmml_testing::ScoreValue(*as_missing, {}), 4.0);
  Result<Pipeline> no_replacement = Import(OneInputRegression(
      x, "<MiningField name=\"x\" outliers=\"asMissingValues\" highValue=\"2\"/>"));
  ASSERT_TRUE(no_replacement.ok()) << no_replacement.status().ToString();
  EXPECT_TRUE(std::isnan(pmml_testing::ScoreValue(*no_replacement, {{"x", "2.5"}})));
  EXPECT_EQ(pmml_testing::ScoreValue(*no_replacement, {{"x", "2"}}), 2.0);
  ExpectError(Import(OneInputRegression(x, "<MiningField name=\"x\" outliers=\"asExtremeValues\" lowValue=\"3\" "
                                           "highValue=\"1\"/>")),
              StatusCode::kInvalidArgument, "<MiningField> (line 9): lowValue is above highValue");
  ExpectError(Import(OneInputRegression(x, "<MiningField name=\"x\" outliers=\"clip\" lowValue=\"3\"/>")),
              StatusCode::kInvalidArgument, "<MiningField> (line 9): unknown outlier treatment 'clip'");
}

// A float field is rounded to single precision before the model sees it.
TEST(PmmlSchema, FloatFieldsAreRoundedToSinglePrecision) {
  Result<Pipeline> pipeline = Import(OneInputRegression(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"float\"/>\n", "<MiningField name=\"x\"/>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pmml_testing::ScoreValue(*pipeline, {{"x", "0.1"}}), static_cast<double>(0.1f));
  EXPECT_EQ(pmml_testing::ScoreValue(*pipeline, {{"x", "16777217"}}), 16777216.0);
  // So is a float DerivedField's value.
  Result<Pipeline> derived = Import(
      Doc("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
          "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n",
          "<TransformationDictionary><DerivedField name=\"third\" optype=\"continuous\" dataType=\"float\">"
          "<Apply function=\"/\"><FieldRef field=\"x\"/><Constant>3</Constant></Apply></DerivedField>"
          "</TransformationDictionary>\n"
          "<RegressionModel functionName=\"regression\">\n"
          "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
          "<RegressionTable intercept=\"0\"><NumericPredictor name=\"third\" coefficient=\"1\"/></RegressionTable>\n"
          "</RegressionModel>\n"));
  ASSERT_TRUE(derived.ok()) << derived.status().ToString();
  EXPECT_EQ(pmml_testing::ScoreValue(*derived, {{"x", "1"}}), static_cast<double>(1.0f / 3.0f));
  // Even when it only names another field.
  Result<Pipeline> alias = Import(
      Doc("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
          "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n",
          "<TransformationDictionary><DerivedField name=\"single\" optype=\"continuous\" dataType=\"float\">"
          "<FieldRef field=\"x\"/></DerivedField></TransformationDictionary>\n"
          "<RegressionModel functionName=\"regression\">\n"
          "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
          "<RegressionTable intercept=\"0\"><NumericPredictor name=\"single\" coefficient=\"1\"/></RegressionTable>\n"
          "</RegressionModel>\n"));
  ASSERT_TRUE(alias.ok()) << alias.status().ToString();
  EXPECT_EQ(pmml_testing::ScoreValue(*alias, {{"x", "16777217"}}), 16777216.0);
}

TEST(PmmlSchema, ErrorsNameElementAndLine) {
  ExpectError(Import(OneInputRegression("<DataField name=\"x\" optype=\"continuous\" dataType=\"float\">"
                                        "<Interval closure=\"closedClosed\" leftMargin=\"0\"/></DataField>\n",
                                        "<MiningField name=\"x\"/>")),
              StatusCode::kUnimplemented, "<Interval> (line 5): an Interval on a field of dataType float");
  ExpectError(Import(OneInputRegression("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\">"
                                        "<Interval closure=\"closedClosed\" leftMargin=\"0\"/>"
                                        "<Interval closure=\"closedClosed\" leftMargin=\"5\"/></DataField>\n",
                                        "<MiningField name=\"x\"/>")),
              StatusCode::kUnimplemented, "<Interval> (line 5): more than one Interval");
  ExpectError(Import(OneInputRegression("<DataField name=\"x\" optype=\"categorical\" dataType=\"string\">"
                                        "<Value value=\"NA\" property=\"missing\"/></DataField>\n",
                                        "<MiningField name=\"x\"/>")),
              StatusCode::kUnimplemented, "<Value> (line 5): a Value that stands for missing");
  ExpectError(Import(OneInputRegression("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\">"
                                        "<Value value=\"-999\" property=\"invalid\"/></DataField>\n",
                                        "<MiningField name=\"x\"/>")),
              StatusCode::kUnimplemented, "<Value> (line 5): a Value marked invalid for a field without a list");
  ExpectError(Import(OneInputRegression("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n",
                                        "<MiningField name=\"x\"/><MiningField name=\"z\"/>")),
              StatusCode::kInvalidArgument, "<MiningField> (line 9): field 'z' is not in the DataDictionary");
  ExpectError(Import(OneInputRegression("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n",
                                        "<MiningField name=\"x\" outliers=\"asMissingValues\"/>")),
              StatusCode::kInvalidArgument,
              "<MiningField> (line 9): outlier treatment 'asMissingValues' needs lowValue or highValue");
  // A 4.3 attribute value in a 4.2 document.
  const std::string old = Doc("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n",
                              "<RegressionModel functionName=\"regression\">\n"
                              "<MiningSchema><MiningField name=\"x\" usageType=\"target\"/></MiningSchema>\n"
                              "<RegressionTable intercept=\"0\"/></RegressionModel>\n",
                              "4.2");
  ExpectError(Import(old), StatusCode::kInvalidArgument,
              "<MiningField> (line 8): usageType target is PMML 4.3 or later, but the document is version 4.2");
  ExpectError(Import(OneInputRegression("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n",
                                        "<MiningField name=\"x\" invalidValueTreatment=\"asValue\" "
                                        "invalidValueReplacement=\"1\"/>",
                                        "4.3")),
              StatusCode::kInvalidArgument, "invalidValueTreatment asValue is PMML 4.4 or later");
}

TEST(PmmlSchema, TargetsAndOutputs) {
  const std::string fields =
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";
  auto model = [](const std::string& extra) {
    return "<RegressionModel functionName=\"regression\">\n"
           "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n" +
           extra + "<RegressionTable intercept=\"0\"/></RegressionModel>\n";
  };
  ExpectError(Import(Doc(fields, model("<Targets><Target field=\"y\" castInteger=\"trunc\"/></Targets>\n"))),
              StatusCode::kInvalidArgument, "<Target> (line 10): castInteger 'trunc' (expected round, ceiling or floor)");
  ExpectError(Import(Doc(fields, model("<Targets><Target field=\"y\" min=\"5\" max=\"1\"/></Targets>\n"))),
              StatusCode::kInvalidArgument, "<Target> (line 10): min 5 is above max 1");
  ExpectError(Import(Doc(fields, model("<Targets><Target field=\"y\" min=\"1\" rescaleFactor=\"2\"/></Targets>\n"))),
              StatusCode::kUnimplemented, "<Target> (line 10): min/max together with rescaleFactor or rescaleConstant");
  ExpectError(Import(Doc(fields, model("<Output><OutputField name=\"d\" feature=\"decision\"/></Output>\n"))),
              StatusCode::kInvalidArgument, "<OutputField> (line 10): a decision OutputField needs one expression");
  ExpectError(Import(Doc(fields, model("<Output><OutputField name=\"r\" feature=\"residual\"/></Output>\n"))),
              StatusCode::kUnimplemented, "<OutputField> (line 10): output feature 'residual'");
  Result<Pipeline> named = Import(Doc(fields, model("<Output><OutputField name=\"y_hat\" feature=\"predictedValue\"/></Output>\n")));
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(ValueColumnNames(*named), (std::vector<std::string>{"y_hat"}));
  // Without an Output, the value is called after the target field.
  Result<Pipeline> plain = Import(Doc(fields, model("")));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ValueColumnNames(*plain), (std::vector<std::string>{"y"}));
  EXPECT_TRUE(plain->post.prediction_expression.empty());
  EXPECT_TRUE(plain->post.outputs.empty());
}

TEST(PmmlSchema, TargetClampingAndRoundingBecomeThePredictionExpression) {
  EXPECT_EQ(TargetPredictionExpression(std::nullopt, std::nullopt, ""), "");
  EXPECT_EQ(TargetPredictionExpression(-1.5, std::nullopt, ""), "max(score, (-1.5))");
  EXPECT_EQ(TargetPredictionExpression(std::nullopt, 10, "floor"), "floor(min(score, 10))");
  EXPECT_EQ(TargetPredictionExpression(0, 10, "ceiling"), "ceil(min(max(score, 0), 10))");
  EXPECT_EQ(TargetPredictionExpression(std::nullopt, std::nullopt, "round"),
            "(floor(score) + (if score - floor(score) >= 0.5 then 1 else 0))");
  const std::string fields =
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";
  const std::string model =
      "<RegressionModel functionName=\"regression\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
      "<Targets><Target field=\"y\" min=\"0\" max=\"10\" castInteger=\"floor\" rescaleConstant=\"1\"/></Targets>\n"
      "<RegressionTable intercept=\"0\"><NumericPredictor name=\"x\" coefficient=\"1\"/></RegressionTable>\n"
      "</RegressionModel>\n";
  // min/max and rescaling together are refused (rescaling is folded into the
  // model, and PMML clamps before it); castInteger alone goes with rescaling.
  ExpectError(Import(Doc(fields, model)), StatusCode::kUnimplemented, "min/max together with rescaleFactor");
  std::string cast_only = model;
  cast_only.replace(cast_only.find(" min=\"0\" max=\"10\""), std::string(" min=\"0\" max=\"10\"").size(), "");
  Result<Pipeline> pipeline = Import(Doc(fields, cast_only));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->post.prediction_expression, "floor(score)");
  // x = 2.5: rescaled 3.5, floored 3.
  Result<Prediction> scored = reference::ScoreRow(*pipeline, {RawValue::Number(2.5)});
  ASSERT_TRUE(scored.ok()) << scored.status().ToString();
  EXPECT_EQ(scored->values, std::vector<double>{3.0});
}

TEST(PmmlSchema, TransformedValueOutputFieldsBecomeDerivedOutputs) {
  const std::string fields =
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";
  auto model = [](const std::string& output) {
    return "<RegressionModel functionName=\"regression\">\n"
           "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
           "<Output>\n" +
           output +
           "</Output>\n"
           "<RegressionTable intercept=\"1\"><NumericPredictor name=\"x\" coefficient=\"2\"/></RegressionTable>\n"
           "</RegressionModel>\n";
  };
  const std::string outputs =
      "<OutputField name=\"y_hat\" feature=\"predictedValue\" dataType=\"double\"/>\n"
      "<OutputField name=\"twice\" feature=\"transformedValue\" dataType=\"double\">"
      "<Apply function=\"*\"><FieldRef field=\"y_hat\"/><Constant>2</Constant></Apply></OutputField>\n"
      "<OutputField name=\"big\" feature=\"transformedValue\" dataType=\"boolean\">"
      "<Apply function=\"greaterThan\"><FieldRef field=\"twice\"/><FieldRef field=\"y\"/></Apply></OutputField>\n";
  Result<Pipeline> pipeline = Import(Doc(fields, model(outputs)));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ASSERT_EQ(pipeline->post.outputs.size(), 2u);
  EXPECT_EQ(pipeline->post.outputs[0].name, "twice");
  EXPECT_EQ(pipeline->post.outputs[1].name, "big");
  // x = 3: y_hat = 7, twice = 14, big: 14 > y (the target's name is the
  // predicted value, 7).
  Result<Prediction> scored = reference::ScoreRow(*pipeline, {RawValue::Number(3)});
  ASSERT_TRUE(scored.ok()) << scored.status().ToString();
  EXPECT_EQ(scored->derived, (std::vector<double>{14.0, 1.0}));

  const std::string later =
      "<OutputField name=\"a\" feature=\"transformedValue\" dataType=\"double\"><FieldRef field=\"b\"/></OutputField>\n"
      "<OutputField name=\"b\" feature=\"transformedValue\" dataType=\"double\"><Constant>1</Constant></OutputField>\n";
  ExpectError(Import(Doc(fields, model(later))), StatusCode::kInvalidArgument, "<FieldRef> (line 11)");
  ExpectError(Import(Doc(fields, model("<OutputField name=\"t\" feature=\"transformedValue\" dataType=\"string\">"
                                       "<Constant>a</Constant></OutputField>\n"))),
              StatusCode::kUnimplemented, "<OutputField> (line 11): a transformedValue OutputField of dataType string");
  ExpectError(Import(Doc(fields, model("<OutputField name=\"t\" feature=\"transformedValue\" dataType=\"integer\">"
                                       "<Apply function=\"/\"><FieldRef field=\"x\"/><Constant>2</Constant></Apply>"
                                       "</OutputField>\n"))),
              StatusCode::kUnimplemented, "dataType integer over a value that may have a fraction");
  ExpectError(Import(Doc(fields, model("<OutputField name=\"t\" feature=\"transformedValue\"/>\n"))),
              StatusCode::kInvalidArgument, "<OutputField> (line 11): a transformedValue OutputField needs one expression");

  // decision: an if tree of Constants, each one of the Decisions.
  auto decision = [](const std::string& body, const std::string& decisions) {
    return "<OutputField name=\"act\" feature=\"decision\" dataType=\"string\">" + decisions + body +
           "</OutputField>\n";
  };
  const std::string listed = "<Decisions><Decision value=\"go\"/><Decision value=\"stop\"/></Decisions>";
  const std::string tree =
      "<Apply function=\"if\"><Apply function=\"greaterThan\"><FieldRef field=\"x\"/><Constant>1</Constant></Apply>"
      "<Constant>stop</Constant><Constant>go</Constant></Apply>";
  Result<Pipeline> decided = Import(Doc(fields, model(decision(tree, listed))));
  ASSERT_TRUE(decided.ok()) << decided.status().ToString();
  ASSERT_EQ(decided->post.outputs.size(), 1u);
  EXPECT_EQ(decided->post.outputs[0].categories, (std::vector<std::string>{"go", "stop"}));
  for (const auto& [x, position] : std::vector<std::pair<double, double>>{{0.5, 0.0}, {2.0, 1.0}}) {
    Result<Prediction> scored = reference::ScoreRow(*decided, {RawValue::Number(x)});
    ASSERT_TRUE(scored.ok()) << scored.status().ToString();
    EXPECT_EQ(scored->derived, std::vector<double>{position}) << "x = " << x;
  }
  Result<Prediction> missing = reference::ScoreRow(*decided, {RawValue::Missing()});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(std::isnan(missing->derived[0])) << "PMML's if is missing when its condition is";
  ExpectError(Import(Doc(fields, model(decision(tree, "<Decisions><Decision value=\"go\"/></Decisions>")))),
              StatusCode::kInvalidArgument, "<Constant> (line 11): the decision 'stop' is not in Decisions");
  ExpectError(Import(Doc(fields, model(decision(tree, "")))), StatusCode::kInvalidArgument,
              "<OutputField> (line 11): a decision OutputField needs its Decisions");
  ExpectError(Import(Doc(fields, model(decision("<FieldRef field=\"x\"/>", listed)))), StatusCode::kUnimplemented,
              "<FieldRef> (line 11): a decision computed other than by 'if' over Constants");
}

// ---------------------------------------------------------------------------
// Transformations
// ---------------------------------------------------------------------------

// A regression whose prediction is the derived field `d` (defined in the
// TransformationDictionary from inputs x (double), s (string a/b/c) and n
// (integer)).
Result<Pipeline> DerivedModel(const std::string& derived) {
  return Import(Doc(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\">"
      "<Value value=\"a\"/><Value value=\"b\"/><Value value=\"c\"/></DataField>\n"
      "<DataField name=\"n\" optype=\"continuous\" dataType=\"integer\"/>\n"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n",
      "<TransformationDictionary>\n" + derived + "</TransformationDictionary>\n"
      "<RegressionModel functionName=\"regression\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"s\"/><MiningField name=\"n\"/>"
      "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
      "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" coefficient=\"1\"/></RegressionTable>\n"
      "</RegressionModel>\n"));
}

double Derived(const std::string& expression, const std::map<std::string, std::string>& row,
               const std::string& data_type = "double") {
  Result<Pipeline> pipeline = DerivedModel("<DerivedField name=\"d\" optype=\"continuous\" dataType=\"" + data_type +
                                           "\">" + expression + "</DerivedField>\n");
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  if (!pipeline.ok()) return -12345;
  return ScoreValue(*pipeline, row);
}

TEST(PmmlTransform, NormContinuous) {
  const std::string norm = "<NormContinuous field=\"x\" outliers=\"%\"><LinearNorm orig=\"0\" norm=\"0\"/>"
                           "<LinearNorm orig=\"10\" norm=\"1\"/><LinearNorm orig=\"20\" norm=\"3\"/></NormContinuous>";
  auto with = [&](const std::string& outliers) {
    std::string text = norm;
    text.replace(text.find('%'), 1, outliers);
    return text;
  };
  EXPECT_DOUBLE_EQ(Derived(with("asIs"), {{"x", "5"}}), 0.5);
  EXPECT_DOUBLE_EQ(Derived(with("asIs"), {{"x", "15"}}), 2.0);
  EXPECT_DOUBLE_EQ(Derived(with("asIs"), {{"x", "30"}}), 5.0);    // 1 + (30 - 10) / 10 * 2
  EXPECT_DOUBLE_EQ(Derived(with("asIs"), {{"x", "-10"}}), -1.0);
  EXPECT_TRUE(std::isnan(Derived(with("asMissingValues"), {{"x", "30"}})));
  EXPECT_DOUBLE_EQ(Derived(with("asExtremeValues"), {{"x", "30"}}), 3.0);
  EXPECT_DOUBLE_EQ(Derived(with("asExtremeValues"), {{"x", "-1"}}), 0.0);
  EXPECT_TRUE(std::isnan(Derived(with("asIs"), {})));
}

TEST(PmmlTransform, NormDiscreteDiscretizeMapValues) {
  EXPECT_EQ(Derived("<NormDiscrete field=\"s\" value=\"b\"/>", {{"s", "b"}}), 1.0);
  EXPECT_EQ(Derived("<NormDiscrete field=\"s\" value=\"b\"/>", {{"s", "c"}}), 0.0);
  EXPECT_EQ(Derived("<NormDiscrete field=\"s\" value=\"b\" mapMissingTo=\"7\"/>", {}), 7.0);
  const std::string discretize =
      "<Discretize field=\"x\" defaultValue=\"-1\" mapMissingTo=\"-2\">"
      "<DiscretizeBin binValue=\"0\"><Interval closure=\"openClosed\" rightMargin=\"1\"/></DiscretizeBin>"
      "<DiscretizeBin binValue=\"1\"><Interval closure=\"openOpen\" leftMargin=\"1\" rightMargin=\"2\"/></DiscretizeBin>"
      "</Discretize>";
  EXPECT_EQ(Derived(discretize, {{"x", "1"}}, "integer"), 0.0);
  EXPECT_EQ(Derived(discretize, {{"x", "1.5"}}, "integer"), 1.0);
  EXPECT_EQ(Derived(discretize, {{"x", "2"}}, "integer"), -1.0);
  EXPECT_EQ(Derived(discretize, {}, "integer"), -2.0);
  const std::string map_values =
      "<MapValues outputColumn=\"out\" defaultValue=\"0\"><FieldColumnPair field=\"s\" column=\"in\"/>"
      "<InlineTable><row><in>a</in><out>10</out></row><row><in>b</in><out>20</out></row></InlineTable></MapValues>";
  EXPECT_EQ(Derived(map_values, {{"s", "b"}}), 20.0);
  EXPECT_EQ(Derived(map_values, {{"s", "c"}}), 0.0);
  EXPECT_TRUE(std::isnan(Derived(map_values, {})));
}

TEST(PmmlTransform, ApplyFunctions) {
  auto apply = [](const std::string& function, const std::string& args) {
    return "<Apply function=\"" + function + "\">" + args + "</Apply>";
  };
  const std::string x = "<FieldRef field=\"x\"/>";
  const std::string n = "<FieldRef field=\"n\"/>";
  auto c = [](const std::string& value) { return "<Constant>" + value + "</Constant>"; };
  EXPECT_EQ(Derived(apply("+", x + c("2")), {{"x", "1.5"}}), 3.5);
  EXPECT_EQ(Derived(apply("/", x + c("4")), {{"x", "1"}}), 0.25);
  EXPECT_EQ(Derived(apply("log10", x), {{"x", "1000"}}), 3.0);
  EXPECT_DOUBLE_EQ(Derived(apply("ln", x), {{"x", "1"}}), 0.0);
  EXPECT_EQ(Derived(apply("pow", x + c("3")), {{"x", "2"}}), 8.0);
  EXPECT_EQ(Derived(apply("abs", x), {{"x", "-2"}}), 2.0);
  EXPECT_EQ(Derived(apply("threshold", x + c("1")), {{"x", "2"}}), 1.0);
  EXPECT_EQ(Derived(apply("threshold", x + c("1")), {{"x", "1"}}), 0.0);
  EXPECT_TRUE(std::isnan(Derived(apply("threshold", x + c("1")), {})));
  EXPECT_EQ(Derived(apply("round", x), {{"x", "2.5"}}, "integer"), 3.0);
  EXPECT_EQ(Derived(apply("round", x), {{"x", "-2.5"}}, "integer"), -2.0);
  EXPECT_EQ(Derived(apply("round", x), {{"x", "0.49999999999999994"}}, "integer"), 0.0);
  EXPECT_EQ(Derived(apply("floor", x), {{"x", "-0.5"}}, "integer"), -1.0);
  EXPECT_EQ(Derived(apply("ceil", x), {{"x", "-0.5"}}, "integer"), 0.0);
  // Aggregates ignore missing arguments.
  EXPECT_EQ(Derived(apply("sum", x + n + c("1")), {{"x", "2"}}), 3.0);
  EXPECT_EQ(Derived(apply("avg", x + n), {{"n", "4"}}), 4.0);
  EXPECT_EQ(Derived(apply("avg", x + n), {{"x", "1"}, {"n", "4"}}), 2.5);
  EXPECT_EQ(Derived(apply("min", x + n), {{"n", "4"}}), 4.0);
  EXPECT_EQ(Derived(apply("min", x), {{"x", "-4"}}), -4.0);
  EXPECT_EQ(Derived(apply("max", x + n + c("7")), {{"x", "9"}}), 9.0);
  EXPECT_EQ(Derived(apply("product", x + n), {{"x", "3"}, {"n", "4"}}), 12.0);
  EXPECT_TRUE(std::isnan(Derived(apply("sum", x + n), {})));
  // Logic, comparisons and if (a missing condition gives missing).
  const std::string is_b = apply("equal", "<FieldRef field=\"s\"/>" + c("b"));
  EXPECT_EQ(Derived(apply("if", is_b + c("1") + c("2")), {{"s", "b"}}), 1.0);
  EXPECT_EQ(Derived(apply("if", is_b + c("1") + c("2")), {{"s", "a"}}), 2.0);
  EXPECT_TRUE(std::isnan(Derived(apply("if", is_b + c("1") + c("2")), {})));
  const std::string both = apply("and", apply("greaterThan", x + c("0")) + apply("not", is_b));
  EXPECT_EQ(Derived(apply("if", both + c("1") + c("0")), {{"x", "1"}, {"s", "a"}}), 1.0);
  EXPECT_EQ(Derived(apply("if", both + c("1") + c("0")), {{"x", "1"}, {"s", "b"}}), 0.0);
  EXPECT_EQ(Derived(apply("if", apply("isMissing", x) + c("1") + c("0")), {}), 1.0);
  EXPECT_EQ(Derived(apply("if", apply("isNotMissing", x) + c("1") + c("0")), {}), 0.0);
  const std::string in_set = apply("isIn", "<FieldRef field=\"s\"/>" + c("a") + c("c"));
  EXPECT_EQ(Derived(apply("if", in_set + c("1") + c("0")), {{"s", "c"}}), 1.0);
  EXPECT_EQ(Derived(apply("if", apply("isNotIn", n + c("1") + c("2")) + c("1") + c("0")), {{"n", "2"}}), 0.0);
  // A boolean derived field of dataType double is 0/1.
  EXPECT_EQ(Derived(apply("lessOrEqual", x + c("1")), {{"x", "1"}}), 1.0);
  // mapMissingTo: only when an argument is missing.
  EXPECT_EQ(Derived("<Apply function=\"+\" mapMissingTo=\"-1\">" + x + c("1") + "</Apply>", {}), -1.0);
  EXPECT_EQ(Derived("<FieldRef field=\"x\" mapMissingTo=\"4\"/>", {}), 4.0);
}

// String-valued MapValues and Discretize: no column of their own, but every
// comparison PMML can make with them.
TEST(PmmlTransform, StringValuedDerivedFields) {
  const std::string group =
      "<DerivedField name=\"g\" optype=\"categorical\" dataType=\"string\">"
      "<MapValues outputColumn=\"out\" mapMissingTo=\"none\"><FieldColumnPair field=\"s\" column=\"in\"/>"
      "<InlineTable><row><in>a</in><out>vowel</out></row><row><in>b</in><out>consonant</out></row>"
      "</InlineTable></MapValues></DerivedField>\n";
  const std::string band =
      "<DerivedField name=\"band\" optype=\"categorical\" dataType=\"string\">"
      "<Discretize field=\"x\" defaultValue=\"high\"><DiscretizeBin binValue=\"low\">"
      "<Interval closure=\"openOpen\" rightMargin=\"0\"/></DiscretizeBin><DiscretizeBin binValue=\"1\">"
      "<Interval closure=\"closedOpen\" leftMargin=\"0\" rightMargin=\"1\"/></DiscretizeBin></Discretize>"
      "</DerivedField>\n";
  auto with = [&](const std::string& expression) {
    Result<Pipeline> pipeline = DerivedModel(group + band + "<DerivedField name=\"d\" optype=\"continuous\" "
                                             "dataType=\"double\">" + expression + "</DerivedField>\n");
    EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    return pipeline;
  };
  auto apply = [](const std::string& function, const std::string& args) {
    return "<Apply function=\"" + function + "\">" + args + "</Apply>";
  };
  const std::string is_vowel = apply("equal", "<FieldRef field=\"g\"/><Constant>vowel</Constant>");
  Result<Pipeline> vowel = with(is_vowel);
  ASSERT_TRUE(vowel.ok());
  EXPECT_EQ(ScoreValue(*vowel, {{"s", "a"}}), 1.0);
  EXPECT_EQ(ScoreValue(*vowel, {{"s", "b"}}), 0.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*vowel, {{"s", "c"}})));  // no row, no default: g is missing
  EXPECT_EQ(ScoreValue(*vowel, {}), 0.0);                      // mapMissingTo "none"
  Result<Pipeline> missing = with(apply("if", apply("isMissing", "<FieldRef field=\"g\"/>") +
                                                  "<Constant>1</Constant><Constant>0</Constant>"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(ScoreValue(*missing, {{"s", "c"}}), 1.0);
  EXPECT_EQ(ScoreValue(*missing, {}), 0.0);
  Result<Pipeline> indicator = with("<NormDiscrete field=\"band\" value=\"1\"/>");
  ASSERT_TRUE(indicator.ok());
  EXPECT_EQ(ScoreValue(*indicator, {{"x", "0"}}), 1.0);
  EXPECT_EQ(ScoreValue(*indicator, {{"x", "-1"}}), 0.0);
  EXPECT_EQ(ScoreValue(*indicator, {{"x", "1"}}), 0.0);  // default "high"
  EXPECT_TRUE(std::isnan(ScoreValue(*indicator, {})));
  Result<Pipeline> in_set = with(apply("if", apply("isIn", "<FieldRef field=\"band\"/><Constant>low</Constant>"
                                                         "<Constant>high</Constant>") +
                                                 "<Constant>1</Constant><Constant>0</Constant>"));
  ASSERT_TRUE(in_set.ok());
  EXPECT_EQ(ScoreValue(*in_set, {{"x", "5"}}), 1.0);
  EXPECT_EQ(ScoreValue(*in_set, {{"x", "0.5"}}), 0.0);

  // In a RegressionModel and in a tree.
  const std::string fields =
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>\n"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";
  const std::string schema =
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"s\"/>"
      "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n";
  Result<Pipeline> regression = Import(Doc(fields,
      "<TransformationDictionary>" + group + band + "</TransformationDictionary>\n"
      "<RegressionModel functionName=\"regression\">" + schema +
      "<RegressionTable intercept=\"1\"><CategoricalPredictor name=\"band\" value=\"low\" coefficient=\"10\"/>"
      "<CategoricalPredictor name=\"g\" value=\"vowel\" coefficient=\"100\"/></RegressionTable>"
      "</RegressionModel>\n"));
  ASSERT_TRUE(regression.ok()) << regression.status().ToString();
  EXPECT_EQ(ScoreValue(*regression, {{"x", "-1"}, {"s", "a"}}), 111.0);
  EXPECT_EQ(ScoreValue(*regression, {{"x", "3"}, {"s", "b"}}), 1.0);
  Result<Pipeline> tree = Import(Doc(fields,
      "<TransformationDictionary>" + group + band + "</TransformationDictionary>\n"
      "<TreeModel functionName=\"regression\" missingValueStrategy=\"lastPrediction\" "
      "noTrueChildStrategy=\"returnLastPrediction\">" + schema +
      "<Node score=\"0\"><True/>"
      "<Node score=\"1\"><SimplePredicate field=\"g\" operator=\"equal\" value=\"vowel\"/></Node>"
      "<Node score=\"2\"><SimpleSetPredicate field=\"band\" booleanOperator=\"isNotIn\">"
      "<Array type=\"string\">low</Array></SimpleSetPredicate></Node>"
      "<Node score=\"3\"><SimplePredicate field=\"g\" operator=\"isNotMissing\"/></Node>"
      "</Node></TreeModel>\n"));
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_EQ(ScoreValue(*tree, {{"x", "-1"}, {"s", "a"}}), 1.0);
  EXPECT_EQ(ScoreValue(*tree, {{"x", "5"}, {"s", "b"}}), 2.0);
  EXPECT_EQ(ScoreValue(*tree, {{"x", "-5"}, {"s", "b"}}), 3.0);
  EXPECT_EQ(ScoreValue(*tree, {{"x", "-5"}, {"s", "z"}}), 0.0);  // g missing: unknown -> last prediction
}

TEST(PmmlTransform, ErrorsNameElementAndLine) {
  // The DerivedField is on line 11 of these documents.
  ExpectError(DerivedModel("\n\n\n<DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">"
                           "<Apply function=\"formatDatetime\"><FieldRef field=\"s\"/></Apply></DerivedField>\n"),
              StatusCode::kUnimplemented, "<Apply> (line 14): function 'formatDatetime' is not supported");
  ExpectError(DerivedModel("<DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">"
                           "<FieldRef field=\"nope\"/></DerivedField>\n"),
              StatusCode::kInvalidArgument, "<FieldRef> (line 11): unknown field 'nope'");
  ExpectError(DerivedModel("<DerivedField name=\"d\" optype=\"categorical\" dataType=\"double\">"
                           "<MapValues outputColumn=\"o\"><FieldColumnPair field=\"s\" column=\"i\"/>"
                           "<InlineTable><row><i>a</i><o>x</o></row></InlineTable></MapValues></DerivedField>\n"),
              StatusCode::kUnimplemented, "<DerivedField> (line 11): dataType 'double' over text values");
  ExpectError(DerivedModel("<DerivedField name=\"d\" optype=\"continuous\" dataType=\"integer\">"
                           "<Apply function=\"/\"><FieldRef field=\"x\"/><Constant>2</Constant></Apply></DerivedField>\n"),
              StatusCode::kUnimplemented, "<DerivedField> (line 11): dataType integer over a value that may have a fraction");
  ExpectError(DerivedModel("<DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">"
                           "<Apply function=\"+\"><FieldRef field=\"x\"/></Apply></DerivedField>\n"),
              StatusCode::kInvalidArgument, "<Apply> (line 11): function '+' takes 2 arguments, 1 given");
  ExpectError(DerivedModel("<DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">"
                           "<Apply function=\"+\" defaultValue=\"0\"><FieldRef field=\"x\"/><FieldRef field=\"x\"/>"
                           "</Apply></DerivedField>\n"),
              StatusCode::kUnimplemented, "<Apply> (line 11): defaultValue on a computation that may be invalid");
  ExpectError(DerivedModel("<DefineFunction name=\"round\" optype=\"continuous\"/>\n"),
              StatusCode::kUnimplemented, "<DefineFunction> (line 11): a DefineFunction named like the built-in function 'round'");
}

// ---------------------------------------------------------------------------
// TreeModel and MiningModel
// ---------------------------------------------------------------------------

const char kTreeFields[] =
    "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\">"
    "<Value value=\"a\"/><Value value=\"b\"/><Value value=\"c\"/></DataField>\n"
    "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";

Result<Pipeline> TreeDoc(const std::string& attributes, const std::string& nodes) {
  return Import(Doc(kTreeFields,
                    "<TreeModel functionName=\"regression\" " + attributes + ">\n"
                    "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"s\"/>"
                    "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n" +
                        nodes + "</TreeModel>\n"));
}

TEST(PmmlTree, DefaultChildAndCompoundPredicate) {
  Result<Pipeline> pipeline = TreeDoc(
      "missingValueStrategy=\"defaultChild\" splitCharacteristic=\"binarySplit\"",
      "<Node score=\"0\" defaultChild=\"2\"><True/>\n"
      "<Node id=\"1\" score=\"1\"><CompoundPredicate booleanOperator=\"and\">"
      "<SimplePredicate field=\"x\" operator=\"lessOrEqual\" value=\"5\"/>"
      "<SimpleSetPredicate field=\"s\" booleanOperator=\"isIn\"><Array type=\"string\" n=\"2\">a \"b\"</Array>"
      "</SimpleSetPredicate></CompoundPredicate></Node>\n"
      "<Node id=\"2\" score=\"2\"><True/></Node>\n"
      "</Node>\n");
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "5"}, {"s", "a"}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "5.000001"}, {"s", "a"}}), 2.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "1"}, {"s", "c"}}), 2.0);
  // x missing: the and is unknown (s=a) -> the default child.
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "a"}}), 2.0);
  // x missing but s=c: the and is false.
  EXPECT_EQ(ScoreValue(*pipeline, {{"s", "c"}}), 2.0);
}

TEST(PmmlTree, StrategiesOnMissingValues) {
  const std::string nodes =
      "<Node score=\"9\" defaultChild=\"b\"><True/>\n"
      "<Node id=\"a\" score=\"1\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/></Node>\n"
      "<Node id=\"b\" score=\"2\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"0\"/></Node>\n"
      "</Node>\n";
  Result<Pipeline> last = TreeDoc("missingValueStrategy=\"lastPrediction\"", nodes);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(ScoreValue(*last, {}), 9.0);
  EXPECT_EQ(ScoreValue(*last, {{"x", "-1"}}), 1.0);
  EXPECT_EQ(ScoreValue(*last, {{"x", "0"}}), 2.0);
  Result<Pipeline> none_last = TreeDoc("noTrueChildStrategy=\"returnLastPrediction\"", nodes);
  ASSERT_TRUE(none_last.ok()) << none_last.status().ToString();
  EXPECT_EQ(ScoreValue(*none_last, {}), 9.0);
  // The defaults (none, returnNullPrediction): a missing x gives no
  // prediction, a missing value (the tree becomes expression columns,
  // pmml_tree_missing_test.cc).
  Result<Pipeline> none_null = TreeDoc("", nodes);
  ASSERT_TRUE(none_null.ok()) << none_null.status().ToString();
  EXPECT_TRUE(std::isnan(ScoreValue(*none_null, {})));
  EXPECT_EQ(ScoreValue(*none_null, {{"x", "-1"}}), 1.0);
  Result<Pipeline> null_prediction = TreeDoc("missingValueStrategy=\"nullPrediction\"", nodes);
  ASSERT_TRUE(null_prediction.ok()) << null_prediction.status().ToString();
  EXPECT_TRUE(std::isnan(ScoreValue(*null_prediction, {})));
  EXPECT_EQ(ScoreValue(*null_prediction, {{"x", "0"}}), 2.0);
  ExpectError(TreeDoc("missingValueStrategy=\"weightedConfidence\"", nodes), StatusCode::kUnimplemented,
              "<TreeModel> (line 9): missingValueStrategy 'weightedConfidence' for a regression");
  // A field that cannot be missing makes the defaults expressible.
  Result<Pipeline> replaced = Import(Doc(kTreeFields,
                                         "<TreeModel functionName=\"regression\">\n"
                                         "<MiningSchema><MiningField name=\"x\" missingValueReplacement=\"-3\"/>"
                                         "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n" +
                                             nodes + "</TreeModel>\n"));
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(ScoreValue(*replaced, {}), 1.0);
}

// entityId: the id of the Node that gives the prediction, as a category
// output over the Nodes' ids in document order (root, a, b).
TEST(PmmlTree, EntityIdOutput) {
  const std::string output =
      "<Output><OutputField name=\"node\" feature=\"entityId\"/>"
      "<OutputField name=\"in_a\" feature=\"transformedValue\" dataType=\"boolean\"><Apply function=\"equal\">"
      "<FieldRef field=\"node\"/><Constant>a</Constant></Apply></OutputField></Output>\n";
  const std::string nodes =
      "<Node id=\"root\" score=\"9\" defaultChild=\"b\"><True/>\n"
      "<Node id=\"a\" score=\"1\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/></Node>\n"
      "<Node id=\"b\" score=\"2\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"0\"/></Node>\n"
      "</Node>\n";
  auto entity = [](const Pipeline& pipeline, const std::map<std::string, std::string>& row) {
    Result<Prediction> p = Score(pipeline, row);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? p->derived : std::vector<double>{};
  };
  Result<Pipeline> last = TreeDoc("missingValueStrategy=\"lastPrediction\"", output + nodes);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ASSERT_EQ(last->post.outputs.size(), 2u);
  EXPECT_EQ(last->post.outputs[0].categories, (std::vector<std::string>{"root", "a", "b"}));
  EXPECT_EQ(entity(*last, {}), (std::vector<double>{0, 0}));  // the root's prediction
  EXPECT_EQ(entity(*last, {{"x", "-1"}}), (std::vector<double>{1, 1}));
  EXPECT_EQ(entity(*last, {{"x", "0"}}), (std::vector<double>{2, 0}));
  Result<Pipeline> default_child = TreeDoc("missingValueStrategy=\"defaultChild\"", output + nodes);
  ASSERT_TRUE(default_child.ok()) << default_child.status().ToString();
  EXPECT_EQ(entity(*default_child, {}), (std::vector<double>{2, 0}));
  // The defaults: a missing x gives no prediction, so no Node.
  Result<Pipeline> none = TreeDoc("", output + nodes);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  const std::vector<double> missing = entity(*none, {});
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_TRUE(std::isnan(missing[0]));
  EXPECT_TRUE(std::isnan(missing[1]));
  EXPECT_EQ(entity(*none, {{"x", "-1"}}), (std::vector<double>{1, 1}));
  // mathContext float: x = 0.0999999999 is below 0.1, but not as a float, so
  // the prediction and the entity are b's.
  std::string tenth = nodes;
  for (size_t at = tenth.find("value=\"0\""); at != std::string::npos; at = tenth.find("value=\"0\"", at)) {
    tenth.replace(at, 9, "value=\"0.1\"");
  }
  Result<Pipeline> in_float = TreeDoc("mathContext=\"float\" missingValueStrategy=\"lastPrediction\"", output + tenth);
  ASSERT_TRUE(in_float.ok()) << in_float.status().ToString();
  EXPECT_EQ(ScoreValue(*in_float, {{"x", "0.0999999999"}}), 2.0);
  EXPECT_EQ(entity(*in_float, {{"x", "0.0999999999"}}), (std::vector<double>{2, 0}));
  EXPECT_EQ(entity(*in_float, {{"x", "0.0999"}}), (std::vector<double>{1, 1}));

  std::string unnamed = nodes;
  unnamed.replace(unnamed.find(" id=\"root\""), 10, "");
  ExpectError(TreeDoc("missingValueStrategy=\"lastPrediction\"", output + unnamed), StatusCode::kUnimplemented,
              "<Node> (line 12): entityId of a tree with a Node without an id");
  std::string twice = nodes;
  twice.replace(twice.find("id=\"b\""), 6, "id=\"a\"");
  ExpectError(TreeDoc("missingValueStrategy=\"lastPrediction\"", output + twice), StatusCode::kInvalidArgument,
              "<Node> (line 14): Node id 'a' is used twice");
}

TEST(PmmlTree, OperatorsXorSurrogateAndMultiSplit) {
  auto tree = [](const std::string& predicate) {
    return TreeDoc("missingValueStrategy=\"lastPrediction\" noTrueChildStrategy=\"returnLastPrediction\"",
                   "<Node score=\"0\"><True/><Node score=\"1\">" + predicate + "</Node></Node>\n");
  };
  auto check = [&](const std::string& predicate, const std::map<std::string, std::string>& row, double want) {
    Result<Pipeline> pipeline = tree(predicate);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    EXPECT_EQ(ScoreValue(*pipeline, row), want) << predicate;
  };
  auto simple = [](const std::string& op, const std::string& value) {
    return "<SimplePredicate field=\"x\" operator=\"" + op + "\" value=\"" + value + "\"/>";
  };
  check(simple("equal", "2"), {{"x", "2"}}, 1);
  check(simple("equal", "2"), {{"x", "2.0000001"}}, 0);
  check(simple("notEqual", "2"), {{"x", "2"}}, 0);
  check(simple("greaterThan", "2"), {{"x", "2"}}, 0);
  check(simple("greaterThan", "2"), {{"x", "2.0000001"}}, 1);
  check(simple("isMissing", ""), {}, 1);
  check(simple("isMissing", ""), {{"x", "1"}}, 0);
  check(simple("isNotMissing", ""), {{"x", "1"}}, 1);
  check("<SimplePredicate field=\"s\" operator=\"notEqual\" value=\"a\"/>", {{"s", "b"}}, 1);
  check("<SimplePredicate field=\"s\" operator=\"isMissing\"/>", {}, 1);
  check("<SimplePredicate field=\"s\" operator=\"isMissing\"/>", {{"s", "c"}}, 0);
  check("<SimpleSetPredicate field=\"x\" booleanOperator=\"isNotIn\"><Array type=\"real\">1 2.5</Array>"
        "</SimpleSetPredicate>",
        {{"x", "2.5"}}, 0);
  const std::string xor_predicate = "<CompoundPredicate booleanOperator=\"xor\">" + simple("lessThan", "1") +
                                    "<SimplePredicate field=\"s\" operator=\"equal\" value=\"a\"/></CompoundPredicate>";
  check(xor_predicate, {{"x", "0"}, {"s", "a"}}, 0);
  check(xor_predicate, {{"x", "0"}, {"s", "b"}}, 1);
  check(xor_predicate, {{"s", "b"}}, 0);  // unknown -> lastPrediction
  const std::string surrogate = "<CompoundPredicate booleanOperator=\"surrogate\">" + simple("lessThan", "1") +
                                "<SimplePredicate field=\"s\" operator=\"equal\" value=\"a\"/><False/>"
                                "</CompoundPredicate>";
  check(surrogate, {{"s", "a"}}, 1);
  check(surrogate, {{"s", "b"}}, 0);
  check(surrogate, {{"x", "0"}, {"s", "b"}}, 1);
  check(surrogate, {}, 0);
  // Multiway split: the first child whose predicate holds.
  Result<Pipeline> multi = TreeDoc(
      "noTrueChildStrategy=\"returnLastPrediction\"",
      "<Node score=\"0\"><True/>" "<Node score=\"1\">" + simple("lessThan", "0") + "</Node>" "<Node score=\"2\">" +
          simple("lessThan", "10") + "</Node>" "<Node score=\"3\">" + simple("lessThan", "5") + "</Node></Node>\n");
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  EXPECT_EQ(ScoreValue(*multi, {{"x", "-1"}}), 1.0);
  EXPECT_EQ(ScoreValue(*multi, {{"x", "3"}}), 2.0);
  EXPECT_EQ(ScoreValue(*multi, {{"x", "11"}}), 0.0);
  EXPECT_EQ(ScoreValue(*multi, {}), 0.0);
}

TEST(PmmlTree, ClassificationWithScoreDistribution) {
  const std::string xml = Doc(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"no\"/><Value value=\"yes\"/>"
      "</DataField>\n",
      "<TreeModel functionName=\"classification\" missingValueStrategy=\"lastPrediction\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"c\" usageType=\"predicted\"/></MiningSchema>\n"
      "<Node score=\"no\"><True/><ScoreDistribution value=\"no\" recordCount=\"6\"/>"
      "<ScoreDistribution value=\"yes\" recordCount=\"4\"/>\n"
      "<Node score=\"yes\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"1\"/>"
      "<ScoreDistribution value=\"no\" recordCount=\"1\"/><ScoreDistribution value=\"yes\" recordCount=\"3\"/></Node>\n"
      "<Node score=\"no\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"1\"/>"
      "<ScoreDistribution value=\"no\" recordCount=\"5\"/><ScoreDistribution value=\"yes\" recordCount=\"1\"/></Node>\n"
      "</Node></TreeModel>\n");
  Result<Pipeline> pipeline = Import(xml);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  Result<Prediction> low = Score(*pipeline, {{"x", "0"}});
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(low->values, (std::vector<double>{0.25, 0.75}));
  EXPECT_EQ(low->label, 1);
  Result<Prediction> missing = Score(*pipeline, {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->values, (std::vector<double>{0.6, 0.4}));
  EXPECT_EQ(missing->label, 0);
  // A score that is not the distribution's most probable class.
  std::string wrong = xml;
  wrong.replace(wrong.find("<Node score=\"yes\">"), 18, "<Node score=\"no\">");
  ExpectError(Import(wrong), StatusCode::kUnimplemented, "<Node> (line 11): the score 'no' is not the most probable");
}

std::string SegmentTree(double low, double high) {
  const std::string low_text = std::to_string(low);
  const std::string high_text = std::to_string(high);
  return "<TreeModel functionName=\"regression\" noTrueChildStrategy=\"returnLastPrediction\">"
         "<MiningSchema><MiningField name=\"x\"/></MiningSchema>"
         "<Node score=\"0\"><True/><Node score=\"" + low_text + "\">"
         "<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"1\"/></Node>"
         "<Node score=\"" + high_text + "\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"1\"/>"
         "</Node></Node></TreeModel>";
}

TEST(PmmlMining, SumAverageWeighted) {
  auto mining = [](const std::string& method, const std::string& targets) {
    return Import(Doc(kTreeFields,
                      "<MiningModel functionName=\"regression\">\n"
                      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/>"
                      "</MiningSchema>\n" + targets +
                          "<Segmentation multipleModelMethod=\"" + method + "\">\n"
                          "<Segment weight=\"1\"><True/>" + SegmentTree(1, 2) + "</Segment>\n"
                          "<Segment weight=\"3\"><True/>" + SegmentTree(10, 20) + "</Segment>\n"
                          "</Segmentation></MiningModel>\n"));
  };
  Result<Pipeline> sum = mining("sum", "");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(ScoreValue(*sum, {{"x", "0"}}), 11.0);
  EXPECT_EQ(ScoreValue(*sum, {{"x", "1"}}), 22.0);
  EXPECT_EQ(ScoreValue(*sum, {}), 0.0);
  Result<Pipeline> average = mining("average", "<Targets><Target field=\"y\" rescaleConstant=\"100\"/></Targets>\n");
  ASSERT_TRUE(average.ok()) << average.status().ToString();
  EXPECT_EQ(ScoreValue(*average, {{"x", "1"}}), 111.0);
  Result<Pipeline> weighted = mining("weightedAverage", "");
  ASSERT_TRUE(weighted.ok()) << weighted.status().ToString();
  EXPECT_NEAR(ScoreValue(*weighted, {{"x", "0"}}), (1 * 1 + 3 * 10) / 4.0, 1e-12);
  // Other methods: segments combined by expressions (pmml_segmentation_test.cc).
  Result<Pipeline> max = mining("max", "");
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_EQ(ScoreValue(*max, {{"x", "0"}}), 10.0);
  Result<Pipeline> chain = mining("modelChain", "");
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_EQ(ScoreValue(*chain, {{"x", "1"}}), 20.0);
}

TEST(PmmlMining, MajorityVote) {
  auto tree = [](const std::string& low, const std::string& high) {
    return "<TreeModel functionName=\"classification\" noTrueChildStrategy=\"returnLastPrediction\">"
           "<MiningSchema><MiningField name=\"x\"/></MiningSchema>"
           "<Node score=\"a\"><True/><Node score=\"" + low + "\">"
           "<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"1\"/></Node>"
           "<Node score=\"" + high + "\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"1\"/>"
           "</Node></Node></TreeModel>";
  };
  const std::string xml = Doc(
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
      "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\"/><Value value=\"b\"/>"
      "<Value value=\"c\"/></DataField>\n",
      "<MiningModel functionName=\"classification\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"c\" usageType=\"predicted\"/></MiningSchema>\n"
      "<Segmentation multipleModelMethod=\"majorityVote\">\n"
      "<Segment><True/>" + tree("b", "c") + "</Segment>\n"
      "<Segment><True/>" + tree("b", "a") + "</Segment>\n"
      "<Segment><True/>" + tree("c", "a") + "</Segment>\n"
      "</Segmentation></MiningModel>\n");
  Result<Pipeline> pipeline = Import(xml);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  Result<Prediction> low = Score(*pipeline, {{"x", "0"}});
  ASSERT_TRUE(low.ok());
  EXPECT_NEAR(low->values[1], 2.0 / 3, 1e-15);
  EXPECT_EQ(low->label, 1);
  Result<Prediction> high = Score(*pipeline, {{"x", "5"}});
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(high->label, 0);
}

TEST(PmmlModel, RefusesOtherModelsAndSegmentPredicates) {
  ExpectError(Import(Doc("", "<NearestNeighborModel functionName=\"regression\"/>\n")), StatusCode::kUnimplemented,
              "<NearestNeighborModel> (line 6): this model type");
  // A segment predicate: combined by expressions (pmml_segmentation_test.cc).
  Result<Pipeline> predicated = Import(Doc(kTreeFields,
                                           "<MiningModel functionName=\"regression\">\n"
                                           "<MiningSchema><MiningField name=\"x\"/></MiningSchema>\n"
                                           "<Segmentation multipleModelMethod=\"sum\">\n"
                                           "<Segment><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>" +
                                               SegmentTree(1, 2) + "</Segment>\n</Segmentation></MiningModel>\n"));
  ASSERT_TRUE(predicated.ok()) << predicated.status().ToString();
  EXPECT_EQ(ScoreValue(*predicated, {{"x", "-1"}}), 1.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*predicated, {{"x", "0"}})));
}

TEST(PmmlErrors, MoreErrorPathsNameElementAndLine) {
  struct Case {
    Result<Pipeline> result;
    StatusCode code;
    std::string fragment;
  };
  const std::string cmp = "<DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">";
  const std::vector<Case> cases = {
      {DerivedModel(cmp + "<Apply function=\"equal\"><FieldRef field=\"s\"/><FieldRef field=\"s\"/></Apply>"
                          "</DerivedField>\n"),
       StatusCode::kUnimplemented, "<Apply> (line 11): comparing a category with anything but a constant"},
      {DerivedModel(cmp + "<Apply function=\"lessThan\"><FieldRef field=\"s\"/><Constant>a</Constant></Apply>"
                          "</DerivedField>\n"),
       StatusCode::kInvalidArgument, "<Apply> (line 11): function 'lessThan' needs numbers"},
      {DerivedModel(cmp + "<NormContinuous field=\"x\"><LinearNorm orig=\"1\" norm=\"0\"/>"
                          "<LinearNorm orig=\"1\" norm=\"1\"/></NormContinuous></DerivedField>\n"),
       StatusCode::kInvalidArgument, "<LinearNorm> (line 11): LinearNorm orig values must increase strictly"},
      {DerivedModel(cmp + "<NormContinuous field=\"x\" outliers=\"clip\"><LinearNorm orig=\"0\" norm=\"0\"/>"
                          "<LinearNorm orig=\"1\" norm=\"1\"/></NormContinuous></DerivedField>\n"),
       StatusCode::kInvalidArgument, "<NormContinuous> (line 11): unknown outliers treatment 'clip'"},
      {DerivedModel(cmp + "<Discretize field=\"x\"><DiscretizeBin binValue=\"1\"/></Discretize></DerivedField>\n"),
       StatusCode::kInvalidArgument, "<DiscretizeBin> (line 11): missing Interval"},
      {DerivedModel(cmp + "<Aggregate field=\"x\" function=\"sum\"/></DerivedField>\n"),
       StatusCode::kUnimplemented, "<Aggregate> (line 11): expression element is not supported"},
      {DerivedModel(cmp + "<FieldRef field=\"x\"/></DerivedField>\n" + cmp +
                    "<FieldRef field=\"x\"/></DerivedField>\n"),
       StatusCode::kInvalidArgument, "<DerivedField> (line 12): field 'd' is defined twice"},
      {TreeDoc("missingValueStrategy=\"lastPrediction\"",
               "<Node score=\"0\"><True/><Node score=\"1\"><SimplePredicate field=\"s\" operator=\"lessThan\" "
               "value=\"b\"/></Node></Node>\n"),
       StatusCode::kUnimplemented, "<SimplePredicate> (line 11): an order comparison on a category that is not ordinal"},
      {TreeDoc("", "<Node score=\"0\"><True/><Node score=\"1\"><SimplePredicate field=\"x\" operator=\"lessThan\" "
                   "value=\"abc\"/></Node></Node>\n"),
       StatusCode::kInvalidArgument, "<SimplePredicate> (line 11): 'abc' is not a finite number"},
      {TreeDoc("", "<Node score=\"0\"><True/><Node score=\"1\"><SimpleSetPredicate field=\"s\" "
                   "booleanOperator=\"isIn\"><Array n=\"3\" type=\"string\">a b</Array></SimpleSetPredicate>"
                   "</Node></Node>\n"),
       StatusCode::kInvalidArgument, "<Array> (line 11): n is 3 but the array has 2 items"},
      {TreeDoc("", "<Node score=\"0\"><True/><Node score=\"1\"><CompoundPredicate booleanOperator=\"nand\">"
                   "<True/><False/></CompoundPredicate></Node></Node>\n"),
       StatusCode::kInvalidArgument, "<CompoundPredicate> (line 11): unknown booleanOperator 'nand'"},
      {TreeDoc("splitCharacteristic=\"binarySplit\"", "<Node score=\"0\"><True/><Node score=\"1\"><True/></Node>"
                                                       "</Node>\n"),
       StatusCode::kInvalidArgument, "<Node> (line 11): a binarySplit tree with 1 children"},
      {TreeDoc("missingValueStrategy=\"defaultChild\"",
               "<Node score=\"0\"><True/><Node score=\"1\"><SimplePredicate field=\"x\" operator=\"lessThan\" "
               "value=\"1\"/></Node><Node score=\"2\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" "
               "value=\"1\"/></Node></Node>\n"),
       StatusCode::kUnimplemented, "<Node> (line 11): missingValueStrategy defaultChild, but the node has no defaultChild"},
      {TreeDoc("", "<Node score=\"0\"><SimplePredicate field=\"x\" operator=\"isMissing\"/></Node>\n"),
       StatusCode::kUnimplemented, "<Node> (line 11): the root Node's predicate may not hold"},
      {Import(Doc(kTreeFields, "<TreeModel functionName=\"clustering\"/>\n")), StatusCode::kUnimplemented,
       "<TreeModel> (line 9): functionName 'clustering'"},
      {Import(Doc(kTreeFields, "")), StatusCode::kInvalidArgument, "<PMML> (line 2): no model element"},
      {Import(Doc(kTreeFields, "<RegressionModel functionName=\"regression\"/>\n<TreeModel functionName=\"regression\"/>\n")),
       StatusCode::kUnimplemented, "<TreeModel> (line 10): more than one model in the document"},
  };
  for (const Case& c : cases) ExpectError(c.result, c.code, c.fragment);
}

TEST(PmmlSchema, BooleanAndOrdinalFields) {
  const std::string xml = Doc(
      "<DataField name=\"flag\" optype=\"categorical\" dataType=\"boolean\"/>\n"
      "<DataField name=\"size\" optype=\"ordinal\" dataType=\"string\"><Value value=\"S\"/><Value value=\"M\"/>"
      "<Value value=\"L\"/></DataField>\n"
      "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n",
      "<TreeModel functionName=\"regression\">\n"
      "<MiningSchema><MiningField name=\"flag\" missingValueReplacement=\"false\"/>"
      "<MiningField name=\"size\" missingValueReplacement=\"M\"/>"
      "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
      "<Node score=\"0\"><True/>"
      "<Node score=\"1\"><CompoundPredicate booleanOperator=\"and\">"
      "<SimplePredicate field=\"flag\" operator=\"equal\" value=\"true\"/>"
      "<SimplePredicate field=\"size\" operator=\"lessOrEqual\" value=\"M\"/></CompoundPredicate></Node>"
      "<Node score=\"2\"><True/></Node></Node>\n"
      "</TreeModel>\n");
  Result<Pipeline> pipeline = Import(xml);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->inputs[0].type, FieldType::kBoolean);
  EXPECT_EQ(ScoreValue(*pipeline, {{"flag", "true"}, {"size", "S"}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"flag", "true"}, {"size", "M"}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"flag", "true"}, {"size", "L"}}), 2.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"flag", "false"}, {"size", "S"}}), 2.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"flag", "true"}}), 1.0);  // size missing -> M
}

TEST(PmmlModel, NamespacePrefixesAndCanonicalRoundTrip) {
  std::string xml = Doc(kClaimsFields, kClaimsModel);
  // Prefix every element with pmml: (element names are namespace-agnostic).
  std::string prefixed;
  for (size_t i = 0; i < xml.size(); ++i) {
    prefixed += xml[i];
    if (xml[i] == '<' && i + 1 < xml.size() && (std::isalpha(static_cast<unsigned char>(xml[i + 1])))) {
      prefixed += "pmml:";
    } else if (xml[i] == '<' && i + 1 < xml.size() && xml[i + 1] == '/') {
      prefixed += "/pmml:";
      ++i;
    }
  }
  prefixed.replace(prefixed.find("xmlns="), 6, "xmlns:pmml=");
  Result<Pipeline> plain = Import(xml);
  Result<Pipeline> with_prefix = Import(prefixed);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_TRUE(with_prefix.ok()) << with_prefix.status().ToString();
  EXPECT_EQ(WritePipelineJson(*plain), WritePipelineJson(*with_prefix));
  Result<Pipeline> reread = ReadPipelineJson(WritePipelineJson(*plain));
  ASSERT_TRUE(reread.ok()) << reread.status().ToString();
  EXPECT_EQ(PipelineDigest(*reread), PipelineDigest(*plain));
}

}  // namespace
}  // namespace podium
