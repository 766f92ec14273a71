#include "cli/import_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include "app/app.h"
#include "base/file.h"
#include "base/status.h"
#include "formats/lightgbm.h"
#include "formats/pmml.h"
#include "pipeline/pipeline_json.h"

namespace podium::cli {

class ImportCommand {
 public:
  CLI::App* subcommand = nullptr;
  std::string input_path;
  std::string output_path;
  std::string format = "auto";
  std::string name;
  std::string feature_names;  // comma-separated (ONNX)
};

void ImportCommandDeleter::operator()(ImportCommand* command) const { delete command; }

namespace {

constexpr int kExitFailure = 1;

Result<Pipeline> ImportFile(const ImportCommand& command) {
  // Read one byte past the larger importer limit so that the importer reports
  // it (LightGBM text models are often larger than PMML's limit).
  const size_t limit = std::max(PmmlImportOptions{}.max_bytes, LightgbmImportOptions{}.max_bytes);
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(command.input_path, limit + 1));
  const std::string quoted = "'" + command.input_path + "'";
  const std::string name =
      command.name.empty() ? std::filesystem::path(command.input_path).stem().string() : command.name;
  const bool pmml = command.format == "pmml" || (command.format == "auto" && LooksLikePmml(text));
  if (pmml) {
    PmmlImportOptions options;
    options.name = name;
    Result<Pipeline> pipeline = ImportPmml(text, options);
    if (!pipeline.ok()) return pipeline.status().WithContext(quoted + " (PMML)");
    return pipeline;
  }
  ASSIGN_OR_RETURN(app::ModelFormat format, app::ParseModelFormat(command.format));
  app::ImportOptions options;
  if (!command.feature_names.empty()) {
    std::string_view rest = command.feature_names;
    while (true) {
      const size_t comma = rest.find(',');
      options.feature_names.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  // External data (ONNX) is read only from the model file's own folder.
  const std::filesystem::path folder = std::filesystem::path(command.input_path).parent_path();
  options.model_folder = folder.empty() ? std::string(".") : folder.string();
  ASSIGN_OR_RETURN(app::LoadedModel model, app::LoadModelText(text, command.input_path, format, options));
  if (!command.name.empty()) model.pipeline.name = command.name;
  return std::move(model.pipeline);
}

}  // namespace

ImportCommandPtr AddImportCommand(CLI::App& app) {
  ImportCommandPtr command(new ImportCommand);
  CLI::App* sub =
      app.add_subcommand("import", "Convert a PMML, XGBoost, LightGBM or ONNX model into a Podium pipeline artifact");
  sub->add_option("file", command->input_path, "Model file to convert")->required();
  sub->add_option("-o,--out", command->output_path, "Pipeline artifact to write (canonical JSON)")->required();
  sub->add_option("-f,--format", command->format,
                  "Input format: auto (from the content), pmml, xgboost, lightgbm, onnx, pipeline")
      ->check(CLI::IsMember({"auto", "pmml", "xgboost", "lightgbm", "onnx", "pipeline", "podium"}));
  sub->add_option("--feature-names", command->feature_names,
                  "ONNX: input field names, comma-separated, one per numeric input column (default: <input>_<j>)");
  sub->add_option("--name", command->name, "Pipeline name (default: the file name without extension)");
  command->subcommand = sub;
  return command;
}

std::optional<int> RunImportCommand(ImportCommand& command) {
  if (command.subcommand == nullptr || !command.subcommand->parsed()) return std::nullopt;
  Result<Pipeline> pipeline = ImportFile(command);
  if (!pipeline.ok()) {
    std::cerr << "podium: error: " << pipeline.status().message() << "\n";
    return kExitFailure;
  }
  const Status written = WriteFileAtomically(command.output_path, WritePipelineJson(*pipeline));
  if (!written.ok()) {
    std::cerr << "podium: error: " << written.message() << "\n";
    return kExitFailure;
  }
  std::cout << "Wrote " << command.output_path << " (" << PipelineDigest(*pipeline) << ", "
            << pipeline->inputs.size() << " inputs, " << pipeline->transforms.size() << " transforms; from "
            << pipeline->source << ")\n";
  return 0;
}

}  // namespace podium::cli
