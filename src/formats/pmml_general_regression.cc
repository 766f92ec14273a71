// GeneralRegressionModel lowered to the IR's GLM (docs/formats/pmml.md,
// "GeneralRegressionModel → GLM").
//
// Every Parameter is one linear term. Its value is the product of its PPMatrix
// cells: a covariate cell is the field to the power of the cell's value, a
// factor cell is 1 when the field equals the cell's value and 0 otherwise
// (missing when the field is). A parameter without cells is the intercept.
// The ParamMatrix gives each parameter's beta, per target category for the
// classifiers. The terms become model features (a helper column per product),
// the betas coefficients.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Terms of a linear predictor spelled as one expression (ordinal models, links
// the IR lacks) above this many are refused: the expression language nests at
// most 256 levels.
constexpr size_t kMaxLinearTerms = 100;

struct Term {
  std::string column;    // empty: the intercept
  bool boolean = false;  // a 0/1 column (a single factor cell)
};

// The predictor lists: field name -> whether it is a factor.
Result<std::map<std::string, bool, std::less<>>> ReadPredictors(ModelBuilder& build, const pugi::xml_node& model) {
  const Locator& at = build.at();
  std::map<std::string, bool, std::less<>> predictors;
  for (const auto& [list, factor] : {std::pair<const char*, bool>{"FactorList", true}, {"CovariateList", false}}) {
    const pugi::xml_node node = FirstChild(model, list);
    if (!node) continue;
    for (const pugi::xml_node& predictor : Children(node, "Predictor")) {
      ASSIGN_OR_RETURN(const ScopeField* field, build.Field(predictor, "name"));
      if (const pugi::xml_node matrix = FirstChild(predictor, "Matrix")) {
        return at.Unsupported(matrix, "contrast matrices of a factor");
      }
      if (const std::optional<std::string> contrast = Attribute(predictor, "contrastMatrixType")) {
        return at.Unsupported(predictor, "contrastMatrixType " + QuoteString(*contrast));
      }
      if (!factor && (field->symbolic || field->type != expr::Type::kNumber)) {
        return at.Invalid(predictor, "a covariate must be a numeric field");
      }
      if (!predictors.emplace(*Attribute(predictor, "name"), factor).second) {
        return at.Invalid(predictor, "field " + QuoteString(*Attribute(predictor, "name")) + " is listed twice");
      }
    }
  }
  return predictors;
}

// The value of one PPCell as an expression, and a readable column-name part.
struct CellText {
  std::string number;   // numeric expression
  std::string boolean;  // factors: the condition (a single factor cell becomes a 0/1 column)
  std::string name;
  bool is_column = false;  // covariate to the power 1: the field's own column
};

Result<CellText> LowerCell(ModelBuilder& build, const pugi::xml_node& cell, bool factor) {
  const Locator& at = build.at();
  ASSIGN_OR_RETURN(const ScopeField* field, build.Field(cell, "predictorName"));
  const std::optional<std::string> value = Attribute(cell, "value");
  if (!value) return at.Invalid(cell, "missing attribute 'value'");
  const std::string predictor = Attribute(cell, "predictorName").value_or("");
  CellText out;
  if (factor) {
    ASSIGN_OR_RETURN(out.boolean, EqualsText(at, cell, *field, *value));
    out.number = IndicatorText(out.boolean);
    out.name = (field->symbolic ? predictor : field->column) + "=" + *value;
    return out;
  }
  const std::optional<double> exponent = ParseDouble(*value);
  if (!exponent) return at.Invalid(cell, "the exponent " + QuoteString(*value) + " is not a number");
  const std::string column = QuoteColumn(field->column);
  if (*exponent == 1.0) {
    out.number = column;
    out.name = field->column;
    out.is_column = true;
  } else {
    out.number = "pow(" + column + ", " + NumberLiteral(*exponent) + ")";
    out.name = field->column + "^" + NumberLiteral(*exponent);
  }
  return out;
}

// One column (or the intercept) per Parameter, in ParameterList order.
Result<std::vector<std::pair<std::string, Term>>> ReadTerms(ModelBuilder& build, const pugi::xml_node& model) {
  const Locator& at = build.at();
  const pugi::xml_node list = FirstChild(model, "ParameterList");
  if (!list) return at.Invalid(model, "missing ParameterList");
  ASSIGN_OR_RETURN(auto predictors, ReadPredictors(build, model));
  std::vector<std::pair<std::string, Term>> terms;
  std::map<std::string, std::vector<pugi::xml_node>, std::less<>> cells;
  for (const pugi::xml_node& parameter : Children(list, "Parameter")) {
    const std::optional<std::string> name = Attribute(parameter, "name");
    if (!name) return at.Invalid(parameter, "missing attribute 'name'");
    if (!cells.emplace(*name, std::vector<pugi::xml_node>()).second) {
      return at.Invalid(parameter, "parameter " + QuoteString(*name) + " is defined twice");
    }
    terms.emplace_back(*name, Term());
  }
  if (const pugi::xml_node matrix = FirstChild(model, "PPMatrix")) {
    for (const pugi::xml_node& cell : Children(matrix, "PPCell")) {
      if (const std::optional<std::string> category = Attribute(cell, "targetCategory")) {
        return at.Unsupported(cell, "a PPCell for one target category (" + QuoteString(*category) + ")");
      }
      const std::optional<std::string> parameter = Attribute(cell, "parameterName");
      if (!parameter) return at.Invalid(cell, "missing attribute 'parameterName'");
      const auto it = cells.find(*parameter);
      if (it == cells.end()) return at.Invalid(cell, "unknown parameter " + QuoteString(*parameter));
      it->second.push_back(cell);
    }
  }
  for (auto& [name, term] : terms) {
    const std::vector<pugi::xml_node>& mine = cells.at(name);
    if (mine.empty()) continue;  // the intercept
    std::vector<CellText> parts;
    std::set<std::string> seen;
    for (const pugi::xml_node& cell : mine) {
      const std::string predictor = Attribute(cell, "predictorName").value_or("");
      const auto it = predictors.find(predictor);
      if (it == predictors.end()) {
        return at.Invalid(cell, "field " + QuoteString(predictor) + " is in neither FactorList nor CovariateList");
      }
      if (!seen.insert(predictor).second) {
        return at.Invalid(cell, "field " + QuoteString(predictor) + " appears twice in parameter " + QuoteString(name));
      }
      ASSIGN_OR_RETURN(CellText part, LowerCell(build, cell, it->second));
      parts.push_back(std::move(part));
    }
    if (parts.size() == 1 && !parts[0].boolean.empty()) {
      // A boolean column is 0/1 (missing with the field) as a model feature.
      term.column = build.AddHelperColumn(parts[0].name, parts[0].boolean);
      term.boolean = true;
    } else if (parts.size() == 1 && parts[0].is_column) {
      term.column = parts[0].name;  // the field's own column
    } else {
      std::string product;
      std::string column_name;
      for (const CellText& part : parts) {
        product += (product.empty() ? "" : " * ") + part.number;
        column_name += (column_name.empty() ? "" : "*") + part.name;
      }
      term.column = build.AddHelperColumn(column_name, product);
    }
  }
  return terms;
}

struct Beta {
  std::string parameter;
  std::optional<std::string> category;
  double value = 0.0;
  pugi::xml_node element;
};

Result<std::vector<Beta>> ReadBetas(const Locator& at, const pugi::xml_node& model,
                                    const std::vector<std::pair<std::string, Term>>& terms) {
  const pugi::xml_node matrix = FirstChild(model, "ParamMatrix");
  if (!matrix) return at.Invalid(model, "missing ParamMatrix");
  std::vector<Beta> betas;
  std::set<std::pair<std::string, std::string>> seen;
  for (const pugi::xml_node& cell : Children(matrix, "PCell")) {
    Beta beta;
    beta.element = cell;
    const std::optional<std::string> parameter = Attribute(cell, "parameterName");
    if (!parameter) return at.Invalid(cell, "missing attribute 'parameterName'");
    beta.parameter = *parameter;
    if (std::none_of(terms.begin(), terms.end(), [&](const auto& term) { return term.first == *parameter; })) {
      return at.Invalid(cell, "unknown parameter " + QuoteString(*parameter));
    }
    const std::optional<double> value = ParseDouble(Attribute(cell, "beta").value_or(""));
    if (!value) return at.Invalid(cell, "missing or non-numeric attribute 'beta'");
    beta.value = *value;
    beta.category = Attribute(cell, "targetCategory");
    if (!seen.emplace(beta.parameter, beta.category.value_or("")).second) {
      return at.Invalid(cell, "a second beta for parameter " + QuoteString(beta.parameter));
    }
    betas.push_back(std::move(beta));
  }
  return betas;
}

// One linear predictor: intercept and coefficients over the features.
struct Row {
  double intercept = 0.0;
  std::map<int32_t, double> coefficients;
};

void AddBeta(ModelBuilder& build, const std::vector<std::pair<std::string, Term>>& terms, const Beta& beta, Row& row) {
  for (const auto& [name, term] : terms) {
    if (name != beta.parameter) continue;
    if (term.column.empty()) {
      row.intercept += beta.value;
    } else {
      row.coefficients[build.FeatureIndex(term.column)] += beta.value;
    }
  }
}

GlmModel MakeGlm(const Pipeline& pipeline, const std::vector<Row>& rows) {
  GlmModel glm;
  const size_t features = pipeline.features.size();
  glm.coefficients.assign(rows.size() * features, 0.0);
  for (size_t r = 0; r < rows.size(); ++r) {
    glm.intercepts.push_back(rows[r].intercept);
    for (const auto& [index, value] : rows[r].coefficients) {
      glm.coefficients[r * features + static_cast<size_t>(index)] = value;
    }
  }
  return glm;
}

// generalizedLinear's linkFunction, with linkParameter or distParameter.
struct Link {
  std::optional<LinkFunction> ir;  // the IR's link, when it has this one
  std::string name;
  double parameter = 0.0;  // power, oddspower: linkParameter; negbin: distParameter
};

Result<Link> ReadLink(const Locator& at, const pugi::xml_node& model) {
  const std::optional<std::string> name = Attribute(model, "linkFunction");
  if (!name) return at.Invalid(model, "generalizedLinear needs a linkFunction");
  Link link;
  link.name = *name;
  if (*name == "identity") {
    link.ir = LinkFunction::kIdentity;
  } else if (*name == "log") {
    link.ir = LinkFunction::kLog;
  } else if (*name == "logit") {
    link.ir = LinkFunction::kLogit;
  } else if (*name == "probit") {
    link.ir = LinkFunction::kProbit;
  } else if (*name == "cloglog") {
    link.ir = LinkFunction::kCloglog;
  } else if (*name == "power" || *name == "oddspower" || *name == "negbin") {
    const char* attribute = *name == "negbin" ? "distParameter" : "linkParameter";
    const std::optional<std::string> text = Attribute(model, attribute);
    if (!text) return at.Invalid(model, "linkFunction " + *name + " needs a " + attribute);
    const std::optional<double> value = ParseDouble(*text);
    if (!value) return at.Invalid(model, std::string(attribute) + " is not a number");
    link.parameter = *value;
    // power: mu = eta^(1/a), exp(eta) for a = 0; oddspower: logistic for a = 0.
    if (*name == "power" && *value == 1.0) link.ir = LinkFunction::kIdentity;
    if (*name == "power" && *value == 0.0) link.ir = LinkFunction::kLog;
    if (*name == "power" && *value == -1.0) link.ir = LinkFunction::kInverse;
    if (*name == "oddspower" && *value == 0.0) link.ir = LinkFunction::kLogit;
  } else if (*name != "logc" && *name != "loglog" && *name != "cauchit") {
    return at.Invalid(model, "unknown linkFunction " + QuoteString(*name));
  }
  return link;
}

// PMML's inverse of a link the IR lacks, applied to the expression `eta`
// (a quoted column, evaluated once per use), with the specification's
// formulas. Each is spelled so that an intermediate overflow, which the
// expression language would make missing, happens only where PMML's result is
// not finite either. Empty for links the IR has.
std::string SpelledInverseLink(const Link& link, const std::string& eta) {
  const std::string a = NumberLiteral(link.parameter);
  if (link.name == "cauchit") return "(0.5 + atan(" + eta + ") / " + NumberLiteral(std::acos(-1.0)) + ")";
  if (link.name == "power") return "pow(" + eta + ", " + NumberLiteral(1 / link.parameter) + ")";
  if (link.name == "logc") return "(1 - exp(" + eta + "))";
  if (link.name == "loglog") {
    // exp(-exp(-eta)) is 0 in doubles once exp(-eta) exceeds 1e304.
    return "(if " + eta + " < -700 then 0 else exp(-exp(-" + eta + ")))";
  }
  if (link.name == "negbin") {
    // 1 / (c (exp(-eta) - 1)); for eta < 0 the same multiplied through by
    // exp(eta), which cannot overflow there (and tends to 0 as PMML's does).
    return "(if " + eta + " < 0 then exp(" + eta + ") / (" + a + " * (1 - exp(" + eta + "))) else 1 / (" + a +
           " * (exp(-" + eta + ") - 1)))";
  }
  if (link.name == "oddspower") {
    // 1 / (1 + x^(-1/a)) with x = 1 + a eta; where x^(1/a) > 1 that power
    // cannot overflow, and y / (1 + y) with y = x^(1/a) is the same value.
    const std::string x = "(1 + " + a + " * " + eta + ")";
    const std::string down = "pow(" + x + ", " + NumberLiteral(-1 / link.parameter) + ")";
    const std::string up = "pow(" + x + ", " + NumberLiteral(1 / link.parameter) + ")";
    const std::string x_above_one = link.parameter > 0 ? x + " > 1" : x + " < 1";
    return "(if " + x_above_one + " then 1 / (1 + " + down + ") else " + up + " / (1 + " + up + "))";
  }
  return "";
}

// offsetVariable (returned: the GLM's offset column) or offsetValue (added
// to the intercept). PMML adds the offset to the linear predictor of
// generalizedLinear (and ordinal) models only; elsewhere it is refused rather
// than guessed.
Result<std::string> ReadOffset(ModelBuilder& build, const pugi::xml_node& model, Row& row) {
  const Locator& at = build.at();
  const std::optional<std::string> offset_value = Attribute(model, "offsetValue");
  const bool variable = Attribute(model, "offsetVariable").has_value();
  if (!variable && !offset_value) return std::string();
  if (Attribute(model, "modelType").value_or("") != "generalizedLinear") {
    return at.Unsupported(model, std::string(variable ? "offsetVariable" : "offsetValue") + " with modelType " +
                                     Attribute(model, "modelType").value_or("") +
                                     " (offsets belong to generalizedLinear models)");
  }
  if (variable) {
    if (offset_value) {
      return at.Unsupported(model, "both offsetVariable and offsetValue (which one applies is not specified)");
    }
    ASSIGN_OR_RETURN(const ScopeField* field, build.Field(model, "offsetVariable"));
    if (field->symbolic || field->type != expr::Type::kNumber) {
      return at.Invalid(model, "offsetVariable is not a numeric field");
    }
    return field->column;
  }
  const std::optional<double> value = ParseDouble(*offset_value);
  if (!value) return at.Invalid(model, "offsetValue is not a number");
  row.intercept += *value;
  return std::string();
}

GlmFamily FamilyOf(const std::string& distribution) {
  // The family does not change the score (the link does); it is recorded
  // where the IR has the same one.
  if (distribution == "poisson") return GlmFamily::kPoisson;
  if (distribution == "gamma") return GlmFamily::kGamma;
  if (distribution == "tweedie") return GlmFamily::kTweedie;
  return GlmFamily::kGaussian;
}

// sum of beta * term over the betas of non-intercept terms, as an
// expression ("" when there are none); 0/1 columns are read as numbers.
Result<std::string> LinearText(const Locator& at, const pugi::xml_node& model,
                               const std::vector<std::pair<std::string, Term>>& terms,
                               const std::vector<Beta>& betas) {
  std::string linear;
  size_t count = 0;
  for (const Beta& beta : betas) {
    for (const auto& [name, term] : terms) {
      if (name != beta.parameter || term.column.empty()) continue;
      if (++count > kMaxLinearTerms) {
        return at.Unsupported(model, "more than " + std::to_string(kMaxLinearTerms) +
                                         " covariate and factor terms in one expression");
      }
      const std::string x = term.boolean ? IndicatorText(QuoteColumn(term.column)) : QuoteColumn(term.column);
      linear += (linear.empty() ? "" : " + ") + NumberLiteral(beta.value) + " * " + x;
    }
  }
  return linear;
}

// A regression whose link the IR lacks: derived columns hold the linear
// predictor (with the offset) and PMML's inverse link of it, and an identity
// GLM reads the latter (so Targets rescaling folds in as for identity links).
Status LowerSpelledLink(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target, const Link& link,
                        const std::vector<std::pair<std::string, Term>>& terms, const std::vector<Beta>& betas,
                        double intercept, const std::string& offset_column) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  if (SpelledInverseLink(link, "x").empty()) {
    return at.Unsupported(model, "linkFunction " + link.name + " (not among the IR's links, and the expression "
                                 "language cannot spell its inverse)");
  }
  ASSIGN_OR_RETURN(std::string linear, LinearText(at, model, terms, betas));
  std::string eta = NumberLiteral(intercept);
  if (!linear.empty()) eta += " + " + linear;
  if (!offset_column.empty()) eta += " + " + QuoteColumn(offset_column);
  const std::string eta_column = QuoteColumn(build.AddHelperColumn("linear predictor", "(" + eta + ")"));
  const std::string mu = build.AddHelperColumn("inverse " + link.name + " link", SpelledInverseLink(link, eta_column));
  GlmModel glm;
  glm.family = GlmFamily::kGaussian;
  glm.link = LinkFunction::kIdentity;
  const int32_t feature = build.FeatureIndex(mu);
  glm.coefficients.assign(pipeline.features.size(), 0.0);
  glm.coefficients[static_cast<size_t>(feature)] = target.rescale_factor;
  glm.intercepts = {target.rescale_constant};
  pipeline.model.task = Task::kRegression;
  pipeline.model.classes.clear();
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

Status LowerRegressionType(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target,
                           const std::string& model_type, const std::vector<std::pair<std::string, Term>>& terms,
                           const std::vector<Beta>& betas) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  Row row;
  for (const Beta& beta : betas) {
    if (beta.category) return at.Invalid(beta.element, "a targetCategory in a regression's ParamMatrix");
    AddBeta(build, terms, beta, row);
  }
  Link link;
  link.ir = LinkFunction::kIdentity;
  GlmFamily family = GlmFamily::kGaussian;
  if (model_type == "generalizedLinear") {
    ASSIGN_OR_RETURN(link, ReadLink(at, model));
    const std::string distribution = Attribute(model, "distribution").value_or("normal");
    family = FamilyOf(distribution);
  } else if (const std::optional<std::string> text = Attribute(model, "linkFunction"); text && *text != "identity") {
    return at.Unsupported(model, "linkFunction " + *text + " with modelType " + model_type);
  }
  for (const char* attribute : {"trialsVariable", "trialsValue"}) {
    if (Attribute(model, attribute)) {
      return at.Unsupported(model, std::string(attribute) + " (a binomial response as a count of trials)");
    }
  }
  ASSIGN_OR_RETURN(const std::string offset_column, ReadOffset(build, model, row));
  if (!link.ir) return LowerSpelledLink(build, model, target, link, terms, betas, row.intercept, offset_column);
  GlmModel glm = MakeGlm(pipeline, {row});
  glm.link = *link.ir;
  glm.family = family;
  glm.offset = offset_column;
  if (family == GlmFamily::kTweedie) {
    if (const std::optional<std::string> power = Attribute(model, "distParameter")) {
      if (const std::optional<double> value = ParseDouble(*power)) glm.tweedie_power = *value;
    }
  }
  if (target.rescaled) {
    const pugi::xml_node targets = FirstChild(model, "Targets");
    if (*link.ir != LinkFunction::kIdentity) {
      return at.Unsupported(targets, "rescaling a regression with a non-identity link");
    }
    if (!offset_column.empty() && target.rescale_factor != 1.0) {
      // The factor would have to scale the offset column too.
      return at.Unsupported(targets, "rescaleFactor with an offsetVariable");
    }
    for (double& c : glm.coefficients) c *= target.rescale_factor;
    glm.intercepts[0] = glm.intercepts[0] * target.rescale_factor + target.rescale_constant;
  }
  pipeline.model.task = Task::kRegression;
  pipeline.model.classes.clear();
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

// generalizedLinear classifier with two categories: PMML gives the first
// category link^-1(eta + offset) and the second 1 minus that. The IR's
// binomial GLM gives its inverse link to classes[1], hence the order.
Status LowerBinaryGeneralized(ModelBuilder& build, const pugi::xml_node& model,
                              const std::vector<std::pair<std::string, Term>>& terms, const std::vector<Beta>& betas) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  const std::vector<std::string> classes = pipeline.model.classes;
  if (classes.size() != 2) {
    return at.Unsupported(model, "a generalizedLinear classifier needs exactly two categories listed as the "
                                 "target's Value elements (" + std::to_string(classes.size()) + " given)");
  }
  for (const char* attribute : {"trialsVariable", "trialsValue"}) {
    if (Attribute(model, attribute)) {
      return at.Unsupported(model, std::string(attribute) + " (a binomial response as a count of trials)");
    }
  }
  Row row;
  for (const Beta& beta : betas) {
    if (beta.category && *beta.category != classes[0]) {
      return at.Invalid(beta.element, "targetCategory " + QuoteString(*beta.category) +
                                          " (a binary generalizedLinear model's betas are for its first category)");
    }
    AddBeta(build, terms, beta, row);
  }
  ASSIGN_OR_RETURN(const Link link, ReadLink(at, model));
  if (!link.ir) {
    return at.Unsupported(model, "linkFunction " + link.name + " for a classifier (the IR's binomial links are "
                                 "identity, log, logit, probit, cloglog and inverse)");
  }
  ASSIGN_OR_RETURN(const std::string offset_column, ReadOffset(build, model, row));
  GlmModel glm = MakeGlm(pipeline, {row});
  glm.family = GlmFamily::kBinomial;
  glm.link = *link.ir;
  glm.offset = offset_column;
  pipeline.model.task = Task::kClassification;
  pipeline.model.classes = {classes[1], classes[0]};
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

// multinomialLogistic: eta_k per non-reference category k, 0 for the
// reference; p = softmax. The reference category gets a row of zeros.
Status LowerMultinomial(ModelBuilder& build, const pugi::xml_node& model,
                        const std::vector<std::pair<std::string, Term>>& terms, const std::vector<Beta>& betas) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  std::vector<std::string> classes = pipeline.model.classes;
  const bool listed = !classes.empty();
  for (const Beta& beta : betas) {
    if (!beta.category) return at.Invalid(beta.element, "multinomialLogistic needs a targetCategory on every PCell");
    if (std::find(classes.begin(), classes.end(), *beta.category) == classes.end()) {
      if (listed) {
        return at.Invalid(beta.element, "targetCategory " + QuoteString(*beta.category) +
                                            " is not a value of the target field");
      }
      classes.push_back(*beta.category);
    }
  }
  std::string reference;
  if (const std::optional<std::string> named = Attribute(model, "targetReferenceCategory")) {
    reference = *named;
    if (std::find(classes.begin(), classes.end(), reference) == classes.end()) {
      if (listed) {
        return at.Invalid(model, "targetReferenceCategory " + QuoteString(reference) +
                                     " is not a value of the target field");
      }
      classes.push_back(reference);
    }
  } else {
    // The reference is the one category without betas.
    std::vector<std::string> without;
    for (const std::string& c : classes) {
      if (std::none_of(betas.begin(), betas.end(), [&](const Beta& beta) { return *beta.category == c; })) {
        without.push_back(c);
      }
    }
    if (without.size() != 1) {
      return at.Invalid(model, "without targetReferenceCategory exactly one target category must have no betas (" +
                                   std::to_string(without.size()) + " have none)");
    }
    reference = without[0];
  }
  if (classes.size() < 2) return at.Invalid(model, "a classifier needs at least two target categories");
  std::vector<Row> rows(classes.size());
  for (const Beta& beta : betas) {
    if (*beta.category == reference) {
      return at.Invalid(beta.element, "a beta for the reference category " + QuoteString(reference));
    }
    const size_t k = static_cast<size_t>(std::find(classes.begin(), classes.end(), *beta.category) - classes.begin());
    AddBeta(build, terms, beta, rows[k]);
  }
  GlmModel glm = MakeGlm(pipeline, rows);
  glm.family = GlmFamily::kMultinomial;
  glm.link = LinkFunction::kIdentity;
  pipeline.model.task = Task::kClassification;
  pipeline.model.classes = std::move(classes);
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

// ln of a probability that is 0: exp of it underflows to exactly 0 in the
// softmax, whose largest argument is at least ln(1 / categories).
constexpr double kLogOfZero = -800;

// The cumulative link's inverse F(e) spelled without overflow: each guard
// holds where the plain formula would overflow and F already equals the
// guard's value in doubles. Empty for links the expression language cannot
// spell (probit needs erf).
std::string InverseCumulativeLink(const std::string& link, const std::string& e) {
  if (link == "logit") {
    return "(if " + e + " >= 0 then 1 / (1 + exp(-" + e + ")) else exp(" + e + ") / (1 + exp(" + e + ")))";
  }
  if (link == "cloglog") return "(if " + e + " > 700 then 1 else 1 - exp(-exp(" + e + ")))";
  if (link == "loglog") return "(if " + e + " < -700 then 0 else exp(-exp(-" + e + ")))";
  if (link == "cauchit") return "(0.5 + atan(" + e + ") / " + NumberLiteral(std::acos(-1.0)) + ")";
  return "";
}

// ordinalMultinomial: P(Y <= c_j) = F(eta_j), eta_j the betas without a
// targetCategory plus the intercept for c_j. With two categories and a link
// the IR has, that is a binomial GLM. Otherwise p_1 = F(eta_1), p_j = F(eta_j) - F(eta_{j-1}),
// p_J = 1 - F(eta_{J-1}): derived columns hold ln p_j, and a multinomial GLM
// with coefficient 1 on class j's column gives softmax(ln p) = p, the p_j
// summing to 1.
Status LowerOrdinal(ModelBuilder& build, const pugi::xml_node& model,
                    const std::vector<std::pair<std::string, Term>>& terms, const std::vector<Beta>& betas) {
  const Locator& at = build.at();
  Pipeline& pipeline = build.pipeline();
  const std::vector<std::string> classes = pipeline.model.classes;
  if (classes.size() < 2) {
    return at.Invalid(model, "ordinalMultinomial needs the target's ordered categories listed as Value elements");
  }
  const std::string link = Attribute(model, "cumulativeLink").value_or("");
  if (link != "logit" && link != "probit" && link != "cloglog" && link != "loglog" && link != "cauchit") {
    return at.Invalid(model, "missing or unknown cumulativeLink " + QuoteString(link));
  }
  for (const Beta& beta : betas) {
    if (!beta.category) continue;
    const auto it = std::find(classes.begin(), classes.end(), *beta.category);
    if (it == classes.end() || it + 1 == classes.end()) {
      return at.Invalid(beta.element, "targetCategory " + QuoteString(*beta.category) +
                                          " (an ordinal model's intercepts are for every category but the last)");
    }
    const bool intercept = std::any_of(terms.begin(), terms.end(), [&](const auto& term) {
      return term.first == beta.parameter && term.second.column.empty();
    });
    if (!intercept) {
      return at.Unsupported(beta.element, "a category-specific beta for a covariate or factor (the cumulative "
                                          "model has one linear predictor plus an intercept per category)");
    }
  }
  if (classes.size() == 2 && (link == "logit" || link == "probit" || link == "cloglog")) {
    const LinkFunction ir_link = link == "logit"    ? LinkFunction::kLogit
                                 : link == "probit" ? LinkFunction::kProbit
                                                    : LinkFunction::kCloglog;
    Row row;
    for (const Beta& beta : betas) AddBeta(build, terms, beta, row);
    GlmModel glm = MakeGlm(pipeline, {row});
    glm.family = GlmFamily::kBinomial;
    glm.link = ir_link;
    // The binomial GLM gives its inverse link to classes[1]; PMML gives it to
    // the first category, P(Y <= c_1).
    pipeline.model.task = Task::kClassification;
    pipeline.model.classes = {classes[1], classes[0]};
    pipeline.model.body = std::move(glm);
    return Status::Ok();
  }
  if (InverseCumulativeLink(link, "x").empty()) {
    return at.Unsupported(model, "cumulativeLink " + link + " with " + std::to_string(classes.size()) +
                                     " categories (supported: logit, cloglog, loglog, cauchit; probit only with "
                                     "two categories; the expression language has no erf)");
  }
  // Intercepts per category; the shared linear predictor as one column.
  std::vector<double> thetas(classes.size() - 1, 0.0);
  for (const Beta& beta : betas) {
    for (const auto& [name, term] : terms) {
      if (name != beta.parameter || !term.column.empty()) continue;
      for (size_t j = 0; j < thetas.size(); ++j) {
        if (!beta.category || *beta.category == classes[j]) thetas[j] += beta.value;
      }
    }
  }
  ASSIGN_OR_RETURN(const std::string linear, LinearText(at, model, terms, betas));
  for (size_t j = 1; j < thetas.size(); ++j) {
    if (thetas[j] < thetas[j - 1]) {
      // A decreasing intercept would make a class probability negative.
      return at.Invalid(model, "the intercept of category " + QuoteString(classes[j]) +
                                   " is below that of the category before it");
    }
  }
  const std::string eta = QuoteColumn(build.AddHelperColumn("ordinal linear predictor",
                                                            linear.empty() ? "0" : "(" + linear + ")"));
  std::vector<std::string> cumulative;
  for (size_t j = 0; j < thetas.size(); ++j) {
    const std::string e = "(" + eta + " + " + NumberLiteral(thetas[j]) + ")";
    cumulative.push_back(QuoteColumn(build.AddHelperColumn("P(<= " + classes[j] + ")", InverseCumulativeLink(link, e))));
  }
  std::vector<Row> rows(classes.size());
  for (size_t j = 0; j < classes.size(); ++j) {
    const std::string p = j == 0                  ? cumulative[0]
                          : j + 1 == classes.size() ? "(1 - " + cumulative[j - 1] + ")"
                                                    : "(" + cumulative[j] + " - " + cumulative[j - 1] + ")";
    // A probability of 0 (the cumulative ones equal in doubles) has no
    // logarithm; kLogOfZero gives it exactly 0 in the softmax. A missing
    // predictor stays missing.
    const std::string log_p = "(if is_missing(" + eta + ") then (0 / 0) else coalesce(log(" + p + "), " +
                              NumberLiteral(kLogOfZero) + "))";
    rows[j].coefficients[build.FeatureIndex(build.AddHelperColumn("ln P(" + classes[j] + ")", log_p))] = 1.0;
  }
  GlmModel glm = MakeGlm(pipeline, rows);
  glm.family = GlmFamily::kMultinomial;
  glm.link = LinkFunction::kIdentity;
  pipeline.model.task = Task::kClassification;
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

}  // namespace

Status LowerGeneralRegression(ModelBuilder& build, const pugi::xml_node& model, const TargetInfo& target,
                              bool classification) {
  const Locator& at = build.at();
  const std::optional<std::string> model_type = Attribute(model, "modelType");
  if (!model_type) return at.Invalid(model, "missing attribute 'modelType'");
  const bool regression_type =
      *model_type == "regression" || *model_type == "generalLinear" || *model_type == "generalizedLinear";
  const bool classifier_type = *model_type == "multinomialLogistic" || *model_type == "ordinalMultinomial";
  if (*model_type == "CoxRegression") {
    return at.Unsupported(model, "modelType CoxRegression (survival models have no IR equivalent)");
  }
  if (!regression_type && !classifier_type) return at.Invalid(model, "unknown modelType " + QuoteString(*model_type));
  const bool binary_generalized = classification && *model_type == "generalizedLinear";
  if (regression_type == classification && !binary_generalized) {
    return at.Unsupported(model, "modelType " + *model_type + " with functionName " +
                                     (classification ? "classification" : "regression"));
  }
  if (classifier_type) {
    for (const char* attribute : {"offsetVariable", "offsetValue", "trialsVariable", "trialsValue"}) {
      if (Attribute(model, attribute)) return at.Unsupported(model, std::string(attribute) + " in a classifier");
    }
  }
  ASSIGN_OR_RETURN(auto terms, ReadTerms(build, model));
  ASSIGN_OR_RETURN(std::vector<Beta> betas, ReadBetas(at, model, terms));
  if (binary_generalized) return LowerBinaryGeneralized(build, model, terms, betas);
  if (regression_type) return LowerRegressionType(build, model, target, *model_type, terms, betas);
  if (*model_type == "multinomialLogistic") return LowerMultinomial(build, model, terms, betas);
  return LowerOrdinal(build, model, terms, betas);
}

}  // namespace podium::pmml_internal
