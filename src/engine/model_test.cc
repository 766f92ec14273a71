// GLMs and tree ensembles in the compiled engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "engine/engine.h"
#include "engine/test_util.h"

namespace podium::engine {
namespace {

using ::podium::engine::testing::CategoryField;
using ::podium::engine::testing::kNaN;
using ::podium::engine::testing::MustCompile;
using ::podium::engine::testing::NodeSpec;
using ::podium::engine::testing::NumberField;
using ::podium::engine::testing::Score;
using ::podium::engine::testing::TreeOf;
using ::podium::engine::testing::TreePipeline;

RawValue N(double v) { return RawValue::Number(v); }
RawValue T(std::string_view t) { return RawValue::Text(t); }
RawValue M() { return RawValue::Missing(); }

Prediction MustScore(const ScoringPlan& plan, const std::vector<RawValue>& raw, bool explain = false) {
  Result<Prediction> prediction = Score(plan, raw, explain);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  return prediction.ok() ? *prediction : Prediction{};
}

// ---------------------------------------------------------------------------
// GLM
// ---------------------------------------------------------------------------

// eta = 0.5 + 2 * x.
Pipeline Glm(GlmFamily family, LinkFunction link) {
  Pipeline p;
  p.inputs = {NumberField("x")};
  p.features = {"x"};
  GlmModel glm;
  glm.family = family;
  glm.link = link;
  glm.intercepts = {0.5};
  glm.coefficients = {2.0};
  p.model.body = glm;
  if (family == GlmFamily::kBinomial) {
    p.model.task = Task::kClassification;
    p.model.classes = {"no", "yes"};
  }
  return p;
}

double Regress(GlmFamily family, LinkFunction link, double x) {
  auto plan = MustCompile(Glm(family, link));
  if (plan == nullptr) return -1;
  Prediction p = MustScore(*plan, {std::isnan(x) ? M() : N(x)});
  EXPECT_EQ(p.values.size(), 1u);
  EXPECT_EQ(p.label, -1);
  EXPECT_EQ(p.decision, -1);
  return p.values.empty() ? -1 : p.values[0];
}

TEST(GlmTest, RegressionFamiliesAndLinks) {
  // x = 0.25 gives eta = 1.
  EXPECT_DOUBLE_EQ(Regress(GlmFamily::kGaussian, LinkFunction::kIdentity, 0.25), 1.0);
  EXPECT_DOUBLE_EQ(Regress(GlmFamily::kPoisson, LinkFunction::kLog, 0.25), 2.718281828459045);
  EXPECT_DOUBLE_EQ(Regress(GlmFamily::kTweedie, LinkFunction::kLog, 0.25), 2.718281828459045);
  EXPECT_DOUBLE_EQ(Regress(GlmFamily::kGamma, LinkFunction::kLog, 0.25), 2.718281828459045);
  // x = -0.125 gives eta = 0.25, 1 / eta = 4.
  EXPECT_DOUBLE_EQ(Regress(GlmFamily::kGamma, LinkFunction::kInverse, -0.125), 4.0);
  // eta = 0: 1 / 0 is not finite, so the prediction is missing.
  EXPECT_TRUE(std::isnan(Regress(GlmFamily::kGamma, LinkFunction::kInverse, -0.25)));
  EXPECT_TRUE(std::isnan(Regress(GlmFamily::kGaussian, LinkFunction::kIdentity, kNaN)));
}

TEST(GlmTest, BinomialLinksGiveTwoProbabilities) {
  struct Case {
    LinkFunction link;
    double p;
  };
  for (const Case& c : {Case{LinkFunction::kLogit, 0.7310585786300049},
                        Case{LinkFunction::kProbit, 0.8413447460685429},
                        Case{LinkFunction::kCloglog, 0.9340119641546875}}) {
    auto plan = MustCompile(Glm(GlmFamily::kBinomial, c.link));
    Prediction p = MustScore(*plan, {N(0.25)});
    ASSERT_EQ(p.values.size(), 2u);
    EXPECT_DOUBLE_EQ(p.values[1], c.p) << LinkFunctionName(c.link);
    EXPECT_DOUBLE_EQ(p.values[0], 1.0 - c.p);
    EXPECT_EQ(p.label, 1);
    EXPECT_EQ(p.decision, 1);
  }
  auto plan = MustCompile(Glm(GlmFamily::kBinomial, LinkFunction::kLogit));
  Prediction low = MustScore(*plan, {N(-1.0)});  // eta = -1.5
  EXPECT_EQ(low.label, 0);
  Prediction missing = MustScore(*plan, {M()});
  EXPECT_TRUE(std::isnan(missing.values[1]));
  EXPECT_EQ(missing.label, -1);
  EXPECT_EQ(missing.decision, -1);
}

TEST(GlmTest, ThresholdDecidesTheLabel) {
  Pipeline p = Glm(GlmFamily::kBinomial, LinkFunction::kLogit);
  p.post.threshold = 0.75;
  auto plan = MustCompile(p);
  EXPECT_EQ(MustScore(*plan, {N(0.25)}).label, 0);  // p = 0.731 < 0.75
  // p >= threshold is classes[1]: eta = 0 gives exactly 0.5.
  p.post.threshold = 0.5;
  auto half = MustCompile(p);
  Prediction at = MustScore(*half, {N(-0.25)});
  EXPECT_EQ(at.values[1], 0.5);
  EXPECT_EQ(at.label, 1);
}

TEST(GlmTest, OffsetIsAddedToEta) {
  Pipeline p;
  p.inputs = {NumberField("x"), NumberField("exposure")};
  p.transforms = {MathTransform{"exposure", "log_exposure", MathFunction::kLog, 1.0}};
  p.features = {"x"};
  GlmModel glm;
  glm.family = GlmFamily::kPoisson;
  glm.link = LinkFunction::kLog;
  glm.intercepts = {-1.0};
  glm.coefficients = {0.5};
  glm.offset = "log_exposure";
  p.model.body = glm;
  auto plan = MustCompile(p);
  ASSERT_NE(plan, nullptr);
  Prediction two = MustScore(*plan, {N(1.0), N(2.0)}, /*explain=*/true);
  EXPECT_DOUBLE_EQ(two.values[0], 1.2130613194252668);  // 2 * exp(-0.5)
  // Contributions: 0.5 * (1 - 0), bias = -1 + log 2.
  ASSERT_EQ(two.contributions.size(), 2u);
  EXPECT_EQ(two.contributions[0].feature, 0);
  EXPECT_DOUBLE_EQ(two.contributions[0].value, 0.5);
  EXPECT_EQ(two.contributions[1].feature, -1);
  EXPECT_DOUBLE_EQ(two.contributions[1].value, -1.0 + std::log(2.0));
  // A missing offset makes the prediction missing.
  EXPECT_TRUE(std::isnan(MustScore(*plan, {N(1.0), M()}).values[0]));
}

Pipeline Multinomial() {
  Pipeline p;
  p.inputs = {NumberField("x0"), NumberField("x1")};
  p.features = {"x0", "x1"};
  GlmModel glm;
  glm.family = GlmFamily::kMultinomial;
  glm.intercepts = {0.0, 1.0, -1.0};
  glm.coefficients = {0.0, 0.0,   // class a
                      1.0, 0.0,   // class b
                      0.0, 1.0};  // class c
  glm.feature_means = {0.5, 1.0};
  p.model.task = Task::kClassification;
  p.model.classes = {"a", "b", "c"};
  p.model.body = glm;
  return p;
}

TEST(GlmTest, MultinomialSoftmaxAndExplanationOfPredictedClass) {
  auto plan = MustCompile(Multinomial());
  ASSERT_NE(plan, nullptr);
  // etas {0, 2, 1}.
  Prediction p = MustScore(*plan, {N(1.0), N(2.0)}, /*explain=*/true);
  ASSERT_EQ(p.values.size(), 3u);
  EXPECT_DOUBLE_EQ(p.values[0], 0.09003057317038046);
  EXPECT_DOUBLE_EQ(p.values[1], 0.6652409557748219);
  EXPECT_DOUBLE_EQ(p.values[2], 0.24472847105479764);
  EXPECT_EQ(p.label, 1);
  // Class b: 1 * (1 - 0.5), 0 * (2 - 1); bias 1 + 1 * 0.5.
  ASSERT_EQ(p.contributions.size(), 3u);
  EXPECT_DOUBLE_EQ(p.contributions[0].value, 0.5);
  EXPECT_DOUBLE_EQ(p.contributions[1].value, 0.0);
  EXPECT_DOUBLE_EQ(p.contributions[2].value, 1.5);
  // Class c wins with x1 = 5: etas {0, 1, 4}; contributions of class c.
  Prediction c = MustScore(*plan, {N(0.0), N(5.0)}, /*explain=*/true);
  EXPECT_EQ(c.label, 2);
  EXPECT_DOUBLE_EQ(c.contributions[0].value, 0.0);
  EXPECT_DOUBLE_EQ(c.contributions[1].value, 4.0);
  EXPECT_DOUBLE_EQ(c.contributions[2].value, 0.0);  // -1 + 1 * 1
}

TEST(GlmTest, MultinomialTieTakesLowestIndex) {
  auto plan = MustCompile(Multinomial());
  // etas {0, 0, 0} with x0 = -1, x1 = 1.
  Prediction p = MustScore(*plan, {N(-1.0), N(1.0)});
  EXPECT_DOUBLE_EQ(p.values[0], 1.0 / 3.0);
  EXPECT_EQ(p.label, 0);
}

// ---------------------------------------------------------------------------
// Trees
// ---------------------------------------------------------------------------

// x0 < 1 ? 10 : (x1 < 5 ? 20 : 30); x0 missing goes right, x1 missing left.
Tree TwoLevelTree() {
  return TreeOf({
      {.feature = 0, .threshold = 1.0, .left = 1, .right = 2, .default_left = false},
      {.value = 10.0},
      {.feature = 1, .threshold = 5.0, .left = 3, .right = 4, .default_left = true},
      {.value = 20.0},
      {.value = 30.0},
  });
}

TreeEnsembleModel Ensemble(std::vector<Tree> trees, std::vector<double> base, OutputTransform transform,
                           NumericPrecision precision = NumericPrecision::kFloat64) {
  TreeEnsembleModel e;
  e.num_outputs = static_cast<int32_t>(base.size());
  e.base_score = std::move(base);
  e.output_transform = transform;
  e.precision = precision;
  e.trees = std::move(trees);
  return e;
}

TEST(TreeTest, NumericSplitsAndMissingDirections) {
  for (NumericPrecision precision : {NumericPrecision::kFloat64, NumericPrecision::kFloat32}) {
    auto plan = MustCompile(TreePipeline(
        2, Ensemble({TwoLevelTree()}, {0.5}, OutputTransform::kIdentity, precision), Task::kRegression));
    ASSERT_NE(plan, nullptr);
    EXPECT_EQ(MustScore(*plan, {N(0.5), N(0)}).values[0], 10.5);
    EXPECT_EQ(MustScore(*plan, {N(1.0), N(4.999)}).values[0], 20.5);  // 1 < 1 is false
    EXPECT_EQ(MustScore(*plan, {N(1.0), N(5.0)}).values[0], 30.5);
    EXPECT_EQ(MustScore(*plan, {M(), N(7.0)}).values[0], 30.5);       // x0 missing: right
    EXPECT_EQ(MustScore(*plan, {N(3.0), M()}).values[0], 20.5);       // x1 missing: left
    EXPECT_EQ(MustScore(*plan, {M(), M()}).values[0], 20.5);
  }
}

TEST(TreeTest, CategoricalSplitSendsListedLevelsLeft) {
  Pipeline p;
  p.inputs = {CategoryField("color")};  // open: any string
  p.features = {"color"};
  p.model.task = Task::kRegression;
  p.model.body = Ensemble({TreeOf({
                              {.feature = 0, .left = 1, .right = 2, .default_left = false,
                               .levels = {"red", "blue"}},
                              {.value = 1.0},
                              {.value = 2.0},
                          })},
                          {0.0}, OutputTransform::kIdentity);
  for (NumericPrecision precision : {NumericPrecision::kFloat64, NumericPrecision::kFloat32}) {
    std::get<TreeEnsembleModel>(p.model.body).precision = precision;
    auto plan = MustCompile(p);
    ASSERT_NE(plan, nullptr);
    EXPECT_EQ(MustScore(*plan, {T("red")}).values[0], 1.0);
    EXPECT_EQ(MustScore(*plan, {T("blue")}).values[0], 1.0);
    EXPECT_EQ(MustScore(*plan, {T("green")}).values[0], 2.0);  // unknown string: right
    EXPECT_EQ(MustScore(*plan, {M()}).values[0], 2.0);         // default right
  }
  std::get<TreeEnsembleModel>(p.model.body).trees[0].default_left = {1, 0, 0};
  auto plan = MustCompile(p);
  EXPECT_EQ(MustScore(*plan, {M()}).values[0], 1.0);
}

TEST(TreeTest, VectorLeavesAverageLikeARandomForest) {
  // Two trees with probability vectors over 3 classes, averaged.
  auto tree = [](std::vector<double> left, std::vector<double> right) {
    Tree t = TreeOf({{.feature = 0, .threshold = 0.0, .left = 1, .right = 2}, {}, {}});
    t.leaf_width = 3;
    t.leaf_values = {0, 0, 0};
    t.leaf_values.insert(t.leaf_values.end(), left.begin(), left.end());
    t.leaf_values.insert(t.leaf_values.end(), right.begin(), right.end());
    return t;
  };
  TreeEnsembleModel e = Ensemble({tree({1.0, 0.0, 0.0}, {0.0, 0.5, 0.5}),
                                  tree({0.5, 0.5, 0.0}, {0.0, 0.0, 1.0})},
                                 {0.0, 0.0, 0.0}, OutputTransform::kIdentity);
  e.aggregation = Aggregation::kAverage;
  auto plan = MustCompile(TreePipeline(1, e, Task::kClassification, {"a", "b", "c"}));
  ASSERT_NE(plan, nullptr);
  Prediction left = MustScore(*plan, {N(-1.0)});
  EXPECT_EQ(left.values, (std::vector<double>{0.75, 0.25, 0.0}));
  EXPECT_EQ(left.label, 0);
  Prediction right = MustScore(*plan, {N(1.0)});
  EXPECT_EQ(right.values, (std::vector<double>{0.0, 0.25, 0.75}));
  EXPECT_EQ(right.label, 2);
}

TEST(TreeTest, AverageDividesByTreeCountThenAddsBase) {
  TreeEnsembleModel e = Ensemble({TreeOf({{.value = 1.0}}), TreeOf({{.value = 2.0}}), TreeOf({{.value = 6.0}})},
                                 {10.0}, OutputTransform::kIdentity);
  e.aggregation = Aggregation::kAverage;
  auto plan = MustCompile(TreePipeline(1, e, Task::kRegression));
  EXPECT_EQ(MustScore(*plan, {N(0)}).values[0], 13.0);
}

TEST(TreeTest, MulticlassSoftmaxRoundRobinTrees) {
  std::vector<Tree> trees;
  const double leaves[] = {0.0, 2.0, 1.0};
  for (int k = 0; k < 3; ++k) trees.push_back(TreeOf({{.value = leaves[k]}}, k));
  auto plan = MustCompile(TreePipeline(1, Ensemble(trees, {0.0, 0.0, 0.0}, OutputTransform::kSoftmax),
                                       Task::kClassification, {"a", "b", "c"}));
  ASSERT_NE(plan, nullptr);
  Prediction p = MustScore(*plan, {N(0)});
  EXPECT_DOUBLE_EQ(p.values[0], 0.09003057317038046);
  EXPECT_DOUBLE_EQ(p.values[1], 0.6652409557748219);
  EXPECT_DOUBLE_EQ(p.values[2], 0.24472847105479764);
  EXPECT_EQ(p.label, 1);
  EXPECT_EQ(p.decision, 1);
}

TEST(TreeTest, ExpOutput) {
  auto plan = MustCompile(TreePipeline(
      1, Ensemble({TreeOf({{.value = 0.75}})}, {0.25}, OutputTransform::kExp), Task::kRegression));
  EXPECT_DOUBLE_EQ(MustScore(*plan, {N(0)}).values[0], 2.718281828459045);
}

TEST(TreeTest, LogisticBinaryThresholdAndLabels) {
  Pipeline p = TreePipeline(1, Ensemble({TwoLevelTree()}, {0.0}, OutputTransform::kLogistic),
                            Task::kClassification, {"stay", "churn"});
  std::get<TreeEnsembleModel>(p.model.body).trees[0].leaf_values = {0, -1.0, 0, 0.0, 1.0};
  p.inputs.push_back(NumberField("x1"));
  p.features.push_back("x1");
  auto plan = MustCompile(p);
  ASSERT_NE(plan, nullptr);
  Prediction low = MustScore(*plan, {N(0.0), N(0.0)});
  EXPECT_DOUBLE_EQ(low.values[1], 1.0 - 0.7310585786300049);
  EXPECT_DOUBLE_EQ(low.values[0], 0.7310585786300049);
  EXPECT_EQ(low.label, 0);
  Prediction even = MustScore(*plan, {N(2.0), N(0.0)});  // margin 0: p = 0.5 >= 0.5
  EXPECT_EQ(even.values[1], 0.5);
  EXPECT_EQ(even.label, 1);
  EXPECT_EQ(plan->decision_vocabulary(), (std::vector<std::string>{"stay", "churn"}));
  p.post.threshold = 0.8;
  auto strict = MustCompile(p);
  EXPECT_EQ(MustScore(*strict, {N(2.0), N(9.0)}).label, 0);  // p = 0.731
}

TEST(TreeTest, Float32ComparesCastValues) {
  // The threshold lies just above 0.5, so float(threshold) == 0.5f; x lies
  // between 0.5 and the threshold. In double x < t (left); in float
  // 0.5f < 0.5f is false (right).
  const double t = 0.5 + 1e-12;
  const double x = 0.5 + 0.5e-12;
  ASSERT_EQ(static_cast<float>(t), 0.5f);
  Tree tree = TreeOf({{.feature = 0, .threshold = t, .left = 1, .right = 2}, {.value = -1.0}, {.value = 1.0}});
  auto f64 = MustCompile(TreePipeline(1, Ensemble({tree}, {0.0}, OutputTransform::kIdentity,
                                                  NumericPrecision::kFloat64),
                                      Task::kRegression));
  auto f32 = MustCompile(TreePipeline(1, Ensemble({tree}, {0.0}, OutputTransform::kIdentity,
                                                  NumericPrecision::kFloat32),
                                      Task::kRegression));
  EXPECT_EQ(MustScore(*f64, {N(x)}).values[0], -1.0);
  EXPECT_EQ(MustScore(*f32, {N(x)}).values[0], 1.0);
  // A value that rounds up to the float threshold goes right in float too.
  EXPECT_EQ(MustScore(*f32, {N(0.5 - 1e-12)}).values[0], 1.0);
  EXPECT_EQ(MustScore(*f64, {N(0.5 - 1e-12)}).values[0], -1.0);
}

TEST(TreeTest, Float32SumsInFloatFromBaseInTreeOrder) {
  std::vector<Tree> trees = {TreeOf({{.value = 0.2}}), TreeOf({{.value = 0.3}})};
  auto f32 = MustCompile(TreePipeline(1, Ensemble(trees, {0.1}, OutputTransform::kIdentity,
                                                  NumericPrecision::kFloat32),
                                      Task::kRegression));
  auto f64 = MustCompile(TreePipeline(1, Ensemble(trees, {0.1}, OutputTransform::kIdentity,
                                                  NumericPrecision::kFloat64),
                                      Task::kRegression));
  const float expected32 = (0.1f + 0.2f) + 0.3f;
  EXPECT_EQ(MustScore(*f32, {N(0)}).values[0], static_cast<double>(expected32));
  EXPECT_EQ(MustScore(*f64, {N(0)}).values[0], (0.1 + 0.2) + 0.3);
  EXPECT_NE(static_cast<double>(expected32), (0.1 + 0.2) + 0.3);
}

TEST(TreeTest, DeepUnbalancedTreeReachesEveryLeaf) {
  // A chain: x0 < 0 -> leaf 0; else x0 < 1 -> leaf 1; ... depth 12.
  std::vector<NodeSpec> nodes;
  const int depth = 12;
  for (int d = 0; d < depth; ++d) {
    const int32_t at = static_cast<int32_t>(nodes.size());
    nodes.push_back({.feature = 0, .threshold = static_cast<double>(d), .left = at + 1, .right = at + 2});
    nodes.push_back({.value = static_cast<double>(d)});
  }
  nodes.push_back({.value = 100.0});
  auto plan = MustCompile(TreePipeline(
      1, Ensemble({TreeOf(nodes)}, {0.0}, OutputTransform::kIdentity), Task::kRegression));
  ASSERT_NE(plan, nullptr);
  for (int d = 0; d < depth; ++d) {
    EXPECT_EQ(MustScore(*plan, {N(d - 0.5)}).values[0], d);
  }
  EXPECT_EQ(MustScore(*plan, {N(1e6)}).values[0], 100.0);
}

TEST(TreeTest, ExplainWithoutCoverIsFailedPrecondition) {
  Tree tree = TwoLevelTree();
  tree.cover.clear();
  auto plan = MustCompile(TreePipeline(2, Ensemble({tree}, {0.0}, OutputTransform::kIdentity), Task::kRegression));
  ASSERT_NE(plan, nullptr);
  EXPECT_FALSE(plan->can_explain());
  Result<Prediction> p = Score(*plan, {N(0), N(0)}, /*explain=*/true);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(p.status().message(), "explanations need node cover, and model.trees[0] has none");
  EXPECT_TRUE(Score(*plan, {N(0), N(0)}).ok());
}

TEST(TreeTest, NoHeapAllocationAfterFirstRowIsReflectedInCapacity) {
  auto plan = MustCompile(TreePipeline(2, Ensemble({TwoLevelTree()}, {0.0}, OutputTransform::kIdentity),
                                       Task::kRegression));
  auto scratch = plan->NewScratch();
  Prediction out;
  const double row[2] = {0.0, 0.0};
  ASSERT_TRUE(plan->ScoreRow(row, *scratch, &out, true).ok());
  const double* values = out.values.data();
  const Contribution* contributions = out.contributions.data();
  ASSERT_TRUE(plan->ScoreRow(row, *scratch, &out, true).ok());
  EXPECT_EQ(out.values.data(), values);
  EXPECT_EQ(out.contributions.data(), contributions);
}

}  // namespace
}  // namespace podium::engine
