// Business rules and decisions in the compiled engine.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/engine.h"
#include "engine/test_util.h"

namespace podium::engine {
namespace {

using ::podium::engine::testing::CategoryField;
using ::podium::engine::testing::MustCompile;
using ::podium::engine::testing::NumberField;
using ::podium::engine::testing::Score;

RawValue N(double v) { return RawValue::Number(v); }
RawValue T(std::string_view t) { return RawValue::Text(t); }
RawValue M() { return RawValue::Missing(); }

// p(churn) = logistic(-2 + 0.1 * usage): 0.5 at usage 20.
Pipeline Churn(std::vector<BusinessRule> rules) {
  Pipeline p;
  p.inputs = {NumberField("usage"), CategoryField("plan", {"basic", "pro", "vip"}), NumberField("age")};
  p.transforms = {DeriveTransform{"heavy", "usage > 50"}};
  p.features = {"usage"};
  GlmModel glm;
  glm.family = GlmFamily::kBinomial;
  glm.link = LinkFunction::kLogit;
  glm.intercepts = {-2.0};
  glm.coefficients = {0.1};
  p.model.task = Task::kClassification;
  p.model.classes = {"stay", "churn"};
  p.model.body = glm;
  p.post.rules = std::move(rules);
  return p;
}

BusinessRule Override(std::string name, std::string when, std::string decision) {
  return BusinessRule{std::move(name), std::move(when), RuleAction::kOverride, std::move(decision), ""};
}
BusinessRule Annotate(std::string name, std::string when, std::string reason) {
  return BusinessRule{std::move(name), std::move(when), RuleAction::kAnnotate, "", std::move(reason)};
}

Prediction MustScore(const ScoringPlan& plan, const std::vector<RawValue>& raw) {
  Result<Prediction> prediction = Score(plan, raw);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  return prediction.ok() ? *prediction : Prediction{};
}

TEST(RulesTest, DecisionVocabularyIsClassesThenOverrideDecisions) {
  auto plan = MustCompile(Churn({Override("vip", "plan == \"vip\"", "retain"),
                                 Annotate("note", "heavy", "heavy user"),
                                 Override("again", "age > 90", "retain"),
                                 Override("review", "score > 0.9", "manual_review"),
                                 Override("stay", "age < 18", "stay")}));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->decision_vocabulary(),
            (std::vector<std::string>{"stay", "churn", "retain", "manual_review"}));
}

TEST(RulesTest, FirstFiringOverrideWinsAndAnnotationsAccumulate) {
  auto plan = MustCompile(Churn({Annotate("heavy", "heavy", "heavy user"),
                                 Override("vip", "plan == \"vip\"", "retain"),
                                 Override("risky", "score >= 0.5", "manual_review"),
                                 Annotate("young", "age < 25", "young")}));
  ASSERT_NE(plan, nullptr);
  // Low usage, basic: nothing fires; decision = label (stay).
  Prediction quiet = MustScore(*plan, {N(0), T("basic"), N(40)});
  EXPECT_EQ(quiet.label, 0);
  EXPECT_EQ(quiet.decision, 0);
  EXPECT_TRUE(quiet.fired_rules.empty());
  // Heavy vip, young: annotate 0, override 1 (retain = 2), override 2 not
  // recorded, annotate 3.
  Prediction vip = MustScore(*plan, {N(60), T("vip"), N(20)});
  EXPECT_EQ(vip.label, 1);
  EXPECT_EQ(vip.decision, 2);
  EXPECT_EQ(vip.fired_rules, (std::vector<int32_t>{0, 1, 3}));
  // Heavy basic: score = p(churn) = logistic(4) >= 0.5: manual_review (3).
  Prediction risky = MustScore(*plan, {N(60), T("basic"), N(40)});
  EXPECT_EQ(risky.decision, 3);
  EXPECT_EQ(risky.fired_rules, (std::vector<int32_t>{0, 2}));
}

TEST(RulesTest, MissingConditionDoesNotFire) {
  auto plan = MustCompile(Churn({Override("old", "age > 60", "retain"), Annotate("a", "not (age > 60)", "x")}));
  ASSERT_NE(plan, nullptr);
  Prediction p = MustScore(*plan, {N(0), T("basic"), M()});
  EXPECT_TRUE(p.fired_rules.empty());
  EXPECT_EQ(p.decision, p.label);
  Prediction old = MustScore(*plan, {N(0), T("basic"), N(70)});
  EXPECT_EQ(old.fired_rules, (std::vector<int32_t>{0}));
  EXPECT_EQ(old.decision, 2);
}

TEST(RulesTest, ScoreIsMissingWhenTheModelIsMissing) {
  // usage missing: the GLM gives no probability, so `score` rules cannot fire
  // but others can.
  auto plan = MustCompile(Churn({Override("risky", "score >= 0", "manual_review"),
                                 Override("vip", "plan == \"vip\"", "retain")}));
  Prediction p = MustScore(*plan, {M(), T("vip"), N(30)});
  EXPECT_EQ(p.label, -1);
  EXPECT_EQ(p.decision, 3);  // {stay, churn, manual_review, retain}
  EXPECT_EQ(p.fired_rules, (std::vector<int32_t>{1}));
}

TEST(RulesTest, RegressionDecisionOnlyFromOverrides) {
  Pipeline p;
  p.inputs = {NumberField("x")};
  p.features = {"x"};
  GlmModel glm;
  glm.intercepts = {0.0};
  glm.coefficients = {2.0};
  p.model.body = glm;
  p.post.rules = {Override("high", "score > 10", "cap")};
  auto plan = MustCompile(p);
  ASSERT_NE(plan, nullptr);
  Prediction low = MustScore(*plan, {N(1)});
  EXPECT_EQ(low.decision, -1);
  Prediction high = MustScore(*plan, {N(6)});
  EXPECT_EQ(high.decision, 0);
  EXPECT_EQ(plan->decision_vocabulary(), (std::vector<std::string>{"cap"}));
}

TEST(RulesTest, MulticlassScoreIsTheLargestProbability) {
  Pipeline p;
  p.inputs = {NumberField("x")};
  p.features = {"x"};
  TreeEnsembleModel e;
  e.num_outputs = 3;
  e.base_score = {0.0, 0.0, 0.0};
  e.output_transform = OutputTransform::kSoftmax;
  for (int k = 0; k < 3; ++k) {
    Tree t;
    t.feature = {-1};
    t.threshold = {0};
    t.left = {-1};
    t.right = {-1};
    t.default_left = {1};
    t.leaf_values = {k == 1 ? 3.0 : 0.0};
    t.output = k;
    e.trees.push_back(t);
  }
  p.model.task = Task::kClassification;
  p.model.classes = {"a", "b", "c"};
  p.model.body = e;
  // p(b) = e^3 / (e^3 + 2) = 0.909...
  p.post.rules = {Override("sure", "score > 0.9", "auto"), Annotate("very", "score > 0.95", "")};
  auto plan = MustCompile(p);
  ASSERT_NE(plan, nullptr);
  Prediction r = MustScore(*plan, {N(0)});
  EXPECT_EQ(r.label, 1);
  EXPECT_EQ(r.decision, 3);
  EXPECT_EQ(r.fired_rules, (std::vector<int32_t>{0}));
}

}  // namespace
}  // namespace podium::engine
