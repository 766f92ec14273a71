#include "pipeline/prediction.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace podium
