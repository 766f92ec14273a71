// Post-processing after the model: post.prediction_expression and derived
// outputs (post.outputs) in the compiled engine, checked against values
// computed by hand and against the reference scorer.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/engine.h"
#include "engine/test_util.h"
#include "reference/reference.h"

namespace podium::engine {
namespace {

using ::podium::engine::testing::CategoryField;
using ::podium::engine::testing::kNaN;
using ::podium::engine::testing::MustCompile;
using ::podium::engine::testing::NumberField;
using ::podium::engine::testing::Score;

RawValue N(double v) { return RawValue::Number(v); }
RawValue T(std::string_view t) { return RawValue::Text(t); }
RawValue M() { return RawValue::Missing(); }

// prediction = 10 + 2x, clamped to [0, 30]; a band, a flag and a premium
// computed from it; a rule reading the flag.
Pipeline Premium() {
  Pipeline p;
  p.inputs = {NumberField("x")};
  p.features = {"x"};
  GlmModel glm;
  glm.intercepts = {10.0};
  glm.coefficients = {2.0};
  p.model.task = Task::kRegression;
  p.model.body = glm;
  p.post.prediction_expression = "min(max(score, 0), 30)";
  p.post.outputs = {{"band", "if prediction >= 20 then 2 else if prediction >= 10 then 1 else 0"},
                    {"high", "band == 2"},
                    {"premium", "prediction * 1.5 + band"}};
  p.post.rules = {BusinessRule{"refer", "high and x > 5", RuleAction::kOverride, "refer", ""}};
  return p;
}

Prediction MustScore(const ScoringPlan& plan, const std::vector<RawValue>& raw) {
  Result<Prediction> prediction = Score(plan, raw);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  return prediction.ok() ? *prediction : Prediction{};
}

// Equal as numbers, or both missing.
bool Same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

TEST(OutputsTest, PredictionExpressionClampsAndOutputsFollowInOrder) {
  auto plan = MustCompile(Premium());
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->num_derived(), 3);
  EXPECT_EQ(plan->decision_vocabulary(), std::vector<std::string>{"refer"});
  // x = 2: 14, band 1, not high, premium 14 * 1.5 + 1 = 22.
  Prediction low = MustScore(*plan, {N(2)});
  EXPECT_EQ(low.values, std::vector<double>{14.0});
  EXPECT_EQ(low.derived, (std::vector<double>{1.0, 0.0, 22.0}));
  EXPECT_EQ(low.decision, -1);
  // x = 12: 34 clamped to 30, band 2, high, premium 47; the rule sees `high`.
  Prediction high = MustScore(*plan, {N(12)});
  EXPECT_EQ(high.values, std::vector<double>{30.0});
  EXPECT_EQ(high.derived, (std::vector<double>{2.0, 1.0, 47.0}));
  EXPECT_EQ(high.decision, 0);
  EXPECT_EQ(high.fired_rules, std::vector<int32_t>{0});
  // x = -10: -10 clamped to 0.
  Prediction negative = MustScore(*plan, {N(-10)});
  EXPECT_EQ(negative.values, std::vector<double>{0.0});
  EXPECT_EQ(negative.derived, (std::vector<double>{0.0, 0.0, 0.0}));
  // Missing x: a missing prediction; `if` with a missing condition takes the
  // else branch, so the band is 0 and the premium missing.
  Prediction missing = MustScore(*plan, {M()});
  ASSERT_EQ(missing.derived.size(), 3u);
  EXPECT_TRUE(std::isnan(missing.values[0]));
  EXPECT_EQ(missing.derived[0], 0.0);
  EXPECT_EQ(missing.derived[1], 0.0);
  EXPECT_TRUE(std::isnan(missing.derived[2]));
}

TEST(OutputsTest, PredictionExpressionRefusesExplanations) {
  auto plan = MustCompile(Premium());
  ASSERT_NE(plan, nullptr);
  EXPECT_FALSE(plan->can_explain());
  Result<Prediction> explained = Score(*plan, {N(2)}, /*explain=*/true);
  ASSERT_FALSE(explained.ok());
  EXPECT_EQ(explained.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(explained.status().message(),
            "post.prediction_expression replaces the model's prediction, so feature contributions would not add up "
            "to it");
  Result<Prediction> reference = reference::ScoreRow(Premium(), {N(2)}, /*explain=*/true);
  ASSERT_FALSE(reference.ok());
  EXPECT_EQ(reference.status().message(), explained.status().message());
}

// p(churn) = logistic(-2 + 0.1 usage); outputs over the probabilities by
// their column names, `score`, a category input and an input.
Pipeline Churn() {
  Pipeline p;
  p.inputs = {NumberField("usage"), CategoryField("plan", {"basic", "pro"})};
  p.features = {"usage"};
  GlmModel glm;
  glm.family = GlmFamily::kBinomial;
  glm.link = LinkFunction::kLogit;
  glm.intercepts = {-2.0};
  glm.coefficients = {0.1};
  p.model.task = Task::kClassification;
  p.model.classes = {"stay", "churn"};
  p.model.body = glm;
  p.output_names.probabilities = {"p_stay", "p_churn"};
  p.post.outputs = {{"odds", "p_churn / p_stay"},
                    {"points", "floor(600 + 50 * log(odds))"},
                    {"pro_risk", "plan == 'pro' and score > 0.5"}};
  return p;
}

TEST(OutputsTest, ClassifierOutputsSeeProbabilitiesByName) {
  auto plan = MustCompile(Churn());
  ASSERT_NE(plan, nullptr);
  // usage 30: eta = 1, odds = e, points = floor(650) = 650.
  Prediction row = MustScore(*plan, {N(30), T("pro")});
  ASSERT_EQ(row.derived.size(), 3u);
  EXPECT_NEAR(row.derived[0], std::exp(1.0), 1e-12);
  EXPECT_EQ(row.derived[1], 650.0);
  EXPECT_EQ(row.derived[2], 1.0);
  // usage 10: eta = -1; the flag is false for a basic plan.
  Prediction basic = MustScore(*plan, {N(10), T("basic")});
  EXPECT_NEAR(basic.derived[0], std::exp(-1.0), 1e-12);
  EXPECT_EQ(basic.derived[2], 0.0);
}

TEST(OutputsTest, EngineAgreesWithReferenceRowAndBatch) {
  for (const Pipeline& pipeline : {Premium(), Churn()}) {
    auto plan = MustCompile(pipeline);
    ASSERT_NE(plan, nullptr);
    std::vector<std::vector<RawValue>> rows;
    for (int i = -15; i <= 45; i += 3) {
      if (pipeline.inputs.size() == 1) {
        rows.push_back({N(i)});
      } else {
        rows.push_back({N(i), T(i % 2 == 0 ? "pro" : "basic")});
      }
    }
    rows.push_back(pipeline.inputs.size() == 1 ? std::vector<RawValue>{M()} : std::vector<RawValue>{M(), M()});
    const size_t width = pipeline.inputs.size();
    std::vector<double> encoded(rows.size() * width);
    for (size_t r = 0; r < rows.size(); ++r) {
      ASSERT_TRUE(plan->EncodeRow(rows[r].data(), encoded.data() + r * width).ok());
    }
    auto scratch = plan->NewScratch();
    BatchResult batch;
    plan->ScoreBatch(encoded.data(), rows.size(), *scratch, &batch);
    ASSERT_TRUE(batch.errors.empty());
    ASSERT_EQ(batch.num_derived, 3);
    ASSERT_EQ(batch.derived.size(), rows.size() * 3);
    for (size_t r = 0; r < rows.size(); ++r) {
      Result<Prediction> expected = reference::ScoreRow(pipeline, rows[r]);
      ASSERT_TRUE(expected.ok()) << expected.status().ToString();
      Prediction row = MustScore(*plan, rows[r]);
      for (size_t j = 0; j < 3; ++j) {
        EXPECT_TRUE(Same(row.derived[j], expected->derived[j])) << "row " << r << " output " << j;
        EXPECT_TRUE(Same(batch.derived[r * 3 + j], expected->derived[j])) << "row " << r << " output " << j;
      }
      EXPECT_TRUE(Same(row.values[0], expected->values[0])) << "row " << r;
      EXPECT_EQ(row.decision, expected->decision) << "row " << r;
    }
  }
}

// A category output: its expression gives a position in `categories`;
// later outputs and rules compare it with string literals.
Pipeline Actions() {
  Pipeline p = Premium();
  p.post.prediction_expression.clear();
  p.post.outputs = {{"action", "if prediction > 30 then 2 else if prediction > 12 then x - 2 else 0",
                     {"approve", "review", "decline"}},
                    {"reviewed", "action == 'review'"}};
  p.post.rules = {BusinessRule{"declined", "action in ('decline')", RuleAction::kOverride, "refer", ""}};
  return p;
}

TEST(OutputsTest, CategoryOutputsArePositionsAndCompareAsText) {
  auto plan = MustCompile(Actions());
  ASSERT_NE(plan, nullptr);
  // x = 0: 10, approve (0).
  Prediction approve = MustScore(*plan, {N(0)});
  EXPECT_EQ(approve.derived, (std::vector<double>{0.0, 0.0}));
  // x = 3: 16, position x - 2 = 1: review.
  Prediction review = MustScore(*plan, {N(3)});
  EXPECT_EQ(review.derived, (std::vector<double>{1.0, 1.0}));
  EXPECT_EQ(review.decision, -1);
  // x = 3.5: 17, position 1.5 is no category: missing, and so is the comparison.
  Prediction fraction = MustScore(*plan, {N(3.5)});
  EXPECT_TRUE(std::isnan(fraction.derived[0]) && std::isnan(fraction.derived[1]));
  // x = 5: 20, position 3 is out of range: missing.
  EXPECT_TRUE(std::isnan(MustScore(*plan, {N(5)}).derived[0]));
  // x = 11: 32, decline (2); the rule fires.
  Prediction decline = MustScore(*plan, {N(11)});
  EXPECT_EQ(decline.derived, (std::vector<double>{2.0, 0.0}));
  EXPECT_EQ(decline.decision, 0);
  for (double x : {-3.0, 0.0, 3.0, 3.5, 4.0, 5.0, 11.0}) {
    Result<Prediction> expected = reference::ScoreRow(Actions(), {N(x)});
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    Prediction row = MustScore(*plan, {N(x)});
    for (size_t j = 0; j < 2; ++j) EXPECT_TRUE(Same(row.derived[j], expected->derived[j])) << "x " << x << " output " << j;
    EXPECT_EQ(row.decision, expected->decision) << "x " << x;
  }
}

TEST(OutputsTest, FailedBatchRowHasMissingOutputs) {
  Pipeline p = Premium();
  p.inputs.push_back(CategoryField("grade", {"a", "b"}));
  p.transforms = {OrdinalTransform{"grade", "grade_index", {"a", "b"}, UnknownLevelPolicy::kError, -1.0}};
  auto plan = MustCompile(p);
  ASSERT_NE(plan, nullptr);
  const double encoded[] = {2.0, plan->LevelCode("a"), 3.0, plan->LevelCode("zzz")};
  auto scratch = plan->NewScratch();
  BatchResult batch;
  plan->ScoreBatch(encoded, 2, *scratch, &batch);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].row, 1u);
  EXPECT_EQ(batch.derived[0], 1.0);
  EXPECT_TRUE(std::isnan(batch.derived[3]) && std::isnan(batch.derived[4]) && std::isnan(batch.derived[5]));
}

}  // namespace
}  // namespace podium::engine
