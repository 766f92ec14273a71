// Podium's use-cases: the one layer that wires the concrete parts together.
// The command line (and later the server) call only this layer.
// Thread-safe (no shared state).
#ifndef PODIUM_APP_APP_H_
#define PODIUM_APP_APP_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"
#include "jobs/score_job.h"
#include "pipeline/pipeline.h"

namespace podium::app {

enum class ModelFormat { kAuto, kPipeline, kXgboost, kPmml, kLightgbm, kOnnx };

// "auto", "pipeline" (or "podium"), "xgboost", "pmml", "lightgbm", "onnx";
// kInvalidArgument otherwise.
Result<ModelFormat> ParseModelFormat(std::string_view name);
std::string_view ModelFormatName(ModelFormat format);

struct LoadedModel {
  Pipeline pipeline;
  ModelFormat format = ModelFormat::kPipeline;  // what the file was
  std::string path;
  std::string digest;  // PipelineDigest(pipeline)
};

// What an import may need beyond the model's bytes.
struct ImportOptions {
  // Input field names (ONNX: one per numeric input column, in graph input
  // order). Empty: the names the model gives. Formats without such an option
  // refuse a non-empty list.
  std::vector<std::string> feature_names;
  // The folder an ONNX model's external tensor data may be read from. Empty:
  // external data is refused. LoadModelFile sets it to the file's folder.
  std::string model_folder;
};

// Reads a model file of any supported format and returns it as a validated
// pipeline. kAuto tells the format from the content. Errors name the file.
Result<LoadedModel> LoadModelFile(const std::string& path, ModelFormat format = ModelFormat::kAuto);
Result<LoadedModel> LoadModelFile(const std::string& path, ModelFormat format, const ImportOptions& options);

// The same for a model already in memory (e.g. uploaded to the server).
// `name` stands for the file in messages and names an imported pipeline.
Result<LoadedModel> LoadModelText(std::string_view text, std::string_view name,
                                  ModelFormat format = ModelFormat::kAuto);
Result<LoadedModel> LoadModelText(std::string_view text, std::string_view name, ModelFormat format,
                                  const ImportOptions& options);

// A human-readable summary: identity, inputs, transforms, model, post-processing.
std::string DescribePipeline(const LoadedModel& model);
// The same as a JSON document (for tools).
std::string DescribePipelineJson(const LoadedModel& model);

// Loads, compiles and scores a file.
struct ScoreRequest {
  std::string model_path;
  ModelFormat model_format = ModelFormat::kAuto;
  jobs::ScoreFileOptions job;
};
Result<jobs::ScoreSummary> ScoreFile(const ScoreRequest& request);

}  // namespace podium::app

#endif  // PODIUM_APP_APP_H_
