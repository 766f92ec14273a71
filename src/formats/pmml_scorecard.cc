// Scorecard lowered to the IR (docs/formats/pmml.md, "Scorecard → GLM").
//
// PMML's score is initialScore plus, per Characteristic, the partial score of
// its first Attribute whose predicate is TRUE, and the model a gaussian
// identity GLM. With useReasonCodes (the default) each reason code becomes a
// derived column of the points PMML ranks it by, so the GLM's exact
// contributions are PMML's reason code points (LowerReasonCodePoints);
// without, each Characteristic becomes a column of its partial score.
// When no Attribute matches, PMML's result is invalid; the IR's models cannot
// reject a row, so the column, and with it the prediction, is missing.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Attributes of one Characteristic become one if-chain; the expression
// language nests at most 256 levels, and predicates nest inside the chain.
constexpr size_t kMaxAttributes = 150;
// A reason code's column sums one term per Characteristic using it; the
// sum nests once per term.
constexpr size_t kMaxSharedCharacteristics = 64;
// The highest reasonCode OutputField rank accepted.
constexpr int kMaxReasonRank = 1000;

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

// One Attribute as lowered: its predicate, its partial score and, when
// reason codes are used, its effective reason code (its own, else its
// Characteristic's).
struct LoweredAttribute {
  std::string condition;
  std::string score;
  std::string reason_code;
};

struct LoweredCharacteristic {
  std::string name;
  std::string reason_code;  // the Characteristic's own, if any
  std::vector<LoweredAttribute> attributes;  // up to the first that always holds
  bool closed = false;                        // the last attribute always holds
  std::optional<double> baseline;
};

// if P1 then V1 else if P2 then V2 ... else missing: the first TRUE
// predicate wins; UNKNOWN (missing) is not TRUE and falls through, and no
// TRUE predicate leaves the value missing (PMML's invalid result).
std::string AttributeChain(const LoweredCharacteristic& characteristic,
                           const std::function<std::string(const LoweredAttribute&)>& value) {
  std::string chain;
  for (size_t i = 0; i < characteristic.attributes.size(); ++i) {
    const LoweredAttribute& attribute = characteristic.attributes[i];
    if (characteristic.closed && i + 1 == characteristic.attributes.size()) {
      chain += value(attribute);
    } else {
      chain += "if " + attribute.condition + " then " + value(attribute) + " else ";
    }
  }
  if (!characteristic.closed) chain += "(0 / 0)";
  return "(" + chain + ")";
}

Result<LoweredCharacteristic> ReadCharacteristic(const Locator& at, const Scope& scope,
                                                 const pugi::xml_node& characteristic, size_t index,
                                                 bool use_reason_codes, std::optional<double> model_baseline) {
  LoweredCharacteristic out;
  out.name = Attribute(characteristic, "name").value_or("characteristic_" + std::to_string(index + 1));
  const std::vector<pugi::xml_node> attributes = Children(characteristic, "Attribute");
  if (attributes.empty()) return at.Invalid(characteristic, "a Characteristic without Attribute");
  if (attributes.size() > kMaxAttributes) {
    return at.Unsupported(characteristic, "more than " + std::to_string(kMaxAttributes) + " Attributes");
  }
  const std::optional<std::string> characteristic_code = Attribute(characteristic, "reasonCode");
  out.reason_code = characteristic_code.value_or("");
  for (const pugi::xml_node& attribute : attributes) {
    const pugi::xml_node predicate = PredicateOf(attribute);
    if (!predicate) return at.Invalid(attribute, "an Attribute without a predicate");
    LoweredAttribute lowered;
    ASSIGN_OR_RETURN(lowered.condition, PredicateText(at, scope, predicate));
    ASSIGN_OR_RETURN(lowered.score, PartialScore(at, scope, attribute));
    if (use_reason_codes) {
      const std::optional<std::string> code = Attribute(attribute, "reasonCode");
      if (code && !code->empty()) {
        lowered.reason_code = *code;
      } else if (characteristic_code && !characteristic_code->empty()) {
        lowered.reason_code = *characteristic_code;
      } else {
        return at.Invalid(attribute, "no reasonCode on the Attribute or its Characteristic, which "
                                     "useReasonCodes=\"true\" requires");
      }
    }
    const bool always = lowered.condition == "true";
    out.attributes.push_back(std::move(lowered));
    if (always) {
      out.closed = true;
      break;  // later Attributes are never reached
    }
  }
  // The Characteristic's own baselineScore takes precedence over the Scorecard's.
  if (Attribute(characteristic, "baselineScore")) {
    ASSIGN_OR_RETURN(out.baseline, NumberAttribute(at, characteristic, "baselineScore", 0.0));
  } else {
    out.baseline = model_baseline;
  }
  if (use_reason_codes && !out.baseline) {
    return at.Invalid(characteristic, "no baselineScore on the Characteristic or the Scorecard, which "
                                      "useReasonCodes=\"true\" requires");
  }
  return out;
}

// Without reason codes: one column per Characteristic holding its partial
// score, coefficient 1; contributions are measured against the baselines
// when every Characteristic has one.
void LowerPartialScores(ModelBuilder& build, const std::vector<LoweredCharacteristic>& list, GlmModel& glm,
                        const TargetInfo& target) {
  std::vector<int32_t> features;
  bool all_baselines = true;
  for (const LoweredCharacteristic& characteristic : list) {
    const std::string chain = AttributeChain(characteristic, [](const LoweredAttribute& a) { return a.score; });
    features.push_back(build.FeatureIndex(build.AddHelperColumn(characteristic.name, chain)));
    all_baselines = all_baselines && characteristic.baseline.has_value();
  }
  const size_t n = build.pipeline().features.size();
  glm.coefficients.assign(n, 0.0);
  // Two Characteristics with the same chain share a column; their partial
  // scores add up.
  for (const int32_t feature : features) glm.coefficients[static_cast<size_t>(feature)] += target.rescale_factor;
  if (!all_baselines) return;
  // Contributions are then coefficient * (partial score - baseline): the
  // points each Characteristic scores above its baseline.
  glm.feature_means.assign(n, 0.0);
  std::vector<bool> set(n, false);
  for (size_t c = 0; c < features.size(); ++c) {
    const size_t f = static_cast<size_t>(features[c]);
    if (set[f] && glm.feature_means[f] != *list[c].baseline) {
      glm.feature_means.clear();  // shared column, different baselines: no single baseline
      return;
    }
    glm.feature_means[f] = *list[c].baseline;
    set[f] = true;
  }
}

// With reason codes: one column d_R per reason code R holding the points
// PMML ranks R by in this row, the sum over Characteristics of
// (baseline - partial score) for pointsBelow, (partial score - baseline) for
// pointsAbove, where the matched Attribute's reason code is R (0 where it
// is another code, missing where no Attribute matches). The score is then
// initialScore + sum of baselines -/+ sum of d_R, a GLM with coefficient
// -1 (pointsBelow) or +1 (pointsAbove) per d_R, so each d_R's contribution
// is exactly -/+ its points, and PMML's ranking (largest points first, only
// positive points) is a signed, one-sided reason order over the GLM's
// contributions, reported under the reason code's name.
Status LowerReasonCodePoints(ModelBuilder& build, const pugi::xml_node& model,
                             const std::vector<LoweredCharacteristic>& list, bool points_below, GlmModel& glm,
                             const TargetInfo& target) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  if (target.rescale_factor == 0.0) {
    return at.Unsupported(model, "reason codes with a Targets rescaleFactor of 0 (every points difference "
                                 "would be 0)");
  }
  // Reason codes in order of first appearance in the document (a
  // Characteristic's own code before its Attributes'): on equal points the
  // code whose Characteristic or Attribute appears first ranks first. Codes
  // no reachable Attribute uses never get points and get no column.
  std::vector<std::string> document_order;
  std::set<std::string> used;
  auto add = [&](const std::string& code) {
    if (!code.empty() && std::find(document_order.begin(), document_order.end(), code) == document_order.end()) {
      document_order.push_back(code);
    }
  };
  for (const LoweredCharacteristic& characteristic : list) {
    add(characteristic.reason_code);
    for (const LoweredAttribute& attribute : characteristic.attributes) {
      add(attribute.reason_code);
      used.insert(attribute.reason_code);
    }
  }
  std::vector<std::string> codes;
  for (const std::string& code : document_order) {
    if (used.count(code) != 0) codes.push_back(code);
  }
  const std::string algorithm = points_below ? "pointsBelow" : "pointsAbove";
  for (const std::string& code : codes) {
    std::vector<std::string> terms;
    for (const LoweredCharacteristic& characteristic : list) {
      const bool uses = std::any_of(characteristic.attributes.begin(), characteristic.attributes.end(),
                                    [&](const LoweredAttribute& a) { return a.reason_code == code; });
      if (!uses) continue;
      const std::string baseline = NumberLiteral(*characteristic.baseline);
      const std::string term = AttributeChain(characteristic, [&](const LoweredAttribute& a) -> std::string {
        if (a.reason_code != code) return "0";
        return points_below ? "(" + baseline + " - " + a.score + ")" : "(" + a.score + " - " + baseline + ")";
      });
      terms.push_back(term);
    }
    if (terms.size() > kMaxSharedCharacteristics) {
      return at.Unsupported(model, "more than " + std::to_string(kMaxSharedCharacteristics) +
                                       " Characteristics sharing the reason code " + QuoteString(code));
    }
    // A Characteristic that uses several codes repeats its chain in each
    // code's column; each column sums its terms, helper columns first so
    // the sum stays shallow.
    std::string sum;
    if (terms.size() == 1) {
      sum = terms[0];
    } else {
      for (size_t t = 0; t < terms.size(); ++t) {
        if (t > 0) sum += " + ";
        sum += QuoteColumn(build.AddHelperColumn(algorithm + ":" + code + "#term", terms[t]));
      }
    }
    const size_t before = pipeline.features.size();
    const int32_t feature = build.FeatureIndex(build.AddHelperColumn(algorithm + ":" + code, sum));
    if (static_cast<size_t>(feature) != before) {
      return at.Unsupported(model, "reason code " + QuoteString(code) +
                                       " collects the same points as another reason code");
    }
  }
  if (pipeline.features.size() != codes.size()) {
    return at.Invalid(model, "reason code columns do not match the reason codes");  // cannot happen
  }
  const double sign = points_below ? -1.0 : 1.0;
  glm.coefficients.assign(codes.size(), sign * target.rescale_factor);
  double baselines = 0.0;
  for (const LoweredCharacteristic& characteristic : list) baselines += *characteristic.baseline;
  // partial score = baseline -/+ points: the baselines move to the intercept.
  glm.intercepts[0] += baselines * target.rescale_factor;
  // Larger points must rank first: their contribution is the larger one
  // when the coefficient is positive, the smaller one when it is negative.
  pipeline.post.reason_order =
      sign * target.rescale_factor > 0.0 ? ReasonOrder::kLargestFirst : ReasonOrder::kSmallestFirst;
  // Only codes that lost points (for pointsAbove: gained them) are reasons.
  pipeline.post.reason_one_sided = true;
  pipeline.post.reason_labels = codes;
  return Status::Ok();
}

}  // namespace

Status LowerScorecard(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  ASSIGN_OR_RETURN(const double initial, NumberAttribute(at, model, "initialScore", 0.0));
  ASSIGN_OR_RETURN(const bool use_reason_codes, UsesReasonCodes(at, model));
  const std::string algorithm = Attribute(model, "reasonCodeAlgorithm").value_or("pointsBelow");
  if (algorithm != "pointsBelow" && algorithm != "pointsAbove") {
    return at.Invalid(model, "unknown reasonCodeAlgorithm " + QuoteString(algorithm));
  }
  // How the baselines were chosen at design time; scoring uses the
  // baselineScore values whatever the method.
  const std::string method = Attribute(model, "baselineMethod").value_or("other");
  if (method != "max" && method != "min" && method != "mean" && method != "neutral" && method != "other") {
    return at.Invalid(model, "unknown baselineMethod " + QuoteString(method));
  }
  std::optional<double> model_baseline;
  if (Attribute(model, "baselineScore")) {
    ASSIGN_OR_RETURN(model_baseline, NumberAttribute(at, model, "baselineScore", 0.0));
  }
  const pugi::xml_node characteristics = FirstChild(model, "Characteristics");
  if (!characteristics) return at.Invalid(model, "missing Characteristics");
  const std::vector<pugi::xml_node> nodes = Children(characteristics, "Characteristic");
  if (nodes.empty()) return at.Invalid(characteristics, "no Characteristic");
  std::vector<LoweredCharacteristic> list;
  for (size_t c = 0; c < nodes.size(); ++c) {
    ASSIGN_OR_RETURN(LoweredCharacteristic characteristic,
                     ReadCharacteristic(at, build.scope(), nodes[c], c, use_reason_codes, model_baseline));
    list.push_back(std::move(characteristic));
  }

  GlmModel glm;
  glm.family = GlmFamily::kGaussian;
  glm.link = LinkFunction::kIdentity;
  glm.intercepts = {initial * target.rescale_factor + target.rescale_constant};
  if (use_reason_codes) {
    RETURN_IF_ERROR(LowerReasonCodePoints(build, model, list, algorithm == "pointsBelow", glm, target));
  } else {
    LowerPartialScores(build, list, glm, target);
  }
  pipeline.model.task = Task::kRegression;
  pipeline.model.classes.clear();
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

Result<bool> UsesReasonCodes(const Locator& at, const pugi::xml_node& model) {
  const std::string use = Attribute(model, "useReasonCodes").value_or("true");
  if (use != "true" && use != "false") return at.Invalid(model, "useReasonCodes is not a boolean");
  return use == "true";
}

Status NameReasonCodeOutputs(const Locator& at, const pugi::xml_node& model,
                             const std::vector<pugi::xml_node>& fields, OutputNames& names) {
  if (fields.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(const bool use_reason_codes, UsesReasonCodes(at, model));
  std::map<int64_t, std::string> by_rank;
  for (const pugi::xml_node& field : fields) {
    // Without reason codes PMML computes none, so such an output has nothing to report.
    if (!use_reason_codes) return at.Invalid(field, "a reasonCode output of a Scorecard with useReasonCodes=\"false\"");
    const std::string rank_text = Attribute(field, "rank").value_or("1");
    const std::optional<double> rank = ParseDouble(rank_text);
    if (!rank || *rank < 1 || *rank != std::floor(*rank) || *rank > kMaxReasonRank) {
      return at.Invalid(field, "rank " + QuoteString(rank_text) + " is not a whole number from 1 to " +
                                   std::to_string(kMaxReasonRank));
    }
    const int64_t k = static_cast<int64_t>(*rank);
    if (!by_rank.emplace(k, Attribute(field, "name").value_or("")).second) {
      return at.Invalid(field, "a second reasonCode output of rank " + std::to_string(k));
    }
  }
  // Podium's reason columns are numbered from 1 without gaps.
  int64_t expected = 1;
  for (const auto& [rank, name] : by_rank) {
    if (rank != expected) {
      return at.Unsupported(fields.front(), "reasonCode outputs whose ranks skip " + std::to_string(expected) +
                                                " (ranks must run 1, 2, 3, ...)");
    }
    names.reasons.push_back(name);
    ++expected;
  }
  return Status::Ok();
}

}  // namespace podium::pmml_internal
