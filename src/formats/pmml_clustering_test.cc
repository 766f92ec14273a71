// ClusteringModel import (pmml_clustering.cc): what it scores for every
// measure and compare function, how Output fields name the outputs, and that
// every refusal names the element and its line. Golden cases
// tests/golden/cases/pmml_clustering_* check whole documents with both
// scorers.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "formats/pmml.h"
#include "formats/pmml_test_util.h"

namespace podium {
namespace {

using pmml_testing::Doc;
using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::Score;

const char kFields[] =
    "<DataField name=\"a\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"b\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>\n";

// A ClusteringModel on line 9: Output on line 11, ComparisonMeasure on line
// 12, ClusteringFields on line 13, `extra` on line 14, Clusters on line 15.
// Two clusters by default: (0, 0) and (3, 4), ids 1 and 2.
std::string ClusterDoc(const std::string& measure, const std::string& output = "",
                       const std::string& fields = "<ClusteringField field=\"a\"/><ClusteringField field=\"b\"/>",
                       const std::string& clusters = "<Cluster><Array n=\"2\" type=\"real\">0 0</Array></Cluster>"
                                                     "<Cluster><Array n=\"2\" type=\"real\">3 4</Array></Cluster>",
                       const std::string& extra = "", const std::string& attributes = "modelClass=\"centerBased\"",
                       const std::string& kind = "distance") {
  return Doc(kFields,
             "<ClusteringModel functionName=\"clustering\" " + attributes + ">\n"
             "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"b\"/><MiningField name=\"s\"/></MiningSchema>\n" +
             output + "\n"
             "<ComparisonMeasure kind=\"" + kind + "\">" + measure + "</ComparisonMeasure>\n" +
             fields + "\n" + extra + "\n" + clusters + "\n"
             "</ClusteringModel>\n");
}

std::vector<double> Values(const Pipeline& pipeline, const std::map<std::string, std::string>& row,
                           int32_t* label = nullptr) {
  Result<Prediction> prediction = Score(pipeline, row);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  if (!prediction.ok()) return {};
  if (label != nullptr) *label = prediction->label;
  return prediction->values;
}

TEST(PmmlClustering, DistanceMeasures) {
  // Row (1, 2): differences to (0, 0) are (1, 2), to (3, 4) are (2, 2).
  struct Case {
    std::string measure;
    double d1, d2;
  };
  const Case cases[] = {
      {"<euclidean/>", std::sqrt(5.0), std::sqrt(8.0)},
      {"<squaredEuclidean/>", 5.0, 8.0},
      {"<cityBlock/>", 3.0, 4.0},
      {"<chebychev/>", 2.0, 2.0},
      {"<minkowski p-parameter=\"3\"/>", std::cbrt(9.0), std::cbrt(16.0)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.measure);
    Result<Pipeline> pipeline = Import(ClusterDoc(c.measure));
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    EXPECT_EQ(pipeline->model.task, Task::kClustering);
    EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"1", "2"}));
    int32_t label = -2;
    const std::vector<double> values = Values(*pipeline, {{"a", "1"}, {"b", "2"}}, &label);
    ASSERT_EQ(values.size(), 2u);
    EXPECT_DOUBLE_EQ(values[0], c.d1);
    EXPECT_DOUBLE_EQ(values[1], c.d2);
    EXPECT_EQ(label, 0);  // nearer, or the first on the chebychev tie
  }
}

TEST(PmmlClustering, CompareFunctionsWeightsAndMissingValueWeights) {
  // a: gaussSim (s = 2), weight 2; b: delta (from the ComparisonMeasure), weight 0.5.
  Result<Pipeline> pipeline = Import(ClusterDoc(
      "<cityBlock/>", "",
      "<ClusteringField field=\"a\" compareFunction=\"gaussSim\" similarityScale=\"2\" fieldWeight=\"2\"/>"
      "<ClusteringField field=\"b\" fieldWeight=\"0.5\"/>",
      "<Cluster><Array n=\"2\" type=\"real\">0 0</Array></Cluster>"
      "<Cluster><Array n=\"2\" type=\"real\">3 4</Array></Cluster>",
      "<MissingValueWeights><Array n=\"2\" type=\"real\">1 3</Array></MissingValueWeights>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const auto& clustering = std::get<ClusteringModel>(pipeline->model.body);
  EXPECT_EQ(clustering.compare, (std::vector<CompareFunction>{CompareFunction::kGaussSim, CompareFunction::kAbsDiff}));
  EXPECT_EQ(clustering.similarity_scale, (std::vector<double>{2, 0}));
  EXPECT_EQ(clustering.missing_weights, (std::vector<double>{1, 3}));
  std::vector<double> values = Values(*pipeline, {{"a", "1"}, {"b", "4"}});
  ASSERT_EQ(values.size(), 2u);
  EXPECT_DOUBLE_EQ(values[0], 2 * std::exp(-std::log(2.0) / 4) + 0.5 * 4);
  EXPECT_DOUBLE_EQ(values[1], 2 * std::exp(-std::log(2.0)) + 0.5 * 0);
  // b missing: adjustM = (1 + 3) / 1.
  values = Values(*pipeline, {{"a", "1"}});
  EXPECT_DOUBLE_EQ(values[0], 4 * 2 * std::exp(-std::log(2.0) / 4));

  Result<Pipeline> delta = Import(ClusterDoc(
      "<squaredEuclidean/>", "",
      "<ClusteringField field=\"a\" compareFunction=\"delta\"/><ClusteringField field=\"b\" compareFunction=\"equal\"/>"));
  ASSERT_TRUE(delta.ok()) << delta.status().ToString();
  values = Values(*delta, {{"a", "3"}, {"b", "0"}});
  EXPECT_EQ(values, (std::vector<double>{1 + 1, 0 + 0}));
}

TEST(PmmlClustering, SimilarityMeasuresPickTheMostSimilarCluster) {
  const std::string clusters = "<Cluster id=\"x\"><Array n=\"2\" type=\"int\">1 0</Array></Cluster>"
                               "<Cluster id=\"y\"><Array n=\"2\" type=\"int\">1 1</Array></Cluster>";
  const std::string fields = "<ClusteringField field=\"a\"/><ClusteringField field=\"b\"/>";
  // Row (1, 1): to x a11 = 1, a10 = 1; to y a11 = 2.
  struct Case {
    std::string measure;
    double sx, sy;
  };
  const Case cases[] = {
      {"<simpleMatching/>", 0.5, 1.0},
      {"<jaccard/>", 0.5, 1.0},
      {"<tanimoto/>", 1.0 / 3.0, 1.0},
      {"<binarySimilarity c00-parameter=\"0\" c01-parameter=\"0\" c10-parameter=\"1\" c11-parameter=\"0\" "
       "d00-parameter=\"1\" d01-parameter=\"1\" d10-parameter=\"1\" d11-parameter=\"1\"/>",
       0.5, 0.0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.measure);
    Result<Pipeline> pipeline = Import(ClusterDoc(c.measure, "", fields, clusters, "", "modelClass=\"centerBased\"",
                                                  "similarity"));
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    int32_t label = -2;
    const std::vector<double> values = Values(*pipeline, {{"a", "1"}, {"b", "1"}}, &label);
    ASSERT_EQ(values.size(), 2u);
    EXPECT_DOUBLE_EQ(values[0], c.sx);
    EXPECT_DOUBLE_EQ(values[1], c.sy);
    EXPECT_EQ(label, c.sx > c.sy ? 0 : 1);
    // Similarities compare 0/1 values only.
    Result<Prediction> bad = Score(*pipeline, {{"a", "0.5"}, {"b", "1"}});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.status().message().find("model feature 'a' is 0.500000"), std::string::npos)
        << bad.status().ToString();
  }
}

TEST(PmmlClustering, OutputFieldsNameTheOutputs) {
  const std::string clusters = "<Cluster id=\"low\" name=\"low\"><Array n=\"2\" type=\"real\">0 0</Array></Cluster>"
                               "<Cluster id=\"high\"><Array n=\"2\" type=\"real\">3 4</Array></Cluster>";
  Result<Pipeline> pipeline = Import(ClusterDoc(
      "<euclidean/>",
      "<Output><OutputField name=\"seg\" feature=\"predictedDisplayValue\"/>"
      "<OutputField name=\"to_high\" feature=\"entityAffinity\" value=\"high\"/></Output>",
      "<ClusteringField field=\"a\"/><ClusteringField field=\"b\"/>", clusters));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"low", "high"}));
  EXPECT_EQ(ValueColumnNames(*pipeline), (std::vector<std::string>{"distance_low", "to_high"}));
  EXPECT_EQ(LabelColumnName(*pipeline), "seg");

  // Without an Output: Podium's names.
  Result<Pipeline> plain = Import(ClusterDoc("<jaccard/>", "", "<ClusteringField field=\"a\"/>",
                                             "<Cluster><Array n=\"1\" type=\"int\">1</Array></Cluster>", "",
                                             "modelClass=\"centerBased\"", "similarity"));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ValueColumnNames(*plain), (std::vector<std::string>{"similarity_1"}));
  EXPECT_EQ(LabelColumnName(*plain), "cluster");
  EXPECT_TRUE(plain->output_names.empty());
}

TEST(PmmlClustering, RefusalsNameTheElementAndLine) {
  const std::string two = "<ClusteringField field=\"a\"/><ClusteringField field=\"b\"/>";
  const std::string centers = "<Cluster><Array n=\"2\" type=\"real\">0 0</Array></Cluster>";
  struct Case {
    Result<Pipeline> result;
    StatusCode code;
    std::string fragment;
  };
  const Case cases[] = {
      {Import(ClusterDoc("<euclidean/>", "", two, centers, "", "modelClass=\"distributionBased\"")),
       StatusCode::kUnimplemented, "<ClusteringModel> (line 9): modelClass \"distributionBased\""},
      {Import(ClusterDoc("<euclidean/>", "", two, centers, "", "")), StatusCode::kInvalidArgument,
       "<ClusteringModel> (line 9): modelClass must be"},
      {Import(ClusterDoc("<euclidean/>", "", two, "<Cluster><Array n=\"3\" type=\"real\">0 0 1</Array></Cluster>")),
       StatusCode::kInvalidArgument, "<Array> (line 15): the center has 3 values, expected 2 (one per center field)"},
      {Import(ClusterDoc("<euclidean/>", "", two, "<Cluster><Array n=\"3\" type=\"real\">0 0</Array></Cluster>")),
       StatusCode::kInvalidArgument, "<Array> (line 15): n is 3 but the array has 2 items"},
      {Import(ClusterDoc("<euclidean/>", "", two, "<Cluster><Array n=\"2\" type=\"string\">0 0</Array></Cluster>")),
       StatusCode::kInvalidArgument, "<Array> (line 15): expected a numeric Array"},
      {Import(ClusterDoc("<euclidean/>", "", two, "<Cluster><Array n=\"2\" type=\"real\">0 x</Array></Cluster>")),
       StatusCode::kInvalidArgument, "<Array> (line 15): the center: 'x' is not a finite number"},
      {Import(ClusterDoc("<mahalanobis/>")), StatusCode::kInvalidArgument, "<mahalanobis> (line 12): unknown measure"},
      {Import(ClusterDoc("")), StatusCode::kInvalidArgument,
       "<ComparisonMeasure> (line 12): expected exactly one measure element"},
      {Import(ClusterDoc("<euclidean/>", "", two, "")), StatusCode::kInvalidArgument,
       "<ClusteringModel> (line 9): no Cluster"},
      {Import(ClusterDoc("<euclidean/>", "", two, centers, "", "modelClass=\"centerBased\" numberOfClusters=\"2\"")),
       StatusCode::kInvalidArgument, "<ClusteringModel> (line 9): numberOfClusters is 2 but 1 Clusters are listed"},
      {Import(ClusterDoc("<euclidean/>", "", two, "<Cluster id=\"k\"/>")), StatusCode::kInvalidArgument,
       "<Cluster> (line 15): a center-based cluster needs its center as an Array"},
      {Import(ClusterDoc("<euclidean/>", "", two, "<Cluster id=\"k\">" + std::string(centers).substr(9) +
                                                      "<Cluster id=\"k\">" + centers.substr(9))),
       StatusCode::kInvalidArgument, "<Cluster> (line 15): cluster id 'k' is used twice"},
      {Import(ClusterDoc("<euclidean/>", "", "")), StatusCode::kInvalidArgument,
       "<ClusteringModel> (line 9): no ClusteringField"},
      {Import(ClusterDoc("<euclidean/>", "", "<ClusteringField field=\"z\"/>")), StatusCode::kInvalidArgument,
       "<ClusteringField> (line 13): unknown field 'z'"},
      {Import(ClusterDoc("<euclidean/>", "", "<ClusteringField field=\"s\"/>")), StatusCode::kUnimplemented,
       "<ClusteringField> (line 13): field 's' is not numeric"},
      {Import(ClusterDoc("<euclidean/>", "", "<ClusteringField field=\"a\"/><ClusteringField field=\"a\"/>")),
       StatusCode::kInvalidArgument, "<ClusteringField> (line 13): field 'a' is listed twice"},
      {Import(ClusterDoc("<euclidean/>", "", "<ClusteringField field=\"a\" fieldWeight=\"0\"/>")),
       StatusCode::kInvalidArgument, "<ClusteringField> (line 13): fieldWeight must be positive"},
      {Import(ClusterDoc("<euclidean/>", "", "<ClusteringField field=\"a\" compareFunction=\"gaussSim\"/>")),
       StatusCode::kInvalidArgument, "<ClusteringField> (line 13): gaussSim needs a similarityScale"},
      {Import(ClusterDoc("<euclidean/>", "", "<ClusteringField field=\"a\" compareFunction=\"table\"/>")),
       StatusCode::kUnimplemented, "<ClusteringField> (line 13): compareFunction \"table\""},
      {Import(ClusterDoc("<euclidean/>", "", "<ClusteringField field=\"a\" compareFunction=\"cosine\"/>")),
       StatusCode::kInvalidArgument, "<ClusteringField> (line 13): unknown compareFunction 'cosine'"},
      {Import(ClusterDoc("<minkowski/>")), StatusCode::kInvalidArgument,
       "<minkowski> (line 12): missing attribute 'p-parameter'"},
      {Import(ClusterDoc("<minkowski p-parameter=\"0.5\"/>")), StatusCode::kUnimplemented,
       "<minkowski> (line 12): p-parameter below 1"},
      {Import(ClusterDoc("<jaccard/>")), StatusCode::kInvalidArgument,
       "<jaccard> (line 12): jaccard is a similarity but the ComparisonMeasure's kind is 'distance'"},
      {Import(ClusterDoc("<jaccard/>", "", two,
                         "<Cluster><Array n=\"2\" type=\"real\">0 0.5</Array></Cluster>", "",
                         "modelClass=\"centerBased\"", "similarity")),
       StatusCode::kInvalidArgument, "<Array> (line 15): jaccard compares binary data"},
      {Import(ClusterDoc("<tanimoto/>", "", "<ClusteringField field=\"a\" fieldWeight=\"2\"/>",
                         "<Cluster><Array n=\"1\" type=\"real\">1</Array></Cluster>", "",
                         "modelClass=\"centerBased\"", "similarity")),
       StatusCode::kUnimplemented, "<ClusteringField> (line 13): fieldWeight with tanimoto"},
      {Import(ClusterDoc("<binarySimilarity c00-parameter=\"1\"/>", "", two, centers, "",
                         "modelClass=\"centerBased\"", "similarity")),
       StatusCode::kInvalidArgument, "<binarySimilarity> (line 12): missing attribute 'c01-parameter'"},
      {Import(ClusterDoc("<euclidean/>", "", two, centers, "<CenterFields><FieldRef field=\"a\"/></CenterFields>")),
       StatusCode::kUnimplemented, "<CenterFields> (line 14): CenterFields"},
      {Import(ClusterDoc("<euclidean/>", "", two, centers,
                         "<MissingValueWeights><Array n=\"1\" type=\"real\">1</Array></MissingValueWeights>")),
       StatusCode::kInvalidArgument, "<Array> (line 14): MissingValueWeights has 1 values, expected 2"},
      {Import(ClusterDoc("<euclidean/>", "", two, centers,
                         "<MissingValueWeights><Array n=\"2\" type=\"real\">1 0</Array></MissingValueWeights>")),
       StatusCode::kInvalidArgument, "<Array> (line 14): a missing-value weight must be positive"},
      {Import(ClusterDoc("<euclidean/>", "<Output><OutputField name=\"p\" feature=\"probability\"/></Output>", two,
                         centers)),
       StatusCode::kUnimplemented, "<OutputField> (line 11): output feature 'probability'"},
      {Import(ClusterDoc("<euclidean/>", "<Output><OutputField name=\"d\" feature=\"affinity\"/></Output>", two,
                         centers)),
       StatusCode::kUnimplemented, "<OutputField> (line 11): affinity of the predicted cluster"},
      {Import(ClusterDoc("<euclidean/>", "<Output><OutputField name=\"d\" feature=\"affinity\" value=\"9\"/></Output>",
                         two, centers)),
       StatusCode::kInvalidArgument, "<OutputField> (line 11): value '9' is not a cluster id"},
      {Import(ClusterDoc("<euclidean/>",
                         "<Output><OutputField name=\"c\" feature=\"predictedValue\"/>"
                         "<OutputField name=\"e\" feature=\"entityId\"/></Output>",
                         two, centers)),
       StatusCode::kUnimplemented, "<OutputField> (line 11): a second OutputField for the predicted cluster"},
      {Import(ClusterDoc("<euclidean/>", "<Output><OutputField name=\"c\" feature=\"clusterId\"/></Output>", two,
                         "<Cluster id=\"k\"><Array n=\"2\" type=\"real\">0 0</Array></Cluster>")),
       StatusCode::kUnimplemented, "<OutputField> (line 11): clusterId of clusters whose ids are not their positions"},
      {Import(ClusterDoc("<euclidean/>", "<Output><OutputField name=\"c\" feature=\"predictedDisplayValue\"/></Output>",
                         two, "<Cluster id=\"k\" name=\"big\"><Array n=\"2\" type=\"real\">0 0</Array></Cluster>")),
       StatusCode::kUnimplemented, "<OutputField> (line 11): predictedDisplayValue of clusters whose names differ"},
  };
  for (const Case& c : cases) ExpectError(c.result, c.code, c.fragment);
}

TEST(PmmlClustering, FunctionNameMustBeClustering) {
  std::string doc = ClusterDoc("<euclidean/>");
  const std::string attribute = "functionName=\"clustering\"";
  doc.replace(doc.find(attribute), attribute.size(), "functionName=\"regression\"");
  ExpectError(Import(doc), StatusCode::kUnimplemented, "<ClusteringModel> (line 9): functionName 'regression'");
}

TEST(PmmlClustering, ExplainingIsRefused) {
  Result<Pipeline> pipeline = Import(ClusterDoc("<euclidean/>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  Result<Prediction> explained = Score(*pipeline, {{"a", "1"}, {"b", "2"}}, /*explain=*/true);
  ASSERT_FALSE(explained.ok());
  EXPECT_EQ(explained.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(explained.status().message().find("a clustering model has no reason codes"), std::string::npos);
}

}  // namespace
}  // namespace podium
