// The model registry over HTTP: every use-case of registry/registry.h as a
// JSON endpoint under /v1/registry/, independent of the transport (the
// Service routes requests here; the endpoints, bodies and pagination are
// specified in docs/SERVER.md, "Registry API", and served as an OpenAPI 3
// document at GET /v1/registry/openapi.json, generated from the same route
// table that dispatches requests, so the two cannot disagree).
//
// Authentication is the registry's: the caller's bearer token is passed to
// every Registry call, which authenticates it and checks roles and grants.
// The one exception is bootstrapping (POST /v1/registry/users:init-admin,
// Registry::CreateFirstAdmin), which takes no registry token and so needs the
// server's own API token instead. Registry errors map onto HTTP statuses
// with HttpStatusFor; every refusal is {"error": "...", "code": "NOT_FOUND"}
// naming the field and the problem. JSON bodies pass CheckJsonNesting before
// any parser sees them.
//
// Lists are paginated: ?limit=N (default kDefaultPageSize, at most
// kMaxPageSize) and ?page_token=T, where T is the opaque next_page_token of
// the previous page. A page names the last item it holds, so items added or
// removed meanwhile never make a later page repeat or skip the others.
//
// Thread-safe: Handle may be called concurrently (the Registry is
// thread-safe). The Registry is not owned and must outlive the RegistryApi.
#ifndef PODIUM_HTTP_REGISTRY_API_H_
#define PODIUM_HTTP_REGISTRY_API_H_

#include <string>
#include <string_view>

#include "http/service.h"
#include "registry/registry.h"

namespace podium::http {

// The path prefix of every registry endpoint.
inline constexpr std::string_view kRegistryApiPrefix = "/v1/registry";

class RegistryApi {
 public:
  static constexpr int kDefaultPageSize = 100;
  static constexpr int kMaxPageSize = 1000;

  struct Options {
    // The server's API token: what POST /v1/registry/users:init-admin needs.
    std::string bootstrap_token;
    int max_json_depth = 64;
  };

  RegistryApi(Options options, registry::Registry* registry);
  RegistryApi(const RegistryApi&) = delete;
  RegistryApi& operator=(const RegistryApi&) = delete;

  // Whether `target` (path and query) names a registry endpoint, i.e. its
  // path is kRegistryApiPrefix or below it.
  static bool IsRegistryTarget(std::string_view target);

  // Answers one request whose target IsRegistryTarget.
  HttpResponse Handle(const HttpRequest& request) const;

  // The OpenAPI 3.0 document of every registry endpoint (JSON text).
  static std::string OpenApiDocument();

 private:
  const Options options_;
  registry::Registry* const registry_;
};

}  // namespace podium::http

#endif  // PODIUM_HTTP_REGISTRY_API_H_
