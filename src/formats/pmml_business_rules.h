// Internal to the formats module: the PMML form of a pipeline's business
// rules (post.rules), shared by the exporter, which writes it, and the
// importer, which reads it back.
//
// PMML has no rules over a model's score, but its OutputFields can compute
// what Podium's rules give:
// - the decision, as a `decision` OutputField named "decision": for each
//   override rule in order, if(and(isNotMissing(C), C), "<decision>", ...),
//   and last the label (LabelDecision below), or for a regression no else
//   branch (missing);
// - the flags, as a string `transformedValue` OutputField named "flags":
//   if(notEqual(S, ""), substring(S, 3, n)) with S = concat(P1, ..., Pm[,
//   ""]) and Pj = if(and(isNotMissing(Cj), Cj), "; <text j>", ""), n the
//   length of every "; <text>" together, so the texts of the annotate rules
//   that hold, joined by "; ", and missing when none holds.
// Each such OutputField carries one Extension per rule, in order:
// <Extension extender="Podium" name="rule" value="<rule name>">reason</Extension>.
// Those Extensions mark the fields as Podium's rules; the importer then
// requires exactly the shape above and refuses anything else.
#ifndef PODIUM_FORMATS_PMML_BUSINESS_RULES_H_
#define PODIUM_FORMATS_PMML_BUSINESS_RULES_H_

#include <pugixml.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "formats/pmml_internal.h"
#include "pipeline/pipeline.h"

namespace podium::pmml_rules {

inline constexpr char kExtender[] = "Podium";
inline constexpr char kRuleExtension[] = "rule";
inline constexpr char kDecisionField[] = "decision";
inline constexpr char kFlagsField[] = "flags";
inline constexpr char kFlagSeparator[] = "; ";

// What the rules' outputs read of the model.
struct ModelOutputs {
  bool classification = false;
  std::vector<std::string> classes;
  // The OutputFields holding the probabilities, in class order
  // (classification only).
  std::vector<std::string> probability_fields;
  double threshold = 0.5;  // binary only
};

// Appends to `parent` the label as an expression of Constants over the
// probability fields, exactly the IR's rule: binary, if(p1 >= threshold,
// classes[1], classes[0]); otherwise the first class whose probability is
// at least every later one's (the arg max, lowest index on ties). A missing
// probability gives a missing label.
void AppendLabelDecision(pugi::xml_node parent, const ModelOutputs& model);

// The text a rule adds to the flags: its reason, else its name.
std::string FlagText(const BusinessRule& rule);

// Number of characters (code points) of UTF-8 text.
size_t CharacterCount(const std::string& text);

// Appends the rule Extension of `rule` to `field`.
void AppendRuleExtension(pugi::xml_node field, const BusinessRule& rule);

// Whether an OutputField carries rule Extensions (and so must be read by
// ReadRules rather than as an ordinary output).
bool IsRuleField(const pugi::xml_node& field);

// Reads the rules back from the OutputFields IsRuleField picked, in document
// order: the decision field's override rules, then the flags field's
// annotate rules. `scope` is what a condition may read: the fields, the
// derived outputs and `score` under the output field that holds it. Any
// other shape is refused, naming the element.
Status ReadRules(const pmml_internal::Locator& at, const pmml_internal::Scope& scope, const ModelOutputs& model,
                 const std::vector<pugi::xml_node>& fields, std::vector<BusinessRule>* rules);

}  // namespace podium::pmml_rules

#endif  // PODIUM_FORMATS_PMML_BUSINESS_RULES_H_
