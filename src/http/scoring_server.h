// `podium server` assembled: turns a ServerConfig into the running parts and
// owns them. The ScoringServer owns, in construction order, the Metrics, the
// ShadowLog, the ModelManager (which owns every loaded version), the model
// registry and its RegistryApi (when config.data_dir is set), the registry
// deployments (when configured: deploy/registry_deployments.h), the Service
// and the HttpServer (which owns the io threads). Models are read with
// app::LoadModelFile (Podium pipelines and XGBoost JSON, told apart by
// content).
// Thread-safe: Shutdown() and the accessors may be called from any thread
// while Run() blocks in another.
#ifndef PODIUM_HTTP_SCORING_SERVER_H_
#define PODIUM_HTTP_SCORING_SERVER_H_

#include <memory>

#include "base/status.h"
#include "deploy/registry_deployments.h"
#include "http/config.h"
#include "http/metrics.h"
#include "http/registry_api.h"
#include "http/server.h"
#include "http/service.h"
#include "serving/model_manager.h"
#include "serving/shadow_log.h"

namespace podium::http {

// The loader the server uses: app::LoadModelFile(path, kAuto).
serving::Loader ModelFileLoader();

// The ModelManager's specs from the configuration (kInvalidArgument for a
// bad policy, naming the model).
Result<std::vector<serving::ModelSpec>> ModelSpecsFrom(const ServerConfig& config);

// The registry deployments of the configuration, resolved in `registry`
// (kInvalidArgument for a bad reference or policy, kNotFound for a reference
// that does not resolve; each naming the deployment). Not started.
Result<std::unique_ptr<deploy::RegistryDeployments>> RegistryDeploymentsFrom(const ServerConfig& config,
                                                                              registry::Registry* registry);

class ScoringServer {
 public:
  // Loads every model (failing with the first load error), opens the
  // registry (failing with the store's error, naming the data directory)
  // and binds the port. `handle_signals`: SIGTERM/SIGINT drain, SIGHUP
  // reloads every model.
  static Result<std::unique_ptr<ScoringServer>> Create(const ServerConfig& config, bool handle_signals);
  ScoringServer(const ScoringServer&) = delete;
  ScoringServer& operator=(const ScoringServer&) = delete;

  int port() const { return http_->port(); }
  Status Run() { return http_->Run(); }
  void Shutdown() { http_->Shutdown(); }
  serving::ModelManager& manager() { return *manager_; }
  Service& service() { return *service_; }
  // The registry served under /v1/registry/, or null without one.
  registry::Registry* registry() { return registry_.get(); }
  // The registry deployments being followed, or null without any.
  deploy::RegistryDeployments* deployments() { return deployments_.get(); }

 private:
  ScoringServer() = default;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<serving::ShadowLog> shadow_;
  std::unique_ptr<serving::ModelManager> manager_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<RegistryApi> registry_api_;
  // Applies registry changes to manager_ on its feed's thread; declared
  // after manager_ and registry_ so that it stops before they go.
  std::unique_ptr<deploy::RegistryDeployments> deployments_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace podium::http

#endif  // PODIUM_HTTP_SCORING_SERVER_H_
