// `podium import FILE -o pipeline.json`: converts a model file of another
// format (PMML, XGBoost JSON) into the canonical pipeline artifact
// (docs/formats/pipeline.md), so that it can be reviewed, registered and
// scored as any pipeline. The format is told from the content unless
// --format names it: XML whose root is PMML is PMML; JSON with an XGBoost
// learner is XGBoost (a Podium pipeline is accepted too and rewritten in
// canonical form).
#ifndef PODIUM_CLI_IMPORT_COMMAND_H_
#define PODIUM_CLI_IMPORT_COMMAND_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

namespace podium::cli {

class ImportCommand;  // the parsed arguments (defined in the .cc)
struct ImportCommandDeleter {
  void operator()(ImportCommand* command) const;
};
using ImportCommandPtr = std::unique_ptr<ImportCommand, ImportCommandDeleter>;

// Adds the `import` subcommand to `app`; the result must outlive app.parse().
ImportCommandPtr AddImportCommand(CLI::App& app);

// After parsing: the exit code of `podium import` when the user chose it,
// else nullopt.
std::optional<int> RunImportCommand(ImportCommand& command);

}  // namespace podium::cli

#endif  // PODIUM_CLI_IMPORT_COMMAND_H_
