#include "formats/pmml_export.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "data/number.h"
#include "expr/expr.h"
#include "formats/pmml.h"
#include "formats/pmml_business_rules.h"
#include "pipeline/prediction.h"
#include "pipeline/validate.h"

namespace podium {
namespace {

constexpr char kNamespace[] = "http://www.dmg.org/PMML-4_4";

std::string Number(double value) {
  std::string text;
  FormatNumber(value, &text);
  return text;
}

std::string Quote(std::string_view text) {
  std::string quoted = "'";
  quoted.append(text);
  quoted += '\'';
  return quoted;
}

pugi::xml_node Constant(pugi::xml_node parent, const std::string& text, const char* data_type);
pugi::xml_node NumberConstant(pugi::xml_node parent, double value);
pugi::xml_node FieldRef(pugi::xml_node parent, const std::string& field);
pugi::xml_node Apply(pugi::xml_node parent, const char* function);

// An OutputField's type: a string category or a double.
enum class OutputType { kCategory, kNumber };
pugi::xml_node AppendOutputField(pugi::xml_node output, const std::string& name, const char* feature,
                                 OutputType type);

// A column of the pipeline as PMML expressions see it.
struct Column {
  expr::Type type = expr::Type::kNumber;
  std::vector<std::string> levels;   // closed categories
  const InputField* input = nullptr;  // set for input fields
};

class Exporter {
 public:
  Exporter(const Pipeline& pipeline, const PmmlExportOptions& options) : p_(pipeline), options_(options) {}

  Result<std::string> Run();

 private:
  Status CheckText(std::string_view what, std::string_view text) const;
  Status CheckSupported() const;
  void WriteHeader(pugi::xml_node root);
  Status WriteDataDictionary(pugi::xml_node root);
  // The top-level MiningSchema: every input with its treatments, and the
  // target.
  Status WriteMiningSchema(pugi::xml_node model);
  void WriteOutput(pugi::xml_node model);
  // post.prediction_expression as the Target's min, max and castInteger, and
  // post.outputs as transformedValue OutputFields, in the top-level model.
  Status WritePostProcessing(pugi::xml_node model);
  // The output fields `score` stands for in post-processing expressions.
  std::vector<std::string> ScoreFields() const;
  // post.rules[i]'s condition, type-checked, `score` replaced.
  Result<std::unique_ptr<expr::Node>> RuleCondition(
      size_t i, const std::map<std::string, expr::Type, std::less<>>& outputs) const;
  // post.rules as the decision and flags OutputFields
  // (formats/pmml_business_rules.h); `outputs` are the derived outputs.
  Status WriteRules(pugi::xml_node output, const std::map<std::string, expr::Type, std::less<>>& outputs);
  Status WriteTransform(pugi::xml_node dictionary, const Transform& transform);
  Status WriteExpression(pugi::xml_node parent, const expr::Node& node);
  // A category derived output as a `decision` OutputField: its Decisions are
  // the categories, and an if tree of their texts picks the one whose
  // position `position` gives (see WriteDecisionBranch).
  Status WriteDecisionOutput(pugi::xml_node field, const expr::Node& position,
                             const std::vector<std::string>& categories);
  // Writes under `parent` the decision `node` (a position) picks, or returns
  // false without writing when it is missing for every row.
  Result<bool> WriteDecisionBranch(pugi::xml_node parent, const expr::Node& node,
                                   const std::vector<std::string>& categories);
  pugi::xml_node DerivedField(pugi::xml_node dictionary, const std::string& name, expr::Type type);
  Status CheckEncoderLevels(const std::string& what, const std::string& input, UnknownLevelPolicy policy,
                            const std::vector<std::string>& levels) const;

  Status WriteGlm(pugi::xml_node root, const GlmModel& glm);
  // A GLM whose link RegressionModel has no normalization for (inverse).
  Status WriteGeneralRegression(pugi::xml_node root, const GlmModel& glm);
  Status WriteEnsemble(pugi::xml_node root, const TreeEnsembleModel& ensemble);
  // A center-based ClusteringModel, measure for measure (no target field).
  Status WriteClustering(pugi::xml_node root, const ClusteringModel& clustering);
  // A MiningModel (regression) summing or averaging the trees that add to
  // `output` (all of them when output < 0), the constant `base` first.
  // At the top level (margin_name empty) with the pipeline's schema and
  // outputs; in a modelChain with the trees' fields and `margin_name` as its
  // output.
  Status WriteTreeSum(pugi::xml_node parent, const TreeEnsembleModel& ensemble, int output, double base,
                      const std::string& margin_name);
  Status WriteTree(pugi::xml_node segmentation, const TreeEnsembleModel& ensemble, const Tree& tree, int id,
                   bool classification);
  Status WriteNode(pugi::xml_node parent, const TreeEnsembleModel& ensemble, const Tree& tree, int32_t node,
                   bool classification, int depth);
  Status WritePredicates(const TreeEnsembleModel& ensemble, const Tree& tree, int32_t node, pugi::xml_node left,
                         pugi::xml_node right, bool* right_first);
  double TreeNumber(const TreeEnsembleModel& ensemble, double value) const;
  std::string FreshName(const std::string& base);

  const Pipeline& p_;
  const PmmlExportOptions& options_;
  std::map<std::string, Column, std::less<>> columns_;
  std::set<std::string, std::less<>> names_;  // every field name in the document
  std::string target_;
};

Status Exporter::CheckText(std::string_view what, std::string_view text) const {
  // XML 1.0 cannot carry control characters other than tab, line feed and
  // carriage return, and a parser turns a carriage return into a line feed.
  // (Tabs and line feeds in attribute values are written as character
  // references, so that they survive attribute normalisation.)
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
      return InvalidArgumentError(std::string(what) + " " + Quote(text) +
                                  " holds a control character, which a PMML document cannot carry");
    }
  }
  return Status::Ok();
}

std::string Exporter::FreshName(const std::string& base) {
  std::string name = base;
  for (int i = 2; names_.count(name) != 0; ++i) name = base + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

Status Exporter::CheckSupported() const {
  // PMML's reason codes belong to Scorecards only, where the exported GLM
  // is a RegressionModel; exporting these would silently change the codes.
  // (reason_one_sided is valid only with a signed order, refused here.)
  if (p_.post.reason_order != ReasonOrder::kByAbsoluteValue) {
    return UnimplementedError("post.reason_order " + Quote(ReasonOrderName(p_.post.reason_order)) +
                              " has no PMML equivalent outside a Scorecard");
  }
  if (!p_.post.reason_labels.empty()) {
    return UnimplementedError("post.reason_labels has no PMML equivalent outside a Scorecard");
  }
  if (!p_.output_names.reasons.empty()) {
    return UnimplementedError("output_names.reasons has no PMML equivalent outside a Scorecard");
  }
  return Status::Ok();
}

void Exporter::WriteHeader(pugi::xml_node root) {
  pugi::xml_node header = root.append_child("Header");
  if (!p_.description.empty()) header.append_attribute("description") = p_.description.c_str();
  // The pipeline's identity and provenance, and the one post-processing
  // setting that is metadata only, as documented extensions (which PMML
  // places before the Application).
  auto extension = [&](const char* name, const std::string& value) {
    pugi::xml_node node = header.append_child("Extension");
    node.append_attribute("name") = name;
    node.append_attribute("value") = value.c_str();
  };
  if (!p_.name.empty()) extension("podium.name", p_.name);
  if (!p_.source.empty()) extension("podium.source", p_.source);
  if (p_.post.reason_code_count != kDefaultReasonCodeCount) {
    extension("podium.reason_code_count", std::to_string(p_.post.reason_code_count));
  }
  pugi::xml_node application = header.append_child("Application");
  application.append_attribute("name") = "Podium";
  if (!options_.application_version.empty()) {
    application.append_attribute("version") = options_.application_version.c_str();
  }
}

Status Exporter::WriteDataDictionary(pugi::xml_node root) {
  pugi::xml_node dictionary = root.append_child("DataDictionary");
  for (const InputField& field : p_.inputs) {
    RETURN_IF_ERROR(CheckText("input field", field.name));
    pugi::xml_node data = dictionary.append_child("DataField");
    data.append_attribute("name") = field.name.c_str();
    Column column;
    column.input = &field;
    switch (field.type) {
      case FieldType::kNumber:
      case FieldType::kInteger:
        data.append_attribute("optype") = "continuous";
        data.append_attribute("dataType") = field.type == FieldType::kInteger ? "integer" : "double";
        break;
      case FieldType::kBoolean:
        data.append_attribute("optype") = "categorical";
        data.append_attribute("dataType") = "boolean";
        column.type = expr::Type::kBoolean;
        break;
      case FieldType::kCategory:
        data.append_attribute("optype") = "categorical";
        data.append_attribute("dataType") = "string";
        column.type = expr::Type::kString;
        column.levels = field.levels;
        break;
    }
    if (field.min || field.max) {
      pugi::xml_node interval = data.append_child("Interval");
      interval.append_attribute("closure") = "closedClosed";
      if (field.min) interval.append_attribute("leftMargin") = Number(*field.min).c_str();
      if (field.max) interval.append_attribute("rightMargin") = Number(*field.max).c_str();
    }
    for (const std::string& level : field.levels) {
      RETURN_IF_ERROR(CheckText("level", level));
      data.append_child("Value").append_attribute("value") = level.c_str();
    }
    names_.insert(field.name);
    columns_[field.name] = std::move(column);
  }
  // The target's name must differ from every other field's, derived and
  // output fields included.
  for (const Transform& transform : p_.transforms) {
    for (const std::string& output : TransformOutputs(transform)) names_.insert(output);
  }
  for (const std::string& name : ValueColumnNames(p_)) names_.insert(name);
  if (p_.model.task != Task::kRegression) names_.insert(LabelColumnName(p_));
  if (p_.model.task == Task::kClustering) return Status::Ok();  // PMML's clustering has no target field
  target_ = FreshName(p_.model.task == Task::kRegression ? "target" : "class");
  pugi::xml_node target = dictionary.append_child("DataField");
  target.append_attribute("name") = target_.c_str();
  if (p_.model.task == Task::kRegression) {
    target.append_attribute("optype") = "continuous";
    target.append_attribute("dataType") = "double";
  } else {
    target.append_attribute("optype") = "categorical";
    target.append_attribute("dataType") = "string";
    for (const std::string& c : p_.model.classes) {
      RETURN_IF_ERROR(CheckText("class", c));
      target.append_child("Value").append_attribute("value") = c.c_str();
    }
  }
  return Status::Ok();
}

// A policy's replacement as PMML writes a value of the field.
std::string PolicyText(const InputField& field, const ValuePolicy& policy) {
  if (const auto* text = std::get_if<std::string>(&policy.replacement)) return *text;
  const double value = std::get<double>(policy.replacement);
  if (field.type == FieldType::kBoolean) return value != 0 ? "true" : "false";
  return Number(value);
}

Status Exporter::WriteMiningSchema(pugi::xml_node model) {
  pugi::xml_node schema = model.append_child("MiningSchema");
  for (const InputField& field : p_.inputs) {
    pugi::xml_node mining = schema.append_child("MiningField");
    mining.append_attribute("name") = field.name.c_str();
    switch (field.on_missing.kind) {
      case ValuePolicyKind::kMissing:
        break;
      case ValuePolicyKind::kReplace:
        mining.append_attribute("missingValueReplacement") = PolicyText(field, field.on_missing).c_str();
        mining.append_attribute("missingValueTreatment") = "asValue";
        break;
      case ValuePolicyKind::kError:
        mining.append_attribute("missingValueTreatment") = "returnInvalid";
        break;
    }
    switch (field.on_invalid.kind) {
      case ValuePolicyKind::kError:
        mining.append_attribute("invalidValueTreatment") = "returnInvalid";
        break;
      case ValuePolicyKind::kMissing:
        // PMML's asMissing goes on to apply the missing-value treatment; the
        // IR's invalid-as-missing does not.
        if (field.on_missing.kind != ValuePolicyKind::kMissing) {
          return UnimplementedError("input " + Quote(field.name) +
                                    ": on_invalid 'missing' with an on_missing policy other than 'missing' (PMML "
                                    "would apply the missing-value treatment to invalid values too)");
        }
        mining.append_attribute("invalidValueTreatment") = "asMissing";
        break;
      case ValuePolicyKind::kReplace:
        mining.append_attribute("invalidValueTreatment") = "asValue";
        mining.append_attribute("invalidValueReplacement") = PolicyText(field, field.on_invalid).c_str();
        break;
    }
  }
  if (p_.model.task == Task::kClustering) return Status::Ok();
  pugi::xml_node target = schema.append_child("MiningField");
  target.append_attribute("name") = target_.c_str();
  target.append_attribute("usageType") = "target";
  return Status::Ok();
}

void Exporter::WriteOutput(pugi::xml_node model) {
  pugi::xml_node output = model.append_child("Output");
  const std::vector<std::string> values = ValueColumnNames(p_);
  if (p_.model.task == Task::kRegression) {
    AppendOutputField(output, values[0], "predictedValue", OutputType::kNumber);
    return;
  }
  const std::string label = LabelColumnName(p_);
  // The label: PMML's predicted class (the most probable one), or with a
  // decision threshold the class it picks from the probability of classes[1].
  const std::vector<std::string>& classes = p_.model.classes;
  const bool thresholded = classes.size() == 2 && p_.post.threshold && *p_.post.threshold != 0.5;
  if (!thresholded) {
    AppendOutputField(output, label, "predictedValue", OutputType::kCategory);
  }
  for (size_t k = 0; k < p_.model.classes.size(); ++k) {
    pugi::xml_node field = AppendOutputField(output, values[k], "probability", OutputType::kNumber);
    field.append_attribute("value") = p_.model.classes[k].c_str();
  }
  if (thresholded) {
    // if p(classes[1]) >= threshold then classes[1] else classes[0]; a
    // missing probability gives a missing label, as in the IR.
    pugi::xml_node decided = AppendOutputField(output, label, "transformedValue", OutputType::kCategory);
    pugi::xml_node branch = Apply(decided, "if");
    pugi::xml_node compare = Apply(branch, "greaterOrEqual");
    FieldRef(compare, values[1]);
    NumberConstant(compare, *p_.post.threshold);
    Constant(branch, classes[1], "string");
    Constant(branch, classes[0], "string");
  }
}

// A Target's clamping and rounding, as formats/pmml.h spells them in a
// prediction_expression.
struct TargetSettings {
  std::optional<double> min;
  std::optional<double> max;
  std::string cast;  // round, ceiling, floor or empty
};

// The Target settings whose TargetPredictionExpression is `text` (compared
// as parsed trees), or kUnimplemented: no other prediction expression has a
// PMML equivalent.
Result<TargetSettings> MatchTarget(const std::string& text) {
  using expr::NodeKind;
  const Status refused = UnimplementedError(
      "post.prediction_expression " + Quote(text) +
      " has no PMML equivalent (a PMML Target can only clamp the prediction to [min, max] and round it)");
  Result<std::unique_ptr<expr::Node>> ast = expr::Parse(text);
  if (!ast.ok()) return refused;
  const expr::Node* x = ast->get();
  auto call = [](const expr::Node* node, std::string_view name, size_t arity) {
    return node->kind == NodeKind::kCall && node->text == name && node->children.size() == arity;
  };
  TargetSettings target;
  if (call(x, "floor", 1) || call(x, "ceil", 1)) {
    target.cast = x->text == "floor" ? "floor" : "ceiling";
    x = x->children[0].get();
  } else if (x->kind == NodeKind::kBinary && x->op == expr::Op::kAdd && call(x->children[0].get(), "floor", 1)) {
    target.cast = "round";  // checked in full below
    x = x->children[0]->children[0].get();
  }
  if (call(x, "min", 2) && x->children[1]->kind == NodeKind::kNumber) {
    target.max = x->children[1]->number;
    x = x->children[0].get();
  }
  if (call(x, "max", 2) && x->children[1]->kind == NodeKind::kNumber) {
    target.min = x->children[1]->number;
    x = x->children[0].get();
  }
  if (x->kind != NodeKind::kColumn || x->text != "score") return refused;
  Result<std::unique_ptr<expr::Node>> expected =
      expr::Parse(TargetPredictionExpression(target.min, target.max, target.cast));
  if (!expected.ok() || expr::ToString(**expected) != expr::ToString(**ast)) return refused;
  return target;
}

// Whether a category output's position `node` is missing for every row: a
// number that is no position, or an if whose branches both are.
bool AlwaysMissingPosition(const expr::Node& node, size_t categories) {
  if (node.kind == expr::NodeKind::kNumber) {
    const double v = node.number;
    return !(v >= 0 && v < static_cast<double>(categories) && v == std::floor(v));
  }
  if (node.kind == expr::NodeKind::kIf) {
    return AlwaysMissingPosition(*node.children[1], categories) &&
           AlwaysMissingPosition(*node.children[2], categories);
  }
  return false;
}

size_t CountNodes(const expr::Node& node) {
  size_t n = 1;
  for (const auto& child : node.children) n += CountNodes(*child);
  return n;
}

// Replaces `score` in an expression of the post-processing by the output
// fields that hold the same value: the prediction or the probability of
// classes[1] (`fields` has one name), or the largest probability (max of
// them all: the probabilities are missing together, so PMML's max, which
// skips missing arguments, is the language's).
void ReplaceScore(expr::Node& node, const std::vector<std::string>& fields) {
  if (node.kind == expr::NodeKind::kColumn && node.text == "score") {
    if (fields.size() == 1) {
      node.text = fields[0];
      return;
    }
    node.kind = expr::NodeKind::kCall;
    node.text = "max";
    for (const std::string& field : fields) {
      auto column = std::make_unique<expr::Node>();
      column->kind = expr::NodeKind::kColumn;
      column->text = field;
      node.children.push_back(std::move(column));
    }
    return;
  }
  for (auto& child : node.children) ReplaceScore(*child, fields);
}

Status Exporter::WritePostProcessing(pugi::xml_node model) {
  const PostProcessing& post = p_.post;
  if (post.outputs.empty() && post.prediction_expression.empty() && post.rules.empty()) return Status::Ok();
  if (p_.model.task == Task::kClustering) {
    return UnimplementedError("post.outputs of a clustering model have no PMML equivalent here");
  }
  pugi::xml_node output = model.child("Output");
  if (!output) return InternalError("the exported model has no Output element");
  if (!post.prediction_expression.empty()) {
    ASSIGN_OR_RETURN(const TargetSettings settings, MatchTarget(post.prediction_expression));
    // An averaged ensemble's base score is already a Target rescaleConstant;
    // PMML clamps before rescaling, so only the rounding can join it.
    pugi::xml_node target = model.child("Targets").child("Target");
    if (target && (settings.min || settings.max)) {
      return UnimplementedError("post.prediction_expression clamps the prediction of an averaged tree ensemble "
                                "with a base score (PMML clamps before the rescaling that adds the base score)");
    }
    if (!target) {
      // PMML places Targets after Output (and the statistics, not written).
      target = model.insert_child_after("Targets", output).append_child("Target");
      target.append_attribute("field") = target_.c_str();
    }
    if (!settings.cast.empty()) target.append_attribute("castInteger") = settings.cast.c_str();
    if (settings.min) target.append_attribute("min") = Number(*settings.min).c_str();
    if (settings.max) target.append_attribute("max") = Number(*settings.max).c_str();
  }
  const std::vector<std::string> values = ValueColumnNames(p_);
  std::map<std::string, expr::Type, std::less<>> visible;
  for (const std::string& value : values) visible[value] = expr::Type::kNumber;
  for (size_t i = 0; i < post.outputs.size(); ++i) {
    const DerivedOutput& derived = post.outputs[i];
    const std::string where = "post.outputs[" + std::to_string(i) + "] (" + derived.name + ")";
    RETURN_IF_ERROR(CheckText("output", derived.name));
    if (columns_.count(derived.name) != 0) {
      return UnimplementedError(where + ": the name of an input or derived column, and PMML field names are unique");
    }
    Result<std::unique_ptr<expr::Node>> ast = expr::Parse(derived.expression);
    if (!ast.ok()) return ast.status().WithContext(where);
    const std::vector<std::string> read = expr::ReferencedColumns(**ast);
    if (std::find(read.begin(), read.end(), "score") != read.end()) ReplaceScore(**ast, ScoreFields());
    Result<expr::Type> type = expr::TypeCheck(**ast, [&](std::string_view name) -> std::optional<expr::Type> {
      if (const auto it = columns_.find(name); it != columns_.end()) return it->second.type;
      if (const auto it = visible.find(name); it != visible.end()) return it->second;
      return std::nullopt;
    });
    if (!type.ok()) return type.status().WithContext(where);
    pugi::xml_node field = output.append_child("OutputField");
    field.append_attribute("name") = derived.name.c_str();
    if (!derived.categories.empty()) {
      RETURN_IF_ERROR(WriteDecisionOutput(field, **ast, derived.categories).WithContext(where));
      visible[derived.name] = expr::Type::kString;
      continue;
    }
    const bool boolean = *type == expr::Type::kBoolean;
    field.append_attribute("optype") = boolean ? "categorical" : "continuous";
    field.append_attribute("dataType") = boolean ? "boolean" : "double";
    field.append_attribute("feature") = "transformedValue";
    RETURN_IF_ERROR(WriteExpression(field, **ast).WithContext(where));
    visible[derived.name] = *type;
  }
  // Rules read the outputs, not the value columns (`score` instead).
  for (const std::string& value : values) visible.erase(value);
  return WriteRules(output, visible);
}

std::vector<std::string> Exporter::ScoreFields() const {
  const std::vector<std::string> values = ValueColumnNames(p_);
  if (p_.model.task == Task::kRegression) return {values[0]};
  if (values.size() == 2) return {values[1]};
  return values;
}

Result<std::unique_ptr<expr::Node>> Exporter::RuleCondition(
    size_t i, const std::map<std::string, expr::Type, std::less<>>& outputs) const {
  const BusinessRule& rule = p_.post.rules[i];
  const std::string where = "post.rules[" + std::to_string(i) + "] (" + rule.name + ")";
  Result<std::unique_ptr<expr::Node>> ast = expr::Parse(rule.when);
  if (!ast.ok()) return ast.status().WithContext(where);
  Result<expr::Type> type = expr::TypeCheck(**ast, [&](std::string_view name) -> std::optional<expr::Type> {
    if (name == "score") return expr::Type::kNumber;
    if (const auto it = columns_.find(name); it != columns_.end()) return it->second.type;
    if (const auto it = outputs.find(name); it != outputs.end()) return it->second;
    return std::nullopt;
  });
  if (!type.ok()) return type.status().WithContext(where);
  if (*type != expr::Type::kBoolean) return InvalidArgumentError(where + ": the condition is not a boolean");
  const std::vector<std::string> read = expr::ReferencedColumns(**ast);
  if (std::find(read.begin(), read.end(), "score") != read.end() && ScoreFields().size() > 1) {
    // max() of the probabilities would come back as a read of the value
    // columns, which rules may not read; a derived output can hold it.
    return UnimplementedError(where + ": reads `score` of a multiclass model (write a derived output "
                                      "max(probability_…) and read that instead)");
  }
  ReplaceScore(**ast, ScoreFields());
  return std::move(ast).value();
}

// The rules as the decision and flags OutputFields of
// formats/pmml_business_rules.h. A rule's condition C holds when it is true,
// and (C is present and C) is never missing and true exactly then.
Status Exporter::WriteRules(pugi::xml_node output, const std::map<std::string, expr::Type, std::less<>>& outputs) {
  const std::vector<BusinessRule>& rules = p_.post.rules;
  if (rules.empty()) return Status::Ok();
  for (const char* name : {pmml_rules::kDecisionField, pmml_rules::kFlagsField}) {
    // Outputs may not take these names (the pipeline's own columns); inputs
    // and derived columns may.
    if (columns_.count(name) != 0) {
      return UnimplementedError(std::string("post.rules: the rules' output field '") + name +
                                "' would repeat the name of a column (PMML field names are unique)");
    }
  }
  auto holds = [&](pugi::xml_node parent, size_t i) -> Status {
    ASSIGN_OR_RETURN(std::unique_ptr<expr::Node> condition, RuleCondition(i, outputs));
    pugi::xml_node both = Apply(parent, "and");
    RETURN_IF_ERROR(WriteExpression(Apply(both, "isNotMissing"), *condition));
    return WriteExpression(both, *condition);
  };
  std::vector<size_t> overrides;
  std::vector<size_t> annotations;
  for (size_t i = 0; i < rules.size(); ++i) {
    RETURN_IF_ERROR(CheckText("rule", rules[i].name));
    RETURN_IF_ERROR(CheckText("rule reason", rules[i].reason));
    RETURN_IF_ERROR(CheckText("rule decision", rules[i].decision));
    (rules[i].action == RuleAction::kOverride ? overrides : annotations).push_back(i);
  }
  if (!overrides.empty()) {
    pugi::xml_node field =
        AppendOutputField(output, pmml_rules::kDecisionField, "decision", OutputType::kCategory);
    for (size_t i : overrides) pmml_rules::AppendRuleExtension(field, rules[i]);
    pugi::xml_node decisions = field.append_child("Decisions");
    for (const std::string& decision : DecisionVocabulary(p_)) {
      decisions.append_child("Decision").append_attribute("value") = decision.c_str();
    }
    pugi::xml_node at = field;
    for (size_t i : overrides) {
      pugi::xml_node branch = Apply(at, "if");
      RETURN_IF_ERROR(holds(branch, i));
      Constant(branch, rules[i].decision, "string");
      at = branch;
    }
    // No override holds: the label (a regression has none: no else branch,
    // so the decision is missing).
    if (p_.model.task == Task::kClassification) {
      pmml_rules::ModelOutputs model;
      model.classification = true;
      model.classes = p_.model.classes;
      model.probability_fields = ValueColumnNames(p_);
      model.threshold = p_.post.threshold.value_or(0.5);
      pmml_rules::AppendLabelDecision(at, model);
    }
  }
  if (!annotations.empty()) {
    pugi::xml_node field =
        AppendOutputField(output, pmml_rules::kFlagsField, "transformedValue", OutputType::kCategory);
    for (size_t i : annotations) pmml_rules::AppendRuleExtension(field, rules[i]);
    pugi::xml_node branch = Apply(field, "if");
    pugi::xml_node any = Apply(branch, "notEqual");
    pugi::xml_node joined = Apply(any, "concat");
    size_t length = 0;
    for (size_t i : annotations) {
      const std::string piece = std::string(pmml_rules::kFlagSeparator) + pmml_rules::FlagText(rules[i]);
      length += pmml_rules::CharacterCount(piece);
      pugi::xml_node part = Apply(joined, "if");
      RETURN_IF_ERROR(holds(part, i));
      Constant(part, piece, "string");
      Constant(part, "", "string");
    }
    if (annotations.size() == 1) Constant(joined, "", "string");  // concat takes two or more
    Constant(any, "", "string");
    // Drop the separator before the first text.
    pugi::xml_node rest = Apply(branch, "substring");
    rest.append_copy(joined);
    NumberConstant(rest, 3);
    NumberConstant(rest, static_cast<double>(length));
  }
  return Status::Ok();
}

Status Exporter::WriteDecisionOutput(pugi::xml_node field, const expr::Node& position,
                                     const std::vector<std::string>& categories) {
  field.append_attribute("optype") = "categorical";
  field.append_attribute("dataType") = "string";
  field.append_attribute("feature") = "decision";
  pugi::xml_node decisions = field.append_child("Decisions");
  for (const std::string& category : categories) {
    RETURN_IF_ERROR(CheckText("category", category));
    decisions.append_child("Decision").append_attribute("value") = category.c_str();
  }
  ASSIGN_OR_RETURN(const bool written, WriteDecisionBranch(field, position, categories));
  if (!written) {
    // Never a category: an if without an else branch whose condition is
    // never true gives PMML's missing value.
    pugi::xml_node branch = Apply(field, "if");
    Constant(branch, "false", "boolean");
    Constant(branch, categories[0], "string");
  }
  return Status::Ok();
}

// The IR's position picks a category when it is a whole number in range and
// is missing otherwise; PMML's decision is the text itself, and an `if`
// without an else branch is missing when its condition is false.
// - A literal position is its category's Constant.
// - `if c then a else b` is if(c', a, b) with c' = (c is present and c),
//   which is never missing and true exactly when the language takes `a`; a
//   branch that is missing for every row is left out (if(not c', b) when it
//   is `a`).
// - Any other expression E is the chain if(E == 0, first, if(E == 1,
//   second, ...)) without a final else: a fraction, a number out of range or
//   a missing E matches no case, and equal() of a missing E is missing.
Result<bool> Exporter::WriteDecisionBranch(pugi::xml_node parent, const expr::Node& node,
                                           const std::vector<std::string>& categories) {
  if (AlwaysMissingPosition(node, categories.size())) return false;
  if (node.kind == expr::NodeKind::kNumber) {
    Constant(parent, categories[static_cast<size_t>(node.number)], "string");
    return true;
  }
  if (node.kind == expr::NodeKind::kIf) {
    const bool then_missing = AlwaysMissingPosition(*node.children[1], categories.size());
    const bool else_missing = AlwaysMissingPosition(*node.children[2], categories.size());
    pugi::xml_node branch = Apply(parent, "if");
    pugi::xml_node condition = Apply(then_missing ? Apply(branch, "not") : branch, "and");
    RETURN_IF_ERROR(WriteExpression(Apply(condition, "isNotMissing"), *node.children[0]));
    RETURN_IF_ERROR(WriteExpression(condition, *node.children[0]));
    if (!then_missing) RETURN_IF_ERROR(WriteDecisionBranch(branch, *node.children[1], categories).status());
    if (!else_missing) RETURN_IF_ERROR(WriteDecisionBranch(branch, *node.children[2], categories).status());
    return true;
  }
  // The chain repeats E once per category; bound the document it makes.
  constexpr size_t kMaxRepeatedNodes = 100000;
  const size_t size = CountNodes(node);
  if (size * categories.size() > kMaxRepeatedNodes) {
    return UnimplementedError("a category output whose position is an expression of " + std::to_string(size) +
                              " nodes over " + std::to_string(categories.size()) +
                              " categories: PMML would repeat the expression once per category (write the "
                              "position as an if-then-else chain of numbers)");
  }
  pugi::xml_node at = parent;
  for (size_t k = 0; k < categories.size(); ++k) {
    pugi::xml_node branch = Apply(at, "if");
    pugi::xml_node equal = Apply(branch, "equal");
    RETURN_IF_ERROR(WriteExpression(equal, node));
    NumberConstant(equal, static_cast<double>(k));
    Constant(branch, categories[k], "string");
    at = branch;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Transforms
// ---------------------------------------------------------------------------

pugi::xml_node Constant(pugi::xml_node parent, const std::string& text, const char* data_type) {
  pugi::xml_node node = parent.append_child("Constant");
  node.append_attribute("dataType") = data_type;
  node.text().set(text.c_str());
  return node;
}

pugi::xml_node NumberConstant(pugi::xml_node parent, double value) {
  return Constant(parent, Number(value), "double");
}

pugi::xml_node FieldRef(pugi::xml_node parent, const std::string& field) {
  pugi::xml_node node = parent.append_child("FieldRef");
  node.append_attribute("field") = field.c_str();
  return node;
}

pugi::xml_node Apply(pugi::xml_node parent, const char* function) {
  pugi::xml_node node = parent.append_child("Apply");
  node.append_attribute("function") = function;
  return node;
}

pugi::xml_node AppendOutputField(pugi::xml_node output, const std::string& name, const char* feature,
                                 OutputType type) {
  pugi::xml_node field = output.append_child("OutputField");
  field.append_attribute("name") = name.c_str();
  field.append_attribute("optype") = type == OutputType::kCategory ? "categorical" : "continuous";
  field.append_attribute("dataType") = type == OutputType::kCategory ? "string" : "double";
  field.append_attribute("feature") = feature;
  return field;
}

pugi::xml_node Exporter::DerivedField(pugi::xml_node dictionary, const std::string& name, expr::Type type) {
  pugi::xml_node field = dictionary.append_child("DerivedField");
  field.append_attribute("name") = name.c_str();
  switch (type) {
    case expr::Type::kNumber:
      field.append_attribute("optype") = "continuous";
      field.append_attribute("dataType") = "double";
      break;
    case expr::Type::kBoolean:
      field.append_attribute("optype") = "categorical";
      field.append_attribute("dataType") = "boolean";
      break;
    case expr::Type::kString:
      field.append_attribute("optype") = "categorical";
      field.append_attribute("dataType") = "string";
      break;
  }
  names_.insert(name);
  return field;
}

// An encoder's unknown-level policy "error" rejects rows PMML would score;
// it is exported only where no unknown level can reach the encoder: the input
// is a closed category, every level of which the encoder knows (its invalid
// values are refused, missing or replaced by a level before the encoder).
Status Exporter::CheckEncoderLevels(const std::string& what, const std::string& input, UnknownLevelPolicy policy,
                                    const std::vector<std::string>& levels) const {
  if (policy != UnknownLevelPolicy::kError) return Status::Ok();
  const auto it = columns_.find(input);
  const InputField* field = it == columns_.end() ? nullptr : it->second.input;
  bool covered = field != nullptr && !field->levels.empty();
  if (covered) {
    for (const std::string& level : field->levels) {
      if (std::find(levels.begin(), levels.end(), level) == levels.end()) covered = false;
    }
  }
  if (covered) return Status::Ok();
  return UnimplementedError(what + " of " + Quote(input) +
                            ": unknown level policy 'error' has no PMML equivalent unless the input is a closed "
                            "category whose levels the encoder all knows");
}

Status Exporter::WriteTransform(pugi::xml_node dictionary, const Transform& transform) {
  for (const std::string& output : TransformOutputs(transform)) RETURN_IF_ERROR(CheckText("column", output));
  if (const auto* t = std::get_if<ImputeTransform>(&transform)) {
    const Column& in = columns_.at(t->input);
    if (in.type == expr::Type::kNumber) {
      // mapMissingTo on a FieldRef: the value when the field is missing.
      pugi::xml_node ref = FieldRef(DerivedField(dictionary, t->output, expr::Type::kNumber), t->input);
      ref.append_attribute("mapMissingTo") = Number(std::get<double>(t->value)).c_str();
      columns_[t->output] = Column{expr::Type::kNumber, {}, nullptr};
      return Status::Ok();
    }
    if (in.type == expr::Type::kString && !in.levels.empty()) {
      // A closed category: each level maps to itself, missing to the value.
      const std::string& value = std::get<std::string>(t->value);
      pugi::xml_node map = DerivedField(dictionary, t->output, expr::Type::kString).append_child("MapValues");
      map.append_attribute("outputColumn") = "out";
      map.append_attribute("dataType") = "string";
      map.append_attribute("mapMissingTo") = value.c_str();
      pugi::xml_node pair = map.append_child("FieldColumnPair");
      pair.append_attribute("field") = t->input.c_str();
      pair.append_attribute("column") = "in";
      pugi::xml_node table = map.append_child("InlineTable");
      for (const std::string& level : in.levels) {
        pugi::xml_node row = table.append_child("row");
        row.append_child("in").text().set(level.c_str());
        row.append_child("out").text().set(level.c_str());
      }
      columns_[t->output] = Column{expr::Type::kString, in.levels, nullptr};
      return Status::Ok();
    }
    return UnimplementedError("impute " + Quote(t->output) +
                              ": imputing a boolean or an open category (derived PMML fields the importer reads "
                              "are numbers, booleans or closed categories)");
  }
  if (const auto* t = std::get_if<ClipTransform>(&transform)) {
    // if x < min then min else if x > max then max else x; a missing x makes
    // the condition missing and so the result.
    pugi::xml_node at = DerivedField(dictionary, t->output, expr::Type::kNumber);
    auto bound = [&](pugi::xml_node parent, const char* compare, double value) {
      pugi::xml_node branch = Apply(parent, "if");
      pugi::xml_node test = Apply(branch, compare);
      FieldRef(test, t->input);
      NumberConstant(test, value);
      NumberConstant(branch, value);
      return branch;
    };
    if (t->min) at = bound(at, "lessThan", *t->min);
    if (t->max) at = bound(at, "greaterThan", *t->max);
    FieldRef(at, t->input);
    columns_[t->output] = Column{};
    return Status::Ok();
  }
  if (const auto* t = std::get_if<StandardizeTransform>(&transform)) {
    pugi::xml_node divide = Apply(DerivedField(dictionary, t->output, expr::Type::kNumber), "/");
    pugi::xml_node subtract = Apply(divide, "-");
    FieldRef(subtract, t->input);
    NumberConstant(subtract, t->mean);
    NumberConstant(divide, t->scale);
    columns_[t->output] = Column{};
    return Status::Ok();
  }
  if (const auto* t = std::get_if<MinMaxTransform>(&transform)) {
    // (x - min) / (max - min) * (to_max - to_min) + to_min, operation for
    // operation; the two differences are constants (the same doubles).
    pugi::xml_node add = Apply(DerivedField(dictionary, t->output, expr::Type::kNumber), "+");
    pugi::xml_node multiply = Apply(add, "*");
    pugi::xml_node divide = Apply(multiply, "/");
    pugi::xml_node subtract = Apply(divide, "-");
    FieldRef(subtract, t->input);
    NumberConstant(subtract, t->min);
    NumberConstant(divide, t->max - t->min);
    NumberConstant(multiply, t->to_max - t->to_min);
    NumberConstant(add, t->to_min);
    columns_[t->output] = Column{};
    return Status::Ok();
  }
  if (const auto* t = std::get_if<MathTransform>(&transform)) {
    pugi::xml_node field = DerivedField(dictionary, t->output, expr::Type::kNumber);
    if (t->function == MathFunction::kLog) {
      FieldRef(Apply(field, "ln"), t->input);
    } else if (t->function == MathFunction::kLog1p) {
      // PMML 4.4's ln1p, not ln(1 + x): a different number for small x.
      FieldRef(Apply(field, "ln1p"), t->input);
    } else {
      pugi::xml_node power = Apply(field, "pow");
      FieldRef(power, t->input);
      NumberConstant(power, t->exponent);
    }
    columns_[t->output] = Column{};
    return Status::Ok();
  }
  if (const auto* t = std::get_if<BucketizeTransform>(&transform)) {
    const bool labelled = !t->labels.empty();
    pugi::xml_node discretize =
        DerivedField(dictionary, t->output, labelled ? expr::Type::kString : expr::Type::kNumber)
            .append_child("Discretize");
    discretize.append_attribute("field") = t->input.c_str();
    discretize.append_attribute("dataType") = labelled ? "string" : "double";
    // Bucket i holds e(i-1) <= x < e(i) (right_closed: e(i-1) < x <= e(i)).
    const size_t n = t->edges.size();
    for (size_t i = 0; i <= n; ++i) {
      pugi::xml_node bin = discretize.append_child("DiscretizeBin");
      if (labelled) RETURN_IF_ERROR(CheckText("label", t->labels[i]));
      bin.append_attribute("binValue") = labelled ? t->labels[i].c_str() : std::to_string(i).c_str();
      pugi::xml_node interval = bin.append_child("Interval");
      const bool has_left = i > 0;
      const bool has_right = i < n;
      const char* closure = t->right_closed ? (has_right ? "openClosed" : "openOpen")
                                            : (has_left ? "closedOpen" : "openOpen");
      interval.append_attribute("closure") = closure;
      if (has_left) interval.append_attribute("leftMargin") = Number(t->edges[i - 1]).c_str();
      if (has_right) interval.append_attribute("rightMargin") = Number(t->edges[i]).c_str();
    }
    Column column;
    if (labelled) {
      column.type = expr::Type::kString;
      // Repeated labels are one level.
      for (const std::string& label : t->labels) {
        if (std::find(column.levels.begin(), column.levels.end(), label) == column.levels.end()) {
          column.levels.push_back(label);
        }
      }
    }
    columns_[t->output] = std::move(column);
    return Status::Ok();
  }
  if (const auto* t = std::get_if<OneHotTransform>(&transform)) {
    RETURN_IF_ERROR(CheckEncoderLevels("one_hot", t->input, t->unknown, t->levels));
    const std::vector<std::string> outputs = TransformOutputs(transform);
    for (size_t i = 0; i < t->levels.size(); ++i) {
      RETURN_IF_ERROR(CheckText("level", t->levels[i]));
      pugi::xml_node field = DerivedField(dictionary, outputs[i], expr::Type::kNumber);
      if (t->unknown == UnknownLevelPolicy::kMissing) {
        // if x is one of the levels then (x == level ? 1 : 0), else missing.
        pugi::xml_node branch = Apply(field, "if");
        pugi::xml_node known = Apply(branch, "isIn");
        FieldRef(known, t->input);
        for (const std::string& level : t->levels) Constant(known, level, "string");
        pugi::xml_node indicator = Apply(branch, "if");
        pugi::xml_node equal = Apply(indicator, "equal");
        FieldRef(equal, t->input);
        Constant(equal, t->levels[i], "string");
        NumberConstant(indicator, 1);
        NumberConstant(indicator, 0);
      } else {
        pugi::xml_node norm = field.append_child("NormDiscrete");
        norm.append_attribute("field") = t->input.c_str();
        norm.append_attribute("value") = t->levels[i].c_str();
      }
      columns_[outputs[i]] = Column{};
    }
    return Status::Ok();
  }
  if (const auto* t = std::get_if<OrdinalTransform>(&transform)) {
    RETURN_IF_ERROR(CheckEncoderLevels("ordinal", t->input, t->unknown, t->levels));
    pugi::xml_node map = DerivedField(dictionary, t->output, expr::Type::kNumber).append_child("MapValues");
    map.append_attribute("outputColumn") = "out";
    map.append_attribute("dataType") = "double";
    if (t->unknown == UnknownLevelPolicy::kIgnore) {
      map.append_attribute("defaultValue") = Number(t->unknown_value).c_str();
    }
    pugi::xml_node pair = map.append_child("FieldColumnPair");
    pair.append_attribute("field") = t->input.c_str();
    pair.append_attribute("column") = "in";
    pugi::xml_node table = map.append_child("InlineTable");
    for (size_t i = 0; i < t->levels.size(); ++i) {
      RETURN_IF_ERROR(CheckText("level", t->levels[i]));
      pugi::xml_node row = table.append_child("row");
      row.append_child("in").text().set(t->levels[i].c_str());
      row.append_child("out").text().set(std::to_string(i).c_str());
    }
    columns_[t->output] = Column{};
    return Status::Ok();
  }
  const auto& t = std::get<DeriveTransform>(transform);
  Result<std::unique_ptr<expr::Node>> ast = expr::Parse(t.expression);
  if (!ast.ok()) return ast.status().WithContext("derive " + Quote(t.output));
  const expr::ColumnTypeFn types = [&](std::string_view name) -> std::optional<expr::Type> {
    const auto it = columns_.find(name);
    if (it == columns_.end()) return std::nullopt;
    return it->second.type;
  };
  Result<expr::Type> type = expr::TypeCheck(**ast, types);
  if (!type.ok()) return type.status().WithContext("derive " + Quote(t.output));
  pugi::xml_node field = DerivedField(dictionary, t.output, *type);
  const expr::Node* body = ast->get();
  if (body->kind == expr::NodeKind::kCall && body->text == "float32" && body->children.size() == 1) {
    // A whole expression rounded to single precision is a float
    // DerivedField (an imported float field); float32 inside an expression
    // has no PMML equivalent.
    field.attribute("dataType") = "float";
    body = body->children[0].get();
  }
  if (Status status = WriteExpression(field, *body); !status.ok()) {
    return status.WithContext("derive " + Quote(t.output));
  }
  columns_[t.output] = Column{*type, {}, nullptr};
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Expressions: the expression language's AST as Apply trees. Where PMML's
// missing-value rules differ from the language's (if, min, max), the PMML is
// spelled so that its rules give the language's value.
// ---------------------------------------------------------------------------

Status Exporter::WriteExpression(pugi::xml_node parent, const expr::Node& node) {
  using expr::NodeKind;
  using expr::Op;
  switch (node.kind) {
    case NodeKind::kNumber:
      NumberConstant(parent, node.number);
      return Status::Ok();
    case NodeKind::kBoolean:
      Constant(parent, node.boolean ? "true" : "false", "boolean");
      return Status::Ok();
    case NodeKind::kString:
      RETURN_IF_ERROR(CheckText("string", node.text));
      Constant(parent, node.text, "string");
      return Status::Ok();
    case NodeKind::kColumn:
      FieldRef(parent, node.text);
      return Status::Ok();
    case NodeKind::kUnary:
      if (node.op == Op::kNeg) {
        // -1 * a is exactly -a (a sign flip), missing when a is.
        pugi::xml_node multiply = Apply(parent, "*");
        NumberConstant(multiply, -1);
        return WriteExpression(multiply, *node.children[0]);
      }
      return WriteExpression(Apply(parent, "not"), *node.children[0]);
    case NodeKind::kBinary: {
      const char* function = nullptr;
      switch (node.op) {
        case Op::kAdd: function = "+"; break;
        case Op::kSub: function = "-"; break;
        case Op::kMul: function = "*"; break;
        case Op::kDiv: function = "/"; break;
        case Op::kEq: function = "equal"; break;
        case Op::kNe: function = "notEqual"; break;
        case Op::kLt: function = "lessThan"; break;
        case Op::kLe: function = "lessOrEqual"; break;
        case Op::kGt: function = "greaterThan"; break;
        case Op::kGe: function = "greaterOrEqual"; break;
        case Op::kAnd: function = "and"; break;
        case Op::kOr: function = "or"; break;
        default:
          return InternalError("unexpected binary operator " + std::string(expr::OpName(node.op)));
      }
      pugi::xml_node apply = Apply(parent, function);
      RETURN_IF_ERROR(WriteExpression(apply, *node.children[0]));
      return WriteExpression(apply, *node.children[1]);
    }
    case NodeKind::kIn: {
      pugi::xml_node apply = Apply(parent, node.op == Op::kIn ? "isIn" : "isNotIn");
      for (const auto& child : node.children) RETURN_IF_ERROR(WriteExpression(apply, *child));
      return Status::Ok();
    }
    case NodeKind::kIf: {
      // The language takes the else branch when the condition is missing;
      // PMML's if gives missing. (c is present and c) is never missing and
      // true exactly when c is.
      pugi::xml_node branch = Apply(parent, "if");
      pugi::xml_node condition = Apply(branch, "and");
      RETURN_IF_ERROR(WriteExpression(Apply(condition, "isNotMissing"), *node.children[0]));
      RETURN_IF_ERROR(WriteExpression(condition, *node.children[0]));
      RETURN_IF_ERROR(WriteExpression(branch, *node.children[1]));
      return WriteExpression(branch, *node.children[2]);
    }
    case NodeKind::kCall:
      break;
  }
  const std::string& name = node.text;
  static constexpr std::pair<std::string_view, const char*> kSame[] = {
      {"abs", "abs"}, {"ceil", "ceil"}, {"floor", "floor"}, {"exp", "exp"}, {"log", "ln"},
      {"log10", "log10"}, {"sqrt", "sqrt"}, {"pow", "pow"}, {"is_missing", "isMissing"}, {"tanh", "tanh"},
      {"sin", "sin"}, {"cos", "cos"}, {"atan", "atan"}, {"log1p", "ln1p"}, {"expm1", "expm1"}};
  for (const auto& [podium_name, pmml_name] : kSame) {
    if (name != podium_name) continue;
    pugi::xml_node apply = Apply(parent, pmml_name);
    for (const auto& child : node.children) RETURN_IF_ERROR(WriteExpression(apply, *child));
    return Status::Ok();
  }
  if (name == "min" || name == "max") {
    // PMML's min and max skip missing arguments; the language's are missing
    // when any argument is: if every argument is present then min(...),
    // else (no else branch) missing.
    pugi::xml_node branch = Apply(parent, "if");
    pugi::xml_node all = node.children.size() == 1 ? branch : Apply(branch, "and");
    for (const auto& child : node.children) RETURN_IF_ERROR(WriteExpression(Apply(all, "isNotMissing"), *child));
    pugi::xml_node apply = Apply(branch, name.c_str());
    for (const auto& child : node.children) RETURN_IF_ERROR(WriteExpression(apply, *child));
    return Status::Ok();
  }
  if (name == "coalesce") {
    // if a is present then a else coalesce(rest); the last argument as is.
    pugi::xml_node at = parent;
    for (size_t i = 0; i + 1 < node.children.size(); ++i) {
      pugi::xml_node branch = Apply(at, "if");
      RETURN_IF_ERROR(WriteExpression(Apply(branch, "isNotMissing"), *node.children[i]));
      RETURN_IF_ERROR(WriteExpression(branch, *node.children[i]));
      at = branch;
    }
    return WriteExpression(at, *node.children.back());
  }
  return UnimplementedError("function " + Quote(name) + " has no PMML built-in equivalent");
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

Status Exporter::WriteGlm(pugi::xml_node root, const GlmModel& glm) {
  const bool classification = p_.model.task == Task::kClassification;
  pugi::xml_node model = root.append_child("RegressionModel");
  model.append_attribute("functionName") = classification ? "classification" : "regression";
  const char* method = nullptr;
  if (glm.family == GlmFamily::kMultinomial) {
    method = "softmax";
  } else {
    switch (glm.link) {
      case LinkFunction::kIdentity: method = "none"; break;
      case LinkFunction::kLogit: method = "logit"; break;
      case LinkFunction::kProbit: method = "probit"; break;
      case LinkFunction::kCloglog: method = "cloglog"; break;
      case LinkFunction::kLog:
        if (classification) return UnimplementedError("a binomial GLM with link 'log' has no PMML normalization");
        method = "exp";
        break;
      case LinkFunction::kInverse:
        root.remove_child(model);
        return WriteGeneralRegression(root, glm);
    }
  }
  model.append_attribute("normalizationMethod") = method;
  RETURN_IF_ERROR(WriteMiningSchema(model));
  WriteOutput(model);
  const size_t features = p_.features.size();
  // One term per feature in feature order (zero coefficients included: a
  // missing feature makes the prediction missing either way), the offset
  // last with coefficient 1: the IR's sum, term for term.
  auto table = [&](size_t row, const std::string& category) -> Status {
    pugi::xml_node node = model.append_child("RegressionTable");
    node.append_attribute("intercept") = Number(glm.intercepts[row]).c_str();
    if (!category.empty()) node.append_attribute("targetCategory") = category.c_str();
    auto term = [&](const std::string& column, double coefficient) -> Status {
      const Column& info = columns_.at(column);
      if (info.type == expr::Type::kBoolean) {
        // A boolean is 1 when true: the indicator of "true".
        pugi::xml_node predictor = node.append_child("CategoricalPredictor");
        predictor.append_attribute("name") = column.c_str();
        predictor.append_attribute("value") = "true";
        predictor.append_attribute("coefficient") = Number(coefficient).c_str();
        return Status::Ok();
      }
      if (info.type != expr::Type::kNumber) {
        return UnimplementedError("GLM feature " + Quote(column) + " is not a number");
      }
      pugi::xml_node predictor = node.append_child("NumericPredictor");
      predictor.append_attribute("name") = column.c_str();
      predictor.append_attribute("coefficient") = Number(coefficient).c_str();
      return Status::Ok();
    };
    for (size_t j = 0; j < features; ++j) RETURN_IF_ERROR(term(p_.features[j], glm.coefficients[row * features + j]));
    if (!glm.offset.empty()) {
      if (std::find(p_.features.begin(), p_.features.end(), glm.offset) != p_.features.end()) {
        return UnimplementedError("GLM offset " + Quote(glm.offset) + " is also a feature");
      }
      RETURN_IF_ERROR(term(glm.offset, 1.0));
    }
    return Status::Ok();
  };
  if (!classification) return table(0, "");
  const std::vector<std::string>& classes = p_.model.classes;
  if (glm.family == GlmFamily::kMultinomial) {
    for (size_t k = 0; k < classes.size(); ++k) RETURN_IF_ERROR(table(k, classes[k]));
    return Status::Ok();
  }
  // PMML: the first table's category gets link^-1(eta), the second 1 - that.
  RETURN_IF_ERROR(table(0, classes[1]));
  pugi::xml_node second = model.append_child("RegressionTable");
  second.append_attribute("intercept") = "0";
  second.append_attribute("targetCategory") = classes[0].c_str();
  return Status::Ok();
}

Status Exporter::WriteGeneralRegression(pugi::xml_node root, const GlmModel& glm) {
  if (p_.model.task != Task::kRegression || glm.link != LinkFunction::kInverse) {
    return UnimplementedError("a GLM with link " + Quote(LinkFunctionName(glm.link)) + " as GeneralRegressionModel");
  }
  pugi::xml_node model = root.append_child("GeneralRegressionModel");
  model.append_attribute("functionName") = "regression";
  model.append_attribute("modelType") = "generalizedLinear";
  // power -1: mu = 1 / eta.
  model.append_attribute("linkFunction") = "power";
  model.append_attribute("linkParameter") = "-1";
  const char* distribution = "normal";
  switch (glm.family) {
    case GlmFamily::kGamma: distribution = "gamma"; break;
    case GlmFamily::kPoisson: distribution = "poisson"; break;
    case GlmFamily::kTweedie: distribution = "tweedie"; break;
    default: break;
  }
  model.append_attribute("distribution") = distribution;
  if (glm.family == GlmFamily::kTweedie) model.append_attribute("distParameter") = Number(glm.tweedie_power).c_str();
  if (!glm.offset.empty()) {
    if (std::find(p_.features.begin(), p_.features.end(), glm.offset) != p_.features.end()) {
      return UnimplementedError("GLM offset " + Quote(glm.offset) + " is also a feature");
    }
    model.append_attribute("offsetVariable") = glm.offset.c_str();
  }
  RETURN_IF_ERROR(WriteMiningSchema(model));
  WriteOutput(model);
  // p0 the intercept, p<j+1> feature j in feature order (zero betas kept, so
  // the features and the sum keep their order).
  pugi::xml_node parameters = model.append_child("ParameterList");
  pugi::xml_node intercept = parameters.append_child("Parameter");
  intercept.append_attribute("name") = "p0";
  intercept.append_attribute("label") = "Intercept";
  std::vector<std::string> factors;
  std::vector<std::string> covariates;
  for (size_t j = 0; j < p_.features.size(); ++j) {
    const std::string& column = p_.features[j];
    pugi::xml_node parameter = parameters.append_child("Parameter");
    parameter.append_attribute("name") = ("p" + std::to_string(j + 1)).c_str();
    parameter.append_attribute("label") = column.c_str();
    const expr::Type type = columns_.at(column).type;
    if (type == expr::Type::kString) return UnimplementedError("GLM feature " + Quote(column) + " is not a number");
    (type == expr::Type::kBoolean ? factors : covariates).push_back(column);
  }
  for (const auto& [list, names] : {std::pair{"FactorList", &factors}, std::pair{"CovariateList", &covariates}}) {
    if (names->empty()) continue;
    pugi::xml_node node = model.append_child(list);
    std::set<std::string> listed;
    for (const std::string& name : *names) {
      if (listed.insert(name).second) node.append_child("Predictor").append_attribute("name") = name.c_str();
    }
  }
  pugi::xml_node cells = model.append_child("PPMatrix");
  for (size_t j = 0; j < p_.features.size(); ++j) {
    const std::string& column = p_.features[j];
    pugi::xml_node cell = cells.append_child("PPCell");
    // A boolean is a factor whose "true" cell is 1; a covariate to the power 1.
    cell.append_attribute("value") = columns_.at(column).type == expr::Type::kBoolean ? "true" : "1";
    cell.append_attribute("predictorName") = column.c_str();
    cell.append_attribute("parameterName") = ("p" + std::to_string(j + 1)).c_str();
  }
  pugi::xml_node betas = model.append_child("ParamMatrix");
  for (size_t j = 0; j <= p_.features.size(); ++j) {
    pugi::xml_node cell = betas.append_child("PCell");
    cell.append_attribute("parameterName") = ("p" + std::to_string(j)).c_str();
    cell.append_attribute("beta") = Number(j == 0 ? glm.intercepts[0] : glm.coefficients[j - 1]).c_str();
  }
  return Status::Ok();
}

// Values the trees compare and sum: in a float32 ensemble the float the IR
// rounds them to, written exactly, so that a PMML consumer reading the text
// as a float or as a double gets that float.
double Exporter::TreeNumber(const TreeEnsembleModel& ensemble, double value) const {
  if (ensemble.precision == NumericPrecision::kFloat32) return static_cast<double>(static_cast<float>(value));
  return value;
}

Status Exporter::WritePredicates(const TreeEnsembleModel& ensemble, const Tree& tree, int32_t node,
                                 pugi::xml_node left, pugi::xml_node right, bool* right_first) {
  const size_t i = static_cast<size_t>(node);
  const std::string& column = p_.features[static_cast<size_t>(tree.feature[i])];
  const Column& info = columns_.at(column);
  const bool missing_left = tree.default_left[i] != 0;
  // The child missing values go to is tested first and named defaultChild,
  // so that a missing value, which makes its predicate unknown, goes there.
  *right_first = !missing_left;
  const bool categorical = !tree.category_levels.empty() && !tree.category_levels[i].empty();
  if (categorical) {
    // isIn / isNotIn the levels that go left.
    std::string items;
    for (const std::string& level : tree.category_levels[i]) {
      RETURN_IF_ERROR(CheckText("level", level));
      if (level.find('"') != std::string::npos || level.find('\\') != std::string::npos) {
        return UnimplementedError("categorical split level " + Quote(level) +
                                  " holds a quote or a backslash, which a PMML Array cannot hold unambiguously");
      }
      items += (items.empty() ? "\"" : " \"") + level + "\"";
    }
    for (auto [child, op] : {std::pair{left, "isIn"}, std::pair{right, "isNotIn"}}) {
      pugi::xml_node predicate = child.append_child("SimpleSetPredicate");
      predicate.append_attribute("field") = column.c_str();
      predicate.append_attribute("booleanOperator") = op;
      pugi::xml_node array = predicate.append_child("Array");
      array.append_attribute("n") = std::to_string(tree.category_levels[i].size()).c_str();
      array.append_attribute("type") = "string";
      array.text().set(items.c_str());
    }
    return Status::Ok();
  }
  if (info.type == expr::Type::kString) {
    return InvalidArgumentError("tree node " + std::to_string(node) + ": a numeric split on category " + Quote(column));
  }
  double threshold = TreeNumber(ensemble, tree.threshold[i]);
  std::string value = Number(threshold);
  if (info.type == expr::Type::kBoolean) {
    // A boolean is 0 or 1: x < t for t in (0, 1] is x < 1; otherwise every
    // present value goes the same way.
    if (threshold > 0 && threshold <= 1) {
      value = "1";
    } else {
      const bool present_left = threshold > 1;
      pugi::xml_node present = present_left ? left : right;
      pugi::xml_node other = present_left ? right : left;
      if (missing_left == present_left) {
        present.append_child("True");
        other.append_child("False");
      } else {
        for (auto [child, op] : {std::pair{present, "isNotMissing"}, std::pair{other, "isMissing"}}) {
          pugi::xml_node predicate = child.append_child("SimplePredicate");
          predicate.append_attribute("field") = column.c_str();
          predicate.append_attribute("operator") = op;
        }
      }
      return Status::Ok();
    }
  }
  for (auto [child, op] : {std::pair{left, "lessThan"}, std::pair{right, "greaterOrEqual"}}) {
    pugi::xml_node predicate = child.append_child("SimplePredicate");
    predicate.append_attribute("field") = column.c_str();
    predicate.append_attribute("operator") = op;
    predicate.append_attribute("value") = value.c_str();
  }
  return Status::Ok();
}

Status Exporter::WriteNode(pugi::xml_node element, const TreeEnsembleModel& ensemble, const Tree& tree,
                           int32_t node, bool classification, int depth) {
  // The importer refuses documents nesting deeper than 512 elements.
  constexpr int kMaxTreeDepth = 480;
  if (depth > kMaxTreeDepth) {
    return UnimplementedError("a tree deeper than " + std::to_string(kMaxTreeDepth) + " levels");
  }
  const size_t i = static_cast<size_t>(node);
  element.append_attribute("id") = std::to_string(node).c_str();
  if (!tree.cover.empty()) element.append_attribute("recordCount") = Number(tree.cover[i]).c_str();
  if (tree.left[i] < 0) {
    const size_t width = static_cast<size_t>(tree.leaf_width);
    if (!classification) {
      element.append_attribute("score") = Number(TreeNumber(ensemble, tree.leaf_values[i * width])).c_str();
      return Status::Ok();
    }
    // A probability vector: the score is the class Podium's label rule picks.
    const double* values = tree.leaf_values.data() + i * width;
    size_t label = 0;
    if (width == 2) {
      label = values[1] >= 0.5 ? 1 : 0;
    } else {
      for (size_t k = 1; k < width; ++k) {
        if (values[k] > values[label]) label = k;
      }
    }
    element.append_attribute("score") = p_.model.classes[label].c_str();
    for (size_t k = 0; k < width; ++k) {
      if (!(values[k] >= 0 && values[k] <= 1)) {
        return UnimplementedError("a classification forest leaf value " + Number(values[k]) +
                                  " is not a probability");
      }
      pugi::xml_node entry = element.append_child("ScoreDistribution");
      entry.append_attribute("value") = p_.model.classes[k].c_str();
      entry.append_attribute("recordCount") = Number(values[k]).c_str();
      entry.append_attribute("probability") = Number(values[k]).c_str();
    }
    return Status::Ok();
  }
  const int32_t left_index = tree.left[i];
  const int32_t right_index = tree.right[i];
  pugi::xml_document scratch;
  pugi::xml_node left = scratch.append_child("Node");
  pugi::xml_node right = scratch.append_child("Node");
  bool right_first = false;
  RETURN_IF_ERROR(WritePredicates(ensemble, tree, node, left, right, &right_first));
  element.append_attribute("defaultChild") = std::to_string(right_first ? right_index : left_index).c_str();
  // Children in test order, each with its predicate first. The second is
  // True: PMML reaches it only when the first predicate is false, and so it
  // needs no second (complementary) test that a reader must prove exclusive.
  for (const bool is_right : {right_first, !right_first}) {
    pugi::xml_node child = element.append_child("Node");
    if (is_right == right_first) {
      child.append_copy((is_right ? right : left).first_child());
    } else {
      child.append_child("True");
    }
    RETURN_IF_ERROR(WriteNode(child, ensemble, tree, is_right ? right_index : left_index, classification, depth + 1));
  }
  return Status::Ok();
}

Status Exporter::WriteTree(pugi::xml_node segmentation, const TreeEnsembleModel& ensemble, const Tree& tree, int id,
                           bool classification) {
  pugi::xml_node segment = segmentation.append_child("Segment");
  segment.append_attribute("id") = std::to_string(id).c_str();
  segment.append_child("True");
  pugi::xml_node model = segment.append_child("TreeModel");
  model.append_attribute("functionName") = classification ? "classification" : "regression";
  model.append_attribute("missingValueStrategy") = "defaultChild";
  model.append_attribute("splitCharacteristic") = "binarySplit";
  if (ensemble.precision == NumericPrecision::kFloat32) model.append_attribute("mathContext") = "float";
  pugi::xml_node schema = model.append_child("MiningSchema");
  std::set<std::string> used;
  for (size_t i = 0; i < tree.feature.size(); ++i) {
    if (tree.left[i] >= 0) used.insert(p_.features[static_cast<size_t>(tree.feature[i])]);
  }
  for (const std::string& name : used) schema.append_child("MiningField").append_attribute("name") = name.c_str();
  if (classification) {
    pugi::xml_node target = schema.append_child("MiningField");
    target.append_attribute("name") = target_.c_str();
    target.append_attribute("usageType") = "target";
  }
  pugi::xml_node root = model.append_child("Node");
  root.append_child("True");
  return WriteNode(root, ensemble, tree, 0, classification, 0);
}

Status Exporter::WriteTreeSum(pugi::xml_node parent, const TreeEnsembleModel& ensemble, int output, double base,
                              const std::string& margin_name) {
  pugi::xml_node model = parent.append_child("MiningModel");
  model.append_attribute("functionName") = "regression";
  if (ensemble.precision == NumericPrecision::kFloat32) model.append_attribute("mathContext") = "float";
  if (margin_name.empty()) {
    RETURN_IF_ERROR(WriteMiningSchema(model));
    WriteOutput(model);
  } else {
    pugi::xml_node schema = model.append_child("MiningSchema");
    std::set<std::string> used;
    for (const Tree& tree : ensemble.trees) {
      if (output >= 0 && tree.output != output) continue;
      for (size_t i = 0; i < tree.feature.size(); ++i) {
        if (tree.left[i] >= 0) used.insert(p_.features[static_cast<size_t>(tree.feature[i])]);
      }
    }
    for (const std::string& name : used) schema.append_child("MiningField").append_attribute("name") = name.c_str();
    AppendOutputField(model.append_child("Output"), margin_name, "predictedValue", OutputType::kNumber);
  }
  const bool average = ensemble.aggregation == Aggregation::kAverage;
  if (average && base != 0) {
    // average then + base, as the IR adds base_score after the division.
    pugi::xml_node target = model.append_child("Targets").append_child("Target");
    target.append_attribute("field") = target_.c_str();
    target.append_attribute("rescaleConstant") = Number(base).c_str();
  }
  pugi::xml_node segmentation = model.append_child("Segmentation");
  segmentation.append_attribute("multipleModelMethod") = average ? "average" : "sum";
  // A one-leaf tree scoring `value`.
  auto constant = [](double value) {
    Tree tree;
    tree.feature = {-1};
    tree.threshold = {0};
    tree.left = {-1};
    tree.right = {-1};
    tree.default_left = {0};
    tree.leaf_values = {value};
    return tree;
  };
  int id = 1;
  if (!average && base != 0) {
    // The base score as a first, constant tree: the sum then starts from it,
    // in the IR's order (a Targets rescaleConstant would be added last).
    RETURN_IF_ERROR(WriteTree(segmentation, ensemble, constant(base), id++, false));
  }
  for (const Tree& tree : ensemble.trees) {
    if (output >= 0 && tree.output != output) continue;
    RETURN_IF_ERROR(WriteTree(segmentation, ensemble, tree, id++, false));
  }
  // A Segmentation needs a Segment; no trees add nothing.
  if (id == 1) RETURN_IF_ERROR(WriteTree(segmentation, ensemble, constant(0), id++, false));
  return Status::Ok();
}

Status Exporter::WriteEnsemble(pugi::xml_node root, const TreeEnsembleModel& ensemble) {
  const bool classification = p_.model.task == Task::kClassification;
  const bool float32 = ensemble.precision == NumericPrecision::kFloat32;
  const bool vector_leaves =
      std::any_of(ensemble.trees.begin(), ensemble.trees.end(), [](const Tree& t) { return t.leaf_width > 1; });
  if (float32 && ensemble.aggregation == Aggregation::kAverage) {
    return UnimplementedError("a float32 tree ensemble with aggregation 'average' (the IR divides in double, a "
                              "PMML consumer in mathContext float would divide in float)");
  }
  if (ensemble.output_transform == OutputTransform::kIdentity) {
    if (!classification) return WriteTreeSum(root, ensemble, -1, ensemble.base_score[0], "");
    // A forest of probability vectors: the average of the leaves'
    // distributions. One tree summed (an imported TreeModel classifier) is
    // its own average: x / 1 and 0 + x are x.
    const bool averaged = ensemble.aggregation == Aggregation::kAverage || ensemble.trees.size() == 1;
    if (!averaged || !vector_leaves) {
      return UnimplementedError("a tree classifier with output transform 'identity' other than an average of "
                                "probability vectors");
    }
    for (const Tree& tree : ensemble.trees) {
      if (tree.leaf_width != ensemble.num_outputs) {
        return UnimplementedError("a classification forest mixing scalar and vector leaves");
      }
    }
    if (std::any_of(ensemble.base_score.begin(), ensemble.base_score.end(), [](double b) { return b != 0; })) {
      return UnimplementedError("a classification forest with a non-zero base_score");
    }
    pugi::xml_node model = root.append_child("MiningModel");
    model.append_attribute("functionName") = "classification";
    RETURN_IF_ERROR(WriteMiningSchema(model));
    WriteOutput(model);
    pugi::xml_node segmentation = model.append_child("Segmentation");
    segmentation.append_attribute("multipleModelMethod") = "average";
    int id = 1;
    for (const Tree& tree : ensemble.trees) RETURN_IF_ERROR(WriteTree(segmentation, ensemble, tree, id++, true));
    return Status::Ok();
  }
  if (vector_leaves) {
    return UnimplementedError("a tree ensemble with vector leaves and output transform " +
                              Quote(OutputTransformName(ensemble.output_transform)));
  }
  if (ensemble.aggregation != Aggregation::kSum) {
    return UnimplementedError("a tree ensemble with aggregation 'average' and output transform " +
                              Quote(OutputTransformName(ensemble.output_transform)));
  }
  // The margins as regression MiningModels, then a RegressionModel that
  // applies the output transform to them: a modelChain.
  pugi::xml_node model = root.append_child("MiningModel");
  model.append_attribute("functionName") = classification ? "classification" : "regression";
  RETURN_IF_ERROR(WriteMiningSchema(model));
  WriteOutput(model);
  pugi::xml_node segmentation = model.append_child("Segmentation");
  segmentation.append_attribute("multipleModelMethod") = "modelChain";
  std::vector<std::string> margins;
  for (int k = 0; k < ensemble.num_outputs; ++k) {
    margins.push_back(FreshName("margin" + (ensemble.num_outputs > 1 ? "_" + std::to_string(k) : std::string())));
    pugi::xml_node segment = segmentation.append_child("Segment");
    segment.append_attribute("id") = std::to_string(k + 1).c_str();
    segment.append_child("True");
    const double base = float32 ? TreeNumber(ensemble, ensemble.base_score[static_cast<size_t>(k)])
                                : ensemble.base_score[static_cast<size_t>(k)];
    RETURN_IF_ERROR(WriteTreeSum(segment, ensemble, ensemble.num_outputs > 1 ? k : -1, base, margins.back()));
  }
  pugi::xml_node segment = segmentation.append_child("Segment");
  segment.append_attribute("id") = std::to_string(ensemble.num_outputs + 1).c_str();
  segment.append_child("True");
  pugi::xml_node last = segment.append_child("RegressionModel");
  last.append_attribute("functionName") = classification ? "classification" : "regression";
  const char* method = nullptr;
  switch (ensemble.output_transform) {
    case OutputTransform::kLogistic: method = "logit"; break;
    case OutputTransform::kSoftmax: method = "softmax"; break;
    case OutputTransform::kExp: method = "exp"; break;
    case OutputTransform::kIdentity: break;
  }
  const bool want_classification = ensemble.output_transform != OutputTransform::kExp;
  if (want_classification != classification ||
      (ensemble.output_transform == OutputTransform::kLogistic &&
       (ensemble.num_outputs != 1 || p_.model.classes.size() != 2)) ||
      (ensemble.output_transform == OutputTransform::kSoftmax &&
       static_cast<size_t>(ensemble.num_outputs) != p_.model.classes.size())) {
    return UnimplementedError("output transform " + Quote(OutputTransformName(ensemble.output_transform)) +
                              " with this task and number of outputs");
  }
  last.append_attribute("normalizationMethod") = method;
  pugi::xml_node schema = last.append_child("MiningSchema");
  for (const std::string& margin : margins) {
    schema.append_child("MiningField").append_attribute("name") = margin.c_str();
  }
  pugi::xml_node target = schema.append_child("MiningField");
  target.append_attribute("name") = target_.c_str();
  target.append_attribute("usageType") = "target";
  // y = 0 + 1 * margin: exactly the margin.
  auto table = [&](const std::string& margin, const std::string& category) {
    pugi::xml_node node = last.append_child("RegressionTable");
    node.append_attribute("intercept") = "0";
    if (!category.empty()) node.append_attribute("targetCategory") = category.c_str();
    if (!margin.empty()) {
      pugi::xml_node predictor = node.append_child("NumericPredictor");
      predictor.append_attribute("name") = margin.c_str();
      predictor.append_attribute("coefficient") = "1";
    }
  };
  if (ensemble.output_transform == OutputTransform::kExp) {
    table(margins[0], "");
  } else if (ensemble.output_transform == OutputTransform::kLogistic) {
    // PMML's logit: the first table's category gets 1 / (1 + exp(-y)).
    table(margins[0], p_.model.classes[1]);
    table("", p_.model.classes[0]);
  } else {
    for (size_t k = 0; k < margins.size(); ++k) table(margins[k], p_.model.classes[k]);
  }
  return Status::Ok();
}

// PMML's names of the IR's measures and compare functions.
const char* PmmlMeasureName(ClusterMeasure measure) {
  switch (measure) {
    case ClusterMeasure::kEuclidean: return "euclidean";
    case ClusterMeasure::kSquaredEuclidean: return "squaredEuclidean";
    case ClusterMeasure::kCityBlock: return "cityBlock";
    case ClusterMeasure::kChebychev: return "chebychev";
    case ClusterMeasure::kMinkowski: return "minkowski";
    case ClusterMeasure::kSimpleMatching: return "simpleMatching";
    case ClusterMeasure::kJaccard: return "jaccard";
    case ClusterMeasure::kTanimoto: return "tanimoto";
    case ClusterMeasure::kBinarySimilarity: return "binarySimilarity";
  }
  return "?";
}

const char* PmmlCompareName(CompareFunction compare) {
  switch (compare) {
    case CompareFunction::kAbsDiff: return "absDiff";
    case CompareFunction::kGaussSim: return "gaussSim";
    case CompareFunction::kDelta: return "delta";
    case CompareFunction::kEqual: return "equal";
    case CompareFunction::kTable: return "table";
  }
  return "?";
}

// A table feature's level as an Array item, quoted (a level may hold spaces).
Result<std::string> LevelItem(const std::string& level) {
  if (level.find('"') != std::string::npos || level.find('\\') != std::string::npos) {
    return UnimplementedError("clustering level " + Quote(level) +
                              " holds a quote or a backslash, which a PMML Array cannot hold unambiguously");
  }
  return "\"" + level + "\"";
}

void NumberArray(pugi::xml_node parent, std::vector<double>::const_iterator first, size_t n) {
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) text += ' ';
    text += Number(*(first + static_cast<ptrdiff_t>(i)));
  }
  pugi::xml_node array = parent.append_child("Array");
  array.append_attribute("n") = std::to_string(n).c_str();
  array.append_attribute("type") = "real";
  array.text().set(text.c_str());
}

// A table feature's Comparisons: one Array per row, rows and columns in the
// order of the DataField's Values (`levels`), which may differ from the
// table's own order.
void WriteComparisons(pugi::xml_node field, const CompareTable& table, const std::vector<std::string>& levels) {
  const size_t n = levels.size();
  std::vector<size_t> position;  // DataField order -> table order
  for (const std::string& level : levels) {
    position.push_back(static_cast<size_t>(std::find(table.levels.begin(), table.levels.end(), level) -
                                           table.levels.begin()));
  }
  pugi::xml_node matrix = field.append_child("Comparisons").append_child("Matrix");
  matrix.append_attribute("kind") = "any";
  matrix.append_attribute("nbRows") = std::to_string(n).c_str();
  matrix.append_attribute("nbCols") = std::to_string(n).c_str();
  for (size_t r = 0; r < n; ++r) {
    std::vector<double> row;
    for (size_t c = 0; c < n; ++c) row.push_back(table.values[position[r] * n + position[c]]);
    NumberArray(matrix, row.begin(), n);
  }
}

Status Exporter::WriteClustering(pugi::xml_node root, const ClusteringModel& clustering) {
  const std::vector<std::string>& ids = p_.model.classes;
  const size_t f = p_.features.size();
  for (size_t i = 0; i < f; ++i) {
    const std::string& feature = p_.features[i];
    const Column& column = columns_.at(feature);
    if (clustering.compare[i] == CompareFunction::kTable) {
      // PMML indexes a Comparisons matrix by a DataField's Values.
      if (column.input == nullptr || column.type != expr::Type::kString || column.levels.empty()) {
        return UnimplementedError("clustering feature " + Quote(feature) +
                                  " is compared by a table but is not a categorical input field (PMML indexes a "
                                  "Comparisons matrix by a DataField's Values)");
      }
      for (const std::string& level : column.levels) RETURN_IF_ERROR(LevelItem(level).status());
    } else if (column.type != expr::Type::kNumber) {
      return UnimplementedError("clustering feature " + Quote(feature) +
                                " is not a number (PMML compares numeric ClusteringFields, and categories by a table)");
    }
  }
  pugi::xml_node model = root.append_child("ClusteringModel");
  model.append_attribute("functionName") = "clustering";
  model.append_attribute("modelClass") = "centerBased";
  model.append_attribute("numberOfClusters") = std::to_string(ids.size()).c_str();
  RETURN_IF_ERROR(WriteMiningSchema(model));
  // The cluster (predictedValue: the winner's id) and every affinity.
  pugi::xml_node output = model.append_child("Output");
  AppendOutputField(output, LabelColumnName(p_), "predictedValue", OutputType::kCategory);
  const std::vector<std::string> values = ValueColumnNames(p_);
  for (size_t c = 0; c < ids.size(); ++c) {
    RETURN_IF_ERROR(CheckText("cluster", ids[c]));
    pugi::xml_node field = AppendOutputField(output, values[c], "affinity", OutputType::kNumber);
    field.append_attribute("value") = ids[c].c_str();
  }
  pugi::xml_node comparison = model.append_child("ComparisonMeasure");
  comparison.append_attribute("kind") = IsSimilarity(clustering.measure) ? "similarity" : "distance";
  comparison.append_attribute("compareFunction") = "absDiff";
  pugi::xml_node measure = comparison.append_child(PmmlMeasureName(clustering.measure));
  if (clustering.measure == ClusterMeasure::kMinkowski) {
    measure.append_attribute("p-parameter") = Number(clustering.minkowski_p).c_str();
  }
  if (clustering.measure == ClusterMeasure::kBinarySimilarity) {
    const BinarySimilarity& b = clustering.binary;
    const std::pair<const char*, double> coefficients[] = {
        {"c00-parameter", b.c00}, {"c01-parameter", b.c01}, {"c10-parameter", b.c10}, {"c11-parameter", b.c11},
        {"d00-parameter", b.d00}, {"d01-parameter", b.d01}, {"d10-parameter", b.d10}, {"d11-parameter", b.d11}};
    for (const auto& [name, value] : coefficients) measure.append_attribute(name) = Number(value).c_str();
  }
  for (size_t i = 0; i < f; ++i) {
    pugi::xml_node field = model.append_child("ClusteringField");
    field.append_attribute("field") = p_.features[i].c_str();
    field.append_attribute("compareFunction") = PmmlCompareName(clustering.compare[i]);
    field.append_attribute("fieldWeight") = Number(clustering.field_weights[i]).c_str();
    if (clustering.compare[i] == CompareFunction::kGaussSim) {
      field.append_attribute("similarityScale") = Number(clustering.similarity_scale[i]).c_str();
    }
    if (clustering.compare[i] == CompareFunction::kTable) {
      WriteComparisons(field, clustering.tables[i], columns_.at(p_.features[i]).levels);
    }
  }
  if (!clustering.missing_weights.empty()) {
    NumberArray(model.append_child("MissingValueWeights"), clustering.missing_weights.begin(), f);
  }
  for (size_t c = 0; c < ids.size(); ++c) {
    pugi::xml_node cluster = model.append_child("Cluster");
    cluster.append_attribute("id") = ids[c].c_str();
    cluster.append_attribute("name") = ids[c].c_str();
    if (clustering.tables.empty()) {
      NumberArray(cluster, clustering.centers.begin() + static_cast<ptrdiff_t>(c * f), f);
      continue;
    }
    // A table feature's coordinate is a level position; PMML's center holds
    // the value itself.
    std::string text;
    for (size_t i = 0; i < f; ++i) {
      const double y = clustering.centers[c * f + i];
      if (i > 0) text += ' ';
      if (clustering.compare[i] == CompareFunction::kTable) {
        ASSIGN_OR_RETURN(const std::string item, LevelItem(clustering.tables[i].levels[static_cast<size_t>(y)]));
        text += item;
      } else {
        text += Number(y);
      }
    }
    pugi::xml_node array = cluster.append_child("Array");
    array.append_attribute("n") = std::to_string(f).c_str();
    array.append_attribute("type") = "string";
    array.text().set(text.c_str());
  }
  return Status::Ok();
}

Result<std::string> Exporter::Run() {
  RETURN_IF_ERROR(ValidatePipeline(p_).WithContext("the pipeline does not validate"));
  RETURN_IF_ERROR(CheckSupported());
  RETURN_IF_ERROR(CheckText("name", p_.name));
  RETURN_IF_ERROR(CheckText("description", p_.description));
  RETURN_IF_ERROR(CheckText("source", p_.source));
  pugi::xml_document document;
  pugi::xml_node declaration = document.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = document.append_child("PMML");
  root.append_attribute("xmlns") = kNamespace;
  root.append_attribute("version") = "4.4";
  WriteHeader(root);
  RETURN_IF_ERROR(WriteDataDictionary(root));
  if (!p_.transforms.empty()) {
    pugi::xml_node dictionary = root.append_child("TransformationDictionary");
    for (const Transform& transform : p_.transforms) RETURN_IF_ERROR(WriteTransform(dictionary, transform));
  }
  // PMML field names are one namespace: an output may not share a column's.
  std::vector<std::string> outputs = ValueColumnNames(p_);
  if (p_.model.task != Task::kRegression) outputs.push_back(LabelColumnName(p_));
  for (const std::string& output : outputs) {
    RETURN_IF_ERROR(CheckText("output", output));
    if (columns_.count(output) != 0) {
      return UnimplementedError("output " + Quote(output) +
                                " has the name of an input or derived column, and PMML field names are unique");
    }
  }
  if (const auto* glm = std::get_if<GlmModel>(&p_.model.body)) {
    RETURN_IF_ERROR(WriteGlm(root, *glm));
  } else if (const auto* clustering = std::get_if<ClusteringModel>(&p_.model.body)) {
    RETURN_IF_ERROR(WriteClustering(root, *clustering));
  } else {
    RETURN_IF_ERROR(WriteEnsemble(root, std::get<TreeEnsembleModel>(p_.model.body)));
  }
  RETURN_IF_ERROR(WritePostProcessing(root.last_child()));
  std::ostringstream out;
  document.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

}  // namespace

Result<std::string> ExportPmml(const Pipeline& pipeline, const PmmlExportOptions& options) {
  try {
    Exporter exporter(pipeline, options);
    return exporter.Run();
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while exporting the pipeline as PMML");
  } catch (const std::exception& e) {
    return InternalError(std::string("PMML export failed: ") + e.what());
  }
}

}  // namespace podium
