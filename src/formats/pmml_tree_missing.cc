// TreeModels lowered to expression columns (docs/formats/pmml.md, "TreeModel → tree ensemble
// with one tree", missing values): PMML's weightedConfidence and aggregateNodes follow several
// children of a node at once, and a null prediction (nullPrediction, returnNullPrediction)
// gives no value; the IR's trees do neither. Here every Node becomes columns over 0/1 and
// boolean helper columns: a Node's predicate (true, false, or missing for UNKNOWN), and per
// output the Node's value, so that no expression nests deeper than one Node's children.
// Missing values follow the IR's semantics (docs/formats/pipeline.md, "Values"): a missing
// value stands for "no prediction" and makes every sum it enters missing.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// The expression language has no missing literal; 0 / 0 is missing by its rules.
constexpr std::string_view kMissing = "(0 / 0)";
// Nodes of one tree lowered here, and value columns (internal Nodes x outputs): each is a
// derived column of the pipeline.
constexpr size_t kMaxNodes = 5'000;
constexpr size_t kMaxValueColumns = 50'000;
// Links of one generated chain or sum: each nests a level or two, and the language nests
// at most 256; longer ones continue in a column of their own.
constexpr size_t kChunk = 32;

enum class Strategy { kNone, kDefaultChild, kLastPrediction, kNullPrediction, kWeightedConfidence, kAggregateNodes };

std::string Col(const std::string& column) { return QuoteColumn(column); }

// A Node: its predicate as an expression (a literal, or a boolean column that is missing
// exactly when PMML's predicate is UNKNOWN) and its children.
struct TreeNode {
  pugi::xml_node element;
  std::string id;         // for column names and errors
  std::string predicate;  // "true", "false" or a quoted column
  std::vector<TreeNode> children;
};

class TreeColumns {
 public:
  TreeColumns(ModelBuilder& build, const pugi::xml_node& model, const std::vector<std::string>& classes,
              Strategy strategy, bool return_last)
      : build_(build),
        at_(build.at()),
        model_(model),
        classes_(classes),
        outputs_(classes.empty() ? 1 : classes.size()),
        strategy_(strategy),
        return_last_(return_last),
        base_(Attribute(model, "modelName").value_or("TreeModel")) {}

  Result<std::vector<std::string>> Run(const pugi::xml_node& root_element);

 private:
  bool classification() const { return !classes_.empty(); }
  bool follows_several() const {
    return strategy_ == Strategy::kWeightedConfidence || strategy_ == Strategy::kAggregateNodes;
  }
  Result<TreeNode> Parse(const pugi::xml_node& element, size_t& count, size_t& internal);
  // Under missingValueStrategy none, a comparison with a missing value is FALSE.
  Result<std::string> NonePredicate(const pugi::xml_node& predicate);
  Result<std::vector<std::string>> Leaf(const TreeNode& node, const std::string& why);
  Result<std::vector<std::string>> Value(const TreeNode& node);
  Result<std::vector<std::string>> NoTrueChild(const TreeNode& node);
  Result<std::vector<std::string>> FirstTrueChild(const TreeNode& node);
  Result<std::vector<std::string>> SeveralChildren(const TreeNode& node);
  Result<double> RecordCount(const pugi::xml_node& element);
  // A 0/1 number column named after the node.
  std::string Indicator(const TreeNode& node, const std::string& what, const std::string& text) {
    return Col(build_.AddHelperColumn(base_ + " node " + node.id + " " + what, text));
  }
  // The sum of `terms` (0 when empty), every kChunk terms a partial-sum column.
  std::string Sum(const std::string& name, std::vector<std::string> terms);

  ModelBuilder& build_;
  const Locator& at_;
  const pugi::xml_node model_;
  const std::vector<std::string>& classes_;
  const size_t outputs_;
  const Strategy strategy_;
  const bool return_last_;
  const std::string base_;
};

std::string TreeColumns::Sum(const std::string& name, std::vector<std::string> terms) {
  if (terms.empty()) return "0";
  while (terms.size() > kChunk) {
    std::vector<std::string> partial;
    for (size_t i = 0; i < terms.size(); i += kChunk) {
      std::string text;
      for (size_t j = i; j < std::min(terms.size(), i + kChunk); ++j) text += (j == i ? "" : " + ") + terms[j];
      partial.push_back(Col(build_.AddHelperColumn(name + " partial", text)));
    }
    terms = std::move(partial);
  }
  std::string text;
  for (size_t j = 0; j < terms.size(); ++j) text += (j == 0 ? "" : " + ") + terms[j];
  return "(" + text + ")";
}

Result<std::string> TreeColumns::NonePredicate(const pugi::xml_node& predicate) {
  const std::string_view kind = LocalName(predicate);
  if (kind != "CompoundPredicate") {
    ASSIGN_OR_RETURN(const std::string text, PredicateText(at_, build_.scope(), predicate));
    if (text == "true" || text == "false") return text;
    return "coalesce(" + text + ", false)";
  }
  // The parts are never UNKNOWN now, so PredicateText's spelling of the operator is exact.
  const std::string op = Attribute(predicate, "booleanOperator").value_or("");
  std::vector<std::string> parts;
  for (const pugi::xml_node& child : ElementChildren(predicate)) {
    ASSIGN_OR_RETURN(std::string part, NonePredicate(child));
    parts.push_back(std::move(part));
  }
  if (parts.size() < 2) return at_.Invalid(predicate, "a CompoundPredicate needs at least two predicates");
  std::string text = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    if (op == "and" || op == "or") {
      text += " " + op + " " + parts[i];
    } else if (op == "xor") {
      text = "(" + text + " != " + parts[i] + ")";
    } else if (op == "surrogate") {
      break;  // the first part is never UNKNOWN, so it decides
    } else {
      return at_.Invalid(predicate, "unknown booleanOperator " + QuoteString(op));
    }
  }
  return "(" + text + ")";
}

Result<TreeNode> TreeColumns::Parse(const pugi::xml_node& element, size_t& count, size_t& internal) {
  if (++count > kMaxNodes) {
    return at_.Unsupported(model_, "more than " + std::to_string(kMaxNodes) +
                                       " Nodes in a TreeModel lowered to expressions (its missing values "
                                       "follow several children or give no prediction)");
  }
  TreeNode node;
  node.element = element;
  node.id = Attribute(element, "id").value_or(std::to_string(count));
  const pugi::xml_node predicate = PredicateOf(element);
  if (!predicate) return at_.Invalid(element, "a Node without a predicate");
  std::string text;
  if (strategy_ == Strategy::kNone) {
    ASSIGN_OR_RETURN(text, NonePredicate(predicate));
  } else {
    ASSIGN_OR_RETURN(text, PredicateText(at_, build_.scope(), predicate));
  }
  node.predicate = text == "true" || text == "false"
                       ? text
                       : Col(build_.AddHelperColumn(base_ + " node " + node.id + " predicate", text));
  if (FirstChild(element, "Regression") || FirstChild(element, "DecisionTree")) {
    return at_.Unsupported(element, "a model embedded in a Node");
  }
  const std::vector<pugi::xml_node> children = Children(element, "Node");
  if (!children.empty() && ++internal * outputs_ > kMaxValueColumns) {
    return at_.Unsupported(model_, "more than " + std::to_string(kMaxValueColumns) +
                                       " value columns (Nodes with children x outputs) in a TreeModel lowered "
                                       "to expressions");
  }
  for (const pugi::xml_node& child : children) {
    ASSIGN_OR_RETURN(TreeNode parsed, Parse(child, count, internal));
    node.children.push_back(std::move(parsed));
  }
  return node;
}

Result<double> TreeColumns::RecordCount(const pugi::xml_node& element) {
  if (!Attribute(element, "recordCount")) {
    return at_.Invalid(element, "missingValueStrategy weightedConfidence weighs a Node by its recordCount, which "
                                "is missing");
  }
  ASSIGN_OR_RETURN(const double count, NumberAttribute(at_, element, "recordCount", std::nullopt));
  if (count < 0) return at_.Invalid(element, "a negative recordCount");
  return count;
}

// A Node's own prediction: its score (regression); its aggregated recordCounts
// (aggregateNodes); else its class probabilities.
Result<std::vector<std::string>> TreeColumns::Leaf(const TreeNode& node, const std::string& why) {
  const std::optional<std::string> score = Attribute(node.element, "score");
  if (!classification()) {
    if (!score) return at_.Unsupported(node.element, "no score for " + why);
    const std::optional<double> value = ParseDouble(*score);
    if (!value) return at_.Invalid(node.element, "score " + QuoteString(*score) + " is not a number");
    return std::vector<std::string>{NumberLiteral(*value)};
  }
  const std::vector<pugi::xml_node> distribution = Children(node.element, "ScoreDistribution");
  std::vector<double> values(outputs_, 0.0);
  if (strategy_ == Strategy::kAggregateNodes) {
    // "the recordCount attribute values are accumulated": the counts themselves.
    if (distribution.empty()) {
      return at_.Unsupported(node.element, "missingValueStrategy aggregateNodes sums the ScoreDistribution "
                                           "recordCounts of the Nodes reached, and this Node has none");
    }
    for (const pugi::xml_node& entry : distribution) {
      ASSIGN_OR_RETURN(const size_t k, ClassIndex(at_, entry, classes_, Attribute(entry, "value").value_or("")));
      ASSIGN_OR_RETURN(const double count, NumberAttribute(at_, entry, "recordCount", std::nullopt));
      if (count < 0) return at_.Invalid(entry, "a negative recordCount");
      values[k] += count;
    }
  } else if (distribution.empty()) {
    if (!score) return at_.Unsupported(node.element, "no score for " + why);
    ASSIGN_OR_RETURN(const size_t k, ClassIndex(at_, node.element, classes_, *score));
    values[k] = 1.0;
  } else {
    ASSIGN_OR_RETURN(values, DistributionProbabilities(at_, node.element, distribution, classes_, score));
    if (strategy_ == Strategy::kWeightedConfidence) {
      // Podium's probabilities and label come from one vector: the confidences PMML
      // weighs must be those probabilities.
      for (const pugi::xml_node& entry : distribution) {
        if (!Attribute(entry, "confidence")) continue;
        ASSIGN_OR_RETURN(const size_t k, ClassIndex(at_, entry, classes_, Attribute(entry, "value").value_or("")));
        ASSIGN_OR_RETURN(const double confidence, NumberAttribute(at_, entry, "confidence", std::nullopt));
        if (std::abs(confidence - values[k]) > 1e-12) {
          return at_.Unsupported(entry, "a confidence that differs from the class probability (Podium weighs "
                                        "the probabilities, from which its label follows)");
        }
      }
    }
  }
  std::vector<std::string> out;
  for (const double value : values) out.push_back(NumberLiteral(value));
  return out;
}

Result<std::vector<std::string>> TreeColumns::NoTrueChild(const TreeNode& node) {
  if (return_last_) return Leaf(node, "noTrueChildStrategy returnLastPrediction");
  return std::vector<std::string>(outputs_, std::string(kMissing));
}

Result<std::vector<std::string>> TreeColumns::Value(const TreeNode& node) {
  if (node.children.empty()) return Leaf(node, "a leaf");
  ASSIGN_OR_RETURN(std::vector<std::string> texts,
                   follows_several() ? SeveralChildren(node) : FirstTrueChild(node));
  std::vector<std::string> columns;
  for (size_t k = 0; k < outputs_; ++k) {
    const std::string what = classification() ? " value " + classes_[k] : " value";
    columns.push_back(Col(build_.AddHelperColumn(base_ + " node " + node.id + what, texts[k])));
  }
  return columns;
}

// PMML's first child whose predicate is TRUE, with none, defaultChild, lastPrediction or
// nullPrediction for an UNKNOWN one: a chain of ifs, continued in a column every kChunk links.
Result<std::vector<std::string>> TreeColumns::FirstTrueChild(const TreeNode& node) {
  std::vector<std::vector<std::string>> values;
  for (const TreeNode& child : node.children) {
    ASSIGN_OR_RETURN(std::vector<std::string> value, Value(child));
    values.push_back(std::move(value));
  }
  std::vector<std::string> unknown(outputs_, std::string(kMissing));  // nullPrediction
  if (strategy_ == Strategy::kLastPrediction) {
    ASSIGN_OR_RETURN(unknown, Leaf(node, "missingValueStrategy lastPrediction"));
  } else if (strategy_ == Strategy::kDefaultChild) {
    const std::optional<std::string> id = Attribute(node.element, "defaultChild");
    if (!id) return at_.Unsupported(node.element, "missingValueStrategy defaultChild, but the node has no defaultChild");
    const auto it = std::find_if(node.children.begin(), node.children.end(),
                                 [&](const TreeNode& child) { return Attribute(child.element, "id") == id; });
    if (it == node.children.end()) {
      return at_.Invalid(node.element, "defaultChild " + QuoteString(*id) + " is not a child of the node");
    }
    unknown = values[static_cast<size_t>(it - node.children.begin())];
  }
  ASSIGN_OR_RETURN(std::vector<std::string> rest, NoTrueChild(node));
  for (size_t i = node.children.size(); i-- > 0;) {
    const std::string& p = node.children[i].predicate;
    for (size_t k = 0; k < outputs_; ++k) {
      if (p == "true") {
        rest[k] = values[i][k];
      } else if (p != "false") {
        const std::string if_unknown =
            strategy_ == Strategy::kNone ? "" : " else if is_missing(" + p + ") then " + unknown[k];
        rest[k] = "(if " + p + " then " + values[i][k] + if_unknown + " else " + rest[k] + ")";
      }
      if (i > 0 && (node.children.size() - i) % kChunk == 0) {
        rest[k] = Col(build_.AddHelperColumn(base_ + " node " + node.id + " rest", rest[k]));
      }
    }
  }
  return rest;
}

// weightedConfidence and aggregateNodes: the children a record follows, per class.
Result<std::vector<std::string>> TreeColumns::SeveralChildren(const TreeNode& node) {
  const size_t m = node.children.size();
  std::vector<std::vector<std::string>> values;
  for (const TreeNode& child : node.children) {
    ASSIGN_OR_RETURN(std::vector<std::string> value, Value(child));
    values.push_back(std::move(value));
  }
  // 0/1 texts, never missing: the child's predicate is TRUE / not FALSE.
  std::vector<std::string> is_true;
  std::vector<std::string> not_false;
  for (const TreeNode& child : node.children) {
    is_true.push_back("(if coalesce(" + child.predicate + ", false) then 1 else 0)");
    not_false.push_back("(if coalesce(" + child.predicate + ", true) then 1 else 0)");
  }
  // Every child FALSE: noTrueChildStrategy decides.
  const std::string any_not_false =
      Indicator(node, "any child not false", "min(1, " + Sum(base_ + " node " + node.id, not_false) + ")");
  ASSIGN_OR_RETURN(const std::vector<std::string> no_true_child, NoTrueChild(node));
  std::vector<std::string> out(outputs_);
  if (strategy_ == Strategy::kAggregateNodes) {
    // A child is followed when no child before it is TRUE and it is not FALSE: UNKNOWN
    // children are followed and the scan goes on; the first TRUE one ends it.
    std::vector<std::string> followed;
    std::string none_true_before = "1";
    for (size_t i = 0; i < m; ++i) {
      followed.push_back(Indicator(node, "follows " + node.children[i].id, none_true_before + " * " + not_false[i]));
      if (i + 1 < m) {
        none_true_before = Indicator(node, "none true before " + node.children[i + 1].id,
                                     none_true_before + " * (1 - " + is_true[i] + ")");
      }
    }
    for (size_t k = 0; k < outputs_; ++k) {
      std::vector<std::string> terms;
      for (size_t i = 0; i < m; ++i) terms.push_back("(if " + followed[i] + " == 1 then " + values[i][k] + " else 0)");
      out[k] = "if " + any_not_false + " == 0 then " + no_true_child[k] + " else " +
               Sum(base_ + " node " + node.id + " counts", terms);
    }
    return out;
  }
  // weightedConfidence: when the first child that is not FALSE is TRUE, that child alone;
  // when it is UNKNOWN, every child that is not FALSE, weighted by its share of this
  // Node's recordCount.
  ASSIGN_OR_RETURN(const double parent_count, RecordCount(node.element));
  if (parent_count <= 0) return at_.Invalid(node.element, "recordCount 0 on a Node whose children are weighed by it");
  std::vector<std::string> first_true;
  std::string all_false_before = "1";
  for (size_t i = 0; i < m; ++i) {
    first_true.push_back(Indicator(node, "first true " + node.children[i].id, all_false_before + " * " + is_true[i]));
    if (i + 1 < m) {
      all_false_before = Indicator(node, "all false before " + node.children[i + 1].id,
                                   all_false_before + " * (1 - " + not_false[i] + ")");
    }
  }
  const std::string decided = Indicator(node, "true child first", Sum(base_ + " node " + node.id, first_true));
  std::vector<double> weights;
  for (const TreeNode& child : node.children) {
    ASSIGN_OR_RETURN(const double count, RecordCount(child.element));
    weights.push_back(count / parent_count);
  }
  for (size_t k = 0; k < outputs_; ++k) {
    std::vector<std::string> chosen;
    std::vector<std::string> weighted;
    for (size_t i = 0; i < m; ++i) {
      chosen.push_back("(if " + first_true[i] + " == 1 then " + values[i][k] + " else 0)");
      weighted.push_back("(if " + not_false[i] + " == 1 then " + NumberLiteral(weights[i]) + " * " + values[i][k] +
                         " else 0)");
    }
    out[k] = "if " + any_not_false + " == 0 then " + no_true_child[k] + " else if " + decided + " == 1 then " +
             Sum(base_ + " node " + node.id + " chosen", chosen) + " else " +
             Sum(base_ + " node " + node.id + " weighted", weighted);
  }
  return out;
}

Result<std::vector<std::string>> TreeColumns::Run(const pugi::xml_node& root_element) {
  size_t count = 0;
  size_t internal = 0;
  ASSIGN_OR_RETURN(const TreeNode root, Parse(root_element, count, internal));
  ASSIGN_OR_RETURN(std::vector<std::string> values, Value(root));
  // The root's predicate is normally <True/>. FALSE gives no prediction; UNKNOWN is
  // followed by the strategies that follow UNKNOWN children, and gives no prediction
  // otherwise (the root has no parent to fall back on).
  if (root.predicate != "true") {
    for (std::string& value : values) {
      const std::string unknown = follows_several() ? value : std::string(kMissing);
      value = Col(build_.AddHelperColumn(base_ + " root", "if " + root.predicate + " then " + value +
                                                             " else if is_missing(" + root.predicate + ") then " +
                                                             unknown + " else " + std::string(kMissing)));
    }
  }
  std::vector<std::string> columns;
  if (!follows_several()) {
    for (const std::string& value : values) {
      columns.push_back(build_.AddHelperColumn(base_ + (classification() ? " p" : " prediction"), value));
    }
    return columns;
  }
  // Counts or weighted probabilities, normalised: PMML's winner is the largest, and the
  // IR's label the most probable class. A total of 0 gives 0 / 0, no prediction.
  const std::string total = Col(build_.AddHelperColumn(base_ + " total", Sum(base_ + " total", values)));
  for (const std::string& value : values) columns.push_back(build_.AddHelperColumn(base_ + " p", value + " / " + total));
  return columns;
}

}  // namespace

bool FollowsSeveralChildren(const pugi::xml_node& tree_model) {
  const std::string strategy = Attribute(tree_model, "missingValueStrategy").value_or("none");
  return strategy == "weightedConfidence" || strategy == "aggregateNodes";
}

Result<std::vector<std::string>> TreeModelColumns(ModelBuilder& build, const pugi::xml_node& tree_model,
                                                  const std::vector<std::string>& classes) {
  const Locator& at = build.at();
  const std::string name = Attribute(tree_model, "missingValueStrategy").value_or("none");
  Strategy strategy;
  if (name == "none") {
    strategy = Strategy::kNone;
  } else if (name == "defaultChild") {
    strategy = Strategy::kDefaultChild;
  } else if (name == "lastPrediction") {
    strategy = Strategy::kLastPrediction;
  } else if (name == "nullPrediction") {
    strategy = Strategy::kNullPrediction;
  } else if (name == "weightedConfidence") {
    strategy = Strategy::kWeightedConfidence;
  } else if (name == "aggregateNodes") {
    strategy = Strategy::kAggregateNodes;
  } else {
    return at.Invalid(tree_model, "unknown missingValueStrategy " + QuoteString(name));
  }
  if ((strategy == Strategy::kWeightedConfidence || strategy == Strategy::kAggregateNodes) && classes.empty()) {
    return at.Unsupported(tree_model, "missingValueStrategy " + QuoteString(name) +
                                          " for a regression (it combines class confidences or ScoreDistribution "
                                          "recordCounts, which only a classifier has)");
  }
  // It scales only PMML's confidence output, which Podium does not write; still a PROB-NUMBER.
  if (Attribute(tree_model, "missingValuePenalty")) {
    ASSIGN_OR_RETURN(const double penalty, NumberAttribute(at, tree_model, "missingValuePenalty", std::nullopt));
    if (penalty < 0 || penalty > 1) return at.Invalid(tree_model, "missingValuePenalty is not between 0 and 1");
  }
  if (Attribute(tree_model, "mathContext").value_or("double") != "double") {
    return at.Unsupported(tree_model, "mathContext " + QuoteString(*Attribute(tree_model, "mathContext")) +
                                          " in a TreeModel lowered to expressions (missingValueStrategy " +
                                          QuoteString(name) + " or a null prediction)");
  }
  const std::string no_true_child = Attribute(tree_model, "noTrueChildStrategy").value_or("returnNullPrediction");
  if (no_true_child != "returnNullPrediction" && no_true_child != "returnLastPrediction") {
    return at.Invalid(tree_model, "unknown noTrueChildStrategy " + QuoteString(no_true_child));
  }
  const pugi::xml_node root = FirstChild(tree_model, "Node");
  if (!root) return at.Invalid(tree_model, "missing Node");
  TreeColumns lowering(build, tree_model, classes, strategy, no_true_child == "returnLastPrediction");
  return lowering.Run(root);
}

}  // namespace podium::pmml_internal
