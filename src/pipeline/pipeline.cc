#include "pipeline/pipeline.h"

#include <type_traits>

namespace podium {

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kNumber: return "number";
    case FieldType::kInteger: return "integer";
    case FieldType::kBoolean: return "boolean";
    case FieldType::kCategory: return "category";
  }
  return "?";
}

std::string_view GlmFamilyName(GlmFamily family) {
  switch (family) {
    case GlmFamily::kGaussian: return "gaussian";
    case GlmFamily::kBinomial: return "binomial";
    case GlmFamily::kPoisson: return "poisson";
    case GlmFamily::kGamma: return "gamma";
    case GlmFamily::kTweedie: return "tweedie";
    case GlmFamily::kMultinomial: return "multinomial";
  }
  return "?";
}

std::string_view LinkFunctionName(LinkFunction link) {
  switch (link) {
    case LinkFunction::kIdentity: return "identity";
    case LinkFunction::kLogit: return "logit";
    case LinkFunction::kProbit: return "probit";
    case LinkFunction::kLog: return "log";
    case LinkFunction::kCloglog: return "cloglog";
    case LinkFunction::kInverse: return "inverse";
  }
  return "?";
}

std::string_view OutputTransformName(OutputTransform transform) {
  switch (transform) {
    case OutputTransform::kIdentity: return "identity";
    case OutputTransform::kLogistic: return "logistic";
    case OutputTransform::kSoftmax: return "softmax";
    case OutputTransform::kExp: return "exp";
  }
  return "?";
}

std::vector<std::string> TransformOutputs(const Transform& transform) {
  return std::visit(
      [](const auto& t) -> std::vector<std::string> {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, OneHotTransform>) {
          const std::string prefix = t.output_prefix.empty() ? t.input + "=" : t.output_prefix;
          std::vector<std::string> outputs;
          outputs.reserve(t.levels.size());
          for (const std::string& level : t.levels) outputs.push_back(prefix + level);
          return outputs;
        } else {
          return {t.output};
        }
      },
      transform);
}

std::vector<std::string> ValueColumnNames(const Pipeline& pipeline) {
  const OutputNames& names = pipeline.output_names;
  if (pipeline.model.task == Task::kRegression) return {names.value.empty() ? "prediction" : names.value};
  std::vector<std::string> columns;
  for (size_t i = 0; i < pipeline.model.classes.size(); ++i) {
    columns.push_back(i < names.probabilities.size() ? names.probabilities[i]
                                                     : "probability_" + pipeline.model.classes[i]);
  }
  return columns;
}

std::string LabelColumnName(const Pipeline& pipeline) {
  return pipeline.output_names.label.empty() ? "label" : pipeline.output_names.label;
}

std::vector<std::string> TransformInputs(const Transform& transform) {
  return std::visit(
      [](const auto& t) -> std::vector<std::string> {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, DeriveTransform>) {
          return {};
        } else {
          return {t.input};
        }
      },
      transform);
}

std::string_view TransformOpName(const Transform& transform) {
  struct Namer {
    std::string_view operator()(const ImputeTransform&) const { return "impute"; }
    std::string_view operator()(const ClipTransform&) const { return "clip"; }
    std::string_view operator()(const StandardizeTransform&) const { return "standardize"; }
    std::string_view operator()(const MinMaxTransform&) const { return "min_max"; }
    std::string_view operator()(const MathTransform& t) const {
      switch (t.function) {
        case MathFunction::kLog: return "log";
        case MathFunction::kLog1p: return "log1p";
        case MathFunction::kPower: return "power";
      }
      return "?";
    }
    std::string_view operator()(const BucketizeTransform&) const { return "bucketize"; }
    std::string_view operator()(const OneHotTransform&) const { return "one_hot"; }
    std::string_view operator()(const OrdinalTransform&) const { return "ordinal"; }
    std::string_view operator()(const DeriveTransform&) const { return "derive"; }
  };
  return std::visit(Namer{}, transform);
}

}  // namespace podium
