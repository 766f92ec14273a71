// `podium export MODEL --format pmml [-o out.pmml]`: writes a pipeline in
// another tool's format (formats/pmml_export.h, docs/formats/pmml-export.md)
// so that it can be scored by any PMML consumer. MODEL is a pipeline artifact,
// or any model file `podium score` accepts (it is loaded, and imported if
// needed, through app). The document goes to stdout unless -o names a file,
// which is written atomically. A construct the format cannot express is an
// error naming it, and nothing is written.
#ifndef PODIUM_CLI_EXPORT_COMMAND_H_
#define PODIUM_CLI_EXPORT_COMMAND_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

namespace podium::cli {

class ExportCommand;  // the parsed arguments (defined in the .cc)
struct ExportCommandDeleter {
  void operator()(ExportCommand* command) const;
};
using ExportCommandPtr = std::unique_ptr<ExportCommand, ExportCommandDeleter>;

// Adds the `export` subcommand to `app`; the result must outlive app.parse().
ExportCommandPtr AddExportCommand(CLI::App& app);

// After parsing: the exit code of `podium export` when the user chose it,
// else nullopt.
std::optional<int> RunExportCommand(ExportCommand& command);

}  // namespace podium::cli

#endif  // PODIUM_CLI_EXPORT_COMMAND_H_
