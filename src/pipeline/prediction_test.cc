#include "pipeline/prediction.h"

#include <gtest/gtest.h>

#include <cmath>

namespace podium {
namespace {

TEST(DecisionVocabularyTest, ClassesThenOverrideDecisions) {
  Pipeline pipeline;
  pipeline.model.classes = {"good", "bad"};
  pipeline.post.rules = {{"minor", "age < 18", RuleAction::kOverride, "decline", ""},
                         {"note", "age > 90", RuleAction::kAnnotate, "", "check age"},
                         {"again", "age < 16", RuleAction::kOverride, "decline", ""},
                         {"vip", "vip", RuleAction::kOverride, "good", ""},
                         {"review", "x", RuleAction::kOverride, "refer", ""}};
  EXPECT_EQ(DecisionVocabulary(pipeline), (std::vector<std::string>{"good", "bad", "decline", "refer"}));
}

TEST(TopReasonsTest, ByAbsoluteValueExcludingBias) {
  std::vector<Contribution> contributions = {{0, 0.5}, {1, -2.0}, {2, 0.1}, {3, -0.5}, {-1, 10.0}};
  std::vector<Contribution> top = TopReasons(contributions, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].feature, 1);
  EXPECT_EQ(top[1].feature, 0);  // tie with feature 3: lower index first
  EXPECT_EQ(top[2].feature, 3);
  EXPECT_EQ(TopReasons(contributions, 10).size(), 4u);
}

std::vector<int32_t> Features(const std::vector<Contribution>& reasons) {
  std::vector<int32_t> features;
  for (const Contribution& c : reasons) features.push_back(c.feature);
  return features;
}

TEST(TopReasonsTest, SignedOrdersWithTiesToTheLowerIndex) {
  const std::vector<Contribution> contributions = {{0, 0.5}, {1, -2.0}, {2, 0.0}, {3, -0.5}, {4, 0.5}, {-1, 10.0}};
  PostProcessing post;
  post.reason_order = ReasonOrder::kLargestFirst;
  EXPECT_EQ(Features(TopReasons(contributions, 10, post)), (std::vector<int32_t>{0, 4, 2, 3, 1}));
  post.reason_order = ReasonOrder::kSmallestFirst;
  EXPECT_EQ(Features(TopReasons(contributions, 3, post)), (std::vector<int32_t>{1, 3, 2}));
  post.reason_order = ReasonOrder::kByAbsoluteValue;
  EXPECT_EQ(Features(TopReasons(contributions, 10, post)), (std::vector<int32_t>{1, 0, 3, 4, 2}));
}

TEST(TopReasonsTest, OneSidedDropsZeroAndTheOtherSide) {
  const std::vector<Contribution> contributions = {{0, 0.5}, {1, -2.0}, {2, 0.0}, {3, -0.5}, {4, 0.5}};
  PostProcessing post;
  post.reason_one_sided = true;
  post.reason_order = ReasonOrder::kLargestFirst;
  EXPECT_EQ(Features(TopReasons(contributions, 10, post)), (std::vector<int32_t>{0, 4}));
  post.reason_order = ReasonOrder::kSmallestFirst;
  EXPECT_EQ(Features(TopReasons(contributions, 10, post)), (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(Features(TopReasons(contributions, 1, post)), (std::vector<int32_t>{1}));
  std::vector<Contribution> missing = contributions;
  missing[4].value = std::nan("");
  EXPECT_TRUE(TopReasons(missing, 10, post).empty()) << "a missing part leaves the score without reasons";
  // One-sided means nothing for the unsigned order.
  post.reason_order = ReasonOrder::kByAbsoluteValue;
  EXPECT_EQ(TopReasons(contributions, 10, post).size(), 5u);
}

TEST(ReasonNamesTest, LabelsAndColumnNames) {
  Pipeline pipeline;
  pipeline.features = {"rc_a", "rc_b"};
  EXPECT_EQ(ReasonLabel(pipeline, 1), "rc_b");
  pipeline.post.reason_labels = {"RC1", "RC2"};
  EXPECT_EQ(ReasonLabel(pipeline, 1), "RC2");
  pipeline.output_names.reasons = {"Reason Code 1"};
  EXPECT_EQ(ReasonColumnName(pipeline, 1), "Reason Code 1");
  EXPECT_EQ(ReasonColumnName(pipeline, 2), "reason_2");
}

}  // namespace
}  // namespace podium
