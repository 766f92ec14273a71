// SupportVectorMachineModel import (pmml_svm.cc): what it scores for every
// kernel and representation, missing inputs, and that every refusal names
// the element and its line. Golden cases tests/golden/cases/pmml_svm_* check
// whole documents with both scorers.
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
using pmml_testing::ScoreValue;

const char kSvmFields[] =
    "<DataField name=\"a\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"b\" optype=\"continuous\" dataType=\"double\"/>\n"
    "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";

// A regression SupportVectorMachineModel on line 9 (kernel on line 11,
// VectorDictionary from line 12, the machine after it) with two support
// vectors v1 = (1, 2), v2 = (-1, 0.5) and coefficients 0.5, -2, b = 0.25.
std::string SvmDoc(const std::string& kernel, const std::string& attributes = "",
                   const std::string& v2 = "<Array n=\"2\" type=\"real\">-1 0.5</Array>",
                   const std::string& machine_extra = "") {
  return Doc(kSvmFields,
             "<SupportVectorMachineModel functionName=\"regression\" " + attributes + ">\n"
             "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"b\"/>"
             "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n" +
             kernel + "\n"
             "<VectorDictionary>\n"
             "<VectorFields><FieldRef field=\"a\"/><FieldRef field=\"b\"/></VectorFields>\n"
             "<VectorInstance id=\"v1\"><Array n=\"2\" type=\"real\">1 2</Array></VectorInstance>\n"
             "<VectorInstance id=\"v2\">" + v2 + "</VectorInstance>\n"
             "</VectorDictionary>\n"
             "<SupportVectorMachine>" + machine_extra +
             "<SupportVectors><SupportVector vectorId=\"v1\"/><SupportVector vectorId=\"v2\"/></SupportVectors>\n"
             "<Coefficients absoluteValue=\"0.25\"><Coefficient value=\"0.5\"/><Coefficient value=\"-2\"/>"
             "</Coefficients>\n"
             "</SupportVectorMachine>\n"
             "</SupportVectorMachineModel>\n");
}

double Dot(double a, double b, double v0, double v1) { return a * v0 + b * v1; }
double Dist(double a, double b, double v0, double v1) { return (a - v0) * (a - v0) + (b - v1) * (b - v1); }

TEST(PmmlSvm, Kernels) {
  const double a = 0.5, b = -1.5;
  const std::map<std::string, std::string> row = {{"a", "0.5"}, {"b", "-1.5"}};
  struct Case {
    std::string kernel;
    double k1, k2;
  };
  const std::vector<Case> cases = {
      {"<LinearKernelType/>", Dot(a, b, 1, 2), Dot(a, b, -1, 0.5)},
      {"<PolynomialKernelType gamma=\"0.5\" coef0=\"2\" degree=\"3\"/>", std::pow(0.5 * Dot(a, b, 1, 2) + 2, 3),
       std::pow(0.5 * Dot(a, b, -1, 0.5) + 2, 3)},
      // Defaults: gamma 1, coef0 1, degree 1.
      {"<PolynomialKernelType/>", Dot(a, b, 1, 2) + 1, Dot(a, b, -1, 0.5) + 1},
      {"<RadialBasisKernelType gamma=\"0.3\"/>", std::exp(-0.3 * Dist(a, b, 1, 2)),
       std::exp(-0.3 * Dist(a, b, -1, 0.5))},
      {"<RadialBasisKernelType/>", std::exp(-Dist(a, b, 1, 2)), std::exp(-Dist(a, b, -1, 0.5))},
      {"<SigmoidKernelType gamma=\"0.2\" coef0=\"-0.5\"/>", std::tanh(0.2 * Dot(a, b, 1, 2) - 0.5),
       std::tanh(0.2 * Dot(a, b, -1, 0.5) - 0.5)},
  };
  for (const Case& c : cases) {
    Result<Pipeline> pipeline = Import(SvmDoc(c.kernel));
    ASSERT_TRUE(pipeline.ok()) << c.kernel << ": " << pipeline.status().ToString();
    const double expected = 0.5 * c.k1 - 2 * c.k2 + 0.25;
    EXPECT_NEAR(ScoreValue(*pipeline, row), expected, 1e-12 * std::max(1.0, std::fabs(expected))) << c.kernel;
    EXPECT_NE(pipeline->source.find("SupportVectorMachineModel"), std::string::npos);
  }
}

TEST(PmmlSvm, SparseVectorsAndMissingInputs) {
  // v2 = (0, 4) written sparse with a defaultValue for the unlisted index.
  const std::string sparse =
      "<REAL-SparseArray n=\"2\" defaultValue=\"0\"><Indices>2</Indices><REAL-Entries>4</REAL-Entries>"
      "</REAL-SparseArray>";
  Result<Pipeline> pipeline = Import(SvmDoc("<LinearKernelType/>", "", sparse));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_NEAR(ScoreValue(*pipeline, {{"a", "3"}, {"b", "1"}}), 0.5 * (3 + 2) - 2 * 4 + 0.25, 1e-12);
  // A coordinate that is 0 still reads its field: a missing input is a
  // missing prediction, as in PMML.
  for (const std::map<std::string, std::string>& row :
       std::vector<std::map<std::string, std::string>>{{{"a", "3"}}, {{"b", "1"}}, {}}) {
    Result<Prediction> prediction = Score(*pipeline, row);
    ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
    ASSERT_EQ(prediction->values.size(), 1u);
    EXPECT_TRUE(std::isnan(prediction->values[0]));
  }
  // Sparse with an empty entry list: all default values.
  const std::string filled =
      "<REAL-SparseArray n=\"2\" defaultValue=\"1\"><Indices></Indices><REAL-Entries></REAL-Entries>"
      "</REAL-SparseArray>";
  Result<Pipeline> ones = Import(SvmDoc("<LinearKernelType/>", "", filled));
  ASSERT_TRUE(ones.ok()) << ones.status().ToString();
  EXPECT_NEAR(ScoreValue(*ones, {{"a", "3"}, {"b", "1"}}), 0.5 * 5 - 2 * 4 + 0.25, 1e-12);
}

TEST(PmmlSvm, EqualVectorsShareOneKernelColumn) {
  Result<Pipeline> pipeline = Import(SvmDoc("<RadialBasisKernelType/>", "", "<Array n=\"2\">1 2</Array>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  // Both support vectors are (1, 2): one kernel column, coefficient 0.5 - 2.
  ASSERT_EQ(pipeline->features.size(), 1u);
  const auto& glm = std::get<GlmModel>(pipeline->model.body);
  EXPECT_DOUBLE_EQ(glm.coefficients[0], -1.5);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"a", "1"}, {"b", "2"}}), -1.5 + 0.25, 1e-12);
}

TEST(PmmlSvm, CoefficientsRepresentationAndTargets) {
  const std::string doc = Doc(
      kSvmFields,
      "<SupportVectorMachineModel functionName=\"regression\" svmRepresentation=\"Coefficients\">\n"
      "<MiningSchema><MiningField name=\"a\" missingValueReplacement=\"2\"/><MiningField name=\"b\"/>"
      "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n"
      "<Targets><Target field=\"y\" rescaleFactor=\"10\" rescaleConstant=\"1\"/></Targets>\n"
      "<LinearKernelType/>\n"
      "<VectorDictionary><VectorFields><FieldRef field=\"a\"/><FieldRef field=\"b\" mapMissingTo=\"-1\"/>"
      "</VectorFields></VectorDictionary>\n"
      "<SupportVectorMachine><Coefficients absoluteValue=\"-0.5\"><Coefficient value=\"3\"/>"
      "<Coefficient value=\"0.25\"/></Coefficients></SupportVectorMachine>\n"
      "</SupportVectorMachineModel>\n");
  Result<Pipeline> pipeline = Import(doc);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_NEAR(ScoreValue(*pipeline, {{"a", "1"}, {"b", "4"}}), 10 * (3 * 1 + 0.25 * 4 - 0.5) + 1, 1e-12);
  EXPECT_NEAR(ScoreValue(*pipeline, {}), 10 * (3 * 2 + 0.25 * -1 - 0.5) + 1, 1e-12);
}

TEST(PmmlSvm, CategoricalPredictorIsAnIndicator) {
  const std::string doc = Doc(
      "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"p\"/><Value value=\"q\"/>"
      "</DataField>\n<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n",
      "<SupportVectorMachineModel functionName=\"regression\">\n"
      "<MiningSchema><MiningField name=\"c\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n"
      "<RadialBasisKernelType gamma=\"2\"/>\n"
      "<VectorDictionary><VectorFields><CategoricalPredictor name=\"c\" value=\"q\" coefficient=\"1\"/></VectorFields>"
      "<VectorInstance id=\"1\"><Array n=\"1\">1</Array></VectorInstance></VectorDictionary>\n"
      "<SupportVectorMachine><SupportVectors><SupportVector vectorId=\"1\"/></SupportVectors>"
      "<Coefficients><Coefficient value=\"3\"/></Coefficients></SupportVectorMachine>\n"
      "</SupportVectorMachineModel>\n");
  Result<Pipeline> pipeline = Import(doc);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_NEAR(ScoreValue(*pipeline, {{"c", "q"}}), 3.0, 1e-12);
  EXPECT_NEAR(ScoreValue(*pipeline, {{"c", "p"}}), 3 * std::exp(-2.0), 1e-12);
  Result<Prediction> missing = Score(*pipeline, {});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(std::isnan(missing->values[0]));
}

TEST(PmmlSvm, ManyFieldsGoThroughPartialSums) {
  // 300 vector fields: more terms than one expression may nest.
  std::string fields, mining, refs, ones;
  for (int i = 0; i < 300; ++i) {
    std::string name = "f";
    name += std::to_string(i);
    fields += "<DataField name=\"" + name + "\" optype=\"continuous\" dataType=\"double\"/>\n";
    mining += "<MiningField name=\"" + name + "\"/>";
    refs += "<FieldRef field=\"" + name + "\"/>";
    ones += "1 ";
  }
  fields += "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";
  const std::string doc = Doc(
      fields, "<SupportVectorMachineModel functionName=\"regression\">\n<MiningSchema>" + mining +
                  "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n<LinearKernelType/>\n"
                  "<VectorDictionary><VectorFields>" + refs + "</VectorFields><VectorInstance id=\"v\"><Array>" +
                  ones + "</Array></VectorInstance></VectorDictionary>\n"
                  "<SupportVectorMachine><SupportVectors><SupportVector vectorId=\"v\"/></SupportVectors>"
                  "<Coefficients><Coefficient value=\"2\"/></Coefficients></SupportVectorMachine>\n"
                  "</SupportVectorMachineModel>\n");
  Result<Pipeline> pipeline = Import(doc);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  std::map<std::string, std::string> row;
  for (int i = 0; i < 300; ++i) row["f" + std::to_string(i)] = "0.5";
  EXPECT_NEAR(ScoreValue(*pipeline, row), 2 * 150.0, 1e-9);
}

// A binary classifier on line 8 (classes n, p), its machine on line 12:
// f(a) = 2 a - 1 (linear kernel, one support vector (2), b = -1).
std::string ClassifierDoc(const std::string& attributes, const std::string& machine_attributes =
                                                             "targetCategory=\"n\" alternateTargetCategory=\"p\"",
                          const std::string& extra_machine = "", const std::string& output = "") {
  return Doc("<DataField name=\"a\" optype=\"continuous\" dataType=\"double\"/>\n"
             "<DataField name=\"y\" optype=\"categorical\" dataType=\"string\"><Value value=\"p\"/>"
             "<Value value=\"n\"/></DataField>\n",
             "<SupportVectorMachineModel functionName=\"classification\" " + attributes + ">\n"
             "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n" +
             output + "<LinearKernelType/>\n"
             "<VectorDictionary><VectorFields><FieldRef field=\"a\"/></VectorFields>"
             "<VectorInstance id=\"1\"><Array>2</Array></VectorInstance></VectorDictionary>\n"
             "<SupportVectorMachine " + machine_attributes + "><SupportVectors>"
             "<SupportVector vectorId=\"1\"/></SupportVectors><Coefficients absoluteValue=\"-1\">"
             "<Coefficient value=\"1\"/></Coefficients></SupportVectorMachine>\n" + extra_machine +
             "</SupportVectorMachineModel>\n");
}

std::string Label(const Pipeline& pipeline, const std::string& a) {
  Result<Prediction> prediction = Score(pipeline, {{"a", a}});
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  if (!prediction.ok() || prediction->label < 0) return "(none)";
  return pipeline.model.classes[static_cast<size_t>(prediction->label)];
}

TEST(PmmlSvm, BinaryClassifierComparesWithTheThreshold) {
  // maxWins false (default), threshold 0: f < 0 (a < 0.5) is targetCategory n.
  Result<Pipeline> pipeline = Import(ClassifierDoc(""));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"n", "p"}));
  EXPECT_EQ(Label(*pipeline, "0.25"), "n");
  EXPECT_EQ(Label(*pipeline, "0.5"), "p");  // f = threshold: not smaller, so the alternate
  EXPECT_EQ(Label(*pipeline, "3"), "p");
  Result<Prediction> values = Score(*pipeline, {{"a", "3"}});
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->values, (std::vector<double>{0.0, 1.0}));  // the decision, as 0/1
  Result<Prediction> missing = Score(*pipeline, {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->label, -1);

  // maxWins: f > threshold is targetCategory; the machine's threshold (2, so
  // a > 1.5) overrides the model's.
  Result<Pipeline> max_wins =
      Import(ClassifierDoc("maxWins=\"true\" threshold=\"-4\" classificationMethod=\"OneAgainstOne\"",
                           "targetCategory=\"n\" alternateTargetCategory=\"p\" threshold=\"2\""));
  ASSERT_TRUE(max_wins.ok()) << max_wins.status().ToString();
  EXPECT_EQ(Label(*max_wins, "1.5"), "p");
  EXPECT_EQ(Label(*max_wins, "1.75"), "n");
  EXPECT_EQ(Label(*max_wins, "-10"), "p");
  // The model's threshold when the machine has none: f > -4 (a > -1.5) is n.
  Result<Pipeline> model_threshold = Import(ClassifierDoc("maxWins=\"true\" threshold=\"-4\""));
  ASSERT_TRUE(model_threshold.ok()) << model_threshold.status().ToString();
  EXPECT_EQ(Label(*model_threshold, "-1.5"), "p");
  EXPECT_EQ(Label(*model_threshold, "-1"), "n");

  // Output names: the predicted class and a probability OutputField.
  Result<Pipeline> named = Import(ClassifierDoc(
      "", "targetCategory=\"n\" alternateTargetCategory=\"p\"", "",
      "<Output><OutputField name=\"cls\" feature=\"predictedValue\"/>"
      "<OutputField name=\"P_p\" feature=\"probability\" value=\"p\"/></Output>\n"));
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(ValueColumnNames(*named), (std::vector<std::string>{"probability_n", "P_p"}));
  EXPECT_EQ(LabelColumnName(*named), "cls");
}

TEST(PmmlSvm, ClassifierRefusals) {
  const std::string second_machine =
      "<SupportVectorMachine targetCategory=\"p\" alternateTargetCategory=\"n\"><SupportVectors>"
      "<SupportVector vectorId=\"1\"/></SupportVectors><Coefficients><Coefficient value=\"1\"/></Coefficients>"
      "</SupportVectorMachine>\n";
  struct Case {
    std::string doc;
    StatusCode code;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      // Two classes: Podium's binary label gives a tie to the second class,
      // PMML's multiclass rules to the first.
      {ClassifierDoc("", "targetCategory=\"n\" alternateTargetCategory=\"p\"", second_machine),
       StatusCode::kUnimplemented,
       "<SupportVectorMachine> (line 13): several SupportVectorMachines for 2 classes (a binary classifier has one "
       "machine)"},
      {ClassifierDoc("classificationMethod=\"OneAgainstOne\"", "targetCategory=\"n\" alternateTargetCategory=\"p\"",
                     second_machine),
       StatusCode::kUnimplemented, "several SupportVectorMachines for 2 classes"},
      {ClassifierDoc("classificationMethod=\"Pairs\""), StatusCode::kInvalidArgument,
       "<SupportVectorMachineModel> (line 8): unknown classificationMethod 'Pairs'"},
      {ClassifierDoc("maxWins=\"yes\""), StatusCode::kInvalidArgument, "maxWins is not a boolean"},
      {ClassifierDoc("threshold=\"x\""), StatusCode::kInvalidArgument, "threshold is not a finite number"},
      {ClassifierDoc("", "targetCategory=\"n\""), StatusCode::kUnimplemented,
       "<SupportVectorMachine> (line 12): a binary classifier's SupportVectorMachine without "
       "alternateTargetCategory"},
      {ClassifierDoc("", "alternateTargetCategory=\"n\""), StatusCode::kInvalidArgument,
       "<SupportVectorMachine> (line 12): a classifier's SupportVectorMachine needs targetCategory"},
      {ClassifierDoc("", "targetCategory=\"n\" alternateTargetCategory=\"n\""), StatusCode::kInvalidArgument,
       "targetCategory equals alternateTargetCategory"},
      {ClassifierDoc("", "targetCategory=\"n\" alternateTargetCategory=\"q\""), StatusCode::kInvalidArgument,
       "the target's values are not targetCategory and alternateTargetCategory"},
  };
  for (const Case& c : cases) ExpectError(Import(c.doc), c.code, c.fragment);
}

// A multiclass classifier on line 8 whose target lists `values` (Value
// elements), one input a, a linear kernel over the support vector (1), and
// the machines from line 12, one per line.
std::string MulticlassDoc(const std::string& attributes, const std::string& values,
                          const std::vector<std::string>& machines) {
  std::string body = "<SupportVectorMachineModel functionName=\"classification\" " + attributes + ">\n"
                     "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"y\" usageType=\"target\"/>"
                     "</MiningSchema>\n<LinearKernelType/>\n"
                     "<VectorDictionary><VectorFields><FieldRef field=\"a\"/></VectorFields>"
                     "<VectorInstance id=\"1\"><Array>1</Array></VectorInstance></VectorDictionary>\n";
  for (const std::string& machine : machines) body += machine + "\n";
  body += "</SupportVectorMachineModel>\n";
  return Doc("<DataField name=\"a\" optype=\"continuous\" dataType=\"double\"/>\n"
             "<DataField name=\"y\" optype=\"categorical\" dataType=\"string\">" + values + "</DataField>\n",
             body);
}

// A machine with f(a) = alpha · a + b.
std::string Machine(const std::string& categories, double alpha, double b, const std::string& extra = "") {
  return "<SupportVectorMachine " + categories + " " + extra + "><SupportVectors><SupportVector vectorId=\"1\"/>"
         "</SupportVectors><Coefficients absoluteValue=\"" + std::to_string(b) + "\"><Coefficient value=\"" +
         std::to_string(alpha) + "\"/></Coefficients></SupportVectorMachine>";
}

std::string Pair(const std::string& t, const std::string& a) {
  return "targetCategory=\"" + t + "\" alternateTargetCategory=\"" + a + "\"";
}

const char kAbc[] = "<Value value=\"A\"/><Value value=\"B\"/><Value value=\"C\"/>";

TEST(PmmlSvm, OneAgainstOneVotesAndTiesGoToTheFirstClass) {
  // A|B: A when a − 1 < 0; A|C: A when a − 2 < 0; B|C: B when 1.5 − a < 0.
  const std::vector<std::string> machines = {Machine(Pair("A", "B"), 1, -1), Machine(Pair("A", "C"), 1, -2),
                                             Machine(Pair("B", "C"), -1, 1.5)};
  Result<Pipeline> pipeline = Import(MulticlassDoc("classificationMethod=\"OneAgainstOne\"", kAbc, machines));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"A", "B", "C"}));
  struct Case {
    std::string a;
    std::string label;
    std::vector<double> shares;
  };
  const std::vector<Case> cases = {
      {"0.5", "A", {2.0 / 3, 0, 1.0 / 3}},        // A, A, C
      {"1.2", "A", {1.0 / 3, 1.0 / 3, 1.0 / 3}},  // B, A, C: a three-way tie, the first class
      {"1", "A", {1.0 / 3, 1.0 / 3, 1.0 / 3}},    // f = 0 is not below the threshold: B, A, C
      {"1.7", "B", {1.0 / 3, 2.0 / 3, 0}},        // B, A, B
      {"3", "B", {0, 2.0 / 3, 1.0 / 3}},          // B, C, B
  };
  for (const Case& c : cases) {
    Result<Prediction> prediction = Score(*pipeline, {{"a", c.a}});
    ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
    EXPECT_EQ(Label(*pipeline, c.a), c.label) << "a=" << c.a;
    ASSERT_EQ(prediction->values.size(), 3u);
    for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(prediction->values[k], c.shares[k], 1e-15) << "a=" << c.a;
  }
  // A missing input: no vote, no label.
  Result<Prediction> missing = Score(*pipeline, {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->label, -1);
  EXPECT_TRUE(std::isnan(missing->values[0]));

  // The target's Value order decides ties: listed as C, B, A the tie is C's.
  Result<Pipeline> reordered = Import(MulticlassDoc("classificationMethod=\"OneAgainstOne\"",
                                                    "<Value value=\"C\"/><Value value=\"B\"/><Value value=\"A\"/>",
                                                    machines));
  ASSERT_TRUE(reordered.ok()) << reordered.status().ToString();
  EXPECT_EQ(Label(*reordered, "1.2"), "C");
  EXPECT_EQ(Label(*reordered, "0.5"), "A");

  // maxWins: targetCategory when f > threshold; a machine's threshold
  // overrides the model's. A|B at 0.5: A when a > 1.5; A|C at 0 (model): A
  // when a > 2; B|C at 0: B when a < 1.5.
  const std::vector<std::string> max_machines = {Machine(Pair("A", "B"), 1, -1, "threshold=\"0.5\""),
                                                 Machine(Pair("A", "C"), 1, -2), Machine(Pair("B", "C"), -1, 1.5)};
  Result<Pipeline> max_wins = Import(
      MulticlassDoc("classificationMethod=\"OneAgainstOne\" maxWins=\"true\" threshold=\"0\"", kAbc, max_machines));
  ASSERT_TRUE(max_wins.ok()) << max_wins.status().ToString();
  EXPECT_EQ(Label(*max_wins, "1"), "B");    // B, C, B
  EXPECT_EQ(Label(*max_wins, "1.5"), "C");  // f = threshold is not above it: B, C, C
  EXPECT_EQ(Label(*max_wins, "3"), "A");    // A, A, C
}

TEST(PmmlSvm, OneAgainstAllTakesTheSmallestOrLargestValue) {
  // f_A = a, f_B = −a, f_C = 0.5 (a zero coefficient still reads a).
  const std::vector<std::string> machines = {Machine("targetCategory=\"A\"", 1, 0),
                                             Machine("targetCategory=\"B\"", -1, 0),
                                             Machine("targetCategory=\"C\"", 0, 0.5)};
  Result<Pipeline> smallest = Import(MulticlassDoc("", kAbc, machines));
  ASSERT_TRUE(smallest.ok()) << smallest.status().ToString();
  EXPECT_EQ(Label(*smallest, "1"), "B");
  EXPECT_EQ(Label(*smallest, "-1"), "A");
  EXPECT_EQ(Label(*smallest, "0"), "A");  // A and B tie at 0: the first machine
  Result<Prediction> prediction = Score(*smallest, {{"a", "-1"}});
  ASSERT_TRUE(prediction.ok());
  EXPECT_EQ(prediction->values, (std::vector<double>{1, 0, 0}));  // the winner's probability is 1
  Result<Prediction> missing = Score(*smallest, {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->label, -1);

  Result<Pipeline> largest = Import(MulticlassDoc("classificationMethod=\"OneAgainstAll\" maxWins=\"true\"", kAbc,
                                                  machines));
  ASSERT_TRUE(largest.ok()) << largest.status().ToString();
  EXPECT_EQ(Label(*largest, "0"), "C");
  EXPECT_EQ(Label(*largest, "2"), "A");
  EXPECT_EQ(Label(*largest, "-2"), "B");
  EXPECT_EQ(Label(*largest, "0.5"), "A");   // A and C tie at 0.5: the first machine
  EXPECT_EQ(Label(*largest, "-0.5"), "B");  // B and C tie: B's machine comes first

  // Machines in another order than the classes: the tie follows the machines.
  const std::vector<std::string> swapped = {machines[2], machines[1], machines[0]};
  Result<Pipeline> reordered = Import(MulticlassDoc("maxWins=\"true\"", kAbc, swapped));
  ASSERT_TRUE(reordered.ok()) << reordered.status().ToString();
  EXPECT_EQ(Label(*reordered, "0.5"), "C");
}

TEST(PmmlSvm, MulticlassRefusals) {
  struct Case {
    std::string doc;
    StatusCode code;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {MulticlassDoc("classificationMethod=\"OneAgainstOne\"", kAbc,
                     {Machine(Pair("A", "B"), 1, 0), Machine("targetCategory=\"A\"", 1, 0)}),
       StatusCode::kInvalidArgument,
       "<SupportVectorMachine> (line 13): a OneAgainstOne SupportVectorMachine needs alternateTargetCategory"},
      {MulticlassDoc("classificationMethod=\"OneAgainstOne\"", kAbc,
                     {Machine(Pair("A", "B"), 1, 0), Machine(Pair("A", "Z"), 1, 0)}),
       StatusCode::kInvalidArgument, "<SupportVectorMachine> (line 13): 'Z' is not a class of the target"},
      {MulticlassDoc("", kAbc, {Machine("targetCategory=\"A\"", 1, 0), Machine("targetCategory=\"A\"", 1, 0)}),
       StatusCode::kInvalidArgument, "<SupportVectorMachine> (line 13): a second OneAgainstAll machine for class 'A'"},
      {MulticlassDoc("", kAbc, {Machine("alternateTargetCategory=\"A\"", 1, 0), Machine("targetCategory=\"A\"", 1, 0)}),
       StatusCode::kInvalidArgument,
       "<SupportVectorMachine> (line 12): a classifier's SupportVectorMachine needs targetCategory"},
  };
  for (const Case& c : cases) ExpectError(Import(c.doc), c.code, c.fragment);
}

TEST(PmmlSvm, Refusals) {
  const std::string linear = "<LinearKernelType/>";
  struct Case {
    std::string doc;
    StatusCode code;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {SvmDoc("<PolynomialKernelType degree=\"2.5\"/>"), StatusCode::kUnimplemented,
       "<PolynomialKernelType> (line 11): degree 2.5 (supported: whole numbers from 0)"},
      {SvmDoc("<PolynomialKernelType degree=\"-1\"/>"), StatusCode::kUnimplemented,
       "<PolynomialKernelType> (line 11): degree"},
      {SvmDoc(""), StatusCode::kInvalidArgument, "<SupportVectorMachineModel> (line 9): missing the kernel type"},
      {SvmDoc(linear + "<RadialBasisKernelType/>"), StatusCode::kInvalidArgument,
       "<RadialBasisKernelType> (line 11): a second kernel type"},
      {SvmDoc("<RadialBasisKernelType gamma=\"x\"/>"), StatusCode::kInvalidArgument,
       "<RadialBasisKernelType> (line 11): gamma is not a finite number"},
      {SvmDoc(linear, "svmRepresentation=\"Hyperplane\""), StatusCode::kInvalidArgument,
       "unknown svmRepresentation 'Hyperplane'"},
      {SvmDoc("<RadialBasisKernelType/>", "svmRepresentation=\"Coefficients\""), StatusCode::kInvalidArgument,
       "svmRepresentation Coefficients (a hyperplane) needs a LinearKernelType"},
      {SvmDoc(linear, "", "<Array n=\"3\">1 2</Array>"), StatusCode::kInvalidArgument,
       "<Array> (line 15): n is 3 but the array has 2 items"},
      {SvmDoc(linear, "", "<Array>1 2 3</Array>"), StatusCode::kInvalidArgument,
       "<Array> (line 15): 3 values for 2 vector fields"},
      {SvmDoc(linear, "", "<Array>1 zz</Array>"), StatusCode::kInvalidArgument, "'zz' is not a finite number"},
      {SvmDoc(linear, "", "<Array type=\"string\">1 2</Array>"), StatusCode::kInvalidArgument,
       "an Array of type 'string'"},
      {SvmDoc(linear, "", "<INT-SparseArray n=\"2\"/>"), StatusCode::kInvalidArgument,
       "<INT-SparseArray> (line 15): a VectorInstance holds one Array or REAL-SparseArray"},
      {SvmDoc(linear, "", "<REAL-SparseArray n=\"2\"><Indices>3</Indices><REAL-Entries>1</REAL-Entries>"
                          "</REAL-SparseArray>"),
       StatusCode::kInvalidArgument, "<Indices> (line 15): index '3' is not between 1 and 2"},
      {SvmDoc(linear, "", "<REAL-SparseArray n=\"2\"><Indices>1 1</Indices><REAL-Entries>1 2</REAL-Entries>"
                          "</REAL-SparseArray>"),
       StatusCode::kInvalidArgument, "index 1 is listed twice"},
      {SvmDoc(linear, "", "<REAL-SparseArray n=\"2\"><Indices>1 2</Indices><REAL-Entries>1</REAL-Entries>"
                          "</REAL-SparseArray>"),
       StatusCode::kInvalidArgument, "2 Indices for 1 REAL-Entries"},
      {SvmDoc(linear, "", "<REAL-SparseArray n=\"5\"/>"), StatusCode::kInvalidArgument,
       "<REAL-SparseArray> (line 15): n is 5 but 2 are listed"},
  };
  for (const Case& c : cases) ExpectError(Import(c.doc), c.code, c.fragment);
}

TEST(PmmlSvm, StructuralRefusals) {
  const std::string fields = std::string(kSvmFields) +
                             "<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"p\"/>"
                             "</DataField>\n";
  // The model on line 10; the VectorDictionary on line 13, the machine on line 14.
  auto doc = [&](const std::string& vector_fields, const std::string& instances, const std::string& machines,
                 const std::string& attributes = "") {
    return Doc(fields,
               "<SupportVectorMachineModel functionName=\"regression\" " + attributes + ">\n"
               "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"b\"/><MiningField name=\"c\"/>"
               "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n"
               "<LinearKernelType/>\n"
               "<VectorDictionary><VectorFields>" + vector_fields + "</VectorFields>" + instances +
               "</VectorDictionary>\n" + machines + "\n</SupportVectorMachineModel>\n");
  };
  const std::string a = "<FieldRef field=\"a\"/>";
  const std::string v = "<VectorInstance id=\"v\"><Array>1</Array></VectorInstance>";
  const std::string machine =
      "<SupportVectorMachine><SupportVectors><SupportVector vectorId=\"v\"/></SupportVectors>"
      "<Coefficients><Coefficient value=\"1\"/></Coefficients></SupportVectorMachine>";
  struct Case {
    std::string doc;
    StatusCode code;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {doc(a, v, machine), StatusCode::kOk, ""},
      {doc("", v, machine), StatusCode::kInvalidArgument, "<VectorFields> (line 13): no vector fields"},
      {doc("<FieldRef field=\"c\"/>", v, machine), StatusCode::kUnimplemented,
       "<FieldRef> (line 13): a vector field that is not a number"},
      {doc("<FieldRef field=\"zz\"/>", v, machine), StatusCode::kInvalidArgument, "<FieldRef> (line 13)"},
      {doc("<CategoricalPredictor name=\"c\" value=\"p\" coefficient=\"2\"/>", v, machine),
       StatusCode::kUnimplemented, "<CategoricalPredictor> (line 13): a CategoricalPredictor with coefficient 2"},
      {doc("<NumericPredictor name=\"a\"/>", v, machine), StatusCode::kInvalidArgument,
       "<NumericPredictor> (line 13): a VectorFields entry other than FieldRef or CategoricalPredictor"},
      {doc(a, v + v, machine), StatusCode::kInvalidArgument, "vector id 'v' is used twice"},
      {doc(a, "<VectorInstance><Array>1</Array></VectorInstance>", machine), StatusCode::kInvalidArgument,
       "<VectorInstance> (line 13): missing attribute 'id'"},
      {doc(a, v, ""), StatusCode::kInvalidArgument, "<SupportVectorMachineModel> (line 10): missing SupportVectorMachine"},
      {doc(a, v, machine + machine), StatusCode::kInvalidArgument,
       "a regression SupportVectorMachineModel has one SupportVectorMachine"},
      {doc(a, v, "<SupportVectorMachine><SupportVectors/><Coefficients/></SupportVectorMachine>"),
       StatusCode::kUnimplemented, "<SupportVectors> (line 14): a SupportVectorMachine without support vectors"},
      {doc(a, v, "<SupportVectorMachine><Coefficients/></SupportVectorMachine>"), StatusCode::kInvalidArgument,
       "missing SupportVectors"},
      {doc(a, v, "<SupportVectorMachine><SupportVectors><SupportVector vectorId=\"v\"/></SupportVectors>"
                 "</SupportVectorMachine>"),
       StatusCode::kInvalidArgument, "<SupportVectorMachine> (line 14): missing Coefficients"},
      {doc(a, v, "<SupportVectorMachine><SupportVectors><SupportVector vectorId=\"w\"/></SupportVectors>"
                 "<Coefficients><Coefficient value=\"1\"/></Coefficients></SupportVectorMachine>"),
       StatusCode::kInvalidArgument, "vector id 'w' is not in the VectorDictionary"},
      {doc(a, v, "<SupportVectorMachine><SupportVectors><SupportVector vectorId=\"v\"/></SupportVectors>"
                 "<Coefficients><Coefficient value=\"1\"/><Coefficient value=\"2\"/></Coefficients>"
                 "</SupportVectorMachine>"),
       StatusCode::kInvalidArgument, "2 Coefficients for 1 support vectors"},
      {doc(a, v, "<SupportVectorMachine><SupportVectors numberOfSupportVectors=\"4\"><SupportVector vectorId=\"v\"/>"
                 "</SupportVectors><Coefficients><Coefficient value=\"1\"/></Coefficients></SupportVectorMachine>"),
       StatusCode::kInvalidArgument, "numberOfSupportVectors is 4 but 1 are listed"},
      {doc(a, v, "<SupportVectorMachine><Coefficients><Coefficient value=\"1\"/><Coefficient value=\"1\"/>"
                 "</Coefficients></SupportVectorMachine>",
           "svmRepresentation=\"Coefficients\""),
       StatusCode::kInvalidArgument, "2 Coefficients for 1 vector fields"},
      {doc(a, v, "<SupportVectorMachine><Coefficients absoluteValue=\"inf\"/></SupportVectorMachine>",
           "svmRepresentation=\"Coefficients\""),
       StatusCode::kInvalidArgument, "absoluteValue is not a finite number"},
  };
  for (const Case& c : cases) {
    if (c.code == StatusCode::kOk) {
      Result<Pipeline> ok = Import(c.doc);
      EXPECT_TRUE(ok.ok()) << ok.status().ToString();
      continue;
    }
    ExpectError(Import(c.doc), c.code, c.fragment);
  }
}

TEST(PmmlSvm, KernelTermLimit) {
  // 1,001 support vectors of 1,000 fields exceed the 1,000,000 kernel terms.
  std::string fields, mining, refs;
  for (int i = 0; i < 1000; ++i) {
    std::string name = "f";
    name += std::to_string(i);
    fields += "<DataField name=\"" + name + "\" optype=\"continuous\" dataType=\"double\"/>";
    mining += "<MiningField name=\"" + name + "\"/>";
    refs += "<FieldRef field=\"" + name + "\"/>";
  }
  fields += "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n";
  std::string support, coefficients;
  for (int i = 0; i < 1001; ++i) {
    support += "<SupportVector vectorId=\"v\"/>";
    coefficients += "<Coefficient value=\"1\"/>";
  }
  const std::string doc = Doc(
      fields, "<SupportVectorMachineModel functionName=\"regression\">\n<MiningSchema>" + mining +
                  "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n<LinearKernelType/>\n"
                  "<VectorDictionary><VectorFields>" + refs + "</VectorFields><VectorInstance id=\"v\">"
                  "<REAL-SparseArray n=\"1000\"/></VectorInstance></VectorDictionary>\n"
                  "<SupportVectorMachine><SupportVectors>" + support + "</SupportVectors><Coefficients>" +
                  coefficients + "</Coefficients></SupportVectorMachine>\n</SupportVectorMachineModel>\n");
  ExpectError(Import(doc), StatusCode::kResourceExhausted, "<SupportVectors> (line 11): more than 1000000 kernel terms");

  // 10,001 vectors of 1,000 fields exceed the 10,000,000 coordinates held.
  std::string many;
  for (int i = 0; i < 10001; ++i) {
    std::string id = "<VectorInstance id=\"";
    id += std::to_string(i);
    many += id + "\"><REAL-SparseArray n=\"1000\"/></VectorInstance>";
  }
  const std::string wide = Doc(
      fields, "<SupportVectorMachineModel functionName=\"regression\">\n<MiningSchema>" + mining +
                  "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>\n<LinearKernelType/>\n"
                  "<VectorDictionary><VectorFields>" + refs + "</VectorFields>" + many + "</VectorDictionary>\n"
                  "<SupportVectorMachine><SupportVectors><SupportVector vectorId=\"1\"/></SupportVectors><Coefficients>"
                  "<Coefficient value=\"1\"/></Coefficients></SupportVectorMachine>\n</SupportVectorMachineModel>\n");
  ExpectError(Import(wide), StatusCode::kResourceExhausted,
              "<VectorDictionary> (line 10): more than 10000000 vector coordinates");
}

}  // namespace
}  // namespace podium
