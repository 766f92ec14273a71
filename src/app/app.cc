#include "app/app.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/file.h"
#include "formats/lightgbm.h"
#include "formats/onnx.h"
#include "formats/pmml.h"
#include "formats/xgboost.h"
#include "pipeline/pipeline_json.h"
#include "pipeline/validate.h"

namespace podium::app {
namespace {

constexpr size_t kMaxModelFileBytes = size_t{1} << 30;

ModelFormat DetectFormat(std::string_view text) {
  // Binary protobuf: checked first, from its top-level field headers only.
  if (LooksLikeOnnx(text)) return ModelFormat::kOnnx;
  if (LooksLikePmml(text)) return ModelFormat::kPmml;
  if (LooksLikeLightgbm(text)) return ModelFormat::kLightgbm;
  if (LooksLikePipelineJson(text)) return ModelFormat::kPipeline;
  if (text.find("\"learner\"") != std::string_view::npos) return ModelFormat::kXgboost;
  return ModelFormat::kAuto;
}

std::string NumberText(double value) {
  std::ostringstream out;
  out.precision(10);
  out << value;
  return out.str();
}

std::string PolicyText(const ValuePolicy& policy) {
  switch (policy.kind) {
    case ValuePolicyKind::kError: return "error";
    case ValuePolicyKind::kMissing: return "missing";
    case ValuePolicyKind::kReplace:
      if (const auto* d = std::get_if<double>(&policy.replacement)) return "replace with " + NumberText(*d);
      return "replace with '" + std::get<std::string>(policy.replacement) + "'";
  }
  return "?";
}

std::string JoinLimited(const std::vector<std::string>& items, size_t limit) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > limit) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

std::string TransformText(const Transform& transform) {
  struct Describer {
    std::string operator()(const ImputeTransform& t) const {
      static const char* kStrategies[] = {"constant", "mean", "median", "most frequent"};
      const std::string value = std::holds_alternative<double>(t.value)
                                    ? NumberText(std::get<double>(t.value))
                                    : "'" + std::get<std::string>(t.value) + "'";
      return t.output + " = " + t.input + " with missing -> " + value + " (" +
             kStrategies[static_cast<int>(t.strategy)] + ")";
    }
    std::string operator()(const ClipTransform& t) const {
      return t.output + " = clip(" + t.input + ", " + (t.min ? NumberText(*t.min) : "-inf") + ", " +
             (t.max ? NumberText(*t.max) : "inf") + ")";
    }
    std::string operator()(const StandardizeTransform& t) const {
      return t.output + " = (" + t.input + " - " + NumberText(t.mean) + ") / " + NumberText(t.scale);
    }
    std::string operator()(const MinMaxTransform& t) const {
      return t.output + " = min_max(" + t.input + ", [" + NumberText(t.min) + ", " + NumberText(t.max) +
             "] -> [" + NumberText(t.to_min) + ", " + NumberText(t.to_max) + "])";
    }
    std::string operator()(const MathTransform& t) const {
      switch (t.function) {
        case MathFunction::kLog: return t.output + " = log(" + t.input + ")";
        case MathFunction::kLog1p: return t.output + " = log1p(" + t.input + ")";
        case MathFunction::kPower: return t.output + " = pow(" + t.input + ", " + NumberText(t.exponent) + ")";
      }
      return "?";
    }
    std::string operator()(const BucketizeTransform& t) const {
      std::vector<std::string> edges;
      for (double e : t.edges) edges.push_back(NumberText(e));
      return t.output + " = bucketize(" + t.input + ", edges " + JoinLimited(edges, 8) +
             (t.labels.empty() ? "" : ", labels " + JoinLimited(t.labels, 8)) + ")";
    }
    std::string operator()(const OneHotTransform& t) const {
      static const char* kPolicies[] = {"error", "ignore", "missing"};
      return "one-hot " + t.input + " -> " + std::to_string(t.levels.size()) + " columns (" +
             JoinLimited(t.levels, 6) + "); unknown levels: " + kPolicies[static_cast<int>(t.unknown)];
    }
    std::string operator()(const OrdinalTransform& t) const {
      return t.output + " = position of " + t.input + " in (" + JoinLimited(t.levels, 6) + ")";
    }
    std::string operator()(const DeriveTransform& t) const { return t.output + " = " + t.expression; }
  };
  return std::visit(Describer{}, transform);
}

struct TreeStats {
  size_t nodes = 0;
  size_t leaves = 0;
  int max_depth = 0;
  bool has_cover = true;
  bool has_categorical = false;
};

TreeStats CountTrees(const TreeEnsembleModel& ensemble) {
  TreeStats stats;
  for (const Tree& tree : ensemble.trees) {
    stats.nodes += tree.left.size();
    stats.leaves += static_cast<size_t>(std::count(tree.left.begin(), tree.left.end(), -1));
    stats.max_depth = std::max(stats.max_depth, TreeDepth(tree));
    stats.has_cover = stats.has_cover && !tree.cover.empty();
    for (const auto& levels : tree.category_levels) stats.has_categorical |= !levels.empty();
  }
  return stats;
}

std::string ModelText(const Model& model) {
  std::ostringstream out;
  out << "Model: " << TaskName(model.task);
  if (!model.classes.empty()) {
    out << (model.task == Task::kClustering ? ", clusters " : ", classes ") << JoinLimited(model.classes, 10);
  }
  out << "\n";
  if (const auto* glm = std::get_if<GlmModel>(&model.body)) {
    out << "  GLM, family " << GlmFamilyName(glm->family) << ", link " << LinkFunctionName(glm->link)
        << ", " << glm->intercepts.size() << " linear predictor(s), " << glm->coefficients.size()
        << " coefficients" << (glm->offset.empty() ? "" : ", offset " + glm->offset) << "\n";
    return out.str();
  }
  if (const auto* clustering = std::get_if<ClusteringModel>(&model.body)) {
    out << "  clustering: " << model.classes.size() << " centers, measure " << ClusterMeasureName(clustering->measure)
        << (IsSimilarity(clustering->measure) ? " (the most similar cluster wins)" : " (the nearest cluster wins)")
        << (clustering->missing_weights.empty() ? "" : ", missing-value weights") << "\n";
    return out.str();
  }
  const auto& ensemble = std::get<TreeEnsembleModel>(model.body);
  const TreeStats stats = CountTrees(ensemble);
  out << "  tree ensemble: " << ensemble.trees.size() << " trees, " << stats.nodes << " nodes, "
      << stats.leaves << " leaves, max depth " << stats.max_depth << "\n"
      << "  aggregation " << (ensemble.aggregation == Aggregation::kSum ? "sum" : "average")
      << ", output " << OutputTransformName(ensemble.output_transform) << ", "
      << ensemble.num_outputs << " output(s), precision "
      << (ensemble.precision == NumericPrecision::kFloat32 ? "float32" : "float64")
      << (stats.has_categorical ? ", categorical splits" : "")
      << (stats.has_cover ? "" : ", no node cover (no reason codes)") << "\n";
  return out.str();
}

}  // namespace

Result<ModelFormat> ParseModelFormat(std::string_view name) {
  if (name == "auto") return ModelFormat::kAuto;
  if (name == "pipeline" || name == "podium") return ModelFormat::kPipeline;
  if (name == "xgboost") return ModelFormat::kXgboost;
  if (name == "pmml") return ModelFormat::kPmml;
  if (name == "lightgbm") return ModelFormat::kLightgbm;
  if (name == "onnx") return ModelFormat::kOnnx;
  return InvalidArgumentError("unknown model format '" + std::string(name) +
                              "' (known: auto, pipeline, xgboost, pmml, lightgbm, onnx)");
}

std::string_view ModelFormatName(ModelFormat format) {
  switch (format) {
    case ModelFormat::kAuto: return "auto";
    case ModelFormat::kPipeline: return "pipeline";
    case ModelFormat::kXgboost: return "xgboost";
    case ModelFormat::kPmml: return "pmml";
    case ModelFormat::kLightgbm: return "lightgbm";
    case ModelFormat::kOnnx: return "onnx";
  }
  return "?";
}

Result<LoadedModel> LoadModelFile(const std::string& path, ModelFormat format) {
  return LoadModelFile(path, format, ImportOptions{});
}

Result<LoadedModel> LoadModelFile(const std::string& path, ModelFormat format, const ImportOptions& options) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, kMaxModelFileBytes));
  ImportOptions with_folder = options;
  if (with_folder.model_folder.empty()) {
    // External data of a model file may come from the file's own folder.
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    with_folder.model_folder = parent.empty() ? std::string(".") : parent.string();
  }
  return LoadModelText(text, path, format, with_folder);
}

Result<LoadedModel> LoadModelText(std::string_view text, std::string_view name, ModelFormat format) {
  return LoadModelText(text, name, format, ImportOptions{});
}

Result<LoadedModel> LoadModelText(std::string_view text, std::string_view name, ModelFormat format,
                                  const ImportOptions& import_options) {
  const std::string quoted = std::string("'").append(name).append("'");
  if (format == ModelFormat::kAuto) {
    format = DetectFormat(text);
    if (format == ModelFormat::kAuto) {
      return InvalidArgumentError(quoted +
                                  ": cannot tell the model format (expected a Podium pipeline, "
                                  "an XGBoost JSON model, a PMML document, a LightGBM text model or an "
                                  "ONNX model); "
                                  "name it with --format");
    }
  }
  if (!import_options.feature_names.empty() && format != ModelFormat::kOnnx) {
    return InvalidArgumentError(quoted + ": feature names can be given only for ONNX models");
  }
  LoadedModel model;
  model.path = std::string(name);
  model.format = format;
  if (format == ModelFormat::kPipeline) {
    Result<Pipeline> pipeline = ReadPipelineJson(text);
    if (!pipeline.ok()) return pipeline.status().WithContext(quoted);
    model.pipeline = std::move(pipeline).value();
  } else if (format == ModelFormat::kPmml) {
    PmmlImportOptions options;
    options.name = std::filesystem::path(std::string(name)).stem().string();
    Result<Pipeline> pipeline = ImportPmml(text, options);
    if (!pipeline.ok()) return pipeline.status().WithContext(quoted + " (PMML)");
    model.pipeline = std::move(pipeline).value();
  } else if (format == ModelFormat::kOnnx) {
    OnnxImportOptions options;
    options.name = std::filesystem::path(std::string(name)).stem().string();
    options.feature_names = import_options.feature_names;
    options.model_folder = import_options.model_folder;
    Result<Pipeline> pipeline = ImportOnnx(text, options);
    if (!pipeline.ok()) return pipeline.status().WithContext(quoted + " (ONNX)");
    model.pipeline = std::move(pipeline).value();
  } else if (format == ModelFormat::kLightgbm) {
    LightgbmImportOptions options;
    options.name = std::filesystem::path(std::string(name)).stem().string();
    Result<Pipeline> pipeline = ImportLightgbmText(text, options);
    if (!pipeline.ok()) return pipeline.status().WithContext(quoted + " (LightGBM text)");
    model.pipeline = std::move(pipeline).value();
  } else {
    XgboostImportOptions options;
    options.name = std::filesystem::path(std::string(name)).stem().string();
    Result<Pipeline> pipeline = ImportXgboostJson(text, options);
    if (!pipeline.ok()) return pipeline.status().WithContext(quoted + " (XGBoost JSON)");
    model.pipeline = std::move(pipeline).value();
  }
  model.digest = PipelineDigest(model.pipeline);
  return model;
}

std::string DescribePipeline(const LoadedModel& model) {
  const Pipeline& p = model.pipeline;
  std::ostringstream out;
  out << "Pipeline: " << (p.name.empty() ? "(unnamed)" : p.name) << "\n";
  if (!p.description.empty()) out << "  " << p.description << "\n";
  out << "File: " << model.path << " (" << ModelFormatName(model.format) << ")\n";
  out << "Digest: " << model.digest << "\n";
  out << "Format version: " << p.format_version << "\n";
  if (!p.source.empty()) out << "Source: " << p.source << "\n";
  out << "\nInputs (" << p.inputs.size() << "):\n";
  for (const InputField& field : p.inputs) {
    out << "  " << field.name << ": " << FieldTypeName(field.type);
    if (field.min || field.max) {
      out << " in [" << (field.min ? NumberText(*field.min) : "-inf") << ", "
          << (field.max ? NumberText(*field.max) : "inf") << "]";
    }
    if (!field.levels.empty()) out << " {" << JoinLimited(field.levels, 8) << "}";
    out << "; missing: " << PolicyText(field.on_missing) << "; invalid: " << PolicyText(field.on_invalid)
        << "\n";
  }
  if (!p.transforms.empty()) {
    out << "\nTransforms (" << p.transforms.size() << "):\n";
    for (const Transform& t : p.transforms) out << "  " << TransformText(t) << "\n";
  }
  out << "\nFeatures (" << p.features.size() << "): " << JoinLimited(p.features, 12) << "\n\n";
  out << ModelText(p.model);
  const PostProcessing& post = p.post;
  out << "\nPost-processing:\n";
  if (p.model.task == Task::kClassification && p.model.classes.size() == 2) {
    out << "  label: " << p.model.classes[1] << " when p(" << p.model.classes[1]
        << ") >= " << NumberText(post.threshold.value_or(0.5)) << ", else " << p.model.classes[0] << "\n";
  }
  if (const auto* clustering = std::get_if<ClusteringModel>(&p.model.body)) {
    out << "  label: the " << (IsSimilarity(clustering->measure) ? "most similar" : "nearest")
        << " cluster (a clustering model has no reason codes; the setting below is not used)\n";
  }
  out << "  reason codes: " << post.reason_code_count << " by default";
  if (post.reason_order != ReasonOrder::kByAbsoluteValue) {
    out << ", " << (post.reason_order == ReasonOrder::kLargestFirst ? "largest" : "smallest")
        << " contribution first" << (post.reason_one_sided ? " (only that side of zero)" : "");
  }
  if (!post.reason_labels.empty()) out << ", reported as " << JoinLimited(post.reason_labels, 12);
  out << "\n";
  if (!post.prediction_expression.empty()) {
    out << "  prediction: " << post.prediction_expression << " (score = the model's prediction)\n";
  }
  for (const DerivedOutput& output : post.outputs) {
    out << "  output " << output.name << " = " << output.expression;
    if (!output.categories.empty()) out << " -> one of {" << JoinLimited(output.categories, 12) << "} by position";
    out << "\n";
  }
  for (const BusinessRule& rule : post.rules) {
    out << "  rule " << (rule.name.empty() ? "(unnamed)" : rule.name) << ": when " << rule.when << " -> "
        << (rule.action == RuleAction::kOverride ? "decide '" + rule.decision + "'" : std::string("flag"))
        << (rule.reason.empty() ? "" : " (" + rule.reason + ")") << "\n";
  }
  return out.str();
}

std::string DescribePipelineJson(const LoadedModel& model) {
  const Pipeline& p = model.pipeline;
  nlohmann::json j;
  j["name"] = p.name;
  j["description"] = p.description;
  j["path"] = model.path;
  j["file_format"] = ModelFormatName(model.format);
  j["digest"] = model.digest;
  j["format_version"] = p.format_version;
  j["source"] = p.source;
  j["task"] = TaskName(p.model.task);
  j["classes"] = p.model.classes;
  j["inputs"] = nlohmann::json::array();
  for (const InputField& field : p.inputs) {
    j["inputs"].push_back({{"name", field.name}, {"type", FieldTypeName(field.type)}});
  }
  j["transforms"] = nlohmann::json::array();
  for (const Transform& t : p.transforms) j["transforms"].push_back(TransformText(t));
  j["features"] = p.features;
  if (const auto* glm = std::get_if<GlmModel>(&p.model.body)) {
    j["model"] = {{"type", "glm"}, {"family", GlmFamilyName(glm->family)},
                  {"link", LinkFunctionName(glm->link)}, {"coefficients", glm->coefficients.size()}};
  } else if (const auto* clustering = std::get_if<ClusteringModel>(&p.model.body)) {
    j["model"] = {{"type", "clustering"}, {"measure", ClusterMeasureName(clustering->measure)},
                  {"clusters", p.model.classes.size()}};
  } else {
    const auto& ensemble = std::get<TreeEnsembleModel>(p.model.body);
    const TreeStats stats = CountTrees(ensemble);
    j["model"] = {{"type", "tree_ensemble"}, {"trees", ensemble.trees.size()}, {"nodes", stats.nodes},
                  {"leaves", stats.leaves}, {"max_depth", stats.max_depth},
                  {"num_outputs", ensemble.num_outputs},
                  {"output_transform", OutputTransformName(ensemble.output_transform)}};
  }
  j["rules"] = p.post.rules.size();
  if (!p.post.prediction_expression.empty()) j["prediction_expression"] = p.post.prediction_expression;
  if (!p.post.outputs.empty()) {
    j["outputs"] = nlohmann::json::array();
    for (const DerivedOutput& output : p.post.outputs) {
      nlohmann::json o = {{"name", output.name}, {"expression", output.expression}};
      if (!output.categories.empty()) o["categories"] = output.categories;
      j["outputs"].push_back(std::move(o));
    }
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<jobs::ScoreSummary> ScoreFile(const ScoreRequest& request) {
  ASSIGN_OR_RETURN(LoadedModel model, LoadModelFile(request.model_path, request.model_format));
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(model.pipeline);
  if (!plan.ok()) return plan.status().WithContext("'" + request.model_path + "'");
  return jobs::ScoreFile(**plan, request.job);
}

}  // namespace podium::app
