#include "pipeline/pipeline.h"

#include <type_traits>

namespace podium {

std::string_view TaskName(Task task) {
  switch (task) {
    case Task::kRegression: return "regression";
    case Task::kClassification: return "classification";
    case Task::kClustering: return "clustering";
  }
  return "?";
}

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

std::string_view ClusterMeasureName(ClusterMeasure measure) {
  switch (measure) {
    case ClusterMeasure::kEuclidean: return "euclidean";
    case ClusterMeasure::kSquaredEuclidean: return "squared_euclidean";
    case ClusterMeasure::kCityBlock: return "cityblock";
    case ClusterMeasure::kChebychev: return "chebychev";
    case ClusterMeasure::kMinkowski: return "minkowski";
    case ClusterMeasure::kSimpleMatching: return "simple_matching";
    case ClusterMeasure::kJaccard: return "jaccard";
    case ClusterMeasure::kTanimoto: return "tanimoto";
    case ClusterMeasure::kBinarySimilarity: return "binary_similarity";
  }
  return "?";
}

std::string_view CompareFunctionName(CompareFunction compare) {
  switch (compare) {
    case CompareFunction::kAbsDiff: return "abs_diff";
    case CompareFunction::kGaussSim: return "gauss_sim";
    case CompareFunction::kDelta: return "delta";
    case CompareFunction::kEqual: return "equal";
    case CompareFunction::kTable: return "table";
  }
  return "?";
}

bool IsSimilarity(ClusterMeasure measure) {
  return measure == ClusterMeasure::kSimpleMatching || measure == ClusterMeasure::kJaccard ||
         measure == ClusterMeasure::kTanimoto || measure == ClusterMeasure::kBinarySimilarity;
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
  if (pipeline.model.task == Task::kClustering) {
    const auto* clustering = std::get_if<ClusteringModel>(&pipeline.model.body);
    const std::string prefix = clustering != nullptr && IsSimilarity(clustering->measure) ? "similarity_" : "distance_";
    for (size_t i = 0; i < pipeline.model.classes.size(); ++i) {
      columns.push_back(i < names.affinities.size() ? names.affinities[i] : prefix + pipeline.model.classes[i]);
    }
    return columns;
  }
  for (size_t i = 0; i < pipeline.model.classes.size(); ++i) {
    columns.push_back(i < names.probabilities.size() ? names.probabilities[i]
                                                     : "probability_" + pipeline.model.classes[i]);
  }
  return columns;
}

std::string ReasonColumnName(const Pipeline& pipeline, int rank) {
  const std::vector<std::string>& names = pipeline.output_names.reasons;
  if (rank >= 1 && static_cast<size_t>(rank) <= names.size()) return names[static_cast<size_t>(rank - 1)];
  return "reason_" + std::to_string(rank);
}

const std::string& ReasonLabel(const Pipeline& pipeline, int32_t feature) {
  const size_t f = static_cast<size_t>(feature);
  return f < pipeline.post.reason_labels.size() ? pipeline.post.reason_labels[f] : pipeline.features[f];
}

std::string_view ReasonOrderName(ReasonOrder order) {
  switch (order) {
    case ReasonOrder::kByAbsoluteValue: return "absolute";
    case ReasonOrder::kLargestFirst: return "largest";
    case ReasonOrder::kSmallestFirst: return "smallest";
  }
  return "?";
}

std::string LabelColumnName(const Pipeline& pipeline) {
  if (!pipeline.output_names.label.empty()) return pipeline.output_names.label;
  return pipeline.model.task == Task::kClustering ? "cluster" : "label";
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
