// The JSON form of the registry's records (registry/registry.h), as the
// registry API (registry_api.h) answers them and as `podium ... --server`
// reads them back. One codec for both sides, so they cannot drift apart.
// Field names are those of docs/SERVER.md, "Registry API". JSON-valued text
// (recipe, hyperparameters, dataset schema and profile) is embedded as JSON.
//
// The readers (…FromJson) take a document from the server; they return
// kDataLoss naming the member when it is not the documented shape.
// Thread-safe (pure functions).
#ifndef PODIUM_HTTP_REGISTRY_JSON_H_
#define PODIUM_HTTP_REGISTRY_JSON_H_

#include <nlohmann/json.hpp>
#include <vector>

#include "base/status.h"
#include "registry/registry.h"

namespace podium::http {

nlohmann::json UserJson(const registry::UserInfo& user);
nlohmann::json ModelJson(const registry::ModelInfo& model);
nlohmann::json VersionJson(const registry::VersionInfo& version);
nlohmann::json DatasetJson(const registry::DatasetInfo& dataset);
nlohmann::json EnvironmentJson(const registry::EnvironmentInfo& environment);
nlohmann::json FeaturePolicyJson(const registry::FeaturePolicy& policy);
nlohmann::json SearchHitJson(const registry::SearchHit& hit);
nlohmann::json AuditRecordJson(const registry::AuditRecord& record);
nlohmann::json DeploymentAtJson(const registry::DeploymentAt& deployment);
nlohmann::json VerifyReportJson(const registry::VerifyReport& report);
nlohmann::json LineageJson(const registry::Lineage& lineage);
nlohmann::json StatementJson(const registry::ApprovalStatement& statement);

Result<registry::UserInfo> UserFromJson(const nlohmann::json& json);
Result<registry::ModelInfo> ModelFromJson(const nlohmann::json& json);
Result<registry::VersionInfo> VersionFromJson(const nlohmann::json& json);
Result<registry::DatasetInfo> DatasetFromJson(const nlohmann::json& json);
Result<registry::EnvironmentInfo> EnvironmentFromJson(const nlohmann::json& json);
Result<registry::FeaturePolicy> FeaturePolicyFromJson(const nlohmann::json& json);
Result<registry::SearchHit> SearchHitFromJson(const nlohmann::json& json);
Result<registry::AuditRecord> AuditRecordFromJson(const nlohmann::json& json);
Result<registry::DeploymentAt> DeploymentAtFromJson(const nlohmann::json& json);
Result<registry::VerifyReport> VerifyReportFromJson(const nlohmann::json& json);
Result<registry::Lineage> LineageFromJson(const nlohmann::json& json);
Result<registry::ApprovalStatement> StatementFromJson(const nlohmann::json& json);

}  // namespace podium::http

#endif  // PODIUM_HTTP_REGISTRY_JSON_H_
