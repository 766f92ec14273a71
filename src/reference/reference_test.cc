#include "reference/reference.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/validate.h"

namespace podium::reference {
namespace {

constexpr double kTight = 1e-12;

// --- Builders ---------------------------------------------------------------

InputField Number(const std::string& name) {
  InputField field;
  field.name = name;
  field.type = FieldType::kNumber;
  return field;
}

InputField Boolean(const std::string& name) {
  InputField field = Number(name);
  field.type = FieldType::kBoolean;
  return field;
}

InputField Category(const std::string& name, std::vector<std::string> levels = {}) {
  InputField field;
  field.name = name;
  field.type = FieldType::kCategory;
  field.levels = std::move(levels);
  return field;
}

// A gaussian identity GLM: prediction = intercept + sum coefficients * features.
Model LinearModel(std::vector<double> coefficients, double intercept = 0.0) {
  GlmModel glm;
  glm.family = GlmFamily::kGaussian;
  glm.link = LinkFunction::kIdentity;
  glm.intercepts = {intercept};
  glm.coefficients = std::move(coefficients);
  Model model;
  model.body = std::move(glm);
  return model;
}

Pipeline MakePipeline(std::vector<InputField> inputs, std::vector<Transform> transforms,
                      std::vector<std::string> features, Model model) {
  Pipeline pipeline;
  pipeline.name = "test";
  pipeline.inputs = std::move(inputs);
  pipeline.transforms = std::move(transforms);
  pipeline.features = std::move(features);
  pipeline.model = std::move(model);
  return pipeline;
}

// Scores a row given as text cells ("" = missing) after checking the
// pipeline is valid (the scorer's precondition).
Result<Prediction> Score(const Pipeline& pipeline, const std::vector<std::string>& cells,
                         bool explain = false) {
  Status valid = ValidatePipeline(pipeline);
  if (!valid.ok()) return InternalError("test pipeline is invalid: " + valid.ToString());
  std::vector<RawValue> raw;
  for (const std::string& cell : cells) raw.push_back(RawValue::Text(cell));
  return ScoreRow(pipeline, raw, explain);
}

// The value of the one feature `column` after the transforms, read through a
// gaussian identity GLM with coefficient 1 (NaN when missing).
double Column(const std::vector<InputField>& inputs, const std::vector<Transform>& transforms,
              const std::string& column, const std::vector<std::string>& cells) {
  Pipeline pipeline = MakePipeline(inputs, transforms, {column}, LinearModel({1.0}));
  Result<Prediction> prediction = Score(pipeline, cells);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  if (!prediction.ok()) return -12345.0;
  return prediction->values.at(0);
}

double ColumnOf(const Transform& transform, const std::string& column, const std::string& cell,
                InputField input = Number("x")) {
  return Column({input}, {transform}, column, {cell});
}

// A tree node list builder: nodes are added in index order.
// Leaves hold tree.leaf_width values each (set it before adding nodes).
struct TreeBuilder {
  Tree tree;
  int Split(int feature, double threshold, int left, int right, bool default_left, double cover = 1.0) {
    tree.feature.push_back(feature);
    tree.threshold.push_back(threshold);
    tree.left.push_back(left);
    tree.right.push_back(right);
    tree.default_left.push_back(default_left ? 1 : 0);
    tree.cover.push_back(cover);
    tree.leaf_values.insert(tree.leaf_values.end(), static_cast<size_t>(tree.leaf_width), 0.0);
    return static_cast<int>(tree.left.size()) - 1;
  }
  int Leaf(double value, double cover = 1.0) { return LeafVector({value}, cover); }
  int LeafVector(const std::vector<double>& values, double cover = 1.0) {
    tree.feature.push_back(-1);
    tree.threshold.push_back(0.0);
    tree.left.push_back(-1);
    tree.right.push_back(-1);
    tree.default_left.push_back(0);
    tree.cover.push_back(cover);
    tree.leaf_values.insert(tree.leaf_values.end(), values.begin(), values.end());
    return static_cast<int>(tree.left.size()) - 1;
  }
  void Categorical(int node, std::vector<std::string> levels) {
    tree.category_levels.resize(tree.left.size());
    tree.category_levels[static_cast<size_t>(node)] = std::move(levels);
  }
};

// A stump: x_feature < threshold ? low : high.
Tree Stump(int feature, double threshold, double low, double high, double low_cover = 1.0,
           double high_cover = 1.0, bool default_left = true) {
  TreeBuilder b;
  b.Split(feature, threshold, 1, 2, default_left, low_cover + high_cover);
  b.Leaf(low, low_cover);
  b.Leaf(high, high_cover);
  return b.tree;
}

Model Ensemble(std::vector<Tree> trees, std::vector<double> base_score = {0.0},
               OutputTransform transform = OutputTransform::kIdentity,
               Aggregation aggregation = Aggregation::kSum, Task task = Task::kRegression,
               std::vector<std::string> classes = {}) {
  TreeEnsembleModel ensemble;
  ensemble.num_outputs = static_cast<int32_t>(base_score.size());
  ensemble.base_score = std::move(base_score);
  ensemble.output_transform = transform;
  ensemble.aggregation = aggregation;
  ensemble.trees = std::move(trees);
  Model model;
  model.task = task;
  model.classes = std::move(classes);
  model.body = std::move(ensemble);
  return model;
}

double ContributionSum(const Prediction& prediction) {
  double sum = 0.0;
  for (const Contribution& c : prediction.contributions) sum += c.value;
  return sum;
}

// --- Inputs -------------------------------------------------------------------

TEST(ReferenceInputs, WrongNumberOfValuesIsInvalidArgument) {
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"}, LinearModel({1.0}));
  Result<Prediction> result = ScoreRow(pipeline, {}, false);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(ReferenceInputs, PoliciesComeFromConvertInput) {
  InputField x = Number("x");
  x.min = 0;
  x.max = 10;
  x.on_missing = {ValuePolicyKind::kError, 0.0};
  Pipeline pipeline = MakePipeline({x}, {}, {"x"}, LinearModel({1.0}));
  Result<Prediction> missing = Score(pipeline, {""});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("field 'x'"), std::string::npos);
  Result<Prediction> out_of_range = Score(pipeline, {"11"});
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.status().message().find("outside the allowed range"), std::string::npos);
  Result<Prediction> fine = Score(pipeline, {"10"});
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->values[0], 10.0);
}

TEST(ReferenceInputs, BooleanInputIsZeroOrOne) {
  EXPECT_EQ(Column({Boolean("b")}, {}, "b", {"true"}), 1.0);
  EXPECT_EQ(Column({Boolean("b")}, {}, "b", {"no"}), 0.0);
}

// --- Transforms -----------------------------------------------------------------

TEST(ReferenceTransforms, ImputeReplacesOnlyMissing) {
  ImputeTransform t{"x", "y", ImputeStrategy::kMedian, 2.5};
  EXPECT_EQ(ColumnOf(t, "y", ""), 2.5);
  EXPECT_EQ(ColumnOf(t, "y", "-7"), -7.0);
}

TEST(ReferenceTransforms, ImputeCategoryFeedsOneHot) {
  ImputeTransform impute{"c", "c2", ImputeStrategy::kMostFrequent, std::string("green")};
  OneHotTransform one_hot{"c2", "", {"red", "green"}, UnknownLevelPolicy::kIgnore};
  const std::vector<InputField> inputs = {Category("c", {"red", "green", "blue"})};
  EXPECT_EQ(Column(inputs, {impute, one_hot}, "c2=green", {""}), 1.0);
  EXPECT_EQ(Column(inputs, {impute, one_hot}, "c2=green", {"red"}), 0.0);
  EXPECT_EQ(Column(inputs, {impute, one_hot}, "c2=red", {"red"}), 1.0);
}

TEST(ReferenceTransforms, Clip) {
  ClipTransform both{"x", "y", -1.0, 2.0};
  EXPECT_EQ(ColumnOf(both, "y", "-5"), -1.0);
  EXPECT_EQ(ColumnOf(both, "y", "0.5"), 0.5);
  EXPECT_EQ(ColumnOf(both, "y", "9"), 2.0);
  EXPECT_TRUE(std::isnan(ColumnOf(both, "y", "")));
  ClipTransform lower_only{"x", "y", 0.0, std::nullopt};
  EXPECT_EQ(ColumnOf(lower_only, "y", "1e300"), 1e300);
  EXPECT_EQ(ColumnOf(lower_only, "y", "-1"), 0.0);
}

TEST(ReferenceTransforms, Standardize) {
  StandardizeTransform t{"x", "z", 10.0, 4.0};
  EXPECT_EQ(ColumnOf(t, "z", "18"), 2.0);
  EXPECT_EQ(ColumnOf(t, "z", "8"), -0.5);
  EXPECT_TRUE(std::isnan(ColumnOf(t, "z", "")));
}

TEST(ReferenceTransforms, MinMax) {
  MinMaxTransform t{"x", "y", 0.0, 10.0, -1.0, 1.0};
  EXPECT_EQ(ColumnOf(t, "y", "0"), -1.0);
  EXPECT_EQ(ColumnOf(t, "y", "5"), 0.0);
  EXPECT_EQ(ColumnOf(t, "y", "20"), 3.0);  // no clipping
}

TEST(ReferenceTransforms, LogOfNonPositiveIsMissing) {
  MathTransform log{"x", "y", MathFunction::kLog, 1.0};
  EXPECT_NEAR(ColumnOf(log, "y", "2.718281828459045"), 1.0, kTight);
  EXPECT_TRUE(std::isnan(ColumnOf(log, "y", "0")));
  EXPECT_TRUE(std::isnan(ColumnOf(log, "y", "-3")));
  EXPECT_TRUE(std::isnan(ColumnOf(log, "y", "")));
}

TEST(ReferenceTransforms, Log1pAtMinusOneIsMissing) {
  MathTransform log1p{"x", "y", MathFunction::kLog1p, 1.0};
  EXPECT_EQ(ColumnOf(log1p, "y", "0"), 0.0);
  EXPECT_NEAR(ColumnOf(log1p, "y", "-0.5"), std::log(0.5), kTight);
  EXPECT_TRUE(std::isnan(ColumnOf(log1p, "y", "-1")));
  EXPECT_TRUE(std::isnan(ColumnOf(log1p, "y", "-2")));
}

TEST(ReferenceTransforms, PowerNonFiniteIsMissing) {
  EXPECT_EQ(ColumnOf(MathTransform{"x", "y", MathFunction::kPower, 3.0}, "y", "2"), 8.0);
  EXPECT_EQ(ColumnOf(MathTransform{"x", "y", MathFunction::kPower, 0.5}, "y", "2.25"), 1.5);
  EXPECT_TRUE(std::isnan(ColumnOf(MathTransform{"x", "y", MathFunction::kPower, 0.5}, "y", "-4")));
  EXPECT_TRUE(std::isnan(ColumnOf(MathTransform{"x", "y", MathFunction::kPower, -1.0}, "y", "0")));
  EXPECT_TRUE(std::isnan(ColumnOf(MathTransform{"x", "y", MathFunction::kPower, 2.0}, "y", "1e200")));
}

TEST(ReferenceTransforms, BucketizeLeftClosed) {
  BucketizeTransform t{"x", "b", {0.0, 10.0}, false, {}};
  EXPECT_EQ(ColumnOf(t, "b", "-0.1"), 0.0);
  EXPECT_EQ(ColumnOf(t, "b", "0"), 1.0);
  EXPECT_EQ(ColumnOf(t, "b", "9.99"), 1.0);
  EXPECT_EQ(ColumnOf(t, "b", "10"), 2.0);
  EXPECT_TRUE(std::isnan(ColumnOf(t, "b", "")));
}

TEST(ReferenceTransforms, BucketizeRightClosed) {
  BucketizeTransform t{"x", "b", {0.0, 10.0}, true, {}};
  EXPECT_EQ(ColumnOf(t, "b", "0"), 0.0);
  EXPECT_EQ(ColumnOf(t, "b", "0.01"), 1.0);
  EXPECT_EQ(ColumnOf(t, "b", "10"), 1.0);
  EXPECT_EQ(ColumnOf(t, "b", "10.01"), 2.0);
}

TEST(ReferenceTransforms, BucketizeLabelsMakeACategory) {
  BucketizeTransform bucketize{"x", "band", {18.0, 65.0}, false, {"child", "adult", "senior"}};
  OrdinalTransform ordinal{"band", "rank", {"senior", "adult", "child"}, UnknownLevelPolicy::kError, -1.0};
  EXPECT_EQ(Column({Number("x")}, {bucketize, ordinal}, "rank", {"17"}), 2.0);
  EXPECT_EQ(Column({Number("x")}, {bucketize, ordinal}, "rank", {"18"}), 1.0);
  EXPECT_EQ(Column({Number("x")}, {bucketize, ordinal}, "rank", {"65"}), 0.0);
}

TEST(ReferenceTransforms, OneHotDefaultPrefixAndIgnoredUnknown) {
  OneHotTransform t{"c", "", {"a", "b"}, UnknownLevelPolicy::kIgnore};
  const InputField c = Category("c");
  EXPECT_EQ(ColumnOf(t, "c=a", "a", c), 1.0);
  EXPECT_EQ(ColumnOf(t, "c=b", "a", c), 0.0);
  EXPECT_EQ(ColumnOf(t, "c=a", "zzz", c), 0.0);
  EXPECT_EQ(ColumnOf(t, "c=b", "zzz", c), 0.0);
  EXPECT_TRUE(std::isnan(ColumnOf(t, "c=a", "", c)));
}

TEST(ReferenceTransforms, OneHotCustomPrefixAndMissingUnknown) {
  OneHotTransform t{"c", "is_", {"a", "b"}, UnknownLevelPolicy::kMissing};
  const InputField c = Category("c");
  EXPECT_EQ(ColumnOf(t, "is_b", "b", c), 1.0);
  EXPECT_TRUE(std::isnan(ColumnOf(t, "is_a", "zzz", c)));
}

TEST(ReferenceTransforms, OneHotUnknownErrorNamesFieldAndLevel) {
  OneHotTransform t{"c", "", {"a", "b"}, UnknownLevelPolicy::kError};
  Pipeline pipeline = MakePipeline({Category("c")}, {t}, {"c=a"}, LinearModel({1.0}));
  Result<Prediction> result = Score(pipeline, {"purple"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("'c'"), std::string::npos) << result.status().message();
  EXPECT_NE(result.status().message().find("'purple'"), std::string::npos) << result.status().message();
}

TEST(ReferenceTransforms, OrdinalUnknownPolicies) {
  const InputField c = Category("c");
  OrdinalTransform t{"c", "o", {"low", "mid", "high"}, UnknownLevelPolicy::kIgnore, -1.0};
  EXPECT_EQ(ColumnOf(t, "o", "low", c), 0.0);
  EXPECT_EQ(ColumnOf(t, "o", "high", c), 2.0);
  EXPECT_EQ(ColumnOf(t, "o", "huge", c), -1.0);
  EXPECT_TRUE(std::isnan(ColumnOf(t, "o", "", c)));
  t.unknown = UnknownLevelPolicy::kMissing;
  EXPECT_TRUE(std::isnan(ColumnOf(t, "o", "huge", c)));
  t.unknown = UnknownLevelPolicy::kError;
  Pipeline pipeline = MakePipeline({c}, {t}, {"o"}, LinearModel({1.0}));
  Result<Prediction> result = Score(pipeline, {"huge"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("'huge'"), std::string::npos);
}

TEST(ReferenceTransforms, DeriveArithmeticAndMissing) {
  DeriveTransform t{"ratio", "a / max(b, 1)"};
  const std::vector<InputField> inputs = {Number("a"), Number("b")};
  EXPECT_EQ(Column(inputs, {t}, "ratio", {"6", "3"}), 2.0);
  EXPECT_EQ(Column(inputs, {t}, "ratio", {"6", "0.5"}), 6.0);
  EXPECT_TRUE(std::isnan(Column(inputs, {t}, "ratio", {"", "3"})));
}

TEST(ReferenceTransforms, DeriveDivisionByZeroIsMissing) {
  DeriveTransform t{"q", "a / b"};
  const std::vector<InputField> inputs = {Number("a"), Number("b")};
  EXPECT_TRUE(std::isnan(Column(inputs, {t}, "q", {"1", "0"})));
}

TEST(ReferenceTransforms, DeriveBooleanIsZeroOneAndReadsBooleanColumns) {
  DeriveTransform t{"flag", "vip and a > 2"};
  const std::vector<InputField> inputs = {Boolean("vip"), Number("a")};
  EXPECT_EQ(Column(inputs, {t}, "flag", {"true", "3"}), 1.0);
  EXPECT_EQ(Column(inputs, {t}, "flag", {"false", "3"}), 0.0);
  EXPECT_EQ(Column(inputs, {t}, "flag", {"yes", "1"}), 0.0);
}

TEST(ReferenceTransforms, DeriveSeesCategoriesAsStrings) {
  DeriveTransform t{"is_red", "if c == \"red\" then 1 else 2"};
  EXPECT_EQ(Column({Category("c")}, {t}, "is_red", {"red"}), 1.0);
  EXPECT_EQ(Column({Category("c")}, {t}, "is_red", {"blue"}), 2.0);
}

// --- GLM --------------------------------------------------------------------------

Model Glm(GlmFamily family, LinkFunction link, std::vector<double> intercepts,
          std::vector<double> coefficients, Task task = Task::kRegression,
          std::vector<std::string> classes = {}) {
  GlmModel glm;
  glm.family = family;
  glm.link = link;
  glm.intercepts = std::move(intercepts);
  glm.coefficients = std::move(coefficients);
  Model model;
  model.task = task;
  model.classes = std::move(classes);
  model.body = std::move(glm);
  return model;
}

double GlmResponse(GlmFamily family, LinkFunction link, double eta, Task task = Task::kRegression) {
  std::vector<std::string> classes;
  if (task == Task::kClassification) classes = {"no", "yes"};
  Pipeline pipeline =
      MakePipeline({Number("x")}, {}, {"x"}, Glm(family, link, {0.0}, {1.0}, task, classes));
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", eta);
  Result<Prediction> prediction = Score(pipeline, {text});
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  if (!prediction.ok()) return -12345.0;
  return prediction->values.back();
}

TEST(ReferenceGlm, InverseLinks) {
  EXPECT_EQ(GlmResponse(GlmFamily::kGaussian, LinkFunction::kIdentity, -2.5), -2.5);
  EXPECT_NEAR(GlmResponse(GlmFamily::kBinomial, LinkFunction::kLogit, 0.0, Task::kClassification), 0.5, kTight);
  EXPECT_NEAR(GlmResponse(GlmFamily::kBinomial, LinkFunction::kLogit, std::log(3.0), Task::kClassification),
              0.75, kTight);
  EXPECT_NEAR(GlmResponse(GlmFamily::kBinomial, LinkFunction::kProbit, 0.0, Task::kClassification), 0.5, kTight);
  EXPECT_NEAR(GlmResponse(GlmFamily::kBinomial, LinkFunction::kProbit, 1.959963984540054, Task::kClassification),
              0.975, 1e-15);
  EXPECT_NEAR(GlmResponse(GlmFamily::kBinomial, LinkFunction::kProbit, -1.0, Task::kClassification),
              0.15865525393145705, 1e-15);
  EXPECT_NEAR(GlmResponse(GlmFamily::kBinomial, LinkFunction::kCloglog, 0.0, Task::kClassification),
              1.0 - std::exp(-1.0), kTight);
  EXPECT_NEAR(GlmResponse(GlmFamily::kPoisson, LinkFunction::kLog, 2.0), std::exp(2.0), kTight);
  EXPECT_EQ(GlmResponse(GlmFamily::kGamma, LinkFunction::kInverse, 4.0), 0.25);
}

TEST(ReferenceGlm, InverseLinkOfZeroIsMissing) {
  EXPECT_TRUE(std::isnan(GlmResponse(GlmFamily::kGamma, LinkFunction::kInverse, 0.0)));
}

TEST(ReferenceGlm, BinaryValuesAreOneMinusPAndP) {
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"},
                                   Glm(GlmFamily::kBinomial, LinkFunction::kLogit, {0.0}, {1.0},
                                       Task::kClassification, {"no", "yes"}));
  Result<Prediction> p = Score(pipeline, {"1.0986122886681098"});  // log 3
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->values.size(), 2u);
  EXPECT_NEAR(p->values[0], 0.25, kTight);
  EXPECT_NEAR(p->values[1], 0.75, kTight);
  EXPECT_EQ(p->label, 1);
  EXPECT_EQ(p->decision, 1);
}

TEST(ReferenceGlm, ThresholdIsInclusive) {
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"},
                                   Glm(GlmFamily::kBinomial, LinkFunction::kLogit, {0.0}, {1.0},
                                       Task::kClassification, {"no", "yes"}));
  Result<Prediction> half = Score(pipeline, {"0"});
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->label, 1);  // p = 0.5 >= default threshold 0.5
  pipeline.post.threshold = 0.8;
  Result<Prediction> below = Score(pipeline, {"1.0986122886681098"});  // p = 0.75
  ASSERT_TRUE(below.ok());
  EXPECT_EQ(below->label, 0);
}

TEST(ReferenceGlm, OffsetIsAddedToEta) {
  Model model = Glm(GlmFamily::kPoisson, LinkFunction::kLog, {0.5}, {2.0});
  std::get<GlmModel>(model.body).offset = "log_exposure";
  Pipeline pipeline = MakePipeline({Number("x"), Number("exposure")},
                                   {MathTransform{"exposure", "log_exposure", MathFunction::kLog, 1.0}},
                                   {"x"}, model);
  Result<Prediction> p = Score(pipeline, {"0.25", "3"});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(p->values[0], 3.0 * std::exp(1.0), 1e-14);
  // A missing offset (log 0) makes the prediction missing.
  Result<Prediction> zero = Score(pipeline, {"0.25", "0"});
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(std::isnan(zero->values[0]));
}

TEST(ReferenceGlm, MissingFeatureMakesTheOutputMissingAndTheLabelNone) {
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"},
                                   Glm(GlmFamily::kBinomial, LinkFunction::kLogit, {0.0}, {1.0},
                                       Task::kClassification, {"no", "yes"}));
  Result<Prediction> p = Score(pipeline, {""});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->values.size(), 2u);
  EXPECT_TRUE(std::isnan(p->values[0]));
  EXPECT_TRUE(std::isnan(p->values[1]));
  EXPECT_EQ(p->label, -1);
  EXPECT_EQ(p->decision, -1);
}

TEST(ReferenceGlm, MultinomialSoftmaxAndLowestIndexOnTies) {
  Pipeline pipeline = MakePipeline(
      {Number("x")}, {}, {"x"},
      Glm(GlmFamily::kMultinomial, LinkFunction::kLogit, {0.0, 1.0, 1.0}, {0.0, 1.0, 1.0},
          Task::kClassification, {"a", "b", "c"}));
  Result<Prediction> p = Score(pipeline, {"0"});
  ASSERT_TRUE(p.ok());
  const double e = std::exp(1.0);
  EXPECT_NEAR(p->values[0], 1.0 / (1.0 + 2.0 * e), kTight);
  EXPECT_NEAR(p->values[1], e / (1.0 + 2.0 * e), kTight);
  EXPECT_EQ(p->values[1], p->values[2]);
  EXPECT_EQ(p->label, 1);  // tie between b and c: lowest index
}

TEST(ReferenceGlm, ContributionsAreCoefficientTimesCenteredValue) {
  Model model = Glm(GlmFamily::kBinomial, LinkFunction::kLogit, {-1.0}, {2.0, -3.0},
                    Task::kClassification, {"no", "yes"});
  std::get<GlmModel>(model.body).feature_means = {0.5, 1.0};
  std::get<GlmModel>(model.body).offset = "off";
  Pipeline pipeline = MakePipeline({Number("a"), Number("b"), Number("off")}, {}, {"a", "b"}, model);
  Result<Prediction> p = Score(pipeline, {"1.5", "2", "0.25"}, true);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->contributions.size(), 3u);
  EXPECT_EQ(p->contributions[0].feature, 0);
  EXPECT_DOUBLE_EQ(p->contributions[0].value, 2.0);    // 2 * (1.5 - 0.5)
  EXPECT_DOUBLE_EQ(p->contributions[1].value, -3.0);   // -3 * (2 - 1)
  EXPECT_EQ(p->contributions[2].feature, -1);
  EXPECT_DOUBLE_EQ(p->contributions[2].value, -2.75);  // -1 + 2*0.5 - 3*1 + 0.25
  // The sum is the margin: eta = -1 + 3 - 6 + 0.25.
  EXPECT_NEAR(ContributionSum(*p), -3.75, kTight);
  EXPECT_NEAR(p->values[1], 1.0 / (1.0 + std::exp(3.75)), kTight);
}

TEST(ReferenceGlm, MultinomialExplainsThePredictedClass) {
  Model model = Glm(GlmFamily::kMultinomial, LinkFunction::kLogit, {0.0, 0.5, -0.5},
                    {0.0, 0.0, 1.0, -1.0, -1.0, 2.0}, Task::kClassification, {"a", "b", "c"});
  std::get<GlmModel>(model.body).feature_means = {1.0, 1.0};
  Pipeline pipeline = MakePipeline({Number("x1"), Number("x2")}, {}, {"x1", "x2"}, model);
  Result<Prediction> p = Score(pipeline, {"0", "3"}, true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->label, 2);  // etas 0, -2.5, 5.5
  EXPECT_DOUBLE_EQ(p->contributions[0].value, 1.0);
  EXPECT_DOUBLE_EQ(p->contributions[1].value, 4.0);
  EXPECT_DOUBLE_EQ(p->contributions[2].value, 0.5);
}

// --- Trees ----------------------------------------------------------------------

TEST(ReferenceTrees, NumericSplitIsStrictlyLess) {
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"}, Ensemble({Stump(0, 1.0, 10.0, 20.0)}));
  EXPECT_EQ(Score(pipeline, {"0.999"})->values[0], 10.0);
  EXPECT_EQ(Score(pipeline, {"1"})->values[0], 20.0);
}

TEST(ReferenceTrees, MissingFollowsDefaultLeft) {
  Pipeline left = MakePipeline({Number("x")}, {}, {"x"},
                               Ensemble({Stump(0, 1.0, 10.0, 20.0, 1.0, 1.0, /*default_left=*/true)}));
  Pipeline right = MakePipeline({Number("x")}, {}, {"x"},
                                Ensemble({Stump(0, 1.0, 10.0, 20.0, 1.0, 1.0, /*default_left=*/false)}));
  EXPECT_EQ(Score(left, {""})->values[0], 10.0);
  EXPECT_EQ(Score(right, {""})->values[0], 20.0);
}

TEST(ReferenceTrees, CategoricalSplitSendsListedLevelsLeft) {
  TreeBuilder b;
  b.Split(0, 0.0, 1, 2, /*default_left=*/false, 2.0);
  b.Leaf(1.0);
  b.Leaf(2.0);
  b.Categorical(0, {"red", "blue"});
  Pipeline pipeline = MakePipeline({Category("c")}, {}, {"c"}, Ensemble({b.tree}));
  EXPECT_EQ(Score(pipeline, {"red"})->values[0], 1.0);
  EXPECT_EQ(Score(pipeline, {"blue"})->values[0], 1.0);
  EXPECT_EQ(Score(pipeline, {"green"})->values[0], 2.0);  // an open category's unseen level
  EXPECT_EQ(Score(pipeline, {""})->values[0], 2.0);       // missing: default right
}

TEST(ReferenceTrees, DeepPathIsWalkedNodeByNode) {
  // x < 5 ? (y < 0 ? 1 : 2) : (x < 8 ? 3 : (y < 1 ? 4 : 5))
  TreeBuilder b;
  b.Split(0, 5.0, 1, 2, true);   // 0
  b.Split(1, 0.0, 3, 4, false);  // 1
  b.Split(0, 8.0, 5, 6, false);  // 2
  b.Leaf(1.0);                   // 3
  b.Leaf(2.0);                   // 4
  b.Leaf(3.0);                   // 5
  b.Split(1, 1.0, 7, 8, true);   // 6
  b.Leaf(4.0);                   // 7
  b.Leaf(5.0);                   // 8
  Pipeline pipeline = MakePipeline({Number("x"), Number("y")}, {}, {"x", "y"}, Ensemble({b.tree}));
  EXPECT_EQ(Score(pipeline, {"1", "-1"})->values[0], 1.0);
  EXPECT_EQ(Score(pipeline, {"1", "0"})->values[0], 2.0);
  EXPECT_EQ(Score(pipeline, {"6", "0"})->values[0], 3.0);
  EXPECT_EQ(Score(pipeline, {"9", "0"})->values[0], 4.0);
  EXPECT_EQ(Score(pipeline, {"9", "1"})->values[0], 5.0);
  EXPECT_EQ(Score(pipeline, {"9", ""})->values[0], 4.0);
  EXPECT_EQ(Score(pipeline, {"", ""})->values[0], 2.0);
}

TEST(ReferenceTrees, SumAndAverageAggregation) {
  std::vector<Tree> trees = {Stump(0, 0.0, 1.0, 2.0), Stump(0, 0.0, 3.0, 5.0)};
  Pipeline sum = MakePipeline({Number("x")}, {}, {"x"}, Ensemble(trees, {0.5}));
  EXPECT_EQ(Score(sum, {"1"})->values[0], 7.5);
  Pipeline average = MakePipeline({Number("x")}, {}, {"x"},
                                  Ensemble(trees, {0.5}, OutputTransform::kIdentity, Aggregation::kAverage));
  EXPECT_EQ(Score(average, {"1"})->values[0], 4.0);  // 0.5 + (2 + 5) / 2
}

TEST(ReferenceTrees, LogisticAndExpOutputs) {
  Pipeline logistic = MakePipeline({Number("x")}, {}, {"x"},
                                   Ensemble({Stump(0, 0.0, -1.0, 1.0)}, {0.0}, OutputTransform::kLogistic,
                                            Aggregation::kSum, Task::kClassification, {"n", "y"}));
  Result<Prediction> p = Score(logistic, {"1"});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(p->values[1], 1.0 / (1.0 + std::exp(-1.0)), kTight);
  EXPECT_NEAR(p->values[0] + p->values[1], 1.0, kTight);
  Pipeline exp = MakePipeline({Number("x")}, {}, {"x"},
                              Ensemble({Stump(0, 0.0, -1.0, 1.0)}, {0.5}, OutputTransform::kExp));
  EXPECT_NEAR(Score(exp, {"1"})->values[0], std::exp(1.5), kTight);
}

TEST(ReferenceTrees, SoftmaxOverPerClassTrees) {
  Tree a = Stump(0, 0.0, 1.0, 0.0);
  Tree b = Stump(0, 0.0, 0.0, 2.0);
  b.output = 1;
  Tree c = Stump(0, 0.0, 0.0, 0.0);
  c.output = 2;
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"},
                                   Ensemble({a, b, c}, {0.0, 0.0, 0.0}, OutputTransform::kSoftmax,
                                            Aggregation::kSum, Task::kClassification, {"a", "b", "c"}));
  Result<Prediction> p = Score(pipeline, {"1"});
  ASSERT_TRUE(p.ok());
  const double z = 1.0 + std::exp(2.0) + 1.0;
  EXPECT_NEAR(p->values[0], 1.0 / z, kTight);
  EXPECT_NEAR(p->values[1], std::exp(2.0) / z, kTight);
  EXPECT_NEAR(p->values[2], 1.0 / z, kTight);
  EXPECT_EQ(p->label, 1);
}

TEST(ReferenceTrees, VectorLeavesAddToEveryOutput) {
  TreeBuilder b;
  b.tree.leaf_width = 3;
  b.Split(0, 0.0, 1, 2, true, 2.0);
  b.LeafVector({0.7, 0.2, 0.1});
  b.LeafVector({0.1, 0.3, 0.6});
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"},
                                   Ensemble({b.tree, b.tree}, {0.0, 0.0, 0.0}, OutputTransform::kIdentity,
                                            Aggregation::kAverage, Task::kClassification, {"a", "b", "c"}));
  Result<Prediction> p = Score(pipeline, {"1"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_NEAR(p->values[0], 0.1, kTight);
  EXPECT_NEAR(p->values[1], 0.3, kTight);
  EXPECT_NEAR(p->values[2], 0.6, kTight);
  EXPECT_EQ(p->label, 2);
}

TEST(ReferenceTrees, Float32ComparesAndSumsInFloat) {
  std::vector<Tree> trees = {Stump(0, 0.1, 0.1, 0.2), Stump(0, 0.3, 0.3, 0.7)};
  Model model = Ensemble(trees, {0.5});
  Pipeline f64 = MakePipeline({Number("x")}, {}, {"x"}, model);
  std::get<TreeEnsembleModel>(model.body).precision = NumericPrecision::kFloat32;
  Pipeline f32 = MakePipeline({Number("x")}, {}, {"x"}, model);
  // 0.09999999999 < 0.1 in double, but both round to the same float.
  EXPECT_EQ(Score(f64, {"0.09999999999"})->values[0], 0.5 + 0.1 + 0.3);
  const float expected = (0.5f + 0.2f) + 0.3f;
  EXPECT_EQ(Score(f32, {"0.09999999999"})->values[0], static_cast<double>(expected));
  const float low = (0.5f + 0.1f) + 0.3f;
  EXPECT_EQ(Score(f32, {"0.05"})->values[0], static_cast<double>(low));
  EXPECT_NE(static_cast<double>(low), 0.9);
}

// --- Tree explanations ------------------------------------------------------------

Result<Prediction> Explain(const Pipeline& pipeline, const std::vector<std::string>& cells) {
  return Score(pipeline, cells, true);
}

TEST(ReferenceTreeShap, SingleSplitIsValueMinusExpectation) {
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"},
                                   Ensemble({Stump(0, 0.0, 10.0, 20.0, 3.0, 1.0)}, {1.0}));
  Result<Prediction> p = Explain(pipeline, {"-1"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->contributions.size(), 2u);
  EXPECT_NEAR(p->contributions[0].value, 10.0 - 12.5, kTight);  // E = (3*10 + 1*20) / 4
  EXPECT_EQ(p->contributions[1].feature, -1);
  EXPECT_NEAR(p->contributions[1].value, 1.0 + 12.5, kTight);
}

// f = 1 when x1 >= 0.5 and x2 >= 0.5, else 0, with even covers: the two
// features are symmetric, so at x = (1, 1) they share f(x) - E[f] = 0.75
// equally: 0.375 each (v({}) = 0.25, v({1}) = v({2}) = 0.5, v({1,2}) = 1).
Tree AndTree() {
  TreeBuilder b;
  b.Split(0, 0.5, 1, 2, true, 4.0);  // 0: x1
  b.Split(1, 0.5, 3, 4, true, 2.0);  // 1: x2 (x1 low)
  b.Split(1, 0.5, 5, 6, true, 2.0);  // 2: x2 (x1 high)
  b.Leaf(0.0, 1.0);
  b.Leaf(0.0, 1.0);
  b.Leaf(0.0, 1.0);
  b.Leaf(1.0, 1.0);
  return b.tree;
}

TEST(ReferenceTreeShap, SymmetricTreeSplitsCreditEqually) {
  Pipeline pipeline = MakePipeline({Number("x1"), Number("x2")}, {}, {"x1", "x2"}, Ensemble({AndTree()}));
  Result<Prediction> p = Explain(pipeline, {"1", "1"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_NEAR(p->contributions[0].value, 0.375, kTight);
  EXPECT_NEAR(p->contributions[1].value, 0.375, kTight);
  EXPECT_NEAR(p->contributions[2].value, 0.25, kTight);
  // At x = (1, 0): v({}) = 0.25, v({1}) = 0.5, v({2}) = 0, v({1,2}) = 0.
  // phi1 = (0.5 - 0.25)/2 + (0 - 0)/2 = 0.125; phi2 = (0 - 0.25)/2 + (0 - 0.5)/2 = -0.375.
  Result<Prediction> q = Explain(pipeline, {"1", "0"});
  ASSERT_TRUE(q.ok());
  EXPECT_NEAR(q->contributions[0].value, 0.125, kTight);
  EXPECT_NEAR(q->contributions[1].value, -0.375, kTight);
}

TEST(ReferenceTreeShap, AdditiveTreeGivesEachFeatureItsOwnTerm) {
  // f = g(x1) + h(x2) written as one tree: x1 splits first, then x2 in both
  // branches with the same leaves offsets; Shapley values are g(x1) - E[g]
  // and h(x2) - E[h] exactly.
  // g: x1 < 0 ? 1 : 3 (covers 6 / 2 -> E[g] = 1.5); h: x2 < 0 ? 10 : 20
  // (covers split 1:1 on both sides -> E[h] = 15).
  TreeBuilder b;
  b.Split(0, 0.0, 1, 2, true, 8.0);
  b.Split(1, 0.0, 3, 4, true, 6.0);
  b.Split(1, 0.0, 5, 6, true, 2.0);
  b.Leaf(11.0, 3.0);
  b.Leaf(21.0, 3.0);
  b.Leaf(13.0, 1.0);
  b.Leaf(23.0, 1.0);
  Pipeline pipeline = MakePipeline({Number("x1"), Number("x2")}, {}, {"x1", "x2"}, Ensemble({b.tree}));
  Result<Prediction> p = Explain(pipeline, {"5", "-5"});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(p->contributions[0].value, 3.0 - 1.5, kTight);
  EXPECT_NEAR(p->contributions[1].value, 10.0 - 15.0, kTight);
  EXPECT_NEAR(p->contributions[2].value, 16.5, kTight);
}

TEST(ReferenceTreeShap, UnusedFeaturesGetZero) {
  Pipeline pipeline = MakePipeline({Number("a"), Number("b")}, {}, {"a", "b"},
                                   Ensemble({Stump(1, 0.0, -1.0, 1.0)}));
  Result<Prediction> p = Explain(pipeline, {"3", "3"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->contributions[0].value, 0.0);
  EXPECT_NEAR(p->contributions[1].value, 1.0, kTight);
}

TEST(ReferenceTreeShap, AverageDividesByTreeCount) {
  Pipeline pipeline = MakePipeline(
      {Number("x")}, {}, {"x"},
      Ensemble({Stump(0, 0.0, 0.0, 4.0), Stump(0, 0.0, 0.0, 2.0)}, {1.0}, OutputTransform::kIdentity,
               Aggregation::kAverage));
  Result<Prediction> p = Explain(pipeline, {"1"});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(p->values[0], 4.0, kTight);                   // 1 + (4 + 2) / 2
  EXPECT_NEAR(p->contributions[0].value, 1.5, kTight);      // ((4-2) + (2-1)) / 2
  EXPECT_NEAR(p->contributions[1].value, 2.5, kTight);      // 1 + (2 + 1) / 2
}

TEST(ReferenceTreeShap, MulticlassExplainsThePredictedClass) {
  Tree a = Stump(0, 0.0, 1.0, 0.0);
  Tree b = Stump(0, 0.0, 0.0, 2.0);
  b.output = 1;
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"},
                                   Ensemble({a, b}, {0.0, 0.25}, OutputTransform::kSoftmax,
                                            Aggregation::kSum, Task::kClassification, {"a", "b"}));
  Result<Prediction> p = Explain(pipeline, {"1"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->label, 1);
  EXPECT_NEAR(p->contributions[0].value, 1.0, kTight);   // 2 - E = 2 - 1
  EXPECT_NEAR(p->contributions[1].value, 1.25, kTight);  // 0.25 + 1
  Result<Prediction> q = Explain(pipeline, {"-1"});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->label, 0);
  EXPECT_NEAR(q->contributions[0].value, 0.5, kTight);   // 1 - 0.5
  EXPECT_NEAR(q->contributions[1].value, 0.5, kTight);
}

TEST(ReferenceTreeShap, Float32RoutesLikeScoring) {
  Model model = Ensemble({Stump(0, 0.1, 0.0, 1.0)});
  std::get<TreeEnsembleModel>(model.body).precision = NumericPrecision::kFloat32;
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"}, model);
  Result<Prediction> p = Explain(pipeline, {"0.09999999999"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->values[0], 1.0);
  EXPECT_NEAR(p->contributions[0].value, 0.5, kTight);
}

// Random trees over random features, with missing values and categorical
// splits: the contributions always sum to the margin (efficiency).
TEST(ReferenceTreeShap, ContributionsSumToTheMargin) {
  std::mt19937 rng(20240601);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  const int num_features = 5;
  std::vector<InputField> inputs = {Number("f0"), Number("f1"), Number("f2"), Number("f3"),
                                    Category("f4")};
  std::vector<std::string> names = {"f0", "f1", "f2", "f3", "f4"};
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Tree> trees;
    for (int t = 0; t < 4; ++t) {
      // A random full tree of depth 3: node i has children 2i+1, 2i+2.
      TreeBuilder b;
      for (int node = 0; node < 15; ++node) {
        if (node < 7) {
          const int feature = static_cast<int>(rng() % num_features);
          b.Split(feature, uniform(rng), 2 * node + 1, 2 * node + 2, rng() % 2 == 0, 0.0);
          if (feature == 4) b.Categorical(node, {"a", "c"});
        } else {
          b.Leaf(uniform(rng), 1.0 + static_cast<double>(rng() % 5));
        }
      }
      for (int node = 6; node >= 0; --node) {
        b.tree.cover[static_cast<size_t>(node)] =
            b.tree.cover[static_cast<size_t>(2 * node + 1)] + b.tree.cover[static_cast<size_t>(2 * node + 2)];
      }
      if (!b.tree.category_levels.empty()) b.tree.category_levels.resize(b.tree.left.size());
      trees.push_back(b.tree);
    }
    const Aggregation aggregation = trial % 2 == 0 ? Aggregation::kSum : Aggregation::kAverage;
    Pipeline pipeline = MakePipeline(inputs, {}, names,
                                     Ensemble(trees, {uniform(rng)}, OutputTransform::kIdentity, aggregation));
    for (int row = 0; row < 5; ++row) {
      std::vector<std::string> cells;
      for (int j = 0; j < 4; ++j) cells.push_back(rng() % 4 == 0 ? "" : std::to_string(uniform(rng)));
      const char* levels[] = {"a", "b", "c", ""};
      cells.push_back(levels[rng() % 4]);
      Result<Prediction> p = Explain(pipeline, cells);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      ASSERT_EQ(p->contributions.size(), static_cast<size_t>(num_features) + 1);
      EXPECT_NEAR(ContributionSum(*p), p->values[0], 1e-12) << "trial " << trial << " row " << row;
    }
  }
}

TEST(ReferenceTreeShap, TreesWithoutCoverCannotBeExplained) {
  Tree tree = Stump(0, 0.0, 1.0, 2.0);
  tree.cover.clear();
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"}, Ensemble({tree}));
  EXPECT_TRUE(Score(pipeline, {"1"}).ok());
  Result<Prediction> p = Explain(pipeline, {"1"});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
}

TEST(ReferenceTreeShap, RefusesTreesOverTheFeatureLimit) {
  // A chain of kMaxExplainedTreeFeatures + 1 splits, each on its own feature.
  const int n = kMaxExplainedTreeFeatures + 1;
  std::vector<InputField> inputs;
  std::vector<std::string> names;
  TreeBuilder b;
  for (int i = 0; i < n; ++i) {
    std::string name = "x";  // appended: GCC 12 warns falsely (-Wrestrict) on "x" + to_string(i)
    name += std::to_string(i);
    inputs.push_back(Number(name));
    names.push_back(name);
    // node 2i splits; its left child 2i+1 is a leaf, its right child 2i+2
    // the next split (or the last leaf).
    b.Split(i, 0.0, 2 * i + 1, 2 * i + 2, true, 2.0);
    b.Leaf(static_cast<double>(i));
  }
  b.Leaf(-1.0);
  Pipeline pipeline = MakePipeline(inputs, {}, names, Ensemble({b.tree}));
  std::vector<std::string> cells(static_cast<size_t>(n), "1");
  EXPECT_TRUE(Score(pipeline, cells).ok());
  Result<Prediction> p = Explain(pipeline, cells);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(p.status().message().find("17 distinct features"), std::string::npos) << p.status().message();
}

// --- Post-processing ----------------------------------------------------------------

Pipeline RulesPipeline() {
  Pipeline pipeline = MakePipeline({Number("x"), Category("country")}, {}, {"x"},
                                   Glm(GlmFamily::kBinomial, LinkFunction::kLogit, {0.0}, {1.0},
                                       Task::kClassification, {"no", "yes"}));
  pipeline.post.rules = {
      {"blocked", "country == \"XX\"", RuleAction::kOverride, "decline", ""},
      {"high", "score >= 0.9", RuleAction::kOverride, "review", ""},
      {"note_high", "score >= 0.9", RuleAction::kAnnotate, "", "high score"},
      {"positive", "x > 0", RuleAction::kAnnotate, "", "positive x"},
  };
  return pipeline;
}

TEST(ReferenceRules, NoRuleFiresDecisionIsTheLabel) {
  Result<Prediction> p = Score(RulesPipeline(), {"-1", "FR"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->label, 0);
  EXPECT_EQ(p->decision, 0);
  EXPECT_TRUE(p->fired_rules.empty());
}

TEST(ReferenceRules, FirstOverrideWinsAndAnnotationsAccumulate) {
  const Pipeline pipeline = RulesPipeline();
  const std::vector<std::string> vocabulary = DecisionVocabulary(pipeline);
  // x = 3: score = 0.9526 >= 0.9; both overrides match, the first wins.
  Result<Prediction> p = Score(pipeline, {"3", "XX"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->label, 1);
  EXPECT_EQ(vocabulary.at(static_cast<size_t>(p->decision)), "decline");
  EXPECT_EQ(p->fired_rules, (std::vector<int32_t>{0, 2, 3}));
  Result<Prediction> q = Score(pipeline, {"3", "FR"});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(vocabulary.at(static_cast<size_t>(q->decision)), "review");
  EXPECT_EQ(q->fired_rules, (std::vector<int32_t>{1, 2, 3}));
}

TEST(ReferenceRules, ScoreIsTheRegressionPrediction) {
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"}, LinearModel({2.0}, 1.0));
  pipeline.post.rules = {{"big", "score > 10", RuleAction::kOverride, "manual", ""}};
  Result<Prediction> small = Score(pipeline, {"4"});  // 9
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->label, -1);
  EXPECT_EQ(small->decision, -1);
  Result<Prediction> big = Score(pipeline, {"5"});  // 11
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->decision, 0);  // the vocabulary is {"manual"}
  EXPECT_EQ(big->fired_rules, (std::vector<int32_t>{0}));
}

// prediction = 1 + 2x, then ceil(min(score, 10)); outputs read the replaced
// prediction, `score` and each other; a boolean output is a boolean to the
// outputs and rules after it and 1/0 in Prediction::derived.
TEST(ReferencePost, PredictionExpressionThenOutputsThenRules) {
  Pipeline pipeline = MakePipeline({Number("x")}, {}, {"x"}, LinearModel({2.0}, 1.0));
  pipeline.post.prediction_expression = "ceil(min(score, 10))";
  pipeline.post.outputs = {{"even", "floor(prediction / 2) * 2 == score"},
                           {"next", "if even then prediction + 2 else prediction + 1"}};
  pipeline.post.rules = {{"even_rule", "even and next > 4", RuleAction::kOverride, "even", ""}};
  Result<Prediction> low = Score(pipeline, {"0.2"});  // 1.4 -> 2, even, next 4
  ASSERT_TRUE(low.ok()) << low.status().ToString();
  EXPECT_EQ(low->values, std::vector<double>{2.0});
  EXPECT_EQ(low->derived, (std::vector<double>{1.0, 4.0}));
  EXPECT_EQ(low->decision, -1);
  Result<Prediction> odd = Score(pipeline, {"1.9"});  // 4.8 -> 5, odd, next 6
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->derived, (std::vector<double>{0.0, 6.0}));
  EXPECT_EQ(odd->decision, -1);
  Result<Prediction> high = Score(pipeline, {"7"});  // 15 -> 10, even, next 12
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(high->values, std::vector<double>{10.0});
  EXPECT_EQ(high->derived, (std::vector<double>{1.0, 12.0}));
  EXPECT_EQ(high->decision, 0);
  Result<Prediction> missing = Score(pipeline, {""});  // missing prediction: `even` missing, else branch
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(std::isnan(missing->values[0]) && std::isnan(missing->derived[0]) && std::isnan(missing->derived[1]));
  EXPECT_EQ(missing->decision, -1);
}

TEST(ReferenceRules, ScoreIsTheLargestProbabilityForMulticlass) {
  Pipeline pipeline = MakePipeline(
      {Number("x")}, {}, {"x"},
      Glm(GlmFamily::kMultinomial, LinkFunction::kLogit, {0.0, 0.0, 0.0}, {0.0, 1.0, -1.0},
          Task::kClassification, {"a", "b", "c"}));
  pipeline.post.rules = {{"unsure", "score < 0.5", RuleAction::kOverride, "unsure", ""}};
  Result<Prediction> sure = Score(pipeline, {"5"});
  ASSERT_TRUE(sure.ok());
  EXPECT_EQ(sure->decision, 1);
  Result<Prediction> unsure = Score(pipeline, {"0"});  // 1/3 each
  ASSERT_TRUE(unsure.ok());
  EXPECT_EQ(unsure->label, 0);
  EXPECT_EQ(unsure->decision, 3);
}

TEST(ReferenceRules, MissingConditionDoesNotFire) {
  Pipeline pipeline = RulesPipeline();
  Result<Prediction> p = Score(pipeline, {"", "XX"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->label, -1);  // missing feature: missing probability
  // `score >= 0.9` and `x > 0` are missing; only the country rule fires.
  EXPECT_EQ(p->fired_rules, (std::vector<int32_t>{0}));
  EXPECT_EQ(DecisionVocabulary(pipeline).at(static_cast<size_t>(p->decision)), "decline");
}

TEST(ReferenceRules, OverrideMayNameAClass) {
  Pipeline pipeline = RulesPipeline();
  pipeline.post.rules = {{"force_no", "x > 100", RuleAction::kOverride, "no", ""}};
  Result<Prediction> p = Score(pipeline, {"1000", "FR"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->label, 1);
  EXPECT_EQ(p->decision, 0);
}

// --- Clustering -------------------------------------------------------------

// Two centers (0, 0) and (6, 8) over x and y, euclidean, weights (1, 4),
// missing-value weights (1, 3).
Pipeline Segments() {
  ClusteringModel clustering;
  clustering.compare = {CompareFunction::kAbsDiff, CompareFunction::kAbsDiff};
  clustering.field_weights = {1.0, 4.0};
  clustering.missing_weights = {1.0, 3.0};
  clustering.centers = {0, 0, 6, 8};
  Model model;
  model.task = Task::kClustering;
  model.classes = {"origin", "far"};
  model.body = clustering;
  return MakePipeline({Number("x"), Number("y")}, {}, {"x", "y"}, model);
}

TEST(ReferenceClustering, WeightedDistancesWithTheMissingValueAdjustment) {
  Pipeline pipeline = Segments();
  // (3, 4): sqrt(9 + 4 * 16) = sqrt(73) to the origin, sqrt(9 + 4 * 16) to (6, 8): a tie, the first wins.
  Result<Prediction> p = Score(pipeline, {"3", "4"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_NEAR(p->values[0], std::sqrt(73.0), kTight);
  EXPECT_EQ(p->values[0], p->values[1]);
  EXPECT_EQ(p->label, 0);
  EXPECT_EQ(p->decision, 0);
  // y missing: adjustM = (1 + 3) / 1 = 4, so D = sqrt(4 * (x - c_x)^2).
  p = Score(pipeline, {"5", ""});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(p->values[0], 10.0, kTight);
  EXPECT_NEAR(p->values[1], 2.0, kTight);
  EXPECT_EQ(p->label, 1);
  // x missing: adjustM = 4 / 3.
  p = Score(pipeline, {"", "1"});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(p->values[0], std::sqrt(4.0 / 3 * 4), kTight);
  EXPECT_NEAR(p->values[1], std::sqrt(4.0 / 3 * 4 * 49), kTight);
  // Nothing present: missing affinities, no cluster.
  p = Score(pipeline, {"", ""});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(std::isnan(p->values[0]) && std::isnan(p->values[1]));
  EXPECT_EQ(p->label, -1);
}

TEST(ReferenceClustering, RulesSeeTheWinningDistanceAndExplainIsRefused) {
  Pipeline pipeline = Segments();
  pipeline.post.rules = {BusinessRule{"odd", "score > 3", RuleAction::kAnnotate, "", "far from every center"}};
  Result<Prediction> p = Score(pipeline, {"5", ""});  // winning distance 2
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->fired_rules.empty());
  p = Score(pipeline, {"3", "4"});  // sqrt(73)
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->fired_rules, (std::vector<int32_t>{0}));
  p = Score(pipeline, {"3", "4"}, /*explain=*/true);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(p.status().message().find("a clustering model has no reason codes"), std::string::npos);
}

}  // namespace
}  // namespace podium::reference
