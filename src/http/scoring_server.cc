#include "http/scoring_server.h"

#include <iostream>

#include "app/app.h"

namespace podium::http {

serving::Loader ModelFileLoader() {
  return [](const serving::ModelSource& source) -> Result<serving::LoadedArtifact> {
    ASSIGN_OR_RETURN(app::LoadedModel model, app::LoadModelFile(source.path, app::ModelFormat::kAuto));
    serving::LoadedArtifact artifact;
    artifact.pipeline = std::move(model.pipeline);
    artifact.digest = std::move(model.digest);
    artifact.format = std::string(app::ModelFormatName(model.format));
    return artifact;
  };
}

Result<std::vector<serving::ModelSpec>> ModelSpecsFrom(const ServerConfig& config) {
  std::vector<serving::ModelSpec> specs;
  for (const ServedModelConfig& model : config.models) {
    serving::ModelSpec spec;
    spec.name = model.name;
    spec.champion.path = model.file;
    if (!model.challenger_file.empty()) spec.challenger = serving::ModelSource{model.challenger_file};
    Result<serving::PolicyKind> kind = serving::ParsePolicyKind(model.policy);
    if (!kind.ok()) return kind.status().WithContext("model '" + model.name + "'");
    spec.policy.kind = *kind;
    spec.policy.challenger_percent = model.challenger_percent;
    spec.policy.sticky_field = model.sticky_field;
    spec.fallback_decision = model.fallback_decision;
    specs.push_back(std::move(spec));
  }
  return specs;
}

Result<std::unique_ptr<ScoringServer>> ScoringServer::Create(const ServerConfig& config, bool handle_signals) {
  if (config.api_token.empty()) return InvalidArgumentError("the server needs an API token");
  std::unique_ptr<ScoringServer> server(new ScoringServer());
  server->metrics_ = std::make_unique<Metrics>();
  ASSIGN_OR_RETURN(server->shadow_, serving::ShadowLog::Create({config.shadow_ring, config.shadow_log_path}));
  serving::ModelManager::Options manager_options;
  ASSIGN_OR_RETURN(manager_options.models, ModelSpecsFrom(config));
  manager_options.loader = ModelFileLoader();
  ASSIGN_OR_RETURN(server->manager_, serving::ModelManager::Create(std::move(manager_options)));

  Service::Options service_options;
  service_options.api_token = config.api_token;
  service_options.admin_token = config.admin_token;
  service_options.public_inference = config.public_inference;
  service_options.max_json_depth = config.max_json_depth;
  service_options.max_rows = config.max_rows;
  service_options.server_version = PODIUM_SERVER_VERSION;
  ScoringServer* self = server.get();  // owns the HttpServer, which outlives every request
  service_options.run_later = [self](std::function<void()> task) { self->http_->Post(std::move(task)); };
  server->service_ = std::make_unique<Service>(service_options, server->manager_.get(), server->shadow_.get(),
                                               server->metrics_.get());

  HttpServer::Options http_options;
  http_options.host = config.host;
  http_options.port = config.port;
  http_options.threads = config.threads;
  http_options.max_body_bytes = config.max_body_bytes;
  http_options.max_header_bytes = config.max_header_bytes;
  http_options.read_timeout_seconds = config.read_timeout_seconds;
  http_options.idle_timeout_seconds = config.idle_timeout_seconds;
  http_options.drain_timeout_seconds = config.drain_timeout_seconds;
  http_options.handle_signals = handle_signals;
  serving::ModelManager* manager = server->manager_.get();
  auto on_reload = [manager] {
    Status status = manager->ReloadAll();
    std::cerr << "podium server: SIGHUP: "
              << (status.ok() ? std::string("reloaded every model") : "reload failed: " + status.message() +
                                                                          " (the previous versions keep serving)")
              << "\n";
  };
  ASSIGN_OR_RETURN(server->http_, HttpServer::Create(http_options, server->service_.get(), server->metrics_.get(),
                                                     on_reload));
  return server;
}

}  // namespace podium::http
