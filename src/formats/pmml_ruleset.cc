// RuleSetModel lowered to the IR (docs/formats/pmml.md, "RuleSetModel → tree
// ensemble with one tree").
//
// A rule fires when its predicate is TRUE; UNKNOWN (a comparison with a
// missing value) does not fire. A CompoundRule's predicate is ANDed with
// those of its nested rules, so the rules flatten, in document order, to
// SimpleRules whose conditions are conjunctions. Each flattened rule gets a
// 0/1 derived column "the rule fires" (0 when UNKNOWN, never missing), and
// the model is one tree: a chain of 0/1 tests, each leading to a leaf, with
// the RuleSet's defaultScore as the last leaf.
//   * firstHit: the rules in document order.
//   * weightedMax: the firing rule with the highest weight, the first in
//     document order among equal weights; that is firstHit over the rules
//     stably sorted by weight, highest first.
//   * weightedSum: the class whose firing rules' weights add up highest, the
//     first in the target's Value order among equal sums. Each class gets a
//     column of that sum and a 0/1 column "this class wins"; the chain tests
//     the classes in order, each leading to probability 1 for its class
//     (PMML defines no class probabilities for weightedSum).
// Leaves of firstHit and weightedMax hold the rule's ScoreDistribution
// probabilities (probability attributes, else recordCount / total), else
// probability 1 for its score: the convention of TreeModel leaves, with the
// same refusal of a score that is not the distribution's most probable class.
//
// OutputFields of the top-level model (not of a Segment's): `confidence`
// (weightedSum: the winning class's sum over the number of firing rules) and
// `entityId` (firstHit, weightedMax: the id of the rule that gave the
// prediction) become derived outputs.
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
// weightedSum: classes some rule predicts (each "wins" column compares the
// class's sum with every other's).
constexpr size_t kMaxSumClasses = 100;
// Terms per column of a weight sum (longer sums continue from the previous
// column, so the additions keep document order).
constexpr size_t kSumChunk = 64;
// Rules an entityId output chooses among (one generated if-chain).
constexpr size_t kMaxEntityRules = 200;

// One SimpleRule with the conjunction of its enclosing CompoundRules'
// predicates and its own, as a 0/1 column.
struct FlatRule {
  pugi::xml_node element;  // the SimpleRule
  std::string fires;       // column: 1 when the rule fires, else 0
  bool always = false;     // the condition is the constant true
  bool never = false;      // the condition is the constant false
  double weight = 1.0;
};

// One test of the tree's chain: a 0/1 column (empty: the test always holds)
// and the class probabilities of the leaf it leads to.
struct ChainLink {
  std::string column;
  std::vector<double> leaf;
};

class RuleSetLowering {
 public:
  RuleSetLowering(ModelBuilder& build, const pugi::xml_node& model, bool with_outputs)
      : build_(build), at_(build.at()), model_(model), with_outputs_(with_outputs) {}

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
  // firstHit and weightedMax: one link per rule in the order they are
  // tried, ending at the first rule that always fires; keeps those rules
  // in chain_ (entityId).
  Result<std::vector<ChainLink>> RuleChain(const std::string& criterion);
  // weightedSum: one link per class some rule predicts, "this class wins".
  Result<std::vector<ChainLink>> WeightedSumChain();
  // A column holding the sum of `terms` added left to right.
  std::string OrderedSum(const std::string& base, const std::vector<std::string>& terms);
  // The confidence and entityId OutputFields as derived outputs.
  Status AddOutputs(const std::string& criterion, const pugi::xml_node& rule_set);
  Result<DerivedOutput> EntityIdOutput(const pugi::xml_node& field) const;
  Result<DerivedOutput> ConfidenceOutput(const pugi::xml_node& field, const pugi::xml_node& rule_set) const;

  ModelBuilder& build_;
  const Locator& at_;
  pugi::xml_node model_;
  bool with_outputs_;
  std::vector<FlatRule> rules_;
  bool closed_ = false;             // some link always holds: the default is never reached
  std::vector<FlatRule> chain_;     // firstHit, weightedMax: the rules in chain order
  std::vector<std::string> sums_;   // weightedSum: the candidate classes' weight sums
  std::string firing_count_;        // weightedSum: the number of firing rules
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

Result<std::vector<ChainLink>> RuleSetLowering::RuleChain(const std::string& criterion) {
  for (FlatRule& rule : rules_) {
    if (!rule.never) chain_.push_back(std::move(rule));
  }
  if (criterion == "weightedMax") {
    // Highest weight first; equal weights keep document order.
    std::stable_sort(chain_.begin(), chain_.end(),
                     [](const FlatRule& a, const FlatRule& b) { return a.weight > b.weight; });
  }
  // The chain ends at the first rule that always fires.
  size_t used = 0;
  while (used < chain_.size() && !closed_) closed_ = chain_[used++].always;
  chain_.resize(used);
  std::vector<ChainLink> links;
  for (const FlatRule& rule : chain_) {
    ASSIGN_OR_RETURN(std::vector<double> leaf, RuleLeaf(rule.element));
    links.push_back(ChainLink{rule.fires, std::move(leaf)});
  }
  return links;
}

std::string RuleSetLowering::OrderedSum(const std::string& base, const std::vector<std::string>& terms) {
  std::string column;
  for (size_t begin = 0; begin < terms.size(); begin += kSumChunk) {
    std::string text = column.empty() ? std::string() : QuoteColumn(column);
    for (size_t i = begin; i < std::min(terms.size(), begin + kSumChunk); ++i) {
      text += (text.empty() ? "" : " + ") + terms[i];
    }
    column = build_.AddHelperColumn(base, text);
  }
  return column;
}

Result<std::vector<ChainLink>> RuleSetLowering::WeightedSumChain() {
  const std::vector<std::string>& classes = build_.pipeline().model.classes;
  // A firing rule's weight is w * fires (0 + w and w * 1 are exact), so the
  // sums add the firing rules' weights in document order.
  std::vector<std::vector<std::string>> terms(classes.size());
  std::vector<std::string> counted;
  size_t always = 0;
  for (const FlatRule& rule : rules_) {
    if (rule.never) continue;
    // A class whose firing rules weigh 0 in all would tie with the classes
    // of no firing rule, which the specification does not order.
    if (!(rule.weight > 0)) {
      return at_.Unsupported(rule.element, "a weight that is not positive under weightedSum (a class whose firing "
                                           "rules weigh 0 would tie with the classes no rule predicts)");
    }
    ASSIGN_OR_RETURN(const size_t k, ClassIndex(at_, rule.element, classes, *Attribute(rule.element, "score")));
    if (rule.always) {
      terms[k].push_back(NumberLiteral(rule.weight));
      ++always;
    } else {
      terms[k].push_back(NumberLiteral(rule.weight) + " * " + QuoteColumn(rule.fires));
      counted.push_back(QuoteColumn(rule.fires));
    }
  }
  closed_ = always > 0;
  std::vector<size_t> candidates;
  for (size_t k = 0; k < classes.size(); ++k) {
    if (!terms[k].empty()) candidates.push_back(k);
  }
  if (candidates.size() > kMaxSumClasses) {
    return ResourceExhaustedError(at_.Where(model_) + ": weightedSum over rules predicting more than " +
                                  std::to_string(kMaxSumClasses) + " classes");
  }
  if (always > 0) counted.insert(counted.begin(), std::to_string(always));
  firing_count_ = counted.empty() ? std::string("0") : OrderedSum("firing rules", counted);
  for (const size_t k : candidates) sums_.push_back(OrderedSum("weight sum " + classes[k], terms[k]));
  // Class k wins when some rule fires, its sum beats every earlier class's
  // and is at least every later class's: the first of the highest sums.
  std::vector<ChainLink> links;
  for (size_t c = 0; c < candidates.size(); ++c) {
    std::vector<double> leaf(classes.size(), 0.0);
    leaf[candidates[c]] = 1.0;
    if (closed_ && c + 1 == candidates.size()) {
      links.push_back(ChainLink{"", std::move(leaf)});  // some rule fires, and no earlier class won
      break;
    }
    std::string wins = QuoteColumn(firing_count_) + " > 0";
    for (size_t other = 0; other < candidates.size(); ++other) {
      if (other == c) continue;
      wins += " and " + QuoteColumn(sums_[c]) + (other < c ? " > " : " >= ") + QuoteColumn(sums_[other]);
    }
    const std::string column =
        build_.AddHelperColumn("weightedSum " + classes[candidates[c]] + " wins", "(if " + wins + " then 1 else 0)");
    links.push_back(ChainLink{column, std::move(leaf)});
  }
  return links;
}

Result<DerivedOutput> RuleSetLowering::EntityIdOutput(const pugi::xml_node& field) const {
  DerivedOutput output;
  output.name = *Attribute(field, "name");
  if (chain_.size() > kMaxEntityRules) {
    return at_.Unsupported(field, "entityId over more than " + std::to_string(kMaxEntityRules) + " rules");
  }
  // The rule that gave the prediction is the chain's first firing rule;
  // none fires: the default score, which no rule gave (missing).
  std::string text;
  for (const FlatRule& rule : chain_) {
    const std::optional<std::string> id = Attribute(rule.element, "id");
    if (!id || id->empty()) {
      return at_.Unsupported(rule.element, "entityId of a rule without an id (the output is the rule's id)");
    }
    if (std::find(output.categories.begin(), output.categories.end(), *id) != output.categories.end()) {
      return at_.Invalid(rule.element, "the rule id " + QuoteString(*id) + " is not unique");
    }
    const std::string position = std::to_string(output.categories.size());
    output.categories.push_back(*id);
    if (rule.always) {
      text += position;
      break;
    }
    text += "if " + QuoteColumn(rule.fires) + " == 1 then " + position + " else ";
  }
  if (!closed_) text += "-1";
  output.expression = "(" + text + ")";
  if (output.categories.empty()) return at_.Unsupported(field, "entityId of a RuleSet where no rule can fire");
  return output;
}

Result<DerivedOutput> RuleSetLowering::ConfidenceOutput(const pugi::xml_node& field,
                                                        const pugi::xml_node& rule_set) const {
  // No rule fires: the RuleSet's defaultConfidence (none given: missing).
  std::string fallback = "(0 / 0)";
  if (Attribute(rule_set, "defaultConfidence")) {
    ASSIGN_OR_RETURN(const double value, NumberAttribute(at_, rule_set, "defaultConfidence", 0.0));
    fallback = NumberLiteral(value);
  }
  DerivedOutput output;
  output.name = *Attribute(field, "name");
  if (sums_.empty()) {
    output.expression = fallback;
    return output;
  }
  // The winner's sum is the highest sum.
  std::string highest;
  for (const std::string& sum : sums_) highest += (highest.empty() ? "" : ", ") + QuoteColumn(sum);
  output.expression = "(if " + QuoteColumn(firing_count_) + " > 0 then max(" + highest + ") / " +
                      QuoteColumn(firing_count_) + " else " + fallback + ")";
  return output;
}

Status RuleSetLowering::AddOutputs(const std::string& criterion, const pugi::xml_node& rule_set) {
  const pugi::xml_node output = FirstChild(model_, "Output");
  if (!output) return Status::Ok();
  for (const pugi::xml_node& field : Children(output, "OutputField")) {
    const std::string feature = Attribute(field, "feature").value_or("predictedValue");
    if (feature == "probability" && criterion == "weightedSum") {
      return at_.Unsupported(field, "a probability output of a weightedSum RuleSet (PMML defines no class "
                                    "probabilities for it; its confidence is an output of its own)");
    }
    if (!IsRuleSetOutput(feature)) continue;  // read by the importer's Output check
    if (!Attribute(field, "name")) return at_.Invalid(field, "missing attribute 'name'");
    if (FirstChild(field, "Apply") || FirstChild(field, "FieldRef") || FirstChild(field, "Constant")) {
      return at_.Unsupported(field, "an OutputField computed by an expression");
    }
    if (Attribute(field, "value") || Attribute(field, "rank").value_or("1") != "1") {
      return at_.Unsupported(field, "value or rank on a " + feature + " output (the prediction's own is supported)");
    }
    if (feature == "confidence") {
      if (criterion != "weightedSum") {
        return at_.Unsupported(field, "output feature 'confidence' under criterion " + criterion +
                                          " (supported under weightedSum)");
      }
      ASSIGN_OR_RETURN(DerivedOutput derived, ConfidenceOutput(field, rule_set));
      build_.pipeline().post.outputs.push_back(std::move(derived));
      continue;
    }
    if (criterion == "weightedSum") {
      return at_.Unsupported(field, "entityId under criterion weightedSum (the prediction is a sum over "
                                    "rules, no one rule gives it)");
    }
    ASSIGN_OR_RETURN(DerivedOutput derived, EntityIdOutput(field));
    build_.pipeline().post.outputs.push_back(std::move(derived));
  }
  return Status::Ok();
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
  if (criterion != "firstHit" && criterion != "weightedMax" && criterion != "weightedSum") {
    return at_.Invalid(method, "unknown criterion " + QuoteString(criterion) +
                                   " (firstHit, weightedSum or weightedMax)");
  }
  ASSIGN_OR_RETURN(const double default_confidence, NumberAttribute(at_, rule_set, "defaultConfidence", 0.0));
  (void)default_confidence;  // checked here; used by a confidence output
  RETURN_IF_ERROR(Flatten(rule_set, ""));
  std::vector<ChainLink> links;
  if (criterion == "weightedSum") {
    ASSIGN_OR_RETURN(links, WeightedSumChain());
  } else {
    ASSIGN_OR_RETURN(links, RuleChain(criterion));
  }

  std::vector<double> fallback;
  if (!closed_) {
    const std::optional<std::string> default_score = Attribute(rule_set, "defaultScore");
    if (!default_score) {
      return at_.Unsupported(rule_set, "no defaultScore, and no rule always fires: when none fires PMML gives no "
                                       "prediction, which the IR's trees cannot return");
    }
    ASSIGN_OR_RETURN(const size_t k, ClassIndex(at_, rule_set, classes, *default_score));
    fallback.assign(classes.size(), 0.0);
    fallback[k] = 1.0;
  }

  // Node 2i tests link i (right when its column is 1, to its leaf 2i + 1),
  // left to node 2i + 2; a link that always holds is a leaf; the default
  // leaf ends the chain.
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
  for (const ChainLink& link : links) {
    if (link.column.empty()) {
      const int32_t node = add_node(-1, link.leaf);
      if (pending_left >= 0) tree.left[static_cast<size_t>(pending_left)] = node;
      pending_left = -1;
      break;
    }
    const int32_t test = add_node(build_.FeatureIndex(link.column), {});
    if (pending_left >= 0) tree.left[static_cast<size_t>(pending_left)] = test;
    const int32_t fired = add_node(-1, link.leaf);
    tree.right[static_cast<size_t>(test)] = fired;
    pending_left = test;
  }
  if (!closed_) {
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
  if (with_outputs_) RETURN_IF_ERROR(AddOutputs(criterion, rule_set));
  return Status::Ok();
}

}  // namespace

bool IsRuleSetOutput(std::string_view feature) { return feature == "confidence" || feature == "entityId"; }

Status LowerRuleSet(ModelBuilder& build, const pugi::xml_node& model, bool with_outputs) {
  RuleSetLowering lowering(build, model, with_outputs);
  return lowering.Run();
}

}  // namespace podium::pmml_internal
