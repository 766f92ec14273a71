// The scoring server's HTTP API, independent of the transport: routing,
// authentication, the Open Inference Protocol v2 REST endpoints, the native
// JSON API, model status/stats, OpenAPI and try pages, admin actions and the
// metrics exposition. server.h feeds it parsed requests from the network.
// The endpoints are specified in docs/SERVER.md.
//
// Every request pins one ServingSnapshot for its whole life, so it finishes
// on the versions it started with; every scoring response names the version
// that answered. Every refused request gets a 4xx (or 5xx) status and a body
// {"error": "..."} naming the field and the problem.
//
// Thread safety: Handle is thread-safe and called concurrently by the io
// threads. The Service does not own the ModelManager, ShadowLog or Metrics it
// is given; they must outlive it.
#ifndef PODIUM_HTTP_SERVICE_H_
#define PODIUM_HTTP_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "deploy/registry_deployments.h"
#include "http/metrics.h"
#include "http/token_cache.h"
#include "serving/model_manager.h"
#include "serving/shadow_log.h"

namespace podium::http {

class RegistryApi;     // registry_api.h
class JsonParserPool;  // json_body.h

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string body;
  std::string authorization;  // the Authorization header
  std::string podium_key;     // the X-Podium-Key header (sticky routing)
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Service {
 public:
  struct Options {
    std::string api_token;    // required for everything but health (and inference when public)
    std::string admin_token;  // required for /v1/admin; empty: api_token
    bool public_inference = false;
    int max_json_depth = 64;
    int64_t max_rows = 10000;
    std::string server_version;  // reported by GET /v2
    // Runs shadow scoring off the request path (the server posts it to its
    // io threads). Empty: shadow scoring runs inline, before the answer.
    std::function<void(std::function<void()>)> run_later;
    // Answers /v1/registry/... (not owned; must outlive the Service). Null:
    // the server has no registry and those paths answer 404 saying so.
    const RegistryApi* registry_api = nullptr;
    // The role of a registry bearer token (the server's registry). Set: the
    // server also accepts registry tokens: any role on the inference, model
    // and metrics endpoints, and a role that may promote (mlops, admin) on
    // /v1/admin. Lookups are cached briefly (TokenRoleCache).
    TokenRoleCache::Lookup registry_role;
    // The registry deployments the server follows (not owned; must outlive
    // the Service). Null: none. Their state shows in model status and
    // /metrics.
    const deploy::RegistryDeployments* deployments = nullptr;
  };

  Service(Options options, serving::ModelManager* manager, serving::ShadowLog* shadow, Metrics* metrics);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  HttpResponse Handle(const HttpRequest& request);

  // Readiness (GET /v2/health/ready): true once serving, false while draining.
  void SetReady(bool ready) { ready_.store(ready); }
  bool ready() const { return ready_.load(); }

 private:
  struct Route;  // one parsed request target (service.cc)
  HttpResponse Dispatch(const HttpRequest& request, Route& route);
  HttpResponse Infer(const HttpRequest& request, Route& route, bool oip);
  HttpResponse Admin(const Route& route);
  HttpResponse ModelMetadata(const Route& route);
  HttpResponse ModelStatus(const Route& route);
  uint64_t NextDraw();

  const Options options_;
  serving::ModelManager* const manager_;
  serving::ShadowLog* const shadow_;
  Metrics* const metrics_;
  std::atomic<bool> ready_{true};
  std::atomic<uint64_t> draws_{0};  // the per-request random draw sequence
  std::unique_ptr<TokenRoleCache> registry_tokens_;  // null without options_.registry_role
  std::unique_ptr<JsonParserPool> parsers_;          // request body parsers, lent per request
};

}  // namespace podium::http

#endif  // PODIUM_HTTP_SERVICE_H_
