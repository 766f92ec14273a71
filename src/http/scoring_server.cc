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

Result<std::unique_ptr<deploy::RegistryDeployments>> RegistryDeploymentsFrom(const ServerConfig& config,
                                                                              registry::Registry* registry) {
  if (registry == nullptr) return InvalidArgumentError("registry deployments need the registry (--data-dir)");
  deploy::RegistryDeployments::Options options;
  options.registry = registry;
  options.token = config.registry_token;
  for (const DeploymentConfig& c : config.deployments) {
    const std::string where = "deployment '" + c.name + "'";
    deploy::Deployment deployment;
    deployment.name = c.name;
    Result<deploy::RegistryReference> champion = deploy::ParseRegistryReference(c.model);
    if (!champion.ok()) return champion.status().WithContext(where);
    deployment.champion = std::move(champion).value();
    if (!c.challenger.empty()) {
      Result<deploy::RegistryReference> challenger = deploy::ParseRegistryReference(c.challenger);
      if (!challenger.ok()) return challenger.status().WithContext(where + " challenger");
      deployment.challenger = std::move(challenger).value();
    }
    Result<serving::PolicyKind> kind = serving::ParsePolicyKind(c.policy);
    if (!kind.ok()) return kind.status().WithContext(where);
    deployment.policy.kind = *kind;
    deployment.policy.challenger_percent = c.challenger_percent;
    deployment.policy.sticky_field = c.sticky_field;
    deployment.fallback_decision = c.fallback_decision;
    options.deployments.push_back(std::move(deployment));
  }
  options.log = [](const std::string& line) { std::cerr << "podium server: " << line << "\n"; };
  return deploy::RegistryDeployments::Create(std::move(options));
}

Result<std::unique_ptr<ScoringServer>> ScoringServer::Create(const ServerConfig& config, bool handle_signals) {
  if (config.api_token.empty()) return InvalidArgumentError("the server needs an API token");
  std::unique_ptr<ScoringServer> server(new ScoringServer());
  server->metrics_ = std::make_unique<Metrics>();
  ASSIGN_OR_RETURN(server->shadow_, serving::ShadowLog::Create({config.shadow_ring, config.shadow_log_path}));
  if (!config.data_dir.empty()) {
    registry::RegistryOptions registry_options;
    registry_options.data_dir = config.data_dir;
    registry_options.postgres_url = config.registry_url;
    Result<std::unique_ptr<registry::Registry>> opened = registry::Registry::Open(registry_options);
    if (!opened.ok()) {
      return opened.status().WithContext(
          "model registry " + (config.registry_url.empty() ? "in '" + config.data_dir + "'" : "at the PostgreSQL URL") +
          " (choose another with --data-dir, or serve model files only with --no-registry)");
    }
    server->registry_ = std::move(opened).value();
    RegistryApi::Options api_options;
    api_options.bootstrap_token = config.api_token;
    api_options.max_json_depth = config.max_json_depth;
    server->registry_api_ = std::make_unique<RegistryApi>(api_options, server->registry_.get());
  }
  // Registry deployments resolve first, so the manager loads their versions
  // with the model files; then they follow the registry's changes.
  serving::ModelManager::Options manager_options;
  ASSIGN_OR_RETURN(manager_options.models, ModelSpecsFrom(config));
  manager_options.loader = ModelFileLoader();
  if (!config.deployments.empty()) {
    ASSIGN_OR_RETURN(server->deployments_, RegistryDeploymentsFrom(config, server->registry_.get()));
    for (serving::ModelSpec& spec : server->deployments_->ModelSpecs()) {
      manager_options.models.push_back(std::move(spec));
    }
    manager_options.loader = deploy::RegistryLoader(server->registry_.get(), config.registry_token, ModelFileLoader());
  }
  ASSIGN_OR_RETURN(server->manager_, serving::ModelManager::Create(std::move(manager_options)));
  if (server->deployments_) RETURN_IF_ERROR(server->deployments_->Start(server->manager_.get()));

  Service::Options service_options;
  service_options.api_token = config.api_token;
  service_options.admin_token = config.admin_token;
  service_options.public_inference = config.public_inference;
  service_options.max_json_depth = config.max_json_depth;
  service_options.max_rows = config.max_rows;
  service_options.server_version = PODIUM_SERVER_VERSION;
  service_options.registry_api = server->registry_api_.get();
  service_options.deployments = server->deployments_.get();
  if (server->registry_ != nullptr) {
    registry::Registry* registry = server->registry_.get();
    service_options.registry_role = [registry](std::string_view token) -> Result<registry::Role> {
      ASSIGN_OR_RETURN(registry::UserInfo user, registry->WhoAmI(token));
      return user.role;
    };
  }
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
  http_options.tls_cert_file = config.tls_cert_file;
  http_options.tls_key_file = config.tls_key_file;
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
