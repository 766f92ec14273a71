#include "formats/lightgbm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "pipeline/input.h"
#include "pipeline/pipeline_json.h"
#include "pipeline/prediction.h"
#include "reference/reference.h"

namespace podium {
namespace {

// The header of a model with two features, x and y.
std::string Header(const std::string& objective, int num_class = 1, const std::string& extra = "") {
  return "tree\nversion=v4\nnum_class=" + std::to_string(num_class) +
         "\nnum_tree_per_iteration=" + std::to_string(num_class) +
         "\nlabel_index=0\nmax_feature_idx=1\nobjective=" + objective +
         "\nfeature_names=x y\nfeature_infos=[-10:10] [-10:10]\ntree_sizes=1\n" + extra + "\n";
}

// A one-split tree: node 0 splits `feature` at `threshold`; leaves `left`
// and `right`.
std::string Stump(int index, int feature, const std::string& threshold, int decision_type, double left, double right) {
  return "Tree=" + std::to_string(index) + "\nnum_leaves=2\nnum_cat=0\nsplit_feature=" + std::to_string(feature) +
         "\nsplit_gain=1\nthreshold=" + threshold + "\ndecision_type=" + std::to_string(decision_type) +
         "\nleaf_value=" + std::to_string(left) + " " + std::to_string(right) +
         "\nleaf_weight=1 1\nleaf_count=4 6\ninternal_value=0\ninternal_weight=2\ninternal_count=10\n"
         "left_child=-1\nright_child=-2\nis_linear=0\nshrinkage=1\n\n";
}

std::string Leaf(int index, double value) {
  return "Tree=" + std::to_string(index) +
         "\nnum_leaves=1\nnum_cat=0\nsplit_feature=\nthreshold=\n"
         "decision_type=\nleft_child=\nright_child=\nleaf_value=" +
         std::to_string(value) + "\nis_linear=0\nshrinkage=1\n\n";
}

constexpr const char* kEnd =
    "end of trees\n\nfeature_importances:\nx=1\n\nparameters:\n[boosting: gbdt]\n"
    "end of parameters\n\npandas_categorical:null\n";

Result<Pipeline> Import(const std::string& text) {
  LightgbmImportOptions options;
  options.name = "test";
  return ImportLightgbmText(text, options);
}

const TreeEnsembleModel& Ensemble(const Pipeline& pipeline) { return std::get<TreeEnsembleModel>(pipeline.model.body); }

// Scores one row with the reference scorer; cells by input name, "" is
// missing. Returns the response values.
std::vector<double> Score(const Pipeline& pipeline, const std::string& x, const std::string& y = "") {
  std::vector<RawValue> raw;
  for (const InputField& field : pipeline.inputs) raw.push_back(RawValue::Text(field.name == "x" ? x : y));
  Result<Prediction> prediction = reference::ScoreRow(pipeline, raw);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  return prediction.ok() ? prediction->values : std::vector<double>{};
}

double Regress(const Pipeline& pipeline, const std::string& x, const std::string& y = "") {
  const std::vector<double> values = Score(pipeline, x, y);
  return values.empty() ? std::nan("") : values[0];
}

void ExpectError(const Result<Pipeline>& result, StatusCode code, const std::string& substring) {
  ASSERT_FALSE(result.ok()) << "expected an error containing: " << substring;
  EXPECT_EQ(result.status().code(), code) << result.status().ToString();
  EXPECT_NE(result.status().message().find(substring), std::string::npos) << result.status().message();
}

// A regression stump on x with the given threshold and decision type.
Pipeline RegressionStump(const std::string& threshold, int decision_type) {
  Result<Pipeline> result = Import(Header("regression") + Stump(0, 0, threshold, decision_type, -1, 2) + kEnd);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : Pipeline{};
}

TEST(LightgbmImportTest, BinaryModel) {
  Result<Pipeline> result = Import(Header("binary sigmoid:1") + Stump(0, 1, "0.5", 2, -1, 2) + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Pipeline& p = *result;
  EXPECT_EQ(p.name, "test");
  EXPECT_EQ(p.source, "lightgbm v4 binary sigmoid:1");
  EXPECT_EQ(p.model.task, Task::kClassification);
  EXPECT_EQ(p.model.classes, (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(p.inputs.size(), 2u);
  EXPECT_EQ(p.inputs[0].name, "x");
  EXPECT_EQ(p.inputs[1].type, FieldType::kNumber);
  EXPECT_EQ(p.features, (std::vector<std::string>{"x", "y"}));
  const TreeEnsembleModel& e = Ensemble(p);
  EXPECT_EQ(e.output_transform, OutputTransform::kLogistic);
  EXPECT_EQ(e.precision, NumericPrecision::kFloat64);
  EXPECT_EQ(e.aggregation, Aggregation::kSum);
  EXPECT_EQ(e.base_score, std::vector<double>{0.0});
  ASSERT_EQ(e.trees.size(), 1u);
  EXPECT_EQ(e.trees[0].cover, (std::vector<double>{10, 4, 6}));
  // y = 0.25 <= 0.5: leaf -1, p = 1 / (1 + e^1).
  const std::vector<double> values = Score(p, "0", "0.25");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_DOUBLE_EQ(values[1], 1.0 / (1.0 + std::exp(1.0)));
}

TEST(LightgbmImportTest, ObjectivesAndTheirOutputs) {
  struct Case {
    std::string objective;
    Task task;
    OutputTransform transform;
  };
  const Case cases[] = {
      {"regression", Task::kRegression, OutputTransform::kIdentity},
      {"regression_l1", Task::kRegression, OutputTransform::kIdentity},
      {"huber alpha:0.9", Task::kRegression, OutputTransform::kIdentity},
      {"fair fair_c:1", Task::kRegression, OutputTransform::kIdentity},
      {"quantile alpha:0.5", Task::kRegression, OutputTransform::kIdentity},
      {"mape", Task::kRegression, OutputTransform::kIdentity},
      {"lambdarank", Task::kRegression, OutputTransform::kIdentity},
      {"rank_xendcg", Task::kRegression, OutputTransform::kIdentity},
      {"poisson", Task::kRegression, OutputTransform::kExp},
      {"gamma", Task::kRegression, OutputTransform::kExp},
      {"tweedie tweedie_variance_power:1.5", Task::kRegression, OutputTransform::kExp},
      {"cross_entropy", Task::kClassification, OutputTransform::kLogistic},
      {"binary sigmoid:1", Task::kClassification, OutputTransform::kLogistic},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.objective);
    Result<Pipeline> result = Import(Header(c.objective) + Stump(0, 0, "0", 2, -1, 2) + kEnd);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->model.task, c.task);
    EXPECT_EQ(Ensemble(*result).output_transform, c.transform);
  }
  // Poisson: exp of the margin.
  Result<Pipeline> poisson = Import(Header("poisson") + Stump(0, 0, "0", 2, -1, 2) + kEnd);
  ASSERT_TRUE(poisson.ok());
  EXPECT_DOUBLE_EQ(Regress(*poisson, "1"), std::exp(2.0));
  // No objective line: the raw score.
  std::string none = Header("regression");
  none.erase(none.find("objective=regression\n"), std::string("objective=regression\n").size());
  Result<Pipeline> raw = Import(none + Stump(0, 0, "0", 2, -1, 2) + kEnd);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(Ensemble(*raw).output_transform, OutputTransform::kIdentity);
}

TEST(LightgbmImportTest, PowerOfTwoSigmoidIsFoldedIntoLeaves) {
  Result<Pipeline> result = Import(Header("binary sigmoid:2") + Stump(0, 0, "0", 2, -0.75, 1.5) + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Ensemble(*result).trees[0].leaf_values, (std::vector<double>{0, -1.5, 3}));
  // p = 1 / (1 + exp(-2 * 1.5)).
  EXPECT_DOUBLE_EQ(Score(*result, "1")[1], 1.0 / (1.0 + std::exp(-3.0)));
  ExpectError(Import(Header("binary sigmoid:1.5") + Stump(0, 0, "0", 2, -1, 2) + kEnd), StatusCode::kUnimplemented,
              "sigmoid 1.5 is not supported");
  ExpectError(Import(Header("binary sigmoid:-1") + Stump(0, 0, "0", 2, -1, 2) + kEnd), StatusCode::kInvalidArgument,
              "sigmoid '-1' is not a positive number");
}

TEST(LightgbmImportTest, UnsupportedObjectives) {
  ExpectError(Import(Header("multiclassova num_class:3", 3) + kEnd), StatusCode::kUnimplemented,
              "header (line 7): objective: multiclassova");
  ExpectError(Import(Header("cross_entropy_lambda") + kEnd), StatusCode::kUnimplemented, "cross_entropy_lambda");
  ExpectError(Import(Header("regression sqrt") + kEnd), StatusCode::kUnimplemented, "(sqrt) is not supported");
  ExpectError(Import(Header("custom") + kEnd), StatusCode::kUnimplemented,
              "objective: 'custom' is not supported (supported: binary,");
}

TEST(LightgbmImportTest, NumericSplitIsLessOrEqual) {
  // 0.1 is not a double; LightGBM writes the nearest one with 17 digits.
  const Pipeline p = RegressionStump("0.10000000000000001", 2);
  const double t = 0.1;
  EXPECT_EQ(Ensemble(p).trees[0].threshold[0], std::nextafter(t, 1.0));
  EXPECT_EQ(Regress(p, "0.1"), -1);                 // x == t: left
  EXPECT_EQ(Regress(p, "0.10000000000000002"), 2);  // the next double: right
  EXPECT_EQ(Regress(p, "0.09999999999999999"), -1);
  EXPECT_EQ(Regress(p, "-5"), -1);
  EXPECT_EQ(Regress(p, "7"), 2);
}

TEST(LightgbmImportTest, MissingTypeNaNFollowsDefaultLeft) {
  // decision_type 8 = NaN missing, default right; 10 = NaN missing, default left.
  const Pipeline right = RegressionStump("0.5", 8);
  EXPECT_EQ(Regress(right, ""), 2);
  EXPECT_EQ(Regress(right, "0"), -1);
  const Pipeline left = RegressionStump("0.5", 10);
  EXPECT_EQ(Regress(left, ""), -1);
  EXPECT_EQ(Regress(left, "0.6"), 2);
}

TEST(LightgbmImportTest, MissingTypeNoneReadsMissingAsZero) {
  // decision_type 0 and 2: None; the default_left bit does not matter.
  for (const int type : {0, 2}) {
    EXPECT_EQ(Regress(RegressionStump("0", type), ""), -1) << type;       // 0 <= 0
    EXPECT_EQ(Regress(RegressionStump("-0.5", type), ""), 2) << type;     // 0 > -0.5
    EXPECT_EQ(Regress(RegressionStump("1e-300", type), ""), -1) << type;  // 0 <= 1e-300
  }
}

TEST(LightgbmImportTest, MissingTypeZeroSendsZeroAndMissingTheDefaultWay) {
  // decision_type 4: Zero, default right; 6: Zero, default left.
  // Default left, threshold above the zero band: lowered as is.
  Pipeline p = RegressionStump("0.5", 6);
  EXPECT_TRUE(p.transforms.empty());
  EXPECT_EQ(Regress(p, ""), -1);
  EXPECT_EQ(Regress(p, "0"), -1);
  EXPECT_EQ(Regress(p, "0.5"), -1);
  EXPECT_EQ(Regress(p, "0.6"), 2);
  // Default right, threshold below the band: lowered as is.
  p = RegressionStump("-0.5", 4);
  EXPECT_TRUE(p.transforms.empty());
  EXPECT_EQ(Regress(p, ""), 2);
  EXPECT_EQ(Regress(p, "0"), 2);
  EXPECT_EQ(Regress(p, "-0.5"), -1);
  // Default right, threshold above the band: zero must go right although
  // 0 <= 0.5; a derived column makes the band missing.
  p = RegressionStump("0.5", 4);
  ASSERT_EQ(p.transforms.size(), 1u);
  EXPECT_EQ(p.features, (std::vector<std::string>{"x", "y", "x#nonzero"}));
  EXPECT_EQ(Regress(p, ""), 2);
  EXPECT_EQ(Regress(p, "0"), 2);
  EXPECT_EQ(Regress(p, "1e-36"), 2);   // inside the band
  EXPECT_EQ(Regress(p, "-1e-36"), 2);  // inside the band
  EXPECT_EQ(Regress(p, "2e-35"), -1);  // outside: 2e-35 <= 0.5
  EXPECT_EQ(Regress(p, "0.5"), -1);
  EXPECT_EQ(Regress(p, "0.6"), 2);
  EXPECT_EQ(Regress(p, "-3"), -1);
  // Default left, threshold below the band: zero goes left although 0 > -0.5.
  p = RegressionStump("-0.5", 6);
  ASSERT_EQ(p.transforms.size(), 1u);
  EXPECT_EQ(Regress(p, ""), -1);
  EXPECT_EQ(Regress(p, "0"), -1);
  EXPECT_EQ(Regress(p, "1e-35"), -1);
  EXPECT_EQ(Regress(p, "0.1"), 2);
  EXPECT_EQ(Regress(p, "-0.5"), -1);
  EXPECT_EQ(Regress(p, "-0.4"), 2);
}

// A categorical stump on x: categories {0, 3, 33} go left (words 9 and 2).
std::string CategoricalStump(int index, const std::string& words = "9 2", const std::string& bounds = "0 2") {
  return "Tree=" + std::to_string(index) +
         "\nnum_leaves=2\nnum_cat=1\nsplit_feature=0\nsplit_gain=1\nthreshold=0\ndecision_type=9\n"
         "left_child=-1\nright_child=-2\nleaf_value=-1 2\nleaf_count=4 6\ninternal_count=10\n"
         "cat_boundaries=" +
         bounds + "\ncat_threshold=" + words + "\nis_linear=0\nshrinkage=1\n\n";
}

TEST(LightgbmImportTest, CategoricalBitsetSplits) {
  Result<Pipeline> result = Import(Header("regression") + CategoricalStump(0) + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Pipeline& p = *result;
  EXPECT_EQ(p.features, (std::vector<std::string>{"x", "y", "x#category"}));
  ASSERT_EQ(p.transforms.size(), 1u);
  const auto& bucketize = std::get<BucketizeTransform>(p.transforms[0]);
  EXPECT_EQ(bucketize.edges.size(), 35u);   // -1+, 1, ..., 34
  EXPECT_EQ(bucketize.labels.size(), 36u);  // negative, 0..33, out_of_range
  const Tree& tree = Ensemble(p).trees[0];
  EXPECT_EQ(tree.category_levels[0], (std::vector<std::string>{"0", "3", "33"}));
  EXPECT_EQ(tree.feature[0], 2);
  const std::pair<const char*, double> rows[] = {
      {"0", -1},    {"3", -1},   {"33", -1},     {"2", 2},   {"1", 2},    {"32", 2}, {"34", 2},
      {"64", 2},    {"1000", 2}, {"", 2},        {"-1", 2},  {"-1.5", 2}, {"-3", 2}, {"-0.5", -1},  // truncates to 0
      {"0.99", -1}, {"3.7", -1}, {"33.999", -1}, {"2.9", 2}, {"4.1", 2},
  };
  for (const auto& [x, expected] : rows) EXPECT_EQ(Regress(p, x), expected) << "x = " << x;
}

TEST(LightgbmImportTest, CategoricalSplitsAcrossTreesShareOneColumn) {
  Result<Pipeline> result =
      Import(Header("regression") + CategoricalStump(0) + CategoricalStump(1, "16", "0 1") + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->transforms.size(), 1u);
  EXPECT_EQ(Ensemble(*result).trees[1].category_levels[0], std::vector<std::string>{"4"});
  EXPECT_EQ(Regress(*result, "4"), 2 + -1);
  EXPECT_EQ(Regress(*result, "3"), -1 + 2);
}

TEST(LightgbmImportTest, MulticlassTreesAreRoundRobin) {
  std::string text = Header("multiclass num_class:3", 3);
  for (int t = 0; t < 6; ++t) text += Stump(t, 0, "0", 2, 0.25 * t, 0);
  Result<Pipeline> result = Import(text + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->model.classes, (std::vector<std::string>{"0", "1", "2"}));
  const TreeEnsembleModel& e = Ensemble(*result);
  EXPECT_EQ(e.num_outputs, 3);
  EXPECT_EQ(e.output_transform, OutputTransform::kSoftmax);
  for (int t = 0; t < 6; ++t) EXPECT_EQ(e.trees[static_cast<size_t>(t)].output, t % 3);
  // x = -1 goes left: margins 0 + 0.75, 0.25 + 1, 0.5 + 1.25.
  const std::vector<double> values = Score(*result, "-1");
  const double m[] = {0.75, 1.25, 1.75};
  const double sum = std::exp(m[0]) + std::exp(m[1]) + std::exp(m[2]);
  ASSERT_EQ(values.size(), 3u);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(values[static_cast<size_t>(k)], std::exp(m[k]) / sum, 1e-15);
}

TEST(LightgbmImportTest, SingleLeafTrees) {
  Result<Pipeline> result = Import(Header("regression") + Leaf(0, 0.5) + Stump(1, 0, "0", 2, -1, 2) + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Ensemble(*result).trees[0].left, std::vector<int32_t>{-1});
  EXPECT_EQ(Regress(*result, "-1"), -0.5);
  EXPECT_EQ(Regress(*result, "1"), 2.5);
}

TEST(LightgbmImportTest, AverageOutput) {
  Result<Pipeline> result =
      Import(Header("regression", 1, "average_output") + Leaf(0, 1) + Stump(1, 0, "0", 2, 2, 4) + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Ensemble(*result).aggregation, Aggregation::kAverage);
  EXPECT_EQ(Regress(*result, "-1"), 1.5);
  EXPECT_EQ(Regress(*result, "1"), 2.5);
  ExpectError(Import(Header("multiclass num_class:3", 3, "average_output") + kEnd), StatusCode::kUnimplemented,
              "average_output with 3 trees per iteration");
}

TEST(LightgbmImportTest, DeeperTreeChildrenAndLeaves) {
  // node 0: x <= 0 ? node 1 : leaf 2;  node 1: y <= 1 ? leaf 0 : leaf 1.
  const std::string tree =
      "Tree=0\nnum_leaves=3\nnum_cat=0\nsplit_feature=0 1\nthreshold=0 1\ndecision_type=2 2\n"
      "left_child=1 -1\nright_child=-3 -2\nleaf_value=10 20 30\n\n";
  Result<Pipeline> result = Import(Header("regression") + tree + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(Ensemble(*result).trees[0].cover.empty());
  EXPECT_EQ(Regress(*result, "0", "1"), 10);
  EXPECT_EQ(Regress(*result, "0", "2"), 20);
  EXPECT_EQ(Regress(*result, "0.5", "0"), 30);
}

TEST(LightgbmImportTest, OptionsNameFeaturesAndClasses) {
  LightgbmImportOptions options;
  options.feature_names = {"a", "b"};
  options.class_labels = {"no", "yes"};
  Result<Pipeline> result = ImportLightgbmText(Header("binary sigmoid:1") + Stump(0, 0, "0", 2, -1, 2), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->features, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result->model.classes, (std::vector<std::string>{"no", "yes"}));
  options.feature_names = {"a"};
  ExpectError(ImportLightgbmText(Header("binary sigmoid:1"), options), StatusCode::kInvalidArgument,
              "options.feature_names: 1 names given, but the model has 2 features");
  options.feature_names = {"a", "a"};
  ExpectError(ImportLightgbmText(Header("binary sigmoid:1"), options), StatusCode::kInvalidArgument,
              "options.feature_names[1]: 'a' is listed twice");
  options.feature_names.clear();
  options.class_labels = {"a", "b", "c"};
  ExpectError(ImportLightgbmText(Header("binary sigmoid:1"), options), StatusCode::kInvalidArgument,
              "options.class_labels: 3 labels given, but the model has 2 classes");
  ExpectError(ImportLightgbmText(Header("regression"), options), StatusCode::kInvalidArgument,
              "is a regression objective; it has no classes");
  // Without feature_names: f0, f1.
  std::string text = Header("regression");
  text.erase(text.find("feature_names=x y\n"), std::string("feature_names=x y\n").size());
  Result<Pipeline> unnamed = Import(text);
  ASSERT_TRUE(unnamed.ok()) << unnamed.status().ToString();
  EXPECT_EQ(unnamed->features, (std::vector<std::string>{"f0", "f1"}));
}

TEST(LightgbmImportTest, ArtifactRoundTripKeepsDerivedColumnsExact) {
  // Zero missing type (derived column) and a categorical split (bucketize
  // edge nextafter(-1, +inf)) survive writing and reading the artifact.
  Result<Pipeline> result = Import(Header("regression") + Stump(0, 0, "0.5", 4, -1, 2) + CategoricalStump(1) + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  Result<Pipeline> again = ReadPipelineJson(WritePipelineJson(*result));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(PipelineDigest(*again), PipelineDigest(*result));
  EXPECT_EQ(std::get<BucketizeTransform>(again->transforms[1]).edges[0], std::nextafter(-1.0, 0.0));
  for (const char* x : {"0", "-0.5", "1e-36", "3", "-1", ""}) {
    EXPECT_EQ(Regress(*again, x), Regress(*result, x)) << "x = " << x;
  }
}

TEST(LightgbmImportTest, CoverGivesReasonCodes) {
  Result<Pipeline> result = Import(Header("binary sigmoid:1") + Stump(0, 1, "0.5", 2, -1, 2) + kEnd);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  Result<Prediction> prediction =
      reference::ScoreRow(*result, {RawValue::Text("0"), RawValue::Text("0.25")}, /*explain=*/true);
  ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
  ASSERT_EQ(prediction->contributions.size(), 3u);
  // Expected leaf: (4 * -1 + 6 * 2) / 10 = 0.8; y moves it to -1.
  EXPECT_DOUBLE_EQ(prediction->contributions[2].value, 0.8);
  EXPECT_DOUBLE_EQ(prediction->contributions[1].value, -1.8);
  EXPECT_DOUBLE_EQ(prediction->contributions[0].value, 0.0);
}

TEST(LightgbmImportTest, LooksLikeLightgbm) {
  EXPECT_TRUE(LooksLikeLightgbm(Header("regression") + kEnd));
  EXPECT_TRUE(LooksLikeLightgbm("tree\r\nversion=v3\r\nnum_class=1\r\n"));
  EXPECT_FALSE(LooksLikeLightgbm("tree\nnum_class=1\n"));
  EXPECT_FALSE(LooksLikeLightgbm("trees\nversion=v4\nnum_class=1\n"));
  EXPECT_FALSE(LooksLikeLightgbm("{\"learner\": {}}"));
  EXPECT_FALSE(LooksLikeLightgbm(""));
}

TEST(LightgbmImportTest, HeaderErrors) {
  ExpectError(Import(""), StatusCode::kInvalidArgument, "not a LightGBM text model (line 1): expected 'tree'");
  ExpectError(Import("tree\nnum_class=1\nmax_feature_idx=0\n"), StatusCode::kInvalidArgument,
              "header (line 1): missing key 'version'");
  ExpectError(Import("tree\nversion=v9\n"), StatusCode::kUnimplemented,
              "header (line 2): version: 'v9' is not supported (supported: v2, v3, v4)");
  ExpectError(Import("tree\nversion=v4\nmax_feature_idx=0\n"), StatusCode::kInvalidArgument, "missing key 'num_class'");
  ExpectError(Import("tree\nversion=v4\nnum_class=x\n"), StatusCode::kInvalidArgument,
              "header (line 3): num_class: 'x' is not an integer");
  ExpectError(Import("tree\nversion=v4\nnum_class=1\nmax_feature_idx=-1\n"), StatusCode::kInvalidArgument,
              "header (line 4): max_feature_idx: -1 is outside [0, 999999]");
  ExpectError(Import("tree\nversion=v4\nversion=v4\n"), StatusCode::kInvalidArgument,
              "line 3: key 'version' is repeated");
  ExpectError(Import(Header("regression", 3)), StatusCode::kInvalidArgument,
              "objective 'regression' has one output, but num_class is 3");
  ExpectError(Import(Header("multiclass num_class:4", 3)), StatusCode::kInvalidArgument,
              "3 differs from the objective's num_class:4");
  ExpectError(Import(Header("multiclass num_class:1", 1)), StatusCode::kInvalidArgument,
              "multiclass needs at least 2 classes");
  ExpectError(Import(Header("multiclass num_class:3", 3) + Stump(0, 0, "0", 2, 1, 2)), StatusCode::kInvalidArgument,
              "the model has 1 trees, not a multiple of num_tree_per_iteration (3)");
  std::string text = Header("regression");
  text.replace(text.find("feature_names=x y"), 17, "feature_names=x");
  ExpectError(Import(text), StatusCode::kInvalidArgument,
              "header (line 8): feature_names: 1 names for 2 features (max_feature_idx + 1)");
  text = Header("regression");
  text.replace(text.find("feature_names=x y"), 17, "feature_names=x x");
  ExpectError(Import(text), StatusCode::kInvalidArgument, "'x' is listed twice");
  text = Header("regression");
  text.replace(text.find("feature_names=x y"), 17, "feature_names=x x#nonzero");
  ExpectError(Import(text + Stump(0, 0, "0.5", 4, 1, 2)), StatusCode::kUnimplemented,
              "the derived column 'x#nonzero' has the name of a model feature");
}

TEST(LightgbmImportTest, TreeStructureErrors) {
  const std::string header = Header("regression");  // 10 lines, then a blank one
  ExpectError(Import(header + Stump(1, 0, "0", 2, 1, 2)), StatusCode::kInvalidArgument,
              "line 12: expected Tree=0, got 'Tree=1'");
  ExpectError(Import(header + "Tree=0\nleaf_value=1\n"), StatusCode::kInvalidArgument,
              "Tree=0 (line 12): missing key 'num_leaves'");
  ExpectError(Import(header + "Tree=0\nnum_leaves=0\n"), StatusCode::kInvalidArgument,
              "Tree=0 (line 13): num_leaves: 0 is outside");
  ExpectError(Import(header + "Tree=0\nnum_leaves=2\nleaf_value=1\n"), StatusCode::kInvalidArgument,
              "Tree=0 (line 14): leaf_value: has 1 values, expected 2");
  ExpectError(Import(header + "Tree=0\nnum_leaves=1\nleaf_value=nan\n"), StatusCode::kInvalidArgument,
              "leaf_value[0]: 'nan' is not a finite number");
  auto tree = [](const std::string& body) {
    return "Tree=0\nnum_leaves=3\nsplit_feature=0 1\nthreshold=0 1\nleaf_value=1 2 3\n" + body;
  };
  const std::string good = "decision_type=2 2\nleft_child=1 -1\nright_child=-3 -2\n";
  ASSERT_TRUE(Import(header + tree(good)).ok());
  ExpectError(Import(header + tree("decision_type=2 2\nleft_child=1 -1\nright_child=-4 -2\n")),
              StatusCode::kInvalidArgument,
              "Tree=0 (line 19): right_child[0]: child -4 is out of range (2 internal nodes, 3 leaves)");
  ExpectError(Import(header + tree("decision_type=2 2\nleft_child=1 2\nright_child=-3 -2\n")),
              StatusCode::kInvalidArgument, "left_child[1]: child 2 is out of range");
  ExpectError(Import(header + tree("decision_type=2 2\nleft_child=1 0\nright_child=-3 -2\n")),
              StatusCode::kInvalidArgument, "left_child[1]: node 0 is reached twice");
  ExpectError(Import(header + tree("decision_type=2 2\nleft_child=1 -1\nright_child=-1 -2\n")),
              StatusCode::kInvalidArgument, "Tree=0 (line 18): left_child[1]: leaf 0 is reached twice");
  ExpectError(Import(header + tree("decision_type=2 2\nleft_child=-1 -1\nright_child=-2 -3\n")),
              StatusCode::kInvalidArgument, "internal node 1 is not reached from the root");
  ExpectError(Import(header + tree("decision_type=2 2\nleft_child=1 -1\nright_child=-3\n")),
              StatusCode::kInvalidArgument, "right_child: has 1 values, expected 2");
  ExpectError(Import(header + tree("decision_type=2 x\nleft_child=1 -1\nright_child=-3 -2\n")),
              StatusCode::kInvalidArgument, "decision_type[1]: 'x' is not an integer");
  ExpectError(Import(header + tree("decision_type=2 14\n" + good.substr(18))), StatusCode::kInvalidArgument,
              "Tree=0 (line 17): node 1: decision_type 14 has an unknown missing type");
  ExpectError(Import(header + tree("decision_type=2 16\n" + good.substr(18))), StatusCode::kInvalidArgument,
              "node 1: decision_type 16 is not valid");
  ExpectError(Import(header + "Tree=0\nnum_leaves=2\nsplit_feature=2\nthreshold=0\nleaf_value=1 2\n"
                              "decision_type=2\nleft_child=-1\nright_child=-2\n"),
              StatusCode::kInvalidArgument, "node 0: split_feature 2 is out of range (2 features)");
  ExpectError(Import(header + "Tree=0\nnum_leaves=2\nsplit_feature=0\nthreshold=1.7976931348623157e308\n"
                              "leaf_value=1 2\ndecision_type=2\nleft_child=-1\nright_child=-2\n"),
              StatusCode::kUnimplemented, "is the largest double");
  ExpectError(Import(header + "Tree=0\nnum_leaves=2\nsplit_feature=0\nthreshold=0\nleaf_value=1 2\n"
                              "decision_type=2\nleft_child=-1\nright_child=-2\nis_linear=1\n"),
              StatusCode::kUnimplemented, "Tree=0 (line 20): is_linear: linear trees");
  ExpectError(Import(header + "Tree=0\nnum_leaves=2\nsplit_feature=0\nthreshold=0\nleaf_value=1 2\n"
                              "decision_type=2\nleft_child=-1\nright_child=-2\ninternal_count=-1\n"
                              "leaf_count=1 1\n"),
              StatusCode::kInvalidArgument, "a node count is negative");
}

TEST(LightgbmImportTest, CategoricalErrors) {
  const std::string header = Header("regression");
  ExpectError(Import(header + CategoricalStump(0, "9 2", "0 3")), StatusCode::kInvalidArgument,
              "cat_boundaries: must run from 0 to the number of cat_threshold words (2)");
  ExpectError(Import(header + CategoricalStump(0, "9 4294967296", "0 2")), StatusCode::kInvalidArgument,
              "cat_threshold[1]: 4294967296 is not a 32-bit word");
  ExpectError(Import(header + CategoricalStump(0, "0 0", "0 2")), StatusCode::kUnimplemented,
              "node 0: a categorical split that lists no category");
  std::string text = CategoricalStump(0);
  text.replace(text.find("threshold=0\n"), 12, "threshold=1\n");
  ExpectError(Import(header + text), StatusCode::kInvalidArgument,
              "node 0: categorical threshold 1 is not a bitset index (num_cat 1)");
  text = CategoricalStump(0);
  text.replace(text.find("num_cat=1"), 9, "num_cat=2");
  ExpectError(Import(header + text), StatusCode::kInvalidArgument, "num_cat: 2 is outside [0, 1]");
  // Category 1,000,001 is bit 1 of word 31250.
  std::string words;
  for (int i = 0; i < 31250; ++i) words += "0 ";
  words += "2";
  ExpectError(Import(header + CategoricalStump(0, words, "0 31251")), StatusCode::kUnimplemented,
              "category 1000001 is larger than 1000000");
}

TEST(LightgbmImportTest, Limits) {
  LightgbmImportOptions options;
  const std::string text = Header("regression") + Stump(0, 0, "0", 2, 1, 2) + Stump(1, 0, "0", 2, 1, 2) + kEnd;
  options.max_bytes = 10;
  ExpectError(ImportLightgbmText(text, options), StatusCode::kResourceExhausted, "more than the 10 allowed");
  options = LightgbmImportOptions{};
  options.max_trees = 1;
  ExpectError(ImportLightgbmText(text, options), StatusCode::kResourceExhausted,
              "line 30: the model has more than 1 trees");
  options = LightgbmImportOptions{};
  options.max_nodes = 5;
  ExpectError(ImportLightgbmText(text, options), StatusCode::kResourceExhausted,
              "Tree=1: the model has more than 5 nodes");
  options = LightgbmImportOptions{};
  options.max_nodes = 20;
  ExpectError(ImportLightgbmText(Header("regression") + CategoricalStump(0), options), StatusCode::kResourceExhausted,
              "need more than 20 bucket edges");
}

}  // namespace
}  // namespace podium
