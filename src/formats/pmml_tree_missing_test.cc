// TreeModels lowered to expression columns (formats/pmml_tree_missing.cc): missingValueStrategy
// aggregateNodes and weightedConfidence, null predictions of regressions and classifiers,
// and the refusals. Expected values are computed by hand in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <variant>

#include "formats/pmml_test_util.h"

namespace podium {
namespace {

using pmml_testing::Doc;
using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::Score;
using pmml_testing::ScoreValue;

const char kFields[] =
    "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"z\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\"/><Value value=\"b\"/>"
    "</DataField>\n"
    "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";

std::string Counts(int a, int b) {
  return "<ScoreDistribution value=\"a\" recordCount=\"" + std::to_string(a) +
         "\"/><ScoreDistribution value=\"b\" recordCount=\"" + std::to_string(b) + "\"/>";
}

// root (100: a 33, b 67)
//   N1  x < 5   (60)
//     N11 z < 1   (20: a 15, b 5)
//     N12 z >= 1  (40: a 10, b 30)
//   N2  x >= 5  (40: a 8, b 32)
std::string Nodes() {
  return "<Node id=\"root\" score=\"b\" recordCount=\"100\"><True/>" + Counts(33, 67) +
         "<Node id=\"N1\" score=\"b\" recordCount=\"60\"><SimplePredicate field=\"x\" operator=\"lessThan\" "
         "value=\"5\"/>" + Counts(25, 35) +
         "<Node id=\"N11\" score=\"a\" recordCount=\"20\"><SimplePredicate field=\"z\" operator=\"lessThan\" "
         "value=\"1\"/>" + Counts(15, 5) + "</Node>"
         "<Node id=\"N12\" score=\"b\" recordCount=\"40\"><SimplePredicate field=\"z\" operator=\"greaterOrEqual\" "
         "value=\"1\"/>" + Counts(10, 30) + "</Node></Node>"
         "<Node id=\"N2\" score=\"b\" recordCount=\"40\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" "
         "value=\"5\"/>" + Counts(8, 32) + "</Node></Node>\n";
}

Result<Pipeline> Classifier(const std::string& attributes, const std::string& nodes = Nodes()) {
  return Import(Doc(kFields,
                    "<TreeModel functionName=\"classification\" " + attributes +
                        ">\n<MiningSchema><MiningField name=\"x\"/><MiningField name=\"z\"/>"
                        "<MiningField name=\"c\" usageType=\"predicted\"/></MiningSchema>\n" + nodes +
                        "</TreeModel>\n"));
}

Result<Pipeline> Regression(const std::string& attributes, const std::string& nodes) {
  return Import(Doc(kFields,
                    "<TreeModel functionName=\"regression\" " + attributes +
                        ">\n<MiningSchema><MiningField name=\"x\"/><MiningField name=\"z\"/>"
                        "<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n" + nodes +
                        "</TreeModel>\n"));
}

void ExpectClass(const Pipeline& pipeline, const std::map<std::string, std::string>& row, double p_a, int label) {
  Result<Prediction> prediction = Score(pipeline, row);
  ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
  ASSERT_EQ(prediction->values.size(), 2u);
  EXPECT_NEAR(prediction->values[0], p_a, 1e-12);
  EXPECT_NEAR(prediction->values[1], 1 - p_a, 1e-12);
  EXPECT_EQ(prediction->label, label);
}

// Every derived column is read by a later one or is a model feature: a tree
// first tried as an IR tree leaves nothing of that attempt behind.
void ExpectEveryColumnUsed(const Pipeline& pipeline) {
  for (size_t i = 0; i < pipeline.transforms.size(); ++i) {
    const auto* derive = std::get_if<DeriveTransform>(&pipeline.transforms[i]);
    if (derive == nullptr) continue;
    bool used = std::find(pipeline.features.begin(), pipeline.features.end(), derive->output) != pipeline.features.end();
    for (size_t j = i + 1; j < pipeline.transforms.size() && !used; ++j) {
      const auto* later = std::get_if<DeriveTransform>(&pipeline.transforms[j]);
      used = later != nullptr && later->expression.find(derive->output) != std::string::npos;
    }
    EXPECT_TRUE(used) << "column '" << derive->output << "' (" << derive->expression << ") is never read";
  }
}

TEST(PmmlTreeMissing, AggregateNodesSumsTheCountsOfTheLeavesReached) {
  Result<Pipeline> pipeline = Classifier("missingValueStrategy=\"aggregateNodes\"");
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_TRUE(std::holds_alternative<GlmModel>(pipeline->model.body));
  ExpectClass(*pipeline, {{"x", "2"}, {"z", "0"}}, 15.0 / 20, 0);  // N11 alone
  ExpectClass(*pipeline, {{"x", "7"}}, 8.0 / 40, 1);                // N1 FALSE, N2 TRUE
  // x missing: N1 and N2 UNKNOWN, both followed: N11 (15, 5) + N2 (8, 32) = (23, 37).
  ExpectClass(*pipeline, {{"z", "0"}}, 23.0 / 60, 1);
  // z missing too: N11 + N12 + N2 = (33, 67).
  ExpectClass(*pipeline, {}, 33.0 / 100, 1);
  // x TRUE, z missing: N11 + N12 = (25, 35).
  ExpectClass(*pipeline, {{"x", "2"}}, 25.0 / 60, 1);
}

TEST(PmmlTreeMissing, WeightedConfidenceWeighsChildrenByRecordCount) {
  Result<Pipeline> pipeline = Classifier("missingValueStrategy=\"weightedConfidence\" missingValuePenalty=\"0.8\"");
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ExpectClass(*pipeline, {{"x", "2"}, {"z", "5"}}, 0.25, 1);  // N12 alone
  // x missing, z = 0: 60/100 * N1 (N11: 0.75) + 40/100 * N2 (0.2) = 0.45 + 0.08.
  ExpectClass(*pipeline, {{"z", "0"}}, 0.53, 0);
  // x = 2, z missing: N1 = 20/60 * 0.75 + 40/60 * 0.25 = 5/12.
  ExpectClass(*pipeline, {{"x", "2"}}, 5.0 / 12, 1);
  // both missing: 0.6 * 5/12 + 0.4 * 0.2 = 0.33.
  ExpectClass(*pipeline, {}, 0.33, 1);
}

TEST(PmmlTreeMissing, WeightedConfidenceSkipsFalseSiblingsAndNormalises) {
  // Three children; the middle one is FALSE when z is present and >= 1, the
  // others test x: x missing and z = 3 follows the first and third.
  const std::string nodes =
      "<Node recordCount=\"100\"><True/>" + Counts(50, 50) +
      "<Node score=\"a\" recordCount=\"50\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>" +
      Counts(40, 10) + "</Node>"
      "<Node score=\"b\" recordCount=\"30\"><SimplePredicate field=\"z\" operator=\"lessThan\" value=\"1\"/>" +
      Counts(0, 30) + "</Node>"
      "<Node score=\"b\" recordCount=\"20\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"0\"/>" +
      Counts(5, 15) + "</Node></Node>\n";
  Result<Pipeline> pipeline = Classifier("missingValueStrategy=\"weightedConfidence\"", nodes);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  // 0.5 * (0.8, 0.2) + 0.2 * (0.25, 0.75) = (0.45, 0.25), normalised: 0.45 / 0.7.
  ExpectClass(*pipeline, {{"z", "3"}}, 0.45 / 0.7, 0);
  // z = 0: the second child is TRUE and not first: 0.5 * 0.8 + 0.3 * 0 + 0.2 * 0.25 = 0.45 of 1.
  ExpectClass(*pipeline, {{"z", "0"}}, 0.45, 1);
  // x = 1, z = 0: the second child is the first TRUE one.
  ExpectClass(*pipeline, {{"x", "1"}, {"z", "0"}}, 0.0, 1);
}

TEST(PmmlTreeMissing, RegressionNullPredictionIsMissing) {
  const std::string nodes =
      "<Node score=\"9\"><True/>"
      "<Node score=\"1\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/></Node>"
      "<Node score=\"2\"><SimplePredicate field=\"x\" operator=\"greaterThan\" value=\"10\"/></Node></Node>\n";
  // none + returnNullPrediction: 0 <= x <= 10 and a missing x have no true child.
  Result<Pipeline> pipeline = Regression("", nodes);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_TRUE(std::holds_alternative<GlmModel>(pipeline->model.body));
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "-1"}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"x", "11"}}), 2.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {{"x", "5"}})));
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {})));
  ExpectEveryColumnUsed(*pipeline);
  // lastPrediction + returnNullPrediction: a missing x gives the root's score.
  Result<Pipeline> last = Regression("missingValueStrategy=\"lastPrediction\"", nodes);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(ScoreValue(*last, {}), 9.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*last, {{"x", "5"}})));
  // Targets rescaling applies to the prediction, a missing one stays missing.
  const std::string targets = "<Targets><Target field=\"y\" rescaleFactor=\"2\" rescaleConstant=\"1\"/></Targets>\n";
  Result<Pipeline> scaled = Regression("", targets + nodes);
  ASSERT_TRUE(scaled.ok()) << scaled.status().ToString();
  EXPECT_EQ(ScoreValue(*scaled, {{"x", "11"}}), 5.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*scaled, {})));
}

// A split on a category first makes a helper column (is c missing) for the
// IR tree; the tree then becomes columns, which must not keep it.
TEST(PmmlTreeMissing, NullPredictionOnACategoryKeepsNoHelperOfTheFirstAttempt) {
  Result<Pipeline> pipeline = Import(Doc(
      kFields,
      "<TreeModel functionName=\"regression\" missingValueStrategy=\"nullPrediction\">\n"
      "<MiningSchema><MiningField name=\"c\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>\n"
      "<Node score=\"0\"><True/>"
      "<Node score=\"1\"><SimplePredicate field=\"c\" operator=\"equal\" value=\"a\"/></Node>"
      "<Node score=\"2\"><SimplePredicate field=\"c\" operator=\"notEqual\" value=\"a\"/></Node></Node>\n"
      "</TreeModel>\n"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreValue(*pipeline, {{"c", "a"}}), 1.0);
  EXPECT_EQ(ScoreValue(*pipeline, {{"c", "b"}}), 2.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*pipeline, {})));
  ExpectEveryColumnUsed(*pipeline);
}

TEST(PmmlTreeMissing, ClassifierNullPredictionHasNoProbabilitiesAndNoLabel) {
  Result<Pipeline> pipeline = Classifier("missingValueStrategy=\"nullPrediction\"");
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ExpectClass(*pipeline, {{"x", "2"}, {"z", "0"}}, 0.75, 0);
  ExpectClass(*pipeline, {{"x", "9"}}, 0.2, 1);
  Result<Prediction> prediction = Score(*pipeline, {{"z", "0"}});
  ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
  EXPECT_TRUE(std::isnan(prediction->values[0]));
  EXPECT_TRUE(std::isnan(prediction->values[1]));
  EXPECT_EQ(prediction->label, -1);
  ExpectEveryColumnUsed(*pipeline);
}

TEST(PmmlTreeMissing, OrdinaryTreesStayTrees) {
  // defaultChild never needs a null prediction here: the IR's exact binary splits.
  const std::string nodes =
      "<Node score=\"9\" defaultChild=\"b\"><True/>"
      "<Node id=\"a\" score=\"1\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/></Node>"
      "<Node id=\"b\" score=\"2\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"0\"/></Node>"
      "</Node>\n";
  Result<Pipeline> pipeline = Regression("missingValueStrategy=\"defaultChild\"", nodes);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_TRUE(std::holds_alternative<TreeEnsembleModel>(pipeline->model.body));
  EXPECT_EQ(ScoreValue(*pipeline, {}), 2.0);
}

TEST(PmmlTreeMissing, SegmentsCombinedByExpressions) {
  auto segment = [](const std::string& strategy) {
    return "<Segment><True/><TreeModel functionName=\"classification\" missingValueStrategy=\"" + strategy +
           "\"><MiningSchema><MiningField name=\"x\"/><MiningField name=\"z\"/>"
           "<MiningField name=\"c\" usageType=\"predicted\"/></MiningSchema>" + Nodes() + "</TreeModel></Segment>";
  };
  auto mining = [&](const std::string& method) {
    return Import(Doc(kFields,
                      "<MiningModel functionName=\"classification\"><MiningSchema><MiningField name=\"x\"/>"
                      "<MiningField name=\"z\"/><MiningField name=\"c\" usageType=\"predicted\"/></MiningSchema>"
                      "<Segmentation multipleModelMethod=\"" + method + "\">" + segment("aggregateNodes") +
                          segment("weightedConfidence") + "</Segmentation></MiningModel>\n"));
  };
  Result<Pipeline> average = mining("average");
  ASSERT_TRUE(average.ok()) << average.status().ToString();
  // x missing, z = 0: aggregateNodes 23/60, weightedConfidence 0.53 (above).
  ExpectClass(*average, {{"z", "0"}}, (23.0 / 60 + 0.53) / 2, 1);
  ExpectClass(*average, {{"x", "2"}, {"z", "0"}}, 0.75, 0);
  ExpectError(mining("majorityVote"), StatusCode::kUnimplemented,
              "missingValueStrategy 'aggregateNodes' in a segment of a majority vote");
}

TEST(PmmlTreeMissing, WideNodesStayWithinTheExpressionLimits) {
  // 100 children, child i: x < i, counts (i, 1), score i: chains and sums continue in
  // columns of their own every 32 links.
  std::string classified = "<Node recordCount=\"5150\"><True/>";
  std::string regression = "<Node score=\"0\"><True/>";
  for (int i = 1; i <= 100; ++i) {
    const std::string predicate =
        "<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"" + std::to_string(i) + "\"/>";
    classified += "<Node recordCount=\"" + std::to_string(i + 1) + "\">" + predicate +
                  Counts(i, 1) + "</Node>";
    regression += "<Node score=\"" + std::to_string(i) + "\">" + predicate + "</Node>";
  }
  classified += "</Node>\n";
  regression += "</Node>\n";
  Result<Pipeline> aggregate = Classifier("missingValueStrategy=\"aggregateNodes\"", classified);
  ASSERT_TRUE(aggregate.ok()) << aggregate.status().ToString();
  ExpectClass(*aggregate, {}, 5050.0 / 5150, 0);  // every child: (sum of i, 100)
  ExpectClass(*aggregate, {{"x", "50.5"}}, 51.0 / 52, 0);
  Result<Pipeline> weighted = Classifier("missingValueStrategy=\"weightedConfidence\"", classified);
  ASSERT_TRUE(weighted.ok()) << weighted.status().ToString();
  // sum over i of (i + 1) / 5150 * (i, 1) / (i + 1) = (5050, 100) / 5150.
  ExpectClass(*weighted, {}, 5050.0 / 5150, 0);
  Result<Pipeline> chain = Regression("missingValueStrategy=\"nullPrediction\"", regression);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_EQ(ScoreValue(*chain, {{"x", "50.5"}}), 51.0);
  EXPECT_EQ(ScoreValue(*chain, {{"x", "-3"}}), 1.0);
  EXPECT_TRUE(std::isnan(ScoreValue(*chain, {{"x", "200"}})));
  EXPECT_TRUE(std::isnan(ScoreValue(*chain, {})));
}

TEST(PmmlTreeMissing, Refusals) {
  const std::string leaf_only =
      "<Node score=\"1\"><True/><Node score=\"2\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>"
      "</Node></Node>\n";
  ExpectError(Regression("missingValueStrategy=\"aggregateNodes\"", leaf_only), StatusCode::kUnimplemented,
              "<TreeModel> (line 10): missingValueStrategy 'aggregateNodes' for a regression");
  const std::string no_counts =
      "<Node score=\"a\"><True/><Node score=\"a\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>"
      "</Node><Node score=\"b\"><True/></Node></Node>\n";
  ExpectError(Classifier("missingValueStrategy=\"aggregateNodes\"", no_counts), StatusCode::kUnimplemented,
              "<Node> (line 12): missingValueStrategy aggregateNodes sums the ScoreDistribution recordCounts");
  ExpectError(Classifier("missingValueStrategy=\"weightedConfidence\"", no_counts), StatusCode::kInvalidArgument,
              "<Node> (line 12): missingValueStrategy weightedConfidence weighs a Node by its recordCount");
  const std::string confidence =
      "<Node score=\"a\" recordCount=\"2\"><True/><Node score=\"a\" recordCount=\"2\"><True/>"
      "<ScoreDistribution value=\"a\" recordCount=\"2\" confidence=\"0.9\"/></Node></Node>\n";
  ExpectError(Classifier("missingValueStrategy=\"weightedConfidence\"", confidence), StatusCode::kUnimplemented,
              "<ScoreDistribution> (line 12): a confidence that differs from the class probability");
  ExpectError(Classifier("missingValueStrategy=\"weightedConfidence\" missingValuePenalty=\"1.5\""),
              StatusCode::kInvalidArgument, "<TreeModel> (line 10): missingValuePenalty is not between 0 and 1");
  // 1 + 256 + 256 * 20 Nodes.
  std::string wide = "<Node recordCount=\"1\"><True/>";
  for (int i = 0; i < 256; ++i) {
    wide += "<Node recordCount=\"1\"><True/>";
    for (int j = 0; j < 20; ++j) wide += "<Node recordCount=\"1\"><True/>" + Counts(1, 0) + "</Node>";
    wide += "</Node>";
  }
  wide += "</Node>\n";
  ExpectError(Classifier("missingValueStrategy=\"aggregateNodes\"", wide), StatusCode::kUnimplemented,
              "<TreeModel> (line 10): more than 5000 Nodes in a TreeModel lowered to expressions");
}

}  // namespace
}  // namespace podium
