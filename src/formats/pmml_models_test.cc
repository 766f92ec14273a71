// GeneralRegressionModel and Scorecard import (pmml_general_regression.cc,
// pmml_scorecard.cc): what they score, and that every refusal names the
// element and its line. Golden cases tests/golden/cases/pmml_general_regression_*
// and pmml_scorecard_* check whole documents with both scorers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "formats/pmml.h"
#include "pipeline/input.h"
#include "pipeline/prediction.h"
#include "formats/pmml_test_util.h"
#include "reference/reference.h"

namespace podium {
namespace {

using pmml_testing::Doc;
using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::Score;
using pmml_testing::ScoreValue;

// ---------------------------------------------------------------------------
// GeneralRegressionModel
// ---------------------------------------------------------------------------

const char kGrFields[] =
    "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"f\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\"/><Value value=\"b\"/>"
    "</DataField>\n"
    "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";

// A regression GeneralRegressionModel on line 9: y = 1 + 2 x (+ 3 [f=a]).
std::string GrDoc(const std::string& attributes, const std::string& extra = "",
                  const std::string& matrix_extra = "", const std::string& parameter_extra = "") {
  return Doc(kGrFields,
             "<GeneralRegressionModel functionName=\"regression\" " + attributes + ">\n"
             "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"f\"/>"
             "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n" + extra +
             "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/><Parameter name=\"p2\"/>" + parameter_extra +
             "</ParameterList>\n"
             "<FactorList><Predictor name=\"f\"/></FactorList>\n"
             "<CovariateList><Predictor name=\"x\"/></CovariateList>\n"
             "<PPMatrix><PPCell value=\"1\" predictorName=\"x\" parameterName=\"p1\"/>"
             "<PPCell value=\"a\" predictorName=\"f\" parameterName=\"p2\"/>" + matrix_extra + "</PPMatrix>\n"
             "<ParamMatrix><PCell parameterName=\"p0\" beta=\"1\"/><PCell parameterName=\"p1\" beta=\"2\"/>"
             "<PCell parameterName=\"p2\" beta=\"3\"/></ParamMatrix>\n"
             "</GeneralRegressionModel>\n");
}

TEST(PmmlGeneralRegression, LinksOfGeneralizedLinear) {
  const std::map<std::string, std::string> row = {{"x", "0.5"}, {"f", "b"}};  // eta = 2
  struct Case {
    std::string attributes;
    double expected;
  };
  const std::vector<Case> cases = {
      {"modelType=\"regression\"", 2.0},
      {"modelType=\"generalLinear\"", 2.0},
      {"modelType=\"generalizedLinear\" linkFunction=\"identity\"", 2.0},
      {"modelType=\"generalizedLinear\" linkFunction=\"log\" distribution=\"poisson\"", std::exp(2.0)},
      {"modelType=\"generalizedLinear\" linkFunction=\"logit\" distribution=\"binomial\"", 1 / (1 + std::exp(-2.0))},
      {"modelType=\"generalizedLinear\" linkFunction=\"probit\"", 0.5 * std::erfc(-2.0 / std::sqrt(2.0))},
      {"modelType=\"generalizedLinear\" linkFunction=\"cloglog\"", 1 - std::exp(-std::exp(2.0))},
      {"modelType=\"generalizedLinear\" linkFunction=\"power\" linkParameter=\"-1\" distribution=\"gamma\"", 0.5},
      {"modelType=\"generalizedLinear\" linkFunction=\"power\" linkParameter=\"1\"", 2.0},
      {"modelType=\"generalizedLinear\" linkFunction=\"power\" linkParameter=\"0\"", std::exp(2.0)},
      {"modelType=\"generalizedLinear\" linkFunction=\"oddspower\" linkParameter=\"0\"", 1 / (1 + std::exp(-2.0))},
      {"modelType=\"generalizedLinear\" linkFunction=\"identity\" offsetValue=\"-0.5\"", 1.5},
      {"modelType=\"generalizedLinear\" linkFunction=\"log\" offsetValue=\"-0.5\"", std::exp(1.5)},
  };
  for (const Case& c : cases) {
    Result<Pipeline> pipeline = Import(GrDoc(c.attributes));
    ASSERT_TRUE(pipeline.ok()) << c.attributes << ": " << pipeline.status().ToString();
    EXPECT_NEAR(ScoreValue(*pipeline, row), c.expected, 1e-12 * std::max(1.0, c.expected)) << c.attributes;
  }
}

TEST(PmmlGeneralRegression, LinksSpelledAsDerivedColumns) {
  // eta = 1 + 2 x (f = b); PMML's inverse links, including where an
  // intermediate value overflows.
  struct Case {
    std::string attributes;
    double x;
    double expected;  // NaN: missing
  };
  const double kMissing = std::nan("");
  const std::vector<Case> cases = {
      {"linkFunction=\"power\" linkParameter=\"0.5\"", 0.5, 4.0},
      {"linkFunction=\"power\" linkParameter=\"2\"", 1.5, 2.0},
      {"linkFunction=\"power\" linkParameter=\"2\"", -1.0, kMissing},  // sqrt(-1)
      {"linkFunction=\"power\" linkParameter=\"-2\"", 1.5, 0.5},
      {"linkFunction=\"logc\"", -1.0, 1 - std::exp(-1.0)},
      {"linkFunction=\"cauchit\"", 0.25, 0.5 + std::atan(1.5) / 3.141592653589793},
      {"linkFunction=\"cauchit\"", -3.0, 0.5 + std::atan(-5.0) / 3.141592653589793},
      {"linkFunction=\"loglog\"", 0.25, std::exp(-std::exp(-1.5))},
      {"linkFunction=\"loglog\"", -400, 0.0},  // exp(-eta) overflows; PMML: exp(-inf) = 0
      {"linkFunction=\"negbin\" distParameter=\"0.5\"", 0.25, 1 / (0.5 * (std::exp(-1.5) - 1))},
      {"linkFunction=\"negbin\" distParameter=\"0.5\"", -1.0, 1 / (0.5 * (std::exp(1.0) - 1))},
      {"linkFunction=\"negbin\" distParameter=\"0.5\"", -400, 0.0},
      {"linkFunction=\"negbin\" distParameter=\"0.5\"", -0.5, kMissing},  // eta = 0: 1 / 0
      {"linkFunction=\"oddspower\" linkParameter=\"0.5\"", 0.25, 1 / (1 + std::pow(1 + 0.5 * 1.5, -2.0))},
      {"linkFunction=\"oddspower\" linkParameter=\"0.5\"", -1.25, 1 / (1 + std::pow(1 + 0.5 * -1.5, -2.0))},
      {"linkFunction=\"oddspower\" linkParameter=\"-0.5\"", 0.25, 1 / (1 + std::pow(1 - 0.5 * 1.5, 2.0))},
      {"linkFunction=\"oddspower\" linkParameter=\"-0.5\"", -1.25, 1 / (1 + std::pow(1 + 0.75, 2.0))},
      // 1 + a eta = 0, so x^(-1/a) = 0^-2 is infinite: PMML's 1 / (1 + inf) = 0.
      {"linkFunction=\"oddspower\" linkParameter=\"0.5\"", -1.5, 0.0},
  };
  for (const Case& c : cases) {
    Result<Pipeline> pipeline = Import(GrDoc("modelType=\"generalizedLinear\" " + c.attributes));
    ASSERT_TRUE(pipeline.ok()) << c.attributes << ": " << pipeline.status().ToString();
    char x[64];
    std::snprintf(x, sizeof x, "%.17g", c.x);
    const double value = ScoreValue(*pipeline, {{"x", x}, {"f", "b"}});
    if (std::isnan(c.expected)) {
      EXPECT_TRUE(std::isnan(value)) << c.attributes << " x=" << c.x << ": " << value;
    } else {
      EXPECT_NEAR(value, c.expected, 1e-12 * std::max(1.0, std::fabs(c.expected))) << c.attributes << " x=" << c.x;
    }
  }
  // Targets rescaling folds into the identity GLM over the spelled column.
  Result<Pipeline> rescaled = Import(GrDoc("modelType=\"generalizedLinear\" linkFunction=\"power\" linkParameter=\"0.5\"",
                                           "<Targets><Target field=\"y\" rescaleFactor=\"3\" rescaleConstant=\"1\"/>"
                                           "</Targets>\n"));
  ASSERT_TRUE(rescaled.ok()) << rescaled.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*rescaled, {{"x", "0.5"}, {"f", "b"}}), 3 * 4.0 + 1);
  EXPECT_TRUE(std::isnan(ScoreValue(*rescaled, {{"f", "b"}})));
}

TEST(PmmlGeneralRegression, FactorsInteractionsAndMissingValues) {
  // p3 = [f=b] * x^2, with beta 0.5 for p3.
  std::string doc = GrDoc("modelType=\"regression\"", "",
                          "<PPCell value=\"b\" predictorName=\"f\" parameterName=\"p3\"/>"
                          "<PPCell value=\"2\" predictorName=\"x\" parameterName=\"p3\"/>",
                          "<Parameter name=\"p3\"/>");
  doc.insert(doc.find("</ParamMatrix>"), "<PCell parameterName=\"p3\" beta=\"0.5\"/>");
  Result<Pipeline> pipeline = Import(doc);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "3"}, {"f", "a"}}), 1 + 6 + 3);
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "3"}, {"f", "b"}}), 1 + 6 + 0.5 * 9);
  // A missing factor makes its indicators, and so the prediction, missing.
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"x", "3"}})));
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"f", "a"}})));
}

TEST(PmmlGeneralRegression, OffsetVariableAndRescaling) {
  const std::string fields = std::string(kGrFields) + "<DataField name=\"off\" optype=\"continuous\" dataType=\"double\"/>\n";
  const std::string doc = Doc(
      fields,
      "<GeneralRegressionModel functionName=\"regression\" modelType=\"generalizedLinear\" linkFunction=\"log\" "
      "offsetVariable=\"off\">\n"
      "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"off\"/>"
      "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n"
      "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/></ParameterList>\n"
      "<CovariateList><Predictor name=\"x\"/></CovariateList>\n"
      "<PPMatrix><PPCell value=\"1\" predictorName=\"x\" parameterName=\"p1\"/></PPMatrix>\n"
      "<ParamMatrix><PCell parameterName=\"p0\" beta=\"0.5\"/><PCell parameterName=\"p1\" beta=\"-1\"/></ParamMatrix>\n"
      "</GeneralRegressionModel>\n");
  Result<Pipeline> pipeline = Import(doc);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "2"}, {"off", "0.25"}}), std::exp(0.5 - 2 + 0.25), 1e-15);
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"x", "2"}})));

  Result<Pipeline> rescaled = Import(GrDoc("modelType=\"regression\"",
                                           "<Targets><Target field=\"y\" rescaleFactor=\"2\" rescaleConstant=\"1\"/>"
                                           "</Targets>\n"));
  ASSERT_TRUE(rescaled.ok()) << rescaled.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*rescaled, {{"x", "1"}, {"f", "a"}}), 2 * (1 + 2 + 3) + 1);
}

// A classifier GeneralRegressionModel on line 9 over x, target c.
std::string GrClassifier(const std::string& classes, const std::string& attributes, const std::string& cells) {
  return Doc("<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
             "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\">" + classes + "</DataField>\n",
             "\n\n<GeneralRegressionModel functionName=\"classification\" " + attributes + ">\n"
             "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"c\" usageType=\"target\"/></MiningSchema>\n"
             "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/></ParameterList>\n"
             "<CovariateList><Predictor name=\"x\"/></CovariateList>\n"
             "<PPMatrix><PPCell value=\"1\" predictorName=\"x\" parameterName=\"p1\"/></PPMatrix>\n"
             "<ParamMatrix>" + cells + "</ParamMatrix>\n"
             "</GeneralRegressionModel>\n");
}

TEST(PmmlGeneralRegression, MultinomialReferenceCategory) {
  // Classes not listed: the PCells' categories in order, then the named
  // reference category.
  Result<Pipeline> pipeline =
      Import(GrClassifier("", "modelType=\"multinomialLogistic\" targetReferenceCategory=\"r\"",
                          "<PCell targetCategory=\"u\" parameterName=\"p0\" beta=\"1\"/>"
                          "<PCell targetCategory=\"v\" parameterName=\"p1\" beta=\"2\"/>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"u", "v", "r"}));
  const double eu = std::exp(1.0);
  const double ev = std::exp(2.0 * 0.5);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "0.5"}}, 0), eu / (eu + ev + 1), 1e-15);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "0.5"}}, 2), 1 / (eu + ev + 1), 1e-15);

  // Listed classes keep their order; the reference is the one without betas.
  Result<Pipeline> listed =
      Import(GrClassifier("<Value value=\"r\"/><Value value=\"u\"/>", "modelType=\"multinomialLogistic\"",
                          "<PCell targetCategory=\"u\" parameterName=\"p1\" beta=\"1\"/>"));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->model.classes, (std::vector<std::string>{"r", "u"}));
  EXPECT_NEAR(ScoreValue(*listed, {{"x", "2"}}, 1), std::exp(2.0) / (std::exp(2.0) + 1), 1e-15);
}

TEST(PmmlGeneralRegression, OrdinalLoglogWithTwoCategories) {
  Result<Pipeline> pipeline =
      Import(GrClassifier("<Value value=\"lo\"/><Value value=\"hi\"/>",
                          "modelType=\"ordinalMultinomial\" cumulativeLink=\"loglog\"",
                          "<PCell targetCategory=\"lo\" parameterName=\"p0\" beta=\"0.2\"/>"
                          "<PCell parameterName=\"p1\" beta=\"-1\"/>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"lo", "hi"}));
  const double f = std::exp(-std::exp(-(0.2 - 0.7)));
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "0.7"}}, 0), f, 1e-12);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "0.7"}}, 1), 1 - f, 1e-12);
}

TEST(PmmlGeneralRegression, OrdinalWithMoreCategories) {
  const std::string three = "<Value value=\"a\"/><Value value=\"b\"/><Value value=\"c\"/>";
  const std::string cells =
      "<PCell targetCategory=\"a\" parameterName=\"p0\" beta=\"-1\"/>"
      "<PCell targetCategory=\"b\" parameterName=\"p0\" beta=\"0.5\"/>"
      "<PCell parameterName=\"p1\" beta=\"0.8\"/>";
  const std::vector<std::pair<std::string, double (*)(double)>> links = {
      {"logit", +[](double e) { return 1 / (1 + std::exp(-e)); }},
      {"cloglog", +[](double e) { return 1 - std::exp(-std::exp(e)); }},
      {"loglog", +[](double e) { return std::exp(-std::exp(-e)); }}};
  for (const auto& [link, f] : links) {
    Result<Pipeline> pipeline =
        Import(GrClassifier(three, "modelType=\"ordinalMultinomial\" cumulativeLink=\"" + link + "\"", cells));
    ASSERT_TRUE(pipeline.ok()) << link << ": " << pipeline.status().ToString();
    EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"a", "b", "c"}));
    for (const double x : {-2.0, 0.0, 0.7, 3.0}) {
      const double c1 = f(-1 + 0.8 * x);
      const double c2 = f(0.5 + 0.8 * x);
      Result<Prediction> prediction = Score(*pipeline, {{"x", std::to_string(x)}});
      ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
      EXPECT_NEAR(prediction->values[0], c1, 1e-12) << link << " x=" << x;
      EXPECT_NEAR(prediction->values[1], c2 - c1, 1e-12) << link << " x=" << x;
      EXPECT_NEAR(prediction->values[2], 1 - c2, 1e-12) << link << " x=" << x;
    }
    // A missing input gives missing probabilities.
    Result<Prediction> missing = Score(*pipeline, {});
    ASSERT_TRUE(missing.ok());
    EXPECT_TRUE(std::isnan(missing->values[0]));
    // Far out, the cumulative probabilities are 0 or 1 in doubles and the
    // middle class gets exactly 0, not a missing value.
    for (const char* extreme : {"2000", "-2000"}) {
      Result<Prediction> far = Score(*pipeline, {{"x", extreme}});
      ASSERT_TRUE(far.ok());
      EXPECT_EQ(far->values[1], 0.0) << link << " x=" << extreme;
      EXPECT_DOUBLE_EQ(far->values[0] + far->values[2], 1.0) << link << " x=" << extreme;
    }
  }
}

// cauchit: F(e) = 0.5 + atan(e) / π, through derived columns (the IR has no
// such link), with two and with three categories.
TEST(PmmlGeneralRegression, OrdinalCauchit) {
  const auto f = [](double e) { return 0.5 + std::atan(e) / 3.141592653589793; };
  Result<Pipeline> two = Import(GrClassifier("<Value value=\"lo\"/><Value value=\"hi\"/>",
                                             "modelType=\"ordinalMultinomial\" cumulativeLink=\"cauchit\"",
                                             "<PCell targetCategory=\"lo\" parameterName=\"p0\" beta=\"0.2\"/>"
                                             "<PCell parameterName=\"p1\" beta=\"-1\"/>"));
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->model.classes, (std::vector<std::string>{"lo", "hi"}));
  EXPECT_NEAR(ScoreValue(*two, {{"x", "0.7"}}, 0), f(0.2 - 0.7), 1e-12);
  EXPECT_NEAR(ScoreValue(*two, {{"x", "0.7"}}, 1), 1 - f(0.2 - 0.7), 1e-12);

  Result<Pipeline> three = Import(GrClassifier("<Value value=\"a\"/><Value value=\"b\"/><Value value=\"c\"/>",
                                               "modelType=\"ordinalMultinomial\" cumulativeLink=\"cauchit\"",
                                               "<PCell targetCategory=\"a\" parameterName=\"p0\" beta=\"-1\"/>"
                                               "<PCell targetCategory=\"b\" parameterName=\"p0\" beta=\"0.5\"/>"
                                               "<PCell parameterName=\"p1\" beta=\"0.8\"/>"));
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  for (const double x : {-2.0, 0.0, 0.7, 3.0, 2000.0}) {
    const double c1 = f(-1 + 0.8 * x);
    const double c2 = f(0.5 + 0.8 * x);
    Result<Prediction> prediction = Score(*three, {{"x", std::to_string(x)}});
    ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
    EXPECT_NEAR(prediction->values[0], c1, 1e-12) << "x=" << x;
    EXPECT_NEAR(prediction->values[1], c2 - c1, 1e-12) << "x=" << x;
    EXPECT_NEAR(prediction->values[2], 1 - c2, 1e-12) << "x=" << x;
  }
  Result<Prediction> missing = Score(*three, {});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(std::isnan(missing->values[0]));
}

TEST(PmmlGeneralRegression, BinaryGeneralizedLinearClassifier) {
  // PMML: p(first) = link^-1(eta + offset), p(second) = 1 - p(first).
  Result<Pipeline> pipeline =
      Import(GrClassifier("<Value value=\"yes\"/><Value value=\"no\"/>",
                          "modelType=\"generalizedLinear\" linkFunction=\"probit\" offsetValue=\"0.25\"",
                          "<PCell targetCategory=\"yes\" parameterName=\"p0\" beta=\"-0.5\"/>"
                          "<PCell parameterName=\"p1\" beta=\"2\"/>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"no", "yes"}));
  const double p_yes = 0.5 * std::erfc(-(-0.5 + 2 * 0.3 + 0.25) / std::sqrt(2.0));
  Result<Prediction> prediction = Score(*pipeline, {{"x", "0.3"}});
  ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
  EXPECT_NEAR(prediction->values[1], p_yes, 1e-15);
  EXPECT_NEAR(prediction->values[0], 1 - p_yes, 1e-15);
}

TEST(PmmlGeneralRegression, RefusalsNameElementAndLine) {
  struct Case {
    Result<Pipeline> result;
    StatusCode code;
    std::string fragment;
  };
  const std::string two = "<Value value=\"a\"/><Value value=\"b\"/>";
  const std::vector<Case> cases = {
      {Import(GrDoc("modelType=\"CoxRegression\"")), StatusCode::kUnimplemented,
       "<GeneralRegressionModel> (line 9): modelType CoxRegression"},
      {Import(GrDoc("modelType=\"generalizedLinear\" linkFunction=\"negbin\"")), StatusCode::kInvalidArgument,
       "<GeneralRegressionModel> (line 9): linkFunction negbin needs a distParameter"},
      {Import(GrClassifier(two, "modelType=\"generalizedLinear\" linkFunction=\"loglog\"",
                           "<PCell parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kUnimplemented, "<GeneralRegressionModel> (line 10): linkFunction loglog for a classifier"},
      {Import(GrDoc("modelType=\"generalizedLinear\" linkFunction=\"power\"")), StatusCode::kInvalidArgument,
       "<GeneralRegressionModel> (line 9): linkFunction power needs a linkParameter"},
      {Import(GrDoc("modelType=\"generalizedLinear\"")), StatusCode::kInvalidArgument,
       "<GeneralRegressionModel> (line 9): generalizedLinear needs a linkFunction"},
      {Import(GrDoc("modelType=\"generalizedLinear\" linkFunction=\"logit\" trialsValue=\"10\"")),
       StatusCode::kUnimplemented, "<GeneralRegressionModel> (line 9): trialsValue"},
      {Import(GrDoc("modelType=\"generalizedLinear\" linkFunction=\"log\"",
                    "<Targets><Target field=\"y\" rescaleFactor=\"2\"/></Targets>\n")),
       StatusCode::kUnimplemented, "<Targets> (line 11): rescaling a regression with a non-identity link"},
      {Import(GrDoc("modelType=\"generalizedLinear\" linkFunction=\"log\" offsetValue=\"1\" offsetVariable=\"x\"")),
       StatusCode::kUnimplemented, "<GeneralRegressionModel> (line 9): both offsetVariable and offsetValue"},
      {Import(GrDoc("modelType=\"regression\" offsetValue=\"1\"")), StatusCode::kUnimplemented,
       "<GeneralRegressionModel> (line 9): offsetValue with modelType regression"},
      {Import(GrDoc("modelType=\"generalLinear\" offsetVariable=\"x\"")), StatusCode::kUnimplemented,
       "<GeneralRegressionModel> (line 9): offsetVariable with modelType generalLinear"},
      {Import(GrClassifier(two + "<Value value=\"c\"/>", "modelType=\"generalizedLinear\" linkFunction=\"logit\"",
                           "<PCell parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kUnimplemented, "<GeneralRegressionModel> (line 10): a generalizedLinear classifier needs exactly two"},
      {Import(GrClassifier(two, "modelType=\"generalizedLinear\" linkFunction=\"logit\"",
                           "<PCell targetCategory=\"b\" parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kInvalidArgument, "<PCell> (line 15): targetCategory 'b' (a binary generalizedLinear model's"},
      {Import(GrDoc("modelType=\"multinomialLogistic\"")), StatusCode::kUnimplemented,
       "<GeneralRegressionModel> (line 9): modelType multinomialLogistic with functionName regression"},
      {Import(GrDoc("modelType=\"regression\"", "",
                    "<PPCell value=\"1\" predictorName=\"x\" parameterName=\"p0\" targetCategory=\"a\"/>")),
       StatusCode::kUnimplemented, "<PPCell> (line 14): a PPCell for one target category ('a')"},
      {Import(GrDoc("modelType=\"regression\"", "", "<PPCell value=\"1\" predictorName=\"x\" parameterName=\"q\"/>")),
       StatusCode::kInvalidArgument, "<PPCell> (line 14): unknown parameter 'q'"},
      {Import(GrDoc("modelType=\"regression\"", "", "<PPCell value=\"b\" predictorName=\"f\" parameterName=\"p2\"/>")),
       StatusCode::kInvalidArgument, "<PPCell> (line 14): field 'f' appears twice in parameter 'p2'"},
      {Import(GrDoc("regression=\"no-model-type\"")), StatusCode::kInvalidArgument,
       "<GeneralRegressionModel> (line 9): missing attribute 'modelType'"},
      {Import(GrClassifier(two + "<Value value=\"c\"/>", "modelType=\"ordinalMultinomial\" cumulativeLink=\"probit\"",
                           "<PCell targetCategory=\"a\" parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kUnimplemented, "<GeneralRegressionModel> (line 10): cumulativeLink probit with 3 categories"},
      {Import(GrClassifier(two + "<Value value=\"c\"/>", "modelType=\"ordinalMultinomial\" cumulativeLink=\"logit\"",
                           "<PCell targetCategory=\"a\" parameterName=\"p0\" beta=\"1\"/>"
                           "<PCell targetCategory=\"b\" parameterName=\"p0\" beta=\"0.5\"/>")),
       StatusCode::kInvalidArgument, "<GeneralRegressionModel> (line 10): the intercept of category 'b' is below"},
      {Import(GrClassifier(two + "<Value value=\"c\"/>", "modelType=\"ordinalMultinomial\" cumulativeLink=\"logit\"",
                           "<PCell targetCategory=\"a\" parameterName=\"p1\" beta=\"1\"/>")),
       StatusCode::kUnimplemented, "<PCell> (line 15): a category-specific beta for a covariate or factor"},
      {Import(GrClassifier(two + "<Value value=\"c\"/>", "modelType=\"ordinalMultinomial\" cumulativeLink=\"logit\"",
                           "<PCell targetCategory=\"c\" parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kInvalidArgument, "<PCell> (line 15): targetCategory 'c' (an ordinal model's intercepts are for"},
      {Import(GrClassifier(two, "modelType=\"multinomialLogistic\" offsetValue=\"1\"",
                           "<PCell targetCategory=\"a\" parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kUnimplemented, "<GeneralRegressionModel> (line 10): offsetValue in a classifier"},
      {Import(GrClassifier(two + "<Value value=\"c\"/>", "modelType=\"multinomialLogistic\"",
                           "<PCell targetCategory=\"a\" parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kInvalidArgument, "exactly one target category must have no betas (2 have none)"},
      {Import(GrClassifier(two, "modelType=\"multinomialLogistic\"",
                           "<PCell targetCategory=\"z\" parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kInvalidArgument, "<PCell> (line 15): targetCategory 'z' is not a value of the target field"},
      {Import(GrClassifier(two, "modelType=\"multinomialLogistic\"", "<PCell parameterName=\"p0\" beta=\"1\"/>")),
       StatusCode::kInvalidArgument, "<PCell> (line 15): multinomialLogistic needs a targetCategory on every PCell"},
  };
  for (const Case& c : cases) ExpectError(c.result, c.code, c.fragment);

  // Contrast matrices of factors are refused.
  std::string with_matrix = GrDoc("modelType=\"regression\"");
  const std::string plain = "<Predictor name=\"f\"/>";
  with_matrix.replace(with_matrix.find(plain), plain.size(),
                      "<Predictor name=\"f\" contrastMatrixType=\"helmert\"/>");
  ExpectError(Import(with_matrix), StatusCode::kUnimplemented, "<Predictor> (line 12): contrastMatrixType 'helmert'");
}

// ---------------------------------------------------------------------------
// Scorecard
// ---------------------------------------------------------------------------

const char kScoreFields[] =
    "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>\n"
    "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";

// A Scorecard on line 11; an Output on line 13; Characteristics on line 14,
// the Characteristics from line 15.
std::string ScorecardDoc(const std::string& attributes, const std::string& characteristics,
                         const std::string& output = "") {
  return Doc(kScoreFields,
             "\n\n<Scorecard functionName=\"regression\" " + attributes + ">\n"
             "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"s\"/>"
             "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n" + output +
             "\n<Characteristics>\n" + characteristics + "</Characteristics>\n</Scorecard>\n");
}

std::string Attr(const std::string& score, const std::string& predicate) {
  return "<Attribute partialScore=\"" + score + "\">" + predicate + "</Attribute>";
}

TEST(PmmlScorecard, FirstTrueAttributeAndThreeValuedPredicates) {
  const std::string lt = "<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>";
  const std::string is_a = "<SimplePredicate field=\"s\" operator=\"equal\" value=\"a\"/>";
  const std::string characteristics =
      "<Characteristic name=\"c1\">" + Attr("1", lt) +
      Attr("2", "<CompoundPredicate booleanOperator=\"surrogate\">" + is_a + "<True/></CompoundPredicate>") +
      Attr("3", "<True/>") + Attr("99", "<True/>") + "</Characteristic>\n"
      "<Characteristic name=\"c2\">" +
      Attr("10", "<CompoundPredicate booleanOperator=\"xor\">" + lt + is_a + "</CompoundPredicate>") +
      Attr("20", "<CompoundPredicate booleanOperator=\"or\">" + lt + is_a + "</CompoundPredicate>") +
      Attr("30", "<SimpleSetPredicate field=\"s\" booleanOperator=\"isNotIn\"><Array type=\"string\">a b</Array>"
                 "</SimpleSetPredicate>") +
      Attr("40", "<SimplePredicate field=\"x\" operator=\"isNotMissing\"/>") + "</Characteristic>\n";
  Result<Pipeline> pipeline = Import(ScorecardDoc("initialScore=\"100\" useReasonCodes=\"false\"", characteristics));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  struct Case {
    std::map<std::string, std::string> row;
    double expected;
  };
  const double kMissing = std::nan("");
  const std::vector<Case> cases = {
      // x < 0 and s = a: c1 takes 1; xor is false, or is true: c2 takes 20.
      {{{"x", "-1"}, {"s", "a"}}, 100 + 1 + 20},
      // x >= 0, s = a: surrogate's first part decides (TRUE): 2; xor TRUE: 10.
      {{{"x", "1"}, {"s", "a"}}, 100 + 2 + 10},
      // x >= 0, s = b: surrogate FALSE, then 3; xor/or FALSE, isNotIn FALSE, isNotMissing: 40.
      {{{"x", "1"}, {"s", "b"}}, 100 + 3 + 40},
      // s missing, x < 0: c1 takes 1; c2: xor UNKNOWN, or TRUE (Kleene): 20.
      {{{"x", "-1"}}, 100 + 1 + 20},
      // s missing, x >= 0: surrogate falls to its True part: 2; c2: 40.
      {{{"x", "1"}}, 100 + 2 + 40},
      // x missing, s = c: c1 gets 3 (lessThan UNKNOWN, surrogate FALSE); c2: isNotIn TRUE: 30.
      {{{"s", "c"}}, 100 + 3 + 30},
      // Both missing: c2 has no TRUE Attribute (isNotMissing is FALSE): no score.
      {{}, kMissing},
  };
  for (const Case& c : cases) {
    const double value = ScoreValue(*pipeline, c.row);
    if (std::isnan(c.expected)) {
      EXPECT_TRUE(std::isnan(value)) << value;
    } else {
      EXPECT_DOUBLE_EQ(value, c.expected);
    }
  }
  // Without baselines, the contributions are the partial scores themselves.
  EXPECT_TRUE(std::get<GlmModel>(pipeline->model.body).feature_means.empty());
}

TEST(PmmlScorecard, BaselinesBecomeFeatureMeans) {
  const std::string characteristics =
      "<Characteristic name=\"c1\" baselineScore=\"4\">" + Attr("1", "<True/>") + "</Characteristic>\n"
      "<Characteristic name=\"c2\">" + Attr("2", "<True/>") + "</Characteristic>\n";
  Result<Pipeline> pipeline = Import(ScorecardDoc("baselineScore=\"7\" useReasonCodes=\"false\"", characteristics));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(std::get<GlmModel>(pipeline->model.body).feature_means, (std::vector<double>{4, 7}));
  Result<Prediction> explained = Score(*pipeline, {}, true);
  ASSERT_TRUE(explained.ok()) << explained.status().ToString();
  EXPECT_DOUBLE_EQ(explained->values[0], 3);
  ASSERT_EQ(explained->contributions.size(), 3u);
  EXPECT_DOUBLE_EQ(explained->contributions[0].value, 1 - 4);
  EXPECT_DOUBLE_EQ(explained->contributions[1].value, 2 - 7);
}

// The reason codes of a row as PMML reports them: the pipeline's reason
// order and labels over the reference scorer's contributions.
std::vector<std::string> ReasonCodes(const Pipeline& pipeline, const std::map<std::string, std::string>& row) {
  Result<Prediction> explained = Score(pipeline, row, true);
  EXPECT_TRUE(explained.ok()) << explained.status().ToString();
  std::vector<std::string> codes;
  if (!explained.ok()) return codes;
  for (const Contribution& c : TopReasons(explained->contributions, 10, pipeline.post)) {
    codes.push_back(ReasonLabel(pipeline, c.feature));
  }
  return codes;
}

// Reason codes shared across Characteristics sum their points; an
// Attribute's own code overrides its Characteristic's; only codes with
// positive points are returned, largest first, ties to the code that
// appears first in the document.
TEST(PmmlScorecard, ReasonCodePointsAreSummedPerCode) {
  const std::string lt = "<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>";
  const std::string is_a = "<SimplePredicate field=\"s\" operator=\"equal\" value=\"a\"/>";
  const std::string characteristics =
      "<Characteristic name=\"c1\" reasonCode=\"A\" baselineScore=\"10\">" + Attr("4", lt) +
      "<Attribute partialScore=\"7\" reasonCode=\"B\"><True/></Attribute></Characteristic>\n"
      "<Characteristic name=\"c2\" reasonCode=\"A\">" + Attr("1", is_a) + Attr("6", "<True/>") +
      "</Characteristic>\n"
      "<Characteristic name=\"c3\" reasonCode=\"C\" baselineScore=\"2\">" + Attr("9", is_a) +
      Attr("-1", "<True/>") + "</Characteristic>\n";
  const std::string output =
      "<Output><OutputField name=\"Score\"/><OutputField name=\"First\" feature=\"reasonCode\"/>"
      "<OutputField name=\"Second\" feature=\"reasonCode\" rank=\"2\"/></Output>";
  Result<Pipeline> pipeline = Import(ScorecardDoc("initialScore=\"50\" baselineScore=\"5\"", characteristics, output));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->post.reason_labels, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(pipeline->post.reason_order, ReasonOrder::kSmallestFirst);  // pointsBelow: coefficient -1
  EXPECT_TRUE(pipeline->post.reason_one_sided);
  EXPECT_EQ(pipeline->output_names.reasons, (std::vector<std::string>{"First", "Second"}));
  EXPECT_EQ(pipeline->output_names.value, "Score");
  // x < 0, s = a: c1 4 (A: 10 - 4 = 6), c2 1 (A: 5 - 1 = 4), c3 9 (C: 2 - 9 = -7).
  // A = 10 points below; C is above its baseline and no reason.
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "-1"}, {"s", "a"}}), 50 + 4 + 1 + 9);
  EXPECT_EQ(ReasonCodes(*pipeline, {{"x", "-1"}, {"s", "a"}}), (std::vector<std::string>{"A"}));
  // x >= 0, s = b: c1 7 (B: 3), c2 6 (A: -1), c3 -1 (C: 3): B and C tie at 3, B appears first.
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "1"}, {"s", "b"}}), 50 + 7 + 6 - 1);
  EXPECT_EQ(ReasonCodes(*pipeline, {{"x", "1"}, {"s", "b"}}), (std::vector<std::string>{"B", "C"}));
  // x < 0, s = b: c1 4 (A: 6), c2 6 (A: -1), c3 -1 (C: 3): A = 5, then C.
  EXPECT_EQ(ReasonCodes(*pipeline, {{"x", "-1"}, {"s", "b"}}), (std::vector<std::string>{"A", "C"}));
}

// On equal points, the code whose Characteristic or Attribute comes first in
// the document ranks first: a Characteristic's own code precedes the codes of
// its Attributes.
TEST(PmmlScorecard, TiesGoToTheCodeThatAppearsFirst) {
  const std::string lt = "<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>";
  const std::string characteristics =
      "<Characteristic name=\"c1\" reasonCode=\"C\" baselineScore=\"10\">"
      "<Attribute partialScore=\"4\" reasonCode=\"A\">" + lt + "</Attribute>" + Attr("4", "<True/>") +
      "</Characteristic>\n"
      "<Characteristic name=\"c2\" reasonCode=\"A\" baselineScore=\"10\">" + Attr("4", "<True/>") +
      "</Characteristic>\n";
  Result<Pipeline> pipeline = Import(ScorecardDoc("", characteristics));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->post.reason_labels, (std::vector<std::string>{"C", "A"}));
  // x >= 0: C and A both 6 points below: C first.
  EXPECT_EQ(ReasonCodes(*pipeline, {{"x", "1"}}), (std::vector<std::string>{"C", "A"}));
  // x < 0: A gets both Characteristics' points (12).
  EXPECT_EQ(ReasonCodes(*pipeline, {{"x", "-1"}}), (std::vector<std::string>{"A"}));
}

TEST(PmmlScorecard, PointsAboveUnderANegativeRescaleFactor) {
  const std::string lt = "<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>";
  const std::string characteristics =
      "<Characteristic name=\"c1\" reasonCode=\"P\" baselineScore=\"3\">" + Attr("8", lt) + Attr("1", "<True/>") +
      "</Characteristic>\n"
      "<Characteristic name=\"c2\" reasonCode=\"Q\" baselineScore=\"3\">" + Attr("5", "<True/>") +
      "</Characteristic>\n";
  const std::string doc = ScorecardDoc("reasonCodeAlgorithm=\"pointsAbove\" initialScore=\"1\"", characteristics);
  std::string rescaled = doc;
  rescaled.replace(rescaled.find("\n<Characteristics>"), 0,
                   "<Targets><Target field=\"y\" rescaleFactor=\"-2\" rescaleConstant=\"1\"/></Targets>");
  Result<Pipeline> pipeline = Import(rescaled);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->post.reason_order, ReasonOrder::kSmallestFirst);  // coefficient +1 * -2
  // x < 0: partial scores 8 and 5, points above 5 and 2: P then Q.
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "-1"}}), -2 * (1 + 8 + 5) + 1);
  EXPECT_EQ(ReasonCodes(*pipeline, {{"x", "-1"}}), (std::vector<std::string>{"P", "Q"}));
  // x >= 0: 1 and 5, points above -2 and 2: Q only.
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "1"}}), -2 * (1 + 1 + 5) + 1);
  EXPECT_EQ(ReasonCodes(*pipeline, {{"x", "1"}}), (std::vector<std::string>{"Q"}));
}

TEST(PmmlScorecard, RefusalsNameElementAndLine) {
  struct Case {
    Result<Pipeline> result;
    StatusCode code;
    std::string fragment;
  };
  const std::string one = "<Characteristic name=\"c\">" + Attr("1", "<True/>") + "</Characteristic>\n";
  const std::string coded = "<Characteristic name=\"c\" reasonCode=\"R\">" + Attr("1", "<True/>") +
                            "</Characteristic>\n";
  const std::vector<Case> cases = {
      {Import(ScorecardDoc("useReasonCodes=\"false\"", one,
                           "<Output><OutputField name=\"rc1\" feature=\"reasonCode\" rank=\"1\"/></Output>")),
       StatusCode::kInvalidArgument,
       "<OutputField> (line 13): a reasonCode output of a Scorecard with useReasonCodes=\"false\""},
      {Import(ScorecardDoc("useReasonCodes=\"maybe\"", one)), StatusCode::kInvalidArgument,
       "<Scorecard> (line 11): useReasonCodes is not a boolean"},
      {Import(ScorecardDoc("baselineScore=\"0\"", one)), StatusCode::kInvalidArgument,
       "<Attribute> (line 15): no reasonCode on the Attribute or its Characteristic, which useReasonCodes=\"true\" "
       "requires"},
      {Import(ScorecardDoc("", coded)), StatusCode::kInvalidArgument,
       "<Characteristic> (line 15): no baselineScore on the Characteristic or the Scorecard, which "
       "useReasonCodes=\"true\" requires"},
      {Import(ScorecardDoc("baselineScore=\"0\"", coded,
                           "<Output><OutputField name=\"rc\" feature=\"reasonCode\" rank=\"0\"/></Output>")),
       StatusCode::kInvalidArgument, "<OutputField> (line 13): rank '0' is not a whole number from 1 to 1000"},
      {Import(ScorecardDoc("baselineScore=\"0\"", coded,
                           "<Output><OutputField name=\"a\" feature=\"reasonCode\"/>"
                           "<OutputField name=\"b\" feature=\"reasonCode\" rank=\"1\"/></Output>")),
       StatusCode::kInvalidArgument, "<OutputField> (line 13): a second reasonCode output of rank 1"},
      {Import(ScorecardDoc("baselineScore=\"0\"", coded,
                           "<Output><OutputField name=\"a\" feature=\"reasonCode\" rank=\"2\"/></Output>")),
       StatusCode::kUnimplemented, "<OutputField> (line 13): reasonCode outputs whose ranks skip 1"},
      {Import(ScorecardDoc("baselineScore=\"0\"", coded,
                           "<Output><OutputField name=\"reason_1\" feature=\"reasonCode\"/></Output>")),
       StatusCode::kInvalidArgument, "'reason_1' is the name of a column scoring adds"},
      {Import(ScorecardDoc("reasonCodeAlgorithm=\"pointsAround\"", one)), StatusCode::kInvalidArgument,
       "<Scorecard> (line 11): unknown reasonCodeAlgorithm 'pointsAround'"},
      {Import(ScorecardDoc("baselineMethod=\"median\"", one)), StatusCode::kInvalidArgument,
       "<Scorecard> (line 11): unknown baselineMethod 'median'"},
      {Import(ScorecardDoc("initialScore=\"abc\"", one)), StatusCode::kInvalidArgument,
       "<Scorecard> (line 11): initialScore is not a finite number"},
      {Import(ScorecardDoc("", "")), StatusCode::kInvalidArgument, "<Characteristics> (line 14): no Characteristic"},
      {Import(ScorecardDoc("", "<Characteristic name=\"c\"/>\n")), StatusCode::kInvalidArgument,
       "<Characteristic> (line 15): a Characteristic without Attribute"},
      {Import(ScorecardDoc("", "<Characteristic name=\"c\"><Attribute partialScore=\"1\"/></Characteristic>\n")),
       StatusCode::kInvalidArgument, "<Attribute> (line 15): an Attribute without a predicate"},
      {Import(ScorecardDoc("", "<Characteristic name=\"c\"><Attribute><True/></Attribute></Characteristic>\n")),
       StatusCode::kInvalidArgument, "<Attribute> (line 15): an Attribute needs partialScore or ComplexPartialScore"},
      {Import(ScorecardDoc("", "<Characteristic name=\"c\">" +
                                   Attr("1", "<SimplePredicate field=\"s\" operator=\"lessThan\" value=\"a\"/>") +
                                   "</Characteristic>\n")),
       StatusCode::kUnimplemented, "<SimplePredicate> (line 15): operator lessThan on a field that is not a number"},
      {Import(ScorecardDoc("", "<Characteristic name=\"c\">" +
                                   Attr("1", "<SimplePredicate field=\"z\" operator=\"isMissing\"/>") +
                                   "</Characteristic>\n")),
       StatusCode::kInvalidArgument, "<SimplePredicate> (line 15): unknown field 'z'"},
      {Import(ScorecardDoc("", "<Characteristic name=\"c\">" +
                                   Attr("1", "<CompoundPredicate booleanOperator=\"and\"><True/></CompoundPredicate>") +
                                   "</Characteristic>\n")),
       StatusCode::kInvalidArgument, "<CompoundPredicate> (line 15): a CompoundPredicate needs at least two"},
      {Import(ScorecardDoc("", "<Characteristic name=\"c\"><Attribute><True/><ComplexPartialScore>"
                               "<Apply function=\"greaterThan\"><FieldRef field=\"x\"/><Constant>1</Constant></Apply>"
                               "</ComplexPartialScore></Attribute></Characteristic>\n")),
       StatusCode::kUnimplemented, "<Apply> (line 15): a partial score that is not a number"},
      {Import(Doc(kScoreFields, "<Scorecard functionName=\"classification\"><MiningSchema>"
                                "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema></Scorecard>\n")),
       StatusCode::kUnimplemented, "<Scorecard> (line 9): a Scorecard with functionName classification"},
  };
  for (const Case& c : cases) ExpectError(c.result, c.code, c.fragment);
}

// ---------------------------------------------------------------------------
// NaiveBayesModel
// ---------------------------------------------------------------------------

const char kBayesFields[] =
    "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>\n"
    "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\"/><Value value=\"b\"/>"
    "</DataField>\n";

std::string Counts(double a, double b) {
  return "<TargetValueCounts><TargetValueCount value=\"a\" count=\"" + std::to_string(a) +
         "\"/><TargetValueCount value=\"b\" count=\"" + std::to_string(b) + "\"/></TargetValueCounts>";
}

// A NaiveBayesModel on line 9; BayesInputs on line 11, its inputs on line 12.
std::string BayesDoc(const std::string& attributes, const std::string& inputs,
                     const std::string& output = "<BayesOutput fieldName=\"c\">" + Counts(3, 1) + "</BayesOutput>") {
  return Doc(kBayesFields,
             "<NaiveBayesModel functionName=\"classification\" " + attributes + ">\n"
             "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"s\"/>"
             "<MiningField name=\"c\" usageType=\"target\"/></MiningSchema>\n"
             "<BayesInputs>\n" + inputs + "\n</BayesInputs>\n" + output + "\n</NaiveBayesModel>\n");
}

TEST(PmmlNaiveBayes, CountsThresholdGaussianAndSkippedInputs) {
  const std::string inputs =
      "<BayesInput fieldName=\"s\"><PairCounts value=\"u\">" + Counts(2, 0) + "</PairCounts>"
      "<PairCounts value=\"v\">" + Counts(1, 1) + "</PairCounts></BayesInput>"
      "<BayesInput fieldName=\"x\"><TargetValueStats>"
      "<TargetValueStat value=\"a\"><GaussianDistribution mean=\"0\" variance=\"1\"/></TargetValueStat>"
      "<TargetValueStat value=\"b\"><GaussianDistribution mean=\"2\" variance=\"4\"/></TargetValueStat>"
      "</TargetValueStats></BayesInput>";
  Result<Pipeline> pipeline = Import(BayesDoc("threshold=\"0.01\"", inputs));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"a", "b"}));
  const auto gauss = [](double mean, double variance, double x) {
    return std::exp(-(x - mean) * (x - mean) / (2 * variance)) / std::sqrt(2 * M_PI * variance);
  };
  const auto p_a = [](double la, double lb) { return la / (la + lb); };
  // s = u: a 2/3, b has count 0 -> threshold; x = 1.
  EXPECT_NEAR(ScoreValue(*pipeline, {{"s", "u"}, {"x", "1"}}),
              p_a(3 * 2.0 / 3 * gauss(0, 1, 1), 1 * 0.01 * gauss(2, 4, 1)), 1e-12);
  // s = v, x = 5: a's density (1.5e-6) is below the threshold, b's is not.
  EXPECT_NEAR(ScoreValue(*pipeline, {{"s", "v"}, {"x", "5"}}),
              p_a(3 * 1.0 / 3 * 0.01, 1 * 1.0 * gauss(2, 4, 5)), 1e-12);
  // x = 9: both densities are below it.
  EXPECT_NEAR(ScoreValue(*pipeline, {{"s", "v"}, {"x", "9"}}), 0.5, 1e-12);
  // Missing inputs and a value in no PairCounts are skipped: the priors.
  EXPECT_NEAR(ScoreValue(*pipeline, {}), 0.75, 1e-15);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"s", "w"}}), 0.75, 1e-15);
}

TEST(PmmlNaiveBayes, RefusalsNameElementAndLine) {
  struct Case {
    Result<Pipeline> result;
    StatusCode code;
    std::string fragment;
  };
  const std::string categorical =
      "<BayesInput fieldName=\"s\"><PairCounts value=\"u\">" + Counts(2, 1) + "</PairCounts></BayesInput>";
  const std::vector<Case> cases = {
      {Import(BayesDoc("", categorical)), StatusCode::kInvalidArgument,
       "<NaiveBayesModel> (line 9): missing attribute 'threshold'"},
      {Import(BayesDoc("threshold=\"0\"", categorical)), StatusCode::kUnimplemented,
       "<NaiveBayesModel> (line 9): threshold 0"},
      {Import(BayesDoc("threshold=\"0.1\"",
                       "<BayesInput fieldName=\"x\"><TargetValueStats><TargetValueStat value=\"a\">"
                       "<PoissonDistribution mean=\"2\"/></TargetValueStat></TargetValueStats></BayesInput>")),
       StatusCode::kUnimplemented, "<PoissonDistribution> (line 12): this distribution"},
      {Import(BayesDoc("threshold=\"0.1\"",
                       "<BayesInput fieldName=\"x\"><TargetValueStats><TargetValueStat value=\"a\">"
                       "<GaussianDistribution mean=\"2\" variance=\"1\"/></TargetValueStat></TargetValueStats>"
                       "</BayesInput>")),
       StatusCode::kUnimplemented, "<TargetValueStats> (line 12): TargetValueStats without a distribution for class 'b'"},
      {Import(BayesDoc("threshold=\"0.1\"",
                       "<BayesInput fieldName=\"s\"><PairCounts value=\"u\"><TargetValueCounts>"
                       "<TargetValueCount value=\"a\" count=\"1\"/></TargetValueCounts></PairCounts></BayesInput>")),
       StatusCode::kUnimplemented, "<TargetValueCounts> (line 12): TargetValueCounts without a count for every class"},
      {Import(BayesDoc("threshold=\"0.1\"", categorical,
                       "<BayesOutput fieldName=\"c\">" + Counts(3, 0) + "</BayesOutput>")),
       StatusCode::kUnimplemented, "class 'b' has count 0"},
      {Import(BayesDoc("threshold=\"0.1\"", categorical, "")), StatusCode::kInvalidArgument,
       "<NaiveBayesModel> (line 9): missing BayesOutput"},
      {Import(BayesDoc("threshold=\"0.1\"", "<BayesInput fieldName=\"s\"/>")), StatusCode::kInvalidArgument,
       "<BayesInput> (line 12): a BayesInput needs PairCounts or TargetValueStats"},
      {Import(BayesDoc("threshold=\"0.1\"", "<BayesInput fieldName=\"z\"/>")), StatusCode::kInvalidArgument,
       "<BayesInput> (line 12): unknown field 'z'"},
      {Import(BayesDoc("threshold=\"0.1\"",
                       "<BayesInput fieldName=\"x\"><DerivedField><FieldRef field=\"x\"/></DerivedField>"
                       "<PairCounts value=\"1\">" + Counts(1, 1) + "</PairCounts></BayesInput>")),
       StatusCode::kUnimplemented, "<FieldRef> (line 12): a BayesInput's DerivedField other than Discretize"},
      {Import(BayesDoc("threshold=\"0.1\"", "<Extension><BayesInput fieldName=\"x\"/></Extension>")),
       StatusCode::kUnimplemented, "<Extension> (line 12): a BayesInput inside an Extension"},
  };
  for (const Case& c : cases) ExpectError(c.result, c.code, c.fragment);
}

}  // namespace
}  // namespace podium
