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
       StatusCode::kUnimplemented,
       "<ClusteringField> (line 13): compareFunction table on field 'a', which is not a categorical input field"},
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

// A numeric field a and a categorical field color (values red, green, blue,
// in that order; an invalid value is treated as missing) compared by table.
const char kTableFields[] =
    "<DataField name=\"a\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"color\" optype=\"categorical\" dataType=\"string\"><Value value=\"red\"/>"
    "<Value value=\"green\"/><Value value=\"blue\"/></DataField>\n"
    "<DataField name=\"open\" optype=\"categorical\" dataType=\"string\"/>\n";

// The rows x = red, green, blue against the columns y = red, green, blue.
const char kAnyMatrix[] =
    "<Matrix><Array n=\"3\" type=\"real\">0 1 4</Array><Array n=\"3\" type=\"real\">1 0 2</Array>"
    "<Array n=\"3\" type=\"real\">4 2 0</Array></Matrix>";

// cityBlock over a (absDiff) and color (table) on line 9: ComparisonMeasure
// on line 11, ClusteringFields (with `matrix`) on line 12, Clusters on line
// 13: (0, red) and (3, blue).
std::string TableDoc(const std::string& matrix, const std::string& color_field = "",
                     const std::string& clusters = "<Cluster><Array n=\"2\" type=\"string\">0 red</Array></Cluster>"
                                                   "<Cluster><Array n=\"2\" type=\"string\">3 \"blue\"</Array></Cluster>",
                     const std::string& measure_attributes = "") {
  const std::string color =
      color_field.empty() ? "<ClusteringField field=\"color\" compareFunction=\"table\"><Comparisons>" + matrix +
                                "</Comparisons></ClusteringField>"
                          : color_field;
  return Doc(kTableFields,
             "<ClusteringModel functionName=\"clustering\" modelClass=\"centerBased\">\n"
             "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"color\" invalidValueTreatment=\"asMissing\"/>"
             "<MiningField name=\"open\"/></MiningSchema>\n"
             "<ComparisonMeasure kind=\"distance\"" + measure_attributes + "><cityBlock/></ComparisonMeasure>\n"
             "<ClusteringField field=\"a\"/>" + color + "\n" + clusters + "\n"
             "</ClusteringModel>\n");
}

TEST(PmmlClustering, TableCompareFunction) {
  Result<Pipeline> pipeline = Import(TableDoc(kAnyMatrix));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const ClusteringModel& body = std::get<ClusteringModel>(pipeline->model.body);
  EXPECT_EQ(pipeline->features, (std::vector<std::string>{"a", "color"}));
  EXPECT_EQ(body.compare, (std::vector<CompareFunction>{CompareFunction::kAbsDiff, CompareFunction::kTable}));
  ASSERT_EQ(body.tables.size(), 2u);
  EXPECT_EQ(body.tables[1].levels, (std::vector<std::string>{"red", "green", "blue"}));
  EXPECT_EQ(body.centers, (std::vector<double>{0, 0, 3, 2}));  // blue is level 2
  // cityBlock: |a - y_a| + c(color, y_color).
  EXPECT_EQ(Values(*pipeline, {{"a", "1"}, {"color", "green"}}), (std::vector<double>{1 + 1, 2 + 2}));
  EXPECT_EQ(Values(*pipeline, {{"a", "2"}, {"color", "blue"}}), (std::vector<double>{2 + 4, 1 + 0}));
  // A missing color (or an invalid one, asMissing) leaves the term out and
  // scales the sum by 2 fields / 1 present.
  EXPECT_EQ(Values(*pipeline, {{"a", "1"}}), (std::vector<double>{2 * 1, 2 * 2}));
  EXPECT_EQ(Values(*pipeline, {{"a", "1"}, {"color", "purple"}}), (std::vector<double>{2 * 1, 2 * 2}));
  EXPECT_EQ(Values(*pipeline, {{"color", "red"}}), (std::vector<double>{2 * 0, 2 * 4}));
}

TEST(PmmlClustering, TableMatrixForms) {
  struct Case {
    std::string matrix;
    std::vector<double> green;  // distances of the row (a = 1, green)
  };
  const Case cases[] = {
      {kAnyMatrix, {2, 4}},
      {"<Matrix kind=\"symmetric\"><Array n=\"1\" type=\"real\">0</Array><Array n=\"2\" type=\"real\">1 0</Array>"
       "<Array n=\"3\" type=\"real\">4 2 0</Array></Matrix>",
       {2, 4}},
      {"<Matrix nbRows=\"3\" nbCols=\"3\" diagDefault=\"0\" offDiagDefault=\"4\"><MatCell row=\"1\" col=\"2\">1</MatCell>"
       "<MatCell row=\"2\" col=\"1\">1</MatCell><MatCell row=\"2\" col=\"3\">2</MatCell>"
       "<MatCell row=\"3\" col=\"2\">2</MatCell></Matrix>",
       {2, 4}},
      {"<Matrix kind=\"symmetric\" diagDefault=\"0\" offDiagDefault=\"4\"><MatCell row=\"2\" col=\"1\">1</MatCell>"
       "<MatCell row=\"2\" col=\"3\">2</MatCell></Matrix>",
       {2, 4}},
      {"<Matrix kind=\"diagonal\" offDiagDefault=\"3\"><Array n=\"3\" type=\"real\">0 0.5 0</Array></Matrix>", {4, 5}},
      // Rows are the record's value, columns the center's: green -> red is 7,
      // red -> green 1.
      {"<Matrix><Array n=\"3\" type=\"real\">0 1 4</Array><Array n=\"3\" type=\"real\">7 0 2</Array>"
       "<Array n=\"3\" type=\"real\">4 9 0</Array></Matrix>",
       {1 + 7, 2 + 2}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.matrix);
    Result<Pipeline> pipeline = Import(TableDoc(c.matrix));
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    EXPECT_EQ(Values(*pipeline, {{"a", "1"}, {"color", "green"}}), c.green);
  }
  // The diagonal form's own diagonal: green to a green center.
  Result<Pipeline> diagonal =
      Import(TableDoc(cases[4].matrix, "",
                      "<Cluster><Array n=\"2\" type=\"string\">1 green</Array></Cluster>"));
  ASSERT_TRUE(diagonal.ok()) << diagonal.status().ToString();
  EXPECT_EQ(Values(*diagonal, {{"a", "1"}, {"color", "green"}}), (std::vector<double>{0.5}));
  // compareFunction on the ComparisonMeasure is every field's default; the
  // numeric field names its own.
  Result<Pipeline> by_default = Import(TableDoc(
      "", "<ClusteringField field=\"color\"><Comparisons>" + std::string(kAnyMatrix) + "</Comparisons></ClusteringField>",
      "<Cluster><Array n=\"2\" type=\"string\">0 red</Array></Cluster>", " compareFunction=\"table\""));
  ExpectError(by_default, StatusCode::kUnimplemented,
              "<ClusteringField> (line 12): compareFunction table on field 'a', which is not a categorical input field");
}

TEST(PmmlClustering, TableErrorsNameTheElement) {
  const std::string any_rows = "<Array n=\"3\" type=\"real\">0 1 4</Array><Array n=\"3\" type=\"real\">1 0 2</Array>";
  struct Case {
    Result<Pipeline> result;
    StatusCode code;
    std::string fragment;
  };
  const Case cases[] = {
      {Import(TableDoc("", "<ClusteringField field=\"color\" compareFunction=\"table\"/>")),
       StatusCode::kInvalidArgument, "<ClusteringField> (line 12): compareFunction table needs a Comparisons matrix"},
      {Import(TableDoc("", "<ClusteringField field=\"color\" compareFunction=\"table\"><Comparisons/></ClusteringField>")),
       StatusCode::kInvalidArgument, "<Comparisons> (line 12): missing Matrix"},
      {Import(TableDoc("", "<ClusteringField field=\"open\" compareFunction=\"table\"><Comparisons>" +
                               std::string(kAnyMatrix) + "</Comparisons></ClusteringField>")),
       StatusCode::kUnimplemented,
       "<ClusteringField> (line 12): compareFunction table on field 'open', which has no list of valid values"},
      {Import(TableDoc("<Matrix>" + any_rows + "</Matrix>")), StatusCode::kInvalidArgument,
       "<Matrix> (line 12): a Matrix of kind any over 3 values needs 3 Arrays, not 2"},
      {Import(TableDoc("<Matrix>" + any_rows + "<Array n=\"2\" type=\"real\">4 2</Array></Matrix>")),
       StatusCode::kInvalidArgument, "<Array> (line 12): row 3 of a Matrix of kind any has 2 values, expected 3"},
      {Import(TableDoc("<Matrix>" + any_rows + "<Array n=\"3\" type=\"real\">4 x 0</Array></Matrix>")),
       StatusCode::kInvalidArgument, "<Array> (line 12): 'x' is not a finite number"},
      {Import(TableDoc("<Matrix kind=\"lower\"/>")), StatusCode::kInvalidArgument,
       "<Matrix> (line 12): unknown kind 'lower' (PMML's are diagonal, symmetric, any)"},
      {Import(TableDoc("<Matrix nbRows=\"2\" diagDefault=\"0\" offDiagDefault=\"1\"/>")), StatusCode::kInvalidArgument,
       "<Matrix> (line 12): nbRows is 2, but the field has 3 values"},
      {Import(TableDoc("<Matrix diagDefault=\"0\"><MatCell row=\"1\" col=\"2\">1</MatCell></Matrix>")),
       StatusCode::kInvalidArgument, "<Matrix> (line 12): cell (1, 3) is not given and the Matrix has no offDiagDefault"},
      {Import(TableDoc("<Matrix offDiagDefault=\"1\"/>")), StatusCode::kInvalidArgument,
       "<Matrix> (line 12): cell (1, 1) is not given and the Matrix has no diagDefault"},
      {Import(TableDoc("<Matrix kind=\"diagonal\"><Array n=\"3\" type=\"real\">0 0 0</Array></Matrix>")),
       StatusCode::kInvalidArgument, "<Matrix> (line 12): cell (1, 2) is not given and the Matrix has no offDiagDefault"},
      {Import(TableDoc("<Matrix diagDefault=\"0\" offDiagDefault=\"1\"><MatCell row=\"4\" col=\"1\">1</MatCell></Matrix>")),
       StatusCode::kInvalidArgument, "<MatCell> (line 12): row '4' is not a position from 1 to 3"},
      {Import(TableDoc("<Matrix diagDefault=\"0\" offDiagDefault=\"1\"><MatCell row=\"1\">1</MatCell></Matrix>")),
       StatusCode::kInvalidArgument, "<MatCell> (line 12): missing attribute 'col'"},
      {Import(TableDoc("<Matrix kind=\"diagonal\" offDiagDefault=\"1\"><MatCell row=\"1\" col=\"2\">1</MatCell></Matrix>")),
       StatusCode::kInvalidArgument, "<MatCell> (line 12): an off-diagonal cell of a diagonal Matrix"},
      {Import(TableDoc("<Matrix kind=\"symmetric\" diagDefault=\"0\" offDiagDefault=\"1\"><MatCell row=\"1\" col=\"2\">1"
                       "</MatCell><MatCell row=\"2\" col=\"1\">2</MatCell></Matrix>")),
       StatusCode::kInvalidArgument, "<MatCell> (line 12): cell (2, 1) is given twice"},
      {Import(TableDoc("<Matrix diagDefault=\"0\" offDiagDefault=\"1\"><MatCell row=\"1\" col=\"2\">-1</MatCell></Matrix>")),
       StatusCode::kUnimplemented, "<Matrix> (line 12): a negative comparison (cell (1, 2)"},
      {Import(TableDoc("<Matrix diagDefault=\"0\" offDiagDefault=\"1\"><Array n=\"1\" type=\"real\">0</Array>"
                       "<MatCell row=\"1\" col=\"2\">1</MatCell></Matrix>")),
       StatusCode::kInvalidArgument, "<Matrix> (line 12): both Arrays and MatCells"},
      {Import(TableDoc(kAnyMatrix, "", "<Cluster><Array n=\"2\" type=\"string\">0 purple</Array></Cluster>")),
       StatusCode::kInvalidArgument,
       "<Array> (line 13): the center: 'purple' is not a value of center field 2 (compared by table)"},
      {Import(TableDoc(kAnyMatrix, "", "<Cluster><Array n=\"2\" type=\"string\">x red</Array></Cluster>")),
       StatusCode::kInvalidArgument, "<Array> (line 13): the center: 'x' is not a finite number"},
      {Import(TableDoc(kAnyMatrix, "", "<Cluster><Array n=\"1\" type=\"string\">red</Array></Cluster>")),
       StatusCode::kInvalidArgument, "<Array> (line 13): the center has 1 values, expected 2 (one per center field)"},
  };
  for (const Case& c : cases) ExpectError(c.result, c.code, c.fragment);
}

// invalidValueTreatment asIs would hand the model values without a row of the
// matrix; the default (returnInvalid) makes such a row an error.
TEST(PmmlClustering, TableValuesOutsideTheFieldsValues) {
  std::string as_is = TableDoc(kAnyMatrix);
  const std::string treatment = "invalidValueTreatment=\"asMissing\"";
  as_is.replace(as_is.find(treatment), treatment.size(), "invalidValueTreatment=\"asIs\"");
  ExpectError(Import(as_is), StatusCode::kUnimplemented,
              "<ClusteringField> (line 12): compareFunction table on field 'color' read with invalidValueTreatment "
              "asIs");
  std::string strict = TableDoc(kAnyMatrix);
  strict.replace(strict.find(treatment), treatment.size(), "");
  Result<Pipeline> pipeline = Import(strict);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  Result<Prediction> purple = Score(*pipeline, {{"a", "1"}, {"color", "purple"}});
  ASSERT_FALSE(purple.ok());
  EXPECT_NE(purple.status().message().find("purple"), std::string::npos) << purple.status().ToString();
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
