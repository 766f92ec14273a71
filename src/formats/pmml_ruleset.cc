// RuleSetModel lowered to the IR (docs/formats/pmml.md, "RuleSetModel → tree
// ensemble with one tree").
//
// A rule fires when its predicate is TRUE; UNKNOWN (a comparison with a
// missing value) does not fire. A CompoundRule's predicate is ANDed with
// those of its nested rules, so the rules flatten, in document order, to
// SimpleRules whose conditions are conjunctions. Each flattened rule gets a
// 0/1 derived column "the rule fires" (0 when UNKNOWN, never missing), and
// the model is one tree: a chain that tests the rules in order and ends in a
// leaf per rule, with the RuleSet's defaultScore as the last leaf.
//   * firstHit: the chain in document order.
//   * weightedMax: the firing rule with the highest weight, the first in
//     document order among equal weights; that is firstHit over the rules
//     stably sorted by weight, highest first.
//   * weightedSum: refused (its result, a sum of weights over the number of
//     firing rules, is not a class probability).
// Leaves hold the rule's ScoreDistribution probabilities (probability
// attributes, else recordCount / total), else probability 1 for its score:
// the convention of TreeModel leaves, with the same refusal of a score that
// is not the distribution's most probable class.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Flattened rules in one model (each is a derived column and two tree nodes).
constexpr size_t kMaxRules = 100'000;

// One SimpleRule with the conjunction of its enclosing CompoundRules'
// predicates and its own, as a 0/1 column.
struct FlatRule {
  pugi::xml_node element;  // the SimpleRule
  std::string fires;       // column: 1 when the rule fires, else 0
  bool always = false;     // the condition is the constant true
  bool never = false;      // the condition is the constant false
  double weight = 1.0;
};

class RuleSetLowering {
 public:
  RuleSetLowering(ModelBuilder& build, const pugi::xml_node& model) : build_(build), at_(build.at()), model_(model) {}

  Status Run();

 private:
  // Flattens the rules under `parent` (a RuleSet or a CompoundRule) whose
  // enclosing conditions hold exactly when column `enclosing` is 1 (empty:
  // no enclosing condition).
  Status Flatten(const pugi::xml_node& parent, const std::string& enclosing);
  // "condition holds" as a 0/1 column, ANDed with `enclosing`; the constants
  // true and false come back as "true" / "false".
  Result<std::string> FiresColumn(const pugi::xml_node& rule, const std::string& enclosing);
  // The leaf values of a SimpleRule: its class probabilities.
  Result<std::vector<double>> RuleLeaf(const pugi::xml_node& rule) const;

  ModelBuilder& build_;
  const Locator& at_;
  pugi::xml_node model_;
  std::vector<FlatRule> rules_;
};

Result<std::string> RuleSetLowering::FiresColumn(const pugi::xml_node& rule, const std::string& enclosing) {
  const pugi::xml_node predicate = PredicateOf(rule);
  if (!predicate) return at_.Invalid(rule, "a rule without a predicate");
  ASSIGN_OR_RETURN(const std::string condition, PredicateText(at_, build_.scope(), predicate));
  if (condition == "false" || enclosing == "false") return std::string("false");
  if (condition == "true" && (enclosing.empty() || enclosing == "true")) return std::string("true");
  if (condition == "true") return enclosing;
  // `if` takes the else branch on a missing (UNKNOWN) condition: the rule
  // does not fire. The enclosing column is never missing.
  std::string test = "(" + condition + ")";
  if (!enclosing.empty() && enclosing != "true") test = QuoteColumn(enclosing) + " == 1 and " + test;
  const std::string base = Attribute(rule, "id").value_or(std::string(LocalName(rule))) + " fires";
  return build_.AddHelperColumn(base, "(if " + test + " then 1 else 0)");
}

Status RuleSetLowering::Flatten(const pugi::xml_node& parent, const std::string& enclosing) {
  for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = LocalName(child);
    if (name != "SimpleRule" && name != "CompoundRule") continue;
    if (rules_.size() >= kMaxRules) {
      return ResourceExhaustedError(at_.Where(child) + ": more than " + std::to_string(kMaxRules) + " rules");
    }
    ASSIGN_OR_RETURN(const std::string fires, FiresColumn(child, enclosing));
    if (name == "CompoundRule") {
      // The document's nesting limit bounds the recursion.
      RETURN_IF_ERROR(Flatten(child, fires));
      continue;
    }
    if (!Attribute(child, "score")) return at_.Invalid(child, "missing attribute 'score'");
    FlatRule rule;
    rule.element = child;
    rule.always = fires == "true";
    rule.never = fires == "false";
    if (!rule.always && !rule.never) rule.fires = fires;
    ASSIGN_OR_RETURN(rule.weight, NumberAttribute(at_, child, "weight", 1.0));
    for (const char* attribute : {"confidence", "recordCount", "nbCorrect"}) {
      ASSIGN_OR_RETURN(const double value, NumberAttribute(at_, child, attribute, 0.0));
      (void)value;  // checked only: the IR has no output for them
    }
    rules_.push_back(std::move(rule));
  }
  return Status::Ok();
}

Result<std::vector<double>> RuleSetLowering::RuleLeaf(const pugi::xml_node& rule) const {
  const size_t width = build_.pipeline().model.classes.size();
  const std::string score = Attribute(rule, "score").value_or("");
  ASSIGN_OR_RETURN(const size_t scored, ClassIndex(at_, rule, build_.pipeline().model.classes, score));
  std::vector<double> values(width, 0.0);
  const std::vector<pugi::xml_node> distribution = Children(rule, "ScoreDistribution");
  if (distribution.empty()) {
    values[scored] = 1.0;
    return values;
  }
  // The IR's label follows the probabilities, PMML's is the rule's score:
  // they must agree.
  return DistributionProbabilities(at_, rule, distribution, build_.pipeline().model.classes, score);
}

Status RuleSetLowering::Run() {
  Pipeline& pipeline = build_.pipeline();
  const std::vector<std::string>& classes = pipeline.model.classes;
  if (classes.size() < 2) {
    return at_.Unsupported(model_, "a RuleSetModel needs the target's classes listed as Value elements");
  }
  const pugi::xml_node rule_set = FirstChild(model_, "RuleSet");
  if (!rule_set) return at_.Invalid(model_, "missing RuleSet");
  // The first RuleSelectionMethod is the one to score with; the others are
  // alternatives an application may choose.
  const pugi::xml_node method = FirstChild(rule_set, "RuleSelectionMethod");
  if (!method) return at_.Invalid(rule_set, "missing RuleSelectionMethod");
  const std::string criterion = Attribute(method, "criterion").value_or("");
  if (criterion == "weightedSum") {
    return at_.Unsupported(method, "criterion weightedSum: its result is the winning class's summed weights over the "
                                   "number of firing rules, which is not a class probability the IR's classifiers "
                                   "could output");
  }
  if (criterion != "firstHit" && criterion != "weightedMax") {
    return at_.Invalid(method, "unknown criterion " + QuoteString(criterion) +
                                   " (firstHit, weightedSum or weightedMax)");
  }
  ASSIGN_OR_RETURN(const double default_confidence, NumberAttribute(at_, rule_set, "defaultConfidence", 0.0));
  (void)default_confidence;  // checked only: the IR has no confidence output
  RETURN_IF_ERROR(Flatten(rule_set, ""));
  std::vector<FlatRule> order;
  for (FlatRule& rule : rules_) {
    if (!rule.never) order.push_back(std::move(rule));
  }
  if (criterion == "weightedMax") {
    // Highest weight first; equal weights keep document order.
    std::stable_sort(order.begin(), order.end(),
                     [](const FlatRule& a, const FlatRule& b) { return a.weight > b.weight; });
  }
  // The chain ends at the first rule that always fires.
  size_t used = 0;
  bool closed = false;
  while (used < order.size() && !closed) closed = order[used++].always;

  std::vector<double> fallback;
  if (!closed) {
    const std::optional<std::string> default_score = Attribute(rule_set, "defaultScore");
    if (!default_score) {
      return at_.Unsupported(rule_set, "no defaultScore, and no rule always fires: when none fires PMML gives no "
                                       "prediction, which the IR's trees cannot return");
    }
    ASSIGN_OR_RETURN(const size_t k, ClassIndex(at_, rule_set, classes, *default_score));
    fallback.assign(classes.size(), 0.0);
    fallback[k] = 1.0;
  }

  // Node 2i tests rule i (right when it fires, to its leaf 2i + 1), left to
  // node 2i + 2; a rule that always fires is a leaf; the default leaf ends
  // the chain.
  const int32_t width = static_cast<int32_t>(classes.size());
  Tree tree;
  tree.leaf_width = width;
  tree.output = 0;
  auto add_node = [&](int32_t feature, const std::vector<double>& leaf) {
    tree.feature.push_back(feature);
    tree.threshold.push_back(feature < 0 ? 0.0 : 0.5);
    tree.left.push_back(-1);
    tree.right.push_back(-1);
    tree.default_left.push_back(1);
    if (leaf.empty()) {
      tree.leaf_values.insert(tree.leaf_values.end(), static_cast<size_t>(width), 0.0);
    } else {
      tree.leaf_values.insert(tree.leaf_values.end(), leaf.begin(), leaf.end());
    }
    return static_cast<int32_t>(tree.feature.size() - 1);
  };
  int32_t pending_left = -1;  // the test node whose left child comes next
  for (size_t i = 0; i < used; ++i) {
    const FlatRule& rule = order[i];
    ASSIGN_OR_RETURN(const std::vector<double> leaf, RuleLeaf(rule.element));
    if (rule.always) {
      const int32_t node = add_node(-1, leaf);
      if (pending_left >= 0) tree.left[static_cast<size_t>(pending_left)] = node;
      pending_left = -1;
      break;
    }
    const int32_t test = add_node(build_.FeatureIndex(rule.fires), {});
    if (pending_left >= 0) tree.left[static_cast<size_t>(pending_left)] = test;
    const int32_t fired = add_node(-1, leaf);
    tree.right[static_cast<size_t>(test)] = fired;
    pending_left = test;
  }
  if (!closed) {
    const int32_t node = add_node(-1, fallback);
    if (pending_left >= 0) tree.left[static_cast<size_t>(pending_left)] = node;
  }

  TreeEnsembleModel ensemble;
  ensemble.num_outputs = width;
  ensemble.base_score.assign(static_cast<size_t>(width), 0.0);
  ensemble.output_transform = OutputTransform::kIdentity;
  // One tree: the average is the tree's own probability vector, and how
  // PMML writes a forest of distributions (formats/pmml_export.h).
  ensemble.aggregation = Aggregation::kAverage;
  ensemble.trees.push_back(std::move(tree));
  pipeline.model.task = Task::kClassification;
  pipeline.model.body = std::move(ensemble);
  return Status::Ok();
}

}  // namespace

Status LowerRuleSet(ModelBuilder& build, const pugi::xml_node& model) {
  RuleSetLowering lowering(build, model);
  return lowering.Run();
}

}  // namespace podium::pmml_internal
