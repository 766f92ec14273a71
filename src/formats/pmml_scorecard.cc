// Scorecard lowered to the IR (docs/formats/pmml.md, "Scorecard → GLM").
//
// PMML's score is initialScore plus, per Characteristic, the partial score of
// its first Attribute whose predicate is TRUE. Each Characteristic becomes a
// derived column holding that partial score, and the model a gaussian
// identity GLM with coefficient 1 per column and intercept initialScore.
// When no Attribute matches, PMML's result is invalid; the IR's models cannot
// reject a row, so the column, and with it the prediction, is missing.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Attributes of one Characteristic become one if-chain; the expression
// language nests at most 256 levels, and predicates nest inside the chain.
constexpr size_t kMaxAttributes = 150;

Result<double> OptionalNumber(const Locator& at, const pugi::xml_node& node, std::string_view name, double otherwise) {
  const std::optional<std::string> text = Attribute(node, name);
  if (!text) return otherwise;
  const std::optional<double> value = ParseDouble(*text);
  if (!value) return at.Invalid(node, std::string(name) + " is not a finite number");
  return *value;
}

// One Attribute's partial score as a numeric expression.
Result<std::string> PartialScore(const Locator& at, const Scope& scope, const pugi::xml_node& attribute) {
  if (const pugi::xml_node complex = FirstChild(attribute, "ComplexPartialScore")) {
    // The expression decides when present (partialScore is then ignored).
    pugi::xml_node expression;
    for (pugi::xml_node child = complex.first_child(); child; child = child.next_sibling()) {
      if (child.type() == pugi::node_element && LocalName(child) != "Extension") {
        expression = child;
        break;
      }
    }
    if (!expression) return at.Invalid(complex, "a ComplexPartialScore without an expression");
    ASSIGN_OR_RETURN(Lowered value, LowerExpression(at, scope, expression));
    if (value.symbolic || value.type != expr::Type::kNumber) {
      return at.Unsupported(expression, "a partial score that is not a number");
    }
    return "(" + value.text + ")";
  }
  const std::optional<std::string> text = Attribute(attribute, "partialScore");
  if (!text) return at.Invalid(attribute, "an Attribute needs partialScore or ComplexPartialScore");
  const std::optional<double> value = ParseDouble(*text);
  if (!value) return at.Invalid(attribute, "partialScore is not a finite number");
  return NumberLiteral(*value);
}

}  // namespace

Status LowerScorecard(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  ASSIGN_OR_RETURN(const double initial, OptionalNumber(at, model, "initialScore", 0.0));
  const std::string use_reason_codes = Attribute(model, "useReasonCodes").value_or("true");
  if (use_reason_codes != "true" && use_reason_codes != "false") {
    return at.Invalid(model, "useReasonCodes is not a boolean");
  }
  const std::string algorithm = Attribute(model, "reasonCodeAlgorithm").value_or("pointsBelow");
  if (algorithm != "pointsBelow" && algorithm != "pointsAbove") {
    return at.Invalid(model, "unknown reasonCodeAlgorithm " + QuoteString(algorithm));
  }
  const std::string method = Attribute(model, "baselineMethod").value_or("other");
  if (method != "max" && method != "min" && method != "mean" && method != "neutral" && method != "other") {
    return at.Invalid(model, "unknown baselineMethod " + QuoteString(method));
  }
  const std::optional<std::string> model_baseline_text = Attribute(model, "baselineScore");
  std::optional<double> model_baseline;
  if (model_baseline_text) {
    ASSIGN_OR_RETURN(model_baseline, OptionalNumber(at, model, "baselineScore", 0.0));
  }
  const pugi::xml_node characteristics = FirstChild(model, "Characteristics");
  if (!characteristics) return at.Invalid(model, "missing Characteristics");
  const std::vector<pugi::xml_node> list = Children(characteristics, "Characteristic");
  if (list.empty()) return at.Invalid(characteristics, "no Characteristic");

  std::vector<int32_t> features;
  std::vector<double> baselines;
  bool all_baselines = true;
  for (size_t c = 0; c < list.size(); ++c) {
    const pugi::xml_node& characteristic = list[c];
    const std::vector<pugi::xml_node> attributes = Children(characteristic, "Attribute");
    if (attributes.empty()) return at.Invalid(characteristic, "a Characteristic without Attribute");
    if (attributes.size() > kMaxAttributes) {
      return at.Unsupported(characteristic, "more than " + std::to_string(kMaxAttributes) + " Attributes");
    }
    // if P1 then S1 else if P2 then S2 ... else missing: the first TRUE
    // predicate wins; UNKNOWN (missing) is not TRUE and falls through.
    std::string chain;
    bool closed = false;
    for (const pugi::xml_node& attribute : attributes) {
      const pugi::xml_node predicate = PredicateOf(attribute);
      if (!predicate) return at.Invalid(attribute, "an Attribute without a predicate");
      ASSIGN_OR_RETURN(std::string condition, PredicateText(at, build.scope(), predicate));
      ASSIGN_OR_RETURN(std::string score, PartialScore(at, build.scope(), attribute));
      if (condition == "true") {
        chain += score;
        closed = true;
        break;  // later Attributes are never reached
      }
      chain += "if " + condition + " then " + score + " else ";
    }
    if (!closed) chain += "(0 / 0)";
    const std::string base = Attribute(characteristic, "name").value_or("characteristic_" + std::to_string(c + 1));
    features.push_back(build.FeatureIndex(build.AddHelperColumn(base, "(" + chain + ")")));

    const std::optional<std::string> own = Attribute(characteristic, "baselineScore");
    if (own) {
      ASSIGN_OR_RETURN(const double value, OptionalNumber(at, characteristic, "baselineScore", 0.0));
      baselines.push_back(value);
    } else if (model_baseline) {
      baselines.push_back(*model_baseline);
    } else {
      all_baselines = false;
      baselines.push_back(0.0);
    }
  }

  GlmModel glm;
  glm.family = GlmFamily::kGaussian;
  glm.link = LinkFunction::kIdentity;
  const size_t n = pipeline.features.size();
  glm.coefficients.assign(n, 0.0);
  // Two Characteristics with the same chain share a column; their partial
  // scores add up.
  for (const int32_t feature : features) glm.coefficients[static_cast<size_t>(feature)] += target.rescale_factor;
  glm.intercepts = {initial * target.rescale_factor + target.rescale_constant};
  if (all_baselines) {
    // Contributions are then coefficient * (partial score - baseline): the
    // points each Characteristic scores above its baseline.
    glm.feature_means.assign(n, 0.0);
    std::vector<bool> set(n, false);
    for (size_t c = 0; c < features.size(); ++c) {
      const size_t f = static_cast<size_t>(features[c]);
      if (set[f] && glm.feature_means[f] != baselines[c]) {
        glm.feature_means.clear();  // shared column, different baselines: no single baseline
        break;
      }
      glm.feature_means[f] = baselines[c];
      set[f] = true;
    }
  }
  pipeline.model.task = Task::kRegression;
  pipeline.model.classes.clear();
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

}  // namespace podium::pmml_internal
