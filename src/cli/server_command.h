// `podium server`: the scoring server over model files
// (http/scoring_server.h), and the model registry's REST API under
// /v1/registry/ (--data-dir, default ./podium-data; --no-registry: none).
// Parses the flags, gathers PODIUM_* environment variables and the YAML
// config file, resolves them (http/config.h: flags > env > YAML > defaults),
// starts the server and blocks until SIGTERM/SIGINT drain it. docs/SERVER.md
// has the reference with examples.
#ifndef PODIUM_CLI_SERVER_COMMAND_H_
#define PODIUM_CLI_SERVER_COMMAND_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

namespace podium::cli {

class ServerCommand;  // the parsed arguments (defined in the .cc)
struct ServerCommandDeleter {
  void operator()(ServerCommand* command) const;
};
using ServerCommandPtr = std::unique_ptr<ServerCommand, ServerCommandDeleter>;

// Adds the `server` subcommand to `app`; the result must outlive app.parse().
ServerCommandPtr AddServerCommand(CLI::App& app);

// After parsing: the exit code of `podium server` when the user chose it,
// else nullopt.
std::optional<int> RunServerCommand(ServerCommand& command);

}  // namespace podium::cli

#endif  // PODIUM_CLI_SERVER_COMMAND_H_
