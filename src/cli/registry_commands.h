// `podium registry ...` and `podium audit ...`: the command line over the
// registry service (registry/registry.h). Thin: parses arguments, loads model
// files through app::LoadModelFile, signs decisions with the user's key
// file, calls the registry, prints. The store is the data directory
// (--data-dir, PODIUM_DATA_DIR, default ./podium-data) or a PostgreSQL URL
// (--store, PODIUM_REGISTRY_URL), or a running `podium server`'s registry API
// (--server URL, PODIUM_SERVER; cli/registry_client.h), with the same
// output; the caller's token comes from --token or PODIUM_API_TOKEN.
// docs/REGISTRY.md has the reference with examples.
#ifndef PODIUM_CLI_REGISTRY_COMMANDS_H_
#define PODIUM_CLI_REGISTRY_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

namespace podium::cli {

class RegistryCommands;  // the parsed arguments (defined in the .cc)
struct RegistryCommandsDeleter {
  void operator()(RegistryCommands* commands) const;
};
using RegistryCommandsPtr = std::unique_ptr<RegistryCommands, RegistryCommandsDeleter>;

// Adds the `registry` and `audit` subcommands to `app`. The returned object
// holds the parsed arguments; it must outlive app.parse().
RegistryCommandsPtr AddRegistryCommands(CLI::App& app);

// After parsing: the exit code of the registry or audit command the user
// chose, or nullopt when they chose another command.
std::optional<int> RunRegistryCommands(RegistryCommands& commands);

}  // namespace podium::cli

#endif  // PODIUM_CLI_REGISTRY_COMMANDS_H_
