#include "cli/export_command.h"

#include <iostream>
#include <string>

#include "app/app.h"
#include "base/file.h"
#include "base/status.h"
#include "formats/pmml_export.h"

namespace podium::cli {

class ExportCommand {
 public:
  CLI::App* subcommand = nullptr;
  std::string input_path;
  std::string output_path;
  std::string format;
  std::string input_format = "auto";
};

void ExportCommandDeleter::operator()(ExportCommand* command) const { delete command; }

namespace {

constexpr int kExitFailure = 1;

Result<std::string> ExportFile(const ExportCommand& command) {
  ASSIGN_OR_RETURN(app::ModelFormat input_format, app::ParseModelFormat(command.input_format));
  ASSIGN_OR_RETURN(app::LoadedModel model, app::LoadModelFile(command.input_path, input_format));
  Result<std::string> document = ExportPmml(model.pipeline, PmmlExportOptions{});
  if (!document.ok()) {
    return document.status().WithContext("'" + command.input_path + "' cannot be exported as PMML");
  }
  return document;
}

}  // namespace

ExportCommandPtr AddExportCommand(CLI::App& app) {
  ExportCommandPtr command(new ExportCommand);
  CLI::App* sub = app.add_subcommand("export", "Write a pipeline as a PMML 4.4 document that scores identically");
  sub->add_option("model", command->input_path, "Pipeline artifact (or any model file podium can load)")->required();
  sub->add_option("-f,--format", command->format, "Output format")
      ->required()
      ->check(CLI::IsMember({"pmml"}));
  sub->add_option("-o,--out", command->output_path, "File to write (default: standard output)");
  sub->add_option("--from", command->input_format, "Input format: auto, pipeline, xgboost, pmml, lightgbm")
      ->capture_default_str();
  sub->footer(
      "Refused, with an error naming the construct: business rules, encoders whose unknown-level policy "
      "'error' PMML cannot express, and the other constructs listed in docs/formats/pmml-export.md.");
  command->subcommand = sub;
  return command;
}

std::optional<int> RunExportCommand(ExportCommand& command) {
  if (command.subcommand == nullptr || !command.subcommand->parsed()) return std::nullopt;
  Result<std::string> document = ExportFile(command);
  if (!document.ok()) {
    std::cerr << "podium: error: " << document.status().message() << "\n";
    return kExitFailure;
  }
  if (command.output_path.empty() || command.output_path == "-") {
    std::cout << *document << std::flush;
    return std::cout.good() ? 0 : kExitFailure;
  }
  if (const Status written = WriteFileAtomically(command.output_path, *document); !written.ok()) {
    std::cerr << "podium: error: " << written.message() << "\n";
    return kExitFailure;
  }
  std::cerr << "Wrote " << command.output_path << " (PMML 4.4)\n";
  return 0;
}

}  // namespace podium::cli
