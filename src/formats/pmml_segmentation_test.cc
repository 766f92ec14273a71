// MiningModel segmentations combined by expressions (formats/pmml_segmentation.cc):
// each multipleModelMethod, segment predicates under missing values, segments
// of several model types, nested MiningModels, modelChain outputs, refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "formats/pmml_test_util.h"

namespace podium {
namespace {

using pmml_testing::Doc;
using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::Score;
using pmml_testing::ScoreValue;

// Inputs x (number) and r (open category), targets y (number) and c (a/b).
const char kFields[] =
    "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
    "<DataField name=\"r\" optype=\"categorical\" dataType=\"string\"/>"
    "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>"
    "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\"/><Value value=\"b\"/>"
    "</DataField>";

const char kSchema[] = "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"r\"/></MiningSchema>";

// y = intercept + slope * x.
std::string Line(double intercept, double slope, const std::string& attributes = "") {
  return "<RegressionModel functionName=\"regression\"" + attributes + ">" + kSchema + "<RegressionTable intercept=\"" +
         std::to_string(intercept) + "\"><NumericPredictor name=\"x\" coefficient=\"" + std::to_string(slope) +
         "\"/></RegressionTable></RegressionModel>";
}

// low when x < 5, else high (a missing x takes no child: the last prediction, the root's).
std::string Step(double low, double high) {
  return "<TreeModel functionName=\"regression\" noTrueChildStrategy=\"returnLastPrediction\">" + std::string(kSchema) +
         "<Node score=\"-1\"><True/><Node score=\"" + std::to_string(low) +
         "\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"5\"/></Node><Node score=\"" +
         std::to_string(high) +
         "\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"5\"/></Node>"
         "</Node></TreeModel>";
}

std::string Region(const std::string& value) {
  return "<SimplePredicate field=\"r\" operator=\"equal\" value=\"" + value + "\"/>";
}

// A MiningModel on line 6, its Segmentation on line 8, segment k on line 8 + k.
std::string Mining(const std::string& function, const std::string& method, const std::vector<std::string>& segments,
                   const std::string& extra = "") {
  const std::string target = function == "regression" ? "y" : "c";
  std::string body = "<MiningModel functionName=\"" + function + "\">\n" +
                     "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"r\"/><MiningField name=\"" + target +
                     "\" usageType=\"predicted\"/></MiningSchema>" + extra + "\n" +
                     "<Segmentation multipleModelMethod=\"" + method + "\">\n";
  for (const std::string& segment : segments) body += segment + "\n";
  body += "</Segmentation></MiningModel>\n";
  return Doc(kFields, body);
}

std::string Segment(const std::string& predicate, const std::string& model, const std::string& attributes = "") {
  return "<Segment" + attributes + ">" + predicate + model + "</Segment>";
}

bool IsMissing(const Pipeline& pipeline, const std::map<std::string, std::string>& row) {
  return std::isnan(ScoreValue(pipeline, row));
}

TEST(PmmlSegmentation, SelectFirstBySegmentPredicate) {
  Result<Pipeline> pipeline =
      Import(Mining("regression", "selectFirst",
                    {Segment(Region("north"), Line(1, 2)), Segment(Region("south"), Line(10, 0.5)),
                     Segment("<True/>", Step(100, 200))}));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "3"}, {"r", "north"}}), 7.0);
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "3"}, {"r", "south"}}), 11.5);
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "3"}, {"r", "east"}}), 100.0);
  // A missing r makes both predicates UNKNOWN (not TRUE): the True segment.
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "7"}}), 200.0);
  // The selected regression with a missing x: missing; the tree: its root's score.
  EXPECT_TRUE(IsMissing(*pipeline, {{"r", "north"}}));
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"r", "west"}}), -1.0);
  EXPECT_EQ(std::get<GlmModel>(pipeline->model.body).coefficients, std::vector<double>{1.0});
}

TEST(PmmlSegmentation, NoSelectedSegmentGivesMissing) {
  Result<Pipeline> pipeline = Import(Mining(
      "regression", "selectFirst", {Segment(Region("north"), Line(1, 2)), Segment(Region("south"), Line(10, 0.5))},
      "<Targets><Target field=\"y\" rescaleFactor=\"2\" rescaleConstant=\"1\"/></Targets>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "3"}, {"r", "south"}}), 24.0);  // 2 * 11.5 + 1
  EXPECT_TRUE(IsMissing(*pipeline, {{"x", "3"}, {"r", "east"}}));
  EXPECT_TRUE(IsMissing(*pipeline, {{"x", "3"}}));
}

TEST(PmmlSegmentation, SumAverageWeightedAverageOverSelectedSegments) {
  const std::vector<std::string> segments = {
      Segment(Region("north"), Line(1, 2), " weight=\"1\""),  // 7 at x = 3
      Segment("<True/>", Step(100, 200), " weight=\"3\""),    // 100 at x = 3
      Segment("<SimplePredicate field=\"x\" operator=\"greaterThan\" value=\"0\"/>", Line(0, 10),
              " weight=\"6\"")};  // 30 at x = 3
  Result<Pipeline> sum = Import(Mining("regression", "sum", segments));
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*sum, {{"x", "3"}, {"r", "north"}}), 137.0);
  EXPECT_DOUBLE_EQ(ScoreValue(*sum, {{"x", "3"}, {"r", "south"}}), 130.0);
  EXPECT_DOUBLE_EQ(ScoreValue(*sum, {{"x", "-3"}, {"r", "south"}}), 100.0);
  Result<Pipeline> average = Import(Mining("regression", "average", segments));
  ASSERT_TRUE(average.ok()) << average.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*average, {{"x", "3"}, {"r", "north"}}), 137.0 / 3);
  EXPECT_DOUBLE_EQ(ScoreValue(*average, {{"x", "3"}, {"r", "south"}}), 65.0);
  Result<Pipeline> weighted = Import(Mining("regression", "weightedAverage", segments));
  ASSERT_TRUE(weighted.ok()) << weighted.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*weighted, {{"x", "3"}, {"r", "north"}}), (7.0 + 300 + 180) / 10);
  EXPECT_DOUBLE_EQ(ScoreValue(*weighted, {{"x", "3"}, {"r", "south"}}), (300.0 + 180) / 9);
  // A missing x: the third predicate is UNKNOWN, the tree gives its root's -1.
  EXPECT_DOUBLE_EQ(ScoreValue(*weighted, {{"r", "south"}}), -1.0);
  EXPECT_TRUE(IsMissing(*weighted, {{"r", "north"}}));  // the selected regression is missing
}

TEST(PmmlSegmentation, MedianAndMax) {
  const std::vector<std::string> segments = {Segment("<True/>", Line(0, 1)),             // x
                                             Segment("<True/>", Line(10, 0)),            // 10
                                             Segment(Region("north"), Line(0, -1)),      // -x
                                             Segment(Region("south"), Step(100, 200))};  // 100 / 200
  Result<Pipeline> median = Import(Mining("regression", "median", segments));
  ASSERT_TRUE(median.ok()) << median.status().ToString();
  // {3, 10}: the mean of the two middle values.
  EXPECT_DOUBLE_EQ(ScoreValue(*median, {{"x", "3"}, {"r", "east"}}), 6.5);
  // {3, 10, -3}
  EXPECT_DOUBLE_EQ(ScoreValue(*median, {{"x", "3"}, {"r", "north"}}), 3.0);
  // {10, 10, 200}: ties
  EXPECT_DOUBLE_EQ(ScoreValue(*median, {{"x", "10"}, {"r", "south"}}), 10.0);
  EXPECT_TRUE(IsMissing(*median, {{"r", "east"}}));
  Result<Pipeline> max = Import(Mining("regression", "max", segments));
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*max, {{"x", "3"}, {"r", "east"}}), 10.0);
  EXPECT_DOUBLE_EQ(ScoreValue(*max, {{"x", "-30"}, {"r", "north"}}), 30.0);
  EXPECT_DOUBLE_EQ(ScoreValue(*max, {{"x", "3"}, {"r", "south"}}), 100.0);
  EXPECT_TRUE(IsMissing(*max, {{"r", "east"}}));
}

// p(a) = 1 / (1 + exp(-(x))) from a logit regression; a tree with
// distributions; a softmax regression.
std::string LogitClassifier(double slope) {
  return "<RegressionModel functionName=\"classification\" normalizationMethod=\"logit\">" + std::string(kSchema) +
         "<RegressionTable intercept=\"0\" targetCategory=\"a\"><NumericPredictor name=\"x\" coefficient=\"" +
         std::to_string(slope) +
         "\"/></RegressionTable><RegressionTable intercept=\"0\" targetCategory=\"b\"/>"
         "</RegressionModel>";
}

std::string TreeClassifier(double low_a, double high_a) {
  auto node = [](const std::string& predicate, double pa) {
    const std::string winner = pa >= 0.5 ? "a" : "b";
    return "<Node score=\"" + winner + "\">" + predicate + "<ScoreDistribution value=\"a\" recordCount=\"" +
           std::to_string(pa * 100) + "\"/><ScoreDistribution value=\"b\" recordCount=\"" +
           std::to_string((1 - pa) * 100) + "\"/></Node>";
  };
  return "<TreeModel functionName=\"classification\" noTrueChildStrategy=\"returnLastPrediction\">" +
         std::string(kSchema) + "<Node score=\"a\"><True/>" +
         "<ScoreDistribution value=\"a\" recordCount=\"60\"/><ScoreDistribution value=\"b\" recordCount=\"40\"/>" +
         node("<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>", low_a) +
         node("<SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"0\"/>", high_a) + "</Node></TreeModel>";
}

double Logistic(double z) { return 1 / (1 + std::exp(-z)); }

TEST(PmmlSegmentation, ClassifierAverageOfMixedModels) {
  const std::vector<std::string> segments = {Segment("<True/>", LogitClassifier(1), " weight=\"1\""),
                                             Segment("<True/>", TreeClassifier(0.2, 0.9), " weight=\"3\""),
                                             Segment(Region("north"), LogitClassifier(-2), " weight=\"4\"")};
  Result<Pipeline> average = Import(Mining("classification", "average", segments));
  ASSERT_TRUE(average.ok()) << average.status().ToString();
  EXPECT_EQ(average->model.classes, (std::vector<std::string>{"a", "b"}));
  Result<Prediction> south = Score(*average, {{"x", "1"}, {"r", "south"}});
  ASSERT_TRUE(south.ok()) << south.status().ToString();
  const double pa = (Logistic(1) + 0.9) / 2;
  EXPECT_NEAR(south->values[0], pa, 1e-15);
  EXPECT_NEAR(south->values[1], 1 - pa, 1e-15);
  EXPECT_EQ(south->label, 0);
  Result<Prediction> north = Score(*average, {{"x", "1"}, {"r", "north"}});
  ASSERT_TRUE(north.ok());
  EXPECT_NEAR(north->values[0], (Logistic(1) + 0.9 + Logistic(-2)) / 3, 1e-15);
  Result<Pipeline> weighted = Import(Mining("classification", "weightedAverage", segments));
  ASSERT_TRUE(weighted.ok()) << weighted.status().ToString();
  Result<Prediction> low = Score(*weighted, {{"x", "-1"}, {"r", "north"}});
  ASSERT_TRUE(low.ok());
  const double weighted_a = (Logistic(-1) + 3 * 0.2 + 4 * Logistic(2)) / 8;
  EXPECT_NEAR(low->values[0], weighted_a, 1e-15);
  EXPECT_EQ(low->label, weighted_a >= 0.5 ? 0 : 1);
}

// max: the winning category has the highest probability in any selected
// segment; the result averages the segments that give it that probability.
TEST(PmmlSegmentation, ClassifierMax) {
  const std::vector<std::string> segments = {Segment("<True/>", LogitClassifier(1)),
                                             Segment("<True/>", TreeClassifier(0.2, 0.9)),
                                             Segment(Region("north"), LogitClassifier(-2)),
                                             Segment(Region("north"), TreeClassifier(0.1, 0.9))};
  Result<Pipeline> max = Import(Mining("classification", "max", segments));
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  auto expect = [&](const std::string& x, const std::string& region, double pa, int label) {
    Result<Prediction> p = Score(*max, {{"x", x}, {"r", region}});
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_NEAR(p->values[0], pa, 1e-15) << "x=" << x << " " << region;
    EXPECT_NEAR(p->values[1], 1 - pa, 1e-15) << "x=" << x << " " << region;
    EXPECT_EQ(p->label, label) << "x=" << x << " " << region;
  };
  // South, x = 1: (0.731, 0.269) and (0.9, 0.1): the tree's 0.9 for a wins.
  expect("1", "south", 0.9, 0);
  // South, x = -1: (0.269, 0.731) and (0.2, 0.8): the tree's 0.8 for b wins.
  expect("-1", "south", 0.2, 1);
  // North, x = -1: logistic(2) = 0.881 for a, but the last tree's 0.9 for b
  // is higher: b wins with that tree's vector (0.1, 0.9).
  expect("-1", "north", 0.1, 1);
  // North, x = 1: both trees give 0.9 for a; their vectors are averaged.
  expect("1", "north", 0.9, 0);
  // North, x = 0.5: logistic(0.5) = 0.622, the trees (0.9, 0.1) twice,
  // logistic(-1) = 0.269: 0.9 for a, from the two trees.
  expect("0.5", "north", 0.9, 0);
  // A row where a selected segment's probability is missing gives missing.
  Result<Prediction> missing = Score(*max, {{"r", "south"}});
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_TRUE(std::isnan(missing->values[0]));
}

// median: the winning category has the highest median probability; the
// result averages the segments whose probability for it is a middle one.
TEST(PmmlSegmentation, ClassifierMedian) {
  const std::vector<std::string> segments = {Segment("<True/>", LogitClassifier(1)),
                                             Segment("<True/>", TreeClassifier(0.2, 0.9)),
                                             Segment(Region("north"), LogitClassifier(-2)),
                                             Segment(Region("north"), TreeClassifier(0.1, 0.9))};
  Result<Pipeline> median = Import(Mining("classification", "median", segments));
  ASSERT_TRUE(median.ok()) << median.status().ToString();
  auto expect = [&](const std::string& x, const std::string& region, double pa, int label) {
    Result<Prediction> p = Score(*median, {{"x", x}, {"r", region}});
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_NEAR(p->values[0], pa, 1e-15) << "x=" << x << " " << region;
    EXPECT_NEAR(p->values[1], 1 - pa, 1e-15) << "x=" << x << " " << region;
    EXPECT_EQ(p->label, label) << "x=" << x << " " << region;
  };
  // South, x = 1: p(a) 0.731 and 0.9; a wins (median 0.8155); both are the
  // two middle models: their mean.
  expect("1", "south", (Logistic(1) + 0.9) / 2, 0);
  // North, x = 1: p(a) 0.731, 0.9, 0.119, 0.9; the middle values 0.731 and
  // 0.9, which two trees give: three contributors.
  expect("1", "north", (Logistic(1) + 0.9 + 0.9) / 3, 0);
  // North, x = -1: p(a) 0.269, 0.2, 0.881, 0.1 (median 0.234): b wins; its
  // middle probabilities 0.731 and 0.8 come from the first two segments.
  expect("-1", "north", (Logistic(-1) + 0.2) / 2, 1);
  Result<Prediction> missing = Score(*median, {{"r", "south"}});
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_TRUE(std::isnan(missing->values[0]));

  // p(a) 0.35, 0.35, 0.7: b wins with median 0.65, which two trees give.
  const std::vector<std::string> ties = {Segment("<True/>", TreeClassifier(0.35, 0.6)),
                                         Segment("<True/>", TreeClassifier(0.35, 0.6)),
                                         Segment("<True/>", TreeClassifier(0.7, 0.6))};
  Result<Pipeline> odd = Import(Mining("classification", "median", ties));
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  Result<Prediction> b = Score(*odd, {{"x", "-1"}});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_NEAR(b->values[1], 0.65, 1e-15);
  EXPECT_EQ(b->label, 1);
  // p(a) 0.35, 0.35, 0.7, 0.9: a wins (median 0.525), but its contributors
  // average to p(a) = 0.467: PMML's class is not the most probable one, so the
  // result is missing.
  std::vector<std::string> even = ties;
  even.push_back(Segment("<True/>", TreeClassifier(0.9, 0.6)));
  Result<Pipeline> split = Import(Mining("classification", "median", even));
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  Result<Prediction> none = Score(*split, {{"x", "-1"}});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(std::isnan(none->values[0]));
  EXPECT_TRUE(std::isnan(none->values[1]));
  EXPECT_EQ(none->label, -1);
}

TEST(PmmlSegmentation, ClassifierVotesAndSelectFirst) {
  // Votes at x = 1 (north): a (0.73), a (0.9), b (0.12 for a).
  const std::vector<std::string> segments = {Segment("<True/>", LogitClassifier(1), " weight=\"1\""),
                                             Segment(Region("north"), TreeClassifier(0.2, 0.9), " weight=\"1\""),
                                             Segment(Region("north"), LogitClassifier(-2), " weight=\"5\"")};
  Result<Pipeline> majority = Import(Mining("classification", "majorityVote", segments));
  ASSERT_TRUE(majority.ok()) << majority.status().ToString();
  Result<Prediction> north = Score(*majority, {{"x", "1"}, {"r", "north"}});
  ASSERT_TRUE(north.ok());
  EXPECT_NEAR(north->values[0], 2.0 / 3, 1e-15);
  EXPECT_EQ(north->label, 0);
  Result<Prediction> south = Score(*majority, {{"x", "1"}, {"r", "south"}});
  ASSERT_TRUE(south.ok());
  // A share of 0 is floored at 1e-300 before its log (docs/formats/pmml.md).
  EXPECT_EQ(south->values[0], 1.0);
  EXPECT_NEAR(south->values[1], 0.0, 1e-299);
  Result<Pipeline> weighted = Import(Mining("classification", "weightedMajorityVote", segments));
  ASSERT_TRUE(weighted.ok()) << weighted.status().ToString();
  Result<Prediction> heavy = Score(*weighted, {{"x", "1"}, {"r", "north"}});
  ASSERT_TRUE(heavy.ok());
  EXPECT_NEAR(heavy->values[1], 5.0 / 7, 1e-15);
  EXPECT_EQ(heavy->label, 1);
  const std::vector<std::string> first = {Segment(Region("north"), TreeClassifier(0.2, 0.9)),
                                          Segment("<True/>", LogitClassifier(1))};
  Result<Pipeline> select = Import(Mining("classification", "selectFirst", first));
  ASSERT_TRUE(select.ok()) << select.status().ToString();
  Result<Prediction> chosen = Score(*select, {{"x", "-1"}, {"r", "north"}});
  ASSERT_TRUE(chosen.ok());
  EXPECT_NEAR(chosen->values[0], 0.2, 1e-15);
  Result<Prediction> fallback = Score(*select, {{"x", "-1"}});
  ASSERT_TRUE(fallback.ok());
  EXPECT_NEAR(fallback->values[0], Logistic(-1), 1e-15);
}

TEST(PmmlSegmentation, NestedMiningModelAndModelChain) {
  // Segment 1 computes s = 2x + 1 (an OutputField); segment 2, a nested
  // MiningModel, reads s: selectFirst of 10 + s (north) and the median of
  // {s, 100}; a predicate on s picks the chain's last result.
  const std::string inner =
      "<MiningModel functionName=\"regression\"><MiningSchema><MiningField name=\"r\"/><MiningField name=\"s\"/>"
      "</MiningSchema><Segmentation multipleModelMethod=\"selectFirst\">"
      "<Segment>" +
      Region("north") +
      "<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/></MiningSchema>"
      "<RegressionTable intercept=\"10\"><NumericPredictor name=\"s\" coefficient=\"1\"/></RegressionTable>"
      "</RegressionModel></Segment>"
      "<Segment><True/><MiningModel functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/>"
      "</MiningSchema><Segmentation multipleModelMethod=\"median\">"
      "<Segment><True/><RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/>"
      "</MiningSchema><RegressionTable intercept=\"0\"><NumericPredictor name=\"s\" coefficient=\"1\"/>"
      "</RegressionTable></RegressionModel></Segment>"
      "<Segment><True/><RegressionModel functionName=\"regression\"><MiningSchema/>"
      "<RegressionTable intercept=\"100\"/></RegressionModel></Segment>"
      "<Segment><True/><RegressionModel functionName=\"regression\"><MiningSchema/>"
      "<RegressionTable intercept=\"-100\"/></RegressionModel></Segment>"
      "</Segmentation></MiningModel></Segment>"
      "</Segmentation></MiningModel>";
  const std::string first =
      "<RegressionModel functionName=\"regression\">" + std::string(kSchema) +
      "<Output><OutputField name=\"s\" feature=\"predictedValue\"/></Output>"
      "<RegressionTable intercept=\"1\"><NumericPredictor name=\"x\" coefficient=\"2\"/></RegressionTable>"
      "</RegressionModel>";
  Result<Pipeline> pipeline =
      Import(Mining("regression", "modelChain",
                    {Segment("<True/>", first), Segment("<True/>", inner),
                     Segment("<SimplePredicate field=\"s\" operator=\"greaterThan\" value=\"1000\"/>", Line(-5, 0))}));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "3"}, {"r", "north"}}), 17.0);  // 10 + 7
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "3"}, {"r", "south"}}), 7.0);   // median {7, 100, -100}
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "600"}}), -5.0);                // s = 1201 > 1000
  EXPECT_TRUE(IsMissing(*pipeline, {{"r", "north"}}));                          // s missing
}

TEST(PmmlSegmentation, ChainReadsAClassifiersOutputs) {
  // A classifier's probability and predicted class read by a regression.
  const std::string classifier =
      "<RegressionModel functionName=\"classification\" normalizationMethod=\"logit\"><MiningSchema>"
      "<MiningField name=\"x\"/><MiningField name=\"c\" usageType=\"predicted\"/></MiningSchema>"
      "<Output><OutputField name=\"pa\" feature=\"probability\" value=\"a\"/>"
      "<OutputField name=\"class\" feature=\"predictedValue\"/></Output>"
      "<RegressionTable intercept=\"0\" targetCategory=\"a\"><NumericPredictor name=\"x\" coefficient=\"1\"/>"
      "</RegressionTable><RegressionTable intercept=\"0\" targetCategory=\"b\"/></RegressionModel>";
  const std::string reader =
      "<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"pa\"/>"
      "<MiningField name=\"class\"/></MiningSchema><RegressionTable intercept=\"0\">"
      "<NumericPredictor name=\"pa\" coefficient=\"10\"/>"
      "<CategoricalPredictor name=\"class\" value=\"b\" coefficient=\"100\"/></RegressionTable></RegressionModel>";
  Result<Pipeline> pipeline =
      Import(Mining("regression", "modelChain", {Segment("<True/>", classifier), Segment("<True/>", reader)}));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "2"}}), 10 * Logistic(2), 1e-12);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"x", "-2"}}), 10 * Logistic(-2) + 100, 1e-12);
}

// selectAll: each Segment's result is a derived output named by a segmentId
// OutputField, missing when the Segment is not selected; the MiningModel has
// no prediction of its own.
TEST(PmmlSegmentation, SelectAllSegmentOutputs) {
  const std::string output =
      "<Output><OutputField name=\"first\" segmentId=\"one\" feature=\"predictedValue\"/>"
      "<OutputField name=\"second\" segmentId=\"two\" feature=\"predictedValue\"/>"
      "<OutputField name=\"both\" feature=\"transformedValue\" dataType=\"double\"><Apply function=\"+\">"
      "<FieldRef field=\"first\"/><FieldRef field=\"second\"/></Apply></OutputField></Output>";
  Result<Pipeline> regression =
      Import(Mining("regression", "selectAll",
                    {Segment("<True/>", Line(0, 1), " id=\"one\""), Segment(Region("north"), Line(10, 0), " id=\"two\"")},
                    output));
  ASSERT_TRUE(regression.ok()) << regression.status().ToString();
  ASSERT_EQ(regression->post.outputs.size(), 3u);
  Result<Prediction> north = Score(*regression, {{"x", "3"}, {"r", "north"}});
  ASSERT_TRUE(north.ok()) << north.status().ToString();
  EXPECT_TRUE(std::isnan(north->values[0]));  // no prediction of its own
  EXPECT_EQ(north->derived, (std::vector<double>{3, 10, 13}));
  Result<Prediction> south = Score(*regression, {{"x", "3"}, {"r", "south"}});
  ASSERT_TRUE(south.ok()) << south.status().ToString();
  EXPECT_EQ(south->derived[0], 3);
  EXPECT_TRUE(std::isnan(south->derived[1]));
  EXPECT_TRUE(std::isnan(south->derived[2]));

  // A classifier's predicted class is a category output over the classes.
  const std::string classes =
      "<Output><OutputField name=\"class_one\" segmentId=\"one\" feature=\"predictedValue\"/>"
      "<OutputField name=\"pb_two\" segmentId=\"two\" feature=\"probability\" value=\"b\"/>"
      "<OutputField name=\"p_two\" segmentId=\"two\" feature=\"probability\"/></Output>";
  Result<Pipeline> classifier = Import(Mining(
      "classification", "selectAll",
      {Segment("<True/>", LogitClassifier(1), " id=\"one\""), Segment(Region("north"), TreeClassifier(0.2, 0.9), " id=\"two\"")},
      classes));
  ASSERT_TRUE(classifier.ok()) << classifier.status().ToString();
  ASSERT_EQ(classifier->post.outputs.size(), 3u);
  EXPECT_EQ(classifier->post.outputs[0].categories, (std::vector<std::string>{"a", "b"}));
  Result<Prediction> low = Score(*classifier, {{"x", "-1"}, {"r", "north"}});
  ASSERT_TRUE(low.ok()) << low.status().ToString();
  EXPECT_TRUE(std::isnan(low->values[0]));
  EXPECT_EQ(low->label, -1);
  // p(a) = logistic(-1) = 0.269: class b (position 1); the tree: (0.2, 0.8).
  EXPECT_EQ(low->derived[0], 1);
  EXPECT_NEAR(low->derived[1], 0.8, 1e-15);
  EXPECT_NEAR(low->derived[2], 0.8, 1e-15);
  Result<Prediction> high = Score(*classifier, {{"x", "1"}, {"r", "south"}});
  ASSERT_TRUE(high.ok()) << high.status().ToString();
  EXPECT_EQ(high->derived[0], 0);
  EXPECT_TRUE(std::isnan(high->derived[1]));
  EXPECT_TRUE(std::isnan(high->derived[2]));
  Result<Prediction> missing = Score(*classifier, {{"r", "south"}});
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_TRUE(std::isnan(missing->derived[0]));

  const std::vector<std::string> segments = {Segment("<True/>", Line(0, 1), " id=\"one\"")};
  ExpectError(Import(Mining("regression", "selectAll", segments,
                            "<Output><OutputField name=\"p\" feature=\"predictedValue\"/></Output>")),
              StatusCode::kUnimplemented,
              "<OutputField> (line 7): output feature 'predictedValue' without a segmentId under multipleModelMethod "
              "selectAll");
  ExpectError(Import(Mining("regression", "selectAll", segments,
                            "<Output><OutputField name=\"p\" segmentId=\"three\"/></Output>")),
              StatusCode::kInvalidArgument, "<OutputField> (line 7): segmentId 'three' names no Segment");
  ExpectError(Import(Mining("regression", "selectAll", segments,
                            "<Output><OutputField name=\"p\" segmentId=\"one\" feature=\"residual\"/></Output>")),
              StatusCode::kUnimplemented, "<OutputField> (line 7): output feature 'residual' with a segmentId");
  ExpectError(Import(Mining("regression", "selectFirst", segments,
                            "<Output><OutputField name=\"p\" segmentId=\"one\"/></Output>")),
              StatusCode::kUnimplemented,
              "<OutputField> (line 7): a segmentId OutputField outside a MiningModel with multipleModelMethod selectAll");
  ExpectError(Import(Mining("regression", "selectAll",
                            {Segment("<True/>", Line(0, 1), " id=\"one\""), Segment("<True/>", Line(0, 1), " id=\"one\"")})),
              StatusCode::kInvalidArgument, "<Segment> (line 10): Segment id 'one' is used twice");
}

// A Segment's TreeModel gives its winning Node's id under selectAll.
TEST(PmmlSegmentation, SelectAllSegmentTreeEntityId) {
  const std::string tree =
      "<TreeModel functionName=\"regression\" noTrueChildStrategy=\"returnLastPrediction\">" + std::string(kSchema) +
      "<LocalTransformations><DerivedField name=\"x2\" optype=\"continuous\" dataType=\"double\">"
      "<Apply function=\"*\"><FieldRef field=\"x\"/><Constant>2</Constant></Apply></DerivedField>"
      "</LocalTransformations>"
      "<Node id=\"r\" score=\"-1\"><True/>"
      "<Node id=\"lo\" score=\"1\"><SimplePredicate field=\"x2\" operator=\"lessThan\" value=\"10\"/></Node>"
      "<Node id=\"hi\" score=\"2\"><SimplePredicate field=\"x2\" operator=\"greaterOrEqual\" value=\"10\"/></Node>"
      "</Node></TreeModel>";
  const std::string output =
      "<Output><OutputField name=\"node\" segmentId=\"tree\" feature=\"entityId\"/>"
      "<OutputField name=\"value\" segmentId=\"tree\" feature=\"predictedValue\"/></Output>";
  Result<Pipeline> pipeline =
      Import(Mining("regression", "selectAll",
                    {Segment("<True/>", Line(0, 1), " id=\"line\""), Segment(Region("north"), tree, " id=\"tree\"")},
                    output));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ASSERT_EQ(pipeline->post.outputs.size(), 2u);
  EXPECT_EQ(pipeline->post.outputs[0].categories, (std::vector<std::string>{"r", "lo", "hi"}));
  auto derived = [&](const std::map<std::string, std::string>& row) {
    Result<Prediction> p = Score(*pipeline, row);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? p->derived : std::vector<double>{};
  };
  EXPECT_EQ(derived({{"x", "3"}, {"r", "north"}}), (std::vector<double>{1, 1}));  // x2 = 6: lo
  EXPECT_EQ(derived({{"x", "7"}, {"r", "north"}}), (std::vector<double>{2, 2}));  // x2 = 14: hi
  EXPECT_EQ(derived({{"r", "north"}}), (std::vector<double>{0, -1}));             // no child holds: r
  const std::vector<double> south = derived({{"x", "3"}, {"r", "south"}});
  ASSERT_EQ(south.size(), 2u);
  EXPECT_TRUE(std::isnan(south[0]));
  EXPECT_TRUE(std::isnan(south[1]));
  ExpectError(Import(Mining("regression", "selectAll", {Segment("<True/>", Line(0, 1), " id=\"line\"")},
                            "<Output><OutputField name=\"node\" segmentId=\"line\" feature=\"entityId\"/></Output>")),
              StatusCode::kUnimplemented, "<OutputField> (line 7): entityId of a Segment whose model is not a TreeModel");
}

TEST(PmmlSegmentation, Refusals) {
  ExpectError(Import(Mining("regression", "max",
                            {Segment("<True/>", "<MiningModel functionName=\"regression\">" + std::string(kSchema) +
                                                    "<Segmentation multipleModelMethod=\"selectAll\">" +
                                                    Segment("<True/>", Line(1, 2)) + "</Segmentation></MiningModel>")})),
              StatusCode::kUnimplemented, "<Segmentation> (line 9): multipleModelMethod 'selectAll' in a segment");
  ExpectError(Import(Mining("regression", "selectFirst", {Segment("<True/>", Line(1, 2), " id=\"one\"")},
                            "<Output><OutputField name=\"e\" feature=\"entityId\"/></Output>")),
              StatusCode::kUnimplemented, "<OutputField> (line 7): entityId of a MiningModel");
  ExpectError(Import(Mining("classification", "sum", {Segment("<True/>", LogitClassifier(1))})),
              StatusCode::kInvalidArgument,
              "<Segmentation> (line 8): multipleModelMethod 'sum' does not apply to a classifier (PMML 4.4");
  ExpectError(Import(Mining("classification", "average", {Segment(Region("north"), LogitClassifier(1))})),
              StatusCode::kUnimplemented, "<Segmentation> (line 8): a classifier whose segments may all be unselected");
  ExpectError(Import(Mining("regression", "majorityVote", {Segment("<True/>", Line(1, 2))})),
              StatusCode::kUnimplemented,
              "<Segmentation> (line 8): multipleModelMethod 'majorityVote' for a regression");
  ExpectError(Import(Mining("regression", "weightedSum", {Segment("<True/>", Line(1, 2))})), StatusCode::kUnimplemented,
              "<Segmentation> (line 8): multipleModelMethod 'weightedSum'");
  const std::string probit = "<RegressionModel functionName=\"regression\" normalizationMethod=\"probit\">" +
                             std::string(kSchema) + "<RegressionTable intercept=\"0\"/></RegressionModel>";
  ExpectError(Import(Mining("regression", "max", {Segment("<True/>", probit)})), StatusCode::kUnimplemented,
              "<RegressionModel> (line 9): a probit model in a segment");
  ExpectError(Import(Mining("regression", "max", {Segment("<True/>", Line(1, 2, " mathContext=\"float\""))})),
              StatusCode::kUnimplemented, "<RegressionModel> (line 9): mathContext 'float' in a segment");
  ExpectError(Import(Mining("regression", "max", {Segment("<True/>", LogitClassifier(1))})), StatusCode::kUnimplemented,
              "<RegressionModel> (line 9): functionName 'classification' differs");
  ExpectError(Import(Mining("regression", "max", {Segment("", Line(1, 2))})), StatusCode::kInvalidArgument,
              "<Segment> (line 9): a Segment without a predicate");
  ExpectError(Import(Mining("regression", "max", {Segment(Region("north"), "")})), StatusCode::kInvalidArgument,
              "<Segment> (line 9): a Segment without a model");
  ExpectError(Import(Mining("regression", "max",
                            {Segment("<SimplePredicate field=\"z\" operator=\"equal\" value=\"1\"/>", Line(1, 2))})),
              StatusCode::kInvalidArgument, "unknown field 'z'");
  ExpectError(Import(Mining("regression", "modelChain",
                            {Segment("<True/>", "<RegressionModel functionName=\"regression\">" + std::string(kSchema) +
                                                    "<Output><OutputField name=\"e\" feature=\"entityId\"/></Output>"
                                                    "<RegressionTable intercept=\"0\"/></RegressionModel>"),
                             Segment("<True/>", Line(1, 2))})),
              StatusCode::kUnimplemented, "<OutputField> (line 9): output feature 'entityId' in a modelChain");
}

// Each segment's derived fields are its own: two segments may define the
// same name.
TEST(PmmlSegmentation, SegmentLocalTransformationsAreScoped) {
  auto local = [](double factor) {
    return "<RegressionModel functionName=\"regression\">" + std::string(kSchema) +
           "<LocalTransformations><DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">"
           "<Apply function=\"*\"><FieldRef field=\"x\"/><Constant>" +
           std::to_string(factor) +
           "</Constant></Apply>"
           "</DerivedField></LocalTransformations>"
           "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" coefficient=\"1\"/></RegressionTable>"
           "</RegressionModel>";
  };
  Result<Pipeline> pipeline =
      Import(Mining("regression", "sum", {Segment(Region("north"), local(2)), Segment("<True/>", local(3))}));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "1"}, {"r", "north"}}), 5.0);
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "1"}}), 3.0);
}

// x in [lo, hi) split in halves down to unit intervals, each leaf scoring its
// lower bound.
std::string Halves(int lo, int hi) {
  if (hi - lo == 1) return "";
  const int mid = (lo + hi) / 2;
  return "<Node score=\"" + std::to_string(lo) + "\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"" +
         std::to_string(mid) + "\"/>" + Halves(lo, mid) + "</Node><Node score=\"" + std::to_string(mid) +
         "\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"" + std::to_string(mid) + "\"/>" +
         Halves(mid, hi) + "</Node>";
}

// Trees as expressions: a large tree is split into subtree columns (each
// expression stays under 65,536 bytes); a tree too deep to nest is refused.
TEST(PmmlSegmentation, LargeAndDeepTrees) {
  const std::string large = "<TreeModel functionName=\"regression\" noTrueChildStrategy=\"returnLastPrediction\">" +
                            std::string(kSchema) + "<Node score=\"0\"><True/>" + Halves(0, 2048) +
                            "</Node></TreeModel>";
  Result<Pipeline> pipeline = Import(Mining("regression", "max", {Segment("<True/>", large)}));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  for (const Transform& transform : pipeline->transforms) {
    if (const auto* derive = std::get_if<DeriveTransform>(&transform)) {
      EXPECT_LT(derive->expression.size(), 65536u);
    }
  }
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "0.5"}}), 0.0);
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "1234.5"}}), 1234.0);
  EXPECT_DOUBLE_EQ(ScoreValue(*pipeline, {{"x", "2047"}}), 2047.0);
  std::string deep = "<Node score=\"0\"><True/>";
  for (int i = 0; i < 120; ++i) {
    deep += "<Node score=\"" + std::to_string(i) + "\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"" +
            std::to_string(i) + "\"/></Node><Node score=\"" + std::to_string(i + 1) +
            "\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"" + std::to_string(i) + "\"/>";
  }
  for (int i = 0; i <= 120; ++i) deep += "</Node>";
  ExpectError(
      Import(Mining(
          "regression", "max",
          {Segment("<True/>", "<TreeModel functionName=\"regression\" noTrueChildStrategy=\"returnLastPrediction\">" +
                                  std::string(kSchema) + deep + "</TreeModel>")})),
      StatusCode::kUnimplemented, "<TreeModel> (line 9): a tree deeper than 100 levels in a segment");
}

// A regression TreeModel with mathContext="float": float(x) < float(threshold)
// and float leaves, as in the tree ensembles' float precision.
TEST(PmmlSegmentation, FloatTreeSegment) {
  const std::string tree =
      "<TreeModel functionName=\"regression\" mathContext=\"float\" noTrueChildStrategy=\"returnLastPrediction\">" +
      std::string(kSchema) +
      "<Node score=\"0\"><True/><Node score=\"0.1\"><SimplePredicate field=\"x\" operator=\"lessThan\" "
      "value=\"0.1\"/></Node><Node score=\"0.2\"><True/></Node></Node></TreeModel>";
  Result<Pipeline> pipeline =
      Import(Mining("regression", "selectFirst", {Segment(Region("north"), Line(1, 0)), Segment("<True/>", tree)}));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  // 0.0999999995 < 0.1 in double, but float(0.0999999995) == float(0.1).
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "0.0999999995"}}), static_cast<double>(0.2f));
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "0.09"}}), static_cast<double>(0.1f));
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "0.09"}, {"r", "north"}}), 1.0);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The golden case's document with its model moved into the one <True/>
// Segment of a MiningModel (method max or average, so that it is combined by
// expressions): the MiningModel takes the model's MiningSchema (the segment's
// keeps the fields without treatments), Targets and Output.
std::string AsSegment(const std::string& xml) {
  pugi::xml_document document;
  EXPECT_TRUE(document.load_string(xml.c_str()));
  pugi::xml_node root = document.child("PMML");
  pugi::xml_node model;
  for (pugi::xml_node child : root.children()) {
    const std::string name = child.name();
    if (name.find("Model") != std::string::npos || name == "Scorecard" || name == "NeuralNetwork") model = child;
  }
  EXPECT_TRUE(model);
  const std::string function = model.attribute("functionName").value();
  pugi::xml_node mining = root.insert_child_before("MiningModel", model);
  mining.append_attribute("functionName") = function.c_str();
  mining.append_copy(model.child("MiningSchema"));
  for (const char* moved : {"Output", "Targets"}) {
    if (pugi::xml_node node = model.child(moved)) {
      mining.append_copy(node);
      model.remove_child(node);
    }
  }
  for (pugi::xml_node field : model.child("MiningSchema").children("MiningField")) {
    for (const char* treatment : {"missingValueReplacement", "missingValueTreatment", "invalidValueTreatment",
                                  "outliers", "lowValue", "highValue"}) {
      field.remove_attribute(treatment);
    }
  }
  pugi::xml_node segmentation = mining.append_child("Segmentation");
  segmentation.append_attribute("multipleModelMethod") = function == "regression" ? "max" : "average";
  pugi::xml_node segment = segmentation.append_child("Segment");
  segment.append_child("True");
  segment.append_copy(model);
  root.remove_child(model);
  std::ostringstream out;
  document.save(out);
  return out.str();
}

// Every supported model type as a segment gives the model's own scores: the
// golden cases' models, alone and as the one segment of a MiningModel, over
// the cases' input rows.
TEST(PmmlSegmentation, EveryModelTypeAsASegmentScoresAsItself) {
  const std::filesystem::path cases = std::filesystem::path(PODIUM_SOURCE_DIR) / "tests/golden/cases";
  for (const char* name :
       {"pmml_regression_claims", "pmml_softmax_classifier", "pmml_general_regression_linear",
        "pmml_general_regression_multinomial", "pmml_general_regression_poisson", "pmml_neural_network_regression",
        "pmml_neural_network_classifier", "pmml_svm_rbf_regression", "pmml_svm_ovo_multiclass",
        "pmml_svm_sigmoid_classifier", "pmml_naive_bayes_spec", "pmml_ruleset_first_hit", "pmml_scorecard_derived",
        "pmml_scorecard", "pmml_ruleset_weighted_max", "pmml_svm_ova_multiclass",
        "pmml_general_regression_ordinal_logit", "pmml_tree_default_child"}) {
    SCOPED_TRACE(name);
    const std::string xml = ReadFile(cases / name / "model.pmml");
    Result<Pipeline> alone = Import(xml);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    Result<Pipeline> segmented = Import(AsSegment(xml));
    ASSERT_TRUE(segmented.ok()) << segmented.status().ToString();
    ASSERT_TRUE(std::holds_alternative<GlmModel>(segmented->model.body));
    std::istringstream csv(ReadFile(cases / name / "input.csv"));
    std::string line;
    std::getline(csv, line);
    std::vector<std::string> header;
    std::stringstream names(line);
    for (std::string cell; std::getline(names, cell, ',');) header.push_back(cell);
    while (std::getline(csv, line)) {
      if (line.empty()) continue;
      std::map<std::string, std::string> row;
      std::stringstream cells(line);
      size_t column = 0;
      for (std::string cell; column < header.size(); ++column) {
        if (!std::getline(cells, cell, ',')) break;
        if (!cell.empty() && cell != "\"\"") row[header[column]] = cell;
      }
      SCOPED_TRACE(line);
      Result<Prediction> expected = Score(*alone, row);
      Result<Prediction> actual = Score(*segmented, row);
      ASSERT_EQ(actual.ok(), expected.ok()) << (actual.ok() ? expected.status() : actual.status()).ToString();
      if (!expected.ok()) continue;
      ASSERT_EQ(actual->values.size(), expected->values.size());
      // The segmented classifier's classes are in the target's Value order.
      auto position = [&](size_t k) -> size_t {
        if (alone->model.classes.empty()) return k;
        const auto& classes = segmented->model.classes;
        return static_cast<size_t>(std::find(classes.begin(), classes.end(), alone->model.classes[k]) -
                                   classes.begin());
      };
      for (size_t k = 0; k < expected->values.size(); ++k) {
        ASSERT_LT(position(k), actual->values.size());
        const double value = actual->values[position(k)];
        if (std::isnan(expected->values[k])) {
          EXPECT_TRUE(std::isnan(value)) << k;
        } else {
          EXPECT_NEAR(value, expected->values[k], 1e-12 * std::max(1.0, std::abs(expected->values[k]))) << k;
        }
      }
      if (expected->label < 0) {
        EXPECT_LT(actual->label, 0);
      } else {
        ASSERT_GE(actual->label, 0);
        EXPECT_EQ(segmented->model.classes[static_cast<size_t>(actual->label)],
                  alone->model.classes[static_cast<size_t>(expected->label)]);
      }
    }
  }
}

}  // namespace
}  // namespace podium
