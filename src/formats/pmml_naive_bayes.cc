// NaiveBayesModel lowered to the IR (docs/formats/pmml.md, "NaiveBayesModel →
// multinomial GLM").
//
// PMML's likelihood of class k is count_k · Π_i P(x_i | k), normalised over
// the classes, where an input that is missing (or whose value has no
// PairCounts) is skipped. P(x | k) is pairCount(x, k) / Σ_v pairCount(v, k)
// for a categorical input, and `threshold` where the pair count is zero; for a
// continuous input it is the class's Gaussian density at x, raised to
// `threshold` when it is below. In logarithms the likelihood is a sum:
// ln count_k (an intercept) plus one derived column per input and class
// holding ln P(x_i | k), or 0 when the input is skipped. Softmax over these
// sums is exactly PMML's normalisation, so the model is a multinomial GLM
// whose row k has coefficient 1 on class k's columns.
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Conditions chained for one input and class: the expression language nests
// at most 256 levels.
constexpr size_t kMaxPairCounts = 200;

Result<double> RequiredNumber(const Locator& at, const pugi::xml_node& node, std::string_view name) {
  const std::optional<std::string> text = Attribute(node, name);
  if (!text) return at.Invalid(node, "missing attribute '" + std::string(name) + "'");
  const std::optional<double> value = ParseDouble(*text);
  if (!value) return at.Invalid(node, std::string(name) + " is not a finite number");
  return *value;
}

// TargetValueCounts -> class -> count; every class must be listed once.
Result<std::map<std::string, double>> ReadCounts(const Locator& at, const pugi::xml_node& counts,
                                                 const std::vector<std::string>& classes) {
  std::map<std::string, double> out;
  for (const pugi::xml_node& count : Children(counts, "TargetValueCount")) {
    const std::optional<std::string> value = Attribute(count, "value");
    if (!value) return at.Invalid(count, "missing attribute 'value'");
    ASSIGN_OR_RETURN(const double n, RequiredNumber(at, count, "count"));
    if (n < 0) return at.Invalid(count, "a negative count");
    if (std::find(classes.begin(), classes.end(), *value) == classes.end()) {
      return at.Invalid(count, QuoteString(*value) + " is not a class of the model");
    }
    if (!out.emplace(*value, n).second) return at.Invalid(count, "class " + QuoteString(*value) + " counted twice");
  }
  if (out.size() != classes.size()) {
    // Evaluators differ on a class left out (a zero count, or no factor at
    // all), so the document must say.
    return at.Unsupported(counts, "TargetValueCounts without a count for every class");
  }
  return out;
}

// The field a BayesInput reads, possibly through its own Discretize.
struct InputValue {
  ScopeField field;
  std::string skip;  // boolean: the input is skipped (missing)
};

Result<InputValue> ReadInputValue(ModelBuilder& build, const pugi::xml_node& input) {
  const Locator& at = build.at();
  ASSIGN_OR_RETURN(const ScopeField* field, build.Field(input, "fieldName"));
  InputValue out;
  out.field = *field;
  out.skip = MissingTest(*field);
  const pugi::xml_node derived = FirstChild(input, "DerivedField");
  if (!derived) return out;
  pugi::xml_node expression;
  for (pugi::xml_node child = derived.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child) != "Extension") {
      expression = child;
      break;
    }
  }
  if (!expression || LocalName(expression) != "Discretize") {
    return at.Unsupported(expression ? expression : derived, "a BayesInput's DerivedField other than Discretize");
  }
  const bool want_string = Attribute(derived, "dataType").value_or("string") == "string";
  ASSIGN_OR_RETURN(Lowered value, LowerExpression(at, build.scope(), expression, want_string));
  // A missing input is skipped before it is discretized; a value in no bin
  // (without a defaultValue) is missing too, and skipped.
  ScopeField binned;
  binned.may_be_missing = true;
  if (value.symbolic) {
    binned.symbolic = value.symbolic;
  } else {
    binned.column = build.AddHelperColumn(field->column + "_bin", value.text);
    binned.type = value.type;
  }
  out.skip = "(" + out.skip + " or " + MissingTest(binned) + ")";
  out.field = std::move(binned);
  return out;
}

}  // namespace

Status LowerNaiveBayes(ModelBuilder& build, const pugi::xml_node& model) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  ASSIGN_OR_RETURN(const double threshold, RequiredNumber(at, model, "threshold"));
  if (threshold <= 0) {
    return at.Unsupported(model, "threshold " + NumberLiteral(threshold) +
                                     ": a zero probability has no logarithm, which the lowering sums");
  }
  const double log_threshold = std::log(threshold);

  const pugi::xml_node output = FirstChild(model, "BayesOutput");
  if (!output) return at.Invalid(model, "missing BayesOutput");
  const pugi::xml_node output_counts = FirstChild(output, "TargetValueCounts");
  if (!output_counts) return at.Invalid(output, "missing TargetValueCounts");
  std::vector<std::string> classes = pipeline.model.classes;
  if (classes.empty()) {
    for (const pugi::xml_node& count : Children(output_counts, "TargetValueCount")) {
      classes.push_back(Attribute(count, "value").value_or(""));
    }
  }
  if (classes.size() < 2) return at.Invalid(output_counts, "a classifier needs at least two classes");
  ASSIGN_OR_RETURN(const auto priors, ReadCounts(at, output_counts, classes));

  std::vector<std::map<int32_t, double>> rows(classes.size());
  const pugi::xml_node inputs = FirstChild(model, "BayesInputs");
  if (!inputs) return at.Invalid(model, "missing BayesInputs");
  for (const pugi::xml_node& extension : Children(inputs, "Extension")) {
    if (FirstChild(extension, "BayesInput")) {
      return at.Unsupported(extension, "a BayesInput inside an Extension (pre-4.2 continuous inputs)");
    }
  }
  for (const pugi::xml_node& input : Children(inputs, "BayesInput")) {
    ASSIGN_OR_RETURN(InputValue value, ReadInputValue(build, input));
    const std::string base = Attribute(input, "fieldName").value_or("");
    // One expression per class: ln P(x | class), 0 when skipped.
    std::vector<std::string> terms(classes.size());
    if (const pugi::xml_node stats = FirstChild(input, "TargetValueStats")) {
      if (value.field.symbolic || value.field.type != expr::Type::kNumber) {
        return at.Invalid(input, "TargetValueStats for a field that is not a number");
      }
      const std::string x = QuoteColumn(value.field.column);
      std::map<std::string, std::string> by_class;
      for (const pugi::xml_node& stat : Children(stats, "TargetValueStat")) {
        const std::optional<std::string> category = Attribute(stat, "value");
        if (!category) return at.Invalid(stat, "missing attribute 'value'");
        if (std::find(classes.begin(), classes.end(), *category) == classes.end()) {
          return at.Invalid(stat, QuoteString(*category) + " is not a class of the model");
        }
        pugi::xml_node distribution;
        for (pugi::xml_node child = stat.first_child(); child; child = child.next_sibling()) {
          if (child.type() == pugi::node_element && LocalName(child) != "Extension") {
            distribution = child;
            break;
          }
        }
        if (!distribution) return at.Invalid(stat, "missing a distribution");
        if (LocalName(distribution) != "GaussianDistribution") {
          return at.Unsupported(distribution, "this distribution (supported: GaussianDistribution)");
        }
        ASSIGN_OR_RETURN(const double mean, RequiredNumber(at, distribution, "mean"));
        ASSIGN_OR_RETURN(const double variance, RequiredNumber(at, distribution, "variance"));
        if (variance <= 0) return at.Invalid(distribution, "variance must be positive");
        // ln N(x; mean, variance) = -ln(2 pi variance) / 2 - (x - mean)^2 / (2 variance).
        const double log_norm = -0.5 * std::log(2 * std::numbers::pi * variance);
        const std::string d = "(" + x + " - " + NumberLiteral(mean) + ")";
        const std::string log_density =
            NumberLiteral(log_norm) + " - " + d + " * " + d + " / " + NumberLiteral(2 * variance);
        if (!by_class.emplace(*category, "max(" + log_density + ", " + NumberLiteral(log_threshold) + ")").second) {
          return at.Invalid(stat, "class " + QuoteString(*category) + " listed twice");
        }
      }
      for (size_t k = 0; k < classes.size(); ++k) {
        const auto it = by_class.find(classes[k]);
        if (it == by_class.end()) {
          return at.Unsupported(stats, "TargetValueStats without a distribution for class " + QuoteString(classes[k]));
        }
        terms[k] = "(if " + value.skip + " then 0 else " + it->second + ")";
      }
    } else {
      const std::vector<pugi::xml_node> pairs = Children(input, "PairCounts");
      if (pairs.empty()) return at.Invalid(input, "a BayesInput needs PairCounts or TargetValueStats");
      if (pairs.size() > kMaxPairCounts) {
        return at.Unsupported(input, "more than " + std::to_string(kMaxPairCounts) + " PairCounts");
      }
      std::vector<std::pair<std::string, std::map<std::string, double>>> table;
      std::map<std::string, double> sums;
      for (const pugi::xml_node& pair : pairs) {
        const std::optional<std::string> level = Attribute(pair, "value");
        if (!level) return at.Invalid(pair, "missing attribute 'value'");
        const pugi::xml_node counts = FirstChild(pair, "TargetValueCounts");
        if (!counts) return at.Invalid(pair, "missing TargetValueCounts");
        ASSIGN_OR_RETURN(auto by_class, ReadCounts(at, counts, classes));
        for (const auto& [category, n] : by_class) sums[category] += n;
        ASSIGN_OR_RETURN(std::string equals, EqualsText(at, pair, value.field, *level));
        table.emplace_back(std::move(equals), std::move(by_class));
      }
      for (size_t k = 0; k < classes.size(); ++k) {
        // The first PairCounts equal to the value decides; a value in none is
        // skipped (0).
        std::string chain = "if " + value.skip + " then 0 else ";
        for (const auto& [equals, by_class] : table) {
          const double n = by_class.at(classes[k]);
          const double log_p = n == 0 ? log_threshold : std::log(n / sums.at(classes[k]));
          chain += "if " + equals + " then " + NumberLiteral(log_p) + " else ";
        }
        terms[k] = "(" + chain + "0)";
      }
    }
    for (size_t k = 0; k < classes.size(); ++k) {
      const std::string column = build.AddHelperColumn("ln P(" + base + " | " + classes[k] + ")", terms[k]);
      rows[k][build.FeatureIndex(column)] += 1.0;
    }
  }

  GlmModel glm;
  glm.family = GlmFamily::kMultinomial;
  glm.link = LinkFunction::kIdentity;
  const size_t features = pipeline.features.size();
  glm.coefficients.assign(classes.size() * features, 0.0);
  for (size_t k = 0; k < classes.size(); ++k) {
    const double prior = priors.at(classes[k]);
    if (prior <= 0) {
      return at.Unsupported(output_counts, "class " + QuoteString(classes[k]) +
                                               " has count 0: a zero probability has no logarithm");
    }
    glm.intercepts.push_back(std::log(prior));
    for (const auto& [index, value] : rows[k]) glm.coefficients[k * features + static_cast<size_t>(index)] = value;
  }
  pipeline.model.task = Task::kClassification;
  pipeline.model.classes = std::move(classes);
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

}  // namespace podium::pmml_internal
