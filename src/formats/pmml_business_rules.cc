#include "formats/pmml_business_rules.h"

#include <pugixml.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "data/number.h"
#include "formats/pmml_internal.h"

namespace podium::pmml_rules {
namespace {

pugi::xml_node AppendApply(pugi::xml_node parent, const char* function) {
  pugi::xml_node node = parent.append_child("Apply");
  node.append_attribute("function") = function;
  return node;
}

void AppendConstant(pugi::xml_node parent, const std::string& text, const char* data_type) {
  pugi::xml_node node = parent.append_child("Constant");
  node.append_attribute("dataType") = data_type;
  node.text().set(text.c_str());
}

void AppendFieldRef(pugi::xml_node parent, const std::string& field) {
  parent.append_child("FieldRef").append_attribute("field") = field.c_str();
}

void AppendNumber(pugi::xml_node parent, double value) {
  std::string text;
  FormatNumber(value, &text);
  AppendConstant(parent, text, "double");
}

}  // namespace

void AppendLabelDecision(pugi::xml_node parent, const ModelOutputs& model) {
  const std::vector<std::string>& classes = model.classes;
  const std::vector<std::string>& p = model.probability_fields;
  if (classes.size() == 2) {
    pugi::xml_node branch = AppendApply(parent, "if");
    pugi::xml_node compare = AppendApply(branch, "greaterOrEqual");
    AppendFieldRef(compare, p[1]);
    AppendNumber(compare, model.threshold);
    AppendConstant(branch, classes[1], "string");
    AppendConstant(branch, classes[0], "string");
    return;
  }
  // Class k, once the classes before it are ruled out, is the arg max
  // exactly when p_k >= p_j for every later j: the first class holding the
  // largest probability is never ruled out before its turn, and passes it.
  pugi::xml_node at = parent;
  for (size_t k = 0; k + 1 < classes.size(); ++k) {
    pugi::xml_node branch = AppendApply(at, "if");
    pugi::xml_node all = classes.size() - k == 2 ? branch : AppendApply(branch, "and");
    for (size_t j = k + 1; j < classes.size(); ++j) {
      pugi::xml_node compare = AppendApply(all, "greaterOrEqual");
      AppendFieldRef(compare, p[k]);
      AppendFieldRef(compare, p[j]);
    }
    AppendConstant(branch, classes[k], "string");
    at = branch;
  }
  // The last class: reached only when every earlier one is ruled out, which
  // a missing probability never does (PMML's if is then missing).
  AppendConstant(at, classes.back(), "string");
}

std::string FlagText(const BusinessRule& rule) { return rule.reason.empty() ? rule.name : rule.reason; }

size_t CharacterCount(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

void AppendRuleExtension(pugi::xml_node field, const BusinessRule& rule) {
  pugi::xml_node extension = field.append_child("Extension");
  extension.append_attribute("extender") = kExtender;
  extension.append_attribute("name") = kRuleExtension;
  extension.append_attribute("value") = rule.name.c_str();
  if (!rule.reason.empty()) extension.text().set(rule.reason.c_str());
}

bool IsRuleField(const pugi::xml_node& field) {
  for (const pugi::xml_node& extension : pmml_internal::Children(field, "Extension")) {
    if (pmml_internal::Attribute(extension, "extender") == kExtender &&
        pmml_internal::Attribute(extension, "name") == kRuleExtension) {
      return true;
    }
  }
  return false;
}

namespace {

using pmml_internal::Attribute;
using pmml_internal::ElementChildren;
using pmml_internal::LocalName;
using pmml_internal::Locator;
using pmml_internal::QuoteString;

std::string Print(const pugi::xml_node& node) {
  std::ostringstream out;
  node.print(out, "", pugi::format_raw);
  return out.str();
}

bool IsApply(const pugi::xml_node& node, std::string_view function, size_t arguments) {
  return LocalName(node) == "Apply" && Attribute(node, "function") == function &&
         ElementChildren(node).size() == arguments;
}

bool IsConstant(const pugi::xml_node& node, const char* data_type) {
  return LocalName(node) == "Constant" && Attribute(node, "dataType") == data_type &&
         ElementChildren(node).empty();
}

bool IsNumber(const pugi::xml_node& node, double value) {
  if (!IsConstant(node, "double")) return false;
  const std::optional<double> number = pmml_internal::ParseDouble(node.child_value());
  return number && *number == value;
}

// Reads the rules as the structure formats/pmml_business_rules.h describes,
// refusing every other shape: a document that looks like Podium's rules but
// is not would otherwise be scored by rules it does not hold.
class RuleReader {
 public:
  RuleReader(const Locator& at, const pmml_internal::Scope& scope, const ModelOutputs& model)
      : at_(at), scope_(scope), model_(model) {}

  Status Read(const pugi::xml_node& field, std::vector<BusinessRule>* rules) {
    const std::optional<std::string> name = Attribute(field, "name");
    const std::string feature = Attribute(field, "feature").value_or("predictedValue");
    if (Attribute(field, "dataType") != "string") {
      return at_.Invalid(field, "rule output fields hold text (dataType \"string\")");
    }
    std::vector<BusinessRule> read;
    RETURN_IF_ERROR(ReadExtensions(field, &read));
    pugi::xml_node decisions;
    std::vector<pugi::xml_node> body;
    for (const pugi::xml_node& child : ElementChildren(field)) {
      if (LocalName(child) == "Extension") continue;
      if (LocalName(child) == "Decisions") {
        decisions = child;
      } else {
        body.push_back(child);
      }
    }
    if (body.size() != 1) return at_.Invalid(field, "a rule output field needs one expression");
    if (name == kDecisionField && feature == "decision") {
      if (!decisions) return at_.Invalid(field, "a decision OutputField needs its Decisions");
      RETURN_IF_ERROR(ReadDecision(body[0], &read));
      RETURN_IF_ERROR(CheckDecisions(decisions, read));
    } else if (name == kFlagsField && feature == "transformedValue") {
      RETURN_IF_ERROR(ReadFlags(body[0], &read));
    } else {
      return at_.Unsupported(field, "rule Extensions on an OutputField other than the decision (feature "
                                    "\"decision\") or the flags (feature \"transformedValue\")");
    }
    rules->insert(rules->end(), read.begin(), read.end());
    return Status::Ok();
  }

 private:
  Status ReadExtensions(const pugi::xml_node& field, std::vector<BusinessRule>* rules) {
    for (const pugi::xml_node& extension : pmml_internal::Children(field, "Extension")) {
      if (Attribute(extension, "extender") != kExtender || Attribute(extension, "name") != kRuleExtension) continue;
      BusinessRule rule;
      rule.name = Attribute(extension, "value").value_or("");
      if (rule.name.empty()) return at_.Invalid(extension, "a rule Extension needs the rule's name as its value");
      rule.reason = extension.child_value();
      rules->push_back(std::move(rule));
    }
    return Status::Ok();
  }

  // and(isNotMissing(C), C): "C holds".
  Result<std::string> ReadCondition(const pugi::xml_node& node) {
    if (!IsApply(node, "and", 2)) return Shape(node, "and(isNotMissing(C), C)");
    const std::vector<pugi::xml_node> both = ElementChildren(node);
    if (!IsApply(both[0], "isNotMissing", 1) || Print(ElementChildren(both[0])[0]) != Print(both[1])) {
      return Shape(node, "and(isNotMissing(C), C)");
    }
    ASSIGN_OR_RETURN(const pmml_internal::Lowered condition, pmml_internal::LowerExpression(at_, scope_, both[1]));
    if (condition.symbolic || condition.type != expr::Type::kBoolean) {
      return at_.Invalid(both[1], "a rule's condition is not a boolean");
    }
    return condition.text;
  }

  Status ReadDecision(pugi::xml_node node, std::vector<BusinessRule>* rules) {
    for (size_t i = 0; i < rules->size(); ++i) {
      BusinessRule& rule = (*rules)[i];
      const bool last = i + 1 == rules->size();
      const bool open = last && !model_.classification;  // a regression: no else branch
      if (!IsApply(node, "if", open ? 2 : 3)) {
        return Shape(node, open ? "if(C, decision)" : "if(C, decision, ...)");
      }
      const std::vector<pugi::xml_node> args = ElementChildren(node);
      ASSIGN_OR_RETURN(rule.when, ReadCondition(args[0]));
      if (!IsConstant(args[1], "string") || std::string_view(args[1].child_value()).empty()) {
        return Shape(args[1], "a string Constant, the rule's decision");
      }
      rule.action = RuleAction::kOverride;
      rule.decision = args[1].child_value();
      if (!open) node = args[2];
    }
    if (!model_.classification) return Status::Ok();
    pugi::xml_document expected;
    AppendLabelDecision(expected, model_);
    if (Print(expected.first_child()) != Print(node)) {
      return Shape(node, "the label when no rule holds, computed from the probabilities as the model's own");
    }
    return Status::Ok();
  }

  Status CheckDecisions(const pugi::xml_node& decisions, const std::vector<BusinessRule>& rules) {
    std::vector<std::string> expected = model_.classes;
    for (const BusinessRule& rule : rules) {
      if (std::find(expected.begin(), expected.end(), rule.decision) == expected.end()) {
        expected.push_back(rule.decision);
      }
    }
    std::vector<std::string> listed;
    for (const pugi::xml_node& decision : pmml_internal::Children(decisions, "Decision")) {
      listed.push_back(Attribute(decision, "value").value_or(""));
    }
    if (listed != expected) {
      return at_.Invalid(decisions, "the Decisions of the rules' decision must list the classes, then the rules' "
                                    "decisions in rule order");
    }
    return Status::Ok();
  }

  // if(notEqual(S, ""), substring(S, 3, n)), S = concat(pieces[, ""]).
  Status ReadFlags(const pugi::xml_node& node, std::vector<BusinessRule>* rules) {
    const char* shape = "if(notEqual(concat(...), \"\"), substring(concat(...), 3, length))";
    if (!IsApply(node, "if", 2)) return Shape(node, shape);
    const std::vector<pugi::xml_node> args = ElementChildren(node);
    if (!IsApply(args[0], "notEqual", 2) || !IsApply(args[1], "substring", 3)) return Shape(node, shape);
    const std::vector<pugi::xml_node> test = ElementChildren(args[0]);
    const std::vector<pugi::xml_node> cut = ElementChildren(args[1]);
    if (!IsConstant(test[1], "string") || std::string_view(test[1].child_value()) != "" ||
        Print(test[0]) != Print(cut[0]) || !IsNumber(cut[1], 3) || LocalName(test[0]) != "Apply" ||
        Attribute(test[0], "function") != "concat") {
      return Shape(node, shape);
    }
    std::vector<pugi::xml_node> pieces = ElementChildren(test[0]);
    if (rules->size() == 1 && pieces.size() == 2 && IsConstant(pieces[1], "string") &&
        std::string_view(pieces[1].child_value()).empty()) {
      pieces.pop_back();
    }
    if (pieces.size() != rules->size()) {
      return at_.Invalid(test[0], "concat has " + std::to_string(pieces.size()) + " parts for " +
                                      std::to_string(rules->size()) + " rule Extensions");
    }
    size_t length = 0;
    for (size_t i = 0; i < pieces.size(); ++i) {
      BusinessRule& rule = (*rules)[i];
      if (!IsApply(pieces[i], "if", 3)) return Shape(pieces[i], "if(C, \"; text\", \"\")");
      const std::vector<pugi::xml_node> part = ElementChildren(pieces[i]);
      ASSIGN_OR_RETURN(rule.when, ReadCondition(part[0]));
      const std::string text = IsConstant(part[1], "string") ? part[1].child_value() : "";
      if (text.rfind(kFlagSeparator, 0) != 0 || !IsConstant(part[2], "string") ||
          std::string_view(part[2].child_value()) != "") {
        return Shape(pieces[i], "if(C, \"; text\", \"\")");
      }
      rule.action = RuleAction::kAnnotate;
      if (text.substr(2) != FlagText(rule)) {
        return at_.Invalid(part[1], "the flag " + QuoteString(text.substr(2)) + " is not what rule " +
                                        QuoteString(rule.name) + " reports (its reason, else its name)");
      }
      length += CharacterCount(text);
    }
    const std::optional<double> kept = IsConstant(cut[2], "double")
                                           ? pmml_internal::ParseDouble(cut[2].child_value())
                                           : std::nullopt;
    if (!kept || *kept < static_cast<double>(length)) {
      return at_.Invalid(cut[2], "the length kept must be at least that of every flag together (" +
                                     std::to_string(length) + ")");
    }
    return Status::Ok();
  }

  Status Shape(const pugi::xml_node& node, const std::string& expected) const {
    return at_.Unsupported(node, "a rule output field must have the shape Podium writes (here " + expected + ")");
  }

  const Locator& at_;
  const pmml_internal::Scope& scope_;
  const ModelOutputs& model_;
};

}  // namespace

Status ReadRules(const Locator& at, const pmml_internal::Scope& scope, const ModelOutputs& model,
                 const std::vector<pugi::xml_node>& fields, std::vector<BusinessRule>* rules) {
  RuleReader reader(at, scope, model);
  std::vector<BusinessRule> overrides;
  std::vector<BusinessRule> annotations;
  bool decision_seen = false;
  bool flags_seen = false;
  for (const pugi::xml_node& field : fields) {
    const bool decision = Attribute(field, "name") == kDecisionField;
    if ((decision && decision_seen) || (!decision && flags_seen)) {
      return at.Invalid(field, "a second OutputField of rules of the same kind");
    }
    (decision ? decision_seen : flags_seen) = true;
    RETURN_IF_ERROR(reader.Read(field, decision ? &overrides : &annotations));
  }
  rules->insert(rules->end(), overrides.begin(), overrides.end());
  rules->insert(rules->end(), annotations.begin(), annotations.end());
  return Status::Ok();
}

}  // namespace podium::pmml_rules
