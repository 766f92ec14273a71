#include "cli/server_command.h"

#include <unistd.h>

#include <iostream>
#include <map>
#include <random>
#include <string>

#include "base/file.h"
#include "http/config.h"
#include "http/scoring_server.h"

extern char** environ;

namespace podium::cli {

class ServerCommand {
 public:
  CLI::App* command = nullptr;
  http::ServerFlags flags;
  std::string host, token_file, max_body, config, data_dir, store_url;
  std::string registry_token_file;
  std::string tls_cert, tls_key;
  int port = -1, threads = -1;
};

void ServerCommandDeleter::operator()(ServerCommand* command) const { delete command; }

ServerCommandPtr AddServerCommand(CLI::App& app) {
  ServerCommandPtr c(new ServerCommand());
  CLI::App* s = app.add_subcommand("server", "Serve models over HTTP (Open Inference Protocol v2 and a JSON API)");
  c->command = s;
  s->add_option("-m,--model", c->flags.models, "NAME=FILE: serve this model file (pipeline, XGBoost, PMML, LightGBM or ONNX) as NAME");
  s->add_option("--host", c->host, "Address to listen on (default 127.0.0.1)");
  s->add_option("--port", c->port, "Port to listen on (default 8080; 0 picks a free one)");
  s->add_option("--token-file", c->token_file, "File holding the API bearer token (else PODIUM_API_TOKEN)");
  s->add_flag("--public-inference", c->flags.public_inference, "Serve inference endpoints without a token");
  s->add_option("--max-body-bytes", c->max_body, "Largest request body, e.g. 64MiB (default)");
  s->add_option("--threads", c->threads, "I/O threads (default 2)");
  s->add_option("--config", c->config, "YAML configuration file (see docs/SERVER.md)");
  s->add_option("--data-dir", c->data_dir,
                "Model registry served under /v1/registry/ (default $PODIUM_DATA_DIR or ./podium-data)");
  s->add_option("--store", c->store_url, "Registry metadata in PostgreSQL: postgresql://... (else the data directory)");
  s->add_flag("--no-registry", c->flags.no_registry, "Serve model files only, without the registry API");
  s->add_option("--deploy", c->flags.deployments,
                "NAME=MODEL@ENVIRONMENT_OR_ALIAS: serve what the registry deploys there, and follow it (repeatable)");
  s->add_option("--tls-cert", c->tls_cert, "Serve HTTPS: PEM file of the certificate chain (with --tls-key)");
  s->add_option("--tls-key", c->tls_key, "Serve HTTPS: PEM file of the certificate's private key");
  s->add_option("--registry-token-file", c->registry_token_file,
                "File holding the registry token deployments read with (else PODIUM_REGISTRY_TOKEN)");
  return c;
}

namespace {

std::string RandomToken() {
  std::random_device device;
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 32; ++i) token += kHex[device() % 16];
  return token;
}

}  // namespace

std::optional<int> RunServerCommand(ServerCommand& c) {
  if (!*c.command) return std::nullopt;
  if (!c.host.empty()) c.flags.host = c.host;
  if (c.port >= 0) c.flags.port = c.port;
  if (c.threads >= 0) c.flags.threads = c.threads;
  if (!c.token_file.empty()) c.flags.token_file = c.token_file;
  if (!c.max_body.empty()) c.flags.max_body_bytes = c.max_body;
  if (!c.data_dir.empty()) c.flags.data_dir = c.data_dir;
  if (!c.store_url.empty()) c.flags.registry_url = c.store_url;
  if (!c.registry_token_file.empty()) c.flags.registry_token_file = c.registry_token_file;
  if (!c.tls_cert.empty()) c.flags.tls_cert_file = c.tls_cert;
  if (!c.tls_key.empty()) c.flags.tls_key_file = c.tls_key;
  std::string yaml;
  if (!c.config.empty()) {
    Result<std::string> text = ReadFileToString(c.config, 1 << 20);
    if (!text.ok()) {
      std::cerr << "podium: error: --config: " << text.status().message() << "\n";
      return 1;
    }
    yaml = std::move(text).value();
  }
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string item(*e);
    const size_t eq = item.find('=');
    if (item.rfind("PODIUM_", 0) == 0 && eq != std::string::npos) env[item.substr(0, eq)] = item.substr(eq + 1);
  }
  Result<http::ServerConfig> config = http::ResolveServerConfig(c.flags, env, yaml);
  if (!config.ok()) {
    std::cerr << "podium: error: " << config.status().message() << "\n";
    return 1;
  }
  if (config->api_token.empty()) {
    config->api_token = RandomToken();
    std::cerr << "podium server: no API token configured (--token-file, PODIUM_API_TOKEN); this run's token is "
              << config->api_token << "\n";
  }
  Result<std::unique_ptr<http::ScoringServer>> server = http::ScoringServer::Create(*config, true);
  if (!server.ok()) {
    std::cerr << "podium: error: " << server.status().message() << "\n";
    return 1;
  }
  auto snapshot = (*server)->manager().Snapshot();
  for (const auto& [name, entry] : snapshot->models) {
    std::cerr << "podium server: model " << name << " version " << entry->champion->version() << " from "
              << entry->champion->source().Describe();
    if (entry->challenger) {
      std::cerr << ", challenger version " << entry->challenger->version() << " from "
                << entry->challenger->source().Describe() << " ("
                << serving::PolicyKindName(entry->spec.policy.kind) << " " << entry->spec.policy.challenger_percent
                << "%)";
    }
    std::cerr << "\n";
  }
  if (const deploy::RegistryDeployments* deployments = (*server)->deployments(); deployments != nullptr) {
    for (const deploy::DeploymentState& d : deployments->States()) {
      std::cerr << "podium server: deployment " << d.name
                << (d.slot == serving::Slot::kChallenger ? " (challenger)" : "") << " = " << d.reference.ToString()
                << ": registry version " << d.version << " (" << d.digest << "), following registry changes\n";
    }
  }
  if (!config->data_dir.empty()) {
    std::cerr << "podium server: model registry "
              << (config->registry_url.empty() ? "in " + config->data_dir
                                               : "in PostgreSQL, artifacts in " + config->data_dir)
              << " at /v1/registry/ (OpenAPI: /v1/registry/openapi.json)\n";
  }
  std::cerr << "podium server: listening on " << (config->tls_cert_file.empty() ? "http" : "https") << "://"
            << config->host << ":" << (*server)->port() << " with " << config->threads << " threads" << (config->public_inference ? " (public inference)" : "") << "\n";
  Status status = (*server)->Run();
  std::cerr << "podium server: stopped\n";
  if (!status.ok()) {
    std::cerr << "podium: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace podium::cli
