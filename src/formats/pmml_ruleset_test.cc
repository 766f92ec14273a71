// RuleSetModel import (formats/pmml_ruleset.cc): rule firing under missing
// values, CompoundRule nesting, firstHit, weightedMax and weightedSum, default
// scores, ScoreDistribution leaves, confidence and entityId outputs, refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "formats/pmml_test_util.h"

namespace podium {
namespace {

using pmml_testing::Doc;
using pmml_testing::ExpectError;
using pmml_testing::Import;
using pmml_testing::Score;

// Inputs x (number) and s (category u/v), target y with classes A, B, C.
// The model is on line 6, the RuleSet on line 8, its first child on line 9,
// and each string of `lines` on a line of its own from line 9.
std::string RuleDoc(const std::string& rule_set_attributes, const std::vector<std::string>& lines,
                    const std::string& model_attributes = "functionName=\"classification\"",
                    const std::string& output = "") {
  const std::string fields =
      "<DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
      "<DataField name=\"s\" optype=\"categorical\" dataType=\"string\"><Value value=\"u\"/><Value value=\"v\"/>"
      "</DataField><DataField name=\"y\" optype=\"categorical\" dataType=\"string\"><Value value=\"A\"/>"
      "<Value value=\"B\"/><Value value=\"C\"/></DataField>";
  std::string body = "<RuleSetModel " + model_attributes + ">\n" +
                     "<MiningSchema><MiningField name=\"x\"/><MiningField name=\"s\"/>"
                     "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>" + output + "\n" +
                     "<RuleSet " + rule_set_attributes + ">\n";
  for (const std::string& line : lines) body += line + "\n";
  body += "</RuleSet>\n</RuleSetModel>\n";
  return Doc(fields, body);
}

std::string FirstHit() { return "<RuleSelectionMethod criterion=\"firstHit\"/>"; }

// The predicted class and the probabilities of one row.
struct Scored {
  std::string label;
  std::vector<double> probabilities;
};

Scored ScoreRow(const Pipeline& pipeline, const std::map<std::string, std::string>& row) {
  Result<Prediction> prediction = Score(pipeline, row);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  if (!prediction.ok()) return {};
  const int32_t label = prediction->label;
  return {label < 0 ? std::string("(none)") : pipeline.model.classes[static_cast<size_t>(label)], prediction->values};
}

// Rules of the nested example: R1 (x > 5 → A), a CompoundRule s == u holding
// R2 (x <= 2 → B) and R3 (True → C, confidence of the compound alone), and
// R4 (s == v → B); default A.
std::vector<std::string> NestedRules(const std::string& method) {
  return {method,
          "<SimpleRule id=\"R1\" score=\"A\" weight=\"0.4\" confidence=\"0.9\"><SimplePredicate field=\"x\" "
          "operator=\"greaterThan\" value=\"5\"/></SimpleRule>",
          "<CompoundRule><SimplePredicate field=\"s\" operator=\"equal\" value=\"u\"/>",
          "<SimpleRule id=\"R2\" score=\"B\" weight=\"0.7\"><SimplePredicate field=\"x\" operator=\"lessOrEqual\" "
          "value=\"2\"/></SimpleRule>",
          "<SimpleRule id=\"R3\" score=\"C\" weight=\"0.4\"><True/></SimpleRule>",
          "</CompoundRule>",
          "<SimpleRule id=\"R4\" score=\"B\" weight=\"0.9\"><SimplePredicate field=\"s\" operator=\"equal\" "
          "value=\"v\"/></SimpleRule>"};
}

TEST(PmmlRuleSet, FirstHitFollowsDocumentOrderAndUnknownDoesNotFire) {
  Result<Pipeline> pipeline = Import(RuleDoc("defaultScore=\"A\" defaultConfidence=\"0.3\"", NestedRules(FirstHit())));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(pipeline->model.classes, (std::vector<std::string>{"A", "B", "C"}));
  struct Case {
    std::map<std::string, std::string> row;
    std::string label;
  };
  const std::vector<Case> cases = {
      {{{"x", "7"}, {"s", "u"}}, "A"},  // R1 fires first
      {{{"x", "1"}, {"s", "u"}}, "B"},  // R2
      {{{"x", "3"}, {"s", "u"}}, "C"},  // R3: the compound's predicate and True
      {{{"x", "3"}, {"s", "v"}}, "B"},  // R4
      {{{"s", "u"}}, "C"},              // x missing: R1 and R2 UNKNOWN, R3 fires
      {{{"s", "v"}}, "B"},              // x missing: R4
      {{{"x", "3"}}, "A"},              // s missing: the compound and R4 UNKNOWN, the default
      {{{"x", "6"}}, "A"},              // R1
      {{}, "A"},                        // nothing fires: the default
  };
  for (const Case& c : cases) {
    const Scored scored = ScoreRow(*pipeline, c.row);
    EXPECT_EQ(scored.label, c.label);
    // Without ScoreDistributions the winning rule's class has probability 1.
    std::vector<double> want(3, 0.0);
    want[static_cast<size_t>(c.label[0] - 'A')] = 1.0;
    EXPECT_EQ(scored.probabilities, want);
  }
}

TEST(PmmlRuleSet, WeightedMaxIsFirstHitOverRulesSortedByWeight) {
  // weightedMax picks the firing rule with the highest weight (the first in
  // the document among equal weights). The same rules sorted stably by
  // weight, highest first, under firstHit must answer identically.
  Result<Pipeline> weighted =
      Import(RuleDoc("defaultScore=\"A\"", NestedRules("<RuleSelectionMethod criterion=\"weightedMax\"/>")));
  ASSERT_TRUE(weighted.ok()) << weighted.status().ToString();
  std::vector<std::string> rules = NestedRules(FirstHit());
  // R4 (0.9), the compound's R2 (0.7), then R1 and R3 (0.4, document order),
  // the compound's predicate written out in each of its rules.
  const std::vector<std::string> sorted = {
      FirstHit(), rules[6],
      "<SimpleRule score=\"B\"><CompoundPredicate booleanOperator=\"and\"><SimplePredicate field=\"s\" "
      "operator=\"equal\" value=\"u\"/><SimplePredicate field=\"x\" operator=\"lessOrEqual\" value=\"2\"/>"
      "</CompoundPredicate></SimpleRule>",
      rules[1],
      "<SimpleRule score=\"C\"><SimplePredicate field=\"s\" operator=\"equal\" value=\"u\"/></SimpleRule>"};
  Result<Pipeline> first_hit = Import(RuleDoc("defaultScore=\"A\"", sorted));
  ASSERT_TRUE(first_hit.ok()) << first_hit.status().ToString();
  int rows = 0;
  for (const char* x : {"", "0", "2", "2.5", "5", "5.5", "9"}) {
    for (const char* s : {"", "u", "v"}) {
      std::map<std::string, std::string> row;
      if (*x) row["x"] = x;
      if (*s) row["s"] = s;
      const Scored a = ScoreRow(*weighted, row);
      const Scored b = ScoreRow(*first_hit, row);
      EXPECT_EQ(a.label, b.label) << "x=" << x << " s=" << s;
      EXPECT_EQ(a.probabilities, b.probabilities) << "x=" << x << " s=" << s;
      ++rows;
    }
  }
  EXPECT_EQ(rows, 21);
  // Spot checks against the specification's rule: x = 7, s = u fires R1 (0.4)
  // and R3 (0.4): the tie goes to R1, the first; x = 1, s = u fires R2 (0.7)
  // and R3: R2; s = v fires R4 (0.9) over R1.
  EXPECT_EQ(ScoreRow(*weighted, {{"x", "7"}, {"s", "u"}}).label, "A");
  EXPECT_EQ(ScoreRow(*weighted, {{"x", "1"}, {"s", "u"}}).label, "B");
  EXPECT_EQ(ScoreRow(*weighted, {{"x", "7"}, {"s", "v"}}).label, "B");
  // Under firstHit the same rules give R1's A for x = 7, s = v.
  Result<Pipeline> document_order = Import(RuleDoc("defaultScore=\"A\"", NestedRules(FirstHit())));
  ASSERT_TRUE(document_order.ok());
  EXPECT_EQ(ScoreRow(*document_order, {{"x", "7"}, {"s", "v"}}).label, "A");
}

TEST(PmmlRuleSet, TheFirstSelectionMethodIsUsed) {
  std::vector<std::string> rules = NestedRules("<RuleSelectionMethod criterion=\"weightedMax\"/>");
  rules.insert(rules.begin() + 1, FirstHit());
  rules.insert(rules.begin() + 2, "<RuleSelectionMethod criterion=\"weightedSum\"/>");
  Result<Pipeline> pipeline = Import(RuleDoc("defaultScore=\"A\"", rules));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreRow(*pipeline, {{"x", "7"}, {"s", "v"}}).label, "B");  // weightedMax: R4
}

TEST(PmmlRuleSet, ScoreDistributionsGiveTheLeafProbabilities) {
  Result<Pipeline> pipeline = Import(RuleDoc(
      "defaultScore=\"C\"",
      {FirstHit(),
       "<SimpleRule score=\"B\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/>"
       "<ScoreDistribution value=\"A\" recordCount=\"10\"/><ScoreDistribution value=\"B\" recordCount=\"30\"/>"
       "</SimpleRule>",
       "<SimpleRule score=\"A\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"10\"/>"
       "<ScoreDistribution value=\"A\" recordCount=\"1\" probability=\"0.5\"/>"
       "<ScoreDistribution value=\"B\" recordCount=\"1\" probability=\"0.2\"/>"
       "<ScoreDistribution value=\"C\" recordCount=\"1\" probability=\"0.3\"/></SimpleRule>"}));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  Scored scored = ScoreRow(*pipeline, {{"x", "-1"}});
  EXPECT_EQ(scored.label, "B");
  EXPECT_EQ(scored.probabilities, (std::vector<double>{0.25, 0.75, 0.0}));
  scored = ScoreRow(*pipeline, {{"x", "3"}});
  EXPECT_EQ(scored.label, "A");
  EXPECT_EQ(scored.probabilities, (std::vector<double>{0.5, 0.2, 0.3}));
  scored = ScoreRow(*pipeline, {{"x", "30"}});
  EXPECT_EQ(scored.label, "C");
  EXPECT_EQ(scored.probabilities, (std::vector<double>{0.0, 0.0, 1.0}));
}

TEST(PmmlRuleSet, ARuleThatAlwaysFiresReplacesTheDefault) {
  Result<Pipeline> pipeline = Import(RuleDoc(
      "", {FirstHit(),
           "<SimpleRule score=\"B\"><SimplePredicate field=\"x\" operator=\"greaterThan\" value=\"1\"/></SimpleRule>",
           "<SimpleRule score=\"C\"><True/></SimpleRule>",
           "<SimpleRule score=\"A\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"0\"/></SimpleRule>"}));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_EQ(ScoreRow(*pipeline, {{"x", "2"}}).label, "B");
  EXPECT_EQ(ScoreRow(*pipeline, {{"x", "-2"}}).label, "C");  // the later rule is never reached
  EXPECT_EQ(ScoreRow(*pipeline, {}).label, "C");

  // Only the True rule: a tree of one leaf.
  Result<Pipeline> constant = Import(RuleDoc("", {FirstHit(), "<SimpleRule score=\"B\"><True/></SimpleRule>"}));
  ASSERT_TRUE(constant.ok()) << constant.status().ToString();
  EXPECT_EQ(ScoreRow(*constant, {{"x", "5"}}).label, "B");
}

// The value of derived output k of one row (NaN: missing).
double Derived(const Pipeline& pipeline, const std::map<std::string, std::string>& row, size_t k) {
  Result<Prediction> prediction = Score(pipeline, row);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  if (!prediction.ok() || prediction->derived.size() <= k) return -12345;
  return prediction->derived[k];
}

TEST(PmmlRuleSet, WeightedSumPicksTheHighestSumAndItsConfidence) {
  // Weights: R1 (A) 0.4, R2 (B) 0.7, R3 (C) 0.4, R4 (B) 0.9.
  Result<Pipeline> pipeline = Import(RuleDoc("defaultScore=\"A\" defaultConfidence=\"0.3\"",
                                             NestedRules("<RuleSelectionMethod criterion=\"weightedSum\"/>"),
                                             "functionName=\"classification\"",
                                             "<Output><OutputField name=\"P\" feature=\"predictedValue\"/>"
                                             "<OutputField name=\"conf\" feature=\"confidence\"/></Output>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ASSERT_EQ(pipeline->post.outputs.size(), 1u);
  EXPECT_EQ(pipeline->post.outputs[0].name, "conf");
  EXPECT_TRUE(pipeline->post.outputs[0].categories.empty());
  struct Case {
    std::map<std::string, std::string> row;
    std::string label;
    double confidence;  // the winner's sum / the number of firing rules
  };
  const std::vector<Case> cases = {
      {{{"x", "7"}, {"s", "u"}}, "A", 0.4 / 2},  // R1 (A 0.4), R3 (C 0.4): a tie, A comes first
      {{{"x", "1"}, {"s", "u"}}, "B", 0.7 / 2},  // R2 (B 0.7), R3 (C 0.4)
      {{{"x", "7"}, {"s", "v"}}, "B", 0.9 / 2},  // R1 (A 0.4), R4 (B 0.9)
      {{{"x", "1"}, {"s", "v"}}, "B", 0.9},      // R4 alone
      {{{"x", "3"}, {"s", "u"}}, "C", 0.4},      // R3 alone
      {{{"x", "3"}}, "A", 0.3},                  // none fires: defaultScore, defaultConfidence
      {{}, "A", 0.3},
  };
  for (const Case& c : cases) {
    const Scored scored = ScoreRow(*pipeline, c.row);
    EXPECT_EQ(scored.label, c.label);
    // The class values are the decision: 1 for the predicted class.
    std::vector<double> want(3, 0.0);
    want[static_cast<size_t>(c.label[0] - 'A')] = 1.0;
    EXPECT_EQ(scored.probabilities, want);
    EXPECT_EQ(Derived(*pipeline, c.row, 0), c.confidence);
  }
}

TEST(PmmlRuleSet, WeightedSumAddsTheWeightsOfEveryFiringRuleOfAClass) {
  // Two rules for B (0.25 + 0.25) beat one for A (0.4); a rule that always
  // fires (C, 0.1) makes the default unreachable and counts as firing.
  const std::vector<std::string> rules = {
      "<RuleSelectionMethod criterion=\"weightedSum\"/>",
      "<SimpleRule id=\"a\" score=\"A\" weight=\"0.4\"><SimplePredicate field=\"x\" operator=\"greaterThan\" "
      "value=\"0\"/></SimpleRule>",
      "<SimpleRule id=\"b1\" score=\"B\" weight=\"0.25\"><SimplePredicate field=\"x\" operator=\"greaterThan\" "
      "value=\"1\"/></SimpleRule>",
      "<SimpleRule id=\"b2\" score=\"B\" weight=\"0.25\"><SimplePredicate field=\"s\" operator=\"equal\" "
      "value=\"u\"/></SimpleRule>",
      "<SimpleRule id=\"c\" score=\"C\" weight=\"0.1\"><True/></SimpleRule>"};
  Result<Pipeline> pipeline = Import(RuleDoc("", rules, "functionName=\"classification\"",
                                             "<Output><OutputField name=\"conf\" feature=\"confidence\"/></Output>"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  struct Case {
    std::map<std::string, std::string> row;
    std::string label;
    double confidence;
  };
  const std::vector<Case> cases = {
      {{{"x", "2"}, {"s", "u"}}, "B", (0.25 + 0.25) / 4},  // a, b1, b2, c fire
      {{{"x", "2"}, {"s", "v"}}, "A", 0.4 / 3},            // a, b1, c: A 0.4 beats B 0.25
      {{{"x", "0.5"}}, "A", 0.4 / 2},                      // a, c
      {{}, "C", 0.1},                                       // c alone
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ScoreRow(*pipeline, c.row).label, c.label);
    EXPECT_EQ(Derived(*pipeline, c.row, 0), c.confidence);
  }
}

TEST(PmmlRuleSet, WeightedSumAddsInDocumentOrderAcrossLongSums) {
  // Seventy rules of weight 0.1 for B: added one by one in document order
  // they make 6.999999999999991 (in two separate parts, 64 and 6, they would
  // make 6.999999999999993). A rule for A weighs exactly that: a tie, which
  // A (first in the Values) wins; one ulp less and B wins.
  const auto document = [](const std::string& a_weight) {
    std::vector<std::string> rules = {"<RuleSelectionMethod criterion=\"weightedSum\"/>",
                                      "<SimpleRule id=\"a\" score=\"A\" weight=\"" + a_weight +
                                          "\"><SimplePredicate field=\"x\" operator=\"greaterThan\" "
                                          "value=\"0\"/></SimpleRule>"};
    for (int i = 0; i < 70; ++i) {
      rules.push_back("<SimpleRule id=\"b" + std::to_string(i) + "\" score=\"B\" weight=\"0.1\"><SimplePredicate "
                      "field=\"x\" operator=\"greaterThan\" value=\"0\"/></SimpleRule>");
    }
    return RuleDoc("defaultScore=\"C\"", rules, "functionName=\"classification\"",
                   "<Output><OutputField name=\"conf\" feature=\"confidence\"/></Output>");
  };
  Result<Pipeline> tie = Import(document("6.999999999999991"));
  ASSERT_TRUE(tie.ok()) << tie.status().ToString();
  EXPECT_EQ(ScoreRow(*tie, {{"x", "1"}}).label, "A");
  EXPECT_EQ(Derived(*tie, {{"x", "1"}}, 0), 6.999999999999991 / 71);
  EXPECT_EQ(ScoreRow(*tie, {{"x", "-1"}}).label, "C");
  EXPECT_TRUE(std::isnan(Derived(*tie, {{"x", "-1"}}, 0)));  // no defaultConfidence
  Result<Pipeline> below = Import(document("6.99999999999999"));
  ASSERT_TRUE(below.ok()) << below.status().ToString();
  EXPECT_EQ(ScoreRow(*below, {{"x", "1"}}).label, "B");
  EXPECT_EQ(Derived(*below, {{"x", "1"}}, 0), 6.999999999999991 / 71);
}

TEST(PmmlRuleSet, EntityIdIsTheIdOfTheRuleThatGaveThePrediction) {
  const std::string output = "<Output><OutputField name=\"rule\" feature=\"entityId\"/></Output>";
  Result<Pipeline> first_hit =
      Import(RuleDoc("defaultScore=\"A\"", NestedRules(FirstHit()), "functionName=\"classification\"", output));
  ASSERT_TRUE(first_hit.ok()) << first_hit.status().ToString();
  ASSERT_EQ(first_hit->post.outputs.size(), 1u);
  EXPECT_EQ(first_hit->post.outputs[0].name, "rule");
  EXPECT_EQ(first_hit->post.outputs[0].categories, (std::vector<std::string>{"R1", "R2", "R3", "R4"}));
  EXPECT_EQ(Derived(*first_hit, {{"x", "7"}, {"s", "u"}}, 0), 0);  // R1 (R3 fires too)
  EXPECT_EQ(Derived(*first_hit, {{"x", "1"}, {"s", "u"}}, 0), 1);  // R2
  EXPECT_EQ(Derived(*first_hit, {{"x", "3"}, {"s", "u"}}, 0), 2);  // R3
  EXPECT_EQ(Derived(*first_hit, {{"x", "3"}, {"s", "v"}}, 0), 3);  // R4
  // No rule fires: the default score, which no rule gave.
  EXPECT_TRUE(std::isnan(Derived(*first_hit, {{"x", "3"}}, 0)));

  // weightedMax tries R4 (0.9), R2 (0.7), R1 (0.4), R3 (0.4).
  Result<Pipeline> weighted_max =
      Import(RuleDoc("defaultScore=\"A\"", NestedRules("<RuleSelectionMethod criterion=\"weightedMax\"/>"),
                     "functionName=\"classification\"", output));
  ASSERT_TRUE(weighted_max.ok()) << weighted_max.status().ToString();
  EXPECT_EQ(weighted_max->post.outputs[0].categories, (std::vector<std::string>{"R4", "R2", "R1", "R3"}));
  EXPECT_EQ(Derived(*weighted_max, {{"x", "7"}, {"s", "u"}}, 0), 2);  // R1 and R3 tie at 0.4: R1, the first
  EXPECT_EQ(Derived(*weighted_max, {{"x", "7"}, {"s", "v"}}, 0), 0);  // R1 and R4: R4
  EXPECT_EQ(Derived(*weighted_max, {{"x", "1"}, {"s", "u"}}, 0), 1);  // R2 and R3: R2
  EXPECT_TRUE(std::isnan(Derived(*weighted_max, {}, 0)));

  // A rule that always fires ends the chain: it is the last category.
  Result<Pipeline> closed = Import(RuleDoc(
      "", {FirstHit(), "<SimpleRule id=\"first\" score=\"B\"><SimplePredicate field=\"x\" operator=\"lessThan\" "
                       "value=\"0\"/></SimpleRule>",
           "<SimpleRule id=\"rest\" score=\"C\"><True/></SimpleRule>",
           "<SimpleRule id=\"unreached\" score=\"A\"><True/></SimpleRule>"},
      "functionName=\"classification\"", output));
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(closed->post.outputs[0].categories, (std::vector<std::string>{"first", "rest"}));
  EXPECT_EQ(Derived(*closed, {{"x", "-1"}}, 0), 0);
  EXPECT_EQ(Derived(*closed, {{"x", "1"}}, 0), 1);
  EXPECT_EQ(Derived(*closed, {}, 0), 1);
}

TEST(PmmlRuleSet, RefusalsNameElementAndLine) {
  struct Case {
    std::string document;
    StatusCode code;
    std::string fragment;
  };
  const std::string rule =
      "<SimpleRule score=\"B\"><SimplePredicate field=\"x\" operator=\"greaterThan\" value=\"1\"/></SimpleRule>";
  const std::vector<Case> cases = {
      {RuleDoc("defaultScore=\"A\"", {"<RuleSelectionMethod criterion=\"weightedSum\"/>", rule},
               "functionName=\"classification\"", "<Output><OutputField name=\"r\" feature=\"entityId\"/></Output>"),
       StatusCode::kUnimplemented, "<OutputField> (line 7): entityId under criterion weightedSum"},
      {RuleDoc("defaultScore=\"A\"", {"<RuleSelectionMethod criterion=\"weightedSum\"/>", rule},
               "functionName=\"classification\"",
               "<Output><OutputField name=\"p\" feature=\"probability\" value=\"B\"/></Output>"),
       StatusCode::kUnimplemented, "<OutputField> (line 7): a probability output of a weightedSum RuleSet"},
      {RuleDoc("defaultScore=\"A\"",
               {"<RuleSelectionMethod criterion=\"weightedSum\"/>",
                "<SimpleRule score=\"B\" weight=\"0\"><True/></SimpleRule>"}),
       StatusCode::kUnimplemented, "<SimpleRule> (line 10): a weight that is not positive under weightedSum"},
      {RuleDoc("defaultScore=\"A\"", {FirstHit(), rule}, "functionName=\"classification\"",
               "<Output><OutputField name=\"r\" feature=\"entityId\"/></Output>"),
       StatusCode::kUnimplemented, "<SimpleRule> (line 10): entityId of a rule without an id"},
      {RuleDoc("defaultScore=\"A\"",
               {FirstHit(), "<SimpleRule id=\"r\" score=\"B\"><SimplePredicate field=\"x\" operator=\"lessThan\" "
                            "value=\"0\"/></SimpleRule>",
                "<SimpleRule id=\"r\" score=\"C\"><True/></SimpleRule>"},
               "functionName=\"classification\"", "<Output><OutputField name=\"e\" feature=\"entityId\"/></Output>"),
       StatusCode::kInvalidArgument, "<SimpleRule> (line 11): the rule id 'r' is not unique"},
      {RuleDoc("defaultScore=\"A\"", {FirstHit(), rule}, "functionName=\"classification\"",
               "<Output><OutputField name=\"r\" feature=\"entityId\" rank=\"2\"/></Output>"),
       StatusCode::kUnimplemented, "<OutputField> (line 7): value or rank on a entityId output"},
      {RuleDoc("defaultScore=\"A\"", {"<RuleSelectionMethod criterion=\"best\"/>", rule}),
       StatusCode::kInvalidArgument, "<RuleSelectionMethod> (line 9): unknown criterion 'best'"},
      {RuleDoc("defaultScore=\"A\"", {rule}), StatusCode::kInvalidArgument,
       "<RuleSet> (line 8): missing RuleSelectionMethod"},
      {RuleDoc("", {FirstHit(), rule}), StatusCode::kUnimplemented,
       "<RuleSet> (line 8): no defaultScore, and no rule always fires"},
      {RuleDoc("defaultScore=\"Z\"", {FirstHit(), rule}), StatusCode::kInvalidArgument,
       "<RuleSet> (line 8): 'Z' is not a class of the target"},
      {RuleDoc("defaultScore=\"A\"",
               {FirstHit(), "<SimpleRule score=\"Q\"><SimplePredicate field=\"x\" operator=\"greaterThan\" "
                            "value=\"1\"/></SimpleRule>"}),
       StatusCode::kInvalidArgument, "<SimpleRule> (line 10): 'Q' is not a class of the target"},
      {RuleDoc("defaultScore=\"A\"", {FirstHit(), "<SimpleRule><True/></SimpleRule>"}), StatusCode::kInvalidArgument,
       "<SimpleRule> (line 10): missing attribute 'score'"},
      {RuleDoc("defaultScore=\"A\"", {FirstHit(), "<SimpleRule score=\"A\"/>"}), StatusCode::kInvalidArgument,
       "<SimpleRule> (line 10): a rule without a predicate"},
      {RuleDoc("defaultScore=\"A\"",
               {FirstHit(), "<SimpleRule score=\"A\"><True/><ScoreDistribution value=\"A\" recordCount=\"1\"/>"
                            "<ScoreDistribution value=\"B\" recordCount=\"3\"/></SimpleRule>"}),
       StatusCode::kUnimplemented,
       "<SimpleRule> (line 10): the score 'A' is not the most probable class of its ScoreDistribution"},
      {RuleDoc("defaultScore=\"A\"", {FirstHit(), rule}, "functionName=\"regression\""), StatusCode::kUnimplemented,
       "<RuleSetModel> (line 6): a RuleSetModel with functionName regression"},
      {RuleDoc("defaultScore=\"A\"", {FirstHit(), rule}, "functionName=\"classification\"",
               "<Output><OutputField name=\"c\" feature=\"confidence\"/></Output>"),
       StatusCode::kUnimplemented, "<OutputField> (line 7): output feature 'confidence' under criterion firstHit"},
      {RuleDoc("defaultScore=\"A\"", {FirstHit(), rule}, "functionName=\"classification\"",
               "<Output><OutputField name=\"r\" feature=\"ruleValue\" ruleFeature=\"ruleId\"/></Output>"),
       StatusCode::kUnimplemented, "<OutputField> (line 7): output feature 'ruleValue'"},
      {RuleDoc("defaultScore=\"A\"",
               {FirstHit(), "<SimpleRule score=\"A\" weight=\"heavy\"><True/></SimpleRule>"}),
       StatusCode::kInvalidArgument, "<SimpleRule> (line 10): weight is not a finite number"},
  };
  for (const Case& c : cases) ExpectError(Import(c.document), c.code, c.fragment);
}

}  // namespace
}  // namespace podium
