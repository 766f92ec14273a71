// The registry as the `registry` and `audit` commands see it: the same
// use-cases whether the store is opened in this process (LocalRegistryClient
// over registry::Registry) or reached over HTTP (RemoteRegistryClient over a
// `podium server`'s /v1/registry/ API, --server URL), so both print the same.
//
// Every method has the signature and meaning of the registry::Registry
// method of the same name (registry/registry.h); CreateFirstAdmin also takes
// a token, which only the remote side uses (the server's API token). The
// remote side returns the server's error with its code, and kUnavailable
// when the server cannot be reached.
// Thread-compatible.
#ifndef PODIUM_CLI_REGISTRY_CLIENT_H_
#define PODIUM_CLI_REGISTRY_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "registry/registry.h"

namespace podium::cli {

class RegistryClient {
 public:
  virtual ~RegistryClient() = default;

  virtual Result<std::string> CreateFirstAdmin(std::string_view token, std::string_view name) = 0;
  virtual Result<std::string> CreateUser(std::string_view token, std::string_view name, registry::Role role) = 0;
  virtual Result<std::string> IssueToken(std::string_view token, std::string_view user) = 0;
  virtual Result<int64_t> RevokeTokens(std::string_view token, std::string_view user) = 0;
  virtual Result<registry::UserInfo> WhoAmI(std::string_view token) = 0;
  virtual Result<std::vector<registry::UserInfo>> ListUsers(std::string_view token) = 0;
  virtual Status SetPublicKey(std::string_view token, std::string_view public_key_hex) = 0;
  virtual Status GrantModelRole(std::string_view token, std::string_view model, std::string_view user,
                                registry::Role role) = 0;

  virtual Result<std::vector<registry::EnvironmentInfo>> ListEnvironments(std::string_view token) = 0;
  virtual Status ConfigureEnvironment(std::string_view token, const registry::EnvironmentInfo& environment) = 0;
  virtual Status AddFeaturePolicy(std::string_view token, const registry::FeaturePolicy& policy) = 0;
  virtual Result<std::vector<registry::FeaturePolicy>> ListFeaturePolicies(std::string_view token) = 0;

  virtual Result<registry::ModelInfo> CreateModel(std::string_view token, const registry::ModelSpec& spec) = 0;
  virtual Result<std::vector<registry::ModelInfo>> ListModels(std::string_view token, bool include_archived) = 0;
  virtual Result<registry::VersionInfo> RegisterVersion(std::string_view token,
                                                        const registry::RegisterVersionRequest& request) = 0;
  virtual Result<registry::VersionInfo> GetVersion(std::string_view token, std::string_view model,
                                                   int64_t number) = 0;
  virtual Result<std::vector<registry::VersionInfo>> ListVersions(std::string_view token, std::string_view model) = 0;
  virtual Result<registry::VersionInfo> Resolve(std::string_view token, std::string_view reference) = 0;
  virtual Status SetAlias(std::string_view token, std::string_view model, std::string_view alias, int64_t number,
                          std::string_view reason) = 0;
  virtual Status RemoveAlias(std::string_view token, std::string_view model, std::string_view alias,
                             std::string_view reason) = 0;

  virtual Result<registry::ApprovalStatement> PrepareDecision(std::string_view token, std::string_view model,
                                                              int64_t number, std::string_view environment,
                                                              std::string_view decision, std::string_view comment) = 0;
  virtual Status Decide(std::string_view token, const registry::DecisionRequest& request) = 0;
  virtual Status Promote(std::string_view token, std::string_view model, int64_t number,
                         std::string_view environment, std::string_view reason) = 0;
  virtual Status ArchiveVersion(std::string_view token, std::string_view model, int64_t number,
                                std::string_view reason) = 0;
  virtual Status ArchiveModel(std::string_view token, std::string_view model, std::string_view reason) = 0;

  virtual Status RegisterDataset(std::string_view token, const registry::DatasetInfo& dataset) = 0;
  virtual Status AddDependency(std::string_view token, std::string_view model, std::string_view depends_on,
                               std::string_view reason) = 0;
  virtual Result<registry::Lineage> GetLineage(std::string_view token, std::string_view model, int64_t number) = 0;

  virtual Result<std::vector<registry::SearchHit>> Search(std::string_view token,
                                                          const registry::SearchQuery& query) = 0;
  virtual Result<std::string> ModelCard(std::string_view token, std::string_view model, int64_t number,
                                        std::string_view format) = 0;
  virtual Result<std::string> Diff(std::string_view token, std::string_view model, int64_t a, int64_t b) = 0;

  virtual Result<registry::VerifyReport> VerifyVersion(std::string_view token, std::string_view model,
                                                       int64_t number) = 0;
  virtual Result<int64_t> VerifyAudit(std::string_view token) = 0;
  virtual Result<std::vector<registry::AuditRecord>> AuditLog(std::string_view token,
                                                              const registry::AuditQuery& query) = 0;
  virtual Result<registry::DeploymentAt> DeployedAt(std::string_view token, std::string_view model,
                                                    std::string_view environment, std::string_view time) = 0;
};

// The registry opened in this process.
std::unique_ptr<RegistryClient> LocalRegistryClient(std::unique_ptr<registry::Registry> registry);

// The registry of the `podium server` at `server_url` ("http://HOST:PORT").
// kInvalidArgument for a URL the client cannot use; nothing is sent yet.
Result<std::unique_ptr<RegistryClient>> RemoteRegistryClient(std::string_view server_url);

}  // namespace podium::cli

#endif  // PODIUM_CLI_REGISTRY_CLIENT_H_
